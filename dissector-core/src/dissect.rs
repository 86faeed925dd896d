//! The per-frame pipeline: link → IP → (ICMP quote) → TCP/UDP → DNS, with the per-capture
//! state that tshark-compatible values need.

use crate::conn::analysis::Analysis;
use crate::conn::lookup::{DnsConv, LateFacts, Lookups};
use crate::conn::table::{Connections, Pending};
use crate::conn::tracker::TcpInput;
use std::sync::Arc;

use crate::conn::{ConnKey, ConnSummary, Endpoint, Revision, Row, TcpTrack, Verdict};
use crate::defrag::{DatagramKey, Reassembler};
use crate::dns::{self, Message};
use crate::hash::Map;
use crate::ip::{self, IpPayload};
use crate::limits::{Evictions, Limits};
use crate::link::{self, LinkHeader, Next};
use crate::packet::{Anomaly, DnsLayer, FrameMeta, Layer, Packet, TcpLayer, UdpLayer};
use crate::shard::Shard;
use crate::tcp::{self, TcpOptions};
use crate::tunnel;
use crate::udp::{self, UdpHeader};

/// An IP address held inline (no allocation per packet).
#[derive(Debug, Clone, Copy)]
struct Addr {
    bytes: [u8; 16],
    len: u8,
}

impl Addr {
    fn v4(a: [u8; 4]) -> Addr {
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&a);
        Addr { bytes, len: 4 }
    }

    fn v6(a: [u8; 16]) -> Addr {
        Addr { bytes: a, len: 16 }
    }

    fn bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// The layer a link header becomes.
fn link_layer(l: LinkHeader) -> Layer<'static> {
    match l {
        LinkHeader::Ethernet(e) => Layer::Ethernet(e),
        LinkHeader::Sll(s) => Layer::Sll(s),
        LinkHeader::Null(f) => Layer::Null(f),
        LinkHeader::Vlan(v) => Layer::Vlan(v),
        LinkHeader::Ppp(p) => Layer::Ppp(p),
        LinkHeader::Chdlc(c) => Layer::Chdlc(c),
        LinkHeader::Nflog(n) => Layer::Nflog(n),
        LinkHeader::Radiotap(r) => Layer::Radiotap(r),
        LinkHeader::Wlan(w) => Layer::Wlan(w),
        LinkHeader::Llc(l) => Layer::Llc(l),
    }
}

/// Ports with a DNS dissector in tshark: DNS, mDNS, LLMNR over UDP; DNS and mDNS over TCP.
const DNS_UDP_PORTS: [u16; 3] = [53, 5353, 5355];
const DNS_TCP_PORTS: [u16; 2] = [53, 5353];

/// How a [`Dissector`] works: set once, before the first frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Bounds on per-capture state.
    pub limits: Limits,
    /// Run the connection tracker (on by default). Off, packets carry no [`TcpTrack`] and DNS
    /// layers no transaction: the fields that need them ([`crate::fields::Field::needs_tracking`])
    /// are empty and every other field keeps its values, for about a quarter less work when
    /// only those are printed.
    pub tracking: bool,
    /// Summarise connections as they are retired ([`Dissector::take_summaries`],
    /// [`Dissector::finish_each`]). Off by default: nothing accumulates unless the caller
    /// drains it; on, Zeek's connection state and history are followed too.
    pub summaries: bool,
    /// Collect what later frames tell about earlier ones, for a second pass
    /// ([`Dissector::into_late_facts`]). Off by default: it grows with the number of DNS
    /// transactions.
    pub collect_late: bool,
    /// Facts an earlier pass over the same capture learnt, shown on the frames they concern
    /// (`dns.response_in`, `synack.dns.used_by`, the informed states), as `tshark -2` does.
    pub late: Option<LateFacts>,
    /// Collect the rows of earlier frames that later evidence changes (the informed view,
    /// [`Dissector::take_revisions`]), for a view that can go back to them (a ladder, a GUI).
    pub revisions: bool,
    /// tshark's TCP sequence analysis (`tcp.analysis.*`, the Info column's `[TCP ...]` tags).
    /// On by default; off, those stay empty and each connection keeps no list of unacknowledged
    /// segments.
    pub analysis: bool,
    /// Make each connection's verdict (`synack.verdict`) and show it on the frame that closes
    /// it; with [`Options::late`], on its last frame instead. On by default; off (and without
    /// [`Options::summaries`], which carry it), the tracker gathers none of its facts. Its loss
    /// and stall findings read the sequence analysis's flags, worked out whether or not
    /// [`Options::analysis`] shows them.
    pub verdicts: bool,
    /// Track and own only this share of the connections ([`crate::shard`]); every frame is
    /// still parsed and numbered as without it, and [`Dissector::owns_last`] says whether the
    /// frame just dissected is this shard's to show. `None` (the default): everything.
    pub shard: Option<Shard>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            tracking: true,
            summaries: false,
            collect_late: false,
            late: None,
            revisions: false,
            analysis: true,
            verdicts: true,
            shard: None,
        }
    }
}

impl Options {
    /// The default options with `limits`.
    pub fn with_limits(limits: Limits) -> Options {
        Options { limits, ..Options::default() }
    }
}

/// Per-capture dissection state. Feed frames in capture order.
#[derive(Debug)]
pub struct Dissector {
    first_ts: Option<i128>,
    /// Every TCP connection: tshark's view, the tracker, DNS-over-TCP buffers.
    conns: Connections,
    /// DNS transactions and the answers connections were made to.
    lookups: Lookups,
    defrag: Reassembler,
    tracking: bool,
    /// Rows of the informed view an earlier pass found, by frame (shown instead of the rows as
    /// known at each frame).
    rows: Map<u32, Row>,
    /// Verdicts an earlier pass found, by each connection's last frame (shown there, and no
    /// verdict anywhere else).
    late_verdicts: Option<Map<u32, Arc<Verdict>>>,
    /// Encapsulations met and not decoded, with how many frames carried each.
    undecoded: Vec<(&'static str, u64)>,
    shard: Option<Shard>,
    /// Whether the frame last dissected is this shard's.
    owns_last: bool,
    /// The room of the last packet's layers, given back by [`Dissector::recycle`].
    spare: Vec<Layer<'static>>,
}

impl Default for Dissector {
    fn default() -> Self {
        Dissector::new()
    }
}

struct Ctx<'a, 'p> {
    layers: &'p mut Vec<Layer<'a>>,
    track: &'p mut Option<TcpTrack>,
    analysis: &'p mut Option<Analysis>,
    anomalies: &'p mut Vec<Anomaly>,
    /// Where a datagram completed by this frame's fragment is reassembled (used once).
    scratch: Option<&'a mut Vec<u8>>,
    /// That datagram, once reassembled (IP version, payload).
    reassembled: Option<(u8, &'a [u8])>,
    /// Capture facts of the frame.
    meta: FrameMeta,
    /// DNS messages seen so far in this frame.
    dns_count: u16,
    /// Work done ahead on the frame (see [`prepare`]), used once.
    prepared: Prepared,
    /// Address of the frame's first byte, to place the prepared work in it.
    base: usize,
    /// Encapsulations entered so far (bounded by [`tunnel::MAX_DEPTH`]).
    depth: u8,
    /// Address just past the frame's last captured byte.
    end: usize,
    /// Bytes of the frame the capture cut off (the snap length).
    missing: usize,
    /// Whether the frame is this dissector's shard's, once its connection or DNS client says.
    owner: Option<bool>,
}

/// Work on a frame that needs no per-capture state, so that a caller can do it ahead, on
/// another thread (the CLI's reading thread does), and hand it to
/// [`Dissector::dissect_prepared`]. It holds the parsed DNS message of a whole (unfragmented)
/// UDP datagram that carries DNS, a large share of the dissecting thread's time otherwise. The
/// packet is the same with or without it.
#[derive(Debug, Default)]
pub struct Prepared {
    /// Where the DNS message starts in the frame, its length, and the parse (`None`: too
    /// short to be one).
    dns: Option<(usize, usize, Option<Box<DnsLayer>>)>,
}

impl Prepared {
    /// Nothing was done ahead (the frame carries no whole UDP datagram with DNS).
    pub fn is_empty(&self) -> bool {
        self.dns.is_none()
    }

    /// The DNS message parsed ahead, if any (to prefetch it before it is dissected).
    pub fn message(&self) -> Option<&Message> {
        self.dns.as_ref().and_then(|d| d.2.as_deref()).map(|l| &l.message)
    }

    /// Take back from a packet dissected with a [`Prepared`] what it allocated (the DNS message
    /// of its UDP datagram), to be dropped on the thread that prepared it.
    pub fn reclaim(pkt: Packet<'_>) -> Option<Prepared> {
        let mut udp = false;
        for l in pkt.layers {
            match l {
                Layer::Udp(u) => udp = !u.in_icmp,
                Layer::Dns(m) if udp => return Some(Prepared { dns: Some((0, 0, Some(m))) }),
                _ => udp = false,
            }
        }
        None
    }
}

/// Do the work of [`Prepared`] on a frame: the same link, IP and UDP steps as
/// [`Dissector::dissect`], without its per-capture state.
pub fn prepare(linktype: u32, data: &[u8]) -> Prepared {
    let next = link::walk_link(linktype, data, |_| {});
    let payload = match next {
        Ok((Next::Ipv4, b)) => ip::parse_ipv4(b).ok().and_then(|(_, p)| p.ok()),
        Ok((Next::Ipv6, b)) => ip::parse_ipv6(b).ok().and_then(|(_, p)| p.ok()),
        _ => None,
    };
    // A fragment waits for reassembly, which needs the per-capture state.
    let Some(p) = payload.filter(|p| p.proto == ip::PROTO_UDP && p.frag.is_none()) else { return Prepared::default() };
    let Ok(h) = udp::parse_header(p.data) else { return Prepared::default() };
    let Some((msg, multicast)) = dns_in_udp(&h, p.data, false) else { return Prepared::default() };
    let at = (msg.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
    Prepared { dns: Some((at, msg.len(), dns_layer(msg, multicast))) }
}

/// The DNS message a UDP datagram carries, if tshark would dissect one there, and whether it is
/// multicast DNS. `data` starts at the UDP header.
fn dns_in_udp<'a>(h: &UdpHeader, data: &'a [u8], in_icmp: bool) -> Option<(&'a [u8], bool)> {
    let ulen = usize::from(h.length);
    if ulen < 8 {
        return None;
    }
    let end = if in_icmp { data.len() } else { ulen.min(data.len()) };
    let payload = data.get(8..end).unwrap_or(&[]);
    match dns_udp_port(h) {
        Some(pt) => Some((payload, pt == 5353)),
        // tshark tries port-registered dissectors (low port first) before heuristics.
        None if !registered(h.src_port) && !registered(h.dst_port) && dns::looks_like_dns(payload) => {
            Some((payload, false))
        }
        None => None,
    }
}

/// The port that makes a UDP datagram DNS for tshark: 53 (DNS), 5353 (mDNS) or 5355 (LLMNR),
/// the lower of the two ports first.
pub fn dns_udp_port(h: &UdpHeader) -> Option<u16> {
    let (lo, hi) = (h.src_port.min(h.dst_port), h.src_port.max(h.dst_port));
    [lo, hi].into_iter().find(|pt| DNS_UDP_PORTS.contains(pt))
}

/// The DNS port of `pkt`'s innermost UDP header (53, 5353 mDNS or 5355 LLMNR), if any: what
/// tshark names its DNS after.
pub fn dns_port(pkt: &Packet<'_>) -> Option<u16> {
    let udp = pkt.layers.iter().rev().find_map(|l| if let Layer::Udp(u) = l { Some(u.header) } else { None });
    udp.and_then(|h| dns_udp_port(&h))
}

/// A DNS layer for `msg`, before any transaction is known (`None`: shorter than a header).
fn dns_layer(msg: &[u8], multicast: bool) -> Option<Box<DnsLayer>> {
    let message = dns::parse_message(msg, multicast).ok()?;
    Some(Box::new(DnsLayer { message, tcp_length: None, transaction: None }))
}

impl Dissector {
    /// A dissector for a new capture, with the default [`Options`].
    pub fn new() -> Self {
        Self::with_options(Options::default())
    }

    /// A dissector for a new capture that works as `options` say.
    pub fn with_options(options: Options) -> Self {
        let l = options.limits;
        let mut lookups = Lookups::with_limits(l.max_dns_transactions, l.max_dns_addresses);
        let mut late = options.late;
        let rows = late.as_mut().map(|f| std::mem::take(&mut f.rows)).unwrap_or_default();
        let late_verdicts = late.as_mut().map(|f| std::mem::take(&mut f.verdicts));
        lookups.set_late(late, options.collect_late);
        Dissector {
            first_ts: None,
            conns: Connections::new(
                l,
                options.summaries,
                options.revisions || options.collect_late,
                options.analysis,
                options.verdicts,
                late_verdicts.is_none(),
                options.shard,
            ),
            lookups,
            defrag: Reassembler::default(),
            tracking: options.tracking,
            rows,
            late_verdicts,
            undecoded: Vec::new(),
            shard: options.shard,
            owns_last: true,
            spare: Vec::new(),
        }
    }

    /// Whether the frame last dissected is this dissector's to show: always, unless
    /// [`Options::shard`] splits the work. A frame belongs to the shard of its TCP connection
    /// (the outermost one), else of its DNS message's client, else of its number.
    pub fn owns_last(&self) -> bool {
        self.owns_last
    }

    /// Take back a packet once it has been shown: the room of its layers serves the next frame,
    /// one allocation fewer per frame. (A packet dissected with a [`Prepared`] goes back
    /// through [`Prepared::reclaim`] instead.)
    pub fn recycle(&mut self, pkt: Packet<'_>) {
        let mut layers = pkt.layers;
        layers.clear();
        // An empty vector of the same layout: collected in place, the allocation is kept. The
        // filter_map is what changes the borrowed frame's lifetime to 'static (no layer left).
        #[allow(clippy::unnecessary_filter_map)]
        let spare = layers.into_iter().filter_map(|_| None).collect();
        self.spare = spare;
    }

    /// The rows of earlier frames that later evidence changed since the last call (with
    /// [`Options::revisions`]): (frame, row), to show instead of what was shown for them.
    pub fn take_revisions(&mut self) -> Vec<Revision> {
        self.conns.take_revisions()
    }

    /// The capture is over (for now): give every tracked connection's rows as everything known
    /// makes them (a SYN never answered never arrived), as revisions; connections stay, so
    /// frames that still come are weighed with them.
    pub fn finalize(&mut self) {
        self.conns.finalize_all();
    }

    /// End of a first pass: everything it learnt about earlier frames from later ones, for a
    /// second pass ([`Options::late`]). Needs [`Options::collect_late`].
    pub fn into_late_facts(mut self) -> LateFacts {
        self.conns.finish_each(drop);
        let rows = self.take_revisions().into_iter().collect();
        let mut late = self.lookups.late_facts().cloned().unwrap_or_default();
        late.rows = rows;
        // Each connection's verdict on its last frame; a connection expired while idle and
        // picked up again has one for each part, as the plugin shows them.
        late.verdicts = self.conns.take_verdicts().into_iter().map(|(_, frame, v)| (frame, Arc::new(v))).collect();
        late
    }

    /// Verdicts found since the last call (with [`Options::revisions`]): (stream, last frame,
    /// verdict) of each connection let go, and at [`Dissector::finalize`] of each still open
    /// (a later call may give a connection's verdict again, on a later frame).
    pub fn take_verdicts(&mut self) -> Vec<(u32, u32, Verdict)> {
        self.conns.take_verdicts()
    }

    /// Encapsulations met so far that synack does not decode, each with the number of frames
    /// that carried one (their inner connections are not tracked): one warning per capture, not
    /// one per frame.
    pub fn undecoded(&self) -> &[(&'static str, u64)] {
        &self.undecoded
    }

    /// Count a frame carrying an encapsulation synack does not decode.
    fn not_decoded(&mut self, what: &'static str) {
        match self.undecoded.iter_mut().find(|(w, _)| *w == what) {
            Some((_, n)) => *n += 1,
            None => self.undecoded.push((what, 1)),
        }
    }

    /// What the limits made synack drop so far.
    pub fn evictions(&self) -> Evictions {
        let (dns_transactions, dns_addresses) = self.lookups.evictions();
        let dropped = self.conns.dropped();
        Evictions {
            connections_cap: dropped.cap,
            connections_idle: dropped.idle,
            dns_tcp_buffers: dropped.dns_buffers,
            dns_transactions,
            dns_addresses,
        }
    }

    /// What this pass learnt so far about earlier frames' DNS messages (`None` unless
    /// [`Options::collect_late`] is on).
    pub fn late_facts(&self) -> Option<&LateFacts> {
        self.lookups.late_facts()
    }

    /// Connections whose tracker state is held (for tests of the limits).
    pub fn live_connections(&self) -> usize {
        self.conns.tracked()
    }

    /// Summaries of the connections retired so far (each is given once).
    pub fn take_summaries(&mut self) -> Vec<ConnSummary> {
        self.conns.take_summaries()
    }

    /// End of capture: summaries of every connection still tracked, after those not yet
    /// taken, one at a time, in stream order, with memory flat.
    pub fn finish_each(&mut self, each: impl FnMut(ConnSummary)) {
        self.conns.finish_each(each);
    }

    /// Dissect one frame. `scratch` holds a datagram this frame's fragment completes, so the
    /// returned packet may borrow from it; reuse one buffer for every frame.
    pub fn dissect<'a>(&mut self, meta: FrameMeta, data: &'a [u8], scratch: &'a mut Vec<u8>) -> Packet<'a> {
        self.dissect_prepared(meta, data, scratch, Prepared::default())
    }

    /// [`Dissector::dissect`] with work [`prepare`] did ahead on the same frame.
    pub fn dissect_prepared<'a>(
        &mut self,
        meta: FrameMeta,
        data: &'a [u8],
        scratch: &'a mut Vec<u8>,
        prepared: Prepared,
    ) -> Packet<'a> {
        let first = *self.first_ts.get_or_insert(meta.ts_ns);
        // Most frames have 3 or 4 layers. Four stay under glibc's 1 KiB: five 208-byte layers
        // took its large-bin path, consolidating the fast bins each frame (docs/performance.md).
        let mut layers: Vec<Layer<'a>> = std::mem::take(&mut self.spare);
        layers.reserve(4);
        let mut anomalies = Vec::new();
        let mut track = None;
        let mut analysis = None;
        let mut ctx = Ctx {
            layers: &mut layers,
            track: &mut track,
            analysis: &mut analysis,
            anomalies: &mut anomalies,
            scratch: Some(scratch),
            reassembled: None,
            meta,
            dns_count: 0,
            prepared,
            base: data.as_ptr() as usize,
            depth: 0,
            end: data.as_ptr() as usize + data.len(),
            missing: (meta.len as usize).saturating_sub(meta.caplen as usize),
            owner: None,
        };
        let next = link::walk_link_cut(meta.linktype, data, ctx.missing, |l| ctx.layers.push(link_layer(l)));
        self.amsdu_check(&ctx);
        match next {
            Ok((n, b)) => self.after_link(&mut ctx, n, b),
            Err(p) => ctx.anomalies.push(Anomaly::Link(p)),
        }
        let evicted = self.conns.enforce_cap(self.tracking);
        self.owns_last = ctx.owner.unwrap_or_else(|| self.shard.is_none_or(|s| s.owns_frame(meta.number)));
        let reassembled = ctx.reassembled;
        Packet { meta, rel_ns: meta.ts_ns - first, layers, anomalies, evicted, track, analysis, reassembled }
    }

    /// What a link header (or an encapsulated Ethernet frame) says follows: IP, or an MPLS
    /// label stack or a PPPoE session carrying it.
    fn after_link<'a>(&mut self, ctx: &mut Ctx<'a, '_>, next: Next, b: &'a [u8]) {
        match next {
            Next::Ipv4 => self.ip(ctx, 4, b, false),
            Next::Ipv6 => self.ip(ctx, 6, b, false),
            Next::Other(t) if t == u32::from(tunnel::ETHERTYPE_MPLS) || t == u32::from(tunnel::ETHERTYPE_MPLS_MC) => {
                self.mpls(ctx, b)
            }
            Next::Other(t) if t == u32::from(tunnel::ETHERTYPE_PPPOE_SESSION) => self.pppoe(ctx, b),
            // Discovery (PADI, PADO, ...) carries no IP: its header is shown, its tags skipped.
            Next::Other(t) if t == u32::from(tunnel::ETHERTYPE_PPPOE_DISCOVERY) => {
                if let Ok((_, p)) = tunnel::parse_pppoe_discovery(b) {
                    ctx.layers.push(Layer::Pppoe(p));
                }
            }
            Next::Other(_) => {}
        }
    }

    /// One more encapsulation level: false (and a warning) past [`tunnel::MAX_DEPTH`].
    fn deeper(ctx: &mut Ctx<'_, '_>) -> bool {
        if ctx.depth >= tunnel::MAX_DEPTH {
            ctx.anomalies.push(Anomaly::TooDeep);
            return false;
        }
        ctx.depth += 1;
        true
    }

    /// An Ethernet frame inside a tunnel (VXLAN, GRE transparent bridging).
    fn inner_ethernet<'a>(&mut self, ctx: &mut Ctx<'a, '_>, b: &'a [u8]) {
        self.inner_link(ctx, link::LINKTYPE_ETHERNET, b)
    }

    /// A link-layer frame inside a tunnel: Ethernet, or 802.11 (Aruba's GRE).
    fn inner_link<'a>(&mut self, ctx: &mut Ctx<'a, '_>, linktype: u32, b: &'a [u8]) {
        let next = link::walk_link(linktype, b, |l| ctx.layers.push(link_layer(l)));
        self.amsdu_check(ctx);
        match next {
            Ok((n, b)) => self.after_link(ctx, n, b),
            Err(p) => ctx.anomalies.push(Anomaly::Link(p)),
        }
    }

    /// An 802.11 A-MSDU (QoS control bit 7) holds several packets: named, not read.
    fn amsdu_check(&mut self, ctx: &Ctx<'_, '_>) {
        if let Some(Layer::Wlan(w)) = ctx.layers.last() {
            if w.is_amsdu() {
                self.not_decoded("802.11 A-MSDU aggregates");
            }
        }
    }

    /// RFC 3032: labels until the bottom of the stack, then what [`tunnel::mpls_payload`] says
    /// follows: IPv4, IPv6 or an Ethernet pseudowire (other payloads carry no connection).
    fn mpls<'a>(&mut self, ctx: &mut Ctx<'a, '_>, mut b: &'a [u8]) {
        if !Self::deeper(ctx) {
            return;
        }
        loop {
            let Ok((rest, l)) = tunnel::parse_mpls(b) else {
                ctx.anomalies.push(Anomaly::Tunnel("MPLS"));
                return;
            };
            ctx.layers.push(Layer::Mpls(l));
            b = rest;
            if l.bottom {
                break;
            }
            // A stack longer than a frame's layers can hold is not a label stack.
            if ctx.layers.len() > 32 {
                ctx.anomalies.push(Anomaly::TooDeep);
                return;
            }
        }
        match tunnel::mpls_payload(b) {
            tunnel::MplsPayload::Ipv4(p) => self.ip(ctx, 4, p, false),
            tunnel::MplsPayload::Ipv6(p) => self.ip(ctx, 6, p, false),
            tunnel::MplsPayload::Ethernet(p) => self.inner_ethernet(ctx, p),
            tunnel::MplsPayload::Other => {}
        }
    }

    /// RFC 2516 §5: a session's PPP frames; IPv4 and IPv6 are read on.
    fn pppoe<'a>(&mut self, ctx: &mut Ctx<'a, '_>, b: &'a [u8]) {
        if !Self::deeper(ctx) {
            return;
        }
        let Ok((rest, p)) = tunnel::parse_pppoe_session(b) else {
            ctx.anomalies.push(Anomaly::Tunnel("PPPoE"));
            return;
        };
        ctx.layers.push(Layer::Pppoe(p));
        self.ppp_payload(ctx, p.ppp_protocol.unwrap_or(0), rest);
    }

    /// What a PPP frame carries (a PPPoE session, PPP in GRE): PPP's protocol numbers are not
    /// EtherTypes, and only IP is read on.
    fn ppp_payload<'a>(&mut self, ctx: &mut Ctx<'a, '_>, protocol: u16, rest: &'a [u8]) {
        match link::next_from_ppp(protocol) {
            Next::Ipv4 => self.ip(ctx, 4, rest, false),
            Next::Ipv6 => self.ip(ctx, 6, rest, false),
            Next::Other(_) => {}
        }
    }

    /// Tunnels over UDP, by their ports (as tshark's UDP port table does, the lower port
    /// first): VXLAN (RFC 7348), Geneve (RFC 8926), Teredo (RFC 4380), GRE (RFC 8086), GTP-U.
    /// Returns whether the datagram was one.
    fn udp_tunnel<'a>(&mut self, ctx: &mut Ctx<'a, '_>, h: &UdpHeader, data: &'a [u8]) -> bool {
        let end = usize::from(h.length).min(data.len());
        let body = data.get(8..end).unwrap_or(&[]);
        let (lo, hi) = (h.src_port.min(h.dst_port), h.src_port.max(h.dst_port));
        let is_tunnel =
            |p: u16| matches!(p, tunnel::VXLAN_PORT | tunnel::GENEVE_PORT | tunnel::TEREDO_PORT | tunnel::GRE_UDP_PORT);
        // The first port with a dissector decides, DNS's own ports included (a query from port
        // 6081 to 53 is DNS for tshark, not Geneve).
        let first = [lo, hi].into_iter().find(|p| *p != 0 && (registered(*p) || DNS_UDP_PORTS.contains(p)));
        if first == Some(tunnel::GTP_U_PORT) {
            return self.gtp_u(ctx, body);
        }
        let Some(port) = first.filter(|p| is_tunnel(*p)) else {
            return false;
        };
        // A Teredo port with something else than Teredo on it is left to the rest.
        if port == tunnel::TEREDO_PORT && tunnel::parse_teredo(body).is_err() {
            return false;
        }
        // RFC 8086: a GRE header right after the UDP header (GRE counts its own level).
        if port == tunnel::GRE_UDP_PORT {
            self.gre(ctx, body);
            return true;
        }
        if !Self::deeper(ctx) {
            return true;
        }
        match port {
            tunnel::VXLAN_PORT => match tunnel::parse_vxlan(body) {
                Ok((rest, v)) => {
                    ctx.layers.push(Layer::Vxlan(v));
                    self.inner_ethernet(ctx, rest);
                }
                Err(_) => ctx.anomalies.push(Anomaly::Tunnel("VXLAN")),
            },
            tunnel::GENEVE_PORT => match tunnel::parse_geneve(body) {
                Ok((rest, g)) => {
                    ctx.layers.push(Layer::Geneve(g));
                    if !self.by_ethertype(ctx, g.proto, rest) {
                        self.not_decoded("Geneve with another protocol type");
                    }
                }
                Err(_) => ctx.anomalies.push(Anomaly::Tunnel("Geneve")),
            },
            _ => {
                if let Ok((rest, t)) = tunnel::parse_teredo(body) {
                    ctx.layers.push(Layer::Teredo(t));
                    self.ip(ctx, 6, rest, false);
                }
            }
        }
        true
    }

    /// GTP-U (3GPP TS 29.281): a T-PDU's user packet is IPv4 or IPv6, told apart by its first
    /// octet as Wireshark does (0x45-0x4e: an IPv4 header of 20 to 56 octets). Returns whether
    /// the datagram was GTP-U; one that is not (another version) is left to the rest.
    fn gtp_u<'a>(&mut self, ctx: &mut Ctx<'a, '_>, body: &'a [u8]) -> bool {
        let Ok((rest, g)) = tunnel::parse_gtp_u(body) else {
            return false;
        };
        if !Self::deeper(ctx) {
            return true;
        }
        ctx.layers.push(Layer::Gtp(g));
        if g.message == tunnel::GTP_T_PDU {
            match rest.first() {
                Some(0x45..=0x4e) => self.ip(ctx, 4, rest, false),
                Some(b) if b >> 4 == 6 => self.ip(ctx, 6, rest, false),
                Some(_) => self.not_decoded("GTP-U user packets other than IPv4 and IPv6"),
                None => {}
            }
        }
        true
    }

    /// What an EtherType names inside a tunnel: IPv4, IPv6, an Ethernet frame (0x6558) or MPLS.
    /// Returns whether it was one of them.
    fn by_ethertype<'a>(&mut self, ctx: &mut Ctx<'a, '_>, ethertype: u16, rest: &'a [u8]) -> bool {
        match ethertype {
            link::ETHERTYPE_IPV4 => self.ip(ctx, 4, rest, false),
            link::ETHERTYPE_IPV6 => self.ip(ctx, 6, rest, false),
            tunnel::ETHERTYPE_TEB => self.inner_ethernet(ctx, rest),
            t if t == tunnel::ETHERTYPE_MPLS => self.mpls(ctx, rest),
            _ => return false,
        }
        true
    }

    /// RFC 2784: what the protocol type names: IPv4, IPv6 or an Ethernet frame (0x6558).
    fn gre<'a>(&mut self, ctx: &mut Ctx<'a, '_>, b: &'a [u8]) {
        if !Self::deeper(ctx) {
            return;
        }
        let Ok((rest, g)) = tunnel::parse_gre(b) else {
            ctx.anomalies.push(Anomaly::Tunnel("GRE"));
            return;
        };
        ctx.layers.push(Layer::Gre(g));
        if g.version() > 1 {
            return self.not_decoded("GRE of a version other than 0 and 1");
        }
        match g.proto {
            // PPTP (version 1) and GRE carrying PPP: a PPP frame, its header compressed or not.
            tunnel::ETHERTYPE_PPP => {
                let Some((ppp, rest)) = link::parse_ppp(rest) else {
                    return ctx.anomalies.push(Anomaly::Tunnel("PPP in GRE"));
                };
                ctx.layers.push(Layer::Ppp(ppp));
                self.ppp_payload(ctx, ppp.protocol, rest);
            }
            _ if g.version() == 1 => self.not_decoded("GRE version 1 with another protocol than PPP"),
            // ERSPAN type I: no header of its own (and no GRE sequence number).
            tunnel::ETHERTYPE_ERSPAN if g.seq.is_none() => self.inner_ethernet(ctx, rest),
            tunnel::ETHERTYPE_ERSPAN | tunnel::ETHERTYPE_ERSPAN3 => {
                match tunnel::parse_erspan(rest, g.proto == tunnel::ETHERTYPE_ERSPAN3) {
                    Ok((inner, e)) => {
                        ctx.layers.push(Layer::Erspan(e));
                        self.inner_ethernet(ctx, inner);
                    }
                    Err(_) => ctx.anomalies.push(Anomaly::Tunnel("ERSPAN")),
                }
            }
            // Aruba's access points tunnel 802.11 frames (without FCS) in these protocol types.
            p if (tunnel::ARUBA_WLAN_FIRST..=tunnel::ARUBA_WLAN_LAST).contains(&p) && p & 0xf == 0 => {
                self.inner_link(ctx, link::LINKTYPE_IEEE802_11, rest)
            }
            p => {
                if !self.by_ethertype(ctx, p, rest) {
                    self.not_decoded("GRE with another protocol type");
                }
            }
        }
    }

    fn ip<'a>(&mut self, ctx: &mut Ctx<'a, '_>, version: u8, b: &'a [u8], in_icmp: bool) {
        let parsed = if version == 4 {
            ip::parse_ipv4(b).map(|(h, p)| (Layer::Ipv4(h), Addr::v4(h.src), Addr::v4(h.dst), p))
        } else {
            ip::parse_ipv6(b).map(|(h, p)| (Layer::Ipv6(h), Addr::v6(h.src), Addr::v6(h.dst), p))
        };
        let (layer, src, dst, payload) = match parsed {
            Ok(x) => x,
            Err(p) => {
                ctx.anomalies.push(Anomaly::Ip(p));
                return;
            }
        };
        ctx.layers.push(layer);
        let mut payload = match payload {
            Ok(p) => p,
            Err(p) => {
                ctx.anomalies.push(Anomaly::Ip(p));
                return;
            }
        };
        if !in_icmp {
            // A length longer than the packet (a PPPoE payload length ended it before its
            // padding) is cut to what the packet holds, as Wireshark's reported length does;
            // bytes only the snap length cut off still count.
            let reaches_end = b.as_ptr() as usize + b.len() == ctx.end;
            let held = if reaches_end { b.len() + ctx.missing } else { b.len() };
            let offset = (payload.data.as_ptr() as usize).saturating_sub(b.as_ptr() as usize);
            payload.reported_len = payload.reported_len.min(held.saturating_sub(offset));
        }
        let payload = match payload.frag {
            None => payload,
            Some(frag) => {
                // tshark reassembles only fragments captured whole.
                if in_icmp || payload.data.len() != payload.reported_len {
                    return;
                }
                let key = DatagramKey::new(src.bytes(), dst.bytes(), frag.id, payload.proto);
                let Some(buf) = ctx.scratch.take() else { return };
                if !self.defrag.add(key, frag, payload.data, buf) {
                    return;
                }
                let whole: &'a [u8] = buf;
                ctx.reassembled = Some((version, whole));
                IpPayload { data: whole, reported_len: whole.len(), frag: None, ..payload }
            }
        };
        match payload.proto {
            // Past the depth bound (a warning) nothing more is read.
            tunnel::PROTO_IPIP | tunnel::PROTO_IPV6 if !in_icmp && Self::deeper(ctx) => {
                self.ip(ctx, if payload.proto == tunnel::PROTO_IPIP { 4 } else { 6 }, payload.data, false)
            }
            tunnel::PROTO_GRE if !in_icmp => self.gre(ctx, payload.data),
            ip::PROTO_TCP => self.tcp(ctx, src.bytes(), dst.bytes(), payload, in_icmp),
            ip::PROTO_UDP => self.udp(ctx, src.bytes(), dst.bytes(), payload, in_icmp),
            ip::PROTO_ICMP | ip::PROTO_ICMPV6 if !in_icmp => {
                let v = if payload.proto == ip::PROTO_ICMP { 4 } else { 6 };
                if let Ok((icmp, quoted)) = ip::parse_icmp(v, payload.data) {
                    ctx.layers.push(Layer::Icmp(icmp));
                    // RFC 792: a Redirect quotes the IP header and 64 bits of the datagram;
                    // Wireshark reads no further there, whatever the router sent.
                    let quoted = match quoted {
                        Some(q) if v == 4 && icmp.icmp_type == 5 => {
                            q.get(..usize::from(q.first().map_or(0, |b| b & 0xf)) * 4 + 8).or(Some(q))
                        }
                        q => q,
                    };
                    if let Some(q) = quoted {
                        match q.first().map(|b| b >> 4) {
                            Some(4) => self.ip(ctx, 4, q, true),
                            Some(6) => self.ip(ctx, 6, q, true),
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn tcp<'a>(&mut self, ctx: &mut Ctx<'a, '_>, src: &[u8], dst: &[u8], p: IpPayload<'a>, in_icmp: bool) {
        let b = p.data;
        let port = |i: usize| b.get(i..i + 2).map(|s| u16::from_be_bytes([s[0], s[1]]));
        let (Some(src_port), Some(dst_port)) = (port(0), port(2)) else {
            ctx.anomalies.push(Anomaly::TcpShortHeader);
            return;
        };
        let mut layer = TcpLayer {
            src_port,
            dst_port,
            header: None,
            options: TcpOptions::default(),
            options_len: 0,
            seglen: None,
            view: None,
            payload: &[],
            in_icmp,
            quoted_seq: None,
        };
        let Ok(h) = tcp::parse_header(b) else {
            if in_icmp {
                // RFC 792: an error quotes at least 64 bits of the datagram: ports, sequence.
                layer.quoted_seq = b.get(4..8).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
            } else {
                ctx.anomalies.push(Anomaly::TcpShortHeader);
            }
            ctx.layers.push(Layer::Tcp(layer));
            return;
        };
        layer.header = Some(h);
        let hl = usize::from(h.hdr_len);
        // RFC 9293 §3.1: Data Offset is at least 5 words.
        let seglen = if in_icmp {
            None
        } else if p.reported_len < hl {
            ctx.anomalies.push(Anomaly::TcpHeaderPastSegment);
            None
        } else {
            u32::try_from(p.reported_len - hl).ok()
        };
        let options_len = hl.saturating_sub(20);
        if hl >= 20 {
            let area = b.get(20..b.len().min(hl)).unwrap_or(&[]);
            layer.options = tcp::parse_options(area, options_len);
            layer.options_len = options_len;
            // A quote in an ICMP error is short by design (RFC 792: 64 bits at least).
            if let (Some(pr), false) = (layer.options.problem, in_icmp) {
                ctx.anomalies.push(Anomaly::TcpOptions(pr));
            }
        }
        let (src_ep, dst_ep) = (Endpoint::new(src, src_port), Endpoint::new(dst, dst_port));
        let inp = TcpInput {
            frame: ctx.meta.number,
            ts_ns: ctx.meta.ts_ns,
            frame_len: ctx.meta.len,
            src: src_ep,
            dst: dst_ep,
            header: &h,
            options: &layer.options,
            seglen,
            ttl: ctx
                .layers
                .iter()
                .rev()
                .find_map(|l| match l {
                    Layer::Ipv4(h) => Some(h.ttl),
                    Layer::Ipv6(h) => Some(h.hop_limit),
                    _ => None,
                })
                .unwrap_or(0),
            layers: ctx.layers,
        };
        let track = (!in_icmp && hl >= 20 && self.tracking).then_some(&mut *ctx.track);
        let lookups = &mut self.lookups;
        let (view, analysis, owned) =
            self.conns.on_segment(&inp, track, |server, stream| lookups.link_for_connection(server, stream));
        ctx.owner.get_or_insert(owned);
        if !in_icmp {
            *ctx.analysis = analysis;
        }
        // A second pass shows the informed row an earlier pass found for this frame.
        if let (Some(t), Some(row)) = (ctx.track.as_mut(), self.rows.get(&ctx.meta.number)) {
            t.apply(row);
        }
        if let (Some(t), Some(v)) = (ctx.track.as_mut(), &self.late_verdicts) {
            t.verdict = v.get(&ctx.meta.number).cloned();
        }
        layer.view = Some(view);
        layer.seglen = seglen;
        if hl < 20 {
            ctx.anomalies.push(Anomaly::TcpBadHeaderLength(h.hdr_len));
            layer.options = TcpOptions::default();
            ctx.layers.push(Layer::Tcp(layer));
            return;
        }
        let payload = b.get(hl..).unwrap_or(&[]);
        layer.payload = payload;
        ctx.layers.push(Layer::Tcp(layer));
        let Some(len) = seglen else { return };
        // tshark does not hand retransmitted data to the application dissector again.
        if len == 0 || view.old_data || !is_dns_port(&DNS_TCP_PORTS, src_port, dst_port) {
            return;
        }
        // Reassembly needs the whole segment (tshark will not desegment a cut-short frame).
        let whole = payload.len() as u64 == u64::from(len);
        self.dns_over_tcp(ctx, (src_ep, dst_ep), view.stream, h.seq, payload, whole);
    }

    /// RFC 7766 §8 / RFC 1035 §4.2.2: each message is preceded by a two-byte length; a message
    /// may span segments and a segment may hold several messages.
    fn dns_over_tcp(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        (src, dst): (Endpoint, Endpoint),
        stream: u32,
        seq: u32,
        payload: &[u8],
        whole: bool,
    ) {
        let mut joined;
        let mut data: &[u8] = payload;
        if let Some(p) = self.conns.take_dns(src, dst) {
            let ahead = seq.wrapping_sub(p.next_seq) as i32;
            if ahead == 0 && whole {
                joined = p.buf;
                joined.extend_from_slice(payload);
                data = &joined;
            } else if ahead < 0 {
                // A retransmission of bytes already buffered: keep waiting for new data.
                self.conns.keep_dns(src, dst, p);
                return;
            }
        }
        let mut off = 0usize;
        while off < data.len() {
            let rest = &data[off..];
            let need = match rest.get(..2) {
                Some(l) => 2 + usize::from(u16::from_be_bytes([l[0], l[1]])),
                None => usize::MAX,
            };
            if rest.len() >= need {
                self.push_dns(ctx, &rest[2..need], false, Some((need - 2) as u16), Some(DnsConv::Tcp(stream)));
                off += need;
                continue;
            }
            if whole {
                // At the buffer cap the message is not reassembled (counted, not buffered).
                let next_seq = seq.wrapping_add(payload.len() as u32);
                self.conns.keep_dns(src, dst, Pending { next_seq, buf: rest.to_vec() });
            } else if need != usize::MAX {
                // Cannot reassemble a cut-short frame: show what is there.
                self.push_dns(ctx, &rest[2..], false, Some((need - 2) as u16), Some(DnsConv::Tcp(stream)));
            }
            break;
        }
    }

    fn udp<'a>(&mut self, ctx: &mut Ctx<'a, '_>, src: &[u8], dst: &[u8], p: IpPayload<'a>, in_icmp: bool) {
        let Ok(h) = udp::parse_header(p.data) else {
            ctx.anomalies.push(Anomaly::UdpBad);
            return;
        };
        ctx.layers.push(Layer::Udp(UdpLayer { header: h, in_icmp }));
        if h.length < 8 {
            ctx.anomalies.push(Anomaly::UdpBad);
            return;
        }
        if !in_icmp && self.udp_tunnel(ctx, &h, p.data) {
            return;
        }
        let Some((msg, multicast)) = dns_in_udp(&h, p.data, in_icmp) else { return };
        if let (Some(s), None) = (self.shard, ctx.owner) {
            // A DNS message is its client's: the sender of a query (QR 0), the receiver of a
            // response (RFC 1035 §4.1.1).
            let client = if msg.get(2).is_some_and(|b| b & 0x80 != 0) { dst } else { src };
            let c = Endpoint::new(client, 0);
            ctx.owner = Some(s.owns_host(c.family, &c.addr));
        }
        // tshark matches requests and responses per conversation, but not inside ICMP errors.
        let conv = (!in_icmp)
            .then(|| DnsConv::Udp(ConnKey::new(Endpoint::new(src, h.src_port), Endpoint::new(dst, h.dst_port)).0));
        // The message parsed ahead, if it is this one (an ICMP error's quote never is).
        let at = (msg.as_ptr() as usize).wrapping_sub(ctx.base);
        match ctx.prepared.dns.take() {
            Some((pat, plen, parsed)) if !in_icmp && pat == at && plen == msg.len() => {
                self.push_parsed_dns(ctx, parsed, None, conv)
            }
            _ => self.push_dns(ctx, msg, multicast, None, conv),
        }
    }

    fn push_dns(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        msg: &[u8],
        multicast: bool,
        tcp_length: Option<u16>,
        conv: Option<DnsConv>,
    ) {
        self.push_parsed_dns(ctx, dns_layer(msg, multicast), tcp_length, conv);
    }

    fn push_parsed_dns(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        parsed: Option<Box<DnsLayer>>,
        tcp_length: Option<u16>,
        conv: Option<DnsConv>,
    ) {
        match parsed {
            Some(mut m) => {
                m.tcp_length = tcp_length;
                if let Some(p) = m.message.problem {
                    ctx.anomalies.push(Anomaly::Dns(p));
                }
                // A message cut short is not paired: tshark's dissection of it ends first.
                let whole = !m.message.problem.is_some_and(|p| p.cut_short());
                if let Some(conv) = conv.filter(|_| self.tracking && whole) {
                    let meta = &ctx.meta;
                    m.transaction =
                        Some(self.lookups.annotate(conv, meta.number, ctx.dns_count, meta.ts_ns, &m.message));
                }
                ctx.dns_count = ctx.dns_count.saturating_add(1);
                ctx.layers.push(Layer::Dns(m));
            }
            None => ctx.anomalies.push(Anomaly::DnsShort),
        }
    }
}

fn registered(port: u16) -> bool {
    crate::udp_ports::REGISTERED.binary_search(&port).is_ok()
}

fn is_dns_port(ports: &[u16], a: u16, b: u16) -> bool {
    ports.contains(&a) || ports.contains(&b)
}

#[cfg(test)]
mod limit_tests {
    //! The caps of [`Limits`]: what is dropped, that it is counted, and what survives.
    use super::*;
    use crate::link::LINKTYPE_RAW;

    /// A raw IPv4 TCP frame from 10.0.0.`host`:`sport` to 10.0.0.9:53.
    fn seg(host: u8, sport: u16, flags: u8, seq: u32, payload: &[u8]) -> Vec<u8> {
        let total = 40 + payload.len();
        let mut b =
            vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, host, 10, 0, 0, 9];
        b.extend_from_slice(&sport.to_be_bytes());
        b.extend_from_slice(&53u16.to_be_bytes());
        b.extend_from_slice(&seq.to_be_bytes());
        b.extend_from_slice(&[0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        b.extend_from_slice(payload);
        b
    }

    fn feed(d: &mut Dissector, n: u32, ts_s: i128, frame: &[u8]) -> (Option<u32>, u32) {
        let meta = FrameMeta {
            number: n,
            ts_ns: ts_s * 1_000_000_000,
            caplen: frame.len() as u32,
            len: frame.len() as u32,
            linktype: LINKTYPE_RAW,
        };
        let mut scratch = Vec::new();
        let p = d.dissect(meta, frame, &mut scratch);
        (p.track.map(|t| t.stream), p.evicted)
    }

    #[test]
    fn connection_cap_evicts_by_clock_and_counts_it() {
        let mut d = Dissector::with_options(Options::with_limits(Limits { max_connections: 2, ..Limits::default() }));
        feed(&mut d, 1, 0, &seg(1, 1000, 0x02, 1, &[])); // A, stream 0
        feed(&mut d, 2, 0, &seg(2, 1000, 0x02, 1, &[])); // B, stream 1
                                                         // C: over the cap. Every entry was used since the clock last passed, so the first pass
                                                         // clears them all and the oldest, A, goes.
        let (_, evicted) = feed(&mut d, 3, 0, &seg(3, 1000, 0x02, 1, &[]));
        assert_eq!((evicted, d.evictions().connections_cap, d.conns.len()), (1, 1, 2));
        // B is used again, C is not: D evicts C and B keeps its stream.
        feed(&mut d, 4, 0, &seg(2, 1000, 0x10, 2, &[]));
        feed(&mut d, 5, 0, &seg(4, 1000, 0x02, 1, &[]));
        assert_eq!(d.evictions().connections_cap, 2);
        assert_eq!(feed(&mut d, 6, 0, &seg(2, 1000, 0x10, 2, &[])).0, Some(1));
        // An evicted connection that speaks again is a new stream: tshark would say 0 here.
        assert_eq!(feed(&mut d, 7, 0, &seg(1, 1000, 0x10, 2, &[])).0, Some(4));
    }

    #[test]
    fn without_tracking_the_cap_counts_connections_not_ended_by_rst_or_both_fins() {
        let mut d = Dissector::with_options(Options {
            tracking: false,
            ..Options::with_limits(Limits { max_connections: 1, ..Limits::default() })
        });
        // A ends with a FIN each way, B with a RST, C only half-closes: evicting A and B loses
        // nothing but their stream numbers; evicting C loses an open connection.
        let (fin, rst, ack) = (0x11, 0x04, 0x10);
        feed(&mut d, 1, 0, &seg(1, 1000, fin, 1, &[]));
        let reply = {
            let mut b = seg(1, 1000, fin, 1, &[]);
            // Swap the addresses and ports: the same connection, the other way.
            let (src, dst): (Vec<u8>, Vec<u8>) = (b[12..16].to_vec(), b[16..20].to_vec());
            b[12..16].copy_from_slice(&dst);
            b[16..20].copy_from_slice(&src);
            b[20..24].copy_from_slice(&[0, 53, 0x03, 0xe8]);
            b
        };
        let p = feed(&mut d, 2, 0, &reply);
        assert_eq!(p, (None, 0), "no tracker annotation with tracking off");
        feed(&mut d, 3, 0, &seg(2, 1000, rst, 1, &[]));
        feed(&mut d, 4, 0, &seg(3, 1000, fin, 1, &[]));
        feed(&mut d, 5, 0, &seg(4, 1000, ack, 1, &[]));
        assert_eq!(d.evictions().connections_cap, 1);
        assert_eq!(d.evictions(), Evictions { connections_cap: 1, ..Evictions::default() });
    }

    #[test]
    fn idle_connections_lose_their_tracker_state_but_keep_their_stream() {
        let mut d =
            Dissector::with_options(Options::with_limits(Limits { idle_ns: 10_000_000_000, ..Limits::default() }));
        feed(&mut d, 1, 0, &seg(1, 1000, 0x02, 1, &[]));
        feed(&mut d, 2, 100, &seg(2, 1000, 0x02, 1, &[]));
        assert_eq!(d.evictions().connections_idle, 1);
        assert_eq!(d.live_connections(), 1);
        // tshark's numbering survives: the late segment is stream 0, tracked as mid-stream.
        let meta = FrameMeta { number: 3, ts_ns: 101_000_000_000, caplen: 40, len: 40, linktype: LINKTYPE_RAW };
        let f = seg(1, 1000, 0x10, 2, &[]);
        let mut scratch = Vec::new();
        let p = d.dissect(meta, &f, &mut scratch);
        let t = p.track.expect("tracked");
        assert_eq!((t.stream, t.inferred), (0, true));
    }

    #[test]
    fn dns_over_tcp_buffers_are_capped_and_counted() {
        let mut d =
            Dissector::with_options(Options::with_limits(Limits { max_dns_tcp_buffers: 1, ..Limits::default() }));
        // Two connections each start a DNS message (length 100) and send only 4 bytes of it.
        let partial = [0, 100, 0xab, 0xcd];
        feed(&mut d, 1, 0, &seg(1, 1000, 0x18, 1, &partial));
        feed(&mut d, 2, 0, &seg(2, 1000, 0x18, 1, &partial));
        assert_eq!(d.conns.dns_buffers(), 1);
        assert_eq!(d.evictions().dns_tcp_buffers, 1);
    }

    #[test]
    fn closed_connections_leave_the_tracker_after_the_linger_time() {
        let mut d = Dissector::with_options(Options::with_limits(Limits {
            closed_linger_ns: 5_000_000_000,
            ..Limits::default()
        }));
        feed(&mut d, 1, 0, &seg(1, 1000, 0x02, 1, &[]));
        // The server refuses: RST,ACK from 10.0.0.9:53 acknowledging the SYN. Both CLOSED.
        let mut rst = seg(9, 53, 0x14, 0, &[]);
        rst[12..16].copy_from_slice(&[10, 0, 0, 9]);
        rst[16..20].copy_from_slice(&[10, 0, 0, 1]);
        rst[22..24].copy_from_slice(&1000u16.to_be_bytes());
        rst[28..32].copy_from_slice(&2u32.to_be_bytes());
        feed(&mut d, 2, 0, &rst);
        assert_eq!(d.live_connections(), 1);
        feed(&mut d, 3, 10, &seg(2, 1000, 0x02, 1, &[]));
        assert_eq!(d.live_connections(), 1);
    }
}

#[cfg(test)]
mod tunnel_tests {
    //! Encapsulations: nesting is followed to [`tunnel::MAX_DEPTH`], no further.
    use super::*;
    use crate::link::LINKTYPE_RAW;

    /// `levels` IPv4-in-IPv4 headers around a TCP SYN.
    fn nested(levels: usize) -> Vec<u8> {
        let mut p = vec![0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0];
        for i in 0..=levels {
            let proto = if i == 0 { ip::PROTO_TCP } else { tunnel::PROTO_IPIP };
            let total = 20 + p.len();
            let mut h = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 0, 0x40, 0, 64, proto, 0, 0];
            h.extend_from_slice(&[10, 0, 0, i as u8, 10, 0, 1, i as u8]);
            h.extend_from_slice(&p);
            p = h;
        }
        p
    }

    #[test]
    fn a_recycled_packet_lends_its_room_to_the_next_frame() {
        let meta = |n: u32, len: usize| FrameMeta {
            number: n,
            ts_ns: 0,
            caplen: len as u32,
            len: len as u32,
            linktype: LINKTYPE_RAW,
        };
        let (mut d, mut scratch) = (Dissector::new(), Vec::new());
        let syn = nested(1);
        let pkt = d.dissect(meta(1, syn.len()), &syn, &mut scratch);
        let room = pkt.layers.as_ptr() as usize;
        d.recycle(pkt);
        assert!(d.spare.is_empty() && d.spare.capacity() >= 3);
        let again = d.dissect(meta(2, syn.len()), &syn, &mut scratch);
        assert_eq!(again.layers.as_ptr() as usize, room);
        // The same packet as without recycling.
        let (mut fresh, mut scratch2) = (Dissector::new(), Vec::new());
        drop(fresh.dissect(meta(1, syn.len()), &syn, &mut scratch2));
        let want = format!("{:?}", fresh.dissect(meta(2, syn.len()), &syn, &mut scratch2));
        assert_eq!(format!("{again:?}"), want);
    }

    /// `look` at a raw IP frame dissected alone.
    fn with_packet<T>(frame: &[u8], look: impl FnOnce(&Packet<'_>) -> T) -> T {
        let meta = FrameMeta {
            number: 1,
            ts_ns: 0,
            caplen: frame.len() as u32,
            len: frame.len() as u32,
            linktype: LINKTYPE_RAW,
        };
        let mut d = Dissector::new();
        let mut scratch = Vec::new();
        look(&d.dissect(meta, frame, &mut scratch))
    }

    fn dissect(frame: &[u8]) -> (usize, bool, bool) {
        with_packet(frame, |p| {
            let ips = p.layers.iter().filter(|l| matches!(l, Layer::Ipv4(_))).count();
            (ips, p.tcp().is_some(), p.anomalies.contains(&Anomaly::TooDeep))
        })
    }

    /// IPv4 carrying GRE with `flags_version` and `proto`, then `inner`.
    fn gre(flags_version: u16, proto: u16, inner: &[u8]) -> Vec<u8> {
        let mut g = flags_version.to_be_bytes().to_vec();
        g.extend_from_slice(&proto.to_be_bytes());
        g.extend_from_slice(inner);
        let total = 20 + g.len();
        let mut h = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 0, 0x40, 0, 64, tunnel::PROTO_GRE, 0, 0];
        h.extend_from_slice(&[192, 0, 2, 1, 192, 0, 2, 2]);
        h.extend_from_slice(&g);
        h
    }

    #[test]
    fn encapsulations_not_decoded_are_counted_once_each() {
        let mut d = Dissector::new();
        let mut scratch = Vec::new();
        // Enhanced GRE (version 1) carrying IPv4, not PPP, twice; GRE carrying an unknown type.
        let frames = [gre(0x2001, 0x0800, &[0; 12]), gre(0x2001, 0x0800, &[0; 12]), gre(0x1000, 0x1234, &[0; 12])];
        for (i, f) in frames.iter().enumerate() {
            let meta = FrameMeta {
                number: i as u32 + 1,
                ts_ns: 0,
                caplen: f.len() as u32,
                len: f.len() as u32,
                linktype: LINKTYPE_RAW,
            };
            d.dissect(meta, f, &mut scratch);
        }
        assert_eq!(
            d.undecoded(),
            [("GRE version 1 with another protocol than PPP", 2), ("GRE with another protocol type", 1)]
        );
    }

    /// tshark offers a datagram to the lower port's dissector first, DNS's ports included: a
    /// query from a tunnel's port to 53 (and its answer back) is DNS, not a cut-short tunnel.
    #[test]
    fn dns_on_the_lower_port_wins_over_a_tunnel_port() {
        let query = [0x9d, 0x73, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 0, 0, 1, 0, 1];
        for tunnel_port in [tunnel::GENEVE_PORT, tunnel::VXLAN_PORT, tunnel::GRE_UDP_PORT, tunnel::TEREDO_PORT] {
            for (sp, dp) in [(tunnel_port, 53), (53, tunnel_port)] {
                let ulen = 8 + query.len();
                let mut f = vec![0x45, 0, 0, 20 + ulen as u8, 0, 0, 0x40, 0, 64, ip::PROTO_UDP, 0, 0];
                f.extend_from_slice(&[10, 0, 0, 1, 8, 8, 8, 8]);
                f.extend_from_slice(&sp.to_be_bytes());
                f.extend_from_slice(&dp.to_be_bytes());
                f.extend_from_slice(&[0, ulen as u8, 0, 0]);
                f.extend_from_slice(&query);
                with_packet(&f, |p| {
                    assert!(p.layers.iter().any(|l| matches!(l, Layer::Dns(_))), "{sp} -> {dp}: {:?}", p.layers);
                    assert!(p.anomalies.is_empty(), "{sp} -> {dp}: {:?}", p.anomalies);
                });
            }
        }
    }

    #[test]
    fn nesting_stops_at_the_bound_with_a_warning() {
        let max = usize::from(tunnel::MAX_DEPTH);
        assert_eq!(dissect(&nested(max)), (max + 1, true, false));
        assert_eq!(dissect(&nested(max + 1)), (max + 1, false, true));
        // Far deeper: the same bound, no recursion past it.
        assert_eq!(dissect(&nested(200)).0, max + 1);
    }
}

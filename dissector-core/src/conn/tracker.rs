//! The connection tracker: for every TCP segment, which handshake step it is, each endpoint's
//! RFC 9293 state after it, what it changed, whether the handshake ACKs are right, which
//! options were negotiated and which DNS lookup named the server; per connection, a summary
//! with Zeek's `conn_state` and `history`.
//!
//! States move by [`transition`], the one place that changes them. The tracker only computes
//! the facts a segment carries (does it acknowledge the peer's SYN or FIN, is its RST
//! acceptable) from the sequence numbers it has seen. Memory is per live connection: a
//! connection whose endpoints are both closed is summarised and dropped once it has been
//! quiet for [`LINGER_NS`] of capture time, an idle one after [`crate::limits::Limits::idle_ns`],
//! and at once when a new connection reuses its ports or the connection cap evicts it. The
//! conversation table that numbers streams keeps its (small) entry until the cap evicts it, so a
//! late segment keeps tshark's stream number and is tracked afresh as picked up mid-stream.

use std::collections::VecDeque;

use crate::Map;

use super::key::{ConnKey, Endpoint};
use super::lookup::{DnsConv, DnsLink, LateFacts, Lookups};
use super::state::{transition, Role, Segment, State};
use super::streams::FlowView;
use super::zeek::{ZConn, ZSegment};
use crate::dns::{Message, Transaction};
use crate::tcp::{SeqNumber, TcpHeader, TcpOption, TcpOptions};

/// How long a closed connection is kept for late segments by default: 2 MSL (RFC 9293 §3.4.2,
/// MSL = 2 minutes), the TIME-WAIT wait; see [`crate::limits::Limits::closed_linger_ns`].
pub const LINGER_NS: i128 = 240_000_000_000;

/// A step of the three-way handshake (RFC 9293 §3.5, figure 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// 1: the client's SYN.
    Syn = 1,
    /// 2: the server's SYN+ACK.
    SynAck = 2,
    /// 3: the client's ACK of the server's SYN.
    Ack = 3,
}

impl Stage {
    /// The value names of `synack.stage`.
    pub const NAMES: [(u32, &'static str); 3] = [(1, "SYN"), (2, "SYN+ACK"), (3, "ACK")];

    /// The stage's name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Syn => "SYN",
            Stage::SynAck => "SYN+ACK",
            Stage::Ack => "ACK",
        }
    }
}

/// Anomalies the tracker flags, for expert infos and warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Anomalies(pub u8);

impl Anomalies {
    /// A handshake ACK number is not the peer's ISN + 1.
    pub const ACK_MISMATCH: u8 = 1;
    /// A RST before the handshake completed (refused or aborted open).
    pub const RST_IN_HANDSHAKE: u8 = 2;
    /// A SYN sent again with the same ISN.
    pub const SYN_RETRANSMISSION: u8 = 4;
    /// A SYN+ACK sent again.
    pub const SYNACK_RETRANSMISSION: u8 = 8;
    /// Payload on a SYN or SYN+ACK (TCP Fast Open, RFC 7413).
    pub const DATA_ON_SYN: u8 = 16;
    /// The segment is not acceptable in the state of its sender or receiver.
    pub const NOT_ACCEPTABLE: u8 = 32;

    const NAMES: [(u8, &'static str); 6] = [
        (Self::ACK_MISMATCH, "ack_mismatch"),
        (Self::RST_IN_HANDSHAKE, "rst_in_handshake"),
        (Self::SYN_RETRANSMISSION, "syn_retransmission"),
        (Self::SYNACK_RETRANSMISSION, "synack_retransmission"),
        (Self::DATA_ON_SYN, "data_on_syn"),
        (Self::NOT_ACCEPTABLE, "not_acceptable"),
    ];

    /// Whether `bit` is set.
    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// Names of the set flags, in a fixed order.
    pub fn names(self) -> impl Iterator<Item = &'static str> + 'static {
        Self::NAMES.into_iter().filter(move |(b, _)| self.has(*b)).map(|(_, n)| n)
    }
}

/// Options one side offered in its SYN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SynOptions {
    /// MSS (RFC 6691).
    pub mss: Option<u16>,
    /// Window-scale shift as sent (RFC 7323 §2).
    pub ws: Option<u8>,
    /// SACK permitted (RFC 2018).
    pub sack: bool,
    /// Timestamps (RFC 7323 §3).
    pub ts: bool,
}

impl SynOptions {
    fn of(opts: &TcpOptions<'_>) -> SynOptions {
        SynOptions {
            mss: opts.mss(),
            ws: opts.window_scale(),
            sack: opts.sack_permitted(),
            ts: opts.timestamps().is_some(),
        }
    }
}

/// What the handshake negotiated, shown on the stage-3 segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// MSS the client announced.
    pub mss_client: Option<u16>,
    /// MSS the server announced.
    pub mss_server: Option<u16>,
    /// Shift counts (client, server), only when both sent WS (RFC 7323 §2.2); capped at 14.
    pub ws: Option<(u8, u8)>,
    /// Both offered SACK_PERM.
    pub sack: bool,
    /// Both offered timestamps.
    pub ts: bool,
}

/// One endpoint's state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The client changed (else the server).
    pub client: bool,
    /// Before.
    pub from: State,
    /// After.
    pub to: State,
}

/// The tracker's annotation of one TCP segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpTrack {
    /// Connection index (tshark's `tcp.stream`).
    pub stream: u32,
    /// Sent by the client.
    pub from_client: bool,
    /// The client was guessed from the ports (connection picked up mid-stream).
    pub inferred: bool,
    /// Handshake step, if this segment is one.
    pub stage: Option<Stage>,
    /// Client state after the segment.
    pub client: State,
    /// Server state after the segment.
    pub server: State,
    /// What changed: client first, then server.
    pub changes: [Option<Change>; 2],
    /// On stages 2 and 3: the ACK number is the peer's ISN + 1.
    pub ack_ok: Option<bool>,
    /// SYN to handshake ACK, once known.
    pub irtt_ns: Option<i128>,
    /// On stage 3: the negotiated options.
    pub negotiated: Option<Negotiated>,
    /// On stage 1: the DNS response that answered the server's address.
    pub dns: Option<DnsLink>,
    /// Flags for expert infos.
    pub anomalies: Anomalies,
}

impl TcpTrack {
    /// One line for people: `Handshake 2/3 SYN+ACK · client SYN_SENT · server LISTEN →
    /// SYN_RECEIVED`.
    pub fn summary(&self) -> String {
        let mut s = String::with_capacity(96);
        self.write_summary(&mut s);
        s
    }

    /// [`TcpTrack::summary`] appended to `s` (no allocation when `s` has room).
    pub fn write_summary(&self, s: &mut String) {
        if let Some(st) = self.stage {
            s.push_str("Handshake ");
            s.push(char::from(b'0' + st as u8));
            s.push_str("/3 ");
            s.push_str(st.name());
            s.push_str(" · ");
        }
        for (i, (who, now)) in [("client", self.client), ("server", self.server)].into_iter().enumerate() {
            if i > 0 {
                s.push_str(" · ");
            }
            s.push_str(who);
            s.push(' ');
            match self.changes[i] {
                Some(c) => {
                    s.push_str(c.from.name());
                    s.push_str(" → ");
                    s.push_str(c.to.name());
                }
                None => s.push_str(now.name()),
            }
        }
        if self.inferred {
            s.push_str(" (picked up mid-stream)");
        }
    }

    /// `client CLOSED → SYN_SENT; server ...`, or `None` when nothing changed.
    pub fn transition_text(&self) -> Option<String> {
        let mut s = String::new();
        self.write_transition(&mut s).then_some(s)
    }

    /// [`TcpTrack::transition_text`] appended to `s`; false (nothing written) when nothing
    /// changed.
    pub fn write_transition(&self, s: &mut String) -> bool {
        let mut any = false;
        for c in self.changes.iter().flatten() {
            if any {
                s.push_str("; ");
            }
            any = true;
            s.push_str(if c.client { "client " } else { "server " });
            s.push_str(c.from.name());
            s.push_str(" → ");
            s.push_str(c.to.name());
        }
        any
    }
}

/// How a connection was first closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseKind {
    /// A FIN.
    Fin,
    /// A RST.
    Rst,
}

/// Who closed first, how, and in which frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closer {
    /// The client sent it.
    pub client: bool,
    /// FIN or RST.
    pub kind: CloseKind,
    /// Frame.
    pub frame: u32,
}

/// A finished (or still open at the end) connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnSummary {
    /// Stream index.
    pub stream: u32,
    /// Client endpoint.
    pub client: Endpoint,
    /// Server endpoint.
    pub server: Endpoint,
    /// The client was guessed from the ports.
    pub inferred: bool,
    /// First and last frame.
    pub frames: (u32, u32),
    /// First and last capture time, ns since the epoch.
    pub times_ns: (i128, i128),
    /// Packets sent by (client, server).
    pub packets: [u64; 2],
    /// Frame bytes sent by (client, server).
    pub bytes: [u64; 2],
    /// Payload bytes sent by (client, server), retransmissions included.
    pub payload: [u64; 2],
    /// Frames of the client's first SYN, the server's first SYN+ACK, the stage-3 ACK.
    pub handshake: [Option<u32>; 3],
    /// SYN to handshake ACK.
    pub irtt_ns: Option<i128>,
    /// Options each side offered in its SYN (client, server).
    pub options: [Option<SynOptions>; 2],
    /// Who closed first and how; `None`: still open.
    pub closer: Option<Closer>,
    /// Final (client, server) states.
    pub states: (State, State),
    /// Zeek's conn_state code.
    pub zeek_state: &'static str,
    /// Zeek's history string.
    pub history: String,
    /// The DNS lookup that named the server.
    pub dns: Option<DnsLink>,
}

#[derive(Debug, Clone, Default)]
struct Side {
    isn: Option<u32>,
    /// Payload carried on the SYN (TCP Fast Open).
    syn_data: u32,
    syn: Option<SynOptions>,
    /// Sequence number the FIN occupies.
    fin_seq: Option<u32>,
    /// One past the highest sequence number sent.
    next_seq: Option<u32>,
    /// Last acknowledgment number and (scaled) window sent.
    last_ack: Option<u32>,
    last_win: Option<u32>,
    packets: u64,
    bytes: u64,
    payload: u64,
}

#[derive(Debug, Clone)]
struct Conn {
    stream: u32,
    client: Endpoint,
    server: Endpoint,
    inferred: bool,
    /// The client talks to itself (a TCP self-connect): one socket in both roles.
    itself: bool,
    /// (client, server).
    states: [State; 2],
    sides: [Side; 2],
    handshake: [Option<u32>; 3],
    first: (u32, i128),
    last: (u32, i128),
    closer: Option<Closer>,
    /// Zeek's view, followed only for summaries (boxed: 120 bytes the hot path never reads).
    zeek: Option<Box<ZConn>>,
    dns: Option<DnsLink>,
    irtt_ns: Option<i128>,
    queued: bool,
}

/// One TCP segment as the tracker needs it.
#[derive(Debug, Clone, Copy)]
pub struct TcpInput<'a> {
    /// Frame number.
    pub frame: u32,
    /// Capture time, ns since the epoch.
    pub ts_ns: i128,
    /// Bytes on the wire.
    pub frame_len: u32,
    /// Sender.
    pub src: Endpoint,
    /// Receiver.
    pub dst: Endpoint,
    /// Header.
    pub header: &'a TcpHeader,
    /// Options.
    pub options: &'a TcpOptions<'a>,
    /// Payload length, when known.
    pub seglen: Option<u32>,
    /// What the conversation table computed.
    pub view: &'a FlowView,
}

/// Per-capture tracker state.
#[derive(Debug)]
pub struct Tracker {
    /// Boxed: under churn a hash table keeps up to 4x its entries' worth of buckets.
    conns: Map<u32, Box<Conn>>,
    lookups: Lookups,
    /// Facts from an earlier pass, shown on the frames they concern.
    late_in: Option<LateFacts>,
    /// Facts this pass learns about earlier frames (kept only when asked: they grow with the
    /// number of DNS transactions).
    late_out: LateFacts,
    collect_late: bool,
    closed: VecDeque<(i128, u32)>,
    summaries: Vec<ConnSummary>,
    /// Whether retired connections are summarised (for `synack conv`); off, they are just dropped.
    summarise: bool,
    /// How long closed connections are kept (see [`crate::limits::Limits::closed_linger_ns`]).
    linger_ns: i128,
    /// How long an idle connection is kept (see [`crate::limits::Limits::idle_ns`]).
    idle_ns: i128,
    /// Capture time of the last idle sweep.
    swept_ns: Option<i128>,
    /// Connections dropped because they were idle.
    idle_expired: u64,
}

fn is_closed(s: State) -> bool {
    matches!(s, State::Closed | State::TimeWait)
}

/// The client of a connection picked up mid-stream: the ephemeral side. A port below 1024
/// facing one above is the server (RFC 6335 §6: system ports are where services listen);
/// otherwise the higher port is the client's.
fn client_by_ports(src: &Endpoint, dst: &Endpoint) -> bool {
    match (src.port < 1024, dst.port < 1024) {
        (true, false) => false,
        (false, true) => true,
        _ => src.port >= dst.port,
    }
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker::with_limits(&crate::limits::Limits::default())
    }
}

impl Tracker {
    /// An empty tracker.
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// An empty tracker bounded by `limits`.
    pub fn with_limits(limits: &crate::limits::Limits) -> Tracker {
        Tracker {
            conns: Map::default(),
            lookups: Lookups::with_limits(limits.max_dns_transactions, limits.max_dns_addresses),
            late_in: None,
            late_out: LateFacts::default(),
            collect_late: false,
            closed: VecDeque::new(),
            summaries: Vec::new(),
            summarise: false,
            linger_ns: limits.closed_linger_ns,
            idle_ns: limits.idle_ns,
            swept_ns: None,
            idle_expired: 0,
        }
    }

    /// Show facts learnt by an earlier pass over the same capture.
    pub fn set_late_facts(&mut self, late: LateFacts) {
        self.late_in = Some(late);
    }

    /// A tracker that shows facts learnt by an earlier pass over the same capture.
    pub fn with_late_facts(late: LateFacts) -> Tracker {
        let mut t = Tracker::default();
        t.set_late_facts(late);
        t
    }

    /// Connections dropped so far because they were idle.
    pub fn idle_expired(&self) -> u64 {
        self.idle_expired
    }

    /// DNS state evicted so far: (conversations, addresses).
    pub fn dns_evictions(&self) -> (u64, u64) {
        self.lookups.evictions()
    }

    /// Learn facts about earlier frames from later ones (for a second pass, or a GUI that
    /// re-dissects). Off by default: they grow with the number of DNS transactions.
    pub fn set_collect_late(&mut self, on: bool) {
        self.collect_late = on;
    }

    /// The facts this pass learnt about earlier frames (for a second pass).
    pub fn late_facts(&self) -> &LateFacts {
        &self.late_out
    }

    /// Produce a [`ConnSummary`] for each connection as it is retired; the caller must drain
    /// them with [`Tracker::take_summaries`], or they accumulate. Set it before the first
    /// segment: Zeek's connection state and history, which only summaries show, are followed
    /// only while it is on.
    pub fn set_summaries(&mut self, on: bool) {
        self.summarise = on;
    }

    /// Take the summaries of connections finished so far.
    pub fn take_summaries(&mut self) -> Vec<ConnSummary> {
        std::mem::take(&mut self.summaries)
    }

    /// End of capture: summarise every connection still tracked, in stream order.
    pub fn finish(&mut self) -> Vec<ConnSummary> {
        let mut all = self.take_summaries();
        self.finish_each(|s| all.push(s));
        all
    }

    /// [`Tracker::finish`] one summary at a time, each retired connection freed before the
    /// next is summarised: memory stays flat with thousands of connections still open. Summaries
    /// not yet taken come first.
    pub fn finish_each(&mut self, mut each: impl FnMut(ConnSummary)) {
        for s in self.take_summaries() {
            each(s);
        }
        let mut rest: Vec<u32> = self.conns.keys().copied().collect();
        rest.sort_unstable();
        for s in rest {
            if let Some((_, Some(summary))) = self.remove(s) {
                each(summary);
            }
        }
        self.closed.clear();
    }

    /// Number of connections held in memory.
    pub fn live_connections(&self) -> usize {
        self.conns.len()
    }

    /// Whether a tracked connection has both endpoints CLOSED or in TIME_WAIT (or is gone).
    pub fn is_finished(&self, stream: u32) -> bool {
        self.conns.get(&stream).is_none_or(|c| is_closed(c.states[0]) && is_closed(c.states[1]))
    }

    /// Summarise and drop a connection (closed and quiet, replaced, or evicted by a cap).
    pub fn retire(&mut self, stream: u32) -> Option<ConnKey> {
        let (key, summary) = self.remove(stream)?;
        self.summaries.extend(summary);
        Some(key)
    }

    /// Drop a connection: its key, and its summary when summaries are on.
    fn remove(&mut self, stream: u32) -> Option<(ConnKey, Option<ConnSummary>)> {
        let c = self.conns.remove(&stream)?;
        let key = ConnKey::new(c.client, c.server).0;
        Some((key, self.summarise.then(|| summarise_conn(*c))))
    }

    /// Drop connections idle for longer than the idle time; looked for once per 1/16 of it.
    fn expire_idle(&mut self, now: i128) {
        let every = (self.idle_ns / 16).max(1);
        if self.swept_ns.is_some_and(|t| now - t < every) {
            return;
        }
        self.swept_ns = Some(now);
        let mut idle: Vec<u32> =
            self.conns.iter().filter(|(_, c)| now - c.last.1 >= self.idle_ns).map(|(s, _)| *s).collect();
        idle.sort_unstable();
        for s in idle {
            let _ = self.retire(s);
            self.idle_expired += 1;
        }
    }

    /// Drop connections closed for longer than the linger time.
    fn expire(&mut self, now: i128) {
        while let Some(&(t, s)) = self.closed.front() {
            if now - t < self.linger_ns {
                break;
            }
            self.closed.pop_front();
            let Some(c) = self.conns.get_mut(&s) else { continue };
            if !(is_closed(c.states[0]) && is_closed(c.states[1])) {
                c.queued = false;
            } else if now - c.last.1 >= self.linger_ns {
                let _ = self.retire(s);
            } else {
                self.closed.push_back((c.last.1, s));
            }
        }
    }

    /// Annotate one DNS message; `conv` is `None` for a message quoted in an ICMP error.
    pub fn on_dns(
        &mut self,
        conv: Option<DnsConv>,
        frame: u32,
        msg: u16,
        ts_ns: i128,
        m: &Message,
    ) -> Option<Transaction> {
        let conv = conv?;
        let late = self.collect_late.then_some(&mut self.late_out);
        let mut t = self.lookups.on_message(conv, frame, msg, ts_ns, m, late);
        if let Some(late) = &self.late_in {
            if !m.header.is_response() {
                t.response_in = late.response_in.get(&(frame, msg)).copied().filter(|_| t.response_to.is_none());
            }
            if let Some(u) = late.used_by.get(&(frame, msg)) {
                t.used_by = u.clone();
            }
        }
        Some(t)
    }

    /// Annotate one TCP segment.
    pub fn on_tcp(&mut self, inp: &TcpInput<'_>) -> TcpTrack {
        self.expire(inp.ts_ns);
        self.expire_idle(inp.ts_ns);
        let h = inp.header;
        let v = inp.view;
        let f = h.flags;
        if let Some(old) = v.reused_from {
            let _ = self.retire(old);
        }
        let (syn, ack, fin, rst) = (f.syn(), f.ack(), f.fin(), f.rst());
        let summarise = self.summarise;
        let conn = self.conns.entry(v.stream).or_insert_with(|| Box::new(new_conn(inp, summarise)));
        let itself = conn.itself;
        let from_client = inp.src == conn.client;
        let (me, peer) = if from_client { (0, 1) } else { (1, 0) };
        let seglen = inp.seglen.unwrap_or(0);
        let synlen = u32::from(syn);
        let before = conn.states;
        // With a self-connect the one socket is both sender and receiver.
        let (peer_side, my_side) =
            if itself { (&conn.sides[0], &conn.sides[0]) } else { (&conn.sides[peer], &conn.sides[me]) };

        // RFC 9293 §3.10.7.4 fifth: an acceptable ACK covers what the peer sent; the SYN
        // occupies the ISN, a FIN the sequence number after the data.
        let acks = |n: Option<u32>| ack && n.is_some_and(|x| SeqNumber(h.ack) > SeqNumber(x));
        let acks_peer_syn = acks(peer_side.isn);
        let acks_peer_fin = acks(peer_side.fin_seq);
        let receiver_state = if itself { before[0] } else { before[peer] };
        let rst_acceptable = rst && rst_is_acceptable(h, receiver_state, peer_side, my_side);
        let seg = Segment { syn, ack, fin, rst, acks_peer_syn, acks_peer_fin, rst_acceptable };

        let mut anomalies = 0u8;
        let mut stage = None;
        let mut ack_ok = None;
        let mut negotiated = None;
        let mut dns = None;
        let server_synack_seen = conn.handshake[1].is_some();
        // RFC 9293 §3.5: SYN (stage 1) from the client, SYN+ACK (2) from the server, ACK (3).
        if syn && !ack && from_client {
            stage = Some(Stage::Syn);
            if conn.handshake[0].is_some() {
                anomalies |= Anomalies::SYN_RETRANSMISSION;
            }
            if let Some(l) = self.lookups.link_for(&Endpoint { port: 0, ..inp.dst }) {
                if self.collect_late {
                    self.late_out.add_use(l, v.stream);
                }
                dns = Some(l.clone());
            }
        } else if syn && ack && (!from_client || itself) {
            stage = Some(Stage::SynAck);
            if server_synack_seen {
                anomalies |= Anomalies::SYNACK_RETRANSMISSION;
            }
            // "ACK x+1" acknowledges the SYN with sequence number x (§3.4, figure 6); a
            // server that accepts Fast Open data also acknowledges that data (RFC 7413 §4.2).
            let c = &conn.sides[0];
            ack_ok = c.isn.map(|x| {
                let syn_ack = x.wrapping_add(1);
                h.ack == syn_ack || (c.syn_data > 0 && h.ack == syn_ack.wrapping_add(c.syn_data))
            });
        } else if from_client && ack && !syn && !rst && conn.handshake[2].is_none() && server_synack_seen {
            let server = &conn.sides[if itself { 0 } else { 1 }];
            if let Some(x) = server.isn {
                let in_range = server.next_seq.is_none_or(|n| SeqNumber(h.ack) <= SeqNumber(n));
                if SeqNumber(h.ack) > SeqNumber(x) && in_range {
                    stage = Some(Stage::Ack);
                    ack_ok = Some(h.ack == x.wrapping_add(1));
                    negotiated = negotiate(conn.sides[0].syn, conn.sides[if itself { 0 } else { 1 }].syn);
                } else if before[0] == State::SynSent {
                    anomalies |= Anomalies::ACK_MISMATCH;
                }
            }
        }
        if ack_ok == Some(false) {
            anomalies |= Anomalies::ACK_MISMATCH;
        }
        if syn && seglen > 0 {
            anomalies |= Anomalies::DATA_ON_SYN;
        }
        let opening = before[0] == State::SynSent || matches!(before[1], State::Listen | State::SynReceived);
        if rst && opening && conn.handshake[0].is_some() {
            anomalies |= Anomalies::RST_IN_HANDSHAKE;
        }
        if not_acceptable(&seg, seglen, before[me], receiver_state, my_side, h) {
            anomalies |= Anomalies::NOT_ACCEPTABLE;
        }

        // The rule: the sender moves to what sending proves, the receiver only where the RFC
        // transition needs no reply from it.
        let after = if itself {
            let s = transition(transition(before[0], &seg, Role::Sender), &seg, Role::Receiver);
            [s, s]
        } else {
            let mut a = before;
            a[me] = transition(before[me], &seg, Role::Sender);
            a[peer] = transition(before[peer], &seg, Role::Receiver);
            a
        };
        conn.states = after;
        let mut changes = [None, None];
        // A self-connect's one socket changes once, shown as the client.
        let roles = if itself { 1 } else { 2 };
        for (i, ch) in changes.iter_mut().enumerate().take(roles) {
            if after[i] != before[i] {
                *ch = Some(Change { client: i == 0, from: before[i], to: after[i] });
            }
        }

        // Remember what this segment told about its sender.
        let side = &mut conn.sides[if itself { 0 } else { me }];
        if syn {
            side.isn = Some(h.seq);
            side.syn = Some(SynOptions::of(inp.options));
            side.syn_data = seglen;
        }
        let end = h.seq.wrapping_add(seglen).wrapping_add(synlen);
        if fin {
            side.fin_seq = Some(end);
        }
        let next = end.wrapping_add(u32::from(fin));
        let rexmit = seglen > 0 && side.next_seq.is_some_and(|n| SeqNumber(end) <= SeqNumber(n));
        if side.next_seq.is_none_or(|n| SeqNumber(next) > SeqNumber(n)) && !rst {
            side.next_seq = Some(next);
        }
        if ack && !rst {
            side.last_ack = Some(h.ack);
        }
        if !syn {
            side.last_win = Some(v.window);
        }
        side.packets += 1;
        side.bytes += u64::from(inp.frame_len);
        side.payload += u64::from(seglen);
        match stage {
            Some(Stage::Syn) if conn.handshake[0].is_none() => conn.handshake[0] = Some(inp.frame),
            Some(Stage::SynAck) if conn.handshake[1].is_none() => conn.handshake[1] = Some(inp.frame),
            Some(Stage::Ack) => conn.handshake[2] = Some(inp.frame),
            _ => {}
        }
        if conn.dns.is_none() {
            conn.dns.clone_from(&dns);
        }
        if conn.closer.is_none() && (fin || rst) {
            let kind = if rst { CloseKind::Rst } else { CloseKind::Fin };
            conn.closer = Some(Closer { client: from_client, kind, frame: inp.frame });
        }
        // Zeek's state and history are read only by summaries.
        if let Some(zeek) = &mut conn.zeek {
            zeek.on_segment(&ZSegment {
                from_orig: from_client,
                syn,
                ack,
                fin,
                rst,
                seq: h.seq,
                len: seglen,
                window: h.window,
                retransmission: rexmit,
            });
        }
        conn.last = (inp.frame, inp.ts_ns);
        conn.irtt_ns = v.initial_rtt_ns;
        if is_closed(after[0]) && is_closed(after[1]) && !conn.queued {
            conn.queued = true;
            self.closed.push_back((inp.ts_ns, v.stream));
        }
        TcpTrack {
            stream: v.stream,
            from_client,
            inferred: conn.inferred,
            stage,
            client: after[0],
            server: after[1],
            changes,
            ack_ok,
            irtt_ns: v.initial_rtt_ns,
            negotiated,
            dns,
            anomalies: Anomalies(anomalies),
        }
    }
}

fn new_conn(inp: &TcpInput<'_>, summarise: bool) -> Conn {
    let f = inp.header.flags;
    let (src, dst) = (inp.src, inp.dst);
    // Who is the client, and where both stood before the first segment seen.
    let (client_is_src, inferred, states) = if f.syn() && !f.ack() {
        // The first SYN's sender is the client; the server listens.
        (true, false, [State::Closed, State::Listen])
    } else if f.syn() {
        // A SYN+ACK answers a SYN the capture missed: its receiver is the client.
        (false, false, [State::SynSent, State::Listen])
    } else {
        // Mid-stream: both were already open.
        (client_by_ports(&src, &dst), true, [State::Established, State::Established])
    };
    let (client, server) = if client_is_src { (src, dst) } else { (dst, src) };
    // A self-connect is one socket: nothing listens before its SYN.
    let states = if src == dst && states[1] == State::Listen { [states[0], states[0]] } else { states };
    Conn {
        stream: inp.view.stream,
        client,
        server,
        inferred,
        itself: src == dst,
        states,
        sides: [Side::default(), Side::default()],
        handshake: [None; 3],
        first: (inp.frame, inp.ts_ns),
        last: (inp.frame, inp.ts_ns),
        closer: None,
        zeek: summarise.then(|| Box::new(ZConn::new(!client_is_src))),
        dns: None,
        irtt_ns: None,
        queued: false,
    }
}

/// RFC 7323 §2.2: scaling is in effect only when both SYNs carry the option; §2.3 caps the
/// shift at 14.
fn negotiate(client: Option<SynOptions>, server: Option<SynOptions>) -> Option<Negotiated> {
    let (c, s) = (client?, server?);
    Some(Negotiated {
        mss_client: c.mss,
        mss_server: s.mss,
        ws: c.ws.zip(s.ws).map(|(a, b)| (TcpOption::ws_shift(a), TcpOption::ws_shift(b))),
        sack: c.sack && s.sack,
        ts: c.ts && s.ts,
    })
}

/// RFC 9293 §3.10.7.3 (SYN-SENT): a RST is acceptable if its ACK acknowledges our SYN.
/// §3.10.7.4 (synchronized states): if its sequence number is in the receive window
/// (RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND; exactly RCV.NXT when the window is zero).
/// RCV.NXT is what the receiver last acknowledged, or else what the sender had sent.
fn rst_is_acceptable(h: &TcpHeader, receiver: State, recv_side: &Side, send_side: &Side) -> bool {
    match receiver {
        State::SynSent => match recv_side.isn {
            Some(isn) => {
                let nxt = recv_side.next_seq.unwrap_or(isn.wrapping_add(1));
                h.flags.ack() && SeqNumber(h.ack) > SeqNumber(isn) && SeqNumber(h.ack) <= SeqNumber(nxt)
            }
            None => true,
        },
        State::Listen | State::Closed => false,
        _ => {
            let Some(rcv_nxt) = recv_side.last_ack.or(send_side.next_seq) else { return true };
            let d = SeqNumber(h.seq).diff(SeqNumber(rcv_nxt));
            let wnd = recv_side.last_win.unwrap_or(65535).max(1);
            d >= 0 && (d as u32) < wnd
        }
    }
}

/// A segment its sender should not be sending in its state, or its receiver must refuse:
/// an unacceptable RST; anything but a RST from or to a closed endpoint (§3.10.7.1: a CLOSED
/// endpoint answers with RST); new data after the sender's FIN; and, in a synchronized
/// state, a segment without ACK (§3.10.7.4 fifth: "if the ACK bit is off drop the segment").
fn not_acceptable(seg: &Segment, seglen: u32, sender: State, receiver: State, side: &Side, h: &TcpHeader) -> bool {
    if seg.rst {
        return !seg.rst_acceptable && receiver != State::Listen;
    }
    if (sender == State::Closed || receiver == State::Closed) && !seg.syn {
        return true;
    }
    if sender == State::TimeWait && (seglen > 0 || seg.syn) {
        return true;
    }
    if let Some(fin) = side.fin_seq {
        if seglen > 0 && SeqNumber(h.seq.wrapping_add(seglen)) > SeqNumber(fin) {
            return true;
        }
    }
    let synchronized = !matches!(receiver, State::Listen | State::SynSent | State::Closed);
    synchronized && !seg.ack && !seg.syn
}

fn summarise_conn(c: Conn) -> ConnSummary {
    ConnSummary {
        stream: c.stream,
        client: c.client,
        server: c.server,
        inferred: c.inferred,
        frames: (c.first.0, c.last.0),
        times_ns: (c.first.1, c.last.1),
        packets: [c.sides[0].packets, c.sides[1].packets],
        bytes: [c.sides[0].bytes, c.sides[1].bytes],
        payload: [c.sides[0].payload, c.sides[1].payload],
        handshake: c.handshake,
        irtt_ns: c.irtt_ns,
        options: [c.sides[0].syn, c.sides[1].syn],
        closer: c.closer,
        states: (c.states[0], c.states[1]),
        zeek_state: c.zeek.as_ref().map_or_else(|| ZConn::default().conn_state(), |z| z.conn_state()),
        history: c.zeek.map(|z| z.history).unwrap_or_default(),
        dns: c.dns,
    }
}

#[cfg(test)]
mod tests {
    //! One named test per connection story of issue 3, fed through the whole dissector as raw
    //! IPv4 frames. `C` is the client 10.0.0.1:40000, `S` the server 10.0.0.2:80; sequence
    //! numbers are raw (client ISN 1000, server ISN 5000).
    use super::*;
    use crate::dissect::{Dissector, FrameMeta};
    use crate::link::LINKTYPE_RAW;
    use State::*;

    const C: ([u8; 4], u16) = ([10, 0, 0, 1], 40000);
    const S: ([u8; 4], u16) = ([10, 0, 0, 2], 80);

    /// A raw IPv4 frame with a 20-byte TCP header (plus `opts`) and `len` bytes of payload.
    fn frame(
        from: ([u8; 4], u16),
        to: ([u8; 4], u16),
        flags: &str,
        seq: u32,
        ack: u32,
        len: usize,
        opts: &[u8],
    ) -> Vec<u8> {
        let mut f = 0u16;
        for (c, bit) in [('S', 0x02), ('A', 0x10), ('F', 0x01), ('R', 0x04), ('P', 0x08)] {
            if flags.contains(c) {
                f |= bit;
            }
        }
        let thl = 20 + opts.len();
        let total = 20 + thl + len;
        let mut b = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 0, 0x40, 0, 64, 6, 0, 0];
        b.extend_from_slice(&from.0);
        b.extend_from_slice(&to.0);
        b.extend_from_slice(&from.1.to_be_bytes());
        b.extend_from_slice(&to.1.to_be_bytes());
        b.extend_from_slice(&seq.to_be_bytes());
        b.extend_from_slice(&ack.to_be_bytes());
        b.push(((thl / 4) as u8) << 4);
        b.push(f as u8);
        b.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0]);
        b.extend_from_slice(opts);
        b.resize(total, 0x61);
        b
    }

    struct Run {
        d: Dissector,
        n: u32,
    }

    impl Run {
        fn new() -> Run {
            let mut d = Dissector::new();
            d.set_summaries(true);
            Run { d, n: 0 }
        }

        /// Feed one segment, 1 ms after the previous one; return the tracker's annotation.
        fn seg(&mut self, from_client: bool, flags: &str, seq: u32, ack: u32, len: usize) -> TcpTrack {
            self.seg_opts(from_client, flags, seq, ack, len, &[])
        }

        fn seg_opts(
            &mut self,
            from_client: bool,
            flags: &str,
            seq: u32,
            ack: u32,
            len: usize,
            opts: &[u8],
        ) -> TcpTrack {
            let (a, b) = if from_client { (C, S) } else { (S, C) };
            self.raw(frame(a, b, flags, seq, ack, len, opts))
        }

        fn raw(&mut self, data: Vec<u8>) -> TcpTrack {
            self.n += 1;
            let len = data.len() as u32;
            let meta = FrameMeta {
                number: self.n,
                ts_ns: i128::from(self.n) * 1_000_000,
                caplen: len,
                len,
                linktype: LINKTYPE_RAW,
            };
            let mut scratch = Vec::new();
            let p = self.d.dissect(meta, &data, &mut scratch);
            p.track.expect("a tracked TCP segment")
        }

        /// SYN, SYN+ACK, ACK with the default ISNs.
        fn open(&mut self) {
            self.seg(true, "S", 1000, 0, 0);
            self.seg(false, "SA", 5000, 1001, 0);
            self.seg(true, "A", 1001, 5001, 0);
        }
    }

    fn states(t: &TcpTrack) -> (State, State) {
        (t.client, t.server)
    }

    #[test]
    fn normal_open_reads_like_the_walkthrough() {
        let mut r = Run::new();
        let t = r.seg(true, "S", 1000, 0, 0);
        assert_eq!((t.stage, states(&t)), (Some(Stage::Syn), (SynSent, Listen)));
        assert_eq!(t.transition_text().as_deref(), Some("client CLOSED → SYN_SENT"));
        let t = r.seg(false, "SA", 5000, 1001, 0);
        assert_eq!((t.stage, states(&t), t.ack_ok), (Some(Stage::SynAck), (SynSent, SynReceived), Some(true)));
        let t = r.seg(true, "A", 1001, 5001, 0);
        assert_eq!((t.stage, states(&t), t.ack_ok), (Some(Stage::Ack), (Established, Established), Some(true)));
        assert_eq!(
            t.transition_text().as_deref(),
            Some("client SYN_SENT → ESTABLISHED; server SYN_RECEIVED → ESTABLISHED")
        );
        let t = r.seg(true, "AP", 1001, 5001, 10);
        assert_eq!((t.stage, t.changes, t.anomalies), (None, [None, None], Anomalies(0)));
    }

    #[test]
    fn client_first_close_goes_through_time_wait() {
        let mut r = Run::new();
        r.open();
        assert_eq!(states(&r.seg(true, "FA", 1001, 5001, 0)), (FinWait1, Established));
        assert_eq!(states(&r.seg(false, "A", 5001, 1002, 0)), (FinWait2, CloseWait));
        assert_eq!(states(&r.seg(false, "FA", 5001, 1002, 0)), (FinWait2, LastAck));
        assert_eq!(states(&r.seg(true, "A", 1002, 5002, 0)), (TimeWait, Closed));
    }

    #[test]
    fn combined_fin_ack_reply_skips_the_separate_ack() {
        let mut r = Run::new();
        r.open();
        r.seg(true, "FA", 1001, 5001, 0);
        // The server's FIN+ACK acknowledges the client's FIN and closes its side at once.
        let t = r.seg(false, "FA", 5001, 1002, 0);
        assert_eq!(states(&t), (FinWait2, LastAck));
        assert_eq!(
            t.transition_text().as_deref(),
            Some("client FIN_WAIT_1 → FIN_WAIT_2; server ESTABLISHED → LAST_ACK")
        );
        assert_eq!(states(&r.seg(true, "A", 1002, 5002, 0)), (TimeWait, Closed));
    }

    #[test]
    fn server_first_close_mirrors_the_roles() {
        let mut r = Run::new();
        r.open();
        assert_eq!(states(&r.seg(false, "FA", 5001, 1001, 0)), (Established, FinWait1));
        assert_eq!(states(&r.seg(true, "A", 1001, 5002, 0)), (CloseWait, FinWait2));
        assert_eq!(states(&r.seg(true, "FA", 1001, 5002, 0)), (LastAck, FinWait2));
        assert_eq!(states(&r.seg(false, "A", 5002, 1002, 0)), (Closed, TimeWait));
    }

    #[test]
    fn simultaneous_close_goes_through_closing() {
        let mut r = Run::new();
        r.open();
        r.seg(true, "FA", 1001, 5001, 0);
        assert_eq!(states(&r.seg(false, "FA", 5001, 1001, 0)), (FinWait1, FinWait1));
        assert_eq!(states(&r.seg(true, "A", 1002, 5002, 0)), (Closing, FinWait2));
        assert_eq!(states(&r.seg(false, "A", 5002, 1002, 0)), (TimeWait, TimeWait));
    }

    #[test]
    fn simultaneous_open_has_no_stage_on_the_clients_syn_ack() {
        let mut r = Run::new();
        r.seg(true, "S", 1000, 0, 0);
        let t = r.seg(false, "S", 5000, 0, 0);
        assert_eq!((t.stage, states(&t)), (None, (SynSent, SynSent)));
        let t = r.seg(true, "SA", 1000, 5001, 0);
        assert_eq!((t.stage, states(&t)), (None, (SynReceived, SynSent)));
        let t = r.seg(false, "SA", 5000, 1001, 0);
        assert_eq!((t.stage, states(&t)), (Some(Stage::SynAck), (Established, SynReceived)));
        let t = r.seg(true, "A", 1001, 5001, 0);
        assert_eq!((t.stage, states(&t)), (Some(Stage::Ack), (Established, Established)));
    }

    #[test]
    fn refused_syn_closes_both() {
        let mut r = Run::new();
        r.seg(true, "S", 1000, 0, 0);
        let t = r.seg(false, "RA", 0, 1001, 0);
        assert_eq!(states(&t), (Closed, Closed));
        assert!(t.anomalies.has(Anomalies::RST_IN_HANDSHAKE));
        assert!(!t.anomalies.has(Anomalies::NOT_ACCEPTABLE));
    }

    #[test]
    fn rst_mid_connection_in_window_closes_both() {
        let mut r = Run::new();
        r.open();
        r.seg(true, "AP", 1001, 5001, 10);
        let t = r.seg(false, "R", 5001, 0, 0);
        assert_eq!(states(&t), (Closed, Closed));
        assert_eq!(t.anomalies, Anomalies(0));
    }

    #[test]
    fn rst_out_of_window_is_not_acceptable() {
        let mut r = Run::new();
        r.open();
        // RFC 9293 §3.10.7.4: a RST far outside the receive window is ignored.
        let t = r.seg(false, "R", 5001 + 1_000_000, 0, 0);
        assert_eq!(states(&t), (Established, Closed));
        assert!(t.anomalies.has(Anomalies::NOT_ACCEPTABLE));
    }

    #[test]
    fn retransmitted_syn_and_syn_ack_are_stages_again() {
        let mut r = Run::new();
        r.seg(true, "S", 1000, 0, 0);
        let t = r.seg(true, "S", 1000, 0, 0);
        assert_eq!(
            (t.stage, t.changes, t.anomalies.has(Anomalies::SYN_RETRANSMISSION)),
            (Some(Stage::Syn), [None, None], true)
        );
        r.seg(false, "SA", 5000, 1001, 0);
        let t = r.seg(false, "SA", 5000, 1001, 0);
        assert_eq!((t.stage, t.anomalies.has(Anomalies::SYNACK_RETRANSMISSION)), (Some(Stage::SynAck), true));
        assert_eq!(states(&r.seg(true, "A", 1001, 5001, 0)), (Established, Established));
    }

    #[test]
    fn data_on_syn_is_flagged_and_its_ack_is_right() {
        let mut r = Run::new();
        let t = r.seg(true, "S", 1000, 0, 20);
        assert!(t.anomalies.has(Anomalies::DATA_ON_SYN));
        // RFC 7413 §4.2: the server acknowledges the SYN and its data.
        let t = r.seg(false, "SA", 5000, 1021, 0);
        assert_eq!(t.ack_ok, Some(true));
        let t = r.seg(true, "A", 1021, 5001, 0);
        assert_eq!((t.stage, states(&t)), (Some(Stage::Ack), (Established, Established)));
    }

    #[test]
    fn wrong_handshake_ack_is_flagged() {
        let mut r = Run::new();
        r.seg(true, "S", 1000, 0, 0);
        let t = r.seg(false, "SA", 5000, 1005, 0);
        assert_eq!(t.ack_ok, Some(false));
        assert!(t.anomalies.has(Anomalies::ACK_MISMATCH));
        // An ACK below the server's ISN + 1 does not acknowledge its SYN: no stage 3 yet.
        let t = r.seg(true, "A", 1001, 4000, 0);
        assert_eq!((t.stage, states(&t)), (None, (SynSent, SynReceived)));
        assert!(t.anomalies.has(Anomalies::ACK_MISMATCH));
    }

    #[test]
    fn half_close_keeps_data_flowing() {
        let mut r = Run::new();
        r.open();
        r.seg(true, "FA", 1001, 5001, 0);
        let t = r.seg(false, "AP", 5001, 1002, 100);
        assert_eq!(states(&t), (FinWait2, CloseWait));
        let t = r.seg(true, "A", 1002, 5101, 0);
        assert_eq!((states(&t), t.anomalies), ((FinWait2, CloseWait), Anomalies(0)));
        assert_eq!(states(&r.seg(false, "FA", 5101, 1002, 0)), (FinWait2, LastAck));
    }

    #[test]
    fn data_after_own_fin_is_not_acceptable() {
        let mut r = Run::new();
        r.open();
        r.seg(true, "FA", 1001, 5001, 0);
        let t = r.seg(true, "AP", 1002, 5001, 5);
        assert!(t.anomalies.has(Anomalies::NOT_ACCEPTABLE));
    }

    #[test]
    fn keepalive_changes_nothing() {
        let mut r = Run::new();
        r.open();
        r.seg(true, "AP", 1001, 5001, 5);
        // RFC 9293 §3.8.4: a probe at SND.NXT - 1 with no data.
        let t = r.seg(true, "A", 1005, 5001, 0);
        assert_eq!((t.changes, t.anomalies, states(&t)), ([None, None], Anomalies(0), (Established, Established)));
    }

    #[test]
    fn port_reuse_starts_a_new_stream_and_summarises_the_old() {
        let mut r = Run::new();
        r.open();
        r.seg(true, "FA", 1001, 5001, 0);
        r.seg(false, "FA", 5001, 1002, 0);
        r.seg(true, "A", 1002, 5002, 0);
        let t = r.seg(true, "S", 9000, 0, 0);
        assert_eq!((t.stream, t.stage, states(&t)), (1, Some(Stage::Syn), (SynSent, Listen)));
        let done = r.d.take_summaries();
        assert_eq!(done.len(), 1);
        assert_eq!((done[0].stream, done[0].zeek_state, done[0].history.as_str()), (0, "SF", "ShAFf"));
    }

    #[test]
    fn midstream_pickup_is_established_and_inferred() {
        let mut r = Run::new();
        // The server (port 80) speaks first: the client is inferred from the ports.
        let t = r.seg(false, "AP", 7000, 3000, 50);
        assert_eq!((t.from_client, t.inferred, states(&t), t.stage), (false, true, (Established, Established), None));
        let t = r.seg(true, "FA", 3000, 7050, 0);
        assert_eq!((t.from_client, states(&t)), (true, (FinWait1, Established)));
        // Zeek: the responder is PARTIAL (data, no SYN), the originator CLOSED (its FIN): SH.
        let s = r.d.finish();
        assert_eq!((s[0].zeek_state, s[0].history.as_str(), s[0].inferred), ("SH", "^dF", true));
    }

    #[test]
    fn negotiated_options_on_stage_three() {
        // MSS 1460, SACK_PERM, TS, NOP, WS 7 / MSS 1400, WS 20 (capped at 14), no SACK.
        let copts = [2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7];
        let sopts = [2, 4, 5, 120, 1, 3, 3, 20];
        let mut r = Run::new();
        r.seg_opts(true, "S", 1000, 0, 0, &copts);
        r.seg_opts(false, "SA", 5000, 1001, 0, &sopts);
        let t = r.seg(true, "A", 1001, 5001, 0);
        let n = t.negotiated.expect("negotiated on stage 3");
        assert_eq!(
            (n.mss_client, n.mss_server, n.ws, n.sack, n.ts),
            (Some(1460), Some(1400), Some((7, 14)), false, false)
        );
        assert!(r.seg(true, "A", 1001, 5001, 0).negotiated.is_none());
    }

    #[test]
    fn closed_connections_are_dropped_after_the_linger_time() {
        let mut r = Run::new();
        r.open();
        r.seg(false, "R", 5001, 0, 0);
        assert_eq!(r.d.tracker().live_connections(), 1);
        // A segment of another connection, LINGER_NS later, expires it.
        r.n += 1;
        let late = frame(([10, 0, 0, 9], 5555), S, "S", 1, 0, 0, &[]);
        let meta = FrameMeta {
            number: r.n,
            ts_ns: LINGER_NS + 10_000_000,
            caplen: late.len() as u32,
            len: late.len() as u32,
            linktype: LINKTYPE_RAW,
        };
        let mut scratch = Vec::new();
        r.d.dissect(meta, &late, &mut scratch);
        let gone = r.d.take_summaries();
        assert_eq!((gone.len(), gone[0].zeek_state), (1, "RSTR"));
        assert_eq!(r.d.tracker().live_connections(), 1);
    }
}

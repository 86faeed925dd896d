//! The connection tracker: for one connection, each TCP segment's handshake step, both
//! endpoints' RFC 9293 states after it, what it changed, whether the handshake ACKs are right,
//! which options were negotiated and which DNS lookup named the server; and what the
//! connection's summary needs.
//!
//! States move by [`super::state::transition`], the one place that changes them, on the
//! arrivals [`super::arrival`] weighs. The tracker computes the facts a segment carries (does
//! it acknowledge the peer's SYN or FIN, is its RST in the window) from the sequence numbers it
//! has seen; the rules it applies are in [`super::rules`]. The table that owns each connection's tracker state, and expires it, is
//! [`super::table::Connections`].

use super::analysis::Analysis;
use super::arrival::{Revision, Seg, Timeline};
use super::key::Endpoint;
use super::lookup::DnsLink;
use super::rules::{self, HandshakeSoFar, Side};
use super::state::{Segment, State};
use super::summary::{CloseKind, Closer, ConnSummary};
use super::track::{Anomalies, Stage, SynOptions, TcpTrack};
use super::verdict::{ConnView, FactSeg, Facts, HostAnswer, Verdict};
use super::view::FlowView;
use super::zeek::{ZConn, ZSegment};
use crate::tcp::{SeqNumber, TcpHeader, TcpOptions};

/// One TCP segment as the tracker needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TcpInput<'a> {
    /// Frame number.
    pub(crate) frame: u32,
    /// Capture time, ns since the epoch.
    pub(crate) ts_ns: i128,
    /// Bytes on the wire.
    pub(crate) frame_len: u32,
    /// Sender.
    pub(crate) src: Endpoint,
    /// Receiver.
    pub(crate) dst: Endpoint,
    /// Header.
    pub(crate) header: &'a TcpHeader,
    /// Options.
    pub(crate) options: &'a TcpOptions<'a>,
    /// Payload length, when known.
    pub(crate) seglen: Option<u32>,
    /// IP TTL or hop limit.
    pub(crate) ttl: u8,
    /// The frame's layers before this segment (read for a new connection's tunnel).
    pub(crate) layers: &'a [crate::packet::Layer<'a>],
}

/// Counts of what one endpoint sent, for the summary.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    packets: u64,
    bytes: u64,
    payload: u64,
}

/// The tracker's state of one connection.
#[derive(Debug, Clone)]
pub(crate) struct Track {
    /// Which tracking of its connection this is: 0 the first, N after N expiries (idle).
    pub(crate) part: u32,
    client: Endpoint,
    server: Endpoint,
    inferred: bool,
    /// The client talks to itself (a TCP self-connect): one socket in both roles.
    itself: bool,
    /// The rows of states, with the segments still waiting for evidence.
    timeline: Timeline,
    sides: [Side; 2],
    counts: [Counts; 2],
    handshake: [Option<u32>; 3],
    /// Simultaneous-open SYN+ACKs seen.
    simultaneous_synacks: u8,
    /// The open completed: a stage-3 ACK, or both simultaneous-open SYN+ACKs.
    complete: bool,
    first: (u32, i128),
    last: (u32, i128),
    /// Capture time of the client's first SYN, and SYN → the RST that refused it.
    syn_ns: Option<i128>,
    refused_after_ns: Option<i128>,
    closer: Option<Closer>,
    /// Zeek's view, followed only for summaries (boxed: 120 bytes the hot path never reads).
    zeek: Option<Box<ZConn>>,
    dns: Option<DnsLink>,
    irtt_ns: Option<i128>,
    /// What the verdict is read from, gathered only when verdicts or summaries are wanted.
    facts: Option<Box<Facts>>,
    /// Waiting in the table's queue of closed connections.
    pub(crate) queued: bool,
    /// The tunnel the first segment came through (kept only for summaries).
    outer: Option<Box<super::summary::Outer>>,
}

impl Track {
    /// The state of a connection whose first segment seen is `inp`; Zeek's view is followed
    /// only when `summarise` is on.
    pub(crate) fn new(inp: &TcpInput<'_>, summarise: bool, facts: bool) -> Track {
        let f = inp.header.flags;
        let (src, dst) = (inp.src, inp.dst);
        // Who is the client, and where both stood before the first segment seen.
        let (client_is_src, inferred) = rules::first_sender_is_client(f, &src, &dst);
        // Where both stood: after a SYN the server listens (until its own segments show
        // otherwise); a SYN+ACK's receiver had sent a SYN; mid-stream, both were open.
        let states = if f.syn() && !f.ack() {
            [State::Closed, State::Listen]
        } else if f.syn() {
            [State::SynSent, State::Listen]
        } else {
            [State::Established, State::Established]
        };
        let (client, server) = if client_is_src { (src, dst) } else { (dst, src) };
        let itself = src == dst;
        // A self-connect is one socket: nothing listens before its SYN.
        let states = if itself && states[1] == State::Listen { [states[0], states[0]] } else { states };
        Track {
            part: 0,
            client,
            server,
            inferred,
            itself,
            timeline: Timeline::new(states, itself),
            sides: [Side::default(), Side::default()],
            counts: [Counts::default(); 2],
            handshake: [None; 3],
            simultaneous_synacks: 0,
            complete: false,
            first: (inp.frame, inp.ts_ns),
            last: (inp.frame, inp.ts_ns),
            syn_ns: None,
            refused_after_ns: None,
            closer: None,
            zeek: summarise.then(|| Box::new(ZConn::new(!client_is_src))),
            dns: None,
            irtt_ns: None,
            facts: facts.then(Box::default),
            queued: false,
            outer: if summarise { super::summary::Outer::of(inp.layers, client_is_src).map(Box::new) } else { None },
        }
    }

    /// Both endpoints CLOSED or in TIME_WAIT, as far as the rows handed out say.
    pub(crate) fn is_finished(&self) -> bool {
        let [c, s] = self.timeline.states();
        rules::is_closed(c) && rules::is_closed(s)
    }

    /// The last frame tracked.
    pub(crate) fn last_frame(&self) -> u32 {
        self.last.0
    }

    /// Capture time of the last segment tracked.
    pub(crate) fn last_ns(&self) -> i128 {
        self.last.1
    }

    /// The connection is over, or the capture: rows as everything known makes them.
    pub(crate) fn finalize(&mut self, revisions: Option<&mut Vec<Revision>>) {
        self.timeline.finalize(revisions);
    }

    /// Annotate one segment of the connection. `dns_link` names the DNS answer that gave the
    /// server's address; it is asked only for the client's SYN. Earlier rows the segment's
    /// evidence changes go to `revisions`.
    pub(crate) fn on_segment(
        &mut self,
        inp: &TcpInput<'_>,
        v: &FlowView,
        analysis: Option<&Analysis>,
        dns_link: impl FnOnce(&Endpoint) -> Option<DnsLink>,
        revisions: Option<&mut Vec<Revision>>,
    ) -> TcpTrack {
        let h = inp.header;
        let f = h.flags;
        let (syn, ack, fin, rst) = (f.syn(), f.ack(), f.fin(), f.rst());
        let itself = self.itself;
        let from_client = inp.src == self.client;
        let (me, peer) = if from_client { (0, 1) } else { (1, 0) };
        let seglen = inp.seglen.unwrap_or(0);
        // With a self-connect the one socket is both sender and receiver.
        let (peer_side, my_side) =
            if itself { (&self.sides[0], &self.sides[0]) } else { (&self.sides[peer], &self.sides[me]) };

        // RFC 9293 §3.4: the SYN occupies the ISN, a FIN the sequence number after the data;
        // an ACK covers what is below it.
        let acks_peer_syn = rules::acks_syn(h, peer_side);
        let acks_peer_fin = ack && peer_side.fin_seq.is_some_and(|x| SeqNumber(h.ack) > SeqNumber(x));
        let rst_in_window = rst && rules::rst_in_window(h, peer_side, my_side);
        let seg = Segment { syn, ack, fin, rst, acks_peer_syn, acks_peer_fin, rst_in_window };
        let ctl_seq =
            if fin { Some(h.seq.wrapping_add(seglen).wrapping_add(u32::from(syn))) } else { syn.then_some(h.seq) };
        let data_after_fin =
            my_side.fin_seq.is_some_and(|fs| seglen > 0 && SeqNumber(h.seq.wrapping_add(seglen)) > SeqNumber(fs));

        let hs = HandshakeSoFar {
            frames: &self.handshake,
            client: &self.sides[0],
            server: &self.sides[if itself { 0 } else { 1 }],
            itself,
            simultaneous_synacks: self.simultaneous_synacks,
        };
        let classified = rules::classify(h, from_client, &hs);
        let stage = classified.stage;
        let mut anomalies = classified.anomalies;
        let dns = if stage == Some(Stage::Syn) { dns_link(&Endpoint { port: 0, ..inp.dst }) } else { None };
        if syn && seglen > 0 {
            anomalies |= Anomalies::DATA_ON_SYN;
        }

        let before = self.timeline.states();
        let mut states = if itself { [before[0]; 2] } else { [before[me], before[peer]] };
        let was_complete = self.complete;
        let row = self.timeline.push(
            Seg {
                frame: inp.frame,
                from_client,
                seg,
                seq: h.seq,
                ack_no: h.ack,
                ctl_seq,
                has_data: seglen > 0,
                data_after_fin,
            },
            revisions,
        );

        let rexmit = self.remember(if itself { 0 } else { me }, inp, v);
        match stage {
            Some(Stage::Syn) if self.handshake[0].is_none() => {
                self.handshake[0] = Some(inp.frame);
                self.syn_ns = Some(inp.ts_ns);
            }
            Some(Stage::SynAck) if self.handshake[1].is_none() => self.handshake[1] = Some(inp.frame),
            Some(Stage::Ack) => {
                self.handshake[2] = Some(inp.frame);
                self.complete = true;
            }
            Some(Stage::SimultaneousSynAck) => {
                self.simultaneous_synacks = self.simultaneous_synacks.saturating_add(1);
                self.handshake[1].get_or_insert(inp.frame);
                self.complete |= classified.negotiated.is_some();
            }
            _ => {}
        }
        // A RST from an endpoint that had given up on its open came from CLOSED (the informed
        // view; one pass took it to have received the SYN+ACK).
        if matches!(row.note, Some(super::track::Note::GaveUp { .. })) {
            states[0] = State::Closed;
        }
        let client_isn = self.sides[0].isn.map(|i| (i, self.sides[0].syn_data));
        if let Some(facts) = &mut self.facts {
            facts.on_segment(&FactSeg {
                from_client,
                seglen,
                header: h,
                options: inp.options,
                ts_ns: inp.ts_ns,
                ttl: inp.ttl,
                analysis,
                states,
                was_complete,
                completes: self.complete && !was_complete,
                reused_from: v.reused_from,
                client_isn,
            });
        }
        // A RST from the server answering the client's SYN, before any SYN+ACK: refused.
        if rst && !from_client && acks_peer_syn && self.handshake[1].is_none() {
            if let Some(t) = self.syn_ns {
                self.refused_after_ns.get_or_insert(inp.ts_ns - t);
            }
        }
        if self.dns.is_none() {
            self.dns.clone_from(&dns);
        }
        if self.closer.is_none() && (fin || rst) {
            let kind = if rst { CloseKind::Rst } else { CloseKind::Fin };
            self.closer = Some(Closer { client: from_client, kind, frame: inp.frame });
        }
        // Zeek's state and history are read only by summaries.
        if let Some(zeek) = &mut self.zeek {
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
        self.last = (inp.frame, inp.ts_ns);
        // The initial RTT is the handshake's: only once it completed.
        let irtt_ns = v.initial_rtt_ns.filter(|_| self.complete);
        self.irtt_ns = irtt_ns;
        let mut track = TcpTrack {
            stream: v.stream,
            from_client,
            inferred: self.inferred,
            itself,
            stage,
            client: row.client,
            server: row.server,
            changes: row.changes,
            note: row.note,
            arrived: row.arrived,
            ack_ok: classified.ack_ok,
            irtt_ns,
            negotiated: classified.negotiated,
            dns,
            anomalies: Anomalies(anomalies),
            verdict: None,
        };
        track.apply(&row);
        track
    }

    /// Remember what a segment told about its sender (`who`: 0 client, 1 server); returns
    /// whether its data had been sent before (for Zeek's history).
    fn remember(&mut self, who: usize, inp: &TcpInput<'_>, v: &FlowView) -> bool {
        let h = inp.header;
        let f = h.flags;
        let seglen = inp.seglen.unwrap_or(0);
        let side = &mut self.sides[who];
        if f.syn() {
            side.isn = Some(h.seq);
            side.syn = Some(SynOptions::of(inp.options));
            side.syn_data = seglen;
            side.sent_pure_syn |= !f.ack();
        }
        let end = h.seq.wrapping_add(seglen).wrapping_add(u32::from(f.syn()));
        if f.fin() {
            side.fin_seq = Some(end);
        }
        let next = end.wrapping_add(u32::from(f.fin()));
        let rexmit = seglen > 0 && side.next_seq.is_some_and(|n| SeqNumber(end) <= SeqNumber(n));
        if side.next_seq.is_none_or(|n| SeqNumber(next) > SeqNumber(n)) && !f.rst() {
            side.next_seq = Some(next);
        }
        if f.ack() && !f.rst() {
            side.last_ack = Some(h.ack);
        }
        if !f.syn() {
            side.last_win = Some(v.window);
        }
        let c = &mut self.counts[who];
        c.packets += 1;
        c.bytes += u64::from(inp.frame_len);
        c.payload += u64::from(seglen);
        rexmit
    }

    /// The SYN+ACK's time after the SYN, and its TTL (for [`HostAnswer`]).
    pub(crate) fn server_answer(&self) -> Option<(i64, u8)> {
        self.facts.as_ref()?.server_answer()
    }

    /// The server's endpoint.
    pub(crate) fn server(&self) -> &Endpoint {
        &self.server
    }

    /// What happened to the connection, as far as it is known; `host`: how the server's host
    /// answers other connections.
    pub(crate) fn verdict(&self, host: Option<HostAnswer>) -> Verdict {
        Verdict::of(&ConnView {
            facts: self.facts.as_deref().unwrap_or(&Facts::default()),
            client: &self.client,
            inferred: self.inferred,
            itself: self.itself,
            complete: self.complete,
            refused_after_ns: self.refused_after_ns,
            payload: [self.counts[0].payload, self.counts[1].payload],
            packets: [self.counts[0].packets, self.counts[1].packets],
            options: [self.sides[0].syn, self.sides[1].syn],
            syn_data: self.sides[0].syn_data,
            first_fin_by_client: self.closer.filter(|c| c.kind == CloseKind::Fin).map(|c| c.client),
            host,
        })
    }

    /// The connection's summary, as it stands (finalize first for the informed states).
    pub(crate) fn summary(self, stream: u32, verdict: Verdict) -> ConnSummary {
        let c = self;
        let [client_state, server_state] = c.timeline.states();
        ConnSummary {
            stream,
            client: c.client,
            server: c.server,
            inferred: c.inferred,
            frames: (c.first.0, c.last.0),
            times_ns: (c.first.1, c.last.1),
            packets: [c.counts[0].packets, c.counts[1].packets],
            bytes: [c.counts[0].bytes, c.counts[1].bytes],
            payload: [c.counts[0].payload, c.counts[1].payload],
            handshake: c.handshake,
            irtt_ns: c.irtt_ns,
            refused_after_ns: c.refused_after_ns,
            options: [c.sides[0].syn, c.sides[1].syn],
            closer: c.closer,
            states: (client_state, server_state),
            zeek_state: c.zeek.as_ref().map_or_else(|| ZConn::default().conn_state(), |z| z.conn_state()),
            history: c.zeek.map(|z| z.history).unwrap_or_default(),
            dns: c.dns,
            verdict,
            outer: c.outer.map(|o| *o),
            part: c.part,
        }
    }
}

#[cfg(test)]
mod tests {
    //! One named test per connection story of issue 3, fed through the whole dissector as raw
    //! IPv4 frames. `C` is the client 10.0.0.1:40000, `S` the server 10.0.0.2:80; sequence
    //! numbers are raw (client ISN 1000, server ISN 5000).
    use super::*;
    use crate::conn::{Ctl, Note};
    use crate::limits::LINGER_NS;
    use crate::link::LINKTYPE_RAW;
    use crate::{Dissector, FrameMeta, Options};
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
            let d = Dissector::with_options(Options { summaries: true, ..Options::default() });
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
    fn normal_open_reads_like_figure_6() {
        let mut r = Run::new();
        // Figure 6 row 2: the SYN sent, SYN-SENT; received by LISTEN, SYN-RECEIVED.
        let t = r.seg(true, "S", 1000, 0, 0);
        assert_eq!((t.stage, states(&t)), (Some(Stage::Syn), (SynSent, SynReceived)));
        assert_eq!(t.transition_text().as_deref(), Some("client CLOSED → SYN_SENT; server LISTEN → SYN_RECEIVED"));
        // Row 3: the SYN+ACK received in SYN-SENT: ESTABLISHED; the server stays SYN-RECEIVED.
        let t = r.seg(false, "SA", 5000, 1001, 0);
        assert_eq!((t.stage, states(&t), t.ack_ok), (Some(Stage::SynAck), (Established, SynReceived), Some(true)));
        assert_eq!(t.transition_text().as_deref(), Some("client SYN_SENT → ESTABLISHED"));
        // Row 4: the ACK received in SYN-RECEIVED: ESTABLISHED.
        let t = r.seg(true, "A", 1001, 5001, 0);
        assert_eq!((t.stage, states(&t), t.ack_ok), (Some(Stage::Ack), (Established, Established), Some(true)));
        assert_eq!(t.transition_text().as_deref(), Some("server SYN_RECEIVED → ESTABLISHED"));
        let t = r.seg(true, "AP", 1001, 5001, 10);
        assert_eq!((t.stage, t.changes, t.anomalies), (None, [None, None], Anomalies(0)));
    }

    #[test]
    fn client_first_close_reads_like_figure_12() {
        let mut r = Run::new();
        r.open();
        assert_eq!(states(&r.seg(true, "FA", 1001, 5001, 0)), (FinWait1, CloseWait));
        assert_eq!(states(&r.seg(false, "A", 5001, 1002, 0)), (FinWait2, CloseWait));
        assert_eq!(states(&r.seg(false, "FA", 5001, 1002, 0)), (TimeWait, LastAck));
        assert_eq!(states(&r.seg(true, "A", 1002, 5002, 0)), (TimeWait, Closed));
    }

    #[test]
    fn a_fin_on_the_ack_of_the_peers_fin() {
        let mut r = Run::new();
        r.open();
        r.seg(true, "FA", 1001, 5001, 0);
        // The server was CLOSE_WAIT since the client's FIN; its FIN+ACK makes it LAST_ACK, and
        // the client, receiving the ACK of its FIN and the FIN together, passes FIN_WAIT_2.
        let t = r.seg(false, "FA", 5001, 1002, 0);
        assert_eq!(states(&t), (TimeWait, LastAck));
        assert_eq!(
            t.transition_text().as_deref(),
            Some("client FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT; server CLOSE_WAIT → LAST_ACK")
        );
        assert_eq!(states(&r.seg(true, "A", 1002, 5002, 0)), (TimeWait, Closed));
    }

    #[test]
    fn server_first_close_mirrors_the_roles() {
        let mut r = Run::new();
        r.open();
        assert_eq!(states(&r.seg(false, "FA", 5001, 1001, 0)), (CloseWait, FinWait1));
        assert_eq!(states(&r.seg(true, "A", 1001, 5002, 0)), (CloseWait, FinWait2));
        assert_eq!(states(&r.seg(true, "FA", 1001, 5002, 0)), (LastAck, TimeWait));
        assert_eq!(states(&r.seg(false, "A", 5002, 1002, 0)), (Closed, TimeWait));
    }

    #[test]
    fn simultaneous_close_goes_through_closing() {
        // Figure 13 as a capture between the peers shows it: the server's FIN does not
        // acknowledge the client's, so the client's had not arrived when it was sent.
        let mut r = Run::new();
        r.open();
        let t = r.seg(true, "FA", 1001, 5001, 0);
        assert_eq!(states(&t), (FinWait1, CloseWait), "as known at this frame");
        let t = r.seg(false, "FA", 5001, 1001, 0);
        assert_eq!(states(&t), (Closing, FinWait1));
        assert_eq!(
            t.transition_text().as_deref(),
            Some("server: the client's FIN (frame 4) had not arrived yet; client FIN_WAIT_1 → CLOSING; server ESTABLISHED → FIN_WAIT_1")
        );
        let t = r.seg(true, "A", 1002, 5002, 0);
        assert_eq!(states(&t), (Closing, TimeWait));
        assert_eq!(t.transition_text().as_deref(), Some("server FIN_WAIT_1 → CLOSING → TIME_WAIT"));
        assert_eq!(states(&r.seg(false, "A", 5002, 1002, 0)), (TimeWait, TimeWait));
    }

    #[test]
    fn simultaneous_open_has_its_own_stages() {
        // Figure 7: both ends send SYN, then both SYN+ACK; no "server accepts" step.
        let mut r = Run::new();
        r.seg(true, "S", 1000, 0, 0);
        let t = r.seg(false, "S", 5000, 0, 0);
        assert_eq!(
            (t.stage, states(&t), t.note),
            (Some(Stage::SimultaneousSyn), (SynReceived, SynSent), Some(Note::ActiveOpen))
        );
        // As known at this frame: the client's SYN, then this SYN+ACK, reach the server.
        let t = r.seg(true, "SA", 1000, 5001, 0);
        assert_eq!((t.stage, states(&t)), (Some(Stage::SimultaneousSynAck), (SynReceived, Established)));
        // The server's own SYN+ACK shows it had not received the client's (it would be
        // ESTABLISHED): it was SYN_RECEIVED.
        let t = r.seg(false, "SA", 5000, 1001, 0);
        assert_eq!((t.stage, states(&t)), (Some(Stage::SimultaneousSynAck), (Established, SynReceived)));
        assert_eq!(t.note, Some(Note::NotYetArrived { to_client: false, what: Ctl::SynAck, frame: 3 }));
        assert!(t.negotiated.is_some(), "both SYN+ACKs seen: the open is complete");
        let t = r.seg(true, "A", 1001, 5001, 0);
        assert_eq!((t.stage, states(&t)), (None, (Established, Established)));
    }

    #[test]
    fn refused_syn_found_no_listener() {
        let mut r = Run::new();
        r.seg(true, "S", 1000, 0, 0);
        let t = r.seg(false, "RA", 0, 1001, 0);
        assert_eq!(states(&t), (Closed, Closed));
        assert_eq!(
            t.transition_text().as_deref(),
            Some("server: no listener, connection refused; client SYN_SENT → CLOSED")
        );
        assert!(t.anomalies.has(Anomalies::RST_IN_HANDSHAKE));
        assert!(!t.anomalies.has(Anomalies::NOT_ACCEPTABLE));
        assert_eq!(t.irtt_ns, None, "no handshake, no initial RTT");
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
        // Sent again before any answer: the first copy is taken as lost, so the server was
        // still LISTEN and this copy is the one that arrives.
        let t = r.seg(true, "S", 1000, 0, 0);
        assert_eq!((t.stage, t.anomalies.has(Anomalies::SYN_RETRANSMISSION)), (Some(Stage::Syn), true));
        assert_eq!(t.note, Some(Note::Unanswered { to_client: false, what: Ctl::Syn, frame: 1 }));
        assert_eq!(
            t.transition_text().as_deref(),
            Some("server: the client's SYN (frame 1) got no answer: sent again; server LISTEN → SYN_RECEIVED")
        );
        r.seg(false, "SA", 5000, 1001, 0);
        let t = r.seg(false, "SA", 5000, 1001, 0);
        assert_eq!((t.stage, t.anomalies.has(Anomalies::SYNACK_RETRANSMISSION)), (Some(Stage::SynAck), true));
        assert_eq!(states(&t), (Established, SynReceived));
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
        assert_eq!(states(&r.seg(false, "FA", 5101, 1002, 0)), (TimeWait, LastAck));
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
        assert_eq!((t.stream, t.stage, states(&t)), (1, Some(Stage::Syn), (SynSent, SynReceived)));
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
        assert_eq!((t.from_client, states(&t)), (true, (FinWait1, CloseWait)));
        // Zeek: the responder is PARTIAL (data, no SYN), the originator CLOSED (its FIN): SH.
        let mut s = Vec::new();
        r.d.finish_each(|x| s.push(x));
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
        assert_eq!(r.d.live_connections(), 1);
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
        assert_eq!(r.d.live_connections(), 1);
    }
}

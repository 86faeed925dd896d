//! Property tests (proptest): the core never panics on arbitrary bytes, work prepared ahead
//! ([`dissector_core::prepare`]) changes no packet, an options block that synack emits parses
//! back to the same options, and the tracker's state changes always follow the rule of the
//! tracker issue whatever the segments.

use dissector_core::conn::{State, TcpTrack};
use dissector_core::tcp::{parse_options, TcpOption};
use dissector_core::{Dissector, FrameMeta};
use proptest::prelude::*;

/// Every link type synack decodes.
const LINKTYPES: &[u32] = dissector_core::link::SUPPORTED;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn dissecting_arbitrary_frames_never_panics(
        frames in prop::collection::vec((prop::sample::select(LINKTYPES.to_vec()), prop::collection::vec(any::<u8>(), 0..300)), 1..8)
    ) {
        // Several frames through one dissector, so per-capture state is exercised too.
        let mut d = Dissector::new();
        let mut scratch = Vec::new();
        for (i, (lt, bytes)) in frames.iter().enumerate() {
            let meta = FrameMeta { number: i as u32 + 1, ts_ns: i as i128, caplen: bytes.len() as u32, len: bytes.len() as u32, linktype: *lt };
            let p = d.dissect(meta, bytes, &mut scratch);
            for f in dissector_core::FIELDS {
                let mut out = Vec::new();
                dissector_core::fields::values(&p, f.field, &mut out);
            }
        }
    }

    #[test]
    fn preparing_a_frame_ahead_changes_nothing(
        frames in prop::collection::vec(prop_oneof![
            (prop::sample::select(LINKTYPES.to_vec()), prop::collection::vec(any::<u8>(), 0..300)),
            udp_frame().prop_map(|f| (1u32, f)),
        ], 1..8)
    ) {
        // Two dissectors in step: one parses everything itself, one is given `prepare`'s work.
        let (mut plain, mut ahead) = (Dissector::new(), Dissector::new());
        let (mut s1, mut s2) = (Vec::new(), Vec::new());
        for (i, (lt, bytes)) in frames.iter().enumerate() {
            let meta = FrameMeta { number: i as u32 + 1, ts_ns: i as i128, caplen: bytes.len() as u32, len: bytes.len() as u32, linktype: *lt };
            let a = plain.dissect(meta, bytes, &mut s1);
            let b = ahead.dissect_prepared(meta, bytes, &mut s2, dissector_core::prepare(*lt, bytes));
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn parsing_an_arbitrary_dns_message_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600), multicast in any::<bool>()) {
        if let Ok(m) = dissector_core::dns::parse_message(&bytes, multicast) {
            let _ = m.summary();
        }
    }

    #[test]
    fn emitted_options_parse_back_to_the_same_options(opts in prop::collection::vec(option(), 0..8), eol in any::<bool>()) {
        let mut wire = Vec::new();
        for o in &opts {
            o.emit(&mut wire);
        }
        if eol {
            TcpOption::Eol.emit(&mut wire);
        }
        let parsed = parse_options(&wire, wire.len());
        prop_assert_eq!(parsed.problem, None);
        let got: Vec<TcpOption<'_>> = parsed.entries().map(|e| e.value).collect();
        let mut want: Vec<TcpOption<'_>> = opts.clone();
        if eol {
            want.push(TcpOption::Eol);
        }
        prop_assert_eq!(got, want);
        // And each entry's raw bytes are exactly what was emitted for it.
        let joined: Vec<u8> = parsed.entries().flat_map(|e| e.raw.to_vec()).collect();
        prop_assert_eq!(&joined, &wire);
        prop_assert_eq!(parsed.bytes(), &wire[..]);
    }

    #[test]
    fn options_read_again_stop_where_parsing_stopped(area in prop::collection::vec(any::<u8>(), 0..44), declared in 0usize..44) {
        let cut = &area[..declared.min(area.len())];
        let parsed = parse_options(cut, declared);
        // The entries tile the bytes kept, from the start, and end where a problem was found.
        let mut at = 0;
        for e in parsed.entries() {
            prop_assert_eq!(e.offset, at);
            prop_assert_eq!(e.raw, &cut[at..at + e.raw.len()]);
            at += e.raw.len();
        }
        prop_assert_eq!(at, parsed.bytes().len());
        prop_assert_eq!(parsed.problem.is_none(), at >= declared);
        for k in [0u8, 1, 2, 3, 4, 5, 8, 30, 34, 62, 63, 64, 172, 174, 254] {
            let some: Vec<_> = parsed.of_kind(k).collect();
            let all: Vec<_> = parsed.entries().filter(|e| e.kind == k).collect();
            prop_assert_eq!(some, all);
        }
    }

    #[test]
    fn tracker_state_changes_follow_the_rule(segs in prop::collection::vec(segment(), 1..24)) {
        let mut d = Dissector::new();
        let mut scratch = Vec::new();
        let mut before: Option<(u32, State, State)> = None;
        for (i, s) in segs.iter().enumerate() {
            let frame = s.frame();
            let meta = FrameMeta { number: i as u32 + 1, ts_ns: i as i128 * 1000, caplen: frame.len() as u32, len: frame.len() as u32, linktype: 101 };
            let p = d.dissect(meta, &frame, &mut scratch);
            let t = p.track.clone().expect("every segment is tracked");
            // A SYN with a new ISN starts a new connection (new stream): no "before" for it.
            let prev = before.filter(|(stream, ..)| *stream == t.stream).map(|(_, c, s)| (c, s));
            check_rule(&t, prev, s)?;
            before = Some((t.stream, t.client, t.server));
        }
    }
}

/// One endpoint of the generated connection sends a segment.
#[derive(Debug, Clone)]
struct Seg {
    from_a: bool,
    flags: u8,
    seq: u32,
    ack: u32,
    len: usize,
}

impl Seg {
    fn frame(&self) -> Vec<u8> {
        let (src, dst, sp, dp) = if self.from_a {
            ([10, 0, 0, 1], [10, 0, 0, 2], 40000u16, 80u16)
        } else {
            ([10, 0, 0, 2], [10, 0, 0, 1], 80, 40000)
        };
        let total = 40 + self.len;
        let mut b = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 0, 0x40, 0, 64, 6, 0, 0];
        b.extend_from_slice(&src);
        b.extend_from_slice(&dst);
        b.extend_from_slice(&sp.to_be_bytes());
        b.extend_from_slice(&dp.to_be_bytes());
        b.extend_from_slice(&self.seq.to_be_bytes());
        b.extend_from_slice(&self.ack.to_be_bytes());
        b.extend_from_slice(&[0x50, self.flags, 0xff, 0xff, 0, 0, 0, 0]);
        b.resize(total, 0x61);
        b
    }
}

/// Ethernet + IPv4 (sometimes a fragment) + UDP between a DNS port or another and a random
/// one, with a payload that is a DNS header and random bytes, the frame sometimes cut short.
fn udp_frame() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![53u16, 5353, 5355, 1234, 80]),
        any::<u16>(),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..80),
        any::<bool>(),
        0usize..8,
    )
        .prop_map(|(port, other, to_port, tail, fragment, cut)| {
            // A query header: ID, flags, one question; then whatever follows.
            let mut dns = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 0, 0, 1, 0, 1];
            dns.extend(tail);
            let (sp, dp) = if to_port { (other, port) } else { (port, other) };
            let udp_len = 8 + dns.len();
            let mut f = vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00];
            let total = (20 + udp_len) as u16;
            let frag: u16 = if fragment { 0x2000 } else { 0 };
            f.extend_from_slice(&[
                0x45,
                0,
                (total >> 8) as u8,
                total as u8,
                0,
                1,
                (frag >> 8) as u8,
                frag as u8,
                64,
                17,
                0,
                0,
                10,
                0,
                0,
                1,
                10,
                0,
                0,
                2,
            ]);
            f.extend_from_slice(&sp.to_be_bytes());
            f.extend_from_slice(&dp.to_be_bytes());
            f.extend_from_slice(&(udp_len as u16).to_be_bytes());
            f.extend_from_slice(&[0, 0]);
            f.extend(dns);
            let keep = f.len().saturating_sub(cut * 7);
            f.truncate(keep);
            f
        })
}

fn segment() -> impl Strategy<Value = Seg> {
    // Flags from the combinations real stacks send, sequence numbers near two ISNs so that
    // ACKs often do acknowledge SYNs and FINs.
    let flags = prop::sample::select(vec![0x02, 0x12, 0x10, 0x18, 0x11, 0x19, 0x04, 0x14, 0x01, 0x03, 0x06]);
    (any::<bool>(), flags, 0u32..40, 0u32..40, 0usize..20, any::<bool>()).prop_map(
        |(from_a, flags, s, a, len, data)| Seg {
            from_a,
            flags,
            seq: if from_a { 1000 + s } else { 5000 + s },
            ack: if from_a { 5000 + a } else { 1000 + a },
            len: if data { len } else { 0 },
        },
    )
}

/// An edge of RFC 9293's state diagram (Figure 5), or a move the tracker makes when the
/// capture missed the segment that would explain it (a FIN that acknowledges a FIN whose
/// arrival was not seen: ESTABLISHED -> LAST_ACK; a SYN+ACK from CLOSED).
fn edge(from: State, to: State) -> bool {
    use State::*;
    matches!(
        (from, to),
        (Closed, SynSent | Listen | SynReceived)
            | (Listen, SynReceived | SynSent | Closed)
            | (SynSent, SynReceived | Established | CloseWait | Closed)
            | (SynReceived, Established | FinWait1 | CloseWait | Listen | Closed)
            | (Established, FinWait1 | CloseWait | LastAck | Closed)
            | (FinWait1, FinWait2 | Closing | TimeWait | Closed)
            | (FinWait2, TimeWait | Closed)
            | (CloseWait, LastAck | Closed)
            | (Closing, TimeWait | Closed)
            | (LastAck, Closed)
            | (TimeWait, Closed)
    )
}

/// `to` can be reached from `from` along the diagram's edges.
fn reachable(from: State, to: State) -> bool {
    let mut seen = vec![from];
    let mut i = 0;
    while let Some(&s) = seen.get(i) {
        for n in State::ALL {
            if edge(s, n) && !seen.contains(&n) {
                seen.push(n);
            }
        }
        i += 1;
    }
    seen.contains(&to)
}

fn check_rule(t: &TcpTrack, before: Option<(State, State)>, s: &Seg) -> Result<(), TestCaseError> {
    use State::*;
    // The client never listens.
    prop_assert_ne!(t.client, Listen);
    // Every change moves forward along RFC 9293's diagram, through the state it names on the
    // way.
    for c in t.changes.iter().flatten() {
        match c.via {
            Some(v) => prop_assert!(edge(c.from, v) && reachable(v, c.to), "{c:?} is not a path of the diagram"),
            None => prop_assert!(reachable(c.from, c.to), "{c:?} is not a path of the diagram"),
        }
    }
    let Some((c0, s0)) = before else { return Ok(()) };
    // Whoever sends a RST is CLOSED after it, but a SYN-SENT TCP answering a bad ACK
    // (§3.10.7.3).
    if s.flags & 0x04 != 0 {
        let sender = if t.from_client { t.client } else { t.server };
        prop_assert!(matches!(sender, Closed | SynSent), "a RST's sender is {sender}");
    }
    // Without a note correcting the previous frame, the transition lists exactly the endpoints
    // that changed since it.
    if t.note.is_none() {
        let changed = usize::from(t.client != c0) + usize::from(t.server != s0);
        prop_assert_eq!(t.changes.iter().flatten().count(), changed);
    }
    Ok(())
}

fn option() -> impl Strategy<Value = TcpOption<'static>> {
    fn leak(v: Vec<u8>) -> &'static [u8] {
        Box::leak(v.into_boxed_slice())
    }
    prop_oneof![
        Just(TcpOption::Nop),
        any::<u16>().prop_map(TcpOption::Mss),
        any::<u8>().prop_map(TcpOption::WindowScale),
        Just(TcpOption::SackPermitted),
        prop::collection::vec(any::<u8>(), 0..4).prop_map(|b| TcpOption::Sack(leak(b.repeat(8)))),
        (any::<u32>(), any::<u32>()).prop_map(|(tsval, tsecr)| TcpOption::Timestamps { tsval, tsecr }),
        prop::collection::vec(any::<u8>(), 0..16).prop_map(|b| TcpOption::FastOpen(leak(b))),
        prop::collection::vec(any::<u8>(), 1..12).prop_map(|b| TcpOption::Mptcp { subtype: b[0] >> 4, data: leak(b) }),
        // Kinds synack does not decode (the known ones excluded), any data.
        (
            (35u8..=253).prop_filter("not a decoded kind", |k| ![34u8, 30].contains(k)),
            prop::collection::vec(any::<u8>(), 0..10)
        )
            .prop_map(|(kind, d)| TcpOption::Unknown { kind, data: leak(d) }),
    ]
}

/// Every frame of every bundled capture dissects to the same packet with and without the work
/// `prepare` does ahead (what the CLI's reading thread does).
#[test]
fn preparing_ahead_changes_no_packet_of_any_capture() {
    let mut prepared_dns = 0;
    for path in crate::support::captures() {
        let (mut plain, mut ahead) = (Dissector::new(), Dissector::new());
        let (mut s1, mut s2) = (Vec::new(), Vec::new());
        for (meta, bytes) in crate::support::frames(&path) {
            let prepared = dissector_core::prepare(meta.linktype, &bytes);
            prepared_dns += usize::from(!prepared.is_empty());
            let a = plain.dissect(meta, &bytes, &mut s1);
            let b = ahead.dissect_prepared(meta, &bytes, &mut s2, prepared);
            assert!(a == b, "{} frame {}", path.display(), meta.number);
        }
    }
    // The captures have UDP DNS in plenty: the prepared path was taken.
    assert!(prepared_dns > 100, "{prepared_dns}");
}

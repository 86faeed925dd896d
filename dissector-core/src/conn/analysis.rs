//! tshark 4.0's TCP sequence analysis (`tcp.analysis.*`), computed as tshark computes it on its
//! first pass so that every value can be compared with tshark's: retransmissions (plain, fast,
//! spurious), out-of-order segments, segments not captured, duplicate ACKs, zero windows and
//! their probes, window updates and full windows, keep-alives, which frame an ACK acknowledges
//! and after how long, bytes in flight and bytes since the last PSH.
//!
//! The tests are tshark's heuristics, not RFC rules: a segment "does not advance" when it starts
//! below the highest sequence number sent (RFC 9293 §3.4 numbering); a duplicate ACK repeats the
//! previous ACK number, window and sequence number with no data (RFC 5681 §2); a keep-alive
//! sends at SND.NXT - 1 (RFC 9293 §3.8.4); a zero-window probe sends one byte into a zero window
//! (§3.8.6.1).

use super::view::WinScale;
use crate::tcp::{Flags, SeqNumber};

/// One bit per `tcp.analysis.*` flag, as tshark names them.
pub mod flag {
    /// `tcp.analysis.retransmission`.
    pub const RETRANSMISSION: u16 = 0x0001;
    /// `tcp.analysis.lost_segment`: a gap before this segment.
    pub const LOST_SEGMENT: u16 = 0x0002;
    /// `tcp.analysis.ack_lost_segment`: this ACK covers data never seen.
    pub const ACK_LOST_SEGMENT: u16 = 0x0004;
    /// `tcp.analysis.keep_alive`.
    pub const KEEP_ALIVE: u16 = 0x0008;
    /// `tcp.analysis.duplicate_ack`.
    pub const DUPLICATE_ACK: u16 = 0x0010;
    /// `tcp.analysis.zero_window`.
    pub const ZERO_WINDOW: u16 = 0x0020;
    /// `tcp.analysis.zero_window_probe`.
    pub const ZERO_WINDOW_PROBE: u16 = 0x0040;
    /// `tcp.analysis.zero_window_probe_ack`.
    pub const ZERO_WINDOW_PROBE_ACK: u16 = 0x0080;
    /// `tcp.analysis.keep_alive_ack`.
    pub const KEEP_ALIVE_ACK: u16 = 0x0100;
    /// `tcp.analysis.out_of_order`.
    pub const OUT_OF_ORDER: u16 = 0x0200;
    /// `tcp.analysis.fast_retransmission`.
    pub const FAST_RETRANSMISSION: u16 = 0x0400;
    /// `tcp.analysis.window_update`.
    pub const WINDOW_UPDATE: u16 = 0x0800;
    /// `tcp.analysis.window_full`.
    pub const WINDOW_FULL: u16 = 0x1000;
    /// `tcp.analysis.reused_ports`.
    pub const REUSED_PORTS: u16 = 0x2000;
    /// `tcp.analysis.spurious_retransmission`.
    pub const SPURIOUS_RETRANSMISSION: u16 = 0x4000;
}

/// What the analysis says about one segment (tshark shows its subtree only when there is one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Analysis {
    /// The [`flag`] bits.
    pub flags: u16,
    /// Which duplicate ACK this is (`tcp.analysis.duplicate_ack_num`), 0 if none.
    pub dupack_num: u32,
    /// The frame whose ACK this one repeats (`tcp.analysis.duplicate_ack_frame`).
    pub dupack_frame: u32,
    /// The frame of the segment this ACK acknowledges (`tcp.analysis.acks_frame`), 0 if none.
    pub acks_frame: u32,
    /// Time since that segment (`tcp.analysis.ack_rtt`), in nanoseconds.
    pub ack_rtt_ns: i64,
    /// Bytes sent and not yet acknowledged (`tcp.analysis.bytes_in_flight`), 0 if not shown.
    pub bytes_in_flight: u32,
    /// Bytes sent since the last PSH (`tcp.analysis.push_bytes_sent`).
    pub push_bytes_sent: u32,
    /// A retransmission's time since the segment it repeats (`tcp.analysis.rto`), and its frame.
    pub rto_ns: i64,
    /// `tcp.analysis.rto_frame`.
    pub rto_frame: u32,
}

impl Analysis {
    /// Any of `bits` set.
    pub fn has(&self, bits: u16) -> bool {
        self.flags & bits != 0
    }
}

/// A segment sent and not yet acknowledged.
#[derive(Debug, Clone, Copy)]
struct Unacked {
    frame: u32,
    seq: u32,
    nextseq: u32,
    ts_ns: i64,
}

/// tshark keeps at most this many unacknowledged segments per direction.
const MAX_UNACKED: usize = 10_000;
/// SACK blocks kept for bytes in flight (tshark keeps three of a segment's blocks).
const SACK_KEPT: usize = 3;

/// One direction's analysis state.
/// One direction's analysis state: the scalars every segment updates (kept small, as each
/// connection holds two), and what only the full analysis needs, boxed.
#[derive(Debug, Clone)]
struct Flow {
    /// Highest sequence number sent plus one (0: none yet), its frame and time.
    nextseq: u32,
    nextseq_frame: u32,
    nextseq_ns: i64,
    /// Last acknowledgment number this side sent (0: none yet), and when.
    lastack: u32,
    lastack_ns: i64,
    /// Highest contiguous sequence number the peer can acknowledge.
    maxseqtobeacked: u32,
    /// Duplicate ACKs in a row (-1: an ACK of an unseen segment just neutralised them).
    dupacknum: i32,
    /// The last frame whose ACK number was new.
    lastnondupack: u32,
    /// The window field as last sent (unscaled; `u32::MAX` before any).
    window: u32,
    /// The flags of this side's last segment.
    lastsegmentflags: u16,
    /// Bytes in flight can be trusted (no gap since the peer's last ACK).
    valid_bif: bool,
    /// A SYN was sent and no pure ACK since: the window is not scaled yet.
    is_first_ack: bool,
    /// The full analysis's state, once it has some.
    extra: Option<Box<Extra>>,
}

/// What only the full analysis keeps for one direction.
#[derive(Debug, Clone, Default)]
struct Extra {
    /// Unacknowledged segments, oldest first.
    segments: Vec<Unacked>,
    push_bytes_sent: u32,
    push_set_last: bool,
    /// The SACK blocks of this side's last segment (edges), at most [`SACK_KEPT`].
    sack: [(u32, u32); SACK_KEPT],
    sack_len: usize,
}

impl Default for Flow {
    fn default() -> Self {
        Flow {
            nextseq: 0,
            nextseq_frame: 0,
            nextseq_ns: 0,
            lastack: 0,
            lastack_ns: 0,
            maxseqtobeacked: 0,
            dupacknum: 0,
            lastnondupack: 0,
            window: u32::MAX,
            lastsegmentflags: 0,
            valid_bif: true,
            is_first_ack: false,
            extra: None,
        }
    }
}

/// One segment as the analysis needs it (raw numbers, unscaled window).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    pub frame: u32,
    pub seq: u32,
    pub ack: u32,
    pub seglen: u32,
    pub flags: u16,
    pub window: u16,
    pub ts_ns: i128,
}

/// What the rest of the view passes in: the sender's base sequence number, the peer's window
/// scaling, the initial RTT known so far.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    pub fwd_base: u32,
    pub rev_scale: WinScale,
    pub first_rtt_ns: Option<i128>,
}

/// Per-connection analysis state: both directions, and the stream's first and last frame times.
#[derive(Debug, Clone, Default)]
pub(crate) struct SeqAnalysis {
    flows: [Flow; 2],
    /// The stream's first frame time and the previous frame's (ns since the epoch), once a
    /// frame was seen.
    times: Option<(i64, i64)>,
}

/// Nanoseconds between two capture times, as stored (a capture spans far less than 292 years).
fn ns(d: i128) -> i64 {
    d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

impl SeqAnalysis {
    /// `tcp.time_relative` and `tcp.time_delta` of a segment at `ts_ns`; moves the stream's
    /// previous time on.
    pub(crate) fn times(&mut self, ts_ns: i128) -> (i64, i64) {
        let now = ns(ts_ns);
        let (first, prev) = self.times.unwrap_or((now, now));
        self.times = Some((first, now));
        (now.wrapping_sub(first), now.wrapping_sub(prev))
    }

    /// A SYN repeating the ISN already known in its direction: tshark steps the highest
    /// sequence number back to what the peer can acknowledge (a RST sent with SEQ = the ACK
    /// received may have moved it), and shows the segment's analysis even if empty.
    pub(crate) fn on_repeated_syn(&mut self, fwd: usize, ta: &mut Option<Analysis>) {
        let f = &mut self.flows[fwd];
        f.nextseq = f.maxseqtobeacked;
        ta.get_or_insert_with(Analysis::default);
    }

    /// The sender's SACK blocks (raw edges), after the segment's analysis: they count for the
    /// peer's bytes in flight until this side's next segment.
    pub(crate) fn set_sack(&mut self, fwd: usize, blocks: impl Iterator<Item = (u32, u32)>) {
        let f = &mut self.flows[fwd];
        let mut blocks = blocks.peekable();
        if f.extra.is_none() && blocks.peek().is_none() {
            return;
        }
        let x = f.extra.get_or_insert_with(Box::default);
        x.sack_len = 0;
        for (i, b) in blocks.enumerate() {
            // tshark stores blocks 1 to 3 of a segment; a fourth is not counted.
            if i < SACK_KEPT {
                x.sack[i] = b;
                x.sack_len = i + 1;
            }
        }
    }

    /// A SYN or pure ACK sent: the first pure ACK after a SYN ends the unscaled windows.
    pub(crate) fn after_segment(&mut self, fwd: usize, flags: u16) {
        let f = &mut self.flows[fwd];
        if flags & Flags::SYN != 0 {
            f.is_first_ack = true;
        } else if flags & (Flags::SYN | Flags::ACK) == Flags::ACK {
            f.is_first_ack = false;
        }
    }

    /// Analyse one segment whose length is known, sent in direction `fwd`. `ta` may already
    /// hold what the conversation lookup found (reused ports). Returns whether the segment
    /// carries only data sent before (a retransmission, for DNS-over-TCP reassembly). Unless
    /// `full`, only that is worked out: no segment list, no bytes in flight.
    pub(crate) fn on_segment(
        &mut self,
        fwd: usize,
        s: &Segment,
        cx: &Context,
        ta: &mut Option<Analysis>,
        full: bool,
    ) -> bool {
        use flag::*;
        let [a, b] = &mut self.flows;
        let (f, r) = if fwd == 0 { (a, b) } else { (b, a) };
        let flags = s.flags;
        let (seq, ack, seglen, window) = (s.seq, s.ack, s.seglen, u32::from(s.window));
        let now = ns(s.ts_ns);
        let synfinrst = flags & (Flags::SYN | Flags::FIN | Flags::RST);
        let set = |ta: &mut Option<Analysis>, bits: u16| ta.get_or_insert_with(Analysis::default).flags |= bits;

        if flags & Flags::ACK != 0 {
            r.valid_bif = true;
        }
        let mut old_data = false;
        // tshark's tests in its order; some end the forward checks early.
        'fwd: {
            // Zero-window probe: one byte at the next sequence number into a zero window.
            if seglen == 1 && seq == f.nextseq && r.window == 0 {
                set(ta, ZERO_WINDOW_PROBE);
                break 'fwd;
            }
            if window == 0 && synfinrst == 0 {
                set(ta, ZERO_WINDOW);
            }
            // A gap: this segment starts beyond the highest sequence number sent.
            if f.nextseq != 0 && SeqNumber(seq) > SeqNumber(f.nextseq) && flags & Flags::RST == 0 {
                set(ta, LOST_SEGMENT);
                f.valid_bif = false;
            }
            if seglen <= 1 && seq == f.nextseq.wrapping_sub(1) && synfinrst == 0 {
                set(ta, KEEP_ALIVE);
            }
            let same_ack = seglen == 0 && seq == f.nextseq && ack == f.lastack && synfinrst == 0;
            if same_ack && window != 0 && window != f.window {
                set(ta, WINDOW_UPDATE);
            }
            if seglen > 0 && synfinrst == 0 {
                let shift = match cx.rev_scale {
                    WinScale::Unknown => None,
                    _ if r.is_first_ack => Some(0),
                    WinScale::NotUsed => Some(0),
                    WinScale::Shift(s) => Some(u32::from(s)),
                };
                if let Some(shift) = shift {
                    let edge = r.lastack.wrapping_add(r.window.wrapping_shl(shift));
                    if seq.wrapping_add(seglen) == edge {
                        set(ta, WINDOW_FULL);
                    }
                }
            }
            if same_ack && window != 0 && window == f.window && r.lastsegmentflags & KEEP_ALIVE != 0 {
                set(ta, KEEP_ALIVE_ACK);
                break 'fwd;
            }
            if same_ack && window == 0 && window == f.window && r.lastsegmentflags & ZERO_WINDOW_PROBE != 0 {
                set(ta, ZERO_WINDOW_PROBE_ACK);
                break 'fwd;
            }
            if same_ack && window != 0 && window == f.window {
                f.dupacknum = if f.dupacknum == -1 { 1 } else { f.dupacknum.saturating_add(1) };
                let a = ta.get_or_insert_with(Analysis::default);
                a.flags |= DUPLICATE_ACK;
                a.dupack_num = f.dupacknum.max(0) as u32;
                a.dupack_frame = f.lastnondupack;
            }
        }
        if ack != f.lastack {
            f.lastnondupack = s.frame;
            f.dupacknum = 0;
        }
        // An ACK beyond what the peer was seen to send: segments missing from the capture.
        if r.maxseqtobeacked != 0 && SeqNumber(ack) > SeqNumber(r.maxseqtobeacked) && flags & Flags::ACK != 0 {
            let a = ta.get_or_insert_with(Analysis::default);
            if SeqNumber(r.maxseqtobeacked) < SeqNumber(r.nextseq) {
                r.maxseqtobeacked = r.nextseq;
                a.flags |= ACK_LOST_SEGMENT;
            } else {
                if r.dupacknum == 0 {
                    a.flags |= ACK_LOST_SEGMENT;
                }
                r.dupacknum = -1;
            }
        }
        // Retransmission, fast retransmission, spurious retransmission or out of order: data
        // (or SYN/FIN) that does not advance the sequence number.
        if (seglen > 0 || flags & (Flags::SYN | Flags::FIN) != 0) && !ta.is_some_and(|a| a.has(KEEP_ALIVE)) {
            let mut not_advanced = f.nextseq != 0 && SeqNumber(seq) < SeqNumber(f.nextseq);
            // More than one byte from nextseq - 1: new data after a zero-window probe.
            if seglen > 1 && f.nextseq.wrapping_sub(1) == seq {
                not_advanced = false;
            }
            let synfin = u32::from(flags & (Flags::SYN | Flags::FIN) != 0);
            if seglen > 0 && r.lastack != 0 && SeqNumber(seq.wrapping_add(seglen)) <= SeqNumber(r.lastack) {
                set(ta, SPURIOUS_RETRANSMISSION);
                old_data = true;
            } else if not_advanced
                && r.dupacknum >= 2
                && r.lastack == seq
                && (0..20_000_000).contains(&now.saturating_sub(r.lastack_ns))
            {
                set(ta, FAST_RETRANSMISSION);
                old_data = true;
            } else {
                let threshold = cx.first_rtt_ns.filter(|&t| t != 0).map_or(3_000_000, ns);
                let out_of_order = not_advanced
                    && (0..threshold).contains(&now.saturating_sub(f.nextseq_ns))
                    && f.nextseq != seq.wrapping_add(seglen).wrapping_add(synfin);
                if out_of_order {
                    set(ta, OUT_OF_ORDER);
                } else if not_advanced {
                    let a = ta.get_or_insert_with(Analysis::default);
                    a.flags |= RETRANSMISSION;
                    old_data = true;
                    // The RTO against the oldest unacknowledged segment, else the highest one.
                    let oldest = f.extra.as_ref().and_then(|x| x.segments.first());
                    let (frame, at) = oldest.map_or((f.nextseq_frame, f.nextseq_ns), |u| (u.frame, u.ts_ns));
                    a.rto_ns = now.saturating_sub(at);
                    a.rto_frame = frame;
                }
            }
        }
        let mut nextseq = seq.wrapping_add(seglen);
        if flags & (Flags::SYN | Flags::FIN) != 0 {
            nextseq = nextseq.wrapping_add(1);
        }
        if full && (seglen > 0 || flags & (Flags::SYN | Flags::FIN) != 0) {
            let x = f.extra.get_or_insert_with(Box::default);
            if x.segments.len() < MAX_UNACKED {
                // Room for one at first (Vec's first growth is to four): most connections of a
                // SYN flood never have a second (tests/limits.rs).
                if x.segments.capacity() == 0 {
                    x.segments.reserve_exact(1);
                }
                x.segments.push(Unacked { frame: s.frame, seq, nextseq, ts_ns: now });
            }
        }
        let probe = ta.is_some_and(|a| a.has(ZERO_WINDOW_PROBE));
        // A zero-window probe does not advance the highest sequence number.
        if (f.nextseq == 0 || SeqNumber(nextseq) > SeqNumber(f.nextseq)) && !probe {
            f.nextseq = nextseq;
            f.nextseq_frame = s.frame;
            f.nextseq_ns = now;
        }
        if (seq == f.maxseqtobeacked || f.maxseqtobeacked == 0) && !probe {
            f.maxseqtobeacked = f.nextseq;
        }
        f.window = window;
        f.lastack = ack;
        f.lastack_ns = now;
        f.lastsegmentflags = ta.map_or(0, |a| a.flags);

        // Drop the peer's segments this ACK covers; an exact match names the acknowledged frame
        // (the oldest of several copies).
        let mut acked: Option<Unacked> = None;
        if let Some(x) = r.extra.as_mut() {
            x.segments.retain_mut(|u| {
                if ack == u.nextseq {
                    if acked.is_none() {
                        acked = Some(*u);
                    }
                    false
                } else if SeqNumber(ack) > SeqNumber(u.seq) && SeqNumber(ack) <= SeqNumber(u.nextseq) {
                    u.seq = ack;
                    true
                } else {
                    SeqNumber(u.nextseq) > SeqNumber(ack)
                }
            });
        }
        if let Some(u) = acked {
            let a = ta.get_or_insert_with(Analysis::default);
            a.acks_frame = u.frame;
            a.ack_rtt_ns = now.saturating_sub(u.ts_ns);
        }

        // Bytes in flight: from the lowest unacknowledged byte to the highest sent, less what
        // the peer's last SACK blocks say arrived.
        let x = f.extra.as_mut().filter(|x| full && seglen != 0 && !x.segments.is_empty() && f.valid_bif);
        if let Some(x) = x {
            let rel = |v: u32| v.wrapping_sub(cx.fwd_base);
            let newest = x.segments[x.segments.len() - 1];
            let (mut first, mut last) = (rel(newest.seq), rel(newest.nextseq));
            for u in &x.segments {
                last = last.max(rel(u.nextseq));
                first = first.min(rel(u.seq));
            }
            let mut in_flight = last.wrapping_sub(first);
            if let Some(rx) = &r.extra {
                for (le, re) in &rx.sack[..rx.sack_len] {
                    in_flight = in_flight.wrapping_sub(re.wrapping_sub(*le));
                }
            }
            let a = ta.get_or_insert_with(Analysis::default);
            if in_flight > 0 && in_flight < 2_000_000_000 {
                a.bytes_in_flight = in_flight;
                // A SYN or FIN occupies a sequence number but no byte.
                if flags & (Flags::SYN | Flags::FIN) != 0 {
                    a.bytes_in_flight -= 1;
                }
            }
            let psh = flags & Flags::PSH != 0;
            x.push_bytes_sent = if psh && !x.push_set_last {
                x.push_bytes_sent.wrapping_add(seglen)
            } else if psh || x.push_set_last {
                seglen
            } else {
                x.push_bytes_sent.wrapping_add(seglen)
            };
            x.push_set_last = psh;
            a.push_bytes_sent = x.push_bytes_sent;
        }
        old_data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: usize = 0;
    const B: usize = 1;
    const ACK: u16 = Flags::ACK;

    /// Feed segments (direction, seq, ack, len, flags, window, ms) through one connection.
    fn run(segs: &[(usize, u32, u32, u32, u16, u16, i128)]) -> Vec<Option<Analysis>> {
        let mut an = SeqAnalysis::default();
        segs.iter()
            .enumerate()
            .map(|(i, &(dir, seq, ack, seglen, flags, window, ms))| {
                let s = Segment { frame: i as u32 + 1, seq, ack, seglen, flags, window, ts_ns: ms * 1_000_000 };
                // ISNs 1000 (A) and 5000 (B); no window scaling.
                let cx = Context {
                    fwd_base: if dir == A { 1000 } else { 5000 },
                    rev_scale: WinScale::NotUsed,
                    first_rtt_ns: None,
                };
                let mut ta = None;
                an.on_segment(dir, &s, &cx, &mut ta, true);
                an.after_segment(dir, flags);
                ta
            })
            .collect()
    }

    #[test]
    fn duplicate_acks_count_from_the_last_new_ack_and_a_fast_retransmission_follows() {
        let r = run(&[
            (A, 1001, 5001, 100, ACK, 500, 0),
            (A, 1101, 5001, 100, ACK, 500, 1),
            (B, 5001, 1101, 0, ACK, 500, 2),
            (B, 5001, 1101, 0, ACK, 500, 3),
            (B, 5001, 1101, 0, ACK, 500, 4),
            (A, 1101, 5001, 100, ACK, 500, 5),
        ]);
        let f3 = r[2].unwrap();
        assert_eq!((f3.acks_frame, f3.flags), (1, 0));
        let (d1, d2) = (r[3].unwrap(), r[4].unwrap());
        assert!(d1.has(flag::DUPLICATE_ACK) && d2.has(flag::DUPLICATE_ACK));
        assert_eq!((d1.dupack_num, d1.dupack_frame, d2.dupack_num), (1, 3, 2));
        // Within 20 ms of the second duplicate ACK, at the sequence number they ask for.
        assert_eq!(r[5].unwrap().flags, flag::FAST_RETRANSMISSION);
    }

    #[test]
    fn a_late_copy_is_a_retransmission_with_its_rto_and_a_gap_is_a_lost_segment() {
        let r = run(&[
            (A, 1001, 5001, 100, ACK, 500, 0),
            (A, 1001, 5001, 100, ACK, 500, 300),
            (A, 1301, 5001, 100, ACK, 500, 301),
        ]);
        let re = r[1].unwrap();
        assert_eq!((re.flags, re.rto_frame, re.rto_ns), (flag::RETRANSMISSION, 1, 300_000_000));
        assert!(r[2].unwrap().has(flag::LOST_SEGMENT));
    }

    #[test]
    fn keep_alive_and_its_ack_zero_window_and_its_probe() {
        let r = run(&[
            (A, 1001, 5001, 10, ACK, 500, 0),
            (B, 5001, 1011, 0, ACK, 500, 1),
            (A, 1010, 5001, 0, ACK, 500, 2),
            (B, 5001, 1011, 0, ACK, 500, 3),
            (B, 5001, 1011, 0, ACK, 0, 4),
            (A, 1011, 5001, 1, ACK, 500, 5),
        ]);
        assert_eq!(r[2].unwrap().flags, flag::KEEP_ALIVE);
        assert_eq!(r[3].unwrap().flags, flag::KEEP_ALIVE_ACK);
        assert!(r[4].unwrap().has(flag::ZERO_WINDOW));
        assert!(r[5].unwrap().has(flag::ZERO_WINDOW_PROBE));
    }
}

//! tshark's view of one TCP connection: relative sequence numbers, window scaling and the
//! retransmission test, computed the way tshark 4.0 computes them on its first pass so that
//! synack's values can be compared with tshark's field for field.
//!
//! RFC 9293 §3.4: sequence numbers are relative to each side's initial sequence number (ISN).
//! When the SYN was not captured, the first sequence number seen minus one stands in for the
//! ISN, so that the first byte seen is byte 1.
//! RFC 7323 §2.3: the window field of a non-SYN segment is shifted by the scale its sender
//! announced, but only if both sides announced one; SYN segments are never scaled.

use super::analysis::{flag, Analysis, Context, Segment, SeqAnalysis};
use crate::tcp::option::kind;
use crate::tcp::{Flags, TcpHeader, TcpOption, TcpOptions};

/// Window scaling known for one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WinScale {
    /// No SYN seen yet: scaling unknown.
    Unknown,
    /// The handshake showed that scaling is off.
    NotUsed,
    /// Shift count in use (0 to 14).
    Shift(u8),
}

impl WinScale {
    /// tshark's `tcp.window_size_scalefactor`: -1 unknown, -2 not used, else the multiplier.
    pub(crate) fn factor(self) -> i32 {
        match self {
            WinScale::Unknown => -1,
            WinScale::NotUsed => -2,
            WinScale::Shift(s) => 1 << s,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Flow {
    base_seq: Option<u32>,
    win_scale: WinScale,
}

impl Default for Flow {
    fn default() -> Self {
        Flow { base_seq: None, win_scale: WinScale::Unknown }
    }
}

/// tshark's view of one connection: relative sequence numbers, window scaling, AccECN, the
/// initial RTT and the retransmission test that decides whether a segment's data is new. The
/// stream number and the table that holds it are [`super::table::Connections`]'s.
#[derive(Debug, Clone, Default)]
pub(crate) struct TcpView {
    /// AccECN negotiation seen: setup SYN, setup SYN+ACK, an AccECN option.
    acc_syn: bool,
    acc_synack: bool,
    acc_option: bool,
    /// Time of the most recent SYN (without ACK), and SYN -> first pure ACK (initial RTT).
    mru_syn_ns: Option<i128>,
    first_rtt_ns: Option<i128>,
    /// flows[0]: lower endpoint -> higher endpoint; flows[1]: the reverse.
    flows: [Flow; 2],
    /// tshark's sequence analysis (`tcp.analysis.*`, `tcp.time_*`).
    seq: SeqAnalysis,
}

/// What the conversation table says about one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowView {
    /// Stream index (`tcp.stream`).
    pub stream: u32,
    /// Sequence number as tshark shows it: relative when the segment length is known.
    pub seq: u32,
    /// Acknowledgment number as tshark shows it: relative when ACK is set and the length known.
    pub ack: u32,
    /// Relative next sequence number (`tcp.nxtseq`), when the segment length is known.
    pub nxtseq: Option<u32>,
    /// Calculated window (`tcp.window_size`).
    pub window: u32,
    /// Scale factor shown for non-SYN segments (`tcp.window_size_scalefactor`).
    pub scalefactor: Option<i32>,
    /// The sender's peer's base sequence number (for relative SACK edges).
    pub peer_base: u32,
    /// The segment started a new conversation on reused ports.
    pub ports_reused: bool,
    /// The stream whose ports this segment's new conversation reuses.
    pub reused_from: Option<u32>,
    /// AE, CWR and ECE carry the AccECN counter (RFC 9768 §3.2.2) rather than three flags.
    pub ace: bool,
    /// The segment carries only data already sent (a retransmission), by tshark's analysis.
    pub old_data: bool,
    /// SYN -> handshake-completing ACK time, once known (`tcp.analysis.initial_rtt`).
    pub initial_rtt_ns: Option<i128>,
    /// Time since the stream's first frame and since its previous one (`tcp.time_relative`,
    /// `tcp.time_delta`), in nanoseconds.
    pub time_relative_ns: i64,
    /// See `time_relative_ns`.
    pub time_delta_ns: i64,
}

impl TcpView {
    /// RFC 9293 §3.4.1: a SYN whose ISN differs from the one already known in its direction
    /// starts a new incarnation of the connection on the same ports.
    pub(crate) fn is_new_incarnation(&self, fwd: usize, h: &TcpHeader) -> bool {
        let pure_syn = h.flags.0 & (Flags::SYN | Flags::ACK) == Flags::SYN;
        pure_syn && self.flows[fwd].base_seq.is_some_and(|b| b != h.seq)
    }

    /// Account for one segment sent in direction `fwd` (0: lower to higher endpoint). `seglen`
    /// is the payload length when the whole segment is known (not a fragment, not quoted in
    /// an ICMP error, header within the IP payload). The returned view has no stream and no
    /// reuse facts: the table fills them in.
    pub(crate) fn on_segment(
        &mut self,
        fwd: usize,
        h: &TcpHeader,
        opts: &TcpOptions<'_>,
        seglen: Option<u32>,
        (frame, ts_ns): (u32, i128),
        full: bool,
    ) -> (FlowView, Option<Analysis>) {
        let rev = 1 - fwd;
        let conv = self;
        let flags = h.flags;
        // RFC 9768 §3.1.1: an AccECN setup SYN sets AE, CWR and ECE; the SYN+ACK answers with
        // one of the patterns that are not (AE=0, CWR=0).
        if flags.0 & (Flags::SYN | Flags::ACK) == Flags::SYN {
            conv.acc_syn = flags.has(Flags::AE | Flags::CWR | Flags::ECE);
        }
        if flags.syn() && flags.ack() {
            conv.acc_synack =
                flags.0 & (Flags::AE | Flags::CWR) == Flags::CWR || flags.0 & (Flags::AE | Flags::ECE) == Flags::AE;
        }
        let ace = !flags.syn() && ((conv.acc_syn && conv.acc_synack) || conv.acc_option);
        let mut analysis = None;
        if flags.syn() && flags.ack() {
            // A SYN+ACK with a new ISN: the peer restarted; take its new ISN (tshark flags the
            // ports as reused).
            if let Some(b) = conv.flows[fwd].base_seq {
                if b != h.seq {
                    conv.flows[fwd].base_seq = Some(h.seq);
                    analysis.get_or_insert_with(Analysis::default).flags |= flag::REUSED_PORTS;
                }
            }
        } else if flags.syn() && conv.flows[fwd].base_seq == Some(h.seq) {
            // The same SYN again: a retransmission, analysed from what the peer can acknowledge.
            conv.seq.on_repeated_syn(fwd, &mut analysis);
        }
        let (time_relative_ns, time_delta_ns) = conv.seq.times(ts_ns);
        let mut seq = h.seq;
        let mut ack = h.ack;
        let mut window = u32::from(h.window);
        let mut nxtseq = None;
        let mut old_data = false;
        if let Some(len) = seglen {
            if conv.flows[fwd].base_seq.is_none() {
                conv.flows[fwd].base_seq = Some(if flags.syn() { h.seq } else { h.seq.wrapping_sub(1) });
            }
            // The first ACK from this side tells the peer's ISN: ack - 1.
            if conv.flows[rev].base_seq.is_none() && flags.ack() {
                conv.flows[rev].base_seq = Some(h.ack.wrapping_sub(1));
            }
            let segment =
                Segment { frame, seq: h.seq, ack: h.ack, seglen: len, flags: flags.0, window: h.window, ts_ns };
            let cx = Context {
                fwd_base: conv.flows[fwd].base_seq.unwrap_or(0),
                rev_scale: conv.flows[rev].win_scale,
                first_rtt_ns: conv.first_rtt_ns,
            };
            old_data = conv.seq.on_segment(fwd, &segment, &cx, &mut analysis, full);
            seq = h.seq.wrapping_sub(conv.flows[fwd].base_seq.unwrap_or(0));
            if flags.ack() {
                ack = h.ack.wrapping_sub(conv.flows[rev].base_seq.unwrap_or(0));
            }
            // RFC 7323 §2.2: "The window field in a segment where the SYN bit is set ... MUST
            // NOT be scaled."
            if !flags.syn() {
                if let WinScale::Shift(s) = conv.flows[fwd].win_scale {
                    window <<= s;
                }
            }
            let n = seq.wrapping_add(len);
            nxtseq = Some(if flags.syn() || flags.fin() { n.wrapping_add(1) } else { n });
        }
        // The sender's SACK blocks count for the peer's bytes in flight until its next segment.
        // The flags are worked out either way (the verdict counts them); the table shows them
        // only when the analysis is on.
        if full {
            conv.seq.set_sack(
                fwd,
                opts.of_kind(kind::SACK)
                    .filter_map(|e| match e.value {
                        TcpOption::Sack(d) => Some(d),
                        _ => None,
                    })
                    .flat_map(TcpOption::sack_blocks),
            );
        }
        let scalefactor = (!flags.syn()).then(|| conv.flows[fwd].win_scale.factor());
        let peer_base = conv.flows[rev].base_seq.unwrap_or(0);
        // Options are read after the window was computed: a WS option takes effect for later
        // segments.
        for e in opts.of_kind(kind::WS) {
            if let TcpOption::WindowScale(shift) = e.value {
                conv.flows[fwd].win_scale = WinScale::Shift(TcpOption::ws_shift(shift));
            }
        }
        // AccECN options (kinds 172 and 174) show the peer speaks AccECN.
        if opts.of_kind(172).next().is_some() || opts.of_kind(174).next().is_some() {
            conv.acc_option = true;
        }
        if flags.0 & (Flags::SYN | Flags::ACK) == Flags::SYN {
            conv.mru_syn_ns = Some(ts_ns);
        }
        // The first pure ACK after a SYN completes the handshake: its delay is the initial RTT.
        if seglen.is_some() && flags.0 & (Flags::SYN | Flags::ACK) == Flags::ACK && conv.first_rtt_ns.is_none() {
            if let Some(syn) = conv.mru_syn_ns {
                conv.first_rtt_ns = Some(ts_ns - syn);
            }
        }
        conv.seq.after_segment(fwd, flags.0);
        if flags.syn() {
            // RFC 7323 §2.2: scaling is on only if both SYNs carry the option.
            if conv.flows[fwd].win_scale == WinScale::Unknown {
                conv.flows[fwd].win_scale = WinScale::NotUsed;
                conv.flows[rev].win_scale = WinScale::NotUsed;
            } else if flags.ack() && conv.flows[rev].win_scale == WinScale::NotUsed {
                conv.flows[fwd].win_scale = WinScale::NotUsed;
            }
        }
        let view = FlowView {
            stream: 0,
            seq,
            ack,
            nxtseq,
            window,
            scalefactor,
            peer_base,
            ports_reused: false,
            reused_from: None,
            ace,
            old_data,
            initial_rtt_ns: conv.first_rtt_ns,
            time_relative_ns,
            time_delta_ns,
        };
        (view, analysis)
    }
}

//! The conversation table behind tshark-compatible TCP values: `tcp.stream` numbering,
//! relative sequence numbers and window scaling, computed the way tshark 4.0 computes them
//! on its first pass so that synack's values can be compared with tshark's field for field.
//!
//! RFC 9293 §3.4: sequence numbers are relative to each side's initial sequence number (ISN).
//! When the SYN was not captured, the first sequence number seen minus one stands in for the
//! ISN, so that the first byte seen is byte 1.
//! RFC 7323 §2.3: the window field of a non-SYN segment is shifted by the scale its sender
//! announced, but only if both sides announced one; SYN segments are never scaled.

use std::collections::HashMap;

use super::key::{ConnKey, Endpoint};
use crate::tcp::{Flags, TcpHeader, TcpOption, TcpOptions};

/// Window scaling known for one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WinScale {
    /// No SYN seen yet: scaling unknown.
    Unknown,
    /// The handshake showed that scaling is off.
    NotUsed,
    /// Shift count in use (0 to 14).
    Shift(u8),
}

impl WinScale {
    /// tshark's `tcp.window_size_scalefactor`: -1 unknown, -2 not used, else the multiplier.
    pub fn factor(self) -> i32 {
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

#[derive(Debug, Clone)]
struct Conv {
    stream: u32,
    /// AccECN negotiation seen: setup SYN, setup SYN+ACK, an AccECN option.
    acc_syn: bool,
    acc_synack: bool,
    acc_option: bool,
    /// flows[0]: lower endpoint -> higher endpoint; flows[1]: the reverse.
    flows: [Flow; 2],
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
    /// AE, CWR and ECE carry the AccECN counter (RFC 9768 §3.2.2) rather than three flags.
    pub ace: bool,
}

/// tshark's conversation table for TCP.
#[derive(Debug, Default)]
pub struct TcpConversations {
    map: HashMap<ConnKey, Conv>,
    next_stream: u32,
}

impl TcpConversations {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of streams seen so far.
    pub fn streams(&self) -> u32 {
        self.next_stream
    }

    fn new_conv(&mut self) -> Conv {
        let c = Conv { stream: self.next_stream, acc_syn: false, acc_synack: false, acc_option: false, flows: [Flow::default(); 2] };
        self.next_stream += 1;
        c
    }

    /// Account for one segment. `seglen` is the payload length when the whole segment is
    /// known (not a fragment, not quoted in an ICMP error, header within the IP payload).
    pub fn on_segment(
        &mut self,
        src: Endpoint,
        dst: Endpoint,
        h: &TcpHeader,
        opts: &TcpOptions<'_>,
        seglen: Option<u32>,
    ) -> FlowView {
        let (key, lo_to_hi) = ConnKey::new(src, dst);
        let (fwd, rev) = if lo_to_hi { (0, 1) } else { (1, 0) };
        if !self.map.contains_key(&key) {
            let c = self.new_conv();
            self.map.insert(key, c);
        }
        let flags = h.flags;
        let mut ports_reused = false;
        // A SYN whose ISN differs from the one already known starts a new connection on the
        // same ports (RFC 9293 §3.4.1: a new incarnation picks a new ISN).
        if flags.0 & (Flags::SYN | Flags::ACK) == Flags::SYN {
            let stale = self.map.get(&key).and_then(|c| c.flows[fwd].base_seq).is_some_and(|b| b != h.seq);
            if stale {
                let c = self.new_conv();
                self.map.insert(key, c);
                ports_reused = true;
            }
        }
        let next_stream = self.next_stream;
        let Some(conv) = self.map.get_mut(&key) else {
            // Inserted above; an empty view keeps this total without a panic path.
            return FlowView {
                stream: next_stream,
                seq: h.seq,
                ack: h.ack,
                nxtseq: None,
                window: u32::from(h.window),
                scalefactor: None,
                peer_base: 0,
                ports_reused,
                ace: false,
            };
        };
        // RFC 9768 §3.1.1: an AccECN setup SYN sets AE, CWR and ECE; the SYN+ACK answers with
        // one of the patterns that are not (AE=0, CWR=0).
        if flags.0 & (Flags::SYN | Flags::ACK) == Flags::SYN {
            conv.acc_syn = flags.has(Flags::AE | Flags::CWR | Flags::ECE);
        }
        if flags.syn() && flags.ack() {
            conv.acc_synack = flags.0 & (Flags::AE | Flags::CWR) == Flags::CWR
                || flags.0 & (Flags::AE | Flags::ECE) == Flags::AE;
        }
        let ace = !flags.syn() && ((conv.acc_syn && conv.acc_synack) || conv.acc_option);
        if flags.syn() && flags.ack() {
            // A SYN+ACK with a new ISN: the peer restarted; take its new ISN.
            if let Some(b) = conv.flows[fwd].base_seq {
                if b != h.seq {
                    conv.flows[fwd].base_seq = Some(h.seq);
                }
            }
        }
        let mut seq = h.seq;
        let mut ack = h.ack;
        let mut window = u32::from(h.window);
        let mut nxtseq = None;
        if let Some(len) = seglen {
            if conv.flows[fwd].base_seq.is_none() {
                conv.flows[fwd].base_seq = Some(if flags.syn() { h.seq } else { h.seq.wrapping_sub(1) });
            }
            // The first ACK from this side tells the peer's ISN: ack - 1.
            if conv.flows[rev].base_seq.is_none() && flags.ack() {
                conv.flows[rev].base_seq = Some(h.ack.wrapping_sub(1));
            }
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
        let scalefactor = (!flags.syn()).then(|| conv.flows[fwd].win_scale.factor());
        let peer_base = conv.flows[rev].base_seq.unwrap_or(0);
        // Options are read after the window was computed: a WS option takes effect for later
        // segments.
        for e in &opts.entries {
            if let TcpOption::WindowScale(shift) = e.value {
                conv.flows[fwd].win_scale = WinScale::Shift(TcpOption::ws_shift(shift));
            }
            // AccECN options (kinds 172 and 174) show the peer speaks AccECN.
            if matches!(e.kind, 172 | 174) {
                conv.acc_option = true;
            }
        }
        if flags.syn() {
            // RFC 7323 §2.2: scaling is on only if both SYNs carry the option.
            if conv.flows[fwd].win_scale == WinScale::Unknown {
                conv.flows[fwd].win_scale = WinScale::NotUsed;
                conv.flows[rev].win_scale = WinScale::NotUsed;
            } else if flags.ack() && conv.flows[rev].win_scale == WinScale::NotUsed {
                conv.flows[fwd].win_scale = WinScale::NotUsed;
            }
        }
        FlowView { stream: conv.stream, seq, ack, nxtseq, window, scalefactor, peer_base, ports_reused, ace }
    }
}

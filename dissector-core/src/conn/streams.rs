//! The conversation table behind tshark-compatible TCP values: `tcp.stream` numbering,
//! relative sequence numbers and window scaling, computed the way tshark 4.0 computes them
//! on its first pass so that synack's values can be compared with tshark's field for field.
//!
//! RFC 9293 §3.4: sequence numbers are relative to each side's initial sequence number (ISN).
//! When the SYN was not captured, the first sequence number seen minus one stands in for the
//! ISN, so that the first byte seen is byte 1.
//! RFC 7323 §2.3: the window field of a non-SYN segment is shifted by the scale its sender
//! announced, but only if both sides announced one; SYN segments are never scaled.

use std::collections::VecDeque;

use hashbrown::hash_table::{Entry, HashTable};

use super::key::{ConnKey, Endpoint};
use crate::tcp::{Flags, SeqNumber, TcpHeader, TcpOption, TcpOptions};

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
    /// Highest raw sequence number sent plus one (0: none yet), and when it was sent.
    nextseq: u32,
    nextseq_ns: i128,
    /// Last raw acknowledgment number this side sent (0: none yet).
    lastack: u32,
}

impl Default for Flow {
    fn default() -> Self {
        Flow { base_seq: None, win_scale: WinScale::Unknown, nextseq: 0, nextseq_ns: 0, lastack: 0 }
    }
}

#[derive(Debug, Clone)]
struct Conv {
    /// The table's key for this conversation.
    key: ConnKey,
    stream: u32,
    /// AccECN negotiation seen: setup SYN, setup SYN+ACK, an AccECN option.
    acc_syn: bool,
    acc_synack: bool,
    acc_option: bool,
    /// Time of the most recent SYN (without ACK), and SYN -> first pure ACK (initial RTT).
    mru_syn_ns: Option<i128>,
    first_rtt_ns: Option<i128>,
    /// flows[0]: lower endpoint -> higher endpoint; flows[1]: the reverse.
    flows: [Flow; 2],
    /// Seen since the eviction clock last passed (second chance).
    referenced: bool,
    /// Capture time of the last segment.
    last_ns: i128,
    /// FIN seen from flows[0] (bit 0), from flows[1] (bit 1); RST seen ([`RST_SEEN`]).
    ended: u8,
}

/// [`Conv::ended`]: a FIN from each side, or a RST.
const BOTH_FINS: u8 = 0b011;
const RST_SEEN: u8 = 0b100;

impl Conv {
    /// Whether the conversation looks finished by its own flags (the tracker, when it runs,
    /// knows the states).
    fn looks_finished(&self) -> bool {
        self.ended & RST_SEEN != 0 || self.ended & BOTH_FINS == BOTH_FINS
    }
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
}

/// A fresh conversation of `key` with the next stream index.
fn new_conv(key: ConnKey, next_stream: &mut u32) -> Box<Conv> {
    let c = Conv {
        key,
        stream: *next_stream,
        acc_syn: false,
        acc_synack: false,
        acc_option: false,
        mru_syn_ns: None,
        first_rtt_ns: None,
        flows: [Flow::default(); 2],
        referenced: true,
        last_ns: 0,
        ended: 0,
    };
    *next_stream += 1;
    Box::new(c)
}

/// tshark's conversation table for TCP.
#[derive(Debug, Default)]
pub struct TcpConversations {
    /// The conversations, each boxed with its key (under churn a hash table keeps up to 4x its
    /// entries' worth of buckets). The table holds only the boxes' addresses, 8 bytes a bucket
    /// where a map of key and box took 48: more of it stays in the cache, and a lookup compares
    /// the key in the box it then works on.
    table: HashTable<Box<Conv>>,
    /// ahash, randomly keyed per process (see [`crate::Map`]).
    hasher: ahash::RandomState,
    next_stream: u32,
    /// Keys in creation order, for CLOCK eviction (may hold keys already forgotten).
    order: VecDeque<ConnKey>,
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

    /// Conversations held in memory.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether no conversation is held.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Evict conversations until at most `cap` remain, least recently used first (CLOCK: one
    /// seen since the last pass gets a second chance). Returns the evicted streams, each with
    /// whether it looked finished: a RST, or a FIN from each side.
    pub fn evict_to(&mut self, cap: usize) -> Vec<(u32, bool)> {
        let mut out = Vec::new();
        // Each key is looked at most twice per eviction round (once to clear its bit).
        let mut budget = 2 * self.order.len() + 2;
        while self.table.len() > cap && budget > 0 {
            budget -= 1;
            let Some(key) = self.order.pop_front() else { break };
            let Ok(entry) = self.table.find_entry(self.hasher.hash_one(key), |c| c.key == key) else { continue };
            if entry.get().referenced {
                entry.into_mut().referenced = false;
                self.order.push_back(key);
            } else {
                let c = entry.remove().0;
                out.push((c.stream, c.looks_finished()));
            }
        }
        self.compact();
        out
    }

    /// Drop forgotten keys from the eviction queue once they dominate it.
    fn compact(&mut self) {
        if self.order.len() > 2 * self.table.len() + 64 {
            let (table, hasher) = (&self.table, &self.hasher);
            let mut seen = std::collections::HashSet::with_hasher(ahash::RandomState::new());
            self.order.retain(|k| table.find(hasher.hash_one(k), |c| c.key == *k).is_some() && seen.insert(*k));
        }
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
        ts_ns: i128,
    ) -> FlowView {
        let (key, lo_to_hi) = ConnKey::new(src, dst);
        let (fwd, rev) = if lo_to_hi { (0, 1) } else { (1, 0) };
        let flags = h.flags;
        let mut ports_reused = false;
        let mut reused_from = None;
        let pure_syn = flags.0 & (Flags::SYN | Flags::ACK) == Flags::SYN;
        // One lookup per segment: the entry is created, replaced or used in place.
        let TcpConversations { table, hasher, next_stream, order } = self;
        let conv: &mut Conv = match table.entry(hasher.hash_one(key), |c| c.key == key, |c| hasher.hash_one(c.key)) {
            Entry::Vacant(v) => {
                order.push_back(key);
                v.insert(new_conv(key, next_stream)).into_mut()
            }
            Entry::Occupied(o) => {
                let c = o.into_mut();
                // A SYN whose ISN differs from the one already known starts a new connection
                // on the same ports (RFC 9293 §3.4.1: a new incarnation picks a new ISN).
                if pure_syn && c.flows[fwd].base_seq.is_some_and(|b| b != h.seq) {
                    reused_from = Some(c.stream);
                    ports_reused = true;
                    *c = new_conv(key, next_stream);
                }
                c
            }
        };
        conv.referenced = true;
        conv.last_ns = ts_ns;
        if flags.fin() {
            conv.ended |= 1 << fwd;
        }
        if flags.rst() {
            conv.ended |= RST_SEEN;
        }
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
        let mut old_data = false;
        if let Some(len) = seglen {
            old_data = analyze_sequence(conv, fwd, rev, h, len, ts_ns);
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
        if flags.0 & (Flags::SYN | Flags::ACK) == Flags::SYN {
            conv.mru_syn_ns = Some(ts_ns);
        }
        // The first pure ACK after a SYN completes the handshake: its delay is the initial RTT.
        if seglen.is_some() && flags.0 & (Flags::SYN | Flags::ACK) == Flags::ACK && conv.first_rtt_ns.is_none() {
            if let Some(syn) = conv.mru_syn_ns {
                conv.first_rtt_ns = Some(ts_ns - syn);
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
        FlowView {
            stream: conv.stream,
            seq,
            ack,
            nxtseq,
            window,
            scalefactor,
            peer_base,
            ports_reused,
            reused_from,
            ace,
            old_data,
            initial_rtt_ns: conv.first_rtt_ns,
        }
    }
}

/// tshark's retransmission test, reduced to what decides whether a segment's data is new: a
/// segment that starts before the highest sequence number already sent is a retransmission,
/// unless it is a keep-alive (one byte at nextseq - 1) or arrives out of order (soon after the
/// highest segment, within the initial RTT or 3 ms). Data the peer has already acknowledged is
/// a spurious retransmission. Updates the flow's highest sequence number and last ACK.
fn analyze_sequence(conv: &mut Conv, fwd: usize, rev: usize, h: &TcpHeader, seglen: u32, ts_ns: i128) -> bool {
    let flags = h.flags;
    let synfin = u32::from(flags.syn() || flags.fin());
    let seq = h.seq;
    let f = conv.flows[fwd];
    let mut old = false;
    if seglen > 0 || synfin == 1 {
        // RFC 9293 §3.8.4: a keep-alive carries at most one byte at SND.NXT - 1.
        let keepalive = seglen <= 1
            && flags.0 & (Flags::SYN | Flags::FIN | Flags::RST) == 0
            && f.nextseq != 0
            && f.nextseq.wrapping_sub(1) == seq;
        if !keepalive {
            let mut not_advanced = f.nextseq != 0 && SeqNumber(seq) < SeqNumber(f.nextseq);
            if seglen > 1 && f.nextseq.wrapping_sub(1) == seq {
                not_advanced = false;
            }
            let peer_ack = conv.flows[rev].lastack;
            if seglen > 0 && peer_ack != 0 && SeqNumber(peer_ack) >= SeqNumber(seq) + seglen {
                old = true;
            } else if not_advanced {
                let threshold = conv.first_rtt_ns.unwrap_or(3_000_000);
                let out_of_order =
                    ts_ns - f.nextseq_ns < threshold && f.nextseq != seq.wrapping_add(seglen).wrapping_add(synfin);
                old = !out_of_order;
            }
        }
    }
    let next = seq.wrapping_add(seglen).wrapping_add(synfin);
    let f = &mut conv.flows[fwd];
    if f.nextseq == 0 || SeqNumber(f.nextseq) < SeqNumber(next) {
        f.nextseq = next;
        f.nextseq_ns = ts_ns;
    }
    f.lastack = h.ack;
    old
}

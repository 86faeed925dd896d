//! The verdict: what happened to one connection, in one sentence. The tracker gathers
//! facts as the connection's segments go by (the handshake's times, who reset it and in
//! which state, tshark's sequence-analysis flags counted per sender, zero-window stalls, the
//! SYN options); at the connection's end they are read as one [`Verdict`]: an outcome and the
//! findings worth a troubleshooter's attention, each with a stable short code
//! (`synack.verdict.code`).

use super::analysis::{flag, Analysis};
use super::key::Endpoint;
use super::state::State;
use super::track::SynOptions;
use crate::tcp::{Flags, TcpHeader, TcpOption, TcpOptions};

/// How many of the client's SYN times are kept (the rest are only counted).
const SYN_TIMES: usize = 8;

/// Capture times are kept as i64 nanoseconds (to the year 2262): every tracked connection
/// carries these facts, and a SYN flood holds a million of them.
fn ns64(t: i128) -> i64 {
    i64::try_from(t).unwrap_or(if t < 0 { i64::MIN } else { i64::MAX })
}

/// A capture time that may be unset, in 8 bytes (`Option<i64>` takes 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct At(i64);

impl At {
    const NONE: At = At(i64::MIN);

    fn get(self) -> Option<i64> {
        (self != At::NONE).then_some(self.0)
    }
}

impl Default for At {
    fn default() -> Self {
        At::NONE
    }
}

/// A zero-window stall of one receiver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Stall {
    count: u32,
    since: Option<i64>,
    total_ns: i64,
    longest_ns: i64,
}

impl Stall {
    fn close(&mut self, now: i64) {
        if let Some(t) = self.since.take() {
            let d = now.saturating_sub(t).max(0);
            self.total_ns = self.total_ns.saturating_add(d);
            self.longest_ns = self.longest_ns.max(d);
        }
    }
}

/// The first RST after the SYN: who sent it, both sides' states when it did, its IP TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RstFact {
    by_client: bool,
    state: State,
    peer_state: State,
    ttl: u8,
    /// Both sides had sent a FIN before it.
    after_fins: bool,
}

/// What only connections that carry data or trouble need: kept apart (boxed) so that a SYN
/// flood's million half-open connections do not carry it.
#[derive(Debug, Clone, Default)]
struct Trouble {
    /// By sender (0 client, 1 server): retransmissions of any kind, fast, spurious; gaps in
    /// its data (segments not captured); duplicate ACKs it sent.
    rexmit: [u32; 2],
    fast: [u32; 2],
    spurious: [u32; 2],
    lost: [u32; 2],
    dup_acks: [u32; 2],
    /// Zero-window stalls of each receiver (0 the client's window).
    stalls: [Stall; 2],
}

/// What the verdict is read from, gathered segment by segment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    /// Client SYNs (without ACK) seen; the first one's time, the last one's, and when it was
    /// sent again, each copy's microseconds after the first (the first eight).
    syns: u32,
    first_syn_ns: i64,
    last_syn_ns: At,
    syn_after_us: Option<Box<[u32; SYN_TIMES]>>,
    /// Server SYN+ACKs seen, the first one's time, and the IP TTL of the server's segments.
    synacks: u32,
    synack_ns: At,
    server_ttl: Option<u8>,
    /// The handshake's ACK time.
    ack3_ns: At,
    /// Segments the client sent after its SYNs (0: it never answered the SYN+ACK).
    client_after_syn: u32,
    trouble: Option<Box<Trouble>>,
    rst: Option<RstFact>,
    fins: [bool; 2],
    /// ECN flags of the client's SYN and the server's SYN+ACK, when seen ([`ecn_bits`]).
    ecn: [u8; 2],
    /// TFO option in the client's SYN and the server's SYN+ACK: its cookie's length.
    tfo: [Option<u8>; 2],
    /// The SYN+ACK acknowledged the data carried on the SYN.
    syn_data_acked: Option<bool>,
    /// The stream whose ports this connection reused.
    reused_from: Option<u32>,
    last_ns: i64,
    /// Each side's data segment being timed (the sequence number after it, when it was sent),
    /// and the smallest time the other side took to acknowledge one.
    timing: [(u32, At); 2],
    data_rtt_ns: [At; 2],
}

/// One segment as the facts need it.
pub(crate) struct FactSeg<'a> {
    pub(crate) from_client: bool,
    pub(crate) seglen: u32,
    pub(crate) header: &'a TcpHeader,
    pub(crate) options: &'a TcpOptions<'a>,
    pub(crate) ts_ns: i128,
    pub(crate) ttl: u8,
    pub(crate) analysis: Option<&'a Analysis>,
    /// The sender's and the receiver's states before this segment.
    pub(crate) states: [State; 2],
    /// The handshake completed before this segment.
    pub(crate) was_complete: bool,
    /// This segment completes the handshake (stage 3).
    pub(crate) completes: bool,
    pub(crate) reused_from: Option<u32>,
    /// The client's ISN and the data its SYN carried, once seen.
    pub(crate) client_isn: Option<(u32, u32)>,
}

fn tfo_cookie(opts: &TcpOptions<'_>) -> Option<u8> {
    opts.of_kind(crate::tcp::option::kind::TFO).find_map(|e| {
        if let TcpOption::FastOpen(d) = e.value {
            Some(u8::try_from(d.len()).unwrap_or(u8::MAX))
        } else {
            None
        }
    })
}

const ECN_BITS: u16 = Flags::ECE | Flags::CWR | Flags::AE;

/// A segment's ECE, CWR and AE bits in one byte, with bit 7 set to say it was seen.
fn ecn_bits(f: Flags) -> u8 {
    0x80 | ((f.0 & ECN_BITS) >> 6) as u8
}

/// The flags [`ecn_bits`] kept, if any.
fn ecn_flags(b: u8) -> Option<u16> {
    (b & 0x80 != 0).then_some(u16::from(b & 0x7) << 6)
}

impl Facts {
    /// Account for one segment of the connection.
    pub(crate) fn on_segment(&mut self, s: &FactSeg<'_>) {
        let h = s.header;
        let f = h.flags;
        let me = usize::from(!s.from_client);
        let (syn, ack, rst, fin) = (f.syn(), f.ack(), f.rst(), f.fin());
        let now = ns64(s.ts_ns);
        self.last_ns = now;
        if self.syns == 0 && self.synacks == 0 && self.reused_from.is_none() {
            self.reused_from = s.reused_from;
        }
        if syn && !ack && s.from_client {
            if self.syns == 0 {
                self.first_syn_ns = now;
            }
            if self.syns > 0 {
                let after = u32::try_from(now.saturating_sub(self.first_syn_ns) / 1000).unwrap_or(u32::MAX);
                let times = self.syn_after_us.get_or_insert_with(Box::default);
                if let Some(slot) = times.get_mut(self.syns as usize) {
                    *slot = after;
                }
            }
            self.syns = self.syns.saturating_add(1);
            self.last_syn_ns = At(now);
            if self.ecn[0] == 0 {
                self.ecn[0] = ecn_bits(f);
            }
            if self.tfo[0].is_none() {
                self.tfo[0] = tfo_cookie(s.options);
            }
        } else if s.from_client && self.syns > 0 {
            self.client_after_syn = self.client_after_syn.saturating_add(1);
        }
        if syn && ack && !s.from_client {
            self.synacks = self.synacks.saturating_add(1);
            if self.synack_ns == At::NONE {
                self.synack_ns = At(now);
                self.ecn[1] = ecn_bits(f);
                self.tfo[1] = tfo_cookie(s.options);
                // RFC 7413 §4.2.2: a server that takes the SYN's data acknowledges it.
                if let Some((isn, data)) = s.client_isn.filter(|(_, d)| *d > 0) {
                    self.syn_data_acked = Some(h.ack == isn.wrapping_add(1).wrapping_add(data));
                }
            }
        }
        if !s.from_client && (syn || self.server_ttl.is_none()) && !rst {
            self.server_ttl = Some(s.ttl);
        }
        if s.completes && self.ack3_ns == At::NONE {
            self.ack3_ns = At(now);
        }
        if fin {
            self.fins[me] = true;
        }
        if rst && self.rst.is_none() {
            self.rst = Some(RstFact {
                by_client: s.from_client,
                state: s.states[0],
                peer_state: s.states[1],
                ttl: s.ttl,
                after_fins: self.fins[0] && self.fins[1],
            });
        }
        let flags = s.analysis.map_or(0, |a| a.flags);
        let has = |bits: u16| flags & bits != 0;
        let rexmit = has(flag::RETRANSMISSION | flag::FAST_RETRANSMISSION | flag::SPURIOUS_RETRANSMISSION) && !syn;
        self.time_data(s, me, rexmit, now);
        let gap = has(flag::LOST_SEGMENT);
        let dup = has(flag::DUPLICATE_ACK);
        let zero = has(flag::ZERO_WINDOW);
        let stalled = self.trouble.as_ref().is_some_and(|t| t.stalls[me].since.is_some());
        if !(rexmit || gap || dup || zero || stalled) {
            return;
        }
        let t = self.trouble.get_or_insert_with(Box::default);
        if rexmit {
            t.rexmit[me] = t.rexmit[me].saturating_add(1);
            t.fast[me] = t.fast[me].saturating_add(u32::from(has(flag::FAST_RETRANSMISSION)));
            t.spurious[me] = t.spurious[me].saturating_add(u32::from(has(flag::SPURIOUS_RETRANSMISSION)));
        }
        t.lost[me] = t.lost[me].saturating_add(u32::from(gap));
        t.dup_acks[me] = t.dup_acks[me].saturating_add(u32::from(dup));
        // A receiver's stall lasts from its zero window to its next non-zero one.
        if zero {
            let st = &mut t.stalls[me];
            if st.since.is_none() {
                st.count = st.count.saturating_add(1);
                st.since = Some(now);
            }
        } else if h.window != 0 && !rst {
            t.stalls[me].close(now);
        }
    }

    /// The data's round trip, sampled as a TCP sender does (RFC 6298 §3): one data segment
    /// of each side timed at a time, from when it was sent to the other side's first ACK that
    /// covers it; a retransmission while timing spoils the sample (Karn's algorithm). Only once
    /// the handshake is over (its segments are the iRTT's).
    fn time_data(&mut self, s: &FactSeg<'_>, me: usize, rexmit: bool, now: i64) {
        let h = s.header;
        if !s.was_complete || h.flags.syn() {
            return;
        }
        let peer = 1 - me;
        let (end, sent) = self.timing[peer];
        if let (true, Some(t)) = (h.flags.ack(), sent.get()) {
            if crate::tcp::SeqNumber(h.ack) >= crate::tcp::SeqNumber(end) {
                let r = now.saturating_sub(t);
                let best = &mut self.data_rtt_ns[peer];
                *best = At(best.get().map_or(r, |b| b.min(r)));
                self.timing[peer].1 = At::NONE;
            }
        }
        if rexmit {
            self.timing[me].1 = At::NONE;
        } else if s.seglen > 0 && self.timing[me].1 == At::NONE {
            self.timing[me] = (h.seq.wrapping_add(s.seglen), At(now));
        }
    }

    /// The SYN+ACK's time after the SYN it answered (the server's half of the handshake as
    /// seen where the capture was made), and its IP TTL: what a refused connection's RST is
    /// weighed against.
    pub(crate) fn server_answer(&self) -> Option<(i64, u8)> {
        Some((self.synack_ns.get()?.saturating_sub(self.last_syn_ns.get()?), self.server_ttl?))
    }
}

/// How the server's host usually answers, from other connections to it in the capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostAnswer {
    /// Smallest SYN to SYN+ACK time.
    pub rtt_ns: i64,
    /// IP TTL (hop limit) of its SYN+ACK.
    pub ttl: u8,
}

/// Who sent the RST that refused a connection, as far as the capture tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusedBy {
    /// No other answer from the host in the capture to compare with.
    Unknown,
    /// The host itself: its RST came as fast as its SYN+ACKs do, with their TTL.
    Host(HostAnswer),
    /// Something on the path: the RST's TTL differs from the host's.
    MiddleboxTtl {
        /// The RST's TTL.
        rst_ttl: u8,
        /// The host's.
        host_ttl: u8,
    },
    /// Something on the path: the RST came much faster than the host answers.
    MiddleboxFast(HostAnswer),
}

/// How a connection ended, or where it stands at the end of the capture.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A RST answered the SYN.
    Refused {
        /// SYN to RST.
        after_ns: i128,
        /// By the host or by something on the path.
        by: RefusedBy,
    },
    /// The client's SYNs got no answer.
    Unanswered {
        /// SYNs sent.
        syns: u32,
        /// Each SYN's time after the first (the first eight).
        at_ns: Vec<i128>,
        /// Each wait about twice the one before (RFC 6298 §5.5 backoff).
        backoff: bool,
    },
    /// The server answered with SYN+ACK and the client never acknowledged it.
    HalfOpen {
        /// SYN+ACKs sent.
        synacks: u32,
    },
    /// A RST ended the connection.
    Reset {
        /// The client sent it.
        by_client: bool,
        /// The sender's state when it did.
        state: State,
        /// The other side's state then.
        peer_state: State,
        /// Payload bytes sent by (client, server) before it.
        payload: [u64; 2],
    },
    /// The handshake completed and no data went either way.
    NoData {
        /// Closed with FINs (else still open at the end of the capture).
        closed: bool,
    },
    /// Closed with FINs.
    Closed {
        /// The client's FIN came first.
        by_client: bool,
        /// Both sides sent a FIN.
        both: bool,
        /// Payload bytes sent by (client, server).
        payload: [u64; 2],
    },
    /// Still open at the end of the capture.
    Open {
        /// Payload bytes sent by (client, server).
        payload: [u64; 2],
    },
}

/// Something worth a troubleshooter's attention, beside the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// The handshake was not captured.
    Midstream,
    /// This connection reused the ports of an earlier one.
    PortReuse {
        /// The earlier stream.
        from_stream: u32,
    },
    /// Retransmissions or gaps, by sender (0 client, 1 server).
    Loss {
        /// Retransmissions of any kind.
        rexmit: [u32; 2],
        /// Fast retransmissions among them.
        fast: [u32; 2],
        /// Spurious ones among them.
        spurious: [u32; 2],
        /// Gaps: segments the capture never saw.
        lost: [u32; 2],
        /// Duplicate ACKs sent by each side.
        dup_acks: [u32; 2],
    },
    /// A receiver's window was zero.
    ZeroWindow {
        /// The client's window (else the server's).
        client: bool,
        /// Times it went to zero.
        count: u32,
        /// Time spent at zero, and the longest stall.
        total_ns: i128,
        /// The longest stall.
        longest_ns: i128,
        /// Still zero at the end.
        still: bool,
    },
    /// The handshake took much longer than the data's round trips, or SYNs were retried.
    SlowHandshake {
        /// The server's part (SYN to SYN+ACK) and the client's (SYN+ACK to ACK).
        halves_ns: [Option<i128>; 2],
        /// The data's smallest round trips on the same halves.
        data_ns: [Option<i64>; 2],
        /// Which halves were slow against the data's.
        slow: [bool; 2],
        /// SYNs the client sent.
        syns: u32,
        /// SYN (first) to handshake ACK.
        total_ns: i128,
    },
    /// One side offered window scaling and the other did not.
    NoWindowScaling {
        /// The client is the one without it.
        client: bool,
    },
    /// One side offered SACK and the other did not.
    NoSack {
        /// The client is the one without it.
        client: bool,
    },
    /// An MSS below what the usual path (Ethernet) allows.
    LowMss {
        /// The low MSS each side (client, server) announced, if low.
        mss: [Option<u16>; 2],
        /// The usual one for the address family.
        usual: u16,
    },
    /// TCP Fast Open: data on the SYN accepted, or not; or a cookie asked for.
    FastOpen {
        /// Bytes the SYN carried (0: a cookie request).
        syn_data: u32,
        /// The server took the data (acknowledged it in the SYN+ACK).
        accepted: bool,
        /// The server's SYN+ACK carried a cookie.
        cookie_given: bool,
    },
    /// The client asked for ECN.
    Ecn {
        /// The server agreed.
        negotiated: bool,
        /// Accurate ECN (RFC 9768) rather than RFC 3168.
        accurate: bool,
    },
}

/// A connection's diagnosis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// How it ended.
    pub outcome: Outcome,
    /// What else stood out.
    pub findings: Vec<Finding>,
    /// A self-connect: one socket in both roles (its bytes are all "from the client").
    pub itself: bool,
}

/// A connection as the verdict reads it (what the tracker knows beside its [`Facts`]).
pub(crate) struct ConnView<'a> {
    pub(crate) facts: &'a Facts,
    pub(crate) client: &'a Endpoint,
    pub(crate) inferred: bool,
    /// A self-connect: one socket in both roles, every segment "from the client".
    pub(crate) itself: bool,
    pub(crate) complete: bool,
    pub(crate) refused_after_ns: Option<i128>,
    pub(crate) payload: [u64; 2],
    pub(crate) packets: [u64; 2],
    pub(crate) options: [Option<SynOptions>; 2],
    pub(crate) syn_data: u32,
    pub(crate) first_fin_by_client: Option<bool>,
    /// How the server's host answers other connections, if known.
    pub(crate) host: Option<HostAnswer>,
}

/// The MSS a host on Ethernet (MTU 1500) announces: RFC 6691 §2 (MTU minus the fixed headers).
fn usual_mss(family: u8) -> u16 {
    if family == 4 {
        1460
    } else {
        1440
    }
}

/// A refusal's RST is weighed against the host's usual answer: a different TTL, or less than
/// half of its SYN+ACK time, says something nearer sent it.
fn refused_by(rst_ttl: Option<u8>, after_ns: i128, host: Option<HostAnswer>) -> RefusedBy {
    let Some(h) = host else { return RefusedBy::Unknown };
    match rst_ttl {
        Some(t) if t != h.ttl => RefusedBy::MiddleboxTtl { rst_ttl: t, host_ttl: h.ttl },
        _ if after_ns.saturating_mul(2) < i128::from(h.rtt_ns) => RefusedBy::MiddleboxFast(h),
        _ => RefusedBy::Host(h),
    }
}

/// A handshake half is slow when it took over 3 times the data's round trip on the same half
/// and over 10 ms more.
fn slow_half(hs: Option<i128>, data: Option<i64>) -> bool {
    match (hs, data) {
        (Some(h), Some(d)) => h > 3 * i128::from(d) && h - i128::from(d) > 10_000_000,
        _ => false,
    }
}

impl Verdict {
    /// Read the verdict of a connection.
    pub(crate) fn of(c: &ConnView<'_>) -> Verdict {
        let f = c.facts;
        let fins = if c.itself { [f.fins[0] || f.fins[1]; 2] } else { f.fins };
        let outcome = if let Some(after_ns) = c.refused_after_ns {
            Outcome::Refused { after_ns, by: refused_by(f.rst.map(|r| r.ttl), after_ns, c.host) }
        } else if f.syns > 0 && c.packets[1] == 0 && !c.complete {
            let kept = (f.syns as usize).min(SYN_TIMES);
            let times = f.syn_after_us.as_deref().copied().unwrap_or_default();
            let at_ns: Vec<i128> = times[..kept].iter().map(|t| i128::from(*t) * 1000).collect();
            Outcome::Unanswered { syns: f.syns, backoff: doubling(&at_ns), at_ns }
        } else if f.synacks > 0 && !c.complete && f.rst.is_none() && f.client_after_syn == 0 {
            Outcome::HalfOpen { synacks: f.synacks }
        } else if let Some(r) = f.rst.filter(|r| !r.after_fins) {
            Outcome::Reset { by_client: r.by_client, state: r.state, peer_state: r.peer_state, payload: c.payload }
        } else if c.complete && c.payload == [0, 0] {
            Outcome::NoData { closed: fins[0] || fins[1] }
        } else if let Some(by_client) = c.first_fin_by_client {
            Outcome::Closed { by_client, both: fins[0] && fins[1], payload: c.payload }
        } else {
            Outcome::Open { payload: c.payload }
        };
        let mut findings = Vec::new();
        if c.inferred {
            findings.push(Finding::Midstream);
        }
        if let Some(from_stream) = f.reused_from {
            findings.push(Finding::PortReuse { from_stream });
        }
        let none = Trouble::default();
        let t = f.trouble.as_deref().unwrap_or(&none);
        if t.rexmit != [0, 0] || t.lost != [0, 0] {
            findings.push(Finding::Loss {
                rexmit: t.rexmit,
                fast: t.fast,
                spurious: t.spurious,
                lost: t.lost,
                dup_acks: t.dup_acks,
            });
        }
        for (i, st) in t.stalls.iter().enumerate() {
            if st.count > 0 {
                let mut st = *st;
                let still = st.since.is_some();
                st.close(f.last_ns);
                findings.push(Finding::ZeroWindow {
                    client: i == 0,
                    count: st.count,
                    total_ns: i128::from(st.total_ns),
                    longest_ns: i128::from(st.longest_ns),
                    still,
                });
            }
        }
        if let (true, true, Some(ack)) = (c.complete, f.syns > 0, f.ack3_ns.get()) {
            let half = |a: Option<i64>, b: Option<i64>| a.zip(b).map(|(a, b)| i128::from(a) - i128::from(b));
            let server_half = half(f.synack_ns.get(), f.last_syn_ns.get());
            let client_half = half(f.ack3_ns.get(), f.synack_ns.get());
            // The server's half is the client's data acknowledged by the server, and back.
            let data_ns = f.data_rtt_ns.map(At::get);
            let syn = i128::from(f.first_syn_ns);
            let ack = i128::from(ack);
            let slow = [slow_half(server_half, data_ns[0]), slow_half(client_half, data_ns[1])];
            if f.syns > 1 || slow != [false, false] {
                findings.push(Finding::SlowHandshake {
                    halves_ns: [server_half, client_half],
                    data_ns,
                    slow,
                    syns: f.syns,
                    total_ns: ack - syn,
                });
            }
        }
        if let [Some(co), Some(so)] = c.options {
            // RFC 7323 §2.2 and RFC 2018 §2: the server may offer them only if the client did.
            if co.ws.is_some() != so.ws.is_some() {
                findings.push(Finding::NoWindowScaling { client: co.ws.is_none() });
            }
            if co.sack != so.sack {
                findings.push(Finding::NoSack { client: !co.sack });
            }
        }
        let usual = usual_mss(c.client.family);
        let low = c.options.map(|o| o.and_then(|o| o.mss).filter(|m| *m < usual));
        if low != [None, None] {
            findings.push(Finding::LowMss { mss: low, usual });
        }
        if f.tfo[0].is_some() {
            findings.push(Finding::FastOpen {
                syn_data: c.syn_data,
                accepted: f.syn_data_acked == Some(true),
                cookie_given: f.tfo[1].is_some_and(|n| n > 0),
            });
        }
        if let Some(bits) = ecn_flags(f.ecn[0]) {
            // RFC 3168 §6.1.1: ECE and CWR on the SYN ask; ECE alone on the SYN+ACK agrees.
            // RFC 9768 §3.1.1: AE, CWR and ECE all set ask for AccECN; a SYN+ACK with any
            // other non-zero combination agrees to it.
            let classic = Flags::ECE | Flags::CWR;
            let accurate = bits == ECN_BITS;
            if accurate || bits == classic {
                let reply = ecn_flags(f.ecn[1]);
                // RFC 9768 §3.1.1: ECE alone is an RFC 3168 answer even to an AccECN request.
                let negotiated = reply.is_some_and(|r| r != 0 && (accurate || r == Flags::ECE));
                let accurate = accurate && reply.is_some_and(|r| r != 0 && r != Flags::ECE);
                if reply.is_some() {
                    findings.push(Finding::Ecn { negotiated, accurate });
                }
            }
        }
        Verdict { outcome, findings, itself: c.itself }
    }

    /// The stable short codes: the outcome's first, then each finding's.
    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        let middlebox = matches!(
            self.outcome,
            Outcome::Refused { by: RefusedBy::MiddleboxTtl { .. } | RefusedBy::MiddleboxFast(_), .. }
        );
        std::iter::once(self.outcome.code())
            .chain(middlebox.then_some("rst-middlebox"))
            .chain(self.findings.iter().map(Finding::code))
    }

    /// The connection failed, or something in it calls for a look (what an expert info
    /// warns about): not a plain close, an open connection, or an informational finding.
    pub fn is_problem(&self) -> bool {
        !matches!(self.outcome, Outcome::Closed { .. } | Outcome::Open { .. } | Outcome::NoData { .. })
            || self.codes().any(|c| {
                !matches!(
                    c,
                    "closed" | "open" | "no-data" | "midstream" | "port-reuse" | "tfo-accepted" | "tfo-cookie" | "ecn"
                )
            })
    }

    /// The sentence in English (what `synack.verdict` shows).
    pub fn sentence(&self) -> String {
        let mut s = match (&self.outcome, self.itself) {
            (Outcome::Closed { payload, .. }, true) => {
                format!("closed normally by the socket connected to itself ({} sent)", bytes(payload[0]))
            }
            (Outcome::Open { payload }, true) => {
                format!("still open at the end of the capture (a self-connect, {} sent)", bytes(payload[0]))
            }
            (o, _) => o.sentence(),
        };
        for f in &self.findings {
            s.push_str("; ");
            s.push_str(&f.sentence());
        }
        s
    }
}

/// Every code a verdict can carry, with what it means (for `--list-fields` and the docs).
pub const CODES: [(&str, &str); 22] = [
    ("refused", "a RST answered the SYN"),
    ("unanswered", "the SYN got no answer"),
    ("half-open", "the SYN+ACK was never acknowledged"),
    ("reset", "a RST ended the connection before any data"),
    ("aborted", "a RST ended the connection after data"),
    ("no-data", "handshake complete, no data either way"),
    ("closed", "closed with FINs"),
    ("open", "still open at the end of the capture"),
    ("rst-middlebox", "the refusing RST came from something on the path, not the host"),
    ("midstream", "picked up mid-stream: no handshake in the capture"),
    ("port-reuse", "reused the ports of an earlier connection"),
    ("loss", "retransmissions or segments not captured"),
    ("zero-window", "a receiver's window was zero (a stall)"),
    ("slow-handshake", "SYNs retried, or the handshake much slower than the data's round trip"),
    ("no-window-scaling", "one side without window scaling"),
    ("no-sack", "one side without SACK"),
    ("low-mss", "an MSS below Ethernet's (clamped by a tunnel or middlebox?)"),
    ("tfo-accepted", "TCP Fast Open: the server took the SYN's data"),
    ("tfo-refused", "TCP Fast Open: the SYN's data was not taken"),
    ("tfo-cookie", "TCP Fast Open: the client asked for a cookie"),
    ("ecn", "ECN negotiated"),
    ("ecn-refused", "the client asked for ECN, the server did not agree"),
];

impl Outcome {
    /// Its stable short code.
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Refused { .. } => "refused",
            Outcome::Unanswered { .. } => "unanswered",
            Outcome::HalfOpen { .. } => "half-open",
            Outcome::Reset { payload: [0, 0], .. } => "reset",
            Outcome::Reset { .. } => "aborted",
            Outcome::NoData { .. } => "no-data",
            Outcome::Closed { .. } => "closed",
            Outcome::Open { .. } => "open",
        }
    }

    fn sentence(&self) -> String {
        let side = |client: bool| if client { "the client" } else { "the server" };
        match self {
            Outcome::Refused { after_ns, by } => {
                let t = ms(*after_ns);
                match by {
                    RefusedBy::Unknown => format!(
                        "refused: a RST answered the SYN after {t} ms (nothing listens on the port, or a firewall \
                         rejects; no other answer from the host in the capture to tell which)"
                    ),
                    RefusedBy::Host(h) => format!(
                        "refused by the host: a RST answered the SYN after {t} ms, as its SYN+ACKs come ({} ms, TTL \
                         {}): nothing listens on the port",
                        ms(i128::from(h.rtt_ns)),
                        h.ttl
                    ),
                    RefusedBy::MiddleboxTtl { rst_ttl, host_ttl } => format!(
                        "refused by something on the path: a RST answered the SYN after {t} ms with TTL {rst_ttl}, \
                         where the host's packets have {host_ttl} (a firewall's reset)"
                    ),
                    RefusedBy::MiddleboxFast(h) => format!(
                        "refused by something on the path: a RST answered the SYN after {t} ms, faster than the \
                         host answers ({} ms) (a firewall's reset)",
                        ms(i128::from(h.rtt_ns))
                    ),
                }
            }
            Outcome::Unanswered { syns, at_ns, backoff } => {
                if *syns == 1 {
                    return "unanswered: one SYN and no reply (filtered, or the host is down)".into();
                }
                let at: Vec<String> = at_ns.iter().map(|t| seconds(*t)).collect();
                let more = if (*syns as usize) > at_ns.len() { ", ..." } else { "" };
                let backoff = if *backoff { ", each wait twice the last (RFC 6298 backoff)" } else { "" };
                format!(
                    "unanswered: the SYN was sent {syns} times, at {} s{more}{backoff}, and nothing came back \
                     (filtered by a firewall that drops, or the host is down)",
                    at.join(", ")
                )
            }
            Outcome::HalfOpen { synacks } => format!(
                "half-open: the server's SYN+ACK (sent {}) was never acknowledged (the client gave up, its ACK \
                 was lost, or a SYN flood)",
                times(*synacks)
            ),
            Outcome::Reset { by_client, state, peer_state, payload } => {
                let what = if *payload == [0, 0] { "reset" } else { "aborted after data" };
                let sent = if *state == State::Closed {
                    "answered with a RST from CLOSED (it had no connection any more)".to_string()
                } else {
                    format!("sent a RST in {}", state.name())
                };
                format!(
                    "{what}: {} {sent}, {} being in {}{}",
                    side(*by_client),
                    side(!*by_client),
                    peer_state.name(),
                    data_both(*payload)
                )
            }
            Outcome::NoData { closed: true } => "handshake complete, then closed without any data".into(),
            Outcome::NoData { closed: false } => "handshake complete, no data by the end of the capture".into(),
            Outcome::Closed { by_client, both, payload } => {
                let how = if *both { "closed normally" } else { "half-closed" };
                format!("{how}, {} first{}", side(*by_client), data_both(*payload))
            }
            Outcome::Open { payload } => format!("still open at the end of the capture{}", data_both(*payload)),
        }
    }
}

impl Finding {
    /// Its stable short code.
    pub fn code(&self) -> &'static str {
        match self {
            Finding::Midstream => "midstream",
            Finding::PortReuse { .. } => "port-reuse",
            Finding::Loss { .. } => "loss",
            Finding::ZeroWindow { .. } => "zero-window",
            Finding::SlowHandshake { .. } => "slow-handshake",
            Finding::NoWindowScaling { .. } => "no-window-scaling",
            Finding::NoSack { .. } => "no-sack",
            Finding::LowMss { .. } => "low-mss",
            Finding::FastOpen { syn_data: 0, .. } => "tfo-cookie",
            Finding::FastOpen { accepted: true, .. } => "tfo-accepted",
            Finding::FastOpen { .. } => "tfo-refused",
            Finding::Ecn { negotiated: true, .. } => "ecn",
            Finding::Ecn { .. } => "ecn-refused",
        }
    }

    fn sentence(&self) -> String {
        let side = |client: bool| if client { "the client" } else { "the server" };
        match self {
            Finding::Midstream => "picked up mid-stream (no handshake in the capture)".into(),
            Finding::PortReuse { from_stream } => format!("reused the ports of stream {from_stream}"),
            Finding::Loss { rexmit, fast, spurious, lost, .. } => {
                let mut parts = Vec::new();
                for (i, who) in ["client", "server"].iter().enumerate() {
                    let to = if i == 0 { "server" } else { "client" };
                    if rexmit[i] > 0 {
                        let mut kinds = Vec::new();
                        if fast[i] > 0 {
                            kinds.push(format!("{} fast", fast[i]));
                        }
                        if spurious[i] > 0 {
                            kinds.push(format!("{} spurious", spurious[i]));
                        }
                        let kinds = if kinds.is_empty() { String::new() } else { format!(" ({})", kinds.join(", ")) };
                        let why = if spurious[i] == rexmit[i] {
                            "the data had arrived: a timer too short or ACKs delayed".to_string()
                        } else {
                            format!("lost on the way to the {to}")
                        };
                        parts.push(format!(
                            "the {who} retransmitted {}{kinds}: {why}",
                            count(rexmit[i], "segment", "segments")
                        ));
                    }
                    if lost[i] > 0 {
                        parts.push(format!("{} in the {who}'s data never captured", count(lost[i], "gap", "gaps")));
                    }
                }
                format!("loss: {}", parts.join(", "))
            }
            Finding::ZeroWindow { client, count: n, total_ns, longest_ns, still } => {
                let still = if *still { ", still zero at the end" } else { "" };
                format!(
                    "receiver stall: {}'s window was zero {} for {} s in all (longest {} s){still}: its \
                     application read too slowly",
                    side(*client),
                    times(*n),
                    seconds(*total_ns),
                    seconds(*longest_ns)
                )
            }
            Finding::SlowHandshake { halves_ns, data_ns, slow, syns, total_ns } => {
                let mut why = Vec::new();
                if *syns > 1 {
                    why.push(format!("the SYN was sent {syns} times"));
                }
                for (i, who) in ["server", "client"].iter().enumerate() {
                    if slow[i] {
                        let step = if i == 0 { "answer the SYN" } else { "acknowledge the SYN+ACK" };
                        why.push(format!(
                            "the {who} took {} ms to {step}, where it acknowledges data in {} ms",
                            halves_ns[i].map(ms).unwrap_or_default(),
                            data_ns[i].map(|d| ms(i128::from(d))).unwrap_or_default()
                        ));
                    }
                }
                format!("slow handshake: {} ms ({})", ms(*total_ns), why.join(", "))
            }
            Finding::NoWindowScaling { client } => format!(
                "{} did not use window scaling while the other side offered it: windows stay under 64 KiB \
                 (stripped by a middlebox?)",
                side(*client)
            ),
            Finding::NoSack { client } => format!(
                "{} did not use SACK while the other side offered it: each loss costs a round trip \
                 (stripped by a middlebox?)",
                side(*client)
            ),
            Finding::LowMss { mss, usual } => {
                let who: Vec<String> = mss
                    .iter()
                    .zip(["client", "server"])
                    .filter_map(|(m, w)| m.map(|m| format!("the {w}'s {m}")))
                    .collect();
                format!(
                    "MSS below {usual}, usual over Ethernet ({}): a tunnel, PPPoE, or a middlebox clamping it",
                    who.join(", ")
                )
            }
            Finding::FastOpen { syn_data: 0, cookie_given, .. } => format!(
                "TCP Fast Open: the client asked for a cookie{}",
                if *cookie_given { " and the server gave one" } else { "; the server gave none" }
            ),
            Finding::FastOpen { syn_data, accepted: true, .. } => {
                format!("TCP Fast Open accepted: the server took the {syn_data} bytes sent with the SYN")
            }
            Finding::FastOpen { syn_data, .. } => format!(
                "TCP Fast Open refused: the SYN+ACK acknowledged only the SYN, not its {syn_data} bytes of data \
                 (sent again after the handshake)"
            ),
            Finding::Ecn { negotiated: true, accurate } => {
                if *accurate {
                    "Accurate ECN negotiated".into()
                } else {
                    "ECN negotiated".into()
                }
            }
            Finding::Ecn { .. } => "the client asked for ECN and the server did not agree".into(),
        }
    }
}

/// Each gap between SYNs about twice the one before (within a quarter).
fn doubling(at_ns: &[i128]) -> bool {
    let gaps: Vec<i128> = at_ns.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.len() >= 2 && gaps.windows(2).all(|g| g[0] > 0 && (g[1] * 4 - g[0] * 8).abs() <= g[0] * 2)
}

fn data_both(payload: [u64; 2]) -> String {
    if payload == [0, 0] {
        return String::new();
    }
    format!(" ({} from the client, {} from the server)", bytes(payload[0]), bytes(payload[1]))
}

fn bytes(n: u64) -> String {
    count64(n, "byte", "bytes")
}

fn count(n: u32, one: &str, many: &str) -> String {
    count64(u64::from(n), one, many)
}

fn count64(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn times(n: u32) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}

/// Milliseconds with 3 decimals.
pub fn ms(ns: i128) -> String {
    format!("{:.3}", ns as f64 / 1e6)
}

/// Seconds with 3 decimals.
pub fn seconds(ns: i128) -> String {
    format!("{:.3}", ns as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_stay_small_for_a_syn_flood() {
        // Every tracked connection carries them (tests/limits.rs bounds a million SYNs).
        assert!(std::mem::size_of::<Facts>() <= 144, "{}", std::mem::size_of::<Facts>());
    }

    #[test]
    fn backoff_is_each_wait_twice_the_last() {
        let s = 1_000_000_000;
        assert!(doubling(&[0, s, 3 * s, 7 * s]));
        assert!(!doubling(&[0, s, 2 * s, 3 * s]));
        assert!(!doubling(&[0, s]));
    }

    #[test]
    fn a_refusal_is_weighed_against_the_hosts_answers() {
        let host = HostAnswer { rtt_ns: 40_000_000, ttl: 64 };
        assert_eq!(refused_by(Some(64), 100_000, None), RefusedBy::Unknown);
        assert_eq!(refused_by(Some(64), 41_000_000, Some(host)), RefusedBy::Host(host));
        assert_eq!(refused_by(Some(64), 100_000, Some(host)), RefusedBy::MiddleboxFast(host));
        assert_eq!(
            refused_by(Some(255), 41_000_000, Some(host)),
            RefusedBy::MiddleboxTtl { rst_ttl: 255, host_ttl: 64 }
        );
    }

    #[test]
    fn a_slow_half_is_three_times_the_data_and_ten_ms_more() {
        assert!(slow_half(Some(300_000_000), Some(20_000_000)));
        assert!(!slow_half(Some(50_000_000), Some(20_000_000)));
        // Three times, but only 8 ms more: noise at these scales.
        assert!(!slow_half(Some(12_000_000), Some(4_000_000)));
        assert!(!slow_half(Some(300_000_000), None));
    }
}

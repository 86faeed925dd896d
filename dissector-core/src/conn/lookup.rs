//! DNS transactions and the address book that links a connection to the lookup behind it.
//!
//! RFC 1035 §7.3: a resolver matches a response to its request by the ID (and the transport
//! conversation it came on). Matching follows tshark 4.0's first pass, so `dns.time`,
//! `dns.response_to` and `dns.response_in` carry tshark's values: per conversation the newest
//! request of each ID is kept; a repeated request within 5 s of an unanswered one is a
//! retransmission; a second response to an answered request is a retransmission, unless the
//! question is a zone transfer (AXFR/IXFR, which answers in several messages).

use std::collections::VecDeque;

use std::sync::Arc;

use super::key::{ConnKey, Endpoint};
use crate::dns::{rtype, Message, RecordData, Section};
use crate::hash::Map;

/// Longest CNAME chain followed from a question name to its addresses (resolvers stop far
/// earlier; RFC 1034 §3.6.2 only asks that chains end).
const MAX_CNAME_HOPS: usize = 16;
/// tshark's `dns.retransmission_timer` default: requests closer than this are retransmissions.
const RETRANSMISSION_NS: i128 = 5_000_000_000;
/// Question types answered in several messages (RFC 5936 AXFR, RFC 1995 IXFR).
const IXFR: u16 = 251;
const AXFR: u16 = 252;

/// The transport conversation a DNS message travels on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DnsConv {
    /// UDP: the two endpoints, either direction.
    Udp(ConnKey),
    /// TCP: the stream index.
    Tcp(u32),
}

#[derive(Debug, Clone, Copy)]
struct Tx {
    req_frame: u32,
    req_msg: u16,
    rep_frame: Option<u32>,
    req_ns: i128,
    multiple: bool,
}

/// How a DNS message pairs with others of its transaction (RFC 1035 §7.3: a response matches
/// the request with the same ID on the same transport conversation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transaction {
    /// On a response: the frame of its request (`dns.response_to`).
    pub response_to: Option<u32>,
    /// On a response: the time since the request, nanoseconds (`dns.time`).
    pub time_ns: Option<i128>,
    /// On a request: the frame of its response, known only from an earlier pass over the
    /// capture (`dns.response_in`, as in tshark -2).
    pub response_in: Option<u32>,
    /// On a response: the TCP streams whose first SYN went to an address it answered,
    /// known only from an earlier pass (`synack.dns.used_by`).
    pub used_by: Vec<u32>,
}

/// A DNS response that named an address, as a connection to that address refers to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsLink {
    /// The response's question name: what the client asked for.
    pub name: Arc<str>,
    /// The response's frame.
    pub frame: u32,
    /// Which DNS message of that frame (several can share a TCP segment).
    pub msg: u16,
}

/// Facts about a frame learnt only from later frames. A second pass over the capture,
/// seeded with the first pass's facts, shows them (as `tshark -2` does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LateFacts {
    /// (Request frame, message index) -> its response frame.
    pub response_in: Map<(u32, u16), u32>,
    /// (Response frame, message index) -> streams that connected to an address it answered.
    pub used_by: Map<(u32, u16), Vec<u32>>,
    /// Frame -> its TCP segment's row in the informed view, where it differs from the row as
    /// known at that frame.
    pub rows: Map<u32, super::track::Row>,
    /// A connection's last frame -> its verdict.
    pub verdicts: Map<u32, std::sync::Arc<super::verdict::Verdict>>,
}

impl LateFacts {
    /// Record that `stream` connected to an address `link` answered.
    pub(crate) fn add_use(&mut self, link: &DnsLink, stream: u32) {
        let v = self.used_by.entry((link.frame, link.msg)).or_default();
        if !v.contains(&stream) {
            v.push(stream);
        }
    }
}

/// Per-capture DNS state, bounded: the oldest transactions and answers are forgotten first.
/// It also carries what a first pass learnt about later frames (for a second pass) and
/// collects it, when asked.
#[derive(Debug, Default)]
pub(crate) struct Lookups {
    /// The newest transaction of each (conversation, ID).
    txs: Map<(DnsConv, u16), Tx>,
    tx_order: Fifo<(DnsConv, u16)>,
    /// The newest response that answered each address.
    addrs: Map<(u8, [u8; 16]), DnsLink>,
    addr_order: Fifo<(u8, [u8; 16])>,
    max_txs: usize,
    max_addrs: usize,
    evicted: (u64, u64),
    /// Facts from an earlier pass, shown on the frames they concern.
    late_in: Option<LateFacts>,
    /// Facts this pass learns about earlier frames, when collected (they grow with the
    /// number of DNS transactions).
    late_out: Option<LateFacts>,
}

/// The keys of a bounded table in the order they were written, each with the frame that wrote
/// it, for first-in first-out eviction. A key written again is queued again; its older slot no
/// longer matches the entry's frame and is passed over when it comes up.
#[derive(Debug)]
struct Fifo<K> {
    slots: VecDeque<(K, u32)>,
}

impl<K> Default for Fifo<K> {
    fn default() -> Self {
        Fifo { slots: VecDeque::new() }
    }
}

impl<K: Copy + Eq + std::hash::Hash> Fifo<K> {
    /// Queue `key`, just written by `frame`. Passed-over slots are dropped once the queue is
    /// twice the cap, so it stays bounded whatever the pattern of rewrites.
    fn push<V>(&mut self, key: K, frame: u32, map: &Map<K, V>, cap: usize, frame_of: impl Fn(&V) -> u32) {
        self.slots.push_back((key, frame));
        if self.slots.len() > 2 * cap + 64 {
            self.slots.retain(|(k, f)| map.get(k).is_some_and(|v| frame_of(v) == *f));
        }
    }

    /// Forget the oldest entries of `map` until it holds at most `len`, handing each to `lost`.
    /// An entry rewritten since its slot was queued, or one `keep` names, goes back.
    fn evict<V>(
        &mut self,
        map: &mut Map<K, V>,
        len: usize,
        frame_of: impl Fn(&V) -> u32,
        keep: impl Fn(&K) -> bool,
        mut lost: impl FnMut(V),
    ) {
        while map.len() > len {
            let Some((old, f)) = self.slots.pop_front() else { break };
            match map.remove(&old) {
                Some(v) if frame_of(&v) != f || keep(&old) => {
                    map.insert(old, v);
                }
                Some(v) => lost(v),
                None => {}
            }
        }
    }
}

impl Lookups {
    /// Empty, remembering at most `max_txs` transactions and `max_addrs` answered addresses.
    pub(crate) fn with_limits(max_txs: usize, max_addrs: usize) -> Lookups {
        Lookups { max_txs, max_addrs, ..Lookups::default() }
    }

    /// Show `late`, facts an earlier pass learnt, on the frames they concern; `collect`: learn
    /// such facts in this pass ([`Lookups::late_facts`]).
    pub(crate) fn set_late(&mut self, late: Option<LateFacts>, collect: bool) {
        self.late_in = late;
        self.late_out = collect.then(LateFacts::default);
    }

    /// The facts this pass learnt about earlier frames (`None` unless collected).
    pub(crate) fn late_facts(&self) -> Option<&LateFacts> {
        self.late_out.as_ref()
    }

    /// (transactions, addresses) forgotten so far.
    pub(crate) fn evictions(&self) -> (u64, u64) {
        self.evicted
    }

    /// Annotate one DNS message (message `msg` of frame `frame`) of conversation `conv`.
    pub(crate) fn annotate(&mut self, conv: DnsConv, frame: u32, msg: u16, ts_ns: i128, m: &Message) -> Transaction {
        let mut t = self.on_message(conv, frame, msg, ts_ns, m);
        if let Some(late) = &self.late_in {
            if !m.header.is_response() {
                t.response_in = late.response_in.get(&(frame, msg)).copied().filter(|_| t.response_to.is_none());
            }
            if let Some(u) = late.used_by.get(&(frame, msg)) {
                t.used_by = u.clone();
            }
        }
        t
    }

    /// The DNS answer that gave `addr`, which stream `stream` connects to (remembered as a
    /// late fact when they are collected).
    pub(crate) fn link_for_connection(&mut self, addr: &Endpoint, stream: u32) -> Option<DnsLink> {
        let l = self.addrs.get(&(addr.family, addr.addr))?;
        if let Some(late) = &mut self.late_out {
            late.add_use(l, stream);
        }
        Some(l.clone())
    }

    /// Match one message against its conversation's transactions and, for a response,
    /// remember the addresses it answered.
    fn on_message(&mut self, conv: DnsConv, frame: u32, msg: u16, ts_ns: i128, m: &Message) -> Transaction {
        let id = m.header.id;
        if m.header.is_response() {
            self.remember_addresses(frame, msg, m);
        }
        let key = (conv, id);
        let multiple = m.questions.iter().any(|q| q.qtype == AXFR || q.qtype == IXFR);
        let mut out = Transaction::default();
        if !m.header.is_response() {
            let fresh = match self.txs.get_mut(&key) {
                Some(t) if t.rep_frame.is_none() && ts_ns - t.req_ns < RETRANSMISSION_NS => {
                    // A retransmitted request: the transaction stays.
                    if !m.questions.is_empty() {
                        t.multiple = multiple;
                    }
                    return out;
                }
                Some(t) => {
                    // The newest request of the ID replaces the old transaction in place.
                    *t = Tx { req_frame: frame, req_msg: msg, rep_frame: None, req_ns: ts_ns, multiple };
                    false
                }
                None => true,
            };
            let cap = self.max_txs.max(1);
            if fresh {
                // Room is made before inserting. Only an unanswered request loses something
                // (its response's timing).
                let evicted = &mut self.evicted.0;
                self.tx_order.evict(
                    &mut self.txs,
                    cap - 1,
                    |t| t.req_frame,
                    |_| false,
                    |t| *evicted += u64::from(t.rep_frame.is_none()),
                );
                self.txs.insert(key, Tx { req_frame: frame, req_msg: msg, rep_frame: None, req_ns: ts_ns, multiple });
            }
            self.tx_order.push(key, frame, &self.txs, cap, |t| t.req_frame);
        } else {
            let Some(t) = self.txs.get_mut(&key) else { return out };
            match t.rep_frame {
                None => {
                    t.rep_frame = Some(frame);
                    if let Some(late) = &mut self.late_out {
                        late.response_in.insert((t.req_frame, t.req_msg), frame);
                    }
                    out.response_to = Some(t.req_frame);
                    out.time_ns = Some(ts_ns - t.req_ns);
                }
                // A zone transfer answers in several messages; each is a response.
                Some(_) if t.multiple => {
                    out.response_to = Some(t.req_frame);
                    out.time_ns = Some(ts_ns - t.req_ns);
                }
                Some(_) => {}
            }
            if !m.questions.is_empty() {
                t.multiple = multiple;
            }
            // Answered, and no further response expected: done. A repeated response finds no
            // transaction, as it found an answered one before; a new request with the same ID
            // starts afresh either way. Only outstanding requests and zone transfers stay, so
            // the table stays small (it used to sit at its cap, and every request evicted one).
            if !t.multiple {
                self.txs.remove(&key);
            }
        }
        out
    }

    /// RFC 1034 §3.6.2: the answer to a name with a CNAME is the CNAME record followed by the
    /// records of its target; follow the chain from the question name to the A/AAAA records.
    fn remember_addresses(&mut self, frame: u32, msg: u16, m: &Message) {
        let Some(q) = m.questions.first() else { return };
        let answers = || m.section(Section::Answer);
        // The address an A or AAAA answer gives.
        let address = |r: &crate::dns::Record| match (&r.data, r.rtype) {
            (Ok(RecordData::A(a)), rtype::A) => Some(Endpoint::new(a, 0)),
            (Ok(RecordData::Aaaa(a)), rtype::AAAA) => Some(Endpoint::new(a, 0)),
            _ => None,
        };
        if !answers().any(|r| address(r).is_some()) {
            return;
        }
        // Follow the chain one CNAME at a time from the question name, at most MAX_CNAME_HOPS
        // links: the work stays linear in the records however the answer is built.
        let mut names: [&str; MAX_CNAME_HOPS + 1] = [""; MAX_CNAME_HOPS + 1];
        names[0] = q.name.text.as_str();
        let mut count = 1;
        while count <= MAX_CNAME_HOPS {
            let last = names[count - 1];
            let next = answers().find_map(|r| match &r.data {
                Ok(RecordData::Cname(t)) if r.name.text.eq_ignore_ascii_case(last) => Some(t.text.as_str()),
                _ => None,
            });
            match next {
                Some(t) if !names[..count].iter().any(|n| n.eq_ignore_ascii_case(t)) => {
                    names[count] = t;
                    count += 1;
                }
                _ => break,
            }
        }
        let names = &names[..count];
        let mut link: Option<DnsLink> = None;
        for (r, addr) in answers().filter_map(|r| address(r).map(|a| (r, a))) {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(&r.name.text)) {
                continue;
            }
            let l = link.get_or_insert_with(|| DnsLink { name: Arc::from(q.name.text.as_str()), frame, msg }).clone();
            let key = (addr.family, addr.addr);
            let cap = self.max_addrs.max(1);
            if self.addrs.insert(key, l).is_none() {
                // A new address: room is made after inserting (one probe fewer per answer),
                // so the one just added is kept.
                let evicted = &mut self.evicted.1;
                self.addr_order.evict(&mut self.addrs, cap, |l| l.frame, |k| *k == key, |_| *evicted += 1);
            }
            self.addr_order.push(key, frame, &self.addrs, cap, |l| l.frame);
        }
    }

    /// The most recent response that answered `addr`.
    #[cfg(test)]
    fn link_for(&self, addr: &Endpoint) -> Option<&DnsLink> {
        self.addrs.get(&(addr.family, addr.addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response to `A n0.x` whose answers are the CNAME chain n0 → n1 → ... → n(len) listed in
    /// reverse order, then `A 10.0.0.9` for the last name.
    fn chain_response(len: usize) -> Vec<u8> {
        let name = |i: usize| {
            let label = format!("n{i}");
            let mut v = vec![label.len() as u8];
            v.extend_from_slice(label.as_bytes());
            v.extend_from_slice(b"\x01x\x00");
            v
        };
        let mut m = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0];
        m.extend(name(0));
        m.extend_from_slice(&[0, 1, 0, 1]);
        for i in (0..len).rev() {
            m.extend(name(i));
            let target = name(i + 1);
            m.extend_from_slice(&[0, 5, 0, 1, 0, 0, 0, 60, 0, target.len() as u8]);
            m.extend(target);
        }
        m.extend(name(len));
        m.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 9]);
        let count = (len + 1) as u16;
        m[6..8].copy_from_slice(&count.to_be_bytes());
        m
    }

    fn link_after(len: usize) -> Option<DnsLink> {
        let bytes = chain_response(len);
        let m = crate::dns::parse_message(&bytes, false).expect("a message");
        assert_eq!(m.records.len(), len + 1);
        let mut l = Lookups::with_limits(16, 16);
        l.on_message(DnsConv::Tcp(0), 2, 0, 0, &m);
        l.link_for(&Endpoint::new(&[10, 0, 0, 9], 0)).cloned()
    }

    #[test]
    fn cname_chains_are_followed_in_any_order() {
        let l = link_after(5).expect("a link through five CNAMEs listed backwards");
        assert_eq!((&*l.name, l.frame), ("n0.x", 2));
    }

    #[test]
    fn a_long_cname_chain_is_cut_at_the_hop_limit_in_linear_work() {
        // 2,000 CNAMEs (a 64 KiB hostile answer): following them all, listed backwards, used to
        // cost a pass per link; now the chain is cut after MAX_CNAME_HOPS.
        assert_eq!(link_after(MAX_CNAME_HOPS), Some(DnsLink { name: Arc::from("n0.x"), frame: 2, msg: 0 }));
        assert_eq!(link_after(MAX_CNAME_HOPS + 1), None);
        assert_eq!(link_after(2_000), None);
    }

    /// A message with ID `id` and one question `a.x` of type `qtype`: a query, or a response
    /// without answers.
    fn message(id: u16, response: bool, qtype: u16) -> Message {
        let mut m = id.to_be_bytes().to_vec();
        m.extend_from_slice(if response { &[0x81, 0x80] } else { &[0x01, 0x00] });
        m.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 1, b'x', 0]);
        m.extend_from_slice(&qtype.to_be_bytes());
        m.extend_from_slice(&[0, 1]);
        crate::dns::parse_message(&m, false).expect("a message")
    }

    /// A response with ID `id` to `A a.x`, answering `addr`.
    fn answer(id: u16, addr: [u8; 4]) -> Message {
        let mut m = id.to_be_bytes().to_vec();
        m.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, b'a', 1, b'x', 0, 0, 1, 0, 1]);
        // The answer's name points at the question's (offset 12); type A, class IN, TTL 60.
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        m.extend_from_slice(&addr);
        crate::dns::parse_message(&m, false).expect("a message")
    }

    #[test]
    fn at_the_transaction_cap_the_oldest_request_goes_first() {
        let mut l = Lookups::with_limits(2, 16);
        let conv = DnsConv::Tcp(0);
        let s = 1_000_000_000;
        l.on_message(conv, 1, 0, 0, &message(1, false, rtype::A));
        l.on_message(conv, 2, 0, s, &message(2, false, rtype::A));
        // ID 1 asked again later (not a retransmission): its transaction is renewed and queued
        // again, so its first queue slot no longer stands for it.
        l.on_message(conv, 3, 0, 10 * s, &message(1, false, rtype::A));
        assert_eq!(l.evictions(), (0, 0));
        // A third ID: the oldest transaction (ID 2, unanswered) is forgotten, not ID 1.
        l.on_message(conv, 4, 0, 11 * s, &message(3, false, rtype::A));
        assert_eq!(l.evictions(), (1, 0));
        assert_eq!(l.txs.len(), 2);
        assert_eq!(l.on_message(conv, 5, 0, 12 * s, &message(2, true, rtype::A)).response_to, None);
        assert_eq!(l.on_message(conv, 6, 0, 12 * s, &message(1, true, rtype::A)).response_to, Some(3));
        assert_eq!(l.on_message(conv, 7, 0, 12 * s, &message(3, true, rtype::A)).response_to, Some(4));

        // An answered zone transfer stays in the table; forgetting it loses nothing to count.
        let mut l = Lookups::with_limits(1, 16);
        l.on_message(conv, 1, 0, 0, &message(9, false, AXFR));
        l.on_message(conv, 2, 0, 1, &message(9, true, AXFR));
        l.on_message(conv, 3, 0, 2, &message(10, false, rtype::A));
        assert_eq!(l.evictions(), (0, 0));
        l.on_message(conv, 4, 0, 3, &message(11, false, rtype::A));
        assert_eq!(l.evictions(), (1, 0));
    }

    #[test]
    fn at_the_address_cap_the_oldest_answer_goes_first() {
        let mut l = Lookups::with_limits(16, 2);
        let conv = DnsConv::Tcp(0);
        let (a1, a2, a3) = ([10, 0, 0, 1], [10, 0, 0, 2], [10, 0, 0, 3]);
        let frame_of = |l: &Lookups, a: [u8; 4]| l.link_for(&Endpoint::new(&a, 0)).map(|d| d.frame);
        l.on_message(conv, 1, 0, 0, &answer(1, a1));
        l.on_message(conv, 2, 0, 0, &answer(2, a2));
        // a1 answered again: the newer answer replaces the link and is queued again.
        l.on_message(conv, 3, 0, 0, &answer(3, a1));
        assert_eq!(l.evictions(), (0, 0));
        // A third address: the oldest link (a2) goes; a1's first slot is passed over.
        l.on_message(conv, 4, 0, 0, &answer(4, a3));
        assert_eq!(l.evictions(), (0, 1));
        assert_eq!((frame_of(&l, a1), frame_of(&l, a2), frame_of(&l, a3)), (Some(3), None, Some(4)));
    }

    #[test]
    fn an_answered_transaction_is_done_unless_it_is_a_zone_transfer() {
        let mut l = Lookups::with_limits(16, 16);
        let conv = DnsConv::Tcp(0);
        let s = 1_000_000_000;
        assert_eq!(l.on_message(conv, 1, 0, 0, &message(7, false, rtype::A)).response_to, None);
        let r = l.on_message(conv, 2, 0, 5_000, &message(7, true, rtype::A));
        assert_eq!((r.response_to, r.time_ns), (Some(1), Some(5_000)));
        assert!(l.txs.is_empty(), "an answered request leaves the table");
        // A repeated response answers nothing, as before the table let answered requests go.
        assert_eq!(l.on_message(conv, 3, 0, 6_000, &message(7, true, rtype::A)).response_to, None);
        // A new request with the ID is a new transaction.
        l.on_message(conv, 4, 0, 10 * s, &message(7, false, rtype::A));
        assert_eq!(l.on_message(conv, 5, 0, 10 * s + 1, &message(7, true, rtype::A)).response_to, Some(4));
        // RFC 5936 §2.2: a zone transfer is answered in several messages, each a response to it.
        l.on_message(conv, 6, 0, 20 * s, &message(8, false, AXFR));
        for f in [7, 8, 9] {
            assert_eq!(l.on_message(conv, f, 0, 20 * s + 1, &message(8, true, AXFR)).response_to, Some(6));
        }
        assert_eq!(l.txs.len(), 1);
    }
}

//! The per-capture store behind the plugin: the core dissector, fed each frame once on the
//! first pass, and what each frame showed then, kept by frame number. Wireshark re-dissects
//! frames many times and in any order (the GUI, `tshark -2`); what they show must not move
//! when it does, so it is read back from here: a 32-byte row per TCP frame, records per
//! connection (iRTT, verdict) or per event (negotiated options, DNS link, DNS summaries), and
//! the TCP options read again from the bytes Wireshark hands over each time.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use dissector_core::conn::{DnsLink, Negotiated, TcpTrack, Verdict};
use dissector_core::tcp::parse_options;
use dissector_core::{push_answered, Dissector, FrameMeta, Options, Packet, Prepared};

use crate::anno::{self, FrameAnno, RawOptions};
use crate::packed::Packed;

/// Rows per chunk: the rows are kept in chunks of this many rather than one array, which would
/// hold up to twice what it needs each time it grows.
const CHUNK: usize = 4096;

/// Per-capture state: the core dissector and what each frame showed.
pub struct Store {
    dissector: Dissector,
    scratch: Vec<u8>,
    /// Each TCP frame's row, by frame number, 32 bytes each. Other frames keep nothing here.
    rows: Vec<Vec<Packed>>,
    /// The highest frame the first pass has seen: the first pass goes in frame order.
    last_seen: u32,
    /// Each connection's iRTT, shown on its frames once the handshake completed.
    irtt: HashMap<u32, i128>,
    /// Options negotiated, on the handshake's ACK (one frame a connection).
    negotiated: HashMap<u32, Negotiated>,
    /// The DNS answer behind a connection, on its SYN.
    dns_links: HashMap<u32, DnsLink>,
    /// `synack.dns.summary` of each DNS message taking part in a transaction, by frame, for
    /// the frames where reading the bytes again would not give them (DNS over TCP, in a
    /// tunnel; an empty list: none, though the bytes hold a DNS message).
    dns: HashMap<u32, Box<[Box<str>]>>,
    /// A plain datagram's response paired with its request: the request's frame and the time
    /// since, all its summary adds to what reading the bytes again gives.
    dns_answered: HashMap<u32, (u32, i64)>,
    /// Connections evicted at the connection cap while dissecting a frame, by frame.
    evicted: HashMap<u32, u32>,
    /// TCP options that cannot be read again from the frame's bytes alone (a reassembled IP
    /// datagram), or of a segment without a row.
    options: HashMap<u32, RawOptions>,
    /// The verdict shown on a frame, by frame.
    verdicts: HashMap<u32, Arc<Verdict>>,
    /// Streams picked up mid-stream whose first segment has been seen.
    inferred: HashSet<u32>,
    /// Rows were finalized since the last frame of the first pass.
    finalized: bool,
    /// The frame each connection's verdict is shown on, by stream.
    verdict_at: HashMap<u32, u32>,
    /// The first frame of each encapsulation synack does not decode, and which (a few at most).
    undecoded_at: Vec<(u32, &'static str)>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An empty store for a new capture.
    pub fn new() -> Store {
        // The GUI and tshark -2 re-dissect: later frames' facts about earlier ones are shown then,
        // and the states of earlier frames as later evidence revised them (the informed view).
        // Wireshark shows its own sequence analysis: the plugin needs none of it shown (the
        // verdicts read the flags, worked out either way).
        let dissector = Dissector::with_options(Options {
            collect_late: true,
            revisions: true,
            analysis: false,
            ..Options::default()
        });
        Store {
            dissector,
            scratch: Vec::new(),
            rows: Vec::new(),
            last_seen: 0,
            irtt: HashMap::new(),
            negotiated: HashMap::new(),
            dns_links: HashMap::new(),
            dns: HashMap::new(),
            dns_answered: HashMap::new(),
            evicted: HashMap::new(),
            options: HashMap::new(),
            verdicts: HashMap::new(),
            inferred: HashSet::new(),
            finalized: false,
            verdict_at: HashMap::new(),
            undecoded_at: Vec::new(),
        }
    }

    /// Dissect frame `meta.number` (its `data`) on the first pass, unless already done, and
    /// keep what it shows.
    pub fn first_pass(&mut self, meta: FrameMeta, data: &[u8]) {
        if meta.number <= self.last_seen {
            return;
        }
        self.last_seen = meta.number;
        self.finalized = false;
        let Store { dissector, scratch, inferred, undecoded_at, .. } = self;
        let kinds = dissector.undecoded().len();
        // The DNS message of a plain UDP datagram, parsed ahead (the core uses it as is): what
        // reading the frame's bytes again shows, so that only other frames keep their summaries.
        let prepared = dissector_core::prepare(meta.linktype, data);
        let reread: Vec<String> = dns_in_datagram(&prepared).into_iter().collect();
        let ahead = !prepared.is_empty();
        let pkt = dissector.dissect_prepared(meta, data, scratch, prepared);
        let first_inferred = pkt.track.as_ref().is_some_and(|t| t.inferred && inferred.insert(t.stream));
        let answered = {
            let mut paired = anno::in_transactions(&pkt);
            match (paired.next(), paired.next()) {
                (Some(m), None) => m.answered(),
                _ => None,
            }
        };
        let a = anno::annotate(&pkt, first_inferred);
        let at = a.as_ref().and_then(|a| options_in_frame(&pkt, data, a.options.as_ref()?));
        // The layers' room serves the next frame, unless it holds a message parsed ahead.
        if !ahead {
            dissector.recycle(pkt);
        }
        // A kind of encapsulation met for the first time: named on this frame.
        undecoded_at.extend(dissector.undecoded()[kinds..].iter().map(|&(what, _)| (meta.number, what)));
        let shown_dns = a.as_ref().map_or(&[][..], |a| &a.dns[..]);
        if shown_dns != reread {
            match answered_only(&reread, shown_dns, answered) {
                Some(a) => _ = self.dns_answered.insert(meta.number, a),
                None => _ = self.dns.insert(meta.number, shown_dns.iter().map(|d| d.as_str().into()).collect()),
            }
        }
        if let Some(a) = a {
            let closes = a.track.as_ref().filter(|t| t.verdict.is_some()).map(|t| t.stream);
            self.keep(meta.number, a, at);
            // One pass shows a verdict on the frame that closed the connection.
            if let Some(s) = closes {
                self.verdict_at.insert(s, meta.number);
            }
        }
        // Connection summaries are for the CLI; the plugin lets them go.
        self.dissector.take_summaries();
        self.revise();
    }

    /// The first pass is over (Wireshark shows a frame again, or tshark starts its second
    /// pass): rows as everything seen makes them. Frames that still come (a live capture) are
    /// weighed with them, and revise them again.
    pub fn finalize(&mut self) {
        self.dissector.finalize();
        self.revise();
        self.finalized = true;
    }

    /// Whether the rows are final for the frames seen so far.
    pub fn finalized(&self) -> bool {
        self.finalized
    }

    /// Show the rows later evidence revised instead of those kept, and each verdict found on
    /// its connection's last frame (moved from where it was shown before).
    fn revise(&mut self) {
        for (stream, frame, v) in self.dissector.take_verdicts() {
            if let Some(old) = self.verdict_at.insert(stream, frame) {
                self.verdicts.remove(&old);
            }
            if self.row(frame).is_some() {
                self.verdicts.insert(frame, Arc::new(v));
            }
        }
        for (frame, row) in self.dissector.take_revisions() {
            if let Some(p) = self.row_mut(frame) {
                p.set_row(&row);
            }
        }
    }

    fn position(&self, frame: u32) -> Option<(usize, usize)> {
        // The first pass reads back the row it has just kept: the last one.
        let last = self.rows.len().checked_sub(1)?;
        if self.rows[last].last().is_some_and(|p| p.frame == frame) {
            return Some((last, self.rows[last].len() - 1));
        }
        let c = self.rows.partition_point(|c| c.first().is_some_and(|p| p.frame <= frame)).checked_sub(1)?;
        let i = self.rows[c].binary_search_by_key(&frame, |p| p.frame).ok()?;
        Some((c, i))
    }

    fn row(&self, frame: u32) -> Option<&Packed> {
        self.position(frame).map(|(c, i)| &self.rows[c][i])
    }

    fn row_mut(&mut self, frame: u32) -> Option<&mut Packed> {
        self.position(frame).map(|(c, i)| &mut self.rows[c][i])
    }

    /// The tracker's annotation of frame `num`'s TCP segment, as last revised.
    pub fn track(&self, num: u32) -> Option<TcpTrack> {
        self.row(num).map(|p| self.track_of(p))
    }

    /// `p`'s annotation with what is kept beside the row.
    fn track_of(&self, p: &Packed) -> TcpTrack {
        let num = p.frame;
        let mut t = p.track();
        if p.irtt() {
            t.irtt_ns = self.irtt.get(&p.stream()).copied();
        }
        if p.negotiated() {
            t.negotiated = self.negotiated.get(&num).copied();
        }
        if p.dns_link() {
            t.dns = self.dns_links.get(&num).cloned();
        }
        t.verdict = self.verdicts.get(&num).cloned();
        t
    }

    /// The annotation of frame `meta.number`, if it has one; `data` are the frame's bytes,
    /// which Wireshark hands over again on each dissection. `shown`: the subtree is wanted,
    /// with the TCP options and DNS summaries, which are read from the bytes; otherwise only
    /// what the expert infos and the tap need.
    pub fn anno(&self, meta: FrameMeta, data: &[u8], shown: bool) -> Option<FrameAnno> {
        let num = meta.number;
        if num > self.last_seen {
            return None;
        }
        let row = self.row(num);
        let track = row.map(|p| self.track_of(p));
        let evicted = self.evicted.get(&num).copied().unwrap_or(0);
        let (mut options, mut dns) = (None, Vec::new());
        if shown {
            options = match row.and_then(Packed::options_at) {
                Some((at, len)) => options_at(data, at, len),
                None => self.options.get(&num).cloned(),
            };
            dns = match self.dns.get(&num) {
                Some(kept) => kept.iter().map(|s| s.to_string()).collect(),
                None => {
                    let mut d = dns_in_datagram(&dissector_core::prepare(meta.linktype, data));
                    if let (Some(s), Some(&(f, ns))) = (d.as_mut(), self.dns_answered.get(&num)) {
                        push_answered(s, (f, i128::from(ns)));
                    }
                    d.into_iter().collect()
                }
            };
        }
        if track.is_none() && dns.is_empty() && options.is_none() && evicted == 0 {
            return None;
        }
        Some(FrameAnno { inferred_start: row.is_some_and(Packed::inferred_start), track, options, dns, evicted })
    }

    /// The encapsulation synack does not decode that frame `num` was the first to carry, and
    /// how many frames carried it so far.
    pub fn undecoded_at(&self, num: u32) -> Option<(&'static str, u64)> {
        let &(_, what) = self.undecoded_at.iter().find(|(f, _)| *f == num)?;
        let count = self.dissector.undecoded().iter().find(|(w, _)| *w == what).map_or(1, |(_, n)| *n);
        Some((what, count))
    }

    /// The streams that connected to an address a DNS answer in frame `num` gave, known once
    /// later frames were seen (`synack.dns.used_by`); `messages`: the frame's DNS messages.
    pub fn used_by(&self, num: u32, messages: u16) -> Vec<u32> {
        let mut late = Vec::new();
        let Some(facts) = self.dissector.late_facts() else { return late };
        for m in 0..messages {
            if let Some(u) = facts.used_by.get(&(num, m)) {
                late.extend(u.iter().copied());
            }
        }
        late
    }

    /// What the store holds, for the memory tests and the benchmark.
    pub fn footprint(&self) -> Footprint {
        Footprint {
            rows: self.rows.iter().map(Vec::len).sum(),
            row_bytes: self.rows.iter().map(|c| c.capacity() * std::mem::size_of::<Packed>()).sum(),
            options_kept: self.options.len(),
            connections: self.irtt.len().max(self.verdict_at.len()),
            dns_kept: self.dns.len(),
            dns_answered: self.dns_answered.len(),
        }
    }

    /// Keep `a` as frame `num`'s annotation; `at`: where its TCP options can be read again.
    fn keep(&mut self, num: u32, a: FrameAnno, at: Option<(u16, u8)>) {
        if a.evicted > 0 {
            self.evicted.insert(num, a.evicted);
        }
        let Some(t) = a.track else {
            if let Some(o) = a.options {
                self.options.insert(num, o);
            }
            return;
        };
        if let Some(o) = a.options.filter(|_| at.is_none()) {
            self.options.insert(num, o);
        }
        if let Some(irtt) = t.irtt_ns {
            self.irtt.insert(t.stream, irtt);
        }
        if let Some(n) = t.negotiated {
            self.negotiated.insert(num, n);
        }
        if let Some(d) = &t.dns {
            self.dns_links.insert(num, d.clone());
        }
        if let Some(v) = &t.verdict {
            self.verdicts.insert(num, v.clone());
        }
        let p = Packed::new(num, &t, a.inferred_start, at);
        match self.rows.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(p),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(p);
                self.rows.push(c);
            }
        }
    }
}

/// What a [`Store`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// TCP frames with a row.
    pub rows: usize,
    /// Bytes the rows take, allocated (32 a row, and the last chunk's room).
    pub row_bytes: usize,
    /// Frames whose TCP options are kept (not read again from their bytes).
    pub options_kept: usize,
    /// Connections with a per-connection record (iRTT or verdict).
    pub connections: usize,
    /// Frames whose DNS summaries are kept (not read again from their bytes).
    pub dns_kept: usize,
    /// Frames whose DNS summary is read again, with the request's frame and time kept.
    pub dns_answered: usize,
}

/// What to keep of a plain datagram's response whose summary `shown` is the message read
/// again (`reread`) plus the request's frame and time (`answered`): those two, when adding them
/// to `reread` gives `shown` exactly.
fn answered_only(reread: &[String], shown: &[String], answered: Option<(u32, i128)>) -> Option<(u32, i64)> {
    let ([again], [shown], Some((f, ns))) = (reread, shown, answered) else { return None };
    let ns = i64::try_from(ns).ok()?;
    let mut s = again.clone();
    push_answered(&mut s, (f, i128::from(ns)));
    (s == *shown).then_some((f, ns))
}

/// The summary of the DNS message a plain UDP datagram carries (parsed by
/// [`dissector_core::prepare`]), as the first pass shows it: a message cut short is not paired
/// with its query or answer, and shows none.
fn dns_in_datagram(prepared: &Prepared) -> Option<String> {
    let m = prepared.message()?;
    (!m.problem.is_some_and(|p| p.cut_short())).then(|| m.summary())
}

/// Where `pkt`'s TCP options area starts in `data` and its declared length, when reading them
/// from there gives `kept` again (not when the segment came out of a reassembled datagram).
fn options_in_frame(pkt: &Packet<'_>, data: &[u8], kept: &RawOptions) -> Option<(u16, u8)> {
    let first = pkt.tcp()?.options.bytes();
    if first.is_empty() {
        return None;
    }
    let at = (first.as_ptr() as usize).checked_sub(data.as_ptr() as usize).filter(|&at| at < data.len())?;
    let (at16, len) = (u16::try_from(at).ok()?, u8::try_from(kept.declared()).ok()?);
    (options_at(data, at, kept.declared()).as_ref() == Some(kept)).then_some((at16, len))
}

/// The TCP options read from `data` at `at`, `declared` bytes long (as far as captured).
fn options_at(data: &[u8], at: usize, declared: usize) -> Option<RawOptions> {
    let area = data.get(at..)?;
    let opts = parse_options(&area[..declared.min(area.len())], declared);
    if opts.is_empty() {
        return None;
    }
    Some(RawOptions::new(opts.bytes().iter().copied(), declared))
}

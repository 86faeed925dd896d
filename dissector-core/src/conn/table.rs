//! The one owner of per-connection state. Each TCP connection is one entry, keyed by its two
//! endpoints: tshark's view of it (stream number, relative sequence numbers, window scaling),
//! the tracker's state, and its partial DNS-over-TCP messages. Entries are created, replaced
//! (a new incarnation on the same ports) and evicted here and nowhere else:
//!
//! - at the connection cap, the least recently used entry goes whole (CLOCK, second chance);
//! - a connection idle for [`Limits::idle_ns`], or closed on both ends for
//!   [`Limits::closed_linger_ns`], loses its tracker state (summarised) but keeps its entry, so
//!   a late segment keeps tshark's stream number and is tracked afresh as picked up mid-stream.

use std::collections::VecDeque;

use hashbrown::hash_table::{Entry, HashTable};

use super::analysis::{flag, Analysis};
use super::arrival::Revision;
use super::key::{ConnKey, Endpoint};
use super::lookup::DnsLink;
use super::rules;
use super::summary::ConnSummary;
use super::track::TcpTrack;
use super::tracker::{TcpInput, Track};
use super::verdict::{HostAnswer, Verdict};
use super::view::{FlowView, TcpView};
use crate::limits::Limits;
use crate::shard::Shard;

/// A DNS-over-TCP message cut by a segment boundary, waiting for the rest of it.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// The sequence number its continuation starts at.
    pub(crate) next_seq: u32,
    /// What has arrived of it (length prefix included).
    pub(crate) buf: Vec<u8>,
}

/// Everything synack keeps about one TCP connection.
#[derive(Debug)]
struct Connection {
    key: ConnKey,
    stream: u32,
    view: TcpView,
    /// The tracker's state; `None` when tracking is off, or after the connection expired.
    track: Option<Box<Track>>,
    /// Partial DNS messages, by direction (0: lower to higher endpoint).
    dns_tcp: [Option<Pending>; 2],
    /// Seen since the eviction clock last passed (second chance).
    referenced: bool,
    /// FIN seen from direction 0 (bit 0), from direction 1 (bit 1); RST seen ([`RST_SEEN`]).
    ended: u8,
    /// How many times its tracking started (again after expiring).
    trackings: u32,
    /// Its server's host is this dissector's shard ([`crate::shard`]): it is tracked here.
    owned: bool,
}

/// [`Connection::ended`]: a FIN from each side, or a RST.
const BOTH_FINS: u8 = 0b011;
const RST_SEEN: u8 = 0b100;

impl Connection {
    fn new(key: ConnKey, next_stream: &mut u32, owned: bool) -> Box<Connection> {
        let c = Connection {
            key,
            stream: *next_stream,
            view: TcpView::default(),
            track: None,
            dns_tcp: [None, None],
            referenced: true,
            ended: 0,
            trackings: 0,
            owned,
        };
        *next_stream += 1;
        Box::new(c)
    }

    /// Nothing is lost by forgetting it but its stream number: its tracker says both ends are
    /// closed, or, untracked, its own flags show a RST or a FIN from each side.
    fn is_finished(&self, tracked: bool) -> bool {
        if tracked {
            self.track.as_ref().is_none_or(|t| t.is_finished())
        } else {
            self.ended & RST_SEEN != 0 || self.ended & BOTH_FINS == BOTH_FINS
        }
    }
}

/// What the limits made the table drop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Dropped {
    /// Open connections evicted at the cap.
    pub(crate) cap: u64,
    /// Connections whose tracker state expired after being idle.
    pub(crate) idle: u64,
    /// DNS-over-TCP messages not reassembled because the buffer cap was reached.
    pub(crate) dns_buffers: u64,
}

/// Every TCP connection of a capture.
#[derive(Debug, Default)]
pub(crate) struct Connections {
    /// The entries, each boxed with its key (under churn a hash table keeps up to 4x its
    /// entries' worth of buckets). The table holds only the boxes' addresses, 8 bytes a bucket:
    /// more of it stays in the cache, and a lookup compares the key in the box it then works on.
    table: HashTable<Box<Connection>>,
    /// ahash, randomly keyed per process (see [`crate::hash::Map`]).
    hasher: ahash::RandomState,
    next_stream: u32,
    /// Keys in creation order, for CLOCK eviction (may hold keys already forgotten).
    order: VecDeque<ConnKey>,
    /// Connections closed on both ends, by the time they closed, waiting to be retired.
    closed: VecDeque<(i128, ConnKey, u32)>,
    /// Whether retired connections are summarised (for `synack conv`); off, they are dropped.
    summarise: bool,
    /// Whether tshark's sequence analysis is shown (`tcp.analysis.*`, Info tags); off, only
    /// what decides whether data is new is kept.
    analysis: bool,
    summaries: Vec<ConnSummary>,
    limits: Limits,
    /// Capture time of the last idle sweep.
    swept_ns: Option<i128>,
    /// Entries holding tracker state.
    tracked: usize,
    /// Partial DNS messages held.
    dns_buffers: usize,
    dropped: Dropped,
    /// Rows of earlier frames that later evidence changed (the informed view), when asked.
    revisions: Option<Vec<Revision>>,
    /// Whether verdicts are made: the tracker gathers their facts (on with summaries too).
    verdicts: bool,
    /// Whether a connection's verdict is shown on the frame that closes it.
    verdict_on_close: bool,
    /// Verdicts of connections let go (or, at [`Connections::finalize_all`], of those still
    /// open): (stream, last frame, verdict), collected with the revisions when verdicts are on.
    found: Vec<(u32, u32, Verdict)>,
    /// How each server's host answers SYNs (bounded: cleared when full), to weigh a refusal.
    hosts: crate::hash::Map<(u8, [u8; 16]), HostAnswer>,
    /// This dissector's share of the connections, when the work is split.
    shard: Option<Shard>,
}

/// Hosts remembered for [`Connections::hosts`].
const MAX_HOSTS: usize = 4096;

impl Connections {
    /// An empty table bounded by `limits`; `summarise`: keep a summary of each retired
    /// connection (drained with [`Connections::take_summaries`]).
    pub(crate) fn new(
        limits: Limits,
        summarise: bool,
        revisions: bool,
        analysis: bool,
        verdicts: bool,
        verdict_on_close: bool,
        shard: Option<Shard>,
    ) -> Connections {
        Connections {
            limits,
            shard,
            summarise,
            analysis,
            verdicts: verdicts || summarise,
            verdict_on_close: verdicts && verdict_on_close,
            revisions: revisions.then(Vec::new),
            ..Connections::default()
        }
    }

    /// Verdicts collected so far (with revisions and verdicts on): (stream, last frame,
    /// verdict).
    pub(crate) fn take_verdicts(&mut self) -> Vec<(u32, u32, Verdict)> {
        std::mem::take(&mut self.found)
    }

    fn host(hosts: &crate::hash::Map<(u8, [u8; 16]), HostAnswer>, t: &Track) -> Option<HostAnswer> {
        let s = t.server();
        hosts.get(&(s.family, s.addr)).copied()
    }

    /// The revisions collected so far (empty unless asked for).
    pub(crate) fn take_revisions(&mut self) -> Vec<Revision> {
        self.revisions.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The capture is over for now: every tracked connection's rows as everything known makes
    /// them (revisions collected), without retiring any.
    pub(crate) fn finalize_all(&mut self) {
        let revisions = &mut self.revisions;
        let collect = revisions.is_some() && self.verdicts;
        for c in self.table.iter_mut() {
            if let Some(t) = &mut c.track {
                t.finalize(revisions.as_mut());
                if collect {
                    self.found.push((c.stream, t.last_frame(), t.verdict(Self::host(&self.hosts, t))));
                }
            }
        }
    }

    fn find(&mut self, key: ConnKey) -> Option<&mut Connection> {
        self.table.find_mut(self.hasher.hash_one(key), |c| c.key == key).map(|c| &mut **c)
    }

    /// Connections held in memory.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Connections whose tracker state is held.
    pub(crate) fn tracked(&self) -> usize {
        self.tracked
    }

    /// What the limits made the table drop so far.
    pub(crate) fn dropped(&self) -> Dropped {
        self.dropped
    }

    /// Account for one TCP segment: tshark's view always; with `track`, the tracker's
    /// annotation too, written there in place (`dns_link` names the DNS answer behind a
    /// client's SYN, given the server's address and the stream), when the connection is this
    /// shard's. The last value says whether it is.
    pub(crate) fn on_segment(
        &mut self,
        inp: &TcpInput<'_>,
        track: Option<&mut Option<TcpTrack>>,
        dns_link: impl FnOnce(&Endpoint, u32) -> Option<DnsLink>,
    ) -> (FlowView, Option<Analysis>, bool) {
        if track.is_some() {
            self.expire(inp.ts_ns);
        }
        let (key, lo_to_hi) = ConnKey::new(inp.src, inp.dst);
        let fwd = if lo_to_hi { 0 } else { 1 };
        let h = inp.header;
        // One lookup per segment: the entry is created, replaced or used in place.
        let Connections {
            table,
            hasher,
            next_stream,
            order,
            closed,
            summaries,
            summarise,
            tracked,
            dns_buffers,
            revisions,
            analysis,
            verdict_on_close,
            verdicts,
            found,
            hosts,
            shard,
            ..
        } = self;
        // A connection's shard is its server host's, as its first segment tells (the tracker
        // picks the server by the same rule).
        let owned = || {
            shard.is_none_or(|s| {
                let (client_is_src, _) = rules::first_sender_is_client(h.flags, &inp.src, &inp.dst);
                let server = if client_is_src { &inp.dst } else { &inp.src };
                s.owns_host(server.family, &server.addr)
            })
        };
        let mut reused_from = None;
        let conn: &mut Connection =
            match table.entry(hasher.hash_one(key), |c| c.key == key, |c| hasher.hash_one(c.key)) {
                Entry::Vacant(v) => {
                    order.push_back(key);
                    v.insert(Connection::new(key, next_stream, owned())).into_mut()
                }
                Entry::Occupied(o) => {
                    let c = o.into_mut();
                    if c.view.is_new_incarnation(fwd, h) {
                        reused_from = Some(c.stream);
                        let old = std::mem::replace(c, Connection::new(key, next_stream, owned()));
                        *dns_buffers -= old.dns_tcp.iter().flatten().count();
                        if let Some(mut t) = old.track {
                            *tracked -= 1;
                            t.finalize(revisions.as_mut());
                            if *verdicts {
                                let v = t.verdict(Self::host(hosts, &t));
                                if revisions.is_some() {
                                    found.push((old.stream, t.last_frame(), v.clone()));
                                }
                                if *summarise {
                                    summaries.push(t.summary(old.stream, v));
                                }
                            }
                        }
                    }
                    c
                }
            };
        conn.referenced = true;
        if h.flags.fin() {
            conn.ended |= 1 << fwd;
        }
        if h.flags.rst() {
            conn.ended |= RST_SEEN;
        }
        let (mut view, mut seq) =
            conn.view.on_segment(fwd, h, inp.options, inp.seglen, (inp.frame, inp.ts_ns), *analysis);
        view.stream = conn.stream;
        view.ports_reused = reused_from.is_some();
        if view.ports_reused {
            seq.get_or_insert_with(Analysis::default).flags |= flag::REUSED_PORTS;
        }
        view.reused_from = reused_from;
        // The flags are always worked out (the verdict reads them), shown only when asked for.
        let shown = |seq: Option<Analysis>| seq.filter(|_| *analysis);
        let owned = conn.owned;
        let Some(slot) = track.filter(|_| owned) else { return (view, shown(seq), owned) };
        let trackings = &mut conn.trackings;
        let t = conn.track.get_or_insert_with(|| {
            *tracked += 1;
            let mut t = Box::new(Track::new(inp, *summarise, *verdicts));
            t.part = *trackings;
            *trackings = trackings.saturating_add(1);
            t
        });
        let stream = conn.stream;
        let tt = slot.insert(t.on_segment(inp, &view, seq.as_ref(), |addr| dns_link(addr, stream), revisions.as_mut()));
        if tt.stage == Some(super::track::Stage::SynAck) {
            if let Some((rtt_ns, ttl)) = t.server_answer() {
                if hosts.len() >= MAX_HOSTS {
                    hosts.clear();
                }
                let s = t.server();
                let e = hosts.entry((s.family, s.addr)).or_insert(HostAnswer { rtt_ns, ttl });
                *e = HostAnswer { rtt_ns: e.rtt_ns.min(rtt_ns), ttl };
            }
        }
        if t.is_finished() && !t.queued {
            t.queued = true;
            closed.push_back((inp.ts_ns, key, stream));
            // One pass: the frame that closed it shows the verdict as it stands.
            if *verdict_on_close {
                tt.verdict = Some(std::sync::Arc::new(t.verdict(Self::host(hosts, t))));
            }
        }
        (view, shown(seq), owned)
    }

    /// Retire the tracker state of connections closed for the linger time, and of connections
    /// idle for the idle time (looked for once per 1/16 of it).
    fn expire(&mut self, now: i128) {
        while let Some(&(t, key, stream)) = self.closed.front() {
            if now - t < self.limits.closed_linger_ns {
                break;
            }
            self.closed.pop_front();
            let linger = self.limits.closed_linger_ns;
            let Some(c) = self.find(key).filter(|c| c.stream == stream) else { continue };
            let Some(track) = &mut c.track else { continue };
            if !track.is_finished() {
                track.queued = false;
            } else if now - track.last_ns() >= linger {
                self.retire(key);
            } else {
                let last = track.last_ns();
                self.closed.push_back((last, key, stream));
            }
        }
        let every = (self.limits.idle_ns / 16).max(1);
        if self.swept_ns.is_some_and(|t| now - t < every) {
            return;
        }
        self.swept_ns = Some(now);
        let idle_ns = self.limits.idle_ns;
        let mut idle: Vec<(u32, ConnKey)> = self
            .table
            .iter()
            .filter(|c| c.track.as_ref().is_some_and(|t| now - t.last_ns() >= idle_ns))
            .map(|c| (c.stream, c.key))
            .collect();
        idle.sort_unstable_by_key(|(s, _)| *s);
        for (_, key) in idle {
            self.retire(key);
            self.dropped.idle += 1;
        }
    }

    /// Summarise and drop the tracker state of the connection of `key`.
    fn retire(&mut self, key: ConnKey) {
        let Some(c) = self.find(key) else { return };
        let stream = c.stream;
        let Some(t) = c.track.take() else { return };
        self.tracked -= 1;
        self.finish_track(t, stream);
    }

    /// A connection's tracker state is let go: its rows as everything known makes them, and its
    /// summary when summaries are on.
    fn finish_track(&mut self, mut t: Box<Track>, stream: u32) {
        t.finalize(self.revisions.as_mut());
        let collect = self.revisions.is_some();
        if !self.verdicts || (!collect && !self.summarise) {
            return;
        }
        let v = t.verdict(Self::host(&self.hosts, &t));
        if collect {
            self.found.push((stream, t.last_frame(), v.clone()));
        }
        if self.summarise {
            self.summaries.push(t.summary(stream, v));
        }
    }

    /// Evict connections until at most the cap remain, least recently used first (CLOCK: one
    /// seen since the last pass gets a second chance). Returns how many of those were open
    /// (`tracking`: judged by the tracker's states, else by the connection's own flags).
    pub(crate) fn enforce_cap(&mut self, tracking: bool) -> u32 {
        let cap = self.limits.max_connections;
        let mut open = 0;
        // Each key is looked at most twice per eviction round (once to clear its bit).
        let mut budget = 2 * self.order.len() + 2;
        while self.table.len() > cap && budget > 0 {
            budget -= 1;
            let Some(key) = self.order.pop_front() else { break };
            let Ok(entry) = self.table.find_entry(self.hasher.hash_one(key), |c| c.key == key) else { continue };
            if entry.get().referenced {
                entry.into_mut().referenced = false;
                self.order.push_back(key);
                continue;
            }
            let c = entry.remove().0;
            // Counted by the shard that owns it (each shard keeps every connection's entry).
            if c.owned && !c.is_finished(tracking) {
                self.dropped.cap += 1;
                open += 1;
            }
            self.dns_buffers -= c.dns_tcp.iter().flatten().count();
            if let Some(t) = c.track {
                self.tracked -= 1;
                self.finish_track(t, c.stream);
            }
        }
        self.compact();
        open
    }

    /// Drop forgotten keys from the eviction queue once they dominate it.
    fn compact(&mut self) {
        if self.order.len() > 2 * self.table.len() + 64 {
            let (table, hasher) = (&self.table, &self.hasher);
            let mut seen = std::collections::HashSet::with_hasher(ahash::RandomState::new());
            self.order.retain(|k| table.find(hasher.hash_one(k), |c| c.key == *k).is_some() && seen.insert(*k));
        }
    }

    /// Take the partial DNS message of the connection of `src` → `dst` in that direction.
    pub(crate) fn take_dns(&mut self, src: Endpoint, dst: Endpoint) -> Option<Pending> {
        let (key, lo_to_hi) = ConnKey::new(src, dst);
        let p = self.find(key)?.dns_tcp[usize::from(!lo_to_hi)].take();
        self.dns_buffers -= usize::from(p.is_some());
        p
    }

    /// Keep a partial DNS message for the connection of `src` → `dst`, unless the buffer cap
    /// is reached (then it is counted as dropped). Returns whether it was kept.
    pub(crate) fn keep_dns(&mut self, src: Endpoint, dst: Endpoint, p: Pending) -> bool {
        if self.dns_buffers >= self.limits.max_dns_tcp_buffers {
            self.dropped.dns_buffers += 1;
            return false;
        }
        let (key, lo_to_hi) = ConnKey::new(src, dst);
        let Some(c) = self.find(key) else { return false };
        let slot = &mut c.dns_tcp[usize::from(!lo_to_hi)];
        let had = slot.replace(p).is_some();
        if !had {
            self.dns_buffers += 1;
        }
        true
    }

    /// Partial DNS messages held.
    #[cfg(test)]
    pub(crate) fn dns_buffers(&self) -> usize {
        self.dns_buffers
    }

    /// Summaries of the connections retired so far (each is given once).
    pub(crate) fn take_summaries(&mut self) -> Vec<ConnSummary> {
        std::mem::take(&mut self.summaries)
    }

    /// End of capture: hand `each` the summaries not yet taken, then summarise every connection
    /// still tracked, in stream order, each freed before the next is summarised (memory stays
    /// flat with thousands of connections still open).
    pub(crate) fn finish_each(&mut self, mut each: impl FnMut(ConnSummary)) {
        for s in self.take_summaries() {
            each(s);
        }
        let mut rest: Vec<(u32, ConnKey)> =
            self.table.iter().filter(|c| c.track.is_some()).map(|c| (c.stream, c.key)).collect();
        rest.sort_unstable_by_key(|(s, _)| *s);
        for (_, key) in rest {
            let Some(c) = self.find(key) else { continue };
            let stream = c.stream;
            let Some(t) = c.track.take() else { continue };
            self.tracked -= 1;
            self.finish_track(t, stream);
            for s in self.summaries.drain(..) {
                each(s);
            }
        }
        self.closed.clear();
    }
}

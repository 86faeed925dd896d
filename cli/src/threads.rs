//! `--threads N`: N dissectors side by side, each reading the whole capture and tracking and
//! printing its shard's share ([`dissector_core::shard`]), their output merged back in frame
//! order, so that it is the same for every N.
//!
//! Each dissector sends what it printed in chunks: the bytes, where each frame's ends, and the
//! last frame it has dissected. A frame is written once every dissector has gone past it, so
//! no earlier frame can still come from another one. Each dissector has a channel of its own
//! and the merging side waits on the one furthest behind: one that runs ahead waits on its
//! full channel, so memory stays bounded whatever the scheduling.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use dissector_core::shard::Shard;
use dissector_core::Evictions;

use crate::config::{Config, Mode};
use crate::run::{ConvRow, Part, RunError, Tail};

/// A chunk is sent once it holds this much output, or this many frames went by.
const CHUNK_BYTES: usize = 256 * 1024;
const CHUNK_FRAMES: u32 = 16 * 1024;
/// Chunks a dissector may have sent and not yet had merged.
const AHEAD: usize = 4;

/// How many dissectors `c` runs with, when more than one and the run can be split: a file
/// read again by each (not standard input or a live capture), printed as a stream of packets
/// (not the watch table, not a Parquet file).
pub(crate) fn split(c: &Config) -> Option<usize> {
    let input_is_file = c.capture.is_none() && rereadable(&c.input);
    (c.threads > 1 && input_is_file && c.watch.is_none() && c.mode != Mode::Parquet).then_some(c.threads)
}

/// Whether each dissector can open `path` for itself: not standard input, not a pipe.
pub(crate) fn rereadable(path: &std::path::Path) -> bool {
    path.as_os_str() != "-" && !crate::run::is_live(path)
}

/// What one dissector printed since its last chunk.
#[derive(Default)]
struct Chunk {
    /// Every frame up to this one is dissected (`u32::MAX`: all of them).
    upto: u32,
    /// Each printed frame: its number, and where its output and warnings end in `out`, `err`.
    frames: Vec<(u32, usize, usize)>,
    out: Vec<u8>,
    err: Vec<u8>,
}

impl Chunk {
    /// Frame `number` ends here: where its output and warnings end, if it wrote any.
    fn end_frame(&mut self, number: u32) {
        let (o0, e0) = self.frames.last().map_or((0, 0), |&(_, o, e)| (o, e));
        if self.out.len() > o0 || self.err.len() > e0 {
            let (o, e) = (self.out.len(), self.err.len());
            self.frames.push((number, o, e));
        }
        self.upto = number;
    }
}

/// One dissector's side: its output collects in a chunk, sent at frame boundaries.
struct Sink {
    chunk: Rc<RefCell<Chunk>>,
    tx: SyncSender<Chunk>,
    since: u32,
}

/// `out` (false) or `err` (true) of a [`Sink`]'s chunk.
struct Half(Rc<RefCell<Chunk>>, bool);

impl Write for Half {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut c = self.0.borrow_mut();
        if self.1 { &mut c.err } else { &mut c.out }.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink {
    /// Frame `number` is done: note where its output ends, and send the chunk when full.
    fn frame(&mut self, number: u32) -> io::Result<()> {
        let full = {
            let mut c = self.chunk.borrow_mut();
            c.end_frame(number);
            self.since += 1;
            c.out.len() >= CHUNK_BYTES || c.err.len() >= CHUNK_BYTES || self.since >= CHUNK_FRAMES
        };
        if full {
            self.send()?;
        }
        Ok(())
    }

    fn send(&mut self) -> io::Result<()> {
        self.since = 0;
        let mut c = self.chunk.borrow_mut();
        let next = Chunk { upto: c.upto, ..Chunk::default() };
        let full = std::mem::replace(&mut *c, next);
        // The merging side is gone only when writing failed: stop too.
        self.tx.send(full).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }

    /// The dissector is done: what is left, with the mark that nothing more comes.
    fn finish(mut self) {
        self.chunk.borrow_mut().end_frame(u32::MAX);
        let _ = self.send();
    }
}

/// Run `c` with `n` dissectors ([`split`] said it can be), merging their output into `out`.
pub(crate) fn run(c: &Config, n: usize, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), RunError> {
    // -2's first pass learns facts about the whole capture: once, for every dissector.
    let late = if c.two_pass && c.needs_tracking() { Some(Some(crate::run::learn_late(c)?)) } else { None };
    let shards = shards(c.shard, n);
    if c.header && c.mode == Mode::Fields && !c.quiet {
        crate::output::FieldsPrinter::new(c).header(out)?;
    }
    let json = c.mode == Mode::Json && !c.quiet;
    let (merged, tails) = side_by_side(
        &shards,
        |shard, tx| one(c, shard, late.clone(), tx),
        |rxs| merge(rxs, json, &mut *out, &mut *err),
    );
    // A failure to write is the first thing to report; then a dissector's own error.
    let any_json = merged?;
    let tails = tails?;
    if json {
        out.write_all(crate::json::end(any_json).as_bytes())?;
    }
    out.flush()?;
    whole_tail(tails).print(err);
    Ok(())
}

/// Run `work` for each shard on a thread of its own, each sending on a channel of its own,
/// while `merge` takes the channels on this one. Returns what `merge` gave and the dissectors'
/// tails (or the first one's error).
fn side_by_side<T: Send, M>(
    shards: &[Shard],
    work: impl Fn(Shard, SyncSender<T>) -> Result<Tail, RunError> + Sync,
    merge: impl FnOnce(Vec<Receiver<T>>) -> M,
) -> (M, Result<Vec<Tail>, RunError>) {
    std::thread::scope(|scope| {
        let mut rxs = Vec::with_capacity(shards.len());
        let work = &work;
        let handles: Vec<_> = shards
            .iter()
            .map(|&shard| {
                let (tx, rx) = sync_channel::<T>(AHEAD);
                rxs.push(rx);
                scope.spawn(move || work(shard, tx))
            })
            .collect();
        let merged = merge(rxs);
        let tails = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(RunError::Io(io::Error::other("a dissecting thread stopped")))))
            .collect();
        (merged, tails)
    })
}

/// One dissector's run, its output sent in chunks on `tx`.
fn one(
    c: &Config,
    shard: Shard,
    late: Option<Option<dissector_core::conn::LateFacts>>,
    tx: SyncSender<Chunk>,
) -> Result<Tail, RunError> {
    let chunk = Rc::new(RefCell::new(Chunk::default()));
    let (mut out, mut err) = (Half(chunk.clone(), false), Half(chunk.clone(), true));
    let mut sink = Sink { chunk, tx, since: 0 };
    let mut frame = |n: u32| sink.frame(n);
    let r =
        crate::run::run_part(c, Part { shard: Some(shard), late, merged: Some(&mut frame) }, &mut out, &mut err, false);
    sink.finish();
    r
}

/// The run's closing report from its dissectors': each saw every frame, so how reading ended,
/// the undecoded encapsulations and the DNS limits are any one's; connections evicted are
/// counted by the dissector that tracked them.
fn whole_tail(tails: Vec<Tail>) -> Tail {
    let mut it = tails.into_iter();
    let Some(mut whole) = it.next() else { return Tail::default() };
    for t in it {
        let Evictions { connections_cap, connections_idle, .. } = t.evictions;
        whole.evictions.connections_cap += connections_cap;
        whole.evictions.connections_idle += connections_idle;
    }
    whole
}

/// One dissector's chunks not yet written, and how far it has got.
#[derive(Default)]
struct Queue {
    chunks: VecDeque<Chunk>,
    /// The next frame of the front chunk.
    at: usize,
    upto: u32,
}

impl Queue {
    fn head(&mut self) -> Option<u32> {
        while let Some(c) = self.chunks.front() {
            if let Some(&(f, _, _)) = c.frames.get(self.at) {
                return Some(f);
            }
            self.chunks.pop_front();
            self.at = 0;
        }
        None
    }
}

/// Write the dissectors' frames in frame order as they become safe to. Returns whether any
/// JSON object was written (the first one's separator becomes the array's opening).
fn merge(rxs: Vec<Receiver<Chunk>>, json: bool, out: &mut dyn Write, err: &mut dyn Write) -> Result<bool, RunError> {
    let mut queues: Vec<Queue> = rxs.iter().map(|_| Queue::default()).collect();
    let mut any = false;
    loop {
        // Nothing earlier than the dissector furthest behind can still come.
        let safe = queues.iter().map(|q| q.upto).min().unwrap_or(u32::MAX);
        loop {
            let mut best: Option<(u32, usize)> = None;
            for (i, q) in queues.iter_mut().enumerate() {
                if let Some(f) = q.head() {
                    if f <= safe && best.is_none_or(|(b, _)| f < b) {
                        best = Some((f, i));
                    }
                }
            }
            let Some((_, i)) = best else { break };
            let q = &mut queues[i];
            let c = q.chunks.front().expect("a head frame has a chunk");
            let (o0, e0) = if q.at == 0 { (0, 0) } else { (c.frames[q.at - 1].1, c.frames[q.at - 1].2) };
            let (_, o1, e1) = c.frames[q.at];
            let mut bytes = &c.out[o0..o1];
            if json && !any {
                // The dissectors start every object with ",\n"; the first opens the array.
                if let Some(rest) = bytes.strip_prefix(b",") {
                    out.write_all(b"[")?;
                    bytes = rest;
                }
            }
            any |= !bytes.is_empty();
            out.write_all(bytes)?;
            err.write_all(&c.err[e0..e1])?;
            q.at += 1;
        }
        let Some(behind) = furthest_behind(queues.iter().map(|q| q.upto)) else { return Ok(any) };
        match rxs[behind].recv() {
            Ok(c) => {
                let q = &mut queues[behind];
                q.upto = c.upto;
                q.chunks.push_back(c);
            }
            // Gone without its last chunk (it failed): nothing more comes from it.
            Err(_) => queues[behind].upto = u32::MAX,
        }
    }
}

/// The dissector that has read least, among those not done (`None`: all are).
fn furthest_behind(upto: impl Iterator<Item = u32>) -> Option<usize> {
    upto.enumerate().filter(|&(_, u)| u != u32::MAX).min_by_key(|&(_, u)| u).map(|(i, _)| i)
}

/// Connection rows one `conv` dissector sends: those of connections that ended by `upto`.
#[derive(Default)]
struct Rows {
    upto: u32,
    first: Option<i128>,
    rows: VecDeque<(u32, dissector_core::conn::ConnSummary)>,
}

/// `conv` with `n` dissectors, rows merged into `w` in the order one dissector gives them.
pub(crate) fn conv(
    a: &crate::args::ConvArgs,
    files: &[std::path::PathBuf],
    n: usize,
    w: &mut crate::conv::ConvWriter<'_>,
) -> Result<Tail, RunError> {
    let shards = shards(a.split.shard, n);
    let conv_shard = |shard, tx: SyncSender<Rows>| {
        let mut batch = Rows::default();
        let mut since = 0u32;
        let r = crate::run::conv_part(a, files, Some(shard), false, &mut |row| {
            match row {
                ConvRow::First(ns) => batch.first = Some(ns),
                ConvRow::Row(f, s) => batch.rows.push_back((f, *s)),
                ConvRow::Done(f) => {
                    batch.upto = f;
                    since += 1;
                    if batch.rows.len() >= 256 || since >= CHUNK_FRAMES {
                        since = 0;
                        let next = Rows { upto: f, ..Rows::default() };
                        tx.send(std::mem::replace(&mut batch, next))
                            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?;
                    }
                }
            }
            Ok(())
        });
        batch.upto = u32::MAX;
        let _ = tx.send(batch);
        r
    };
    let (merged, tails) = side_by_side(&shards, conv_shard, |rxs| merge_rows(rxs, w));
    merged?;
    let tails = tails?;
    Ok(whole_tail(tails))
}

/// Push the dissectors' rows into `w` as they become safe to: by the frame their connection
/// ended at, then by stream.
fn merge_rows(rxs: Vec<Receiver<Rows>>, w: &mut crate::conv::ConvWriter<'_>) -> io::Result<()> {
    let mut queues: Vec<Rows> = rxs.iter().map(|_| Rows::default()).collect();
    loop {
        let safe = queues.iter().map(|q| q.upto).min().unwrap_or(u32::MAX);
        loop {
            let mut best: Option<((u32, u32), usize)> = None;
            for (i, q) in queues.iter().enumerate() {
                if let Some((f, s)) = q.rows.front() {
                    let key = (*f, s.stream);
                    if *f <= safe && best.is_none_or(|(b, _)| key < b) {
                        best = Some((key, i));
                    }
                }
            }
            let Some((_, i)) = best else { break };
            if let Some((_, s)) = queues[i].rows.pop_front() {
                w.push(s)?;
            }
        }
        let Some(behind) = furthest_behind(queues.iter().map(|q| q.upto)) else { return Ok(()) };
        match rxs[behind].recv() {
            Ok(mut b) => {
                if let Some(ns) = b.first.take() {
                    w.set_first(ns);
                }
                let q = &mut queues[behind];
                q.upto = b.upto;
                q.rows.append(&mut b.rows);
            }
            Err(_) => queues[behind].upto = u32::MAX,
        }
    }
}

/// The `n` shards the threads of a run take: within a shard given by --shard, that shard's
/// share split again (a hash that is K modulo N is one of K, K + N, ... modulo N * n).
fn shards(given: Option<Shard>, n: usize) -> Vec<Shard> {
    let (base, outer) = given.map_or((0, 1), |s| (s.index(), s.count()));
    let n = u32::try_from(n).unwrap_or(1);
    (0..n).map(|t| Shard::new(base + outer * t, outer * n).expect("index below count")).collect()
}

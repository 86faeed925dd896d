//! Running a configuration: reading the capture (twice for `-2`), dissecting each frame,
//! printing the chosen view, and reporting what the limits dropped.

use std::fs::File;
use std::io::{self, Read, Write};

use dissector_core::conn::LateFacts;
use dissector_core::{Dissector, FrameMeta, Options, Packet};

use crate::args::{ConvArgs, LadderArgs};
use crate::config::{Config, Mode};
use crate::style::Style;
use crate::{capture, conv, filter, ladder, output, views};

fn open(c: &Config) -> Result<Box<dyn Read + Send>, RunError> {
    open_path(&c.input)
}

/// The capture to read: a file, or standard input for `-`.
fn open_path(path: &std::path::Path) -> Result<Box<dyn Read + Send>, RunError> {
    Ok(if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path).map_err(|e| RunError::Usage(format!("cannot open {}: {e}", path.display())))?)
    })
}

/// The first of two passes: what later frames tell about earlier ones (DNS responses, the
/// streams that used them, and the informed rows of states).
fn first_pass(c: &Config, input: Box<dyn Read + Send>) -> Result<LateFacts, RunError> {
    let mut dissector = Dissector::with_options(Options {
        collect_late: true,
        analysis: false,
        verdicts: c.needs_verdicts(),
        ..Options::with_limits(c.limits)
    });
    read_frames(input, &c.input, &c.more, is_live(&c.input), None, &mut dissector, |_, pkt, _| {
        Ok(c.count.is_none_or(|n| pkt.meta.number < n))
    })?;
    Ok(dissector.into_late_facts())
}

/// [`first_pass`] over the capture `c` names (a file: read again for the second pass).
pub(crate) fn learn_late(c: &Config) -> Result<LateFacts, RunError> {
    first_pass(c, open(c)?)
}

/// Read every frame of `input` (the capture at `path`), then of each file of `more`, as one
/// capture (frames numbered on across files), through `d`, handing each packet to `each` (which
/// says whether to go on), advancing `progress` over the first file if there is one. Returns
/// the readers' closing warnings, if any.
fn read_frames(
    input: Box<dyn Read + Send>,
    path: &std::path::Path,
    more: &[std::path::PathBuf],
    live: bool,
    progress: Option<indicatif::ProgressBar>,
    d: &mut Dissector,
    mut each: impl FnMut(&mut Dissector, &Packet<'_>, &[u8]) -> io::Result<bool>,
) -> Result<Option<String>, RunError> {
    let mut warnings = Vec::new();
    let (mut input, mut path, mut progress) = (input, path.to_path_buf(), progress);
    let mut offset = 0;
    let mut rest = more.iter();
    loop {
        let (warning, frames, stopped) = read_one(input, &path, live, progress.take(), offset, d, &mut each)?;
        if let Some(w) = warning {
            warnings.push(if more.is_empty() { w } else { format!("{}: {w}", path.display()) });
        }
        offset += frames;
        let Some(next) = rest.next().filter(|_| !stopped) else { break };
        input = open_path(next)?;
        path = next.clone();
    }
    Ok((!warnings.is_empty()).then(|| warnings.join("; ")))
}

/// [`read_frames`] on one file, its frames numbered from `offset` + 1. Returns its warning, how
/// many frames it had, and whether `each` stopped the reading.
fn read_one(
    input: Box<dyn Read + Send>,
    path: &std::path::Path,
    live: bool,
    progress: Option<indicatif::ProgressBar>,
    offset: u32,
    d: &mut Dissector,
    each: &mut impl FnMut(&mut Dissector, &Packet<'_>, &[u8]) -> io::Result<bool>,
) -> Result<(Option<String>, u32, bool), RunError> {
    let mut scratch = Vec::new();
    let mut stopped = false;
    let prepare = |meta: &FrameMeta, data: &[u8]| dissector_core::prepare(meta.linktype, data);
    let result = capture::for_each_frame_ahead(input, live, prepare, |meta, data, prepared, spent| {
        let meta = FrameMeta { number: meta.number + offset, ..meta };
        // Only a frame prepared ahead has something to give back.
        let ahead = !prepared.is_empty();
        let pkt = d.dissect_prepared(meta, data, &mut scratch, prepared);
        let go_on = each(d, &pkt, data)?;
        stopped = !go_on;
        if ahead {
            spent.extend(dissector_core::Prepared::reclaim(pkt));
        } else {
            d.recycle(pkt);
        }
        if let Some(p) = &progress {
            p.inc(u64::from(meta.caplen) + 16);
        }
        Ok(go_on)
    });
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    match result {
        Err(capture::NotACapture(why)) => Err(RunError::Usage(format!("{}: {why}", path.display()))),
        Ok(r) => {
            let r = r?;
            Ok((r.warning, r.frames, stopped))
        }
    }
}

/// The captures `-r` names, as one: a folder stands for the files in it; several files are
/// read in the order of their first frame's time (as mergecap -a after sorting them), so a
/// connection that goes on from one file into the next is tracked across.
pub(crate) fn input_files(given: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, RunError> {
    let mut files = Vec::new();
    for p in given {
        if p.is_dir() {
            let mut inside: Vec<std::path::PathBuf> = std::fs::read_dir(p)
                .map_err(|e| RunError::Usage(format!("cannot read {}: {e}", p.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && !f.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
                .collect();
            inside.sort();
            if inside.is_empty() {
                return Err(RunError::Usage(format!("{}: no files in it", p.display())));
            }
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    if files.len() > 1 {
        if files.iter().any(|f| f.as_os_str() == "-") {
            return Err(RunError::Usage("standard input (-r -) cannot be read with other files".into()));
        }
        let mut keyed = Vec::new();
        for f in files {
            keyed.push((first_frame_time(&f)?, f));
        }
        // A file without a frame goes last; equal times keep the given order.
        keyed.sort_by_key(|(t, _)| t.unwrap_or(i128::MAX));
        files = keyed.into_iter().map(|(_, f)| f).collect();
    }
    Ok(files)
}

/// The time of a capture file's first frame (None: it has none).
fn first_frame_time(path: &std::path::Path) -> Result<Option<i128>, RunError> {
    let mut first = None;
    let read = capture::for_each_frame(open_path(path)?, |meta, _| {
        first = Some(meta.ts_ns);
        Ok(false)
    });
    match read {
        Err(capture::NotACapture(why)) => Err(RunError::Usage(format!("{}: {why}", path.display()))),
        Ok(_) => Ok(first),
    }
}

/// Whether `path` is a pipe, a FIFO or a terminal rather than a regular file: its frames are
/// dissected and shown as they arrive, not when a batch fills.
pub(crate) fn is_live(path: &std::path::Path) -> bool {
    let p = if path.as_os_str() == "-" { std::path::Path::new("/dev/stdin") } else { path };
    std::fs::metadata(p).map(|m| !m.file_type().is_file()).unwrap_or(true)
}

/// Inputs from this size on get a progress bar (when stderr is a terminal).
const PROGRESS_FROM: u64 = 10_000_000;

/// A progress bar on stderr for inputs over 10 MB when stderr is a terminal.
fn progress_bar(input: &std::path::Path, err_is_tty: bool) -> Option<indicatif::ProgressBar> {
    let size = std::fs::metadata(input).ok()?.len();
    if !wants_progress(size, err_is_tty) {
        return None;
    }
    let p = indicatif::ProgressBar::with_draw_target(Some(size), indicatif::ProgressDrawTarget::stderr());
    p.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(p)
}

/// A bar only for big files (a pipe has no size) and only for a person watching.
fn wants_progress(size: u64, err_is_tty: bool) -> bool {
    err_is_tty && size >= PROGRESS_FROM
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_for_big_inputs_on_a_terminal() {
        assert!(wants_progress(PROGRESS_FROM, true));
        assert!(!wants_progress(PROGRESS_FROM - 1, true));
        assert!(!wants_progress(u64::MAX, false));
    }
}

/// Run a configuration, writing to `out` and warnings to `err`.
pub fn run(c: &Config, out: &mut dyn Write, err: &mut dyn Write, err_is_tty: bool) -> Result<(), RunError> {
    if let Some(n) = crate::threads::split(c) {
        return crate::threads::run(c, n, out, err);
    }
    let tail = run_part(c, Part { shard: c.shard, late: None, merged: None }, out, err, err_is_tty)?;
    tail.print(err);
    Ok(())
}

/// What one dissector of a run is given: its shard, the first pass's facts when they were
/// learnt already, and, when its output is merged with others' ([`crate::threads`]), what to
/// call after each frame.
pub(crate) struct Part<'a> {
    pub(crate) shard: Option<dissector_core::shard::Shard>,
    pub(crate) late: Option<Option<LateFacts>>,
    /// Called with each frame's number once its output is written. The run then writes no
    /// header and no JSON brackets (each JSON object starts with its separator).
    pub(crate) merged: Option<&'a mut dyn FnMut(u32) -> io::Result<()>>,
}

/// What a run says at its end: how reading ended, and what the limits and the undecoded
/// encapsulations cost.
#[derive(Debug, Default)]
pub(crate) struct Tail {
    pub(crate) warning: Option<String>,
    pub(crate) evictions: dissector_core::Evictions,
    pub(crate) undecoded: Vec<(&'static str, u64)>,
}

impl Tail {
    fn of(warning: Option<String>, d: &Dissector) -> Tail {
        Tail { warning, evictions: d.evictions(), undecoded: d.undecoded().to_vec() }
    }

    pub(crate) fn print(&self, err: &mut dyn Write) {
        if let Some(w) = &self.warning {
            let _ = writeln!(err, "synack: warning: {w}");
        }
        report_limits(&self.evictions, &self.undecoded, err);
    }
}

/// [`run`] for one dissector: its shard's packets, printed to `out`.
pub(crate) fn run_part(
    c: &Config,
    part: Part<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    err_is_tty: bool,
) -> Result<Tail, RunError> {
    let Part { shard, late: given_late, mut merged } = part;
    // A live capture: dumpcap's output is the input, read as it comes.
    let (mut input, running) = match &c.capture {
        Some(cap) => {
            let (input, running) = crate::live::start(cap, c.count, c.watch.is_some() && c.out_is_tty)?;
            (input, Some(running))
        }
        None => (open(c)?, None),
    };
    let tracking = c.needs_tracking();
    // What a first pass learns (dns.response_in, synack.dns.used_by) is the tracker's.
    let learnt = given_late.is_some();
    let mut late = given_late.flatten();
    if c.two_pass && tracking && !learnt {
        // Standard input can be read once only: keep it for the second pass.
        let mut stdin_copy = Vec::new();
        let first = if c.input.as_os_str() == "-" {
            input.read_to_end(&mut stdin_copy)?;
            first_pass(c, Box::new(io::Cursor::new(stdin_copy.clone())))?
        } else {
            first_pass(c, input)?
        };
        input = if c.input.as_os_str() == "-" { Box::new(io::Cursor::new(stdin_copy)) } else { open(c)? };
        late = Some(first);
    }
    let analysis = c.needs_analysis();
    let verdicts = c.needs_verdicts();
    let mut dissector = Dissector::with_options(Options {
        tracking,
        late,
        analysis,
        verdicts,
        shard,
        ..Options::with_limits(c.limits)
    });
    let mut printer = output::FieldsPrinter::new(c);
    if c.header && c.mode == Mode::Fields && !c.quiet && merged.is_none() {
        printer.header(out)?;
    }
    let mut json_first = merged.is_none();
    let mut parquet = match &c.parquet {
        Some(path) => Some(
            crate::parquet::FieldsTable::create(c, path)
                .map_err(|e| RunError::Usage(format!("cannot write {}: {e}", path.display())))?,
        ),
        None => None,
    };
    let progress = progress_bar(&c.input, err_is_tty && merged.is_none());
    let mut undecoded_kinds = 0;
    // A pipe's packets are shown as they come: each line written out at once.
    let live = running.is_some() || is_live(&c.input);
    let mut frames = 0;
    let mut table = c.watch.map(|s| crate::watch::Watch::new(s, c.limits.max_connections, c.out_is_tty));
    let read = read_frames(input, &c.input, &c.more, live, progress, &mut dissector, |d, pkt, data| {
        frames = pkt.meta.number;
        let meta = pkt.meta;
        let first_undecoded = d.undecoded().len() > undecoded_kinds;
        undecoded_kinds = d.undecoded().len();
        // With the work split, a frame's warnings and output are its shard's alone.
        let mine = d.owns_last();
        if mine && meta.caplen > meta.len {
            let _ = writeln!(
                err,
                "synack: warning: frame {}: captured length {} is more than the packet's length {}",
                meta.number, meta.caplen, meta.len
            );
        }
        for a in pkt.anomalies.iter().filter(|_| mine) {
            let _ = writeln!(err, "synack: warning: frame {}: {a}", meta.number);
        }
        let shown = mine && c.filter.as_ref().is_none_or(|f| filter::matches(f, pkt, first_undecoded));
        if let Some(t) = table.as_mut() {
            if shown {
                t.packet(pkt);
            }
            if !t.tick(meta.number, out)? {
                return Ok(false);
            }
        } else if shown && !c.quiet {
            match c.mode {
                Mode::Fields => printer.packet(out, pkt)?,
                Mode::Parquet => {
                    if let Some(t) = parquet.as_mut() {
                        t.packet(pkt, err)?;
                    }
                }
                Mode::Text => {
                    if c.summary {
                        views::summary_line(out, pkt, &c.style)?;
                        // tshark leaves a line between the summary and a hex dump alone.
                        if c.hex && !c.verbose {
                            writeln!(out)?;
                        }
                    }
                    if c.verbose {
                        views::detail(out, pkt, &c.style, c.expand.as_deref())?;
                    }
                    if c.hex {
                        views::hex_dump(out, pkt, data)?;
                    }
                }
                Mode::Json => {
                    let mut s = String::new();
                    crate::json::packet(pkt, &c.fields, json_first, &mut s);
                    json_first = false;
                    out.write_all(s.as_bytes())?;
                }
                Mode::Ek => {
                    let mut s = String::new();
                    crate::json::ek(pkt, &c.fields, &mut s);
                    out.write_all(s.as_bytes())?;
                }
                Mode::Jsonl => {
                    out.write_all(views::json_object(pkt, &c.fields).as_bytes())?;
                    out.write_all(b"\n")?;
                }
            }
        }
        // (watch's table flushes itself.)
        if live && shown && !c.quiet && table.is_none() {
            out.flush()?;
        }
        if let Some(m) = merged.as_mut() {
            m(meta.number)?;
        }
        Ok(c.count.is_none_or(|n| meta.number < n))
    });
    if let Some(t) = table {
        if read.is_ok() {
            t.finish(out)?;
        } else {
            // The error is reported below, on a terminal given back.
            let _ = t.finish(&mut io::sink());
        }
    }
    // A capture that failed says why (permissions) rather than "the input is empty".
    if let Some(r) = running {
        r.finish(frames > 0, err)?;
    }
    // Every good packet is kept: the file is completed even when reading stopped on an error.
    if let Some(t) = parquet {
        t.finish()?;
    }
    let warning = read?;
    if c.mode == Mode::Json && !c.quiet && merged.is_none() {
        out.write_all(crate::json::end(!json_first).as_bytes())?;
    }
    out.flush()?;
    Ok(Tail::of(warning, &dissector))
}

/// Why a run failed.
#[derive(Debug)]
pub enum RunError {
    /// Bad input or arguments.
    Usage(String),
    /// Output or input failed.
    Io(io::Error),
}

impl From<io::Error> for RunError {
    fn from(e: io::Error) -> Self {
        RunError::Io(e)
    }
}

pub(crate) fn run_conv(
    a: &ConvArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    out_is_tty: bool,
    err_is_tty: bool,
) -> Result<(), RunError> {
    let files = input_files(&a.read)?;
    let Some(first) = files.first() else { return Err(RunError::Usage("no input".into())) };
    let style = Style::new(a.common.color, out_is_tty);
    let table = match (a.format, &a.write) {
        (conv::ConvFormat::Parquet, Some(path)) => Some(
            crate::parquet::Table::create(path, &conv::parquet_columns())
                .map_err(|e| RunError::Usage(format!("cannot write {}: {e}", path.display())))?,
        ),
        (conv::ConvFormat::Parquet, None) => {
            return Err(RunError::Usage("-T parquet writes a file: name it with -w FILE".into()))
        }
        (_, Some(_)) => return Err(RunError::Usage("-w goes with -T parquet".into())),
        _ => None,
    };
    let mut w = conv::ConvWriter::new(out, a.format, 0, a.lang, style, table);
    let threads = if crate::threads::rereadable(first) { a.split.threads(false) } else { 1 };
    let tail = if threads > 1 {
        crate::threads::conv(a, &files, threads, &mut w)?
    } else {
        conv_part(a, &files, a.split.shard, err_is_tty, &mut |row| match row {
            ConvRow::First(ns) => {
                w.set_first(ns);
                Ok(())
            }
            ConvRow::Row(_, s) => w.push(*s),
            ConvRow::Done(_) => Ok(()),
        })?
    };
    w.finish()?;
    out.flush()?;
    tail.print(err);
    Ok(())
}

/// What `conv` hands on as it reads.
pub(crate) enum ConvRow {
    /// The capture's first timestamp.
    First(i128),
    /// A connection's row, once its tracking ended with this frame (`u32::MAX`: at the end).
    Row(u32, Box<dissector_core::conn::ConnSummary>),
    /// This frame is dissected.
    Done(u32),
}

/// `conv` over `files` for one dissector (its `shard`): rows in the order their connections
/// ended, those ending at the same frame in stream order (so that shards merge to the same).
pub(crate) fn conv_part(
    a: &ConvArgs,
    files: &[std::path::PathBuf],
    shard: Option<dissector_core::shard::Shard>,
    err_is_tty: bool,
    each: &mut dyn FnMut(ConvRow) -> io::Result<()>,
) -> Result<Tail, RunError> {
    let Some((first, more)) = files.split_first() else { return Err(RunError::Usage("no input".into())) };
    let progress = progress_bar(first, err_is_tty);
    let input = open_path(first)?;
    let mut d = Dissector::with_options(Options {
        summaries: true,
        analysis: false,
        verdicts: false,
        shard,
        ..Options::with_limits(a.common.limits())
    });
    let warning = read_frames(input, first, more, is_live(first), progress, &mut d, |d, pkt, _| {
        let n = pkt.meta.number;
        if n == 1 {
            each(ConvRow::First(pkt.meta.ts_ns))?;
        }
        let mut rows = d.take_summaries();
        rows.sort_by_key(|s| s.stream);
        for s in rows {
            each(ConvRow::Row(n, Box::new(s)))?;
        }
        each(ConvRow::Done(n))?;
        Ok(true)
    })?;
    let mut failed = Ok(());
    d.finish_each(|s| {
        if failed.is_ok() {
            failed = each(ConvRow::Row(u32::MAX, Box::new(s)));
        }
    });
    failed?;
    Ok(Tail::of(warning, &d))
}

pub(crate) fn run_ladder(
    a: &LadderArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    out_is_tty: bool,
    err_is_tty: bool,
) -> Result<(), RunError> {
    let files = input_files(&a.read)?;
    let Some((first, more)) = files.split_first() else { return Err(RunError::Usage("no input".into())) };
    let progress = progress_bar(first, err_is_tty);
    let input = open_path(first)?;
    // The ladder shows the informed view: rows that later frames revise are shown revised.
    let mut d = Dissector::with_options(Options {
        revisions: true,
        analysis: false,
        ..Options::with_limits(a.common.limits())
    });
    let mut col = ladder::Collector::new(a.stream);
    let warning = read_frames(input, first, more, is_live(first), progress, &mut d, |d, pkt, _| {
        col.packet(pkt);
        col.revise(d.take_revisions());
        col.verdicts(d.take_verdicts());
        Ok(true)
    })?;
    d.finalize();
    col.revise(d.take_revisions());
    col.verdicts(d.take_verdicts());
    // A stream asked for that the capture does not have is an error (exit 2), not an empty
    // diagram.
    if let (Some(_), Some(msg)) = (a.stream, col.missing_stream()) {
        return Err(RunError::Usage(msg));
    }
    // The terminal's width when writing to one (COLUMNS is rarely exported to programs).
    let term = if out_is_tty { terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)) } else { None };
    let width = a.width.or(term).or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())).unwrap_or(100);
    let style = Style::new(a.common.color, out_is_tty);
    col.draw(out, width, a.lang, a.explain, &style)?;
    out.flush()?;
    if let Some(w) = warning {
        let _ = writeln!(err, "synack: warning: {w}");
    }
    report_limits(&d.evictions(), d.undecoded(), err);
    Ok(())
}

fn report_limits(ev: &dissector_core::Evictions, undecoded: &[(&'static str, u64)], err: &mut dyn Write) {
    if ev.any() {
        let _ = writeln!(err, "synack: limits reached: {ev} (raise --max-connections or --idle-timeout to keep more)");
    }
    // One line per encapsulation synack does not decode, not one per frame.
    for (what, n) in undecoded {
        let frames = if *n == 1 { "1 frame carries" } else { "frames carry" };
        let count = if *n == 1 { String::new() } else { format!("{n} ") };
        let _ = writeln!(
            err,
            "synack: warning: {count}{frames} {what}, which synack does not decode: the connections inside are not tracked"
        );
    }
}

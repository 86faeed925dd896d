//! `synack`: headless, tshark-compatible dissection of TCP handshakes and DNS.
//!
//! The library holds the whole command line so tests can drive it in-process: [`main_with`]
//! parses arguments, turns them into a validated [`Config`], runs it with output written to
//! `&mut dyn Write`, and returns the exit status (0 success, 2 usage or input error).
//!
//! No unsafe code, except the prefetch hint in [`capture`], allowed there by name.
#![deny(unsafe_code)]

pub mod capture;
mod conv;
mod explain;
pub mod filter;
mod ladder;
mod output;
mod style;
mod views;

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use clap::{CommandFactory, Parser};
use dissector_core::conn::LateFacts;
use dissector_core::{Dissector, Field, FrameMeta, Limits, Packet};

use crate::explain::Lang;
use crate::style::{ColorChoice, Style};

const EXAMPLES: &str = "Examples:
  synack ladder -r capture.pcap --explain            the handshake walkthrough of the first connection
  synack ladder -r capture.pcap --stream 3 --explain --lang ko
  synack conv -r capture.pcap                        one row per TCP connection (-T json|csv for programs)
  synack -r capture.pcap                             one line per packet, as tshark, plus each endpoint's state
  synack -r capture.pcap -Y 'synack.stage == 2'      only SYN+ACKs
  synack -r capture.pcap -T fields -e frame.number -e tcp.flags.str -e synack.state.server
  synack -r capture.pcap -T jsonl -e tcp.stream -e synack.transition
  tcpdump -w - | synack -r - -T fields -e tcp.options.mss_val";

/// synack makes TCP connections legible: which packet is step 1, 2 or 3 of the handshake, what
/// state each endpoint is in after every packet, which options were negotiated, and which DNS
/// lookup led to the connection. Packet views take tshark's flags, so synack can stand in for
/// tshark; `conv` and `ladder` show whole connections.
#[derive(Parser, Debug)]
#[command(name = "synack", version, disable_version_flag = true, verbatim_doc_comment, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
struct Cli {
    /// Print the version (-v, as tshark's; -V is the detail view).
    #[arg(short = 'v', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,

    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    packets: Args,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// One row per TCP connection: endpoints, packets and bytes each way, handshake and iRTT,
    /// options, who closed and how, final states, Zeek's conn_state and history.
    Conv(ConvArgs),
    /// One connection as an arrow diagram: the handshake walkthrough, with the DNS lookup that
    /// preceded it; --explain says what each step means.
    Ladder(LadderArgs),
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. synack man > synack.1.
    Man,
}

#[derive(clap::Args, Debug)]
struct ConvArgs {
    /// Read packets from FILE (pcap or pcapng); `-` reads standard input.
    #[arg(short = 'r', value_name = "FILE")]
    read: PathBuf,

    /// table for people, json or csv for programs.
    #[arg(short = 'T', value_name = "FORMAT", value_enum, default_value_t = conv::ConvFormat::Table)]
    format: conv::ConvFormat,

    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args, Debug)]
struct LadderArgs {
    /// Read packets from FILE (pcap or pcapng); `-` reads standard input.
    #[arg(short = 'r', value_name = "FILE")]
    read: PathBuf,

    /// The connection to draw (tcp.stream); default: the first one whose SYN is in the capture.
    #[arg(long = "stream", value_name = "N")]
    stream: Option<u32>,

    /// Explain each step: sequence numbers, options, states.
    #[arg(long = "explain")]
    explain: bool,

    /// Language of --explain.
    #[arg(long = "lang", value_enum, default_value_t = Lang::En)]
    lang: Lang,

    /// Width of the diagram (default: the terminal's; else COLUMNS; else 100).
    #[arg(long = "width", value_name = "COLUMNS")]
    width: Option<usize>,

    #[command(flatten)]
    common: Common,
}

/// Options every view takes.
#[derive(clap::Args, Debug, Clone)]
struct Common {
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long = "color", value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,

    /// Most TCP connections tracked at once; beyond it the least recently used are evicted
    /// (and counted on stderr at the end).
    #[arg(long = "max-connections", value_name = "N", default_value_t = Limits::default().max_connections)]
    max_connections: usize,

    /// Forget a TCP connection after this many seconds without a segment (capture time).
    #[arg(long = "idle-timeout", value_name = "SECONDS", default_value_t = 3600)]
    idle_timeout: u64,
}

impl Common {
    fn limits(&self) -> Limits {
        Limits {
            max_connections: self.max_connections.max(1),
            idle_ns: i128::from(self.idle_timeout.max(1)) * 1_000_000_000,
            ..Limits::default()
        }
    }
}

/// Packet views (no subcommand).
#[derive(clap::Args, Debug)]
struct Args {
    /// Read packets from FILE (pcap or pcapng); `-` reads standard input.
    #[arg(short = 'r', value_name = "FILE")]
    read: Option<PathBuf>,

    /// Output format: text (default: tshark's one line per packet plus synack's annotation),
    /// fields (the -e fields, tab-separated), json (an array) or jsonl (one object per line).
    #[arg(short = 'T', value_name = "FORMAT")]
    format: Option<String>,

    /// Field to print (repeatable), e.g. -e tcp.seq -e synack.state.server.
    #[arg(short = 'e', value_name = "FIELD")]
    fields: Vec<String>,

    /// Fields output option: header=y|n, separator=/t|/s|<char>, occurrence=f|l|a,
    /// aggregator=,|/s|<char>, quote=d|s|n (repeatable, as tshark's -E).
    #[arg(short = 'E', value_name = "OPTION=VALUE")]
    field_options: Vec<String>,

    /// Display filter, in tshark's syntax: -Y 'tcp.port == 80 and synack.stage'.
    #[arg(short = 'Y', value_name = "FILTER")]
    filter: Option<String>,

    /// Detail view: every field synack knows, layer by layer, after each packet's line.
    #[arg(short = 'V')]
    verbose: bool,

    /// Quiet: print no packets (warnings and limits still go to stderr).
    #[arg(short = 'q')]
    quiet: bool,

    /// Stop after N packets.
    #[arg(short = 'c', value_name = "N")]
    count: Option<u32>,

    /// Two passes, as tshark -2: the first learns what later frames tell about earlier ones
    /// (dns.response_in, synack.dns.used_by), the second prints.
    #[arg(short = '2')]
    two_pass: bool,

    /// List every field synack knows (name, type, description) and exit.
    #[arg(long = "list-fields")]
    list_fields: bool,

    #[command(flatten)]
    common: Common,
}

/// Which occurrences of a field to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurrence {
    /// All, joined by the aggregator.
    All,
    /// The first.
    First,
    /// The last.
    Last,
}

/// Packet output modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Text,
    Fields,
    Json,
    Jsonl,
}

/// A validated run configuration.
#[derive(Debug)]
pub struct Config {
    input: PathBuf,
    mode: Mode,
    verbose: bool,
    quiet: bool,
    filter: Option<filter::Filter>,
    style: Style,
    fields: Vec<Field>,
    header: bool,
    separator: String,
    aggregator: String,
    occurrence: Occurrence,
    quote: Option<char>,
    count: Option<u32>,
    two_pass: bool,
    limits: Limits,
}

impl Config {
    /// Whether what the run prints or filters on needs the connection tracker. Printing only
    /// fields that do not (-T fields, json or jsonl with -e), synack skips it: the same output
    /// for about a quarter less work. The text views show its annotations, and `-q` is
    /// "dissect and track" (the benchmark's measure of the whole core).
    fn needs_tracking(&self) -> bool {
        self.mode == Mode::Text
            || self.quiet
            || self.fields.iter().any(|f| f.needs_tracking())
            || self.filter.as_ref().is_some_and(|f| f.any_field(&|f: Field| f.needs_tracking()))
    }
}

/// A usage or input error: printed, exit status 2.
#[derive(Debug)]
struct UsageError(String);

fn sep_value(v: &str) -> String {
    match v {
        "/t" => "\t".into(),
        "/s" => " ".into(),
        other => other.into(),
    }
}

fn config(args: Args, out_is_tty: bool) -> Result<Config, UsageError> {
    let input = args
        .read
        .ok_or_else(|| UsageError("no input: give a capture with -r FILE (or -r - for standard input)".into()))?;
    let mode = match args.format.as_deref() {
        None | Some("text") => Mode::Text,
        Some("fields") => Mode::Fields,
        Some("json") => Mode::Json,
        Some("jsonl") => Mode::Jsonl,
        Some(other) => return Err(UsageError(format!("-T {other}: unknown format (text, fields, json or jsonl)"))),
    };
    let filter = match &args.filter {
        Some(text) => Some(filter::parse(text).map_err(|e| UsageError(e.render(text)))?),
        None => None,
    };
    let mut bad = Vec::new();
    let mut fields = Vec::new();
    for name in &args.fields {
        match Field::from_abbrev(name) {
            Some(f) => fields.push(f),
            None => bad.push(name.as_str()),
        }
    }
    if !bad.is_empty() {
        return Err(UsageError(format!("Some fields aren't valid:\n\t{}", bad.join("\n\t"))));
    }
    if fields.is_empty() && mode == Mode::Fields {
        return Err(UsageError("-T fields needs at least one -e FIELD".into()));
    }
    if fields.is_empty() && matches!(mode, Mode::Json | Mode::Jsonl) {
        fields = views::default_json_fields();
    }
    let mut c = Config {
        input,
        mode,
        verbose: args.verbose,
        quiet: args.quiet,
        filter,
        style: Style::new(args.common.color, out_is_tty),
        fields,
        header: false,
        separator: "\t".into(),
        aggregator: ",".into(),
        occurrence: Occurrence::All,
        quote: None,
        count: args.count,
        two_pass: args.two_pass,
        limits: args.common.limits(),
    };
    for opt in &args.field_options {
        let (k, v) = opt.split_once('=').ok_or_else(|| UsageError(format!("invalid -E option \"{opt}\"")))?;
        match (k, v) {
            ("header", "y") => c.header = true,
            ("header", "n") => c.header = false,
            ("separator", v) => c.separator = sep_value(v),
            ("aggregator", v) => c.aggregator = sep_value(v),
            ("occurrence", "a") => c.occurrence = Occurrence::All,
            ("occurrence", "f") => c.occurrence = Occurrence::First,
            ("occurrence", "l") => c.occurrence = Occurrence::Last,
            ("quote", "d") => c.quote = Some('"'),
            ("quote", "s") => c.quote = Some('\''),
            ("quote", "n") => c.quote = None,
            _ => return Err(UsageError(format!("invalid -E option \"{opt}\""))),
        }
    }
    Ok(c)
}

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

/// The first of two passes: what later frames tell about earlier ones.
fn first_pass(c: &Config, input: Box<dyn Read + Send>) -> Result<LateFacts, RunError> {
    let mut dissector = Dissector::with_limits(c.limits);
    dissector.set_collect_late(true);
    read_frames(input, &c.input, None, &mut dissector, |_, pkt| Ok(c.count.is_none_or(|n| pkt.meta.number < n)))?;
    Ok(dissector.late_facts())
}

/// Read every frame of `input` through `d`, handing each packet to `each` (which says whether to
/// go on), advancing `progress` if there is one. Returns the reader's closing warning, if any.
fn read_frames(
    input: Box<dyn Read + Send>,
    path: &std::path::Path,
    progress: Option<indicatif::ProgressBar>,
    d: &mut Dissector,
    mut each: impl FnMut(&mut Dissector, &Packet<'_>) -> io::Result<bool>,
) -> Result<Option<String>, RunError> {
    let mut scratch = Vec::new();
    let prepare = |meta: &FrameMeta, data: &[u8]| dissector_core::prepare(meta.linktype, data);
    // A DNS message was parsed on the reading thread, on the other core: the dissecting thread
    // reads it first in Dissector::push_parsed_dns, then its questions and records.
    let warm = |p: &dissector_core::Prepared, when: capture::Warm| {
        let Some(m) = p.message() else { return };
        match when {
            capture::Warm::Far => capture::prefetch_value(m),
            capture::Warm::Near => {
                if let Some(q) = m.questions.first() {
                    capture::prefetch_value(q);
                }
                if let Some(r) = m.records.first() {
                    capture::prefetch_value(r);
                }
            }
        }
    };
    let result = capture::for_each_frame_ahead(input, prepare, warm, |meta, data, prepared, spent| {
        // Only a frame prepared ahead has something to give back.
        let ahead = !prepared.is_empty();
        let pkt = d.dissect_prepared(meta, data, &mut scratch, prepared);
        let go_on = each(d, &pkt)?;
        if ahead {
            spent.extend(dissector_core::Prepared::reclaim(pkt));
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
        Ok(r) => Ok(r?.warning),
    }
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
    let mut input = open(c)?;
    let tracking = c.needs_tracking();
    // What a first pass learns (dns.response_in, synack.dns.used_by) is the tracker's.
    let mut dissector = if c.two_pass && tracking {
        // Standard input can be read once only: keep it for the second pass.
        let mut stdin_copy = Vec::new();
        let first = if c.input.as_os_str() == "-" {
            input.read_to_end(&mut stdin_copy)?;
            first_pass(c, Box::new(io::Cursor::new(stdin_copy.clone())))?
        } else {
            first_pass(c, input)?
        };
        input = if c.input.as_os_str() == "-" { Box::new(io::Cursor::new(stdin_copy)) } else { open(c)? };
        Dissector::with_late_facts_and_limits(first, c.limits)
    } else {
        Dissector::with_limits(c.limits)
    };
    dissector.set_tracking(tracking);
    let mut printer = output::FieldsPrinter::new(c);
    if c.header && c.mode == Mode::Fields && !c.quiet {
        printer.header(out)?;
    }
    let mut json_first = true;
    let progress = progress_bar(&c.input, err_is_tty);
    let warning = read_frames(input, &c.input, progress, &mut dissector, |_, pkt| {
        let meta = pkt.meta;
        if meta.caplen > meta.len {
            let _ = writeln!(
                err,
                "synack: warning: frame {}: captured length {} is more than the packet's length {}",
                meta.number, meta.caplen, meta.len
            );
        }
        for a in &pkt.anomalies {
            let _ = writeln!(err, "synack: warning: frame {}: {a}", meta.number);
        }
        let shown = c.filter.as_ref().is_none_or(|f| filter::matches(f, pkt));
        if shown && !c.quiet {
            match c.mode {
                Mode::Fields => printer.packet(out, pkt)?,
                Mode::Text => {
                    views::summary_line(out, pkt, &c.style)?;
                    if c.verbose {
                        views::detail(out, pkt, &c.style)?;
                    }
                }
                Mode::Json => {
                    out.write_all(if json_first { b"[\n  " } else { b",\n  " })?;
                    json_first = false;
                    out.write_all(views::json_object(pkt, &c.fields).as_bytes())?;
                }
                Mode::Jsonl => {
                    out.write_all(views::json_object(pkt, &c.fields).as_bytes())?;
                    out.write_all(b"\n")?;
                }
            }
        }
        Ok(c.count.is_none_or(|n| meta.number < n))
    })?;
    if c.mode == Mode::Json && !c.quiet {
        out.write_all(if json_first { b"[]\n" } else { b"\n]\n" })?;
    }
    out.flush()?;
    if let Some(w) = warning {
        let _ = writeln!(err, "synack: warning: {w}");
    }
    report_limits(&dissector, err);
    Ok(())
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

/// Run synack with `argv` (program name first), reading standard input for `-r -`, writing
/// output to `out` and warnings to `err`. Returns the exit status.
pub fn main_with<I, T>(argv: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    main_with_tty(argv, out, err, false, false)
}

/// [`main_with`], told whether standard output and standard error are terminals (colour,
/// progress bar).
pub fn main_with_tty<I, T>(argv: I, out: &mut dyn Write, err: &mut dyn Write, out_is_tty: bool, err_is_tty: bool) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = if e.use_stderr() { write!(err, "{e}") } else { write!(out, "{e}") };
            return code;
        }
    };
    let result = match cli.command {
        Some(Command::Completions { shell }) => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "synack", out);
            Ok(())
        }
        Some(Command::Man) => clap_mangen::Man::new(Cli::command()).render(out).map_err(RunError::Io),
        Some(Command::Conv(a)) => run_conv(&a, out, err, err_is_tty),
        Some(Command::Ladder(a)) => run_ladder(&a, out, err, out_is_tty, err_is_tty),
        None => {
            let args = cli.packets;
            if args.list_fields {
                for f in dissector_core::FIELDS {
                    if writeln!(out, "{}\t{}\t{:?}\t{}", f.abbrev, f.name, f.ftype, f.desc).is_err() {
                        break;
                    }
                }
                return 0;
            }
            // `synack` alone: the help, as for any tool with nothing to do.
            if args.read.is_none() && args.format.is_none() && args.fields.is_empty() {
                let _ = write!(out, "{}", Cli::command().render_help());
                return 0;
            }
            match config(args, out_is_tty) {
                Ok(c) => run(&c, out, err, err_is_tty),
                Err(UsageError(m)) => Err(RunError::Usage(m)),
            }
        }
    };
    match result {
        Ok(()) => 0,
        // `synack ... | head` closes the pipe early: that is not an error.
        Err(RunError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(RunError::Io(e)) => {
            let _ = writeln!(err, "synack: {e}");
            2
        }
        Err(RunError::Usage(m)) => {
            let _ = writeln!(err, "synack: {m}");
            2
        }
    }
}

fn run_conv(a: &ConvArgs, out: &mut dyn Write, err: &mut dyn Write, err_is_tty: bool) -> Result<(), RunError> {
    let progress = progress_bar(&a.read, err_is_tty);
    let input = open_path(&a.read)?;
    let mut d = Dissector::with_limits(a.common.limits());
    d.set_summaries(true);
    let mut w = conv::ConvWriter::new(out, a.format, 0);
    let warning = read_frames(input, &a.read, progress, &mut d, |d, pkt| {
        if pkt.meta.number == 1 {
            w.set_first(pkt.meta.ts_ns);
        }
        for s in d.take_summaries() {
            w.push(s)?;
        }
        Ok(true)
    })?;
    let mut failed = Ok(());
    d.finish_each(|s| {
        if failed.is_ok() {
            failed = w.push(s);
        }
    });
    failed?;
    w.finish()?;
    out.flush()?;
    if let Some(w) = warning {
        let _ = writeln!(err, "synack: warning: {w}");
    }
    report_limits(&d, err);
    Ok(())
}

fn run_ladder(
    a: &LadderArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    out_is_tty: bool,
    err_is_tty: bool,
) -> Result<(), RunError> {
    let progress = progress_bar(&a.read, err_is_tty);
    let input = open_path(&a.read)?;
    let mut d = Dissector::with_limits(a.common.limits());
    let mut col = ladder::Collector::new(a.stream);
    let warning = read_frames(input, &a.read, progress, &mut d, |_, pkt| {
        col.packet(pkt);
        Ok(true)
    })?;
    // The terminal's width when writing to one (COLUMNS is rarely exported to programs).
    let term = if out_is_tty { terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)) } else { None };
    let width = a.width.or(term).or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())).unwrap_or(100);
    let style = Style::new(a.common.color, out_is_tty);
    col.draw(out, width, a.explain.then_some(a.lang), &style)?;
    out.flush()?;
    if let Some(w) = warning {
        let _ = writeln!(err, "synack: warning: {w}");
    }
    report_limits(&d, err);
    Ok(())
}

fn report_limits(d: &Dissector, err: &mut dyn Write) {
    let ev = d.evictions();
    if ev.any() {
        let _ = writeln!(err, "synack: limits reached: {ev} (raise --max-connections or --idle-timeout to keep more)");
    }
}

//! `synack`: headless, tshark-compatible dissection of TCP handshakes and DNS.
//!
//! The library holds the whole command line so tests can drive it in-process: [`main_with`]
//! parses arguments, turns them into a validated [`Config`], runs it with output written to
//! `&mut dyn Write`, and returns the exit status (0 success, 2 usage or input error).

pub mod capture;
mod output;

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use clap::Parser;
use dissector_core::conn::LateFacts;
use dissector_core::{Dissector, Field, Limits};

/// synack makes TCP connections legible: handshake steps, endpoint states, negotiated options,
/// and the DNS lookups behind them. Flags follow tshark's, so `synack` can stand in for
/// `tshark -T fields`.
///
/// Examples:
///   synack -r capture.pcap -T fields -e frame.number -e tcp.flags.str -e tcp.seq
///   synack -r capture.pcapng -T fields -E header=y -E separator=, -e dns.qry.name -e dns.a
///   tcpdump -w - | synack -r - -T fields -e tcp.options.mss_val
#[derive(Parser, Debug)]
#[command(name = "synack", version, verbatim_doc_comment)]
struct Args {
    /// Read packets from FILE (pcap or pcapng); `-` reads standard input.
    #[arg(short = 'r', value_name = "FILE")]
    read: Option<PathBuf>,

    /// Output format. `fields` prints the values of the fields given with -e.
    #[arg(short = 'T', value_name = "FORMAT")]
    format: Option<String>,

    /// Field to print with -T fields (repeatable), e.g. -e tcp.seq -e dns.qry.name.
    #[arg(short = 'e', value_name = "FIELD")]
    fields: Vec<String>,

    /// Fields output option: header=y|n, separator=/t|/s|<char>, occurrence=f|l|a,
    /// aggregator=,|/s|<char>, quote=d|s|n (repeatable, as tshark's -E).
    #[arg(short = 'E', value_name = "OPTION=VALUE")]
    field_options: Vec<String>,

    /// Stop after N packets.
    #[arg(short = 'c', value_name = "N")]
    count: Option<u32>,

    /// Most TCP connections tracked at once; beyond it the least recently used are evicted
    /// (and counted on stderr at the end).
    #[arg(long = "max-connections", value_name = "N", default_value_t = Limits::default().max_connections)]
    max_connections: usize,

    /// Forget a TCP connection after this many seconds without a segment (capture time).
    #[arg(long = "idle-timeout", value_name = "SECONDS", default_value_t = 3600)]
    idle_timeout: u64,

    /// Two passes, as tshark -2: the first learns what later frames tell about earlier ones
    /// (dns.response_in, synack.dns.used_by), the second prints.
    #[arg(short = '2')]
    two_pass: bool,

    /// List every field synack knows (name, type, description) and exit.
    #[arg(long = "list-fields")]
    list_fields: bool,
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

/// A validated run configuration.
#[derive(Debug)]
pub struct Config {
    input: PathBuf,
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

fn config(args: Args) -> Result<Config, UsageError> {
    let input = args.read.ok_or_else(|| UsageError("no input: give a capture with -r FILE (or -r - for standard input)".into()))?;
    match args.format.as_deref() {
        Some("fields") => {}
        Some(other) => {
            return Err(UsageError(format!("-T {other} is not supported yet; use -T fields")));
        }
        None => return Err(UsageError("give an output format: -T fields with one or more -e FIELD".into())),
    }
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
    if fields.is_empty() {
        return Err(UsageError("-T fields needs at least one -e FIELD".into()));
    }
    let mut c = Config {
        input,
        fields,
        header: false,
        separator: "\t".into(),
        aggregator: ",".into(),
        occurrence: Occurrence::All,
        quote: None,
        count: args.count,
        two_pass: args.two_pass,
        limits: Limits {
            max_connections: args.max_connections.max(1),
            idle_ns: i128::from(args.idle_timeout.max(1)) * 1_000_000_000,
            ..Limits::default()
        },
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
    Ok(if c.input.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(&c.input).map_err(|e| RunError::Usage(format!("cannot open {}: {e}", c.input.display())))?)
    })
}

/// The first of two passes: what later frames tell about earlier ones.
fn first_pass(c: &Config, input: Box<dyn Read + Send>) -> Result<LateFacts, RunError> {
    let mut dissector = Dissector::with_limits(c.limits);
    let mut scratch = Vec::new();
    let result = capture::for_each_frame(input, |meta, data| {
        dissector.dissect(meta, data, &mut scratch);
        Ok(c.count.is_none_or(|n| meta.number < n))
    });
    match result {
        Err(capture::NotACapture(why)) => Err(RunError::Usage(format!("{}: {why}", c.input.display()))),
        Ok(r) => {
            r?;
            Ok(dissector.late_facts())
        }
    }
}

/// Run a configuration, writing to `out` and warnings to `err`.
pub fn run(c: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), RunError> {
    let mut input = open(c)?;
    let mut dissector = if c.two_pass {
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
    let mut printer = output::FieldsPrinter::new(c);
    if c.header {
        printer.header(out)?;
    }
    let mut scratch = Vec::new();
    let result = capture::for_each_frame(input, |meta, data| {
        let pkt = dissector.dissect(meta, data, &mut scratch);
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
        printer.packet(out, &pkt)?;
        Ok(c.count.is_none_or(|n| meta.number < n))
    });
    let summary = match result {
        Err(capture::NotACapture(why)) => return Err(RunError::Usage(format!("{}: {why}", c.input.display()))),
        Ok(r) => r?,
    };
    out.flush()?;
    if let Some(w) = summary.warning {
        let _ = writeln!(err, "synack: warning: {w}");
    }
    let ev = dissector.evictions();
    if ev.any() {
        let _ = writeln!(err, "synack: limits reached: {ev} (raise --max-connections or --idle-timeout to keep more)");
    }
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
    let args = match Args::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = if e.use_stderr() { write!(err, "{e}") } else { write!(out, "{e}") };
            return code;
        }
    };
    if args.list_fields {
        for f in dissector_core::FIELDS {
            if writeln!(out, "{}\t{}\t{:?}\t{}", f.abbrev, f.name, f.ftype, f.desc).is_err() {
                break;
            }
        }
        return 0;
    }
    let c = match config(args) {
        Ok(c) => c,
        Err(UsageError(m)) => {
            let _ = writeln!(err, "synack: {m}");
            return 2;
        }
    };
    match run(&c, out, err) {
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

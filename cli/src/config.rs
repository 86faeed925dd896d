//! Raw arguments turned into a validated run configuration: output mode, fields and their
//! `-E` options, the display filter, colour, limits.

use std::path::PathBuf;

use dissector_core::shard::Shard;
use dissector_core::{Field, Limits};

use crate::args::Args;
use crate::filter;
use crate::style::Style;
use crate::views;

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

impl Occurrence {
    /// The occurrences of a field's `values` to print.
    pub(crate) fn pick<T>(self, values: &[T]) -> &[T] {
        match self {
            Occurrence::All => values,
            Occurrence::First => &values[..values.len().min(1)],
            Occurrence::Last => &values[values.len().saturating_sub(1)..],
        }
    }
}

/// Packet output modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Text,
    Fields,
    Json,
    Jsonl,
    /// tshark's `-T ek`: Elasticsearch bulk lines.
    Ek,
    /// A Parquet file (`-w`) with a column per field.
    Parquet,
}

/// A validated run configuration.
#[derive(Debug)]
pub struct Config {
    pub(crate) input: PathBuf,
    /// Further files read after `input` as the same capture (`-r` repeated, or a folder).
    pub(crate) more: Vec<PathBuf>,
    /// `-i`: a live capture instead of `input`.
    pub(crate) capture: Option<crate::live::Capture>,
    pub(crate) mode: Mode,
    pub(crate) verbose: bool,
    /// `-O`: the protocols whose trees the detail view expands (the others: title lines).
    pub(crate) expand: Option<Vec<String>>,
    /// `-x`: a hex dump of each packet.
    pub(crate) hex: bool,
    /// The one-line summary: the default, or asked for with -P next to -V, -O or -x.
    pub(crate) summary: bool,
    pub(crate) quiet: bool,
    /// `watch`: the connection table, printed every so many seconds, instead of packets.
    pub(crate) watch: Option<f64>,
    /// Standard output is a terminal (watch redraws in place).
    pub(crate) out_is_tty: bool,
    pub(crate) filter: Option<filter::Filter>,
    pub(crate) style: Style,
    pub(crate) fields: Vec<Field>,
    pub(crate) header: bool,
    pub(crate) separator: String,
    pub(crate) aggregator: String,
    pub(crate) occurrence: Occurrence,
    /// The Parquet file of `-T parquet`.
    pub(crate) parquet: Option<PathBuf>,
    pub(crate) quote: Option<char>,
    pub(crate) count: Option<u32>,
    pub(crate) two_pass: bool,
    pub(crate) limits: Limits,
    /// `--threads`: dissectors run side by side (1 where the run cannot be split).
    pub(crate) threads: usize,
    /// `--shard K/N`: the share of the capture shown.
    pub(crate) shard: Option<Shard>,
}

impl Config {
    /// `-T json` / `-T ek` without `-e`: every layer with every field synack has.
    fn every_field(&self) -> bool {
        matches!(self.mode, Mode::Json | Mode::Ek) && self.fields.is_empty() && !self.quiet
    }

    /// Whether what the run prints or filters on needs the connection tracker. Printing only
    /// fields that do not (-T fields, json or jsonl with -e), synack skips it: the same output
    /// for about a quarter less work. The text views show its annotations, and `-q` is
    /// "dissect and track" (the benchmark's measure of the whole core).
    pub(crate) fn needs_tracking(&self) -> bool {
        self.mode == Mode::Text
            || self.quiet
            || self.every_field()
            || self.fields.iter().any(|f| f.needs_tracking())
            || self.filter.as_ref().is_some_and(|f| f.any_field(&|f: Field| f.needs_tracking()))
    }

    /// Whether what the run prints or filters on needs tshark's sequence analysis
    /// (`tcp.analysis.*`, the Info column's tags). Without it each connection keeps no list
    /// of unacknowledged segments (docs/performance.md); `-q` prints nothing, so only its
    /// filter can ask for it.
    pub(crate) fn needs_analysis(&self) -> bool {
        (self.mode == Mode::Text && !self.quiet)
            || self.every_field()
            || self.fields.iter().any(|f| f.needs_analysis())
            || self.filter.as_ref().is_some_and(|f| f.any_field(&|f: Field| f.needs_analysis()))
    }
}

impl Config {
    /// Whether a connection's verdict is printed or filtered on (`synack.verdict*`; `-V` and
    /// JSON without `-e` show every synack field).
    pub(crate) fn needs_verdicts(&self) -> bool {
        self.watch.is_some()
            || (self.mode == Mode::Text && self.verbose && !self.quiet)
            || self.every_field()
            || (self.mode != Mode::Text && !self.quiet && self.fields.iter().any(|f| f.needs_verdict()))
            || self.filter.as_ref().is_some_and(|f| f.any_field(&|f: Field| f.needs_verdict()))
    }
}

/// A usage or input error: printed, exit status 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

fn sep_value(v: &str) -> String {
    match v {
        "/t" => "\t".into(),
        "/s" => " ".into(),
        other => other.into(),
    }
}

pub(crate) fn config(args: Args, out_is_tty: bool) -> Result<Config, UsageError> {
    // With -T parquet, -w names the Parquet file (not a copy of what -i captured).
    let parquet = args.format.as_deref() == Some("parquet");
    if parquet && args.write.is_none() {
        return Err(UsageError("-T parquet writes a file: name it with -w FILE".into()));
    }
    let save = args.write.clone().filter(|_| !parquet);
    let capture = if args.interfaces.is_empty() {
        if save.is_some() || args.capture_filter.is_some() || !args.autostop.is_empty() || args.snaplen.is_some() {
            return Err(UsageError("-w, -f, -s and -a go with a live capture (-i IFACE)".into()));
        }
        None
    } else {
        if args.two_pass {
            return Err(UsageError(
                "-2 needs a file: a live capture is read once (save it with -w, then -r it)".into(),
            ));
        }
        for a in &args.autostop {
            crate::live::check_autostop(a).map_err(UsageError)?;
        }
        Some(crate::live::Capture {
            interfaces: args.interfaces.clone(),
            filter: args.capture_filter.clone(),
            snaplen: args.snaplen,
            autostop: args.autostop.clone(),
            save,
        })
    };
    let files = crate::run::input_files(&args.read).map_err(|e| match e {
        crate::run::RunError::Usage(m) => UsageError(m),
        crate::run::RunError::Io(e) => UsageError(e.to_string()),
    })?;
    let input = match (files.first(), &capture) {
        (Some(r), _) => r.clone(),
        // Named in messages only.
        (None, Some(c)) => PathBuf::from(format!("capture on {}", c.interfaces.join(", "))),
        (None, None) => {
            return Err(UsageError(
                "no input: give a capture with -r FILE (-r - for standard input), or capture live with -i IFACE".into(),
            ))
        }
    };
    let mode = match args.format.as_deref() {
        None | Some("text") => Mode::Text,
        Some("fields") => Mode::Fields,
        Some("json") => Mode::Json,
        Some("jsonl") => Mode::Jsonl,
        Some("ek") => Mode::Ek,
        Some("parquet") => Mode::Parquet,
        Some(other) => {
            return Err(UsageError(format!("-T {other}: unknown format (text, fields, json, ek, jsonl or parquet)")))
        }
    };
    let filter = match &args.filter {
        Some(text) => Some(filter::parse(text).map_err(|e| UsageError(e.render(text)))?),
        None => None,
    };
    // tshark's -O takes protocol names; one it does not know expands nothing.
    let expand = args.expand.as_ref().map(|list| {
        list.split(',').map(|p| p.trim().to_ascii_lowercase()).filter(|p| !p.is_empty()).collect::<Vec<_>>()
    });
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
    if fields.is_empty() && matches!(mode, Mode::Fields | Mode::Parquet) {
        return Err(UsageError(format!("-T {} needs at least one -e FIELD", args.format.as_deref().unwrap_or(""))));
    }
    if fields.is_empty() && mode == Mode::Jsonl {
        fields = views::default_json_fields();
    }
    let mut c = Config {
        input,
        more: files.get(1..).unwrap_or_default().to_vec(),
        capture,
        mode,
        verbose: args.verbose || expand.is_some(),
        summary: args.summary || !(args.verbose || expand.is_some() || args.hex),
        expand,
        hex: args.hex,
        quiet: args.quiet,
        watch: None,
        out_is_tty,
        filter,
        style: Style::new(args.common.color, out_is_tty),
        fields,
        header: false,
        separator: "\t".into(),
        aggregator: ",".into(),
        occurrence: Occurrence::All,
        quote: None,
        parquet: args.write.clone().filter(|_| parquet),
        count: args.count,
        two_pass: args.two_pass,
        limits: args.common.limits(),
        threads: 1,
        shard: args.split.shard,
    };
    // Printing a packet as text or JSON costs several times its dissection (docs/performance.md).
    let heavy = !c.quiet && matches!(c.mode, Mode::Text | Mode::Json | Mode::Ek | Mode::Jsonl);
    c.threads = args.split.threads(heavy);
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

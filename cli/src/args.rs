//! The command line as clap reads it: the packet views' flags (tshark's), and the `conv`,
//! `ladder`, `completions` and `man` subcommands. Doc comments are the help text.

use std::path::PathBuf;

use clap::Parser;
use dissector_core::Limits;

use crate::conv;
use crate::explain::Lang;
use crate::style::ColorChoice;

const EXAMPLES: &str = "Examples:
  synack ladder -r capture.pcap --explain            the handshake walkthrough of the first connection
  synack ladder -r capture.pcap --stream 3 --explain --lang ko
  synack conv -r capture.pcap                        one row per TCP connection (-T json|csv for programs)
  synack -r capture.pcap                             one line per packet, as tshark, plus each endpoint's state
  synack -r capture.pcap -Y 'synack.stage == 2'      only SYN+ACKs
  synack -r capture.pcap -T fields -e frame.number -e tcp.flags.str -e synack.state.server
  synack -r capture.pcap -T jsonl -e tcp.stream -e synack.transition
  tcpdump -w - | synack -r - -T fields -e tcp.options.mss_val";

/// Make TCP connections legible: handshake steps, endpoint states, options and DNS.
///
/// synack makes TCP connections legible: which packet is step 1, 2 or 3 of the handshake, what
/// state each endpoint is in after every packet, which options were negotiated, and which DNS
/// lookup led to the connection. Packet views take tshark's flags, so synack can stand in for
/// tshark; `conv` and `ladder` show whole connections.
#[derive(Parser, Debug)]
#[command(name = "synack", version, disable_version_flag = true, verbatim_doc_comment, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
pub(crate) struct Cli {
    /// Print the version (-v, as tshark's; -V is the detail view).
    #[arg(short = 'v', long = "version", action = clap::ArgAction::Version)]
    pub(crate) version: Option<bool>,

    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    #[command(flatten)]
    pub(crate) packets: Args,
}

#[derive(clap::Subcommand, Debug)]
pub(crate) enum Command {
    /// One row per TCP connection: endpoints, packets and bytes each way, handshake and iRTT,
    /// options, who closed and how, final states, Zeek's conn_state and history.
    Conv(ConvArgs),
    /// One connection as an arrow diagram: the handshake walkthrough, with the DNS lookup that
    /// preceded it; --explain says what each step means.
    Ladder(LadderArgs),
    /// A live table of TCP connections: states, stage, iRTT, bytes and verdict, one row each.
    ///
    /// Both endpoints' states, the handshake step reached, iRTT, bytes each way and the
    /// verdict once known, most recently active first; a full-screen table on a terminal
    /// (q quits), printed every --interval seconds otherwise. Takes -i (live) or -r, -Y and
    /// the capture flags.
    Watch(Box<WatchArgs>),
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): synack(1), or a subcommand's, e.g. synack man conv > synack-conv.1.
    Man {
        /// The subcommand whose page to print (conv, ladder, watch, completions, man); none: synack(1).
        page: Option<String>,
        /// List the pages, one per line (packagers install one file each).
        #[arg(long, conflicts_with = "page")]
        list: bool,
    },
}

#[derive(clap::Args, Debug)]
pub(crate) struct WatchArgs {
    /// Seconds between tables (between redraws on a terminal).
    #[arg(long = "interval", value_name = "SECONDS", default_value_t = 1.0)]
    pub(crate) interval: f64,

    #[command(flatten)]
    pub(crate) packets: Args,
}

#[derive(clap::Args, Debug)]
pub(crate) struct ConvArgs {
    /// Read packets from FILE (pcap or pcapng); `-` reads standard input. Repeat it, or name a
    /// folder, to read several files as one capture, in the order of their first packets.
    #[arg(short = 'r', value_name = "FILE", required = true)]
    pub(crate) read: Vec<PathBuf>,

    /// table for people, json or csv for programs, parquet (with -w) for DuckDB, Spark, pandas.
    #[arg(short = 'T', value_name = "FORMAT", value_enum, default_value_t = conv::ConvFormat::Table)]
    pub(crate) format: conv::ConvFormat,

    /// The Parquet file -T parquet writes.
    #[arg(short = 'w', value_name = "FILE")]
    pub(crate) write: Option<PathBuf>,

    /// Language of the verdict's sentence.
    #[arg(long = "lang", value_enum, default_value_t = Lang::En)]
    pub(crate) lang: Lang,

    #[command(flatten)]
    pub(crate) common: Common,

    #[command(flatten)]
    pub(crate) split: Split,
}

#[derive(clap::Args, Debug)]
pub(crate) struct LadderArgs {
    /// Read packets from FILE (pcap or pcapng); `-` reads standard input. Repeat it, or name a
    /// folder, to read several files as one capture, in the order of their first packets.
    #[arg(short = 'r', value_name = "FILE", required = true)]
    pub(crate) read: Vec<PathBuf>,

    /// The connection to draw (tcp.stream); default: the first one whose SYN is in the capture.
    /// A stream the capture does not have is an error (exit status 2).
    #[arg(long = "stream", value_name = "N")]
    pub(crate) stream: Option<u32>,

    /// Explain each step: sequence numbers, options, states.
    #[arg(long = "explain")]
    pub(crate) explain: bool,

    /// Language of the diagram and of --explain.
    #[arg(long = "lang", value_enum, default_value_t = Lang::En)]
    pub(crate) lang: Lang,

    /// Width of the diagram (default: the terminal's; else COLUMNS; else 100).
    #[arg(long = "width", value_name = "COLUMNS")]
    pub(crate) width: Option<usize>,

    #[command(flatten)]
    pub(crate) common: Common,
}

/// Options every view takes.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct Common {
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long = "color", value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,

    /// Most TCP connections tracked at once; beyond it the least recently used are evicted
    /// (and counted on stderr at the end).
    #[arg(long = "max-connections", value_name = "N", default_value_t = Limits::default().max_connections)]
    pub(crate) max_connections: usize,

    /// Forget a TCP connection after this many seconds without a segment (capture time).
    #[arg(long = "idle-timeout", value_name = "SECONDS", default_value_t = 3600)]
    pub(crate) idle_timeout: u64,
}

/// How the work is split: between this machine's cores, and between machines.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct Split {
    /// Dissectors to run side by side, each tracking and printing its share of the connections
    /// (by server host; DNS by client); the output is the same for every N. Default: the
    /// machine's cores for the text, detail (-V) and JSON views, whose printing the dissectors
    /// share; one for -q, -T fields and conv, where what every dissector repeats (reading and
    /// numbering every frame) outweighs its share. One for standard input, a live capture
    /// and -T parquet.
    #[arg(long = "threads", value_name = "N")]
    pub(crate) threads: Option<usize>,

    /// Show only shard K of N (K from 1): the connections whose server host, the DNS messages
    /// whose client host, hashes to K, and every Nth other frame. N workers, each given the
    /// same files and its own K, split a capture with no coordination; their outputs together
    /// are the whole run's.
    #[arg(long = "shard", value_name = "K/N", value_parser = dissector_core::shard::Shard::parse)]
    pub(crate) shard: Option<dissector_core::shard::Shard>,
}

impl Split {
    /// The dissectors asked for; `heavy`: the view prints much per frame (then one per core
    /// by default, else one).
    pub(crate) fn threads(&self, heavy: bool) -> usize {
        let cores = || std::thread::available_parallelism().map_or(1, |n| n.get());
        self.threads.unwrap_or_else(|| if heavy { cores() } else { 1 }).clamp(1, 256)
    }
}

impl Common {
    pub(crate) fn limits(&self) -> Limits {
        Limits {
            max_connections: self.max_connections.max(1),
            idle_ns: i128::from(self.idle_timeout.max(1)) * 1_000_000_000,
            ..Limits::default()
        }
    }
}

/// Any text, offering synack's field names to shell completion (after -e and -Y).
#[derive(Clone, Debug)]
pub(crate) struct FieldName;

impl clap::builder::TypedValueParser for FieldName {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(dissector_core::FIELDS.iter().map(|f| clap::builder::PossibleValue::new(f.abbrev).help(f.desc))))
    }
}

/// Packet views (no subcommand).
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Read packets from FILE (pcap or pcapng); `-` reads standard input. Repeat it, or name a
    /// folder, to read several files as one capture, in the order of their first packets.
    #[arg(short = 'r', value_name = "FILE", conflicts_with = "interfaces")]
    pub(crate) read: Vec<PathBuf>,

    /// Capture live on IFACE (repeatable), through Wireshark's dumpcap, which holds the
    /// capture rights: synack needs none. Ctrl-C ends the capture.
    #[arg(short = 'i', value_name = "IFACE")]
    pub(crate) interfaces: Vec<String>,

    /// Capture filter (BPF syntax, as tcpdump's), for -i.
    #[arg(short = 'f', value_name = "FILTER")]
    pub(crate) capture_filter: Option<String>,

    /// Snapshot length: bytes kept of each packet, for -i.
    #[arg(short = 's', value_name = "SNAPLEN")]
    pub(crate) snaplen: Option<u32>,

    /// Stop the capture: duration:SECONDS, packets:N or filesize:KB (repeatable).
    #[arg(short = 'a', value_name = "COND")]
    pub(crate) autostop: Vec<String>,

    /// Save what -i captured to FILE (pcapng) while showing it.
    #[arg(short = 'w', value_name = "FILE")]
    pub(crate) write: Option<PathBuf>,

    /// List the interfaces dumpcap can capture on, and exit.
    #[arg(short = 'D')]
    pub(crate) list_interfaces: bool,

    /// Output format: text (default: tshark's one line per packet plus synack's annotation),
    /// fields (the -e fields, tab-separated), json and ek (tshark's shapes: with -e the fields,
    /// without every layer), or jsonl (one flat object per line).
    #[arg(short = 'T', value_name = "FORMAT")]
    pub(crate) format: Option<String>,

    /// Field to print (repeatable), e.g. -e tcp.seq -e synack.state.server.
    #[arg(short = 'e', value_name = "FIELD", value_parser = FieldName, hide_possible_values = true)]
    pub(crate) fields: Vec<String>,

    /// Fields output option: header=y|n, separator=/t|/s|<char>, occurrence=f|l|a,
    /// aggregator=,|/s|<char>, quote=d|s|n (repeatable, as tshark's -E).
    #[arg(short = 'E', value_name = "OPTION=VALUE")]
    pub(crate) field_options: Vec<String>,

    /// Display filter, in tshark's syntax: -Y 'tcp.port == 80 and synack.stage'.
    #[arg(short = 'Y', value_name = "FILTER", value_parser = FieldName, hide_possible_values = true)]
    pub(crate) filter: Option<String>,

    /// Detail view: each layer's tree with every field synack knows, as tshark's -V.
    #[arg(short = 'V')]
    pub(crate) verbose: bool,

    /// Detail view with only these protocols' trees expanded (comma-separated, e.g. tcp,dns;
    /// `synack` for synack's own); the others show their title line, as tshark's -O.
    #[arg(short = 'O', value_name = "PROTOCOLS")]
    pub(crate) expand: Option<String>,

    /// Hex and ASCII dump of each packet's bytes, as tshark's -x.
    #[arg(short = 'x')]
    pub(crate) hex: bool,

    /// Print the one-line summary too when -V, -O or -x are given (as tshark's -P).
    #[arg(short = 'P')]
    pub(crate) summary: bool,

    /// No name resolution: accepted for tshark's command lines; synack never resolves names.
    #[arg(short = 'n')]
    pub(crate) no_resolve: bool,

    /// Quiet: print no packets (warnings and limits still go to stderr).
    #[arg(short = 'q')]
    pub(crate) quiet: bool,

    /// Stop after N packets.
    #[arg(short = 'c', value_name = "N")]
    pub(crate) count: Option<u32>,

    /// Two passes, as tshark -2: the first learns what later frames tell about earlier ones
    /// (dns.response_in, synack.dns.used_by), the second prints.
    #[arg(short = '2')]
    pub(crate) two_pass: bool,

    /// List every field synack knows (name, type, description) and exit.
    #[arg(long = "list-fields")]
    pub(crate) list_fields: bool,

    #[command(flatten)]
    pub(crate) common: Common,

    #[command(flatten)]
    pub(crate) split: Split,
}

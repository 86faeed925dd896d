//! `synack conv`: one row per TCP connection, from the tracker's connection summaries.

use std::fmt::Write as _;
use std::io::{self, Write};

use dissector_core::conn::{CloseKind, ConnSummary, Endpoint, SynOptions};

use crate::explain::Lang;
use crate::style::Style;
use crate::views::json_str;

/// Output formats of `conv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConvFormat {
    /// An aligned table for people.
    Table,
    /// A JSON array of objects.
    Json,
    /// CSV with a header line (RFC 4180).
    Csv,
    /// A Parquet file (-w FILE): CSV's columns typed, and start_time as a timestamp.
    Parquet,
}

/// `addr:port` (`[v6]:port`), appended to `out`.
pub fn write_endpoint(out: &mut String, e: &Endpoint) {
    if e.family == 4 {
        let a = [e.addr[0], e.addr[1], e.addr[2], e.addr[3]];
        let _ = write!(out, "{}:{}", std::net::Ipv4Addr::from(a), e.port);
    } else {
        let _ = write!(out, "[{}]:{}", std::net::Ipv6Addr::from(e.addr), e.port);
    }
}

/// `MSS=1460 WS=7 SACK TS`, `none`, or `-` (no SYN seen), appended to `out`.
pub fn write_options(out: &mut String, o: &Option<SynOptions>) {
    let Some(o) = o else { return out.push('-') };
    let start = out.len();
    let sep = |out: &mut String| {
        if out.len() > start {
            out.push(' ');
        }
    };
    if let Some(m) = o.mss {
        sep(out);
        let _ = write!(out, "MSS={m}");
    }
    if let Some(w) = o.ws {
        sep(out);
        let _ = write!(out, "WS={w}");
    }
    if o.sack {
        sep(out);
        out.push_str("SACK");
    }
    if o.ts {
        sep(out);
        out.push_str("TS");
    }
    if out.len() == start {
        out.push_str("none");
    }
}

/// complete / refused (RST to the SYN) / unanswered (SYNs and nothing back) / partial / none.
pub fn handshake(s: &ConnSummary) -> &'static str {
    match s.handshake {
        _ if s.irtt_ns.is_some() => "complete",
        [Some(_), Some(_), Some(_)] => "complete",
        _ if s.refused_after_ns.is_some() => "refused",
        [Some(_), None, None] if s.packets[1] == 0 => "unanswered",
        [None, None, None] => "none",
        _ => "partial",
    }
}

/// The columns of a row, in order: the name in CSV and JSON, and the heading in the table
/// (`None`: not in the table, whose options lines and DNS name follow each row instead).
#[rustfmt::skip]
const COLUMNS: [(&str, Option<&str>); 23] = [
    ("stream", Some("#")), ("client", Some("client")), ("server", Some("server")),
    ("start_s", Some("start")), ("duration_s", Some("duration")),
    ("packets_c2s", Some("pkts→")), ("packets_s2c", Some("pkts←")),
    ("bytes_c2s", Some("bytes→")), ("bytes_s2c", Some("bytes←")),
    ("handshake", Some("handshake")), ("irtt_ms", Some("iRTT ms")), ("refused_ms", Some("RST ms")),
    ("client_options", None), ("server_options", None), ("closed_by", Some("closed by")),
    ("client_state", Some("client")), ("server_state", Some("server")),
    ("conn_state", Some("zeek")), ("history", Some("history")), ("dns_name", None),
    ("verdict", Some("verdict")), ("verdict_text", None), ("part", None),
];

/// The table's columns: (position in [`COLUMNS`], heading).
fn table_columns() -> impl Iterator<Item = (usize, &'static str)> {
    COLUMNS.iter().enumerate().filter_map(|(i, (_, head))| head.map(|h| (i, h)))
}

/// The Parquet file's columns: CSV's, typed, then the start as a timestamp.
pub fn parquet_columns() -> Vec<(String, crate::parquet::Kind)> {
    use crate::parquet::Kind;
    let mut v: Vec<(String, Kind)> = COLUMNS
        .iter()
        .map(|(k, _)| {
            let kind = match *k {
                _ if NUMERIC.contains(k) => Kind::Int,
                "start_s" | "duration_s" | "irtt_ms" | "refused_ms" => Kind::Float,
                _ => Kind::Text,
            };
            (k.to_string(), kind)
        })
        .collect();
    v.push(("start_time".into(), Kind::Time));
    v
}

/// Columns JSON writes as numbers.
const NUMERIC: [&str; 6] = ["stream", "packets_c2s", "packets_s2c", "bytes_c2s", "bytes_s2c", "part"];

/// Write the cells of a row, in [`COLUMNS`] order, into `cells` (cleared first; the Strings are
/// kept from row to row, so a row allocates nothing once they have grown).
fn fill_row(cells: &mut [String; 23], s: &ConnSummary, first_ns: i128, lang: Lang) {
    for c in cells.iter_mut() {
        c.clear();
    }
    let [stream, client, server, start, duration, pc, ps, bc, bs, hs, irtt, refused, copt, sopt, closed, cstate, sstate, zeek, history, dns, verdict, verdict_text, part] =
        cells;
    // 1 for a connection's first row; 2, 3, ... for the same stream seen again after its
    // tracking expired.
    let _ = write!(part, "{}", s.part + 1);
    let _ = write!(stream, "{}", s.stream);
    write_endpoint(client, &s.client);
    write_endpoint(server, &s.server);
    let _ = write!(start, "{:.6}", (s.times_ns.0 - first_ns) as f64 / 1e9);
    let _ = write!(duration, "{:.6}", (s.times_ns.1 - s.times_ns.0) as f64 / 1e9);
    let _ = write!(pc, "{}", s.packets[0]);
    let _ = write!(ps, "{}", s.packets[1]);
    let _ = write!(bc, "{}", s.bytes[0]);
    let _ = write!(bs, "{}", s.bytes[1]);
    hs.push_str(handshake(s));
    for (cell, ns) in [(irtt, s.irtt_ns), (refused, s.refused_after_ns)] {
        let _ = match ns {
            Some(n) => write!(cell, "{:.3}", n as f64 / 1e6),
            None => cell.write_str("-"),
        };
    }
    write_options(copt, &s.options[0]);
    write_options(sopt, &s.options[1]);
    match s.closer {
        None => closed.push_str("open"),
        Some(c) => {
            closed.push_str(if c.client { "client " } else { "server " });
            closed.push_str(if c.kind == CloseKind::Fin { "FIN" } else { "RST" });
        }
    }
    cstate.push_str(s.states.0.name());
    sstate.push_str(s.states.1.name());
    zeek.push_str(s.zeek_state);
    history.push_str(&s.history);
    if let Some(d) = &s.dns {
        dns.push_str(&d.name);
    }
    for (i, c) in s.verdict.codes().enumerate() {
        if i > 0 {
            verdict.push(' ');
        }
        verdict.push_str(c);
    }
    verdict_text.push_str(&crate::verdict::sentence(&s.verdict, lang));
}

/// Rows held back to print in stream order; past this many, rows are printed as connections
/// end (like Zeek's conn.log), so memory stays bounded however long the capture.
pub const BUFFER_ROWS: usize = 4096;

/// Writes connection rows as they come: buffered and sorted by stream while few, streamed after.
pub struct ConvWriter<'o> {
    out: &'o mut dyn Write,
    format: ConvFormat,
    first_ns: i128,
    buf: Vec<ConnSummary>,
    /// Set once rows are written as they come; the table's column widths are then fixed.
    widths: Option<Vec<usize>>,
    rows: usize,
    /// The current row's cells and line, kept between rows.
    cells: [String; 23],
    line: String,
    lang: Lang,
    /// Colour for the table (states, verdicts, the sentences under the rows).
    style: Style,
    /// The Parquet file, for [`ConvFormat::Parquet`].
    table: Option<crate::parquet::Table>,
}

impl<'o> ConvWriter<'o> {
    /// A writer; `first_ns` is the capture's first timestamp.
    pub fn new(
        out: &'o mut dyn Write,
        format: ConvFormat,
        first_ns: i128,
        lang: Lang,
        style: Style,
        table: Option<crate::parquet::Table>,
    ) -> Self {
        ConvWriter {
            out,
            format,
            first_ns,
            buf: Vec::new(),
            widths: None,
            rows: 0,
            cells: Default::default(),
            line: String::new(),
            lang,
            style,
            table,
        }
    }

    /// The capture's first timestamp, once known.
    pub fn set_first(&mut self, first_ns: i128) {
        self.first_ns = first_ns;
    }

    /// One finished connection.
    pub fn push(&mut self, s: ConnSummary) -> io::Result<()> {
        if self.widths.is_some() {
            return self.write_row(&s);
        }
        self.buf.push(s);
        if self.buf.len() > BUFFER_ROWS {
            self.flush_buffer(false)?;
        }
        Ok(())
    }

    /// The table's cells of `s`, in [`table_columns`] order, into `self.cells`.
    fn table_cells(&mut self, s: &ConnSummary) -> impl Iterator<Item = &str> {
        fill_row(&mut self.cells, s, self.first_ns, self.lang);
        let cells = &self.cells;
        table_columns().map(move |(i, _)| cells[i].as_str())
    }

    /// Print the held rows in stream order, with the header; then switch to streaming.
    fn flush_buffer(&mut self, last: bool) -> io::Result<()> {
        let mut held = std::mem::take(&mut self.buf);
        held.sort_by_key(|c| (c.stream, c.frames.0));
        let mut widths: Vec<usize> = table_columns().map(|(_, h)| h.chars().count()).collect();
        // Column widths are the table's alone.
        if self.format == ConvFormat::Table {
            for s in &held {
                for (i, c) in self.table_cells(s).enumerate() {
                    widths[i] = widths[i].max(c.chars().count());
                }
            }
        }
        if !last {
            // Later rows may be wider: leave some room.
            for w in &mut widths {
                *w += 2;
            }
        }
        match self.format {
            ConvFormat::Csv => {
                let names: Vec<&str> = COLUMNS.iter().map(|(k, _)| *k).collect();
                writeln!(self.out, "{}", names.join(","))?
            }
            ConvFormat::Json => self.out.write_all(b"[\n")?,
            ConvFormat::Parquet => {}
            ConvFormat::Table => {
                self.line.clear();
                pad(&mut self.line, table_columns().map(|(_, h)| h), &widths, |_, c| c.to_string());
                writeln!(self.out, "{}", self.style.heading(&self.line))?;
            }
        }
        self.widths = Some(widths);
        for s in &held {
            self.write_row(s)?;
        }
        Ok(())
    }

    fn write_row(&mut self, s: &ConnSummary) -> io::Result<()> {
        match self.format {
            ConvFormat::Parquet => {
                fill_row(&mut self.cells, s, self.first_ns, self.lang);
                if let Some(t) = self.table.as_mut() {
                    use crate::parquet::Kind;
                    for (i, v) in self.cells.iter().enumerate() {
                        // "-" (no iRTT, no RST) and an empty DNS name are nulls.
                        match t.kind(i) {
                            Kind::Int => v.parse().map(|n| t.int(i, n)).unwrap_or(()),
                            Kind::Float => v.parse().map(|x| t.float(i, x)).unwrap_or(()),
                            _ if v.is_empty() => {}
                            _ => t.text(i, v),
                        }
                    }
                    t.time(COLUMNS.len(), s.times_ns.0);
                    t.end_row()?;
                }
            }
            ConvFormat::Json => {
                fill_row(&mut self.cells, s, self.first_ns, self.lang);
                let line = &mut self.line;
                line.clear();
                line.push_str(if self.rows == 0 { "  {" } else { ",\n  {" });
                for (j, ((k, _), v)) in COLUMNS.iter().zip(&self.cells).enumerate() {
                    if j > 0 {
                        line.push_str(", ");
                    }
                    json_str(k, line);
                    line.push_str(": ");
                    if NUMERIC.contains(k) {
                        line.push_str(v);
                    } else {
                        json_str(v, line);
                    }
                }
                // The tunnel's outer addresses: JSON only, as the table and CSV stay flat.
                line.push_str(", \"outer\": ");
                match &s.outer {
                    Some(o) => {
                        let _ = write!(line, "{{\"client\": \"{}\", \"server\": \"{}\", \"via\": ", o.client, o.server);
                        json_str(o.via, line);
                        line.push('}');
                    }
                    None => line.push_str("null"),
                }
                line.push('}');
                self.out.write_all(line.as_bytes())?;
            }
            ConvFormat::Csv => {
                fill_row(&mut self.cells, s, self.first_ns, self.lang);
                let line = &mut self.line;
                line.clear();
                for (j, v) in self.cells.iter().enumerate() {
                    if j > 0 {
                        line.push(',');
                    }
                    // RFC 4180 §2: a field with a comma, quote or line break is quoted, its
                    // quotes doubled.
                    if v.contains([',', '"', '\n']) {
                        line.push('"');
                        line.push_str(&v.replace('"', "\"\""));
                        line.push('"');
                    } else {
                        line.push_str(v);
                    }
                }
                line.push('\n');
                self.out.write_all(line.as_bytes())?;
            }
            ConvFormat::Table => {
                let widths = self.widths.take().unwrap_or_default();
                let mut line = std::mem::take(&mut self.line);
                line.clear();
                let (style, problem) = (self.style, s.verdict.is_problem());
                // States in the state colour, a verdict that is a problem in the warning one.
                let paint = move |i: usize, c: &str| match table_columns().nth(i).map(|(j, _)| COLUMNS[j].0) {
                    Some("client_state" | "server_state") => style.state(c),
                    Some("verdict") if problem => style.warn(c),
                    _ => c.to_string(),
                };
                pad(&mut line, self.table_cells(s), &widths, paint);
                line.push('\n');
                // Under each row, whatever the size of the capture: each side's SYN options and
                // the verdict's sentence.
                let mut opts = format!("  stream {}", s.stream);
                if s.part > 0 {
                    let _ = write!(
                        opts,
                        " again (part {}: seen after its tracking expired, idle past --idle-timeout)",
                        s.part + 1
                    );
                }
                opts.push_str(": client ");
                write_options(&mut opts, &s.options[0]);
                opts.push_str("; server ");
                write_options(&mut opts, &s.options[1]);
                line.push_str(&style.dim(&opts));
                line.push_str("\n    ");
                line.push_str(&style.dim(&crate::verdict::sentence(&s.verdict, self.lang)));
                line.push('\n');
                self.out.write_all(line.as_bytes())?;
                self.line = line;
                self.widths = Some(widths);
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// End: print what is still held, and close the JSON array.
    pub fn finish(mut self) -> io::Result<()> {
        if self.widths.is_none() {
            self.flush_buffer(true)?;
        }
        if self.format == ConvFormat::Json {
            self.out.write_all(if self.rows == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        if let Some(t) = self.table.take() {
            t.finish()?;
        }
        Ok(())
    }
}

/// The cells left-aligned in columns of `widths` characters, two spaces apart, appended to
/// `line` without trailing blanks; `paint` colours a cell (column index, text) after its width
/// is counted, so that colour codes do not move the columns.
fn pad<'a>(
    line: &mut String,
    cells: impl Iterator<Item = &'a str>,
    widths: &[usize],
    paint: impl Fn(usize, &str) -> String,
) {
    let start = line.len();
    for (i, v) in cells.enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        line.push_str(&paint(i, v));
        let w = widths.get(i).copied().unwrap_or(0);
        line.extend(std::iter::repeat_n(' ', w.saturating_sub(v.chars().count())));
    }
    let kept = start + line[start..].trim_end().len();
    line.truncate(kept);
}

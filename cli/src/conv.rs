//! `synack conv`: one row per TCP connection, from the tracker's connection summaries.

use std::io::{self, Write};

use dissector_core::conn::{CloseKind, ConnSummary, Endpoint, SynOptions};
use dissector_core::format;

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
}

/// `addr:port` (`[v6]:port`).
pub fn endpoint(e: &Endpoint) -> String {
    if e.family == 4 {
        let a = [e.addr[0], e.addr[1], e.addr[2], e.addr[3]];
        format!("{}:{}", format::ipv4(&a), e.port)
    } else {
        format!("[{}]:{}", format::ipv6(&e.addr), e.port)
    }
}

/// `MSS=1460 WS=7 SACK TS`, or `-`.
pub fn options(o: &Option<SynOptions>) -> String {
    let Some(o) = o else { return "-".into() };
    let mut v = Vec::new();
    if let Some(m) = o.mss {
        v.push(format!("MSS={m}"));
    }
    if let Some(w) = o.ws {
        v.push(format!("WS={w}"));
    }
    if o.sack {
        v.push("SACK".into());
    }
    if o.ts {
        v.push("TS".into());
    }
    if v.is_empty() {
        "none".into()
    } else {
        v.join(" ")
    }
}

/// complete / partial / none.
pub fn handshake(s: &ConnSummary) -> &'static str {
    match s.handshake {
        [Some(_), Some(_), Some(_)] => "complete",
        [None, None, None] => "none",
        _ => "partial",
    }
}

fn closed(s: &ConnSummary) -> String {
    match s.closer {
        None => "open".into(),
        Some(c) => format!("{} {}", if c.client { "client" } else { "server" }, if c.kind == CloseKind::Fin { "FIN" } else { "RST" }),
    }
}

fn ms(ns: Option<i128>) -> String {
    ns.map(|n| format!("{:.3}", n as f64 / 1e6)).unwrap_or_else(|| "-".into())
}

/// The columns of a row, in order, as text.
fn row(s: &ConnSummary, first_ns: i128) -> Vec<(&'static str, String)> {
    vec![
        ("stream", s.stream.to_string()),
        ("client", endpoint(&s.client)),
        ("server", endpoint(&s.server)),
        ("start_s", format!("{:.6}", (s.times_ns.0 - first_ns) as f64 / 1e9)),
        ("duration_s", format!("{:.6}", (s.times_ns.1 - s.times_ns.0) as f64 / 1e9)),
        ("packets_c2s", s.packets[0].to_string()),
        ("packets_s2c", s.packets[1].to_string()),
        ("bytes_c2s", s.bytes[0].to_string()),
        ("bytes_s2c", s.bytes[1].to_string()),
        ("handshake", handshake(s).into()),
        ("irtt_ms", ms(s.irtt_ns)),
        ("client_options", options(&s.options[0])),
        ("server_options", options(&s.options[1])),
        ("closed_by", closed(s)),
        ("client_state", s.states.0.to_string()),
        ("server_state", s.states.1.to_string()),
        ("conn_state", s.zeek_state.into()),
        ("history", s.history.clone()),
        ("dns_name", s.dns.as_ref().map(|d| d.name.to_string()).unwrap_or_default()),
    ]
}

/// Rows held back to print in stream order; past this many, rows are printed as connections
/// end (like Zeek's conn.log), so memory stays bounded however long the capture.
pub const BUFFER_ROWS: usize = 4096;

const TABLE_COLS: [&str; 16] = [
    "stream", "client", "server", "start_s", "duration_s", "packets_c2s", "packets_s2c", "bytes_c2s", "bytes_s2c", "handshake",
    "irtt_ms", "closed_by", "client_state", "server_state", "conn_state", "history",
];
const TABLE_HEADS: [&str; 16] =
    ["#", "client", "server", "start", "duration", "pkts→", "pkts←", "bytes→", "bytes←", "handshake", "iRTT ms", "closed by", "client", "server", "zeek", "history"];

/// Writes connection rows as they come: buffered and sorted by stream while few, streamed after.
pub struct ConvWriter<'o> {
    out: &'o mut dyn Write,
    format: ConvFormat,
    first_ns: i128,
    buf: Vec<ConnSummary>,
    /// Set once rows are written as they come; the table's column widths are then fixed.
    widths: Option<Vec<usize>>,
    rows: usize,
}

impl<'o> ConvWriter<'o> {
    /// A writer; `first_ns` is the capture's first timestamp.
    pub fn new(out: &'o mut dyn Write, format: ConvFormat, first_ns: i128) -> Self {
        ConvWriter { out, format, first_ns, buf: Vec::new(), widths: None, rows: 0 }
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

    fn table_cells(&self, s: &ConnSummary) -> Vec<String> {
        let r = row(s, self.first_ns);
        TABLE_COLS.iter().map(|c| r.iter().find(|(k, _)| k == c).map(|(_, v)| v.clone()).unwrap_or_default()).collect()
    }

    /// Print the held rows in stream order, with the header; then switch to streaming.
    fn flush_buffer(&mut self, last: bool) -> io::Result<()> {
        let mut held = std::mem::take(&mut self.buf);
        held.sort_by_key(|c| (c.stream, c.frames.0));
        let mut widths: Vec<usize> = TABLE_HEADS.iter().map(|h| h.chars().count()).collect();
        for s in &held {
            for (i, c) in self.table_cells(s).iter().enumerate() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        if !last {
            // Later rows may be wider: leave some room.
            for w in &mut widths {
                *w += 2;
            }
        }
        match self.format {
            ConvFormat::Csv => writeln!(self.out, "{}", row_names().join(","))?,
            ConvFormat::Json => self.out.write_all(b"[\n")?,
            ConvFormat::Table => {
                let heads: Vec<String> = TABLE_HEADS.iter().map(|h| h.to_string()).collect();
                writeln!(self.out, "{}", pad(&heads, &widths))?;
            }
        }
        self.widths = Some(widths);
        for s in &held {
            self.write_row(s)?;
        }
        if last && self.format == ConvFormat::Table {
            for c in &held {
                writeln!(self.out, "  stream {}: client {}; server {}", c.stream, options(&c.options[0]), options(&c.options[1]))?;
            }
        }
        Ok(())
    }

    fn write_row(&mut self, s: &ConnSummary) -> io::Result<()> {
        match self.format {
            ConvFormat::Json => {
                let r = row(s, self.first_ns);
                let mut line = String::from(if self.rows == 0 { "  {" } else { ",\n  {" });
                for (j, (k, v)) in r.iter().enumerate() {
                    if j > 0 {
                        line.push_str(", ");
                    }
                    json_str(k, &mut line);
                    line.push_str(": ");
                    let numeric = matches!(*k, "stream" | "packets_c2s" | "packets_s2c" | "bytes_c2s" | "bytes_s2c");
                    if numeric {
                        line.push_str(v);
                    } else {
                        json_str(v, &mut line);
                    }
                }
                line.push('}');
                self.out.write_all(line.as_bytes())?;
            }
            ConvFormat::Csv => {
                let r = row(s, self.first_ns);
                let cells: Vec<String> = r
                    .iter()
                    .map(|(_, v)| if v.contains([',', '"', '\n']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v.clone() })
                    .collect();
                writeln!(self.out, "{}", cells.join(","))?;
            }
            ConvFormat::Table => {
                let cells = self.table_cells(s);
                let widths = self.widths.clone().unwrap_or_default();
                writeln!(self.out, "{}", pad(&cells, &widths))?;
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
        Ok(())
    }
}

fn pad(vals: &[String], widths: &[usize]) -> String {
    vals.iter()
        .enumerate()
        .map(|(i, v)| format!("{v:<w$}", w = widths.get(i).copied().unwrap_or(0)))
        .collect::<Vec<_>>()
        .join("  ")
        .trim_end()
        .to_string()
}

fn row_names() -> Vec<&'static str> {
    vec![
        "stream", "client", "server", "start_s", "duration_s", "packets_c2s", "packets_s2c", "bytes_c2s", "bytes_s2c", "handshake",
        "irtt_ms", "client_options", "server_options", "closed_by", "client_state", "server_state", "conn_state", "history", "dns_name",
    ]
}

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

/// Write the connections in `format`. `first_ns` is the capture's first timestamp.
pub fn write(out: &mut dyn Write, conns: &[ConnSummary], first_ns: i128, format: ConvFormat) -> io::Result<()> {
    let rows: Vec<Vec<(&str, String)>> = conns.iter().map(|c| row(c, first_ns)).collect();
    match format {
        ConvFormat::Json => {
            let mut s = String::from("[\n");
            for (i, r) in rows.iter().enumerate() {
                s.push_str("  {");
                for (j, (k, v)) in r.iter().enumerate() {
                    if j > 0 {
                        s.push_str(", ");
                    }
                    json_str(k, &mut s);
                    s.push_str(": ");
                    let numeric = matches!(*k, "stream" | "packets_c2s" | "packets_s2c" | "bytes_c2s" | "bytes_s2c");
                    if numeric {
                        s.push_str(v);
                    } else {
                        json_str(v, &mut s);
                    }
                }
                s.push('}');
                s.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
            }
            s.push_str("]\n");
            out.write_all(s.as_bytes())
        }
        ConvFormat::Csv => {
            let names: Vec<&str> = row_names();
            writeln!(out, "{}", names.join(","))?;
            for r in &rows {
                let cells: Vec<String> = r
                    .iter()
                    .map(|(_, v)| if v.contains([',', '"', '\n']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v.clone() })
                    .collect();
                writeln!(out, "{}", cells.join(","))?;
            }
            Ok(())
        }
        ConvFormat::Table => {
            // The table keeps the columns people scan; -T json|csv has them all.
            let cols = [
                "stream", "client", "server", "start_s", "duration_s", "packets_c2s", "packets_s2c", "bytes_c2s", "bytes_s2c",
                "handshake", "irtt_ms", "closed_by", "client_state", "server_state", "conn_state", "history",
            ];
            let heads = ["#", "client", "server", "start", "duration", "pkts→", "pkts←", "bytes→", "bytes←", "handshake", "iRTT ms", "closed by", "client", "server", "zeek", "history"];
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| cols.iter().map(|c| r.iter().find(|(k, _)| k == c).map(|(_, v)| v.clone()).unwrap_or_default()).collect())
                .collect();
            let mut width: Vec<usize> = heads.iter().map(|h| h.chars().count()).collect();
            for r in &cells {
                for (i, c) in r.iter().enumerate() {
                    width[i] = width[i].max(c.chars().count());
                }
            }
            let line = |vals: Vec<String>| {
                vals.iter().enumerate().map(|(i, v)| format!("{v:<w$}", w = width[i])).collect::<Vec<_>>().join("  ").trim_end().to_string()
            };
            writeln!(out, "{}", line(heads.iter().map(|h| h.to_string()).collect()))?;
            for r in cells {
                writeln!(out, "{}", line(r))?;
            }
            for c in conns {
                let o = format!("  stream {}: client {}; server {}", c.stream, options(&c.options[0]), options(&c.options[1]));
                writeln!(out, "{o}")?;
            }
            Ok(())
        }
    }
}

fn row_names() -> Vec<&'static str> {
    vec![
        "stream", "client", "server", "start_s", "duration_s", "packets_c2s", "packets_s2c", "bytes_c2s", "bytes_s2c", "handshake",
        "irtt_ms", "client_options", "server_options", "closed_by", "client_state", "server_state", "conn_state", "history", "dns_name",
    ]
}

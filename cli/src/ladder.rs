//! `synack ladder`: one connection as an arrow diagram, client on the left, server on the right,
//! each segment an arrow with its flags, sequence numbers (relative and raw) and options, the
//! handshake step, and both endpoints' states after it. The DNS lookup that gave the server's
//! address comes first. `--explain` adds the teaching text.

use std::collections::HashMap;
use std::io::{self, Write};

use dissector_core::conn::{State, TcpTrack};
use dissector_core::{columns, Layer, Packet};

use crate::explain::{self, Lang, StepFacts};
use crate::style::Style;

/// One segment of the connection.
#[derive(Debug, Clone)]
pub struct Step {
    frame: u32,
    rel_ns: i128,
    track: TcpTrack,
    label: String,
    detail: String,
    facts: StepFacts,
}

/// What the ladder needs from a capture: the chosen stream's segments and DNS answers.
#[derive(Debug, Default)]
pub struct Collector {
    stream: Option<u32>,
    steps: Vec<Step>,
    endpoints: Option<(String, String)>,
    dns: HashMap<u32, (String, Option<u32>, Option<i128>)>,
    isn: [Option<u32>; 2],
}

impl Collector {
    /// Collect stream `stream`, or the first connection whose SYN is seen.
    pub fn new(stream: Option<u32>) -> Collector {
        Collector { stream, ..Collector::default() }
    }

    /// Look at one packet.
    pub fn packet(&mut self, pkt: &Packet<'_>) {
        for l in &pkt.layers {
            if let Layer::Dns(m) = l {
                if m.message.header.is_response() {
                    let tx = m.transaction.as_ref();
                    self.dns.insert(
                        pkt.meta.number,
                        (m.summary(), tx.and_then(|t| t.response_to), tx.and_then(|t| t.time_ns)),
                    );
                }
            }
        }
        let Some(t) = &pkt.track else { return };
        let target = match self.stream {
            Some(s) => s,
            None if t.stage == Some(dissector_core::conn::Stage::Syn) => {
                self.stream = Some(t.stream);
                t.stream
            }
            None => return,
        };
        if t.stream != target {
            return;
        }
        let Some(tcp) = pkt.tcp() else { return };
        let Some(h) = tcp.header else { return };
        if self.endpoints.is_none() {
            let (src, dst) = columns::addresses(pkt);
            let (s, d) = (join(&src, tcp.src_port), join(&dst, tcp.dst_port));
            self.endpoints = Some(if t.from_client { (s, d) } else { (d, s) });
        }
        let me = usize::from(!t.from_client);
        if h.flags.syn() {
            self.isn[me] = Some(h.seq);
        }
        let info = columns::info(pkt);
        // "80 → 48620 [SYN, ACK] Seq=0 Ack=1 Win=... Len=0 MSS=..." -> flags and the rest.
        let flags =
            info.split_once('[').and_then(|(_, r)| r.split_once(']')).map(|(f, _)| f.to_string()).unwrap_or_default();
        let after = info.split_once("] ").map(|(_, r)| r.to_string()).unwrap_or_default();
        let mut label = flags.clone();
        if tcp.seglen.unwrap_or(0) > 0 {
            label.push_str(&format!(" {}B", tcp.seglen.unwrap_or(0)));
        }
        let raw = if h.flags.ack() { format!("raw Seq={} Ack={}", h.seq, h.ack) } else { format!("raw Seq={}", h.seq) };
        let detail = format!("{after}  ({raw})");
        let changes =
            t.changes.iter().flatten().map(|c| (if c.client { "client" } else { "server" }, c.from, c.to)).collect();
        let facts = StepFacts {
            who: if t.from_client { "client" } else { "server" },
            stage: t.stage.map(|s| s as u8),
            seq_raw: h.seq,
            ack_raw: h.flags.ack().then_some(h.ack),
            peer_isn: self.isn[1 - me],
            len: tcp.seglen.unwrap_or(0),
            syn: h.flags.syn(),
            fin: h.flags.fin(),
            rst: h.flags.rst(),
            ack_ok: t.ack_ok,
            ports: (tcp.src_port, tcp.dst_port),
            mss: tcp.options.mss(),
            ws: tcp.options.window_scale(),
            sack_perm: tcp.options.sack_permitted(),
            ts: tcp.options.timestamps(),
            changes,
        };
        self.steps.push(Step { frame: pkt.meta.number, rel_ns: pkt.rel_ns, track: t.clone(), label, detail, facts });
    }

    /// Draw the diagram, `width` columns wide.
    pub fn draw(&self, out: &mut dyn Write, width: usize, explain: Option<Lang>, st: &Style) -> io::Result<()> {
        let Some(stream) = self.stream else {
            return writeln!(out, "no TCP connection with a SYN in this capture (pick one with --stream N)");
        };
        if self.steps.is_empty() {
            return writeln!(out, "stream {stream}: no segments");
        }
        let width = width.clamp(64, 200);
        let (client, server) = self.endpoints.clone().unwrap_or_default();
        writeln!(out, "{}", st.heading(&format!("TCP stream {stream}: client {client}  ⇄  server {server}")))?;
        // The lookup that named the server.
        if let Some(link) = self.steps.iter().find_map(|s| s.track.dns.clone()) {
            writeln!(out)?;
            let (text, req, ns) = self.dns.get(&link.frame).cloned().unwrap_or_default();
            let when = match (req, ns) {
                (Some(r), Some(ns)) => format!("frames {r} → {}, {:.3} ms", link.frame, ns as f64 / 1e6),
                _ => format!("frame {}", link.frame),
            };
            writeln!(out, "{}", st.heading(&format!("DNS lookup ({when})")))?;
            writeln!(out, "  {text}")?;
            let msg = match explain {
                Some(Lang::Ko) => {
                    format!("  클라이언트는 이 응답이 알려 준 주소로 연결합니다 (질의한 이름: {}).", link.name)
                }
                _ => format!("  The client then connects to the address this answer gave for {}.", link.name),
            };
            writeln!(out, "{}", st.dim(&msg))?;
        }
        writeln!(out)?;
        let left = 8usize;
        let right_col = width.saturating_sub(22).max(left + 30);
        let span = right_col - left;
        let states = |c: State, s: State| {
            format!(
                "{:left$}{:<span$}{}",
                "",
                st.state(c.name()),
                st.state(s.name()),
                left = left,
                span = span + styled_extra(st, c.name())
            )
        };
        let (c_head, s_head) = (format!("client {client}"), format!("server {server}"));
        writeln!(out, "{:left$}{c_head:<span$}{s_head}", "", left = left, span = span)?;
        let first = &self.steps[0];
        let (c0, s0) = before(&first.track);
        writeln!(out, "{}", states(c0, s0))?;
        for s in &self.steps {
            let stage = s.track.stage.map(|g| format!("  {}/3 {}", g as u8, g.name())).unwrap_or_default();
            let body = span.saturating_sub(2);
            let label = format!(" {} ", s.label);
            let fill = body.saturating_sub(label.chars().count() + 2);
            let arrow = if s.track.from_client {
                format!("|──{label}{}▶|", "─".repeat(fill))
            } else {
                format!("|◀{}{label}──|", "─".repeat(fill))
            };
            let tag = format!("#{}", s.frame);
            writeln!(out, "{tag:<left$}{arrow}{}", st.heading(&stage), left = left)?;
            let t_ms = format!("{:.3} ms", s.rel_ns as f64 / 1e6);
            for w in wrap(&format!("{t_ms}  {}", s.detail), width.saturating_sub(left)) {
                writeln!(out, "{:left$}{}", "", st.dim(&w), left = left)?;
            }
            let marks: Vec<&str> = s.track.anomalies.names().collect();
            if !marks.is_empty() {
                writeln!(out, "{:left$}{}", "", st.warn(&format!("! {}", marks.join(", "))), left = left)?;
            }
            writeln!(out, "{}", states(s.track.client, s.track.server))?;
            if let Some(lang) = explain {
                for line in explain::step(lang, &s.facts) {
                    for w in wrap(&line, width.saturating_sub(left + 2)) {
                        writeln!(out, "{:left$}{}", "", st.dim(&format!("» {w}")), left = left)?;
                    }
                }
                writeln!(out)?;
            }
        }
        if let Some(n) = self.steps.iter().find_map(|s| s.track.negotiated) {
            writeln!(out)?;
            let ws =
                n.ws.map(|(c, s)| format!("WS client {c} (×{}), server {s} (×{})", 1u32 << c, 1u32 << s))
                    .unwrap_or_else(|| "no window scaling".into());
            let mss = |m: Option<u16>| m.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
            writeln!(
                out,
                "negotiated: MSS client {} / server {}, {ws}, SACK {}, timestamps {}",
                mss(n.mss_client),
                mss(n.mss_server),
                if n.sack { "yes" } else { "no" },
                if n.ts { "yes" } else { "no" }
            )?;
        }
        if let Some(irtt) = self.steps.iter().rev().find_map(|s| s.track.irtt_ns) {
            writeln!(out, "initial RTT (SYN → handshake ACK): {:.3} ms", irtt as f64 / 1e6)?;
        }
        Ok(())
    }
}

/// Width the colour codes add to a painted state name (so columns still line up).
fn styled_extra(st: &Style, name: &str) -> usize {
    st.state(name).len() - name.len()
}

/// The states before a step: its changes undone.
fn before(t: &TcpTrack) -> (State, State) {
    let mut c = t.client;
    let mut s = t.server;
    for ch in t.changes.iter().flatten() {
        if ch.client {
            c = ch.from;
        } else {
            s = ch.from;
        }
    }
    (c, s)
}

fn join(addr: &str, port: u16) -> String {
    if addr.contains(':') {
        format!("[{addr}]:{port}")
    } else {
        format!("{addr}:{port}")
    }
}

/// Greedy word wrap.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(20);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in s.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

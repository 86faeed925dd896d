//! `synack watch`: one row per TCP connection with both endpoints' states, the handshake step
//! reached, iRTT, bytes each way and the verdict once known, most recently active first;
//! redrawn in place on a terminal, printed every `--interval` seconds otherwise.

use std::collections::HashMap;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use dissector_core::conn::State;
use dissector_core::Packet;

/// A connection as last seen.
struct Row {
    client: String,
    server: String,
    stage: u8,
    client_state: State,
    server_state: State,
    irtt_ns: Option<i128>,
    bytes: [u64; 2],
    verdict: Option<String>,
    /// Frame of the last segment (sorting: most recent first).
    last: u32,
}

/// The table, bounded by `max` rows (the least recently active go first).
pub struct Table {
    rows: HashMap<u32, Row>,
    max: usize,
    interval: Duration,
    next: Instant,
    on_terminal: bool,
    frames: u32,
}

impl Table {
    /// A table printed every `interval` seconds, in place when `on_terminal`.
    pub fn new(interval: f64, max: usize, on_terminal: bool) -> Table {
        // A NaN or infinite interval (clap takes "nan") is the default second.
        let interval = Duration::try_from_secs_f64(interval.clamp(0.0, 86_400.0)).unwrap_or(Duration::from_secs(1));
        Table {
            rows: HashMap::new(),
            max: max.max(1),
            interval,
            next: Instant::now() + interval,
            on_terminal,
            frames: 0,
        }
    }

    /// Take in one packet (one that the filter selected).
    pub fn packet(&mut self, pkt: &Packet<'_>) {
        let (Some(t), Some(tcp)) = (&pkt.track, pkt.tcp()) else { return };
        if !self.rows.contains_key(&t.stream) && self.rows.len() >= self.max {
            if let Some(oldest) = self.rows.iter().min_by_key(|(_, r)| r.last).map(|(s, _)| *s) {
                self.rows.remove(&oldest);
            }
        }
        let row = self.rows.entry(t.stream).or_insert_with(|| {
            let (client, server) = crate::ladder::client_server(pkt, tcp, t);
            Row {
                client,
                server,
                stage: 0,
                client_state: t.client,
                server_state: t.server,
                irtt_ns: None,
                bytes: [0, 0],
                verdict: None,
                last: 0,
            }
        });
        row.stage = row.stage.max(t.stage.map_or(0, |s| s as u8));
        row.client_state = t.client;
        row.server_state = t.server;
        row.irtt_ns = t.irtt_ns.or(row.irtt_ns);
        row.bytes[usize::from(!t.from_client)] += u64::from(tcp.seglen.unwrap_or(0));
        if let Some(v) = &t.verdict {
            row.verdict = Some(v.codes().collect::<Vec<_>>().join(","));
        }
        row.last = pkt.meta.number;
    }

    /// After frame `frame` (selected or not): print the table if the interval has passed.
    pub fn tick(&mut self, frame: u32, out: &mut dyn Write) -> io::Result<()> {
        self.frames = frame;
        if Instant::now() >= self.next {
            self.print(out)?;
            self.next = Instant::now() + self.interval;
        }
        Ok(())
    }

    /// Print the table now: in place on a terminal, else after the previous one.
    pub fn print(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.on_terminal {
            // Home and clear: the table replaces the last one.
            write!(out, "\x1b[H\x1b[2J")?;
        }
        let mut rows: Vec<(&u32, &Row)> = self.rows.iter().collect();
        rows.sort_by(|a, b| b.1.last.cmp(&a.1.last).then(a.0.cmp(b.0)));
        // On a terminal, the most recent that fit on the screen.
        if self.on_terminal {
            if let Some((_, h)) = terminal_size::terminal_size() {
                rows.truncate(usize::from(h.0).saturating_sub(4).max(1));
            }
        }
        writeln!(out, "synack watch: {} connections, {} frames", self.rows.len(), self.frames)?;
        writeln!(
            out,
            "{:>6}  {:<28} {:<28} {:<5} {:<12} {:<12} {:>9} {:>10} {:>10}  verdict",
            "stream", "client", "server", "stage", "client", "server", "iRTT ms", "bytes c>s", "bytes s>c"
        )?;
        for (stream, r) in rows {
            let irtt = r.irtt_ns.map_or_else(String::new, |n| format!("{:.3}", n as f64 / 1e6));
            let stage = if r.stage == 0 { "-".to_string() } else { format!("{}/3", r.stage) };
            writeln!(
                out,
                "{:>6}  {:<28} {:<28} {:<5} {:<12} {:<12} {:>9} {:>10} {:>10}  {}",
                stream,
                r.client,
                r.server,
                stage,
                r.client_state.name(),
                r.server_state.name(),
                irtt,
                r.bytes[0],
                r.bytes[1],
                r.verdict.as_deref().unwrap_or("")
            )?;
        }
        writeln!(out)?;
        out.flush()
    }
}

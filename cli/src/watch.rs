//! `synack watch`: one row per TCP connection with both endpoints' states, the handshake step
//! reached, iRTT, bytes each way and the verdict once known, most recently active first;
//! redrawn in place on a terminal (ratatui, alternate screen), printed every `--interval` seconds
//! otherwise.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
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
    frames: u32,
}

impl Table {
    /// A table printed every `interval` seconds.
    pub fn new(interval: f64, max: usize) -> Table {
        // A NaN or infinite interval (clap takes "nan") is the default second.
        let interval = Duration::try_from_secs_f64(interval.clamp(0.0, 86_400.0)).unwrap_or(Duration::from_secs(1));
        Table { rows: HashMap::new(), max: max.max(1), interval, next: Instant::now() + interval, frames: 0 }
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

    /// The rows, most recently active first (then by stream), as the columns' texts.
    fn lines(&self) -> Vec<[String; 10]> {
        let mut rows: Vec<(&u32, &Row)> = self.rows.iter().collect();
        rows.sort_by(|a, b| b.1.last.cmp(&a.1.last).then(a.0.cmp(b.0)));
        rows.into_iter()
            .map(|(stream, r)| {
                [
                    stream.to_string(),
                    r.client.clone(),
                    r.server.clone(),
                    if r.stage == 0 { "-".to_string() } else { format!("{}/3", r.stage) },
                    r.client_state.name().to_string(),
                    r.server_state.name().to_string(),
                    r.irtt_ns.map_or_else(String::new, |n| format!("{:.3}", n as f64 / 1e6)),
                    r.bytes[0].to_string(),
                    r.bytes[1].to_string(),
                    r.verdict.clone().unwrap_or_default(),
                ]
            })
            .collect()
    }

    fn title(&self) -> String {
        format!("synack watch: {} connections, {} frames", self.rows.len(), self.frames)
    }

    /// Print the table as text, after the previous one.
    pub fn print(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}", self.title())?;
        let h = HEADER;
        writeln!(
            out,
            "{:>6}  {:<28} {:<28} {:<5} {:<12} {:<12} {:>9} {:>10} {:>10}  {}",
            h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9]
        )?;
        for c in self.lines() {
            writeln!(
                out,
                "{:>6}  {:<28} {:<28} {:<5} {:<12} {:<12} {:>9} {:>10} {:>10}  {}",
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9]
            )?;
        }
        writeln!(out)?;
        out.flush()
    }
}

const HEADER: [&str; 10] =
    ["stream", "client", "server", "stage", "client", "server", "iRTT ms", "bytes c>s", "bytes s>c", "verdict"];

/// `watch`'s output: the text table every interval, or a screen redrawn in place on a terminal.
pub enum Watch {
    Text(Table),
    Screen(Screen),
}

impl Watch {
    /// A screen when standard output is a terminal, else text.
    pub fn new(interval: f64, max: usize, on_terminal: bool) -> Watch {
        let table = Table::new(interval, max);
        if on_terminal {
            Watch::Screen(Screen::start(table))
        } else {
            Watch::Text(table)
        }
    }

    /// Take in one packet that the filter selected.
    pub fn packet(&mut self, pkt: &Packet<'_>) {
        match self {
            Watch::Text(t) => t.packet(pkt),
            Watch::Screen(s) => s.lock().packet(pkt),
        }
    }

    /// After frame `frame`: the text table if its interval has passed. False once the user
    /// asked to quit (stop reading).
    pub fn tick(&mut self, frame: u32, out: &mut dyn Write) -> io::Result<bool> {
        match self {
            Watch::Text(t) => {
                t.tick(frame, out)?;
                Ok(true)
            }
            Watch::Screen(s) => {
                s.lock().frames = frame;
                Ok(!s.quit.load(Ordering::Relaxed))
            }
        }
    }

    /// The input ended (or the user quit): a screen waits for `q`, gives the terminal back,
    /// and the final table is printed as text, so that it stays in the scrollback.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        let table = match self {
            Watch::Text(t) => t,
            Watch::Screen(s) => s.finish()?,
        };
        table.print(out)
    }
}

/// The table drawn with ratatui on the alternate screen by a thread of its own, so that it is
/// redrawn (and `q` read) while the input is idle. Keys: q, Esc or Ctrl-C quit.
pub struct Screen {
    table: Arc<Mutex<Table>>,
    ended: Arc<AtomicBool>,
    quit: Arc<AtomicBool>,
    ui: Option<JoinHandle<io::Result<()>>>,
}

impl Screen {
    fn start(table: Table) -> Screen {
        let interval = table.interval;
        let table = Arc::new(Mutex::new(table));
        let ended = Arc::new(AtomicBool::new(false));
        let quit = Arc::new(AtomicBool::new(false));
        let (t, e, q) = (table.clone(), ended.clone(), quit.clone());
        let ui = std::thread::spawn(move || {
            let mut term = ratatui::try_init()?;
            let r = ui_loop(&mut term, &t, &e, &q, interval);
            ratatui::try_restore()?;
            // Quit before the input's end: a live capture ends when dumpcap has closed its
            // files; a file or pipe (which may never send another frame) ends here.
            if r.is_ok() && q.load(Ordering::Relaxed) && !e.load(Ordering::Relaxed) && !crate::live::stop_capture() {
                let table = t.lock().unwrap_or_else(|p| p.into_inner());
                let mut out = io::stdout().lock();
                let _ = table.print(&mut out);
                std::process::exit(0);
            }
            r
        });
        Screen { table, ended, quit, ui: Some(ui) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        // A panic while drawing leaves the table as it was: still worth showing.
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn finish(mut self) -> io::Result<Table> {
        self.ended.store(true, Ordering::Relaxed);
        if let Some(ui) = self.ui.take() {
            ui.join().map_err(|_| io::Error::other("the watch screen failed"))??;
        }
        let t = std::mem::replace(&mut *self.lock(), Table::new(1.0, 1));
        Ok(t)
    }
}

fn ui_loop(
    term: &mut ratatui::DefaultTerminal,
    table: &Mutex<Table>,
    ended: &AtomicBool,
    quit: &AtomicBool,
    interval: Duration,
) -> io::Result<()> {
    use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    loop {
        let over = ended.load(Ordering::Relaxed);
        {
            let t = table.lock().unwrap_or_else(|p| p.into_inner());
            // Nothing came (a capture that failed at once): no screen to keep up.
            if over && t.frames == 0 {
                return Ok(());
            }
            term.draw(|f| draw(f, &t, over))?;
        }
        // Wake at least every 100 ms to see the input end; redraw every interval or on a key.
        let until = Instant::now() + interval;
        while Instant::now() < until {
            if event::poll(Duration::from_millis(100).min(interval))? {
                match event::read()? {
                    Event::Key(k) if k.kind == KeyEventKind::Press => {
                        let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
                        if matches!(k.code, KeyCode::Char('q') | KeyCode::Esc) || ctrl_c {
                            quit.store(true, Ordering::Relaxed);
                            return Ok(());
                        }
                    }
                    Event::Resize(..) => break,
                    _ => {}
                }
            }
            if ended.load(Ordering::Relaxed) != over {
                break;
            }
        }
    }
}

fn draw(f: &mut ratatui::Frame<'_>, t: &Table, ended: bool) {
    use ratatui::layout::Constraint::{Fill, Length};
    use ratatui::style::{Modifier, Style};
    use ratatui::widgets::{Block, Cell, Row as TRow, Table as TTable};
    let title = if ended {
        format!("{} · end of input · q to quit", t.title())
    } else {
        format!("{} · q to quit", t.title())
    };
    let widths = [
        Length(6),
        Length(24),
        Length(24),
        Length(5),
        Length(12),
        Length(12),
        Length(9),
        Length(10),
        Length(10),
        Fill(1),
    ];
    let right = [true, false, false, false, false, false, true, true, true, false];
    let cell = |i: usize, s: String| {
        let line = ratatui::text::Line::from(s);
        Cell::from(if right[i] { line.right_aligned() } else { line })
    };
    let header = TRow::new(HEADER.iter().enumerate().map(|(i, h)| cell(i, h.to_string())))
        .style(Style::default().add_modifier(Modifier::BOLD));
    let rows = t.lines().into_iter().map(|c| TRow::new(c.into_iter().enumerate().map(|(i, s)| cell(i, s))));
    let widget = TTable::new(rows, widths).header(header).block(Block::default().title(title));
    f.render_widget(widget, f.area());
}

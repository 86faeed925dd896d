//! `synack ladder`: one connection as an arrow diagram, client on the left, server on the right,
//! each segment an arrow with its flags, sequence numbers (relative, raw in brackets) and
//! options, the handshake step, and both endpoints' states after it, as RFC 9293's figures give
//! them (the informed view: rows later evidence revised are shown revised). The DNS lookup that
//! gave the server's address comes first. `--explain` adds the teaching text.

use std::collections::HashMap;
use std::io::{self, Write};

use dissector_core::conn::{Ctl, Revision, Stage, State, TcpTrack, Verdict};
use dissector_core::tcp::TcpOption;
use dissector_core::{columns, Layer, Packet, TcpLayer};

use crate::explain::{self, Evidence, Lang, Late, StepFacts, Tfo, Walk};
use crate::style::Style;
use crate::width::{self as text, pad, wrap};

/// One segment of the connection.
#[derive(Debug, Clone)]
struct Step {
    track: TcpTrack,
    facts: StepFacts,
}

/// What the ladder needs from a capture: the chosen stream's segments and DNS answers.
#[derive(Debug, Default)]
pub struct Collector {
    stream: Option<u32>,
    steps: Vec<Step>,
    /// Frame -> index in `steps`, to apply revisions.
    at: HashMap<u32, usize>,
    endpoints: Option<(String, String)>,
    dns: HashMap<u32, (String, Option<u32>, Option<i128>)>,
    /// The connection's verdict, the latest given.
    verdict: Option<Verdict>,
    /// The highest TCP stream number seen.
    last_stream: Option<u32>,
}

impl Collector {
    /// Collect stream `stream`, or the first connection whose SYN is seen.
    pub fn new(stream: Option<u32>) -> Collector {
        Collector { stream, ..Collector::default() }
    }

    /// Verdicts (stream, last frame, verdict) of connections let go: the chosen one's is kept.
    pub fn verdicts(&mut self, v: Vec<(u32, u32, Verdict)>) {
        for (stream, _, verdict) in v {
            if Some(stream) == self.stream {
                self.verdict = Some(verdict);
            }
        }
    }

    /// Look at one packet.
    pub fn packet(&mut self, pkt: &Packet<'_>) {
        for l in &pkt.layers {
            if let Layer::Dns(m) = l {
                if m.message.header.is_response() {
                    let tx = m.transaction.as_ref();
                    self.dns.insert(
                        pkt.meta.number,
                        (m.message.summary(), tx.and_then(|t| t.response_to), tx.and_then(|t| t.time_ns)),
                    );
                }
            }
        }
        let Some(t) = &pkt.track else { return };
        self.last_stream = self.last_stream.max(Some(t.stream));
        let target = match self.stream {
            Some(s) => s,
            None if t.stage == Some(Stage::Syn) => {
                self.stream = Some(t.stream);
                t.stream
            }
            None => return,
        };
        if t.stream != target {
            return;
        }
        let Some(tcp) = pkt.tcp() else { return };
        let (Some(h), Some(view)) = (tcp.header, tcp.view) else { return };
        if self.endpoints.is_none() {
            self.endpoints = Some(client_server(pkt, tcp, t));
        }
        let f = h.flags;
        let sack = tcp
            .options
            .entries()
            .filter_map(|e| match &e.value {
                TcpOption::Sack(d) => Some(
                    TcpOption::sack_blocks(d)
                        .map(|(l, r)| (l.wrapping_sub(view.peer_base), r.wrapping_sub(view.peer_base))),
                ),
                _ => None,
            })
            .flatten()
            .collect();
        let tfo = tcp.options.entries().find(|e| e.kind == 34).map(|e| {
            if e.raw.len() <= 2 {
                Tfo::CookieRequest
            } else {
                Tfo::Cookie
            }
        });
        let facts = StepFacts {
            frame: pkt.meta.number,
            rel_ns: pkt.rel_ns,
            syn: f.syn(),
            ack: f.ack(),
            fin: f.fin(),
            rst: f.rst(),
            psh: f.has(0x008),
            seq_raw: h.seq,
            ack_raw: h.ack,
            seq_rel: view.seq,
            ack_rel: view.ack,
            len: tcp.seglen.unwrap_or(0),
            win_raw: h.window,
            win: view.window,
            scale: view.scalefactor,
            ipv6: pkt.layers.iter().any(|l| matches!(l, Layer::Ipv6(_))),
            ports: (tcp.src_port, tcp.dst_port),
            mss: tcp.options.mss(),
            ws: tcp.options.window_scale(),
            sack_perm: tcp.options.sack_permitted(),
            ts: tcp.options.timestamps(),
            sack,
            tfo,
            old_data: view.old_data,
            peer_data_after: None,
            sent_again: None,
        };
        // A SYN sent again from the same side: the earlier copy had no answer.
        if facts.syn && !facts.ack {
            let prev = self.steps.iter_mut().rev().find(|s| s.track.from_client == t.from_client && s.facts.syn);
            if let Some(s) = prev.filter(|s| !s.facts.ack && s.facts.seq_raw == facts.seq_raw) {
                s.facts.sent_again = Some(pkt.meta.number);
            }
        }
        // The first data the peer sends after this side's FIN makes that FIN a half-close.
        if facts.len > 0 && !facts.syn {
            let fin = self.steps.iter_mut().rev().find(|s| s.track.from_client != t.from_client && s.facts.fin);
            if let Some(s) = fin.filter(|s| s.facts.peer_data_after.is_none()) {
                s.facts.peer_data_after = Some(pkt.meta.number);
            }
        }
        self.at.insert(pkt.meta.number, self.steps.len());
        self.steps.push(Step { track: t.clone(), facts });
    }

    /// Show the rows later evidence revised (the informed view).
    pub fn revise(&mut self, revisions: Vec<Revision>) {
        for (frame, row) in revisions {
            if let Some(&i) = self.at.get(&frame) {
                self.steps[i].track.apply(&row);
            }
        }
    }

    /// When a stream was asked for and the capture has no segment of it: what to say (the
    /// streams there are).
    pub fn missing_stream(&self) -> Option<String> {
        let asked = self.stream.filter(|_| self.steps.is_empty())?;
        Some(match self.last_stream {
            Some(0) => format!("no TCP stream {asked} in the capture: it has stream 0 only"),
            Some(n) => format!("no TCP stream {asked} in the capture: its streams are 0 to {n}"),
            None => format!("no TCP stream {asked} in the capture: it has no TCP connection"),
        })
    }

    /// Draw the diagram, `width` columns wide, in `lang`, with the teaching text if `explain`.
    pub fn draw(&self, out: &mut dyn Write, width: usize, lang: Lang, explain: bool, st: &Style) -> io::Result<()> {
        let ko = lang == Lang::Ko;
        let Some(stream) = self.stream else {
            return writeln!(
                out,
                "{}",
                if ko {
                    "이 캡처에는 SYN이 있는 TCP 연결이 없습니다(--stream N으로 고르세요)"
                } else {
                    "no TCP connection with a SYN in this capture (pick one with --stream N)"
                }
            );
        };
        let Some(first) = self.steps.first() else {
            let msg = if ko {
                format!("스트림 {stream}: 세그먼트 없음")
            } else {
                format!("stream {stream}: no segments")
            };
            return writeln!(out, "{msg}");
        };
        let width = width.clamp(64, 200);
        let itself = first.track.itself;
        let (client, server) = self.endpoints.clone().unwrap_or_default();
        let title = match (ko, itself) {
            (false, false) => format!("TCP stream {stream}: client {client}  ⇄  server {server}"),
            (true, false) => format!("TCP 스트림 {stream}: 클라이언트 {client}  ⇄  서버 {server}"),
            (false, true) => format!("TCP stream {stream}: one socket, {client}, connected to itself (a self-connect)"),
            (true, true) => format!("TCP 스트림 {stream}: 소켓 하나({client})가 자기 자신에게 연결함(자기 연결)"),
        };
        writeln!(out, "{}", st.heading(&title))?;
        if !first.facts.syn {
            // No handshake in the capture: the tracker takes both ends as open (as tshark does,
            // its relative numbers count from the first segment seen).
            let note = if ko {
                "캡처가 연결 중간부터 시작합니다: 핸드셰이크가 없으므로 양쪽을 ESTABLISHED로 보고, 상대 순서 번호는 처음 본 세그먼트부터 셉니다(tshark와 같음)."
            } else {
                "The capture starts in the middle of this connection: without its handshake both ends are taken to be ESTABLISHED, and relative numbers count from the first segment seen (as in tshark)."
            };
            for w in wrap(note, width.clamp(64, 200)) {
                writeln!(out, "{}", st.dim(&w))?;
            }
        }
        self.draw_dns(out, lang, st)?;
        writeln!(out)?;
        let left = 8usize;
        let span = width.saturating_sub(22).max(left + 30) - left;
        let states = |t: &TcpTrack, c: State, s: State| {
            let cs = st.state(c.name());
            if t.itself {
                format!("{:left$}{cs}", "")
            } else {
                format!("{:left$}{}{}", "", pad(&cs, span + cs.len() - c.name().len()), st.state(s.name()))
            }
        };
        let heads = match (ko, itself) {
            (false, false) => (format!("client {client}"), format!("server {server}")),
            (true, false) => (format!("클라이언트 {client}"), format!("서버 {server}")),
            (false, true) => ("socket (sending)".into(), "socket (receiving)".into()),
            (true, true) => ("소켓 (보냄)".into(), "소켓 (받음)".into()),
        };
        writeln!(out, "{:left$}{}{}", "", pad(&heads.0, span), heads.1)?;
        let (c0, s0) = before(&first.track);
        writeln!(out, "{}", states(&first.track, c0, s0))?;
        let simultaneous =
            self.steps.iter().find(|s| s.track.stage == Some(Stage::SimultaneousSyn)).map(|s| s.facts.frame);
        let mut walk = Walk::new(simultaneous);
        for s in &self.steps {
            let f = &s.facts;
            let t = &s.track;
            let stage = t
                .stage
                .map(|g| format!("  {}", short_label(g, t.itself || simultaneous.is_some())))
                .unwrap_or_default();
            let body = span.saturating_sub(2);
            let label = format!(" {} ", flag_label(f));
            let fill = body.saturating_sub(text::width(&label) + 2);
            let arrow = if t.from_client {
                format!("|──{label}{}▶|", "─".repeat(fill))
            } else {
                format!("|◀{}{label}──|", "─".repeat(fill))
            };
            let tag = format!("#{}", f.frame);
            writeln!(out, "{tag:<left$}{arrow}{}", st.heading(&stage))?;
            for w in wrap(&format!("{} ms  {}", explain::ms(f.rel_ns), detail(f)), width.saturating_sub(left)) {
                writeln!(out, "{:left$}{}", "", st.dim(&w))?;
            }
            let marks: Vec<&str> = t.anomalies.names().collect();
            if !marks.is_empty() {
                writeln!(out, "{:left$}{}", "", st.warn(&format!("! {}", marks.join(", "))))?;
            }
            writeln!(out, "{}", states(t, t.client, t.server))?;
            let arrived = t.arrived.and_then(|fr| self.at.get(&fr)).map(|&i| {
                let a = &self.steps[i];
                Late {
                    frame: a.facts.frame,
                    from_client: a.track.from_client,
                    ctl: ctl_name(&a.facts),
                    why: self.evidence(i, f.frame),
                }
            });
            let lines = explain::step(lang, f, t, &mut walk, arrived);
            if explain {
                for line in lines {
                    for w in wrap(&line, width.saturating_sub(left + 2)) {
                        writeln!(out, "{:left$}{}", "", st.dim(&format!("» {w}")))?;
                    }
                }
                writeln!(out)?;
            }
        }
        self.draw_footer(out, lang, width, !explain)
    }

    /// The lookup that named the server.
    fn draw_dns(&self, out: &mut dyn Write, lang: Lang, st: &Style) -> io::Result<()> {
        let Some(link) = self.steps.iter().find_map(|s| s.track.dns.clone()) else { return Ok(()) };
        writeln!(out)?;
        let (text, req, ns) = self.dns.get(&link.frame).cloned().unwrap_or_default();
        let when = match (req, ns, lang) {
            (Some(r), Some(ns), Lang::En) => format!("frames {r} → {}, {} ms", link.frame, explain::ms(ns)),
            (Some(r), Some(ns), Lang::Ko) => format!("프레임 {r} → {}, {} ms", link.frame, explain::ms(ns)),
            (_, _, Lang::En) => format!("frame {}", link.frame),
            (_, _, Lang::Ko) => format!("프레임 {}", link.frame),
        };
        let head = if lang == Lang::Ko { format!("DNS 조회 ({when})") } else { format!("DNS lookup ({when})") };
        writeln!(out, "{}", st.heading(&head))?;
        let text = match lang {
            Lang::En => text,
            // The core's summary in Korean: its fixed words, the records as they are.
            Lang::Ko => {
                let text = text.replacen("response ", "응답 ", 1).replace(" rcode ", " 응답 코드 ");
                match text.rsplit_once(" and ") {
                    Some((head, more)) if more.ends_with(" more") => {
                        format!("{head} 외 {}개", more.trim_end_matches(" more"))
                    }
                    _ => text,
                }
            }
        };
        writeln!(out, "  {text}")?;
        let msg = match lang {
            Lang::Ko => format!("  클라이언트는 이 응답이 {}에 대해 알려 준 주소로 연결합니다.", link.name),
            Lang::En => format!("  The client then connects to the address this answer gave for {}.", link.name),
        };
        writeln!(out, "{}", st.dim(&msg))
    }

    /// What the handshake negotiated, how long it took, and the connection's verdict.
    /// `gap`: a blank line is still needed before it.
    fn draw_footer(&self, out: &mut dyn Write, lang: Lang, width: usize, gap: bool) -> io::Result<()> {
        let ko = lang == Lang::Ko;
        let mut lines = Vec::new();
        if let Some(n) = self.steps.iter().find_map(|s| s.track.negotiated) {
            let mss = |m: Option<u16>| m.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
            let yes = |b: bool| match (ko, b) {
                (false, true) => "yes",
                (false, false) => "no",
                (true, true) => "예",
                (true, false) => "아니요",
            };
            let ws = match (n.ws, ko) {
                (Some((c, s)), false) => format!("WS client {c} (×{}), server {s} (×{})", 1u32 << c, 1u32 << s),
                (Some((c, s)), true) => format!("WS 클라이언트 {c} (×{}), 서버 {s} (×{})", 1u32 << c, 1u32 << s),
                (None, false) => "no window scaling".into(),
                (None, true) => "윈도 배율 없음".into(),
            };
            let itself = self.steps.first().is_some_and(|s| s.track.itself);
            let ws_self = |c: u8| format!("WS {c} (×{})", 1u32 << c);
            lines.push(if itself {
                let ws = n.ws.map(|(c, _)| ws_self(c)).unwrap_or(ws);
                if ko {
                    format!(
                        "자기 자신과 합의한 옵션: MSS {}, {ws}, SACK {}, 타임스탬프 {}",
                        mss(n.mss_client),
                        yes(n.sack),
                        yes(n.ts)
                    )
                } else {
                    format!(
                        "negotiated with itself: MSS {}, {ws}, SACK {}, timestamps {}",
                        mss(n.mss_client),
                        yes(n.sack),
                        yes(n.ts)
                    )
                }
            } else if ko {
                format!(
                    "합의된 옵션: MSS 클라이언트 {} / 서버 {}, {ws}, SACK {}, 타임스탬프 {}",
                    mss(n.mss_client),
                    mss(n.mss_server),
                    yes(n.sack),
                    yes(n.ts)
                )
            } else {
                format!(
                    "negotiated: MSS client {} / server {}, {ws}, SACK {}, timestamps {}",
                    mss(n.mss_client),
                    mss(n.mss_server),
                    yes(n.sack),
                    yes(n.ts)
                )
            });
        }
        if let Some(irtt) = self.steps.iter().rev().find_map(|s| s.track.irtt_ns) {
            lines.push(if ko {
                format!("초기 왕복 시간(SYN → 핸드셰이크 ACK): {} ms", explain::ms(irtt))
            } else {
                format!("initial RTT (SYN → handshake ACK): {} ms", explain::ms(irtt))
            });
        }
        if let Some(v) = &self.verdict {
            let s = crate::verdict::sentence(v, lang);
            lines.push(if ko { format!("판정: {s}") } else { format!("verdict: {s}") });
        }
        if gap && !lines.is_empty() {
            writeln!(out)?;
        }
        for l in lines {
            for w in wrap(&l, width) {
                writeln!(out, "{w}")?;
            }
        }
        Ok(())
    }

    /// The receiver's last segment, before frame `until`, that shows the segment of step `i`
    /// had not reached it (the evidence the informed view weighed).
    fn evidence(&self, i: usize, until: u32) -> Option<Evidence> {
        let late = &self.steps[i];
        let ctl = (late.facts.syn || late.facts.fin).then(|| {
            let f = &late.facts;
            f.seq_raw.wrapping_add(f.len).wrapping_add(u32::from(f.syn && f.fin))
        });
        self.steps[i + 1..]
            .iter()
            .take_while(|s| s.facts.frame < until)
            .filter(|s| s.track.from_client != late.track.from_client)
            .filter_map(|s| {
                let r = &s.facts;
                if late.facts.syn && r.syn && !r.ack {
                    Some(Evidence::OwnSyn(r.frame))
                } else if r.syn && r.ack {
                    Some(Evidence::OwnSynAck(r.frame))
                } else if ctl.is_some_and(|c| r.ack && r.ack_raw.wrapping_sub(c) as i32 <= 0) {
                    Some(Evidence::NotAcked(r.frame))
                } else {
                    None
                }
            })
            .last()
    }
}

/// The arrow's label: the flags, and the payload length.
fn flag_label(f: &StepFacts) -> String {
    let mut names = Vec::new();
    for (on, n) in [(f.fin, "FIN"), (f.syn, "SYN"), (f.rst, "RST"), (f.psh, "PSH"), (f.ack, "ACK")] {
        if on {
            names.push(n);
        }
    }
    let mut s = names.join(", ");
    if f.len > 0 {
        s.push_str(&format!(" {}B", f.len));
    }
    s
}

/// A handshake step as the ladder tags it, short enough to sit after the arrow.
fn short_label(s: Stage, no_steps: bool) -> &'static str {
    match s {
        // A self-connect or a simultaneous open has no 1/3: nobody is only answering.
        Stage::Syn if no_steps => "SYN",
        Stage::SimultaneousSyn => "simult. SYN",
        Stage::SimultaneousSynAck => "simult. SYN+ACK",
        _ => s.label(),
    }
}

/// What a segment carried, for a line that says it arrived late.
fn ctl_name(f: &StepFacts) -> &'static str {
    match (f.syn, f.ack, f.fin) {
        (_, _, true) => Ctl::Fin.name(),
        (true, true, _) => Ctl::SynAck.name(),
        (true, false, _) => Ctl::Syn.name(),
        _ => Ctl::Ack.name(),
    }
}

/// The segment's numbers: relative as tshark shows them, raw in brackets, the window as sent
/// and as scaled, and the options (WS as its shift and multiplier).
fn detail(f: &StepFacts) -> String {
    let mut s = format!("Seq={}", f.seq_rel);
    if f.ack {
        s.push_str(&format!(" Ack={}", f.ack_rel));
    }
    match f.scale {
        Some(m) if m > 1 && !f.syn && f.win_raw > 0 => s.push_str(&format!(" Win={}×{m}={}", f.win_raw, f.win)),
        _ => s.push_str(&format!(" Win={}", f.win)),
    }
    s.push_str(&format!(" Len={}", f.len));
    if let Some(m) = f.mss {
        s.push_str(&format!(" MSS={m}"));
    }
    if f.sack_perm {
        s.push_str(" SACK_PERM");
    }
    if let Some((v, e)) = f.ts {
        s.push_str(&format!(" TSval={v} TSecr={e}"));
    }
    if let Some(w) = f.ws {
        s.push_str(&format!(" WS={w} (×{})", 1u32 << w.min(14)));
    }
    for (l, r) in &f.sack {
        s.push_str(&format!(" SACK={l}-{r}"));
    }
    match f.tfo {
        Some(Tfo::CookieRequest) => s.push_str(" TFO=R"),
        Some(Tfo::Cookie) => s.push_str(" TFO=C"),
        None => {}
    }
    if f.ack {
        s.push_str(&format!(" [raw Seq={} Ack={}]", f.seq_raw, f.ack_raw));
    } else {
        s.push_str(&format!(" [raw Seq={}]", f.seq_raw));
    }
    s
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
    if t.itself {
        s = c;
    }
    (c, s)
}

/// A tracked segment's client and server as `addr:port` (`[v6]:port`).
pub(crate) fn client_server(pkt: &Packet<'_>, tcp: &TcpLayer<'_>, t: &TcpTrack) -> (String, String) {
    let (src, dst) = columns::addresses(pkt);
    let (s, d) = (join(&src, tcp.src_port), join(&dst, tcp.dst_port));
    if t.from_client {
        (s, d)
    } else {
        (d, s)
    }
}

fn join(addr: &str, port: u16) -> String {
    if addr.contains(':') {
        format!("[{addr}]:{port}")
    } else {
        format!("{addr}:{port}")
    }
}

//! The teaching text of `synack ladder`, in English and Korean: what each segment is and why
//! its numbers are what they are (RFC 9293 for the handshake, sequence numbers and states,
//! RFC 7323 for window scaling and timestamps, RFC 2018 for SACK, RFC 6691 for the MSS,
//! RFC 6298 for retransmission timing, RFC 7413 for Fast Open).

use dissector_core::conn::{Anomalies, Change, Stage, State, TcpTrack};

use crate::ko::{with, Josa};

/// Languages of the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English.
    En,
    /// Korean (한국어).
    Ko,
}

/// What one state means (RFC 9293 §3.3.2).
pub fn state(lang: Lang, s: State) -> &'static str {
    use State::*;
    match lang {
        Lang::En => match s {
            Closed => "no connection",
            Listen => "waiting for a connection request",
            SynSent => "it sent its SYN and waits for the peer's SYN",
            SynReceived => "it has the peer's SYN and waits for the ACK of its own SYN",
            Established => "open: data can flow both ways",
            FinWait1 => "it sent its FIN and waits for it to be acknowledged",
            FinWait2 => "its FIN was acknowledged; it waits for the peer's FIN and can still receive",
            CloseWait => "the peer closed its sending side; this side may still send, then close",
            Closing => "each side sent a FIN before receiving the other's; it waits for the ACK of its own",
            LastAck => "it closed after the peer and waits for the ACK of its FIN",
            TimeWait => "both sides closed; it waits 2 MSL (RFC 9293 §3.6) so that late segments die out",
        },
        Lang::Ko => match s {
            Closed => "연결 없음",
            Listen => "연결 요청을 기다리는 중",
            SynSent => "SYN을 보냈고 상대의 SYN을 기다리는 중",
            SynReceived => "상대의 SYN을 받았고, 자신의 SYN에 대한 ACK을 기다리는 중",
            Established => "연결됨: 양방향으로 데이터가 오갈 수 있음",
            FinWait1 => "FIN을 보냈고 그에 대한 확인을 기다리는 중",
            FinWait2 => "자신의 FIN이 확인됨; 상대의 FIN을 기다리며 아직 받을 수 있음",
            CloseWait => "상대가 보내는 쪽을 닫음; 이쪽은 아직 보낼 수 있고, 다 보내면 닫음",
            Closing => "양쪽이 상대의 FIN을 받기 전에 각자 FIN을 보냄; 자신의 FIN에 대한 ACK을 기다리는 중",
            LastAck => "상대보다 나중에 닫았고, 자신의 FIN에 대한 ACK을 기다리는 중",
            TimeWait => "양쪽 모두 닫힘; 늦게 오는 세그먼트가 사라지도록 2 MSL 동안 기다림(RFC 9293 §3.6)",
        },
    }
}

/// Fast Open on a SYN (RFC 7413).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tfo {
    /// An empty option: the client asks for a cookie.
    CookieRequest,
    /// A cookie: the client may send data on the SYN.
    Cookie,
}

/// Why a segment that arrives late had not arrived at its capture position: the receiver's
/// segment (its frame) that shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Its ACK did not cover the SYN or FIN.
    NotAcked(u32),
    /// It sent its own SYN (it had not received the peer's).
    OwnSyn(u32),
    /// It sent a SYN+ACK (it was still waiting for the ACK of its SYN).
    OwnSynAck(u32),
}

/// A segment that arrives late, just before the one explained.
#[derive(Debug, Clone, Copy)]
pub struct Late<'a> {
    /// Its frame.
    pub frame: u32,
    /// The client sent it.
    pub from_client: bool,
    /// What it carried: `SYN`, `FIN`...
    pub ctl: &'a str,
    /// Why it had not arrived earlier.
    pub why: Option<Evidence>,
}

/// Facts about one segment that the texts use.
#[derive(Debug, Clone, Default)]
pub struct StepFacts {
    /// Frame number and capture time since the first frame.
    pub frame: u32,
    /// ns since the capture's first frame.
    pub rel_ns: i128,
    /// Flags.
    pub syn: bool,
    /// ACK flag.
    pub ack: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// PSH flag.
    pub psh: bool,
    /// Sequence and acknowledgment numbers, raw and relative (as tshark shows them).
    pub seq_raw: u32,
    /// Raw ACK number.
    pub ack_raw: u32,
    /// Relative sequence number.
    pub seq_rel: u32,
    /// Relative ACK number.
    pub ack_rel: u32,
    /// Payload length.
    pub len: u32,
    /// The window field as sent, the calculated window, and the scale factor (tshark's).
    pub win_raw: u16,
    /// Calculated window.
    pub win: u32,
    /// Scale factor shown for non-SYN segments: -1 unknown, -2 not used, else the multiplier.
    pub scale: Option<i32>,
    /// IPv6 (the MSS leaves 60 bytes of headers, not 40).
    pub ipv6: bool,
    /// Source and destination ports.
    pub ports: (u16, u16),
    /// Options: MSS, WS shift, SACK_PERM, (TSval, TSecr), SACK blocks (relative), Fast Open.
    pub mss: Option<u16>,
    /// WS shift as sent.
    pub ws: Option<u8>,
    /// SACK permitted.
    pub sack_perm: bool,
    /// Timestamps.
    pub ts: Option<(u32, u32)>,
    /// SACK blocks, relative.
    pub sack: Vec<(u32, u32)>,
    /// Fast Open.
    pub tfo: Option<Tfo>,
    /// Its data was sent before (tshark's retransmission test).
    pub old_data: bool,
    /// On a FIN: the first frame in which the peer sends data after it (a half-close).
    pub peer_data_after: Option<u32>,
    /// On a SYN: the frame that sends it again.
    pub sent_again: Option<u32>,
}

/// The options a SYN carried that its copies repeat: MSS, WS shift, SACK_PERM.
type SynOptions = (Option<u16>, Option<u8>, bool);

/// What the texts remember from one segment to the next.
#[derive(Debug, Default)]
pub struct Walk {
    /// Each side's ISN (raw): client, server.
    isn: [Option<u32>; 2],
    /// SYN data length of the client (Fast Open).
    syn_data: u32,
    /// Capture time of each side's last SYN copy.
    syn_at: [Option<i128>; 2],
    /// The wait before each side's last SYN retransmission.
    syn_gap: [Option<i128>; 2],
    /// The options each side's last SYN carried (MSS, WS, SACK_PERM).
    syn_opts: [Option<SynOptions>; 2],
    /// Each side has sent a FIN.
    fin_sent: [bool; 2],
    /// Each side's announced WS shift.
    ws: [Option<u8>; 2],
    /// The scaled window has been explained for each side.
    scaled_told: [bool; 2],
    /// PSH has been explained.
    psh_told: bool,
    /// One past the highest relative sequence number each side sent.
    next_rel: [Option<u32>; 2],
    /// Each side's FIN has been acknowledged by the other.
    fin_acked: [bool; 2],
    /// The server sent a SYN+ACK.
    server_synack: bool,
    /// The client's first SYN.
    first_syn_ns: Option<i128>,
    /// The frame of each side's last SYN.
    syn_frame: [Option<u32>; 2],
    /// The frame of the server's SYN when the connection is a simultaneous open.
    simultaneous: Option<u32>,
    /// The side whose keep-alive probe is the last segment.
    probe: Option<usize>,
}

impl Walk {
    /// A walk through a connection whose server sends its own SYN in frame `simultaneous`.
    pub fn new(simultaneous: Option<u32>) -> Walk {
        Walk { simultaneous, ..Walk::default() }
    }
}

/// Who, in words.
fn who(lang: Lang, client: bool, itself: bool) -> &'static str {
    match (lang, itself, client) {
        (Lang::En, true, _) => "socket",
        (Lang::En, false, true) => "client",
        (Lang::En, false, false) => "server",
        (Lang::Ko, true, _) => "소켓",
        (Lang::Ko, false, true) => "클라이언트",
        (Lang::Ko, false, false) => "서버",
    }
}

/// Milliseconds with three decimals.
pub fn ms(ns: i128) -> String {
    format!("{:.3}", ns as f64 / 1e6)
}

/// The kind of a destination port: well-known (below 1024), registered (to 49151), or none.
fn port_kind(lang: Lang, port: u16) -> &'static str {
    match (lang, port) {
        (Lang::En, 0..=1023) => " (a well-known port, below 1024)",
        (Lang::En, 1024..=49151) => " (a registered port)",
        (Lang::Ko, 0..=1023) => "(1024보다 작은 잘 알려진 포트)",
        (Lang::Ko, 1024..=49151) => "(등록된 포트)",
        _ => "",
    }
}

/// The explanation of one segment, as lines of text (not wrapped). `t` is its annotation in
/// the informed view; `arrived`: a segment that had not arrived earlier and arrives just
/// before this one (its frame, whether the client sent it, and what it carried).
pub fn step(lang: Lang, f: &StepFacts, t: &TcpTrack, w: &mut Walk, arrived: Option<Late<'_>>) -> Vec<String> {
    let ko = lang == Lang::Ko;
    let me = usize::from(!t.from_client);
    // A self-connect's peer is itself.
    let peer = if t.itself { me } else { 1 - me };
    let whom = who(lang, t.from_client, t.itself);
    let other = who(lang, !t.from_client, t.itself);
    let mut v = Vec::new();
    // A segment that had not arrived earlier reaches its receiver now.
    if let Some(late) = arrived {
        v.push(late_line(lang, &late, t.itself));
    }
    match t.stage {
        Some(Stage::Syn) => syn_lines(lang, f, t, w, &mut v),
        Some(Stage::SynAck) => {
            v.push(if ko {
                format!(
                    "2/3단계: 서버가 연결을 받아들입니다. SYN+ACK으로 클라이언트의 SYN을 확인하고, 자신의 초기 순서 번호 y = {}{} 함께 보냅니다(상대값 0).",
                    f.seq_raw,
                    josa_tail(&f.seq_raw.to_string(), Josa::Object)
                )
            } else {
                format!(
                    "Step 2/3: the server accepts: its SYN+ACK acknowledges the client's SYN and carries its own initial sequence number y = {} (relative 0).",
                    f.seq_raw
                )
            });
            if t.anomalies.has(Anomalies::SYNACK_RETRANSMISSION) {
                v.push(if ko {
                    "다시 보낸 SYN+ACK입니다: 이에 대한 ACK이 돌아오지 않았습니다.".into()
                } else {
                    "This is the server's SYN+ACK sent again: no ACK of it had come back.".into()
                });
            }
            v.extend(synack_ack_lines(lang, f, t, w));
            // The client closed its socket while in SYN_SENT: the SYN+ACK finds no connection.
            if t.changes[0].is_some_and(|c| c.from == State::SynSent && c.to == State::Closed) {
                v.push(if ko {
                    "그런데 클라이언트는 이미 연결 시도를 포기했습니다: SYN_SENT에서 소켓을 닫으면 아무것도 보내지 않고 연결을 지웁니다(RFC 9293 §3.10.4). SYN+ACK은 받을 연결이 없는 곳에 도착합니다.".into()
                } else {
                    "But the client had already given up: closing a socket in SYN_SENT deletes the connection without sending anything (RFC 9293 §3.10.4), so the SYN+ACK arrives where no connection is left.".into()
                });
            }
        }
        Some(Stage::Ack) => v.push(if ko {
            format!(
                "3/3단계: 클라이언트가 서버의 SYN을 확인합니다: ACK = y+1 = {}(상대값 1). 3단계 핸드셰이크가 끝났습니다.",
                f.ack_raw
            )
        } else {
            format!(
                "Step 3/3: the client acknowledges the server's SYN: ACK = y+1 = {} (relative 1). The three-way handshake is complete.",
                f.ack_raw
            )
        }),
        Some(Stage::SimultaneousSyn) => v.push(if ko {
            format!(
                "서버가 응답하는 대신 자신의 SYN을 보냅니다: 양쪽이 동시에 연결을 여는 동시 열기입니다(RFC 9293 §3.5, 그림 7). 서버는 듣고 있지 않았고(CLOSED), 초기 순서 번호는 y = {}입니다.",
                f.seq_raw
            )
        } else {
            format!(
                "The server sends its own SYN instead of answering: both ends open at the same time, a simultaneous open (RFC 9293 §3.5, Figure 7). It was CLOSED, not listening; its initial sequence number is y = {}.",
                f.seq_raw
            )
        }),
        Some(Stage::SimultaneousSynAck) => v.push(match (ko, t.itself) {
            (false, true) => format!(
                "The socket answers its own SYN with a SYN+ACK (ACK = x+1 = {}): having received a SYN while in SYN_SENT, it is in a simultaneous open with itself (RFC 9293 §3.10.7.3).",
                f.ack_raw
            ),
            (true, true) => format!(
                "소켓이 자신의 SYN에 SYN+ACK으로 답합니다(ACK = x+1 = {}): SYN_SENT 상태에서 SYN을 받았으므로 자기 자신과 동시 열기를 하는 셈입니다(RFC 9293 §3.10.7.3).",
                f.ack_raw
            ),
            (false, false) => format!(
                "The {whom} answers the {other}'s SYN with a SYN+ACK: in a simultaneous open each end acknowledges the other's SYN (ACK = {} = the {other}'s ISN + 1) and is ESTABLISHED once the other's SYN+ACK reaches it.",
                f.ack_raw
            ),
            (true, false) => format!(
                "{} {}의 SYN에 SYN+ACK으로 답합니다: 동시 열기에서는 양쪽이 서로의 SYN을 확인하고(ACK = {} = {}의 ISN + 1), 상대의 SYN+ACK을 받으면 ESTABLISHED가 됩니다.",
                with(whom, Josa::Subject),
                other,
                f.ack_raw,
                other
            ),
        }),
        None => {
            if f.rst {
                rst_lines(lang, f, t, w, &mut v);
            } else if f.syn && t.itself {
                syn_lines(lang, f, t, w, &mut v);
            } else if f.fin {
                fin_lines(lang, f, t, w, &mut v);
            } else if f.len > 0 {
                data_lines(lang, f, t, w, &mut v);
            } else if f.ack {
                ack_lines(lang, f, t, w, &mut v);
            }
        }
    }
    let opts = (f.mss, f.ws, f.sack_perm);
    if let Some(prev) = w.syn_frame[me].filter(|_| f.syn && w.syn_opts[me] == Some(opts)) {
        v.push(if ko {
            format!("옵션(MSS, WS, SACK_PERM)은 프레임 {prev}의 SYN과 같습니다.")
        } else {
            format!("Its options (MSS, WS, SACK_PERM) are those of its SYN in frame {prev}.")
        });
    } else if f.syn {
        v.extend(option_lines(lang, f));
    } else {
        v.extend(window_line(lang, f, t, w));
    }
    // §3.10.7.2: a SYN that reached a listener moves it to SYN_RECEIVED; one that did not leaves it.
    let receiver_moved = t.changes[usize::from(t.from_client)].is_some();
    if f.syn && !f.ack && !t.itself && !receiver_moved && t.arrived.is_none() && w.simultaneous.is_none() {
        let closed = (if t.from_client { t.server } else { t.client }) == State::Closed;
        v.push(match (ko, f.sent_again) {
            // §3.10.7.1: with no listener the receiver is CLOSED, and its answer is a RST.
            (false, _) if closed => format!(
                "The {other} is shown CLOSED: nothing listens there, as its RST answer shows (RFC 9293 §3.10.7.1), so the SYN opens nothing."
            ),
            (true, _) if closed => format!(
                "{} CLOSED로 표시됩니다: RST 응답이 보여 주듯 그 포트에서 기다리는 프로그램이 없으므로(RFC 9293 §3.10.7.1) SYN은 아무것도 열지 못합니다.",
                with(other, Josa::Topic)
            ),
            (false, Some(n)) => format!(
                "The {other} stays in {}: no answer came, and the {whom} sent the SYN again in frame {n}, so this copy never took effect there (lost on the way, or dropped on arrival).",
                state_name(t, !t.from_client)
            ),
            (true, Some(n)) => format!(
                "{} {}에 머뭅니다: 답이 없었고 {} 프레임 {n}에서 SYN을 다시 보냈으므로, 이 SYN은 {}에 닿지 않았습니다(가는 길에 사라졌거나 도착해서 버려짐).",
                with(other, Josa::Topic),
                state_name(t, !t.from_client),
                with(whom, Josa::Subject),
                other
            ),
            (false, None) => format!(
                "No answer comes before the capture ends, so the {other} is shown where it was, in {}.",
                state_name(t, !t.from_client)
            ),
            (true, None) => format!(
                "캡처가 끝날 때까지 답이 없으므로 {}의 상태는 그대로 {}입니다.",
                other,
                state_name(t, !t.from_client)
            ),
        });
    }
    for c in t.changes.iter().flatten() {
        v.push(change_line(lang, c, t.itself));
    }
    remember(f, t, w, me, peer);
    v
}

/// A late segment reaches its receiver, and the receiver's segment that showed it had not.
fn late_line(lang: Lang, late: &Late<'_>, itself: bool) -> String {
    let (s, r) = (who(lang, late.from_client, itself), who(lang, !late.from_client, itself));
    let (frame, ctl) = (late.frame, late.ctl);
    if lang == Lang::Ko {
        let head = format!("{s}의 {ctl}(프레임 {frame}){} 이제야 {r}에 도착합니다", josa_tail(ctl, Josa::Subject));
        match late.why {
            Some(Evidence::NotAcked(m)) => format!(
                "{head}: {r}의 프레임 {m}{} 이를 확인하지 않았으므로 그때는 아직 도착하지 않았던 것입니다.",
                josa_tail(&m.to_string(), Josa::Subject)
            ),
            Some(Evidence::OwnSyn(m)) => format!(
                "{head}: {}{} 프레임 {m}에서 자신의 SYN을 보냈으므로 그때는 {s}의 SYN을 아직 받지 못했던 것입니다.",
                r,
                josa_tail(r, Josa::Subject)
            ),
            Some(Evidence::OwnSynAck(m)) => format!(
                "{head}: {}{} 프레임 {m}에서 SYN+ACK을 보냈으므로 그때는 아직 자신의 SYN에 대한 ACK을 기다리고 있었던 것입니다.",
                r,
                josa_tail(r, Josa::Subject)
            ),
            None => format!("{head}."),
        }
    } else {
        let head = format!("The {s}'s {ctl} of frame {frame} reaches the {r} only now");
        match late.why {
            Some(Evidence::NotAcked(m)) => {
                format!("{head}: the {r}'s frame {m} did not acknowledge it, so it had not arrived then.")
            }
            Some(Evidence::OwnSyn(m)) => {
                format!("{head}: the {r} sent its own SYN in frame {m}, so it had not received the {s}'s yet.")
            }
            Some(Evidence::OwnSynAck(m)) => format!(
                "{head}: the {r} sent a SYN+ACK in frame {m}, so it was still waiting for the ACK of its SYN then."
            ),
            None => format!("{head}."),
        }
    }
}

/// A SYN sent again: the wait measured against RFC 6298's timer, which starts at 1 s (§2.1, §5.7)
/// and doubles on each expiry (§5.5); stacks may retry at a fixed interval first.
fn syn_retry(lang: Lang, t: &TcpTrack, gap: Option<i128>, before: Option<i128>) -> String {
    let ko = lang == Lang::Ko;
    let secs = |ns: i128| format!("{:.3}", ns as f64 / 1e9);
    let whom = who(lang, t.from_client, t.itself);
    let Some(gap) = gap else {
        return if ko {
            format!("{} SYN을 다시 보냅니다(재전송).", with(whom, Josa::Subject))
        } else {
            format!("The {whom} sends its SYN again (a retransmission).")
        };
    };
    let head = if ko {
        format!(
            "{} 이전 SYN 뒤 {}초 만에 SYN을 다시 보냅니다: 그동안 SYN+ACK이 돌아오지 않았습니다.",
            with(whom, Josa::Subject),
            secs(gap)
        )
    } else {
        format!("The {whom} sends its SYN again, {} s after the previous copy: no SYN+ACK had come back.", secs(gap))
    };
    let ratio = before.filter(|&b| b > 0).map(|b| gap as f64 / b as f64);
    let tail = match (ratio, ko) {
        (None, true) => "RFC 6298은 재전송 타이머를 1초에서 시작해(§2.1) 만료될 때마다 두 배로 늘리라고 합니다(§5.5).".to_string(),
        (None, false) => "RFC 6298 starts the retransmission timer at 1 s (§2.1) and doubles it on each expiry (§5.5).".to_string(),
        (Some(r), true) if (1.6..2.5).contains(&r) => "앞선 대기의 두 배로, RFC 6298 §5.5의 지수 백오프 그대로입니다.".to_string(),
        (Some(r), false) if (1.6..2.5).contains(&r) => "That is twice the previous wait: RFC 6298's exponential back-off (§5.5).".to_string(),
        (Some(r), true) if (0.8..1.25).contains(&r) => "앞선 대기와 거의 같습니다: RFC 6298 §5.5는 두 배로 늘리라고 하지만, 처음 몇 번은 같은 간격으로 다시 보내는 스택도 있습니다(Linux의 net.ipv4.tcp_syn_linear_timeouts).".to_string(),
        (Some(r), false) if (0.8..1.25).contains(&r) => "That is about the previous wait again: RFC 6298 §5.5 doubles the timer, but some stacks retry their first SYNs at a fixed interval (Linux: net.ipv4.tcp_syn_linear_timeouts).".to_string(),
        (Some(r), true) => format!("앞선 대기의 {r:.1}배입니다(RFC 6298 §5.5는 두 배)."),
        (Some(r), false) => format!("That is {r:.1} times the previous wait (RFC 6298 §5.5 doubles it)."),
    };
    format!("{head} {tail}")
}

/// The particle alone that follows `word`.
fn josa_tail(word: &str, j: Josa) -> String {
    with(word, j)[word.len()..].to_string()
}

fn syn_lines(lang: Lang, f: &StepFacts, t: &TcpTrack, w: &Walk, v: &mut Vec<String>) {
    let ko = lang == Lang::Ko;
    let isn = f.seq_raw.to_string();
    let me = usize::from(!t.from_client);
    if t.anomalies.has(Anomalies::SYN_RETRANSMISSION) {
        let gap = w.syn_at[me].map(|at| f.rel_ns - at);
        v.push(syn_retry(lang, t, gap, w.syn_gap[me]));
        return;
    }
    if t.itself {
        v.push(if ko {
            format!(
                "소켓이 자기 자신의 주소와 포트로 SYN을 보냅니다: 소켓 하나가 연결의 양쪽 끝인 자기 연결입니다. 초기 순서 번호는 x = {isn}입니다(상대값 0)."
            )
        } else {
            format!(
                "The socket sends a SYN to its own address and port: a self-connect, one socket at both ends of the connection. Its initial sequence number is x = {isn} (relative 0)."
            )
        });
        return;
    }
    // In a simultaneous open (Figure 7) this SYN is not step 1 of 3: say so without the step.
    let step = match (ko, w.simultaneous.is_some()) {
        (true, false) => "1/3단계: ",
        (false, false) => "Step 1/3: ",
        _ => "",
    };
    v.push(if ko {
        format!(
            "{step}클라이언트가 연결을 요청합니다. SYN에는 클라이언트의 초기 순서 번호 x = {}{} 실립니다(상대값 0으로 표시). SYN은 순서 번호 하나를 차지하므로 클라이언트의 첫 데이터 바이트는 x+1입니다.",
            isn,
            josa_tail(&isn, Josa::Subject)
        )
    } else {
        let asks = if step.is_empty() { "The client asks" } else { "the client asks" };
        format!(
            "{step}{asks} to open a connection. Its SYN carries its initial sequence number x = {isn} (shown as relative 0). A SYN occupies one sequence number, so the client's first data byte will be x+1."
        )
    });
    let (sport, dport) = f.ports;
    // Ephemeral ranges: IANA 49152-65535 (RFC 6335 §6), Linux 32768-60999 by default.
    let picked = sport >= 32768;
    v.push(match (ko, picked) {
        (true, true) => format!(
            "출발지 포트 {}{} 클라이언트의 운영체제가 이 연결을 위해 고른 임시 포트로 보이고, 목적지 포트는 {dport}{}입니다.",
            sport,
            josa_tail(&sport.to_string(), Josa::Topic),
            port_kind(lang, dport)
        ),
        (true, false) => format!(
            "출발지 포트 {}{} 흔한 임시 포트 범위(IANA 49152-65535, Linux 32768-60999)보다 낮으므로 프로그램이 직접 고른 포트일 것이고, 목적지 포트는 {dport}{}입니다.",
            sport,
            josa_tail(&sport.to_string(), Josa::Topic),
            port_kind(lang, dport)
        ),
        (false, true) => format!(
            "Its source port {sport} looks like an ephemeral port the client's system picked for this connection; it connects to port {dport}{}.",
            port_kind(lang, dport)
        ),
        (false, false) => format!(
            "Its source port {sport} lies below the usual ephemeral ranges (IANA 49152-65535, Linux 32768-60999), so the program probably chose it; it connects to port {dport}{}.",
            port_kind(lang, dport)
        ),
    });
    if let Some(other) = w.simultaneous {
        v.push(if ko {
            format!(
                "그런데 프레임 {other}에서 보듯 서버도 같은 때에 자신의 SYN을 보냅니다: 이 SYN은 3단계 핸드셰이크의 1단계가 아니라 동시 열기(RFC 9293 그림 7)의 한쪽이 됩니다."
            )
        } else {
            format!(
                "As frame {other} shows, though, the server opens at the same moment with its own SYN: this SYN becomes one half of a simultaneous open (RFC 9293 Figure 7), not step 1 of a three-way handshake."
            )
        });
    }
    match (f.tfo, f.len) {
        (_, n) if n > 0 => v.push(if ko {
            format!(
                "Fast Open 쿠키와 함께 데이터 {n}바이트도 싣고 있습니다(RFC 7413): 서버는 핸드셰이크가 끝나기 전에 이 데이터를 받을 수 있습니다."
            )
        } else {
            format!(
                "It also carries {n} bytes of data with a Fast Open cookie (RFC 7413), for the server to take before the handshake completes."
            )
        }),
        (Some(Tfo::CookieRequest), _) => v.push(if ko {
            "다음 연결에서 쓸 Fast Open 쿠키를 요청합니다(RFC 7413).".into()
        } else {
            "It asks for a Fast Open cookie (RFC 7413), to send data on the SYN of later connections.".into()
        }),
        _ => {}
    }
}

/// The SYN+ACK's ACK: x+1, with Fast Open data or not.
fn synack_ack_lines(lang: Lang, f: &StepFacts, t: &TcpTrack, w: &Walk) -> Vec<String> {
    let ko = lang == Lang::Ko;
    let Some(x) = w.isn[0] else { return Vec::new() };
    let (ack, want) = (f.ack_raw, x.wrapping_add(1));
    let n = w.syn_data;
    let line = if t.ack_ok == Some(false) {
        if ko {
            format!(
                "ACK{} {ack}입니다. x+1 = {want}{} 아니므로 클라이언트의 SYN을 핸드셰이크가 요구하는 대로 확인하지 않습니다.",
                josa_tail("ACK", Josa::Subject),
                josa_tail(&want.to_string(), Josa::Subject)
            )
        } else {
            format!("The ACK is {ack}, not x+1 = {want}: it does not acknowledge the client's SYN as the handshake requires.")
        }
    } else if n > 0 && ack == want.wrapping_add(n) {
        if ko {
            format!("ACK = x+1+{n} = {ack}: SYN에 실려 온 {n}바이트까지 확인합니다. Fast Open을 받아들였습니다.")
        } else {
            format!(
                "ACK = x+1+{n} = {ack}: it also acknowledges the {n} bytes that rode on the SYN: Fast Open accepted."
            )
        }
    } else if n > 0 {
        if ko {
            format!(
                "ACK = x+1 = {ack}: SYN은 확인하지만 그 위의 {n}바이트는 확인하지 않습니다. Fast Open이 거부되었으므로 클라이언트는 핸드셰이크 뒤에 그 데이터를 다시 보냅니다."
            )
        } else {
            format!(
                "ACK = x+1 = {ack}: it acknowledges the SYN but not the {n} bytes on it: Fast Open refused; the client sends them again after the handshake."
            )
        }
    } else if ko {
        format!(
            "ACK = x+1 = {ack}(상대값 1): SYN이 순서 번호 x를 차지했으므로 서버가 다음에 기다리는 바이트는 x+1입니다."
        )
    } else {
        format!("ACK = x+1 = {ack} (relative 1): the SYN occupied sequence number x, so the next byte the server expects is x+1.")
    };
    vec![line]
}

fn rst_lines(lang: Lang, f: &StepFacts, t: &TcpTrack, w: &Walk, v: &mut Vec<String>) {
    let ko = lang == Lang::Ko;
    let whom = who(lang, t.from_client, t.itself);
    let other = who(lang, !t.from_client, t.itself);
    // A RST from the server that acknowledges the client's SYN, before any SYN+ACK.
    let refused =
        !t.from_client && !w.server_synack && w.isn[0].is_some_and(|x| f.ack && f.ack_raw == x.wrapping_add(1));
    if refused {
        let took = w.first_syn_ns.map(|s| ms(f.rel_ns - s)).unwrap_or_default();
        v.push(if ko {
            format!(
                "서버 호스트가 SYN에 RST로 답합니다: 포트 {}에서 기다리는 프로그램이 없습니다(연결 거부, RFC 9293 §3.10.7.1). SYN_SENT 상태의 클라이언트는 RST의 ACK = x+1이 자신의 SYN을 확인하므로 이를 받아들이고(§3.10.7.3) 연결을 포기합니다. 응답까지 {took}ms 걸렸습니다.",
                f.ports.0
            )
        } else {
            format!(
                "The server's host answers the SYN with RST: nothing listens on port {} (connection refused, RFC 9293 §3.10.7.1). The client, in SYN_SENT, accepts the RST because its ACK = x+1 covers the SYN (§3.10.7.3), and gives up. The answer took {took} ms.",
                f.ports.0
            )
        });
        return;
    }
    let me = usize::from(!t.from_client);
    let sender_now = if t.from_client { t.client } else { t.server };
    if !f.ack && sender_now == State::Closed && t.changes[me].is_none() {
        // §3.10.7.1: a segment with ACK reaching no connection is answered <SEQ=SEG.ACK><CTL=RST>.
        v.push(if ko {
            format!(
                "연결이 없는 {}의 운영체제가 RST로 답합니다: ACK이 있는 세그먼트가 연결 없는 곳에 오면 <SEQ=SEG.ACK><CTL=RST>로 답합니다(RFC 9293 §3.10.7.1). Seq={}는 받은 세그먼트의 ACK 값입니다.",
                whom, f.seq_raw
            )
        } else {
            format!(
                "With no connection for it, the {whom}'s system answers with RST: a segment with ACK that reaches no connection gets <SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.10.7.1); Seq={} is the ACK it received.",
                f.seq_raw
            )
        });
    } else {
        // RFC 9293 §3.10.5 (ABORT): a RST ends the connection at once, whatever close was under way.
        let closing = w.fin_sent[0] || w.fin_sent[1];
        v.push(match (ko, closing) {
            (true, false) => {
                format!("{} RST로 연결을 끊습니다: 닫는 절차 없이 바로 중단하는 것입니다(RFC 9293 §3.10.5).", with(whom, Josa::Subject))
            }
            (true, true) => format!(
                "{} RST로 연결을 끊습니다: 시작된 닫는 절차를 끝까지 마치지 않고 바로 중단하는 것입니다(RFC 9293 §3.10.5).",
                with(whom, Josa::Subject)
            ),
            (false, false) => {
                format!("The {whom} resets the connection with RST: an abort, without the closing handshake (RFC 9293 §3.10.5).")
            }
            (false, true) => format!(
                "The {whom} resets the connection with RST: an abort that cuts the close under way short (RFC 9293 §3.10.5)."
            ),
        });
    }
    let to = t.changes[usize::from(t.from_client)].map(|c| c.to);
    v.push(match (ko, to) {
        (false, Some(State::Listen)) => "The server had only received the SYN (a passive open, in SYN_RECEIVED): it returns to LISTEN (RFC 9293 §3.10.7.4).".into(),
        (true, Some(State::Listen)) => "서버는 SYN만 받은 상태(SYN_RECEIVED의 수동 열기)였으므로 LISTEN으로 돌아갑니다(RFC 9293 §3.10.7.4).".into(),
        (false, Some(State::Closed)) => format!(
            "The {other} accepts it (its sequence number is in the {other}'s window, RFC 9293 §3.10.7.4) and closes at once."
        ),
        (true, Some(State::Closed)) => format!(
            "{} 이를 받아들이고(순서 번호가 {}의 윈도 안에 있음, RFC 9293 §3.10.7.4) 바로 닫습니다.",
            with(other, Josa::Topic),
            other
        ),
        (false, _) if t.anomalies.has(Anomalies::NOT_ACCEPTABLE) => {
            format!("Its sequence number is outside the {other}'s window: the {other} ignores it (RFC 9293 §3.10.7.4).")
        }
        (true, _) if t.anomalies.has(Anomalies::NOT_ACCEPTABLE) => format!(
            "순서 번호가 {}의 윈도 밖에 있으므로 {} 이를 무시합니다(RFC 9293 §3.10.7.4).",
            other,
            with(other, Josa::Topic)
        ),
        _ => return,
    });
}

fn fin_lines(lang: Lang, f: &StepFacts, t: &TcpTrack, w: &Walk, v: &mut Vec<String>) {
    let ko = lang == Lang::Ko;
    let me = usize::from(!t.from_client);
    let whom = who(lang, t.from_client, t.itself);
    let other = who(lang, !t.from_client, t.itself);
    let fin_seq = f.seq_rel.wrapping_add(f.len);
    // RFC 9293 §3.4: the FIN takes the sequence number after the segment's last data byte.
    v.push(match (ko, f.len) {
        (true, 0) => format!(
            "{} FIN을 보냅니다: 더 보낼 데이터가 없다는 뜻입니다. FIN은 순서 번호 하나를 차지하므로(Seq={fin_seq}) 이에 대한 ACK{} {}입니다.",
            with(whom, Josa::Subject),
            josa_tail("ACK", Josa::Topic),
            fin_seq + 1
        ),
        (true, n) => format!(
            "{} 마지막 데이터 {n}바이트와 함께 FIN을 보냅니다: 이 뒤로는 보낼 데이터가 없다는 뜻입니다. FIN은 데이터 다음의 순서 번호 하나를 차지하므로(Seq={fin_seq}) 이에 대한 ACK{} {}입니다.",
            with(whom, Josa::Subject),
            josa_tail("ACK", Josa::Topic),
            fin_seq + 1
        ),
        (false, 0) => format!(
            "The {whom} sends FIN: it has no more data to send. A FIN occupies one sequence number (Seq={fin_seq}), so the ACK of it will be {}.",
            fin_seq + 1
        ),
        (false, n) => format!(
            "The {whom} sends FIN with its last {n} bytes of data: after them it has nothing more to send. The FIN occupies the sequence number after the data (Seq={fin_seq}), so the ACK of it will be {}.",
            fin_seq + 1
        ),
    });
    if t.itself {
        return;
    }
    let peer = 1 - me;
    let covers_peer_fin = w.fin_sent[peer] && w.next_rel[peer].is_some_and(|n| f.ack && f.ack_rel >= n);
    if w.fin_sent[peer] && !covers_peer_fin {
        let peer_fin = w.next_rel[peer].map(|n| n.wrapping_sub(1)).unwrap_or(0);
        v.push(if ko {
            format!(
                "두 FIN이 엇갈렸습니다: 이 FIN의 ACK = {}{} {}의 FIN(Seq={peer_fin})을 확인하지 않으므로, 양쪽이 상대의 FIN을 받기 전에 각자 닫은 동시 닫기입니다(RFC 9293 §3.6, 그림 13).",
                f.ack_rel,
                josa_tail(&f.ack_rel.to_string(), Josa::Topic),
                other
            )
        } else {
            format!(
                "The FINs crossed: this FIN's ACK = {} does not cover the {other}'s FIN (Seq={peer_fin}), so each side closed before hearing the other's: a simultaneous close (RFC 9293 §3.6, Figure 13).",
                f.ack_rel
            )
        });
    } else if covers_peer_fin && !w.fin_acked[peer] {
        // RFC 9293 §3.10.7.4, eighth step: the FIN's own ACK field acknowledges the peer's FIN.
        v.push(if ko {
            format!(
                "ACK = {}{} {}의 FIN도 확인합니다: 이 세그먼트 하나로 {}의 닫기에 답하면서 자기 쪽도 닫습니다.",
                f.ack_rel,
                josa_tail(&f.ack_rel.to_string(), Josa::Topic),
                other,
                other
            )
        } else {
            format!(
                "Its ACK = {} also acknowledges the {other}'s FIN: this one segment answers the {other}'s close and closes the {whom}'s side.",
                f.ack_rel
            )
        });
    } else if covers_peer_fin {
        v.push(if ko {
            format!("{}의 FIN은 이미 확인했습니다: 이제 {}도 자기 쪽을 닫습니다(RFC 9293 그림 12).", other, whom)
        } else {
            format!(
                "The {other}'s FIN was acknowledged already; now the {whom} closes its side too (RFC 9293 Figure 12)."
            )
        });
    } else if let Some(later) = f.peer_data_after {
        // RFC 9293 §3.6.1: after its FIN a side can still receive until the peer closes too.
        v.push(if ko {
            format!(
                "{} 아직 받을 수 있습니다: {} 프레임 {later}에서 데이터를 더 보냅니다. 한쪽만 닫은 반쪽 닫기입니다(RFC 9293 §3.6.1).",
                with(whom, Josa::Topic),
                with(other, Josa::Subject)
            )
        } else {
            format!(
                "It can still receive: the {other} sends more data in frame {later}. Only one direction is closed, a half-close (RFC 9293 §3.6.1)."
            )
        });
    }
}

fn data_lines(lang: Lang, f: &StepFacts, t: &TcpTrack, w: &mut Walk, v: &mut Vec<String>) {
    let ko = lang == Lang::Ko;
    let whom = who(lang, t.from_client, t.itself);
    let end = f.seq_rel.wrapping_add(f.len).wrapping_sub(1);
    v.push(if ko {
        format!(
            "{} 데이터 {}바이트를 보냅니다: 상대 순서 번호 {}부터 {end}까지 [원래 값 {}부터].",
            with(whom, Josa::Subject),
            f.len,
            f.seq_rel,
            f.seq_raw
        )
    } else {
        format!(
            "The {whom} sends {} bytes of data: relative Seq {} to {end} [raw from {}].",
            f.len, f.seq_rel, f.seq_raw
        )
    });
    if f.old_data {
        v.push(if ko {
            "앞서 보낸 데이터를 다시 보내는 재전송입니다.".into()
        } else {
            "This data was sent before: a retransmission.".into()
        });
    }
    if f.psh && !w.psh_told {
        w.psh_told = true;
        v.push(if ko {
            "PSH: 받는 쪽이 데이터를 더 모으지 말고 바로 응용 프로그램에 넘기라는 표시입니다(RFC 9293 §3.9.1).".into()
        } else {
            "PSH: the receiver should hand the data to the application now rather than wait for more (RFC 9293 §3.9.1)."
                .into()
        });
    }
    if f.ack {
        ack_meaning(lang, f, t, w, v);
    }
}

fn ack_lines(lang: Lang, f: &StepFacts, t: &TcpTrack, w: &Walk, v: &mut Vec<String>) {
    let ko = lang == Lang::Ko;
    let me = usize::from(!t.from_client);
    let whom = who(lang, t.from_client, t.itself);
    let other = who(lang, !t.from_client, t.itself);
    // RFC 9293 §3.8.4: a keep-alive is sent one byte behind the next sequence number.
    if w.next_rel[me].is_some_and(|n| f.len <= 1 && f.seq_rel.wrapping_add(1) == n) {
        v.push(if ko {
            format!(
                "{}의 연결 유지 확인 세그먼트입니다: 다음 순서 번호보다 한 바이트 앞의 번호로 보내, {}{} 아직 있는지 확인합니다(RFC 9293 §3.8.4).",
                whom,
                other,
                josa_tail(other, Josa::Subject)
            )
        } else {
            format!(
                "A keep-alive from the {whom}: a segment one byte behind its next sequence number, sent to check that the {other} is still there (RFC 9293 §3.8.4)."
            )
        });
        return;
    }
    // §3.8.4: the probe is outside the window, so the peer answers with a plain ACK.
    let answers_probe = w.probe == Some(1 - me) && !t.itself;
    v.push(match (ko, answers_probe) {
        (true, true) => format!("{}의 ACK으로, 연결 유지 확인에 대한 답입니다: 살아 있다는 표시입니다.", whom),
        (false, true) => format!("An ACK from the {whom}, the answer to the keep-alive: it is still there."),
        (true, false) => format!("{}의 ACK입니다.", whom),
        (false, false) => format!("An ACK from the {whom}."),
    });
    ack_meaning(lang, f, t, w, v);
}

/// What the ACK number says, in the numbering of the line above (relative, raw in brackets).
fn ack_meaning(lang: Lang, f: &StepFacts, t: &TcpTrack, w: &Walk, v: &mut Vec<String>) {
    let ko = lang == Lang::Ko;
    let me = usize::from(!t.from_client);
    // A self-connect's peer is itself.
    let peer = if t.itself { me } else { 1 - me };
    let other = who(lang, !t.from_client, t.itself);
    let covers_fin = w.fin_sent[peer] && !w.fin_acked[peer] && w.next_rel[peer].is_some_and(|n| f.ack_rel >= n);
    let raw = f.ack_raw.to_string();
    if let Some(&(le, re)) = f.sack.first().filter(|(_, re)| *re <= f.ack_rel) {
        // RFC 2883: a first SACK block at or below the ACK reports a duplicate. Blocks end one
        // past their last byte (RFC 2018 §3).
        let last = re.wrapping_sub(1);
        // Relative 0 is the SYN: a SYN that came twice (as in a simultaneous open) is reported so.
        let what = match (ko, le, re) {
            (false, 0, 1) => format!("the {other}'s SYN (sequence number 0) arrived twice"),
            (true, 0, 1) => format!("{}의 SYN(순서 번호 0)을 두 번 받았다는 보고입니다", other),
            (false, ..) => format!("bytes {le} to {last} arrived twice"),
            (true, ..) => format!("순서 번호 {le}부터 {last}까지를 두 번 받았다는 보고입니다"),
        };
        v.push(if ko {
            format!(
                "ACK={} [원래 값 {}]{} SACK {le}-{re}: 이 블록은 ACK보다 앞에 있으므로 중복 SACK(D-SACK)입니다. {what}(RFC 2883).",
                f.ack_rel,
                raw,
                josa_tail(&raw, Josa::With)
            )
        } else {
            format!(
                "ACK={} [raw {raw}] with SACK {le}-{re}: the block lies below the ACK, so it is a duplicate SACK (D-SACK): {what} (RFC 2883).",
                f.ack_rel
            )
        });
    } else if let Some(&(le, re)) = f.sack.first() {
        let last = re.wrapping_sub(1);
        v.push(if ko {
            format!(
                "ACK={} [원래 값 {}]{} SACK {le}-{re}: {}{} 보낸 바이트 중 {le}부터 {last}까지는 순서가 어긋나 먼저 받았지만, {} 앞의 바이트가 빠져 있어 ACK은 {}에 머뭅니다. 빠진 바이트를 다시 보내 달라는 중복 ACK입니다(RFC 2018).",
                f.ack_rel,
                raw,
                josa_tail(&raw, Josa::With),
                other,
                josa_tail(other, Josa::Subject),
                le,
                f.ack_rel
            )
        } else {
            format!(
                "ACK={} [raw {raw}] with SACK {le}-{re}: it has received the {other}'s bytes {le} to {last} out of order, but the bytes from {} to {} are missing, so the ACK stays at {}: a duplicate ACK asking for them (RFC 2018).",
                f.ack_rel,
                f.ack_rel,
                le.wrapping_sub(1),
                f.ack_rel
            )
        });
    } else if covers_fin {
        let fin = w.next_rel[peer].unwrap_or(1).wrapping_sub(1);
        v.push(if ko {
            format!(
                "ACK={} [원래 값 {}]: {}의 FIN은 순서 번호 {}{} 차지했으므로, 그 다음 값인 이 ACK이 FIN을 확인합니다(FIN도 순서 번호 하나를 차지합니다).",
                f.ack_rel,
                raw,
                other,
                fin,
                josa_tail(&fin.to_string(), Josa::Object)
            )
        } else {
            format!(
                "ACK={} [raw {raw}]: the {other}'s FIN took sequence number {fin}, and this ACK is the next one, so it acknowledges the FIN (a FIN occupies one sequence number, like a byte).",
                f.ack_rel
            )
        });
    } else {
        v.push(if ko {
            format!(
                "ACK={} [원래 값 {}]: {}{} 보낸 상대 순서 번호 {} 앞의 모든 바이트를 받았다는 뜻입니다.",
                f.ack_rel,
                f.ack_raw,
                other,
                josa_tail(other, Josa::Subject),
                f.ack_rel
            )
        } else {
            format!(
                "ACK={} [raw {}]: it has received every byte the {other} sent before relative {}.",
                f.ack_rel, f.ack_raw, f.ack_rel
            )
        });
    }
}

/// The first scaled window of each side: why 65495 in the SYN, then 65536.
fn window_line(lang: Lang, f: &StepFacts, t: &TcpTrack, w: &mut Walk) -> Option<String> {
    let me = usize::from(!t.from_client);
    let mult = f.scale.filter(|s| *s > 1 && !f.rst)?;
    if w.scaled_told[me] {
        return None;
    }
    w.scaled_told[me] = true;
    let ws = w.ws[me].map(|s| s.min(14)).unwrap_or(0);
    let whom = who(lang, t.from_client, t.itself);
    Some(if lang == Lang::Ko {
        format!(
            "Win={} × {mult} = {}바이트: SYN의 윈도 값에는 배율을 적용하지 않지만(RFC 7323 §2.2) 그 뒤의 윈도 값에는 {}{} 알린 배율(WS={ws}, ×{mult})을 곱합니다.",
            f.win_raw,
            f.win,
            whom,
            josa_tail(whom, Josa::Subject)
        )
    } else {
        format!(
            "Win={} × {mult} = {} bytes: a SYN's window is never scaled (RFC 7323 §2.2), later ones are, by the shift the {whom} announced (WS={ws}, ×{mult}).",
            f.win_raw, f.win
        )
    })
}

fn option_lines(lang: Lang, f: &StepFacts) -> Vec<String> {
    let ko = lang == Lang::Ko;
    let mut v = Vec::new();
    if let Some(m) = f.mss {
        let (hdr, ip) = if f.ipv6 { (60, "IPv6") } else { (40, "IPv4") };
        let mtu = u32::from(m) + hdr;
        v.push(if ko {
            format!(
                "MSS={m}: 받을 수 있는 가장 큰 세그먼트 페이로드로, 링크 MTU에서 헤더를 뺀 값입니다: {}{} {ip}·TCP 헤더 {hdr}바이트를 더하면 MTU {mtu}입니다(RFC 6691).",
                m,
                josa_tail(&m.to_string(), Josa::With)
            )
        } else {
            format!(
                "MSS={m}: the largest segment payload it accepts, the link's MTU less the headers: {m} + {hdr} bytes of {ip} and TCP headers = MTU {mtu} (RFC 6691)."
            )
        });
    }
    if let Some(s) = f.ws {
        let shift = s.min(14);
        let mult = 1u32 << shift;
        let capped = if s > 14 {
            if ko {
                format!(" 14보다 큰 값 {s}은(는) 14로 줄여 씁니다(RFC 7323 §2.3).")
            } else {
                format!(" A shift of {s} is more than 14 and counts as 14 (RFC 7323 §2.3).")
            }
        } else {
            String::new()
        };
        v.push(if ko {
            format!(
                "WS={s} (×{mult}): 상대도 WS를 보내면 핸드셰이크 뒤의 윈도 값은 2^{shift} = {mult}바이트 단위가 됩니다(RFC 7323 §2).{capped}"
            )
        } else {
            format!(
                "WS={s} (×{mult}): if the peer sends WS too, its windows after the handshake count in units of 2^{shift} = {mult} bytes (RFC 7323 §2).{capped}"
            )
        });
    }
    if f.sack_perm {
        v.push(if ko {
            "SACK_PERM: 순서가 어긋나게 도착한 데이터를 선택적으로 확인(SACK)받을 수 있습니다(RFC 2018).".into()
        } else {
            "SACK_PERM: it can take selective acknowledgments of data that arrives out of order (RFC 2018).".into()
        });
    }
    if let Some((tsval, tsecr)) = f.ts {
        v.push(if ko {
            format!(
                "TSval={tsval} TSecr={tsecr}: 왕복 시간을 재고 한 바퀴 돈 순서 번호를 가려내기 위한 타임스탬프입니다. TSecr는 상대가 마지막으로 보낸 TSval을 되돌려 줍니다(RFC 7323 §3)."
            )
        } else {
            format!(
                "TSval={tsval} TSecr={tsecr}: timestamps to measure round trips and protect against wrapped sequence numbers; TSecr echoes the peer's last TSval (RFC 7323 §3)."
            )
        });
    }
    v
}

/// One side's state name on this row.
fn state_name(t: &TcpTrack, client: bool) -> &'static str {
    (if client { t.client } else { t.server }).name()
}

fn change_line(lang: Lang, c: &Change, itself: bool) -> String {
    let whom = who(lang, c.client, itself);
    let mut path = String::new();
    c.write(&mut path);
    let meaning = match (itself, c.to, lang) {
        // One socket is both ends: its FIN comes back to it (RFC 9293 §3.10.7.4, FIN_WAIT_1).
        (true, State::Closing, Lang::En) => "its own FIN reached it before the ACK of that FIN; it waits for the ACK",
        (true, State::Closing, Lang::Ko) => "자신의 FIN이 그 FIN의 ACK보다 먼저 돌아옴; ACK을 기다리는 중",
        (true, State::TimeWait, Lang::En) => {
            "both directions are closed; it waits 2 MSL (RFC 9293 §3.6) so that late segments die out"
        }
        (true, State::TimeWait, Lang::Ko) => {
            "양방향 모두 닫힘; 늦게 오는 세그먼트가 사라지도록 2 MSL 동안 기다림(RFC 9293 §3.6)"
        }
        (true, State::SynReceived, Lang::En) => "it has received its own SYN and waits for the ACK of it",
        (true, State::SynReceived, Lang::Ko) => "자신의 SYN을 받았고, 그에 대한 ACK을 기다리는 중",
        _ => state(lang, c.to),
    };
    format!("{whom} {path}: {meaning}.")
}

/// Remember what this segment told, for the ones after it.
fn remember(f: &StepFacts, t: &TcpTrack, w: &mut Walk, me: usize, peer: usize) {
    if f.syn {
        w.isn[me] = Some(f.seq_raw);
        w.ws[me] = f.ws;
        if t.anomalies.has(Anomalies::SYN_RETRANSMISSION) {
            w.syn_gap[me] = w.syn_at[me].map(|at| f.rel_ns - at);
        }
        w.syn_at[me] = Some(f.rel_ns);
        w.syn_opts[me] = Some((f.mss, f.ws, f.sack_perm));
        w.syn_frame[me] = Some(f.frame);
        if t.from_client && !f.ack {
            w.syn_data = f.len;
            w.first_syn_ns.get_or_insert(f.rel_ns);
        }
        if !t.from_client && f.ack {
            w.server_synack = true;
        }
    }
    if f.ack && w.fin_sent[peer] && w.next_rel[peer].is_some_and(|n| f.ack_rel >= n) {
        w.fin_acked[peer] = true;
    }
    if f.fin {
        w.fin_sent[me] = true;
    }
    let probe =
        !f.syn && !f.fin && !f.rst && f.len <= 1 && w.next_rel[me].is_some_and(|n| f.seq_rel.wrapping_add(1) == n);
    w.probe = probe.then_some(me);
    let end = f.seq_rel.wrapping_add(f.len).wrapping_add(u32::from(f.syn) + u32::from(f.fin));
    if !f.rst && w.next_rel[me].is_none_or(|n| end > n) {
        w.next_rel[me] = Some(end);
    }
}

//! The teaching text of `synack ladder --explain`, in English and Korean.

use dissector_core::conn::State;

/// Languages of the explanations.
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
            SynSent => "sent its SYN, waiting for the peer's SYN",
            SynReceived => "got a SYN and answered it, waiting for the ACK of its own SYN",
            Established => "open: data can flow both ways",
            FinWait1 => "sent its FIN, waiting for it to be acknowledged",
            FinWait2 => "its FIN was acknowledged, waiting for the peer's FIN",
            CloseWait => "the peer closed its side; this side may still send, then close",
            Closing => "both sent FIN at the same time; waiting for the ACK of its own",
            LastAck => "sent its FIN after the peer's, waiting for the last ACK",
            TimeWait => "both sides closed; it waits 2 MSL so that late segments die out",
        },
        Lang::Ko => match s {
            Closed => "연결 없음",
            Listen => "연결 요청을 기다리는 중",
            SynSent => "SYN을 보냈고, 상대의 SYN을 기다리는 중",
            SynReceived => "SYN을 받아 응답했고, 자신의 SYN에 대한 ACK를 기다리는 중",
            Established => "연결됨: 양방향으로 데이터가 오갈 수 있음",
            FinWait1 => "FIN을 보냈고, 그 FIN에 대한 ACK를 기다리는 중",
            FinWait2 => "자신의 FIN이 확인되었고, 상대의 FIN을 기다리는 중",
            CloseWait => "상대가 자기 쪽을 닫음; 이쪽은 아직 보낼 수 있고, 다 보내면 닫음",
            Closing => "양쪽이 동시에 FIN을 보냄; 자신의 FIN에 대한 ACK를 기다리는 중",
            LastAck => "상대의 FIN 뒤에 자신의 FIN을 보냈고, 마지막 ACK를 기다리는 중",
            TimeWait => "양쪽 모두 닫힘; 늦게 도착하는 세그먼트가 사라지도록 2 MSL 동안 기다림",
        },
    }
}

/// Facts about one step that the texts use.
#[derive(Debug, Clone, Default)]
pub struct StepFacts {
    /// Who sent it: "client" or "server".
    pub who: &'static str,
    /// Handshake stage 1-3.
    pub stage: Option<u8>,
    /// Raw sequence and acknowledgment numbers.
    pub seq_raw: u32,
    /// Raw ACK number, when the ACK flag is set.
    pub ack_raw: Option<u32>,
    /// The peer's ISN, when known.
    pub peer_isn: Option<u32>,
    /// Payload length.
    pub len: u32,
    /// SYN, FIN, RST flags.
    pub syn: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// The handshake ACK is the peer's ISN + 1.
    pub ack_ok: Option<bool>,
    /// Source and destination ports.
    pub ports: (u16, u16),
    /// Options: MSS, WS shift, SACK_PERM, (TSval, TSecr).
    pub mss: Option<u16>,
    /// Window-scale shift as sent.
    pub ws: Option<u8>,
    /// SACK permitted.
    pub sack_perm: bool,
    /// Timestamps.
    pub ts: Option<(u32, u32)>,
    /// (endpoint, before, after) for each endpoint that changed.
    pub changes: Vec<(&'static str, State, State)>,
}

/// The explanation of one step, as lines of text (not wrapped).
pub fn step(lang: Lang, f: &StepFacts) -> Vec<String> {
    let mut v = Vec::new();
    let ko = lang == Lang::Ko;
    match f.stage {
        Some(1) => {
            v.push(if ko {
                format!(
                    "1/3단계: 클라이언트가 연결을 요청합니다. 초기 순서 번호(ISN) x = {} 를 고릅니다 (캡처에서는 상대값 0으로 보입니다).",
                    f.seq_raw
                )
            } else {
                format!(
                    "Step 1/3: the client asks to open a connection. It picks its initial sequence number x = {} (shown as relative 0).",
                    f.seq_raw
                )
            });
            let (sport, dport) = f.ports;
            v.push(if ko {
                format!(
                    "출발지 포트 {sport}는 임시(ephemeral) 포트입니다: 클라이언트의 운영체제가 이 연결을 위해 고른 번호이고, 서버는 알려진 포트 {dport}에서 기다립니다."
                )
            } else {
                format!(
                    "Its source port {sport} is ephemeral: the client's operating system picked it for this connection; the server listens on port {dport}."
                )
            });
        }
        Some(2) => {
            v.push(if ko {
                format!("2/3단계: 서버가 받아들입니다. 서버의 초기 순서 번호는 y = {} 입니다.", f.seq_raw)
            } else {
                format!("Step 2/3: the server accepts. Its own initial sequence number is y = {}.", f.seq_raw)
            });
            v.extend(ack_lines(lang, f, "x"));
        }
        Some(3) => {
            v.push(if ko {
                "3/3단계: 클라이언트가 서버의 SYN을 확인합니다.".to_string()
            } else {
                "Step 3/3: the client acknowledges the server's SYN.".to_string()
            });
            v.extend(ack_lines(lang, f, "y"));
            v.push(if ko {
                "이제 연결이 열렸습니다: 양쪽 모두 ESTABLISHED.".to_string()
            } else {
                "The connection is open: both ends are ESTABLISHED.".to_string()
            });
        }
        _ => {
            if f.rst {
                v.push(if ko {
                    format!(
                        "{}가 RST로 연결을 끊습니다(abort): 정상 종료 절차 없이 바로 CLOSED가 됩니다.",
                        who_ko(f.who)
                    )
                } else {
                    format!("The {} aborts the connection with RST: no closing handshake, straight to CLOSED.", f.who)
                });
            } else if f.fin {
                v.push(if ko {
                    format!(
                        "{}가 FIN을 보냅니다: 더 보낼 데이터가 없다는 뜻입니다(받기는 계속할 수 있음).",
                        who_ko(f.who)
                    )
                } else {
                    format!("The {} sends FIN: it has no more data to send (it can still receive).", f.who)
                });
            } else if f.len > 0 {
                v.push(if ko {
                    format!("{}가 데이터 {} 바이트를 보냅니다.", who_ko(f.who), f.len)
                } else {
                    format!("The {} sends {} bytes of data.", f.who, f.len)
                });
            } else if f.ack_raw.is_some() {
                v.push(if ko {
                    format!(
                        "{}의 ACK {}: 그 앞의 바이트를 모두 받았다는 뜻입니다.",
                        who_ko(f.who),
                        f.ack_raw.unwrap_or(0)
                    )
                } else {
                    format!("An ACK from the {}: {} means every byte before it arrived.", f.who, f.ack_raw.unwrap_or(0))
                });
            }
        }
    }
    if f.syn {
        v.extend(option_lines(lang, f));
    }
    for (who, from, to) in &f.changes {
        v.push(if ko {
            format!("{} {} → {}: {}.", who_ko(who), from, to, state(lang, *to))
        } else {
            format!("{who} {from} → {to}: {}.", state(lang, *to))
        });
    }
    v
}

fn who_ko(who: &str) -> &'static str {
    if who == "client" {
        "클라이언트"
    } else {
        "서버"
    }
}

/// "ACK = x+1: 2632373118 = 2632373117 + 1".
fn ack_lines(lang: Lang, f: &StepFacts, var: &str) -> Vec<String> {
    let (Some(ack), Some(isn)) = (f.ack_raw, f.peer_isn) else { return Vec::new() };
    let ko = lang == Lang::Ko;
    let want = isn.wrapping_add(1);
    let mut v = vec![if ko {
        format!("ACK = {var}+1: {ack} = {isn} + 1 — \"{var}번 SYN을 받았으니, 다음에는 {var}+1번 바이트를 기다린다\"는 뜻입니다.")
    } else {
        format!("ACK = {var}+1: {ack} = {isn} + 1, meaning \"I got your SYN {var} and expect byte {var}+1 next\".")
    }];
    if f.ack_ok == Some(false) {
        v[0] = if ko {
            format!("ACK가 {ack}입니다. {var}+1 = {want}이 아니므로 이 ACK는 상대의 SYN에 대한 올바른 응답이 아닙니다.")
        } else {
            format!("The ACK is {ack}, not {var}+1 = {want}: it does not acknowledge the peer's SYN as the handshake requires.")
        };
    }
    v
}

fn option_lines(lang: Lang, f: &StepFacts) -> Vec<String> {
    let ko = lang == Lang::Ko;
    let mut v = Vec::new();
    if let Some(m) = f.mss {
        v.push(if ko {
            format!("MSS={m}: 한 세그먼트에 받을 수 있는 최대 데이터 크기 {m} 바이트 (RFC 6691).")
        } else {
            format!("MSS={m}: the largest segment payload it accepts, {m} bytes (RFC 6691).")
        });
    }
    if let Some(s) = f.ws {
        let shift = s.min(14);
        let mult = 1u32 << shift;
        v.push(if ko {
            format!("WS={s}: 상대도 WS를 보내면 자신의 윈도 값을 2^{shift} = {mult} 배로 읽게 합니다 (RFC 7323).")
        } else {
            format!("WS={s}: its window field counts in units of 2^{shift} = {mult} bytes, if the peer sends WS too (RFC 7323).")
        });
    }
    if f.sack_perm {
        v.push(if ko {
            "SACK_PERM: 순서가 어긋난 데이터를 선택적으로 확인(SACK)받을 수 있습니다 (RFC 2018).".to_string()
        } else {
            "SACK_PERM: it can take selective acknowledgments of out-of-order data (RFC 2018).".to_string()
        });
    }
    if let Some((tsval, tsecr)) = f.ts {
        v.push(if ko {
            format!("TSval={tsval} TSecr={tsecr}: 왕복 시간 측정과 순서 번호 겹침 방지를 위한 타임스탬프; TSecr는 상대의 마지막 TSval을 되돌려 줍니다 (RFC 7323).")
        } else {
            format!("TSval={tsval} TSecr={tsecr}: timestamps to measure round trips and protect against wrapped sequence numbers; TSecr echoes the peer's last TSval (RFC 7323).")
        });
    }
    v
}

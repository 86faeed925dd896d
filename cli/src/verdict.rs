//! A connection's verdict as a sentence in the chosen language: the core gives the English
//! one (`synack.verdict`); the Korean one follows the same structure here.

use dissector_core::conn::verdict::{ms, seconds};
use dissector_core::conn::{Finding, Outcome, RefusedBy, State, Verdict};

use crate::explain::Lang;

/// The verdict's sentence in `lang`.
pub fn sentence(v: &Verdict, lang: Lang) -> String {
    if lang == Lang::En {
        return v.sentence();
    }
    let mut s = match (&v.outcome, v.itself) {
        (Outcome::Closed { payload, .. }, true) => {
            format!("자기 자신과 연결된 소켓이 정상 종료 ({}바이트 보냄)", payload[0])
        }
        (Outcome::Open { payload }, true) => {
            format!("캡처가 끝날 때까지 열려 있음 (자기 자신과 연결, {}바이트 보냄)", payload[0])
        }
        (o, _) => outcome_ko(o),
    };
    for f in &v.findings {
        s.push_str("; ");
        s.push_str(&finding_ko(f));
    }
    s
}

fn side(client: bool) -> &'static str {
    if client {
        "클라이언트"
    } else {
        "서버"
    }
}

fn data_ko(payload: [u64; 2]) -> String {
    if payload == [0, 0] {
        return String::new();
    }
    format!(" (클라이언트 {}바이트, 서버 {}바이트)", payload[0], payload[1])
}

fn outcome_ko(o: &Outcome) -> String {
    match o {
        Outcome::Refused { after_ns, by } => {
            let t = ms(*after_ns);
            match by {
                RefusedBy::Unknown => format!(
                    "거부됨: SYN에 {t} ms 만에 RST가 옴 (포트에서 기다리는 프로그램이 없거나 방화벽이 거부함; \
                     캡처에 이 호스트의 다른 응답이 없어 어느 쪽인지 알 수 없음)"
                ),
                RefusedBy::Host(h) => format!(
                    "호스트가 거부함: SYN에 {t} ms 만에 RST가 옴, 이 호스트의 SYN+ACK와 같은 빠르기({} ms, TTL {}): \
                     포트에서 기다리는 프로그램이 없음",
                    ms(i128::from(h.rtt_ns)),
                    h.ttl
                ),
                RefusedBy::MiddleboxTtl { rst_ttl, host_ttl } => format!(
                    "경로 위의 장비가 거부함: SYN에 {t} ms 만에 TTL {rst_ttl}인 RST가 옴, 호스트의 패킷은 TTL \
                     {host_ttl} (방화벽의 리셋)"
                ),
                RefusedBy::MiddleboxFast(h) => format!(
                    "경로 위의 장비가 거부함: SYN에 {t} ms 만에 RST가 옴, 호스트의 응답({} ms)보다 빠름 (방화벽의 리셋)",
                    ms(i128::from(h.rtt_ns))
                ),
            }
        }
        Outcome::Unanswered { syns: 1, .. } => {
            "응답 없음: SYN 한 번, 돌아온 것 없음 (방화벽이 버리거나 호스트가 꺼져 있음)".into()
        }
        Outcome::Unanswered { syns, at_ns, backoff } => {
            let at: Vec<String> = at_ns.iter().map(|t| seconds(*t)).collect();
            let more = if (*syns as usize) > at_ns.len() { ", ..." } else { "" };
            let backoff = if *backoff { ", 기다리는 시간이 매번 두 배 (RFC 6298 백오프)" } else { "" };
            format!(
                "응답 없음: SYN을 {syns}번 보냄({} 초{more}){backoff}, 돌아온 것 없음 (방화벽이 버리거나 호스트가 \
                 꺼져 있음)",
                at.join(", ")
            )
        }
        Outcome::HalfOpen { synacks } => format!(
            "반열림: 서버의 SYN+ACK({synacks}번 보냄)에 ACK가 오지 않음 (클라이언트가 포기했거나, ACK가 \
             사라졌거나, SYN 플러드)"
        ),
        Outcome::Reset { by_client, state, peer_state, payload } => {
            let what = if *payload == [0, 0] { "리셋" } else { "데이터 뒤 중단" };
            let sent = if *state == State::Closed {
                "연결이 이미 없어 CLOSED에서 RST로 답함".to_string()
            } else {
                format!("{} 상태에서 RST를 보냄", state.name())
            };
            format!(
                "{what}: {}가 {sent}, {}는 {} 상태{}",
                side(*by_client),
                side(!*by_client),
                peer_state.name(),
                data_ko(*payload)
            )
        }
        Outcome::NoData { closed: true } => "핸드셰이크 완료 뒤 데이터 없이 닫힘".into(),
        Outcome::NoData { closed: false } => "핸드셰이크 완료, 캡처가 끝날 때까지 데이터 없음".into(),
        Outcome::Closed { by_client, both, payload } => {
            let how = if *both { "정상 종료" } else { "한쪽만 닫힘" };
            format!("{how}, {}가 먼저{}", side(*by_client), data_ko(*payload))
        }
        Outcome::Open { payload } => format!("캡처가 끝날 때까지 열려 있음{}", data_ko(*payload)),
        _ => o.code().into(),
    }
}

fn finding_ko(f: &Finding) -> String {
    match f {
        Finding::Midstream => "중간부터 캡처됨 (핸드셰이크가 캡처에 없음)".into(),
        Finding::PortReuse { from_stream } => format!("스트림 {from_stream}의 포트를 다시 씀"),
        Finding::Loss { rexmit, fast, spurious, lost, .. } => {
            let mut parts = Vec::new();
            for i in 0..2 {
                let (who, to) = if i == 0 { ("클라이언트", "서버") } else { ("서버", "클라이언트") };
                if rexmit[i] > 0 {
                    let mut kinds = Vec::new();
                    if fast[i] > 0 {
                        kinds.push(format!("빠른 재전송 {}", fast[i]));
                    }
                    if spurious[i] > 0 {
                        kinds.push(format!("불필요한 재전송 {}", spurious[i]));
                    }
                    let kinds = if kinds.is_empty() { String::new() } else { format!(" ({})", kinds.join(", ")) };
                    let why = if spurious[i] == rexmit[i] {
                        "데이터는 도착했음: 타이머가 너무 짧거나 ACK가 늦음".to_string()
                    } else {
                        format!("{to}로 가는 길에 사라짐")
                    };
                    parts.push(format!("{who}가 세그먼트 {}개를 재전송{kinds}: {why}", rexmit[i]));
                }
                if lost[i] > 0 {
                    parts.push(format!("{who} 데이터에서 캡처되지 않은 구간 {}개", lost[i]));
                }
            }
            format!("손실: {}", parts.join(", "))
        }
        Finding::ZeroWindow { client, count, total_ns, longest_ns, still } => format!(
            "수신 정체: {}의 윈도가 {count}번 0이 됨, 모두 {} 초 (가장 길게 {} 초){}: 애플리케이션이 너무 느리게 읽음",
            side(*client),
            seconds(*total_ns),
            seconds(*longest_ns),
            if *still { ", 끝날 때도 0" } else { "" }
        ),
        Finding::SlowHandshake { halves_ns, data_ns, slow, syns, total_ns } => {
            let mut why = Vec::new();
            if *syns > 1 {
                why.push(format!("SYN을 {syns}번 보냄"));
            }
            let t = |h: Option<i128>| h.map(ms).unwrap_or_default();
            let d = |d: Option<i64>| d.map(|d| ms(i128::from(d))).unwrap_or_default();
            if slow[0] {
                why.push(format!(
                    "서버가 SYN에 답하는 데 {} ms, 데이터에는 {} ms 만에 ACK",
                    t(halves_ns[0]),
                    d(data_ns[0])
                ));
            }
            if slow[1] {
                why.push(format!(
                    "클라이언트가 SYN+ACK에 ACK하는 데 {} ms, 데이터에는 {} ms 만에 ACK",
                    t(halves_ns[1]),
                    d(data_ns[1])
                ));
            }
            format!("느린 핸드셰이크: {} ms ({})", ms(*total_ns), why.join(", "))
        }
        Finding::NoWindowScaling { client } => format!(
            "{}가 윈도 배율을 쓰지 않음 (상대는 제안함): 윈도가 64 KiB 아래로 묶임 (중간 장비가 지웠을까?)",
            side(*client)
        ),
        Finding::NoSack { client } => format!(
            "{}가 SACK를 쓰지 않음 (상대는 제안함): 손실마다 왕복이 한 번 더 듦 (중간 장비가 지웠을까?)",
            side(*client)
        ),
        Finding::LowMss { mss, usual } => {
            let who: Vec<String> = mss
                .iter()
                .zip(["클라이언트", "서버"])
                .filter_map(|(m, w)| m.map(|m| format!("{w} {m}")))
                .collect();
            format!("MSS가 이더넷의 보통 값 {usual}보다 작음 ({}): 터널, PPPoE, 또는 중간 장비가 줄임", who.join(", "))
        }
        Finding::FastOpen { syn_data: 0, cookie_given, .. } => format!(
            "TCP Fast Open: 클라이언트가 쿠키를 요청함{}",
            if *cookie_given { ", 서버가 줌" } else { "; 서버는 주지 않음" }
        ),
        Finding::FastOpen { syn_data, accepted: true, .. } => {
            format!("TCP Fast Open 수락: 서버가 SYN에 실린 {syn_data}바이트를 받음")
        }
        Finding::FastOpen { syn_data, .. } => format!(
            "TCP Fast Open 거절: SYN+ACK가 SYN만 확인하고 데이터 {syn_data}바이트는 확인하지 않음 (핸드셰이크 뒤 다시 보냄)"
        ),
        Finding::Ecn { negotiated: true, accurate: true } => "Accurate ECN 합의됨".into(),
        Finding::Ecn { negotiated: true, .. } => "ECN 합의됨".into(),
        Finding::Ecn { .. } => "클라이언트가 ECN을 요청했으나 서버가 동의하지 않음".into(),
        _ => f.code().into(),
    }
}

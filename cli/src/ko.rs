//! Korean particles chosen by the sound before them: 은/는, 을/를, 이/가, 와/과, 으로/로. A
//! particle follows the word as it is read aloud, so a number is read as Korean numerals
//! (30 삼십, 1024 천이십사), an acronym by its letters (MSS 엠에스에스), and the protocol words
//! people say as words by how they say them (SYN 신, ACK 액, FIN 핀).

/// Which particle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Josa {
    /// Topic: 은 after a final consonant, 는 after a vowel.
    Topic,
    /// Object: 을 / 를.
    Object,
    /// Subject: 이 / 가.
    Subject,
    /// And, with: 과 / 와.
    With,
    /// Toward, as: 으로 / 로 (로 also after ㄹ).
    Toward,
}

/// `word` followed by the particle `j` that its last sound takes.
pub fn with(word: &str, j: Josa) -> String {
    let (batchim, rieul) = last_sound(word);
    let p = match j {
        Josa::Topic => ["은", "는"],
        Josa::Object => ["을", "를"],
        Josa::Subject => ["이", "가"],
        Josa::With => ["과", "와"],
        Josa::Toward => {
            if batchim && !rieul {
                ["으로", ""]
            } else {
                ["로", ""]
            }
        }
    };
    let particle = if j == Josa::Toward || batchim { p[0] } else { p[1] };
    format!("{word}{particle}")
}

/// Whether the word as read ends in a final consonant, and whether that consonant is ㄹ.
fn last_sound(word: &str) -> (bool, bool) {
    let word = word.trim_end_matches(|c: char| !c.is_alphanumeric() && !is_hangul(c));
    // Words people read as words.
    const SPOKEN: [(&str, bool, bool); 12] = [
        ("SYN", true, false),
        ("ACK", true, false),
        ("FIN", true, false),
        ("SACK", true, false),
        ("RST", false, false),
        ("PSH", false, false),
        ("LISTEN", true, false),
        ("CLOSING", true, false),
        ("LAST_ACK", true, false),
        ("SYN+ACK", true, false),
        ("FIN_WAIT_1", true, false),
        ("FIN_WAIT_2", false, false),
    ];
    if let Some((_, b, r)) = SPOKEN.iter().find(|(w, ..)| word.ends_with(w)) {
        return (*b, *r);
    }
    // The other RFC state names end in a vowel sound (…드, …트, …티).
    if word.ends_with("ED") || word.ends_with("WAIT") || word.ends_with("SENT") {
        return (false, false);
    }
    let Some(c) = word.chars().last() else { return (false, false) };
    if is_hangul(c) {
        let jong = (c as u32 - 0xAC00) % 28;
        return (jong != 0, jong == 8);
    }
    if c.is_ascii_digit() {
        return number_sound(word);
    }
    // A letter read by its name: L 엘, M 엠, N 엔, R 알 end in a consonant.
    match c.to_ascii_uppercase() {
        'L' | 'R' => (true, true),
        'M' | 'N' => (true, false),
        _ => (false, false),
    }
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// The last sound of a number read in Korean (sino-Korean numerals).
fn number_sound(word: &str) -> (bool, bool) {
    let digits: String =
        word.chars().rev().take_while(|c| c.is_ascii_digit() || *c == ',').filter(|c| *c != ',').collect();
    let zeros = digits.chars().take_while(|c| *c == '0').count();
    if zeros == digits.len() {
        return (true, false); // 영
    }
    match zeros {
        // 일 이 삼 사 오 육 칠 팔 구
        0 => match digits.chars().next() {
            Some('1' | '7' | '8') => (true, true),
            Some('3' | '6') => (true, false),
            _ => (false, false),
        },
        1 => (true, false), // 십
        2 => (true, false), // 백
        3 => (true, false), // 천
        _ => (true, false), // 만, 억 …
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Josa::*;

    #[test]
    fn particles_follow_the_sound_before_them() {
        assert_eq!(with("클라이언트", Topic), "클라이언트는");
        assert_eq!(with("소켓", Topic), "소켓은");
        assert_eq!(with("서버", Subject), "서버가");
        assert_eq!(with("연결", Object), "연결을");
        assert_eq!(with("포트", With), "포트와");
        assert_eq!(with("번호", Toward), "번호로");
        assert_eq!(with("연결", Toward), "연결로");
        assert_eq!(with("윈도", Object), "윈도를");
    }

    #[test]
    fn numbers_are_read_as_korean_numerals() {
        assert_eq!(with("1", Subject), "1이"); // 일
        assert_eq!(with("2", Subject), "2가"); // 이
        assert_eq!(with("3", Object), "3을"); // 삼
        assert_eq!(with("5", Object), "5를"); // 오
        assert_eq!(with("10", Topic), "10은"); // 십
        assert_eq!(with("1024", Topic), "1024는"); // 천이십사
        assert_eq!(with("65536", Topic), "65536은"); // …삼십육
        assert_eq!(with("65495", Object), "65495를"); // …구십오
        assert_eq!(with("0", Subject), "0이"); // 영
        assert_eq!(with("18080", Toward), "18080으로"); // 만팔천팔십
        assert_eq!(with("7", Toward), "7로"); // 칠
    }

    #[test]
    fn protocol_words_and_acronyms_as_people_say_them() {
        assert_eq!(with("SYN", Object), "SYN을"); // 신
        assert_eq!(with("ACK", Subject), "ACK이"); // 액
        assert_eq!(with("FIN", Topic), "FIN은"); // 핀
        assert_eq!(with("RST", Object), "RST를"); // 알에스티
        assert_eq!(with("MSS", Topic), "MSS는"); // 엠에스에스
        assert_eq!(with("SYN+ACK", Object), "SYN+ACK을");
        assert_eq!(with("LISTEN", Toward), "LISTEN으로"); // 리슨
        assert_eq!(with("ESTABLISHED", Toward), "ESTABLISHED로");
        assert_eq!(with("TIME_WAIT", Topic), "TIME_WAIT는");
        assert_eq!(with("CLOSING", Object), "CLOSING을");
        assert_eq!(with("TCP", Subject), "TCP가"); // 티씨피
        assert_eq!(with("URL", Subject), "URL이"); // 유알엘
    }
}

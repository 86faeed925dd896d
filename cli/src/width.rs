//! Text width as a terminal shows it: East Asian wide characters (Hangul, CJK, full-width
//! forms) take two columns, combining marks none, everything else one (UAX #11, enough of it
//! for the text synack prints).

/// Columns `c` takes on a terminal.
pub fn char_width(c: char) -> usize {
    let u = c as u32;
    match u {
        // Combining marks and zero-width characters.
        0x0300..=0x036F | 0x200B..=0x200F | 0x20D0..=0x20FF | 0xFE20..=0xFE2F => 0,
        // Hangul Jamo, CJK and Hangul syllables, full-width forms (East Asian Wide and Fullwidth).
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA960..=0xA97F
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 => 2,
        _ => 1,
    }
}

/// Columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `s` wrapped at spaces into lines of at most `columns` display columns (a word longer than
/// that gets a line of its own).
pub fn wrap(s: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(20);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut cur_width = 0;
    for w in s.split(' ') {
        let ww = width(w);
        if !cur.is_empty() && cur_width + 1 + ww > columns {
            lines.push(std::mem::take(&mut cur));
            cur_width = 0;
        }
        if !cur.is_empty() {
            cur.push(' ');
            cur_width += 1;
        }
        cur.push_str(w);
        cur_width += ww;
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// `s` padded with spaces to `columns` display columns.
pub fn pad(s: &str, columns: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(width(s))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangul_takes_two_columns() {
        assert_eq!(width("클라이언트"), 10);
        assert_eq!(width("SYN을 보냅니다"), 3 + 2 + 1 + 8);
        assert_eq!(width("→ ×1024"), 7);
    }

    #[test]
    fn korean_wraps_by_display_width() {
        let text = "클라이언트가 연결을 요청합니다. 초기 순서 번호를 고릅니다.";
        for line in wrap(text, 24) {
            assert!(width(&line) <= 24, "{line:?} is {} columns", width(&line));
        }
        assert_eq!(wrap(text, 24).join(" "), text);
    }
}

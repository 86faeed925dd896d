//! The display-filter lexer: tshark 4.0's tokens (wireshark-filter(4)).

use super::FilterError;

/// How a relation compares several occurrences: tshark 4.0's `==` is "any equal", `!=` "all
/// not equal", `===` "all equal", `!==` / `~=` "any not equal".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rel {
    /// `==`, `eq`, `any_eq`.
    Eq,
    /// `!=`, `ne`, `all_ne`.
    Ne,
    /// `===`, `all_eq`.
    AllEq,
    /// `!==`, `~=`, `any_ne`.
    AnyNe,
    /// `<`, `lt`.
    Lt,
    /// `<=`, `le`.
    Le,
    /// `>`, `gt`.
    Gt,
    /// `>=`, `ge`.
    Ge,
    /// `contains`.
    Contains,
    /// `matches`, `~`.
    Matches,
}

impl Rel {
    /// How tshark names the operator in its messages.
    pub fn text(self) -> &'static str {
        match self {
            Rel::Eq => "==",
            Rel::Ne => "!=",
            Rel::AllEq => "===",
            Rel::AnyNe => "!==",
            Rel::Lt => "<",
            Rel::Le => "<=",
            Rel::Gt => ">",
            Rel::Ge => ">=",
            Rel::Contains => "contains",
            Rel::Matches => "matches",
        }
    }
}

/// One part of a slice: `[i]`, `[i:n]` (n bytes from i), `[i-j]` (i to j inclusive), `[i:]`,
/// `[:n]`; a negative offset counts from the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First byte (negative: from the end).
    pub start: i64,
    /// Bytes taken (None: to the end).
    pub len: Option<i64>,
}

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An unquoted word: a field, a protocol, a function or a literal value.
    Word(String),
    /// A quoted string, escapes resolved.
    Str(Vec<u8>),
    /// A character constant `'a'`.
    Char(u32),
    /// A relation.
    Rel(Rel),
    /// `&&`, `and`.
    And,
    /// `||`, `or`.
    Or,
    /// `!`, `not`.
    Not,
    /// `&`, `bitwise_and`.
    BitAnd,
    /// `in`.
    In,
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// `{`.
    LBrace,
    /// `}`.
    RBrace,
    /// `,`.
    Comma,
    /// `..` between the ends of a range in a set.
    DotDot,
    /// `[...]`.
    Slice(Vec<Range>),
    /// `#N`: the field in the N-th layer of its protocol.
    Layer(u32),
}

fn err(col: usize, m: impl Into<String>) -> FilterError {
    FilterError { column: col + 1, message: m.into() }
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-' | '+')
}

/// A string's escapes, as wireshark-filter(4) lists them: `\\`, `\"`, `\xhh`, `\ooo`, and C's
/// `\a \b \f \n \r \t \v`. Returns the bytes and the index after the closing quote.
fn string(chars: &[char], start: usize, raw: bool) -> Result<(Vec<u8>, usize), FilterError> {
    let mut v = Vec::new();
    let mut i = start + 1;
    let push = |v: &mut Vec<u8>, c: char| {
        let mut b = [0; 4];
        v.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    };
    loop {
        let Some(&c) = chars.get(i) else { return Err(err(start, "unterminated string")) };
        i += 1;
        match c {
            '"' => return Ok((v, i)),
            '\\' if raw => {
                // A raw string keeps its backslashes; `\"` does not end it.
                v.push(b'\\');
                if let Some(&n) = chars.get(i) {
                    push(&mut v, n);
                    i += 1;
                }
            }
            '\\' => {
                let Some(&n) = chars.get(i) else { return Err(err(start, "unterminated string")) };
                i += 1;
                match n {
                    'x' => {
                        let digits: String = chars[i..].iter().take(2).take_while(|c| c.is_ascii_hexdigit()).collect();
                        if digits.is_empty() {
                            return Err(err(i - 2, "\\x needs one or two hex digits"));
                        }
                        i += digits.len();
                        v.push(u8::from_str_radix(&digits, 16).unwrap_or(0));
                    }
                    '0'..='7' => {
                        let digits: String =
                            chars[i - 1..].iter().take(3).take_while(|c| ('0'..='7').contains(c)).collect();
                        i += digits.len() - 1;
                        let n = u32::from_str_radix(&digits, 8).unwrap_or(0);
                        if n > 0xff {
                            return Err(err(i - digits.len() - 1, format!("\\{digits} is more than a byte")));
                        }
                        v.push(n as u8);
                    }
                    'a' => v.push(7),
                    'b' => v.push(8),
                    'f' => v.push(12),
                    'n' => v.push(b'\n'),
                    'r' => v.push(b'\r'),
                    't' => v.push(b'\t'),
                    'v' => v.push(11),
                    other => push(&mut v, other),
                }
            }
            c => push(&mut v, c),
        }
    }
}

fn slice(chars: &[char], start: usize) -> Result<(Vec<Range>, usize), FilterError> {
    let close = chars[start..].iter().position(|&c| c == ']').ok_or_else(|| err(start, "unterminated slice '['"))?;
    let body: String = chars[start + 1..start + close].iter().collect();
    let bad = || err(start, format!("\"[{body}]\" is not a valid slice"));
    let num = |s: &str| if s.is_empty() { Ok(None) } else { s.parse::<i64>().map(Some).map_err(|_| bad()) };
    let mut out = Vec::new();
    for part in body.split(',') {
        let part = part.trim();
        let r = if let Some((a, b)) = part.split_once(':') {
            Range { start: num(a.trim())?.unwrap_or(0), len: num(b.trim())? }
        } else if let Some(dash) = part.char_indices().skip(1).find(|&(_, c)| c == '-').map(|(i, _)| i) {
            let (a, b) = (num(part[..dash].trim())?.ok_or_else(bad)?, num(part[dash + 1..].trim())?.ok_or_else(bad)?);
            let len = b.checked_sub(a).and_then(|d| d.checked_add(1)).filter(|&l| l > 0).ok_or_else(bad)?;
            Range { start: a, len: Some(len) }
        } else {
            Range { start: num(part)?.ok_or_else(bad)?, len: Some(1) }
        };
        if r.len.is_some_and(|l| l <= 0) {
            return Err(bad());
        }
        out.push(r);
    }
    Ok((out, start + close + 1))
}

/// Split a filter into tokens, each with its 0-based column.
pub fn lex(s: &str) -> Result<Vec<(Tok, usize)>, FilterError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let rest: String = chars[i..(i + 3).min(chars.len())].iter().collect();
        let op = |t: &str| rest.starts_with(t);
        let (tok, next) = match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            '(' => (Tok::Open, i + 1),
            ')' => (Tok::Close, i + 1),
            '{' => (Tok::LBrace, i + 1),
            '}' => (Tok::RBrace, i + 1),
            ',' => (Tok::Comma, i + 1),
            '[' => {
                let (r, n) = slice(&chars, i)?;
                (Tok::Slice(r), n)
            }
            '#' => {
                let digits: String = chars[i + 1..].iter().take_while(|c| c.is_ascii_digit()).collect();
                let n = digits
                    .parse::<u32>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| err(i, "'#' needs a layer number from 1"))?;
                (Tok::Layer(n), i + 1 + digits.len())
            }
            '"' => {
                let (v, n) = string(&chars, i, false)?;
                (Tok::Str(v), n)
            }
            'r' | 'R' if chars.get(i + 1) == Some(&'"') => {
                let (v, n) = string(&chars, i + 1, true)?;
                (Tok::Str(v), n)
            }
            '\'' => {
                let (v, n) = char_const(&chars, i)?;
                (Tok::Char(v), n)
            }
            _ if op("===") => (Tok::Rel(Rel::AllEq), i + 3),
            _ if op("!==") => (Tok::Rel(Rel::AnyNe), i + 3),
            _ if op("==") => (Tok::Rel(Rel::Eq), i + 2),
            _ if op("!=") => (Tok::Rel(Rel::Ne), i + 2),
            _ if op("~=") => (Tok::Rel(Rel::AnyNe), i + 2),
            _ if op("<=") => (Tok::Rel(Rel::Le), i + 2),
            _ if op(">=") => (Tok::Rel(Rel::Ge), i + 2),
            _ if op("&&") => (Tok::And, i + 2),
            _ if op("||") => (Tok::Or, i + 2),
            _ if op("..") => (Tok::DotDot, i + 2),
            '~' => (Tok::Rel(Rel::Matches), i + 1),
            '<' => (Tok::Rel(Rel::Lt), i + 1),
            '>' => (Tok::Rel(Rel::Gt), i + 1),
            '!' => (Tok::Not, i + 1),
            '&' => (Tok::BitAnd, i + 1),
            c if word_char(c) => {
                let mut j = i;
                // A word ends where a set's `..` begins (`80..90`).
                while j < chars.len() && word_char(chars[j]) && !(chars[j] == '.' && chars.get(j + 1) == Some(&'.')) {
                    j += 1;
                }
                let w: String = chars[i..j].iter().collect();
                let tok = match w.as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "in" => Tok::In,
                    "eq" | "any_eq" => Tok::Rel(Rel::Eq),
                    "ne" | "all_ne" => Tok::Rel(Rel::Ne),
                    "all_eq" => Tok::Rel(Rel::AllEq),
                    "any_ne" => Tok::Rel(Rel::AnyNe),
                    "lt" => Tok::Rel(Rel::Lt),
                    "le" => Tok::Rel(Rel::Le),
                    "gt" => Tok::Rel(Rel::Gt),
                    "ge" => Tok::Rel(Rel::Ge),
                    "contains" => Tok::Rel(Rel::Contains),
                    "matches" => Tok::Rel(Rel::Matches),
                    "bitwise_and" => Tok::BitAnd,
                    _ => Tok::Word(w),
                };
                (tok, j)
            }
            c => return Err(err(start, format!("unexpected '{c}'"))),
        };
        out.push((tok, start));
        i = next;
    }
    Ok(out)
}

fn char_const(chars: &[char], start: usize) -> Result<(u32, usize), FilterError> {
    let bad = || err(start, "not a valid character constant");
    let close = chars[start + 1..].iter().position(|&c| c == '\'').ok_or_else(bad)? + start + 1;
    let body: String = chars[start + 1..close].iter().collect();
    let v = if let Some(esc) = body.strip_prefix('\\') {
        match esc {
            "n" => 10,
            "t" => 9,
            "r" => 13,
            "a" => 7,
            "b" => 8,
            "f" => 12,
            "v" => 11,
            "\\" => 92,
            "'" => 39,
            "\"" => 34,
            x if x.starts_with('x') => u32::from_str_radix(&x[1..], 16).map_err(|_| bad())?,
            x => u32::from_str_radix(x, 8).map_err(|_| bad())?,
        }
    } else {
        let mut it = body.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => c as u32,
            _ => return Err(bad()),
        }
    };
    Ok((v, close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_slices_and_sets() {
        let t = lex(r#""a\x2e\101\n\\" 'P' eth.src[0:3,-1,2-4] {80..90, 443} ip.addr#2"#).expect("lexes");
        let toks: Vec<Tok> = t.into_iter().map(|(t, _)| t).collect();
        assert_eq!(toks[0], Tok::Str(b"a.A\n\\".to_vec()));
        assert_eq!(toks[1], Tok::Char(80));
        assert_eq!(
            toks[3],
            Tok::Slice(vec![
                Range { start: 0, len: Some(3) },
                Range { start: -1, len: Some(1) },
                Range { start: 2, len: Some(3) }
            ])
        );
        assert_eq!(&toks[4..8], &[Tok::LBrace, Tok::Word("80".into()), Tok::DotDot, Tok::Word("90".into())]);
        assert_eq!(toks[toks.len() - 1], Tok::Layer(2));
        assert_eq!(lex(r#"r"^www\.""#).expect("raw")[0].0, Tok::Str(br"^www\.".to_vec()));
    }
}

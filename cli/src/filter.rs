//! `-Y` display filters over every field synack knows, in tshark's syntax:
//! `tcp.port == 80 and not synack.stage`, `synack.state.server == "LISTEN"`,
//! `dns.qry.name contains "example" || tcp.flags.syn == 1`.
//!
//! A comparison holds when any occurrence of the field satisfies it (`!=`: when none equals);
//! a bare field name tests that the field is present, a bare protocol name (`tcp`, `dns`,
//! `gre`, `wlan`, ..., `synack`) that the packet has that protocol, as tshark names them. Values are compared as numbers when both
//! sides are numbers, else as text in tshark's format; value names (`synack.stage == "SYN+ACK"`)
//! and booleans (`True`/`False`) are understood.

use dissector_core::fields::{values, write_value, Field, Value};
use dissector_core::Packet;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Both.
    And(Box<Filter>, Box<Filter>),
    /// Either.
    Or(Box<Filter>, Box<Filter>),
    /// Not.
    Not(Box<Filter>),
    /// The field is present.
    Has(Field),
    /// The protocol is in the packet (tshark's protocol filter name).
    Proto(&'static str),
    /// A comparison.
    Cmp(Field, Op, String),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`, `eq`.
    Eq,
    /// `!=`, `ne`.
    Ne,
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
}

/// A filter that does not parse: what was expected, and the 1-based column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Column of the offending token (1-based, in characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl FilterError {
    /// The error with the filter and a caret under the column.
    pub fn render(&self, text: &str) -> String {
        format!(
            "filter error at column {}: {}\n  {text}\n  {}^",
            self.column,
            self.message,
            " ".repeat(self.column.saturating_sub(1))
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Op(Op),
    And,
    Or,
    Not,
    Open,
    Close,
}

fn lex(s: &str) -> Result<Vec<(Tok, usize)>, FilterError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |col: usize, m: &str| FilterError { column: col + 1, message: m.to_string() };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push((Tok::Open, start));
                i += 1;
            }
            ')' => {
                out.push((Tok::Close, start));
                i += 1;
            }
            '"' => {
                i += 1;
                let mut v = String::new();
                loop {
                    match chars.get(i) {
                        None => return Err(err(start, "unterminated string")),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => {
                            if let Some(n) = chars.get(i + 1) {
                                v.push(*n);
                            }
                            i += 2;
                        }
                        Some(ch) => {
                            v.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push((Tok::Str(v), start));
            }
            '=' | '!' | '<' | '>' | '&' | '|' => {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let (tok, n) = match two.as_str() {
                    "==" => (Tok::Op(Op::Eq), 2),
                    "!=" => (Tok::Op(Op::Ne), 2),
                    "<=" => (Tok::Op(Op::Le), 2),
                    ">=" => (Tok::Op(Op::Ge), 2),
                    "&&" => (Tok::And, 2),
                    "||" => (Tok::Or, 2),
                    _ => match c {
                        '<' => (Tok::Op(Op::Lt), 1),
                        '>' => (Tok::Op(Op::Gt), 1),
                        '!' => (Tok::Not, 1),
                        _ => return Err(err(start, &format!("unexpected '{c}'"))),
                    },
                };
                out.push((tok, start));
                i += n;
            }
            _ => {
                while i < chars.len()
                    && !matches!(chars[i], ' ' | '\t' | '(' | ')' | '"' | '=' | '!' | '<' | '>' | '&' | '|')
                {
                    i += 1;
                }
                let w: String = chars[start..i].iter().collect();
                let tok = match w.as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "eq" => Tok::Op(Op::Eq),
                    "ne" => Tok::Op(Op::Ne),
                    "lt" => Tok::Op(Op::Lt),
                    "le" => Tok::Op(Op::Le),
                    "gt" => Tok::Op(Op::Gt),
                    "ge" => Tok::Op(Op::Ge),
                    "contains" => Tok::Op(Op::Contains),
                    _ => Tok::Word(w),
                };
                out.push((tok, start));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn col(&self) -> usize {
        self.toks.get(self.pos).map(|t| t.1).unwrap_or(self.end) + 1
    }

    fn err<T>(&self, m: &str) -> Result<T, FilterError> {
        Err(FilterError { column: self.col(), message: m.to_string() })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut f = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            f = Filter::Or(Box::new(f), Box::new(self.and()?));
        }
        Ok(f)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut f = self.not()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            f = Filter::And(Box::new(f), Box::new(self.not()?));
        }
        Ok(f)
    }

    fn not(&mut self) -> Result<Filter, FilterError> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Filter, FilterError> {
        match self.peek().cloned() {
            Some(Tok::Open) => {
                self.pos += 1;
                let f = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return self.err("expected ')'");
                }
                self.pos += 1;
                Ok(f)
            }
            Some(Tok::Word(w))
                if !matches!(self.toks.get(self.pos + 1), Some((Tok::Op(_), _))) && proto(&w).is_some() =>
            {
                self.pos += 1;
                Ok(Filter::Proto(proto(&w).unwrap_or_default()))
            }
            Some(Tok::Word(w)) => {
                let Some(field) = Field::from_abbrev(&w) else {
                    return self.err(&format!("\"{w}\" is not a field synack knows (synack --list-fields)"));
                };
                self.pos += 1;
                let Some(Tok::Op(op)) = self.peek().cloned() else { return Ok(Filter::Has(field)) };
                self.pos += 1;
                match self.peek().cloned() {
                    Some(Tok::Word(v)) | Some(Tok::Str(v)) => {
                        self.pos += 1;
                        Ok(Filter::Cmp(field, op, v))
                    }
                    _ => self.err("expected a value"),
                }
            }
            None => self.err("expected a field, 'not' or '('"),
            Some(_) => self.err("expected a field, 'not' or '('"),
        }
    }
}

/// The protocol filter names synack can answer for, as tshark spells them.
const PROTOCOLS: [&str; 30] = [
    "frame", "eth", "vlan", "sll", "null", "ppp", "chdlc", "nflog", "radiotap", "wlan", "llc", "mpls", "pppoed",
    "pppoes", "ip", "ipv6", "icmp", "icmpv6", "gre", "erspan", "vxlan", "geneve", "teredo", "gtp", "tcp", "udp", "dns",
    "mdns", "llmnr", "synack",
];

fn proto(name: &str) -> Option<&'static str> {
    PROTOCOLS.iter().copied().find(|p| *p == name)
}

/// Does `pkt` hold protocol `p` (one of [`PROTOCOLS`])?
fn has_proto(pkt: &Packet<'_>, p: &str) -> bool {
    use dissector_core::Layer as L;
    // DNS on UDP 5353 is mDNS, on 5355 LLMNR, as tshark names them (the lower DNS port decides).
    let dns_kind = |pkt: &Packet<'_>| {
        let udp = pkt.layers.iter().rev().find_map(|l| if let L::Udp(u) = l { Some(u.header) } else { None });
        match udp.and_then(|h| dissector_core::dissect::dns_udp_port(&h)) {
            Some(5353) => "mdns",
            Some(5355) => "llmnr",
            _ => "dns",
        }
    };
    if p == "synack" {
        let mut v = Vec::new();
        values(pkt, Field::SynackSummary, &mut v);
        values(pkt, Field::SynackDnsSummary, &mut v);
        return !v.is_empty();
    }
    p == "frame"
        || pkt.layers.iter().any(|l| match l {
            L::Ethernet(_) => p == "eth",
            L::Vlan(_) => p == "vlan",
            L::Sll(_) => p == "sll",
            L::Null(_) => p == "null",
            L::Ppp(_) => p == "ppp",
            L::Chdlc(_) => p == "chdlc",
            L::Nflog(_) => p == "nflog",
            L::Radiotap(_) => p == "radiotap",
            L::Wlan(_) => p == "wlan",
            L::Llc(_) => p == "llc",
            L::Mpls(_) => p == "mpls",
            // A session's payload is PPP's (tshark's PPP dissector reads its protocol field).
            L::Pppoe(x) if x.ppp_protocol.is_some() => p == "pppoes" || p == "ppp",
            L::Pppoe(_) => p == "pppoed",
            L::Ipv4(_) => p == "ip",
            L::Ipv6(_) => p == "ipv6",
            L::Icmp(i) => p == if i.version == 6 { "icmpv6" } else { "icmp" },
            // ERSPAN type I has no header of its own, but tshark names the protocol all the same.
            L::Gre(g) => p == "gre" || (p == "erspan" && g.proto == dissector_core::tunnel::ETHERTYPE_ERSPAN),
            L::Erspan(_) => p == "erspan",
            L::Vxlan(_) => p == "vxlan",
            L::Geneve(_) => p == "geneve",
            L::Teredo(_) => p == "teredo",
            L::Gtp(_) => p == "gtp",
            L::Tcp(_) => p == "tcp",
            L::Udp(_) => p == "udp",
            L::Dns(_) => p == dns_kind(pkt),
        })
}

/// Parse a filter.
pub fn parse(text: &str) -> Result<Filter, FilterError> {
    let toks = lex(text)?;
    let mut p = Parser { toks, pos: 0, end: text.chars().count() };
    let f = p.or()?;
    if p.pos < p.toks.len() {
        return p.err("expected 'and', 'or' or the end of the filter");
    }
    Ok(f)
}

fn as_number(s: &str) -> Option<f64> {
    if let Some(h) = s.strip_prefix("0x") {
        return u64::from_str_radix(h, 16).ok().map(|v| v as f64);
    }
    match s {
        "True" | "true" => Some(1.0),
        "False" | "false" => Some(0.0),
        _ => s.parse::<f64>().ok(),
    }
}

fn compare(field: Field, v: &Value<'_>, op: Op, want: &str) -> bool {
    let mut text = String::new();
    write_value(&mut text, field.info(), v);
    if op == Op::Contains {
        return text.contains(want);
    }
    // A value name stands for its number (synack.stage == "SYN+ACK").
    let named = field.value_names().iter().find(|(_, n)| *n == want).map(|(v, _)| v.to_string());
    let want = named.as_deref().unwrap_or(want);
    let ord = match (as_number(&text), as_number(want)) {
        (Some(a), Some(b)) => a.partial_cmp(&b),
        _ => Some(text.as_str().cmp(want)),
    };
    let Some(o) = ord else { return false };
    match op {
        Op::Eq => o.is_eq(),
        Op::Ne => o.is_ne(),
        Op::Lt => o.is_lt(),
        Op::Le => o.is_le(),
        Op::Gt => o.is_gt(),
        Op::Ge => o.is_ge(),
        Op::Contains => false,
    }
}

impl Filter {
    /// Whether any field the filter reads satisfies `pred`.
    pub fn any_field(&self, pred: &impl Fn(Field) -> bool) -> bool {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => a.any_field(pred) || b.any_field(pred),
            Filter::Not(a) => a.any_field(pred),
            Filter::Has(f) | Filter::Cmp(f, ..) => pred(*f),
            // Layers are there without the tracker; synack's own tree is its fields.
            Filter::Proto(p) => *p == "synack" && (pred(Field::SynackSummary) || pred(Field::SynackDnsSummary)),
        }
    }
}

/// Does `pkt` pass `f`?
pub fn matches(f: &Filter, pkt: &Packet<'_>) -> bool {
    match f {
        Filter::And(a, b) => matches(a, pkt) && matches(b, pkt),
        Filter::Or(a, b) => matches(a, pkt) || matches(b, pkt),
        Filter::Not(a) => !matches(a, pkt),
        Filter::Proto(p) => has_proto(pkt, p),
        Filter::Has(field) => {
            let mut v = Vec::new();
            values(pkt, *field, &mut v);
            !v.is_empty()
        }
        Filter::Cmp(field, op, want) => {
            let mut v = Vec::new();
            values(pkt, *field, &mut v);
            if *op == Op::Ne {
                !v.is_empty() && v.iter().all(|x| compare(*field, x, Op::Ne, want))
            } else {
                v.iter().any(|x| compare(*field, x, *op, want))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_precedence_and_both_spellings() {
        let f = parse("tcp.port == 80 and not synack.stage || dns.qry.name contains \"x\"").expect("parses");
        let Filter::Or(left, right) = f else { panic!("or at the top: {f:?}") };
        assert!(matches!(*left, Filter::And(..)));
        assert_eq!(*right, Filter::Cmp(Field::DnsQryName, Op::Contains, "x".into()));
        assert_eq!(parse("tcp.port eq 80 && !(synack.stage)").map(|_| ()), Ok(()));
    }

    #[test]
    fn errors_point_at_the_column() {
        let e = parse("tcp.port == 80 and bogus.field").unwrap_err();
        assert_eq!(e.column, 20);
        assert!(e.message.contains("bogus.field"));
        assert_eq!(parse("tcp.port ==").unwrap_err().column, 12);
        assert_eq!(parse("(tcp.port == 1").unwrap_err().message, "expected ')'");
        assert_eq!(parse("tcp.port == 1 tcp.port").unwrap_err().column, 15);
        assert_eq!(parse("dns.qry.name == \"open").unwrap_err().column, 17);
        let r = parse("tcp.port === 1").unwrap_err().render("tcp.port === 1");
        assert!(r.ends_with("\n  tcp.port === 1\n             ^"), "{r}");
    }
}

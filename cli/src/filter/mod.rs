//! `-Y` display filters in tshark 4.0's language (wireshark-filter(4)), over every field and
//! protocol synack dissects:
//!
//! - protocols and fields as tests: `tcp`, `dns && !synack.stage`, `ip.addr#2` (a field in the
//!   second IP header);
//! - relations `==`, `!=`, `===`, `!==` (`~=`), `<`, `<=`, `>`, `>=`, `contains`, `matches` (`~`,
//!   a regular expression, case-insensitive unless it says `(?-i)`), `in {80, 443, 8000..8080}`,
//!   and `&` (bitwise and); the word forms `eq`, `and`, `not`, ... too;
//! - values: numbers in C's notation (`0x50`, `0120`, `'P'`), value names in any case
//!   (`ip.proto == UDP`, `dns.flags.rcode == "no such name"`), `True`/`False`, addresses and
//!   networks (`10.0.0.0/8`, `fe80::/10`, `ff:ff:ff:ff:ff:ff`), seconds, strings with escapes
//!   (`"\x2e"`, raw `r"\d+"`), byte strings (`00:1b:44`);
//! - slices `eth.src[0:3]`, `dns.qry.name[-4:]`, and the functions `len()`, `count()`,
//!   `lower()`, `upper()`.
//!
//! With several occurrences (`ip.addr`, `tcp.port`), `==` holds when any occurrence is equal and
//! `!=` when all differ, as in tshark 4.0; a relation on a missing field is false. Beyond
//! tshark, the TCP state fields accept RFC 9293's spellings (`synack.state.server ==
//! "TIME-WAIT"`), in any case. A name tshark knows but synack does not dissect is an error that
//! says so.

mod fvalue;
mod lex;

use dissector_core::fields::{values, Field};
use dissector_core::{Layer, Packet};

use fvalue::{convert, Kind, Literal, FV};
use lex::{lex, Range, Rel, Tok};

/// A parsed filter.
#[derive(Debug, Clone)]
pub enum Filter {
    /// Both.
    And(Box<Filter>, Box<Filter>),
    /// Either.
    Or(Box<Filter>, Box<Filter>),
    /// Not.
    Not(Box<Filter>),
    /// The expression has a value (for `&`: a value that is not zero).
    Test(Expr),
    /// A relation between two expressions.
    Cmp(Expr, Rel, Expr),
    /// `matches`.
    Matches(Expr, regex::bytes::Regex),
    /// `in {...}`: values and inclusive ranges.
    In(Expr, Vec<(FV, Option<FV>)>),
}

/// What a relation compares.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A field, optionally only in the N-th layer of its protocol.
    Field(Field, Option<u32>),
    /// A protocol, optionally its N-th layer.
    Proto(&'static str, Option<u32>),
    /// Bytes of the values.
    Slice(Box<Expr>, Vec<Range>),
    /// A function of the values.
    Func(Func, Box<Expr>),
    /// Each value and a mask.
    BitAnd(Box<Expr>, i128),
    /// A constant.
    Const(FV),
}

/// The functions tshark 4.0 has that apply here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// Length in bytes.
    Len,
    /// Number of occurrences.
    Count,
    /// Lower case (ASCII).
    Lower,
    /// Upper case (ASCII).
    Upper,
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

/// The protocol filter names synack can answer for, as tshark spells them.
const PROTOCOLS: [&str; 30] = [
    "frame", "eth", "vlan", "sll", "null", "ppp", "chdlc", "nflog", "radiotap", "wlan", "llc", "mpls", "pppoed",
    "pppoes", "ip", "ipv6", "icmp", "icmpv6", "gre", "erspan", "vxlan", "geneve", "teredo", "gtp", "tcp", "udp", "dns",
    "mdns", "llmnr", "synack",
];

fn proto(name: &str) -> Option<&'static str> {
    PROTOCOLS.iter().copied().find(|p| *p == name)
}

/// tshark's protocol names and the fields of the protocols synack decodes in part, read off
/// tshark 4.0.17 by tests/scripts/gen_tshark_names.py.
const TSHARK_NAMES: &str = include_str!("tshark_names.txt");

/// tshark's value names for synack's fields (same script).
const VALUE_NAMES: &str = include_str!("value_names.tsv");

/// Whether tshark knows `name`: `Some(true)` for a protocol, `Some(false)` for a field.
fn tshark_knows(name: &str) -> Option<bool> {
    TSHARK_NAMES.lines().find_map(|l| match l.split_once(' ') {
        Some(("P", n)) if n == name => Some(true),
        Some(("F", n)) if n == name => Some(false),
        _ => None,
    })
}

/// The value names of `field`: tshark's, then synack's own.
pub(crate) fn value_names(field: Field) -> Vec<(i128, i128, &'static str)> {
    type Table = std::collections::HashMap<&'static str, Vec<(i128, i128, &'static str)>>;
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = Table::new();
        for l in VALUE_NAMES.lines().filter(|l| !l.starts_with('#')) {
            let mut c = l.split('\t');
            let (Some(f), Some(lo), Some(hi), Some(n)) = (c.next(), c.next(), c.next(), c.next()) else { continue };
            let (Ok(lo), Ok(hi)) = (lo.parse(), hi.parse()) else { continue };
            t.entry(f).or_default().push((lo, hi, n));
        }
        t
    });
    let mut out = table.get(field.info().abbrev).cloned().unwrap_or_default();
    out.extend(field.value_names().iter().map(|&(v, n)| (v as i128, v as i128, n)));
    out
}

/// The name tshark gives `v` as a value of `field`, if any.
pub(crate) fn value_name(field: Field, v: i128) -> Option<&'static str> {
    value_names(field).into_iter().find(|&(lo, hi, _)| lo <= v && v <= hi).map(|(_, _, n)| n)
}

/// Why a name is not usable: it is tshark's and synack does not dissect it, or nobody knows it.
fn unknown_name(w: &str) -> String {
    match tshark_knows(w) {
        Some(true) => format!("\"{w}\" is a protocol synack does not dissect (tshark does)"),
        Some(false) => format!("\"{w}\" is a field synack does not dissect (tshark does; synack --list-fields)"),
        None => match w.split_once('.').map(|(p, _)| p).filter(|p| tshark_knows(p) == Some(true)) {
            Some(p) if proto(p).is_none() => format!("\"{w}\" belongs to {p}, a protocol synack does not dissect"),
            _ => format!("\"{w}\" is not a field synack knows (synack --list-fields)"),
        },
    }
}

/// One side of a relation while parsing: an expression, or a literal whose type the other
/// side decides.
enum Ent {
    Expr(Expr, Kind),
    Lit { text: Vec<u8>, quoted: bool, char: Option<u32> },
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

    fn err<T>(&self, m: impl Into<String>) -> Result<T, FilterError> {
        Err(FilterError { column: self.col(), message: m.into() })
    }

    fn err_at<T>(col: usize, m: impl Into<String>) -> Result<T, FilterError> {
        Err(FilterError { column: col + 1, message: m.into() })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn peek_col(&self) -> usize {
        self.toks.get(self.pos).map(|t| t.1).unwrap_or(self.end)
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
        if self.peek() == Some(&Tok::Open) {
            self.pos += 1;
            let f = self.or()?;
            if self.peek() != Some(&Tok::Close) {
                return self.err("expected ')'");
            }
            self.pos += 1;
            return Ok(f);
        }
        self.relation()
    }

    fn relation(&mut self) -> Result<Filter, FilterError> {
        let lcol = self.peek_col();
        let left = self.entity()?;
        match self.peek().cloned() {
            Some(Tok::Rel(rel)) => {
                self.pos += 1;
                let rcol = self.peek_col();
                let right = self.entity()?;
                self.relate(left, lcol, rel, right, rcol)
            }
            Some(Tok::In) => {
                self.pos += 1;
                let (expr, kind, field) = self.typed(left, lcol)?;
                Ok(Filter::In(expr, self.set(kind, field)?))
            }
            Some(Tok::Not) if matches!(self.toks.get(self.pos + 1), Some((Tok::In, _))) => {
                self.pos += 2;
                let (expr, kind, field) = self.typed(left, lcol)?;
                Ok(Filter::Not(Box::new(Filter::In(expr, self.set(kind, field)?))))
            }
            _ => {
                let (expr, _, _) = self.typed(left, lcol)?;
                Ok(Filter::Test(expr))
            }
        }
    }

    /// An entity that must be a field, protocol or function (not a bare literal); with its
    /// kind and field, for converting what it is compared with.
    fn typed(&self, e: Ent, col: usize) -> Result<(Expr, Kind, Option<Field>), FilterError> {
        match e {
            Ent::Expr(x, k) => {
                let f = match &x {
                    Expr::Field(f, _) => Some(*f),
                    _ => None,
                };
                Ok((x, k, f))
            }
            Ent::Lit { text, quoted: false, char: None } => {
                Self::err_at(col, unknown_name(&String::from_utf8_lossy(&text)))
            }
            Ent::Lit { text, .. } => Self::err_at(
                col,
                format!("\"{}\" is neither a field nor a protocol name.", String::from_utf8_lossy(&text)),
            ),
        }
    }

    fn convert(lit: Ent, kind: Kind, field: Option<Field>, col: usize) -> Result<FV, FilterError> {
        let Ent::Lit { text, quoted, char } = lit else { unreachable!("only literals are converted") };
        // Beyond tshark: the state fields take RFC 9293's spellings in any case.
        let text = match field {
            Some(Field::SynackStateClient | Field::SynackStateServer) => {
                match dissector_core::conn::State::from_name(&String::from_utf8_lossy(&text)) {
                    Some(s) => s.name().as_bytes().to_vec(),
                    None => text,
                }
            }
            _ => text,
        };
        let names = field.map(value_names).unwrap_or_default();
        let name = field.map(|f| f.info().abbrev).unwrap_or("the value");
        convert(&Literal { text: &text, quoted, char }, kind, &names, name).or_else(|m| Self::err_at(col, m))
    }

    fn relate(&self, left: Ent, lcol: usize, rel: Rel, right: Ent, rcol: usize) -> Result<Filter, FilterError> {
        let (l, r) = match (left, right) {
            (Ent::Lit { text, quoted: false, char: None }, Ent::Lit { .. }) => {
                return Self::err_at(lcol, unknown_name(&String::from_utf8_lossy(&text)))
            }
            (Ent::Lit { .. }, Ent::Lit { text, quoted: false, char: None }) => {
                return Self::err_at(rcol, unknown_name(&String::from_utf8_lossy(&text)))
            }
            (Ent::Lit { text, char, .. }, Ent::Expr(..)) => {
                let shown = match char {
                    Some(c) => format!("'{}'", char::from_u32(c).unwrap_or('?')),
                    None => String::from_utf8_lossy(&text).into_owned(),
                };
                // tshark 4.0 wants the field first (`tcp.port == 80`, not `80 == tcp.port`).
                return Self::err_at(
                    lcol,
                    format!("Left side of \"{}\" expression must be a field or function, not {shown}.", rel.text()),
                );
            }
            (l, r) => (l, r),
        };
        let (lexpr, lkind, lfield) = self.typed(l, lcol)?;
        if lkind == Kind::Label {
            let name = lfield.map(|f| f.info().abbrev).unwrap_or("it");
            return Self::err_at(lcol, format!("{name} (type=Label) cannot participate in {} comparison.", rel.text()));
        }
        if matches!(lexpr, Expr::Proto(..)) {
            return Self::err_at(lcol, "synack does not keep a protocol's bytes: compare one of its fields instead");
        }
        match rel {
            Rel::Matches => {
                if !matches!(lkind, Kind::Str | Kind::Bytes) {
                    return Self::err_at(
                        lcol,
                        format!("{} values cannot be matched with a regular expression", lkind.name()),
                    );
                }
                let Ent::Lit { text, .. } = r else { return Self::err_at(rcol, "matches needs a string") };
                let pattern = String::from_utf8_lossy(&text).into_owned();
                // tshark (PCRE2) matches without regard to case unless the pattern says (?-i).
                let re = regex::bytes::RegexBuilder::new(&pattern)
                    .case_insensitive(true)
                    .build()
                    .or_else(|e| Self::err_at(rcol, format!("not a regular expression synack can use: {e}")))?;
                Ok(Filter::Matches(lexpr, re))
            }
            _ => {
                let rexpr = match r {
                    Ent::Expr(x, k) => {
                        if !lkind.compatible(k) {
                            return Self::err_at(
                                rcol,
                                format!("{} and {} are not of compatible types.", lkind.name(), k.name()),
                            );
                        }
                        if matches!(x, Expr::Proto(..)) || k == Kind::Label {
                            return Self::err_at(rcol, "cannot compare with a protocol or a label");
                        }
                        x
                    }
                    lit => {
                        // `contains` looks for bytes in a MAC address, not for another address.
                        let kind = if rel == Rel::Contains && lkind == Kind::Ether { Kind::Bytes } else { lkind };
                        if rel == Rel::Contains && !matches!(kind, Kind::Str | Kind::Bytes) {
                            return Self::err_at(lcol, format!("{} values cannot contain anything", lkind.name()));
                        }
                        Expr::Const(Self::convert(lit, kind, lfield, rcol)?)
                    }
                };
                Ok(Filter::Cmp(lexpr, rel, rexpr))
            }
        }
    }

    /// `{a, b, lo..hi}` after `in`.
    fn set(&mut self, kind: Kind, field: Option<Field>) -> Result<Vec<(FV, Option<FV>)>, FilterError> {
        if self.peek() != Some(&Tok::LBrace) {
            return self.err("expected '{' after 'in'");
        }
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let col = self.peek_col();
            let lo = self.literal()?;
            let lo = Self::convert(lo, kind, field, col)?;
            let hi = if self.peek() == Some(&Tok::DotDot) {
                self.pos += 1;
                let col = self.peek_col();
                let hi = self.literal()?;
                Some(Self::convert(hi, kind, field, col)?)
            } else {
                None
            };
            out.push((lo, hi));
            match self.peek() {
                Some(Tok::Comma) => self.pos += 1,
                Some(Tok::RBrace) => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(Tok::Word(w)) => {
                    return self.err(format!("\"{w}\" was unexpected in this context (separate members with ',')"))
                }
                _ => return self.err("expected ',' or '}'"),
            }
        }
    }

    fn literal(&mut self) -> Result<Ent, FilterError> {
        let e = match self.peek().cloned() {
            Some(Tok::Word(w)) if Field::from_abbrev(&w).is_none() && proto(&w).is_none() => {
                Ent::Lit { text: w.into_bytes(), quoted: false, char: None }
            }
            Some(Tok::Word(w)) => return self.err(format!("\"{w}\" is a field: a set holds values")),
            Some(Tok::Str(s)) => Ent::Lit { text: s, quoted: true, char: None },
            Some(Tok::Char(c)) => Ent::Lit { text: Vec::new(), quoted: false, char: Some(c) },
            _ => return self.err("expected a value"),
        };
        self.pos += 1;
        Ok(e)
    }

    /// An atom, then `& mask`.
    fn entity(&mut self) -> Result<Ent, FilterError> {
        let col = self.peek_col();
        let e = self.atom()?;
        if self.peek() != Some(&Tok::BitAnd) {
            return Ok(e);
        }
        self.pos += 1;
        let mcol = self.peek_col();
        let mask = self.atom()?;
        let Ent::Expr(x, k @ (Kind::Int(_) | Kind::Bool)) = e else {
            return Self::err_at(col, "'&' needs an integer field on its left");
        };
        let FV::Int(m) = Self::convert(mask, Kind::Int(4), None, mcol)? else {
            unreachable!("integers convert to Int")
        };
        Ok(Ent::Expr(Expr::BitAnd(Box::new(x), m), k))
    }

    fn atom(&mut self) -> Result<Ent, FilterError> {
        let col = self.peek_col();
        let tok = self.peek().cloned();
        let e = match tok {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                Ent::Lit { text: s, quoted: true, char: None }
            }
            Some(Tok::Char(c)) => {
                self.pos += 1;
                Ent::Lit { text: Vec::new(), quoted: false, char: Some(c) }
            }
            Some(Tok::Word(w)) if matches!(self.toks.get(self.pos + 1), Some((Tok::Open, _))) => {
                let func = match w.as_str() {
                    "len" => Func::Len,
                    "count" => Func::Count,
                    "lower" => Func::Lower,
                    "upper" => Func::Upper,
                    _ => return self.err(format!("\"{w}\" is not a function synack knows (len, count, lower, upper)")),
                };
                self.pos += 2;
                let acol = self.peek_col();
                let arg = self.atom()?;
                if self.peek() != Some(&Tok::Close) {
                    return self.err("expected ')'");
                }
                self.pos += 1;
                let Ent::Expr(x, k) = arg else { return Self::err_at(acol, "a function takes a field") };
                let kind = match func {
                    Func::Len | Func::Count => Kind::Int(4),
                    Func::Lower | Func::Upper if k == Kind::Str => Kind::Str,
                    _ => return Self::err_at(acol, format!("{w}() takes a string field")),
                };
                if func == Func::Len && matches!(k, Kind::Label | Kind::Time) {
                    return Self::err_at(acol, format!("len() cannot measure a {}", k.name()));
                }
                Ent::Expr(Expr::Func(func, Box::new(x)), kind)
            }
            Some(Tok::Word(w)) => {
                self.pos += 1;
                let (expr, kind) = if let Some(f) = Field::from_abbrev(&w) {
                    (Expr::Field(f, None), Kind::of(f))
                } else if let Some(p) = proto(&w) {
                    (Expr::Proto(p, None), Kind::Bytes)
                } else {
                    if matches!(self.peek(), Some(Tok::Layer(_) | Tok::Slice(_))) {
                        return Self::err_at(col, unknown_name(&w));
                    }
                    return Ok(Ent::Lit { text: w.into_bytes(), quoted: false, char: None });
                };
                let mut expr = expr;
                let mut kind = kind;
                if let Some(Tok::Layer(n)) = self.peek().cloned() {
                    self.pos += 1;
                    expr = match expr {
                        Expr::Field(f, _) => Expr::Field(f, Some(n)),
                        Expr::Proto(p, _) => Expr::Proto(p, Some(n)),
                        x => x,
                    };
                }
                while let Some(Tok::Slice(r)) = self.peek().cloned() {
                    if matches!(expr, Expr::Proto(..)) {
                        return self.err("synack does not keep a protocol's bytes: slice one of its fields instead");
                    }
                    if !kind.sliceable() {
                        let size = match kind {
                            Kind::Int(n) => format!(" ({n} byte{})", if n == 1 { "" } else { "s" }),
                            _ => String::new(),
                        };
                        return Self::err_at(
                            col,
                            format!(
                                "\"{w}\" is a {}{size} and cannot be sliced into a sequence of bytes.",
                                kind.name()
                            ),
                        );
                    }
                    self.pos += 1;
                    expr = Expr::Slice(Box::new(expr), r);
                    kind = Kind::Bytes;
                }
                Ent::Expr(expr, kind)
            }
            None => return self.err("expected a field, 'not' or '('"),
            Some(_) => return self.err("expected a field, 'not' or '('"),
        };
        Ok(e)
    }
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

/// The protocol filter name of layer `l` of `pkt`, as tshark names it.
pub(crate) fn layer_name(pkt: &Packet<'_>, l: &Layer<'_>) -> &'static str {
    use dissector_core::Layer as L;
    match l {
        L::Ethernet(_) => "eth",
        L::Vlan(_) => "vlan",
        L::Sll(_) => "sll",
        L::Null(_) => "null",
        L::Ppp(_) => "ppp",
        L::Chdlc(_) => "chdlc",
        L::Nflog(_) => "nflog",
        L::Radiotap(_) => "radiotap",
        L::Wlan(_) => "wlan",
        L::Llc(_) => "llc",
        L::Mpls(_) => "mpls",
        L::Pppoe(x) if x.ppp_protocol.is_some() => "pppoes",
        L::Pppoe(_) => "pppoed",
        L::Ipv4(_) => "ip",
        L::Ipv6(_) => "ipv6",
        L::Icmp(i) if i.version == 6 => "icmpv6",
        L::Icmp(_) => "icmp",
        L::Gre(_) => "gre",
        L::Erspan(_) => "erspan",
        L::Vxlan(_) => "vxlan",
        L::Geneve(_) => "geneve",
        L::Teredo(_) => "teredo",
        L::Gtp(_) => "gtp",
        L::Tcp(_) => "tcp",
        L::Udp(_) => "udp",
        // DNS on UDP 5353 is mDNS, on 5355 LLMNR, as tshark names them (the lower DNS port decides).
        L::Dns(_) => match dissector_core::dissect::dns_port(pkt) {
            Some(5353) => "mdns",
            Some(5355) => "llmnr",
            _ => "dns",
        },
    }
}

/// Is `l` (a layer of `pkt`) a layer of protocol `p`?
fn layer_is(pkt: &Packet<'_>, l: &Layer<'_>, p: &str) -> bool {
    layer_name(pkt, l) == p
        || match l {
            // A session's payload is PPP's (tshark's PPP dissector reads its protocol field).
            Layer::Pppoe(x) => p == "ppp" && x.ppp_protocol.is_some(),
            // ERSPAN type I has no header of its own, but tshark names the protocol all the same.
            Layer::Gre(g) => p == "erspan" && g.proto == dissector_core::tunnel::ETHERTYPE_ERSPAN,
            _ => false,
        }
}

/// How many layers of protocol `p` (one of [`PROTOCOLS`]) `pkt` has.
fn proto_count(pkt: &Packet<'_>, p: &str, note: bool) -> usize {
    match p {
        "frame" => 1,
        // The plugin's tree is there for a note on what it did not decode, too.
        "synack" if note => 1,
        "synack" => {
            let mut v = Vec::new();
            values(pkt, Field::SynackSummary, &mut v);
            values(pkt, Field::SynackDnsSummary, &mut v);
            usize::from(!v.is_empty())
        }
        _ => pkt.layers.iter().filter(|l| layer_is(pkt, l, p)).count(),
    }
}

/// `field`'s values in `pkt`, or in the `n`-th layer of its protocol only.
fn field_values(pkt: &Packet<'_>, field: Field, layer: Option<u32>, out: &mut Vec<FV>) {
    let mut v = Vec::new();
    match layer {
        None => values(pkt, field, &mut v),
        Some(n) => {
            let p = field.info().abbrev.split('.').next().unwrap_or("");
            let Some(p) = proto(p) else {
                // Not a layer's field (frame.*, synack.*): it has one layer.
                if n == 1 {
                    values(pkt, field, &mut v);
                }
                out.extend(v.iter().map(FV::from_value));
                return;
            };
            let mut seen = 0;
            let mut only = pkt.clone();
            only.layers.retain(|l| {
                if !layer_is(pkt, l, p) {
                    return true;
                }
                seen += 1;
                seen == n as usize
            });
            if seen >= n as usize {
                values(&only, field, &mut v);
            }
            out.extend(v.iter().map(FV::from_value));
            return;
        }
    }
    out.extend(v.iter().map(FV::from_value));
}

fn slice(b: &[u8], ranges: &[Range]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let n = b.len() as i64;
    for r in ranges {
        let start = if r.start < 0 { n.saturating_add(r.start) } else { r.start };
        let end = match r.len {
            Some(l) => start.saturating_add(l),
            None => n,
        };
        if start < 0 || end > n || start > end {
            return None;
        }
        out.extend_from_slice(&b[start as usize..end as usize]);
    }
    Some(out)
}

fn eval(e: &Expr, pkt: &Packet<'_>, note: bool, out: &mut Vec<FV>) {
    match e {
        Expr::Field(f, layer) => field_values(pkt, *f, *layer, out),
        Expr::Proto(p, layer) => {
            if proto_count(pkt, p, note) >= layer.unwrap_or(1) as usize {
                out.push(FV::Bytes(Vec::new()));
            }
        }
        Expr::Const(v) => out.push(v.clone()),
        Expr::Slice(inner, ranges) => {
            let mut v = Vec::new();
            eval(inner, pkt, note, &mut v);
            out.extend(v.iter().filter_map(|x| slice(&x.bytes(), ranges)).map(FV::Bytes));
        }
        Expr::BitAnd(inner, m) => {
            let mut v = Vec::new();
            eval(inner, pkt, note, &mut v);
            out.extend(v.into_iter().map(|x| match x {
                FV::Int(i) => FV::Int(i & m),
                x => x,
            }));
        }
        Expr::Func(func, inner) => {
            let mut v = Vec::new();
            eval(inner, pkt, note, &mut v);
            match func {
                Func::Count => {
                    if !v.is_empty() {
                        out.push(FV::Int(v.len() as i128));
                    }
                }
                Func::Len => {
                    let width = match &**inner {
                        Expr::Field(f, _) => match Kind::of(*f) {
                            Kind::Int(n) => Some(n as i128),
                            Kind::Bool => Some(1),
                            _ => None,
                        },
                        _ => None,
                    };
                    out.extend(v.iter().map(|x| FV::Int(width.unwrap_or_else(|| x.bytes().len() as i128))));
                }
                Func::Lower | Func::Upper => out.extend(v.into_iter().map(|x| match x {
                    FV::Bytes(b) if *func == Func::Lower => FV::Bytes(b.to_ascii_lowercase()),
                    FV::Bytes(b) => FV::Bytes(b.to_ascii_uppercase()),
                    x => x,
                })),
            }
        }
    }
}

fn contains(hay: &FV, needle: &FV) -> bool {
    let (h, n) = (hay.bytes(), needle.bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w == n.as_slice())
}

impl Filter {
    /// Whether any field the filter reads satisfies `pred`.
    pub fn any_field(&self, pred: &impl Fn(Field) -> bool) -> bool {
        fn expr(e: &Expr, pred: &impl Fn(Field) -> bool) -> bool {
            match e {
                Expr::Field(f, _) => pred(*f),
                // Layers are there without the tracker; synack's own tree is its fields.
                Expr::Proto(p, _) => *p == "synack" && (pred(Field::SynackSummary) || pred(Field::SynackDnsSummary)),
                Expr::Slice(x, _) | Expr::Func(_, x) | Expr::BitAnd(x, _) => expr(x, pred),
                Expr::Const(_) => false,
            }
        }
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => a.any_field(pred) || b.any_field(pred),
            Filter::Not(a) => a.any_field(pred),
            Filter::Test(e) | Filter::Matches(e, _) | Filter::In(e, _) => expr(e, pred),
            Filter::Cmp(a, _, b) => expr(a, pred) || expr(b, pred),
        }
    }
}

/// Does `pkt` pass `f`? `note`: the frame is the first of an encapsulation synack does not
/// decode, where the plugin adds its tree with a note saying so.
pub fn matches(f: &Filter, pkt: &Packet<'_>, note: bool) -> bool {
    match f {
        Filter::And(a, b) => matches(a, pkt, note) && matches(b, pkt, note),
        Filter::Or(a, b) => matches(a, pkt, note) || matches(b, pkt, note),
        Filter::Not(a) => !matches(a, pkt, note),
        Filter::Test(e) => {
            let mut v = Vec::new();
            eval(e, pkt, note, &mut v);
            match e {
                Expr::BitAnd(..) => v.iter().any(|x| *x != FV::Int(0)),
                _ => !v.is_empty(),
            }
        }
        Filter::Matches(e, re) => {
            let mut v = Vec::new();
            eval(e, pkt, note, &mut v);
            v.iter().any(|x| re.is_match(&x.bytes()))
        }
        Filter::In(e, set) => {
            let mut v = Vec::new();
            eval(e, pkt, note, &mut v);
            v.iter().any(|x| {
                set.iter().any(|(lo, hi)| match hi {
                    None => x.equals(lo),
                    Some(hi) => x.order(lo).is_some_and(|o| o.is_ge()) && x.order(hi).is_some_and(|o| o.is_le()),
                })
            })
        }
        Filter::Cmp(a, rel, b) => {
            let (mut l, mut r) = (Vec::new(), Vec::new());
            eval(a, pkt, note, &mut l);
            eval(b, pkt, note, &mut r);
            let pairs = || l.iter().flat_map(|x| r.iter().map(move |y| (x, y)));
            let ord = |want: fn(std::cmp::Ordering) -> bool| pairs().any(|(x, y)| x.order(y).is_some_and(want));
            match rel {
                Rel::Eq => pairs().any(|(x, y)| x.equals(y)),
                Rel::Ne => !l.is_empty() && !r.is_empty() && pairs().all(|(x, y)| !x.equals(y)),
                Rel::AllEq => !l.is_empty() && !r.is_empty() && pairs().all(|(x, y)| x.equals(y)),
                Rel::AnyNe => pairs().any(|(x, y)| !x.equals(y)),
                Rel::Lt => ord(|o| o.is_lt()),
                Rel::Le => ord(|o| o.is_le()),
                Rel::Gt => ord(|o| o.is_gt()),
                Rel::Ge => ord(|o| o.is_ge()),
                Rel::Contains => pairs().any(|(x, y)| contains(x, y)),
                Rel::Matches => false,
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
        assert!(matches!(*right, Filter::Cmp(Expr::Field(Field::DnsQryName, None), Rel::Contains, Expr::Const(_))));
        assert!(parse("tcp.port eq 80 && !(synack.stage)").is_ok());
    }

    #[test]
    fn errors_point_at_the_column() {
        let e = parse("tcp.port == 80 and bogus.field").unwrap_err();
        assert_eq!(e.column, 20);
        assert!(e.message.contains("bogus.field") && e.message.contains("not a field synack knows"), "{e:?}");
        assert_eq!(parse("tcp.port ==").unwrap_err().column, 12);
        assert_eq!(parse("(tcp.port == 1").unwrap_err().message, "expected ')'");
        assert_eq!(parse("tcp.port == 1 tcp.port").unwrap_err().column, 15);
        assert_eq!(parse("dns.qry.name == \"open").unwrap_err().column, 17);
        let r = parse("tcp.port ==== 1").unwrap_err().render("tcp.port ==== 1");
        assert!(r.ends_with("\n  tcp.port ==== 1\n              ^"), "{r}");
    }

    #[test]
    fn what_tshark_knows_and_synack_does_not() {
        assert!(parse("http").unwrap_err().message.contains("protocol synack does not dissect"));
        assert!(parse("tcp.checksum == 0").unwrap_err().message.contains("field synack does not dissect"));
        assert!(parse("http.request.nonsense").unwrap_err().message.contains("belongs to http"));
        assert!(parse("tcp.nonsense").unwrap_err().message.contains("not a field synack knows"));
    }

    #[test]
    fn typed_literals_and_their_errors() {
        assert!(parse("ip.proto == UDP && dns.flags.rcode == \"no such name\" && tcp.flags.syn == set").is_ok());
        assert!(parse("tcp.port == \"80\"").unwrap_err().message.contains("cannot be converted from a string"));
        assert!(parse("tcp.flags[0] == 0").unwrap_err().message.contains("cannot be sliced"));
        assert!(parse("tcp.port in {80 443}").unwrap_err().message.contains("\"443\" was unexpected"));
        assert!(parse("tcp.analysis.flags == 1").unwrap_err().message.contains("cannot participate in =="));
        assert!(parse("synack.state.server == \"time-wait\"").is_ok());
    }
}

#[cfg(test)]
mod no_panic {
    /// Any text a user may type is an error or a filter, never a panic.
    #[test]
    fn random_text_parses_or_errs() {
        let parts = [
            "tcp",
            "ip.addr",
            "==",
            "!=",
            "===",
            "~",
            "&",
            "in",
            "{",
            "}",
            "..",
            ",",
            "[",
            "]",
            ":",
            "-1",
            "0x",
            "\"",
            "\\x",
            "\\7",
            "'",
            "r\"",
            "(",
            ")",
            "#2",
            "len(",
            "not",
            "&&",
            "eth.src",
            "ff:ff",
            "10.0.0.0/8",
            "::1",
            "1.5",
            " ",
            "dns.qry.name",
            "\"a\"",
            "count(",
            "5",
            "[0:3]",
            "[-1]",
            "[1-2]",
            "frame",
            "é",
        ];
        let mut seed: u64 = 0x5eed;
        for _ in 0..50_000 {
            let mut s = String::new();
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            for k in 0..(seed >> 60) + 1 {
                let r = (seed.rotate_left(7 * k as u32 + 3) >> 16) as usize % parts.len();
                s.push_str(parts[r]);
            }
            let _ = super::parse(&s);
        }
    }
}

#[cfg(test)]
mod extreme_slices {
    #[test]
    fn slices_past_any_end_select_nothing() {
        for f in [
            "eth.src[9223372036854775807:9223372036854775807] == 00",
            "eth.src[-9223372036854775807] == 00",
            "eth.src[-9223372036854775808-9223372036854775807] == 00",
            "dns.qry.name[0:] == \"\"",
        ] {
            if let Ok(filter) = super::parse(f) {
                let pkt = dissector_core::Packet {
                    meta: dissector_core::FrameMeta { number: 1, ts_ns: 0, caplen: 0, len: 0, linktype: 1 },
                    rel_ns: 0,
                    layers: vec![dissector_core::Layer::Ethernet(dissector_core::link::Ethernet {
                        dst: [0; 6],
                        src: [0; 6],
                        ethertype: 0x0800,
                    })],
                    anomalies: Vec::new(),
                    evicted: 0,
                    track: None,
                    analysis: None,
                    reassembled: None,
                };
                let _ = super::matches(&filter, &pkt, false);
            }
        }
    }
}

//! Typed values a filter compares, and how a literal becomes one for a given field, with
//! tshark 4.0's rules and messages.

use std::cmp::Ordering;

use dissector_core::fields::{Field, FieldType, Value};

/// What kind of value a field or an expression holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An integer of this many bytes (len() of it).
    Int(u8),
    /// A boolean.
    Bool,
    /// Text.
    Str,
    /// A byte string (bytes, slices, protocol items).
    Bytes,
    /// A MAC address.
    Ether,
    /// An IPv4 address.
    Ip4,
    /// An IPv6 address.
    Ip6,
    /// A time (relative or absolute), in nanoseconds.
    Time,
    /// A label: present or not, never compared.
    Label,
}

impl Kind {
    /// The kind of a field's values.
    pub fn of(field: Field) -> Kind {
        match field.info().ftype {
            FieldType::U8 => Kind::Int(1),
            FieldType::U16 => Kind::Int(2),
            FieldType::U24 => Kind::Int(3),
            FieldType::U32 | FieldType::I32 | FieldType::FrameNum => Kind::Int(4),
            FieldType::Bool => Kind::Bool,
            FieldType::Str => Kind::Str,
            FieldType::Ipv4 => Kind::Ip4,
            FieldType::Ipv6 => Kind::Ip6,
            FieldType::Ether => Kind::Ether,
            FieldType::Bytes | FieldType::Protocol => Kind::Bytes,
            FieldType::RelTime | FieldType::AbsTime => Kind::Time,
            FieldType::None => Kind::Label,
        }
    }

    /// tshark's name of the type, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Int(_) => "Unsigned integer",
            Kind::Bool => "Boolean",
            Kind::Str => "Character string",
            Kind::Bytes => "Sequence of bytes",
            Kind::Ether => "Ethernet or other MAC address",
            Kind::Ip4 => "IPv4 address",
            Kind::Ip6 => "IPv6 address",
            Kind::Time => "Time",
            Kind::Label => "Label",
        }
    }

    /// Whether values of this kind can be sliced into bytes.
    pub fn sliceable(self) -> bool {
        matches!(self, Kind::Str | Kind::Bytes | Kind::Ether | Kind::Ip4 | Kind::Ip6)
    }

    /// Whether two kinds can be compared with each other.
    pub fn compatible(self, other: Kind) -> bool {
        let bytes = |k: Kind| matches!(k, Kind::Bytes | Kind::Ether | Kind::Str);
        self == other
            || matches!(
                (self, other),
                (Kind::Int(_), Kind::Int(_)) | (Kind::Int(_), Kind::Bool) | (Kind::Bool, Kind::Int(_))
            )
            || (bytes(self) && bytes(other))
    }
}

/// One value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FV {
    /// Integers and booleans (0 or 1).
    Int(i128),
    /// Text, bytes and MAC addresses.
    Bytes(Vec<u8>),
    /// An IPv4 address and its prefix length (32 for an address).
    Ip4(u32, u8),
    /// An IPv6 address and its prefix length.
    Ip6(u128, u8),
    /// Nanoseconds.
    Time(i128),
}

impl FV {
    /// A field's value as the filter sees it.
    pub fn from_value(v: &Value<'_>) -> FV {
        match v {
            Value::U(u) => FV::Int(*u as i128),
            Value::Hex16(u) => FV::Int(*u as i128),
            Value::I(i) => FV::Int(*i as i128),
            Value::Bool(b) => FV::Int(*b as i128),
            Value::Str(s) => FV::Bytes(s.as_bytes().to_vec()),
            Value::String(s) => FV::Bytes(s.as_bytes().to_vec()),
            Value::Ipv4(a) => FV::Ip4(u32::from_be_bytes(*a), 32),
            Value::Ipv6(a) => FV::Ip6(u128::from_be_bytes(*a), 128),
            Value::Ether(a) => FV::Bytes(a.to_vec()),
            Value::Bytes(b) => FV::Bytes(b.to_vec()),
            Value::Time(ns) => FV::Time(*ns),
        }
    }

    /// The value's bytes, for slices and len().
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            FV::Bytes(b) => b.clone(),
            FV::Ip4(a, _) => a.to_be_bytes().to_vec(),
            FV::Ip6(a, _) => a.to_be_bytes().to_vec(),
            FV::Int(i) => i.to_be_bytes().to_vec(),
            FV::Time(t) => t.to_be_bytes().to_vec(),
        }
    }

    /// Equality; addresses compare under the shorter of the two prefixes (`ip.addr ==
    /// 10.0.0.0/8`).
    pub fn equals(&self, other: &FV) -> bool {
        match (self, other) {
            (FV::Ip4(a, m), FV::Ip4(b, n)) => {
                let bits = (*m).min(*n) as u32;
                let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
                a & mask == b & mask
            }
            (FV::Ip6(a, m), FV::Ip6(b, n)) => {
                let bits = (*m).min(*n) as u32;
                let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
                a & mask == b & mask
            }
            _ => self == other,
        }
    }

    /// Order, for `<` and friends.
    pub fn order(&self, other: &FV) -> Option<Ordering> {
        match (self, other) {
            (FV::Int(a), FV::Int(b)) | (FV::Time(a), FV::Time(b)) => Some(a.cmp(b)),
            (FV::Bytes(a), FV::Bytes(b)) => Some(a.cmp(b)),
            (FV::Ip4(a, _), FV::Ip4(b, _)) => Some(a.cmp(b)),
            (FV::Ip6(a, _), FV::Ip6(b, _)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// An integer literal as C's strtol reads it with base 0: `0x1f`, `017` (octal), `42`, `-3`.
pub fn parse_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i128::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Seconds with an optional fraction (`1.5`, `-0.25`) as nanoseconds.
fn parse_seconds(s: &str) -> Option<i128> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut ns: i128 = 0;
    for (i, d) in frac.chars().take(9).enumerate() {
        ns += (d as i128 - '0' as i128) * 10i128.pow(8 - i as u32);
    }
    let v = whole.checked_mul(1_000_000_000)?.checked_add(ns)?;
    Some(if neg { -v } else { v })
}

/// A byte string: hex bytes separated by `:`, `-` or `.` (`00:1b:44`, `0`), or digits in pairs
/// (`001b44`); a single number that fits a byte (`0x06`) is that byte.
pub fn parse_bytes(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() {
        return None;
    }
    if s.contains([':', '-', '.']) {
        let mut out = Vec::new();
        for part in s.split([':', '-', '.']) {
            if part.is_empty() || part.len() > 2 {
                return None;
            }
            out.push(u8::from_str_radix(part, 16).ok()?);
        }
        return Some(out);
    }
    if s.chars().all(|c| c.is_ascii_hexdigit()) {
        let b = s.as_bytes();
        return b.chunks(2).map(|c| u8::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok()).collect();
    }
    parse_int(s).and_then(|v| u8::try_from(v).ok()).map(|b| vec![b])
}

/// A MAC address: `00:1b:44:11:3a:b7`, `00-1b-...`, or `001b.4411.3ab7`.
fn parse_ether(s: &str) -> Option<Vec<u8>> {
    let groups: Vec<&str> = s.split('.').collect();
    if groups.len() == 3 && groups.iter().all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_hexdigit())) {
        return parse_bytes(&groups.concat());
    }
    parse_bytes(s).filter(|b| b.len() == 6)
}

fn prefix(s: &str, max: u8) -> Option<(&str, u8)> {
    match s.split_once('/') {
        Some((a, p)) => p.parse::<u8>().ok().filter(|&p| p <= max).map(|p| (a, p)),
        None => Some((s, max)),
    }
}

/// What a literal or string may stand for: its text, whether it was quoted, and the value
/// names of the field it is compared with.
pub struct Literal<'a> {
    /// The text (a quoted string's bytes).
    pub text: &'a [u8],
    /// Quoted (`"..."`) rather than a bare word.
    pub quoted: bool,
    /// A character constant.
    pub char: Option<u32>,
}

/// Convert a literal for comparison with values of `kind`; `names` are the field's value names
/// (number range and name), `field` names it in messages. The message says why not, as
/// tshark's.
pub fn convert(lit: &Literal<'_>, kind: Kind, names: &[(i128, i128, &str)], field: &str) -> Result<FV, String> {
    let text = String::from_utf8_lossy(lit.text);
    let t = text.as_ref();
    if let Some(c) = lit.char {
        return match kind {
            Kind::Int(_) | Kind::Bool => Ok(FV::Int(c as i128)),
            Kind::Bytes | Kind::Str | Kind::Ether => Ok(FV::Bytes(vec![c as u8])),
            _ => Err(format!("{} cannot be converted from a character constant.", kind.name())),
        };
    }
    let by_name = || names.iter().find(|(_, _, n)| n.eq_ignore_ascii_case(t)).map(|(lo, _, _)| FV::Int(*lo));
    let not_found = || format!("\"{t}\" cannot be found among the possible values for {field}.");
    let from_string = || format!("{} cannot be converted from a string (\"{t}\").", kind.name());
    match kind {
        Kind::Label => Err(format!("{field} (type=Label) cannot be compared with a value.")),
        Kind::Int(_) if lit.quoted => {
            by_name().ok_or_else(|| if names.is_empty() { from_string() } else { not_found() })
        }
        Kind::Int(_) => parse_int(t).map(FV::Int).or_else(by_name).ok_or_else(|| {
            if names.is_empty() {
                format!("\"{t}\" is not a valid number.")
            } else {
                not_found()
            }
        }),
        Kind::Bool if lit.quoted => by_name().ok_or_else(not_found),
        Kind::Bool => parse_int(t)
            .map(|v| FV::Int((v != 0) as i128))
            .or(match t {
                "True" | "TRUE" => Some(FV::Int(1)),
                "False" | "FALSE" => Some(FV::Int(0)),
                _ => None,
            })
            .or_else(by_name)
            .ok_or_else(not_found),
        Kind::Str => Ok(FV::Bytes(lit.text.to_vec())),
        Kind::Bytes if lit.quoted => Ok(FV::Bytes(lit.text.to_vec())),
        Kind::Bytes => parse_bytes(t).map(FV::Bytes).ok_or_else(|| format!("\"{t}\" is not a valid byte string.")),
        Kind::Ether if lit.quoted => Err(from_string()),
        Kind::Ether => parse_ether(t).map(FV::Bytes).ok_or_else(|| format!("\"{t}\" is not a valid hardware address.")),
        Kind::Ip4 if lit.quoted => Err(from_string()),
        Kind::Ip4 => prefix(t, 32)
            .and_then(|(a, p)| a.parse::<std::net::Ipv4Addr>().ok().map(|a| FV::Ip4(u32::from(a), p)))
            .ok_or_else(|| format!("\"{t}\" is not a valid IPv4 address (synack does not resolve host names).")),
        Kind::Ip6 if lit.quoted => Err(from_string()),
        Kind::Ip6 => prefix(t, 128)
            .and_then(|(a, p)| a.parse::<std::net::Ipv6Addr>().ok().map(|a| FV::Ip6(u128::from(a), p)))
            .ok_or_else(|| format!("\"{t}\" is not a valid IPv6 address (synack does not resolve host names).")),
        Kind::Time if lit.quoted => Err(from_string()),
        Kind::Time => parse_seconds(t).map(FV::Time).ok_or_else(|| format!("\"{t}\" is not a valid time in seconds.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_as_tshark_reads_them() {
        assert_eq!(parse_int("0x50"), Some(80));
        assert_eq!(parse_int("0120"), Some(80));
        assert_eq!(parse_int("-1"), Some(-1));
        assert_eq!(parse_bytes("0"), Some(vec![0]));
        assert_eq!(parse_bytes("0x06"), Some(vec![6]));
        assert_eq!(parse_bytes("7f"), Some(vec![0x7f]));
        assert_eq!(parse_bytes("127"), Some(vec![0x12, 0x7]));
        assert_eq!(parse_ether("ffff.ffff.ffff"), Some(vec![0xff; 6]));
        assert_eq!(parse_seconds("1.5"), Some(1_500_000_000));
        assert_eq!(parse_seconds("-0.000000001"), Some(-1));
        assert!(FV::Ip4(0x0a000001, 32).equals(&FV::Ip4(0x0a000000, 8)));
        assert!(!FV::Ip4(0x0b000001, 32).equals(&FV::Ip4(0x0a000000, 8)));
    }
}

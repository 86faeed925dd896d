//! Writing a value as tshark 4.0 prints it in `-T fields` output.

use core::fmt::Write;

use super::{Base, FieldInfo, FieldType, Value};
use crate::format;

/// Write one value as tshark 4.0 prints it in `-T fields` output.
pub fn write_value(out: &mut String, info: &FieldInfo, v: &Value<'_>) {
    match v {
        Value::U(n) => match info.base {
            Base::Hex => {
                let _ = match info.ftype {
                    FieldType::U8 => write!(out, "0x{n:02x}"),
                    FieldType::U16 => write!(out, "0x{n:04x}"),
                    FieldType::U24 => write!(out, "0x{n:06x}"),
                    _ => write!(out, "0x{n:08x}"),
                };
            }
            _ => format::push_decimal(out, *n),
        },
        Value::Hex16(n) => {
            let _ = write!(out, "0x{n:04x}");
        }
        Value::I(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Bool(b) => out.push(if *b { '1' } else { '0' }),
        Value::Str(s) => push_escaped_nul(out, s),
        Value::String(s) => push_escaped_nul(out, s),
        Value::Ipv4(a) => out.push_str(&format::ipv4(a)),
        Value::Ipv6(a) => out.push_str(&format::ipv6(a)),
        Value::Ether(a) => out.push_str(&format::ether(a)),
        Value::Bytes(b) => out.push_str(&format::hex(b)),
        Value::Time(ns) => format::push_seconds_ns(out, *ns),
    }
}

/// tshark shows a NUL inside a string as `\0`.
fn push_escaped_nul(out: &mut String, s: &str) {
    if !s.contains('\0') {
        return out.push_str(s);
    }
    for c in s.chars() {
        if c == '\0' {
            out.push_str("\\0");
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::Field;

    #[test]
    fn hex_width_follows_type() {
        let mut s = String::new();
        write_value(&mut s, Field::DnsId.info(), &Value::U(0x2e7));
        s.push(' ');
        write_value(&mut s, Field::TcpFlags.info(), &Value::U(0x12));
        assert_eq!(s, "0x02e7 0x0012");
    }
}

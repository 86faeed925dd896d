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
            _ => push_decimal(out, *n),
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
        Value::Time(ns) => push_seconds_ns(out, *ns),
    }
}

/// [`format::seconds_ns`] without the formatting machinery (a time is the costliest value
/// printed otherwise: a 128-bit division and a new string each).
fn push_seconds_ns(out: &mut String, ns: i128) {
    let a = ns.unsigned_abs();
    let Ok(a) = u64::try_from(a) else { return out.push_str(&format::seconds_ns(ns)) };
    if ns < 0 {
        out.push('-');
    }
    push_decimal(out, a / 1_000_000_000);
    let mut frac = *b".000000000";
    let mut f = a % 1_000_000_000;
    for d in frac[1..].iter_mut().rev() {
        *d = b'0' + (f % 10) as u8;
        f /= 10;
    }
    // Only ASCII was written.
    out.push_str(std::str::from_utf8(&frac).unwrap_or_default());
}

/// "00" to "99": two digits per division.
const PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Decimal digits without the formatting machinery (most values printed are integers), two at
/// a time and written as one string.
fn push_decimal(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    while n >= 100 {
        let d = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[d..d + 2]);
    }
    if n >= 10 {
        let d = n as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[d..d + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
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

    #[test]
    fn decimals_read_as_rust_prints_them() {
        let mut edges = vec![0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65_535, 4_294_967_295, u64::MAX];
        edges.extend((0..19).map(|k| 10u64.pow(k) - 1).chain((0..20).map(|k| 10u64.pow(k))));
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            edges.push(x >> (x % 64));
        }
        for n in edges {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    #[test]
    fn times_read_as_the_formatted_seconds() {
        let mut times: Vec<i128> =
            vec![0, 1, -1, 999_999_999, 1_000_000_000, -1_000_000_001, 1_795_701_824_725_511_000];
        times.extend([i128::from(u64::MAX), i128::from(u64::MAX) + 1, -i128::from(u64::MAX) - 1, i128::MAX, i128::MIN]);
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = i128::from(x >> (x % 64));
            times.extend([v, -v]);
        }
        for ns in times {
            let mut s = String::from("x");
            push_seconds_ns(&mut s, ns);
            assert_eq!(s, format!("x{}", format::seconds_ns(ns)), "{ns}");
        }
    }
}

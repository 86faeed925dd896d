//! Text formatting shared by the CLI and the plugin, matching Wireshark's conventions.

use core::fmt::Write;

/// Show bytes from the wire as text the way Wireshark 4.0's `format_text` does: printable
/// ASCII as itself, ASCII controls as C escapes (`\n`, `\t`, `\001`); above ASCII, each UTF-8
/// sequence is decoded leniently (an overlong form gives its code point), shown as itself when
/// GLib calls it printable and as `\uXXXX` / `\UXXXXXXXX` when not; a sequence that breaks off,
/// a stray byte, a surrogate or a value past U+10FFFF shows as one U+FFFD.
pub fn format_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    write_text(&mut out, bytes);
    out
}

/// [`format_text`] into `out`.
pub fn write_text(out: &mut impl Write, bytes: &[u8]) {
    // Most text is printable ASCII, which is kept as it is.
    if bytes.iter().all(|b| matches!(b, b' '..=b'~')) {
        // Only ASCII was checked for.
        let _ = out.write_str(core::str::from_utf8(bytes).unwrap_or_default());
        return;
    }
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            let _ = match b {
                b' '..=b'~' => out.write_char(char::from(b)),
                0x07 => out.write_str("\\a"),
                0x08 => out.write_str("\\b"),
                0x0c => out.write_str("\\f"),
                b'\n' => out.write_str("\\n"),
                b'\r' => out.write_str("\\r"),
                b'\t' => out.write_str("\\t"),
                0x0b => out.write_str("\\v"),
                _ => write!(out, "\\{b:03o}"),
            };
            i += 1;
            continue;
        }
        // The sequence length its lead byte announces (the pre-2003 UTF-8 allowed 5 and 6).
        let (len, lead_bits) = match b {
            0xc0..=0xdf => (2, b & 0x1f),
            0xe0..=0xef => (3, b & 0x0f),
            0xf0..=0xf7 => (4, b & 0x07),
            0xf8..=0xfb => (5, b & 0x03),
            0xfc..=0xfd => (6, b & 0x01),
            _ => (1, 0),
        };
        let mut cp = u32::from(lead_bits);
        let mut n = 1;
        while n < len {
            match bytes.get(i + n) {
                Some(&c) if c & 0xc0 == 0x80 => cp = cp << 6 | u32::from(c & 0x3f),
                _ => break,
            }
            n += 1;
        }
        i += n;
        let _ = match char::from_u32(cp).filter(|_| n == len && len > 1) {
            None => out.write_char('\u{fffd}'),
            Some(c) if printable(cp) => out.write_char(c),
            Some(_) if cp < 0x10000 => write!(out, "\\u{cp:04X}"),
            Some(_) => write!(out, "\\U{cp:08X}"),
        };
    }
}

/// GLib's `g_unichar_isprint` for any code point (ASCII controls are handled before).
fn printable(cp: u32) -> bool {
    if cp < 0x20 || cp == 0x7f {
        return false;
    }
    if cp < 0x80 {
        return true;
    }
    let r = &crate::unprintable::RANGES;
    // The first range ending at or after `cp` holds it if it starts at or before it.
    let at = r.partition_point(|&(_, hi)| hi < cp);
    r.get(at).is_none_or(|&(lo, _)| lo > cp)
}

/// Format bytes as lowercase hex without separators.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Format an IPv4 address.
pub fn ipv4(a: &[u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// Format an IPv6 address in RFC 5952 form.
pub fn ipv6(a: &[u8; 16]) -> String {
    std::net::Ipv6Addr::from(*a).to_string()
}

/// Format a MAC address as tshark's -T fields does (`00:11:22:33:44:55`).
pub fn ether(a: &[u8; 6]) -> String {
    format!("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", a[0], a[1], a[2], a[3], a[4], a[5])
}

/// Format a signed nanosecond count as seconds with nine decimals (`-0.000001000`).
pub fn seconds_ns(ns: i128) -> String {
    let mut s = String::with_capacity(24);
    push_seconds_ns(&mut s, ns);
    s
}

/// [`seconds_ns`] appended to `out`, without the formatting machinery (a time is the costliest
/// value printed otherwise: a 128-bit division and a new string each).
pub fn push_seconds_ns(out: &mut String, ns: i128) {
    let a = ns.unsigned_abs();
    if ns < 0 {
        out.push('-');
    }
    let Ok(a) = u64::try_from(a) else {
        // Past 584 years from the epoch: only a damaged timestamp gets here.
        let _ = write!(out, "{}.{:09}", a / 1_000_000_000, a % 1_000_000_000);
        return;
    };
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

/// Decimal digits appended without the formatting machinery (most values printed are
/// integers), two at a time and written as one string.
pub fn push_decimal(out: &mut String, mut n: u64) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_text_escapes_like_wireshark() {
        assert_eq!(format_text(b"www.example.com"), "www.example.com");
        assert_eq!(format_text(b"a\x01b\tc"), "a\\001b\\tc");
        assert_eq!(format_text(b"caf\xc3\xa9"), "café");
        // Past ASCII: one U+FFFD per stray byte or broken-off sequence, overlong forms decoded,
        // unprintable code points escaped.
        assert_eq!(format_text(b"x\xffy"), "x\u{fffd}y");
        assert_eq!(format_text(b"\xe2\x80z\x80\x80"), "\u{fffd}z\u{fffd}\u{fffd}");
        assert_eq!(format_text(b"\xc0\xaf\xc0\x80"), "/\\u0000");
        assert_eq!(format_text(b"\xe2\x80\x8b\xf3\xa0\x80\x81\xee\x80\x80"), "\\u200B\\U000E0001\u{e000}");
        assert_eq!(format_text(b"\xed\xa0\x80\xf4\x90\x80\x80\xfc\x84\x80\x80\x80\x80"), "\u{fffd}\u{fffd}\u{fffd}");
    }

    #[test]
    fn time_formatting() {
        assert_eq!(seconds_ns(17_000), "0.000017000");
        assert_eq!(seconds_ns(-1_000), "-0.000001000");
        assert_eq!(seconds_ns(1_795_697_951_067_153_000), "1795697951.067153000");
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
    fn times_read_as_the_formatting_machinery_prints_them() {
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
            let sign = if ns < 0 { "-" } else { "" };
            let a = ns.unsigned_abs();
            let want = format!("x{sign}{}.{:09}", a / 1_000_000_000, a % 1_000_000_000);
            let mut s = String::from("x");
            push_seconds_ns(&mut s, ns);
            assert_eq!(s, want, "{ns}");
            assert_eq!(format!("x{}", seconds_ns(ns)), want, "{ns}");
        }
    }
}

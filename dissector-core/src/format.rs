//! Text formatting shared by the CLI and the plugin, matching Wireshark's conventions.

use core::fmt::Write;

/// Show bytes from the wire as text the way Wireshark's `format_text` does: printable ASCII as
/// itself, control characters as C escapes (`\n`, `\t`, `\001`), valid printable UTF-8 as
/// itself, non-printable code points as `\uXXXX`, and invalid UTF-8 bytes as `\xNN`.
pub fn format_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    write_text(&mut out, bytes);
    out
}

/// [`format_text`] into `out`.
pub fn write_text(out: &mut impl Write, bytes: &[u8]) {
    let mut rest = bytes;
    while !rest.is_empty() {
        match core::str::from_utf8(rest) {
            Ok(s) => {
                push_valid(out, s);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                // valid_up_to guarantees `good` is UTF-8.
                push_valid(out, core::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(bad.len()).max(1).min(bad.len());
                for b in &bad[..n] {
                    let _ = write!(out, "\\x{b:02x}");
                }
                rest = &bad[n..];
            }
        }
    }
}

fn push_valid(out: &mut impl Write, s: &str) {
    // Most text is printable ASCII, which is kept as it is.
    if s.bytes().all(|b| matches!(b, b' '..=b'~')) {
        let _ = out.write_str(s);
        return;
    }
    for c in s.chars() {
        let _ = match c {
            ' '..='~' => out.write_char(c),
            '\u{7}' => out.write_str("\\a"),
            '\u{8}' => out.write_str("\\b"),
            '\u{c}' => out.write_str("\\f"),
            '\n' => out.write_str("\\n"),
            '\r' => out.write_str("\\r"),
            '\t' => out.write_str("\\t"),
            '\u{b}' => out.write_str("\\v"),
            c if (c as u32) < 0x80 => write!(out, "\\{:03o}", c as u32),
            c if c.is_control() => write!(out, "\\u{:04x}", c as u32),
            c => out.write_char(c),
        };
    }
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
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    format!("{sign}{}.{:09}", a / 1_000_000_000, a % 1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_text_escapes_like_wireshark() {
        assert_eq!(format_text(b"www.example.com"), "www.example.com");
        assert_eq!(format_text(b"a\x01b\tc"), "a\\001b\\tc");
        assert_eq!(format_text(b"caf\xc3\xa9"), "café");
        assert_eq!(format_text(b"x\xffy"), "x\\xffy");
    }

    #[test]
    fn time_formatting() {
        assert_eq!(seconds_ns(17_000), "0.000017000");
        assert_eq!(seconds_ns(-1_000), "-0.000001000");
        assert_eq!(seconds_ns(1_795_697_951_067_153_000), "1795697951.067153000");
    }
}

//! TCP options (RFC 9293 §3.2): EOL, NOP, MSS (RFC 6691), Window Scale and Timestamps
//! (RFC 7323), SACK-Permitted and SACK (RFC 2018), TCP Fast Open (RFC 7413), MPTCP (RFC 8684),
//! and unknown kinds kept raw.
//!
//! RFC 9293 §3.2: every option but EOL (0) and NOP (1) is kind, length, data, where the length
//! counts the kind and length octets. A length that is too short or runs past the options area
//! ends parsing with an [`OptionProblem`]; a length that is wrong for a known kind keeps the
//! option as [`TcpOption::BadLength`].

use core::fmt::Write;

/// Option kinds.
pub mod kind {
    /// End of option list.
    pub const EOL: u8 = 0;
    /// No-operation.
    pub const NOP: u8 = 1;
    /// Maximum segment size.
    pub const MSS: u8 = 2;
    /// Window scale.
    pub const WS: u8 = 3;
    /// SACK permitted.
    pub const SACK_PERM: u8 = 4;
    /// SACK.
    pub const SACK: u8 = 5;
    /// Timestamps.
    pub const TIMESTAMP: u8 = 8;
    /// Multipath TCP.
    pub const MPTCP: u8 = 30;
    /// TCP Fast Open cookie.
    pub const TFO: u8 = 34;
    /// Experimental option (RFC 6994); TFO used 254 with magic 0xF989 before kind 34.
    pub const EXP_254: u8 = 254;
}

/// A decoded option value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpOption<'a> {
    /// End of option list.
    Eol,
    /// No-operation (padding).
    Nop,
    /// Maximum segment size.
    Mss(u16),
    /// Window scale shift count as sent (may exceed 14; see [`TcpOption::ws_shift`]).
    WindowScale(u8),
    /// SACK permitted.
    SackPermitted,
    /// SACK blocks, 8 bytes each (left edge, right edge); trailing bytes that do not make a
    /// whole block are kept in the slice and flagged by [`TcpOption::sack_blocks`].
    Sack(&'a [u8]),
    /// Timestamps.
    Timestamps {
        /// TSval.
        tsval: u32,
        /// TSecr.
        tsecr: u32,
    },
    /// TCP Fast Open; an empty cookie is a cookie request.
    FastOpen(&'a [u8]),
    /// Multipath TCP, with its subtype (high nibble of the first data byte).
    Mptcp {
        /// MPTCP option subtype.
        subtype: u8,
        /// Data after kind and length.
        data: &'a [u8],
    },
    /// A kind synack does not decode.
    Unknown {
        /// Option kind.
        kind: u8,
        /// Data after kind and length.
        data: &'a [u8],
    },
    /// A known kind whose length is wrong for it; kept, not decoded.
    BadLength {
        /// Option kind.
        kind: u8,
        /// Data after kind and length.
        data: &'a [u8],
    },
}

impl TcpOption<'_> {
    /// The option's kind octet.
    pub fn kind(&self) -> u8 {
        match self {
            TcpOption::Eol => kind::EOL,
            TcpOption::Nop => kind::NOP,
            TcpOption::Mss(_) => kind::MSS,
            TcpOption::WindowScale(_) => kind::WS,
            TcpOption::SackPermitted => kind::SACK_PERM,
            TcpOption::Sack(_) => kind::SACK,
            TcpOption::Timestamps { .. } => kind::TIMESTAMP,
            TcpOption::FastOpen(_) => kind::TFO,
            TcpOption::Mptcp { .. } => kind::MPTCP,
            TcpOption::Unknown { kind, .. } | TcpOption::BadLength { kind, .. } => *kind,
        }
    }

    /// Append the option's wire form (kind, length, data; one octet for EOL and NOP). Data
    /// longer than 253 bytes cannot be expressed and is cut.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let data: Vec<u8> = match self {
            TcpOption::Eol | TcpOption::Nop => return out.push(self.kind()),
            TcpOption::Mss(v) => v.to_be_bytes().to_vec(),
            TcpOption::WindowScale(s) => vec![*s],
            TcpOption::SackPermitted => Vec::new(),
            TcpOption::Timestamps { tsval, tsecr } => [tsval.to_be_bytes(), tsecr.to_be_bytes()].concat(),
            TcpOption::Sack(d) | TcpOption::FastOpen(d) => d.to_vec(),
            TcpOption::Mptcp { data, .. } | TcpOption::Unknown { data, .. } | TcpOption::BadLength { data, .. } => {
                data.to_vec()
            }
        };
        let n = data.len().min(253);
        out.push(self.kind());
        out.push(n as u8 + 2);
        out.extend_from_slice(&data[..n]);
    }

    /// The effective window-scale shift: RFC 7323 §2.3 says a shift above 14 is used as 14.
    pub fn ws_shift(shift: u8) -> u8 {
        shift.min(14)
    }

    /// Iterate SACK blocks as (left, right) raw sequence numbers.
    pub fn sack_blocks(data: &[u8]) -> impl Iterator<Item = (u32, u32)> + '_ {
        data.chunks_exact(8)
            .map(|c| (u32::from_be_bytes([c[0], c[1], c[2], c[3]]), u32::from_be_bytes([c[4], c[5], c[6], c[7]])))
    }
}

/// One option as it appears on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionEntry<'a> {
    /// Option kind.
    pub kind: u8,
    /// Length octet (None for EOL and NOP).
    pub len: Option<u8>,
    /// Offset of the option within the options area.
    pub offset: usize,
    /// All bytes of the option, kind and length included.
    pub raw: &'a [u8],
    /// Decoded value.
    pub value: TcpOption<'a>,
}

/// Why option parsing stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OptionProblem {
    /// A kind byte with no room for its length byte.
    LengthPastEnd {
        /// Option kind.
        kind: u8,
    },
    /// A length below 2.
    LengthTooShort {
        /// Option kind.
        kind: u8,
        /// The length octet.
        len: u8,
    },
    /// A length that runs past the end of the options area.
    RunsPastEnd {
        /// Option kind.
        kind: u8,
        /// The length octet.
        len: u8,
    },
    /// Non-zero bytes after EOL (RFC 9293 §3.2: padding after EOL is zero).
    DataAfterEol,
    /// The capture ends inside the options area.
    Truncated,
}

impl core::fmt::Display for OptionProblem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            OptionProblem::LengthPastEnd { kind } => write!(f, "option kind {kind} has no room for its length"),
            OptionProblem::LengthTooShort { kind, len } => write!(f, "option kind {kind} has length {len}, below 2"),
            OptionProblem::RunsPastEnd { kind, len } => {
                write!(f, "option kind {kind} of length {len} runs past the end of the options")
            }
            OptionProblem::DataAfterEol => f.write_str("non-zero bytes after the end-of-options list"),
            OptionProblem::Truncated => f.write_str("options cut short by the capture"),
        }
    }
}

impl std::error::Error for OptionProblem {}

/// The parsed options area of one segment: the bytes of its whole options, read again into
/// [`OptionEntry`]s when asked, so that a segment costs no allocation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TcpOptions<'a> {
    /// The options area up to where parsing stopped: whole options only.
    whole: &'a [u8],
    /// The kinds among them, one bit each ([`kind_bit`]), to skip a walk for a kind not there.
    kinds: u64,
    /// Set when parsing stopped before the end of the area.
    pub problem: Option<OptionProblem>,
}

impl<'a> TcpOptions<'a> {
    /// Options in wire order.
    pub fn entries(&self) -> Entries<'a> {
        Entries { area: self.whole, off: 0, only: None }
    }
    /// The options of one kind, in wire order (the others are skipped, not decoded).
    pub fn of_kind(&self, kind: u8) -> Entries<'a> {
        let area = if self.kinds & kind_bit(kind) != 0 { self.whole } else { &[] };
        Entries { area, off: 0, only: Some(kind) }
    }
    /// No option was read (an empty area, or parsing stopped at the first).
    pub fn is_empty(&self) -> bool {
        self.whole.is_empty()
    }
    /// The bytes of the options read, in wire order (each entry's `raw`, one after another).
    pub fn bytes(&self) -> &'a [u8] {
        self.whole
    }
    /// MSS value, if present and well-formed.
    pub fn mss(&self) -> Option<u16> {
        self.of_kind(kind::MSS).find_map(|e| if let TcpOption::Mss(v) = e.value { Some(v) } else { None })
    }
    /// Window-scale shift as sent, if present and well-formed.
    pub fn window_scale(&self) -> Option<u8> {
        self.of_kind(kind::WS).find_map(|e| if let TcpOption::WindowScale(v) = e.value { Some(v) } else { None })
    }
    /// SACK-permitted present.
    pub fn sack_permitted(&self) -> bool {
        self.of_kind(kind::SACK_PERM).any(|e| e.value == TcpOption::SackPermitted)
    }
    /// Timestamps, if present and well-formed.
    pub fn timestamps(&self) -> Option<(u32, u32)> {
        self.of_kind(kind::TIMESTAMP).find_map(|e| match e.value {
            TcpOption::Timestamps { tsval, tsecr } => Some((tsval, tsecr)),
            _ => None,
        })
    }
}

/// The options of a [`TcpOptions`], decoded one by one.
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    area: &'a [u8],
    off: usize,
    /// The one kind wanted, if only one is.
    only: Option<u8>,
}

impl<'a> Iterator for Entries<'a> {
    type Item = OptionEntry<'a>;

    fn next(&mut self) -> Option<OptionEntry<'a>> {
        // `area` holds whole options only (parse_options checked them), so this cannot fail.
        let (k, len, end) = loop {
            let (k, len, end) = step(self.area, self.area.len(), self.off, false).ok()??;
            if self.only.is_none_or(|o| o == k) {
                break (k, len, end);
            }
            self.off = end;
        };
        let raw = self.area.get(self.off..end)?;
        let entry = OptionEntry {
            kind: k,
            len,
            offset: self.off,
            raw,
            value: match k {
                kind::EOL => TcpOption::Eol,
                kind::NOP => TcpOption::Nop,
                _ => decode(k, raw.get(2..).unwrap_or(&[])),
            },
        };
        self.off = end;
        Some(entry)
    }
}

/// The option at `off` of an area whose header declares `declared_len` bytes: its kind, its
/// length octet and where it ends; `None` at the end of the area.
fn step(
    area: &[u8],
    declared_len: usize,
    off: usize,
    eol_seen: bool,
) -> Result<Option<(u8, Option<u8>, usize)>, OptionProblem> {
    if off >= declared_len {
        return Ok(None);
    }
    let &k = area.get(off).ok_or(OptionProblem::Truncated)?;
    // RFC 9293 §3.2: after EOL only zero padding may follow.
    if eol_seen && k != kind::EOL {
        return Err(OptionProblem::DataAfterEol);
    }
    if k == kind::EOL || k == kind::NOP {
        return Ok(Some((k, None, off + 1)));
    }
    if off + 1 >= declared_len {
        return Err(OptionProblem::LengthPastEnd { kind: k });
    }
    let &len = area.get(off + 1).ok_or(OptionProblem::Truncated)?;
    if len < 2 {
        return Err(OptionProblem::LengthTooShort { kind: k, len });
    }
    let end = off + usize::from(len);
    if end > declared_len {
        return Err(OptionProblem::RunsPastEnd { kind: k, len });
    }
    if end > area.len() {
        return Err(OptionProblem::Truncated);
    }
    Ok(Some((k, Some(len), end)))
}

fn decode<'a>(kind: u8, data: &'a [u8]) -> TcpOption<'a> {
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    match (kind, data.len()) {
        // RFC 6691 / RFC 9293 §3.2: MSS length is 4.
        (kind::MSS, 2) => TcpOption::Mss(u16::from_be_bytes([data[0], data[1]])),
        // RFC 7323 §2.2: Window Scale length is 3.
        (kind::WS, 1) => TcpOption::WindowScale(data[0]),
        // RFC 2018 §2: SACK-Permitted length is 2.
        (kind::SACK_PERM, 0) => TcpOption::SackPermitted,
        // RFC 2018 §3: SACK length is 2 + 8n; a wrong length is still shown block by block.
        (kind::SACK, _) => TcpOption::Sack(data),
        // RFC 7323 §3.2: Timestamps length is 10.
        (kind::TIMESTAMP, 8) => TcpOption::Timestamps { tsval: be32(&data[..4]), tsecr: be32(&data[4..8]) },
        // RFC 7413 §4.1.1: cookie of 4 to 16 bytes, or none for a request.
        (kind::TFO, _) => TcpOption::FastOpen(data),
        // RFC 8684 §3: subtype in the high nibble of the first byte.
        (kind::MPTCP, n) if n >= 1 => TcpOption::Mptcp { subtype: data[0] >> 4, data },
        (kind::MSS | kind::WS | kind::SACK_PERM | kind::TIMESTAMP | kind::MPTCP, _) => {
            TcpOption::BadLength { kind, data }
        }
        _ => TcpOption::Unknown { kind, data },
    }
}

/// Parse an options area. `area` is the captured part; `declared_len` is what the data offset
/// promises (more than `area.len()` when the capture is cut short).
pub fn parse_options(area: &[u8], declared_len: usize) -> TcpOptions<'_> {
    let (mut off, mut eol_seen, mut kinds) = (0, false, 0);
    let problem = loop {
        match step(area, declared_len, off, eol_seen) {
            Ok(Some((k, _, end))) => {
                eol_seen |= k == kind::EOL;
                kinds |= kind_bit(k);
                off = end;
            }
            Ok(None) => break None,
            Err(p) => break Some(p),
        }
    };
    TcpOptions { whole: area.get(..off).unwrap_or_default(), kinds, problem }
}

/// A kind's bit in [`TcpOptions`]' set of kinds: kinds from 63 up share the last one.
fn kind_bit(kind: u8) -> u64 {
    1 << kind.min(63)
}

/// p0f-style option layout: `mss,sok,ts,nop,ws`; `sack`, `eol+N` (N padding bytes after EOL),
/// `?K` for other kinds (`tfo` and `mptcp` named).
pub fn layout(opts: &TcpOptions<'_>, declared_len: usize) -> String {
    let mut s = String::new();
    write_layout(&mut s, opts, declared_len);
    s
}

/// [`layout`] appended to `s`.
pub fn write_layout(s: &mut String, opts: &TcpOptions<'_>, declared_len: usize) {
    for (i, e) in opts.entries().enumerate() {
        if i > 0 {
            s.push(',');
        }
        match e.kind {
            kind::EOL => {
                let _ = write!(s, "eol+{}", declared_len.saturating_sub(e.offset + 1));
                break;
            }
            kind::NOP => s.push_str("nop"),
            kind::MSS => s.push_str("mss"),
            kind::WS => s.push_str("ws"),
            kind::SACK_PERM => s.push_str("sok"),
            kind::SACK => s.push_str("sack"),
            kind::TIMESTAMP => s.push_str("ts"),
            kind::TFO => s.push_str("tfo"),
            kind::MPTCP => s.push_str("mptcp"),
            k => {
                let _ = write!(s, "?{k}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Linux SYN options: MSS 65495 | SACK_PERM | TS 383844212/0 | NOP | WS 10
    const LINUX_SYN: [u8; 20] = [2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0x16, 0xe0, 0xff, 0x74, 0, 0, 0, 0, 1, 3, 3, 10];

    #[test]
    fn linux_syn_options() {
        let o = parse_options(&LINUX_SYN, 20);
        assert_eq!(o.problem, None);
        assert_eq!(o.mss(), Some(65495));
        assert!(o.sack_permitted());
        assert_eq!(o.timestamps(), Some((383844212, 0)));
        assert_eq!(o.window_scale(), Some(10));
        assert_eq!(layout(&o, 20), "mss,sok,ts,nop,ws");
        assert_eq!(o.entries().filter_map(|e| e.len).collect::<Vec<_>>(), vec![4, 2, 10, 3]);
    }

    #[test]
    fn zero_length_stops_parsing() {
        // An option with length 0 would loop forever if trusted.
        let o = parse_options(&[1, 0x42, 0, 1, 1], 5);
        assert_eq!(o.problem, Some(OptionProblem::LengthTooShort { kind: 0x42, len: 0 }));
        assert_eq!(o.entries().count(), 1);
    }

    #[test]
    fn length_past_end_is_flagged_not_fatal() {
        let o = parse_options(&[2, 4, 5, 0xb4, 3, 3], 6);
        assert_eq!(o.mss(), Some(1460));
        assert_eq!(o.problem, Some(OptionProblem::RunsPastEnd { kind: 3, len: 3 }));
        let o = parse_options(&[2, 4, 5, 0xb4, 8, 10, 0], 7);
        assert_eq!(o.problem, Some(OptionProblem::RunsPastEnd { kind: 8, len: 10 }));
    }

    #[test]
    fn empty_sack_and_wrong_mss_length_are_kept() {
        let o = parse_options(&[5, 2, 2, 3, 0xff, 1], 6);
        assert_eq!(o.entries().next().unwrap().value, TcpOption::Sack(&[]));
        assert_eq!(o.entries().nth(1).unwrap().value, TcpOption::BadLength { kind: 2, data: &[0xff] });
        assert_eq!(o.mss(), None);
    }

    #[test]
    fn unknown_kind_kept_raw_and_eol_padding() {
        let o = parse_options(&[27, 4, 0xaa, 0xbb, 0, 0, 0, 0], 8);
        assert_eq!(o.entries().next().unwrap().value, TcpOption::Unknown { kind: 27, data: &[0xaa, 0xbb] });
        assert_eq!(layout(&o, 8), "?27,eol+3");
        let o = parse_options(&[0, 1], 2);
        assert_eq!(o.problem, Some(OptionProblem::DataAfterEol));
    }

    #[test]
    fn truncated_capture() {
        let o = parse_options(&[2, 4, 5], 8);
        assert_eq!(o.problem, Some(OptionProblem::Truncated));
    }
}

//! Domain-name decoding with message compression (RFC 1035 §3.1, §4.1.4).
//!
//! Hard limits keep hostile messages cheap: every compression pointer must point strictly
//! before the start of the labels it was reached from (so jumps only go backwards and cannot
//! cycle), at most [`MAX_HOPS`] pointers and [`MAX_LABELS`] labels are followed, and at most
//! [`MAX_NAME_OCTETS`] octets of presentation text are kept. A pointer that goes backwards but
//! would revisit bytes already read (a loop) and a name that is too long are flagged and still
//! give a printable name, as Wireshark does; a forward pointer, a reserved label type and a name
//! that runs off the message are errors.

use compact_str::CompactString;

use crate::format::write_text;

/// Longest presentation form kept, matching Wireshark's 255-byte buffer with its terminator.
pub const MAX_NAME_OCTETS: usize = 253;
/// Most compression pointers followed for one name.
pub const MAX_HOPS: usize = 255;
/// Most labels read for one name (RFC 1035 limits a name to 255 octets, so 127 labels).
pub const MAX_LABELS: usize = 255;

/// Text Wireshark shows for the root name.
pub const ROOT: &str = "<Root>";
/// Text Wireshark shows for a name that loops.
pub const LOOP_TEXT: &str = "<Name contains a pointer that loops>";
/// Text Wireshark shows for a name over its buffer.
pub const TOO_LONG_TEXT: &str = "<Name too long>";

/// Recoverable problems found while reading a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NameFlags {
    /// A pointer pointed back into bytes already read for this name.
    pub pointer_loop: bool,
    /// The name was longer than [`MAX_NAME_OCTETS`] or had more than [`MAX_LABELS`] labels.
    pub too_long: bool,
    /// An RFC 2673 extended label other than a bit string.
    pub unknown_extended_label: bool,
}

/// Why a name could not be read at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The message ends inside the name.
    Truncated,
    /// A compression pointer points at or after itself.
    ForwardPointer {
        /// Offset of the pointer.
        at: usize,
        /// Offset it points to.
        target: usize,
    },
    /// Label type 0b10 is reserved (RFC 6891 §5).
    ReservedLabelType {
        /// Offset of the label.
        at: usize,
    },
    /// More than [`MAX_HOPS`] pointers.
    TooManyPointers,
}

impl core::fmt::Display for NameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NameError::Truncated => write!(f, "name runs past the end of the message"),
            NameError::ForwardPointer { at, target } => {
                write!(f, "compression pointer at offset {at} points forward to {target}")
            }
            NameError::ReservedLabelType { at } => write!(f, "reserved label type at offset {at}"),
            NameError::TooManyPointers => write!(f, "more than {MAX_HOPS} compression pointers"),
        }
    }
}

impl std::error::Error for NameError {}

/// A decoded name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// Presentation text as Wireshark shows it (`<Root>` for the root). Up to 24 bytes are
    /// kept inline: most names then cost no allocation.
    pub text: CompactString,
    /// Octets of the name at its own position (up to and including the first pointer).
    pub wire_len: usize,
    /// Number of labels.
    pub labels: usize,
    /// Recoverable problems.
    pub flags: NameFlags,
}

/// The presentation form of a name as it is read: on the stack, so gathering it allocates
/// nothing (its text then does only when longer than [`Name::text`] keeps inline). Appends stop
/// once the text is longer than [`MAX_NAME_OCTETS`] (such a name is shown as
/// [`TOO_LONG_TEXT`]); the room left covers the label or extended label that crosses that length.
struct Raw {
    bytes: [u8; 384],
    len: usize,
}

impl Raw {
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn len(&self) -> usize {
        self.len
    }

    fn push(&mut self, b: u8) {
        self.extend_from_slice(&[b]);
    }

    fn extend_from_slice(&mut self, s: &[u8]) {
        if self.len > MAX_NAME_OCTETS {
            return;
        }
        // Past the room, the text is too long anyway: mark it so.
        let Some(dst) = self.bytes.get_mut(self.len..self.len + s.len()) else {
            self.len = self.bytes.len();
            return;
        };
        dst.copy_from_slice(s);
        self.len += s.len();
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len.min(self.bytes.len())]
    }
}

/// Read the name at `offset` of the DNS message `msg`.
pub fn parse_name(msg: &[u8], offset: usize) -> Result<Name, NameError> {
    let mut raw = Raw { bytes: [0; 384], len: 0 };
    let mut flags = NameFlags::default();
    let mut pos = offset;
    // Pointers must land strictly before `floor`: the start of the run of labels being read.
    let mut floor = offset;
    let mut wire_len: Option<usize> = None;
    let mut hops = 0usize;
    let mut labels = 0usize;
    loop {
        let &len = msg.get(pos).ok_or(NameError::Truncated)?;
        match len & 0xc0 {
            0x00 if len == 0 => {
                pos += 1;
                break;
            }
            0x00 => {
                let n = usize::from(len);
                let label = msg.get(pos + 1..pos + 1 + n).ok_or(NameError::Truncated)?;
                labels += 1;
                if labels > MAX_LABELS {
                    flags.too_long = true;
                    break;
                }
                if !raw.is_empty() || labels > 1 {
                    raw.push(b'.');
                }
                raw.extend_from_slice(label);
                pos += 1 + n;
            }
            // RFC 2673 extended label; only the bit-string label (0x41) has a known length.
            0x40 if len == 0x41 => {
                let &bits = msg.get(pos + 1).ok_or(NameError::Truncated)?;
                // RFC 2673 §3.2: a count of 0 means 256 bits; Wireshark reads it as one octet.
                let nbytes = if bits == 0 { 1 } else { (usize::from(bits) - 1) / 8 + 1 };
                let data = msg.get(pos + 2..pos + 2 + nbytes).ok_or(NameError::Truncated)?;
                labels += 1;
                if !raw.is_empty() {
                    raw.push(b'.');
                }
                raw.extend_from_slice(b"\\[x");
                for b in data {
                    raw.extend_from_slice(format!("{b:02x}").as_bytes());
                }
                raw.extend_from_slice(format!("/{bits}]").as_bytes());
                pos += 2 + nbytes;
            }
            0x40 => {
                flags.unknown_extended_label = true;
                return Ok(Name {
                    text: CompactString::const_new("<Unknown extended label>"),
                    wire_len: wire_len.unwrap_or_else(|| pos + 1 - offset),
                    labels,
                    flags,
                });
            }
            0x80 => return Err(NameError::ReservedLabelType { at: pos }),
            _ => {
                let &lo = msg.get(pos + 1).ok_or(NameError::Truncated)?;
                let target = usize::from(len & 0x3f) << 8 | usize::from(lo);
                if wire_len.is_none() {
                    wire_len = Some(pos + 2 - offset);
                }
                hops += 1;
                if hops > MAX_HOPS {
                    return Err(NameError::TooManyPointers);
                }
                // RFC 1035 §4.1.4 points at a "prior occurance": a pointer may only go back.
                if target > pos {
                    return Err(NameError::ForwardPointer { at: pos, target });
                }
                // Pointing at itself, or back into the labels already read, would repeat them
                // forever.
                if target >= floor {
                    flags.pointer_loop = true;
                    return Ok(Name {
                        text: CompactString::const_new(LOOP_TEXT),
                        wire_len: wire_len.unwrap_or(2),
                        labels,
                        flags,
                    });
                }
                floor = target;
                pos = target;
            }
        }
        if raw.len() > MAX_NAME_OCTETS {
            flags.too_long = true;
        }
    }
    let wire_len = wire_len.unwrap_or_else(|| pos - offset);
    let text = if flags.too_long {
        CompactString::const_new(TOO_LONG_TEXT)
    } else if raw.is_empty() && labels == 0 {
        CompactString::const_new(ROOT)
    } else {
        let mut t = CompactString::with_capacity(raw.len());
        write_text(&mut t, raw.as_slice());
        t
    };
    Ok(Name { text, wire_len, labels, flags })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 12-byte header, then `www.example.com` at 12 and `mail` + pointer to `example.com`
    /// (offset 16) at 29.
    fn msg() -> Vec<u8> {
        let mut m = vec![0u8; 12];
        m.extend_from_slice(b"\x03www\x07example\x03com\x00");
        m.extend_from_slice(b"\x04mail\xc0\x10");
        m
    }

    #[test]
    fn plain_and_compressed_names() {
        let m = msg();
        let n = parse_name(&m, 12).unwrap();
        assert_eq!((n.text.as_str(), n.wire_len, n.labels), ("www.example.com", 17, 3));
        let n = parse_name(&m, 29).unwrap();
        assert_eq!((n.text.as_str(), n.wire_len), ("mail.example.com", 7));
        assert_eq!(n.flags, NameFlags::default());
    }

    #[test]
    fn root_name() {
        let n = parse_name(&[0], 0).unwrap();
        assert_eq!((n.text.as_str(), n.wire_len), (ROOT, 1));
    }

    #[test]
    fn hazard_self_pointer() {
        let mut m = vec![0u8; 12];
        m.extend_from_slice(&[0xc0, 12]);
        let n = parse_name(&m, 12).unwrap();
        assert!(n.flags.pointer_loop);
        assert_eq!((n.text.as_str(), n.wire_len), (LOOP_TEXT, 2));
    }

    #[test]
    fn hazard_pointer_loop() {
        // label "a" at 12, then a pointer back to 12: a.a.a.a... forever if followed.
        let mut m = vec![0u8; 12];
        m.extend_from_slice(&[1, b'a', 0xc0, 12]);
        let n = parse_name(&m, 12).unwrap();
        assert!(n.flags.pointer_loop);
        assert_eq!(n.text, LOOP_TEXT);
        assert_eq!(n.wire_len, 4);
    }

    #[test]
    fn hazard_two_pointer_cycle() {
        // 12: ptr -> 14 is forward; 14: ptr -> 12. Reading at 14 jumps to 12 which jumps forward.
        let mut m = vec![0u8; 12];
        m.extend_from_slice(&[0xc0, 14, 0xc0, 12]);
        assert!(matches!(parse_name(&m, 14), Err(NameError::ForwardPointer { at: 12, target: 14 })));
    }

    #[test]
    fn hazard_forward_pointer() {
        let mut m = vec![0u8; 12];
        m.extend_from_slice(&[0xc0, 20, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(parse_name(&m, 12), Err(NameError::ForwardPointer { at: 12, target: 20 }));
    }

    #[test]
    fn hazard_too_many_labels() {
        let mut m = vec![0u8; 12];
        for _ in 0..300 {
            m.extend_from_slice(&[1, b'x']);
        }
        m.push(0);
        let n = parse_name(&m, 12).unwrap();
        assert!(n.flags.too_long);
        assert_eq!(n.text, TOO_LONG_TEXT);
    }

    #[test]
    fn hazard_name_too_long() {
        // five 63-byte labels: 319 octets of text
        let mut m = vec![0u8; 12];
        for _ in 0..5 {
            m.push(63);
            m.extend_from_slice(&[b'z'; 63]);
        }
        m.push(0);
        let n = parse_name(&m, 12).unwrap();
        assert!(n.flags.too_long);
        assert_eq!(n.text, TOO_LONG_TEXT);
    }

    #[test]
    fn the_longest_name_kept_is_253_octets() {
        // Labels of 63, 63, 63 and `last` bytes: 3 * 64 + `last` octets of text.
        let name = |last: usize| {
            let mut m = vec![0u8; 12];
            for n in [63, 63, 63, last] {
                m.push(n as u8);
                m.extend(std::iter::repeat_n(b'q', n));
            }
            m.push(0);
            parse_name(&m, 12).unwrap()
        };
        let n = name(61);
        assert_eq!((n.text.len(), n.flags.too_long, n.labels), (253, false, 4));
        let n = name(62);
        assert_eq!((n.text.as_str(), n.flags.too_long, n.wire_len), (TOO_LONG_TEXT, true, 256));
    }

    #[test]
    fn hazard_truncated() {
        assert_eq!(parse_name(b"\x05ab", 0), Err(NameError::Truncated));
        assert_eq!(parse_name(b"\x01a", 0), Err(NameError::Truncated));
        assert_eq!(parse_name(b"\xc0", 0), Err(NameError::Truncated));
    }

    #[test]
    fn hazard_reserved_label_type() {
        assert_eq!(parse_name(b"\x80\x00", 0), Err(NameError::ReservedLabelType { at: 0 }));
    }

    #[test]
    fn unprintable_label_is_escaped() {
        let n = parse_name(b"\x03a\x00b\x00", 0).unwrap();
        assert_eq!(n.text, "a\\000b");
    }
}

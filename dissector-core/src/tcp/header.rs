//! The fixed TCP header (RFC 9293 §3.1).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! |          Source Port          |       Destination Port        |
//! |                        Sequence Number                        |
//! |                    Acknowledgment Number                      |
//! |  Data |Rsv|A|C|E|U|A|P|R|S|F|                                 |
//! | Offset|   |E|W|C|R|C|S|S|Y|I|            Window               |
//! |           Checksum            |         Urgent Pointer        |
//! ```
//! AE is the AccECN flag (RFC 9768, formerly NS of RFC 3540).

use nom::number::complete::{be_u16, be_u32};
use nom::IResult;

use crate::Truncated;

/// The 12 flag bits (3 reserved, AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Flags(pub u16);

impl Flags {
    /// FIN.
    pub const FIN: u16 = 0x001;
    /// SYN.
    pub const SYN: u16 = 0x002;
    /// RST.
    pub const RST: u16 = 0x004;
    /// PSH.
    pub const PSH: u16 = 0x008;
    /// ACK.
    pub const ACK: u16 = 0x010;
    /// URG.
    pub const URG: u16 = 0x020;
    /// ECE.
    pub const ECE: u16 = 0x040;
    /// CWR.
    pub const CWR: u16 = 0x080;
    /// AE (AccECN).
    pub const AE: u16 = 0x100;
    /// The three reserved bits.
    pub const RESERVED: u16 = 0xe00;

    /// True if every bit of `mask` is set.
    pub fn has(self, mask: u16) -> bool {
        self.0 & mask == mask
    }
    /// SYN set.
    pub fn syn(self) -> bool {
        self.has(Self::SYN)
    }
    /// ACK set.
    pub fn ack(self) -> bool {
        self.has(Self::ACK)
    }
    /// FIN set.
    pub fn fin(self) -> bool {
        self.has(Self::FIN)
    }
    /// RST set.
    pub fn rst(self) -> bool {
        self.has(Self::RST)
    }

    /// [`Flags::to_letters`] without AccECN, each string made once, when first asked for: the
    /// CLI writes one for every segment of `-e tcp.flags.str`.
    pub fn letters(self) -> &'static str {
        static ALL: [std::sync::OnceLock<Box<str>>; 0x1000] = [const { std::sync::OnceLock::new() }; 0x1000];
        let f = self.0 & 0x0fff;
        ALL[usize::from(f)].get_or_init(|| Flags(f).to_letters(None).into_boxed_str())
    }

    /// tshark's 12-character flag string: one letter per set bit from the reserved bits down
    /// to FIN ("RRRACEUAPRSF"), U+00B7 for a clear bit. With `ace`, the AE/CWR/ECE positions
    /// show the AccECN counter as `-N-`.
    pub fn to_letters(self, ace: Option<u8>) -> String {
        const LETTERS: &[u8; 12] = b"RRRACEUAPRSF";
        let mut s = String::with_capacity(24);
        for (i, &letter) in LETTERS.iter().enumerate() {
            if let (Some(v), 3..=5) = (ace, i) {
                s.push(if i == 4 { char::from(b'0' + (v & 7)) } else { '-' });
                continue;
            }
            if self.0 >> (11 - i) & 1 == 1 {
                s.push(char::from(letter));
            } else {
                s.push('\u{b7}');
            }
        }
        s
    }

    /// The AccECN ACE counter carried in AE, CWR and ECE (RFC 9768 §3.2.2).
    pub fn ace(self) -> u8 {
        ((self.0 >> 6) & 0x7) as u8
    }
}

/// The fixed 20-byte TCP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpHeader {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Raw sequence number.
    pub seq: u32,
    /// Raw acknowledgment number.
    pub ack: u32,
    /// Header length in bytes (data offset * 4).
    pub hdr_len: u8,
    /// Flags.
    pub flags: Flags,
    /// Raw window field.
    pub window: u16,
    /// Checksum.
    pub checksum: u16,
    /// Urgent pointer.
    pub urgent: u16,
}

/// Length of the fixed header.
pub const HEADER_LEN: usize = 20;

/// Parse the fixed TCP header. Options are not included; see [`super::parse_options`].
pub fn parse_header(b: &[u8]) -> Result<TcpHeader, Truncated> {
    match parse_fixed(b) {
        Ok((_, h)) => Ok(h),
        Err(_) => Err(Truncated { needed: HEADER_LEN.saturating_sub(b.len()) }),
    }
}

fn parse_fixed(i: &[u8]) -> IResult<&[u8], TcpHeader> {
    let (i, src_port) = be_u16(i)?;
    let (i, dst_port) = be_u16(i)?;
    let (i, seq) = be_u32(i)?;
    let (i, ack) = be_u32(i)?;
    let (i, off_flags) = be_u16(i)?;
    let (i, window) = be_u16(i)?;
    let (i, checksum) = be_u16(i)?;
    let (i, urgent) = be_u16(i)?;
    Ok((
        i,
        TcpHeader {
            src_port,
            dst_port,
            seq,
            ack,
            hdr_len: ((off_flags >> 12) * 4) as u8,
            flags: Flags(off_flags & 0x0fff),
            window,
            checksum,
            urgent,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syn_header_and_flag_letters() {
        // ports 59724 -> 18080, seq 0x8c03ac8d, ack 0, offset 10 (40 bytes), SYN, win 65495
        let b = [0xe9, 0x4c, 0x46, 0xa0, 0x8c, 0x03, 0xac, 0x8d, 0, 0, 0, 0, 0xa0, 0x02, 0xff, 0xd7, 0xfe, 0x30, 0, 0];
        let h = parse_header(&b).unwrap();
        assert_eq!(parse_header(&b[..15]), Err(Truncated { needed: 5 }));
        assert_eq!((h.src_port, h.dst_port), (59724, 18080));
        assert_eq!(h.seq, 2349051021);
        assert_eq!(h.hdr_len, 40);
        assert!(h.flags.syn() && !h.flags.ack());
        assert_eq!(h.flags.to_letters(None), "··········S·");
        assert_eq!(Flags(0x1c2).to_letters(None), "···ACE····S·");
        assert_eq!(Flags(0x0d0).to_letters(Some(5)), "···-5-·A····");
        for f in [0u16, 0x012, 0x1c2, 0xfff, 0x1001] {
            assert_eq!(Flags(f).letters(), Flags(f).to_letters(None), "{f:#x}");
        }
    }
}

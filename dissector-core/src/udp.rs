//! UDP header (RFC 768).

use crate::Truncated;

/// A UDP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpHeader {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Length field (header plus data).
    pub length: u16,
    /// Checksum.
    pub checksum: u16,
}

/// Length of the header.
pub const HEADER_LEN: usize = 8;

/// Parse the 8-byte UDP header.
pub fn parse_header(b: &[u8]) -> Result<UdpHeader, Truncated> {
    let Some(h) = b.get(..HEADER_LEN) else { return Err(Truncated { needed: HEADER_LEN - b.len() }) };
    let w = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
    Ok(UdpHeader { src_port: w(0), dst_port: w(2), length: w(4), checksum: w(6) })
}

//! UDP header (RFC 768).

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

/// Parse the 8-byte UDP header.
pub fn parse_header(b: &[u8]) -> Option<UdpHeader> {
    let w = |i: usize| b.get(i..i + 2).map(|s| u16::from_be_bytes([s[0], s[1]]));
    Some(UdpHeader { src_port: w(0)?, dst_port: w(2)?, length: w(4)?, checksum: w(6)? })
}

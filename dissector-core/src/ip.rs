//! IPv4 (RFC 791), IPv6 (RFC 8200) with extension headers, and the part of ICMP (RFC 792) and
//! ICMPv6 (RFC 4443) that quotes an offending packet.
//!
//! Only what synack needs is decoded: addresses, protocol, TTL, lengths, fragmentation. IPv4
//! options are skipped by the header length; IPv6 extension headers are walked to the upper
//! layer. A fragment is reported with its [`FragInfo`]; the dissector puts the datagram
//! back together and its upper layers are read in the frame that completes it, as tshark does.

use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u32, be_u8};
use nom::IResult;

/// IP protocol number of ICMP.
pub const PROTO_ICMP: u8 = 1;
/// IP protocol number of TCP.
pub const PROTO_TCP: u8 = 6;
/// IP protocol number of UDP.
pub const PROTO_UDP: u8 = 17;
/// IP protocol number of ICMPv6.
pub const PROTO_ICMPV6: u8 = 58;

/// A decoded IPv4 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4 {
    /// Header length in bytes (IHL * 4).
    pub hdr_len: u8,
    /// Differentiated services byte.
    pub tos: u8,
    /// Total length field.
    pub total_len: u16,
    /// Identification.
    pub id: u16,
    /// Flags (3 bits: reserved, DF, MF).
    pub flags: u8,
    /// Fragment offset in 8-byte units.
    pub frag_offset: u16,
    /// Time to live.
    pub ttl: u8,
    /// Protocol of the payload.
    pub proto: u8,
    /// Header checksum.
    pub checksum: u16,
    /// Source address.
    pub src: [u8; 4],
    /// Destination address.
    pub dst: [u8; 4],
}

impl Ipv4 {
    /// True when this packet is one piece of a fragmented datagram (MF set or offset > 0).
    pub fn is_fragment(&self) -> bool {
        self.flags & 0x1 != 0 || self.frag_offset != 0
    }
}

/// A decoded IPv6 header, with the upper-layer protocol found after extension headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6 {
    /// Traffic class.
    pub tclass: u8,
    /// Flow label (20 bits).
    pub flow: u32,
    /// Payload length field.
    pub payload_len: u16,
    /// Next header of the fixed header (`ipv6.nxt`).
    pub next_header: u8,
    /// Hop limit.
    pub hop_limit: u8,
    /// Source address.
    pub src: [u8; 16],
    /// Destination address.
    pub dst: [u8; 16],
    /// Upper-layer protocol after the extension headers.
    pub upper_proto: u8,
    /// A fragment header says this is not a whole datagram.
    pub fragment: bool,
}

/// An IP header of either version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpHeader {
    /// IPv4.
    V4(Ipv4),
    /// IPv6.
    V6(Ipv6),
}

impl IpHeader {
    /// Source address as bytes (4 or 16).
    pub fn src(&self) -> &[u8] {
        match self {
            IpHeader::V4(h) => &h.src,
            IpHeader::V6(h) => &h.src,
        }
    }
    /// Destination address as bytes (4 or 16).
    pub fn dst(&self) -> &[u8] {
        match self {
            IpHeader::V4(h) => &h.dst,
            IpHeader::V6(h) => &h.dst,
        }
    }
}

/// Why an IP packet's payload is not handed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IpProblem {
    /// IHL below 5 (RFC 791 §3.1 requires at least 5).
    BadHeaderLength,
    /// Total length below the header length.
    BadTotalLength,
    /// The frame ends inside the header.
    Truncated,
    /// An IPv6 header whose version field is not 6.
    BadVersion,
}

impl core::fmt::Display for IpProblem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            IpProblem::BadHeaderLength => "IPv4 header length below 20 bytes",
            IpProblem::BadTotalLength => "IP total length shorter than the header",
            IpProblem::Truncated => "IP header cut short",
            IpProblem::BadVersion => "IPv6 header with a version other than 6",
        })
    }
}

impl std::error::Error for IpProblem {}

/// The payload after an IP header: captured bytes, the length the header promises
/// (which may exceed what was captured), and the upper-layer protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpPayload<'a> {
    /// Captured payload bytes (bounded by the IP length fields).
    pub data: &'a [u8],
    /// Reported payload length from the IP header.
    pub reported_len: usize,
    /// Upper-layer protocol.
    pub proto: u8,
    /// Where this fragment belongs, when the packet is one piece of a larger datagram.
    pub frag: Option<FragInfo>,
}

/// The position of one fragment in its datagram (RFC 791 §3.2, RFC 8200 §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragInfo {
    /// Identification (16 bits for IPv4, 32 for IPv6).
    pub id: u32,
    /// Byte offset of this fragment's data.
    pub offset: usize,
    /// More fragments follow.
    pub more: bool,
}

/// Parse the fixed IPv4 header fields (20 bytes).
fn parse_ipv4_fixed(i: &[u8]) -> IResult<&[u8], Ipv4> {
    let (i, vihl) = be_u8(i)?;
    let (i, tos) = be_u8(i)?;
    let (i, total_len) = be_u16(i)?;
    let (i, id) = be_u16(i)?;
    let (i, ff) = be_u16(i)?;
    let (i, ttl) = be_u8(i)?;
    let (i, proto) = be_u8(i)?;
    let (i, checksum) = be_u16(i)?;
    let (i, s) = take(4usize)(i)?;
    let (i, d) = take(4usize)(i)?;
    let mut src = [0u8; 4];
    let mut dst = [0u8; 4];
    src.copy_from_slice(s);
    dst.copy_from_slice(d);
    Ok((
        i,
        Ipv4 {
            hdr_len: (vihl & 0x0f) * 4,
            tos,
            total_len,
            id,
            flags: (ff >> 13) as u8,
            frag_offset: ff & 0x1fff,
            ttl,
            proto,
            checksum,
            src,
            dst,
        },
    ))
}

/// Parse an IPv4 packet: header and the payload it bounds.
pub fn parse_ipv4(data: &[u8]) -> Result<(Ipv4, Result<IpPayload<'_>, IpProblem>), IpProblem> {
    let (_, h) = parse_ipv4_fixed(data).map_err(|_| IpProblem::Truncated)?;
    let hl = usize::from(h.hdr_len);
    // RFC 791 §3.1: IHL is at least 5 words.
    if hl < 20 {
        return Ok((h, Err(IpProblem::BadHeaderLength)));
    }
    // A total length of 0 is what TSO leaves in captures of outgoing packets: use the frame.
    let total = if h.total_len == 0 { data.len() } else { usize::from(h.total_len) };
    if total < hl {
        return Ok((h, Err(IpProblem::BadTotalLength)));
    }
    let Some(after_hdr) = data.get(hl..) else { return Ok((h, Err(IpProblem::Truncated))) };
    let reported_len = total - hl;
    let data = &after_hdr[..after_hdr.len().min(reported_len)];
    let frag = h.is_fragment().then_some(FragInfo {
        id: u32::from(h.id),
        offset: usize::from(h.frag_offset) * 8,
        more: h.flags & 0x1 != 0,
    });
    Ok((h, Ok(IpPayload { data, reported_len, proto: h.proto, frag })))
}

/// IPv6 extension headers walked to reach the upper layer (RFC 8200 §4).
const EXT_HOP_BY_HOP: u8 = 0;
const EXT_ROUTING: u8 = 43;
const EXT_FRAGMENT: u8 = 44;
const EXT_AH: u8 = 51;
const EXT_DEST_OPTS: u8 = 60;
const EXT_MOBILITY: u8 = 135;

fn parse_ipv6_fixed(i: &[u8]) -> IResult<&[u8], Ipv6> {
    let (i, w) = be_u32(i)?;
    let (i, payload_len) = be_u16(i)?;
    let (i, next_header) = be_u8(i)?;
    let (i, hop_limit) = be_u8(i)?;
    let (i, s) = take(16usize)(i)?;
    let (i, d) = take(16usize)(i)?;
    let mut src = [0u8; 16];
    let mut dst = [0u8; 16];
    src.copy_from_slice(s);
    dst.copy_from_slice(d);
    Ok((
        i,
        Ipv6 {
            tclass: ((w >> 20) & 0xff) as u8,
            flow: w & 0x000f_ffff,
            payload_len,
            next_header,
            hop_limit,
            src,
            dst,
            upper_proto: next_header,
            fragment: false,
        },
    ))
}

/// Parse an IPv6 packet: header, extension headers, and the upper-layer payload.
pub fn parse_ipv6(data: &[u8]) -> Result<(Ipv6, Result<IpPayload<'_>, IpProblem>), IpProblem> {
    let (rest, mut h) = parse_ipv6_fixed(data).map_err(|_| IpProblem::Truncated)?;
    // RFC 8200 §3: what IPv6 is carried as (protocol 41, EtherType 0x86dd) starts with 6.
    if data[0] >> 4 != 6 {
        return Err(IpProblem::BadVersion);
    }
    let reported_total = usize::from(h.payload_len);
    let mut rest = &rest[..rest.len().min(reported_total)];
    let mut consumed = 0usize;
    let mut next = h.next_header;
    let mut frag = None;
    // At most a handful of extension headers appear in practice; the cap bounds hostile chains.
    for _ in 0..16 {
        let len = match next {
            // RFC 8200 §4.3-4.6: Hdr Ext Len in 8-octet units, not counting the first 8.
            EXT_HOP_BY_HOP | EXT_ROUTING | EXT_DEST_OPTS | EXT_MOBILITY => match rest.get(1) {
                Some(&l) => (usize::from(l) + 1) * 8,
                None => return Ok((h, Err(IpProblem::Truncated))),
            },
            // RFC 8200 §4.5: the fragment header is always 8 octets.
            EXT_FRAGMENT => {
                let Some(fo) = rest.get(2..4) else { return Ok((h, Err(IpProblem::Truncated))) };
                let off_m = u16::from_be_bytes([fo[0], fo[1]]);
                if off_m & 0xfff9 != 0 {
                    h.fragment = true;
                    let id = rest.get(4..8).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                    frag = Some(FragInfo { id, offset: usize::from(off_m & 0xfff8), more: off_m & 1 != 0 });
                }
                8
            }
            // RFC 4302 §2.2: AH Payload Len in 4-octet units, minus 2.
            EXT_AH => match rest.get(1) {
                Some(&l) => (usize::from(l) + 2) * 4,
                None => return Ok((h, Err(IpProblem::Truncated))),
            },
            _ => break,
        };
        let Some(&nh) = rest.first() else { return Ok((h, Err(IpProblem::Truncated))) };
        if rest.len() < len {
            return Ok((h, Err(IpProblem::Truncated)));
        }
        rest = &rest[len..];
        consumed += len;
        next = nh;
    }
    h.upper_proto = next;
    let reported_len = reported_total.saturating_sub(consumed);
    Ok((h, Ok(IpPayload { data: rest, reported_len, proto: next, frag })))
}

/// The ICMP or ICMPv6 header fields synack shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icmp {
    /// 4 for ICMP, 6 for ICMPv6.
    pub version: u8,
    /// Message type.
    pub icmp_type: u8,
    /// Message code.
    pub code: u8,
}

impl Icmp {
    /// True for error messages that quote the offending packet (RFC 792, RFC 4443 §3).
    pub fn quotes_packet(&self) -> bool {
        match self.version {
            4 => matches!(self.icmp_type, 3 | 4 | 5 | 11 | 12),
            _ => matches!(self.icmp_type, 1..=4),
        }
    }
}

/// Parse an ICMP/ICMPv6 header; returns the quoted packet for error messages.
pub fn parse_icmp(version: u8, data: &[u8]) -> Result<(Icmp, Option<&[u8]>), IpProblem> {
    let [t, code, ..] = *data else { return Err(IpProblem::Truncated) };
    let icmp = Icmp { version, icmp_type: t, code };
    // Both ICMP and ICMPv6 errors have 4 bytes of type-specific data after the checksum.
    let quoted = if icmp.quotes_packet() { data.get(8..) } else { None };
    Ok((icmp, quoted))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 45 00 0028 | 1234 4000 | 40 06 0000 | 7f000001 | 7f000002, then 2 payload bytes and
    /// 4 bytes of Ethernet padding beyond the total length.
    const V4: [u8; 26] =
        [0x45, 0, 0, 22, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2, 0xaa, 0xbb, 0, 0, 0, 0];

    #[test]
    fn ipv4_payload_bounded_by_total_length() {
        let (h, p) = parse_ipv4(&V4).unwrap();
        assert_eq!(h.ttl, 64);
        assert_eq!(h.proto, PROTO_TCP);
        let p = p.unwrap();
        assert_eq!(p.data, &[0xaa, 0xbb]);
        assert_eq!(p.reported_len, 2);
        assert!(p.frag.is_none());
    }

    #[test]
    fn ipv4_bad_ihl_is_flagged() {
        let mut b = V4;
        b[0] = 0x44;
        assert_eq!(parse_ipv4(&b).unwrap().1, Err(IpProblem::BadHeaderLength));
    }

    #[test]
    fn ipv6_walks_hop_by_hop_and_fragment() {
        let mut b = vec![0x60, 0, 0, 0, 0, 20, 0 /* HBH */, 64];
        b.extend_from_slice(&[0u8; 32]);
        b.extend_from_slice(&[44 /* next: frag */, 0, 1, 4, 0, 0, 0, 0]); // HBH, 8 bytes
        b.extend_from_slice(&[17 /* UDP */, 0, 0, 0, 0, 0, 0, 1]); // frag offset 0, M=0
        b.extend_from_slice(&[1, 2, 3, 4]);
        let (h, p) = parse_ipv6(&b).unwrap();
        assert_eq!(h.next_header, 0);
        let p = p.unwrap();
        assert_eq!(p.proto, PROTO_UDP);
        assert_eq!(p.data, &[1, 2, 3, 4]);
        assert!(p.frag.is_none());
    }

    #[test]
    fn ipv6_truncated_extension_does_not_panic() {
        let mut b = vec![0x60, 0, 0, 0, 0, 200, 0, 64];
        b.extend_from_slice(&[0u8; 32]);
        b.push(43);
        assert_eq!(parse_ipv6(&b).unwrap().1, Err(IpProblem::Truncated));
    }
}

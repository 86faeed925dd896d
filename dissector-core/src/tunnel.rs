//! Encapsulations that carry IP or Ethernet inside another packet: GRE (RFC 2784, with the
//! key and sequence number of RFC 2890), VXLAN (RFC 7348), an MPLS label stack (RFC 3032) and
//! a PPPoE session (RFC 2516) with its PPP protocol number (RFC 1661). Each parser reads its
//! own header and says what follows; the dissector walks on, to a bounded depth
//! ([`MAX_DEPTH`]).

use nom::combinator::cond;
use nom::number::complete::{be_u16, be_u32, be_u8};
use nom::sequence::terminated;
use nom::{IResult, Parser};

/// Encapsulations followed within one frame at most; past that the frame says so.
pub const MAX_DEPTH: u8 = 8;

/// IP protocol numbers of the encapsulations (IANA).
pub const PROTO_IPIP: u8 = 4;
/// IPv6 in IP (RFC 2473 / RFC 4213).
pub const PROTO_IPV6: u8 = 41;
/// GRE.
pub const PROTO_GRE: u8 = 47;

/// VXLAN's UDP port (IANA, RFC 7348 §5).
pub const VXLAN_PORT: u16 = 4789;
/// Geneve's UDP port (RFC 8926 §3.3).
pub const GENEVE_PORT: u16 = 6081;
/// Teredo's UDP port (RFC 4380 §2.5).
pub const TEREDO_PORT: u16 = 3544;
/// GTP-U's UDP port (3GPP TS 29.281), not decoded yet.
pub const GTP_U_PORT: u16 = 2152;

/// EtherTypes.
pub const ETHERTYPE_TEB: u16 = 0x6558;
/// MPLS unicast.
pub const ETHERTYPE_MPLS: u16 = 0x8847;
/// MPLS multicast.
pub const ETHERTYPE_MPLS_MC: u16 = 0x8848;
/// PPPoE discovery.
pub const ETHERTYPE_PPPOE_DISCOVERY: u16 = 0x8863;
/// PPPoE session.
pub const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;

/// A GRE header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gre {
    /// Flags and version (C, K, S bits; version in the low 3 bits).
    pub flags_version: u16,
    /// The protocol type of the payload (an EtherType).
    pub proto: u16,
    /// The checksum, when the C bit is set.
    pub checksum: Option<u16>,
    /// The key, when the K bit is set (RFC 2890 §2.1).
    pub key: Option<u32>,
    /// The sequence number, when the S bit is set (RFC 2890 §2.2).
    pub seq: Option<u32>,
}

/// Parse a GRE header (version 0; version 1 is PPTP's, whose payload synack does not read).
pub fn parse_gre(i: &[u8]) -> IResult<&[u8], Gre> {
    let (i, flags_version) = be_u16(i)?;
    let (i, proto) = be_u16(i)?;
    // RFC 2784 §2.1: the checksum, then 16 reserved bits; RFC 2890: the key, the sequence number.
    let (i, checksum) = cond(flags_version & 0x8000 != 0, terminated(be_u16, be_u16)).parse(i)?;
    let (i, key) = cond(flags_version & 0x2000 != 0, be_u32).parse(i)?;
    let (i, seq) = cond(flags_version & 0x1000 != 0, be_u32).parse(i)?;
    Ok((i, Gre { flags_version, proto, checksum, key, seq }))
}

/// EtherTypes of ERSPAN (Cisco's encapsulated remote SPAN) in GRE: type I and II, type III.
pub const ETHERTYPE_ERSPAN: u16 = 0x88be;
/// ERSPAN type III.
pub const ETHERTYPE_ERSPAN3: u16 = 0x22eb;

/// An ERSPAN header (draft-foschiano-erspan): type II's 8 bytes or type III's 12 (and the 8 of
/// its platform subheader, skipped); type I has none (a GRE header without sequence number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erspan {
    /// The version field (1: type II, 2: type III).
    pub version: u16,
    /// The original frame's VLAN.
    pub vlan: u16,
    /// The session (span) ID.
    pub spanid: u16,
    /// Type II: the port index.
    pub index: Option<u32>,
    /// Type III: the timestamp.
    pub timestamp: Option<u32>,
    /// Type III: whether the platform subheader follows.
    pub o: Option<bool>,
}

/// Parse an ERSPAN type II (`type3` false) or type III header; an Ethernet frame follows.
pub fn parse_erspan(i: &[u8], type3: bool) -> IResult<&[u8], Erspan> {
    let (i, ver_vlan) = be_u16(i)?;
    let (i, cos_session) = be_u16(i)?;
    let (version, vlan, spanid) = (ver_vlan >> 12, ver_vlan & 0x0fff, cos_session & 0x03ff);
    if !type3 {
        let (i, index) = be_u32(i)?;
        return Ok((i, Erspan { version, vlan, spanid, index: Some(index & 0x000f_ffff), timestamp: None, o: None }));
    }
    let (i, timestamp) = be_u32(i)?;
    let (i, _sgt) = be_u16(i)?;
    let (i, bits) = be_u16(i)?;
    let o = bits & 1 != 0;
    let (i, _platform) = nom::bytes::complete::take(if o { 8usize } else { 0 })(i)?;
    Ok((i, Erspan { version, vlan, spanid, index: None, timestamp: Some(timestamp), o: Some(o) }))
}

/// A VXLAN header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vxlan {
    /// The 16 flag bits (I = 0x0800: the VNI is valid).
    pub flags: u16,
    /// The VXLAN network identifier (24 bits).
    pub vni: u32,
}

/// Parse a VXLAN header (8 bytes; an Ethernet frame follows).
pub fn parse_vxlan(i: &[u8]) -> IResult<&[u8], Vxlan> {
    let (i, flags) = be_u16(i)?;
    let (i, _group_policy) = be_u16(i)?;
    let (i, vni_reserved) = be_u32(i)?;
    Ok((i, Vxlan { flags, vni: vni_reserved >> 8 }))
}

/// A Geneve header (RFC 8926 §3.4), options skipped by their length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geneve {
    /// Version (2 bits).
    pub version: u8,
    /// The O and C flags and the reserved bits of the second byte.
    pub flags: u8,
    /// The protocol type of the payload (an EtherType; 0x6558 Ethernet).
    pub proto: u16,
    /// The virtual network identifier (24 bits).
    pub vni: u32,
}

/// Parse a Geneve header and skip its options.
pub fn parse_geneve(i: &[u8]) -> IResult<&[u8], Geneve> {
    let (i, b0) = be_u8(i)?;
    let (i, flags) = be_u8(i)?;
    let (i, proto) = be_u16(i)?;
    let (i, vni_reserved) = be_u32(i)?;
    let (i, _options) = nom::bytes::complete::take(usize::from(b0 & 0x3f) * 4)(i)?;
    Ok((i, Geneve { version: b0 >> 6, flags, proto, vni: vni_reserved >> 8 }))
}

/// What precedes a Teredo packet's IPv6 header (RFC 4380 §5.1.1): an authentication
/// indicator and an origin indication, each optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Teredo {
    /// The authentication indicator's client identifier and authentication value lengths.
    pub auth: Option<(u8, u8)>,
    /// The origin indication: the client's UDP port and IPv4 address, de-obfuscated.
    pub origin: Option<(u16, [u8; 4])>,
}

/// Parse Teredo's indications; what follows must be an IPv6 header.
pub fn parse_teredo(mut i: &[u8]) -> IResult<&[u8], Teredo> {
    let mut t = Teredo::default();
    if i.starts_with(&[0, 1]) {
        let (r, _) = be_u16(i)?;
        let (r, idlen) = be_u8(r)?;
        let (r, aulen) = be_u8(r)?;
        // Client identifier, authentication value, nonce (8) and confirmation byte.
        let (r, _) = nom::bytes::complete::take(usize::from(idlen) + usize::from(aulen) + 9)(r)?;
        t.auth = Some((idlen, aulen));
        i = r;
    }
    if i.starts_with(&[0, 0]) {
        let (r, _) = be_u16(i)?;
        let (r, port) = be_u16(r)?;
        let (r, addr) = be_u32(r)?;
        t.origin = Some((!port, (!addr).to_be_bytes()));
        i = r;
    }
    if i.first().map(|b| b >> 4) != Some(6) {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify)));
    }
    Ok((i, t))
}

/// One MPLS label stack entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MplsLabel {
    /// The label (20 bits).
    pub label: u32,
    /// Traffic class, formerly EXP (3 bits).
    pub exp: u8,
    /// Bottom of stack.
    pub bottom: bool,
    /// Time to live.
    pub ttl: u8,
}

/// Parse one MPLS label stack entry.
pub fn parse_mpls(i: &[u8]) -> IResult<&[u8], MplsLabel> {
    let (i, v) = be_u32(i)?;
    Ok((i, MplsLabel { label: v >> 12, exp: ((v >> 9) & 7) as u8, bottom: v & 0x100 != 0, ttl: v as u8 }))
}

/// A PPPoE session header and the PPP protocol number after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pppoe {
    /// Version and type (4 bits each; 1 and 1).
    pub ver_type: u8,
    /// Code (0 in the session stage).
    pub code: u8,
    /// Session ID.
    pub session_id: u16,
    /// Payload length.
    pub length: u16,
    /// The PPP protocol of the payload (0x0021 IPv4, 0x0057 IPv6).
    pub ppp_protocol: u16,
}

/// Parse a PPPoE session header and the PPP protocol field.
pub fn parse_pppoe_session(i: &[u8]) -> IResult<&[u8], Pppoe> {
    let (i, ver_type) = be_u8(i)?;
    let (i, code) = be_u8(i)?;
    let (i, session_id) = be_u16(i)?;
    let (i, length) = be_u16(i)?;
    let (i, ppp_protocol) = be_u16(i)?;
    Ok((i, Pppoe { ver_type, code, session_id, length, ppp_protocol }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gre_reads_its_optional_fields_in_order() {
        let h = [0xb0, 0x00, 0x08, 0x00, 0x12, 0x34, 0, 0, 0, 0, 0, 7, 0, 0, 0, 9, 0x45];
        let (rest, g) = parse_gre(&h).unwrap();
        assert_eq!((g.proto, g.checksum, g.key, g.seq), (0x0800, Some(0x1234), Some(7), Some(9)));
        assert_eq!(rest, [0x45]);
        assert!(parse_gre(&h[..9]).is_err());
    }

    #[test]
    fn vxlan_mpls_and_pppoe() {
        let (_, v) = parse_vxlan(&[0x08, 0, 0, 0, 0, 0, 42, 0]).unwrap();
        assert_eq!((v.flags, v.vni), (0x0800, 42));
        let (_, m) = parse_mpls(&[0x00, 0x06, 0x41, 0x40]).unwrap();
        assert_eq!((m.label, m.exp, m.bottom, m.ttl), (100, 0, true, 64));
        let (_, p) = parse_pppoe_session(&[0x11, 0, 0, 0x2a, 0, 42, 0, 0x21]).unwrap();
        assert_eq!((p.session_id, p.length, p.ppp_protocol), (0x2a, 42, crate::link::PPP_IPV4));
    }
}

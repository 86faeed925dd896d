//! Encapsulations that carry IP or Ethernet inside another packet: GRE (RFC 2784, with the
//! key and sequence number of RFC 2890), VXLAN (RFC 7348), Geneve (RFC 8926), Teredo (RFC
//! 4380), GTP-U (3GPP TS 29.281), an MPLS label stack (RFC 3032) and PPPoE (RFC 2516) with its
//! PPP protocol number (RFC 1661). Each parser reads its own header and says what follows; the
//! dissector walks on, to a bounded depth ([`MAX_DEPTH`]).

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
/// GTP-U's UDP port (3GPP TS 29.281 §4.4.2).
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
    /// The key, when the K bit is set (RFC 2890 §2.1); in version 1 (PPTP, RFC 2637 §4.1) the
    /// payload length and the call ID.
    pub key: Option<u32>,
    /// The sequence number, when the S bit is set (RFC 2890 §2.2).
    pub seq: Option<u32>,
    /// Version 1: the acknowledgment number, when the A bit is set.
    pub ack: Option<u32>,
}

impl Gre {
    /// The version (0: RFC 2784, 1: PPTP's enhanced GRE).
    pub fn version(&self) -> u16 {
        self.flags_version & 0x7
    }
}

/// Parse a GRE header: version 0, or version 1 (PPTP's enhanced GRE, RFC 2637 §4.1).
pub fn parse_gre(i: &[u8]) -> IResult<&[u8], Gre> {
    let (i, flags_version) = be_u16(i)?;
    let (i, proto) = be_u16(i)?;
    // RFC 2784 §2.1: the checksum, then 16 reserved bits; RFC 2890: the key, the sequence number.
    let (i, checksum) = cond(flags_version & 0x8000 != 0, terminated(be_u16, be_u16)).parse(i)?;
    let (i, key) = cond(flags_version & 0x2000 != 0, be_u32).parse(i)?;
    let (i, seq) = cond(flags_version & 0x1000 != 0, be_u32).parse(i)?;
    // RFC 2637 §4.1: version 1's A bit adds the acknowledgment number.
    let (i, ack) = cond(flags_version & 0x7 == 1 && flags_version & 0x0080 != 0, be_u32).parse(i)?;
    Ok((i, Gre { flags_version, proto, checksum, key, seq, ack }))
}

/// PPP's EtherType, as GRE names it (PPTP carries PPP frames).
pub const ETHERTYPE_PPP: u16 = 0x880b;

/// GRE protocol types of Aruba's 802.11 tunnels: 0x8200 to 0x8370 in steps of 0x10 (those
/// Wireshark 4.0 reads as 802.11).
pub const ARUBA_WLAN_FIRST: u16 = 0x8200;
/// The last of them.
pub const ARUBA_WLAN_LAST: u16 = 0x8370;

/// GRE in UDP's port (RFC 8086 §3.1).
pub const GRE_UDP_PORT: u16 = 4754;

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

/// GTP's message type for a user packet (T-PDU).
pub const GTP_T_PDU: u8 = 0xff;

/// Extension headers of one GTP-U header kept for its fields; longer chains are skipped.
pub const GTP_EXT_KEPT: usize = 4;

/// A GTPv1-U header (3GPP TS 29.281 §5.1), with its extension headers' lengths and types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gtp {
    /// Version (1), protocol type (1: GTP), and the E, S and PN bits.
    pub flags: u8,
    /// Message type (0xff: a T-PDU, i.e. a user packet).
    pub message: u8,
    /// Length of what follows the first 8 octets.
    pub length: u16,
    /// Tunnel endpoint identifier.
    pub teid: u32,
    /// Sequence number, when S is set.
    pub seq: Option<u16>,
    /// N-PDU number, when PN is set.
    pub npdu: Option<u8>,
    /// Next extension header types: the header's (when E is set), then each extension's.
    pub next: [u8; GTP_EXT_KEPT + 1],
    /// Extension header lengths (in 4-octet units), one per extension read.
    pub ext_len: [u8; GTP_EXT_KEPT],
    /// Extension headers read (at most [`GTP_EXT_KEPT`] kept).
    pub exts: u8,
}

impl Gtp {
    /// The next-type octets shown: none without E, else one more than the extensions kept.
    pub fn next_types(&self) -> &[u8] {
        if self.flags & 0x04 == 0 {
            return &[];
        }
        &self.next[..=usize::from(self.exts).min(GTP_EXT_KEPT)]
    }
}

/// Parse a GTPv1-U header (version 1, protocol type GTP); anything else is not GTP-U.
pub fn parse_gtp_u(i: &[u8]) -> IResult<&[u8], Gtp> {
    let (i, (flags, message, length, teid)) = (be_u8, be_u8, be_u16, be_u32).parse(i)?;
    if flags >> 5 != 1 || flags & 0x10 == 0 {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify)));
    }
    let mut g = Gtp {
        flags,
        message,
        length,
        teid,
        seq: None,
        npdu: None,
        next: [0; GTP_EXT_KEPT + 1],
        ext_len: [0; GTP_EXT_KEPT],
        exts: 0,
    };
    // §5.1: any of E, S, PN brings all four optional octets.
    if flags & 0x07 == 0 {
        return Ok((i, g));
    }
    let (mut i, (seq, npdu, mut next)) = (be_u16, be_u8, be_u8).parse(i)?;
    g.seq = (flags & 0x02 != 0).then_some(seq);
    g.npdu = (flags & 0x01 != 0).then_some(npdu);
    if flags & 0x04 == 0 {
        return Ok((i, g));
    }
    g.next[0] = next;
    // §5.2: each extension header is a length in 4-octet units, its content and the next
    // type; a zero length cannot be walked past.
    let mut n = 0usize;
    while next != 0 {
        let (r, len) = be_u8(i)?;
        if len == 0 {
            return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify)));
        }
        let (r, _) = nom::bytes::complete::take(usize::from(len) * 4 - 2)(r)?;
        let (r, nx) = be_u8(r)?;
        if n < GTP_EXT_KEPT {
            g.ext_len[n] = len;
            g.next[n + 1] = nx;
        }
        n += 1;
        next = nx;
        i = r;
    }
    g.exts = u8::try_from(n).unwrap_or(u8::MAX);
    Ok((i, g))
}

/// The 24-bit OUIs of Wireshark 4.0's manufacturer file, sorted, 3 bytes each (made by
/// tests/scripts/gen_oui.py).
static OUIS: &[u8] = include_bytes!("oui24.bin");

/// Whether a MAC address starts with an OUI Wireshark 4.0 knows a manufacturer for.
fn known_oui(mac: &[u8]) -> bool {
    let Some(&[a, b, c]) = mac.get(..3) else { return false };
    OUIS.as_chunks::<3>().0.binary_search(&[a, b, c]).is_ok()
}

/// What follows an MPLS label stack, as Wireshark 4.0 decides from its first nibble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MplsPayload<'a> {
    /// IPv4 (nibble 4), directly or in an associated channel (channel type 0x0021).
    Ipv4(&'a [u8]),
    /// IPv6 (nibble 6, or channel type 0x0057).
    Ipv6(&'a [u8]),
    /// An Ethernet pseudowire (nibble 0; RFC 4448), after its control word when it has one.
    Ethernet(&'a [u8]),
    /// Something else: an associated channel of another type (BFD, ...), or another nibble.
    Other,
}

/// RFC 4385 / 4448: after the bottom label, IPv4 and IPv6 by their version nibble; 0 starts
/// an Ethernet pseudowire, 1 an associated channel header (RFC 4385 §3) whose channel type
/// names what follows. Whether a pseudowire opens with a 4-byte control word the wire does
/// not say: Wireshark takes a frame whose two MAC addresses both start with a known OUI as
/// one without (and so does synack, from the same OUI list).
pub fn mpls_payload(b: &[u8]) -> MplsPayload<'_> {
    match b.first().map(|x| x >> 4) {
        Some(4) => MplsPayload::Ipv4(b),
        Some(6) => MplsPayload::Ipv6(b),
        Some(0) if b.len() >= 14 && known_oui(&b[0..3]) && known_oui(&b[6..9]) => MplsPayload::Ethernet(b),
        Some(0) => MplsPayload::Ethernet(b.get(4..).unwrap_or(&[])),
        Some(1) => match b.get(2..4) {
            Some([0x00, 0x21]) => MplsPayload::Ipv4(&b[4..]),
            Some([0x00, 0x57]) => MplsPayload::Ipv6(&b[4..]),
            _ => MplsPayload::Other,
        },
        _ => MplsPayload::Other,
    }
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

/// A PPPoE header (RFC 2516 §4): a discovery packet's, or a session's with the PPP protocol
/// number after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pppoe {
    /// Version and type (4 bits each; 1 and 1).
    pub ver_type: u8,
    /// Code (0 in the session stage; PADI, PADO, ... in discovery).
    pub code: u8,
    /// Session ID.
    pub session_id: u16,
    /// Payload length.
    pub length: u16,
    /// A session's PPP protocol (0x0021 IPv4, 0x0057 IPv6); None in discovery.
    pub ppp_protocol: Option<u16>,
}

/// The PPPoE credits tag (RFC 4938 §5), which may open a session's payload.
const PPPOE_TAG_CREDITS: u16 = 0x0106;

/// Parse a PPPoE discovery header (its tags are not read: they carry no IP).
pub fn parse_pppoe_discovery(i: &[u8]) -> IResult<&[u8], Pppoe> {
    let (i, (ver_type, code, session_id, length)) = (be_u8, be_u8, be_u16, be_u16).parse(i)?;
    Ok((i, Pppoe { ver_type, code, session_id, length, ppp_protocol: None }))
}

/// Parse a PPPoE session header and the PPP protocol field. The payload is cut to the payload
/// length: what follows it is Ethernet padding (RFC 2516 §4), as Wireshark reads it too.
pub fn parse_pppoe_session(i: &[u8]) -> IResult<&[u8], Pppoe> {
    let (i, mut p) = parse_pppoe_discovery(i)?;
    let i = &i[..i.len().min(usize::from(p.length))];
    let (i, credits) =
        nom::combinator::opt(nom::bytes::complete::tag(&PPPOE_TAG_CREDITS.to_be_bytes()[..])).parse(i)?;
    let (i, _) = nom::bytes::complete::take(if credits.is_some() { 6usize } else { 0 })(i)?;
    let (i, ppp_protocol) = be_u16(i)?;
    p.ppp_protocol = Some(ppp_protocol);
    Ok((i, p))
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
        assert_eq!((p.session_id, p.length, p.ppp_protocol), (0x2a, 42, Some(crate::link::PPP_IPV4)));
    }

    #[test]
    fn gtp_reads_the_optional_octets_and_walks_extension_headers() {
        let plain = [0x30, 0xff, 0, 4, 0, 0, 0, 7, 0x45];
        let (rest, g) = parse_gtp_u(&plain).unwrap();
        assert_eq!((g.teid, g.seq, g.next_types(), rest), (7, None, &[][..], &[0x45][..]));
        // E and S: sequence number 5, a PDCP PDU number extension (length 1), then none.
        let ext = [0x36, 0xff, 0, 12, 0, 0, 0, 1, 0, 5, 0, 0xc0, 1, 0x09, 0x04, 0, 0x60];
        let (rest, g) = parse_gtp_u(&ext).unwrap();
        assert_eq!((g.seq, g.npdu, g.next_types(), g.exts, rest), (Some(5), None, &[0xc0, 0][..], 1, &[0x60][..]));
        // Version 2 (GTPv2-C), a zero extension length, a cut header: not GTP-U.
        assert!(parse_gtp_u(&[0x48, 0x20, 0, 4, 0, 0, 0, 1]).is_err());
        assert!(parse_gtp_u(&[0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 0, 0]).is_err());
        assert!(parse_gtp_u(&ext[..13]).is_err());
    }

    #[test]
    fn mpls_payloads_as_wireshark_tells_them_apart() {
        assert!(known_oui(&[0x00, 0x11, 0x22]) && known_oui(&[0x00, 0x00, 0x0c]));
        assert!(!known_oui(&[0x02, 0x00, 0x00]) && !known_oui(&[0x01, 0x00, 0x5e]) && !known_oui(&[0x00]));
        // Both MACs known (00:11:22 CIMSYS): no control word.
        let mut eth = vec![0, 0x11, 0x22, 0, 0, 2, 0, 0x11, 0x22, 0, 0, 1, 0x08, 0];
        assert_eq!(mpls_payload(&eth), MplsPayload::Ethernet(&eth));
        // A locally administered source: the first 4 bytes are a control word.
        eth[6] = 0x02;
        assert_eq!(mpls_payload(&eth), MplsPayload::Ethernet(&eth[4..]));
        assert_eq!(mpls_payload(&[0x10, 0, 0, 0x21, 0x45]), MplsPayload::Ipv4(&[0x45]));
        assert_eq!(mpls_payload(&[0x10, 0, 0, 0x07, 0x20]), MplsPayload::Other);
        assert_eq!(mpls_payload(&[0x45]), MplsPayload::Ipv4(&[0x45]));
        assert_eq!(mpls_payload(&[0x50]), MplsPayload::Other);
    }

    #[test]
    fn pppoe_payload_stops_at_its_length_and_skips_a_credits_tag() {
        let padded = [0x11, 0, 0, 1, 0, 4, 0, 0x21, 0x45, 0x00, 0xee, 0xee];
        assert_eq!(parse_pppoe_session(&padded).unwrap().0, [0x45, 0x00]);
        let credits = [0x11, 0, 0, 1, 0, 11, 0x01, 0x06, 0, 4, 0, 1, 0, 2, 0, 0x57, 0x60];
        let (rest, p) = parse_pppoe_session(&credits).unwrap();
        assert_eq!((rest, p.ppp_protocol), (&[0x60][..], Some(crate::link::PPP_IPV6)));
        let (rest, d) = parse_pppoe_discovery(&[0x11, 0x09, 0, 0, 0, 4, 1, 1, 0, 0]).unwrap();
        assert_eq!((d.code, d.ppp_protocol, rest.len()), (0x09, None, 4));
    }
}

//! Link layers: Ethernet II with 802.1Q/802.1ad tags, Linux cooked capture v1 (SLL) and v2
//! (SLL2), BSD null/loopback, raw IP, PPP, Cisco HDLC, Linux netfilter log (NFLOG), and 802.11
//! with or without radiotap (read in [`crate::wlan`]).
//!
//! Link-type numbers are the tcpdump.org LINKTYPE_ values stored in pcap and pcapng headers.

use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u32, be_u8, le_u32};
use nom::IResult;

/// LINKTYPE_NULL: BSD loopback, 4-byte address family in the capturing host's byte order.
pub const LINKTYPE_NULL: u32 = 0;
/// LINKTYPE_ETHERNET.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// LINKTYPE_PPP: PPP (RFC 1661), with or without the HDLC-like address and control bytes.
pub const LINKTYPE_PPP: u32 = 9;
/// LINKTYPE_PPP_HDLC: PPP in HDLC-like framing (RFC 1662).
pub const LINKTYPE_PPP_HDLC: u32 = 50;
/// LINKTYPE_C_HDLC: Cisco HDLC.
pub const LINKTYPE_C_HDLC: u32 = 104;
/// DLT_RAW as some BSDs number it.
pub const LINKTYPE_RAW_BSD: u32 = 12;
/// LINKTYPE_RAW: raw IPv4 or IPv6, chosen by the version nibble.
pub const LINKTYPE_RAW: u32 = 101;
/// LINKTYPE_LOOP: OpenBSD loopback, address family in network byte order.
pub const LINKTYPE_LOOP: u32 = 108;
/// LINKTYPE_LINUX_SLL: Linux cooked capture v1.
pub const LINKTYPE_LINUX_SLL: u32 = 113;
/// LINKTYPE_IPV4: raw IPv4.
pub const LINKTYPE_IPV4: u32 = 228;
/// LINKTYPE_IPV6: raw IPv6.
pub const LINKTYPE_IPV6: u32 = 229;
/// LINKTYPE_LINUX_SLL2: Linux cooked capture v2.
pub const LINKTYPE_LINUX_SLL2: u32 = 276;
/// LINKTYPE_IEEE802_11: 802.11 frames without a radio header.
pub const LINKTYPE_IEEE802_11: u32 = 105;
/// LINKTYPE_IEEE802_11_RADIOTAP: 802.11 frames behind a radiotap header.
pub const LINKTYPE_IEEE802_11_RADIOTAP: u32 = 127;
/// LINKTYPE_NFLOG: Linux netfilter log messages (a header, then TLVs, one carrying the packet).
pub const LINKTYPE_NFLOG: u32 = 239;

/// Every link type synack decodes: the one list the dissector, the plugin and the docs ask.
pub const SUPPORTED: &[u32] = &[
    LINKTYPE_NULL,
    LINKTYPE_ETHERNET,
    LINKTYPE_PPP,
    LINKTYPE_PPP_HDLC,
    LINKTYPE_RAW_BSD,
    LINKTYPE_RAW,
    LINKTYPE_IEEE802_11,
    LINKTYPE_C_HDLC,
    LINKTYPE_LOOP,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_IEEE802_11_RADIOTAP,
    LINKTYPE_IPV4,
    LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_NFLOG,
];

/// Whether synack decodes link type `linktype`.
pub fn is_supported(linktype: u32) -> bool {
    SUPPORTED.contains(&linktype)
}

/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
/// EtherType of an IEEE 802.1Q tag.
pub const ETHERTYPE_VLAN: u16 = 0x8100;
/// EtherType of an IEEE 802.1ad (QinQ) service tag.
pub const ETHERTYPE_QINQ: u16 = 0x88a8;
/// Pre-standard QinQ tag EtherType still seen in captures.
pub const ETHERTYPE_QINQ_OLD: u16 = 0x9100;

/// An Ethernet II header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ethernet {
    /// Destination MAC address.
    pub dst: [u8; 6],
    /// Source MAC address.
    pub src: [u8; 6],
    /// EtherType (or 802.3 length when <= 1500).
    pub ethertype: u16,
}

/// One 802.1Q / 802.1ad tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vlan {
    /// Priority code point (3 bits).
    pub priority: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN identifier (12 bits).
    pub id: u16,
    /// EtherType that follows the tag.
    pub ethertype: u16,
}

/// A Linux cooked-capture header, v1 or v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sll {
    /// 1 or 2.
    pub version: u8,
    /// Packet type (0 = to us, 4 = outgoing, ...).
    pub pkttype: u16,
    /// ARPHRD_ device type.
    pub hatype: u16,
    /// Link-layer address length.
    pub halen: u16,
    /// Link-layer address (first `halen` bytes are valid, at most 8).
    pub addr: [u8; 8],
    /// Protocol (an EtherType for most device types).
    pub protocol: u16,
    /// Interface index (SLL2 only).
    pub ifindex: u32,
}

/// What follows the link header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// An IPv4 packet.
    Ipv4,
    /// An IPv6 packet.
    Ipv6,
    /// Something synack does not dissect (ARP, LLC, ...), with its EtherType or family.
    Other(u32),
}

/// Map an EtherType to the next layer.
pub(crate) fn next_from_ethertype(ethertype: u16) -> Next {
    match ethertype {
        ETHERTYPE_IPV4 => Next::Ipv4,
        ETHERTYPE_IPV6 => Next::Ipv6,
        other => Next::Other(u32::from(other)),
    }
}

/// Parse an Ethernet II header.
#[inline]
pub(crate) fn parse_ethernet(i: &[u8]) -> IResult<&[u8], Ethernet> {
    let (i, dst) = take(6usize)(i)?;
    let (i, src) = take(6usize)(i)?;
    let (i, ethertype) = be_u16(i)?;
    let mut d = [0u8; 6];
    let mut s = [0u8; 6];
    d.copy_from_slice(dst);
    s.copy_from_slice(src);
    Ok((i, Ethernet { dst: d, src: s, ethertype }))
}

/// Parse one 802.1Q tag (the 4 bytes after the TPID).
pub(crate) fn parse_vlan(i: &[u8]) -> IResult<&[u8], Vlan> {
    let (i, tci) = be_u16(i)?;
    let (i, ethertype) = be_u16(i)?;
    Ok((i, Vlan { priority: (tci >> 13) as u8, dei: tci & 0x1000 != 0, id: tci & 0x0fff, ethertype }))
}

/// Parse a Linux cooked-capture v1 header (16 bytes).
pub(crate) fn parse_sll(i: &[u8]) -> IResult<&[u8], Sll> {
    let (i, pkttype) = be_u16(i)?;
    let (i, hatype) = be_u16(i)?;
    let (i, halen) = be_u16(i)?;
    let (i, a) = take(8usize)(i)?;
    let (i, protocol) = be_u16(i)?;
    let mut addr = [0u8; 8];
    addr.copy_from_slice(a);
    Ok((i, Sll { version: 1, pkttype, hatype, halen, addr, protocol, ifindex: 0 }))
}

/// Parse a Linux cooked-capture v2 header (20 bytes).
pub(crate) fn parse_sll2(i: &[u8]) -> IResult<&[u8], Sll> {
    let (i, protocol) = be_u16(i)?;
    let (i, _reserved) = be_u16(i)?;
    let (i, ifindex) = be_u32(i)?;
    let (i, hatype) = be_u16(i)?;
    let (i, pkttype) = be_u8(i)?;
    let (i, halen) = be_u8(i)?;
    let (i, a) = take(8usize)(i)?;
    let mut addr = [0u8; 8];
    addr.copy_from_slice(a);
    Ok((i, Sll { version: 2, pkttype: u16::from(pkttype), hatype, halen: u16::from(halen), addr, protocol, ifindex }))
}

/// BSD address families that mean IPv6 (NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30, Linux 10).
fn null_family_next(family: u32) -> Next {
    match family {
        2 => Next::Ipv4,
        10 | 24 | 28 | 30 => Next::Ipv6,
        other => Next::Other(other),
    }
}

/// Decode a DLT_NULL header read as little-endian. The family is in the capturing host's byte
/// order; IRIX and UNICOS/mp snoop put a 16-bit family in the first two bytes. BSD families are
/// small, so the upper bytes tell which layout and byte order were used (as Wireshark does).
fn null_family(le: u32) -> u32 {
    if le & 0xffff_0000 != 0 {
        if le & 0xff00_0000 == 0 && le & 0x00ff_0000 < 0x0006_0000 {
            le >> 16
        } else {
            le.swap_bytes()
        }
    } else if le & 0xff == 0 && le & 0xff00 < 0x0600 {
        u32::from((le as u16).swap_bytes())
    } else {
        le
    }
}

/// Read stacked 802.1ad/802.1Q tags (outer first; each carries the next EtherType), handing
/// each to `each`; returns the EtherType after the last tag and what follows it, or None if a
/// tag is cut short.
#[inline]
fn walk_tags<'a>(mut ethertype: u16, mut rest: &'a [u8], each: &mut impl FnMut(LinkHeader)) -> Option<(u16, &'a [u8])> {
    while matches!(ethertype, ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD) {
        let (r, tag) = parse_vlan(rest).ok()?;
        each(LinkHeader::Vlan(tag));
        ethertype = tag.ethertype;
        rest = r;
    }
    Some((ethertype, rest))
}

/// One link-layer header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkHeader {
    /// Ethernet II.
    Ethernet(Ethernet),
    /// Linux cooked capture.
    Sll(Sll),
    /// BSD loopback address family.
    Null(u32),
    /// An 802.1Q / 802.1ad tag.
    Vlan(Vlan),
    /// A PPP header.
    Ppp(Ppp),
    /// A Cisco HDLC header.
    Chdlc(Chdlc),
    /// A netfilter log header and its TLVs.
    Nflog(Nflog),
    /// A radiotap header.
    Radiotap(crate::wlan::Radiotap),
    /// An 802.11 MAC header.
    Wlan(crate::wlan::Wlan),
    /// An LLC (and SNAP) header.
    Llc(crate::wlan::Llc),
}

/// NFLOG TLVs kept per frame for their fields (real messages have about ten); later ones are
/// walked past.
pub const NFLOG_TLVS_KEPT: usize = 12;

/// A netfilter log message (Linux `nfnetlink_log`; tcpdump.org's LINKTYPE_NFLOG page): the
/// address family, version and resource (group) ID, then TLVs, read here for their lengths and
/// types and the few values people filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Nflog {
    /// Address family of the packet (2: IPv4, 10: IPv6).
    pub family: u8,
    /// Version (0).
    pub version: u8,
    /// Resource ID: the nflog group.
    pub res_id: u16,
    /// (length, type) of each TLV, in order (at most [`NFLOG_TLVS_KEPT`]).
    pub tlvs: [(u16, u16); NFLOG_TLVS_KEPT],
    /// TLVs kept.
    pub count: u8,
    /// NFULA_PACKET_HDR: the hardware protocol (an EtherType) and the netfilter hook.
    pub packet_hdr: Option<(u16, u8)>,
    /// NFULA_IFINDEX_INDEV.
    pub indev: Option<u32>,
    /// NFULA_IFINDEX_OUTDEV.
    pub outdev: Option<u32>,
    /// NFULA_UID.
    pub uid: Option<u32>,
    /// NFULA_GID.
    pub gid: Option<u32>,
}

/// NFULA_ attribute types (linux/netfilter/nfnetlink_log.h).
const NFULA_PACKET_HDR: u16 = 1;
const NFULA_IFINDEX_INDEV: u16 = 4;
const NFULA_IFINDEX_OUTDEV: u16 = 5;
const NFULA_PAYLOAD: u16 = 9;
const NFULA_UID: u16 = 11;
const NFULA_GID: u16 = 14;

/// Parse an NFLOG message: its header, its TLVs, and the packet (NFULA_PAYLOAD) with what the
/// address family says it is. TLV lengths and types are in the byte order of the host that
/// wrote the capture; the first TLV's length tells which (a TLV is at least 4 bytes and fits).
/// Values are in network order, each TLV padded to 4 bytes.
fn parse_nflog(data: &[u8]) -> Option<(Nflog, Next, &[u8])> {
    let [family, version, r0, r1, tlvs @ ..] = data else { return None };
    let mut rest = tlvs;
    let mut n =
        Nflog { family: *family, version: *version, res_id: u16::from_be_bytes([*r0, *r1]), ..Nflog::default() };
    let le = match rest {
        [a, b, ..] => {
            let len = usize::from(u16::from_le_bytes([*a, *b]));
            (4..=rest.len()).contains(&len)
        }
        _ => true,
    };
    let get16 = |b: [u8; 2]| if le { u16::from_le_bytes(b) } else { u16::from_be_bytes(b) };
    let be32 = |v: &[u8]| v.get(..4).map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]));
    let mut payload = None;
    let mut seen = 0usize;
    while let [l0, l1, t0, t1, ..] = rest {
        let len = get16([*l0, *l1]);
        let kind = get16([*t0, *t1]) & 0x7fff;
        if seen < NFLOG_TLVS_KEPT {
            n.tlvs[seen] = (len, kind);
        }
        seen += 1;
        let Some(value) = rest.get(4..usize::from(len)) else { break };
        match kind {
            NFULA_PACKET_HDR => {
                if let [h0, h1, hook, ..] = value {
                    n.packet_hdr = Some((u16::from_be_bytes([*h0, *h1]), *hook));
                }
            }
            NFULA_IFINDEX_INDEV => n.indev = be32(value),
            NFULA_IFINDEX_OUTDEV => n.outdev = be32(value),
            NFULA_UID => n.uid = be32(value),
            NFULA_GID => n.gid = be32(value),
            NFULA_PAYLOAD => payload = Some(value),
            _ => {}
        }
        // Each TLV is padded to a multiple of 4 bytes.
        rest = rest.get((usize::from(len) + 3) & !3..).unwrap_or(&[]);
    }
    n.count = u8::try_from(seen.min(NFLOG_TLVS_KEPT)).unwrap_or(0);
    let next = match (n.family, payload) {
        (2, Some(_)) => Next::Ipv4,
        (10, Some(_)) => Next::Ipv6,
        (f, _) => Next::Other(u32::from(f)),
    };
    Some((n, next, payload.unwrap_or(&[])))
}

/// A PPP header (RFC 1661 §2): the HDLC-like address and control bytes when present (RFC 1662
/// §3.1), and the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ppp {
    /// Address (0xff) and control (0x03), when present.
    pub address_control: Option<(u8, u8)>,
    /// Protocol (0x0021 IPv4, 0x0057 IPv6).
    pub protocol: u16,
}

/// A Cisco HDLC header: address, control, and an EtherType.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chdlc {
    /// Address (0x0f unicast, 0x8f broadcast).
    pub address: u8,
    /// EtherType of the payload.
    pub protocol: u16,
}

/// PPP protocol numbers (RFC 1332, RFC 5072).
pub const PPP_IPV4: u16 = 0x0021;
/// IPv6 over PPP.
pub const PPP_IPV6: u16 = 0x0057;

/// What a PPP protocol number names next (a PPP link or a PPPoE session).
pub(crate) fn next_from_ppp(protocol: u16) -> Next {
    match protocol {
        PPP_IPV4 => Next::Ipv4,
        PPP_IPV6 => Next::Ipv6,
        p => Next::Other(u32::from(p)),
    }
}

/// A PPP header and what follows it.
pub(crate) fn parse_ppp(data: &[u8]) -> Option<(Ppp, &[u8])> {
    let (address_control, rest) = match data {
        [0xff, 0x03, rest @ ..] => (Some((0xff, 0x03)), rest),
        _ => (None, data),
    };
    // RFC 1661 §6.5: a compressed protocol field is one odd byte.
    let (protocol, rest) = match rest {
        [p, rest @ ..] if p & 1 == 1 => (u16::from(*p), rest),
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => return None,
    };
    Some((Ppp { address_control, protocol }, rest))
}

/// Why the link layer could not be walked to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkProblem {
    /// The frame ends inside a link header.
    Truncated,
    /// A link type synack does not decode.
    Unsupported(u32),
}

impl core::fmt::Display for LinkProblem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LinkProblem::Truncated => f.write_str("link-layer header cut short"),
            LinkProblem::Unsupported(t) => write!(f, "unsupported link type {t}"),
        }
    }
}

impl std::error::Error for LinkProblem {}

/// Walk the link headers of `linktype`, handing each to `each` outermost first, and return what
/// follows them and its bytes (an error on a short frame, after the headers read so far).
///
/// The headers go straight to the caller, which keeps what it wants: the CLI's reading thread
/// wants none of them, and building them into a struct for every frame was measurably slower.
#[inline]
pub fn walk_link(linktype: u32, data: &[u8], each: impl FnMut(LinkHeader)) -> Result<(Next, &[u8]), LinkProblem> {
    walk_link_cut(linktype, data, 0, each)
}

/// [`walk_link`] on a frame whose last `missing` bytes the capture cut off: a trailer that
/// ends the frame (802.11's FCS) is then not among the captured bytes.
#[inline]
pub fn walk_link_cut(
    linktype: u32,
    data: &[u8],
    missing: usize,
    each: impl FnMut(LinkHeader),
) -> Result<(Next, &[u8]), LinkProblem> {
    if !is_supported(linktype) {
        return Err(LinkProblem::Unsupported(linktype));
    }
    walk_supported(linktype, data, missing, each).ok_or(LinkProblem::Truncated)
}

fn walk_supported(
    linktype: u32,
    data: &[u8],
    missing: usize,
    mut each: impl FnMut(LinkHeader),
) -> Option<(Next, &[u8])> {
    match linktype {
        LINKTYPE_ETHERNET => {
            let (rest, eth) = parse_ethernet(data).ok()?;
            each(LinkHeader::Ethernet(eth));
            let (ethertype, rest) = walk_tags(eth.ethertype, rest, &mut each)?;
            if ethertype <= 1500 {
                // IEEE 802.3: a length, then an LLC header (not for Novell's raw IPX, 0xffff),
                // whose SNAP extension may name an EtherType (RFC 1042).
                let body = &rest[..rest.len().min(usize::from(ethertype))];
                if !body.starts_with(&[0xff, 0xff]) {
                    if let Some((llc, after)) = crate::wlan::parse_llc(body) {
                        each(LinkHeader::Llc(llc));
                        if let Some((0 | 0xf8, t)) = llc.snap {
                            return Some((next_from_ethertype(t), after));
                        }
                    }
                }
                return Some((Next::Other(u32::from(ethertype)), rest));
            }
            Some((next_from_ethertype(ethertype), rest))
        }
        LINKTYPE_LINUX_SLL | LINKTYPE_LINUX_SLL2 => {
            let parsed = if linktype == LINKTYPE_LINUX_SLL { parse_sll(data) } else { parse_sll2(data) };
            let (rest, sll) = parsed.ok()?;
            each(LinkHeader::Sll(sll));
            let (ethertype, rest) = walk_tags(sll.protocol, rest, &mut each)?;
            Some((next_from_ethertype(ethertype), rest))
        }
        LINKTYPE_NULL => {
            let (rest, raw) = le_u32::<_, nom::error::Error<&[u8]>>(data).ok()?;
            let family = null_family(raw);
            each(LinkHeader::Null(family));
            // Values above the 802.3 length limit are EtherTypes, as some writers store them.
            let next = if family > 1500 { next_from_ethertype(family as u16) } else { null_family_next(family) };
            Some((next, rest))
        }
        LINKTYPE_LOOP => {
            let (rest, family) = be_u32::<_, nom::error::Error<&[u8]>>(data).ok()?;
            each(LinkHeader::Null(family));
            Some((null_family_next(family), rest))
        }
        LINKTYPE_RAW | LINKTYPE_RAW_BSD => match data.first().map(|b| b >> 4) {
            Some(4) => Some((Next::Ipv4, data)),
            Some(6) => Some((Next::Ipv6, data)),
            Some(v) => Some((Next::Other(u32::from(v)), data)),
            None => None,
        },
        LINKTYPE_PPP | LINKTYPE_PPP_HDLC => {
            let (ppp, rest) = parse_ppp(data)?;
            each(LinkHeader::Ppp(ppp));
            Some((next_from_ppp(ppp.protocol), rest))
        }
        LINKTYPE_C_HDLC => {
            let [address, _control, a, b, rest @ ..] = data else { return None };
            let protocol = u16::from_be_bytes([*a, *b]);
            each(LinkHeader::Chdlc(Chdlc { address: *address, protocol }));
            Some((next_from_ethertype(protocol), rest))
        }
        LINKTYPE_IPV4 => Some((Next::Ipv4, data)),
        LINKTYPE_IPV6 => Some((Next::Ipv6, data)),
        LINKTYPE_IEEE802_11 | LINKTYPE_IEEE802_11_RADIOTAP => {
            crate::wlan::walk(linktype == LINKTYPE_IEEE802_11_RADIOTAP, data, missing, each)
        }
        LINKTYPE_NFLOG => {
            let (n, next, payload) = parse_nflog(data)?;
            each(LinkHeader::Nflog(n));
            Some((next, payload))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nflog_finds_the_payload_in_either_byte_order() {
        // Little-endian TLV headers: PACKET_HDR (8), a 1-byte prefix padded to 4, PAYLOAD.
        let le = [2, 0, 0, 42, 8, 0, 1, 0, 0x08, 0, 3, 0, 5, 0, 10, 0, 0, 0, 0, 0, 6, 0, 9, 0, 0x45, 0];
        let (h, next) = parse_link(LINKTYPE_NFLOG, &le);
        let (next, payload) = next.unwrap();
        assert_eq!((next, payload), (Next::Ipv4, &[0x45, 0][..]));
        let LinkHeader::Nflog(n) = h[0] else { panic!("{h:?}") };
        assert_eq!((n.res_id, n.count, n.packet_hdr), (42, 3, Some((0x0800, 3))));
        assert_eq!(&n.tlvs[..3], &[(8, 1), (5, 10), (6, 9)]);
        // Big-endian, IPv6, and a TLV running past the frame ends the walk.
        let be = [10, 0, 0, 1, 0, 6, 0, 9, 0x60, 0, 0, 0, 0, 8, 0, 11, 0];
        let (h, next) = parse_link(LINKTYPE_NFLOG, &be);
        assert_eq!(next.unwrap(), (Next::Ipv6, &[0x60, 0][..]));
        let LinkHeader::Nflog(n) = h[0] else { panic!("{h:?}") };
        assert_eq!((n.count, n.uid), (2, None));
    }

    /// The headers `walk_link` hands out, and what follows them.
    fn parse_link(linktype: u32, data: &[u8]) -> (Vec<LinkHeader>, Option<(Next, &[u8])>) {
        let mut h = Vec::new();
        let next = walk_link(linktype, data, |l| h.push(l)).ok();
        (h, next)
    }

    fn vlans(h: &[LinkHeader]) -> Vec<Vlan> {
        h.iter().filter_map(|l| if let LinkHeader::Vlan(v) = l { Some(*v) } else { None }).collect()
    }

    #[test]
    fn supported_link_types_are_walked() {
        // A radiotap header of 0x45 bytes claims 17733 bytes: that one is cut short.
        for &lt in SUPPORTED.iter().filter(|&&lt| lt != LINKTYPE_IEEE802_11_RADIOTAP) {
            assert!(walk_link(lt, &[0x45; 64], |_| {}).is_ok(), "{lt}");
        }
        assert_eq!(walk_link(9999, &[0x45; 64], |_| {}), Err(LinkProblem::Unsupported(9999)));
        assert_eq!(walk_link(LINKTYPE_ETHERNET, &[0x45; 6], |_| {}), Err(LinkProblem::Truncated));
    }

    #[test]
    fn ethernet_with_qinq_tags() {
        // dst, src, 88a8 | tci 0064 (vlan 100), 8100 | tci 2065 (prio 1, vlan 101), 0800
        let frame =
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x20, 0x65, 0x08, 0x00, 0x45];
        let (h, next) = parse_link(LINKTYPE_ETHERNET, &frame);
        assert_eq!(vlans(&h).iter().map(|v| v.id).collect::<Vec<_>>(), vec![100, 101]);
        assert_eq!(vlans(&h)[1].priority, 1);
        assert_eq!(next, Some((Next::Ipv4, &[0x45u8][..])));
    }

    #[test]
    fn null_family_either_byte_order() {
        // AF_INET6 on Darwin (30), little-endian host
        let (_, next) = parse_link(LINKTYPE_NULL, &[30, 0, 0, 0, 0x60]);
        assert_eq!(next.map(|n| n.0), Some(Next::Ipv6));
        // AF_INET written by a big-endian host
        let (h, next) = parse_link(LINKTYPE_NULL, &[0, 0, 0, 2, 0x45]);
        assert_eq!(h, vec![LinkHeader::Null(2)]);
        assert_eq!(next.map(|n| n.0), Some(Next::Ipv4));
        // an EtherType where the family belongs (seen in PcapPlusPlus' null_loopback.pcap)
        let (_, next) = parse_link(LINKTYPE_NULL, &[0x0f, 0x00, 0x08, 0x00, 0x45]);
        assert_eq!(next.map(|n| n.0), Some(Next::Ipv4));
    }

    #[test]
    fn short_frames_do_not_panic() {
        for lt in SUPPORTED.iter().copied().chain([9999]) {
            for n in 0..24 {
                let _ = parse_link(lt, &vec![0x81u8; n]);
            }
        }
    }
}

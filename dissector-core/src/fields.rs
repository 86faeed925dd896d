//! THE field table: every field synack can print or register, with its name, type, display
//! base and description. The CLI prints from it and the Wireshark plugin registers the
//! `synack.*` part of it, so a field's name and meaning live in exactly one place.
//!
//! Fields named like tshark's (`tcp.seq`, `dns.qry.name`, ...) carry tshark 4.0's values and
//! formatting, so `synack -T fields` can stand in for `tshark -T fields`.

use core::fmt::Write;

use crate::conn::TcpTrack;
use crate::dissect::{Layer, Packet, TcpLayer};
use crate::dns::{rtype, RecordData};
use crate::format;
use crate::tcp::{TcpOption, TcpOptions};

/// Wireshark field types synack uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// FT_UINT8.
    U8,
    /// FT_UINT16.
    U16,
    /// FT_UINT32.
    U32,
    /// FT_INT32.
    I32,
    /// FT_BOOLEAN.
    Bool,
    /// FT_STRING.
    Str,
    /// FT_IPv4.
    Ipv4,
    /// FT_IPv6.
    Ipv6,
    /// FT_ETHER.
    Ether,
    /// FT_BYTES.
    Bytes,
    /// FT_PROTOCOL (an option or protocol item; printed as the hex of its bytes).
    Protocol,
    /// FT_RELATIVE_TIME.
    RelTime,
    /// FT_ABSOLUTE_TIME (printed as epoch seconds).
    AbsTime,
    /// FT_FRAMENUM.
    FrameNum,
}

/// Display base of integer fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// BASE_NONE.
    None,
    /// BASE_DEC.
    Dec,
    /// BASE_HEX.
    Hex,
}

/// One row of the field table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// Identifier.
    pub field: Field,
    /// Filter name, e.g. `tcp.seq`.
    pub abbrev: &'static str,
    /// Human name.
    pub name: &'static str,
    /// Type.
    pub ftype: FieldType,
    /// Display base.
    pub base: Base,
    /// One-line description.
    pub desc: &'static str,
}

macro_rules! field_table {
    ($( $id:ident = $abbrev:literal, $name:literal, $ty:ident, $base:ident, $desc:literal; )*) => {
        /// Every field synack knows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Field { $($id),* }

        /// The field table, in display order.
        pub static FIELDS: &[FieldInfo] = &[
            $( FieldInfo { field: Field::$id, abbrev: $abbrev, name: $name,
                           ftype: FieldType::$ty, base: Base::$base, desc: $desc }, )*
        ];
    };
}

field_table! {
    ColNo = "_ws.col.No.", "No.", U32, Dec, "Packet-list column: frame number";
    ColTime = "_ws.col.Time", "Time", RelTime, None, "Packet-list column: seconds since the first frame";
    ColSource = "_ws.col.Source", "Source", Str, None, "Packet-list column: source address";
    ColDestination = "_ws.col.Destination", "Destination", Str, None, "Packet-list column: destination address";
    ColProtocol = "_ws.col.Protocol", "Protocol", Str, None, "Packet-list column: innermost protocol";
    ColLength = "_ws.col.Length", "Length", U32, Dec, "Packet-list column: bytes on the wire";
    ColInfo = "_ws.col.Info", "Info", Str, None, "Packet-list column: tshark's summary of the packet (TCP and DNS as tshark writes them)";
    FrameNumber = "frame.number", "Frame Number", FrameNum, None, "1-based position of the frame in the capture";
    FrameTimeRelative = "frame.time_relative", "Time since first frame", RelTime, None, "Seconds since the first frame";
    FrameTimeEpoch = "frame.time_epoch", "Epoch Time", AbsTime, None, "Capture time in seconds since 1970-01-01 UTC";
    FrameLen = "frame.len", "Frame length on the wire", U32, Dec, "Bytes on the wire";
    FrameCapLen = "frame.cap_len", "Frame length stored into the capture file", U32, Dec, "Bytes captured";
    EthSrc = "eth.src", "Source", Ether, None, "Ethernet source address";
    EthDst = "eth.dst", "Destination", Ether, None, "Ethernet destination address";
    EthType = "eth.type", "Type", U16, Hex, "EtherType after the Ethernet header";
    VlanId = "vlan.id", "ID", U16, Dec, "802.1Q VLAN identifier";
    IpVersion = "ip.version", "Version", U8, Dec, "IP version (4)";
    IpHdrLen = "ip.hdr_len", "Header Length", U8, Dec, "IPv4 header length in bytes";
    IpLen = "ip.len", "Total Length", U16, Dec, "IPv4 total length";
    IpId = "ip.id", "Identification", U16, Hex, "IPv4 identification";
    IpTtl = "ip.ttl", "Time to Live", U8, Dec, "IPv4 time to live";
    IpProto = "ip.proto", "Protocol", U8, Dec, "IPv4 payload protocol number";
    IpSrc = "ip.src", "Source Address", Ipv4, None, "IPv4 source address";
    IpDst = "ip.dst", "Destination Address", Ipv4, None, "IPv4 destination address";
    Ipv6Plen = "ipv6.plen", "Payload Length", U16, Dec, "IPv6 payload length";
    Ipv6Nxt = "ipv6.nxt", "Next Header", U8, Dec, "IPv6 next header of the fixed header";
    Ipv6Hlim = "ipv6.hlim", "Hop Limit", U8, Dec, "IPv6 hop limit";
    Ipv6Src = "ipv6.src", "Source Address", Ipv6, None, "IPv6 source address";
    Ipv6Dst = "ipv6.dst", "Destination Address", Ipv6, None, "IPv6 destination address";
    TcpSrcport = "tcp.srcport", "Source Port", U16, Dec, "TCP source port";
    TcpDstport = "tcp.dstport", "Destination Port", U16, Dec, "TCP destination port";
    TcpPort = "tcp.port", "Source or Destination Port", U16, Dec, "Either TCP port";
    TcpStream = "tcp.stream", "Stream index", U32, Dec, "Connection index, numbered as tshark does";
    TcpLen = "tcp.len", "TCP Segment Len", U32, Dec, "Payload bytes in the segment";
    TcpSeq = "tcp.seq", "Sequence Number", U32, Dec, "Sequence number relative to the sender's ISN";
    TcpSeqRaw = "tcp.seq_raw", "Sequence Number (raw)", U32, Dec, "Sequence number as sent";
    TcpNxtseq = "tcp.nxtseq", "Next Sequence Number", U32, Dec, "Relative sequence number after this segment";
    TcpAck = "tcp.ack", "Acknowledgment Number", U32, Dec, "Acknowledgment number relative to the peer's ISN";
    TcpAckRaw = "tcp.ack_raw", "Acknowledgment number (raw)", U32, Dec, "Acknowledgment number as sent";
    TcpHdrLen = "tcp.hdr_len", "Header Length", U8, Dec, "TCP header length in bytes";
    TcpFlags = "tcp.flags", "Flags", U16, Hex, "The 12 flag bits";
    TcpFlagsRes = "tcp.flags.res", "Reserved", Bool, None, "Reserved bits set";
    TcpFlagsAe = "tcp.flags.ae", "Accurate ECN", Bool, None, "AE flag";
    TcpFlagsCwr = "tcp.flags.cwr", "Congestion Window Reduced", Bool, None, "CWR flag";
    TcpFlagsEce = "tcp.flags.ece", "ECN-Echo", Bool, None, "ECE flag";
    TcpFlagsUrg = "tcp.flags.urg", "Urgent", Bool, None, "URG flag";
    TcpFlagsAck = "tcp.flags.ack", "Acknowledgment", Bool, None, "ACK flag";
    TcpFlagsPush = "tcp.flags.push", "Push", Bool, None, "PSH flag";
    TcpFlagsReset = "tcp.flags.reset", "Reset", Bool, None, "RST flag";
    TcpFlagsSyn = "tcp.flags.syn", "Syn", Bool, None, "SYN flag";
    TcpFlagsFin = "tcp.flags.fin", "Fin", Bool, None, "FIN flag";
    TcpFlagsStr = "tcp.flags.str", "TCP Flags", Str, None, "Flags as letters, RRRACEUAPRSF";
    TcpWindowSizeValue = "tcp.window_size_value", "Window", U16, Dec, "Window field as sent";
    TcpWindowSize = "tcp.window_size", "Calculated window size", U32, Dec, "Window after scaling";
    TcpWindowSizeScalefactor = "tcp.window_size_scalefactor", "Window size scaling factor", I32, Dec, "-1 unknown, -2 not used, else the multiplier";
    TcpUrgentPointer = "tcp.urgent_pointer", "Urgent Pointer", U16, Dec, "Urgent pointer field";
    TcpOptionKind = "tcp.option_kind", "Kind", U8, Dec, "Kind of each TCP option";
    TcpOptionLen = "tcp.option_len", "Length", U8, Dec, "Length of each TCP option that has one";
    TcpOptionsMssVal = "tcp.options.mss_val", "MSS Value", U16, Dec, "Maximum segment size announced";
    TcpOptionsWscaleShift = "tcp.options.wscale.shift", "Shift count", U8, Dec, "Window scale shift as sent";
    TcpOptionsWscaleMultiplier = "tcp.options.wscale.multiplier", "Multiplier", U16, Dec, "2 to the shift (shift capped at 14)";
    TcpOptionsSackPerm = "tcp.options.sack_perm", "TCP SACK Permitted Option", Protocol, None, "SACK permitted option bytes";
    TcpOptionsSackLe = "tcp.options.sack_le", "TCP SACK Left Edge", U32, Dec, "SACK block left edge, relative";
    TcpOptionsSackRe = "tcp.options.sack_re", "TCP SACK Right Edge", U32, Dec, "SACK block right edge, relative";
    TcpOptionsTsval = "tcp.options.timestamp.tsval", "Timestamp value", U32, Dec, "TSval";
    TcpOptionsTsecr = "tcp.options.timestamp.tsecr", "Timestamp echo reply", U32, Dec, "TSecr";
    UdpSrcport = "udp.srcport", "Source Port", U16, Dec, "UDP source port";
    UdpDstport = "udp.dstport", "Destination Port", U16, Dec, "UDP destination port";
    UdpPort = "udp.port", "Source or Destination Port", U16, Dec, "Either UDP port";
    UdpLength = "udp.length", "Length", U16, Dec, "UDP length field";
    DnsLength = "dns.length", "Length", U16, Dec, "Length prefix of DNS over TCP";
    DnsId = "dns.id", "Transaction ID", U16, Hex, "DNS transaction ID";
    DnsFlags = "dns.flags", "Flags", U16, Hex, "DNS flags word";
    DnsFlagsResponse = "dns.flags.response", "Response", Bool, None, "QR: message is a response";
    DnsFlagsOpcode = "dns.flags.opcode", "Opcode", U16, Dec, "DNS opcode";
    DnsFlagsTruncated = "dns.flags.truncated", "Truncated", Bool, None, "TC: message truncated";
    DnsFlagsRecdesired = "dns.flags.recdesired", "Recursion desired", Bool, None, "RD";
    DnsFlagsRcode = "dns.flags.rcode", "Reply code", U16, Dec, "RCODE (responses only)";
    DnsCountQueries = "dns.count.queries", "Questions", U16, Dec, "QDCOUNT";
    DnsCountAnswers = "dns.count.answers", "Answer RRs", U16, Dec, "ANCOUNT";
    DnsCountAuthRr = "dns.count.auth_rr", "Authority RRs", U16, Dec, "NSCOUNT";
    DnsCountAddRr = "dns.count.add_rr", "Additional RRs", U16, Dec, "ARCOUNT";
    DnsQryName = "dns.qry.name", "Name", Str, None, "Question name";
    DnsQryType = "dns.qry.type", "Type", U16, Dec, "Question type";
    DnsQryClass = "dns.qry.class", "Class", U16, Hex, "Question class";
    DnsRespName = "dns.resp.name", "Name", Str, None, "Record owner name";
    DnsRespType = "dns.resp.type", "Type", U16, Dec, "Record type";
    DnsRespClass = "dns.resp.class", "Class", U16, Hex, "Record class";
    DnsRespTtl = "dns.resp.ttl", "Time to live", U32, Dec, "Record TTL";
    DnsRespLen = "dns.resp.len", "Data length", U16, Dec, "RDLENGTH";
    DnsA = "dns.a", "Address", Ipv4, None, "A record address";
    DnsAaaa = "dns.aaaa", "AAAA Address", Ipv6, None, "AAAA record address";
    DnsCname = "dns.cname", "CNAME", Str, None, "CNAME target";
    DnsNs = "dns.ns", "Name Server", Str, None, "NS target";
    DnsPtrDomainName = "dns.ptr.domain_name", "Domain Name", Str, None, "PTR target";
    DnsMxPreference = "dns.mx.preference", "Preference", U16, Dec, "MX preference";
    DnsMxMailExchange = "dns.mx.mail_exchange", "Mail Exchange", Str, None, "MX host";
    DnsTxt = "dns.txt", "TXT", Str, None, "TXT character strings";
    DnsSoaMname = "dns.soa.mname", "Primary name server", Str, None, "SOA MNAME";
    DnsSoaRname = "dns.soa.rname", "Responsible authority's mailbox", Str, None, "SOA RNAME";
    DnsSrvPort = "dns.srv.port", "Port", U16, Dec, "SRV port";
    DnsSrvTarget = "dns.srv.target", "Target", Str, None, "SRV target";
    DnsRrUdpPayloadSize = "dns.rr.udp_payload_size", "UDP payload size", U16, Dec, "EDNS requestor's UDP payload size";
    DnsResponseIn = "dns.response_in", "Response In", FrameNum, None, "On a request: the frame of its response (needs two passes, -2)";
    DnsResponseTo = "dns.response_to", "Request In", FrameNum, None, "On a response: the frame of its request";
    DnsTime = "dns.time", "Time", RelTime, None, "On a response: seconds since its request";
    SynackSummary = "synack.summary", "Summary", Str, None, "One line: handshake step and both endpoints' states";
    SynackStream = "synack.stream", "Stream index", U32, Dec, "Connection index, numbered as tcp.stream";
    SynackFromClient = "synack.from_client", "From client", Bool, None, "Sent by the client (the endpoint that sent the first SYN)";
    SynackInferred = "synack.inferred", "Client inferred", Bool, None, "No SYN seen: the client was guessed from the ports (ephemeral side)";
    SynackStage = "synack.stage", "Handshake stage", U8, Dec, "Three-way handshake step: 1 SYN, 2 SYN+ACK, 3 ACK";
    SynackStateClient = "synack.state.client", "Client state", Str, None, "Client's RFC 9293 state after this segment";
    SynackStateServer = "synack.state.server", "Server state", Str, None, "Server's RFC 9293 state after this segment";
    SynackTransition = "synack.transition", "Transition", Str, None, "State changes this segment caused";
    SynackHsAckOk = "synack.hs.ack_ok", "Handshake ACK correct", Bool, None, "On stages 2 and 3: the ACK number is the peer's ISN + 1";
    SynackIrtt = "synack.irtt", "Initial RTT", RelTime, None, "SYN to handshake-completing ACK";
    SynackMssClient = "synack.mss.client", "Client MSS", U16, Dec, "On stage 3: the MSS the client announced";
    SynackMssServer = "synack.mss.server", "Server MSS", U16, Dec, "On stage 3: the MSS the server announced";
    SynackWsClient = "synack.ws.client", "Client window scale", U8, Dec, "On stage 3: the client's shift count, when both sides sent WS";
    SynackWsServer = "synack.ws.server", "Server window scale", U8, Dec, "On stage 3: the server's shift count, when both sides sent WS";
    SynackSack = "synack.sack", "SACK negotiated", Bool, None, "On stage 3: both sides offered SACK_PERM";
    SynackTs = "synack.ts", "Timestamps negotiated", Bool, None, "On stage 3: both sides offered timestamps";
    SynackDnsName = "synack.dns.name", "Looked up as", Str, None, "On stage 1: the name whose DNS answer gave the server's address";
    SynackDnsFrame = "synack.dns.frame", "DNS response in", FrameNum, None, "On stage 1: the frame of that DNS response";
    SynackDnsUsedBy = "synack.dns.used_by", "Used by stream", U32, Dec, "On a DNS response: streams that connected to an address it gave (needs -2)";
    SynackAnomaly = "synack.anomaly", "Anomaly", Str, None, "Handshake and state anomalies of this segment";
    SynackDnsSummary = "synack.dns.summary", "DNS transaction", Str, None, "One line per DNS message: query or response, answers, delay";
    SynackOptMss = "synack.opt.mss", "MSS", U16, Dec, "Maximum segment size this segment announces (RFC 6691)";
    SynackOptWs = "synack.opt.ws", "Window scale", U8, Dec, "Window-scale shift this segment announces, as sent (RFC 7323 2.2)";
    SynackOptSackPerm = "synack.opt.sack_perm", "SACK permitted", Bool, None, "The segment offers selective acknowledgments (RFC 2018)";
    SynackOptTsval = "synack.opt.tsval", "TSval", U32, Dec, "Timestamp value (RFC 7323 3)";
    SynackOptTsecr = "synack.opt.tsecr", "TSecr", U32, Dec, "Timestamp echo reply (RFC 7323 3)";
    SynackOptLayout = "synack.opt.layout", "Option layout", Str, None, "TCP options in wire order, p0f style (mss,sok,ts,nop,ws)";
}

impl Field {
    /// The table row of this field.
    pub fn info(self) -> &'static FieldInfo {
        // The table is generated in enum order, so the discriminant is the index.
        &FIELDS[self as usize]
    }

    /// Value names of an integer field, as Wireshark's value_string.
    pub fn value_names(self) -> &'static [(u32, &'static str)] {
        match self {
            Field::SynackStage => &crate::conn::Stage::NAMES,
            _ => &[],
        }
    }

    /// Whether the field's values come from the connection tracker: the TCP states and
    /// handshake of `synack.*`, and the DNS transactions behind `dns.response_in`,
    /// `dns.response_to`, `dns.time` and `synack.dns.*`. Every other field has the same values
    /// from a dissector with tracking off ([`crate::Dissector::set_tracking`]).
    pub fn needs_tracking(self) -> bool {
        let synack = (Field::SynackSummary as usize..=Field::SynackDnsSummary as usize).contains(&(self as usize));
        synack || matches!(self, Field::DnsResponseIn | Field::DnsResponseTo | Field::DnsTime)
    }

    /// Look a field up by its filter name.
    pub fn from_abbrev(name: &str) -> Option<Field> {
        FIELDS.iter().find(|f| f.abbrev == name).map(|f| f.field)
    }
}

/// A field value borrowed from a dissected packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'p> {
    /// Unsigned integer.
    U(u64),
    /// Unsigned 16-bit integer shown in hex whatever the field's base (mDNS registers some
    /// fields a second time with BASE_HEX).
    Hex16(u16),
    /// Signed integer.
    I(i64),
    /// Boolean.
    Bool(bool),
    /// Text.
    Str(&'p str),
    /// Owned text.
    String(String),
    /// IPv4 address.
    Ipv4([u8; 4]),
    /// IPv6 address.
    Ipv6([u8; 16]),
    /// MAC address.
    Ether([u8; 6]),
    /// Bytes.
    Bytes(&'p [u8]),
    /// Nanoseconds (relative or since the epoch).
    Time(i128),
}

/// Append the values of `field` found in `pkt`, in protocol-tree order.
pub fn values<'p>(pkt: &'p Packet<'_>, field: Field, out: &mut Vec<Value<'p>>) {
    values_indexed(pkt, &LayerIndex::new(pkt), field, out)
}

/// Which of a packet's layers belong to which protocol ([`Home`]), found once for the values
/// of several fields ([`values_indexed`]).
#[derive(Debug, Clone, Copy)]
pub struct LayerIndex {
    /// Bit i: layer i is of that kind (by `Home as usize`). `None` past 64 layers (a long VLAN
    /// stack): the layers are then looked at one by one.
    masks: Option<[u64; 5]>,
}

impl LayerIndex {
    /// The index of `pkt`'s layers.
    pub fn new(pkt: &Packet<'_>) -> LayerIndex {
        if pkt.layers.len() > 64 {
            return LayerIndex { masks: None };
        }
        let mut masks = [0u64; 5];
        for (i, l) in pkt.layers.iter().enumerate() {
            if let Some(h) = Home::of_layer(l) {
                masks[h as usize] |= 1 << i;
            }
        }
        LayerIndex { masks: Some(masks) }
    }
}

/// [`values`] with the packet's [`LayerIndex`] made by the caller, once for all its fields.
pub fn values_indexed<'p>(pkt: &'p Packet<'_>, index: &LayerIndex, field: Field, out: &mut Vec<Value<'p>>) {
    use Field as F;
    let m = &pkt.meta;
    match field {
        F::FrameNumber => return out.push(Value::U(u64::from(m.number))),
        F::FrameTimeRelative => return out.push(Value::Time(pkt.rel_ns)),
        F::FrameTimeEpoch => return out.push(Value::Time(m.ts_ns)),
        F::FrameLen => return out.push(Value::U(u64::from(m.len))),
        F::FrameCapLen => return out.push(Value::U(u64::from(m.caplen))),
        F::ColNo => return out.push(Value::U(u64::from(m.number))),
        F::ColTime => return out.push(Value::Time(pkt.rel_ns)),
        F::ColLength => return out.push(Value::U(u64::from(m.len))),
        F::ColProtocol => return out.push(Value::Str(crate::columns::protocol(pkt))),
        F::ColInfo => return out.push(Value::String(crate::columns::info(pkt))),
        F::ColSource => return out.push(Value::String(crate::columns::addresses(pkt).0)),
        F::ColDestination => return out.push(Value::String(crate::columns::addresses(pkt).1)),
        _ => {}
    }
    if let Some(tr) = &pkt.track {
        if track_values(tr, field, out) {
            return;
        }
    }
    // Each layer kind is asked only about its own protocol's fields: `-T fields` asks for every
    // field of every frame, and handing a DNS field to the TCP layer's decoding cost a call
    // and a jump table for nothing; the index goes straight to the layers of that kind
    // (-T fields on the 1M mix: 0.963 of the time checking each layer's kind, 0.934 more).
    match (Home::of(field), index.masks) {
        (Home::Any, _) => pkt.layers.iter().for_each(|l| layer_values(l, field, out)),
        (home, Some(masks)) => {
            let mut mask = masks[home as usize];
            while mask != 0 {
                let i = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                if let Some(l) = pkt.layers.get(i) {
                    layer_values(l, field, out);
                }
            }
        }
        (home, None) => {
            pkt.layers.iter().filter(|l| Home::of_layer(l) == Some(home)).for_each(|l| layer_values(l, field, out))
        }
    }
}

/// The values of `field` that `layer` holds.
fn layer_values<'p>(layer: &'p Layer<'_>, field: Field, out: &mut Vec<Value<'p>>) {
    use Field as F;
    match layer {
        Layer::Ethernet(e) => match field {
            F::EthSrc => out.push(Value::Ether(e.src)),
            F::EthDst => out.push(Value::Ether(e.dst)),
            F::EthType => out.push(Value::U(u64::from(e.ethertype))),
            _ => {}
        },
        Layer::Vlan(v) => {
            if field == F::VlanId {
                out.push(Value::U(u64::from(v.id)))
            }
        }
        Layer::Ipv4(h) => out.push(match field {
            F::IpVersion => Value::U(4),
            F::IpHdrLen => Value::U(u64::from(h.hdr_len)),
            F::IpLen => Value::U(u64::from(h.total_len)),
            F::IpId => Value::U(u64::from(h.id)),
            F::IpTtl => Value::U(u64::from(h.ttl)),
            F::IpProto => Value::U(u64::from(h.proto)),
            F::IpSrc => Value::Ipv4(h.src),
            F::IpDst => Value::Ipv4(h.dst),
            _ => return,
        }),
        Layer::Ipv6(h) => out.push(match field {
            F::Ipv6Plen => Value::U(u64::from(h.payload_len)),
            F::Ipv6Nxt => Value::U(u64::from(h.next_header)),
            F::Ipv6Hlim => Value::U(u64::from(h.hop_limit)),
            F::Ipv6Src => Value::Ipv6(h.src),
            F::Ipv6Dst => Value::Ipv6(h.dst),
            _ => return,
        }),
        Layer::Tcp(t) => tcp_values(t, field, out),
        Layer::Udp(u) => match field {
            F::UdpSrcport => out.push(Value::U(u64::from(u.header.src_port))),
            F::UdpDstport => out.push(Value::U(u64::from(u.header.dst_port))),
            F::UdpPort => {
                out.push(Value::U(u64::from(u.header.src_port)));
                out.push(Value::U(u64::from(u.header.dst_port)));
            }
            F::UdpLength => out.push(Value::U(u64::from(u.header.length))),
            _ => {}
        },
        Layer::Dns(d) => dns_values(d, field, out),
        Layer::Sll(_) | Layer::Null(_) | Layer::Icmp(_) => {}
    }
}

/// Which layer kind a field's values come from: the table is in protocol order, so the kinds
/// are ranges of it (a test checks each field's prefix). `Any`: frame and column fields,
/// answered before the layers, and synack's, which several kinds answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Home {
    /// Ethernet and 802.1Q.
    Eth = 0,
    /// IPv4 and IPv6.
    Ip = 1,
    Tcp = 2,
    Udp = 3,
    Dns = 4,
    Any = 5,
}

impl Home {
    /// The kind of a layer (`None`: a layer without fields).
    fn of_layer(l: &Layer<'_>) -> Option<Home> {
        Some(match l {
            Layer::Ethernet(_) | Layer::Vlan(_) => Home::Eth,
            Layer::Ipv4(_) | Layer::Ipv6(_) => Home::Ip,
            Layer::Tcp(_) => Home::Tcp,
            Layer::Udp(_) => Home::Udp,
            Layer::Dns(_) => Home::Dns,
            Layer::Sll(_) | Layer::Null(_) | Layer::Icmp(_) => return None,
        })
    }

    fn of(field: Field) -> Home {
        use Field as F;
        let (i, at) = (field as usize, |f: Field| f as usize);
        if i >= at(F::SynackSummary) {
            Home::Any
        } else if i >= at(F::DnsLength) {
            Home::Dns
        } else if i >= at(F::UdpSrcport) {
            Home::Udp
        } else if i >= at(F::TcpSrcport) {
            Home::Tcp
        } else if i >= at(F::IpVersion) {
            Home::Ip
        } else if i >= at(F::EthSrc) {
            Home::Eth
        } else {
            Home::Any
        }
    }
}

fn tcp_values<'p>(t: &'p TcpLayer<'_>, field: Field, out: &mut Vec<Value<'p>>) {
    use Field as F;
    let u = |v: u32| Value::U(u64::from(v));
    match field {
        F::TcpSrcport => return out.push(u(u32::from(t.src_port))),
        F::TcpDstport => return out.push(u(u32::from(t.dst_port))),
        F::TcpPort => {
            out.push(u(u32::from(t.src_port)));
            return out.push(u(u32::from(t.dst_port)));
        }
        _ => {}
    }
    let (Some(h), Some(v)) = (&t.header, &t.view) else { return };
    let hl_ok = h.hdr_len >= 20;
    if !t.in_icmp && hl_ok && option_values(&t.options, t.options_len, field, out) {
        return;
    }
    let ace = v.ace.then(|| h.flags.ace());
    match field {
        F::TcpStream => out.push(u(v.stream)),
        F::TcpLen => {
            if let Some(l) = t.seglen {
                out.push(u(l))
            }
        }
        F::TcpSeq => out.push(u(v.seq)),
        F::TcpSeqRaw => out.push(u(h.seq)),
        F::TcpHdrLen => out.push(u(u32::from(h.hdr_len))),
        _ if !hl_ok => {}
        F::TcpNxtseq => {
            if let Some(n) = v.nxtseq {
                out.push(u(n))
            }
        }
        F::TcpAck => out.push(u(v.ack)),
        F::TcpAckRaw => out.push(u(h.ack)),
        F::TcpFlags => out.push(u(u32::from(h.flags.0))),
        F::TcpFlagsRes => out.push(Value::Bool(h.flags.0 & 0xe00 != 0)),
        F::TcpFlagsAe if ace.is_none() => out.push(Value::Bool(h.flags.has(0x100))),
        F::TcpFlagsCwr if ace.is_none() => out.push(Value::Bool(h.flags.has(0x080))),
        F::TcpFlagsEce if ace.is_none() => out.push(Value::Bool(h.flags.has(0x040))),
        F::TcpFlagsUrg => out.push(Value::Bool(h.flags.has(0x020))),
        F::TcpFlagsAck => out.push(Value::Bool(h.flags.ack())),
        F::TcpFlagsPush => out.push(Value::Bool(h.flags.has(0x008))),
        F::TcpFlagsReset => out.push(Value::Bool(h.flags.rst())),
        F::TcpFlagsSyn => out.push(Value::Bool(h.flags.syn())),
        F::TcpFlagsFin => out.push(Value::Bool(h.flags.fin())),
        F::TcpFlagsStr => out.push(match ace {
            None => Value::Str(h.flags.letters()),
            Some(_) => Value::String(h.flags.to_letters(ace)),
        }),
        F::TcpWindowSizeValue => out.push(u(u32::from(h.window))),
        F::TcpWindowSize => out.push(u(v.window)),
        F::TcpWindowSizeScalefactor => {
            if let Some(s) = v.scalefactor {
                out.push(Value::I(i64::from(s)))
            }
        }
        F::TcpUrgentPointer => out.push(u(u32::from(h.urgent))),
        F::TcpOptionKind => out.extend(t.options.entries.iter().map(|e| u(u32::from(e.kind)))),
        F::TcpOptionLen => out.extend(t.options.entries.iter().filter_map(|e| e.len.map(|l| u(u32::from(l))))),
        _ => {
            for e in &t.options.entries {
                match (&e.value, field) {
                    (TcpOption::Mss(m), F::TcpOptionsMssVal) => out.push(u(u32::from(*m))),
                    (TcpOption::WindowScale(s), F::TcpOptionsWscaleShift) => out.push(u(u32::from(*s))),
                    (TcpOption::WindowScale(s), F::TcpOptionsWscaleMultiplier) => {
                        out.push(u(1u32 << TcpOption::ws_shift(*s)))
                    }
                    (TcpOption::SackPermitted, F::TcpOptionsSackPerm) => out.push(Value::Bytes(e.raw)),
                    (TcpOption::Sack(d), F::TcpOptionsSackLe | F::TcpOptionsSackRe) => {
                        // RFC 2018 §3: edges are sequence numbers of the peer's data.
                        for (le, re) in TcpOption::sack_blocks(d) {
                            let edge = if field == F::TcpOptionsSackLe { le } else { re };
                            out.push(u(edge.wrapping_sub(v.peer_base)));
                        }
                    }
                    (TcpOption::Timestamps { tsval, .. }, F::TcpOptionsTsval) => out.push(u(*tsval)),
                    (TcpOption::Timestamps { tsecr, .. }, F::TcpOptionsTsecr) => out.push(u(*tsecr)),
                    _ => {}
                }
            }
        }
    }
}

/// synack's own option decode (`synack.opt.*`): the first well-formed option of each kind.
/// Returns whether `field` is one of them.
pub fn option_values(opts: &TcpOptions<'_>, declared_len: usize, field: Field, out: &mut Vec<Value<'_>>) -> bool {
    if !(Field::SynackOptMss as usize..=Field::SynackOptLayout as usize).contains(&(field as usize)) {
        return false;
    }
    let known = core::cell::Cell::new(false);
    each_option_value(
        opts,
        declared_len,
        |f| {
            let hit = f == field;
            known.set(known.get() || hit);
            hit
        },
        |_, v| out.push(v),
    );
    known.get()
}

/// Every `synack.opt.*` value of `opts` whose field `want` asks for, handed to `each` in
/// table order: the one definition of those fields, for one field (the CLI) or all (the
/// plugin, in one pass).
pub fn each_option_value(
    opts: &TcpOptions<'_>,
    declared_len: usize,
    want: impl Fn(Field) -> bool,
    mut each: impl FnMut(Field, Value<'static>),
) {
    use Field as F;
    let u = |v: u32| Value::U(u64::from(v));
    let mut put = |f: Field, v: Option<Value<'static>>| {
        if let Some(v) = v {
            each(f, v)
        }
    };
    if want(F::SynackOptMss) {
        put(F::SynackOptMss, opts.mss().map(|m| u(u32::from(m))));
    }
    if want(F::SynackOptWs) {
        put(F::SynackOptWs, opts.window_scale().map(|w| u(u32::from(w))));
    }
    if want(F::SynackOptSackPerm) {
        put(F::SynackOptSackPerm, opts.sack_permitted().then_some(Value::Bool(true)));
    }
    let ts = opts.timestamps();
    if want(F::SynackOptTsval) {
        put(F::SynackOptTsval, ts.map(|(v, _)| u(v)));
    }
    if want(F::SynackOptTsecr) {
        put(F::SynackOptTsecr, ts.map(|(_, e)| u(e)));
    }
    if want(F::SynackOptLayout) && !opts.entries.is_empty() {
        put(F::SynackOptLayout, Some(Value::String(crate::tcp::layout(opts, declared_len))));
    }
}

/// The tracker's fields from a [`TcpTrack`] alone; returns whether `field` is one of them.
pub fn track_values<'p>(tr: &'p TcpTrack, field: Field, out: &mut Vec<Value<'p>>) -> bool {
    if !(Field::SynackSummary as usize..=Field::SynackAnomaly as usize).contains(&(field as usize)) {
        return false;
    }
    let known = core::cell::Cell::new(false);
    each_track_value(
        tr,
        |f| {
            let hit = f == field;
            known.set(known.get() || hit);
            hit
        },
        |_, v| out.push(v),
    );
    known.get()
}

/// Every tracker value of `tr` whose field `want` asks for, handed to `each` in table order:
/// the one definition of those fields, for one field (the CLI) or all (the plugin, in one pass).
pub fn each_track_value<'p>(tr: &'p TcpTrack, want: impl Fn(Field) -> bool, mut each: impl FnMut(Field, Value<'p>)) {
    use Field as F;
    let u = |v: u32| Value::U(u64::from(v));
    let neg = tr.negotiated.as_ref();
    let mut put = |f: Field, v: Option<Value<'p>>| {
        if let Some(v) = v {
            each(f, v)
        }
    };
    // Each value is made only when its field is wanted: the summary and transition allocate.
    macro_rules! field {
        ($f:expr, $v:expr) => {
            if want($f) {
                put($f, $v);
            }
        };
    }
    field!(F::SynackSummary, Some(Value::String(tr.summary())));
    field!(F::SynackStream, Some(u(tr.stream)));
    field!(F::SynackFromClient, Some(Value::Bool(tr.from_client)));
    field!(F::SynackInferred, tr.inferred.then_some(Value::Bool(true)));
    field!(F::SynackStage, tr.stage.map(|s| u(s as u32)));
    field!(F::SynackStateClient, Some(Value::Str(tr.client.name())));
    field!(F::SynackStateServer, Some(Value::Str(tr.server.name())));
    field!(F::SynackTransition, tr.transition_text().map(Value::String));
    field!(F::SynackHsAckOk, tr.ack_ok.map(Value::Bool));
    field!(F::SynackIrtt, tr.irtt_ns.map(Value::Time));
    field!(F::SynackMssClient, neg.and_then(|n| n.mss_client).map(|m| u(u32::from(m))));
    field!(F::SynackMssServer, neg.and_then(|n| n.mss_server).map(|m| u(u32::from(m))));
    field!(F::SynackWsClient, neg.and_then(|n| n.ws).map(|w| u(u32::from(w.0))));
    field!(F::SynackWsServer, neg.and_then(|n| n.ws).map(|w| u(u32::from(w.1))));
    field!(F::SynackSack, neg.map(|n| Value::Bool(n.sack)));
    field!(F::SynackTs, neg.map(|n| Value::Bool(n.ts)));
    field!(F::SynackDnsName, tr.dns.as_ref().map(|l| Value::Str(&l.name)));
    field!(F::SynackDnsFrame, tr.dns.as_ref().map(|l| u(l.frame)));
    if want(F::SynackAnomaly) {
        for n in tr.anomalies.names() {
            put(F::SynackAnomaly, Some(Value::Str(n)));
        }
    }
}

fn dns_values<'p>(d: &'p crate::dns::Message, field: Field, out: &mut Vec<Value<'p>>) {
    use Field as F;
    let h = &d.header;
    let u = |v: u16| Value::U(u64::from(v));
    let tx = d.transaction.as_ref();
    match field {
        F::DnsResponseIn => out.extend(tx.and_then(|t| t.response_in).map(|f| Value::U(u64::from(f)))),
        F::DnsResponseTo => out.extend(tx.and_then(|t| t.response_to).map(|f| Value::U(u64::from(f)))),
        F::DnsTime => out.extend(tx.and_then(|t| t.time_ns).map(Value::Time)),
        F::SynackDnsSummary => {
            if tx.is_some() {
                out.push(Value::String(d.summary()))
            }
        }
        F::SynackDnsUsedBy => {
            out.extend(tx.into_iter().flat_map(|t| t.used_by.iter().map(|s| Value::U(u64::from(*s)))))
        }
        F::DnsLength => {
            if let Some(l) = d.tcp_length {
                out.push(u(l))
            }
        }
        F::DnsId => out.push(u(h.id)),
        F::DnsFlags => out.push(u(h.flags)),
        F::DnsFlagsResponse => out.push(Value::Bool(h.is_response())),
        F::DnsFlagsOpcode => out.push(u(h.opcode())),
        F::DnsFlagsTruncated => out.push(Value::Bool(h.truncated())),
        F::DnsFlagsRecdesired => out.push(Value::Bool(h.flags & 0x0100 != 0)),
        F::DnsFlagsRcode if h.is_response() => out.push(u(h.rcode())),
        // RFC 2136 §2.2: UPDATE renames the counts (zones, prerequisites, updates).
        F::DnsCountQueries if h.opcode() != 5 => out.push(u(h.qdcount)),
        F::DnsCountAnswers if h.opcode() != 5 => out.push(u(h.ancount)),
        F::DnsCountAuthRr if h.opcode() != 5 => out.push(u(h.nscount)),
        F::DnsCountAddRr => out.push(u(h.arcount)),
        F::DnsQryName => out.extend(d.questions.iter().map(|q| Value::Str(q.name.text.as_str()))),
        F::DnsQryType => out.extend(d.questions.iter().map(|q| u(q.qtype))),
        F::DnsQryClass => {
            let mask = if d.multicast { 0x7fff } else { 0xffff };
            out.extend(d.questions.iter().map(|q| u(q.qclass & mask)))
        }
        _ => {
            for r in &d.records {
                let opt = r.rtype == rtype::OPT;
                match field {
                    F::DnsRespName if !(r.rtype == rtype::SRV && r.name.text != crate::dns::name::ROOT) => {
                        out.push(Value::Str(r.name.text.as_str()))
                    }
                    F::DnsRespType => {
                        out.push(u(r.rtype));
                        // Wireshark lists each type of an NSEC/NSEC3 bit map under the same name.
                        if let Ok(RecordData::Nsec { bitmap, .. } | RecordData::Nsec3 { bitmap, .. }) = &r.data {
                            out.extend(crate::dns::rdata::bitmap_types(bitmap).into_iter().map(u));
                        }
                    }
                    F::DnsRespClass if !opt => out.push(u(if d.multicast { r.class & 0x7fff } else { r.class })),
                    F::DnsRespTtl if !opt => out.push(Value::U(u64::from(r.ttl))),
                    F::DnsRespLen if !opt => out.push(u(r.rdlen)),
                    F::DnsRrUdpPayloadSize if opt => {
                        out.push(if d.multicast { Value::Hex16(r.class & 0x7fff) } else { u(r.class) })
                    }
                    _ => {
                        let Ok(data) = &r.data else { continue };
                        match (data, field) {
                            (RecordData::A(a), F::DnsA) => out.push(Value::Ipv4(*a)),
                            (RecordData::Aaaa(a), F::DnsAaaa) => out.push(Value::Ipv6(*a)),
                            (RecordData::Cname(n), F::DnsCname)
                            | (RecordData::Ns(n), F::DnsNs)
                            | (RecordData::Ptr(n), F::DnsPtrDomainName)
                            | (RecordData::Mx { exchange: n, .. }, F::DnsMxMailExchange)
                            | (RecordData::Soa { mname: n, .. }, F::DnsSoaMname)
                            | (RecordData::Soa { rname: n, .. }, F::DnsSoaRname)
                            | (RecordData::Srv { target: n, .. }, F::DnsSrvTarget) => {
                                out.push(Value::Str(n.text.as_str()))
                            }
                            (RecordData::Mx { preference, .. }, F::DnsMxPreference) => out.push(u(*preference)),
                            (RecordData::Srv { port, .. }, F::DnsSrvPort) => out.push(u(*port)),
                            (RecordData::Txt(strings), F::DnsTxt) => {
                                out.extend(strings.iter().map(|s| Value::String(ascii_text(s))))
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}

/// Wireshark reads TXT strings as ASCII: bytes above 0x7f become U+FFFD.
fn ascii_text(b: &[u8]) -> String {
    b.iter().map(|&c| if c < 0x80 { char::from(c) } else { '\u{fffd}' }).collect()
}

/// Write one value as tshark 4.0 prints it in `-T fields` output.
pub fn write_value(out: &mut String, info: &FieldInfo, v: &Value<'_>) {
    match v {
        Value::U(n) => match info.base {
            Base::Hex => {
                let _ = match info.ftype {
                    FieldType::U8 => write!(out, "0x{n:02x}"),
                    FieldType::U16 => write!(out, "0x{n:04x}"),
                    _ => write!(out, "0x{n:08x}"),
                };
            }
            _ => push_decimal(out, *n),
        },
        Value::Hex16(n) => {
            let _ = write!(out, "0x{n:04x}");
        }
        Value::I(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Bool(b) => out.push(if *b { '1' } else { '0' }),
        Value::Str(s) => push_escaped_nul(out, s),
        Value::String(s) => push_escaped_nul(out, s),
        Value::Ipv4(a) => out.push_str(&format::ipv4(a)),
        Value::Ipv6(a) => out.push_str(&format::ipv6(a)),
        Value::Ether(a) => out.push_str(&format::ether(a)),
        Value::Bytes(b) => out.push_str(&format::hex(b)),
        Value::Time(ns) => out.push_str(&format::seconds_ns(*ns)),
    }
}

/// Decimal digits without the formatting machinery (most values printed are integers).
fn push_decimal(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.extend(buf[i..].iter().map(|&b| char::from(b)));
}

/// tshark shows a NUL inside a string as `\0`.
fn push_escaped_nul(out: &mut String, s: &str) {
    if !s.contains('\0') {
        return out.push_str(s);
    }
    for c in s.chars() {
        if c == '\0' {
            out.push_str("\\0");
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past 64 layers (a stack of VLAN tags) the index gives up and the layers are looked at
    /// one by one: the values are the same either way.
    #[test]
    fn values_of_long_and_short_vlan_stacks() {
        for tags in [3u16, 70] {
            let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
            for t in 0..tags {
                f.extend_from_slice(&[0x81, 0x00]);
                f.extend_from_slice(&(t + 1).to_be_bytes());
            }
            f.extend_from_slice(&[0x08, 0x00]);
            f.extend_from_slice(&[0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
            f.extend_from_slice(&[0x30, 0x39, 0x30, 0x3a, 0, 8, 0, 0]);
            let meta = crate::FrameMeta {
                number: 1,
                ts_ns: 0,
                caplen: f.len() as u32,
                len: f.len() as u32,
                linktype: crate::link::LINKTYPE_ETHERNET,
            };
            let mut d = crate::Dissector::new();
            let mut scratch = Vec::new();
            let pkt = d.dissect(meta, &f, &mut scratch);
            assert_eq!(pkt.layers.len(), usize::from(tags) + 3);
            let get = |field: Field| {
                let mut v = Vec::new();
                values(&pkt, field, &mut v);
                v
            };
            assert_eq!(get(Field::VlanId), (1..=tags).map(|t| Value::U(u64::from(t))).collect::<Vec<_>>());
            assert_eq!(get(Field::IpSrc), vec![Value::Ipv4([10, 0, 0, 1])]);
            assert_eq!(get(Field::UdpDstport), vec![Value::U(12346)]);
            assert_eq!(get(Field::EthSrc).len(), 1);
        }
    }

    #[test]
    fn each_field_is_asked_of_its_own_protocols_layers() {
        for info in FIELDS {
            let want = match info.abbrev.split('.').next() {
                Some("eth" | "vlan") => Home::Eth,
                Some("ip" | "ipv6") => Home::Ip,
                Some("tcp") => Home::Tcp,
                Some("udp") => Home::Udp,
                Some("dns") => Home::Dns,
                _ => Home::Any,
            };
            assert_eq!(Home::of(info.field), want, "{}", info.abbrev);
        }
    }

    #[test]
    fn table_is_in_enum_order_and_names_are_unique() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert_eq!(f.field as usize, i, "{}", f.abbrev);
            assert_eq!(Field::from_abbrev(f.abbrev), Some(f.field));
        }
    }

    #[test]
    fn hex_width_follows_type() {
        let mut s = String::new();
        write_value(&mut s, Field::DnsId.info(), &Value::U(0x2e7));
        s.push(' ');
        write_value(&mut s, Field::TcpFlags.info(), &Value::U(0x12));
        assert_eq!(s, "0x02e7 0x0012");
    }

    /// A segment with every tracker field set (stage 1 facts and stage 3 facts together, which
    /// no real segment has, so that each field has a value).
    fn full_track() -> TcpTrack {
        use crate::conn::{Anomalies, Change, DnsLink, Negotiated, Stage, State};
        TcpTrack {
            stream: 7,
            from_client: true,
            inferred: true,
            stage: Some(Stage::Ack),
            client: State::Established,
            server: State::SynReceived,
            changes: [Some(Change { client: true, from: State::SynSent, to: State::Established }), None],
            ack_ok: Some(true),
            irtt_ns: Some(1_500),
            negotiated: Some(Negotiated {
                mss_client: Some(1460),
                mss_server: Some(1400),
                ws: Some((7, 8)),
                sack: true,
                ts: true,
            }),
            dns: Some(DnsLink { name: "www.example.test".into(), frame: 3, msg: 0 }),
            anomalies: Anomalies(Anomalies::ACK_MISMATCH | Anomalies::NOT_ACCEPTABLE),
        }
    }

    #[test]
    fn one_field_and_all_fields_give_the_same_values() {
        let t = full_track();
        // MSS, WS, SACK_PERM, TS, NOP, EOL.
        let raw = [2, 4, 5, 0xb4, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 0];
        let opts = crate::tcp::parse_options(&raw, raw.len());
        let (mut all, asked) = (Vec::new(), core::cell::RefCell::new(Vec::new()));
        let ask = |f| {
            asked.borrow_mut().push(f);
            true
        };
        each_track_value(&t, ask, |f, v| all.push((f, v)));
        let track_asked = asked.borrow().len();
        each_option_value(&opts, raw.len(), ask, |f, v| all.push((f, v)));
        let asked = asked.into_inner();
        assert_eq!(asked.len(), track_asked + 6);
        for info in FIELDS {
            let f = info.field;
            let (mut one, mut from_opts) = (Vec::new(), Vec::new());
            let is_track = track_values(&t, f, &mut one);
            let is_opt = option_values(&opts, raw.len(), f, &mut from_opts);
            assert_eq!(is_track, asked[..track_asked].contains(&f), "{}", info.abbrev);
            assert_eq!(is_opt, asked[track_asked..].contains(&f), "{}", info.abbrev);
            one.extend(from_opts);
            let expect: Vec<_> = all.iter().filter(|(g, _)| *g == f).map(|(_, v)| v.clone()).collect();
            assert_eq!(one, expect, "{}", info.abbrev);
            if is_track || is_opt {
                assert!(!one.is_empty(), "{} has no value on the full segment", info.abbrev);
            }
        }
        // Table order, as the plugin adds them.
        let order: Vec<usize> = all.iter().map(|(f, _)| *f as usize).collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
        assert!(all.contains(&(Field::SynackTransition, Value::String("client SYN_SENT → ESTABLISHED".into()))));
    }
}

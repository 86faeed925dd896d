//! THE field table: every field synack can print or register, with its name, type, display
//! base, where its values come from and a description. The CLI prints from it and the
//! Wireshark plugin registers the `synack.*` part of it, so a field's name and meaning live in
//! exactly one place. [`values()`] finds a field's values in a dissected packet; [`write_value`]
//! writes them as tshark does.
//!
//! Fields named like tshark's (`tcp.seq`, `dns.qry.name`, ...) carry tshark 4.0's values and
//! formatting, so `synack -T fields` can stand in for `tshark -T fields`.

mod text;
mod values;

pub use text::write_value;
pub use values::{each_option_value, each_track_value, values, values_indexed, LayerIndex, Value};

/// Wireshark field types synack uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// FT_UINT8.
    U8,
    /// FT_UINT16.
    U16,
    /// FT_UINT24.
    U24,
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
    /// FT_NONE: a label or an expert item, present or not (printed as 1).
    None,
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

/// Where a field's values come from: the packet's capture facts, one kind of layer, or the
/// connection tracker. It decides which layers are asked for a field's values and whether the
/// field needs the tracker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// A packet-list column (`_ws.col.*`).
    Column,
    /// The frame's capture facts (`frame.*`).
    Frame,
    /// Ethernet and 802.1Q tags.
    Eth,
    /// IPv4 and IPv6.
    Ip,
    /// TCP.
    Tcp,
    /// tshark's TCP sequence analysis (`tcp.analysis.*`): needs [`crate::Options::analysis`].
    TcpSeq,
    /// UDP.
    Udp,
    /// DNS, as parsed.
    Dns,
    /// DNS request/response matching (`dns.time`, `dns.response_*`): needs the tracker.
    DnsTx,
    /// The connection tracker's annotation of a TCP segment (`synack.*`).
    Track,
    /// DNS messages as the tracker links them to connections (`synack.dns.summary`,
    /// `synack.dns.used_by`).
    DnsLink,
    /// synack's own decode of the TCP options (`synack.opt.*`): no tracker needed.
    Opt,
    /// Encapsulations (GRE, VXLAN, Geneve, Teredo, GTP-U, MPLS, PPPoE) and the link layers
    /// beyond Ethernet (PPP, Cisco HDLC, NFLOG, radiotap, 802.11, LLC).
    Tunnel,
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
    /// Where its values come from.
    pub group: Group,
    /// One-line description.
    pub desc: &'static str,
}

macro_rules! field_table {
    ($( $id:ident = $abbrev:literal, $name:literal, $ty:ident, $base:ident, $group:ident, $desc:literal; )*) => {
        /// Every field synack knows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Field { $($id),* }

        /// The field table, in display order.
        pub static FIELDS: &[FieldInfo] = &[
            $( FieldInfo { field: Field::$id, abbrev: $abbrev, name: $name,
                           ftype: FieldType::$ty, base: Base::$base, group: Group::$group, desc: $desc }, )*
        ];
    };
}

field_table! {
    ColNo = "_ws.col.No.", "No.", U32, Dec, Column, "Packet-list column: frame number";
    ColTime = "_ws.col.Time", "Time", RelTime, None, Column, "Packet-list column: seconds since the first frame";
    ColSource = "_ws.col.Source", "Source", Str, None, Column, "Packet-list column: source address";
    ColDestination = "_ws.col.Destination", "Destination", Str, None, Column, "Packet-list column: destination address";
    ColProtocol = "_ws.col.Protocol", "Protocol", Str, None, Column, "Packet-list column: innermost protocol";
    ColLength = "_ws.col.Length", "Length", U32, Dec, Column, "Packet-list column: bytes on the wire";
    ColInfo = "_ws.col.Info", "Info", Str, None, Column, "Packet-list column: tshark's summary of the packet (TCP and DNS as tshark writes them)";
    FrameNumber = "frame.number", "Frame Number", FrameNum, None, Frame, "1-based position of the frame in the capture";
    FrameTimeRelative = "frame.time_relative", "Time since first frame", RelTime, None, Frame, "Seconds since the first frame";
    FrameTimeEpoch = "frame.time_epoch", "Epoch Time", AbsTime, None, Frame, "Capture time in seconds since 1970-01-01 UTC";
    FrameLen = "frame.len", "Frame length on the wire", U32, Dec, Frame, "Bytes on the wire";
    FrameCapLen = "frame.cap_len", "Frame length stored into the capture file", U32, Dec, Frame, "Bytes captured";
    EthSrc = "eth.src", "Source", Ether, None, Eth, "Ethernet source address";
    EthDst = "eth.dst", "Destination", Ether, None, Eth, "Ethernet destination address";
    EthAddr = "eth.addr", "Address", Ether, None, Eth, "Either Ethernet address (destination, then source)";
    EthType = "eth.type", "Type", U16, Hex, Eth, "EtherType after the Ethernet header";
    VlanId = "vlan.id", "ID", U16, Dec, Eth, "802.1Q VLAN identifier";
    RadiotapVersion = "radiotap.version", "Header revision", U8, Dec, Tunnel, "Radiotap header revision (0)";
    RadiotapPad = "radiotap.pad", "Header pad", U8, Dec, Tunnel, "Radiotap padding byte";
    RadiotapLength = "radiotap.length", "Header length", U16, Dec, Tunnel, "Radiotap header length";
    RadiotapPresentWord = "radiotap.present.word", "Present flags word", U32, Hex, Tunnel, "Radiotap present bitmaps, in order";
    RadiotapFlags = "radiotap.flags", "Flags", U8, Hex, Tunnel, "Radiotap flags, when present";
    RadiotapFlagsFcs = "radiotap.flags.fcs", "FCS at end", Bool, None, Tunnel, "Radiotap flags: the frame ends with its FCS";
    WlanFcTypeSubtype = "wlan.fc.type_subtype", "Type/Subtype", U16, Hex, Tunnel, "802.11 type and subtype (type << 4 | subtype)";
    WlanFcType = "wlan.fc.type", "Type", U8, Dec, Tunnel, "802.11 frame type (0 management, 1 control, 2 data)";
    WlanFcSubtype = "wlan.fc.subtype", "Subtype", U8, Dec, Tunnel, "802.11 frame subtype";
    WlanFlags = "wlan.flags", "Flags", U8, Hex, Tunnel, "802.11 frame control flags";
    WlanFcDs = "wlan.fc.ds", "DS status", U8, Hex, Tunnel, "802.11 To DS and From DS bits";
    WlanFcRetry = "wlan.fc.retry", "Retry", Bool, None, Tunnel, "802.11: the frame is a retransmission";
    WlanFcProtected = "wlan.fc.protected", "Protected flag", Bool, None, Tunnel, "802.11: the body is encrypted";
    WlanDuration = "wlan.duration", "Duration", U16, Dec, Tunnel, "802.11 duration, in microseconds";
    WlanRa = "wlan.ra", "Receiver address", Ether, None, Tunnel, "802.11 receiver address";
    WlanTa = "wlan.ta", "Transmitter address", Ether, None, Tunnel, "802.11 transmitter address";
    WlanDa = "wlan.da", "Destination address", Ether, None, Tunnel, "802.11 destination address";
    WlanSa = "wlan.sa", "Source address", Ether, None, Tunnel, "802.11 source address";
    WlanBssid = "wlan.bssid", "BSS Id", Ether, None, Tunnel, "802.11 BSS identifier";
    WlanStaa = "wlan.staa", "STA address", Ether, None, Tunnel, "802.11: the station's address in a frame to or from an AP";
    WlanSeq = "wlan.seq", "Sequence number", U16, Dec, Tunnel, "802.11 sequence number";
    WlanFrag = "wlan.frag", "Fragment number", U16, Dec, Tunnel, "802.11 fragment number";
    WlanQosTid = "wlan.qos.tid", "TID", U16, Dec, Tunnel, "802.11 QoS traffic identifier";
    WlanFcs = "wlan.fcs", "Frame check sequence", U32, Hex, Tunnel, "802.11 FCS, when the capture keeps it";
    LlcDsap = "llc.dsap", "DSAP", U8, Hex, Tunnel, "LLC destination SAP (0xaa: SNAP)";
    LlcSsap = "llc.ssap", "SSAP", U8, Hex, Tunnel, "LLC source SAP";
    LlcControl = "llc.control", "Control field", U16, Hex, Tunnel, "LLC control field";
    LlcOui = "llc.oui", "Organization Code", U24, Dec, Tunnel, "SNAP organization code (0: the protocol ID is an EtherType)";
    LlcType = "llc.type", "Type", U16, Hex, Tunnel, "SNAP protocol ID: the EtherType of the payload";
    NflogFamily = "nflog.family", "Family", U8, Dec, Tunnel, "NFLOG: address family of the logged packet (2 IPv4, 10 IPv6)";
    NflogVersion = "nflog.version", "Version", U8, Dec, Tunnel, "NFLOG version (0)";
    NflogResId = "nflog.res_id", "Resource id", U16, Dec, Tunnel, "NFLOG resource ID: the nflog group";
    NflogTlvLength = "nflog.tlv_length", "Length", U16, Dec, Tunnel, "NFLOG TLV lengths, in order";
    NflogTlvType = "nflog.tlv_type", "Type", U16, Dec, Tunnel, "NFLOG TLV types (NFULA_*), in order";
    NflogProtocol = "nflog.protocol", "HW protocol", U16, Hex, Tunnel, "NFLOG packet header: hardware protocol (an EtherType)";
    NflogHook = "nflog.hook", "Netfilter hook", U8, Dec, Tunnel, "NFLOG packet header: netfilter hook (0 prerouting ... 4 postrouting)";
    NflogIfindexIndev = "nflog.ifindex_indev", "IFINDEX_INDEV", U32, Dec, Tunnel, "NFLOG: index of the interface the packet came in on";
    NflogIfindexOutdev = "nflog.ifindex_outdev", "IFINDEX_OUTDEV", U32, Dec, Tunnel, "NFLOG: index of the interface the packet goes out on";
    NflogUid = "nflog.uid", "UID", I32, Dec, Tunnel, "NFLOG: user ID of the local socket's owner";
    NflogGid = "nflog.gid", "GID", I32, Dec, Tunnel, "NFLOG: group ID of the local socket's owner";
    GtpFlags = "gtp.flags", "Flags", U8, Hex, Tunnel, "GTP flags: version, protocol type, E, S, PN (3GPP TS 29.281 5.1)";
    GtpFlagsVersion = "gtp.flags.version", "Version", U8, Dec, Tunnel, "GTP version (1)";
    GtpFlagsPayload = "gtp.flags.payload", "Protocol type", U8, Dec, Tunnel, "GTP protocol type (1: GTP)";
    GtpFlagsReserved = "gtp.flags.reserved", "Reserved", U8, Dec, Tunnel, "GTP spare flag bit";
    GtpFlagsE = "gtp.flags.e", "Is Next Extension Header present?", Bool, None, Tunnel, "GTP E flag: extension headers follow";
    GtpFlagsS = "gtp.flags.s", "Is Sequence Number present?", Bool, None, Tunnel, "GTP S flag: the sequence number is meaningful";
    GtpFlagsPn = "gtp.flags.pn", "Is N-PDU number present?", Bool, None, Tunnel, "GTP PN flag: the N-PDU number is meaningful";
    GtpMessage = "gtp.message", "Message Type", U8, Hex, Tunnel, "GTP message type (0xff: T-PDU, a user packet)";
    GtpLength = "gtp.length", "Length", U16, Dec, Tunnel, "GTP length of what follows the first 8 octets";
    GtpTeid = "gtp.teid", "TEID", U32, Hex, Tunnel, "GTP tunnel endpoint identifier";
    GtpSeqNumber = "gtp.seq_number", "Sequence number", U16, Hex, Tunnel, "GTP sequence number, when S is set";
    GtpNpduNumber = "gtp.npdu_number", "N-PDU Number", U8, Hex, Tunnel, "GTP N-PDU number, when PN is set";
    GtpExtHdrNext = "gtp.ext_hdr.next", "Next extension header type", U8, Hex, Tunnel, "GTP next extension header types, when E is set";
    GtpExtHdrLength = "gtp.ext_hdr.length", "Extension Header Length", U8, Dec, Tunnel, "GTP extension header length, in 4-octet units";
    MplsLabel = "mpls.label", "MPLS Label", U32, Dec, Tunnel, "MPLS label (RFC 3032), one per stack entry";
    MplsExp = "mpls.exp", "MPLS Experimental Bits", U32, Dec, Tunnel, "MPLS traffic class";
    MplsBottom = "mpls.bottom", "MPLS Bottom Of Label Stack", U32, Dec, Tunnel, "1 on the last stack entry";
    MplsTtl = "mpls.ttl", "MPLS TTL", U32, Dec, Tunnel, "MPLS time to live";
    PppoeVersion = "pppoe.version", "Version", U8, Dec, Tunnel, "PPPoE version (RFC 2516)";
    PppoeType = "pppoe.type", "Type", U8, Dec, Tunnel, "PPPoE type";
    PppoeCode = "pppoe.code", "Code", U8, Hex, Tunnel, "PPPoE code (0 in a session)";
    PppoeSessionId = "pppoe.session_id", "Session ID", U16, Hex, Tunnel, "PPPoE session identifier";
    PppoePayloadLength = "pppoe.payload_length", "Payload Length", U16, Dec, Tunnel, "PPPoE payload length";
    PppAddress = "ppp.address", "Address", U8, Hex, Tunnel, "PPP HDLC-like address (0xff), when present";
    PppControl = "ppp.control", "Control", U8, Hex, Tunnel, "PPP HDLC-like control (0x03), when present";
    PppProtocol = "ppp.protocol", "Protocol", U16, Hex, Tunnel, "PPP protocol of the payload (0x0021 IPv4, 0x0057 IPv6)";
    ChdlcAddress = "chdlc.address", "Address", U8, Hex, Tunnel, "Cisco HDLC address (0x0f unicast, 0x8f broadcast)";
    ChdlcProtocol = "chdlc.protocol", "Protocol", U16, Hex, Tunnel, "Cisco HDLC: EtherType of the payload";
    IpVersion = "ip.version", "Version", U8, Dec, Ip, "IP version (4)";
    IpHdrLen = "ip.hdr_len", "Header Length", U8, Dec, Ip, "IPv4 header length in bytes";
    IpLen = "ip.len", "Total Length", U16, Dec, Ip, "IPv4 total length";
    IpId = "ip.id", "Identification", U16, Hex, Ip, "IPv4 identification";
    IpTtl = "ip.ttl", "Time to Live", U8, Dec, Ip, "IPv4 time to live";
    IpProto = "ip.proto", "Protocol", U8, Dec, Ip, "IPv4 payload protocol number";
    IpAddr = "ip.addr", "Source or Destination Address", Ipv4, None, Ip, "Either IPv4 address (source, then destination)";
    IpSrc = "ip.src", "Source Address", Ipv4, None, Ip, "IPv4 source address";
    IpDst = "ip.dst", "Destination Address", Ipv4, None, Ip, "IPv4 destination address";
    Ipv6Plen = "ipv6.plen", "Payload Length", U16, Dec, Ip, "IPv6 payload length";
    Ipv6Nxt = "ipv6.nxt", "Next Header", U8, Dec, Ip, "IPv6 next header of the fixed header";
    Ipv6Hlim = "ipv6.hlim", "Hop Limit", U8, Dec, Ip, "IPv6 hop limit";
    Ipv6Addr = "ipv6.addr", "Source or Destination Address", Ipv6, None, Ip, "Either IPv6 address (source, then destination)";
    Ipv6Src = "ipv6.src", "Source Address", Ipv6, None, Ip, "IPv6 source address";
    Ipv6Dst = "ipv6.dst", "Destination Address", Ipv6, None, Ip, "IPv6 destination address";
    GreFlagsAndVersion = "gre.flags_and_version", "Flags and Version", U16, Hex, Tunnel, "GRE flags (C, K, S) and version (RFC 2784, RFC 2890)";
    GreProto = "gre.proto", "Protocol Type", U16, Hex, Tunnel, "EtherType of what the GRE packet carries";
    GreChecksum = "gre.checksum", "Checksum", U16, Hex, Tunnel, "GRE checksum, when present";
    GreKey = "gre.key", "Key", U32, Hex, Tunnel, "GRE key, when present (RFC 2890; version 0)";
    GreKeyPayloadLength = "gre.key.payload_length", "Payload Length", U16, Dec, Tunnel, "PPTP's GRE (version 1): payload length, in the key field (RFC 2637)";
    GreKeyCallId = "gre.key.call_id", "Call ID", U16, Dec, Tunnel, "PPTP's GRE (version 1): the peer's call ID, in the key field";
    GreAckNumber = "gre.ack_number", "Acknowledgment Number", U32, Dec, Tunnel, "PPTP's GRE (version 1): acknowledgment number, when present";
    GreSequenceNumber = "gre.sequence_number", "Sequence Number", U32, Dec, Tunnel, "GRE sequence number, when present (RFC 2890)";
    TcpSrcport = "tcp.srcport", "Source Port", U16, Dec, Tcp, "TCP source port";
    TcpDstport = "tcp.dstport", "Destination Port", U16, Dec, Tcp, "TCP destination port";
    TcpPort = "tcp.port", "Source or Destination Port", U16, Dec, Tcp, "Either TCP port";
    TcpStream = "tcp.stream", "Stream index", U32, Dec, Tcp, "Connection index, numbered as tshark does";
    TcpLen = "tcp.len", "TCP Segment Len", U32, Dec, Tcp, "Payload bytes in the segment";
    TcpSeq = "tcp.seq", "Sequence Number", U32, Dec, Tcp, "Sequence number relative to the sender's ISN";
    TcpSeqRaw = "tcp.seq_raw", "Sequence Number (raw)", U32, Dec, Tcp, "Sequence number as sent";
    TcpNxtseq = "tcp.nxtseq", "Next Sequence Number", U32, Dec, Tcp, "Relative sequence number after this segment";
    TcpAck = "tcp.ack", "Acknowledgment Number", U32, Dec, Tcp, "Acknowledgment number relative to the peer's ISN";
    TcpAckRaw = "tcp.ack_raw", "Acknowledgment number (raw)", U32, Dec, Tcp, "Acknowledgment number as sent";
    TcpHdrLen = "tcp.hdr_len", "Header Length", U8, Dec, Tcp, "TCP header length in bytes";
    TcpFlags = "tcp.flags", "Flags", U16, Hex, Tcp, "The 12 flag bits";
    TcpFlagsRes = "tcp.flags.res", "Reserved", Bool, None, Tcp, "Reserved bits set";
    TcpFlagsAe = "tcp.flags.ae", "Accurate ECN", Bool, None, Tcp, "AE flag";
    TcpFlagsCwr = "tcp.flags.cwr", "Congestion Window Reduced", Bool, None, Tcp, "CWR flag";
    TcpFlagsEce = "tcp.flags.ece", "ECN-Echo", Bool, None, Tcp, "ECE flag";
    TcpFlagsUrg = "tcp.flags.urg", "Urgent", Bool, None, Tcp, "URG flag";
    TcpFlagsAck = "tcp.flags.ack", "Acknowledgment", Bool, None, Tcp, "ACK flag";
    TcpFlagsPush = "tcp.flags.push", "Push", Bool, None, Tcp, "PSH flag";
    TcpFlagsReset = "tcp.flags.reset", "Reset", Bool, None, Tcp, "RST flag";
    TcpFlagsSyn = "tcp.flags.syn", "Syn", Bool, None, Tcp, "SYN flag";
    TcpFlagsFin = "tcp.flags.fin", "Fin", Bool, None, Tcp, "FIN flag";
    TcpFlagsStr = "tcp.flags.str", "TCP Flags", Str, None, Tcp, "Flags as letters, RRRACEUAPRSF";
    TcpWindowSizeValue = "tcp.window_size_value", "Window", U16, Dec, Tcp, "Window field as sent";
    TcpWindowSize = "tcp.window_size", "Calculated window size", U32, Dec, Tcp, "Window after scaling";
    TcpWindowSizeScalefactor = "tcp.window_size_scalefactor", "Window size scaling factor", I32, Dec, Tcp, "-1 unknown, -2 not used, else the multiplier";
    TcpUrgentPointer = "tcp.urgent_pointer", "Urgent Pointer", U16, Dec, Tcp, "Urgent pointer field";
    TcpOptionKind = "tcp.option_kind", "Kind", U8, Dec, Tcp, "Kind of each TCP option";
    TcpOptionLen = "tcp.option_len", "Length", U8, Dec, Tcp, "Length of each TCP option that has one";
    TcpOptionsMssVal = "tcp.options.mss_val", "MSS Value", U16, Dec, Tcp, "Maximum segment size announced";
    TcpOptionsWscaleShift = "tcp.options.wscale.shift", "Shift count", U8, Dec, Tcp, "Window scale shift as sent";
    TcpOptionsWscaleMultiplier = "tcp.options.wscale.multiplier", "Multiplier", U16, Dec, Tcp, "2 to the shift (shift capped at 14)";
    TcpOptionsSackPerm = "tcp.options.sack_perm", "TCP SACK Permitted Option", Protocol, None, Tcp, "SACK permitted option bytes";
    TcpOptionsSackLe = "tcp.options.sack_le", "TCP SACK Left Edge", U32, Dec, Tcp, "SACK block left edge, relative";
    TcpOptionsSackRe = "tcp.options.sack_re", "TCP SACK Right Edge", U32, Dec, Tcp, "SACK block right edge, relative";
    TcpOptionsTsval = "tcp.options.timestamp.tsval", "Timestamp value", U32, Dec, Tcp, "TSval";
    TcpOptionsTsecr = "tcp.options.timestamp.tsecr", "Timestamp echo reply", U32, Dec, Tcp, "TSecr";
    TcpTimeRelative = "tcp.time_relative", "Time since first frame in this TCP stream", RelTime, None, Tcp, "Seconds since the stream's first frame";
    TcpTimeDelta = "tcp.time_delta", "Time since previous frame in this TCP stream", RelTime, None, Tcp, "Seconds since the stream's previous frame";
    TcpAnalysisAcksFrame = "tcp.analysis.acks_frame", "This is an ACK to the segment in frame", FrameNum, None, TcpSeq, "The frame of the segment this ACK acknowledges exactly";
    TcpAnalysisAckRtt = "tcp.analysis.ack_rtt", "The RTT to ACK the segment was", RelTime, None, TcpSeq, "Seconds from that segment to this ACK";
    TcpAnalysisBytesInFlight = "tcp.analysis.bytes_in_flight", "Bytes in flight", U32, Dec, TcpSeq, "Bytes sent and not yet acknowledged after this segment (less SACKed ones)";
    TcpAnalysisPushBytesSent = "tcp.analysis.push_bytes_sent", "Bytes sent since last PSH flag", U32, Dec, TcpSeq, "Payload bytes since the sender's last PSH";
    TcpAnalysisFlags = "tcp.analysis.flags", "TCP Analysis Flags", None, None, TcpSeq, "Present when any tcp.analysis flag below is";
    TcpAnalysisReusedPorts = "tcp.analysis.reused_ports", "Reused ports", None, None, TcpSeq, "A new connection on the ports of an earlier one";
    TcpAnalysisRetransmission = "tcp.analysis.retransmission", "Retransmission", None, None, TcpSeq, "Data sent before (also on fast and spurious retransmissions)";
    TcpAnalysisRto = "tcp.analysis.rto", "The RTO for this segment was", RelTime, None, TcpSeq, "On a retransmission: seconds since the oldest unacknowledged segment";
    TcpAnalysisRtoFrame = "tcp.analysis.rto_frame", "RTO based on delta from frame", FrameNum, None, TcpSeq, "On a retransmission: that segment's frame";
    TcpAnalysisFastRetransmission = "tcp.analysis.fast_retransmission", "Fast retransmission", None, None, TcpSeq, "Retransmitted within 20 ms of the second duplicate ACK asking for it";
    TcpAnalysisSpuriousRetransmission = "tcp.analysis.spurious_retransmission", "Spurious retransmission", None, None, TcpSeq, "Retransmitted data the peer had already acknowledged";
    TcpAnalysisOutOfOrder = "tcp.analysis.out_of_order", "Out-of-order", None, None, TcpSeq, "Below the highest sequence number, soon after it (within the initial RTT or 3 ms)";
    TcpAnalysisLostSegment = "tcp.analysis.lost_segment", "Previous segment not captured", None, None, TcpSeq, "A gap before this segment";
    TcpAnalysisAckLostSegment = "tcp.analysis.ack_lost_segment", "ACKed unseen segment", None, None, TcpSeq, "This ACK covers data the capture did not see";
    TcpAnalysisWindowUpdate = "tcp.analysis.window_update", "Window update", None, None, TcpSeq, "Only the window changed";
    TcpAnalysisWindowFull = "tcp.analysis.window_full", "Window full", None, None, TcpSeq, "This segment fills the receiver's window";
    TcpAnalysisKeepAlive = "tcp.analysis.keep_alive", "Keep-alive", None, None, TcpSeq, "0 or 1 byte at the next sequence number less one";
    TcpAnalysisKeepAliveAck = "tcp.analysis.keep_alive_ack", "Keep-alive ACK", None, None, TcpSeq, "The answer to a keep-alive";
    TcpAnalysisDuplicateAck = "tcp.analysis.duplicate_ack", "Duplicate ACK", None, None, TcpSeq, "Same ACK, window and sequence number as before, no data (the label and the expert item)";
    TcpAnalysisDuplicateAckNum = "tcp.analysis.duplicate_ack_num", "Duplicate ACK #", U32, Dec, TcpSeq, "Which duplicate of the ACK this is";
    TcpAnalysisDuplicateAckFrame = "tcp.analysis.duplicate_ack_frame", "Duplicate to the ACK in frame", FrameNum, None, TcpSeq, "The frame whose ACK this one repeats";
    TcpAnalysisZeroWindow = "tcp.analysis.zero_window", "Zero window", None, None, TcpSeq, "The sender's window is 0";
    TcpAnalysisZeroWindowProbe = "tcp.analysis.zero_window_probe", "Zero window probe", None, None, TcpSeq, "One byte into the peer's zero window";
    TcpAnalysisZeroWindowProbeAck = "tcp.analysis.zero_window_probe_ack", "Zero window probe ACK", None, None, TcpSeq, "The answer to a zero-window probe";
    UdpSrcport = "udp.srcport", "Source Port", U16, Dec, Udp, "UDP source port";
    UdpDstport = "udp.dstport", "Destination Port", U16, Dec, Udp, "UDP destination port";
    UdpPort = "udp.port", "Source or Destination Port", U16, Dec, Udp, "Either UDP port";
    UdpLength = "udp.length", "Length", U16, Dec, Udp, "UDP length field";
    ErspanVersion = "erspan.version", "Version", U16, Dec, Tunnel, "ERSPAN version (1: type II, 2: type III)";
    ErspanVlan = "erspan.vlan", "Vlan", U16, Dec, Tunnel, "ERSPAN: the mirrored frame's VLAN";
    ErspanSpanid = "erspan.spanid", "SpanID", U16, Dec, Tunnel, "ERSPAN session ID";
    ErspanIndex = "erspan.index", "Index", U32, Dec, Tunnel, "ERSPAN type II: port index";
    ErspanTimestamp = "erspan.timestamp", "Timestamp", U32, Dec, Tunnel, "ERSPAN type III: timestamp";
    ErspanO = "erspan.o", "Optional Sub-headers", U16, Dec, Tunnel, "ERSPAN type III: a platform sub-header follows";
    VxlanFlags = "vxlan.flags", "Flags", U16, Hex, Tunnel, "VXLAN flags (I = 0x0800: the VNI is valid)";
    VxlanVni = "vxlan.vni", "VXLAN Network Identifier (VNI)", U32, Dec, Tunnel, "VXLAN network identifier (RFC 7348)";
    GeneveVersion = "geneve.version", "Version", U8, Dec, Tunnel, "Geneve version (RFC 8926)";
    GeneveFlags = "geneve.flags", "Flags", U8, Hex, Tunnel, "Geneve O and C flags";
    GeneveProtoType = "geneve.proto_type", "Protocol Type", U16, Hex, Tunnel, "EtherType of what the Geneve packet carries";
    GeneveVni = "geneve.vni", "Virtual Network Identifier (VNI)", U24, Hex, Tunnel, "Geneve virtual network identifier";
    TeredoOrigPort = "teredo.orig.port", "Origin UDP port", U16, Dec, Tunnel, "Teredo origin indication: the client's UDP port (RFC 4380 5.1.1)";
    TeredoOrigAddr = "teredo.orig.addr", "Origin IPv4 address", Ipv4, None, Tunnel, "Teredo origin indication: the client's IPv4 address";
    TeredoAuthIdlen = "teredo.auth.idlen", "Client identifier length", U8, Dec, Tunnel, "Teredo authentication indicator: client identifier length";
    TeredoAuthAulen = "teredo.auth.aulen", "Authentication value length", U8, Dec, Tunnel, "Teredo authentication indicator: authentication value length";
    DnsLength = "dns.length", "Length", U16, Dec, Dns, "Length prefix of DNS over TCP";
    DnsId = "dns.id", "Transaction ID", U16, Hex, Dns, "DNS transaction ID";
    DnsFlags = "dns.flags", "Flags", U16, Hex, Dns, "DNS flags word";
    DnsFlagsResponse = "dns.flags.response", "Response", Bool, None, Dns, "QR: message is a response";
    DnsFlagsOpcode = "dns.flags.opcode", "Opcode", U16, Dec, Dns, "DNS opcode";
    DnsFlagsTruncated = "dns.flags.truncated", "Truncated", Bool, None, Dns, "TC: message truncated";
    DnsFlagsRecdesired = "dns.flags.recdesired", "Recursion desired", Bool, None, Dns, "RD";
    DnsFlagsRcode = "dns.flags.rcode", "Reply code", U16, Dec, Dns, "RCODE (responses only)";
    DnsCountQueries = "dns.count.queries", "Questions", U16, Dec, Dns, "QDCOUNT";
    DnsCountAnswers = "dns.count.answers", "Answer RRs", U16, Dec, Dns, "ANCOUNT";
    DnsCountAuthRr = "dns.count.auth_rr", "Authority RRs", U16, Dec, Dns, "NSCOUNT";
    DnsCountAddRr = "dns.count.add_rr", "Additional RRs", U16, Dec, Dns, "ARCOUNT";
    DnsQryName = "dns.qry.name", "Name", Str, None, Dns, "Question name";
    DnsQryType = "dns.qry.type", "Type", U16, Dec, Dns, "Question type";
    DnsQryClass = "dns.qry.class", "Class", U16, Hex, Dns, "Question class";
    DnsRespName = "dns.resp.name", "Name", Str, None, Dns, "Record owner name";
    DnsRespType = "dns.resp.type", "Type", U16, Dec, Dns, "Record type";
    DnsRespClass = "dns.resp.class", "Class", U16, Hex, Dns, "Record class";
    DnsRespTtl = "dns.resp.ttl", "Time to live", U32, Dec, Dns, "Record TTL";
    DnsRespLen = "dns.resp.len", "Data length", U16, Dec, Dns, "RDLENGTH";
    DnsA = "dns.a", "Address", Ipv4, None, Dns, "A record address";
    DnsAaaa = "dns.aaaa", "AAAA Address", Ipv6, None, Dns, "AAAA record address";
    DnsCname = "dns.cname", "CNAME", Str, None, Dns, "CNAME target";
    DnsNs = "dns.ns", "Name Server", Str, None, Dns, "NS target";
    DnsPtrDomainName = "dns.ptr.domain_name", "Domain Name", Str, None, Dns, "PTR target";
    DnsMxPreference = "dns.mx.preference", "Preference", U16, Dec, Dns, "MX preference";
    DnsMxMailExchange = "dns.mx.mail_exchange", "Mail Exchange", Str, None, Dns, "MX host";
    DnsTxt = "dns.txt", "TXT", Str, None, Dns, "TXT character strings";
    DnsSoaMname = "dns.soa.mname", "Primary name server", Str, None, Dns, "SOA MNAME";
    DnsSoaRname = "dns.soa.rname", "Responsible authority's mailbox", Str, None, Dns, "SOA RNAME";
    DnsSrvPort = "dns.srv.port", "Port", U16, Dec, Dns, "SRV port";
    DnsSrvTarget = "dns.srv.target", "Target", Str, None, Dns, "SRV target";
    DnsRrUdpPayloadSize = "dns.rr.udp_payload_size", "UDP payload size", U16, Dec, Dns, "EDNS requestor's UDP payload size";
    DnsResponseIn = "dns.response_in", "Response In", FrameNum, None, DnsTx, "On a request: the frame of its response (needs two passes, -2)";
    DnsResponseTo = "dns.response_to", "Request In", FrameNum, None, DnsTx, "On a response: the frame of its request";
    DnsTime = "dns.time", "Time", RelTime, None, DnsTx, "On a response: seconds since its request";
    SynackSummary = "synack.summary", "Summary", Str, None, Track, "One line: handshake step and both endpoints' states";
    SynackStream = "synack.stream", "Stream index", U32, Dec, Track, "Connection index, numbered as tcp.stream";
    SynackFromClient = "synack.from_client", "From client", Bool, None, Track, "Sent by the client (the endpoint that sent the first SYN)";
    SynackInferred = "synack.inferred", "Client inferred", Bool, None, Track, "No SYN seen: the client was guessed from the ports (ephemeral side)";
    SynackStage = "synack.stage", "Handshake stage", U8, Dec, Track, "Three-way handshake step: 1 SYN, 2 SYN+ACK, 3 ACK";
    SynackStateClient = "synack.state.client", "Client state", Str, None, Track, "Client's RFC 9293 state after this segment";
    SynackStateServer = "synack.state.server", "Server state", Str, None, Track, "Server's RFC 9293 state after this segment";
    SynackTransition = "synack.transition", "Transition", Str, None, Track, "State changes this segment caused";
    SynackHsAckOk = "synack.hs.ack_ok", "Handshake ACK correct", Bool, None, Track, "On stages 2 and 3: the ACK number is the peer's ISN + 1";
    SynackIrtt = "synack.irtt", "Initial RTT", RelTime, None, Track, "SYN to handshake-completing ACK";
    SynackMssClient = "synack.mss.client", "Client MSS", U16, Dec, Track, "On stage 3: the MSS the client announced";
    SynackMssServer = "synack.mss.server", "Server MSS", U16, Dec, Track, "On stage 3: the MSS the server announced";
    SynackWsClient = "synack.ws.client", "Client window scale", U8, Dec, Track, "On stage 3: the client's shift count, when both sides sent WS";
    SynackWsServer = "synack.ws.server", "Server window scale", U8, Dec, Track, "On stage 3: the server's shift count, when both sides sent WS";
    SynackSack = "synack.sack", "SACK negotiated", Bool, None, Track, "On stage 3: both sides offered SACK_PERM";
    SynackTs = "synack.ts", "Timestamps negotiated", Bool, None, Track, "On stage 3: both sides offered timestamps";
    SynackDnsName = "synack.dns.name", "Looked up as", Str, None, Track, "On stage 1: the name whose DNS answer gave the server's address";
    SynackDnsFrame = "synack.dns.frame", "DNS response in", FrameNum, None, Track, "On stage 1: the frame of that DNS response";
    SynackDnsUsedBy = "synack.dns.used_by", "Used by stream", U32, Dec, DnsLink, "On a DNS response: streams that connected to an address it gave (needs -2)";
    SynackAnomaly = "synack.anomaly", "Anomaly", Str, None, Track, "Handshake and state anomalies of this segment";
    SynackVerdict = "synack.verdict", "Verdict", Str, None, Track, "On a connection's last frame (one pass: the frame that closed it): what happened to it, in one sentence";
    SynackVerdictCode = "synack.verdict.code", "Verdict code", Str, None, Track, "The verdict's stable short codes, outcome first: refused, unanswered, half-open, reset, aborted, no-data, closed, open; then rst-middlebox, midstream, port-reuse, loss, zero-window, slow-handshake, no-window-scaling, no-sack, low-mss, tfo-accepted, tfo-refused, tfo-cookie, ecn, ecn-refused";
    SynackDnsSummary = "synack.dns.summary", "DNS transaction", Str, None, DnsLink, "One line per DNS message: query or response, answers, delay";
    SynackOptMss = "synack.opt.mss", "MSS", U16, Dec, Opt, "Maximum segment size this segment announces (RFC 6691)";
    SynackOptWs = "synack.opt.ws", "Window scale", U8, Dec, Opt, "Window-scale shift this segment announces, as sent (RFC 7323 2.2)";
    SynackOptSackPerm = "synack.opt.sack_perm", "SACK permitted", Bool, None, Opt, "The segment offers selective acknowledgments (RFC 2018)";
    SynackOptTsval = "synack.opt.tsval", "TSval", U32, Dec, Opt, "Timestamp value (RFC 7323 3)";
    SynackOptTsecr = "synack.opt.tsecr", "TSecr", U32, Dec, Opt, "Timestamp echo reply (RFC 7323 3)";
    SynackOptLayout = "synack.opt.layout", "Option layout", Str, None, Opt, "TCP options in wire order, p0f style (mss,sok,ts,nop,ws)";
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
            Field::SynackOptWs => &WS_NAMES,
            _ => &[],
        }
    }

    /// Whether the field's values come from the connection tracker: the TCP states and
    /// handshake of `synack.*`, and the DNS transactions behind `dns.response_in`,
    /// `dns.response_to`, `dns.time` and `synack.dns.*`. Every other field has the same values
    /// from a dissector with tracking off ([`crate::Options::tracking`]).
    pub fn needs_tracking(self) -> bool {
        matches!(self.info().group, Group::Track | Group::DnsTx | Group::DnsLink)
    }

    /// The field shows tshark's TCP sequence analysis: its own values, or the Info column's
    /// `[TCP ...]` tags.
    pub fn needs_analysis(self) -> bool {
        self.info().group == Group::TcpSeq || self == Field::ColInfo
    }

    /// The field shows a connection's verdict (which reads the sequence analysis too).
    pub fn needs_verdict(self) -> bool {
        matches!(self, Field::SynackVerdict | Field::SynackVerdictCode)
    }

    /// Look a field up by its filter name.
    pub fn from_abbrev(name: &str) -> Option<Field> {
        FIELDS.iter().find(|f| f.abbrev == name).map(|f| f.field)
    }
}

/// The value names of `synack.opt.ws`: RFC 7323 §2.2, the window is shifted left by the count,
/// i.e. multiplied by 2^count (a count over 14 is used as 14, §2.3, and has no name here).
const WS_NAMES: [(u32, &str); 15] = [
    (0, "multiply by 1"),
    (1, "multiply by 2"),
    (2, "multiply by 4"),
    (3, "multiply by 8"),
    (4, "multiply by 16"),
    (5, "multiply by 32"),
    (6, "multiply by 64"),
    (7, "multiply by 128"),
    (8, "multiply by 256"),
    (9, "multiply by 512"),
    (10, "multiply by 1024"),
    (11, "multiply by 2048"),
    (12, "multiply by 4096"),
    (13, "multiply by 8192"),
    (14, "multiply by 16384"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order_and_names_are_unique() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert_eq!(f.field as usize, i, "{}", f.abbrev);
            assert_eq!(Field::from_abbrev(f.abbrev), Some(f.field));
        }
    }

    /// The fields that need the tracker are the tracker's and the DNS matching's, nothing else.
    #[test]
    fn fields_that_need_the_tracker() {
        let needing: Vec<&str> = FIELDS.iter().filter(|f| f.field.needs_tracking()).map(|f| f.abbrev).collect();
        assert!(needing.contains(&"dns.time") && needing.contains(&"synack.state.server"), "{needing:?}");
        assert!(!needing.iter().any(|f| f.starts_with("synack.opt.") || f.starts_with("tcp.")), "{needing:?}");
    }
}

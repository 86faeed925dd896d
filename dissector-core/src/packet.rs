//! What a dissected frame is: its capture facts, its layers in protocol-tree order, and the
//! problems found in it.

use crate::conn::analysis::Analysis;
use crate::conn::{FlowView, TcpTrack, Transaction};
use crate::dns::{DnsProblem, Message};
use crate::ip::{Icmp, IpProblem, Ipv4, Ipv6};
use crate::link::{Ethernet, LinkProblem, Sll, Vlan};
use crate::tcp::{OptionProblem, TcpHeader, TcpOption, TcpOptions};
use crate::udp::UdpHeader;

/// Capture-level facts about one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameMeta {
    /// 1-based frame number.
    pub number: u32,
    /// Capture time, nanoseconds since the Unix epoch.
    pub ts_ns: i128,
    /// Bytes captured.
    pub caplen: u32,
    /// Bytes on the wire.
    pub len: u32,
    /// Link type (LINKTYPE_ value) of the frame's interface.
    pub linktype: u32,
}

/// TCP as seen in one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpLayer<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// The fixed header, when 20 bytes were captured.
    pub header: Option<TcpHeader>,
    /// Options.
    pub options: TcpOptions<'a>,
    /// Length of the options area the header declares.
    pub options_len: usize,
    /// Segment payload length, when known.
    pub seglen: Option<u32>,
    /// What the conversation table computed, when the header was whole.
    pub view: Option<FlowView>,
    /// Captured payload.
    pub payload: &'a [u8],
    /// This header is quoted inside an ICMP error.
    pub in_icmp: bool,
    /// A quote that holds only the first 8 bytes (RFC 792): the sequence number it holds.
    pub quoted_seq: Option<u32>,
}

impl TcpLayer<'_> {
    /// tshark 4.0 reads a D-SACK block even from a SACK option that holds none (comparing a
    /// zero right edge with the relative ACK number): the exception ("[Malformed Packet]")
    /// ends the TCP dissection before the SEQ/ACK analysis is shown.
    pub fn sack_throws(&self) -> bool {
        let Some(v) = &self.view else { return false };
        let empty_sack = self
            .options
            .of_kind(crate::tcp::option::kind::SACK)
            .any(|e| matches!(e.value, TcpOption::Sack(d) if d.len() < 8));
        empty_sack && 0u32.wrapping_sub(v.ack) as i32 <= 0
    }
}

/// UDP as seen in one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpLayer {
    /// Header.
    pub header: UdpHeader,
    /// This header is quoted inside an ICMP error.
    pub in_icmp: bool,
}

/// One protocol layer of a frame, in protocol-tree order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer<'a> {
    /// Ethernet II.
    Ethernet(Ethernet),
    /// An 802.1Q/802.1ad tag.
    Vlan(Vlan),
    /// Linux cooked capture.
    Sll(Sll),
    /// BSD loopback family.
    Null(u32),
    /// IPv4.
    Ipv4(Ipv4),
    /// IPv6.
    Ipv6(Ipv6),
    /// ICMP or ICMPv6.
    Icmp(Icmp),
    /// TCP.
    Tcp(TcpLayer<'a>),
    /// UDP.
    Udp(UdpLayer),
    /// A DNS message.
    Dns(Box<DnsLayer>),
    /// A GRE header.
    Gre(crate::tunnel::Gre),
    /// A VXLAN header.
    Vxlan(crate::tunnel::Vxlan),
    /// An ERSPAN header (types II and III).
    Erspan(crate::tunnel::Erspan),
    /// A Geneve header.
    Geneve(crate::tunnel::Geneve),
    /// Teredo's indications before an IPv6 header.
    Teredo(crate::tunnel::Teredo),
    /// One MPLS label stack entry.
    Mpls(crate::tunnel::MplsLabel),
    /// A GTP-U header.
    Gtp(crate::tunnel::Gtp),
    /// A PPPoE header (and a session's PPP protocol).
    Pppoe(crate::tunnel::Pppoe),
    /// A PPP link header.
    Ppp(crate::link::Ppp),
    /// A Cisco HDLC link header.
    Chdlc(crate::link::Chdlc),
    /// A netfilter log header.
    Nflog(crate::link::Nflog),
    /// A radiotap header.
    Radiotap(crate::wlan::Radiotap),
    /// An 802.11 MAC header.
    Wlan(crate::wlan::Wlan),
    /// An LLC (and SNAP) header.
    Llc(crate::wlan::Llc),
}

/// A DNS message as seen in one frame: the parsed message, how it travelled, and how it pairs
/// with the other messages of its transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsLayer {
    /// The message.
    pub message: Message,
    /// Length prefix when carried over TCP (`dns.length`).
    pub tcp_length: Option<u16>,
    /// Request/response matching (absent for a message quoted in an ICMP error, as in tshark,
    /// and when tracking is off).
    pub transaction: Option<Transaction>,
}

impl DnsLayer {
    /// [`Message::summary`], with the transaction's request frame and delay when known:
    /// `response 0x5a17 A www.example.test: A 127.0.0.2 · request in frame 1, 0.000140000 s
    /// earlier`.
    pub fn summary(&self) -> String {
        let mut s = self.message.summary();
        if let Some(answered) = self.answered() {
            push_answered(&mut s, answered);
        }
        s
    }

    /// On a response paired with its request: the request's frame and the time since it, as
    /// [`DnsLayer::summary`] shows them.
    pub fn answered(&self) -> Option<(u32, i128)> {
        match &self.transaction {
            Some(Transaction { response_to: Some(f), time_ns: Some(ns), .. }) if self.message.header.is_response() => {
                Some((*f, *ns))
            }
            _ => None,
        }
    }
}

/// What [`DnsLayer::summary`] adds to a message's own summary for a response paired with its
/// request ([`DnsLayer::answered`]): ` · request in frame 1, 0.000140000 s earlier`.
pub fn push_answered(s: &mut String, (frame, ns): (u32, i128)) {
    s.push_str(" · request in frame ");
    crate::format::push_decimal(s, u64::from(frame));
    s.push_str(", ");
    crate::format::push_seconds_ns(s, ns);
    s.push_str(" s earlier");
}

/// Something wrong with a frame that did not stop the rest of it from being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Anomaly {
    /// The link layer could not be read to its end.
    Link(LinkProblem),
    /// IP header problem.
    Ip(IpProblem),
    /// Fewer than 20 bytes of TCP header.
    TcpShortHeader,
    /// TCP data offset below 5 words.
    TcpBadHeaderLength(u8),
    /// TCP header longer than the IP payload.
    TcpHeaderPastSegment,
    /// Options could not all be read.
    TcpOptions(OptionProblem),
    /// UDP header short or bad length.
    UdpBad,
    /// DNS message problem.
    Dns(DnsProblem),
    /// DNS message shorter than its header.
    DnsShort,
    /// An encapsulation header (GRE, VXLAN, MPLS, PPPoE) cut short.
    Tunnel(&'static str),
    /// Encapsulations nested deeper than [`crate::tunnel::MAX_DEPTH`]: the rest is not read.
    TooDeep,
}

impl core::fmt::Display for Anomaly {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Anomaly::Link(p) => write!(f, "{p}"),
            Anomaly::Ip(p) => write!(f, "{p}"),
            Anomaly::TcpShortHeader => write!(f, "TCP header cut short"),
            Anomaly::TcpBadHeaderLength(l) => write!(f, "bogus TCP header length ({l}, must be at least 20)"),
            Anomaly::TcpHeaderPastSegment => write!(f, "TCP header longer than the segment"),
            Anomaly::TcpOptions(p) => write!(f, "TCP options: {p}"),
            Anomaly::UdpBad => write!(f, "bad UDP header"),
            Anomaly::Dns(p) => write!(f, "{p}"),
            Anomaly::DnsShort => write!(f, "DNS message shorter than its header"),
            Anomaly::Tunnel(what) => write!(f, "{what} header cut short"),
            Anomaly::TooDeep => {
                write!(f, "encapsulations nested deeper than {}: the rest is not read", crate::tunnel::MAX_DEPTH)
            }
        }
    }
}

impl std::error::Error for Anomaly {}

/// One dissected frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<'a> {
    /// Capture facts.
    pub meta: FrameMeta,
    /// Time since the first frame, in nanoseconds.
    pub rel_ns: i128,
    /// Layers in tree order.
    pub layers: Vec<Layer<'a>>,
    /// Problems found.
    pub anomalies: Vec<Anomaly>,
    /// Connections evicted while dissecting this frame because a cap of [`crate::Limits`] was reached.
    pub evicted: u32,
    /// The connection tracker's annotation of the frame's TCP segment (the outermost one, not
    /// one quoted in an ICMP error).
    pub track: Option<TcpTrack>,
    /// tshark's sequence analysis of that segment, when it has one (and
    /// [`crate::Options::analysis`] is on).
    pub analysis: Option<Analysis>,
    /// The IP datagram payload this frame's fragment completed (IP version, bytes): a data
    /// source of its own, as Wireshark's "Reassembled IPv4" tab.
    pub reassembled: Option<(u8, &'a [u8])>,
}

impl Packet<'_> {
    /// tshark's SEQ/ACK analysis of the frame's TCP segment, as tshark shows it: not at all
    /// when its dissection ends early ([`TcpLayer::sack_throws`]).
    pub fn tcp_analysis(&self) -> Option<&Analysis> {
        self.analysis.as_ref().filter(|_| !self.tcp().is_some_and(|t| t.sack_throws()))
    }

    /// The outermost TCP layer that is not quoted in an ICMP error.
    pub fn tcp(&self) -> Option<&TcpLayer<'_>> {
        self.layers.iter().find_map(|l| match l {
            Layer::Tcp(t) if !t.in_icmp => Some(t),
            _ => None,
        })
    }
}

//! Packet-list columns as tshark 4.0 fills them: Protocol, Source, Destination and Info. The
//! Info text follows tshark's for TCP (ports, flags, Seq/Ack/Win/Urg/Len, then the options in
//! wire order) and DNS (opcode, ID, rcode, each question and each record of every section),
//! behind tshark's sequence-analysis tags (`[TCP Retransmission] ` ...). What other dissectors
//! put there (HTTP, TLS, ...) is not reproduced.

use core::fmt::Write;

use crate::conn::analysis::{flag, Analysis};
use crate::dns::{rtype, DnsProblem, Message, RecordData};
use crate::format;
use crate::packet::{Anomaly, Layer, Packet, TcpLayer};
use crate::tcp::OptionProblem;
use crate::tcp::TcpOption;

/// The Protocol column: the innermost protocol synack dissects.
pub fn protocol(pkt: &Packet<'_>) -> &'static str {
    let mut p = "";
    // GTP fences the column: what it carries shows as `GTP <TCP>`.
    let mut gtp = false;
    let mut llmnr = false;
    for l in &pkt.layers {
        p = match l {
            Layer::Ethernet(_) | Layer::Vlan(_) | Layer::Sll(_) | Layer::Null(_) => {
                if p.is_empty() {
                    "Ethernet"
                } else {
                    p
                }
            }
            Layer::Ipv4(_) if p == "ICMP" || p == "ICMPv6" => p,
            Layer::Ipv6(_) if p == "ICMP" || p == "ICMPv6" => p,
            Layer::Ipv4(_) => "IPv4",
            Layer::Ipv6(_) => "IPv6",
            Layer::Icmp(i) => {
                if i.version == 6 {
                    "ICMPv6"
                } else {
                    "ICMP"
                }
            }
            Layer::Tcp(t) if t.in_icmp => p,
            Layer::Udp(u) if u.in_icmp => p,
            Layer::Tcp(_) => "TCP",
            Layer::Udp(u) => {
                // DNS on 5355 is LLMNR (RFC 4795).
                llmnr = crate::dissect::dns_udp_port(&u.header) == Some(5355);
                "UDP"
            }
            Layer::Gre(_) => "GRE",
            Layer::Vxlan(_) => "VXLAN",
            Layer::Erspan(_) => "ERSPAN",
            Layer::Geneve(_) => "Geneve",
            Layer::Teredo(_) => "Teredo",
            Layer::Mpls(_) => "MPLS",
            Layer::Gtp(_) => {
                gtp = true;
                "GTP"
            }
            Layer::Pppoe(p) if p.ppp_protocol.is_none() => "PPPoED",
            Layer::Pppoe(_) => "PPPoES",
            Layer::Ppp(_) => "PPP",
            Layer::Chdlc(_) => "CHDLC",
            Layer::Nflog(_) => "NFLOG",
            Layer::Radiotap(_) | Layer::Wlan(_) => "802.11",
            Layer::Llc(_) => "LLC",
            Layer::Dns(m) if m.message.multicast => "MDNS",
            Layer::Dns(_) if p == "ICMP" || p == "ICMPv6" => p,
            Layer::Dns(_) if llmnr => "LLMNR",
            Layer::Dns(_) => "DNS",
        };
    }
    if gtp {
        gtp_fenced(p)
    } else {
        p
    }
}

/// `GTP <P>` for what a GTP-U tunnel carries (the names [`protocol`] gives).
fn gtp_fenced(p: &'static str) -> &'static str {
    match p {
        "IPv4" => "GTP <IPv4>",
        "IPv6" => "GTP <IPv6>",
        "ICMP" => "GTP <ICMP>",
        "ICMPv6" => "GTP <ICMPv6>",
        "TCP" => "GTP <TCP>",
        "UDP" => "GTP <UDP>",
        "DNS" => "GTP <DNS>",
        "MDNS" => "GTP <MDNS>",
        "LLMNR" => "GTP <LLMNR>",
        "GRE" => "GTP <GRE>",
        "VXLAN" => "GTP <VXLAN>",
        "ERSPAN" => "GTP <ERSPAN>",
        "Geneve" => "GTP <Geneve>",
        "Teredo" => "GTP <Teredo>",
        "MPLS" => "GTP <MPLS>",
        "PPPoED" => "GTP <PPPoED>",
        "PPPoES" => "GTP <PPPoES>",
        "Ethernet" => "GTP <Ethernet>",
        _ => "GTP",
    }
}

/// The Source and Destination columns: the outermost IP addresses, else the link addresses.
pub fn addresses(pkt: &Packet<'_>) -> (String, String) {
    // The innermost IP header of a tunnel; a header quoted in an ICMP error does not count.
    let mut ip = None;
    for l in &pkt.layers {
        match l {
            Layer::Ipv4(_) | Layer::Ipv6(_) => ip = Some(l),
            Layer::Icmp(_) => break,
            _ => {}
        }
    }
    match ip {
        Some(Layer::Ipv4(h)) => return (format::ipv4(&h.src), format::ipv4(&h.dst)),
        Some(Layer::Ipv6(h)) => return (format::ipv6(&h.src), format::ipv6(&h.dst)),
        _ => {}
    }
    for l in &pkt.layers {
        if let Layer::Ethernet(e) = l {
            return (format::ether(&e.src), format::ether(&e.dst));
        }
    }
    (String::new(), String::new())
}

/// The Info column.
pub fn info(pkt: &Packet<'_>) -> String {
    let mut s = String::new();
    let dns: Vec<&Message> = pkt
        .layers
        .iter()
        .filter_map(|l| match l {
            Layer::Dns(m) => Some(&m.message),
            _ => None,
        })
        .collect();
    let in_icmp = pkt.layers.iter().any(|l| matches!(l, Layer::Icmp(_)));
    // The tags are fenced: a DNS message over TCP replaces the text behind them.
    if let Some(a) = pkt.tcp_analysis() {
        analysis_tags(&mut s, a);
    }
    if let (Some(m), false) = (dns.last(), in_icmp) {
        // Several messages in one TCP segment: each clears the column, the last one stays.
        dns_info(&mut s, m);
    } else if let Some(t) = pkt.tcp() {
        tcp_info(&mut s, t);
    }
    if let Some(m) = exception_marker(pkt) {
        s.push_str(m);
    }
    s
}

/// The marker tshark appends when a TCP or DNS dissector stops on an exception: reading past
/// the captured bytes of a longer packet ("Packet size limited during capture"), or past the
/// length the packet itself declares ("Malformed Packet"). Problems tshark only flags with an
/// expert info (an option length below 2, one running past the options) add nothing.
fn exception_marker(pkt: &Packet<'_>) -> Option<&'static str> {
    const LIMITED: &str = "[Packet size limited during capture]";
    const MALFORMED: &str = "[Malformed Packet]";
    let cut = pkt.meta.caplen < pkt.meta.len;
    let has = |f: fn(&Anomaly) -> bool| pkt.anomalies.iter().any(f);
    if has(|a| matches!(a, Anomaly::TcpShortHeader)) {
        return Some(if cut { LIMITED } else { MALFORMED });
    }
    if has(|a| matches!(a, Anomaly::TcpOptions(OptionProblem::Truncated))) {
        // Options past the segment's own end are malformed, whatever the capture kept.
        return Some(if cut && !has(|a| matches!(a, Anomaly::TcpHeaderPastSegment)) { LIMITED } else { MALFORMED });
    }
    if pkt.tcp().is_some_and(|t| t.sack_throws()) {
        return Some(MALFORMED);
    }
    if has(|a| matches!(a, Anomaly::Dns(DnsProblem::Name { .. } | DnsProblem::Truncated { .. }) | Anomaly::DnsShort)) {
        return Some(if cut { LIMITED } else { MALFORMED });
    }
    None
}

/// tshark's tags, each put in front of the ones before it: the last prepended comes first.
fn analysis_tags(s: &mut String, a: &Analysis) {
    use flag::*;
    if a.flags == 0 {
        return;
    }
    let dup;
    let tags: [(bool, &str); 15] = [
        (a.has(ZERO_WINDOW_PROBE_ACK), "[TCP ZeroWindowProbeAck] "),
        (a.has(ZERO_WINDOW), "[TCP ZeroWindow] "),
        (a.has(ZERO_WINDOW_PROBE), "[TCP ZeroWindowProbe] "),
        (a.dupack_num != 0 && a.has(DUPLICATE_ACK), {
            dup = format!("[TCP Dup ACK {}#{}] ", a.dupack_frame, a.dupack_num);
            &dup
        }),
        (a.has(KEEP_ALIVE_ACK), "[TCP Keep-Alive ACK] "),
        (a.has(KEEP_ALIVE), "[TCP Keep-Alive] "),
        (a.has(WINDOW_FULL), "[TCP Window Full] "),
        (a.has(WINDOW_UPDATE), "[TCP Window Update] "),
        (a.has(ACK_LOST_SEGMENT), "[TCP ACKed unseen segment] "),
        (a.has(LOST_SEGMENT), "[TCP Previous segment not captured] "),
        (a.has(OUT_OF_ORDER), "[TCP Out-Of-Order] "),
        (a.has(SPURIOUS_RETRANSMISSION), "[TCP Spurious Retransmission] "),
        (a.has(FAST_RETRANSMISSION), "[TCP Fast Retransmission] "),
        (a.has(RETRANSMISSION), "[TCP Retransmission] "),
        (a.has(REUSED_PORTS), "[TCP Port numbers reused] "),
    ];
    for (on, tag) in tags {
        if on {
            s.push_str(tag);
        }
    }
}

fn tcp_info(s: &mut String, t: &TcpLayer<'_>) {
    let _ = write!(s, "{} → {}", t.src_port, t.dst_port);
    let (Some(h), Some(v)) = (t.header, t.view) else { return };
    if h.hdr_len < 20 {
        let _ = write!(s, ", bogus TCP header length ({}, must be at least 20)", h.hdr_len);
        return;
    }
    // tshark's flag names, lowest bit first; with AccECN the three ECN bits are the ACE counter.
    const NAMES: [&str; 9] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"];
    let n = if v.ace { 6 } else { 9 };
    let mut flags: Vec<String> = (0..n).filter(|i| h.flags.0 & (1 << i) != 0).map(|i| NAMES[i].to_string()).collect();
    if v.ace {
        flags.push(format!("ACE={}", h.flags.ace()));
    }
    if h.flags.0 & 0xe00 != 0 {
        flags.push("Reserved".into());
    }
    if flags.is_empty() {
        flags.push("<None>".into());
    }
    let _ = write!(s, " [{}] Seq={}", flags.join(", "), v.seq);
    if h.flags.ack() {
        let _ = write!(s, " Ack={}", v.ack);
    }
    let _ = write!(s, " Win={}", v.window);
    if h.flags.has(0x020) {
        let _ = write!(s, " Urg={}", h.urgent);
    }
    if let Some(l) = t.seglen {
        let _ = write!(s, " Len={l}");
    }
    for e in t.options.entries() {
        match &e.value {
            TcpOption::Mss(m) => {
                let _ = write!(s, " MSS={m}");
            }
            TcpOption::WindowScale(w) => {
                let _ = write!(s, " WS={}", 1u32 << TcpOption::ws_shift(*w));
            }
            TcpOption::SackPermitted => s.push_str(" SACK_PERM"),
            TcpOption::Timestamps { tsval, tsecr } => {
                let _ = write!(s, " TSval={tsval} TSecr={tsecr}");
            }
            TcpOption::Sack(d) => {
                for (le, re) in TcpOption::sack_blocks(d) {
                    let _ = write!(s, " SLE={} SRE={}", le.wrapping_sub(v.peer_base), re.wrapping_sub(v.peer_base));
                }
            }
            // RFC 7413 §4.1.1: an empty cookie is a request.
            TcpOption::FastOpen(c) => s.push_str(if c.is_empty() { " TFO=R" } else { " TFO=C" }),
            TcpOption::Unknown { kind: k @ (172 | 174), data } => acc_ecn(s, *k == 172, data),
            // RFC 7413 §4.1.1 before kind 34: TFO in the experimental kind 254, ExID 0xF989.
            TcpOption::Unknown { kind: 254, data } if data.starts_with(&[0xf9, 0x89]) => {
                s.push_str(if data.len() == 2 { " TFO=R" } else { " TFO=C" })
            }
            // RFC 6994: the experimental kind 254 with ExID 0xACC0 / 0xACC1 carries AccECN too.
            TcpOption::Unknown { kind: 254, data } if data.len() >= 2 && data[0] == 0xac && data[1] & 0xfe == 0xc0 => {
                acc_ecn(s, data[1] == 0xc0, &data[2..])
            }
            // RFC 4782 §4.2: Quick-Start; tshark names the rate of the low nibble.
            TcpOption::Unknown { kind: 27, data } if data.len() == 6 => {
                let _ = write!(s, " QSresp={}", QS_RATES[usize::from(data[0] & 0x0f)]);
            }
            // RFC 5482 §2: User Timeout, the granularity bit masked off.
            TcpOption::Unknown { kind: 28, data } if data.len() == 2 => {
                let _ = write!(s, " USER_TO={}", u16::from_be_bytes([data[0], data[1]]) & 0x7fff);
            }
            _ => {}
        }
    }
}

/// RFC 4782 §4.1 rate requests, as tshark names them.
const QS_RATES: [&str; 16] = [
    "0 bit/s",
    "80 Kbit/s",
    "160 Kbit/s",
    "320 Kbit/s",
    "640 Kbit/s",
    "1.28 Mbit/s",
    "2.56 Mbit/s",
    "5.12 Mbit/s",
    "10.24 Mbit/s",
    "20.48 Mbit/s",
    "40.96 Mbit/s",
    "81.92 Mbit/s",
    "163.84 Mbit/s",
    "327.68 Mbit/s",
    "655.36 Mbit/s",
    "1.31072 Gbit/s",
];

/// RFC 9768 §3.2.3: the AccECN option's 24-bit byte counters; order 0 (kind 172) starts with
/// EE0B, order 1 (kind 174) with EE1B.
fn acc_ecn(s: &mut String, order0: bool, data: &[u8]) {
    let names = if order0 { ["EE0B", "ECEB", "EE1B"] } else { ["EE1B", "ECEB", "EE0B"] };
    match data.len() {
        0 => s.push_str(" AccECN"),
        3 | 6 | 9 => {
            for (name, c) in names.iter().zip(data.chunks_exact(3)) {
                let _ = write!(s, " {name}={}", u32::from_be_bytes([0, c[0], c[1], c[2]]));
            }
        }
        _ => {}
    }
}

fn opcode_name(op: u16) -> String {
    match op {
        0 => "Standard query".into(),
        1 => "Inverse query".into(),
        2 => "Server status request".into(),
        4 => "Zone change notification".into(),
        5 => "Dynamic update".into(),
        6 => "DNS Stateful operations (DSO)".into(),
        n => format!("Unknown operation ({n})"),
    }
}

fn rcode_name(rc: u16) -> String {
    let n = match rc {
        0 => "No error",
        1 => "Format error",
        2 => "Server failure",
        3 => "No such name",
        4 => "Not implemented",
        5 => "Refused",
        6 => "Name exists",
        7 => "RRset exists",
        8 => "RRset does not exist",
        9 => "Not authoritative",
        10 => "Name out of zone",
        11 => "DSO-Type not implemented",
        n => return format!("Unknown error ({n})"),
    };
    n.to_string()
}

/// tshark's name for a record type in the Info column.
fn type_name(t: u16) -> String {
    match crate::dns::type_mnemonic(t) {
        Some(n) => n.to_string(),
        None if t == 0 => "Unused".to_string(),
        None => format!("Unknown ({t})"),
    }
}

fn dns_info(s: &mut String, m: &Message) {
    let h = &m.header;
    let _ = write!(s, "{}{} 0x{:04x}", opcode_name(h.opcode()), if h.is_response() { " response" } else { "" }, h.id);
    if h.is_response() && h.rcode() != 0 {
        let _ = write!(s, " {}", rcode_name(h.rcode()));
    }
    for q in &m.questions {
        let _ = write!(s, " {} {}", type_name(q.qtype), q.name.text);
        // RFC 6762 §5.4: the top bit of an mDNS question's class asks for a unicast reply.
        if m.multicast {
            let _ = write!(s, ", \"{}\" question", if q.qclass & 0x8000 != 0 { "QU" } else { "QM" });
        }
    }
    let cut = m.cut_record.map(|(rtype, class)| (rtype, class, None));
    for (rtype, class, data) in m.records.iter().map(|r| (r.rtype, r.class, Some(&r.data))).chain(cut) {
        let _ = write!(s, " {}", type_name(rtype));
        // RFC 6762 §10.2: the top bit of an mDNS record's class is the cache-flush bit.
        if m.multicast && rtype != rtype::OPT && class & 0x8000 != 0 {
            s.push_str(", cache flush");
        }
        let Some(Ok(d)) = data else { continue };
        match d {
            RecordData::A(a) => {
                let _ = write!(s, " {}", format::ipv4(a));
            }
            RecordData::Aaaa(a) => {
                let _ = write!(s, " {}", format::ipv6(a));
            }
            RecordData::Ns(n) | RecordData::Cname(n) | RecordData::Ptr(n) => {
                let _ = write!(s, " {}", n.text);
            }
            RecordData::Soa { mname, .. } => {
                let _ = write!(s, " {}", mname.text);
            }
            RecordData::Mx { preference, exchange } => {
                let _ = write!(s, " {preference} {}", exchange.text);
            }
            RecordData::Srv { priority, weight, port, target } => {
                let _ = write!(s, " {priority} {weight} {port} {}", target.text);
            }
            RecordData::Nsec { next, .. } => {
                let _ = write!(s, " {}", next.text);
            }
            _ => {}
        }
    }
}

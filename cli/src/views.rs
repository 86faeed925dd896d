//! Packet views other than `-T fields`: tshark's one-line summary with synack's annotation,
//! the `-V` detail tree, and JSON (`-T json` array, `-T jsonl` one object per line).

use std::io::{self, Write};

use dissector_core::columns;
use dissector_core::fields::{values_indexed, write_value, Field, FieldInfo, FieldType, LayerIndex, Value, FIELDS};
use dissector_core::{Layer, Packet};

use crate::style::Style;

/// tshark's default line: `No. Time Source → Destination Protocol Length Info`, then synack's
/// handshake step and both endpoints' states.
pub fn summary_line(out: &mut dyn Write, pkt: &Packet<'_>, st: &Style) -> io::Result<()> {
    let (src, dst) = columns::addresses(pkt);
    let secs = dissector_core::format::seconds_ns(pkt.rel_ns);
    // tshark prints the relative time with 6 decimals in this view.
    let time = secs.get(..secs.len().saturating_sub(3)).unwrap_or(&secs);
    write!(
        out,
        "{:>5} {:>12} {:>15} → {:<15} {} {} {}",
        pkt.meta.number,
        time,
        src,
        dst,
        columns::protocol(pkt),
        pkt.meta.len,
        columns::info(pkt)
    )?;
    if let Some(t) = &pkt.track {
        let s = t.summary();
        let anomalies: Vec<&str> = t.anomalies.names().collect();
        let extra = if anomalies.is_empty() { String::new() } else { format!(" !{}", anomalies.join(",")) };
        write!(out, "  {}", st.annotation(&format!("‖ {s}{extra}")))?;
    }
    writeln!(out)
}

/// An integer or flag value as a number, to look its name up.
fn number(v: &Value<'_>) -> Option<i128> {
    match v {
        Value::U(u) => Some(i128::from(*u)),
        Value::Hex16(u) => Some(i128::from(*u)),
        Value::I(i) => Some(i128::from(*i)),
        Value::Bool(b) => Some(i128::from(*b)),
        _ => None,
    }
}

fn field_line(info: &FieldInfo, vals: &[Value<'_>]) -> String {
    let mut s = String::new();
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let mut one = String::new();
        write_value(&mut one, info, v);
        // Value names, as Wireshark shows them: "TCP (6)", "SYN+ACK (2)"; a flag "Set".
        if let Some(n) = number(v).and_then(|n| crate::filter::value_name(info.field, n)) {
            one = if info.ftype == FieldType::Bool { n.to_string() } else { format!("{n} ({one})") };
        }
        s.push_str(&one);
    }
    s
}

/// Fields tshark's tree hides (either direction: `ip.addr`, `tcp.port`, ...).
const HIDDEN: [Field; 5] = [Field::EthAddr, Field::IpAddr, Field::Ipv6Addr, Field::TcpPort, Field::UdpPort];

/// The TCP option fields, shown in one block per option instead.
const OPTION_FIELDS: [Field; 10] = [
    Field::TcpOptionKind,
    Field::TcpOptionLen,
    Field::TcpOptionsMssVal,
    Field::TcpOptionsWscaleShift,
    Field::TcpOptionsWscaleMultiplier,
    Field::TcpOptionsSackPerm,
    Field::TcpOptionsSackLe,
    Field::TcpOptionsSackRe,
    Field::TcpOptionsTsval,
    Field::TcpOptionsTsecr,
];

/// tshark's names of the set flags, lowest bit first: `SYN, ACK`.
fn flag_names(bits: u64) -> String {
    const NAMES: [&str; 9] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"];
    let set: Vec<&str> = NAMES.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, n)| *n).collect();
    if set.is_empty() {
        "<None>".to_string()
    } else {
        set.join(", ")
    }
}

/// The options of one TCP header, one block each as tshark's tree has them: a title with the
/// value, then kind, length and the fields.
fn options_block(t: &dissector_core::TcpLayer<'_>, sack_edges: &[(String, String)], lines: &mut Vec<String>) {
    use dissector_core::tcp::TcpOption as O;
    if t.options.is_empty() {
        return;
    }
    let title = |e: &dissector_core::tcp::OptionEntry<'_>| -> String {
        match e.value {
            O::Eol => "End of Option List (EOL)".into(),
            O::Nop => "No-Operation (NOP)".into(),
            O::Mss(m) => format!("Maximum segment size: {m} bytes"),
            O::WindowScale(s) => {
                let s = O::ws_shift(s);
                format!("Window scale: {s} (multiply by {})", 1u32 << s)
            }
            O::SackPermitted => "SACK permitted".into(),
            // The edges as tshark shows them: relative (tcp.options.sack_le/re), in order.
            O::Sack(d) => {
                let skip: usize = t
                    .options
                    .entries()
                    .take_while(|x| x.offset != e.offset)
                    .map(|x| match x.value {
                        O::Sack(d) => d.len() / 8,
                        _ => 0,
                    })
                    .sum();
                let blocks: Vec<String> =
                    sack_edges.iter().skip(skip).take(d.len() / 8).map(|(l, r)| format!("{l}-{r}")).collect();
                format!("SACK {}", blocks.join(" "))
            }
            O::Timestamps { tsval, tsecr } => format!("Timestamps: TSval {tsval}, TSecr {tsecr}"),
            O::FastOpen(_) => "TCP Fast Open".into(),
            O::Mptcp { .. } => "MPTCP".into(),
            _ => crate::filter::value_name(Field::TcpOptionKind, i128::from(e.kind))
                .map(str::to_string)
                .unwrap_or_else(|| format!("Unknown ({})", e.kind)),
        }
    };
    let names: Vec<String> = t
        .options
        .entries()
        .map(|e| match e.value {
            O::Sack(_) => "SACK".to_string(),
            _ => title(&e).split(':').next().unwrap_or("").to_string(),
        })
        .collect();
    lines.push(format!("    Options: ({} bytes), {}", t.options_len, names.join(", ")));
    for e in t.options.entries() {
        match e.value {
            // tshark's MPTCP dissector titles its own block.
            O::Mptcp { subtype, .. } => {
                lines.push(format!("        Multipath Transmission Control Protocol: subtype {subtype}"))
            }
            _ => lines.push(format!("        TCP Option - {}", title(&e))),
        }
        let kind = crate::filter::value_name(Field::TcpOptionKind, i128::from(e.kind)).unwrap_or("Unknown");
        lines.push(format!("            Kind: {kind} ({})", e.kind));
        if let Some(l) = e.len {
            lines.push(format!("            Length: {l}"));
        }
        match e.value {
            O::Mss(m) => lines.push(format!("            MSS Value: {m}")),
            O::WindowScale(s) => {
                lines.push(format!("            Shift count: {s}"));
                lines.push(format!("            Multiplier: {}", 1u32 << O::ws_shift(s)));
            }
            O::Sack(d) => {
                for (l, r) in O::sack_blocks(d) {
                    lines.push(format!("            left edge = {l} (raw)"));
                    lines.push(format!("            right edge = {r} (raw)"));
                }
            }
            O::Mptcp { subtype, .. } => lines.push(format!("            Multipath TCP subtype: {subtype}")),
            O::Timestamps { tsval, tsecr } => {
                lines.push(format!("            Timestamp value: {tsval}"));
                lines.push(format!("            Timestamp echo reply: {tsecr}"));
            }
            _ => {}
        }
    }
}

/// The first value of field `f` in `pkt`, as `-T fields` writes it ("" when absent).
fn text(pkt: &Packet<'_>, f: Field) -> String {
    let mut v = Vec::new();
    crate::json::texts(pkt, &LayerIndex::new(pkt), f, &mut v);
    v.into_iter().next().unwrap_or_default()
}

/// A field's value with tshark's name for it, if it has one.
fn named(pkt: &Packet<'_>, f: Field) -> Option<&'static str> {
    let mut vals = Vec::new();
    values_indexed(pkt, &LayerIndex::new(pkt), f, &mut vals);
    crate::filter::value_name(f, number(vals.first()?)?)
}

/// The title line of a layer's tree, as tshark's (with `-n`: synack resolves no names).
/// `one` holds the layer alone (see [`crate::json::for_each_layer`]).
fn title(name: &str, pkt: &Packet<'_>, one: &Packet<'_>, l: &Layer<'_>) -> String {
    use dissector_core::Layer as L;
    let dns_kind = |base: &str| {
        let response = text(one, Field::DnsFlagsResponse) == "1";
        format!("{base} ({})", if response { "response" } else { "query" })
    };
    match (name, l) {
        ("eth", L::Ethernet(e)) if e.ethertype < 0x0600 => "IEEE 802.3 Ethernet ".to_string(),
        ("eth", _) => format!("Ethernet II, Src: {}, Dst: {}", text(one, Field::EthSrc), text(one, Field::EthDst)),
        (_, L::Vlan(v)) => format!("802.1Q Virtual LAN, PRI: {}, DEI: {}, ID: {}", v.priority, u8::from(v.dei), v.id),
        (_, L::Sll(s)) => format!("Linux cooked capture v{}", s.version),
        (_, L::Null(_)) => "Null/Loopback".into(),
        ("ppp", _) => "Point-to-Point Protocol".into(),
        (_, L::Chdlc(_)) => "Cisco HDLC".into(),
        (_, L::Nflog(_)) => "Linux Netfilter NFLOG".into(),
        (_, L::Radiotap(r)) => format!("Radiotap Header v{}, Length {}", r.version, r.length),
        (_, L::Wlan(_)) => {
            let kind = named(one, Field::WlanFcTypeSubtype).unwrap_or("Unrecognized (Reserved frame)");
            let flags = u8::from_str_radix(text(one, Field::WlanFlags).trim_start_matches("0x"), 16).unwrap_or(0);
            // Order, Protected, More data, Power management, Retry, More fragments, From DS,
            // To DS, then C when the frame carries its FCS (even one the snap length cut off).
            let mut s: String = "opmPRMFTC"
                .chars()
                .take(8)
                .enumerate()
                .map(|(i, c)| if flags & (0x80 >> i) != 0 { c } else { '.' })
                .collect();
            if !text(one, Field::WlanFcs).is_empty() || text(pkt, Field::RadiotapFlagsFcs) == "1" {
                s.push('C');
            }
            format!("IEEE 802.11 {kind}, Flags: {s}")
        }
        (_, L::Llc(_)) => "Logical-Link Control".into(),
        (_, L::Mpls(m)) => format!(
            "MultiProtocol Label Switching Header, Label: {}, Exp: {}, S: {}, TTL: {}",
            m.label,
            m.exp,
            u8::from(m.bottom),
            m.ttl
        ),
        ("pppoes", _) => "PPP-over-Ethernet Session".into(),
        (_, L::Pppoe(_)) => "PPP-over-Ethernet Discovery".into(),
        (_, L::Ipv4(_)) => {
            format!("Internet Protocol Version 4, Src: {}, Dst: {}", text(one, Field::IpSrc), text(one, Field::IpDst))
        }
        (_, L::Ipv6(_)) => {
            format!(
                "Internet Protocol Version 6, Src: {}, Dst: {}",
                text(one, Field::Ipv6Src),
                text(one, Field::Ipv6Dst)
            )
        }
        (_, L::Icmp(i)) if i.version == 6 => "Internet Control Message Protocol v6".into(),
        (_, L::Icmp(_)) => "Internet Control Message Protocol".into(),
        (_, L::Gre(_)) => {
            let proto = named(one, Field::GreProto).map_or_else(|| text(one, Field::GreProto), str::to_string);
            format!("Generic Routing Encapsulation ({proto})")
        }
        (_, L::Erspan(e)) => {
            format!("Encapsulated Remote Switch Packet ANalysis Type {}", if e.version >= 2 { "III" } else { "II" })
        }
        (_, L::Vxlan(_)) => "Virtual eXtensible Local Area Network".into(),
        (_, L::Geneve(g)) => format!("Generic Network Virtualization Encapsulation, VNI: 0x{:06x}", g.vni),
        (_, L::Teredo(_)) => "Teredo IPv6 over UDP tunneling".into(),
        (_, L::Gtp(_)) => "GPRS Tunneling Protocol".into(),
        (_, L::Tcp(t)) => {
            let mut s = format!("Transmission Control Protocol, Src Port: {}, Dst Port: {}", t.src_port, t.dst_port);
            if let Some(h) = &t.header {
                s.push_str(&format!(", Seq: {}", text(one, Field::TcpSeq)));
                if h.flags.ack() {
                    s.push_str(&format!(", Ack: {}", text(one, Field::TcpAck)));
                }
                let len = text(one, Field::TcpLen);
                if !len.is_empty() {
                    s.push_str(&format!(", Len: {len}"));
                }
            }
            s
        }
        (_, L::Udp(u)) => {
            format!("User Datagram Protocol, Src Port: {}, Dst Port: {}", u.header.src_port, u.header.dst_port)
        }
        ("mdns", _) => dns_kind("Multicast Domain Name System"),
        ("llmnr", _) => dns_kind("Link-local Multicast Name Resolution"),
        (_, L::Dns(_)) => dns_kind("Domain Name System"),
        (n, _) => n.to_string(),
    }
}

/// One field's lines in a layer's tree, `pad` spaces in.
fn field_lines(pkt: &Packet<'_>, index: &LayerIndex, f: &FieldInfo, pad: &str, lines: &mut Vec<String>) {
    // Either-direction fields are hidden items in tshark's tree; options get a block.
    if HIDDEN.contains(&f.field) || (OPTION_FIELDS.contains(&f.field) && f.field != Field::TcpOptionKind) {
        return;
    }
    if f.field == Field::TcpOptionKind {
        let edge = |f: Field| -> Vec<String> {
            let mut v = Vec::new();
            crate::json::texts(pkt, index, f, &mut v);
            v
        };
        let edges: Vec<(String, String)> =
            edge(Field::TcpOptionsSackLe).into_iter().zip(edge(Field::TcpOptionsSackRe)).collect();
        for l in pkt.layers.iter() {
            if let Layer::Tcp(t) = l {
                let mut block = Vec::new();
                options_block(t, if t.in_icmp { &[] } else { &edges }, &mut block);
                lines.extend(block.into_iter().map(|b| format!("{pad}{}", &b[4..])));
            }
        }
        return;
    }
    let mut vals = Vec::new();
    values_indexed(pkt, index, f.field, &mut vals);
    if vals.is_empty() {
        return;
    }
    // A label or an expert item (FT_NONE) has no value to show: its name says it all.
    if f.ftype == FieldType::None {
        lines.push(format!("{pad}[{}]", f.name));
    } else if f.field == Field::TcpFlags {
        let bits = match vals.first() {
            Some(Value::U(b)) => *b,
            _ => 0,
        };
        lines.push(format!("{pad}{}: {} ({})", f.name, field_line(f, &vals), flag_names(bits)));
    } else if f.abbrev.starts_with("tcp.flags.") && f.field != Field::TcpFlagsStr {
        lines.push(format!("{pad}    {}: {}", f.name, field_line(f, &vals)));
    } else {
        lines.push(format!("{pad}{}: {}", f.name, field_line(f, &vals)));
    }
}

/// The lines of one protocol's tree: its title, then (when `open`) its fields.
fn tree(title: String, pkt: &Packet<'_>, fields: &[Field], open: bool, depth: usize, st: &Style) -> Vec<String> {
    let pad = " ".repeat(4 * depth);
    let mut lines = vec![if depth == 0 { st.heading(&title) } else { format!("{pad}{title}") }];
    if open {
        let index = LayerIndex::new(pkt);
        let inner = " ".repeat(4 * depth + 4);
        for f in fields {
            field_lines(pkt, &index, f.info(), &inner, &mut lines);
        }
    }
    lines
}

/// The `-V` tree (`expand`: `None`), or `-O`'s (only the named protocols' trees expanded, the
/// others their title line): the frame, each layer synack reads with its fields, in tshark's
/// order and titles, then synack's own tree.
pub fn detail(out: &mut dyn Write, pkt: &Packet<'_>, st: &Style, expand: Option<&[String]>) -> io::Result<()> {
    let open = |name: &str| expand.is_none_or(|e| e.iter().any(|p| p.eq_ignore_ascii_case(name)));
    let m = &pkt.meta;
    let frame = format!(
        "Frame {}: {} bytes on wire ({} bits), {} bytes captured ({} bits)",
        m.number,
        m.len,
        u64::from(m.len) * 8,
        m.caplen,
        u64::from(m.caplen) * 8
    );
    let mut lines = tree(frame, pkt, crate::json::fields_of("frame"), open("frame"), 0, st);
    // A quoted layer is shown inside its ICMP error's tree, when that one is open.
    let mut icmp_open = false;
    crate::json::for_each_layer(pkt, |name, one, l, in_icmp| {
        // Teredo without indications has nothing to show.
        let fields = crate::json::fields_of(name);
        if name == "teredo" && fields.iter().all(|f| text(one, *f).is_empty()) {
            return;
        }
        if in_icmp {
            if icmp_open {
                lines.extend(tree(title(name, pkt, one, l), one, fields, true, 1, st));
            }
            return;
        }
        icmp_open = matches!(l, Layer::Icmp(_)) && open(name);
        lines.extend(tree(title(name, pkt, one, l), one, fields, open(name), 0, st));
        // ERSPAN type I has no header of its own; tshark names it all the same.
        if let Layer::Gre(g) = l {
            let next_is_erspan = pkt
                .layers
                .iter()
                .skip_while(|x| !std::ptr::eq(*x, l))
                .nth(1)
                .is_some_and(|x| matches!(x, Layer::Erspan(_)));
            if g.proto == dissector_core::tunnel::ETHERTYPE_ERSPAN && !next_is_erspan {
                lines.push(st.heading("Encapsulated Remote Switch Packet ANalysis Type I"));
            }
        }
    });
    let synack = crate::json::fields_of("synack");
    let synack_tree = tree(String::new(), pkt, synack, true, 0, st);
    if synack_tree.len() > 1 {
        // The plugin's subtree title.
        let head = pkt.track.as_ref().map_or_else(
            || "TCP handshake and states".to_string(),
            |t| format!("TCP handshake and states: {}", t.summary()),
        );
        lines.extend(tree(head, pkt, synack, open("synack"), 0, st));
    }
    for l in lines {
        writeln!(out, "{l}")?;
    }
    writeln!(out)
}

/// `-x`: each data source's bytes as tshark dumps them, 16 a line with offset and ASCII; a
/// frame that completes an IP datagram has two sources, each named.
pub fn hex_dump(out: &mut dyn Write, pkt: &Packet<'_>, frame: &[u8]) -> io::Result<()> {
    match pkt.reassembled {
        Some((v, whole)) => {
            writeln!(out, "Frame ({} bytes):", frame.len())?;
            hex_lines(out, frame)?;
            writeln!(out, "Reassembled IPv{v} ({} bytes):", whole.len())?;
            hex_lines(out, whole)?;
        }
        None => hex_lines(out, frame)?,
    }
    writeln!(out)
}

fn hex_lines(out: &mut dyn Write, bytes: &[u8]) -> io::Result<()> {
    // The offset gets a digit more past each 16^4 bytes, as Wireshark's print_hex_data.
    let top = bytes.len().saturating_sub(1);
    let digits = (4..8).find(|d| top >> (4 * d) == 0).unwrap_or(8);
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let mut line = format!("{:0digits$x}  ", i * 16);
        for b in chunk {
            line.push_str(&format!("{b:02x} "));
        }
        line.push_str(&" ".repeat(3 * (16 - chunk.len()) + 2));
        line.extend(chunk.iter().map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }));
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// JSON string escaping (RFC 8259 §7).
pub fn json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Fields shown in JSON when no `-e` is given: the columns and every synack field present.
pub fn default_json_fields() -> Vec<Field> {
    let mut v: Vec<Field> = [
        "frame.number",
        "frame.time_relative",
        "_ws.col.Source",
        "_ws.col.Destination",
        "_ws.col.Protocol",
        "frame.len",
        "_ws.col.Info",
    ]
    .iter()
    .filter_map(|n| Field::from_abbrev(n))
    .collect();
    v.extend(FIELDS.iter().filter(|f| f.abbrev.starts_with("synack.")).map(|f| f.field));
    v
}

/// One packet as a JSON object: field name → value (a string), or an array of strings when
/// the field occurs several times; absent fields are left out.
pub fn json_object(pkt: &Packet<'_>, fields: &[Field]) -> String {
    let mut s = String::from("{");
    for (i, (f, texts)) in crate::json::chosen(pkt, fields).iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        json_str(f.info().abbrev, &mut s);
        s.push_str(": ");
        if texts.len() == 1 {
            json_str(&texts[0], &mut s);
        } else {
            s.push('[');
            for (i, t) in texts.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                json_str(t, &mut s);
            }
            s.push(']');
        }
    }
    s.push('}');
    s
}

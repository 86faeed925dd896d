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

fn field_line(info: &FieldInfo, vals: &[Value<'_>]) -> String {
    let mut s = String::new();
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let mut one = String::new();
        write_value(&mut one, info, v);
        // Value names, as Wireshark shows them: "TCP (6)", "SYN+ACK (2)"; a flag "Set".
        let number = match v {
            Value::U(u) => Some(*u as i128),
            Value::Hex16(u) => Some(*u as i128),
            Value::I(i) => Some(*i as i128),
            Value::Bool(b) => Some(*b as i128),
            _ => None,
        };
        if let Some(n) = number.and_then(|n| crate::filter::value_name(info.field, n)) {
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
    if t.options.entries.is_empty() {
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
                    .entries
                    .iter()
                    .take_while(|x| !std::ptr::eq(*x, e))
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
        .entries
        .iter()
        .map(|e| match e.value {
            O::Sack(_) => "SACK".to_string(),
            _ => title(e).split(':').next().unwrap_or("").to_string(),
        })
        .collect();
    lines.push(format!("    Options: ({} bytes), {}", t.options_len, names.join(", ")));
    for e in &t.options.entries {
        match e.value {
            // tshark's MPTCP dissector titles its own block.
            O::Mptcp { subtype, .. } => {
                lines.push(format!("        Multipath Transmission Control Protocol: subtype {subtype}"))
            }
            _ => lines.push(format!("        TCP Option - {}", title(e))),
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

/// The `-V` tree: each layer synack reads with its fields, then synack's annotation.
pub fn detail(out: &mut dyn Write, pkt: &Packet<'_>, st: &Style) -> io::Result<()> {
    let groups: [(&str, &str); 22] = [
        ("Frame", "frame."),
        ("Ethernet II", "eth."),
        ("Cisco HDLC", "chdlc."),
        ("Linux Netfilter NFLOG", "nflog."),
        ("Radiotap Header v0", "radiotap."),
        ("IEEE 802.11", "wlan."),
        ("Logical-Link Control", "llc."),
        ("802.1Q Virtual LAN", "vlan."),
        ("MultiProtocol Label Switching Header", "mpls."),
        ("PPP-over-Ethernet Session", "pppoe."),
        ("Point-to-Point Protocol", "ppp."),
        ("Internet Protocol Version 4", "ip."),
        ("Internet Protocol Version 6", "ipv6."),
        ("Generic Routing Encapsulation", "gre."),
        ("Virtual eXtensible Local Area Network", "vxlan."),
        ("Generic Network Virtualization Encapsulation", "geneve."),
        ("Teredo IPv6 over UDP tunneling", "teredo."),
        ("GPRS Tunneling Protocol", "gtp."),
        ("Transmission Control Protocol", "tcp."),
        ("User Datagram Protocol", "udp."),
        ("Domain Name System", "dns."),
        ("SYN/ACK", "synack."),
    ];
    let mut vals = Vec::new();
    let index = LayerIndex::new(pkt);
    for (title, prefix) in groups {
        let mut lines = Vec::new();
        for f in FIELDS.iter().filter(|f| f.abbrev.starts_with(prefix)) {
            // Either-direction fields are hidden items in tshark's tree; options get a block.
            if HIDDEN.contains(&f.field) || (OPTION_FIELDS.contains(&f.field) && f.field != Field::TcpOptionKind) {
                continue;
            }
            if f.field == Field::TcpOptionKind {
                let edge = |f: Field| -> Vec<String> {
                    let mut v = Vec::new();
                    crate::json::texts(pkt, &index, f, &mut v);
                    v
                };
                let edges: Vec<(String, String)> =
                    edge(Field::TcpOptionsSackLe).into_iter().zip(edge(Field::TcpOptionsSackRe)).collect();
                for l in pkt.layers.iter() {
                    if let Layer::Tcp(t) = l {
                        options_block(t, if t.in_icmp { &[] } else { &edges }, &mut lines);
                    }
                }
                continue;
            }
            vals.clear();
            values_indexed(pkt, &index, f.field, &mut vals);
            if vals.is_empty() {
                continue;
            }
            // A label or an expert item (FT_NONE) has no value to show: its name says it all.
            if f.ftype == FieldType::None {
                lines.push(format!("    [{}]", f.name));
            } else if f.field == Field::TcpFlags {
                let bits = match vals.first() {
                    Some(Value::U(b)) => *b,
                    _ => 0,
                };
                lines.push(format!("    {}: {} ({})", f.name, field_line(f, &vals), flag_names(bits)));
            } else if f.abbrev.starts_with("tcp.flags.") && f.field != Field::TcpFlagsStr {
                lines.push(format!("        {}: {}", f.name, field_line(f, &vals)));
            } else {
                lines.push(format!("    {}: {}", f.name, field_line(f, &vals)));
            }
        }
        if lines.is_empty() {
            continue;
        }
        let head = if prefix == "synack." {
            pkt.track.as_ref().map(|t| format!("{title}: {}", t.summary())).unwrap_or_else(|| title.to_string())
        } else {
            title.to_string()
        };
        writeln!(out, "{}", st.heading(&head))?;
        for l in lines {
            writeln!(out, "{l}")?;
        }
    }
    let has_layers = pkt.layers.iter().any(|l| !matches!(l, Layer::Ethernet(_)));
    if !has_layers {
        writeln!(out, "    (nothing synack reads beyond the frame)")?;
    }
    writeln!(out)
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

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
        // Value names, as Wireshark shows them: "SYN+ACK (2)".
        if let Some((_, n)) = info.field.value_names().iter().find(|(k, _)| Some(u64::from(*k)) == one.parse().ok()) {
            one = format!("{n} ({one})");
        }
        s.push_str(&one);
    }
    s
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
            vals.clear();
            values_indexed(pkt, &index, f.field, &mut vals);
            if vals.is_empty() {
                continue;
            }
            // A label or an expert item (FT_NONE) has no value to show: its name says it all.
            if f.ftype == FieldType::None {
                lines.push(format!("    [{}]", f.name));
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
    let mut vals = Vec::new();
    let mut first = true;
    let index = LayerIndex::new(pkt);
    for &f in fields {
        vals.clear();
        values_indexed(pkt, &index, f, &mut vals);
        if vals.is_empty() {
            continue;
        }
        if !first {
            s.push_str(", ");
        }
        first = false;
        json_str(f.info().abbrev, &mut s);
        s.push_str(": ");
        let texts: Vec<String> = vals
            .iter()
            .map(|v| {
                let mut t = String::new();
                write_value(&mut t, f.info(), v);
                t
            })
            .collect();
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

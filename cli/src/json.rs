//! `-T json` and `-T ek` in tshark's shapes. With `-e`, each packet's `layers` maps each field
//! present to the array of its values, as `tshark -T json -e` does; without, `layers` holds one
//! object per protocol layer (`frame`, `eth`, `ip`, `tcp`, ..., then `synack`) with the fields
//! synack has for that layer, named as tshark names them. tshark nests its items in subtrees
//! (`ip.flags_tree`); synack's layer objects are flat, and a quoted packet in an ICMP error sits
//! inside the `icmp` object as in tshark.

use std::sync::OnceLock;

use dissector_core::fields::{values_indexed, write_value, Field, FieldType, Group, LayerIndex, Value, FIELDS};
use dissector_core::{Layer, Packet};

use crate::views::json_str;

/// `packets-YYYY-MM-DD` of the frame's time (UTC), tshark's `_index`.
fn index(pkt: &Packet<'_>) -> String {
    let days = pkt.meta.ts_ns.div_euclid(86_400_000_000_000) as i64;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("packets-{y:04}-{m:02}-{d:02}")
}

/// `f`'s values in `pkt` as `-T fields` writes them (`index`: the packet's, built once).
pub(crate) fn texts(pkt: &Packet<'_>, index: &LayerIndex, f: Field, out: &mut Vec<String>) {
    let mut vals: Vec<Value<'_>> = Vec::new();
    values_indexed(pkt, index, f, &mut vals);
    out.extend(vals.iter().map(|v| {
        let mut t = String::new();
        write_value(&mut t, f.info(), v);
        t
    }));
}

/// The `-e` fields present in `pkt`, with their values as `-T fields` writes them.
pub(crate) fn chosen(pkt: &Packet<'_>, fields: &[Field]) -> Vec<(Field, Vec<String>)> {
    let index = LayerIndex::new(pkt);
    let mut out = Vec::new();
    for &f in fields {
        let mut v = Vec::new();
        texts(pkt, &index, f, &mut v);
        if !v.is_empty() {
            out.push((f, v));
        }
    }
    out
}

/// A protocol layer's object: its name, its fields' values, and layers nested in it.
struct Obj {
    name: &'static str,
    fields: Vec<(Field, Vec<String>)>,
    inner: Vec<Obj>,
}

/// The fields whose values a layer called `name` holds.
pub(crate) fn fields_of(name: &str) -> &'static [Field] {
    static TABLE: OnceLock<Vec<(&'static str, Vec<Field>)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t: Vec<(&'static str, Vec<Field>)> = Vec::new();
        for f in FIELDS.iter().filter(|f| f.group != Group::Column) {
            let prefix = f.abbrev.split('.').next().unwrap_or("");
            match t.iter_mut().find(|(p, _)| *p == prefix) {
                Some((_, v)) => v.push(f.field),
                None => t.push((prefix, vec![f.field])),
            }
        }
        t
    });
    let prefix = match name {
        "mdns" | "llmnr" => "dns",
        "pppoes" | "pppoed" => "pppoe",
        n => n,
    };
    table.iter().find(|(p, _)| *p == prefix).map(|(_, v)| v.as_slice()).unwrap_or(&[])
}

/// Without -e tshark writes byte strings with colons (`04:02`), as its tree shows them.
fn tree_texts(pkt: &Packet<'_>, index: &LayerIndex, f: Field, out: &mut Vec<String>) {
    let start = out.len();
    texts(pkt, index, f, out);
    // A label (an expert item) has no value of its own: tshark writes "".
    if f.info().ftype == FieldType::None {
        out[start..].iter_mut().for_each(String::clear);
    }
    if matches!(f.info().ftype, FieldType::Bytes | FieldType::Protocol) {
        for t in &mut out[start..] {
            let pairs: Vec<&str> = (0..t.len() / 2).map(|i| &t[2 * i..2 * i + 2]).collect();
            *t = pairs.join(":");
        }
    }
}

fn object(pkt: &Packet<'_>, name: &'static str) -> Obj {
    let index = LayerIndex::new(pkt);
    let mut fields = Vec::new();
    for &f in fields_of(name) {
        let mut v = Vec::new();
        tree_texts(pkt, &index, f, &mut v);
        if !v.is_empty() {
            fields.push((f, v));
        }
    }
    Obj { name, fields, inner: Vec::new() }
}

/// Each layer of `pkt` on its own, as tshark's tree has them: its protocol's name, a packet that
/// holds that layer only (to read the layer's values), the layer, and whether it is quoted in
/// an ICMP error (nested in the ICMP tree). A PPPoE session is two: `pppoes`, then `ppp`.
pub(crate) fn for_each_layer<'a>(pkt: &Packet<'a>, mut f: impl FnMut(&'static str, &Packet<'a>, &Layer<'a>, bool)) {
    let mut in_icmp = false;
    for l in &pkt.layers {
        // Each layer's values on its own: a packet that holds that layer only.
        let mut alone = vec![l.clone()];
        // DNS's flags depend on the port it came on (LLMNR): keep the UDP header with it.
        if matches!(l, Layer::Dns(_)) {
            if let Some(u) = pkt.layers.iter().rev().find(|x| matches!(x, Layer::Udp(_))) {
                alone.insert(0, u.clone());
            }
        }
        // The rest of the packet as it is, without cloning every layer for each one.
        let one = Packet {
            meta: pkt.meta,
            rel_ns: pkt.rel_ns,
            layers: alone,
            anomalies: Vec::new(),
            evicted: pkt.evicted,
            track: pkt.track.clone(),
            analysis: pkt.analysis,
            reassembled: None,
        };
        match l {
            Layer::Pppoe(p) if p.ppp_protocol.is_some() => {
                f("pppoes", &one, l, in_icmp);
                f("ppp", &one, l, in_icmp);
            }
            _ => f(crate::filter::layer_name(pkt, l), &one, l, in_icmp),
        }
        in_icmp |= matches!(l, Layer::Icmp(_));
    }
}

/// Every layer of `pkt` as tshark's JSON names and nests them.
fn layers(pkt: &Packet<'_>) -> Vec<Obj> {
    let mut out = vec![object(pkt, "frame")];
    for_each_layer(pkt, |name, one, _, in_icmp| {
        let o = object(one, name);
        // Teredo without indications adds nothing to tshark's tree (frame.protocols names it).
        if o.name == "teredo" && o.fields.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(icmp) if in_icmp => icmp.inner.push(o),
            _ => out.push(o),
        }
    });
    let synack = object(pkt, "synack");
    if !synack.fields.is_empty() {
        out.push(synack);
    }
    out
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_obj(o: &Obj, depth: usize, out: &mut String) {
    out.push('{');
    let mut first = true;
    let mut sep = |out: &mut String| {
        out.push_str(if first { "\n" } else { ",\n" });
        first = false;
        pad(out, depth + 2);
    };
    for (f, vals) in &o.fields {
        // tshark repeats a key for each occurrence of the field in the layer.
        for v in vals {
            sep(out);
            json_str(f.info().abbrev, out);
            out.push_str(": ");
            json_str(v, out);
        }
    }
    for i in &o.inner {
        sep(out);
        json_str(i.name, out);
        out.push_str(": ");
        write_obj(i, depth + 2, out);
    }
    if first {
        out.push('}');
    } else {
        out.push('\n');
        pad(out, depth);
        out.push('}');
    }
}

/// One packet of `-T json`: `first` says whether it opens the array.
pub fn packet(pkt: &Packet<'_>, fields: &[Field], first: bool, out: &mut String) {
    out.push_str(if first { "[\n" } else { ",\n" });
    out.push_str("  {\n    \"_index\": ");
    json_str(&index(pkt), out);
    out.push_str(",\n    \"_type\": \"doc\",\n    \"_score\": null,\n    \"_source\": {\n      \"layers\": ");
    if fields.is_empty() {
        let top = Obj { name: "", fields: Vec::new(), inner: layers(pkt) };
        write_obj(&top, 6, out);
    } else {
        let chosen = chosen(pkt, fields);
        if chosen.is_empty() {
            out.push_str("{}");
        } else {
            out.push_str("{\n");
            for (i, (f, vals)) in chosen.iter().enumerate() {
                pad(out, 8);
                json_str(f.info().abbrev, out);
                out.push_str(": [\n");
                for (j, v) in vals.iter().enumerate() {
                    pad(out, 10);
                    json_str(v, out);
                    out.push_str(if j + 1 < vals.len() { ",\n" } else { "\n" });
                }
                pad(out, 8);
                out.push_str(if i + 1 < chosen.len() { "],\n" } else { "]\n" });
            }
            pad(out, 6);
            out.push('}');
        }
    }
    out.push_str("\n    }\n  }");
}

/// The end of `-T json`'s array, given whether any packet was written.
pub fn end(any: bool) -> &'static str {
    if any {
        "\n]\n"
    } else {
        "[]\n"
    }
}

fn ek_key(abbrev: &str) -> String {
    abbrev.replace('.', "_")
}

fn ek_value(f: Field, v: &str, out: &mut String) {
    match (f.info().ftype, v) {
        // Without -e, ek writes booleans as JSON's.
        (FieldType::Bool, "1") => out.push_str("true"),
        (FieldType::Bool, "0") => out.push_str("false"),
        // A label has no value: ek writes null.
        (FieldType::None, _) => out.push_str("null"),
        _ => json_str(v, out),
    }
}

fn ek_obj(o: &Obj, out: &mut String) {
    out.push('{');
    let mut first = true;
    for (f, vals) in &o.fields {
        if !first {
            out.push(',');
        }
        first = false;
        // The key starts with the protocol that owns the field (pppoe_ inside pppoes).
        let abbrev = f.info().abbrev;
        out.push('"');
        out.push_str(&ek_key(abbrev.split('.').next().unwrap_or(abbrev)));
        out.push('_');
        out.push_str(&ek_key(abbrev));
        out.push_str("\":");
        if vals.len() == 1 {
            ek_value(*f, &vals[0], out);
        } else {
            out.push('[');
            for (i, v) in vals.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ek_value(*f, v, out);
            }
            out.push(']');
        }
    }
    for i in &o.inner {
        if !first {
            out.push(',');
        }
        first = false;
        json_str(i.name, out);
        out.push(':');
        ek_obj(i, out);
    }
    out.push('}');
}

/// One packet of `-T ek` (Elasticsearch bulk): an index line, then the document.
pub fn ek(pkt: &Packet<'_>, fields: &[Field], out: &mut String) {
    out.push_str("{\"index\":{\"_index\":");
    json_str(&index(pkt), out);
    out.push_str(",\"_type\":\"doc\"}}\n{\"timestamp\":\"");
    // tshark writes the seconds, then the milliseconds in three digits: 0 s is "0000".
    let ms = pkt.meta.ts_ns.div_euclid(1_000_000);
    out.push_str(&format!("{}{:03}", ms.div_euclid(1000), ms.rem_euclid(1000)));
    out.push_str("\",\"layers\":{");
    if fields.is_empty() {
        // ek gathers the layers of one protocol (IP in IP) into an array under one key.
        let all = layers(pkt);
        let mut names: Vec<&str> = Vec::new();
        for o in &all {
            if !names.contains(&o.name) {
                names.push(o.name);
            }
        }
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(name, out);
            out.push(':');
            let same: Vec<&Obj> = all.iter().filter(|o| o.name == *name).collect();
            if same.len() > 1 {
                out.push('[');
            }
            for (j, o) in same.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                ek_obj(o, out);
            }
            if same.len() > 1 {
                out.push(']');
            }
        }
    } else {
        for (i, (f, vals)) in chosen(pkt, fields).iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(&ek_key(f.info().abbrev), out);
            out.push_str(":[");
            for (j, v) in vals.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                json_str(v, out);
            }
            out.push(']');
        }
    }
    out.push_str("}}\n");
}

#[cfg(test)]
mod tests {
    #[test]
    fn index_is_the_frames_utc_date() {
        let mut pkt = dissector_core::Packet {
            meta: dissector_core::FrameMeta { number: 1, ts_ns: 0, caplen: 0, len: 0, linktype: 1 },
            rel_ns: 0,
            layers: Vec::new(),
            anomalies: Vec::new(),
            evicted: 0,
            track: None,
            analysis: None,
            reassembled: None,
        };
        assert_eq!(super::index(&pkt), "packets-1970-01-01");
        pkt.meta.ts_ns = 1_795_697_974_139_408_000;
        assert_eq!(super::index(&pkt), "packets-2026-11-26");
        pkt.meta.ts_ns = 951_782_400_000_000_000; // 2000-02-29
        assert_eq!(super::index(&pkt), "packets-2000-02-29");
    }
}

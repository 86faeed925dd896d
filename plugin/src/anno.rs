//! What the plugin shows for one frame, computed once from the core's dissection on the first
//! pass and kept per frame: Wireshark re-dissects frames many times and in any order, and the
//! connection state must not move when it does. What is kept is compact (the tracker's
//! annotation, the raw TCP options, the DNS summaries); field values are made from it only
//! when Wireshark wants the tree.

use dissector_core::conn::{Anomalies, Stage, TcpTrack};
use dissector_core::fields::{self, Field, FieldInfo, FieldType, Value, FIELDS};
use dissector_core::tcp::parse_options;
use dissector_core::{Layer, Packet};

/// A field value made for the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owned {
    /// Unsigned integer (also frame numbers).
    U(u64),
    /// Boolean.
    Bool(bool),
    /// Text.
    Str(String),
    /// Relative time in nanoseconds.
    Time(i128),
}

/// One field occurrence to add to the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Index into [`plugin_fields`].
    pub index: usize,
    /// Value.
    pub value: Owned,
}

/// What the plugin keeps for one frame.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FrameAnno {
    /// The tracker's annotation of the frame's TCP segment.
    pub track: Option<TcpTrack>,
    /// The TCP options as captured (entries in wire order) and the length the header declares.
    pub options: Option<(Box<[u8]>, u8)>,
    /// `synack.dns.summary` of each DNS message taking part in a transaction.
    pub dns: Vec<String>,
    /// The first segment of a connection picked up mid-stream.
    pub inferred_start: bool,
    /// Connections evicted at the connection cap while dissecting this frame.
    pub evicted: u32,
}

impl FrameAnno {
    /// The tracker's anomaly flags.
    pub fn anomalies(&self) -> Anomalies {
        self.track.as_ref().map(|t| t.anomalies).unwrap_or_default()
    }

    /// Handshake step, for the optional Info-column tag.
    pub fn stage(&self) -> Option<Stage> {
        self.track.as_ref().and_then(|t| t.stage)
    }

    /// DNS messages (for late facts, which are per message).
    pub fn dns_messages(&self) -> u16 {
        u16::try_from(self.dns.len()).unwrap_or(u16::MAX)
    }

    /// The subtree's title.
    pub fn title(&self) -> String {
        match (&self.track, self.dns.first()) {
            (Some(t), _) => format!("SYN/ACK: {}", t.summary()),
            (None, Some(d)) => format!("SYN/ACK: DNS {d}"),
            (None, None) => "SYN/ACK: TCP options".to_string(),
        }
    }

    /// The field occurrences, in table order, as `synack -T fields` prints them (late fields
    /// excepted: the caller adds those).
    pub fn items(&self, fields: &[&'static FieldInfo]) -> Vec<Item> {
        let opts = self.options.as_ref().map(|(raw, declared)| (parse_options(raw, usize::from(*declared)), *declared));
        let mut out = Vec::new();
        let mut vals = Vec::new();
        for (index, info) in fields.iter().enumerate() {
            let f = info.field;
            if is_late(f) {
                continue;
            }
            vals.clear();
            if let Some(t) = &self.track {
                fields::track_values(t, f, &mut vals);
            }
            if let Some((o, declared)) = &opts {
                fields::option_values(o, usize::from(*declared), f, &mut vals);
            }
            if f == Field::SynackDnsSummary {
                out.extend(self.dns.iter().map(|d| Item { index, value: Owned::Str(d.clone()) }));
            }
            for v in vals.drain(..) {
                out.push(Item { index, value: own(info, v) });
            }
        }
        out
    }
}

/// The fields the plugin registers: synack's own, in table order.
pub fn plugin_fields() -> Vec<&'static FieldInfo> {
    FIELDS.iter().filter(|f| f.abbrev.starts_with("synack.")).collect()
}

/// Fields known only from later frames; the plugin adds them on re-dissection.
pub fn is_late(f: Field) -> bool {
    f == Field::SynackDnsUsedBy
}

/// What to keep of a dissected frame, or `None` when synack has nothing to say about it.
pub fn annotate(pkt: &Packet<'_>, new_stream: bool) -> Option<FrameAnno> {
    let dns: Vec<String> = pkt
        .layers
        .iter()
        .filter_map(|l| match l {
            Layer::Dns(m) if m.transaction.is_some() => Some(m.summary()),
            _ => None,
        })
        .collect();
    // synack.opt.* describe the frame's own TCP header (not one quoted in an ICMP error).
    let options = pkt.tcp().filter(|t| !t.in_icmp && t.header.is_some_and(|h| h.hdr_len >= 20)).and_then(|t| {
        if t.options.entries.is_empty() {
            return None;
        }
        let raw: Vec<u8> = t.options.entries.iter().flat_map(|e| e.raw.iter().copied()).collect();
        Some((raw.into_boxed_slice(), u8::try_from(t.options_len).unwrap_or(40)))
    });
    if pkt.track.is_none() && dns.is_empty() && options.is_none() && pkt.evicted == 0 {
        return None;
    }
    Some(FrameAnno {
        inferred_start: new_stream && pkt.track.as_ref().is_some_and(|t| t.inferred),
        track: pkt.track.clone(),
        options,
        dns,
        evicted: pkt.evicted,
    })
}

fn own(info: &FieldInfo, v: Value<'_>) -> Owned {
    match v {
        Value::U(n) => Owned::U(n),
        Value::I(n) => Owned::U(u64::try_from(n).unwrap_or(0)),
        Value::Bool(b) => Owned::Bool(b),
        Value::Str(s) => Owned::Str(s.to_string()),
        Value::String(s) => Owned::Str(s),
        Value::Time(t) => Owned::Time(t),
        other => {
            let mut s = String::new();
            fields::write_value(&mut s, info, &other);
            Owned::Str(s)
        }
    }
}

/// The Info-column tag of a handshake step: `[SYN 1/3]`.
pub fn info_tag(stage: Stage) -> String {
    format!(" [{} {}/3]", stage.name(), stage as u8)
}

/// How Wireshark should register a field type: (FT_ name, display base name) for messages and
/// checks; the FFI layer maps the same cases to the C enums.
pub fn wireshark_type(t: FieldType) -> (&'static str, &'static str) {
    match t {
        FieldType::U8 => ("FT_UINT8", "BASE_DEC"),
        FieldType::U16 => ("FT_UINT16", "BASE_DEC"),
        FieldType::U32 => ("FT_UINT32", "BASE_DEC"),
        FieldType::Bool => ("FT_BOOLEAN", "BASE_NONE"),
        FieldType::Str => ("FT_STRING", "BASE_NONE"),
        FieldType::RelTime => ("FT_RELATIVE_TIME", "BASE_NONE"),
        FieldType::FrameNum => ("FT_FRAMENUM", "BASE_NONE"),
        _ => ("FT_STRING", "BASE_NONE"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plugin_field_has_a_wireshark_type() {
        let f = plugin_fields();
        assert!(f.len() >= 25, "{}", f.len());
        for info in f {
            let (ft, _) = wireshark_type(info.ftype);
            // Types the plugin cannot register faithfully are caught here, not in Wireshark.
            assert!(
                matches!(info.ftype, FieldType::U8 | FieldType::U16 | FieldType::U32 | FieldType::Bool | FieldType::Str | FieldType::RelTime | FieldType::FrameNum),
                "{} has type {:?} ({ft})",
                info.abbrev,
                info.ftype
            );
        }
    }

    #[test]
    fn info_tags_name_the_step() {
        assert_eq!(info_tag(Stage::SynAck), " [SYN+ACK 2/3]");
    }
}

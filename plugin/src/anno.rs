//! What the plugin shows for one frame, computed once from the core's dissection on the first
//! pass and kept per frame: Wireshark re-dissects frames many times and in any order, and the
//! connection state must not move when it does.

use dissector_core::conn::{Anomalies, Stage};
use dissector_core::fields::{self, Field, FieldInfo, FieldType, Value, FIELDS};
use dissector_core::{Layer, Packet};

/// A field value owned by the per-frame store.
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

/// Everything the plugin shows for one frame.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FrameAnno {
    /// The subtree's title.
    pub title: String,
    /// Field occurrences in table order.
    pub items: Vec<Item>,
    /// The tracker's anomaly flags.
    pub anomalies: Anomalies,
    /// The first segment of a connection picked up mid-stream.
    pub inferred_start: bool,
    /// Handshake step, for the optional Info-column tag.
    pub stage: Option<Stage>,
    /// DNS messages in the frame that take part in a transaction (for late facts).
    pub dns_messages: u16,
    /// Connections evicted at the connection cap while dissecting this frame.
    pub evicted: u32,
}

/// The fields the plugin registers: synack's own, in table order.
pub fn plugin_fields() -> Vec<&'static FieldInfo> {
    FIELDS.iter().filter(|f| f.abbrev.starts_with("synack.")).collect()
}

/// Fields known only from later frames; the plugin adds them on re-dissection.
pub fn is_late(f: Field) -> bool {
    f == Field::SynackDnsUsedBy
}

/// The annotation of a dissected frame, or `None` when synack has nothing to say about it.
pub fn annotate(pkt: &Packet<'_>, fields: &[&'static FieldInfo], new_stream: bool) -> Option<FrameAnno> {
    let dns_messages = pkt
        .layers
        .iter()
        .filter(|l| matches!(l, Layer::Dns(m) if m.transaction.is_some()))
        .count();
    let has_opts = pkt.tcp().is_some_and(|t| !t.in_icmp && !t.options.entries.is_empty());
    if pkt.track.is_none() && dns_messages == 0 && !has_opts && pkt.evicted == 0 {
        return None;
    }
    let mut items = Vec::new();
    let mut vals = Vec::new();
    for (index, info) in fields.iter().enumerate() {
        if is_late(info.field) {
            continue;
        }
        vals.clear();
        fields::values(pkt, info.field, &mut vals);
        for v in vals.drain(..) {
            items.push(Item { index, value: own(info, v) });
        }
    }
    let title = match &pkt.track {
        Some(t) => format!("SYN/ACK: {}", t.summary()),
        None if dns_messages > 0 => {
            let first = pkt.layers.iter().find_map(|l| match l {
                Layer::Dns(m) if m.transaction.is_some() => Some(m.summary()),
                _ => None,
            });
            format!("SYN/ACK: DNS {}", first.unwrap_or_default())
        }
        None => "SYN/ACK: TCP options".to_string(),
    };
    Some(FrameAnno {
        title,
        items,
        anomalies: pkt.track.as_ref().map(|t| t.anomalies).unwrap_or_default(),
        inferred_start: new_stream && pkt.track.as_ref().is_some_and(|t| t.inferred),
        stage: pkt.track.as_ref().and_then(|t| t.stage),
        dns_messages: u16::try_from(dns_messages).unwrap_or(u16::MAX),
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

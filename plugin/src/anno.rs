//! What the plugin shows for one frame, computed once from the core's dissection on the first
//! pass: Wireshark re-dissects frames many times and in any order, and the connection state
//! must not move when it does. The store keeps it packed (`packed.rs`) and rebuilds a
//! [`FrameAnno`] on each dissection; field values are made from it only when Wireshark wants
//! the tree.

use dissector_core::conn::{Anomalies, Stage, TcpTrack};
use dissector_core::fields::{self, Field, FieldInfo, FieldType, Value, FIELDS};
use dissector_core::tcp::{parse_options, write_layout};
use dissector_core::{DnsLayer, Layer, Packet};

/// What the subtree is, at the start of its title (not "SYN/ACK", which reads as TCP's flag pair).
pub const TITLE: &str = "TCP handshake and states";

/// What the plugin shows for one frame.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FrameAnno {
    /// The tracker's annotation of the frame's TCP segment.
    pub track: Option<TcpTrack>,
    /// The TCP options as captured.
    pub options: Option<RawOptions>,
    /// `synack.dns.summary` of each DNS message taking part in a transaction.
    pub dns: Vec<String>,
    /// The first segment of a connection picked up mid-stream.
    pub inferred_start: bool,
    /// Connections evicted at the connection cap while dissecting this frame.
    pub evicted: u32,
}

/// A TCP header's options as captured, kept inline (the area is at most 40 bytes): most
/// frames have some, and a heap block each cost an allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOptions {
    bytes: [u8; 40],
    len: u8,
    /// The length of the options area the header declares.
    declared: u8,
}

impl RawOptions {
    /// The options' bytes (entries in wire order, each kind and length included), cut at 40
    /// bytes, and the declared area length.
    pub fn new(raw: impl IntoIterator<Item = u8>, declared: usize) -> RawOptions {
        let mut o = RawOptions { bytes: [0; 40], len: 0, declared: u8::try_from(declared).unwrap_or(40) };
        for (slot, b) in o.bytes.iter_mut().zip(raw) {
            *slot = b;
            o.len += 1;
        }
        o
    }

    /// The bytes kept.
    pub fn raw(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The declared area length.
    pub fn declared(&self) -> usize {
        usize::from(self.declared)
    }
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

    /// The summary the subtree's title and `synack.summary` show, written into `out` (cleared
    /// first); false without a segment.
    pub fn write_summary(&self, out: &mut String) -> bool {
        out.clear();
        self.track.as_ref().map(|t| t.write_summary(out)).is_some()
    }

    /// Write the subtree's title: `summary` (from [`FrameAnno::write_summary`]) or the frame's first
    /// DNS transaction.
    pub fn write_title(&self, summary: Option<&str>, out: &mut Vec<u8>) {
        out.extend_from_slice(TITLE.as_bytes());
        out.extend_from_slice(b": ");
        match (summary, self.dns.first()) {
            (Some(s), _) => out.extend_from_slice(s.as_bytes()),
            (None, Some(d)) => {
                out.extend_from_slice(b"DNS ");
                out.extend_from_slice(d.as_bytes());
            }
            (None, None) => out.extend_from_slice(b"TCP options"),
        }
    }

    /// Hand each field occurrence to `each` as (index into [`plugin_fields`], value), in table
    /// order, as `synack -T fields` prints them (late fields excepted: the caller adds those).
    /// `summary` is from [`FrameAnno::write_summary`], made once by the caller for the title too.
    /// The transition and the option layout are written into `text` (cleared first), which the
    /// caller keeps between frames: the table's own helpers allocate a String for each, and
    /// inside Wireshark those two allocations a frame were measurable.
    pub fn visit(&self, summary: Option<&str>, text: &mut String, mut each: impl FnMut(usize, &Value<'_>)) {
        let index = plugin_index();
        let mut put = |f: Field, v: &Value<'_>| {
            if let Some(&i) = index.get(f as usize).filter(|i| **i != NOT_PLUGIN) {
                each(usize::from(i), v)
            }
        };
        if let Some(s) = summary {
            put(Field::SynackSummary, &Value::Str(s));
        }
        if let Some(t) = &self.track {
            let transition = Field::SynackTransition as usize;
            fields::each_track_value(t, |f| f != Field::SynackSummary && (f as usize) < transition, |f, v| put(f, &v));
            text.clear();
            if t.write_transition(text) {
                put(Field::SynackTransition, &Value::Str(text));
            }
            fields::each_track_value(t, |f| f as usize > transition, |f, v| put(f, &v));
        }
        for d in &self.dns {
            put(Field::SynackDnsSummary, &Value::Str(d));
        }
        if let Some(o) = &self.options {
            let opts = parse_options(o.raw(), o.declared());
            fields::each_option_value(&opts, o.declared(), |f| f != Field::SynackOptLayout, |f, v| put(f, &v));
            if !opts.is_empty() {
                text.clear();
                write_layout(text, &opts, o.declared());
                put(Field::SynackOptLayout, &Value::Str(text));
            }
        }
    }
}

const NOT_PLUGIN: u8 = u8::MAX;

/// Position in [`plugin_fields`] of each field of the table (by `Field as usize`).
fn plugin_index() -> &'static [u8] {
    static INDEX: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = vec![NOT_PLUGIN; FIELDS.len()];
        for (i, info) in plugin_fields().iter().enumerate() {
            index[info.field as usize] = u8::try_from(i).unwrap_or(NOT_PLUGIN);
        }
        index
    })
}

/// The fields the plugin registers: synack's own, in table order.
pub fn plugin_fields() -> &'static [&'static FieldInfo] {
    static FIELDS_OF_PLUGIN: std::sync::OnceLock<Vec<&'static FieldInfo>> = std::sync::OnceLock::new();
    FIELDS_OF_PLUGIN.get_or_init(|| FIELDS.iter().filter(|f| f.abbrev.starts_with("synack.")).collect())
}

/// Fields known only from later frames; the plugin adds them on re-dissection.
pub fn is_late(f: Field) -> bool {
    f == Field::SynackDnsUsedBy
}

/// The DNS messages of `pkt` taking part in a transaction: those `synack.dns.summary` shows.
pub fn in_transactions<'p>(pkt: &'p Packet<'_>) -> impl Iterator<Item = &'p DnsLayer> {
    pkt.layers.iter().filter_map(|l| match l {
        Layer::Dns(m) if m.transaction.is_some() => Some(&**m),
        _ => None,
    })
}

/// What to keep of a dissected frame, or `None` when synack has nothing to say about it.
/// `first_inferred`: this is the first segment of a stream picked up mid-stream.
pub fn annotate(pkt: &Packet<'_>, first_inferred: bool) -> Option<FrameAnno> {
    let dns: Vec<String> = in_transactions(pkt).map(DnsLayer::summary).collect();
    // synack.opt.* describe the frame's own TCP header (not one quoted in an ICMP error).
    let options = pkt.tcp().filter(|t| !t.in_icmp && t.header.is_some_and(|h| h.hdr_len >= 20)).and_then(|t| {
        if t.options.is_empty() {
            return None;
        }
        Some(RawOptions::new(t.options.bytes().iter().copied(), t.options_len))
    });
    if pkt.track.is_none() && dns.is_empty() && options.is_none() && pkt.evicted == 0 {
        return None;
    }
    Some(FrameAnno { inferred_start: first_inferred, track: pkt.track.clone(), options, dns, evicted: pkt.evicted })
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
                matches!(
                    info.ftype,
                    FieldType::U8
                        | FieldType::U16
                        | FieldType::U32
                        | FieldType::Bool
                        | FieldType::Str
                        | FieldType::RelTime
                        | FieldType::FrameNum
                ),
                "{} has type {:?} ({ft})",
                info.abbrev,
                info.ftype
            );
        }
    }

    /// `visit` writes the transition and the layout itself: it must give what the table's
    /// helpers give, in table order.
    #[test]
    fn visit_gives_the_tables_values_in_table_order() {
        use dissector_core::{Dissector, FrameMeta};
        // A SYN from 10.0.0.1:1000 to 10.0.0.9:80 with MSS, SACK_PERM, TS, NOP, WS (raw IPv4).
        let mut b = vec![0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 9];
        b.extend_from_slice(&[0x03, 0xe8, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
        b.extend_from_slice(&[2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 0, 1, 3, 3, 7]);
        let meta = FrameMeta { number: 1, ts_ns: 0, caplen: 60, len: 60, linktype: dissector_core::link::LINKTYPE_RAW };
        let mut d = Dissector::new();
        let mut scratch = Vec::new();
        let pkt = d.dissect(meta, &b, &mut scratch);
        let a = annotate(&pkt, false).expect("a SYN is annotated");
        let (mut summary, mut text) = (String::new(), String::new());
        assert!(a.write_summary(&mut summary));
        let fields = plugin_fields();
        let mut got = Vec::new();
        a.visit(Some(&summary), &mut text, |i, v| {
            let mut s = String::new();
            fields::write_value(&mut s, fields[i], v);
            got.push((fields[i].abbrev, s));
        });
        let mut want = vec![("synack.summary", summary.clone())];
        let mut push = |f: Field, v: Value<'_>| {
            let mut s = String::new();
            fields::write_value(&mut s, f.info(), &v);
            want.push((f.info().abbrev, s));
        };
        let t = a.track.as_ref().expect("tracked");
        fields::each_track_value(t, |f| f != Field::SynackSummary, &mut push);
        let o = a.options.as_ref().expect("options");
        fields::each_option_value(&parse_options(o.raw(), o.declared()), o.declared(), |_| true, &mut push);
        assert!(
            want.iter().any(
                |(f, v)| *f == "synack.transition" && v == "client CLOSED → SYN_SENT; server LISTEN → SYN_RECEIVED"
            ),
            "{want:?}"
        );
        assert!(want.iter().any(|(f, v)| *f == "synack.opt.layout" && v == "mss,sok,ts,nop,ws"), "{want:?}");
        assert_eq!(got, want);
    }

    #[test]
    fn info_tags_name_the_step() {
        assert_eq!(info_tag(Stage::SynAck), " [SYN+ACK 2/3]");
    }
}

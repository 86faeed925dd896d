//! A frame's subtree as plain data: the title, then each field occurrence with its value in the
//! form Wireshark takes it (an unsigned integer, a boolean, a relative time or a string). The
//! FFI layer only hands these to Wireshark.

use dissector_core::fields::{self, FieldType, Value};

use crate::anno::{self, FrameAnno};

/// One occurrence's value, as the C shim adds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemValue {
    /// FT_UINT*, FT_FRAMENUM.
    Uint(u32),
    /// FT_BOOLEAN.
    Bool(bool),
    /// FT_RELATIVE_TIME.
    RelTime {
        /// Whole seconds.
        secs: i64,
        /// Nanoseconds.
        nsecs: i32,
    },
    /// FT_STRING: a NUL-terminated string at this offset of [`Items::text`].
    Str(usize),
}

/// What the subtree of one frame shows, rebuilt in place for each frame (kept between frames
/// so that building it allocates nothing).
#[derive(Debug, Default)]
pub struct Items {
    /// (index into [`anno::plugin_fields`], value), in table order.
    pub items: Vec<(usize, ItemValue)>,
    /// The title (NUL-terminated, at offset 0), then each string value, NUL-terminated.
    pub text: Vec<u8>,
    formatted: String,
    summary: String,
    visit_text: String,
}

/// Append `s` to `text` NUL-terminated (a NUL inside is shown as `\0`); returns its offset.
fn push_c(text: &mut Vec<u8>, s: &str) -> usize {
    let at = text.len();
    for (i, part) in s.split('\0').enumerate() {
        if i > 0 {
            text.extend_from_slice(b"\\0");
        }
        text.extend_from_slice(part.as_bytes());
    }
    text.push(0);
    at
}

/// The item of `value` for a field of type `ftype`, if Wireshark can take it.
fn item_value(
    ftype: FieldType,
    value: &Value<'_>,
    info: &fields::FieldInfo,
    text: &mut Vec<u8>,
    formatted: &mut String,
) -> Option<ItemValue> {
    let uint = |n: u64| ItemValue::Uint(u32::try_from(n).unwrap_or(u32::MAX));
    Some(match (ftype, value) {
        (FieldType::Bool, Value::Bool(b)) => ItemValue::Bool(*b),
        // Wireshark's nstime gives both parts the sign of the whole (-3 ms is 0 s and -3000000
        // ns, not -1 s and 997000000 ns, which it prints as -1.997).
        (FieldType::RelTime, Value::Time(ns)) => ItemValue::RelTime {
            secs: i64::try_from(ns / 1_000_000_000).unwrap_or(0),
            nsecs: (ns % 1_000_000_000) as i32,
        },
        (FieldType::U8 | FieldType::U16 | FieldType::U32 | FieldType::FrameNum, Value::U(n)) => uint(*n),
        (FieldType::U8 | FieldType::U16 | FieldType::U32 | FieldType::FrameNum, Value::I(n)) => {
            uint(u64::try_from(*n).unwrap_or(0))
        }
        (FieldType::Str, Value::Str(s)) => ItemValue::Str(push_c(text, s)),
        (FieldType::Str, Value::String(s)) => ItemValue::Str(push_c(text, s)),
        (FieldType::Str, other) => {
            formatted.clear();
            fields::write_value(formatted, info, other);
            ItemValue::Str(push_c(text, formatted))
        }
        _ => return None,
    })
}

impl Items {
    /// Build the subtree of a frame whose annotation is `anno`; `late`: the streams that used
    /// a DNS answer of the frame, known from later frames.
    pub fn build(&mut self, anno: &FrameAnno, late: &[u32]) {
        let Items { items, text, formatted, summary, visit_text } = self;
        items.clear();
        text.clear();
        let fields = anno::plugin_fields();
        let summary = anno.write_summary(summary).then_some(summary.as_str());
        // A DNS answer's title names the connections that used it, once later frames told.
        anno.write_title(summary, text);
        for (i, s) in late.iter().enumerate() {
            text.extend_from_slice(if i == 0 { " · used by stream ".as_bytes() } else { b", " });
            text.extend_from_slice(s.to_string().as_bytes());
        }
        let title = text.len();
        text.push(0);
        text.iter_mut().take(title).filter(|b| **b == 0).for_each(|b| *b = b' ');
        anno.visit(summary, visit_text, |index, value| {
            let Some(info) = fields.get(index) else { return };
            if let Some(v) = item_value(info.ftype, value, info, text, formatted) {
                items.push((index, v));
            }
        });
        if let Some(i) = fields.iter().position(|f| anno::is_late(f.field)) {
            items.extend(late.iter().map(|s| (i, ItemValue::Uint(*s))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_times_keep_one_sign() {
        let info = dissector_core::fields::Field::SynackIrtt.info();
        let (mut text, mut f) = (Vec::new(), String::new());
        let v = item_value(FieldType::RelTime, &Value::Time(-3_000_000), info, &mut text, &mut f);
        assert_eq!(v, Some(ItemValue::RelTime { secs: 0, nsecs: -3_000_000 }));
        let v = item_value(FieldType::RelTime, &Value::Time(-1_500_000_000), info, &mut text, &mut f);
        assert_eq!(v, Some(ItemValue::RelTime { secs: -1, nsecs: -500_000_000 }));
    }

    #[test]
    fn strings_are_nul_terminated_and_show_inner_nuls() {
        let mut text = b"title\0".to_vec();
        assert_eq!(push_c(&mut text, "a\0b"), 6);
        assert_eq!(text, b"title\0a\\0b\0");
    }
}

//! One whole frame under one link type: the first byte picks the link type, the rest is the
//! frame. Every field is then read, as the CLI and the plugin would, and the frame dissected
//! with the work `prepare` does ahead (as the CLI's reading thread does) must be the same.
#![no_main]

use dissector_core::{Dissector, FrameMeta, FIELDS};
use libfuzzer_sys::fuzz_target;

/// Every link type synack decodes.
const LINKTYPES: &[u32] = dissector_core::link::SUPPORTED;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, frame)) = data.split_first() else { return };
    let linktype = LINKTYPES[usize::from(sel) % LINKTYPES.len()];
    let meta = FrameMeta { number: 1, ts_ns: 0, caplen: frame.len() as u32, len: frame.len() as u32, linktype };
    let mut d = Dissector::new();
    let mut scratch = Vec::new();
    let p = d.dissect(meta, frame, &mut scratch);
    let mut out = Vec::new();
    for f in FIELDS {
        out.clear();
        dissector_core::fields::values(&p, f.field, &mut out);
    }
    let mut ahead = Dissector::new();
    let mut scratch2 = Vec::new();
    let q = ahead.dissect_prepared(meta, frame, &mut scratch2, dissector_core::prepare(linktype, frame));
    assert!(p == q, "prepare changed the packet");
});

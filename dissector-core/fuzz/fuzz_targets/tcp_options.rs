//! A TCP options block; the first byte is the length the data offset declares (which may be
//! more than what was captured).
#![no_main]

use dissector_core::tcp::{layout, parse_options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&declared, area)) = data.split_first() else { return };
    let declared = usize::from(declared % 41);
    let opts = parse_options(area, declared);
    let _ = (opts.mss(), opts.window_scale(), opts.sack_permitted(), opts.timestamps());
    let _ = layout(&opts, declared);
    // What parses re-emits to the same bytes.
    let mut wire = Vec::new();
    for e in opts.entries() {
        e.value.emit(&mut wire);
    }
    let raw: Vec<u8> = opts.entries().flat_map(|e| e.raw.iter().copied()).collect();
    assert_eq!(wire, raw);
    assert_eq!(opts.bytes(), &raw[..]);
});

//! A DNS message (as carried in UDP, or in TCP after the length prefix); the first byte's low
//! bit chooses mDNS framing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, msg)) = data.split_first() else { return };
    if let Ok(m) = dissector_core::dns::parse_message(msg, sel & 1 == 1) {
        let _ = m.summary();
    }
});

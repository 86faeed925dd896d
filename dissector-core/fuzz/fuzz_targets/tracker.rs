//! The tracker fed a sequence of frames: the input is a series of [link type selector: 1 byte]
//! [length: 2 bytes, big-endian][frame], through one dissector with small limits, so that
//! eviction, expiry and DNS state are exercised too.
#![no_main]

use dissector_core::{Dissector, FrameMeta, Limits, Options};
use libfuzzer_sys::fuzz_target;

/// Every link type synack decodes.
const LINKTYPES: &[u32] = dissector_core::link::SUPPORTED;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_connections: 4,
        idle_ns: 5_000,
        closed_linger_ns: 2_000,
        max_dns_tcp_buffers: 2,
        max_dns_transactions: 2,
        max_dns_addresses: 2,
    };
    let mut d =
        Dissector::with_options(Options { summaries: true, collect_late: true, ..Options::with_limits(limits) });
    let mut scratch = Vec::new();
    let mut rest = data;
    let mut n = 0u32;
    while rest.len() >= 3 {
        let linktype = LINKTYPES[usize::from(rest[0]) % LINKTYPES.len()];
        let len = usize::from(u16::from_be_bytes([rest[1], rest[2]])).min(rest.len() - 3);
        let frame = &rest[3..3 + len];
        rest = &rest[3 + len..];
        n += 1;
        let meta = FrameMeta { number: n, ts_ns: i128::from(n) * 1_000, caplen: len as u32, len: len as u32, linktype };
        let p = d.dissect(meta, frame, &mut scratch);
        if let Some(t) = &p.track {
            let _ = (t.summary(), t.transition_text());
        }
        let _ = d.take_summaries();
    }
    d.finish_each(drop);
});

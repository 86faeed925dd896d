//! Micro-benchmarks of the core's hot paths (criterion): one frame per link type, a TCP options
//! block, a DNS response, and the tracker fed a whole connection.
//!
//!   cargo bench -p dissector-core

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dissector_core::{Dissector, FrameMeta};

/// IPv4 + TCP SYN with MSS, SACK_PERM, timestamps, NOP, WS (a Linux SYN).
fn ipv4_syn() -> Vec<u8> {
    let mut b = vec![0x45, 0, 0, 60, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
    b.extend_from_slice(&[0x9c, 0x40, 0, 80, 0, 0, 0x10, 0, 0, 0, 0, 0, 0xa0, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
    b.extend_from_slice(&[2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]);
    b
}

fn frames() -> Vec<(&'static str, u32, Vec<u8>)> {
    let ip = ipv4_syn();
    let mut eth = vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00];
    eth.extend_from_slice(&ip);
    let mut sll = vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00];
    sll.extend_from_slice(&ip);
    let mut null = 2u32.to_le_bytes().to_vec();
    null.extend_from_slice(&ip);
    vec![("ethernet", 1, eth), ("sll", 113, sll), ("null", 0, null), ("raw", 101, ip)]
}

fn dns_response() -> Vec<u8> {
    let mut m = vec![0x5a, 0x17, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 1];
    m.extend_from_slice(b"\x03www\x07example\x04test\x00\x00\x01\x00\x01");
    m.extend_from_slice(b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x01\x2c\x00\x06\x03web\xc0\x10");
    m.extend_from_slice(b"\xc0\x2e\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\x7f\x00\x00\x02");
    m.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
    m
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame");
    g.throughput(Throughput::Elements(1));
    for (name, lt, f) in frames() {
        g.bench_with_input(BenchmarkId::new("dissect", name), &f, |b, f| {
            let mut d = Dissector::new();
            let mut scratch = Vec::new();
            let mut n = 0u32;
            b.iter(|| {
                n += 1;
                let meta = FrameMeta {
                    number: n,
                    ts_ns: i128::from(n),
                    caplen: f.len() as u32,
                    len: f.len() as u32,
                    linktype: lt,
                };
                black_box(d.dissect(meta, black_box(f), &mut scratch).layers.len())
            })
        });
    }
    g.finish();

    let opts = &ipv4_syn()[40..];
    c.bench_function("tcp_options/linux_syn", |b| {
        b.iter(|| black_box(dissector_core::tcp::parse_options(black_box(opts), 20).entries().count()))
    });
    let dns = dns_response();
    c.bench_function("dns/response_cname_a_opt", |b| {
        b.iter(|| black_box(dissector_core::dns::parse_message(black_box(&dns), false).map(|m| m.records.len())))
    });

    // A whole connection (SYN, SYN+ACK, ACK, 2 data, FIN exchange) on fresh ports each time.
    c.bench_function("tracker/connection_of_8_segments", |b| {
        let mut d = Dissector::new();
        let mut scratch = Vec::new();
        let mut n = 0u32;
        let mut port = 1024u16;
        b.iter(|| {
            port = port.wrapping_add(1).max(1024);
            let script: [(bool, u8, u32, u32, usize); 8] = [
                (true, 0x02, 100, 0, 0),
                (false, 0x12, 500, 101, 0),
                (true, 0x10, 101, 501, 0),
                (true, 0x18, 101, 501, 100),
                (false, 0x18, 501, 201, 300),
                (true, 0x11, 201, 801, 0),
                (false, 0x11, 801, 202, 0),
                (true, 0x10, 202, 802, 0),
            ];
            for (from_client, flags, seq, ack, len) in script {
                let (sp, dp, src, dst) = if from_client { (port, 80, 1, 2) } else { (80, port, 2, 1) };
                let total = 40 + len;
                let mut f = vec![
                    0x45,
                    0,
                    (total >> 8) as u8,
                    total as u8,
                    0,
                    0,
                    0x40,
                    0,
                    64,
                    6,
                    0,
                    0,
                    10,
                    0,
                    0,
                    src,
                    10,
                    0,
                    0,
                    dst,
                ];
                f.extend_from_slice(&sp.to_be_bytes());
                f.extend_from_slice(&dp.to_be_bytes());
                f.extend_from_slice(&seq.to_be_bytes());
                f.extend_from_slice(&ack.to_be_bytes());
                f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
                f.resize(total, 0);
                n += 1;
                let meta = FrameMeta {
                    number: n,
                    ts_ns: i128::from(n) * 1000,
                    caplen: f.len() as u32,
                    len: f.len() as u32,
                    linktype: 101,
                };
                black_box(d.dissect(meta, &f, &mut scratch).track.map(|t| t.server));
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

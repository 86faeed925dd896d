//! The baseline of `synack -q`'s speed target: a bare pcap-parser read loop that touches every
//! record and does nothing else. Run by tests/scripts/bench_compare.py.
//!
//!   cargo run --release -p synack --example read_loop -- FILE

use std::fs::File;

use pcap_parser::{create_reader, PcapBlockOwned, PcapError};

fn main() {
    let path = std::env::args().nth(1).expect("usage: read_loop FILE");
    let file = File::open(&path).expect("open");
    let mut reader = create_reader(1 << 22, file).expect("a capture");
    let (mut frames, mut bytes) = (0u64, 0u64);
    loop {
        match reader.next() {
            Ok((offset, block)) => {
                match block {
                    PcapBlockOwned::Legacy(b) => {
                        frames += 1;
                        bytes += b.data.len() as u64;
                    }
                    PcapBlockOwned::NG(pcap_parser::pcapng::Block::EnhancedPacket(b)) => {
                        frames += 1;
                        bytes += b.data.len() as u64;
                    }
                    _ => {}
                }
                reader.consume(offset);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                if reader.refill().is_err() {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    println!("{frames} frames, {bytes} bytes");
}

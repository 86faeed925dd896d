//! The baseline of `synack -q`'s speed target: a bare pcap-parser read loop that touches every
//! record and does nothing else. Run by tests/scripts/bench_compare.py.
//!
//!   cargo run --release -p synack --example read_loop -- FILE

#[path = "shared/records.rs"]
mod records;

fn main() {
    let path = std::env::args().nth(1).expect("usage: read_loop FILE");
    let mut bytes = 0u64;
    let frames = records::each_packet(&path, |data| bytes += data.len() as u64);
    println!("{frames} frames, {bytes} bytes");
}

//! The least a connection tracker can do, as a second floor beside the bare read loop
//! (`read_loop.rs`): the same reading, then per frame only Ethernet, IPv4 and TCP's ports,
//! sequence numbers and flags, one hash-map entry per connection and a two-byte state. No
//! options, no IPv6, no DNS, no analysis: anything synack does costs at least this. Run by
//! tests/scripts/bench_compare.py (docs/performance.md says why it is there).
//!
//!   cargo run --release -p synack --example track_floor -- FILE

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

#[path = "shared/records.rs"]
mod records;

/// A multiply-rotate hash of the one u64 key: cheaper than any keyed hash.
#[derive(Default)]
struct Fnv(u64);
impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, b: &[u8]) {
        for x in b {
            self.0 = (self.0 ^ *x as u64).wrapping_mul(0x100000001b3);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9e3779b97f4a7c15).rotate_left(23);
    }
}

/// What each connection keeps: frames seen, each side's next sequence number, last ACK and
/// state (SYN, SYN-ACK, FIN, RST or later).
#[derive(Default)]
struct Conn {
    frames: u32,
    next: [u32; 2],
    acked: [u32; 2],
    state: [u8; 2],
}

/// One Ethernet frame; `None` for anything but TCP over IPv4 (or a frame cut short).
fn frame(d: &[u8], map: &mut HashMap<u64, Conn, BuildHasherDefault<Fnv>>) -> Option<()> {
    if d.len() < 14 + 20 || d[12] != 8 || d[13] != 0 {
        return None;
    }
    let ip = &d[14..];
    let ihl = ((ip[0] & 15) as usize) * 4;
    if ip[9] != 6 || ip.len() < ihl + 20 {
        return None;
    }
    let src = u32::from_be_bytes(ip[12..16].try_into().ok()?);
    let dst = u32::from_be_bytes(ip[16..20].try_into().ok()?);
    let t = &ip[ihl..];
    let sp = u16::from_be_bytes([t[0], t[1]]);
    let dp = u16::from_be_bytes([t[2], t[3]]);
    let seq = u32::from_be_bytes(t[4..8].try_into().ok()?);
    let ack = u32::from_be_bytes(t[8..12].try_into().ok()?);
    let flags = t[13];
    let a = ((src as u64) << 16) | sp as u64;
    let b = ((dst as u64) << 16) | dp as u64;
    let (lo, hi, side) = if a <= b { (a, b, 0) } else { (b, a, 1) };
    let key = lo.wrapping_mul(0x9e3779b97f4a7c15) ^ hi;
    let c = map.entry(key).or_default();
    c.frames += 1;
    c.next[side] = seq.wrapping_add(1);
    if flags & 0x10 != 0 {
        c.acked[side] = ack;
    }
    c.state[side] = match flags & 0x17 {
        0x02 => 1,
        0x12 => 2,
        0x11 | 0x01 => 3,
        0x04 | 0x14 => 4,
        _ => c.state[side].max(5),
    };
    // A close seen from both sides, or a reset: the entry goes, as a tracker's would.
    if flags & 0x05 != 0 && c.state[1 - side] >= 3 {
        map.remove(&key);
    }
    Some(())
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: track_floor FILE");
    let mut map = HashMap::default();
    let frames = records::each_packet(&path, |data| {
        let _ = frame(data, &mut map);
    });
    println!("{frames} frames, {} open", map.len());
}

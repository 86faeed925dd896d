//! IP datagram reassembly (RFC 791 §3.2, RFC 8200 §4.5), as tshark does by default: the
//! upper layers of a fragmented datagram are dissected in the frame that completes it.
//!
//! Memory is bounded: a datagram is at most 65,535 bytes, and at most [`MAX_PENDING`]
//! datagrams wait at once (the oldest is dropped first).

use std::collections::VecDeque;

use crate::hash::Map;

use crate::ip::FragInfo;

/// Most datagrams waiting for fragments at once.
pub const MAX_PENDING: usize = 1024;
/// Largest datagram payload reassembled.
pub const MAX_DATAGRAM: usize = 65_535;

/// Identifies the datagram a fragment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DatagramKey {
    /// Source address (IPv4 in the first four bytes).
    pub src: [u8; 16],
    /// Destination address.
    pub dst: [u8; 16],
    /// Identification.
    pub id: u32,
    /// Upper-layer protocol.
    pub proto: u8,
}

impl DatagramKey {
    /// Build a key from address bytes.
    pub fn new(src: &[u8], dst: &[u8], id: u32, proto: u8) -> Self {
        let mut s = [0u8; 16];
        let mut d = [0u8; 16];
        s[..src.len().min(16)].copy_from_slice(&src[..src.len().min(16)]);
        d[..dst.len().min(16)].copy_from_slice(&dst[..dst.len().min(16)]);
        DatagramKey { src: s, dst: d, id, proto }
    }
}

#[derive(Debug, Default)]
struct Pending {
    pieces: Vec<(usize, Vec<u8>)>,
    total: Option<usize>,
}

/// Fragments waiting for the rest of their datagram.
#[derive(Debug, Default)]
pub struct Reassembler {
    pending: Map<DatagramKey, Pending>,
    order: VecDeque<DatagramKey>,
}

impl Reassembler {
    /// Add a fragment; when it completes its datagram, write the whole payload into `out` and
    /// return true.
    pub fn add(&mut self, key: DatagramKey, frag: FragInfo, data: &[u8], out: &mut Vec<u8>) -> bool {
        let end = frag.offset + data.len();
        if end > MAX_DATAGRAM {
            return false;
        }
        if !self.pending.contains_key(&key) {
            if self.order.len() >= MAX_PENDING {
                if let Some(old) = self.order.pop_front() {
                    self.pending.remove(&old);
                }
            }
            self.order.push_back(key);
        }
        let p = self.pending.entry(key).or_default();
        if !frag.more {
            p.total = Some(end);
        }
        p.pieces.push((frag.offset, data.to_vec()));
        let Some(total) = p.total else { return false };
        // Complete when the pieces cover [0, total) without a gap.
        p.pieces.sort_by_key(|(o, _)| *o);
        let mut covered = 0usize;
        for (o, d) in &p.pieces {
            if *o > covered {
                return false;
            }
            covered = covered.max(o + d.len());
        }
        if covered < total {
            return false;
        }
        out.clear();
        out.resize(total, 0);
        for (o, d) in &p.pieces {
            let stop = (o + d.len()).min(total);
            if *o < stop {
                out[*o..stop].copy_from_slice(&d[..stop - o]);
            }
        }
        self.pending.remove(&key);
        self.order.retain(|k| *k != key);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_fragments_out_of_order() {
        let mut r = Reassembler::default();
        let k = DatagramKey::new(&[10, 0, 0, 1], &[10, 0, 0, 2], 7, 17);
        let mut out = Vec::new();
        assert!(!r.add(k, FragInfo { id: 7, offset: 8, more: false }, b"orld!", &mut out));
        assert!(r.add(k, FragInfo { id: 7, offset: 0, more: true }, b"hello, w", &mut out));
        assert_eq!(out, b"hello, world!");
    }

    #[test]
    fn gap_is_not_complete_and_pending_is_bounded() {
        let mut r = Reassembler::default();
        let mut out = Vec::new();
        let k = DatagramKey::new(&[1; 4], &[2; 4], 1, 17);
        assert!(!r.add(k, FragInfo { id: 1, offset: 16, more: false }, b"x", &mut out));
        for id in 0..(MAX_PENDING as u32 + 10) {
            let k = DatagramKey::new(&[1; 4], &[2; 4], 100 + id, 17);
            r.add(k, FragInfo { id, offset: 8, more: true }, b"y", &mut out);
        }
        assert!(r.pending.len() <= MAX_PENDING);
        assert!(!r.add(k, FragInfo { id: 1, offset: 70_000, more: false }, b"z", &mut out));
    }
}

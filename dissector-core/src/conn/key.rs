//! Connection keys: the two endpoints of a TCP or UDP conversation, direction-free.

/// One endpoint: an address (IPv4 stored in the first 4 bytes) and a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Endpoint {
    /// 4 for IPv4, 6 for IPv6.
    pub family: u8,
    /// Address bytes; IPv4 uses the first four.
    pub addr: [u8; 16],
    /// Port.
    pub port: u16,
}

impl Endpoint {
    /// Build from address bytes (4 or 16) and a port.
    pub fn new(addr: &[u8], port: u16) -> Endpoint {
        let mut a = [0u8; 16];
        let n = addr.len().min(16);
        a[..n].copy_from_slice(&addr[..n]);
        Endpoint { family: if n == 4 { 4 } else { 6 }, addr: a, port }
    }
}

/// Hashed as three words (the derived hash feeds the hasher five pieces, a length among them):
/// every TCP segment hashes two endpoints.
impl std::hash::Hash for Endpoint {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let (a, b) = self.addr.split_at(8);
        let word = |s: &[u8]| u64::from_le_bytes(<[u8; 8]>::try_from(s).unwrap_or_default());
        state.write_u64(word(a));
        state.write_u64(word(b));
        state.write_u32((u32::from(self.family) << 16) | u32::from(self.port));
    }
}

/// A direction-free key: the smaller endpoint first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnKey {
    /// The lower endpoint.
    pub lo: Endpoint,
    /// The higher endpoint.
    pub hi: Endpoint,
}

impl ConnKey {
    /// Key for a packet from `src` to `dst`, and whether `src` is the lower endpoint.
    pub fn new(src: Endpoint, dst: Endpoint) -> (ConnKey, bool) {
        if src <= dst {
            (ConnKey { lo: src, hi: dst }, true)
        } else {
            (ConnKey { lo: dst, hi: src }, false)
        }
    }
}

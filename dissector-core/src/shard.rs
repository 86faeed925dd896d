//! One share of a capture's work, for dissectors that each read the whole capture and split
//! what is tracked and shown between them (`synack --threads`, `synack --shard K/N`).
//!
//! Every dissector still parses every frame and keeps what numbers and links connections
//! (tshark's conversation table, DNS transactions and answers), so each frame's fields are
//! what one dissector alone would give; only the tracker's work on a connection and the output
//! of a frame belong to one shard. A TCP connection belongs to the shard of its server's host:
//! a verdict weighs a refused SYN against how that host answered other connections, so all of
//! them are tracked in one place. A DNS message belongs to the shard of its client's host;
//! any other frame to a shard by its number.

/// Shard `index` (from 0) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` of `count` (index from 0); `None` unless `index < count`.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (index < count).then_some(Shard { index, count })
    }

    /// `K/N`, K counted from 1 (as `--shard 1/4` ... `4/4`).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("{s:?} is not a shard: give K/N with 1 <= K <= N, e.g. 2/8");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u32, u32) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if k == 0 {
            return Err(bad());
        }
        Shard::new(k - 1, n).ok_or_else(bad)
    }

    /// Index, from 0.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// How many shards there are.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Whether the host at `addr` (of `family`) is this shard's. The hash is fixed (not keyed
    /// per process): workers on different machines must agree.
    pub(crate) fn owns_host(&self, family: u8, addr: &[u8; 16]) -> bool {
        let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ u64::from(family);
        for b in addr {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        // FNV-1a mixes its low bits poorly for short keys: finish as splitmix64 does.
        h ^= h >> 30;
        h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h ^= h >> 27;
        h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
        h % u64::from(self.count) == u64::from(self.index)
    }

    /// Whether frame `number`, which belongs to no connection or DNS client, is this shard's.
    pub(crate) fn owns_frame(&self, number: u32) -> bool {
        number % self.count == self.index
    }
}

impl core::fmt::Display for Shard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_parsed_from_one() {
        assert_eq!(Shard::parse("1/4"), Ok(Shard { index: 0, count: 4 }));
        assert_eq!(Shard::parse("4/4").map(|s| s.to_string()), Ok("4/4".into()));
        for bad in ["0/4", "5/4", "1/0", "1", "a/b", "-1/2", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_host_and_frame_has_exactly_one_shard() {
        for count in 1..=5 {
            let shards: Vec<Shard> = (0..count).map(|i| Shard::new(i, count).unwrap()).collect();
            let mut per_shard = vec![0u32; count as usize];
            for a in 0..2000u32 {
                let mut addr = [0u8; 16];
                addr[..4].copy_from_slice(&[10, 0, (a >> 8) as u8, a as u8]);
                let owners: Vec<usize> = (0..shards.len()).filter(|&i| shards[i].owns_host(4, &addr)).collect();
                assert_eq!(owners.len(), 1);
                per_shard[owners[0]] += 1;
                assert_eq!(shards.iter().filter(|s| s.owns_frame(a)).count(), 1);
            }
            // Consecutive addresses spread evenly (within 20% of a fair share).
            let fair = 2000 / count;
            assert!(per_shard.iter().all(|&n| n * 10 >= fair * 8 && n * 10 <= fair * 12), "{per_shard:?}");
        }
    }
}

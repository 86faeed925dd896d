//! Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).

use core::cmp::Ordering;
use core::ops::{Add, Sub};

/// A TCP sequence number. Comparison is modular: `a < b` when `b` is at most 2^31 ahead of
/// `a` (RFC 9293 §3.4, "all arithmetic dealing with sequence numbers must be performed modulo
/// 2**32").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SeqNumber(pub u32);

impl SeqNumber {
    /// Signed distance from `other` to `self`.
    pub fn diff(self, other: SeqNumber) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }
}

impl PartialOrd for SeqNumber {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.diff(*other).cmp(&0))
    }
}

impl Add<u32> for SeqNumber {
    type Output = SeqNumber;
    fn add(self, rhs: u32) -> SeqNumber {
        SeqNumber(self.0.wrapping_add(rhs))
    }
}

impl Sub<SeqNumber> for SeqNumber {
    type Output = u32;
    /// Distance forward from `rhs` to `self`, wrapping.
    fn sub(self, rhs: SeqNumber) -> u32 {
        self.0.wrapping_sub(rhs.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_wraps_around_zero() {
        let near_top = SeqNumber(u32::MAX - 10);
        let wrapped = near_top + 20;
        assert_eq!(wrapped, SeqNumber(9));
        assert!(near_top < wrapped);
        assert_eq!(wrapped - near_top, 20);
        assert_eq!(near_top.diff(wrapped), -20);
    }
}

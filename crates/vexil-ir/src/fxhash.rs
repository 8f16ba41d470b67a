//! A fast, non-cryptographic hasher for the optimizer's and tools' internal
//! maps, whose keys are small IR values (temporaries, expressions,
//! addresses) that no adversary chooses collisions for in a way that matters:
//! the worst case is a slower block, never a wrong one.
//!
//! It is a multiply-rotate scheme like rustc's `FxHasher` (one
//! multiplication per word), with the golden-ratio multiplier of Fibonacci
//! hashing so that the top bits of consecutive keys spread evenly (rustc's
//! older constant is close to 1/pi and clusters them). std's SipHash cost a
//! fifth of feature extraction's time in the common-subexpression map.

use std::hash::{BuildHasherDefault, Hasher};

/// The hasher state.
#[derive(Clone, Copy, Debug, Default)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    #[allow(clippy::cast_possible_truncation)] // split into halves on purpose
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;
/// A `HashSet` with [`FxHasher`].
pub type FxHashSet<K> = std::collections::HashSet<K, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    #[test]
    fn distinct_small_keys_spread() {
        let b = BuildHasherDefault::<FxHasher>::default();
        let mut seen = std::collections::HashSet::new();
        for k in 0u32..10_000 {
            seen.insert(b.hash_one(k) >> 50);
        }
        // 10,000 keys into 2^14 top-bit buckets: a working hash fills
        // thousands of them, a broken one (constant, identity in the low
        // bits only) a handful.
        assert!(seen.len() > 5_000, "{} buckets", seen.len());
    }

    #[test]
    fn map_works() {
        let mut m: FxHashMap<u64, u64> = FxHashMap::default();
        for i in 0..1000 {
            m.insert(i * 7, i);
        }
        assert_eq!(m.get(&700), Some(&100));
        assert_eq!(m.len(), 1000);
    }
}

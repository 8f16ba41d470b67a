//! n-grams of consecutive statement tokens, hashed into a fixed-size vector.
//!
//! n-grams are taken inside each block and across fall-through edges (a
//! block that simply continues into the next one, which discovery splits
//! wherever some other code jumps in): the boundary between two such blocks
//! is not a boundary in the program, and where it falls differs between
//! architectures, so the n-grams spanning it are counted too.
//!
//! An n-gram's index is derived from its tokens' hashes only (see
//! [`gram_hash`]), so indices are stable across vexil versions that keep a
//! scheme's token texts.

use crate::token::{FNV_OFFSET, FNV_PRIME};
use std::collections::HashMap;

/// The largest n supported.
pub const MAX_N: usize = 4;

/// The hash of an n-gram of token hashes: FNV-style folding of the 64-bit
/// token hashes, seeded with n, then the splitmix64 finalizer so that every
/// bit of the result is well mixed (indices take the top bits).
pub fn gram_hash(tokens: &[u64]) -> u64 {
    let mut h = FNV_OFFSET ^ tokens.len() as u64;
    for &t in tokens {
        h = fold(h, t);
    }
    splitmix64(h)
}

/// One token folded into an n-gram hash.
#[inline(always)]
fn fold(h: u64, t: u64) -> u64 {
    let h = (h ^ t).wrapping_mul(FNV_PRIME);
    h ^ (h >> 32)
}

/// The splitmix64 finalizer.
pub fn splitmix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The vector index of an n-gram hash in a vector of `2^bits` entries.
#[allow(clippy::cast_possible_truncation)] // at most 32 bits remain after the shift
pub fn gram_index(h: u64, bits: u8) -> u32 {
    let bits = u32::from(bits.clamp(1, 32));
    (h >> (64 - bits)) as u32
}

/// Counts n-grams into a dense array, remembering which entries it touched so
/// that reading out and clearing cost only what was counted.
#[derive(Debug)]
pub struct Counter {
    bits: u8,
    /// `64 - bits`: an n-gram hash shifted right by this is its index
    /// ([`gram_index`] without clamping `bits` again for every n-gram).
    shift: u32,
    counts: Vec<u32>,
    touched: Vec<u32>,
    /// Scratch space of the same length as `touched` for sorting it.
    spare: Vec<u32>,
    /// If set, the text of the first n-gram seen at each index.
    pub text: Option<HashMap<u32, String>>,
}

impl Counter {
    /// A counter for vectors of `2^bits` entries.
    pub fn new(bits: u8) -> Counter {
        let bits = bits.clamp(1, 32);
        Counter {
            bits,
            shift: 64 - u32::from(bits),
            counts: vec![0; 1usize << bits],
            touched: Vec::new(),
            spare: Vec::new(),
            text: None,
        }
    }

    /// The vector size, as a power of two.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Counts one n-gram.
    #[inline]
    pub fn add(&mut self, gram: &[u64]) {
        self.add_hash(gram_hash(gram));
    }

    /// Counts one n-gram given its hash.
    #[inline]
    #[allow(clippy::cast_possible_truncation)] // at most 32 bits remain after the shift
    fn add_hash(&mut self, h: u64) {
        let i = (h >> self.shift) as u32;
        debug_assert_eq!(i, gram_index(h, self.bits));
        let c = &mut self.counts[i as usize];
        if *c == 0 {
            self.touched.push(i);
        }
        *c = c.saturating_add(1);
    }

    /// Counts the grams `w[..n]` for every n from `lo` to `w.len()` (at
    /// most [`MAX_N`]): the grams that start at one position.
    ///
    /// Written out for each window length: a block has fewer than three
    /// tokens on average, so most windows are short, and the generic
    /// [`gram_hash`] loop over a slice cost more in bounds checks and loop
    /// control than the hashing itself. The hash chains of the different
    /// lengths are independent (each is seeded with its n), so each is
    /// folded in full; the result is [`gram_hash`] of the same tokens
    /// (checked in debug builds).
    #[inline(always)]
    fn add_window(&mut self, w: &[u64], lo: usize) {
        #[inline(always)]
        fn seed(n: u64) -> u64 {
            FNV_OFFSET ^ n
        }
        let add = |counter: &mut Counter, n: usize, g: u64| {
            if n >= lo {
                let h = splitmix64(g);
                debug_assert_eq!(h, gram_hash(&w[..n]));
                counter.add_hash(h);
            }
        };
        match *w {
            [] => {}
            [t0] => add(self, 1, fold(seed(1), t0)),
            [t0, t1] => {
                add(self, 1, fold(seed(1), t0));
                add(self, 2, fold(fold(seed(2), t0), t1));
            }
            [t0, t1, t2] => {
                add(self, 1, fold(seed(1), t0));
                add(self, 2, fold(fold(seed(2), t0), t1));
                add(self, 3, fold(fold(fold(seed(3), t0), t1), t2));
            }
            [t0, t1, t2, t3, ..] => {
                add(self, 1, fold(seed(1), t0));
                add(self, 2, fold(fold(seed(2), t0), t1));
                add(self, 3, fold(fold(fold(seed(3), t0), t1), t2));
                add(self, 4, fold(fold(fold(fold(seed(4), t0), t1), t2), t3));
            }
        }
    }

    /// Counts all n-grams (n in `1..=n_max`) of one token sequence, and
    /// records their texts if `texts` is given and recording is on.
    pub fn add_sequence(&mut self, toks: &[u64], n_max: usize, texts: Option<&[String]>) {
        let n_max = n_max.clamp(1, MAX_N);
        if texts.is_none() || self.text.is_none() {
            // Nothing to record (the usual case): the grams starting at
            // each position, the window cut to n_max tokens.
            for i in 0..toks.len() {
                self.add_window(&toks[i..toks.len().min(i + n_max)], 1);
            }
            return;
        }
        for i in 0..toks.len() {
            for n in 1..=n_max.min(toks.len() - i) {
                self.add(&toks[i..i + n]);
                self.record(&toks[i..i + n], texts.map(|t| &t[i..i + n]));
            }
        }
    }

    /// Counts the n-grams that start in `a` and end in `b` (a block and its
    /// fall-through successor): those not already counted inside either one.
    pub fn add_spanning(
        &mut self,
        a: &[u64],
        b: &[u64],
        n_max: usize,
        texts: Option<(&[String], &[String])>,
    ) {
        let n_max = n_max.clamp(1, MAX_N);
        let ta = &a[a.len().saturating_sub(n_max - 1)..];
        let tb = &b[..b.len().min(n_max - 1)];
        if texts.is_none() || self.text.is_none() {
            // Nothing to record (the usual case): the same grams, joined
            // without `memcpy` calls for a few tokens.
            let mut buf = [0u64; 2 * MAX_N];
            for (x, &t) in buf.iter_mut().zip(ta.iter().chain(tb)) {
                *x = t;
            }
            let len = ta.len() + tb.len();
            for start in 0..ta.len() {
                // The gram must reach into b: end > ta.len().
                self.add_window(&buf[start..len.min(start + n_max)], ta.len() - start + 1);
            }
            return;
        }
        let mut buf = [0u64; 2 * MAX_N];
        let joined = &mut buf[..ta.len() + tb.len()];
        joined[..ta.len()].copy_from_slice(ta);
        joined[ta.len()..].copy_from_slice(tb);
        let joined_text: Option<Vec<String>> = texts.map(|(xa, xb)| {
            xa[xa.len().saturating_sub(n_max - 1)..]
                .iter()
                .chain(&xb[..xb.len().min(n_max - 1)])
                .cloned()
                .collect()
        });
        for start in 0..ta.len() {
            // The gram must reach into b: end > ta.len().
            let min_n = ta.len() - start + 1;
            for n in min_n..=n_max.min(joined.len() - start) {
                let g = &joined[start..start + n];
                self.add(g);
                self.record(g, joined_text.as_deref().map(|t| &t[start..start + n]));
            }
        }
    }

    fn record(&mut self, gram: &[u64], text: Option<&[String]>) {
        if let (Some(map), Some(text)) = (self.text.as_mut(), text) {
            let i = gram_index(gram_hash(gram), self.bits);
            map.entry(i).or_insert_with(|| text.join(" ; "));
        }
    }

    /// Reads out the counts as sorted `(index, count)` pairs and clears the
    /// counter for reuse.
    pub fn take(&mut self) -> (Vec<u32>, Vec<f32>) {
        radix_sort(&mut self.touched, &mut self.spare, self.bits);
        let mut idx = Vec::with_capacity(self.touched.len());
        let mut val = Vec::with_capacity(self.touched.len());
        for &i in &self.touched {
            let c = std::mem::take(&mut self.counts[i as usize]);
            idx.push(i);
            #[allow(clippy::cast_precision_loss)] // counts are far below 2^24 in practice
            val.push(c as f32);
        }
        self.touched.clear();
        (idx, val)
    }
}

/// Sorts `v`, whose values are below `2^bits`, ascending: a least
/// significant digit first radix sort, 11 bits a pass (two passes for the
/// default 2^20 vector), through `spare`. The indices of a file's n-grams
/// are hashes, spread evenly, and a few thousand to a hundred thousand of
/// them: a comparison sort spent a dozen comparisons on each. Short lists
/// take the comparison sort.
pub fn radix_sort(v: &mut Vec<u32>, spare: &mut Vec<u32>, bits: u8) {
    const DIGIT: u32 = 11;
    const BUCKETS: usize = 1 << DIGIT;
    if v.len() < 256 {
        v.sort_unstable();
        return;
    }
    spare.clear();
    spare.resize(v.len(), 0);
    let mut shift = 0;
    while shift < u32::from(bits) {
        let digit = |x: u32| ((x >> shift) as usize) & (BUCKETS - 1);
        let mut start = vec![0usize; BUCKETS];
        for &x in v.iter() {
            start[digit(x)] += 1;
        }
        let mut at = 0;
        for s in &mut start {
            let n = *s;
            *s = at;
            at += n;
        }
        for &x in v.iter() {
            let d = digit(x);
            spare[start[d]] = x;
            start[d] += 1;
        }
        std::mem::swap(v, spare);
        shift += DIGIT;
    }
}

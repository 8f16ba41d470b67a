//! The forward pass's map from expressions to the temporaries that hold
//! them (common-subexpression elimination).
//!
//! A hash map keyed by `Expr` cost a clone of every expression it entered,
//! hashing each one twice (the lookup that missed, then the insertion), and
//! dropping every key again for the next block. This table keeps only the
//! hash and where the expression is: every entry's expression is the one of
//! a `WrTmp` the pass has already emitted, so the table points at that
//! statement. The few statements the pass takes back (a helper
//! specialization that failed its type check) leave the table with them
//! ([`CseTable::forget_from`]). Entries of earlier blocks are
//! invalidated by a generation count, so starting a block costs nothing per
//! slot.

use crate::fxhash::FxHasher;
use crate::{Atom, Expr, Op, Stmt, Temp};
use std::hash::{BuildHasher, BuildHasherDefault};

#[derive(Copy, Clone)]
struct Slot {
    /// The block the entry belongs to; any other value means empty.
    generation: u32,
    /// The high half of the expression's hash, whose low bits also pick
    /// the slot (so the table can grow without the full hash).
    hash: u32,
    /// The temporary that holds the expression.
    temp: Temp,
    /// Where the expression is: the index of its `WrTmp` in the pass's
    /// output.
    at: u32,
}

const EMPTY: Slot = Slot {
    generation: 0,
    hash: 0,
    temp: Temp(0),
    at: 0,
};

/// An open-addressing (linear probing) table from expressions to
/// temporaries, at most half full, with the semantics of a
/// `HashMap<Expr, Temp>` that is cleared per block: `insert` of an
/// expression already present replaces its temporary.
#[derive(Default)]
pub(crate) struct CseTable {
    slots: Vec<Slot>,
    /// The current block's generation (never 0, once a block has started).
    generation: u32,
    len: usize,
}

/// The hash of a CSE candidate. Operations and if-then-else, nearly all
/// candidates, are mixed word by word here; the rest go through the derived
/// `Hash`, out of line. Any function of the expression's value alone would
/// do. The forward pass hashes the one- and two-operand operations it has
/// already taken apart with [`unop_hash`] and [`binop_hash`] directly (the
/// same functions, so the same hashes).
#[inline]
pub(super) fn cse_hash(e: &Expr) -> u64 {
    match *e {
        Expr::Unop { op, a } => unop_hash(op, a),
        Expr::Binop { op, a, b } => binop_hash(op, a, b),
        Expr::Ite { cond, then, els } => mix(mix(mix(3, word(cond)), word(then)), word(els)),
        _ => derived_hash(e),
    }
}

/// [`cse_hash`] of `Unop { op, a }`.
#[inline(always)]
pub(super) fn unop_hash(op: Op, a: Atom) -> u64 {
    mix(mix(1, op as u64), word(a))
}

/// [`cse_hash`] of `Binop { op, a, b }`.
#[inline(always)]
pub(super) fn binop_hash(op: Op, a: Atom, b: Atom) -> u64 {
    mix(mix(mix(2, op as u64), word(a)), word(b))
}

#[inline(always)]
fn word(a: Atom) -> u64 {
    match a {
        Atom::Tmp(t) => u64::from(t.0),
        Atom::Const(c) => c.bits() ^ (u64::from(c.ty() as u8) + 1).rotate_right(8),
    }
}

#[inline(always)]
fn mix(h: u64, w: u64) -> u64 {
    const SEED: u64 = 0x9e37_79b9_7f4a_7c15;
    (h.rotate_left(5) ^ w).wrapping_mul(SEED)
}

#[inline(never)]
fn derived_hash(e: &Expr) -> u64 {
    BuildHasherDefault::<FxHasher>::default().hash_one(e)
}

/// The high half of a hash: its tag in a slot, and (low bits) the slot.
fn tag_of(h: u64) -> u32 {
    u32::try_from(h >> 32).unwrap_or(0)
}

/// The expression of the `WrTmp` at `out[i]`.
fn def_expr(out: &[Stmt], i: usize) -> Option<&Expr> {
    match out.get(i)? {
        Stmt::WrTmp { expr, .. } => Some(expr),
        _ => None,
    }
}

impl CseTable {
    /// Empties the table for a block of about `n` statements.
    pub(super) fn reset(&mut self, n: usize) {
        if self.generation == u32::MAX {
            self.slots.fill(EMPTY);
            self.generation = 0;
        }
        self.generation += 1;
        self.len = 0;
        let want = (2 * n).next_power_of_two().max(16);
        if self.slots.len() < want {
            // The old slots are all of earlier generations: empty.
            self.slots.resize(want, EMPTY);
        }
    }

    /// Whether the entry at `at` is the expression `e`. Out of line: it
    /// runs on tag matches only, and inlined, the loads of `e`'s fields for
    /// the comparison were hoisted to the start of every probe.
    #[inline(never)]
    fn holds(&self, out: &[Stmt], at: u32, e: &Expr) -> bool {
        def_expr(out, at as usize) == Some(e)
    }

    /// Whether the entry at `at` is the expression of the `WrTmp` at
    /// `out[cur]` (out of line, as [`CseTable::holds`]).
    #[inline(never)]
    fn holds_at(&self, out: &[Stmt], at: u32, cur: usize) -> bool {
        let e = def_expr(out, cur);
        e.is_some() && def_expr(out, at as usize) == e
    }

    /// The slot holding `e` (hash `h`), or the empty slot where it would go.
    fn probe(&self, out: &[Stmt], h: u64, e: &Expr) -> usize {
        self.probe_by(h, |at| self.holds(out, at, e))
    }

    /// [`CseTable::probe`] of the expression of the `WrTmp` at `out[cur]`.
    fn probe_at(&self, out: &[Stmt], h: u64, cur: usize) -> usize {
        self.probe_by(h, |at| self.holds_at(out, at, cur))
    }

    /// The slot of the entry of hash `h` whose position `is` accepts, or the
    /// empty slot where it would go.
    #[inline(always)]
    fn probe_by(&self, h: u64, is: impl Fn(u32) -> bool) -> usize {
        let mask = self.slots.len() - 1;
        let tag = tag_of(h);
        let mut i = tag as usize & mask;
        loop {
            let s = &self.slots[i];
            if s.generation != self.generation {
                return i;
            }
            if s.hash == tag && is(s.at) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /// The temporary holding `e` (hash `h`), given the pass's output so far.
    pub(super) fn get(&self, out: &[Stmt], h: u64, e: &Expr) -> Option<Temp> {
        if self.len == 0 {
            return None;
        }
        let s = &self.slots[self.probe(out, h, e)];
        (s.generation == self.generation).then_some(s.temp)
    }

    /// The temporary holding the expression of the `WrTmp` at `out[cur]`
    /// (hash `h`; the statement is the pass's current one, not yet in the
    /// table), or else the empty slot where it would go, for
    /// [`CseTable::insert_vacant`]: the lookup that misses and the insertion
    /// that follows it probe once between them. The expression is named by
    /// its place so that the caller need not look it up: the table compares
    /// it only on a tag match.
    pub(super) fn find(&self, out: &[Stmt], h: u64, cur: usize) -> Result<Temp, usize> {
        let i = self.probe_at(out, h, cur);
        let s = &self.slots[i];
        if s.generation == self.generation {
            Ok(s.temp)
        } else {
            Err(i)
        }
    }

    /// [`CseTable::insert`] of the expression of the `WrTmp` at `out[at]`,
    /// which [`CseTable::find`] just missed, returning the empty slot `i`,
    /// with no insertion since (so `i` is still the end of the expression's
    /// probe sequence, and it is not in the table). If the table must grow
    /// first, the slot moves: probed again.
    pub(super) fn insert_vacant(&mut self, out: &[Stmt], i: usize, h: u64, temp: Temp, at: usize) {
        if 2 * (self.len + 1) > self.slots.len() {
            if let Some(e) = def_expr(out, at) {
                self.insert(out, h, e, temp, at);
            }
            return;
        }
        debug_assert_eq!(self.probe_at(out, h, at), i, "stale vacant slot");
        debug_assert!(self.slots[i].generation != self.generation);
        self.len += 1;
        self.slots[i] = Slot {
            generation: self.generation,
            hash: tag_of(h),
            temp,
            at: u32::try_from(at).unwrap_or(u32::MAX),
        };
    }

    /// Records that `temp` holds `e` (hash `h`), whose `WrTmp` is about to
    /// be emitted at `out[at]`.
    pub(super) fn insert(&mut self, out: &[Stmt], h: u64, e: &Expr, temp: Temp, at: usize) {
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        let i = self.probe(out, h, e);
        let s = &mut self.slots[i];
        if s.generation != self.generation {
            self.len += 1;
        }
        *s = Slot {
            generation: self.generation,
            hash: tag_of(h),
            temp,
            at: u32::try_from(at).unwrap_or(u32::MAX),
        };
    }

    /// Doubles the slots, re-placing the current block's entries.
    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.slots = vec![EMPTY; (2 * old.len()).max(16)];
        let mask = self.slots.len() - 1;
        for s in old {
            if s.generation != self.generation {
                continue;
            }
            let mut i = s.hash as usize & mask;
            while self.slots[i].generation == self.generation {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }

    /// Removes the entries whose expressions are at `out[from..]`, before
    /// the pass takes those statements back. Rare: the current block's
    /// other entries are simply placed again (removing from the middle of
    /// a probe sequence would otherwise need tombstones).
    pub(super) fn forget_from(&mut self, from: usize) {
        let generation = self.generation;
        let mut kept = Vec::new();
        for s in &mut self.slots {
            if s.generation == generation {
                if (s.at as usize) < from {
                    kept.push(*s);
                }
                *s = EMPTY;
            }
        }
        self.len = kept.len();
        let mask = self.slots.len() - 1;
        for s in kept {
            let mut i = s.hash as usize & mask;
            while self.slots[i].generation == generation {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

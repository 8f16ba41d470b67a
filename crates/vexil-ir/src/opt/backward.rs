//! The backward pass: redundant-PUT removal and dead-temporary removal.
//!
//! Walking from the end, it tracks which guest-state bytes are overwritten
//! later with no read, exit or (for precise registers) memory access in
//! between; a PUT entirely inside them is dead. A temporary nobody reads is
//! dead unless its definition can fault or has effects.

use super::{ArchHooks, Scratch};
use crate::{Atom, Effect, Expr, Irsb, Offset, Stmt};

struct Bits(Vec<u64>);

/// The words covering `[off, off+size)` of a set of `cap` bits (clipped),
/// each with the mask of the bits in range: registers are a few bytes, so
/// this is one or two words rather than one step per byte.
fn word_masks(cap: usize, off: Offset, size: u32) -> impl Iterator<Item = (usize, u64)> {
    let lo = off.index().min(cap);
    let hi = (off.index() + size as usize).min(cap);
    let (first, last) = (lo / 64, hi.saturating_sub(1) / 64);
    (first..=last).filter(move |_| lo < hi).map(move |w| {
        let a = if w == first { lo % 64 } else { 0 };
        let b = if w == last { (hi - 1) % 64 + 1 } else { 64 };
        let mask = if b - a == 64 {
            u64::MAX
        } else {
            ((1u64 << (b - a)) - 1) << a
        };
        (w, mask)
    })
}

/// The single word and mask covering `[off, off+size)` when the range is
/// non-empty, lies inside a set of `cap` bits and does not cross a word
/// boundary, as nearly every register access does. It is then exactly the
/// one pair [`word_masks`] would yield (no clipping, one word), computed
/// without the iterator; otherwise `None`, and callers take the general path.
#[inline]
fn one_word(cap: usize, off: Offset, size: u32) -> Option<(usize, u64)> {
    let lo = off.index();
    let n = size as usize;
    let hi = lo + n;
    // `n` in 1..=64, and the first and last byte in the same word (equal
    // above bit 5).
    if n.wrapping_sub(1) >= 64 || hi > cap || (lo ^ (hi - 1)) >= 64 {
        return None;
    }
    // `n` bits from bit `lo % 64` (a 64-byte range starts at bit 0).
    Some((lo / 64, (u64::MAX >> (64 - n)) << (lo % 64)))
}

impl Bits {
    /// A cleared set of `n` bits in `buf`'s storage.
    fn reuse(mut buf: Vec<u64>, n: usize) -> Bits {
        buf.clear();
        buf.resize(n.div_ceil(64), 0);
        Bits(buf)
    }
    fn cap(&self) -> usize {
        self.0.len() * 64
    }
    // The common one-word case is inlined into the pass; the general one
    // stays out of line, where its iterator's setup does not weigh on
    // every call.
    #[inline]
    fn all(&self, off: Offset, size: u32) -> bool {
        match one_word(self.cap(), off, size) {
            Some((w, m)) => self.0[w] & m == m,
            None => self.all_spanning(off, size),
        }
    }
    #[inline(never)]
    fn all_spanning(&self, off: Offset, size: u32) -> bool {
        // Bytes beyond the set are never "dead", so a clipped range is not all.
        size > 0
            && off.index() + size as usize <= self.cap()
            && word_masks(self.cap(), off, size).all(|(w, m)| self.0[w] & m == m)
    }
    #[inline]
    fn any(&self, off: Offset, size: u32) -> bool {
        match one_word(self.cap(), off, size) {
            Some((w, m)) => self.0[w] & m != 0,
            None => self.any_spanning(off, size),
        }
    }
    #[inline(never)]
    fn any_spanning(&self, off: Offset, size: u32) -> bool {
        word_masks(self.cap(), off, size).any(|(w, m)| self.0[w] & m != 0)
    }
    #[inline]
    fn set(&mut self, off: Offset, size: u32, v: bool) {
        match one_word(self.cap(), off, size) {
            Some((w, m)) if v => self.0[w] |= m,
            Some((w, m)) => self.0[w] &= !m,
            None => self.set_spanning(off, size, v),
        }
    }
    #[inline(never)]
    fn set_spanning(&mut self, off: Offset, size: u32, v: bool) {
        for (w, m) in word_masks(self.cap(), off, size) {
            if v {
                self.0[w] |= m;
            } else {
                self.0[w] &= !m;
            }
        }
    }
    fn clear(&mut self) {
        self.0.iter_mut().for_each(|w| *w = 0);
    }
    fn or_from(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= *b;
        }
    }
}

fn may_fault(s: &Stmt) -> bool {
    match s {
        Stmt::WrTmp {
            expr: Expr::Load { .. },
            ..
        }
        | Stmt::Store { .. }
        | Stmt::StoreG { .. }
        | Stmt::LoadG { .. }
        | Stmt::Cas(_)
        | Stmt::Llsc { .. } => true,
        Stmt::Dirty(d) => d.mem.is_some(),
        _ => false,
    }
}

/// Highest guest-state byte the block touches, plus one. (The forward pass
/// computes a bound over its output as it goes, `Scratch::extent`; any
/// bound at least this large gives the same results, as no range the pass
/// asks about reaches past it. Debug builds check the bound.)
#[cfg(debug_assertions)]
fn state_extent(irsb: &Irsb) -> usize {
    let mut hi = irsb.offs_ip.index() + 8;
    for s in &irsb.stmts {
        let end = match s {
            Stmt::Put { offset, data } => {
                offset.index()
                    + irsb
                        .tyenv
                        .atom_type(*data)
                        .map_or(16, |t| t.bytes() as usize)
            }
            Stmt::WrTmp {
                expr: Expr::Get { offset, ty },
                ..
            } => offset.index() + ty.bytes() as usize,
            Stmt::WrTmp {
                expr: Expr::GetI { descr, .. },
                ..
            }
            | Stmt::PutI { descr, .. } => descr.base.index() + descr.size() as usize,
            Stmt::Dirty(d) => d
                .state
                .iter()
                .map(|f| f.offset.index() + f.size as usize)
                .max()
                .unwrap_or(0),
            Stmt::Exit { offs_ip, .. } => offs_ip.index() + 8,
            _ => 0,
        };
        hi = hi.max(end);
    }
    hi
}

/// Runs the pass; returns true if anything was removed.
#[cfg(debug_assertions)]
pub(super) fn run(irsb: &mut Irsb, hooks: &dyn ArchHooks, scratch: &mut Scratch) -> bool {
    let changed = mark(irsb, hooks, scratch);
    super::drop_unkept(&mut irsb.stmts, &scratch.keep);
    changed
}

/// Decides what the pass removes: `scratch.keep[i]` is false for each
/// statement to remove. Returns true if anything is to be removed. Also
/// lists the temporaries the kept statements define, last first, in
/// `scratch.defs` (for renumbering without another pass).
pub(super) fn mark(irsb: &Irsb, hooks: &dyn ArchHooks, scratch: &mut Scratch) -> bool {
    let extent = scratch.extent;
    #[cfg(debug_assertions)]
    assert!(
        extent >= state_extent(irsb),
        "forward pass's extent bound too small"
    );
    let mut dead = Bits::reuse(std::mem::take(&mut scratch.dead), extent);
    let mut mem_between = Bits::reuse(std::mem::take(&mut scratch.mem_between), extent);
    let used = &mut scratch.used;
    used.clear();
    used.resize(irsb.tyenv.len(), false);
    let mark = |a: &Atom, used: &mut Vec<bool>| {
        if let Atom::Tmp(t) = a {
            if let Some(u) = used.get_mut(t.index()) {
                *u = true;
            }
        }
    };
    mark(&irsb.next, used);
    let keep = &mut scratch.keep;
    // Whether any `keep[i]` is set false (instead of a search afterwards).
    let mut removed = false;
    keep.clear();
    keep.resize(irsb.stmts.len(), true);
    let defs = &mut scratch.defs;
    defs.clear();
    // Per kept statement, in this order: its effect on `dead`, then (if it
    // may fault) on `mem_between`, then marking its operands used and
    // listing its definitions. The common kinds do all of it in their arm.
    for (i, s) in irsb.stmts.iter().enumerate().rev() {
        match s {
            // No operands, no state, cannot fault.
            Stmt::IMark { .. } => {}
            Stmt::Put { offset, data } => {
                let size = irsb.tyenv.atom_type(*data).map_or(1, |t| t.bytes());
                // Both sets have the same size: one word and mask serve
                // all four uses when the register fits in a word.
                if let Some((w, m)) = one_word(dead.cap(), *offset, size) {
                    debug_assert_eq!(dead.cap(), mem_between.cap());
                    let overwritten = dead.0[w] & m == m;
                    if overwritten
                        && !(mem_between.0[w] & m != 0 && hooks.precise_at_mem(*offset, size))
                    {
                        keep[i] = false;
                        removed = true;
                        continue;
                    }
                    dead.0[w] |= m;
                    mem_between.0[w] &= !m;
                    mark(data, used);
                    continue;
                }
                let overwritten = dead.all(*offset, size);
                let must_stay =
                    mem_between.any(*offset, size) && hooks.precise_at_mem(*offset, size);
                if overwritten && !must_stay {
                    keep[i] = false;
                    removed = true;
                    continue;
                }
                dead.set(*offset, size, true);
                mem_between.set(*offset, size, false);
                mark(data, used);
            }
            Stmt::WrTmp { dst, expr } => {
                let load = matches!(expr, Expr::Load { .. });
                if !load && !used.get(dst.index()).copied().unwrap_or(true) {
                    keep[i] = false;
                    removed = true;
                    continue;
                }
                match expr {
                    Expr::Get { offset, ty } => dead.set(*offset, ty.bytes(), false),
                    Expr::GetI { descr, .. } => dead.set(descr.base, descr.size(), false),
                    _ => {}
                }
                if load {
                    mem_between.or_from(&dead);
                }
                // The common kinds written out (no call).
                match expr {
                    Expr::Get { .. } => {}
                    Expr::Unop { a, .. } | Expr::Load { addr: a, .. } => mark(a, used),
                    Expr::Binop { a, b, .. } => {
                        mark(a, used);
                        mark(b, used);
                    }
                    _ => expr.for_each_atom(|a| mark(a, used)),
                }
                defs.push(*dst);
            }
            Stmt::Exit { guard, .. } => {
                dead.clear();
                mark(guard, used);
            }
            Stmt::NoOp => {
                keep[i] = false;
                removed = true;
            }
            _ => {
                if let Stmt::Dirty(d) = s {
                    for fx in &d.state {
                        if fx.fx != Effect::Write {
                            dead.set(fx.offset, fx.size, false);
                        }
                    }
                }
                if may_fault(s) {
                    mem_between.or_from(&dead);
                }
                s.for_each_atom(|a| mark(a, used));
                if matches!(
                    s,
                    Stmt::LoadG { .. } | Stmt::Cas(_) | Stmt::Llsc { .. } | Stmt::Dirty(_)
                ) {
                    let first = defs.len();
                    s.for_each_def(|t| defs.push(t));
                    defs[first..].reverse();
                }
            }
        }
    }
    scratch.dead = dead.0;
    scratch.mem_between = mem_between.0;
    debug_assert_eq!(removed, keep.contains(&false));
    removed
}

#[cfg(test)]
mod bits_tests {
    use super::*;

    /// Word masks agree with a byte-by-byte model on every small range,
    /// including ones crossing word boundaries and clipped at the end.
    #[test]
    fn word_masks_match_a_bytewise_model() {
        for cap_words in 1..4usize {
            let cap = cap_words * 64;
            for off in 0..cap + 10 {
                for size in 0..80u32 {
                    let mut want = vec![0u64; cap_words];
                    for i in off..(off + size as usize).min(cap) {
                        want[i / 64] |= 1 << (i % 64);
                    }
                    let mut got = vec![0u64; cap_words];
                    let o = Offset(u32::try_from(off).unwrap());
                    for (w, m) in word_masks(cap, o, size) {
                        assert_eq!(got[w] & m, 0, "overlapping masks");
                        got[w] |= m;
                    }
                    assert_eq!(got, want, "cap {cap} off {off} size {size}");
                    // The one-word shortcut, where it applies, is the same
                    // single pair.
                    if let Some(one) = one_word(cap, o, size) {
                        assert_eq!(
                            word_masks(cap, o, size).collect::<Vec<_>>(),
                            vec![one],
                            "cap {cap} off {off} size {size}"
                        );
                    }
                }
            }
        }
    }
}

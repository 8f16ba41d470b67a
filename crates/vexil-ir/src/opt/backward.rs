//! The backward pass: redundant-PUT removal and dead-temporary removal.
//!
//! Walking from the end, it tracks which guest-state bytes are overwritten
//! later with no read, exit or (for precise registers) memory access in
//! between; a PUT entirely inside them is dead. A temporary nobody reads is
//! dead unless its definition can fault or has effects.

use super::{ArchHooks, Scratch};
use crate::{Atom, Effect, Expr, Irsb, Offset, Stmt};

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
/// non-empty and does not cross a word boundary, as nearly every register
/// access does. Where that word is one of a set's (`w` below its length of
/// words), it is exactly the one pair [`word_masks`] would yield (no
/// clipping, one word), computed without the iterator; otherwise callers
/// take the general path. The bound is left to the caller's `get` of the
/// word, which checks it anyway.
#[inline]
fn one_word(off: Offset, size: u32) -> Option<(usize, u64)> {
    let lo = off.index();
    let n = size as usize;
    // `n` in 1..=64, and the first and last byte in the same word (equal
    // above bit 5).
    if n.wrapping_sub(1) >= 64 || (lo ^ (lo + n - 1)) >= 64 {
        return None;
    }
    // `n` bits from bit `lo % 64` (a 64-byte range starts at bit 0).
    Some((lo / 64, (u64::MAX >> (64 - n)) << (lo % 64)))
}

/// What the pass knows about 64 bytes of guest state, walking backward:
/// bit `b` of `dead` says byte `64 w + b` is overwritten later with no read
/// or exit in between; bit `b` of `mem` says, for a dead byte, that a
/// statement that may fault lies between here and that overwrite. The two
/// sit side by side so that a register's word and mask reach both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Word {
    dead: u64,
    mem: u64,
}

/// The guest-state words of a block and which of them may hold dead bits.
struct State<'a> {
    /// The words, all zero between blocks, at least as many as any earlier
    /// block needed (see [`mark`]).
    words: &'a mut [Word],
    /// Bit `b` set when some word `w` with `w % 64 == b` may have a dead
    /// bit (every word whose `dead` is not zero has its bit set). Loads and
    /// exits then visit only those words instead of the whole state; with
    /// at most 64 words (4 KiB of state, every guest here) a bit is exactly
    /// one word.
    touched: u64,
    /// `touched` bits of earlier words that an exit cleared: with
    /// `touched`, every word that may hold a set bit of `dead` or `mem`
    /// (`mem` bits are set only where `dead` bits are).
    ever: u64,
    /// The end of the furthest range that reached past the words, or 0.
    short: usize,
}

impl State<'_> {
    fn cap(&self) -> usize {
        self.words.len() * 64
    }
    /// Notes a range that reaches past the words (every such range comes
    /// through one of the spanning functions).
    fn cover(&mut self, off: Offset, size: u32) {
        let end = off.index() + size as usize;
        if end > self.cap() {
            self.short = self.short.max(end);
        }
    }
    /// The words that may have dead bits, each once.
    #[inline]
    fn for_touched(&mut self, mut f: impl FnMut(&mut Word)) {
        let mut t = self.touched;
        while t != 0 {
            let b = t.trailing_zeros() as usize;
            t &= t - 1;
            // Words `b`, `b + 64`, ... by index: the `skip` and `step_by`
            // adapters cost more than the work on the one word. Word `b`
            // exists (a bit is set only for a word written); the others
            // only when a block reaches past 64 words (see [`mark`]).
            if let Some(word) = self.words.get_mut(b) {
                f(word);
            }
            if self.words.len() > 64 {
                let mut w = b + 64;
                while let Some(word) = self.words.get_mut(w) {
                    f(word);
                    w += 64;
                }
            }
        }
        #[cfg(debug_assertions)]
        for (w, word) in self.words.iter().enumerate() {
            debug_assert!(
                word.dead == 0 || self.touched & (1 << (w % 64)) != 0,
                "dead bits in an untouched word"
            );
        }
    }
    /// A statement that may fault: every dead byte now has one between it
    /// and its overwrite.
    fn fault(&mut self) {
        self.for_touched(|w| w.mem |= w.dead);
    }
    /// An exit: nothing is dead before it.
    fn exit(&mut self) {
        self.for_touched(|w| w.dead = 0);
        self.ever |= self.touched;
        self.touched = 0;
    }
    /// Clears every word the walk may have set, leaving all of them zero
    /// for the next block (which then need not clear them itself).
    fn clean(&mut self) {
        self.touched |= self.ever;
        self.for_touched(|w| *w = Word::default());
        debug_assert!(self.words.iter().all(|w| *w == Word::default()));
    }
    /// A read of `[off, off+size)`: not dead before it.
    #[inline]
    fn read(&mut self, off: Offset, size: u32) {
        match one_word(off, size).and_then(|(w, m)| Some((self.words.get_mut(w)?, m))) {
            Some((word, m)) => word.dead &= !m,
            None => self.read_spanning(off, size),
        }
    }
    #[inline(never)]
    fn read_spanning(&mut self, off: Offset, size: u32) {
        self.cover(off, size);
        for (w, m) in word_masks(self.cap(), off, size) {
            self.words[w].dead &= !m;
        }
    }
    /// A kept write of `[off, off+size)` that no register word holds
    /// alone: dead before it, with nothing in between.
    #[inline(never)]
    fn write_spanning(&mut self, off: Offset, size: u32) {
        self.cover(off, size);
        for (w, m) in word_masks(self.cap(), off, size) {
            self.words[w].dead |= m;
            self.words[w].mem &= !m;
            self.touched |= 1 << (w % 64);
        }
    }
    /// Whether all of `[off, off+size)` is dead, and whether any of it has
    /// a statement that may fault before its overwrite.
    #[inline(never)]
    fn dead_spanning(&mut self, off: Offset, size: u32) -> (bool, bool) {
        self.cover(off, size);
        let all = size > 0
            && off.index() + size as usize <= self.cap()
            && word_masks(self.cap(), off, size).all(|(w, m)| self.words[w].dead & m == m);
        let any_mem = word_masks(self.cap(), off, size).any(|(w, m)| self.words[w].mem & m != 0);
        (all, any_mem)
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

/// Runs the pass; returns true if anything was removed.
#[cfg(debug_assertions)]
pub(super) fn run(irsb: &mut Irsb, hooks: &dyn ArchHooks, scratch: &mut Scratch) -> bool {
    let changed = mark(irsb, hooks, scratch);
    super::drop_unkept(&mut irsb.stmts, &scratch.removed);
    changed
}

/// Marks `a` read, if it is a temporary of the block.
#[inline(always)]
fn read_atom(a: &Atom, used: &mut [bool]) {
    if let Atom::Tmp(t) = a {
        if let Some(u) = used.get_mut(t.index()) {
            *u = true;
        }
    }
}

/// Decides what the pass removes: lists the indices of the statements to
/// remove, last first, in `scratch.removed`, and returns true if there is
/// any. Also lists the temporaries the kept statements define, last first,
/// in `scratch.defs` (for renumbering without another pass).
///
/// The vectors are borrowed where they are in `scratch` (the read marks
/// as a slice): taking them out for the walk and putting them back cost
/// more per block than the walk saved.
///
/// Not inlined: in the round loop, next to the forward pass, the walk's
/// loop kept its index and the statements' address on the stack.
#[inline(never)]
pub(super) fn mark(irsb: &Irsb, hooks: &dyn ArchHooks, scratch: &mut Scratch) -> bool {
    // The words are kept between blocks, all zero (`State::clean`), as
    // many as the furthest-reaching block so far needed; a block that
    // reaches further is walked again with more (rarely: a few times per
    // thread). How far they reach beyond a block's ranges changes nothing:
    // every range the walk looks at is within them, and exits and faults
    // change only words with dead bits.
    #[cfg(debug_assertions)]
    assert!(scratch.state.iter().all(|w| *w == Word::default()));
    let mut st = State {
        words: &mut scratch.state,
        touched: 0,
        ever: 0,
        short: 0,
    };
    scratch.used.clear();
    scratch.used.resize(irsb.tyenv.len(), false);
    let used = &mut scratch.used[..];
    let removed = &mut scratch.removed;
    removed.clear();
    let defs = &mut scratch.defs;
    defs.clear();
    // The block's outline, last first: the pass looks at every statement,
    // and removes no mark and no exit.
    let outline = &mut scratch.outline;
    outline.clear();
    let types = irsb.tyenv.types();
    read_atom(&irsb.next, used);
    // Per kept statement, in this order: its effect on the dead bytes, then
    // (if it may fault) on `mem`, then marking its operands used and
    // listing its definitions. The common kinds do all of it in their arm.
    let stmts = &irsb.stmts[..];
    let mut i = stmts.len();
    while i > 0 {
        i -= 1;
        let s = &stmts[i];
        match s {
            // No operands, no state, cannot fault.
            Stmt::IMark { addr, len, .. } => outline.insns.push((*addr, *len)),
            Stmt::Put { offset, data } => {
                let size = match data {
                    Atom::Tmp(t) => types.get(t.index()).map_or(1, |t| t.bytes()),
                    Atom::Const(c) => c.ty().bytes(),
                };
                // The register fits in a word (nearly always): one word
                // and mask serve all four uses.
                if let Some((w, word, m)) =
                    one_word(*offset, size).and_then(|(w, m)| Some((w, st.words.get_mut(w)?, m)))
                {
                    if word.dead & m == m
                        && !(word.mem & m != 0 && hooks.precise_at_mem(*offset, size))
                    {
                        removed.push(i);
                        continue;
                    }
                    word.dead |= m;
                    word.mem &= !m;
                    st.touched |= 1 << (w % 64);
                } else {
                    let (overwritten, any_mem) = st.dead_spanning(*offset, size);
                    if overwritten && !(any_mem && hooks.precise_at_mem(*offset, size)) {
                        removed.push(i);
                        continue;
                    }
                    st.write_spanning(*offset, size);
                }
                read_atom(data, used);
            }
            Stmt::WrTmp { dst, expr } => {
                // A load is kept unread (it may fault); anything else goes
                // when nothing reads its temporary.
                let unread = || !used.get(dst.index()).copied().unwrap_or(true);
                match expr {
                    Expr::Get { offset, ty } => {
                        if unread() {
                            removed.push(i);
                            continue;
                        }
                        st.read(*offset, ty.bytes());
                    }
                    Expr::Unop { a, .. } => {
                        if unread() {
                            removed.push(i);
                            continue;
                        }
                        read_atom(a, used);
                    }
                    Expr::Binop { a, b, .. } => {
                        if unread() {
                            removed.push(i);
                            continue;
                        }
                        read_atom(a, used);
                        read_atom(b, used);
                    }
                    Expr::Load { addr, .. } => {
                        st.fault();
                        read_atom(addr, used);
                    }
                    rare_exprs!() => {
                        if unread() {
                            removed.push(i);
                            continue;
                        }
                        if let Expr::GetI { descr, .. } = expr {
                            st.read(descr.base, descr.size());
                        }
                        expr.for_each_atom(|a| read_atom(a, used));
                    }
                }
                defs.push(*dst);
            }
            Stmt::Store { addr, data, .. } => {
                st.fault();
                read_atom(addr, used);
                read_atom(data, used);
            }
            Stmt::Exit { guard, dst, jk, .. } => {
                st.exit();
                read_atom(guard, used);
                outline.exits.push((*dst, *jk));
            }
            Stmt::NoOp => removed.push(i),
            // The rarer kinds, listed rather than matched by `_`: with every
            // kind named, the dispatch needs no range check of the kind.
            rare_stmts!() => {
                if let Stmt::Dirty(d) = s {
                    for fx in &d.state {
                        if fx.fx != Effect::Write {
                            st.read(fx.offset, fx.size);
                        }
                    }
                }
                if may_fault(s) {
                    st.fault();
                }
                s.for_each_atom(|a| read_atom(a, used));
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
    let any = !removed.is_empty();
    st.clean();
    let short = st.short;
    if short > 0 {
        scratch.state.resize(short.div_ceil(64), Word::default());
        let any = mark(irsb, hooks, scratch);
        // A block that reached past the state of every guest here (an odd
        // indexed range, say) does not leave later blocks a longer row of
        // words to step through at each exit and fault.
        scratch.state.truncate(KEEP_WORDS);
        return any;
    }
    any
}

/// The most guest-state words kept between blocks: 4 KiB of state, more
/// than any guest here has.
const KEEP_WORDS: usize = 64;

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
                    if let Some(one) = one_word(o, size).filter(|&(w, _)| w < cap_words) {
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

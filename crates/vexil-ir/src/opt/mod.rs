//! The optimizer: constant folding, copy propagation, redundant GET/PUT
//! elimination, dead-temporary elimination, common-subexpression elimination
//! and condition folding.
//!
//! Architecture knowledge enters through [`ArchHooks`]: a lifter that computes
//! flags lazily (a VEX-style thunk plus a `calculate_condition` helper)
//! supplies a [`ArchHooks::specialize`] that turns a helper call whose
//! operation code became a constant into one comparison op, so that a compare
//! followed by a conditional branch reaches the `Exit` as a single `CmpLT32S`
//! (or similar) with no helper left in the way.

use crate::{Atom, Expr, Irsb, Offset, Op, Outline, Stmt, Temp, Type, TypeEnv};

// The passes name every statement and expression kind in their dispatches
// instead of ending a `match` in `_`: with every kind named, the compiler's
// jump table needs no range check of the kind. The rare kinds, which each
// pass handles the general way, are these two patterns.

/// The statement kinds other than `IMark`, `NoOp`, `WrTmp`, `Put`, `Store`
/// and `Exit`, as a pattern.
macro_rules! rare_stmts {
    () => {
        Stmt::PutI { .. }
            | Stmt::StoreG { .. }
            | Stmt::LoadG { .. }
            | Stmt::Cas(_)
            | Stmt::Llsc { .. }
            | Stmt::Mbe(_)
            | Stmt::Dirty(_)
    };
}

/// The expression kinds other than `Get`, `Load`, `Unop` and `Binop`, as a
/// pattern.
macro_rules! rare_exprs {
    () => {
        Expr::Const(_)
            | Expr::RdTmp(_)
            | Expr::GetI { .. }
            | Expr::Triop { .. }
            | Expr::Qop { .. }
            | Expr::Ite { .. }
            | Expr::CCall { .. }
    };
}

mod backward;
mod cse;
mod forward;
mod simplify;

/// A small expression tree returned by [`ArchHooks::specialize`]; the
/// optimizer flattens it into fresh temporaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpecExpr {
    /// An existing operand.
    Atom(Atom),
    /// An operation on sub-expressions (arity must match the op).
    Op(Op, Vec<SpecExpr>),
    /// If-then-else.
    Ite(Box<SpecExpr>, Box<SpecExpr>, Box<SpecExpr>),
}

impl SpecExpr {
    /// Shorthand for a unary op.
    pub fn unop(op: Op, a: SpecExpr) -> SpecExpr {
        SpecExpr::Op(op, vec![a])
    }
    /// Shorthand for a binary op.
    pub fn binop(op: Op, a: SpecExpr, b: SpecExpr) -> SpecExpr {
        SpecExpr::Op(op, vec![a, b])
    }
    /// Shorthand for an atom.
    pub fn atom(a: impl Into<Atom>) -> SpecExpr {
        SpecExpr::Atom(a.into())
    }
}

/// What the optimizer knows about the block's temporaries, for hooks that
/// want to look through an argument's definition (`t5 = 32Uto64(t4)`).
pub trait Defs {
    /// The expression that defines `t`, if `t` is defined by a `WrTmp`.
    fn def(&self, t: Temp) -> Option<&Expr>;
    /// The type of `t`.
    fn ty(&self, t: Temp) -> Option<Type>;
}

/// Architecture-specific knowledge the optimizer needs.
pub trait ArchHooks {
    /// Rewrites a pure helper call (`CCall`) into plain IR, given its
    /// (partly constant) arguments. `ty` is the call's result type.
    /// Returning `None` keeps the call.
    fn specialize(
        &self,
        callee: &str,
        ty: Type,
        args: &[Atom],
        defs: &dyn Defs,
    ) -> Option<SpecExpr> {
        let _ = (callee, ty, args, defs);
        None
    }

    /// True if the guest-state range must be up to date whenever a memory
    /// access may fault (VEX keeps the stack, frame and program counters
    /// precise): `PUT`s to it are not removed across loads and stores.
    fn precise_at_mem(&self, offset: Offset, size: u32) -> bool {
        let _ = (offset, size);
        true
    }
}

/// Hooks for a block of unknown architecture: nothing specialized, every
/// register precise.
#[derive(Copy, Clone, Debug, Default)]
pub struct NoHooks;

impl ArchHooks for NoHooks {}

/// Optimizes `irsb` in place.
///
/// - Level 0 does nothing.
/// - Level 1 runs one forward pass (copy and constant propagation, constant
///   folding, redundant-GET removal, algebraic simplification, helper
///   specialization and condition folding) and one backward pass
///   (redundant-PUT and dead-temporary removal), then renumbers the
///   temporaries densely.
/// - Level 2 adds common-subexpression elimination and repeats both passes
///   until nothing changes (at most four rounds). A round whose forward
///   pass settled (see `Forward::run`) is known to leave nothing for
///   another, so the confirming round is not run.
///
/// The result has the same effect as the input on guest state and memory,
/// with one documented latitude taken from VEX: a register write that is
/// overwritten later in the block may be dropped even if a memory access in
/// between faults, unless `hooks.precise_at_mem` says the register must be
/// exact at memory accesses.
pub fn optimize(irsb: &mut Irsb, level: u8, hooks: &dyn ArchHooks) {
    if level == 0 {
        return;
    }
    with_scratch(|scratch| optimize_with(irsb, level, hooks, scratch));
}

/// [`optimize`], and the optimized block's [`Outline`] into `outline`
/// (its previous contents are replaced). The backward pass looks at every
/// statement of the block in its last round, after which only statements
/// that are neither marks nor exits are removed, so it finds the outline
/// on the way; a caller that needs it (code discovery) then need not walk
/// the block again. At level 0 the outline is found by [`Outline::scan`].
pub fn optimize_outlined(irsb: &mut Irsb, level: u8, hooks: &dyn ArchHooks, outline: &mut Outline) {
    if level == 0 {
        outline.scan(irsb);
        return;
    }
    with_scratch(|scratch| {
        optimize_with(irsb, level, hooks, scratch);
        std::mem::swap(outline, &mut scratch.outline);
    });
    #[cfg(debug_assertions)]
    {
        let mut want = Outline::default();
        want.scan(irsb);
        debug_assert_eq!(
            *outline, want,
            "the optimizer's outline differs from the block's"
        );
    }
}

/// Runs `f` with this thread's working buffers. They are kept between
/// blocks: a block is small, and allocating its maps and sets afresh cost
/// as much as the passes. They are borrowed in place (moving the whole set
/// in and out by value for every block was a measurable share of the
/// copying).
#[inline(always)]
fn with_scratch(f: impl FnOnce(&mut Scratch)) {
    let mut f = Some(f);
    let done = SCRATCH
        .try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                if let Some(f) = f.take() {
                    f(&mut scratch);
                }
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false);
    if !done {
        if let Some(f) = f.take() {
            f(&mut Scratch::default());
        }
    }
}

fn optimize_with(irsb: &mut Irsb, level: u8, hooks: &dyn ArchHooks, scratch: &mut Scratch) {
    let rounds = if level >= 2 { 4 } else { 1 };
    for round in 1..=rounds {
        let tyenv = std::mem::take(&mut irsb.tyenv);
        let (changed_fwd, settled) =
            forward::Forward::new(hooks, level >= 2, tyenv, scratch).run(irsb);
        let changed_bwd = backward::mark(irsb, hooks, scratch);
        // A settled round leaves nothing for the next one (see
        // `Forward::run`): it would only confirm the fixpoint, which cost
        // as much as the round itself.
        let last = (!changed_fwd && !changed_bwd) || settled || round == rounds;
        if !last {
            drop_unkept(&mut irsb.stmts, &scratch.removed);
            continue;
        }
        // The last round's removals and the renumbering, from the backward
        // pass's list of definitions.
        #[cfg(debug_assertions)]
        let two_pass = {
            let mut b = irsb.clone();
            drop_unkept(&mut b.stmts, &scratch.removed);
            renumber(&mut b, &mut Vec::new(), &mut Vec::new());
            b
        };
        retain_renumber(irsb, scratch);
        #[cfg(debug_assertions)]
        debug_assert!(
            *irsb == two_pass,
            "renumbering differs:\n{irsb}\n{two_pass}"
        );
        #[cfg(debug_assertions)]
        if settled && (changed_fwd || changed_bwd) {
            // The check's own backward pass must not replace the outline.
            let outline = std::mem::take(&mut scratch.outline);
            confirm_fixpoint(irsb, hooks, level, scratch);
            scratch.outline = outline;
        }
        break;
    }
}

/// Runs one more round over a copy of the optimized `irsb` and checks that
/// it changes nothing (debug builds: the tests check the claim that lets
/// [`optimize`] stop after a settled round). The block is already
/// renumbered, which renaming temporaries consistently does not affect.
#[cfg(debug_assertions)]
fn confirm_fixpoint(irsb: &Irsb, hooks: &dyn ArchHooks, level: u8, scratch: &mut Scratch) {
    let mut again = irsb.clone();
    let tyenv = std::mem::take(&mut again.tyenv);
    forward::Forward::new(hooks, level >= 2, tyenv, scratch).run(&mut again);
    backward::run(&mut again, hooks, scratch);
    renumber(&mut again, &mut scratch.map, &mut scratch.types);
    debug_assert!(
        again == *irsb,
        "a settled optimizer round was not a fixpoint:\n{irsb}\nbecame\n{again}"
    );
}

/// Reusable working memory of the passes (see [`optimize`]).
#[derive(Default)]
pub(super) struct Scratch {
    /// The forward pass's replacements: what each temporary's uses are to
    /// be replaced by. Empty until the first substitution, which sizes it
    /// to the type environment (many blocks need none, and the sizing is a
    /// write per temporary); from then on it grows with the environment. A
    /// lookup past its end finds nothing, as a lookup of an unsubstituted
    /// temporary.
    pub(super) subst: Vec<Option<Atom>>,
    /// The forward pass's index in its output of each temporary's
    /// definition. Never cleared: entries of earlier blocks stay, at least
    /// as long as the type environment, and a lookup checks that the
    /// statement an entry names is one the pass has done that defines the
    /// temporary (see `Forward::def_expr`); `forward::NO_DEF` where there
    /// is none.
    pub(super) def_at: Vec<usize>,
    /// The guest-state values the forward pass knows from earlier PUTs and
    /// GETs.
    pub(super) known: Vec<forward::Known>,
    pub(super) exprs: cse::CseTable,
    /// The backward pass's guest-state words, all zero between blocks
    /// (see `backward::State`).
    state: Vec<backward::Word>,
    pub(super) used: Vec<bool>,
    /// The statements the backward pass removes, by index, last first.
    pub(super) removed: Vec<usize>,
    map: Vec<Option<Temp>>,
    types: Vec<Type>,
    /// The temporaries defined by the statements the backward pass keeps,
    /// last first.
    pub(super) defs: Vec<Temp>,
    /// The outline of the block as the backward pass last saw it (see
    /// [`optimize_outlined`]).
    pub(super) outline: Outline,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Removes the statements the backward pass marked and renumbers the
/// temporaries as [`renumber`] does, numbering from the backward pass's list
/// of definitions instead of another pass over the block.
fn retain_renumber(irsb: &mut Irsb, scratch: &mut Scratch) {
    let removed: &[usize] = &scratch.removed;
    let n = irsb.tyenv.len();
    // How many of the kept definitions, in order, are temporaries 0, 1,
    // 2, ...: those keep their numbers.
    let kept = scratch.defs.len();
    let prefix = scratch
        .defs
        .iter()
        .rev()
        .enumerate()
        .position(|(k, t)| t.index() != k)
        .unwrap_or(kept);
    // The common case first, without the map: all of them are, so every
    // temporary keeps its number (any other block takes the general path
    // below, which finds the same when it holds).
    if prefix == kept && kept <= n {
        keep_numbers(irsb, removed, kept);
        return;
    }
    let (map, types) = (&mut scratch.map, &mut scratch.types);
    map.clear();
    map.resize(n, None);
    types.clear();
    // The definitions of the prefix (within the environment) keep their
    // numbers and types without an entry in the map: a temporary the map
    // does not rename keeps its number. A later definition of one of them
    // is skipped, as one of a temporary already numbered. (Debug builds
    // compare the result with renumbering from scratch.)
    let prefix = prefix.min(n);
    types.extend_from_slice(irsb.tyenv.types().get(..prefix).unwrap_or(&[]));
    // Whether every temporary keeps its number (then only the removals and
    // the type environment's tail change).
    let mut same = true;
    for &t in scratch.defs.iter().rev().skip(prefix) {
        if t.index() < prefix {
            continue;
        }
        if let (Some(slot), Some(ty)) = (map.get_mut(t.index()), irsb.tyenv.get(t)) {
            if slot.is_none() {
                let nt = Temp(u32::try_from(types.len()).unwrap_or(u32::MAX));
                same &= nt == t;
                *slot = Some(nt);
                types.push(ty);
            }
        }
    }
    // Temporaries that are read but not defined keep their numbers either
    // way; any that are defined are numbered 0..types.len(), so with `same`
    // every mapped temporary maps to itself.
    if same {
        keep_numbers(irsb, removed, types.len());
        return;
    }
    apply_renumbering(irsb, removed, map, types);
}

/// [`retain_renumber`] for a block whose kept definitions keep their
/// numbers, `0..n`: only the unkept statements and the types of the
/// temporaries from `n` on go.
fn keep_numbers(irsb: &mut Irsb, removed: &[usize], n: usize) {
    drop_unkept(&mut irsb.stmts, removed);
    let mut v = std::mem::take(&mut irsb.tyenv).into_types();
    v.truncate(n);
    irsb.tyenv = TypeEnv::from(v);
}

/// Removes the statements whose indices `removed` lists, last first (as
/// the backward pass found them). An empty list looks at no statement.
///
/// One or two removals are cut out run by run from the end (`drain`), which
/// moves only the statements after each run, as one block copy; many are
/// done by a `retain` whose test is one comparison with the next index to
/// remove, which moves each statement after the first removal once, one
/// by one. (Debug builds compare the two.)
fn drop_unkept(stmts: &mut Vec<Stmt>, removed: &[usize]) {
    if removed.is_empty() {
        return;
    }
    #[cfg(debug_assertions)]
    let want = {
        let mut w = stmts.clone();
        retain_unlisted(&mut w, removed);
        w
    };
    if removed.len() > DRAIN_MAX {
        retain_unlisted(stmts, removed);
    } else {
        let mut k = 0;
        while let Some(&hi) = removed.get(k) {
            // The run of consecutive indices down from `hi`.
            let mut lo = hi;
            k += 1;
            while removed.get(k).is_some_and(|&r| r + 1 == lo) {
                lo -= 1;
                k += 1;
            }
            if lo == hi {
                stmts.remove(lo);
            } else {
                stmts.drain(lo..=hi);
            }
        }
    }
    #[cfg(debug_assertions)]
    debug_assert!(*stmts == want, "statement removal differs");
}

/// At most this many removals are done run by run (see [`drop_unkept`]):
/// each run moves the rest of the block, so more would cost more than one
/// sweep (measured: 2 beat 1, 3, 5 and 8).
const DRAIN_MAX: usize = 2;

/// [`drop_unkept`] as one sweep over the statements.
fn retain_unlisted(stmts: &mut Vec<Stmt>, removed: &[usize]) {
    let mut rest = removed.iter().rev().copied();
    // Past the last one, an index no statement has.
    let mut next = rest.next().unwrap_or(usize::MAX);
    let mut i = 0;
    stmts.retain(|_| {
        let keep = i != next;
        if !keep {
            next = rest.next().unwrap_or(usize::MAX);
        }
        i += 1;
        keep
    });
}

/// Removes the statements listed in `removed` (last first), renames
/// every temporary by `map`, and makes `types` the type environment (in the
/// old environment's memory).
///
/// Removing and renaming are two sweeps: a `retain` whose test is a flag is
/// compiled into a tight loop, and so is the renaming loop, while one
/// `retain_mut` doing both called its (large) closure per statement and
/// cost more than the second sweep.
fn apply_renumbering(irsb: &mut Irsb, removed: &[usize], map: &[Option<Temp>], types: &[Type]) {
    drop_unkept(&mut irsb.stmts, removed);
    // Nothing before the first statement that defines a renamed temporary
    // is renamed: in SSA form a statement reads only temporaries defined
    // before it (or never), and those keep their numbers. (Debug builds
    // compare the result with renaming every statement.)
    let from = irsb
        .stmts
        .iter()
        .position(|s| renames_def(s, map))
        .unwrap_or(irsb.stmts.len());
    for s in &mut irsb.stmts[from..] {
        renumber_stmt(s, map);
    }
    remap(&mut irsb.next, map);
    let mut v = std::mem::take(&mut irsb.tyenv).into_types();
    v.clear();
    v.extend_from_slice(types);
    irsb.tyenv = TypeEnv::from(v);
}

/// Renumbers temporaries densely in order of definition and drops unused
/// ones from the type environment. `types` is a working buffer. (What
/// [`retain_renumber`] does after the backward pass, as a pass of its own.)
#[cfg(debug_assertions)]
fn renumber(irsb: &mut Irsb, map: &mut Vec<Option<Temp>>, types: &mut Vec<Type>) {
    let n = irsb.tyenv.len();
    map.clear();
    map.resize(n, None);
    types.clear();
    for s in &irsb.stmts {
        s.for_each_def(|t| {
            if let (Some(slot), Some(ty)) = (map.get_mut(t.index()), irsb.tyenv.get(t)) {
                if slot.is_none() {
                    *slot = Some(Temp(u32::try_from(types.len()).unwrap_or(u32::MAX)));
                    types.push(ty);
                }
            }
        });
    }
    apply_renumbering(irsb, &[], map, types);
}

/// True if `map` gives a temporary `s` defines a new number.
#[inline(always)]
fn renames_def(s: &Stmt, map: &[Option<Temp>]) -> bool {
    let renamed = |t: Temp| matches!(map.get(t.index()), Some(Some(nt)) if *nt != t);
    match s {
        Stmt::IMark { .. } | Stmt::NoOp | Stmt::Put { .. } | Stmt::Store { .. } => false,
        Stmt::WrTmp { dst, .. } => renamed(*dst),
        // Named rather than `_` (here and below): with every kind named,
        // the dispatch needs no range check of the kind.
        rare_stmts!() | Stmt::Exit { .. } => {
            let mut r = false;
            s.for_each_def(|t| r |= renamed(t));
            r
        }
    }
}

/// Renames a temporary operand by `map`.
#[inline(always)]
fn remap(a: &mut Atom, map: &[Option<Temp>]) {
    if let Atom::Tmp(t) = a {
        if let Some(Some(nt)) = map.get(t.index()) {
            *t = *nt;
        }
    }
}

/// Renames every temporary `s` reads or writes by `map`: what
/// `for_each_atom_mut` with [`remap`] and then [`rename_defs`] do, with the
/// common kinds written out so that they need no call (debug builds compare
/// the two).
fn renumber_stmt(s: &mut Stmt, map: &[Option<Temp>]) {
    #[cfg(debug_assertions)]
    let want = {
        let mut w = s.clone();
        w.for_each_atom_mut(|a| remap(a, map));
        rename_defs(&mut w, map);
        w
    };
    let r = |t: &mut Temp| {
        if let Some(Some(nt)) = map.get(t.index()) {
            *t = *nt;
        }
    };
    match s {
        Stmt::IMark { .. } | Stmt::NoOp => {}
        Stmt::WrTmp { dst, expr } => {
            r(dst);
            match expr {
                Expr::Get { .. } => {}
                Expr::Unop { a, .. } | Expr::Load { addr: a, .. } => remap(a, map),
                Expr::Binop { a, b, .. } => {
                    remap(a, map);
                    remap(b, map);
                }
                rare_exprs!() => expr.for_each_atom_mut(|a| remap(a, map)),
            }
        }
        Stmt::Put { data, .. } | Stmt::Exit { guard: data, .. } => remap(data, map),
        Stmt::Store { addr, data, .. } => {
            remap(addr, map);
            remap(data, map);
        }
        rare_stmts!() => {
            s.for_each_atom_mut(|a| remap(a, map));
            rename_defs(s, map);
        }
    }
    #[cfg(debug_assertions)]
    debug_assert_eq!(*s, want, "renumbering differs");
}

fn rename_defs(s: &mut Stmt, map: &[Option<Temp>]) {
    let r = |t: &mut Temp| {
        if let Some(Some(nt)) = map.get(t.index()) {
            *t = *nt;
        }
    };
    match s {
        Stmt::WrTmp { dst, .. } | Stmt::LoadG { dst, .. } => r(dst),
        Stmt::Cas(c) => {
            if let Some(t) = &mut c.old_hi {
                r(t);
            }
            r(&mut c.old_lo);
        }
        Stmt::Llsc { result, .. } => r(result),
        Stmt::Dirty(d) => {
            if let Some(t) = &mut d.tmp {
                r(t);
            }
        }
        _ => {}
    }
}

//! The forward pass: substitution, constant folding, redundant-GET removal,
//! algebraic simplification, helper specialization, CSE and constant exits.
//!
//! It walks the block once, rewriting its statements in place: a statement
//! it removes becomes a `NoOp` (which the backward pass drops with the rest),
//! and the few it adds (a specialized helper's parts, a guarded load's
//! widening) are inserted before the current one. Moving every statement
//! into a new list cost more than most of the rewriting. Temporaries that
//! turn out to be copies or constants are not kept; their uses are
//! rewritten through `subst`.

use super::cse::{binop_hash, cse_hash, unop_hash};
use super::simplify::{DefLookup, Simple, narrow_op, simplify_ite, simplify_op};
use super::{ArchHooks, Defs, Scratch, SpecExpr};
use crate::{Atom, Const, Expr, Irsb, LoadGCvt, Offset, Op, Stmt, Temp, Type, TypeEnv};

/// Folds an operation over constant arguments, if the reference semantics
/// ([`crate::eval`]) give a representable constant.
fn fold(op: Op, args: &[Atom]) -> Option<Const> {
    let mut vals = [0u128; 4];
    for (slot, a) in vals.iter_mut().zip(args) {
        *slot = a.as_const()?.value();
    }
    let n = args.len().min(vals.len());
    Const::from_value(op.result_type(), crate::eval::eval_op(op, &vals[..n]))
}

/// The entry of [`Scratch::def_at`] for a temporary with no definition:
/// past every statement, so that [`Forward::def_expr`]'s test that the
/// definition is one the pass has done rejects it too (an `Option` was a
/// second test, and a second store in every `set_def`).
pub(super) const NO_DEF: usize = usize::MAX;

pub(super) struct Forward<'h, 's> {
    hooks: &'h dyn ArchHooks,
    cse: bool,
    tyenv: TypeEnv,
    /// The block's statements, being rewritten: those before `at` are done
    /// (the pass's output so far), those from `at` on are not yet seen.
    out: Vec<Stmt>,
    /// The current statement's index in `out`.
    at: usize,
    /// True once `Scratch::subst` holds anything (until then,
    /// substituting a statement's operands changes nothing and is
    /// skipped).
    substituted: bool,
    /// What the CSE table (`Scratch::exprs`) must agree with: the plain
    /// map it replaces (debug builds).
    #[cfg(debug_assertions)]
    shadow: crate::fxhash::FxHashMap<Expr, Temp>,
    changed: bool,
    /// False once the pass emits something it did not reduce to a fixpoint
    /// (see [`Forward::run`]).
    settled: bool,
    /// The scratch buffers, whose `subst`, `def_at` and `known` the pass
    /// works in where they are (taking them out for the block and putting
    /// them back cost more, per block, than reaching them through this
    /// reference).
    rest: &'s mut Scratch,
}

impl DefLookup for Forward<'_, '_> {
    fn def_expr(&self, a: Atom) -> Option<&Expr> {
        let t = a.as_tmp()?;
        let i = *self.rest.def_at.get(t.index())?;
        // An entry of an earlier block (`Scratch::def_at` is not cleared)
        // names no statement the pass has done that defines `t`; a temporary
        // is defined once, so one that does is `t`'s definition. No entry
        // (`NO_DEF`) is past every statement.
        if i >= self.at {
            return None;
        }
        match self.out.get(i)? {
            Stmt::WrTmp { dst, expr } if *dst == t => Some(expr),
            _ => None,
        }
    }
}

impl Defs for Forward<'_, '_> {
    fn def(&self, t: Temp) -> Option<&Expr> {
        self.def_expr(Atom::Tmp(t))
    }
    fn ty(&self, t: Temp) -> Option<Type> {
        self.tyenv.get(t)
    }
}

/// A guest-state value known from an earlier PUT or GET: the bytes
/// `[start, end)` hold `val` of type `ty` (`end` is kept so that the overlap
/// tests of every PUT need no size lookups).
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) struct Known {
    start: u32,
    end: u32,
    ty: Type,
    val: Atom,
}

/// Each type's size in bytes ([`Type::bytes`]), indexed by the type: one
/// load, where `Type::bytes` is a match that compiles to a jump table, and
/// every PUT and register read asks it (16 entries, so that the index needs
/// no bounds check).
const BYTES: [u32; 16] = {
    let mut t = [0; 16];
    let mut i = 0;
    while i < Type::ALL.len() {
        t[Type::ALL[i] as usize] = Type::ALL[i].bytes();
        i += 1;
    }
    t
};

/// [`Type::bytes`] of `ty`, from [`BYTES`].
#[inline(always)]
fn bytes(ty: Type) -> u32 {
    BYTES[ty as usize & 15]
}

impl Known {
    fn new(offset: Offset, ty: Type, val: Atom) -> Known {
        Known {
            start: offset.0,
            end: offset.0 + bytes(ty),
            ty,
            val,
        }
    }
}

impl<'h, 's> Forward<'h, 's> {
    pub(super) fn new(
        hooks: &'h dyn ArchHooks,
        cse: bool,
        tyenv: TypeEnv,
        scratch: &'s mut Scratch,
    ) -> Self {
        let n = tyenv.len();
        // Sized on the first substitution (see `Scratch::subst`).
        scratch.subst.clear();
        // Not cleared: `Forward::def_expr` checks what an entry names.
        if scratch.def_at.len() < n {
            scratch.def_at.resize(n, NO_DEF);
        }
        scratch.known.clear();
        scratch.exprs.reset(n);
        Forward {
            hooks,
            cse,
            tyenv,
            out: Vec::new(),
            at: 0,
            substituted: false,
            #[cfg(debug_assertions)]
            shadow: crate::fxhash::FxHashMap::default(),
            changed: false,
            settled: true,
            rest: scratch,
        }
    }

    fn sub(&self, a: Atom) -> Atom {
        match a {
            Atom::Tmp(t) => self
                .rest
                .subst
                .get(t.index())
                .copied()
                .flatten()
                .unwrap_or(a),
            c => c,
        }
    }

    fn set_subst(&mut self, t: Temp, a: Atom) {
        if self.rest.subst.is_empty() {
            self.rest.subst.resize(self.tyenv.len(), None);
        }
        if let Some(slot) = self.rest.subst.get_mut(t.index()) {
            *slot = Some(a);
            self.substituted = true;
        }
        self.changed = true;
    }

    fn forget(&mut self, off: Offset, size: u32) {
        let (lo, hi) = (off.0, off.0 + size);
        let overlaps = |k: &Known| k.start < hi && lo < k.end;
        // Most writes find nothing to forget: a scan of the bounds alone
        // settles that without copying entries.
        let Some(first) = self.rest.known.iter().position(overlaps) else {
            return;
        };
        let mut partial = false;
        // In place from there, keeping the order (a `retain` by hand: the
        // entries are plain values, and most are kept where they are).
        let mut w = first;
        for r in first..self.rest.known.len() {
            let k = self.rest.known[r];
            if k.start < hi && lo < k.end {
                // A value of which the write covers only some bytes is lost
                // whole. Were the write removed later (an overwritten PUT),
                // a read of the other bytes would find the value: not settled.
                partial |= k.start < lo || k.end > hi;
            } else {
                if w != r {
                    self.rest.known[w] = k;
                }
                w += 1;
            }
        }
        self.rest.known.truncate(w);
        if partial {
            self.settled = false;
        }
    }

    /// What a PUT of `new`'s value does to the known values:
    /// [`Forward::forget`] of its bytes, then `new` known. When the write
    /// overlaps just one known value, `new` takes that value's place in the
    /// list instead of being pushed at the end (no entries move). The order
    /// of the list matters only among entries of the same start (the latest
    /// wins in [`Forward::known_read`]), and those overlap one another;
    /// once its bytes are forgotten, no entry overlaps `new`, so where it
    /// stands decides nothing.
    fn put_known(&mut self, new: Known) {
        // The reference: `forget`, then `new` pushed (debug builds).
        #[cfg(debug_assertions)]
        let want = {
            let saved = (self.rest.known.clone(), self.settled);
            self.forget(Offset(new.start), new.end - new.start);
            self.rest.known.push(new);
            let want = (
                std::mem::replace(&mut self.rest.known, saved.0),
                self.settled,
            );
            self.settled = saved.1;
            want
        };
        self.put_known_fast(new);
        #[cfg(debug_assertions)]
        {
            // The same entries in the same order, but for where `new` is.
            let mut got = self.rest.known.clone();
            if let Some(i) = got.iter().position(|k| *k == new) {
                got.remove(i);
                got.push(new);
            }
            debug_assert_eq!(
                (got, self.settled),
                want,
                "put_known differs from forget + push"
            );
        }
    }

    fn put_known_fast(&mut self, new: Known) {
        let (lo, hi) = (new.start, new.end);
        let overlaps = |k: &Known| k.start < hi && lo < k.end;
        // Every PUT scans the whole list (for the first overlapping entry,
        // then for a second one): plain index loops, which compile to fewer
        // instructions per entry than `position` and `any`.
        let known = &self.rest.known[..];
        let mut first = 0;
        while first < known.len() && !overlaps(&known[first]) {
            first += 1;
        }
        if first == known.len() {
            self.rest.known.push(new);
            return;
        }
        let mut second = first + 1;
        while second < known.len() && !overlaps(&known[second]) {
            second += 1;
        }
        if second < known.len() {
            self.forget(Offset(lo), hi - lo);
            self.rest.known.push(new);
            return;
        }
        let k = std::mem::replace(&mut self.rest.known[first], new);
        // As in `forget`: a value the write covers only partly is lost.
        if k.start < lo || k.end > hi {
            self.settled = false;
        }
    }

    fn new_temp(&mut self, ty: Type) -> Temp {
        let t = self.tyenv.new_temp(ty);
        if !self.rest.subst.is_empty() {
            self.rest.subst.push(None);
        }
        if self.rest.def_at.len() <= t.index() {
            self.rest.def_at.push(NO_DEF);
        }
        t
    }

    /// Emits `dst = expr` before the current statement; `hash` as for
    /// [`Forward::note_def`].
    fn emit_def(&mut self, dst: Temp, expr: Expr, hash: Option<u64>) {
        let at = self.at;
        self.out.insert(at, Stmt::WrTmp { dst, expr });
        self.at += 1;
        self.note_def(dst, at, hash);
    }

    /// Records the definition `out[at]`, which is `WrTmp { dst, .. }` and
    /// stays: where `dst` is defined, and its expression in the CSE table. `hash` is the
    /// expression's CSE hash if [`Forward::reduce`] computed it, else it is
    /// computed here when needed.
    fn note_def(&mut self, dst: Temp, at: usize, hash: Option<u64>) {
        self.set_def(dst, at);
        if let Some(Stmt::WrTmp { expr, .. }) = self.out.get(at) {
            if self.cse && is_cse_candidate(expr) {
                let h = hash.unwrap_or_else(|| cse_hash(expr));
                debug_assert_eq!(h, cse_hash(expr), "stale CSE hash");
                self.rest.exprs.insert(&self.out, h, expr, dst, at);
                #[cfg(debug_assertions)]
                self.shadow.insert(expr.clone(), dst);
            }
        }
    }

    /// Takes back the definitions emitted at `out[from..at]` (a helper
    /// specialization that failed its type check), leaving the pass as it
    /// was before them: out of the output, `def_at` and the CSE table.
    /// (Kept in the table, as before, a later equal expression would be
    /// replaced by a temporary that nothing defines.)
    fn take_back(&mut self, from: usize) {
        for s in &self.out[from..self.at] {
            if let Stmt::WrTmp { dst, expr } = s {
                if let Some(slot) = self.rest.def_at.get_mut(dst.index()) {
                    *slot = NO_DEF;
                }
                #[cfg(debug_assertions)]
                if self.shadow.get(expr) == Some(dst) {
                    self.shadow.remove(expr);
                }
                let _ = expr;
            }
        }
        self.rest.exprs.forget_from(from);
        self.out.drain(from..self.at);
        self.at = from;
    }

    /// Reduces `expr` (atoms already substituted) in place as far as the
    /// rules go, then looks it up among the common subexpressions. Returns
    /// the atom it equals, if it equals one; otherwise `expr` is what to
    /// emit, and the error is its CSE hash if it is a candidate (for
    /// [`Forward::note_def`], so that it is hashed once).
    fn reduce(&mut self, expr: &mut Expr) -> Result<Atom, Option<u64>> {
        if let Some(a) = self.rewrite(expr) {
            return Ok(a);
        }
        self.lookup(expr)
    }

    /// The CSE part of [`Forward::reduce`], for an expression the rules
    /// leave as it is.
    fn lookup(&self, expr: &Expr) -> Result<Atom, Option<u64>> {
        // Only candidates are ever entered, so only they are looked up
        // (register reads and loads, most expressions, would hash for a
        // certain miss).
        if self.cse && is_cse_candidate(expr) {
            let h = cse_hash(expr);
            let found = self.rest.exprs.get(&self.out, h, expr);
            #[cfg(debug_assertions)]
            debug_assert_eq!(
                found,
                self.shadow.get(expr).copied(),
                "CSE table and map differ on {expr:?}"
            );
            return found.map(Atom::Tmp).ok_or(Some(h));
        }
        Err(None)
    }

    /// What the known guest-state values say of a read of `ty` at `offset`:
    /// the value read whole (`Ok`), else the latest wider integer value
    /// with the operation that takes its low bits (`Err`), else nothing.
    /// One scan, latest first: the whole value wins wherever it is.
    #[inline]
    fn known_read(&self, offset: Offset, ty: Type) -> Option<Result<Atom, (Op, Atom)>> {
        let mut wider = None;
        for k in self.rest.known.iter().rev() {
            if k.start != offset.0 {
                continue;
            }
            if k.ty == ty {
                return Some(Ok(k.val));
            }
            // A narrower integer read of a register whose wider value is
            // known (x86-64's 32-bit operations write the whole register and
            // read back its low half): the guest state is little-endian, so
            // the read is the low bits of the known value.
            if wider.is_none() && k.ty.is_int() && ty.is_int() && bytes(k.ty) > bytes(ty) {
                wider = narrow_op(k.ty, ty).map(|op| (op, k.val));
            }
        }
        wider.map(Err)
    }

    /// The rewriting part of [`Forward::reduce`]: the atom `expr` equals, if
    /// the rules find one; otherwise `expr` is left as far reduced as they go.
    fn rewrite(&mut self, expr: &mut Expr) -> Option<Atom> {
        let mut fixpoint = false;
        for _ in 0..8 {
            let simple = match &*expr {
                Expr::Const(c) => return Some(Atom::Const(*c)),
                Expr::RdTmp(t) => return Some(Atom::Tmp(*t)),
                Expr::Get { offset, ty } => match self.known_read(*offset, *ty) {
                    Some(Ok(a)) => return Some(a),
                    Some(Err((op, a))) => Some(Simple::Expr(Expr::Unop { op, a })),
                    None => return None,
                },
                Expr::Unop { .. } | Expr::Binop { .. } | Expr::Triop { .. } | Expr::Qop { .. } => {
                    let (op, args) = expr.as_op()?;
                    if let Some(c) = fold(op, &args) {
                        return Some(Atom::Const(c));
                    }
                    simplify_op(op, &args, self)
                }
                Expr::Ite { cond, then, els } => simplify_ite(*cond, *then, *els, self),
                Expr::CCall { callee, ty, args } => {
                    let spec = self.hooks.specialize(callee.name(), *ty, args, self);
                    if let Some(spec) = spec {
                        let mark = self.at;
                        match self.emit_spec(spec, *ty) {
                            Some(a) => return Some(a),
                            None => {
                                // The temporaries of the taken-back
                                // definitions stay in the type environment
                                // (the renumbering drops them). Not counted
                                // as a fixpoint, to be safe.
                                self.settled = false;
                                self.take_back(mark);
                            }
                        }
                    }
                    None
                }
                // Named rather than `_`: no range check of the kind.
                Expr::GetI { .. } | Expr::Load { .. } => None,
            };
            match simple {
                Some(Simple::Atom(a)) => return Some(a),
                Some(Simple::Expr(e)) => {
                    self.changed = true;
                    *expr = e;
                }
                None => {
                    fixpoint = true;
                    break;
                }
            }
        }
        if !fixpoint {
            // The rewrite limit stopped it: another pass may go on.
            self.settled = false;
        }
        None
    }

    /// Which part of [`Forward::reduce`] can change `expr`, when that is
    /// sure without entering it (it is a large function, and most
    /// statements need little of it):
    ///
    /// - [`Quick::Keep`]: nothing. Loads and indexed register reads (no rule
    ///   rewrites them and they are not CSE candidates), and register reads
    ///   of which neither the whole value nor a wider one is known.
    /// - [`Quick::Known`]: a register read whose whole value is known
    ///   (which `reduce` returns before anything else).
    /// - [`Quick::Lookup`]: only the CSE lookup. One-operand operations of
    ///   a temporary not defined by another such operation (nor, for
    ///   `Not1`, by a two-operand one), see `simplify_unop`. Two-operand operations of
    ///   two different temporaries (folding needs constants, and every
    ///   algebraic rule for two operands needs a constant operand or the
    ///   same temporary twice), and the operations of a temporary and a
    ///   constant that [`tmp_const_stays`] lists.
    ///
    /// Debug builds check that the rules indeed leave such an expression,
    /// and the pass's state, as they are (`check_quick`), and that
    /// [`Forward::wrtmp`], which decides the same in its own match, agrees.
    #[cfg(debug_assertions)]
    fn quick(&self, expr: &Expr) -> Quick {
        match *expr {
            Expr::Load { .. } | Expr::GetI { .. } => Quick::Keep,
            Expr::Get { offset, ty } => match self.known_read(offset, ty) {
                Some(Ok(a)) => Quick::Known(a),
                // The narrowing is rewritten further by `reduce`.
                Some(Err(_)) => Quick::Reduce,
                None => Quick::Keep,
            },
            Expr::Binop { op, a, b } if self.binop_stays(op, a, b) => Quick::Lookup,
            Expr::Unop {
                op,
                a: a @ Atom::Tmp(_),
            } => match self.def_expr(a) {
                // Every rule for one operand looks through a definition
                // that is itself an operation on one operand (widening,
                // narrowing, `Not1`), or for `Not1` a compare of two.
                Some(Expr::Unop { .. }) => Quick::Reduce,
                Some(Expr::Binop { .. }) if op == Op::Not1 => Quick::Reduce,
                _ => Quick::Lookup,
            },
            _ => Quick::Reduce,
        }
    }

    /// Checks that the rules indeed leave `expr` as [`Forward::quick`]
    /// said, and the pass's state with it (debug builds).
    #[cfg(debug_assertions)]
    fn check_quick(&mut self, expr: &Expr, quick: Quick) {
        if quick == Quick::Reduce {
            return;
        }
        let (changed, settled) = (self.changed, self.settled);
        let mut e = expr.clone();
        let want = match quick {
            Quick::Known(a) => Some(a),
            _ => None,
        };
        assert!(
            self.rewrite(&mut e) == want && e == *expr,
            "{expr:?} was not rewritten to {want:?}"
        );
        assert_eq!((changed, settled), (self.changed, self.settled));
        if quick == Quick::Keep {
            assert_eq!(self.lookup(expr), Err(None));
        }
    }

    /// True if the rules leave `op(a, b)` as it is, for the forms
    /// [`Forward::quick`] recognizes: two different temporaries, a temporary
    /// and a constant that [`tmp_const_stays`] lists, or an equality
    /// compare of a temporary and a constant that
    /// [`Forward::eq_compare_stays`] lets through.
    #[inline(always)]
    fn binop_stays(&self, op: Op, a: Atom, b: Atom) -> bool {
        match (a, b) {
            (Atom::Tmp(x), Atom::Tmp(y)) => x != y,
            (Atom::Tmp(_), Atom::Const(c)) => {
                tmp_const_stays(op, c) || self.eq_compare_stays(op, a, c)
            }
            _ => false,
        }
    }

    /// True if `op(t, c)` is an equality compare (`CmpEQ`, `CmpNE` and
    /// their `Cas`/`Exp` twins) that no rule rewrites. Folding needs two
    /// constants, and the only rule for an equality compare of a temporary
    /// and a constant is `simplify_bool_compare`, which needs `t` defined
    /// as a zero-widened bit (`1Uto*`) and `c` 0 or 1. The flags of x86
    /// and MIPS's compares with zero make these common.
    fn eq_compare_stays(&self, op: Op, t: Atom, c: Const) -> bool {
        use Op::*;
        matches!(
            op,
            CmpEQ8
                | CmpEQ16
                | CmpEQ32
                | CmpEQ64
                | CmpNE8
                | CmpNE16
                | CmpNE32
                | CmpNE64
                | CasCmpEQ8
                | CasCmpEQ16
                | CasCmpEQ32
                | CasCmpEQ64
                | CasCmpNE8
                | CasCmpNE16
                | CasCmpNE32
                | CasCmpNE64
                | ExpCmpNE8
                | ExpCmpNE16
                | ExpCmpNE32
                | ExpCmpNE64
        ) && (c.value() > 1
            || !matches!(
                self.def_expr(t),
                Some(Expr::Unop {
                    op: I1Uto8 | I1Uto16 | I1Uto32 | I1Uto64,
                    ..
                })
            ))
    }

    /// Emits `expr` into a fresh temporary (after reduction); returns its value.
    fn emit_new(&mut self, mut expr: Expr) -> Option<Atom> {
        match self.reduce(&mut expr) {
            Ok(a) => Some(a),
            Err(hash) => {
                let ty = self.tyenv.expr_type(&expr)?;
                let t = self.new_temp(ty);
                self.emit_def(t, expr, hash);
                Some(Atom::Tmp(t))
            }
        }
    }

    /// Flattens a specialization into new statements, checking types, so a
    /// wrong hook cannot make the block ill-typed: on a mismatch it gives up.
    fn emit_spec(&mut self, s: SpecExpr, want: Type) -> Option<Atom> {
        let a = self.emit_spec_inner(s)?;
        (self.tyenv.atom_type(a)? == want).then_some(a)
    }

    fn emit_spec_inner(&mut self, s: SpecExpr) -> Option<Atom> {
        match s {
            SpecExpr::Atom(a) => {
                let a = self.sub(a);
                self.tyenv.atom_type(a).map(|_| a)
            }
            SpecExpr::Op(op, args) => {
                let sig = op.signature();
                if sig.args.len() != args.len() {
                    return None;
                }
                let mut atoms = Vec::with_capacity(args.len());
                for (arg, &want) in args.into_iter().zip(sig.args) {
                    let a = self.emit_spec_inner(arg)?;
                    if self.tyenv.atom_type(a)? != want {
                        return None;
                    }
                    atoms.push(a);
                }
                self.emit_new(Expr::op(op, &atoms)?)
            }
            SpecExpr::Ite(c, t, e) => {
                let c = self.emit_spec_inner(*c)?;
                let t = self.emit_spec_inner(*t)?;
                let e = self.emit_spec_inner(*e)?;
                if self.tyenv.atom_type(c)? != Type::I1
                    || self.tyenv.atom_type(t)? != self.tyenv.atom_type(e)?
                {
                    return None;
                }
                self.emit_new(Expr::Ite {
                    cond: c,
                    then: t,
                    els: e,
                })
            }
        }
    }

    /// Runs the pass over `irsb`, replacing its statements. Returns whether
    /// anything changed and whether the result is settled.
    ///
    /// Settled means that every statement the pass emitted was reduced until
    /// no rule applied, with the CSE map and the known guest state exactly
    /// as a second pass would see them; such a second pass over the result
    /// (after the backward pass, which only removes statements that no
    /// later rule could use: dead temporaries, overwritten PUTs) then
    /// changes nothing. Every statement it meets reduces as before: the
    /// definitions it looks through are the same, a GET that missed the
    /// known state still misses it (a removed PUT was overwritten before any
    /// read of its bytes; a PUT that wrote only part of a known value, so
    /// that a read of the value's other bytes could hit it once the PUT is
    /// gone, makes the pass unsettled), and an expression that missed the
    /// CSE map still misses it (the map only lost removed definitions). The
    /// optimizer uses this to skip rounds that would only confirm the
    /// fixpoint.
    pub(super) fn run(mut self, irsb: &mut Irsb) -> (bool, bool) {
        self.out = std::mem::take(&mut irsb.stmts);
        let before = self.out.len();
        let mut ended = None;
        while let Some(s) = self.out.get_mut(self.at) {
            match s {
                // A quarter of all statements; nothing to do.
                Stmt::IMark { .. } => {}
                // Dropped by the backward pass.
                Stmt::NoOp => self.changed = true,
                // Each kind substitutes its own operands (one test of the
                // kind per statement).
                Stmt::WrTmp { dst, expr } => {
                    if self.substituted {
                        substitute_expr(&self.rest.subst, expr);
                    }
                    let dst = *dst;
                    // `Forward::quick` and the action on its answer, by the
                    // expression's kind asked once. Each action answers
                    // what `quick` does (debug builds compare).
                    // Every kind named (no `_`), so that the dispatch
                    // needs no range check of the kind.
                    match *expr {
                        Expr::Binop { op, a, b } => {
                            self.wrtmp(move |f, at| f.wrtmp_binop(dst, at, op, a, b))
                        }
                        Expr::Get { offset, ty } => {
                            self.wrtmp(move |f, at| f.wrtmp_get(dst, at, offset, ty))
                        }
                        Expr::Load { .. } | Expr::GetI { .. } => self.wrtmp(move |f, at| {
                            f.set_def(dst, at);
                            Quick::Keep
                        }),
                        Expr::Unop {
                            op,
                            a: a @ Atom::Tmp(_),
                        } => self.wrtmp(move |f, at| f.wrtmp_unop(dst, at, op, a)),
                        Expr::Unop { .. }
                        | Expr::Const(_)
                        | Expr::RdTmp(_)
                        | Expr::Triop { .. }
                        | Expr::Qop { .. }
                        | Expr::Ite { .. }
                        | Expr::CCall { .. } => self.wrtmp(move |f, _| {
                            f.wrtmp_reduce(dst);
                            Quick::Reduce
                        }),
                    }
                }
                Stmt::Put { offset, data } => {
                    if self.substituted {
                        sub_atom(&self.rest.subst, data);
                    }
                    let (offset, data) = (*offset, *data);
                    // An operand of unknown type (an ill-typed block) is
                    // known as an `I64`.
                    let ty = self.tyenv.atom_type(data).unwrap_or(Type::I64);
                    self.put_known(Known::new(offset, ty, data));
                }
                // Kept as they are (`Forward::other` would put them back):
                // no need to move them out and in.
                Stmt::Store { addr, data, .. } => {
                    if self.substituted {
                        sub_atom(&self.rest.subst, addr);
                        sub_atom(&self.rest.subst, data);
                    }
                }
                Stmt::Exit { guard, .. } => {
                    if self.substituted {
                        sub_atom(&self.rest.subst, guard);
                    }
                    // An exit that is not decided stays as it is (what
                    // `Forward::other` does with it).
                    if let Atom::Const(_) = guard {
                        let s = std::mem::replace(s, Stmt::NoOp);
                        if let Some(end) = self.other(s) {
                            ended = Some(end);
                            break;
                        }
                    }
                }
                // The rarer kinds, listed rather than matched by `_`: with
                // every kind named, the dispatch needs no range check of the
                // kind.
                rare_stmts!() => {
                    if self.substituted {
                        substitute(&self.rest.subst, s);
                    }
                    let s = std::mem::replace(s, Stmt::NoOp);
                    if let Some(end) = self.other(s) {
                        ended = Some(end);
                        break;
                    }
                }
            }
            self.at += 1;
        }
        if let Some((dst, jk)) = ended {
            // The exit (now a `NoOp`) and everything after it go.
            self.out.truncate(self.at);
            irsb.next = Atom::Const(dst);
            irsb.jumpkind = jk;
        } else {
            irsb.next = self.sub(irsb.next);
        }
        let changed = self.changed || self.out.len() != before;
        // The block's vectors were taken at the start (`optimize_with`
        // took the environment), leaving empty ones that own no memory:
        // they are forgotten as the pass's vectors take their place (an
        // assignment ran the drop glue of both for nothing).
        debug_assert!(irsb.stmts.capacity() == 0 && irsb.tyenv.is_empty());
        std::mem::forget(std::mem::replace(&mut irsb.stmts, self.out));
        std::mem::forget(std::mem::replace(&mut irsb.tyenv, self.tyenv));
        (changed, self.settled)
    }

    /// The current statement, `WrTmp { dst, expr }` (operands substituted):
    /// `act` reduces `expr` in place, then keeps it, or removes it (a
    /// `NoOp`) if it equals an atom, which then stands for `dst`. The
    /// statement loop picks `act` by the expression's kind, with the parts
    /// it needs taken out (so that nothing looks the statement up again and
    /// asks its kind again).
    ///
    /// The kinds [`Forward::quick`] settles are finished without the
    /// general path (`reduce`, then `note_def`, which looks the statement
    /// up again and asks its kind again): a kept register read or load only
    /// records its definition (and a register read its value);
    /// a CSE candidate that the rules leave as it is is looked up and, on a
    /// miss, entered at the slot the lookup ended on. `act` answers what
    /// it did as `quick` would; debug builds compare.
    #[inline(always)]
    fn wrtmp(&mut self, act: impl FnOnce(&mut Self, usize) -> Quick) {
        let at = self.at;
        #[cfg(debug_assertions)]
        let want = match self.out.get(at) {
            Some(Stmt::WrTmp { expr, .. }) => {
                let e = expr.clone();
                let q = self.quick(&e);
                self.check_quick(&e, q);
                q
            }
            _ => return,
        };
        let took = act(self, at);
        #[cfg(debug_assertions)]
        debug_assert_eq!(took, want, "wrtmp and quick differ");
        let _ = took;
    }

    /// [`Forward::wrtmp`] of a register read `GET:ty(offset)`.
    #[inline(always)]
    fn wrtmp_get(&mut self, dst: Temp, at: usize, offset: Offset, ty: Type) -> Quick {
        match self.known_read(offset, ty) {
            Some(Ok(a)) => {
                self.replace_plain_by(dst, a);
                Quick::Known(a)
            }
            Some(Err(_)) => {
                self.wrtmp_reduce(dst);
                Quick::Reduce
            }
            None => {
                // Not a CSE candidate: what `note_def` would do.
                self.rest.known.push(Known::new(offset, ty, Atom::Tmp(dst)));
                self.set_def(dst, at);
                Quick::Keep
            }
        }
    }

    /// [`Forward::wrtmp`] of `op(a, b)`.
    #[inline(always)]
    fn wrtmp_binop(&mut self, dst: Temp, at: usize, op: Op, a: Atom, b: Atom) -> Quick {
        if self.binop_stays(op, a, b) {
            self.cse_or_def(dst, at, || binop_hash(op, a, b));
            Quick::Lookup
        } else {
            self.wrtmp_reduce(dst);
            Quick::Reduce
        }
    }

    /// [`Forward::wrtmp`] of `op(a)` of a temporary `a`.
    #[inline(always)]
    fn wrtmp_unop(&mut self, dst: Temp, at: usize, op: Op, a: Atom) -> Quick {
        match self.def_expr(a) {
            Some(Expr::Unop { .. }) => {
                self.wrtmp_reduce(dst);
                Quick::Reduce
            }
            Some(Expr::Binop { .. }) if op == Op::Not1 => {
                self.wrtmp_reduce(dst);
                Quick::Reduce
            }
            _ => {
                self.cse_or_def(dst, at, || unop_hash(op, a));
                Quick::Lookup
            }
        }
    }

    /// [`Forward::wrtmp`] for an operation at `out[at]` that the rules
    /// leave as it is: the CSE lookup, and on a miss, the definition,
    /// entered at the slot where the lookup ended.
    /// `hash` gives the expression's [`cse_hash`], from the parts the
    /// caller has already taken out of it.
    #[inline(always)]
    fn cse_or_def(&mut self, dst: Temp, at: usize, hash: impl FnOnce() -> u64) {
        if !self.cse {
            self.set_def(dst, at);
            return;
        }
        // The table is given the statement's place, not its expression: it
        // looks at the expression only on a tag match.
        let h = hash();
        #[cfg(debug_assertions)]
        let expr = match self.out.get(at) {
            Some(Stmt::WrTmp { expr, .. }) => expr.clone(),
            _ => unreachable!("cse_or_def of a statement that is not a WrTmp"),
        };
        #[cfg(debug_assertions)]
        debug_assert_eq!(h, cse_hash(&expr));
        let found = self.rest.exprs.find(&self.out, h, at);
        #[cfg(debug_assertions)]
        debug_assert_eq!(
            found.ok(),
            self.shadow.get(&expr).copied(),
            "CSE table and map differ on {expr:?}"
        );
        match found {
            Ok(t) => self.replace_plain_by(dst, Atom::Tmp(t)),
            Err(slot) => {
                #[cfg(debug_assertions)]
                self.shadow.insert(expr, dst);
                self.rest.exprs.insert_vacant(&self.out, slot, h, dst, at);
                self.set_def(dst, at);
            }
        }
    }

    /// Records that `out[at]` defines `dst` (for the rules that look
    /// through definitions).
    #[inline]
    fn set_def(&mut self, dst: Temp, at: usize) {
        if let Some(slot) = self.rest.def_at.get_mut(dst.index()) {
            *slot = at;
        }
    }

    /// Removes the current statement, which defined `dst` as `a`. Every
    /// statement removed so owns no memory (its expression is a register
    /// read, an operation on one or two operands, or the placeholder
    /// [`Forward::wrtmp_reduce`] leaves), so it is not dropped (an
    /// assignment called the statement's drop glue, which only found that
    /// out).
    fn replace_plain_by(&mut self, dst: Temp, a: Atom) {
        self.set_subst(dst, a);
        if let Some(s) = self.out.get_mut(self.at) {
            debug_assert!(matches!(s, Stmt::WrTmp { .. }) && !s.owns_heap());
            std::mem::forget(std::mem::replace(s, Stmt::NoOp));
        }
    }

    /// [`Forward::wrtmp`] for an expression the rules may rewrite.
    fn wrtmp_reduce(&mut self, dst: Temp) {
        // Out of the block while the rules look at the definitions before
        // it (the placeholder is never looked at: nothing defines `dst`
        // before its own statement).
        let mut e = match self.out.get_mut(self.at) {
            Some(Stmt::WrTmp { expr, .. }) => std::mem::replace(expr, Expr::RdTmp(dst)),
            _ => return,
        };
        let is_get = matches!(e, Expr::Get { .. });
        let r = self.reduce(&mut e);
        match r {
            Ok(a) => {
                // The statement goes with the placeholder in it, which owns
                // nothing (putting `e` back first made its removal call the
                // statement's drop glue).
                drop(e);
                self.replace_plain_by(dst, a);
            }
            Err(hash) => {
                // A specialization may have inserted statements before it.
                if let Some(Stmt::WrTmp { expr, .. }) = self.out.get_mut(self.at) {
                    *expr = e;
                }
                if let (
                    true,
                    Some(Stmt::WrTmp {
                        expr: Expr::Get { offset, ty },
                        ..
                    }),
                ) = (is_get, self.out.get(self.at))
                {
                    self.rest
                        .known
                        .push(Known::new(*offset, *ty, Atom::Tmp(dst)));
                }
                self.note_def(dst, self.at, hash);
            }
        }
    }

    /// The current statement `s` of a rarer kind, taken out of `out[at]`
    /// (a `NoOp` there now): puts back what stays of it, or returns the
    /// block's new end if it is an exit that is always taken.
    fn other(&mut self, s: Stmt) -> Option<(Const, crate::JumpKind)> {
        let keep = match s {
            Stmt::PutI { descr, .. } => {
                self.forget(descr.base, descr.size());
                Some(s)
            }
            Stmt::Dirty(ref d) => {
                for fx in &d.state {
                    if fx.fx != crate::Effect::Read {
                        self.forget(fx.offset, fx.size);
                    }
                }
                if d.guard == Atom::bool(false) && d.tmp.is_none() {
                    self.changed = true;
                    None
                } else {
                    Some(s)
                }
            }
            Stmt::Exit { guard, dst, jk, .. } => match guard.as_const() {
                Some(c) if c.bits() == 0 => {
                    self.changed = true;
                    None
                }
                Some(_) => {
                    // An exit that is always taken ends the block.
                    self.changed = true;
                    return Some((dst, jk));
                }
                None => Some(s),
            },
            Stmt::StoreG {
                end,
                addr,
                data,
                guard,
            } => match guard.as_const() {
                Some(c) if c.bits() == 0 => {
                    self.changed = true;
                    None
                }
                Some(_) => {
                    self.changed = true;
                    Some(Stmt::Store { end, addr, data })
                }
                None => Some(s),
            },
            Stmt::LoadG {
                end,
                cvt,
                dst,
                addr,
                alt,
                guard,
            } => match guard.as_const() {
                Some(c) if c.bits() == 0 => {
                    self.set_subst(dst, alt);
                    None
                }
                Some(_) => {
                    self.changed = true;
                    // Emitted without reduction.
                    self.settled = false;
                    let loaded = Expr::Load {
                        end,
                        ty: cvt.mem_type(),
                        addr,
                    };
                    let widen = match cvt {
                        LoadGCvt::IdentV128 | LoadGCvt::Ident64 | LoadGCvt::Ident32 => None,
                        LoadGCvt::U16to32 => Some(Op::I16Uto32),
                        LoadGCvt::S16to32 => Some(Op::I16Sto32),
                        LoadGCvt::U8to32 => Some(Op::I8Uto32),
                        LoadGCvt::S8to32 => Some(Op::I8Sto32),
                    };
                    // Inserted before the `NoOp` left in its place.
                    match widen {
                        None => self.emit_def(dst, loaded, None),
                        Some(op) => {
                            let t = self.new_temp(cvt.mem_type());
                            self.emit_def(t, loaded, None);
                            self.emit_def(
                                dst,
                                Expr::Unop {
                                    op,
                                    a: Atom::Tmp(t),
                                },
                                None,
                            );
                        }
                    }
                    None
                }
                None => Some(s),
            },
            other => Some(other),
        };
        if let (Some(s), Some(slot)) = (keep, self.out.get_mut(self.at)) {
            *slot = s;
        }
        None
    }
}

/// Replaces `a` by the atom `subst` says stands for it, if any.
#[inline(always)]
fn sub_atom(subst: &[Option<Atom>], a: &mut Atom) {
    if let Atom::Tmp(t) = *a {
        if let Some(Some(v)) = subst.get(t.index()) {
            *a = *v;
        }
    }
}

/// Substitutes every operand of `s` through `subst`: what
/// `s.for_each_atom_mut` with [`sub_atom`] does, with the common kinds
/// written out so that they need no call (debug builds compare the two).
fn substitute(subst: &[Option<Atom>], s: &mut Stmt) {
    #[cfg(debug_assertions)]
    let want = {
        let mut w = s.clone();
        w.for_each_atom_mut(|a| sub_atom(subst, a));
        w
    };
    match s {
        Stmt::WrTmp { expr, .. } => substitute_expr(subst, expr),
        Stmt::Put { data, .. } | Stmt::Exit { guard: data, .. } => sub_atom(subst, data),
        Stmt::Store { addr, data, .. } => {
            sub_atom(subst, addr);
            sub_atom(subst, data);
        }
        // Named rather than `_` (here and below): with every kind named,
        // the dispatch needs no range check of the kind.
        Stmt::NoOp | Stmt::IMark { .. } | rare_stmts!() => {
            s.for_each_atom_mut(|a| sub_atom(subst, a))
        }
    }
    #[cfg(debug_assertions)]
    debug_assert_eq!(*s, want, "substitution differs");
}

/// Substitutes every operand of `expr` through `subst` (see [`substitute`]).
#[inline(always)]
fn substitute_expr(subst: &[Option<Atom>], expr: &mut Expr) {
    #[cfg(debug_assertions)]
    let want = {
        let mut w = expr.clone();
        w.for_each_atom_mut(|a| sub_atom(subst, a));
        w
    };
    match expr {
        Expr::Get { .. } => {}
        Expr::Unop { a, .. } | Expr::Load { addr: a, .. } => sub_atom(subst, a),
        Expr::Binop { a, b, .. } => {
            sub_atom(subst, a);
            sub_atom(subst, b);
        }
        rare_exprs!() => expr.for_each_atom_mut(|a| sub_atom(subst, a)),
    }
    #[cfg(debug_assertions)]
    debug_assert_eq!(*expr, want, "substitution differs");
}

/// True if neither folding (it needs constants only) nor any rule of
/// `simplify_op` applies to `op(t, c)` of a temporary `t` and the constant
/// `c`, for the common operations the rules treat without looking at `t`'s
/// definition: addition, subtraction, shifts, or and xor (of more than one
/// bit) are rewritten only for a zero `c`; and and multiplication only for
/// a zero, a one, or (and) all ones; the ordering compares only for the
/// same operand twice. Everything else (equality compares, which look
/// through the definition, `Or1` and the rest) answers false.
fn tmp_const_stays(op: Op, c: Const) -> bool {
    use Op::*;
    let v = c.value();
    match op {
        Add8 | Add16 | Add32 | Add64 | Sub8 | Sub16 | Sub32 | Sub64 | Shl8 | Shl16 | Shl32
        | Shl64 | Shr8 | Shr16 | Shr32 | Shr64 | Sar8 | Sar16 | Sar32 | Sar64 | Or8 | Or16
        | Or32 | Or64 | Xor8 | Xor16 | Xor32 | Xor64 => v != 0,
        Mul8 | Mul16 | Mul32 | Mul64 => v != 0 && v != 1,
        And8 | And16 | And32 | And64 => v != 0 && v != 1 && !c.is_ones(),
        CmpLT8S | CmpLT16S | CmpLT32S | CmpLT64S | CmpLT8U | CmpLT16U | CmpLT32U | CmpLT64U
        | CmpLE8S | CmpLE16S | CmpLE32S | CmpLE64S | CmpLE8U | CmpLE16U | CmpLE32U | CmpLE64U => {
            true
        }
        _ => false,
    }
}

/// See [`Forward::quick`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Quick {
    Keep,
    Known(Atom),
    Lookup,
    Reduce,
}

fn is_cse_candidate(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Unop { .. }
            | Expr::Binop { .. }
            | Expr::Triop { .. }
            | Expr::Qop { .. }
            | Expr::Ite { .. }
            | Expr::CCall { .. }
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used)]
    use super::super::{ArchHooks, Defs, SpecExpr, optimize};
    use crate::{Atom, Op, Type, parse_irsb, verify};

    /// `text` parsed, optimized at level 2 with no hooks and verified,
    /// printed back.
    fn optimized(text: &str) -> String {
        let mut b = parse_irsb(text).unwrap();
        optimize(&mut b, 2, &super::super::NoHooks);
        verify(&b).unwrap_or_else(|e| panic!("optimized block does not verify: {e}\n{b}"));
        b.to_string()
    }

    /// A hook whose specialization emits a definition (`Add64(x,4)`) before
    /// its result turns out ill-typed (an `I1` where an `I64` is wanted).
    struct HalfBad;
    impl ArchHooks for HalfBad {
        fn specialize(&self, _: &str, _: Type, args: &[Atom], _: &dyn Defs) -> Option<SpecExpr> {
            let sum = SpecExpr::binop(
                Op::Add64,
                SpecExpr::atom(args[0]),
                SpecExpr::atom(Atom::u64(4)),
            );
            Some(SpecExpr::binop(Op::CmpLT64U, sum, SpecExpr::atom(args[0])))
        }
    }

    /// The temporary a `PUT(offset=N) = tX` line of `out` writes.
    fn put_of(out: &str, offset: u32) -> String {
        let key = format!("PUT(offset={offset}) = ");
        let line = out.lines().find(|l| l.contains(&key)).unwrap();
        line[line.find(&key).unwrap() + key.len()..]
            .trim()
            .to_string()
    }

    /// The forward pass's table of type sizes is `Type::bytes`.
    #[test]
    fn byte_table_is_type_bytes() {
        for ty in Type::ALL {
            assert_eq!(super::bytes(ty), ty.bytes(), "{ty:?}");
        }
    }

    /// A PUT over exactly one known value takes that value's place in the
    /// known list: later reads of its bytes see the new value, reads of
    /// other registers still see theirs.
    #[test]
    fn put_over_a_known_value_is_read_back() {
        let text = "IRSB {\n   t0:Ity_I64 t1:Ity_I64 t2:Ity_I64 t3:Ity_I64\n   00 | t0 = GET:I64(offset=16)\n   01 | PUT(offset=24) = t0\n   02 | t1 = Add64(t0,0x0000000000000001)\n   03 | PUT(offset=16) = t1\n   04 | t2 = GET:I64(offset=16)\n   05 | t3 = GET:I64(offset=24)\n   06 | PUT(offset=32) = t2\n   07 | PUT(offset=40) = t3\n   NEXT: PUT(offset=184) = 0x0000000000001000; Ijk_Boring\n}";
        let out = optimized(text);
        assert_eq!(out.matches("GET:I64").count(), 1, "{out}");
        assert_eq!(put_of(&out, 32), put_of(&out, 16), "{out}");
        assert_eq!(put_of(&out, 40), put_of(&out, 24), "{out}");
        assert_ne!(put_of(&out, 32), put_of(&out, 40), "{out}");
    }

    /// A PUT over part of a known value forgets the value: a read of the
    /// whole register after it stays a read.
    #[test]
    fn put_over_part_of_a_known_value_forgets_it() {
        let text = "IRSB {\n   t0:Ity_I64 t1:Ity_I32 t2:Ity_I64\n   00 | t0 = GET:I64(offset=16)\n   01 | PUT(offset=48) = t0\n   02 | t1 = GET:I32(offset=64)\n   03 | PUT(offset=16) = t1\n   04 | t2 = GET:I64(offset=16)\n   05 | PUT(offset=32) = t2\n   NEXT: PUT(offset=184) = 0x0000000000001000; Ijk_Boring\n}";
        let out = optimized(text);
        assert_eq!(out.matches("GET:I64(offset=16)").count(), 2, "{out}");
        assert_ne!(put_of(&out, 32), put_of(&out, 48), "{out}");
    }

    /// An equality compare of a widened bit with 0 or 1 is still rewritten
    /// (to the bit), one with another constant or of another temporary is
    /// kept (`eq_compare_stays`).
    #[test]
    fn equality_compares_with_constants() {
        let text = "IRSB {\n   t0:Ity_I64 t1:Ity_I1 t2:Ity_I64 t3:Ity_I1 t4:Ity_I1 t5:Ity_I64 t6:Ity_I1 t7:Ity_I64 t8:Ity_I64\n   00 | t0 = GET:I64(offset=16)\n   01 | t1 = CmpLT64U(t0,0x0000000000000005)\n   02 | t2 = 1Uto64(t1)\n   03 | t3 = CmpNE64(t2,0x0000000000000000)\n   04 | t4 = CmpEQ64(t0,0x0000000000000000)\n   05 | t5 = 1Uto64(t3)\n   06 | t6 = CmpNE64(t2,0x0000000000000002)\n   07 | t7 = 1Uto64(t6)\n   08 | t8 = 1Uto64(t4)\n   09 | PUT(offset=24) = t5\n   10 | PUT(offset=32) = t7\n   11 | PUT(offset=40) = t8\n   NEXT: PUT(offset=184) = 0x0000000000001000; Ijk_Boring\n}";
        let out = optimized(text);
        assert_eq!(out.matches("CmpNE64(").count(), 1, "{out}");
        assert!(out.contains(",0x0000000000000002)"), "{out}");
        assert_eq!(out.matches("CmpEQ64(").count(), 1, "{out}");
        assert_eq!(out.matches("1Uto64(").count(), 3, "{out}");
    }

    /// The taken-back definition must not stay in the CSE table: a later
    /// equal expression would become a temporary that nothing defines.
    #[test]
    fn taken_back_specialization_leaves_no_cse_entry() {
        let text = "IRSB {\n   t0:Ity_I64 t1:Ity_I64 t2:Ity_I64\n   00 | t0 = GET:I64(offset=16)\n   01 | t1 = h(t0):Ity_I64\n   02 | t2 = Add64(t0,0x0000000000000004)\n   03 | PUT(offset=24) = t1\n   04 | PUT(offset=32) = t2\n   NEXT: PUT(offset=184) = 0x0000000000001000; Ijk_Boring\n}";
        let mut b = parse_irsb(text).unwrap();
        optimize(&mut b, 2, &HalfBad);
        verify(&b).unwrap_or_else(|e| panic!("optimized block does not verify: {e}\n{b}"));
        let out = b.to_string();
        assert!(out.contains("h(t0):Ity_I64"), "{out}");
        assert!(out.contains("Add64(t0,0x0000000000000004)"), "{out}");
    }
}

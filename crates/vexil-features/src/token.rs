//! Statement tokens: each IR statement becomes one short, normalized token
//! that keeps the statement's shape and drops what is architecture-specific.
//!
//! The grammar (both schemes): a temporary read is `RdT`, a write `WdT(...)`;
//! a constant operand is `con` and never a token of its own; a register read
//! is `get`, a write `put(...)`; a load `LD(...)`, a store `ST(...)`; an
//! if-then-else `ite(...)`; operations by name with their operands. So
//! `t3 = Sub32(t0,t1)` is `WdT(Sub32(RdT,RdT))` in the `seed` scheme and
//! `WdT(Sub(RdT,RdT))` in `neutral-v1`. What each scheme keeps or drops is in
//! [`crate::scheme`].
//!
//! Tokens are identified by the 64-bit FNV-1a hash of their text, computed
//! piece by piece while the statement is walked, so hashing allocates
//! nothing and the text can always be printed back (for `vexil scan`'s
//! contributing n-grams) by walking the same statement into a `String`. The
//! hash depends only on the text, never on the order of vexil's tables, so
//! a model stays valid when operations are added to the IR.

use crate::scheme::SchemeOptions;
use std::sync::OnceLock;
use vexil_ir::{Atom, Endness, Expr, Irsb, JumpKind, Op, Stmt, Temp, Type, TypeEnv};
use vexil_lift::GuestLayout;

/// The FNV-1a 64-bit offset basis.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// The FNV-1a 64-bit prime.
pub const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over `bytes`, continuing from `h`.
pub fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// The hash of a token's text: what the n-gram layer works with.
pub fn token_hash(text: &str) -> u64 {
    fnv1a(FNV_OFFSET, text.as_bytes())
}

/// Where token text goes: into a hash, or into a string.
pub trait Sink {
    /// Appends a piece of token text.
    fn put(&mut self, piece: &str);
}

/// A sink that hashes the text (FNV-1a).
#[derive(Copy, Clone, Debug)]
pub struct HashSink(pub u64);

impl Default for HashSink {
    fn default() -> HashSink {
        HashSink(FNV_OFFSET)
    }
}

impl Sink for HashSink {
    #[inline]
    fn put(&mut self, piece: &str) {
        self.0 = fnv1a(self.0, piece.as_bytes());
    }
}

impl Sink for String {
    fn put(&mut self, piece: &str) {
        self.push_str(piece);
    }
}

/// What a statement is tokenized against.
#[derive(Copy, Clone, Debug)]
pub struct TokenCtx<'a> {
    /// The scheme's options.
    pub opts: SchemeOptions,
    /// The guest layout (for bookkeeping ranges); `None` drops nothing as
    /// bookkeeping.
    pub layout: Option<&'a GuestLayout>,
    /// The block's temporaries (for the size of a `PUT`).
    pub tyenv: &'a TypeEnv,
    /// Temporaries that hold constants in disguise (an address loaded from
    /// the GOT, which another instruction set has as an immediate), printed
    /// as `con`; indexed by temporary, empty for none.
    pub constlike: &'a [bool],
}

/// What the token code needs to know about one operation, computed once
/// from the IR's table.
#[derive(Copy, Clone, Debug)]
struct OpInfo {
    op: Op,
    /// The width-free name (see [`neutral_op_name`]).
    neutral: &'static str,
    /// A pure integer width conversion (see [`is_cast`]).
    cast: bool,
    /// Keeps a pointer a pointer (see [`OpTable::pointer_arith`]).
    pointer_arith: bool,
}

/// [`OpInfo`] for every operation, indexed by the operation's position in
/// [`Op::ALL`].
fn op_infos() -> &'static [OpInfo] {
    static INFOS: OnceLock<Vec<OpInfo>> = OnceLock::new();
    INFOS.get_or_init(|| {
        Op::ALL
            .iter()
            .map(|&op| {
                let name = neutral_op_name(op.name());
                let cast = is_cast(op, &name);
                let neutral: &'static str = Box::leak(name.into_boxed_str());
                OpInfo {
                    op,
                    neutral,
                    cast,
                    pointer_arith: is_pointer_arith_name(neutral),
                }
            })
            .collect()
    })
}

/// The width-free name of an operation: digits removed, and the hinted
/// comparison variants (`CasCmpEQ32`, `ExpCmpNE64`) named like plain ones,
/// because the hint records how a lifter produced the comparison.
pub fn neutral_op_name(name: &str) -> String {
    let name = name
        .strip_prefix("Cas")
        .or_else(|| name.strip_prefix("Exp"))
        .filter(|rest| rest.starts_with("Cmp"))
        .unwrap_or(name);
    name.chars().filter(|c| !c.is_ascii_digit()).collect()
}

/// True for a pure integer width conversion (`8Uto32`, `32Sto64`, `64to32`,
/// `1Uto8`, `32to1`): one integer operand, an integer result, and a name
/// that is only widths around `Uto`/`Sto`/`to`.
fn is_cast(op: Op, neutral: &str) -> bool {
    let sig = op.signature();
    matches!(neutral, "Uto" | "Sto" | "to")
        && sig.args.len() == 1
        && sig.args[0].is_int()
        && sig.ret.is_int()
}

/// The width-free name of an operation (see [`neutral_op_name`]), from a
/// table computed once.
pub(crate) fn neutral_name(op: Op) -> &'static str {
    op_field(op, |i| i.neutral)
}

/// True for the width-free names of the operations that keep a pointer a
/// pointer (see [`OpTable::pointer_arith`]).
fn is_pointer_arith_name(neutral: &str) -> bool {
    matches!(neutral, "Add" | "Sub" | "And" | "Uto" | "Sto" | "to")
}

/// The table of [`OpInfo`]s, for a loop that asks about many operations:
/// fetched once (the table is made on first use, which every fetch
/// checks).
#[derive(Copy, Clone, Debug)]
pub(crate) struct OpTable(&'static [OpInfo]);

impl OpTable {
    /// The table.
    #[inline]
    pub(crate) fn get() -> OpTable {
        OpTable(op_infos())
    }

    /// `f` of the entry of `op`. Each caller reads only the field it
    /// wants: a whole entry returned from two places was copied through
    /// the stack.
    #[inline(always)]
    fn field<T>(self, op: Op, f: impl Fn(&OpInfo) -> T) -> T {
        // `Op::ALL` is in declaration order, so the discriminant is the
        // index.
        match self.0.get(op as usize) {
            Some(info) if info.op == op => f(info),
            _ => f(&op_entry_search(self.0, op)),
        }
    }

    /// True if `op` keeps a pointer a pointer: adding or subtracting an
    /// offset, aligning, or a width conversion (its width-free name is
    /// `Add`, `Sub`, `And`, `Uto`, `Sto` or `to`).
    #[inline]
    pub(crate) fn pointer_arith(self, op: Op) -> bool {
        self.field(op, |i| i.pointer_arith)
    }
}

/// `f` of the entry of `op` (see [`OpTable::field`]).
#[inline]
fn op_field<T>(op: Op, f: impl Fn(&OpInfo) -> T) -> T {
    OpTable::get().field(op, f)
}

/// [`OpTable::field`]'s entry when the table is not in declaration order
/// (not expected).
#[cold]
fn op_entry_search(infos: &[OpInfo], op: Op) -> OpInfo {
    infos
        .iter()
        .find(|info| info.op == op)
        .copied()
        .unwrap_or(OpInfo {
            op,
            neutral: op.name(),
            cast: false,
            pointer_arith: is_pointer_arith_name(op.name()),
        })
}

impl TokenCtx<'_> {
    fn op_name(&self, op: Op) -> &'static str {
        if self.opts.op_width {
            neutral_name(op)
        } else {
            op.name()
        }
    }

    fn is_bookkeeping(&self, offset: u32, ty: Type) -> bool {
        self.opts.drop_bookkeeping
            && self
                .layout
                .is_some_and(|l| l.is_bookkeeping(offset, ty.bytes()))
    }

    fn addr<S: Sink>(&self, a: Atom, s: &mut S) {
        if self.opts.plain_addresses {
            s.put("*");
        } else {
            self.atom(a, s);
        }
    }

    fn mem<S: Sink>(&self, s: &mut S, base: &str, end: Endness) {
        s.put(base);
        if !self.opts.endness {
            s.put(end.suffix());
        }
    }

    /// True if the statement yields no token under these options.
    pub fn dropped(&self, stmt: &Stmt) -> bool {
        match stmt {
            Stmt::NoOp => true,
            Stmt::IMark { .. } => self.opts.drop_imark,
            Stmt::Put { offset, data } => {
                let ty = self.tyenv.atom_type(*data).unwrap_or(Type::I8);
                self.is_bookkeeping(offset.0, ty)
            }
            Stmt::PutI { descr, .. } => self.is_bookkeeping(descr.base.0, descr.elem),
            Stmt::WrTmp { expr, .. } => match expr {
                Expr::Get { offset, ty } => self.is_bookkeeping(offset.0, *ty),
                Expr::GetI { descr, .. } => self.is_bookkeeping(descr.base.0, descr.elem),
                Expr::Unop { op, .. } => self.opts.drop_casts && op_field(*op, |i| i.cast),
                _ => false,
            },
            _ => false,
        }
    }

    /// Writes the token of `stmt` into `s`; returns false (writing nothing)
    /// if the statement is dropped.
    pub fn stmt<S: Sink>(&self, stmt: &Stmt, s: &mut S) -> bool {
        if self.dropped(stmt) {
            return false;
        }
        match stmt {
            Stmt::NoOp => return false,
            Stmt::IMark { .. } => s.put("IMark"),
            Stmt::WrTmp { expr, .. } => {
                s.put("WdT(");
                self.expr(expr, s);
                s.put(")");
            }
            Stmt::Put { data, .. } => {
                s.put("put(");
                self.atom(*data, s);
                s.put(")");
            }
            Stmt::PutI { ix, data, .. } => {
                s.put("putI(");
                self.atoms(&[*ix, *data], s);
                s.put(")");
            }
            Stmt::Store { end, addr, data } => {
                self.mem(s, "ST", *end);
                s.put("(");
                self.addr(*addr, s);
                s.put(",");
                self.atom(*data, s);
                s.put(")");
            }
            Stmt::StoreG {
                end,
                addr,
                data,
                guard,
            } => {
                if self.opts.plain_guarded_mem {
                    self.mem(s, "ST", *end);
                    s.put("(");
                    self.addr(*addr, s);
                    s.put(",");
                    self.atom(*data, s);
                } else {
                    self.mem(s, "STG", *end);
                    s.put("(");
                    self.atoms(&[*addr, *data, *guard], s);
                }
                s.put(")");
            }
            Stmt::LoadG {
                end,
                cvt,
                addr,
                alt,
                guard,
                ..
            } => {
                s.put("WdT(");
                if self.opts.plain_guarded_mem {
                    self.mem(s, "LD", *end);
                    s.put("(");
                    self.addr(*addr, s);
                } else {
                    self.mem(s, "LDG", *end);
                    s.put(":");
                    s.put(cvt.name());
                    s.put("(");
                    self.atoms(&[*addr, *alt, *guard], s);
                }
                s.put("))");
            }
            Stmt::Cas(c) => {
                self.mem(s, "CAS", c.end);
                s.put("(");
                self.addr(c.addr, s);
                if c.old_hi.is_some() {
                    s.put(",double");
                }
                s.put(")");
            }
            Stmt::Llsc {
                end,
                addr,
                store_data,
                ..
            } => match store_data {
                None => {
                    self.mem(s, "LL", *end);
                    s.put("(");
                    self.addr(*addr, s);
                    s.put(")");
                }
                Some(d) => {
                    self.mem(s, "SC", *end);
                    s.put("(");
                    self.addr(*addr, s);
                    s.put(",");
                    self.atom(*d, s);
                    s.put(")");
                }
            },
            Stmt::Mbe(_) => s.put("MBE"),
            Stmt::Dirty(d) => {
                if self.opts.anonymous_helpers {
                    s.put("dirty");
                } else {
                    s.put("dirty:");
                    s.put(d.callee.name());
                }
                s.put("(");
                self.atoms(&d.args, s);
                s.put(")");
            }
            Stmt::Exit { guard, jk, .. } => {
                s.put("exit");
                if self.opts.block_end {
                    if let Some(k) = jump_class(*jk).filter(|k| *k != "jmp") {
                        s.put(":");
                        s.put(k);
                    }
                }
                s.put("(");
                self.atom(*guard, s);
                s.put(")");
            }
        }
        true
    }

    /// The printed name and operand order of a binary operation.
    fn canonical(&self, op: Op, a: Atom, b: Atom) -> (&'static str, Atom, Atom) {
        let name = self.op_name(op);
        if !self.opts.canonical_operands {
            return (name, a, b);
        }
        let is_const = |x: Atom| self.is_const(x);
        match name {
            "Sub" if is_const(b) => ("Add", a, b),
            "Add" | "Mul" | "And" | "Or" | "Xor" | "CmpEQ" | "CmpNE" | "MullS" | "MullU"
                if is_const(a) && !is_const(b) =>
            {
                (name, b, a)
            }
            _ => (name, a, b),
        }
    }

    fn expr<S: Sink>(&self, e: &Expr, s: &mut S) {
        match e {
            Expr::Const(_) => s.put("con"),
            Expr::RdTmp(_) => s.put("RdT"),
            Expr::Get { .. } => s.put("get"),
            Expr::GetI { ix, .. } => {
                s.put("getI(");
                self.atom(*ix, s);
                s.put(")");
            }
            Expr::Load { end, addr, .. } => {
                self.mem(s, "LD", *end);
                s.put("(");
                self.addr(*addr, s);
                s.put(")");
            }
            Expr::Unop { op, a } => {
                s.put(self.op_name(*op));
                s.put("(");
                self.atom(*a, s);
                s.put(")");
            }
            Expr::Binop { op, a, b } => {
                let (name, a, b) = self.canonical(*op, *a, *b);
                s.put(name);
                s.put("(");
                self.atom(a, s);
                s.put(",");
                self.atom(b, s);
                s.put(")");
            }
            Expr::Triop { op, args } => {
                s.put(self.op_name(*op));
                s.put("(");
                self.atoms(&args[..], s);
                s.put(")");
            }
            Expr::Qop { op, args } => {
                s.put(self.op_name(*op));
                s.put("(");
                self.atoms(&args[..], s);
                s.put(")");
            }
            Expr::Ite { cond, then, els } => {
                s.put("ite(");
                self.atoms(&[*cond, *then, *els], s);
                s.put(")");
            }
            Expr::CCall { callee, args, .. } => {
                if self.opts.anonymous_helpers {
                    s.put("ccall");
                } else {
                    s.put(callee.name());
                }
                s.put("(");
                self.atoms(args, s);
                s.put(")");
            }
        }
    }

    /// Writes the token for how `irsb` ends, if the scheme has one and the
    /// block does not simply fall through to the next address (a split made
    /// by discovery or by the lifter's block-size limit is not behaviour).
    pub fn block_end<S: Sink>(&self, irsb: &Irsb, s: &mut S) -> bool {
        // The fall-through address (a scan of the block's instructions) is
        // only needed for a jump to a constant.
        self.block_end_at(irsb, || fall_through(irsb), s)
    }

    /// The hash of [`TokenCtx::block_end_at`]'s token, through `memo`:
    /// apart from a jump to the fall-through address (no token), the
    /// token's text depends only on the jump kind and on whether the
    /// target is a constant, so each such pair is walked and hashed once
    /// per scheme (debug builds check the memo against the walk).
    #[inline]
    fn block_end_key(&self, irsb: &Irsb, fall: Option<u64>, memo: &mut Memo) -> Option<u64> {
        let walk = |fall: Option<u64>| {
            let mut h = HashSink::default();
            self.block_end_at(irsb, || fall, &mut h).then_some(h.0)
        };
        // `jump_class` names only `Boring` "jmp".
        let key = if irsb.jumpkind == JumpKind::Boring
            && self.opts.block_end
            && irsb.const_next().is_some_and(|next| fall == Some(next))
        {
            None
        } else {
            let slot = Memo::end_slot(irsb.jumpkind, self.is_const(irsb.next));
            match memo.ends.get(slot).copied() {
                Some(Some(key)) => key,
                // Without the fall-through address, a jump to a
                // constant is never taken for a fall-through.
                Some(None) => {
                    let key = walk(None);
                    memo.ends[slot] = Some(key);
                    key
                }
                // A slot past the table (not expected).
                None => walk(fall),
            }
        };
        debug_assert_eq!(key, walk(fall), "memoized block end of {irsb:?}");
        key
    }

    /// [`TokenCtx::block_end`], with the block's fall-through address
    /// given by `fall` (asked only for a jump to a constant).
    fn block_end_at<S: Sink>(
        &self,
        irsb: &Irsb,
        fall: impl FnOnce() -> Option<u64>,
        s: &mut S,
    ) -> bool {
        if !self.opts.block_end {
            return false;
        }
        let Some(kind) = jump_class(irsb.jumpkind) else {
            return false;
        };
        if kind == "jmp" {
            if let Some(next) = irsb.const_next() {
                if fall() == Some(next) {
                    return false;
                }
            }
        }
        s.put(kind);
        if kind == "jmp" || (kind == "call" && !self.opts.bare_calls) {
            s.put("(");
            self.atom(irsb.next, s);
            s.put(")");
        }
        true
    }
}

/// The address after the last instruction of `irsb` (`None` for a block
/// without instructions).
fn fall_through(irsb: &Irsb) -> Option<u64> {
    irsb.addr().map(|a| a + irsb.size())
}

/// The architecture-neutral class of a jump kind; `None` for kinds that
/// record a lifter's limits rather than the program (`NoDecode`, `EmFail`,
/// `MapFail`), which differ between lifters of different architectures.
pub fn jump_class(jk: JumpKind) -> Option<&'static str> {
    Some(match jk {
        JumpKind::Boring => "jmp",
        JumpKind::Call => "call",
        JumpKind::Ret => "ret",
        JumpKind::NoDecode | JumpKind::EmFail | JumpKind::MapFail => return None,
        jk if is_trap(jk) => "trap",
        jk if jk.is_syscall() => "sys",
        _ => "other",
    })
}

/// True for the jump kinds of class `trap` (see [`jump_class`]).
pub(crate) fn is_trap(jk: JumpKind) -> bool {
    matches!(
        jk,
        JumpKind::SigILL
            | JumpKind::SigTRAP
            | JumpKind::SigSEGV
            | JumpKind::SigBUS
            | JumpKind::SigFPE
            | JumpKind::SigFPE_IntDiv
            | JumpKind::SigFPE_IntOvf
    )
}

impl TokenCtx<'_> {
    /// True if `a` is a constant, or a temporary that holds one in
    /// disguise (see [`TokenCtx::constlike`]).
    fn is_const(&self, a: Atom) -> bool {
        match a {
            Atom::Const(_) => true,
            Atom::Tmp(t) => self.constlike.get(t.index()).copied().unwrap_or(false),
        }
    }

    fn atom<S: Sink>(&self, a: Atom, s: &mut S) {
        s.put(if self.is_const(a) { "con" } else { "RdT" });
    }

    fn atoms<S: Sink>(&self, list: &[Atom], s: &mut S) {
        for (i, a) in list.iter().enumerate() {
            if i > 0 {
                s.put(",");
            }
            self.atom(*a, s);
        }
    }
}

/// True if `st` may be one of the statements [`linkage_into`] finds in a
/// `Call` block: a register write (of the return address, or of the stack
/// pointer after the decrement for a stored one), a store of a constant,
/// or a subtraction of a constant (the decrement). The list only takes
/// tokens away, so a block none of whose statements with a token is one
/// of these needs no search. (Checking `Ret` blocks the same way did not
/// pay: the load of their target mostly has a token.)
fn may_be_linkage(st: &Stmt) -> bool {
    match st {
        Stmt::Put { .. }
        | Stmt::Store {
            data: Atom::Const(_),
            ..
        } => true,
        Stmt::WrTmp {
            expr:
                Expr::Binop {
                    op,
                    b: Atom::Const(_),
                    ..
                },
            ..
        } => neutral_name(*op) == "Sub",
        _ => false,
    }
}

/// The statements of a block that only save or reload the return address:
/// in a `Call` block, a register write or a store of the return address
/// (the fall-through address), with the stack-pointer decrement that made
/// room for a stored one; in a `Ret` block, the load of the target from the
/// stack and the stack-pointer increment after it. Writes their indices
/// into `list` (in no particular order, possibly repeated; left empty when
/// nothing is dropped; it is per-thread scratch of [`block_tokens`]): the
/// caller visits those few statements, where a mask over the block had to
/// be resized for each one and scanned in full.
///
/// A temporary's definition is its last `t = ...` statement in the block,
/// found by searching backward from the end when it is needed (rarely:
/// only for a stored return address and for the target of a `Ret` block).
/// In valid IR (`vexil_ir::verify`) a temporary is read only after its
/// definition, so the stack-pointer writes of a temporary are searched
/// for after it (debug builds check that none comes before).
fn linkage_into(
    irsb: &Irsb,
    layout: Option<&GuestLayout>,
    fall: Option<u64>,
    list: &mut Vec<usize>,
) {
    list.clear();
    let calls = irsb.jumpkind == JumpKind::Call;
    let rets = irsb.jumpkind == JumpKind::Ret;
    if !calls && !rets {
        return;
    }
    let Some(fall) = fall else {
        return;
    };
    let sp = layout.map(|l| l.sp.offset);
    let def_of = |a: Atom| {
        let t = a.as_tmp().filter(|t| t.index() < irsb.tyenv.len())?;
        irsb.stmts
            .iter()
            .rposition(|st| matches!(st, Stmt::WrTmp { dst, .. } if *dst == t))
    };
    let is_sp_put = |st: &Stmt, t: Temp| matches!(st, Stmt::Put { offset, data } if Some(offset.0) == sp && *data == Atom::Tmp(t));
    // The stack-pointer writes of `t`, defined by statement `d`, into
    // `list`; true if there is one.
    let sp_puts = |list: &mut Vec<usize>, d: usize, t: Temp| {
        debug_assert!(
            !irsb.stmts[..d].iter().any(|st| is_sp_put(st, t)),
            "t{} read before its definition",
            t.index()
        );
        let before = list.len();
        for (j, st) in irsb.stmts.iter().enumerate().skip(d + 1) {
            if is_sp_put(st, t) {
                list.push(j);
            }
        }
        list.len() > before
    };
    if calls {
        for (i, st) in irsb.stmts.iter().enumerate() {
            match st {
                Stmt::Put {
                    data: Atom::Const(c),
                    ..
                } if c.bits() == fall => list.push(i),
                Stmt::Store {
                    addr,
                    data: Atom::Const(c),
                    ..
                } if c.bits() == fall => {
                    list.push(i);
                    let Some(d) = def_of(*addr) else { continue };
                    if let Stmt::WrTmp {
                        dst,
                        expr:
                            Expr::Binop {
                                op,
                                b: Atom::Const(_),
                                ..
                            },
                    } = &irsb.stmts[d]
                    {
                        if neutral_name(*op) == "Sub" {
                            list.push(d);
                            sp_puts(list, d, *dst);
                        }
                    }
                }
                _ => {}
            }
        }
    } else if let Some(ld) = def_of(irsb.next) {
        // ret: next = LD(s) with s = GET(sp); PUT(sp) = Add(s, con).
        if let Stmt::WrTmp {
            expr: Expr::Load {
                addr: Atom::Tmp(s), ..
            },
            ..
        } = &irsb.stmts[ld]
        {
            let from_sp = def_of(Atom::Tmp(*s)).is_some_and(|g| {
                matches!(&irsb.stmts[g], Stmt::WrTmp { expr: Expr::Get { offset, .. }, .. } if Some(offset.0) == sp)
            });
            if from_sp {
                list.push(ld);
                for (i, st) in irsb.stmts.iter().enumerate() {
                    if let Stmt::WrTmp {
                        dst,
                        expr:
                            Expr::Binop {
                                op,
                                a,
                                b: Atom::Const(_),
                            },
                    } = st
                    {
                        if neutral_name(*op) == "Add"
                            && *a == Atom::Tmp(*s)
                            && sp_puts(list, i, *dst)
                        {
                            list.push(i);
                        }
                    }
                }
            }
        }
    }
}

/// A statement's *shape*: everything its token text depends on under a
/// fixed scheme, packed into 64 bits, for the common statements.
///
/// The token of a statement is a function of the scheme's options, the
/// statement's and expression's kinds, the operation, the byte order, the
/// jump kind, and which operands are constants (see [`TokenCtx::stmt`]):
/// offsets, temporaries' numbers and constants' values never appear in the
/// text. So the hash of a shape's token is computed once (by walking the
/// statement into a [`HashSink`]) and looked up afterwards ([`Memo`]), where
/// walking spelled out and hashed the same dozen bytes again for every
/// statement.
///
/// Layout: bits 0..5 the kind, 5..9 one bit per operand (1 = constant),
/// 9 the byte order, 16..32 the operation, 32..40 the jump kind. The
/// kinds that are rare or name things (`Dirty`, `CCall`, `Triop`, `Qop`,
/// guarded memory, `Cas`, `Llsc`, indexed registers) are not shaped: they
/// take the walking path.
///
/// Whether a statement is dropped also depends on its register offset
/// (bookkeeping state); that is checked before the shape, never cached.
/// The drop of a width conversion depends only on the operation, so a
/// shape's memo entry may say "dropped".
mod shape {
    pub(super) const IMARK: u64 = 1;
    pub(super) const CONST: u64 = 2;
    pub(super) const RDTMP: u64 = 3;
    pub(super) const GET: u64 = 4;
    pub(super) const LOAD: u64 = 5;
    pub(super) const UNOP: u64 = 6;
    pub(super) const BINOP: u64 = 7;
    pub(super) const ITE: u64 = 8;
    pub(super) const PUT: u64 = 9;
    pub(super) const STORE: u64 = 10;
    pub(super) const EXIT: u64 = 11;
    pub(super) const MBE: u64 = 12;
    /// The first operand-constness bit.
    pub(super) const OPERANDS: u32 = 5;
    pub(super) const BIG_ENDIAN: u64 = 1 << 9;
    pub(super) const OP: u32 = 16;
    pub(super) const JUMP: u32 = 32;
}

/// One memo entry: a shape (0 for an empty entry; no shape is 0) and its
/// token hash (`None`: the statement is dropped).
#[derive(Copy, Clone, Default)]
struct MemoEntry {
    shape: u64,
    key: Option<u64>,
}

/// Token hashes by statement shape for one scheme's options (see [`shape`]):
/// a direct-mapped table, where a shape that collides replaces the entry.
struct Memo {
    opts: SchemeOptions,
    entries: Vec<MemoEntry>,
    /// Block-end token hashes (see [`TokenCtx::block_end_key`]) by
    /// [`Memo::end_slot`]: `None` until computed, then the hash, or
    /// `Some(None)` for no token.
    ends: Vec<Option<Option<u64>>>,
}

impl Memo {
    /// log2 of the table size: a few hundred shapes occur in practice.
    const BITS: u32 = 10;

    fn new(opts: SchemeOptions) -> Memo {
        Memo {
            opts,
            entries: vec![MemoEntry::default(); 1 << Self::BITS],
            ends: vec![None; 2 << 8],
        }
    }

    /// The slot in [`Memo::ends`] of a block ending with `jk` to a
    /// constant target (`konst`) or not: all the block-end token's text
    /// depends on under one scheme, once a jump to the fall-through
    /// address is told apart.
    #[inline]
    fn end_slot(jk: JumpKind, konst: bool) -> usize {
        usize::from(jk as u8) << 1 | usize::from(konst)
    }

    /// The slot of `shape` (Fibonacci hashing: the top bits of a multiple).
    #[inline]
    #[allow(clippy::cast_possible_truncation)] // at most BITS bits remain
    fn slot(shape: u64) -> usize {
        (shape.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - Self::BITS)) as usize
    }
}

/// Working storage of [`block_tokens`], kept per thread between blocks.
#[derive(Default)]
struct Scratch {
    slice: crate::slice::Slice,
    order: crate::slice::Order,
    keys: Vec<Option<u64>>,
    /// The statements with a token or a barrier, in increasing order (see
    /// [`crate::slice::Order::tokens_marked`]).
    marks: Vec<usize>,
    /// True if `keys` holds `None` everywhere but at `marks` (as
    /// [`sliced_keys`] leaves it), so the next block clears only those.
    keys_marked: bool,
    /// The linkage statements of the block (see [`linkage_into`]).
    skip: Vec<usize>,
    /// One memo per scheme seen on this thread (a few at most).
    memos: Vec<Memo>,
}

impl Scratch {
    /// The memo of `opts`, made on first use.
    fn memo<'m>(memos: &'m mut Vec<Memo>, opts: &SchemeOptions) -> &'m mut Memo {
        let at = match memos.iter().position(|m| same_options(&m.opts, opts)) {
            Some(at) => at,
            None => {
                // Many schemes on one thread (not expected): start over.
                if memos.len() >= 8 {
                    memos.clear();
                }
                memos.push(Memo::new(*opts));
                memos.len() - 1
            }
        };
        &mut memos[at]
    }
}

/// `a == b`, without branches: the derived `PartialEq` compares the 19
/// flags one by one, each with a branch, and this runs once per block.
/// Destructuring `a` names every field, so a new option cannot be missed.
#[inline]
fn same_options(a: &SchemeOptions, b: &SchemeOptions) -> bool {
    let SchemeOptions {
        op_width,
        endness,
        drop_imark,
        drop_bookkeeping,
        drop_casts,
        anonymous_helpers,
        plain_guarded_mem,
        block_end,
        plain_addresses,
        canonical_operands,
        drop_linkage,
        slice_addresses,
        slice_stack,
        slice_abi_regs,
        drop_reg_reads,
        drop_reg_writes,
        bare_calls,
        canonical_order,
        drop_trap_exits,
    } = *a;
    let differ = (op_width ^ b.op_width)
        | (endness ^ b.endness)
        | (drop_imark ^ b.drop_imark)
        | (drop_bookkeeping ^ b.drop_bookkeeping)
        | (drop_casts ^ b.drop_casts)
        | (anonymous_helpers ^ b.anonymous_helpers)
        | (plain_guarded_mem ^ b.plain_guarded_mem)
        | (block_end ^ b.block_end)
        | (plain_addresses ^ b.plain_addresses)
        | (canonical_operands ^ b.canonical_operands)
        | (drop_linkage ^ b.drop_linkage)
        | (slice_addresses ^ b.slice_addresses)
        | (slice_stack ^ b.slice_stack)
        | (slice_abi_regs ^ b.slice_abi_regs)
        | (drop_reg_reads ^ b.drop_reg_reads)
        | (drop_reg_writes ^ b.drop_reg_writes)
        | (bare_calls ^ b.bare_calls)
        | (canonical_order ^ b.canonical_order)
        | (drop_trap_exits ^ b.drop_trap_exits);
    debug_assert_eq!(!differ, a == b);
    !differ
}

impl TokenCtx<'_> {
    /// The constness bit of operand `a` at position `pos`.
    #[inline]
    fn const_bit(&self, a: Atom, pos: u32) -> u64 {
        u64::from(self.is_const(a)) << (shape::OPERANDS + pos)
    }

    /// The shape of `stmt` (see [`shape`]): `Some(None)` if the statement
    /// is dropped for its register offset, `None` if it has no shape.
    #[inline(always)]
    fn shape(&self, stmt: &Stmt) -> Option<Option<u64>> {
        use shape::{BIG_ENDIAN, JUMP, OP};
        let end = |e: Endness| if e == Endness::Be { BIG_ENDIAN } else { 0 };
        let op = |o: Op| u64::from(o as u16) << OP;
        Some(Some(match stmt {
            Stmt::IMark { .. } => shape::IMARK,
            Stmt::WrTmp { expr, .. } => match expr {
                Expr::Const(_) => shape::CONST,
                Expr::RdTmp(_) => shape::RDTMP,
                Expr::Get { offset, ty } => {
                    if self.is_bookkeeping(offset.0, *ty) {
                        return Some(None);
                    }
                    shape::GET
                }
                Expr::Load { end: e, addr, .. } => shape::LOAD | end(*e) | self.const_bit(*addr, 0),
                Expr::Unop { op: o, a } => shape::UNOP | op(*o) | self.const_bit(*a, 0),
                Expr::Binop { op: o, a, b } => {
                    shape::BINOP | op(*o) | self.const_bit(*a, 0) | self.const_bit(*b, 1)
                }
                Expr::Ite { cond, then, els } => {
                    shape::ITE
                        | self.const_bit(*cond, 0)
                        | self.const_bit(*then, 1)
                        | self.const_bit(*els, 2)
                }
                _ => return None,
            },
            Stmt::Put { offset, data } => {
                let ty = self.tyenv.atom_type(*data).unwrap_or(Type::I8);
                if self.is_bookkeeping(offset.0, ty) {
                    return Some(None);
                }
                shape::PUT | self.const_bit(*data, 0)
            }
            Stmt::Store { end: e, addr, data } => {
                shape::STORE | end(*e) | self.const_bit(*addr, 0) | self.const_bit(*data, 1)
            }
            Stmt::Exit { guard, jk, .. } => {
                shape::EXIT | (u64::from(*jk as u8) << JUMP) | self.const_bit(*guard, 0)
            }
            Stmt::Mbe(_) => shape::MBE,
            _ => return None,
        }))
    }

    /// The token hash of `stmt` (`None` if it is dropped), through `memo`;
    /// the same as hashing [`TokenCtx::stmt`]'s text. Inlined: called for
    /// every statement with a token, and the call itself (saving and
    /// restoring registers) cost a fifth of its work.
    #[inline(always)]
    fn key(&self, stmt: &Stmt, memo: &mut Memo) -> Option<u64> {
        let walk = |st: &Stmt| {
            let mut h = HashSink::default();
            self.stmt(st, &mut h).then_some(h.0)
        };
        let key = match self.shape(stmt) {
            None => walk(stmt),
            Some(None) => None,
            Some(Some(shape)) => {
                let entry = &mut memo.entries[Memo::slot(shape)];
                if entry.shape == shape {
                    entry.key
                } else {
                    let key = walk(stmt);
                    *entry = MemoEntry { shape, key };
                    key
                }
            }
        };
        debug_assert_eq!(key, walk(stmt), "memoized token of {stmt:?}");
        key
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The tokens of one block, as hashes (and, if `text` is given, as text).
///
/// Returns whether some statement of the block may own heap memory: false
/// only if the pass saw every statement and none does, so that the caller
/// can recycle the block with [`Irsb::recycle_known`] without another look
/// (schemes that slice nothing do not check, and answer true).
pub fn block_tokens(
    ctx: &TokenCtx<'_>,
    irsb: &Irsb,
    out: &mut Vec<u64>,
    text: Option<&mut Vec<String>>,
) -> bool {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => block_tokens_with(ctx, irsb, out, text, &mut scratch),
        // Re-entered on this thread (not expected): fresh storage.
        Err(_) => block_tokens_with(ctx, irsb, out, text, &mut Scratch::default()),
    })
}

fn block_tokens_with(
    ctx: &TokenCtx<'_>,
    irsb: &Irsb,
    out: &mut Vec<u64>,
    mut text: Option<&mut Vec<String>>,
    scratch: &mut Scratch,
) -> bool {
    let Scratch {
        slice,
        order,
        keys,
        marks,
        keys_marked,
        skip,
        memos,
    } = scratch;
    let memo = Scratch::memo(memos, &ctx.opts);
    let sliced = crate::slice::Slice::is_on(&ctx.opts);
    // The block's first address and size (what `Irsb::addr` and
    // `Irsb::size` would find by scanning the statements again), for the
    // fall-through address, and how many statements have a token.
    let (first, size, mut n_keys, heap) = if sliced {
        sliced_keys(ctx, irsb, slice, memo, keys, marks, keys_marked)
    } else {
        *keys_marked = false;
        // Nothing is sliced away, and no temporary is constant-like.
        slice.constlike.clear();
        let (first, size, n_keys) = plain_keys(ctx, irsb, memo, keys);
        (first, size, n_keys, true)
    };
    let ctx = &TokenCtx {
        constlike: &slice.constlike,
        ..*ctx
    };
    let fall = first.map(|a| a + size);
    debug_assert_eq!(fall, fall_through(irsb));
    // The linkage only takes tokens away: a block without any keeps none.
    if ctx.opts.drop_linkage && n_keys > 0 {
        // Under a scheme that slices, the statements with a token are
        // marked: a `Call` block without one the linkage could take away
        // (most) needs no search of its statements.
        if sliced
            && irsb.jumpkind == JumpKind::Call
            && !marks.iter().any(|&i| may_be_linkage(&irsb.stmts[i]))
        {
            skip.clear();
            #[cfg(debug_assertions)]
            {
                let mut all = Vec::new();
                linkage_into(irsb, ctx.layout, fall, &mut all);
                debug_assert!(
                    all.iter().all(|&i| keys[i].is_none()),
                    "linkage of {irsb:?}"
                );
            }
        } else {
            linkage_into(irsb, ctx.layout, fall, skip);
        }
        for &i in skip.iter() {
            if let Some(key) = keys.get_mut(i) {
                n_keys -= usize::from(key.take().is_some());
            }
        }
    }
    // With at most one token in the block, every run between barriers has
    // at most one, and the canonical order is the lifted one.
    let canonical = ctx.opts.canonical_order && n_keys > 1;
    #[cfg(debug_assertions)]
    if ctx.opts.canonical_order && !canonical {
        let with_key = |i: &usize| keys[*i].is_some();
        let mut check = crate::slice::Order::default();
        let full: Vec<usize> = check
            .compute(irsb, keys)
            .iter()
            .copied()
            .filter(with_key)
            .collect();
        let lifted: Vec<usize> = (0..keys.len()).filter(with_key).collect();
        debug_assert_eq!(full, lifted, "canonical order of at most one token differs");
    }
    let order: &[usize] = match (canonical, sliced) {
        (false, _) => &[],
        (true, true) => order.tokens_marked(irsb, keys, marks),
        (true, false) => order.tokens(irsb, keys),
    };
    match text.as_deref_mut() {
        None if canonical => out.extend(order.iter().filter_map(|&i| keys[i])),
        // The marked statements include every one with a token.
        None if sliced => out.extend(marks.iter().filter_map(|&i| keys[i])),
        None => out.extend(keys.iter().flatten()),
        Some(t) => {
            let mut emit = |i: usize| {
                let Some(h) = keys[i] else { return };
                out.push(h);
                let mut s = String::new();
                ctx.stmt(&irsb.stmts[i], &mut s);
                t.push(s);
            };
            if canonical {
                order.iter().for_each(|&i| emit(i));
            } else {
                (0..keys.len()).for_each(emit);
            }
        }
    }
    match text {
        None => out.extend(ctx.block_end_key(irsb, fall, memo)),
        Some(t) => {
            let mut h = HashSink::default();
            if ctx.block_end_at(irsb, || fall, &mut h) {
                out.push(h.0);
                let mut s = String::new();
                ctx.block_end_at(irsb, || fall, &mut s);
                t.push(s);
            }
        }
    }
    heap
}

/// The token hashes of `irsb`'s statements into `keys` (`None` for a
/// statement without a token), when nothing is sliced away; returns the
/// block's first address, its size and the number of tokens.
fn plain_keys(
    ctx: &TokenCtx<'_>,
    irsb: &Irsb,
    memo: &mut Memo,
    keys: &mut Vec<Option<u64>>,
) -> (Option<u64>, u64, usize) {
    keys.clear();
    let drop_imark = ctx.opts.drop_imark;
    let (mut first, mut size, mut n_keys) = (None, 0u64, 0usize);
    keys.extend(irsb.stmts.iter().map(|st| {
        if let Stmt::IMark { addr, len, .. } = st {
            first.get_or_insert(*addr);
            size += u64::from(*len);
            // A third of the statements are instruction marks: what
            // `TokenCtx::stmt` says of them is known without calling it.
            if drop_imark {
                return None;
            }
        }
        if matches!(st, Stmt::NoOp) {
            return None;
        }
        let key = ctx.key(st, memo);
        n_keys += usize::from(key.is_some());
        key
    }));
    (first, size, n_keys)
}

/// [`plain_keys`] under a scheme that slices ([`crate::slice::Slice`]): the
/// token of each statement the slice keeps is computed in the slice's own
/// backward pass over the block ([`crate::slice::Slice::backward`]), so the
/// block is walked twice (the slice's forward pass, then this one) instead
/// of three times, and a token is only computed for the few statements
/// kept (about one in eight). Also collects the statements with a token or
/// a barrier into `marks`, in increasing order, for
/// [`crate::slice::Order::tokens_marked`]. Leaves the constant-like
/// temporaries in `slice.constlike`. Debug builds check the tokens against
/// the mask of [`crate::slice::Slice::compute`].
///
/// Inlined into its one caller, [`block_tokens_with`]: the call (seven
/// arguments, four results through memory, both functions saving their
/// registers) cost more per block than what it separated.
#[inline(always)]
fn sliced_keys(
    ctx: &TokenCtx<'_>,
    irsb: &Irsb,
    slice: &mut crate::slice::Slice,
    memo: &mut Memo,
    keys: &mut Vec<Option<u64>>,
    marks: &mut Vec<usize>,
    keys_marked: &mut bool,
) -> (Option<u64>, u64, usize, bool) {
    // `keys` becomes all `None`, `irsb.stmts.len()` long: by clearing the
    // few entries the last block set, if it came this way, and writing
    // only the entries past the last block's length.
    if *keys_marked {
        for &i in marks.iter() {
            if let Some(k) = keys.get_mut(i) {
                *k = None;
            }
        }
    } else {
        keys.clear();
    }
    keys.truncate(irsb.stmts.len());
    keys.resize(irsb.stmts.len(), None);
    debug_assert!(keys.iter().all(Option::is_none), "keys left over");
    *keys_marked = true;
    marks.clear();
    let drop_imark = ctx.opts.drop_imark;
    let (mut first, mut size, mut n_keys) = (None, 0u64, 0usize);
    // The constant-like temporaries, known before the backward pass, stay
    // outside `slice` meanwhile so that one context holds them.
    let mut constlike = std::mem::take(&mut slice.constlike);
    slice.forward(irsb, ctx.layout, &ctx.opts, &mut constlike);
    let kctx = TokenCtx {
        constlike: &constlike,
        ..*ctx
    };
    // Only kept statements and barriers are visited; instruction marks
    // are always kept, and visited for their token only if they have one.
    let heap = slice.backward(
        irsb,
        ctx.layout,
        &ctx.opts,
        |_, st| {
            if let Stmt::IMark { addr, len, .. } = st {
                // Seen last to first: the last one seen is the first.
                first = Some(*addr);
                size += u64::from(*len);
            }
            !drop_imark
        },
        |i, st, dropped| {
            if dropped {
                // A barrier without a token.
                marks.push(i);
                return;
            }
            let tokened = !matches!(st, Stmt::NoOp);
            // One call site, so that `key` (inlined) is not written out
            // twice.
            let key = if tokened { kctx.key(st, memo) } else { None };
            if let Some(k) = key {
                if let Some(x) = keys.get_mut(i) {
                    *x = Some(k);
                }
                n_keys += 1;
                marks.push(i);
            } else if crate::slice::is_barrier(st) {
                marks.push(i);
            }
        },
    );
    marks.reverse();
    slice.constlike = constlike;
    #[cfg(debug_assertions)]
    {
        let mut check = crate::slice::Slice::default();
        check.compute(irsb, ctx.layout, &ctx.opts);
        debug_assert_eq!(
            check.constlike, slice.constlike,
            "fused constant-likes differ"
        );
        let ctx = TokenCtx {
            constlike: &check.constlike,
            ..*ctx
        };
        let mut memo = Memo::new(ctx.opts);
        let want: Vec<Option<u64>> = irsb
            .stmts
            .iter()
            .enumerate()
            .map(|(i, st)| match st {
                Stmt::IMark { .. } if drop_imark => None,
                Stmt::NoOp => None,
                _ if check.drop[i] => None,
                _ => ctx.key(st, &mut memo),
            })
            .collect();
        debug_assert_eq!(*keys, want, "fused tokens differ");
        let want_marks: Vec<usize> = (0..keys.len())
            .filter(|&i| keys[i].is_some() || crate::slice::is_barrier(&irsb.stmts[i]))
            .collect();
        debug_assert_eq!(*marks, want_marks, "fused marks differ");
    }
    (first, size, n_keys, heap)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code
    use super::*;
    use crate::Scheme;
    use crate::file::{discover_image, guest_of};
    use vexil_loader::Image;

    /// The memoized token hash of every statement of the sample binaries
    /// is the hash of the walked text, under every scheme, with one memo
    /// per scheme shared by all blocks and architectures (as on a thread
    /// of `vexil features`), and with the scheme's constant-like
    /// temporaries in effect.
    #[test]
    fn memoized_tokens_are_the_walked_ones() {
        let root =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/bin");
        let schemes = [Scheme::Seed, Scheme::NeutralV1, Scheme::NeutralV2];
        let mut memos: Vec<Memo> = Vec::new();
        let mut shaped = 0usize;
        let mut hits = 0usize;
        for target in ["x86", "x86_64", "mipsel", "mips64el"] {
            for prog in ["checksum", "switch"] {
                let image =
                    Image::parse(std::fs::read(root.join(target).join(prog)).unwrap()).unwrap();
                let guest = guest_of(&image).unwrap();
                let d = discover_image(&image, guest, 2).unwrap();
                for b in &d.blocks {
                    for scheme in schemes {
                        let opts = scheme.options();
                        let mut slice = crate::slice::Slice::default();
                        slice.compute(&b.irsb, Some(guest.layout()), &opts);
                        let ctx = TokenCtx {
                            opts,
                            layout: Some(guest.layout()),
                            tyenv: &b.irsb.tyenv,
                            constlike: &slice.constlike,
                        };
                        let memo = Scratch::memo(&mut memos, &opts);
                        for st in &b.irsb.stmts {
                            let mut h = HashSink::default();
                            let walked = ctx.stmt(st, &mut h).then_some(h.0);
                            if let Some(Some(shape)) = ctx.shape(st) {
                                shaped += 1;
                                hits += usize::from(memo.entries[Memo::slot(shape)].shape == shape);
                            }
                            assert_eq!(ctx.key(st, memo), walked, "{scheme}: {st:?}");
                        }
                    }
                }
            }
        }
        assert_eq!(memos.len(), schemes.len());
        // Most statements take the memo, and most of those find their shape.
        assert!(
            shaped > 1000 && hits * 10 > shaped * 9,
            "{hits} of {shaped}"
        );
    }

    /// `same_options` is `==` on every pair of schemes and on each scheme
    /// against itself with any one option flipped.
    #[test]
    fn same_options_is_equality() {
        for a in Scheme::ALL {
            for b in Scheme::ALL {
                let (a, b) = (a.options(), b.options());
                assert_eq!(same_options(&a, &b), a == b);
            }
            let a = a.options();
            assert!(same_options(&a, &a));
            let flips: [fn(&mut SchemeOptions); 4] = [
                |o| o.op_width = !o.op_width,
                |o| o.drop_imark = !o.drop_imark,
                |o| o.canonical_operands = !o.canonical_operands,
                |o| o.drop_trap_exits = !o.drop_trap_exits,
            ];
            for flip in flips {
                let mut b = a;
                flip(&mut b);
                assert!(!same_options(&a, &b));
                assert!(!same_options(&b, &a));
            }
        }
    }
}

//! Which statements of a block do the program's work, and which only move
//! values around the way one instruction set and its calling convention
//! need: the *plumbing*.
//!
//! Two builds of the same C function differ less in what they compute than
//! in how they reach their operands: x86-64 folds a global's address into a
//! RIP-relative operand where MIPS adds an offset to `$gp` (and loads the
//! address from the GOT first); i386 passes arguments on the stack where
//! x86-64 and MIPS pass them in registers; x86 saves callee-saved registers
//! with pushes where MIPS stores them at `$sp`-relative slots; MIPS reloads
//! `$gp` after every call and computes it in every prologue. None of that
//! is the program. This module finds it with one backward pass over the
//! block: a statement is plumbing when nothing the program does depends on
//! it other than addressing, the stack pointer, the ABI plumbing registers
//! or the call/return linkage.
//!
//! Concretely, a temporary is *real* if some statement that is not plumbing
//! uses it other than as a memory address (when addresses are sliced away);
//! a `t = ...` statement is plumbing if its temporary has uses but none is
//! real. Stores to the stack and loads from it are plumbing as tokens
//! (their data is still real: a spilled value was computed by the program),
//! and so are writes of the stack pointer and of the ABI plumbing
//! registers. The result is a mask of statements that yield no token.

use crate::scheme::SchemeOptions;
use vexil_ir::{Atom, Expr, Irsb, JumpKind, Stmt};
use vexil_lift::GuestLayout;

/// What the slice found: one flag per statement of the block, one per
/// temporary. Reused from block to block (its buffers keep their memory).
#[derive(Clone, Debug, Default)]
pub struct Slice {
    /// True for statements that yield no token.
    pub drop: Vec<bool>,
    /// True for temporaries that hold a constant in disguise: an address
    /// loaded from the GOT through an ABI plumbing register, and constant
    /// offsets from it (another instruction set has them as immediates).
    /// Left empty when there is none (most blocks).
    pub constlike: Vec<bool>,
    /// Per temporary, the `T_*` flags.
    tmp: Vec<u8>,
    /// The guest layout's registers, by offset.
    regs: RegTable,
}

/// The temporary holds a stack address.
const T_STACK: u8 = 1;
/// The temporary holds an address derived from an ABI plumbing register.
const T_VIA: u8 = 2;
/// The temporary is constant-like (see [`Slice::constlike`]).
const T_CONST: u8 = 4;
/// Some statement reads the temporary.
const T_USED: u8 = 8;
/// Some statement that is not plumbing reads the temporary as a value.
const T_REAL: u8 = 16;

/// The byte is part of the stack pointer.
const R_SP: u8 = 1;
/// The byte is part of an ABI plumbing register.
const R_PLUMB: u8 = 2;
/// The byte is part of a bookkeeping range.
const R_BOOK: u8 = 4;

/// What the slice asks of a guest layout about one guest-state offset, as a
/// table of `R_*` flags by offset: one load instead of a search of the
/// register lists for every `GET` and `PUT`. Built for the last layout
/// seen; layouts' register lists are `'static`, so the stack pointer and
/// the lists' addresses identify the table's contents.
#[derive(Clone, Debug, Default)]
struct RegTable {
    /// The stack pointer's offset and size (one word), the bookkeeping
    /// list's address and length, the ABI plumbing list's address and
    /// length; all zero for no layout (a list's address is never zero),
    /// as in a new table, whose empty `flags` describe no layout.
    of: [u64; 5],
    /// Flags by offset; offsets past the end have none.
    flags: Vec<u8>,
}

impl RegTable {
    /// The table's largest size; a layout with registers past it is looked
    /// up by searching its lists.
    const MAX: u32 = 1 << 16;

    /// Makes the table describe `layout`: nearly always the one it
    /// describes already (one check per block, inline: five words
    /// compared); otherwise [`RegTable::build`].
    #[inline]
    fn set(&mut self, layout: Option<&GuestLayout>) {
        let of = Self::identity(layout);
        let differ = of.iter().zip(&self.of).fold(0, |d, (a, b)| d | (a ^ b));
        if differ != 0 {
            self.build(layout);
        }
    }

    /// What identifies the table of `layout` (see [`RegTable::of`]).
    #[inline]
    fn identity(layout: Option<&GuestLayout>) -> [u64; 5] {
        let Some(l) = layout else { return [0; 5] };
        [
            u64::from(l.sp.offset) | u64::from(l.sp.size) << 32,
            l.bookkeeping.as_ptr().addr() as u64,
            l.bookkeeping.len() as u64,
            l.abi_plumbing.as_ptr().addr() as u64,
            l.abi_plumbing.len() as u64,
        ]
    }

    /// Builds the table of `layout`.
    #[cold]
    #[inline(never)]
    fn build(&mut self, layout: Option<&GuestLayout>) {
        let of = Self::identity(layout);
        self.of = of;
        self.flags.clear();
        let Some(l) = layout else { return };
        let regs = || {
            std::iter::once((l.sp, R_SP))
                .chain(l.abi_plumbing.iter().map(|&r| (r, R_PLUMB)))
                .chain(l.bookkeeping.iter().map(|&r| (r, R_BOOK)))
        };
        let end = regs()
            .map(|(r, _)| r.offset.saturating_add(r.size))
            .max()
            .unwrap_or(0);
        if end > Self::MAX {
            // Not expected; `flag` searches the lists then.
            return;
        }
        self.flags.resize(end as usize, 0);
        for (r, f) in regs() {
            for b in &mut self.flags[r.offset as usize..(r.offset + r.size) as usize] {
                *b |= f;
            }
        }
    }

    /// The `R_*` flags of the byte at `off` (only those in `want`), from
    /// a table's `flags`. The passes over a block take the slice out of
    /// the table first: its address and length are then values, which
    /// the writes to the temporaries' flags cannot change, instead of
    /// fields loaded again after each such write.
    #[inline]
    fn flag(flags: &[u8], off: u32, want: u8, layout: Option<&GuestLayout>) -> u8 {
        match flags.get(off as usize) {
            Some(&f) => f & want,
            None if flags.is_empty() && want != 0 => Self::search(off, layout) & want,
            None => 0,
        }
    }

    /// [`RegTable::flag`] by searching the layout's lists.
    fn search(off: u32, layout: Option<&GuestLayout>) -> u8 {
        let Some(l) = layout else { return 0 };
        let in_reg = |r: &vexil_lift::Reg| off >= r.offset && off < r.offset + r.size;
        let mut f = 0;
        if in_reg(&l.sp) {
            f |= R_SP;
        }
        if l.abi_plumbing.iter().any(in_reg) {
            f |= R_PLUMB;
        }
        if l.is_bookkeeping(off, 1) {
            f |= R_BOOK;
        }
        f
    }
}

impl Slice {
    /// Computes the statements of `irsb` that yield no token under `opts`
    /// (beyond what [`crate::token::TokenCtx::dropped`] drops statement by
    /// statement) into `self.drop`, and the constant-like temporaries into
    /// `self.constlike`. Both are left empty when no option of this module
    /// is on.
    pub fn compute(&mut self, irsb: &Irsb, layout: Option<&GuestLayout>, opts: &SchemeOptions) {
        self.drop.clear();
        self.constlike.clear();
        if Slice::is_on(opts) {
            self.compute_on(irsb, layout, opts);
        }
        #[cfg(debug_assertions)]
        {
            let (drop, constlike) = Slice::reference(irsb, layout, opts);
            debug_assert_eq!(self.drop, drop, "fast slice differs");
            debug_assert_eq!(self.constlike, constlike, "fast constant-likes differ");
        }
    }

    /// True if some option of this module is on (otherwise nothing is
    /// sliced away).
    pub(crate) fn is_on(opts: &SchemeOptions) -> bool {
        opts.drop_trap_exits
            || opts.slice_addresses
            || opts.slice_stack
            || opts.slice_abi_regs
            || opts.drop_reg_reads
            || opts.drop_reg_writes
    }

    #[inline(never)]
    fn compute_on(&mut self, irsb: &Irsb, layout: Option<&GuestLayout>, opts: &SchemeOptions) {
        let mut drop = std::mem::take(&mut self.drop);
        drop.clear();
        // Statements not visited are dropped.
        drop.resize(irsb.stmts.len(), true);
        let mut constlike = std::mem::take(&mut self.constlike);
        self.forward(irsb, layout, opts, &mut constlike);
        self.constlike = constlike;
        self.backward(
            irsb,
            layout,
            opts,
            |_, _| true,
            |i, _, d| {
                if let Some(x) = drop.get_mut(i) {
                    *x = d;
                }
            },
        );
        self.drop = drop;
    }

    /// The first half of the slice of [`Slice::compute`] (its options
    /// must be on): the flags of the block's temporaries, and the
    /// constant-like ones into `constlike` (left empty when there is
    /// none). [`Slice::backward`] goes on from there.
    #[inline]
    pub(crate) fn forward(
        &mut self,
        irsb: &Irsb,
        layout: Option<&GuestLayout>,
        opts: &SchemeOptions,
        constlike: &mut Vec<bool>,
    ) {
        self.regs.set(layout);
        let Slice { tmp, regs, .. } = self;
        constlike.clear();
        tmp.clear();
        tmp.resize(irsb.tyenv.len(), 0);
        // Slices, not the vectors: see [`RegTable::flag`].
        let (tmp, regs): (&mut [u8], &[u8]) = (tmp, &regs.flags);
        let flag = |tmp: &[u8], a: Atom| match a {
            Atom::Tmp(t) => tmp.get(t.index()).copied().unwrap_or(0),
            Atom::Const(_) => 0,
        };
        // Which register flags a `GET` of a temporary takes over.
        let get_want = R_SP | if opts.slice_abi_regs { R_PLUMB } else { 0 };
        let ops = crate::token::OpTable::get();

        // Forward: the temporaries that hold a stack address, those that
        // hold an address derived from an ABI plumbing register (GOT
        // entries), and the constant-like ones. Only definitions carry
        // these flags, and in valid IR (`vexil_ir::verify`) a temporary is
        // defined once, before its uses: its flags are still empty when
        // its definition is reached, so they are set with `|=`, and only
        // when there is something to set.
        let mut any_const = false;
        for st in &irsb.stmts {
            let Stmt::WrTmp { dst, expr } = st else {
                continue;
            };
            let f = match expr {
                Expr::Get { offset, .. } => {
                    let r = RegTable::flag(regs, offset.0, get_want, layout);
                    (if r & R_SP != 0 { T_STACK } else { 0 })
                        | if r & R_PLUMB != 0 { T_VIA } else { 0 }
                }
                Expr::Load { addr, .. } if opts.slice_abi_regs && flag(tmp, *addr) & T_VIA != 0 => {
                    T_CONST
                }
                // Pointer arithmetic passes its operands' flags on; the
                // (table) look-up of the operation comes last, for the few
                // operations that would pass something on.
                Expr::Unop { op, a } => {
                    let f = flag(tmp, *a) & (T_STACK | T_VIA | T_CONST);
                    if f != 0 && ops.pointer_arith(*op) {
                        f
                    } else {
                        0
                    }
                }
                Expr::Binop { op, a, b } => {
                    let (fa, fb) = (flag(tmp, *a), flag(tmp, *b));
                    let konst = |x: Atom, f: u8| x.as_const().is_some() || f & T_CONST != 0;
                    let f = ((fa | fb) & (T_STACK | T_VIA))
                        | if konst(*a, fa) && konst(*b, fb) {
                            T_CONST
                        } else {
                            0
                        };
                    if f != 0 && ops.pointer_arith(*op) {
                        f
                    } else {
                        0
                    }
                }
                _ => 0,
            };
            if f != 0 {
                if let Some(t) = tmp.get_mut(dst.index()) {
                    *t |= f;
                    any_const |= f & T_CONST != 0;
                }
            }
        }
        if any_const {
            constlike.extend(tmp.iter().map(|&f| f & T_CONST != 0));
        }
    }

    /// The second half of the slice of [`Slice::compute`], after
    /// [`Slice::forward`] on the same block: the statements that yield no
    /// token, handed statement by statement to `visit` instead of written
    /// into `self.drop`. `visit(i, stmt, dropped)` is called, from the last
    /// statement to the first, for every statement kept and for every
    /// barrier ([`is_barrier`]) dropped; the statements not visited are
    /// dropped (most of them). The token code computes each kept
    /// statement's token in this pass (see `crate::token`), instead of
    /// walking the block again over the mask, and the canonical order
    /// needs every barrier.
    ///
    /// Instruction marks (a quarter of the statements) are always kept
    /// and read nothing: they go to `imark(i, stmt)` straight from the
    /// dispatch on the statement's kind, and on to `visit` only if it
    /// returns true (the token code wants only their addresses and
    /// lengths when they yield no token).
    ///
    /// Returns false if no statement of the block owns heap memory (see
    /// [`Irsb::recycle_known`]), true if some may: the pass looks at every
    /// statement's kind anyway, so the block's recycling need not look
    /// again. Rare statement kinds count as owning some.
    #[inline(always)]
    pub(crate) fn backward(
        &mut self,
        irsb: &Irsb,
        layout: Option<&GuestLayout>,
        opts: &SchemeOptions,
        mut imark: impl FnMut(usize, &Stmt) -> bool,
        mut visit: impl FnMut(usize, &Stmt, bool),
    ) -> bool {
        let Slice { tmp, regs, .. } = self;
        // Slices, not the vectors: see [`RegTable::flag`].
        let (tmp, regs): (&mut [u8], &[u8]) = (tmp, &regs.flags);
        let flag = |tmp: &[u8], a: Atom| match a {
            Atom::Tmp(t) => tmp.get(t.index()).copied().unwrap_or(0),
            Atom::Const(_) => 0,
        };
        let set = |tmp: &mut [u8], a: Atom, f: u8| {
            if let Atom::Tmp(t) = a {
                if let Some(x) = tmp.get_mut(t.index()) {
                    *x |= f;
                }
            }
        };
        let is_stack = |tmp: &[u8], a: Atom| flag(tmp, a) & T_STACK != 0;

        // Backward: which temporaries are read at all (`T_USED`), and which
        // the program's work depends on (`T_REAL`). In valid IR every use
        // of a temporary comes after its definition, so both are complete
        // when the backward pass reaches the definition: every statement
        // marks all it reads as used, and a statement that is not plumbing
        // marks what it reads as real too (addresses only if addresses are
        // real).
        // The block's target: plumbing for calls and returns (PLT vs GOT
        // targets, the return address), real otherwise (a computed jump).
        // It does not count as a use.
        let linkage = matches!(irsb.jumpkind, JumpKind::Call | JumpKind::Ret);
        if !(linkage && opts.drop_linkage) {
            set(tmp, irsb.next, T_REAL);
        }
        const REAL: u8 = T_USED | T_REAL;
        let addr_mark = if opts.slice_addresses { T_USED } else { REAL };
        // Which register flags make a `PUT` plumbing.
        let put_want = (if opts.slice_stack { R_SP } else { 0 })
            | (if opts.slice_abi_regs { R_PLUMB } else { 0 })
            | if opts.drop_bookkeeping { R_BOOK } else { 0 };
        let slice_stack = opts.slice_stack;
        let mut heap = false;
        for (i, st) in irsb.stmts.iter().enumerate().rev() {
            // A statement is plumbing when nothing real depends on it; then
            // it yields no token and marks what it reads as used only.
            // Otherwise it yields no token when it moves stack memory or
            // registers (under the options).
            let d = match st {
                Stmt::WrTmp { dst, expr } => {
                    let f = tmp.get(dst.index()).copied().unwrap_or(0);
                    // A load through an ABI plumbing register reads a GOT
                    // entry: an address that another instruction set has as
                    // a constant.
                    let konst = f & T_CONST != 0;
                    match expr {
                        // A load whose value is only an address is the
                        // program's pointer chasing; it stays.
                        Expr::Load { addr, .. } => {
                            set(tmp, *addr, addr_mark);
                            konst || (slice_stack && is_stack(tmp, *addr))
                        }
                        e => {
                            // What is computed from an ABI plumbing register
                            // (the global pointer and addresses off it) is
                            // never the program's work, even when it is
                            // saved on the stack.
                            let plumbing = f & T_USED != 0 && (f & T_REAL == 0 || f & T_VIA != 0);
                            let mark = if plumbing { T_USED } else { REAL };
                            // One dispatch on the expression's kind: its
                            // reads (as `expr_tmps`), whether it is a `GET`,
                            // and, for the rare kinds only, whether it owns
                            // heap memory.
                            let get = match e {
                                Expr::Binop { a, b, .. } => {
                                    set(tmp, *a, mark);
                                    set(tmp, *b, mark);
                                    false
                                }
                                Expr::Unop { a, .. } => {
                                    set(tmp, *a, mark);
                                    false
                                }
                                Expr::RdTmp(t) => {
                                    set(tmp, Atom::Tmp(*t), mark);
                                    false
                                }
                                Expr::Const(_) => false,
                                Expr::Get { .. } => true,
                                e => {
                                    heap |= matches!(e, Expr::Qop { .. } | Expr::CCall { .. });
                                    e.for_each_atom(|a| set(tmp, *a, mark));
                                    false
                                }
                            };
                            plumbing || konst || (opts.drop_reg_reads && get)
                        }
                    }
                }
                Stmt::IMark { .. } => {
                    if !imark(i, st) {
                        continue;
                    }
                    false
                }
                Stmt::NoOp => false,
                Stmt::Put { offset, data } => {
                    let plumbing = RegTable::flag(regs, offset.0, put_want, layout) != 0;
                    set(tmp, *data, if plumbing { T_USED } else { REAL });
                    plumbing || opts.drop_reg_writes
                }
                Stmt::Exit { jk, guard, .. } => {
                    let plumbing = opts.drop_trap_exits && crate::token::is_trap(*jk);
                    set(tmp, *guard, if plumbing { T_USED } else { REAL });
                    plumbing
                }
                Stmt::Store { addr, data, .. } => {
                    set(tmp, *data, REAL);
                    set(tmp, *addr, addr_mark);
                    slice_stack && is_stack(tmp, *addr)
                }
                Stmt::StoreG {
                    addr, data, guard, ..
                } => {
                    set(tmp, *data, REAL);
                    set(tmp, *guard, REAL);
                    set(tmp, *addr, addr_mark);
                    slice_stack && is_stack(tmp, *addr)
                }
                Stmt::LoadG {
                    addr, alt, guard, ..
                } => {
                    set(tmp, *alt, REAL);
                    set(tmp, *guard, REAL);
                    set(tmp, *addr, addr_mark);
                    slice_stack && is_stack(tmp, *addr)
                }
                Stmt::Llsc {
                    addr, store_data, ..
                } => {
                    if let Some(x) = store_data {
                        set(tmp, *x, REAL);
                    }
                    set(tmp, *addr, addr_mark);
                    false
                }
                other => {
                    other.for_each_atom(|a| set(tmp, *a, REAL));
                    heap = true;
                    false
                }
            };
            if !d || is_barrier(st) {
                visit(i, st, d);
            }
        }
        heap
    }

    /// [`Slice::compute`]'s first version, kept as the reference the faster
    /// one is checked against (debug builds and tests): a forward pass
    /// marks every temporary that is read, and the backward pass marks
    /// real ones, with no assumption on the order of definitions and uses.
    #[cfg(any(test, debug_assertions))]
    fn reference(
        irsb: &Irsb,
        layout: Option<&GuestLayout>,
        opts: &SchemeOptions,
    ) -> (Vec<bool>, Vec<bool>) {
        let (mut drop, mut constlike) = (Vec::new(), Vec::new());
        let on = opts.drop_trap_exits
            || opts.slice_addresses
            || opts.slice_stack
            || opts.slice_abi_regs
            || opts.drop_reg_reads
            || opts.drop_reg_writes;
        if !on {
            return (drop, constlike);
        }
        let n_tmp = irsb.tyenv.len();
        let regs = |off: u32, want: u8| RegTable::search(off, layout) & want;
        let mut tmp = vec![0u8; n_tmp];
        let idx = |a: Atom| a.as_tmp().map(vexil_ir::Temp::index);
        let flag = |tmp: &[u8], a: Atom| idx(a).and_then(|i| tmp.get(i).copied()).unwrap_or(0);
        let set = |tmp: &mut [u8], a: Atom, f: u8| {
            if let Some(t) = idx(a).and_then(|i| tmp.get_mut(i)) {
                *t |= f;
            }
        };
        let get_want = R_SP | if opts.slice_abi_regs { R_PLUMB } else { 0 };
        let mut any_const = false;
        for st in &irsb.stmts {
            let Stmt::WrTmp { dst, expr } = st else {
                st.for_each_atom(|a| set(&mut tmp, *a, T_USED));
                continue;
            };
            let f = match expr {
                Expr::Get { offset, .. } => {
                    let r = regs(offset.0, get_want);
                    (if r & R_SP != 0 { T_STACK } else { 0 })
                        | if r & R_PLUMB != 0 { T_VIA } else { 0 }
                }
                Expr::Load { addr, .. } => {
                    set(&mut tmp, *addr, T_USED);
                    if opts.slice_abi_regs && flag(&tmp, *addr) & T_VIA != 0 {
                        T_CONST
                    } else {
                        0
                    }
                }
                Expr::Unop { op, a } => {
                    set(&mut tmp, *a, T_USED);
                    if crate::token::OpTable::get().pointer_arith(*op) {
                        flag(&tmp, *a) & (T_STACK | T_VIA | T_CONST)
                    } else {
                        0
                    }
                }
                Expr::Binop { op, a, b } => {
                    set(&mut tmp, *a, T_USED);
                    set(&mut tmp, *b, T_USED);
                    if crate::token::OpTable::get().pointer_arith(*op) {
                        let (fa, fb) = (flag(&tmp, *a), flag(&tmp, *b));
                        let konst = |x: Atom, f: u8| x.as_const().is_some() || f & T_CONST != 0;
                        ((fa | fb) & (T_STACK | T_VIA))
                            | if konst(*a, fa) && konst(*b, fb) {
                                T_CONST
                            } else {
                                0
                            }
                    } else {
                        0
                    }
                }
                e => {
                    e.for_each_atom(|a| set(&mut tmp, *a, T_USED));
                    0
                }
            };
            if let Some(t) = tmp.get_mut(dst.index()) {
                *t = (*t & !(T_STACK | T_VIA | T_CONST)) | f;
                any_const |= f & T_CONST != 0;
            }
        }
        if any_const {
            constlike.extend(tmp.iter().map(|&f| f & T_CONST != 0));
        }
        let is_stack = |tmp: &[u8], a: Atom| flag(tmp, a) & T_STACK != 0;
        let linkage = matches!(irsb.jumpkind, JumpKind::Call | JumpKind::Ret);
        if !(linkage && opts.drop_linkage) {
            set(&mut tmp, irsb.next, T_REAL);
        }
        let addr_real = !opts.slice_addresses;
        let put_want = (if opts.slice_stack { R_SP } else { 0 })
            | (if opts.slice_abi_regs { R_PLUMB } else { 0 })
            | if opts.drop_bookkeeping { R_BOOK } else { 0 };
        drop.resize(irsb.stmts.len(), false);
        for (i, st) in irsb.stmts.iter().enumerate().rev() {
            match st {
                Stmt::WrTmp { dst, expr } => {
                    let f = tmp.get(dst.index()).copied().unwrap_or(0);
                    let load = matches!(expr, Expr::Load { .. });
                    if f & T_USED != 0 && (f & T_REAL == 0 || f & T_VIA != 0) && !load {
                        drop[i] = true;
                        continue;
                    }
                    drop[i] = f & T_CONST != 0;
                    match expr {
                        Expr::Load { addr, .. } => {
                            drop[i] |= opts.slice_stack && is_stack(&tmp, *addr);
                            if addr_real {
                                set(&mut tmp, *addr, T_REAL);
                            }
                        }
                        Expr::Get { .. } => drop[i] |= opts.drop_reg_reads,
                        e => e.for_each_atom(|a| set(&mut tmp, *a, T_REAL)),
                    }
                }
                Stmt::Put { offset, data } => {
                    if regs(offset.0, put_want) != 0 {
                        drop[i] = true;
                        continue;
                    }
                    drop[i] = opts.drop_reg_writes;
                    set(&mut tmp, *data, T_REAL);
                }
                Stmt::Exit { jk, guard, .. } => {
                    if opts.drop_trap_exits && crate::token::is_trap(*jk) {
                        drop[i] = true;
                        continue;
                    }
                    set(&mut tmp, *guard, T_REAL);
                }
                Stmt::Store { addr, data, .. } => {
                    drop[i] = opts.slice_stack && is_stack(&tmp, *addr);
                    set(&mut tmp, *data, T_REAL);
                    if addr_real {
                        set(&mut tmp, *addr, T_REAL);
                    }
                }
                Stmt::StoreG {
                    addr, data, guard, ..
                } => {
                    drop[i] = opts.slice_stack && is_stack(&tmp, *addr);
                    set(&mut tmp, *data, T_REAL);
                    set(&mut tmp, *guard, T_REAL);
                    if addr_real {
                        set(&mut tmp, *addr, T_REAL);
                    }
                }
                Stmt::LoadG {
                    addr, alt, guard, ..
                } => {
                    drop[i] = opts.slice_stack && is_stack(&tmp, *addr);
                    set(&mut tmp, *alt, T_REAL);
                    set(&mut tmp, *guard, T_REAL);
                    if addr_real {
                        set(&mut tmp, *addr, T_REAL);
                    }
                }
                Stmt::Llsc {
                    addr, store_data, ..
                } => {
                    if let Some(d) = store_data {
                        set(&mut tmp, *d, T_REAL);
                    }
                    if addr_real {
                        set(&mut tmp, *addr, T_REAL);
                    }
                }
                other => other.for_each_atom(|a| set(&mut tmp, *a, T_REAL)),
            }
        }
        (drop, constlike)
    }
}

/// Calls `f` with the index of every temporary `e` reads, as
/// [`Expr::for_each_atom`] would find them (constants are skipped), with
/// the common shapes written out so that the whole visit inlines.
#[inline(always)]
fn expr_tmps(e: &Expr, mut f: impl FnMut(usize)) {
    let mut atom = |a: &Atom| {
        if let Atom::Tmp(t) = a {
            f(t.index());
        }
    };
    match e {
        Expr::Binop { a, b, .. } => {
            atom(a);
            atom(b);
        }
        Expr::Unop { a, .. } | Expr::Load { addr: a, .. } => atom(a),
        Expr::RdTmp(t) => atom(&Atom::Tmp(*t)),
        Expr::Const(_) | Expr::Get { .. } => {}
        e => e.for_each_atom(atom),
    }
}

/// [`expr_tmps`] for a statement, as [`Stmt::for_each_atom`] would find
/// them.
#[inline(always)]
fn stmt_tmps(st: &Stmt, mut f: impl FnMut(usize)) {
    let mut atom = |a: &Atom| {
        if let Atom::Tmp(t) = a {
            f(t.index());
        }
    };
    match st {
        Stmt::WrTmp { expr, .. } => expr_tmps(expr, f),
        Stmt::IMark { .. } | Stmt::NoOp => {}
        Stmt::Put { data, .. } | Stmt::Exit { guard: data, .. } => atom(data),
        Stmt::Store { addr, data, .. } => {
            atom(addr);
            atom(data);
        }
        st => st.for_each_atom(atom),
    }
}

/// A canonical order of a block's statements: a topological order of their
/// dependencies (data flow through temporaries, memory order between
/// stores and the loads and stores around them, and side exits and side
/// effects as barriers) that does not depend on how the compiler scheduled
/// independent work. Two instruction sets schedule the same computation
/// differently (MIPS hoists loads and fills delay slots; x86 folds a load
/// into the instruction that uses it), so n-grams over the lifted order
/// differ where the program does not.
///
/// `key[i]` is statement `i`'s token hash, `None` if it yields no token.
/// Barriers (exits, dirty calls, fences, CAS, LL/SC) stay where they are;
/// the statements between two barriers are ordered among themselves.
/// Among the statements that are ready, ones without a token go first
/// (they only carry dependencies), then one that uses the value of the
/// last token emitted (following a chain of computation), then the
/// smallest key. [`Order::compute`] returns statement indices in the new
/// order; statements without a token that order nothing (no temporary
/// defined, no memory touched) may be left out.
#[derive(Default, Debug)]
pub struct Order {
    order: Vec<usize>,
    def: Vec<usize>,
    seg: Segment,
    /// What [`Order::tokens`] returns: the statements with a token.
    toks: Vec<usize>,
    /// The statements [`Order::tokens`] looks at (see
    /// [`Order::tokens_marked`]).
    marks: Vec<usize>,
    /// [`Order::run_tokens`]'s storage for runs of up to 64 tokens.
    run64: RunStore<u64>,
    /// [`Order::run_tokens`]'s storage for runs of 65 to 128 tokens.
    run128: RunStore<u128>,
    /// The run [`Order::run_tokens`] orders (see [`TmpDep::stamp`]); one
    /// count for both stores, so that a stamp is never reused while an
    /// entry of either may still hold it.
    stamp: u32,
}

/// The bit masks of [`Order::run_tokens`], one bit per token of a run:
/// `u64` for the runs of up to 64 tokens (nearly all), `u128` for those
/// of up to 128, which the general ordering ([`Order::run_full`]) took
/// several times as long over.
trait Mask:
    Copy
    + Default
    + Eq
    + std::fmt::Debug
    + std::ops::BitOr<Output = Self>
    + std::ops::BitOrAssign
    + std::ops::BitAnd<Output = Self>
    + std::ops::BitAndAssign
    + std::ops::Not<Output = Self>
    + std::ops::Shl<usize, Output = Self>
{
    /// The most tokens a mask describes.
    const BITS: usize;
    /// No bit set.
    const ZERO: Self;
    /// Bit `i` (below [`Mask::BITS`]).
    fn bit(i: usize) -> Self;
    /// The lowest `n` bits (`n` at most [`Mask::BITS`]).
    fn low(n: usize) -> Self;
    /// The position of the lowest bit set (the mask is not zero).
    fn lowest(self) -> usize;
    /// The position of the highest bit set (the mask is not zero).
    fn highest(self) -> usize;
    /// The mask without its lowest bit set.
    fn without_lowest(self) -> Self;
    /// 1 for true, 0 for false.
    fn from_bool(b: bool) -> Self;
}

macro_rules! impl_mask {
    ($t:ty) => {
        impl Mask for $t {
            const BITS: usize = <$t>::BITS as usize;
            const ZERO: $t = 0;
            #[inline(always)]
            fn bit(i: usize) -> $t {
                1 << i
            }
            #[inline(always)]
            fn low(n: usize) -> $t {
                if n == 0 {
                    0
                } else {
                    <$t>::MAX >> (<Self as Mask>::BITS - n)
                }
            }
            #[inline(always)]
            fn lowest(self) -> usize {
                self.trailing_zeros() as usize
            }
            #[inline(always)]
            fn highest(self) -> usize {
                <Self as Mask>::BITS - 1 - self.leading_zeros() as usize
            }
            #[inline(always)]
            fn from_bool(b: bool) -> $t {
                <$t>::from(b)
            }
            #[inline(always)]
            fn without_lowest(self) -> $t {
                self & self.wrapping_sub(1)
            }
        }
    };
}
impl_mask!(u64);
impl_mask!(u128);

/// [`Order::run_tokens`]'s storage for one mask width.
#[derive(Default, Debug)]
struct RunStore<M> {
    /// The tokens of the run being ordered.
    cand: Vec<Cand<M>>,
    /// Per temporary: the run that last defined it and the tokens its
    /// definition depends on.
    tmp_dep: Vec<TmpDep<M>>,
}

/// What [`Order::run_tokens`] knows of a temporary's definition: the run
/// (`stamp`) it was last defined in, and (valid for that run only) the
/// run's tokens the definition depends on (`anc`, itself included if it
/// has a token) and its own token bit (`direct`). One entry, so that a
/// read looks up one place.
#[derive(Copy, Clone, Debug, Default)]
struct TmpDep<M> {
    anc: M,
    direct: M,
    stamp: u32,
}

/// A token of a run, as [`Order::run_tokens`] orders it.
#[derive(Copy, Clone, Debug)]
struct Cand<M> {
    key: u64,
    /// The statement (index into the block).
    stmt: usize,
    /// The run's tokens it depends on, directly or through statements
    /// without a token (bit `c` for the run's `c`-th token).
    anc: M,
    /// The run's tokens with an edge straight to it.
    direct: M,
    /// True if it reads a temporary defined by the last token emitted
    /// before the run.
    follows_last: bool,
    /// Tokens not ready yet that wait for this one: each such token is
    /// listed under the last (by position) of its ancestors not emitted
    /// yet, and looked at again only when that one is emitted (then ready,
    /// or listed under the next such ancestor).
    watch: M,
}

/// What [`Order::run_tokens`] gathers from a statement's reads: the run's
/// tokens it depends on, those with an edge straight to it, and whether it
/// reads the temporary the last token before the run defined.
type Acc<M> = (M, M, bool);

/// Adds the read of `a` to `acc` (see [`Acc`]): through `tmp_dep` if this
/// run (`stamp`) defined it, else whether it is `last_tmp`.
#[inline(always)]
fn dep_read<M: Mask>(
    tmp_dep: &[TmpDep<M>],
    stamp: u32,
    last_tmp: Option<usize>,
    acc: &mut Acc<M>,
    a: &Atom,
) {
    let Atom::Tmp(t) = a else { return };
    let t = t.index();
    match tmp_dep.get(t) {
        Some(d) if d.stamp == stamp => {
            acc.0 |= d.anc;
            acc.1 |= d.direct;
        }
        _ => acc.2 |= Some(t) == last_tmp,
    }
}

/// A statement or expression of a rare shape, for [`rare_reads`].
#[derive(Copy, Clone)]
enum Rare<'a> {
    Stmt(&'a Stmt),
    Expr(&'a Expr),
}

/// [`dep_read`] for every atom of a rare statement or expression, out of
/// line.
#[cold]
#[inline(never)]
fn rare_reads<M: Mask>(
    tmp_dep: &[TmpDep<M>],
    stamp: u32,
    last_tmp: Option<usize>,
    mut acc: Acc<M>,
    of: Rare<'_>,
) -> Acc<M> {
    let mut read = |a: &Atom| dep_read(tmp_dep, stamp, last_tmp, &mut acc, a);
    match of {
        Rare::Stmt(st) => st.for_each_atom(&mut read),
        Rare::Expr(e) => e.for_each_atom(&mut read),
    }
    acc
}

/// How a statement of a run takes part in memory order (see
/// [`Order::run_tokens`]).
#[derive(Copy, Clone)]
enum Mem {
    None,
    Load,
    Store,
}

/// True for the statements that stay where they are in the canonical order.
pub(crate) fn is_barrier(st: &Stmt) -> bool {
    matches!(
        st,
        Stmt::Exit { .. } | Stmt::Dirty(_) | Stmt::Mbe(_) | Stmt::Cas(_) | Stmt::Llsc { .. }
    )
}

/// True for a statement without a token that the canonical order leaves out
/// of the dependency graph: it defines no temporary and touches no memory.
fn is_inert(st: &Stmt) -> bool {
    matches!(
        st,
        Stmt::IMark { .. } | Stmt::Put { .. } | Stmt::PutI { .. } | Stmt::NoOp
    )
}

impl Order {
    /// Computes the canonical order of `irsb`'s statements (see above) and
    /// returns it; the storage is reused by the next call.
    pub fn compute(&mut self, irsb: &Irsb, key: &[Option<u64>]) -> &[usize] {
        let n = irsb.stmts.len();
        let Order {
            order, def, seg, ..
        } = self;
        order.clear();
        def.clear();
        def.resize(irsb.tyenv.len(), usize::MAX);
        seg.last_token = None;
        let mut start = 0;
        for (i, st) in irsb.stmts.iter().enumerate() {
            if is_barrier(st) {
                seg.order(irsb, key, start, i, def, order);
                order.push(i);
                if key.get(i).copied().flatten().is_some() {
                    // Everything after a barrier depends on it: none follows
                    // it more than another.
                    seg.last_token = None;
                }
                st.for_each_def(|t| {
                    if let Some(d) = def.get_mut(t.index()) {
                        *d = i;
                    }
                });
                start = i + 1;
            }
        }
        seg.order(irsb, key, start, n, def, order);
        order
    }

    /// The statements of `irsb` that have a token (`key[i]` is `Some`), in
    /// the canonical order of [`Order::compute`]: the same tokens in the
    /// same order, found with less work. Runs with at most one token keep
    /// their lifted order (like [`Segment::order`]'s fast path); a run with
    /// more is ordered token by token (see [`Order::run_tokens`]), without
    /// building the graph of all its statements; a run with more than 128
    /// tokens (rare) is ordered by [`Segment::order_full`] (see
    /// [`Order::run_full`]). Debug builds check the result against
    /// [`Order::compute`].
    pub fn tokens(&mut self, irsb: &Irsb, key: &[Option<u64>]) -> &[usize] {
        let mut marks = std::mem::take(&mut self.marks);
        marks.clear();
        marks.extend(
            irsb.stmts
                .iter()
                .enumerate()
                .filter(|&(i, st)| key.get(i).copied().flatten().is_some() || is_barrier(st))
                .map(|(i, _)| i),
        );
        self.tokens_marked(irsb, key, &marks);
        self.marks = marks;
        &self.toks
    }

    /// [`Order::tokens`], given `marks`: the statements of `irsb` that
    /// have a token or are barriers, in increasing order (more may be
    /// listed: the others are skipped). The token code collects them while
    /// it makes the tokens, so this looks at those few statements, not the
    /// whole block, to find the runs between barriers.
    #[inline(never)]
    pub(crate) fn tokens_marked(
        &mut self,
        irsb: &Irsb,
        key: &[Option<u64>],
        marks: &[usize],
    ) -> &[usize] {
        self.toks.clear();
        let has_key = |i: usize| key.get(i).copied().flatten().is_some();
        // The last token emitted, if not a barrier's (as in `Segment`).
        let mut last: Option<usize> = None;
        // Tokens in the current run, and the first and last of them.
        let (mut count, mut first, mut last_key) = (0usize, 0, 0);
        let n = irsb.stmts.len();
        // `n` stands for the end of the block, a barrier. Statements that
        // are not marked have no token and are no barrier: the loop would
        // do nothing for them.
        debug_assert!(
            marks.windows(2).all(|w| w[0] < w[1]),
            "marks not increasing"
        );
        for i in marks.iter().copied().chain(std::iter::once(n)) {
            let barrier = irsb.stmts.get(i).is_none_or(is_barrier);
            if !barrier {
                if has_key(i) {
                    if count == 0 {
                        first = i;
                    }
                    last_key = i;
                    count += 1;
                }
                continue;
            }
            match count {
                0 => {}
                1 => {
                    self.toks.push(first);
                    last = Some(first);
                }
                2..=128 => self.run_tokens(irsb, key, first, last_key + 1, count, &mut last),
                _ => self.run_full(irsb, key, first, last_key + 1, &mut last),
            }
            if i < n && has_key(i) {
                self.toks.push(i);
                last = None;
            }
            count = 0;
        }
        #[cfg(debug_assertions)]
        {
            let mut check = Order::default();
            let full: Vec<usize> = check
                .compute(irsb, key)
                .iter()
                .copied()
                .filter(|&i| has_key(i))
                .collect();
            debug_assert_eq!(self.toks, full, "token-level canonical order differs");
        }
        &self.toks
    }

    /// Appends the tokens of a run (two to 128 of them; `a` is the first
    /// one and `b - 1` the last) to `self.toks` in canonical order, and
    /// updates `last`. The masks below are `u64` for runs of up to 64
    /// tokens and `u128` for longer ones (see [`Mask`]).
    ///
    /// Only the order of the tokens matters, and it is decided by the
    /// tokens alone: statements without a token are taken as soon as they
    /// are ready, so when [`Segment::order_full`] picks a token, every
    /// statement whose token ancestors have all been emitted is done, and
    /// the ready tokens are exactly those whose token ancestors (through
    /// any path of the graph) have all been emitted. Among them it prefers
    /// the ones with an edge straight from the last token emitted (or,
    /// before the run's first token, those reading a temporary the last
    /// token before the run defined), then the smallest (key, position).
    /// So one pass over the run collects each token's ancestors and direct
    /// predecessors among the run's tokens as bit masks, through the same
    /// edges (data through temporaries, memory order), and the tokens are
    /// then picked by those rules.
    ///
    /// The statements of the run before its first token have no token
    /// ancestors (so all their masks are empty) and those after its last
    /// token are no token's ancestors, so the pass covers `a..b` only. A
    /// temporary defined before `a` is then either the last token's before
    /// the run (if nothing defined it again since) or carries nothing.
    ///
    /// A run of two tokens (`count`) whose order is known without the
    /// pass is appended at once (see [`Order::pair_in_order`]).
    fn run_tokens(
        &mut self,
        irsb: &Irsb,
        key: &[Option<u64>],
        a: usize,
        b: usize,
        count: usize,
        last: &mut Option<usize>,
    ) {
        let n_tmp = irsb.tyenv.len();
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.run64.tmp_dep.fill(TmpDep::default());
            self.run128.tmp_dep.fill(TmpDep::default());
            self.stamp = 1;
        }
        let stamp = self.stamp;
        // The temporary the last token before the run defined, unless a
        // later statement defined it again (then that one is its
        // definition).
        let mut last_def = last.and_then(|l| match irsb.stmts.get(l) {
            Some(Stmt::WrTmp { dst, .. } | Stmt::LoadG { dst, .. }) if dst.index() < n_tmp => {
                Some((l, dst.index()))
            }
            _ => None,
        });
        if let Some((l, t)) = last_def {
            for st in &irsb.stmts[l + 1..a] {
                st.for_each_def(|d| {
                    if d.index() == t {
                        last_def = None;
                    }
                });
            }
        }
        let last_tmp = last_def.map(|(_, t)| t);
        if count == 2 && Self::pair_in_order(irsb, key, a, b - 1, last_tmp) {
            self.toks.extend([a, b - 1]);
            *last = Some(b - 1);
            return;
        }
        let picked = if count <= 64 {
            Self::run_masked(
                &mut self.run64,
                &mut self.toks,
                irsb,
                key,
                a,
                b,
                stamp,
                last_tmp,
            )
        } else {
            Self::run_masked(
                &mut self.run128,
                &mut self.toks,
                irsb,
                key,
                a,
                b,
                stamp,
                last_tmp,
            )
        };
        if picked.is_some() {
            *last = picked;
        }
    }

    /// The pass and the picking of [`Order::run_tokens`] with masks of
    /// type `M` (the run has at most `M::BITS` tokens), through `store`;
    /// appends the tokens to `toks` and returns the last one, if any.
    /// `stamp` is the run's (new) stamp, and `last_tmp` the temporary the
    /// last token before the run defined.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn run_masked<M: Mask>(
        store: &mut RunStore<M>,
        toks: &mut Vec<usize>,
        irsb: &Irsb,
        key: &[Option<u64>],
        a: usize,
        b: usize,
        stamp: u32,
        last_tmp: Option<usize>,
    ) -> Option<usize> {
        let n_tmp = irsb.tyenv.len();
        let RunStore { cand, tmp_dep } = store;
        cand.clear();
        if tmp_dep.len() < n_tmp {
            tmp_dep.resize(n_tmp, TmpDep::default());
        }
        // Temporaries past the type environment (invalid IR) carry nothing.
        let tmp_dep = &mut tmp_dep[..n_tmp];
        // (ancestors and self, own bit) of the last store, and of the loads
        // since it.
        let mut store: (M, M) = (M::ZERO, M::ZERO);
        let mut loads: (M, M) = (M::ZERO, M::ZERO);
        for (i, st) in irsb.stmts[a..b].iter().enumerate() {
            let i = a + i;
            let k = key.get(i).copied().flatten();
            if k.is_none() && is_inert(st) {
                continue;
            }
            let bit = if k.is_some() {
                M::bit(cand.len())
            } else {
                M::ZERO
            };
            // (ancestors, direct predecessors, reads `last_tmp`) from what
            // the statement reads (see [`dep_read`]).
            let read = |acc: &mut Acc<M>, a: &Atom| dep_read(tmp_dep, stamp, last_tmp, acc, a);
            // The statement's reads, whether it loads or stores, and the
            // temporary it defines, in one match over the statement (a run
            // has no barrier, so no `Cas`, `Llsc` or `Dirty` defines
            // anything here; the last arm still asks). The rare shapes go
            // through `for_each_atom` in a function of their own
            // ([`rare_reads`]), so that the common ones keep the
            // accumulator in registers and build no closure for them.
            let mut acc: Acc<M> = (M::ZERO, M::ZERO, false);
            let rare = |acc: &mut Acc<M>, st: &Stmt| {
                *acc = rare_reads(tmp_dep, stamp, last_tmp, *acc, Rare::Stmt(st));
            };
            let (mem, dst) = match st {
                Stmt::WrTmp { dst, expr } => {
                    let mem = match expr {
                        Expr::Binop { a, b, .. } => {
                            read(&mut acc, a);
                            read(&mut acc, b);
                            Mem::None
                        }
                        Expr::Unop { a, .. } => {
                            read(&mut acc, a);
                            Mem::None
                        }
                        Expr::Load { addr, .. } => {
                            read(&mut acc, addr);
                            Mem::Load
                        }
                        Expr::RdTmp(t) => {
                            read(&mut acc, &Atom::Tmp(*t));
                            Mem::None
                        }
                        Expr::Const(_) | Expr::Get { .. } => Mem::None,
                        e => {
                            acc = rare_reads(tmp_dep, stamp, last_tmp, acc, Rare::Expr(e));
                            Mem::None
                        }
                    };
                    (mem, Some(*dst))
                }
                Stmt::Store { addr, data, .. } => {
                    read(&mut acc, addr);
                    read(&mut acc, data);
                    (Mem::Store, None)
                }
                Stmt::StoreG { .. } => {
                    rare(&mut acc, st);
                    (Mem::Store, None)
                }
                Stmt::LoadG { dst, .. } => {
                    rare(&mut acc, st);
                    (Mem::Load, Some(*dst))
                }
                Stmt::Put { data, .. } | Stmt::Exit { guard: data, .. } => {
                    read(&mut acc, data);
                    (Mem::None, None)
                }
                Stmt::IMark { .. } | Stmt::NoOp => (Mem::None, None),
                st => {
                    rare(&mut acc, st);
                    (Mem::None, None)
                }
            };
            let (mut anc, mut direct, follows_last) = acc;
            match mem {
                Mem::Store => {
                    anc |= store.0 | loads.0;
                    direct |= store.1 | loads.1;
                    store = (anc | bit, bit);
                    loads = (M::ZERO, M::ZERO);
                }
                Mem::Load => {
                    anc |= store.0;
                    direct |= store.1;
                    loads.0 |= anc | bit;
                    loads.1 |= bit;
                }
                Mem::None => {}
            }
            let dep = TmpDep {
                anc: anc | bit,
                direct: bit,
                stamp,
            };
            match dst {
                Some(t) => {
                    if let Some(d) = tmp_dep.get_mut(t.index()) {
                        *d = dep;
                    }
                }
                None => st.for_each_def(|t| {
                    if let Some(d) = tmp_dep.get_mut(t.index()) {
                        *d = dep;
                    }
                }),
            }
            if let Some(key) = k {
                cand.push(Cand {
                    key,
                    stmt: i,
                    anc,
                    direct,
                    follows_last,
                    watch: M::ZERO,
                });
            }
        }
        // Pick the tokens. The earliest one not emitted is always ready
        // (its ancestors come before it), so every round picks one. `left`
        // has a bit for each token not emitted yet; a token's ancestors are
        // tokens of the run, so it is ready when none of them is left.
        // `ready` is kept up to date as tokens are emitted (see
        // [`Cand::watch`]), so that a round looks at the ready tokens only
        // (few), not at every token left.
        let n = cand.len().min(M::BITS);
        let mut left = M::low(n);
        // The tokens whose ancestors have all been emitted; the others
        // wait for their last ancestor.
        let mut ready = M::ZERO;
        for d in 0..n {
            let anc = cand[d].anc;
            if anc == M::ZERO {
                ready |= M::bit(d);
            } else if let Some(p) = cand.get_mut(anc.highest()) {
                p.watch |= M::bit(d);
            }
        }
        let mut prev: Option<usize> = None;
        // The last token emitted (returned).
        let mut picked: Option<usize> = None;
        while left != M::ZERO {
            // The ready tokens that follow `prev` if there are any, else
            // all ready ones; the smallest (key, position) of those.
            // Usually only one token is ready.
            let c = if ready.without_lowest() == M::ZERO {
                ready.lowest()
            } else {
                let mut fol = M::ZERO;
                let mut bits = ready;
                while bits != M::ZERO {
                    let c = bits.lowest();
                    bits = bits.without_lowest();
                    let t = &cand[c];
                    let follows = match prev {
                        Some(p) => t.direct & M::bit(p) != M::ZERO,
                        None => t.follows_last,
                    };
                    fol |= M::from_bool(follows) << c;
                }
                let mut bits = if fol != M::ZERO { fol } else { ready };
                let mut best = bits.lowest();
                let mut best_key = cand[best].key;
                bits = bits.without_lowest();
                while bits != M::ZERO {
                    let c = bits.lowest();
                    bits = bits.without_lowest();
                    // Candidates come by position: the first of equal keys
                    // wins.
                    let k = cand[c].key;
                    if k < best_key {
                        (best, best_key) = (c, k);
                    }
                }
                best
            };
            let Some(t) = cand.get(c) else { break };
            let (stmt, mut watch) = (t.stmt, t.watch);
            left &= !M::bit(c);
            ready &= !M::bit(c);
            while watch != M::ZERO {
                let d = watch.lowest();
                watch = watch.without_lowest();
                let wait = cand[d].anc & left;
                if wait == M::ZERO {
                    ready |= M::bit(d);
                } else if let Some(p) = cand.get_mut(wait.highest()) {
                    p.watch |= M::bit(d);
                }
            }
            prev = Some(c);
            toks.push(stmt);
            picked = Some(stmt);
        }
        picked
    }

    /// True if the two tokens of a run, at `t0` and then `t1`, are known to
    /// keep their lifted order (`t1` reads what `t0` defines, or the order
    /// holds whatever the dependencies between them): a pass of
    /// [`Order::run_tokens`] over the run is only needed to find whether
    /// `t1` depends on `t0`, and in these cases the answer does not matter.
    ///
    /// `t0` is always ready first. If `t1` depends on it, it comes first.
    /// Otherwise both are ready, and the first pick prefers the tokens
    /// that read `last_tmp` (the temporary the last token before the run
    /// defined), then the smaller key, the earlier one on equal keys. So
    /// with `key(t0) <= key(t1)`, `t0` comes first unless `t1` follows the
    /// last token and `t0` does not; `t1` can only follow it if it reads
    /// `last_tmp`. (`t0` is the run's first statement looked at, so it
    /// follows the last token exactly when it reads `last_tmp`.)
    fn pair_in_order(
        irsb: &Irsb,
        key: &[Option<u64>],
        t0: usize,
        t1: usize,
        last_tmp: Option<usize>,
    ) -> bool {
        let (Some(Some(k0)), Some(Some(k1))) = (key.get(t0), key.get(t1)) else {
            return false;
        };
        if k0 > k1 {
            // `t1` then comes first only if it does not depend on `t0`;
            // it does if it reads what `t0` defines (in valid IR a
            // temporary is defined once).
            let Some(Stmt::WrTmp { dst, .. }) = irsb.stmts.get(t0) else {
                return false;
            };
            let d = dst.index();
            let mut found = false;
            if let Some(st) = irsb.stmts.get(t1) {
                stmt_tmps(st, |x| found |= x == d);
            }
            return found;
        }
        let Some(t) = last_tmp else {
            return true;
        };
        let reads = |i: usize| {
            let mut found = false;
            if let Some(st) = irsb.stmts.get(i) {
                stmt_tmps(st, |x| found |= x == t);
            }
            found
        };
        reads(t0) || !reads(t1)
    }

    /// Orders a run of more than 128 tokens (`a` is its first token and
    /// `b - 1` its last) with [`Segment::order_full`] over `a..b` only, for
    /// the reasons given at [`Order::run_tokens`]: what comes before `a` in
    /// the run has no token ancestors, and of the definitions before it only
    /// that of the last token emitted (`last`, unless defined again since)
    /// matters. Appends the run's tokens to `self.toks` and updates `last`.
    #[inline(never)]
    fn run_full(
        &mut self,
        irsb: &Irsb,
        key: &[Option<u64>],
        a: usize,
        b: usize,
        last: &mut Option<usize>,
    ) {
        let Order {
            order,
            def,
            seg,
            toks,
            ..
        } = self;
        def.clear();
        def.resize(irsb.tyenv.len(), usize::MAX);
        if let Some(l) = *last {
            for (j, st) in irsb.stmts[l..a].iter().enumerate() {
                st.for_each_def(|t| {
                    if let Some(d) = def.get_mut(t.index()) {
                        *d = l + j;
                    }
                });
            }
        }
        seg.last_token = *last;
        order.clear();
        seg.order_full(irsb, key, a, b, def, order);
        toks.extend(
            order
                .iter()
                .copied()
                .filter(|&i| key.get(i).copied().flatten().is_some()),
        );
        *last = seg.last_token;
    }
}

/// Working storage for ordering one run of statements between barriers.
#[derive(Default, Debug)]
struct Segment {
    /// Dependency edges (from, to), as offsets into the run, in the order
    /// they were found (by increasing `to`; duplicates possible).
    edges: Vec<(u32, u32)>,
    /// Successor lists: statement `k`'s successors are
    /// `succ[succ_start[k]..succ_end[k]]`, in increasing order, without
    /// duplicates.
    succ: Vec<u32>,
    succ_start: Vec<u32>,
    succ_end: Vec<u32>,
    /// Loads since the last store (offsets into the block).
    loads: Vec<usize>,
    /// Statements left out of the graph (offsets into the run).
    inert: Vec<bool>,
    waiting: Vec<u32>,
    keyless: Vec<u32>,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<(u64, u32)>>,
    fol: Vec<u32>,
    done: Vec<bool>,
    /// `follows[j] == stamp`: j uses the last token emitted.
    follows: Vec<u32>,
    /// The last statement with a token emitted, if it was not a barrier
    /// (statements of the next run that use its value follow it).
    last_token: Option<usize>,
}

impl Segment {
    /// Appends the canonical order of statements `a..b` to `order`, and
    /// records their definitions in `def`.
    fn order(
        &mut self,
        irsb: &Irsb,
        key: &[Option<u64>],
        a: usize,
        b: usize,
        def: &mut [usize],
        order: &mut Vec<usize>,
    ) {
        let len = b.saturating_sub(a);
        if len == 0 {
            return;
        }
        let key_at = |i: usize| key.get(i).copied().flatten();
        if (a..b).filter(|&i| key_at(i).is_some()).nth(1).is_none() {
            // At most one statement with a token (most runs): every order
            // gives the same tokens, so the lifted order (dependencies
            // always point forward in it) stands. Debug builds check that
            // against the full ordering.
            #[cfg(debug_assertions)]
            let full = {
                let (mut d, mut o, last) = (def.to_vec(), Vec::new(), self.last_token);
                self.order_full(irsb, key, a, b, &mut d, &mut o);
                let after = std::mem::replace(&mut self.last_token, last);
                let toks: Vec<usize> = o.into_iter().filter(|&i| key_at(i).is_some()).collect();
                (toks, d, after)
            };
            #[cfg(debug_assertions)]
            let start = order.len();
            for i in a..b {
                order.push(i);
                if key_at(i).is_some() {
                    self.last_token = Some(i);
                }
                irsb.stmts[i].for_each_def(|t| {
                    if let Some(d) = def.get_mut(t.index()) {
                        *d = i;
                    }
                });
            }
            #[cfg(debug_assertions)]
            {
                let toks: Vec<usize> = order[start..]
                    .iter()
                    .copied()
                    .filter(|&i| key_at(i).is_some())
                    .collect();
                debug_assert_eq!(toks, full.0, "fast canonical order differs");
                debug_assert_eq!(
                    &*def,
                    &full.1[..],
                    "fast canonical order's definitions differ"
                );
                debug_assert_eq!(
                    self.last_token, full.2,
                    "fast canonical order's last token differs"
                );
            }
            return;
        }
        self.order_full(irsb, key, a, b, def, order);
    }

    /// [`Segment::order`] for a run with two or more tokens: the dependency
    /// graph and the ready heap.
    fn order_full(
        &mut self,
        irsb: &Irsb,
        key: &[Option<u64>],
        a: usize,
        b: usize,
        def: &mut [usize],
        order: &mut Vec<usize>,
    ) {
        let len = b - a;
        let off = |i: usize| u32::try_from(i - a).unwrap_or(u32::MAX);
        self.edges.clear();
        self.follows.clear();
        self.follows.resize(len, 0);
        let mut stamp = 0u32;
        let mut last_store: Option<usize> = None;
        self.loads.clear();
        self.inert.clear();
        self.inert.resize(len, false);
        for i in a..b {
            let st = &irsb.stmts[i];
            // A statement without a token that defines no temporary and
            // does not touch memory (an IMark, a dropped PUT) orders
            // nothing: no edge leaves it and its place emits nothing, so
            // it stays out of the graph (about half the statements).
            if key.get(i).copied().flatten().is_none() && is_inert(st) {
                self.inert[i - a] = true;
                continue;
            }
            let edges = &mut self.edges;
            let (follows, last) = (&mut self.follows, self.last_token);
            st.for_each_atom(|x| {
                if let Some(&j) = x.as_tmp().and_then(|t| def.get(t.index())) {
                    if j >= a && j < i {
                        edges.push((off(j), off(i)));
                    } else if Some(j) == last {
                        follows[i - a] = 1;
                        stamp = 1;
                    }
                }
            });
            match st {
                Stmt::Store { .. } | Stmt::StoreG { .. } => {
                    if let Some(j) = last_store {
                        self.edges.push((off(j), off(i)));
                    }
                    for j in self.loads.drain(..) {
                        self.edges.push((off(j), off(i)));
                    }
                    last_store = Some(i);
                }
                Stmt::WrTmp {
                    expr: Expr::Load { .. },
                    ..
                }
                | Stmt::LoadG { .. } => {
                    if let Some(j) = last_store {
                        self.edges.push((off(j), off(i)));
                    }
                    self.loads.push(i);
                }
                _ => {}
            }
            st.for_each_def(|t| {
                if let Some(d) = def.get_mut(t.index()) {
                    *d = i;
                }
            });
        }
        // Successor lists by counting sort on `from`. Edges were found by
        // increasing `to`, so each list comes out sorted, with any
        // duplicates next to each other (they are skipped).
        self.succ_start.clear();
        self.succ_start.resize(len + 1, 0);
        for &(f, _) in &self.edges {
            self.succ_start[f as usize + 1] += 1;
        }
        for k in 0..len {
            self.succ_start[k + 1] += self.succ_start[k];
        }
        self.succ_end.clear();
        self.succ_end.extend_from_slice(&self.succ_start[..len]);
        self.succ.clear();
        self.succ.resize(self.edges.len(), 0);
        self.waiting.clear();
        self.waiting.resize(len, 0);
        for &(f, t) in &self.edges {
            let (lo, end) = (self.succ_start[f as usize], &mut self.succ_end[f as usize]);
            if *end > lo && self.succ[*end as usize - 1] == t {
                continue;
            }
            self.succ[*end as usize] = t;
            *end += 1;
            self.waiting[t as usize] += 1;
        }
        // Ready statements: those without a token (taken first, in any
        // order: they emit nothing and change no `follows`), and those with
        // one in a heap by (key, offset); `fol` holds the ready ones that
        // use the last token (taken before the heap). Taken heap entries
        // are skipped lazily.
        self.keyless.clear();
        self.heap.clear();
        self.fol.clear();
        self.done.clear();
        self.done.resize(len, false);
        let key_of = |k: usize| key.get(a + k).copied().flatten();
        for k in 0..len {
            if self.waiting[k] == 0 && !self.inert[k] {
                self.make_ready(k, key_of(k), stamp);
            }
        }
        loop {
            let k = if let Some(k) = self.keyless.pop() {
                k as usize
            } else if let Some(pos) = (0..self.fol.len()).min_by_key(|&p| {
                let k = self.fol[p] as usize;
                (key_of(k).unwrap_or(0), k)
            }) {
                self.fol.swap_remove(pos) as usize
            } else {
                match self.heap.pop() {
                    Some(std::cmp::Reverse((_, k))) if self.done[k as usize] => continue,
                    Some(std::cmp::Reverse((_, k))) => k as usize,
                    None => break,
                }
            };
            self.done[k] = true;
            order.push(a + k);
            let (lo, hi) = (self.succ_start[k] as usize, self.succ_end[k] as usize);
            let token = key_of(k).is_some();
            if token {
                stamp += 1;
                self.last_token = Some(a + k);
                self.fol.clear();
            }
            for e in lo..hi {
                let t = self.succ[e] as usize;
                if token {
                    self.follows[t] = stamp;
                }
                self.waiting[t] -= 1;
                if self.waiting[t] == 0 {
                    self.make_ready(t, key_of(t), stamp);
                }
            }
        }
    }

    fn make_ready(&mut self, k: usize, key: Option<u64>, stamp: u32) {
        let Ok(k32) = u32::try_from(k) else { return };
        match key {
            None => self.keyless.push(k32),
            Some(h) => {
                self.heap.push(std::cmp::Reverse((h, k32)));
                if stamp > 0 && self.follows[k] == stamp {
                    self.fol.push(k32);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;
    use vexil_ir::testgen::{Entropy, GenConfig, XorShift, random_irsb};
    use vexil_ir::{Arch, Type};
    use vexil_lift::Reg;

    const fn reg(name: &'static str, offset: u32, size: u32) -> Reg {
        Reg { name, offset, size }
    }

    // A layout over the generator's 64-byte state: sp, two plumbing
    // registers and bookkeeping cover most offsets it draws, so that
    // stack and GOT-like addresses are common.
    static PLUMBING: [Reg; 2] = [reg("t9", 8, 8), reg("gp", 16, 8)];
    static BOOK: [Reg; 1] = [reg("pc", 24, 8)];
    static LAYOUT: GuestLayout = GuestLayout {
        arch: Arch::Mips64,
        size: 64,
        pc: reg("pc", 24, 8),
        sp: reg("sp", 0, 8),
        regs: &[],
        bookkeeping: &BOOK,
        abi_plumbing: &PLUMBING,
    };

    fn config(max_stmts: usize) -> GenConfig {
        GenConfig {
            max_stmts,
            state_size: 64,
            addr_ty: Type::I64,
            ..GenConfig::default()
        }
    }

    fn random_options(e: &mut XorShift) -> SchemeOptions {
        let mut o = crate::Scheme::NeutralV2.options();
        let mut flip = |b: &mut bool| *b = e.chance(1, 2);
        flip(&mut o.drop_trap_exits);
        flip(&mut o.slice_addresses);
        flip(&mut o.slice_stack);
        flip(&mut o.slice_abi_regs);
        flip(&mut o.drop_reg_reads);
        flip(&mut o.drop_reg_writes);
        flip(&mut o.drop_linkage);
        flip(&mut o.drop_bookkeeping);
        o
    }

    #[test]
    fn slice_matches_the_reference_on_random_blocks() {
        let mut e = XorShift::new(7);
        let (cfg, mut slice) = (config(60), Slice::default());
        let (mut dropped, mut constlike) = (0usize, 0usize);
        for round in 0..4000 {
            let irsb = random_irsb(&mut e, &cfg);
            let opts = random_options(&mut e);
            let layout = (round % 5 != 0).then_some(&LAYOUT);
            slice.compute(&irsb, layout, &opts);
            let (drop, konst) = Slice::reference(&irsb, layout, &opts);
            assert_eq!(slice.drop, drop, "round {round}");
            assert_eq!(slice.constlike, konst, "round {round}");
            dropped += drop.iter().filter(|&&d| d).count();
            constlike += konst.iter().filter(|&&c| c).count();
        }
        // The blocks exercise the slice (not everything kept).
        assert!(dropped > 1000, "{dropped} statements dropped");
        assert!(constlike > 0, "no constant-like temporaries");
    }

    /// Random keys: about half the statements have one, from a few values
    /// so that ties (decided by position) are common.
    fn random_keys(e: &mut XorShift, irsb: &Irsb, density: u64) -> Vec<Option<u64>> {
        irsb.stmts
            .iter()
            .map(|_| e.chance(density, 4).then(|| e.below(6)))
            .collect()
    }

    fn tokens_of_compute(irsb: &Irsb, key: &[Option<u64>]) -> Vec<usize> {
        Order::default()
            .compute(irsb, key)
            .iter()
            .copied()
            .filter(|&i| key[i].is_some())
            .collect()
    }

    #[test]
    fn token_order_matches_the_full_order_on_random_blocks() {
        let mut e = XorShift::new(11);
        let mut order = Order::default();
        let (mut long_runs, mut longer_runs) = (0, 0);
        for round in 0..3000 {
            // Some long blocks with dense keys: runs of more than 64 tokens
            // (masks of 128 bits), some of more than 128 (the general path).
            let long = round % 3 == 0;
            let mut irsb = random_irsb(&mut e, &config(if long { 600 } else { 60 }));
            if long {
                // Fewer barriers (exits and fences define nothing).
                irsb.stmts
                    .retain(|s| !matches!(s, Stmt::Exit { .. } | Stmt::Mbe(_)));
            }
            if round % 6 == 0 {
                // Every other long block has no barrier at all: runs of
                // over 128 tokens. The temporaries the barriers defined
                // are then read without a definition in the block, as if
                // defined before it, by both orders alike.
                for st in &mut irsb.stmts {
                    if is_barrier(st) {
                        *st = Stmt::NoOp;
                    }
                }
            }
            let mut keys = random_keys(&mut e, &irsb, if long { 3 } else { 2 });
            if long {
                // Barriers without a token: the last token before a run
                // is then a statement of the run before.
                for (st, k) in irsb.stmts.iter().zip(&mut keys) {
                    if is_barrier(st) {
                        *k = None;
                    }
                }
            }
            // The most tokens between two barriers.
            let (mut run, mut most) = (0, 0);
            for (st, k) in irsb.stmts.iter().zip(&keys) {
                run = if is_barrier(st) {
                    0
                } else {
                    run + usize::from(k.is_some())
                };
                most = most.max(run);
            }
            long_runs += usize::from(most > 64 && most <= 128);
            longer_runs += usize::from(most > 128);
            let got = order.tokens(&irsb, &keys).to_vec();
            assert_eq!(got, tokens_of_compute(&irsb, &keys), "round {round}");
        }
        assert!(
            long_runs > 10,
            "{long_runs} blocks with runs of 65 to 128 tokens"
        );
        assert!(
            longer_runs > 10,
            "{longer_runs} blocks with runs of over 128 tokens"
        );
    }
}

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
use vexil_ir::{Atom, Expr, Irsb, JumpKind, Op, Stmt};
use vexil_lift::GuestLayout;

/// What the slice found: one flag per statement of the block.
#[derive(Clone, Debug, Default)]
pub struct Slice {
    /// True for statements that yield no token.
    pub drop: Vec<bool>,
    /// True for temporaries that hold a constant in disguise: an address
    /// loaded from the GOT through an ABI plumbing register, and constant
    /// offsets from it (another instruction set has them as immediates).
    pub constlike: Vec<bool>,
}

/// True if `op` keeps a pointer a pointer: adding or subtracting an
/// offset, aligning, or a width conversion.
fn pointer_arith(op: Op) -> bool {
    let name = crate::token::neutral_op_name(op.name());
    matches!(name.as_str(), "Add" | "Sub" | "And" | "Uto" | "Sto" | "to")
}

/// Computes the statements of `irsb` that yield no token under `opts`
/// (beyond what [`crate::token::TokenCtx::dropped`] drops statement by
/// statement). Returns an empty mask when no option of this module is on.
pub fn slice(irsb: &Irsb, layout: Option<&GuestLayout>, opts: &SchemeOptions) -> Slice {
    let on = opts.drop_trap_exits
        || opts.slice_addresses
        || opts.slice_stack
        || opts.slice_abi_regs
        || opts.drop_reg_reads
        || opts.drop_reg_writes;
    if !on {
        return Slice::default();
    }
    let n_tmp = irsb.tyenv.len();
    let sp = layout.map(|l| (l.sp.offset, l.sp.size));
    let in_reg = |off: u32, regs: &[vexil_lift::Reg]| {
        regs.iter()
            .any(|r| off >= r.offset && off < r.offset + r.size)
    };
    let is_sp = |off: u32| sp.is_some_and(|(o, s)| off >= o && off < o + s);
    let plumb_regs: &[vexil_lift::Reg] = layout.map_or(&[], |l| l.abi_plumbing);
    let is_plumb_reg = |off: u32| opts.slice_abi_regs && in_reg(off, plumb_regs);

    // Forward: temporaries that hold a stack address, and those that hold
    // an address derived from an ABI plumbing register (GOT entries).
    let mut stack = vec![false; n_tmp];
    let mut via_plumb = vec![false; n_tmp];
    let mut constlike = vec![false; n_tmp];
    let mut uses = vec![0u32; n_tmp];
    let tmp = |a: Atom| a.as_tmp().map(vexil_ir::Temp::index);
    for st in &irsb.stmts {
        st.for_each_atom(|a| {
            if let Some(i) = tmp(*a) {
                if let Some(u) = uses.get_mut(i) {
                    *u += 1;
                }
            }
        });
        let Stmt::WrTmp { dst, expr } = st else {
            continue;
        };
        let flag = |v: &[bool], a: Atom| tmp(a).is_some_and(|i| v.get(i).copied().unwrap_or(false));
        let konst = |a: Atom| a.as_const().is_some() || flag(&constlike, a);
        let (s, p, c) = match expr {
            Expr::Get { offset, .. } => (is_sp(offset.0), is_plumb_reg(offset.0), false),
            Expr::Load { addr, .. } => {
                (false, false, opts.slice_abi_regs && flag(&via_plumb, *addr))
            }
            Expr::Unop { op, a } if pointer_arith(*op) => {
                (flag(&stack, *a), flag(&via_plumb, *a), flag(&constlike, *a))
            }
            Expr::Binop { op, a, b } if pointer_arith(*op) => (
                flag(&stack, *a) || flag(&stack, *b),
                flag(&via_plumb, *a) || flag(&via_plumb, *b),
                konst(*a) && konst(*b),
            ),
            _ => (false, false, false),
        };
        let d = dst.index();
        if d < n_tmp {
            stack[d] = s;
            via_plumb[d] = p;
            constlike[d] = c;
        }
    }
    let is_stack = |a: Atom| tmp(a).is_some_and(|i| stack.get(i).copied().unwrap_or(false));

    // Backward: which temporaries the program's work depends on.
    let mut real = vec![false; n_tmp];
    let mark = |real: &mut Vec<bool>, a: Atom| {
        if let Some(i) = tmp(a) {
            if let Some(r) = real.get_mut(i) {
                *r = true;
            }
        }
    };
    // The block's target: plumbing for calls and returns (PLT vs GOT
    // targets, the return address), real otherwise (a computed jump).
    let linkage = matches!(irsb.jumpkind, JumpKind::Call | JumpKind::Ret);
    if !(linkage && opts.drop_linkage) {
        mark(&mut real, irsb.next);
    }
    let addr_real = !opts.slice_addresses;
    let mut drop = vec![false; irsb.stmts.len()];
    for (i, st) in irsb.stmts.iter().enumerate().rev() {
        // Is the statement plumbing (nothing real depends on it)?
        let plumbing = match st {
            Stmt::WrTmp { dst, expr } => {
                let d = dst.index();
                let used = uses.get(d).copied().unwrap_or(0) > 0;
                let is_real = real.get(d).copied().unwrap_or(false);
                // A load whose value is only an address is the program's
                // pointer chasing; it stays.
                let load = matches!(expr, Expr::Load { .. });
                // What is computed from an ABI plumbing register (the
                // global pointer and addresses off it) is never the
                // program's work, even when it is saved on the stack.
                let via = via_plumb.get(d).copied().unwrap_or(false);
                used && (!is_real || via) && !load
            }
            Stmt::Exit { jk, .. } => {
                opts.drop_trap_exits && crate::token::jump_class(*jk) == Some("trap")
            }
            Stmt::Put { offset, .. } => {
                (opts.slice_stack && is_sp(offset.0))
                    || is_plumb_reg(offset.0)
                    || (opts.drop_bookkeeping
                        && layout.is_some_and(|l| l.is_bookkeeping(offset.0, 1)))
            }
            _ => false,
        };
        // Does it yield a token?
        // A load through an ABI plumbing register reads a GOT entry: an
        // address that another instruction set has as a constant.
        let got = matches!(st, Stmt::WrTmp { dst, .. } if constlike.get(dst.index()).copied().unwrap_or(false));
        let stack_mem = opts.slice_stack
            && match st {
                Stmt::Store { addr, .. } | Stmt::StoreG { addr, .. } => is_stack(*addr),
                Stmt::WrTmp {
                    expr: Expr::Load { addr, .. },
                    ..
                } => is_stack(*addr),
                Stmt::LoadG { addr, .. } => is_stack(*addr),
                _ => false,
            };
        let reg_token = match st {
            Stmt::WrTmp {
                expr: Expr::Get { .. },
                ..
            } => opts.drop_reg_reads,
            Stmt::Put { .. } => opts.drop_reg_writes,
            _ => false,
        };
        drop[i] = plumbing || got || stack_mem || reg_token;
        if plumbing {
            continue;
        }
        // Mark what it uses: addresses only if addresses are real.
        match st {
            Stmt::WrTmp { expr, .. } => match expr {
                Expr::Load { addr, .. } => {
                    if addr_real {
                        mark(&mut real, *addr);
                    }
                }
                e => e.for_each_atom(|a| mark(&mut real, *a)),
            },
            Stmt::Store { addr, data, .. } => {
                mark(&mut real, *data);
                if addr_real {
                    mark(&mut real, *addr);
                }
            }
            Stmt::StoreG {
                addr, data, guard, ..
            } => {
                mark(&mut real, *data);
                mark(&mut real, *guard);
                if addr_real {
                    mark(&mut real, *addr);
                }
            }
            Stmt::LoadG {
                addr, alt, guard, ..
            } => {
                mark(&mut real, *alt);
                mark(&mut real, *guard);
                if addr_real {
                    mark(&mut real, *addr);
                }
            }
            Stmt::Llsc {
                addr, store_data, ..
            } => {
                if let Some(d) = store_data {
                    mark(&mut real, *d);
                }
                if addr_real {
                    mark(&mut real, *addr);
                }
            }
            other => other.for_each_atom(|a| mark(&mut real, *a)),
        }
    }
    Slice { drop, constlike }
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
/// Among the statements that are ready, ones without a token go first
/// (they only carry dependencies), then one that uses the value of the
/// last token emitted (following a chain of computation), then the
/// smallest key. Returns statement indices in the new order.
pub fn canonical_order(irsb: &Irsb, key: &[Option<u64>]) -> Vec<usize> {
    let n = irsb.stmts.len();
    let mut def: Vec<Option<usize>> = vec![None; irsb.tyenv.len()];
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut last_barrier: Option<usize> = None;
    let mut last_store: Option<usize> = None;
    let mut loads_since_store: Vec<usize> = Vec::new();
    for (i, st) in irsb.stmts.iter().enumerate() {
        let p = &mut preds[i];
        st.for_each_atom(|a| {
            if let Some(j) = a
                .as_tmp()
                .and_then(|t| def.get(t.index()).copied().flatten())
            {
                p.push(j);
            }
        });
        let barrier = matches!(
            st,
            Stmt::Exit { .. } | Stmt::Dirty(_) | Stmt::Mbe(_) | Stmt::Cas(_) | Stmt::Llsc { .. }
        );
        let store = matches!(st, Stmt::Store { .. } | Stmt::StoreG { .. });
        let load = matches!(
            st,
            Stmt::WrTmp {
                expr: Expr::Load { .. },
                ..
            } | Stmt::LoadG { .. }
        );
        if barrier {
            // Everything since the last barrier happens before it.
            let from = last_barrier.map_or(0, |b| b + 1);
            p.extend(from..i);
            last_barrier = Some(i);
            last_store = None;
            loads_since_store.clear();
        } else {
            p.extend(last_barrier);
            if store {
                p.extend(last_store);
                p.append(&mut loads_since_store);
                last_store = Some(i);
            } else if load {
                p.extend(last_store);
                loads_since_store.push(i);
            }
        }
        st.for_each_def(|t| {
            if let Some(d) = def.get_mut(t.index()) {
                *d = Some(i);
            }
        });
    }
    let mut waiting: Vec<usize> = preds.iter().map(Vec::len).collect();
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, p) in preds.iter().enumerate() {
        for &j in p {
            succs[j].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    let mut last_token: Option<usize> = None;
    while !ready.is_empty() {
        let pick = ready
            .iter()
            .enumerate()
            .min_by_key(|&(_, &i)| {
                let k = key.get(i).copied().flatten();
                let follows = last_token.is_some_and(|l| preds[i].contains(&l));
                (k.is_some(), !follows, k.unwrap_or(0), i)
            })
            .map_or(0, |(pos, _)| pos);
        let i = ready.swap_remove(pick);
        order.push(i);
        if key.get(i).copied().flatten().is_some() {
            last_token = Some(i);
        }
        for &s in &succs[i] {
            waiting[s] -= 1;
            if waiting[s] == 0 {
                ready.push(s);
            }
        }
    }
    order
}

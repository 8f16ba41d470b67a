//! The general-purpose integer instructions: arithmetic and logic with
//! their flag thunks, multiplication and division, shifts and rotates, bit
//! operations, data movement, atomics, and the stack.
//!
//! Flags follow VEX's thunk conventions (see `flags.rs`); where an
//! instruction changes only some flags, the others are read back through
//! the flags helper and merged into a `COPY` thunk.

use super::bits::mask;
use super::flags::{AF, CF, Family, OF, OSZACP, PF, SF, ZF};
use super::lift::{
    ADD, AND, CMPEQ, CMPLEU, CMPNE, Flow, Lifter, Loc, MUL, NOT, OR, R, SAR, SHL, SHR, SUB,
    Unsupported, XOR, ity,
};
use iced_x86::{Mnemonic, OpKind, Register};
use vexil_ir::{Atom, Cas, Endness, JumpKind, Op, Stmt, Type};

/// Register numbers in encoding order.
pub(crate) const RAX: u32 = 0;
pub(crate) const RCX: u32 = 1;
pub(crate) const RDX: u32 = 2;
pub(crate) const RBX: u32 = 3;
pub(crate) const RBP: u32 = 5;
pub(crate) const RSI: u32 = 6;
pub(crate) const RDI: u32 = 7;

/// `add`, `or`, `adc`, `sbb`, `and`, `sub`, `xor`, `cmp`, `test`.
pub(crate) fn alu(lf: &mut Lifter, mn: Mnemonic) -> R<Flow> {
    let slot = lf.dst_slot()?;
    let (ty, dst) = match slot {
        Some((off, ty)) => (ty, Loc::Reg(lf.i.op0_register(), off, ty)),
        None => (lf.op_ty(0, Type::I32)?, lf.loc(0)?),
    };
    let src = lf.loc(1)?;
    let same_reg = matches!((dst, src), (Loc::Reg(a, ..), Loc::Reg(b, ..)) if a == b);
    if same_reg && matches!(mn, Mnemonic::Xor | Mnemonic::Sub) {
        // Zeroing idiom: the result and flags do not depend on the register.
        let z = Lifter::cst(ty, 0);
        let fam = if mn == Mnemonic::Xor {
            Family::Logic
        } else {
            Family::Sub
        };
        lf.thunk(fam, ty, z, z, None);
        lf.write(dst, z)?;
        return Ok(Flow::Next);
    }
    // A register destination is read and written through its slot (what
    // `read` and `write_rmw` do for it after looking the slot up).
    let a = match slot {
        Some((off, ty)) => lf.get_slot(off, ty),
        None => lf.read(dst, ty),
    };
    let b = lf.read(src, ty);
    let (res, write) = match mn {
        Mnemonic::Add => {
            let r = lf.wbin(ADD, ty, a, b);
            lf.thunk(Family::Add, ty, a, b, None);
            (r, true)
        }
        Mnemonic::Cmp => {
            lf.thunk(Family::Sub, ty, a, b, None);
            return Ok(Flow::Next);
        }
        Mnemonic::Sub => {
            let r = lf.wbin(SUB, ty, a, b);
            lf.thunk(Family::Sub, ty, a, b, None);
            (r, true)
        }
        Mnemonic::And | Mnemonic::Test => {
            let r = lf.wbin(AND, ty, a, b);
            lf.thunk(Family::Logic, ty, r, Lifter::cst(ty, 0), None);
            (r, mn == Mnemonic::And)
        }
        Mnemonic::Or => {
            let r = lf.wbin(OR, ty, a, b);
            lf.thunk(Family::Logic, ty, r, Lifter::cst(ty, 0), None);
            (r, true)
        }
        Mnemonic::Xor => {
            let r = lf.wbin(XOR, ty, a, b);
            lf.thunk(Family::Logic, ty, r, Lifter::cst(ty, 0), None);
            (r, true)
        }
        Mnemonic::Adc | Mnemonic::Sbb => {
            let cw = lf.carry();
            let c = lf.zx(cw, ty);
            let (t, fam) = if mn == Mnemonic::Adc {
                (ADD, Family::Adc)
            } else {
                (SUB, Family::Sbb)
            };
            let r1 = lf.wbin(t, ty, a, b);
            let r = lf.wbin(t, ty, r1, c);
            let bx = lf.wbin(XOR, ty, b, c);
            lf.thunk(fam, ty, a, bx, Some(cw));
            (r, true)
        }
        _ => return Err(Unsupported),
    };
    if write {
        match slot {
            Some((off, ty)) => lf.put_slot(off, ty, res),
            None => lf.write_rmw(dst, a, res)?,
        }
    }
    Ok(Flow::Next)
}

/// `inc`, `dec`: carry is preserved through the thunk's `ndep`.
pub(crate) fn inc_dec(lf: &mut Lifter, inc: bool) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let dst = lf.loc(0)?;
    let a = lf.read(dst, ty);
    let r = lf.wbin(if inc { ADD } else { SUB }, ty, a, Lifter::cst(ty, 1));
    let c = lf.carry();
    let fam = if inc { Family::Inc } else { Family::Dec };
    lf.thunk(fam, ty, r, Lifter::cst(ty, 0), Some(c));
    lf.write_rmw(dst, a, r)?;
    Ok(Flow::Next)
}

/// `neg`, `not`.
pub(crate) fn neg_not(lf: &mut Lifter, neg: bool) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let dst = lf.loc(0)?;
    let a = lf.read(dst, ty);
    let r = if neg {
        let z = Lifter::cst(ty, 0);
        lf.thunk(Family::Sub, ty, z, a, None);
        lf.wbin(SUB, ty, z, a)
    } else {
        lf.un(super::lift::wop(NOT, ty), a)
    };
    lf.write_rmw(dst, a, r)?;
    Ok(Flow::Next)
}

/// `mov` between general-purpose registers, memory and immediates.
pub(crate) fn mov(lf: &mut Lifter) -> R<Flow> {
    let dst_reg = lf.i.op0_kind() == OpKind::Register;
    if dst_reg && lf.i.op0_register().is_segment_register() {
        return mov_sreg(lf, 0);
    }
    if lf.i.op1_kind() == OpKind::Register && lf.i.op1_register().is_segment_register() {
        return mov_sreg(lf, 1);
    }
    if dst_reg {
        // A general-purpose destination (the common case): its slot gives
        // the width, and is looked up once rather than by `op_ty`, `loc`
        // and `put_reg` in turn. The statements are the general path's.
        let (off, ty) = lf.gpr_slot(lf.i.op0_register())?;
        debug_assert_eq!(lf.op_ty(0, Type::I32), Ok(ty));
        let src = lf.loc(1)?;
        let v = lf.read(src, ty);
        lf.put_slot(off, ty, v);
        return Ok(Flow::Next);
    }
    let ty = lf.op_ty(0, Type::I32)?;
    let src = lf.loc(1)?;
    let v = lf.read(src, ty);
    let dst = lf.loc(0)?;
    lf.write(dst, v)?;
    Ok(Flow::Next)
}

/// `mov` to or from a segment register (operand `n`): the selector value
/// only. The memory model is flat; `fs`/`gs` bases live in their own slots
/// and are set by the system-call layer (`arch_prctl`, `set_thread_area`).
fn mov_sreg(lf: &mut Lifter, n: u32) -> R<Flow> {
    let sreg = lf.i.op_register(n);
    let off = *lf.m.seg.get(sreg.number()).ok_or(Unsupported)?;
    if n == 0 {
        if sreg == Register::CS {
            return Err(Unsupported); // #UD
        }
        let l = lf.loc(1)?;
        let v = lf.read(l, Type::I16);
        lf.b.put(off, v);
    } else {
        let v = lf.b.get(off, Type::I16);
        let l = lf.loc(0)?;
        // A register destination gets the selector zero-extended.
        let v = match l {
            Loc::Reg(_, _, rty) => lf.zx(v, rty),
            _ => v,
        };
        lf.write(l, v)?;
    }
    Ok(Flow::Next)
}

/// `movzx`, `movsx`, `movsxd`.
pub(crate) fn movx(lf: &mut Lifter, signed: bool) -> R<Flow> {
    let slot = lf.dst_slot()?;
    let dty = match slot {
        Some((_, ty)) => ty,
        None => lf.op_ty(0, Type::I32)?,
    };
    let sty = lf.op_ty(1, Type::I32)?;
    let src = lf.loc(1)?;
    let v = lf.read(src, sty);
    let v = if signed { lf.sx(v, dty) } else { lf.zx(v, dty) };
    match slot {
        Some((off, ty)) => lf.put_slot(off, ty, v),
        None => {
            let dst = lf.loc(0)?;
            lf.write(dst, v)?;
        }
    }
    Ok(Flow::Next)
}

/// `lea`.
pub(crate) fn lea(lf: &mut Lifter) -> R<Flow> {
    if lf.i.op1_kind() != OpKind::Memory {
        return Err(Unsupported);
    }
    let slot = lf.dst_slot()?;
    let ty = match slot {
        Some((_, ty)) => ty,
        None => lf.op_ty(0, Type::I32)?,
    };
    let a = lf.ea_noseg();
    let v = lf.zx(a, ty);
    match slot {
        Some((off, ty)) => lf.put_slot(off, ty, v),
        None => {
            let dst = lf.loc(0)?;
            lf.write(dst, v)?;
        }
    }
    Ok(Flow::Next)
}

/// `xchg` (atomic when one side is memory).
pub(crate) fn xchg(lf: &mut Lifter) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let a = lf.loc(0)?;
    let b = lf.loc(1)?;
    let (a, b) = if matches!(b, Loc::Mem(_)) {
        (b, a)
    } else {
        (a, b)
    };
    let va = lf.read(a, ty);
    let vb = lf.read(b, ty);
    match a {
        Loc::Mem(addr) => {
            lf.cas(addr, va, vb);
        }
        _ => lf.write(a, vb)?,
    }
    lf.write(b, va)?;
    Ok(Flow::Next)
}

/// `cmpxchg`.
pub(crate) fn cmpxchg(lf: &mut Lifter) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let dst = lf.loc(0)?;
    let src = lf.loc(1)?;
    let acc = lf.get_gpr(RAX, ty);
    let new = lf.read(src, ty);
    let (old, eq) = match dst {
        Loc::Mem(addr) if lf.i.has_lock_prefix() => {
            let old = lf.b.new_temp(ty);
            lf.b.push(Stmt::Cas(Box::new(Cas {
                old_hi: None,
                old_lo: old,
                end: Endness::Le,
                addr,
                expd_hi: None,
                expd_lo: acc,
                data_hi: None,
                data_lo: new,
            })));
            let old = Atom::Tmp(old);
            let eq = lf.wbin(CMPEQ, ty, old, acc);
            (old, eq)
        }
        Loc::Mem(addr) => {
            let old = lf.load(ty, addr);
            let eq = lf.wbin(CMPEQ, ty, old, acc);
            // The processor always writes the destination.
            let v = lf.ite(eq, new, old);
            lf.store(addr, v);
            (old, eq)
        }
        Loc::Reg(_, off, rty) => {
            let old = lf.get_slot(off, rty);
            let eq = lf.wbin(CMPEQ, ty, old, acc);
            if ty == Type::I32 && lf.m.bits == 64 {
                // Only the register actually written is zero-extended.
                let full = lf.b.get(off, Type::I64);
                let nz = lf.zx(new, Type::I64);
                let v = lf.ite(eq, nz, full);
                lf.b.put(off, v);
            } else {
                let v = lf.ite(eq, new, old);
                lf.put_slot(off, rty, v);
            }
            (old, eq)
        }
        Loc::Imm(_) => return Err(Unsupported),
    };
    lf.thunk(Family::Sub, ty, acc, old, None);
    // Read the accumulator again: the destination may have been rAX itself.
    if ty == Type::I32 && lf.m.bits == 64 {
        let off = lf.m.gpr_off(RAX);
        let full = lf.b.get(off, Type::I64);
        let oz = lf.zx(old, Type::I64);
        let v = lf.ite(eq, full, oz);
        lf.b.put(off, v);
    } else {
        let cur = lf.get_gpr(RAX, ty);
        let v = lf.ite(eq, cur, old);
        lf.put_gpr(RAX, v);
    }
    Ok(Flow::Next)
}

/// `cmpxchg8b`, `cmpxchg16b`: always a double-width CAS.
pub(crate) fn cmpxchg_double(lf: &mut Lifter, wide: bool) -> R<Flow> {
    if lf.i.op0_kind() != OpKind::Memory {
        return Err(Unsupported);
    }
    let ty = if wide { Type::I64 } else { Type::I32 };
    let addr = lf.ea();
    if wide {
        // cmpxchg16b needs a 16-byte aligned operand (#GP otherwise).
        let w = lf.m.word;
        let low = lf.wbin(AND, w, addr, lf.cw(15));
        let bad = lf.wbin(CMPNE, w, low, lf.cw(0));
        lf.exit_if(bad, lf.addr, JumpKind::SigSEGV);
    }
    let ea = lf.get_gpr(RAX, ty);
    let ed = lf.get_gpr(RDX, ty);
    let nb = lf.get_gpr(RBX, ty);
    let nc = lf.get_gpr(RCX, ty);
    let old_lo = lf.b.new_temp(ty);
    let old_hi = lf.b.new_temp(ty);
    lf.b.push(Stmt::Cas(Box::new(Cas {
        old_hi: Some(old_hi),
        old_lo,
        end: Endness::Le,
        addr,
        expd_hi: Some(ed),
        expd_lo: ea,
        data_hi: Some(nc),
        data_lo: nb,
    })));
    let (lo, hi) = (Atom::Tmp(old_lo), Atom::Tmp(old_hi));
    let x1 = lf.wbin(XOR, ty, lo, ea);
    let x2 = lf.wbin(XOR, ty, hi, ed);
    let x = lf.wbin(OR, ty, x1, x2);
    let eq = lf.is_zero(x);
    let w = lf.m.word;
    let zf = lf.un(
        if w == Type::I64 {
            Op::I1Uto64
        } else {
            Op::I1Uto32
        },
        eq,
    );
    let zf = lf.wbin(SHL, w, zf, Lifter::u8c(6));
    let f = lf.merge_flags(!ZF, zf);
    lf.set_flags_word(f);
    for (n, old) in [(RAX, lo), (RDX, hi)] {
        let off = lf.m.gpr_off(n);
        let full = lf.b.get(off, w);
        let oz = lf.zx(old, w);
        let v = lf.ite(eq, full, oz);
        lf.b.put(off, v);
    }
    Ok(Flow::Next)
}

/// `xadd`.
pub(crate) fn xadd(lf: &mut Lifter) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let dst = lf.loc(0)?;
    let src = lf.loc(1)?;
    let a = lf.read(dst, ty);
    let b = lf.read(src, ty);
    let r = lf.wbin(ADD, ty, a, b);
    lf.thunk(Family::Add, ty, a, b, None);
    // Source first: when both name the same register the sum wins.
    lf.write(src, a)?;
    lf.write_rmw(dst, a, r)?;
    Ok(Flow::Next)
}

/// `bswap`.
pub(crate) fn bswap(lf: &mut Lifter) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let dst = lf.loc(0)?;
    let a = lf.read(dst, ty);
    let r = match ty {
        Type::I32 => lf.un(Op::Reverse8sIn32_x1, a),
        Type::I64 => lf.un(Op::Reverse8sIn64_x1, a),
        // bswap r16 is undefined; processors give zero.
        _ => Lifter::cst(ty, 0),
    };
    lf.write(dst, r)?;
    Ok(Flow::Next)
}

fn byteswap(lf: &mut Lifter, a: Atom) -> Atom {
    match lf.ty(a) {
        Type::I16 => lf.un(Op::Reverse8sIn16_x1, a),
        Type::I32 => lf.un(Op::Reverse8sIn32_x1, a),
        _ => lf.un(Op::Reverse8sIn64_x1, a),
    }
}

/// `movbe`.
pub(crate) fn movbe(lf: &mut Lifter) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let src = lf.loc(1)?;
    let v = lf.read(src, ty);
    let v = byteswap(lf, v);
    let dst = lf.loc(0)?;
    lf.write(dst, v)?;
    Ok(Flow::Next)
}

/// `cbw`/`cwde`/`cdqe` (widen the accumulator in place).
pub(crate) fn widen_acc(lf: &mut Lifter, from: Type, to: Type) -> R<Flow> {
    let a = lf.get_gpr(RAX, from);
    let v = lf.sx(a, to);
    lf.put_gpr(RAX, v);
    Ok(Flow::Next)
}

/// `cwd`/`cdq`/`cqo` (sign of the accumulator into rdx).
pub(crate) fn sign_to_rdx(lf: &mut Lifter, ty: Type) -> R<Flow> {
    let a = lf.get_gpr(RAX, ty);
    let v = lf.wbin(SAR, ty, a, Lifter::u8c(ty.bits() - 1));
    lf.put_gpr(RDX, v);
    Ok(Flow::Next)
}

fn mull_op(ty: Type, signed: bool) -> Op {
    match (ty, signed) {
        (Type::I8, false) => Op::MullU8,
        (Type::I16, false) => Op::MullU16,
        (Type::I32, false) => Op::MullU32,
        (_, false) => Op::MullU64,
        (Type::I8, true) => Op::MullS8,
        (Type::I16, true) => Op::MullS16,
        (Type::I32, true) => Op::MullS32,
        (_, true) => Op::MullS64,
    }
}

fn split(lf: &mut Lifter, wide: Atom, ty: Type) -> (Atom, Atom) {
    let (lo, hi) = match ty {
        Type::I8 => (Op::I16to8, Op::I16HIto8),
        Type::I16 => (Op::I32to16, Op::I32HIto16),
        Type::I32 => (Op::I64to32, Op::I64HIto32),
        _ => (Op::I128to64, Op::I128HIto64),
    };
    (lf.un(lo, wide), lf.un(hi, wide))
}

fn concat(lf: &mut Lifter, hi: Atom, lo: Atom) -> Atom {
    let op = match lf.ty(lo) {
        Type::I8 => Op::I8HLto16,
        Type::I16 => Op::I16HLto32,
        Type::I32 => Op::I32HLto64,
        _ => Op::I64HLto128,
    };
    lf.bin(op, hi, lo)
}

/// `mul` and one-operand `imul`: rDX:rAX = rAX * src.
pub(crate) fn mul_wide(lf: &mut Lifter, signed: bool) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let src = lf.loc(0)?;
    let b = lf.read(src, ty);
    let a = lf.get_gpr(RAX, ty);
    let p = lf.bin(mull_op(ty, signed), a, b);
    lf.thunk(
        if signed { Family::Smul } else { Family::Umul },
        ty,
        a,
        b,
        None,
    );
    if ty == Type::I8 {
        // AX = AL * src.
        let off = lf.m.gpr_off(RAX);
        lf.b.put(off, p);
    } else {
        let (lo, hi) = split(lf, p, ty);
        lf.put_gpr(RAX, lo);
        lf.put_gpr(RDX, hi);
    }
    Ok(Flow::Next)
}

/// Two- and three-operand `imul`.
pub(crate) fn imul_trunc(lf: &mut Lifter) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let (sa, sb) = if lf.i.op_count() == 3 { (1, 2) } else { (0, 1) };
    let la = lf.loc(sa)?;
    let a = lf.read(la, ty);
    let lb = lf.loc(sb)?;
    let b = lf.read(lb, ty);
    let r = lf.wbin(MUL, ty, a, b);
    lf.thunk(Family::Smul, ty, a, b, None);
    let dst = lf.loc(0)?;
    lf.write(dst, r)?;
    Ok(Flow::Next)
}

/// `div`, `idiv`, with the divide-error exit.
pub(crate) fn div(lf: &mut Lifter, signed: bool) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let src = lf.loc(0)?;
    let d = lf.read(src, ty);
    let (hi, lo) = if ty == Type::I8 {
        let ax = lf.get_gpr(RAX, Type::I16);
        let (l, h) = split(lf, ax, Type::I8);
        (h, l)
    } else {
        (lf.get_gpr(RDX, ty), lf.get_gpr(RAX, ty))
    };
    let w = lf.m.word;
    let fault = if signed {
        let hw = lf.sx(hi, w);
        let lw = lf.zx(lo, w);
        let dw = lf.sx(d, w);
        let nb = Lifter::cst(w, u64::from(ty.bits()));
        let name = if w == Type::I64 {
            "amd64g_idiv_fault"
        } else {
            "x86g_idiv_fault"
        };
        let f = lf.b.ccall(name, w, &[nb, hw, lw, dw]);
        lf.zx(f, Type::I1)
    } else {
        // Quotient overflows (or divides by zero) exactly when hi >= divisor.
        lf.wbin(CMPLEU, ty, d, hi)
    };
    lf.exit_if(fault, lf.addr, JumpKind::SigFPE_IntDiv);
    let dividend = concat(lf, hi, lo);
    let op = match (ty, signed) {
        (Type::I8, false) => Op::DivModU16to8,
        (Type::I16, false) => Op::DivModU32to16,
        (Type::I32, false) => Op::DivModU64to32,
        (_, false) => Op::DivModU128to64,
        (Type::I8, true) => Op::DivModS16to8,
        (Type::I16, true) => Op::DivModS32to16,
        (Type::I32, true) => Op::DivModS64to32,
        (_, true) => Op::DivModS128to64,
    };
    let qr = lf.bin(op, dividend, d);
    if ty == Type::I8 {
        let off = lf.m.gpr_off(RAX);
        lf.b.put(off, qr);
    } else {
        let (q, r) = split(lf, qr, ty);
        lf.put_gpr(RAX, q);
        lf.put_gpr(RDX, r);
    }
    Ok(Flow::Next)
}

/// The shift/rotate count operand: (masked count as I8, constant value if known).
fn shift_count(lf: &mut Lifter, n: u32, ty: Type) -> R<(Atom, Option<u64>)> {
    let m = if ty == Type::I64 { 0x3f } else { 0x1f };
    match lf.loc(n)? {
        Loc::Imm(v) => Ok((Lifter::u8v(v & m), Some(v & m))),
        l => {
            let c = lf.read(l, Type::I8);
            Ok((lf.bin(Op::And8, c, Lifter::u8v(m)), None))
        }
    }
}

/// Emits the thunk of a shift/rotate: nothing for a constant zero count,
/// plain for a constant non-zero count, guarded otherwise.
fn shift_thunk(
    lf: &mut Lifter,
    (cnt, known): (Atom, Option<u64>),
    fam: Family,
    ty: Type,
    d1: Atom,
    d2: Atom,
    nd: Option<Atom>,
) {
    match known {
        Some(0) => {}
        Some(_) => lf.thunk(fam, ty, d1, d2, nd),
        None => {
            let nz = lf.bin(Op::CmpNE8, cnt, Atom::u8(0));
            lf.thunk_if(nz, fam, ty, d1, d2, nd);
        }
    }
}

/// `shl`/`sal`, `shr`, `sar`.
pub(crate) fn shift(lf: &mut Lifter, mn: Mnemonic) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let dst = lf.loc(0)?;
    let (cnt, known) = shift_count(lf, 1, ty)?;
    let a = lf.read(dst, ty);
    if known == Some(0) {
        // No effect at all, but a 32-bit register operand is still written.
        lf.write(dst, a)?;
        return Ok(Flow::Next);
    }
    let t = match mn {
        Mnemonic::Shl | Mnemonic::Sal => SHL,
        Mnemonic::Shr => SHR,
        _ => SAR,
    };
    let r = lf.wbin(t, ty, a, cnt);
    let c1 = lf.bin(Op::Sub8, cnt, Atom::u8(1));
    let pre = lf.wbin(t, ty, a, c1);
    let fam = if t == SHL { Family::Shl } else { Family::Sar };
    shift_thunk(lf, (cnt, known), fam, ty, r, pre, None);
    lf.write_rmw(dst, a, r)?;
    Ok(Flow::Next)
}

/// `rol`, `ror`.
pub(crate) fn rotate(lf: &mut Lifter, left: bool) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let dst = lf.loc(0)?;
    let (cnt, known) = shift_count(lf, 1, ty)?;
    let a = lf.read(dst, ty);
    if known == Some(0) {
        lf.write(dst, a)?;
        return Ok(Flow::Next);
    }
    let nb = ty.bits();
    let r = rot(lf, ty, a, cnt, left, nb);
    let old = lf.flags_all();
    let fam = if left { Family::Rol } else { Family::Ror };
    shift_thunk(lf, (cnt, known), fam, ty, r, Lifter::cst(ty, 0), Some(old));
    lf.write_rmw(dst, a, r)?;
    Ok(Flow::Next)
}

/// Rotation of `a` by `cnt` (I8, any value) modulo the width.
fn rot(lf: &mut Lifter, ty: Type, a: Atom, cnt: Atom, left: bool, nb: u32) -> Atom {
    let r = lf.bin(Op::And8, cnt, Lifter::u8c(nb - 1));
    let inv = lf.bin(Op::Sub8, Lifter::u8c(nb), r);
    let (t1, t2) = if left { (SHL, SHR) } else { (SHR, SHL) };
    let x = lf.wbin(t1, ty, a, r);
    let y = lf.wbin(t2, ty, a, inv);
    // When r == 0, inv == width and the second shift gives 0.
    lf.wbin(OR, ty, x, y)
}

/// `rcl`, `rcr`: through a helper that returns the result and the new flags.
pub(crate) fn rotate_carry(lf: &mut Lifter, left: bool) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let dst = lf.loc(0)?;
    let (cnt, known) = shift_count(lf, 1, ty)?;
    let a = lf.read(dst, ty);
    if known == Some(0) {
        lf.write(dst, a)?;
        return Ok(Flow::Next);
    }
    let w = lf.m.word;
    let flags = lf.flags_all();
    let aw = lf.zx(a, w);
    let cw = lf.zx(cnt, w);
    let sz = lf.cw(u64::from(ty.bytes()));
    let dir = lf.cw(u64::from(left));
    let out =
        lf.b.ccall("x86g_rotate_carry", Type::I128, &[dir, sz, aw, cw, flags]);
    let (lo, hi) = split(lf, out, Type::I64);
    let r = lf.zx(lo, ty);
    let nf = lf.zx(hi, w);
    // The helper returns the old flags unchanged for a zero count.
    lf.set_flags_word(nf);
    lf.write_rmw(dst, a, r)?;
    Ok(Flow::Next)
}

/// `shld`, `shrd`.
pub(crate) fn shift_double(lf: &mut Lifter, left: bool) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let dst = lf.loc(0)?;
    let src = lf.loc(1)?;
    let (cnt, known) = shift_count(lf, 2, ty)?;
    let d = lf.read(dst, ty);
    let s = lf.read(src, ty);
    if known == Some(0) {
        lf.write(dst, d)?;
        return Ok(Flow::Next);
    }
    let nb = ty.bits();
    // Work at twice the width (or 64 bits as two halves for 64-bit operands)
    // so counts up to the width behave as the hardware's funnel shift.
    let (r, pre) = if ty == Type::I64 {
        let f = |lf: &mut Lifter, c: Atom| {
            let inv = lf.bin(Op::Sub8, Atom::u8(64), c);
            if left {
                let x = lf.bin(Op::Shl64, d, c);
                let y = lf.bin(Op::Shr64, s, inv);
                lf.bin(Op::Or64, x, y)
            } else {
                let x = lf.bin(Op::Shr64, d, c);
                let y = lf.bin(Op::Shl64, s, inv);
                lf.bin(Op::Or64, x, y)
            }
        };
        let r = f(lf, cnt);
        let c1 = lf.bin(Op::Sub8, cnt, Atom::u8(1));
        let pre = f(lf, c1);
        (r, pre)
    } else {
        // 64-bit funnel: left: (d:s) << c, take the high half;
        // right: (s:d) >> c, take the low half.
        let dz = lf.zx(d, Type::I64);
        let sz = lf.zx(s, Type::I64);
        let sh = Lifter::u8c(nb);
        let f = |lf: &mut Lifter, c: Atom| {
            if left {
                let hi = lf.bin(Op::Shl64, dz, sh);
                // For 16-bit counts above 16 the source repeats (hardware
                // behaviour is undefined there).
                let both = lf.bin(Op::Or64, hi, sz);
                let x = lf.bin(Op::Shl64, both, c);
                let x = lf.bin(Op::Shr64, x, sh);
                lf.zx(x, ty)
            } else {
                let hi = lf.bin(Op::Shl64, sz, sh);
                let both = lf.bin(Op::Or64, hi, dz);
                let x = lf.bin(Op::Shr64, both, c);
                lf.zx(x, ty)
            }
        };
        let r = f(lf, cnt);
        let c1 = lf.bin(Op::Sub8, cnt, Atom::u8(1));
        let pre = f(lf, c1);
        (r, pre)
    };
    let fam = if left { Family::Shl } else { Family::Sar };
    shift_thunk(lf, (cnt, known), fam, ty, r, pre, None);
    lf.write_rmw(dst, d, r)?;
    Ok(Flow::Next)
}

/// `bt`, `bts`, `btr`, `btc`.
pub(crate) fn bit_test(lf: &mut Lifter, mn: Mnemonic) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let w = lf.m.word;
    let dst = lf.loc(0)?;
    let off = lf.loc(1)?;
    // (location of the byte/word holding the bit, its type, bit index I8)
    let (loc, lty, bitno) = match (dst, off) {
        (Loc::Mem(base), Loc::Reg(_, roff, rty)) => {
            // Register offsets address memory bitwise: a signed byte offset.
            let o = lf.get_slot(roff, rty);
            let ow = lf.sx(o, w);
            let byte = lf.wbin(SAR, w, ow, Atom::u8(3));
            let addr = lf.wbin(ADD, w, base, byte);
            let o8 = lf.zx(o, Type::I8);
            let b = lf.bin(Op::And8, o8, Atom::u8(7));
            (Loc::Mem(addr), Type::I8, b)
        }
        (_, Loc::Imm(v)) => {
            let b = Lifter::u8v(v & u64::from(ty.bits() - 1));
            (dst, ty, b)
        }
        (Loc::Reg(..), Loc::Reg(_, roff, rty)) => {
            let o = lf.get_slot(roff, rty);
            let o8 = lf.zx(o, Type::I8);
            let b = lf.bin(Op::And8, o8, Lifter::u8c(ty.bits() - 1));
            (dst, ty, b)
        }
        _ => return Err(Unsupported),
    };
    let v = lf.read(loc, lty);
    let one = Lifter::cst(lty, 1);
    let m = lf.wbin(SHL, lty, one, bitno);
    let sh = lf.wbin(SHR, lty, v, bitno);
    let bitv = lf.wbin(AND, lty, sh, one);
    let cf = lf.zx(bitv, w);
    let f = lf.merge_flags(!CF, cf);
    lf.set_flags_word(f);
    let nv = match mn {
        Mnemonic::Bt => return Ok(Flow::Next),
        Mnemonic::Bts => lf.wbin(OR, lty, v, m),
        Mnemonic::Btr => {
            let nm = lf.un(super::lift::wop(NOT, lty), m);
            lf.wbin(AND, lty, v, nm)
        }
        _ => lf.wbin(XOR, lty, v, m),
    };
    lf.write_rmw(loc, v, nv)?;
    Ok(Flow::Next)
}

fn count_op(ty: Type, lead: bool) -> Op {
    match (ty, lead) {
        (Type::I64, true) => Op::Clz64,
        (Type::I64, false) => Op::Ctz64,
        (_, true) => Op::Clz32,
        (_, false) => Op::Ctz32,
    }
}

/// `bsf`, `bsr`: destination unchanged and ZF set for a zero source.
pub(crate) fn bit_scan(lf: &mut Lifter, reverse: bool) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let src = lf.loc(1)?;
    let s = lf.read(src, ty);
    let z = lf.is_zero(s);
    let cty = if ty == Type::I64 {
        Type::I64
    } else {
        Type::I32
    };
    let sw = lf.zx(s, cty);
    let c = lf.un(count_op(cty, reverse), sw);
    let idx = if reverse {
        lf.wbin(SUB, cty, Lifter::cst(cty, u64::from(cty.bits() - 1)), c)
    } else {
        c
    };
    let idx = lf.zx(idx, ty);
    let dst = lf.loc(0)?;
    let Loc::Reg(_, off, rty) = dst else {
        return Err(Unsupported);
    };
    // A zero source leaves the whole register as it was (AMD and Intel both).
    let full_ty = if rty == Type::I32 && lf.m.bits == 64 {
        Type::I64
    } else {
        rty
    };
    let old = lf.b.get(off, full_ty);
    let nv = lf.zx(idx, full_ty);
    let v = lf.ite(z, old, nv);
    lf.b.put(off, v);
    let w = lf.m.word;
    let zf = lf.ite(z, Lifter::cst(w, ZF), Lifter::cst(w, 0));
    lf.set_flags_word(zf);
    Ok(Flow::Next)
}

/// `lzcnt`, `tzcnt`, `popcnt`.
pub(crate) fn count_bits(lf: &mut Lifter, mn: Mnemonic) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let src = lf.loc(1)?;
    let s = lf.read(src, ty);
    let cty = if ty == Type::I64 {
        Type::I64
    } else {
        Type::I32
    };
    let sw = lf.zx(s, cty);
    let r = match mn {
        Mnemonic::Popcnt => lf.un(
            if cty == Type::I64 {
                Op::PopCount64
            } else {
                Op::PopCount32
            },
            sw,
        ),
        Mnemonic::Tzcnt if ty == Type::I16 => {
            let x = lf.bin(Op::Or32, sw, Atom::u32(0x1_0000));
            lf.un(Op::Ctz32, x)
        }
        Mnemonic::Tzcnt => lf.un(count_op(cty, false), sw),
        _ if ty == Type::I16 => {
            let c = lf.un(Op::Clz32, sw);
            lf.bin(Op::Sub32, c, Atom::u32(16))
        }
        _ => lf.un(count_op(cty, true), sw),
    };
    let r = lf.zx(r, ty);
    let w = lf.m.word;
    let zs = lf.is_zero(s);
    let flags = if mn == Mnemonic::Popcnt {
        lf.ite(zs, Lifter::cst(w, ZF), Lifter::cst(w, 0))
    } else {
        let zr = lf.is_zero(r);
        let cf = lf.ite(zs, Lifter::cst(w, CF), Lifter::cst(w, 0));
        let zf = lf.ite(zr, Lifter::cst(w, ZF), Lifter::cst(w, 0));
        lf.wbin(OR, w, cf, zf)
    };
    lf.set_flags_word(flags);
    let dst = lf.loc(0)?;
    lf.write(dst, r)?;
    Ok(Flow::Next)
}

/// `setcc`.
pub(crate) fn setcc(lf: &mut Lifter) -> R<Flow> {
    let c = super::dispatch::cond_of(&lf.i)?;
    let b = lf.cond(c);
    let v = lf.un(Op::I1Uto8, b);
    let dst = lf.loc(0)?;
    lf.write(dst, v)?;
    Ok(Flow::Next)
}

/// `cmovcc`: the source is always read and the destination always written.
pub(crate) fn cmovcc(lf: &mut Lifter) -> R<Flow> {
    let c = super::dispatch::cond_of(&lf.i)?;
    let ty = lf.op_ty(0, Type::I32)?;
    let src = lf.loc(1)?;
    let s = lf.read(src, ty);
    let dst = lf.loc(0)?;
    let d = lf.read(dst, ty);
    let b = lf.cond(c);
    let v = lf.ite(b, s, d);
    lf.write(dst, v)?;
    Ok(Flow::Next)
}

fn branch_target(lf: &Lifter) -> R<u64> {
    match lf.i.op0_kind() {
        OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64 => {
            Ok(lf.i.near_branch_target())
        }
        _ => Err(Unsupported),
    }
}

/// `jcc`.
pub(crate) fn jcc(lf: &mut Lifter) -> R<Flow> {
    let c = super::dispatch::cond_of(&lf.i)?;
    let t = branch_target(lf)?;
    let b = lf.cond(c);
    lf.exit_if(b, t, JumpKind::Boring);
    Ok(lf.goto(lf.next, JumpKind::Boring))
}

/// `jcxz`/`jecxz`/`jrcxz`, `loop`, `loope`, `loopne`.
pub(crate) fn jcx_loop(lf: &mut Lifter, mn: Mnemonic) -> R<Flow> {
    let t = branch_target(lf)?;
    // The counter's width is the address size: the operand-size of the
    // mnemonic for jcxz family, the address-size prefix for loop.
    let cty = match mn {
        Mnemonic::Jcxz => Type::I16,
        Mnemonic::Jecxz => Type::I32,
        Mnemonic::Jrcxz => Type::I64,
        _ => loop_counter_type(lf),
    };
    let c = lf.get_gpr(RCX, cty);
    let take = match mn {
        Mnemonic::Jcxz | Mnemonic::Jecxz | Mnemonic::Jrcxz => lf.is_zero(c),
        _ => {
            let nc = lf.wbin(SUB, cty, c, Lifter::cst(cty, 1));
            lf.put_gpr(RCX, nc);
            let z = lf.is_zero(nc);
            let nz = lf.not1(z);
            match mn {
                Mnemonic::Loope => {
                    let zf = lf.cond(super::flags::Cond::Z);
                    lf.bin(Op::And1, nz, zf)
                }
                Mnemonic::Loopne => {
                    let zf = lf.cond(super::flags::Cond::Nz);
                    lf.bin(Op::And1, nz, zf)
                }
                _ => nz,
            }
        }
    };
    lf.exit_if(take, t, JumpKind::Boring);
    Ok(lf.goto(lf.next, JumpKind::Boring))
}

fn loop_counter_type(lf: &Lifter) -> Type {
    // iced encodes loop's address size in the Code name (Loop_rel8_64_RCX ...).
    let name = format!("{:?}", lf.i.code());
    if name.ends_with("_CX") {
        Type::I16
    } else if name.ends_with("_ECX") {
        Type::I32
    } else {
        Type::I64
    }
}

/// Near `jmp`.
pub(crate) fn jmp(lf: &mut Lifter) -> R<Flow> {
    if let Ok(t) = branch_target(lf) {
        return Ok(lf.goto(t, JumpKind::Boring));
    }
    let t = indirect_target(lf)?;
    Ok(Flow::End(t, JumpKind::Boring))
}

fn indirect_target(lf: &mut Lifter) -> R<Atom> {
    let ty = lf.op_ty(0, lf.m.word)?;
    let l = lf.loc(0)?;
    let v = lf.read(l, ty);
    let w = lf.m.word;
    Ok(lf.zx(v, w))
}

/// Near `call`.
pub(crate) fn call(lf: &mut Lifter) -> R<Flow> {
    let w = lf.m.word;
    let target = match branch_target(lf) {
        Ok(t) => Atom::Const(lf.addr_const(t)),
        Err(_) => indirect_target(lf)?,
    };
    if lf.i.stack_pointer_increment() != -i32::try_from(w.bytes()).unwrap_or(8) {
        return Err(Unsupported); // 16-bit calls
    }
    let ret = Atom::Const(lf.addr_const(lf.next));
    lf.push(ret);
    Ok(Flow::End(target, JumpKind::Call))
}

/// Near `ret`, `ret imm16`.
pub(crate) fn ret(lf: &mut Lifter) -> R<Flow> {
    let w = lf.m.word;
    let inc = lf.i.stack_pointer_increment();
    let wb = i32::try_from(w.bytes()).unwrap_or(8);
    if inc < wb {
        return Err(Unsupported);
    }
    let sp = lf.sp();
    let t = lf.load(w, sp);
    let nsp = lf.wbin(ADD, w, sp, Lifter::cst(w, u64::from(inc.unsigned_abs())));
    lf.set_sp(nsp);
    Ok(Flow::End(t, JumpKind::Ret))
}

/// `push`.
pub(crate) fn push(lf: &mut Lifter) -> R<Flow> {
    if let OpKind::Register = lf.i.op0_kind() {
        let r = lf.i.op0_register();
        if r.is_segment_register() {
            return Err(Unsupported);
        }
        // A general-purpose register (its slot looked up once, as
        // `get_reg` does) is pushed at its own width, which is the
        // operand size: no need to ask the decoder for it.
        let (off, sty) = lf.gpr_slot(r)?;
        debug_assert_eq!(ity(lf.i.stack_pointer_increment().unsigned_abs()), sty);
        let v = lf.get_slot(off, sty);
        lf.push(v);
        return Ok(Flow::Next);
    }
    let size = lf.i.stack_pointer_increment().unsigned_abs();
    let ty = ity(size);
    let l = lf.loc(0)?;
    let v = lf.read(l, ty);
    lf.push(v);
    Ok(Flow::Next)
}

/// `pop`: the destination's address is computed after the stack moves.
pub(crate) fn pop(lf: &mut Lifter) -> R<Flow> {
    if let OpKind::Register = lf.i.op0_kind() {
        let r = lf.i.op0_register();
        if r.is_segment_register() {
            return Err(Unsupported);
        }
        // A general-purpose register is popped at its own width, the
        // operand size (as in `push`).
        let (off, ty) = lf.gpr_slot(r)?;
        debug_assert_eq!(ity(lf.i.stack_pointer_increment().unsigned_abs()), ty);
        let v = lf.pop(ty);
        lf.put_slot(off, ty, v);
        return Ok(Flow::Next);
    }
    let size = lf.i.stack_pointer_increment().unsigned_abs();
    let ty = ity(size);
    let v = lf.pop(ty);
    let dst = lf.loc(0)?;
    lf.write(dst, v)?;
    Ok(Flow::Next)
}

/// The full flags word (`pushf`): OSZACP from the thunk, DF, AC, ID, the
/// always-one bit 1 and IF (user code always runs with interrupts on).
pub(crate) fn flags_word(lf: &mut Lifter) -> Atom {
    let w = lf.m.word;
    let f = lf.flags_all();
    let d = lf.dflag();
    // DF: dflag is +1 or -1; bit 10 set for -1.
    let dneg = lf.wbin(super::lift::CMPNE, w, d, Lifter::cst(w, 1));
    let df = lf.ite(dneg, Lifter::cst(w, 1 << 10), Lifter::cst(w, 0));
    let ac = lf.b.get(lf.m.acflag, w);
    let ac = lf.wbin(SHL, w, ac, Atom::u8(18));
    let id = lf.b.get(lf.m.idflag, w);
    let id = lf.wbin(SHL, w, id, Atom::u8(21));
    let x = lf.wbin(OR, w, f, df);
    let x = lf.wbin(OR, w, x, ac);
    let x = lf.wbin(OR, w, x, id);
    lf.wbin(OR, w, x, Lifter::cst(w, 0x202))
}

/// Sets OSZACP, DF, AC and ID from a flags word.
pub(crate) fn set_flags_from_word(lf: &mut Lifter, v: Atom) {
    let w = lf.m.word;
    let v = lf.zx(v, w);
    let f = lf.wbin(AND, w, v, Lifter::cst(w, OSZACP));
    lf.set_flags_word(f);
    let dbit = lf.wbin(AND, w, v, Lifter::cst(w, 1 << 10));
    let dz = lf.is_zero(dbit);
    let d = lf.ite(dz, Lifter::cst(w, 1), Lifter::cst(w, mask(w.bits())));
    lf.b.put(lf.m.dflag, d);
    let ac = lf.wbin(SHR, w, v, Atom::u8(18));
    let ac = lf.wbin(AND, w, ac, Lifter::cst(w, 1));
    lf.b.put(lf.m.acflag, ac);
    let id = lf.wbin(SHR, w, v, Atom::u8(21));
    let id = lf.wbin(AND, w, id, Lifter::cst(w, 1));
    lf.b.put(lf.m.idflag, id);
}

/// `pushf`/`pushfd`/`pushfq`.
pub(crate) fn pushf(lf: &mut Lifter) -> R<Flow> {
    let size = lf.i.stack_pointer_increment().unsigned_abs();
    let f = flags_word(lf);
    let v = lf.zx(f, ity(size));
    lf.push(v);
    Ok(Flow::Next)
}

/// `popf`/`popfd`/`popfq`.
pub(crate) fn popf(lf: &mut Lifter) -> R<Flow> {
    let size = lf.i.stack_pointer_increment().unsigned_abs();
    let v = lf.pop(ity(size));
    set_flags_from_word(lf, v);
    Ok(Flow::Next)
}

/// `leave`.
pub(crate) fn leave(lf: &mut Lifter) -> R<Flow> {
    let w = lf.m.word;
    let bp = lf.get_gpr(RBP, w);
    lf.set_sp(bp);
    let v = lf.pop(w);
    lf.put_gpr(RBP, v);
    Ok(Flow::Next)
}

/// `enter imm16, 0` (nesting levels other than 0 are not supported).
pub(crate) fn enter(lf: &mut Lifter) -> R<Flow> {
    let size = lf.i.try_immediate(0).map_err(|_| Unsupported)?;
    let level = lf.i.try_immediate(1).map_err(|_| Unsupported)?;
    if level != 0 {
        return Err(Unsupported);
    }
    let w = lf.m.word;
    let bp = lf.get_gpr(RBP, w);
    lf.push(bp);
    let sp = lf.sp();
    lf.put_gpr(RBP, sp);
    let nsp = lf.wbin(SUB, w, sp, Lifter::cst(w, size));
    lf.set_sp(nsp);
    Ok(Flow::Next)
}

/// The string instructions, with `rep`/`repe`/`repne`.
pub(crate) fn string(lf: &mut Lifter, mn: Mnemonic) -> R<Flow> {
    use Mnemonic as M;
    let (kind, size) = match mn {
        M::Movsb => (M::Movsb, 1),
        M::Movsw => (M::Movsb, 2),
        M::Movsd => (M::Movsb, 4),
        M::Movsq => (M::Movsb, 8),
        M::Stosb => (M::Stosb, 1),
        M::Stosw => (M::Stosb, 2),
        M::Stosd => (M::Stosb, 4),
        M::Stosq => (M::Stosb, 8),
        M::Lodsb => (M::Lodsb, 1),
        M::Lodsw => (M::Lodsb, 2),
        M::Lodsd => (M::Lodsb, 4),
        M::Lodsq => (M::Lodsb, 8),
        M::Scasb => (M::Scasb, 1),
        M::Scasw => (M::Scasb, 2),
        M::Scasd => (M::Scasb, 4),
        M::Scasq => (M::Scasb, 8),
        M::Cmpsb => (M::Cmpsb, 1),
        M::Cmpsw => (M::Cmpsb, 2),
        M::Cmpsd => (M::Cmpsb, 4),
        M::Cmpsq => (M::Cmpsb, 8),
        _ => return Err(Unsupported),
    };
    let ty = ity(size);
    let asz = lf.addr_size();
    let w = lf.m.word;
    let cmp = matches!(kind, M::Scasb | M::Cmpsb);
    let rep = lf.i.has_rep_prefix() || lf.i.has_repe_prefix() || lf.i.has_repne_prefix();
    if rep {
        let c = lf.get_gpr(RCX, asz);
        let z = lf.is_zero(c);
        lf.exit_if(z, lf.next, JumpKind::Boring);
    }
    let d = lf.dflag();
    let delta = lf.wbin(SHL, w, d, Lifter::u8c(size.trailing_zeros()));
    let delta = lf.zx(delta, asz);
    let seg = lf.i.memory_segment();
    let advance = |lf: &mut Lifter, reg: u32| {
        let v = lf.get_gpr(reg, asz);
        let nv = lf.wbin(ADD, asz, v, delta);
        lf.put_gpr(reg, nv);
    };
    match kind {
        M::Movsb => {
            let sa = lf.str_addr(RSI, seg);
            let v = lf.load(ty, sa);
            let da = lf.str_addr(RDI, Register::ES);
            lf.store(da, v);
            advance(lf, RSI);
            advance(lf, RDI);
        }
        M::Stosb => {
            let v = lf.get_gpr(RAX, ty);
            let da = lf.str_addr(RDI, Register::ES);
            lf.store(da, v);
            advance(lf, RDI);
        }
        M::Lodsb => {
            let sa = lf.str_addr(RSI, seg);
            let v = lf.load(ty, sa);
            lf.put_gpr(RAX, v);
            advance(lf, RSI);
        }
        M::Scasb => {
            let a = lf.get_gpr(RAX, ty);
            let da = lf.str_addr(RDI, Register::ES);
            let b = lf.load(ty, da);
            lf.thunk(Family::Sub, ty, a, b, None);
            advance(lf, RDI);
        }
        _ => {
            let sa = lf.str_addr(RSI, seg);
            let a = lf.load(ty, sa);
            let da = lf.str_addr(RDI, Register::ES);
            let b = lf.load(ty, da);
            lf.thunk(Family::Sub, ty, a, b, None);
            advance(lf, RSI);
            advance(lf, RDI);
        }
    }
    if !rep {
        return Ok(Flow::Next);
    }
    let c = lf.get_gpr(RCX, asz);
    let nc = lf.wbin(SUB, asz, c, Lifter::cst(asz, 1));
    lf.put_gpr(RCX, nc);
    if cmp {
        // repe stops when ZF is clear, repne when it is set.
        let stop = if lf.i.has_repne_prefix() {
            super::flags::Cond::Z
        } else {
            super::flags::Cond::Nz
        };
        let s = lf.cond(stop);
        lf.exit_if(s, lf.next, JumpKind::Boring);
    }
    // One iteration per block execution: jump back to this instruction.
    Ok(lf.goto(lf.addr, JumpKind::Boring))
}

/// `cld`, `std`.
pub(crate) fn set_df(lf: &mut Lifter, down: bool) -> R<Flow> {
    let w = lf.m.word;
    let v = Lifter::cst(w, if down { mask(w.bits()) } else { 1 });
    lf.b.put(lf.m.dflag, v);
    Ok(Flow::Next)
}

/// `clc`, `stc`, `cmc`.
pub(crate) fn carry_op(lf: &mut Lifter, mn: Mnemonic) -> R<Flow> {
    let w = lf.m.word;
    let f = lf.flags_all();
    let nf = match mn {
        Mnemonic::Clc => lf.wbin(AND, w, f, Lifter::cst(w, OSZACP & !CF)),
        Mnemonic::Stc => lf.wbin(OR, w, f, Lifter::cst(w, CF)),
        _ => lf.wbin(XOR, w, f, Lifter::cst(w, CF)),
    };
    lf.set_flags_word(nf);
    Ok(Flow::Next)
}

/// `lahf`: AH = SF:ZF:0:AF:0:PF:1:CF.
pub(crate) fn lahf(lf: &mut Lifter) -> R<Flow> {
    let w = lf.m.word;
    let f = lf.flags_all();
    let x = lf.wbin(AND, w, f, Lifter::cst(w, SF | ZF | AF | PF | CF));
    let x = lf.wbin(OR, w, x, Lifter::cst(w, 2));
    let ah = lf.zx(x, Type::I8);
    let off = lf.m.gpr_off(RAX) + 1;
    lf.b.put(off, ah);
    Ok(Flow::Next)
}

/// `sahf`: SF ZF AF PF CF from AH; OF kept.
pub(crate) fn sahf(lf: &mut Lifter) -> R<Flow> {
    let w = lf.m.word;
    let off = lf.m.gpr_off(RAX) + 1;
    let ah = lf.b.get(off, Type::I8);
    let a = lf.zx(ah, w);
    let a = lf.wbin(AND, w, a, Lifter::cst(w, SF | ZF | AF | PF | CF));
    let f = lf.merge_flags(OF, a);
    lf.set_flags_word(f);
    Ok(Flow::Next)
}

// ------------------------------------------------------------------ BMI

/// `andn`.
pub(crate) fn andn(lf: &mut Lifter) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let l1 = lf.loc(1)?;
    let a = lf.read(l1, ty);
    let l2 = lf.loc(2)?;
    let b = lf.read(l2, ty);
    let na = lf.un(super::lift::wop(NOT, ty), a);
    let r = lf.wbin(AND, ty, na, b);
    lf.thunk(Family::Andn, ty, r, Lifter::cst(ty, 0), None);
    let d = lf.loc(0)?;
    lf.write(d, r)?;
    Ok(Flow::Next)
}

/// `blsi`, `blsmsk`, `blsr`.
pub(crate) fn bls(lf: &mut Lifter, mn: Mnemonic) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let l1 = lf.loc(1)?;
    let s = lf.read(l1, ty);
    let one = Lifter::cst(ty, 1);
    let (r, fam) = match mn {
        Mnemonic::Blsi => {
            let n = lf.wbin(SUB, ty, Lifter::cst(ty, 0), s);
            (lf.wbin(AND, ty, s, n), Family::Blsi)
        }
        Mnemonic::Blsmsk => {
            let m1 = lf.wbin(SUB, ty, s, one);
            (lf.wbin(XOR, ty, s, m1), Family::Blsmsk)
        }
        _ => {
            let m1 = lf.wbin(SUB, ty, s, one);
            (lf.wbin(AND, ty, s, m1), Family::Blsr)
        }
    };
    lf.thunk(fam, ty, r, s, None);
    let d = lf.loc(0)?;
    lf.write(d, r)?;
    Ok(Flow::Next)
}

/// `shlx`, `shrx`, `sarx`, `rorx` (no flags).
pub(crate) fn shift_x(lf: &mut Lifter, mn: Mnemonic) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let l1 = lf.loc(1)?;
    let a = lf.read(l1, ty);
    let m = if ty == Type::I64 { 0x3f } else { 0x1f };
    let r = if mn == Mnemonic::Rorx {
        let Loc::Imm(c) = lf.loc(2)? else {
            return Err(Unsupported);
        };
        let c = Lifter::u8v(c & m);
        rot(lf, ty, a, c, false, ty.bits())
    } else {
        let l2 = lf.loc(2)?;
        let c = lf.read(l2, Type::I8);
        let c = lf.bin(Op::And8, c, Lifter::u8v(m));
        let t = match mn {
            Mnemonic::Shlx => SHL,
            Mnemonic::Shrx => SHR,
            _ => SAR,
        };
        lf.wbin(t, ty, a, c)
    };
    let d = lf.loc(0)?;
    lf.write(d, r)?;
    Ok(Flow::Next)
}

/// `bzhi`: zero the bits from index (low byte of src2) up.
pub(crate) fn bzhi(lf: &mut Lifter) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let w = lf.m.word;
    let l1 = lf.loc(1)?;
    let a = lf.read(l1, ty);
    let l2 = lf.loc(2)?;
    let idx = lf.read(l2, Type::I8);
    let nb = ty.bits();
    // in range: idx < width
    let inr = lf.bin(Op::CmpLT8U, idx, Lifter::u8c(nb));
    let ones = Lifter::cst(ty, mask(nb));
    let m = lf.wbin(SHL, ty, ones, idx);
    let nm = lf.un(super::lift::wop(NOT, ty), m);
    let cut = lf.wbin(AND, ty, a, nm);
    let r = lf.ite(inr, cut, a);
    // Flags: ZF, SF from the result, CF when the index is out of range, OF = 0.
    let zr = lf.is_zero(r);
    let zf = lf.ite(zr, Lifter::cst(w, ZF), Lifter::cst(w, 0));
    let sign = lf.wbin(SHR, ty, r, Lifter::u8c(nb - 1));
    let sw = lf.zx(sign, w);
    let sf = lf.wbin(SHL, w, sw, Atom::u8(7));
    let cf = lf.ite(inr, Lifter::cst(w, 0), Lifter::cst(w, CF));
    let f = lf.wbin(OR, w, zf, sf);
    let f = lf.wbin(OR, w, f, cf);
    lf.set_flags_word(f);
    let d = lf.loc(0)?;
    lf.write(d, r)?;
    Ok(Flow::Next)
}

/// `bextr`: extract `len` bits from `start` (control in src2).
pub(crate) fn bextr(lf: &mut Lifter) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let w = lf.m.word;
    let l1 = lf.loc(1)?;
    let a = lf.read(l1, ty);
    let l2 = lf.loc(2)?;
    let ctl = lf.read(l2, ty);
    let start = lf.zx(ctl, Type::I8);
    let sh = lf.wbin(SHR, ty, ctl, Atom::u8(8));
    let len = lf.zx(sh, Type::I8);
    let x = lf.wbin(SHR, ty, a, start);
    let ones = Lifter::cst(ty, mask(ty.bits()));
    let m = lf.wbin(SHL, ty, ones, len);
    let nm = lf.un(super::lift::wop(NOT, ty), m);
    let r = lf.wbin(AND, ty, x, nm);
    let zr = lf.is_zero(r);
    let zf = lf.ite(zr, Lifter::cst(w, ZF), Lifter::cst(w, 0));
    lf.set_flags_word(zf);
    let d = lf.loc(0)?;
    lf.write(d, r)?;
    Ok(Flow::Next)
}

/// `mulx`: unsigned rdx * src into two destinations, no flags.
pub(crate) fn mulx(lf: &mut Lifter) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let l2 = lf.loc(2)?;
    let b = lf.read(l2, ty);
    let a = lf.get_gpr(RDX, ty);
    let p = lf.bin(mull_op(ty, false), a, b);
    let (lo, hi) = split(lf, p, ty);
    let d2 = lf.loc(1)?;
    lf.write(d2, lo)?;
    let d1 = lf.loc(0)?;
    lf.write(d1, hi)?;
    Ok(Flow::Next)
}

/// `pdep`, `pext` through a pure helper.
pub(crate) fn pdep_pext(lf: &mut Lifter, dep: bool) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let w = lf.m.word;
    let l1 = lf.loc(1)?;
    let a = lf.read(l1, ty);
    let l2 = lf.loc(2)?;
    let m = lf.read(l2, ty);
    let aw = lf.zx(a, w);
    let mw = lf.zx(m, w);
    let name = if dep { "x86g_pdep" } else { "x86g_pext" };
    let a64 = lf.zx(aw, Type::I64);
    let m64 = lf.zx(mw, Type::I64);
    let r = lf.b.ccall(name, Type::I64, &[a64, m64]);
    let r = lf.zx(r, ty);
    let d = lf.loc(0)?;
    lf.write(d, r)?;
    Ok(Flow::Next)
}

/// `adcx` (carry in and out through CF) and `adox` (through OF); no other
/// flag changes.
pub(crate) fn adcx_adox(lf: &mut Lifter, overflow: bool) -> R<Flow> {
    let ty = lf.op_ty(0, Type::I32)?;
    let w = lf.m.word;
    let dst = lf.loc(0)?;
    let src = lf.loc(1)?;
    let a = lf.read(dst, ty);
    let b = lf.read(src, ty);
    let f = lf.flags_all();
    let bitpos = if overflow { 11 } else { 0 };
    let cin = lf.wbin(SHR, w, f, Lifter::u8c(bitpos));
    let cin = lf.wbin(AND, w, cin, Lifter::cst(w, 1));
    let c = lf.zx(cin, ty);
    let s1 = lf.wbin(ADD, ty, a, b);
    let r = lf.wbin(ADD, ty, s1, c);
    // Carry out: the sum wrapped below a, or equals a with a carry in.
    let lt = lf.wbin(super::lift::CMPLTU, ty, r, a);
    let eq = lf.wbin(CMPEQ, ty, r, a);
    let cb = lf.zx(c, Type::I1);
    let eqc = lf.bin(Op::And1, eq, cb);
    let cout = lf.bin(Op::Or1, lt, eqc);
    let cw = lf.zx(cout, w);
    let cw = lf.wbin(SHL, w, cw, Lifter::u8c(bitpos));
    let keep = if overflow { !OF } else { !CF };
    let k = lf.wbin(AND, w, f, Lifter::cst(w, keep & OSZACP));
    let nf = lf.wbin(OR, w, k, cw);
    lf.set_flags_word(nf);
    lf.write(dst, r)?;
    Ok(Flow::Next)
}

/// `crc32 r, r/m`: CRC-32C through a pure helper.
pub(crate) fn crc32(lf: &mut Lifter) -> R<Flow> {
    let sty = lf.op_ty(1, Type::I32)?;
    let src = lf.loc(1)?;
    let d = lf.read(src, sty);
    let crc = lf.get_reg(lf.i.op0_register())?;
    let crc = lf.zx(crc, Type::I64);
    let d64 = lf.zx(d, Type::I64);
    let n = Atom::u64(u64::from(sty.bytes()));
    let r = lf.b.ccall("x86g_crc32c", Type::I64, &[crc, d64, n]);
    let r32 = lf.zx(r, Type::I32);
    let dst = lf.loc(0)?;
    let v = match dst {
        Loc::Reg(_, _, Type::I64) => lf.zx(r32, Type::I64),
        _ => r32,
    };
    lf.write(dst, v)?;
    Ok(Flow::Next)
}

/// `pushad`/`popad` (32-bit mode).
pub(crate) fn pusha_popa(lf: &mut Lifter, push: bool) -> R<Flow> {
    if lf.m.bits != 32 || lf.i.stack_pointer_increment().unsigned_abs() != 32 {
        return Err(Unsupported);
    }
    if push {
        let sp = lf.sp();
        for n in 0..8 {
            let v = if n == 4 { sp } else { lf.get_gpr(n, Type::I32) };
            lf.push(v);
        }
    } else {
        for n in (0..8).rev() {
            let v = lf.pop(Type::I32);
            if n != 4 {
                lf.put_gpr(n, v);
            }
        }
    }
    Ok(Flow::Next)
}

/// `xlat`: al = [rbx + al] (address size, ds or an override).
pub(crate) fn xlat(lf: &mut Lifter) -> R<Flow> {
    let asz = lf.addr_size_xlat();
    let bx = lf.get_gpr(RBX, asz);
    let al = lf.get_gpr(RAX, Type::I8);
    let alw = lf.zx(al, asz);
    let a = lf.wbin(ADD, asz, bx, alw);
    let w = lf.m.word;
    let a = lf.zx(a, w);
    let a = lf.seg_add(a);
    let v = lf.load(Type::I8, a);
    lf.put_gpr(RAX, v);
    Ok(Flow::Next)
}

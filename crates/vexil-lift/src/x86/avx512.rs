//! The AVX-512 instructions glibc's EVEX string functions use: compares
//! into mask registers, `vptestm`/`vptestnm`, `vpternlog`, and the mask
//! register instructions. Mask registers are I64 guest-state slots; a
//! compare's lane results become bits through [`msbs`].

use super::flags::{CF, ZF};
use super::lift::{Flow, Lifter, OR, R, Unsupported, ity};
use super::sse::{Vec4, msbs, opmask, read_vec, vreg, write_vec};
use iced_x86::{Mnemonic as M, OpKind, Register};
use vexil_ir::{Atom, Const, Op, Type};

fn kslot(lf: &Lifter, r: Register) -> R<u32> {
    if !r.is_k() {
        return Err(Unsupported);
    }
    let n = r.number();
    lf.m.kreg.get(n).copied().ok_or(Unsupported)
}

fn kget(lf: &mut Lifter, r: Register) -> R<Atom> {
    let off = kslot(lf, r)?;
    Ok(lf.b.get(off, Type::I64))
}

fn kput(lf: &mut Lifter, r: Register, v: Atom) -> R<()> {
    let off = kslot(lf, r)?;
    lf.b.put(off, v);
    Ok(())
}

fn width_of(lf: &Lifter, opn: u32) -> R<u32> {
    Ok(vreg(lf.i.op_register(opn)).ok_or(Unsupported)?.1)
}

/// Combines per-part lane results into mask bits, ANDs the write mask, and
/// writes the destination mask register.
fn lanes_to_k(lf: &mut Lifter, lanes: &Vec4, esize: u32) -> R<Flow> {
    let per = 16 / esize;
    let mut acc: Option<Atom> = None;
    for k in 0..lanes.n {
        let m = msbs(lf, lanes.p[k], esize);
        let m = if k > 0 {
            lf.bin(Op::Shl64, m, Lifter::u8c(super::bits::small(k) * per))
        } else {
            m
        };
        acc = Some(match acc {
            Some(a) => lf.bin(Op::Or64, a, m),
            None => m,
        });
    }
    let mut v = acc.ok_or(Unsupported)?;
    if let Some(wm) = opmask(lf)? {
        v = lf.bin(Op::And64, v, wm);
    }
    kput(lf, lf.i.op0_register(), v)?;
    Ok(Flow::Next)
}

fn cmp_ops(esize: u32) -> (Op, Op, Op) {
    match esize {
        1 => (Op::CmpEQ8x16, Op::CmpGT8Sx16, Op::CmpGT8Ux16),
        2 => (Op::CmpEQ16x8, Op::CmpGT16Sx8, Op::CmpGT16Ux8),
        4 => (Op::CmpEQ32x4, Op::CmpGT32Sx4, Op::CmpGT32Ux4),
        _ => (Op::CmpEQ64x2, Op::CmpGT64Sx2, Op::CmpGT64Ux2),
    }
}

/// `vpcmp[u]{b,w,d,q} k, a, b, imm` (and the EVEX `vpcmpeq*`/`vpcmpgt*`
/// forms that write a mask register, with a fixed predicate).
pub(crate) fn vpcmp(lf: &mut Lifter, mn: M) -> R<Flow> {
    let (esize, unsigned, fixed) = match mn {
        M::Vpcmpb => (1, false, None),
        M::Vpcmpub => (1, true, None),
        M::Vpcmpw => (2, false, None),
        M::Vpcmpuw => (2, true, None),
        M::Vpcmpd => (4, false, None),
        M::Vpcmpud => (4, true, None),
        M::Vpcmpq => (8, false, None),
        M::Vpcmpuq => (8, true, None),
        M::Vpcmpeqb => (1, false, Some(0)),
        M::Vpcmpeqw => (2, false, Some(0)),
        M::Vpcmpeqd => (4, false, Some(0)),
        M::Vpcmpeqq => (8, false, Some(0)),
        M::Vpcmpgtb => (1, false, Some(6)),
        M::Vpcmpgtw => (2, false, Some(6)),
        M::Vpcmpgtd => (4, false, Some(6)),
        M::Vpcmpgtq => (8, false, Some(6)),
        _ => return Err(Unsupported),
    };
    let pred = match fixed {
        Some(p) => p,
        None => lf.i.try_immediate(3).map_err(|_| Unsupported)? & 7,
    };
    let width = width_of(lf, 1)?;
    let a = read_vec(lf, 1, width, esize)?;
    let b = read_vec(lf, 2, width, esize)?;
    let (eq, gts, gtu) = cmp_ops(esize);
    let gt = if unsigned { gtu } else { gts };
    let mut r = Vec4 { p: a.p, n: a.n };
    for k in 0..a.n {
        let (x, y) = (a.p[k], b.p[k]);
        let (op, swap, neg) = match pred {
            0 => (Some(eq), false, false),
            1 => (Some(gt), true, false),
            2 => (Some(gt), false, true),
            4 => (Some(eq), false, true),
            5 => (Some(gt), true, true),
            6 => (Some(gt), false, false),
            3 => (None, false, false),
            _ => (None, false, true),
        };
        let c = match op {
            Some(op) if swap => lf.bin(op, y, x),
            Some(op) => lf.bin(op, x, y),
            None => Atom::Const(Const::v128_mask(0)),
        };
        r.p[k] = if neg { lf.un(Op::NotV128, c) } else { c };
    }
    lanes_to_k(lf, &r, esize)
}

/// `vptestm*` (mask bit set where `a & b` is non-zero) and `vptestnm*`.
pub(crate) fn vptestm(lf: &mut Lifter, mn: M) -> R<Flow> {
    let (esize, neg) = match mn {
        M::Vptestmb => (1, false),
        M::Vptestmw => (2, false),
        M::Vptestmd => (4, false),
        M::Vptestmq => (8, false),
        M::Vptestnmb => (1, true),
        M::Vptestnmw => (2, true),
        M::Vptestnmd => (4, true),
        _ => (8, true),
    };
    let width = width_of(lf, 1)?;
    let a = read_vec(lf, 1, width, esize)?;
    let b = read_vec(lf, 2, width, esize)?;
    let nez = match esize {
        1 => Op::CmpNEZ8x16,
        2 => Op::CmpNEZ16x8,
        4 => Op::CmpNEZ32x4,
        _ => Op::CmpNEZ64x2,
    };
    let mut r = Vec4 { p: a.p, n: a.n };
    for k in 0..a.n {
        let x = lf.bin(Op::AndV128, a.p[k], b.p[k]);
        let c = lf.un(nez, x);
        r.p[k] = if neg { lf.un(Op::NotV128, c) } else { c };
    }
    lanes_to_k(lf, &r, esize)
}

/// `vpternlogd/q dst, a, b, imm`: bit i of the result is bit
/// `(dst_i << 2) | (a_i << 1) | b_i` of `imm`, through a pure helper.
pub(crate) fn vpternlog(lf: &mut Lifter, mn: M) -> R<Flow> {
    let esize = if mn == M::Vpternlogq { 8 } else { 4 };
    let width = width_of(lf, 0)?;
    let d = read_vec(lf, 0, width, esize)?;
    let a = read_vec(lf, 1, width, esize)?;
    let b = read_vec(lf, 2, width, esize)?;
    let imm = lf.i.try_immediate(3).map_err(|_| Unsupported)? & 0xff;
    let mut r = Vec4 { p: d.p, n: d.n };
    for k in 0..d.n {
        r.p[k] = lf.b.ccall(
            "x86g_ternlog",
            Type::V128,
            &[d.p[k], a.p[k], b.p[k], Atom::u64(imm)],
        );
    }
    write_vec(lf, 0, &r, esize)?;
    Ok(Flow::Next)
}

/// The ternary-logic helper: `(c, a, b, imm)` over 128 bits.
pub(crate) fn ternlog_helper(args: &[u128]) -> u128 {
    let g = |i: usize| args.get(i).copied().unwrap_or(0);
    let (c, a, b, imm) = (g(0), g(1), g(2), g(3));
    let mut out = 0u128;
    for idx in 0..8u32 {
        if (imm >> idx) & 1 == 0 {
            continue;
        }
        let pick = |v: u128, bit: u32| if (idx >> bit) & 1 == 1 { v } else { !v };
        out |= pick(c, 2) & pick(a, 1) & pick(b, 0);
    }
    out
}

fn ksize(mn: M) -> u32 {
    let name = format!("{mn:?}");
    match name.chars().last() {
        Some('b') => 1,
        Some('w') => 2,
        Some('d') => 4,
        _ => 8,
    }
}

/// `kmov{b,w,d,q}` between mask registers, general registers and memory.
pub(crate) fn kmov(lf: &mut Lifter, mn: M) -> R<Flow> {
    let size = ksize(mn);
    let ty = ity(size);
    let src = match lf.i.op1_kind() {
        OpKind::Register if lf.i.op1_register().is_k() => {
            let v = kget(lf, lf.i.op1_register())?;
            lf.zx(v, ty)
        }
        _ => {
            let l = lf.loc(1)?;
            let sty = if lf.i.op1_kind() == OpKind::Register {
                ity(super::bits::small(lf.i.op1_register().size()))
            } else {
                ty
            };
            let v = lf.read(l, sty);
            lf.zx(v, ty)
        }
    };
    match lf.i.op0_kind() {
        OpKind::Register if lf.i.op0_register().is_k() => {
            let v = lf.zx(src, Type::I64);
            kput(lf, lf.i.op0_register(), v)?;
        }
        _ => {
            let l = lf.loc(0)?;
            let dty = if lf.i.op0_kind() == OpKind::Register {
                ity(super::bits::small(lf.i.op0_register().size()))
            } else {
                ty
            };
            let v = lf.zx(src, dty);
            lf.write(l, v)?;
        }
    }
    Ok(Flow::Next)
}

/// `kortest*` (OR of both: ZF if zero, CF if all ones) and `ktest*`
/// (ZF if `a & b` is zero, CF if `!a & b` is zero).
pub(crate) fn ktest(lf: &mut Lifter, mn: M) -> R<Flow> {
    let size = ksize(mn);
    let m = super::bits::mask(size * 8);
    let a = kget(lf, lf.i.op0_register())?;
    let b = kget(lf, lf.i.op1_register())?;
    let (z, c) = if matches!(mn, M::Kortestb | M::Kortestw | M::Kortestd | M::Kortestq) {
        let o = lf.bin(Op::Or64, a, b);
        let o = lf.bin(Op::And64, o, Atom::u64(m));
        let z = lf.bin(Op::CmpEQ64, o, Atom::u64(0));
        let c = lf.bin(Op::CmpEQ64, o, Atom::u64(m));
        (z, c)
    } else {
        let x = lf.bin(Op::And64, a, b);
        let x = lf.bin(Op::And64, x, Atom::u64(m));
        let na = lf.un(Op::Not64, a);
        let y = lf.bin(Op::And64, na, b);
        let y = lf.bin(Op::And64, y, Atom::u64(m));
        let z = lf.bin(Op::CmpEQ64, x, Atom::u64(0));
        let c = lf.bin(Op::CmpEQ64, y, Atom::u64(0));
        (z, c)
    };
    let w = lf.m.word;
    let zf = lf.ite(z, Lifter::cst(w, ZF), Lifter::cst(w, 0));
    let cf = lf.ite(c, Lifter::cst(w, CF), Lifter::cst(w, 0));
    let f = lf.wbin(OR, w, zf, cf);
    lf.set_flags_word(f);
    Ok(Flow::Next)
}

/// `kunpck{bw,wd,dq} k1, k2, k3`: k1 = k2.low : k3.low.
pub(crate) fn kunpck(lf: &mut Lifter, mn: M) -> R<Flow> {
    let half = match mn {
        M::Kunpckbw => 8,
        M::Kunpckwd => 16,
        _ => 32,
    };
    let m = super::bits::mask(half);
    let hi = kget(lf, lf.i.op1_register())?;
    let lo = kget(lf, lf.i.op2_register())?;
    let hi = lf.bin(Op::And64, hi, Atom::u64(m));
    let hi = lf.bin(Op::Shl64, hi, Lifter::u8c(half));
    let lo = lf.bin(Op::And64, lo, Atom::u64(m));
    let v = lf.bin(Op::Or64, hi, lo);
    kput(lf, lf.i.op0_register(), v)?;
    Ok(Flow::Next)
}

/// `kand`, `kandn`, `kor`, `kxor`, `kxnor`, `knot` at each width.
pub(crate) fn klogic(lf: &mut Lifter, mn: M) -> R<Flow> {
    let size = ksize(mn);
    let m = Atom::u64(super::bits::mask(size * 8));
    let name = format!("{mn:?}");
    let a = kget(lf, lf.i.op1_register())?;
    let v = if name.starts_with("Knot") {
        lf.un(Op::Not64, a)
    } else {
        let b = kget(lf, lf.i.op2_register())?;
        if name.starts_with("Kandn") {
            let na = lf.un(Op::Not64, a);
            lf.bin(Op::And64, na, b)
        } else if name.starts_with("Kand") {
            lf.bin(Op::And64, a, b)
        } else if name.starts_with("Kxnor") {
            let x = lf.bin(Op::Xor64, a, b);
            lf.un(Op::Not64, x)
        } else if name.starts_with("Kxor") {
            lf.bin(Op::Xor64, a, b)
        } else {
            lf.bin(Op::Or64, a, b)
        }
    };
    let v = lf.bin(Op::And64, v, m);
    kput(lf, lf.i.op0_register(), v)?;
    Ok(Flow::Next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ternlog_truth_tables() {
        let (c, a, b) = (0b1111_0000u128, 0b1100_1100u128, 0b1010_1010u128);
        // 0x96 = c ^ a ^ b; 0xe8 = majority; 0x80 = c & a & b.
        assert_eq!(ternlog_helper(&[c, a, b, 0x96]) & 0xff, (c ^ a ^ b) & 0xff);
        assert_eq!(
            ternlog_helper(&[c, a, b, 0xe8]) & 0xff,
            ((c & a) | (c & b) | (a & b)) & 0xff
        );
        assert_eq!(ternlog_helper(&[c, a, b, 0x80]) & 0xff, c & a & b & 0xff);
    }
}

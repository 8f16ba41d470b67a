//! The x87 subset compilers and libc emit: loads and stores (including
//! 80-bit memory operands, converted through helpers), integer loads and
//! stores, arithmetic, compares into the condition codes or eflags,
//! `fxch`, `fcmov`, `fxam`, and the control and status words.
//!
//! As in VEX, the register stack is eight F64 values indexed from the
//! run-time stack top (`GetI`/`PutI` over `fpreg`), with a tag byte per
//! register. Values are therefore rounded to double precision, as VEX
//! rounds them; programs that depend on 80-bit intermediate precision see
//! double-precision results.

use super::flags::Family;
use super::lift::{Flow, Lifter, R, Unsupported};
use iced_x86::{MemorySize, Mnemonic as M, OpKind, Register};
use vexil_ir::{Atom, Const, Expr, Offset, Op, RegArray, Stmt, Type};

fn fpregs(lf: &Lifter) -> RegArray {
    RegArray {
        base: Offset(lf.m.fpreg),
        elem: Type::F64,
        n: 8,
    }
}

fn fptags(lf: &Lifter) -> RegArray {
    RegArray {
        base: Offset(lf.m.fptag),
        elem: Type::I8,
        n: 8,
    }
}

impl Lifter {
    fn ftop(&mut self) -> Atom {
        self.b.get(self.m.ftop, Type::I32)
    }
    fn set_ftop(&mut self, v: Atom) {
        self.b.put(self.m.ftop, v);
    }
    /// `st(i)` given the current top.
    fn st(&mut self, top: Atom, i: i32) -> Atom {
        let d = fpregs(self);
        self.b.assign(Expr::GetI {
            descr: d,
            ix: top,
            bias: i,
        })
    }
    fn set_st(&mut self, top: Atom, i: i32, v: Atom) {
        let d = fpregs(self);
        self.b.push(Stmt::PutI {
            descr: d,
            ix: top,
            bias: i,
            data: v,
        });
        let t = fptags(self);
        self.b.push(Stmt::PutI {
            descr: t,
            ix: top,
            bias: i,
            data: Atom::u8(1),
        });
    }
    /// Pushes `v`; a push onto a full register gives the invalid-operation
    /// result (a quiet NaN), as the masked exception does.
    fn fpush(&mut self, v: Atom) {
        let top = self.ftop();
        let nt = self.bin(Op::Sub32, top, Atom::u32(1));
        let nt = self.bin(Op::And32, nt, Atom::u32(7));
        self.set_ftop(nt);
        let t = fptags(self);
        let tag = self.b.assign(Expr::GetI {
            descr: t,
            ix: nt,
            bias: 0,
        });
        let full = self.bin(Op::CmpNE8, tag, Atom::u8(0));
        let nan = Atom::Const(Const::new(Type::F64, 0xfff8_0000_0000_0000));
        let v = self.ite(full, nan, v);
        self.set_st(nt, 0, v);
    }
    /// Pops the stack (marks st(0) empty).
    fn fpop(&mut self) {
        let top = self.ftop();
        let t = fptags(self);
        self.b.push(Stmt::PutI {
            descr: t,
            ix: top,
            bias: 0,
            data: Atom::u8(0),
        });
        let nt = self.bin(Op::Add32, top, Atom::u32(1));
        let nt = self.bin(Op::And32, nt, Atom::u32(7));
        self.set_ftop(nt);
    }
    /// The x87 rounding mode as I32.
    fn fp_rm(&mut self) -> Atom {
        let w = self.m.word;
        let r = self.b.get(self.m.fpround, w);
        self.zx(r, Type::I32)
    }
}

fn st_index(r: Register) -> R<i32> {
    if r.is_st() {
        i32::try_from(r.number()).map_err(|_| Unsupported)
    } else {
        Err(Unsupported)
    }
}

/// Loads a memory operand as F64 (floats widened, integers converted).
fn load_f64(lf: &mut Lifter) -> R<Atom> {
    let addr = lf.ea();
    Ok(match lf.i.memory_size() {
        MemorySize::Float32 => {
            let f = lf.load(Type::F32, addr);
            lf.un(Op::F32toF64, f)
        }
        MemorySize::Float64 => lf.load(Type::F64, addr),
        MemorySize::Float80 => {
            let lo = lf.load(Type::I64, addr);
            let a8 = lf.wbin(super::lift::ADD, lf.m.word, addr, lf.cw(8));
            let hi = lf.load(Type::I16, a8);
            let hi = lf.un(Op::I16Uto64, hi);
            let bits = lf.b.ccall("x86g_f80_to_f64", Type::I64, &[lo, hi]);
            lf.un(Op::ReinterpI64asF64, bits)
        }
        MemorySize::Int16 => {
            let v = lf.load(Type::I16, addr);
            let v = lf.un(Op::I16Sto32, v);
            lf.un(Op::I32StoF64, v)
        }
        MemorySize::Int32 => {
            let v = lf.load(Type::I32, addr);
            lf.un(Op::I32StoF64, v)
        }
        MemorySize::Int64 => {
            let v = lf.load(Type::I64, addr);
            let rm = lf.fp_rm();
            lf.bin(Op::I64StoF64, rm, v)
        }
        _ => return Err(Unsupported),
    })
}

/// Stores st(0) (`v`) to the memory operand in its format.
fn store_f64(lf: &mut Lifter, v: Atom, trunc: bool) -> R<()> {
    let addr = lf.ea();
    let rm = if trunc { Atom::u32(3) } else { lf.fp_rm() };
    let data = match lf.i.memory_size() {
        MemorySize::Float32 => lf.bin(Op::F64toF32, rm, v),
        MemorySize::Float64 => v,
        MemorySize::Float80 => {
            let bits = lf.un(Op::ReinterpF64asI64, v);
            let x = lf.b.ccall("x86g_f64_to_f80", Type::I128, &[bits]);
            let lo = lf.un(Op::I128to64, x);
            let hi = lf.un(Op::I128HIto64, x);
            let hi = lf.un(Op::I64to16, hi);
            lf.store(addr, lo);
            let a8 = lf.wbin(super::lift::ADD, lf.m.word, addr, lf.cw(8));
            lf.store(a8, hi);
            return Ok(());
        }
        MemorySize::Int16 => lf.bin(Op::F64toI16S, rm, v),
        MemorySize::Int32 => lf.bin(Op::F64toI32S, rm, v),
        MemorySize::Int64 => lf.bin(Op::F64toI64S, rm, v),
        _ => return Err(Unsupported),
    };
    lf.store(addr, data);
    Ok(())
}

fn arith_op(mn: M) -> Option<(Op, bool, bool)> {
    // (op, reversed, pops)
    Some(match mn {
        M::Fadd | M::Fiadd => (Op::AddF64, false, false),
        M::Faddp => (Op::AddF64, false, true),
        M::Fsub | M::Fisub => (Op::SubF64, false, false),
        M::Fsubp => (Op::SubF64, false, true),
        M::Fsubr | M::Fisubr => (Op::SubF64, true, false),
        M::Fsubrp => (Op::SubF64, true, true),
        M::Fmul | M::Fimul => (Op::MulF64, false, false),
        M::Fmulp => (Op::MulF64, false, true),
        M::Fdiv | M::Fidiv => (Op::DivF64, false, false),
        M::Fdivp => (Op::DivF64, false, true),
        M::Fdivr | M::Fidivr => (Op::DivF64, true, false),
        M::Fdivrp => (Op::DivF64, true, true),
        _ => return None,
    })
}

/// Arithmetic: `dst = dst op src` (or `src op dst` reversed), popping if asked.
fn arith(lf: &mut Lifter, op: Op, rev: bool, pops: bool) -> R<Flow> {
    let top = lf.ftop();
    let (dst, src) = match (lf.i.op_count(), lf.i.op0_kind()) {
        (1, OpKind::Memory) => {
            let m = load_f64(lf)?;
            (0, m)
        }
        (2, OpKind::Register) if lf.i.op1_kind() == OpKind::Register => {
            let d = st_index(lf.i.op0_register())?;
            let s = st_index(lf.i.op1_register())?;
            let sv = lf.st(top, s);
            (d, sv)
        }
        (0, _) => {
            // faddp with no operands: st(1) = st(1) op st(0), pop.
            let sv = lf.st(top, 0);
            (1, sv)
        }
        _ => return Err(Unsupported),
    };
    let dv = lf.st(top, dst);
    let rm = lf.fp_rm();
    let (a, b) = if rev { (src, dv) } else { (dv, src) };
    let r = lf.b.triop(op, rm, a, b);
    lf.set_st(top, dst, r);
    if pops {
        lf.fpop();
    }
    Ok(Flow::Next)
}

/// `fcom`, `fucom` families: C3 C2 C0 from the comparison.
fn fcom(lf: &mut Lifter, pops: u32, with_zero: bool) -> R<Flow> {
    let top = lf.ftop();
    let a = lf.st(top, 0);
    let b = if with_zero {
        Atom::Const(Const::f64(0.0))
    } else {
        match (lf.i.op_count(), lf.i.op0_kind()) {
            (1, OpKind::Memory) => load_f64(lf)?,
            (2, _) => {
                let s = st_index(lf.i.op1_register())?;
                lf.st(top, s)
            }
            (1, OpKind::Register) => {
                let s = st_index(lf.i.op0_register())?;
                lf.st(top, s)
            }
            _ => lf.st(top, 1),
        }
    };
    let c = lf.bin(Op::CmpF64, a, b);
    let c = lf.bin(Op::Shl32, c, Atom::u8(8));
    let c = lf.bin(Op::And32, c, Atom::u32(0x4500));
    let w = lf.m.word;
    let cw = lf.zx(c, w);
    lf.b.put(lf.m.fc3210, cw);
    for _ in 0..pops {
        lf.fpop();
    }
    Ok(Flow::Next)
}

/// `fcomi`, `fucomi` (and popping forms): ZF PF CF like `ucomisd`.
fn fcomi(lf: &mut Lifter, pops: bool) -> R<Flow> {
    let top = lf.ftop();
    let a = lf.st(top, 0);
    let s = st_index(lf.i.op1_register())?;
    let b = lf.st(top, s);
    let c = lf.bin(Op::CmpF64, a, b);
    let w = lf.m.word;
    let cw = lf.zx(c, w);
    let f = lf.wbin(super::lift::AND, w, cw, Lifter::cst(w, 0x45));
    lf.thunk(Family::Copy, w, f, Lifter::cst(w, 0), None);
    if pops {
        lf.fpop();
    }
    Ok(Flow::Next)
}

/// Lifts an x87 instruction.
pub(crate) fn lift(lf: &mut Lifter, mn: M) -> R<Flow> {
    if let Some((op, rev, pops)) = arith_op(mn) {
        return arith(lf, op, rev, pops);
    }
    match mn {
        M::Fld | M::Fild => {
            let v = match lf.i.op0_kind() {
                OpKind::Memory => load_f64(lf)?,
                OpKind::Register => {
                    let s = st_index(lf.i.op0_register())?;
                    let top = lf.ftop();
                    lf.st(top, s)
                }
                _ => return Err(Unsupported),
            };
            lf.fpush(v);
            Ok(Flow::Next)
        }
        M::Fldz | M::Fld1 | M::Fldpi | M::Fldl2e | M::Fldln2 | M::Fldl2t | M::Fldlg2 => {
            let v = match mn {
                M::Fldz => 0.0,
                M::Fld1 => 1.0,
                M::Fldpi => std::f64::consts::PI,
                M::Fldl2e => std::f64::consts::LOG2_E,
                M::Fldln2 => std::f64::consts::LN_2,
                M::Fldl2t => std::f64::consts::LOG2_10,
                _ => std::f64::consts::LOG10_2,
            };
            lf.fpush(Atom::Const(Const::f64(v)));
            Ok(Flow::Next)
        }
        M::Fst | M::Fstp | M::Fist | M::Fistp | M::Fisttp => {
            let top = lf.ftop();
            let v = lf.st(top, 0);
            match lf.i.op0_kind() {
                OpKind::Memory => store_f64(lf, v, mn == M::Fisttp)?,
                OpKind::Register => {
                    let d = st_index(lf.i.op0_register())?;
                    lf.set_st(top, d, v);
                }
                _ => return Err(Unsupported),
            }
            if matches!(mn, M::Fstp | M::Fistp | M::Fisttp) {
                lf.fpop();
            }
            Ok(Flow::Next)
        }
        M::Fxch => {
            let s = if lf.i.op_count() == 2 {
                st_index(lf.i.op1_register())?
            } else {
                1
            };
            let top = lf.ftop();
            let a = lf.st(top, 0);
            let b = lf.st(top, s);
            lf.set_st(top, 0, b);
            lf.set_st(top, s, a);
            Ok(Flow::Next)
        }
        M::Fchs | M::Fabs => {
            let top = lf.ftop();
            let a = lf.st(top, 0);
            let r = lf.un(
                if mn == M::Fchs {
                    Op::NegF64
                } else {
                    Op::AbsF64
                },
                a,
            );
            lf.set_st(top, 0, r);
            Ok(Flow::Next)
        }
        M::Fsqrt => {
            let top = lf.ftop();
            let a = lf.st(top, 0);
            let rm = lf.fp_rm();
            let r = lf.bin(Op::SqrtF64, rm, a);
            lf.set_st(top, 0, r);
            Ok(Flow::Next)
        }
        M::Frndint => {
            let top = lf.ftop();
            let a = lf.st(top, 0);
            let rm = lf.fp_rm();
            let r = lf.bin(Op::RoundF64toInt, rm, a);
            lf.set_st(top, 0, r);
            Ok(Flow::Next)
        }
        M::Fcom | M::Fucom => fcom(lf, 0, false),
        M::Fcomp | M::Fucomp => fcom(lf, 1, false),
        M::Fcompp | M::Fucompp => fcom(lf, 2, false),
        M::Ftst => fcom(lf, 0, true),
        M::Fcomi | M::Fucomi => fcomi(lf, false),
        M::Fcomip | M::Fucomip => fcomi(lf, true),
        M::Fxam => {
            let top = lf.ftop();
            let t = fptags(lf);
            let tag = lf.b.assign(Expr::GetI {
                descr: t,
                ix: top,
                bias: 0,
            });
            let tag = lf.un(Op::I8Uto64, tag);
            let v = lf.st(top, 0);
            let bits = lf.un(Op::ReinterpF64asI64, v);
            let c = lf.b.ccall("x86g_fxam", Type::I64, &[tag, bits]);
            let w = lf.m.word;
            let c = lf.zx(c, w);
            lf.b.put(lf.m.fc3210, c);
            Ok(Flow::Next)
        }
        M::Fnstcw | M::Fstcw => {
            let rm = lf.fp_rm();
            let sh = lf.bin(Op::Shl32, rm, Atom::u8(10));
            let cw = lf.bin(Op::Or32, sh, Atom::u32(0x037f));
            let cw = lf.un(Op::I32to16, cw);
            let a = lf.ea();
            lf.store(a, cw);
            Ok(Flow::Next)
        }
        M::Fldcw => {
            let a = lf.ea();
            let cw = lf.load(Type::I16, a);
            let cw = lf.un(Op::I16Uto32, cw);
            let sh = lf.bin(Op::Shr32, cw, Atom::u8(10));
            let rm = lf.bin(Op::And32, sh, Atom::u32(3));
            let w = lf.m.word;
            let rm = lf.zx(rm, w);
            lf.b.put(lf.m.fpround, rm);
            Ok(Flow::Next)
        }
        M::Fnstsw | M::Fstsw => {
            let top = lf.ftop();
            let t = lf.bin(Op::And32, top, Atom::u32(7));
            let t = lf.bin(Op::Shl32, t, Atom::u8(11));
            let w = lf.m.word;
            let c = lf.b.get(lf.m.fc3210, w);
            let c = lf.zx(c, Type::I32);
            let c = lf.bin(Op::And32, c, Atom::u32(0x4700));
            let sw = lf.bin(Op::Or32, t, c);
            let sw = lf.un(Op::I32to16, sw);
            match lf.i.op0_kind() {
                OpKind::Register => lf.put_reg(lf.i.op0_register(), sw)?,
                OpKind::Memory => {
                    let a = lf.ea();
                    lf.store(a, sw);
                }
                _ => return Err(Unsupported),
            }
            Ok(Flow::Next)
        }
        M::Fcmovb
        | M::Fcmove
        | M::Fcmovbe
        | M::Fcmovu
        | M::Fcmovnb
        | M::Fcmovne
        | M::Fcmovnbe
        | M::Fcmovnu => {
            use super::flags::Cond;
            let c = match mn {
                M::Fcmovb => Cond::B,
                M::Fcmove => Cond::Z,
                M::Fcmovbe => Cond::Be,
                M::Fcmovu => Cond::P,
                M::Fcmovnb => Cond::Nb,
                M::Fcmovne => Cond::Nz,
                M::Fcmovnbe => Cond::Nbe,
                _ => Cond::Np,
            };
            let s = st_index(lf.i.op1_register())?;
            let top = lf.ftop();
            let a = lf.st(top, 0);
            let b = lf.st(top, s);
            let g = lf.cond(c);
            let v = lf.ite(g, b, a);
            lf.set_st(top, 0, v);
            Ok(Flow::Next)
        }
        M::Ffree => {
            let s = st_index(lf.i.op0_register())?;
            let top = lf.ftop();
            let t = fptags(lf);
            lf.b.push(Stmt::PutI {
                descr: t,
                ix: top,
                bias: s,
                data: Atom::u8(0),
            });
            Ok(Flow::Next)
        }
        M::Fincstp | M::Fdecstp => {
            let top = lf.ftop();
            let d = if mn == M::Fincstp { 1 } else { 7 };
            let nt = lf.bin(Op::Add32, top, Atom::u32(d));
            let nt = lf.bin(Op::And32, nt, Atom::u32(7));
            lf.set_ftop(nt);
            Ok(Flow::Next)
        }
        M::Fnclex | M::Fclex | M::Fnop => Ok(Flow::Next),
        M::Fninit | M::Finit => {
            lf.set_ftop(Atom::u32(0));
            for i in 0..8 {
                let off = lf.m.fptag + i;
                lf.b.put(off, Atom::u8(0));
            }
            let w = lf.m.word;
            lf.b.put(lf.m.fpround, Lifter::cst(w, 0));
            lf.b.put(lf.m.fc3210, Lifter::cst(w, 0));
            Ok(Flow::Next)
        }
        _ => Err(Unsupported),
    }
}

/// Converts an 80-bit extended value (mantissa, sign+exponent) to F64 bits.
pub(crate) fn f80_to_f64(args: &[u128]) -> u128 {
    let mant = args.first().copied().map_or(0, super::bits::lo64);
    let se = args.get(1).copied().map_or(0, super::bits::lo64) & 0xffff;
    let sign = (se >> 15) & 1;
    let exp = se & 0x7fff;
    let out = if exp == 0x7fff {
        // Infinity or NaN (keep the top payload bits).
        let frac = (mant << 1) >> 12;
        (sign << 63) | (0x7ff << 52) | if mant << 1 == 0 { 0 } else { frac | (1 << 51) }
    } else if mant == 0 {
        sign << 63
    } else {
        // value = mant * 2^(exp - 16383 - 63); let the host round once.
        let e = i32::try_from(exp).unwrap_or(0) - 16383 - 63;
        let m = mant;
        // Split to keep the conversion exact before scaling: convert the
        // 64-bit mantissa with round-to-nearest (one rounding), then scale
        // by a power of two (exact unless the result is subnormal).
        let v = scale2(u64_to_f64_round(m), e);
        let v = if sign == 1 { -v } else { v };
        v.to_bits()
    };
    u128::from(out)
}

#[allow(clippy::cast_precision_loss)] // rounding to nearest is the point
fn u64_to_f64_round(m: u64) -> f64 {
    m as f64
}

fn scale2(v: f64, e: i32) -> f64 {
    // v * 2^e in steps that stay in range (exact unless the result is
    // subnormal, where the last step rounds).
    let mut v = v;
    let mut e = e;
    while e > 1000 {
        v *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        v *= 2f64.powi(-1000);
        e += 1000;
    }
    v * 2f64.powi(e)
}

/// Converts F64 bits to an 80-bit extended value: mantissa in bits 0..64,
/// sign and exponent in bits 64..80.
pub(crate) fn f64_to_f80(args: &[u128]) -> u128 {
    let bits = args.first().copied().map_or(0, super::bits::lo64);
    let sign = (bits >> 63) & 1;
    let exp = (bits >> 52) & 0x7ff;
    let frac = bits & ((1 << 52) - 1);
    let (e80, mant) = if exp == 0x7ff {
        (0x7fff, (1u64 << 63) | (frac << 11))
    } else if exp == 0 {
        if frac == 0 {
            (0, 0)
        } else {
            // Subnormal double: normalize.
            let lz = frac.leading_zeros();
            let mant = frac << lz;
            let e = 1 - 1023 + 16383 - i64::from(lz - 11);
            (u64::try_from(e).unwrap_or(0), mant)
        }
    } else {
        (exp + 16383 - 1023, (1u64 << 63) | (frac << 11))
    };
    u128::from(mant) | (u128::from((sign << 15) | e80) << 64)
}

/// `fxam(tag, bits)`: C3 C2 C1 C0 of the class of st(0), at their status
/// word positions (C0 = bit 8, C1 = 9, C2 = 10, C3 = 14).
pub(crate) fn fxam(args: &[u128]) -> u128 {
    let tag = args.first().copied().map_or(0, super::bits::lo64);
    let bits = args.get(1).copied().map_or(0, super::bits::lo64);
    let c1 = ((bits >> 63) & 1) << 9;
    let (c0, c2, c3) = (1u64 << 8, 1u64 << 10, 1u64 << 14);
    let exp = (bits >> 52) & 0x7ff;
    let frac = bits & ((1 << 52) - 1);
    let class = if tag == 0 {
        c3 | c0
    } else if exp == 0x7ff {
        if frac == 0 { c2 | c0 } else { c0 }
    } else if exp == 0 {
        if frac == 0 { c3 } else { c3 | c2 }
    } else {
        c2
    };
    u128::from(class | c1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f80_round_trips_doubles() {
        for v in [0.0f64, 1.0, -2.5, 1e300, 1e-300, f64::INFINITY, 5e-324] {
            let x = f64_to_f80(&[u128::from(v.to_bits())]);
            let lo = x & u128::from(u64::MAX);
            let hi = x >> 64;
            let back = f80_to_f64(&[lo, hi]);
            assert_eq!(super::super::bits::lo64(back), v.to_bits(), "{v}");
        }
    }

    #[test]
    fn f80_one_and_fxam() {
        // 1.0 as 80-bit: exponent 0x3fff, mantissa 0x8000_0000_0000_0000.
        let r = f80_to_f64(&[0x8000_0000_0000_0000, 0x3fff]);
        assert_eq!(super::super::bits::lo64(r), 1.0f64.to_bits());
        // fxam of empty -> C3|C0; of -1.0 -> C2|C1.
        assert_eq!(fxam(&[0, 0]), (1 << 14) | (1 << 8));
        assert_eq!(
            fxam(&[1, u128::from((-1.0f64).to_bits())]),
            (1 << 10) | (1 << 9)
        );
    }
}

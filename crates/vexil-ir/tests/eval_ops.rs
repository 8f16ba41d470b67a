#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code reports failures by panicking
//! Hand-checked cases for every operation of the table, and a guard that
//! fails when an operation has none.
//!
//! Expected values were worked out by hand from the operation's definition
//! (ops_table.rs comments, libvex_ir.h), not by running the evaluator.

// Test data is built from literals: the casts below reinterpret or narrow on purpose.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::cast_lossless
)]

use std::collections::BTreeSet;
use vexil_ir::Op;
use vexil_ir::Op::*;
use vexil_ir::eval::eval_op;

// ---------------------------------------------------------------- builders

fn v8(l: &[u8]) -> u128 {
    l.iter()
        .enumerate()
        .fold(0, |acc, (i, &x)| acc | (u128::from(x) << (8 * i)))
}
fn v16(l: &[u16]) -> u128 {
    l.iter()
        .enumerate()
        .fold(0, |acc, (i, &x)| acc | (u128::from(x) << (16 * i)))
}
fn v32(l: &[u32]) -> u128 {
    l.iter()
        .enumerate()
        .fold(0, |acc, (i, &x)| acc | (u128::from(x) << (32 * i)))
}
fn v64(l: &[u64]) -> u128 {
    l.iter()
        .enumerate()
        .fold(0, |acc, (i, &x)| acc | (u128::from(x) << (64 * i)))
}
fn fd(x: f64) -> u128 {
    u128::from(x.to_bits())
}
fn fs(x: f32) -> u128 {
    u128::from(x.to_bits())
}
fn v32f(l: &[f32]) -> u128 {
    v32(&l.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
}
fn v64f(l: &[f64]) -> u128 {
    v64(&l.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
}
/// Lanes `base + i` of width 8.
fn seq8(base: u8) -> u128 {
    v8(&(0..16).map(|i| base + i).collect::<Vec<_>>())
}
fn seq16(base: u16) -> u128 {
    v16(&(0..8).map(|i| base + i).collect::<Vec<_>>())
}
fn seq32(base: u32) -> u128 {
    v32(&(0..4).map(|i| base + i).collect::<Vec<_>>())
}
fn neg(x: i64, bits: u32) -> u128 {
    (x as i128 as u128)
        & if bits == 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        }
}

const RN: u128 = 0;
const RD: u128 = 1;
const RU: u128 = 2;
const RZ: u128 = 3;
const DNAN64: u128 = 0xfff8_0000_0000_0000;
const DNAN32: u128 = 0xffc0_0000;
const QNAN64: u128 = 0x7ff8_0000_0000_0000;
const QNAN32: u128 = 0x7fc0_0000;

struct Cases(Vec<(Op, Vec<u128>, u128)>);

impl Cases {
    fn c(&mut self, op: Op, args: &[u128], want: u128) {
        self.0.push((op, args.to_vec(), want));
    }
}

#[allow(clippy::too_many_lines)]
fn cases() -> Cases {
    let mut t = Cases(Vec::new());
    let m64 = u128::from(u64::MAX);

    // ---- integer arithmetic and logic
    t.c(Add8, &[0xff, 0x02], 0x01);
    t.c(Add16, &[0xffff, 1], 0);
    t.c(Add32, &[0xffff_ffff, 2], 1);
    t.c(Add64, &[m64, 3], 2);
    t.c(Sub8, &[0, 1], 0xff);
    t.c(Sub16, &[5, 7], 0xfffe);
    t.c(Sub32, &[0, 1], 0xffff_ffff);
    t.c(Sub64, &[10, 3], 7);
    t.c(Mul8, &[0x10, 0x10], 0);
    t.c(Mul16, &[0x100, 0x101], 0x0100);
    t.c(Mul32, &[0xffff_ffff, 0xffff_ffff], 1);
    t.c(Mul64, &[1 << 32, 1 << 32], 0);
    t.c(Mul64, &[m64, 3], m64 - 2);
    t.c(Or8, &[0xf0, 0x0f], 0xff);
    t.c(Or16, &[0x1200, 0x0034], 0x1234);
    t.c(Or32, &[0x8000_0000, 1], 0x8000_0001);
    t.c(Or64, &[1 << 63, 1], (1 << 63) | 1);
    t.c(And8, &[0xf0, 0x3c], 0x30);
    t.c(And16, &[0xff00, 0x1234], 0x1200);
    t.c(And32, &[0xffff_0000, 0x1234_5678], 0x1234_0000);
    t.c(And64, &[m64, 0x55], 0x55);
    t.c(Xor8, &[0xff, 0x0f], 0xf0);
    t.c(Xor16, &[0xffff, 0x00ff], 0xff00);
    t.c(Xor32, &[0x1234_5678, 0x1234_5678], 0);
    t.c(Xor64, &[m64, 1], m64 - 1);

    // ---- shifts (I8 amounts; >= width gives 0 or sign fill)
    t.c(Shl8, &[0x81, 1], 0x02);
    t.c(Shl8, &[1, 8], 0);
    t.c(Shl16, &[1, 15], 0x8000);
    t.c(Shl16, &[1, 16], 0);
    t.c(Shl32, &[1, 31], 0x8000_0000);
    t.c(Shl32, &[1, 32], 0);
    t.c(Shl64, &[3, 63], 1 << 63);
    t.c(Shl64, &[1, 255], 0);
    t.c(Shr8, &[0x80, 7], 1);
    t.c(Shr8, &[0x80, 8], 0);
    t.c(Shr16, &[0x8000, 15], 1);
    t.c(Shr32, &[0x8000_0000, 31], 1);
    t.c(Shr32, &[0x8000_0000, 33], 0);
    t.c(Shr64, &[m64, 64], 0);
    t.c(Shr64, &[m64, 60], 0xf);
    t.c(Sar8, &[0x80, 1], 0xc0);
    t.c(Sar8, &[0x80, 200], 0xff);
    t.c(Sar8, &[0x7f, 200], 0);
    t.c(Sar16, &[0x8000, 15], 0xffff);
    t.c(Sar32, &[0x8000_0000, 4], 0xf800_0000);
    t.c(Sar32, &[0x4000_0000, 4], 0x0400_0000);
    t.c(Sar64, &[1 << 63, 63], m64);
    t.c(Sar64, &[1 << 62, 100], 0);

    t.c(Not8, &[0x0f], 0xf0);
    t.c(Not16, &[0], 0xffff);
    t.c(Not32, &[0x1234_5678], 0xedcb_a987);
    t.c(Not64, &[0], m64);

    // ---- comparisons
    for (eq, ne, w) in [
        (CmpEQ8, CmpNE8, 8),
        (CmpEQ16, CmpNE16, 16),
        (CmpEQ32, CmpNE32, 32),
        (CmpEQ64, CmpNE64, 64),
        (CasCmpEQ8, CasCmpNE8, 8),
        (CasCmpEQ16, CasCmpNE16, 16),
        (CasCmpEQ32, CasCmpNE32, 32),
        (CasCmpEQ64, CasCmpNE64, 64),
    ] {
        let top = 1u128 << (w - 1);
        t.c(eq, &[top, top], 1);
        t.c(eq, &[top, top | 1], 0);
        t.c(ne, &[top, top], 0);
        t.c(ne, &[top, 1], 1);
    }
    t.c(ExpCmpNE8, &[1, 2], 1);
    t.c(ExpCmpNE16, &[2, 2], 0);
    t.c(ExpCmpNE32, &[0, 0x8000_0000], 1);
    t.c(ExpCmpNE64, &[m64, m64], 0);
    t.c(CmpLT8S, &[0x80, 0x7f], 1);
    t.c(CmpLT8U, &[0x80, 0x7f], 0);
    t.c(CmpLT16S, &[0xffff, 0], 1);
    t.c(CmpLT16U, &[0xffff, 0], 0);
    t.c(CmpLT32S, &[0x8000_0000, 0x7fff_ffff], 1);
    t.c(CmpLT32U, &[0x8000_0000, 0x7fff_ffff], 0);
    t.c(CmpLT32S, &[5, 5], 0);
    t.c(CmpLT64S, &[m64, 0], 1);
    t.c(CmpLT64U, &[m64, 0], 0);
    t.c(CmpLT64U, &[0, m64], 1);
    t.c(CmpLE8S, &[0x80, 0x80], 1);
    t.c(CmpLE8U, &[0x81, 0x80], 0);
    t.c(CmpLE16S, &[0, 0xffff], 0);
    t.c(CmpLE16U, &[0, 0xffff], 1);
    t.c(CmpLE32S, &[0, 0xffff_ffff], 0);
    t.c(CmpLE32U, &[0, 0xffff_ffff], 1);
    t.c(CmpLE64S, &[1 << 63, 0], 1);
    t.c(CmpLE64U, &[1 << 63, 0], 0);
    t.c(CmpNEZ8, &[0], 0);
    t.c(CmpNEZ8, &[0x80], 1);
    t.c(CmpNEZ16, &[0x100], 1);
    t.c(CmpNEZ32, &[0], 0);
    t.c(CmpNEZ64, &[1 << 63], 1);

    // ---- widening multiplies
    t.c(MullS8, &[0xff, 0xff], 1);
    t.c(MullS8, &[0x80, 0x7f], 0xc080);
    t.c(MullU8, &[0xff, 0xff], 0xfe01);
    t.c(MullS16, &[0xffff, 2], 0xffff_fffe);
    t.c(MullU16, &[0xffff, 0xffff], 0xfffe_0001);
    t.c(MullS32, &[0x8000_0000, 0x8000_0000], 0x4000_0000_0000_0000);
    t.c(MullU32, &[0xffff_ffff, 0xffff_ffff], 0xffff_fffe_0000_0001);
    t.c(MullS64, &[m64, 2], u128::MAX - 1);
    t.c(
        MullU64,
        &[m64, m64],
        0xffff_ffff_ffff_fffe_0000_0000_0000_0001,
    );

    // ---- bit counting and reversal
    t.c(Clz32, &[0], 32);
    t.c(Clz32, &[1], 31);
    t.c(Clz32, &[0x8000_0000], 0);
    t.c(Clz64, &[0], 64);
    t.c(Clz64, &[1 << 40], 23);
    t.c(Ctz32, &[0], 32);
    t.c(Ctz32, &[8], 3);
    t.c(Ctz64, &[0], 64);
    t.c(Ctz64, &[1 << 63], 63);
    t.c(PopCount32, &[0xffff_ffff], 32);
    t.c(PopCount32, &[0], 0);
    t.c(PopCount64, &[0xf0f0], 8);
    t.c(PopCount64, &[m64], 64);
    t.c(Reverse8sIn16_x1, &[0x1234], 0x3412);
    t.c(Reverse8sIn32_x1, &[0x1234_5678], 0x7856_3412);
    t.c(
        Reverse8sIn64_x1,
        &[0x0102_0304_0506_0708],
        0x0807_0605_0403_0201,
    );
    t.c(Reverse1sIn32_x1, &[1], 0x8000_0000);
    t.c(Reverse1sIn32_x1, &[0xf], 0xf000_0000);
    t.c(Reverse1sIn64_x1, &[1], 1 << 63);
    t.c(Reverse1sIn64_x1, &[3], 0xc000_0000_0000_0000);

    // ---- division
    t.c(DivU32, &[7, 2], 3);
    t.c(DivU32, &[7, 0], 0);
    t.c(DivU32, &[0xffff_ffff, 0xffff_ffff], 1);
    t.c(DivS32, &[neg(-7, 32), 2], neg(-3, 32));
    t.c(DivS32, &[0x8000_0000, 0xffff_ffff], 0x8000_0000);
    t.c(DivS32, &[5, 0], 0);
    t.c(DivU64, &[m64, 2], m64 >> 1);
    t.c(DivU64, &[m64, 0], 0);
    t.c(DivS64, &[1 << 63, m64], 1 << 63);
    t.c(DivS64, &[neg(-9, 64), 4], neg(-2, 64));
    t.c(DivModU16to8, &[300, 7], 0x062a);
    t.c(DivModU16to8, &[0x1234, 0], 0x3400);
    t.c(DivModU16to8, &[0xffff, 1], 0x00ff);
    t.c(DivModU32to16, &[100_000, 300], (100 << 16) | 333);
    t.c(
        DivModU64to32,
        &[0x1_0000_0005, 0x10],
        (5 << 32) | 0x1000_0000,
    );
    t.c(
        DivModU128to64,
        &[(1 << 64) | 7, 2],
        (1 << 64) | 0x8000_0000_0000_0003,
    );
    t.c(DivModU32to32, &[10, 3], (1 << 32) | 3);
    t.c(DivModU32to32, &[10, 0], 10 << 32);
    t.c(
        DivModU64to64,
        &[m64, 10],
        (5 << 64) | 1_844_674_407_370_955_161,
    );
    t.c(DivModS16to8, &[neg(-7, 16), 2], 0xfffd);
    t.c(DivModS32to16, &[neg(-100_000, 32), 300], 0xff9c_feb3);
    t.c(DivModS64to32, &[m64, 0xffff_ffff], 1);
    t.c(DivModS64to32, &[1 << 63, 0xffff_ffff], 0);
    t.c(DivModS128to64, &[1 << 127, m64], 0);
    t.c(
        DivModS128to64,
        &[neg(-10, 128), 3],
        (m64 << 64) | neg(-3, 64),
    );
    t.c(DivModS32to32, &[neg(-7, 32), 2], 0xffff_ffff_ffff_fffd);
    t.c(DivModS32to32, &[neg(-7, 32), 0], neg(-7, 32) << 32);
    t.c(DivModS64to64, &[neg(-7, 64), 2], (m64 << 64) | neg(-3, 64));

    // ---- widening conversions
    t.c(I8Uto16, &[0x80], 0x80);
    t.c(I8Uto32, &[0xff], 0xff);
    t.c(I8Uto64, &[0x80], 0x80);
    t.c(I16Uto32, &[0x8000], 0x8000);
    t.c(I16Uto64, &[0xffff], 0xffff);
    t.c(I32Uto64, &[0x8000_0000], 0x8000_0000);
    t.c(I8Sto16, &[0x80], 0xff80);
    t.c(I8Sto16, &[0x7f], 0x7f);
    t.c(I8Sto32, &[0x80], 0xffff_ff80);
    t.c(I8Sto64, &[0x80], 0xffff_ffff_ffff_ff80);
    t.c(I16Sto32, &[0x8000], 0xffff_8000);
    t.c(I16Sto64, &[0x8001], 0xffff_ffff_ffff_8001);
    t.c(I32Sto64, &[0x8000_0000], 0xffff_ffff_8000_0000);
    t.c(I32Sto64, &[0x7fff_ffff], 0x7fff_ffff);

    // ---- narrowing and halves
    t.c(I16to8, &[0x1234], 0x34);
    t.c(I32to8, &[0x1234_5678], 0x78);
    t.c(I64to8, &[0x1122_3344_5566_7788], 0x88);
    t.c(I32to16, &[0x1234_5678], 0x5678);
    t.c(I64to16, &[0x1122_3344_5566_7788], 0x7788);
    t.c(I64to32, &[0x1122_3344_5566_7788], 0x5566_7788);
    t.c(I128to64, &[(7 << 64) | 9], 9);
    t.c(I16HIto8, &[0x1234], 0x12);
    t.c(I32HIto16, &[0x1234_5678], 0x1234);
    t.c(I64HIto32, &[0x1122_3344_5566_7788], 0x1122_3344);
    t.c(I128HIto64, &[(7 << 64) | 9], 7);
    t.c(I8HLto16, &[0x12, 0x34], 0x1234);
    t.c(I16HLto32, &[0x1234, 0x5678], 0x1234_5678);
    t.c(
        I32HLto64,
        &[0x1122_3344, 0x5566_7788],
        0x1122_3344_5566_7788,
    );
    t.c(I64HLto128, &[1, 2], (1 << 64) | 2);

    // ---- 1-bit values
    t.c(Not1, &[1], 0);
    t.c(Not1, &[0], 1);
    t.c(And1, &[1, 1], 1);
    t.c(And1, &[1, 0], 0);
    t.c(Or1, &[0, 0], 0);
    t.c(Or1, &[0, 1], 1);
    t.c(Xor1, &[1, 1], 0);
    t.c(Xor1, &[1, 0], 1);
    t.c(I8to1, &[0xfe], 0);
    t.c(I16to1, &[0x0003], 1);
    t.c(I32to1, &[0x8000_0001], 1);
    t.c(I64to1, &[1 << 63], 0);
    t.c(I1Uto8, &[1], 1);
    t.c(I1Uto16, &[1], 1);
    t.c(I1Uto32, &[0], 0);
    t.c(I1Uto64, &[1], 1);
    t.c(I1Sto8, &[1], 0xff);
    t.c(I1Sto16, &[1], 0xffff);
    t.c(I1Sto32, &[1], 0xffff_ffff);
    t.c(I1Sto64, &[1], m64);
    t.c(I1Sto64, &[0], 0);

    // ---- scalar float arithmetic, every rounding mode
    let p60 = 2f64.powi(-60);
    t.c(AddF64, &[RN, fd(1.5), fd(2.25)], fd(3.75));
    t.c(AddF64, &[RD, fd(1.0), fd(p60)], fd(1.0));
    t.c(AddF64, &[RU, fd(1.0), fd(p60)], 0x3ff0_0000_0000_0001);
    t.c(AddF64, &[RZ, fd(-1.0), fd(-p60)], fd(-1.0));
    t.c(AddF64, &[RD, fd(-1.0), fd(-p60)], 0xbff0_0000_0000_0001);
    t.c(
        AddF64,
        &[RN, fd(f64::INFINITY), fd(f64::NEG_INFINITY)],
        DNAN64,
    );
    t.c(AddF64, &[RZ, fd(f64::MAX), fd(f64::MAX)], fd(f64::MAX));
    t.c(SubF64, &[RN, fd(1.0), fd(1.0)], fd(0.0));
    t.c(SubF64, &[RD, fd(1.0), fd(1.0)], fd(-0.0));
    t.c(SubF64, &[RN, fd(1.0), QNAN64 | 5], QNAN64 | 5);
    let one_ulp = 1.0f64 + f64::EPSILON;
    t.c(MulF64, &[RN, fd(3.0), fd(0.5)], fd(1.5));
    t.c(MulF64, &[RN, fd(f64::INFINITY), fd(0.0)], DNAN64);
    t.c(
        MulF64,
        &[RN, fd(one_ulp), fd(one_ulp)],
        0x3ff0_0000_0000_0002,
    );
    t.c(
        MulF64,
        &[RD, fd(one_ulp), fd(one_ulp)],
        0x3ff0_0000_0000_0002,
    );
    t.c(
        MulF64,
        &[RU, fd(one_ulp), fd(one_ulp)],
        0x3ff0_0000_0000_0003,
    );
    t.c(MulF64, &[RN, fd(-2.0), fd(0.0)], fd(-0.0));
    t.c(DivF64, &[RN, fd(1.0), fd(3.0)], 0x3fd5_5555_5555_5555);
    t.c(DivF64, &[RD, fd(1.0), fd(3.0)], 0x3fd5_5555_5555_5555);
    t.c(DivF64, &[RU, fd(1.0), fd(3.0)], 0x3fd5_5555_5555_5556);
    t.c(DivF64, &[RZ, fd(-1.0), fd(3.0)], 0xbfd5_5555_5555_5555);
    t.c(DivF64, &[RD, fd(-1.0), fd(3.0)], 0xbfd5_5555_5555_5556);
    t.c(DivF64, &[RN, fd(1.0), fd(0.0)], fd(f64::INFINITY));
    t.c(DivF64, &[RN, fd(-1.0), fd(0.0)], fd(f64::NEG_INFINITY));
    t.c(DivF64, &[RN, fd(0.0), fd(0.0)], DNAN64);
    let p30 = 2f32.powi(-30);
    t.c(AddF32, &[RN, fs(1.5), fs(2.25)], fs(3.75));
    t.c(AddF32, &[RU, fs(1.0), fs(p30)], 0x3f80_0001);
    t.c(AddF32, &[RN, fs(1.0), fs(p30)], fs(1.0));
    t.c(SubF32, &[RD, fs(2.5), fs(2.5)], 0x8000_0000);
    t.c(SubF32, &[RN, fs(2.5), fs(0.5)], fs(2.0));
    let one_ulp32 = 1.0f32 + f32::EPSILON;
    t.c(MulF32, &[RZ, fs(one_ulp32), fs(one_ulp32)], 0x3f80_0002);
    t.c(MulF32, &[RU, fs(one_ulp32), fs(one_ulp32)], 0x3f80_0003);
    t.c(MulF32, &[RN, fs(f32::MAX), fs(2.0)], fs(f32::INFINITY));
    t.c(MulF32, &[RZ, fs(f32::MAX), fs(2.0)], fs(f32::MAX));
    t.c(DivF32, &[RN, fs(1.0), fs(3.0)], 0x3eaa_aaab);
    t.c(DivF32, &[RD, fs(1.0), fs(3.0)], 0x3eaa_aaaa);
    t.c(DivF32, &[RN, fs(0.0), fs(0.0)], DNAN32);
    t.c(NegF64, &[fd(1.0)], fd(-1.0));
    t.c(NegF64, &[QNAN64], DNAN64);
    t.c(AbsF64, &[fd(-2.0)], fd(2.0));
    t.c(AbsF64, &[fd(-0.0)], 0);
    t.c(NegF32, &[fs(0.0)], 0x8000_0000);
    t.c(AbsF32, &[fs(-3.0)], fs(3.0));
    t.c(SqrtF64, &[RN, fd(4.0)], fd(2.0));
    t.c(SqrtF64, &[RN, fd(-1.0)], DNAN64);
    t.c(SqrtF64, &[RD, fd(2.0)], 0x3ff6_a09e_667f_3bcc);
    t.c(SqrtF64, &[RU, fd(2.0)], 0x3ff6_a09e_667f_3bcd);
    t.c(SqrtF64, &[RU, fd(-0.0)], fd(-0.0));
    t.c(SqrtF32, &[RN, fs(9.0)], fs(3.0));
    t.c(SqrtF32, &[RD, fs(2.0)], 0x3fb5_04f3);
    t.c(SqrtF32, &[RU, fs(2.0)], 0x3fb5_04f4);
    let (a30, b30) = (1.0 + 2f64.powi(-30), 1.0 - 2f64.powi(-30));
    t.c(MAddF64, &[RN, fd(2.0), fd(3.0), fd(1.0)], fd(7.0));
    t.c(
        MAddF64,
        &[RN, fd(a30), fd(b30), fd(-1.0)],
        fd(-(2f64.powi(-60))),
    );
    t.c(
        MSubF64,
        &[RN, fd(a30), fd(b30), fd(1.0)],
        fd(-(2f64.powi(-60))),
    );
    t.c(MSubF64, &[RN, fd(2.0), fd(3.0), fd(6.0)], fd(0.0));
    t.c(MSubF64, &[RD, fd(2.0), fd(3.0), fd(6.0)], fd(-0.0));
    let (a13, b13) = (1.0 + 2f32.powi(-13), 1.0 - 2f32.powi(-13));
    t.c(MAddF32, &[RN, fs(2.0), fs(3.0), fs(1.0)], fs(7.0));
    t.c(MAddF32, &[RN, fs(0.0), fs(f32::INFINITY), fs(1.0)], DNAN32);
    t.c(
        MSubF32,
        &[RN, fs(a13), fs(b13), fs(1.0)],
        fs(-(2f32.powi(-26))),
    );
    let snan64 = 0x7ff0_0000_0000_0001;
    t.c(MaxNumF64, &[QNAN64, fd(1.0)], fd(1.0));
    t.c(MaxNumF64, &[fd(1.0), fd(2.0)], fd(2.0));
    t.c(MaxNumF64, &[fd(-0.0), fd(0.0)], fd(0.0));
    t.c(MaxNumF64, &[snan64, fd(1.0)], 0x7ff8_0000_0000_0001);
    t.c(MinNumF64, &[fd(1.0), QNAN64], fd(1.0));
    t.c(MinNumF64, &[fd(0.0), fd(-0.0)], fd(-0.0));
    t.c(MinNumF64, &[fd(-3.0), fd(2.0)], fd(-3.0));
    t.c(MaxNumF32, &[QNAN32, fs(1.0)], fs(1.0));
    t.c(MaxNumF32, &[fs(5.0), fs(-7.0)], fs(5.0));
    t.c(MinNumF32, &[fs(5.0), fs(-7.0)], fs(-7.0));
    t.c(MinNumF32, &[fs(0.0), fs(-0.0)], fs(-0.0));
    t.c(RoundF64toInt, &[RN, fd(2.5)], fd(2.0));
    t.c(RoundF64toInt, &[RN, fd(3.5)], fd(4.0));
    t.c(RoundF64toInt, &[RD, fd(-2.5)], fd(-3.0));
    t.c(RoundF64toInt, &[RU, fd(2.1)], fd(3.0));
    t.c(RoundF64toInt, &[RZ, fd(-2.7)], fd(-2.0));
    t.c(RoundF64toInt, &[RZ, fd(-0.5)], fd(-0.0));
    t.c(RoundF64toInt, &[RN, fd(1e300)], fd(1e300));
    t.c(RoundF32toInt, &[RN, fs(3.5)], fs(4.0));
    t.c(RoundF32toInt, &[RU, fs(-0.5)], fs(-0.0));
    t.c(CmpF64, &[fd(1.0), fd(2.0)], 0x01);
    t.c(CmpF64, &[fd(2.0), fd(1.0)], 0x00);
    t.c(CmpF64, &[fd(1.0), fd(1.0)], 0x40);
    t.c(CmpF64, &[fd(0.0), fd(-0.0)], 0x40);
    t.c(CmpF64, &[QNAN64, fd(1.0)], 0x45);
    t.c(CmpF32, &[fs(-1.0), fs(2.0)], 0x01);
    t.c(CmpF32, &[fs(3.0), fs(2.0)], 0x00);
    t.c(CmpF32, &[fs(2.0), fs(2.0)], 0x40);
    t.c(CmpF32, &[fs(2.0), QNAN32], 0x45);

    // ---- float to integer (x86 "integer indefinite" when out of range)
    t.c(F64toI16S, &[RZ, fd(40000.0)], 0x8000);
    t.c(F64toI16S, &[RN, fd(-2.5)], 0xfffe);
    t.c(F64toI32S, &[RN, fd(2.5)], 2);
    t.c(F64toI32S, &[RD, fd(2.5)], 2);
    t.c(F64toI32S, &[RU, fd(2.5)], 3);
    t.c(F64toI32S, &[RN, fd(f64::NAN)], 0x8000_0000);
    t.c(F64toI32S, &[RZ, fd(-2_147_483_648.9)], 0x8000_0000);
    t.c(F64toI32S, &[RZ, fd(2_147_483_647.9)], 0x7fff_ffff);
    t.c(F64toI64S, &[RZ, fd(-1e300)], 1 << 63);
    t.c(F64toI64S, &[RZ, fd(-3.9)], neg(-3, 64));
    t.c(F64toI32U, &[RZ, fd(-1.0)], 0xffff_ffff);
    t.c(F64toI32U, &[RZ, fd(3e9)], 3_000_000_000);
    t.c(F64toI32U, &[RZ, fd(-0.9)], 0);
    t.c(F64toI64U, &[RZ, fd(1.8e19)], 18_000_000_000_000_000_000);
    t.c(F64toI64U, &[RZ, fd(f64::INFINITY)], m64);
    t.c(F32toI32S, &[RN, fs(1.5)], 2);
    t.c(F32toI32S, &[RN, fs(3e9)], 0x8000_0000);
    t.c(F32toI64S, &[RZ, fs(-1.5)], m64);
    t.c(F32toI32U, &[RN, fs(2.5)], 2);
    t.c(F32toI64U, &[RU, fs(0.1)], 1);

    // ---- integer to float
    t.c(I32StoF64, &[0xffff_ffff], fd(-1.0));
    t.c(I32UtoF64, &[0xffff_ffff], fd(4_294_967_295.0));
    t.c(I64StoF64, &[RN, (1 << 53) + 1], fd(9_007_199_254_740_992.0));
    t.c(I64StoF64, &[RU, (1 << 53) + 1], fd(9_007_199_254_740_994.0));
    t.c(I64StoF64, &[RN, neg(-5, 64)], fd(-5.0));
    t.c(I64UtoF64, &[RN, m64], 0x43f0_0000_0000_0000);
    t.c(I64UtoF64, &[RZ, m64], 0x43ef_ffff_ffff_ffff);
    t.c(I32StoF32, &[RN, 16_777_217], fs(16_777_216.0));
    t.c(I32StoF32, &[RU, 16_777_217], fs(16_777_218.0));
    t.c(I32UtoF32, &[RZ, 0xffff_ffff], 0x4f7f_ffff);
    t.c(I32UtoF32, &[RN, 0xffff_ffff], 0x4f80_0000);
    t.c(I64StoF32, &[RD, neg(-16_777_217, 64)], fs(-16_777_218.0));
    t.c(I64UtoF32, &[RN, 1], fs(1.0));

    // ---- float formats and reinterpretation
    t.c(F32toF64, &[fs(1.5)], fd(1.5));
    t.c(F32toF64, &[0x7f80_0001], 0x7ff8_0000_2000_0000);
    t.c(F64toF32, &[RN, fd(1.5)], fs(1.5));
    t.c(F64toF32, &[RN, fd(0.1)], 0x3dcc_cccd);
    t.c(F64toF32, &[RZ, fd(0.1)], 0x3dcc_cccc);
    t.c(F64toF32, &[RN, fd(1e300)], fs(f32::INFINITY));
    t.c(F64toF32, &[RZ, fd(1e300)], fs(f32::MAX));
    t.c(F64toF32, &[RU, fd(1e-300)], 1);
    t.c(F64toF32, &[RN, 0xfff8_0000_2000_0000], 0xffc0_0001);
    t.c(ReinterpF64asI64, &[fd(1.0)], 0x3ff0_0000_0000_0000);
    t.c(ReinterpI64asF64, &[0x4000_0000_0000_0000], fd(2.0));
    t.c(ReinterpF32asI32, &[fs(1.0)], 0x3f80_0000);
    t.c(ReinterpI32asF32, &[0x4000_0000], fs(2.0));

    // ---- whole-vector logic and shifts
    t.c(NotV128, &[0], u128::MAX);
    t.c(AndV128, &[u128::MAX, 0x1234], 0x1234);
    t.c(OrV128, &[1 << 127, 1], (1 << 127) | 1);
    t.c(XorV128, &[u128::MAX, u128::MAX], 0);
    t.c(ShlV128, &[1, 127], 1 << 127);
    t.c(ShlV128, &[1, 128], 0);
    t.c(ShlV128, &[m64, 8], m64 << 8);
    t.c(ShrV128, &[1 << 127, 127], 1);
    t.c(ShrV128, &[u128::MAX, 200], 0);

    // ---- lane-wise integer arithmetic (neighbouring lanes never interfere)
    t.c(CmpNEZ8x16, &[v8(&[0, 5, 0, 0x80])], v8(&[0, 0xff, 0, 0xff]));
    t.c(CmpNEZ16x8, &[v16(&[0x100, 0])], v16(&[0xffff, 0]));
    t.c(
        CmpNEZ32x4,
        &[v32(&[0, 0, 0, 1])],
        v32(&[0, 0, 0, 0xffff_ffff]),
    );
    t.c(CmpNEZ64x2, &[v64(&[1 << 63, 0])], v64(&[u64::MAX, 0]));
    t.c(Add8x16, &[v8(&[0xff; 16]), v8(&[1; 16])], 0);
    t.c(Add16x8, &[v16(&[0xffff, 1]), v16(&[1, 1])], v16(&[0, 2]));
    t.c(
        Add32x4,
        &[v32(&[0xffff_ffff, 5]), v32(&[1, 6])],
        v32(&[0, 11]),
    );
    t.c(Add64x2, &[v64(&[u64::MAX, 7]), v64(&[1, 1])], v64(&[0, 8]));
    t.c(
        Sub8x16,
        &[0, v8(&[1, 2])],
        v8(&[0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    );
    t.c(Sub16x8, &[v16(&[0, 9]), v16(&[1, 4])], v16(&[0xffff, 5]));
    t.c(
        Sub32x4,
        &[v32(&[0, 0, 3]), v32(&[1, 0, 1])],
        v32(&[0xffff_ffff, 0, 2]),
    );
    t.c(Sub64x2, &[v64(&[0, 10]), v64(&[1, 3])], v64(&[u64::MAX, 7]));
    t.c(QAdd8Ux16, &[v8(&[0xf0, 1]), v8(&[0x20, 1])], v8(&[0xff, 2]));
    t.c(
        QAdd16Ux8,
        &[v16(&[0xfff0, 1]), v16(&[0x20, 1])],
        v16(&[0xffff, 2]),
    );
    t.c(
        QAdd32Ux4,
        &[v32(&[0xffff_fff0, 1]), v32(&[0x20, 1])],
        v32(&[0xffff_ffff, 2]),
    );
    t.c(
        QAdd64Ux2,
        &[v64(&[u64::MAX, 1]), v64(&[1, 1])],
        v64(&[u64::MAX, 2]),
    );
    t.c(
        QAdd8Sx16,
        &[v8(&[0x7f, 0x80, 3]), v8(&[1, 0xff, 0xff])],
        v8(&[0x7f, 0x80, 2]),
    );
    t.c(
        QAdd16Sx8,
        &[v16(&[0x7fff, 0x8000]), v16(&[1, 0xffff])],
        v16(&[0x7fff, 0x8000]),
    );
    t.c(
        QAdd32Sx4,
        &[v32(&[0x7fff_ffff, 0x8000_0000]), v32(&[1, 0xffff_ffff])],
        v32(&[0x7fff_ffff, 0x8000_0000]),
    );
    t.c(
        QAdd64Sx2,
        &[v64(&[i64::MAX as u64, 1]), v64(&[1, 1])],
        v64(&[i64::MAX as u64, 2]),
    );
    t.c(QSub8Ux16, &[v8(&[1, 5]), v8(&[2, 3])], v8(&[0, 2]));
    t.c(QSub16Ux8, &[v16(&[1, 5]), v16(&[2, 3])], v16(&[0, 2]));
    t.c(QSub32Ux4, &[v32(&[1, 5]), v32(&[2, 3])], v32(&[0, 2]));
    t.c(QSub64Ux2, &[v64(&[1, 5]), v64(&[2, 3])], v64(&[0, 2]));
    t.c(
        QSub8Sx16,
        &[v8(&[0x80, 0x7f]), v8(&[1, 0xff])],
        v8(&[0x80, 0x7f]),
    );
    t.c(
        QSub16Sx8,
        &[v16(&[0x8000, 0x7fff]), v16(&[1, 0xffff])],
        v16(&[0x8000, 0x7fff]),
    );
    t.c(
        QSub32Sx4,
        &[v32(&[0x8000_0000, 3]), v32(&[1, 5])],
        v32(&[0x8000_0000, 0xffff_fffe]),
    );
    t.c(
        QSub64Sx2,
        &[v64(&[1 << 63, 0]), v64(&[1, 1])],
        v64(&[1 << 63, u64::MAX]),
    );
    t.c(Mul8x16, &[v8(&[16, 3]), v8(&[16, 5])], v8(&[0, 15]));
    t.c(
        Mul16x8,
        &[v16(&[0x100, 3]), v16(&[0x100, 0xffff])],
        v16(&[0, 0xfffd]),
    );
    t.c(
        Mul32x4,
        &[v32(&[0x1_0000, 3]), v32(&[0x1_0000, 5])],
        v32(&[0, 15]),
    );
    t.c(
        MulHi16Ux8,
        &[v16(&[0xffff, 0x100]), v16(&[0xffff, 0x100])],
        v16(&[0xfffe, 1]),
    );
    t.c(MulHi32Ux4, &[v32(&[0xffff_ffff]), v32(&[2])], v32(&[1]));
    t.c(
        MulHi16Sx8,
        &[v16(&[0xffff, 0x4000]), v16(&[1, 0x4000])],
        v16(&[0xffff, 0x1000]),
    );
    t.c(
        MulHi32Sx4,
        &[v32(&[0x8000_0000]), v32(&[0x8000_0000])],
        v32(&[0x4000_0000]),
    );
    t.c(
        MullEven8Ux16,
        &[v8(&[0xff, 7, 2]), v8(&[0xff, 9, 3])],
        v16(&[0xfe01, 6]),
    );
    t.c(
        MullEven16Ux8,
        &[v16(&[0xffff, 7, 2]), v16(&[2, 9, 3])],
        v32(&[0x1_fffe, 6]),
    );
    t.c(
        MullEven32Ux4,
        &[v32(&[0xffff_ffff, 7, 2]), v32(&[0xffff_ffff, 9, 3])],
        v64(&[0xffff_fffe_0000_0001, 6]),
    );
    t.c(
        MullEven8Sx16,
        &[v8(&[0xff, 7, 0x80]), v8(&[0xff, 9, 2])],
        v16(&[1, 0xff00]),
    );
    t.c(
        MullEven16Sx8,
        &[v16(&[0x8000, 0, 3]), v16(&[2, 0, 0xffff])],
        v32(&[0xffff_0000, 0xffff_fffd]),
    );
    t.c(
        MullEven32Sx4,
        &[v32(&[0xffff_ffff, 0, 2]), v32(&[5, 0, 3])],
        v64(&[neg(-5, 64) as u64, 6]),
    );
    t.c(Abs8x16, &[v8(&[0x80, 0xff, 5])], v8(&[0x80, 1, 5]));
    t.c(Abs16x8, &[v16(&[0x8000, 0xffff])], v16(&[0x8000, 1]));
    t.c(Abs32x4, &[v32(&[0xffff_fffe, 2])], v32(&[2, 2]));
    t.c(Abs64x2, &[v64(&[u64::MAX, 1 << 63])], v64(&[1, 1 << 63]));
    t.c(Avg8Ux16, &[v8(&[0xff, 1]), v8(&[0xfe, 2])], v8(&[0xff, 2]));
    t.c(
        Avg16Ux8,
        &[v16(&[0xffff, 1]), v16(&[0xffff, 4])],
        v16(&[0xffff, 3]),
    );
    t.c(Max8Sx16, &[v8(&[0x80]), v8(&[0x7f])], v8(&[0x7f]));
    t.c(Max16Sx8, &[v16(&[0x8000, 5]), v16(&[0, 3])], v16(&[0, 5]));
    t.c(Max32Sx4, &[v32(&[0xffff_ffff]), v32(&[1])], v32(&[1]));
    t.c(Max64Sx2, &[v64(&[u64::MAX, 2]), v64(&[0, 1])], v64(&[0, 2]));
    t.c(Max8Ux16, &[v8(&[0x80]), v8(&[0x7f])], v8(&[0x80]));
    t.c(
        Max16Ux8,
        &[v16(&[0x8000, 5]), v16(&[0, 3])],
        v16(&[0x8000, 5]),
    );
    t.c(
        Max32Ux4,
        &[v32(&[0xffff_ffff]), v32(&[1])],
        v32(&[0xffff_ffff]),
    );
    t.c(
        Max64Ux2,
        &[v64(&[u64::MAX, 2]), v64(&[0, 1])],
        v64(&[u64::MAX, 2]),
    );
    t.c(Min8Sx16, &[v8(&[0x80]), v8(&[0x7f])], v8(&[0x80]));
    t.c(
        Min16Sx8,
        &[v16(&[0x8000, 5]), v16(&[0, 3])],
        v16(&[0x8000, 3]),
    );
    t.c(
        Min32Sx4,
        &[v32(&[0xffff_ffff]), v32(&[1])],
        v32(&[0xffff_ffff]),
    );
    t.c(
        Min64Sx2,
        &[v64(&[u64::MAX, 2]), v64(&[0, 1])],
        v64(&[u64::MAX, 1]),
    );
    t.c(Min8Ux16, &[v8(&[0x80]), v8(&[0x7f])], v8(&[0x7f]));
    t.c(Min16Ux8, &[v16(&[0x8000, 5]), v16(&[0, 3])], v16(&[0, 3]));
    t.c(Min32Ux4, &[v32(&[0xffff_ffff]), v32(&[1])], v32(&[1]));
    t.c(Min64Ux2, &[v64(&[u64::MAX, 2]), v64(&[0, 1])], v64(&[0, 1]));

    // ---- lane-wise comparisons
    t.c(
        CmpEQ8x16,
        &[v8(&[1, 2]), v8(&[1, 3])],
        v8(&[
            0xff, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff,
        ]),
    );
    t.c(CmpEQ16x8, &[v16(&[1, 2]), v16(&[1, 3])], !v16(&[0, 0xffff]));
    t.c(
        CmpEQ32x4,
        &[v32(&[1, 2]), v32(&[1, 3])],
        !v32(&[0, 0xffff_ffff]),
    );
    t.c(
        CmpEQ64x2,
        &[v64(&[1, 2]), v64(&[1, 3])],
        v64(&[u64::MAX, 0]),
    );
    t.c(
        CmpGT8Sx16,
        &[v8(&[0x80, 0x7f]), v8(&[0x7f, 0x80])],
        v8(&[0, 0xff]),
    );
    t.c(
        CmpGT16Sx8,
        &[v16(&[0x8000, 1]), v16(&[0x7fff, 0])],
        v16(&[0, 0xffff]),
    );
    t.c(
        CmpGT32Sx4,
        &[v32(&[0xffff_ffff, 1]), v32(&[0, 0])],
        v32(&[0, 0xffff_ffff]),
    );
    t.c(
        CmpGT64Sx2,
        &[v64(&[u64::MAX, 1]), v64(&[0, 0])],
        v64(&[0, u64::MAX]),
    );
    t.c(
        CmpGT8Ux16,
        &[v8(&[0x80, 0x7f]), v8(&[0x7f, 0x80])],
        v8(&[0xff, 0]),
    );
    t.c(
        CmpGT16Ux8,
        &[v16(&[0x8000, 1]), v16(&[0x7fff, 1])],
        v16(&[0xffff, 0]),
    );
    t.c(
        CmpGT32Ux4,
        &[v32(&[0xffff_ffff, 1]), v32(&[0, 2])],
        v32(&[0xffff_ffff, 0]),
    );
    t.c(
        CmpGT64Ux2,
        &[v64(&[u64::MAX, 1]), v64(&[0, 2])],
        v64(&[u64::MAX, 0]),
    );
    t.c(Cnt8x16, &[v8(&[0xff, 0x0f, 0x80])], v8(&[8, 4, 1]));

    // ---- lane shifts by a scalar and by lanes
    t.c(ShlN8x16, &[v8(&[0x81, 0x01]), 1], v8(&[0x02, 0x02]));
    t.c(ShlN8x16, &[v8(&[0x81]), 8], 0);
    t.c(ShlN16x8, &[v16(&[0x8001, 1]), 4], v16(&[0x0010, 0x10]));
    t.c(
        ShlN32x4,
        &[v32(&[1, 3]), 31],
        v32(&[0x8000_0000, 0x8000_0000]),
    );
    t.c(ShlN64x2, &[v64(&[1, 1]), 64], 0);
    t.c(ShrN8x16, &[v8(&[0x80, 0x40]), 7], v8(&[1, 0]));
    t.c(ShrN16x8, &[v16(&[0x8000, 0xffff]), 15], v16(&[1, 1]));
    t.c(ShrN32x4, &[v32(&[0xffff_ffff]), 32], 0);
    t.c(
        ShrN64x2,
        &[v64(&[u64::MAX, 2]), 1],
        v64(&[u64::MAX >> 1, 1]),
    );
    t.c(SarN8x16, &[v8(&[0x80, 0x40]), 7], v8(&[0xff, 0]));
    t.c(SarN8x16, &[v8(&[0x80, 0x40]), 100], v8(&[0xff, 0]));
    t.c(SarN16x8, &[v16(&[0x8000, 0x4000]), 14], v16(&[0xfffe, 1]));
    t.c(SarN32x4, &[v32(&[0x8000_0000]), 31], v32(&[0xffff_ffff]));
    t.c(
        SarN64x2,
        &[v64(&[1 << 63, 4]), 2],
        v64(&[0xe000_0000_0000_0000, 1]),
    );
    t.c(
        Shl8x16,
        &[v8(&[1, 1, 1]), v8(&[0, 7, 8])],
        v8(&[1, 0x80, 0]),
    );
    t.c(
        Shl16x8,
        &[v16(&[1, 1, 1]), v16(&[0, 15, 16])],
        v16(&[1, 0x8000, 0]),
    );
    t.c(
        Shl32x4,
        &[v32(&[1, 1, 1]), v32(&[0, 31, 0x100])],
        v32(&[1, 0x8000_0000, 0]),
    );
    t.c(Shl64x2, &[v64(&[1, 1]), v64(&[63, 64])], v64(&[1 << 63, 0]));
    t.c(
        Shr8x16,
        &[v8(&[0x80, 0x80, 0x80]), v8(&[0, 7, 8])],
        v8(&[0x80, 1, 0]),
    );
    t.c(
        Shr16x8,
        &[v16(&[0x8000, 0x8000]), v16(&[15, 16])],
        v16(&[1, 0]),
    );
    t.c(
        Shr32x4,
        &[v32(&[0x8000_0000, 0x8000_0000]), v32(&[31, 32])],
        v32(&[1, 0]),
    );
    t.c(
        Shr64x2,
        &[v64(&[1 << 63, 1 << 63]), v64(&[63, 64])],
        v64(&[1, 0]),
    );
    t.c(
        Sar8x16,
        &[v8(&[0x80, 0x80, 0x40]), v8(&[1, 9, 9])],
        v8(&[0xc0, 0xff, 0]),
    );
    t.c(
        Sar16x8,
        &[v16(&[0x8000, 0x8000]), v16(&[1, 99])],
        v16(&[0xc000, 0xffff]),
    );
    t.c(
        Sar32x4,
        &[v32(&[0x8000_0000, 0x8000_0000]), v32(&[1, 32])],
        v32(&[0xc000_0000, 0xffff_ffff]),
    );
    t.c(
        Sar64x2,
        &[v64(&[1 << 63, 1 << 62]), v64(&[1, 64])],
        v64(&[0xc000_0000_0000_0000, 0]),
    );

    // ---- narrowing: the high half of the result from the first argument
    let mut lo = [0u8; 16];
    lo[..3].copy_from_slice(&[0x7f, 0x00, 0xff]);
    lo[8..11].copy_from_slice(&[0xff, 0x00, 0x05]);
    t.c(
        QNarrowBin16Sto8Ux16,
        &[v16(&[0x100, 0xffff, 5]), v16(&[0x7f, 0x8000, 0xff])],
        v8(&lo),
    );
    let mut lo = [0u8; 16];
    lo[..2].copy_from_slice(&[0x80, 0x7f]);
    lo[8..10].copy_from_slice(&[0x7f, 0x80]);
    t.c(
        QNarrowBin16Sto8Sx16,
        &[v16(&[0x100, 0xff80]), v16(&[0x8000, 0x7f])],
        v8(&lo),
    );
    let mut lo = [0u8; 16];
    lo[..2].copy_from_slice(&[0xff, 0x12]);
    lo[8] = 0xff;
    t.c(
        QNarrowBin16Uto8Ux16,
        &[v16(&[0x100]), v16(&[0xffff, 0x12])],
        v8(&lo),
    );
    t.c(
        QNarrowBin32Sto16Ux8,
        &[v32(&[0x1_0000, 0xffff_ffff]), v32(&[0xffff, 0x8000_0000])],
        v16(&[0xffff, 0, 0, 0, 0xffff, 0, 0, 0]),
    );
    t.c(
        QNarrowBin32Sto16Sx8,
        &[v32(&[0x1_0000, 0xffff_8000]), v32(&[0x8000_0000, 0x7fff])],
        v16(&[0x8000, 0x7fff, 0, 0, 0x7fff, 0x8000, 0, 0]),
    );
    t.c(
        QNarrowBin32Uto16Ux8,
        &[v32(&[0x1_0000]), v32(&[0x8000_0000, 0x1234])],
        v16(&[0xffff, 0x1234, 0, 0, 0xffff, 0, 0, 0]),
    );
    let mut lo = [0u8; 16];
    lo[0] = 0xcd;
    lo[8] = 0x34;
    t.c(
        NarrowBin16to8x16,
        &[v16(&[0x1234]), v16(&[0xabcd])],
        v8(&lo),
    );
    t.c(
        NarrowBin32to16x8,
        &[v32(&[0x1234_5678]), v32(&[0x9abc_def0])],
        v16(&[0xdef0, 0, 0, 0, 0x5678, 0, 0, 0]),
    );
    t.c(
        NarrowBin64to32x4,
        &[
            v64(&[0x1111_1111_2222_2222, 3]),
            v64(&[0x3333_3333_4444_4444, 5]),
        ],
        v32(&[0x4444_4444, 5, 0x2222_2222, 3]),
    );

    // ---- interleaving and concatenation (a: lanes 0x10+i, b: lanes 0x20+i)
    let (a8, b8) = (seq8(0x10), seq8(0x20));
    let inter8 = |f: &dyn Fn(u8) -> u8| {
        let mut l = [0u8; 16];
        for i in 0..8u8 {
            l[2 * i as usize + 1] = 0x10 + f(i);
            l[2 * i as usize] = 0x20 + f(i);
        }
        v8(&l)
    };
    t.c(InterleaveHI8x16, &[a8, b8], inter8(&|i| 8 + i));
    t.c(InterleaveLO8x16, &[a8, b8], inter8(&|i| i));
    t.c(InterleaveOddLanes8x16, &[a8, b8], inter8(&|i| 2 * i + 1));
    t.c(InterleaveEvenLanes8x16, &[a8, b8], inter8(&|i| 2 * i));
    let (a16, b16) = (seq16(0x100), seq16(0x200));
    t.c(
        InterleaveHI16x8,
        &[a16, b16],
        v16(&[0x204, 0x104, 0x205, 0x105, 0x206, 0x106, 0x207, 0x107]),
    );
    t.c(
        InterleaveLO16x8,
        &[a16, b16],
        v16(&[0x200, 0x100, 0x201, 0x101, 0x202, 0x102, 0x203, 0x103]),
    );
    t.c(
        InterleaveOddLanes16x8,
        &[a16, b16],
        v16(&[0x201, 0x101, 0x203, 0x103, 0x205, 0x105, 0x207, 0x107]),
    );
    t.c(
        InterleaveEvenLanes16x8,
        &[a16, b16],
        v16(&[0x200, 0x100, 0x202, 0x102, 0x204, 0x104, 0x206, 0x106]),
    );
    let (a32, b32) = (seq32(0x1000), seq32(0x2000));
    t.c(
        InterleaveHI32x4,
        &[a32, b32],
        v32(&[0x2002, 0x1002, 0x2003, 0x1003]),
    );
    t.c(
        InterleaveLO32x4,
        &[a32, b32],
        v32(&[0x2000, 0x1000, 0x2001, 0x1001]),
    );
    t.c(
        InterleaveOddLanes32x4,
        &[a32, b32],
        v32(&[0x2001, 0x1001, 0x2003, 0x1003]),
    );
    t.c(
        InterleaveEvenLanes32x4,
        &[a32, b32],
        v32(&[0x2000, 0x1000, 0x2002, 0x1002]),
    );
    t.c(
        InterleaveHI64x2,
        &[v64(&[1, 2]), v64(&[3, 4])],
        v64(&[4, 2]),
    );
    t.c(
        InterleaveLO64x2,
        &[v64(&[1, 2]), v64(&[3, 4])],
        v64(&[3, 1]),
    );
    let cat8 = |o: u8| {
        let mut l = [0u8; 16];
        for i in 0..8u8 {
            l[i as usize] = 0x20 + 2 * i + o;
            l[8 + i as usize] = 0x10 + 2 * i + o;
        }
        v8(&l)
    };
    t.c(CatOddLanes8x16, &[a8, b8], cat8(1));
    t.c(CatEvenLanes8x16, &[a8, b8], cat8(0));
    t.c(
        CatOddLanes16x8,
        &[a16, b16],
        v16(&[0x201, 0x203, 0x205, 0x207, 0x101, 0x103, 0x105, 0x107]),
    );
    t.c(
        CatEvenLanes16x8,
        &[a16, b16],
        v16(&[0x200, 0x202, 0x204, 0x206, 0x100, 0x102, 0x104, 0x106]),
    );
    t.c(
        CatOddLanes32x4,
        &[a32, b32],
        v32(&[0x2001, 0x2003, 0x1001, 0x1003]),
    );
    t.c(
        CatEvenLanes32x4,
        &[a32, b32],
        v32(&[0x2000, 0x2002, 0x1000, 0x1002]),
    );

    // ---- lane access
    t.c(GetElem8x16, &[a8, 3], 0x13);
    t.c(GetElem8x16, &[a8, 17], 0x11);
    t.c(GetElem16x8, &[a16, 9], 0x101);
    t.c(GetElem32x4, &[a32, 2], 0x1002);
    t.c(GetElem64x2, &[v64(&[5, 6]), 3], 6);
    t.c(SetElem8x16, &[0, 3, 0xaa], 0xaa << 24);
    t.c(SetElem16x8, &[u128::MAX, 8, 0], !0xffff);
    t.c(SetElem32x4, &[a32, 1, 7], v32(&[0x1000, 7, 0x1002, 0x1003]));
    t.c(SetElem64x2, &[v64(&[5, 6]), 1, 9], v64(&[5, 9]));
    t.c(Dup8x16, &[0xab], v8(&[0xab; 16]));
    t.c(Dup16x8, &[0x1234], v16(&[0x1234; 8]));
    t.c(Dup32x4, &[0x1234_5678], v32(&[0x1234_5678; 4]));
    t.c(Dup64x2, &[7], v64(&[7, 7]));
    let (sa, sb) = (
        0xaaaa_aaaa_aaaa_aaaa_1111_1111_1111_1111u128,
        0xbbbb_bbbb_bbbb_bbbb_2222_2222_2222_2222u128,
    );
    t.c(SliceV128, &[sa, sb, 0], sb);
    t.c(SliceV128, &[sa, sb, 16], sa);
    t.c(
        SliceV128,
        &[sa, sb, 8],
        0x1111_1111_1111_1111_bbbb_bbbb_bbbb_bbbb,
    );
    t.c(SliceV128, &[sa, sb, 24], 0xaaaa_aaaa_aaaa_aaaa);
    t.c(SliceV128, &[sa, sb, 40], 0);

    // ---- permutations
    let src = seq8(0x40);
    let mut idx = [0u8; 16];
    idx[..4].copy_from_slice(&[15, 0x81, 2, 0x1f]);
    t.c(
        Perm8x16,
        &[src, v8(&idx)],
        v8(&[
            0x4f, 0x41, 0x42, 0x4f, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40,
            0x40, 0x40,
        ]),
    );
    t.c(
        PermOrZero8x16,
        &[src, v8(&idx)],
        v8(&[
            0x4f, 0, 0x42, 0x4f, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40,
            0x40,
        ]),
    );
    t.c(
        Perm32x4,
        &[a32, v32(&[3, 4, 1, 2])],
        v32(&[0x1003, 0x1000, 0x1001, 0x1002]),
    );
    t.c(
        Reverse8sIn16_x8,
        &[v16(&[0x0102, 0x0304])],
        v16(&[0x0201, 0x0403]),
    );
    t.c(
        Reverse8sIn32_x4,
        &[v32(&[0x0102_0304])],
        v32(&[0x0403_0201]),
    );
    t.c(
        Reverse16sIn32_x4,
        &[v32(&[0x1111_2222, 0x3333_4444])],
        v32(&[0x2222_1111, 0x4444_3333]),
    );
    t.c(
        Reverse8sIn64_x2,
        &[v64(&[0x0102_0304_0506_0708, 0x11])],
        v64(&[0x0807_0605_0403_0201, 0x1100_0000_0000_0000]),
    );
    t.c(
        Reverse16sIn64_x2,
        &[v64(&[0x1111_2222_3333_4444])],
        v64(&[0x4444_3333_2222_1111]),
    );
    t.c(
        Reverse32sIn64_x2,
        &[v64(&[0x1111_1111_2222_2222, 3])],
        v64(&[0x2222_2222_1111_1111, 3 << 32]),
    );
    t.c(
        Reverse1sIn8_x16,
        &[v8(&[0x01, 0x03, 0xf0])],
        v8(&[0x80, 0xc0, 0x0f]),
    );
    let mut msb = [0u8; 16];
    msb[0] = 0x80;
    msb[1] = 0x7f;
    msb[15] = 0xff;
    t.c(GetMSBs8x16, &[v8(&msb)], 0x8001);

    // ---- vectors and scalars
    let hl = v64(&[0x1111, 0x2222]);
    t.c(V128to64, &[hl], 0x1111);
    t.c(V128HIto64, &[hl], 0x2222);
    t.c(I64HLtoV128, &[0x2222, 0x1111], hl);
    t.c(I64UtoV128, &[m64], m64);
    t.c(SetV128lo64, &[u128::MAX, 5], (u128::MAX << 64) | 5);
    t.c(I32UtoV128, &[0xffff_ffff], 0xffff_ffff);
    t.c(V128to32, &[u128::MAX], 0xffff_ffff);
    t.c(SetV128lo32, &[u128::MAX, 5], (u128::MAX << 32) | 5);
    t.c(ZeroHI64ofV128, &[u128::MAX], m64);
    t.c(ZeroHI96ofV128, &[u128::MAX], 0xffff_ffff);
    t.c(ZeroHI112ofV128, &[u128::MAX], 0xffff);
    t.c(ZeroHI120ofV128, &[u128::MAX], 0xff);
    t.c(V128toI128, &[hl], hl);
    t.c(I128toV128, &[hl], hl);

    // ---- lane-wise floating point
    t.c(
        Add32Fx4,
        &[
            RN,
            v32f(&[1.0, 2.0, 3.0, 4.0]),
            v32f(&[0.5, 0.5, -3.0, 4.0]),
        ],
        v32f(&[1.5, 2.5, 0.0, 8.0]),
    );
    t.c(
        Add32Fx4,
        &[RU, v32f(&[1.0, 0.0, 0.0, 0.0]), v32f(&[p30, 0.0, 0.0, 0.0])],
        v32(&[0x3f80_0001, 0, 0, 0]),
    );
    t.c(
        Sub32Fx4,
        &[RD, v32f(&[1.0, 5.0, 0.0, 0.0]), v32f(&[1.0, 2.0, 0.0, 0.0])],
        v32(&[0x8000_0000, fs(3.0) as u32, 0x8000_0000, 0x8000_0000]),
    );
    t.c(
        Mul32Fx4,
        &[
            RN,
            v32f(&[2.0, 3.0, f32::INFINITY, 1.0]),
            v32f(&[2.0, -1.0, 0.0, 1.0]),
        ],
        v32(&[
            fs(4.0) as u32,
            fs(-3.0) as u32,
            DNAN32 as u32,
            fs(1.0) as u32,
        ]),
    );
    t.c(
        Div32Fx4,
        &[RU, v32f(&[1.0, 1.0, 1.0, 1.0]), v32f(&[3.0, 2.0, 1.0, 4.0])],
        v32(&[0x3eaa_aaab, fs(0.5) as u32, fs(1.0) as u32, fs(0.25) as u32]),
    );
    t.c(
        Div32Fx4,
        &[RD, v32f(&[1.0, 1.0, 1.0, 1.0]), v32f(&[3.0, 2.0, 1.0, 4.0])],
        v32(&[0x3eaa_aaaa, fs(0.5) as u32, fs(1.0) as u32, fs(0.25) as u32]),
    );
    let nan = f32::from_bits(QNAN32 as u32);
    t.c(
        Max32Fx4,
        &[v32f(&[1.0, nan, -0.0, 3.0]), v32f(&[2.0, 5.0, 0.0, nan])],
        v32f(&[2.0, 5.0, 0.0, nan]),
    );
    t.c(
        Max32Fx4,
        &[v32f(&[5.0, 0.0, 0.0, 0.0]), v32f(&[2.0, -0.0, 0.0, 0.0])],
        v32f(&[5.0, -0.0, 0.0, 0.0]),
    );
    t.c(
        Min32Fx4,
        &[v32f(&[1.0, nan, 0.0, 3.0]), v32f(&[2.0, 5.0, -0.0, nan])],
        v32f(&[1.0, 5.0, -0.0, nan]),
    );
    let ones = 0xffff_ffffu32;
    let (ca, cb) = (v32f(&[1.0, nan, 0.0, 2.0]), v32f(&[1.0, nan, -0.0, 3.0]));
    t.c(CmpEQ32Fx4, &[ca, cb], v32(&[ones, 0, ones, 0]));
    t.c(CmpLT32Fx4, &[ca, cb], v32(&[0, 0, 0, ones]));
    t.c(CmpLE32Fx4, &[ca, cb], v32(&[ones, 0, ones, ones]));
    t.c(CmpUN32Fx4, &[ca, cb], v32(&[0, ones, 0, 0]));
    t.c(
        Abs32Fx4,
        &[v32f(&[-1.0, 2.0, -0.0, -3.0])],
        v32f(&[1.0, 2.0, 0.0, 3.0]),
    );
    t.c(
        Neg32Fx4,
        &[v32f(&[-1.0, 2.0, 0.0, -3.0])],
        v32f(&[1.0, -2.0, -0.0, 3.0]),
    );
    t.c(
        Sqrt32Fx4,
        &[RN, v32f(&[4.0, 9.0, 16.0, -1.0])],
        v32(&[
            fs(2.0) as u32,
            fs(3.0) as u32,
            fs(4.0) as u32,
            DNAN32 as u32,
        ]),
    );
    t.c(
        Sqrt32Fx4,
        &[RU, v32f(&[2.0, 0.0, 0.0, 0.0])],
        v32(&[0x3fb5_04f4, 0, 0, 0]),
    );
    let nan64 = f64::from_bits(QNAN64 as u64);
    t.c(
        Add64Fx2,
        &[RN, v64f(&[1.0, 2.0]), v64f(&[0.5, -2.0])],
        v64f(&[1.5, 0.0]),
    );
    t.c(
        Add64Fx2,
        &[RD, v64f(&[1.0, 2.0]), v64f(&[-1.0, -2.0])],
        v64f(&[-0.0, -0.0]),
    );
    t.c(
        Sub64Fx2,
        &[RN, v64f(&[1.0, 2.0]), v64f(&[0.5, 4.0])],
        v64f(&[0.5, -2.0]),
    );
    t.c(
        Mul64Fx2,
        &[RU, v64f(&[one_ulp, 3.0]), v64f(&[one_ulp, 2.0])],
        v64(&[0x3ff0_0000_0000_0003, 6f64.to_bits()]),
    );
    t.c(
        Div64Fx2,
        &[RU, v64f(&[1.0, 1.0]), v64f(&[3.0, 8.0])],
        v64(&[0x3fd5_5555_5555_5556, 0.125f64.to_bits()]),
    );
    t.c(
        Max64Fx2,
        &[v64f(&[1.0, nan64]), v64f(&[2.0, 5.0])],
        v64f(&[2.0, 5.0]),
    );
    t.c(
        Max64Fx2,
        &[v64f(&[3.0, 5.0]), v64f(&[2.0, nan64])],
        v64f(&[3.0, nan64]),
    );
    t.c(
        Min64Fx2,
        &[v64f(&[1.0, 0.0]), v64f(&[2.0, -0.0])],
        v64f(&[1.0, -0.0]),
    );
    let (da, db) = (v64f(&[1.0, nan64]), v64f(&[1.0, 2.0]));
    t.c(CmpEQ64Fx2, &[da, db], v64(&[u64::MAX, 0]));
    t.c(
        CmpLT64Fx2,
        &[v64f(&[1.0, 1.0]), v64f(&[2.0, 1.0])],
        v64(&[u64::MAX, 0]),
    );
    t.c(
        CmpLE64Fx2,
        &[v64f(&[1.0, nan64]), v64f(&[1.0, 1.0])],
        v64(&[u64::MAX, 0]),
    );
    t.c(CmpUN64Fx2, &[da, db], v64(&[0, u64::MAX]));
    t.c(Abs64Fx2, &[v64f(&[-1.0, 2.0])], v64f(&[1.0, 2.0]));
    t.c(Neg64Fx2, &[v64f(&[-1.0, 2.0])], v64f(&[1.0, -2.0]));
    t.c(
        Sqrt64Fx2,
        &[RD, v64f(&[2.0, 4.0])],
        v64(&[0x3ff6_a09e_667f_3bcc, 2f64.to_bits()]),
    );

    // ---- lowest-lane floating point: upper lanes from the first argument
    let (la, lb) = (
        v32f(&[1.0, 7.0, 8.0, 9.0]),
        v32f(&[2.0, 100.0, 100.0, 100.0]),
    );
    t.c(Add32F0x4, &[la, lb], v32f(&[3.0, 7.0, 8.0, 9.0]));
    t.c(Sub32F0x4, &[la, lb], v32f(&[-1.0, 7.0, 8.0, 9.0]));
    t.c(Mul32F0x4, &[la, lb], v32f(&[2.0, 7.0, 8.0, 9.0]));
    t.c(Div32F0x4, &[la, lb], v32f(&[0.5, 7.0, 8.0, 9.0]));
    t.c(Max32F0x4, &[la, lb], v32f(&[2.0, 7.0, 8.0, 9.0]));
    t.c(Min32F0x4, &[la, lb], v32f(&[1.0, 7.0, 8.0, 9.0]));
    let hi3 = v32f(&[0.0, 7.0, 8.0, 9.0]);
    t.c(CmpEQ32F0x4, &[la, lb], hi3 & !0xffff_ffff);
    t.c(CmpLT32F0x4, &[la, lb], (hi3 & !0xffff_ffff) | 0xffff_ffff);
    t.c(CmpLE32F0x4, &[la, la], (hi3 & !0xffff_ffff) | 0xffff_ffff);
    t.c(
        CmpUN32F0x4,
        &[v32f(&[nan, 7.0, 8.0, 9.0]), lb],
        (hi3 & !0xffff_ffff) | 0xffff_ffff,
    );
    t.c(
        Sqrt32F0x4,
        &[v32f(&[16.0, 7.0, 8.0, 9.0])],
        v32f(&[4.0, 7.0, 8.0, 9.0]),
    );
    let (ma, mb) = (v64f(&[1.0, 7.0]), v64f(&[4.0, 100.0]));
    t.c(Add64F0x2, &[ma, mb], v64f(&[5.0, 7.0]));
    t.c(Sub64F0x2, &[ma, mb], v64f(&[-3.0, 7.0]));
    t.c(Mul64F0x2, &[ma, mb], v64f(&[4.0, 7.0]));
    t.c(Div64F0x2, &[ma, mb], v64f(&[0.25, 7.0]));
    t.c(Max64F0x2, &[ma, mb], v64f(&[4.0, 7.0]));
    t.c(Min64F0x2, &[ma, v64f(&[nan64, 0.0])], v64f(&[nan64, 7.0]));
    t.c(CmpEQ64F0x2, &[ma, ma], v64(&[u64::MAX, 7f64.to_bits()]));
    t.c(CmpLT64F0x2, &[ma, mb], v64(&[u64::MAX, 7f64.to_bits()]));
    t.c(CmpLE64F0x2, &[mb, ma], v64(&[0, 100f64.to_bits()]));
    t.c(
        CmpUN64F0x2,
        &[ma, v64f(&[nan64, 0.0])],
        v64(&[u64::MAX, 7f64.to_bits()]),
    );
    t.c(Sqrt64F0x2, &[v64f(&[9.0, -1.0])], v64f(&[3.0, -1.0]));

    // ---- lane-wise conversions
    t.c(
        I32StoF32x4,
        &[RN, v32(&[1, 0xffff_ffff, 16_777_217, 0])],
        v32f(&[1.0, -1.0, 16_777_216.0, 0.0]),
    );
    t.c(
        I32StoF32x4,
        &[RU, v32(&[16_777_217, 0, 0, 0])],
        v32f(&[16_777_218.0, 0.0, 0.0, 0.0]),
    );
    t.c(
        F32toI32Sx4,
        &[RZ, v32f(&[1.5, -1.5, nan, 3e9])],
        v32(&[1, 0xffff_ffff, 0x8000_0000, 0x8000_0000]),
    );
    t.c(
        F32toI32Sx4,
        &[RN, v32f(&[1.5, 2.5, -2.5, 0.0])],
        v32(&[2, 2, 0xffff_fffe, 0]),
    );
    t
}

#[test]
fn every_case_holds() {
    let mut failures = Vec::new();
    for (op, args, want) in cases().0 {
        let got = eval_op(op, &args);
        if got != want {
            failures.push(format!("{op}({args:#x?}) = {got:#x}, want {want:#x}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_op_has_a_case() {
    let covered: BTreeSet<Op> = cases().0.iter().map(|c| c.0).collect();
    let missing: Vec<&str> = Op::ALL
        .iter()
        .filter(|op| !covered.contains(op))
        .map(|op| op.name())
        .collect();
    assert!(
        missing.is_empty(),
        "ops without a hand-checked case: {missing:?}"
    );
}

#[test]
fn case_count_is_reported() {
    // Not a check of behaviour: keeps the number visible in test output.
    let n = cases().0.len();
    println!("{n} hand-checked cases over {} ops", Op::ALL.len());
    assert!(n >= Op::ALL.len());
}

/// Operands that break naive implementations: zero, one, all ones, sign
/// bits, NaNs, infinities, shift amounts at and past the width.
fn edge_values() -> Vec<u128> {
    let mut v = vec![
        0,
        1,
        2,
        3,
        7,
        8,
        15,
        16,
        31,
        32,
        63,
        64,
        127,
        128,
        255,
        u128::MAX,
    ];
    for w in [8u32, 16, 32, 64, 128] {
        let top = 1u128 << (w - 1);
        v.extend([top, top - 1, top | 1, (top << 1).wrapping_sub(1)]);
    }
    v.extend([
        fd(f64::NAN),
        fd(f64::INFINITY),
        fd(-0.0),
        0x7ff0_0000_0000_0001,
        fs(f32::NAN),
        0x7f80_0001,
    ]);
    v.extend([
        fd(f64::MAX),
        fd(f64::MIN_POSITIVE),
        1,
        fs(f32::MAX),
        fs(-1.0),
        fd(-1.0),
        fd(1e19),
        fd(-9.3e18),
    ]);
    v
}

#[test]
fn no_op_panics_and_results_fit_their_type() {
    // Every op on every combination of edge values for its first two
    // arguments, plus random values: the evaluator must never panic and
    // never set bits above its result type.
    let edges = edge_values();
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (u128::from(s) << 64) | u128::from(s.rotate_left(17))
    };
    for &op in Op::ALL {
        let mask = op.result_type().mask();
        for &a in &edges {
            for &b in &edges {
                let args = [a, b, rnd(), rnd()];
                let r = eval_op(op, &args[..op.arity()]);
                assert_eq!(r & !mask, 0, "{op} result {r:#x} exceeds its type");
            }
        }
        for _ in 0..200 {
            let args = [rnd(), rnd(), rnd(), rnd()];
            let r = eval_op(op, &args[..op.arity()]);
            assert_eq!(r & !mask, 0, "{op} result {r:#x} exceeds its type");
        }
        // Too few arguments read as zeros rather than panicking.
        let _ = eval_op(op, &[]);
    }
}

#[test]
fn high_garbage_in_arguments_is_ignored() {
    // Arguments are masked to their types: garbage above the width must not
    // change the result.
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (u128::from(s) << 64) | u128::from(s.rotate_left(29))
    };
    for &op in Op::ALL {
        let sig = op.signature();
        for _ in 0..50 {
            let args: Vec<u128> = sig.args.iter().map(|t| rnd() & t.mask()).collect();
            let dirty: Vec<u128> = args
                .iter()
                .zip(sig.args)
                .map(|(a, t)| a | (rnd() & !t.mask()))
                .collect();
            assert_eq!(eval_op(op, &args), eval_op(op, &dirty), "{op}");
        }
    }
}

#[test]
fn scalar_integer_ops_agree_with_rust_primitives() {
    // A second method for the commonest ops: Rust's own wrapping and
    // checked arithmetic on the native types.
    let mut s = 0x1357_9bdf_2468_ace0u64;
    let mut rnd = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for _ in 0..20_000 {
        let (a, b) = (rnd(), rnd());
        let sh = rnd() % 80;
        let (a32, b32) = (a as u32, b as u32);
        let (wa, wb) = (u128::from(a), u128::from(b));
        assert_eq!(eval_op(Add64, &[wa, wb]), u128::from(a.wrapping_add(b)));
        assert_eq!(eval_op(Sub32, &[wa, wb]), u128::from(a32.wrapping_sub(b32)));
        assert_eq!(eval_op(Mul32, &[wa, wb]), u128::from(a32.wrapping_mul(b32)));
        assert_eq!(
            eval_op(MullS64, &[wa, wb]),
            (i128::from(a as i64) * i128::from(b as i64)) as u128
        );
        assert_eq!(
            eval_op(DivS64, &[wa, wb]),
            u128::from(
                (a as i64)
                    .checked_div(b as i64)
                    .map_or(if b == 0 { 0 } else { a }, |q| q as u64)
            )
        );
        assert_eq!(
            eval_op(DivU32, &[wa, wb]),
            u128::from(a32.checked_div(b32).unwrap_or(0))
        );
        assert_eq!(
            eval_op(Shl64, &[wa, u128::from(sh)]),
            u128::from(a.checked_shl(sh as u32).unwrap_or(0))
        );
        assert_eq!(
            eval_op(Sar32, &[wa, u128::from(sh)]),
            u128::from(((a32 as i32) >> (sh.min(31) as u32)) as u32)
        );
        assert_eq!(
            eval_op(CmpLT64S, &[wa, wb]),
            u128::from((a as i64) < (b as i64))
        );
        assert_eq!(
            eval_op(Clz64, &[wa >> (sh % 64)]),
            u128::from((a >> (sh % 64)).leading_zeros())
        );
        assert_eq!(eval_op(Ctz32, &[wa]), u128::from(a32.trailing_zeros()));
        let dm = eval_op(DivModS64to32, &[wa, u128::from(b32)]);
        if b32 != 0 && !(a as i64 == i64::MIN && b32 as i32 == -1) {
            let (q, r) = (
                (a as i64) / i64::from(b32 as i32),
                (a as i64) % i64::from(b32 as i32),
            );
            assert_eq!(dm, (u128::from(r as u32) << 32) | u128::from(q as u32));
        }
        let dmu = eval_op(DivModU128to64, &[(wa << 64) | wb, wb | 1]);
        let (n, d) = ((wa << 64) | wb, wb | 1);
        assert_eq!(
            dmu,
            (((n % d) & u128::from(u64::MAX)) << 64) | ((n / d) & u128::from(u64::MAX))
        );
    }
}

#[test]
fn unmasked_arguments_never_panic_the_fast_entry_point() {
    // eval_op_masked trusts its caller to mask; an ill-typed block can break
    // that promise, which must give garbage, not a panic.
    let mut s = 0x0123_4567_89ab_cdefu64;
    let mut rnd = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (u128::from(s) << 64) | u128::from(s.rotate_left(31))
    };
    for &op in Op::ALL {
        for _ in 0..100 {
            let r = vexil_ir::eval::eval_op_masked(op, [rnd(), rnd(), rnd(), u128::MAX]);
            assert_eq!(r & !op.result_type().mask(), 0, "{op}");
        }
        let _ = vexil_ir::eval::eval_op_masked(op, [u128::MAX; 4]);
    }
}

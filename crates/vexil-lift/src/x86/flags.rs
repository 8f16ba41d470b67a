//! Lazy condition flags: VEX's thunk (`cc_op`, `cc_dep1`, `cc_dep2`,
//! `cc_ndep`), the pure helpers that compute flags from it, and the
//! optimizer hook that turns a helper call with a constant operation into
//! plain comparisons.
//!
//! A flag-setting instruction only records what it did (the operation and
//! its operands); a consumer (`jcc`, `setcc`, `cmovcc`, `adc`, `pushf`)
//! calls a helper on the thunk. Within a block the optimizer propagates the
//! thunk's constant `cc_op` into the call and [`X86Hooks::specialize`]
//! rewrites it, so `cmp; jl` ends as one `CmpLT64S`. Operation numbers are
//! VEX's for each bitness (`SUBQ` is 8 on x86-64, `SUBL` is 6 on x86), so
//! printed blocks read like pyvex's; BMI operations on x86, which VEX's
//! 32-bit guest lacks, are numbered after VEX's last.

use super::bits::{as_signed, as_unsigned128, bit, lo64, mask, parity, sext};
use vexil_ir::opt::{ArchHooks, Defs, SpecExpr};
use vexil_ir::{Atom, Const, Offset, Op, Type};

/// What a thunk records. The comments give the meaning of `dep1`, `dep2`
/// and `ndep`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    /// dep1 = the flags (OSZACP bits at their eflags positions).
    Copy,
    /// dep1, dep2 = operands.
    Add,
    /// dep1, dep2 = operands.
    Sub,
    /// dep1 = left, dep2 = right ^ old carry, ndep = old carry.
    Adc,
    /// as Adc.
    Sbb,
    /// dep1 = result.
    Logic,
    /// dep1 = result, ndep = old carry.
    Inc,
    /// dep1 = result, ndep = old carry.
    Dec,
    /// dep1 = result, dep2 = value shifted by count-1.
    Shl,
    /// as Shl (right shifts, arithmetic or logical).
    Sar,
    /// dep1 = result, ndep = old flags.
    Rol,
    /// dep1 = result, ndep = old flags.
    Ror,
    /// dep1, dep2 = operands of an unsigned multiply.
    Umul,
    /// dep1, dep2 = operands of a signed multiply.
    Smul,
    /// dep1 = result (BMI `andn`).
    Andn,
    /// dep1 = result, dep2 = source (BMI `blsi`).
    Blsi,
    /// dep1 = result, dep2 = source (BMI `blsmsk`).
    Blsmsk,
    /// dep1 = result, dep2 = source (BMI `blsr`).
    Blsr,
}

/// Families that exist for every operand size, in VEX's order.
const SIZED: [Family; 14] = [
    Family::Add,
    Family::Sub,
    Family::Adc,
    Family::Sbb,
    Family::Logic,
    Family::Inc,
    Family::Dec,
    Family::Shl,
    Family::Sar,
    Family::Rol,
    Family::Ror,
    Family::Umul,
    Family::Smul,
    Family::Copy, // placeholder, never matched (Copy is 0)
];
const BMI: [Family; 4] = [Family::Andn, Family::Blsi, Family::Blsmsk, Family::Blsr];

/// Flag bit positions in eflags.
pub(crate) const CF: u64 = 1 << 0;
pub(crate) const PF: u64 = 1 << 2;
pub(crate) const AF: u64 = 1 << 4;
pub(crate) const ZF: u64 = 1 << 6;
pub(crate) const SF: u64 = 1 << 7;
pub(crate) const OF: u64 = 1 << 11;
/// The six arithmetic flags.
pub(crate) const OSZACP: u64 = CF | PF | AF | ZF | SF | OF;

/// Number of sizes per sized family (4 on x86-64, 3 on x86).
const fn nsizes(bits: u32) -> u64 {
    if bits == 64 { 4 } else { 3 }
}

const fn size_index(size: u32) -> u64 {
    match size {
        1 => 0,
        2 => 1,
        4 => 2,
        _ => 3,
    }
}

/// The `cc_op` number for `fam` at operand `size` (bytes) in a `bits`-bit guest.
pub(crate) fn cc_op(bits: u32, fam: Family, size: u32) -> u64 {
    if fam == Family::Copy {
        return 0;
    }
    if let Some(i) = SIZED.iter().position(|f| *f == fam) {
        let i = u64::try_from(i).unwrap_or(0);
        return 1 + i * nsizes(bits) + size_index(size);
    }
    let i = u64::try_from(BMI.iter().position(|f| *f == fam).unwrap_or(0)).unwrap_or(0);
    if bits == 64 {
        53 + 2 * i + u64::from(size == 8)
    } else {
        40 + i
    }
}

/// Inverse of [`cc_op`]: the family and size (bytes) of a `cc_op` value.
pub(crate) fn decode_cc_op(bits: u32, op: u64) -> Option<(Family, u32)> {
    if op == 0 {
        return Some((Family::Copy, if bits == 64 { 8 } else { 4 }));
    }
    let n = nsizes(bits);
    let sized_end = 1 + 13 * n;
    if op < sized_end {
        let fam = SIZED[usize::try_from((op - 1) / n).ok()?];
        let size = [1u32, 2, 4, 8][usize::try_from((op - 1) % n).ok()?];
        return Some((fam, size));
    }
    if bits == 64 {
        if (53..61).contains(&op) {
            let fam = BMI[usize::try_from((op - 53) / 2).ok()?];
            return Some((fam, if (op - 53) % 2 == 1 { 8 } else { 4 }));
        }
        None
    } else if (40..44).contains(&op) {
        Some((BMI[usize::try_from(op - 40).ok()?], 4))
    } else {
        None
    }
}

/// x86 condition codes in encoding order (the low nibble of `jcc`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Cond {
    O = 0,
    No,
    B,
    Nb,
    Z,
    Nz,
    Be,
    Nbe,
    S,
    Ns,
    P,
    Np,
    L,
    Nl,
    Le,
    Nle,
}

impl Cond {
    pub(crate) const ALL: [Cond; 16] = [
        Cond::O,
        Cond::No,
        Cond::B,
        Cond::Nb,
        Cond::Z,
        Cond::Nz,
        Cond::Be,
        Cond::Nbe,
        Cond::S,
        Cond::Ns,
        Cond::P,
        Cond::Np,
        Cond::L,
        Cond::Nl,
        Cond::Le,
        Cond::Nle,
    ];
    pub(crate) fn from_u64(v: u64) -> Option<Cond> {
        Cond::ALL.get(usize::try_from(v).ok()?).copied()
    }
}

/// True if `cond` holds for the flags word `f`.
pub(crate) fn eval_cond(cond: Cond, f: u64) -> bool {
    let of = f & OF != 0;
    let sf = f & SF != 0;
    let zf = f & ZF != 0;
    let cf = f & CF != 0;
    let pf = f & PF != 0;
    let base = match (cond as u8) >> 1 {
        0 => of,
        1 => cf,
        2 => zf,
        3 => cf || zf,
        4 => sf,
        5 => pf,
        6 => sf != of,
        _ => (sf != of) || zf,
    };
    base ^ ((cond as u8) & 1 != 0)
}

fn szp(res: u64, bits: u32) -> u64 {
    let r = res & mask(bits);
    let mut f = parity(r) * PF;
    if r == 0 {
        f |= ZF;
    }
    if bit(r, bits - 1) != 0 {
        f |= SF;
    }
    f
}

fn msb(v: u64, bits: u32) -> u64 {
    bit(v, bits - 1)
}

/// The OSZACP flags a thunk denotes.
pub(crate) fn flags_of(bits: u32, op: u64, dep1: u64, dep2: u64, ndep: u64) -> u64 {
    let Some((fam, size)) = decode_cc_op(bits, op) else {
        return 0;
    };
    let n = size * 8;
    let m = mask(n);
    let (a, b) = (dep1 & m, dep2 & m);
    match fam {
        Family::Copy => dep1 & OSZACP,
        Family::Add => {
            let res = a.wrapping_add(b) & m;
            szp(res, n)
                | (CF * u64::from(res < a))
                | ((res ^ a ^ b) & AF)
                | (OF * msb(!(a ^ b) & (a ^ res), n))
        }
        Family::Sub => {
            let res = a.wrapping_sub(b) & m;
            szp(res, n)
                | (CF * u64::from(a < b))
                | ((res ^ a ^ b) & AF)
                | (OF * msb((a ^ b) & (a ^ res), n))
        }
        Family::Adc => {
            let c = ndep & CF;
            let b = (dep2 ^ c) & m;
            let res = a.wrapping_add(b).wrapping_add(c) & m;
            let carry = if c != 0 { res <= a } else { res < a };
            szp(res, n)
                | (CF * u64::from(carry))
                | ((res ^ a ^ b) & AF)
                | (OF * msb(!(a ^ b) & (a ^ res), n))
        }
        Family::Sbb => {
            let c = ndep & CF;
            let b = (dep2 ^ c) & m;
            let res = a.wrapping_sub(b).wrapping_sub(c) & m;
            let borrow = if c != 0 { a <= b } else { a < b };
            szp(res, n)
                | (CF * u64::from(borrow))
                | ((res ^ a ^ b) & AF)
                | (OF * msb((a ^ b) & (a ^ res), n))
        }
        Family::Logic | Family::Andn => szp(a, n),
        Family::Inc => {
            let res = a;
            let src = res.wrapping_sub(1) & m;
            szp(res, n)
                | (ndep & CF)
                | ((res ^ src ^ 1) & AF)
                | (OF * u64::from(res == 1 << (n - 1)))
        }
        Family::Dec => {
            let res = a;
            let src = res.wrapping_add(1) & m;
            szp(res, n)
                | (ndep & CF)
                | ((res ^ src ^ 1) & AF)
                | (OF * u64::from(res == (1 << (n - 1)) - 1))
        }
        Family::Shl => szp(a, n) | (CF * msb(b, n)) | (OF * msb(a ^ b, n)),
        Family::Sar => szp(a, n) | (CF * (b & 1)) | (OF * msb(a ^ b, n)),
        Family::Rol => {
            let c = a & 1;
            (ndep & (SF | ZF | AF | PF)) | (CF * c) | (OF * (msb(a, n) ^ c))
        }
        Family::Ror => {
            let c = msb(a, n);
            (ndep & (SF | ZF | AF | PF)) | (CF * c) | (OF * (c ^ bit(a, n - 2)))
        }
        Family::Umul => {
            let p = u128::from(a) * u128::from(b);
            let lo = lo64(p) & m;
            let hi = lo64(p >> n) & m;
            szp(lo, n) | ((CF | OF) * u64::from(hi != 0))
        }
        Family::Smul => {
            let p = i128::from(as_signed(sext(a, n))) * i128::from(as_signed(sext(b, n)));
            let p = as_unsigned128(p);
            let lo = lo64(p) & m;
            let hi = lo64(p >> n) & m;
            let lo_sign = if msb(lo, n) != 0 { m } else { 0 };
            szp(lo, n) | ((CF | OF) * u64::from(hi != lo_sign))
        }
        Family::Blsi => (szp(a, n) & (ZF | SF)) | (CF * u64::from(b != 0)),
        Family::Blsmsk | Family::Blsr => (szp(a, n) & (ZF | SF)) | (CF * u64::from(b == 0)),
    }
}

/// The carry flag of a thunk (0 or 1).
pub(crate) fn carry_of(bits: u32, op: u64, dep1: u64, dep2: u64, ndep: u64) -> u64 {
    flags_of(bits, op, dep1, dep2, ndep) & CF
}

fn arg(args: &[u128], i: usize) -> u64 {
    args.get(i).copied().map_or(0, lo64)
}

fn word_result(bits: u32, v: u64) -> u128 {
    u128::from(v & mask(bits))
}

/// `amd64g_calculate_condition(cond, cc_op, dep1, dep2, ndep)`: 1 or 0.
pub(crate) fn amd64_condition(args: &[u128]) -> u128 {
    condition(64, args)
}
/// `x86g_calculate_condition(cond, cc_op, dep1, dep2, ndep)`: 1 or 0.
pub(crate) fn x86_condition(args: &[u128]) -> u128 {
    condition(32, args)
}
fn condition(bits: u32, args: &[u128]) -> u128 {
    let f = flags_of(bits, arg(args, 1), arg(args, 2), arg(args, 3), arg(args, 4));
    let c = Cond::from_u64(arg(args, 0) & 15).unwrap_or(Cond::O);
    u128::from(eval_cond(c, f))
}
/// `amd64g_calculate_rflags_all(cc_op, dep1, dep2, ndep)`: the OSZACP bits.
pub(crate) fn amd64_flags_all(args: &[u128]) -> u128 {
    word_result(
        64,
        flags_of(64, arg(args, 0), arg(args, 1), arg(args, 2), arg(args, 3)),
    )
}
/// `x86g_calculate_eflags_all(cc_op, dep1, dep2, ndep)`: the OSZACP bits.
pub(crate) fn x86_flags_all(args: &[u128]) -> u128 {
    word_result(
        32,
        flags_of(32, arg(args, 0), arg(args, 1), arg(args, 2), arg(args, 3)),
    )
}
/// `amd64g_calculate_rflags_c(cc_op, dep1, dep2, ndep)`: the carry, 0 or 1.
pub(crate) fn amd64_flags_c(args: &[u128]) -> u128 {
    u128::from(carry_of(
        64,
        arg(args, 0),
        arg(args, 1),
        arg(args, 2),
        arg(args, 3),
    ))
}
/// `x86g_calculate_eflags_c(cc_op, dep1, dep2, ndep)`: the carry, 0 or 1.
pub(crate) fn x86_flags_c(args: &[u128]) -> u128 {
    u128::from(carry_of(
        32,
        arg(args, 0),
        arg(args, 1),
        arg(args, 2),
        arg(args, 3),
    ))
}

// ------------------------------------------------------------ specialization

/// The optimizer hooks of both x86 guests.
#[derive(Debug)]
pub(crate) struct X86Hooks {
    pub bits: u32,
    /// Offsets that must stay exact at memory accesses: the stack and frame
    /// pointers and the instruction pointer, as in VEX.
    pub precise: [(u32, u32); 3],
}

fn int_ty(bits: u32) -> Type {
    Type::int(bits).unwrap_or(Type::I64)
}

/// Width-indexed op picker: `[8, 16, 32, 64]`.
fn pick(ops: [Op; 4], n: u32) -> Op {
    ops[match n {
        8 => 0,
        16 => 1,
        32 => 2,
        _ => 3,
    }]
}

/// Where a specialized flag computation goes. [`Tree`] builds the
/// [`SpecExpr`] the optimizer hook returns; the lifter implements it to emit
/// statements on the spot, without allocating a tree. The builders below
/// construct every operand in the tree's left-to-right order (one `let` per
/// operand, never sharing a built value), so an emitting sink produces
/// exactly the statements that flattening the tree would: a post-order walk
/// of it, operands left to right.
pub(crate) trait Sink {
    /// A built value: a tree, or the atom holding the emitted result.
    type V;
    fn atom(&mut self, a: Atom) -> Self::V;
    fn op1(&mut self, op: Op, a: Self::V) -> Self::V;
    fn op2(&mut self, op: Op, a: Self::V, b: Self::V) -> Self::V;
}

/// The tree-building sink.
pub(crate) struct Tree;

impl Sink for Tree {
    type V = SpecExpr;
    fn atom(&mut self, a: Atom) -> SpecExpr {
        SpecExpr::Atom(a)
    }
    fn op1(&mut self, op: Op, a: SpecExpr) -> SpecExpr {
        SpecExpr::unop(op, a)
    }
    fn op2(&mut self, op: Op, a: SpecExpr, b: SpecExpr) -> SpecExpr {
        SpecExpr::binop(op, a, b)
    }
}

const EQ: [Op; 4] = [Op::CmpEQ8, Op::CmpEQ16, Op::CmpEQ32, Op::CmpEQ64];
const NE: [Op; 4] = [Op::CmpNE8, Op::CmpNE16, Op::CmpNE32, Op::CmpNE64];
const LTS: [Op; 4] = [Op::CmpLT8S, Op::CmpLT16S, Op::CmpLT32S, Op::CmpLT64S];
const LES: [Op; 4] = [Op::CmpLE8S, Op::CmpLE16S, Op::CmpLE32S, Op::CmpLE64S];
const LTU: [Op; 4] = [Op::CmpLT8U, Op::CmpLT16U, Op::CmpLT32U, Op::CmpLT64U];
const LEU: [Op; 4] = [Op::CmpLE8U, Op::CmpLE16U, Op::CmpLE32U, Op::CmpLE64U];
const SUB: [Op; 4] = [Op::Sub8, Op::Sub16, Op::Sub32, Op::Sub64];
const ADD: [Op; 4] = [Op::Add8, Op::Add16, Op::Add32, Op::Add64];
const AND: [Op; 4] = [Op::And8, Op::And16, Op::And32, Op::And64];
const XOR: [Op; 4] = [Op::Xor8, Op::Xor16, Op::Xor32, Op::Xor64];
const NOT: [Op; 4] = [Op::Not8, Op::Not16, Op::Not32, Op::Not64];
const SAR: [Op; 4] = [Op::Sar8, Op::Sar16, Op::Sar32, Op::Sar64];

/// Builds flag expressions of an `n`-bit operation in a `word`-bit guest
/// into a sink.
pub(crate) struct Spec<'s, S: Sink> {
    word: u32,
    n: u32,
    s: &'s mut S,
}

impl<S: Sink> Spec<'_, S> {
    fn atom(&mut self, a: Atom) -> S::V {
        self.s.atom(a)
    }
    fn c(&mut self, v: u64) -> S::V {
        self.s.atom(Atom::Const(Const::int(int_ty(self.n), v)))
    }
    fn cw(&mut self, v: u64) -> S::V {
        self.s.atom(Atom::Const(Const::int(int_ty(self.word), v)))
    }
    /// The low `n` bits of a word-sized thunk value.
    fn narrow(&mut self, a: Atom) -> S::V {
        let e = self.s.atom(a);
        if self.n == self.word {
            return e;
        }
        let op = match (self.word, self.n) {
            (64, 32) => Op::I64to32,
            (64, 16) => Op::I64to16,
            (64, 8) => Op::I64to8,
            (32, 16) => Op::I32to16,
            _ => Op::I32to8,
        };
        self.s.op1(op, e)
    }
    fn bin(&mut self, ops: [Op; 4], a: S::V, b: S::V) -> S::V {
        self.s.op2(pick(ops, self.n), a, b)
    }
    /// `op(narrow(x), narrow(y))`.
    fn bin_dd(&mut self, ops: [Op; 4], x: Atom, y: Atom) -> S::V {
        let a = self.narrow(x);
        let b = self.narrow(y);
        self.bin(ops, a, b)
    }
    /// True if the top bit of `a` (an n-bit value) is set.
    fn sign(&mut self, a: S::V) -> S::V {
        let z = self.c(0);
        self.bin(LTS, a, z)
    }
    /// `a == 0`.
    fn is_zero(&mut self, a: S::V) -> S::V {
        let z = self.c(0);
        self.bin(EQ, a, z)
    }
    /// Bit `k` of a word-sized value, as I1.
    fn wbit(&mut self, a: Atom, k: u32) -> S::V {
        let x = self.s.atom(a);
        let m = self.cw(1u64 << k);
        let and = self.s.op2(pick(AND, self.word), x, m);
        let z = self.cw(0);
        self.s.op2(pick(NE, self.word), and, z)
    }
    fn bool(&mut self, v: bool) -> S::V {
        self.s.atom(Atom::bool(v))
    }
}

/// One of the flags [`flag`] builds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Flag {
    S,
    Z,
    O,
    C,
    /// The n-bit result the flags describe (for PF).
    Res,
}

/// True if [`flag`] can build `f` for `fam` cheaply; otherwise the general
/// helper is needed.
fn has_flag(fam: Family, f: Flag) -> bool {
    match fam {
        Family::Adc
        | Family::Sbb
        | Family::Rol
        | Family::Ror
        | Family::Blsi
        | Family::Blsmsk
        | Family::Blsr => false,
        Family::Copy | Family::Umul | Family::Smul => f != Flag::Res,
        _ => true,
    }
}

/// One flag of a thunk as an I1 expression (the result for [`Flag::Res`]),
/// built from the thunk words; `None` where [`has_flag`] says no.
fn flag<S: Sink>(
    sp: &mut Spec<S>,
    f: Flag,
    fam: Family,
    d1: Atom,
    d2: Atom,
    nd: Atom,
) -> Option<S::V> {
    if !has_flag(fam, f) {
        return None;
    }
    Some(match fam {
        Family::Sub => match f {
            Flag::S => {
                let r = sp.bin_dd(SUB, d1, d2);
                sp.sign(r)
            }
            Flag::Z => sp.bin_dd(EQ, d1, d2),
            Flag::O => {
                let x1 = sp.bin_dd(XOR, d1, d2);
                let a = sp.narrow(d1);
                let r = sp.bin_dd(SUB, d1, d2);
                let x2 = sp.bin(XOR, a, r);
                let and = sp.bin(AND, x1, x2);
                sp.sign(and)
            }
            Flag::C => sp.bin_dd(LTU, d1, d2),
            Flag::Res => sp.bin_dd(SUB, d1, d2),
        },
        Family::Add => match f {
            Flag::S => {
                let r = sp.bin_dd(ADD, d1, d2);
                sp.sign(r)
            }
            Flag::Z => {
                let r = sp.bin_dd(ADD, d1, d2);
                sp.is_zero(r)
            }
            Flag::O => {
                let x1 = sp.bin_dd(XOR, d1, d2);
                let n1 = sp.s.op1(pick(NOT, sp.n), x1);
                let a = sp.narrow(d1);
                let r = sp.bin_dd(ADD, d1, d2);
                let x2 = sp.bin(XOR, a, r);
                let and = sp.bin(AND, n1, x2);
                sp.sign(and)
            }
            Flag::C => {
                let r = sp.bin_dd(ADD, d1, d2);
                let a = sp.narrow(d1);
                sp.bin(LTU, r, a)
            }
            Flag::Res => sp.bin_dd(ADD, d1, d2),
        },
        Family::Logic | Family::Andn | Family::Inc | Family::Dec | Family::Shl | Family::Sar => {
            match f {
                Flag::S => {
                    let a = sp.narrow(d1);
                    sp.sign(a)
                }
                Flag::Z => {
                    let a = sp.narrow(d1);
                    sp.is_zero(a)
                }
                Flag::Res => sp.narrow(d1),
                Flag::O => match fam {
                    Family::Inc | Family::Dec => {
                        let lim = if fam == Family::Inc {
                            1u64 << (sp.n - 1)
                        } else {
                            (1u64 << (sp.n - 1)) - 1
                        };
                        let a = sp.narrow(d1);
                        let l = sp.c(lim);
                        sp.bin(EQ, a, l)
                    }
                    Family::Shl | Family::Sar => {
                        let x = sp.bin_dd(XOR, d1, d2);
                        sp.sign(x)
                    }
                    _ => sp.bool(false),
                },
                Flag::C => match fam {
                    Family::Inc | Family::Dec => sp.wbit(nd, 0),
                    Family::Shl => {
                        let b = sp.narrow(d2);
                        sp.sign(b)
                    }
                    Family::Sar => sp.wbit(d2, 0),
                    _ => sp.bool(false),
                },
            }
        }
        Family::Copy => match f {
            Flag::S => sp.wbit(d1, 7),
            Flag::Z => sp.wbit(d1, 6),
            Flag::O => sp.wbit(d1, 11),
            _ => sp.wbit(d1, 0),
        },
        Family::Umul | Family::Smul => {
            let signed = fam == Family::Smul;
            match f {
                Flag::S => {
                    let lo = mul_half(sp, signed, false, d1, d2);
                    sp.sign(lo)
                }
                Flag::Z => {
                    let lo = mul_half(sp, signed, false, d1, d2);
                    sp.is_zero(lo)
                }
                // O and C: the high half is not the extension of the low.
                _ => {
                    let hi = mul_half(sp, signed, true, d1, d2);
                    let ext = if signed {
                        let lo = mul_half(sp, signed, false, d1, d2);
                        let k = sp.atom(Atom::u8(u8::try_from(sp.n - 1).unwrap_or(0)));
                        sp.bin(SAR, lo, k)
                    } else {
                        sp.c(0)
                    };
                    sp.bin(NE, hi, ext)
                }
            }
        }
        Family::Adc
        | Family::Sbb
        | Family::Rol
        | Family::Ror
        | Family::Blsi
        | Family::Blsmsk
        | Family::Blsr => return None,
    })
}

/// PF of an n-bit result: an even number of set bits in its low byte.
fn parity_expr<S: Sink>(sp: &mut Spec<S>, res: S::V) -> S::V {
    let byte = match sp.n {
        16 => sp.s.op1(Op::I16to8, res),
        32 => sp.s.op1(Op::I32to8, res),
        64 => sp.s.op1(Op::I64to8, res),
        _ => res,
    };
    let w = sp.s.op1(Op::I8Uto32, byte);
    let c = sp.s.op1(Op::PopCount32, w);
    let one = sp.s.atom(Atom::u32(1));
    let odd = sp.s.op2(Op::And32, c, one);
    let zero = sp.s.atom(Atom::u32(0));
    sp.s.op2(Op::CmpEQ32, odd, zero)
}

/// The low or high half of the double-width product of two n-bit values.
fn mul_half<S: Sink>(sp: &mut Spec<S>, signed: bool, high: bool, d1: Atom, d2: Atom) -> S::V {
    let (mull, lo, hi) = match (sp.n, signed) {
        (8, false) => (Op::MullU8, Op::I16to8, Op::I16HIto8),
        (8, true) => (Op::MullS8, Op::I16to8, Op::I16HIto8),
        (16, false) => (Op::MullU16, Op::I32to16, Op::I32HIto16),
        (16, true) => (Op::MullS16, Op::I32to16, Op::I32HIto16),
        (32, false) => (Op::MullU32, Op::I64to32, Op::I64HIto32),
        (32, true) => (Op::MullS32, Op::I64to32, Op::I64HIto32),
        (_, false) => (Op::MullU64, Op::I128to64, Op::I128HIto64),
        (_, true) => (Op::MullS64, Op::I128to64, Op::I128HIto64),
    };
    let a = sp.narrow(d1);
    let b = sp.narrow(d2);
    let p = sp.s.op2(mull, a, b);
    sp.s.op1(if high { hi } else { lo }, p)
}

/// The flags condition `cond` needs, in the order it combines them.
fn cond_flags(cond: Cond, fam: Family) -> &'static [Flag] {
    match (cond as u8) >> 1 {
        0 => &[Flag::O],
        1 => &[Flag::C],
        2 => &[Flag::Z],
        3 => &[Flag::C, Flag::Z],
        4 => &[Flag::S],
        5 if fam == Family::Copy => &[],
        5 => &[Flag::Res],
        6 => &[Flag::S, Flag::O],
        _ => &[Flag::S, Flag::O, Flag::Z],
    }
}

/// The condition as an I1 expression, if it can be built without the
/// helper. Nothing reaches the sink when the answer is `None`.
pub(crate) fn cond_expr<S: Sink>(
    s: &mut S,
    word: u32,
    cond: Cond,
    fam: Family,
    size: u32,
    [d1, d2, nd]: [Atom; 3],
) -> Option<S::V> {
    let n = if fam == Family::Copy { word } else { size * 8 };
    let sp = &mut Spec { word, n, s };
    // Direct unsigned/signed comparisons for subtraction: the common case.
    if fam == Family::Sub {
        let direct = match cond {
            Cond::Z => Some((EQ, false)),
            Cond::Nz => Some((NE, false)),
            Cond::B => Some((LTU, false)),
            Cond::Nb => Some((LEU, true)),
            Cond::Be => Some((LEU, false)),
            Cond::Nbe => Some((LTU, true)),
            Cond::L => Some((LTS, false)),
            Cond::Nl => Some((LES, true)),
            Cond::Le => Some((LES, false)),
            Cond::Nle => Some((LTS, true)),
            _ => None,
        };
        if let Some((ops, swap)) = direct {
            return Some(if swap {
                sp.bin_dd(ops, d2, d1)
            } else {
                sp.bin_dd(ops, d1, d2)
            });
        }
    }
    if matches!(fam, Family::Logic | Family::Andn) {
        match cond {
            Cond::Le => {
                let a = sp.narrow(d1);
                let z = sp.c(0);
                return Some(sp.bin(LES, a, z));
            }
            Cond::Nle => {
                let z = sp.c(0);
                let a = sp.narrow(d1);
                return Some(sp.bin(LTS, z, a));
            }
            _ => {}
        }
    }
    // Check every flag first, so that an emitting sink never gets half a
    // condition.
    if !cond_flags(cond, fam).iter().all(|&f| has_flag(fam, f)) {
        return None;
    }
    let fl = |sp: &mut Spec<S>, f: Flag| flag(sp, f, fam, d1, d2, nd);
    let positive = match (cond as u8) >> 1 {
        0 => fl(sp, Flag::O)?,
        1 => fl(sp, Flag::C)?,
        2 => fl(sp, Flag::Z)?,
        3 => {
            let c = fl(sp, Flag::C)?;
            let z = fl(sp, Flag::Z)?;
            sp.s.op2(Op::Or1, c, z)
        }
        4 => fl(sp, Flag::S)?,
        5 => {
            if fam == Family::Copy {
                sp.wbit(d1, 2)
            } else {
                let r = fl(sp, Flag::Res)?;
                parity_expr(sp, r)
            }
        }
        6 => {
            let s = fl(sp, Flag::S)?;
            let o = fl(sp, Flag::O)?;
            sp.s.op2(Op::Xor1, s, o)
        }
        _ => {
            let s = fl(sp, Flag::S)?;
            let o = fl(sp, Flag::O)?;
            let x = sp.s.op2(Op::Xor1, s, o);
            let z = fl(sp, Flag::Z)?;
            sp.s.op2(Op::Or1, x, z)
        }
    };
    Some(if (cond as u8) & 1 == 1 {
        sp.s.op1(Op::Not1, positive)
    } else {
        positive
    })
}

/// The carry flag of a thunk as a word (0 or 1), if it can be built without
/// the helper.
pub(crate) fn carry_expr<S: Sink>(
    s: &mut S,
    word: u32,
    fam: Family,
    size: u32,
    [d1, d2, nd]: [Atom; 3],
) -> Option<S::V> {
    let n = if fam == Family::Copy { word } else { size * 8 };
    let sp = &mut Spec { word, n, s };
    match fam {
        // Bit tests of thunk words need no comparison.
        Family::Copy => {
            let a = sp.atom(d1);
            let one = sp.cw(1);
            Some(sp.bin(AND, a, one))
        }
        Family::Inc | Family::Dec => {
            let a = sp.atom(nd);
            let one = sp.cw(1);
            Some(sp.s.op2(pick(AND, word), a, one))
        }
        Family::Logic | Family::Andn => Some(sp.cw(0)),
        _ => {
            let c = flag(sp, Flag::C, fam, d1, d2, nd)?;
            Some(widen_bool(sp.s, word, c))
        }
    }
}

fn widen_bool<S: Sink>(s: &mut S, word: u32, e: S::V) -> S::V {
    s.op1(if word == 64 { Op::I1Uto64 } else { Op::I1Uto32 }, e)
}

/// The specialization of flag helper `callee` in a `bits`-bit guest, if one
/// applies (used by the optimizer hook and directly by the lifter).
pub(crate) fn specialize(bits: u32, callee: &str, args: &[Atom]) -> Option<SpecExpr> {
    X86Hooks {
        bits,
        precise: [(0, 0); 3],
    }
    .spec(callee, args)
}

impl X86Hooks {
    fn const_arg(args: &[Atom], i: usize) -> Option<u64> {
        args.get(i)?.as_const().map(|c| c.bits())
    }

    /// The specialization of a flag helper, if one applies (shared by the
    /// optimizer hook and the tests).
    pub(crate) fn spec(&self, callee: &str, args: &[Atom]) -> Option<SpecExpr> {
        let word = self.bits;
        let is = |a: &str, b: &str| callee == if word == 64 { a } else { b };
        if is("amd64g_calculate_condition", "x86g_calculate_condition") {
            let cond = Cond::from_u64(Self::const_arg(args, 0)?)?;
            let (fam, size) = decode_cc_op(word, Self::const_arg(args, 1)?)?;
            let d = [*args.get(2)?, *args.get(3)?, *args.get(4)?];
            let e = cond_expr(&mut Tree, word, cond, fam, size, d)?;
            return Some(widen_bool(&mut Tree, word, e));
        }
        if is("amd64g_calculate_rflags_c", "x86g_calculate_eflags_c") {
            let (fam, size) = decode_cc_op(word, Self::const_arg(args, 0)?)?;
            let d = [*args.get(1)?, *args.get(2)?, *args.get(3)?];
            return carry_expr(&mut Tree, word, fam, size, d);
        }
        if is("amd64g_calculate_rflags_all", "x86g_calculate_eflags_all") {
            let (fam, _) = decode_cc_op(word, Self::const_arg(args, 0)?)?;
            if fam == Family::Copy {
                let w = &mut Spec {
                    word,
                    n: word,
                    s: &mut Tree,
                };
                let a = w.atom(*args.get(1)?);
                let m = w.cw(OSZACP);
                return Some(w.bin(AND, a, m));
            }
        }
        None
    }
}

impl ArchHooks for X86Hooks {
    fn specialize(
        &self,
        callee: &str,
        _ty: Type,
        args: &[Atom],
        _defs: &dyn Defs,
    ) -> Option<SpecExpr> {
        self.spec(callee, args)
    }

    fn precise_at_mem(&self, offset: Offset, size: u32) -> bool {
        self.precise
            .iter()
            .any(|&(o, s)| offset.0 < o + s && o < offset.0 + size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree builders as they were before [`Sink`]: every flag built
    /// eagerly, shared subtrees cloned. The generic builders must give the
    /// same trees.
    mod reference {
        use super::super::{Cond, Family, OSZACP, decode_cc_op, int_ty, pick};
        use vexil_ir::opt::SpecExpr;
        use vexil_ir::{Atom, Const, Op};

        struct Spec {
            word: u32,
            n: u32,
        }

        impl Spec {
            fn atom(a: Atom) -> SpecExpr {
                SpecExpr::Atom(a)
            }
            fn c(&self, v: u64) -> SpecExpr {
                SpecExpr::Atom(Atom::Const(Const::int(int_ty(self.n), v)))
            }
            fn cw(&self, v: u64) -> SpecExpr {
                SpecExpr::Atom(Atom::Const(Const::int(int_ty(self.word), v)))
            }
            /// The low `n` bits of a word-sized thunk value.
            fn narrow(&self, a: Atom) -> SpecExpr {
                let e = Spec::atom(a);
                if self.n == self.word {
                    return e;
                }
                let op = match (self.word, self.n) {
                    (64, 32) => Op::I64to32,
                    (64, 16) => Op::I64to16,
                    (64, 8) => Op::I64to8,
                    (32, 16) => Op::I32to16,
                    _ => Op::I32to8,
                };
                SpecExpr::unop(op, e)
            }
            fn bin(&self, ops: [Op; 4], a: SpecExpr, b: SpecExpr) -> SpecExpr {
                SpecExpr::binop(pick(ops, self.n), a, b)
            }
            fn eq(&self, a: SpecExpr, b: SpecExpr) -> SpecExpr {
                self.bin([Op::CmpEQ8, Op::CmpEQ16, Op::CmpEQ32, Op::CmpEQ64], a, b)
            }
            fn ne(&self, a: SpecExpr, b: SpecExpr) -> SpecExpr {
                self.bin([Op::CmpNE8, Op::CmpNE16, Op::CmpNE32, Op::CmpNE64], a, b)
            }
            fn lts(&self, a: SpecExpr, b: SpecExpr) -> SpecExpr {
                self.bin(
                    [Op::CmpLT8S, Op::CmpLT16S, Op::CmpLT32S, Op::CmpLT64S],
                    a,
                    b,
                )
            }
            fn les(&self, a: SpecExpr, b: SpecExpr) -> SpecExpr {
                self.bin(
                    [Op::CmpLE8S, Op::CmpLE16S, Op::CmpLE32S, Op::CmpLE64S],
                    a,
                    b,
                )
            }
            fn ltu(&self, a: SpecExpr, b: SpecExpr) -> SpecExpr {
                self.bin(
                    [Op::CmpLT8U, Op::CmpLT16U, Op::CmpLT32U, Op::CmpLT64U],
                    a,
                    b,
                )
            }
            fn leu(&self, a: SpecExpr, b: SpecExpr) -> SpecExpr {
                self.bin(
                    [Op::CmpLE8U, Op::CmpLE16U, Op::CmpLE32U, Op::CmpLE64U],
                    a,
                    b,
                )
            }
            fn sub(&self, a: SpecExpr, b: SpecExpr) -> SpecExpr {
                self.bin([Op::Sub8, Op::Sub16, Op::Sub32, Op::Sub64], a, b)
            }
            fn add(&self, a: SpecExpr, b: SpecExpr) -> SpecExpr {
                self.bin([Op::Add8, Op::Add16, Op::Add32, Op::Add64], a, b)
            }
            fn and(&self, a: SpecExpr, b: SpecExpr) -> SpecExpr {
                self.bin([Op::And8, Op::And16, Op::And32, Op::And64], a, b)
            }
            fn xor(&self, a: SpecExpr, b: SpecExpr) -> SpecExpr {
                self.bin([Op::Xor8, Op::Xor16, Op::Xor32, Op::Xor64], a, b)
            }
            fn not(&self, a: SpecExpr) -> SpecExpr {
                SpecExpr::unop(pick([Op::Not8, Op::Not16, Op::Not32, Op::Not64], self.n), a)
            }
            fn neg_flag(a: SpecExpr) -> SpecExpr {
                SpecExpr::unop(Op::Not1, a)
            }
            /// True if the top bit of `a` (an n-bit value) is set.
            fn sign(&self, a: SpecExpr) -> SpecExpr {
                self.lts(a, self.c(0))
            }
            /// Bit `k` of a word-sized value, as I1.
            fn wbit(&self, a: Atom, k: u32) -> SpecExpr {
                let w = Spec {
                    word: self.word,
                    n: self.word,
                };
                w.ne(w.and(Spec::atom(a), w.c(1u64 << k)), w.c(0))
            }
            fn bool(v: bool) -> SpecExpr {
                SpecExpr::Atom(Atom::bool(v))
            }
        }

        /// `(S, Z, O, C)` of a thunk as I1 expressions, where they can be built
        /// cheaply; `None` where a flag needs the general helper.
        struct FlagExprs {
            s: Option<SpecExpr>,
            z: Option<SpecExpr>,
            o: Option<SpecExpr>,
            c: Option<SpecExpr>,
            /// The n-bit result the flags describe (for PF).
            res: Option<SpecExpr>,
        }

        fn flag_exprs(sp: &Spec, fam: Family, d1: Atom, d2: Atom, nd: Atom) -> FlagExprs {
            let a = || sp.narrow(d1);
            let b = || sp.narrow(d2);
            let res_flags =
                |res: &dyn Fn() -> SpecExpr| (Some(sp.sign(res())), Some(sp.eq(res(), sp.c(0))));
            match fam {
                Family::Sub => {
                    let res = || sp.sub(a(), b());
                    let (s, z) = (Some(sp.sign(res())), Some(sp.eq(a(), b())));
                    let o = sp.sign(sp.and(sp.xor(a(), b()), sp.xor(a(), res())));
                    FlagExprs {
                        s,
                        z,
                        o: Some(o),
                        c: Some(sp.ltu(a(), b())),
                        res: Some(res()),
                    }
                }
                Family::Add => {
                    let res = || sp.add(a(), b());
                    let (s, z) = res_flags(&res);
                    let o = sp.sign(sp.and(sp.not(sp.xor(a(), b())), sp.xor(a(), res())));
                    FlagExprs {
                        s,
                        z,
                        o: Some(o),
                        c: Some(sp.ltu(res(), a())),
                        res: Some(res()),
                    }
                }
                Family::Logic | Family::Andn => {
                    let (s, z) = res_flags(&a);
                    FlagExprs {
                        s,
                        z,
                        o: Some(Spec::bool(false)),
                        c: Some(Spec::bool(false)),
                        res: Some(a()),
                    }
                }
                Family::Inc | Family::Dec => {
                    let (s, z) = res_flags(&a);
                    let lim = if fam == Family::Inc {
                        1u64 << (sp.n - 1)
                    } else {
                        (1u64 << (sp.n - 1)) - 1
                    };
                    let o = sp.eq(a(), sp.c(lim));
                    FlagExprs {
                        s,
                        z,
                        o: Some(o),
                        c: Some(sp.wbit(nd, 0)),
                        res: Some(a()),
                    }
                }
                Family::Shl | Family::Sar => {
                    let (s, z) = res_flags(&a);
                    let o = sp.sign(sp.xor(a(), b()));
                    let c = if fam == Family::Shl {
                        sp.sign(b())
                    } else {
                        sp.wbit(d2, 0)
                    };
                    FlagExprs {
                        s,
                        z,
                        o: Some(o),
                        c: Some(c),
                        res: Some(a()),
                    }
                }
                Family::Copy => FlagExprs {
                    s: Some(sp.wbit(d1, 7)),
                    z: Some(sp.wbit(d1, 6)),
                    o: Some(sp.wbit(d1, 11)),
                    c: Some(sp.wbit(d1, 0)),
                    res: None,
                },
                Family::Umul | Family::Smul => {
                    let (lo, hi) = mul_halves(sp, fam == Family::Smul, a(), b());
                    let o = if fam == Family::Umul {
                        sp.ne(hi, sp.c(0))
                    } else {
                        let sh = pick([Op::Sar8, Op::Sar16, Op::Sar32, Op::Sar64], sp.n);
                        sp.ne(
                            hi,
                            SpecExpr::binop(
                                sh,
                                lo.clone(),
                                SpecExpr::atom(Atom::u8(u8::try_from(sp.n - 1).unwrap_or(0))),
                            ),
                        )
                    };
                    let z = sp.eq(lo.clone(), sp.c(0));
                    let s = sp.sign(lo);
                    FlagExprs {
                        s: Some(s),
                        z: Some(z),
                        o: Some(o.clone()),
                        c: Some(o),
                        res: None,
                    }
                }
                Family::Adc
                | Family::Sbb
                | Family::Rol
                | Family::Ror
                | Family::Blsi
                | Family::Blsmsk
                | Family::Blsr => FlagExprs {
                    s: None,
                    z: None,
                    o: None,
                    c: None,
                    res: None,
                },
            }
        }

        /// PF of an n-bit result: an even number of set bits in its low byte.
        fn parity_expr(sp: &Spec, res: SpecExpr) -> SpecExpr {
            let byte = match sp.n {
                16 => SpecExpr::unop(Op::I16to8, res),
                32 => SpecExpr::unop(Op::I32to8, res),
                64 => SpecExpr::unop(Op::I64to8, res),
                _ => res,
            };
            let w = SpecExpr::unop(Op::I8Uto32, byte);
            let c = SpecExpr::unop(Op::PopCount32, w);
            let odd = SpecExpr::binop(Op::And32, c, SpecExpr::atom(Atom::u32(1)));
            SpecExpr::binop(Op::CmpEQ32, odd, SpecExpr::atom(Atom::u32(0)))
        }

        /// Low and high halves of the double-width product of two n-bit values.
        fn mul_halves(sp: &Spec, signed: bool, a: SpecExpr, b: SpecExpr) -> (SpecExpr, SpecExpr) {
            let (mull, lo, hi) = match (sp.n, signed) {
                (8, false) => (Op::MullU8, Op::I16to8, Op::I16HIto8),
                (8, true) => (Op::MullS8, Op::I16to8, Op::I16HIto8),
                (16, false) => (Op::MullU16, Op::I32to16, Op::I32HIto16),
                (16, true) => (Op::MullS16, Op::I32to16, Op::I32HIto16),
                (32, false) => (Op::MullU32, Op::I64to32, Op::I64HIto32),
                (32, true) => (Op::MullS32, Op::I64to32, Op::I64HIto32),
                (_, false) => (Op::MullU64, Op::I128to64, Op::I128HIto64),
                (_, true) => (Op::MullS64, Op::I128to64, Op::I128HIto64),
            };
            let p = SpecExpr::binop(mull, a, b);
            (SpecExpr::unop(lo, p.clone()), SpecExpr::unop(hi, p))
        }

        /// The condition as an I1 expression, if it can be built without the helper.
        fn cond_expr(
            sp: &Spec,
            cond: Cond,
            fam: Family,
            d1: Atom,
            d2: Atom,
            nd: Atom,
        ) -> Option<SpecExpr> {
            // Direct unsigned/signed comparisons for subtraction: the common case.
            if fam == Family::Sub {
                let a = sp.narrow(d1);
                let b = sp.narrow(d2);
                let direct = match cond {
                    Cond::Z => Some(sp.eq(a, b)),
                    Cond::Nz => Some(sp.ne(a, b)),
                    Cond::B => Some(sp.ltu(a, b)),
                    Cond::Nb => Some(sp.leu(b, a)),
                    Cond::Be => Some(sp.leu(a, b)),
                    Cond::Nbe => Some(sp.ltu(b, a)),
                    Cond::L => Some(sp.lts(a, b)),
                    Cond::Nl => Some(sp.les(b, a)),
                    Cond::Le => Some(sp.les(a, b)),
                    Cond::Nle => Some(sp.lts(b, a)),
                    _ => None,
                };
                if direct.is_some() {
                    return direct;
                }
            }
            if matches!(fam, Family::Logic | Family::Andn) {
                let a = sp.narrow(d1);
                match cond {
                    Cond::Le => return Some(sp.les(a, sp.c(0))),
                    Cond::Nle => return Some(sp.lts(sp.c(0), a)),
                    _ => {}
                }
            }
            let f = flag_exprs(sp, fam, d1, d2, nd);
            let positive = match (cond as u8) >> 1 {
                0 => f.o?,
                1 => f.c?,
                2 => f.z?,
                3 => SpecExpr::binop(Op::Or1, f.c?, f.z?),
                4 => f.s?,
                5 => {
                    if fam == Family::Copy {
                        sp.wbit(d1, 2)
                    } else {
                        parity_expr(sp, f.res?)
                    }
                }
                6 => SpecExpr::binop(Op::Xor1, f.s?, f.o?),
                _ => SpecExpr::binop(Op::Or1, SpecExpr::binop(Op::Xor1, f.s?, f.o?), f.z?),
            };
            Some(if (cond as u8) & 1 == 1 {
                Spec::neg_flag(positive)
            } else {
                positive
            })
        }

        fn widen_bool(word: u32, e: SpecExpr) -> SpecExpr {
            SpecExpr::unop(if word == 64 { Op::I1Uto64 } else { Op::I1Uto32 }, e)
        }

        fn const_arg(args: &[Atom], i: usize) -> Option<u64> {
            args.get(i)?.as_const().map(|c| c.bits())
        }

        pub(super) fn spec(word: u32, callee: &str, args: &[Atom]) -> Option<SpecExpr> {
            let is = |a: &str, b: &str| callee == if word == 64 { a } else { b };
            if is("amd64g_calculate_condition", "x86g_calculate_condition") {
                let cond = Cond::from_u64(const_arg(args, 0)?)?;
                let (fam, size) = decode_cc_op(word, const_arg(args, 1)?)?;
                let sp = Spec {
                    word,
                    n: if fam == Family::Copy { word } else { size * 8 },
                };
                let e = cond_expr(&sp, cond, fam, *args.get(2)?, *args.get(3)?, *args.get(4)?)?;
                return Some(widen_bool(word, e));
            }
            if is("amd64g_calculate_rflags_c", "x86g_calculate_eflags_c") {
                let (fam, size) = decode_cc_op(word, const_arg(args, 0)?)?;
                let sp = Spec {
                    word,
                    n: if fam == Family::Copy { word } else { size * 8 },
                };
                let (d1, d2, nd) = (*args.get(1)?, *args.get(2)?, *args.get(3)?);
                let c = match fam {
                    Family::Copy => return Some(sp.and(Spec::atom(d1), sp.cw(1))),
                    Family::Inc | Family::Dec => {
                        let w = Spec { word, n: word };
                        return Some(w.and(Spec::atom(nd), w.cw(1)));
                    }
                    Family::Logic | Family::Andn => return Some(sp.cw(0)),
                    _ => flag_exprs(&sp, fam, d1, d2, nd).c?,
                };
                return Some(widen_bool(word, c));
            }
            if is("amd64g_calculate_rflags_all", "x86g_calculate_eflags_all") {
                let (fam, _) = decode_cc_op(word, const_arg(args, 0)?)?;
                if fam == Family::Copy {
                    let w = Spec { word, n: word };
                    return Some(w.and(Spec::atom(*args.get(1)?), w.cw(OSZACP)));
                }
            }
            None
        }
    }

    /// The generic builders give the reference trees for every helper,
    /// cc_op and condition, on temporaries and on constant operands.
    #[test]
    fn trees_match_reference() {
        let mut checked = 0;
        for bits in [32u32, 64] {
            let hooks = X86Hooks {
                bits,
                precise: [(0, 0); 3],
            };
            let wty = int_ty(bits);
            let names: [&str; 3] = if bits == 64 {
                [
                    "amd64g_calculate_condition",
                    "amd64g_calculate_rflags_c",
                    "amd64g_calculate_rflags_all",
                ]
            } else {
                [
                    "x86g_calculate_condition",
                    "x86g_calculate_eflags_c",
                    "x86g_calculate_eflags_all",
                ]
            };
            let t = |i: u32| Atom::Tmp(vexil_ir::Temp(i));
            let k = |v: u64| Atom::Const(Const::int(wty, v));
            for op in 0..70 {
                let opc = k(op);
                for d in [[t(0), t(1), t(2)], [k(5), t(1), k(1)]] {
                    let mut calls: Vec<(&str, Vec<Atom>)> = Vec::new();
                    for cond in 0..17 {
                        calls.push((names[0], vec![k(cond), opc, d[0], d[1], d[2]]));
                    }
                    calls.push((names[1], vec![opc, d[0], d[1], d[2]]));
                    calls.push((names[2], vec![opc, d[0], d[1], d[2]]));
                    for (name, args) in calls {
                        let want = reference::spec(bits, name, &args);
                        checked += usize::from(want.is_some());
                        assert_eq!(hooks.spec(name, &args), want, "{name} {args:?}");
                    }
                }
            }
        }
        assert!(checked > 600, "only {checked} specializations");
    }

    #[test]
    fn cc_op_numbers_round_trip_and_match_vex() {
        // VEX: AMD64G_CC_OP_SUBQ = 8, LOGICB = 17, SMULQ = 52, BLSR64 = 60;
        // X86G_CC_OP_SUBL = 6, LOGICL = 15, SMULL = 39.
        assert_eq!(cc_op(64, Family::Sub, 8), 8);
        assert_eq!(cc_op(64, Family::Logic, 1), 17);
        assert_eq!(cc_op(64, Family::Smul, 8), 52);
        assert_eq!(cc_op(64, Family::Blsr, 8), 60);
        assert_eq!(cc_op(32, Family::Sub, 4), 6);
        assert_eq!(cc_op(32, Family::Logic, 4), 15);
        assert_eq!(cc_op(32, Family::Smul, 4), 39);
        for bits in [32, 64] {
            let sizes: &[u32] = if bits == 64 {
                &[1, 2, 4, 8]
            } else {
                &[1, 2, 4]
            };
            for fam in SIZED.iter().take(13) {
                for &s in sizes {
                    assert_eq!(decode_cc_op(bits, cc_op(bits, *fam, s)), Some((*fam, s)));
                }
            }
        }
    }

    /// Evaluates a specialization with `t0..t2` bound to `vals`.
    fn eval_spec(e: &SpecExpr, vals: &[u128; 3]) -> u128 {
        match e {
            SpecExpr::Atom(Atom::Const(c)) => c.value(),
            SpecExpr::Atom(Atom::Tmp(t)) => vals[t.index()],
            SpecExpr::Op(op, args) => {
                let a: Vec<u128> = args.iter().map(|x| eval_spec(x, vals)).collect();
                vexil_ir::eval::eval_op(*op, &a)
            }
            SpecExpr::Ite(c, t, f) => {
                if eval_spec(c, vals) & 1 == 1 {
                    eval_spec(t, vals)
                } else {
                    eval_spec(f, vals)
                }
            }
        }
    }

    /// Inputs biased towards the boundaries where flag formulas go wrong.
    fn sample(rng: &mut u64, bits: u32) -> u64 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        let r = *rng;
        let m = mask(bits);
        match r % 8 {
            0 => 0,
            1 => 1 << ((r >> 8) % 64),
            2 => m,
            3 => (r >> 8) % 4,
            4 => m.wrapping_sub((r >> 8) % 4),
            5 => 1u64
                .wrapping_shl(u32::try_from((r >> 8) % 64).unwrap_or(0))
                .wrapping_sub(1),
            _ => r.rotate_left(17),
        }
    }

    /// Every specialization `X86Hooks::spec` produces agrees with the
    /// helper it replaces, for every cc_op and condition, on random inputs.
    #[test]
    fn specializations_agree_with_helpers() {
        let mut rng = 0x1234_5678_9abc_def1u64;
        let mut specialized = 0;
        for bits in [32u32, 64] {
            let hooks = X86Hooks {
                bits,
                precise: [(0, 0); 3],
            };
            let top = if bits == 64 { 61 } else { 44 };
            let (cond_name, c_name): (&str, &str) = if bits == 64 {
                ("amd64g_calculate_condition", "amd64g_calculate_rflags_c")
            } else {
                ("x86g_calculate_condition", "x86g_calculate_eflags_c")
            };
            let wty = int_ty(bits);
            let t = |i: u32| Atom::Tmp(vexil_ir::Temp(i));
            for op in 0..top {
                if decode_cc_op(bits, op).is_none() {
                    continue;
                }
                let opc = Atom::Const(Const::int(wty, op));
                let mut cases: Vec<(Option<Cond>, SpecExpr)> = Vec::new();
                for cond in Cond::ALL {
                    let cc = Atom::Const(Const::int(wty, cond as u64));
                    if let Some(e) = hooks.spec(cond_name, &[cc, opc, t(0), t(1), t(2)]) {
                        cases.push((Some(cond), e));
                    }
                }
                if let Some(e) = hooks.spec(c_name, &[opc, t(0), t(1), t(2)]) {
                    cases.push((None, e));
                }
                for (cond, e) in cases {
                    specialized += 1;
                    for _ in 0..300 {
                        let v = [
                            sample(&mut rng, bits),
                            sample(&mut rng, bits),
                            sample(&mut rng, bits) & 1,
                        ];
                        let vals = [
                            u128::from(v[0] & mask(bits)),
                            u128::from(v[1] & mask(bits)),
                            u128::from(v[2]),
                        ];
                        let want = match cond {
                            Some(c) => {
                                u128::from(eval_cond(c, flags_of(bits, op, v[0], v[1], v[2])))
                            }
                            None => u128::from(carry_of(bits, op, v[0], v[1], v[2])),
                        };
                        let got = eval_spec(&e, &vals);
                        assert_eq!(
                            got, want,
                            "bits {bits} cc_op {op} cond {cond:?} inputs {v:x?}: {e:?}"
                        );
                    }
                }
            }
        }
        // Sanity: the common cases are specialized at all.
        assert!(specialized > 300, "only {specialized} specializations");
    }

    #[test]
    fn flags_of_known_cases() {
        // cmp eax(1), ebx(2): CF, SF, AF, PF (0xff has even parity), not ZF/OF.
        let f = flags_of(64, cc_op(64, Family::Sub, 4), 1, 2, 0);
        assert_eq!(f, CF | SF | AF | PF);
        // add al(0x7f), 1: OF SF AF, not CF.
        let f = flags_of(64, cc_op(64, Family::Add, 1), 0x7f, 1, 0);
        assert_eq!(f, OF | SF | AF);
        // test rax(0), rax: ZF PF.
        assert_eq!(flags_of(64, cc_op(64, Family::Logic, 8), 0, 0, 0), ZF | PF);
        // imul 32-bit 0x10000 * 0x10000 overflows.
        assert_ne!(
            flags_of(32, cc_op(32, Family::Smul, 4), 0x10000, 0x10000, 0) & OF,
            0
        );
    }
}

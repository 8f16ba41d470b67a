//! Reference semantics of every operation in the [`Op`] table.
//!
//! This is the ONE definition of what an operation computes: the
//! interpreter calls it for every `Unop`/`Binop`/`Triop`/`Qop`, and the
//! optimizer's constant folder calls it too, so folding can never disagree
//! with execution. Values are `u128` bit patterns (every IR type fits:
//! integers up to `I128`, `F32`/`F64` bits, `V128`). Arguments are masked to
//! their declared types and the result to the result type, so callers may
//! pass sloppy high bits.
//!
//! Nothing here panics, for any input: division by zero, `MIN / -1`,
//! shifts by the width or more, NaNs and out-of-range float-to-integer
//! conversions all have a defined result (documented per group in
//! `ops_table.rs`).
//!
//! Floating point is exact IEEE 754 binary32/binary64 in all four rounding
//! modes ([`RoundingMode`]). Each operation computes its exact result as an
//! integer significand with a sticky bit and rounds it once, in a small
//! integer soft-float; round-to-nearest add/sub/mul/div/sqrt use the host's
//! (correctly rounded) operators instead, and the tests check the two agree
//! bit for bit and check every mode against exact rational arithmetic.
//! NaN results are deterministic and follow x86 SSE: the first NaN operand,
//! quieted; an invalid operation gives the negative default NaN
//! (`0xFFC00000`, `0xFFF8000000000000`).
//!
//! Lane numbering follows VEX: lane 0 is the least significant. Where VEX
//! builds one vector from two ("interleave", "narrow", "cat"), the most
//! significant part of the result comes from the first argument.

mod float;

use float::Fmt;
pub use float::RoundingMode;

use crate::Op;
use std::cmp::Ordering;

/// Evaluates `op` on `args` (bit patterns; missing arguments read as 0).
///
/// The result is masked to the width of `op`'s result type.
pub fn eval_op(op: Op, args: &[u128]) -> u128 {
    let sig = op.signature();
    let mut a = [0u128; 4];
    for ((slot, ty), v) in a.iter_mut().zip(sig.args).zip(args) {
        *slot = v & ty.mask();
    }
    eval_masked(op, a) & sig.ret.mask()
}

/// [`eval_op`] for callers whose arguments are already masked to their
/// declared types, as an interpreter's values are (every value it stores
/// was produced masked). Skips the argument masking; the result is still
/// masked to the result type. Unused argument slots are ignored.
pub fn eval_op_masked(op: Op, args: [u128; 4]) -> u128 {
    eval_masked(op, args) & result_mask(op)
}

/// The all-ones mask of `op`'s result type, from a table built at compile
/// time.
pub fn result_mask(op: Op) -> u128 {
    match RESULT_TYPE.get(op as usize) {
        Some(t) => t.mask(),
        None => u128::MAX,
    }
}

const RESULT_TYPE: [crate::Type; Op::ALL.len()] = {
    let mut t = [crate::Type::I1; Op::ALL.len()];
    let mut i = 0;
    while i < Op::ALL.len() {
        t[i] = Op::ALL[i].signature().ret;
        i += 1;
    }
    t
};

/// [`eval_op`] for a one-argument operation.
pub fn eval_unop(op: Op, a: u128) -> u128 {
    eval_op(op, &[a])
}

/// [`eval_op`] for a two-argument operation.
pub fn eval_binop(op: Op, a: u128, b: u128) -> u128 {
    eval_op(op, &[a, b])
}

/// [`eval_op`] for a three-argument operation.
pub fn eval_triop(op: Op, a: u128, b: u128, c: u128) -> u128 {
    eval_op(op, &[a, b, c])
}

/// [`eval_op`] for a four-argument operation.
pub fn eval_qop(op: Op, a: u128, b: u128, c: u128, d: u128) -> u128 {
    eval_op(op, &[a, b, c, d])
}

// ---------------------------------------------------------------- helpers

/// All-ones mask of `bits` bits (1..=128).
const fn mask(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// Sign-extends the low `bits` bits of `v`.
#[allow(clippy::cast_possible_wrap)] // reinterpreting the shifted bit pattern is the point
const fn sx(v: u128, bits: u32) -> i128 {
    let sh = 128 - bits;
    ((v << sh) as i128) >> sh
}

/// The two's-complement bit pattern of `v`, masked to `bits`.
#[allow(clippy::cast_sign_loss)] // reinterpreting the bit pattern is the point
const fn bits_of(v: i128, bits: u32) -> u128 {
    (v as u128) & mask(bits)
}

fn shl(a: u128, n: u128, w: u32) -> u128 {
    if n >= u128::from(w) {
        0
    } else {
        (a << n) & mask(w)
    }
}

fn shr(a: u128, n: u128, w: u32) -> u128 {
    if n >= u128::from(w) { 0 } else { a >> n }
}

fn sar(a: u128, n: u128, w: u32) -> u128 {
    let n = n.min(u128::from(w - 1));
    bits_of(sx(a, w) >> n, w)
}

fn b(x: bool) -> u128 {
    u128::from(x)
}

/// `v` as a low-order `u64` (for float bit patterns).
fn lo64(v: u128) -> u64 {
    u64::try_from(v & mask(64)).unwrap_or(0)
}

fn rm(v: u128) -> RoundingMode {
    RoundingMode::from_ir(v)
}

/// Lane `i` of `w`-bit lanes.
fn lane(v: u128, w: u32, i: u32) -> u128 {
    (v >> (w * i)) & mask(w)
}

/// Builds a vector from `128 / w` lanes given by `f(i)`.
fn build(w: u32, mut f: impl FnMut(u32) -> u128) -> u128 {
    (0..128 / w).fold(0, |acc, i| acc | ((f(i) & mask(w)) << (w * i)))
}

fn map1(a: u128, w: u32, f: impl Fn(u128) -> u128) -> u128 {
    build(w, |i| f(lane(a, w, i)))
}

fn map2(a: u128, bv: u128, w: u32, f: impl Fn(u128, u128) -> u128) -> u128 {
    build(w, |i| f(lane(a, w, i), lane(bv, w, i)))
}

fn all_ones_if(x: bool, w: u32) -> u128 {
    if x { mask(w) } else { 0 }
}

fn clamp_s(v: i128, w: u32) -> u128 {
    let lo = -(1i128 << (w - 1));
    let hi = (1i128 << (w - 1)) - 1;
    bits_of(v.clamp(lo, hi), w)
}

fn clamp_u(v: i128, w: u32) -> u128 {
    // Clamped into 0..=mask(w), so non-negative.
    u128::try_from(v.clamp(0, i128::try_from(mask(w)).unwrap_or(i128::MAX))).unwrap_or(0)
}

/// Width of lanes of a narrowing op's *source* and the saturation rule.
#[derive(Copy, Clone)]
enum Narrow {
    /// Signed source, unsigned saturation.
    SU,
    /// Signed source, signed saturation.
    SS,
    /// Unsigned source, unsigned saturation.
    UU,
    /// Plain truncation.
    Trunc,
}

/// Narrows two vectors of `w`-bit lanes to one of `w/2`-bit lanes; the high
/// half of the result comes from `a`.
fn narrow_bin(a: u128, bv: u128, w: u32, rule: Narrow) -> u128 {
    let h = w / 2;
    let n = 128 / w;
    let sat = |x: u128| match rule {
        Narrow::SU => clamp_u(sx(x, w), h),
        Narrow::SS => clamp_s(sx(x, w), h),
        Narrow::UU => x.min(mask(h)),
        Narrow::Trunc => x & mask(h),
    };
    build(h, |i| {
        if i < n {
            sat(lane(bv, w, i))
        } else {
            sat(lane(a, w, i - n))
        }
    })
}

/// Interleaves; result lane `2i+1` from `a`, `2i` from `bv`, both taken from
/// source lane `src(i)`.
fn interleave(a: u128, bv: u128, w: u32, src: impl Fn(u32) -> u32) -> u128 {
    build(w, |j| {
        let s = src(j / 2);
        if j % 2 == 1 {
            lane(a, w, s)
        } else {
            lane(bv, w, s)
        }
    })
}

/// Concatenates the odd (`odd`) or even lanes: the high half from `a`.
fn cat_lanes(a: u128, bv: u128, w: u32, odd: bool) -> u128 {
    let half = 64 / w;
    let o = u32::from(odd);
    build(w, |j| {
        if j < half {
            lane(bv, w, 2 * j + o)
        } else {
            lane(a, w, 2 * (j - half) + o)
        }
    })
}

/// Reverses the order of `chunk`-bit pieces within each `w`-bit lane.
fn reverse_chunks(v: u128, chunk: u32, w: u32) -> u128 {
    map1(v, w, |x| {
        let n = w / chunk;
        (0..n).fold(0, |acc, i| {
            acc | (lane(x, chunk, i) << (chunk * (n - 1 - i)))
        })
    })
}

/// Converts the value of a float-in-lane `f(x)` on `w`-bit lanes.
fn fmap1(a: u128, f: Fmt, g: impl Fn(u64) -> u64) -> u128 {
    let w = fmt_bits(f);
    map1(a, w, |x| u128::from(g(lo64(x))))
}

fn fmap2(a: u128, bv: u128, f: Fmt, g: impl Fn(u64, u64) -> u64) -> u128 {
    let w = fmt_bits(f);
    map2(a, bv, w, |x, y| u128::from(g(lo64(x), lo64(y))))
}

fn fmt_bits(f: Fmt) -> u32 {
    match f {
        Fmt::F32 => 32,
        Fmt::F64 => 64,
    }
}

/// Applies `g` to the lowest lane only; the other lanes come from `a`.
fn lane0(a: u128, bv: u128, f: Fmt, g: impl Fn(u64, u64) -> u128) -> u128 {
    let w = fmt_bits(f);
    (a & !mask(w)) | (g(lo64(a & mask(w)), lo64(bv & mask(w))) & mask(w))
}

/// x86 `maxps`/`minps`: the first operand if it is strictly greater (less),
/// else the second, bit for bit (NaNs and `±0` included).
fn x86_max_min(f: Fmt, x: u64, y: u64, max: bool) -> u64 {
    let want = if max {
        Ordering::Greater
    } else {
        Ordering::Less
    };
    if float::compare(f, x, y) == Some(want) {
        x
    } else {
        y
    }
}

/// Lane comparison kinds of the vector float compares.
#[derive(Copy, Clone)]
enum FCmp {
    Eq,
    Lt,
    Le,
    Un,
}

fn fcmp(f: Fmt, x: u64, y: u64, k: FCmp) -> bool {
    let o = float::compare(f, x, y);
    match k {
        FCmp::Eq => o == Some(Ordering::Equal),
        FCmp::Lt => o == Some(Ordering::Less),
        FCmp::Le => matches!(o, Some(Ordering::Less | Ordering::Equal)),
        FCmp::Un => o.is_none(),
    }
}

/// `CmpF64`/`CmpF32` encoding: 0x45 unordered, 0x01 less, 0x00 greater, 0x40 equal.
fn cmp_code(f: Fmt, x: u64, y: u64) -> u128 {
    match float::compare(f, x, y) {
        None => 0x45,
        Some(Ordering::Less) => 0x01,
        Some(Ordering::Greater) => 0x00,
        Some(Ordering::Equal) => 0x40,
    }
}

/// `DivMod*`: a `dw`-bit dividend over an `hw`-bit divisor, giving
/// remainder:quotient, each truncated to `hw` bits. Division by zero gives
/// quotient 0 and the dividend's low half as remainder.
fn divmod(a: u128, dw: u32, d: u128, hw: u32, signed: bool) -> u128 {
    let (q, r) = if d == 0 {
        (0, a & mask(hw))
    } else if signed {
        let (x, y) = (sx(a, dw), sx(d, hw));
        // i128::MIN / -1 (DivModS128to64) wraps; every other case is exact.
        (
            bits_of(x.wrapping_div(y), hw),
            bits_of(x.wrapping_rem(y), hw),
        )
    } else {
        ((a / d) & mask(hw), (a % d) & mask(hw))
    };
    (r << hw) | q
}

fn div(a: u128, d: u128, w: u32, signed: bool) -> u128 {
    if d == 0 {
        0
    } else if signed {
        bits_of(sx(a, w).wrapping_div(sx(d, w)), w)
    } else {
        a / d
    }
}

fn clz(a: u128, w: u32) -> u128 {
    u128::from(a.leading_zeros().saturating_sub(128 - w))
}

fn ctz(a: u128, w: u32) -> u128 {
    u128::from(a.trailing_zeros().min(w))
}

fn reverse_bits(a: u128, w: u32) -> u128 {
    a.reverse_bits() >> (128 - w)
}

fn bswap(a: u128, w: u32) -> u128 {
    a.swap_bytes() >> (128 - w)
}

fn float_to_int(f: Fmt, a: &[u128; 4], signed: bool, w: u32) -> u128 {
    float::to_int(f, rm(a[0]), lo64(a[1]), signed, w)
}

fn int_to_float(f: Fmt, mode: RoundingMode, v: u128, w: u32, signed: bool) -> u128 {
    let (neg, mag) = if signed && sx(v, w) < 0 {
        (true, sx(v, w).unsigned_abs())
    } else {
        (false, v)
    };
    u128::from(float::from_int(f, mode, neg, mag))
}

fn sat_add_u(x: u128, y: u128, w: u32) -> u128 {
    (x + y).min(mask(w))
}

fn sat_add_s(x: u128, y: u128, w: u32) -> u128 {
    clamp_s(sx(x, w) + sx(y, w), w)
}

fn sat_sub_u(x: u128, y: u128) -> u128 {
    x.saturating_sub(y)
}

fn sat_sub_s(x: u128, y: u128, w: u32) -> u128 {
    clamp_s(sx(x, w) - sx(y, w), w)
}

fn smax(x: u128, y: u128, w: u32) -> u128 {
    if sx(x, w) >= sx(y, w) { x } else { y }
}

fn smin(x: u128, y: u128, w: u32) -> u128 {
    if sx(x, w) <= sx(y, w) { x } else { y }
}

/// Multiplies the even lanes of `w`-bit lanes into `2w`-bit products.
fn mull_even(a: u128, bv: u128, w: u32, signed: bool) -> u128 {
    build(2 * w, |i| {
        let (x, y) = (lane(a, w, 2 * i), lane(bv, w, 2 * i));
        if signed {
            bits_of(sx(x, w) * sx(y, w), 2 * w)
        } else {
            x * y
        }
    })
}

/// `(a:b) >> (8 * n)`, low 128 bits (n bytes; 32 or more gives 0).
fn slice(a: u128, bv: u128, n: u128) -> u128 {
    let sh = n.saturating_mul(8);
    match u32::try_from(sh) {
        Ok(0) => bv,
        Ok(s) if s < 128 => (bv >> s) | (a << (128 - s)),
        Ok(s) if s < 256 => a >> (s - 128),
        _ => 0,
    }
}

// ------------------------------------------------------------ the table

/// Evaluates `op` over arguments masked to their types. Never panics even
/// when they are not (an ill-typed block): every operation below is
/// wrapping or range-checked; only the result is then meaningless.
#[allow(clippy::too_many_lines)] // one arm per operation: the table is long by nature
fn eval_masked(op: Op, a: [u128; 4]) -> u128 {
    use Op::*;
    let [x, y, z, w4] = a;
    match op {
        // ---- integer arithmetic and logic
        Add8 | Add16 | Add32 | Add64 => x.wrapping_add(y),
        Sub8 | Sub16 | Sub32 | Sub64 => x.wrapping_sub(y),
        Mul8 | Mul16 | Mul32 | Mul64 => x.wrapping_mul(y),
        Or8 | Or16 | Or32 | Or64 => x | y,
        And8 | And16 | And32 | And64 => x & y,
        Xor8 | Xor16 | Xor32 | Xor64 => x ^ y,

        // ---- shifts
        Shl8 => shl(x, y, 8),
        Shl16 => shl(x, y, 16),
        Shl32 => shl(x, y, 32),
        Shl64 => shl(x, y, 64),
        Shr8 => shr(x, y, 8),
        Shr16 => shr(x, y, 16),
        Shr32 => shr(x, y, 32),
        Shr64 => shr(x, y, 64),
        Sar8 => sar(x, y, 8),
        Sar16 => sar(x, y, 16),
        Sar32 => sar(x, y, 32),
        Sar64 => sar(x, y, 64),

        Not8 | Not16 | Not32 | Not64 => !x,

        // ---- comparisons
        CmpEQ8 | CmpEQ16 | CmpEQ32 | CmpEQ64 => b(x == y),
        CasCmpEQ8 | CasCmpEQ16 | CasCmpEQ32 | CasCmpEQ64 => b(x == y),
        CmpNE8 | CmpNE16 | CmpNE32 | CmpNE64 => b(x != y),
        CasCmpNE8 | CasCmpNE16 | CasCmpNE32 | CasCmpNE64 => b(x != y),
        ExpCmpNE8 | ExpCmpNE16 | ExpCmpNE32 | ExpCmpNE64 => b(x != y),
        CmpLT8S => b(sx(x, 8) < sx(y, 8)),
        CmpLT16S => b(sx(x, 16) < sx(y, 16)),
        CmpLT32S => b(sx(x, 32) < sx(y, 32)),
        CmpLT64S => b(sx(x, 64) < sx(y, 64)),
        CmpLT8U | CmpLT16U | CmpLT32U | CmpLT64U => b(x < y),
        CmpLE8S => b(sx(x, 8) <= sx(y, 8)),
        CmpLE16S => b(sx(x, 16) <= sx(y, 16)),
        CmpLE32S => b(sx(x, 32) <= sx(y, 32)),
        CmpLE64S => b(sx(x, 64) <= sx(y, 64)),
        CmpLE8U | CmpLE16U | CmpLE32U | CmpLE64U => b(x <= y),
        CmpNEZ8 | CmpNEZ16 | CmpNEZ32 | CmpNEZ64 => b(x != 0),

        // ---- widening multiplies
        MullS8 => bits_of(sx(x, 8) * sx(y, 8), 16),
        MullS16 => bits_of(sx(x, 16) * sx(y, 16), 32),
        MullS32 => bits_of(sx(x, 32) * sx(y, 32), 64),
        MullS64 => bits_of(sx(x, 64) * sx(y, 64), 128),
        MullU8 | MullU16 | MullU32 | MullU64 => x.wrapping_mul(y),

        // ---- bit counting and reversal
        Clz32 => clz(x, 32),
        Clz64 => clz(x, 64),
        Ctz32 => ctz(x, 32),
        Ctz64 => ctz(x, 64),
        PopCount32 | PopCount64 => u128::from(x.count_ones()),
        Reverse8sIn16_x1 => bswap(x, 16),
        Reverse8sIn32_x1 => bswap(x, 32),
        Reverse8sIn64_x1 => bswap(x, 64),
        Reverse1sIn32_x1 => reverse_bits(x, 32),
        Reverse1sIn64_x1 => reverse_bits(x, 64),

        // ---- division
        DivU32 => div(x, y, 32, false),
        DivS32 => div(x, y, 32, true),
        DivU64 => div(x, y, 64, false),
        DivS64 => div(x, y, 64, true),
        DivModU16to8 => divmod(x, 16, y, 8, false),
        DivModU32to16 => divmod(x, 32, y, 16, false),
        DivModU64to32 => divmod(x, 64, y, 32, false),
        DivModU128to64 => divmod(x, 128, y, 64, false),
        DivModU32to32 => divmod(x, 32, y, 32, false),
        DivModU64to64 => divmod(x, 64, y, 64, false),
        DivModS16to8 => divmod(x, 16, y, 8, true),
        DivModS32to16 => divmod(x, 32, y, 16, true),
        DivModS64to32 => divmod(x, 64, y, 32, true),
        DivModS128to64 => divmod(x, 128, y, 64, true),
        DivModS32to32 => divmod(x, 32, y, 32, true),
        DivModS64to64 => divmod(x, 64, y, 64, true),

        // ---- widening and narrowing conversions (the result mask narrows)
        I8Uto16 | I8Uto32 | I8Uto64 | I16Uto32 | I16Uto64 | I32Uto64 => x,
        I8Sto16 | I8Sto32 | I8Sto64 => bits_of(sx(x, 8), 64),
        I16Sto32 | I16Sto64 => bits_of(sx(x, 16), 64),
        I32Sto64 => bits_of(sx(x, 32), 64),
        I16to8 | I32to8 | I64to8 | I32to16 | I64to16 | I64to32 | I128to64 => x,
        I16HIto8 => x >> 8,
        I32HIto16 => x >> 16,
        I64HIto32 => x >> 32,
        I128HIto64 => x >> 64,
        I8HLto16 => (x << 8) | y,
        I16HLto32 => (x << 16) | y,
        I32HLto64 => (x << 32) | y,
        I64HLto128 => (x << 64) | y,

        // ---- 1-bit values
        Not1 => x ^ 1,
        And1 => x & y,
        Or1 => x | y,
        Xor1 => x ^ y,
        I8to1 | I16to1 | I32to1 | I64to1 => x & 1,
        I1Uto8 | I1Uto16 | I1Uto32 | I1Uto64 => x,
        I1Sto8 | I1Sto16 | I1Sto32 | I1Sto64 => all_ones_if(x != 0, 64),

        // ---- scalar floating point
        AddF64 => u128::from(float::add(Fmt::F64, rm(x), lo64(y), lo64(z))),
        SubF64 => u128::from(float::sub(Fmt::F64, rm(x), lo64(y), lo64(z))),
        MulF64 => u128::from(float::mul(Fmt::F64, rm(x), lo64(y), lo64(z))),
        DivF64 => u128::from(float::div(Fmt::F64, rm(x), lo64(y), lo64(z))),
        AddF32 => u128::from(float::add(Fmt::F32, rm(x), lo64(y), lo64(z))),
        SubF32 => u128::from(float::sub(Fmt::F32, rm(x), lo64(y), lo64(z))),
        MulF32 => u128::from(float::mul(Fmt::F32, rm(x), lo64(y), lo64(z))),
        DivF32 => u128::from(float::div(Fmt::F32, rm(x), lo64(y), lo64(z))),
        NegF64 => u128::from(float::neg(Fmt::F64, lo64(x))),
        AbsF64 => u128::from(float::abs(Fmt::F64, lo64(x))),
        NegF32 => u128::from(float::neg(Fmt::F32, lo64(x))),
        AbsF32 => u128::from(float::abs(Fmt::F32, lo64(x))),
        SqrtF64 => u128::from(float::sqrt(Fmt::F64, rm(x), lo64(y))),
        SqrtF32 => u128::from(float::sqrt(Fmt::F32, rm(x), lo64(y))),
        MAddF64 => u128::from(float::fma(Fmt::F64, rm(x), lo64(y), lo64(z), lo64(w4))),
        MSubF64 => u128::from(float::fms(Fmt::F64, rm(x), lo64(y), lo64(z), lo64(w4))),
        MAddF32 => u128::from(float::fma(Fmt::F32, rm(x), lo64(y), lo64(z), lo64(w4))),
        MSubF32 => u128::from(float::fms(Fmt::F32, rm(x), lo64(y), lo64(z), lo64(w4))),
        MaxNumF64 => u128::from(float::max_min_num(Fmt::F64, lo64(x), lo64(y), true)),
        MinNumF64 => u128::from(float::max_min_num(Fmt::F64, lo64(x), lo64(y), false)),
        MaxNumF32 => u128::from(float::max_min_num(Fmt::F32, lo64(x), lo64(y), true)),
        MinNumF32 => u128::from(float::max_min_num(Fmt::F32, lo64(x), lo64(y), false)),
        RoundF64toInt => u128::from(float::round_to_integral(Fmt::F64, rm(x), lo64(y))),
        RoundF32toInt => u128::from(float::round_to_integral(Fmt::F32, rm(x), lo64(y))),
        CmpF64 => cmp_code(Fmt::F64, lo64(x), lo64(y)),
        CmpF32 => cmp_code(Fmt::F32, lo64(x), lo64(y)),

        // ---- float to integer
        F64toI16S => float_to_int(Fmt::F64, &a, true, 16),
        F64toI32S => float_to_int(Fmt::F64, &a, true, 32),
        F64toI64S => float_to_int(Fmt::F64, &a, true, 64),
        F64toI32U => float_to_int(Fmt::F64, &a, false, 32),
        F64toI64U => float_to_int(Fmt::F64, &a, false, 64),
        F32toI32S => float_to_int(Fmt::F32, &a, true, 32),
        F32toI64S => float_to_int(Fmt::F32, &a, true, 64),
        F32toI32U => float_to_int(Fmt::F32, &a, false, 32),
        F32toI64U => float_to_int(Fmt::F32, &a, false, 64),

        // ---- integer to float
        I32StoF64 => int_to_float(Fmt::F64, RoundingMode::NearestEven, x, 32, true),
        I32UtoF64 => int_to_float(Fmt::F64, RoundingMode::NearestEven, x, 32, false),
        I64StoF64 => int_to_float(Fmt::F64, rm(x), y, 64, true),
        I64UtoF64 => int_to_float(Fmt::F64, rm(x), y, 64, false),
        I32StoF32 => int_to_float(Fmt::F32, rm(x), y, 32, true),
        I32UtoF32 => int_to_float(Fmt::F32, rm(x), y, 32, false),
        I64StoF32 => int_to_float(Fmt::F32, rm(x), y, 64, true),
        I64UtoF32 => int_to_float(Fmt::F32, rm(x), y, 64, false),

        // ---- float formats and reinterpretation
        F32toF64 => u128::from(float::f32_to_f64(lo64(x))),
        F64toF32 => u128::from(float::f64_to_f32(rm(x), lo64(y))),
        ReinterpF64asI64 | ReinterpI64asF64 | ReinterpF32asI32 | ReinterpI32asF32 => x,

        // ---- whole-vector logic and shifts
        NotV128 => !x,
        AndV128 => x & y,
        OrV128 => x | y,
        XorV128 => x ^ y,
        ShlV128 => shl(x, y, 128),
        ShrV128 => shr(x, y, 128),

        // ---- lane-wise integer arithmetic
        CmpNEZ8x16 => map1(x, 8, |p| all_ones_if(p != 0, 8)),
        CmpNEZ16x8 => map1(x, 16, |p| all_ones_if(p != 0, 16)),
        CmpNEZ32x4 => map1(x, 32, |p| all_ones_if(p != 0, 32)),
        CmpNEZ64x2 => map1(x, 64, |p| all_ones_if(p != 0, 64)),
        Add8x16 => map2(x, y, 8, |p, q| p + q),
        Add16x8 => map2(x, y, 16, |p, q| p + q),
        Add32x4 => map2(x, y, 32, |p, q| p + q),
        Add64x2 => map2(x, y, 64, |p, q| p + q),
        Sub8x16 => map2(x, y, 8, u128::wrapping_sub),
        Sub16x8 => map2(x, y, 16, u128::wrapping_sub),
        Sub32x4 => map2(x, y, 32, u128::wrapping_sub),
        Sub64x2 => map2(x, y, 64, u128::wrapping_sub),
        QAdd8Ux16 => map2(x, y, 8, |p, q| sat_add_u(p, q, 8)),
        QAdd16Ux8 => map2(x, y, 16, |p, q| sat_add_u(p, q, 16)),
        QAdd32Ux4 => map2(x, y, 32, |p, q| sat_add_u(p, q, 32)),
        QAdd64Ux2 => map2(x, y, 64, |p, q| sat_add_u(p, q, 64)),
        QAdd8Sx16 => map2(x, y, 8, |p, q| sat_add_s(p, q, 8)),
        QAdd16Sx8 => map2(x, y, 16, |p, q| sat_add_s(p, q, 16)),
        QAdd32Sx4 => map2(x, y, 32, |p, q| sat_add_s(p, q, 32)),
        QAdd64Sx2 => map2(x, y, 64, |p, q| sat_add_s(p, q, 64)),
        QSub8Ux16 => map2(x, y, 8, sat_sub_u),
        QSub16Ux8 => map2(x, y, 16, sat_sub_u),
        QSub32Ux4 => map2(x, y, 32, sat_sub_u),
        QSub64Ux2 => map2(x, y, 64, sat_sub_u),
        QSub8Sx16 => map2(x, y, 8, |p, q| sat_sub_s(p, q, 8)),
        QSub16Sx8 => map2(x, y, 16, |p, q| sat_sub_s(p, q, 16)),
        QSub32Sx4 => map2(x, y, 32, |p, q| sat_sub_s(p, q, 32)),
        QSub64Sx2 => map2(x, y, 64, |p, q| sat_sub_s(p, q, 64)),
        Mul8x16 => map2(x, y, 8, |p, q| p * q),
        Mul16x8 => map2(x, y, 16, |p, q| p * q),
        Mul32x4 => map2(x, y, 32, |p, q| p * q),
        MulHi16Ux8 => map2(x, y, 16, |p, q| (p * q) >> 16),
        MulHi32Ux4 => map2(x, y, 32, |p, q| (p * q) >> 32),
        MulHi16Sx8 => map2(x, y, 16, |p, q| bits_of((sx(p, 16) * sx(q, 16)) >> 16, 16)),
        MulHi32Sx4 => map2(x, y, 32, |p, q| bits_of((sx(p, 32) * sx(q, 32)) >> 32, 32)),
        MullEven8Ux16 => mull_even(x, y, 8, false),
        MullEven16Ux8 => mull_even(x, y, 16, false),
        MullEven32Ux4 => mull_even(x, y, 32, false),
        MullEven8Sx16 => mull_even(x, y, 8, true),
        MullEven16Sx8 => mull_even(x, y, 16, true),
        MullEven32Sx4 => mull_even(x, y, 32, true),
        Abs8x16 => map1(x, 8, |p| bits_of(sx(p, 8).abs(), 8)),
        Abs16x8 => map1(x, 16, |p| bits_of(sx(p, 16).abs(), 16)),
        Abs32x4 => map1(x, 32, |p| bits_of(sx(p, 32).abs(), 32)),
        Abs64x2 => map1(x, 64, |p| bits_of(sx(p, 64).abs(), 64)),
        Avg8Ux16 => map2(x, y, 8, |p, q| (p + q + 1) >> 1),
        Avg16Ux8 => map2(x, y, 16, |p, q| (p + q + 1) >> 1),
        Max8Sx16 => map2(x, y, 8, |p, q| smax(p, q, 8)),
        Max16Sx8 => map2(x, y, 16, |p, q| smax(p, q, 16)),
        Max32Sx4 => map2(x, y, 32, |p, q| smax(p, q, 32)),
        Max64Sx2 => map2(x, y, 64, |p, q| smax(p, q, 64)),
        Max8Ux16 | Max16Ux8 | Max32Ux4 | Max64Ux2 => map2(x, y, lane_w(op), u128::max),
        Min8Sx16 => map2(x, y, 8, |p, q| smin(p, q, 8)),
        Min16Sx8 => map2(x, y, 16, |p, q| smin(p, q, 16)),
        Min32Sx4 => map2(x, y, 32, |p, q| smin(p, q, 32)),
        Min64Sx2 => map2(x, y, 64, |p, q| smin(p, q, 64)),
        Min8Ux16 | Min16Ux8 | Min32Ux4 | Min64Ux2 => map2(x, y, lane_w(op), u128::min),

        // ---- lane-wise comparisons
        CmpEQ8x16 | CmpEQ16x8 | CmpEQ32x4 | CmpEQ64x2 => {
            let w = lane_w(op);
            map2(x, y, w, |p, q| all_ones_if(p == q, w))
        }
        CmpGT8Sx16 | CmpGT16Sx8 | CmpGT32Sx4 | CmpGT64Sx2 => {
            let w = lane_w(op);
            map2(x, y, w, |p, q| all_ones_if(sx(p, w) > sx(q, w), w))
        }
        CmpGT8Ux16 | CmpGT16Ux8 | CmpGT32Ux4 | CmpGT64Ux2 => {
            let w = lane_w(op);
            map2(x, y, w, |p, q| all_ones_if(p > q, w))
        }
        Cnt8x16 => map1(x, 8, |p| u128::from(p.count_ones())),

        // ---- lane shifts by a scalar
        ShlN8x16 | ShlN16x8 | ShlN32x4 | ShlN64x2 => {
            let w = lane_w(op);
            map1(x, w, |p| shl(p, y, w))
        }
        ShrN8x16 | ShrN16x8 | ShrN32x4 | ShrN64x2 => {
            let w = lane_w(op);
            map1(x, w, |p| shr(p, y, w))
        }
        SarN8x16 | SarN16x8 | SarN32x4 | SarN64x2 => {
            let w = lane_w(op);
            map1(x, w, |p| sar(p, y, w))
        }

        // ---- lane shifts by lanes
        Shl8x16 | Shl16x8 | Shl32x4 | Shl64x2 => {
            let w = lane_w(op);
            map2(x, y, w, |p, q| shl(p, q, w))
        }
        Shr8x16 | Shr16x8 | Shr32x4 | Shr64x2 => {
            let w = lane_w(op);
            map2(x, y, w, |p, q| shr(p, q, w))
        }
        Sar8x16 | Sar16x8 | Sar32x4 | Sar64x2 => {
            let w = lane_w(op);
            map2(x, y, w, |p, q| sar(p, q, w))
        }

        // ---- narrowing
        QNarrowBin16Sto8Ux16 => narrow_bin(x, y, 16, Narrow::SU),
        QNarrowBin16Sto8Sx16 => narrow_bin(x, y, 16, Narrow::SS),
        QNarrowBin16Uto8Ux16 => narrow_bin(x, y, 16, Narrow::UU),
        QNarrowBin32Sto16Ux8 => narrow_bin(x, y, 32, Narrow::SU),
        QNarrowBin32Sto16Sx8 => narrow_bin(x, y, 32, Narrow::SS),
        QNarrowBin32Uto16Ux8 => narrow_bin(x, y, 32, Narrow::UU),
        NarrowBin16to8x16 => narrow_bin(x, y, 16, Narrow::Trunc),
        NarrowBin32to16x8 => narrow_bin(x, y, 32, Narrow::Trunc),
        NarrowBin64to32x4 => narrow_bin(x, y, 64, Narrow::Trunc),

        // ---- interleaving and concatenation
        InterleaveHI8x16 | InterleaveHI16x8 | InterleaveHI32x4 | InterleaveHI64x2 => {
            let w = lane_w(op);
            let half = 64 / w;
            interleave(x, y, w, |i| half + i)
        }
        InterleaveLO8x16 | InterleaveLO16x8 | InterleaveLO32x4 | InterleaveLO64x2 => {
            interleave(x, y, lane_w(op), |i| i)
        }
        InterleaveOddLanes8x16 | InterleaveOddLanes16x8 | InterleaveOddLanes32x4 => {
            interleave(x, y, lane_w(op), |i| 2 * i + 1)
        }
        InterleaveEvenLanes8x16 | InterleaveEvenLanes16x8 | InterleaveEvenLanes32x4 => {
            interleave(x, y, lane_w(op), |i| 2 * i)
        }
        CatOddLanes8x16 | CatOddLanes16x8 | CatOddLanes32x4 => cat_lanes(x, y, lane_w(op), true),
        CatEvenLanes8x16 | CatEvenLanes16x8 | CatEvenLanes32x4 => {
            cat_lanes(x, y, lane_w(op), false)
        }

        // ---- lane access
        GetElem8x16 | GetElem16x8 | GetElem32x4 | GetElem64x2 => {
            let w = lane_w(op);
            let n = u128::from(128 / w);
            lane(x, w, u32::try_from(y % n).unwrap_or(0))
        }
        SetElem8x16 | SetElem16x8 | SetElem32x4 | SetElem64x2 => {
            let w = lane_w(op);
            let n = u128::from(128 / w);
            let sh = w * u32::try_from(y % n).unwrap_or(0);
            (x & !(mask(w) << sh)) | ((z & mask(w)) << sh)
        }
        Dup8x16 => build(8, |_| x),
        Dup16x8 => build(16, |_| x),
        Dup32x4 => build(32, |_| x),
        Dup64x2 => build(64, |_| x),
        SliceV128 => slice(x, y, z),

        // ---- permutations
        Perm8x16 => build(8, |i| {
            lane(x, 8, u32::try_from(lane(y, 8, i) & 15).unwrap_or(0))
        }),
        PermOrZero8x16 => build(8, |i| {
            let ix = lane(y, 8, i);
            if ix & 0x80 != 0 {
                0
            } else {
                lane(x, 8, u32::try_from(ix & 15).unwrap_or(0))
            }
        }),
        Perm32x4 => build(32, |i| {
            lane(x, 32, u32::try_from(lane(y, 32, i) & 3).unwrap_or(0))
        }),
        Reverse8sIn16_x8 => reverse_chunks(x, 8, 16),
        Reverse8sIn32_x4 => reverse_chunks(x, 8, 32),
        Reverse16sIn32_x4 => reverse_chunks(x, 16, 32),
        Reverse8sIn64_x2 => reverse_chunks(x, 8, 64),
        Reverse16sIn64_x2 => reverse_chunks(x, 16, 64),
        Reverse32sIn64_x2 => reverse_chunks(x, 32, 64),
        Reverse1sIn8_x16 => reverse_chunks(x, 1, 8),
        GetMSBs8x16 => (0..16).fold(0, |acc, i| acc | ((lane(x, 8, i) >> 7) << i)),

        // ---- vectors and scalars
        V128to64 | V128to32 | V128toI128 | I128toV128 | I64UtoV128 | I32UtoV128 => x,
        V128HIto64 => x >> 64,
        I64HLtoV128 => (x << 64) | y,
        SetV128lo64 => (x & !mask(64)) | y,
        SetV128lo32 => (x & !mask(32)) | y,
        ZeroHI64ofV128 => x & mask(64),
        ZeroHI96ofV128 => x & mask(32),
        ZeroHI112ofV128 => x & mask(16),
        ZeroHI120ofV128 => x & mask(8),

        // ---- lane-wise floating point
        Add32Fx4 => fmap2(y, z, Fmt::F32, |p, q| float::add(Fmt::F32, rm(x), p, q)),
        Sub32Fx4 => fmap2(y, z, Fmt::F32, |p, q| float::sub(Fmt::F32, rm(x), p, q)),
        Mul32Fx4 => fmap2(y, z, Fmt::F32, |p, q| float::mul(Fmt::F32, rm(x), p, q)),
        Div32Fx4 => fmap2(y, z, Fmt::F32, |p, q| float::div(Fmt::F32, rm(x), p, q)),
        Max32Fx4 => fmap2(x, y, Fmt::F32, |p, q| x86_max_min(Fmt::F32, p, q, true)),
        Min32Fx4 => fmap2(x, y, Fmt::F32, |p, q| x86_max_min(Fmt::F32, p, q, false)),
        CmpEQ32Fx4 => fcmp_lanes(x, y, Fmt::F32, FCmp::Eq),
        CmpLT32Fx4 => fcmp_lanes(x, y, Fmt::F32, FCmp::Lt),
        CmpLE32Fx4 => fcmp_lanes(x, y, Fmt::F32, FCmp::Le),
        CmpUN32Fx4 => fcmp_lanes(x, y, Fmt::F32, FCmp::Un),
        Abs32Fx4 => fmap1(x, Fmt::F32, |p| float::abs(Fmt::F32, p)),
        Neg32Fx4 => fmap1(x, Fmt::F32, |p| float::neg(Fmt::F32, p)),
        Sqrt32Fx4 => fmap1(y, Fmt::F32, |p| float::sqrt(Fmt::F32, rm(x), p)),
        Add64Fx2 => fmap2(y, z, Fmt::F64, |p, q| float::add(Fmt::F64, rm(x), p, q)),
        Sub64Fx2 => fmap2(y, z, Fmt::F64, |p, q| float::sub(Fmt::F64, rm(x), p, q)),
        Mul64Fx2 => fmap2(y, z, Fmt::F64, |p, q| float::mul(Fmt::F64, rm(x), p, q)),
        Div64Fx2 => fmap2(y, z, Fmt::F64, |p, q| float::div(Fmt::F64, rm(x), p, q)),
        Max64Fx2 => fmap2(x, y, Fmt::F64, |p, q| x86_max_min(Fmt::F64, p, q, true)),
        Min64Fx2 => fmap2(x, y, Fmt::F64, |p, q| x86_max_min(Fmt::F64, p, q, false)),
        CmpEQ64Fx2 => fcmp_lanes(x, y, Fmt::F64, FCmp::Eq),
        CmpLT64Fx2 => fcmp_lanes(x, y, Fmt::F64, FCmp::Lt),
        CmpLE64Fx2 => fcmp_lanes(x, y, Fmt::F64, FCmp::Le),
        CmpUN64Fx2 => fcmp_lanes(x, y, Fmt::F64, FCmp::Un),
        Abs64Fx2 => fmap1(x, Fmt::F64, |p| float::abs(Fmt::F64, p)),
        Neg64Fx2 => fmap1(x, Fmt::F64, |p| float::neg(Fmt::F64, p)),
        Sqrt64Fx2 => fmap1(y, Fmt::F64, |p| float::sqrt(Fmt::F64, rm(x), p)),

        // ---- lowest-lane floating point (round to nearest)
        Add32F0x4 => lane0_arith(x, y, Fmt::F32, float::add),
        Sub32F0x4 => lane0_arith(x, y, Fmt::F32, float::sub),
        Mul32F0x4 => lane0_arith(x, y, Fmt::F32, float::mul),
        Div32F0x4 => lane0_arith(x, y, Fmt::F32, float::div),
        Max32F0x4 => lane0(x, y, Fmt::F32, |p, q| {
            u128::from(x86_max_min(Fmt::F32, p, q, true))
        }),
        Min32F0x4 => lane0(x, y, Fmt::F32, |p, q| {
            u128::from(x86_max_min(Fmt::F32, p, q, false))
        }),
        CmpEQ32F0x4 => lane0_cmp(x, y, Fmt::F32, FCmp::Eq),
        CmpLT32F0x4 => lane0_cmp(x, y, Fmt::F32, FCmp::Lt),
        CmpLE32F0x4 => lane0_cmp(x, y, Fmt::F32, FCmp::Le),
        CmpUN32F0x4 => lane0_cmp(x, y, Fmt::F32, FCmp::Un),
        Sqrt32F0x4 => lane0(x, x, Fmt::F32, |p, _| {
            u128::from(float::sqrt(Fmt::F32, RoundingMode::NearestEven, p))
        }),
        Add64F0x2 => lane0_arith(x, y, Fmt::F64, float::add),
        Sub64F0x2 => lane0_arith(x, y, Fmt::F64, float::sub),
        Mul64F0x2 => lane0_arith(x, y, Fmt::F64, float::mul),
        Div64F0x2 => lane0_arith(x, y, Fmt::F64, float::div),
        Max64F0x2 => lane0(x, y, Fmt::F64, |p, q| {
            u128::from(x86_max_min(Fmt::F64, p, q, true))
        }),
        Min64F0x2 => lane0(x, y, Fmt::F64, |p, q| {
            u128::from(x86_max_min(Fmt::F64, p, q, false))
        }),
        CmpEQ64F0x2 => lane0_cmp(x, y, Fmt::F64, FCmp::Eq),
        CmpLT64F0x2 => lane0_cmp(x, y, Fmt::F64, FCmp::Lt),
        CmpLE64F0x2 => lane0_cmp(x, y, Fmt::F64, FCmp::Le),
        CmpUN64F0x2 => lane0_cmp(x, y, Fmt::F64, FCmp::Un),
        Sqrt64F0x2 => lane0(x, x, Fmt::F64, |p, _| {
            u128::from(float::sqrt(Fmt::F64, RoundingMode::NearestEven, p))
        }),

        // ---- lane-wise conversions
        I32StoF32x4 => map1(y, 32, |p| int_to_float(Fmt::F32, rm(x), p, 32, true)),
        F32toI32Sx4 => map1(y, 32, |p| float::to_int(Fmt::F32, rm(x), lo64(p), true, 32)),
    }
}

fn fcmp_lanes(a: u128, bv: u128, f: Fmt, k: FCmp) -> u128 {
    let w = fmt_bits(f);
    map2(a, bv, w, |p, q| {
        all_ones_if(fcmp(f, lo64(p), lo64(q), k), w)
    })
}

fn lane0_arith(a: u128, bv: u128, f: Fmt, g: fn(Fmt, RoundingMode, u64, u64) -> u64) -> u128 {
    lane0(a, bv, f, |p, q| {
        u128::from(g(f, RoundingMode::NearestEven, p, q))
    })
}

fn lane0_cmp(a: u128, bv: u128, f: Fmt, k: FCmp) -> u128 {
    let w = fmt_bits(f);
    lane0(a, bv, f, |p, q| all_ones_if(fcmp(f, p, q, k), w))
}

/// The lane width of a vector operation, from its name (`Add16x8` -> 16):
/// `128 / n` for a name ending in `x<n>`, 0 for other names. Computed once,
/// at compile time, for the whole table.
#[allow(clippy::cast_possible_truncation)] // 128 / n with n >= 1 fits a u8
const fn lane_width_of(name: &str) -> u8 {
    let bytes = name.as_bytes();
    let mut i = bytes.len();
    let mut n: u32 = 0;
    let mut scale: u32 = 1;
    while i > 0 && bytes[i - 1].is_ascii_digit() {
        n += (bytes[i - 1] - b'0') as u32 * scale;
        scale *= 10;
        i -= 1;
    }
    if i == 0 || bytes[i - 1] != b'x' || n == 0 || n > 128 {
        return 0;
    }
    (128 / n) as u8
}

const LANE_W: [u8; Op::ALL.len()] = {
    let mut t = [0u8; Op::ALL.len()];
    let mut i = 0;
    while i < Op::ALL.len() {
        t[i] = lane_width_of(Op::ALL[i].name());
        i += 1;
    }
    t
};

/// The lane width of a lane-wise operation (8 if the name has none, which
/// the table's tests rule out for the ops that ask).
fn lane_w(op: Op) -> u32 {
    match LANE_W.get(op as usize) {
        Some(&w) if w != 0 => u32::from(w),
        _ => 8,
    }
}

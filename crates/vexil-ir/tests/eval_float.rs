#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code reports failures by panicking
//! Floating point in every rounding mode, checked against exact rational
//! arithmetic.
//!
//! For each random operand set the evaluator's result is checked against
//! the *definition* of correct rounding: the exact result (a big-integer
//! rational, or for square roots a comparison of squares) must lie between
//! the returned value and its neighbour on the right side, and the mode
//! decides which neighbour. The oracle shares no code with the evaluator.

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::cast_lossless
)]

use num_bigint::BigInt;
use std::cmp::Ordering;
use vexil_ir::Op;
use vexil_ir::eval::{RoundingMode, eval_op};

// ------------------------------------------------------------- formats

#[derive(Copy, Clone, Debug, PartialEq)]
struct F {
    frac: u32,
    exp: u32,
}

const F32: F = F { frac: 23, exp: 8 };
const F64: F = F { frac: 52, exp: 11 };

impl F {
    fn sign(self) -> u64 {
        1 << (self.exp + self.frac)
    }
    fn inf(self) -> u64 {
        ((1 << self.exp) - 1) << self.frac
    }
    fn bias(self) -> i32 {
        (1 << (self.exp - 1)) - 1
    }
    fn abs(self, x: u64) -> u64 {
        x & !self.sign()
    }
    fn is_nan(self, x: u64) -> bool {
        self.abs(x) > self.inf()
    }
    fn is_inf(self, x: u64) -> bool {
        self.abs(x) == self.inf()
    }
    fn is_neg(self, x: u64) -> bool {
        x & self.sign() != 0
    }
    fn is_zero(self, x: u64) -> bool {
        self.abs(x) == 0
    }
    fn key(self, x: u64) -> i128 {
        let m = self.abs(x) as i128;
        if self.is_neg(x) { -m } else { m }
    }
    fn of_key(self, k: i128) -> u64 {
        if k >= 0 {
            k as u64
        } else {
            self.sign() | ((-k) as u64)
        }
    }
    fn next_up(self, x: u64) -> u64 {
        self.of_key(self.key(x) + 1)
    }
    fn next_down(self, x: u64) -> u64 {
        self.of_key(self.key(x) - 1)
    }
}

// ------------------------------------------------------ exact rationals

/// `n / d` with `d > 0`.
#[derive(Clone, Debug)]
struct Q {
    n: BigInt,
    d: BigInt,
}

impl Q {
    fn int(v: i128) -> Q {
        Q {
            n: BigInt::from(v),
            d: BigInt::from(1),
        }
    }
    fn cmp(&self, o: &Q) -> Ordering {
        (&self.n * &o.d).cmp(&(&o.n * &self.d))
    }
    fn add(&self, o: &Q) -> Q {
        Q {
            n: &self.n * &o.d + &o.n * &self.d,
            d: &self.d * &o.d,
        }
    }
    fn mul(&self, o: &Q) -> Q {
        Q {
            n: &self.n * &o.n,
            d: &self.d * &o.d,
        }
    }
    fn div(&self, o: &Q) -> Q {
        let (n, d) = (&self.n * &o.d, &self.d * &o.n);
        if d < BigInt::from(0) {
            Q { n: -n, d: -d }
        } else {
            Q { n, d }
        }
    }
    fn neg(&self) -> Q {
        Q {
            n: -self.n.clone(),
            d: self.d.clone(),
        }
    }
    fn signum(&self) -> Ordering {
        self.n.cmp(&BigInt::from(0))
    }
    fn pow2(e: i32) -> Q {
        if e >= 0 {
            Q {
                n: BigInt::from(1) << e as usize,
                d: BigInt::from(1),
            }
        } else {
            Q {
                n: BigInt::from(1),
                d: BigInt::from(1) << (-e) as usize,
            }
        }
    }
}

/// The exact value of a finite float.
fn value(f: F, x: u64) -> Q {
    let frac = x & ((1 << f.frac) - 1);
    let e = ((x >> f.frac) & ((1 << f.exp) - 1)) as i32;
    let m = if e == 0 { frac } else { frac | (1 << f.frac) };
    let exp = e.max(1) - f.bias() - f.frac as i32;
    let q = Q::int(m as i128).mul(&Q::pow2(exp));
    if f.is_neg(x) { q.neg() } else { q }
}

/// The value used for a neighbour in the nearest-rounding decision: an
/// infinity stands for 2^(emax+1), as IEEE 754's overflow rule implies.
fn neighbour_value(f: F, x: u64) -> Q {
    if f.is_inf(x) {
        let q = Q::pow2(f.bias() + 1);
        if f.is_neg(x) { q.neg() } else { q }
    } else {
        value(f, x)
    }
}

/// Checks that `got` is the exact result correctly rounded. `cmp_exact(q)`
/// orders the exact result against `q`; `exact_sign` is its sign; an exact
/// zero must come out with sign `zero_neg`.
fn check_rounding(
    f: F,
    mode: RoundingMode,
    got: u64,
    cmp_exact: &dyn Fn(&Q) -> Ordering,
    exact_sign: Ordering,
    zero_neg: bool,
) -> Result<(), String> {
    if f.is_nan(got) {
        return Err("NaN result for a finite exact value".into());
    }
    if exact_sign == Ordering::Equal {
        return if f.is_zero(got) && f.is_neg(got) == zero_neg {
            Ok(())
        } else {
            Err(format!(
                "exact zero should give {}0",
                if zero_neg { "-" } else { "+" }
            ))
        };
    }
    // Bracket the exact value: lo <= exact <= hi, neighbours in the format.
    let (lo, hi) = if f.is_inf(got) {
        if f.is_neg(got) {
            (got, f.next_up(got))
        } else {
            (f.next_down(got), got)
        }
    } else {
        match cmp_exact(&value(f, got)) {
            Ordering::Equal => {
                // Exactly representable: it must be returned (a zero here
                // would have had exact_sign Equal).
                return Ok(());
            }
            Ordering::Greater => (got, f.next_up(got)),
            Ordering::Less => (f.next_down(got), got),
        }
    };
    // Verify the bracket (infinite ends are unbounded).
    if !f.is_inf(lo) && cmp_exact(&value(f, lo)) != Ordering::Greater {
        return Err("result is not the neighbour below the exact value".into());
    }
    if !f.is_inf(hi) && cmp_exact(&value(f, hi)) != Ordering::Less {
        return Err("result is not the neighbour above the exact value".into());
    }
    let positive = exact_sign == Ordering::Greater;
    let mut want = match mode {
        RoundingMode::Down => lo,
        RoundingMode::Up => hi,
        RoundingMode::Zero => {
            if positive {
                lo
            } else {
                hi
            }
        }
        RoundingMode::NearestEven => {
            let mid = neighbour_value(f, lo).add(&neighbour_value(f, hi));
            let mid = Q {
                n: mid.n,
                d: mid.d * BigInt::from(2),
            };
            match cmp_exact(&mid) {
                Ordering::Less => lo,
                Ordering::Greater => hi,
                // Tie: the even significand (an infinity counts as even).
                Ordering::Equal => {
                    if f.is_inf(lo) || (!f.is_inf(hi) && f.abs(lo) & 1 == 0) {
                        lo
                    } else {
                        hi
                    }
                }
            }
        }
    };
    // Directed rounding never produces the infinity on the finite side.
    if f.is_inf(want) {
        let toward_inf = match mode {
            RoundingMode::NearestEven => true,
            RoundingMode::Down => !positive,
            RoundingMode::Up => positive,
            RoundingMode::Zero => false,
        };
        if !toward_inf {
            want = f.next_down(f.inf()) | if positive { 0 } else { f.sign() };
        }
    }
    // A nonzero exact value rounding to zero keeps its sign.
    if f.is_zero(want) {
        want = if positive { 0 } else { f.sign() };
    }
    if want == got {
        Ok(())
    } else {
        Err(format!("want {want:#x}"))
    }
}

// --------------------------------------------------------- random inputs

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random finite float, biased toward the interesting places: tiny
/// (subnormal), huge (near overflow), around one, and arbitrary.
fn finite(r: &mut Rng, f: F) -> u64 {
    let frac = r.next() & ((1 << f.frac) - 1);
    let emax_field = (1u64 << f.exp) - 2;
    let e = match r.below(6) {
        0 => 0,
        1 => r.below(3),
        2 => emax_field - r.below(3),
        3 => u64::from(f.bias() as u32) - 2 + r.below(5),
        _ => r.below(emax_field + 1),
    };
    let sign = if r.below(2) == 0 { 0 } else { f.sign() };
    let frac = match r.below(5) {
        0 => frac & !0xff,
        1 => frac | 0xff,
        _ => frac,
    };
    sign | (e << f.frac) | frac
}

/// A finite float close to `x` (a few units in the last place away).
fn near(r: &mut Rng, f: F, x: u64) -> u64 {
    let k = f.key(x) + r.below(7) as i128 - 3;
    let y = f.of_key(k);
    if f.is_inf(y) || f.is_nan(y) { x } else { y }
}

fn float_op(f: F, f32op: Op, f64op: Op) -> Op {
    if f == F32 { f32op } else { f64op }
}

const CASES: usize = 3000;

fn run(name: &str, mut one: impl FnMut(&mut Rng, RoundingMode) -> Result<(), String>) {
    let mut failures = Vec::new();
    for mode in RoundingMode::ALL {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15 ^ mode as u64);
        for _ in 0..CASES {
            if let Err(e) = one(&mut r, mode) {
                failures.push(format!("{mode:?}: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} failures, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
}

fn mode_arg(mode: RoundingMode) -> u128 {
    u128::from(mode.to_ir())
}

/// Sign of an exact zero sum of `a` and `b` (IEEE 754 6.3).
fn sum_zero_sign(f: F, mode: RoundingMode, a: u64, b: u64) -> bool {
    if f.is_zero(a) && f.is_zero(b) && f.is_neg(a) == f.is_neg(b) {
        f.is_neg(a)
    } else {
        mode == RoundingMode::Down
    }
}

fn check_add(f: F, sub: bool) {
    let op = match (f == F32, sub) {
        (true, false) => Op::AddF32,
        (true, true) => Op::SubF32,
        (false, false) => Op::AddF64,
        (false, true) => Op::SubF64,
    };
    run(op.name(), |r, mode| {
        let a = finite(r, f);
        // Half the time, operands of nearly equal magnitude: cancellation.
        let b = match r.below(3) {
            0 => near(r, f, a) ^ if r.below(2) == 0 { f.sign() } else { 0 },
            _ => finite(r, f),
        };
        let got = eval_op(op, &[mode_arg(mode), u128::from(a), u128::from(b)]) as u64;
        let b_eff = if sub { b ^ f.sign() } else { b };
        let exact = value(f, a).add(&value(f, b_eff));
        check_rounding(
            f,
            mode,
            got,
            &|q| exact.cmp(q),
            exact.signum(),
            sum_zero_sign(f, mode, a, b_eff),
        )
        .map_err(|e| format!("{op}({a:#x}, {b:#x}) = {got:#x}: {e}"))
    });
}

fn check_mul(f: F) {
    let op = float_op(f, Op::MulF32, Op::MulF64);
    run(op.name(), |r, mode| {
        let (a, b) = (finite(r, f), finite(r, f));
        let got = eval_op(op, &[mode_arg(mode), u128::from(a), u128::from(b)]) as u64;
        let exact = value(f, a).mul(&value(f, b));
        let zero_neg = f.is_neg(a) != f.is_neg(b);
        check_rounding(f, mode, got, &|q| exact.cmp(q), exact.signum(), zero_neg)
            .map_err(|e| format!("{op}({a:#x}, {b:#x}) = {got:#x}: {e}"))
    });
}

fn check_div(f: F) {
    let op = float_op(f, Op::DivF32, Op::DivF64);
    run(op.name(), |r, mode| {
        let a = finite(r, f);
        let mut b = finite(r, f);
        if f.is_zero(b) {
            b = f.of_key(1);
        }
        let got = eval_op(op, &[mode_arg(mode), u128::from(a), u128::from(b)]) as u64;
        let exact = value(f, a).div(&value(f, b));
        let zero_neg = f.is_neg(a) != f.is_neg(b);
        check_rounding(f, mode, got, &|q| exact.cmp(q), exact.signum(), zero_neg)
            .map_err(|e| format!("{op}({a:#x}, {b:#x}) = {got:#x}: {e}"))
    });
}

fn check_sqrt(f: F) {
    let op = float_op(f, Op::SqrtF32, Op::SqrtF64);
    run(op.name(), |r, mode| {
        let a = f.abs(finite(r, f));
        let got = eval_op(op, &[mode_arg(mode), u128::from(a)]) as u64;
        let x = value(f, a);
        // sqrt(x) vs q: compare x with q^2 for q >= 0.
        let cmp = |q: &Q| {
            if q.signum() == Ordering::Less {
                Ordering::Greater
            } else {
                x.cmp(&q.mul(q))
            }
        };
        check_rounding(f, mode, got, &cmp, x.signum(), false)
            .map_err(|e| format!("{op}({a:#x}) = {got:#x}: {e}"))
    });
}

fn check_fma(f: F, msub: bool) {
    let op = match (f == F32, msub) {
        (true, false) => Op::MAddF32,
        (true, true) => Op::MSubF32,
        (false, false) => Op::MAddF64,
        (false, true) => Op::MSubF64,
    };
    run(op.name(), |r, mode| {
        let (a, b) = (finite(r, f), finite(r, f));
        // Often an addend that nearly cancels the product.
        let c = if r.below(2) == 0 {
            let p = eval_op(
                float_op(f, Op::MulF32, Op::MulF64),
                &[0, u128::from(a), u128::from(b)],
            ) as u64;
            if f.is_inf(p) {
                finite(r, f)
            } else {
                near(r, f, p) ^ if msub { 0 } else { f.sign() }
            }
        } else {
            finite(r, f)
        };
        let args = [mode_arg(mode), u128::from(a), u128::from(b), u128::from(c)];
        let got = eval_op(op, &args) as u64;
        let c_eff = if msub { c ^ f.sign() } else { c };
        let prod = value(f, a).mul(&value(f, b));
        let exact = prod.add(&value(f, c_eff));
        // Sign of an exact zero: as for a sum, the product's sign standing in
        // for a zero product's.
        let pz = prod.signum() == Ordering::Equal;
        let psign = f.is_neg(a) != f.is_neg(b);
        let zero_neg = if pz && f.is_zero(c_eff) && psign == f.is_neg(c_eff) {
            psign
        } else {
            mode == RoundingMode::Down
        };
        check_rounding(f, mode, got, &|q| exact.cmp(q), exact.signum(), zero_neg)
            .map_err(|e| format!("{op}({a:#x}, {b:#x}, {c:#x}) = {got:#x}: {e}"))
    });
}

#[test]
fn add_sub_f64_all_modes() {
    check_add(F64, false);
    check_add(F64, true);
}

#[test]
fn add_sub_f32_all_modes() {
    check_add(F32, false);
    check_add(F32, true);
}

#[test]
fn mul_all_modes() {
    check_mul(F64);
    check_mul(F32);
}

#[test]
fn div_all_modes() {
    check_div(F64);
    check_div(F32);
}

#[test]
fn sqrt_all_modes() {
    check_sqrt(F64);
    check_sqrt(F32);
}

#[test]
fn fused_multiply_add_all_modes() {
    check_fma(F64, false);
    check_fma(F64, true);
    check_fma(F32, false);
    check_fma(F32, true);
}

#[test]
fn f64_to_f32_all_modes() {
    run("F64toF32", |r, mode| {
        let a = finite(r, F64);
        // Also values that land in f32's subnormal and overflow ranges.
        let a = match r.below(3) {
            0 => {
                let e = 1023 - 150 + r.below(30);
                (a & !(0x7ff << 52)) | (e << 52)
            }
            1 => {
                let e = 1023 + 120 + r.below(10);
                (a & !(0x7ff << 52)) | (e << 52)
            }
            _ => a,
        };
        let got = eval_op(Op::F64toF32, &[mode_arg(mode), u128::from(a)]) as u64;
        let exact = value(F64, a);
        check_rounding(
            F32,
            mode,
            got,
            &|q| exact.cmp(q),
            exact.signum(),
            F64.is_neg(a),
        )
        .map_err(|e| format!("F64toF32({a:#x}) = {got:#x}: {e}"))
    });
}

#[test]
fn int_to_float_all_modes() {
    let ops = [
        (Op::I64StoF64, F64, 64, true),
        (Op::I64UtoF64, F64, 64, false),
        (Op::I32StoF32, F32, 32, true),
        (Op::I32UtoF32, F32, 32, false),
        (Op::I64StoF32, F32, 64, true),
        (Op::I64UtoF32, F32, 64, false),
    ];
    for (op, f, w, signed) in ops {
        run(op.name(), |r, mode| {
            let bits = r.next() >> r.below(64);
            let bits = if w == 32 { bits & 0xffff_ffff } else { bits };
            let v: i128 = if signed {
                if w == 32 {
                    i128::from(bits as u32 as i32)
                } else {
                    i128::from(bits as i64)
                }
            } else {
                i128::from(bits)
            };
            let got = eval_op(op, &[mode_arg(mode), u128::from(bits)]) as u64;
            let exact = Q::int(v);
            check_rounding(f, mode, got, &|q| exact.cmp(q), exact.signum(), false)
                .map_err(|e| format!("{op}({bits:#x}) = {got:#x}: {e}"))
        });
    }
}

/// The integer nearest `x` in `mode` (exact, from the definition).
fn round_int(x: &Q, mode: RoundingMode) -> BigInt {
    let zero = BigInt::from(0);
    let q = &x.n / &x.d; // truncates toward zero
    let rem = &x.n - &q * &x.d;
    let floor = if rem < zero { &q - 1 } else { q.clone() };
    let frac = Q {
        n: &x.n - &floor * &x.d,
        d: x.d.clone(),
    }; // in [0, 1)
    let exact = frac.signum() == Ordering::Equal;
    let ceil = if exact { floor.clone() } else { &floor + 1 };
    match mode {
        RoundingMode::Down => floor,
        RoundingMode::Up => ceil,
        RoundingMode::Zero => {
            if x.signum() == Ordering::Less {
                ceil
            } else {
                floor
            }
        }
        RoundingMode::NearestEven => match frac.cmp(&Q {
            n: BigInt::from(1),
            d: BigInt::from(2),
        }) {
            Ordering::Less => floor,
            Ordering::Greater => ceil,
            Ordering::Equal => {
                if (&floor % 2) == zero {
                    floor
                } else {
                    ceil
                }
            }
        },
    }
}

#[test]
fn float_to_int_all_modes() {
    let ops = [
        (Op::F64toI16S, F64, 16, true),
        (Op::F64toI32S, F64, 32, true),
        (Op::F64toI64S, F64, 64, true),
        (Op::F64toI32U, F64, 32, false),
        (Op::F64toI64U, F64, 64, false),
        (Op::F32toI32S, F32, 32, true),
        (Op::F32toI64S, F32, 64, true),
        (Op::F32toI32U, F32, 32, false),
        (Op::F32toI64U, F32, 64, false),
    ];
    for (op, f, w, signed) in ops {
        run(op.name(), |r, mode| {
            // Magnitudes around the integer range of the result.
            let a = finite(r, f);
            let a = if r.below(2) == 0 {
                let e = f.bias() as u64 + r.below(w + 2);
                (a & !(((1 << f.exp) - 1) << f.frac)) | (e << f.frac)
            } else {
                a
            };
            let got = eval_op(op, &[mode_arg(mode), u128::from(a)]);
            let m = round_int(&value(f, a), mode);
            let (lo, hi) = if signed {
                (
                    -(BigInt::from(1) << (w - 1)),
                    (BigInt::from(1) << (w - 1)) - 1,
                )
            } else {
                (BigInt::from(0), (BigInt::from(1) << w) - 1)
            };
            let mask = (1u128 << w) - 1;
            let want = if m < lo || m > hi {
                if signed { 1u128 << (w - 1) } else { mask }
            } else {
                let m = i128::try_from(m).unwrap();
                (m as u128) & mask
            };
            if got == want {
                Ok(())
            } else {
                Err(format!("{op}({a:#x}) = {got:#x}, want {want:#x}"))
            }
        });
    }
}

#[test]
fn round_to_integral_all_modes() {
    for (op, f) in [(Op::RoundF64toInt, F64), (Op::RoundF32toInt, F32)] {
        run(op.name(), |r, mode| {
            let a = finite(r, f);
            let a = if r.below(2) == 0 {
                let e = f.bias() as u64 - 2 + r.below(u64::from(f.frac) + 4);
                (a & !(((1 << f.exp) - 1) << f.frac)) | (e << f.frac)
            } else {
                a
            };
            let got = eval_op(op, &[mode_arg(mode), u128::from(a)]) as u64;
            let m = round_int(&value(f, a), mode);
            let exact = Q {
                n: m,
                d: BigInt::from(1),
            };
            // An integral result is exact; a zero keeps the operand's sign.
            check_rounding(f, mode, got, &|q| exact.cmp(q), exact.signum(), f.is_neg(a))
                .and_then(|()| {
                    if f.is_inf(got) || value(f, got).cmp(&exact) != Ordering::Equal {
                        Err("not the exact integer".into())
                    } else {
                        Ok(())
                    }
                })
                .map_err(|e| format!("{op}({a:#x}) = {got:#x}: {e}"))
        });
    }
}

#[test]
fn oracle_rejects_a_wrong_rounding() {
    // The oracle itself must be able to fail: 1 + 2^-60 rounded up is not 1.
    let exact = value(F64, 1f64.to_bits()).add(&value(F64, 2f64.powi(-60).to_bits()));
    let ok = check_rounding(
        F64,
        RoundingMode::Up,
        1f64.to_bits(),
        &|q| exact.cmp(q),
        exact.signum(),
        false,
    );
    assert!(ok.is_err());
    let ok = check_rounding(
        F64,
        RoundingMode::Up,
        1f64.to_bits() + 1,
        &|q| exact.cmp(q),
        exact.signum(),
        false,
    );
    assert!(ok.is_ok());
}

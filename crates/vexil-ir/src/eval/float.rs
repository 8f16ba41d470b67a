//! IEEE 754 binary32/binary64 arithmetic with all four rounding modes, on
//! bit patterns.
//!
//! Rust's float operators only round to nearest-even, and the guests' IR
//! asks for any of the four modes. Every operation here first computes the
//! *exact* result as an integer significand, an exponent and a sticky bit
//! (set when nonzero bits were dropped below the significand), then rounds
//! it once with [`round`]. That is a small integer soft-float rather than a
//! chain of error-free transformations on host floats: the latter need
//! separate scaling cases near underflow and overflow and have no simple
//! exact form for the fused multiply-add, while one rounding function for
//! every operation and both formats is easy to check exhaustively against
//! exact rational arithmetic (tests/eval_float.rs does).
//!
//! Round-to-nearest add/sub/mul/div/sqrt, by far the most common, take a
//! fast path through the host's correctly rounded operators; the tests check
//! that it agrees with the soft path bit for bit.
//!
//! NaN results are made deterministic (host and compile-time float NaNs are
//! not) and follow x86 SSE, the architecture VEX was built around: a NaN
//! operand makes the result the first NaN operand, quieted; an invalid
//! operation (`inf - inf`, `0 * inf`, `0/0`, `sqrt(-1)`) gives the negative
//! "default NaN" (`0xFFC00000` / `0xFFF8000000000000`). Other
//! architectures' NaN rules (ARM's default-NaN mode, MIPS legacy NaNs) are
//! the lifter's to express.

use std::cmp::Ordering;

/// An IEEE rounding mode, as encoded in the IR's `I32` rounding-mode
/// argument (VEX's `IRRoundingMode`). Only the low two bits are used.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RoundingMode {
    /// 0: to nearest, ties to even.
    NearestEven,
    /// 1: toward negative infinity.
    Down,
    /// 2: toward positive infinity.
    Up,
    /// 3: toward zero.
    Zero,
}

impl RoundingMode {
    /// Every mode, in encoding order.
    pub const ALL: [RoundingMode; 4] = [
        RoundingMode::NearestEven,
        RoundingMode::Down,
        RoundingMode::Up,
        RoundingMode::Zero,
    ];

    /// Decodes the IR encoding (low two bits).
    pub const fn from_ir(v: u128) -> RoundingMode {
        match v & 3 {
            0 => RoundingMode::NearestEven,
            1 => RoundingMode::Down,
            2 => RoundingMode::Up,
            _ => RoundingMode::Zero,
        }
    }

    /// The IR encoding.
    pub const fn to_ir(self) -> u32 {
        self as u32
    }

    /// True if a value with sign `neg` whose dropped part is nonzero rounds
    /// away from zero, given the round bit `rb`, the sticky bit `st` and the
    /// parity of the kept part.
    const fn increments(self, neg: bool, odd: bool, rb: bool, st: bool) -> bool {
        match self {
            RoundingMode::NearestEven => rb && (st || odd),
            RoundingMode::Down => neg && (rb || st),
            RoundingMode::Up => !neg && (rb || st),
            RoundingMode::Zero => false,
        }
    }
}

/// A binary interchange format.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fmt {
    /// binary32.
    F32,
    /// binary64.
    F64,
}

impl Fmt {
    const fn frac_bits(self) -> u32 {
        match self {
            Fmt::F32 => 23,
            Fmt::F64 => 52,
        }
    }
    const fn exp_bits(self) -> u32 {
        match self {
            Fmt::F32 => 8,
            Fmt::F64 => 11,
        }
    }
    /// Precision in bits, including the implicit one.
    const fn prec(self) -> i32 {
        match self {
            Fmt::F32 => 24,
            Fmt::F64 => 53,
        }
    }
    const fn bias(self) -> i32 {
        (1 << (self.exp_bits() - 1)) - 1
    }
    const fn emin(self) -> i32 {
        1 - self.bias()
    }
    const fn sign_bit(self) -> u64 {
        1 << (self.exp_bits() + self.frac_bits())
    }
    const fn frac_mask(self) -> u64 {
        (1 << self.frac_bits()) - 1
    }
    const fn exp_field(self) -> u64 {
        ((1 << self.exp_bits()) - 1) << self.frac_bits()
    }
    const fn quiet_bit(self) -> u64 {
        1 << (self.frac_bits() - 1)
    }
    /// The signed zero.
    const fn zero(self, neg: bool) -> u64 {
        if neg { self.sign_bit() } else { 0 }
    }
    /// The signed infinity.
    const fn inf(self, neg: bool) -> u64 {
        self.zero(neg) | self.exp_field()
    }
    /// The largest finite value with the given sign.
    const fn max_finite(self, neg: bool) -> u64 {
        self.inf(neg) - 1
    }
    /// x86's "QNaN floating-point indefinite".
    pub const fn default_nan(self) -> u64 {
        self.sign_bit() | self.exp_field() | self.quiet_bit()
    }
    /// True for any NaN.
    pub const fn is_nan(self, x: u64) -> bool {
        x & self.exp_field() == self.exp_field() && x & self.frac_mask() != 0
    }
    /// True for a signalling NaN.
    pub const fn is_snan(self, x: u64) -> bool {
        self.is_nan(x) && x & self.quiet_bit() == 0
    }
    /// The NaN with its quiet bit set.
    pub const fn quiet(self, x: u64) -> u64 {
        x | self.quiet_bit()
    }
    const fn is_neg(self, x: u64) -> bool {
        x & self.sign_bit() != 0
    }
    const fn abs(self, x: u64) -> u64 {
        x & !self.sign_bit()
    }
}

/// A decoded value. Finite nonzero values are `sig * 2^exp`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Class {
    Nan,
    Inf,
    Zero,
    Finite { sig: u128, exp: i32 },
}

fn unpack(f: Fmt, x: u64) -> (bool, Class) {
    let neg = f.is_neg(x);
    let frac = x & f.frac_mask();
    let e = (x & f.exp_field()) >> f.frac_bits();
    let emax_field = (1u64 << f.exp_bits()) - 1;
    let class = if e == emax_field {
        if frac == 0 { Class::Inf } else { Class::Nan }
    } else if e == 0 {
        if frac == 0 {
            Class::Zero
        } else {
            Class::Finite {
                sig: u128::from(frac),
                exp: f.emin() - (f.prec() - 1),
            }
        }
    } else {
        // e < 2^11, so it fits an i32.
        let e = i32::try_from(e).unwrap_or(0);
        Class::Finite {
            sig: u128::from(frac | (1 << f.frac_bits())),
            exp: e - f.bias() - (f.prec() - 1),
        }
    };
    (neg, class)
}

fn bit_len(x: u128) -> i32 {
    // At most 128: always fits.
    i32::try_from(128 - x.leading_zeros()).unwrap_or(128)
}

/// `x >> s` for any `s >= 0` (0 once everything is shifted out), the bit
/// just below the kept part, and whether anything below that is nonzero.
fn shift_right_bits(x: u128, s: i32) -> (u128, bool, bool) {
    match u32::try_from(s) {
        Ok(0) | Err(_) => (x, false, false),
        Ok(s) if s > 128 => (0, false, x != 0),
        Ok(s) => {
            let kept = x.checked_shr(s).unwrap_or(0);
            let rb = (x >> (s - 1)) & 1 == 1;
            let below = x & ((1u128 << (s - 1)) - 1) != 0;
            (kept, rb, below)
        }
    }
}

/// Rounds the exact value `(-1)^neg * (sig + d) * 2^exp` to format `f`, where
/// `d` is 0 if `sticky` is clear and strictly between 0 and 1 otherwise.
///
/// Callers that set `sticky` provide at least `prec + 2` significant bits in
/// `sig`, so the unknown part lies strictly below the round bit.
fn round(f: Fmt, mode: RoundingMode, neg: bool, sig: u128, exp: i32, sticky: bool) -> u64 {
    if sig == 0 && !sticky {
        return f.zero(neg);
    }
    let p = f.prec();
    let top = exp + bit_len(sig) - 1;
    // Quantum (weight of the last significand bit) of the result: that of a
    // normal number with this leading bit, or the subnormal quantum.
    let qmin = f.emin() - (p - 1);
    let mut lsb = (top - (p - 1)).max(qmin);
    let (mut kept, rb, st) = if lsb > exp {
        let (kept, rb, below) = shift_right_bits(sig, lsb - exp);
        (kept, rb, below || sticky)
    } else {
        // Exact: fewer than p bits above the quantum. (A sticky bit here
        // would break the caller's contract; treat it as below the round bit.)
        let sh = u32::try_from(exp - lsb).unwrap_or(0);
        (sig.checked_shl(sh).unwrap_or(0), false, sticky)
    };
    if mode.increments(neg, kept & 1 == 1, rb, st) {
        kept += 1;
        if kept >> p != 0 {
            kept >>= 1;
            lsb += 1;
        }
    }
    if kept == 0 {
        return f.zero(neg);
    }
    let sign = f.zero(neg);
    if kept < 1u128 << (p - 1) {
        // Subnormal (only possible at the subnormal quantum).
        return sign | u64::try_from(kept).unwrap_or(0);
    }
    let e = lsb + p - 1;
    if e > f.bias() {
        let to_inf = match mode {
            RoundingMode::NearestEven => true,
            RoundingMode::Down => neg,
            RoundingMode::Up => !neg,
            RoundingMode::Zero => false,
        };
        return if to_inf {
            f.inf(neg)
        } else {
            f.max_finite(neg)
        };
    }
    let biased = u64::try_from(e + f.bias()).unwrap_or(0);
    let frac = u64::try_from(kept).unwrap_or(0) & f.frac_mask();
    sign | (biased << f.frac_bits()) | frac
}

/// The first NaN among `xs`, quieted.
fn propagate_nan(f: Fmt, xs: &[u64]) -> Option<u64> {
    xs.iter().find(|&&x| f.is_nan(x)).map(|&x| f.quiet(x))
}

/// Exact sum of two nonzero finite values, each `sig * 2^exp` with at most
/// 106 significant bits, rounded once.
fn add_finite(
    f: Fmt,
    mode: RoundingMode,
    (an, asig, aexp): (bool, u128, i32),
    (bn, bsig, bexp): (bool, u128, i32),
) -> u64 {
    // X: the operand whose leading bit is higher; put its leading bit at
    // bit 125 (room for the carry of a sum). Y is aligned to X's exponent.
    let (x, y) = if aexp + bit_len(asig) >= bexp + bit_len(bsig) {
        ((an, asig, aexp), (bn, bsig, bexp))
    } else {
        ((bn, bsig, bexp), (an, asig, aexp))
    };
    let up = 126 - bit_len(x.1);
    let xs = x.1 << up;
    let xe = x.2 - up;
    let d = xe - y.2;
    let (ys, st) = if d <= 0 {
        // Y's leading bit is not above X's, so this stays below bit 126.
        (y.1 << (-d), false)
    } else {
        let (kept, rb, below) = shift_right_bits(y.1, d);
        (kept, rb || below)
    };
    if x.0 == y.0 {
        return round(f, mode, x.0, xs + ys, xe, st);
    }
    match ys.cmp(&xs) {
        Ordering::Greater => round(f, mode, y.0, ys - xs, xe, st),
        Ordering::Equal if st => round(f, mode, y.0, 0, xe, true),
        // Exact cancellation: +0, or -0 when rounding down.
        Ordering::Equal => f.zero(mode == RoundingMode::Down),
        // |X| - (ys + d) = (xs - ys - 1) + (1 - d) when d is nonzero.
        Ordering::Less => round(f, mode, x.0, xs - ys - u128::from(st), xe, st),
    }
}

/// `a + b`.
pub fn add(f: Fmt, mode: RoundingMode, a: u64, b: u64) -> u64 {
    if let Some(n) = propagate_nan(f, &[a, b]) {
        return n;
    }
    if mode == RoundingMode::NearestEven {
        return hw(f, a, b, |x, y| x + y, |x, y| x + y);
    }
    add_soft(f, mode, a, b)
}

/// `a - b`.
pub fn sub(f: Fmt, mode: RoundingMode, a: u64, b: u64) -> u64 {
    if let Some(n) = propagate_nan(f, &[a, b]) {
        return n;
    }
    add(f, mode, a, b ^ f.sign_bit())
}

pub(crate) fn add_soft(f: Fmt, mode: RoundingMode, a: u64, b: u64) -> u64 {
    if let Some(n) = propagate_nan(f, &[a, b]) {
        return n;
    }
    let (an, ac) = unpack(f, a);
    let (bn, bc) = unpack(f, b);
    match (ac, bc) {
        (Class::Inf, Class::Inf) if an != bn => f.default_nan(),
        (Class::Inf, _) => a,
        (_, Class::Inf) => b,
        (Class::Zero, Class::Zero) => {
            // Equal signs keep it; opposite signs give +0 except rounding down.
            if an == bn {
                a
            } else {
                f.zero(mode == RoundingMode::Down)
            }
        }
        (Class::Zero, _) => b,
        (_, Class::Zero) => a,
        (
            Class::Finite {
                sig: asig,
                exp: aexp,
            },
            Class::Finite {
                sig: bsig,
                exp: bexp,
            },
        ) => add_finite(f, mode, (an, asig, aexp), (bn, bsig, bexp)),
        _ => f.default_nan(),
    }
}

/// `a * b`.
pub fn mul(f: Fmt, mode: RoundingMode, a: u64, b: u64) -> u64 {
    if let Some(n) = propagate_nan(f, &[a, b]) {
        return n;
    }
    if mode == RoundingMode::NearestEven {
        return hw(f, a, b, |x, y| x * y, |x, y| x * y);
    }
    mul_soft(f, mode, a, b)
}

pub(crate) fn mul_soft(f: Fmt, mode: RoundingMode, a: u64, b: u64) -> u64 {
    if let Some(n) = propagate_nan(f, &[a, b]) {
        return n;
    }
    let (an, ac) = unpack(f, a);
    let (bn, bc) = unpack(f, b);
    let neg = an != bn;
    match (ac, bc) {
        (Class::Inf, Class::Zero) | (Class::Zero, Class::Inf) => f.default_nan(),
        (Class::Inf, _) | (_, Class::Inf) => f.inf(neg),
        (Class::Zero, _) | (_, Class::Zero) => f.zero(neg),
        (
            Class::Finite {
                sig: asig,
                exp: aexp,
            },
            Class::Finite {
                sig: bsig,
                exp: bexp,
            },
        ) => round(f, mode, neg, asig * bsig, aexp + bexp, false),
        _ => f.default_nan(),
    }
}

/// `a / b`.
pub fn div(f: Fmt, mode: RoundingMode, a: u64, b: u64) -> u64 {
    if let Some(n) = propagate_nan(f, &[a, b]) {
        return n;
    }
    if mode == RoundingMode::NearestEven {
        return hw(f, a, b, |x, y| x / y, |x, y| x / y);
    }
    div_soft(f, mode, a, b)
}

/// Shifts a nonzero significand left so that its leading bit is bit `to`.
fn normalize(sig: u128, exp: i32, to: i32) -> (u128, i32) {
    let up = to + 1 - bit_len(sig);
    if up >= 0 {
        (sig << up, exp - up)
    } else {
        (sig >> (-up), exp - up)
    }
}

pub(crate) fn div_soft(f: Fmt, mode: RoundingMode, a: u64, b: u64) -> u64 {
    if let Some(n) = propagate_nan(f, &[a, b]) {
        return n;
    }
    let (an, ac) = unpack(f, a);
    let (bn, bc) = unpack(f, b);
    let neg = an != bn;
    match (ac, bc) {
        (Class::Inf, Class::Inf) | (Class::Zero, Class::Zero) => f.default_nan(),
        (Class::Inf, _) | (_, Class::Zero) => f.inf(neg),
        (Class::Zero, _) | (_, Class::Inf) => f.zero(neg),
        (
            Class::Finite {
                sig: asig,
                exp: aexp,
            },
            Class::Finite {
                sig: bsig,
                exp: bexp,
            },
        ) => {
            // Both significands to 53 bits (a subnormal's may be shorter),
            // then a 127-bit dividend: the quotient has at least 74 bits,
            // comfortably more than prec + 2.
            let (asig, aexp) = normalize(asig, aexp, 52);
            let (bsig, bexp) = normalize(bsig, bexp, 52);
            let num = asig << 74;
            let q = num / bsig;
            let r = num % bsig;
            round(f, mode, neg, q, aexp - bexp - 74, r != 0)
        }
        _ => f.default_nan(),
    }
}

/// `sqrt(a)`.
pub fn sqrt(f: Fmt, mode: RoundingMode, a: u64) -> u64 {
    if f.is_nan(a) {
        return f.quiet(a);
    }
    if mode == RoundingMode::NearestEven {
        let r = match f {
            Fmt::F32 => u64::from(f32::from_bits(low32(a)).sqrt().to_bits()),
            Fmt::F64 => f64::from_bits(a).sqrt().to_bits(),
        };
        return if f.is_nan(r) { f.default_nan() } else { r };
    }
    sqrt_soft(f, mode, a)
}

pub(crate) fn sqrt_soft(f: Fmt, mode: RoundingMode, a: u64) -> u64 {
    if f.is_nan(a) {
        return f.quiet(a);
    }
    match unpack(f, a) {
        (_, Class::Zero) => a,
        (true, _) => f.default_nan(),
        (false, Class::Inf) => a,
        (false, Class::Finite { sig, exp }) => {
            // Leading bit at 124 or 125 so that the exponent is even; the
            // integer square root then has 63 bits.
            let (mut m, mut e) = normalize(sig, exp, 124);
            if e % 2 != 0 {
                m <<= 1;
                e -= 1;
            }
            let r = m.isqrt();
            round(f, mode, false, r, e / 2, r * r != m)
        }
        (false, Class::Nan) => f.default_nan(),
    }
}

/// `a * b + c`, rounded once.
pub fn fma(f: Fmt, mode: RoundingMode, a: u64, b: u64, c: u64) -> u64 {
    if let Some(n) = propagate_nan(f, &[a, b, c]) {
        return n;
    }
    let (an, ac) = unpack(f, a);
    let (bn, bc) = unpack(f, b);
    let (cn, cc) = unpack(f, c);
    let pn = an != bn;
    let product = match (ac, bc) {
        (Class::Inf, Class::Zero) | (Class::Zero, Class::Inf) => return f.default_nan(),
        (Class::Inf, _) | (_, Class::Inf) => Class::Inf,
        (Class::Zero, _) | (_, Class::Zero) => Class::Zero,
        (
            Class::Finite {
                sig: asig,
                exp: aexp,
            },
            Class::Finite {
                sig: bsig,
                exp: bexp,
            },
        ) => Class::Finite {
            sig: asig * bsig,
            exp: aexp + bexp,
        },
        _ => return f.default_nan(),
    };
    match (product, cc) {
        (Class::Inf, Class::Inf) if pn != cn => f.default_nan(),
        (Class::Inf, _) => f.inf(pn),
        (_, Class::Inf) => c,
        (Class::Zero, Class::Zero) => {
            if pn == cn {
                c
            } else {
                f.zero(mode == RoundingMode::Down)
            }
        }
        (Class::Zero, _) => c,
        (Class::Finite { sig, exp }, Class::Zero) => round(f, mode, pn, sig, exp, false),
        (
            Class::Finite { sig, exp },
            Class::Finite {
                sig: csig,
                exp: cexp,
            },
        ) => add_finite(f, mode, (pn, sig, exp), (cn, csig, cexp)),
        _ => f.default_nan(),
    }
}

/// `a * b - c`, rounded once (a NaN `c` propagates unnegated).
pub fn fms(f: Fmt, mode: RoundingMode, a: u64, b: u64, c: u64) -> u64 {
    if let Some(n) = propagate_nan(f, &[a, b, c]) {
        return n;
    }
    fma(f, mode, a, b, c ^ f.sign_bit())
}

fn low32(x: u64) -> u32 {
    u32::try_from(x & 0xffff_ffff).unwrap_or(0)
}

/// The host's round-to-nearest operation on non-NaN operands, with an
/// invalid-operation NaN replaced by the default NaN.
fn hw(f: Fmt, a: u64, b: u64, op32: fn(f32, f32) -> f32, op64: fn(f64, f64) -> f64) -> u64 {
    let r = match f {
        Fmt::F32 => u64::from(op32(f32::from_bits(low32(a)), f32::from_bits(low32(b))).to_bits()),
        Fmt::F64 => op64(f64::from_bits(a), f64::from_bits(b)).to_bits(),
    };
    if f.is_nan(r) { f.default_nan() } else { r }
}

/// `-a` (sign flip, NaNs included, as x86 `xorps` and ARM `fneg` do).
pub fn neg(f: Fmt, a: u64) -> u64 {
    a ^ f.sign_bit()
}

/// `|a|` (sign cleared).
pub fn abs(f: Fmt, a: u64) -> u64 {
    f.abs(a)
}

/// Rounds a finite value to an integer magnitude: `(magnitude, exact)`, or
/// `None` if it has more than 128 bits (then it is out of every range).
fn round_to_integer(mode: RoundingMode, neg: bool, sig: u128, exp: i32) -> Option<(u128, bool)> {
    if exp >= 0 {
        if bit_len(sig) + exp > 128 {
            return None;
        }
        return Some((sig << exp, true));
    }
    let (kept, rb, st) = shift_right_bits(sig, -exp);
    let m = kept + u128::from(mode.increments(neg, kept & 1 == 1, rb, st));
    Some((m, !rb && !st))
}

/// Float to integer of `width` bits (signed or unsigned), rounding with
/// `mode`. NaN and out-of-range values give x86's "integer indefinite":
/// the minimum signed value, or all ones for unsigned results.
pub fn to_int(f: Fmt, mode: RoundingMode, a: u64, signed: bool, width: u32) -> u128 {
    let mask = if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    let indefinite = if signed { 1u128 << (width - 1) } else { mask };
    let (neg, class) = unpack(f, a);
    let (sig, exp) = match class {
        Class::Zero => return 0,
        Class::Nan | Class::Inf => return indefinite,
        Class::Finite { sig, exp } => (sig, exp),
    };
    let Some((m, _)) = round_to_integer(mode, neg, sig, exp) else {
        return indefinite;
    };
    let limit = match (signed, neg) {
        (true, false) => (1u128 << (width - 1)) - 1,
        (true, true) => 1u128 << (width - 1),
        (false, false) => mask,
        (false, true) => 0,
    };
    if m > limit {
        return indefinite;
    }
    if neg { m.wrapping_neg() & mask } else { m }
}

/// Rounds to an integral value in the same format (`frndint`, `roundsd`).
pub fn round_to_integral(f: Fmt, mode: RoundingMode, a: u64) -> u64 {
    let (neg, class) = unpack(f, a);
    match class {
        Class::Nan => f.quiet(a),
        Class::Inf | Class::Zero => a,
        Class::Finite { sig, exp } => {
            if exp >= 0 {
                return a;
            }
            match round_to_integer(mode, neg, sig, exp) {
                // The magnitude is at most 2^prec: exact in the format.
                Some((m, _)) => round(f, mode, neg, m, 0, false),
                None => a,
            }
        }
    }
}

/// An integer (sign and magnitude) to float, rounding with `mode`.
pub fn from_int(f: Fmt, mode: RoundingMode, neg: bool, magnitude: u128) -> u64 {
    if magnitude == 0 {
        return 0;
    }
    round(f, mode, neg, magnitude, 0, false)
}

/// binary64 to binary32, rounding with `mode`. NaNs keep their sign and
/// the top of their payload, quieted.
pub fn f64_to_f32(mode: RoundingMode, a: u64) -> u64 {
    let (neg, class) = unpack(Fmt::F64, a);
    match class {
        Class::Nan => {
            let payload = (a & Fmt::F64.frac_mask()) >> 29;
            Fmt::F32.quiet(Fmt::F32.inf(neg) | payload)
        }
        Class::Inf => Fmt::F32.inf(neg),
        Class::Zero => Fmt::F32.zero(neg),
        Class::Finite { sig, exp } => round(Fmt::F32, mode, neg, sig, exp, false),
    }
}

/// binary32 to binary64 (exact). NaNs keep sign and payload, quieted.
pub fn f32_to_f64(a: u64) -> u64 {
    let (neg, class) = unpack(Fmt::F32, a);
    match class {
        Class::Nan => {
            let payload = (a & Fmt::F32.frac_mask()) << 29;
            Fmt::F64.quiet(Fmt::F64.inf(neg) | payload)
        }
        Class::Inf => Fmt::F64.inf(neg),
        Class::Zero => Fmt::F64.zero(neg),
        Class::Finite { sig, exp } => {
            round(Fmt::F64, RoundingMode::NearestEven, neg, sig, exp, false)
        }
    }
}

/// IEEE 754-2008 maxNum (`max == true`) or minNum: a quiet NaN operand
/// yields the other operand; a signalling NaN gives the first NaN, quieted.
/// `-0` counts as less than `+0`.
pub fn max_min_num(f: Fmt, a: u64, b: u64, max: bool) -> u64 {
    let (an, bn) = (f.is_nan(a), f.is_nan(b));
    if an || bn {
        if f.is_snan(a) || f.is_snan(b) {
            return propagate_nan(f, &[a, b]).unwrap_or(a);
        }
        return match (an, bn) {
            (true, false) => b,
            (false, true) => a,
            _ => f.quiet(a),
        };
    }
    let ord = total_cmp_non_nan(f, a, b);
    let a_wins = if max {
        ord != Ordering::Less
    } else {
        ord != Ordering::Greater
    };
    if a_wins { a } else { b }
}

/// Orders two non-NaN values, with `-0 < +0`.
fn total_cmp_non_nan(f: Fmt, a: u64, b: u64) -> Ordering {
    let key = |x: u64| -> i128 {
        let m = i128::from(f.abs(x));
        if f.is_neg(x) { -m - 1 } else { m }
    };
    key(a).cmp(&key(b))
}

/// IEEE comparison: `None` if unordered, `+0 == -0`.
pub fn compare(f: Fmt, a: u64, b: u64) -> Option<Ordering> {
    match f {
        Fmt::F32 => f32::from_bits(low32(a)).partial_cmp(&f32::from_bits(low32(b))),
        Fmt::F64 => f64::from_bits(a).partial_cmp(&f64::from_bits(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RoundingMode::*;

    fn d(x: f64) -> u64 {
        x.to_bits()
    }

    #[test]
    fn directed_add_steps_one_ulp() {
        let one = d(1.0);
        let tiny = d(2f64.powi(-60));
        assert_eq!(add(Fmt::F64, NearestEven, one, tiny), one);
        assert_eq!(add(Fmt::F64, Down, one, tiny), one);
        assert_eq!(add(Fmt::F64, Zero, one, tiny), one);
        assert_eq!(add(Fmt::F64, Up, one, tiny), d(1.0f64.next_up()));
        let mone = d(-1.0);
        assert_eq!(
            add(Fmt::F64, Down, mone, d(-(2f64.powi(-60)))),
            d((-1.0f64).next_down())
        );
    }

    #[test]
    fn overflow_by_mode() {
        let max = d(f64::MAX);
        assert_eq!(add(Fmt::F64, NearestEven, max, max), d(f64::INFINITY));
        assert_eq!(add(Fmt::F64, Zero, max, max), max);
        assert_eq!(add(Fmt::F64, Down, max, max), max);
        assert_eq!(
            add(Fmt::F64, Down, d(-f64::MAX), d(-f64::MAX)),
            d(f64::NEG_INFINITY)
        );
        assert_eq!(add(Fmt::F64, Up, d(-f64::MAX), d(-f64::MAX)), d(-f64::MAX));
    }

    #[test]
    fn exact_cancellation_sign() {
        assert_eq!(sub(Fmt::F64, NearestEven, d(1.5), d(1.5)), d(0.0));
        assert_eq!(sub(Fmt::F64, Down, d(1.5), d(1.5)), d(-0.0));
        assert_eq!(add(Fmt::F64, Down, d(0.0), d(-0.0)), d(-0.0));
        assert_eq!(add(Fmt::F64, Up, d(0.0), d(-0.0)), d(0.0));
        assert_eq!(add(Fmt::F64, Up, d(-0.0), d(-0.0)), d(-0.0));
    }

    #[test]
    fn subnormal_results() {
        let min = d(f64::from_bits(1));
        assert_eq!(mul(Fmt::F64, Up, min, d(0.5)), min);
        assert_eq!(mul(Fmt::F64, Down, min, d(0.5)), 0);
        assert_eq!(mul(Fmt::F64, NearestEven, min, d(0.5)), 0); // tie to even
        assert_eq!(mul(Fmt::F64, NearestEven, min, d(0.75)), min);
    }

    #[test]
    fn nan_rules() {
        let qa = d(f64::from_bits(0x7ff8_0000_0000_0001));
        let sb = 0x7ff0_0000_0000_0002;
        assert_eq!(add(Fmt::F64, Down, qa, sb), qa);
        assert_eq!(add(Fmt::F64, Down, d(1.0), sb), 0x7ff8_0000_0000_0002);
        assert_eq!(
            add(Fmt::F64, Down, d(f64::INFINITY), d(f64::NEG_INFINITY)),
            0xfff8_0000_0000_0000
        );
        assert_eq!(sqrt(Fmt::F64, NearestEven, d(-1.0)), 0xfff8_0000_0000_0000);
        assert_eq!(sqrt(Fmt::F64, Up, d(-0.0)), d(-0.0));
    }

    #[test]
    fn to_int_indefinite_and_modes() {
        assert_eq!(to_int(Fmt::F64, NearestEven, d(2.5), true, 32), 2);
        assert_eq!(to_int(Fmt::F64, NearestEven, d(3.5), true, 32), 4);
        assert_eq!(to_int(Fmt::F64, Down, d(-2.5), true, 32), 0xffff_fffd);
        assert_eq!(to_int(Fmt::F64, Up, d(-2.5), true, 32), 0xffff_fffe);
        assert_eq!(
            to_int(Fmt::F64, Zero, d(2147483647.9), true, 32),
            0x7fff_ffff
        );
        assert_eq!(
            to_int(Fmt::F64, NearestEven, d(2147483647.9), true, 32),
            0x8000_0000
        );
        assert_eq!(
            to_int(Fmt::F64, Zero, d(-2147483648.9), true, 32),
            0x8000_0000
        );
        assert_eq!(to_int(Fmt::F64, Zero, d(f64::NAN), true, 64), 1 << 63);
        assert_eq!(to_int(Fmt::F64, Zero, d(-1.0), false, 32), 0xffff_ffff);
        assert_eq!(to_int(Fmt::F64, Zero, d(-0.9), false, 32), 0);
        assert_eq!(
            to_int(Fmt::F64, Zero, d(4294967295.0), false, 32),
            0xffff_ffff
        );
        assert_eq!(
            to_int(Fmt::F64, Zero, d(1e300), false, 64),
            u128::from(u64::MAX)
        );
    }

    /// Random bit patterns biased toward special values and near-equal
    /// magnitudes.
    fn sample(state: &mut u64, f: Fmt) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let r = *state;
        let bits = match f {
            Fmt::F32 => r & 0xffff_ffff,
            Fmt::F64 => r,
        };
        match r % 16 {
            0 => f.inf(r & 2 != 0),
            1 => f.zero(r & 2 != 0),
            2 => bits & (f.sign_bit() | f.frac_mask()), // subnormal
            3 => f.default_nan() ^ (bits & 0xf),
            4 => f.max_finite(r & 2 != 0) ^ (bits & 0xff),
            _ => bits,
        }
    }

    #[test]
    fn soft_round_to_nearest_matches_the_host() {
        // The fast path uses the host's operators; the soft path must agree
        // bit for bit (including invalid-operation NaNs).
        let mut st = 0x1234_5678_9abc_def1u64;
        for f in [Fmt::F32, Fmt::F64] {
            for _ in 0..200_000 {
                let (a, b) = (sample(&mut st, f), sample(&mut st, f));
                // Near-equal magnitudes for cancellation, half the time.
                let b = if st & 1 == 0 {
                    b
                } else {
                    (a ^ f.sign_bit()) ^ (b & 0x7)
                };
                assert_eq!(
                    add(f, NearestEven, a, b),
                    add_soft(f, NearestEven, a, b),
                    "{f:?} add {a:#x} {b:#x}"
                );
                assert_eq!(
                    mul(f, NearestEven, a, b),
                    mul_soft(f, NearestEven, a, b),
                    "{f:?} mul {a:#x} {b:#x}"
                );
                assert_eq!(
                    div(f, NearestEven, a, b),
                    div_soft(f, NearestEven, a, b),
                    "{f:?} div {a:#x} {b:#x}"
                );
                assert_eq!(
                    sqrt(f, NearestEven, a),
                    sqrt_soft(f, NearestEven, a),
                    "{f:?} sqrt {a:#x}"
                );
            }
        }
    }

    #[test]
    fn fma_round_to_nearest_matches_the_host() {
        let mut st = 0x0fed_cba9_8765_4321u64;
        for _ in 0..100_000 {
            let (a, b, c) = (
                sample(&mut st, Fmt::F64),
                sample(&mut st, Fmt::F64),
                sample(&mut st, Fmt::F64),
            );
            let host = f64::from_bits(a).mul_add(f64::from_bits(b), f64::from_bits(c));
            let ours = fma(Fmt::F64, NearestEven, a, b, c);
            if host.is_nan() {
                assert!(Fmt::F64.is_nan(ours), "fma {a:#x} {b:#x} {c:#x}");
            } else {
                assert_eq!(ours, host.to_bits(), "fma {a:#x} {b:#x} {c:#x}");
            }
        }
    }
}

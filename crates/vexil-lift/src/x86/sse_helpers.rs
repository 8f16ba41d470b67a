//! SSE4.2 implicit-length string compare (`pcmpistri`): lifted as one pure
//! helper call over the two 128-bit operands, since its aggregation modes
//! would be dozens of IR operations each.

use super::bits::lo64;
use super::flags::{CF, OF, SF, ZF};
use super::lift::{Flow, Lifter, R, Unsupported};
use super::sse::{read_vec, vreg};
use crate::helpers::HelperFn;
use vexil_ir::{Atom, Op, Type};

/// The vector helper named `name`.
pub(crate) fn pure(name: &str) -> Option<HelperFn> {
    match name {
        "x86g_pcmpistri" => Some(pcmpistri_helper),
        "x86g_ternlog" => Some(super::avx512::ternlog_helper),
        _ => None,
    }
}

/// `pcmpistri xmm1, xmm2/m128, imm8`: index into ECX, flags.
pub(crate) fn pcmpistri(lf: &mut Lifter) -> R<Flow> {
    let (n, _) = vreg(lf.i.op0_register()).ok_or(Unsupported)?;
    let a = lf.vget(n, 0)?;
    let b = read_vec(lf, 1, 16, 16)?.p[0];
    let imm = lf.i.try_immediate(2).map_err(|_| Unsupported)? & 0xff;
    let alo = lf.un(Op::V128to64, a);
    let ahi = lf.un(Op::V128HIto64, a);
    let blo = lf.un(Op::V128to64, b);
    let bhi = lf.un(Op::V128HIto64, b);
    let r = lf.b.ccall(
        "x86g_pcmpistri",
        Type::I64,
        &[alo, ahi, blo, bhi, Atom::u64(imm)],
    );
    let idx = lf.bin(Op::And64, r, Atom::u64(0xffff));
    let idx = lf.un(Op::I64to32, idx);
    lf.put_gpr(super::int::RCX, idx);
    let f = lf.bin(Op::Shr64, r, Atom::u8(16));
    lf.set_flags_word(f);
    Ok(Flow::Next)
}

fn elem(v: u128, i: usize, words: bool, signed: bool) -> i64 {
    let bits: u32 = if words { 16 } else { 8 };
    let x = lo64(v >> (bits as usize * i)) & super::bits::mask(bits);
    if signed {
        super::bits::as_signed(super::bits::sext(x, bits))
    } else {
        super::bits::as_signed(x)
    }
}

/// The reference semantics: `(a_lo, a_hi, b_lo, b_hi, imm)` to
/// `index | flags << 16`.
fn pcmpistri_helper(args: &[u128]) -> u128 {
    let g = |i: usize| args.get(i).copied().map_or(0, lo64);
    let a = u128::from(g(0)) | (u128::from(g(1)) << 64);
    let b = u128::from(g(2)) | (u128::from(g(3)) << 64);
    let imm = g(4);
    u128::from(pcmpistr(a, b, imm).0)
}

/// Index and flags of an implicit-length string compare.
pub(crate) fn pcmpistr(a: u128, b: u128, imm: u64) -> (u64, u16) {
    let words = imm & 1 != 0;
    let signed = imm & 2 != 0;
    let n = if words { 8 } else { 16 };
    let ea = |i| elem(a, i, words, signed);
    let eb = |i| elem(b, i, words, signed);
    let la = (0..n).find(|&i| ea(i) == 0).unwrap_or(n);
    let lb = (0..n).find(|&i| eb(i) == 0).unwrap_or(n);
    let mut res1 = 0u32;
    match (imm >> 2) & 3 {
        0 => {
            for j in 0..lb {
                if (0..la).any(|i| ea(i) == eb(j)) {
                    res1 |= 1 << j;
                }
            }
        }
        1 => {
            for j in 0..lb {
                let hit = (0..la / 2).any(|p| ea(2 * p) <= eb(j) && eb(j) <= ea(2 * p + 1));
                if hit {
                    res1 |= 1 << j;
                }
            }
        }
        2 => {
            for j in 0..n {
                let bit = match (j < la, j < lb) {
                    (true, true) => ea(j) == eb(j),
                    (false, false) => true,
                    _ => false,
                };
                if bit {
                    res1 |= 1 << j;
                }
            }
        }
        _ => {
            for j in 0..n {
                let mut ok = true;
                for i in 0..n - j {
                    let k = i + j;
                    let bit = match (i < la, k < lb) {
                        (false, _) => true,
                        (true, false) => false,
                        (true, true) => ea(i) == eb(k),
                    };
                    ok &= bit;
                }
                if ok {
                    res1 |= 1 << j;
                }
            }
        }
    }
    let full = (1u32 << n) - 1;
    let res2 = match (imm >> 4) & 3 {
        1 => !res1 & full,
        3 => res1 ^ ((1u32 << lb) - 1),
        _ => res1,
    };
    let idx = if res2 == 0 {
        u64::try_from(n).unwrap_or(16)
    } else if imm & 0x40 != 0 {
        u64::from(31 - res2.leading_zeros())
    } else {
        u64::from(res2.trailing_zeros())
    };
    let mut flags = 0u64;
    if res2 != 0 {
        flags |= CF;
    }
    if lb < n {
        flags |= ZF;
    }
    if la < n {
        flags |= SF;
    }
    if res2 & 1 != 0 {
        flags |= OF;
    }
    let flags = super::bits::lo16(flags);
    (idx | (u64::from(flags) << 16), flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(bytes: &[u8]) -> u128 {
        let mut b = [0u8; 16];
        b[..bytes.len()].copy_from_slice(bytes);
        u128::from_le_bytes(b)
    }

    #[test]
    fn equal_any_finds_first_delimiter() {
        // strcspn-style: a = set ",;", b = "ab;c,d".
        let (r, f) = pcmpistr(s(b",;"), s(b"ab;c,d"), 0x00);
        assert_eq!(r & 0xffff, 2);
        assert_ne!(u64::from(f) & CF, 0);
        assert_ne!(u64::from(f) & ZF, 0); // b is shorter than 16
    }

    #[test]
    fn negative_equal_each_finds_first_difference() {
        // strcmp-style (imm 0x18): first index where the strings differ.
        let (r, _) = pcmpistr(s(b"hello"), s(b"help!"), 0x18);
        assert_eq!(r & 0xffff, 3);
        // Equal strings: no differing index among valid ones -> 16... but
        // positions past both ends compare equal, so the result is 16.
        let (r, f) = pcmpistr(s(b"same"), s(b"same"), 0x18);
        assert_eq!(r & 0xffff, 16);
        assert_eq!(u64::from(f) & CF, 0);
    }

    #[test]
    fn ranges_and_ordered() {
        // ranges "az": first lower-case letter in "12x".
        let (r, _) = pcmpistr(s(b"az"), s(b"12x"), 0x04);
        assert_eq!(r & 0xffff, 2);
        // equal ordered: "lo" in "hello" at 3.
        let (r, _) = pcmpistr(s(b"lo"), s(b"hello"), 0x0c);
        assert_eq!(r & 0xffff, 3);
    }
}

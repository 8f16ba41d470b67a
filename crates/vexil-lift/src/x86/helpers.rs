//! The implementations of the helpers x86 blocks call: pure ones
//! (flags, division faults, carry rotates, bit deposit/extract, string
//! compares) and dirty ones (`cpuid`, `rdtsc`, `xgetbv`).
//!
//! `cpuid` describes a fixed virtual processor rather than the host: an
//! x86-64-v2 machine (SSE4.2, POPCNT, CX16) plus MOVBE, LZCNT, BMI1 and
//! BMI2, without AVX, so that programs that pick code paths by CPU features
//! take paths this lifter supports, and runs are reproducible across hosts.

use super::bits::{as_signed, lo64, mask, sext};
use super::flags;
use super::layout::Mode;
use crate::helpers::{DirtyCtx, DirtyFn, HelperFn, MemFault};
use std::sync::atomic::{AtomicU64, Ordering};

fn arg(args: &[u128], i: usize) -> u64 {
    args.get(i).copied().map_or(0, lo64)
}

/// The pure helper named `name`.
pub(crate) fn pure(name: &str) -> Option<HelperFn> {
    Some(match name {
        "amd64g_calculate_condition" => flags::amd64_condition,
        "amd64g_calculate_rflags_all" => flags::amd64_flags_all,
        "amd64g_calculate_rflags_c" => flags::amd64_flags_c,
        "x86g_calculate_condition" => flags::x86_condition,
        "x86g_calculate_eflags_all" => flags::x86_flags_all,
        "x86g_calculate_eflags_c" => flags::x86_flags_c,
        "amd64g_idiv_fault" | "x86g_idiv_fault" => idiv_fault,
        "x86g_rotate_carry" => rotate_carry,
        "x86g_pdep" => pdep,
        "x86g_pext" => pext,
        "x86g_crc32c" => crc32c,
        "x86g_f80_to_f64" => super::x87::f80_to_f64,
        "x86g_f64_to_f80" => super::x87::f64_to_f80,
        "x86g_fxam" => super::x87::fxam,
        _ => return super::sse_helpers::pure(name),
    })
}

/// The dirty helper named `name`.
pub(crate) fn dirty(name: &str) -> Option<DirtyFn> {
    Some(match name {
        "amd64g_dirtyhelper_CPUID" => cpuid64,
        "x86g_dirtyhelper_CPUID" => cpuid32,
        "x86g_dirtyhelper_RDTSC" => rdtsc,
        "x86g_dirtyhelper_XGETBV" => xgetbv,
        _ => return super::fpstate::dirty(name),
    })
}

/// `idiv_fault(nbits, hi, lo, divisor)`: 1 if a signed division of the
/// `2*nbits`-bit dividend `hi:lo` by `divisor` raises #DE (divisor zero or
/// quotient out of range). `hi` and `divisor` are sign-extended words.
fn idiv_fault(args: &[u128]) -> u128 {
    let n = u32::try_from(arg(args, 0)).unwrap_or(64).clamp(8, 64);
    let hi = sext(arg(args, 1), n);
    let lo = arg(args, 2) & mask(n);
    let d = as_signed(sext(arg(args, 3), n));
    if d == 0 {
        return 1;
    }
    let dividend = (i128::from(as_signed(hi)) << n) | i128::from(lo);
    let Some(q) = dividend.checked_div(i128::from(d)) else {
        return 1;
    };
    let lim = 1i128 << (n - 1);
    u128::from(q < -lim || q >= lim)
}

/// `rotate_carry(left, size, value, count, flags)`: `rcl`/`rcr`. Returns
/// the new flags in bits 64.. and the result in bits 0..64. The count is
/// already masked to 5 (or 6) bits.
fn rotate_carry(args: &[u128]) -> u128 {
    let left = arg(args, 0) != 0;
    let size = u32::try_from(arg(args, 1)).unwrap_or(8).clamp(1, 8);
    let n = size * 8;
    let m = mask(n);
    let mut v = arg(args, 2) & m;
    let count = arg(args, 3);
    let f = arg(args, 4);
    if count == 0 {
        return (u128::from(f) << 64) | u128::from(v);
    }
    let mut c = f & flags::CF;
    // Counts wrap modulo width+1 for 8- and 16-bit operands.
    let steps = if n < 32 {
        count % u64::from(n + 1)
    } else {
        count
    };
    for _ in 0..steps {
        if left {
            let out = (v >> (n - 1)) & 1;
            v = ((v << 1) | c) & m;
            c = out;
        } else {
            let out = v & 1;
            v = (v >> 1) | (c << (n - 1));
            c = out;
        }
    }
    // OF is defined for count 1 (and computed the same way for others).
    let msb = (v >> (n - 1)) & 1;
    let of = if left {
        msb ^ c
    } else {
        msb ^ ((v >> (n - 2)) & 1)
    };
    let nf = (f & !(flags::CF | flags::OF)) | c | (of * flags::OF);
    (u128::from(nf) << 64) | u128::from(v)
}

fn pdep(args: &[u128]) -> u128 {
    let (src, m) = (arg(args, 0), arg(args, 1));
    let mut out = 0u64;
    let mut k = 0;
    for i in 0..64 {
        if m & (1 << i) != 0 {
            out |= ((src >> k) & 1) << i;
            k += 1;
        }
    }
    u128::from(out)
}

fn pext(args: &[u128]) -> u128 {
    let (src, m) = (arg(args, 0), arg(args, 1));
    let mut out = 0u64;
    let mut k = 0;
    for i in 0..64 {
        if m & (1 << i) != 0 {
            out |= ((src >> i) & 1) << k;
            k += 1;
        }
    }
    u128::from(out)
}

/// `crc32c(crc, data, bytes)`: CRC-32C (Castagnoli, reflected) of the low
/// `bytes` bytes of `data`, continuing from `crc` (x86 `crc32` semantics: no
/// pre- or post-inversion).
fn crc32c(args: &[u128]) -> u128 {
    let mut crc = arg(args, 0) & 0xffff_ffff;
    let data = arg(args, 1);
    let n = arg(args, 2).min(8);
    for i in 0..n {
        crc ^= (data >> (8 * i)) & 0xff;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82f6_3b78
            } else {
                crc >> 1
            };
        }
    }
    u128::from(crc)
}

// ------------------------------------------------------------ dirty helpers

fn read_u32(st: &[u8], off: u32) -> u32 {
    let o = usize::try_from(off).unwrap_or(usize::MAX);
    st.get(o..o.saturating_add(4))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_le_bytes)
}

fn write_word(st: &mut [u8], off: u32, v: u32, width: u32) {
    let o = usize::try_from(off).unwrap_or(usize::MAX);
    let bytes = u64::from(v).to_le_bytes();
    let n = usize::try_from(width).unwrap_or(4);
    if let Some(dst) = st.get_mut(o..o.saturating_add(n)) {
        dst.copy_from_slice(&bytes[..n]);
    }
}

const fn bits_of(list: &[u32]) -> u32 {
    let mut v = 0;
    let mut i = 0;
    while i < list.len() {
        v |= 1 << list[i];
        i += 1;
    }
    v
}

fn le4(s: &[u8; 4]) -> u32 {
    u32::from_le_bytes(*s)
}

/// The virtual processor's answer to `cpuid(leaf, subleaf)`: eax, ebx, ecx, edx.
pub(crate) fn cpuid_model(leaf: u32, sub: u32, long_mode: bool) -> [u32; 4] {
    match leaf {
        0 => [0xd, le4(b"Genu"), le4(b"ntel"), le4(b"ineI")],
        1 => {
            // SSE3, SSSE3, CX16, SSE4.1, SSE4.2, MOVBE, POPCNT.
            let ecx = bits_of(&[0, 9, 13, 19, 20, 22, 23]);
            // FPU VME DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT
            // PSE36 CLFSH MMX FXSR SSE SSE2.
            let edx = bits_of(&[
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 19, 23, 24, 25, 26,
            ]);
            [0x0003_06a9, 0x0001_0800, ecx, edx]
        }
        7 if sub == 0 => [0, bits_of(&[3, 8]), 0, 0], // BMI1, BMI2
        0x8000_0000 => [0x8000_0004, 0, 0, 0],
        0x8000_0001 => {
            let ecx = bits_of(&[0, 5]); // LAHF/SAHF in 64-bit mode, LZCNT
            let edx = if long_mode {
                bits_of(&[11, 20, 29])
            } else {
                bits_of(&[20])
            };
            [0, 0, ecx, edx]
        }
        0x8000_0002..=0x8000_0004 => {
            let brand = *b"vexil virtual x86-64 processor\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
            let k = usize::try_from(leaf - 0x8000_0002).unwrap_or(0) * 16;
            let w = |j: usize| {
                let s = k + 4 * j;
                u32::from_le_bytes([brand[s], brand[s + 1], brand[s + 2], brand[s + 3]])
            };
            [w(0), w(1), w(2), w(3)]
        }
        _ => [0, 0, 0, 0],
    }
}

fn cpuid_in(ctx: &mut DirtyCtx<'_>, m: &Mode) -> Result<u128, MemFault> {
    let leaf = read_u32(ctx.state, m.gpr_off(0));
    let sub = read_u32(ctx.state, m.gpr_off(1));
    let r = cpuid_model(leaf, sub, m.bits == 64);
    // eax, ebx, ecx, edx are registers 0, 3, 1, 2.
    for (v, reg) in r.into_iter().zip([0u32, 3, 1, 2]) {
        write_word(ctx.state, m.gpr_off(reg), v, m.gpr_size);
    }
    Ok(0)
}

fn cpuid64(ctx: &mut DirtyCtx<'_>, _args: &[u128]) -> Result<u128, MemFault> {
    cpuid_in(ctx, &super::layout::MODE64)
}

fn cpuid32(ctx: &mut DirtyCtx<'_>, _args: &[u128]) -> Result<u128, MemFault> {
    cpuid_in(ctx, &super::layout::MODE32)
}

/// A deterministic time-stamp counter: it advances by a fixed step per read,
/// so runs are reproducible and `rdtsc` differences are positive.
static TSC: AtomicU64 = AtomicU64::new(1_000_000);

fn rdtsc(_ctx: &mut DirtyCtx<'_>, _args: &[u128]) -> Result<u128, MemFault> {
    Ok(u128::from(TSC.fetch_add(1000, Ordering::Relaxed)))
}

/// `xgetbv`: XCR0 reports x87 and SSE state only (no AVX, matching `cpuid`).
fn xgetbv(_ctx: &mut DirtyCtx<'_>, args: &[u128]) -> Result<u128, MemFault> {
    Ok(if arg(args, 0) & 0xffff_ffff == 0 {
        3
    } else {
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idiv_fault_cases() {
        // 32-bit: 0x1_0000_0000 / 1 overflows; 100 / 7 does not; /0 faults.
        assert_eq!(idiv_fault(&[32, 1, 0, 1]), 1);
        assert_eq!(idiv_fault(&[32, 0, 100, 7]), 0);
        assert_eq!(idiv_fault(&[32, 0, 100, 0]), 1);
        // INT64_MIN / -1 overflows.
        let m1 = u128::from(u64::MAX);
        assert_eq!(idiv_fault(&[64, m1, 1 << 63, m1]), 1);
        // -7 / 2 = -3 fits.
        assert_eq!(
            idiv_fault(&[64, m1, u128::from(super::super::bits::as_unsigned(-7)), 2]),
            0
        );
    }

    #[test]
    fn rcl_rcr_by_one() {
        // rcl al(0x80), 1 with CF=1: result 0x01, CF=1, OF = msb(0x01)^CF = 1.
        let r = rotate_carry(&[1, 1, 0x80, 1, 1]);
        assert_eq!(r & 0xff, 0x01);
        let f = lo64(r >> 64);
        assert_eq!(f & flags::CF, 1);
        assert_ne!(f & flags::OF, 0);
        // rcr al(0x01), 1 with CF=0: result 0, CF=1.
        let r = rotate_carry(&[0, 1, 0x01, 1, 0]);
        assert_eq!(r & 0xff, 0);
        assert_eq!(lo64(r >> 64) & flags::CF, 1);
    }

    #[test]
    fn crc32c_known_value() {
        // CRC-32C("123456789") = 0xE3069283 with the usual pre/post inversion.
        let mut crc = 0xffff_ffffu128;
        for b in b"123456789" {
            crc = crc32c(&[crc, u128::from(*b), 1]);
        }
        assert_eq!(crc ^ 0xffff_ffff, 0xe306_9283);
    }

    #[test]
    fn pdep_pext_inverse() {
        assert_eq!(pdep(&[0b101, 0b1110]), 0b1010);
        assert_eq!(pext(&[0b1010, 0b1110]), 0b101);
    }
}

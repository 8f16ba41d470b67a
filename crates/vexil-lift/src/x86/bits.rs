//! Width conversions on host integers, written once so the cast lints stay
//! meaningful everywhere else: every deliberate truncation or sign
//! reinterpretation in the x86 code goes through one of these.

/// All-ones mask of the low `bits` bits (`bits` in 1..=64).
pub(crate) const fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// The low 64 bits of a helper argument.
#[allow(clippy::cast_possible_truncation)] // truncation is the point
pub(crate) const fn lo64(v: u128) -> u64 {
    v as u64
}

/// The low 32 bits.
#[allow(clippy::cast_possible_truncation)] // truncation is the point
pub(crate) const fn lo32(v: u64) -> u32 {
    v as u32
}

/// The low 16 bits.
#[allow(clippy::cast_possible_truncation)] // truncation is the point
pub(crate) const fn lo16(v: u64) -> u16 {
    v as u16
}

/// The low 8 bits.
#[allow(clippy::cast_possible_truncation)] // truncation is the point
pub(crate) const fn lo8(v: u64) -> u8 {
    v as u8
}

/// Sign-extends the low `bits` bits of `v` to 64 bits.
pub(crate) const fn sext(v: u64, bits: u32) -> u64 {
    if bits >= 64 {
        return v;
    }
    let sh = 64 - bits;
    as_unsigned(as_signed(v << sh) >> sh)
}

/// Reinterprets as signed.
#[allow(clippy::cast_possible_wrap)] // reinterpretation is the point
pub(crate) const fn as_signed(v: u64) -> i64 {
    v as i64
}

/// Reinterprets as unsigned.
#[allow(clippy::cast_sign_loss)] // reinterpretation is the point
pub(crate) const fn as_unsigned(v: i64) -> u64 {
    v as u64
}

/// Reinterprets a 128-bit value as unsigned.
#[allow(clippy::cast_sign_loss)] // reinterpretation is the point
pub(crate) const fn as_unsigned128(v: i128) -> u128 {
    v as u128
}

/// A small count (register numbers, sizes) as `u32`; saturates.
pub(crate) fn small(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Bit `n` of `v` as 0/1.
pub(crate) const fn bit(v: u64, n: u32) -> u64 {
    (v >> n) & 1
}

/// The x86 parity flag of the low byte of `v`: 1 if it has an even number of set bits.
pub(crate) const fn parity(v: u64) -> u64 {
    ((v & 0xff).count_ones() as u64 + 1) & 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_extension() {
        assert_eq!(sext(0x80, 8), 0xffff_ffff_ffff_ff80);
        assert_eq!(sext(0x7f, 8), 0x7f);
        assert_eq!(sext(0x1_8000_0000, 32), 0xffff_ffff_8000_0000);
        assert_eq!(sext(5, 64), 5);
    }

    #[test]
    fn parity_is_even_count() {
        assert_eq!(parity(0), 1);
        assert_eq!(parity(1), 0);
        assert_eq!(parity(3), 1);
        assert_eq!(parity(0x100), 1);
    }
}

//! The few deliberate integer reinterpretations the MIPS code needs, in one
//! place, so that every other conversion goes through `From`/`try_from`.

/// Truncates to the low 32 bits (a 64-bit address or value to a MIPS32 word).
#[allow(clippy::cast_possible_truncation)]
pub const fn trunc32(v: u64) -> u32 {
    v as u32
}

/// Two's-complement bits of a signed value (wrapping address arithmetic).
#[allow(clippy::cast_sign_loss)]
pub const fn i2u(v: i64) -> u64 {
    v as u64
}

/// Sign-extends the low 16 bits.
#[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
pub const fn sext16(v: u32) -> i64 {
    (v & 0xffff) as u16 as i16 as i64
}

/// Sign-extends the low 32 bits to 64 (a MIPS64 32-bit result).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]
pub const fn sext32(v: u64) -> u64 {
    v as u32 as i32 as i64 as u64
}

/// A small index (a register or table number, < 2^32) as `u32`.
#[allow(clippy::cast_possible_truncation)]
pub const fn idx32(i: usize) -> u32 {
    i as u32
}

/// A 32-bit field value as an index.
pub const fn idx32_usize(v: u32) -> usize {
    v as usize
}

//! Types, temporaries, guest-state offsets and constants.

use std::fmt;

/// The type of an IR value.
///
/// Vectors wider than 128 bits (AVX `ymm`, AVX-512 `zmm`) are not a type of
/// their own: a lifter handles them as 128-bit halves, so every stage after
/// the lifter deals with values of at most 128 bits.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Type {
    /// A boolean (conditions, guards).
    I1,
    /// 8-bit integer.
    I8,
    /// 16-bit integer.
    I16,
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 128-bit integer.
    I128,
    /// IEEE 754 binary32.
    F32,
    /// IEEE 754 binary64.
    F64,
    /// 128-bit SIMD vector.
    V128,
}

impl Type {
    /// Every type, in declaration order.
    pub const ALL: [Type; 9] = [
        Type::I1,
        Type::I8,
        Type::I16,
        Type::I32,
        Type::I64,
        Type::I128,
        Type::F32,
        Type::F64,
        Type::V128,
    ];

    /// Size in bits (1 for `I1`).
    pub const fn bits(self) -> u32 {
        match self {
            Type::I1 => 1,
            Type::I8 => 8,
            Type::I16 => 16,
            Type::I32 | Type::F32 => 32,
            Type::I64 | Type::F64 => 64,
            Type::I128 | Type::V128 => 128,
        }
    }

    /// Size in bytes as stored in guest state or memory (`I1` occupies one byte).
    pub const fn bytes(self) -> u32 {
        match self {
            Type::I1 => 1,
            t => t.bits() / 8,
        }
    }

    /// The integer type of a given width in bits, if there is one.
    pub const fn int(bits: u32) -> Option<Type> {
        match bits {
            1 => Some(Type::I1),
            8 => Some(Type::I8),
            16 => Some(Type::I16),
            32 => Some(Type::I32),
            64 => Some(Type::I64),
            128 => Some(Type::I128),
            _ => None,
        }
    }

    /// True for `I1` through `I128`.
    pub const fn is_int(self) -> bool {
        matches!(
            self,
            Type::I1 | Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::I128
        )
    }

    /// True for `F32` and `F64`.
    pub const fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64)
    }

    /// All-ones mask of this type's width, as a `u128`.
    pub const fn mask(self) -> u128 {
        match self.bits() {
            128 => u128::MAX,
            b => (1u128 << b) - 1,
        }
    }

    /// VEX-style short name without the `Ity_` prefix: `I32`, `F64`, `V128`.
    pub const fn name(self) -> &'static str {
        match self {
            Type::I1 => "I1",
            Type::I8 => "I8",
            Type::I16 => "I16",
            Type::I32 => "I32",
            Type::I64 => "I64",
            Type::I128 => "I128",
            Type::F32 => "F32",
            Type::F64 => "F64",
            Type::V128 => "V128",
        }
    }

    /// Parses a short name (`I32`) or a VEX name (`Ity_I32`).
    pub fn from_name(s: &str) -> Option<Type> {
        let s = s.strip_prefix("Ity_").unwrap_or(s);
        Type::ALL.into_iter().find(|t| t.name() == s)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A block-local temporary, written exactly once (`t0`, `t1`, …).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Temp(pub u32);

impl Temp {
    /// The temporary's number as an index into the type environment.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for Temp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}", self.0)
    }
}

/// A byte offset into the guest-state block (a register's address).
///
/// Offsets follow VEX's guest-state layouts where practical, so that
/// `GET:I32(offset=16)` names the same register in vexil and pyvex.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Offset(pub u32);

impl Offset {
    /// The offset as an index into the guest-state byte array.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Byte order of one memory access.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endness {
    /// Little-endian (`LDle`, `STle`).
    Le,
    /// Big-endian (`LDbe`, `STbe`).
    Be,
}

impl Endness {
    /// `le` or `be`, as printed after `LD`/`ST`/`CAS`.
    pub const fn suffix(self) -> &'static str {
        match self {
            Endness::Le => "le",
            Endness::Be => "be",
        }
    }
}

/// A typed constant.
///
/// Integer and float constants hold their bit pattern in the low bits of a
/// `u64`. Following VEX, `V128` and `I128` constants are *byte masks*: bit `i`
/// of the 16-bit mask set means byte `i` of the value is `0xFF`, clear means
/// `0x00`. Arbitrary 128-bit values are built with `64HLtoV128` /
/// `64HLto128`. This keeps constants (and so operands) 16 bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Const {
    ty: Type,
    bits: u64,
}

impl Const {
    /// A constant of type `ty` with the given bit pattern, truncated to the
    /// type's width (for `V128`/`I128`: to the 16-bit byte mask).
    pub const fn new(ty: Type, bits: u64) -> Const {
        let mask: u64 = match ty {
            Type::I1 => 1,
            Type::I8 => 0xff,
            Type::I16 | Type::I128 | Type::V128 => 0xffff,
            Type::I32 | Type::F32 => 0xffff_ffff,
            Type::I64 | Type::F64 => u64::MAX,
        };
        Const {
            ty,
            bits: bits & mask,
        }
    }
    /// An `I1` constant.
    pub const fn bool(b: bool) -> Const {
        Const {
            ty: Type::I1,
            bits: b as u64,
        }
    }
    /// An `I8` constant.
    pub const fn u8(v: u8) -> Const {
        Const {
            ty: Type::I8,
            bits: v as u64,
        }
    }
    /// An `I16` constant.
    pub const fn u16(v: u16) -> Const {
        Const {
            ty: Type::I16,
            bits: v as u64,
        }
    }
    /// An `I32` constant.
    pub const fn u32(v: u32) -> Const {
        Const {
            ty: Type::I32,
            bits: v as u64,
        }
    }
    /// An `I64` constant.
    pub const fn u64(v: u64) -> Const {
        Const {
            ty: Type::I64,
            bits: v,
        }
    }
    /// An `F32` constant from its value.
    pub fn f32(v: f32) -> Const {
        Const {
            ty: Type::F32,
            bits: u64::from(v.to_bits()),
        }
    }
    /// An `F64` constant from its value.
    pub fn f64(v: f64) -> Const {
        Const {
            ty: Type::F64,
            bits: v.to_bits(),
        }
    }
    /// A `V128` constant from its byte mask (bit `i` set: byte `i` is `0xFF`).
    pub const fn v128_mask(mask: u16) -> Const {
        Const {
            ty: Type::V128,
            bits: mask as u64,
        }
    }
    /// An integer constant of the given type (`I1`..`I64`), truncating `v`.
    pub const fn int(ty: Type, v: u64) -> Const {
        Const::new(ty, v)
    }

    /// The constant's type.
    pub const fn ty(self) -> Type {
        self.ty
    }
    /// The raw stored bits (the byte mask for `V128`/`I128`).
    pub const fn bits(self) -> u64 {
        self.bits
    }
    /// The value the constant denotes, as a `u128` bit pattern (byte masks
    /// are expanded).
    #[allow(clippy::cast_possible_truncation)] // `new` masks byte masks to 16 bits
    pub const fn value(self) -> u128 {
        match self.ty {
            Type::V128 | Type::I128 => expand_byte_mask(self.bits as u16),
            _ => self.bits as u128,
        }
    }
    /// Builds a constant of type `ty` denoting the value `v`, if one exists
    /// (for `V128`/`I128` only values whose bytes are all `0x00`/`0xFF`).
    pub fn from_value(ty: Type, v: u128) -> Option<Const> {
        match ty {
            Type::V128 | Type::I128 => compress_byte_mask(v).map(|m| Const::new(ty, u64::from(m))),
            _ => {
                let masked = v & ty.mask();
                u64::try_from(masked).ok().map(|b| Const::new(ty, b))
            }
        }
    }
    /// True if the constant is all zero bits.
    pub const fn is_zero(self) -> bool {
        self.bits == 0
    }
    /// True if the constant is all one bits in its type.
    pub const fn is_ones(self) -> bool {
        self.value() == self.ty.mask()
    }
}

/// Expands a 16-bit byte mask into a 128-bit value.
pub const fn expand_byte_mask(mask: u16) -> u128 {
    let mut out = 0u128;
    let mut i = 0;
    while i < 16 {
        if mask & (1 << i) != 0 {
            out |= 0xffu128 << (8 * i);
        }
        i += 1;
    }
    out
}

/// Compresses a 128-bit value whose bytes are each `0x00` or `0xFF` into a
/// 16-bit byte mask.
pub fn compress_byte_mask(v: u128) -> Option<u16> {
    let mut mask = 0u16;
    for i in 0..16 {
        match (v >> (8 * i)) & 0xff {
            0 => {}
            0xff => mask |= 1 << i,
            _ => return None,
        }
    }
    Some(mask)
}

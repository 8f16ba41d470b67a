//! Architectures, byte orders and instruction-set modes.
//!
//! These live in the IR crate because every stage names them: the loader
//! detects them, lifters are chosen by them, features record them.

use std::fmt;
use std::str::FromStr;

/// A guest CPU architecture that vexil loads and lifts.
///
/// The names printed by [`Arch::name`] are stable: they appear in `vexil info
/// --json`, in feature files and in label files.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    /// 32-bit x86 (i386 and later).
    X86,
    /// 64-bit x86 (AMD64 / Intel 64).
    X86_64,
    /// 32-bit ARM, both the ARM and the Thumb instruction sets.
    Arm,
    /// 64-bit ARM (ARMv8-A A64).
    Aarch64,
    /// 32-bit MIPS (o32 ABI), either byte order.
    Mips32,
    /// 64-bit MIPS (n64 ABI), either byte order.
    Mips64,
}

impl Arch {
    /// Every supported architecture, in a fixed order.
    pub const ALL: [Arch; 6] = [
        Arch::X86,
        Arch::X86_64,
        Arch::Arm,
        Arch::Aarch64,
        Arch::Mips32,
        Arch::Mips64,
    ];

    /// The stable lower-case name (`x86`, `x86_64`, `arm`, `aarch64`, `mips32`, `mips64`).
    pub const fn name(self) -> &'static str {
        match self {
            Arch::X86 => "x86",
            Arch::X86_64 => "x86_64",
            Arch::Arm => "arm",
            Arch::Aarch64 => "aarch64",
            Arch::Mips32 => "mips32",
            Arch::Mips64 => "mips64",
        }
    }

    /// Width of a general-purpose register and of an address, in bits.
    pub const fn bits(self) -> u32 {
        match self {
            Arch::X86 | Arch::Arm | Arch::Mips32 => 32,
            Arch::X86_64 | Arch::Aarch64 | Arch::Mips64 => 64,
        }
    }

    /// The IR type of an address (`I32` or `I64`).
    pub const fn word_type(self) -> crate::Type {
        if self.bits() == 64 {
            crate::Type::I64
        } else {
            crate::Type::I32
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error returned when parsing an unknown architecture name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown architecture `{0}` (expected one of x86, x86_64, arm, aarch64, mips32, mips64)")]
pub struct UnknownArch(pub String);

impl FromStr for Arch {
    type Err = UnknownArch;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "x86" | "i386" | "i686" => Ok(Arch::X86),
            "x86_64" | "x86-64" | "amd64" => Ok(Arch::X86_64),
            "arm" | "armel" | "armhf" => Ok(Arch::Arm),
            "aarch64" | "arm64" => Ok(Arch::Aarch64),
            "mips32" | "mips" | "mipsel" => Ok(Arch::Mips32),
            "mips64" | "mips64el" => Ok(Arch::Mips64),
            _ => Err(UnknownArch(s.to_string())),
        }
    }
}

/// Byte order of guest memory.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endian {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

impl Endian {
    /// `little` or `big`.
    pub const fn name(self) -> &'static str {
        match self {
            Endian::Little => "little",
            Endian::Big => "big",
        }
    }

    /// The matching IR endness for loads and stores.
    pub const fn endness(self) -> crate::Endness {
        match self {
            Endian::Little => crate::Endness::Le,
            Endian::Big => crate::Endness::Be,
        }
    }
}

impl fmt::Display for Endian {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The instruction-set mode a block is decoded in.
///
/// Kept explicit, never folded into the low bit of an address: a block cache
/// key is `(address, IsaMode)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum IsaMode {
    /// The architecture's only (or default) instruction set: A32 on ARM.
    #[default]
    Default,
    /// ARM Thumb / Thumb-2.
    Thumb,
}

impl IsaMode {
    /// `default` or `thumb`.
    pub const fn name(self) -> &'static str {
        match self {
            IsaMode::Default => "default",
            IsaMode::Thumb => "thumb",
        }
    }
}

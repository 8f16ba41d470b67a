//! Token schemes: named, versioned sets of normalization options.
//!
//! A scheme decides how one IR statement becomes one token (see
//! [`crate::token`]). Two schemes are defined, and a model file records the
//! scheme it was trained with, so that `vexil scan` refuses features made
//! with another one:
//!
//! | option | `seed` | `neutral-v1` | why |
//! |---|---|---|---|
//! | `op_width` | keep (`Add32`) | strip (`Add`) | x86-64 and MIPS64 do the same work at different widths |
//! | `endness` | keep (`LDle`) | strip (`LD`) | MIPS big-endian builds must look like little-endian ones |
//! | `drop_imark` | no | yes | instruction boundaries are bookkeeping, not behaviour |
//! | `drop_bookkeeping` | no | yes | writes (and reads) of the program counter and the lazy flag thunk exist only on some architectures |
//! | `drop_casts` | no | yes | width conversions (`8Uto32`, `64to32`, `32Sto64`) mostly follow a register width, not the program |
//! | `helper_names` | keep (`x86g_calculate_condition`) | `ccall`/`dirty` | helper names are per-architecture |
//! | `guarded_mem` | `LDG`/`STG` | plain `LD`/`ST` | ARM's conditional loads are a branch around a load elsewhere |
//! | `block_end` | none | `jmp`/`call`/`ret`/`sys`/... | how a block ends is behaviour; `PUT(pc)` was only its shadow |
//! | `plain_addresses` | `LD(RdT)`, `LD(con)` | `LD(*)` | whether an address is a constant or computed is the addressing mode (x86-64 RIP-relative vs MIPS `$gp`-relative), not the program |
//! | `canonical_operands` | as lifted | `Sub(x,con)` -> `Add(x,con)`, constants last in commutative ops | one ISA subtracts an immediate where another adds its negation |
//! | `drop_linkage` | no | yes | saving and reloading the return address (x86 pushes it, MIPS and ARM write a link register) is the calling convention, not the program |
//!
//! The seed scheme reproduces the original prototype (exact VEX names, with
//! `LDle`/`STle`, everything kept) for side-by-side comparison. A scheme's
//! name is its version: changing what a scheme does means a new name.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The normalization options. See the module documentation for each one.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SchemeOptions {
    /// Strip operand widths from operation names (`Add32` -> `Add`).
    pub op_width: bool,
    /// Strip endianness from memory accesses (`LDle` -> `LD`).
    pub endness: bool,
    /// Drop `IMark` statements.
    pub drop_imark: bool,
    /// Drop statements that write or read bookkeeping guest state (program
    /// counter, flag thunk, emulation notes), as the guest layout names it.
    pub drop_bookkeeping: bool,
    /// Drop pure width conversions (`8Uto32`, `64to32`, `32Sto64`, ...).
    pub drop_casts: bool,
    /// Name helper calls `ccall`/`dirty` instead of by their helper name.
    pub anonymous_helpers: bool,
    /// Token guarded loads and stores like plain ones.
    pub plain_guarded_mem: bool,
    /// Emit one token for how each block ends (`jmp`, `call`, `ret`, `sys`).
    pub block_end: bool,
    /// Print memory addresses as `*`, whatever atom they are.
    pub plain_addresses: bool,
    /// Subtraction of a constant reads as addition; commutative operations
    /// put the constant last.
    pub canonical_operands: bool,
    /// Drop the statements that save the return address in a call block
    /// (x86's push, the link-register write) and reload it in a return block
    /// (x86's pop into the program counter).
    pub drop_linkage: bool,
}

/// A named, versioned token scheme.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scheme {
    /// Exact VEX-style statement shapes, nothing dropped: the prototype's scheme.
    #[serde(rename = "seed")]
    Seed,
    /// Architecture-neutral statement shapes, version 1.
    #[serde(rename = "neutral-v1")]
    #[default]
    NeutralV1,
}

impl Scheme {
    /// Every scheme.
    pub const ALL: [Scheme; 2] = [Scheme::Seed, Scheme::NeutralV1];

    /// The stable name recorded in feature and model files.
    pub const fn name(self) -> &'static str {
        match self {
            Scheme::Seed => "seed",
            Scheme::NeutralV1 => "neutral-v1",
        }
    }

    /// The options this scheme stands for.
    pub const fn options(self) -> SchemeOptions {
        match self {
            Scheme::Seed => SchemeOptions {
                op_width: false,
                endness: false,
                drop_imark: false,
                drop_bookkeeping: false,
                drop_casts: false,
                anonymous_helpers: false,
                plain_guarded_mem: false,
                block_end: false,
                plain_addresses: false,
                canonical_operands: false,
                drop_linkage: false,
            },
            Scheme::NeutralV1 => SchemeOptions {
                op_width: true,
                endness: true,
                drop_imark: true,
                drop_bookkeeping: true,
                drop_casts: true,
                anonymous_helpers: true,
                plain_guarded_mem: true,
                block_end: true,
                plain_addresses: true,
                canonical_operands: true,
                drop_linkage: true,
            },
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown scheme name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown token scheme `{0}` (expected `seed` or `neutral-v1`)")]
pub struct UnknownScheme(pub String);

impl FromStr for Scheme {
    type Err = UnknownScheme;
    fn from_str(s: &str) -> Result<Scheme, UnknownScheme> {
        Scheme::ALL
            .into_iter()
            .find(|sc| sc.name() == s)
            .ok_or_else(|| UnknownScheme(s.to_string()))
    }
}

//! Token schemes: named, versioned sets of normalization options.
//!
//! A scheme decides how one IR statement becomes one token (see
//! [`crate::token`]) and which statements of a block yield tokens at all
//! (see [`crate::slice`]). Three schemes are defined, and a model file
//! records the scheme it was trained with, so that `vexil scan` refuses
//! features made with another one:
//!
//! | option | `seed` | `neutral-v1` | `neutral-v2` | why |
//! |---|---|---|---|---|
//! | `op_width` | keep (`Add32`) | strip (`Add`) | strip | x86-64 and MIPS64 do the same work at different widths |
//! | `endness` | keep (`LDle`) | strip (`LD`) | strip | MIPS big-endian builds must look like little-endian ones |
//! | `drop_imark` | no | yes | yes | instruction boundaries are bookkeeping, not behaviour |
//! | `drop_bookkeeping` | no | yes | yes | writes (and reads) of the program counter and the lazy flag thunk exist only on some architectures |
//! | `drop_casts` | no | yes | yes | width conversions (`8Uto32`, `64to32`, `32Sto64`) mostly follow a register width, not the program |
//! | `helper_names` | keep (`x86g_calculate_condition`) | `ccall`/`dirty` | `ccall`/`dirty` | helper names are per-architecture |
//! | `guarded_mem` | `LDG`/`STG` | plain `LD`/`ST` | plain | ARM's conditional loads are a branch around a load elsewhere |
//! | `block_end` | none | `jmp`/`call`/`ret`/`sys`/... | yes | how a block ends is behaviour; `PUT(pc)` was only its shadow |
//! | `plain_addresses` | `LD(RdT)`, `LD(con)` | `LD(*)` | `LD(*)` | whether an address is a constant or computed is the addressing mode (x86-64 RIP-relative vs MIPS `$gp`-relative), not the program |
//! | `canonical_operands` | as lifted | `Sub(x,con)` -> `Add(x,con)`, constants last in commutative ops | yes | one ISA subtracts an immediate where another adds its negation |
//! | `drop_linkage` | no | yes | yes | saving and reloading the return address (x86 pushes it, MIPS and ARM write a link register) is the calling convention, not the program |
//! | `slice_addresses` | no | no | yes | address arithmetic is folded into x86's operands but spelled out on MIPS |
//! | `slice_stack` | no | no | yes | spills, saved registers and stack-passed arguments follow the register count and the calling convention |
//! | `slice_abi_regs` | no | no | yes | MIPS computes and reloads `$gp` and calls through `$t9` and the GOT where x86-64 has immediates |
//! | `drop_reg_reads`, `drop_reg_writes` | no | no | yes | which values live in registers across blocks is register allocation |
//! | `bare_calls` | no | no | yes | a call through a PLT stub (`call(con)`) and through a GOT entry (`call(RdT)`) are one call |
//! | `canonical_order` | no | no | yes | independent statements are scheduled differently per ISA (MIPS hoists loads and fills delay slots) |
//! | `drop_trap_exits` | no | no | yes | x86's divide-error exit and MIPS's compiler-inserted `teq` are the ISA's and the compiler's, not the program's |
//!
//! The seed scheme reproduces the original prototype (exact VEX names, with
//! `LDle`/`STle`, everything kept) for side-by-side comparison. A scheme's
//! name is its version: changing what a scheme does means a new name.
//!
//! How neutral-v2's options were chosen: each was switched off in turn and
//! the scheme judged by how often the nearest x86 binary of a MIPS binary
//! (cosine of the TF-IDF vectors) is a build of the same program, a measure
//! that uses no class labels; every option kept helped, and the options
//! tried and left out (dropping all representation conversions, SIMD
//! statements, linker stubs, or folding comparisons into one token per
//! family) did not (numbers in `models/README.md`).

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
    /// Drop address arithmetic: statements whose values are used only as
    /// memory addresses (see [`crate::slice`]).
    pub slice_addresses: bool,
    /// Drop stack-pointer arithmetic and stack accesses (spills, saved
    /// registers, stack-passed arguments).
    pub slice_stack: bool,
    /// Drop writes of the ABI plumbing registers (MIPS `gp`, `t9`), what is
    /// computed only for them, and loads through them (GOT entries).
    pub slice_abi_regs: bool,
    /// Drop register reads (`WdT(get)`).
    pub drop_reg_reads: bool,
    /// Drop register writes (`put(...)`).
    pub drop_reg_writes: bool,
    /// Calls and returns carry no operand (`call`, not `call(con)` or
    /// `call(RdT)`): whether a call goes through a PLT stub or a GOT entry
    /// is the linkage model.
    pub bare_calls: bool,
    /// Order each block's tokens canonically (a dependency-respecting
    /// order that does not depend on instruction scheduling; see
    /// [`crate::slice::canonical_order`]).
    pub canonical_order: bool,
    /// Drop side exits to traps (x86's divide error, MIPS's `teq` after a
    /// division) and the conditions computed only for them.
    pub drop_trap_exits: bool,
}

/// A named, versioned token scheme.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scheme {
    /// Exact VEX-style statement shapes, nothing dropped: the prototype's scheme.
    #[serde(rename = "seed")]
    Seed,
    /// Architecture-neutral statement shapes, version 1.
    #[serde(rename = "neutral-v1")]
    NeutralV1,
    /// Architecture-neutral statement shapes, version 2: neutral-v1 with the
    /// plumbing sliced away (see [`crate::slice`]).
    #[serde(rename = "neutral-v2")]
    #[default]
    NeutralV2,
}

impl Scheme {
    /// Every scheme.
    pub const ALL: [Scheme; 3] = [Scheme::Seed, Scheme::NeutralV1, Scheme::NeutralV2];

    /// The stable name recorded in feature and model files.
    pub const fn name(self) -> &'static str {
        match self {
            Scheme::Seed => "seed",
            Scheme::NeutralV1 => "neutral-v1",
            Scheme::NeutralV2 => "neutral-v2",
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
                slice_addresses: false,
                slice_stack: false,
                slice_abi_regs: false,
                drop_reg_reads: false,
                drop_reg_writes: false,
                bare_calls: false,
                canonical_order: false,
                drop_trap_exits: false,
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
                ..Scheme::Seed.options()
            },
            Scheme::NeutralV2 => SchemeOptions {
                slice_addresses: true,
                slice_stack: true,
                slice_abi_regs: true,
                drop_reg_reads: true,
                drop_reg_writes: true,
                bare_calls: true,
                canonical_order: true,
                drop_trap_exits: true,
                ..Scheme::NeutralV1.options()
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
#[error("unknown token scheme `{0}` (expected `seed`, `neutral-v1` or `neutral-v2`)")]
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

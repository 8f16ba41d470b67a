//! `vexil-exec` runs lifted guest code: the IR interpreter, guest memory,
//! and (later) the block cache, ELF process setup and the Linux system-call
//! gate.
//!
//! The main design decision is that execution has exactly one definition of
//! what an IR operation does, [`vexil_ir::eval`], shared with the
//! optimizer's constant folder; the interpreter adds only statement
//! semantics (state, memory, exits) around it. Blocks are *prepared* once
//! ([`Prepared`]: operands resolved to slots of one value array, helpers
//! resolved to function pointers) so that a block cache can keep them and
//! run them many times cheaply.
//!
//! Guest faults are values, never panics: a memory fault, an unknown helper
//! or a bad block comes back as a [`Fault`] or [`PrepareError`] naming the
//! guest instruction involved.
//!
//! - [`memory`]: paged guest memory with permissions, both byte orders and
//!   per-page write generations for a future block cache.
//! - [`interp`]: [`Prepared`] blocks and the [`Interpreter`] that runs them.
//! - [`vectors`]: the per-instruction test-vector format
//!   (`tests/vectors/*.vec`) and its runner (lift + interpret + compare).

pub mod interp;
pub mod memory;
pub mod vectors;

pub use interp::{
    BlockExit, Fault, GuestHelpers, HelperSource, Interpreter, NoHelpers, PrepareError, Prepared,
};
pub use memory::{MapError, Memory, PAGE_SIZE, Perm};

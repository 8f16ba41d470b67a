//! `vexil-ir` owns vexil's intermediate representation: the hub that every
//! architecture-specific lifter targets and that execution, features and
//! detection consume.
//!
//! The design follows VEX (pyvex's IR) in ideas and names, so printed blocks
//! read like pyvex's, with one deliberate difference in representation: the
//! IR is **flat by construction**. Operands are [`Atom`]s (constants or
//! temporaries), never nested expressions, so there is no `Box<Expr>` tree to
//! flatten and the verifier's flatness rule is enforced by the type system.
//! Every value is at most 128 bits wide (wider vectors are split by the
//! lifter), which lets the reference semantics in [`eval`] and the
//! interpreter hold any value in a `u128`.
//!
//! The crate depends on nothing else of vexil's. It provides:
//! - the data model ([`Type`], [`Const`], [`Op`], [`Expr`], [`Stmt`], [`Irsb`]);
//! - one canonical text form ([`std::fmt::Display`] on [`Irsb`]) and its parser
//!   ([`parse_irsb`]), which round-trip;
//! - the [`verify`] checker (types, temporaries written once and defined
//!   before use);
//! - the optimizer ([`opt`]).

mod arch;
pub mod eval;
mod expr;
pub mod fxhash;
mod irsb;
mod ops;
pub mod opt;
mod parse;
mod print;
mod stmt;
pub mod testgen;
mod types;
pub mod verify;

pub use arch::{Arch, Endian, IsaMode, UnknownArch};
pub use expr::{Args, Atom, Callee, Expr, RegArray};
pub use irsb::{Irsb, IrsbBuilder, Outline, TypeEnv};
pub use ops::{Op, Signature};
pub use parse::{ParseError, parse_expr, parse_irsb, parse_stmt};
pub use stmt::{Cas, Dirty, Effect, JumpKind, LoadGCvt, MemBusEvent, MemEffect, StateEffect, Stmt};
pub use types::{Const, Endness, Offset, Temp, Type, compress_byte_mask, expand_byte_mask};
pub use verify::{VerifyError, VerifyOptions, verify, verify_with};

// Hot types stay small: operands are copied everywhere and blocks hold
// thousands of statements during a corpus run.
const _: () = assert!(std::mem::size_of::<Const>() == 16);
const _: () = assert!(std::mem::size_of::<Atom>() == 16);
const _: () = assert!(std::mem::size_of::<Expr>() <= 56);
const _: () = assert!(std::mem::size_of::<Stmt>() <= 64);

//! `vexil-loader` reads ELF files into an [`Image`]: architecture, byte
//! order, entry point and its instruction set, program headers, sections and
//! symbols, plus the accessors the lifters and the executor need (bytes at a
//! virtual address, code at an address, executable ranges, symbol lookup).
//!
//! Parsing goes through the `object` crate's ELF structs, which cover both
//! classes and byte orders. The main design decision is that **every table
//! the loader relies on is validated here first** (ELF header, program
//! header table, section header table, section names, symbol and string
//! tables), because `object`'s errors name no file offset; each failure is
//! an [`Error`] naming the structure and the file offset, and nothing
//! derived from the file can panic. The whole file is kept in memory and the
//! [`Image`] owns it, so other crates hold no lifetimes.
//!
//! Supported: x86 (`EM_386`), x86-64, ARM (ARM and Thumb), AArch64, MIPS
//! o32 ([`vexil_ir::Arch::Mips32`]), n64 and n32 ([`vexil_ir::Arch::Mips64`];
//! see [`MipsAbi`]), in either byte order. Other machines are recognized by
//! name and refused with [`Error::UnsupportedArch`]. ARM's Thumb bit is never
//! kept in an address: [`Image::entry`] and [`Symbol::addr`] are cleared
//! and the mode is reported separately as [`vexil_ir::IsaMode`].
//!
//! By default a damaged section header table or symbol table is an error;
//! [`LoadOptions::tolerate_bad_sections`] loads such files without sections
//! and symbols instead (the kernel ignores section headers, and hostile
//! binaries break them on purpose).

mod code;
mod error;
mod image;
mod machine;
mod parse;

pub use code::CodeRegion;
pub use error::{Error, Result};
pub use image::{
    FileKind, Image, LoadOptions, Perms, Section, Segment, Symbol, SymbolBinding, SymbolKind,
};
pub use machine::{MipsAbi, machine_constant};

#[cfg(test)]
mod tests;

//! The loader's one error type.

use std::fmt;
use std::path::PathBuf;

use crate::image::Perms;

/// Everything that can go wrong while loading an ELF file or reading from a
/// loaded image.
///
/// Errors about the file's contents carry the file offset of the field or
/// table that is wrong, because "invalid section header" is useless on a
/// 30 MB binary: a reader wants to open a hex editor at the right place.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read (the OS error is the `source()`).
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// The file does not start with the ELF magic `\x7fELF`.
    #[error("not an ELF file (it starts with {})", HexBytes(found))]
    NotElf {
        /// Up to the first four bytes of the file.
        found: Vec<u8>,
    },

    /// A structure the loader needs runs past the end of the file.
    #[error(
        "truncated ELF file: {what} at file offset {offset:#x} needs {len:#x} bytes, \
         but the file is only {file_size:#x} bytes long"
    )]
    Truncated {
        /// The structure (`program header table`, `section 5 (.text) data`).
        what: String,
        /// Where it starts in the file.
        offset: u64,
        /// How many bytes it needs.
        len: u64,
        /// The file's size.
        file_size: u64,
    },

    /// A header field or table holds a value that cannot be right.
    #[error("malformed ELF file: {what} (at file offset {offset:#x})")]
    Malformed {
        /// What is wrong, with the offending value.
        what: String,
        /// The file offset of the offending field or entry.
        offset: u64,
    },

    /// The file is a well-formed ELF file for a machine vexil does not lift.
    #[error("unsupported architecture: {name} ({machine}{detail})")]
    UnsupportedArch {
        /// A short lower-case name (`ppc64`, `s390x`, `riscv64`).
        name: String,
        /// The `e_machine` constant (`EM_PPC64`) or its number.
        machine: String,
        /// Class, byte order or ABI (`, 64-bit little-endian`).
        detail: String,
    },

    /// A well-formed ELF file of a supported machine that uses a feature the
    /// loader does not handle (a core dump, a MIPS16 entry point).
    #[error("unsupported ELF file: {what} (at file offset {offset:#x})")]
    Unsupported {
        /// The feature.
        what: String,
        /// The file offset of the field that says so.
        offset: u64,
    },

    /// No loadable segment covers the address.
    #[error("address {addr:#x} is not mapped by any loadable segment")]
    Unmapped {
        /// The virtual address.
        addr: u64,
    },

    /// The address is mapped, but only by the zero-filled (`.bss`-like) part
    /// of its segment, which has no bytes in the file.
    #[error("address {addr:#x} is in the zero-filled part of a segment (no bytes in the file)")]
    NotInFile {
        /// The virtual address.
        addr: u64,
    },

    /// The address is mapped, but its segment is not executable.
    #[error("address {addr:#x} is not executable (its segment is {perms})")]
    NotExecutable {
        /// The virtual address.
        addr: u64,
        /// The segment's permissions.
        perms: Perms,
    },
}

/// A `Result` with the loader's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn malformed(offset: u64, what: impl Into<String>) -> Error {
        Error::Malformed {
            what: what.into(),
            offset,
        }
    }

    /// True for errors that describe the file (as opposed to a bad address
    /// asked of a loaded image, or an I/O failure).
    pub fn is_file_error(&self) -> bool {
        matches!(
            self,
            Error::NotElf { .. }
                | Error::Truncated { .. }
                | Error::Malformed { .. }
                | Error::UnsupportedArch { .. }
                | Error::Unsupported { .. }
        )
    }
}

/// Prints bytes as `7f 45 4c 46`, or `an empty file`.
struct HexBytes<'a>(&'a [u8]);

impl fmt::Display for HexBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("nothing: the file is empty");
        }
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

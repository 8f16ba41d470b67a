//! Helper-function interfaces: the meaning of `CCall` and `Dirty` callees.
//!
//! A `CCall` helper is a pure function of its arguments. A dirty helper may
//! also read and write guest state and memory, through a [`DirtyCtx`]. The
//! architecture that names a helper provides its implementation
//! ([`crate::Guest::helper`], [`crate::Guest::dirty_helper`]); the
//! interpreter resolves names once per block.

/// A pure helper: arguments and result as bit patterns in `u128`s.
pub type HelperFn = fn(&[u128]) -> u128;

/// A helper with side effects. Returns the value for the statement's result
/// temporary (ignored when it has none), or the memory fault it hit.
pub type DirtyFn = fn(&mut DirtyCtx<'_>, &[u128]) -> Result<u128, MemFault>;

/// A guest memory access that failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("guest memory fault: {kind} of {size} bytes at {addr:#x}")]
pub struct MemFault {
    /// First address of the access.
    pub addr: u64,
    /// Bytes accessed.
    pub size: u32,
    /// What was attempted.
    pub kind: AccessKind,
}

/// The kind of a memory access.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// Data read.
    Read,
    /// Data write.
    Write,
    /// Instruction fetch.
    Fetch,
}

impl std::fmt::Display for AccessKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AccessKind::Read => "read",
            AccessKind::Write => "write",
            AccessKind::Fetch => "fetch",
        })
    }
}

/// Guest memory as dirty helpers see it (implemented by the executor).
pub trait GuestMemory {
    /// Reads `buf.len()` bytes at `addr`.
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), MemFault>;
    /// Writes `buf` at `addr`.
    fn write(&mut self, addr: u64, buf: &[u8]) -> Result<(), MemFault>;
}

/// What a dirty helper may touch.
pub struct DirtyCtx<'a> {
    /// The whole guest-state block.
    pub state: &'a mut [u8],
    /// Guest memory.
    pub mem: &'a mut dyn GuestMemory,
}

impl std::fmt::Debug for DirtyCtx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirtyCtx")
            .field("state_len", &self.state.len())
            .finish_non_exhaustive()
    }
}

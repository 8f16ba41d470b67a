//! The x87 floating-point subset compilers and glibc emit.

use super::lift::{Flow, Lifter, R, Unsupported};
use iced_x86::Mnemonic;

/// Lifts an x87 instruction.
pub(crate) fn lift(lf: &mut Lifter, mn: Mnemonic) -> R<Flow> {
    let _ = (lf, mn);
    Err(Unsupported)
}

//! SSE, AVX, AVX2 and AVX-512 vector instructions.

use super::lift::{Flow, Lifter, R, Unsupported};
use iced_x86::Mnemonic;

/// Lifts a vector instruction.
pub(crate) fn lift(lf: &mut Lifter, mn: Mnemonic) -> R<Flow> {
    let _ = (lf, mn);
    Err(Unsupported)
}

//! `vexil-lift` turns machine code of each supported architecture into
//! vexil IR. It owns one module per architecture (decoder, lifter, guest-state
//! layout, helper functions) behind one interface, [`Guest`].
//!
//! Everything architecture-specific ends here: a `Guest` lifts blocks,
//! describes its guest-state layout, implements the helper functions its
//! blocks call, tells the optimizer how to specialize them, and reads and
//! writes registers by name (including derived ones such as x86's `rflags`,
//! computed from the lazy flag thunk). Execution, features and detection
//! are written once against this trait.
//!
//! A lifter never fails a whole block for one bad instruction: it ends the
//! block before it with a `NoDecode` exit at that address. Lifters do not
//! depend on each other.

pub mod discover;
pub mod guest;
pub mod helpers;
pub mod mips;
pub mod x86;

pub use guest::{Guest, GuestLayout, InsnInfo, LiftOptions, Reg, guest_for};
pub use helpers::{DirtyCtx, DirtyFn, GuestMemory, HelperFn, MemFault};

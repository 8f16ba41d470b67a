//! Statements, jump kinds and the side-effecting statement payloads.

use crate::{Atom, Callee, Const, Endness, Expr, Offset, RegArray, Temp};

macro_rules! jump_kinds {
    ($($(#[$doc:meta])* $v:ident,)*) => {
        /// Why control leaves a block (VEX's `IRJumpKind`, printed with an `Ijk_` prefix).
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(non_camel_case_types)] // names mirror VEX's `Ijk_Sys_syscall`
        pub enum JumpKind {
            $($(#[$doc])* $v,)*
        }

        impl JumpKind {
            /// Every jump kind.
            pub const ALL: &'static [JumpKind] = &[$(JumpKind::$v),*];
            /// The VEX name, with its `Ijk_` prefix.
            pub const fn name(self) -> &'static str {
                match self { $(JumpKind::$v => concat!("Ijk_", stringify!($v)),)* }
            }
            /// Parses a name with or without the `Ijk_` prefix.
            pub fn from_name(s: &str) -> Option<JumpKind> {
                let s = s.strip_prefix("Ijk_").unwrap_or(s);
                match s { $(stringify!($v) => Some(JumpKind::$v),)* _ => None }
            }
        }
    };
}

jump_kinds! {
    /// An ordinary jump or fall-through.
    Boring,
    /// A call (the return address has been saved as the ISA does it).
    Call,
    /// A return.
    Ret,
    /// A client request (unused by vexil's lifters; kept for pyvex parity).
    ClientReq,
    /// A spin-wait hint or `pause`: a good point to yield.
    Yield,
    /// An emulation warning.
    EmWarn,
    /// An emulation failure: the lifter met something it cannot express.
    EmFail,
    /// The instruction at the target address could not be decoded.
    NoDecode,
    /// The block's code could not be read (no mapping).
    MapFail,
    /// The guest invalidated part of its instruction cache.
    InvalICache,
    /// The guest flushed part of its data cache.
    FlushDCache,
    /// Jump without redirection (kept for pyvex parity).
    NoRedir,
    /// A privileged instruction was executed in user mode.
    Privileged,
    /// Illegal instruction signal.
    SigILL,
    /// Breakpoint/trap signal (`int3`, MIPS `break`).
    SigTRAP,
    /// Segmentation fault.
    SigSEGV,
    /// Bus error.
    SigBUS,
    /// Generic floating-point exception.
    SigFPE,
    /// Integer divide by zero (x86 `#DE`).
    SigFPE_IntDiv,
    /// Integer overflow (MIPS `add` overflow trap, x86 `into`).
    SigFPE_IntOvf,
    /// System call by `syscall` (x86-64), `svc`, MIPS `syscall`.
    Sys_syscall,
    /// System call by `int 0x80`.
    Sys_int128,
    /// `int 0x81`.
    Sys_int129,
    /// `int 0x82`.
    Sys_int130,
    /// `int 0x91`.
    Sys_int145,
    /// `int 0xd2`.
    Sys_int210,
    /// Another software interrupt (`int n`); the number is in guest state.
    Sys_int,
    /// System call by `sysenter`.
    Sys_sysenter,
}

impl JumpKind {
    /// True for the kinds that request a system call from the kernel.
    pub const fn is_syscall(self) -> bool {
        matches!(
            self,
            JumpKind::Sys_syscall
                | JumpKind::Sys_int128
                | JumpKind::Sys_int129
                | JumpKind::Sys_int130
                | JumpKind::Sys_int145
                | JumpKind::Sys_int210
                | JumpKind::Sys_int
                | JumpKind::Sys_sysenter
        )
    }
}

impl std::fmt::Display for JumpKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The conversion applied by a guarded load (`LoadG`) to the loaded value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum LoadGCvt {
    /// Load a V128 as is.
    IdentV128,
    /// Load an I64 as is.
    Ident64,
    /// Load an I32 as is.
    Ident32,
    /// Load an I16, zero-extend to I32.
    U16to32,
    /// Load an I16, sign-extend to I32.
    S16to32,
    /// Load an I8, zero-extend to I32.
    U8to32,
    /// Load an I8, sign-extend to I32.
    S8to32,
}

impl LoadGCvt {
    /// Every conversion.
    pub const ALL: [LoadGCvt; 7] = [
        LoadGCvt::IdentV128,
        LoadGCvt::Ident64,
        LoadGCvt::Ident32,
        LoadGCvt::U16to32,
        LoadGCvt::S16to32,
        LoadGCvt::U8to32,
        LoadGCvt::S8to32,
    ];
    /// VEX name (`ILGop_Ident32`, `ILGop_8Uto32`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            LoadGCvt::IdentV128 => "ILGop_IdentV128",
            LoadGCvt::Ident64 => "ILGop_Ident64",
            LoadGCvt::Ident32 => "ILGop_Ident32",
            LoadGCvt::U16to32 => "ILGop_16Uto32",
            LoadGCvt::S16to32 => "ILGop_16Sto32",
            LoadGCvt::U8to32 => "ILGop_8Uto32",
            LoadGCvt::S8to32 => "ILGop_8Sto32",
        }
    }
    /// Parses a VEX name.
    pub fn from_name(s: &str) -> Option<LoadGCvt> {
        LoadGCvt::ALL.into_iter().find(|c| c.name() == s)
    }
    /// Type read from memory.
    pub const fn mem_type(self) -> crate::Type {
        use crate::Type;
        match self {
            LoadGCvt::IdentV128 => Type::V128,
            LoadGCvt::Ident64 => Type::I64,
            LoadGCvt::Ident32 => Type::I32,
            LoadGCvt::U16to32 | LoadGCvt::S16to32 => Type::I16,
            LoadGCvt::U8to32 | LoadGCvt::S8to32 => Type::I8,
        }
    }
    /// Type of the result (and of the alternative value).
    pub const fn result_type(self) -> crate::Type {
        use crate::Type;
        match self {
            LoadGCvt::IdentV128 => Type::V128,
            LoadGCvt::Ident64 => Type::I64,
            _ => Type::I32,
        }
    }
}

/// A memory-bus event.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum MemBusEvent {
    /// A full memory fence.
    Fence,
    /// Cancel any load-linked reservation.
    CancelReservation,
}

/// An atomic compare-and-swap, single (`hi` parts `None`) or double.
///
/// Reads the old value at `addr` (the double form reads the low part at
/// `addr`, the high part right after it), writes it to `old_lo`/`old_hi`,
/// and if it equals the expected value, stores the data.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cas {
    /// Receives the old high part (double CAS only).
    pub old_hi: Option<Temp>,
    /// Receives the old (low part of the) value.
    pub old_lo: Temp,
    /// Byte order.
    pub end: Endness,
    /// Address.
    pub addr: Atom,
    /// Expected high part (double CAS only).
    pub expd_hi: Option<Atom>,
    /// Expected (low part of the) value.
    pub expd_lo: Atom,
    /// New high part (double CAS only).
    pub data_hi: Option<Atom>,
    /// New (low part of the) value.
    pub data_lo: Atom,
}

/// How a dirty helper touches memory or guest state.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Reads.
    Read,
    /// Writes.
    Write,
    /// Reads and writes.
    Modify,
}

impl Effect {
    /// VEX name: `RdFX`, `WrFX`, `MoFX`.
    pub const fn name(self) -> &'static str {
        match self {
            Effect::Read => "RdFX",
            Effect::Write => "WrFX",
            Effect::Modify => "MoFX",
        }
    }
    /// Parses a VEX name.
    pub fn from_name(s: &str) -> Option<Effect> {
        [Effect::Read, Effect::Write, Effect::Modify]
            .into_iter()
            .find(|e| e.name() == s)
    }
}

/// A guest-state range a dirty helper reads or writes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct StateEffect {
    /// Read, write or modify.
    pub fx: Effect,
    /// First byte.
    pub offset: Offset,
    /// Bytes.
    pub size: u32,
}

/// A memory range a dirty helper reads or writes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemEffect {
    /// Read, write or modify.
    pub fx: Effect,
    /// First byte.
    pub addr: Atom,
    /// Bytes.
    pub size: u32,
}

/// A call of a helper with side effects (`cpuid`, `rdtsc`, `xsave`, ...).
///
/// The declared effects let optimizers know which guest state and memory the
/// call may read or write.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dirty {
    /// Helper.
    pub callee: Callee,
    /// The call happens only if the guard (I1) is true.
    pub guard: Atom,
    /// Arguments.
    pub args: Vec<Atom>,
    /// Receives the result, if any (its type is in the type environment).
    pub tmp: Option<Temp>,
    /// Memory touched, if any.
    pub mem: Option<MemEffect>,
    /// Guest state touched.
    pub state: Vec<StateEffect>,
}

/// Visits the atoms a statement reads, by shared or mutable reference: one
/// definition for both visitors so they cannot drift apart.
macro_rules! each_stmt_operand {
    ($s:expr, $f:ident, $expr_visit:ident, $($m:tt)?) => {
        match $s {
            Stmt::NoOp | Stmt::IMark { .. } | Stmt::Mbe(_) => {}
            Stmt::WrTmp { expr, .. } => expr.$expr_visit($f),
            Stmt::Put { data, .. } | Stmt::Exit { guard: data, .. } => $f(data),
            Stmt::PutI { ix: a, data: b, .. } | Stmt::Store { addr: a, data: b, .. } => {
                $f(a);
                $f(b);
            }
            Stmt::StoreG { addr, data: b, guard: c, .. } | Stmt::LoadG { addr, alt: b, guard: c, .. } => {
                $f(addr);
                $f(b);
                $f(c);
            }
            Stmt::Cas(c) => {
                let c = &$($m)? **c;
                $f(&$($m)? c.addr);
                if let Some(a) = &$($m)? c.expd_hi {
                    $f(a);
                }
                $f(&$($m)? c.expd_lo);
                if let Some(a) = &$($m)? c.data_hi {
                    $f(a);
                }
                $f(&$($m)? c.data_lo);
            }
            Stmt::Llsc { addr, store_data, .. } => {
                $f(addr);
                if let Some(a) = store_data {
                    $f(a);
                }
            }
            Stmt::Dirty(d) => {
                let d = &$($m)? **d;
                $f(&$($m)? d.guard);
                for a in &$($m)? d.args {
                    $f(a);
                }
                if let Some(m) = &$($m)? d.mem {
                    $f(&$($m)? m.addr);
                }
            }
        }
    };
}

// `Stmt::owns_heap` says the variants other than `Cas`, `Dirty` and the
// `WrTmp`s of `Qop` and `CCall` need no drop: their fields' types have none.
const _: () = {
    use std::mem::needs_drop;
    assert!(!needs_drop::<Atom>() && !needs_drop::<[Atom; 3]>() && !needs_drop::<Option<Atom>>());
    assert!(!needs_drop::<Const>() && !needs_drop::<Temp>() && !needs_drop::<Offset>());
    assert!(!needs_drop::<RegArray>() && !needs_drop::<Endness>() && !needs_drop::<LoadGCvt>());
    assert!(!needs_drop::<crate::Op>() && !needs_drop::<crate::Type>());
    assert!(!needs_drop::<MemBusEvent>() && !needs_drop::<JumpKind>());
};

/// A statement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Stmt {
    /// Does nothing (left behind by passes that delete in place).
    NoOp,
    /// Marks the start of a guest instruction: address, length in bytes, and
    /// the delta to add to the address to get the fetch address (1 for Thumb).
    IMark {
        /// Instruction address.
        addr: u64,
        /// Length in bytes.
        len: u32,
        /// ISA delta (1 in Thumb mode).
        delta: u8,
    },
    /// `t = expr`.
    WrTmp {
        /// Destination.
        dst: Temp,
        /// Value.
        expr: Expr,
    },
    /// Write a guest register.
    Put {
        /// Guest-state offset.
        offset: Offset,
        /// Value.
        data: Atom,
    },
    /// Write an element of a guest-state array at a run-time index.
    PutI {
        /// The array.
        descr: RegArray,
        /// Variable part of the index.
        ix: Atom,
        /// Constant part of the index.
        bias: i32,
        /// Value.
        data: Atom,
    },
    /// Write guest memory.
    Store {
        /// Byte order.
        end: Endness,
        /// Address.
        addr: Atom,
        /// Value.
        data: Atom,
    },
    /// Write guest memory if `guard` is true.
    StoreG {
        /// Byte order.
        end: Endness,
        /// Address.
        addr: Atom,
        /// Value.
        data: Atom,
        /// Condition (I1).
        guard: Atom,
    },
    /// `dst = guard ? cvt(load(addr)) : alt`; no access when the guard is false.
    LoadG {
        /// Byte order.
        end: Endness,
        /// Conversion of the loaded value.
        cvt: LoadGCvt,
        /// Destination.
        dst: Temp,
        /// Address.
        addr: Atom,
        /// Value when the guard is false.
        alt: Atom,
        /// Condition (I1).
        guard: Atom,
    },
    /// Atomic compare-and-swap.
    Cas(Box<Cas>),
    /// Load-linked (`store_data` `None`) or store-conditional (`Some`; the
    /// result is an I1 that is true on success).
    Llsc {
        /// Byte order.
        end: Endness,
        /// Loaded value, or success flag.
        result: Temp,
        /// Address.
        addr: Atom,
        /// Value to store (store-conditional only).
        store_data: Option<Atom>,
    },
    /// A memory-bus event (fence).
    Mbe(MemBusEvent),
    /// A call of a helper with side effects.
    Dirty(Box<Dirty>),
    /// Leave the block to `dst` if `guard` is true.
    Exit {
        /// Condition (I1).
        guard: Atom,
        /// Target address (a constant of the guest word type).
        dst: Const,
        /// Why control leaves.
        jk: JumpKind,
        /// Guest-state offset of the program counter.
        offs_ip: Offset,
    },
}

impl Stmt {
    /// True if dropping the statement may free heap memory (boxed or
    /// vector payloads); false if dropping it does nothing, so that
    /// forgetting it instead is the same. Every variant is listed, so a new
    /// one with a heap payload cannot be missed.
    #[inline]
    pub(crate) fn owns_heap(&self) -> bool {
        match self {
            Stmt::WrTmp { expr, .. } => match expr {
                Expr::Qop { .. } | Expr::CCall { .. } => true,
                Expr::Const(_)
                | Expr::RdTmp(_)
                | Expr::Get { .. }
                | Expr::GetI { .. }
                | Expr::Load { .. }
                | Expr::Unop { .. }
                | Expr::Binop { .. }
                | Expr::Triop { .. }
                | Expr::Ite { .. } => false,
            },
            Stmt::Cas(_) | Stmt::Dirty(_) => true,
            Stmt::NoOp
            | Stmt::IMark { .. }
            | Stmt::Put { .. }
            | Stmt::PutI { .. }
            | Stmt::Store { .. }
            | Stmt::StoreG { .. }
            | Stmt::LoadG { .. }
            | Stmt::Llsc { .. }
            | Stmt::Mbe(_)
            | Stmt::Exit { .. } => false,
        }
    }

    /// Calls `f` on every atom the statement reads.
    pub fn for_each_atom(&self, mut f: impl FnMut(&Atom)) {
        each_stmt_operand!(self, f, for_each_atom,)
    }

    /// Calls `f` on every atom the statement reads, mutably.
    pub fn for_each_atom_mut(&mut self, mut f: impl FnMut(&mut Atom)) {
        each_stmt_operand!(self, f, for_each_atom_mut, mut)
    }

    /// Calls `f` on every temporary the statement writes.
    pub fn for_each_def(&self, mut f: impl FnMut(Temp)) {
        match self {
            Stmt::WrTmp { dst, .. } | Stmt::LoadG { dst, .. } => f(*dst),
            Stmt::Cas(c) => {
                if let Some(t) = c.old_hi {
                    f(t);
                }
                f(c.old_lo);
            }
            Stmt::Llsc { result, .. } => f(*result),
            Stmt::Dirty(d) => {
                if let Some(t) = d.tmp {
                    f(t);
                }
            }
            _ => {}
        }
    }
}

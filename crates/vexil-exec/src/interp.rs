//! The IR interpreter: runs one block over a guest state and a memory.
//!
//! Interpretation is split in two. [`Prepared::new`] translates an [`Irsb`]
//! once into a compact statement list: temporaries and constants become
//! indices into one `Vec<u128>` (constants are preloaded after the
//! temporaries, so reading an operand is one indexed load with no branch on
//! its kind), helper names are resolved to function pointers, guest-state
//! offsets are checked against the state size, and access sizes are
//! precomputed. [`Interpreter::run`] then executes a prepared block as
//! often as needed; a block cache keeps prepared blocks.
//!
//! Every operation is evaluated by [`vexil_ir::eval`], the one reference
//! semantics. Guest state is little-endian whatever the guest's byte order
//! (as in VEX, whose guest state is a host-order C struct); memory accesses
//! use the byte order each statement names.
//!
//! Nothing the block or the guest does makes `run` panic: memory faults,
//! unknown helpers and a too-small state come back as a [`Fault`] naming
//! the guest instruction (the last `IMark`) that was executing.

use crate::memory::Memory;
use std::fmt;
use vexil_ir::eval::eval_op_masked;
use vexil_ir::{
    Atom, Endness, Expr, Irsb, JumpKind, LoadGCvt, MemBusEvent, Op, RegArray, Stmt, Temp, Type,
};
use vexil_lift::helpers::{AccessKind, DirtyCtx};
use vexil_lift::{DirtyFn, Guest, HelperFn, MemFault};

/// Where helper names are resolved (normally the [`Guest`] whose lifter
/// produced the block).
pub trait HelperSource {
    /// The pure helper called `name`.
    fn helper(&self, name: &str) -> Option<HelperFn>;
    /// The dirty helper called `name`.
    fn dirty_helper(&self, name: &str) -> Option<DirtyFn>;
}

/// The helpers of a [`Guest`].
#[derive(Copy, Clone)]
pub struct GuestHelpers<'a>(pub &'a dyn Guest);

impl fmt::Debug for GuestHelpers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GuestHelpers({})", self.0.arch())
    }
}

impl HelperSource for GuestHelpers<'_> {
    fn helper(&self, name: &str) -> Option<HelperFn> {
        self.0.helper(name)
    }
    fn dirty_helper(&self, name: &str) -> Option<DirtyFn> {
        self.0.dirty_helper(name)
    }
}

/// A helper source that knows no helpers.
#[derive(Copy, Clone, Debug, Default)]
pub struct NoHelpers;

impl HelperSource for NoHelpers {
    fn helper(&self, _: &str) -> Option<HelperFn> {
        None
    }
    fn dirty_helper(&self, _: &str) -> Option<DirtyFn> {
        None
    }
}

/// Why a block could not be prepared: it is malformed in a way that would
/// make running it meaningless. (Running never reports these.)
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    /// A statement reads or writes a temporary the type environment lacks.
    #[error("statement {stmt} uses t{temp}, which the block does not declare")]
    UnknownTemp {
        /// Statement index (the block's `next` counts as `stmts.len()`).
        stmt: usize,
        /// The temporary.
        temp: u32,
    },
    /// A guest-state access falls outside the state.
    #[error("statement {stmt} accesses guest state {offset}+{size}, beyond its {state_size} bytes")]
    StateRange {
        /// Statement index.
        stmt: usize,
        /// First byte.
        offset: u64,
        /// Bytes.
        size: u32,
        /// Size of the guest state.
        state_size: usize,
    },
    /// A block with more temporaries and constants than an index can hold.
    #[error("block too large to interpret")]
    TooLarge,
}

/// Why running a block stopped before its end.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// A load, store or instruction fetch hit unmapped or protected memory.
    #[error("{fault} (instruction at {pc:#x})")]
    Mem {
        /// Address of the instruction that faulted (from its `IMark`).
        pc: u64,
        /// The access.
        fault: MemFault,
    },
    /// The block calls a helper its guest does not provide.
    #[error("unknown helper `{name}` (instruction at {pc:#x})")]
    UnknownHelper {
        /// Address of the calling instruction.
        pc: u64,
        /// Helper name.
        name: String,
    },
    /// The guest state passed in is smaller than the block was prepared for.
    #[error("guest state has {have} bytes, the block needs {need}")]
    StateTooSmall {
        /// Bytes the block was prepared for.
        need: usize,
        /// Bytes given.
        have: usize,
    },
}

/// How a block ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct BlockExit {
    /// The next guest address (also written to the guest's program counter).
    pub next: u64,
    /// Why control went there.
    pub kind: JumpKind,
    /// Guest instructions entered (`IMark`s passed), counting the one left
    /// by a taken side exit.
    pub insns: u32,
}

/// An operand or destination: an index into the value array.
type Slot = u32;

/// One prepared statement. Rare, large payloads are boxed to keep the
/// common ones small (pinned below).
#[derive(Clone)]
enum PStmt {
    IMark {
        addr: u64,
    },
    Copy {
        dst: Slot,
        src: Slot,
    },
    /// Unused argument slots hold 0 (a valid slot: an operation has at
    /// least one operand) and are ignored by the evaluator.
    Op {
        dst: Slot,
        op: Op,
        args: [Slot; 4],
    },
    Get {
        dst: Slot,
        off: u32,
        size: u8,
        /// An `I1` read: keep bit 0 only.
        bit: bool,
    },
    GetI {
        dst: Slot,
        descr: RegArray,
        ix: Slot,
        bias: i32,
    },
    Load {
        dst: Slot,
        addr: Slot,
        size: u8,
        end: Endness,
        /// An `I1` load (not produced by lifters): keep bit 0 only.
        bit: bool,
    },
    Ite {
        dst: Slot,
        cond: Slot,
        then: Slot,
        els: Slot,
    },
    CCall(Box<PCall>),
    Put {
        off: u32,
        size: u8,
        src: Slot,
    },
    PutI {
        descr: RegArray,
        ix: Slot,
        bias: i32,
        src: Slot,
    },
    Store {
        addr: Slot,
        data: Slot,
        size: u8,
        end: Endness,
    },
    StoreG {
        addr: Slot,
        data: Slot,
        guard: Slot,
        size: u8,
        end: Endness,
    },
    LoadG {
        dst: Slot,
        addr: Slot,
        alt: Slot,
        guard: Slot,
        cvt: LoadGCvt,
        end: Endness,
    },
    Cas(Box<PCas>),
    LoadLinked {
        dst: Slot,
        addr: Slot,
        size: u8,
        end: Endness,
    },
    StoreCond {
        dst: Slot,
        addr: Slot,
        data: Slot,
        size: u8,
        end: Endness,
    },
    CancelReservation,
    Dirty(Box<PDirty>),
    Exit {
        guard: Slot,
        dst: u64,
        ip_off: u32,
        ip_size: u8,
        jk: JumpKind,
    },
    /// A helper that could not be resolved: faults when reached.
    Unresolved(Box<str>),
}

const _: () = assert!(std::mem::size_of::<PStmt>() <= 32);

#[derive(Clone)]
struct PCall {
    dst: Slot,
    f: HelperFn,
    args: Box<[Slot]>,
    mask: u128,
}

#[derive(Clone)]
struct PCas {
    old_lo: Slot,
    old_hi: Option<Slot>,
    addr: Slot,
    expd_lo: Slot,
    expd_hi: Slot,
    data_lo: Slot,
    data_hi: Slot,
    size: u8,
    end: Endness,
}

#[derive(Clone)]
struct PDirty {
    f: DirtyFn,
    guard: Slot,
    args: Box<[Slot]>,
    dst: Option<(Slot, u128)>,
}

/// A block translated for fast repeated interpretation. See the module
/// documentation.
#[derive(Clone)]
pub struct Prepared {
    stmts: Vec<PStmt>,
    /// Initial contents of the value array: zeros for the temporaries,
    /// then the constant pool.
    init: Vec<u128>,
    next: Slot,
    next_mask: u128,
    jumpkind: JumpKind,
    ip_off: u32,
    ip_size: u8,
    state_size: usize,
    addr: Option<u64>,
}

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prepared")
            .field("addr", &self.addr)
            .field("stmts", &self.stmts.len())
            .field("values", &self.init.len())
            .field("jumpkind", &self.jumpkind)
            .finish_non_exhaustive()
    }
}

struct Builder<'a> {
    irsb: &'a Irsb,
    ntemps: u32,
    consts: Vec<u128>,
    stmt: usize,
    state_size: usize,
}

fn size_of(ty: Type) -> u8 {
    // At most 16: always fits.
    u8::try_from(ty.bytes()).unwrap_or(16)
}

impl Builder<'_> {
    fn temp(&self, t: Temp) -> Result<Slot, PrepareError> {
        if t.0 < self.ntemps {
            Ok(t.0)
        } else {
            Err(PrepareError::UnknownTemp {
                stmt: self.stmt,
                temp: t.0,
            })
        }
    }

    fn temp_type(&self, t: Temp) -> Result<Type, PrepareError> {
        self.irsb.tyenv.get(t).ok_or(PrepareError::UnknownTemp {
            stmt: self.stmt,
            temp: t.0,
        })
    }

    fn atom(&mut self, a: Atom) -> Result<Slot, PrepareError> {
        match a {
            Atom::Tmp(t) => self.temp(t),
            Atom::Const(c) => {
                let v = c.value();
                // Small blocks: a linear search keeps the pool free of
                // duplicates without a map.
                let i = match self.consts.iter().position(|&x| x == v) {
                    Some(i) => i,
                    None => {
                        self.consts.push(v);
                        self.consts.len() - 1
                    }
                };
                u32::try_from(i)
                    .ok()
                    .and_then(|i| i.checked_add(self.ntemps))
                    .ok_or(PrepareError::TooLarge)
            }
        }
    }

    fn atom_type(&self, a: Atom) -> Result<Type, PrepareError> {
        match a {
            Atom::Tmp(t) => self.temp_type(t),
            Atom::Const(c) => Ok(c.ty()),
        }
    }

    fn state_range(&self, offset: u64, size: u32) -> Result<u32, PrepareError> {
        let end = offset.saturating_add(u64::from(size));
        if end > self.state_size as u64 {
            return Err(PrepareError::StateRange {
                stmt: self.stmt,
                offset,
                size,
                state_size: self.state_size,
            });
        }
        u32::try_from(offset).map_err(|_| PrepareError::TooLarge)
    }

    /// Checks every element an index can reach (at least one, even for an
    /// empty array, which `RegArray::offset_of` treats as one element), in
    /// 64-bit arithmetic so a huge element count cannot overflow.
    fn array(&self, d: RegArray) -> Result<(), PrepareError> {
        let bytes = u64::from(d.n.max(1)) * u64::from(d.elem.bytes());
        let end = u64::from(d.base.0).saturating_add(bytes);
        if end > self.state_size as u64 {
            return Err(PrepareError::StateRange {
                stmt: self.stmt,
                offset: u64::from(d.base.0),
                size: u32::try_from(bytes).unwrap_or(u32::MAX),
                state_size: self.state_size,
            });
        }
        Ok(())
    }

    fn expr(
        &mut self,
        dst: Slot,
        e: &Expr,
        helpers: &dyn HelperSource,
    ) -> Result<PStmt, PrepareError> {
        Ok(match e {
            Expr::Const(c) => PStmt::Copy {
                dst,
                src: self.atom(Atom::Const(*c))?,
            },
            Expr::RdTmp(t) => PStmt::Copy {
                dst,
                src: self.temp(*t)?,
            },
            Expr::Get { offset, ty } => PStmt::Get {
                dst,
                off: self.state_range(u64::from(offset.0), ty.bytes())?,
                size: size_of(*ty),
                bit: *ty == Type::I1,
            },
            Expr::GetI { descr, ix, bias } => {
                self.array(*descr)?;
                PStmt::GetI {
                    dst,
                    descr: *descr,
                    ix: self.atom(*ix)?,
                    bias: *bias,
                }
            }
            Expr::Load { end, ty, addr } => PStmt::Load {
                dst,
                addr: self.atom(*addr)?,
                size: size_of(*ty),
                end: *end,
                bit: *ty == Type::I1,
            },
            Expr::Ite { cond, then, els } => PStmt::Ite {
                dst,
                cond: self.atom(*cond)?,
                then: self.atom(*then)?,
                els: self.atom(*els)?,
            },
            Expr::CCall { callee, ty, args } => {
                let args = args
                    .iter()
                    .map(|a| self.atom(*a))
                    .collect::<Result<Box<[Slot]>, _>>()?;
                match helpers.helper(callee.name()) {
                    Some(f) => PStmt::CCall(Box::new(PCall {
                        dst,
                        f,
                        args,
                        mask: ty.mask(),
                    })),
                    None => PStmt::Unresolved(callee.name().into()),
                }
            }
            Expr::Unop { .. } | Expr::Binop { .. } | Expr::Triop { .. } | Expr::Qop { .. } => {
                let Some((op, atoms)) = e.as_op() else {
                    return Err(PrepareError::TooLarge);
                };
                let mut args = [0; 4];
                for (slot, a) in args.iter_mut().zip(atoms.iter()) {
                    *slot = self.atom(*a)?;
                }
                PStmt::Op { dst, op, args }
            }
        })
    }

    fn ip(&self, ty: Type) -> Result<(u32, u8), PrepareError> {
        let off = self.state_range(u64::from(self.irsb.offs_ip.0), ty.bytes())?;
        Ok((off, size_of(ty)))
    }
}

impl Prepared {
    /// Prepares `irsb` for a guest state of `state_size` bytes, resolving
    /// helper names through `helpers`. A helper that cannot be resolved is
    /// not an error here: the block faults when it reaches the call.
    pub fn new(
        irsb: &Irsb,
        state_size: usize,
        helpers: &dyn HelperSource,
    ) -> Result<Prepared, PrepareError> {
        let ntemps = u32::try_from(irsb.tyenv.len()).map_err(|_| PrepareError::TooLarge)?;
        let mut b = Builder {
            irsb,
            ntemps,
            consts: Vec::new(),
            stmt: 0,
            state_size,
        };
        let mut stmts = Vec::with_capacity(irsb.stmts.len());
        let mut addr = None;
        for (i, s) in irsb.stmts.iter().enumerate() {
            b.stmt = i;
            let p = match s {
                Stmt::NoOp | Stmt::Mbe(MemBusEvent::Fence) => continue,
                Stmt::IMark { addr: a, .. } => {
                    addr.get_or_insert(*a);
                    PStmt::IMark { addr: *a }
                }
                Stmt::WrTmp { dst, expr } => {
                    let d = b.temp(*dst)?;
                    b.expr(d, expr, helpers)?
                }
                Stmt::Put { offset, data } => {
                    let ty = b.atom_type(*data)?;
                    PStmt::Put {
                        off: b.state_range(u64::from(offset.0), ty.bytes())?,
                        size: size_of(ty),
                        src: b.atom(*data)?,
                    }
                }
                Stmt::PutI {
                    descr,
                    ix,
                    bias,
                    data,
                } => {
                    b.array(*descr)?;
                    PStmt::PutI {
                        descr: *descr,
                        ix: b.atom(*ix)?,
                        bias: *bias,
                        src: b.atom(*data)?,
                    }
                }
                Stmt::Store { end, addr, data } => PStmt::Store {
                    size: size_of(b.atom_type(*data)?),
                    addr: b.atom(*addr)?,
                    data: b.atom(*data)?,
                    end: *end,
                },
                Stmt::StoreG {
                    end,
                    addr,
                    data,
                    guard,
                } => PStmt::StoreG {
                    size: size_of(b.atom_type(*data)?),
                    addr: b.atom(*addr)?,
                    data: b.atom(*data)?,
                    guard: b.atom(*guard)?,
                    end: *end,
                },
                Stmt::LoadG {
                    end,
                    cvt,
                    dst,
                    addr,
                    alt,
                    guard,
                } => PStmt::LoadG {
                    dst: b.temp(*dst)?,
                    addr: b.atom(*addr)?,
                    alt: b.atom(*alt)?,
                    guard: b.atom(*guard)?,
                    cvt: *cvt,
                    end: *end,
                },
                Stmt::Cas(c) => {
                    let size = size_of(b.atom_type(c.data_lo)?);
                    let zero = b.atom(Atom::u8(0))?;
                    let opt = |b: &mut Builder<'_>, a: Option<Atom>| match a {
                        Some(a) => b.atom(a),
                        None => Ok(zero),
                    };
                    PStmt::Cas(Box::new(PCas {
                        old_lo: b.temp(c.old_lo)?,
                        old_hi: c.old_hi.map(|t| b.temp(t)).transpose()?,
                        addr: b.atom(c.addr)?,
                        expd_lo: b.atom(c.expd_lo)?,
                        expd_hi: opt(&mut b, c.expd_hi)?,
                        data_lo: b.atom(c.data_lo)?,
                        data_hi: opt(&mut b, c.data_hi)?,
                        size,
                        end: c.end,
                    }))
                }
                Stmt::Llsc {
                    end,
                    result,
                    addr,
                    store_data,
                } => match store_data {
                    None => PStmt::LoadLinked {
                        dst: b.temp(*result)?,
                        size: size_of(b.temp_type(*result)?),
                        addr: b.atom(*addr)?,
                        end: *end,
                    },
                    Some(d) => PStmt::StoreCond {
                        dst: b.temp(*result)?,
                        size: size_of(b.atom_type(*d)?),
                        addr: b.atom(*addr)?,
                        data: b.atom(*d)?,
                        end: *end,
                    },
                },
                Stmt::Mbe(MemBusEvent::CancelReservation) => PStmt::CancelReservation,
                Stmt::Dirty(d) => {
                    let args = d
                        .args
                        .iter()
                        .map(|a| b.atom(*a))
                        .collect::<Result<Box<[Slot]>, _>>()?;
                    let dst = match d.tmp {
                        Some(t) => Some((b.temp(t)?, b.temp_type(t)?.mask())),
                        None => None,
                    };
                    match helpers.dirty_helper(d.callee.name()) {
                        Some(f) => PStmt::Dirty(Box::new(PDirty {
                            f,
                            guard: b.atom(d.guard)?,
                            args,
                            dst,
                        })),
                        None => PStmt::Unresolved(d.callee.name().into()),
                    }
                }
                Stmt::Exit {
                    guard,
                    dst,
                    jk,
                    offs_ip,
                } => {
                    let ty = dst.ty();
                    PStmt::Exit {
                        guard: b.atom(*guard)?,
                        dst: low64(dst.value()),
                        ip_off: b.state_range(u64::from(offs_ip.0), ty.bytes())?,
                        ip_size: size_of(ty),
                        jk: *jk,
                    }
                }
            };
            stmts.push(p);
        }
        b.stmt = irsb.stmts.len();
        let next_ty = b.atom_type(irsb.next)?;
        let next = b.atom(irsb.next)?;
        let (ip_off, ip_size) = b.ip(next_ty)?;
        let mut init = vec![0u128; ntemps as usize];
        init.extend_from_slice(&b.consts);
        Ok(Prepared {
            stmts,
            init,
            next,
            next_mask: next_ty.mask(),
            jumpkind: irsb.jumpkind,
            ip_off,
            ip_size,
            state_size,
            addr,
        })
    }

    /// Prepares a block lifted by `guest`, for its guest-state layout.
    pub fn for_guest(irsb: &Irsb, guest: &dyn Guest) -> Result<Prepared, PrepareError> {
        let size = usize::try_from(guest.layout().size).unwrap_or(usize::MAX);
        Prepared::new(irsb, size, &GuestHelpers(guest))
    }

    /// Address of the block's first instruction, if it has one.
    pub fn addr(&self) -> Option<u64> {
        self.addr
    }
}

/// Reads `size` (1, 2, 4, 8 or 16) bytes little-endian. Fixed-size arms
/// compile to single loads instead of a `memmove` call.
#[inline]
fn read_le(state: &[u8], off: usize, size: usize) -> u128 {
    fn arr<const N: usize>(s: &[u8]) -> [u8; N] {
        let mut b = [0u8; N];
        b.copy_from_slice(&s[..N]);
        b
    }
    let s = &state[off..off + size];
    match size {
        1 => u128::from(s[0]),
        2 => u128::from(u16::from_le_bytes(arr(s))),
        4 => u128::from(u32::from_le_bytes(arr(s))),
        8 => u128::from(u64::from_le_bytes(arr(s))),
        _ => {
            let mut b = [0u8; 16];
            b[..size.min(16)].copy_from_slice(&s[..size.min(16)]);
            u128::from_le_bytes(b)
        }
    }
}

/// Writes the low `size` bytes of `v` little-endian.
#[allow(clippy::cast_possible_truncation)] // keeping the low bytes is the point
#[inline]
fn write_le(state: &mut [u8], off: usize, size: usize, v: u128) {
    let d = &mut state[off..off + size];
    match size {
        1 => d[0] = v as u8,
        2 => d.copy_from_slice(&(v as u16).to_le_bytes()),
        4 => d.copy_from_slice(&(v as u32).to_le_bytes()),
        8 => d.copy_from_slice(&(v as u64).to_le_bytes()),
        _ => d.copy_from_slice(&v.to_le_bytes()[..size.min(16)]),
    }
}

fn low64(v: u128) -> u64 {
    u64::try_from(v & u128::from(u64::MAX)).unwrap_or(0)
}

/// Sign-extends the low `bits` bits of `v` into 32 bits.
#[allow(clippy::cast_possible_wrap, clippy::cast_sign_loss)] // reinterpreting bit patterns is the point
fn sext_to_32(v: u128, bits: u32) -> u128 {
    let sh = 128 - bits;
    ((((v << sh) as i128) >> sh) as u128) & 0xffff_ffff
}

/// Runs prepared blocks. Holds the reusable value array and the load-linked
/// reservation, which outlives a block (`ll` and `sc` may sit in different
/// blocks).
#[derive(Debug, Default)]
pub struct Interpreter {
    values: Vec<u128>,
    /// (address, size) of the current load-linked reservation.
    reservation: Option<(u64, u8)>,
}

impl Interpreter {
    /// A fresh interpreter with no reservation.
    pub fn new() -> Interpreter {
        Interpreter::default()
    }

    /// Drops any load-linked reservation (what a context switch or signal
    /// does on real hardware).
    pub fn cancel_reservation(&mut self) {
        self.reservation = None;
    }

    /// Runs `block` over `state` and `mem`.
    ///
    /// On a fault, the statements before the faulting one have taken effect
    /// and the guest's program counter holds the address of the faulting
    /// instruction.
    pub fn run(
        &mut self,
        block: &Prepared,
        state: &mut [u8],
        mem: &mut Memory,
    ) -> Result<BlockExit, Fault> {
        if state.len() < block.state_size {
            return Err(Fault::StateTooSmall {
                need: block.state_size,
                have: state.len(),
            });
        }
        // Offsets were checked against state_size when preparing, so the
        // slicing below stays in bounds.
        let state = &mut state[..block.state_size];
        self.values.clear();
        self.values.extend_from_slice(&block.init);
        let v = &mut self.values;
        // Lifted blocks open with an IMark; before one, the address is unknown.
        let mut pc = 0;
        let mut insns = 0u32;
        let ip = (block.ip_off as usize, block.ip_size as usize);
        let fault = |state: &mut [u8], pc: u64, f: MemFault| {
            write_le(state, ip.0, ip.1, u128::from(pc));
            Fault::Mem { pc, fault: f }
        };
        for s in &block.stmts {
            match s {
                PStmt::IMark { addr } => {
                    pc = *addr;
                    insns = insns.saturating_add(1);
                }
                PStmt::Copy { dst, src } => v[*dst as usize] = v[*src as usize],
                PStmt::Op { dst, op, args } => {
                    let a = [
                        v[args[0] as usize],
                        v[args[1] as usize],
                        v[args[2] as usize],
                        v[args[3] as usize],
                    ];
                    v[*dst as usize] = eval_op_masked(*op, a);
                }
                PStmt::Get {
                    dst,
                    off,
                    size,
                    bit,
                } => {
                    let x = read_le(state, *off as usize, usize::from(*size));
                    v[*dst as usize] = if *bit { x & 1 } else { x };
                }
                PStmt::GetI {
                    dst,
                    descr,
                    ix,
                    bias,
                } => {
                    let off = descr.offset_of(low64(v[*ix as usize]), *bias).index();
                    let size = descr.elem.bytes() as usize;
                    v[*dst as usize] = read_le(state, off, size) & descr.elem.mask();
                }
                PStmt::Load {
                    dst,
                    addr,
                    size,
                    end,
                    bit,
                } => {
                    let a = low64(v[*addr as usize]);
                    match mem.load(a, u32::from(*size), *end) {
                        Ok(x) => v[*dst as usize] = if *bit { x & 1 } else { x },
                        Err(f) => return Err(fault(state, pc, f)),
                    }
                }
                PStmt::Ite {
                    dst,
                    cond,
                    then,
                    els,
                } => {
                    let pick = if v[*cond as usize] & 1 != 0 {
                        then
                    } else {
                        els
                    };
                    v[*dst as usize] = v[*pick as usize];
                }
                PStmt::CCall(c) => {
                    let mut args = [0u128; 8];
                    let r = if c.args.len() <= args.len() {
                        for (x, &s) in args.iter_mut().zip(c.args.iter()) {
                            *x = v[s as usize];
                        }
                        (c.f)(&args[..c.args.len()])
                    } else {
                        let args: Vec<u128> = c.args.iter().map(|&s| v[s as usize]).collect();
                        (c.f)(&args)
                    };
                    v[c.dst as usize] = r & c.mask;
                }
                PStmt::Put { off, size, src } => {
                    write_le(state, *off as usize, usize::from(*size), v[*src as usize]);
                }
                PStmt::PutI {
                    descr,
                    ix,
                    bias,
                    src,
                } => {
                    let off = descr.offset_of(low64(v[*ix as usize]), *bias).index();
                    write_le(state, off, descr.elem.bytes() as usize, v[*src as usize]);
                }
                PStmt::Store {
                    addr,
                    data,
                    size,
                    end,
                } => {
                    let a = low64(v[*addr as usize]);
                    if let Err(f) = mem.store(a, u32::from(*size), v[*data as usize], *end) {
                        return Err(fault(state, pc, f));
                    }
                }
                PStmt::StoreG {
                    addr,
                    data,
                    guard,
                    size,
                    end,
                } => {
                    if v[*guard as usize] & 1 != 0 {
                        let a = low64(v[*addr as usize]);
                        if let Err(f) = mem.store(a, u32::from(*size), v[*data as usize], *end) {
                            return Err(fault(state, pc, f));
                        }
                    }
                }
                PStmt::LoadG {
                    dst,
                    addr,
                    alt,
                    guard,
                    cvt,
                    end,
                } => {
                    v[*dst as usize] = if v[*guard as usize] & 1 != 0 {
                        let a = low64(v[*addr as usize]);
                        let ty = cvt.mem_type();
                        match mem.load(a, ty.bytes(), *end) {
                            Ok(x) => match cvt {
                                LoadGCvt::S16to32 => sext_to_32(x, 16),
                                LoadGCvt::S8to32 => sext_to_32(x, 8),
                                _ => x,
                            },
                            Err(f) => return Err(fault(state, pc, f)),
                        }
                    } else {
                        v[*alt as usize]
                    };
                }
                PStmt::Cas(c) => {
                    // Write permission is required whether or not the
                    // comparison succeeds, as for a locked x86 cmpxchg.
                    let size = u32::from(c.size);
                    let halves = if c.old_hi.is_some() { 2 } else { 1 };
                    let a = low64(v[c.addr as usize]);
                    let a_hi = a.wrapping_add(u64::from(size));
                    let checked = mem
                        .check(a, u64::from(size * halves), AccessKind::Write)
                        .and_then(|()| mem.load(a, size, c.end));
                    let old_lo = checked.map_err(|f| fault(state, pc, f))?;
                    let old_hi = match c.old_hi {
                        Some(_) => mem
                            .load(a_hi, size, c.end)
                            .map_err(|f| fault(state, pc, f))?,
                        None => 0,
                    };
                    let equal = old_lo == v[c.expd_lo as usize]
                        && (c.old_hi.is_none() || old_hi == v[c.expd_hi as usize]);
                    if equal {
                        let (lo, hi) = (v[c.data_lo as usize], v[c.data_hi as usize]);
                        mem.store(a, size, lo, c.end)
                            .map_err(|f| fault(state, pc, f))?;
                        if c.old_hi.is_some() {
                            mem.store(a_hi, size, hi, c.end)
                                .map_err(|f| fault(state, pc, f))?;
                        }
                    }
                    v[c.old_lo as usize] = old_lo;
                    if let Some(t) = c.old_hi {
                        v[t as usize] = old_hi;
                    }
                }
                PStmt::LoadLinked {
                    dst,
                    addr,
                    size,
                    end,
                } => {
                    let a = low64(v[*addr as usize]);
                    match mem.load(a, u32::from(*size), *end) {
                        Ok(x) => {
                            v[*dst as usize] = x;
                            self.reservation = Some((a, *size));
                        }
                        Err(f) => return Err(fault(state, pc, f)),
                    }
                }
                PStmt::StoreCond {
                    dst,
                    addr,
                    data,
                    size,
                    end,
                } => {
                    let a = low64(v[*addr as usize]);
                    let ok = self.reservation.take() == Some((a, *size));
                    if ok {
                        if let Err(f) = mem.store(a, u32::from(*size), v[*data as usize], *end) {
                            return Err(fault(state, pc, f));
                        }
                    }
                    v[*dst as usize] = u128::from(ok);
                }
                PStmt::CancelReservation => self.reservation = None,
                PStmt::Dirty(d) => {
                    if v[d.guard as usize] & 1 == 0 {
                        if let Some((t, _)) = d.dst {
                            v[t as usize] = 0;
                        }
                        continue;
                    }
                    let args: Vec<u128> = d.args.iter().map(|&s| v[s as usize]).collect();
                    let mut ctx = DirtyCtx {
                        state: &mut *state,
                        mem: &mut *mem,
                    };
                    match (d.f)(&mut ctx, &args) {
                        Ok(r) => {
                            if let Some((t, mask)) = d.dst {
                                v[t as usize] = r & mask;
                            }
                        }
                        Err(f) => return Err(fault(state, pc, f)),
                    }
                }
                PStmt::Exit {
                    guard,
                    dst,
                    ip_off,
                    ip_size,
                    jk,
                } => {
                    if v[*guard as usize] & 1 != 0 {
                        write_le(
                            state,
                            *ip_off as usize,
                            usize::from(*ip_size),
                            u128::from(*dst),
                        );
                        return Ok(BlockExit {
                            next: *dst,
                            kind: *jk,
                            insns,
                        });
                    }
                }
                PStmt::Unresolved(name) => {
                    write_le(state, ip.0, ip.1, u128::from(pc));
                    return Err(Fault::UnknownHelper {
                        pc,
                        name: name.to_string(),
                    });
                }
            }
        }
        let next = v[block.next as usize] & block.next_mask;
        write_le(state, ip.0, ip.1, next);
        Ok(BlockExit {
            next: low64(next),
            kind: block.jumpkind,
            insns,
        })
    }
}

//! The block loop and the operand machinery every instruction family uses.
//!
//! One instruction is lifted at a time into the block's [`IrsbBuilder`]; a
//! family handler returns [`Unsupported`] for a form it does not know, and
//! the loop rolls that instruction back and ends the block before it. The
//! same per-instruction entry point answers `can_lift`, so the two always
//! agree.

use super::bits::{mask, small};
use super::flags::{
    Cond, Family, OSZACP, Sink, carry_expr, cc_op, cond_expr, decode_cc_op, specialize,
};
use super::layout::{MODE32, MODE64, Mode};
use crate::LiftOptions;
use iced_x86::{Decoder, DecoderOptions, Instruction, MemorySize, OpKind, Register};
use std::sync::OnceLock;
use vexil_ir::opt::SpecExpr;
use vexil_ir::{Atom, Cas, Const, Endness, Expr, Irsb, IrsbBuilder, JumpKind, Op, Stmt, Type};

/// The instruction is decoded but this lifter does not support it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unsupported;

/// Result of a handler.
pub(crate) type R<T> = Result<T, Unsupported>;

/// What happens after an instruction.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Flow {
    /// Continue with the next instruction.
    Next,
    /// End the block: jump to the target with this kind.
    End(Atom, JumpKind),
}

/// Width-indexed operation tables: `[8, 16, 32, 64]` bits.
pub(crate) type Ops4 = [Op; 4];
pub(crate) const ADD: Ops4 = [Op::Add8, Op::Add16, Op::Add32, Op::Add64];
pub(crate) const SUB: Ops4 = [Op::Sub8, Op::Sub16, Op::Sub32, Op::Sub64];
pub(crate) const AND: Ops4 = [Op::And8, Op::And16, Op::And32, Op::And64];
pub(crate) const OR: Ops4 = [Op::Or8, Op::Or16, Op::Or32, Op::Or64];
pub(crate) const XOR: Ops4 = [Op::Xor8, Op::Xor16, Op::Xor32, Op::Xor64];
pub(crate) const MUL: Ops4 = [Op::Mul8, Op::Mul16, Op::Mul32, Op::Mul64];
pub(crate) const SHL: Ops4 = [Op::Shl8, Op::Shl16, Op::Shl32, Op::Shl64];
pub(crate) const SHR: Ops4 = [Op::Shr8, Op::Shr16, Op::Shr32, Op::Shr64];
pub(crate) const SAR: Ops4 = [Op::Sar8, Op::Sar16, Op::Sar32, Op::Sar64];
pub(crate) const NOT: Ops4 = [Op::Not8, Op::Not16, Op::Not32, Op::Not64];
pub(crate) const CMPEQ: Ops4 = [Op::CmpEQ8, Op::CmpEQ16, Op::CmpEQ32, Op::CmpEQ64];
pub(crate) const CMPNE: Ops4 = [Op::CmpNE8, Op::CmpNE16, Op::CmpNE32, Op::CmpNE64];
pub(crate) const CMPLTU: Ops4 = [Op::CmpLT8U, Op::CmpLT16U, Op::CmpLT32U, Op::CmpLT64U];
pub(crate) const CMPLEU: Ops4 = [Op::CmpLE8U, Op::CmpLE16U, Op::CmpLE32U, Op::CmpLE64U];
pub(crate) const CASCMPNE: Ops4 = [
    Op::CasCmpNE8,
    Op::CasCmpNE16,
    Op::CasCmpNE32,
    Op::CasCmpNE64,
];

/// Picks the op of `ty`'s width from a table.
pub(crate) fn wop(t: Ops4, ty: Type) -> Op {
    t[match ty {
        Type::I8 => 0,
        Type::I16 => 1,
        Type::I32 => 2,
        _ => 3,
    }]
}

/// The conversion from integer type `from` to `to`, zero- or sign-extending
/// when widening and keeping the low bits when narrowing (`None` if equal).
pub(crate) fn conv_op(from: Type, to: Type, signed: bool) -> Option<Op> {
    use Type::*;
    Some(match (from, to, signed) {
        (I1, I8, false) => Op::I1Uto8,
        (I1, I16, false) => Op::I1Uto16,
        (I1, I32, false) => Op::I1Uto32,
        (I1, I64, false) => Op::I1Uto64,
        (I1, I8, true) => Op::I1Sto8,
        (I1, I16, true) => Op::I1Sto16,
        (I1, I32, true) => Op::I1Sto32,
        (I1, I64, true) => Op::I1Sto64,
        (I8, I16, false) => Op::I8Uto16,
        (I8, I32, false) => Op::I8Uto32,
        (I8, I64, false) => Op::I8Uto64,
        (I16, I32, false) => Op::I16Uto32,
        (I16, I64, false) => Op::I16Uto64,
        (I32, I64, false) => Op::I32Uto64,
        (I8, I16, true) => Op::I8Sto16,
        (I8, I32, true) => Op::I8Sto32,
        (I8, I64, true) => Op::I8Sto64,
        (I16, I32, true) => Op::I16Sto32,
        (I16, I64, true) => Op::I16Sto64,
        (I32, I64, true) => Op::I32Sto64,
        (I16, I8, _) => Op::I16to8,
        (I32, I8, _) => Op::I32to8,
        (I64, I8, _) => Op::I64to8,
        (I32, I16, _) => Op::I32to16,
        (I64, I16, _) => Op::I64to16,
        (I64, I32, _) => Op::I64to32,
        (I8, I1, _) => Op::I8to1,
        (I16, I1, _) => Op::I16to1,
        (I32, I1, _) => Op::I32to1,
        (I64, I1, _) => Op::I64to1,
        (I128, I64, _) => Op::I128to64,
        _ => return None,
    })
}

/// The integer type of `bytes` bytes.
pub(crate) fn ity(bytes: u32) -> Type {
    // A table rather than a `match`: operand and register widths ask this
    // for nearly every operand.
    use Type::{I8, I16, I32, I64, I128};
    const BY_BYTES: [Type; 17] = [
        I64, I8, I16, I64, I32, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I128,
    ];
    usize::try_from(bytes)
        .ok()
        .and_then(|b| BY_BYTES.get(b))
        .copied()
        .unwrap_or(I64)
}

/// Guest-state offset and type of general-purpose register `r` in mode `m`
/// (what [`Lifter::gpr_slot`] tabulates).
fn gpr_slot_of(m: &Mode, r: Register) -> R<(u32, Type)> {
    let size = small(r.size());
    let n = small(r.number());
    if r.is_gpr8() {
        // AL CL DL BL AH CH DH BH SPL BPL SIL DIL R8L..R15L
        let (reg, hi) = match n {
            0..=3 => (n, 0),
            4..=7 => (n - 4, 1),
            _ => (n - 4, 0),
        };
        if reg >= m.ngpr {
            return Err(Unsupported);
        }
        return Ok((m.gpr_off(reg) + hi, Type::I8));
    }
    if r.is_gpr() {
        if n >= m.ngpr {
            return Err(Unsupported);
        }
        return Ok((m.gpr_off(n), ity(size)));
    }
    Err(Unsupported)
}

/// Where an integer operand lives.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Loc {
    /// A general-purpose register (any width), with its guest-state slot
    /// (offset and type, as [`Lifter::gpr_slot`] gives), looked up once by
    /// [`Lifter::loc`] so that reading or writing it cannot fail.
    Reg(Register, u32, Type),
    /// Memory at an address.
    Mem(Atom),
    /// An immediate.
    Imm(u64),
}

/// The lifter state for one block.
pub(crate) struct Lifter {
    pub m: &'static Mode,
    pub b: IrsbBuilder,
    pub i: Instruction,
    /// Address of the current instruction.
    pub addr: u64,
    /// Address after it.
    pub next: u64,
    /// The flag thunk's current words (cc_op, dep1, dep2, ndep), once this
    /// block has written or read them.
    known: Option<[Atom; 4]>,
    /// True if `known` is not yet written to guest state. Writes are
    /// deferred to the next exit, dirty call or the end of the block, so a
    /// thunk that a later instruction replaces is never written (what the
    /// optimizer's redundant-PUT removal would do, at a fraction of the
    /// cost). The flags are not precise at memory faults, as VEX allows for
    /// them.
    pending: bool,
    /// `known` as it was when the current instruction began, saved by the
    /// first change to it during the instruction (`None` until then), for
    /// rolling back an instruction that turns out unsupported. Saving on
    /// change rather than copying it before every instruction: most
    /// instructions leave the flags alone.
    flags_undo: Option<Option<[Atom; 4]>>,
    /// `pending` as it was when the current instruction began, saved apart
    /// from `known` (as `flags_undo` saves that): a flush changes only
    /// `pending`, and saving it does not copy the thunk.
    pending_undo: Option<bool>,
    /// The last access this lifter recorded to each general-purpose
    /// register slot (by number), for [`Lifter::reg_value`].
    last: [Option<Access>; 16],
    /// How many of the builder's guest-state writes
    /// ([`IrsbBuilder::state_writes`]) are register `PUT`s that
    /// [`Lifter::note_put`] recorded: each stays inside its own slot.
    noted: u32,
    /// Whether registers the block wrote are read back from that `PUT`
    /// ([`Lifter::reg_value`]): only for blocks that will be optimized, so
    /// that the unoptimized IR stays one `GET` per read.
    forward_regs: bool,
    /// The register table of [`Lifter::gpr_slot`] for this mode, looked up
    /// once per block rather than once per register access.
    slots: Option<&'static Slots>,
}

/// The last recorded access to a general-purpose register slot (see
/// [`Lifter::reg_value`]): a `PUT` of the slot or a `GET` of the whole
/// register. One record per slot rather than one per kind: only the later
/// of the two is looked at. The record carries the value and its type, so
/// that reading it back does not look at the statement again.
#[derive(Copy, Clone, Debug)]
struct Access {
    /// The statement index of the `PUT` or `GET`.
    at: u32,
    /// [`Lifter::other_writes`] just after it.
    others: u32,
    /// The value the slot holds after it: the `PUT`'s data, or the `GET`'s
    /// temporary.
    value: Atom,
    /// The type of `value` (the word, for a `GET`).
    ty: Type,
}

/// Guest-state slot of each general-purpose register, by `Register` value.
type Slots = [Option<(u32, Type)>; 256];

/// The [`Slots`] of the two built-in modes (made once, on first use); `None`
/// for any other mode, which [`Lifter::gpr_slot`] then computes directly.
fn slot_table(m: &'static Mode) -> Option<&'static Slots> {
    static SLOTS32: OnceLock<Slots> = OnceLock::new();
    static SLOTS64: OnceLock<Slots> = OnceLock::new();
    let cell = if std::ptr::eq(m, &MODE64) {
        &SLOTS64
    } else if std::ptr::eq(m, &MODE32) {
        &SLOTS32
    } else {
        return None;
    };
    Some(cell.get_or_init(|| {
        let mut t = [None; 256];
        for r in Register::values() {
            if let Some(slot) = t.get_mut(r as usize) {
                *slot = gpr_slot_of(m, r).ok();
            }
        }
        t
    }))
}

impl Lifter {
    pub(crate) fn new(m: &'static Mode) -> Lifter {
        // Room for a typical block up front (a few hundred bytes of
        // statements and temporaries), so building it does not regrow.
        let b = IrsbBuilder::recycled(48, 64);
        Lifter {
            m,
            b,
            i: Instruction::default(),
            addr: 0,
            next: 0,
            known: None,
            pending: false,
            flags_undo: None,
            pending_undo: None,
            last: [None; 16],
            noted: 0,
            forward_regs: false,
            slots: slot_table(m),
        }
    }

    /// The register number of the word-aligned register slot at guest
    /// offset `off` (`None` for other offsets). The slot size is 4 or 8, a
    /// power of two, so the alignment test and the division are a mask and
    /// a shift (a `%` and `/` by a run-time size were hardware divides).
    #[inline]
    fn slot_number(&self, off: u32) -> Option<usize> {
        let n = off.checked_sub(self.m.gpr)?;
        let size = self.m.gpr_size;
        debug_assert!(size.is_power_of_two());
        if n & (size - 1) != 0 {
            return None;
        }
        usize::try_from(n >> size.trailing_zeros()).ok()
    }

    /// The value register slot `off` holds as type `ty`, if the last `PUT`
    /// to that slot wrote a `ty` value to exactly the slot, is still in the
    /// block, and nothing written to guest state since overlaps the slot:
    /// reading it back gives that value, and the optimizer would replace
    /// the `GET` by it anyway (so the optimized block is the same, reached
    /// with less work; a test compares).
    ///
    /// Likewise a read of the whole register (`ty` is the word) after a
    /// `GET` of the whole register, with nothing written over it since, is
    /// that `GET`'s temporary: the optimizer finds the second `GET` known
    /// from the first and replaces it the same way (the first `GET` is
    /// known to it, or reduced to a value that the second reduces to as
    /// well: no wider value of a whole register can be known, the one case
    /// in which it would rewrite each read to a narrowing of its own).
    /// Narrower repeated reads are left to the optimizer: answering those
    /// here too changed some blocks at `--opt 1`, where two narrowings of
    /// the same value stay two.
    ///
    /// The record of accesses carries the value, so the common case looks
    /// at no statement; a write made without [`Lifter::note_put`]
    /// (helpers, `PutI`, dirty calls) since the access changes
    /// [`Lifter::other_writes`], and then the statements after it are
    /// looked at. Records of a rolled-back instruction are dropped with it
    /// ([`Lifter::undo_insn`]); debug builds check each record used against
    /// its statement (what this looked at before the record carried the
    /// value).
    ///
    /// `k` is the slot's number ([`Lifter::slot_number`] of `off`).
    fn reg_value(&self, k: usize, off: u32, ty: Type) -> Option<Atom> {
        let rec = (*self.last.get(k)?)?;
        if rec.ty != ty {
            return None;
        }
        let stmts = &self.b.stmts;
        let at = usize::try_from(rec.at).ok()?;
        debug_assert!(self.record_holds(&rec, off), "{rec:?} at {off}");
        let (others, value) = (rec.others, rec.value);
        let size = ty.bits().div_ceil(8);
        // Only recent writes are looked for (the scan is the cost).
        let later = stmts.get(at + 1..)?;
        if later.len() > 32 {
            return None;
        }
        if others == self.other_writes() {
            // Since the access, only recorded register `PUT`s, each inside
            // a slot of its own (a later one of this slot would be the
            // record): the scan would find nothing over this slot. (The
            // value read is no wider than the slot: a recorded `PUT` is
            // not, and a recorded `GET` is of the word.)
            debug_assert!(size <= self.m.gpr_size);
            debug_assert!(!self.overwritten(later, off, size));
            return Some(value);
        }
        if self.overwritten(later, off, size) {
            return None;
        }
        Some(value)
    }

    /// True if statement `rec.at` is the access `rec` records to slot `off`
    /// (see [`Lifter::reg_value`]): a `PUT` of `rec.value` to the slot, or
    /// a word-wide `GET` of it into `rec.value`.
    fn record_holds(&self, rec: &Access, off: u32) -> bool {
        let at = usize::try_from(rec.at).unwrap_or(usize::MAX);
        match self.b.stmts.get(at) {
            Some(Stmt::Put { offset, data }) => {
                offset.0 == off && *data == rec.value && self.b.ty(*data) == rec.ty
            }
            Some(Stmt::WrTmp {
                dst,
                expr: Expr::Get { offset, ty },
            }) => {
                offset.0 == off
                    && Atom::Tmp(*dst) == rec.value
                    && *ty == rec.ty
                    && rec.ty == self.m.word
            }
            _ => false,
        }
    }

    /// True if a statement of `later` may write guest state overlapping
    /// `size` bytes at offset `off` (see [`Lifter::reg_value`]).
    fn overwritten(&self, later: &[Stmt], off: u32, size: u32) -> bool {
        later.iter().any(|st| match st {
            // No write is wider than 16 bytes (`V128`): the width is
            // looked up only for writes starting that close below.
            Stmt::Put { offset, data } => {
                offset.0 < off + size
                    && off < offset.0 + 16
                    && off < offset.0 + self.b.ty(*data).bits().div_ceil(8)
            }
            Stmt::PutI { .. } | Stmt::Dirty(_) => true,
            _ => false,
        })
    }

    /// The builder's guest-state writes so far that are not recorded
    /// register `PUT`s ([`Lifter::noted`](Lifter#structfield.noted)): while
    /// this stays the same, nothing but such `PUT`s was added.
    #[inline]
    fn other_writes(&self) -> u32 {
        self.b.state_writes().wrapping_sub(self.noted)
    }

    /// Notes that the statement just pushed is a `PUT` of `data`, a `ty`
    /// value, to register slot `off` (see [`Lifter::reg_value`]). A `PUT`
    /// that is not to the start of a slot, or wider than a slot, is not
    /// recorded and counts among the other writes.
    fn note_put(&mut self, off: u32, data: Atom, ty: Type) {
        if ty.bits() > self.m.gpr_size * 8 {
            return;
        }
        self.note_slot_put(off, data, ty);
    }

    /// [`Lifter::note_put`] for a `PUT` known to be no wider than a slot
    /// (a register's own type, or the word): without the width test.
    fn note_slot_put(&mut self, off: u32, data: Atom, ty: Type) {
        if !self.forward_regs {
            return;
        }
        if let Some(k) = self.slot_number(off) {
            self.record_put(k, data, ty);
        }
    }

    /// Records the statement just pushed, a `PUT` of `data` (of type `ty`)
    /// to register slot number `k` no wider than the slot, as the slot's
    /// last access (for blocks that forward register reads; slots past the
    /// table are not recorded).
    fn record_put(&mut self, k: usize, data: Atom, ty: Type) {
        if k >= self.last.len() {
            return;
        }
        self.noted = self.noted.wrapping_add(1);
        let at = u32::try_from(self.b.stmts.len() - 1).unwrap_or(u32::MAX);
        let others = self.other_writes();
        if let Some(slot) = self.last.get_mut(k) {
            *slot = Some(Access {
                at,
                others,
                value: data,
                ty,
            });
        }
    }

    /// Reads register slot `off` as `ty`: the value last written there in
    /// this block if [`Lifter::reg_value`] finds it, else a `GET`.
    /// Always inlined: nearly every instruction reads a register or two,
    /// and as a call (which `#[inline]` left it) each read paid for saving
    /// and restoring six registers besides the call.
    #[inline(always)]
    pub(crate) fn get_slot(&mut self, off: u32, ty: Type) -> Atom {
        // The slot number, worked out once for the look-up and the record.
        let k = self.slot_number(off);
        if let Some(v) = k.and_then(|k| self.reg_value(k, off, ty)) {
            return v;
        }
        let v = self.b.get(off, ty);
        if self.forward_regs && ty == self.m.word {
            let at = u32::try_from(self.b.stmts.len() - 1).unwrap_or(u32::MAX);
            let others = self.other_writes();
            if let Some(slot) = k.and_then(|k| self.last.get_mut(k)) {
                *slot = Some(Access {
                    at,
                    others,
                    value: v,
                    ty,
                });
            }
        }
        v
    }

    // ------------------------------------------------------------ constants

    pub(crate) fn cst(ty: Type, v: u64) -> Atom {
        Atom::Const(Const::int(ty, v))
    }
    pub(crate) fn cw(&self, v: u64) -> Atom {
        Self::cst(self.m.word, v)
    }
    pub(crate) fn u8v(v: u64) -> Atom {
        Atom::u8(super::bits::lo8(v))
    }
    pub(crate) fn u8c(v: u32) -> Atom {
        Atom::u8(u8::try_from(v & 0xff).unwrap_or(0))
    }
    /// A word-sized constant address.
    pub(crate) fn addr_const(&self, v: u64) -> Const {
        Const::int(self.m.word, v & mask(self.m.bits))
    }

    // ------------------------------------------------------------ ops

    pub(crate) fn un(&mut self, op: Op, a: Atom) -> Atom {
        self.b.unop(op, a)
    }
    pub(crate) fn bin(&mut self, op: Op, a: Atom, b: Atom) -> Atom {
        self.b.binop(op, a, b)
    }
    pub(crate) fn wbin(&mut self, t: Ops4, ty: Type, a: Atom, b: Atom) -> Atom {
        self.b.binop(wop(t, ty), a, b)
    }
    #[inline]
    pub(crate) fn ty(&self, a: Atom) -> Type {
        self.b.ty(a)
    }
    pub(crate) fn ite(&mut self, c: Atom, t: Atom, e: Atom) -> Atom {
        self.b.ite(c, t, e)
    }
    /// Converts `a` to `to` (zero-extending, or keeping the low bits).
    /// Most calls find the type right already; that test is inlined so they
    /// skip the call into the general conversion.
    #[inline]
    pub(crate) fn zx(&mut self, a: Atom, to: Type) -> Atom {
        if self.ty(a) == to {
            return a;
        }
        self.conv(a, to, false)
    }
    /// Converts `a` to `to` (sign-extending, or keeping the low bits).
    #[inline]
    pub(crate) fn sx(&mut self, a: Atom, to: Type) -> Atom {
        if self.ty(a) == to {
            return a;
        }
        self.conv(a, to, true)
    }
    fn conv(&mut self, a: Atom, to: Type, signed: bool) -> Atom {
        let from = self.ty(a);
        if from == to {
            return a;
        }
        if let Atom::Const(c) = a {
            if from.is_int() && to.is_int() && from != Type::I128 {
                let v = c.bits();
                let fb = from.bits();
                let v = if signed && to.bits() > fb {
                    super::bits::sext(v, fb)
                } else {
                    v
                };
                return Self::cst(to, v);
            }
        }
        match conv_op(from, to, signed) {
            Some(op) => self.un(op, a),
            None => {
                // Two-step conversions (I1 -> wider handled above; I128 -> narrow).
                let mid = self.un(Op::I128to64, a);
                self.conv(mid, to, signed)
            }
        }
    }
    /// `a == 0` as I1.
    pub(crate) fn is_zero(&mut self, a: Atom) -> Atom {
        let ty = self.ty(a);
        self.wbin(CMPEQ, ty, a, Self::cst(ty, 0))
    }
    pub(crate) fn not1(&mut self, a: Atom) -> Atom {
        self.un(Op::Not1, a)
    }

    // ------------------------------------------------------------ registers

    /// Guest-state offset and type of a general-purpose register, from a
    /// table made once per mode by [`gpr_slot_of`] (registers are read and
    /// written several times per instruction).
    #[inline]
    pub(crate) fn gpr_slot(&self, r: Register) -> R<(u32, Type)> {
        match self.slots {
            Some(slots) => slots.get(r as usize).copied().flatten().ok_or(Unsupported),
            None => gpr_slot_of(self.m, r),
        }
    }
    pub(crate) fn get_reg(&mut self, r: Register) -> R<Atom> {
        let (off, ty) = self.gpr_slot(r)?;
        Ok(self.get_slot(off, ty))
    }
    /// Writes a general-purpose register with x86's rules: a 32-bit write in
    /// 64-bit mode zeroes the upper half; 8- and 16-bit writes merge.
    pub(crate) fn put_reg(&mut self, r: Register, v: Atom) -> R<()> {
        let (off, ty) = self.gpr_slot(r)?;
        self.put_slot(off, ty, v);
        Ok(())
    }
    /// [`Lifter::put_reg`] once the register's slot is known: writes `v`
    /// to the register at offset `off` whose type is `ty`. Always inlined,
    /// as [`Lifter::get_slot`] is: a call cost more than the write.
    #[inline(always)]
    pub(crate) fn put_slot(&mut self, off: u32, ty: Type, v: Atom) {
        // A register's type is no wider than its slot: `note_slot_put`.
        debug_assert!(ty.bits() <= self.m.gpr_size * 8);
        let v = self.zx(v, ty);
        if ty == Type::I32 && self.m.bits == 64 {
            let w = self.zx(v, Type::I64);
            self.b.put(off, w);
            self.note_slot_put(off, w, Type::I64);
        } else {
            self.b.put(off, v);
            self.note_slot_put(off, v, ty);
        }
    }
    /// Register number `n` at word width.
    pub(crate) fn get_gpr(&mut self, n: u32, ty: Type) -> Atom {
        let off = self.m.gpr_off(n);
        self.get_slot(off, ty)
    }
    /// Writes register number `n` with `v` of type `ty` (x86 width rules).
    pub(crate) fn put_gpr(&mut self, n: u32, v: Atom) {
        let off = self.m.gpr_off(n);
        let ty = self.ty(v);
        if ty == Type::I32 && self.m.bits == 64 {
            let w = self.zx(v, Type::I64);
            self.b.put(off, w);
            self.note_put(off, w, Type::I64);
        } else {
            self.b.put(off, v);
            self.note_put(off, v, ty);
        }
    }

    // ------------------------------------------------------------ memory

    pub(crate) fn load(&mut self, ty: Type, addr: Atom) -> Atom {
        self.b.load(Endness::Le, ty, addr)
    }
    pub(crate) fn store(&mut self, addr: Atom, v: Atom) {
        self.b.store(Endness::Le, addr, v);
    }

    /// Base of a segment override (`fs`/`gs`), if any.
    fn seg_base(&mut self, seg: Register) -> Option<Atom> {
        let off = match seg {
            Register::FS => self.m.fs_base,
            Register::GS => self.m.gs_base,
            _ => return None,
        };
        Some(self.b.get(off, self.m.word))
    }

    /// The effective address of the memory operand, without segment base
    /// (what `lea` computes), at the address size, zero-extended to a word.
    pub(crate) fn ea_noseg(&mut self) -> Atom {
        // The fields, not a copy of the whole instruction.
        let base = self.i.memory_base();
        let index = self.i.memory_index();
        let disp = self.i.memory_displacement64();
        let word = self.m.word;
        // The common form first: a general-purpose base register and a
        // displacement, no index. The base's slot type is the address
        // size (what `base.size()` gives below), so the register-size
        // lookup and the index tests are skipped; the statements are the
        // general path's.
        if index == Register::None {
            if let Ok((off, aty)) = self.gpr_slot(base) {
                debug_assert_eq!(aty, ity(small(base.size())));
                let a = self.get_slot(off, aty);
                let a = if disp & mask(aty.bits()) != 0 {
                    self.wbin(ADD, aty, a, Self::cst(aty, disp))
                } else {
                    a
                };
                return if aty == word { a } else { self.zx(a, word) };
            }
        }
        let scale = self.i.memory_index_scale();
        if base == Register::RIP || base == Register::EIP {
            let v = if base == Register::EIP {
                disp & 0xffff_ffff
            } else {
                disp
            };
            return Atom::Const(self.addr_const(v));
        }
        let asz = if base != Register::None {
            base.size()
        } else if index != Register::None && !index.is_vector_register() {
            index.size()
        } else {
            return Atom::Const(self.addr_const(disp));
        };
        let aty = ity(small(asz));
        // Registers read through their slots (`get_reg` without its
        // `Result`).
        let mut acc: Option<Atom> = None;
        if base != Register::None {
            if let Ok((off, ty)) = self.gpr_slot(base) {
                acc = Some(self.get_slot(off, ty));
            }
        }
        if index != Register::None && !index.is_vector_register() {
            if let Ok((off, ty)) = self.gpr_slot(index) {
                let ix = self.get_slot(off, ty);
                let ix = if scale > 1 {
                    let sh = Self::u8c(scale.trailing_zeros());
                    self.wbin(SHL, aty, ix, sh)
                } else {
                    ix
                };
                acc = Some(match acc {
                    Some(a) => self.wbin(ADD, aty, a, ix),
                    None => ix,
                });
            }
        }
        let dmask = mask(aty.bits());
        let mut a = match acc {
            Some(a) => {
                if disp & dmask != 0 {
                    self.wbin(ADD, aty, a, Self::cst(aty, disp))
                } else {
                    a
                }
            }
            None => Self::cst(aty, disp),
        };
        if aty != word {
            a = self.zx(a, word);
        }
        a
    }

    /// The address of the memory operand, segment base included.
    pub(crate) fn ea(&mut self) -> Atom {
        let a = self.ea_noseg();
        match self.seg_base(self.i.memory_segment()) {
            Some(base) => {
                let w = self.m.word;
                self.wbin(ADD, w, base, a)
            }
            None => a,
        }
    }

    /// Address of a string operand register (`rsi`/`rdi` at the address
    /// size) plus the segment base for `rsi` overrides.
    pub(crate) fn str_addr(&mut self, reg: u32, seg: Register) -> Atom {
        let asz = self.addr_size();
        let a = self.get_gpr(reg, asz);
        let a = self.zx(a, self.m.word);
        match self.seg_base(seg) {
            Some(base) => {
                let w = self.m.word;
                self.wbin(ADD, w, base, a)
            }
            None => a,
        }
    }

    /// Address size of `xlat` (its memory operand names rbx/ebx/bx).
    pub(crate) fn addr_size_xlat(&self) -> Type {
        match self.i.memory_base() {
            Register::BX => Type::I16,
            Register::EBX => Type::I32,
            _ => self.m.word,
        }
    }

    /// Adds the instruction's fs/gs segment base, if it has one.
    pub(crate) fn seg_add(&mut self, a: Atom) -> Atom {
        match self.seg_base(self.i.memory_segment()) {
            Some(base) => {
                let w = self.m.word;
                self.wbin(ADD, w, base, a)
            }
            None => a,
        }
    }

    /// The instruction's address size as a type.
    pub(crate) fn addr_size(&self) -> Type {
        // iced reports string/jrcxz address size through the memory kinds;
        // for the rest, look at the operand kinds that name it.
        let i = &self.i;
        for n in 0..i.op_count() {
            match i.op_kind(n) {
                OpKind::MemorySegSI | OpKind::MemorySegDI | OpKind::MemoryESDI => return Type::I16,
                OpKind::MemorySegESI | OpKind::MemorySegEDI | OpKind::MemoryESEDI => {
                    return Type::I32;
                }
                OpKind::MemorySegRSI | OpKind::MemorySegRDI | OpKind::MemoryESRDI => {
                    return Type::I64;
                }
                _ => {}
            }
        }
        self.m.word
    }

    // ------------------------------------------------------------ operands

    /// The location of operand `n`; memory addresses are computed here, once.
    pub(crate) fn loc(&mut self, n: u32) -> R<Loc> {
        // Reads the instruction in place (no copy of it per operand).
        match self.i.try_op_kind(n).map_err(|_| Unsupported)? {
            OpKind::Register => {
                // Only general-purpose registers have a slot.
                let r = self.i.op_register(n);
                let (off, ty) = self.gpr_slot(r)?;
                Ok(Loc::Reg(r, off, ty))
            }
            OpKind::Memory => Ok(Loc::Mem(self.ea())),
            k if is_imm(k) => Ok(Loc::Imm(self.i.try_immediate(n).map_err(|_| Unsupported)?)),
            _ => Err(Unsupported),
        }
    }

    /// The slot (offset and type) of operand 0 if it is a register, `None`
    /// if it is not; an error for a register other than a general-purpose
    /// one, as [`Lifter::op_ty`] gives. Handlers whose destination is a
    /// register look its slot up once this way, rather than in `op_ty`,
    /// `loc`, `read` and `put_reg` in turn.
    pub(crate) fn dst_slot(&self) -> R<Option<(u32, Type)>> {
        if self.i.op0_kind() != OpKind::Register {
            return Ok(None);
        }
        let slot = self.gpr_slot(self.i.op0_register())?;
        debug_assert_eq!(self.op_ty(0, Type::I32), Ok(slot.1));
        Ok(Some(slot))
    }

    /// The integer type of operand `n` (immediates take `fallback`).
    pub(crate) fn op_ty(&self, n: u32, fallback: Type) -> R<Type> {
        let i = &self.i;
        match i.try_op_kind(n).map_err(|_| Unsupported)? {
            OpKind::Register => {
                let r = i.op_register(n);
                if !r.is_gpr() {
                    return Err(Unsupported);
                }
                Ok(ity(small(r.size())))
            }
            OpKind::Memory => mem_ty(i.memory_size()),
            k if is_imm(k) => Ok(fallback),
            _ => Err(Unsupported),
        }
    }

    /// Reads a location at type `ty`. This cannot fail: a register
    /// location carries its slot. Always inlined (most callers pass a
    /// location just made, whose kind is then known), as the slot reads
    /// and writes are.
    #[inline(always)]
    pub(crate) fn read(&mut self, l: Loc, ty: Type) -> Atom {
        match l {
            Loc::Reg(_, off, rty) => {
                let v = self.get_slot(off, rty);
                self.zx(v, ty)
            }
            Loc::Mem(a) => self.load(ty, a),
            Loc::Imm(v) => Self::cst(ty, v),
        }
    }

    /// Writes a location.
    pub(crate) fn write(&mut self, l: Loc, v: Atom) -> R<()> {
        match l {
            Loc::Reg(_, off, ty) => {
                self.put_slot(off, ty, v);
                Ok(())
            }
            Loc::Mem(a) => {
                self.store(a, v);
                Ok(())
            }
            Loc::Imm(_) => Err(Unsupported),
        }
    }

    /// Writes the result of a read-modify-write. With a `lock` prefix and a
    /// memory destination this is a compare-and-swap against the value read,
    /// and the instruction restarts if another writer got in between.
    pub(crate) fn write_rmw(&mut self, l: Loc, old: Atom, new: Atom) -> R<()> {
        match l {
            Loc::Mem(a) if self.i.has_lock_prefix() => {
                self.cas(a, old, new);
                Ok(())
            }
            _ => self.write(l, new),
        }
    }

    /// Atomic compare-and-swap of `new` for `expd` at `addr`; restarts the
    /// instruction when memory did not hold `expd`. Returns the old value.
    pub(crate) fn cas(&mut self, addr: Atom, expd: Atom, new: Atom) -> Atom {
        let ty = self.ty(expd);
        let old = self.b.new_temp(ty);
        self.b.push(Stmt::Cas(Box::new(Cas {
            old_hi: None,
            old_lo: old,
            end: Endness::Le,
            addr,
            expd_hi: None,
            expd_lo: expd,
            data_hi: None,
            data_lo: new,
        })));
        let ne = self.wbin(CASCMPNE, ty, Atom::Tmp(old), expd);
        let here = self.addr_const(self.addr);
        self.flush_flags();
        self.b.exit(ne, here, JumpKind::Boring, self.m.ip);
        Atom::Tmp(old)
    }

    // ------------------------------------------------------------ flags

    /// Records a flag thunk (written to guest state by [`Lifter::flush_flags`]).
    /// `dep1`/`dep2` have the operation's width and are zero-extended to a
    /// word; `ndep` is a word (or zero). Always inlined: the callers
    /// (the arithmetic handlers) mostly pass a constant family and a known
    /// `ndep`, so the `cc_op` number and the tests fold away, and the call
    /// with its register saves cost more than what is left.
    #[inline(always)]
    pub(crate) fn thunk(
        &mut self,
        fam: Family,
        ty: Type,
        dep1: Atom,
        dep2: Atom,
        ndep: Option<Atom>,
    ) {
        let size = ty.bytes();
        let op = cc_op(self.m.bits, fam, size);
        let w = self.m.word;
        let d1 = self.zx(dep1, w);
        let d2 = self.zx(dep2, w);
        let nd = ndep.unwrap_or(Self::cst(w, 0));
        let opc = Self::cst(w, op);
        self.set_thunk([opc, d1, d2, nd]);
    }

    /// Starts an instruction: returns the builder's rollback point, and
    /// forgets the previous instruction's flag state.
    fn begin_insn(&mut self) -> (usize, usize) {
        self.flags_undo = None;
        self.pending_undo = None;
        self.b.mark()
    }

    /// Discards everything the current instruction did since
    /// [`Lifter::begin_insn`] returned `mark`: statements, temporaries and
    /// flag changes.
    fn undo_insn(&mut self, mark: (usize, usize)) {
        self.b.rollback(mark);
        // The register records of the discarded statements go with them.
        for slot in &mut self.last {
            if slot.is_some_and(|rec| usize::try_from(rec.at).map_or(true, |at| at >= mark.0)) {
                *slot = None;
            }
        }
        if let Some(known) = self.flags_undo.take() {
            self.known = known;
        }
        if let Some(pending) = self.pending_undo.take() {
            self.pending = pending;
        }
    }

    /// Records the thunk before the current instruction's first change to
    /// it (see `flags_undo`).
    fn save_known(&mut self) {
        if self.flags_undo.is_none() {
            self.flags_undo = Some(self.known);
        }
    }

    /// Records `pending` before the current instruction's first change to
    /// it (see `pending_undo`).
    fn save_pending(&mut self) {
        if self.pending_undo.is_none() {
            self.pending_undo = Some(self.pending);
        }
    }

    /// Makes `k` the thunk, to be written to guest state later.
    fn set_thunk(&mut self, k: [Atom; 4]) {
        self.save_known();
        self.save_pending();
        self.known = Some(k);
        self.pending = true;
    }

    /// Writes the deferred thunk to guest state (before anything that may
    /// leave the block or look at guest state).
    /// The test is inlined: about half the calls find nothing pending.
    #[inline]
    pub(crate) fn flush_flags(&mut self) {
        if self.pending {
            self.write_flags();
        }
    }

    /// [`Lifter::flush_flags`] with a thunk pending.
    fn write_flags(&mut self) {
        self.save_pending();
        self.pending = false;
        // The thunk by reference, not copied out.
        if let Some(k) = &self.known {
            let offs = [self.m.cc_op, self.m.cc_dep1, self.m.cc_dep2, self.m.cc_ndep];
            for (off, v) in offs.into_iter().zip(k) {
                self.b.put(off, *v);
            }
        }
    }

    /// Like [`Lifter::thunk`], but only when `guard` (I1) holds; otherwise
    /// the thunk keeps its old value (shifts by a zero count).
    pub(crate) fn thunk_if(
        &mut self,
        guard: Atom,
        fam: Family,
        ty: Type,
        dep1: Atom,
        dep2: Atom,
        ndep: Option<Atom>,
    ) {
        let w = self.m.word;
        let op = Self::cst(w, cc_op(self.m.bits, fam, ty.bytes()));
        let d1 = self.zx(dep1, w);
        let d2 = self.zx(dep2, w);
        let nd = ndep.unwrap_or(Self::cst(w, 0));
        let old = self.thunk_args();
        let mut now = old;
        for (k, v) in [op, d1, d2, nd].into_iter().enumerate() {
            now[k] = self.ite(guard, v, old[k]);
        }
        self.set_thunk(now);
    }

    /// Sets the flags to a computed OSZACP word (a `COPY` thunk).
    pub(crate) fn set_flags_word(&mut self, f: Atom) {
        let w = self.m.word;
        let f = self.zx(f, w);
        self.thunk(Family::Copy, w, f, Self::cst(w, 0), None);
    }

    /// The thunk's four words: known from an earlier instruction of this
    /// block, or read from guest state (once per block).
    fn thunk_args(&mut self) -> [Atom; 4] {
        if let Some(k) = self.known {
            return k;
        }
        let w = self.m.word;
        let k = [
            self.b.get(self.m.cc_op, w),
            self.b.get(self.m.cc_dep1, w),
            self.b.get(self.m.cc_dep2, w),
            self.b.get(self.m.cc_ndep, w),
        ];
        self.save_known();
        self.known = Some(k);
        k
    }

    /// Emits a specialization tree.
    fn emit_spec(&mut self, e: SpecExpr) -> Atom {
        match e {
            SpecExpr::Atom(a) => a,
            SpecExpr::Op(op, args) => {
                let mut a = [Atom::bool(false); 4];
                let n = args.len().min(4);
                for (slot, x) in a.iter_mut().zip(args) {
                    *slot = self.emit_spec(x);
                }
                match n {
                    1 => self.un(op, a[0]),
                    2 => self.bin(op, a[0], a[1]),
                    3 => self.b.triop(op, a[0], a[1], a[2]),
                    _ => self.b.qop(op, a[0], a[1], a[2], a[3]),
                }
            }
            SpecExpr::Ite(c, t, f) => {
                let c = self.emit_spec(*c);
                let t = self.emit_spec(*t);
                let f = self.emit_spec(*f);
                self.ite(c, t, f)
            }
        }
    }

    /// A flag helper call, specialized on the spot when the thunk's
    /// operation is known in this block (what the optimizer would do later,
    /// done early so it has less to do).
    fn flag_helper(&mut self, name: &'static str, args: &[Atom]) -> Atom {
        if let Some(e) = specialize(self.m.bits, name, args) {
            return self.emit_spec(e);
        }
        let w = self.m.word;
        self.b.ccall(name, w, args)
    }

    /// The current OSZACP flags as a word.
    pub(crate) fn flags_all(&mut self) -> Atom {
        let a = self.thunk_args();
        self.flag_helper(self.m.rflags_helper, &a)
    }

    /// The thunk's operation, when this block knows it.
    fn known_op(&self, op: Atom) -> Option<(Family, u32)> {
        decode_cc_op(self.m.bits, op.as_const()?.bits())
    }

    /// The current carry flag as a word (0 or 1).
    pub(crate) fn carry(&mut self) -> Atom {
        let a = self.thunk_args();
        let [op, d1, d2, nd] = a;
        // Emitted straight from the flag builders: the statements the
        // specialization tree of `specialize` would flatten to, without
        // building the tree.
        if let Some((fam, size)) = self.known_op(op) {
            if let Some(r) = carry_expr(self, self.m.bits, fam, size, [d1, d2, nd]) {
                return r;
            }
        }
        let w = self.m.word;
        self.b.ccall(self.m.carry_helper, w, &a)
    }

    /// Condition `c` as I1.
    pub(crate) fn cond(&mut self, c: Cond) -> Atom {
        let [op, d1, d2, nd] = self.thunk_args();
        // As in `carry`; and without the widening to a word that the
        // helper's result needs.
        if let Some((fam, size)) = self.known_op(op) {
            if let Some(r) = cond_expr(self, self.m.bits, c, fam, size, [d1, d2, nd]) {
                return r;
            }
        }
        // (`specialize` would find nothing either: it asks the same builders.)
        let args = [self.cw(c as u64), op, d1, d2, nd];
        let w = self.m.word;
        let r = self.b.ccall(self.m.cond_helper, w, &args);
        self.zx(r, Type::I1)
    }

    /// The OSZACP flags with `clear` bits cleared and `set` (a word) or'ed in.
    pub(crate) fn merge_flags(&mut self, keep: u64, set: Atom) -> Atom {
        let w = self.m.word;
        let f = self.flags_all();
        let k = self.wbin(AND, w, f, Self::cst(w, keep & OSZACP));
        let set = self.zx(set, w);
        self.wbin(OR, w, k, set)
    }

    /// The direction flag as a word: +1 or -1.
    pub(crate) fn dflag(&mut self) -> Atom {
        let w = self.m.word;
        self.b.get(self.m.dflag, w)
    }

    // ------------------------------------------------------------ stack

    pub(crate) fn sp(&mut self) -> Atom {
        let w = self.m.word;
        self.get_gpr(4, w)
    }
    pub(crate) fn set_sp(&mut self, v: Atom) {
        self.put_gpr(4, v);
    }
    /// [`Lifter::set_sp`] for a word-typed `v` (what `push` and `pop`
    /// compute): a word is written as it is, so its type is not looked up.
    fn set_sp_word(&mut self, v: Atom) {
        debug_assert_eq!(self.ty(v), self.m.word);
        let off = self.m.gpr_off(4);
        self.b.put(off, v);
        // `note_put`, with the slot number known: the stack pointer is 4.
        debug_assert_eq!(self.slot_number(off), Some(4));
        if self.forward_regs {
            self.record_put(4, v, self.m.word);
        }
    }
    /// Pushes `v` (its own width). Always inlined, as `pop` is: `push`,
    /// `call` and `pop` are among the commonest instructions, and the call
    /// cost more than the three statements.
    #[inline(always)]
    pub(crate) fn push(&mut self, v: Atom) {
        let w = self.m.word;
        let sz = u64::from(self.ty(v).bytes());
        let sp = self.sp();
        let nsp = self.wbin(SUB, w, sp, Self::cst(w, sz));
        self.set_sp_word(nsp);
        self.store(nsp, v);
    }
    /// Pops a value of type `ty`.
    #[inline(always)]
    pub(crate) fn pop(&mut self, ty: Type) -> Atom {
        let w = self.m.word;
        let sp = self.sp();
        let v = self.load(ty, sp);
        let nsp = self.wbin(ADD, w, sp, Self::cst(w, u64::from(ty.bytes())));
        self.set_sp_word(nsp);
        v
    }

    // ------------------------------------------------------------ exits

    /// A side exit to `target` when `guard` holds.
    pub(crate) fn exit_if(&mut self, guard: Atom, target: u64, jk: JumpKind) {
        let c = self.addr_const(target);
        self.flush_flags();
        self.b.exit(guard, c, jk, self.m.ip);
    }
    /// Ends the block at a constant target.
    pub(crate) fn goto(&self, target: u64, jk: JumpKind) -> Flow {
        Flow::End(Atom::Const(self.addr_const(target)), jk)
    }
}

/// The lifter as a flag-expression sink: each operation becomes a statement
/// as soon as it is built (see [`Sink`]).
impl Sink for Lifter {
    type V = Atom;
    fn atom(&mut self, a: Atom) -> Atom {
        a
    }
    fn op1(&mut self, op: Op, a: Atom) -> Atom {
        self.un(op, a)
    }
    fn op2(&mut self, op: Op, a: Atom, b: Atom) -> Atom {
        self.bin(op, a, b)
    }
}

/// True for the immediate operand kinds.
pub(crate) fn is_imm(k: OpKind) -> bool {
    matches!(
        k,
        OpKind::Immediate8
            | OpKind::Immediate8_2nd
            | OpKind::Immediate16
            | OpKind::Immediate32
            | OpKind::Immediate64
            | OpKind::Immediate8to16
            | OpKind::Immediate8to32
            | OpKind::Immediate8to64
            | OpKind::Immediate32to64
    )
}

/// The integer type of a memory access of this size.
pub(crate) fn mem_ty(ms: MemorySize) -> R<Type> {
    match ms.size() {
        1 => Ok(Type::I8),
        2 => Ok(Type::I16),
        4 => Ok(Type::I32),
        8 => Ok(Type::I64),
        _ => Err(Unsupported),
    }
}

/// Lifts one block (before optimization).
pub(crate) fn lift_block(m: &'static Mode, code: &[u8], addr: u64, opts: &LiftOptions) -> Irsb {
    lift_block_with(m, code, addr, opts, opts.opt_level > 0)
}

/// [`lift_block`], reading registers the block wrote back from their
/// writes if `forward_regs` (see [`Lifter::reg_value`]).
fn lift_block_with(
    m: &'static Mode,
    code: &[u8],
    addr: u64,
    opts: &LiftOptions,
    forward_regs: bool,
) -> Irsb {
    // The decoder is used where `try_with_ip` built it, inside its
    // `Result`: `Decoder::with_ip` unwraps that `Result`, a copy of the
    // whole decoder (hundreds of bytes) for every block. `try_with_ip`
    // fails only for a bitness other than 16, 32 or 64 (which `with_ip`
    // then reports, as before) or a slice ending at the top of the address
    // space, which has nothing to decode.
    let mut made = Decoder::try_with_ip(m.bits, code, addr, DecoderOptions::NONE);
    let mut empty;
    let dec = match &mut made {
        Ok(dec) => dec,
        Err(_) => {
            empty = empty_decoder(m, addr);
            &mut empty
        }
    };
    lift_decoded(m, dec, addr, opts, forward_regs)
}

/// A decoder with nothing to decode, at `addr`.
pub(crate) fn empty_decoder<'a>(m: &Mode, addr: u64) -> Decoder<'a> {
    Decoder::with_ip(m.bits, &[], addr, DecoderOptions::NONE)
}

/// [`lift_block_with`] of the bytes `dec` decodes from its position on,
/// `dec`'s instruction pointer being `addr`: a decoder can serve many
/// blocks of the same bytes (see [`X86Region`](super::X86Region)).
pub(crate) fn lift_decoded(
    m: &'static Mode,
    dec: &mut Decoder<'_>,
    addr: u64,
    opts: &LiftOptions,
    forward_regs: bool,
) -> Irsb {
    debug_assert_eq!(dec.ip(), addr);
    let mut lf = Lifter::new(m);
    lf.forward_regs = forward_regs;
    let mut count = 0u32;
    let mut bytes = 0u32;
    let mut pc = addr;
    let max_insns = opts.max_insns.max(1);
    let (next, jk) = loop {
        if count >= max_insns || bytes >= opts.max_bytes {
            break (Atom::Const(lf.addr_const(pc)), JumpKind::Boring);
        }
        let undecodable = |lf: &Lifter, count: u32, pc: u64| {
            let jk = if count == 0 {
                JumpKind::NoDecode
            } else {
                JumpKind::Boring
            };
            (Atom::Const(lf.addr_const(pc)), jk)
        };
        // No `can_decode` test first: with no bytes left the decoder gives
        // an invalid instruction, which ends the block the same way.
        dec.decode_out(&mut lf.i);
        if lf.i.is_invalid() {
            break undecodable(&lf, count, pc);
        }
        let len = small(lf.i.len());
        if count > 0 && bytes + len > opts.max_bytes {
            break (Atom::Const(lf.addr_const(pc)), JumpKind::Boring);
        }
        lf.addr = pc;
        lf.next = lf.i.next_ip();
        let mark = lf.begin_insn();
        lf.b.imark(pc, len, 0);
        match super::dispatch::lift_insn(&mut lf) {
            Ok(Flow::Next) => {
                count += 1;
                bytes += len;
                pc = lf.next;
                // Unlike VEX, no `PUT(ip)` between instructions: faults are
                // attributed through the IMarks, exits and `next` carry
                // their targets, and no helper reads the instruction pointer.
            }
            Ok(Flow::End(t, jk)) => break (t, jk),
            Err(Unsupported) => {
                lf.undo_insn(mark);
                break undecodable(&lf, count, pc);
            }
        }
    };
    let next = match next {
        Atom::Const(c) => Atom::Const(lf.addr_const(c.bits())),
        t => t,
    };
    lf.flush_flags();
    lf.b.finish(next, jk, m.ip)
}

/// Lifts the single instruction at the start of `code`; true if it lifts.
pub(crate) fn can_lift(m: &'static Mode, code: &[u8], addr: u64) -> bool {
    let mut lf = Lifter::new(m);
    let mut dec = Decoder::with_ip(m.bits, code, addr, DecoderOptions::NONE);
    if !dec.can_decode() {
        return false;
    }
    dec.decode_out(&mut lf.i);
    if lf.i.is_invalid() {
        return false;
    }
    lf.addr = addr;
    lf.next = lf.i.next_ip();
    super::dispatch::lift_insn(&mut lf).is_ok()
}

#[cfg(test)]
mod tests {
    use super::super::flags::{Tree, carry_expr, cond_expr, decode_cc_op};
    use super::super::layout::{MODE32, MODE64};
    use super::*;

    /// Emitting a flag expression through the lifter's sink gives the
    /// statements and temporaries that flattening its tree does, for every
    /// cc_op and condition.
    #[test]
    fn emitted_flags_match_flattened_trees() {
        let mut emitted = 0;
        for m in [&MODE32, &MODE64] {
            let bits = m.bits;
            let w = m.word;
            let new = || {
                let mut lf = Lifter::new(m);
                let d = [w, w, w].map(|ty| Atom::Tmp(lf.b.new_temp(ty)));
                (lf, d)
            };
            for op in 0..70 {
                let Some((fam, size)) = decode_cc_op(bits, op) else {
                    continue;
                };
                for cond in Cond::ALL.into_iter().map(Some).chain([None]) {
                    let (mut direct, d) = new();
                    let (mut flat, _) = new();
                    let (got, tree) = match cond {
                        Some(c) => (
                            cond_expr(&mut direct, bits, c, fam, size, d),
                            cond_expr(&mut Tree, bits, c, fam, size, d),
                        ),
                        None => (
                            carry_expr(&mut direct, bits, fam, size, d),
                            carry_expr(&mut Tree, bits, fam, size, d),
                        ),
                    };
                    let want = tree.map(|t| flat.emit_spec(t));
                    assert_eq!(got, want, "op {op} cond {cond:?}");
                    assert_eq!(direct.b.stmts, flat.b.stmts, "op {op} cond {cond:?}");
                    assert_eq!(direct.b.tyenv, flat.b.tyenv, "op {op} cond {cond:?}");
                    emitted += usize::from(got.is_some());
                }
            }
        }
        assert!(emitted > 500, "only {emitted} emitted");
    }

    /// The register table answers what the direct computation does, for
    /// every register in both modes; `ity` answers what a `match` does.
    #[test]
    fn tables_match_direct_computation() {
        let mut gprs = 0;
        for m in [&MODE32, &MODE64] {
            let lf = Lifter::new(m);
            for r in Register::values() {
                assert_eq!(lf.gpr_slot(r), gpr_slot_of(m, r), "{r:?}");
                gprs += usize::from(lf.gpr_slot(r).is_ok());
            }
        }
        // In 32-bit mode the first eight of each width, with ah..bh (the
        // direct computation does not reject the REX-only 8-bit and 64-bit
        // names; the decoder never produces them there): 12 + 3 * 8. In
        // 64-bit mode: 20 + 3 * 16.
        assert_eq!(gprs, 36 + 68);
        for b in 0..100 {
            let want = match b {
                1 => Type::I8,
                2 => Type::I16,
                4 => Type::I32,
                16 => Type::I128,
                _ => Type::I64,
            };
            assert_eq!(ity(b), want, "{b}");
        }
    }

    /// Undoing an instruction restores the flag state it began with,
    /// whatever it changed: a new thunk, a flush, a first read.
    #[test]
    fn undo_restores_flags() {
        let m = &MODE64;
        let w = m.word;
        let mut lf = Lifter::new(m);
        let x = Atom::Tmp(lf.b.new_temp(w));
        // Nothing known: an instruction reads the thunk and sets a new one.
        let mark = lf.begin_insn();
        lf.thunk_args();
        lf.thunk(Family::Sub, w, x, x, None);
        assert!(lf.known.is_some() && lf.pending);
        lf.undo_insn(mark);
        assert_eq!((lf.known, lf.pending), (None, false));
        assert!(lf.b.stmts.is_empty() && lf.b.tyenv.len() == 1);
        // A pending thunk, flushed by an instruction that then fails.
        lf.begin_insn();
        lf.thunk(Family::Logic, w, x, x, None);
        let before = (lf.known, lf.pending);
        let mark2 = lf.begin_insn();
        lf.flush_flags();
        lf.thunk(Family::Add, w, x, x, None);
        assert_ne!((lf.known, lf.pending), before);
        lf.undo_insn(mark2);
        assert_eq!((lf.known, lf.pending), before);
        // An instruction that leaves the flags alone changes nothing.
        let mark3 = lf.begin_insn();
        lf.undo_insn(mark3);
        assert_eq!((lf.known, lf.pending), before);
        assert_eq!(mark3, mark2);
    }

    /// Undoing an instruction drops the register records it made: a read
    /// after the undo is a `GET`, not the discarded `PUT`'s value, while
    /// a record from before the instruction still answers.
    #[test]
    fn undo_drops_register_records() {
        let m = &MODE64;
        let w = m.word;
        let mut lf = Lifter::new(m);
        lf.forward_regs = true;
        let x = Atom::Tmp(lf.b.new_temp(w));
        let y = Atom::Tmp(lf.b.new_temp(w));
        let (rbx, rsi) = (m.gpr_off(3), m.gpr_off(6));
        lf.begin_insn();
        lf.put_slot(rbx, w, x);
        lf.put_slot(rsi, w, x);
        assert_eq!(lf.get_slot(rbx, w), x);
        let mark = lf.begin_insn();
        lf.put_slot(rbx, w, y);
        assert_eq!(lf.get_slot(rbx, w), y);
        lf.undo_insn(mark);
        assert_eq!(lf.get_slot(rsi, w), x);
        // Statements again where the discarded ones were.
        lf.begin_insn();
        lf.b.get(m.gpr_off(7), w);
        lf.b.get(m.gpr_off(7), w);
        let n = lf.b.stmts.len();
        let got = lf.get_slot(rbx, w);
        assert!(got != x && got != y);
        assert_eq!(lf.b.stmts.len(), n + 1);
        assert!(matches!(
            lf.b.stmts.last(),
            Some(Stmt::WrTmp {
                expr: Expr::Get { .. },
                ..
            })
        ));
    }

    /// Reading registers back from the block's own writes leaves
    /// the optimized block exactly as the optimizer alone makes it, for
    /// blocks starting at every byte of code that writes whole registers,
    /// byte halves (`al`/`ah`), pairs (`mul`), reads registers twice
    /// (`test rbx,rbx`), and calls a dirty helper.
    #[test]
    fn forwarded_register_reads_optimize_to_the_same_block() {
        // push rbp; mov rbp,rsp; push rbx; sub rsp,0x18; mov [rbp-0x10],rdi;
        // mov rax,[rbp-0x10]; add rax,1; mov ebx,eax; mov al,5; mov ah,6;
        // movzx ecx,ax; xchg rax,rcx; imul rcx,rax; mul rcx; add rax,rdx;
        // mov rdx,rsi; add rsi,rsi; test rbx,rbx; cpuid; mov rax,rbx;
        // pop rbx; leave; ret
        let code64: &[u8] = &[
            0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18, 0x48, 0x89, 0x7d, 0xf0, 0x48,
            0x8b, 0x45, 0xf0, 0x48, 0x83, 0xc0, 0x01, 0x89, 0xc3, 0xb0, 0x05, 0xb4, 0x06, 0x0f,
            0xb7, 0xc8, 0x48, 0x91, 0x48, 0x0f, 0xaf, 0xc8, 0x48, 0xf7, 0xe1, 0x48, 0x01, 0xd0,
            0x48, 0x89, 0xf2, 0x48, 0x01, 0xf6, 0x48, 0x85, 0xdb, 0x0f, 0xa2, 0x48, 0x89, 0xd8,
            0x5b, 0xc9, 0xc3,
        ];
        // The same without REX.W prefixes (every 0x48 above), for 32-bit mode.
        let code32: Vec<u8> = code64.iter().copied().filter(|&b| b != 0x48).collect();
        let mut fewer = 0;
        for (m, guest, code) in [
            (&MODE64, &super::super::GUEST64, code64),
            (&MODE32, &super::super::GUEST32, &code32[..]),
        ] {
            for opt_level in [1, 2] {
                let opts = LiftOptions {
                    opt_level,
                    ..LiftOptions::default()
                };
                for at in 0..code.len() {
                    let addr = 0x1000 + at as u64;
                    let mut fast = lift_block_with(m, &code[at..], addr, &opts, true);
                    let mut slow = lift_block_with(m, &code[at..], addr, &opts, false);
                    if fast.stmts.len() < slow.stmts.len() {
                        fewer += 1;
                    }
                    vexil_ir::opt::optimize(&mut fast, opt_level, &guest.hooks);
                    vexil_ir::opt::optimize(&mut slow, opt_level, &guest.hooks);
                    assert_eq!(fast, slow, "{} bits, opt {opt_level}, at {at}", m.bits);
                }
            }
        }
        assert!(fewer > 20, "forwarding shortened only {fewer} blocks");
    }
}

//! The MIPS lifter: one block at a time, a branch and its delay slot together.
//!
//! A branch is lifted in three steps: its condition, target and link value
//! are computed first (the delay-slot instruction may overwrite the
//! registers the branch reads); then the delay-slot instruction's
//! statements follow; then the control transfer (an `Exit` plus the
//! fall-through `NEXT`). For a branch-likely the order is: condition, an
//! `Exit` to the fall-through address when *not* taken (annulling the slot),
//! the slot, and a jump to the target. The link register is written before
//! the slot, as the hardware (and QEMU) does, so the slot sees it.
//!
//! Decisions for cases the architecture leaves unpredictable:
//! - a control-transfer instruction (branch, jump, `syscall`, `break`,
//!   `eret`) in a delay slot: the pair is not lifted; the block ends before
//!   the branch, or, when the branch is the block's first instruction, the
//!   block is empty and ends with `Ijk_SigILL` at the branch address;
//! - an undecodable delay slot: the same, with `Ijk_NoDecode`;
//! - the block limit never splits a branch from its slot: the block ends
//!   before the branch instead.
//!
//! Traps (`add` overflow, `teq`, `break`) leave with the program counter set
//! to the trapping instruction (the EPC Linux reports), where VEX uses the
//! next instruction. A trap in a delay slot reports the slot's address (the
//! hardware reports the branch's, with Cause.BD set). `teq`/`break` with code 7 (GCC's divide-by-zero check)
//! give `Ijk_SigFPE_IntDiv`, code 6 `Ijk_SigFPE_IntOvf`, like the kernel.
//!
//! Semantics the IR fixes where MIPS leaves results UNPREDICTABLE or where
//! vexil does not model a detail:
//! - `div`/`divu`/`ddiv`/`ddivu` by zero follow the IR's `DivMod` rule
//!   (quotient 0, remainder the dividend); GCC guards every division with
//!   `teq divisor, $zero, 7`, which is lifted.
//! - FPU exceptions and FCSR's cause/flag bits are not modelled (FCSR keeps
//!   the rounding mode, enables and the FCC bits); NaN results carry the
//!   IR's IEEE 754-2008 encoding rather than MIPS's legacy one. Float to
//!   integer conversions of NaN or out-of-range values give 2^31-1 / 2^63-1,
//!   as MIPS does (the IR op alone would give the x86 "integer indefinite").
//! - `madd.fmt` and friends round twice (pre-R6 cores are not fused).
//! - `ll`/`sc` become `LLSC` statements: the executor's reservation decides
//!   whether `sc` succeeds.
//!
//! MIPS64: every 32-bit operation (`addu`, `sll`, `lw`, `mult`, ...) works on
//! the low 32 bits and sign-extends its result to 64 bits (`Lifter::put32`
//! is the one place this happens).

use super::bits::{i2u, sext32, trunc32};
use super::decode::{Fmt, Insn, Opc, decode, flag};
use super::regs::Offsets;
use vexil_ir::{Atom, Const, Endness, Irsb, IrsbBuilder, JumpKind, MemBusEvent, Op, Stmt, Type};

/// Why an instruction could not be lifted.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Unsupported;

type R<T> = Result<T, Unsupported>;

/// How control continues after one instruction.
///
/// `repr(u8)`: a tag byte of its own, so that the block loop's `match` on
/// every instruction's flow reads one byte instead of decoding the kind
/// from spare values of one of the variants' fields (measured: 0.13% fewer
/// instructions in `vexil features`; the same on x86's `Flow` and `Loc`
/// gained nothing).
#[derive(Copy, Clone, Debug)]
#[repr(u8)]
pub enum Flow {
    /// Falls through to the next instruction.
    Next,
    /// Ends the block: `NEXT = next; jk`.
    End(Atom, JumpKind),
    /// A branch or jump with a delay slot; its condition, target and link
    /// have been computed already.
    Branch(Branch),
}

/// A pending branch, to be completed after its delay slot.
#[derive(Copy, Clone, Debug)]
pub struct Branch {
    /// `None` for an unconditional transfer.
    pub cond: Option<Atom>,
    /// Branch-likely: the slot runs only when taken.
    pub likely: bool,
    /// The target: a constant for direct branches, a temporary for `jr`/`jalr`.
    pub target: Atom,
    /// Jump kind when taken.
    pub jk: JumpKind,
}

/// The FCC bit number in FCSR for condition code `cc`.
const fn fcc_bit(cc: u8) -> u8 {
    if cc == 0 { 23 } else { 24 + cc }
}

/// [`Lifter::cached`](Lifter#structfield.cached) with nothing cached but
/// `$zero`.
const ZERO_CACHED: u64 = 1;

/// Lifts one block, or one block after another ([`Lifter::lift_next`]).
#[derive(Debug)]
pub struct Lifter<'a> {
    b: IrsbBuilder,
    is64: bool,
    end: Endness,
    o: &'a Offsets,
    /// The IR rounding mode, computed from FCSR once until FCSR is written.
    rm: Option<Atom>,
    /// The current value of each GPR, once read or written in this block, so
    /// a register is read with one `GET` per block and a written value is
    /// reused directly (fewer statements for the optimizer to remove).
    /// Only the entries named by `cached` hold one: a new block clears
    /// that bit set, not 64 entries.
    gpr: [Atom; 32],
    /// The low 32 bits of each GPR, on MIPS64.
    gpr32: [Atom; 32],
    /// Bit `r` set: `gpr[r]` holds GPR `r`'s value; bit `32 + r`:
    /// `gpr32[r]` holds its low half. One word, so a write updates both
    /// with one change. Bit 0 is always set: `gpr[0]` is `$zero`'s
    /// constant 0 (never written), so reading `$zero` hits the cache.
    cached: u64,
    /// FCSR's current value.
    fcsr_v: Option<Atom>,
}

impl<'a> Lifter<'a> {
    /// A lifter for one block, or for blocks one after another.
    pub fn new(is64: bool, end: Endness, o: &'a Offsets) -> Lifter<'a> {
        let mut l = Lifter {
            b: IrsbBuilder::new(),
            is64,
            end,
            o,
            rm: None,
            gpr: [Atom::u32(0); 32],
            gpr32: [Atom::u32(0); 32],
            cached: ZERO_CACHED,
            fcsr_v: None,
        };
        l.gpr[0] = l.w(0);
        l
    }

    /// Forgets every cached value: the register caches may name removed
    /// temporaries or unwritten values.
    fn forget(&mut self) {
        self.cached = ZERO_CACHED;
        self.fcsr_v = None;
        self.rm = None;
    }

    /// Undoes statements after `mark`, and forgets the cached values.
    fn rollback(&mut self, mark: (usize, usize)) {
        self.b.rollback(mark);
        self.forget();
    }

    // ---- words, registers, constants ----

    fn wty(&self) -> Type {
        if self.is64 { Type::I64 } else { Type::I32 }
    }
    fn wc(&self, v: u64) -> Const {
        if self.is64 {
            Const::u64(v)
        } else {
            Const::u32(trunc32(v))
        }
    }
    fn w(&self, v: u64) -> Atom {
        Atom::Const(self.wc(v))
    }
    fn op(&self, o32: Op, o64: Op) -> Op {
        if self.is64 { o64 } else { o32 }
    }
    /// GPR `r`: the cached value when there is one (inlined: most reads
    /// hit the cache), else [`Lifter::get_miss`].
    #[inline]
    fn get(&mut self, r: u8) -> Atom {
        let i = usize::from(r & 31);
        if self.cached & (1 << i) != 0 {
            return self.gpr[i];
        }
        self.get_miss(r)
    }
    /// GPR `r` when it is not cached (never `$zero`, which always is): a
    /// `GET`, cached.
    #[inline(never)]
    fn get_miss(&mut self, r: u8) -> Atom {
        debug_assert_ne!(r & 31, 0);
        let i = usize::from(r & 31);
        if self.cached & (1 << i) != 0 {
            return self.gpr[i];
        }
        let ty = self.wty();
        let v = self.b.get(self.o.gpr(r), ty);
        self.gpr[i] = v;
        self.cached |= 1 << i;
        v
    }
    fn put(&mut self, r: u8, v: Atom) {
        if r != 0 {
            self.b.put(self.o.gpr(r), v);
            let i = usize::from(r & 31);
            self.gpr[i] = v;
            self.cached = (self.cached | 1 << i) & !(1 << (32 + i));
        }
    }
    /// The low 32 bits of GPR `r`.
    fn get32(&mut self, r: u8) -> Atom {
        if r == 0 {
            Atom::u32(0)
        } else if self.is64 {
            let i = usize::from(r & 31);
            if self.cached & (1 << (32 + i)) != 0 {
                return self.gpr32[i];
            }
            let v = self.get(r);
            let v = self.un(Op::I64to32, v);
            self.gpr32[i] = v;
            self.cached |= 1 << (32 + i);
            v
        } else {
            self.get(r)
        }
    }
    /// Sign-extends a 32-bit value to the word (MIPS64's rule for every 32-bit result).
    fn sx32(&mut self, v: Atom) -> Atom {
        if self.is64 {
            self.un(Op::I32Sto64, v)
        } else {
            v
        }
    }
    /// Writes a 32-bit result, sign-extended on MIPS64.
    fn put32(&mut self, r: u8, v: Atom) {
        if r != 0 {
            let w = self.sx32(v);
            self.put(r, w);
            if self.is64 {
                let i = usize::from(r & 31);
                self.gpr32[i] = v;
                self.cached |= 1 << (32 + i);
            }
        }
    }
    fn put_off32(&mut self, off: u32, v: Atom) {
        let v = self.sx32(v);
        self.b.put(off, v);
    }
    /// A binary operation, folded at lift time when both operands are
    /// constants (with the IR's reference semantics), so blocks reach the
    /// optimizer smaller: `lui`+`addiu` pairs and `$zero` operands are common.
    /// Identities with a zero operand are applied too (`move` is `addu rd,
    /// rs, $zero`, a tenth of all instructions).
    fn bin(&mut self, op: Op, a: Atom, b: Atom) -> Atom {
        match (a, b) {
            (Atom::Const(x), Atom::Const(y)) => {
                let folded = |op: Op| {
                    let v = vexil_ir::eval::eval_op(op, &[x.value(), y.value()]);
                    Const::from_value(op.result_type(), v)
                };
                // The word adds (`lui`+`addiu` pairs, most of the folds)
                // without the general evaluator.
                let add = match op {
                    Op::Add32 => Some(Const::u32(trunc32(x.bits().wrapping_add(y.bits())))),
                    Op::Add64 => Some(Const::u64(x.bits().wrapping_add(y.bits()))),
                    _ => None,
                };
                if let Some(c) = add {
                    debug_assert_eq!(Some(c), folded(op));
                    return Atom::Const(c);
                }
                if let Some(c) = folded(op) {
                    return Atom::Const(c);
                }
            }
            (_, Atom::Const(y)) if y.is_zero() && right_identity_zero(op) => return a,
            (Atom::Const(x), _) if x.is_zero() && left_identity_zero(op) => return b,
            _ => {}
        }
        self.b.binop(op, a, b)
    }
    /// A unary operation, folded when its operand is a constant.
    fn un(&mut self, op: Op, a: Atom) -> Atom {
        if let Atom::Const(x) = a {
            let folded = |op: Op| {
                let v = vexil_ir::eval::eval_op(op, &[x.value()]);
                Const::from_value(op.result_type(), v)
            };
            // MIPS64's narrowing to 32 bits and widening back (`addiu` and
            // the other 32-bit operations) without the general evaluator.
            let conv = match op {
                Op::I64to32 => Some(Const::u32(trunc32(x.bits()))),
                Op::I32Sto64 => Some(Const::u64(sext32(x.bits()))),
                _ => None,
            };
            if let Some(c) = conv {
                debug_assert_eq!(Some(c), folded(op));
                return Atom::Const(c);
            }
            if let Some(c) = folded(op) {
                return Atom::Const(c);
            }
        }
        self.b.unop(op, a)
    }
    /// Widens an I1 to the word.
    fn bool_w(&mut self, c: Atom) -> Atom {
        let o = self.op(Op::I1Uto32, Op::I1Uto64);
        self.un(o, c)
    }
    /// `base + simm16`.
    fn ea(&mut self, i: Insn) -> Atom {
        let base = self.get(i.rs());
        let off = self.w(i2u(i.simm()));
        if i.rs() == 0 {
            return off;
        }
        if i.simm() == 0 {
            return base;
        }
        let o = self.op(Op::Add32, Op::Add64);
        self.bin(o, base, off)
    }
    /// A word-sized shift amount from a constant.
    fn sh(&self, n: u32) -> Atom {
        Atom::u8(u8::try_from(n & 0xff).unwrap_or(0))
    }

    // ---- FPU state ----

    fn fpr32(&mut self, f: u8) -> Atom {
        self.b.get(self.o.fpr(f), Type::I32)
    }
    fn get_fs(&mut self, f: u8) -> Atom {
        self.b.get(self.o.fpr(f), Type::F32)
    }
    fn put_f32(&mut self, f: u8, v: Atom) {
        self.b.put(self.o.fpr(f), v);
    }
    /// A 64-bit FPR value as I64 (FR=0: the even/odd pair).
    fn get_f64bits(&mut self, f: u8) -> R<Atom> {
        if self.is64 {
            Ok(self.b.get(self.o.fpr(f), Type::I64))
        } else {
            if f & 1 != 0 {
                return Err(Unsupported);
            }
            let lo = self.fpr32(f);
            let hi = self.fpr32(f + 1);
            Ok(self.bin(Op::I32HLto64, hi, lo))
        }
    }
    fn put_f64bits(&mut self, f: u8, v: Atom) -> R<()> {
        if self.is64 {
            self.b.put(self.o.fpr(f), v);
        } else {
            if f & 1 != 0 {
                return Err(Unsupported);
            }
            let lo = self.un(Op::I64to32, v);
            let hi = self.un(Op::I64HIto32, v);
            self.b.put(self.o.fpr(f), lo);
            self.b.put(self.o.fpr(f + 1), hi);
        }
        Ok(())
    }
    fn get_fd(&mut self, f: u8) -> R<Atom> {
        if self.is64 {
            Ok(self.b.get(self.o.fpr(f), Type::F64))
        } else {
            let bits = self.get_f64bits(f)?;
            Ok(self.un(Op::ReinterpI64asF64, bits))
        }
    }
    fn put_fd(&mut self, f: u8, v: Atom) -> R<()> {
        if self.is64 {
            self.b.put(self.o.fpr(f), v);
            Ok(())
        } else {
            let bits = self.un(Op::ReinterpF64asI64, v);
            self.put_f64bits(f, bits)
        }
    }
    /// Reads an FPR as the format `fmt` (S/D as floats, W/L as integers).
    /// The L format is a reserved instruction on MIPS32's 32-bit FPU (FR=0).
    fn get_fmt(&mut self, fmt: Fmt, f: u8) -> R<Atom> {
        if fmt == Fmt::L && !self.is64 {
            return Err(Unsupported);
        }
        match fmt {
            Fmt::S => Ok(self.get_fs(f)),
            Fmt::D => self.get_fd(f),
            Fmt::W => Ok(self.fpr32(f)),
            Fmt::L => self.get_f64bits(f),
        }
    }
    fn put_fmt(&mut self, fmt: Fmt, f: u8, v: Atom) -> R<()> {
        if fmt == Fmt::L && !self.is64 {
            return Err(Unsupported);
        }
        match fmt {
            Fmt::S | Fmt::W => {
                self.put_f32(f, v);
                Ok(())
            }
            Fmt::D => self.put_fd(f, v),
            Fmt::L => self.put_f64bits(f, v),
        }
    }
    fn fcsr(&mut self) -> Atom {
        if let Some(v) = self.fcsr_v {
            return v;
        }
        let v = self.b.get(self.o.fcsr, Type::I32);
        self.fcsr_v = Some(v);
        v
    }
    fn put_fcsr(&mut self, v: Atom) {
        self.b.put(self.o.fcsr, v);
        self.fcsr_v = Some(v);
        self.rm = None;
    }
    /// The IR rounding mode from FCSR.RM (MIPS 0 nearest, 1 zero, 2 +inf,
    /// 3 -inf; IR 0 nearest, 1 -inf, 2 +inf, 3 zero): `rm ^ ((rm << 1) & 2)`.
    fn rm(&mut self) -> Atom {
        if let Some(r) = self.rm {
            return r;
        }
        let f = self.fcsr();
        let m = self.bin(Op::And32, f, Atom::u32(3));
        let s = self.bin(Op::Shl32, m, Atom::u8(1));
        let s2 = self.bin(Op::And32, s, Atom::u32(2));
        let r = self.bin(Op::Xor32, m, s2);
        self.rm = Some(r);
        r
    }
    /// FCC bit `cc` as an I1.
    fn fcc(&mut self, cc: u8) -> Atom {
        let f = self.fcsr();
        let s = self.bin(Op::Shr32, f, Atom::u8(fcc_bit(cc)));
        self.un(Op::I32to1, s)
    }

    // ---- memory ----

    fn load(&mut self, ty: Type, addr: Atom) -> Atom {
        self.b.load(self.end, ty, addr)
    }
    fn store(&mut self, addr: Atom, v: Atom) {
        self.b.store(self.end, addr, v);
    }

    /// Lifts one block.
    pub fn lift_block(mut self, code: &[u8], addr: u64, max_insns: u32, max_bytes: u32) -> Irsb {
        self.lift_next(code, addr, max_insns, max_bytes)
    }

    /// Lifts one block, as a new lifter's [`Lifter::lift_block`] would: a
    /// lifter kept for the blocks of a region lifts them one after another
    /// without setting up its register caches again.
    pub fn lift_next(&mut self, code: &[u8], addr: u64, max_insns: u32, max_bytes: u32) -> Irsb {
        self.b = IrsbBuilder::recycled(64, 64);
        self.forget();
        let pc = self.o.pc;
        let big = self.end == Endness::Be;
        let fetch = |off: usize| -> Option<u32> {
            let b: [u8; 4] = code.get(off..off + 4)?.try_into().ok()?;
            Some(if big {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            })
        };
        let max_insns = max_insns.max(1);
        let mut n: u32 = 0;
        let mut off: usize = 0;
        let mut cur = addr;
        loop {
            // Ends the block before `cur`: `NoDecode`/`SigILL` when nothing was lifted.
            macro_rules! stop_before {
                ($jk_first:expr) => {{
                    let next = self.w(cur);
                    let jk = if n == 0 { $jk_first } else { JumpKind::Boring };
                    return self.finish(next, jk, pc);
                }};
            }
            let bytes = u32::try_from(off).unwrap_or(u32::MAX);
            if n > 0 && (n >= max_insns || bytes + 4 > max_bytes) {
                stop_before!(JumpKind::Boring);
            }
            let Some(word) = fetch(off) else {
                stop_before!(JumpKind::NoDecode)
            };
            let Some(insn) = decode(word, self.is64) else {
                stop_before!(JumpKind::NoDecode)
            };
            if insn.op.flags() & flag::DS != 0
                && n > 0
                && (n + 2 > max_insns || bytes + 8 > max_bytes)
            {
                stop_before!(JumpKind::Boring);
            }
            let mark = self.b.mark();
            self.b.imark(cur, 4, 0);
            match self.insn(insn, cur) {
                Err(Unsupported) => {
                    self.rollback(mark);
                    stop_before!(JumpKind::NoDecode)
                }
                Ok(Flow::Next) => {}
                Ok(Flow::End(next, jk)) => return self.finish(next, jk, pc),
                Ok(Flow::Branch(br)) => {
                    let slot_addr = cur.wrapping_add(4);
                    let slot = fetch(off + 4).and_then(|w| decode(w, self.is64));
                    let Some(slot) = slot else {
                        self.rollback(mark);
                        stop_before!(JumpKind::NoDecode)
                    };
                    if slot.op.flags() & flag::CTI != 0 {
                        self.rollback(mark);
                        stop_before!(JumpKind::SigILL)
                    }
                    if br.likely {
                        if let Some(c) = br.cond {
                            let nc = self.un(Op::Not1, c);
                            let ft = self.wc(cur.wrapping_add(8));
                            self.b.exit(nc, ft, JumpKind::Boring, pc);
                        }
                    }
                    self.b.imark(slot_addr, 4, 0);
                    match self.insn(slot, slot_addr) {
                        Ok(Flow::Next) => {}
                        _ => {
                            self.rollback(mark);
                            stop_before!(JumpKind::NoDecode)
                        }
                    }
                    let fall = self.w(cur.wrapping_add(8));
                    return match (br.cond, br.likely) {
                        (Some(c), false) => {
                            let Atom::Const(t) = br.target else {
                                // Conditional branches are PC-relative: always constant.
                                self.rollback(mark);
                                stop_before!(JumpKind::NoDecode)
                            };
                            self.b.exit(c, t, br.jk, pc);
                            self.finish(fall, JumpKind::Boring, pc)
                        }
                        _ => self.finish(br.target, br.jk, pc),
                    };
                }
            }
            n += 1;
            off += 4;
            cur = cur.wrapping_add(4);
        }
    }

    /// The block built, leaving an empty builder.
    fn finish(&mut self, next: Atom, jk: JumpKind, pc: u32) -> Irsb {
        std::mem::take(&mut self.b).finish(next, jk, pc)
    }

    /// Lifts one instruction at `a`. Register and shift fields are
    /// extracted where an arm uses them (`i.rs()`, ...), not all four up
    /// front: each is a shift and a mask, and most arms need two or three.
    pub fn insn(&mut self, i: Insn, a: u64) -> R<Flow> {
        use Opc::*;
        match i.op {
            Invalid => return Err(Unsupported),
            // ---- shifts ----
            Sll | Srl | Sra | Rotr => {
                if i.rd() == 0 {
                    return Ok(Flow::Next); // nop, ssnop, ehb, pause
                }
                let x = self.get32(i.rt());
                let r = self.shift32(i.op, x, ShAmt::Const(i.sa()))?;
                self.put32(i.rd(), r);
            }
            Sllv | Srlv | Srav | Rotrv => {
                let x = self.get32(i.rt());
                let s = self.get32(i.rs());
                let s8 = self.un(Op::I32to8, s);
                let n = self.bin(Op::And8, s8, Atom::u8(31));
                let op = match i.op {
                    Sllv => Sll,
                    Srlv => Srl,
                    Srav => Sra,
                    _ => Rotr,
                };
                let r = self.shift32(op, x, ShAmt::Var(n))?;
                self.put32(i.rd(), r);
            }
            Dsll | Dsrl | Dsra | Drotr | Dsll32 | Dsrl32 | Dsra32 | Drotr32 => {
                let x = self.get(i.rt());
                let n = u32::from(i.sa())
                    + if matches!(i.op, Dsll | Dsrl | Dsra | Drotr) {
                        0
                    } else {
                        32
                    };
                let r = match i.op {
                    Dsll | Dsll32 => self.bin(Op::Shl64, x, self.sh(n)),
                    Dsrl | Dsrl32 => self.bin(Op::Shr64, x, self.sh(n)),
                    Dsra | Dsra32 => self.bin(Op::Sar64, x, self.sh(n)),
                    _ if n == 0 => x,
                    _ => {
                        let r = self.bin(Op::Shr64, x, self.sh(n));
                        let l = self.bin(Op::Shl64, x, self.sh(64 - n));
                        self.bin(Op::Or64, r, l)
                    }
                };
                self.put(i.rd(), r);
            }
            Dsllv | Dsrlv | Dsrav | Drotrv => {
                let x = self.get(i.rt());
                let s = self.get(i.rs());
                let s8 = self.un(Op::I64to8, s);
                let n = self.bin(Op::And8, s8, Atom::u8(63));
                let r = match i.op {
                    Dsllv => self.bin(Op::Shl64, x, n),
                    Dsrlv => self.bin(Op::Shr64, x, n),
                    Dsrav => self.bin(Op::Sar64, x, n),
                    _ => {
                        let r = self.bin(Op::Shr64, x, n);
                        let m = self.bin(Op::Sub8, Atom::u8(64), n);
                        let l = self.bin(Op::Shl64, x, m);
                        self.bin(Op::Or64, r, l)
                    }
                };
                self.put(i.rd(), r);
            }
            // ---- arithmetic ----
            Add | Addu | Sub | Subu => {
                let x = self.get32(i.rs());
                let y = self.get32(i.rt());
                let sub = matches!(i.op, Sub | Subu);
                let r = self.bin(if sub { Op::Sub32 } else { Op::Add32 }, x, y);
                if matches!(i.op, Add | Sub) {
                    self.ovf_trap(false, sub, x, y, r, a);
                }
                self.put32(i.rd(), r);
            }
            Addi | Addiu => {
                let x = self.get32(i.rs());
                let y = Atom::u32(trunc32(i2u(i.simm())));
                let r = self.bin(Op::Add32, x, y);
                if i.op == Addi {
                    self.ovf_trap(false, false, x, y, r, a);
                }
                self.put32(i.rt(), r);
            }
            Dadd | Daddu | Dsub | Dsubu => {
                let x = self.get(i.rs());
                let y = self.get(i.rt());
                let sub = matches!(i.op, Dsub | Dsubu);
                let r = self.bin(if sub { Op::Sub64 } else { Op::Add64 }, x, y);
                if matches!(i.op, Dadd | Dsub) {
                    self.ovf_trap(true, sub, x, y, r, a);
                }
                self.put(i.rd(), r);
            }
            Daddi | Daddiu => {
                let x = self.get(i.rs());
                let y = Atom::u64(i2u(i.simm()));
                let r = self.bin(Op::Add64, x, y);
                if i.op == Daddi {
                    self.ovf_trap(true, false, x, y, r, a);
                }
                self.put(i.rt(), r);
            }
            And | Or | Xor | Nor => {
                let x = self.get(i.rs());
                let y = self.get(i.rt());
                let r = match i.op {
                    And => self.bin(self.op(Op::And32, Op::And64), x, y),
                    Xor => self.bin(self.op(Op::Xor32, Op::Xor64), x, y),
                    Or => {
                        if i.rt() == 0 {
                            x // move
                        } else {
                            self.bin(self.op(Op::Or32, Op::Or64), x, y)
                        }
                    }
                    _ => {
                        let o = self.bin(self.op(Op::Or32, Op::Or64), x, y);
                        self.un(self.op(Op::Not32, Op::Not64), o)
                    }
                };
                self.put(i.rd(), r);
            }
            Andi | Ori | Xori => {
                let x = self.get(i.rs());
                let y = self.w(u64::from(i.uimm()));
                let r = match i.op {
                    Andi => self.bin(self.op(Op::And32, Op::And64), x, y),
                    Ori if i.rs() == 0 => y,
                    Ori => self.bin(self.op(Op::Or32, Op::Or64), x, y),
                    _ => self.bin(self.op(Op::Xor32, Op::Xor64), x, y),
                };
                self.put(i.rt(), r);
            }
            Lui => {
                let v = self.w(i2u(i.simm() << 16));
                self.put(i.rt(), v);
            }
            Slt | Sltu | Slti | Sltiu => {
                let x = self.get(i.rs());
                let (y, dst) = if matches!(i.op, Slt | Sltu) {
                    (self.get(i.rt()), i.rd())
                } else {
                    (self.w(i2u(i.simm())), i.rt())
                };
                let o = if matches!(i.op, Slt | Slti) {
                    self.op(Op::CmpLT32S, Op::CmpLT64S)
                } else {
                    self.op(Op::CmpLT32U, Op::CmpLT64U)
                };
                let c = self.bin(o, x, y);
                let r = self.bool_w(c);
                self.put(dst, r);
            }
            Movz | Movn => {
                let t = self.get(i.rt());
                let c = self.bin(self.op(Op::CmpEQ32, Op::CmpEQ64), t, self.w(0));
                let s = self.get(i.rs());
                let d = self.get(i.rd());
                let r = if i.op == Movz {
                    self.b.ite(c, s, d)
                } else {
                    self.b.ite(c, d, s)
                };
                self.put(i.rd(), r);
            }
            Movci => {
                let c = self.fcc(i.cc_hi());
                let s = self.get(i.rs());
                let d = self.get(i.rd());
                let r = if i.tf() {
                    self.b.ite(c, s, d)
                } else {
                    self.b.ite(c, d, s)
                };
                self.put(i.rd(), r);
            }
            // ---- HI/LO ----
            Mfhi | Mflo => {
                let off = if i.op == Mfhi { self.o.hi } else { self.o.lo };
                let v = self.b.get(off, self.wty());
                self.put(i.rd(), v);
            }
            Mthi | Mtlo => {
                let off = if i.op == Mthi { self.o.hi } else { self.o.lo };
                let v = self.get(i.rs());
                self.b.put(off, v);
            }
            Mult | Multu => {
                let x = self.get32(i.rs());
                let y = self.get32(i.rt());
                let p = self.bin(
                    if i.op == Mult {
                        Op::MullS32
                    } else {
                        Op::MullU32
                    },
                    x,
                    y,
                );
                self.put_hilo64(p);
            }
            Madd | Maddu | Msub | Msubu => {
                let x = self.get32(i.rs());
                let y = self.get32(i.rt());
                let signed = matches!(i.op, Madd | Msub);
                let p = self.bin(if signed { Op::MullS32 } else { Op::MullU32 }, x, y);
                let hi = self.b.get(self.o.hi, self.wty());
                let lo = self.b.get(self.o.lo, self.wty());
                let (hi, lo) = if self.is64 {
                    (self.un(Op::I64to32, hi), self.un(Op::I64to32, lo))
                } else {
                    (hi, lo)
                };
                let acc = self.bin(Op::I32HLto64, hi, lo);
                let r = if matches!(i.op, Madd | Maddu) {
                    self.bin(Op::Add64, acc, p)
                } else {
                    self.bin(Op::Sub64, acc, p)
                };
                self.put_hilo64(r);
            }
            Div | Divu => {
                let x = self.get32(i.rs());
                let y = self.get32(i.rt());
                let q = self.bin(
                    if i.op == Div {
                        Op::DivModS32to32
                    } else {
                        Op::DivModU32to32
                    },
                    x,
                    y,
                );
                self.put_hilo64(q);
            }
            Dmult | Dmultu | Ddiv | Ddivu => {
                // The 128-bit product or remainder:quotient pair goes to HI:LO.
                let op = match i.op {
                    Dmult => Op::MullS64,
                    Dmultu => Op::MullU64,
                    Ddiv => Op::DivModS64to64,
                    _ => Op::DivModU64to64,
                };
                let x = self.get(i.rs());
                let y = self.get(i.rt());
                let p = self.bin(op, x, y);
                let hi = self.un(Op::I128HIto64, p);
                let lo = self.un(Op::I128to64, p);
                self.b.put(self.o.hi, hi);
                self.b.put(self.o.lo, lo);
            }
            Mul => {
                let x = self.get32(i.rs());
                let y = self.get32(i.rt());
                let r = self.bin(Op::Mul32, x, y);
                self.put32(i.rd(), r);
            }
            Clz | Clo => {
                let mut x = self.get32(i.rs());
                if i.op == Clo {
                    x = self.un(Op::Not32, x);
                }
                let r = self.un(Op::Clz32, x);
                self.put32(i.rd(), r);
            }
            Dclz | Dclo => {
                let mut x = self.get(i.rs());
                if i.op == Dclo {
                    x = self.un(Op::Not64, x);
                }
                let r = self.un(Op::Clz64, x);
                self.put(i.rd(), r);
            }
            // ---- bit fields and byte shuffles ----
            Ext => {
                let (pos, size) = (u32::from(i.sa()), u32::from(i.rd()) + 1);
                if pos + size > 32 {
                    return Err(Unsupported);
                }
                let x = self.get32(i.rs());
                let r = self.extract(x, pos, size, false);
                self.put32(i.rt(), r);
            }
            Dext | Dextm | Dextu => {
                let (pos, size) = match i.op {
                    Dext => (u32::from(i.sa()), u32::from(i.rd()) + 1),
                    Dextm => (u32::from(i.sa()), u32::from(i.rd()) + 33),
                    _ => (u32::from(i.sa()) + 32, u32::from(i.rd()) + 1),
                };
                if pos + size > 64 {
                    return Err(Unsupported);
                }
                let x = self.get(i.rs());
                let r = self.extract(x, pos, size, true);
                self.put(i.rt(), r);
            }
            Ins => {
                let (pos, msb) = (u32::from(i.sa()), u32::from(i.rd()));
                if msb < pos {
                    return Err(Unsupported);
                }
                let x = self.get32(i.rs());
                let t = self.get32(i.rt());
                let r = self.insert(t, x, pos, msb - pos + 1, false);
                self.put32(i.rt(), r);
            }
            Dins | Dinsm | Dinsu => {
                let (pos, msb) = match i.op {
                    Dins => (u32::from(i.sa()), u32::from(i.rd())),
                    Dinsm => (u32::from(i.sa()), u32::from(i.rd()) + 32),
                    _ => (u32::from(i.sa()) + 32, u32::from(i.rd()) + 32),
                };
                if msb < pos {
                    return Err(Unsupported);
                }
                let x = self.get(i.rs());
                let t = self.get(i.rt());
                let r = self.insert(t, x, pos, msb - pos + 1, true);
                self.put(i.rt(), r);
            }
            Wsbh => {
                let x = self.get32(i.rt());
                let r = self.swap_lanes(x, false, 0x00ff_00ff, 8);
                self.put32(i.rd(), r);
            }
            Dsbh => {
                let x = self.get(i.rt());
                let r = self.swap_lanes(x, true, 0x00ff_00ff_00ff_00ff, 8);
                self.put(i.rd(), r);
            }
            Dshd => {
                let x = self.get(i.rt());
                let h = self.swap_lanes(x, true, 0x0000_ffff_0000_ffff, 16);
                let r = self.swap_lanes(h, true, 0x0000_0000_ffff_ffff, 32);
                self.put(i.rd(), r);
            }
            Seb | Seh => {
                let x = self.get(i.rt());
                let r = match (i.op, self.is64) {
                    (Seb, false) => {
                        let n = self.un(Op::I32to8, x);
                        self.un(Op::I8Sto32, n)
                    }
                    (Seb, true) => {
                        let n = self.un(Op::I64to8, x);
                        self.un(Op::I8Sto64, n)
                    }
                    (_, false) => {
                        let n = self.un(Op::I32to16, x);
                        self.un(Op::I16Sto32, n)
                    }
                    (_, true) => {
                        let n = self.un(Op::I64to16, x);
                        self.un(Op::I16Sto64, n)
                    }
                };
                self.put(i.rd(), r);
            }
            Rdhwr => {
                if i.rd() != 29 {
                    return Err(Unsupported);
                }
                let v = self.b.get(self.o.ulr, self.wty());
                self.put(i.rt(), v);
            }
            // ---- memory ----
            Lb | Lbu | Lh | Lhu | Lw | Lwu | Ld => {
                let ad = self.ea(i);
                let (ty, ext) = match (i.op, self.is64) {
                    (Lb, false) => (Type::I8, Some(Op::I8Sto32)),
                    (Lb, true) => (Type::I8, Some(Op::I8Sto64)),
                    (Lbu, false) => (Type::I8, Some(Op::I8Uto32)),
                    (Lbu, true) => (Type::I8, Some(Op::I8Uto64)),
                    (Lh, false) => (Type::I16, Some(Op::I16Sto32)),
                    (Lh, true) => (Type::I16, Some(Op::I16Sto64)),
                    (Lhu, false) => (Type::I16, Some(Op::I16Uto32)),
                    (Lhu, true) => (Type::I16, Some(Op::I16Uto64)),
                    (Lw, false) => (Type::I32, None),
                    (Lw, true) => (Type::I32, Some(Op::I32Sto64)),
                    (Lwu, _) => (Type::I32, Some(Op::I32Uto64)),
                    _ => (Type::I64, None),
                };
                let v = self.load(ty, ad);
                let v = match ext {
                    Some(o) => self.un(o, v),
                    None => v,
                };
                self.put(i.rt(), v);
            }
            Sb | Sh | Sw | Sd => {
                let ad = self.ea(i);
                let v = self.get(i.rt());
                let v = match (i.op, self.is64) {
                    (Sb, false) => self.un(Op::I32to8, v),
                    (Sb, true) => self.un(Op::I64to8, v),
                    (Sh, false) => self.un(Op::I32to16, v),
                    (Sh, true) => self.un(Op::I64to16, v),
                    (Sw, true) => self.un(Op::I64to32, v),
                    _ => v,
                };
                self.store(ad, v);
            }
            Lwl | Lwr | Swl | Swr => self.unaligned(i, false)?,
            Ldl | Ldr | Sdl | Sdr => self.unaligned(i, true)?,
            Ll | Lld => {
                let ad = self.ea(i);
                let ty = if i.op == Ll { Type::I32 } else { Type::I64 };
                let t = self.b.new_temp(ty);
                self.b.push(Stmt::Llsc {
                    end: self.end,
                    result: t,
                    addr: ad,
                    store_data: None,
                });
                if i.op == Ll {
                    self.put32(i.rt(), Atom::Tmp(t));
                } else {
                    self.put(i.rt(), Atom::Tmp(t));
                }
            }
            Sc | Scd => {
                let ad = self.ea(i);
                let v = if i.op == Sc {
                    self.get32(i.rt())
                } else {
                    self.get(i.rt())
                };
                let t = self.b.new_temp(Type::I1);
                self.b.push(Stmt::Llsc {
                    end: self.end,
                    result: t,
                    addr: ad,
                    store_data: Some(v),
                });
                let r = self.bool_w(Atom::Tmp(t));
                self.put(i.rt(), r);
            }
            Sync => self.b.push(Stmt::Mbe(MemBusEvent::Fence)),
            Pref | Synci | Prefx => {}
            Lwc1 | Swc1 | Ldc1 | Sdc1 => {
                let ad = self.ea(i);
                let ft = i.ft();
                match i.op {
                    Lwc1 => {
                        let v = self.load(Type::I32, ad);
                        self.put_f32(ft, v);
                    }
                    Swc1 => {
                        let v = self.fpr32(ft);
                        self.store(ad, v);
                    }
                    Ldc1 => {
                        let v = self.load(Type::I64, ad);
                        self.put_f64bits(ft, v)?;
                    }
                    _ => {
                        let v = self.get_f64bits(ft)?;
                        self.store(ad, v);
                    }
                }
            }
            Lwxc1 | Ldxc1 | Swxc1 | Sdxc1 => {
                let base = self.get(i.rs());
                let idx = self.get(i.rt());
                let ad = self.bin(self.op(Op::Add32, Op::Add64), base, idx);
                match i.op {
                    Lwxc1 => {
                        let v = self.load(Type::I32, ad);
                        self.put_f32(i.fd(), v);
                    }
                    Ldxc1 => {
                        let v = self.load(Type::I64, ad);
                        self.put_f64bits(i.fd(), v)?;
                    }
                    Swxc1 => {
                        let v = self.fpr32(i.fs());
                        self.store(ad, v);
                    }
                    _ => {
                        let v = self.get_f64bits(i.fs())?;
                        self.store(ad, v);
                    }
                }
            }
            // ---- traps and system ----
            Syscall => return Ok(Flow::End(self.w(a.wrapping_add(4)), JumpKind::Sys_syscall)),
            Break => {
                let c = i.code20();
                // `break N` assembles N into the upper 10 bits; the kernel swaps them back.
                let code = if c >= 1 << 10 {
                    (c >> 10) | ((c & 0x3ff) << 10)
                } else {
                    c
                };
                return Ok(Flow::End(self.w(a), trap_kind(code)));
            }
            Teq | Tne | Tge | Tgeu | Tlt | Tltu => {
                let x = self.get(i.rs());
                let y = self.get(i.rt());
                let c = self.trap_cond(i.op, x, y);
                let t = self.wc(a);
                self.b.exit(c, t, trap_kind(i.trap_code()), self.o.pc);
            }
            Teqi | Tnei | Tgei | Tgeiu | Tlti | Tltiu => {
                let x = self.get(i.rs());
                let y = self.w(i2u(i.simm()));
                let op = match i.op {
                    Teqi => Teq,
                    Tnei => Tne,
                    Tgei => Tge,
                    Tgeiu => Tgeu,
                    Tlti => Tlt,
                    _ => Tltu,
                };
                let c = self.trap_cond(op, x, y);
                let t = self.wc(a);
                self.b.exit(c, t, JumpKind::SigTRAP, self.o.pc);
            }
            // ---- branches and jumps ----
            J | Jal => {
                let region = a.wrapping_add(4) & !0x0fff_ffff;
                let t = self.w(region | (u64::from(i.index()) << 2));
                let jk = if i.op == Jal {
                    self.link(31, a);
                    JumpKind::Call
                } else {
                    JumpKind::Boring
                };
                return Ok(Flow::Branch(Branch {
                    cond: None,
                    likely: false,
                    target: t,
                    jk,
                }));
            }
            Jr | Jalr => {
                let t = self.get(i.rs());
                let jk = if i.op == Jalr {
                    self.link(i.rd(), a);
                    JumpKind::Call
                } else if i.rs() == 31 {
                    JumpKind::Ret
                } else {
                    JumpKind::Boring
                };
                // A temporary, so a slot that overwrites i.rs() does not change the target.
                let t = if i.rs() == 0 { self.w(0) } else { t };
                return Ok(Flow::Branch(Branch {
                    cond: None,
                    likely: false,
                    target: t,
                    jk,
                }));
            }
            Beq | Bne | Beql | Bnel | Blez | Bgtz | Blezl | Bgtzl | Bltz | Bgez | Bltzl | Bgezl
            | Bltzal | Bgezal | Bltzall | Bgezall => {
                let target = self.w(a.wrapping_add(4).wrapping_add(i2u(i.simm() << 2)));
                let likely = matches!(
                    i.op,
                    Beql | Bnel | Blezl | Bgtzl | Bltzl | Bgezl | Bltzall | Bgezall
                );
                let x = self.get(i.rs());
                let zero = self.w(0);
                let cond = match i.op {
                    Beq | Beql if i.rs() == i.rt() => None,
                    Bgez | Bgezl | Bgezal | Bgezall if i.rs() == 0 => None,
                    Beq | Beql => {
                        let y = self.get(i.rt());
                        Some(self.bin(self.op(Op::CmpEQ32, Op::CmpEQ64), x, y))
                    }
                    Bne | Bnel => {
                        let y = self.get(i.rt());
                        Some(self.bin(self.op(Op::CmpNE32, Op::CmpNE64), x, y))
                    }
                    Blez | Blezl => Some(self.bin(self.op(Op::CmpLE32S, Op::CmpLE64S), x, zero)),
                    Bgtz | Bgtzl => Some(self.bin(self.op(Op::CmpLT32S, Op::CmpLT64S), zero, x)),
                    Bltz | Bltzl | Bltzal | Bltzall => {
                        Some(self.bin(self.op(Op::CmpLT32S, Op::CmpLT64S), x, zero))
                    }
                    _ => Some(self.bin(self.op(Op::CmpLE32S, Op::CmpLE64S), zero, x)),
                };
                let jk = if matches!(i.op, Bltzal | Bgezal | Bltzall | Bgezall) {
                    // The link is written whether or not the branch is taken.
                    self.link(31, a);
                    JumpKind::Call
                } else {
                    JumpKind::Boring
                };
                return Ok(Flow::Branch(Branch {
                    cond,
                    likely,
                    target,
                    jk,
                }));
            }
            Bc1f | Bc1t | Bc1fl | Bc1tl => {
                let target = self.w(a.wrapping_add(4).wrapping_add(i2u(i.simm() << 2)));
                let c = self.fcc(i.cc_hi());
                let cond = if matches!(i.op, Bc1f | Bc1fl) {
                    self.un(Op::Not1, c)
                } else {
                    c
                };
                return Ok(Flow::Branch(Branch {
                    cond: Some(cond),
                    likely: matches!(i.op, Bc1fl | Bc1tl),
                    target,
                    jk: JumpKind::Boring,
                }));
            }
            // ---- FPU moves ----
            Mfc1 => {
                let v = self.fpr32(i.fs());
                self.put32(i.rt(), v);
            }
            Mtc1 => {
                let v = self.get32(i.rt());
                self.put_f32(i.fs(), v);
            }
            Mfhc1 => {
                let v = if self.is64 {
                    self.b.get(self.o.fpr(i.fs()) + 4, Type::I32)
                } else {
                    self.fpr32(i.fs() | 1)
                };
                self.put32(i.rt(), v);
            }
            Mthc1 => {
                let v = self.get32(i.rt());
                if self.is64 {
                    self.b.put(self.o.fpr(i.fs()) + 4, v);
                } else {
                    self.put_f32(i.fs() | 1, v);
                }
            }
            Dmfc1 => {
                let v = self.b.get(self.o.fpr(i.fs()), Type::I64);
                self.put(i.rt(), v);
            }
            Dmtc1 => {
                let v = self.get(i.rt());
                self.b.put(self.o.fpr(i.fs()), v);
            }
            Cfc1 => {
                let v = match i.fs() {
                    0 => self.b.get(self.o.fir, Type::I32),
                    31 => self.fcsr(),
                    25 => {
                        // FCCR: FCC7..1 from FCSR bits 31..25, FCC0 from bit 23.
                        let f = self.fcsr();
                        let hi = self.bin(Op::Shr32, f, Atom::u8(24));
                        let hi = self.bin(Op::And32, hi, Atom::u32(0xfe));
                        let lo = self.bin(Op::Shr32, f, Atom::u8(23));
                        let lo = self.bin(Op::And32, lo, Atom::u32(1));
                        self.bin(Op::Or32, hi, lo)
                    }
                    _ => return Err(Unsupported),
                };
                self.put32(i.rt(), v);
            }
            Ctc1 => {
                if i.fs() != 31 {
                    return Err(Unsupported);
                }
                let v = self.get32(i.rt());
                // Bits 18..22 are read-only (QEMU's fcr31_rw_bitmask for these CPUs).
                let v = self.bin(Op::And32, v, Atom::u32(0xff83_ffff));
                self.put_fcsr(v);
            }
            // ---- FPU arithmetic ----
            FAdd | FSub | FMul | FDiv | FSqrt | FAbs | FMov | FNeg | Recip | Rsqrt => {
                let Some(fmt @ (Fmt::S | Fmt::D)) = i.fmt() else {
                    return Err(Unsupported);
                };
                let d = fmt == Fmt::D;
                let x = self.get_fmt(fmt, i.fs())?;
                let r = match i.op {
                    FAdd | FSub | FMul | FDiv => {
                        let y = self.get_fmt(fmt, i.ft())?;
                        let op = match (i.op, d) {
                            (FAdd, false) => Op::AddF32,
                            (FAdd, true) => Op::AddF64,
                            (FSub, false) => Op::SubF32,
                            (FSub, true) => Op::SubF64,
                            (FMul, false) => Op::MulF32,
                            (FMul, true) => Op::MulF64,
                            (_, false) => Op::DivF32,
                            (_, true) => Op::DivF64,
                        };
                        let rm = self.rm();
                        self.b.triop(op, rm, x, y)
                    }
                    FSqrt => {
                        let rm = self.rm();
                        self.bin(if d { Op::SqrtF64 } else { Op::SqrtF32 }, rm, x)
                    }
                    FAbs => self.un(if d { Op::AbsF64 } else { Op::AbsF32 }, x),
                    FNeg => self.un(if d { Op::NegF64 } else { Op::NegF32 }, x),
                    FMov => x,
                    _ => {
                        let rm = self.rm();
                        let one = if d { Const::f64(1.0) } else { Const::f32(1.0) };
                        let y = if i.op == Rsqrt {
                            self.bin(if d { Op::SqrtF64 } else { Op::SqrtF32 }, rm, x)
                        } else {
                            x
                        };
                        let op = if d { Op::DivF64 } else { Op::DivF32 };
                        self.b.triop(op, rm, Atom::Const(one), y)
                    }
                };
                self.put_fmt(fmt, i.fd(), r)?;
            }
            Madd_ | Msub_ | Nmadd | Nmsub => {
                let Some(fmt) = i.fmt() else {
                    return Err(Unsupported);
                };
                let d = fmt == Fmt::D;
                let x = self.get_fmt(fmt, i.fs())?;
                let y = self.get_fmt(fmt, i.ft())?;
                let z = self.get_fmt(fmt, i.fr())?;
                let rm = self.rm();
                // Pre-R6 multiply-add rounds twice (QEMU and the 24K/5K cores).
                let p = self
                    .b
                    .triop(if d { Op::MulF64 } else { Op::MulF32 }, rm, x, y);
                let sub = matches!(i.op, Msub_ | Nmsub);
                let op = match (sub, d) {
                    (false, false) => Op::AddF32,
                    (false, true) => Op::AddF64,
                    (true, false) => Op::SubF32,
                    (true, true) => Op::SubF64,
                };
                let mut r = self.b.triop(op, rm, p, z);
                if matches!(i.op, Nmadd | Nmsub) {
                    r = self.un(if d { Op::NegF64 } else { Op::NegF32 }, r);
                }
                self.put_fmt(fmt, i.fd(), r)?;
            }
            FMovcf | FMovz | FMovn => {
                let Some(fmt @ (Fmt::S | Fmt::D)) = i.fmt() else {
                    return Err(Unsupported);
                };
                let c = match i.op {
                    FMovcf => {
                        let c = self.fcc(i.cc_hi());
                        if i.tf() { c } else { self.un(Op::Not1, c) }
                    }
                    _ => {
                        let t = self.get(i.rt());
                        let z = self.bin(self.op(Op::CmpEQ32, Op::CmpEQ64), t, self.w(0));
                        if i.op == FMovz {
                            z
                        } else {
                            self.un(Op::Not1, z)
                        }
                    }
                };
                let s = self.get_fmt(fmt, i.fs())?;
                let d = self.get_fmt(fmt, i.fd())?;
                let r = self.b.ite(c, s, d);
                self.put_fmt(fmt, i.fd(), r)?;
            }
            CvtS | CvtD | CvtW | CvtL | RoundW | TruncW | CeilW | FloorW | RoundL | TruncL
            | CeilL | FloorL => self.fcvt(i)?,
            FCmp => {
                let Some(fmt @ (Fmt::S | Fmt::D)) = i.fmt() else {
                    return Err(Unsupported);
                };
                let x = self.get_fmt(fmt, i.fs())?;
                let y = self.get_fmt(fmt, i.ft())?;
                let cond = i.funct() & 7;
                let c = if cond == 0 {
                    Atom::bool(false)
                } else {
                    let r = self.bin(
                        if fmt == Fmt::D {
                            Op::CmpF64
                        } else {
                            Op::CmpF32
                        },
                        x,
                        y,
                    );
                    if cond == 7 {
                        // un | eq | lt: anything but greater.
                        self.bin(Op::CmpNE32, r, Atom::u32(0))
                    } else {
                        let mut acc: Option<Atom> = None;
                        for (bit, code) in [(1u8, 0x45u32), (2, 0x40), (4, 0x01)] {
                            if cond & bit != 0 {
                                let e = self.bin(Op::CmpEQ32, r, Atom::u32(code));
                                acc = Some(match acc {
                                    None => e,
                                    Some(p) => self.bin(Op::Or1, p, e),
                                });
                            }
                        }
                        acc.unwrap_or(Atom::bool(false))
                    }
                };
                let bit = fcc_bit(i.cc_lo());
                let f = self.fcsr();
                let cleared = self.bin(Op::And32, f, Atom::u32(!(1u32 << bit)));
                let v = self.un(Op::I1Uto32, c);
                let v = self.bin(Op::Shl32, v, Atom::u8(bit));
                let nf = self.bin(Op::Or32, cleared, v);
                self.put_fcsr(nf);
            }
        }
        Ok(Flow::Next)
    }

    /// `link = a + 8`.
    fn link(&mut self, r: u8, a: u64) {
        let v = self.w(a.wrapping_add(8));
        self.put(r, v);
    }

    /// Writes a 64-bit HI:LO pair made of two 32-bit halves (sign-extended on MIPS64).
    fn put_hilo64(&mut self, v: Atom) {
        let hi = self.un(Op::I64HIto32, v);
        let lo = self.un(Op::I64to32, v);
        self.put_off32(self.o.hi, hi);
        self.put_off32(self.o.lo, lo);
    }

    /// Signed-overflow trap before the write-back of `r = x op y`.
    fn ovf_trap(&mut self, wide: bool, sub: bool, x: Atom, y: Atom, r: Atom, a: u64) {
        let (xor, and, lt, zero) = if wide {
            (Op::Xor64, Op::And64, Op::CmpLT64S, Atom::u64(0))
        } else {
            (Op::Xor32, Op::And32, Op::CmpLT32S, Atom::u32(0))
        };
        // add: operands of equal sign, result of the other; sub: operands of
        // different signs, result's sign differs from the minuend's.
        let xr = self.bin(xor, x, r);
        let t = if sub {
            self.bin(xor, x, y)
        } else {
            self.bin(xor, y, r)
        };
        let m = self.bin(and, xr, t);
        let c = self.bin(lt, m, zero);
        let t = self.wc(a);
        self.b.exit(c, t, JumpKind::SigFPE_IntOvf, self.o.pc);
    }

    fn trap_cond(&mut self, op: Opc, x: Atom, y: Atom) -> Atom {
        let (eq, ne, lts, ltu) = if self.is64 {
            (Op::CmpEQ64, Op::CmpNE64, Op::CmpLT64S, Op::CmpLT64U)
        } else {
            (Op::CmpEQ32, Op::CmpNE32, Op::CmpLT32S, Op::CmpLT32U)
        };
        match op {
            Opc::Teq => self.bin(eq, x, y),
            Opc::Tne => self.bin(ne, x, y),
            Opc::Tlt => self.bin(lts, x, y),
            Opc::Tltu => self.bin(ltu, x, y),
            Opc::Tge => {
                let c = self.bin(lts, x, y);
                self.un(Op::Not1, c)
            }
            _ => {
                let c = self.bin(ltu, x, y);
                self.un(Op::Not1, c)
            }
        }
    }

    /// A 32-bit shift or rotate of `x` (I32).
    fn shift32(&mut self, op: Opc, x: Atom, n: ShAmt) -> R<Atom> {
        let amt = match n {
            ShAmt::Const(0) => return Ok(x),
            ShAmt::Const(s) => Atom::u8(s),
            ShAmt::Var(v) => v,
        };
        Ok(match op {
            Opc::Sll => self.bin(Op::Shl32, x, amt),
            Opc::Srl => self.bin(Op::Shr32, x, amt),
            Opc::Sra => self.bin(Op::Sar32, x, amt),
            Opc::Rotr => {
                // Shl32 by 32 gives 0, so a variable amount of 0 needs no special case.
                let r = self.bin(Op::Shr32, x, amt);
                let m = match n {
                    ShAmt::Const(s) => Atom::u8(32 - s),
                    ShAmt::Var(v) => self.bin(Op::Sub8, Atom::u8(32), v),
                };
                let l = self.bin(Op::Shl32, x, m);
                self.bin(Op::Or32, r, l)
            }
            _ => return Err(Unsupported),
        })
    }

    /// `(x >> pos) & mask(size)`.
    fn extract(&mut self, x: Atom, pos: u32, size: u32, wide: bool) -> Atom {
        let (shr, and, bits) = if wide {
            (Op::Shr64, Op::And64, 64)
        } else {
            (Op::Shr32, Op::And32, 32)
        };
        let s = if pos == 0 {
            x
        } else {
            self.bin(shr, x, self.sh(pos))
        };
        if pos + size == bits {
            return s;
        }
        let mask = mask(size);
        let m = if wide {
            Atom::u64(mask)
        } else {
            Atom::u32(trunc32(mask))
        };
        self.bin(and, s, m)
    }

    /// `t` with bits `pos..pos+size` replaced by the low bits of `x`.
    fn insert(&mut self, t: Atom, x: Atom, pos: u32, size: u32, wide: bool) -> Atom {
        let (shl, and, or) = if wide {
            (Op::Shl64, Op::And64, Op::Or64)
        } else {
            (Op::Shl32, Op::And32, Op::Or32)
        };
        let field = mask(size) << pos;
        let c = |v: u64| {
            if wide {
                Atom::u64(v)
            } else {
                Atom::u32(trunc32(v))
            }
        };
        let keep = self.bin(and, t, c(!field));
        let xm = self.bin(and, x, c(mask(size)));
        let xs = if pos == 0 {
            xm
        } else {
            self.bin(shl, xm, self.sh(pos))
        };
        self.bin(or, keep, xs)
    }

    /// Swaps adjacent `n`-bit lanes: `((x & m) << n) | ((x >> n) & m)`.
    fn swap_lanes(&mut self, x: Atom, wide: bool, m: u64, n: u32) -> Atom {
        let (shl, shr, and, or) = if wide {
            (Op::Shl64, Op::Shr64, Op::And64, Op::Or64)
        } else {
            (Op::Shl32, Op::Shr32, Op::And32, Op::Or32)
        };
        let ma = if wide {
            Atom::u64(m)
        } else {
            Atom::u32(trunc32(m))
        };
        let a = self.bin(and, x, ma);
        let a = self.bin(shl, a, self.sh(n));
        let b = self.bin(shr, x, self.sh(n));
        let b = self.bin(and, b, ma);
        self.bin(or, a, b)
    }

    /// `lwl`/`lwr`/`swl`/`swr` and the doubleword forms: an aligned access
    /// of the containing word, merged with the register by shifts computed
    /// from the address's low bits. `s` is the byte offset counted from the
    /// least significant end (`addr & 3` little-endian, `3 - (addr & 3)` big).
    fn unaligned(&mut self, i: Insn, dw: bool) -> R<()> {
        let (ty, shl, shr, and, or, not, bytes) = if dw {
            (
                Type::I64,
                Op::Shl64,
                Op::Shr64,
                Op::And64,
                Op::Or64,
                Op::Not64,
                8u32,
            )
        } else {
            (
                Type::I32,
                Op::Shl32,
                Op::Shr32,
                Op::And32,
                Op::Or32,
                Op::Not32,
                4,
            )
        };
        let ad = self.ea(i);
        let wand = self.op(Op::And32, Op::And64);
        let low = self.bin(wand, ad, self.w(u64::from(bytes - 1)));
        let aligned = self.bin(wand, ad, self.w(!u64::from(bytes - 1)));
        let low8 = self.un(self.op(Op::I32to8, Op::I64to8), low);
        let s = if self.end == Endness::Le {
            low8
        } else {
            let top = u8::try_from(bytes - 1).unwrap_or(3);
            self.bin(Op::Sub8, Atom::u8(top), low8)
        };
        let s8 = self.bin(Op::Shl8, s, Atom::u8(3)); // 8*s
        let top_bits = u8::try_from(8 * (bytes - 1)).unwrap_or(24);
        let inv8 = self.bin(Op::Sub8, Atom::u8(top_bits), s8); // 8*(n-1-s)
        let ones = if dw {
            Atom::u64(u64::MAX)
        } else {
            Atom::u32(u32::MAX)
        };
        let reg = if dw {
            self.get(i.rt())
        } else {
            self.get32(i.rt())
        };
        let mem = self.load(ty, aligned);
        match i.op {
            Opc::Lwl | Opc::Ldl => {
                // (mem << 8(n-1-s)) | (reg & (ones >> 8(s+1)))
                let v = self.bin(shl, mem, inv8);
                let s1 = self.bin(Op::Add8, s8, Atom::u8(8));
                let m = self.bin(shr, ones, s1);
                let k = self.bin(and, reg, m);
                let r = self.bin(or, v, k);
                if dw {
                    self.put(i.rt(), r)
                } else {
                    self.put32(i.rt(), r)
                }
            }
            Opc::Lwr | Opc::Ldr => {
                // (mem >> 8s) | (reg & ~(ones >> 8s))
                let v = self.bin(shr, mem, s8);
                let m = self.bin(shr, ones, s8);
                let m = self.un(not, m);
                let k = self.bin(and, reg, m);
                let r = self.bin(or, v, k);
                if dw {
                    self.put(i.rt(), r)
                } else {
                    self.put32(i.rt(), r)
                }
            }
            Opc::Swl | Opc::Sdl => {
                // (mem & ~(ones >> 8(n-1-s))) | (reg >> 8(n-1-s))
                let m = self.bin(shr, ones, inv8);
                let m = self.un(not, m);
                let k = self.bin(and, mem, m);
                let v = self.bin(shr, reg, inv8);
                let r = self.bin(or, k, v);
                self.store(aligned, r);
            }
            _ => {
                // (mem & ~(ones << 8s)) | (reg << 8s)
                let m = self.bin(shl, ones, s8);
                let m = self.un(not, m);
                let k = self.bin(and, mem, m);
                let v = self.bin(shl, reg, s8);
                let r = self.bin(or, k, v);
                self.store(aligned, r);
            }
        }
        Ok(())
    }

    /// Conversions between formats, and float-to-integer with a fixed or
    /// the current rounding mode.
    fn fcvt(&mut self, i: Insn) -> R<()> {
        use Opc::*;
        let Some(src) = i.fmt() else {
            return Err(Unsupported);
        };
        let x = self.get_fmt(src, i.fs())?;
        let fd = i.fd();
        // Float to integer: the IR mode of round/trunc/ceil/floor, or FCSR's.
        let int_rm = match i.op {
            RoundW | RoundL => Some(Atom::u32(0)),
            TruncW | TruncL => Some(Atom::u32(3)),
            CeilW | CeilL => Some(Atom::u32(2)),
            FloorW | FloorL => Some(Atom::u32(1)),
            _ => None,
        };
        let to_l = matches!(i.op, CvtL | RoundL | TruncL | CeilL | FloorL);
        let to_w = matches!(i.op, CvtW | RoundW | TruncW | CeilW | FloorW);
        if to_w || to_l {
            let rm = match int_rm {
                Some(r) => r,
                None => self.rm(),
            };
            let d = match src {
                Fmt::S => false,
                Fmt::D => true,
                _ => return Err(Unsupported),
            };
            let op = match (d, to_l) {
                (false, false) => Op::F32toI32S,
                (true, false) => Op::F64toI32S,
                (false, true) => Op::F32toI64S,
                (true, true) => Op::F64toI64S,
            };
            let r = self.bin(op, rm, x);
            // The IR gives the x86 "integer indefinite" (MIN) for NaN and out of
            // range; MIPS (legacy NaN mode) gives MAX. MIN is also a valid
            // result for an input of exactly -2^31 / -2^63.
            let (ind, cmpeq, maxv) = if to_l {
                (
                    Atom::u64(1 << 63),
                    Op::CmpEQ64,
                    Atom::u64(i64::MAX.unsigned_abs()),
                )
            } else {
                (
                    Atom::u32(1 << 31),
                    Op::CmpEQ32,
                    Atom::u32(i32::MAX.unsigned_abs()),
                )
            };
            let is_ind = self.bin(cmpeq, r, ind);
            // -2^63 or -2^31 in the source format.
            let minf = match (d, to_l) {
                (true, true) => Const::new(Type::F64, 0xc3e0_0000_0000_0000),
                (true, false) => Const::new(Type::F64, 0xc1e0_0000_0000_0000),
                (false, true) => Const::new(Type::F32, 0xdf00_0000),
                (false, false) => Const::new(Type::F32, 0xcf00_0000),
            };
            let c = self.bin(
                if d { Op::CmpF64 } else { Op::CmpF32 },
                x,
                Atom::Const(minf),
            );
            let exact = self.bin(Op::CmpEQ32, c, Atom::u32(0x40));
            let nexact = self.un(Op::Not1, exact);
            let fix = self.bin(Op::And1, is_ind, nexact);
            let r = self.b.ite(fix, maxv, r);
            return self.put_fmt(if to_l { Fmt::L } else { Fmt::W }, fd, r);
        }
        let r = match (i.op, src) {
            (CvtS, Fmt::D) => {
                let rm = self.rm();
                self.bin(Op::F64toF32, rm, x)
            }
            (CvtS, Fmt::W) => {
                let rm = self.rm();
                self.bin(Op::I32StoF32, rm, x)
            }
            (CvtS, Fmt::L) => {
                let rm = self.rm();
                self.bin(Op::I64StoF32, rm, x)
            }
            (CvtD, Fmt::S) => self.un(Op::F32toF64, x),
            (CvtD, Fmt::W) => self.un(Op::I32StoF64, x),
            (CvtD, Fmt::L) => {
                let rm = self.rm();
                self.bin(Op::I64StoF64, rm, x)
            }
            _ => return Err(Unsupported),
        };
        let dst = if i.op == CvtS { Fmt::S } else { Fmt::D };
        self.put_fmt(dst, fd, r)
    }
}

/// A shift amount: constant or an I8 temporary.
#[derive(Copy, Clone, Debug)]
enum ShAmt {
    Const(u8),
    Var(Atom),
}

/// `x op 0 == x`.
fn right_identity_zero(op: Op) -> bool {
    matches!(
        op,
        Op::Add32
            | Op::Add64
            | Op::Sub32
            | Op::Sub64
            | Op::Or32
            | Op::Or64
            | Op::Xor32
            | Op::Xor64
            | Op::Shl32
            | Op::Shl64
            | Op::Shr32
            | Op::Shr64
            | Op::Sar32
            | Op::Sar64
    )
}

/// `0 op x == x`.
fn left_identity_zero(op: Op) -> bool {
    matches!(
        op,
        Op::Add32 | Op::Add64 | Op::Or32 | Op::Or64 | Op::Xor32 | Op::Xor64
    )
}

/// Low `size` bits set (size 1..=64).
const fn mask(size: u32) -> u64 {
    if size >= 64 {
        u64::MAX
    } else {
        (1u64 << size) - 1
    }
}

/// The jump kind of a trap with the kernel's code convention.
fn trap_kind(code: u32) -> JumpKind {
    match code {
        7 => JumpKind::SigFPE_IntDiv,
        6 => JumpKind::SigFPE_IntOvf,
        _ => JumpKind::SigTRAP,
    }
}

//! SSE through SSE4.2, AVX, AVX2 and the AVX-512 forms glibc uses.
//!
//! A vector value is up to four 128-bit parts (`xmm` = 1, `ymm` = 2,
//! `zmm` = 4), each its own guest-state slot, so every lane operation is a
//! V128 op per part (AVX2's in-lane shuffles are exactly that). Encoding
//! rules live in one place ([`Vec4`] reads, [`write_vec`]): legacy SSE
//! writes leave the upper parts alone, VEX and EVEX writes zero them, EVEX
//! write masks merge or zero per element, and legacy 16-byte memory operands
//! must be aligned (`SigSEGV` exit otherwise).

use super::flags::{CF, Family, ZF};
use super::lift::{AND, CMPNE, Flow, Lifter, Loc, OR, R, Unsupported, ity};
use iced_x86::{EncodingKind, Mnemonic as M, OpKind, Register};
use vexil_ir::{Atom, Const, JumpKind, Op, Type};

/// Up to four V128 parts of one vector value.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Vec4 {
    pub p: [Atom; 4],
    pub n: usize,
}

impl Vec4 {
    fn new(n: usize) -> Vec4 {
        Vec4 {
            p: [Atom::Const(Const::v128_mask(0)); 4],
            n,
        }
    }
    fn parts(&self) -> &[Atom] {
        &self.p[..self.n]
    }
}

fn zero128() -> Atom {
    Atom::Const(Const::v128_mask(0))
}
fn ones128() -> Atom {
    Atom::Const(Const::v128_mask(0xffff))
}

/// Vector register number and width in bytes.
pub(crate) fn vreg(r: Register) -> Option<(u32, u32)> {
    if r.is_xmm() || r.is_ymm() || r.is_zmm() {
        Some((super::bits::small(r.number()), super::bits::small(r.size())))
    } else {
        None
    }
}

fn is_vex(lf: &Lifter) -> bool {
    matches!(lf.i.encoding(), EncodingKind::VEX | EncodingKind::EVEX)
}

impl Lifter {
    pub(crate) fn vget(&mut self, n: u32, part: u32) -> R<Atom> {
        let off = self.m.vec(n, part).ok_or(Unsupported)?;
        Ok(self.b.get(off, Type::V128))
    }
    pub(crate) fn vput(&mut self, n: u32, part: u32, v: Atom) -> R<()> {
        let off = self.m.vec(n, part).ok_or(Unsupported)?;
        self.b.put(off, v);
        Ok(())
    }
    /// The V128 rounding mode of SSE arithmetic (MXCSR.RC) as an I32.
    pub(crate) fn sse_rm(&mut self) -> Atom {
        let w = self.m.word;
        let r = self.b.get(self.m.sseround, w);
        self.zx(r, Type::I32)
    }
    /// Exits with `SigSEGV` unless `addr` is a multiple of `align`.
    pub(crate) fn check_align(&mut self, addr: Atom, align: u64) {
        if let Atom::Const(c) = addr {
            if c.bits() % align == 0 {
                return;
            }
        }
        let w = self.m.word;
        let low = self.wbin(AND, w, addr, Lifter::cst(w, align - 1));
        let bad = self.wbin(CMPNE, w, low, Lifter::cst(w, 0));
        self.exit_if(bad, self.addr, JumpKind::SigSEGV);
    }
    fn add_addr(&mut self, a: Atom, k: u64) -> Atom {
        if k == 0 {
            return a;
        }
        let w = self.m.word;
        self.wbin(super::lift::ADD, w, a, Lifter::cst(w, k))
    }
}

/// Mnemonics whose legacy 16-byte memory operand may be unaligned.
fn unaligned_ok(mn: M) -> bool {
    matches!(
        mn,
        M::Movups
            | M::Movupd
            | M::Movdqu
            | M::Lddqu
            | M::Pcmpistri
            | M::Pcmpistrm
            | M::Pcmpestri
            | M::Pcmpestrm
    )
}

/// Mnemonics that require alignment even when VEX/EVEX encoded.
fn aligned_move(mn: M) -> bool {
    matches!(
        mn,
        M::Vmovdqa
            | M::Vmovdqa32
            | M::Vmovdqa64
            | M::Vmovaps
            | M::Vmovapd
            | M::Vmovntdq
            | M::Vmovntps
            | M::Vmovntpd
            | M::Vmovntdqa
            | M::Movntdq
            | M::Movntps
            | M::Movntpd
            | M::Movntdqa
    )
}

/// Reads operand `opn` as a vector of `width` bytes (`esize`: element size
/// for EVEX broadcasts).
pub(crate) fn read_vec(lf: &mut Lifter, opn: u32, width: u32, esize: u32) -> R<Vec4> {
    let nparts = usize::try_from(width.div_ceil(16)).unwrap_or(1).clamp(1, 4);
    let mut v = Vec4::new(nparts);
    match lf.i.try_op_kind(opn).map_err(|_| Unsupported)? {
        OpKind::Register => {
            let (n, _) = vreg(lf.i.op_register(opn)).ok_or(Unsupported)?;
            for k in 0..nparts {
                v.p[k] = lf.vget(n, super::bits::small(k))?;
            }
        }
        OpKind::Memory => {
            let addr = lf.ea();
            if lf.i.is_broadcast() {
                let e = lf.load(ity(esize), addr);
                let d = dup(lf, e, esize)?;
                for k in 0..nparts {
                    v.p[k] = d;
                }
                return Ok(v);
            }
            let mn = lf.i.mnemonic();
            let legacy = lf.i.encoding() == EncodingKind::Legacy;
            if (legacy && width == 16 && !unaligned_ok(mn)) || aligned_move(mn) {
                lf.check_align(addr, u64::from(width));
            }
            for k in 0..nparts {
                let a = lf.add_addr(addr, 16 * k as u64);
                v.p[k] = lf.load(Type::V128, a);
            }
        }
        _ => return Err(Unsupported),
    }
    Ok(v)
}

/// Broadcasts a scalar of `esize` bytes to every lane of a V128.
fn dup(lf: &mut Lifter, e: Atom, esize: u32) -> R<Atom> {
    Ok(match esize {
        1 => lf.un(Op::Dup8x16, e),
        2 => lf.un(Op::Dup16x8, e),
        4 => lf.un(Op::Dup32x4, e),
        8 => lf.un(Op::Dup64x2, e),
        _ => return Err(Unsupported),
    })
}

/// An arbitrary 128-bit constant.
fn c128(lf: &mut Lifter, v: u128) -> Atom {
    if let Some(c) = Const::from_value(Type::V128, v) {
        return Atom::Const(c);
    }
    let hi = Atom::u64(super::bits::lo64(v >> 64));
    let lo = Atom::u64(super::bits::lo64(v));
    lf.bin(Op::I64HLtoV128, hi, lo)
}

/// The lanes of part `k` selected by mask register bits, as a V128 with
/// all-ones elements where the bit is set.
pub(crate) fn mask_lanes(lf: &mut Lifter, kbits: Atom, k: usize, esize: u32) -> R<Atom> {
    let per = 16 / esize;
    let shift = super::bits::small(k) * per;
    let m = lf.bin(Op::Shr64, kbits, Lifter::u8c(shift));
    let lanes_bits: u128 = match esize {
        1 => (0..16).fold(0, |acc, i| acc | (1u128 << (i % 8)) << (8 * i)),
        2 => (0..8).fold(0, |acc, i| acc | (1u128 << i) << (16 * i)),
        4 => (0..4).fold(0, |acc, i| acc | (1u128 << i) << (32 * i)),
        _ => 1 | (2u128 << 64),
    };
    let sel = c128(lf, lanes_bits);
    let spread = match esize {
        1 => {
            // Each byte i holds mask byte i/8.
            let m16 = lf.un(Op::I64to16, m);
            let d = lf.un(Op::Dup16x8, m16);
            let idx = c128(
                lf,
                (0..16).fold(0, |acc, i| acc | (u128::from(i >= 8) << (8 * i))),
            );
            lf.bin(Op::Perm8x16, d, idx)
        }
        2 => {
            let m16 = lf.un(Op::I64to16, m);
            lf.un(Op::Dup16x8, m16)
        }
        4 => {
            let m32 = lf.un(Op::I64to32, m);
            lf.un(Op::Dup32x4, m32)
        }
        _ => lf.un(Op::Dup64x2, m),
    };
    let x = lf.bin(Op::AndV128, spread, sel);
    Ok(lf.un(
        match esize {
            1 => Op::CmpNEZ8x16,
            2 => Op::CmpNEZ16x8,
            4 => Op::CmpNEZ32x4,
            _ => Op::CmpNEZ64x2,
        },
        x,
    ))
}

/// The mask register value (I64) of the instruction's `{k}` write mask.
pub(crate) fn opmask(lf: &mut Lifter) -> R<Option<Atom>> {
    let k = lf.i.op_mask();
    if k == Register::None {
        return Ok(None);
    }
    let n = super::bits::small(k.number());
    let off = *lf
        .m
        .kreg
        .get(usize::try_from(n).map_err(|_| Unsupported)?)
        .ok_or(Unsupported)?;
    Ok(Some(lf.b.get(off, Type::I64)))
}

/// Writes a vector result to register operand `opn` with the encoding's
/// rules. `esize` is the element size for write masking.
pub(crate) fn write_vec(lf: &mut Lifter, opn: u32, val: &Vec4, esize: u32) -> R<()> {
    match lf.i.try_op_kind(opn).map_err(|_| Unsupported)? {
        OpKind::Register => {}
        OpKind::Memory => {
            let addr = lf.ea();
            let mn = lf.i.mnemonic();
            let width = super::bits::small(val.n) * 16;
            let legacy = lf.i.encoding() == EncodingKind::Legacy;
            if (legacy && width == 16 && !unaligned_ok(mn)) || aligned_move(mn) {
                lf.check_align(addr, u64::from(width));
            }
            let mask = opmask(lf)?;
            for k in 0..val.n {
                let a = lf.add_addr(addr, 16 * k as u64);
                let v = match mask {
                    // Masked stores touch only the selected elements; as IR
                    // we merge with memory (a read-modify-write).
                    Some(m) => {
                        let old = lf.load(Type::V128, a);
                        let sel = mask_lanes(lf, m, k, esize)?;
                        merge(lf, val.p[k], old, sel)
                    }
                    None => val.p[k],
                };
                lf.store(a, v);
            }
            return Ok(());
        }
        _ => return Err(Unsupported),
    }
    let (n, _) = vreg(lf.i.op_register(opn)).ok_or(Unsupported)?;
    let mask = opmask(lf)?;
    let zeroing = lf.i.zeroing_masking();
    for k in 0..val.n {
        let ku = super::bits::small(k);
        let v = match mask {
            Some(m) => {
                let sel = mask_lanes(lf, m, k, esize)?;
                let old = if zeroing { zero128() } else { lf.vget(n, ku)? };
                merge(lf, val.p[k], old, sel)
            }
            None => val.p[k],
        };
        lf.vput(n, ku, v)?;
    }
    if is_vex(lf) {
        for k in val.n..usize::try_from(lf.m.vec_parts()).unwrap_or(2) {
            lf.vput(n, super::bits::small(k), zero128())?;
        }
    }
    Ok(())
}

/// `sel ? new : old`, bitwise.
fn merge(lf: &mut Lifter, new: Atom, old: Atom, sel: Atom) -> Atom {
    let a = lf.bin(Op::AndV128, new, sel);
    if old == zero128() {
        return a;
    }
    let ns = lf.un(Op::NotV128, sel);
    let b = lf.bin(Op::AndV128, old, ns);
    lf.bin(Op::OrV128, a, b)
}

/// Width in bytes of the destination operand (register or memory).
fn dst_width(lf: &Lifter) -> R<u32> {
    match lf.i.op0_kind() {
        OpKind::Register => Ok(vreg(lf.i.op0_register()).ok_or(Unsupported)?.1),
        OpKind::Memory => Ok(super::bits::small(lf.i.memory_size().size())),
        _ => Err(Unsupported),
    }
}

/// How the two sources combine.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Shape {
    /// `op(a, b)`.
    Plain,
    /// `op(b, a)` (interleaves and packs take the high half from arg 1).
    Swap,
    /// `op(rm, a, b)`: float arithmetic with the SSE rounding mode.
    Rm,
    /// `and(not(a), b)`.
    AndNot,
}

/// Lane-wise two-source operations: (op, element size, shape).
fn lanewise(mn: M) -> Option<(Op, u32, Shape)> {
    use Shape::*;
    Some(match mn {
        M::Paddb | M::Vpaddb => (Op::Add8x16, 1, Plain),
        M::Paddw | M::Vpaddw => (Op::Add16x8, 2, Plain),
        M::Paddd | M::Vpaddd => (Op::Add32x4, 4, Plain),
        M::Paddq | M::Vpaddq => (Op::Add64x2, 8, Plain),
        M::Psubb | M::Vpsubb => (Op::Sub8x16, 1, Plain),
        M::Psubw | M::Vpsubw => (Op::Sub16x8, 2, Plain),
        M::Psubd | M::Vpsubd => (Op::Sub32x4, 4, Plain),
        M::Psubq | M::Vpsubq => (Op::Sub64x2, 8, Plain),
        M::Paddusb | M::Vpaddusb => (Op::QAdd8Ux16, 1, Plain),
        M::Paddusw | M::Vpaddusw => (Op::QAdd16Ux8, 2, Plain),
        M::Paddsb | M::Vpaddsb => (Op::QAdd8Sx16, 1, Plain),
        M::Paddsw | M::Vpaddsw => (Op::QAdd16Sx8, 2, Plain),
        M::Psubusb | M::Vpsubusb => (Op::QSub8Ux16, 1, Plain),
        M::Psubusw | M::Vpsubusw => (Op::QSub16Ux8, 2, Plain),
        M::Psubsb | M::Vpsubsb => (Op::QSub8Sx16, 1, Plain),
        M::Psubsw | M::Vpsubsw => (Op::QSub16Sx8, 2, Plain),
        M::Pcmpeqb | M::Vpcmpeqb => (Op::CmpEQ8x16, 1, Plain),
        M::Pcmpeqw | M::Vpcmpeqw => (Op::CmpEQ16x8, 2, Plain),
        M::Pcmpeqd | M::Vpcmpeqd => (Op::CmpEQ32x4, 4, Plain),
        M::Pcmpeqq | M::Vpcmpeqq => (Op::CmpEQ64x2, 8, Plain),
        M::Pcmpgtb | M::Vpcmpgtb => (Op::CmpGT8Sx16, 1, Plain),
        M::Pcmpgtw | M::Vpcmpgtw => (Op::CmpGT16Sx8, 2, Plain),
        M::Pcmpgtd | M::Vpcmpgtd => (Op::CmpGT32Sx4, 4, Plain),
        M::Pcmpgtq | M::Vpcmpgtq => (Op::CmpGT64Sx2, 8, Plain),
        M::Pminub | M::Vpminub => (Op::Min8Ux16, 1, Plain),
        M::Pminuw | M::Vpminuw => (Op::Min16Ux8, 2, Plain),
        M::Pminud | M::Vpminud => (Op::Min32Ux4, 4, Plain),
        M::Pminsb | M::Vpminsb => (Op::Min8Sx16, 1, Plain),
        M::Pminsw | M::Vpminsw => (Op::Min16Sx8, 2, Plain),
        M::Pminsd | M::Vpminsd => (Op::Min32Sx4, 4, Plain),
        M::Pmaxub | M::Vpmaxub => (Op::Max8Ux16, 1, Plain),
        M::Pmaxuw | M::Vpmaxuw => (Op::Max16Ux8, 2, Plain),
        M::Pmaxud | M::Vpmaxud => (Op::Max32Ux4, 4, Plain),
        M::Pmaxsb | M::Vpmaxsb => (Op::Max8Sx16, 1, Plain),
        M::Pmaxsw | M::Vpmaxsw => (Op::Max16Sx8, 2, Plain),
        M::Pmaxsd | M::Vpmaxsd => (Op::Max32Sx4, 4, Plain),
        M::Pavgb | M::Vpavgb => (Op::Avg8Ux16, 1, Plain),
        M::Pavgw | M::Vpavgw => (Op::Avg16Ux8, 2, Plain),
        M::Pmullw | M::Vpmullw => (Op::Mul16x8, 2, Plain),
        M::Pmulld | M::Vpmulld => (Op::Mul32x4, 4, Plain),
        M::Pmulhw | M::Vpmulhw => (Op::MulHi16Sx8, 2, Plain),
        M::Pmulhuw | M::Vpmulhuw => (Op::MulHi16Ux8, 2, Plain),
        M::Pmuludq | M::Vpmuludq => (Op::MullEven32Ux4, 8, Plain),
        M::Pmuldq | M::Vpmuldq => (Op::MullEven32Sx4, 8, Plain),
        M::Pand | M::Vpand | M::Vpandd | M::Vpandq => (Op::AndV128, esize_dq(mn), Plain),
        M::Por | M::Vpor | M::Vpord | M::Vporq => (Op::OrV128, esize_dq(mn), Plain),
        M::Pxor | M::Vpxor | M::Vpxord | M::Vpxorq => (Op::XorV128, esize_dq(mn), Plain),
        M::Pandn | M::Vpandn | M::Vpandnd | M::Vpandnq => (Op::AndV128, esize_dq(mn), AndNot),
        M::Andps | M::Vandps => (Op::AndV128, 4, Plain),
        M::Andpd | M::Vandpd => (Op::AndV128, 8, Plain),
        M::Orps | M::Vorps => (Op::OrV128, 4, Plain),
        M::Orpd | M::Vorpd => (Op::OrV128, 8, Plain),
        M::Xorps | M::Vxorps => (Op::XorV128, 4, Plain),
        M::Xorpd | M::Vxorpd => (Op::XorV128, 8, Plain),
        M::Andnps | M::Vandnps => (Op::AndV128, 4, AndNot),
        M::Andnpd | M::Vandnpd => (Op::AndV128, 8, AndNot),
        M::Punpcklbw | M::Vpunpcklbw => (Op::InterleaveLO8x16, 1, Swap),
        M::Punpcklwd | M::Vpunpcklwd => (Op::InterleaveLO16x8, 2, Swap),
        M::Punpckldq | M::Vpunpckldq => (Op::InterleaveLO32x4, 4, Swap),
        M::Punpcklqdq | M::Vpunpcklqdq => (Op::InterleaveLO64x2, 8, Swap),
        M::Punpckhbw | M::Vpunpckhbw => (Op::InterleaveHI8x16, 1, Swap),
        M::Punpckhwd | M::Vpunpckhwd => (Op::InterleaveHI16x8, 2, Swap),
        M::Punpckhdq | M::Vpunpckhdq => (Op::InterleaveHI32x4, 4, Swap),
        M::Punpckhqdq | M::Vpunpckhqdq => (Op::InterleaveHI64x2, 8, Swap),
        M::Unpcklps | M::Vunpcklps => (Op::InterleaveLO32x4, 4, Swap),
        M::Unpcklpd | M::Vunpcklpd => (Op::InterleaveLO64x2, 8, Swap),
        M::Unpckhps | M::Vunpckhps => (Op::InterleaveHI32x4, 4, Swap),
        M::Unpckhpd | M::Vunpckhpd => (Op::InterleaveHI64x2, 8, Swap),
        M::Packsswb | M::Vpacksswb => (Op::QNarrowBin16Sto8Sx16, 1, Swap),
        M::Packuswb | M::Vpackuswb => (Op::QNarrowBin16Sto8Ux16, 1, Swap),
        M::Packssdw | M::Vpackssdw => (Op::QNarrowBin32Sto16Sx8, 2, Swap),
        M::Packusdw | M::Vpackusdw => (Op::QNarrowBin32Sto16Ux8, 2, Swap),
        M::Pshufb | M::Vpshufb => (Op::PermOrZero8x16, 1, Plain),
        M::Addps | M::Vaddps => (Op::Add32Fx4, 4, Rm),
        M::Subps | M::Vsubps => (Op::Sub32Fx4, 4, Rm),
        M::Mulps | M::Vmulps => (Op::Mul32Fx4, 4, Rm),
        M::Divps | M::Vdivps => (Op::Div32Fx4, 4, Rm),
        M::Maxps | M::Vmaxps => (Op::Max32Fx4, 4, Plain),
        M::Minps | M::Vminps => (Op::Min32Fx4, 4, Plain),
        M::Addpd | M::Vaddpd => (Op::Add64Fx2, 8, Rm),
        M::Subpd | M::Vsubpd => (Op::Sub64Fx2, 8, Rm),
        M::Mulpd | M::Vmulpd => (Op::Mul64Fx2, 8, Rm),
        M::Divpd | M::Vdivpd => (Op::Div64Fx2, 8, Rm),
        M::Maxpd | M::Vmaxpd => (Op::Max64Fx2, 8, Plain),
        M::Minpd | M::Vminpd => (Op::Min64Fx2, 8, Plain),
        _ => return None,
    })
}

fn esize_dq(mn: M) -> u32 {
    match mn {
        M::Vpandq | M::Vporq | M::Vpxorq | M::Vpandnq => 8,
        _ => 4,
    }
}

/// Scalar float operations on the lowest lane: (op, element size).
fn scalar(mn: M) -> Option<(Op, u32)> {
    Some(match mn {
        M::Addss | M::Vaddss => (Op::Add32F0x4, 4),
        M::Subss | M::Vsubss => (Op::Sub32F0x4, 4),
        M::Mulss | M::Vmulss => (Op::Mul32F0x4, 4),
        M::Divss | M::Vdivss => (Op::Div32F0x4, 4),
        M::Maxss | M::Vmaxss => (Op::Max32F0x4, 4),
        M::Minss | M::Vminss => (Op::Min32F0x4, 4),
        M::Addsd | M::Vaddsd => (Op::Add64F0x2, 8),
        M::Subsd | M::Vsubsd => (Op::Sub64F0x2, 8),
        M::Mulsd | M::Vmulsd => (Op::Mul64F0x2, 8),
        M::Divsd | M::Vdivsd => (Op::Div64F0x2, 8),
        M::Maxsd | M::Vmaxsd => (Op::Max64F0x2, 8),
        M::Minsd | M::Vminsd => (Op::Min64F0x2, 8),
        _ => return None,
    })
}

/// Sources of a two-source instruction: legacy `op dst, src` reads the
/// destination as the first source; VEX `op dst, src1, src2` does not.
fn sources(lf: &Lifter) -> (u32, u32) {
    if is_vex(lf) { (1, 2) } else { (0, 1) }
}

fn lift_lanewise(lf: &mut Lifter, op: Op, esize: u32, shape: Shape) -> R<Flow> {
    let width = dst_width(lf)?;
    let (sa, sb) = sources(lf);
    // Zeroing idioms: `pxor x, x` and friends do not depend on x.
    if op == Op::XorV128
        && lf.i.op_kind(sa) == OpKind::Register
        && lf.i.op_kind(sb) == OpKind::Register
        && lf.i.op_register(sa) == lf.i.op_register(sb)
        && lf.i.op_mask() == Register::None
    {
        let mut v = Vec4::new(usize::try_from(width / 16).unwrap_or(1));
        for k in 0..v.n {
            v.p[k] = zero128();
        }
        write_vec(lf, 0, &v, esize)?;
        return Ok(Flow::Next);
    }
    let a = read_vec(lf, sa, width, esize)?;
    let b = read_vec(lf, sb, width, esize)?;
    let rm = if shape == Shape::Rm {
        Some(lf.sse_rm())
    } else {
        None
    };
    let mut r = Vec4::new(a.n);
    for k in 0..a.n {
        let (x, y) = (a.p[k], b.p[k]);
        r.p[k] = match shape {
            Shape::Plain => lf.bin(op, x, y),
            Shape::Swap => lf.bin(op, y, x),
            Shape::Rm => lf.b.triop(op, rm.unwrap_or(Atom::u32(0)), x, y),
            Shape::AndNot => {
                let nx = lf.un(Op::NotV128, x);
                lf.bin(op, nx, y)
            }
        };
    }
    write_vec(lf, 0, &r, esize)?;
    Ok(Flow::Next)
}

/// Reads a scalar source (register low lane, or `esize` bytes of memory
/// placed in the low lane of a zero vector).
fn scalar_src(lf: &mut Lifter, opn: u32, esize: u32) -> R<Atom> {
    match lf.i.try_op_kind(opn).map_err(|_| Unsupported)? {
        OpKind::Register => {
            let (n, _) = vreg(lf.i.op_register(opn)).ok_or(Unsupported)?;
            lf.vget(n, 0)
        }
        OpKind::Memory => {
            let addr = lf.ea();
            let v = lf.load(ity(esize), addr);
            Ok(to_v128(lf, v))
        }
        _ => Err(Unsupported),
    }
}

/// Zero-extends a scalar (I32/I64 or F32/F64) into a V128.
fn to_v128(lf: &mut Lifter, v: Atom) -> Atom {
    match lf.ty(v) {
        Type::F32 => {
            let i = lf.un(Op::ReinterpF32asI32, v);
            lf.un(Op::I32UtoV128, i)
        }
        Type::F64 => {
            let i = lf.un(Op::ReinterpF64asI64, v);
            lf.un(Op::I64UtoV128, i)
        }
        Type::I64 => lf.un(Op::I64UtoV128, v),
        Type::V128 => v,
        _ => {
            let i = lf.zx(v, Type::I32);
            lf.un(Op::I32UtoV128, i)
        }
    }
}

fn lift_scalar(lf: &mut Lifter, op: Op, esize: u32) -> R<Flow> {
    let (sa, sb) = sources(lf);
    let a = scalar_src(lf, sa, 16)?;
    let b = scalar_src(lf, sb, esize)?;
    // Arithmetic rounds per MXCSR.RC, so it goes through the scalar ops that
    // take a rounding mode; max/min do not round.
    let rounded = match op {
        Op::Add32F0x4 => Some(Op::AddF32),
        Op::Sub32F0x4 => Some(Op::SubF32),
        Op::Mul32F0x4 => Some(Op::MulF32),
        Op::Div32F0x4 => Some(Op::DivF32),
        Op::Add64F0x2 => Some(Op::AddF64),
        Op::Sub64F0x2 => Some(Op::SubF64),
        Op::Mul64F0x2 => Some(Op::MulF64),
        Op::Div64F0x2 => Some(Op::DivF64),
        _ => None,
    };
    let r = match rounded {
        Some(fop) if esize == 4 => {
            let x = lf.un(Op::V128to32, a);
            let y = lf.un(Op::V128to32, b);
            let fx = lf.un(Op::ReinterpI32asF32, x);
            let fy = lf.un(Op::ReinterpI32asF32, y);
            let rm = lf.sse_rm();
            let z = lf.b.triop(fop, rm, fx, fy);
            let zi = lf.un(Op::ReinterpF32asI32, z);
            lf.bin(Op::SetV128lo32, a, zi)
        }
        Some(fop) => {
            let x = lf.un(Op::V128to64, a);
            let y = lf.un(Op::V128to64, b);
            let fx = lf.un(Op::ReinterpI64asF64, x);
            let fy = lf.un(Op::ReinterpI64asF64, y);
            let rm = lf.sse_rm();
            let z = lf.b.triop(fop, rm, fx, fy);
            let zi = lf.un(Op::ReinterpF64asI64, z);
            lf.bin(Op::SetV128lo64, a, zi)
        }
        None => lf.bin(op, a, b),
    };
    let mut v = Vec4::new(1);
    v.p[0] = r;
    write_vec(lf, 0, &v, esize)?;
    Ok(Flow::Next)
}

/// Lifts a vector instruction.
pub(crate) fn lift(lf: &mut Lifter, mn: M) -> R<Flow> {
    if lf.i.op0_kind() == OpKind::Register && lf.i.op0_register().is_k() {
        // EVEX compares that write a mask register.
        if matches!(
            mn,
            M::Vpcmpeqb
                | M::Vpcmpeqw
                | M::Vpcmpeqd
                | M::Vpcmpeqq
                | M::Vpcmpgtb
                | M::Vpcmpgtw
                | M::Vpcmpgtd
                | M::Vpcmpgtq
        ) {
            return super::avx512::vpcmp(lf, mn);
        }
    }
    if let Some((op, es, shape)) = lanewise(mn) {
        return lift_lanewise(lf, op, es, shape);
    }
    if let Some((op, es)) = scalar(mn) {
        return lift_scalar(lf, op, es);
    }
    match mn {
        M::Movaps
        | M::Movups
        | M::Movapd
        | M::Movupd
        | M::Movdqa
        | M::Movdqu
        | M::Lddqu
        | M::Movntdq
        | M::Movntps
        | M::Movntpd
        | M::Movntdqa
        | M::Vmovaps
        | M::Vmovups
        | M::Vmovapd
        | M::Vmovupd
        | M::Vmovdqa
        | M::Vmovdqu
        | M::Vlddqu
        | M::Vmovntdq
        | M::Vmovntps
        | M::Vmovntpd
        | M::Vmovntdqa
        | M::Vmovdqa32
        | M::Vmovdqa64
        | M::Vmovdqu8
        | M::Vmovdqu16
        | M::Vmovdqu32
        | M::Vmovdqu64 => full_move(lf, mn),
        M::Movd | M::Vmovd => movd_q(lf, 4),
        M::Movq | M::Vmovq => movd_q(lf, 8),
        M::Movss | M::Vmovss => movs_scalar(lf, 4),
        M::Movsd | M::Vmovsd => movs_scalar(lf, 8),
        M::Movhps | M::Movhpd | M::Vmovhps | M::Vmovhpd => mov_half(lf, true),
        M::Movlps | M::Movlpd | M::Vmovlps | M::Vmovlpd => mov_half(lf, false),
        M::Movhlps | M::Vmovhlps => movhl_lh(lf, true),
        M::Movlhps | M::Vmovlhps => movhl_lh(lf, false),
        M::Movnti => super::int::mov(lf),
        M::Pmovmskb | M::Vpmovmskb => movmsk(lf, 1),
        M::Movmskps | M::Vmovmskps => movmsk(lf, 4),
        M::Movmskpd | M::Vmovmskpd => movmsk(lf, 8),
        M::Psllw | M::Pslld | M::Psllq | M::Psrlw | M::Psrld | M::Psrlq | M::Psraw | M::Psrad => {
            shift_lanes(lf, mn)
        }
        M::Vpsllw
        | M::Vpslld
        | M::Vpsllq
        | M::Vpsrlw
        | M::Vpsrld
        | M::Vpsrlq
        | M::Vpsraw
        | M::Vpsrad => shift_lanes(lf, mn),
        M::Pslldq | M::Psrldq | M::Vpslldq | M::Vpsrldq => shift_bytes(lf, mn),
        M::Palignr | M::Vpalignr => palignr(lf),
        M::Pshufd | M::Vpshufd => pshufd(lf),
        M::Pshuflw | M::Pshufhw | M::Vpshuflw | M::Vpshufhw => {
            pshufw(lf, matches!(mn, M::Pshufhw | M::Vpshufhw))
        }
        M::Shufps | M::Vshufps => shufps(lf),
        M::Shufpd | M::Vshufpd => shufpd(lf),
        M::Ptest | M::Vptest => ptest(lf),
        M::Ucomiss | M::Comiss | M::Vucomiss | M::Vcomiss => fcompare(lf, 4),
        M::Ucomisd | M::Comisd | M::Vucomisd | M::Vcomisd => fcompare(lf, 8),
        M::Cmpps | M::Vcmpps => cmp_packed(lf, 4, false),
        M::Cmppd | M::Vcmppd => cmp_packed(lf, 8, false),
        M::Cmpss | M::Vcmpss => cmp_packed(lf, 4, true),
        M::Cmpsd | M::Vcmpsd => cmp_packed(lf, 8, true),
        M::Sqrtss | M::Vsqrtss => sqrt_scalar(lf, 4),
        M::Sqrtsd | M::Vsqrtsd => sqrt_scalar(lf, 8),
        M::Sqrtps | M::Vsqrtps => sqrt_packed(lf, 4),
        M::Sqrtpd | M::Vsqrtpd => sqrt_packed(lf, 8),
        M::Cvtsi2ss | M::Cvtsi2sd | M::Vcvtsi2ss | M::Vcvtsi2sd => cvt_int_to_float(lf, mn),
        M::Cvttss2si | M::Cvtss2si | M::Cvttsd2si | M::Cvtsd2si => cvt_float_to_int(lf, mn),
        M::Vcvttss2si | M::Vcvtss2si | M::Vcvttsd2si | M::Vcvtsd2si => cvt_float_to_int(lf, mn),
        M::Cvtss2sd | M::Vcvtss2sd => cvt_ss_sd(lf, true),
        M::Cvtsd2ss | M::Vcvtsd2ss => cvt_ss_sd(lf, false),
        M::Cvtdq2ps | M::Vcvtdq2ps => cvt_packed(lf, mn),
        M::Cvtps2pd | M::Cvtdq2pd | M::Vcvtps2pd | M::Vcvtdq2pd => cvt_to_pd(lf, mn),
        M::Cvtpd2ps | M::Cvtpd2dq | M::Cvttpd2dq | M::Vcvtpd2ps | M::Vcvtpd2dq | M::Vcvttpd2dq => {
            cvt_from_pd(lf, mn)
        }
        M::Cvttps2dq | M::Cvtps2dq | M::Vcvttps2dq | M::Vcvtps2dq => cvt_packed(lf, mn),
        M::Pextrw
        | M::Pextrb
        | M::Pextrd
        | M::Pextrq
        | M::Vpextrw
        | M::Vpextrb
        | M::Vpextrd
        | M::Vpextrq => pextr(lf, mn),
        M::Pinsrw
        | M::Pinsrb
        | M::Pinsrd
        | M::Pinsrq
        | M::Vpinsrw
        | M::Vpinsrb
        | M::Vpinsrd
        | M::Vpinsrq => pinsr(lf, mn),
        M::Pabsb | M::Pabsw | M::Pabsd | M::Vpabsb | M::Vpabsw | M::Vpabsd => pabs(lf, mn),
        M::Pcmpistri | M::Vpcmpistri => super::sse_helpers::pcmpistri(lf),
        M::Pclmulqdq | M::Vpclmulqdq => clmul(lf),
        M::Psadbw | M::Vpsadbw => psadbw(lf),
        M::Stmxcsr | M::Vstmxcsr => stmxcsr(lf),
        M::Ldmxcsr | M::Vldmxcsr => ldmxcsr(lf),
        M::Vzeroupper => vzero(lf, false),
        M::Vzeroall => vzero(lf, true),
        M::Vpbroadcastb
        | M::Vpbroadcastw
        | M::Vpbroadcastd
        | M::Vpbroadcastq
        | M::Vbroadcastss
        | M::Vbroadcastsd => broadcast(lf, mn),
        M::Vextracti128 | M::Vextractf128 => vextract128(lf),
        M::Vinserti128 | M::Vinsertf128 => vinsert128(lf),
        M::Vpcmpb
        | M::Vpcmpub
        | M::Vpcmpw
        | M::Vpcmpuw
        | M::Vpcmpd
        | M::Vpcmpud
        | M::Vpcmpq
        | M::Vpcmpuq => super::avx512::vpcmp(lf, mn),
        M::Vptestmb
        | M::Vptestmw
        | M::Vptestmd
        | M::Vptestmq
        | M::Vptestnmb
        | M::Vptestnmw
        | M::Vptestnmd
        | M::Vptestnmq => super::avx512::vptestm(lf, mn),
        M::Vpternlogd | M::Vpternlogq => super::avx512::vpternlog(lf, mn),
        M::Kmovb | M::Kmovw | M::Kmovd | M::Kmovq => super::avx512::kmov(lf, mn),
        M::Kortestb
        | M::Kortestw
        | M::Kortestd
        | M::Kortestq
        | M::Ktestb
        | M::Ktestw
        | M::Ktestd
        | M::Ktestq => super::avx512::ktest(lf, mn),
        M::Kunpckbw | M::Kunpckwd | M::Kunpckdq => super::avx512::kunpck(lf, mn),
        M::Kandb
        | M::Kandw
        | M::Kandd
        | M::Kandq
        | M::Korb
        | M::Korw
        | M::Kord
        | M::Korq
        | M::Kxorb
        | M::Kxorw
        | M::Kxord
        | M::Kxorq
        | M::Kxnorb
        | M::Kxnorw
        | M::Kxnord
        | M::Kxnorq
        | M::Kandnb
        | M::Kandnw
        | M::Kandnd
        | M::Kandnq
        | M::Knotb
        | M::Knotw
        | M::Knotd
        | M::Knotq => super::avx512::klogic(lf, mn),
        _ => Err(Unsupported),
    }
}

/// Element size of the EVEX moves (for masking); 4 for the rest.
fn move_esize(mn: M) -> u32 {
    match mn {
        M::Vmovdqu8 => 1,
        M::Vmovdqu16 => 2,
        M::Vmovdqa64 | M::Vmovdqu64 | M::Vmovapd | M::Vmovupd => 8,
        _ => 4,
    }
}

fn full_move(lf: &mut Lifter, mn: M) -> R<Flow> {
    let width = match (lf.i.op0_kind(), lf.i.op1_kind()) {
        (OpKind::Register, _) => vreg(lf.i.op0_register()).ok_or(Unsupported)?.1,
        (_, OpKind::Register) => vreg(lf.i.op1_register()).ok_or(Unsupported)?.1,
        _ => return Err(Unsupported),
    };
    let es = move_esize(mn);
    let v = read_vec(lf, 1, width, es)?;
    write_vec(lf, 0, &v, es)?;
    Ok(Flow::Next)
}

/// `movd`/`movq` between general registers, memory and vector registers.
fn movd_q(lf: &mut Lifter, size: u32) -> R<Flow> {
    let ty = ity(size);
    let k0 = lf.i.op0_kind();
    let r0 = lf.i.op0_register();
    if k0 == OpKind::Register && vreg(r0).is_some() {
        // To a vector register: zero-extend.
        let v = match lf.i.op1_kind() {
            OpKind::Register if vreg(lf.i.op1_register()).is_some() => {
                // movq xmm, xmm: keep the low 64 bits.
                let (n, _) = vreg(lf.i.op1_register()).ok_or(Unsupported)?;
                let x = lf.vget(n, 0)?;
                lf.un(Op::ZeroHI64ofV128, x)
            }
            _ => {
                let l = lf.loc(1)?;
                let x = lf.read(l, ty);
                to_v128(lf, x)
            }
        };
        let (n, _) = vreg(r0).ok_or(Unsupported)?;
        lf.vput(n, 0, v)?;
        let top = if is_vex(lf) { lf.m.vec_parts() } else { 1 };
        if lf.i.encoding() == EncodingKind::Legacy {
            // Legacy movd/movq also leaves bits 128.. alone.
        } else {
            for k in 1..top {
                lf.vput(n, k, zero128())?;
            }
        }
        return Ok(Flow::Next);
    }
    // From a vector register to a general register or memory.
    let (n, _) = vreg(lf.i.op1_register()).ok_or(Unsupported)?;
    let x = lf.vget(n, 0)?;
    let v = if size == 8 {
        lf.un(Op::V128to64, x)
    } else {
        lf.un(Op::V128to32, x)
    };
    let l = lf.loc(0)?;
    lf.write(l, v)?;
    Ok(Flow::Next)
}

/// `movss`/`movsd` (the SSE2 scalar move; the string `movsd` is elsewhere).
fn movs_scalar(lf: &mut Lifter, size: u32) -> R<Flow> {
    let ty = ity(size);
    if lf.i.op0_kind() == OpKind::Memory {
        let (n, _) = vreg(lf.i.op1_register()).ok_or(Unsupported)?;
        let x = lf.vget(n, 0)?;
        let v = if size == 8 {
            lf.un(Op::V128to64, x)
        } else {
            lf.un(Op::V128to32, x)
        };
        let a = lf.ea();
        lf.store(a, v);
        return Ok(Flow::Next);
    }
    let r = if lf.i.op1_kind() == OpKind::Memory {
        let a = lf.ea();
        let x = lf.load(ty, a);
        to_v128(lf, x)
    } else {
        // Register form: low element from the last source, the rest from
        // the destination (legacy) or the first source (VEX).
        let (sa, sb) = sources(lf);
        let base = scalar_src(lf, sa, 16)?;
        let src = scalar_src(lf, sb, 16)?;
        if size == 8 {
            let lo = lf.un(Op::V128to64, src);
            lf.bin(Op::SetV128lo64, base, lo)
        } else {
            let lo = lf.un(Op::V128to32, src);
            lf.bin(Op::SetV128lo32, base, lo)
        }
    };
    let mut v = Vec4::new(1);
    v.p[0] = r;
    write_vec(lf, 0, &v, size)?;
    Ok(Flow::Next)
}

/// `movhps`/`movhpd`/`movlps`/`movlpd`: one 64-bit half to or from memory.
fn mov_half(lf: &mut Lifter, high: bool) -> R<Flow> {
    if lf.i.op0_kind() == OpKind::Memory {
        let (n, _) = vreg(lf.i.op1_register()).ok_or(Unsupported)?;
        let x = lf.vget(n, 0)?;
        let v = lf.un(if high { Op::V128HIto64 } else { Op::V128to64 }, x);
        let a = lf.ea();
        lf.store(a, v);
        return Ok(Flow::Next);
    }
    let (sa, sm) = sources(lf);
    if lf.i.try_op_kind(sm).map_err(|_| Unsupported)? != OpKind::Memory {
        return Err(Unsupported);
    }
    let base = scalar_src(lf, sa, 16)?;
    let a = lf.ea();
    let m = lf.load(Type::I64, a);
    let r = if high {
        let lo = lf.un(Op::V128to64, base);
        lf.bin(Op::I64HLtoV128, m, lo)
    } else {
        lf.bin(Op::SetV128lo64, base, m)
    };
    let mut v = Vec4::new(1);
    v.p[0] = r;
    write_vec(lf, 0, &v, 8)?;
    Ok(Flow::Next)
}

/// `movhlps` (low half = high half of src) and `movlhps` (high half = low half of src).
fn movhl_lh(lf: &mut Lifter, hl: bool) -> R<Flow> {
    let (sa, sb) = sources(lf);
    let a = scalar_src(lf, sa, 16)?;
    let b = scalar_src(lf, sb, 16)?;
    let r = if hl {
        let hi_a = lf.un(Op::V128HIto64, a);
        let hi_b = lf.un(Op::V128HIto64, b);
        lf.bin(Op::I64HLtoV128, hi_a, hi_b)
    } else {
        let lo_a = lf.un(Op::V128to64, a);
        let lo_b = lf.un(Op::V128to64, b);
        lf.bin(Op::I64HLtoV128, lo_b, lo_a)
    };
    let mut v = Vec4::new(1);
    v.p[0] = r;
    write_vec(lf, 0, &v, 8)?;
    Ok(Flow::Next)
}

/// Sign bits of the elements of one V128 (lanes of `esize` bytes) as an I64.
pub(crate) fn msbs(lf: &mut Lifter, x: Atom, esize: u32) -> Atom {
    let bytes = match esize {
        1 => x,
        2 => {
            let s = lf.bin(Op::SarN16x8, x, Atom::u8(15));
            lf.bin(Op::NarrowBin16to8x16, s, s)
        }
        4 => {
            let s = lf.bin(Op::SarN32x4, x, Atom::u8(31));
            let n = lf.bin(Op::NarrowBin32to16x8, s, s);
            lf.bin(Op::NarrowBin16to8x16, n, n)
        }
        _ => {
            let s = lf.bin(Op::SarN64x2, x, Atom::u8(63));
            let n1 = lf.bin(Op::NarrowBin64to32x4, s, s);
            let n2 = lf.bin(Op::NarrowBin32to16x8, n1, n1);
            lf.bin(Op::NarrowBin16to8x16, n2, n2)
        }
    };
    let m = lf.un(Op::GetMSBs8x16, bytes);
    let m = lf.un(Op::I16Uto64, m);
    let lanes = 16 / esize;
    if lanes == 16 {
        m
    } else {
        lf.bin(Op::And64, m, Atom::u64((1u64 << lanes) - 1))
    }
}

/// `pmovmskb`, `movmskps`, `movmskpd`.
fn movmsk(lf: &mut Lifter, esize: u32) -> R<Flow> {
    let (n, width) = vreg(lf.i.op1_register()).ok_or(Unsupported)?;
    let per = 16 / esize;
    let mut acc: Option<Atom> = None;
    for k in 0..width / 16 {
        let x = lf.vget(n, k)?;
        let m = msbs(lf, x, esize);
        let m = if k > 0 {
            lf.bin(Op::Shl64, m, Lifter::u8c(k * per))
        } else {
            m
        };
        acc = Some(match acc {
            Some(a) => lf.bin(Op::Or64, a, m),
            None => m,
        });
    }
    let v = acc.ok_or(Unsupported)?;
    let ty = ity(super::bits::small(lf.i.op0_register().size()));
    let v = lf.zx(v, ty);
    let l = lf.loc(0)?;
    lf.write(l, v)?;
    Ok(Flow::Next)
}

/// Lane shifts by an immediate or by the low 64 bits of a vector.
fn shift_lanes(lf: &mut Lifter, mn: M) -> R<Flow> {
    let (op, bits) = match mn {
        M::Psllw | M::Vpsllw => (Op::ShlN16x8, 16),
        M::Pslld | M::Vpslld => (Op::ShlN32x4, 32),
        M::Psllq | M::Vpsllq => (Op::ShlN64x2, 64),
        M::Psrlw | M::Vpsrlw => (Op::ShrN16x8, 16),
        M::Psrld | M::Vpsrld => (Op::ShrN32x4, 32),
        M::Psrlq | M::Vpsrlq => (Op::ShrN64x2, 64),
        M::Psraw | M::Vpsraw => (Op::SarN16x8, 16),
        _ => (Op::SarN32x4, 32),
    };
    let width = dst_width(lf)?;
    let nops = lf.i.op_count();
    let (src, amt_op) = if nops == 3 { (1, 2) } else { (0, 1) };
    let amt = match lf.i.try_op_kind(amt_op).map_err(|_| Unsupported)? {
        k if super::lift::is_imm(k) => {
            let v = lf.i.try_immediate(amt_op).map_err(|_| Unsupported)? & 0xff;
            Lifter::u8v(v)
        }
        OpKind::Register | OpKind::Memory => {
            // The count is the low 64 bits; anything >= 255 acts as 255.
            let c = if lf.i.op_kind(amt_op) == OpKind::Memory {
                let a = lf.ea();
                if lf.i.encoding() == EncodingKind::Legacy {
                    lf.check_align(a, 16);
                }
                lf.load(Type::I64, a)
            } else {
                let (n, _) = vreg(lf.i.op_register(amt_op)).ok_or(Unsupported)?;
                let x = lf.vget(n, 0)?;
                lf.un(Op::V128to64, x)
            };
            let big = lf.bin(Op::CmpLT64U, Atom::u64(255), c);
            let c8 = lf.un(Op::I64to8, c);
            lf.ite(big, Atom::u8(255), c8)
        }
        _ => return Err(Unsupported),
    };
    let _ = bits;
    let v = read_vec(lf, src, width, 16)?;
    let mut r = Vec4::new(v.n);
    for k in 0..v.n {
        r.p[k] = lf.bin(op, v.p[k], amt);
    }
    write_vec(lf, 0, &r, 4)?;
    Ok(Flow::Next)
}

/// `pslldq`/`psrldq`: whole-lane byte shifts.
fn shift_bytes(lf: &mut Lifter, mn: M) -> R<Flow> {
    let width = dst_width(lf)?;
    let (src, imm_op) = if lf.i.op_count() == 3 { (1, 2) } else { (0, 1) };
    let imm = lf.i.try_immediate(imm_op).map_err(|_| Unsupported)? & 0xff;
    let v = read_vec(lf, src, width, 16)?;
    let left = matches!(mn, M::Pslldq | M::Vpslldq);
    let mut r = Vec4::new(v.n);
    for k in 0..v.n {
        r.p[k] = if imm >= 16 {
            zero128()
        } else {
            lf.bin(
                if left { Op::ShlV128 } else { Op::ShrV128 },
                v.p[k],
                Lifter::u8v(imm * 8),
            )
        };
    }
    write_vec(lf, 0, &r, 16)?;
    Ok(Flow::Next)
}

/// `palignr dst, src, imm`: bytes `imm..imm+16` of `dst:src`.
fn palignr(lf: &mut Lifter) -> R<Flow> {
    let width = dst_width(lf)?;
    let (sa, sb) = sources(lf);
    let imm_op = sb + 1;
    let imm = lf.i.try_immediate(imm_op).map_err(|_| Unsupported)? & 0xff;
    let a = read_vec(lf, sa, width, 16)?;
    let b = read_vec(lf, sb, width, 16)?;
    let mut r = Vec4::new(a.n);
    for k in 0..a.n {
        r.p[k] = if imm < 16 {
            lf.triop_slice(a.p[k], b.p[k], imm)
        } else if imm < 32 {
            lf.bin(Op::ShrV128, a.p[k], Lifter::u8v((imm - 16) * 8))
        } else {
            zero128()
        };
    }
    write_vec(lf, 0, &r, 1)?;
    Ok(Flow::Next)
}

impl Lifter {
    fn triop_slice(&mut self, hi: Atom, lo: Atom, bytes: u64) -> Atom {
        if bytes == 0 {
            return lo;
        }
        self.b.triop(Op::SliceV128, hi, lo, Lifter::u8v(bytes))
    }
}

/// A byte-index vector for `Perm8x16` from 16 indices.
fn perm_bytes(lf: &mut Lifter, idx: [u8; 16]) -> Atom {
    let v = idx
        .iter()
        .enumerate()
        .fold(0u128, |acc, (i, b)| acc | (u128::from(*b) << (8 * i)));
    c128(lf, v)
}

/// `pshufd`.
fn pshufd(lf: &mut Lifter) -> R<Flow> {
    let width = dst_width(lf)?;
    let imm = lf.i.try_immediate(2).map_err(|_| Unsupported)?;
    let v = read_vec(lf, 1, width, 4)?;
    let mut idx = [0u8; 16];
    for lane in 0..4 {
        let s = super::bits::lo8((imm >> (2 * lane)) & 3);
        for b in 0..4 {
            idx[lane * 4 + b] = s * 4 + super::bits::lo8(b as u64);
        }
    }
    let ix = perm_bytes(lf, idx);
    let mut r = Vec4::new(v.n);
    for k in 0..v.n {
        r.p[k] = lf.bin(Op::Perm8x16, v.p[k], ix);
    }
    write_vec(lf, 0, &r, 4)?;
    Ok(Flow::Next)
}

/// `pshuflw`/`pshufhw`: shuffle the 16-bit lanes of one half.
fn pshufw(lf: &mut Lifter, high: bool) -> R<Flow> {
    let width = dst_width(lf)?;
    let imm = lf.i.try_immediate(2).map_err(|_| Unsupported)?;
    let v = read_vec(lf, 1, width, 2)?;
    let mut idx: [u8; 16] = core::array::from_fn(|i| super::bits::lo8(i as u64));
    let base = if high { 4 } else { 0 };
    for lane in 0..4 {
        let s = super::bits::lo8((imm >> (2 * lane)) & 3) + base;
        idx[(base as usize + lane) * 2] = s * 2;
        idx[(base as usize + lane) * 2 + 1] = s * 2 + 1;
    }
    let ix = perm_bytes(lf, idx);
    let mut r = Vec4::new(v.n);
    for k in 0..v.n {
        r.p[k] = lf.bin(Op::Perm8x16, v.p[k], ix);
    }
    write_vec(lf, 0, &r, 2)?;
    Ok(Flow::Next)
}

/// `shufps`: lanes 0-1 from the first source, 2-3 from the second.
fn shufps(lf: &mut Lifter) -> R<Flow> {
    let width = dst_width(lf)?;
    let (sa, sb) = sources(lf);
    let imm = lf.i.try_immediate(sb + 1).map_err(|_| Unsupported)?;
    let a = read_vec(lf, sa, width, 4)?;
    let b = read_vec(lf, sb, width, 4)?;
    let mut idx = [0u8; 16];
    for lane in 0..4 {
        let s = super::bits::lo8((imm >> (2 * lane)) & 3);
        for j in 0..4 {
            idx[lane * 4 + j] = s * 4 + super::bits::lo8(j as u64);
        }
    }
    let ix = perm_bytes(lf, idx);
    let mut r = Vec4::new(a.n);
    for k in 0..a.n {
        let pa = lf.bin(Op::Perm8x16, a.p[k], ix);
        let pb = lf.bin(Op::Perm8x16, b.p[k], ix);
        let lo = lf.un(Op::V128to64, pa);
        let hi = lf.un(Op::V128HIto64, pb);
        r.p[k] = lf.bin(Op::I64HLtoV128, hi, lo);
    }
    write_vec(lf, 0, &r, 4)?;
    Ok(Flow::Next)
}

/// `shufpd`.
fn shufpd(lf: &mut Lifter) -> R<Flow> {
    let width = dst_width(lf)?;
    let (sa, sb) = sources(lf);
    let imm = lf.i.try_immediate(sb + 1).map_err(|_| Unsupported)?;
    let a = read_vec(lf, sa, width, 8)?;
    let b = read_vec(lf, sb, width, 8)?;
    let mut r = Vec4::new(a.n);
    for k in 0..a.n {
        let sel = |i: usize| {
            if (imm >> (2 * k + i)) & 1 == 1 {
                Op::V128HIto64
            } else {
                Op::V128to64
            }
        };
        let lo = lf.un(sel(0), a.p[k]);
        let hi = lf.un(sel(1), b.p[k]);
        r.p[k] = lf.bin(Op::I64HLtoV128, hi, lo);
    }
    write_vec(lf, 0, &r, 8)?;
    Ok(Flow::Next)
}

/// True if every bit of the V128 parts is zero, as I1.
fn all_zero(lf: &mut Lifter, parts: &[Atom]) -> Atom {
    let mut acc: Option<Atom> = None;
    for &p in parts {
        let lo = lf.un(Op::V128to64, p);
        let hi = lf.un(Op::V128HIto64, p);
        let x = lf.bin(Op::Or64, lo, hi);
        acc = Some(match acc {
            Some(a) => lf.bin(Op::Or64, a, x),
            None => x,
        });
    }
    let x = acc.unwrap_or(Atom::u64(0));
    lf.bin(Op::CmpEQ64, x, Atom::u64(0))
}

/// `ptest`: ZF = (a & b) == 0, CF = (~a & b) == 0, other flags clear.
fn ptest(lf: &mut Lifter) -> R<Flow> {
    let (n, width) = vreg(lf.i.op0_register()).ok_or(Unsupported)?;
    let _ = n;
    let a = read_vec(lf, 0, width, 16)?;
    let b = read_vec(lf, 1, width, 16)?;
    let mut ands = Vec4::new(a.n);
    let mut andns = Vec4::new(a.n);
    for k in 0..a.n {
        ands.p[k] = lf.bin(Op::AndV128, a.p[k], b.p[k]);
        let na = lf.un(Op::NotV128, a.p[k]);
        andns.p[k] = lf.bin(Op::AndV128, na, b.p[k]);
    }
    let z = all_zero(lf, ands.parts());
    let c = all_zero(lf, andns.parts());
    let w = lf.m.word;
    let zf = lf.ite(z, Lifter::cst(w, ZF), Lifter::cst(w, 0));
    let cf = lf.ite(c, Lifter::cst(w, CF), Lifter::cst(w, 0));
    let f = lf.wbin(OR, w, zf, cf);
    lf.set_flags_word(f);
    Ok(Flow::Next)
}

/// `ucomis*`/`comis*`: ZF, PF, CF from an IEEE comparison; OF, SF, AF clear.
fn fcompare(lf: &mut Lifter, size: u32) -> R<Flow> {
    let a = scalar_src(lf, 0, 16)?;
    let b = scalar_src(lf, 1, size)?;
    let r = if size == 8 {
        let x = lf.un(Op::V128to64, a);
        let y = lf.un(Op::V128to64, b);
        let fx = lf.un(Op::ReinterpI64asF64, x);
        let fy = lf.un(Op::ReinterpI64asF64, y);
        lf.bin(Op::CmpF64, fx, fy)
    } else {
        let x = lf.un(Op::V128to32, a);
        let y = lf.un(Op::V128to32, b);
        let fx = lf.un(Op::ReinterpI32asF32, x);
        let fy = lf.un(Op::ReinterpI32asF32, y);
        lf.bin(Op::CmpF32, fx, fy)
    };
    // CmpF gives 0x45 / 0x01 / 0x00 / 0x40: exactly ZF|PF|CF, CF, -, ZF.
    let w = lf.m.word;
    let rw = lf.zx(r, w);
    let f = lf.wbin(AND, w, rw, Lifter::cst(w, 0x45));
    lf.thunk(Family::Copy, w, f, Lifter::cst(w, 0), None);
    Ok(Flow::Next)
}

/// `cmpps`/`cmppd`/`cmpss`/`cmpsd` with predicates 0-7 (VEX's 8-31 are
/// mapped when they have the same meaning with different signalling).
fn cmp_packed(lf: &mut Lifter, esize: u32, scalar_form: bool) -> R<Flow> {
    let width = if scalar_form { 16 } else { dst_width(lf)? };
    let (sa, sb) = sources(lf);
    let imm = lf.i.try_immediate(sb + 1).map_err(|_| Unsupported)? & 0x1f;
    // Predicates 8-15 and 24-31 are the unordered/ordered-inverted forms;
    // only the ones equal to 0-7 modulo signalling (16-23) are handled.
    let pred = if (16..24).contains(&imm) {
        imm - 16
    } else {
        imm
    };
    if pred >= 8 {
        return Err(Unsupported);
    }
    let (eq, lt, le, un) = match (esize, scalar_form) {
        (4, false) => (
            Op::CmpEQ32Fx4,
            Op::CmpLT32Fx4,
            Op::CmpLE32Fx4,
            Op::CmpUN32Fx4,
        ),
        (8, false) => (
            Op::CmpEQ64Fx2,
            Op::CmpLT64Fx2,
            Op::CmpLE64Fx2,
            Op::CmpUN64Fx2,
        ),
        (4, true) => (
            Op::CmpEQ32F0x4,
            Op::CmpLT32F0x4,
            Op::CmpLE32F0x4,
            Op::CmpUN32F0x4,
        ),
        _ => (
            Op::CmpEQ64F0x2,
            Op::CmpLT64F0x2,
            Op::CmpLE64F0x2,
            Op::CmpUN64F0x2,
        ),
    };
    let op = [eq, lt, le, un][usize::try_from(pred & 3).unwrap_or(0)];
    let negate = pred >= 4;
    let (a, b) = if scalar_form {
        let mut a = Vec4::new(1);
        let mut b = Vec4::new(1);
        a.p[0] = scalar_src(lf, sa, 16)?;
        b.p[0] = scalar_src(lf, sb, esize)?;
        (a, b)
    } else {
        (
            read_vec(lf, sa, width, esize)?,
            read_vec(lf, sb, width, esize)?,
        )
    };
    // Negation flips only the compared lanes (the low one for scalars).
    let flip = if scalar_form {
        Atom::Const(Const::v128_mask(if esize == 4 { 0x000f } else { 0x00ff }))
    } else {
        ones128()
    };
    let mut r = Vec4::new(a.n);
    for k in 0..a.n {
        let c = lf.bin(op, a.p[k], b.p[k]);
        r.p[k] = if negate {
            lf.bin(Op::XorV128, c, flip)
        } else {
            c
        };
    }
    write_vec(lf, 0, &r, esize)?;
    Ok(Flow::Next)
}

fn sqrt_scalar(lf: &mut Lifter, esize: u32) -> R<Flow> {
    let (sa, sb) = sources(lf);
    let base = scalar_src(lf, sa, 16)?;
    let src = scalar_src(lf, sb, esize)?;
    let r = if esize == 4 {
        let x = lf.un(Op::V128to32, src);
        let f = lf.un(Op::ReinterpI32asF32, x);
        let rm = lf.sse_rm();
        let s = lf.bin(Op::SqrtF32, rm, f);
        let i = lf.un(Op::ReinterpF32asI32, s);
        lf.bin(Op::SetV128lo32, base, i)
    } else {
        let x = lf.un(Op::V128to64, src);
        let f = lf.un(Op::ReinterpI64asF64, x);
        let rm = lf.sse_rm();
        let s = lf.bin(Op::SqrtF64, rm, f);
        let i = lf.un(Op::ReinterpF64asI64, s);
        lf.bin(Op::SetV128lo64, base, i)
    };
    let mut v = Vec4::new(1);
    v.p[0] = r;
    write_vec(lf, 0, &v, esize)?;
    Ok(Flow::Next)
}

fn sqrt_packed(lf: &mut Lifter, esize: u32) -> R<Flow> {
    let width = dst_width(lf)?;
    let v = read_vec(lf, 1, width, esize)?;
    let rm = lf.sse_rm();
    let op = if esize == 4 {
        Op::Sqrt32Fx4
    } else {
        Op::Sqrt64Fx2
    };
    let mut r = Vec4::new(v.n);
    for k in 0..v.n {
        r.p[k] = lf.bin(op, rm, v.p[k]);
    }
    write_vec(lf, 0, &r, esize)?;
    Ok(Flow::Next)
}

/// `cvtsi2ss`/`cvtsi2sd`.
fn cvt_int_to_float(lf: &mut Lifter, mn: M) -> R<Flow> {
    let (sa, sb) = sources(lf);
    let sty = lf.op_ty(sb, Type::I32)?;
    let l = lf.loc(sb)?;
    let x = lf.read(l, sty);
    let base = scalar_src(lf, sa, 16)?;
    let to_double = matches!(mn, M::Cvtsi2sd | M::Vcvtsi2sd);
    let r = if to_double {
        let f = if sty == Type::I64 {
            let rm = lf.sse_rm();
            lf.bin(Op::I64StoF64, rm, x)
        } else {
            lf.un(Op::I32StoF64, x)
        };
        let i = lf.un(Op::ReinterpF64asI64, f);
        lf.bin(Op::SetV128lo64, base, i)
    } else {
        let rm = lf.sse_rm();
        let f = if sty == Type::I64 {
            lf.bin(Op::I64StoF32, rm, x)
        } else {
            lf.bin(Op::I32StoF32, rm, x)
        };
        let i = lf.un(Op::ReinterpF32asI32, f);
        lf.bin(Op::SetV128lo32, base, i)
    };
    let mut v = Vec4::new(1);
    v.p[0] = r;
    write_vec(lf, 0, &v, 4)?;
    Ok(Flow::Next)
}

/// `cvt(t)ss2si`/`cvt(t)sd2si`: truncating forms round toward zero.
fn cvt_float_to_int(lf: &mut Lifter, mn: M) -> R<Flow> {
    let dty = lf.op_ty(0, Type::I32)?;
    let double = matches!(
        mn,
        M::Cvttsd2si | M::Cvtsd2si | M::Vcvttsd2si | M::Vcvtsd2si
    );
    let trunc = matches!(
        mn,
        M::Cvttsd2si | M::Cvttss2si | M::Vcvttsd2si | M::Vcvttss2si
    );
    let src = scalar_src(lf, 1, if double { 8 } else { 4 })?;
    let rm = if trunc { Atom::u32(3) } else { lf.sse_rm() };
    let r = if double {
        let x = lf.un(Op::V128to64, src);
        let f = lf.un(Op::ReinterpI64asF64, x);
        lf.bin(
            if dty == Type::I64 {
                Op::F64toI64S
            } else {
                Op::F64toI32S
            },
            rm,
            f,
        )
    } else {
        let x = lf.un(Op::V128to32, src);
        let f = lf.un(Op::ReinterpI32asF32, x);
        lf.bin(
            if dty == Type::I64 {
                Op::F32toI64S
            } else {
                Op::F32toI32S
            },
            rm,
            f,
        )
    };
    let l = lf.loc(0)?;
    lf.write(l, r)?;
    Ok(Flow::Next)
}

/// `cvtss2sd` / `cvtsd2ss`.
fn cvt_ss_sd(lf: &mut Lifter, widen: bool) -> R<Flow> {
    let (sa, sb) = sources(lf);
    let base = scalar_src(lf, sa, 16)?;
    let src = scalar_src(lf, sb, if widen { 4 } else { 8 })?;
    let r = if widen {
        let x = lf.un(Op::V128to32, src);
        let f = lf.un(Op::ReinterpI32asF32, x);
        let d = lf.un(Op::F32toF64, f);
        let i = lf.un(Op::ReinterpF64asI64, d);
        lf.bin(Op::SetV128lo64, base, i)
    } else {
        let x = lf.un(Op::V128to64, src);
        let f = lf.un(Op::ReinterpI64asF64, x);
        let rm = lf.sse_rm();
        let d = lf.bin(Op::F64toF32, rm, f);
        let i = lf.un(Op::ReinterpF32asI32, d);
        lf.bin(Op::SetV128lo32, base, i)
    };
    let mut v = Vec4::new(1);
    v.p[0] = r;
    write_vec(lf, 0, &v, 4)?;
    Ok(Flow::Next)
}

/// `cvtdq2ps`, `cvt(t)ps2dq`.
fn cvt_packed(lf: &mut Lifter, mn: M) -> R<Flow> {
    let width = dst_width(lf)?;
    let v = read_vec(lf, 1, width, 4)?;
    let trunc = matches!(mn, M::Cvttps2dq | M::Vcvttps2dq);
    let rm = if trunc { Atom::u32(3) } else { lf.sse_rm() };
    let op = if matches!(mn, M::Cvtdq2ps | M::Vcvtdq2ps) {
        Op::I32StoF32x4
    } else {
        Op::F32toI32Sx4
    };
    let mut r = Vec4::new(v.n);
    for k in 0..v.n {
        r.p[k] = lf.bin(op, rm, v.p[k]);
    }
    write_vec(lf, 0, &r, 4)?;
    Ok(Flow::Next)
}

/// `cvtps2pd`/`cvtdq2pd` (xmm forms): the two low 32-bit lanes to doubles.
fn cvt_to_pd(lf: &mut Lifter, mn: M) -> R<Flow> {
    if dst_width(lf)? != 16 {
        return Err(Unsupported);
    }
    let src = scalar_src(lf, 1, 8)?;
    let lo64 = lf.un(Op::V128to64, src);
    let mut lanes = [Atom::u64(0); 2];
    for (k, lane) in lanes.iter_mut().enumerate() {
        let x = if k == 0 {
            lf.un(Op::I64to32, lo64)
        } else {
            lf.un(Op::I64HIto32, lo64)
        };
        let d = if matches!(mn, M::Cvtps2pd | M::Vcvtps2pd) {
            let f = lf.un(Op::ReinterpI32asF32, x);
            lf.un(Op::F32toF64, f)
        } else {
            lf.un(Op::I32StoF64, x)
        };
        *lane = lf.un(Op::ReinterpF64asI64, d);
    }
    let r = lf.bin(Op::I64HLtoV128, lanes[1], lanes[0]);
    let mut v = Vec4::new(1);
    v.p[0] = r;
    write_vec(lf, 0, &v, 8)?;
    Ok(Flow::Next)
}

/// `cvtpd2ps`, `cvt(t)pd2dq` (xmm forms): two doubles to the two low 32-bit
/// lanes; the upper half is zeroed.
fn cvt_from_pd(lf: &mut Lifter, mn: M) -> R<Flow> {
    if dst_width(lf)? != 16 || lf.i.memory_size().size() > 16 {
        return Err(Unsupported);
    }
    let v = read_vec(lf, 1, 16, 8)?;
    let trunc = matches!(mn, M::Cvttpd2dq | M::Vcvttpd2dq);
    let rm = if trunc { Atom::u32(3) } else { lf.sse_rm() };
    let mut out = [Atom::u32(0); 2];
    for (k, lane) in out.iter_mut().enumerate() {
        let x = lf.un(if k == 0 { Op::V128to64 } else { Op::V128HIto64 }, v.p[0]);
        let d = lf.un(Op::ReinterpI64asF64, x);
        *lane = if matches!(mn, M::Cvtpd2ps | M::Vcvtpd2ps) {
            let f = lf.bin(Op::F64toF32, rm, d);
            lf.un(Op::ReinterpF32asI32, f)
        } else {
            lf.bin(Op::F64toI32S, rm, d)
        };
    }
    let lo = lf.bin(Op::I32HLto64, out[1], out[0]);
    let r = lf.un(Op::I64UtoV128, lo);
    let mut w = Vec4::new(1);
    w.p[0] = r;
    write_vec(lf, 0, &w, 4)?;
    Ok(Flow::Next)
}

fn elem_of(mn: M) -> (u32, Op, Op) {
    match mn {
        M::Pextrb | M::Vpextrb | M::Pinsrb | M::Vpinsrb => (1, Op::GetElem8x16, Op::SetElem8x16),
        M::Pextrw | M::Vpextrw | M::Pinsrw | M::Vpinsrw => (2, Op::GetElem16x8, Op::SetElem16x8),
        M::Pextrd | M::Vpextrd | M::Pinsrd | M::Vpinsrd => (4, Op::GetElem32x4, Op::SetElem32x4),
        _ => (8, Op::GetElem64x2, Op::SetElem64x2),
    }
}

/// `pextrb/w/d/q`: an element to a general register (zero-extended) or memory.
fn pextr(lf: &mut Lifter, mn: M) -> R<Flow> {
    let (es, get, _) = elem_of(mn);
    let (n, _) = vreg(lf.i.op1_register()).ok_or(Unsupported)?;
    let imm = lf.i.try_immediate(2).map_err(|_| Unsupported)?;
    let lanes = u64::from(16 / es);
    let x = lf.vget(n, 0)?;
    let e = lf.bin(get, x, Lifter::u8v(imm % lanes));
    let l = lf.loc(0)?;
    let ty = match l {
        Loc::Mem(_) => ity(es),
        _ => lf.op_ty(0, Type::I32)?,
    };
    let e = lf.zx(e, ty);
    lf.write(l, e)?;
    Ok(Flow::Next)
}

/// `pinsrb/w/d/q`.
fn pinsr(lf: &mut Lifter, mn: M) -> R<Flow> {
    let (es, _, set) = elem_of(mn);
    let (sa, sb) = sources(lf);
    let imm = lf.i.try_immediate(sb + 1).map_err(|_| Unsupported)?;
    let lanes = u64::from(16 / es);
    let base = scalar_src(lf, sa, 16)?;
    let l = lf.loc(sb)?;
    let x = lf.read(l, ity(es));
    let r = lf.b.triop(set, base, Lifter::u8v(imm % lanes), x);
    let mut v = Vec4::new(1);
    v.p[0] = r;
    write_vec(lf, 0, &v, es)?;
    Ok(Flow::Next)
}

fn pabs(lf: &mut Lifter, mn: M) -> R<Flow> {
    let (op, es) = match mn {
        M::Pabsb | M::Vpabsb => (Op::Abs8x16, 1),
        M::Pabsw | M::Vpabsw => (Op::Abs16x8, 2),
        _ => (Op::Abs32x4, 4),
    };
    let width = dst_width(lf)?;
    let v = read_vec(lf, 1, width, es)?;
    let mut r = Vec4::new(v.n);
    for k in 0..v.n {
        r.p[k] = lf.un(op, v.p[k]);
    }
    write_vec(lf, 0, &r, es)?;
    Ok(Flow::Next)
}

/// `pclmulqdq`: carry-less product of one quadword of each source (imm8
/// bit 0 and bit 4 pick them), per 128-bit lane, through a pure helper.
fn clmul(lf: &mut Lifter) -> R<Flow> {
    let width = dst_width(lf)?;
    let (sa, sb) = sources(lf);
    let imm = lf.i.try_immediate(sb + 1).map_err(|_| Unsupported)?;
    let a = read_vec(lf, sa, width, 8)?;
    let b = read_vec(lf, sb, width, 8)?;
    let mut r = Vec4::new(a.n);
    for k in 0..a.n {
        let x = lf.un(
            if imm & 1 == 1 {
                Op::V128HIto64
            } else {
                Op::V128to64
            },
            a.p[k],
        );
        let y = lf.un(
            if imm & 0x10 != 0 {
                Op::V128HIto64
            } else {
                Op::V128to64
            },
            b.p[k],
        );
        r.p[k] = lf.b.ccall("x86g_clmul", Type::V128, &[x, y]);
    }
    write_vec(lf, 0, &r, 8)?;
    Ok(Flow::Next)
}

/// `psadbw`: per 64-bit lane, the sum of absolute byte differences.
fn psadbw(lf: &mut Lifter) -> R<Flow> {
    let width = dst_width(lf)?;
    let (sa, sb) = sources(lf);
    let a = read_vec(lf, sa, width, 8)?;
    let b = read_vec(lf, sb, width, 8)?;
    let mut r = Vec4::new(a.n);
    for k in 0..a.n {
        r.p[k] = lf.b.ccall("x86g_psadbw", Type::V128, &[a.p[k], b.p[k]]);
    }
    write_vec(lf, 0, &r, 8)?;
    Ok(Flow::Next)
}

/// `stmxcsr`: the rounding mode in bits 13-14 over the default 0x1f80.
fn stmxcsr(lf: &mut Lifter) -> R<Flow> {
    let rm = lf.sse_rm();
    let sh = lf.bin(Op::Shl32, rm, Atom::u8(13));
    let v = lf.bin(Op::Or32, sh, Atom::u32(0x1f80));
    let a = lf.ea();
    lf.store(a, v);
    Ok(Flow::Next)
}

/// `ldmxcsr`: only the rounding mode is kept (exception flags and masks are
/// not modelled, as in VEX).
fn ldmxcsr(lf: &mut Lifter) -> R<Flow> {
    let a = lf.ea();
    let v = lf.load(Type::I32, a);
    // Bits outside MXCSR_MASK set: #GP. The mask is the reference CPU's
    // (0x2ffff: AMD's MM bit 17 is accepted).
    let hi = lf.bin(Op::And32, v, Atom::u32(0xfffd_0000));
    let bad = lf.bin(Op::CmpNE32, hi, Atom::u32(0));
    lf.exit_if(bad, lf.addr, JumpKind::SigSEGV);
    let sh = lf.bin(Op::Shr32, v, Atom::u8(13));
    let rm = lf.bin(Op::And32, sh, Atom::u32(3));
    let w = lf.m.word;
    let rmw = lf.zx(rm, w);
    lf.b.put(lf.m.sseround, rmw);
    Ok(Flow::Next)
}

/// `vzeroupper` (bits 128.. of registers 0-15) and `vzeroall`.
fn vzero(lf: &mut Lifter, all: bool) -> R<Flow> {
    let nregs = lf.m.nvec.min(16);
    let top = lf.m.vec_parts();
    for n in 0..nregs {
        for k in (if all { 0 } else { 1 })..top {
            lf.vput(n, k, zero128())?;
        }
    }
    Ok(Flow::Next)
}

/// `vpbroadcast*`, `vbroadcastss/sd`.
fn broadcast(lf: &mut Lifter, mn: M) -> R<Flow> {
    let es = match mn {
        M::Vpbroadcastb => 1,
        M::Vpbroadcastw => 2,
        M::Vpbroadcastd | M::Vbroadcastss => 4,
        _ => 8,
    };
    let width = dst_width(lf)?;
    let e = match lf.i.op1_kind() {
        OpKind::Register => {
            let r = lf.i.op1_register();
            if r.is_gpr() {
                let v = lf.get_reg(r)?;
                lf.zx(v, ity(es))
            } else {
                let (n, _) = vreg(r).ok_or(Unsupported)?;
                let x = lf.vget(n, 0)?;
                let lo = lf.un(Op::V128to64, x);
                lf.zx(lo, ity(es))
            }
        }
        OpKind::Memory => {
            let a = lf.ea();
            lf.load(ity(es), a)
        }
        _ => return Err(Unsupported),
    };
    let d = dup(lf, e, es)?;
    let mut r = Vec4::new(usize::try_from(width / 16).unwrap_or(1));
    for k in 0..r.n {
        r.p[k] = d;
    }
    write_vec(lf, 0, &r, es)?;
    Ok(Flow::Next)
}

/// `vextracti128`/`vextractf128`.
fn vextract128(lf: &mut Lifter) -> R<Flow> {
    let imm = lf.i.try_immediate(2).map_err(|_| Unsupported)? & 1;
    let (n, _) = vreg(lf.i.op1_register()).ok_or(Unsupported)?;
    let x = lf.vget(n, super::bits::lo32(imm))?;
    let mut v = Vec4::new(1);
    v.p[0] = x;
    write_vec(lf, 0, &v, 16)?;
    Ok(Flow::Next)
}

/// `vinserti128`/`vinsertf128`.
fn vinsert128(lf: &mut Lifter) -> R<Flow> {
    let imm = lf.i.try_immediate(3).map_err(|_| Unsupported)? & 1;
    let a = read_vec(lf, 1, 32, 16)?;
    let b = read_vec(lf, 2, 16, 16)?;
    let mut r = a;
    r.p[usize::try_from(imm).unwrap_or(0)] = b.p[0];
    write_vec(lf, 0, &r, 16)?;
    Ok(Flow::Next)
}

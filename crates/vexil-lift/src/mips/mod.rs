//! MIPS32 and MIPS64 release 2, both byte orders: decoder, lifter, guest
//! state and optimizer hooks.
//!
//! One module tree serves the four guests (`mips32`/`mips64` × little/big
//! endian): the opcode tables ([`decode`]) do not depend on byte order, the
//! caller assembles instruction words in the guest's order, and the lifter
//! takes the word size and the memory endness as parameters. The main design
//! decision is that a branch and its delay-slot instruction are lifted
//! together in one block, with the branch's condition, target and link
//! computed before the slot's statements (see [`lift`]). Guest-state offsets
//! are VEX's (see [`regs`]); FPU register pairing is FR=0 for MIPS32 and FR=1
//! for MIPS64.
//!
//! The lifter emits plain IR (no helper calls), so the guest names no
//! helpers and its optimizer hooks specialize nothing. Like VEX's default
//! ("unwind registers at memory access"), only the stack pointer, frame
//! pointer, return address and program counter are kept precise across
//! memory accesses, so the optimizer may drop other overwritten `PUT`s.

mod bits;
pub mod decode;
pub mod disasm;
pub mod lift;
pub mod regs;

use crate::guest::{Guest, GuestLayout, InsnInfo, LiftOptions, RegionLifter, region_from};
use crate::helpers::{DirtyFn, HelperFn};
use regs::Offsets;
use std::sync::LazyLock;
use vexil_ir::Offset;
use vexil_ir::opt::ArchHooks;
use vexil_ir::{Arch, Endian, Irsb, IsaMode, Outline};

/// Optimizer hooks: the registers that stay precise at memory accesses.
#[derive(Debug)]
struct MipsHooks {
    precise: [(u32, u32); 4],
}

impl ArchHooks for MipsHooks {
    fn precise_at_mem(&self, offset: Offset, size: u32) -> bool {
        self.precise
            .iter()
            .any(|&(o, n)| offset.0 < o + n && o < offset.0 + size)
    }
}

/// The MIPS guest for one architecture and byte order.
#[derive(Debug)]
pub struct MipsGuest {
    arch: Arch,
    endian: Endian,
    layout: GuestLayout,
    offs: &'static Offsets,
    hooks: MipsHooks,
}

/// Default FIR values (Unicorn's 24Kf and MIPS64R2-generic models).
const FIR32: u32 = 0x0073_9300;
const FIR64: u32 = 0x007f_0000;

impl MipsGuest {
    fn new(arch: Arch, endian: Endian) -> MipsGuest {
        let is64 = arch == Arch::Mips64;
        let (offs, regs, book, plumb): (
            &'static Offsets,
            &'static [crate::Reg],
            &'static [crate::Reg],
            &'static [crate::Reg],
        ) = if is64 {
            (&regs::OFFS64, &regs::REGS64, &regs::BOOK64, &regs::PLUMB64)
        } else {
            (&regs::OFFS32, &regs::REGS32, &regs::BOOK32, &regs::PLUMB32)
        };
        let find = |n: &str| regs.iter().copied().find(|r| r.name == n);
        let pc = find("pc").unwrap_or(regs[0]);
        let sp = find("sp").unwrap_or(regs[0]);
        MipsGuest {
            arch,
            endian,
            layout: GuestLayout {
                arch,
                size: offs.size,
                pc,
                sp,
                regs,
                bookkeeping: book,
                abi_plumbing: plumb,
            },
            offs,
            hooks: MipsHooks {
                precise: [
                    (offs.gpr(29), offs.gpr_size),
                    (offs.gpr(30), offs.gpr_size),
                    (offs.gpr(31), offs.gpr_size),
                    (offs.pc, offs.gpr_size),
                ],
            },
        }
    }

    fn is64(&self) -> bool {
        self.arch == Arch::Mips64
    }

    fn word(&self, code: &[u8]) -> Option<u32> {
        let b: [u8; 4] = code.get(..4)?.try_into().ok()?;
        Some(match self.endian {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        })
    }

    /// Decodes the instruction word at the start of `code`.
    pub fn decode_insn(&self, code: &[u8]) -> Option<decode::Insn> {
        decode::decode(self.word(code)?, self.is64())
    }
}

static MIPS32EL: LazyLock<MipsGuest> =
    LazyLock::new(|| MipsGuest::new(Arch::Mips32, Endian::Little));
static MIPS32BE: LazyLock<MipsGuest> = LazyLock::new(|| MipsGuest::new(Arch::Mips32, Endian::Big));
static MIPS64EL: LazyLock<MipsGuest> =
    LazyLock::new(|| MipsGuest::new(Arch::Mips64, Endian::Little));
static MIPS64BE: LazyLock<MipsGuest> = LazyLock::new(|| MipsGuest::new(Arch::Mips64, Endian::Big));

/// The MIPS guest for `arch` (`Mips32` or `Mips64`) and `endian`.
pub fn guest(arch: Arch, endian: Endian) -> Option<&'static MipsGuest> {
    match (arch, endian) {
        (Arch::Mips32, Endian::Little) => Some(&MIPS32EL),
        (Arch::Mips32, Endian::Big) => Some(&MIPS32BE),
        (Arch::Mips64, Endian::Little) => Some(&MIPS64EL),
        (Arch::Mips64, Endian::Big) => Some(&MIPS64BE),
        _ => None,
    }
}

fn read_le(state: &[u8], off: u32, size: u32) -> Option<u128> {
    let s = usize::try_from(off).ok()?;
    let bytes = state.get(s..s + usize::try_from(size).ok()?)?;
    Some(
        bytes
            .iter()
            .rev()
            .fold(0u128, |acc, &b| (acc << 8) | u128::from(b)),
    )
}

fn write_le(state: &mut [u8], off: u32, size: u32, value: u128) -> bool {
    let (Ok(s), Ok(n)) = (usize::try_from(off), usize::try_from(size)) else {
        return false;
    };
    let Some(bytes) = state.get_mut(s..s + n) else {
        return false;
    };
    for (k, b) in bytes.iter_mut().enumerate() {
        *b = value.to_le_bytes()[k];
    }
    true
}

impl MipsGuest {
    /// A lifter for this guest's blocks.
    fn lifter(&self) -> lift::Lifter<'static> {
        lift::Lifter::new(self.is64(), self.endian.endness(), self.offs)
    }

    /// [`Guest::lift`] with the lifter `l` (made by [`MipsGuest::lifter`]),
    /// and the block's outline into `outline` if given.
    fn lift_with(
        &self,
        l: &mut lift::Lifter<'_>,
        code: &[u8],
        addr: u64,
        opts: &LiftOptions,
        outline: Option<&mut Outline>,
    ) -> Irsb {
        let addr = if self.is64() {
            addr
        } else {
            addr & 0xffff_ffff
        };
        let mut irsb = l.lift_next(code, addr, opts.max_insns, opts.max_bytes);
        match outline {
            Some(o) => vexil_ir::opt::optimize_outlined(&mut irsb, opts.opt_level, self.hooks(), o),
            None => vexil_ir::opt::optimize(&mut irsb, opts.opt_level, self.hooks()),
        }
        irsb
    }
}

/// The blocks of one region of code, lifted by one lifter one after
/// another (its register caches are set up once, not per block).
struct MipsRegion<'a> {
    guest: &'a MipsGuest,
    lifter: lift::Lifter<'static>,
    code: &'a [u8],
    /// The address of `code`'s first byte.
    addr: u64,
}

impl RegionLifter for MipsRegion<'_> {
    fn lift(
        &mut self,
        addr: u64,
        mode: IsaMode,
        opts: &LiftOptions,
        outline: &mut Outline,
    ) -> Irsb {
        let g = self.guest;
        let code = region_from(self.code, self.addr, addr);
        let irsb = g.lift_with(&mut self.lifter, code, addr, opts, Some(outline));
        debug_assert!(
            irsb == g.lift(code, addr, mode, opts),
            "region lift differs at {addr:#x}"
        );
        irsb
    }
}

impl Guest for MipsGuest {
    fn arch(&self) -> Arch {
        self.arch
    }

    fn endian(&self) -> Endian {
        self.endian
    }

    fn layout(&self) -> &GuestLayout {
        &self.layout
    }

    fn lift(&self, code: &[u8], addr: u64, _mode: IsaMode, opts: &LiftOptions) -> Irsb {
        self.lift_with(&mut self.lifter(), code, addr, opts, None)
    }

    fn region<'a>(&'a self, code: &'a [u8], addr: u64) -> Box<dyn RegionLifter + 'a> {
        Box::new(MipsRegion {
            guest: self,
            lifter: self.lifter(),
            code,
            addr,
        })
    }

    fn decode(&self, code: &[u8], addr: u64, _mode: IsaMode) -> Option<InsnInfo> {
        let i = self.decode_insn(code)?;
        Some(InsnInfo {
            len: 4,
            mnemonic: i.mnemonic(),
            text: disasm::text(i, addr, self.is64()),
        })
    }

    fn can_lift(&self, code: &[u8], addr: u64, _mode: IsaMode) -> bool {
        let Some(i) = self.decode_insn(code) else {
            return false;
        };
        let mut l = lift::Lifter::new(self.is64(), self.endian.endness(), self.offs);
        l.insn(i, addr).is_ok()
    }

    fn helper(&self, _name: &str) -> Option<HelperFn> {
        None
    }

    fn dirty_helper(&self, _name: &str) -> Option<DirtyFn> {
        None
    }

    fn hooks(&self) -> &dyn ArchHooks {
        &self.hooks
    }

    fn initial_state(&self) -> Vec<u8> {
        let mut s = vec![0u8; usize::try_from(self.offs.size).unwrap_or(0)];
        let fir = if self.is64() { FIR64 } else { FIR32 };
        write_le(&mut s, self.offs.fir, 4, u128::from(fir));
        s
    }

    fn read_reg(&self, state: &[u8], name: &str) -> Option<u128> {
        let r = self.layout.reg(regs::canonical(name)?)?;
        read_le(state, r.offset, r.size)
    }

    fn write_reg(&self, state: &mut [u8], name: &str, value: u128) -> bool {
        let Some(r) = regs::canonical(name).and_then(|n| self.layout.reg(n)) else {
            return false;
        };
        write_le(state, r.offset, r.size, value)
    }
}

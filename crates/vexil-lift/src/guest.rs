//! The per-architecture interface and guest-state layouts.

use crate::helpers::{DirtyFn, HelperFn};
use vexil_ir::opt::ArchHooks;
use vexil_ir::{Arch, Endian, Irsb, IsaMode, Outline};

/// Limits and switches for lifting one block.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct LiftOptions {
    /// Most guest instructions in one block (a MIPS branch and its delay slot
    /// count as two but are never split).
    pub max_insns: u32,
    /// Most bytes of guest code in one block.
    pub max_bytes: u32,
    /// Optimization level applied to the lifted block (0, 1 or 2), through
    /// [`vexil_ir::opt::optimize`] with the guest's hooks.
    pub opt_level: u8,
}

impl Default for LiftOptions {
    fn default() -> LiftOptions {
        LiftOptions {
            max_insns: 50,
            max_bytes: 800,
            opt_level: 1,
        }
    }
}

/// A named guest register: a byte range of the guest state.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Reg {
    /// Lower-case name (`rax`, `a0`, `sp`).
    pub name: &'static str,
    /// First byte in the guest state.
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
}

/// Where an architecture keeps what in its guest-state block.
#[derive(Clone, Debug)]
pub struct GuestLayout {
    /// The architecture.
    pub arch: Arch,
    /// Total size of the guest state in bytes.
    pub size: u32,
    /// The program counter.
    pub pc: Reg,
    /// The stack pointer.
    pub sp: Reg,
    /// Every named register, including the bookkeeping ones.
    pub regs: &'static [Reg],
    /// Ranges that are lifting artifacts rather than program state the guest
    /// sees directly: lazy flag thunks, emulation notes, the program counter
    /// itself. Feature extraction drops writes to them.
    pub bookkeeping: &'static [Reg],
    /// Registers the calling convention uses only to reach code and data,
    /// not to compute: MIPS's global pointer `gp` and call register `t9`
    /// in position-independent code. Feature extraction treats writes to
    /// them, and what is computed only for them, as plumbing.
    pub abi_plumbing: &'static [Reg],
}

impl GuestLayout {
    /// The register with this name.
    pub fn reg(&self, name: &str) -> Option<Reg> {
        self.regs.iter().copied().find(|r| r.name == name)
    }
    /// The register that starts at `offset` with exactly `size` bytes, or
    /// else the one containing `offset`.
    pub fn reg_at(&self, offset: u32, size: u32) -> Option<Reg> {
        self.regs
            .iter()
            .copied()
            .find(|r| r.offset == offset && r.size == size)
            .or_else(|| {
                self.regs
                    .iter()
                    .copied()
                    .find(|r| r.offset <= offset && offset < r.offset + r.size)
            })
    }
    /// True if `[offset, offset+size)` overlaps a bookkeeping range.
    pub fn is_bookkeeping(&self, offset: u32, size: u32) -> bool {
        self.bookkeeping
            .iter()
            .any(|r| offset < r.offset + r.size && r.offset < offset + size)
    }
}

/// What the decoder says about one instruction (for coverage and listings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsnInfo {
    /// Length in bytes.
    pub len: u32,
    /// Lower-case mnemonic (`add`, `lw`, `vpcmpeqb`).
    pub mnemonic: String,
    /// Full disassembly text.
    pub text: String,
}

/// One architecture's lifter and everything that goes with it.
pub trait Guest: Send + Sync {
    /// The architecture.
    fn arch(&self) -> Arch;

    /// The byte order this instance lifts for.
    fn endian(&self) -> Endian;

    /// The guest-state layout.
    fn layout(&self) -> &GuestLayout;

    /// Lifts one block starting at `addr`; `code` holds the bytes from `addr`
    /// on (as many as are mapped). Never fails: an undecodable first
    /// instruction gives an empty block with a `NoDecode` jump to `addr`; an
    /// undecodable later one ends the block before it with a `Boring` jump to
    /// it, so that the next block reports it. Running out of bytes in the middle
    /// of an instruction is treated like an undecodable instruction.
    fn lift(&self, code: &[u8], addr: u64, mode: IsaMode, opts: &LiftOptions) -> Irsb;

    /// A lifter for the blocks of `code`, a stretch of guest code whose
    /// first byte is at `addr`: its [`RegionLifter::lift`] of the block at
    /// `a` is [`Guest::lift`] of `code` from `a` on, at less cost when one
    /// region gives many blocks (x86 keeps one decoder for the region
    /// instead of setting one up per block). By default it calls
    /// [`Guest::lift`] for each block.
    fn region<'a>(&'a self, code: &'a [u8], addr: u64) -> Box<dyn RegionLifter + 'a> {
        Box::new(EachBlock {
            guest: self,
            code,
            addr,
        })
    }

    /// Decodes one instruction without lifting it. `None` if undecodable.
    fn decode(&self, code: &[u8], addr: u64, mode: IsaMode) -> Option<InsnInfo>;

    /// True if the lifter can lift the decoded instruction (as opposed to
    /// returning `NoDecode` for an instruction the decoder knows but the lifter
    /// does not support). Coverage reports use it to name unsupported mnemonics.
    fn can_lift(&self, code: &[u8], addr: u64, mode: IsaMode) -> bool;

    /// The implementation of a pure helper named by this guest's blocks.
    fn helper(&self, name: &str) -> Option<HelperFn>;

    /// The implementation of a dirty helper named by this guest's blocks.
    fn dirty_helper(&self, name: &str) -> Option<DirtyFn>;

    /// Optimizer hooks: helper specialization and precise registers.
    fn hooks(&self) -> &dyn ArchHooks;

    /// A fresh guest state: zeroed, plus the architecture's reset values
    /// (x86's direction flag and FPU/SSE control words, for example).
    fn initial_state(&self) -> Vec<u8>;

    /// Reads a register by name, including derived registers (`rflags`,
    /// `eflags`, `fcsr`) computed from the lifter's internal representation.
    fn read_reg(&self, state: &[u8], name: &str) -> Option<u128>;

    /// Writes a register by name, including derived ones (writing `rflags`
    /// sets the flag thunk so that later reads see exactly those flags).
    /// Returns false for an unknown name.
    fn write_reg(&self, state: &mut [u8], name: &str, value: u128) -> bool;
}

/// Lifts blocks of one stretch of guest code (see [`Guest::region`]).
pub trait RegionLifter {
    /// [`Guest::lift`] of the region's bytes from `addr` on (none if `addr`
    /// is outside the region), and the block's [`Outline`] (its
    /// instructions and side exits, which code discovery needs) into
    /// `outline`. Lifters that run the optimizer take the outline from
    /// [`vexil_ir::opt::optimize_outlined`], whose last pass finds it on
    /// the way; the default walks the block.
    fn lift(&mut self, addr: u64, mode: IsaMode, opts: &LiftOptions, outline: &mut Outline)
    -> Irsb;
}

/// The default [`RegionLifter`]: [`Guest::lift`] for each block.
struct EachBlock<'a, G: ?Sized> {
    guest: &'a G,
    code: &'a [u8],
    addr: u64,
}

impl<G: Guest + ?Sized> RegionLifter for EachBlock<'_, G> {
    fn lift(
        &mut self,
        addr: u64,
        mode: IsaMode,
        opts: &LiftOptions,
        outline: &mut Outline,
    ) -> Irsb {
        let irsb = self
            .guest
            .lift(region_from(self.code, self.addr, addr), addr, mode, opts);
        outline.scan(&irsb);
        irsb
    }
}

/// The bytes of `code`, which starts at `base`, from `addr` on (none if
/// `addr` is outside it).
pub(crate) fn region_from(code: &[u8], base: u64, addr: u64) -> &[u8] {
    addr.checked_sub(base)
        .and_then(|off| usize::try_from(off).ok())
        .and_then(|off| code.get(off..))
        .unwrap_or(&[])
}

/// The lifter for `arch` in byte order `endian`, if vexil has one yet.
pub fn guest_for(arch: Arch, endian: Endian) -> Option<&'static dyn Guest> {
    match arch {
        Arch::X86 if endian == Endian::Little => Some(&crate::x86::GUEST32),
        Arch::X86_64 if endian == Endian::Little => Some(&crate::x86::GUEST64),
        Arch::Mips32 | Arch::Mips64 => {
            crate::mips::guest(arch, endian).map(|g| g as &'static dyn Guest)
        }
        _ => None,
    }
}

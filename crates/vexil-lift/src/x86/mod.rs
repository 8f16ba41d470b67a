//! The x86 and x86-64 lifter: one module tree for both bitnesses.
//!
//! Decoding is iced-x86's (one `Decoder` per block, or per region of code
//! for [`Guest::region`], instructions decoded in place); this module turns
//! each decoded instruction into VEX-style IR. The main design decisions:
//!
//! - **Guest state** uses VEX's AMD64 and X86 offsets (`layout.rs`), with
//!   AVX-512 and x86 `ymm` state appended after VEX's end.
//! - **Flags are lazy**, with VEX's thunk and operation numbering
//!   (`flags.rs`); the optimizer hook specializes the flag helpers so a
//!   compare and a conditional branch meet as one comparison op.
//! - **Wide vectors** (`ymm`, `zmm`) are handled as 128-bit halves, each in
//!   its own guest-state slot (`sse.rs`).
//! - **x87** registers are F64 values in VEX's register file with a
//!   run-time top-of-stack index (`x87.rs`), as VEX models them.
//! - An instruction the lifter does not support ends the block before it,
//!   and `can_lift` runs the same per-instruction code, so the two agree.

mod avx512;
mod bits;
mod dispatch;
pub(crate) mod flags;
mod fpstate;
mod helpers;
mod int;
pub(crate) mod layout;
mod lift;
mod sse;
mod sse_helpers;
mod x87;

use crate::guest::{Guest, GuestLayout, InsnInfo, LiftOptions, RegionLifter, region_from};
use crate::helpers::{DirtyFn, HelperFn};
use bits::{lo64, mask};
use iced_x86::{Decoder, DecoderOptions, FastFormatter, Instruction};
use layout::{MODE32, MODE64, Mode};
use vexil_ir::opt::ArchHooks;
use vexil_ir::{Arch, Atom, Endian, Irsb, IsaMode, JumpKind, Outline};

/// The x86 or x86-64 guest.
#[derive(Debug)]
pub struct X86Guest {
    m: &'static Mode,
    hooks: flags::X86Hooks,
}

/// The 32-bit x86 guest.
pub static GUEST32: X86Guest = X86Guest {
    m: &MODE32,
    hooks: flags::X86Hooks {
        bits: 32,
        precise: [(24, 4), (28, 4), (68, 4)],
    },
};

/// The x86-64 guest.
pub static GUEST64: X86Guest = X86Guest {
    m: &MODE64,
    hooks: flags::X86Hooks {
        bits: 64,
        precise: [(48, 8), (56, 8), (184, 8)],
    },
};

impl X86Guest {
    /// The block for an instruction-set mode x86 does not have: a
    /// `NoDecode` jump to `addr`.
    fn no_mode(&self, addr: u64) -> Irsb {
        let a = vexil_ir::Const::int(self.m.word, addr & mask(self.m.bits));
        vexil_ir::IrsbBuilder::new().finish(Atom::Const(a), JumpKind::NoDecode, self.m.ip)
    }

    fn state_word(&self, state: &[u8], off: u32, size: u32) -> Option<u128> {
        let o = usize::try_from(off).ok()?;
        let n = usize::try_from(size).ok()?;
        let bytes = state.get(o..o.checked_add(n)?)?;
        let mut buf = [0u8; 16];
        buf.get_mut(..n)?.copy_from_slice(bytes);
        Some(u128::from_le_bytes(buf))
    }

    fn set_state_word(&self, state: &mut [u8], off: u32, size: u32, v: u128) -> bool {
        let (Ok(o), Ok(n)) = (usize::try_from(off), usize::try_from(size)) else {
            return false;
        };
        let bytes = v.to_le_bytes();
        match (state.get_mut(o..o.saturating_add(n)), bytes.get(..n)) {
            (Some(dst), Some(src)) => {
                dst.copy_from_slice(src);
                true
            }
            _ => false,
        }
    }

    /// The architectural flags register computed from the thunk.
    fn flags_reg(&self, state: &[u8]) -> Option<u128> {
        let m = self.m;
        let w = m.gpr_size;
        let rd = |off| self.state_word(state, off, w).map(lo64);
        let f = flags::flags_of(
            m.bits,
            rd(m.cc_op)?,
            rd(m.cc_dep1)?,
            rd(m.cc_dep2)?,
            rd(m.cc_ndep)?,
        );
        let d = rd(m.dflag)?;
        let df = if d & 1 == 1 && d != 1 { 1 << 10 } else { 0 };
        let ac = (rd(m.acflag)? & 1) << 18;
        let id = (rd(m.idflag)? & 1) << 21;
        Some(u128::from(f | df | ac | id | 0x202))
    }

    fn set_flags_reg(&self, state: &mut [u8], v: u128) -> bool {
        let m = self.m;
        let w = m.gpr_size;
        let v = lo64(v);
        let minus1 = mask(m.bits);
        let writes = [
            (m.cc_op, 0),
            (m.cc_dep1, v & flags::OSZACP),
            (m.cc_dep2, 0),
            (m.cc_ndep, 0),
            (m.dflag, if v & (1 << 10) != 0 { minus1 } else { 1 }),
            (m.acflag, (v >> 18) & 1),
            (m.idflag, (v >> 21) & 1),
        ];
        writes
            .into_iter()
            .all(|(off, x)| self.set_state_word(state, off, w, u128::from(x)))
    }

    /// Derived registers: x87 `st0`-`st7` (F64 bits, relative to the stack
    /// top), the x87 control and status words, and MXCSR.
    fn derived(&self, state: &[u8], name: &str) -> Option<u128> {
        let m = self.m;
        let w = m.gpr_size;
        if let Some(i) = st_number(name) {
            let top = self.state_word(state, m.ftop, 4)?;
            let slot = u32::try_from((top + u128::from(i)) & 7).ok()?;
            return self.state_word(state, m.fpreg + 8 * slot, 8);
        }
        match name {
            "fpcw" => Some(0x037f | ((self.state_word(state, m.fpround, w)? & 3) << 10)),
            "fpsw" => {
                let top = self.state_word(state, m.ftop, 4)? & 7;
                Some((top << 11) | (self.state_word(state, m.fc3210, w)? & 0x4700))
            }
            "mxcsr" => Some(0x1f80 | ((self.state_word(state, m.sseround, w)? & 3) << 13)),
            _ => None,
        }
    }

    fn set_derived(&self, state: &mut [u8], name: &str, v: u128) -> Option<bool> {
        let m = self.m;
        let w = m.gpr_size;
        if let Some(i) = st_number(name) {
            let top = self.state_word(state, m.ftop, 4)?;
            let slot = u32::try_from((top + u128::from(i)) & 7).ok()?;
            let ok = self.set_state_word(state, m.fpreg + 8 * slot, 8, v)
                && self.set_state_word(state, m.fptag + slot, 1, 1);
            return Some(ok);
        }
        Some(match name {
            "fpcw" => self.set_state_word(state, m.fpround, w, (v >> 10) & 3),
            "fpsw" => {
                self.set_state_word(state, m.ftop, 4, (v >> 11) & 7)
                    && self.set_state_word(state, m.fc3210, w, v & 0x4700)
            }
            "mxcsr" => self.set_state_word(state, m.sseround, w, (v >> 13) & 3),
            _ => return None,
        })
    }

    /// Sub-register names (`eax`, `ax`, `al`, `ah`, `r8d`...) as (offset, size).
    fn subreg(&self, name: &str) -> Option<(u32, u32)> {
        const R64: [&str; 16] = [
            "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11",
            "r12", "r13", "r14", "r15",
        ];
        const R32: [&str; 8] = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
        const R16: [&str; 8] = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
        const R8: [&str; 8] = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"];
        const R8H: [&str; 4] = ["ah", "ch", "dh", "bh"];
        let m = self.m;
        let at = |i: usize| m.gpr_off(bits::small(i));
        if let Some(i) = R64.iter().position(|r| *r == name) {
            return (m.bits == 64).then(|| (at(i), 8));
        }
        if let Some(i) = R32.iter().position(|r| *r == name) {
            return Some((at(i), 4));
        }
        if let Some(i) = R16.iter().position(|r| *r == name) {
            return Some((at(i), 2));
        }
        if let Some(i) = R8.iter().position(|r| *r == name) {
            return Some((at(i), 1));
        }
        if let Some(i) = R8H.iter().position(|r| *r == name) {
            return Some((at(i) + 1, 1));
        }
        if m.bits == 64 {
            if let Some(rest) = name.strip_prefix('r') {
                let (num, suffix) = rest.split_at(
                    rest.find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(rest.len()),
                );
                let n: usize = num.parse().ok()?;
                if (8..16).contains(&n) {
                    let size = match suffix {
                        "d" => 4,
                        "w" => 2,
                        "b" | "l" => 1,
                        _ => return None,
                    };
                    return Some((at(n), size));
                }
            }
        }
        None
    }
}

/// The blocks of one region of code, decoded by one decoder that each
/// block moves to its start (setting up an iced decoder costs about as much
/// as decoding a few instructions; blocks average four or five).
struct X86Region<'a> {
    guest: &'a X86Guest,
    /// Decodes `code`.
    dec: Decoder<'a>,
    code: &'a [u8],
    /// The address of `code`'s first byte.
    addr: u64,
}

impl RegionLifter for X86Region<'_> {
    fn lift(
        &mut self,
        addr: u64,
        mode: IsaMode,
        opts: &LiftOptions,
        outline: &mut Outline,
    ) -> Irsb {
        let g = self.guest;
        if mode != IsaMode::Default {
            let irsb = g.no_mode(addr);
            outline.scan(&irsb);
            return irsb;
        }
        let at = addr
            .checked_sub(self.addr)
            .and_then(|off| usize::try_from(off).ok());
        let mut empty;
        let dec = match at.map(|at| self.dec.set_position(at)) {
            Some(Ok(())) => {
                self.dec.set_ip(addr);
                &mut self.dec
            }
            _ => {
                empty = lift::empty_decoder(g.m, addr);
                &mut empty
            }
        };
        let mut irsb = lift::lift_decoded(g.m, dec, addr, opts, opts.opt_level > 0);
        vexil_ir::opt::optimize_outlined(&mut irsb, opts.opt_level, &g.hooks, outline);
        debug_assert!(
            irsb == g.lift(region_from(self.code, self.addr, addr), addr, mode, opts),
            "region lift differs at {addr:#x}"
        );
        irsb
    }
}

/// `stN` as N.
fn st_number(name: &str) -> Option<u8> {
    let n = name.strip_prefix("st")?;
    let d: u8 = n.parse().ok()?;
    (d < 8 && n.len() == 1).then_some(d)
}

impl Guest for X86Guest {
    fn arch(&self) -> Arch {
        self.m.arch
    }

    fn endian(&self) -> Endian {
        Endian::Little
    }

    fn layout(&self) -> &GuestLayout {
        self.m.layout
    }

    fn lift(&self, code: &[u8], addr: u64, mode: IsaMode, opts: &LiftOptions) -> Irsb {
        if mode != IsaMode::Default {
            return self.no_mode(addr);
        }
        let mut irsb = lift::lift_block(self.m, code, addr, opts);
        vexil_ir::opt::optimize(&mut irsb, opts.opt_level, &self.hooks);
        irsb
    }

    fn region<'a>(&'a self, code: &'a [u8], addr: u64) -> Box<dyn RegionLifter + 'a> {
        // As in `lift::lift_block`: `try_with_ip` fails only where there
        // is nothing to decode.
        let dec = Decoder::try_with_ip(self.m.bits, code, addr, DecoderOptions::NONE)
            .unwrap_or_else(|_| lift::empty_decoder(self.m, addr));
        Box::new(X86Region {
            guest: self,
            dec,
            code,
            addr,
        })
    }

    fn decode(&self, code: &[u8], addr: u64, mode: IsaMode) -> Option<InsnInfo> {
        if mode != IsaMode::Default {
            return None;
        }
        let mut dec = Decoder::with_ip(self.m.bits, code, addr, DecoderOptions::NONE);
        if !dec.can_decode() {
            return None;
        }
        let mut i = Instruction::default();
        dec.decode_out(&mut i);
        if i.is_invalid() {
            return None;
        }
        let mut text = String::new();
        FastFormatter::new().format(&i, &mut text);
        Some(InsnInfo {
            len: bits::small(i.len()),
            mnemonic: format!("{:?}", i.mnemonic()).to_ascii_lowercase(),
            text,
        })
    }

    fn can_lift(&self, code: &[u8], addr: u64, mode: IsaMode) -> bool {
        mode == IsaMode::Default && lift::can_lift(self.m, code, addr)
    }

    fn helper(&self, name: &str) -> Option<HelperFn> {
        helpers::pure(name)
    }

    fn dirty_helper(&self, name: &str) -> Option<DirtyFn> {
        helpers::dirty(name)
    }

    fn hooks(&self) -> &dyn ArchHooks {
        &self.hooks
    }

    fn initial_state(&self) -> Vec<u8> {
        let m = self.m;
        let mut s = vec![0u8; usize::try_from(m.size).unwrap_or(0)];
        // Direction flag clear (+1); everything else (COPY thunk of zero
        // flags, round-to-nearest, empty x87 stack) is zero. Segment
        // selectors are Linux's user-mode values (es, cs, ss, ds, fs, gs).
        self.set_state_word(&mut s, m.dflag, m.gpr_size, 1);
        let sel: [u128; 6] = if m.bits == 64 {
            [0, 0x33, 0x2b, 0, 0, 0]
        } else {
            [0x2b, 0x23, 0x2b, 0x2b, 0, 0]
        };
        for (off, v) in m.seg.iter().zip(sel) {
            self.set_state_word(&mut s, *off, 2, v);
        }
        s
    }

    fn read_reg(&self, state: &[u8], name: &str) -> Option<u128> {
        match name {
            "rflags" | "eflags" | "flags" => return self.flags_reg(state),
            "pc" | "ip" => return self.state_word(state, self.m.ip, self.m.gpr_size),
            _ => {}
        }
        if let Some(v) = self.derived(state, name) {
            return Some(v);
        }
        if let Some(r) = self.m.layout.reg(name) {
            if r.size <= 16 {
                return self.state_word(state, r.offset, r.size);
            }
            return None;
        }
        let (off, size) = self.subreg(name)?;
        self.state_word(state, off, size)
    }

    fn write_reg(&self, state: &mut [u8], name: &str, value: u128) -> bool {
        match name {
            "rflags" | "eflags" | "flags" => return self.set_flags_reg(state, value),
            "pc" | "ip" => return self.set_state_word(state, self.m.ip, self.m.gpr_size, value),
            _ => {}
        }
        if let Some(ok) = self.set_derived(state, name, value) {
            return ok;
        }
        if let Some(r) = self.m.layout.reg(name) {
            return r.size <= 16 && self.set_state_word(state, r.offset, r.size, value);
        }
        match self.subreg(name) {
            Some((off, size)) => self.set_state_word(state, off, size, value),
            None => false,
        }
    }
}

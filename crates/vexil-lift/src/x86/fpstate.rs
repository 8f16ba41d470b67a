//! Saving and restoring the x87/SSE state to memory: `fxsave`, `fxrstor`,
//! `xsave`, `xsavec`, `xrstor`, `fnstenv`, `fldenv`, as dirty helpers that
//! translate between vexil's guest state (F64 x87 registers, rounding-mode
//! slots) and the architectural memory images.
//!
//! The images follow the architecture: the 512-byte FXSAVE layout (also the
//! legacy area of XSAVE), the XSAVE header, and the 28-byte protected-mode
//! FPU environment. XCR0 is x87|SSE (what `xgetbv` reports), so XSAVE has
//! no extended components. Instruction and operand pointers are saved as 0.

use super::bits::{lo16, lo32, lo64};
use super::int::RAX;
use super::layout::{MODE32, MODE64, Mode};
use super::lift::{Flow, Lifter, R, Unsupported};
use crate::helpers::{DirtyCtx, DirtyFn, MemFault};
use iced_x86::Mnemonic as M;
use vexil_ir::{Atom, Callee, Dirty, Effect, MemEffect, Offset, StateEffect, Stmt, Type};

/// The dirty helper named `name`.
pub(crate) fn dirty(name: &str) -> Option<DirtyFn> {
    Some(match name {
        "x86g_dirtyhelper_FXSAVE_32" => |c, a| save(c, a, &MODE32, Kind::Fx),
        "x86g_dirtyhelper_FXSAVE_64" => |c, a| save(c, a, &MODE64, Kind::Fx),
        "x86g_dirtyhelper_XSAVE_32" => |c, a| save(c, a, &MODE32, Kind::X),
        "x86g_dirtyhelper_XSAVE_64" => |c, a| save(c, a, &MODE64, Kind::X),
        "x86g_dirtyhelper_XSAVEC_32" => |c, a| save(c, a, &MODE32, Kind::Xc),
        "x86g_dirtyhelper_XSAVEC_64" => |c, a| save(c, a, &MODE64, Kind::Xc),
        "x86g_dirtyhelper_FXRSTOR_32" => |c, a| restore(c, a, &MODE32, false),
        "x86g_dirtyhelper_FXRSTOR_64" => |c, a| restore(c, a, &MODE64, false),
        "x86g_dirtyhelper_XRSTOR_32" => |c, a| restore(c, a, &MODE32, true),
        "x86g_dirtyhelper_XRSTOR_64" => |c, a| restore(c, a, &MODE64, true),
        "x86g_dirtyhelper_FNSTENV_32" => |c, a| fnstenv(c, a, &MODE32),
        "x86g_dirtyhelper_FNSTENV_64" => |c, a| fnstenv(c, a, &MODE64),
        "x86g_dirtyhelper_FLDENV_32" => |c, a| fldenv(c, a, &MODE32),
        "x86g_dirtyhelper_FLDENV_64" => |c, a| fldenv(c, a, &MODE64),
        _ => return None,
    })
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum Kind {
    Fx,
    X,
    Xc,
}

fn rd(st: &[u8], off: u32, n: usize) -> u64 {
    let o = usize::try_from(off).unwrap_or(usize::MAX);
    let mut b = [0u8; 8];
    if let Some(s) = st.get(o..o.saturating_add(n)) {
        b[..n].copy_from_slice(s);
    }
    u64::from_le_bytes(b)
}

fn wr(st: &mut [u8], off: u32, n: usize, v: u64) {
    let o = usize::try_from(off).unwrap_or(usize::MAX);
    if let Some(d) = st.get_mut(o..o.saturating_add(n)) {
        d.copy_from_slice(&v.to_le_bytes()[..n]);
    }
}

fn arg(a: &[u128], i: usize) -> u64 {
    a.get(i).copied().map_or(0, lo64)
}

fn nxmm(m: &Mode) -> u32 {
    if m.bits == 64 { 16 } else { 8 }
}

/// The x87 tag of a physical register's F64 value in the full tag-word
/// encoding: 0 valid, 1 zero, 2 special.
fn full_tag(bits: u64) -> u64 {
    let exp = (bits >> 52) & 0x7ff;
    let frac = bits & ((1 << 52) - 1);
    match exp {
        0 if frac == 0 => 1,
        0 | 0x7ff => 2,
        _ => 0,
    }
}

fn fcw(m: &Mode, st: &[u8]) -> u64 {
    0x037f | ((rd(st, m.fpround, 1) & 3) << 10)
}

fn fsw(m: &Mode, st: &[u8]) -> u64 {
    ((rd(st, m.ftop, 4) & 7) << 11) | (rd(st, m.fc3210, 2) & 0x4700)
}

fn set_cw_sw(m: &Mode, st: &mut [u8], cw: u64, sw: u64) {
    wr(
        st,
        m.fpround,
        usize::try_from(m.gpr_size).unwrap_or(4),
        (cw >> 10) & 3,
    );
    wr(st, m.ftop, 4, (sw >> 11) & 7);
    wr(
        st,
        m.fc3210,
        usize::try_from(m.gpr_size).unwrap_or(4),
        sw & 0x4700,
    );
}

/// The 512-byte FXSAVE image of the current state.
fn fx_image(m: &Mode, st: &[u8]) -> [u8; 512] {
    let mut img = [0u8; 512];
    img[0..2].copy_from_slice(&lo16(fcw(m, st)).to_le_bytes());
    img[2..4].copy_from_slice(&lo16(fsw(m, st)).to_le_bytes());
    let top = rd(st, m.ftop, 4) & 7;
    let mut ftw = 0u8;
    for phys in 0..8u32 {
        if rd(st, m.fptag + phys, 1) != 0 {
            ftw |= 1 << phys;
        }
    }
    img[4] = ftw;
    let mxcsr = 0x1f80 | ((rd(st, m.sseround, 1) & 3) << 13);
    img[24..28].copy_from_slice(&lo32(mxcsr).to_le_bytes());
    img[28..32].copy_from_slice(&0x2ffffu32.to_le_bytes());
    for i in 0..8u64 {
        let phys = u32::try_from((top + i) & 7).unwrap_or(0);
        let bits = rd(st, m.fpreg + 8 * phys, 8);
        let x = super::x87::f64_to_f80(&[u128::from(bits)]);
        let o = 32 + 16 * usize::try_from(i).unwrap_or(0);
        img[o..o + 10].copy_from_slice(&x.to_le_bytes()[..10]);
    }
    for n in 0..nxmm(m) {
        if let Some(off) = m.vec(n, 0) {
            let o = 160 + 16 * usize::try_from(n).unwrap_or(0);
            let lo = rd(st, off, 8);
            let hi = rd(st, off + 8, 8);
            img[o..o + 8].copy_from_slice(&lo.to_le_bytes());
            img[o + 8..o + 16].copy_from_slice(&hi.to_le_bytes());
        }
    }
    img
}

fn load_x87(m: &Mode, st: &mut [u8], img: &[u8]) {
    let g16 = |o: usize| u64::from(u16::from_le_bytes([img[o], img[o + 1]]));
    set_cw_sw(m, st, g16(0), g16(2));
    let top = (g16(2) >> 11) & 7;
    for phys in 0..8u32 {
        wr(st, m.fptag + phys, 1, u64::from((img[4] >> phys) & 1));
    }
    for i in 0..8u64 {
        let o = 32 + 16 * usize::try_from(i).unwrap_or(0);
        let mut b = [0u8; 16];
        b[..10].copy_from_slice(&img[o..o + 10]);
        let v = u128::from_le_bytes(b);
        let bits = super::x87::f80_to_f64(&[v & u128::from(u64::MAX), v >> 64]);
        let phys = u32::try_from((top + i) & 7).unwrap_or(0);
        wr(st, m.fpreg + 8 * phys, 8, lo64(bits));
    }
}

fn init_x87(m: &Mode, st: &mut [u8]) {
    set_cw_sw(m, st, 0x037f, 0);
    for phys in 0..8u32 {
        wr(st, m.fptag + phys, 1, 0);
        wr(st, m.fpreg + 8 * phys, 8, 0);
    }
}

fn load_mxcsr(m: &Mode, st: &mut [u8], img: &[u8]) {
    let mx = u64::from(u32::from_le_bytes([img[24], img[25], img[26], img[27]]));
    wr(
        st,
        m.sseround,
        usize::try_from(m.gpr_size).unwrap_or(4),
        (mx >> 13) & 3,
    );
}

fn load_xmm(m: &Mode, st: &mut [u8], img: Option<&[u8]>) {
    for n in 0..nxmm(m) {
        if let Some(off) = m.vec(n, 0) {
            let o = 160 + 16 * usize::try_from(n).unwrap_or(0);
            let (lo, hi) = match img {
                Some(img) => {
                    let mut a = [0u8; 8];
                    let mut b = [0u8; 8];
                    a.copy_from_slice(&img[o..o + 8]);
                    b.copy_from_slice(&img[o + 8..o + 16]);
                    (u64::from_le_bytes(a), u64::from_le_bytes(b))
                }
                None => (0, 0),
            };
            wr(st, off, 8, lo);
            wr(st, off + 8, 8, hi);
        }
    }
}

/// `fxsave`/`xsave`/`xsavec m`: args (address, requested-feature bitmap).
fn save(ctx: &mut DirtyCtx<'_>, args: &[u128], m: &Mode, kind: Kind) -> Result<u128, MemFault> {
    let addr = arg(args, 0);
    let rfbm = if kind == Kind::Fx {
        3
    } else {
        arg(args, 1) & 3
    };
    let img = fx_image(m, ctx.state);
    if kind == Kind::Fx {
        ctx.mem.write(addr, &img)?;
        return Ok(0);
    }
    let mut cur = [0u8; 576];
    ctx.mem.read(addr, &mut cur)?;
    if rfbm & 1 != 0 {
        cur[0..24].copy_from_slice(&img[0..24]);
        cur[32..160].copy_from_slice(&img[32..160]);
    }
    if rfbm & 2 != 0 {
        cur[24..32].copy_from_slice(&img[24..32]);
        cur[160..416].copy_from_slice(&img[160..416]);
    }
    let old_bv = u64::from_le_bytes(cur[512..520].try_into().unwrap_or([0; 8]));
    let (bv, comp) = match kind {
        Kind::Xc => (rfbm, (1u64 << 63) | rfbm),
        _ => ((old_bv & !3) | rfbm, 0),
    };
    cur[512..520].copy_from_slice(&bv.to_le_bytes());
    if kind == Kind::Xc {
        cur[520..528].copy_from_slice(&comp.to_le_bytes());
    }
    ctx.mem.write(addr, &cur)?;
    Ok(0)
}

/// `fxrstor`/`xrstor m`: args (address, requested-feature bitmap).
fn restore(ctx: &mut DirtyCtx<'_>, args: &[u128], m: &Mode, xsave: bool) -> Result<u128, MemFault> {
    let addr = arg(args, 0);
    let mut img = [0u8; 576];
    let n = if xsave { 576 } else { 512 };
    ctx.mem.read(addr, &mut img[..n])?;
    if !xsave {
        load_x87(m, ctx.state, &img);
        load_mxcsr(m, ctx.state, &img);
        load_xmm(m, ctx.state, Some(&img));
        return Ok(0);
    }
    let rfbm = arg(args, 1) & 3;
    let bv = u64::from_le_bytes(img[512..520].try_into().unwrap_or([0; 8]));
    if rfbm & 1 != 0 {
        if bv & 1 != 0 {
            load_x87(m, ctx.state, &img);
        } else {
            init_x87(m, ctx.state);
        }
    }
    if rfbm & 2 != 0 {
        load_mxcsr(m, ctx.state, &img);
        load_xmm(m, ctx.state, if bv & 2 != 0 { Some(&img) } else { None });
    }
    Ok(0)
}

/// `fnstenv m`: the 28-byte protected-mode environment.
fn fnstenv(ctx: &mut DirtyCtx<'_>, args: &[u128], m: &Mode) -> Result<u128, MemFault> {
    let addr = arg(args, 0);
    let st = &*ctx.state;
    let mut tw = 0u64;
    for phys in 0..8u32 {
        let tag = if rd(st, m.fptag + phys, 1) == 0 {
            3
        } else {
            full_tag(rd(st, m.fpreg + 8 * phys, 8))
        };
        tw |= tag << (2 * phys);
    }
    let mut env = [0u8; 28];
    env[0..2].copy_from_slice(&lo16(fcw(m, st)).to_le_bytes());
    env[4..6].copy_from_slice(&lo16(fsw(m, st)).to_le_bytes());
    env[8..10].copy_from_slice(&lo16(tw).to_le_bytes());
    env[2] = 0xff;
    env[3] = 0xff;
    env[6] = 0xff;
    env[7] = 0xff;
    env[10] = 0xff;
    env[11] = 0xff;
    ctx.mem.write(addr, &env)?;
    Ok(0)
}

/// `fldenv m`.
fn fldenv(ctx: &mut DirtyCtx<'_>, args: &[u128], m: &Mode) -> Result<u128, MemFault> {
    let addr = arg(args, 0);
    let mut env = [0u8; 28];
    ctx.mem.read(addr, &mut env)?;
    let cw = u64::from(u16::from_le_bytes([env[0], env[1]]));
    let sw = u64::from(u16::from_le_bytes([env[4], env[5]]));
    let tw = u64::from(u16::from_le_bytes([env[8], env[9]]));
    set_cw_sw(m, ctx.state, cw, sw);
    for phys in 0..8u32 {
        let empty = (tw >> (2 * phys)) & 3 == 3;
        wr(ctx.state, m.fptag + phys, 1, u64::from(!empty));
    }
    Ok(0)
}

/// Lifts the save/restore instructions as dirty calls.
pub(crate) fn lift(lf: &mut Lifter, mn: M) -> R<Flow> {
    let (base, align, size, writes) = match mn {
        M::Fxsave | M::Fxsave64 => ("FXSAVE", 16, 512, true),
        M::Fxrstor | M::Fxrstor64 => ("FXRSTOR", 16, 512, false),
        M::Xsave | M::Xsave64 => ("XSAVE", 64, 576, true),
        M::Xsavec | M::Xsavec64 => ("XSAVEC", 64, 576, true),
        M::Xrstor | M::Xrstor64 => ("XRSTOR", 64, 576, false),
        M::Fnstenv => ("FNSTENV", 1, 28, true),
        M::Fldenv => ("FLDENV", 1, 28, false),
        _ => return Err(Unsupported),
    };
    let addr = lf.ea();
    if align > 1 {
        lf.check_align(addr, align);
    }
    let name: &'static str = match (base, lf.m.bits) {
        ("FXSAVE", 32) => "x86g_dirtyhelper_FXSAVE_32",
        ("FXSAVE", _) => "x86g_dirtyhelper_FXSAVE_64",
        ("FXRSTOR", 32) => "x86g_dirtyhelper_FXRSTOR_32",
        ("FXRSTOR", _) => "x86g_dirtyhelper_FXRSTOR_64",
        ("XSAVE", 32) => "x86g_dirtyhelper_XSAVE_32",
        ("XSAVE", _) => "x86g_dirtyhelper_XSAVE_64",
        ("XSAVEC", 32) => "x86g_dirtyhelper_XSAVEC_32",
        ("XSAVEC", _) => "x86g_dirtyhelper_XSAVEC_64",
        ("XRSTOR", 32) => "x86g_dirtyhelper_XRSTOR_32",
        ("XRSTOR", _) => "x86g_dirtyhelper_XRSTOR_64",
        ("FNSTENV", 32) => "x86g_dirtyhelper_FNSTENV_32",
        ("FNSTENV", _) => "x86g_dirtyhelper_FNSTENV_64",
        ("FLDENV", 32) => "x86g_dirtyhelper_FLDENV_32",
        _ => "x86g_dirtyhelper_FLDENV_64",
    };
    // The requested-feature bitmap edx:eax for the XSAVE family.
    let eax = lf.get_gpr(RAX, Type::I32);
    let edx = lf.get_gpr(super::int::RDX, Type::I32);
    let rfbm = lf.bin(vexil_ir::Op::I32HLto64, edx, eax);
    let addr64 = lf.zx(addr, Type::I64);
    let m = lf.m;
    let fx = if writes { Effect::Read } else { Effect::Write };
    let st = |o: u32, s: u32| StateEffect {
        fx,
        offset: Offset(o),
        size: s,
    };
    let mut state = vec![
        st(m.fpreg, 64),
        st(m.fptag, 8),
        st(m.ftop, 4),
        st(m.fpround, m.gpr_size),
        st(m.fc3210, m.gpr_size),
        st(m.sseround, m.gpr_size),
    ];
    for n in 0..nxmm(m) {
        if let Some(o) = m.vec(n, 0) {
            state.push(st(o, 16));
        }
    }
    let mem_fx =
        if writes && (mn == M::Xsave || mn == M::Xsave64 || mn == M::Xsavec || mn == M::Xsavec64) {
            Effect::Modify
        } else if writes {
            Effect::Write
        } else {
            Effect::Read
        };
    lf.flush_flags();
    lf.b.push(Stmt::Dirty(Box::new(Dirty {
        callee: Callee::new(name),
        guard: Atom::bool(true),
        args: vec![addr64, rfbm],
        tmp: None,
        mem: Some(MemEffect {
            fx: mem_fx,
            addr,
            size,
        }),
        state,
    })));
    Ok(Flow::Next)
}

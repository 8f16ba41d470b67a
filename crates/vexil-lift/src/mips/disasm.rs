//! Disassembly text in GNU objdump's style (ABI register names, absolute
//! branch targets, hexadecimal logical immediates), without its aliases:
//! `addu v0,a0,zero` stays `addu` where objdump prints `move`. The decoder
//! test against objdump maps its aliases back (tests/mips_objdump.rs).

use super::bits::i2u;
use super::decode::{Form, Insn, Opc};
use super::regs::GPR_NAMES;
use std::fmt::Write;

fn g(r: u8) -> &'static str {
    GPR_NAMES[usize::from(r & 31)]
}

/// Formats one instruction at `addr`.
pub fn text(i: Insn, addr: u64, is64: bool) -> String {
    let mut s = i.mnemonic();
    let rel = |i: Insn| {
        let t = addr.wrapping_add(4).wrapping_add(i2u(i.simm() << 2));
        if is64 { t } else { t & 0xffff_ffff }
    };
    let mut ops = String::new();
    let o = &mut ops;
    let (rs, rt, rd, sa) = (i.rs(), i.rt(), i.rd(), i.sa());
    let _ = match i.op.form() {
        Form::None => Ok(()),
        Form::RdRsRt => write!(o, "{},{},{}", g(rd), g(rs), g(rt)),
        Form::RdRtRs => write!(o, "{},{},{}", g(rd), g(rt), g(rs)),
        Form::RdRtSa => write!(o, "{},{},0x{:x}", g(rd), g(rt), sa),
        Form::RtRsSimm => write!(o, "{},{},{}", g(rt), g(rs), i.simm()),
        Form::RtRsUimm => write!(o, "{},{},0x{:x}", g(rt), g(rs), i.uimm()),
        Form::RtImm => write!(o, "{},0x{:x}", g(rt), i.uimm()),
        Form::RsRtOff => write!(o, "{},{},{:x}", g(rs), g(rt), rel(i)),
        Form::RsOff => write!(o, "{},{:x}", g(rs), rel(i)),
        Form::Target => {
            let t = (addr.wrapping_add(4) & !0x0fff_ffff) | (u64::from(i.index()) << 2);
            write!(o, "{t:x}")
        }
        Form::Rs => write!(o, "{}", g(rs)),
        Form::Rd => write!(o, "{}", g(rd)),
        Form::RdRs => {
            if i.op == Opc::Jalr && rd == 31 {
                write!(o, "{}", g(rs))
            } else {
                write!(o, "{},{}", g(rd), g(rs))
            }
        }
        Form::RsRt => write!(o, "{},{}", g(rs), g(rt)),
        Form::RsRtCode => {
            if i.trap_code() == 0 {
                write!(o, "{},{}", g(rs), g(rt))
            } else {
                write!(o, "{},{},0x{:x}", g(rs), g(rt), i.trap_code())
            }
        }
        Form::RsSimm => write!(o, "{},{}", g(rs), i.simm()),
        Form::RtMem => write!(o, "{},{}({})", g(rt), i.simm(), g(rs)),
        Form::FtMem => write!(o, "$f{},{}({})", i.ft(), i.simm(), g(rs)),
        Form::HintMem => {
            if i.op == Opc::Synci {
                write!(o, "{}({})", i.simm(), g(rs))
            } else {
                write!(o, "0x{:x},{}({})", rt, i.simm(), g(rs))
            }
        }
        Form::Code => {
            let c = i.code20();
            match (c >> 10, c & 0x3ff) {
                (0, 0) => Ok(()),
                (hi, 0) => write!(o, "0x{hi:x}"),
                (hi, lo) => write!(o, "0x{hi:x},0x{lo:x}"),
            }
        }
        Form::RdRt => write!(o, "{},{}", g(rd), g(rt)),
        Form::RtRdHw => write!(o, "{},${}", g(rt), rd),
        Form::BitField => {
            let (pos, size) = match i.op {
                Opc::Ext | Opc::Dext => (u32::from(sa), u32::from(rd) + 1),
                Opc::Dextm => (u32::from(sa), u32::from(rd) + 33),
                Opc::Dextu => (u32::from(sa) + 32, u32::from(rd) + 1),
                Opc::Ins | Opc::Dins => (
                    u32::from(sa),
                    (u32::from(rd) + 1).wrapping_sub(u32::from(sa)),
                ),
                Opc::Dinsm => (
                    u32::from(sa),
                    (u32::from(rd) + 33).wrapping_sub(u32::from(sa)),
                ),
                _ => (
                    u32::from(sa) + 32,
                    (u32::from(rd) + 1).wrapping_sub(u32::from(sa)),
                ),
            };
            write!(o, "{},{},0x{:x},0x{:x}", g(rt), g(rs), pos, size)
        }
        Form::RdRsCc => write!(o, "{},{},$fcc{}", g(rd), g(rs), i.cc_hi()),
        Form::RtFs => write!(o, "{},$f{}", g(rt), i.fs()),
        Form::CcOff => {
            if i.cc_hi() == 0 {
                write!(o, "{:x}", rel(i))
            } else {
                write!(o, "$fcc{},{:x}", i.cc_hi(), rel(i))
            }
        }
        Form::FdFsFt => write!(o, "$f{},$f{},$f{}", i.fd(), i.fs(), i.ft()),
        Form::FdFs => write!(o, "$f{},$f{}", i.fd(), i.fs()),
        Form::FdFsCc => write!(o, "$f{},$f{},$fcc{}", i.fd(), i.fs(), i.cc_hi()),
        Form::FdFsRt => write!(o, "$f{},$f{},{}", i.fd(), i.fs(), g(rt)),
        Form::CcFsFt => {
            if i.cc_lo() == 0 {
                write!(o, "$f{},$f{}", i.fs(), i.ft())
            } else {
                write!(o, "$fcc{},$f{},$f{}", i.cc_lo(), i.fs(), i.ft())
            }
        }
        Form::FdFrFsFt => write!(o, "$f{},$f{},$f{},$f{}", i.fd(), i.fr(), i.fs(), i.ft()),
        Form::FIdx => {
            let f = if matches!(i.op, Opc::Lwxc1 | Opc::Ldxc1) {
                i.fd()
            } else {
                i.fs()
            };
            write!(o, "$f{},{}({})", f, g(rt), g(rs))
        }
    };
    if !ops.is_empty() {
        s.push('\t');
        s.push_str(&ops);
    }
    s
}

//! Guest-state layouts for MIPS32 (o32) and MIPS64 (n64), at VEX's offsets.
//!
//! The offsets are VEX's `VexGuestMIPS32State` / `VexGuestMIPS64State` (as
//! archinfo publishes them), so `GET:I32(offset=16)` is `v0` in vexil and in
//! pyvex alike. The guest state is stored little-endian (host order, as VEX
//! does on x86 hosts) whatever the guest's byte order.
//!
//! Floating-point registers are 8-byte slots. A single (or a `mtc1` word)
//! lives in the low 4 bytes of its slot; writing it leaves the high 4 bytes
//! as they were (as QEMU does). MIPS32 runs with `Status.FR = 0`, the mode
//! Debian's FPXX o32 code runs in on a 24Kf-class CPU and the one QEMU and
//! Unicorn use: a double occupies the even/odd pair, low word in the even
//! register's slot, high word in the odd one's. MIPS64 (n64) runs with
//! `FR = 1`: each slot holds a whole double.

use super::bits::idx32;
use crate::guest::Reg;

/// Offsets the lifter uses, per architecture.
#[derive(Debug)]
pub struct Offsets {
    /// `r0`.
    pub gpr0: u32,
    /// Bytes per GPR (4 or 8).
    pub gpr_size: u32,
    /// Program counter.
    pub pc: u32,
    /// HI.
    pub hi: u32,
    /// LO.
    pub lo: u32,
    /// `f0` (8-byte slots follow).
    pub f0: u32,
    /// FIR (read by `cfc1 rt, $0`).
    pub fir: u32,
    /// FCSR (rounding mode and the FCC bits).
    pub fcsr: u32,
    /// UserLocal, the TLS pointer `rdhwr $29` reads.
    pub ulr: u32,
    /// Size of the whole state.
    pub size: u32,
}

impl Offsets {
    /// Offset of GPR `r`.
    pub const fn gpr(&self, r: u8) -> u32 {
        self.gpr0 + self.gpr_size * r as u32
    }
    /// Offset of FPR `f`'s slot.
    pub const fn fpr(&self, f: u8) -> u32 {
        self.f0 + 8 * f as u32
    }
}

/// MIPS32 offsets (VEX `VexGuestMIPS32State`).
pub static OFFS32: Offsets = Offsets {
    gpr0: 8,
    gpr_size: 4,
    pc: 136,
    hi: 140,
    lo: 144,
    f0: 152,
    fir: 408,
    fcsr: 424,
    ulr: 428,
    size: 496,
};

/// MIPS64 offsets (VEX `VexGuestMIPS64State`).
pub static OFFS64: Offsets = Offsets {
    gpr0: 16,
    gpr_size: 8,
    pc: 272,
    hi: 280,
    lo: 288,
    f0: 296,
    fir: 552,
    fcsr: 568,
    ulr: 576,
    size: 624,
};

/// ABI names of the GPRs (o32 and n64 share the numbering; n64's `a4`..`a7`
/// are `t0`..`t3` here, as VEX and objdump's o32 names have it).
pub const GPR_NAMES: [&str; 32] = [
    "zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3", "t4", "t5", "t6",
    "t7", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "t8", "t9", "k0", "k1", "gp", "sp", "s8",
    "ra",
];

/// FPR names.
pub const FPR_NAMES: [&str; 32] = [
    "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13", "f14",
    "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24", "f25", "f26", "f27",
    "f28", "f29", "f30", "f31",
];

const N_OTHER: usize = 14;
const N_REGS: usize = 32 + 32 + N_OTHER;

const fn build(o: &Offsets, other: [(&'static str, u32, u32); N_OTHER]) -> [Reg; N_REGS] {
    let mut out = [Reg {
        name: "",
        offset: 0,
        size: 0,
    }; N_REGS];
    let mut i = 0;
    while i < 32 {
        out[i] = Reg {
            name: GPR_NAMES[i],
            offset: o.gpr0 + o.gpr_size * idx32(i),
            size: o.gpr_size,
        };
        out[32 + i] = Reg {
            name: FPR_NAMES[i],
            offset: o.f0 + 8 * idx32(i),
            size: 8,
        };
        i += 1;
    }
    let mut j = 0;
    while j < N_OTHER {
        out[64 + j] = Reg {
            name: other[j].0,
            offset: other[j].1,
            size: other[j].2,
        };
        j += 1;
    }
    out
}

/// Every named MIPS32 register.
pub static REGS32: [Reg; N_REGS] = build(
    &OFFS32,
    [
        ("pc", 136, 4),
        ("hi", 140, 4),
        ("lo", 144, 4),
        ("fir", 408, 4),
        ("fccr", 412, 4),
        ("fexr", 416, 4),
        ("fenr", 420, 4),
        ("fcsr", 424, 4),
        ("ulr", 428, 4),
        ("emnote", 432, 4),
        ("cmstart", 436, 4),
        ("cmlen", 440, 4),
        ("nraddr", 444, 4),
        ("ip_at_syscall", 492, 4),
    ],
);

/// Every named MIPS64 register.
pub static REGS64: [Reg; N_REGS] = build(
    &OFFS64,
    [
        ("pc", 272, 8),
        ("hi", 280, 8),
        ("lo", 288, 8),
        ("fir", 552, 4),
        ("fccr", 556, 4),
        ("fexr", 560, 4),
        ("fenr", 564, 4),
        ("fcsr", 568, 4),
        ("ulr", 576, 8),
        ("emnote", 584, 4),
        ("cmstart", 592, 8),
        ("cmlen", 600, 8),
        ("nraddr", 608, 8),
        ("ip_at_syscall", 616, 8),
    ],
);

/// The ABI plumbing registers (see [`crate::GuestLayout::abi_plumbing`]):
/// `t9` (GPR 25) and `gp` (GPR 28).
const fn plumbing(o: &Offsets) -> [Reg; 2] {
    [
        Reg {
            name: "t9",
            offset: o.gpr0 + o.gpr_size * 25,
            size: o.gpr_size,
        },
        Reg {
            name: "gp",
            offset: o.gpr0 + o.gpr_size * 28,
            size: o.gpr_size,
        },
    ]
}

/// MIPS32 ABI plumbing registers.
pub static PLUMB32: [Reg; 2] = plumbing(&OFFS32);
/// MIPS64 ABI plumbing registers.
pub static PLUMB64: [Reg; 2] = plumbing(&OFFS64);

/// Lifting artifacts rather than program state (MIPS32).
pub static BOOK32: [Reg; 6] = [
    Reg {
        name: "pc",
        offset: 136,
        size: 4,
    },
    Reg {
        name: "emnote",
        offset: 432,
        size: 4,
    },
    Reg {
        name: "cmstart",
        offset: 436,
        size: 4,
    },
    Reg {
        name: "cmlen",
        offset: 440,
        size: 4,
    },
    Reg {
        name: "nraddr",
        offset: 444,
        size: 4,
    },
    Reg {
        name: "ip_at_syscall",
        offset: 492,
        size: 4,
    },
];

/// Lifting artifacts rather than program state (MIPS64).
pub static BOOK64: [Reg; 6] = [
    Reg {
        name: "pc",
        offset: 272,
        size: 8,
    },
    Reg {
        name: "emnote",
        offset: 584,
        size: 4,
    },
    Reg {
        name: "cmstart",
        offset: 592,
        size: 8,
    },
    Reg {
        name: "cmlen",
        offset: 600,
        size: 8,
    },
    Reg {
        name: "nraddr",
        offset: 608,
        size: 8,
    },
    Reg {
        name: "ip_at_syscall",
        offset: 616,
        size: 8,
    },
];

/// Resolves the aliases users type (`fp`, `s8`, `r5`, `$5`, `$a0`) to a
/// canonical register name.
pub fn canonical(name: &str) -> Option<&'static str> {
    let n = name.strip_prefix('$').unwrap_or(name);
    if n == "fp" {
        return Some("s8");
    }
    if let Some(num) = n
        .strip_prefix('r')
        .or(Some(n))
        .and_then(|s| s.parse::<usize>().ok())
    {
        return GPR_NAMES.get(num).copied();
    }
    GPR_NAMES
        .iter()
        .chain(FPR_NAMES.iter())
        .copied()
        .find(|g| *g == n)
        .or(match n {
            "pc" => Some("pc"),
            "hi" => Some("hi"),
            "lo" => Some("lo"),
            "fir" => Some("fir"),
            "fccr" => Some("fccr"),
            "fexr" => Some("fexr"),
            "fenr" => Some("fenr"),
            "fcsr" => Some("fcsr"),
            "ulr" => Some("ulr"),
            "emnote" => Some("emnote"),
            "cmstart" => Some("cmstart"),
            "cmlen" => Some("cmlen"),
            "nraddr" => Some("nraddr"),
            "ip_at_syscall" => Some("ip_at_syscall"),
            _ => None,
        })
}

//! Guest-state layouts of x86 (32-bit) and x86-64.
//!
//! The offsets up to the end of VEX's own state are VEX's (as archinfo
//! publishes them for pyvex 9.2), so `GET:I64(offset=16)` is `rax` in both
//! tools. What VEX does not model is appended after its state: AVX-512's
//! `zmm` upper halves, `zmm16`-`zmm31` and the `k` mask registers on x86-64;
//! the `ymm` upper halves and explicit `fs`/`gs` segment bases on x86 (VEX's
//! x86 guest finds segment bases through descriptor tables instead).
//!
//! Everything here is data: one [`Mode`] value per bitness, read by the
//! lifter, the helpers and `read_reg`/`write_reg`.

use crate::guest::{GuestLayout, Reg};
use vexil_ir::{Arch, Type};

/// Offsets and sizes of one bitness's guest state.
#[derive(Debug)]
pub(crate) struct Mode {
    /// 32 or 64.
    pub bits: u32,
    /// The architecture.
    pub arch: Arch,
    /// Type of a general-purpose register and of an address.
    pub word: Type,
    /// Bytes in a general-purpose register slot.
    pub gpr_size: u32,
    /// Segment selectors (I16) in encoding order: es, cs, ss, ds, fs, gs.
    /// Only the selector values: bases of fs/gs are `fs_base`/`gs_base`.
    pub seg: [u32; 6],
    /// Offset of `rax`/`eax`; register `n` is at `gpr + n * gpr_size`.
    pub gpr: u32,
    /// Number of general-purpose registers.
    pub ngpr: u32,
    /// Lazy-flags thunk: operation.
    pub cc_op: u32,
    /// Lazy-flags thunk: first operand.
    pub cc_dep1: u32,
    /// Lazy-flags thunk: second operand.
    pub cc_dep2: u32,
    /// Lazy-flags thunk: extra operand (old carry, old flags).
    pub cc_ndep: u32,
    /// Direction flag as +1 / -1 in a word.
    pub dflag: u32,
    /// ID flag (bit 21 of eflags) as 0/1 in a word.
    pub idflag: u32,
    /// AC flag (bit 18 of eflags) as 0/1 in a word.
    pub acflag: u32,
    /// Instruction pointer.
    pub ip: u32,
    /// `fs` segment base (TLS on x86-64).
    pub fs_base: u32,
    /// `gs` segment base (TLS on x86).
    pub gs_base: u32,
    /// SSE rounding mode (MXCSR.RC, 0..3 in IR encoding).
    pub sseround: u32,
    /// x87 stack top (0..7), I32.
    pub ftop: u32,
    /// x87 registers as 8 x F64.
    pub fpreg: u32,
    /// x87 tags as 8 x I8 (0 empty, 1 full).
    pub fptag: u32,
    /// x87 rounding mode (control word RC, IR encoding).
    pub fpround: u32,
    /// x87 condition codes C3..C0 at their status-word bit positions.
    pub fc3210: u32,
    /// Address of the instruction that made the last system call.
    pub ip_at_syscall: u32,
    /// Number of vector registers (8 or 32).
    pub nvec: u32,
    /// Offset of the low 128 bits of `xmm0`; see [`Mode::vec`].
    pub vec_lo: &'static [u32],
    /// Offset of bits 128..256 of each vector register.
    pub vec_hi: &'static [u32],
    /// Offset of bits 256..512 of each vector register (two V128 slots),
    /// if the mode has AVX-512 state.
    pub vec_zhi: &'static [u32],
    /// Offsets of `k0`..`k7` (I64 each), if present.
    pub kreg: &'static [u32],
    /// Total guest-state size in bytes.
    pub size: u32,
    /// The layout published through the `Guest` trait.
    pub layout: &'static GuestLayout,
    /// Helper-name prefix (`amd64g_` or `x86g_`).
    pub cond_helper: &'static str,
    /// Name of the all-flags helper.
    pub rflags_helper: &'static str,
    /// Name of the carry helper.
    pub carry_helper: &'static str,
}

impl Mode {
    /// Offset of general-purpose register `n` (encoding order).
    pub fn gpr_off(&self, n: u32) -> u32 {
        self.gpr + n * self.gpr_size
    }
    /// Offset of the 128-bit slice `part` (0..4) of vector register `n`.
    pub fn vec(&self, n: u32, part: u32) -> Option<u32> {
        let n = usize::try_from(n).ok()?;
        match part {
            0 => self.vec_lo.get(n).copied(),
            1 => self.vec_hi.get(n).copied(),
            2 => self.vec_zhi.get(n).copied(),
            3 => self.vec_zhi.get(n).map(|o| o + 16),
            _ => None,
        }
    }
    /// Number of 128-bit slices a vector register has in this mode (2 or 4).
    pub fn vec_parts(&self) -> u32 {
        if self.vec_zhi.is_empty() { 2 } else { 4 }
    }
}

const fn r(name: &'static str, offset: u32, size: u32) -> Reg {
    Reg { name, offset, size }
}

// ---------------------------------------------------------------- x86-64

/// Where VEX's AMD64 state ends (angr's segment selectors included) and
/// vexil's additions start.
const A64_EXT: u32 = 1088;
const A64_ZHI: u32 = A64_EXT; // zmm0-15 bits 256..512: 16 x 32 bytes
const A64_Z16: u32 = A64_ZHI + 16 * 32; // zmm16-31: 16 x 64 bytes
const A64_K: u32 = A64_Z16 + 16 * 64; // k0-7: 8 x 8 bytes
const A64_SIZE: u32 = A64_K + 8 * 8;

#[allow(clippy::cast_possible_truncation)] // i < 32
const fn a64_vec_lo() -> [u32; 32] {
    let mut o = [0u32; 32];
    let mut i = 0;
    while i < 32 {
        o[i] = if i < 16 {
            224 + 32 * i as u32
        } else {
            A64_Z16 + 64 * (i as u32 - 16)
        };
        i += 1;
    }
    o
}
const fn a64_vec_hi() -> [u32; 32] {
    let lo = a64_vec_lo();
    let mut o = [0u32; 32];
    let mut i = 0;
    while i < 32 {
        o[i] = lo[i] + 16;
        i += 1;
    }
    o
}
#[allow(clippy::cast_possible_truncation)] // i < 32
const fn a64_vec_zhi() -> [u32; 32] {
    let mut o = [0u32; 32];
    let mut i = 0;
    while i < 32 {
        o[i] = if i < 16 {
            A64_ZHI + 32 * i as u32
        } else {
            A64_Z16 + 64 * (i as u32 - 16) + 32
        };
        i += 1;
    }
    o
}
#[allow(clippy::cast_possible_truncation)] // i < 32
const fn a64_k() -> [u32; 8] {
    let mut o = [0u32; 8];
    let mut i = 0;
    while i < 8 {
        o[i] = A64_K + 8 * i as u32;
        i += 1;
    }
    o
}
static A64_VEC_LO: [u32; 32] = a64_vec_lo();
static A64_VEC_HI: [u32; 32] = a64_vec_hi();
static A64_VEC_ZHI: [u32; 32] = a64_vec_zhi();
static A64_KREG: [u32; 8] = a64_k();

macro_rules! vec_regs {
    ($pre:literal, $suf:literal, $offs:expr, $add:expr, $size:expr, $($n:literal),*) => {
        [$( r(concat!($pre, stringify!($n), $suf), $offs[$n] + $add, $size) ),*]
    };
}

// Every slice is at most 16 bytes so `read_reg` can return it in a u128:
// `xmmN` (bits 0..128), `ymmhN` (128..256), `zmmNq2` and `zmmNq3` (256..512).
static A64_XMM: [Reg; 32] = vec_regs!(
    "xmm", "", A64_VEC_LO, 0, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
    19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
);
static A64_YMMH: [Reg; 32] = vec_regs!(
    "ymmh", "", A64_VEC_HI, 0, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
    18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
);
static A64_ZQ2: [Reg; 32] = vec_regs!(
    "zmm",
    "q2",
    A64_VEC_ZHI,
    0,
    16,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
    26,
    27,
    28,
    29,
    30,
    31
);
static A64_ZQ3: [Reg; 32] = vec_regs!(
    "zmm",
    "q3",
    A64_VEC_ZHI,
    16,
    16,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
    26,
    27,
    28,
    29,
    30,
    31
);

const fn concat_regs<const N: usize>(parts: &[&[Reg]]) -> [Reg; N] {
    let mut out = [r("", 0, 0); N];
    let mut k = 0;
    let mut p = 0;
    while p < parts.len() {
        let mut i = 0;
        while i < parts[p].len() {
            out[k] = parts[p][i];
            k += 1;
            i += 1;
        }
        p += 1;
    }
    out
}

const A64_SEGS: [Reg; 6] = [
    r("cs", 1048, 2),
    r("ds", 1050, 2),
    r("es", 1052, 2),
    r("fs", 1054, 2),
    r("gs", 1056, 2),
    r("ss", 1058, 2),
];

const A64_BASE_REGS: [Reg; 36] = [
    r("rax", 16, 8),
    r("rcx", 24, 8),
    r("rdx", 32, 8),
    r("rbx", 40, 8),
    r("rsp", 48, 8),
    r("rbp", 56, 8),
    r("rsi", 64, 8),
    r("rdi", 72, 8),
    r("r8", 80, 8),
    r("r9", 88, 8),
    r("r10", 96, 8),
    r("r11", 104, 8),
    r("r12", 112, 8),
    r("r13", 120, 8),
    r("r14", 128, 8),
    r("r15", 136, 8),
    r("cc_op", 144, 8),
    r("cc_dep1", 152, 8),
    r("cc_dep2", 160, 8),
    r("cc_ndep", 168, 8),
    r("d", 176, 8),
    r("rip", 184, 8),
    r("ac", 192, 8),
    r("id", 200, 8),
    r("fs_base", 208, 8),
    r("sseround", 216, 8),
    r("ftop", 896, 4),
    r("fpreg", 904, 64),
    r("fptag", 968, 8),
    r("fpround", 976, 8),
    r("fc3210", 984, 8),
    r("emnote", 992, 4),
    r("gs_base", 1032, 8),
    r("ip_at_syscall", 1040, 8),
    r("k0", A64_K, 8),
    r("k1", A64_K + 8, 8),
];
const A64_K27: [Reg; 6] = [
    r("k2", A64_K + 16, 8),
    r("k3", A64_K + 24, 8),
    r("k4", A64_K + 32, 8),
    r("k5", A64_K + 40, 8),
    r("k6", A64_K + 48, 8),
    r("k7", A64_K + 56, 8),
];

static A64_REGS: [Reg; 36 + 6 + 6 + 128] = concat_regs(&[
    &A64_BASE_REGS,
    &A64_K27,
    &A64_SEGS,
    &A64_XMM,
    &A64_YMMH,
    &A64_ZQ2,
    &A64_ZQ3,
]);

static A64_BOOKKEEPING: [Reg; 6] = [
    r("cc_op", 144, 8),
    r("cc_dep1", 152, 8),
    r("cc_dep2", 160, 8),
    r("cc_ndep", 168, 8),
    r("rip", 184, 8),
    r("emnote", 992, 4),
];

static A64_LAYOUT: GuestLayout = GuestLayout {
    arch: Arch::X86_64,
    size: A64_SIZE,
    pc: r("rip", 184, 8),
    sp: r("rsp", 48, 8),
    regs: &A64_REGS,
    bookkeeping: &A64_BOOKKEEPING,
    abi_plumbing: &[],
};

/// The x86-64 mode.
pub(crate) static MODE64: Mode = Mode {
    bits: 64,
    // angr's selector slots after VEX's state.
    seg: [1052, 1048, 1058, 1050, 1054, 1056],
    arch: Arch::X86_64,
    word: Type::I64,
    gpr_size: 8,
    gpr: 16,
    ngpr: 16,
    cc_op: 144,
    cc_dep1: 152,
    cc_dep2: 160,
    cc_ndep: 168,
    dflag: 176,
    idflag: 200,
    acflag: 192,
    ip: 184,
    fs_base: 208,
    gs_base: 1032,
    sseround: 216,
    ftop: 896,
    fpreg: 904,
    fptag: 968,
    fpround: 976,
    fc3210: 984,
    ip_at_syscall: 1040,
    nvec: 32,
    vec_lo: &A64_VEC_LO,
    vec_hi: &A64_VEC_HI,
    vec_zhi: &A64_VEC_ZHI,
    kreg: &A64_KREG,
    size: A64_SIZE,
    layout: &A64_LAYOUT,
    cond_helper: "amd64g_calculate_condition",
    rflags_helper: "amd64g_calculate_rflags_all",
    carry_helper: "amd64g_calculate_rflags_c",
};

// ---------------------------------------------------------------- x86

/// Where VEX's X86 state ends and vexil's additions start.
const X86_EXT: u32 = 352;
const X86_FS_BASE: u32 = X86_EXT;
const X86_GS_BASE: u32 = X86_EXT + 4;
const X86_YMMH: u32 = X86_EXT + 16; // ymm0-7 bits 128..256: 8 x 16 bytes
const X86_SIZE: u32 = X86_YMMH + 8 * 16;

static X86_VEC_LO: [u32; 8] = [160, 176, 192, 208, 224, 240, 256, 272];
static X86_VEC_HI: [u32; 8] = [
    X86_YMMH,
    X86_YMMH + 16,
    X86_YMMH + 32,
    X86_YMMH + 48,
    X86_YMMH + 64,
    X86_YMMH + 80,
    X86_YMMH + 96,
    X86_YMMH + 112,
];

static X86_REGS: [Reg; 50] = [
    r("eax", 8, 4),
    r("ecx", 12, 4),
    r("edx", 16, 4),
    r("ebx", 20, 4),
    r("esp", 24, 4),
    r("ebp", 28, 4),
    r("esi", 32, 4),
    r("edi", 36, 4),
    r("cc_op", 40, 4),
    r("cc_dep1", 44, 4),
    r("cc_dep2", 48, 4),
    r("cc_ndep", 52, 4),
    r("d", 56, 4),
    r("id", 60, 4),
    r("ac", 64, 4),
    r("eip", 68, 4),
    r("fpreg", 72, 64),
    r("fptag", 136, 8),
    r("fpround", 144, 4),
    r("fc3210", 148, 4),
    r("ftop", 152, 4),
    r("sseround", 156, 4),
    r("xmm0", 160, 16),
    r("xmm1", 176, 16),
    r("xmm2", 192, 16),
    r("xmm3", 208, 16),
    r("xmm4", 224, 16),
    r("xmm5", 240, 16),
    r("xmm6", 256, 16),
    r("xmm7", 272, 16),
    r("cs", 288, 2),
    r("ds", 290, 2),
    r("es", 292, 2),
    r("fs", 294, 2),
    r("gs", 296, 2),
    r("ss", 298, 2),
    r("ldt", 304, 8),
    r("gdt", 312, 8),
    r("emnote", 320, 4),
    r("ip_at_syscall", 340, 4),
    r("fs_base", X86_FS_BASE, 4),
    r("gs_base", X86_GS_BASE, 4),
    r("ymmh0", X86_YMMH, 16),
    r("ymmh1", X86_YMMH + 16, 16),
    r("ymmh2", X86_YMMH + 32, 16),
    r("ymmh3", X86_YMMH + 48, 16),
    r("ymmh4", X86_YMMH + 64, 16),
    r("ymmh5", X86_YMMH + 80, 16),
    r("ymmh6", X86_YMMH + 96, 16),
    r("ymmh7", X86_YMMH + 112, 16),
];

static X86_BOOKKEEPING: [Reg; 6] = [
    r("cc_op", 40, 4),
    r("cc_dep1", 44, 4),
    r("cc_dep2", 48, 4),
    r("cc_ndep", 52, 4),
    r("eip", 68, 4),
    r("emnote", 320, 4),
];

static X86_LAYOUT: GuestLayout = GuestLayout {
    arch: Arch::X86,
    size: X86_SIZE,
    pc: r("eip", 68, 4),
    sp: r("esp", 24, 4),
    regs: &X86_REGS,
    bookkeeping: &X86_BOOKKEEPING,
    abi_plumbing: &[],
};

/// The 32-bit x86 mode.
pub(crate) static MODE32: Mode = Mode {
    bits: 32,
    seg: [292, 288, 298, 290, 294, 296],
    arch: Arch::X86,
    word: Type::I32,
    gpr_size: 4,
    gpr: 8,
    ngpr: 8,
    cc_op: 40,
    cc_dep1: 44,
    cc_dep2: 48,
    cc_ndep: 52,
    dflag: 56,
    idflag: 60,
    acflag: 64,
    ip: 68,
    fs_base: X86_FS_BASE,
    gs_base: X86_GS_BASE,
    sseround: 156,
    ftop: 152,
    fpreg: 72,
    fptag: 136,
    fpround: 144,
    fc3210: 148,
    ip_at_syscall: 340,
    nvec: 8,
    vec_lo: &X86_VEC_LO,
    vec_hi: &X86_VEC_HI,
    vec_zhi: &[],
    kreg: &[],
    size: X86_SIZE,
    layout: &X86_LAYOUT,
    cond_helper: "x86g_calculate_condition",
    rflags_helper: "x86g_calculate_eflags_all",
    carry_helper: "x86g_calculate_eflags_c",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn check_disjoint(m: &Mode) {
        let mut spans: Vec<(u32, u32, &str)> = m
            .layout
            .regs
            .iter()
            .map(|r| (r.offset, r.offset + r.size, r.name))
            .collect();
        spans.sort();
        for w in spans.windows(2) {
            assert!(w[0].1 <= w[1].0, "{} overlaps {}", w[0].2, w[1].2);
        }
        assert!(spans.iter().all(|s| s.1 <= m.size), "register beyond state");
    }

    #[test]
    fn registers_do_not_overlap_and_fit() {
        check_disjoint(&MODE64);
        check_disjoint(&MODE32);
    }

    #[test]
    fn vex_offsets_of_well_known_registers() {
        // Spot checks against archinfo's published offsets.
        let l = MODE64.layout;
        assert_eq!(l.reg("rsp").map(|r| r.offset), Some(48));
        assert_eq!(l.reg("xmm1").map(|r| r.offset), Some(256));
        assert_eq!(l.reg("ymmh1").map(|r| r.offset), Some(272));
        assert_eq!(l.reg("ftop").map(|r| r.offset), Some(896));
        let l = MODE32.layout;
        assert_eq!(l.reg("eip").map(|r| r.offset), Some(68));
        assert_eq!(l.reg("xmm7").map(|r| r.offset), Some(272));
    }
}

//! Architecture detection from `e_machine`, the ELF class and `e_flags`.
//!
//! Machines vexil does not lift are still recognized by name, so that a
//! corpus run over Debian's ppc64el or s390x packages reports
//! "unsupported architecture: ppc64 (EM_PPC64, ...)" rather than a number.
//!
//! MIPS needs a decision: `EM_MIPS` with `ELFCLASS32` is either o32 (the
//! 32-bit ISA, what Debian's mips/mipsel ports use) or n32 (`EF_MIPS_ABI2`:
//! the 64-bit ISA with 64-bit registers and 32-bit pointers). Which lifter
//! can decode a file is a property of its instruction set, not of its pointer
//! width, so n32 maps to [`Arch::Mips64`] while the image keeps `bits() == 32`
//! and reports [`MipsAbi::N32`]; executing n32 (its own system-call numbers)
//! is left to whoever needs it. o64 and the embedded ABIs (EABI32/EABI64) are
//! not Linux ABIs and are refused.

use object::elf;
use vexil_ir::{Arch, Endian};

use crate::error::Error;

/// The MIPS calling convention / ABI of a MIPS image.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum MipsAbi {
    /// 32-bit ISA, 32-bit pointers (`ELFCLASS32`, no `EF_MIPS_ABI2`).
    O32,
    /// 64-bit ISA, 32-bit pointers (`ELFCLASS32` with `EF_MIPS_ABI2`).
    N32,
    /// 64-bit ISA, 64-bit pointers (`ELFCLASS64`).
    N64,
}

impl MipsAbi {
    /// `o32`, `n32` or `n64`.
    pub const fn name(self) -> &'static str {
        match self {
            MipsAbi::O32 => "o32",
            MipsAbi::N32 => "n32",
            MipsAbi::N64 => "n64",
        }
    }
}

/// What [`detect`] found.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Detected {
    pub arch: Arch,
    pub mips_abi: Option<MipsAbi>,
}

/// Short names of machines vexil recognizes but does not lift, by
/// `e_machine`; where the name depends on the class, the 64-bit name is
/// second. Anything not listed is named from object's `EM_*` table.
const OTHER_MACHINES: &[(u16, &str, &str)] = &[
    (elf::EM_NONE.0, "none", "none"),
    (elf::EM_SPARC.0, "sparc", "sparc"),
    (elf::EM_68K.0, "m68k", "m68k"),
    (elf::EM_MIPS_RS3_LE.0, "mips-rs3-le", "mips-rs3-le"),
    (elf::EM_PARISC.0, "hppa", "hppa64"),
    (elf::EM_SPARC32PLUS.0, "sparc32plus", "sparc32plus"),
    (elf::EM_PPC.0, "ppc", "ppc"),
    (elf::EM_PPC64.0, "ppc64", "ppc64"),
    (elf::EM_S390.0, "s390", "s390x"),
    (elf::EM_SH.0, "sh", "sh64"),
    (elf::EM_SPARCV9.0, "sparc64", "sparc64"),
    (elf::EM_IA_64.0, "ia64", "ia64"),
    (elf::EM_ALPHA.0, "alpha", "alpha"),
    (elf::EM_RISCV.0, "riscv32", "riscv64"),
    (elf::EM_LOONGARCH.0, "loongarch32", "loongarch64"),
    (elf::EM_XTENSA.0, "xtensa", "xtensa"),
    (elf::EM_MICROBLAZE.0, "microblaze", "microblaze"),
    (elf::EM_ALTERA_NIOS2.0, "nios2", "nios2"),
    (elf::EM_OPENRISC.0, "or1k", "or1k"),
    (elf::EM_ARC_COMPACT.0, "arc", "arc"),
    (elf::EM_ARC_COMPACT2.0, "arcv2", "arcv2"),
    (elf::EM_CSKY.0, "csky", "csky"),
    (elf::EM_HEXAGON.0, "hexagon", "hexagon"),
    (elf::EM_BPF.0, "bpf", "bpf"),
    (elf::EM_AVR.0, "avr", "avr"),
    (elf::EM_M32R.0, "m32r", "m32r"),
    (elf::EM_TILEGX.0, "tilegx", "tilegx"),
    (elf::EM_CRIS.0, "cris", "cris"),
];

/// The `EM_*` constant name of a machine number (`EM_PPC64`), or the number.
pub fn machine_constant(machine: u16) -> String {
    match elf::Machine(machine).name() {
        Some(name) => name.to_string(),
        None => format!("e_machine {machine:#x}"),
    }
}

// MIPS `e_flags` bits (from the MIPS ELF ABI supplements; plain numbers
// because object's flag constants are typed per group).
const EF_MIPS_ABI2: u32 = 0x20;
const EF_MIPS_ABI: u32 = 0xf000;
const EF_MIPS_ABI_O32: u32 = 0x1000;
const EF_MIPS_ABI_O64: u32 = 0x2000;
const EF_MIPS_ABI_EABI32: u32 = 0x3000;
const EF_MIPS_ABI_EABI64: u32 = 0x4000;

/// Offset of `e_flags` in the ELF header.
fn e_flags_offset(class64: bool) -> u64 {
    if class64 { 0x30 } else { 0x24 }
}

/// Detects the architecture, or explains why it is not supported.
/// `machine_offset` is where `e_machine` is in the file (always 0x12).
pub(crate) fn detect(
    machine: u16,
    class64: bool,
    endian: Endian,
    flags: u32,
) -> Result<Detected, Error> {
    let bits = if class64 { "64-bit" } else { "32-bit" };
    let refuse = |name: &str, detail: String| {
        Err(Error::UnsupportedArch {
            name: name.to_string(),
            machine: machine_constant(machine),
            detail,
        })
    };
    let plain = |arch| {
        Ok(Detected {
            arch,
            mips_abi: None,
        })
    };
    match (elf::Machine(machine), class64) {
        (elf::EM_386, false) => plain(Arch::X86),
        (elf::EM_X86_64, true) => plain(Arch::X86_64),
        (elf::EM_ARM, false) => plain(Arch::Arm),
        (elf::EM_AARCH64, true) => plain(Arch::Aarch64),
        (elf::EM_MIPS, true) => Ok(Detected {
            arch: Arch::Mips64,
            mips_abi: Some(MipsAbi::N64),
        }),
        (elf::EM_MIPS, false) => {
            if flags & EF_MIPS_ABI2 != 0 {
                return Ok(Detected {
                    arch: Arch::Mips64,
                    mips_abi: Some(MipsAbi::N32),
                });
            }
            let abi = flags & EF_MIPS_ABI;
            if abi == 0 || abi == EF_MIPS_ABI_O32 {
                return Ok(Detected {
                    arch: Arch::Mips32,
                    mips_abi: Some(MipsAbi::O32),
                });
            }
            let name = match abi {
                EF_MIPS_ABI_O64 => "o64",
                EF_MIPS_ABI_EABI32 => "eabi32",
                EF_MIPS_ABI_EABI64 => "eabi64",
                _ => "unknown",
            };
            Err(Error::Unsupported {
                what: format!(
                    "MIPS ABI {name} (e_flags {flags:#010x}); only o32, n32 and n64 are supported"
                ),
                offset: e_flags_offset(false),
            })
        }
        (elf::EM_X86_64, false) => refuse("x32", format!(", {bits} {endian}-endian")),
        (elf::EM_AARCH64, false) => refuse("aarch64-ilp32", format!(", {bits} {endian}-endian")),
        (elf::EM_386 | elf::EM_ARM, true) => {
            // A 64-bit class for a 32-bit-only machine: no Linux ABI does this.
            let name = if machine == elf::EM_386.0 {
                "x86"
            } else {
                "arm"
            };
            refuse(name, format!(" with ELFCLASS64, {endian}-endian"))
        }
        _ => {
            let name = OTHER_MACHINES
                .iter()
                .find(|(m, _, _)| *m == machine)
                .map(|(_, n32, n64)| if class64 { *n64 } else { *n32 }.to_string())
                .or_else(|| {
                    elf::Machine(machine)
                        .name()
                        .map(|n| n.trim_start_matches("EM_").to_ascii_lowercase())
                })
                .unwrap_or_else(|| "unknown machine".to_string());
            refuse(&name, format!(", {bits} {endian}-endian"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_machines() {
        let d = |m: elf::Machine, c, f| detect(m.0, c, Endian::Little, f).map(|d| d.arch).ok();
        assert_eq!(d(elf::EM_386, false, 0), Some(Arch::X86));
        assert_eq!(d(elf::EM_X86_64, true, 0), Some(Arch::X86_64));
        assert_eq!(d(elf::EM_ARM, false, 0x0500_0000), Some(Arch::Arm));
        assert_eq!(d(elf::EM_AARCH64, true, 0), Some(Arch::Aarch64));
        assert_eq!(d(elf::EM_MIPS, false, 0x7000_1007), Some(Arch::Mips32));
        assert_eq!(d(elf::EM_MIPS, false, 0x5000_0000), Some(Arch::Mips32));
        assert_eq!(d(elf::EM_MIPS, true, 0x8000_0007), Some(Arch::Mips64));
    }

    #[test]
    fn mips_n32_is_mips64_isa() {
        let det = detect(elf::EM_MIPS.0, false, Endian::Big, 0x6000_0020).unwrap();
        assert_eq!(det.arch, Arch::Mips64);
        assert_eq!(det.mips_abi, Some(MipsAbi::N32));
    }

    #[test]
    fn mips_eabi_refused_with_flags_offset() {
        let e = detect(elf::EM_MIPS.0, false, Endian::Little, 0x3000).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("eabi32"), "{msg}");
        assert!(msg.contains("0x24"), "{msg}");
    }

    #[test]
    fn unsupported_named() {
        let msg = |m: elf::Machine, c, e| detect(m.0, c, e, 0).unwrap_err().to_string();
        assert_eq!(
            msg(elf::EM_PPC64, true, Endian::Little),
            "unsupported architecture: ppc64 (EM_PPC64, 64-bit little-endian)"
        );
        assert_eq!(
            msg(elf::EM_S390, true, Endian::Big),
            "unsupported architecture: s390x (EM_S390, 64-bit big-endian)"
        );
        assert_eq!(
            msg(elf::EM_RISCV, true, Endian::Little),
            "unsupported architecture: riscv64 (EM_RISCV, 64-bit little-endian)"
        );
        assert_eq!(
            msg(elf::EM_X86_64, false, Endian::Little),
            "unsupported architecture: x32 (EM_X86_64, 32-bit little-endian)"
        );
        // Named from object's table when not in ours.
        assert!(msg(elf::EM_VAX, false, Endian::Little).contains("vax (EM_VAX"));
        assert_eq!(
            msg(elf::Machine(0x7777), false, Endian::Big),
            "unsupported architecture: unknown machine (e_machine 0x7777, 32-bit big-endian)"
        );
    }
}

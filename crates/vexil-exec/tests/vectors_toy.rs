#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code reports failures by panicking
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)] // a toy lifter: lengths and offsets are tiny
//! The vector runner, proven on a toy ISA lifted by hand (no real lifter
//! has landed when this is written): parsing, register and memory setup,
//! multi-block cases, derived and masked registers, exit kinds, faults,
//! and mismatch reports that can fail.
//!
//! Toy ISA (registers r0-r3, a zero flag z, derived register `flags`):
//! `01 ds` add rd,rs (sets z) · `02 0d ii` movi rd,imm8 · `03 ds` ld32 rd,[rs]
//! · `04 ds` st32 [rd],rs · `05 oo` jnz rel8 · `06 ds` divu rd,rs (traps on
//! zero) · `07` sys · `08 ds` parity rd,rs (a helper call).

use vexil_exec::vectors::{Ending, VectorFile, run_case, run_file};
use vexil_ir::opt::{ArchHooks, NoHooks};
use vexil_ir::{Arch, Atom, Const, Endian, Irsb, IrsbBuilder, IsaMode, JumpKind, Op, Type};
use vexil_lift::{DirtyFn, Guest, GuestLayout, HelperFn, InsnInfo, LiftOptions, Reg};

const REGS: &[Reg] = &[
    Reg {
        name: "r0",
        offset: 0,
        size: 8,
    },
    Reg {
        name: "r1",
        offset: 8,
        size: 8,
    },
    Reg {
        name: "r2",
        offset: 16,
        size: 8,
    },
    Reg {
        name: "r3",
        offset: 24,
        size: 8,
    },
    Reg {
        name: "pc",
        offset: 32,
        size: 8,
    },
    Reg {
        name: "z",
        offset: 40,
        size: 1,
    },
];
const PC: u32 = 32;
const Z: u32 = 40;

struct Toy {
    layout: GuestLayout,
    endian: Endian,
}

fn toy(endian: Endian) -> Toy {
    Toy {
        layout: GuestLayout {
            arch: Arch::Mips64,
            size: 48,
            pc: REGS[4],
            sp: REGS[3],
            regs: REGS,
            bookkeeping: &[],
            abi_plumbing: &[],
        },
        endian,
    }
}

fn parity(args: &[u128]) -> u128 {
    u128::from(args[0].count_ones() & 1)
}

fn reg_off(r: u8) -> u32 {
    u32::from(r & 3) * 8
}

impl Toy {
    fn insn_len(code: &[u8]) -> Option<usize> {
        match code.first()? {
            0x01 | 0x03 | 0x04 | 0x05 | 0x06 | 0x08 => Some(2),
            0x02 => Some(3),
            0x07 => Some(1),
            _ => None,
        }
        .filter(|&n| n <= code.len())
    }
}

impl Guest for Toy {
    fn arch(&self) -> Arch {
        Arch::Mips64
    }
    fn endian(&self) -> Endian {
        self.endian
    }
    fn layout(&self) -> &GuestLayout {
        &self.layout
    }
    fn lift(&self, code: &[u8], addr: u64, _mode: IsaMode, opts: &LiftOptions) -> Irsb {
        let mut b = IrsbBuilder::new();
        let end = self.endian.endness();
        let mut pc = addr;
        let mut off = 0usize;
        let mut n = 0;
        loop {
            let rest = &code[off.min(code.len())..];
            let Some(len) = Toy::insn_len(rest) else {
                let jk = if n == 0 {
                    JumpKind::NoDecode
                } else {
                    JumpKind::Boring
                };
                return b.finish(Atom::u64(pc), jk, PC);
            };
            b.imark(pc, len as u32, 0);
            let next = pc + len as u64;
            let (d, s) = (
                rest.get(1).copied().unwrap_or(0) >> 4,
                rest.get(1).copied().unwrap_or(0) & 0xf,
            );
            match rest[0] {
                0x01 => {
                    let x = b.get(reg_off(d), Type::I64);
                    let y = b.get(reg_off(s), Type::I64);
                    let r = b.binop(Op::Add64, x, y);
                    b.put(reg_off(d), r);
                    let z = b.binop(Op::CmpEQ64, r, Atom::u64(0));
                    let z8 = b.unop(Op::I1Uto8, z);
                    b.put(Z, z8);
                }
                0x02 => b.put(reg_off(rest[1]), Atom::u64(u64::from(rest[2]))),
                0x03 => {
                    let a = b.get(reg_off(s), Type::I64);
                    let v = b.load(end, Type::I32, a);
                    let w = b.unop(Op::I32Uto64, v);
                    b.put(reg_off(d), w);
                }
                0x04 => {
                    let a = b.get(reg_off(d), Type::I64);
                    let v = b.get(reg_off(s), Type::I32);
                    b.store(end, a, v);
                }
                0x05 => {
                    let target = next.wrapping_add(i64::from(rest[1] as i8) as u64);
                    let z = b.get(Z, Type::I8);
                    let nz = b.binop(Op::CmpEQ8, z, Atom::u8(0));
                    b.exit(nz, Const::u64(target), JumpKind::Boring, PC);
                    return b.finish(Atom::u64(next), JumpKind::Boring, PC);
                }
                0x06 => {
                    let x = b.get(reg_off(d), Type::I64);
                    let y = b.get(reg_off(s), Type::I64);
                    let zero = b.binop(Op::CmpEQ64, y, Atom::u64(0));
                    b.exit(zero, Const::u64(pc), JumpKind::SigFPE_IntDiv, PC);
                    let q = b.binop(Op::DivU64, x, y);
                    b.put(reg_off(d), q);
                }
                0x07 => return b.finish(Atom::u64(next), JumpKind::Sys_syscall, PC),
                0x08 => {
                    let x = b.get(reg_off(s), Type::I64);
                    let p = b.ccall("toy_parity", Type::I64, &[x]);
                    b.put(reg_off(d), p);
                }
                _ => unreachable!("insn_len accepted it"),
            }
            pc = next;
            off += len;
            n += 1;
            if n >= opts.max_insns || off >= opts.max_bytes as usize {
                return b.finish(Atom::u64(pc), JumpKind::Boring, PC);
            }
        }
    }
    fn decode(&self, code: &[u8], _addr: u64, _mode: IsaMode) -> Option<InsnInfo> {
        let len = Toy::insn_len(code)?;
        Some(InsnInfo {
            len: len as u32,
            mnemonic: "toy".into(),
            text: "toy".into(),
        })
    }
    fn can_lift(&self, code: &[u8], _addr: u64, _mode: IsaMode) -> bool {
        Toy::insn_len(code).is_some()
    }
    fn helper(&self, name: &str) -> Option<HelperFn> {
        (name == "toy_parity").then_some(parity as HelperFn)
    }
    fn dirty_helper(&self, _name: &str) -> Option<DirtyFn> {
        None
    }
    fn hooks(&self) -> &dyn ArchHooks {
        &NoHooks
    }
    fn initial_state(&self) -> Vec<u8> {
        vec![0; 48]
    }
    fn read_reg(&self, state: &[u8], name: &str) -> Option<u128> {
        if name == "flags" {
            return Some(0x2 | (u128::from(state[Z as usize] & 1) << 6));
        }
        let r = self.layout.reg(name)?;
        let (o, n) = (r.offset as usize, r.size as usize);
        Some(
            state[o..o + n]
                .iter()
                .rev()
                .fold(0, |acc, &x| (acc << 8) | u128::from(x)),
        )
    }
    fn write_reg(&self, state: &mut [u8], name: &str, value: u128) -> bool {
        if name == "flags" {
            state[Z as usize] = u8::from(value & 0x40 != 0);
            return true;
        }
        let Some(r) = self.layout.reg(name) else {
            return false;
        };
        let (o, n) = (r.offset as usize, r.size as usize);
        state[o..o + n].copy_from_slice(&value.to_le_bytes()[..n]);
        true
    }
}

const GOOD: &str = "
# toy vectors: every case here must pass
arch mips64
endian little
addr 0x1000
map 0x7000 0x1000 rw

01 01 | add r0, r1 | r0=0x1 r1=0x2 => r0=0x3 r1=0x2 flags&0x40=0 $next=0x1002
01 01 | add r0, r1 | r0=0xffffffffffffffff r1=0x1 => r0=0 flags=0x42 z=1
02 02 7f | movi r2, 0x7f | => r2=0x7f $next=0x1003
03 01 | ld32 r0, [r1] (a NaN) | r1=0x2000 [0x2000]=0100c0ff => r0&0xffffffff=nan32 r0=0xffc00001
03 01 | ld32 r0, [r1] | r1=0x2000 [0x2000]=78563412 => r0=0x12345678
04 01 | st32 [r0], r1 | r0=0x7ff0 r1=0xaabbccdd => [0x7ff0]=ddccbbaa
06 01 | divu r0, r1 | r0=7 r1=0 => r0=7 $exit=SigFPE_IntDiv $next=0x1000
06 01 | divu r0, r1 | r0=7 r1=2 => r0=3
07 | sys | => $exit=Sys_syscall $next=0x1001
08 01 | parity r0, r1 | r1=0x7 => r0=1
03 01 | ld32 r0, [r1] (unmapped) | r1=0x9000 => $exit=fault $fault=0x9000 $next=0x1000
# a loop: r0 += r1 (r1 = -1) until r0 is zero, three blocks
01 01 05 fc | add r0, r1; jnz -4 | r0=3 r1=0xffffffffffffffff => r0=0 $next=0x1004
# thumb-mode and a per-case address are passed through
02 03 05 | movi r3, 5 | $addr=0x4000 $mode=thumb => r3=5 $next=0x4003
";

#[test]
fn good_vectors_pass() {
    let f = VectorFile::parse("good.vec", GOOD).unwrap();
    assert_eq!((f.arch, f.endian), (Arch::Mips64, Endian::Little));
    assert_eq!(f.cases.len(), 13);
    let r = run_file(&toy(Endian::Little), &f);
    assert_eq!(r.cases, 13);
    assert!(r.failures.is_empty(), "{}", r.failures.join("\n"));
}

#[test]
fn big_endian_guests_load_big_endian() {
    let text = "arch mips64\nendian big\n03 01 | ld32 r0, [r1] | r1=0x2000 [0x2000]=12345678 => r0=0x12345678\n";
    let f = VectorFile::parse("be.vec", text).unwrap();
    let r = run_file(&toy(Endian::Big), &f);
    assert!(r.failures.is_empty(), "{}", r.failures.join("\n"));
}

#[test]
fn mismatches_are_reported_with_line_block_and_registers() {
    // Each case is wrong in one way; each must fail and say why.
    let bad = "arch mips64
endian little
01 01 | add r0, r1 | r0=1 r1=2 => r0=4
01 01 | add r0, r1 | r0=1 r1=2 => flags&0x40=0x40
04 01 | st32 [r0], r1 | r0=0x3000 r1=1 [0x3000]=00000000 => [0x3000]=02000000
06 01 | divu r0, r1 | r0=7 r1=0 => r0=7
07 | sys | => $exit=Sys_syscall $next=0x2000
ff | undecodable | => r0=0
01 01 | add r0, r1 | r0=1 nosuch=2 => r0=3
02 00 7f | movi r0, 0x7f | => r0=nan64
";
    let f = VectorFile::parse("bad.vec", bad).unwrap();
    let r = run_file(&toy(Endian::Little), &f);
    assert_eq!(r.failures.len(), 8, "{}", r.failures.join("\n"));
    let first = &r.failures[0];
    assert!(
        first.starts_with("bad.vec:3: 01 01 | add r0, r1"),
        "{first}"
    );
    assert!(first.contains("r0: got 0x3, want 0x4"), "{first}");
    assert!(
        first.contains("t2 = Add64(t0,t1)") || first.contains("Add64"),
        "IR block in report: {first}"
    );
    assert!(r.failures[1].contains("flags&0x40: got 0x0, want 0x40"));
    assert!(r.failures[2].contains("[0x3000]: got 01000000, want 02000000"));
    assert!(
        r.failures[3].contains("ending: got Ijk_SigFPE_IntDiv to 0x100000"),
        "{}",
        r.failures[3]
    );
    assert!(
        r.failures[4].contains("next: got 0x100001, want 0x2000"),
        "{}",
        r.failures[4]
    );
    assert!(r.failures[5].contains("Ijk_NoDecode"), "{}", r.failures[5]);
    assert!(
        r.failures[6].contains("no register `nosuch`"),
        "{}",
        r.failures[6]
    );
}

#[test]
fn runaway_loops_stop() {
    // jnz to itself with z clear forever.
    let text = "arch mips64\nendian little\n05 fe | jnz . | => r0=0\n";
    let f = VectorFile::parse("loop.vec", text).unwrap();
    let r = run_case(&toy(Endian::Little), &f.maps, &f.cases[0]);
    assert_eq!(r.ending, Ending::Runaway);
    assert!(!r.passed());
}

#[test]
fn malformed_files_name_the_line() {
    for (text, line, what) in [
        ("endian little\n01 01 | x | =>\n", 1, "missing `arch`"),
        (
            "arch mips64\nendian little\n01 0g | x | => r0=1\n",
            3,
            "bad instruction bytes",
        ),
        (
            "arch mips64\nendian little\n01 01 | x | r0=1\n",
            3,
            "missing `=>`",
        ),
        (
            "arch mips64\nendian little\n01 01 | x | r0=zz =>\n",
            3,
            "bad value",
        ),
        (
            "arch mips64\nendian little\n01 01 | x | => $exit=Nope\n",
            3,
            "unknown jump kind",
        ),
        ("arch vax\n", 1, "unknown architecture"),
        ("arch mips64\nendian middle\n", 2, "unknown byte order"),
        (
            "arch mips64\nendian little\nfrobnicate 1\n",
            3,
            "unknown directive",
        ),
    ] {
        let e = VectorFile::parse("m.vec", text).unwrap_err();
        assert_eq!(e.line, line, "{e}");
        assert!(e.msg.contains(what), "{e}");
    }
}

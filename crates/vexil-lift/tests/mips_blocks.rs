//! Block boundaries of the MIPS lifter: delay slots and limits, undecodable
//! and unsupported instructions, block-ending instructions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vexil_ir::{Arch, Endian, Irsb, IsaMode, JumpKind};
use vexil_lift::{LiftOptions, guest_for};

const ADDU: u32 = 0x0085_1021; // addu v0,a0,a1
const BEQ: u32 = 0x1085_0003; // beq a0,a1,+3
const BEQL: u32 = 0x5085_0003; // beql a0,a1,+3
const J: u32 = 0x0810_0040; // j 0x400100
const SYSCALL: u32 = 0x0000_000c;
const CTC1_FIR: u32 = 0x44c5_0000; // ctc1 a1,$0: decodes, not liftable
const BAD: u32 = 0xffff_ffff;

fn lift_words(words: &[u32], endian: Endian, opts: LiftOptions) -> Irsb {
    let g = guest_for(Arch::Mips32, endian).unwrap();
    let bytes: Vec<u8> = words
        .iter()
        .flat_map(|w| match endian {
            Endian::Little => w.to_le_bytes(),
            Endian::Big => w.to_be_bytes(),
        })
        .collect();
    let irsb = g.lift(&bytes, 0x400000, IsaMode::Default, &opts);
    vexil_ir::verify(&irsb).unwrap();
    irsb
}

fn lift(words: &[u32]) -> Irsb {
    lift_words(
        words,
        Endian::Little,
        LiftOptions {
            opt_level: 0,
            ..LiftOptions::default()
        },
    )
}

fn addrs(irsb: &Irsb) -> Vec<u64> {
    irsb.instructions().map(|(a, _)| a).collect()
}

#[test]
fn insn_limit_ends_block_before_branch_not_between_branch_and_slot() {
    let opts = LiftOptions {
        max_insns: 3,
        opt_level: 0,
        ..LiftOptions::default()
    };
    let irsb = lift_words(&[ADDU, ADDU, BEQ, ADDU, ADDU], Endian::Little, opts);
    assert_eq!(addrs(&irsb), [0x400000, 0x400004]);
    assert_eq!(irsb.jumpkind, JumpKind::Boring);
    assert_eq!(irsb.const_next(), Some(0x400008));
}

#[test]
fn byte_limit_ends_block_before_branch() {
    let opts = LiftOptions {
        max_bytes: 12,
        opt_level: 0,
        ..LiftOptions::default()
    };
    let irsb = lift_words(&[ADDU, ADDU, BEQ, ADDU], Endian::Big, opts);
    assert_eq!(addrs(&irsb), [0x400000, 0x400004]);
    assert_eq!(irsb.const_next(), Some(0x400008));
}

#[test]
fn branch_first_with_limit_one_keeps_its_slot() {
    let opts = LiftOptions {
        max_insns: 1,
        max_bytes: 4,
        opt_level: 0,
    };
    let irsb = lift_words(&[BEQ, ADDU, ADDU], Endian::Little, opts);
    assert_eq!(addrs(&irsb), [0x400000, 0x400004]);
    assert_eq!(irsb.const_next(), Some(0x400008));
}

#[test]
fn undecodable_delay_slot_gives_nodecode_at_branch() {
    let irsb = lift(&[BEQ, BAD]);
    assert_eq!(irsb.instruction_count(), 0);
    assert_eq!(irsb.jumpkind, JumpKind::NoDecode);
    assert_eq!(irsb.const_next(), Some(0x400000));
    // Later in a block: the block ends before the branch.
    let irsb = lift(&[ADDU, BEQ, BAD]);
    assert_eq!(addrs(&irsb), [0x400000]);
    assert_eq!(irsb.jumpkind, JumpKind::Boring);
    assert_eq!(irsb.const_next(), Some(0x400004));
}

#[test]
fn missing_delay_slot_bytes_give_nodecode() {
    let irsb = lift(&[BEQ]);
    assert_eq!(irsb.instruction_count(), 0);
    assert_eq!(irsb.jumpkind, JumpKind::NoDecode);
}

#[test]
fn branch_in_delay_slot_is_sigill() {
    for slot in [BEQ, J, SYSCALL] {
        let irsb = lift(&[BEQ, slot]);
        assert_eq!(irsb.instruction_count(), 0);
        assert_eq!(irsb.jumpkind, JumpKind::SigILL);
        assert_eq!(irsb.const_next(), Some(0x400000));
    }
}

#[test]
fn conditional_branch_exits_after_slot_and_falls_through_past_it() {
    let irsb = lift(&[BEQ, ADDU, ADDU]);
    assert_eq!(addrs(&irsb), [0x400000, 0x400004]);
    assert_eq!(irsb.const_next(), Some(0x400008));
    let text = irsb.to_string();
    let slot = text.find("IMark(0x400004").unwrap();
    let exit = text.find("if (").unwrap();
    assert!(exit > slot, "the branch exit must follow the slot:\n{text}");
    assert!(
        text.contains("PUT(offset=136) = 0x00400010; Ijk_Boring"),
        "{text}"
    );
}

#[test]
fn branch_likely_exits_before_slot_when_not_taken() {
    let irsb = lift(&[BEQL, ADDU]);
    let text = irsb.to_string();
    let slot = text.find("IMark(0x400004").unwrap();
    let exit = text.find("if (").unwrap();
    assert!(
        exit < slot,
        "the annulling exit must precede the slot:\n{text}"
    );
    assert!(
        text.contains("PUT(offset=136) = 0x00400008; Ijk_Boring"),
        "{text}"
    );
    assert_eq!(irsb.const_next(), Some(0x400010));
}

#[test]
fn unsupported_instruction_ends_block_before_it() {
    let irsb = lift(&[ADDU, CTC1_FIR]);
    assert_eq!(addrs(&irsb), [0x400000]);
    assert_eq!(irsb.jumpkind, JumpKind::Boring);
    assert_eq!(irsb.const_next(), Some(0x400004));
    let irsb = lift(&[CTC1_FIR]);
    assert_eq!(irsb.instruction_count(), 0);
    assert_eq!(irsb.jumpkind, JumpKind::NoDecode);
    let g = guest_for(Arch::Mips32, Endian::Little).unwrap();
    let b = CTC1_FIR.to_le_bytes();
    assert!(g.decode(&b, 0, IsaMode::Default).is_some());
    assert!(!g.can_lift(&b, 0, IsaMode::Default));
}

#[test]
fn syscall_ends_block_and_resumes_after_it() {
    let irsb = lift(&[ADDU, SYSCALL, ADDU]);
    assert_eq!(addrs(&irsb), [0x400000, 0x400004]);
    assert_eq!(irsb.jumpkind, JumpKind::Sys_syscall);
    assert_eq!(irsb.const_next(), Some(0x400008));
}

#[test]
fn short_code_is_nodecode() {
    let g = guest_for(Arch::Mips64, Endian::Big).unwrap();
    let irsb = g.lift(
        &[0x24, 0x42],
        0x1000,
        IsaMode::Default,
        &LiftOptions::default(),
    );
    assert_eq!(irsb.instruction_count(), 0);
    assert_eq!(irsb.jumpkind, JumpKind::NoDecode);
}

#[test]
fn mips32_addresses_wrap_at_4g() {
    // A branch at the top of the address space: targets are 32-bit.
    let g = guest_for(Arch::Mips32, Endian::Little).unwrap();
    let code: Vec<u8> = [BEQ, ADDU].iter().flat_map(|w| w.to_le_bytes()).collect();
    let irsb = g.lift(
        &code,
        0xffff_fffc,
        IsaMode::Default,
        &LiftOptions::default(),
    );
    vexil_ir::verify(&irsb).unwrap();
    assert_eq!(irsb.const_next(), Some(0x4));
}

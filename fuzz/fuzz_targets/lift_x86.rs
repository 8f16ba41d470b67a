//! Lifts arbitrary bytes as x86 and x86-64 code at a fuzzer-chosen address,
//! block limit and optimization level. Every block must verify against the
//! guest's state size and address type, print, and parse back to itself;
//! `can_lift` must agree with what `lift` did with the first instruction,
//! and `decode` must not panic.
//!
//! `VEXIL_FUZZ_MODE=0 RUSTC_BOOTSTRAP=1 cargo fuzz run lift_x86 -- -runs=10000000`
//! (0: x86, 1: x86-64; unset: the first byte chooses).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vexil_ir::{Arch, Endian, IsaMode, VerifyOptions};
use vexil_lift::{LiftOptions, guest_for};

fn mode_override() -> Option<u8> {
    static MODE: std::sync::OnceLock<Option<u8>> = std::sync::OnceLock::new();
    *MODE.get_or_init(|| std::env::var("VEXIL_FUZZ_MODE").ok()?.parse().ok())
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some((addr_bytes, code)) = rest.split_first_chunk::<8>() else {
        return;
    };
    let arch = if mode_override().unwrap_or(sel & 1) == 0 { Arch::X86 } else { Arch::X86_64 };
    let g = guest_for(arch, Endian::Little).expect("x86 guest");
    let opts = LiftOptions {
        max_insns: u32::from(sel >> 4) + 1,
        max_bytes: 800,
        opt_level: ((sel >> 1) & 3) % 3,
    };
    let mut addr = u64::from_le_bytes(*addr_bytes);
    if arch == Arch::X86 {
        addr &= 0xffff_ffff;
    }
    let irsb = g.lift(code, addr, IsaMode::Default, &opts);
    let vo = VerifyOptions {
        state_size: Some(g.layout().size),
        addr_type: Some(arch.word_type()),
    };
    if let Err(e) = vexil_ir::verify_with(&irsb, vo) {
        panic!("verifier: {e}\n{irsb}");
    }
    let text = irsb.to_string();
    let back = vexil_ir::parse_irsb(&text).expect("printed block parses");
    assert_eq!(back, irsb, "round trip");
    let first = irsb.instruction_count() > 0;
    assert_eq!(g.can_lift(code, addr, IsaMode::Default), first, "can_lift disagrees with lift\n{irsb}");
    let _ = g.decode(code, addr, IsaMode::Default);
});

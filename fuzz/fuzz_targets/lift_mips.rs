//! Lifts arbitrary bytes as MIPS code in every mode (MIPS32/MIPS64, little
//! and big endian), at a fuzzer-chosen address, block limit and optimization
//! level. Every block must verify, print, and parse back to itself; decode
//! and can_lift must not panic on any word.
//!
//! `VEXIL_FUZZ_MODE=0 RUSTC_BOOTSTRAP=1 cargo fuzz run lift_mips -- -runs=10000000` (modes 0..3)
#![no_main]

use libfuzzer_sys::fuzz_target;
use vexil_ir::{Arch, Endian, IsaMode};
use vexil_lift::{LiftOptions, guest_for};

/// `VEXIL_FUZZ_MODE=0..3` pins the mode (mips32el, mips32be, mips64el,
/// mips64be), so each can be run for a given number of executions.
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
    let (arch, endian) = match mode_override().unwrap_or(sel & 3) {
        0 => (Arch::Mips32, Endian::Little),
        1 => (Arch::Mips32, Endian::Big),
        2 => (Arch::Mips64, Endian::Little),
        _ => (Arch::Mips64, Endian::Big),
    };
    let g = guest_for(arch, endian).expect("mips guest");
    let opts = LiftOptions {
        max_insns: u32::from(sel >> 4) + 1,
        max_bytes: 800,
        opt_level: ((sel >> 2) & 3) % 3,
    };
    let addr = u64::from_le_bytes(*addr_bytes);
    let irsb = g.lift(code, addr, IsaMode::Default, &opts);
    if let Err(e) = vexil_ir::verify(&irsb) {
        panic!("verifier: {e}\n{irsb}");
    }
    let text = irsb.to_string();
    let back = vexil_ir::parse_irsb(&text).expect("printed block parses");
    assert_eq!(back, irsb, "round trip");
    for w in code.chunks(4) {
        let _ = g.decode(w, addr, IsaMode::Default);
        let _ = g.can_lift(w, addr, IsaMode::Default);
    }
});

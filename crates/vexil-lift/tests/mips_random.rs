//! Random instruction words in every MIPS mode: lifting never panics, every
//! block verifies, prints and parses back, and `decode`/`can_lift` agree with
//! what `lift` does with a block's first instruction. (The `lift_mips` fuzz
//! target does the same over arbitrary bytes for many more executions.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vexil_ir::{Arch, Endian, IsaMode, JumpKind};
use vexil_lift::{LiftOptions, guest_for};

/// xorshift64*: deterministic, no dependency.
fn next(s: &mut u64) -> u64 {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    s.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

#[test]
fn random_words_lift_verify_and_round_trip() {
    let modes = [
        (Arch::Mips32, Endian::Little),
        (Arch::Mips32, Endian::Big),
        (Arch::Mips64, Endian::Little),
        (Arch::Mips64, Endian::Big),
    ];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for (arch, endian) in modes {
        let g = guest_for(arch, endian).unwrap();
        let mut lifted_first = 0;
        for _ in 0..20_000 {
            let n = usize::try_from(next(&mut seed) % 24).unwrap() + 1;
            let bytes: Vec<u8> = (0..n).map(|_| next(&mut seed).to_le_bytes()[0]).collect();
            let addr = next(&mut seed) & !3;
            for opt_level in [0, 1] {
                let opts = LiftOptions {
                    opt_level,
                    ..LiftOptions::default()
                };
                let irsb = g.lift(&bytes, addr, IsaMode::Default, &opts);
                vexil_ir::verify(&irsb).unwrap_or_else(|e| panic!("{arch} {endian}: {e}\n{irsb}"));
                let text = irsb.to_string();
                assert_eq!(vexil_ir::parse_irsb(&text).unwrap(), irsb);
                if opt_level == 0 {
                    let can = g.can_lift(&bytes, addr, IsaMode::Default);
                    let dec = g.decode(&bytes, addr, IsaMode::Default);
                    if can {
                        assert!(dec.is_some());
                    }
                    // A first instruction that cannot be lifted gives an empty
                    // NoDecode block; one that can is in the block (unless it is a
                    // branch whose delay slot is missing or unusable).
                    if !can {
                        assert_eq!(irsb.instruction_count(), 0, "{text}");
                        assert_eq!(irsb.jumpkind, JumpKind::NoDecode);
                    } else if irsb.instruction_count() > 0 {
                        lifted_first += 1;
                    }
                }
            }
        }
        assert!(
            lifted_first > 1000,
            "{arch} {endian}: only {lifted_first} random words lifted"
        );
    }
}

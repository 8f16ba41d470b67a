#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code reports failures by panicking
#![allow(clippy::cast_possible_truncation)] // test data generators truncate on purpose
//! Random well-formed blocks (`vexil_ir::testgen`): interpretation never
//! panics, and the optimizer preserves what a block does.

use vexil_exec::{Interpreter, Memory, NoHelpers, Perm, Prepared};
use vexil_ir::opt::{NoHooks, optimize};
use vexil_ir::testgen::{GenConfig, XorShift, random_irsb};
use vexil_ir::{Irsb, Type};

const STATE: u32 = 512;

fn config(seed: u64) -> GenConfig {
    GenConfig {
        addr_ty: if seed % 2 == 0 { Type::I64 } else { Type::I32 },
        state_size: STATE,
        helpers: false,
        ..GenConfig::default()
    }
}

fn fresh_memory(cfg: &GenConfig) -> Memory {
    let mut m = Memory::new();
    m.map(cfg.mem_base, cfg.mem_size, Perm::RW).unwrap();
    // Recognisable contents so loads are not all zeros.
    let fill: Vec<u8> = (0..cfg.mem_size).map(|i| (i * 37 + 11) as u8).collect();
    m.poke(cfg.mem_base, &fill).unwrap();
    m
}

fn fresh_state(seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..STATE)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

type Outcome = (
    Result<vexil_exec::BlockExit, vexil_exec::Fault>,
    Vec<u8>,
    Vec<u8>,
);

fn execute(irsb: &Irsb, seed: u64, cfg: &GenConfig) -> Outcome {
    let p =
        Prepared::new(irsb, STATE as usize, &NoHelpers).expect("generated blocks are well formed");
    let mut st = fresh_state(seed);
    let mut m = fresh_memory(cfg);
    let r = Interpreter::new().run(&p, &mut st, &mut m);
    let mut bytes = vec![0; cfg.mem_size as usize];
    m.peek(cfg.mem_base, &mut bytes).unwrap();
    (r, st, bytes)
}

#[test]
fn random_blocks_run_without_panicking() {
    let mut faults = 0;
    for seed in 0..5000 {
        let cfg = config(seed);
        let irsb = random_irsb(&mut XorShift::new(seed), &cfg);
        if execute(&irsb, seed, &cfg).0.is_err() {
            faults += 1;
        }
    }
    // Some blocks touch unmapped memory; most must run to their end.
    assert!(faults < 2500, "{faults} of 5000 random blocks faulted");
}

#[test]
fn optimizer_preserves_behaviour() {
    let mut failures = Vec::new();
    for seed in 0..3000 {
        let cfg = config(seed);
        let irsb = random_irsb(&mut XorShift::new(seed), &cfg);
        let before = execute(&irsb, seed, &cfg);
        for level in [1u8, 2] {
            let mut o = irsb.clone();
            optimize(&mut o, level, &NoHooks);
            let after = execute(&o, seed, &cfg);
            // With NoHooks every register is precise at memory accesses, so
            // even after a fault the state and memory must be identical.
            let same = match (&before.0, &after.0) {
                (Ok(_), Ok(_)) => before == after,
                (Err(_), Err(_)) => before == after,
                _ => false,
            };
            if !same {
                failures.push(format!(
                    "seed {seed} level {level}: {:?} vs {:?}\n--- before\n{irsb}\n--- after\n{o}",
                    before.0, after.0
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences; first:\n{}",
        failures.len(),
        failures.first().map_or("", String::as_str)
    );
}

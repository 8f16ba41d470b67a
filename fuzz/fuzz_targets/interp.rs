//! Interprets random well-formed blocks (`vexil_ir::testgen` driven by the
//! fuzzer's bytes) over a random guest state and memory. Nothing may panic;
//! running a block twice from the same start must give the same result;
//! and, for blocks without helper calls, the optimized block must behave
//! like the original (same exit or fault; same state and memory when it
//! runs to its end).
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run interp -- -max_total_time=600`
#![no_main]

use libfuzzer_sys::fuzz_target;
use vexil_exec::{BlockExit, Fault, HelperSource, Interpreter, Memory, Perm, Prepared};
use vexil_ir::opt::{NoHooks, optimize};
use vexil_ir::testgen::{ByteEntropy, Entropy, GenConfig, random_irsb};
use vexil_ir::{Irsb, Type};
use vexil_lift::{DirtyCtx, DirtyFn, HelperFn, MemFault};

const STATE: u32 = 512;
const MEM_BASE: u64 = 0x10_0000;
const MEM_SIZE: u64 = 0x1000;

/// Helpers for the names testgen uses: `helper_0..3` and `dirty_0..3`;
/// `*_3` stay unknown so the unresolved-helper fault is exercised too.
struct FuzzHelpers;

fn h_sum(a: &[u128]) -> u128 {
    a.iter().fold(0u128, |x, y| x.wrapping_add(*y))
}
fn h_xor(a: &[u128]) -> u128 {
    a.iter().fold(0x5555u128, |x, y| x ^ y.rotate_left(7))
}
fn h_first(a: &[u128]) -> u128 {
    a.first().copied().unwrap_or(u128::MAX)
}
fn d_state(ctx: &mut DirtyCtx<'_>, a: &[u128]) -> Result<u128, MemFault> {
    let i = usize::try_from(h_sum(a) % u128::from(STATE)).unwrap_or(0);
    ctx.state[i] ^= 0xa5;
    Ok(u128::from(ctx.state[i]))
}
fn d_mem(ctx: &mut DirtyCtx<'_>, a: &[u128]) -> Result<u128, MemFault> {
    // Any address: may fault, which must come back as a value.
    let addr = u64::try_from(h_sum(a) & u128::from(u64::MAX)).unwrap_or(0);
    let mut b = [0u8; 4];
    ctx.mem.read(addr, &mut b)?;
    ctx.mem.write(addr, &[b[3], b[2], b[1], b[0]])?;
    Ok(u128::from(u32::from_le_bytes(b)))
}
fn d_nop(_: &mut DirtyCtx<'_>, _: &[u128]) -> Result<u128, MemFault> {
    Ok(7)
}

impl HelperSource for FuzzHelpers {
    fn helper(&self, name: &str) -> Option<HelperFn> {
        match name {
            "helper_0" => Some(h_sum),
            "helper_1" => Some(h_xor),
            "helper_2" => Some(h_first),
            _ => None,
        }
    }
    fn dirty_helper(&self, name: &str) -> Option<DirtyFn> {
        match name {
            "dirty_0" => Some(d_state),
            "dirty_1" => Some(d_mem),
            "dirty_2" => Some(d_nop),
            _ => None,
        }
    }
}

type Outcome = (Result<BlockExit, Fault>, Vec<u8>, Vec<u8>);

fn execute(irsb: &Irsb, state: &[u8], mem_init: &[u8]) -> Outcome {
    let Ok(p) = Prepared::new(irsb, STATE as usize, &FuzzHelpers) else {
        panic!("a generated block failed to prepare:\n{irsb}");
    };
    let mut st = state.to_vec();
    let mut m = Memory::new();
    m.map(MEM_BASE, MEM_SIZE, Perm::RW).unwrap();
    m.map(MEM_BASE + MEM_SIZE, 0x1000, Perm::R).unwrap();
    m.poke(MEM_BASE, mem_init).unwrap();
    let r = Interpreter::new().run(&p, &mut st, &mut m);
    let mut bytes = vec![0; mem_init.len()];
    m.peek(MEM_BASE, &mut bytes).unwrap();
    (r, st, bytes)
}

fuzz_target!(|data: &[u8]| {
    let mut e = ByteEntropy::new(data);
    let sel = e.next_u64();
    let cfg = GenConfig {
        addr_ty: if sel & 1 == 0 { Type::I64 } else { Type::I32 },
        state_size: STATE,
        mem_base: MEM_BASE,
        mem_size: MEM_SIZE,
        helpers: sel & 2 != 0,
        ..GenConfig::default()
    };
    let irsb = random_irsb(&mut e, &cfg);
    let mut state = vec![0u8; STATE as usize];
    for chunk in state.chunks_mut(8) {
        let v = e.next_u64().to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
    let mem: Vec<u8> = (0..MEM_SIZE).map(|i| (i as u8).wrapping_mul(37) ^ (sel as u8)).collect();

    let first = execute(&irsb, &state, &mem);
    let again = execute(&irsb, &state, &mem);
    assert!(first == again, "interpretation is not deterministic:\n{irsb}");

    // The optimizer trusts a dirty call's declared effects; the helpers
    // above ignore them (testgen declares random ranges), so compare with
    // the optimized block only when the block has no helper calls.
    if cfg.helpers {
        return;
    }
    let mut opt = irsb.clone();
    optimize(&mut opt, if sel & 4 == 0 { 1 } else { 2 }, &NoHooks);
    let after = execute(&opt, &state, &mem);
    let same = match (&first.0, &after.0) {
        (Ok(_), Ok(_)) => first == after,
        (Err(a), Err(b)) => a == b,
        _ => false,
    };
    assert!(
        same,
        "optimizer changed behaviour: {:?} vs {:?}\n--- before\n{irsb}\n--- after\n{opt}",
        first.0, after.0
    );
});

//! Interpretation speed on a hand-lifted x86-64 loop (run with
//! `cargo bench -p vexil-exec --bench interp`; `scripts/bench/interp.sh`
//! runs it beside Unicorn on the same machine code).
//!
//! The block is what a VEX-style x86-64 lifter produces for
//!
//! ```text
//! 0x1000: add rax, rcx      48 01 c8
//! 0x1003: xor rcx, rax      48 31 c1
//! 0x1006: mov [rsi], rax    48 89 06
//! 0x1009: dec rdx           48 ff ca
//! 0x100c: jnz 0x1000        75 f2
//! ```
//!
//! after optimization: register GET/PUTs at VEX's amd64 offsets, the lazy
//! flag thunk PUTs (cc_op/dep1/dep2/ndep) of the last flag-setting
//! instruction, and the `dec`/`jnz` pair folded to one comparison.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark binary
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)] // rates in f64

use std::time::Instant;
use vexil_exec::{Interpreter, Memory, NoHelpers, Perm, Prepared};
use vexil_ir::parse_irsb;

const LOOP: &str = "IRSB {
   t0:Ity_I64 t1:Ity_I64 t2:Ity_I64 t3:Ity_I64 t4:Ity_I64 t5:Ity_I64 t6:Ity_I1
   00 | ------ IMark(0x1000, 3, 0) ------
   01 | t0 = GET:I64(offset=16)
   02 | t1 = GET:I64(offset=24)
   03 | t2 = Add64(t0,t1)
   04 | ------ IMark(0x1003, 3, 0) ------
   05 | t3 = Xor64(t1,t2)
   06 | PUT(offset=24) = t3
   07 | ------ IMark(0x1006, 3, 0) ------
   08 | t4 = GET:I64(offset=64)
   09 | STle(t4) = t2
   10 | PUT(offset=16) = t2
   11 | ------ IMark(0x1009, 3, 0) ------
   12 | t5 = GET:I64(offset=32)
   13 | t5 = Sub64(t5,0x0000000000000001)
   14 | PUT(offset=32) = t5
   15 | PUT(offset=144) = 0x0000000000000034
   16 | PUT(offset=152) = t5
   17 | PUT(offset=160) = 0x0000000000000000
   18 | ------ IMark(0x100c, 2, 0) ------
   19 | t6 = CmpNE64(t5,0x0000000000000000)
   20 | if (t6) { PUT(offset=184) = 0x0000000000001000; Ijk_Boring }
   NEXT: PUT(offset=184) = 0x000000000000100e; Ijk_Boring
}";

fn main() {
    // SSA form: the second definition of t5 above is for readability; rename.
    let text = LOOP
        .replace("t5 = Sub64(t5,", "t7 = Sub64(t5,")
        .replace("PUT(offset=32) = t5", "PUT(offset=32) = t7")
        .replace("PUT(offset=152) = t5", "PUT(offset=152) = t7")
        .replace("CmpNE64(t5,", "CmpNE64(t7,")
        .replace("t6:Ity_I1", "t6:Ity_I1 t7:Ity_I64");
    let irsb = parse_irsb(&text).unwrap_or_else(|e| panic!("{e}"));
    vexil_ir::verify(&irsb).unwrap();
    let state_size = 1024;
    // VEXIL_BENCH_ITERS shortens the run (e.g. under cachegrind).
    let iters: u64 = std::env::var("VEXIL_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000_000);

    // Prepare cost.
    let n_prep = u32::try_from(iters / 100).unwrap_or(200_000).max(1);
    let t = Instant::now();
    for _ in 0..n_prep {
        std::hint::black_box(
            Prepared::new(std::hint::black_box(&irsb), state_size, &NoHelpers).unwrap(),
        );
    }
    let prep_ns = t.elapsed().as_nanos() as f64 / f64::from(n_prep);

    let p = Prepared::new(&irsb, state_size, &NoHelpers).unwrap();
    let mut mem = Memory::new();
    mem.map(0x10000, 0x1000, Perm::RW).unwrap();
    let mut st = vec![0u8; state_size];
    st[64..72].copy_from_slice(&0x10000u64.to_le_bytes()); // rsi
    st[24..32].copy_from_slice(&3u64.to_le_bytes()); // rcx
    st[32..40].copy_from_slice(&iters.to_le_bytes()); // rdx: loop count
    let mut it = Interpreter::new();
    let t = Instant::now();
    let mut blocks = 0u64;
    let mut insns = 0u64;
    loop {
        let e = it.run(&p, &mut st, &mut mem).unwrap();
        blocks += 1;
        insns += u64::from(e.insns);
        if e.next != 0x1000 {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(blocks, iters);
    println!(
        "prepare: {prep_ns:.0} ns per block ({} statements)",
        irsb.stmts.len()
    );
    println!(
        "run: {blocks} blocks, {insns} guest instructions in {secs:.3} s: {:.1} ns/block, {:.2} ns/insn, {:.1} M guest insns/s",
        secs * 1e9 / blocks as f64,
        secs * 1e9 / insns as f64,
        insns as f64 / secs / 1e6
    );
    println!("vexil_insns_per_sec {:.0}", insns as f64 / secs);
}

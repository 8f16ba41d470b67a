#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code reports failures by panicking
#![allow(clippy::cast_possible_truncation)] // test data generators truncate on purpose
//! The interpreter's statement semantics, block by block, written in the
//! canonical text form.

use vexil_exec::{
    Fault, HelperSource, Interpreter, Memory, NoHelpers, Perm, PrepareError, Prepared,
};
use vexil_ir::{Endness, JumpKind, parse_irsb};
use vexil_lift::helpers::AccessKind;
use vexil_lift::{DirtyCtx, DirtyFn, HelperFn, MemFault};

const STATE: usize = 256;
const PC: usize = 184;

/// A block from its type line, numbered statements and `NEXT` atom/kind.
fn block(types: &str, stmts: &[&str], next: &str) -> vexil_ir::Irsb {
    let body: String = stmts
        .iter()
        .enumerate()
        .map(|(i, s)| format!("   {i:02} | {s}\n"))
        .collect();
    let text = format!("IRSB {{\n   {types}\n{body}   NEXT: PUT(offset={PC}) = {next}\n}}");
    parse_irsb(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn get64(state: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(state[off..off + 8].try_into().unwrap())
}

fn put64(state: &mut [u8], off: usize, v: u64) {
    state[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

fn mem() -> Memory {
    let mut m = Memory::new();
    m.map(0x10000, 0x2000, Perm::RW).unwrap();
    m.map(0x20000, 0x1000, Perm::R).unwrap();
    m
}

fn run_with(
    irsb: &vexil_ir::Irsb,
    helpers: &dyn HelperSource,
    state: &mut [u8],
    m: &mut Memory,
) -> Result<vexil_exec::BlockExit, Fault> {
    let p = Prepared::new(irsb, STATE, helpers).unwrap();
    Interpreter::new().run(&p, state, m)
}

fn run(
    irsb: &vexil_ir::Irsb,
    state: &mut [u8],
    m: &mut Memory,
) -> Result<vexil_exec::BlockExit, Fault> {
    run_with(irsb, &NoHelpers, state, m)
}

#[test]
fn arithmetic_put_get_and_next() {
    let b = block(
        "t0:Ity_I64 t1:Ity_I64 t2:Ity_I32",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "t0 = GET:I64(offset=16)",
            "t1 = Add64(t0,0x0000000000000010)",
            "PUT(offset=24) = t1",
            "t2 = 64to32(t1)",
            "PUT(offset=32) = t2",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    let mut st = vec![0u8; STATE];
    put64(&mut st, 16, 0xffff_ffff_ffff_fff8);
    put64(&mut st, 32, u64::MAX);
    let e = run(&b, &mut st, &mut mem()).unwrap();
    assert_eq!((e.next, e.kind, e.insns), (0x1004, JumpKind::Boring, 1));
    assert_eq!(get64(&st, 24), 8);
    // A 32-bit PUT writes 4 bytes only.
    assert_eq!(get64(&st, 32), 0xffff_ffff_0000_0008);
    assert_eq!(get64(&st, PC), 0x1004);
}

#[test]
fn side_exit_taken_and_not_taken() {
    let b = block(
        "t0:Ity_I64 t1:Ity_I1",
        &[
            "------ IMark(0x1000, 2, 0) ------",
            "t0 = GET:I64(offset=16)",
            "t1 = CmpEQ64(t0,0x0000000000000000)",
            "if (t1) { PUT(offset=184) = 0x0000000000002000; Ijk_Call }",
            "------ IMark(0x1002, 2, 0) ------",
            "PUT(offset=24) = t0",
        ],
        "0x0000000000001004; Ijk_Ret",
    );
    let mut st = vec![0u8; STATE];
    put64(&mut st, 24, 77);
    let e = run(&b, &mut st, &mut mem()).unwrap();
    assert_eq!((e.next, e.kind, e.insns), (0x2000, JumpKind::Call, 1));
    assert_eq!(
        get64(&st, 24),
        77,
        "statements after a taken exit do not run"
    );
    assert_eq!(get64(&st, PC), 0x2000);
    put64(&mut st, 16, 5);
    let e = run(&b, &mut st, &mut mem()).unwrap();
    assert_eq!((e.next, e.kind, e.insns), (0x1004, JumpKind::Ret, 2));
    assert_eq!(get64(&st, 24), 5);
}

#[test]
fn loads_and_stores_in_both_byte_orders() {
    let b = block(
        "t0:Ity_I32 t1:Ity_I32 t2:Ity_I16",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "STle(0x0000000000010000) = 0x11223344",
            "t0 = LDbe:I32(0x0000000000010000)",
            "STbe(0x0000000000010ffe) = t0",
            "t1 = LDle:I32(0x0000000000010ffe)",
            "PUT(offset=16) = t1",
            "t2 = LDle:I16(0x0000000000010001)",
            "PUT(offset=24) = t2",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    let mut st = vec![0u8; STATE];
    let mut m = mem();
    run(&b, &mut st, &mut m).unwrap();
    // LDbe of bytes 44 33 22 11 is 0x44332211; stored big-endian across a
    // page boundary and read back little-endian gives 0x11223344.
    assert_eq!(get64(&st, 16), 0x1122_3344);
    assert_eq!(get64(&st, 24), 0x2233);
    assert_eq!(m.load(0x10ffe, 4, Endness::Be).unwrap(), 0x4433_2211);
}

#[test]
fn memory_fault_names_the_instruction_and_sets_the_pc() {
    let b = block(
        "t0:Ity_I64",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "PUT(offset=16) = 0x0000000000000001",
            "------ IMark(0x1004, 4, 0) ------",
            "STle(0x0000000000020000) = 0x0000000000000005",
            "PUT(offset=24) = 0x0000000000000002",
        ],
        "0x0000000000001008; Ijk_Boring",
    );
    let mut st = vec![0u8; STATE];
    let err = run(&b, &mut st, &mut mem()).unwrap_err();
    assert_eq!(
        err,
        Fault::Mem {
            pc: 0x1004,
            fault: MemFault {
                addr: 0x20000,
                size: 8,
                kind: AccessKind::Write
            }
        }
    );
    assert_eq!(get64(&st, 16), 1, "earlier instructions took effect");
    assert_eq!(get64(&st, 24), 0, "later statements did not");
    assert_eq!(get64(&st, PC), 0x1004);
    // Reading unmapped memory faults too.
    let b = block(
        "t0:Ity_I8",
        &[
            "------ IMark(0x3000, 1, 0) ------",
            "t0 = LDle:I8(0x0000000000000000)",
        ],
        "0x0000000000003001; Ijk_Boring",
    );
    assert!(matches!(
        run(&b, &mut st, &mut mem()),
        Err(Fault::Mem { pc: 0x3000, .. })
    ));
}

#[test]
fn guarded_loads_and_stores() {
    let b = block(
        "t0:Ity_I32 t1:Ity_I32 t2:Ity_I32",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "if (0:I1) STle(0x0000000000000000) = 0x00000001",
            "if (1:I1) STle(0x0000000000010010) = 0x000080ff",
            "t0 = if (1:I1) ILGop_8Sto32(LDle(0x0000000000010010)) else 0x00000007",
            "t1 = if (1:I1) ILGop_16Uto32(LDle(0x0000000000010010)) else 0x00000007",
            "t2 = if (0:I1) ILGop_Ident32(LDle(0x0000000000000000)) else 0x00000007",
            "PUT(offset=16) = t0",
            "PUT(offset=20) = t1",
            "PUT(offset=24) = t2",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    let mut st = vec![0u8; STATE];
    run(&b, &mut st, &mut mem()).unwrap();
    assert_eq!(get64(&st, 16), 0x0000_80ff_ffff_ffff);
    assert_eq!(get64(&st, 24) & 0xffff_ffff, 7);
}

#[test]
fn geti_puti_index_modulo_the_array() {
    // An 8-element I8 array at offset 64: index (ix + bias) mod 8.
    let b = block(
        "t0:Ity_I8 t1:Ity_I8",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "PUTI(64:8xI8)[0x00000009,-2] = 0xab",
            "t0 = GETI(64:8xI8)[0x00000007,0]",
            "PUT(offset=16) = t0",
            "t1 = GETI(64:8xI8)[0xffffffff,1]",
            "PUT(offset=17) = t1",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    let mut st = vec![0u8; STATE];
    st[64] = 0x5a;
    run(&b, &mut st, &mut mem()).unwrap();
    assert_eq!(st[71], 0xab, "(9 - 2) mod 8 = 7");
    assert_eq!(st[16], 0xab);
    // 0xffffffff mod 8 = 7, plus 1 is 0 mod 8.
    assert_eq!(st[17], 0x5a);
}

#[test]
fn compare_and_swap_single_and_double() {
    let b = block(
        "t0:Ity_I32 t1:Ity_I32 t2:Ity_I64 t3:Ity_I64",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "t0 = CASle(0x0000000000010000 :: 0x00000000->0x00000005)",
            "t1 = CASle(0x0000000000010000 :: 0x00000000->0x00000009)",
            "t2,t3 = CASle(0x0000000000010100 :: (0x0000000000000000,0x0000000000000000)->(0x0000000000000001,0x0000000000000002))",
            "PUT(offset=16) = t0",
            "PUT(offset=20) = t1",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    let mut st = vec![0u8; STATE];
    let mut m = mem();
    run(&b, &mut st, &mut m).unwrap();
    assert_eq!(
        get64(&st, 16),
        5 << 32,
        "first CAS saw 0 and stored; second saw 5 and failed"
    );
    assert_eq!(m.load(0x10000, 4, Endness::Le).unwrap(), 5);
    // Pairs print as (hi,lo): the low half goes at the address, the high after it.
    assert_eq!(m.load(0x10100, 8, Endness::Le).unwrap(), 2);
    assert_eq!(m.load(0x10108, 8, Endness::Le).unwrap(), 1);
    // On a read-only page a CAS faults even when the comparison fails.
    let b = block(
        "t0:Ity_I32",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "t0 = CASle(0x0000000000020000 :: 0x00000001->0x00000005)",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    assert!(matches!(run(&b, &mut st, &mut m), Err(Fault::Mem { .. })));
}

#[test]
fn load_linked_store_conditional() {
    let ll_sc = block(
        "t0:Ity_I32 t1:Ity_I1",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "t0 = LDle-Linked(0x0000000000010000)",
            "t1 = ( STle-Cond(0x0000000000010000) = 0x00000042 )",
            "PUT(offset=16) = t1",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    let sc_only = block(
        "t0:Ity_I1",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "t0 = ( STle-Cond(0x0000000000010000) = 0x00000077 )",
            "PUT(offset=17) = t0",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    let ll_cancel = block(
        "t0:Ity_I32",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "t0 = LDle-Linked(0x0000000000010000)",
            "MBusEvent-CancelReservation",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    let mut st = vec![0u8; STATE];
    let mut m = mem();
    let mut it = Interpreter::new();
    let prep = |b| Prepared::new(b, STATE, &NoHelpers).unwrap();
    it.run(&prep(&ll_sc), &mut st, &mut m).unwrap();
    assert_eq!(st[16], 1);
    assert_eq!(m.load(0x10000, 4, Endness::Le).unwrap(), 0x42);
    // The reservation was consumed: a second SC fails and stores nothing.
    it.run(&prep(&sc_only), &mut st, &mut m).unwrap();
    assert_eq!(st[17], 0);
    assert_eq!(m.load(0x10000, 4, Endness::Le).unwrap(), 0x42);
    // A reservation survives the end of its block...
    it.run(&prep(&ll_sc), &mut st, &mut m).unwrap();
    it.run(&prep(&ll_cancel), &mut st, &mut m).unwrap();
    // ...but not a cancel.
    it.run(&prep(&sc_only), &mut st, &mut m).unwrap();
    assert_eq!(st[17], 0);
}

fn h_add(args: &[u128]) -> u128 {
    args.iter().sum()
}

fn d_store_and_bump(ctx: &mut DirtyCtx<'_>, args: &[u128]) -> Result<u128, MemFault> {
    let addr = u64::try_from(args[0]).unwrap();
    ctx.mem.write(addr, &[0xee])?;
    ctx.state[40] += 1;
    Ok(0x1_0000_0001)
}

struct TestHelpers;

impl HelperSource for TestHelpers {
    fn helper(&self, name: &str) -> Option<HelperFn> {
        (name == "h_add").then_some(h_add as HelperFn)
    }
    fn dirty_helper(&self, name: &str) -> Option<DirtyFn> {
        (name == "d_store").then_some(d_store_and_bump as DirtyFn)
    }
}

#[test]
fn helpers_pure_and_dirty() {
    let b = block(
        "t0:Ity_I32 t1:Ity_I32 t2:Ity_I32",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "t0 = h_add(0x00000005,0x0000000000000007):Ity_I32",
            "PUT(offset=16) = t0",
            "t1 = DIRTY 1:I1 ::: d_store(0x0000000000010020)",
            "t2 = DIRTY 0:I1 ::: d_store(0x0000000000010021)",
            "PUT(offset=20) = t1",
            "PUT(offset=24) = t2",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    let mut st = vec![0u8; STATE];
    let mut m = mem();
    run_with(&b, &TestHelpers, &mut st, &mut m).unwrap();
    assert_eq!(get64(&st, 16) & 0xffff_ffff, 12);
    assert_eq!(st[40], 1, "the guarded-off call did not run");
    assert_eq!(m.load(0x10020, 2, Endness::Le).unwrap(), 0xee);
    assert_eq!(get64(&st, 20) & 0xffff_ffff, 1, "result masked to I32");
    assert_eq!(get64(&st, 24) & 0xffff_ffff, 0);
    // A dirty helper's memory fault is reported like any other.
    let b = block(
        "",
        &[
            "------ IMark(0x1010, 4, 0) ------",
            "DIRTY 1:I1 ::: d_store(0x0000000000020000)",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    assert!(matches!(
        run_with(&b, &TestHelpers, &mut st, &mut m),
        Err(Fault::Mem { pc: 0x1010, .. })
    ));
}

#[test]
fn unknown_helper_faults_only_when_reached() {
    let b = block(
        "t0:Ity_I64 t1:Ity_I1 t2:Ity_I32",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "t0 = GET:I64(offset=16)",
            "t1 = CmpEQ64(t0,0x0000000000000000)",
            "if (t1) { PUT(offset=184) = 0x0000000000002000; Ijk_Boring }",
            "------ IMark(0x1004, 4, 0) ------",
            "t2 = no_such_helper(t0):Ity_I32",
        ],
        "0x0000000000001008; Ijk_Boring",
    );
    let mut st = vec![0u8; STATE];
    assert_eq!(run(&b, &mut st, &mut mem()).unwrap().next, 0x2000);
    put64(&mut st, 16, 1);
    assert_eq!(
        run(&b, &mut st, &mut mem()).unwrap_err(),
        Fault::UnknownHelper {
            pc: 0x1004,
            name: "no_such_helper".into()
        }
    );
}

#[test]
fn malformed_blocks_are_refused_when_prepared() {
    let b = block(
        "t0:Ity_I64",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "t0 = GET:I64(offset=252)",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    assert!(matches!(
        Prepared::new(&b, STATE, &NoHelpers),
        Err(PrepareError::StateRange { stmt: 1, .. })
    ));
    let mut b = block("t0:Ity_I64", &["t0 = GET:I64(offset=0)"], "t0; Ijk_Boring");
    b.tyenv = vexil_ir::TypeEnv::new();
    assert!(matches!(
        Prepared::new(&b, STATE, &NoHelpers),
        Err(PrepareError::UnknownTemp { temp: 0, .. })
    ));
    // Register arrays: an empty one still reaches one element; a huge one
    // must not overflow the size computation.
    for descr in ["(252:0xI64)", "(0:4294967295xI64)", "(4294967288:2xI64)"] {
        let b = block(
            "t0:Ity_I64",
            &[
                "------ IMark(0x1000, 4, 0) ------",
                &format!("t0 = GETI{descr}[0x00000003,0]"),
            ],
            "0x0000000000001004; Ijk_Boring",
        );
        assert!(
            matches!(
                Prepared::new(&b, STATE, &NoHelpers),
                Err(PrepareError::StateRange { .. })
            ),
            "{descr}"
        );
    }
    // A state smaller than the block was prepared for is a fault, not a panic.
    let b = block("", &[], "0x0000000000001004; Ijk_Boring");
    let p = Prepared::new(&b, STATE, &NoHelpers).unwrap();
    let mut small = vec![0u8; 8];
    assert!(matches!(
        Interpreter::new().run(&p, &mut small, &mut mem()),
        Err(Fault::StateTooSmall {
            need: STATE,
            have: 8
        })
    ));
}

#[test]
fn float_ops_use_the_reference_semantics() {
    let b = block(
        "t0:Ity_F64 t1:Ity_F64 t2:Ity_I32",
        &[
            "------ IMark(0x1000, 4, 0) ------",
            "t0 = GET:F64(offset=16)",
            "t1 = DivF64(0x00000002,F64{0x3ff0000000000000},t0)",
            "PUT(offset=24) = t1",
            "t2 = CmpF64(t0,t0)",
            "PUT(offset=32) = t2",
        ],
        "0x0000000000001004; Ijk_Boring",
    );
    let mut st = vec![0u8; STATE];
    put64(&mut st, 16, 3f64.to_bits());
    run(&b, &mut st, &mut mem()).unwrap();
    assert_eq!(get64(&st, 24), 0x3fd5_5555_5555_5556, "1/3 rounded up");
    assert_eq!(get64(&st, 32) & 0xffff_ffff, 0x40);
}

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code reports failures by panicking
//! Optimizer behaviour on hand-written blocks. Semantic equivalence on random
//! blocks (optimized vs. unoptimized, run by the interpreter) is tested in
//! vexil-exec, which owns the interpreter.

use vexil_ir::opt::{ArchHooks, Defs, NoHooks, SpecExpr, optimize};
use vexil_ir::testgen::{GenConfig, XorShift, random_irsb};
use vexil_ir::*;

fn block(body: &str, types: &str, next: &str) -> Irsb {
    let text =
        format!("IRSB {{\n   {types}\n{body}\n   NEXT: PUT(offset=184) = {next}; Ijk_Boring\n}}");
    parse_irsb(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn opt(mut b: Irsb, level: u8, hooks: &dyn ArchHooks) -> String {
    optimize(&mut b, level, hooks);
    verify(&b).unwrap_or_else(|e| panic!("optimized block does not verify: {e}\n{b}"));
    b.to_string()
}

fn body_of(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains(" | "))
        .map(|l| l.split(" | ").nth(1).unwrap().to_string())
        .collect()
}

#[test]
fn level_zero_changes_nothing() {
    let b = block(
        "   00 | t0 = GET:I64(offset=16)\n   01 | t1 = GET:I64(offset=16)",
        "t0:Ity_I64 t1:Ity_I64",
        "t1",
    );
    let text = b.to_string();
    assert_eq!(opt(b, 0, &NoHooks), text);
}

#[test]
fn redundant_get_reuses_the_first_read() {
    let b = block(
        "   00 | t0 = GET:I64(offset=16)\n   01 | t1 = GET:I64(offset=16)\n   02 | t2 = Add64(t0,t1)\n   03 | PUT(offset=24) = t2",
        "t0:Ity_I64 t1:Ity_I64 t2:Ity_I64",
        "0x0000000000001000",
    );
    assert_eq!(
        body_of(&opt(b, 1, &NoHooks)),
        [
            "t0 = GET:I64(offset=16)",
            "t1 = Add64(t0,t0)",
            "PUT(offset=24) = t1"
        ]
    );
}

#[test]
fn get_after_put_forwards_the_value() {
    let b = block(
        "   00 | t0 = GET:I64(offset=16)\n   01 | PUT(offset=24) = t0\n   02 | t1 = GET:I64(offset=24)\n   03 | PUT(offset=32) = t1",
        "t0:Ity_I64 t1:Ity_I64",
        "0x0000000000001000",
    );
    assert_eq!(
        body_of(&opt(b, 1, &NoHooks)),
        [
            "t0 = GET:I64(offset=16)",
            "PUT(offset=24) = t0",
            "PUT(offset=32) = t0"
        ]
    );
}

#[test]
fn partial_overlap_blocks_forwarding() {
    // A 4-byte PUT inside an 8-byte register: the later 8-byte GET must read
    // the state, not reuse either value.
    let b = block(
        "   00 | t0 = GET:I64(offset=16)\n   01 | PUT(offset=16) = 0x00000001\n   02 | t1 = GET:I64(offset=16)\n   03 | PUT(offset=32) = t1",
        "t0:Ity_I64 t1:Ity_I64",
        "t0",
    );
    let out = body_of(&opt(b, 1, &NoHooks));
    assert!(
        out.contains(&"t1 = GET:I64(offset=16)".to_string()),
        "{out:?}"
    );
}

#[test]
fn overwritten_put_is_removed() {
    let b = block(
        "   00 | PUT(offset=16) = 0x00000001\n   01 | PUT(offset=16) = 0x00000002",
        "",
        "0x0000000000001000",
    );
    assert_eq!(
        body_of(&opt(b, 1, &NoHooks)),
        ["PUT(offset=16) = 0x00000002"]
    );
}

#[test]
fn put_before_an_exit_is_kept() {
    let b = block(
        "   00 | t0 = GET:I1(offset=8)\n   01 | PUT(offset=16) = 0x00000001\n   02 | if (t0) { PUT(offset=184) = 0x0000000000002000; Ijk_Boring }\n   03 | PUT(offset=16) = 0x00000002",
        "t0:Ity_I1",
        "0x0000000000001000",
    );
    assert_eq!(body_of(&opt(b, 1, &NoHooks)).len(), 4);
}

struct PreciseSp;
impl ArchHooks for PreciseSp {
    fn precise_at_mem(&self, offset: Offset, _size: u32) -> bool {
        offset.0 == 48
    }
}

#[test]
fn precise_register_put_survives_a_memory_access() {
    let body = "   00 | PUT(offset=48) = 0x00000001\n   01 | PUT(offset=16) = 0x00000001\n   02 | t0 = LDle:I32(0x0000000000001000)\n   03 | PUT(offset=48) = t0\n   04 | PUT(offset=16) = t0";
    let b = block(body, "t0:Ity_I32", "0x0000000000001000");
    let out = body_of(&opt(b, 1, &PreciseSp));
    // offset 48 is precise: its first PUT stays; offset 16 is not: its first PUT goes.
    assert_eq!(
        out,
        [
            "PUT(offset=48) = 0x00000001",
            "t0 = LDle:I32(0x0000000000001000)",
            "PUT(offset=48) = t0",
            "PUT(offset=16) = t0"
        ]
    );
}

#[test]
fn dead_temps_go_but_loads_stay() {
    let b = block(
        "   00 | t0 = GET:I64(offset=16)\n   01 | t1 = Add64(t0,t0)\n   02 | t2 = LDle:I64(t0)",
        "t0:Ity_I64 t1:Ity_I64 t2:Ity_I64",
        "0x0000000000001000",
    );
    assert_eq!(
        body_of(&opt(b, 1, &NoHooks)),
        ["t0 = GET:I64(offset=16)", "t1 = LDle:I64(t0)"]
    );
}

#[test]
fn always_taken_exit_ends_the_block() {
    let b = block(
        "   00 | if (1:I1) { PUT(offset=184) = 0x0000000000002000; Ijk_Call }\n   01 | PUT(offset=16) = 0x00000002",
        "",
        "0x0000000000001000",
    );
    let text = opt(b, 1, &NoHooks);
    assert!(body_of(&text).is_empty(), "{text}");
    assert!(
        text.contains("NEXT: PUT(offset=184) = 0x0000000000002000; Ijk_Call"),
        "{text}"
    );
}

#[test]
fn never_taken_exit_and_guarded_store_vanish() {
    let b = block(
        "   00 | if (0:I1) { PUT(offset=184) = 0x0000000000002000; Ijk_Boring }\n   01 | if (0:I1) STle(0x0000000000001000) = 0x01",
        "",
        "0x0000000000001000",
    );
    assert!(body_of(&opt(b, 1, &NoHooks)).is_empty());
}

#[test]
fn boolean_widening_round_trip_folds_into_the_exit() {
    // The shape eager-flag lifters produce: a compare widened to a word,
    // tested against zero, narrowed to a guard.
    let b = block(
        "   00 | t0 = GET:I32(offset=16)\n   01 | t1 = GET:I32(offset=20)\n   02 | t2 = CmpLT32S(t0,t1)\n   03 | t3 = 1Uto32(t2)\n   04 | t4 = CmpNE32(t3,0x00000000)\n   05 | if (t4) { PUT(offset=184) = 0x0000000000002000; Ijk_Boring }\n   06 | t5 = 1Uto64(t2)\n   07 | t6 = 64to1(t5)\n   08 | t7 = Not1(t6)\n   09 | if (t7) { PUT(offset=184) = 0x0000000000003000; Ijk_Boring }",
        "t0:Ity_I32 t1:Ity_I32 t2:Ity_I1 t3:Ity_I32 t4:Ity_I1 t5:Ity_I64 t6:Ity_I1 t7:Ity_I1",
        "0x0000000000001000",
    );
    let out = body_of(&opt(b, 1, &NoHooks));
    assert_eq!(
        out,
        [
            "t0 = GET:I32(offset=16)",
            "t1 = GET:I32(offset=20)",
            "t2 = CmpLT32S(t0,t1)",
            "if (t2) { PUT(offset=184) = 0x0000000000002000; Ijk_Boring }",
            "t3 = CmpLE32S(t1,t0)",
            "if (t3) { PUT(offset=184) = 0x0000000000003000; Ijk_Boring }",
        ]
    );
}

#[test]
fn narrowing_a_widening_gives_back_the_value() {
    let b = block(
        "   00 | t0 = GET:I32(offset=16)\n   01 | t1 = 32Uto64(t0)\n   02 | t2 = 64to32(t1)\n   03 | t3 = 64to8(t1)\n   04 | PUT(offset=24) = t2\n   05 | PUT(offset=28) = t3",
        "t0:Ity_I32 t1:Ity_I64 t2:Ity_I32 t3:Ity_I8",
        "0x0000000000001000",
    );
    assert_eq!(
        body_of(&opt(b, 1, &NoHooks)),
        [
            "t0 = GET:I32(offset=16)",
            "t1 = 32to8(t0)",
            "PUT(offset=24) = t0",
            "PUT(offset=28) = t1"
        ]
    );
}

/// A toy lazy-flags architecture: `cond(op, a, b)` with op 1 meaning
/// "signed less than" specializes to a compare, like x86's
/// calculate_condition does for SUB.
struct ToyFlags;
impl ArchHooks for ToyFlags {
    fn specialize(
        &self,
        callee: &str,
        ty: Type,
        args: &[Atom],
        _defs: &dyn Defs,
    ) -> Option<SpecExpr> {
        if callee != "toy_cond" || ty != Type::I64 {
            return None;
        }
        let [op, a, b] = *args else { return None };
        (op.as_const()?.bits() == 1).then(|| {
            SpecExpr::unop(
                Op::I1Uto64,
                SpecExpr::binop(
                    Op::CmpLT32S,
                    SpecExpr::unop(Op::I64to32, SpecExpr::atom(a)),
                    SpecExpr::unop(Op::I64to32, SpecExpr::atom(b)),
                ),
            )
        })
    }
}

#[test]
fn flag_thunk_and_helper_become_one_compare() {
    // cmp eax, ebx; jl: the lifter writes the thunk, then reads it back for
    // the branch condition through the helper.
    let b = block(
        "   00 | t0 = GET:I32(offset=16)\n   01 | t1 = GET:I32(offset=20)\n   02 | t2 = 32Uto64(t0)\n   03 | t3 = 32Uto64(t1)\n   04 | PUT(offset=144) = 0x0000000000000001\n   05 | PUT(offset=152) = t2\n   06 | PUT(offset=160) = t3\n   07 | t4 = GET:I64(offset=144)\n   08 | t5 = GET:I64(offset=152)\n   09 | t6 = GET:I64(offset=160)\n   10 | t7 = toy_cond(t4,t5,t6):Ity_I64\n   11 | t8 = 64to1(t7)\n   12 | if (t8) { PUT(offset=184) = 0x0000000000002000; Ijk_Boring }",
        "t0:Ity_I32 t1:Ity_I32 t2:Ity_I64 t3:Ity_I64 t4:Ity_I64 t5:Ity_I64 t6:Ity_I64 t7:Ity_I64 t8:Ity_I1",
        "0x0000000000001000",
    );
    let out = body_of(&opt(b, 1, &ToyFlags));
    assert!(
        out.contains(&"t4 = CmpLT32S(t0,t1)".to_string()),
        "{out:#?}"
    );
    assert!(
        out.contains(&"if (t4) { PUT(offset=184) = 0x0000000000002000; Ijk_Boring }".to_string()),
        "{out:#?}"
    );
    assert!(!out.iter().any(|s| s.contains("toy_cond")), "{out:#?}");
}

#[test]
fn ill_typed_specialization_is_refused() {
    struct Bad;
    impl ArchHooks for Bad {
        fn specialize(&self, _: &str, _: Type, args: &[Atom], _: &dyn Defs) -> Option<SpecExpr> {
            // Returns an I1 where an I64 is wanted.
            Some(SpecExpr::binop(
                Op::CmpEQ64,
                SpecExpr::atom(args[0]),
                SpecExpr::atom(args[0]),
            ))
        }
    }
    let b = block(
        "   00 | t0 = GET:I64(offset=16)\n   01 | t1 = h(t0):Ity_I64\n   02 | PUT(offset=24) = t1",
        "t0:Ity_I64 t1:Ity_I64",
        "0x0000000000001000",
    );
    let out = body_of(&opt(b, 1, &Bad));
    assert!(out.iter().any(|s| s.contains("h(t0):Ity_I64")), "{out:?}");
}

#[test]
fn cse_at_level_two() {
    let b = block(
        "   00 | t0 = GET:I64(offset=16)\n   01 | t1 = Add64(t0,0x0000000000000004)\n   02 | t2 = Add64(t0,0x0000000000000004)\n   03 | PUT(offset=24) = t1\n   04 | PUT(offset=32) = t2",
        "t0:Ity_I64 t1:Ity_I64 t2:Ity_I64",
        "0x0000000000001000",
    );
    assert_eq!(body_of(&opt(b.clone(), 1, &NoHooks)).len(), 5);
    assert_eq!(
        body_of(&opt(b, 2, &NoHooks)),
        [
            "t0 = GET:I64(offset=16)",
            "t1 = Add64(t0,0x0000000000000004)",
            "PUT(offset=24) = t1",
            "PUT(offset=32) = t1"
        ]
    );
}

#[test]
fn random_blocks_stay_well_formed_at_every_level() {
    for seed in 0..3000u64 {
        let cfg = GenConfig::default();
        let b = random_irsb(&mut XorShift::new(seed), &cfg);
        for level in 1..=2 {
            let mut o = b.clone();
            optimize(&mut o, level, &NoHooks);
            verify_with(
                &o,
                VerifyOptions {
                    state_size: Some(cfg.state_size),
                    addr_type: Some(cfg.addr_ty),
                },
            )
            .unwrap_or_else(|e| {
                panic!("seed {seed} level {level}: {e}\nbefore:\n{b}\nafter:\n{o}")
            });
            assert!(
                o.stmts.len() <= b.stmts.len() + 4,
                "seed {seed}: optimizer grew the block"
            );
        }
    }
}

#[test]
fn constants_fold_through_chains_and_into_exits() {
    let b = block(
        "   00 | t0 = Add32(0x00000001,0x00000002)\n   01 | t1 = Shl32(t0,0x04)\n   02 | PUT(offset=16) = t1\n   03 | t2 = CmpLT32U(t1,0x00000031)\n   04 | if (t2) { PUT(offset=184) = 0x0000000000002000; Ijk_Boring }\n   05 | PUT(offset=20) = 0x00000000",
        "t0:Ity_I32 t1:Ity_I32 t2:Ity_I1",
        "0x0000000000001000",
    );
    let text = opt(b, 1, &NoHooks);
    // (1+2)<<4 = 48 < 49: the exit is always taken, so it ends the block.
    assert_eq!(body_of(&text), ["PUT(offset=16) = 0x00000030"]);
    assert!(
        text.contains("NEXT: PUT(offset=184) = 0x0000000000002000; Ijk_Boring"),
        "{text}"
    );
}

#[test]
fn division_by_zero_folds_to_the_documented_value_not_a_panic() {
    let b = block(
        "   00 | t0 = DivU32(0x00000007,0x00000000)\n   01 | PUT(offset=16) = t0",
        "t0:Ity_I32",
        "0x0000000000001000",
    );
    assert_eq!(
        body_of(&opt(b, 1, &NoHooks)),
        ["PUT(offset=16) = 0x00000000"]
    );
}

/// `optimize_outlined` reports the instructions and side exits of the block
/// it leaves, at every level: an exit whose guard folds to false is gone
/// from both the block and the outline, and an exit that folds to true ends
/// the block, so the instructions after it are in neither.
#[test]
fn outline_is_that_of_the_optimized_block() {
    let b = block(
        "   00 | ------ IMark(0x1000, 4, 0) ------\n   01 | t0 = GET:I32(offset=16)\n   02 | t1 = CmpEQ32(t0,0x00000000)\n   03 | if (t1) { PUT(offset=184) = 0x0000000000002000; Ijk_Boring }\n   04 | ------ IMark(0x1004, 4, 0) ------\n   05 | t2 = CmpNE32(0x00000000,0x00000000)\n   06 | if (t2) { PUT(offset=184) = 0x0000000000003000; Ijk_Call }\n   07 | ------ IMark(0x1008, 4, 0) ------\n   08 | t3 = CmpEQ32(0x00000000,0x00000000)\n   09 | if (t3) { PUT(offset=184) = 0x0000000000004000; Ijk_Boring }\n   10 | ------ IMark(0x100c, 4, 0) ------\n   11 | PUT(offset=16) = 0x00000001",
        "t0:Ity_I32 t1:Ity_I1 t2:Ity_I1 t3:Ity_I1",
        "0x0000000000001010",
    );
    for level in 0..=2 {
        let mut o = b.clone();
        let mut got = Outline::default();
        vexil_ir::opt::optimize_outlined(&mut o, level, &NoHooks, &mut got);
        let mut want = Outline::default();
        want.scan(&o);
        assert_eq!(got, want, "level {level}:\n{o}");
        let insns: Vec<u64> = got.insns.iter().rev().map(|&(a, _)| a).collect();
        let exits: Vec<u64> = got.exits.iter().rev().map(|&(d, _)| d.bits()).collect();
        if level == 0 {
            assert_eq!(insns, [0x1000, 0x1004, 0x1008, 0x100c], "{o}");
            assert_eq!(exits, [0x2000, 0x3000, 0x4000], "{o}");
        } else {
            assert_eq!(insns, [0x1000, 0x1004, 0x1008], "level {level}:\n{o}");
            assert_eq!(exits, [0x2000], "level {level}:\n{o}");
            assert_eq!(o.const_next(), Some(0x4000), "level {level}:\n{o}");
        }
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Spec tests for statement tokens: specific IR statements map to specific
//! tokens under each scheme. The expected strings were worked out by hand
//! from the token grammar in `token.rs` and the option table in `scheme.rs`.

mod common;

use vexil_features::Scheme;
use vexil_features::token::{HashSink, neutral_op_name, token_hash};
use vexil_ir::*;
use vexil_lift::{GuestLayout, Reg};

// A toy 32-bit layout: r0..r3 at 0..16, pc at 16, a flag thunk at 20..32.
static LAYOUT: GuestLayout = GuestLayout {
    arch: Arch::X86,
    size: 64,
    pc: Reg {
        name: "pc",
        offset: 16,
        size: 4,
    },
    sp: Reg {
        name: "r3",
        offset: 12,
        size: 4,
    },
    regs: &[],
    bookkeeping: &[
        Reg {
            name: "pc",
            offset: 16,
            size: 4,
        },
        Reg {
            name: "cc",
            offset: 20,
            size: 12,
        },
    ],
    abi_plumbing: &[],
};

/// Tokens of every statement of `b` (and its block end) under `scheme`.
fn tokens(scheme: Scheme, irsb: &Irsb) -> Vec<String> {
    common::block_texts(scheme.options(), &LAYOUT, irsb)
}

/// The token of one statement built by `f`, in a block that ends with a
/// fall-through (which yields no block-end token).
fn one(scheme: Scheme, f: impl FnOnce(&mut IrsbBuilder)) -> Vec<String> {
    let mut b = IrsbBuilder::new();
    b.imark(0x1000, 4, 0);
    let skip = b.stmts.len();
    f(&mut b);
    let irsb = b.finish(Atom::u32(0x1004), JumpKind::Boring, 16);
    let mut t = tokens(scheme, &irsb);
    if scheme == Scheme::Seed {
        assert_eq!(t.remove(0), "IMark");
    }
    let _ = skip;
    t
}

use Scheme::{NeutralV1 as N, Seed as S};

#[test]
fn sub32_of_two_temps() {
    let f = |b: &mut IrsbBuilder| {
        let t0 = b.get(0, Type::I32);
        let t1 = b.get(4, Type::I32);
        b.binop(Op::Sub32, t0, t1);
    };
    assert_eq!(one(S, f), ["WdT(get)", "WdT(get)", "WdT(Sub32(RdT,RdT))"]);
    assert_eq!(one(N, f), ["WdT(get)", "WdT(get)", "WdT(Sub(RdT,RdT))"]);
}

#[test]
fn widths_are_stripped_only_in_neutral() {
    let f = |b: &mut IrsbBuilder| {
        let t = b.get(0, Type::I64);
        let u = b.binop(Op::Add64, t, Atom::u64(8));
        b.binop(Op::CmpLT64S, u, t);
    };
    assert_eq!(
        one(S, f),
        ["WdT(get)", "WdT(Add64(RdT,con))", "WdT(CmpLT64S(RdT,RdT))"]
    );
    assert_eq!(
        one(N, f),
        ["WdT(get)", "WdT(Add(RdT,con))", "WdT(CmpLTS(RdT,RdT))"]
    );
}

#[test]
fn loads_and_stores_lose_endianness_in_neutral() {
    let f = |b: &mut IrsbBuilder| {
        let a = b.get(0, Type::I32);
        let v = b.load(Endness::Le, Type::I32, a);
        let w = b.load(Endness::Be, Type::I16, a);
        b.store(Endness::Le, a, v);
        b.store(Endness::Be, a, Atom::u16(7));
        let _ = w;
    };
    assert_eq!(
        one(S, f),
        [
            "WdT(get)",
            "WdT(LDle(RdT))",
            "WdT(LDbe(RdT))",
            "STle(RdT,RdT)",
            "STbe(RdT,con)"
        ]
    );
    // neutral-v1 also prints every address as `*` (addressing modes differ).
    assert_eq!(
        one(N, f),
        [
            "WdT(get)",
            "WdT(LD(*))",
            "WdT(LD(*))",
            "ST(*,RdT)",
            "ST(*,con)"
        ]
    );
}

#[test]
fn casts_are_dropped_in_neutral_but_concatenation_is_not() {
    let f = |b: &mut IrsbBuilder| {
        let x = b.get(0, Type::I8);
        let y = b.unop(Op::I8Uto32, x);
        let z = b.unop(Op::I32Sto64, y);
        let n = b.unop(Op::I64to32, z);
        b.binop(Op::I32HLto64, n, y);
        let c = b.binop(Op::CmpEQ32, n, y);
        b.unop(Op::I1Uto32, c);
    };
    assert_eq!(
        one(S, f),
        [
            "WdT(get)",
            "WdT(8Uto32(RdT))",
            "WdT(32Sto64(RdT))",
            "WdT(64to32(RdT))",
            "WdT(32HLto64(RdT,RdT))",
            "WdT(CmpEQ32(RdT,RdT))",
            "WdT(1Uto32(RdT))",
        ]
    );
    assert_eq!(
        one(N, f),
        ["WdT(get)", "WdT(HLto(RdT,RdT))", "WdT(CmpEQ(RdT,RdT))"]
    );
}

#[test]
fn bookkeeping_puts_and_gets_are_dropped_in_neutral() {
    let f = |b: &mut IrsbBuilder| {
        let t = b.get(0, Type::I32);
        b.put(20, Atom::u32(3)); // flag thunk: op
        b.put(24, t); // flag thunk: dep1
        let cc = b.get(20, Type::I32); // reads the thunk
        b.put(16, Atom::u32(0x1004)); // program counter
        b.put(4, t); // a real register
        let _ = cc;
    };
    assert_eq!(
        one(S, f),
        [
            "WdT(get)", "put(con)", "put(RdT)", "WdT(get)", "put(con)", "put(RdT)"
        ]
    );
    assert_eq!(one(N, f), ["WdT(get)", "put(RdT)"]);
}

#[test]
fn ite_and_helpers() {
    let f = |b: &mut IrsbBuilder| {
        let c = b.get(0, Type::I1);
        let t = b.get(4, Type::I32);
        b.ite(c, t, Atom::u32(0));
        b.ccall("x86g_calculate_condition", Type::I32, &[Atom::u32(4), t, t]);
    };
    assert_eq!(
        one(S, f),
        [
            "WdT(get)",
            "WdT(get)",
            "WdT(ite(RdT,RdT,con))",
            "WdT(x86g_calculate_condition(con,RdT,RdT))",
        ]
    );
    assert_eq!(
        one(N, f),
        [
            "WdT(get)",
            "WdT(get)",
            "WdT(ite(RdT,RdT,con))",
            "WdT(ccall(con,RdT,RdT))"
        ]
    );
}

#[test]
fn hinted_comparisons_read_like_plain_ones() {
    assert_eq!(neutral_op_name("CasCmpEQ32"), "CmpEQ");
    assert_eq!(neutral_op_name("ExpCmpNE64"), "CmpNE");
    assert_eq!(neutral_op_name("CmpNE8"), "CmpNE");
    assert_eq!(neutral_op_name("Add8x16"), "Addx");
    assert_eq!(neutral_op_name("I32StoF64"), "IStoF");
    assert_eq!(neutral_op_name("DivModS64to32"), "DivModSto");
}

#[test]
fn exits_and_block_ends() {
    let mut b = IrsbBuilder::new();
    b.imark(0x1000, 2, 0);
    let g = b.get(0, Type::I1);
    b.exit(g, Const::u32(0x2000), JumpKind::Boring, 16);
    b.exit(g, Const::u32(0x1002), JumpKind::Sys_syscall, 16);
    let call = b.clone().finish(Atom::u32(0x3000), JumpKind::Call, 16);
    assert_eq!(
        tokens(S, &call),
        ["IMark", "WdT(get)", "exit(RdT)", "exit(RdT)"]
    );
    assert_eq!(
        tokens(N, &call),
        ["WdT(get)", "exit(RdT)", "exit:sys(RdT)", "call(con)"]
    );

    let t = b.get(4, Type::I32);
    let ret = b.clone().finish(t, JumpKind::Ret, 16);
    assert_eq!(tokens(N, &ret)[4..], ["ret"]);
    let ind = b.clone().finish(t, JumpKind::Boring, 16);
    assert_eq!(tokens(N, &ind)[4..], ["jmp(RdT)"]);
    // A jump somewhere else is a token; falling through to the next
    // instruction (a split made by discovery or a size limit) is not.
    let far = b.clone().finish(Atom::u32(0x4000), JumpKind::Boring, 16);
    assert_eq!(tokens(N, &far)[4..], ["jmp(con)"]);
    let fall = b.clone().finish(Atom::u32(0x1002), JumpKind::Boring, 16);
    assert_eq!(tokens(N, &fall).len(), 4);
    // NoDecode records what the lifter lacks, not what the program does.
    let nd = b.finish(Atom::u32(0x1002), JumpKind::NoDecode, 16);
    assert_eq!(tokens(N, &nd).len(), 4);
}

#[test]
fn token_hash_is_fnv1a_of_the_text() {
    // FNV-1a 64 of "a" is a published test vector.
    assert_eq!(token_hash("a"), 0xaf63_dc4c_8601_ec8c);
    let mut s = HashSink::default();
    use vexil_features::token::Sink;
    s.put("WdT(");
    s.put("Sub(RdT,RdT)");
    s.put(")");
    assert_eq!(s.0, token_hash("WdT(Sub(RdT,RdT))"));
}

#[test]
fn constant_subtraction_reads_as_addition_and_constants_go_last() {
    let f = |b: &mut IrsbBuilder| {
        let x = b.get(0, Type::I32);
        b.binop(Op::Sub32, x, Atom::u32(8)); // x86: sub esp, 8
        b.binop(Op::Add32, x, Atom::u32(0xffff_fff8)); // MIPS: addiu sp, sp, -8
        b.binop(Op::Add32, Atom::u32(4), x);
        b.binop(Op::Sub32, Atom::u32(4), x); // not commutative: kept
        b.binop(Op::CmpLT32S, Atom::u32(4), x); // ordered: kept
    };
    assert_eq!(
        one(S, f),
        [
            "WdT(get)",
            "WdT(Sub32(RdT,con))",
            "WdT(Add32(RdT,con))",
            "WdT(Add32(con,RdT))",
            "WdT(Sub32(con,RdT))",
            "WdT(CmpLT32S(con,RdT))",
        ]
    );
    assert_eq!(
        one(N, f),
        [
            "WdT(get)",
            "WdT(Add(RdT,con))",
            "WdT(Add(RdT,con))",
            "WdT(Add(RdT,con))",
            "WdT(Sub(con,RdT))",
            "WdT(CmpLTS(con,RdT))",
        ]
    );
}

#[test]
fn return_address_linkage_is_dropped_in_neutral() {
    // x86-style call at 0x1000 (5 bytes): esp -= 4; [esp] = 0x1005; call.
    let mut b = IrsbBuilder::new();
    b.imark(0x1000, 5, 0);
    let sp = b.get(12, Type::I32);
    let t = b.binop(Op::Sub32, sp, Atom::u32(4));
    b.put(12, t);
    b.store(Endness::Le, t, Atom::u32(0x1005));
    let call = b.finish(Atom::u32(0x2000), JumpKind::Call, 16);
    assert_eq!(
        tokens(S, &call),
        [
            "IMark",
            "WdT(get)",
            "WdT(Sub32(RdT,con))",
            "put(RdT)",
            "STle(RdT,con)"
        ]
    );
    assert_eq!(tokens(N, &call), ["WdT(get)", "call(con)"]);

    // MIPS-style jal at 0x1000 with its delay slot: ra = 0x1008.
    let mut b = IrsbBuilder::new();
    b.imark(0x1000, 4, 0);
    b.imark(0x1004, 4, 0);
    b.put(8, Atom::u32(0x1008));
    let jal = b.finish(Atom::u32(0x2000), JumpKind::Call, 16);
    assert_eq!(tokens(N, &jal), ["call(con)"]);

    // A store of some other constant in a call block stays.
    let mut b = IrsbBuilder::new();
    b.imark(0x1000, 5, 0);
    let sp = b.get(12, Type::I32);
    b.store(Endness::Le, sp, Atom::u32(7));
    let other = b.finish(Atom::u32(0x2000), JumpKind::Call, 16);
    assert_eq!(tokens(N, &other), ["WdT(get)", "ST(*,con)", "call(con)"]);

    // x86-style ret: t0 = esp; t1 = [t0]; esp = t0 + 4; jump t1.
    let mut b = IrsbBuilder::new();
    b.imark(0x3000, 1, 0);
    let sp = b.get(12, Type::I32);
    let target = b.load(Endness::Le, Type::I32, sp);
    let up = b.binop(Op::Add32, sp, Atom::u32(4));
    b.put(12, up);
    let ret = b.finish(target, JumpKind::Ret, 16);
    assert_eq!(tokens(N, &ret), ["WdT(get)", "ret"]);
    // MIPS-style jr ra: the register read stays, as the stack read does.
    let mut b = IrsbBuilder::new();
    b.imark(0x3000, 4, 0);
    b.imark(0x3004, 4, 0);
    let ra = b.get(8, Type::I32);
    let jr = b.finish(ra, JumpKind::Ret, 16);
    assert_eq!(tokens(N, &jr), ["WdT(get)", "ret"]);
}

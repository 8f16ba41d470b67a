#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Spec tests for plumbing slicing and canonical token order
//! (`vexil_features::slice`): which statements of hand-built blocks yield
//! tokens when one option is on and when it is off. The blocks imitate
//! what the MIPS and x86 lifters produce for the patterns named in each
//! test; the expected tokens were worked out by hand from the rules in
//! `slice.rs`.

mod common;

use vexil_features::SchemeOptions;
use vexil_ir::*;
use vexil_lift::{GuestLayout, Reg};

const fn reg(name: &'static str, offset: u32) -> Reg {
    Reg {
        name,
        offset,
        size: 4,
    }
}

// A toy 32-bit layout: r0..r3 at 0..16, ra at 16, t9 at 20 and gp at 24
// (the ABI plumbing registers), sp at 28, pc at 32.
const R0: u32 = 0;
const R1: u32 = 4;
const R2: u32 = 8;
const RA: u32 = 16;
const T9: u32 = 20;
const GP: u32 = 24;
const SP: u32 = 28;

static PLUMBING: [Reg; 2] = [reg("t9", T9), reg("gp", GP)];
static BOOK: [Reg; 1] = [reg("pc", 32)];
static LAYOUT: GuestLayout = GuestLayout {
    arch: Arch::Mips32,
    size: 64,
    pc: reg("pc", 32),
    sp: reg("sp", SP),
    regs: &[],
    bookkeeping: &BOOK,
    abi_plumbing: &PLUMBING,
};

/// neutral-v1's options with none of the slicing on.
fn base() -> SchemeOptions {
    vexil_features::Scheme::NeutralV1.options()
}

/// Everything this module adds, on.
fn all() -> SchemeOptions {
    SchemeOptions {
        slice_addresses: true,
        slice_stack: true,
        slice_abi_regs: true,
        drop_reg_reads: true,
        drop_reg_writes: true,
        bare_calls: true,
        ..base()
    }
}

fn tokens(opts: SchemeOptions, irsb: &Irsb) -> Vec<String> {
    common::block_texts(opts, &LAYOUT, irsb)
}

fn block(f: impl FnOnce(&mut IrsbBuilder), next: Atom, jk: JumpKind) -> Irsb {
    let mut b = IrsbBuilder::new();
    b.imark(0x1000, 4, 0);
    f(&mut b);
    b.finish(next, jk, 32)
}

fn fall(f: impl FnOnce(&mut IrsbBuilder)) -> Irsb {
    block(f, Atom::u32(0x1004), JumpKind::Boring)
}

#[test]
fn mips_pic_call_through_the_got_is_only_a_call() {
    // lw t9, -32000(gp); jalr t9
    let irsb = {
        let mut b = IrsbBuilder::new();
        b.imark(0x1000, 8, 0);
        let gp = b.get(GP, Type::I32);
        let slot = b.binop(Op::Add32, gp, Atom::u32(0xffff_8300));
        let target = b.load(Endness::Le, Type::I32, slot);
        b.put(T9, target);
        b.put(RA, Atom::u32(0x1008));
        b.finish(target, JumpKind::Call, 32)
    };
    assert_eq!(tokens(all(), &irsb), ["call"]);
    // Without slicing the GOT load and its address stay, and the call
    // names its operand.
    let t = tokens(base(), &irsb);
    assert!(t.contains(&"WdT(LD(*))".to_string()), "{t:?}");
    assert!(t.contains(&"WdT(Add(RdT,con))".to_string()), "{t:?}");
    assert_eq!(t.last().map(String::as_str), Some("call(RdT)"));
}

#[test]
fn address_arithmetic_used_only_by_memory_is_dropped() {
    let f = |b: &mut IrsbBuilder| {
        let p = b.get(R0, Type::I32);
        let a = b.binop(Op::Add32, p, Atom::u32(8));
        let v = b.load(Endness::Le, Type::I32, a);
        let w = b.binop(Op::Add32, v, Atom::u32(1));
        b.put(R1, w);
    };
    let irsb = fall(f);
    assert_eq!(tokens(all(), &irsb), ["WdT(LD(*))", "WdT(Add(RdT,con))"]);
    let keep_addr = SchemeOptions {
        slice_addresses: false,
        ..all()
    };
    assert_eq!(
        tokens(keep_addr, &irsb),
        ["WdT(Add(RdT,con))", "WdT(LD(*))", "WdT(Add(RdT,con))"]
    );
}

#[test]
fn an_address_that_is_also_a_value_stays() {
    // p + 8 is both loaded from and kept in a register.
    let irsb = fall(|b| {
        let p = b.get(R0, Type::I32);
        let a = b.binop(Op::Add32, p, Atom::u32(8));
        let v = b.load(Endness::Le, Type::I32, a);
        b.put(R1, v);
        b.put(R2, a);
    });
    assert_eq!(tokens(all(), &irsb), ["WdT(Add(RdT,con))", "WdT(LD(*))"]);
}

#[test]
fn pointer_chasing_loads_stay() {
    let irsb = fall(|b| {
        let p = b.get(R0, Type::I32);
        let q = b.load(Endness::Le, Type::I32, p);
        let v = b.load(Endness::Le, Type::I32, q);
        b.put(R1, v);
    });
    assert_eq!(tokens(all(), &irsb), ["WdT(LD(*))", "WdT(LD(*))"]);
}

#[test]
fn spills_go_but_the_spilled_value_stays() {
    let irsb = fall(|b| {
        let x = b.get(R0, Type::I32);
        let y = b.binop(Op::Mul32, x, x);
        let sp = b.get(SP, Type::I32);
        let slot = b.binop(Op::Add32, sp, Atom::u32(16));
        b.store(Endness::Le, slot, y);
    });
    assert_eq!(tokens(all(), &irsb), ["WdT(Mul(RdT,RdT))"]);
    let keep_stack = SchemeOptions {
        slice_stack: false,
        ..all()
    };
    assert_eq!(
        tokens(keep_stack, &irsb),
        ["WdT(Mul(RdT,RdT))", "ST(*,RdT)"]
    );
}

#[test]
fn stack_pointer_adjustment_is_plumbing() {
    let irsb = fall(|b| {
        let sp = b.get(SP, Type::I32);
        let n = b.binop(Op::Sub32, sp, Atom::u32(32));
        b.put(SP, n);
    });
    assert!(tokens(all(), &irsb).is_empty());
    let keep_stack = SchemeOptions {
        slice_stack: false,
        ..all()
    };
    assert_eq!(tokens(keep_stack, &irsb), ["WdT(Add(RdT,con))"]);
}

#[test]
fn a_global_address_from_the_got_reads_as_a_constant() {
    // lw v0, -32000(gp); addiu v0, v0, 16; addu v1, a0, v0: on x86-64 the
    // global's address is an immediate.
    let irsb = fall(|b| {
        let gp = b.get(GP, Type::I32);
        let slot = b.binop(Op::Add32, gp, Atom::u32(0xffff_8300));
        let page = b.load(Endness::Le, Type::I32, slot);
        let global = b.binop(Op::Add32, page, Atom::u32(16));
        let x = b.get(R0, Type::I32);
        let sum = b.binop(Op::Add32, x, global);
        b.put(R1, sum);
    });
    assert_eq!(tokens(all(), &irsb), ["WdT(Add(RdT,con))"]);
    let keep_gp = SchemeOptions {
        slice_abi_regs: false,
        ..all()
    };
    assert_eq!(
        tokens(keep_gp, &irsb),
        ["WdT(LD(*))", "WdT(Add(RdT,con))", "WdT(Add(RdT,RdT))"]
    );
}

#[test]
fn computing_and_saving_the_global_pointer_is_plumbing() {
    // lui gp; addiu gp; addu gp, gp, t9; sw gp, 16(sp)
    let irsb = fall(|b| {
        let t9 = b.get(T9, Type::I32);
        let gp = b.binop(Op::Add32, t9, Atom::u32(0x18a80));
        b.put(GP, gp);
        let sp = b.get(SP, Type::I32);
        let slot = b.binop(Op::Add32, sp, Atom::u32(16));
        b.store(Endness::Le, slot, gp);
    });
    assert!(tokens(all(), &irsb).is_empty());
}

#[test]
fn register_reads_and_writes_are_separate_options() {
    let irsb = fall(|b| {
        let x = b.get(R0, Type::I32);
        let y = b.binop(Op::Xor32, x, Atom::u32(5));
        b.put(R1, y);
    });
    let reads = SchemeOptions {
        drop_reg_writes: false,
        ..all()
    };
    assert_eq!(tokens(reads, &irsb), ["WdT(Xor(RdT,con))", "put(RdT)"]);
    let writes = SchemeOptions {
        drop_reg_reads: false,
        ..all()
    };
    assert_eq!(tokens(writes, &irsb), ["WdT(get)", "WdT(Xor(RdT,con))"]);
}

/// The same computation scheduled two ways: a load and a multiply that do
/// not depend on each other, then their sum.
fn scheduled(load_first: bool) -> Irsb {
    fall(|b| {
        let (v, m) = if load_first {
            let p = b.get(R0, Type::I32);
            let v = b.load(Endness::Le, Type::I32, p);
            let x = b.get(R1, Type::I32);
            let m = b.binop(Op::Mul32, x, x);
            (v, m)
        } else {
            let x = b.get(R1, Type::I32);
            let m = b.binop(Op::Mul32, x, x);
            let p = b.get(R0, Type::I32);
            let v = b.load(Endness::Le, Type::I32, p);
            (v, m)
        };
        let s = b.binop(Op::Add32, v, m);
        b.put(R2, s);
    })
}

#[test]
fn canonical_order_does_not_depend_on_scheduling() {
    let canon = SchemeOptions {
        canonical_order: true,
        ..all()
    };
    let a = tokens(canon, &scheduled(true));
    let b = tokens(canon, &scheduled(false));
    assert_eq!(a, b);
    assert_eq!(a.len(), 3);
    assert_eq!(a[2], "WdT(Add(RdT,RdT))");
    // In lifted order the two schedules differ.
    assert_ne!(
        tokens(all(), &scheduled(true)),
        tokens(all(), &scheduled(false))
    );
}

#[test]
fn canonical_order_keeps_memory_order_and_exits() {
    let canon = SchemeOptions {
        canonical_order: true,
        ..all()
    };
    // A store, then a load of what may be the same address, then a side
    // exit, then work after it: nothing may cross.
    let irsb = fall(|b| {
        let p = b.get(R0, Type::I32);
        b.store(Endness::Le, p, Atom::u32(1));
        let v = b.load(Endness::Le, Type::I32, p);
        let c = b.binop(Op::CmpEQ32, v, Atom::u32(0));
        b.exit(c, Const::u32(0x2000), JumpKind::Boring, 32);
        let w = b.binop(Op::Shl32, v, Atom::u8(2));
        b.put(R1, w);
    });
    assert_eq!(
        tokens(canon, &irsb),
        [
            "ST(*,con)",
            "WdT(LD(*))",
            "WdT(CmpEQ(RdT,con))",
            "exit(RdT)",
            "WdT(Shl(RdT,con))"
        ]
    );
}

#[test]
fn trap_exits_and_their_conditions_are_dropped() {
    // x86's div: exit to the divide-error trap if the divisor is zero.
    let irsb = fall(|b| {
        let n = b.get(R0, Type::I32);
        let d = b.get(R1, Type::I32);
        let z = b.binop(Op::CmpEQ32, d, Atom::u32(0));
        b.exit(z, Const::u32(0x1000), JumpKind::SigFPE_IntDiv, 32);
        let q = b.binop(Op::DivU32, n, d);
        b.put(R2, q);
    });
    let traps = SchemeOptions {
        drop_trap_exits: true,
        ..all()
    };
    assert_eq!(tokens(traps, &irsb), ["WdT(DivU(RdT,RdT))"]);
    assert_eq!(
        tokens(all(), &irsb),
        [
            "WdT(CmpEQ(RdT,con))",
            "exit:trap(RdT)",
            "WdT(DivU(RdT,RdT))"
        ]
    );
}

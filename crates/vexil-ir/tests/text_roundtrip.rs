#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code reports failures by panicking
//! The canonical text form round-trips: print -> parse gives the same block,
//! and printing that block again gives the same text. Checked for every
//! operation, every statement kind, and thousands of random blocks.

use proptest::prelude::*;
use vexil_ir::testgen::{GenConfig, XorShift, random_irsb};
use vexil_ir::*;

fn roundtrip(irsb: &Irsb) {
    let text = irsb.to_string();
    let parsed = parse_irsb(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(
        &parsed, irsb,
        "parsed block differs from the original:\n{text}"
    );
    assert_eq!(parsed.to_string(), text);
}

#[test]
fn every_operation_round_trips_and_verifies() {
    for &op in Op::ALL {
        let mut b = IrsbBuilder::new();
        let args: Vec<Atom> = op
            .signature()
            .args
            .iter()
            .map(|&ty| {
                // One temp argument (from a GET) and constants for the rest, so
                // both operand kinds are printed for every op.
                b.get(16, ty)
            })
            .collect();
        let r = b.assign(Expr::op(op, &args).unwrap());
        let ty = b.ty(r);
        assert_eq!(ty, op.result_type());
        b.put(64, r);
        let irsb = b.finish(Atom::u64(0x1000), JumpKind::Boring, 184);
        verify(&irsb).unwrap_or_else(|e| panic!("{op}: {e}\n{irsb}"));
        roundtrip(&irsb);
    }
}

const EVERY_STATEMENT: &str = r#"IRSB {
   t0:Ity_I64 t1:Ity_I32 t2:Ity_I1 t3:Ity_I32 t4:Ity_I64 t5:Ity_I64 t6:Ity_I32 t7:Ity_I32 t8:Ity_I64 t9:Ity_I1 t10:Ity_I32 t11:Ity_F64 t12:Ity_I64 t13:Ity_V128 t14:Ity_I128 t15:Ity_F32 t16:Ity_I32
   00 | ------ IMark(0x401000, 4, 0) ------
   01 | t0 = GET:I64(offset=16)
   02 | t1 = LDle:I32(t0)
   03 | t2 = CmpEQ32(t1,0x00000000)
   04 | t3 = ITE(t2,t1,0xffffffff)
   05 | PUT(offset=24) = t3
   06 | STbe(t0) = t3
   07 | if (t2) STle(t0) = 0x1234
   08 | t6 = if (t2) ILGop_8Sto32(LDle(t0)) else 0x00000007
   09 | t7 = CASle(t0 :: t6->t3)
   10 | t4,t5 = CASle(t0 :: (0x0000000000000001,0x0000000000000002)->(0x0000000000000003,0x0000000000000004))
   11 | t8 = LDle-Linked(t0)
   12 | t9 = ( STle-Cond(t0) = t8 )
   13 | MBusEvent-Fence
   14 | MBusEvent-CancelReservation
   15 | t10 = DIRTY t9 RdFX-mem(t0,8) WrFX-gst(16,8) MoFX-gst(32,4) ::: x86g_dirtyhelper_CPUID(t3,0x00000000)
   16 | DIRTY 1:I1 ::: helper_no_result()
   17 | t11 = GETI(128:8xF64)[t10,-7]
   18 | PUTI(128:8xF64)[t10,3] = F64{0x3ff0000000000000}
   19 | t12 = amd64g_calculate_condition(0x0000000000000004,t0,t4,t5,t8):Ity_I64
   20 | t13 = 64HLtoV128(t12,t8)
   21 | t14 = 64HLto128(t12,t8)
   22 | t15 = F64toF32(0x00000000,t11)
   23 | t16 = ReinterpF32asI32(t15)
   24 | PUT(offset=64) = V128{0x00ff}
   25 | PUT(offset=80) = U128{0xffff}
   26 | if (t9) { PUT(offset=184) = 0x0000000000401010; Ijk_Boring }
   27 | IR-NoOp
   NEXT: PUT(offset=184) = t0; Ijk_Ret
}"#;

#[test]
fn every_statement_kind_round_trips_and_verifies() {
    let irsb = parse_irsb(EVERY_STATEMENT).unwrap();
    verify(&irsb).unwrap();
    assert_eq!(irsb.to_string(), EVERY_STATEMENT);
    roundtrip(&irsb);
    // Every Stmt variant is present in the sample.
    let kinds: std::collections::BTreeSet<&str> = irsb
        .stmts
        .iter()
        .map(|s| match s {
            Stmt::NoOp => "NoOp",
            Stmt::IMark { .. } => "IMark",
            Stmt::WrTmp { .. } => "WrTmp",
            Stmt::Put { .. } => "Put",
            Stmt::PutI { .. } => "PutI",
            Stmt::Store { .. } => "Store",
            Stmt::StoreG { .. } => "StoreG",
            Stmt::LoadG { .. } => "LoadG",
            Stmt::Cas(_) => "Cas",
            Stmt::Llsc { .. } => "Llsc",
            Stmt::Mbe(_) => "Mbe",
            Stmt::Dirty(_) => "Dirty",
            Stmt::Exit { .. } => "Exit",
        })
        .collect();
    assert_eq!(kinds.len(), 13, "{kinds:?}");
}

#[test]
fn design_doc_example_parses() {
    let text = "IRSB {\n   t0:Ity_I32 t1:Ity_I32\n   00 | ------ IMark(0x8048000, 3, 0) ------\n   01 | t0 = GET:I32(offset=16)\n   02 | t1 = Sub32(t0,0x00000008)\n   03 | PUT(offset=16) = t1\n   NEXT: PUT(offset=68) = 0x08048003; Ijk_Boring\n}";
    let irsb = parse_irsb(text).unwrap();
    verify(&irsb).unwrap();
    assert_eq!(irsb.to_string(), text);
    assert_eq!(irsb.instruction_count(), 1);
    assert_eq!(irsb.const_next(), Some(0x0804_8003));
}

#[test]
fn every_jump_kind_round_trips() {
    for &jk in JumpKind::ALL {
        let irsb = IrsbBuilder::new().finish(Atom::u32(4), jk, 68);
        roundtrip(&irsb);
    }
}

#[test]
fn random_blocks_verify_and_round_trip() {
    for seed in 0..3000 {
        let cfg = GenConfig {
            addr_ty: if seed % 2 == 0 { Type::I64 } else { Type::I32 },
            ..GenConfig::default()
        };
        let irsb = random_irsb(&mut XorShift::new(seed), &cfg);
        verify_with(
            &irsb,
            VerifyOptions {
                state_size: Some(cfg.state_size),
                addr_type: Some(cfg.addr_ty),
            },
        )
        .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{irsb}"));
        roundtrip(&irsb);
    }
}

proptest! {
    #[test]
    fn random_blocks_round_trip(seed in any::<u64>()) {
        let irsb = random_irsb(&mut XorShift::new(seed), &GenConfig::default());
        let text = irsb.to_string();
        let parsed = parse_irsb(&text).unwrap();
        prop_assert_eq!(&parsed, &irsb);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn parser_never_panics_on_mutated_text(seed in any::<u64>(), cut in any::<usize>(), junk in "[ -~]{0,8}") {
        let text = random_irsb(&mut XorShift::new(seed), &GenConfig::default()).to_string();
        let mut at = cut % (text.len() + 1);
        while !text.is_char_boundary(at) { at -= 1; }
        let mutated = format!("{}{}{}", &text[..at], junk, &text[at..]);
        let _ = parse_irsb(&mutated);
    }
}

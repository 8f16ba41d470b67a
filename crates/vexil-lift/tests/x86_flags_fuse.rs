//! A flag-setting instruction followed by `jcc`, `setcc` or `cmovcc` reaches
//! the optimizer's output (level 1) as comparison ops, with no condition
//! helper left: for every condition after every common flag producer, in
//! both modes. For the usual conditions after `cmp`/`test`/`sub`, the branch guard
//! is a single comparison.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use vexil_ir::{Arch, Atom, Endian, Expr, Irsb, IsaMode, Stmt, Temp};
use vexil_lift::{LiftOptions, guest_for};

const CONDS: [&str; 16] = [
    "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g",
];

/// Encodings (without the trailing jcc) of flag producers: (bytes, text).
fn producers(arch: Arch) -> Vec<(Vec<u8>, &'static str)> {
    let mut v: Vec<(Vec<u8>, &'static str)> = vec![
        (vec![0x39, 0xd8], "cmp eax, ebx"),
        (vec![0x38, 0xd8], "cmp al, bl"),
        (vec![0x66, 0x39, 0xd8], "cmp ax, bx"),
        (vec![0x85, 0xc0], "test eax, eax"),
        (vec![0x84, 0xdb], "test bl, bl"),
        (vec![0x29, 0xd8], "sub eax, ebx"),
        (vec![0x01, 0xd8], "add eax, ebx"),
        (vec![0x21, 0xd8], "and eax, ebx"),
        (vec![0x09, 0xd8], "or eax, ebx"),
        (vec![0x31, 0xd8], "xor eax, ebx"),
        (vec![0x83, 0xf8, 0x05], "cmp eax, 5"),
        (vec![0xf7, 0xd8], "neg eax"),
    ];
    if arch == Arch::X86_64 {
        v.push((vec![0x48, 0x39, 0xd8], "cmp rax, rbx"));
        v.push((vec![0x48, 0x85, 0xff], "test rdi, rdi"));
        v.push((vec![0xff, 0xc1], "inc ecx"));
        v.push((vec![0x48, 0xff, 0xc9], "dec rcx"));
    } else {
        v.push((vec![0x41], "inc ecx"));
        v.push((vec![0x49], "dec ecx"));
    }
    v
}

/// True if a condition helper is left (inc/dec keep the carry helper of the
/// flags before them, which is theirs, not the consumer's).
fn has_cond_helper(irsb: &Irsb) -> bool {
    irsb.stmts.iter().any(|s| {
        matches!(s, Stmt::WrTmp { expr: Expr::CCall { callee, .. }, .. } if callee.name().contains("condition"))
    })
}

fn def_of(irsb: &Irsb, t: Temp) -> Option<&Expr> {
    irsb.stmts.iter().find_map(|s| match s {
        Stmt::WrTmp { dst, expr } if *dst == t => Some(expr),
        _ => None,
    })
}

/// The branch's guard, or `None` when the condition folded to a constant
/// (`test; jb` never jumps; `test; jae` always does).
fn exit_guard(irsb: &Irsb) -> Option<Atom> {
    irsb.stmts.iter().find_map(|s| match s {
        Stmt::Exit { guard, .. } => Some(*guard),
        _ => None,
    })
}

#[test]
fn compare_and_branch_fuse_into_comparisons() {
    let opts = LiftOptions::default();
    for arch in [Arch::X86, Arch::X86_64] {
        let g = guest_for(arch, Endian::Little).unwrap();
        for (bytes, text) in producers(arch) {
            for (cc, name) in CONDS.iter().enumerate() {
                let mut code = bytes.clone();
                code.extend([0x70 + u8::try_from(cc).unwrap(), 0x10]);
                let irsb = g.lift(&code, 0x1000, IsaMode::Default, &opts);
                assert!(irsb.instruction_count() >= 1, "{arch} {text}; j{name}");
                assert!(
                    !has_cond_helper(&irsb),
                    "{arch} {text}; j{name} kept a flag helper:\n{irsb}"
                );
                let simple = matches!(text.split_whitespace().next(), Some("cmp" | "sub" | "test"))
                    && !matches!(*name, "o" | "no" | "p" | "np");
                if simple {
                    let Some(Atom::Tmp(t)) = exit_guard(&irsb) else {
                        continue;
                    };
                    let op = def_of(&irsb, t)
                        .and_then(Expr::as_op)
                        .map(|(op, _)| op.name());
                    assert!(
                        op.is_some_and(|n| n.starts_with("Cmp")),
                        "{arch} {text}; j{name}: guard is {op:?}, not one comparison\n{irsb}"
                    );
                }
                // setcc and cmovcc after the same producer.
                for tail in [
                    vec![0x0f, 0x90 + u8::try_from(cc).unwrap(), 0xc1],
                    vec![0x0f, 0x40 + u8::try_from(cc).unwrap(), 0xca],
                ] {
                    let mut code = bytes.clone();
                    code.extend(tail);
                    let irsb = g.lift(&code, 0x1000, IsaMode::Default, &opts);
                    assert!(
                        !has_cond_helper(&irsb),
                        "{arch} {text}; set/cmov {name} kept a flag helper:\n{irsb}"
                    );
                }
            }
        }
    }
}

//! Algebraic simplification of one operation whose arguments' definitions
//! are known. Rules are local and type-preserving; each one either returns an
//! existing atom or a cheaper single expression.

use crate::{Atom, Const, Expr, Op, Type};

/// The outcome of simplifying an expression.
pub(super) enum Simple {
    /// The expression equals this atom.
    Atom(Atom),
    /// The expression equals this (cheaper) expression.
    Expr(Expr),
}

/// Looks up how a temporary was defined.
pub(super) trait DefLookup {
    fn def_expr(&self, a: Atom) -> Option<&Expr>;
}

fn op_of(d: &dyn DefLookup, a: Atom) -> Option<(Op, &Expr)> {
    let e = d.def_expr(a)?;
    let (op, _) = e.as_op()?;
    Some((op, e))
}

fn unop_arg(e: &Expr) -> Option<Atom> {
    match e {
        Expr::Unop { a, .. } => Some(*a),
        _ => None,
    }
}

/// `(from, to)` for the zero/sign-widening conversions.
pub(super) fn widening(op: Op) -> Option<(Type, Type, bool)> {
    use Op::*;
    use Type::*;
    Some(match op {
        I8Uto16 => (I8, I16, false),
        I8Uto32 => (I8, I32, false),
        I8Uto64 => (I8, I64, false),
        I16Uto32 => (I16, I32, false),
        I16Uto64 => (I16, I64, false),
        I32Uto64 => (I32, I64, false),
        I8Sto16 => (I8, I16, true),
        I8Sto32 => (I8, I32, true),
        I8Sto64 => (I8, I64, true),
        I16Sto32 => (I16, I32, true),
        I16Sto64 => (I16, I64, true),
        I32Sto64 => (I32, I64, true),
        I1Uto8 => (I1, I8, false),
        I1Uto16 => (I1, I16, false),
        I1Uto32 => (I1, I32, false),
        I1Uto64 => (I1, I64, false),
        I1Sto8 => (I1, I8, true),
        I1Sto16 => (I1, I16, true),
        I1Sto32 => (I1, I32, true),
        I1Sto64 => (I1, I64, true),
        _ => return None,
    })
}

/// `(from, to)` for the conversions that keep the low bits.
pub(super) fn narrowing(op: Op) -> Option<(Type, Type)> {
    use Op::*;
    use Type::*;
    Some(match op {
        I16to8 => (I16, I8),
        I32to8 => (I32, I8),
        I64to8 => (I64, I8),
        I32to16 => (I32, I16),
        I64to16 => (I64, I16),
        I64to32 => (I64, I32),
        I128to64 => (I128, I64),
        I8to1 => (I8, I1),
        I16to1 => (I16, I1),
        I32to1 => (I32, I1),
        I64to1 => (I64, I1),
        _ => return None,
    })
}

/// Inverse tables of `narrowing`, `widening` and `family`, built once from
/// them (a linear search over the op table per rewrite dominated the
/// optimizer's time on x86 code, which narrows widened values constantly).
struct Inverse {
    narrow: [[Option<Op>; 9]; 9],
    widen: [[[Option<Op>; 9]; 9]; 2],
    cmp: [[Option<Op>; 9]; FAMILIES],
}

static INVERSE: std::sync::LazyLock<Inverse> = std::sync::LazyLock::new(|| {
    let mut t = Inverse {
        narrow: [[None; 9]; 9],
        widen: [[[None; 9]; 9]; 2],
        cmp: [[None; 9]; FAMILIES],
    };
    for &op in Op::ALL {
        if let Some((from, to)) = narrowing(op) {
            t.narrow[from as usize][to as usize].get_or_insert(op);
        }
        if let Some((from, to, signed)) = widening(op) {
            t.widen[usize::from(signed)][from as usize][to as usize].get_or_insert(op);
        }
        // The plain compares, not their Cas/Exp-hinted twins.
        if let Some((f, ty)) = family(op) {
            if !op.name().starts_with("Cas") && !op.name().starts_with("Exp") {
                t.cmp[f as usize][ty as usize].get_or_insert(op);
            }
        }
    }
    t
});

/// The narrowing op from `from` to `to` keeping low bits, if the table has it.
pub(super) fn narrow_op(from: Type, to: Type) -> Option<Op> {
    INVERSE.narrow[from as usize][to as usize]
}

/// The widening op from `from` to `to`, if the table has it.
fn widen_op(from: Type, to: Type, signed: bool) -> Option<Op> {
    INVERSE.widen[usize::from(signed)][from as usize][to as usize]
}

const FAMILIES: usize = 15;
const _: () = assert!(Family::CmpLEU as usize + 1 == FAMILIES && Type::ALL.len() == 9);

#[derive(Copy, Clone, PartialEq, Eq)]
enum Family {
    Add,
    Sub,
    Mul,
    Or,
    And,
    Xor,
    Shl,
    Shr,
    Sar,
    CmpEQ,
    CmpNE,
    CmpLTS,
    CmpLTU,
    CmpLES,
    CmpLEU,
}

fn family(op: Op) -> Option<(Family, Type)> {
    use Op::*;
    use Type::*;
    let (f, t) = match op {
        Add8 => (Family::Add, I8),
        Add16 => (Family::Add, I16),
        Add32 => (Family::Add, I32),
        Add64 => (Family::Add, I64),
        Sub8 => (Family::Sub, I8),
        Sub16 => (Family::Sub, I16),
        Sub32 => (Family::Sub, I32),
        Sub64 => (Family::Sub, I64),
        Mul8 => (Family::Mul, I8),
        Mul16 => (Family::Mul, I16),
        Mul32 => (Family::Mul, I32),
        Mul64 => (Family::Mul, I64),
        Or8 => (Family::Or, I8),
        Or16 => (Family::Or, I16),
        Or32 => (Family::Or, I32),
        Or64 => (Family::Or, I64),
        Or1 => (Family::Or, I1),
        And8 => (Family::And, I8),
        And16 => (Family::And, I16),
        And32 => (Family::And, I32),
        And64 => (Family::And, I64),
        And1 => (Family::And, I1),
        Xor8 => (Family::Xor, I8),
        Xor16 => (Family::Xor, I16),
        Xor32 => (Family::Xor, I32),
        Xor64 => (Family::Xor, I64),
        Xor1 => (Family::Xor, I1),
        Shl8 => (Family::Shl, I8),
        Shl16 => (Family::Shl, I16),
        Shl32 => (Family::Shl, I32),
        Shl64 => (Family::Shl, I64),
        Shr8 => (Family::Shr, I8),
        Shr16 => (Family::Shr, I16),
        Shr32 => (Family::Shr, I32),
        Shr64 => (Family::Shr, I64),
        Sar8 => (Family::Sar, I8),
        Sar16 => (Family::Sar, I16),
        Sar32 => (Family::Sar, I32),
        Sar64 => (Family::Sar, I64),
        CmpEQ8 | CasCmpEQ8 => (Family::CmpEQ, I8),
        CmpEQ16 | CasCmpEQ16 => (Family::CmpEQ, I16),
        CmpEQ32 | CasCmpEQ32 => (Family::CmpEQ, I32),
        CmpEQ64 | CasCmpEQ64 => (Family::CmpEQ, I64),
        CmpNE8 | CasCmpNE8 | ExpCmpNE8 => (Family::CmpNE, I8),
        CmpNE16 | CasCmpNE16 | ExpCmpNE16 => (Family::CmpNE, I16),
        CmpNE32 | CasCmpNE32 | ExpCmpNE32 => (Family::CmpNE, I32),
        CmpNE64 | CasCmpNE64 | ExpCmpNE64 => (Family::CmpNE, I64),
        CmpLT8S => (Family::CmpLTS, I8),
        CmpLT16S => (Family::CmpLTS, I16),
        CmpLT32S => (Family::CmpLTS, I32),
        CmpLT64S => (Family::CmpLTS, I64),
        CmpLT8U => (Family::CmpLTU, I8),
        CmpLT16U => (Family::CmpLTU, I16),
        CmpLT32U => (Family::CmpLTU, I32),
        CmpLT64U => (Family::CmpLTU, I64),
        CmpLE8S => (Family::CmpLES, I8),
        CmpLE16S => (Family::CmpLES, I16),
        CmpLE32S => (Family::CmpLES, I32),
        CmpLE64S => (Family::CmpLES, I64),
        CmpLE8U => (Family::CmpLEU, I8),
        CmpLE16U => (Family::CmpLEU, I16),
        CmpLE32U => (Family::CmpLEU, I32),
        CmpLE64U => (Family::CmpLEU, I64),
        _ => return None,
    };
    Some((f, t))
}

fn cmp_op(f: Family, ty: Type) -> Option<Op> {
    INVERSE.cmp[f as usize][ty as usize]
}

fn is_const(a: Atom, v: u128) -> bool {
    a.as_const().is_some_and(|c| c.value() == v)
}

fn is_ones(a: Atom) -> bool {
    a.as_const().is_some_and(Const::is_ones)
}

fn zero(ty: Type) -> Atom {
    Atom::Const(Const::new(ty, 0))
}

/// Simplifies `op(args)`; `None` if no rule applies.
pub(super) fn simplify_op(op: Op, args: &[Atom], d: &dyn DefLookup) -> Option<Simple> {
    if let [a] = *args {
        return simplify_unop(op, a, d);
    }
    let [a, b] = *args else { return None };
    let (f, ty) = family(op)?;
    use Family::*;
    let same = a == b && a.as_tmp().is_some();
    Some(match f {
        Add | Or | Xor if is_const(b, 0) => Simple::Atom(a),
        Add | Or | Xor if is_const(a, 0) => Simple::Atom(b),
        Sub | Shl | Shr | Sar if is_const(b, 0) => Simple::Atom(a),
        Shl | Shr if is_const(a, 0) => Simple::Atom(a),
        Sub | Xor if same => Simple::Atom(zero(ty)),
        Or | And if same => Simple::Atom(a),
        And if is_ones(b) => Simple::Atom(a),
        And if is_ones(a) => Simple::Atom(b),
        And | Mul if is_const(b, 0) => Simple::Atom(b),
        And | Mul if is_const(a, 0) => Simple::Atom(a),
        Or if ty == Type::I1 && is_ones(b) => Simple::Atom(b),
        Or if ty == Type::I1 && is_ones(a) => Simple::Atom(a),
        Mul if is_const(b, 1) => Simple::Atom(a),
        Mul if is_const(a, 1) => Simple::Atom(b),
        // `And(1Uto32(c), 1)` is already 0 or 1.
        And if is_const(b, 1)
            && op_of(d, a)
                .is_some_and(|(o, _)| widening(o).is_some_and(|w| w.0 == Type::I1 && !w.2)) =>
        {
            Simple::Atom(a)
        }
        CmpEQ | CmpLES | CmpLEU if same => Simple::Atom(Atom::bool(true)),
        CmpNE | CmpLTS | CmpLTU if same => Simple::Atom(Atom::bool(false)),
        CmpNE | CmpEQ => return simplify_bool_compare(f, a, b, d),
        _ => return None,
    })
}

/// `CmpNE(1Uto32(c), 0)` is `c`; `CmpEQ(1Uto32(c), 0)` is `Not1(c)`;
/// `CmpEQ(1Uto32(c), 1)` is `c`.
fn simplify_bool_compare(f: Family, a: Atom, b: Atom, d: &dyn DefLookup) -> Option<Simple> {
    let (a, b) = if a.as_const().is_some() {
        (b, a)
    } else {
        (a, b)
    };
    let (wop, we) = op_of(d, a)?;
    let (from, _, signed) = widening(wop)?;
    if from != Type::I1 || signed {
        return None;
    }
    let c = unop_arg(we)?;
    match (f, b.as_const()?.value()) {
        (Family::CmpNE, 0) | (Family::CmpEQ, 1) => Some(Simple::Atom(c)),
        (Family::CmpEQ, 0) | (Family::CmpNE, 1) => {
            Some(Simple::Expr(Expr::Unop { op: Op::Not1, a: c }))
        }
        _ => None,
    }
}

fn simplify_unop(op: Op, a: Atom, d: &dyn DefLookup) -> Option<Simple> {
    let def = op_of(d, a);
    if let Some((_, to)) = narrowing(op) {
        let (inner, ie) = def?;
        if let Some((from, _, _)) = widening(inner) {
            let x = unop_arg(ie)?;
            // narrow(widen(x)) back to x's own width is x; to a smaller width
            // it is a narrowing of x.
            if from == to {
                return Some(Simple::Atom(x));
            }
            if to.bits() < from.bits() {
                return narrow_op(from, to).map(|op| Simple::Expr(Expr::Unop { op, a: x }));
            }
            if to.bits() > from.bits() {
                let (_, _, signed) = widening(inner)?;
                return widen_op(from, to, signed).map(|op| Simple::Expr(Expr::Unop { op, a: x }));
            }
        }
        if let Some((orig_from, _)) = narrowing(inner) {
            // narrow(narrow(x)) is one narrowing.
            let x = unop_arg(ie)?;
            return narrow_op(orig_from, to).map(|op| Simple::Expr(Expr::Unop { op, a: x }));
        }
        return None;
    }
    if op == Op::CmpNEZ8 || op == Op::CmpNEZ16 || op == Op::CmpNEZ32 || op == Op::CmpNEZ64 {
        let (inner, ie) = def?;
        let (from, _, _) = widening(inner)?;
        if from == Type::I1 {
            return unop_arg(ie).map(Simple::Atom);
        }
        return None;
    }
    if op == Op::Not1 {
        let (inner, ie) = def?;
        if inner == Op::Not1 {
            return unop_arg(ie).map(Simple::Atom);
        }
        if let Expr::Binop { a: x, b: y, .. } = ie {
            let (f, ty) = family(inner)?;
            let (nf, swap) = match f {
                Family::CmpEQ => (Family::CmpNE, false),
                Family::CmpNE => (Family::CmpEQ, false),
                Family::CmpLTS => (Family::CmpLES, true),
                Family::CmpLTU => (Family::CmpLEU, true),
                Family::CmpLES => (Family::CmpLTS, true),
                Family::CmpLEU => (Family::CmpLTU, true),
                _ => return None,
            };
            let nop = cmp_op(nf, ty)?;
            let (p, q) = if swap { (*y, *x) } else { (*x, *y) };
            return Some(Simple::Expr(Expr::Binop {
                op: nop,
                a: p,
                b: q,
            }));
        }
        return None;
    }
    // widen(widen(x)) is one widening when both have the same signedness.
    if let Some((_, to, signed)) = widening(op) {
        let (inner, ie) = def?;
        let (from, _, isigned) = widening(inner)?;
        // A zero-extension followed by any extension is one zero-extension
        // (the middle value's top bit is 0); two sign-extensions are one.
        if isigned == signed || !isigned {
            let x = unop_arg(ie)?;
            let s = isigned && signed;
            return widen_op(from, to, s).map(|op| Simple::Expr(Expr::Unop { op, a: x }));
        }
    }
    None
}

/// Simplifies `ITE(cond, then, els)`.
pub(super) fn simplify_ite(cond: Atom, then: Atom, els: Atom, d: &dyn DefLookup) -> Option<Simple> {
    if let Some(c) = cond.as_const() {
        return Some(Simple::Atom(if c.bits() != 0 { then } else { els }));
    }
    if then == els {
        return Some(Simple::Atom(then));
    }
    if then == Atom::bool(true) && els == Atom::bool(false) {
        return Some(Simple::Atom(cond));
    }
    if then == Atom::bool(false) && els == Atom::bool(true) {
        return Some(Simple::Expr(Expr::Unop {
            op: Op::Not1,
            a: cond,
        }));
    }
    if let Some((Op::Not1, ie)) = op_of(d, cond) {
        let c = unop_arg(ie)?;
        return Some(Simple::Expr(Expr::Ite {
            cond: c,
            then: els,
            els: then,
        }));
    }
    None
}

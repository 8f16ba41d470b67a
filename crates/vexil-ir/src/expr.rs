//! Operands and expressions.
//!
//! The IR is flat by construction: every operand of an expression is an
//! [`Atom`] (a constant or a temporary), never a nested expression, so a
//! lifted block is a straight list of statements with no `Box<Expr>` trees.

use crate::{Const, Endness, Offset, Op, Temp, Type};
use std::borrow::Cow;
use std::fmt;

/// An operand: a constant or a temporary.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Atom {
    /// Read a temporary (`t3`).
    Tmp(Temp),
    /// A constant (`0x00000008`).
    Const(Const),
}

impl Atom {
    /// An `I1` constant.
    pub const fn bool(b: bool) -> Atom {
        Atom::Const(Const::bool(b))
    }
    /// An `I8` constant.
    pub const fn u8(v: u8) -> Atom {
        Atom::Const(Const::u8(v))
    }
    /// An `I16` constant.
    pub const fn u16(v: u16) -> Atom {
        Atom::Const(Const::u16(v))
    }
    /// An `I32` constant.
    pub const fn u32(v: u32) -> Atom {
        Atom::Const(Const::u32(v))
    }
    /// An `I64` constant.
    pub const fn u64(v: u64) -> Atom {
        Atom::Const(Const::u64(v))
    }
    /// An integer constant of type `ty`, truncating `v`.
    pub const fn int(ty: Type, v: u64) -> Atom {
        Atom::Const(Const::int(ty, v))
    }
    /// The constant, if this is one.
    pub const fn as_const(self) -> Option<Const> {
        match self {
            Atom::Const(c) => Some(c),
            Atom::Tmp(_) => None,
        }
    }
    /// The temporary, if this is one.
    pub const fn as_tmp(self) -> Option<Temp> {
        match self {
            Atom::Tmp(t) => Some(t),
            Atom::Const(_) => None,
        }
    }
}

impl From<Temp> for Atom {
    fn from(t: Temp) -> Atom {
        Atom::Tmp(t)
    }
}

impl From<Const> for Atom {
    fn from(c: Const) -> Atom {
        Atom::Const(c)
    }
}

/// The name of a helper function called by `CCall` or `Dirty`.
///
/// Lifters name helpers with static strings; the parser produces owned ones.
/// The meaning of a helper is given by the architecture that names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Callee(pub Cow<'static, str>);

impl Callee {
    /// A helper with a static name.
    pub const fn new(name: &'static str) -> Callee {
        Callee(Cow::Borrowed(name))
    }
    /// The helper's name.
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Callee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A circular array in the guest state, indexed at run time (`GetI`/`PutI`),
/// e.g. the x87 register stack: `(96:8xF64)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct RegArray {
    /// Offset of element 0.
    pub base: Offset,
    /// Element type.
    pub elem: Type,
    /// Number of elements.
    pub n: u32,
}

impl RegArray {
    /// The guest-state offset of element `(ix + bias) mod n`.
    pub fn offset_of(&self, ix: u64, bias: i32) -> Offset {
        let n = i64::from(self.n.max(1));
        // ix is a guest value: reduce it modulo n before mixing with the bias.
        let ix_mod = i64::try_from(ix % (n.unsigned_abs())).unwrap_or(0);
        let slot = (ix_mod + i64::from(bias)).rem_euclid(n);
        let slot = u32::try_from(slot).unwrap_or(0);
        Offset(self.base.0 + slot * self.elem.bytes())
    }
    /// Bytes covered by the whole array.
    pub fn size(&self) -> u32 {
        self.n * self.elem.bytes()
    }
}

/// Visits the atom operands of an expression (not `RdTmp`/`Const`
/// themselves), by shared or mutable reference: one definition for both
/// visitors so they cannot drift apart.
macro_rules! each_operand {
    ($e:expr, $f:ident, $($m:tt)?) => {
        match $e {
            Expr::Const(_) | Expr::RdTmp(_) | Expr::Get { .. } => {}
            Expr::GetI { ix: a, .. } | Expr::Load { addr: a, .. } | Expr::Unop { a, .. } => $f(a),
            Expr::Binop { a, b, .. } => {
                $f(a);
                $f(b);
            }
            Expr::Triop { args, .. } => {
                for a in &$($m)? args[..] {
                    $f(a);
                }
            }
            Expr::Qop { args, .. } => {
                for a in &$($m)? args[..] {
                    $f(a);
                }
            }
            Expr::Ite { cond, then, els } => {
                $f(cond);
                $f(then);
                $f(els);
            }
            Expr::CCall { args, .. } => {
                for a in &$($m)? args[..] {
                    $f(a);
                }
            }
        }
    };
}

/// An expression: the right-hand side of a `WrTmp`.
///
/// `repr(u8)` gives the kind a tag byte of its own. Without it the compiler
/// hides the kind in spare values of `Binop`'s `op` field, and every `match`
/// on an expression (every pass matches on each one) first works the kind
/// out of that field with a compare and a conditional move. The size stays
/// within 56 bytes (asserted in lib.rs): the largest variant, `Triop`, has
/// room for the tag before its arguments.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Expr {
    /// A constant.
    Const(Const),
    /// Read a temporary.
    RdTmp(Temp),
    /// Read a guest register at a fixed offset.
    Get {
        /// Guest-state offset.
        offset: Offset,
        /// Type read.
        ty: Type,
    },
    /// Read an element of a guest-state array at a run-time index.
    GetI {
        /// The array.
        descr: RegArray,
        /// The variable part of the index.
        ix: Atom,
        /// The constant part of the index.
        bias: i32,
    },
    /// Read guest memory.
    Load {
        /// Byte order.
        end: Endness,
        /// Type read.
        ty: Type,
        /// Address.
        addr: Atom,
    },
    /// A one-argument operation.
    Unop {
        /// Operation.
        op: Op,
        /// Argument.
        a: Atom,
    },
    /// A two-argument operation.
    Binop {
        /// Operation.
        op: Op,
        /// First argument.
        a: Atom,
        /// Second argument.
        b: Atom,
    },
    /// A three-argument operation.
    Triop {
        /// Operation.
        op: Op,
        /// Arguments.
        args: [Atom; 3],
    },
    /// A four-argument operation.
    Qop {
        /// Operation.
        op: Op,
        /// Arguments (boxed: rare, and they would double every expression's size).
        args: Box<[Atom; 4]>,
    },
    /// If-then-else: `cond` is `I1`, both branches have the same type.
    Ite {
        /// Condition.
        cond: Atom,
        /// Value when true.
        then: Atom,
        /// Value when false.
        els: Atom,
    },
    /// Call of a pure helper function (no side effects, reads only its arguments).
    CCall {
        /// Helper.
        callee: Callee,
        /// Result type.
        ty: Type,
        /// Arguments.
        args: Box<[Atom]>,
    },
}

impl Expr {
    /// Builds the operation expression of the right shape for `op`'s arity.
    ///
    /// Returns `None` if `args` has the wrong length.
    pub fn op(op: Op, args: &[Atom]) -> Option<Expr> {
        if args.len() != op.arity() {
            return None;
        }
        Some(match *args {
            [a] => Expr::Unop { op, a },
            [a, b] => Expr::Binop { op, a, b },
            [a, b, c] => Expr::Triop {
                op,
                args: [a, b, c],
            },
            [a, b, c, d] => Expr::Qop {
                op,
                args: Box::new([a, b, c, d]),
            },
            _ => return None,
        })
    }

    /// The operation and a copy of its arguments, if this is an operation
    /// expression (`Unop`, `Binop`, `Triop`, `Qop`).
    pub fn as_op(&self) -> Option<(Op, Args)> {
        match self {
            Expr::Unop { op, a } => Some((*op, Args::new(&[*a]))),
            Expr::Binop { op, a, b } => Some((*op, Args::new(&[*a, *b]))),
            Expr::Triop { op, args } => Some((*op, Args::new(&args[..]))),
            Expr::Qop { op, args } => Some((*op, Args::new(&args[..]))),
            _ => None,
        }
    }

    /// Calls `f` on every atom this expression reads (a `RdTmp` or `Const`
    /// expression counts as reading that atom).
    pub fn for_each_atom(&self, mut f: impl FnMut(&Atom)) {
        match self {
            Expr::RdTmp(t) => f(&Atom::Tmp(*t)),
            Expr::Const(c) => f(&Atom::Const(*c)),
            _ => each_operand!(self, f,),
        }
    }

    /// Calls `f` on every atom this expression reads, mutably. `RdTmp` and
    /// `Const` expressions are rewritten through a temporary atom.
    pub fn for_each_atom_mut(&mut self, mut f: impl FnMut(&mut Atom)) {
        let single = match self {
            Expr::RdTmp(t) => Atom::Tmp(*t),
            Expr::Const(c) => Atom::Const(*c),
            _ => return each_operand!(self, f, mut),
        };
        let mut a = single;
        f(&mut a);
        *self = match a {
            Atom::Tmp(t) => Expr::RdTmp(t),
            Atom::Const(c) => Expr::Const(c),
        };
    }

    /// True if evaluating the expression has no effect and cannot fault, so it
    /// may be removed when unused or computed once for several uses.
    /// Loads are excluded (they can fault); `GET`s are pure but depend on state.
    pub fn is_pure(&self) -> bool {
        !matches!(self, Expr::Load { .. })
    }
}

/// Up to four operation arguments, copied out of an expression.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Args {
    atoms: [Atom; 4],
    len: u8,
}

impl Args {
    /// Copies up to four atoms (extra ones are ignored).
    pub fn new(atoms: &[Atom]) -> Args {
        let mut out = [Atom::bool(false); 4];
        let len = atoms.len().min(4);
        out[..len].copy_from_slice(&atoms[..len]);
        Args {
            atoms: out,
            len: u8::try_from(len).unwrap_or(4),
        }
    }
}

impl std::ops::Deref for Args {
    type Target = [Atom];
    fn deref(&self) -> &[Atom] {
        &self.atoms[..usize::from(self.len)]
    }
}

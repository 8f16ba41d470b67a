//! Operations: the one table of every primitive operation of the IR.
//!
//! Each operation carries its width in its name (`Add32`, `CmpLT64S`,
//! `8Uto32`) and has one fixed signature. Names follow VEX wherever VEX has
//! the operation, so printed IR reads like pyvex's; operations VEX lacks are
//! marked as vexil additions in the table. Variants whose VEX name starts with
//! a digit get an `I` prefix in Rust (`Op::I8Uto32` prints as `8Uto32`).

use crate::Type;
use std::fmt;

/// The argument and result types of an operation.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// Argument types, 1 to 4 of them.
    pub args: &'static [Type],
    /// Result type.
    pub ret: Type,
}

macro_rules! define_ops {
    ($( $(#[$doc:meta])* $var:ident $name:literal ( $($arg:ident),* ) -> $ret:ident ; )*) => {
        /// A primitive operation. See the module documentation.
        #[allow(non_camel_case_types)] // variant names mirror VEX's (`Reverse8sIn32_x4`)
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum Op {
            $( $(#[$doc])* #[doc = concat!("`", $name, "`")] $var, )*
        }

        impl Op {
            /// Every operation, in table order.
            pub const ALL: &'static [Op] = &[$(Op::$var),*];

            /// The printed name (`Add32`, `8Uto32`).
            pub const fn name(self) -> &'static str {
                match self { $(Op::$var => $name,)* }
            }

            /// Looks an operation up by its printed name; accepts a VEX `Iop_` prefix.
            pub fn from_name(s: &str) -> Option<Op> {
                let s = s.strip_prefix("Iop_").unwrap_or(s);
                match s { $($name => Some(Op::$var),)* _ => None }
            }

            /// Every operation's result type, by operation number (variants
            /// are numbered in table order from 0): [`Op::result_type`]
            /// reads it instead of matching over the whole table, since the
            /// lifters and the optimizer ask for millions of statements.
            const RESULT_TYPES: [Type; Op::ALL.len()] = [$(Type::$ret),*];

            /// The operation's argument and result types.
            pub const fn signature(self) -> Signature {
                match self {
                    $(Op::$var => Signature { args: &[$(Type::$arg),*], ret: Type::$ret },)*
                }
            }
        }
    };
}

include!("ops_table.rs");

impl Op {
    /// Number of arguments (1 to 4).
    pub const fn arity(self) -> usize {
        self.signature().args.len()
    }

    /// The result type (what [`Op::signature`] says, from a table).
    #[inline]
    pub const fn result_type(self) -> Type {
        Op::RESULT_TYPES[self as usize]
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut seen = HashSet::new();
        for &op in Op::ALL {
            assert!(seen.insert(op.name()), "duplicate name {}", op.name());
            assert_eq!(Op::from_name(op.name()), Some(op));
            assert_eq!(Op::from_name(&format!("Iop_{}", op.name())), Some(op));
        }
        assert_eq!(Op::from_name("NoSuchOp"), None);
    }

    /// The result-type table is numbered as the variants are, and says
    /// what the signatures say.
    #[test]
    fn result_types_match_signatures() {
        for (i, &op) in Op::ALL.iter().enumerate() {
            assert_eq!(op as usize, i, "{op}");
            assert_eq!(op.result_type(), op.signature().ret, "{op}");
        }
    }

    #[test]
    fn arities_are_one_to_four() {
        for &op in Op::ALL {
            assert!((1..=4).contains(&op.arity()), "{op}");
        }
    }

    #[test]
    fn widths_in_names_match_signatures() {
        // A name like Add32/CmpLT64S/Shl16 must agree with its argument type:
        // the typical table typo is a width that says one thing and types another.
        for &op in Op::ALL {
            let name = op.name();
            let sig = op.signature();
            for (prefix, _) in [
                ("Add", 0),
                ("Sub", 0),
                ("Mul", 0),
                ("Xor", 0),
                ("Shl", 0),
                ("Sar", 0),
                ("CmpEQ", 0),
            ] {
                if let Some(rest) = name.strip_prefix(prefix) {
                    if let Ok(w) = rest.trim_end_matches(['S', 'U']).parse::<u32>() {
                        assert_eq!(sig.args[0].bits(), w, "{name}");
                    }
                }
            }
        }
    }
}

//! The verifier: checks that a block is well formed.
//!
//! Flatness needs no check here (operands are atoms by construction). The
//! verifier checks what the types cannot: every temporary is defined before
//! use and written exactly once, every operation gets arguments of its
//! signature's types, conditions are `I1`, addresses are `I32`/`I64`
//! consistently, and (given a guest-state size) every register access is in
//! bounds. Lifters run it on every block in tests and debug builds.

use crate::{Atom, Expr, Irsb, Offset, Stmt, Temp, Type, TypeEnv};

/// A rule a block breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{msg}", match stmt { Some(i) => format!("statement {i}: "), None => String::from("block: ") })]
pub struct VerifyError {
    /// Index of the offending statement (`None` for the block's `next`).
    pub stmt: Option<usize>,
    /// What is wrong.
    pub msg: String,
}

/// Optional facts to check against.
#[derive(Copy, Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Size of the guest state in bytes: register accesses must fit in it.
    pub state_size: Option<u32>,
    /// The guest's address type (`I32` or `I64`), if known.
    pub addr_type: Option<Type>,
}

/// Checks `irsb` with no outside facts.
pub fn verify(irsb: &Irsb) -> Result<(), VerifyError> {
    verify_with(irsb, VerifyOptions::default())
}

/// Checks `irsb` against `opts`.
pub fn verify_with(irsb: &Irsb, opts: VerifyOptions) -> Result<(), VerifyError> {
    let mut v = Verifier {
        env: &irsb.tyenv,
        defined: vec![false; irsb.tyenv.len()],
        opts,
        addr_ty: opts.addr_type,
        at: None,
    };
    for (i, s) in irsb.stmts.iter().enumerate() {
        v.at = Some(i);
        v.stmt(s)?;
    }
    v.at = None;
    let nt = v.atom(irsb.next)?;
    v.addr(nt, "NEXT target")?;
    v.state(irsb.offs_ip, nt.bytes())?;
    Ok(())
}

struct Verifier<'a> {
    env: &'a TypeEnv,
    defined: Vec<bool>,
    opts: VerifyOptions,
    addr_ty: Option<Type>,
    at: Option<usize>,
}

impl Verifier<'_> {
    fn fail<T>(&self, msg: impl Into<String>) -> Result<T, VerifyError> {
        Err(VerifyError {
            stmt: self.at,
            msg: msg.into(),
        })
    }

    fn atom(&self, a: Atom) -> Result<Type, VerifyError> {
        match a {
            Atom::Const(c) => Ok(c.ty()),
            Atom::Tmp(t) => match (self.env.get(t), self.defined.get(t.index())) {
                (Some(ty), Some(true)) => Ok(ty),
                (Some(_), _) => self.fail(format!("{t} is used before it is written")),
                (None, _) => self.fail(format!("{t} is not in the type environment")),
            },
        }
    }

    fn want(&self, a: Atom, ty: Type, what: &str) -> Result<(), VerifyError> {
        let got = self.atom(a)?;
        if got == ty {
            Ok(())
        } else {
            self.fail(format!("{what} {a} has type {got}, expected {ty}"))
        }
    }

    fn addr(&mut self, ty: Type, what: &str) -> Result<(), VerifyError> {
        if ty != Type::I32 && ty != Type::I64 {
            return self.fail(format!("{what} has type {ty}, expected I32 or I64"));
        }
        match self.addr_ty {
            Some(a) if a != ty => self.fail(format!(
                "{what} has type {ty}, but addresses in this block are {a}"
            )),
            _ => {
                self.addr_ty = Some(ty);
                Ok(())
            }
        }
    }

    fn state(&self, off: Offset, size: u32) -> Result<(), VerifyError> {
        match self.opts.state_size {
            Some(n) if u64::from(off.0) + u64::from(size) > u64::from(n) => self.fail(format!(
                "guest-state access at offset {off} of {size} bytes is outside the {n}-byte state"
            )),
            _ => Ok(()),
        }
    }

    fn def(&mut self, t: Temp, ty: Type) -> Result<(), VerifyError> {
        let Some(declared) = self.env.get(t) else {
            return self.fail(format!("{t} is not in the type environment"));
        };
        if declared != ty {
            return self.fail(format!(
                "{t} is declared {declared} but written with a {ty}"
            ));
        }
        let slot = &mut self.defined[t.index()];
        if *slot {
            return Err(VerifyError {
                stmt: self.at,
                msg: format!("{t} is written twice"),
            });
        }
        *slot = true;
        Ok(())
    }

    fn expr(&mut self, e: &Expr) -> Result<Type, VerifyError> {
        Ok(match e {
            Expr::Const(c) => c.ty(),
            Expr::RdTmp(t) => self.atom(Atom::Tmp(*t))?,
            Expr::Get { offset, ty } => {
                self.state(*offset, ty.bytes())?;
                *ty
            }
            Expr::GetI { descr, ix, .. } => {
                self.want(*ix, Type::I32, "GETI index")?;
                if descr.n == 0 {
                    return self.fail("GETI array has no elements");
                }
                self.state(descr.base, descr.size())?;
                descr.elem
            }
            Expr::Load { ty, addr, .. } => {
                let at = self.atom(*addr)?;
                self.addr(at, "load address")?;
                if *ty == Type::I1 {
                    return self.fail("loads of I1 are not allowed");
                }
                *ty
            }
            Expr::Unop { .. } | Expr::Binop { .. } | Expr::Triop { .. } | Expr::Qop { .. } => {
                let Some((op, args)) = e.as_op() else {
                    return self.fail("malformed operation");
                };
                let sig = op.signature();
                if sig.args.len() != args.len() {
                    return self.fail(format!(
                        "{op} takes {} arguments, got {}",
                        sig.args.len(),
                        args.len()
                    ));
                }
                for (i, (&a, &want)) in args.iter().zip(sig.args).enumerate() {
                    self.want(a, want, &format!("argument {} of {op}", i + 1))?;
                }
                sig.ret
            }
            Expr::Ite { cond, then, els } => {
                self.want(*cond, Type::I1, "ITE condition")?;
                let t = self.atom(*then)?;
                self.want(*els, t, "ITE else-value")?;
                t
            }
            Expr::CCall { args, ty, .. } => {
                for &a in args.iter() {
                    self.atom(a)?;
                }
                *ty
            }
        })
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), VerifyError> {
        match s {
            Stmt::NoOp | Stmt::Mbe(_) => {}
            Stmt::IMark { delta, .. } => {
                if *delta > 1 {
                    return self.fail("IMark delta must be 0 or 1");
                }
            }
            Stmt::WrTmp { dst, expr } => {
                let ty = self.expr(expr)?;
                self.def(*dst, ty)?;
            }
            Stmt::Put { offset, data } => {
                let ty = self.atom(*data)?;
                self.state(*offset, ty.bytes())?;
            }
            Stmt::PutI {
                descr, ix, data, ..
            } => {
                self.want(*ix, Type::I32, "PUTI index")?;
                self.want(*data, descr.elem, "PUTI data")?;
                if descr.n == 0 {
                    return self.fail("PUTI array has no elements");
                }
                self.state(descr.base, descr.size())?;
            }
            Stmt::Store { addr, data, .. } => {
                let at = self.atom(*addr)?;
                self.addr(at, "store address")?;
                if self.atom(*data)? == Type::I1 {
                    return self.fail("stores of I1 are not allowed");
                }
            }
            Stmt::StoreG {
                addr, data, guard, ..
            } => {
                let at = self.atom(*addr)?;
                self.addr(at, "store address")?;
                if self.atom(*data)? == Type::I1 {
                    return self.fail("stores of I1 are not allowed");
                }
                self.want(*guard, Type::I1, "store guard")?;
            }
            Stmt::LoadG {
                cvt,
                dst,
                addr,
                alt,
                guard,
                ..
            } => {
                let at = self.atom(*addr)?;
                self.addr(at, "load address")?;
                self.want(*alt, cvt.result_type(), "guarded-load alternative")?;
                self.want(*guard, Type::I1, "load guard")?;
                self.def(*dst, cvt.result_type())?;
            }
            Stmt::Cas(c) => {
                let at = self.atom(c.addr)?;
                self.addr(at, "CAS address")?;
                let ty = self.atom(c.expd_lo)?;
                if !ty.is_int() || ty == Type::I1 {
                    return self.fail(format!("CAS on {ty} values"));
                }
                self.want(c.data_lo, ty, "CAS data")?;
                match (c.old_hi, c.expd_hi, c.data_hi) {
                    (None, None, None) => {}
                    (Some(oh), Some(eh), Some(dh)) => {
                        self.want(eh, ty, "CAS expected high part")?;
                        self.want(dh, ty, "CAS data high part")?;
                        self.def(oh, ty)?;
                    }
                    _ => return self.fail("double CAS needs all three high parts"),
                }
                self.def(c.old_lo, ty)?;
            }
            Stmt::Llsc {
                result,
                addr,
                store_data,
                ..
            } => {
                let at = self.atom(*addr)?;
                self.addr(at, "LL/SC address")?;
                match store_data {
                    None => {
                        let ty = self.env.get(*result).unwrap_or(Type::I1);
                        if !ty.is_int() || ty == Type::I1 {
                            return self.fail(format!("load-linked of {ty}"));
                        }
                        self.def(*result, ty)?;
                    }
                    Some(d) => {
                        let ty = self.atom(*d)?;
                        if !ty.is_int() || ty == Type::I1 {
                            return self.fail(format!("store-conditional of {ty}"));
                        }
                        self.def(*result, Type::I1)?;
                    }
                }
            }
            Stmt::Dirty(d) => {
                self.want(d.guard, Type::I1, "dirty-call guard")?;
                for &a in &d.args {
                    self.atom(a)?;
                }
                if let Some(m) = &d.mem {
                    let at = self.atom(m.addr)?;
                    self.addr(at, "dirty-call memory address")?;
                    if m.size == 0 {
                        return self.fail("dirty-call memory effect of size 0");
                    }
                }
                for fx in &d.state {
                    self.state(fx.offset, fx.size)?;
                }
                if let Some(t) = d.tmp {
                    let ty = self.env.get(t).unwrap_or(Type::I1);
                    self.def(t, ty)?;
                }
            }
            Stmt::Exit {
                guard,
                dst,
                offs_ip,
                ..
            } => {
                self.want(*guard, Type::I1, "exit guard")?;
                self.addr(dst.ty(), "exit target")?;
                self.state(*offs_ip, dst.ty().bytes())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_irsb;

    fn check(body: &str, types: &str) -> Result<(), VerifyError> {
        let text = format!(
            "IRSB {{\n   {types}\n{body}\n   NEXT: PUT(offset=184) = 0x0000000000001000; Ijk_Boring\n}}"
        );
        let irsb = parse_irsb(&text).unwrap();
        verify_with(
            &irsb,
            VerifyOptions {
                state_size: Some(256),
                addr_type: None,
            },
        )
    }

    fn rejects(body: &str, types: &str, what: &str) {
        let e = check(body, types).expect_err("block should be rejected");
        assert!(e.msg.contains(what), "expected `{what}` in `{e}`");
    }

    #[test]
    fn accepts_a_good_block() {
        check("   00 | t0 = GET:I64(offset=16)\n   01 | t1 = Add64(t0,0x0000000000000001)\n   02 | PUT(offset=16) = t1", "t0:Ity_I64 t1:Ity_I64").unwrap();
    }

    #[test]
    fn rejects_use_before_definition() {
        rejects(
            "   00 | t1 = Add64(t0,0x0000000000000001)\n   01 | t0 = GET:I64(offset=16)",
            "t0:Ity_I64 t1:Ity_I64",
            "used before",
        );
    }

    #[test]
    fn rejects_double_write() {
        rejects(
            "   00 | t0 = GET:I64(offset=16)\n   01 | t0 = GET:I64(offset=24)",
            "t0:Ity_I64",
            "written twice",
        );
    }

    #[test]
    fn rejects_wrong_argument_type() {
        rejects(
            "   00 | t0 = GET:I32(offset=16)\n   01 | t1 = Add64(t0,0x0000000000000001)",
            "t0:Ity_I32 t1:Ity_I64",
            "argument 1 of Add64",
        );
    }

    #[test]
    fn rejects_wrong_declared_type() {
        rejects(
            "   00 | t0 = GET:I32(offset=16)",
            "t0:Ity_I64",
            "declared I64",
        );
    }

    #[test]
    fn rejects_unknown_temp() {
        rejects(
            "   00 | t5 = GET:I32(offset=16)",
            "t0:Ity_I64",
            "not in the type environment",
        );
    }

    #[test]
    fn rejects_non_boolean_exit_guard() {
        rejects(
            "   00 | t0 = GET:I32(offset=16)\n   01 | if (t0) { PUT(offset=184) = 0x0000000000001000; Ijk_Boring }",
            "t0:Ity_I32",
            "exit guard",
        );
    }

    #[test]
    fn rejects_mixed_address_types() {
        rejects(
            "   00 | t0 = LDle:I32(0x00001000)\n   01 | t1 = LDle:I32(0x0000000000001000)",
            "t0:Ity_I32 t1:Ity_I32",
            "addresses in this block",
        );
    }

    #[test]
    fn rejects_out_of_bounds_register() {
        rejects(
            "   00 | PUT(offset=252) = 0x0000000000000000",
            "",
            "outside the 256-byte state",
        );
    }

    #[test]
    fn rejects_ite_branch_mismatch() {
        rejects(
            "   00 | t0 = ITE(1:I1,0x00000001,0x0000000000000001)",
            "t0:Ity_I32",
            "ITE else-value",
        );
    }

    #[test]
    fn rejects_i1_store() {
        rejects(
            "   00 | STle(0x0000000000001000) = 1:I1",
            "",
            "stores of I1",
        );
    }

    #[test]
    fn rejects_bad_cas_types() {
        rejects(
            "   00 | t0 = CASle(0x0000000000001000 :: 0x00000001->0x0000000000000002)",
            "t0:Ity_I32",
            "CAS data",
        );
    }

    #[test]
    fn rejects_bad_loadg_alternative() {
        rejects(
            "   00 | t0 = if (1:I1) ILGop_Ident32(LDle(0x0000000000001000)) else 0x0001",
            "t0:Ity_I32",
            "alternative",
        );
    }
}

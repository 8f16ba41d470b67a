//! Parser for the canonical text form printed by `Display for Irsb`.
//!
//! Hand-written recursive descent over one statement per line. Errors name
//! the line and column and what was expected, so a golden file with a typo
//! is easy to fix. Whitespace between tokens is insignificant.

use crate::{
    Atom, Callee, Cas, Const, Dirty, Effect, Endness, Expr, Irsb, JumpKind, LoadGCvt, MemBusEvent,
    MemEffect, Offset, Op, RegArray, StateEffect, Stmt, Temp, Type, TypeEnv,
};
use std::borrow::Cow;

/// A syntax error in IR text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {col}: {msg}")]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What went wrong.
    pub msg: String,
}

/// Parses one block in the canonical text form.
pub fn parse_irsb(text: &str) -> Result<Irsb, ParseError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let (ln, first) = lines
        .next()
        .ok_or_else(|| err(1, 1, "empty input: expected `IRSB {`"))?;
    let mut c = Cursor::new(first, ln);
    c.expect("IRSB")?;
    c.expect("{")?;
    c.end()?;

    let mut tyenv = TypeEnv::new();
    let mut stmts = Vec::new();
    let mut next = None;
    let mut saw_types = false;
    for (ln, line) in lines.by_ref() {
        let mut c = Cursor::new(line, ln);
        if c.peek_is("}") {
            c.expect("}")?;
            c.end()?;
            let (next, jk, offs_ip) =
                next.ok_or_else(|| c.error("block ends without a NEXT line"))?;
            return Ok(Irsb {
                tyenv,
                stmts,
                next,
                jumpkind: jk,
                offs_ip,
            });
        }
        if next.is_some() {
            return Err(c.error("expected `}` after the NEXT line"));
        }
        if c.peek_is("NEXT:") {
            c.expect("NEXT:")?;
            c.expect("PUT(offset=")?;
            let off = c.number_u32()?;
            c.expect(")")?;
            c.expect("=")?;
            let a = c.atom()?;
            c.expect(";")?;
            let jk = c.jump_kind()?;
            c.end()?;
            next = Some((a, jk, Offset(off)));
            continue;
        }
        if !saw_types && stmts.is_empty() && c.peek_is("t") && !c.rest().contains('|') {
            saw_types = true;
            while !c.at_end() {
                let t = c.temp()?;
                if t.index() != tyenv.len() {
                    return Err(c.error(&format!(
                        "type environment out of order: expected t{}",
                        tyenv.len()
                    )));
                }
                c.expect(":")?;
                let ty = c.ty()?;
                tyenv.new_temp(ty);
            }
            continue;
        }
        saw_types = true;
        // `NN | stmt`
        let idx = c.number_u64()?;
        if usize::try_from(idx).ok() != Some(stmts.len()) {
            return Err(c.error(&format!(
                "statement number {idx} out of order: expected {}",
                stmts.len()
            )));
        }
        c.expect("|")?;
        let s = c.stmt()?;
        c.end()?;
        stmts.push(s);
    }
    Err(err(
        text.lines().count().max(1),
        1,
        "unexpected end of input: expected `}`",
    ))
}

/// Parses one statement (without the `NN |` prefix).
pub fn parse_stmt(text: &str) -> Result<Stmt, ParseError> {
    let mut c = Cursor::new(text, 1);
    let s = c.stmt()?;
    c.end()?;
    Ok(s)
}

/// Parses one expression.
pub fn parse_expr(text: &str) -> Result<Expr, ParseError> {
    let mut c = Cursor::new(text, 1);
    let e = c.expr()?;
    c.end()?;
    Ok(e)
}

fn err(line: usize, col: usize, msg: &str) -> ParseError {
    ParseError {
        line,
        col,
        msg: msg.to_string(),
    }
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str, line: usize) -> Self {
        Cursor { s, pos: 0, line }
    }

    fn error(&self, msg: &str) -> ParseError {
        let col = self.s[..self.pos.min(self.s.len())].chars().count() + 1;
        err(self.line, col, msg)
    }

    fn skip_ws(&mut self) {
        while let Some(ch) = self.s[self.pos..].chars().next() {
            if ch.is_whitespace() {
                self.pos += ch.len_utf8();
            } else {
                break;
            }
        }
    }

    fn rest(&mut self) -> &'a str {
        self.skip_ws();
        &self.s[self.pos..]
    }

    fn at_end(&mut self) -> bool {
        self.rest().is_empty()
    }

    fn end(&mut self) -> Result<(), ParseError> {
        if self.at_end() {
            return Ok(());
        }
        let rest = self.rest();
        Err(self.error(&format!("unexpected `{rest}`")))
    }

    fn peek_is(&mut self, tok: &str) -> bool {
        self.rest().starts_with(tok)
    }

    fn eat(&mut self, tok: &str) -> bool {
        if self.peek_is(tok) {
            self.pos += tok.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &str) -> Result<(), ParseError> {
        if self.eat(tok) {
            Ok(())
        } else {
            let got: String = self.rest().chars().take(20).collect();
            Err(self.error(&format!("expected `{tok}`, found `{got}`")))
        }
    }

    /// An identifier-like word: letters, digits, `_`, `.`.
    fn word(&mut self) -> Result<&'a str, ParseError> {
        let rest = self.rest();
        let n = rest
            .char_indices()
            .find(|&(_, ch)| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.'))
            .map_or(rest.len(), |(i, _)| i);
        if n == 0 {
            return Err(self.error("expected a name"));
        }
        self.pos += n;
        Ok(&rest[..n])
    }

    fn number_u64(&mut self) -> Result<u64, ParseError> {
        let w = self.word()?;
        parse_u64(w).ok_or_else(|| self.error(&format!("bad number `{w}`")))
    }

    fn number_u32(&mut self) -> Result<u32, ParseError> {
        let v = self.number_u64()?;
        u32::try_from(v).map_err(|_| self.error("number too large"))
    }

    fn number_i32(&mut self) -> Result<i32, ParseError> {
        let neg = self.eat("-");
        let v = i64::try_from(self.number_u64()?).map_err(|_| self.error("number too large"))?;
        let v = if neg { -v } else { v };
        i32::try_from(v).map_err(|_| self.error("number out of range"))
    }

    fn temp(&mut self) -> Result<Temp, ParseError> {
        let w = self.word()?;
        w.strip_prefix('t')
            .and_then(|n| n.parse::<u32>().ok())
            .map(Temp)
            .ok_or_else(|| self.error(&format!("expected a temporary, found `{w}`")))
    }

    fn ty(&mut self) -> Result<Type, ParseError> {
        let w = self.word()?;
        Type::from_name(w).ok_or_else(|| self.error(&format!("unknown type `{w}`")))
    }

    fn jump_kind(&mut self) -> Result<JumpKind, ParseError> {
        let w = self.word()?;
        JumpKind::from_name(w).ok_or_else(|| self.error(&format!("unknown jump kind `{w}`")))
    }

    fn endness_after(&mut self, prefix: &str) -> Result<Endness, ParseError> {
        self.expect(prefix)?;
        if self.eat("le") {
            Ok(Endness::Le)
        } else if self.eat("be") {
            Ok(Endness::Be)
        } else {
            Err(self.error("expected `le` or `be`"))
        }
    }

    fn braced_hex(&mut self) -> Result<u64, ParseError> {
        self.expect("{")?;
        let v = self.number_u64()?;
        self.expect("}")?;
        Ok(v)
    }

    fn constant(&mut self) -> Result<Const, ParseError> {
        let rest = self.rest();
        for (prefix, ty) in [
            ("F32{", Type::F32),
            ("F64{", Type::F64),
            ("V128{", Type::V128),
            ("U128{", Type::I128),
        ] {
            if rest.starts_with(prefix) {
                self.pos += prefix.len() - 1;
                let v = self.braced_hex()?;
                return Ok(Const::new(ty, v));
            }
        }
        let w = self.word()?;
        if let Some(hex) = w.strip_prefix("0x") {
            let v = u64::from_str_radix(hex, 16)
                .map_err(|_| self.error(&format!("bad constant `{w}`")))?;
            let ty = match hex.len() {
                2 => Type::I8,
                4 => Type::I16,
                8 => Type::I32,
                16 => Type::I64,
                _ => {
                    return Err(self.error(&format!(
                        "constant `{w}` must have 2, 4, 8 or 16 hex digits"
                    )));
                }
            };
            return Ok(Const::new(ty, v));
        }
        if (w == "0" || w == "1") && self.eat(":I1") {
            return Ok(Const::bool(w == "1"));
        }
        Err(self.error(&format!("bad constant `{w}`")))
    }

    fn atom(&mut self) -> Result<Atom, ParseError> {
        let rest = self.rest();
        let is_temp =
            rest.starts_with('t') && rest[1..].starts_with(|ch: char| ch.is_ascii_digit());
        if is_temp {
            Ok(Atom::Tmp(self.temp()?))
        } else {
            Ok(Atom::Const(self.constant()?))
        }
    }

    fn atoms_until_paren(&mut self) -> Result<Vec<Atom>, ParseError> {
        let mut v = Vec::new();
        if self.eat(")") {
            return Ok(v);
        }
        loop {
            v.push(self.atom()?);
            if self.eat(")") {
                return Ok(v);
            }
            self.expect(",")?;
        }
    }

    fn reg_array(&mut self) -> Result<RegArray, ParseError> {
        let base = self.number_u32()?;
        self.expect(":")?;
        // `8xF64`: the word reader takes `8xF64` in one piece.
        let w = self.word()?;
        let (n, ty) = w
            .split_once('x')
            .ok_or_else(|| self.error("expected `NxTYPE`"))?;
        let n = n
            .parse::<u32>()
            .map_err(|_| self.error("bad element count"))?;
        let elem =
            Type::from_name(ty).ok_or_else(|| self.error(&format!("unknown type `{ty}`")))?;
        Ok(RegArray {
            base: Offset(base),
            elem,
            n,
        })
    }

    fn indexed(&mut self) -> Result<(RegArray, Atom, i32), ParseError> {
        self.expect("(")?;
        let d = self.reg_array()?;
        self.expect(")")?;
        self.expect("[")?;
        let ix = self.atom()?;
        self.expect(",")?;
        let bias = self.number_i32()?;
        self.expect("]")?;
        Ok((d, ix, bias))
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        if self.eat("GET:") {
            let ty = self.ty()?;
            self.expect("(offset=")?;
            let off = self.number_u32()?;
            self.expect(")")?;
            return Ok(Expr::Get {
                offset: Offset(off),
                ty,
            });
        }
        if self.eat("GETI") {
            let (descr, ix, bias) = self.indexed()?;
            return Ok(Expr::GetI { descr, ix, bias });
        }
        if self.peek_is("LDle:") || self.peek_is("LDbe:") {
            let end = self.endness_after("LD")?;
            self.expect(":")?;
            let ty = self.ty()?;
            self.expect("(")?;
            let addr = self.atom()?;
            self.expect(")")?;
            return Ok(Expr::Load { end, ty, addr });
        }
        if self.eat("ITE(") {
            let args = self.atoms_until_paren()?;
            let [cond, then, els] = args[..] else {
                return Err(self.error("ITE takes three operands"));
            };
            return Ok(Expr::Ite { cond, then, els });
        }
        // An atom, an operation `Op(args)` or a helper call `name(args):Ity_T`.
        let rest = self.rest();
        let looks_like_call = rest.find('(').is_some_and(|i| {
            rest[..i]
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                && i > 0
        }) && !rest.starts_with("0x");
        if !looks_like_call {
            return Ok(match self.atom()? {
                Atom::Tmp(t) => Expr::RdTmp(t),
                Atom::Const(c) => Expr::Const(c),
            });
        }
        let save = self.pos;
        let name = self.word()?;
        self.expect("(")?;
        let args = self.atoms_until_paren()?;
        if self.eat(":") {
            let ty = self.ty()?;
            return Ok(Expr::CCall {
                callee: Callee(Cow::Owned(name.to_string())),
                ty,
                args: args.into(),
            });
        }
        let Some(op) = Op::from_name(name) else {
            self.pos = save;
            return Err(self.error(&format!("unknown operation `{name}`")));
        };
        Expr::op(op, &args).ok_or_else(|| {
            self.error(&format!(
                "{name} takes {} operands, found {}",
                op.arity(),
                args.len()
            ))
        })
    }

    fn effect(&mut self) -> Result<Effect, ParseError> {
        let w = self.word()?;
        Effect::from_name(w).ok_or_else(|| self.error(&format!("unknown effect `{w}`")))
    }

    fn dirty(&mut self, tmp: Option<Temp>) -> Result<Stmt, ParseError> {
        self.expect("DIRTY")?;
        let guard = self.atom()?;
        let mut mem = None;
        let mut state = Vec::new();
        while !self.eat(":::") {
            let fx = self.effect()?;
            if self.eat("-mem(") {
                let addr = self.atom()?;
                self.expect(",")?;
                let size = self.number_u32()?;
                self.expect(")")?;
                mem = Some(MemEffect { fx, addr, size });
            } else {
                self.expect("-gst(")?;
                let off = self.number_u32()?;
                self.expect(",")?;
                let size = self.number_u32()?;
                self.expect(")")?;
                state.push(StateEffect {
                    fx,
                    offset: Offset(off),
                    size,
                });
            }
        }
        let name = self.word()?;
        self.expect("(")?;
        let args = self.atoms_until_paren()?;
        Ok(Stmt::Dirty(Box::new(Dirty {
            callee: Callee(Cow::Owned(name.to_string())),
            guard,
            args,
            tmp,
            mem,
            state,
        })))
    }

    fn stmt(&mut self) -> Result<Stmt, ParseError> {
        if self.eat("------ IMark(") {
            let addr = self.number_u64()?;
            self.expect(",")?;
            let len = self.number_u32()?;
            self.expect(",")?;
            let delta = u8::try_from(self.number_u64()?)
                .map_err(|_| self.error("IMark delta too large"))?;
            self.expect(")")?;
            self.expect("------")?;
            return Ok(Stmt::IMark { addr, len, delta });
        }
        if self.eat("IR-NoOp") {
            return Ok(Stmt::NoOp);
        }
        if self.eat("MBusEvent-Fence") {
            return Ok(Stmt::Mbe(MemBusEvent::Fence));
        }
        if self.eat("MBusEvent-CancelReservation") {
            return Ok(Stmt::Mbe(MemBusEvent::CancelReservation));
        }
        if self.eat("PUT(offset=") {
            let off = self.number_u32()?;
            self.expect(")")?;
            self.expect("=")?;
            let data = self.atom()?;
            return Ok(Stmt::Put {
                offset: Offset(off),
                data,
            });
        }
        if self.eat("PUTI") {
            let (descr, ix, bias) = self.indexed()?;
            self.expect("=")?;
            let data = self.atom()?;
            return Ok(Stmt::PutI {
                descr,
                ix,
                bias,
                data,
            });
        }
        if self.peek_is("STle(") || self.peek_is("STbe(") {
            let (end, addr, data) = self.store_body()?;
            return Ok(Stmt::Store { end, addr, data });
        }
        if self.peek_is("DIRTY") {
            return self.dirty(None);
        }
        if self.eat("if (") {
            let guard = self.atom()?;
            self.expect(")")?;
            if self.eat("{") {
                self.expect("PUT(offset=")?;
                let off = self.number_u32()?;
                self.expect(")")?;
                self.expect("=")?;
                let dst = self.constant()?;
                self.expect(";")?;
                let jk = self.jump_kind()?;
                self.expect("}")?;
                return Ok(Stmt::Exit {
                    guard,
                    dst,
                    jk,
                    offs_ip: Offset(off),
                });
            }
            let (end, addr, data) = self.store_body()?;
            return Ok(Stmt::StoreG {
                end,
                addr,
                data,
                guard,
            });
        }
        // Everything else starts with one or two temporaries.
        let t = self.temp()?;
        if self.eat(",") {
            let lo = self.temp()?;
            self.expect("=")?;
            return self.cas(Some(t), lo);
        }
        self.expect("=")?;
        if self.peek_is("CASle(") || self.peek_is("CASbe(") {
            return self.cas(None, t);
        }
        if self.peek_is("DIRTY") {
            return self.dirty(Some(t));
        }
        if self.eat("if (") {
            let guard = self.atom()?;
            self.expect(")")?;
            let w = self.word()?;
            let cvt = LoadGCvt::from_name(w)
                .ok_or_else(|| self.error(&format!("unknown load conversion `{w}`")))?;
            self.expect("(")?;
            let end = self.endness_after("LD")?;
            self.expect("(")?;
            let addr = self.atom()?;
            self.expect(")")?;
            self.expect(")")?;
            self.expect("else")?;
            let alt = self.atom()?;
            return Ok(Stmt::LoadG {
                end,
                cvt,
                dst: t,
                addr,
                alt,
                guard,
            });
        }
        if self.peek_is("LDle-Linked(") || self.peek_is("LDbe-Linked(") {
            let end = self.endness_after("LD")?;
            self.expect("-Linked(")?;
            let addr = self.atom()?;
            self.expect(")")?;
            return Ok(Stmt::Llsc {
                end,
                result: t,
                addr,
                store_data: None,
            });
        }
        if self.eat("(") {
            let end = self.endness_after("ST")?;
            self.expect("-Cond(")?;
            let addr = self.atom()?;
            self.expect(")")?;
            self.expect("=")?;
            let d = self.atom()?;
            self.expect(")")?;
            return Ok(Stmt::Llsc {
                end,
                result: t,
                addr,
                store_data: Some(d),
            });
        }
        let expr = self.expr()?;
        Ok(Stmt::WrTmp { dst: t, expr })
    }

    /// `STle(addr) = data`, shared by plain and guarded stores.
    fn store_body(&mut self) -> Result<(Endness, Atom, Atom), ParseError> {
        let end = self.endness_after("ST")?;
        self.expect("(")?;
        let addr = self.atom()?;
        self.expect(")")?;
        self.expect("=")?;
        let data = self.atom()?;
        Ok((end, addr, data))
    }

    fn cas(&mut self, old_hi: Option<Temp>, old_lo: Temp) -> Result<Stmt, ParseError> {
        let end = self.endness_after("CAS")?;
        self.expect("(")?;
        let addr = self.atom()?;
        self.expect("::")?;
        let cas = if old_hi.is_some() {
            self.expect("(")?;
            let eh = self.atom()?;
            self.expect(",")?;
            let el = self.atom()?;
            self.expect(")")?;
            self.expect("->")?;
            self.expect("(")?;
            let dh = self.atom()?;
            self.expect(",")?;
            let dl = self.atom()?;
            self.expect(")")?;
            Cas {
                old_hi,
                old_lo,
                end,
                addr,
                expd_hi: Some(eh),
                expd_lo: el,
                data_hi: Some(dh),
                data_lo: dl,
            }
        } else {
            let el = self.atom()?;
            self.expect("->")?;
            let dl = self.atom()?;
            Cas {
                old_hi: None,
                old_lo,
                end,
                addr,
                expd_hi: None,
                expd_lo: el,
                data_hi: None,
                data_lo: dl,
            }
        };
        self.expect(")")?;
        Ok(Stmt::Cas(Box::new(cas)))
    }
}

fn parse_u64(w: &str) -> Option<u64> {
    match w.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => w.parse().ok(),
    }
}

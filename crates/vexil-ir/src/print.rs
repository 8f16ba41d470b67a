//! The canonical text form, printed by `Display`.
//!
//! It follows pyvex's `pp()` so that blocks read the same in both tools, with
//! two choices made for exact round-tripping: registers are always printed as
//! `offset=N` (names depend on an architecture the IR does not know), and
//! float constants as their bit patterns (`F64{0x3ff0000000000000}`).
//! [`crate::parse_irsb`] reads this form back.

use crate::{Atom, Cas, Const, Dirty, Expr, Irsb, RegArray, Stmt, Type};
use std::fmt::{self, Display, Formatter, Write};

impl Display for Const {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let b = self.bits();
        match self.ty() {
            Type::I1 => write!(f, "{b}:I1"),
            Type::I8 => write!(f, "0x{b:02x}"),
            Type::I16 => write!(f, "0x{b:04x}"),
            Type::I32 => write!(f, "0x{b:08x}"),
            Type::I64 => write!(f, "0x{b:016x}"),
            Type::I128 => write!(f, "U128{{0x{b:04x}}}"),
            Type::F32 => write!(f, "F32{{0x{b:08x}}}"),
            Type::F64 => write!(f, "F64{{0x{b:016x}}}"),
            Type::V128 => write!(f, "V128{{0x{b:04x}}}"),
        }
    }
}

impl Display for Atom {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Atom::Tmp(t) => t.fmt(f),
            Atom::Const(c) => c.fmt(f),
        }
    }
}

impl Display for RegArray {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}x{}", self.base, self.n, self.elem)
    }
}

fn list(f: &mut Formatter<'_>, atoms: &[Atom]) -> fmt::Result {
    for (i, a) in atoms.iter().enumerate() {
        if i > 0 {
            f.write_char(',')?;
        }
        a.fmt(f)?;
    }
    Ok(())
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Const(c) => c.fmt(f),
            Expr::RdTmp(t) => t.fmt(f),
            Expr::Get { offset, ty } => write!(f, "GET:{ty}(offset={offset})"),
            Expr::GetI { descr, ix, bias } => write!(f, "GETI({descr})[{ix},{bias}]"),
            Expr::Load { end, ty, addr } => write!(f, "LD{}:{ty}({addr})", end.suffix()),
            Expr::Unop { op, a } => write!(f, "{op}({a})"),
            Expr::Binop { op, a, b } => write!(f, "{op}({a},{b})"),
            Expr::Triop { op, args } => {
                write!(f, "{op}(")?;
                list(f, &args[..])?;
                f.write_char(')')
            }
            Expr::Qop { op, args } => {
                write!(f, "{op}(")?;
                list(f, &args[..])?;
                f.write_char(')')
            }
            Expr::Ite { cond, then, els } => write!(f, "ITE({cond},{then},{els})"),
            Expr::CCall { callee, ty, args } => {
                write!(f, "{callee}(")?;
                list(f, args)?;
                write!(f, "):Ity_{ty}")
            }
        }
    }
}

fn fmt_cas(f: &mut Formatter<'_>, c: &Cas) -> fmt::Result {
    match (c.old_hi, c.expd_hi, c.data_hi) {
        (Some(oh), Some(eh), Some(dh)) => write!(
            f,
            "{oh},{} = CAS{}({} :: ({eh},{})->({dh},{}))",
            c.old_lo,
            c.end.suffix(),
            c.addr,
            c.expd_lo,
            c.data_lo
        ),
        _ => write!(
            f,
            "{} = CAS{}({} :: {}->{})",
            c.old_lo,
            c.end.suffix(),
            c.addr,
            c.expd_lo,
            c.data_lo
        ),
    }
}

fn fmt_dirty(f: &mut Formatter<'_>, d: &Dirty) -> fmt::Result {
    if let Some(t) = d.tmp {
        write!(f, "{t} = ")?;
    }
    write!(f, "DIRTY {}", d.guard)?;
    if let Some(m) = &d.mem {
        write!(f, " {}-mem({},{})", m.fx.name(), m.addr, m.size)?;
    }
    for s in &d.state {
        write!(f, " {}-gst({},{})", s.fx.name(), s.offset, s.size)?;
    }
    write!(f, " ::: {}(", d.callee)?;
    list(f, &d.args)?;
    f.write_char(')')
}

impl Display for Stmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Stmt::NoOp => f.write_str("IR-NoOp"),
            Stmt::IMark { addr, len, delta } => {
                write!(f, "------ IMark({addr:#x}, {len}, {delta}) ------")
            }
            Stmt::WrTmp { dst, expr } => write!(f, "{dst} = {expr}"),
            Stmt::Put { offset, data } => write!(f, "PUT(offset={offset}) = {data}"),
            Stmt::PutI {
                descr,
                ix,
                bias,
                data,
            } => write!(f, "PUTI({descr})[{ix},{bias}] = {data}"),
            Stmt::Store { end, addr, data } => write!(f, "ST{}({addr}) = {data}", end.suffix()),
            Stmt::StoreG {
                end,
                addr,
                data,
                guard,
            } => {
                write!(f, "if ({guard}) ST{}({addr}) = {data}", end.suffix())
            }
            Stmt::LoadG {
                end,
                cvt,
                dst,
                addr,
                alt,
                guard,
            } => write!(
                f,
                "{dst} = if ({guard}) {}(LD{}({addr})) else {alt}",
                cvt.name(),
                end.suffix()
            ),
            Stmt::Cas(c) => fmt_cas(f, c),
            Stmt::Llsc {
                end,
                result,
                addr,
                store_data: None,
            } => {
                write!(f, "{result} = LD{}-Linked({addr})", end.suffix())
            }
            Stmt::Llsc {
                end,
                result,
                addr,
                store_data: Some(d),
            } => {
                write!(f, "{result} = ( ST{}-Cond({addr}) = {d} )", end.suffix())
            }
            Stmt::Mbe(crate::MemBusEvent::Fence) => f.write_str("MBusEvent-Fence"),
            Stmt::Mbe(crate::MemBusEvent::CancelReservation) => {
                f.write_str("MBusEvent-CancelReservation")
            }
            Stmt::Dirty(d) => fmt_dirty(f, d),
            Stmt::Exit {
                guard,
                dst,
                jk,
                offs_ip,
            } => {
                write!(f, "if ({guard}) {{ PUT(offset={offs_ip}) = {dst}; {jk} }}")
            }
        }
    }
}

impl Display for Irsb {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("IRSB {\n   ")?;
        for (i, ty) in self.tyenv.types().iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write!(f, "t{i}:Ity_{ty}")?;
        }
        f.write_char('\n')?;
        for (i, s) in self.stmts.iter().enumerate() {
            writeln!(f, "   {i:02} | {s}")?;
        }
        writeln!(
            f,
            "   NEXT: PUT(offset={}) = {}; {}",
            self.offs_ip, self.next, self.jumpkind
        )?;
        f.write_char('}')
    }
}

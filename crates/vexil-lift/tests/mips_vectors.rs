//! MIPS instruction vectors from a reference CPU (Unicorn), run through
//! lift + interpret: `tests/vectors/mips{32,64}{el,be}.vec`, written by
//! `scripts/vectors/mips.py` (the line format is documented there).
//!
//! Each case's code is lifted as one block at optimization levels 0 and 1
//! and run by a small statement interpreter over `vexil_ir::eval` (the
//! reference semantics of every op), so the test needs nothing but the
//! committed vectors. When vexil-exec's vector runner lands this file can
//! delegate to it; the comparison rules stay those of the generator: FCSR
//! under its mask, MIPS32 FPRs by their low 32 bits, the exit kind and the
//! next program counter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;
use vexil_ir::eval::eval_op;
use vexil_ir::{Atom, Endian, Endness, Expr, Irsb, IsaMode, JumpKind, Stmt, Type};
use vexil_lift::{Guest, LiftOptions, guest_for};

const CODE_ADDR: u64 = 0x10100;
const FCSR_MASK: u128 = 0xFE80_0003;

struct Case {
    line: usize,
    text: String,
    words: Vec<u32>,
    regs_in: BTreeMap<String, u128>,
    mem_in: Vec<(u64, Vec<u8>)>,
    regs_out: BTreeMap<String, u128>,
    mem_out: Vec<(u64, Vec<u8>)>,
    exit: String,
    pc: u64,
}

/// Registers, memory windows and the exit kind of one side of a case.
type State = (BTreeMap<String, u128>, Vec<(u64, Vec<u8>)>, Option<String>);

fn parse_state(s: &str) -> State {
    let mut regs = BTreeMap::new();
    let mut mem = Vec::new();
    let mut exit = None;
    for tok in s.split_whitespace() {
        let (k, v) = tok.split_once('=').unwrap();
        if let Some(a) = k.strip_prefix("m@") {
            let addr = u64::from_str_radix(a.trim_start_matches("0x"), 16).unwrap();
            let bytes = (0..v.len() / 2)
                .map(|i| u8::from_str_radix(&v[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            mem.push((addr, bytes));
        } else if k == "exit" {
            exit = Some(v.to_string());
        } else {
            regs.insert(
                k.to_string(),
                u128::from_str_radix(v.trim_start_matches("0x"), 16).unwrap(),
            );
        }
    }
    (regs, mem, exit)
}

fn parse(text: &str) -> Vec<Case> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, " ; ");
        let words = parts.next().unwrap();
        let asm = parts.next().unwrap();
        let rest = parts.next().unwrap();
        // The assembly of branch cases holds " ; " itself: the state is after the last one.
        let (asm, rest) = match rest.rsplit_once(" ; ") {
            Some((a2, r)) => (format!("{asm} ; {a2}"), r),
            None => (asm.to_string(), rest),
        };
        let (ins, outs) = rest.split_once("=>").unwrap();
        let (regs_in, mem_in, _) = parse_state(ins);
        let (mut regs_out, mem_out, exit) = parse_state(outs);
        let pc = regs_out.remove("pc").unwrap();
        out.push(Case {
            line: i + 1,
            text: asm,
            words: words
                .split_whitespace()
                .map(|w| u32::from_str_radix(w, 16).unwrap())
                .collect(),
            regs_in,
            mem_in,
            regs_out,
            mem_out,
            exit: exit.unwrap(),
            pc: u64::try_from(pc).unwrap(),
        });
    }
    out
}

/// Guest memory: the case's windows only; any other access is a failure.
struct Mem(Vec<(u64, Vec<u8>)>);

impl Mem {
    fn byte(&mut self, a: u64) -> Result<&mut u8, String> {
        for (base, bytes) in &mut self.0 {
            if a >= *base && a < *base + bytes.len() as u64 {
                return Ok(&mut bytes[usize::try_from(a - *base).unwrap()]);
            }
        }
        Err(format!("access outside the vector's memory at {a:#x}"))
    }
    fn load(&mut self, end: Endness, ty: Type, a: u64) -> Result<u128, String> {
        let n = u64::from(ty.bytes());
        let mut v = 0u128;
        for i in 0..n {
            let b = u128::from(*self.byte(a.wrapping_add(i))?);
            v |= match end {
                Endness::Le => b << (8 * i),
                Endness::Be => b << (8 * (n - 1 - i)),
            };
        }
        Ok(v)
    }
    fn store(&mut self, end: Endness, ty: Type, a: u64, v: u128) -> Result<(), String> {
        let n = u64::from(ty.bytes());
        for i in 0..n {
            let sh = match end {
                Endness::Le => 8 * i,
                Endness::Be => 8 * (n - 1 - i),
            };
            *self.byte(a.wrapping_add(i))? = u8::try_from((v >> sh) & 0xff).unwrap();
        }
        Ok(())
    }
}

fn get_state(state: &[u8], off: u32, ty: Type) -> u128 {
    let o = usize::try_from(off).unwrap();
    let n = usize::try_from(ty.bytes()).unwrap();
    state[o..o + n]
        .iter()
        .rev()
        .fold(0u128, |a, &b| (a << 8) | u128::from(b))
        & ty.mask()
}

fn put_state(state: &mut [u8], off: u32, ty: Type, v: u128) {
    let o = usize::try_from(off).unwrap();
    for i in 0..usize::try_from(ty.bytes()).unwrap() {
        state[o + i] = u8::try_from((v >> (8 * i)) & 0xff).unwrap();
    }
}

/// Runs one block; returns (next pc, jump kind).
fn run(irsb: &Irsb, state: &mut [u8], mem: &mut Mem) -> Result<(u64, JumpKind), String> {
    let mut t = vec![0u128; irsb.tyenv.len()];
    let atom = |t: &[u128], a: &Atom| match a {
        Atom::Tmp(x) => t[x.index()],
        Atom::Const(c) => c.value(),
    };
    let aty = |a: &Atom| irsb.tyenv.atom_type(*a).unwrap();
    for s in &irsb.stmts {
        match s {
            Stmt::NoOp | Stmt::IMark { .. } | Stmt::Mbe(_) => {}
            Stmt::WrTmp { dst, expr } => {
                let v = match expr {
                    Expr::Const(c) => c.value(),
                    Expr::RdTmp(x) => t[x.index()],
                    Expr::Get { offset, ty } => get_state(state, offset.0, *ty),
                    Expr::Load { end, ty, addr } => {
                        mem.load(*end, *ty, u64::try_from(atom(&t, addr)).unwrap())?
                    }
                    Expr::Ite { cond, then, els } => {
                        if atom(&t, cond) & 1 != 0 {
                            atom(&t, then)
                        } else {
                            atom(&t, els)
                        }
                    }
                    e => {
                        let (op, args) =
                            e.as_op().ok_or_else(|| format!("unsupported expr {e}"))?;
                        let vals: Vec<u128> = args.iter().map(|a| atom(&t, a)).collect();
                        eval_op(op, &vals)
                    }
                };
                t[dst.index()] = v;
            }
            Stmt::Put { offset, data } => put_state(state, offset.0, aty(data), atom(&t, data)),
            Stmt::Store { end, addr, data } => {
                mem.store(
                    *end,
                    aty(data),
                    u64::try_from(atom(&t, addr)).unwrap(),
                    atom(&t, data),
                )?;
            }
            Stmt::Llsc {
                end,
                result,
                addr,
                store_data,
            } => {
                let a = u64::try_from(atom(&t, addr)).unwrap();
                match store_data {
                    None => {
                        let ty = irsb.tyenv.get(*result).unwrap();
                        t[result.index()] = mem.load(*end, ty, a)?;
                    }
                    Some(d) => {
                        mem.store(*end, aty(d), a, atom(&t, d))?;
                        t[result.index()] = 1;
                    }
                }
            }
            Stmt::Exit { guard, dst, jk, .. } => {
                if atom(&t, guard) & 1 != 0 {
                    return Ok((dst.bits(), *jk));
                }
            }
            s => return Err(format!("unsupported statement {s}")),
        }
    }
    Ok((u64::try_from(atom(&t, &irsb.next)).unwrap(), irsb.jumpkind))
}

fn check_case(g: &dyn Guest, c: &Case, opt_level: u8) -> Result<(), String> {
    let is64 = g.arch().bits() == 64;
    let mut state = g.initial_state();
    for (k, v) in &c.regs_in {
        assert!(g.write_reg(&mut state, k, *v), "unknown register {k}");
    }
    let mut mem = Mem(c.mem_in.clone());
    let code: Vec<u8> = c
        .words
        .iter()
        .flat_map(|w| match g.endian() {
            Endian::Little => w.to_le_bytes(),
            Endian::Big => w.to_be_bytes(),
        })
        .collect();
    let opts = LiftOptions {
        opt_level,
        ..LiftOptions::default()
    };
    let irsb = g.lift(&code, CODE_ADDR, IsaMode::Default, &opts);
    vexil_ir::verify(&irsb).map_err(|e| format!("verifier: {e}"))?;
    // The optimizer may drop an annulled delay slot (a branch-likely never taken).
    if opt_level == 0 && irsb.instruction_count() != c.words.len() {
        return Err(format!(
            "lifted {} of {} instructions:\n{irsb}",
            irsb.instruction_count(),
            c.words.len()
        ));
    }
    let (pc, jk) = run(&irsb, &mut state, &mut mem).map_err(|e| format!("{e}\n{irsb}"))?;
    let mut errs = Vec::new();
    // Call and Ret are hints for analyses; to the CPU they are plain jumps.
    let kind = match jk {
        JumpKind::Call | JumpKind::Ret => JumpKind::Boring,
        k => k,
    };
    if kind.name().trim_start_matches("Ijk_") != c.exit {
        errs.push(format!("exit {} expected {}", jk.name(), c.exit));
    }
    if pc != c.pc {
        errs.push(format!("pc {pc:#x} expected {:#x}", c.pc));
    }
    let names = g.layout().regs.iter().map(|r| r.name).filter(|n| {
        !matches!(
            *n,
            "pc" | "zero"
                | "emnote"
                | "cmstart"
                | "cmlen"
                | "nraddr"
                | "ip_at_syscall"
                | "fccr"
                | "fexr"
                | "fenr"
                | "fir"
        )
    });
    let nan_ok = nan_tolerant(g, c, &state, is64);
    for n in names {
        if nan_ok.iter().any(|r| r == n) {
            continue;
        }
        let expect = c
            .regs_out
            .get(n)
            .or_else(|| c.regs_in.get(n))
            .copied()
            .unwrap_or(0);
        let mut got = g.read_reg(&state, n).unwrap();
        let mut expect = expect;
        if n == "fcsr" {
            got &= FCSR_MASK;
            expect &= FCSR_MASK;
        }
        if !is64 && n.starts_with('f') && n[1..].parse::<u8>().is_ok() {
            got &= 0xffff_ffff;
            expect &= 0xffff_ffff;
        }
        if got != expect {
            errs.push(format!("{n} = {got:#x} expected {expect:#x}"));
        }
    }
    for (i, (a, want)) in c.mem_out.iter().enumerate() {
        if mem.0.get(i).map(|(_, b)| b) != Some(want) {
            errs.push(format!(
                "memory at {a:#x} differs: {:02x?} expected {want:02x?}",
                mem.0.get(i).map(|(_, b)| b)
            ));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n{irsb}", errs.join("; ")))
    }
}

fn is_nan(v: u128, double: bool) -> bool {
    if double {
        (v >> 52) & 0x7ff == 0x7ff && v & 0xf_ffff_ffff_ffff != 0
    } else {
        (v >> 23) & 0xff == 0xff && v & 0x7f_ffff != 0
    }
}

/// The FPRs of a floating-point result where both Unicorn and vexil produced
/// a NaN. MIPS's legacy NaN encoding (a quiet NaN has the top fraction bit
/// clear, the default NaN is 0x7fbfffff) is not the IR's IEEE 754-2008 one,
/// and NaN payloads are not modelled, so any NaN matches any NaN there.
fn nan_tolerant(g: &dyn Guest, c: &Case, state: &[u8], is64: bool) -> Vec<String> {
    let mut words = c.text.split_whitespace();
    let (Some(m), Some(ops)) = (words.next(), words.next()) else {
        return Vec::new();
    };
    let parts: Vec<&str> = m.split('.').collect();
    let fmt = match parts.as_slice() {
        [_, f] => *f,
        ["cvt" | "round" | "trunc" | "ceil" | "floor", f, _] => *f,
        _ => return Vec::new(),
    };
    let Some(fd) = ops
        .strip_prefix("$f")
        .and_then(|o| o.split(',').next())
        .and_then(|n| n.parse::<u8>().ok())
    else {
        return Vec::new();
    };
    let get = |n: String, out: bool| -> u128 {
        if out {
            c.regs_out
                .get(&n)
                .or_else(|| c.regs_in.get(&n))
                .copied()
                .unwrap_or(0)
        } else {
            g.read_reg(state, &n).unwrap()
        }
    };
    let val = |out: bool, double: bool| -> u128 {
        if double && !is64 {
            (get(format!("f{}", fd + 1), out) & 0xffff_ffff) << 32
                | (get(format!("f{fd}"), out) & 0xffff_ffff)
        } else if double {
            get(format!("f{fd}"), out)
        } else {
            get(format!("f{fd}"), out) & 0xffff_ffff
        }
    };
    let double = match fmt {
        "s" => false,
        "d" => true,
        _ => return Vec::new(),
    };
    if is_nan(val(true, double), double) && is_nan(val(false, double), double) {
        let mut v = vec![format!("f{fd}")];
        if double && !is64 {
            v.push(format!("f{}", fd + 1));
        }
        v
    } else {
        Vec::new()
    }
}

fn run_file(name: &str, g: &dyn Guest) -> (usize, BTreeMap<String, usize>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(format!("{name}.vec"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases = parse(&text);
    let mut per_insn: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for c in &cases {
        let mnem = c.text.split_whitespace().next().unwrap().to_string();
        *per_insn.entry(mnem).or_default() += 1;
        for opt in [0, 1] {
            if let Err(e) = check_case(g, c, opt) {
                failures.push(format!("{name}:{} [{}] opt {opt}: {e}", c.line, c.text));
                break;
            }
        }
    }
    let n = failures.len();
    failures.truncate(usize::MAX);
    assert!(
        n == 0,
        "{n} of {} {name} vectors failed:\n{}",
        cases.len(),
        failures.join("\n\n")
    );
    (cases.len(), per_insn)
}

fn check(name: &str, arch: vexil_ir::Arch, endian: Endian) {
    let g = guest_for(arch, endian).unwrap();
    let (n, per) = run_file(name, g);
    let min = per.values().min().copied().unwrap_or(0);
    eprintln!(
        "{name}: {n} cases, {} instructions, at least {min} states each",
        per.len()
    );
    assert!(n > 0);
}

#[test]
fn vectors_mips32el() {
    check("mips32el", vexil_ir::Arch::Mips32, Endian::Little);
}

#[test]
fn vectors_mips32be() {
    check("mips32be", vexil_ir::Arch::Mips32, Endian::Big);
}

#[test]
fn vectors_mips64el() {
    check("mips64el", vexil_ir::Arch::Mips64, Endian::Little);
}

#[test]
fn vectors_mips64be() {
    check("mips64be", vexil_ir::Arch::Mips64, Endian::Big);
}

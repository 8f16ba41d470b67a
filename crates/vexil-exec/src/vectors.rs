//! Per-instruction test vectors: parse `tests/vectors/*.vec` files and run
//! each case through lift + interpret, reporting every mismatch.
//!
//! The format (documented in `tests/vectors/README.md`) is one case per
//! line, `bytes | disassembly | inputs => outputs`, after a header naming
//! the architecture and byte order:
//!
//! ```text
//! arch x86_64
//! endian little
//! addr 0x400000
//! 48 01 c8 | add rax, rcx | rax=0x1 rcx=0x2 => rax=0x3 rflags&0x8d5=0x4 $next=0x400003
//! ```
//!
//! A case runs block after block, starting at its address, while control
//! stays inside the case's bytes with an ordinary (`Boring`) jump, so
//! several instructions (a MIPS branch and its delay slot, a short loop)
//! make one case. The checks then compare registers (through
//! [`Guest::read_reg`], so derived registers such as `rflags` work),
//! memory, the final next address and how the run ended.

use crate::interp::{Fault, Interpreter, Prepared};
use crate::memory::{Memory, PAGE_SIZE, Perm};
use std::fmt::{self, Write as _};
use std::path::Path;
use vexil_ir::{Arch, Endian, IsaMode, JumpKind};
use vexil_lift::{Guest, LiftOptions};

/// A problem with a vector file itself (not a failing case).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {msg}")]
pub struct VectorError {
    /// File name (or `<text>`).
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub msg: String,
}

/// One expected register value: `name=value` or `name&mask=value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegCheck {
    /// Register name, as the guest's `read_reg` knows it.
    pub name: String,
    /// Bits compared (all ones when no mask is given).
    pub mask: u128,
    /// Expected value (of the masked bits).
    pub value: Expect,
}

/// What a register check accepts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Exactly this value (under the mask).
    Value(u128),
    /// Any NaN of this width in bits (32 or 64), for guests whose NaN
    /// encodings the IR does not model (`f0=nan64`).
    AnyNan(u32),
}

impl Expect {
    fn accepts(self, got: u128) -> bool {
        match self {
            Expect::Value(v) => got == v,
            Expect::AnyNan(32) => u32::try_from(got).is_ok_and(|b| f32::from_bits(b).is_nan()),
            Expect::AnyNan(_) => u64::try_from(got).is_ok_and(|b| f64::from_bits(b).is_nan()),
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Value(v) => write!(f, "{v:#x}"),
            Expect::AnyNan(w) => write!(f, "a {w}-bit NaN"),
        }
    }
}

/// How a case's run must end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExitExpect {
    /// A block ended with this jump kind (`$exit=SigFPE_IntDiv`).
    Kind(JumpKind),
    /// A memory fault (`$exit=fault`), optionally at this access address
    /// (`$fault=0x1000`).
    Fault(Option<u64>),
}

/// One test case (one line of a vector file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// 1-based line number in its file.
    pub line: usize,
    /// The line as written.
    pub text: String,
    /// Instruction bytes.
    pub code: Vec<u8>,
    /// Disassembly (informational).
    pub disasm: String,
    /// Address of the first byte.
    pub addr: u64,
    /// Instruction-set mode.
    pub mode: IsaMode,
    /// Registers set before running.
    pub regs_in: Vec<(String, u128)>,
    /// Memory contents set before running (mapped read-write).
    pub mem_in: Vec<(u64, Vec<u8>)>,
    /// Registers checked after running.
    pub regs_out: Vec<RegCheck>,
    /// Memory contents checked after running.
    pub mem_out: Vec<(u64, Vec<u8>)>,
    /// Expected address control went to at the end.
    pub next: Option<u64>,
    /// Expected way the run ends (default: an ordinary jump out of the
    /// case's bytes: `Boring`, `Call` or `Ret`).
    pub exit: Option<ExitExpect>,
}

/// A parsed vector file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VectorFile {
    /// File name, for reports.
    pub name: String,
    /// Architecture of every case.
    pub arch: Arch,
    /// Byte order of every case.
    pub endian: Endian,
    /// Extra memory mapped (zero-filled) for every case: start, length, permissions.
    pub maps: Vec<(u64, u64, Perm)>,
    /// The cases.
    pub cases: Vec<Case>,
}

fn parse_u128(s: &str) -> Option<u128> {
    let s = s.replace('_', "");
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u128::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

fn parse_u64(s: &str) -> Option<u64> {
    parse_u128(s).and_then(|v| u64::try_from(v).ok())
}

fn parse_hex_bytes(s: &str) -> Option<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() % 2 != 0 || s.is_empty() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn parse_perm(s: &str) -> Option<Perm> {
    let mut p = Perm::NONE;
    for c in s.chars() {
        p = p.union(match c {
            'r' => Perm::R,
            'w' => Perm::W,
            'x' => Perm::X,
            '-' => Perm::NONE,
            _ => return None,
        });
    }
    Some(p)
}

/// `[0x1000]=aabb` → (0x1000, [0xaa, 0xbb]).
fn parse_mem(tok: &str) -> Option<(u64, Vec<u8>)> {
    let rest = tok.strip_prefix('[')?;
    let (addr, rest) = rest.split_once("]=")?;
    Some((parse_u64(addr)?, parse_hex_bytes(rest)?))
}

impl VectorFile {
    /// Parses a vector file's text; `name` appears in error messages.
    pub fn parse(name: &str, text: &str) -> Result<VectorFile, VectorError> {
        let err = |line: usize, msg: String| VectorError {
            file: name.to_string(),
            line,
            msg,
        };
        let mut arch = None;
        let mut endian = None;
        let mut addr = 0x10_0000u64;
        let mut mode = IsaMode::Default;
        let mut maps = Vec::new();
        let mut cases = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let ln = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !line.contains('|') {
                let mut w = line.split_whitespace();
                let key = w.next().unwrap_or("");
                let args: Vec<&str> = w.collect();
                match (key, args.as_slice()) {
                    ("arch", [a]) => {
                        arch = Some(a.parse::<Arch>().map_err(|e| err(ln, e.to_string()))?);
                    }
                    ("endian", [e]) => {
                        endian = Some(match *e {
                            "little" => Endian::Little,
                            "big" => Endian::Big,
                            _ => return Err(err(ln, format!("unknown byte order `{e}`"))),
                        });
                    }
                    ("addr", [a]) => {
                        addr = parse_u64(a).ok_or_else(|| err(ln, format!("bad address `{a}`")))?;
                    }
                    ("mode", [m]) => {
                        mode =
                            parse_mode(m).ok_or_else(|| err(ln, format!("unknown mode `{m}`")))?
                    }
                    ("map", [a, l, p]) => {
                        let a =
                            parse_u64(a).ok_or_else(|| err(ln, format!("bad address `{a}`")))?;
                        let l = parse_u64(l).ok_or_else(|| err(ln, format!("bad length `{l}`")))?;
                        let p = parse_perm(p)
                            .ok_or_else(|| err(ln, format!("bad permissions `{p}`")))?;
                        maps.push((a, l, p));
                    }
                    _ => return Err(err(ln, format!("unknown directive `{line}`"))),
                }
                continue;
            }
            let case = parse_case(ln, line, addr, mode).map_err(|m| err(ln, m))?;
            cases.push(case);
        }
        Ok(VectorFile {
            name: name.to_string(),
            arch: arch.ok_or_else(|| err(1, "missing `arch` line".into()))?,
            endian: endian.ok_or_else(|| err(1, "missing `endian` line".into()))?,
            maps,
            cases,
        })
    }

    /// Reads and parses a file.
    pub fn load(path: &Path) -> Result<VectorFile, VectorError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| VectorError {
            file: name.clone(),
            line: 0,
            msg: e.to_string(),
        })?;
        VectorFile::parse(&name, &text)
    }
}

fn parse_mode(m: &str) -> Option<IsaMode> {
    match m {
        "default" | "arm" => Some(IsaMode::Default),
        "thumb" => Some(IsaMode::Thumb),
        _ => None,
    }
}

fn parse_case(line: usize, text: &str, addr: u64, mode: IsaMode) -> Result<Case, String> {
    let mut fields = text.splitn(3, '|');
    let bytes = fields.next().unwrap_or("");
    let disasm = fields.next().unwrap_or("").trim().to_string();
    let io = fields
        .next()
        .ok_or("expected `bytes | disassembly | inputs => outputs`")?;
    let code = parse_hex_bytes(bytes)
        .ok_or_else(|| format!("bad instruction bytes `{}`", bytes.trim()))?;
    let (ins, outs) = io
        .split_once("=>")
        .ok_or("missing `=>` between inputs and outputs")?;
    let mut case = Case {
        line,
        text: text.to_string(),
        code,
        disasm,
        addr,
        mode,
        regs_in: Vec::new(),
        mem_in: Vec::new(),
        regs_out: Vec::new(),
        mem_out: Vec::new(),
        next: None,
        exit: None,
    };
    let mut fault_addr = None;
    for tok in ins.split_whitespace() {
        if tok.starts_with('[') {
            case.mem_in
                .push(parse_mem(tok).ok_or_else(|| format!("bad memory input `{tok}`"))?);
        } else if let Some(opt) = tok.strip_prefix('$') {
            let (k, v) = opt
                .split_once('=')
                .ok_or_else(|| format!("bad option `{tok}`"))?;
            match k {
                "addr" => case.addr = parse_u64(v).ok_or_else(|| format!("bad address `{v}`"))?,
                "mode" => case.mode = parse_mode(v).ok_or_else(|| format!("unknown mode `{v}`"))?,
                _ => return Err(format!("unknown input option `{tok}`")),
            }
        } else {
            let (name, v) = tok
                .split_once('=')
                .ok_or_else(|| format!("bad input `{tok}`"))?;
            let v = parse_u128(v).ok_or_else(|| format!("bad value in `{tok}`"))?;
            case.regs_in.push((name.to_string(), v));
        }
    }
    for tok in outs.split_whitespace() {
        if tok.starts_with('[') {
            case.mem_out
                .push(parse_mem(tok).ok_or_else(|| format!("bad memory output `{tok}`"))?);
        } else if let Some(opt) = tok.strip_prefix('$') {
            let (k, v) = opt
                .split_once('=')
                .ok_or_else(|| format!("bad option `{tok}`"))?;
            match k {
                "next" => {
                    case.next = Some(parse_u64(v).ok_or_else(|| format!("bad address `{v}`"))?)
                }
                "exit" if v == "fault" => case.exit = Some(ExitExpect::Fault(None)),
                "exit" => {
                    let jk =
                        JumpKind::from_name(v).ok_or_else(|| format!("unknown jump kind `{v}`"))?;
                    case.exit = Some(ExitExpect::Kind(jk));
                }
                "fault" => {
                    fault_addr = Some(parse_u64(v).ok_or_else(|| format!("bad address `{v}`"))?)
                }
                _ => return Err(format!("unknown output option `{tok}`")),
            }
        } else {
            let (lhs, v) = tok
                .split_once('=')
                .ok_or_else(|| format!("bad output `{tok}`"))?;
            let value = match v {
                "nan32" => Expect::AnyNan(32),
                "nan64" => Expect::AnyNan(64),
                _ => Expect::Value(parse_u128(v).ok_or_else(|| format!("bad value in `{tok}`"))?),
            };
            let (name, mask) = match lhs.split_once('&') {
                Some((n, m)) => (
                    n,
                    parse_u128(m).ok_or_else(|| format!("bad mask in `{tok}`"))?,
                ),
                None => (lhs, u128::MAX),
            };
            case.regs_out.push(RegCheck {
                name: name.to_string(),
                mask,
                value,
            });
        }
    }
    if let Some(a) = fault_addr {
        case.exit = Some(ExitExpect::Fault(Some(a)));
    }
    Ok(case)
}

/// How a case's run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// A block ended normally leaving the case's bytes (or with a
    /// non-`Boring` jump kind).
    Exit {
        /// Where control went.
        next: u64,
        /// Why.
        kind: JumpKind,
    },
    /// The interpreter stopped with a fault.
    Fault(Fault),
    /// The case's code could not be fetched (a bad address or mapping).
    Setup(String),
    /// Control stayed inside the case for too many blocks.
    Runaway,
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ending::Exit { next, kind } => write!(f, "{kind} to {next:#x}"),
            Ending::Fault(x) => write!(f, "fault: {x}"),
            Ending::Setup(m) => write!(f, "setup failed: {m}"),
            Ending::Runaway => f.write_str("more than 1000 blocks without leaving the case"),
        }
    }
}

/// The outcome of one case.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// Every difference found (empty: the case passed).
    pub mismatches: Vec<String>,
    /// The blocks executed, printed.
    pub blocks: Vec<String>,
    /// How the run ended.
    pub ending: Ending,
}

impl CaseReport {
    /// True if the case passed.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

const MAX_BLOCKS: usize = 1000;

fn map_covering(mem: &mut Memory, addr: u64, len: u64, perm: Perm) -> Result<(), String> {
    let first = addr & !(PAGE_SIZE - 1);
    let last = addr
        .checked_add(len.saturating_sub(1))
        .ok_or("range wraps")?
        & !(PAGE_SIZE - 1);
    let mut p = first;
    loop {
        let perm = mem.perm_at(p).map_or(perm, |old| old.union(perm));
        if !mem.is_mapped(p, 1) {
            mem.map(p, PAGE_SIZE, perm).map_err(|e| e.to_string())?;
        } else {
            mem.protect(p, PAGE_SIZE, perm).map_err(|e| e.to_string())?;
        }
        if p == last {
            break;
        }
        p += PAGE_SIZE;
    }
    Ok(())
}

/// Sets up memory and state for `case`.
fn setup(
    guest: &dyn Guest,
    maps: &[(u64, u64, Perm)],
    case: &Case,
) -> Result<(Memory, Vec<u8>), String> {
    let mut mem = Memory::new();
    for &(a, l, p) in maps {
        map_covering(&mut mem, a, l, p)?;
    }
    map_covering(&mut mem, case.addr, case.code.len() as u64, Perm::RX)?;
    mem.poke(case.addr, &case.code).map_err(|e| e.to_string())?;
    for (a, bytes) in &case.mem_in {
        map_covering(&mut mem, *a, bytes.len() as u64, Perm::RW)?;
        mem.poke(*a, bytes).map_err(|e| e.to_string())?;
    }
    let mut state = guest.initial_state();
    for (name, v) in &case.regs_in {
        if !guest.write_reg(&mut state, name, *v) {
            return Err(format!("the guest has no register `{name}`"));
        }
    }
    Ok((mem, state))
}

/// Runs one case with `guest` and compares everything it expects.
pub fn run_case(guest: &dyn Guest, maps: &[(u64, u64, Perm)], case: &Case) -> CaseReport {
    let mut report = CaseReport {
        mismatches: Vec::new(),
        blocks: Vec::new(),
        ending: Ending::Runaway,
    };
    let (mut mem, mut state) = match setup(guest, maps, case) {
        Ok(x) => x,
        Err(m) => {
            report.mismatches.push(format!("setup: {m}"));
            report.ending = Ending::Setup(m);
            return report;
        }
    };
    let end = case.addr.saturating_add(case.code.len() as u64);
    let mut pc = case.addr;
    let mut it = Interpreter::new();
    for _ in 0..MAX_BLOCKS {
        let avail = usize::try_from(end.saturating_sub(pc)).unwrap_or(0);
        let code = match mem.code_at(pc, avail.max(1)) {
            Ok(c) => c.into_owned(),
            Err(f) => {
                report.ending = Ending::Setup(f.to_string());
                break;
            }
        };
        let opts = LiftOptions {
            max_insns: 1000,
            max_bytes: u32::try_from(avail.max(1)).unwrap_or(u32::MAX),
            opt_level: 1,
        };
        let irsb = guest.lift(&code, pc, case.mode, &opts);
        report.blocks.push(irsb.to_string());
        let prepared = match Prepared::for_guest(&irsb, guest) {
            Ok(p) => p,
            Err(e) => {
                report.ending = Ending::Setup(format!("block at {pc:#x} does not prepare: {e}"));
                break;
            }
        };
        match it.run(&prepared, &mut state, &mut mem) {
            Err(f) => {
                report.ending = Ending::Fault(f);
                break;
            }
            Ok(exit) => {
                let inside = (case.addr..end).contains(&exit.next);
                if exit.kind != JumpKind::Boring || !inside {
                    report.ending = Ending::Exit {
                        next: exit.next,
                        kind: exit.kind,
                    };
                    break;
                }
                pc = exit.next;
            }
        }
    }
    compare(guest, case, &state, &mem, &mut report);
    report
}

fn compare(guest: &dyn Guest, case: &Case, state: &[u8], mem: &Memory, report: &mut CaseReport) {
    let m = &mut report.mismatches;
    match (&case.exit, &report.ending) {
        (
            None,
            Ending::Exit {
                kind: JumpKind::Boring | JumpKind::Call | JumpKind::Ret,
                ..
            },
        ) => {}
        (Some(ExitExpect::Kind(want)), Ending::Exit { kind, .. }) if want == kind => {}
        (Some(ExitExpect::Fault(want)), Ending::Fault(Fault::Mem { fault, .. }))
            if want.is_none_or(|a| a == fault.addr) => {}
        (want, got) => {
            let want = match want {
                None => "an ordinary exit (Boring, Call or Ret)".to_string(),
                Some(ExitExpect::Kind(k)) => k.to_string(),
                Some(ExitExpect::Fault(None)) => "a memory fault".to_string(),
                Some(ExitExpect::Fault(Some(a))) => format!("a memory fault at {a:#x}"),
            };
            m.push(format!("ending: got {got}, want {want}"));
        }
    }
    if let Some(want) = case.next {
        let got = match &report.ending {
            Ending::Exit { next, .. } => Some(*next),
            Ending::Fault(Fault::Mem { pc, .. } | Fault::UnknownHelper { pc, .. }) => Some(*pc),
            _ => None,
        };
        if got != Some(want) {
            let got = got.map_or("nothing".to_string(), |g| format!("{g:#x}"));
            m.push(format!("next: got {got}, want {want:#x}"));
        }
    }
    for r in &case.regs_out {
        let label = if r.mask == u128::MAX {
            r.name.clone()
        } else {
            format!("{}&{:#x}", r.name, r.mask)
        };
        match guest.read_reg(state, &r.name) {
            None => m.push(format!("{label}: the guest has no such register")),
            Some(got) if !r.value.accepts(got & r.mask) => {
                let want = match r.value {
                    Expect::Value(v) => Expect::Value(v & r.mask),
                    e => e,
                };
                m.push(format!("{label}: got {:#x}, want {want}", got & r.mask));
            }
            Some(_) => {}
        }
    }
    for (a, want) in &case.mem_out {
        let mut got = vec![0u8; want.len()];
        match mem.peek(*a, &mut got) {
            Err(_) => m.push(format!("[{a:#x}]: not mapped")),
            Ok(()) if &got != want => {
                m.push(format!("[{a:#x}]: got {}, want {}", hex(&got), hex(want)))
            }
            Ok(()) => {}
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

/// The result of running a whole file.
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    /// Cases run.
    pub cases: usize,
    /// Failure reports, one per failing case: the case line, each
    /// mismatch, and the blocks executed.
    pub failures: Vec<String>,
}

/// Runs every case of `file` with `guest`.
pub fn run_file(guest: &dyn Guest, file: &VectorFile) -> FileReport {
    let mut out = FileReport::default();
    for case in &file.cases {
        out.cases += 1;
        let r = run_case(guest, &file.maps, case);
        if r.passed() {
            continue;
        }
        let mut s = format!("{}:{}: {}\n", file.name, case.line, case.text);
        for mm in &r.mismatches {
            let _ = writeln!(s, "    {mm}");
        }
        for b in &r.blocks {
            for l in b.lines() {
                let _ = writeln!(s, "    {l}");
            }
        }
        out.failures.push(s);
    }
    out
}

//! Code discovery: which bytes of a binary are code, lifted block by block.
//!
//! Recursive traversal first, from the entry point and the function symbols,
//! following every constant successor (jump targets, both sides of
//! conditional branches, call targets and the return points after calls).
//! Then a linear sweep lifts whatever executable bytes the traversal did not
//! reach (code reached only through pointers), skipping undecodable bytes
//! at the architecture's instruction alignment.
//!
//! Blocks are split at every discovered block start, so that each guest
//! instruction is lifted into exactly one block: features count each
//! instruction once, and coverage counts are exact. Splitting works by
//! re-lifting a block that contains another block's start with a byte limit
//! that stops it there.
//!
//! Works on plain data (executable regions and start addresses), so it does
//! not depend on the ELF loader.

use crate::{Guest, LiftOptions};
use std::collections::{BTreeMap, BTreeSet};
use vexil_ir::{Arch, Irsb, IsaMode, JumpKind, Stmt};

/// Executable bytes at a virtual address, decoded in one ISA mode.
#[derive(Copy, Clone, Debug)]
pub struct CodeRegion<'a> {
    /// Virtual address of `bytes[0]`.
    pub addr: u64,
    /// The bytes.
    pub bytes: &'a [u8],
    /// The ISA mode the linear sweep uses for this region.
    pub mode: IsaMode,
}

/// Where traversal starts.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Start {
    /// Address.
    pub addr: u64,
    /// ISA mode.
    pub mode: IsaMode,
}

/// How a block passes control to a successor.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// Falls through (or a not-taken conditional branch) to the next address.
    FallThrough,
    /// A jump or taken branch.
    Jump,
    /// A call's target.
    Call,
    /// The point a call returns to.
    Return,
}

/// A successor of a block.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edge {
    /// Target address.
    pub target: u64,
    /// Kind.
    pub kind: EdgeKind,
}

/// One discovered block.
#[derive(Clone, Debug)]
pub struct Block {
    /// Start address.
    pub addr: u64,
    /// ISA mode.
    pub mode: IsaMode,
    /// Bytes covered.
    pub size: u64,
    /// The lifted (and optimized, per the options) block.
    pub irsb: Irsb,
    /// Constant successors.
    pub succs: Vec<Edge>,
    /// True if found by the linear sweep rather than by traversal.
    pub swept: bool,
}

/// One discovered block with what the caller kept of its IR (see
/// [`discover_with`]).
#[derive(Clone, Debug)]
pub struct BlockOf<T> {
    /// Start address.
    pub addr: u64,
    /// ISA mode.
    pub mode: IsaMode,
    /// Bytes covered.
    pub size: u64,
    /// What the caller's function made of the lifted block.
    pub kept: T,
    /// Constant successors.
    pub succs: Vec<Edge>,
    /// True if found by the linear sweep rather than by traversal.
    pub swept: bool,
}

/// Options for discovery.
#[derive(Copy, Clone, Debug)]
pub struct DiscoverOptions {
    /// Lifting options for every block.
    pub lift: LiftOptions,
    /// Sweep the executable bytes traversal did not reach.
    pub sweep: bool,
    /// Stop after this many blocks (a guard against pathological inputs).
    pub max_blocks: usize,
}

impl Default for DiscoverOptions {
    fn default() -> DiscoverOptions {
        DiscoverOptions {
            lift: LiftOptions::default(),
            sweep: true,
            max_blocks: 2_000_000,
        }
    }
}

/// What discovery found: blocks of type `B` ([`Block`], or [`BlockOf`] from
/// [`discover_with`]) and counts.
#[derive(Clone, Debug)]
pub struct Discovery<B = Block> {
    /// Blocks in address order; each guest instruction belongs to one block.
    pub blocks: Vec<B>,
    /// Instructions that lifted.
    pub lifted: u64,
    /// Places where the bytes did not decode at all (counted once per address).
    pub nodecode: u64,
    /// Instructions the decoder knows but the lifter does not, by mnemonic.
    pub unsupported: BTreeMap<String, u64>,
    /// True if `max_blocks` cut discovery short.
    pub truncated: bool,
}

impl<B> Default for Discovery<B> {
    fn default() -> Discovery<B> {
        Discovery {
            blocks: Vec::new(),
            lifted: 0,
            nodecode: 0,
            unsupported: BTreeMap::new(),
            truncated: false,
        }
    }
}

impl<B> Discovery<B> {
    /// Decodable instructions seen: lifted plus unsupported.
    pub fn instructions(&self) -> u64 {
        self.lifted + self.unsupported.values().sum::<u64>()
    }
}

impl Discovery<Block> {
    /// Lifted bytes of guest code.
    pub fn code_bytes(&self) -> u64 {
        self.blocks.iter().map(|b| b.size).sum()
    }
}

impl<T> Discovery<BlockOf<T>> {
    /// Lifted bytes of guest code.
    pub fn code_bytes(&self) -> u64 {
        self.blocks.iter().map(|b| b.size).sum()
    }
}

/// The alignment at which instructions start.
pub fn insn_alignment(arch: Arch, mode: IsaMode) -> u64 {
    match (arch, mode) {
        (Arch::X86 | Arch::X86_64, _) => 1,
        (_, IsaMode::Thumb) => 2,
        _ => 4,
    }
}

struct Ctx<'g, 'r> {
    guest: &'g dyn Guest,
    regions: &'r [CodeRegion<'r>],
    opts: DiscoverOptions,
}

impl Ctx<'_, '_> {
    /// The bytes from `addr` to the end of its region, and the region's end.
    fn bytes_at(&self, addr: u64) -> Option<(&[u8], u64)> {
        self.regions.iter().find_map(|r| {
            let off = addr.checked_sub(r.addr)?;
            let off = usize::try_from(off).ok()?;
            (off < r.bytes.len()).then(|| (&r.bytes[off..], r.addr + r.bytes.len() as u64))
        })
    }

    fn lift(&self, start: Start, max_bytes: Option<u64>) -> Option<Irsb> {
        let (code, _) = self.bytes_at(start.addr)?;
        let mut lift = self.opts.lift;
        if let Some(m) = max_bytes {
            lift.max_bytes = lift.max_bytes.min(u32::try_from(m).unwrap_or(u32::MAX));
        }
        Some(self.guest.lift(code, start.addr, start.mode, &lift))
    }
}

fn successors(irsb: &Irsb, addr: u64, size: u64) -> Vec<Edge> {
    let mut out = Vec::new();
    let end = addr + size;
    // Only branch-like side exits are edges. Trap exits (SigFPE_IntOvf of
    // MIPS `add`, x86's divide error, SigTRAP, ...) point back at the
    // trapping instruction, inside the block: following them would split
    // every block that contains one.
    for s in &irsb.stmts {
        if let Stmt::Exit { dst, jk, .. } = s {
            let kind = match jk {
                JumpKind::Boring => EdgeKind::Jump,
                JumpKind::Call => EdgeKind::Call,
                _ => continue,
            };
            out.push(Edge {
                target: dst.bits(),
                kind,
            });
        }
    }
    let next = irsb.const_next();
    match irsb.jumpkind {
        JumpKind::Call => {
            if let Some(t) = next {
                out.push(Edge {
                    target: t,
                    kind: EdgeKind::Call,
                });
            }
            out.push(Edge {
                target: end,
                kind: EdgeKind::Return,
            });
        }
        JumpKind::Ret
        | JumpKind::NoDecode
        | JumpKind::EmFail
        | JumpKind::MapFail
        | JumpKind::SigILL => {}
        jk => {
            if let Some(t) = next {
                let kind = if t == end || jk.is_syscall() {
                    EdgeKind::FallThrough
                } else {
                    EdgeKind::Jump
                };
                out.push(Edge { target: t, kind });
            }
        }
    }
    out
}

fn is_nodecode(irsb: &Irsb) -> bool {
    irsb.jumpkind == JumpKind::NoDecode && irsb.instruction_count() == 0
}

/// What discovery remembers of a lifted block while it works: its extent,
/// instruction starts and successors, read from the IR once, and what the
/// caller's function kept of the IR.
struct Lifted<T> {
    start: Start,
    size: u64,
    /// This block's instruction addresses: a range of `Work::insns`.
    insns: (usize, usize),
    succs: Vec<Edge>,
    swept: bool,
    kept: T,
}

/// Discovery's working state: the lifted blocks by start address, and the
/// instruction addresses of every lift, flat.
struct Work<T, F> {
    found: BTreeMap<u64, Lifted<T>>,
    insns: Vec<u64>,
    keep: F,
}

impl<T, F: FnMut(Irsb) -> T> Work<T, F> {
    /// Reads what discovery needs from a block lifted at `start`, and hands
    /// the block to the caller's function.
    fn record(&mut self, start: Start, irsb: Irsb, swept: bool) -> Lifted<T> {
        let first = self.insns.len();
        let mut size = 0;
        for (a, len) in irsb.instructions() {
            self.insns.push(a);
            size += u64::from(len);
        }
        Lifted {
            start,
            size,
            insns: (first, self.insns.len()),
            succs: successors(&irsb, start.addr, size),
            swept,
            kept: (self.keep)(irsb),
        }
    }

    fn insns_of(&self, l: &Lifted<T>) -> &[u64] {
        &self.insns[l.insns.0..l.insns.1]
    }
}

/// Discovers and lifts the code in `regions`, starting from `starts`.
pub fn discover(
    guest: &dyn Guest,
    regions: &[CodeRegion<'_>],
    starts: &[Start],
    opts: &DiscoverOptions,
) -> Discovery {
    let d = discover_with(guest, regions, starts, opts, |irsb| irsb);
    Discovery {
        blocks: d
            .blocks
            .into_iter()
            .map(|b| Block {
                addr: b.addr,
                mode: b.mode,
                size: b.size,
                irsb: b.kept,
                succs: b.succs,
                swept: b.swept,
            })
            .collect(),
        lifted: d.lifted,
        nodecode: d.nodecode,
        unsupported: d.unsupported,
        truncated: d.truncated,
    }
}

/// Like [`discover`], but hands every lifted block to `keep` as soon as it
/// is lifted and keeps only what `keep` returns, so a caller that needs
/// less than the IR (tokens, counts) never holds every block of a binary
/// in memory. `keep` also sees blocks that a later split replaces (they
/// are lifted again, shorter, and handed over again); only the results for
/// the final blocks are returned.
pub fn discover_with<T>(
    guest: &dyn Guest,
    regions: &[CodeRegion<'_>],
    starts: &[Start],
    opts: &DiscoverOptions,
    keep: impl FnMut(Irsb) -> T,
) -> Discovery<BlockOf<T>> {
    let cx = Ctx {
        guest,
        regions,
        opts: *opts,
    };
    let mut out = Discovery::default();
    // Phase 1: traversal. `found` maps each block start to its lifted block.
    let mut w = Work {
        found: BTreeMap::new(),
        insns: INSNS.try_with(|v| v.take()).unwrap_or_default(),
        keep,
    };
    w.insns.clear();
    let mut bad: BTreeSet<u64> = BTreeSet::new();
    let mut work: Vec<Start> = starts.to_vec();
    work.reverse();
    while let Some(s) = work.pop() {
        if w.found.contains_key(&s.addr) || bad.contains(&s.addr) {
            continue;
        }
        if w.found.len() >= opts.max_blocks {
            out.truncated = true;
            break;
        }
        let Some(irsb) = cx.lift(s, None) else {
            continue;
        };
        if is_nodecode(&irsb) {
            bad.insert(s.addr);
            continue;
        }
        let l = w.record(s, irsb, false);
        for e in &l.succs {
            if cx.bytes_at(e.target).is_some() {
                work.push(Start {
                    addr: e.target,
                    mode: s.mode,
                });
            }
        }
        w.found.insert(s.addr, l);
    }

    // Phase 2: sweep the gaps between what traversal covered.
    if opts.sweep && !out.truncated {
        for r in regions {
            let align = insn_alignment(guest.arch(), r.mode);
            let end = r.addr + r.bytes.len() as u64;
            let mut a = r.addr.next_multiple_of(align);
            while a < end {
                if w.found.len() >= opts.max_blocks {
                    out.truncated = true;
                    break;
                }
                // Skip over covered bytes.
                if let Some((&b, l)) = w.found.range(..=a).next_back() {
                    let bend = b + l.size;
                    if a < bend {
                        a = bend.next_multiple_of(align);
                        continue;
                    }
                }
                let limit = w
                    .found
                    .range(a + 1..)
                    .next()
                    .map_or(end, |(&n, _)| n.min(end))
                    - a;
                let s = Start {
                    addr: a,
                    mode: r.mode,
                };
                let Some(irsb) = cx.lift(s, Some(limit)) else {
                    break;
                };
                if is_nodecode(&irsb) {
                    bad.insert(a);
                    let step = guest
                        .decode(
                            &r.bytes[usize::try_from(a - r.addr).unwrap_or(0)..],
                            a,
                            r.mode,
                        )
                        .map_or(align, |i| u64::from(i.len).max(1));
                    a += step;
                    continue;
                }
                let l = w.record(s, irsb, true);
                let size = l.size.max(1);
                w.found.insert(a, l);
                a += size;
            }
        }
    }

    // Phase 3: split blocks that contain another block's start.
    let found = std::mem::take(&mut w.found);
    let mut blocks = Vec::with_capacity(found.len());
    let mut seen_insn: Vec<u64> = Vec::new();
    let mut it = found.into_iter().peekable();
    while let Some((addr, l)) = it.next() {
        let next_start = it.peek().map(|(n, _)| *n);
        let l = match next_start {
            Some(n) if n < addr + l.size && w.insns_of(&l).contains(&n) => {
                match cx.lift(l.start, Some(n - addr)) {
                    Some(irsb) => w.record(l.start, irsb, l.swept),
                    None => l,
                }
            }
            _ => l,
        };
        seen_insn.extend_from_slice(w.insns_of(&l));
        blocks.push(BlockOf {
            addr,
            mode: l.start.mode,
            size: l.size,
            kept: l.kept,
            succs: l.succs,
            swept: l.swept,
        });
    }
    seen_insn.sort_unstable();
    seen_insn.dedup();
    out.lifted = seen_insn.len() as u64;

    // Undecodable places: decodable-but-unsupported by mnemonic, else nodecode.
    for a in bad {
        if seen_insn.binary_search(&a).is_ok() {
            continue;
        }
        let Some((code, _)) = cx.bytes_at(a) else {
            continue;
        };
        let mode = regions
            .iter()
            .find(|r| a >= r.addr && a < r.addr + r.bytes.len() as u64)
            .map_or(IsaMode::Default, |r| r.mode);
        match guest.decode(code, a, mode) {
            Some(info) => *out.unsupported.entry(info.mnemonic).or_insert(0) += 1,
            None => out.nodecode += 1,
        }
    }
    out.blocks = blocks;
    let insns = std::mem::take(&mut w.insns);
    let _ = INSNS.try_with(|v| v.set(insns));
    out
}

thread_local! {
    /// The instruction-address buffer, kept between binaries (it runs to
    /// megabytes; growing a fresh one page-faulted it in every time).
    static INSNS: std::cell::Cell<Vec<u64>> = const { std::cell::Cell::new(Vec::new()) };
}

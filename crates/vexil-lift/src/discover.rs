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
//!
//! Bookkeeping is per byte of code: which addresses start a lifted block,
//! which did not decode, which are expected to start one are bits in one
//! bitset per code region, and the block starts in address order are a
//! sorted list walked with a cursor (the sweep only moves forward). The
//! original formulation over ordered maps is kept as [`reference`]: tests
//! compare the two, and it still handles the one layout the bitsets do not
//! (regions that overlap).

use crate::guest::RegionLifter;
use crate::{Guest, LiftOptions};
use std::collections::{BTreeMap, VecDeque};
use vexil_ir::{Arch, Irsb, IsaMode, JumpKind, Outline, Stmt};

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

/// A block's constant successors, as a slice of [`Edge`]s. Nearly every
/// block has one or two, so up to [`Succs::INLINE`] are kept in place and
/// only more go to the heap: discovery records the successors of every
/// block it lifts, and one small heap vector each (kept to the end, so
/// never served from the allocator's fast path) cost more than finding them.
#[derive(Clone)]
pub struct Succs(SuccsRepr);

#[derive(Clone)]
enum SuccsRepr {
    /// The first `n` edges.
    Inline(u8, [Edge; Succs::INLINE]),
    /// More than fit in place.
    Heap(Vec<Edge>),
}

impl Succs {
    /// How many edges are kept without allocating.
    pub const INLINE: usize = 2;

    /// No edges.
    pub const fn new() -> Succs {
        const NONE: Edge = Edge {
            target: 0,
            kind: EdgeKind::FallThrough,
        };
        Succs(SuccsRepr::Inline(0, [NONE; Succs::INLINE]))
    }

    /// Appends an edge.
    pub fn push(&mut self, e: Edge) {
        match &mut self.0 {
            SuccsRepr::Inline(n, a) => {
                let k = usize::from(*n);
                if k < Succs::INLINE {
                    a[k] = e;
                    *n += 1;
                } else {
                    let mut v = Vec::with_capacity(2 * Succs::INLINE);
                    v.extend_from_slice(a);
                    v.push(e);
                    self.0 = SuccsRepr::Heap(v);
                }
            }
            SuccsRepr::Heap(v) => v.push(e),
        }
    }

    /// Takes the edges, leaving none. Unlike [`std::mem::take`], which
    /// writes a whole empty list back, only the count (or the vector) is
    /// reset: the edges left in place are never read.
    fn take(&mut self) -> Succs {
        match &mut self.0 {
            SuccsRepr::Inline(n, a) => {
                let out = Succs(SuccsRepr::Inline(*n, *a));
                *n = 0;
                out
            }
            SuccsRepr::Heap(v) => Succs(SuccsRepr::Heap(std::mem::take(v))),
        }
    }
}

impl Default for Succs {
    fn default() -> Succs {
        Succs::new()
    }
}

impl std::ops::Deref for Succs {
    type Target = [Edge];
    fn deref(&self) -> &[Edge] {
        match &self.0 {
            SuccsRepr::Inline(n, a) => &a[..usize::from(*n)],
            SuccsRepr::Heap(v) => v,
        }
    }
}

impl std::fmt::Debug for Succs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Succs {
    fn eq(&self, other: &Succs) -> bool {
        **self == **other
    }
}

impl Eq for Succs {}

impl PartialEq<[Edge]> for Succs {
    fn eq(&self, other: &[Edge]) -> bool {
        **self == *other
    }
}

impl<const N: usize> PartialEq<[Edge; N]> for Succs {
    fn eq(&self, other: &[Edge; N]) -> bool {
        **self == other[..]
    }
}

impl PartialEq<Vec<Edge>> for Succs {
    fn eq(&self, other: &Vec<Edge>) -> bool {
        **self == other[..]
    }
}

impl From<Vec<Edge>> for Succs {
    fn from(v: Vec<Edge>) -> Succs {
        let mut s = Succs::new();
        for e in v {
            s.push(e);
        }
        s
    }
}

impl<'a> IntoIterator for &'a Succs {
    type Item = &'a Edge;
    type IntoIter = std::slice::Iter<'a, Edge>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
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
    pub succs: Succs,
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
    /// How much lifted IR (bytes, estimated from its statement vectors)
    /// [`discover_with`] holds back before handing it to `keep`. A block
    /// whose instructions another block's start later turns out to split is
    /// lifted again, shorter; held back, its first lift need not go through
    /// `keep` at all. 0 hands every block over as soon as it is lifted.
    /// Results do not depend on it.
    pub hold_bytes: usize,
}

impl Default for DiscoverOptions {
    fn default() -> DiscoverOptions {
        DiscoverOptions {
            lift: LiftOptions::default(),
            sweep: true,
            max_blocks: 2_000_000,
            hold_bytes: 256 << 10,
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

fn successors(irsb: &Irsb, addr: u64, size: u64) -> Succs {
    let mut out = Succs::new();
    for s in &irsb.stmts {
        if let Stmt::Exit { dst, jk, .. } = s {
            exit_edge(*dst, *jk, &mut out);
        }
    }
    end_edges(irsb, addr + size, &mut out);
    out
}

/// Appends the edge of a side exit to `dst` of kind `jk` if it is a
/// branch-like one.
/// Only those are edges. Trap exits (SigFPE_IntOvf of MIPS `add`, x86's
/// divide error, SigTRAP, ...) point back at the trapping instruction,
/// inside the block: following them would split every block that contains
/// one.
#[inline]
fn exit_edge(dst: vexil_ir::Const, jk: JumpKind, out: &mut Succs) {
    let kind = match jk {
        JumpKind::Boring => EdgeKind::Jump,
        JumpKind::Call => EdgeKind::Call,
        _ => return,
    };
    out.push(Edge {
        target: dst.bits(),
        kind,
    });
}

/// Appends the edges of the block's end (its `next` and jump kind), for a
/// block whose code ends at `end`.
fn end_edges(irsb: &Irsb, end: u64, out: &mut Succs) {
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
}

fn is_nodecode(irsb: &Irsb) -> bool {
    irsb.jumpkind == JumpKind::NoDecode && irsb.instruction_count() == 0
}

/// How far the linear sweep steps past `a` in `r` when no block could be
/// lifted there: the length of the instruction the decoder sees (it may
/// decode yet not lift), else one instruction alignment.
fn undecodable_step(guest: &dyn Guest, r: &CodeRegion<'_>, a: u64, align: u64) -> u64 {
    guest
        .decode(
            &r.bytes[usize::try_from(a - r.addr).unwrap_or(0)..],
            a,
            r.mode,
        )
        .map_or(align, |i| u64::from(i.len).max(1))
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
                succs: b.succs.to_vec(),
                swept: b.swept,
            })
            .collect(),
        lifted: d.lifted,
        nodecode: d.nodecode,
        unsupported: d.unsupported,
        truncated: d.truncated,
    }
}

/// Lifting options with the byte limit lowered to `max_bytes`, if given.
fn limited(lift: &LiftOptions, max_bytes: Option<u64>) -> LiftOptions {
    let mut lift = *lift;
    if let Some(m) = max_bytes {
        lift.max_bytes = lift.max_bytes.min(u32::try_from(m).unwrap_or(u32::MAX));
    }
    lift
}

/// One code region in [`Layout`]: its extent, and where its bits start in
/// the per-byte bitsets.
#[derive(Copy, Clone, Debug)]
struct Span {
    addr: u64,
    end: u64,
    /// Bit of `addr` in the bitsets.
    bit: usize,
    /// Index into the regions as given.
    region: usize,
}

/// The non-empty code regions in address order, for finding the region of
/// an address by binary search and numbering every code byte (a bit).
#[derive(Debug)]
struct Layout {
    spans: Vec<Span>,
    bits: usize,
    /// The largest region (most addresses looked up are in `.text`).
    hot: Span,
}

impl Layout {
    /// `None` if two regions overlap (or one ends past the address space):
    /// then an address may lie in several regions, and which one serves it
    /// depends on the order given, which the reference algorithm handles.
    fn new(regions: &[CodeRegion<'_>]) -> Option<Layout> {
        let mut spans = Vec::with_capacity(regions.len());
        for (i, r) in regions.iter().enumerate() {
            if r.bytes.is_empty() {
                continue;
            }
            let end = r.addr.checked_add(u64::try_from(r.bytes.len()).ok()?)?;
            spans.push(Span {
                addr: r.addr,
                end,
                bit: 0,
                region: i,
            });
        }
        spans.sort_unstable_by_key(|s| s.addr);
        if spans.windows(2).any(|w| w[0].end > w[1].addr) {
            return None;
        }
        let mut bits = 0usize;
        for s in &mut spans {
            s.bit = bits;
            bits = bits.checked_add(regions[s.region].bytes.len())?;
        }
        let hot = spans.iter().max_by_key(|s| s.end - s.addr).copied();
        let hot = hot.unwrap_or(Span {
            addr: 0,
            end: 0,
            bit: 0,
            region: 0,
        });
        Some(Layout { spans, bits, hot })
    }

    /// The region holding `addr`.
    fn span(&self, addr: u64) -> Option<&Span> {
        if self.hot.addr <= addr && addr < self.hot.end {
            return Some(&self.hot);
        }
        let i = self.spans.partition_point(|s| s.addr <= addr);
        let s = self.spans.get(i.checked_sub(1)?)?;
        (addr < s.end).then_some(s)
    }

    /// The bit of the code byte at `addr`.
    fn bit(&self, addr: u64) -> Option<usize> {
        Some(self.locate(addr)?.0)
    }

    /// The bit of the code byte at `addr` and the index of its region (as
    /// given), for lifting there without looking the region up again.
    #[inline]
    fn locate(&self, addr: u64) -> Option<(usize, usize)> {
        let s = self.span(addr)?;
        Some((s.bit + usize::try_from(addr - s.addr).ok()?, s.region))
    }
}

/// One bit per code byte.
#[derive(Debug)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 != 0
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    /// The first set bit in `from..to`.
    fn first_in(&self, from: usize, to: usize) -> Option<usize> {
        let mut i = from;
        while i < to {
            let w = self.0[i / 64] >> (i % 64);
            if w != 0 {
                let j = i + w.trailing_zeros() as usize;
                return (j < to).then_some(j);
            }
            i = (i / 64 + 1) * 64;
        }
        None
    }
    /// For each word, the number of bits set in the words before it.
    fn ranks(&self) -> Vec<usize> {
        let mut n = 0;
        self.0
            .iter()
            .map(|w| {
                let r = n;
                n += w.count_ones() as usize;
                r
            })
            .collect()
    }
    /// The number of bits set before bit `i`, given [`Bits::ranks`].
    fn rank(&self, ranks: &[usize], i: usize) -> usize {
        let below = (1u64 << (i % 64)) - 1;
        ranks[i / 64] + (self.0[i / 64] & below).count_ones() as usize
    }
    /// The set bits in `from..to`, in order.
    fn ones(&self, from: usize, to: usize) -> impl Iterator<Item = usize> + '_ {
        let mut i = from;
        std::iter::from_fn(move || {
            let j = self.first_in(i, to)?;
            i = j + 1;
            Some(j)
        })
    }
}

/// What discovery remembers of a lifted block while it works.
struct Found<T> {
    start: Start,
    /// The bit of `start.addr`.
    bit: usize,
    size: u64,
    /// This block's instruction addresses: a range of `Fast::insns`.
    insns: (usize, usize),
    succs: Succs,
    swept: bool,
    /// The byte limit it was lifted with, to lift it again the same way.
    limit: Option<u64>,
    /// What `keep` made of it, once handed over.
    kept: Option<T>,
    /// Its lifted IR is held back from `keep`, in [`Fast::held`]. The IR
    /// is kept there rather than here: these records are pushed for every
    /// lift, and without the IR they are less than two thirds the size.
    held: bool,
    /// Replaced by a swept block at the same address (which only a block of
    /// no bytes can be).
    dead: bool,
}

/// Bytes of memory a lifted block holds, roughly.
fn ir_bytes(irsb: &Irsb) -> usize {
    irsb.stmts.capacity() * std::mem::size_of::<Stmt>()
        + irsb.tyenv.len() * std::mem::size_of::<vexil_ir::Type>()
}

/// Discovery's working state.
struct Fast<'a, T, F> {
    guest: &'a dyn Guest,
    regions: &'a [CodeRegion<'a>],
    /// Each region's lifter ([`Guest::region`]), made at its first block.
    lifters: Vec<Option<Box<dyn RegionLifter + 'a>>>,
    layout: Layout,
    opts: DiscoverOptions,
    /// Every lifted block, in the order lifted.
    blocks: Vec<Found<T>>,
    /// The instruction addresses of every lift, flat.
    insns: Vec<u64>,
    keep: F,
    /// Blocks whose IR is held back, with the IR, oldest first, so by
    /// block index (some may have been handed over or dropped since: their
    /// IR is `None`).
    held: VecDeque<(usize, Option<Irsb>)>,
    held_bytes: usize,
    /// Addresses that start a lifted block.
    found: Bits,
    /// Addresses where traversal or the sweep found nothing to decode.
    bad: Bits,
    /// Addresses that start a block or are expected to: `found`, the given
    /// starts and every successor queued. Only a guess of where blocks will
    /// be split (see [`Fast::release`]).
    wanted: Bits,
    /// The outline of the block [`Fast::lift`] lifted last.
    outline: Outline,
}

impl<T, F: FnMut(Irsb) -> T> Fast<'_, T, F> {
    /// Lifts the block at `start`, with the byte limit `max_bytes` if
    /// given, leaving its outline in `self.outline` for [`Fast::record`].
    /// Inlined, so that the block is not copied out through one more
    /// return slot (it is most of a hundred bytes).
    #[inline]
    fn lift(&mut self, start: Start, max_bytes: Option<u64>) -> Option<Irsb> {
        let s = self.layout.span(start.addr)?;
        Some(self.lift_in(s.region, start, max_bytes))
    }

    /// [`Fast::lift`] in region `region` (`regions[region]`), which holds
    /// `start.addr` ([`Layout::locate`] told).
    #[inline]
    fn lift_in(&mut self, region: usize, start: Start, max_bytes: Option<u64>) -> Irsb {
        let r = &self.regions[region];
        let lift = limited(&self.opts.lift, max_bytes);
        let l = self.lifters[region].get_or_insert_with(|| self.guest.region(r.bytes, r.addr));
        l.lift(start.addr, start.mode, &lift, &mut self.outline)
    }

    /// Reads what discovery needs from a block lifted at `start`, just
    /// lifted by [`Fast::lift`] (the IR goes to [`Fast::hold`] or, for a
    /// swept block, to `keep` next). Its instructions and side exits come
    /// from the outline the lift left in `self.outline`, not from another
    /// walk over its statements ([`successors`] and
    /// [`Irsb::instructions`] each walk them; the reference algorithm uses
    /// those).
    fn record(
        &mut self,
        start: Start,
        bit: usize,
        irsb: &Irsb,
        swept: bool,
        limit: Option<u64>,
    ) -> usize {
        #[cfg(debug_assertions)]
        {
            let mut want = Outline::default();
            want.scan(irsb);
            debug_assert_eq!(self.outline, want, "record without the block's outline");
        }
        let first = self.insns.len();
        let mut size = 0;
        let mut succs = Succs::new();
        // `extend` over an iterator of known length reserves once, and
        // writes without checking the capacity per instruction as `push`
        // does.
        self.insns
            .extend(self.outline.insns.iter().rev().map(|&(addr, len)| {
                size += u64::from(len);
                addr
            }));
        for &(dst, jk) in self.outline.exits.iter().rev() {
            exit_edge(dst, jk, &mut succs);
        }
        end_edges(irsb, start.addr + size, &mut succs);
        self.blocks.push(Found {
            start,
            bit,
            size,
            insns: (first, self.insns.len()),
            succs,
            swept,
            limit,
            kept: None,
            held: false,
            dead: false,
        });
        self.blocks.len() - 1
    }

    fn insns_of(&self, i: usize) -> &[u64] {
        let (a, b) = self.blocks[i].insns;
        &self.insns[a..b]
    }

    /// Holds block `i`'s IR back, handing the oldest held blocks over once
    /// more than `hold_bytes` is held.
    fn hold(&mut self, i: usize, irsb: Irsb) {
        if self.opts.hold_bytes == 0 {
            self.blocks[i].kept = Some((self.keep)(irsb));
            return;
        }
        self.held_bytes += ir_bytes(&irsb);
        // Blocks are held in the order they are recorded, so `held` stays
        // sorted by block index (which `unhold` searches by).
        debug_assert!(self.held.back().is_none_or(|&(j, _)| j < i));
        self.blocks[i].held = true;
        self.held.push_back((i, Some(irsb)));
        while self.held_bytes > self.opts.hold_bytes {
            let Some((j, irsb)) = self.held.pop_front() else {
                break;
            };
            if let Some(irsb) = irsb {
                self.blocks[j].held = false;
                self.held_bytes -= ir_bytes(&irsb);
                self.release(j, irsb);
            }
        }
    }

    /// Takes block `i`'s held IR, if it has any.
    fn unhold(&mut self, i: usize) -> Option<Irsb> {
        if !self.blocks[i].held {
            return None;
        }
        self.blocks[i].held = false;
        let k = self.held.binary_search_by_key(&i, |&(j, _)| j).ok()?;
        let irsb = self.held[k].1.take()?;
        self.held_bytes -= ir_bytes(&irsb);
        Some(irsb)
    }

    /// Block `i` leaves the hold, with its IR `irsb`, before discovery
    /// ends. If a start is
    /// expected inside it at an instruction boundary, the split will lift it
    /// again, shorter, and this IR would be handed over for nothing: it is
    /// dropped. Should that split not happen after all (the expected start
    /// did not decode, or a start in the middle of one of its instructions
    /// came first), the end lifts the block again, unchanged.
    fn release(&mut self, i: usize, irsb: Irsb) {
        if self.split_expected(i) {
            irsb.recycle();
        } else {
            self.blocks[i].kept = Some((self.keep)(irsb));
        }
    }

    /// True if the first wanted address inside block `i` starts one of its
    /// instructions (the rule of phase 3, applied to what is known so far).
    fn split_expected(&self, i: usize) -> bool {
        let b = &self.blocks[i];
        let bit = b.bit;
        let Ok(size) = usize::try_from(b.size) else {
            return false;
        };
        let end = bit.saturating_add(size).min(self.layout.bits);
        match self.wanted.first_in(bit + 1, end) {
            Some(j) => self
                .insns_of(i)
                .contains(&(b.start.addr + (j - bit) as u64)),
            None => false,
        }
    }

    /// The blocks `which`, by address. Their starts must be exactly the
    /// addresses in `found`, one block each: then a block's place in
    /// address order is the number of starts below its own, counted in the
    /// bitset (no comparison sort needed).
    fn by_address(&self, which: impl Iterator<Item = usize>) -> Vec<(u64, usize)> {
        let ranks = self.found.ranks();
        let n = ranks.last().map_or(0, |&r| r)
            + self.found.0.last().map_or(0, |w| w.count_ones() as usize);
        let mut out = vec![(0, usize::MAX); n];
        for i in which {
            let b = &self.blocks[i];
            out[self.found.rank(&ranks, b.bit)] = (b.start.addr, i);
        }
        debug_assert!(out.iter().all(|&(_, i)| i != usize::MAX));
        debug_assert!(out.windows(2).all(|w| w[0].0 < w[1].0));
        out
    }

    /// What `keep` makes of block `i` as lifted, lifting it again if its IR
    /// was dropped.
    fn kept(&mut self, i: usize) -> Option<T> {
        if let Some(k) = self.blocks[i].kept.take() {
            return Some(k);
        }
        let irsb = match self.unhold(i) {
            Some(irsb) => irsb,
            None => self.lift(self.blocks[i].start, self.blocks[i].limit)?,
        };
        Some((self.keep)(irsb))
    }
}

/// Like [`discover`], but hands every lifted block to `keep` and keeps only
/// what `keep` returns, so a caller that needs less than the IR (tokens,
/// counts) never holds every block of a binary in memory. Blocks found by
/// traversal are held back (up to `hold_bytes` of IR) before they are
/// handed over, so that most blocks a later split replaces never reach
/// `keep` (swept blocks are practically never split, and go over at
/// once); `keep` may still see some (they are lifted again, shorter, and handed over again),
/// and sees blocks in no particular order. Only the results for the final
/// blocks are returned.
pub fn discover_with<T>(
    guest: &dyn Guest,
    regions: &[CodeRegion<'_>],
    starts: &[Start],
    opts: &DiscoverOptions,
    keep: impl FnMut(Irsb) -> T,
) -> Discovery<BlockOf<T>> {
    let Some(layout) = Layout::new(regions) else {
        return reference::discover_with(guest, regions, starts, opts, keep);
    };
    let n = layout.bits;
    let mut w = Fast {
        guest,
        regions,
        lifters: regions.iter().map(|_| None).collect(),
        layout,
        opts: *opts,
        // About one block per 12 bytes of code (x86 blocks average 13 to
        // 19 bytes, MIPS blocks 16 to 28, and a few are lifted twice), so
        // the vector of these records is seldom regrown and copied.
        blocks: Vec::with_capacity(n / 12 + 64),
        insns: INSNS.try_with(|v| v.take()).unwrap_or_default(),
        keep,
        held: VecDeque::new(),
        held_bytes: 0,
        found: Bits::new(n),
        bad: Bits::new(n),
        wanted: Bits::new(n),
        outline: Outline::default(),
    };
    w.insns.clear();
    let mut out = Discovery::default();
    // Blocks in the map of the reference algorithm (a swept block replacing
    // a traversal block at its address does not count twice).
    let mut count = 0usize;

    // Phase 1: traversal.
    for s in starts {
        if let Some(b) = w.layout.bit(s.addr) {
            w.wanted.set(b);
        }
    }
    let mut work: Vec<Start> = starts.to_vec();
    work.reverse();
    while let Some(s) = work.pop() {
        let loc = w.layout.locate(s.addr);
        if loc.is_some_and(|(b, _)| w.found.get(b) || w.bad.get(b)) {
            continue;
        }
        if count >= opts.max_blocks {
            out.truncated = true;
            break;
        }
        // Without a bit the address is in no region, and nothing would
        // lift. The block is lifted outside any pair of options: the pair
        // would hold it (most of a hundred bytes) only to copy it out again.
        let Some((bit, region)) = loc else {
            continue;
        };
        let irsb = w.lift_in(region, s, None);
        if is_nodecode(&irsb) {
            w.bad.set(bit);
            continue;
        }
        let i = w.record(s, bit, &irsb, false, None);
        w.found.set(bit);
        w.wanted.set(bit);
        count += 1;
        for e in &w.blocks[i].succs {
            if let Some(b) = w.layout.bit(e.target) {
                w.wanted.set(b);
                work.push(Start {
                    addr: e.target,
                    mode: s.mode,
                });
            }
        }
        w.hold(i, irsb);
    }

    // Traversal's blocks by address (each address starts one block).
    let traversed = w.by_address(0..w.blocks.len());
    // Swept blocks as lifted: by address within each region.
    let mut swept: Vec<(u64, usize)> = Vec::new();

    // Phase 2: sweep the gaps between what traversal covered. Regions do
    // not overlap, and no block extends past its region (it is lifted from
    // the region's bytes), so within a region only the traversal blocks
    // starting in it and the blocks this sweep adds, at rising addresses,
    // can cover an address or limit a block; blocks of other regions start
    // before the region or at or after its end.
    if opts.sweep && !out.truncated {
        for r in regions {
            let align = insn_alignment(guest.arch(), r.mode);
            let end = r.addr + r.bytes.len() as u64;
            let mut a = r.addr.next_multiple_of(align);
            // `traversed[..t]` start at or before `a`.
            let mut t = traversed.partition_point(|&(b, _)| b <= a);
            // The last block this sweep lifted in this region.
            let mut last: Option<(u64, u64)> = None;
            while a < end {
                if count >= opts.max_blocks {
                    out.truncated = true;
                    break;
                }
                while traversed.get(t).is_some_and(|&(b, _)| b <= a) {
                    t += 1;
                }
                // Skip over covered bytes: the block starting last at or
                // before `a` (a swept block replaces a traversal block at
                // its address, so it wins a tie).
                let before = t.checked_sub(1).map(|k| {
                    let (b, i) = traversed[k];
                    (b, w.blocks[i].size)
                });
                let pred = match (before, last) {
                    (Some(p), Some(q)) => Some(if q.0 >= p.0 { q } else { p }),
                    (p, q) => p.or(q),
                };
                if let Some((b, size)) = pred {
                    let bend = b + size;
                    if a < bend {
                        a = bend.next_multiple_of(align);
                        continue;
                    }
                }
                let limit = traversed.get(t).map_or(end, |&(n, _)| n.min(end)) - a;
                let s = Start {
                    addr: a,
                    mode: r.mode,
                };
                let Some((bit, region)) = w.layout.locate(a) else {
                    break;
                };
                let irsb = w.lift_in(region, s, Some(limit));
                if is_nodecode(&irsb) {
                    w.bad.set(bit);
                    a += undecodable_step(guest, r, a, align);
                    continue;
                }
                let i = w.record(s, bit, &irsb, true, Some(limit));
                swept.push((a, i));
                match t.checked_sub(1).map(|k| traversed[k]) {
                    Some((b, old)) if b == a => {
                        w.blocks[old].dead = true;
                        if let Some(ir) = w.unhold(old) {
                            ir.recycle();
                        }
                    }
                    _ => count += 1,
                }
                w.found.set(bit);
                w.wanted.set(bit);
                let size = w.blocks[i].size;
                last = Some((a, size));
                // Handed over at once: a later start practically never
                // splits a swept block. Its limit stops it before the next
                // traversal block, later swept blocks start after its end,
                // and the lifters keep every instruction but the first
                // inside the limit (a first instruction that runs past a
                // start is no split: that start is not one of its
                // instructions). The exception is a MIPS branch lifted
                // first, which keeps its delay slot past the limit; a block
                // split there is lifted again in phase 3 like any other,
                // and this hand-over was only wasted work.
                w.blocks[i].kept = Some((w.keep)(irsb));
                a += size.max(1);
            }
        }
    }

    // Phase 3: split blocks that contain another block's start.
    // `found` now holds the start of every block not replaced.
    // The traversal blocks not replaced and the swept ones, by address:
    // both lists are sorted already (the swept one unless regions were
    // given out of address order), so they are merged.
    if !swept.is_sorted_by_key(|&(a, _)| a) {
        swept.sort_unstable_by_key(|&(a, _)| a);
    }
    let order = merge_by_address(&traversed, &swept, |i| w.blocks[i].dead);
    debug_assert!(order == w.by_address((0..w.blocks.len()).filter(|&i| !w.blocks[i].dead)));
    drop((traversed, swept));
    let mut blocks = Vec::with_capacity(order.len());
    // Every instruction of the final blocks (at most every one lifted).
    let mut seen_insn: Vec<u64> = Vec::with_capacity(w.insns.len());
    for (k, &(addr, i)) in order.iter().enumerate() {
        let next_start = order.get(k + 1).map(|&(n, _)| n);
        let size = w.blocks[i].size;
        let mut j = i;
        if let Some(n) = next_start.filter(|&n| n < addr + size && w.insns_of(i).contains(&n)) {
            let (start, bit, swept) = (w.blocks[i].start, w.blocks[i].bit, w.blocks[i].swept);
            if let Some(ir) = w.unhold(i) {
                ir.recycle();
            }
            if let Some(irsb) = w.lift(start, Some(n - addr)) {
                j = w.record(start, bit, &irsb, swept, Some(n - addr));
                w.blocks[j].kept = Some((w.keep)(irsb));
            }
        }
        let Some(kept) = w.kept(j) else {
            // Not reached: the block was lifted from these bytes before.
            continue;
        };
        seen_insn.extend_from_slice(w.insns_of(j));
        let b = &mut w.blocks[j];
        blocks.push(BlockOf {
            addr,
            mode: b.start.mode,
            size: b.size,
            kept,
            succs: b.succs.take(),
            swept: b.swept,
        });
    }
    // The blocks are in address order and each lists its instructions in
    // address order, so unless blocks overlap the list is strictly
    // increasing already: sorted, without duplicates.
    if !strictly_increasing(&seen_insn) {
        seen_insn.sort_unstable();
        seen_insn.dedup();
    }
    out.lifted = seen_insn.len() as u64;

    // Undecodable places: decodable-but-unsupported by mnemonic, else nodecode.
    for s in &w.layout.spans {
        let r = &regions[s.region];
        for j in w.bad.ones(s.bit, s.bit + r.bytes.len()) {
            let a = s.addr + (j - s.bit) as u64;
            if seen_insn.binary_search(&a).is_ok() {
                continue;
            }
            match guest.decode(&r.bytes[j - s.bit..], a, r.mode) {
                Some(info) => *out.unsupported.entry(info.mnemonic).or_insert(0) += 1,
                None => out.nodecode += 1,
            }
        }
    }
    out.blocks = blocks;
    let insns = std::mem::take(&mut w.insns);
    let _ = INSNS.try_with(|v| v.set(insns));
    out
}

/// The blocks of `traversed` that are not `dead` and those of `swept`, by
/// address; both lists are by address, and a swept block's address is the
/// address of no live traversal block (it replaced the one there).
fn merge_by_address(
    traversed: &[(u64, usize)],
    swept: &[(u64, usize)],
    dead: impl Fn(usize) -> bool,
) -> Vec<(u64, usize)> {
    let mut out = Vec::with_capacity(traversed.len() + swept.len());
    let (mut i, mut j) = (0, 0);
    while let (Some(&t), Some(&s)) = (traversed.get(i), swept.get(j)) {
        if t.0 < s.0 {
            if !dead(t.1) {
                out.push(t);
            }
            i += 1;
        } else {
            out.push(s);
            j += 1;
        }
    }
    out.extend(traversed[i..].iter().filter(|&&(_, k)| !dead(k)));
    out.extend_from_slice(&swept[j..]);
    out
}

/// True if every element of `v` is less than the next. Every pair is
/// compared, without stopping at the first one out of order, so the loop
/// has no early exit and the compiler unrolls it (the list holds every
/// instruction lifted, and is nearly always in order).
fn strictly_increasing(v: &[u64]) -> bool {
    let ok = v.windows(2).fold(true, |ok, w| ok & (w[0] < w[1]));
    debug_assert_eq!(ok, v.is_sorted_by(|a, b| a < b));
    ok
}

thread_local! {
    /// The instruction-address buffer, kept between binaries (it runs to
    /// megabytes; growing a fresh one page-faulted it in every time).
    static INSNS: std::cell::Cell<Vec<u64>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The discovery algorithm as first written, over ordered maps (block
/// starts in a `BTreeMap`, undecodable places in a `BTreeSet`). It is the
/// specification [`discover_with`] is tested against, and serves the region
/// layouts the bitsets of [`discover_with`] do not (overlapping regions).
pub mod reference {
    use super::{
        BlockOf, CodeRegion, DiscoverOptions, Discovery, Start, Succs, insn_alignment, is_nodecode,
        successors, undecodable_step,
    };
    use crate::Guest;
    use std::collections::{BTreeMap, BTreeSet};
    use vexil_ir::{Irsb, IsaMode};

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

    /// What discovery remembers of a lifted block while it works: its extent,
    /// instruction starts and successors, read from the IR once, and what the
    /// caller's function kept of the IR.
    struct Lifted<T> {
        start: Start,
        size: u64,
        /// This block's instruction addresses: a range of `Work::insns`.
        insns: (usize, usize),
        succs: Succs,
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

    /// [`super::discover_with`] as first written, over ordered maps: every
    /// block goes to `keep` as soon as it is lifted (`hold_bytes` is ignored),
    /// so `keep` also sees every block a later split replaces.
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
            insns: Vec::new(),
            keep,
        };
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
                        a += undecodable_step(guest, r, a, align);
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
        out
    }
}

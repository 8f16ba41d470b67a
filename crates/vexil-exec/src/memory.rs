//! Guest memory: 4 KiB pages with permissions, either byte order.
//!
//! Pages live in a slab (`Vec<Page>`) indexed by a hash map from page
//! number to slot, with a one-entry cache of the last page touched: guest
//! code touches the same page over and over (stack, current data), so most
//! accesses skip the hash. Every access checks permissions and reports a
//! [`MemFault`] rather than panicking; accesses may have any size and
//! alignment and may cross pages.
//!
//! Each page carries a *generation*: a number from one global counter,
//! renewed whenever the page's contents or permissions change. A block
//! cache remembers the generations of the pages its code came from and
//! drops the block when one differs (self-modifying code, `mprotect`,
//! `munmap` then `mmap`). Generations are never reused, so an unmapped and
//! remapped page can never look unchanged.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use vexil_ir::Endness;
use vexil_lift::helpers::AccessKind;
use vexil_lift::{GuestMemory, MemFault};

/// Size of a guest page in bytes.
pub const PAGE_SIZE: u64 = 4096;
const PAGE_BYTES: usize = 4096;
const PAGE_SHIFT: u32 = 12;

/// Access permissions of a page (a small bit set).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Perm(u8);

impl Perm {
    /// No access.
    pub const NONE: Perm = Perm(0);
    /// Readable.
    pub const R: Perm = Perm(1);
    /// Writable.
    pub const W: Perm = Perm(2);
    /// Executable.
    pub const X: Perm = Perm(4);
    /// Readable and writable.
    pub const RW: Perm = Perm(3);
    /// Readable and executable.
    pub const RX: Perm = Perm(5);
    /// Everything.
    pub const RWX: Perm = Perm(7);

    /// True if every permission in `other` is in `self`.
    pub const fn contains(self, other: Perm) -> bool {
        self.0 & other.0 == other.0
    }
    /// The union of two sets.
    #[must_use]
    pub const fn union(self, other: Perm) -> Perm {
        Perm(self.0 | other.0)
    }
    /// From ELF `p_flags` / `PROT_*` style bits: 1 exec, 2 write, 4 read.
    pub const fn from_elf_flags(flags: u32) -> Perm {
        let mut p = 0;
        if flags & 4 != 0 {
            p |= 1;
        }
        if flags & 2 != 0 {
            p |= 2;
        }
        if flags & 1 != 0 {
            p |= 4;
        }
        Perm(p)
    }
    fn for_access(kind: AccessKind) -> Perm {
        match kind {
            AccessKind::Read => Perm::R,
            AccessKind::Write => Perm::W,
            AccessKind::Fetch => Perm::X,
        }
    }
}

impl fmt::Display for Perm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = |p: Perm, ch: char| if self.contains(p) { ch } else { '-' };
        write!(
            f,
            "{}{}{}",
            c(Perm::R, 'r'),
            c(Perm::W, 'w'),
            c(Perm::X, 'x')
        )
    }
}

/// Why a mapping request was refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// The range wraps past the end of the 64-bit address space.
    #[error("range {addr:#x}+{len:#x} wraps around the address space")]
    Wraps {
        /// Start.
        addr: u64,
        /// Length.
        len: u64,
    },
    /// `protect` named a page that is not mapped.
    #[error("page {addr:#x} is not mapped")]
    NotMapped {
        /// The first unmapped page.
        addr: u64,
    },
    /// Mapping would exceed the configured limit on mapped memory.
    #[error("mapping {len:#x} bytes would exceed the limit of {limit:#x} mapped bytes")]
    Limit {
        /// Bytes requested.
        len: u64,
        /// The limit.
        limit: u64,
    },
}

struct Page {
    data: Box<[u8; PAGE_BYTES]>,
    perm: Perm,
    generation: u64,
}

/// A hasher for page numbers: one multiplication (Fibonacci hashing).
/// Page numbers are not attacker-chosen in a way that matters here: the
/// worst case is a slow map, never a wrong one.
#[derive(Default)]
struct PageHasher(u64);

impl Hasher for PageHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Guest memory. See the module documentation.
pub struct Memory {
    pages: Vec<Page>,
    index: HashMap<u64, u32, BuildHasherDefault<PageHasher>>,
    free: Vec<u32>,
    /// (page number, slot) of the page last touched; `u64::MAX` when empty.
    last: Cell<(u64, u32)>,
    clock: u64,
    limit: u64,
}

impl fmt::Debug for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memory")
            .field("mapped_pages", &self.index.len())
            .field("regions", &self.regions())
            .finish_non_exhaustive()
    }
}

impl Default for Memory {
    fn default() -> Memory {
        Memory::new()
    }
}

fn page_of(addr: u64) -> u64 {
    addr >> PAGE_SHIFT
}

fn offset_in_page(addr: u64) -> usize {
    // Masked to 12 bits: always fits.
    usize::try_from(addr & (PAGE_SIZE - 1)).unwrap_or(0)
}

/// The page numbers covering `[addr, addr + len)`, or `None` if it wraps.
fn page_span(addr: u64, len: u64) -> Option<std::ops::RangeInclusive<u64>> {
    // An empty access touches no page: an empty range starting past `addr`'s.
    let Some(last_byte) = len.checked_sub(1) else {
        let p = page_of(addr);
        return Some(p.saturating_add(1)..=p);
    };
    let last = addr.checked_add(last_byte)?;
    Some(page_of(addr)..=page_of(last))
}

impl Memory {
    /// Empty memory with no limit on how much may be mapped.
    pub fn new() -> Memory {
        Memory {
            pages: Vec::new(),
            index: HashMap::default(),
            free: Vec::new(),
            last: Cell::new((u64::MAX, 0)),
            clock: 0,
            limit: u64::MAX,
        }
    }

    /// Sets the most bytes that may be mapped at once (a sandbox limit).
    pub fn set_limit(&mut self, bytes: u64) {
        self.limit = bytes;
    }

    /// Bytes currently mapped.
    pub fn mapped_bytes(&self) -> u64 {
        self.index.len() as u64 * PAGE_SIZE
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn slot(&self, page: u64) -> Option<u32> {
        let (p, s) = self.last.get();
        if p == page {
            return Some(s);
        }
        let s = *self.index.get(&page)?;
        self.last.set((page, s));
        Some(s)
    }

    fn page(&self, page: u64) -> Option<&Page> {
        self.slot(page).and_then(|s| self.pages.get(s as usize))
    }

    fn page_mut(&mut self, page: u64) -> Option<&mut Page> {
        let s = self.slot(page)?;
        self.pages.get_mut(s as usize)
    }

    /// Maps zero-filled pages covering `[addr, addr + len)` with `perm`.
    /// Pages already mapped there are replaced (like `MAP_FIXED`).
    pub fn map(&mut self, addr: u64, len: u64, perm: Perm) -> Result<(), MapError> {
        let span = page_span(addr, len).ok_or(MapError::Wraps { addr, len })?;
        let new_pages = span.clone().filter(|p| !self.index.contains_key(p)).count() as u64;
        let after = self.mapped_bytes().saturating_add(new_pages * PAGE_SIZE);
        if after > self.limit {
            return Err(MapError::Limit {
                len,
                limit: self.limit,
            });
        }
        for p in span {
            let generation = self.tick();
            if let Some(page) = self.page_mut(p) {
                page.data.fill(0);
                page.perm = perm;
                page.generation = generation;
                continue;
            }
            let slot = match self.free.pop() {
                Some(s) => {
                    if let Some(old) = self.pages.get_mut(s as usize) {
                        old.data.fill(0);
                        old.perm = perm;
                        old.generation = generation;
                    }
                    s
                }
                None => {
                    self.pages.push(Page {
                        data: Box::new([0; PAGE_BYTES]),
                        perm,
                        generation,
                    });
                    u32::try_from(self.pages.len() - 1).unwrap_or(u32::MAX)
                }
            };
            self.index.insert(p, slot);
        }
        Ok(())
    }

    /// Unmaps every page overlapping `[addr, addr + len)` (unmapped pages
    /// in the range are ignored, as `munmap` does).
    pub fn unmap(&mut self, addr: u64, len: u64) -> Result<(), MapError> {
        let span = page_span(addr, len).ok_or(MapError::Wraps { addr, len })?;
        for p in span {
            if let Some(slot) = self.index.remove(&p) {
                self.free.push(slot);
                // The slot keeps its buffer for the next mapping to reuse, so
                // the memory held is bounded by the most ever mapped at once.
                if let Some(page) = self.pages.get_mut(slot as usize) {
                    page.perm = Perm::NONE;
                }
            }
        }
        self.last.set((u64::MAX, 0));
        Ok(())
    }

    /// Changes the permissions of every page in `[addr, addr + len)`; fails,
    /// changing nothing, if one of them is not mapped.
    pub fn protect(&mut self, addr: u64, len: u64, perm: Perm) -> Result<(), MapError> {
        let span = page_span(addr, len).ok_or(MapError::Wraps { addr, len })?;
        if let Some(p) = span.clone().find(|p| !self.index.contains_key(p)) {
            return Err(MapError::NotMapped {
                addr: p << PAGE_SHIFT,
            });
        }
        for p in span {
            let generation = self.tick();
            if let Some(page) = self.page_mut(p) {
                page.perm = perm;
                page.generation = generation;
            }
        }
        Ok(())
    }

    /// True if every byte of `[addr, addr + len)` is mapped.
    pub fn is_mapped(&self, addr: u64, len: u64) -> bool {
        page_span(addr, len).is_some_and(|mut s| s.all(|p| self.index.contains_key(&p)))
    }

    /// The permissions of the page holding `addr`, if mapped.
    pub fn perm_at(&self, addr: u64) -> Option<Perm> {
        self.page(page_of(addr)).map(|p| p.perm)
    }

    /// The generation of the page holding `addr`, if mapped.
    pub fn generation(&self, addr: u64) -> Option<u64> {
        self.page(page_of(addr)).map(|p| p.generation)
    }

    /// Mapped regions: maximal runs of adjacent pages with equal
    /// permissions, as `(start, length, perm)`, sorted by address.
    pub fn regions(&self) -> Vec<(u64, u64, Perm)> {
        let mut pages: Vec<(u64, Perm)> = self
            .index
            .iter()
            .filter_map(|(&p, &s)| self.pages.get(s as usize).map(|pg| (p, pg.perm)))
            .collect();
        pages.sort_unstable_by_key(|&(p, _)| p);
        let mut out: Vec<(u64, u64, Perm)> = Vec::new();
        for (p, perm) in pages {
            let start = p << PAGE_SHIFT;
            match out.last_mut() {
                Some((s, l, q)) if *q == perm && *s + *l == start => *l += PAGE_SIZE,
                _ => out.push((start, PAGE_SIZE, perm)),
            }
        }
        out
    }

    /// Copies bytes out, checking that every page grants `need` (none for
    /// [`Memory::peek`]).
    fn copy_out(
        &self,
        addr: u64,
        buf: &mut [u8],
        kind: AccessKind,
        need: Perm,
    ) -> Result<(), MemFault> {
        let fault = MemFault {
            addr,
            size: u32::try_from(buf.len()).unwrap_or(u32::MAX),
            kind,
        };
        let mut a = addr;
        let mut done = 0;
        while done < buf.len() {
            let page = self.page(page_of(a)).ok_or(fault)?;
            if !page.perm.contains(need) {
                return Err(fault);
            }
            let off = offset_in_page(a);
            let n = (PAGE_BYTES - off).min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&page.data[off..off + n]);
            done += n;
            if done < buf.len() {
                a = a.checked_add(n as u64).ok_or(fault)?;
            }
        }
        Ok(())
    }

    /// Copies bytes in; checks every page before changing any, so a
    /// faulting write leaves memory untouched.
    fn copy_in(&mut self, addr: u64, buf: &[u8], need: Perm) -> Result<(), MemFault> {
        let fault = MemFault {
            addr,
            size: u32::try_from(buf.len()).unwrap_or(u32::MAX),
            kind: AccessKind::Write,
        };
        let span = page_span(addr, buf.len() as u64).ok_or(fault)?;
        for p in span.clone() {
            match self.page(p) {
                Some(page) if page.perm.contains(need) => {}
                _ => return Err(fault),
            }
        }
        let mut a = addr;
        let mut done = 0;
        for p in span {
            let generation = self.tick();
            let off = offset_in_page(a);
            let n = (PAGE_BYTES - off).min(buf.len() - done);
            if let Some(page) = self.page_mut(p) {
                page.data[off..off + n].copy_from_slice(&buf[done..done + n]);
                page.generation = generation;
            }
            done += n;
            a = a.wrapping_add(n as u64);
        }
        Ok(())
    }

    /// Checks that `[addr, addr + len)` is mapped with the permission an
    /// access of `kind` needs, without accessing it.
    pub fn check(&self, addr: u64, len: u64, kind: AccessKind) -> Result<(), MemFault> {
        let fault = MemFault {
            addr,
            size: u32::try_from(len).unwrap_or(u32::MAX),
            kind,
        };
        let need = Perm::for_access(kind);
        let span = page_span(addr, len).ok_or(fault)?;
        for p in span {
            match self.page(p) {
                Some(page) if page.perm.contains(need) => {}
                _ => return Err(fault),
            }
        }
        Ok(())
    }

    /// Reads bytes, requiring read permission.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemFault> {
        self.copy_out(addr, buf, AccessKind::Read, Perm::R)
    }

    /// Writes bytes, requiring write permission.
    pub fn write(&mut self, addr: u64, buf: &[u8]) -> Result<(), MemFault> {
        self.copy_in(addr, buf, Perm::W)
    }

    /// Reads bytes, requiring execute permission (instruction fetch).
    pub fn fetch(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemFault> {
        self.copy_out(addr, buf, AccessKind::Fetch, Perm::X)
    }

    /// Reads mapped bytes whatever their permissions (loaders, debuggers).
    pub fn peek(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemFault> {
        self.copy_out(addr, buf, AccessKind::Read, Perm::NONE)
    }

    /// Writes mapped bytes whatever their permissions (loaders, debuggers).
    pub fn poke(&mut self, addr: u64, buf: &[u8]) -> Result<(), MemFault> {
        self.copy_in(addr, buf, Perm::NONE)
    }

    /// Loads a `size`-byte value (1 to 16) in byte order `end`.
    pub fn load(&self, addr: u64, size: u32, end: Endness) -> Result<u128, MemFault> {
        let n = (size as usize).min(16);
        let mut b = [0u8; 16];
        // Fast path: the whole access inside one readable page.
        let off = offset_in_page(addr);
        if off + n <= PAGE_BYTES {
            match self.page(page_of(addr)) {
                Some(page) if page.perm.contains(Perm::R) => {
                    b[..n].copy_from_slice(&page.data[off..off + n]);
                }
                _ => {
                    return Err(MemFault {
                        addr,
                        size,
                        kind: AccessKind::Read,
                    });
                }
            }
        } else {
            self.read(addr, &mut b[..n])?;
        }
        Ok(from_bytes(&b[..n], end))
    }

    /// Stores the low `size` bytes (1 to 16) of `value` in byte order `end`.
    pub fn store(
        &mut self,
        addr: u64,
        size: u32,
        value: u128,
        end: Endness,
    ) -> Result<(), MemFault> {
        let n = (size as usize).min(16);
        let bytes = to_bytes(value, n, end);
        let off = offset_in_page(addr);
        if off + n <= PAGE_BYTES {
            let generation = self.clock + 1;
            match self.page_mut(page_of(addr)) {
                Some(page) if page.perm.contains(Perm::W) => {
                    page.data[off..off + n].copy_from_slice(&bytes[..n]);
                    page.generation = generation;
                }
                _ => {
                    return Err(MemFault {
                        addr,
                        size,
                        kind: AccessKind::Write,
                    });
                }
            }
            self.clock = generation;
            return Ok(());
        }
        self.write(addr, &bytes[..n])
    }

    /// The executable bytes from `addr` on, up to `cap` bytes, continuing
    /// into following pages while they are mapped executable. Borrowed when
    /// they lie in one page. Fails if `addr` itself is not executable.
    pub fn code_at(&self, addr: u64, cap: usize) -> Result<Cow<'_, [u8]>, MemFault> {
        let fault = MemFault {
            addr,
            size: 1,
            kind: AccessKind::Fetch,
        };
        let first = match self.page(page_of(addr)) {
            Some(p) if p.perm.contains(Perm::X) => p,
            _ => return Err(fault),
        };
        let off = offset_in_page(addr);
        let in_first = PAGE_BYTES - off;
        if cap <= in_first {
            return Ok(Cow::Borrowed(&first.data[off..off + cap]));
        }
        let mut out = Vec::with_capacity(cap);
        out.extend_from_slice(&first.data[off..]);
        let mut p = page_of(addr);
        while out.len() < cap {
            p = match p.checked_add(1) {
                Some(n) if n <= page_of(u64::MAX) => n,
                _ => break,
            };
            match self.page(p) {
                Some(pg) if pg.perm.contains(Perm::X) => {
                    let n = (cap - out.len()).min(PAGE_BYTES);
                    out.extend_from_slice(&pg.data[..n]);
                }
                _ => break,
            }
        }
        Ok(Cow::Owned(out))
    }
}

/// Assembles a value from `bytes` (at most 16) in byte order `end`.
pub fn from_bytes(bytes: &[u8], end: Endness) -> u128 {
    match end {
        Endness::Le => bytes
            .iter()
            .rev()
            .fold(0, |acc, &b| (acc << 8) | u128::from(b)),
        Endness::Be => bytes.iter().fold(0, |acc, &b| (acc << 8) | u128::from(b)),
    }
}

/// The low `n` bytes (at most 16) of `value` in byte order `end`, in the
/// first `n` entries of the result.
pub fn to_bytes(value: u128, n: usize, end: Endness) -> [u8; 16] {
    let n = n.min(16);
    let le = value.to_le_bytes();
    let mut out = [0u8; 16];
    match end {
        Endness::Le => out[..n].copy_from_slice(&le[..n]),
        Endness::Be => {
            for (i, o) in out[..n].iter_mut().enumerate() {
                *o = le[n - 1 - i];
            }
        }
    }
    out
}

impl GuestMemory for Memory {
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), MemFault> {
        Memory::read(self, addr, buf)
    }
    fn write(&mut self, addr: u64, buf: &[u8]) -> Result<(), MemFault> {
        Memory::write(self, addr, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perm_from_elf_flags() {
        assert_eq!(Perm::from_elf_flags(5), Perm::RX);
        assert_eq!(Perm::from_elf_flags(6), Perm::RW);
        assert_eq!(Perm::RX.to_string(), "r-x");
    }

    #[test]
    fn unaligned_loads_cross_pages_in_both_byte_orders() {
        let mut m = Memory::new();
        m.map(0x1000, 0x2000, Perm::RW).unwrap();
        let bytes: Vec<u8> = (1..=16).collect();
        m.write(0x1ff8, &bytes).unwrap();
        assert_eq!(
            m.load(0x1ff8, 16, Endness::Le).unwrap(),
            u128::from_le_bytes(bytes.clone().try_into().unwrap())
        );
        assert_eq!(m.load(0x1ffe, 4, Endness::Le).unwrap(), 0x0a09_0807);
        assert_eq!(m.load(0x1ffe, 4, Endness::Be).unwrap(), 0x0708_090a);
        m.store(0x1fff, 2, 0xaabb, Endness::Be).unwrap();
        assert_eq!(m.load(0x1fff, 1, Endness::Le).unwrap(), 0xaa);
        assert_eq!(m.load(0x2000, 1, Endness::Le).unwrap(), 0xbb);
    }

    #[test]
    fn faults_are_values_and_writes_are_all_or_nothing() {
        let mut m = Memory::new();
        m.map(0x1000, 0x1000, Perm::RW).unwrap();
        m.map(0x2000, 0x1000, Perm::R).unwrap();
        let f = m.store(0x1ffe, 4, 0x1122_3344, Endness::Le).unwrap_err();
        assert_eq!((f.addr, f.size, f.kind), (0x1ffe, 4, AccessKind::Write));
        // The first page was not touched by the refused write.
        assert_eq!(m.load(0x1ffe, 2, Endness::Le).unwrap(), 0);
        assert!(m.load(0x2ffe, 4, Endness::Le).is_err()); // runs into unmapped
        assert!(m.load(0, 1, Endness::Le).is_err());
        assert!(m.load(u64::MAX, 2, Endness::Le).is_err()); // wraps
        assert!(m.store(u64::MAX - 1, 4, 0, Endness::Le).is_err());
    }

    #[test]
    fn generations_change_on_write_protect_and_remap() {
        let mut m = Memory::new();
        m.map(0x4000, 0x1000, Perm::RWX).unwrap();
        let g0 = m.generation(0x4000).unwrap();
        m.store(0x4010, 4, 1, Endness::Le).unwrap();
        let g1 = m.generation(0x4000).unwrap();
        assert_ne!(g0, g1);
        let _ = m.load(0x4010, 4, Endness::Le).unwrap();
        assert_eq!(
            m.generation(0x4000).unwrap(),
            g1,
            "reads do not change the generation"
        );
        m.protect(0x4000, 0x1000, Perm::RX).unwrap();
        let g2 = m.generation(0x4000).unwrap();
        assert_ne!(g1, g2);
        m.unmap(0x4000, 0x1000).unwrap();
        assert_eq!(m.generation(0x4000), None);
        m.map(0x4000, 0x1000, Perm::RX).unwrap();
        assert!(m.generation(0x4000).unwrap() > g2);
    }

    #[test]
    fn code_at_spans_executable_pages_only() {
        let mut m = Memory::new();
        m.map(0x1000, 0x2000, Perm::RX).unwrap();
        m.map(0x3000, 0x1000, Perm::RW).unwrap();
        m.poke(0x1ffe, &[0x90, 0x91, 0x92]).unwrap();
        let c = m.code_at(0x1ffe, 3).unwrap();
        assert_eq!(&*c, &[0x90, 0x91, 0x92]);
        assert_eq!(m.code_at(0x1000, 100).unwrap().len(), 100);
        assert_eq!(
            m.code_at(0x2ff0, 100).unwrap().len(),
            16,
            "stops at the non-executable page"
        );
        assert!(m.code_at(0x3000, 4).is_err());
        assert!(m.fetch(0x3000, &mut [0; 1]).is_err());
        assert!(
            m.write(0x1000, &[1]).is_err(),
            "code pages here are not writable"
        );
    }

    #[test]
    fn map_replaces_unmap_ignores_holes_protect_requires_mapping() {
        let mut m = Memory::new();
        m.map(0x1000, 1, Perm::RW).unwrap();
        m.store(0x1000, 1, 7, Endness::Le).unwrap();
        m.map(0x1000, 0x1000, Perm::R).unwrap();
        assert_eq!(
            m.load(0x1000, 1, Endness::Le).unwrap(),
            0,
            "remapping zero-fills"
        );
        assert!(m.unmap(0, 0x10000).is_ok());
        assert_eq!(
            m.protect(0x1000, 0x1000, Perm::R),
            Err(MapError::NotMapped { addr: 0x1000 })
        );
        assert!(matches!(
            m.map(u64::MAX, 2, Perm::R),
            Err(MapError::Wraps { .. })
        ));
        m.set_limit(0x2000);
        assert!(m.map(0, 0x2000, Perm::R).is_ok());
        assert!(matches!(
            m.map(0x10000, 1, Perm::R),
            Err(MapError::Limit { .. })
        ));
        assert_eq!(m.regions(), vec![(0, 0x2000, Perm::R)]);
    }

    #[test]
    fn top_of_address_space_is_usable() {
        let mut m = Memory::new();
        m.map(u64::MAX - 0xfff, 0x1000, Perm::RWX).unwrap();
        m.store(u64::MAX - 3, 4, 0xdead_beef, Endness::Le).unwrap();
        assert_eq!(m.load(u64::MAX - 3, 4, Endness::Le).unwrap(), 0xdead_beef);
        assert_eq!(m.code_at(u64::MAX - 1, 16).unwrap().len(), 2);
    }
}

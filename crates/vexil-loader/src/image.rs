//! The loaded-image model and the accessors other crates use.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use vexil_ir::{Arch, Endian, IsaMode};

use crate::error::{Error, Result};
use crate::machine::MipsAbi;

/// Switches for [`Image::parse_with`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Load the file even when its section header table, section names or a
    /// symbol table are broken: the image then has no sections and no
    /// symbols, and [`Image::warnings`] says why. The kernel never reads
    /// section headers, so hostile binaries corrupt them to break analysis
    /// tools; a corpus run wants their code anyway. Off by default: a
    /// damaged or truncated file is an error.
    pub tolerate_bad_sections: bool,
}

/// What kind of ELF file (`e_type`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `ET_EXEC`: a position-dependent executable.
    Executable,
    /// `ET_DYN`: a shared object or a position-independent executable.
    Shared,
    /// `ET_REL`: an object file (no program headers, nothing mapped).
    Relocatable,
}

impl FileKind {
    /// `exec`, `dyn` or `rel`.
    pub const fn name(self) -> &'static str {
        match self {
            FileKind::Executable => "exec",
            FileKind::Shared => "dyn",
            FileKind::Relocatable => "rel",
        }
    }
}

/// Read/write/execute permissions of a segment.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Perms {
    /// `PF_R`.
    pub read: bool,
    /// `PF_W`.
    pub write: bool,
    /// `PF_X`.
    pub exec: bool,
}

impl fmt::Display for Perms {
    /// `r-x` style.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = |b, ch| if b { ch } else { '-' };
        write!(
            f,
            "{}{}{}",
            c(self.read, 'r'),
            c(self.write, 'w'),
            c(self.exec, 'x')
        )
    }
}

/// One program header. Only `PT_LOAD` ones ([`Segment::is_load`]) map
/// memory; the others (`PT_INTERP`, `PT_DYNAMIC`, ...) are kept because
/// they say how the program is loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Index in the program header table.
    pub index: usize,
    /// `p_type`.
    pub p_type: u32,
    /// `p_type` without the `PT_` prefix (`LOAD`, `GNU_STACK`, `ARM_EXIDX`),
    /// or its number in hex.
    pub type_name: String,
    /// `p_flags` as permissions.
    pub perms: Perms,
    /// `p_offset`.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_filesz`: bytes backed by the file.
    pub filesz: u64,
    /// `p_memsz`: bytes mapped (the rest is zero-filled).
    pub memsz: u64,
    /// `p_align`.
    pub align: u64,
}

impl Segment {
    /// True for `PT_LOAD`.
    pub fn is_load(&self) -> bool {
        self.p_type == object::elf::PT_LOAD.0
    }
    /// The mapped virtual addresses.
    pub fn vaddr_range(&self) -> Range<u64> {
        self.vaddr..self.vaddr.saturating_add(self.memsz)
    }
    /// The virtual addresses backed by file bytes.
    pub fn file_vaddr_range(&self) -> Range<u64> {
        self.vaddr..self.vaddr.saturating_add(self.filesz)
    }
    /// True if the segment maps `addr`.
    pub fn contains(&self, addr: u64) -> bool {
        self.vaddr_range().contains(&addr)
    }
}

/// One section header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Index in the section header table (0 is the null section).
    pub index: usize,
    /// Name from the section-name string table (lossy UTF-8), or empty.
    pub name: String,
    /// `sh_type`.
    pub sh_type: u32,
    /// `sh_flags`.
    pub flags: u64,
    /// `sh_addr`.
    pub addr: u64,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
    /// `sh_link`.
    pub link: u32,
    /// `sh_info`.
    pub info: u32,
    /// `sh_entsize`.
    pub entsize: u64,
}

impl Section {
    /// `SHF_ALLOC`: occupies memory at run time.
    pub fn is_alloc(&self) -> bool {
        self.flags & object::elf::SHF_ALLOC.0 != 0
    }
    /// `SHF_EXECINSTR`: holds code.
    pub fn is_exec(&self) -> bool {
        self.flags & object::elf::SHF_EXECINSTR.0 != 0
    }
    /// `SHF_WRITE`.
    pub fn is_write(&self) -> bool {
        self.flags & object::elf::SHF_WRITE.0 != 0
    }
    /// True unless the section is `SHT_NOBITS` or `SHT_NULL` (no bytes in the file).
    pub fn has_file_data(&self) -> bool {
        self.sh_type != object::elf::SHT_NOBITS.0 && self.sh_type != object::elf::SHT_NULL.0
    }
    /// The virtual addresses it occupies (empty if not allocated).
    pub fn vaddr_range(&self) -> Range<u64> {
        if self.is_alloc() {
            self.addr..self.addr.saturating_add(self.size)
        } else {
            0..0
        }
    }
}

/// The kind of a symbol (`STT_*`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// `STT_NOTYPE`.
    NoType,
    /// `STT_OBJECT`: data.
    Object,
    /// `STT_FUNC` (and ARM's `STT_ARM_TFUNC`): code.
    Func,
    /// `STT_SECTION`.
    Section,
    /// `STT_FILE`: a source file name.
    File,
    /// `STT_COMMON`.
    Common,
    /// `STT_TLS`: thread-local data (the value is an offset, not an address).
    Tls,
    /// `STT_GNU_IFUNC`: an indirect function (the value is its resolver).
    IFunc,
    /// Anything else, with its number.
    Other(u8),
}

impl SymbolKind {
    /// Lower-case name (`func`, `object`, `notype`, ...).
    pub fn name(self) -> &'static str {
        match self {
            SymbolKind::NoType => "notype",
            SymbolKind::Object => "object",
            SymbolKind::Func => "func",
            SymbolKind::Section => "section",
            SymbolKind::File => "file",
            SymbolKind::Common => "common",
            SymbolKind::Tls => "tls",
            SymbolKind::IFunc => "ifunc",
            SymbolKind::Other(_) => "other",
        }
    }
    /// True for the kinds whose value is a code address (`Func`, `IFunc`).
    pub fn is_code(self) -> bool {
        matches!(self, SymbolKind::Func | SymbolKind::IFunc)
    }
}

/// The binding of a symbol (`STB_*`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SymbolBinding {
    /// `STB_LOCAL`.
    Local,
    /// `STB_GLOBAL`.
    Global,
    /// `STB_WEAK`.
    Weak,
    /// `STB_GNU_UNIQUE` or another value, with its number.
    Other(u8),
}

/// One symbol from `.symtab` or `.dynsym`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// Name (lossy UTF-8).
    pub name: String,
    /// Address. For ARM code symbols the Thumb bit is cleared here and
    /// recorded in [`Symbol::mode`].
    pub addr: u64,
    /// `st_size`.
    pub size: u64,
    /// `STT_*`.
    pub kind: SymbolKind,
    /// `STB_*`.
    pub binding: SymbolBinding,
    /// Instruction set of the code at `addr` ([`IsaMode::Thumb`] for ARM
    /// Thumb functions), [`IsaMode::Default`] otherwise.
    pub mode: IsaMode,
    /// False for undefined (imported) symbols (`SHN_UNDEF`).
    pub defined: bool,
    /// The section it is defined in, when that is a regular section index.
    pub section: Option<usize>,
    /// True if it comes from the dynamic symbol table (`.dynsym`).
    pub dynamic: bool,
}

/// ARM mapping symbols (`$a`, `$t`, `$d`) mark where ARM code, Thumb code
/// and literal data start inside a section.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum MapKind {
    Arm,
    Thumb,
    Data,
}

/// A loaded ELF file: its bytes and what the loader read from them.
///
/// Built by [`Image::load`] or [`Image::parse`]; immutable afterwards.
pub struct Image {
    pub(crate) data: Vec<u8>,
    pub(crate) arch: Arch,
    pub(crate) endian: Endian,
    pub(crate) bits: u32,
    pub(crate) kind: FileKind,
    pub(crate) machine: u16,
    pub(crate) flags: u32,
    pub(crate) mips_abi: Option<MipsAbi>,
    pub(crate) arm_be8: bool,
    pub(crate) entry: u64,
    pub(crate) entry_mode: IsaMode,
    pub(crate) interpreter: Option<String>,
    pub(crate) has_dynamic: bool,
    pub(crate) program_headers: Vec<Segment>,
    pub(crate) sections: Vec<Section>,
    pub(crate) symbols: Vec<Symbol>,
    pub(crate) warnings: Vec<Error>,
    /// Name -> index into `symbols`, preferring defined `.symtab` entries.
    pub(crate) by_name: HashMap<String, usize>,
    /// Defined code and data symbols with a nonzero address, sorted by
    /// (address, preference): indices into `symbols`.
    pub(crate) by_addr: Vec<usize>,
    /// ARM mapping symbols, sorted by address.
    pub(crate) arm_map: Vec<(u64, MapKind)>,
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image")
            .field("arch", &self.arch)
            .field("endian", &self.endian)
            .field("bits", &self.bits)
            .field("kind", &self.kind)
            .field("entry", &format_args!("{:#x}", self.entry))
            .field("entry_mode", &self.entry_mode)
            .field("interpreter", &self.interpreter)
            .field("program_headers", &self.program_headers.len())
            .field("sections", &self.sections.len())
            .field("symbols", &self.symbols.len())
            .finish_non_exhaustive()
    }
}

impl Image {
    /// Reads and parses an ELF file.
    pub fn load(path: impl AsRef<Path>) -> Result<Image> {
        Image::load_with(path, &LoadOptions::default())
    }

    /// Reads and parses an ELF file with options.
    pub fn load_with(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Image> {
        let path = path.as_ref();
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        // Reading /dev/zero or a FIFO that never ends would exhaust memory.
        if !std::fs::metadata(path).map_err(io)?.is_file() {
            let source =
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file");
            return Err(io(source));
        }
        let data = std::fs::read(path).map_err(io)?;
        Image::parse_with(data, opts)
    }

    /// Parses an ELF file held in memory.
    pub fn parse(data: Vec<u8>) -> Result<Image> {
        Image::parse_with(data, &LoadOptions::default())
    }

    /// Parses an ELF file held in memory, with options.
    pub fn parse_with(data: Vec<u8>, opts: &LoadOptions) -> Result<Image> {
        crate::parse::parse(data, opts)
    }

    /// The file's bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    /// The architecture.
    pub fn arch(&self) -> Arch {
        self.arch
    }
    /// The byte order of data (`EI_DATA`).
    pub fn endian(&self) -> Endian {
        self.endian
    }
    /// The byte order of instructions. Differs from [`Image::endian`] for
    /// big-endian AArch64 (A64 instructions are always little-endian) and
    /// for ARM BE8 images (`EF_ARM_BE8`: the linker stores code little-endian).
    pub fn insn_endian(&self) -> Endian {
        match self.arch {
            Arch::Aarch64 => Endian::Little,
            Arch::Arm if self.arm_be8 => Endian::Little,
            _ => self.endian,
        }
    }
    /// 32 or 64: the ELF class, which is the pointer width (32 for MIPS n32
    /// even though its [`Arch`] is `Mips64`).
    pub fn bits(&self) -> u32 {
        self.bits
    }
    /// `ELF32` or `ELF64`.
    pub fn format(&self) -> &'static str {
        if self.bits == 64 { "ELF64" } else { "ELF32" }
    }
    /// `e_type`.
    pub fn kind(&self) -> FileKind {
        self.kind
    }
    /// `e_machine`.
    pub fn machine(&self) -> u16 {
        self.machine
    }
    /// `e_machine`'s constant name (`EM_X86_64`).
    pub fn machine_name(&self) -> String {
        crate::machine::machine_constant(self.machine)
    }
    /// `e_flags`.
    pub fn flags(&self) -> u32 {
        self.flags
    }
    /// The MIPS ABI, for MIPS images.
    pub fn mips_abi(&self) -> Option<MipsAbi> {
        self.mips_abi
    }
    /// The entry point, with ARM's Thumb bit cleared.
    pub fn entry(&self) -> u64 {
        self.entry
    }
    /// The instruction set at the entry point: Thumb when `e_entry` has bit 0
    /// set or the symbol at the entry is a Thumb function.
    pub fn entry_mode(&self) -> IsaMode {
        self.entry_mode
    }
    /// True if the program needs no dynamic loader (no `PT_INTERP`). Static
    /// PIE executables count as static.
    pub fn is_static(&self) -> bool {
        self.interpreter.is_none()
    }
    /// True for position-independent files (`ET_DYN`).
    pub fn is_pie(&self) -> bool {
        self.kind == FileKind::Shared
    }
    /// True if there is a `PT_DYNAMIC` segment.
    pub fn has_dynamic(&self) -> bool {
        self.has_dynamic
    }
    /// The dynamic loader named by `PT_INTERP`.
    pub fn interpreter(&self) -> Option<&str> {
        self.interpreter.as_deref()
    }
    /// Every program header, in file order.
    pub fn program_headers(&self) -> &[Segment] {
        &self.program_headers
    }
    /// The loadable (`PT_LOAD`) segments, in file order.
    pub fn segments(&self) -> impl Iterator<Item = &Segment> + '_ {
        self.program_headers.iter().filter(|s| s.is_load())
    }
    /// Every section header, including the null section 0.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }
    /// The first section with this name.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }
    /// A section's bytes in the file (`None` for `SHT_NOBITS`).
    pub fn section_data(&self, section: &Section) -> Option<&[u8]> {
        if !section.has_file_data() {
            return None;
        }
        if section.size == 0 {
            return Some(&[]);
        }
        let start = usize::try_from(section.offset).ok()?;
        let len = usize::try_from(section.size).ok()?;
        self.data.get(start..start.checked_add(len)?)
    }
    /// Every symbol: `.symtab` first, then `.dynsym`; the null symbol of
    /// each table is left out.
    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }
    /// Number of symbols from `.dynsym`.
    pub fn dynamic_symbol_count(&self) -> usize {
        self.symbols.iter().filter(|s| s.dynamic).count()
    }
    /// Problems that [`LoadOptions::tolerate_bad_sections`] let through.
    pub fn warnings(&self) -> &[Error] {
        &self.warnings
    }

    /// The symbol with this name: a defined one if any (`.symtab` before
    /// `.dynsym`), else an undefined one.
    pub fn symbol(&self, name: &str) -> Option<&Symbol> {
        self.by_name.get(name).map(|&i| &self.symbols[i])
    }

    /// A defined function or data symbol that starts exactly at `addr`
    /// (functions and global symbols preferred).
    pub fn symbol_at(&self, addr: u64) -> Option<&Symbol> {
        let i = self
            .by_addr
            .partition_point(|&i| self.symbols[i].addr < addr);
        let &first = self.by_addr.get(i)?;
        let sym = &self.symbols[first];
        (sym.addr == addr).then_some(sym)
    }

    /// The defined function or data symbol whose `[addr, addr + size)`
    /// contains `addr`, or that starts at `addr` if it has no size.
    pub fn symbol_containing(&self, addr: u64) -> Option<&Symbol> {
        let end = self
            .by_addr
            .partition_point(|&i| self.symbols[i].addr <= addr);
        // Symbols can nest or overlap; look back a bounded distance rather
        // than keeping an interval tree for a rare case.
        self.by_addr[..end]
            .iter()
            .rev()
            .take(64)
            .map(|&i| &self.symbols[i])
            .find(|s| s.addr == addr || addr - s.addr < s.size)
    }

    /// The instruction set of the code at `addr`, from the containing
    /// function symbol or, on ARM, from the mapping symbols (`$a`, `$t`).
    /// `None` on ARM when nothing says (or `$d` says it is data); always
    /// [`IsaMode::Default`] on other architectures.
    pub fn isa_mode_at(&self, addr: u64) -> Option<IsaMode> {
        if self.arch != Arch::Arm {
            return Some(IsaMode::Default);
        }
        if let Some(sym) = self.symbol_containing(addr).filter(|s| s.kind.is_code()) {
            return Some(sym.mode);
        }
        let i = self.arm_map.partition_point(|&(a, _)| a <= addr);
        match self.arm_map[..i].last()?.1 {
            MapKind::Arm => Some(IsaMode::Default),
            MapKind::Thumb => Some(IsaMode::Thumb),
            MapKind::Data => None,
        }
    }

    /// The loadable segment that maps `addr` (the first, if they overlap).
    pub fn segment_at(&self, addr: u64) -> Option<&Segment> {
        self.segments().find(|s| s.contains(addr))
    }

    /// The file bytes from `addr` to the end of the file-backed part of its
    /// segment, whatever the segment's permissions.
    pub fn bytes_at(&self, addr: u64) -> Result<&[u8]> {
        let seg = self.segment_at(addr).ok_or(Error::Unmapped { addr })?;
        let delta = addr - seg.vaddr;
        if delta >= seg.filesz {
            return Err(Error::NotInFile { addr });
        }
        // Segment file ranges were checked against the file size at load, so
        // these conversions and the slice cannot fail for a parsed image.
        let start = seg.offset.checked_add(delta).map(usize::try_from);
        let end = seg.offset.checked_add(seg.filesz).map(usize::try_from);
        match (start, end) {
            (Some(Ok(start)), Some(Ok(end))) => {
                self.data.get(start..end).ok_or(Error::NotInFile { addr })
            }
            _ => Err(Error::NotInFile { addr }),
        }
    }

    /// Code bytes from `addr` to the end of the file-backed part of its
    /// segment; the segment must be executable. This is what a lifter gets.
    pub fn code_at(&self, addr: u64) -> Result<&[u8]> {
        let seg = self.segment_at(addr).ok_or(Error::Unmapped { addr })?;
        if !seg.perms.exec {
            return Err(Error::NotExecutable {
                addr,
                perms: seg.perms,
            });
        }
        self.bytes_at(addr)
    }

    /// Reads `len` bytes of the initial memory image at `addr`: file bytes,
    /// and zeros for the zero-filled part of segments. The range may span
    /// adjacent segments but not a gap.
    pub fn read(&self, addr: u64, len: usize) -> Result<Vec<u8>> {
        // The length may come from guest data: do not trust it for allocation.
        let mut out = Vec::with_capacity(len.min(1 << 16));
        let mut cur = addr;
        while out.len() < len {
            let seg = self.segment_at(cur).ok_or(Error::Unmapped { addr: cur })?;
            let want = u64::try_from(len - out.len()).unwrap_or(u64::MAX);
            let in_seg = (seg.vaddr.saturating_add(seg.memsz) - cur).min(want);
            let delta = cur - seg.vaddr;
            let from_file = seg.filesz.saturating_sub(delta).min(in_seg);
            if from_file > 0 {
                let bytes = self.bytes_at(cur)?;
                let n = usize::try_from(from_file).unwrap_or(usize::MAX);
                out.extend_from_slice(bytes.get(..n).ok_or(Error::NotInFile { addr: cur })?);
            }
            let zeros = usize::try_from(in_seg - from_file).unwrap_or(usize::MAX);
            out.resize(out.len().saturating_add(zeros), 0);
            cur = cur
                .checked_add(in_seg)
                .ok_or(Error::Unmapped { addr: cur })?;
        }
        Ok(out)
    }

    /// Reads an unsigned integer of `size` bytes (1, 2, 4 or 8) at `addr` in
    /// the image's byte order.
    pub fn read_uint(&self, addr: u64, size: usize) -> Result<u64> {
        let bytes = self.read(addr, size.min(8))?;
        let fold = |acc: u64, &b: &u8| (acc << 8) | u64::from(b);
        Ok(match self.endian {
            Endian::Big => bytes.iter().fold(0, fold),
            Endian::Little => bytes.iter().rev().fold(0, fold),
        })
    }

    /// The file-backed address ranges of executable segments: where code can
    /// be read with [`Image::code_at`].
    pub fn exec_ranges(&self) -> impl Iterator<Item = Range<u64>> + '_ {
        self.segments()
            .filter(|s| s.perms.exec && s.filesz > 0)
            .map(Segment::file_vaddr_range)
    }
}

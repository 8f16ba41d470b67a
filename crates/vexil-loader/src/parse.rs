//! ELF parsing with our own validation in front of `object`.
//!
//! `object` reads the header structs and handles both classes and byte
//! orders, but its errors carry no file offsets ("Invalid ELF section header
//! offset/size/alignment"). So every table this loader relies on (ELF
//! header, program headers, section headers, section names, symbol tables
//! and their string tables) is range-checked here first, and a failure names
//! the table and the file offset. After these checks no `object` read can
//! fail, and no slice index can go out of bounds.

use std::collections::HashMap;

use object::elf::{self, FileHeader32, FileHeader64};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader, Sym};
use object::{Endianness, ReadRef};
use vexil_ir::{Arch, Endian, IsaMode};

use crate::error::{Error, Result};
use crate::image::{
    FileKind, Image, LoadOptions, MapKind, Perms, Section, Segment, Symbol, SymbolBinding,
    SymbolKind,
};
use crate::machine::detect;

const EI_NIDENT: u64 = 16;

/// File offsets of the ELF header fields we report errors against.
#[derive(Copy, Clone, Debug)]
struct Fields {
    entry: u64,
    phoff: u64,
    shoff: u64,
    phentsize: u64,
    phnum: u64,
    shentsize: u64,
    shstrndx: u64,
}

impl Fields {
    const fn new(class64: bool) -> Fields {
        if class64 {
            Fields {
                entry: 0x18,
                phoff: 0x20,
                shoff: 0x28,
                phentsize: 0x36,
                phnum: 0x38,
                shentsize: 0x3a,
                shstrndx: 0x3e,
            }
        } else {
            Fields {
                entry: 0x18,
                phoff: 0x1c,
                shoff: 0x20,
                phentsize: 0x2a,
                phnum: 0x2c,
                shentsize: 0x2e,
                shstrndx: 0x32,
            }
        }
    }
}

/// Checks that `[offset, offset + len)` lies inside the file.
fn check_range(file_size: u64, offset: u64, len: u64, what: impl FnOnce() -> String) -> Result<()> {
    match offset.checked_add(len) {
        Some(end) if end <= file_size => Ok(()),
        _ => Err(Error::Truncated {
            what: what(),
            offset,
            len,
            file_size,
        }),
    }
}

/// `size_of::<T>()` as a u64 (header structs are at most 64 bytes).
fn size_of<T>() -> u64 {
    u64::try_from(std::mem::size_of::<T>()).unwrap_or(u64::MAX)
}

/// Converts a validated in-file offset or count to `usize`.
fn to_usize(v: u64, offset: u64, what: &str) -> Result<usize> {
    usize::try_from(v).map_err(|_| Error::malformed(offset, format!("{what} {v:#x} is too large")))
}

pub(crate) fn parse(data: Vec<u8>, opts: &LoadOptions) -> Result<Image> {
    let file_size = u64::try_from(data.len()).unwrap_or(u64::MAX);
    if !data.starts_with(&elf::ELFMAG[..data.len().min(4)]) || data.is_empty() {
        return Err(Error::NotElf {
            found: data.iter().take(4).copied().collect(),
        });
    }
    check_range(file_size, 0, EI_NIDENT, || {
        "ELF identification (e_ident)".to_string()
    })?;
    let class64 = match data[4] {
        x if x == elf::ELFCLASS32.0 => false,
        x if x == elf::ELFCLASS64.0 => true,
        c => {
            return Err(Error::malformed(
                4,
                format!("EI_CLASS is {c}, expected 1 (ELFCLASS32) or 2 (ELFCLASS64)"),
            ));
        }
    };
    let endian = match data[5] {
        x if x == elf::ELFDATA2LSB.0 => Endian::Little,
        x if x == elf::ELFDATA2MSB.0 => Endian::Big,
        d => {
            return Err(Error::malformed(
                5,
                format!("EI_DATA is {d}, expected 1 (little-endian) or 2 (big-endian)"),
            ));
        }
    };
    if class64 {
        parse_class::<FileHeader64<Endianness>>(data, endian, opts)
    } else {
        parse_class::<FileHeader32<Endianness>>(data, endian, opts)
    }
}

fn parse_class<Elf>(data: Vec<u8>, endian: Endian, opts: &LoadOptions) -> Result<Image>
where
    Elf: FileHeader<Endian = Endianness>,
{
    let class64 = Elf::is_type_64_sized();
    let bits = if class64 { 64 } else { 32 };
    let fields = Fields::new(class64);
    let e = match endian {
        Endian::Little => Endianness::Little,
        Endian::Big => Endianness::Big,
    };
    let bytes = data.as_slice();
    let file_size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    check_range(file_size, 0, size_of::<Elf>(), || {
        format!("ELF{bits} header")
    })?;
    let hdr: &Elf = bytes
        .read_at(0)
        .map_err(|()| Error::malformed(0, "unreadable ELF header"))?;

    let kind = match hdr.e_type(e) {
        elf::ET_EXEC => FileKind::Executable,
        elf::ET_DYN => FileKind::Shared,
        elf::ET_REL => FileKind::Relocatable,
        elf::ET_CORE => {
            return Err(Error::Unsupported {
                what: "core dump (e_type ET_CORE)".to_string(),
                offset: 0x10,
            });
        }
        t => {
            return Err(Error::malformed(
                0x10,
                format!(
                    "e_type is {:#x}, not an executable, shared object or object file",
                    t.0
                ),
            ));
        }
    };
    let machine = hdr.e_machine(e).0;
    let flags = hdr.e_flags(e).0;
    let det = detect(machine, class64, endian, flags)?;
    let raw_entry: u64 = hdr.e_entry(e).into();

    let mut warnings = Vec::new();
    let section0 = match section_zero(hdr, e, bytes, fields) {
        Ok(s0) => s0,
        // Only a PN_XNUM program header count makes section 0 essential.
        Err(err) if opts.tolerate_bad_sections && hdr.e_phnum(e) != elf::PN_XNUM => {
            warnings.push(err);
            None
        }
        Err(err) => return Err(err),
    };
    let program_headers = program_headers(hdr, e, bytes, fields, section0, bits, machine)?;
    let interpreter = interpreter(&program_headers, bytes)?;
    let has_dynamic = program_headers
        .iter()
        .any(|s| s.p_type == elf::PT_DYNAMIC.0);

    let (sections, symbols) = match sections_and_symbols(hdr, e, bytes, fields, section0, det.arch)
    {
        Ok(v) => v,
        Err(err) if opts.tolerate_bad_sections => {
            warnings.push(err);
            (Vec::new(), Vec::new())
        }
        Err(err) => return Err(err),
    };

    let mut image = Image {
        arch: det.arch,
        endian,
        bits,
        kind,
        machine,
        flags,
        mips_abi: det.mips_abi,
        arm_be8: det.arch == Arch::Arm && flags & elf::EF_ARM_BE8.0 != 0,
        entry: raw_entry,
        entry_mode: IsaMode::Default,
        interpreter,
        has_dynamic,
        program_headers,
        sections,
        symbols,
        warnings,
        by_name: HashMap::new(),
        by_addr: Vec::new(),
        arm_map: Vec::new(),
        data,
    };
    build_indices(&mut image);
    set_entry(&mut image, raw_entry, fields)?;
    Ok(image)
}

/// Section header 0, which holds the real `e_phnum`, `e_shnum` and
/// `e_shstrndx` when they overflow their 16-bit fields.
fn section_zero<'d, Elf: FileHeader<Endian = Endianness>>(
    hdr: &Elf,
    e: Endianness,
    bytes: &'d [u8],
    fields: Fields,
) -> Result<Option<&'d Elf::SectionHeader>> {
    let shoff: u64 = hdr.e_shoff(e).into();
    if shoff == 0 {
        return Ok(None);
    }
    // A nonzero e_shoff promises a table of e_shentsize-byte headers, even
    // when e_shnum is 0 (then section 0 holds the real count).
    let shentsize = u64::from(hdr.e_shentsize(e));
    if shentsize != size_of::<Elf::SectionHeader>() {
        return Err(Error::malformed(
            fields.shentsize,
            format!(
                "e_shentsize is {shentsize}, expected {} for this ELF class",
                size_of::<Elf::SectionHeader>()
            ),
        ));
    }
    let file_size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    check_range(file_size, shoff, shentsize, || {
        "section header 0 (at e_shoff)".to_string()
    })?;
    bytes
        .read_at(shoff)
        .map(Some)
        .map_err(|()| Error::malformed(fields.shoff, "unreadable section header 0"))
}

fn program_headers<Elf: FileHeader<Endian = Endianness>>(
    hdr: &Elf,
    e: Endianness,
    bytes: &[u8],
    fields: Fields,
    section0: Option<&Elf::SectionHeader>,
    bits: u32,
    machine: u16,
) -> Result<Vec<Segment>> {
    let phoff: u64 = hdr.e_phoff(e).into();
    let phnum = match hdr.e_phnum(e) {
        elf::PN_XNUM => match section0 {
            Some(s0) => u64::from(s0.sh_info(e)),
            None => {
                return Err(Error::malformed(
                    fields.phnum,
                    "e_phnum is PN_XNUM (0xffff) but there is no section header 0 to hold the count",
                ));
            }
        },
        n => u64::from(n),
    };
    if phoff == 0 || phnum == 0 {
        return Ok(Vec::new());
    }
    let entsize = u64::from(hdr.e_phentsize(e));
    if entsize != size_of::<Elf::ProgramHeader>() {
        return Err(Error::malformed(
            fields.phentsize,
            format!(
                "e_phentsize is {entsize}, expected {} for this ELF class",
                size_of::<Elf::ProgramHeader>()
            ),
        ));
    }
    let file_size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    let table_len = phnum.saturating_mul(entsize);
    check_range(file_size, phoff, table_len, || {
        format!("program header table ({phnum} entries)")
    })?;
    let count = to_usize(phnum, fields.phnum, "program header count")?;
    let raw: &[Elf::ProgramHeader] = bytes
        .read_slice_at(phoff, count)
        .map_err(|()| Error::malformed(fields.phoff, "unreadable program header table"))?;
    let names = elf::machine_names(elf::Machine(machine));
    let space_end: u128 = 1u128 << bits;
    let mut out = Vec::with_capacity(raw.len());
    for (index, ph) in raw.iter().enumerate() {
        let at = phoff + u64::try_from(index).unwrap_or(u64::MAX) * entsize;
        let p_type = ph.p_type(e);
        let type_name = match names.pt.name(p_type) {
            Some(n) => n.trim_start_matches("PT_").to_string(),
            None => format!("{:#x}", p_type.0),
        };
        let pf = ph.p_flags(e).0;
        let seg = Segment {
            index,
            p_type: p_type.0,
            type_name,
            perms: Perms {
                read: pf & elf::PF_R.0 != 0,
                write: pf & elf::PF_W.0 != 0,
                exec: pf & elf::PF_X.0 != 0,
            },
            offset: ph.p_offset(e).into(),
            vaddr: ph.p_vaddr(e).into(),
            filesz: ph.p_filesz(e).into(),
            memsz: ph.p_memsz(e).into(),
            align: ph.p_align(e).into(),
        };
        if seg.is_load() {
            if seg.filesz > seg.memsz {
                return Err(Error::malformed(
                    at,
                    format!(
                        "program header {index} (LOAD): p_filesz {:#x} is larger than p_memsz {:#x}",
                        seg.filesz, seg.memsz
                    ),
                ));
            }
            // Strictly below the top: then `vaddr + memsz` fits in a u64
            // and range ends never overflow (Linux maps nothing up there).
            if u128::from(seg.vaddr) + u128::from(seg.memsz) >= space_end {
                return Err(Error::malformed(
                    at,
                    format!(
                        "program header {index} (LOAD): {:#x} bytes at {:#x} run past the end of \
                         the {bits}-bit address space",
                        seg.memsz, seg.vaddr
                    ),
                ));
            }
            // A segment with no file bytes (all .bss) may have any offset:
            // ld gives such segments offsets past the end of the file.
            if seg.filesz > 0 {
                check_range(file_size, seg.offset, seg.filesz, || {
                    format!("segment {index} (LOAD) contents")
                })?;
            }
        }
        out.push(seg);
    }
    Ok(out)
}

/// The path in the first `PT_INTERP`, which Linux requires to be
/// NUL-terminated.
fn interpreter(headers: &[Segment], bytes: &[u8]) -> Result<Option<String>> {
    let Some(seg) = headers.iter().find(|s| s.p_type == elf::PT_INTERP.0) else {
        return Ok(None);
    };
    if seg.filesz == 0 {
        return Err(Error::malformed(
            seg.offset,
            format!("program header {}: PT_INTERP is empty", seg.index),
        ));
    }
    let file_size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    check_range(file_size, seg.offset, seg.filesz, || {
        format!("segment {} (INTERP) contents", seg.index)
    })?;
    let start = to_usize(seg.offset, seg.offset, "PT_INTERP offset")?;
    let len = to_usize(seg.filesz, seg.offset, "PT_INTERP size")?;
    let raw = &bytes[start..start + len];
    match raw.split_last() {
        Some((0, path)) => {
            let path = path.split(|&b| b == 0).next().unwrap_or(path);
            Ok(Some(String::from_utf8_lossy(path).into_owned()))
        }
        _ => Err(Error::malformed(
            seg.offset,
            format!("the interpreter path (PT_INTERP, {len} bytes) is empty or not NUL-terminated"),
        )),
    }
}

/// A NUL-terminated string at `offset` in a string table.
fn table_string(table: &[u8], offset: u32, at: u64, what: impl Fn() -> String) -> Result<&[u8]> {
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let rest = table.get(start..).ok_or_else(|| {
        Error::malformed(
            at,
            format!(
                "{}: name offset {offset:#x} is outside its string table ({:#x} bytes)",
                what(),
                table.len()
            ),
        )
    })?;
    match rest.iter().position(|&b| b == 0) {
        Some(end) => Ok(&rest[..end]),
        None => Err(Error::malformed(
            at,
            format!(
                "{}: name at string table offset {offset:#x} is not NUL-terminated",
                what()
            ),
        )),
    }
}

type SectionsAndSymbols = (Vec<Section>, Vec<Symbol>);

fn sections_and_symbols<Elf: FileHeader<Endian = Endianness>>(
    hdr: &Elf,
    e: Endianness,
    bytes: &[u8],
    fields: Fields,
    section0: Option<&Elf::SectionHeader>,
    arch: Arch,
) -> Result<SectionsAndSymbols> {
    let Some(section0) = section0 else {
        return Ok((Vec::new(), Vec::new()));
    };
    let file_size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    let shoff: u64 = hdr.e_shoff(e).into();
    let entsize = size_of::<Elf::SectionHeader>();
    let shnum = match hdr.e_shnum(e) {
        0 => section0.sh_size(e).into(),
        n => u64::from(n),
    };
    if shnum == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    check_range(file_size, shoff, shnum.saturating_mul(entsize), || {
        format!("section header table ({shnum} entries)")
    })?;
    let count = to_usize(shnum, fields.shoff, "section count")?;
    let raw: &[Elf::SectionHeader] = bytes
        .read_slice_at(shoff, count)
        .map_err(|()| Error::malformed(fields.shoff, "unreadable section header table"))?;
    let header_at = |i: usize| shoff + u64::try_from(i).unwrap_or(u64::MAX) * entsize;

    // Every section's contents must be in the file: we validate them all,
    // not only the ones read below, so that `Image::section_data` is total.
    for (i, sh) in raw.iter().enumerate() {
        let t = sh.sh_type(e);
        let (off, size): (u64, u64) = (sh.sh_offset(e).into(), sh.sh_size(e).into());
        if t != elf::SHT_NOBITS && t != elf::SHT_NULL && size > 0 {
            check_range(file_size, off, size, || format!("section {i} contents"))?;
        }
    }

    let shstrndx = match hdr.e_shstrndx(e) {
        elf::SHN_XINDEX => Some(u64::from(section0.sh_link(e))),
        elf::SHN_UNDEF => None,
        n => Some(u64::from(n.0)),
    };
    let names: &[u8] = match shstrndx {
        None => &[],
        Some(i) if i >= shnum => {
            return Err(Error::malformed(
                fields.shstrndx,
                format!("e_shstrndx is {i}, but there are only {shnum} sections"),
            ));
        }
        Some(i) => section_bytes(&raw[to_usize(i, fields.shstrndx, "e_shstrndx")?], e, bytes),
    };

    let mut sections = Vec::with_capacity(raw.len());
    for (index, sh) in raw.iter().enumerate() {
        let name = if names.is_empty() || index == 0 {
            String::new()
        } else {
            let n = table_string(names, sh.sh_name(e), header_at(index), || {
                format!("section {index}")
            })?;
            String::from_utf8_lossy(n).into_owned()
        };
        sections.push(Section {
            index,
            name,
            sh_type: sh.sh_type(e).0,
            flags: sh.sh_flags(e).0,
            addr: sh.sh_addr(e).into(),
            offset: sh.sh_offset(e).into(),
            size: sh.sh_size(e).into(),
            link: sh.sh_link(e),
            info: sh.sh_info(e),
            entsize: sh.sh_entsize(e).into(),
        });
    }

    let mut symbols = Vec::new();
    // .symtab before .dynsym, so that lookups prefer the richer table.
    for want in [elf::SHT_SYMTAB, elf::SHT_DYNSYM] {
        for (index, sh) in raw.iter().enumerate() {
            if sh.sh_type(e) == want {
                read_symbols::<Elf>(
                    raw,
                    index,
                    &sections,
                    e,
                    bytes,
                    header_at,
                    arch,
                    &mut symbols,
                )?;
            }
        }
    }
    Ok((sections, symbols))
}

/// A section's file bytes; the range was validated already.
fn section_bytes<'d, S: SectionHeader<Endian = Endianness>>(
    sh: &S,
    e: Endianness,
    bytes: &'d [u8],
) -> &'d [u8] {
    if sh.sh_type(e) == elf::SHT_NOBITS {
        return &[];
    }
    let (off, size): (u64, u64) = (sh.sh_offset(e).into(), sh.sh_size(e).into());
    match (usize::try_from(off), usize::try_from(size)) {
        (Ok(off), Ok(size)) => bytes.get(off..off.saturating_add(size)).unwrap_or(&[]),
        _ => &[],
    }
}

#[allow(clippy::too_many_arguments)]
fn read_symbols<Elf: FileHeader<Endian = Endianness>>(
    raw: &[Elf::SectionHeader],
    index: usize,
    sections: &[Section],
    e: Endianness,
    bytes: &[u8],
    header_at: impl Fn(usize) -> u64,
    arch: Arch,
    out: &mut Vec<Symbol>,
) -> Result<()> {
    let sh = &raw[index];
    let sec = &sections[index];
    let dynamic = sh.sh_type(e) == elf::SHT_DYNSYM;
    let at = header_at(index);
    let label = || format!("symbol table section {index} ({})", sec.name);
    let symsize = size_of::<Elf::Sym>();
    if sec.entsize != symsize {
        return Err(Error::malformed(
            at,
            format!(
                "{}: sh_entsize is {}, expected {symsize}",
                label(),
                sec.entsize
            ),
        ));
    }
    if sec.size % symsize != 0 {
        return Err(Error::malformed(
            at,
            format!(
                "{}: size {:#x} is not a multiple of the entry size {symsize}",
                label(),
                sec.size
            ),
        ));
    }
    let link = usize::try_from(sh.sh_link(e)).unwrap_or(usize::MAX);
    let Some(strtab) = raw.get(link) else {
        return Err(Error::malformed(
            at,
            format!(
                "{}: sh_link {link} names no section (there are {})",
                label(),
                raw.len()
            ),
        ));
    };
    let strings = section_bytes(strtab, e, bytes);
    let count = to_usize(sec.size / symsize, at, "symbol count")?;
    let syms: &[Elf::Sym] = bytes
        .read_slice_at(sec.offset, count)
        .map_err(|()| Error::malformed(at, format!("{}: unreadable", label())))?;

    // Extended section indices for symbols with st_shndx == SHN_XINDEX.
    let shndx: Option<&[object::U32<Endianness>]> = raw
        .iter()
        .position(|s| {
            s.sh_type(e) == elf::SHT_SYMTAB_SHNDX
                && usize::try_from(s.sh_link(e)).ok() == Some(index)
        })
        .and_then(|i| {
            let data = section_bytes(&raw[i], e, bytes);
            object::pod::slice_from_all_bytes(data).ok()
        });

    for (j, sym) in syms.iter().enumerate().skip(1) {
        let sym_at = sec.offset + u64::try_from(j).unwrap_or(u64::MAX) * symsize;
        let name = table_string(strings, sym.st_name(e), sym_at, || {
            format!("symbol {j} of {}", label())
        })?;
        let name = String::from_utf8_lossy(name).into_owned();
        let shn = sym.st_shndx(e);
        let section = if shn == elf::SHN_XINDEX {
            let idx = shndx.and_then(|t| t.get(j)).map(|v| v.get(e));
            match idx {
                Some(v) => usize::try_from(v).ok(),
                None => {
                    return Err(Error::malformed(
                        sym_at,
                        format!(
                            "symbol {j} of {}: st_shndx is SHN_XINDEX but there is no \
                             SHT_SYMTAB_SHNDX entry for it",
                            label()
                        ),
                    ));
                }
            }
        } else if shn.0 != 0 && shn.0 < elf::SHN_LORESERVE {
            Some(usize::from(shn.0))
        } else {
            None
        };
        let section = section.filter(|&s| s < raw.len());
        let st_type = sym.st_type();
        let mut kind = match st_type {
            elf::STT_NOTYPE => SymbolKind::NoType,
            elf::STT_OBJECT => SymbolKind::Object,
            elf::STT_FUNC => SymbolKind::Func,
            elf::STT_SECTION => SymbolKind::Section,
            elf::STT_FILE => SymbolKind::File,
            elf::STT_COMMON => SymbolKind::Common,
            elf::STT_TLS => SymbolKind::Tls,
            elf::STT_GNU_IFUNC => SymbolKind::IFunc,
            t => SymbolKind::Other(t.0),
        };
        let value: u64 = sym.st_value(e).into();
        let mut addr = value;
        let mut mode = IsaMode::Default;
        if arch == Arch::Arm {
            // Bit 0 of an ARM code symbol's value selects Thumb; it is not
            // part of the address (AAELF, "Symbol Values").
            let tfunc = st_type == elf::STT_ARM_TFUNC;
            if tfunc {
                kind = SymbolKind::Func;
            }
            if tfunc || (kind.is_code() && value & 1 != 0) {
                mode = IsaMode::Thumb;
                addr = value & !1;
            }
        }
        let binding = match sym.st_bind() {
            elf::STB_LOCAL => SymbolBinding::Local,
            elf::STB_GLOBAL => SymbolBinding::Global,
            elf::STB_WEAK => SymbolBinding::Weak,
            b => SymbolBinding::Other(b.0),
        };
        out.push(Symbol {
            name,
            addr,
            size: sym.st_size(e).into(),
            kind,
            binding,
            mode,
            defined: shn != elf::SHN_UNDEF,
            section,
            dynamic,
        });
    }
    Ok(())
}

/// The ARM mapping-symbol class of a symbol name (`$a`, `$t`, `$d`, with an
/// optional `.suffix`).
fn arm_mapping(name: &str) -> Option<MapKind> {
    let head = name.split('.').next()?;
    match head {
        "$a" => Some(MapKind::Arm),
        "$t" => Some(MapKind::Thumb),
        "$d" => Some(MapKind::Data),
        _ => None,
    }
}

/// Lower is better when several symbols share an address.
fn rank(s: &Symbol) -> (u8, bool) {
    let kind = match (s.kind, s.binding) {
        (SymbolKind::Func, SymbolBinding::Global | SymbolBinding::Weak) => 0,
        (SymbolKind::Func, _) => 1,
        (SymbolKind::IFunc, _) => 2,
        (SymbolKind::Object, _) => 3,
        _ => 4,
    };
    (kind, s.dynamic)
}

fn build_indices(image: &mut Image) {
    let arm = image.arch == Arch::Arm;
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut by_addr = Vec::new();
    let mut arm_map = Vec::new();
    for (i, s) in image.symbols.iter().enumerate() {
        let mapping = if arm && s.kind == SymbolKind::NoType {
            arm_mapping(&s.name)
        } else {
            None
        };
        if let Some(m) = mapping {
            if s.defined {
                arm_map.push((s.addr, m));
            }
            continue;
        }
        // AArch64 has `$x`/`$d` mapping symbols; they name nothing useful.
        if s.name.is_empty() || s.name.starts_with('$') {
            continue;
        }
        if matches!(s.kind, SymbolKind::Section | SymbolKind::File) {
            continue;
        }
        match by_name.get(&s.name) {
            Some(&j) if image.symbols[j].defined || !s.defined => {}
            _ => {
                by_name.insert(s.name.clone(), i);
            }
        }
        let addressable = match s.kind {
            SymbolKind::Func | SymbolKind::IFunc | SymbolKind::Object => true,
            SymbolKind::NoType => s.binding != SymbolBinding::Local,
            _ => false,
        };
        if s.defined && s.addr != 0 && addressable {
            by_addr.push(i);
        }
    }
    let syms = &image.symbols;
    by_addr.sort_by_key(|&i| (syms[i].addr, rank(&syms[i]), i));
    arm_map.sort_by_key(|&(a, _)| a);
    image.by_name = by_name;
    image.by_addr = by_addr;
    image.arm_map = arm_map;
}

/// Sets the entry point and its instruction set. Bit 0 of an ARM entry
/// selects Thumb; on MIPS it would select MIPS16/microMIPS, which no lifter
/// decodes, so such files are refused.
fn set_entry(image: &mut Image, raw_entry: u64, fields: Fields) -> Result<()> {
    match image.arch {
        Arch::Arm => {
            if raw_entry & 1 != 0 {
                image.entry = raw_entry & !1;
                image.entry_mode = IsaMode::Thumb;
            } else {
                image.entry = raw_entry;
                let by_symbol = image
                    .symbol_at(raw_entry)
                    .filter(|s| s.kind.is_code())
                    .map(|s| s.mode);
                let by_map = || {
                    let i = image.arm_map.partition_point(|&(a, _)| a <= raw_entry);
                    match image.arm_map[..i].last() {
                        Some(&(a, MapKind::Thumb)) if a == raw_entry => Some(IsaMode::Thumb),
                        _ => None,
                    }
                };
                image.entry_mode = by_symbol.or_else(by_map).unwrap_or(IsaMode::Default);
            }
        }
        Arch::Mips32 | Arch::Mips64 if raw_entry & 1 != 0 => {
            return Err(Error::Unsupported {
                what: format!("MIPS16/microMIPS entry point {raw_entry:#x} (bit 0 set)"),
                offset: fields.entry,
            });
        }
        _ => image.entry = raw_entry,
    }
    Ok(())
}

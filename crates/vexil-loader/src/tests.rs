//! Unit tests on hand-made ELF files: a small writer builds files of either
//! class and byte order, and the tests corrupt or cut them field by field.

// The writer narrows small, known sizes and offsets into header fields, and
// the mutation test truncates random numbers on purpose.
#![allow(clippy::cast_possible_truncation)]

use super::*;
use object::elf;
use vexil_ir::{Arch, Endian, IsaMode};

/// A segment to write: data in the file plus zero-filled tail.
#[derive(Clone)]
struct Seg {
    p_type: u32,
    flags: u32,
    vaddr: u64,
    data: Vec<u8>,
    bss: u64,
    name: &'static str,
}

#[derive(Clone)]
struct TSym {
    name: &'static str,
    value: u64,
    size: u64,
    st_type: u8,
    bind: u8,
    /// Section index; `None` = the first segment's section.
    shndx: Option<u16>,
}

impl TSym {
    fn func(name: &'static str, value: u64, size: u64) -> TSym {
        TSym {
            name,
            value,
            size,
            st_type: elf::STT_FUNC.0,
            bind: elf::STB_GLOBAL.0,
            shndx: None,
        }
    }
    fn notype(name: &'static str, value: u64) -> TSym {
        TSym {
            name,
            value,
            size: 0,
            st_type: elf::STT_NOTYPE.0,
            bind: elf::STB_LOCAL.0,
            shndx: None,
        }
    }
    fn undef(name: &'static str) -> TSym {
        TSym {
            shndx: Some(0),
            ..TSym::func(name, 0, 0)
        }
    }
}

#[derive(Clone)]
struct Builder {
    class64: bool,
    big: bool,
    machine: u16,
    flags: u32,
    e_type: u16,
    entry: u64,
    segs: Vec<Seg>,
    interp: Option<&'static str>,
    syms: Vec<TSym>,
    dynsyms: Vec<TSym>,
    sections: bool,
}

/// Where the builder put things, for tests that corrupt them.
#[derive(Debug, Default)]
struct Layout {
    phoff: u64,
    shoff: u64,
    symtab_off: u64,
    shstrtab_index: usize,
    seg_offsets: Vec<u64>,
}

struct W {
    buf: Vec<u8>,
    big: bool,
    class64: bool,
}

impl W {
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u16(&mut self, v: u16) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    fn u32(&mut self, v: u32) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    fn u64(&mut self, v: u64) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    fn word(&mut self, v: u64) {
        if self.class64 {
            self.u64(v)
        } else {
            self.u32(u32::try_from(v).unwrap())
        }
    }
    fn pos(&self) -> u64 {
        self.buf.len() as u64
    }
    fn align(&mut self, a: usize) {
        while self.buf.len() % a != 0 {
            self.buf.push(0);
        }
    }
}

fn strtab(names: &[&str]) -> (Vec<u8>, Vec<u32>) {
    let mut t = vec![0u8];
    let mut offs = Vec::new();
    for n in names {
        if n.is_empty() {
            offs.push(0);
            continue;
        }
        offs.push(t.len() as u32);
        t.extend_from_slice(n.as_bytes());
        t.push(0);
    }
    (t, offs)
}

impl Builder {
    fn new(class64: bool, big: bool, machine: elf::Machine) -> Builder {
        Builder {
            class64,
            big,
            machine: machine.0,
            flags: 0,
            e_type: elf::ET_EXEC.0,
            entry: 0x1000,
            segs: vec![
                Seg {
                    p_type: elf::PT_LOAD.0,
                    flags: (elf::PF_R | elf::PF_X).0,
                    vaddr: 0x1000,
                    data: (0u8..64).collect(),
                    bss: 0,
                    name: ".text",
                },
                Seg {
                    p_type: elf::PT_LOAD.0,
                    flags: (elf::PF_R | elf::PF_W).0,
                    vaddr: 0x3000,
                    data: vec![0xAA; 16],
                    bss: 32,
                    name: ".data",
                },
            ],
            interp: None,
            syms: vec![
                TSym::func("_start", 0x1000, 16),
                TSym::func("helper", 0x1010, 8),
            ],
            dynsyms: Vec::new(),
            sections: true,
        }
    }

    fn x86_64() -> Builder {
        Builder::new(true, false, elf::EM_X86_64)
    }

    fn build(&self) -> (Vec<u8>, Layout) {
        let mut lay = Layout::default();
        let mut w = W {
            buf: Vec::new(),
            big: self.big,
            class64: self.class64,
        };
        let (ehsize, phentsize, shentsize, symsize) = if self.class64 {
            (64u16, 56u16, 64u16, 24u64)
        } else {
            (52, 32, 40, 16)
        };
        let mut phdrs = self.segs.clone();
        if let Some(path) = self.interp {
            let mut data = path.as_bytes().to_vec();
            data.push(0);
            phdrs.push(Seg {
                p_type: elf::PT_INTERP.0,
                flags: elf::PF_R.0,
                vaddr: 0x800,
                data,
                bss: 0,
                name: ".interp",
            });
        }
        let phnum = phdrs.len() as u64;
        lay.phoff = u64::from(ehsize);
        // Body first (into a separate buffer offset by the headers).
        let mut body = W {
            buf: vec![0; (u64::from(ehsize) + phnum * u64::from(phentsize)) as usize],
            big: self.big,
            class64: self.class64,
        };
        for s in &phdrs {
            body.align(16);
            lay.seg_offsets.push(body.pos());
            body.buf.extend_from_slice(&s.data);
        }
        // Section names: null, one per segment, symtab, strtab, [dynsym, dynstr], shstrtab.
        let mut names: Vec<&str> = vec![""];
        names.extend(phdrs.iter().map(|s| s.name));
        names.extend([".symtab", ".strtab"]);
        if !self.dynsyms.is_empty() {
            names.extend([".dynsym", ".dynstr"]);
        }
        names.push(".shstrtab");
        let nsec = names.len();
        let symtab_idx = 1 + phdrs.len();
        let write_syms = |body: &mut W, syms: &[TSym]| -> (u64, u64, u64, u64) {
            let (strs, offs) = strtab(&syms.iter().map(|s| s.name).collect::<Vec<_>>());
            body.align(8);
            let off = body.pos();
            // Null symbol.
            for _ in 0..symsize {
                body.u8(0);
            }
            for (s, &name) in syms.iter().zip(&offs) {
                let info = (s.bind << 4) | s.st_type;
                let shndx = s.shndx.unwrap_or(1);
                if self.class64 {
                    body.u32(name);
                    body.u8(info);
                    body.u8(0);
                    body.u16(shndx);
                    body.u64(s.value);
                    body.u64(s.size);
                } else {
                    body.u32(name);
                    body.u32(s.value as u32);
                    body.u32(s.size as u32);
                    body.u8(info);
                    body.u8(0);
                    body.u16(shndx);
                }
            }
            let size = body.pos() - off;
            let str_off = body.pos();
            body.buf.extend_from_slice(&strs);
            (off, size, str_off, strs.len() as u64)
        };
        let (sym_off, sym_size, str_off, str_size) = write_syms(&mut body, &self.syms);
        lay.symtab_off = sym_off;
        let dyn_tables = if self.dynsyms.is_empty() {
            None
        } else {
            Some(write_syms(&mut body, &self.dynsyms))
        };
        let (shstr, shname) = strtab(&names);
        let shstr_off = body.pos();
        body.buf.extend_from_slice(&shstr);
        body.align(8);
        lay.shoff = if self.sections { body.pos() } else { 0 };
        lay.shstrtab_index = nsec - 1;
        if self.sections {
            let sh = |body: &mut W,
                      name: u32,
                      t: u32,
                      flags: u64,
                      addr: u64,
                      off: u64,
                      size: u64,
                      link: u32,
                      entsize: u64| {
                body.u32(name);
                body.u32(t);
                body.word(flags);
                body.word(addr);
                body.word(off);
                body.word(size);
                body.u32(link);
                body.u32(0);
                body.word(8);
                body.word(entsize);
            };
            sh(&mut body, 0, 0, 0, 0, 0, 0, 0, 0);
            for (i, s) in phdrs.iter().enumerate() {
                let exec = s.flags & elf::PF_X.0 != 0;
                let flags = elf::SHF_ALLOC.0 | if exec { elf::SHF_EXECINSTR.0 } else { 0 };
                sh(
                    &mut body,
                    shname[i + 1],
                    elf::SHT_PROGBITS.0,
                    flags,
                    s.vaddr,
                    lay.seg_offsets[i],
                    s.data.len() as u64,
                    0,
                    0,
                );
            }
            let strtab_idx = (symtab_idx + 1) as u32;
            sh(
                &mut body,
                shname[symtab_idx],
                elf::SHT_SYMTAB.0,
                0,
                0,
                sym_off,
                sym_size,
                strtab_idx,
                symsize,
            );
            sh(
                &mut body,
                shname[symtab_idx + 1],
                elf::SHT_STRTAB.0,
                0,
                0,
                str_off,
                str_size,
                0,
                0,
            );
            if let Some((o, s, so, ss)) = dyn_tables {
                sh(
                    &mut body,
                    shname[symtab_idx + 2],
                    elf::SHT_DYNSYM.0,
                    0,
                    0,
                    o,
                    s,
                    strtab_idx + 2,
                    symsize,
                );
                sh(
                    &mut body,
                    shname[symtab_idx + 3],
                    elf::SHT_STRTAB.0,
                    0,
                    0,
                    so,
                    ss,
                    0,
                    0,
                );
            }
            sh(
                &mut body,
                shname[nsec - 1],
                elf::SHT_STRTAB.0,
                0,
                0,
                shstr_off,
                shstr.len() as u64,
                0,
                0,
            );
        }
        // Header and program headers into the reserved space.
        w.buf.extend_from_slice(&elf::ELFMAG);
        w.u8(if self.class64 { 2 } else { 1 });
        w.u8(if self.big { 2 } else { 1 });
        w.u8(1);
        w.buf.resize(16, 0);
        w.u16(self.e_type);
        w.u16(self.machine);
        w.u32(1);
        w.word(self.entry);
        w.word(lay.phoff);
        w.word(lay.shoff);
        w.u32(self.flags);
        w.u16(ehsize);
        w.u16(phentsize);
        w.u16(phnum as u16);
        w.u16(shentsize);
        w.u16(if self.sections { nsec as u16 } else { 0 });
        w.u16(if self.sections { (nsec - 1) as u16 } else { 0 });
        for (i, s) in phdrs.iter().enumerate() {
            let filesz = s.data.len() as u64;
            w.u32(s.p_type);
            if self.class64 {
                w.u32(s.flags);
            }
            w.word(lay.seg_offsets[i]);
            w.word(s.vaddr);
            w.word(s.vaddr);
            w.word(filesz);
            w.word(filesz + s.bss);
            if !self.class64 {
                w.u32(s.flags);
            }
            w.word(16);
        }
        let hdr_len = w.buf.len();
        body.buf[..hdr_len].copy_from_slice(&w.buf);
        (body.buf, lay)
    }

    fn bytes(&self) -> Vec<u8> {
        self.build().0
    }

    fn load(&self) -> Result<Image> {
        Image::parse(self.bytes())
    }
}

fn put16(b: &mut [u8], off: u64, v: u16, big: bool) {
    let o = off as usize;
    let bytes = if big {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    };
    b[o..o + 2].copy_from_slice(&bytes);
}

fn put32(b: &mut [u8], off: u64, v: u32, big: bool) {
    let o = off as usize;
    let bytes = if big {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    };
    b[o..o + 4].copy_from_slice(&bytes);
}

fn put64(b: &mut [u8], off: u64, v: u64) {
    let o = off as usize;
    b[o..o + 8].copy_from_slice(&v.to_le_bytes());
}

fn malformed_at(r: Result<Image>) -> (String, u64) {
    match r {
        Err(Error::Malformed { what, offset }) => (what, offset),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn every_class_and_byte_order_loads() {
    let cases = [
        (false, false, elf::EM_386, 0, Arch::X86),
        (true, false, elf::EM_X86_64, 0, Arch::X86_64),
        (false, false, elf::EM_ARM, 0x0500_0000, Arch::Arm),
        (false, true, elf::EM_ARM, 0x0500_0000, Arch::Arm),
        (true, false, elf::EM_AARCH64, 0, Arch::Aarch64),
        (true, true, elf::EM_AARCH64, 0, Arch::Aarch64),
        (false, true, elf::EM_MIPS, 0x7000_1007, Arch::Mips32),
        (false, false, elf::EM_MIPS, 0x7000_1007, Arch::Mips32),
        (true, false, elf::EM_MIPS, 0x8000_0007, Arch::Mips64),
        (true, true, elf::EM_MIPS, 0x8000_0007, Arch::Mips64),
    ];
    for (class64, big, machine, flags, arch) in cases {
        let mut b = Builder::new(class64, big, machine);
        b.flags = flags;
        let img = b.load().unwrap_or_else(|e| panic!("{arch} big={big}: {e}"));
        assert_eq!(img.arch(), arch);
        assert_eq!(img.endian(), if big { Endian::Big } else { Endian::Little });
        assert_eq!(img.bits(), if class64 { 64 } else { 32 });
        assert_eq!(img.entry(), 0x1000);
        assert_eq!(img.segments().count(), 2);
        assert_eq!(img.sections().len(), 6); // null .text .data .symtab .strtab .shstrtab
        assert_eq!(img.section(".text").unwrap().addr, 0x1000);
        assert_eq!(img.symbol("helper").unwrap().addr, 0x1010);
        assert_eq!(img.code_at(0x1004).unwrap()[0], 4);
        assert!(img.is_static());
    }
}

#[test]
fn big_endian_fields_are_read_big_endian() {
    let mut b = Builder::new(false, true, elf::EM_MIPS);
    b.entry = 0x0040_0123 & !1;
    let img = b.load().unwrap();
    assert_eq!(img.entry(), 0x0040_0122);
    assert_eq!(img.read_uint(0x1000, 4).unwrap(), 0x0001_0203);
    let le = Builder::new(false, false, elf::EM_MIPS).load().unwrap();
    assert_eq!(le.read_uint(0x1000, 4).unwrap(), 0x0302_0100);
}

#[test]
fn memory_accessors() {
    let img = Builder::x86_64().load().unwrap();
    // code_at runs to the end of the file-backed part of the segment.
    assert_eq!(img.code_at(0x1000).unwrap().len(), 64);
    assert_eq!(img.code_at(0x103f).unwrap(), &[63]);
    assert!(matches!(
        img.code_at(0x1040),
        Err(Error::Unmapped { addr: 0x1040 })
    ));
    assert!(matches!(
        img.code_at(0x3000),
        Err(Error::NotExecutable { addr: 0x3000, .. })
    ));
    assert_eq!(img.bytes_at(0x3000).unwrap(), &[0xAA; 16]);
    assert!(matches!(img.bytes_at(0x3010), Err(Error::NotInFile { .. })));
    // read() zero-fills the bss part and stops at the segment's end.
    let r = img.read(0x300c, 8).unwrap();
    assert_eq!(r, [0xAA, 0xAA, 0xAA, 0xAA, 0, 0, 0, 0]);
    assert_eq!(img.read(0x3000, 48).unwrap().len(), 48);
    assert!(matches!(
        img.read(0x3000, 49),
        Err(Error::Unmapped { addr: 0x3030 })
    ));
    assert!(matches!(img.read(0x2000, 1), Err(Error::Unmapped { .. })));
    assert_eq!(img.read(0x1000, 0).unwrap(), Vec::<u8>::new());
    let ranges: Vec<_> = img.exec_ranges().collect();
    assert_eq!(ranges, vec![0x1000..0x1040]);
    assert_eq!(img.segment_at(0x302f).unwrap().perms.to_string(), "rw-");
}

#[test]
fn read_spans_adjacent_segments() {
    let mut b = Builder::x86_64();
    b.segs[1].vaddr = 0x1040;
    let img = b.load().unwrap();
    let r = img.read(0x103e, 4).unwrap();
    assert_eq!(r, [62, 63, 0xAA, 0xAA]);
}

#[test]
fn symbol_lookup() {
    let mut b = Builder::x86_64();
    b.syms.push(TSym {
        st_type: elf::STT_OBJECT.0,
        ..TSym::func("table", 0x3000, 16)
    });
    b.syms.push(TSym::undef("puts"));
    b.dynsyms = vec![TSym::func("helper", 0x1010, 8), TSym::undef("puts")];
    let img = b.load().unwrap();
    assert_eq!(img.symbols().len(), 6);
    assert_eq!(img.dynamic_symbol_count(), 2);
    let helper = img.symbol("helper").unwrap();
    assert!(!helper.dynamic, ".symtab is preferred");
    assert_eq!(helper.kind, SymbolKind::Func);
    assert!(!img.symbol("puts").unwrap().defined);
    assert_eq!(img.symbol_at(0x1010).unwrap().name, "helper");
    assert!(img.symbol_at(0x1011).is_none());
    assert_eq!(img.symbol_containing(0x1017).unwrap().name, "helper");
    assert_eq!(img.symbol_containing(0x100f).unwrap().name, "_start");
    assert!(img.symbol_containing(0x1018).is_none());
    assert_eq!(
        img.symbol_containing(0x3005).unwrap().kind,
        SymbolKind::Object
    );
    assert!(img.symbol("nothing").is_none());
}

#[test]
fn arm_thumb_entry_from_entry_bit() {
    let mut b = Builder::new(false, false, elf::EM_ARM);
    b.entry = 0x1001;
    b.syms = vec![
        TSym::func("_start", 0x1001, 16),
        TSym::func("arm_fn", 0x1010, 8),
    ];
    let img = b.load().unwrap();
    assert_eq!(
        img.entry(),
        0x1000,
        "the Thumb bit is not part of the address"
    );
    assert_eq!(img.entry_mode(), IsaMode::Thumb);
    let s = img.symbol("_start").unwrap();
    assert_eq!((s.addr, s.mode), (0x1000, IsaMode::Thumb));
    let a = img.symbol("arm_fn").unwrap();
    assert_eq!((a.addr, a.mode), (0x1010, IsaMode::Default));
    assert_eq!(img.isa_mode_at(0x1004), Some(IsaMode::Thumb));
    assert_eq!(img.isa_mode_at(0x1014), Some(IsaMode::Default));
}

#[test]
fn arm_thumb_entry_from_symbol() {
    // An even e_entry whose symbol is a Thumb function.
    let mut b = Builder::new(false, false, elf::EM_ARM);
    b.entry = 0x1000;
    b.syms = vec![TSym::func("_start", 0x1001, 16)];
    let img = b.load().unwrap();
    assert_eq!((img.entry(), img.entry_mode()), (0x1000, IsaMode::Thumb));
    // STT_ARM_TFUNC marks Thumb without the low bit.
    b.syms = vec![TSym {
        st_type: elf::STT_ARM_TFUNC.0,
        ..TSym::func("_start", 0x1000, 16)
    }];
    let img = b.load().unwrap();
    assert_eq!(img.entry_mode(), IsaMode::Thumb);
    assert_eq!(img.symbol("_start").unwrap().kind, SymbolKind::Func);
}

#[test]
fn arm_mapping_symbols_give_modes() {
    let mut b = Builder::new(false, false, elf::EM_ARM);
    b.syms = vec![
        TSym::notype("$t", 0x1000),
        TSym::notype("$a.0", 0x1020),
        TSym::notype("$d", 0x1030),
    ];
    let img = b.load().unwrap();
    assert_eq!(img.entry_mode(), IsaMode::Thumb);
    assert_eq!(img.isa_mode_at(0x101f), Some(IsaMode::Thumb));
    assert_eq!(img.isa_mode_at(0x1020), Some(IsaMode::Default));
    assert_eq!(img.isa_mode_at(0x1030), None);
    assert!(img.symbol("$t").is_none(), "mapping symbols are not names");
}

/// Odd values are addresses on other architectures.
#[test]
fn odd_symbols_kept_outside_arm() {
    let mut b = Builder::x86_64();
    b.syms = vec![TSym::func("odd", 0x1001, 4)];
    let img = b.load().unwrap();
    let s = img.symbol("odd").unwrap();
    assert_eq!((s.addr, s.mode), (0x1001, IsaMode::Default));
}

#[test]
fn mips_compressed_entry_refused() {
    let mut b = Builder::new(false, true, elf::EM_MIPS);
    b.entry = 0x1001;
    let err = b.load().unwrap_err();
    assert!(
        matches!(err, Error::Unsupported { offset: 0x18, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("microMIPS"), "{err}");
}

#[test]
fn mips_n32_loads_as_mips64_with_32_bit_pointers() {
    let mut b = Builder::new(false, false, elf::EM_MIPS);
    b.flags = 0x6000_0020; // mips64r2, EF_MIPS_ABI2
    let img = b.load().unwrap();
    assert_eq!(img.arch(), Arch::Mips64);
    assert_eq!(img.bits(), 32);
    assert_eq!(img.mips_abi(), Some(MipsAbi::N32));
}

#[test]
fn unsupported_machines_are_named() {
    let img = Builder::new(true, false, elf::EM_PPC64).load().unwrap_err();
    assert_eq!(
        img.to_string(),
        "unsupported architecture: ppc64 (EM_PPC64, 64-bit little-endian)"
    );
    let err = Builder::new(true, true, elf::EM_S390).load().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unsupported architecture: s390x (EM_S390")
    );
    let err = Builder::new(true, false, elf::EM_RISCV).load().unwrap_err();
    assert!(matches!(err, Error::UnsupportedArch { ref name, .. } if name == "riscv64"));
}

#[test]
fn interpreter_and_dynamic() {
    let mut b = Builder::x86_64();
    b.interp = Some("/lib64/ld-linux-x86-64.so.2");
    b.e_type = elf::ET_DYN.0;
    let img = b.load().unwrap();
    assert_eq!(img.interpreter(), Some("/lib64/ld-linux-x86-64.so.2"));
    assert!(!img.is_static());
    assert!(img.is_pie());
    assert_eq!(img.program_headers()[2].type_name, "INTERP");
}

#[test]
fn interpreter_must_be_nul_terminated() {
    let mut b = Builder::x86_64();
    b.interp = Some("/lib/ld.so");
    let (mut bytes, lay) = b.build();
    let off = lay.seg_offsets[2];
    let len = "/lib/ld.so".len() as u64;
    bytes[(off + len) as usize] = b'x';
    let (what, at) = malformed_at(Image::parse(bytes));
    assert!(what.contains("NUL-terminated"), "{what}");
    assert_eq!(at, off);
}

#[test]
fn ident_errors() {
    assert!(matches!(
        Image::parse(Vec::new()),
        Err(Error::NotElf { .. })
    ));
    let e = Image::parse(b"MZ\x90\x00rest".to_vec()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "not an ELF file (it starts with 4d 5a 90 00)"
    );
    // A prefix of the magic is a truncated ELF file, not some other format.
    assert!(matches!(
        Image::parse(b"\x7fEL".to_vec()),
        Err(Error::Truncated { .. })
    ));
    let mut bytes = Builder::x86_64().bytes();
    bytes[4] = 3;
    assert_eq!(malformed_at(Image::parse(bytes.clone())).1, 4);
    bytes[4] = 2;
    bytes[5] = 0;
    assert_eq!(malformed_at(Image::parse(bytes)).1, 5);
}

#[test]
fn e_type_checked() {
    let mut b = Builder::x86_64();
    b.e_type = elf::ET_CORE.0;
    assert!(matches!(
        b.load(),
        Err(Error::Unsupported { offset: 0x10, .. })
    ));
    b.e_type = 7;
    assert_eq!(malformed_at(b.load()).1, 0x10);
    b.e_type = elf::ET_REL.0;
    assert_eq!(b.load().unwrap().kind(), FileKind::Relocatable);
}

#[test]
fn header_table_sizes_checked_with_offsets() {
    for class64 in [false, true] {
        let f = if class64 {
            (0x36u64, 0x3au64, 0x3eu64)
        } else {
            (0x2a, 0x2e, 0x32)
        };
        let machine = if class64 {
            elf::EM_AARCH64
        } else {
            elf::EM_386
        };
        let bytes = Builder::new(class64, false, machine).bytes();
        let mut m = bytes.clone();
        put16(&mut m, f.0, 33, false);
        let (what, at) = malformed_at(Image::parse(m));
        assert_eq!(at, f.0, "{what}");
        assert!(what.contains("e_phentsize is 33"), "{what}");
        let mut m = bytes.clone();
        put16(&mut m, f.1, 12, false);
        assert_eq!(malformed_at(Image::parse(m)).1, f.1);
        let mut m = bytes.clone();
        put16(&mut m, f.2, 99, false);
        let (what, at) = malformed_at(Image::parse(m));
        assert_eq!(at, f.2);
        assert!(what.contains("e_shstrndx is 99"), "{what}");
    }
}

#[test]
fn program_header_table_past_the_end() {
    let (mut bytes, _) = Builder::x86_64().build();
    put64(&mut bytes, 0x20, 0xFFFF_FFFF_FFFF_FFF0);
    match Image::parse(bytes) {
        Err(Error::Truncated { what, offset, .. }) => {
            assert!(what.contains("program header table"), "{what}");
            assert_eq!(offset, 0xFFFF_FFFF_FFFF_FFF0);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn load_segment_checks() {
    let (bytes, lay) = Builder::x86_64().build();
    // p_filesz (at +0x20 in a 64-bit phdr) larger than p_memsz.
    let mut m = bytes.clone();
    put64(&mut m, lay.phoff + 0x20, 0x1000);
    let (what, at) = malformed_at(Image::parse(m));
    assert_eq!(at, lay.phoff);
    assert!(
        what.contains("p_filesz 0x1000 is larger than p_memsz 0x40"),
        "{what}"
    );
    // Contents beyond the end of the file.
    let mut m = bytes.clone();
    put64(&mut m, lay.phoff + 0x08, bytes.len() as u64 - 8);
    assert!(matches!(Image::parse(m), Err(Error::Truncated { .. })));
    // A 32-bit segment that wraps the address space.
    let mut b = Builder::new(false, false, elf::EM_386);
    b.segs[1].vaddr = 0xFFFF_FFF0;
    let (what, _) = malformed_at(b.load());
    assert!(what.contains("32-bit address space"), "{what}");
}

#[test]
fn section_name_out_of_range() {
    let (mut bytes, lay) = Builder::x86_64().build();
    // sh_name of section 1.
    let at = lay.shoff + 64;
    put32(&mut bytes, at, 0x7777, false);
    let (what, offset) = malformed_at(Image::parse(bytes));
    assert_eq!(offset, at);
    assert!(what.contains("section 1: name offset 0x7777"), "{what}");
}

#[test]
fn symbol_name_out_of_range() {
    let (mut bytes, lay) = Builder::new(false, true, elf::EM_MIPS).build();
    // st_name of symbol 2 (16-byte ELF32 symbols).
    let at = lay.symtab_off + 2 * 16;
    put32(&mut bytes, at, 0x1_0000, true);
    let (what, offset) = malformed_at(Image::parse(bytes));
    assert_eq!(offset, at);
    assert!(what.contains("symbol 2 of symbol table section"), "{what}");
}

#[test]
fn symbol_table_entsize_checked() {
    let (mut bytes, lay) = Builder::x86_64().build();
    // .symtab is section 3 (null, .text, .data); sh_entsize at +0x38.
    let sh = lay.shoff + 3 * 64;
    put64(&mut bytes, sh + 0x38, 7);
    let (what, at) = malformed_at(Image::parse(bytes));
    assert_eq!(at, sh);
    assert!(what.contains("sh_entsize is 7"), "{what}");
}

#[test]
fn extended_section_count_and_string_index() {
    // e_shnum = 0 and e_shstrndx = SHN_XINDEX: the real values are in
    // section 0's sh_size and sh_link.
    let (mut bytes, lay) = Builder::x86_64().build();
    let nsec = lay.shstrtab_index as u64 + 1;
    put16(&mut bytes, 0x3c, 0, false);
    put16(&mut bytes, 0x3e, 0xffff, false);
    put64(&mut bytes, lay.shoff + 0x20, nsec);
    put32(
        &mut bytes,
        lay.shoff + 0x28,
        lay.shstrtab_index as u32,
        false,
    );
    let img = Image::parse(bytes).unwrap();
    assert_eq!(img.sections().len(), 6);
    assert_eq!(img.sections()[5].name, ".shstrtab");
    assert_eq!(img.section(".text").unwrap().index, 1);
}

#[test]
fn extended_program_header_count() {
    let (mut bytes, lay) = Builder::x86_64().build();
    put16(&mut bytes, 0x38, 0xffff, false);
    // sh_info of section 0 holds the count.
    put32(&mut bytes, lay.shoff + 0x2c, 2, false);
    assert_eq!(
        Image::parse(bytes.clone()).unwrap().program_headers().len(),
        2
    );
    // Without section headers there is nowhere to find it.
    put64(&mut bytes, 0x28, 0);
    let (_, at) = malformed_at(Image::parse(bytes));
    assert_eq!(at, 0x38);
}

#[test]
fn no_sections_is_fine() {
    let mut b = Builder::x86_64();
    b.sections = false;
    let img = b.load().unwrap();
    assert!(img.sections().is_empty());
    assert!(img.symbols().is_empty());
    assert_eq!(img.code_at(0x1000).unwrap().len(), 64);
}

#[test]
fn tolerant_mode_drops_broken_sections() {
    let (mut bytes, lay) = Builder::x86_64().build();
    put32(&mut bytes, lay.shoff + 64, 0x7777, false);
    assert!(Image::parse(bytes.clone()).is_err());
    let opts = LoadOptions {
        tolerate_bad_sections: true,
    };
    let img = Image::parse_with(bytes.clone(), &opts).unwrap();
    assert!(img.sections().is_empty());
    assert_eq!(img.warnings().len(), 1);
    assert!(img.code_at(0x1000).is_ok());
    // A section header table cut off by truncation is tolerated too...
    let cut = lay.shoff as usize + 10;
    let img = Image::parse_with(bytes[..cut].to_vec(), &opts).unwrap();
    assert!(matches!(img.warnings()[0], Error::Truncated { .. }));
    // ... but a cut into segment contents is not.
    let cut = lay.seg_offsets[1] as usize + 4;
    assert!(Image::parse_with(bytes[..cut].to_vec(), &opts).is_err());
}

#[test]
fn every_truncation_is_an_error() {
    for b in [
        Builder::x86_64(),
        Builder::new(false, true, elf::EM_MIPS),
        Builder::new(false, false, elf::EM_ARM),
    ] {
        let bytes = b.bytes();
        for len in 0..bytes.len() {
            match Image::parse(bytes[..len].to_vec()) {
                Err(Error::Truncated { .. }) => {}
                Err(Error::NotElf { .. }) if len == 0 => {}
                other => panic!("prefix of {len} bytes: {other:?}"),
            }
        }
        assert!(Image::parse(bytes).is_ok());
    }
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn mutated_headers_never_panic() {
    let mut rng = Rng(0x5eed);
    let bases = [
        Builder::x86_64().bytes(),
        Builder::new(false, true, elf::EM_MIPS).bytes(),
        Builder::new(false, false, elf::EM_ARM).bytes(),
    ];
    let mut loaded = 0;
    for i in 0..20_000 {
        let mut bytes = bases[i % bases.len()].clone();
        let flips = 1 + rng.next() % 4;
        for _ in 0..flips {
            // Mostly the headers and tables, sometimes anywhere.
            let pos = (rng.next() as usize) % bytes.len();
            let value = match rng.next() % 4 {
                0 => 0,
                1 => 0xff,
                2 => bytes[pos] ^ (1 << (rng.next() % 8)),
                _ => rng.next() as u8,
            };
            bytes[pos] = value;
        }
        if let Ok(img) = Image::parse(bytes) {
            loaded += 1;
            // Exercise the accessors on whatever loaded.
            let entry = img.entry();
            let _ = img.code_at(entry);
            let _ = img.read(entry, 64);
            let _ = img.symbol_containing(entry);
            let _ = img.isa_mode_at(entry);
            for s in img.sections() {
                let _ = img.section_data(s);
            }
        }
    }
    assert!(
        loaded > 1000,
        "most single-byte changes still load ({loaded})"
    );
}

/// ld gives a segment with no file bytes (only .bss) a file offset past the
/// end of the file (seen in the aarch64 fs_compute sample); that is valid.
#[test]
fn bss_only_segment_offset_past_end_of_file() {
    let mut b = Builder::x86_64();
    b.segs[1].data.clear();
    let (mut bytes, lay) = b.build();
    put64(&mut bytes, lay.phoff + 56 + 8, 0xFFF0);
    let img = Image::parse(bytes).unwrap();
    assert_eq!(img.read(0x3000, 32).unwrap(), vec![0; 32]);
    assert!(matches!(img.bytes_at(0x3000), Err(Error::NotInFile { .. })));
}

/// A segment ending exactly at the top of the address space would make
/// `vaddr + memsz` overflow a u64 on ELF64 (callers add them freely).
#[test]
fn segment_ending_at_top_of_address_space_refused() {
    let mut b = Builder::x86_64();
    b.segs[1].vaddr = 0u64.wrapping_sub(48); // 16 file bytes + 32 bss = 48
    let (what, _) = malformed_at(b.load());
    assert!(what.contains("64-bit address space"), "{what}");
    b.segs[1].vaddr = 0u64.wrapping_sub(49);
    let img = b.load().unwrap();
    assert_eq!(img.read(u64::MAX - 1, 1).unwrap(), vec![0]);
}

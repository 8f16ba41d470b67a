//! The committed sample binaries (tests/samples/bin/<target>/), loaded and
//! compared with what the target directory says they are and with GNU
//! readelf's reading of the same files (an independent ELF parser).

// Test helpers outside #[test] functions fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use vexil_ir::{Arch, Endian, IsaMode};
use vexil_loader::{Image, SymbolKind};

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/bin")
}

/// Expected (arch, endian, bits) per target directory.
fn target_facts(target: &str) -> (Arch, Endian, u32) {
    match target {
        "x86" => (Arch::X86, Endian::Little, 32),
        "x86_64" => (Arch::X86_64, Endian::Little, 64),
        "arm" | "arm-thumb" | "armhf" => (Arch::Arm, Endian::Little, 32),
        "aarch64" => (Arch::Aarch64, Endian::Little, 64),
        "mips" => (Arch::Mips32, Endian::Big, 32),
        "mipsel" => (Arch::Mips32, Endian::Little, 32),
        "mips64el" => (Arch::Mips64, Endian::Little, 64),
        other => panic!("unknown sample target directory {other}"),
    }
}

const TARGETS: [&str; 9] = [
    "x86",
    "x86_64",
    "arm",
    "arm-thumb",
    "armhf",
    "aarch64",
    "mips",
    "mipsel",
    "mips64el",
];
const PROGRAMS: [&str; 6] = [
    "checksum",
    "sort",
    "switch",
    "float",
    "fs_hello",
    "fs_compute",
];

fn all_samples() -> Vec<(&'static str, &'static str, PathBuf)> {
    let mut v = Vec::new();
    for t in TARGETS {
        for p in PROGRAMS {
            v.push((t, p, samples_dir().join(t).join(p)));
        }
    }
    v
}

#[test]
fn every_sample_loads_with_its_targets_arch() {
    for (target, prog, path) in all_samples() {
        let img = Image::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (arch, endian, bits) = target_facts(target);
        let what = format!("{target}/{prog}");
        assert_eq!(img.arch(), arch, "{what}");
        assert_eq!(img.endian(), endian, "{what}");
        assert_eq!(img.bits(), bits, "{what}");
        let freestanding = prog.starts_with("fs_");
        assert_eq!(img.is_static(), freestanding, "{what}");
        assert_eq!(img.interpreter().is_some(), !freestanding, "{what}");
        // The entry point is code, and so is every defined function symbol.
        let code = img.code_at(img.entry()).unwrap();
        assert!(code.len() >= 2, "{what}");
        for s in img.symbols().iter().filter(|s| s.defined) {
            if s.kind == SymbolKind::Func && s.size > 0 {
                assert!(img.code_at(s.addr).is_ok(), "{what}: {}", s.name);
            }
        }
        assert!(img.symbol("_start").is_some() || !freestanding, "{what}");
    }
}

#[test]
fn thumb_samples_start_in_thumb() {
    let load = |t: &str, p: &str| Image::load(samples_dir().join(t).join(p)).unwrap();
    // Freestanding: _start is written in the compilation's instruction set.
    assert_eq!(load("arm", "fs_hello").entry_mode(), IsaMode::Default);
    assert_eq!(load("arm-thumb", "fs_hello").entry_mode(), IsaMode::Thumb);
    assert_eq!(load("armhf", "fs_compute").entry_mode(), IsaMode::Thumb);
    // armhf's glibc start files are Thumb-2; armel's are ARM.
    assert_eq!(load("armhf", "checksum").entry_mode(), IsaMode::Thumb);
    assert_eq!(load("arm", "checksum").entry_mode(), IsaMode::Default);
    // Functions compiled with -mthumb are Thumb, wherever the entry is.
    let img = load("arm-thumb", "checksum");
    let main = img.symbol("main").unwrap();
    assert_eq!(main.mode, IsaMode::Thumb);
    assert_eq!(main.addr & 1, 0);
    assert_eq!(img.isa_mode_at(main.addr + 2), Some(IsaMode::Thumb));
    let img = load("arm", "checksum");
    assert_eq!(img.symbol("main").unwrap().mode, IsaMode::Default);
    for t in ["x86", "aarch64", "mips"] {
        assert_eq!(load(t, "fs_hello").entry_mode(), IsaMode::Default);
    }
}

#[test]
fn sample_bytes_match_the_file() {
    // code_at(entry) must be the file bytes at the entry's file offset.
    for (target, prog, path) in all_samples() {
        let img = Image::load(&path).unwrap();
        let seg = img.segment_at(img.entry()).unwrap();
        let off = usize::try_from(seg.offset + (img.entry() - seg.vaddr)).unwrap();
        let file = std::fs::read(&path).unwrap();
        let code = img.code_at(img.entry()).unwrap();
        assert_eq!(code, &file[off..off + code.len()], "{target}/{prog}");
        assert_eq!(
            usize::try_from(seg.offset + seg.filesz).unwrap(),
            off + code.len()
        );
    }
}

/// What readelf says about a file.
#[derive(Debug, Default)]
struct Readelf {
    entry: u64,
    sections: usize,
    /// (type, offset, vaddr, filesz, memsz, flags "R E").
    phdrs: Vec<(String, u64, u64, u64, u64, String)>,
    interp: Option<String>,
    /// Symbol table name -> entry count (including the null symbol).
    tables: HashMap<String, usize>,
    /// Defined FUNC symbols of .symtab: (name, value).
    funcs: Vec<(String, u64)>,
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

fn readelf(path: &Path) -> Readelf {
    let out = Command::new("readelf")
        .env("LC_ALL", "C")
        .args(["-W", "-h", "-l", "-S", "-s"])
        .arg(path)
        .output()
        .expect("readelf (binutils) is needed by this test: run scripts/setup.sh");
    assert!(out.status.success(), "readelf failed on {}", path.display());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut r = Readelf::default();
    let mut in_phdrs = false;
    let mut table = String::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(v) = t.strip_prefix("Entry point address:") {
            r.entry = hex(v.trim());
        } else if let Some(rest) = t.strip_prefix("Number of section headers:") {
            r.sections = rest.split_whitespace().next().unwrap().parse().unwrap();
        } else if t.starts_with("Type ") && t.contains("VirtAddr") {
            in_phdrs = true;
        } else if t.is_empty() || t.starts_with("Section to Segment") {
            in_phdrs = false;
        } else if let Some(p) = t.strip_prefix("[Requesting program interpreter: ") {
            r.interp = Some(p.trim_end_matches(']').to_string());
        } else if in_phdrs {
            let f: Vec<&str> = t.split_whitespace().collect();
            let flags = f[6..f.len() - 1].join(" ");
            r.phdrs.push((
                f[0].to_string(),
                hex(f[1]),
                hex(f[2]),
                hex(f[4]),
                hex(f[5]),
                flags,
            ));
        } else if let Some(rest) = t.strip_prefix("Symbol table '") {
            let (name, rest) = rest.split_once('\'').unwrap();
            let n = rest.split_whitespace().nth(1).unwrap().parse().unwrap();
            table = name.to_string();
            r.tables.insert(table.clone(), n);
        } else if table == ".symtab" && t.contains(": ") {
            let f: Vec<&str> = t.split_whitespace().collect();
            if f.len() == 8 && f[3] == "FUNC" && f[6] != "UND" {
                r.funcs.push((f[7].to_string(), hex(f[1])));
            }
        }
    }
    r
}

#[test]
fn samples_agree_with_readelf() {
    for (target, prog, path) in all_samples() {
        let what = format!("{target}/{prog}");
        let re = readelf(&path);
        let img = Image::load(&path).unwrap();
        let arm = img.arch() == Arch::Arm;

        let thumb_bit = if arm { re.entry & 1 } else { 0 };
        assert_eq!(img.entry(), re.entry & !thumb_bit, "{what}: entry");
        if thumb_bit == 1 {
            assert_eq!(img.entry_mode(), IsaMode::Thumb, "{what}");
        }
        assert_eq!(img.sections().len(), re.sections, "{what}: sections");
        assert_eq!(img.interpreter(), re.interp.as_deref(), "{what}: interp");

        assert_eq!(img.program_headers().len(), re.phdrs.len(), "{what}: phdrs");
        for (seg, (ty, off, vaddr, filesz, memsz, flags)) in
            img.program_headers().iter().zip(&re.phdrs)
        {
            assert_eq!(seg.is_load(), ty == "LOAD", "{what}: {ty}");
            assert_eq!(
                (seg.offset, seg.vaddr, seg.filesz, seg.memsz),
                (*off, *vaddr, *filesz, *memsz),
                "{what}: {ty}"
            );
            let p = seg.perms;
            let mine = format!(
                "{}{}{}",
                if p.read { "R" } else { " " },
                if p.write { "W" } else { " " },
                if p.exec { "E" } else { " " }
            );
            assert_eq!(mine.trim_end(), flags.as_str(), "{what}: {ty} flags");
        }

        let statics = img.symbols().iter().filter(|s| !s.dynamic).count();
        let dynamics = img.dynamic_symbol_count();
        let table = |n: &str| re.tables.get(n).map_or(0, |c| c - 1);
        assert_eq!(statics, table(".symtab"), "{what}: .symtab count");
        assert_eq!(dynamics, table(".dynsym"), "{what}: .dynsym count");

        assert!(!re.funcs.is_empty(), "{what}: readelf found no functions");
        for (name, value) in &re.funcs {
            let sym = img
                .symbols()
                .iter()
                .find(|s| &s.name == name && !s.dynamic && s.defined)
                .unwrap_or_else(|| panic!("{what}: no symbol {name}"));
            let bit = if arm { value & 1 } else { 0 };
            assert_eq!(sym.addr, value & !bit, "{what}: {name}");
            let mode = if bit == 1 {
                IsaMode::Thumb
            } else {
                IsaMode::Default
            };
            assert_eq!(sym.mode, mode, "{what}: {name}");
        }
    }
}

/// Every prefix of a sample is an error (never a panic, never a success):
/// the section header table is at the end of these files, so any cut
/// removes something the loader checks.
#[test]
fn truncated_samples_are_errors() {
    for target in TARGETS {
        let path = samples_dir().join(target).join("fs_hello");
        let bytes = std::fs::read(&path).unwrap();
        for len in 0..bytes.len() {
            let r = Image::parse(bytes[..len].to_vec());
            let err = r.expect_err("a truncated file loaded");
            assert!(err.is_file_error(), "{target} at {len}: {err}");
        }
    }
}

//! MIPS coverage over real binaries (an ignored test: it needs the fetched
//! Debian corpus).
//!
//! Files: `VEXIL_MIPS_FILES` (space-separated paths), or by default Debian's
//! busybox-static and coreutils for mipsel and mips64el unpacked under
//! `.cache/debian/x/`, the repo's samples under `tests/samples/bin/{mips,
//! mipsel,mips64el}` (`mips` is big-endian MIPS32), and, if present,
//! big-endian programs linked statically with glibc under
//! `.cache/mipsbe-static/` (`mips-linux-gnu-gcc -O2 -static
//! tests/samples/src/X.c -o .cache/mipsbe-static/X`), which bring glibc's
//! big-endian code into the measurement. Fetch the Debian files with
//! `scripts/fetch-test-corpus.sh` or by hand:
//! `apt-get download busybox-static:mipsel coreutils:mipsel ...` and
//! `dpkg-deb -x`.
//!
//! ```text
//! cargo test --release -p vexil-lift --test mips_corpus -- --ignored --nocapture coverage
//! ```
//!
//! It asserts the issue's bar (99.9% of decodable instructions lift) per
//! group of files. `vexil coverage FILE...` gives the same numbers per file,
//! and `scripts/bench/lift-vs-pyvex.sh FILE...` measures throughput side by
//! side with pyvex.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Measurement code: file offsets and counts are converted for printing and slicing.
#![allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]

use object::{Object, ObjectSection, ObjectSymbol};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vexil_ir::{Arch, Endian, IsaMode};
use vexil_lift::discover::{CodeRegion, DiscoverOptions, Start, discover};
use vexil_lift::guest_for;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Elf {
    data: Vec<u8>,
    arch: Arch,
    endian: Endian,
    /// (address, file offset, size) of each executable section.
    regions: Vec<(u64, u64, u64)>,
    starts: Vec<u64>,
}

fn load(path: &Path) -> Option<Elf> {
    let data = std::fs::read(path).ok()?;
    let f = object::File::parse(&*data).ok()?;
    let arch = match f.architecture() {
        object::Architecture::Mips => Arch::Mips32,
        object::Architecture::Mips64 => Arch::Mips64,
        _ => return None,
    };
    let endian = if f.is_little_endian() {
        Endian::Little
    } else {
        Endian::Big
    };
    let mut regions = Vec::new();
    for s in f.sections() {
        let exec = s.kind() == object::SectionKind::Text;
        if exec {
            if let Some((off, size)) = s.file_range() {
                regions.push((s.address(), off, size));
            }
        }
    }
    let mut starts = vec![f.entry()];
    for sym in f.symbols().chain(f.dynamic_symbols()) {
        if sym.kind() == object::SymbolKind::Text && sym.address() != 0 {
            starts.push(sym.address());
        }
    }
    starts.sort_unstable();
    starts.dedup();
    Some(Elf {
        data,
        arch,
        endian,
        regions,
        starts,
    })
}

fn files() -> Vec<PathBuf> {
    if let Ok(list) = std::env::var("VEXIL_MIPS_FILES") {
        return list.split_whitespace().map(PathBuf::from).collect();
    }
    let r = root();
    let mut out = Vec::new();
    for pkg in ["busybox-static-mipsel", "busybox-static-mips64el"] {
        out.push(r.join(".cache/debian/x").join(pkg).join("bin/busybox"));
    }
    for pkg in ["coreutils-mipsel", "coreutils-mips64el"] {
        let dir = r.join(".cache/debian/x").join(pkg).join("usr/bin");
        if let Ok(rd) = std::fs::read_dir(&dir) {
            let mut v: Vec<PathBuf> = rd.map(|e| e.unwrap().path()).collect();
            v.sort();
            out.extend(v);
        }
    }
    for dir in [
        "tests/samples/bin/mips",
        "tests/samples/bin/mipsel",
        "tests/samples/bin/mips64el",
        ".cache/mipsbe-static",
    ] {
        if let Ok(rd) = std::fs::read_dir(r.join(dir)) {
            let mut v: Vec<PathBuf> = rd
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_none())
                .collect();
            v.sort();
            out.extend(v);
        }
    }
    out.into_iter().filter(|p| p.is_file()).collect()
}

/// Groups files by a short label (`busybox mipsel`, `coreutils mips64el`, ...).
fn label(p: &Path) -> String {
    let s = p.to_string_lossy();
    for pkg in [
        "busybox-static-mipsel",
        "busybox-static-mips64el",
        "coreutils-mipsel",
        "coreutils-mips64el",
    ] {
        if s.contains(pkg) {
            return pkg.to_string();
        }
    }
    // Samples: by directory (`samples/mips` is big-endian MIPS32).
    let dir = p
        .parent()
        .and_then(|d| d.file_name())
        .map(|d| d.to_string_lossy().to_string());
    match dir.as_deref() {
        Some("mipsbe-static") => "mips32be static sample programs (glibc, built locally)".into(),
        Some(d) => format!("samples/{d}"),
        None => String::new(),
    }
}

#[derive(Default)]
struct Tally {
    files: usize,
    lifted: u64,
    nodecode: u64,
    unsupported: BTreeMap<String, u64>,
}

#[test]
#[ignore = "needs the fetched Debian corpus; run with --ignored"]
fn coverage() {
    let mut by: BTreeMap<String, Tally> = BTreeMap::new();
    let mut all_ok = true;
    for p in files() {
        let Some(elf) = load(&p) else { continue };
        let g = guest_for(elf.arch, elf.endian).unwrap();
        let regions: Vec<CodeRegion<'_>> = elf
            .regions
            .iter()
            .map(|&(a, o, s)| CodeRegion {
                addr: a,
                bytes: &elf.data[o as usize..(o + s) as usize],
                mode: IsaMode::Default,
            })
            .collect();
        let starts: Vec<Start> = elf
            .starts
            .iter()
            .map(|&a| Start {
                addr: a,
                mode: IsaMode::Default,
            })
            .collect();
        let d = discover(g, &regions, &starts, &DiscoverOptions::default());
        let t = by.entry(label(&p)).or_default();
        t.files += 1;
        t.lifted += d.lifted;
        t.nodecode += d.nodecode;
        for (m, c) in d.unsupported {
            *t.unsupported.entry(m).or_default() += c;
        }
    }
    assert!(!by.is_empty(), "no MIPS files found (see the module docs)");
    for (name, t) in &by {
        let unsup: u64 = t.unsupported.values().sum();
        let total = t.lifted + unsup;
        let pct = 100.0 * t.lifted as f64 / total.max(1) as f64;
        println!(
            "{name}: files {} instructions {total} lifted {} ({pct:.4}%) nodecode {} unsupported {:?}",
            t.files, t.lifted, t.nodecode, t.unsupported
        );
        all_ok &= pct >= 99.9;
    }
    assert!(all_ok, "coverage below 99.9%");
}

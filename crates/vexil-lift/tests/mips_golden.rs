//! Golden IR text for MIPS blocks: one file per case under
//! `tests/golden/{mips32,mips32be,mips64}/`, holding the assembly it was made
//! from, the instruction bytes and the expected canonical text of the lifted
//! block (optimizer off, so the file shows the lifter's own output).
//!
//! `VEXIL_BLESS=1 cargo test -p vexil-lift --test mips_golden` rewrites the
//! expected text, so a lifter change is reviewed as a diff of these files.
//! New cases are made by `tests/golden/mips_cases.py` (assembles with the
//! Debian cross binutils and writes files without expected text; blessing
//! fills it in).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use vexil_ir::{Arch, Endian, IsaMode};
use vexil_lift::{LiftOptions, guest_for};

const SEP: &str = "---\n";

fn parse_header(text: &str) -> (Vec<u8>, u64) {
    let mut bytes = Vec::new();
    let mut addr = 0x400000;
    for line in text.lines() {
        if let Some(b) = line.strip_prefix("bytes:") {
            bytes = b
                .split_whitespace()
                .map(|h| u8::from_str_radix(h, 16).unwrap())
                .collect();
        } else if let Some(a) = line.strip_prefix("addr:") {
            addr = u64::from_str_radix(a.trim().trim_start_matches("0x"), 16).unwrap();
        }
    }
    (bytes, addr)
}

fn run_dir(dir: &str, arch: Arch, endian: Endian) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(dir);
    let bless = std::env::var_os("VEXIL_BLESS").is_some();
    let g = guest_for(arch, endian).expect("mips guest");
    let opts = LiftOptions {
        opt_level: 0,
        ..LiftOptions::default()
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let (header, expected) = match text.split_once(SEP) {
            Some((h, e)) => (h.to_string(), Some(e.to_string())),
            None => (text.clone(), None),
        };
        let (bytes, addr) = parse_header(&header);
        assert!(!bytes.is_empty(), "{}: no bytes", f.display());
        let irsb = g.lift(&bytes, addr, IsaMode::Default, &opts);
        if let Err(e) = vexil_ir::verify(&irsb) {
            failures.push(format!("{}: verifier: {e}\n{irsb}", f.display()));
        }
        let got = format!("{irsb}\n");
        let back = vexil_ir::parse_irsb(&got).unwrap();
        assert_eq!(back, irsb, "{}: text does not parse back", f.display());
        if bless {
            std::fs::write(
                f,
                format!(
                    "{}{SEP}{got}",
                    header.trim_end_matches('\n').to_string() + "\n"
                ),
            )
            .unwrap();
        } else if expected.as_deref() != Some(got.as_str()) {
            failures.push(format!(
                "{}:\n--- expected\n{}\n--- got\n{got}",
                f.display(),
                expected.unwrap_or_default()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches (VEXIL_BLESS=1 to update):\n{}",
        failures.len(),
        failures.join("\n")
    );
    files.len()
}

#[test]
fn golden_mips32_little_endian() {
    assert!(run_dir("mips32", Arch::Mips32, Endian::Little) > 0);
}

#[test]
fn golden_mips32_big_endian() {
    assert!(run_dir("mips32be", Arch::Mips32, Endian::Big) > 0);
}

#[test]
fn golden_mips64_little_endian() {
    assert!(run_dir("mips64", Arch::Mips64, Endian::Little) > 0);
}

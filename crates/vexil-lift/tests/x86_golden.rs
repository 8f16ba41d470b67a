//! Golden IR tests for the x86 and x86-64 lifters.
//!
//! Each file under `tests/golden/x86/` and `tests/golden/x86_64/` holds one
//! case: header lines giving the instruction bytes (and optionally the
//! address and optimization level), then the expected canonical text of the
//! lifted block. `VEXIL_BLESS=1 cargo test -p vexil-lift --test x86_golden`
//! rewrites the expected text, so changes are reviewed as diffs. A new case
//! is a file with only the header lines, blessed once.
//!
//! Every block is also verified and round-tripped through the parser.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use vexil_ir::{Arch, Endian, IsaMode, VerifyOptions, parse_irsb, verify_with};
use vexil_lift::{LiftOptions, guest_for};

struct Case {
    bytes: Vec<u8>,
    addr: u64,
    opt: u8,
    header: String,
    expected: String,
}

fn parse_case(text: &str) -> Case {
    let mut bytes = Vec::new();
    let mut addr = 0x40_0000;
    let mut opt = 1;
    let mut header = String::new();
    let mut body = String::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix('#') {
            header.push_str(line);
            header.push('\n');
            let h = h.trim();
            if let Some(b) = h.strip_prefix("bytes:") {
                bytes = b
                    .split_whitespace()
                    .map(|x| u8::from_str_radix(x, 16).expect("hex byte"))
                    .collect();
            } else if let Some(a) = h.strip_prefix("addr:") {
                addr =
                    u64::from_str_radix(a.trim().trim_start_matches("0x"), 16).expect("hex addr");
            } else if let Some(o) = h.strip_prefix("opt:") {
                opt = o.trim().parse().expect("opt level");
            }
        } else {
            body.push_str(line);
            body.push('\n');
        }
    }
    Case {
        bytes,
        addr,
        opt,
        header,
        expected: body.trim().to_string(),
    }
}

fn run_dir(dir: &Path, arch: Arch) -> usize {
    let guest = guest_for(arch, Endian::Little).expect("x86 guest");
    let bless = std::env::var_os("VEXIL_BLESS").is_some();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("golden dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read case");
        let case = parse_case(&text);
        assert!(
            !case.bytes.is_empty(),
            "{}: no `# bytes:` line",
            f.display()
        );
        let opts = LiftOptions {
            opt_level: case.opt,
            ..LiftOptions::default()
        };
        let irsb = guest.lift(&case.bytes, case.addr, IsaMode::Default, &opts);
        let vo = VerifyOptions {
            state_size: Some(guest.layout().size),
            addr_type: Some(arch.word_type()),
        };
        if let Err(e) = verify_with(&irsb, vo) {
            failures.push(format!("{}: verify: {e}\n{irsb}", f.display()));
            continue;
        }
        let got = irsb.to_string();
        let back = parse_irsb(&got).expect("printed block parses");
        assert_eq!(back, irsb, "{}: text round trip", f.display());
        if bless {
            std::fs::write(f, format!("{}{}\n", case.header, got.trim())).expect("write case");
        } else if got.trim() != case.expected {
            failures.push(format!(
                "{}:\n--- expected\n{}\n--- got\n{}",
                f.display(),
                case.expected,
                got.trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    files.len()
}

fn golden(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(sub)
}

#[test]
fn golden_x86_64() {
    let n = run_dir(&golden("x86_64"), Arch::X86_64);
    assert!(n > 0, "no x86_64 golden cases");
}

#[test]
fn golden_x86() {
    let n = run_dir(&golden("x86"), Arch::X86);
    assert!(n > 0, "no x86 golden cases");
}

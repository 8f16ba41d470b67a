#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code reports failures by panicking
//! Runs every instruction-vector file in `tests/vectors/` through lift +
//! interpret with the lifter `vexil_lift::guest_for` picks for the file's
//! architecture and byte order. A file whose architecture has no lifter yet
//! is reported and skipped (set `VEXIL_VECTORS_STRICT=1` to fail instead).
//!
//! The MIPS files were written before this format existed, in their own
//! dialect (`words ; disassembly ; inputs => outputs`, no header), and are
//! run by `crates/vexil-lift/tests/mips_vectors.rs`; they are recognised
//! and skipped here by name until their generator writes this format.

use std::path::PathBuf;
use vexil_exec::vectors::{VectorFile, run_file};

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

/// The pre-format MIPS dialect: a `mips*.vec` file with no `arch` header
/// whose cases separate fields with ` ; `.
fn is_mips_dialect(p: &std::path::Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Ok(text) = std::fs::read_to_string(p) else {
        return false;
    };
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    name.starts_with("mips")
        && !text.lines().any(|l| l.trim_start().starts_with("arch "))
        && lines
            .next()
            .is_some_and(|l| l.contains(" ; ") && l.contains("=>"))
}

#[test]
fn all_vector_files_pass() {
    let strict = std::env::var_os("VEXIL_VECTORS_STRICT").is_some_and(|v| v == "1");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(vector_dir())
        .expect("tests/vectors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "vec"))
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no .vec files in {}",
        vector_dir().display()
    );
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let mut total = 0;
    for p in &paths {
        if is_mips_dialect(p) {
            skipped.push(format!(
                "{} (MIPS dialect: run by vexil-lift's mips_vectors test)",
                p.display()
            ));
            continue;
        }
        let f = VectorFile::load(p).unwrap_or_else(|e| panic!("{e}"));
        let Some(guest) = vexil_lift::guest_for(f.arch, f.endian) else {
            skipped.push(format!(
                "{} ({} {}: no lifter yet)",
                p.display(),
                f.arch,
                f.endian
            ));
            continue;
        };
        let r = run_file(guest, &f);
        total += r.cases;
        eprintln!(
            "{}: {} cases, {} failed",
            p.display(),
            r.cases,
            r.failures.len()
        );
        failures.extend(r.failures);
    }
    for s in &skipped {
        eprintln!("skipped {s}");
    }
    assert!(
        !strict || skipped.is_empty(),
        "files without a lifter: {skipped:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {total} vector cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

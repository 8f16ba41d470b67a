#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code reports failures by panicking
//! Runs every instruction-vector file in `tests/vectors/` through lift +
//! interpret with the lifter `vexil_lift::guest_for` picks for the file's
//! architecture and byte order. A file whose architecture has no lifter yet
//! is reported and skipped (set `VEXIL_VECTORS_STRICT=1` to fail instead).

use std::path::PathBuf;
use vexil_exec::vectors::{VectorFile, run_file};

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
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

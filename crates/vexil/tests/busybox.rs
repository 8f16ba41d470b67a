//! Debian's busybox-static for every architecture Debian 12 builds (fetched
//! by scripts/fetch-test-corpus.sh into .cache/debian/): `vexil info --json`
//! reports the right arch, byte order and width for the supported ones and
//! refuses ppc64el and s390x by name.
//!
//! Without the files the test skips with a note, unless
//! VEXIL_REQUIRE_CORPUS=1 (CI sets it), when it fails.

// Test helpers outside #[test] functions fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn busybox(debian_arch: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.cache/debian")
        .join(debian_arch)
        .join("busybox-static/bin/busybox")
}

/// True if the test may go on; false (after a note) if it should skip.
fn corpus_present(paths: &[PathBuf]) -> bool {
    let missing: Vec<_> = paths.iter().filter(|p| !p.is_file()).collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "{} busybox-static binaries missing (first: {}); run scripts/fetch-test-corpus.sh",
        missing.len(),
        missing[0].display()
    );
    if std::env::var("VEXIL_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!("VEXIL_REQUIRE_CORPUS=1: {msg}");
    }
    eprintln!("note: skipping the busybox corpus test: {msg}");
    false
}

const SUPPORTED: [(&str, &str, &str, u64); 7] = [
    ("amd64", "x86_64", "little", 64),
    ("i386", "x86", "little", 32),
    ("arm64", "aarch64", "little", 64),
    ("armel", "arm", "little", 32),
    ("armhf", "arm", "little", 32),
    ("mipsel", "mips32", "little", 32),
    ("mips64el", "mips64", "little", 64),
];

const REFUSED: [(&str, &str); 2] = [
    (
        "ppc64el",
        "unsupported architecture: ppc64 (EM_PPC64, 64-bit little-endian)",
    ),
    (
        "s390x",
        "unsupported architecture: s390x (EM_S390, 64-bit big-endian)",
    ),
];

#[test]
fn debian_busybox_static_info() {
    let all: Vec<PathBuf> = SUPPORTED
        .iter()
        .map(|s| s.0)
        .chain(REFUSED.iter().map(|r| r.0))
        .map(busybox)
        .collect();
    if !corpus_present(&all) {
        return;
    }
    for (debian, arch, endian, bits) in SUPPORTED {
        let path = busybox(debian);
        let out = Command::new(env!("CARGO_BIN_EXE_vexil"))
            .args(["info", "--json"])
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{debian}: {stderr}");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["arch"], arch, "{debian}");
        assert_eq!(v["endian"], endian, "{debian}");
        assert_eq!(v["bits"], bits, "{debian}");
        assert_eq!(v["static"], true, "{debian}");
        // Debian builds armhf in Thumb-2; its entry has bit 0 set.
        let mode = if debian == "armhf" {
            "thumb"
        } else {
            "default"
        };
        assert_eq!(v["entry_mode"], mode, "{debian}");
        // The entry is code the lifters can be handed.
        let img = vexil_loader::Image::load(&path).unwrap();
        assert!(img.code_at(img.entry()).unwrap().len() > 1000, "{debian}");
    }
    for (debian, message) in REFUSED {
        let out = Command::new(env!("CARGO_BIN_EXE_vexil"))
            .args(["info", "--json"])
            .arg(busybox(debian))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{debian}: {stderr}");
        assert!(out.stdout.is_empty(), "{debian}");
        assert!(stderr.starts_with("vexil: "), "{stderr}");
        assert!(stderr.trim_end().ends_with(message), "{debian}: {stderr}");
    }
}

//! The `vexil` binary, run as a user would: exit codes, one-line errors,
//! JSON output, and bad input (truncated samples, garbage) that must give
//! exit code 2 and a message, never a panic (which would exit 101).

// Test helpers outside #[test] functions fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

fn vexil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil"))
        .args(args)
        .output()
        .expect("run vexil")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("vexil was killed by a signal")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sample(target: &str, prog: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/samples/bin")
        .join(target)
        .join(prog)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A fresh path in cargo's per-test scratch directory.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{n}-{name}", std::process::id()))
}

/// Exit code 2 with exactly one line on stderr, `vexil: ...`.
fn assert_input_error(out: &Output, what: &str) {
    let err = stderr(out);
    assert_ne!(code(out), 101, "{what}: vexil panicked: {err}");
    assert_eq!(code(out), 2, "{what}: stderr {err}");
    assert!(err.starts_with("vexil: "), "{what}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: {err}");
}

const TARGETS: [(&str, &str, &str, u64); 9] = [
    ("x86", "x86", "little", 32),
    ("x86_64", "x86_64", "little", 64),
    ("arm", "arm", "little", 32),
    ("arm-thumb", "arm", "little", 32),
    ("armhf", "arm", "little", 32),
    ("aarch64", "aarch64", "little", 64),
    ("mips", "mips32", "big", 32),
    ("mipsel", "mips32", "little", 32),
    ("mips64el", "mips64", "little", 64),
];

#[test]
fn info_json_on_every_sample() {
    for (target, arch, endian, bits) in TARGETS {
        for prog in ["fs_hello", "checksum"] {
            let path = sample(target, prog);
            let out = vexil(&["info", "--json", s(&path)]);
            assert_eq!(code(&out), 0, "{target}/{prog}: {}", stderr(&out));
            let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
            assert_eq!(v["arch"], arch, "{target}/{prog}");
            assert_eq!(v["endian"], endian);
            assert_eq!(v["bits"], bits);
            assert_eq!(v["static"], prog == "fs_hello");
            assert_eq!(v["interpreter"].is_null(), prog == "fs_hello");
            assert!(v["entry"].as_str().unwrap().starts_with("0x"));
            assert!(v["sections"].as_u64().unwrap() > 5);
            assert!(v["symbols"].as_u64().unwrap() >= 5); // _start, cmain, memcpy, memset, msg at least
            let segs = v["segments"].as_array().unwrap();
            assert!(
                segs.iter()
                    .any(|s| s["type"] == "LOAD" && s["perms"] == "r-x")
            );
            assert_eq!(v["format"], if bits == 64 { "ELF64" } else { "ELF32" });
        }
    }
}

#[test]
fn info_table_is_readable() {
    let out = vexil(&["info", s(&sample("arm-thumb", "fs_hello"))]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(text.contains("arch         arm (EM_ARM"), "{text}");
    assert!(text.contains("(thumb)"), "{text}");
    assert!(text.contains("static       yes"), "{text}");
    assert!(text.contains("LOAD"), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["info"],
        &["lift", "x"],
        &["lift", "x", "--entry", "--addr", "0x10"],
        &["lift", "x", "--entry", "--opt", "3"],
        &["lift", "x", "--addr", "banana"],
    ] {
        let out = vexil(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty(), "{args:?}");
    }
    let help = vexil(&["--help"]);
    assert_eq!(code(&help), 0);
    assert!(stdout(&help).contains("Exit codes"), "{}", stdout(&help));
}

#[test]
fn missing_and_non_elf_files() {
    let out = vexil(&["info", "/nonexistent/file"]);
    assert_input_error(&out, "missing");
    assert!(stderr(&out).contains("No such file"), "{}", stderr(&out));
    let out = vexil(&["info", env!("CARGO_MANIFEST_DIR")]);
    assert_input_error(&out, "directory");
    // Endless devices are refused before anything is read.
    let out = vexil(&["info", "/dev/zero"]);
    assert_input_error(&out, "/dev/zero");
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    let out = vexil(&[
        "info",
        &format!("{}/Cargo.toml", env!("CARGO_MANIFEST_DIR")),
    ]);
    assert_input_error(&out, "toml");
    assert!(stderr(&out).contains("not an ELF file"), "{}", stderr(&out));
}

#[test]
fn lift_address_errors() {
    let path = sample("x86_64", "fs_hello");
    let p = s(&path);
    let out = vexil(&["lift", p, "--addr", "0x10"]);
    assert_input_error(&out, "unmapped");
    assert!(
        stderr(&out).contains("0x10 is not mapped"),
        "{}",
        stderr(&out)
    );
    // fs_hello's message lives in .rodata: mapped, not executable.
    let msg = vexil(&["info", "--json", p]);
    let v: Value = serde_json::from_str(&stdout(&msg)).unwrap();
    let ro = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "LOAD" && s["perms"] == "r--")
        .expect("a read-only LOAD segment");
    let out = vexil(&["lift", p, "--addr", ro["vaddr"].as_str().unwrap()]);
    assert_input_error(&out, "not executable");
    assert!(stderr(&out).contains("not executable"), "{}", stderr(&out));
    let out = vexil(&["lift", p, "--symbol", "no_such_symbol"]);
    assert_input_error(&out, "no symbol");
    let out = vexil(&["lift", p, "--entry", "--thumb"]);
    assert_input_error(&out, "thumb on x86_64");
    let dynamic = sample("x86_64", "checksum");
    let out = vexil(&["lift", s(&dynamic), "--symbol", "printf"]);
    assert_input_error(&out, "imported symbol");
    assert!(stderr(&out).contains("imported"), "{}", stderr(&out));
}

/// Whether a lifter exists decides the outcome; either way it is honest.
#[test]
fn lift_entry_of_every_sample() {
    for (target, _, _, _) in TARGETS {
        let path = sample(target, "fs_hello");
        let img = vexil_loader::Image::load(&path).unwrap();
        let out = vexil(&["lift", s(&path), "--entry", "--count", "3", "--json"]);
        match vexil_lift::guest_for(img.arch(), img.endian()) {
            None => {
                assert_input_error(&out, target);
                let want = format!("no lifter for {}", img.arch());
                assert!(stderr(&out).contains(&want), "{}", stderr(&out));
            }
            Some(_) => {
                assert_eq!(code(&out), 0, "{target}: {}", stderr(&out));
                let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
                let blocks = v["blocks"].as_array().unwrap();
                assert!(!blocks.is_empty());
                let entry = format!("{:#x}", img.entry());
                assert_eq!(blocks[0]["addr"], entry.as_str());
                assert_eq!(blocks[0]["mode"], img.entry_mode().name());
                // Each following block starts where the previous one's
                // constant next target points.
                for pair in blocks.windows(2) {
                    assert_eq!(pair[1]["addr"], pair[0]["next"], "{target}");
                }
                for b in blocks {
                    assert!(b["text"].as_str().unwrap().starts_with("IRSB {"));
                    assert!(b["instructions"].as_u64().unwrap() > 0, "{target}");
                }
            }
        }
    }
}

fn check_bad_file(bytes: &[u8], what: &str) {
    let path = scratch("bad");
    std::fs::write(&path, bytes).unwrap();
    for args in [&["info", "--json"][..], &["lift", "--entry"]] {
        let mut all: Vec<&str> = args.to_vec();
        all.push(s(&path));
        let out = vexil(&all);
        assert_input_error(&out, &format!("{what} ({})", args[0]));
        assert!(out.stdout.is_empty(), "{what}: output on error");
    }
    std::fs::remove_file(&path).unwrap();
}

/// Every prefix of the smallest samples, and a stride through the others.
#[test]
fn truncated_samples_exit_2() {
    for (target, _, _, _) in TARGETS {
        for prog in ["fs_hello", "checksum"] {
            let bytes = std::fs::read(sample(target, prog)).unwrap();
            let every = target == "armhf" && prog == "fs_hello";
            let step = if every { 1 } else { 97 };
            let mut len = 0;
            while len < bytes.len() {
                check_bad_file(&bytes[..len], &format!("{target}/{prog} cut at {len}"));
                len += step;
            }
        }
    }
}

#[test]
fn garbage_exits_2() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rand = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..60 {
        let len = usize::try_from(rand() % 4096).unwrap();
        let mut bytes: Vec<u8> = (0..len).map(|_| rand().to_le_bytes()[0]).collect();
        if i % 2 == 0 && bytes.len() >= 6 {
            // Valid magic, class and data: the rest is noise.
            bytes[..4].copy_from_slice(b"\x7fELF");
            bytes[4] = 1 + u8::from(i % 4 == 0);
            bytes[5] = 1 + u8::from(i % 3 == 0);
        }
        check_bad_file(&bytes, &format!("garbage {i} ({len} bytes)"));
    }
}

/// A file that cannot be read is reported with the operating system's
/// reason (the error's cause), by `scan --json` and by `features`.
#[test]
fn unreadable_file_error_says_why() {
    let missing = scratch("missing");
    let out = vexil(&["scan", "--json", s(&missing)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let err = v["error"].as_str().unwrap();
    assert!(err.contains("cannot read"), "{err}");
    assert!(err.contains("No such file or directory"), "{err}");

    let out = vexil(&["features", "--no-progress", s(&missing)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("No such file or directory"),
        "{}",
        stderr(&out)
    );
}

/// An output path that names an input (here through a symbolic link) is
/// refused before any work, and the input is left as it was: for
/// `features` (a binary) and for `train` (its label file).
#[test]
fn output_that_is_an_input_is_refused() {
    let dir = scratch("overwrite");
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("sort");
    std::fs::copy(sample("x86_64", "sort"), &bin).unwrap();
    let alias = dir.join("alias");
    std::os::unix::fs::symlink("sort", &alias).unwrap();
    let before = std::fs::read(&bin).unwrap();
    let out = vexil(&["features", "--no-progress", s(&bin), "-o", s(&alias)]);
    assert_input_error(&out, "features -o INPUT");
    assert!(
        stderr(&out).contains("would replace the input"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&bin).unwrap(), before, "the input changed");

    let labels = dir.join("labels.csv");
    let text = format!(
        "sha256,path,package,arch,class\n0,{},sort,amd64,benign\n",
        s(&bin)
    );
    std::fs::write(&labels, &text).unwrap();
    let out = vexil(&["train", "--labels", s(&labels), "--model", s(&labels)]);
    assert_input_error(&out, "train --model LABELS");
    assert_eq!(std::fs::read_to_string(&labels).unwrap(), text);
    std::fs::remove_dir_all(&dir).ok();
}

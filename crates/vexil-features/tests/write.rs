#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Atomic output: a regular file is replaced whole, a symbolic link stays a
//! link, and a path that is not a regular file (a FIFO here, standing in for
//! `/dev/null`, which a test must not risk) is written in place instead of
//! being replaced by a plain file.

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::PathBuf;
use vexil_features::write::write_replacing;

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("write-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch directory");
    d
}

/// The names in `dir` (to see that no temporary file is left behind).
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn regular_file_is_replaced_whole() {
    let d = scratch("regular");
    let p = d.join("out.jsonl");
    std::fs::write(&p, b"old contents that are longer").expect("seed");
    write_replacing(&p, b"new").expect("write");
    assert_eq!(std::fs::read(&p).expect("read"), b"new");
    assert_eq!(names(&d), ["out.jsonl"]);
    // A path that does not exist yet, in a directory that does not either.
    let q = d.join("sub/dir/new.jsonl");
    write_replacing(&q, b"x").expect("write new");
    assert_eq!(std::fs::read(&q).expect("read"), b"x");
}

#[test]
fn symlink_stays_a_link() {
    let d = scratch("symlink");
    let target = d.join("real.jsonl");
    let link = d.join("link.jsonl");
    std::fs::write(&target, b"old").expect("seed");
    std::os::unix::fs::symlink("real.jsonl", &link).expect("symlink");
    write_replacing(&link, b"new").expect("write");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink(),
        "the link was replaced by a file"
    );
    assert_eq!(std::fs::read(&target).expect("read"), b"new");
    assert_eq!(names(&d), ["link.jsonl", "real.jsonl"]);
}

#[test]
fn fifo_is_written_in_place() {
    let d = scratch("fifo");
    let fifo = d.join("pipe");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    // The read end is opened first, without blocking (Linux's O_NONBLOCK),
    // so that the write end opens at once and a wrong implementation fails
    // the assertions instead of hanging.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(0o4000)
        .open(&fifo)
        .expect("open the read end");
    write_replacing(&fifo, b"through the pipe").expect("write");
    let mut got = Vec::new();
    let _ = reader.read_to_end(&mut got);
    assert_eq!(got, b"through the pipe");
    let ty = std::fs::symlink_metadata(&fifo).expect("fifo").file_type();
    assert!(ty.is_fifo(), "the FIFO was replaced: {ty:?}");
    assert_eq!(names(&d), ["pipe"]);
}

#[test]
fn failure_names_the_path_and_leaves_no_temporary() {
    let d = scratch("fail");
    // A directory where the file should go: the rename fails.
    let p = d.join("taken");
    std::fs::create_dir(&p).expect("dir");
    let (path, _) = write_replacing(&p, b"data").expect_err("rename over a directory");
    assert_eq!(path, p);
    assert_eq!(names(&d), ["taken"]);
}

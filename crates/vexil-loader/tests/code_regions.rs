#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code
//! `code_regions` / `code_starts` on the committed sample binaries, checked
//! against the section headers (the regions must be exactly the executable
//! sections) and, for Thumb, against the ELF entry's low bit.

use std::path::PathBuf;
use vexil_ir::IsaMode;
use vexil_loader::Image;

fn sample(target: &str, name: &str) -> Image {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/samples/bin")
        .join(target)
        .join(name);
    Image::load(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn regions_are_the_executable_sections() {
    for target in ["x86", "x86_64", "aarch64", "mips", "mipsel", "mips64el"] {
        let img = sample(target, "sort");
        let regions = img.code_regions();
        let exec: Vec<(u64, u64)> = img
            .sections()
            .iter()
            .filter(|s| s.is_alloc() && s.is_exec() && s.size > 0)
            .map(|s| (s.addr, s.size))
            .collect();
        let got: Vec<(u64, u64)> = regions
            .iter()
            .map(|r| (r.addr, r.bytes.len() as u64))
            .collect();
        assert_eq!(got, exec, "{target}");
        assert!(exec.iter().any(|&(a, s)| {
            img.section(".text")
                .is_some_and(|t| t.addr == a && t.size == s)
        }));
        for r in &regions {
            // The bytes are the file's bytes at the region's offset.
            let off = usize::try_from(r.offset).unwrap();
            assert_eq!(r.bytes, &img.data()[off..off + r.bytes.len()], "{target}");
            assert_eq!(r.mode, IsaMode::Default);
        }
        let starts = img.code_starts();
        assert_eq!(starts[0], (img.entry(), IsaMode::Default), "{target}");
        let main = img.symbol("main").unwrap();
        assert!(
            starts.contains(&(main.addr, IsaMode::Default)),
            "{target}: main is a start"
        );
    }
}

#[test]
fn thumb_code_is_decoded_as_thumb() {
    let img = sample("arm-thumb", "sort");
    let main = img.symbol("main").unwrap();
    assert_eq!(main.mode, IsaMode::Thumb);
    let starts = img.code_starts();
    assert!(starts.contains(&(main.addr, IsaMode::Thumb)));
    let region = img
        .code_regions()
        .into_iter()
        .find(|r| main.addr >= r.addr && main.addr < r.addr + r.bytes.len() as u64)
        .unwrap();
    assert_eq!(region.mode, IsaMode::Thumb);
}

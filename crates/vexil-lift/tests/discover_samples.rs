//! Discovery over the repository's sample programs (x86, x86-64, MIPS):
//! the bitset algorithm of `discover_with` returns exactly what the
//! reference algorithm does, block for block and IR for IR, however much
//! IR it holds back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use object::{Object, ObjectSection, ObjectSymbol};
use std::path::{Path, PathBuf};
use vexil_ir::{Arch, Endian, IsaMode};
use vexil_lift::discover::{CodeRegion, DiscoverOptions, Start, discover_with, reference};
use vexil_lift::guest_for;

fn samples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/bin");
    let mut out = Vec::new();
    for dir in ["x86", "x86_64", "mips", "mipsel", "mips64el"] {
        let mut v: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_none())
            .collect();
        v.sort();
        out.extend(v);
    }
    out
}

#[test]
fn discovery_matches_the_reference_on_the_samples() {
    let files = samples();
    assert!(files.len() >= 20, "samples missing: {files:?}");
    for p in files {
        let data = std::fs::read(&p).unwrap();
        let f = object::File::parse(&*data).unwrap();
        let arch = match f.architecture() {
            object::Architecture::I386 => Arch::X86,
            object::Architecture::X86_64 => Arch::X86_64,
            object::Architecture::Mips => Arch::Mips32,
            object::Architecture::Mips64 => Arch::Mips64,
            a => panic!("{}: {a:?}", p.display()),
        };
        let endian = if f.is_little_endian() {
            Endian::Little
        } else {
            Endian::Big
        };
        let guest = guest_for(arch, endian).unwrap();
        let regions: Vec<CodeRegion<'_>> = f
            .sections()
            .filter(|s| s.kind() == object::SectionKind::Text)
            .filter_map(|s| {
                let (off, size) = s.file_range()?;
                Some(CodeRegion {
                    addr: s.address(),
                    bytes: &data[usize::try_from(off).unwrap()..][..usize::try_from(size).unwrap()],
                    mode: IsaMode::Default,
                })
            })
            .collect();
        let mut starts = vec![f.entry()];
        starts.extend(
            f.symbols()
                .filter(|s| s.kind() == object::SymbolKind::Text && s.address() != 0)
                .map(|s| s.address()),
        );
        let starts: Vec<Start> = starts
            .into_iter()
            .map(|addr| Start {
                addr,
                mode: IsaMode::Default,
            })
            .collect();
        let slow = reference::discover_with(
            guest,
            &regions,
            &starts,
            &DiscoverOptions::default(),
            |irsb| irsb,
        );
        assert!(!slow.blocks.is_empty(), "{}", p.display());
        for hold_bytes in [0, 4096, 256 << 10] {
            let opts = DiscoverOptions {
                hold_bytes,
                ..DiscoverOptions::default()
            };
            let fast = discover_with(guest, &regions, &starts, &opts, |irsb| irsb);
            let what = format!("{} hold {hold_bytes}", p.display());
            assert_eq!(fast.blocks.len(), slow.blocks.len(), "{what}");
            for (a, b) in fast.blocks.iter().zip(&slow.blocks) {
                assert_eq!(
                    (a.addr, a.size, a.mode, &a.succs, a.swept),
                    (b.addr, b.size, b.mode, &b.succs, b.swept),
                    "{what}"
                );
                assert!(a.kept == b.kept, "{what}: IR of {:#x}", a.addr);
            }
            assert_eq!(fast.lifted, slow.lifted, "{what}");
            assert_eq!(fast.nodecode, slow.nodecode, "{what}");
            assert_eq!(fast.unsupported, slow.unsupported, "{what}");
            assert_eq!(fast.truncated, slow.truncated, "{what}");
        }
    }
}

//! Runs the feature pipeline on arbitrary bytes as code: discovery
//! (traversal from the region's start, then the sweep), lifting and
//! optimization at a fuzzer-chosen level, then statement tokens and n-grams
//! under every scheme. Besides not panicking (debug assertions stay on, so
//! the ordering fast path is checked against the full ordering and every
//! optimized block against a second round), it checks two agreements:
//! tokenizing blocks while discovery lifts them (as `vexil features` does)
//! gives the same tokens as tokenizing the finished blocks, and counting
//! with readable texts gives the same vector as counting without, with a
//! text for every index.
//!
//! `VEXIL_FUZZ_MODE=0 RUSTC_BOOTSTRAP=1 cargo fuzz run features -- -runs=1000000`
//! (modes 0..5: x86, x86-64, mips32el, mips32be, mips64el, mips64be; unset:
//! the first byte chooses).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vexil_features::{FeatureSpec, Scheme, TokenBlock, TokenBuf, block_features, count_ngrams};
use vexil_ir::{Arch, Endian, IsaMode};
use vexil_lift::discover::{CodeRegion, DiscoverOptions, Start, discover, discover_with};
use vexil_lift::{LiftOptions, guest_for};

fn mode_override() -> Option<u8> {
    static MODE: std::sync::OnceLock<Option<u8>> = std::sync::OnceLock::new();
    *MODE.get_or_init(|| std::env::var("VEXIL_FUZZ_MODE").ok()?.parse().ok())
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, code)) = data.split_first() else {
        return;
    };
    let (arch, endian, addr) = match mode_override().unwrap_or(sel & 7) % 6 {
        0 => (Arch::X86, Endian::Little, 0x0804_8000),
        1 => (Arch::X86_64, Endian::Little, 0x40_1000),
        2 => (Arch::Mips32, Endian::Little, 0x40_0000),
        3 => (Arch::Mips32, Endian::Big, 0x40_0000),
        4 => (Arch::Mips64, Endian::Little, 0x1_2000_0000),
        _ => (Arch::Mips64, Endian::Big, 0x1_2000_0000),
    };
    let g = guest_for(arch, endian).expect("guest");
    let opts = DiscoverOptions {
        lift: LiftOptions {
            opt_level: ((sel >> 3) & 3) % 3,
            ..LiftOptions::default()
        },
        ..DiscoverOptions::default()
    };
    let regions = [CodeRegion {
        addr,
        bytes: code,
        mode: IsaMode::Default,
    }];
    let starts = [Start {
        addr,
        mode: IsaMode::Default,
    }];
    let blocks = discover(g, &regions, &starts, &opts).blocks;
    let layout = Some(g.layout());
    for scheme in Scheme::ALL {
        let spec = FeatureSpec {
            opt_level: opts.lift.opt_level,
            dim_bits: 12,
            ..FeatureSpec::with_scheme(scheme)
        };
        let plain = block_features(layout, &blocks, &spec, false);
        let texts = block_features(layout, &blocks, &spec, true);
        assert_eq!(plain.vec, texts.vec, "{scheme:?}: texts change the vector");
        assert_eq!(plain.tokens, texts.tokens);
        let named = texts.texts.expect("texts asked for");
        for i in &plain.vec.idx {
            assert!(named.contains_key(i), "{scheme:?}: index {i} has no text");
        }

        // Tokens taken while discovery lifts, as `vexil features` takes them.
        let mut buf = TokenBuf::new(false);
        let d = discover_with(g, &regions, &starts, &opts, |irsb| {
            buf.add(layout, scheme.options(), &irsb)
        });
        assert_eq!(d.blocks.len(), blocks.len());
        let tb: Vec<TokenBlock<'_>> = d
            .blocks
            .iter()
            .map(|b| TokenBlock {
                addr: b.addr,
                succs: &b.succs,
                toks: b.kept,
            })
            .collect();
        let streamed = count_ngrams(&tb, &buf, &spec);
        assert_eq!(streamed.vec, plain.vec, "{scheme:?}: streamed tokens differ");
    }
});

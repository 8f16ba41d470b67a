//! Extracts features from arbitrary bytes as an ELF file, the way
//! `vexil features` does from a file on disk (load, code regions and
//! traversal starts from the loader, discovery, tokens, n-grams), under
//! two specs of different optimization levels at once. A file the loader
//! accepts must give either an error or vectors that are well formed:
//! indices ascending and inside the vector, values positive and finite.
//! The corpus is seeded from the sample binaries (`scripts/fuzz-seed.sh`).
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run extract_elf -- -runs=100000`
#![no_main]

use libfuzzer_sys::fuzz_target;
use vexil_features::file::extract_bytes;
use vexil_features::{FeatureSpec, Scheme};

fuzz_target!(|data: &[u8]| {
    let specs = [
        FeatureSpec {
            dim_bits: 16,
            ..FeatureSpec::with_scheme(Scheme::NeutralV2)
        },
        FeatureSpec {
            dim_bits: 12,
            opt_level: 1,
            ..FeatureSpec::with_scheme(Scheme::Seed)
        },
    ];
    let with_text = data.len() % 2 == 1;
    match extract_bytes(data.to_vec(), "fuzz", &specs, with_text) {
        Err(e) => {
            let _ = e.to_string();
        }
        Ok(x) => {
            assert_eq!(x.sample.features.len(), specs.len());
            for f in &x.sample.features {
                let v = &f.vec;
                assert_eq!(v.dim, f.spec.dim());
                assert_eq!(v.idx.len(), v.val.len());
                assert!(v.idx.windows(2).all(|w| w[0] < w[1]), "indices not ascending");
                assert!(v.idx.iter().all(|&i| u64::from(i) < v.dim), "index outside the vector");
                assert!(v.val.iter().all(|x| x.is_finite() && *x > 0.0), "bad value");
            }
        }
    }
});

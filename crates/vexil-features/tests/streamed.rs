#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! `vexil features` tokenizes each block while discovery lifts it, for
//! several specs at once (one discovery per optimization level, one token
//! buffer per spec), and never holds a binary's IR whole. That must give
//! the same vectors as the plain reading: discover and lift everything
//! first, then tokenize and count each spec on its own. Asking for
//! readable n-grams must not change a vector either, and every index must
//! get its text.

use std::path::PathBuf;
use vexil_features::file::{discover_image, extract_file, guest_of};
use vexil_features::{FeatureSpec, Scheme, block_features};
use vexil_loader::Image;

fn samples() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/bin");
    let mut out = Vec::new();
    for target in ["x86", "x86_64", "mips", "mipsel", "mips64el"] {
        for prog in ["checksum", "float", "sort", "switch"] {
            out.push(root.join(target).join(prog));
        }
    }
    out
}

/// Every scheme at the default level, then two at other levels, shuffled
/// so that specs of one level are not adjacent in the list.
fn specs() -> Vec<FeatureSpec> {
    let at = |scheme, opt_level, n_max| FeatureSpec {
        opt_level,
        n_max,
        ..FeatureSpec::with_scheme(scheme)
    };
    vec![
        at(Scheme::NeutralV2, 2, 4),
        at(Scheme::Seed, 1, 3),
        at(Scheme::Seed, 2, 4),
        at(Scheme::NeutralV2, 0, 2),
        at(Scheme::NeutralV1, 2, 4),
    ]
}

#[test]
fn streamed_multi_spec_extraction_equals_extracting_each_spec_alone() {
    let specs = specs();
    for path in samples() {
        let streamed = extract_file(&path, &specs, false).unwrap();
        let with_text = extract_file(&path, &specs, true).unwrap();
        let image = Image::parse(std::fs::read(&path).unwrap()).unwrap();
        let guest = guest_of(&image).unwrap();
        assert_eq!(streamed.sample.features.len(), specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let d = discover_image(&image, guest, spec.opt_level).unwrap();
            let plain = block_features(Some(guest.layout()), &d.blocks, spec, false);
            let got = &streamed.sample.features[i];
            assert_eq!(&got.spec, spec, "{}: spec {i} out of place", path.display());
            assert!(
                plain.vec.nnz() > 0,
                "{}: spec {i} found nothing",
                path.display()
            );
            assert_eq!(got.vec, plain.vec, "{}: spec {i} differs", path.display());
            assert_eq!(
                with_text.sample.features[i].vec,
                plain.vec,
                "{}: texts change spec {i}",
                path.display()
            );
            let texts = &with_text.texts[i];
            for idx in &plain.vec.idx {
                assert!(
                    texts.contains_key(idx),
                    "{}: spec {i}: no text for {idx}",
                    path.display()
                );
            }
        }
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The same C source compiled for x86-64, i386 and MIPS (the repository's
//! sample programs, tests/samples/bin) must share n-grams, and more of them
//! under the architecture-neutral scheme than under the seed scheme: that
//! is what the neutral scheme is for.

use std::collections::BTreeSet;
use std::path::PathBuf;
use vexil_features::file::extract_file;
use vexil_features::{FeatureSpec, Scheme};

fn sample(target: &str, prog: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/samples/bin")
        .join(target)
        .join(prog)
}

fn grams(target: &str, prog: &str, scheme: Scheme) -> BTreeSet<u32> {
    let spec = FeatureSpec::with_scheme(scheme);
    let x = extract_file(&sample(target, prog), &[spec], false).unwrap();
    x.sample.features[0].vec.idx.iter().copied().collect()
}

fn jaccard(a: &BTreeSet<u32>, b: &BTreeSet<u32>) -> f64 {
    let i = a.intersection(b).count() as f64;
    let u = a.union(b).count() as f64;
    i / u.max(1.0)
}

#[test]
fn same_source_overlaps_more_under_neutral_tokens() {
    let (mut seed_sum, mut neutral_sum, mut n) = (0.0, 0.0, 0.0);
    for prog in ["checksum", "sort", "switch", "fs_compute"] {
        for (a, b) in [
            ("x86_64", "mipsel"),
            ("x86", "mipsel"),
            ("x86_64", "mips64el"),
        ] {
            let seed = jaccard(&grams(a, prog, Scheme::Seed), &grams(b, prog, Scheme::Seed));
            let neutral = jaccard(
                &grams(a, prog, Scheme::NeutralV1),
                &grams(b, prog, Scheme::NeutralV1),
            );
            // Every pair shares at least an eighth of its distinct n-grams.
            assert!(
                neutral >= 0.125,
                "{prog} {a}/{b}: neutral-v1 overlap only {neutral:.3}"
            );
            seed_sum += seed;
            neutral_sum += neutral;
            n += 1.0;
        }
    }
    // Not every pair gains (i386 and MIPS32 freestanding code already share
    // much under exact names), but on the whole the neutral scheme must
    // share clearly more: at least a quarter more than the seed scheme.
    let (seed, neutral) = (seed_sum / n, neutral_sum / n);
    assert!(
        neutral >= 1.25 * seed,
        "mean overlap: neutral-v1 {neutral:.3} vs seed {seed:.3}"
    );
}

#[test]
fn different_programs_overlap_less_than_one_program_across_architectures() {
    // checksum on x86-64 is closer to checksum on MIPS than to sort on MIPS
    // ... is not guaranteed for tiny programs sharing their libc start-up
    // code, so compare whole sets: the mean same-program overlap across
    // architectures exceeds the mean different-program overlap.
    let progs = ["checksum", "sort", "switch", "fs_compute"];
    let x: Vec<_> = progs
        .iter()
        .map(|p| grams("x86_64", p, Scheme::NeutralV1))
        .collect();
    let m: Vec<_> = progs
        .iter()
        .map(|p| grams("mipsel", p, Scheme::NeutralV1))
        .collect();
    let (mut same, mut diff, mut nd) = (0.0, 0.0, 0.0);
    for (i, xi) in x.iter().enumerate() {
        for (j, mj) in m.iter().enumerate() {
            let v = jaccard(xi, mj);
            if i == j {
                same += v;
            } else {
                diff += v;
                nd += 1.0;
            }
        }
    }
    let (same, diff) = (same / progs.len() as f64, diff / nd);
    assert!(
        same > diff,
        "same-program {same:.3} vs different-program {diff:.3}"
    );
}

#[test]
fn slicing_the_plumbing_brings_builds_of_one_source_closer() {
    // neutral-v2 drops what neutral-v1 keeps of the instruction set's
    // plumbing (register traffic, address arithmetic, the stack, MIPS's
    // gp), and orders each block canonically: the builds of one program for
    // x86-64, i386, MIPS32 and MIPS64 must share more of their n-grams.
    let (mut v1, mut v2, mut n) = (0.0, 0.0, 0.0);
    for prog in ["checksum", "sort", "switch", "fs_compute", "float"] {
        for (a, b) in [
            ("x86_64", "mipsel"),
            ("x86", "mipsel"),
            ("x86_64", "mips64el"),
            ("x86", "mips"),
        ] {
            let o1 = jaccard(
                &grams(a, prog, Scheme::NeutralV1),
                &grams(b, prog, Scheme::NeutralV1),
            );
            let o2 = jaccard(
                &grams(a, prog, Scheme::NeutralV2),
                &grams(b, prog, Scheme::NeutralV2),
            );
            eprintln!("{prog} {a}/{b}: neutral-v1 {o1:.3}, neutral-v2 {o2:.3}");
            v1 += o1;
            v2 += o2;
            n += 1.0;
        }
    }
    let (v1, v2) = (v1 / n, v2 / n);
    assert!(
        v2 > v1,
        "mean overlap: neutral-v2 {v2:.3} vs neutral-v1 {v1:.3}"
    );
}

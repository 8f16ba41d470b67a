#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Training, scoring, model files and metrics on small synthetic data whose
//! answers are known by construction.

use vexil_features::{FamilyVec, FeatureSpec, Sample, Scheme, SparseVec};
use vexil_learn::metrics::{best_threshold, metrics, roc_auc};
use vexil_learn::model::group_folds;
use vexil_learn::*;

/// A sample of package `pkg` on `arch`: features `common` (present in every
/// sample), plus a class marker (10 for positives, 20 for negatives) with
/// some noise features unique to the package.
fn sample(pkg: &str, arch: &str, positive: bool, i: u32) -> Sample {
    let spec = FeatureSpec::default();
    let marker = if positive { 10 } else { 20 };
    let pkg_feature = 1000 + pkg.bytes().map(u32::from).sum::<u32>();
    let mut idx = vec![1, 2, marker, marker + 1, pkg_feature, 5000 + i % 7];
    idx.sort_unstable();
    idx.dedup();
    let val = idx
        .iter()
        .map(|&j| if j == marker { 3.0 } else { 1.0 })
        .collect();
    Sample {
        sha256: format!("{pkg}-{arch}-{i}"),
        path: format!("{arch}/{pkg}/{i}"),
        arch: arch
            .parse::<vexil_ir::Arch>()
            .map_or(arch.to_string(), |a| a.name().to_string()),
        label: Some(if positive { "attack" } else { "benign" }.into()),
        group: Some(pkg.into()),
        label_arch: Some(arch.into()),
        features: vec![FamilyVec {
            spec,
            vec: SparseVec {
                dim: 1 << 20,
                idx,
                val,
            },
        }],
        stats: Default::default(),
    }
}

/// Defaults, but with a vocabulary threshold this 8-package corpus can meet.
fn toy_opts() -> TrainOptions {
    let mut o = TrainOptions::default();
    o.transform.min_groups = 3;
    o
}

fn corpus() -> Vec<Sample> {
    let mut v = Vec::new();
    for arch in ["amd64", "i386", "mipsel", "mips64el"] {
        for p in 0..8 {
            let pos = p % 2 == 0;
            let pkg = format!("pkg{p}");
            for i in 0..(1 + p) {
                v.push(sample(&pkg, arch, pos, u32::try_from(i).unwrap()));
            }
        }
    }
    v
}

#[test]
fn roc_auc_by_hand() {
    // Positives 0.9, 0.4; negatives 0.5, 0.1: of 4 pairs, 3 are ordered.
    let s = [0.9, 0.4, 0.5, 0.1];
    let y = [true, true, false, false];
    assert!((roc_auc(&s, &y) - 0.75).abs() < 1e-12);
    // A tie between a positive and a negative counts one half.
    assert!((roc_auc(&[0.5, 0.5], &[true, false]) - 0.5).abs() < 1e-12);
    let m = metrics(&s, &y, 0.45, &[1.0; 4]);
    assert_eq!(m.confusion, [[1, 1], [1, 1]]);
    assert!((m.accuracy - 0.5).abs() < 1e-12);
    assert!((m.fpr - 0.5).abs() < 1e-12);
}

#[test]
fn best_threshold_separates_separable_scores() {
    let s = [0.1, 0.2, 0.3, 0.7, 0.8];
    let y = [false, false, false, true, true];
    let t = best_threshold(&s, &y, &[1.0; 5]);
    assert!(t > 0.3 && t < 0.7, "{t}");
}

#[test]
fn folds_are_deterministic_and_keep_groups_whole() {
    let groups: Vec<(&str, bool)> = vec![
        ("a", true),
        ("b", false),
        ("c", true),
        ("d", false),
        ("a", true),
        ("e", true),
    ];
    let f1 = group_folds(&groups, 2, 7);
    let f2 = group_folds(&groups, 2, 7);
    assert_eq!(f1, f2);
    assert_eq!(f1.len(), 5);
    // Both classes appear in both folds (stratified).
    for fold in 0..2 {
        let classes: Vec<bool> = groups
            .iter()
            .filter(|(g, _)| f1[*g] == fold)
            .map(|(_, y)| *y)
            .collect();
        assert!(
            classes.contains(&true) && classes.contains(&false),
            "fold {fold}"
        );
    }
}

#[test]
fn linear_model_learns_the_marker_not_the_package() {
    let data = corpus();
    let train: Vec<&Sample> = data.iter().filter(|s| s.arch.starts_with("x86")).collect();
    let specs = [FeatureSpec::default()];
    let model = Model::train(&train, &specs, &toy_opts()).unwrap();
    // Package-unique features (seen in one package only) are not in the vocabulary.
    assert!(
        model
            .transform
            .vocab
            .iter()
            .all(|&j| !(1000..5000).contains(&j))
    );
    let test: Vec<&Sample> = data.iter().filter(|s| s.arch.starts_with("mips")).collect();
    let scores = model.scores(&test);
    for (s, sc) in test.iter().zip(&scores) {
        let pos = s.label.as_deref() == Some("attack");
        assert_eq!(*sc >= model.threshold, pos, "{} scored {sc}", s.path);
    }
    // The verdict names the positive marker as the top contribution.
    let v = model.verdict(test[0], 3);
    assert!(v.positive);
    assert!(
        v.top.iter().any(|&(j, _)| j == 10 || j == 11),
        "{:?}",
        v.top
    );
}

#[test]
fn trees_learn_the_marker_too() {
    let data = corpus();
    let train: Vec<&Sample> = data.iter().filter(|s| s.arch.starts_with("x86")).collect();
    let specs = [FeatureSpec::default()];
    let opts = TrainOptions {
        kind: Kind::Trees,
        ..toy_opts()
    };
    let model = Model::train(&train, &specs, &opts).unwrap();
    let test: Vec<&Sample> = data.iter().filter(|s| s.arch.starts_with("mips")).collect();
    for (s, sc) in test.iter().zip(model.scores(&test)) {
        let pos = s.label.as_deref() == Some("attack");
        assert_eq!(sc >= model.threshold, pos, "{} scored {sc}", s.path);
    }
}

#[test]
fn model_file_round_trips_and_refuses_mismatches() {
    let data = corpus();
    let train: Vec<&Sample> = data.iter().collect();
    let specs = [FeatureSpec::default()];
    let model = Model::train(&train, &specs, &toy_opts()).unwrap();
    let dir = std::env::temp_dir().join(format!("vexil-learn-test-{}", std::process::id()));
    let path = dir.join("m.json");
    model.save(&path).unwrap();
    let back = Model::load(&path).unwrap();
    assert_eq!(back.scores(&train), model.scores(&train));
    // Another scheme is refused.
    let seed = [FeatureSpec::with_scheme(Scheme::Seed)];
    assert!(back.check_features(&seed).is_err());
    assert!(back.check_features(&specs).is_ok());
    // Another version, format, or an unknown scheme name is refused.
    let text = std::fs::read_to_string(&path).unwrap();
    let v2 = text.replacen("\"version\":1", "\"version\":2", 1);
    assert!(
        Model::from_json(v2.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("version")
    );
    let other = text.replacen("vexil-model", "other", 1);
    assert!(Model::from_json(other.as_bytes()).is_err());
    let name = format!("\"{}\"", specs[0].scheme.name());
    assert!(text.contains(&name));
    let unknown = text.replace(&name, "\"neutral-v9\"");
    assert!(Model::from_json(unknown.as_bytes()).is_err());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn evaluation_splits_keep_test_packages_out_of_training() {
    let data = corpus();
    let opts = EvalOptions {
        train_archs: vec!["x86".into(), "x86_64".into()],
        test_archs: vec!["mipsel".into(), "mips64el".into()],
        train: toy_opts(),
        disjoint_folds: 4,
        same_program: true,
        package_disjoint: true,
    };
    let r = evaluate(&data, &[FeatureSpec::default()], &opts).unwrap();
    assert_eq!(r.splits.len(), 2);
    for split in &r.splits {
        let archs: Vec<&str> = split.per_arch.iter().map(|a| a.arch.as_str()).collect();
        assert_eq!(archs, ["mips64el", "mipsel"]);
        for a in &split.per_arch {
            assert_eq!(a.metrics.n, 36);
            assert!(
                (a.metrics.accuracy - 1.0).abs() < 1e-12,
                "{} {}",
                split.split,
                a.arch
            );
        }
    }
    // In the disjoint split, each fold trains without its test packages:
    // training sizes add up to (folds - 1) times the x86 samples.
    let x86 = data.iter().filter(|s| s.arch.starts_with("x86")).count();
    assert_eq!(r.splits[1].train_samples, x86 * 3);
    let dir = std::env::temp_dir().join(format!("vexil-plot-test-{}", std::process::id()));
    vexil_learn::plot::write_plots(&r, &dir, "synthetic").unwrap();
    let svg = std::fs::read_to_string(dir.join("roc.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("mipsel"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn builds_of_one_file_pair_across_architectures() {
    let data = corpus();
    let all: Vec<&Sample> = data.iter().collect();
    let pairs = vexil_learn::model::arch_pairs(&all);
    // Each (package, file) exists on 4 architectures: 6 pairs each; the
    // corpus has 1 + 2 + ... + 8 = 36 files per architecture.
    assert_eq!(pairs.len(), 36 * 6);
    for &(a, b) in &pairs {
        assert_eq!(all[a].group, all[b].group);
        assert_ne!(all[a].label_arch, all[b].label_arch);
        assert_eq!(
            all[a].path.rsplit('/').next(),
            all[b].path.rsplit('/').next()
        );
    }
    // Training with the consistency penalty and the agreement filter works
    // and still separates this (architecture-free) toy data.
    let mut opts = toy_opts();
    opts.linear.consistency = 1.0;
    opts.transform.min_arch_agreement = 0.5;
    let train: Vec<&Sample> = data.iter().filter(|s| s.arch.starts_with("x86")).collect();
    let model = Model::train(&train, &[FeatureSpec::default()], &opts).unwrap();
    let test: Vec<&Sample> = data.iter().filter(|s| s.arch.starts_with("mips")).collect();
    for (s, sc) in test.iter().zip(model.scores(&test)) {
        assert_eq!(sc >= model.threshold, s.label.as_deref() == Some("attack"));
    }
}

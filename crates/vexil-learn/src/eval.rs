//! Cross-architecture evaluation: train on some architectures, test on
//! others, on two splits.
//!
//! - **same-program**: train on every training-architecture sample, test on
//!   every test-architecture sample. The test set holds other builds of the
//!   programs seen in training: this measures the step across architectures.
//! - **package-disjoint**: packages are split into folds (stratified by
//!   class, fixed seed); for each fold a model is trained on the
//!   training-architecture builds of the *other* packages and tested on the
//!   test-architecture builds of this fold's packages, so no test program was
//!   seen in training on any architecture. Predictions of all folds are
//!   pooled per test architecture.
//!
//! Every choice (vocabulary, weights, threshold) is made inside training,
//! by cross-validation over training packages: test architectures are never
//! looked at until scoring.

use crate::Error;
use crate::data::{arch_matches, group_of, group_weights, report_arch};
use crate::metrics::{Metrics, metrics, roc_curve};
use crate::model::{Model, TrainOptions, group_folds, labels_of};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use vexil_features::{FeatureSpec, Sample};

/// Evaluation options.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EvalOptions {
    /// Training architectures (selectors, see [`arch_matches`]).
    pub train_archs: Vec<String>,
    /// Test architectures.
    pub test_archs: Vec<String>,
    /// Training options (classifier, transform, threshold rule, seed).
    pub train: TrainOptions,
    /// Folds of the package-disjoint split.
    pub disjoint_folds: usize,
    /// Run the same-program split.
    #[serde(default = "yes")]
    pub same_program: bool,
    /// Run the package-disjoint split.
    #[serde(default = "yes")]
    pub package_disjoint: bool,
}

fn yes() -> bool {
    true
}

/// Results on one test architecture.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ArchResult {
    /// Architecture as reported (label file's column).
    pub arch: String,
    /// Metrics at the model's threshold.
    pub metrics: Metrics,
    /// ROC curve points.
    pub roc: Vec<(f64, f64)>,
    /// Mean score of positive samples.
    pub mean_score_positive: f64,
    /// Mean score of negative samples.
    pub mean_score_negative: f64,
}

/// Results of one split.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SplitResult {
    /// `same-program` or `package-disjoint`.
    pub split: String,
    /// Training samples (summed over folds for the disjoint split).
    pub train_samples: usize,
    /// Threshold(s) chosen on training data.
    pub thresholds: Vec<f64>,
    /// One entry per test architecture.
    pub per_arch: Vec<ArchResult>,
    /// Every test sample's score, for error analysis.
    pub predictions: Vec<Prediction>,
}

/// One test sample's outcome.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Prediction {
    /// Path.
    pub path: String,
    /// Group (package).
    pub group: String,
    /// Architecture as reported.
    pub arch: String,
    /// True label (positive = malicious).
    pub positive: bool,
    /// Score.
    pub score: f64,
    /// Threshold of the model that scored it.
    pub threshold: f64,
}

fn predictions(test: &[&Sample], scores: &[f64], th: &[f64]) -> Result<Vec<Prediction>, Error> {
    let y = labels_of(test)?;
    Ok(test
        .iter()
        .zip(y)
        .zip(scores.iter().zip(th))
        .map(|((s, positive), (&score, &threshold))| Prediction {
            path: s.path.clone(),
            group: group_of(s).to_string(),
            arch: report_arch(s).to_string(),
            positive,
            score,
            threshold,
        })
        .collect())
}

/// The evaluation report (also written as JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EvalReport {
    /// Feature specs (labels).
    pub features: Vec<String>,
    /// Options.
    pub options: EvalOptions,
    /// Both splits.
    pub splits: Vec<SplitResult>,
}

fn per_arch(
    test: &[&Sample],
    scores: &[f64],
    thresholds: &[f64],
) -> Result<Vec<ArchResult>, Error> {
    let y = labels_of(test)?;
    let mut by: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in test.iter().enumerate() {
        by.entry(report_arch(s)).or_default().push(i);
    }
    let mut out = Vec::new();
    for (arch, idx) in by {
        let ss: Vec<&Sample> = idx.iter().map(|&i| test[i]).collect();
        let yy: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
        let sc: Vec<f64> = idx.iter().map(|&i| scores[i]).collect();
        // Decisions were made with each sample's own threshold; express them
        // as scores shifted so that 0.5 is the threshold for the metrics.
        let decided: Vec<f64> = idx
            .iter()
            .map(|&i| if scores[i] >= thresholds[i] { 1.0 } else { 0.0 })
            .collect();
        let w = group_weights(&ss, &yy);
        let mut m = metrics(&decided, &yy, 0.5, &w);
        m.roc_auc = crate::metrics::roc_auc(&sc, &yy);
        let mean = |want: bool| {
            let v: Vec<f64> = sc
                .iter()
                .zip(&yy)
                .filter(|(_, y)| **y == want)
                .map(|(s, _)| *s)
                .collect();
            Model::mean(&v)
        };
        out.push(ArchResult {
            arch: arch.to_string(),
            metrics: m,
            roc: roc_curve(&sc, &yy),
            mean_score_positive: mean(true),
            mean_score_negative: mean(false),
        });
    }
    Ok(out)
}

/// Runs both splits.
pub fn evaluate(
    samples: &[Sample],
    specs: &[FeatureSpec],
    opts: &EvalOptions,
) -> Result<EvalReport, Error> {
    let is_train = |s: &Sample| opts.train_archs.iter().any(|a| arch_matches(a, s));
    let is_test = |s: &Sample| opts.test_archs.iter().any(|a| arch_matches(a, s));
    let train: Vec<&Sample> = samples.iter().filter(|s| is_train(s)).collect();
    let test: Vec<&Sample> = samples
        .iter()
        .filter(|s| is_test(s) && !is_train(s))
        .collect();
    if train.is_empty() {
        return Err(Error::Train(format!(
            "no samples of the training architectures {:?}",
            opts.train_archs
        )));
    }
    if test.is_empty() {
        return Err(Error::Train(format!(
            "no samples of the test architectures {:?}",
            opts.test_archs
        )));
    }
    let mut splits = Vec::new();

    // Same-program split.
    if opts.same_program {
        eprintln!(
            "eval: same-program split: training on {} samples, testing on {}",
            train.len(),
            test.len()
        );
        let model = Model::train(&train, specs, &opts.train)?;
        let scores = model.scores(&test);
        let th = vec![model.threshold; test.len()];
        splits.push(SplitResult {
            split: "same-program".into(),
            train_samples: train.len(),
            thresholds: vec![model.threshold],
            per_arch: per_arch(&test, &scores, &th)?,
            predictions: predictions(&test, &scores, &th)?,
        });
    }
    if !opts.package_disjoint {
        return Ok(EvalReport {
            features: specs.iter().map(FeatureSpec::label).collect(),
            options: opts.clone(),
            splits,
        });
    }

    // Package-disjoint split.
    let all: Vec<&Sample> = train.iter().chain(&test).copied().collect();
    let y_all = labels_of(&all)?;
    let gy: Vec<(&str, bool)> = all.iter().map(|s| group_of(s)).zip(y_all).collect();
    let k = opts.disjoint_folds.max(2);
    let fold_of = group_folds(&gy, k, opts.train.seed ^ 0xd15_0000);
    let mut scores = vec![0.5; test.len()];
    let mut th = vec![0.5; test.len()];
    let mut thresholds = Vec::new();
    let mut n_train = 0;
    for f in 0..k {
        let in_fold = |s: &Sample| fold_of.get(group_of(s)).copied() == Some(f);
        let tr: Vec<&Sample> = train.iter().filter(|s| !in_fold(s)).copied().collect();
        let te: Vec<usize> = (0..test.len()).filter(|&i| in_fold(test[i])).collect();
        if te.is_empty() {
            continue;
        }
        eprintln!(
            "eval: package-disjoint split, fold {}/{k}: training on {} samples, testing on {}",
            f + 1,
            tr.len(),
            te.len()
        );
        let m = Model::train(&tr, specs, &opts.train)?;
        n_train += tr.len();
        thresholds.push(m.threshold);
        let tes: Vec<&Sample> = te.iter().map(|&i| test[i]).collect();
        for (&i, s) in te.iter().zip(m.scores(&tes)) {
            scores[i] = s;
            th[i] = m.threshold;
        }
    }
    splits.push(SplitResult {
        split: "package-disjoint".into(),
        train_samples: n_train,
        thresholds,
        per_arch: per_arch(&test, &scores, &th)?,
        predictions: predictions(&test, &scores, &th)?,
    });
    Ok(EvalReport {
        features: specs.iter().map(FeatureSpec::label).collect(),
        options: opts.clone(),
        splits,
    })
}

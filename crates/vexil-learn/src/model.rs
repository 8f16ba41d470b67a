//! The model: what was trained, on what features, and how to score with it.
//!
//! A model file is JSON with a format name and version. It records the
//! feature specs (token scheme, n, vector size, optimization level), the
//! fitted transform, the classifier and the decision threshold, so `scan`
//! extracts exactly the features the model was trained on and refuses a
//! file it does not understand.

use crate::Error;
use crate::data::{count_f64, group_of, group_weights};
use crate::linear::{Linear, LinearOptions};
use crate::metrics::best_threshold;
use crate::neighbors::{NeighborOptions, Neighbors};
use crate::transform::{Transform, TransformOptions};
use crate::trees::{TreeOptions, Trees};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;
use vexil_features::{FeatureSpec, Sample};

/// The format name in every model file.
pub const FORMAT: &str = "vexil-model";
/// The model format version this build reads and writes.
pub const VERSION: u32 = 1;

/// Which classifier.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Logistic regression.
    Linear,
    /// Gradient-boosted trees.
    Trees,
    /// Nearest neighbours.
    Neighbors,
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        match s {
            "linear" | "logreg" => Ok(Kind::Linear),
            "trees" | "gbdt" => Ok(Kind::Trees),
            "neighbors" | "knn" => Ok(Kind::Neighbors),
            _ => Err(format!(
                "unknown classifier `{s}` (expected linear, trees or neighbors)"
            )),
        }
    }
}

/// A trained classifier.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Classifier {
    /// Logistic regression.
    Linear(Linear),
    /// Gradient-boosted trees.
    Trees(Trees),
    /// Nearest neighbours.
    Neighbors(Neighbors),
}

/// How the decision threshold is chosen.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdRule {
    /// A fixed value.
    Fixed(f64),
    /// Cross-validation over groups (packages) of the training set: the
    /// threshold that maximizes the package-weighted balanced accuracy of
    /// the out-of-fold scores.
    GroupCv {
        /// Number of folds.
        folds: usize,
    },
}

/// Everything `train` takes.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Classifier kind.
    pub kind: Kind,
    /// Transform options.
    pub transform: TransformOptions,
    /// Linear model options.
    pub linear: LinearOptions,
    /// Tree options.
    pub trees: TreeOptions,
    /// Nearest-neighbour options.
    #[serde(default)]
    pub neighbors: NeighborOptions,
    /// Weight each (package, architecture) equally, then the classes.
    pub group_weighting: bool,
    /// Threshold rule.
    pub threshold: ThresholdRule,
    /// Seed for fold assignment.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> TrainOptions {
        TrainOptions {
            kind: Kind::Linear,
            transform: TransformOptions::default(),
            linear: LinearOptions::default(),
            trees: TreeOptions::default(),
            neighbors: NeighborOptions::default(),
            group_weighting: true,
            threshold: ThresholdRule::GroupCv { folds: 5 },
            seed: 0x7e11,
        }
    }
}

/// What a model was trained on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainInfo {
    /// Architectures of the training samples.
    pub archs: Vec<String>,
    /// Training samples.
    pub samples: usize,
    /// Positive samples.
    pub positives: usize,
    /// Distinct groups (packages).
    pub groups: usize,
    /// The options used.
    pub options: Option<TrainOptions>,
    /// Threshold the rule chose.
    pub threshold_note: String,
    /// vexil version that trained it.
    pub vexil_version: String,
}

/// A trained model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Model {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for files this build writes.
    pub version: u32,
    /// Feature families, in concatenation order.
    pub features: Vec<FeatureSpec>,
    /// The class name scored as positive (`malicious`).
    pub positive_class: String,
    /// Fitted transform.
    pub transform: Transform,
    /// Classifier.
    pub classifier: Classifier,
    /// Scores at or above it are positive.
    pub threshold: f64,
    /// Provenance.
    pub training: TrainInfo,
}

/// A verdict with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Score in 0..1.
    pub score: f64,
    /// Score >= threshold.
    pub positive: bool,
    /// Contributing features: (global feature index, contribution), the
    /// strongest push toward a positive verdict first.
    pub top: Vec<(u64, f64)>,
    /// For the neighbour classifier: the most similar training binary of
    /// the class it was judged to be, and its similarity.
    pub nearest: Option<(String, f64)>,
}

/// splitmix64 step: a tiny, fixed, documented generator for fold
/// assignment (no dependency, same folds on every platform).
fn next_rand(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    vexil_features::ngram::splitmix64(*state)
}

/// Assigns groups to `k` folds, stratified by class (a group's class is its
/// majority label) and shuffled with `seed`. Returns the fold of each group.
pub fn group_folds(
    groups: &[(&str, bool)],
    k: usize,
    seed: u64,
) -> std::collections::BTreeMap<String, usize> {
    let mut by_class: [Vec<&str>; 2] = [Vec::new(), Vec::new()];
    let uniq: BTreeSet<(&str, bool)> = groups.iter().copied().collect();
    for (g, y) in uniq {
        if !by_class[usize::from(y)].contains(&g) && !by_class[usize::from(!y)].contains(&g) {
            by_class[usize::from(y)].push(g);
        }
    }
    let mut st = seed;
    let mut out = std::collections::BTreeMap::new();
    let mut next = 0usize;
    for list in &mut by_class {
        // Fisher-Yates with the fixed generator.
        for i in (1..list.len()).rev() {
            let j = usize::try_from(next_rand(&mut st) % (i as u64 + 1)).unwrap_or(0);
            list.swap(i, j);
        }
        for g in list.iter() {
            out.insert((*g).to_string(), next % k.max(1));
            next += 1;
        }
    }
    out
}

/// Pairs of samples that are builds of the same file (same group and file
/// name) for two different architectures; files whose name is not unique
/// in their group and architecture are left out.
pub fn arch_pairs(samples: &[&Sample]) -> Vec<(usize, usize)> {
    use std::collections::BTreeMap;
    let mut by_key: BTreeMap<(&str, &str), BTreeMap<&str, Vec<usize>>> = BTreeMap::new();
    for (i, s) in samples.iter().enumerate() {
        let name = s.path.rsplit('/').next().unwrap_or(&s.path);
        by_key
            .entry((group_of(s), name))
            .or_default()
            .entry(crate::data::report_arch(s))
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for archs in by_key.values() {
        let unique: Vec<usize> = archs
            .values()
            .filter(|v| v.len() == 1)
            .map(|v| v[0])
            .collect();
        for a in 0..unique.len() {
            for b in a + 1..unique.len() {
                out.push((unique[a], unique[b]));
            }
        }
    }
    out
}

fn fit_classifier(
    samples: &[&Sample],
    rows: &[Vec<(u32, f32)>],
    y: &[bool],
    w: &[f64],
    dim: usize,
    opts: &TrainOptions,
) -> Result<Classifier, Error> {
    Ok(match opts.kind {
        Kind::Linear => {
            let pairs = if opts.linear.consistency > 0.0 {
                arch_pairs(samples)
            } else {
                Vec::new()
            };
            Classifier::Linear(Linear::train_paired(rows, y, w, &pairs, dim, &opts.linear)?)
        }
        Kind::Trees => Classifier::Trees(Trees::train(rows, y, w, dim, &opts.trees)?),
        Kind::Neighbors => Classifier::Neighbors(Neighbors::train(
            rows,
            y,
            samples.iter().map(|s| sample_name(s)).collect(),
            dim,
            &opts.neighbors,
        )?),
    })
}

fn classifier_scores(c: &Classifier, rows: &[Vec<(u32, f32)>]) -> Vec<f64> {
    match c {
        Classifier::Linear(l) => rows.iter().map(|r| l.score(r)).collect(),
        Classifier::Trees(t) => t.scores(rows),
        Classifier::Neighbors(n) => n.scores(rows),
    }
}

/// A readable name of a sample: `package/file (arch)`.
pub fn sample_name(s: &Sample) -> String {
    let file = s.path.rsplit('/').next().unwrap_or(&s.path);
    format!("{}/{} ({})", group_of(s), file, crate::data::report_arch(s))
}

/// Labels of samples, or an error naming the first unlabeled one.
pub fn labels_of(samples: &[&Sample]) -> Result<Vec<bool>, Error> {
    samples
        .iter()
        .map(|s| {
            s.label
                .as_deref()
                .and_then(crate::data::is_positive)
                .ok_or_else(|| {
                    Error::Labels(format!(
                        "{}: label `{}` is neither malicious/attack nor benign",
                        s.path,
                        s.label.as_deref().unwrap_or("")
                    ))
                })
        })
        .collect()
}

impl Model {
    /// Trains a model on labeled samples.
    pub fn train(
        samples: &[&Sample],
        specs: &[FeatureSpec],
        opts: &TrainOptions,
    ) -> Result<Model, Error> {
        let y = labels_of(samples)?;
        let w = if opts.group_weighting {
            group_weights(samples, &y)
        } else {
            vec![1.0; samples.len()]
        };
        let (transform, classifier) = Self::fit(samples, &y, &w, specs, opts)?;
        let (threshold, note) = match opts.threshold {
            ThresholdRule::Fixed(t) => (t, format!("fixed at {t}")),
            ThresholdRule::GroupCv { folds } => {
                let oof = Self::out_of_fold_scores(samples, &y, &w, specs, opts, folds)?;
                // Samples whose fold could not be trained (too few packages
                // of a class) have no out-of-fold score.
                let (mut s2, mut y2, mut w2) = (Vec::new(), Vec::new(), Vec::new());
                for ((o, &yy), &ww) in oof.iter().zip(&y).zip(&w) {
                    if let Some(o) = o {
                        s2.push(*o);
                        y2.push(yy);
                        w2.push(ww);
                    }
                }
                let t = best_threshold(&s2, &y2, &w2);
                (
                    t,
                    format!(
                        "{folds}-fold cross-validation over training packages: {t:.4} maximizes \
                         package-weighted balanced accuracy of out-of-fold scores"
                    ),
                )
            }
        };
        let archs: BTreeSet<String> = samples
            .iter()
            .map(|s| crate::data::report_arch(s).to_string())
            .collect();
        let groups: BTreeSet<&str> = samples.iter().map(|s| group_of(s)).collect();
        Ok(Model {
            format: FORMAT.to_string(),
            version: VERSION,
            features: specs.to_vec(),
            positive_class: "malicious".to_string(),
            transform,
            classifier,
            threshold,
            training: TrainInfo {
                archs: archs.into_iter().collect(),
                samples: samples.len(),
                positives: y.iter().filter(|&&v| v).count(),
                groups: groups.len(),
                options: Some(*opts),
                threshold_note: note,
                vexil_version: env!("CARGO_PKG_VERSION").to_string(),
            },
        })
    }

    fn fit(
        samples: &[&Sample],
        y: &[bool],
        w: &[f64],
        specs: &[FeatureSpec],
        opts: &TrainOptions,
    ) -> Result<(Transform, Classifier), Error> {
        let transform = Transform::fit(samples, w, specs, opts.transform);
        if transform.is_empty() {
            return Err(Error::Train(
                "no feature occurs in enough training packages (check --min-groups and the inputs)"
                    .into(),
            ));
        }
        let rows: Vec<Vec<(u32, f32)>> =
            samples.iter().map(|s| transform.apply(s, specs)).collect();
        let classifier = fit_classifier(samples, &rows, y, w, transform.len(), opts)?;
        Ok((transform, classifier))
    }

    /// Out-of-fold scores of the training samples, by `folds`-fold
    /// cross-validation over groups (all architectures of a package stay in
    /// one fold).
    pub fn out_of_fold_scores(
        samples: &[&Sample],
        y: &[bool],
        w: &[f64],
        specs: &[FeatureSpec],
        opts: &TrainOptions,
        folds: usize,
    ) -> Result<Vec<Option<f64>>, Error> {
        let gy: Vec<(&str, bool)> = samples
            .iter()
            .map(|s| group_of(s))
            .zip(y.iter().copied())
            .collect();
        let fold_of = group_folds(&gy, folds, opts.seed);
        let mut oof = vec![None; samples.len()];
        for f in 0..folds.max(1) {
            let in_fold = |s: &Sample| fold_of.get(group_of(s)).copied() == Some(f);
            let tr: Vec<usize> = (0..samples.len())
                .filter(|&i| !in_fold(samples[i]))
                .collect();
            let te: Vec<usize> = (0..samples.len())
                .filter(|&i| in_fold(samples[i]))
                .collect();
            if te.is_empty() {
                continue;
            }
            let trs: Vec<&Sample> = tr.iter().map(|&i| samples[i]).collect();
            let try_: Vec<bool> = tr.iter().map(|&i| y[i]).collect();
            let trw: Vec<f64> = tr.iter().map(|&i| w[i]).collect();
            if !try_.iter().any(|&v| v) || try_.iter().all(|&v| v) {
                continue; // this fold's training set has one class only
            }
            let (t, c) = match Self::fit(&trs, &try_, &trw, specs, opts) {
                Ok(x) => x,
                // Too little data left in this fold (e.g. an empty
                // vocabulary): no out-of-fold scores from it.
                Err(Error::Train(_)) => continue,
                Err(e) => return Err(e),
            };
            let rows: Vec<Vec<(u32, f32)>> =
                te.iter().map(|&i| t.apply(samples[i], specs)).collect();
            for (&i, s) in te.iter().zip(classifier_scores(&c, &rows)) {
                oof[i] = Some(s);
            }
        }
        Ok(oof)
    }

    /// Scores many samples.
    pub fn scores(&self, samples: &[&Sample]) -> Vec<f64> {
        let rows: Vec<Vec<(u32, f32)>> = samples
            .iter()
            .map(|s| self.transform.apply(s, &self.features))
            .collect();
        classifier_scores(&self.classifier, &rows)
    }

    /// Scores one sample and explains the score with its `top` strongest
    /// contributing features.
    pub fn verdict(&self, s: &Sample, top: usize) -> Verdict {
        let row = self.transform.apply(s, &self.features);
        let mut nearest = None;
        let (score, contrib) = match &self.classifier {
            Classifier::Linear(l) => (l.score(&row), l.contributions(&row)),
            Classifier::Neighbors(n) => {
                let m = n.best(&row);
                let near = if m.score >= 0.5 {
                    m.nearest_pos
                } else {
                    m.nearest_neg
                };
                nearest = near.and_then(|(i, s)| n.names.get(i).map(|name| (name.clone(), s)));
                (m.score, n.contributions(&row))
            }
            Classifier::Trees(t) => (
                t.scores(std::slice::from_ref(&row))
                    .first()
                    .copied()
                    .unwrap_or(0.5),
                t.contributions(&row),
            ),
        };
        let top = contrib
            .into_iter()
            .filter(|&(_, c)| c > 0.0)
            .take(top)
            .filter_map(|(p, c)| self.transform.vocab.get(p as usize).map(|&g| (g, c)))
            .collect();
        Verdict {
            score,
            positive: score >= self.threshold,
            top,
            nearest,
        }
    }

    /// Which family (index into `features`) and local index a global
    /// feature index belongs to.
    pub fn locate(&self, global: u64) -> Option<(usize, u32)> {
        let mut base = 0u64;
        for (k, spec) in self.features.iter().enumerate() {
            if global < base + spec.dim() {
                return u32::try_from(global - base).ok().map(|i| (k, i));
            }
            base += spec.dim();
        }
        None
    }

    /// Writes the model as JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let text = serde_json::to_string(self).map_err(|e| Error::Model(e.to_string()))?;
        crate::write_atomic(path, text.as_bytes())
    }

    /// Reads a model, refusing other formats and versions.
    pub fn load(path: &Path) -> Result<Model, Error> {
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Model::from_json(&text).map_err(|e| match e {
            Error::Model(m) => Error::Model(format!("{}: {m}", path.display())),
            e => e,
        })
    }

    /// Parses a model from JSON bytes, refusing other formats and versions.
    pub fn from_json(bytes: &[u8]) -> Result<Model, Error> {
        #[derive(Deserialize)]
        struct Head {
            format: Option<String>,
            version: Option<u32>,
        }
        let head: Head = serde_json::from_slice(bytes)
            .map_err(|e| Error::Model(format!("not a vexil model: {e}")))?;
        if head.format.as_deref() != Some(FORMAT) {
            return Err(Error::Model(format!(
                "not a vexil model (format {:?}, expected {FORMAT:?})",
                head.format
            )));
        }
        if head.version != Some(VERSION) {
            return Err(Error::Model(format!(
                "model format version {:?} is not supported (this vexil reads version {VERSION})",
                head.version
            )));
        }
        serde_json::from_slice(bytes).map_err(|e| {
            Error::Model(format!(
                "model does not match this vexil (unknown token scheme or field?): {e}"
            ))
        })
    }

    /// Errors unless `specs` are exactly the model's feature specs.
    pub fn check_features(&self, specs: &[FeatureSpec]) -> Result<(), Error> {
        if specs == self.features.as_slice() {
            Ok(())
        } else {
            Err(Error::Model(format!(
                "features were made with {} but the model needs {}",
                specs
                    .iter()
                    .map(FeatureSpec::label)
                    .collect::<Vec<_>>()
                    .join(" + "),
                self.features
                    .iter()
                    .map(FeatureSpec::label)
                    .collect::<Vec<_>>()
                    .join(" + ")
            )))
        }
    }

    /// Mean score, for reports.
    pub fn mean(scores: &[f64]) -> f64 {
        scores.iter().sum::<f64>() / count_f64(scores.len().max(1))
    }
}

//! From raw n-gram counts to the vectors a classifier sees: vocabulary
//! selection, term weighting and length normalization, all fitted on the
//! training set only and stored in the model.

use crate::data::group_of;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use vexil_features::{FeatureSpec, Sample};

/// How raw counts are weighted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Weighting {
    /// The counts themselves.
    Counts,
    /// 1 if present, else 0.
    Binary,
    /// Term frequency times inverse document frequency (fitted on training data).
    TfIdf,
}

impl std::str::FromStr for Weighting {
    type Err = String;
    fn from_str(s: &str) -> Result<Weighting, String> {
        match s {
            "counts" => Ok(Weighting::Counts),
            "binary" => Ok(Weighting::Binary),
            "tfidf" | "tf-idf" => Ok(Weighting::TfIdf),
            _ => Err(format!(
                "unknown weighting `{s}` (expected counts, binary or tfidf)"
            )),
        }
    }
}

/// Options for fitting a [`Transform`].
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransformOptions {
    /// Term weighting.
    pub weighting: Weighting,
    /// Use `ln(1 + count)` instead of the count (ignored for `Binary`).
    pub sublinear_tf: bool,
    /// Scale every vector to unit length, so a binary's size does not
    /// decide its score.
    pub l2_normalize: bool,
    /// Keep only features seen in at least this many distinct training
    /// groups (packages): an n-gram found in one package only identifies
    /// that package, not a behaviour.
    pub min_groups: usize,
    /// When the training set holds several architectures: keep only
    /// features whose presence agrees across the architectures of a
    /// package at least this often (packages with the feature on every
    /// training architecture, over packages with it on any). A feature that
    /// one build of a program has and another build of the same program
    /// lacks records the instruction set, not the program. 0 disables.
    #[serde(default)]
    pub min_arch_agreement: f64,
}

impl Default for TransformOptions {
    fn default() -> TransformOptions {
        TransformOptions {
            weighting: Weighting::TfIdf,
            sublinear_tf: true,
            l2_normalize: true,
            min_groups: 15,
            min_arch_agreement: 0.0,
        }
    }
}

/// A fitted transform: the vocabulary (global feature indices, with the
/// feature families concatenated in spec order) and its IDF weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transform {
    /// Options it was fitted with.
    pub options: TransformOptions,
    /// Kept global feature indices, ascending.
    pub vocab: Vec<u64>,
    /// Inverse document frequency of each kept feature (1 unless TF-IDF).
    pub idf: Vec<f32>,
}

/// The features of `s` under `specs`, as global indices (family offsets
/// added) with raw values.
pub fn global_features<'a>(
    s: &'a Sample,
    specs: &'a [FeatureSpec],
) -> impl Iterator<Item = (u64, f32)> + 'a {
    let mut offset = 0u64;
    specs.iter().flat_map(move |spec| {
        let base = offset;
        offset += spec.dim();
        s.family(spec)
            .into_iter()
            .flat_map(move |v| v.iter().map(move |(i, x)| (base + u64::from(i), x)))
    })
}

impl Transform {
    /// Fits the vocabulary and IDF on training samples with their weights.
    pub fn fit(
        samples: &[&Sample],
        weights: &[f64],
        specs: &[FeatureSpec],
        options: TransformOptions,
    ) -> Transform {
        // Per feature: distinct groups seen (samples visited in group order)
        // and the weighted document frequency.
        let mut order: Vec<usize> = (0..samples.len()).collect();
        order.sort_by(|&a, &b| group_of(samples[a]).cmp(group_of(samples[b])));
        let mut group_ids: Vec<usize> = vec![0; samples.len()];
        let mut gid = 0usize;
        for (k, &i) in order.iter().enumerate() {
            if k > 0 && group_of(samples[i]) != group_of(samples[order[k - 1]]) {
                gid += 1;
            }
            group_ids[i] = gid;
        }
        struct Df {
            last_group: usize,
            groups: usize,
            weight: f64,
        }
        let mut df: HashMap<u64, Df> = HashMap::new();
        for &i in &order {
            for (j, _) in global_features(samples[i], specs) {
                let e = df.entry(j).or_insert(Df {
                    last_group: usize::MAX,
                    groups: 0,
                    weight: 0.0,
                });
                if e.last_group != group_ids[i] {
                    e.last_group = group_ids[i];
                    e.groups += 1;
                }
                e.weight += weights[i];
            }
        }
        let total: f64 = weights.iter().sum();
        let agreement = arch_agreement(samples, specs, options.min_arch_agreement);
        let mut kept: Vec<(u64, f32)> = df
            .into_iter()
            .filter(|(_, d)| d.groups >= options.min_groups.max(1))
            .filter(|(j, _)| agreement.as_ref().is_none_or(|a| a.contains(j)))
            .map(|(j, d)| {
                let idf = match options.weighting {
                    Weighting::TfIdf => ((1.0 + total) / (1.0 + d.weight)).ln() + 1.0,
                    _ => 1.0,
                };
                #[allow(clippy::cast_possible_truncation)] // idf is a small positive number
                (j, idf as f32)
            })
            .collect();
        kept.sort_unstable_by_key(|&(j, _)| j);
        Transform {
            options,
            vocab: kept.iter().map(|&(j, _)| j).collect(),
            idf: kept.iter().map(|&(_, w)| w).collect(),
        }
    }

    /// Number of kept features.
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// True if nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// The transformed vector of `s`: `(vocabulary position, value)`, in
    /// ascending position order.
    pub fn apply(&self, s: &Sample, specs: &[FeatureSpec]) -> Vec<(u32, f32)> {
        let mut out: Vec<(u32, f32)> = Vec::new();
        for (j, raw) in global_features(s, specs) {
            let Ok(p) = self.vocab.binary_search(&j) else {
                continue;
            };
            let tf = match self.options.weighting {
                Weighting::Binary => 1.0,
                _ if self.options.sublinear_tf => raw.ln_1p(),
                _ => raw,
            };
            let Ok(pos) = u32::try_from(p) else { continue };
            out.push((pos, tf * self.idf[p]));
        }
        if self.options.l2_normalize {
            let norm = out
                .iter()
                .map(|&(_, v)| f64::from(v) * f64::from(v))
                .sum::<f64>()
                .sqrt();
            if norm > 0.0 {
                for (_, v) in &mut out {
                    #[allow(clippy::cast_possible_truncation)] // a unit-length component
                    let x = (f64::from(*v) / norm) as f32;
                    *v = x;
                }
            }
        }
        out.sort_unstable_by_key(|&(p, _)| p);
        out
    }
}

/// The features whose presence agrees across architectures within packages
/// at least `min` of the time (see [`TransformOptions::min_arch_agreement`]),
/// or `None` if the filter does not apply (fewer than two architectures, or
/// `min` is 0).
fn arch_agreement(
    samples: &[&Sample],
    specs: &[FeatureSpec],
    min: f64,
) -> Option<std::collections::HashSet<u64>> {
    use crate::data::report_arch;
    use std::collections::{BTreeMap, BTreeSet};
    if min <= 0.0 {
        return None;
    }
    let archs: BTreeSet<&str> = samples.iter().map(|s| report_arch(s)).collect();
    if archs.len() < 2 {
        return None;
    }
    let arch_ix: BTreeMap<&str, usize> = archs.iter().enumerate().map(|(i, a)| (*a, i)).collect();
    let full = (1u64 << archs.len().min(63)) - 1;
    // Per group: which architectures it has at all, and per feature which
    // architectures' builds contain it (a bit mask each).
    let mut by_group: BTreeMap<&str, (u64, HashMap<u64, u64>)> = BTreeMap::new();
    for s in samples {
        let bit = 1u64 << arch_ix[report_arch(s)].min(63);
        let e = by_group.entry(group_of(s)).or_default();
        e.0 |= bit;
        for (j, _) in global_features(s, specs) {
            *e.1.entry(j).or_default() |= bit;
        }
    }
    let mut both: HashMap<u64, u32> = HashMap::new();
    let mut any: HashMap<u64, u32> = HashMap::new();
    for (have, feats) in by_group.values() {
        if *have != full {
            continue; // a package not built for every training architecture says nothing
        }
        for (&j, &m) in feats {
            *any.entry(j).or_default() += 1;
            if m == full {
                *both.entry(j).or_default() += 1;
            }
        }
    }
    Some(
        any.into_iter()
            .filter(|(j, n)| f64::from(both.get(j).copied().unwrap_or(0)) >= min * f64::from(*n))
            .map(|(j, _)| j)
            .collect(),
    )
}

//! A gradient-boosted tree ensemble (the `gbdt` crate) on the most
//! class-discriminative features.
//!
//! Trees need dense rows, so the vocabulary is first cut to the `k`
//! features whose (weighted) document frequency differs most between the
//! classes in the training set. `gbdt` takes per-sample weights, so the
//! per-package weighting carries over; with both sampling ratios at 1 its
//! training is deterministic.

use crate::Error;
use gbdt::config::Config;
use gbdt::decision_tree::{Data, DataVec};
use gbdt::gradient_boost::GBDT;
use serde::{Deserialize, Serialize};

/// Options for the tree ensemble.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TreeOptions {
    /// Features kept (dense columns).
    pub k: usize,
    /// Boosting rounds.
    pub iterations: usize,
    /// Depth of each tree.
    pub max_depth: u32,
    /// Learning rate.
    pub shrinkage: f32,
    /// Smallest leaf.
    pub min_leaf: usize,
}

impl Default for TreeOptions {
    fn default() -> TreeOptions {
        TreeOptions {
            k: 512,
            iterations: 60,
            max_depth: 4,
            shrinkage: 0.1,
            min_leaf: 3,
        }
    }
}

/// A trained ensemble and the vocabulary positions its columns come from.
#[derive(Serialize, Deserialize)]
pub struct Trees {
    /// Column `c` is vocabulary position `columns[c]`.
    pub columns: Vec<u32>,
    /// Selection score of each column (difference of class frequencies).
    pub column_scores: Vec<f32>,
    /// The ensemble.
    pub gbdt: GBDT,
}

impl std::fmt::Debug for Trees {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trees")
            .field("columns", &self.columns.len())
            .finish_non_exhaustive()
    }
}

impl Clone for Trees {
    fn clone(&self) -> Trees {
        // GBDT is not Clone; a serde round trip is exact.
        let v = serde_json::to_value(&self.gbdt).unwrap_or_default();
        Trees {
            columns: self.columns.clone(),
            column_scores: self.column_scores.clone(),
            gbdt: serde_json::from_value(v).unwrap_or_else(|_| GBDT::new(&Config::new())),
        }
    }
}

fn dense(row: &[(u32, f32)], columns: &[u32]) -> Vec<f32> {
    // Both sorted: merge.
    let mut out = vec![0.0; columns.len()];
    let (mut i, mut c) = (0, 0);
    while i < row.len() && c < columns.len() {
        match row[i].0.cmp(&columns[c]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => c += 1,
            std::cmp::Ordering::Equal => {
                out[c] = row[i].1;
                i += 1;
                c += 1;
            }
        }
    }
    out
}

impl Trees {
    /// Selects columns and trains the ensemble.
    pub fn train(
        x: &[Vec<(u32, f32)>],
        y: &[bool],
        sw: &[f64],
        dim: usize,
        opts: &TreeOptions,
    ) -> Result<Trees, Error> {
        crate::need_both_classes(x.len(), y)?;
        // Weighted document frequency per class.
        let mut dfp = vec![0.0f64; dim];
        let mut dfn = vec![0.0f64; dim];
        let (mut tp, mut tn) = (0.0, 0.0);
        for ((row, &yy), &s) in x.iter().zip(y).zip(sw) {
            let (df, t) = if yy {
                (&mut dfp, &mut tp)
            } else {
                (&mut dfn, &mut tn)
            };
            *t += s;
            for &(j, _) in row {
                if let Some(d) = df.get_mut(j as usize) {
                    *d += s;
                }
            }
        }
        let mut scored: Vec<(u32, f64)> = (0..dim)
            .filter_map(|j| {
                let s = dfp[j] / tp.max(1e-12) - dfn[j] / tn.max(1e-12);
                u32::try_from(j).ok().map(|j| (j, s))
            })
            .collect();
        scored.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
        scored.truncate(opts.k.max(1));
        scored.sort_unstable_by_key(|&(j, _)| j);
        let columns: Vec<u32> = scored.iter().map(|&(j, _)| j).collect();
        #[allow(clippy::cast_possible_truncation)] // a difference of two frequencies
        let column_scores = scored.iter().map(|&(_, s)| s as f32).collect();

        let mut cfg = Config::new();
        cfg.set_feature_size(columns.len());
        cfg.set_max_depth(opts.max_depth);
        cfg.set_iterations(opts.iterations);
        cfg.set_shrinkage(opts.shrinkage);
        cfg.set_loss("LogLikelyhood");
        cfg.set_min_leaf_size(opts.min_leaf);
        cfg.set_data_sample_ratio(1.0);
        cfg.set_feature_sample_ratio(1.0);
        cfg.set_training_optimization_level(2);
        let mean_w = sw.iter().sum::<f64>() / crate::data::count_f64(sw.len());
        let mut data: DataVec = x
            .iter()
            .zip(y)
            .zip(sw)
            .map(|((row, &yy), &s)| {
                #[allow(clippy::cast_possible_truncation)] // weights near 1
                let w = (s / mean_w) as f32;
                Data::new_training_data(dense(row, &columns), w, if yy { 1.0 } else { -1.0 }, None)
            })
            .collect();
        let mut gbdt = GBDT::new(&cfg);
        gbdt.fit(&mut data);
        Ok(Trees {
            columns,
            column_scores,
            gbdt,
        })
    }

    /// Scores in 0..1 for several rows at once.
    pub fn scores(&self, rows: &[Vec<(u32, f32)>]) -> Vec<f64> {
        if rows.is_empty() {
            return Vec::new();
        }
        let data: DataVec = rows
            .iter()
            .map(|r| Data::new_test_data(dense(r, &self.columns), None))
            .collect();
        self.gbdt
            .predict(&data)
            .into_iter()
            .map(f64::from)
            .collect()
    }

    /// The kept columns present in `row`, most class-discriminative first
    /// (tree ensembles have no exact per-feature contribution).
    pub fn contributions(&self, row: &[(u32, f32)]) -> Vec<(u32, f64)> {
        let d = dense(row, &self.columns);
        let mut c: Vec<(u32, f64)> = d
            .iter()
            .zip(&self.columns)
            .zip(&self.column_scores)
            .filter(|((v, _), _)| **v != 0.0)
            .map(|((_, &j), &s)| (j, f64::from(s)))
            .collect();
        c.sort_by(|a, b| b.1.total_cmp(&a.1));
        c
    }
}

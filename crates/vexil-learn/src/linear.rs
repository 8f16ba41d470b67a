//! Weighted, regularized logistic regression on sparse vectors.
//!
//! The loss and its gradient are written here (a dozen lines over sparse
//! rows); the solver is argmin's L-BFGS (OWL-QN when an L1 penalty is set).
//! Why not a ready-made classifier: linfa-logistic and smartcore take dense
//! matrices only (2^20 hashed columns do not fit) and neither takes sample
//! weights, which per-package weighting needs; the liblinear bindings on
//! crates.io were last released in 2019 (on the deprecated `failure` crate)
//! and take no instance weights either. argmin costs 14 s of one core to
//! build, linfa-logistic 64 s.

use crate::Error;
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use serde::{Deserialize, Serialize};

/// A trained linear model: `score = sigmoid(w . x + bias)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Linear {
    /// Intercept.
    pub bias: f64,
    /// One weight per vocabulary position.
    pub w: Vec<f32>,
}

/// Training options.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearOptions {
    /// L2 penalty (times half the squared norm), relative to the mean loss.
    pub l2: f64,
    /// L1 penalty (OWL-QN); 0 for none. Makes the model sparse (and small).
    pub l1: f64,
    /// Most L-BFGS iterations.
    pub max_iters: u64,
}

impl Default for LinearOptions {
    fn default() -> LinearOptions {
        LinearOptions {
            l2: 1e-4,
            l1: 1e-4,
            max_iters: 300,
        }
    }
}

struct Problem<'a> {
    x: &'a [Vec<(u32, f32)>],
    y: &'a [f64],
    sw: &'a [f64],
    sw_total: f64,
    l2: f64,
}

fn dot(row: &[(u32, f32)], p: &[f64]) -> f64 {
    row.iter().map(|&(j, v)| p[j as usize] * f64::from(v)).sum()
}

/// `ln(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 30.0 { z } else { z.exp().ln_1p() }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Problem<'_> {
    fn dim(&self, p: &[f64]) -> usize {
        p.len() - 1
    }
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let d = self.dim(p);
        let b = p[d];
        let mut loss = 0.0;
        for ((row, &y), &s) in self.x.iter().zip(self.y).zip(self.sw) {
            let z = dot(row, p) + b;
            // y in {-1, +1}: loss = ln(1 + e^{-y z})
            loss += s * softplus(-y * z);
        }
        let reg: f64 = p[..d].iter().map(|w| w * w).sum::<f64>() * 0.5 * self.l2;
        Ok(loss / self.sw_total + reg)
    }
}

impl Gradient for Problem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        let d = self.dim(p);
        let b = p[d];
        let mut g = vec![0.0; p.len()];
        for ((row, &y), &s) in self.x.iter().zip(self.y).zip(self.sw) {
            let z = dot(row, p) + b;
            // d/dz ln(1 + e^{-y z}) = -y sigmoid(-y z)
            let c = -y * sigmoid(-y * z) * s / self.sw_total;
            for &(j, v) in row {
                g[j as usize] += c * f64::from(v);
            }
            g[d] += c;
        }
        for (gj, wj) in g[..d].iter_mut().zip(&p[..d]) {
            *gj += self.l2 * wj;
        }
        Ok(g)
    }
}

impl Linear {
    /// Trains on rows `x` (vocabulary positions below `dim`), labels `y`
    /// (true = positive) and sample weights `sw`. Deterministic.
    pub fn train(
        x: &[Vec<(u32, f32)>],
        y: &[bool],
        sw: &[f64],
        dim: usize,
        opts: &LinearOptions,
    ) -> Result<Linear, Error> {
        if x.is_empty() || !y.iter().any(|&v| v) || y.iter().all(|&v| v) {
            return Err(Error::Train(
                "training needs samples of both classes".into(),
            ));
        }
        let ys: Vec<f64> = y.iter().map(|&v| if v { 1.0 } else { -1.0 }).collect();
        let problem = Problem {
            x,
            y: &ys,
            sw,
            sw_total: sw.iter().sum::<f64>().max(f64::MIN_POSITIVE),
            l2: opts.l2,
        };
        let ls = MoreThuenteLineSearch::new();
        let mut solver = LBFGS::new(ls, 10)
            .with_tolerance_grad(1e-7)
            .map_err(|e| Error::Train(e.to_string()))?
            .with_tolerance_cost(1e-10)
            .map_err(|e| Error::Train(e.to_string()))?;
        if opts.l1 > 0.0 {
            solver = solver
                .with_l1_regularization(opts.l1)
                .map_err(|e| Error::Train(e.to_string()))?;
        }
        let init = vec![0.0; dim + 1];
        let res = Executor::new(problem, solver)
            .configure(|st| st.param(init).max_iters(opts.max_iters))
            .run()
            .map_err(|e| Error::Train(e.to_string()))?;
        let state = res.state();
        let p = state
            .get_best_param()
            .or_else(|| state.get_param())
            .ok_or_else(|| Error::Train("solver returned no parameters".into()))?;
        #[allow(clippy::cast_possible_truncation)] // weights are stored as f32
        let w = p[..dim].iter().map(|&v| v as f32).collect();
        Ok(Linear { bias: p[dim], w })
    }

    /// The raw margin `w . x + bias`.
    pub fn margin(&self, row: &[(u32, f32)]) -> f64 {
        self.bias
            + row
                .iter()
                .filter_map(|&(j, v)| self.w.get(j as usize).map(|w| f64::from(*w) * f64::from(v)))
                .sum::<f64>()
    }

    /// The score in 0..1.
    pub fn score(&self, row: &[(u32, f32)]) -> f64 {
        sigmoid(self.margin(row))
    }

    /// Per-feature contributions `w_j x_j`, largest first.
    pub fn contributions(&self, row: &[(u32, f32)]) -> Vec<(u32, f64)> {
        let mut c: Vec<(u32, f64)> = row
            .iter()
            .filter_map(|&(j, v)| {
                self.w
                    .get(j as usize)
                    .map(|w| (j, f64::from(*w) * f64::from(v)))
            })
            .filter(|&(_, c)| c != 0.0)
            .collect();
        c.sort_by(|a, b| b.1.total_cmp(&a.1));
        c
    }

    /// Number of non-zero weights.
    pub fn nnz(&self) -> usize {
        self.w.iter().filter(|&&w| w != 0.0).count()
    }
}

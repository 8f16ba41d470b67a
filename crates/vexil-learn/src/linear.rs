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
    /// Score by the balance of evidence instead of the logistic of the
    /// margin (see [`LinearOptions::ratio_score`]).
    #[serde(default)]
    pub ratio_score: bool,
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
    /// Weight of the cross-architecture consistency penalty: the mean of
    /// `(w . (x_a - x_b))^2` over pairs of builds of the same file for two
    /// architectures. It pushes the weight off features that tell one
    /// build of a program from another (instruction-set artifacts), so a
    /// program scores alike on every architecture. 0 disables.
    #[serde(default)]
    pub consistency: f64,
    /// Score a sample by the share of its evidence that points to the
    /// positive class, `s+ / (s+ + s-)` with `s+` the sum of its positive
    /// contributions `w_j x_j` and `s-` the magnitude of the negative ones,
    /// instead of `sigmoid(w . x + bias)`. The intercept drops out: when a
    /// binary of an unseen architecture matches less of the vocabulary,
    /// both sums shrink together and the share (and so the threshold) stays
    /// put, where the logistic score slides toward the intercept.
    #[serde(default)]
    pub ratio_score: bool,
}

impl Default for LinearOptions {
    fn default() -> LinearOptions {
        LinearOptions {
            l2: 1e-4,
            l1: 1e-4,
            max_iters: 120,
            consistency: 0.0,
            ratio_score: false,
        }
    }
}

/// Parameters with their cost and gradient.
type Evaluated = (Vec<f64>, f64, Vec<f64>);

struct Problem<'a> {
    x: &'a [Vec<(u32, f32)>],
    y: &'a [f64],
    sw: &'a [f64],
    sw_total: f64,
    l2: f64,
    /// The last (parameters, cost, gradient): the line search asks for the
    /// cost and then the gradient at the same point, and one pass over the
    /// data computes both.
    cache: std::sync::Mutex<Option<Evaluated>>,
    /// Cross-architecture pairs (differences of rows) and their weight.
    pairs: &'a [Vec<(u32, f32)>],
    consistency: f64,
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

impl Problem<'_> {
    /// Cost and gradient in one pass over the data.
    fn eval(&self, p: &[f64]) -> (f64, Vec<f64>) {
        if let Ok(c) = self.cache.lock() {
            if let Some((cp, cost, grad)) = c.as_ref() {
                if cp.as_slice() == p {
                    return (*cost, grad.clone());
                }
            }
        }
        let d = self.dim(p);
        let b = p[d];
        let mut loss = 0.0;
        let mut g = vec![0.0; p.len()];
        for ((row, &y), &s) in self.x.iter().zip(self.y).zip(self.sw) {
            let z = dot(row, p) + b;
            // y in {-1, +1}: loss = ln(1 + e^{-y z}); d/dz = -y sigmoid(-y z)
            loss += s * softplus(-y * z);
            let c = -y * sigmoid(-y * z) * s / self.sw_total;
            for &(j, v) in row {
                g[j as usize] += c * f64::from(v);
            }
            g[d] += c;
        }
        if self.consistency > 0.0 && !self.pairs.is_empty() {
            let scale = self.consistency / crate::data::count_f64(self.pairs.len());
            for diff in self.pairs {
                let m = dot(diff, p);
                loss += self.sw_total * scale * m * m;
                let c = 2.0 * scale * m;
                for &(j, v) in diff {
                    g[j as usize] += c * f64::from(v);
                }
            }
        }
        let mut reg = 0.0;
        for (gj, wj) in g[..d].iter_mut().zip(&p[..d]) {
            *gj += self.l2 * wj;
            reg += wj * wj;
        }
        let cost = loss / self.sw_total + 0.5 * self.l2 * reg;
        if let Ok(mut c) = self.cache.lock() {
            *c = Some((p.to_vec(), cost, g.clone()));
        }
        (cost, g)
    }
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        Ok(self.eval(p).0)
    }
}

impl Gradient for Problem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        Ok(self.eval(p).1)
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
        Linear::train_paired(x, y, sw, &[], dim, opts)
    }

    /// Like [`Linear::train`], with cross-architecture pairs: indices of
    /// two rows that are builds of the same file for different
    /// architectures (see [`LinearOptions::consistency`]).
    pub fn train_paired(
        x: &[Vec<(u32, f32)>],
        y: &[bool],
        sw: &[f64],
        pairs: &[(usize, usize)],
        dim: usize,
        opts: &LinearOptions,
    ) -> Result<Linear, Error> {
        crate::need_both_classes(x.len(), y)?;
        let ys: Vec<f64> = y.iter().map(|&v| if v { 1.0 } else { -1.0 }).collect();
        let diffs: Vec<Vec<(u32, f32)>> = pairs
            .iter()
            .filter_map(|&(a, b)| Some(sparse_diff(x.get(a)?, x.get(b)?)))
            .collect();
        let problem = Problem {
            x,
            y: &ys,
            sw,
            sw_total: sw.iter().sum::<f64>().max(f64::MIN_POSITIVE),
            l2: opts.l2,
            cache: std::sync::Mutex::new(None),
            pairs: &diffs,
            consistency: opts.consistency,
        };
        let ls = MoreThuenteLineSearch::new();
        let mut solver = LBFGS::new(ls, 10)
            .with_tolerance_grad(1e-7)
            .map_err(|e| Error::Train(e.to_string()))?
            .with_tolerance_cost(1e-7)
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
        Ok(Linear {
            bias: p[dim],
            w,
            ratio_score: opts.ratio_score,
        })
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
        if !self.ratio_score {
            return sigmoid(self.margin(row));
        }
        let (mut pos, mut neg) = (0.0, 0.0);
        for &(j, v) in row {
            if let Some(w) = self.w.get(j as usize) {
                let c = f64::from(*w) * f64::from(v);
                if c > 0.0 {
                    pos += c;
                } else {
                    neg -= c;
                }
            }
        }
        if pos + neg > 0.0 {
            pos / (pos + neg)
        } else {
            0.5
        }
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

/// `a - b` of two sorted sparse rows.
fn sparse_diff(a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<(u32, f32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut k) = (0, 0);
    while i < a.len() || k < b.len() {
        match (a.get(i), b.get(k)) {
            (Some(&(ja, va)), Some(&(jb, vb))) if ja == jb => {
                if va != vb {
                    out.push((ja, va - vb));
                }
                i += 1;
                k += 1;
            }
            (Some(&(ja, va)), Some(&(jb, _))) if ja < jb => {
                out.push((ja, va));
                i += 1;
            }
            (Some(&(ja, va)), None) => {
                out.push((ja, va));
                i += 1;
            }
            (_, Some(&(jb, vb))) => {
                out.push((jb, -vb));
                k += 1;
            }
            (None, None) => break,
        }
    }
    out
}

//! Binary classification metrics.

use serde::{Deserialize, Serialize};

/// Metrics of one set of predictions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Samples.
    pub n: usize,
    /// Positive samples.
    pub positives: usize,
    /// Correct / all.
    pub accuracy: f64,
    /// TP / (TP + FP).
    pub precision: f64,
    /// TP / (TP + FN).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// FP / (FP + TN).
    pub fpr: f64,
    /// Area under the ROC curve (ties count one half).
    pub roc_auc: f64,
    /// `[[TN, FP], [FN, TP]]`.
    pub confusion: [[usize; 2]; 2],
    /// Accuracy with each (package, architecture) weighing the same.
    pub package_weighted_accuracy: f64,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        crate::data::count_f64(a) / crate::data::count_f64(b)
    }
}

/// Computes metrics from scores, true labels, the decision threshold and
/// per-sample weights (for the package-weighted accuracy only).
pub fn metrics(scores: &[f64], y: &[bool], threshold: f64, weights: &[f64]) -> Metrics {
    let mut c = [[0usize; 2]; 2];
    let (mut wc, mut wt) = (0.0, 0.0);
    for ((&s, &t), &w) in scores.iter().zip(y).zip(weights) {
        let p = s >= threshold;
        c[usize::from(t)][usize::from(p)] += 1;
        wt += w;
        if p == t {
            wc += w;
        }
    }
    let (tn, fp, fn_, tp) = (c[0][0], c[0][1], c[1][0], c[1][1]);
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Metrics {
        n: scores.len(),
        positives: tp + fn_,
        accuracy: ratio(tp + tn, scores.len()),
        precision,
        recall,
        f1,
        fpr: ratio(fp, fp + tn),
        roc_auc: roc_auc(scores, y),
        confusion: c,
        package_weighted_accuracy: if wt > 0.0 { wc / wt } else { 0.0 },
    }
}

/// ROC AUC by the rank statistic (Mann-Whitney U), ties counted one half.
/// 0.5 when one class is missing.
pub fn roc_auc(scores: &[f64], y: &[bool]) -> f64 {
    let mut v: Vec<(f64, bool)> = scores.iter().copied().zip(y.iter().copied()).collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let npos = v.iter().filter(|x| x.1).count();
    let nneg = v.len() - npos;
    if npos == 0 || nneg == 0 {
        return 0.5;
    }
    // Sum of positive ranks, with average ranks for ties.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1].0 == v[i].0 {
            j += 1;
        }
        let avg = crate::data::count_f64(i + j + 2) / 2.0; // ranks are 1-based
        rank_sum += avg * crate::data::count_f64(v[i..=j].iter().filter(|x| x.1).count());
        i = j + 1;
    }
    let (p, n) = (crate::data::count_f64(npos), crate::data::count_f64(nneg));
    (rank_sum - p * (p + 1.0) / 2.0) / (p * n)
}

/// The ROC curve as `(fpr, tpr)` points, from (0,0) to (1,1).
pub fn roc_curve(scores: &[f64], y: &[bool]) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, bool)> = scores.iter().copied().zip(y.iter().copied()).collect();
    v.sort_by(|a, b| b.0.total_cmp(&a.0));
    let npos = v.iter().filter(|x| x.1).count().max(1);
    let nneg = v.iter().filter(|x| !x.1).count().max(1);
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut out = vec![(0.0, 0.0)];
    let mut i = 0;
    while i < v.len() {
        let s = v[i].0;
        while i < v.len() && v[i].0 == s {
            if v[i].1 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        out.push((ratio(fp, nneg), ratio(tp, npos)));
    }
    out
}

/// The threshold that maximizes the weighted balanced accuracy
/// (`1 - (FPR + FNR) / 2`, each rate weighted by the sample weights) on the
/// given scores: the midpoint of the best interval between distinct scores.
pub fn best_threshold(scores: &[f64], y: &[bool], w: &[f64]) -> f64 {
    let mut v: Vec<(f64, bool, f64)> = scores
        .iter()
        .zip(y)
        .zip(w)
        .map(|((&s, &t), &w)| (s, t, w))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let wp: f64 = v.iter().filter(|x| x.1).map(|x| x.2).sum();
    let wn: f64 = v.iter().filter(|x| !x.1).map(|x| x.2).sum();
    if wp <= 0.0 || wn <= 0.0 || v.is_empty() {
        return 0.5;
    }
    // Threshold below everything: all predicted positive.
    let (mut fn_w, mut tn_w) = (0.0, 0.0);
    let mut best = (0.5, v[0].0 - 1e-9); // TPR 1, TNR 0
    let mut i = 0;
    while i < v.len() {
        let s = v[i].0;
        while i < v.len() && v[i].0 == s {
            if v[i].1 {
                fn_w += v[i].2;
            } else {
                tn_w += v[i].2;
            }
            i += 1;
        }
        // Threshold just above s.
        let bal = 0.5 * (1.0 - fn_w / wp) + 0.5 * (tn_w / wn);
        let next = v.get(i).map_or(s + 1e-9, |x| x.0);
        if bal > best.0 + 1e-12 {
            best = (bal, 0.5 * (s + next));
        }
    }
    best.1
}

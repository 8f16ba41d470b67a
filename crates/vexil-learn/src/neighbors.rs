//! Nearest neighbours: a binary is judged by the training binaries it is
//! most similar to.
//!
//! Similarity is the cosine of the transformed vectors (the transform
//! normalizes them to unit length, so it is a dot product). The score
//! compares the best match of each class: with `s+` the mean similarity of
//! the `k` most similar positive training binaries and `s-` that of the
//! negative ones, `score = (1 + s+ - s-) / 2`, so 0.5 is the boundary
//! between the classes and `k = 1` decides like one nearest neighbour.
//!
//! Why this classifier: trained on x86 and applied to MIPS, a linear model's
//! scores slide with the architecture (the MIPS builds match less of its
//! vocabulary, and its decision threshold was fitted on x86), while the
//! question "which known program does this look most like" keeps its
//! answer across the architecture step once the features are neutral: it
//! needs no threshold fitted on the training architecture. Its limit is the
//! same as its strength: it recognizes programs like the ones it has seen,
//! and does not generalize to unseen ones as well as a linear model (see
//! the package-disjoint split of the evaluation).
//!
//! Training rows are stored in the model packed: indices as variable-length
//! deltas and values quantized to a byte against each row's largest value,
//! base64 text in the JSON file.

use crate::Error;
use serde::{Deserialize, Serialize};

/// Options of the neighbour classifier.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeighborOptions {
    /// Neighbours per class that the score averages.
    pub k: usize,
}

impl Default for NeighborOptions {
    fn default() -> NeighborOptions {
        NeighborOptions { k: 1 }
    }
}

/// A trained neighbour classifier: the training rows and their labels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Neighbors {
    /// Neighbours per class averaged by the score.
    pub k: usize,
    /// Vocabulary size (the length of a dense row).
    pub dim: usize,
    /// Training rows (vocabulary positions, unit length).
    #[serde(with = "packed")]
    pub rows: Vec<Vec<(u32, f32)>>,
    /// Whether each training row is positive.
    pub positive: Vec<bool>,
    /// A readable name of each training row (`package/file (arch)`).
    pub names: Vec<String>,
}

/// What the nearest training rows of one query are.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// Score in 0..1.
    pub score: f64,
    /// Nearest positive and negative rows with their similarity.
    pub nearest_pos: Option<(usize, f64)>,
    /// Nearest negative row.
    pub nearest_neg: Option<(usize, f64)>,
}

fn unit(row: &[(u32, f32)]) -> Vec<(u32, f32)> {
    let norm = row
        .iter()
        .map(|&(_, v)| f64::from(v) * f64::from(v))
        .sum::<f64>()
        .sqrt();
    if norm <= 0.0 {
        return row.to_vec();
    }
    #[allow(clippy::cast_possible_truncation)] // a unit-length component
    row.iter()
        .map(|&(j, v)| (j, (f64::from(v) / norm) as f32))
        .collect()
}

impl Neighbors {
    /// Keeps the training rows (normalized to unit length) and labels.
    pub fn train(
        x: &[Vec<(u32, f32)>],
        y: &[bool],
        names: Vec<String>,
        dim: usize,
        opts: &NeighborOptions,
    ) -> Result<Neighbors, Error> {
        crate::need_both_classes(x.len(), y)?;
        Ok(Neighbors {
            k: opts.k.max(1),
            dim,
            rows: x.iter().map(|r| unit(r)).collect(),
            positive: y.to_vec(),
            names,
        })
    }

    fn dense(&self, row: &[(u32, f32)]) -> Vec<f32> {
        let mut d = vec![0.0f32; self.dim];
        for (j, v) in unit(row) {
            if let Some(slot) = d.get_mut(j as usize) {
                *slot = v;
            }
        }
        d
    }

    fn similarity(dense: &[f32], row: &[(u32, f32)]) -> f64 {
        row.iter()
            .map(|&(j, v)| f64::from(dense.get(j as usize).copied().unwrap_or(0.0)) * f64::from(v))
            .sum()
    }

    /// The score and nearest rows of one query row.
    pub fn best(&self, row: &[(u32, f32)]) -> Match {
        self.best_dense(&self.dense(row))
    }

    /// [`Neighbors::best`] of a query already made dense.
    fn best_dense(&self, q: &[f32]) -> Match {
        let k = self.k.max(1);
        let mut pos: Vec<(f64, usize)> = Vec::new();
        let mut neg: Vec<(f64, usize)> = Vec::new();
        for (i, (r, &p)) in self.rows.iter().zip(&self.positive).enumerate() {
            let s = Self::similarity(q, r);
            let list = if p { &mut pos } else { &mut neg };
            // Keep the k best, best first.
            let at = list.partition_point(|&(t, _)| t >= s);
            if at < k {
                list.insert(at, (s, i));
                list.truncate(k);
            }
        }
        let mean = |l: &[(f64, usize)]| {
            if l.is_empty() {
                0.0
            } else {
                l.iter().map(|&(s, _)| s).sum::<f64>() / crate::data::count_f64(l.len())
            }
        };
        Match {
            score: ((1.0 + mean(&pos) - mean(&neg)) / 2.0).clamp(0.0, 1.0),
            nearest_pos: pos.first().map(|&(s, i)| (i, s)),
            nearest_neg: neg.first().map(|&(s, i)| (i, s)),
        }
    }

    /// Scores of many rows.
    pub fn scores(&self, rows: &[Vec<(u32, f32)>]) -> Vec<f64> {
        rows.iter().map(|r| self.best(r).score).collect()
    }

    /// Per-feature contributions to `s+ - s-` for the nearest neighbours:
    /// `x_j * (p_j - n_j)` with `p` the nearest positive and `n` the nearest
    /// negative training row, largest first. Positive contributions are the
    /// features the query shares with the nearest positive row more than
    /// with the nearest negative one.
    pub fn contributions(&self, row: &[(u32, f32)]) -> Vec<(u32, f64)> {
        let qd = self.dense(row);
        let m = self.best_dense(&qd);
        let mut c: std::collections::BTreeMap<u32, f64> = std::collections::BTreeMap::new();
        for (near, sign) in [(m.nearest_pos, 1.0), (m.nearest_neg, -1.0)] {
            let Some((i, _)) = near else { continue };
            for &(j, v) in &self.rows[i] {
                let x = f64::from(qd.get(j as usize).copied().unwrap_or(0.0));
                if x != 0.0 {
                    *c.entry(j).or_default() += sign * x * f64::from(v);
                }
            }
        }
        let mut out: Vec<(u32, f64)> = c.into_iter().filter(|&(_, v)| v != 0.0).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }
}

/// Packing of training rows into text (see the module documentation).
mod packed {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    #[derive(Serialize, Deserialize)]
    struct Row {
        /// The row's largest value (the byte 255).
        scale: f32,
        /// Base64 of (varint index delta, value byte) pairs.
        data: String,
    }

    fn b64(bytes: &[u8]) -> String {
        let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for k in 0..4 {
                if k <= chunk.len() {
                    s.push(char::from(B64[((n >> (18 - 6 * k)) & 63) as usize]));
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    fn unb64(s: &str) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(s.len() / 4 * 3);
        let val = |c: u8| {
            B64.iter()
                .position(|&x| x == c)
                .and_then(|p| u32::try_from(p).ok())
        };
        for chunk in s.as_bytes().chunks(4) {
            if chunk.len() != 4 {
                return None;
            }
            let pad = chunk.iter().filter(|&&c| c == b'=').count();
            let mut n = 0u32;
            for &c in chunk {
                n = (n << 6) | if c == b'=' { 0 } else { val(c)? };
            }
            let bytes = n.to_be_bytes();
            out.extend_from_slice(&bytes[1..4 - pad]);
        }
        Some(out)
    }

    fn pack(row: &[(u32, f32)]) -> Row {
        let scale = row.iter().map(|&(_, v)| v.abs()).fold(0.0f32, f32::max);
        let mut bytes = Vec::with_capacity(row.len() * 2);
        let mut prev = 0u32;
        for &(j, v) in row {
            let mut d = j.wrapping_sub(prev);
            prev = j;
            loop {
                #[allow(clippy::cast_possible_truncation)] // seven bits
                let b = (d & 0x7f) as u8;
                d >>= 7;
                if d == 0 {
                    bytes.push(b);
                    break;
                }
                bytes.push(b | 0x80);
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0..=255
            let q = if scale > 0.0 {
                (v.abs() / scale * 255.0).round().clamp(1.0, 255.0) as u8
            } else {
                0
            };
            bytes.push(q);
        }
        Row {
            scale,
            data: b64(&bytes),
        }
    }

    fn unpack(r: &Row) -> Option<Vec<(u32, f32)>> {
        let bytes = unb64(&r.data)?;
        let mut out = Vec::new();
        let mut i = 0;
        let mut prev = 0u32;
        while i < bytes.len() {
            let mut d = 0u32;
            let mut shift = 0;
            loop {
                let b = *bytes.get(i)?;
                i += 1;
                d |= u32::from(b & 0x7f).checked_shl(shift)?;
                if b & 0x80 == 0 {
                    break;
                }
                shift += 7;
            }
            prev = prev.wrapping_add(d);
            let q = *bytes.get(i)?;
            i += 1;
            out.push((prev, f32::from(q) / 255.0 * r.scale));
        }
        Some(out)
    }

    pub fn serialize<S: Serializer>(rows: &[Vec<(u32, f32)>], s: S) -> Result<S::Ok, S::Error> {
        let packed: Vec<Row> = rows.iter().map(|r| pack(r)).collect();
        packed.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<(u32, f32)>>, D::Error> {
        let packed: Vec<Row> = Vec::deserialize(d)?;
        packed
            .iter()
            .map(|r| {
                unpack(r)
                    .map(|row| super::unit(&row))
                    .ok_or_else(|| serde::de::Error::custom("malformed packed neighbour row"))
            })
            .collect()
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn base64_round_trips_every_length() {
            for n in 0..40u8 {
                let v: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37).wrapping_add(n)).collect();
                assert_eq!(super::unb64(&super::b64(&v)).as_deref(), Some(&v[..]));
            }
        }

        #[test]
        fn rows_round_trip_within_quantization() {
            let row = vec![
                (0u32, 0.5f32),
                (3, 0.25),
                (200, 1.0),
                (70000, 0.01),
                (70001, 0.75),
            ];
            let back = super::unpack(&super::pack(&row)).unwrap_or_default();
            assert_eq!(back.len(), row.len());
            for ((j, v), (j2, v2)) in row.iter().zip(&back) {
                assert_eq!(j, j2);
                assert!((v - v2).abs() <= 1.0 / 255.0 + 1e-6, "{v} vs {v2}");
            }
        }

        #[test]
        fn malformed_rows_are_errors_not_panics() {
            let bad = super::Row {
                scale: 1.0,
                data: "gICAgICA".into(), // varint bytes that never end
            };
            assert!(super::unpack(&bad).is_none());
            let bad = super::Row {
                scale: 1.0,
                data: "abc".into(),
            };
            assert!(super::unpack(&bad).is_none());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{NeighborOptions, Neighbors};

    fn model(k: usize) -> Neighbors {
        // Two positives near axis 0, two negatives near axis 1.
        let x = vec![
            vec![(0, 1.0), (2, 0.1)],
            vec![(0, 0.9), (1, 0.2)],
            vec![(1, 1.0), (2, 0.2)],
            vec![(1, 0.8), (3, 0.3)],
        ];
        let y = [true, true, false, false];
        let names = (0..4).map(|i| format!("row{i}")).collect();
        Neighbors::train(&x, &y, names, 4, &NeighborOptions { k }).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_nearer_class_wins_and_half_is_the_boundary() {
        let m = model(1);
        let near_pos = m.best(&[(0, 2.0), (2, 0.1)]);
        assert!(near_pos.score > 0.5, "{near_pos:?}");
        assert_eq!(near_pos.nearest_pos.map(|p| p.0), Some(0));
        let near_neg = m.best(&[(1, 1.0), (3, 0.4)]);
        assert!(near_neg.score < 0.5, "{near_neg:?}");
        assert_eq!(near_neg.nearest_neg.map(|p| p.0), Some(3));
        // Equally far from both classes: exactly the boundary.
        let tie = m.best(&[(2, 1.0)]);
        let a = tie.nearest_pos.map_or(0.0, |p| p.1);
        let b = tie.nearest_neg.map_or(0.0, |p| p.1);
        assert!(((tie.score - 0.5) - (a - b) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn contributions_add_up_to_the_difference_of_the_nearest_matches() {
        let m = model(1);
        let q = [(0u32, 0.7f32), (1, 0.5), (2, 0.3)];
        let best = m.best(&q);
        let sum: f64 = m.contributions(&q).iter().map(|&(_, c)| c).sum();
        assert!(
            ((best.score * 2.0 - 1.0) - sum).abs() < 1e-6,
            "{sum} vs {best:?}"
        );
    }

    #[test]
    fn a_packed_model_scores_like_the_original() {
        let m = model(2);
        let text = serde_json::to_string(&m).unwrap_or_default();
        let back: Neighbors = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        for q in [[(0u32, 1.0f32), (3, 0.2)], [(1, 0.3), (2, 0.9)]] {
            assert!((m.best(&q).score - back.best(&q).score).abs() < 0.01);
        }
    }

    #[test]
    fn one_class_is_refused() {
        let x = vec![vec![(0, 1.0)], vec![(1, 1.0)]];
        assert!(
            Neighbors::train(&x, &[true, true], vec![], 2, &NeighborOptions::default()).is_err()
        );
    }
}

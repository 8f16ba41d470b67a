//! Feature specifications, sparse vectors and per-binary samples.
//!
//! A sample holds one sparse vector per *feature family*. The IR n-gram
//! family is the only one today; system-call sequences recorded by the
//! emulator are planned as a second family, which will sit beside it in the
//! same sample and model formats without changing the first. Learners see
//! the families concatenated, in the order the model's spec lists them.

use crate::scheme::Scheme;
use serde::{Deserialize, Serialize};

/// The name of the static IR n-gram family.
pub const IR_NGRAM: &str = "ir-ngram";

/// Everything that determines the IR n-gram vector of a binary. A model
/// records it, and `scan` refuses features made with a different one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Feature family name ([`IR_NGRAM`]).
    pub family: String,
    /// Token scheme.
    pub scheme: Scheme,
    /// Largest n (n-grams of 1..=n_max tokens).
    pub n_max: u8,
    /// The vector has `2^dim_bits` entries.
    pub dim_bits: u8,
    /// Count n-grams across fall-through edges.
    pub cross_fallthrough: bool,
    /// Optimization level applied to every lifted block.
    pub opt_level: u8,
}

impl Default for FeatureSpec {
    fn default() -> FeatureSpec {
        FeatureSpec {
            family: IR_NGRAM.to_string(),
            scheme: Scheme::NeutralV2,
            n_max: 4,
            dim_bits: 20,
            cross_fallthrough: true,
            opt_level: 2,
        }
    }
}

impl FeatureSpec {
    /// The default spec with another scheme.
    pub fn with_scheme(scheme: Scheme) -> FeatureSpec {
        FeatureSpec {
            scheme,
            ..FeatureSpec::default()
        }
    }

    /// Number of entries in the vector.
    pub fn dim(&self) -> u64 {
        1u64 << self.dim_bits.min(32)
    }

    /// A short label: `ir-ngram/neutral-v1/n1-4/2^20`.
    pub fn label(&self) -> String {
        format!(
            "{}/{}/n1-{}/2^{}{}/O{}",
            self.family,
            self.scheme,
            self.n_max,
            self.dim_bits,
            if self.cross_fallthrough { "/ft" } else { "" },
            self.opt_level
        )
    }
}

/// A sparse vector: sorted, distinct indices and their values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SparseVec {
    /// Number of entries.
    pub dim: u64,
    /// Indices of the non-zero entries, ascending.
    pub idx: Vec<u32>,
    /// Their values.
    pub val: Vec<f32>,
}

impl SparseVec {
    /// Number of non-zero entries.
    pub fn nnz(&self) -> usize {
        self.idx.len()
    }
    /// Iterates over `(index, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (u32, f32)> + '_ {
        self.idx.iter().copied().zip(self.val.iter().copied())
    }
    /// Sum of the values.
    pub fn sum(&self) -> f64 {
        self.val.iter().map(|&v| f64::from(v)).sum()
    }
}

/// One family's vector within a sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FamilyVec {
    /// The spec it was made with.
    pub spec: FeatureSpec,
    /// The vector (raw counts).
    pub vec: SparseVec,
}

/// What extraction measured about one binary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtractStats {
    /// Bytes of the file.
    pub file_bytes: u64,
    /// Bytes of guest code lifted.
    pub code_bytes: u64,
    /// Blocks lifted.
    pub blocks: u64,
    /// Guest instructions lifted.
    pub instructions: u64,
    /// Statement tokens produced.
    pub tokens: u64,
    /// Wall time for this binary, in microseconds.
    pub micros: u64,
    /// CPU time of the thread that extracted it, in microseconds (Linux;
    /// 0 where unknown): what speed is measured in, because wall time on a
    /// shared machine includes waiting for a core.
    #[serde(default)]
    pub cpu_micros: u64,
}

/// CPU time the calling thread has used, or `None` where the system cannot
/// tell (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`: exact to the
/// nanosecond, where `/proc/thread-self/schedstat` only advances at
/// scheduler ticks, 4 ms apart, and reads 0 s for a short run).
pub fn thread_cpu_time() -> Option<std::time::Duration> {
    cpu_time::ThreadTime::try_now()
        .ok()
        .map(|t| t.as_duration())
}

/// [`thread_cpu_time`] in microseconds.
pub fn thread_cpu_micros() -> Option<u64> {
    thread_cpu_time().map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// The features of one binary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Path as given.
    pub path: String,
    /// Architecture name (`x86_64`, `mips32`, ...).
    pub arch: String,
    /// Class label, if known (`attack`/`benign`, `malicious`/`benign`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Group the sample belongs to (a package), if known; used for
    /// per-group weighting and group-disjoint splits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The label file's architecture column, if it came from one (`mipsel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_arch: Option<String>,
    /// One vector per feature family.
    pub features: Vec<FamilyVec>,
    /// Extraction measurements.
    #[serde(default)]
    pub stats: ExtractStats,
}

impl Sample {
    /// The vector of the family with this spec, if present.
    pub fn family(&self, spec: &FeatureSpec) -> Option<&SparseVec> {
        self.features
            .iter()
            .find(|f| &f.spec == spec)
            .map(|f| &f.vec)
    }
}

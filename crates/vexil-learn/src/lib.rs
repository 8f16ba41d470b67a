//! `vexil-learn` trains and evaluates classifiers on vexil's feature
//! vectors: a weighted logistic regression on the sparse vectors and a
//! gradient-boosted tree ensemble on the most discriminative features, a
//! versioned model file that records the feature scheme, cross-architecture
//! evaluation with its reports and plots.
//!
//! The main design decision is where honesty is enforced: every choice a
//! model depends on (vocabulary, IDF, per-package weights, decision
//! threshold) is fitted on training samples only, the threshold by
//! cross-validation over training *packages*, and the evaluation's splits
//! are code ([`eval`]), not a convention of whoever runs it.

pub mod data;
pub mod eval;
pub mod linear;
pub mod metrics;
pub mod model;
pub mod neighbors;
pub mod plot;
pub mod transform;
pub mod trees;

pub use data::{LabelRow, is_positive, read_labels};
pub use eval::{EvalOptions, EvalReport, evaluate};
pub use model::{Classifier, Kind, Model, ThresholdRule, TrainOptions, Verdict};
pub use transform::{Transform, TransformOptions, Weighting};

use std::path::{Path, PathBuf};

/// The check every trainer makes first: there are `samples`, and their
/// labels `y` hold both classes.
pub(crate) fn need_both_classes(samples: usize, y: &[bool]) -> Result<(), Error> {
    if samples == 0 || !y.iter().any(|&v| v) || y.iter().all(|&v| v) {
        return Err(Error::Train(
            "training needs samples of both classes".into(),
        ));
    }
    Ok(())
}

/// Errors of training, scoring and reporting.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A label file is malformed or a label is unknown.
    #[error("labels: {0}")]
    Labels(String),
    /// Training failed.
    #[error("training: {0}")]
    Train(String),
    /// A model file is unreadable, of another format or version, or does not
    /// match the features.
    #[error("model: {0}")]
    Model(String),
    /// A report or plot could not be written.
    #[error("report: {0}")]
    Report(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename, so readers never see a half-written file (devices such as
/// `/dev/null` are written in place; see
/// [`vexil_features::write::write_replacing`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    vexil_features::write::write_replacing(path, bytes)
        .map_err(|(path, source)| Error::Io { path, source })
}

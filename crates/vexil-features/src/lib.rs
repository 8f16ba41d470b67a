//! `vexil-features` turns lifted code into feature vectors: normalized IR
//! statement tokens, their n-grams, hashed into a fixed-size sparse vector,
//! and the dataset files (JSON lines, LibSVM, NumPy) that carry them.
//!
//! The main design decision is that tokens are made from the IR, never from
//! machine code, and that the normalization which makes them
//! architecture-neutral is a named, versioned [`Scheme`] (a table of
//! options, see [`scheme`]): a model trained on x86 binaries can then score
//! MIPS or ARM binaries, because both became the same statement shapes
//! first. The prototype's scheme (`seed`: exact VEX names) stays selectable
//! for comparison.
//!
//! Tokens and n-grams are identified by hashes of their *text*, so vector
//! indices do not depend on the order of vexil's internal tables, and the
//! n-grams behind any index can be printed back as readable statement
//! shapes.

pub mod batch;
pub mod extract;
pub mod file;
pub mod ngram;
pub mod scheme;
pub mod slice;
pub mod token;
pub mod vector;
pub mod write;

pub use extract::{BlockFeatures, TokenBlock, TokenBuf, block_features, count_ngrams};
pub use scheme::{Scheme, SchemeOptions, UnknownScheme};
pub use vector::{ExtractStats, FamilyVec, FeatureSpec, IR_NGRAM, Sample, SparseVec};

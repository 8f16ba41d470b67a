//! `vexil train`: train a classifier from a label file (extracting the
//! files it names) or from a features file made by `vexil features`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use vexil_features::{FeatureSpec, Sample, write};
use vexil_learn::data::arch_matches;
use vexil_learn::{Kind, Model, ThresholdRule, TrainOptions, Weighting};

use super::features::{BatchArgs, SpecArgs, extract, jobs};
use crate::Outcome;

/// The training options shared by `train` and `eval`.
#[derive(Debug, Clone, clap::Args)]
pub struct LearnArgs {
    /// Term weighting: tfidf, counts or binary.
    #[arg(long, default_value = "tfidf")]
    pub weighting: Weighting,
    /// Keep only features seen in at least this many training packages
    /// (15 was best of 3/8/15/25/40 for amd64 -> i386 transfer, i.e. chosen
    /// on training architectures only).
    #[arg(long, default_value_t = 15)]
    pub min_groups: usize,
    /// With several training architectures: keep only features whose
    /// presence agrees across a package's builds at least this often (0: off).
    #[arg(long, default_value_t = 0.0)]
    pub min_arch_agreement: f64,
    /// Do not weight each package equally (every file weighs the same).
    #[arg(long)]
    pub no_group_weighting: bool,
    /// Decision threshold: a number, `cv` to choose it by cross-validation
    /// over training packages, or `auto`: 0.5 (the nearer class) for the
    /// neighbour classifier, `cv` for the others.
    #[arg(long, default_value = "auto")]
    pub threshold: String,
    /// Neighbours per class that the neighbour classifier's score averages.
    #[arg(long, default_value_t = 1)]
    pub k: usize,
    /// L2 penalty of the linear model.
    #[arg(long, default_value_t = 1e-4)]
    pub l2: f64,
    /// L1 penalty of the linear model (0: none).
    #[arg(long, default_value_t = 1e-4)]
    pub l1: f64,
    /// Weight of the cross-architecture consistency penalty of the linear
    /// model (builds of one file for two architectures should score alike;
    /// needs several training architectures; 0: off).
    #[arg(long, default_value_t = 0.0)]
    pub consistency: f64,
    /// Score by the share of positive evidence (s+ / (s+ + s-)) instead of
    /// the logistic of the margin.
    #[arg(long)]
    pub ratio_score: bool,
    /// Seed for fold assignment.
    #[arg(long, default_value_t = 0x7e11)]
    pub seed: u64,
}

impl LearnArgs {
    /// As library options for classifier `kind`.
    pub fn options(&self, kind: Kind) -> anyhow::Result<TrainOptions> {
        let mut o = TrainOptions {
            kind,
            seed: self.seed,
            group_weighting: !self.no_group_weighting,
            ..TrainOptions::default()
        };
        o.transform.weighting = self.weighting;
        o.transform.min_groups = self.min_groups;
        o.transform.min_arch_agreement = self.min_arch_agreement;
        o.linear.l2 = self.l2;
        o.linear.l1 = self.l1;
        o.linear.consistency = self.consistency;
        o.linear.ratio_score = self.ratio_score;
        o.neighbors.k = self.k;
        o.threshold = if self.threshold == "auto" && kind == Kind::Neighbors {
            ThresholdRule::Fixed(0.5)
        } else if self.threshold == "cv" || self.threshold == "auto" {
            ThresholdRule::GroupCv { folds: 5 }
        } else {
            let t: f64 = self.threshold.parse().with_context(|| {
                format!(
                    "--threshold `{}` is neither `cv` nor a number",
                    self.threshold
                )
            })?;
            ThresholdRule::Fixed(t)
        };
        Ok(o)
    }
}

/// Where labeled samples come from.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Label file (sha256,path,package,arch,class); its files are extracted.
    #[arg(long, value_name = "CSV", required_unless_present = "features")]
    pub labels: Option<PathBuf>,
    /// Features file(s) (JSON lines from `vexil features --labels`), instead
    /// of extracting.
    #[arg(long, value_name = "JSONL", conflicts_with = "labels")]
    pub features: Vec<PathBuf>,
    /// With --labels: also save the extracted features here (JSON lines),
    /// for later runs with --features.
    #[arg(long, value_name = "JSONL")]
    pub save_features: Option<PathBuf>,
}

/// Loads labeled samples that carry every spec in `specs`.
pub fn load_samples(
    data: &DataArgs,
    specs: &[FeatureSpec],
    batch: &BatchArgs,
) -> anyhow::Result<Vec<Sample>> {
    let samples = if data.features.is_empty() {
        let jobs = jobs(&[], data.labels.as_ref())?;
        let (samples, _) = extract(&jobs, specs, &batch.options(false))?;
        if let Some(p) = &data.save_features {
            write::write_jsonl(&samples, p)?;
        }
        samples
    } else {
        let mut v = Vec::new();
        for p in &data.features {
            v.extend(write::read_jsonl(p)?);
        }
        for s in &v {
            for spec in specs {
                if s.family(spec).is_none() {
                    bail!(
                        "{}: no features made with {} in the features file (re-extract with those options)",
                        s.path,
                        spec.label()
                    );
                }
            }
        }
        v
    };
    let unlabeled = samples.iter().filter(|s| s.label.is_none()).count();
    if unlabeled > 0 {
        bail!("{unlabeled} samples have no label");
    }
    Ok(samples)
}

/// Arguments of `vexil train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub data: DataArgs,
    /// Where to write the model (JSON).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// Train only on these architectures (label-file names such as amd64,
    /// or vexil names such as x86_64); default: all.
    #[arg(long, value_delimiter = ',')]
    pub train_arch: Vec<String>,
    /// Classifier: linear, trees or neighbors.
    #[arg(long, default_value = "linear")]
    pub classifier: Kind,
    #[command(flatten)]
    pub learn: LearnArgs,
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// Runs `vexil train`.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let specs = args.spec.specs();
    if specs.len() != 1 {
        bail!("train takes one --scheme (a model is trained on one feature spec)");
    }
    crate::cmd::features::refuse_overwriting_inputs(
        std::iter::once(args.model.as_path()).chain(args.data.save_features.as_deref()),
        args.data
            .labels
            .as_deref()
            .into_iter()
            .chain(args.data.features.iter().map(PathBuf::as_path)),
    )?;
    let samples = load_samples(&args.data, &specs, &args.batch)?;
    let train: Vec<&Sample> = samples
        .iter()
        .filter(|s| {
            args.train_arch.is_empty() || args.train_arch.iter().any(|a| arch_matches(a, s))
        })
        .collect();
    if train.is_empty() {
        bail!("no samples of the architectures {:?}", args.train_arch);
    }
    let opts = args.learn.options(args.classifier)?;
    let model = Model::train(&train, &specs, &opts)?;
    model.save(&args.model)?;
    writeln!(
        out,
        "trained {:?} on {} samples ({} malicious) from {} packages, architectures {}; \
         threshold {:.4}; {} features kept; wrote {}",
        args.classifier,
        model.training.samples,
        model.training.positives,
        model.training.groups,
        model.training.archs.join(","),
        model.threshold,
        model.transform.len(),
        args.model.display()
    )?;
    Ok(Outcome::Ok)
}

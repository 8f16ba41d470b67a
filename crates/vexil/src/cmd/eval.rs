//! `vexil eval`: train on some architectures, test on others, on the
//! same-program and the package-disjoint split, for one or more token
//! schemes and classifiers side by side. Writes a JSON report and SVG plots
//! and prints a table.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use vexil_learn::{EvalOptions, EvalReport, Kind, evaluate, plot};

use super::features::{BatchArgs, SpecArgs};
use super::train::{DataArgs, LearnArgs, load_samples};
use crate::Outcome;

/// Arguments of `vexil eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub data: DataArgs,
    /// Training architectures (label-file names or vexil names).
    #[arg(long, value_delimiter = ',', required = true)]
    pub train_arch: Vec<String>,
    /// Test architectures.
    #[arg(long, value_delimiter = ',', required = true)]
    pub test_arch: Vec<String>,
    /// Classifier(s): linear, trees, neighbors (comma-separated for several).
    #[arg(long, value_delimiter = ',', default_value = "linear")]
    pub classifier: Vec<Kind>,
    /// Folds of the package-disjoint split.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Which splits: same-program, package-disjoint or both.
    #[arg(long, default_value = "both", value_parser = ["same-program", "package-disjoint", "both"])]
    pub split: String,
    /// Directory for report.json and the plots.
    #[arg(long, value_name = "DIR", default_value = "eval-report")]
    pub out: PathBuf,
    #[command(flatten)]
    pub learn: LearnArgs,
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// The results table in Markdown.
pub fn table(runs: &[(String, EvalReport)]) -> String {
    let mut t = String::from(
        "| scheme / classifier | split | test arch | n | accuracy | precision | recall | F1 | FPR | ROC AUC | pkg-weighted acc |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (name, r) in runs {
        for s in &r.splits {
            for a in &s.per_arch {
                let m = &a.metrics;
                let _ = writeln!(
                    t,
                    "| {name} | {} | {} | {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |",
                    s.split,
                    a.arch,
                    m.n,
                    m.accuracy,
                    m.precision,
                    m.recall,
                    m.f1,
                    m.fpr,
                    m.roc_auc,
                    m.package_weighted_accuracy
                );
            }
        }
    }
    t
}

/// Runs `vexil eval`.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let specs = args.spec.specs();
    if args.classifier.is_empty() {
        bail!("no --classifier");
    }
    let samples = load_samples(&args.data, &specs, &args.batch)?;
    let mut runs = Vec::new();
    for spec in &specs {
        for &kind in &args.classifier {
            let opts = EvalOptions {
                train_archs: args.train_arch.clone(),
                test_archs: args.test_arch.clone(),
                train: args.learn.options(kind)?,
                disjoint_folds: args.folds,
                same_program: args.split != "package-disjoint",
                package_disjoint: args.split != "same-program",
            };
            let name = format!("{} / {}", spec.scheme, format!("{kind:?}").to_lowercase());
            eprintln!("vexil: evaluating {name} ...");
            let report = evaluate(&samples, std::slice::from_ref(spec), &opts)?;
            let dir = args.out.join(format!(
                "{}-{}",
                spec.scheme,
                format!("{kind:?}").to_lowercase()
            ));
            plot::write_plots(&report, &dir, &name)?;
            runs.push((name, report));
        }
    }
    let t = table(&runs);
    let json = serde_json::json!({
        "samples": samples.len(),
        "runs": runs.iter().map(|(n, r)| serde_json::json!({"name": n, "report": r})).collect::<Vec<_>>(),
        "table": t,
    });
    vexil_learn::write_atomic(
        &args.out.join("report.json"),
        serde_json::to_string(&json)?.as_bytes(),
    )?;
    vexil_learn::write_atomic(&args.out.join("table.md"), t.as_bytes())?;
    write!(out, "{t}")?;
    Ok(Outcome::Ok)
}

//! `vexil scan`: classify binaries with a model and explain each verdict
//! with the n-grams that pushed it most, printed back as IR statement
//! shapes.
//!
//! Without `--model`, the model is `$VEXIL_MODEL` if set, else the
//! repository's default model, `models/default.json`, looked up from the
//! executable's directory upward and then from the current directory, else
//! the copy of that file compiled into the binary (so an installed `vexil`
//! works anywhere).
//!
//! Exit code: 1 if any file is judged malicious; else 2 if any file could
//! not be analyzed; else 0.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::json;
use vexil_features::batch::run_batch;
use vexil_learn::Model;

use super::features::{BatchArgs, jobs};
use crate::Outcome;

/// Arguments of `vexil scan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// ELF files or directories (searched recursively for ELF files).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The model (default: $VEXIL_MODEL, else the shipped models/default.json).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// One JSON object per file: path, arch, verdict, score, threshold, top
    /// (or error).
    #[arg(long)]
    pub json: bool,
    /// How many contributing n-grams to show.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// The default model's path, if one can be found.
pub fn default_model() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("VEXIL_MODEL") {
        return Some(PathBuf::from(p));
    }
    let rel = Path::new("models").join("default.json");
    let mut bases: Vec<PathBuf> = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        bases.extend(exe.ancestors().skip(1).map(Path::to_path_buf));
    }
    if let Ok(cwd) = std::env::current_dir() {
        bases.extend(cwd.ancestors().map(Path::to_path_buf));
    }
    bases
        .into_iter()
        .map(|b| b.join(&rel))
        .find(|p| p.is_file())
}

/// The default model as it was when this binary was built.
const EMBEDDED_MODEL: &[u8] = include_bytes!("../../../../models/default.json");

/// Runs `vexil scan`.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let model = match args.model.clone().or_else(default_model) {
        Some(path) => Model::load(&path)?,
        None => Model::from_json(EMBEDDED_MODEL)
            .context("the model compiled into vexil is unreadable (rebuild vexil)")?,
    };
    let jobs = jobs(&args.inputs, None)?;
    if jobs.is_empty() {
        bail!("no input files");
    }
    // Features exactly as the model was trained: its own specs.
    let outcomes = run_batch(&jobs, &model.features, &args.batch.options(true));
    let (mut malicious, mut failed) = (false, 0usize);
    for (job, o) in jobs.iter().zip(outcomes) {
        let x = match o {
            Ok(x) => x,
            Err(f) => {
                failed += 1;
                if args.json {
                    let v = json!({"path": job.path.display().to_string(), "error": f.error});
                    writeln!(out, "{v}")?;
                } else {
                    writeln!(out, "{}: error: {}", job.path.display(), f.error)?;
                }
                continue;
            }
        };
        let v = model.verdict(&x.sample, args.top);
        malicious |= v.positive;
        let verdict = if v.positive { "malicious" } else { "benign" };
        let top: Vec<(String, f64)> = v
            .top
            .iter()
            .map(|&(g, c)| {
                let text = model
                    .locate(g)
                    .and_then(|(k, i)| x.texts.get(k).and_then(|t| t.get(&i)).cloned())
                    .unwrap_or_else(|| format!("feature {g}"));
                (text, c)
            })
            .collect();
        if args.json {
            let mut o = json!({
                "path": x.sample.path,
                "sha256": x.sample.sha256,
                "arch": x.sample.arch,
                "verdict": verdict,
                "score": v.score,
                "threshold": model.threshold,
                "top": top.iter().map(|(t, c)| json!({"ngram": t, "weight": c})).collect::<Vec<_>>(),
            });
            if let Some((name, sim)) = &v.nearest {
                o["nearest"] = json!({"name": name, "similarity": sim});
            }
            writeln!(out, "{o}")?;
        } else {
            writeln!(
                out,
                "{}: {} (score {:.3}, threshold {:.3}, {})",
                x.sample.path, verdict, v.score, model.threshold, x.sample.arch
            )?;
            if let Some((name, sim)) = &v.nearest {
                writeln!(out, "    most like {name} (similarity {sim:.3})")?;
            }
            for (t, c) in &top {
                writeln!(out, "    {c:+.4}  {t}")?;
            }
        }
    }
    if malicious {
        Ok(Outcome::Found)
    } else if failed > 0 {
        bail!("{failed} of {} files could not be analyzed", jobs.len())
    } else {
        Ok(Outcome::Ok)
    }
}

//! `vexil features`: extract IR n-gram features from binaries into dataset
//! files (JSON lines, LibSVM, SciPy `.npz`), in parallel, skipping (and
//! reporting) files that cannot be analyzed.
//!
//! With `--bench` it also prints the extraction speed (binaries/s and MB of
//! code/s, wall clock, on the threads given by `-j`): the feature-speed
//! benchmark (`scripts/corpus/bench-features.sh`) is this command run on
//! the corpus with one thread and with all.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use vexil_features::batch::{BatchOptions, Job, collect_files, run_batch, split_outcomes};
use vexil_features::{FeatureSpec, Sample, Scheme, write};

use crate::Outcome;

/// The feature-spec options shared by `features`, `train`, `scan` and `eval`.
#[derive(Debug, Clone, clap::Args)]
pub struct SpecArgs {
    /// Token scheme(s): `neutral-v2` (default), `neutral-v1` or `seed`;
    /// repeat or comma-separate for several.
    #[arg(long, value_delimiter = ',', default_value = "neutral-v2")]
    pub scheme: Vec<Scheme>,
    /// Largest n-gram length (1 to 4).
    #[arg(long = "ngram", default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=4))]
    pub n_max: u8,
    /// The vector has 2^BITS entries.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u8).range(8..=28))]
    pub dim_bits: u8,
    /// Optimization level for lifted blocks.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub opt: u8,
    /// Do not count n-grams across fall-through edges.
    #[arg(long)]
    pub no_fallthrough: bool,
}

impl SpecArgs {
    /// The specs these options describe, one per scheme.
    pub fn specs(&self) -> Vec<FeatureSpec> {
        let mut v: Vec<FeatureSpec> = Vec::new();
        for &scheme in &self.scheme {
            let s = FeatureSpec {
                scheme,
                n_max: self.n_max,
                dim_bits: self.dim_bits,
                cross_fallthrough: !self.no_fallthrough,
                opt_level: self.opt,
                ..FeatureSpec::default()
            };
            if !v.contains(&s) {
                v.push(s);
            }
        }
        v
    }
}

/// The batch options shared by the commands that extract many files.
#[derive(Debug, Clone, clap::Args)]
pub struct BatchArgs {
    /// Worker threads (0: one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub jobs: usize,
    /// Per-file time limit in seconds (0: none).
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

impl BatchArgs {
    /// As library options.
    pub fn options(&self, with_text: bool) -> BatchOptions {
        BatchOptions {
            threads: self.jobs,
            timeout: (self.timeout > 0).then(|| Duration::from_secs(self.timeout)),
            progress: !self.no_progress,
            with_text,
        }
    }
}

/// Arguments of `vexil features`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// ELF files or directories (searched recursively for ELF files).
    #[arg(required_unless_present = "labels")]
    pub inputs: Vec<PathBuf>,
    /// A label file (sha256,path,package,arch,class): extract the files it
    /// names and carry their labels, packages and architectures along.
    #[arg(long, value_name = "CSV")]
    pub labels: Option<PathBuf>,
    /// Write JSON lines here (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write LibSVM/SVMlight text (first scheme).
    #[arg(long, value_name = "FILE")]
    pub libsvm: Option<PathBuf>,
    /// Also write a SciPy CSR matrix `.npz` (first scheme).
    #[arg(long, value_name = "FILE")]
    pub npz: Option<PathBuf>,
    /// Print extraction speed to standard error when done.
    #[arg(long)]
    pub bench: bool,
    /// Instead of features, print each block's statement tokens (first
    /// scheme): `ADDR: TOKEN ; TOKEN ; ...`, one block per line.
    #[arg(long)]
    pub tokens: bool,
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// The jobs for a list of inputs or a label file.
pub fn jobs(inputs: &[PathBuf], labels: Option<&PathBuf>) -> anyhow::Result<Vec<Job>> {
    let mut jobs = Vec::new();
    if let Some(l) = labels {
        let rows = vexil_learn::read_labels(l)?;
        jobs.extend(vexil_learn::data::jobs_from_labels(&rows));
    }
    if !inputs.is_empty() {
        let files = collect_files(inputs)
            .map_err(|f| anyhow::anyhow!("{}: {}", f.path.display(), f.error))?;
        jobs.extend(files.into_iter().map(|path| Job {
            path,
            ..Job::default()
        }));
    }
    Ok(jobs)
}

/// Refuses to start when an output path names one of the inputs (a
/// binary, a label file, a features file): the output would replace it.
/// Compared by file identity, so another path to the same file counts.
pub fn refuse_overwriting_inputs<'a>(
    outputs: impl IntoIterator<Item = &'a Path>,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let id = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .map(|m| (m.is_file(), (m.dev(), m.ino())))
    };
    // Only a regular file is replaced; a device (`/dev/stdout`) is written
    // in place and replaces nothing.
    let outs: Vec<(&Path, (u64, u64))> = outputs
        .into_iter()
        .filter_map(|p| id(p).and_then(|(file, i)| file.then_some((p, i))))
        .collect();
    if outs.is_empty() {
        return Ok(());
    }
    for input in inputs {
        if let Some((_, i)) = id(input) {
            if let Some((out, _)) = outs.iter().find(|(_, o)| *o == i) {
                bail!(
                    "the output {} is the input {}: writing it would replace the input",
                    out.display(),
                    input.display()
                );
            }
        }
    }
    Ok(())
}

/// Extracts `jobs`, reporting failures on stderr; errors if nothing could
/// be analyzed. Returns the samples and the wall time.
pub fn extract(
    jobs: &[Job],
    specs: &[FeatureSpec],
    opts: &BatchOptions,
) -> anyhow::Result<(Vec<Sample>, Duration)> {
    if jobs.is_empty() {
        bail!("no input files");
    }
    let t0 = Instant::now();
    let (samples, failures) = split_outcomes(run_batch(jobs, specs, opts));
    let wall = t0.elapsed();
    for f in &failures {
        eprintln!("vexil: skipped {}: {}", f.path.display(), f.error);
    }
    if !failures.is_empty() {
        eprintln!(
            "vexil: {} of {} files could not be analyzed (listed above)",
            failures.len(),
            jobs.len()
        );
    }
    if samples.is_empty() {
        bail!("none of the {} input files could be analyzed", jobs.len());
    }
    Ok((samples, wall))
}

/// Runs `vexil features`.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let specs = args.spec.specs();
    let jobs = jobs(&args.inputs, args.labels.as_ref())?;
    if args.tokens {
        for j in &jobs {
            let blocks = vexil_features::file::file_tokens(&j.path, &specs[0])
                .with_context(|| format!("cannot tokenize {}", j.path.display()))?;
            writeln!(out, "# {}", j.path.display())?;
            for (addr, toks) in blocks {
                writeln!(out, "{addr:#x}: {}", toks.join(" ; "))?;
            }
        }
        return Ok(Outcome::Ok);
    }
    refuse_overwriting_inputs(
        [&args.output, &args.libsvm, &args.npz]
            .into_iter()
            .filter_map(|p| p.as_deref()),
        jobs.iter()
            .map(|j| j.path.as_path())
            .chain(args.labels.as_deref()),
    )?;
    let (samples, wall) = extract(&jobs, &specs, &args.batch.options(false))?;
    if let Some(p) = &args.output {
        write::write_jsonl(&samples, p).with_context(|| "writing features")?;
    } else {
        out.write_all(&write::jsonl_bytes(&samples)?)?;
    }
    if let Some(p) = &args.libsvm {
        write::write_libsvm(&samples, &specs[0], p)?;
    }
    if let Some(p) = &args.npz {
        write::write_npz(&samples, &specs[0], p)?;
    }
    if args.bench {
        print_speed(&samples, wall, args.batch.jobs);
    }
    Ok(Outcome::Ok)
}

/// Prints binaries/s and MB/s of code, per CPU-second of the extracting
/// threads (what one core does, independent of other load on the machine)
/// and per wall-clock second (what the run achieved on `threads` threads).
#[allow(clippy::cast_precision_loss)] // display only
pub fn print_speed(samples: &[Sample], wall: Duration, threads: usize) {
    let code: u64 = samples.iter().map(|s| s.stats.code_bytes).sum();
    let file: u64 = samples.iter().map(|s| s.stats.file_bytes).sum();
    let insns: u64 = samples.iter().map(|s| s.stats.instructions).sum();
    let cpu = samples.iter().map(|s| s.stats.cpu_micros).sum::<u64>() as f64 / 1e6;
    let secs = wall.as_secs_f64().max(1e-9);
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    } else {
        threads
    };
    let n = samples.len() as f64;
    let mb = code as f64 / 1e6;
    eprintln!(
        "bench: {} binaries, {:.2} MB code ({:.2} MB files, {} instructions)\n\
         bench: per CPU-second (one core): {:.1} binaries/s, {:.2} MB code/s ({:.2} CPU-s)\n\
         bench: wall clock on {} thread(s): {:.1} binaries/s, {:.2} MB code/s ({:.2} s)",
        samples.len(),
        mb,
        file as f64 / 1e6,
        insns,
        n / cpu.max(1e-9),
        mb / cpu.max(1e-9),
        cpu,
        threads,
        n / secs,
        mb / secs,
        secs,
    );
}

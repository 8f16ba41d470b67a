//! Extraction over many files: in parallel (rayon), with a progress bar
//! (indicatif, drawn only on a terminal) and a per-file time limit. One bad
//! file is reported and skipped; it never stops the batch.
//!
//! The time limit runs files on a helper thread and stops waiting for it
//! when the limit passes; the abandoned thread finishes in the background
//! (discovery has a block limit, so it does end). Rust threads cannot be
//! killed, and making every stage poll a deadline would slow the fast path
//! that the speed target is about. Each pool thread keeps its helper thread
//! for the next file (a fresh one only after a timeout): the helper's
//! per-thread working memory (the n-gram counter, the optimizer's buffers,
//! its malloc arena) then stays allocated and mapped between files instead
//! of being page-faulted in again for every file.

use crate::file::{FileError, extract_file};
use crate::vector::{FeatureSpec, Sample};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// One file to extract, with what a label file says about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Job {
    /// The file.
    pub path: PathBuf,
    /// Class label, if known.
    pub label: Option<String>,
    /// Group (package), if known.
    pub group: Option<String>,
    /// The label file's architecture column, if any.
    pub label_arch: Option<String>,
}

/// Batch options.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Per-file time limit.
    pub timeout: Option<Duration>,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// Also record readable n-gram texts (slow; for `scan`).
    pub with_text: bool,
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions {
            threads: 0,
            timeout: Some(Duration::from_secs(300)),
            progress: true,
            with_text: false,
        }
    }
}

/// A file the batch could not analyze.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Its path.
    pub path: PathBuf,
    /// Why.
    pub error: String,
}

/// The outcome of one job.
pub type Outcome = Result<crate::file::Extracted, Failure>;

/// Expands files and directories into a sorted list of files. Files named
/// directly are always kept (a non-ELF file is then reported by the
/// batch); files found inside directories are kept only if they start with
/// the ELF magic, so a package tree's scripts and data do not count as
/// failures.
pub fn collect_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    // (Infallible today; the Result leaves room for a walk that must fail.)
    let mut out = Vec::new();
    for p in inputs {
        // A file that cannot even be stat'ed is kept: the batch reports it
        // with the others and goes on.
        match std::fs::metadata(p) {
            Ok(meta) if meta.is_dir() => walk(p, &mut out),
            _ => out.push(p.clone()),
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            walk(&p, out);
        } else if meta.is_file() && is_elf(&p) {
            out.push(p);
        }
    }
}

fn is_elf(p: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

/// A file for a helper thread: path, specs, and whether to keep n-gram texts.
type Task = (PathBuf, Vec<FeatureSpec>, bool);
type TaskResult = Result<crate::file::Extracted, FileError>;

/// A helper thread that extracts the files it is sent, one at a time.
struct Helper {
    tasks: mpsc::Sender<Task>,
    results: mpsc::Receiver<TaskResult>,
}

impl Helper {
    fn spawn() -> std::io::Result<Helper> {
        let (task_tx, task_rx) = mpsc::channel::<Task>();
        let (res_tx, res_rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("vexil-extract".into())
            .spawn(move || {
                // Ends when the pool thread drops its `Helper` (after a
                // timeout, a panic, or at the end of the batch).
                while let Ok((path, specs, text)) = task_rx.recv() {
                    if res_tx.send(extract_file(&path, &specs, text)).is_err() {
                        break;
                    }
                }
            })?;
        Ok(Helper {
            tasks: task_tx,
            results: res_rx,
        })
    }
}

thread_local! {
    /// The pool thread's helper, kept between files.
    static HELPER: std::cell::RefCell<Option<Helper>> = const { std::cell::RefCell::new(None) };
}

/// Extracts one file on this pool thread's helper thread, waiting at most
/// `limit`.
fn on_helper(task: Task, limit: Duration) -> TaskResult {
    let helper = match HELPER.with(|h| h.borrow_mut().take()) {
        Some(h) => h,
        None => Helper::spawn().map_err(|e| FileError::Internal(e.to_string()))?,
    };
    if helper.tasks.send(task).is_err() {
        return Err(FileError::Internal(
            "the extraction thread stopped (panicked?)".into(),
        ));
    }
    match helper.results.recv_timeout(limit) {
        Ok(r) => {
            // Only a helper that answered in time is reused; a late one is
            // dropped and ends once it finishes its file.
            HELPER.with(|h| *h.borrow_mut() = Some(helper));
            r
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Err(FileError::Timeout(limit.as_secs())),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(FileError::Internal(
            "the extraction thread stopped (panicked?)".into(),
        )),
    }
}

/// An error's message followed by its causes (`cannot read X: No such
/// file or directory (os error 2)`): what a report of a skipped file says.
pub fn error_text(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

fn one(job: &Job, specs: &[FeatureSpec], opts: &BatchOptions) -> Outcome {
    let fail = |e: FileError| Failure {
        path: job.path.clone(),
        error: error_text(&e),
    };
    let result = match opts.timeout {
        None => extract_file(&job.path, specs, opts.with_text),
        Some(limit) => on_helper((job.path.clone(), specs.to_vec(), opts.with_text), limit),
    };
    let mut x = result.map_err(fail)?;
    x.sample.label.clone_from(&job.label);
    x.sample.group.clone_from(&job.group);
    x.sample.label_arch.clone_from(&job.label_arch);
    Ok(x)
}

/// Extracts every job, in parallel; results are in job order.
pub fn run_batch(jobs: &[Job], specs: &[FeatureSpec], opts: &BatchOptions) -> Vec<Outcome> {
    let bar = if opts.progress {
        let b = ProgressBar::new(jobs.len() as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} files ({per_sec}, eta {eta}) {msg}",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b
    } else {
        ProgressBar::hidden()
    };
    let work = || {
        jobs.par_iter()
            .map(|j| {
                let r = one(j, specs, opts);
                bar.inc(1);
                r
            })
            .collect::<Vec<_>>()
    };
    let out = match rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    };
    bar.finish_and_clear();
    out
}

/// Convenience: the samples of the successful outcomes and the failures.
pub fn split_outcomes(outcomes: Vec<Outcome>) -> (Vec<Sample>, Vec<Failure>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for o in outcomes {
        match o {
            Ok(x) => ok.push(x.sample),
            Err(f) => bad.push(f),
        }
    }
    (ok, bad)
}

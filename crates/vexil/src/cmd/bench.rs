//! `vexil bench`: throughput measurements, meant to be run side by side with
//! a reference tool (see scripts/bench/).
//!
//! `vexil bench lift FILE` discovers the file's code once, then times lifting
//! every discovered block start again (with the default limits and
//! optimization level 1, the way pyvex lifts at its default level), on one
//! core, keeping the best of `--repeat` runs. `--export-blocks` writes the
//! block starts and code regions so that `scripts/bench/pyvex_lift.py` can
//! lift exactly the same starts from the same bytes with pyvex.
//!
//! Times are this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`,
//! wall time where that is unavailable), so that other work on a shared
//! machine does not distort the comparison; the pyvex script measures the
//! same way (`time.thread_time`). Wall time is reported beside it.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use serde_json::json;
use vexil_lift::LiftOptions;
use vexil_lift::discover::DiscoverOptions;
use vexil_loader::LoadOptions;

use super::{discover_image, guest_for_image, load_image};
use crate::Outcome;

/// Arguments of `vexil bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

/// What to measure.
#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Lifting throughput (instructions/s and blocks/s, one core, optimizer on).
    Lift(LiftArgs),
}

/// Arguments of `vexil bench lift`.
#[derive(Debug, clap::Args)]
pub struct LiftArgs {
    /// The ELF file.
    pub file: PathBuf,
    /// Timed runs; the best is reported.
    #[arg(long, default_value_t = 5)]
    pub repeat: u32,
    /// Optimization level applied while lifting.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub opt: u8,
    /// Write the block starts and code regions as JSON for the pyvex script.
    #[arg(long, value_name = "FILE")]
    pub export_blocks: Option<PathBuf>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `vexil bench`.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    match &args.what {
        What::Lift(a) => lift(a, out),
    }
}

fn lift(args: &LiftArgs, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let image = load_image(&args.file, &LoadOptions::default())?;
    let guest = guest_for_image(&image)?;
    let lift_opts = LiftOptions {
        opt_level: args.opt,
        ..LiftOptions::default()
    };
    let d = discover_image(
        &image,
        guest,
        &DiscoverOptions {
            lift: lift_opts,
            ..DiscoverOptions::default()
        },
    );
    let starts: Vec<(u64, vexil_ir::IsaMode)> = d.blocks.iter().map(|b| (b.addr, b.mode)).collect();
    let regions = image.code_regions();
    let code_of = |addr: u64| -> &[u8] {
        regions
            .iter()
            .find_map(|r| {
                let off = usize::try_from(addr.checked_sub(r.addr)?).ok()?;
                r.bytes.get(off..)
            })
            .unwrap_or(&[])
    };
    let jobs: Vec<(u64, vexil_ir::IsaMode, &[u8])> =
        starts.iter().map(|&(a, m)| (a, m, code_of(a))).collect();

    let mut best = f64::INFINITY;
    let mut best_wall = f64::INFINITY;
    let (mut insns, mut bytes, mut stmts) = (0u64, 0u64, 0u64);
    for _ in 0..args.repeat.max(1) {
        let (mut i, mut b, mut s) = (0u64, 0u64, 0u64);
        let t0 = Instant::now();
        let c0 = thread_cpu_seconds();
        for &(addr, mode, code) in &jobs {
            let irsb = guest.lift(code, addr, mode, &lift_opts);
            i += irsb.instruction_count() as u64;
            b += irsb.size();
            s += irsb.stmts.len() as u64;
        }
        let wall = t0.elapsed().as_secs_f64();
        let dt = match (c0, thread_cpu_seconds()) {
            (Some(a), Some(b)) => b - a,
            _ => wall,
        };
        best = best.min(dt);
        best_wall = best_wall.min(wall);
        (insns, bytes, stmts) = (i, b, s);
    }
    #[allow(clippy::cast_precision_loss)] // rates of counts far below 2^52
    let rate = |n: u64| if best > 0.0 { n as f64 / best } else { 0.0 };
    let v = json!({
        "tool": concat!("vexil ", env!("CARGO_PKG_VERSION")),
        "file": args.file.display().to_string(),
        "arch": image.arch().name(),
        "opt": args.opt,
        "blocks": jobs.len(),
        "instructions": insns,
        "bytes": bytes,
        "statements": stmts,
        "seconds": best,
        "wall_seconds": best_wall,
        "clock": if thread_cpu_seconds().is_some() { "thread-cpu" } else { "wall" },
        "insns_per_s": rate(insns),
        "blocks_per_s": rate(jobs.len() as u64),
        "bytes_per_s": rate(bytes),
    });
    if let Some(path) = &args.export_blocks {
        let export = json!({
            "file": std::fs::canonicalize(&args.file).unwrap_or_else(|_| args.file.clone()).display().to_string(),
            "arch": image.arch().name(),
            "endian": image.endian().name(),
            "max_insns": lift_opts.max_insns,
            "max_bytes": lift_opts.max_bytes,
            "opt_level": args.opt,
            "regions": regions.iter().map(|r| json!({"addr": r.addr, "offset": r.offset, "size": r.bytes.len()})).collect::<Vec<_>>(),
            "blocks": starts.iter().map(|(a, m)| json!([a, m.name()])).collect::<Vec<_>>(),
        });
        std::fs::write(path, serde_json::to_vec(&export)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.json {
        writeln!(out, "{v}")?;
    } else {
        writeln!(
            out,
            "{}: {} blocks, {} instructions, {} bytes in {:.3} s CPU (best of {}): {:.0} instructions/s, {:.0} blocks/s",
            args.file.display(),
            jobs.len(),
            insns,
            bytes,
            best,
            args.repeat.max(1),
            rate(insns),
            rate(jobs.len() as u64)
        )?;
    }
    Ok(Outcome::Ok)
}

/// CPU time of the calling thread in seconds, or `None`.
fn thread_cpu_seconds() -> Option<f64> {
    vexil_features::vector::thread_cpu_time().map(|d| d.as_secs_f64())
}

//! `vexil coverage`: how much of a binary's code vexil lifts.
//!
//! Discovers the code (traversal from the entry point and symbols, then a
//! sweep of the remaining executable bytes), lifts all of it and counts
//! instructions: `lifted`, `unsupported` (decoded but not lifted, by
//! mnemonic) and `nodecode` (bytes that do not decode at all). The figure
//! that matters is `lifted / (lifted + unsupported)`: of the instructions the
//! decoder knows, how many become IR. A file that cannot be loaded is
//! reported and the others are still measured.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use serde_json::{Value, json};
use vexil_lift::LiftOptions;
use vexil_lift::discover::{DiscoverOptions, Discovery};
use vexil_loader::LoadOptions;

use super::{discover_image, guest_for_image, load_image};
use crate::Outcome;

/// Arguments of `vexil coverage`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// ELF files to measure.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print one JSON object per file (one per line).
    #[arg(long)]
    pub json: bool,
    /// Only follow control flow; do not sweep unreached executable bytes.
    #[arg(long)]
    pub no_sweep: bool,
    /// List at most this many unsupported mnemonics per file (human output).
    #[arg(long, default_value_t = 30)]
    pub top: usize,
}

/// Coverage of one file.
fn measure(path: &std::path::Path, sweep: bool) -> anyhow::Result<(Value, Discovery)> {
    let image = load_image(path, &LoadOptions::default())?;
    let guest = guest_for_image(&image)?;
    let t0 = Instant::now();
    let opts = DiscoverOptions {
        sweep,
        lift: LiftOptions::default(),
        ..DiscoverOptions::default()
    };
    let d = discover_image(&image, guest, &opts);
    let secs = t0.elapsed().as_secs_f64();
    let insns = d.instructions();
    #[allow(clippy::cast_precision_loss)] // a percentage of counts far below 2^52
    let pct = if insns == 0 {
        100.0
    } else {
        100.0 * d.lifted as f64 / insns as f64
    };
    let v = json!({
        "file": path.display().to_string(),
        "arch": image.arch().name(),
        "endian": image.endian().name(),
        "blocks": d.blocks.len(),
        "code_bytes": d.code_bytes(),
        "instructions": insns,
        "lifted": d.lifted,
        "unsupported_total": insns - d.lifted,
        "nodecode": d.nodecode,
        "lifted_percent": pct,
        "unsupported": d.unsupported,
        "truncated": d.truncated,
        "seconds": secs,
    });
    Ok((v, d))
}

/// Runs `vexil coverage`.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let mut failed = Vec::new();
    for path in &args.files {
        match measure(path, !args.no_sweep) {
            Ok((v, d)) => {
                if args.json {
                    writeln!(out, "{v}")?;
                } else {
                    print_human(out, &v, &d, args.top)?;
                }
            }
            Err(err) => {
                let msg = format!("{err:#}");
                if args.json {
                    writeln!(
                        out,
                        "{}",
                        json!({"file": path.display().to_string(), "error": msg})
                    )?;
                } else {
                    eprintln!("vexil: {msg}");
                }
                failed.push(path.display().to_string());
            }
        }
    }
    if !failed.is_empty() {
        return Err(anyhow::anyhow!(
            "{} of {} files could not be measured",
            failed.len(),
            args.files.len()
        ))
        .with_context(|| failed.join(", "));
    }
    Ok(Outcome::Ok)
}

fn print_human(out: &mut dyn Write, v: &Value, d: &Discovery, top: usize) -> anyhow::Result<()> {
    writeln!(
        out,
        "{}: {} {}-endian, {} blocks, {} bytes of code",
        v["file"].as_str().unwrap_or(""),
        v["arch"].as_str().unwrap_or(""),
        v["endian"].as_str().unwrap_or(""),
        d.blocks.len(),
        d.code_bytes()
    )?;
    writeln!(
        out,
        "  instructions {}  lifted {} ({:.3}%)  unsupported {}  nodecode {}{}",
        d.instructions(),
        d.lifted,
        v["lifted_percent"].as_f64().unwrap_or(0.0),
        d.instructions() - d.lifted,
        d.nodecode,
        if d.truncated {
            "  (truncated: block limit reached)"
        } else {
            ""
        }
    )?;
    let mut list: Vec<(&String, &u64)> = d.unsupported.iter().collect();
    list.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    if !list.is_empty() {
        let shown: Vec<String> = list
            .iter()
            .take(top)
            .map(|(m, n)| format!("{m} {n}"))
            .collect();
        let more = if list.len() > top {
            format!(", ... {} more", list.len() - top)
        } else {
            String::new()
        };
        writeln!(out, "  unsupported: {}{more}", shown.join(", "))?;
    }
    Ok(())
}

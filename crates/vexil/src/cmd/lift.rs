//! `vexil lift`: lift consecutive blocks and print them in the canonical
//! text form.
//!
//! Blocks are followed while the next target is a constant (fall-through,
//! direct jump or call); lifting stops at a computed target, at a block that
//! could not be decoded, or when the next address is not code. The ISA mode
//! comes from `--thumb`, else from the entry or symbol, else from the
//! image's symbols at the address (ARM only); an odd `--addr` on ARM means
//! Thumb, as in `bx`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use serde_json::json;
use vexil_ir::{Arch, Irsb, IsaMode, JumpKind};
use vexil_lift::LiftOptions;
use vexil_loader::{Image, LoadOptions};

use super::{hex, load_image, parse_addr};
use crate::Outcome;

/// Arguments of `vexil lift`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("start").required(true).args(["entry", "addr", "symbol"])))]
pub struct Args {
    /// The ELF file.
    pub file: PathBuf,
    /// Start at the entry point.
    #[arg(long)]
    pub entry: bool,
    /// Start at this address (0x-prefixed hex or decimal).
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    pub addr: Option<u64>,
    /// Start at this symbol.
    #[arg(long, value_name = "NAME")]
    pub symbol: Option<String>,
    /// How many consecutive blocks to lift.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub count: u32,
    /// Decode as Thumb (ARM only).
    #[arg(long)]
    pub thumb: bool,
    /// Optimization level.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub opt: u8,
    /// Print JSON: {file, arch, endian, blocks: [{addr, mode, instructions, bytes, jumpkind, next, text}]}.
    #[arg(long)]
    pub json: bool,
}

/// Runs `vexil lift`.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let image = load_image(&args.file, &LoadOptions::default())?;
    let arch = image.arch();
    if args.thumb && arch != Arch::Arm {
        bail!("--thumb is only meaningful for ARM, and this file is {arch}");
    }
    let (addr, mut mode) = start(&image, args)?;
    if args.thumb {
        mode = IsaMode::Thumb;
    }
    // Check the start before looking for a lifter: a bad address is the
    // more specific error.
    image
        .code_at(addr)
        .with_context(|| format!("cannot lift at {addr:#x}"))?;
    let Some(guest) = vexil_lift::guest_for(arch, image.endian()) else {
        bail!("no lifter for {arch} ({}-endian) yet", image.endian());
    };

    // The lifter's own optimization is off so that exactly `--opt` applies.
    let lift_opts = LiftOptions {
        opt_level: 0,
        ..LiftOptions::default()
    };
    let mut blocks = Vec::new();
    let mut cur = Some((addr, mode));
    let mut stop_note = None;
    for _ in 0..args.count {
        let Some((a, m)) = cur else { break };
        let code = match image.code_at(a) {
            Ok(code) => code,
            Err(err) => {
                stop_note = Some(format!("stopped at {a:#x}: {err}"));
                break;
            }
        };
        let mut irsb = guest.lift(code, a, m, &lift_opts);
        vexil_ir::opt::optimize(&mut irsb, args.opt, guest.hooks());
        if let Err(err) = vexil_ir::verify(&irsb) {
            // A lifter or optimizer bug, not bad input: say so, keep going.
            eprintln!("vexil: warning: the block at {a:#x} fails verification: {err}");
        }
        cur = successor(&image, &irsb, m);
        blocks.push((a, m, irsb));
    }

    if args.json {
        let list: Vec<_> = blocks
            .iter()
            .map(|(a, m, irsb)| {
                json!({
                    "addr": hex(*a),
                    "mode": m.name(),
                    "instructions": irsb.instruction_count(),
                    "bytes": irsb.size(),
                    "jumpkind": format!("{:?}", irsb.jumpkind),
                    "next": irsb.const_next().map(hex),
                    "text": irsb.to_string(),
                })
            })
            .collect();
        let v = json!({
            "file": args.file.display().to_string(),
            "arch": arch.name(),
            "endian": image.endian().name(),
            "opt": args.opt,
            "blocks": list,
            "stopped": stop_note,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        for (a, m, irsb) in &blocks {
            let mode = if *m == IsaMode::Thumb { " (thumb)" } else { "" };
            writeln!(out, "# block at {a:#x}{mode}")?;
            writeln!(out, "{irsb}")?;
        }
        if let Some(note) = stop_note {
            eprintln!("vexil: {note}");
        }
    }
    Ok(Outcome::Ok)
}

/// The start address and mode from `--entry`, `--addr` or `--symbol`.
fn start(image: &Image, args: &Args) -> anyhow::Result<(u64, IsaMode)> {
    let arm = image.arch() == Arch::Arm;
    if args.entry {
        return Ok((image.entry(), image.entry_mode()));
    }
    if let Some(name) = &args.symbol {
        let Some(sym) = image.symbol(name) else {
            bail!("no symbol named `{name}` in {}", args.file.display());
        };
        if !sym.defined {
            bail!("symbol `{name}` is not defined in this file (it is imported)");
        }
        return Ok((sym.addr, sym.mode));
    }
    let Some(addr) = args.addr else {
        bail!("give one of --entry, --addr or --symbol");
    };
    if arm && addr & 1 != 0 {
        return Ok((addr & !1, IsaMode::Thumb));
    }
    Ok((addr, image.isa_mode_at(addr).unwrap_or(IsaMode::Default)))
}

/// The next block to lift, if the block ends in a constant target.
fn successor(image: &Image, irsb: &Irsb, mode: IsaMode) -> Option<(u64, IsaMode)> {
    match irsb.jumpkind {
        JumpKind::NoDecode
        | JumpKind::EmFail
        | JumpKind::MapFail
        | JumpKind::SigILL
        | JumpKind::SigTRAP
        | JumpKind::SigSEGV
        | JumpKind::SigBUS => return None,
        _ => {}
    }
    let next = irsb.const_next()?;
    if image.arch() != Arch::Arm {
        return Some((next, mode));
    }
    // An odd target switches to Thumb (interworking); otherwise trust the
    // symbols when they say something, and stay in the current mode if not.
    if next & 1 != 0 {
        return Some((next & !1, IsaMode::Thumb));
    }
    Some((next, image.isa_mode_at(next).unwrap_or(mode)))
}

//! `vexil info`: what an ELF file is.
//!
//! The JSON form is one object whose keys are stable (scripts and the
//! corpus tests read them): `file`, `format`, `type`, `arch`, `machine`,
//! `endian`, `insn_endian`, `bits`, `entry`, `entry_mode`, `static`, `pie`,
//! `interpreter`, `flags`, `mips_abi`, `segments`, `sections`, `symbols`,
//! `dynamic_symbols`, `warnings`. Addresses are `0x` hex strings (exact in
//! every JSON reader); sizes and counts are numbers.

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;
use vexil_loader::{Image, LoadOptions};

use super::{hex, load_image};
use crate::Outcome;

/// Arguments of `vexil info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ELF file.
    pub file: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Load the file even if its section headers or symbol tables are
    /// damaged (reported under warnings).
    #[arg(long)]
    pub tolerant: bool,
}

/// Runs `vexil info`.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let opts = LoadOptions {
        tolerate_bad_sections: args.tolerant,
    };
    let image = load_image(&args.file, &opts)?;
    if args.json {
        let v = to_json(&image, &args.file.display().to_string());
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        write_table(&image, &args.file.display().to_string(), out)?;
    }
    Ok(Outcome::Ok)
}

fn to_json(image: &Image, file: &str) -> serde_json::Value {
    let segments: Vec<_> = image
        .program_headers()
        .iter()
        .map(|s| {
            json!({
                "type": s.type_name,
                "offset": s.offset,
                "vaddr": hex(s.vaddr),
                "filesz": s.filesz,
                "memsz": s.memsz,
                "perms": s.perms.to_string(),
                "align": s.align,
            })
        })
        .collect();
    let warnings: Vec<_> = image.warnings().iter().map(|w| w.to_string()).collect();
    json!({
        "file": file,
        "format": image.format(),
        "type": image.kind().name(),
        "arch": image.arch().name(),
        "machine": image.machine_name(),
        "endian": image.endian().name(),
        "insn_endian": image.insn_endian().name(),
        "bits": image.bits(),
        "entry": hex(image.entry()),
        "entry_mode": image.entry_mode().name(),
        "static": image.is_static(),
        "pie": image.is_pie(),
        "interpreter": image.interpreter(),
        "flags": format!("{:#x}", image.flags()),
        "mips_abi": image.mips_abi().map(|a| a.name()),
        "segments": segments,
        "sections": image.sections().len(),
        "symbols": image.symbols().len(),
        "dynamic_symbols": image.dynamic_symbol_count(),
        "warnings": warnings,
    })
}

fn write_table(image: &Image, file: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    writeln!(out, "file         {file}")?;
    writeln!(
        out,
        "format       {} ({})",
        image.format(),
        image.kind().name()
    )?;
    let abi = image
        .mips_abi()
        .map(|a| format!(", {}", a.name()))
        .unwrap_or_default();
    writeln!(
        out,
        "arch         {} ({}, e_flags {:#x}{abi})",
        image.arch(),
        image.machine_name(),
        image.flags()
    )?;
    if image.insn_endian() == image.endian() {
        writeln!(out, "endian       {}", image.endian())?;
    } else {
        writeln!(
            out,
            "endian       {} (instructions {})",
            image.endian(),
            image.insn_endian()
        )?;
    }
    writeln!(out, "bits         {}", image.bits())?;
    writeln!(
        out,
        "entry        {:#x} ({})",
        image.entry(),
        image.entry_mode().name()
    )?;
    writeln!(
        out,
        "static       {} (pie: {})",
        yes_no(image.is_static()),
        yes_no(image.is_pie())
    )?;
    writeln!(out, "interpreter  {}", image.interpreter().unwrap_or("-"))?;
    writeln!(out, "sections     {}", image.sections().len())?;
    writeln!(
        out,
        "symbols      {} ({} dynamic)",
        image.symbols().len(),
        image.dynamic_symbol_count()
    )?;
    for w in image.warnings() {
        writeln!(out, "warning      {w}")?;
    }
    writeln!(out, "segments     {}", image.program_headers().len())?;
    let width = if image.bits() == 64 { 18 } else { 10 };
    writeln!(
        out,
        "  {:<14} {:>10} {:>w$} {:>10} {:>10} perms",
        "type",
        "offset",
        "vaddr",
        "filesz",
        "memsz",
        w = width
    )?;
    for s in image.program_headers() {
        writeln!(
            out,
            "  {:<14} {:>10} {:>w$} {:>10} {:>10} {}",
            s.type_name,
            hex(s.offset),
            hex(s.vaddr),
            hex(s.filesz),
            hex(s.memsz),
            s.perms,
            w = width
        )?;
    }
    Ok(())
}

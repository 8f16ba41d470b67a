//! Measures the x86 lifter on ELF files: coverage (through the shared code
//! discovery, as `vexil coverage` does) and lifting throughput (every
//! discovered block lifted again, timed).
//!
//! `cargo run --release -p vexil-lift --example x86_measure -- FILE... [--blocks OUT.json]`
//!
//! This is the interim tool the x86 issue asks for until `vexil coverage`
//! and `vexil bench lift` exist; `--blocks` writes the block list in the
//! format `scripts/bench/pyvex_lift.py` reads, so pyvex can lift the same
//! blocks side by side.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol, SectionFlags, SectionKind};
use std::collections::BTreeMap;
use std::time::Instant;
use vexil_ir::{Arch, Endian, IsaMode};
use vexil_lift::discover::{CodeRegion, DiscoverOptions, Start, discover};
use vexil_lift::{LiftOptions, guest_for};

fn main() {
    let mut files = Vec::new();
    let mut blocks_out = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--blocks" {
            blocks_out = args.next();
        } else {
            files.push(a);
        }
    }
    let mut total_unsup: BTreeMap<String, u64> = BTreeMap::new();
    let (mut tl, mut tn, mut ti) = (0u64, 0u64, 0u64);
    let mut lift_insns = 0u64;
    let mut lift_secs = 0f64;
    for path in &files {
        let data = std::fs::read(path).expect("read");
        let Ok(obj) = object::File::parse(&*data) else {
            eprintln!("{path}: not an object file");
            continue;
        };
        let arch = match obj.architecture() {
            object::Architecture::X86_64 => Arch::X86_64,
            object::Architecture::I386 => Arch::X86,
            _ => continue,
        };
        let guest = guest_for(arch, Endian::Little).unwrap();
        // Executable sections as regions (with file offsets for pyvex).
        let mut regions = Vec::new();
        let mut exported = Vec::new();
        for s in obj.sections() {
            let exec = match s.flags() {
                SectionFlags::Elf { sh_flags } => {
                    sh_flags & u64::from(object::elf::SHF_EXECINSTR) != 0
                }
                _ => s.kind() == SectionKind::Text,
            };
            if !exec || s.size() == 0 {
                continue;
            }
            let Ok(bytes) = s.data() else { continue };
            if bytes.is_empty() {
                continue;
            }
            let off = s.file_range().map_or(0, |r| r.0);
            exported.push((s.address(), off, bytes.len()));
            regions.push(CodeRegion {
                addr: s.address(),
                bytes,
                mode: IsaMode::Default,
            });
        }
        let _ = obj.segments().count();
        let mut starts = vec![Start {
            addr: obj.entry(),
            mode: IsaMode::Default,
        }];
        for sym in obj.symbols().chain(obj.dynamic_symbols()) {
            if sym.kind() == object::SymbolKind::Text && sym.address() != 0 {
                starts.push(Start {
                    addr: sym.address(),
                    mode: IsaMode::Default,
                });
            }
        }
        let opts = DiscoverOptions::default();
        let d = discover(guest, &regions, &starts, &opts);
        let unsup: u64 = d.unsupported.values().sum();
        let insns = d.lifted + unsup;
        println!(
            "{path}: {arch} instructions {insns} lifted {} ({:.4}%) nodecode {} unsupported {unsup}",
            d.lifted,
            100.0 * d.lifted as f64 / insns.max(1) as f64,
            d.nodecode,
        );
        if !d.unsupported.is_empty() {
            let mut v: Vec<_> = d.unsupported.iter().collect();
            v.sort_by(|a, b| b.1.cmp(a.1));
            let list: Vec<String> = v.iter().map(|(m, c)| format!("{m}:{c}")).collect();
            println!("  unsupported: {}", list.join(" "));
        }
        for (m, c) in &d.unsupported {
            *total_unsup.entry(m.clone()).or_default() += c;
        }
        tl += d.lifted;
        tn += d.nodecode;
        ti += insns;
        // Throughput: lift every discovered block again, timed, 3 rounds, best.
        let lopts = LiftOptions {
            opt_level: std::env::var("VEXIL_OPT")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(1),
            ..LiftOptions::default()
        };
        let code_at = |a: u64| {
            regions.iter().find_map(|r| {
                let off = usize::try_from(a.checked_sub(r.addr)?).ok()?;
                (off < r.bytes.len()).then(|| &r.bytes[off..])
            })
        };
        let jobs: Vec<(u64, &[u8], u32)> = d
            .blocks
            .iter()
            .filter_map(|b| Some((b.addr, code_at(b.addr)?, u32::try_from(b.size).ok()?)))
            .collect();
        let mut best = f64::MAX;
        let mut n = 0u64;
        let rounds: usize = std::env::var("VEXIL_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3);
        for _ in 0..rounds {
            n = 0;
            let t = Instant::now();
            for &(a, code, size) in &jobs {
                let o = LiftOptions {
                    max_bytes: lopts.max_bytes.min(size.max(1)),
                    ..lopts
                };
                let irsb = guest.lift(code, a, IsaMode::Default, &o);
                n += irsb.instruction_count() as u64;
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "  throughput: {n} instructions in {:.3}s = {:.0} insns/s ({} blocks)",
            best,
            n as f64 / best,
            jobs.len()
        );
        lift_insns += n;
        lift_secs += best;
        if let Some(out) = &blocks_out {
            let regions_json: Vec<String> = exported
                .iter()
                .map(|(a, o, s)| format!("{{\"addr\":{a},\"offset\":{o},\"size\":{s}}}"))
                .collect();
            let blocks_json: Vec<String> = d
                .blocks
                .iter()
                .map(|b| format!("[{},\"default\"]", b.addr))
                .collect();
            let json = format!(
                "{{\"file\":{:?},\"arch\":\"{}\",\"endian\":\"little\",\"max_insns\":{},\"max_bytes\":{},\"regions\":[{}],\"blocks\":[{}]}}",
                std::fs::canonicalize(path).unwrap().display().to_string(),
                arch,
                lopts.max_insns,
                lopts.max_bytes,
                regions_json.join(","),
                blocks_json.join(",")
            );
            std::fs::write(out, json).expect("write blocks");
        }
    }
    if files.len() > 1 {
        println!(
            "TOTAL instructions {ti} lifted {tl} ({:.4}%) nodecode {tn}; throughput {:.0} insns/s",
            100.0 * tl as f64 / ti.max(1) as f64,
            lift_insns as f64 / lift_secs
        );
        let mut v: Vec<_> = total_unsup.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1));
        let list: Vec<String> = v.iter().map(|(m, c)| format!("{m}:{c}")).collect();
        println!("  unsupported: {}", list.join(" "));
    }
}

//! The MIPS decoder against GNU objdump, the oracle for "which instruction
//! is this word".
//!
//! Two tests: one reads committed listings (`tests/golden/mips_objdump_*.txt`:
//! instruction words with objdump's mnemonic, up to a few of each mnemonic
//! objdump printed for Debian's busybox), so it runs everywhere; the other
//! disassembles whole binaries with the cross objdump when both the tool and
//! the fetched corpus are present (every instruction word of `.text`), and
//! regenerates the listings with `VEXIL_BLESS=1`.
//!
//! objdump prints aliases (`move`, `li`, `b`, `beqz`, `nop`, `ror`, ...) where
//! the decoder names the underlying instruction; `aliases` maps them back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vexil_lift::mips::decode::decode;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The decoder mnemonics an objdump mnemonic may stand for.
fn aliases(obj: &str) -> &'static [&'static str] {
    match obj {
        "nop" | "ssnop" | "ehb" | "pause" => &["sll"],
        "move" => &["addu", "or", "daddu"],
        "li" => &["addiu", "ori"],
        "b" => &["beq", "bgez"],
        "bal" => &["bgezal"],
        "beqz" => &["beq"],
        "bnez" => &["bne"],
        "beqzl" => &["beql"],
        "bnezl" => &["bnel"],
        "negu" => &["subu"],
        "neg" => &["sub"],
        "dnegu" => &["dsubu"],
        "dneg" => &["dsub"],
        "not" => &["nor"],
        "ror" => &["rotr"],
        "rorv" => &["rotrv"],
        "dror" => &["drotr"],
        "dror32" => &["drotr32"],
        "drorv" => &["drotrv"],
        "jr.hb" => &["jr"],
        "jalr.hb" => &["jalr"],
        "dext" => &["dext", "dextm", "dextu"],
        "dins" => &["dins", "dinsm", "dinsu"],
        "sync.wmb" | "sync.mb" | "sync.acquire" | "sync.release" | "sync.rmb" => &["sync"],
        _ => &[],
    }
}

fn matches(obj: &str, mine: &str) -> bool {
    obj == mine || aliases(obj).contains(&mine)
}

/// `(word, objdump mnemonic)` for every instruction line of an objdump -d listing.
fn parse_objdump(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut parts = line.split('\t');
        let (Some(a), Some(w), Some(m)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if !a.trim_end().ends_with(':') {
            continue;
        }
        let Ok(word) = u32::from_str_radix(w.trim(), 16) else {
            continue;
        };
        out.push((word, m.trim().to_string()));
    }
    out
}

fn check(pairs: &[(u32, String)], is64: bool) -> BTreeMap<(String, String), usize> {
    let mut bad = BTreeMap::new();
    for (w, m) in pairs {
        let mine = decode(*w, is64).map_or_else(|| "(invalid)".to_string(), |i| i.mnemonic());
        let obj_invalid = m.starts_with(".word") || m.starts_with("0x");
        let ok = if obj_invalid {
            mine == "(invalid)"
        } else {
            matches(m, &mine)
        };
        if !ok {
            *bad.entry((m.clone(), mine)).or_insert(0) += 1;
        }
    }
    bad
}

const LISTINGS: [(&str, bool, &str, &str); 2] = [
    (
        "mipsel",
        false,
        "mipsel-linux-gnu-objdump",
        ".cache/debian/x/busybox-static-mipsel/bin/busybox",
    ),
    (
        "mips64el",
        true,
        "mips64el-linux-gnuabi64-objdump",
        ".cache/debian/x/busybox-static-mips64el/bin/busybox",
    ),
];

fn listing_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/mips_objdump_{name}.txt"))
}

#[test]
fn decoder_matches_committed_objdump_listings() {
    for (name, is64, _, _) in LISTINGS {
        let text = std::fs::read_to_string(listing_path(name)).unwrap();
        let pairs: Vec<(u32, String)> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (w, m) = l.split_once(' ')?;
                Some((u32::from_str_radix(w, 16).ok()?, m.to_string()))
            })
            .collect();
        assert!(pairs.len() > 100, "{name}: listing too small");
        let bad = check(&pairs, is64);
        assert!(bad.is_empty(), "{name}: objdump/decoder disagree: {bad:?}");
    }
}

#[test]
fn decoder_matches_live_objdump_on_corpus() {
    let require = std::env::var_os("VEXIL_REQUIRE_CORPUS").is_some_and(|v| v == "1");
    let bless = std::env::var_os("VEXIL_BLESS").is_some();
    for (name, is64, tool, file) in LISTINGS {
        let path = root().join(file);
        let out = std::process::Command::new(tool)
            .arg("-d")
            .arg(&path)
            .output();
        let Some(out) = out.ok().filter(|o| o.status.success()) else {
            assert!(
                !require || !path.exists(),
                "{tool} failed on {}",
                path.display()
            );
            eprintln!("skipping {name}: {tool} or {} missing", path.display());
            continue;
        };
        let pairs = parse_objdump(&String::from_utf8_lossy(&out.stdout));
        assert!(
            pairs.len() > 100_000,
            "{name}: only {} instructions",
            pairs.len()
        );
        let bad = check(&pairs, is64);
        assert!(bad.is_empty(), "{name}: objdump/decoder disagree: {bad:?}");
        if bless {
            // Up to 4 distinct words per objdump mnemonic.
            let mut per: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
            for (w, m) in &pairs {
                let v = per.entry(m.as_str()).or_default();
                if v.len() < 4 && !v.contains(w) {
                    v.push(*w);
                }
            }
            let mut s =
                format!("# {tool} -d {file}: word objdump-mnemonic, up to 4 per mnemonic\n");
            for (m, ws) in per {
                for w in ws {
                    s.push_str(&format!("{w:08x} {m}\n"));
                }
            }
            std::fs::write(listing_path(name), s).unwrap();
        }
    }
}

/// The repo's own sample programs (big-endian MIPS32 among them) and, when
/// built, the statically linked big-endian ones: every instruction objdump
/// prints must decode to the same instruction.
#[test]
fn decoder_matches_objdump_on_samples() {
    let mut checked = 0;
    for (dir, is64, tool) in [
        ("tests/samples/bin/mips", false, "mips-linux-gnu-objdump"),
        (
            "tests/samples/bin/mipsel",
            false,
            "mipsel-linux-gnu-objdump",
        ),
        (
            "tests/samples/bin/mips64el",
            true,
            "mips64el-linux-gnuabi64-objdump",
        ),
        (".cache/mipsbe-static", false, "mips-linux-gnu-objdump"),
    ] {
        let Ok(rd) = std::fs::read_dir(root().join(dir)) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.extension().is_some() {
                continue;
            }
            let Some(out) = std::process::Command::new(tool)
                .arg("-d")
                .arg(&p)
                .output()
                .ok()
                .filter(|o| o.status.success())
            else {
                eprintln!("skipping {}: {tool} unavailable", p.display());
                continue;
            };
            let pairs = parse_objdump(&String::from_utf8_lossy(&out.stdout));
            let bad = check(&pairs, is64);
            assert!(
                bad.is_empty(),
                "{}: objdump/decoder disagree: {bad:?}",
                p.display()
            );
            checked += pairs.len();
        }
    }
    eprintln!("{checked} instructions checked against objdump");
}

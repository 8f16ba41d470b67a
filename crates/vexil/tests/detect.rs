//! `vexil features`, `train`, `scan` and `eval` run as a user would, on the
//! repository's sample programs (a toy labeling: the point is the plumbing,
//! file formats, exit codes and errors, not accuracy).

// Test helpers outside #[test] functions fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn vexil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil"))
        .args(args)
        .env_remove("VEXIL_MODEL")
        .output()
        .expect("run vexil")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("vexil was killed by a signal")
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/bin")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vexil-detect-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A label file over the sample programs: checksum and sort play
/// "malicious", switch and float "benign"; each program is its own package.
fn labels(dir: &Path) -> PathBuf {
    let mut csv = String::from("sha256,path,package,arch,class\n");
    for arch in ["x86_64", "x86", "mipsel"] {
        for (prog, class) in [
            ("checksum", "malicious"),
            ("sort", "malicious"),
            ("switch", "benign"),
            ("float", "benign"),
        ] {
            let p = samples().join(arch).join(prog);
            csv.push_str(&format!(",{},{prog},{arch},{class}\n", p.display()));
        }
    }
    let path = dir.join("labels.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn features_writes_jsonl_libsvm_and_npz() {
    let dir = tmpdir("features");
    let (npz, svm) = (dir.join("f.npz"), dir.join("f.svm"));
    let out = vexil(&[
        "features",
        samples().join("mipsel/checksum").to_str().unwrap(),
        samples().join("x86_64/sort").to_str().unwrap(),
        "--no-progress",
        "--npz",
        npz.to_str().unwrap(),
        "--libsvm",
        svm.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["arch"], "mips32");
    assert_eq!(lines[1]["arch"], "x86_64");
    assert_eq!(lines[0]["features"][0]["spec"]["scheme"], "neutral-v2");
    assert!(
        lines[0]["features"][0]["vec"]["idx"]
            .as_array()
            .unwrap()
            .len()
            > 100
    );
    let zip = std::fs::read(&npz).unwrap();
    assert_eq!(&zip[..4], b"PK\x03\x04");
    let text = std::fs::read_to_string(&svm).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.starts_with("0 ")); // unlabeled
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bad_file_is_skipped_and_reported_not_fatal() {
    let dir = tmpdir("bad");
    let junk = dir.join("junk");
    std::fs::write(&junk, b"\x7fELF garbage").unwrap();
    let out = vexil(&[
        "features",
        junk.to_str().unwrap(),
        samples().join("mipsel/checksum").to_str().unwrap(),
        "--no-progress",
    ]);
    assert_eq!(code(&out), 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped"));
    // Only bad files: a usage/input error.
    let out = vexil(&["features", junk.to_str().unwrap(), "--no-progress"]);
    assert_eq!(code(&out), 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn train_then_scan_with_json_verdicts() {
    let dir = tmpdir("scan");
    let labels = labels(&dir);
    let model = dir.join("model.json");
    let out = vexil(&[
        "train",
        "--labels",
        labels.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--train-arch",
        "x86,x86_64",
        "--min-groups",
        "1",
        "--threshold",
        "0.5",
        "--no-progress",
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let junk = dir.join("junk");
    std::fs::write(&junk, b"not an elf").unwrap();
    let out = vexil(&[
        "scan",
        "--model",
        model.to_str().unwrap(),
        "--json",
        "--no-progress",
        samples().join("mipsel/checksum").to_str().unwrap(),
        samples().join("mipsel/float").to_str().unwrap(),
        junk.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let objs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 3, "{text}");
    for o in &objs[..2] {
        assert_eq!(o["arch"], "mips32");
        assert!(["malicious", "benign"].contains(&o["verdict"].as_str().unwrap()));
        let score = o["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        let top = o["top"].as_array().unwrap();
        // The contributing n-grams print as statement shapes.
        for t in top {
            let g = t["ngram"].as_str().unwrap();
            assert!(g.contains('(') || g == "ret", "{g}");
        }
    }
    assert!(objs[2]["error"].is_string());
    assert!(objs[2].get("verdict").is_none());
    // Exit code: 1 if something was judged malicious, else 2 (a file failed).
    let any_malicious = objs.iter().any(|o| o["verdict"] == "malicious");
    assert_eq!(code(&out), if any_malicious { 1 } else { 2 });

    // A model of another format version is refused with exit code 2.
    let text = std::fs::read_to_string(&model).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, text.replacen("\"version\":1", "\"version\":99", 1)).unwrap();
    let out = vexil(&[
        "scan",
        "--model",
        bad.to_str().unwrap(),
        samples().join("mipsel/checksum").to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("version"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn eval_writes_report_table_and_plots() {
    let dir = tmpdir("eval");
    let labels = labels(&dir);
    let out_dir = dir.join("report");
    let out = vexil(&[
        "eval",
        "--labels",
        labels.to_str().unwrap(),
        "--train-arch",
        "x86,x86_64",
        "--test-arch",
        "mipsel",
        "--min-groups",
        "1",
        "--folds",
        "2",
        "--classifier",
        "linear,neighbors",
        "--no-progress",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(table.contains("same-program") && table.contains("package-disjoint"));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["samples"], 12);
    for run in ["neutral-v2-linear", "neutral-v2-neighbors"] {
        assert!(out_dir.join(run).join("roc.svg").is_file(), "{run}");
        assert!(out_dir.join(run).join("per-arch.svg").is_file(), "{run}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A `vexil` copied away from the repository (no models/ beside it or the
/// working directory, no $VEXIL_MODEL) still scans, with the model compiled
/// into it, and gives the same verdict and score as with the shipped file.
#[test]
fn scan_without_a_model_file_uses_the_compiled_in_default() {
    let dir = tmpdir("embedded");
    let exe = dir.join("vexil");
    std::fs::copy(env!("CARGO_BIN_EXE_vexil"), &exe).unwrap();
    let sample = samples().join("mipsel/sort");
    let run = |extra: &[&str]| {
        let mut args = vec!["scan", "--json", sample.to_str().unwrap()];
        args.extend_from_slice(extra);
        // Another test thread forking while the copy was open for writing
        // can hold it open for a moment (ETXTBSY): retry briefly.
        let mut tries = 0;
        let out = loop {
            match Command::new(&exe)
                .args(&args)
                .current_dir(&dir)
                .env_remove("VEXIL_MODEL")
                .output()
            {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 100 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                r => break r.unwrap(),
            }
        };
        assert!(
            code(&out) == 0 || code(&out) == 1,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (v["verdict"].clone(), v["score"].as_f64().unwrap())
    };
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/default.json");
    let (embedded, explicit) = (run(&[]), run(&["--model", shipped.to_str().unwrap()]));
    assert_eq!(embedded, explicit);
    assert!((0.0..=1.0).contains(&embedded.1));
    std::fs::remove_dir_all(&dir).unwrap();
}

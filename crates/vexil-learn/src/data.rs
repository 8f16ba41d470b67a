//! Labels, samples and the weights that keep a few large packages from
//! dominating training.

use crate::Error;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vexil_features::Sample;

/// One row of a label file: `sha256,path,package,arch,class`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelRow {
    /// SHA-256 of the file (may be empty: then it is computed).
    pub sha256: String,
    /// Path, relative to the label file's directory unless absolute.
    pub path: PathBuf,
    /// Group (package) the file belongs to.
    pub package: String,
    /// Architecture column as written (`amd64`, `mipsel`, `x86_64`, ...).
    pub arch: String,
    /// Class column as written (`attack`, `malicious`, `benign`, ...).
    pub class: String,
}

/// Reads a label file. The header must name at least the columns `path`,
/// `arch` and `class`; `sha256` and `package` are optional (a missing
/// package makes each file its own group).
pub fn read_labels(path: &Path) -> Result<Vec<LabelRow>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(Error::Labels(format!(
            "{}: empty label file",
            path.display()
        )));
    };
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let col = |name: &str| cols.iter().position(|c| *c == name);
    let (Some(ip), Some(ia), Some(ic)) = (col("path"), col("arch"), col("class")) else {
        return Err(Error::Labels(format!(
            "{}: header must name the columns path, arch and class (got `{header}`)",
            path.display()
        )));
    };
    let (is, ipk) = (col("sha256"), col("package"));
    let mut out = Vec::new();
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let get = |i: usize| f.get(i).copied();
        let (Some(p), Some(a), Some(c)) = (get(ip), get(ia), get(ic)) else {
            return Err(Error::Labels(format!(
                "{}:{}: expected {} columns, got {}",
                path.display(),
                n + 1,
                cols.len(),
                f.len()
            )));
        };
        let p = PathBuf::from(p);
        let full = if p.is_absolute() { p } else { base.join(p) };
        let package = ipk
            .and_then(get)
            .filter(|s| !s.is_empty())
            .map_or_else(|| full.display().to_string(), str::to_string);
        out.push(LabelRow {
            sha256: is.and_then(get).unwrap_or("").to_string(),
            path: full,
            package,
            arch: a.to_string(),
            class: c.to_string(),
        });
    }
    Ok(out)
}

/// Whether a class name means the positive (malicious) class: `attack`,
/// `malicious`, `malware`, `positive`, `1` are positive; `benign`, `clean`,
/// `negative`, `0` are negative; anything else is `None`.
pub fn is_positive(class: &str) -> Option<bool> {
    match class.to_ascii_lowercase().as_str() {
        "attack" | "malicious" | "malware" | "positive" | "1" => Some(true),
        "benign" | "clean" | "negative" | "0" => Some(false),
        _ => None,
    }
}

/// Whether an architecture selector (`x86`, `x86_64`, `amd64`, `mipsel`,
/// `mips32`, ...) selects a sample. A selector matches the label file's
/// architecture column exactly, or names the same vexil architecture.
pub fn arch_matches(selector: &str, s: &Sample) -> bool {
    let sel = selector.trim();
    if s.label_arch.as_deref() == Some(sel) || s.arch == sel {
        return true;
    }
    match (
        sel.parse::<vexil_ir::Arch>(),
        s.arch.parse::<vexil_ir::Arch>(),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The architecture name a sample is reported under: the label file's
/// column if there is one (`mipsel` and `mips64el` stay apart), else the
/// vexil architecture.
pub fn report_arch(s: &Sample) -> &str {
    s.label_arch.as_deref().unwrap_or(&s.arch)
}

/// The group (package) of a sample: its group, else its path.
pub fn group_of(s: &Sample) -> &str {
    s.group.as_deref().unwrap_or(&s.path)
}

/// Per-sample training weights: every (group, architecture) pair weighs the
/// same in total, then both classes weigh the same in total. Without this,
/// the few packages with a hundred files each (coreutils, util-linux,
/// thc-ipv6) would be most of what the classifier learns. The weights sum
/// to the number of samples.
pub fn group_weights(samples: &[&Sample], labels: &[bool]) -> Vec<f64> {
    let mut per_group: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for s in samples {
        *per_group.entry((group_of(s), report_arch(s))).or_default() += 1;
    }
    let mut w: Vec<f64> = samples
        .iter()
        .map(|s| 1.0 / count_f64(per_group[&(group_of(s), report_arch(s))]))
        .collect();
    let pos: f64 = w
        .iter()
        .zip(labels)
        .filter(|(_, y)| **y)
        .map(|(w, _)| w)
        .sum();
    let neg: f64 = w
        .iter()
        .zip(labels)
        .filter(|(_, y)| !**y)
        .map(|(w, _)| w)
        .sum();
    let n = count_f64(samples.len());
    for (wi, &y) in w.iter_mut().zip(labels) {
        let class_total = if y { pos } else { neg };
        if class_total > 0.0 {
            *wi *= n / (2.0 * class_total);
        }
    }
    w
}

/// A count as a float (exact below 2^53).
#[allow(clippy::cast_precision_loss)]
pub fn count_f64(n: usize) -> f64 {
    n as f64
}

/// Extraction jobs for the rows of a label file.
pub fn jobs_from_labels(rows: &[LabelRow]) -> Vec<vexil_features::batch::Job> {
    rows.iter()
        .map(|r| vexil_features::batch::Job {
            path: r.path.clone(),
            label: Some(r.class.clone()),
            group: Some(r.package.clone()),
            label_arch: Some(r.arch.clone()),
        })
        .collect()
}

//! Dataset files: JSON lines (vexil's own, read back by `train`/`eval`),
//! LibSVM/SVMlight text, and a SciPy sparse-matrix `.npz`.
//!
//! Every writer writes to a temporary file beside the target and renames it
//! into place, so an interrupted run never leaves a truncated dataset
//! ([`write_replacing`]; a device such as `/dev/null` is written in place).
//!
//! The `.npz` is what `scipy.sparse.save_npz` writes for a CSR matrix
//! (`data`, `indices`, `indptr`, `shape`, `format`), plus `labels` (1
//! positive, 0 negative, -1 unknown). Per-sample metadata (paths, hashes,
//! architectures) stays in the JSON-lines file, whose rows are in the same
//! order. Load it with `scipy.sparse.load_npz(path)`, or with plain NumPy
//! via `np.load(path)` and the three CSR arrays.

use crate::vector::{FeatureSpec, Sample};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// Errors writing or reading dataset files.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// I/O on a path.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A JSON line could not be parsed.
    #[error("{path}:{line}: {msg}")]
    Parse {
        /// The file.
        path: std::path::PathBuf,
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        msg: String,
    },
    /// A sample could not be serialized.
    #[error("{path}: cannot write its features as JSON: {msg}")]
    Serialize {
        /// The binary the sample describes.
        path: String,
        /// What serde_json reported.
        msg: String,
    },
    /// The data does not fit the format (an `.npz` member over 4 GiB).
    #[error("{0}")]
    TooLarge(String),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` atomically (temporary file in the same directory, then
/// rename); see [`write_replacing`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_replacing(path, bytes).map_err(|(path, source)| WriteError::Io { path, source })
}

/// Writes `bytes` to `path` so that no reader ever sees a half-written
/// file: into a temporary file in the same directory, then renamed over
/// the path. On failure the error names the path it concerns, and the
/// temporary file is removed.
///
/// Two kinds of path are not replaced by the rename:
/// - A path that exists and is not a regular file (`/dev/null`, a FIFO, a
///   terminal, `/dev/stdout`) is written in place. Renaming over it would
///   put a plain file where the device was (for `/dev/null`, run as root,
///   that breaks every later program that reads it).
/// - A symbolic link is followed: the file it points to is replaced, and
///   the link stays a link.
pub fn write_replacing(path: &Path, bytes: &[u8]) -> Result<(), (PathBuf, std::io::Error)> {
    fn err(p: &Path) -> impl Fn(std::io::Error) -> (PathBuf, std::io::Error) + '_ {
        move |e| (p.to_path_buf(), e)
    }
    let resolved;
    let path = match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(err(path))?;
            return f.write_all(bytes).map_err(err(path));
        }
        Ok(meta)
            if meta.is_file() && std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink()) =>
        {
            resolved = std::fs::canonicalize(path).map_err(err(path))?;
            resolved.as_path()
        }
        _ => path,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err(dir))?;
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = std::fs::write(&tmp, bytes)
        .map_err(err(&tmp))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(err(path)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The samples as JSON lines, one object per binary: what
/// `serde_json::to_writer` writes for each [`Sample`], byte for byte (see
/// [`write_sample`]).
///
/// A sample that cannot be written fails the whole output, naming the
/// binary, rather than leaving a partial line or a missing one that a
/// reader would not notice. (Nothing a sample holds makes `serde_json`
/// fail today; non-finite values are written as `null`, as serde does.)
pub fn jsonl_bytes(samples: &[Sample]) -> Result<Vec<u8>, WriteError> {
    // About 14 bytes per vector entry (`123456,` and `7.0,`), plus the rest.
    let entries: usize = samples
        .iter()
        .flat_map(|s| &s.features)
        .map(|f| f.vec.nnz())
        .sum();
    let mut out = Vec::with_capacity(entries * 14 + samples.len() * 512);
    for s in samples {
        write_sample(&mut out, s).map_err(|e| WriteError::Serialize {
            path: s.path.clone(),
            msg: e.to_string(),
        })?;
        out.push(b'\n');
    }
    Ok(out)
}

/// Writes `s` as serde's derived `Serialize` and `serde_json` would, but
/// writes the vectors' indices and values itself: they are nearly all of
/// the output, and going through serde's sequence machinery and a general
/// float printer for each one cost more than the rest of the file together.
/// Everything else (strings, the spec, the statistics) is written by
/// `serde_json`, so its escaping and formatting are the library's own.
/// The field order and the skipped `None` fields follow the struct
/// declarations in [`crate::vector`]; a test compares the two outputs.
fn write_sample(out: &mut Vec<u8>, s: &Sample) -> serde_json::Result<()> {
    out.push(b'{');
    value_field(out, "sha256", &s.sha256)?;
    out.push(b',');
    value_field(out, "path", &s.path)?;
    out.push(b',');
    value_field(out, "arch", &s.arch)?;
    for (name, v) in [
        ("label", &s.label),
        ("group", &s.group),
        ("label_arch", &s.label_arch),
    ] {
        if let Some(v) = v {
            out.push(b',');
            value_field(out, name, v)?;
        }
    }
    out.push(b',');
    key(out, "features");
    out.push(b'[');
    for (i, f) in s.features.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        value_field(out, "spec", &f.spec)?;
        out.push(b',');
        key(out, "vec");
        out.push(b'{');
        value_field(out, "dim", &f.vec.dim)?;
        out.push(b',');
        key(out, "idx");
        list(out, &f.vec.idx, |out, x| {
            push_u32(out, x);
            Ok(())
        })?;
        out.push(b',');
        key(out, "val");
        list(out, &f.vec.val, push_f32)?;
        out.extend_from_slice(b"}}");
    }
    out.push(b']');
    out.push(b',');
    value_field(out, "stats", &s.stats)?;
    out.push(b'}');
    Ok(())
}

/// `"name":`
fn key(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

/// `"name":value`, the value as `serde_json` writes it.
fn value_field<T: serde::Serialize + ?Sized>(
    out: &mut Vec<u8>,
    name: &str,
    v: &T,
) -> serde_json::Result<()> {
    key(out, name);
    serde_json::to_writer(&mut *out, v)
}

/// `[a,b,...]`, each item written by `item`.
fn list<T: Copy>(
    out: &mut Vec<u8>,
    items: &[T],
    item: impl Fn(&mut Vec<u8>, T) -> serde_json::Result<()>,
) -> serde_json::Result<()> {
    out.push(b'[');
    for (j, &x) in items.iter().enumerate() {
        if j > 0 {
            out.push(b',');
        }
        item(out, x)?;
    }
    out.push(b']');
    Ok(())
}

/// The decimal digits of 0..=99, two by two.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends `v` in decimal (as `serde_json` writes an integer).
///
/// The digits are written from the right into a fixed buffer whose whole
/// width is appended and then cut back: copying a fixed number of bytes is
/// a few moves, where a copy of the digits' varying length was a `memcpy`
/// call that cost more than the digits themselves.
#[allow(clippy::cast_possible_truncation)] // `v % 100` and `v` < 10 fit
fn push_u32(out: &mut Vec<u8>, mut v: u32) {
    let digits = match v {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1_000..=9_999 => 4,
        10_000..=99_999 => 5,
        100_000..=999_999 => 6,
        1_000_000..=9_999_999 => 7,
        10_000_000..=99_999_999 => 8,
        100_000_000..=999_999_999 => 9,
        _ => 10,
    };
    let mut buf = [0u8; 10];
    let mut at = digits;
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        let pair = v as usize * 2;
        buf[..2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        buf[0] = b'0' + v as u8;
    }
    let len = out.len() + digits;
    out.extend_from_slice(&buf);
    out.truncate(len);
}

/// Appends `x` as `serde_json` writes an `f32`. Vector values are counts:
/// a whole number below 10^7 is printed as its digits and `.0`, which is
/// what the shortest round-trip representation `serde_json` prints is for
/// such a number (no exponent below 10^16); anything else goes to
/// `serde_json` itself.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked whole and in range
fn push_f32(out: &mut Vec<u8>, x: f32) -> serde_json::Result<()> {
    if (0.0..1.0e7).contains(&x) && x.fract() == 0.0 && x.is_sign_positive() {
        push_u32(out, x as u32);
        out.extend_from_slice(b".0");
        Ok(())
    } else {
        serde_json::to_writer(out, &x)
    }
}

/// Writes samples as JSON lines.
pub fn write_jsonl(samples: &[Sample], path: &Path) -> Result<(), WriteError> {
    write_atomic(path, &jsonl_bytes(samples)?)
}

/// Reads samples from JSON lines (blank lines are skipped).
pub fn read_jsonl(path: &Path) -> Result<Vec<Sample>, WriteError> {
    let f = std::fs::File::open(path).map_err(io(path))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(io(path))?;
        if line.trim().is_empty() {
            continue;
        }
        let s: Sample = serde_json::from_str(&line).map_err(|e| WriteError::Parse {
            path: path.to_path_buf(),
            line: i + 1,
            msg: e.to_string(),
        })?;
        out.push(s);
    }
    Ok(out)
}

fn label_value(s: &Sample) -> i8 {
    match s.label.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("attack" | "malicious" | "malware" | "positive" | "1") => 1,
        Some("benign" | "clean" | "negative" | "0") => 0,
        _ => -1,
    }
}

/// LibSVM/SVMlight text for the family `spec`: `LABEL i:v i:v ... # sha256 path`
/// with 1-based indices and labels `+1`/`-1` (`0` when unknown).
pub fn libsvm_bytes(samples: &[Sample], spec: &FeatureSpec) -> Vec<u8> {
    let mut out = Vec::new();
    for s in samples {
        let label = match label_value(s) {
            1 => "+1",
            0 => "-1",
            _ => "0",
        };
        let _ = write!(out, "{label}");
        if let Some(v) = s.family(spec) {
            for (i, x) in v.iter() {
                let _ = write!(out, " {}:{}", u64::from(i) + 1, x);
            }
        }
        let _ = writeln!(out, " # {} {}", s.sha256, s.path);
    }
    out
}

/// Writes LibSVM text.
pub fn write_libsvm(samples: &[Sample], spec: &FeatureSpec, path: &Path) -> Result<(), WriteError> {
    write_atomic(path, &libsvm_bytes(samples, spec))
}

/// One `.npy` array (format version 1.0).
fn npy(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape_s = match shape {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_s}, }}");
    // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(
        &u16::try_from(header.len())
            .unwrap_or(u16::MAX)
            .to_le_bytes(),
    );
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// A zip archive of stored (uncompressed) members, as NumPy's `np.savez` writes.
fn zip_stored(members: &[(&str, Vec<u8>)]) -> Result<Vec<u8>, WriteError> {
    let big = |what: &str| WriteError::TooLarge(format!("{what} exceeds the 4 GiB zip limit"));
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in members {
        let offset = u32::try_from(out.len()).map_err(|_| big("archive"))?;
        let size = u32::try_from(data.len()).map_err(|_| big(name))?;
        let crc = crc32fast::hash(data);
        let name_len = u16::try_from(name.len()).unwrap_or(u16::MAX);
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for v in [20u16, 0, 0, 0, 0x21] {
            out.extend_from_slice(&v.to_le_bytes()); // version, flags, stored, time, date
        }
        for v in [crc, size, size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Central directory entry.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        for v in [20u16, 20, 0, 0, 0, 0x21] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [name_len, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes()); // name, extra, comment, disk, internal attrs
        }
        central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = u32::try_from(out.len()).map_err(|_| big("archive"))?;
    let cd_size = u32::try_from(central.len()).map_err(|_| big("directory"))?;
    let n = u16::try_from(members.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    for v in [0u16, 0, n, n] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

/// The family `spec` of `samples` as a SciPy CSR `.npz` (rows in sample order).
pub fn npz_bytes(samples: &[Sample], spec: &FeatureSpec) -> Result<Vec<u8>, WriteError> {
    let mut data = Vec::new();
    let mut indices = Vec::new();
    let mut indptr: Vec<u8> = Vec::new();
    let mut labels = Vec::new();
    let mut nnz: i64 = 0;
    indptr.extend_from_slice(&nnz.to_le_bytes());
    for s in samples {
        if let Some(v) = s.family(spec) {
            for (i, x) in v.iter() {
                data.extend_from_slice(&x.to_le_bytes());
                indices.extend_from_slice(&i32::try_from(i).unwrap_or(i32::MAX).to_le_bytes());
                nnz += 1;
            }
        }
        indptr.extend_from_slice(&nnz.to_le_bytes());
        labels.extend_from_slice(&label_value(s).to_le_bytes());
    }
    let n = samples.len();
    let nnz_u = usize::try_from(nnz).unwrap_or(0);
    let dim = i64::try_from(spec.dim()).unwrap_or(i64::MAX);
    let rows = i64::try_from(n).unwrap_or(i64::MAX);
    let mut shape = Vec::new();
    shape.extend_from_slice(&rows.to_le_bytes());
    shape.extend_from_slice(&dim.to_le_bytes());
    // `format` is a 0-d array of a 3-character unicode string (UTF-32LE).
    let mut fmt = Vec::new();
    for c in "csr".chars() {
        fmt.extend_from_slice(&u32::from(c).to_le_bytes());
    }
    zip_stored(&[
        ("data.npy", npy("<f4", &[nnz_u], &data)),
        ("indices.npy", npy("<i4", &[nnz_u], &indices)),
        ("indptr.npy", npy("<i8", &[n + 1], &indptr)),
        ("shape.npy", npy("<i8", &[2], &shape)),
        ("format.npy", npy("<U3", &[], &fmt)),
        ("labels.npy", npy("|i1", &[n], &labels)),
    ])
}

/// Writes the SciPy CSR `.npz`.
pub fn write_npz(samples: &[Sample], spec: &FeatureSpec, path: &Path) -> Result<(), WriteError> {
    write_atomic(path, &npz_bytes(samples, spec)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::{ExtractStats, FamilyVec, SparseVec};
    use crate::{FeatureSpec, Scheme};

    fn sample(label: bool, vals: &[f32]) -> Sample {
        let n = u32::try_from(vals.len()).unwrap_or(u32::MAX);
        let idx: Vec<u32> = (0..n).map(|i| i * 977 + i % 7 * 100_003).collect();
        let fam = |spec: FeatureSpec| FamilyVec {
            spec,
            vec: SparseVec {
                dim: 1 << 20,
                idx: idx.clone(),
                val: vals.to_vec(),
            },
        };
        Sample {
            sha256: "ab".repeat(32),
            path: "dir/with \"quotes\" \\ and\ttabs/\u{e9}\u{1}".into(),
            arch: "mips32".into(),
            label: label.then(|| "attack".into()),
            group: label.then(|| "pkg\n".into()),
            label_arch: None,
            features: vec![
                fam(FeatureSpec::default()),
                fam(FeatureSpec::with_scheme(Scheme::Seed)),
            ],
            stats: ExtractStats {
                file_bytes: 123_456,
                code_bytes: 7,
                blocks: 3,
                instructions: 9,
                tokens: 11,
                micros: 12,
                cpu_micros: 0,
            },
        }
    }

    /// The hand-written JSON is what `serde_json` writes for the same
    /// samples: with and without the optional fields, for empty vectors,
    /// whole counts of every size, and values that are not counts.
    #[test]
    fn jsonl_is_serde_json() {
        let mut vals: Vec<f32> = (0..2000u16).map(f32::from).collect();
        vals.extend(
            [
                9, 10, 99, 100, 65_535, 999_999, 9_999_999, 10_000_000, 16_777_216,
            ]
            .map(|v: u32| v as f32),
        );
        vals.extend([
            0.5,
            1.25,
            1.0e-7,
            3.0e20,
            -2.0,
            -0.0,
            f32::NAN,
            f32::INFINITY,
            f32::MAX,
        ]);
        let samples = vec![
            sample(true, &vals),
            sample(false, &[]),
            sample(false, &[1.0]),
        ];
        let mut expect = Vec::new();
        for s in &samples {
            serde_json::to_writer(&mut expect, s).unwrap();
            expect.push(b'\n');
        }
        let got = jsonl_bytes(&samples).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&expect)
        );
    }

    #[test]
    fn push_u32_is_decimal() {
        for v in (0..100_000).chain([u32::MAX, 1_000_000_000, 999_999_999, 4_000_000_000]) {
            let mut out = Vec::new();
            push_u32(&mut out, v);
            assert_eq!(out, v.to_string().as_bytes());
        }
    }
}

//! One binary, end to end: load the ELF file, discover and lift its code
//! (shared discovery from `vexil-lift`: traversal from the entry point and
//! the function symbols, then a sweep of the remaining executable bytes),
//! tokenize and count n-grams, once per requested feature spec.
//!
//! Code regions are the executable *sections* when the file has them
//! (`.text`, `.plt`, `.init`, ...), so the sweep does not read ELF headers
//! or read-only data that some linkers put in the executable segment; files
//! without section headers fall back to the executable segments.

use crate::extract::block_features;
use crate::vector::{ExtractStats, FamilyVec, FeatureSpec, Sample};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Instant;
use vexil_ir::IsaMode;
use vexil_lift::discover::{CodeRegion, DiscoverOptions, Discovery, Start, discover};
use vexil_lift::{Guest, LiftOptions, guest_for};
use vexil_loader::Image;

/// Errors extracting one file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be loaded.
    #[error("{0}")]
    Load(#[from] vexil_loader::Error),
    /// vexil has no lifter for the file's architecture yet.
    #[error("no lifter for {arch} ({endian}) yet")]
    NoLifter {
        /// Architecture.
        arch: vexil_ir::Arch,
        /// Byte order.
        endian: vexil_ir::Endian,
    },
    /// The file has no executable code to lift.
    #[error("no executable code found")]
    NoCode,
    /// The file took longer than the per-file time limit.
    #[error("timed out after {0} s")]
    Timeout(u64),
    /// The worker extracting it stopped without an answer (a bug).
    #[error("extraction failed: {0}")]
    Internal(String),
}

/// The code regions and traversal starts of an image.
pub fn regions_and_starts(image: &Image) -> (Vec<CodeRegion<'_>>, Vec<Start>) {
    let mode_at = |a: u64| image.isa_mode_at(a).unwrap_or(IsaMode::Default);
    let mut regions: Vec<CodeRegion<'_>> = image
        .sections()
        .iter()
        .filter(|s| s.is_exec() && s.is_alloc() && s.has_file_data() && s.size > 0)
        .filter_map(|s| {
            let data = image.section_data(s)?;
            Some(CodeRegion {
                addr: s.addr,
                bytes: data,
                mode: mode_at(s.addr),
            })
        })
        .collect();
    if regions.is_empty() {
        regions = image
            .exec_ranges()
            .filter_map(|r| {
                let bytes = image.code_at(r.start).ok()?;
                let len = usize::try_from(r.end - r.start).ok()?.min(bytes.len());
                Some(CodeRegion {
                    addr: r.start,
                    bytes: &bytes[..len],
                    mode: mode_at(r.start),
                })
            })
            .collect();
    }
    regions.sort_by_key(|r| r.addr);
    let inside = |a: u64| {
        regions
            .iter()
            .any(|r| a >= r.addr && a - r.addr < r.bytes.len() as u64)
    };
    let mut starts = vec![Start {
        addr: image.entry(),
        mode: image.entry_mode(),
    }];
    starts.extend(
        image
            .symbols()
            .iter()
            .filter(|s| s.defined && s.kind.is_code() && s.addr != 0)
            .map(|s| Start {
                addr: s.addr,
                mode: s.mode,
            }),
    );
    starts.retain(|s| inside(s.addr));
    starts.sort();
    starts.dedup();
    (regions, starts)
}

/// Discovers and lifts an image's code.
pub fn discover_image(
    image: &Image,
    guest: &dyn Guest,
    opt_level: u8,
) -> Result<Discovery, FileError> {
    let (regions, starts) = regions_and_starts(image);
    if regions.is_empty() {
        return Err(FileError::NoCode);
    }
    let opts = DiscoverOptions {
        lift: LiftOptions {
            opt_level,
            ..LiftOptions::default()
        },
        ..DiscoverOptions::default()
    };
    Ok(discover(guest, &regions, &starts, &opts))
}

/// The lifter for an image.
pub fn guest_of(image: &Image) -> Result<&'static dyn Guest, FileError> {
    guest_for(image.arch(), image.insn_endian()).ok_or(FileError::NoLifter {
        arch: image.arch(),
        endian: image.insn_endian(),
    })
}

/// What extracting one file produced.
#[derive(Debug)]
pub struct Extracted {
    /// The sample (one family per spec).
    pub sample: Sample,
    /// If requested: readable n-grams by spec index and vector index.
    pub texts: Vec<HashMap<u32, String>>,
}

/// Extracts the features of the file at `path` for every spec in `specs`
/// (discovery runs once per distinct optimization level). With
/// `with_text`, also returns readable n-grams (for explaining a verdict).
pub fn extract_file(
    path: &Path,
    specs: &[FeatureSpec],
    with_text: bool,
) -> Result<Extracted, FileError> {
    let t0 = Instant::now();
    let data = std::fs::read(path).map_err(|e| vexil_loader::Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let file_bytes = data.len() as u64;
    let sha256 = sha256_hex(&data);
    let image = Image::parse(data)?;
    let guest = guest_of(&image)?;
    let mut by_level: BTreeMap<u8, Discovery> = BTreeMap::new();
    let mut features = Vec::with_capacity(specs.len());
    let mut texts = Vec::new();
    let mut tokens = 0;
    for spec in specs {
        let d = match by_level.entry(spec.opt_level) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(discover_image(&image, guest, spec.opt_level)?)
            }
        };
        let f = block_features(Some(guest.layout()), &d.blocks, spec, with_text);
        tokens += f.tokens;
        texts.push(f.texts.unwrap_or_default());
        features.push(FamilyVec {
            spec: spec.clone(),
            vec: f.vec,
        });
    }
    let d = by_level.values().next();
    let stats = ExtractStats {
        file_bytes,
        code_bytes: d.map_or(0, Discovery::code_bytes),
        blocks: d.map_or(0, |d| d.blocks.len() as u64),
        instructions: d.map_or(0, |d| d.lifted),
        tokens,
        micros: u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX),
    };
    Ok(Extracted {
        sample: Sample {
            sha256,
            path: path.display().to_string(),
            arch: image.arch().name().to_string(),
            label: None,
            group: None,
            label_arch: None,
            features,
            stats,
        },
        texts,
    })
}

/// SHA-256 of `data`, lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    use std::fmt::Write;
    let d = sha2::Sha256::digest(data);
    let mut s = String::with_capacity(64);
    for b in d {
        let _ = write!(s, "{b:02x}");
    }
    s
}

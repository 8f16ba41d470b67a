//! One binary, end to end: load the ELF file, discover and lift its code
//! (shared discovery from `vexil-lift`: traversal from the entry point and
//! the function symbols, then a sweep of the remaining executable bytes),
//! tokenize and count n-grams, once per requested feature spec.
//!
//! Where the code is comes from the loader (`Image::code_regions`,
//! `Image::code_starts`): executable sections, split by ARM mapping symbols.

use crate::extract::{TokenBlock, TokenBuf, count_ngrams};
use crate::scheme::SchemeOptions;
use crate::vector::{ExtractStats, FamilyVec, FeatureSpec, Sample};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Instant;
use vexil_lift::discover::{
    BlockOf, CodeRegion, DiscoverOptions, Discovery, Start, discover, discover_with,
};
use vexil_lift::{Guest, LiftOptions, guest_for};
use vexil_loader::Image;

/// Errors extracting one file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be loaded.
    #[error(transparent)]
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

/// The code regions and traversal starts of an image, from the loader's
/// shared description of where the code is (the same one `vexil coverage`
/// and `vexil bench` use).
pub fn regions_and_starts(image: &Image) -> (Vec<CodeRegion<'_>>, Vec<Start>) {
    let regions = image
        .code_regions()
        .iter()
        .map(|r| CodeRegion {
            addr: r.addr,
            bytes: r.bytes,
            mode: r.mode,
        })
        .collect();
    let starts = image
        .code_starts()
        .into_iter()
        .map(|(addr, mode)| Start { addr, mode })
        .collect();
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
    Ok(discover(
        guest,
        &regions,
        &starts,
        &discover_options(opt_level),
    ))
}

fn discover_options(opt_level: u8) -> DiscoverOptions {
    DiscoverOptions {
        lift: LiftOptions {
            opt_level,
            ..LiftOptions::default()
        },
        ..DiscoverOptions::default()
    }
}

/// Discovers and lifts an image's code, tokenizing each block under the
/// schemes of `specs` (all of one optimization level) as it is lifted, so
/// the IR of the whole binary is never held at once. Each block keeps the
/// index of its token ranges: `ranges[kept * specs.len() + j]` in `bufs[j]`.
fn discover_tokens(
    image: &Image,
    guest: &dyn Guest,
    opt_level: u8,
    specs: &[&FeatureSpec],
    bufs: &mut [TokenBuf],
    ranges: &mut Vec<(usize, usize)>,
) -> Result<Discovery<BlockOf<usize>>, FileError> {
    let (regions, starts) = regions_and_starts(image);
    if regions.is_empty() {
        return Err(FileError::NoCode);
    }
    let layout = Some(guest.layout());
    // Each spec's options, made once rather than for every block.
    let opts: Vec<SchemeOptions> = specs.iter().map(|s| s.scheme.options()).collect();
    // A block's index is `ranges.len() / specs.len()` when it is kept:
    // counted as blocks come rather than divided for each one.
    let mut next = ranges.len() / specs.len().max(1);
    let step = usize::from(!specs.is_empty());
    Ok(discover_with(
        guest,
        &regions,
        &starts,
        &discover_options(opt_level),
        |irsb| {
            let id = next;
            next += step;
            // One scheme's pass that found no statement owning heap memory
            // is enough to recycle the block without looking again.
            let mut heap = true;
            for (&opts, buf) in opts.iter().zip(bufs.iter_mut()) {
                let (range, h) = buf.add_scanned(layout, opts, &irsb);
                ranges.push(range);
                heap &= h;
            }
            debug_assert_eq!(id, (ranges.len() - specs.len()) / specs.len().max(1));
            irsb.recycle_known(heap);
            id
        },
    ))
}

/// The lifter for an image.
pub fn guest_of(image: &Image) -> Result<&'static dyn Guest, FileError> {
    guest_for(image.arch(), image.endian()).ok_or(FileError::NoLifter {
        arch: image.arch(),
        endian: image.endian(),
    })
}

/// Token buffers (one per spec) and the blocks' token ranges.
type Buffers = (Vec<TokenBuf>, Vec<(usize, usize)>);

thread_local! {
    /// Token buffers kept between files: a binary's tokens run to megabytes,
    /// and growing fresh buffers for every file page-faulted them in again.
    static BUFFERS: std::cell::RefCell<Buffers> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// `n` empty token buffers and an empty range list, reusing this thread's
/// memory from earlier files.
fn take_buffers(n: usize, with_text: bool) -> Buffers {
    let (mut bufs, mut ranges) = BUFFERS
        .try_with(|b| b.try_borrow_mut().map(|mut b| std::mem::take(&mut *b)).ok())
        .ok()
        .flatten()
        .unwrap_or_default();
    bufs.resize_with(n, TokenBuf::default);
    for b in &mut bufs {
        b.toks.clear();
        b.texts = with_text.then(Vec::new);
    }
    ranges.clear();
    (bufs, ranges)
}

/// Returns the buffers of [`take_buffers`] for the next file.
fn give_buffers(mut bufs: Vec<TokenBuf>, ranges: Vec<(usize, usize)>) {
    for b in &mut bufs {
        b.texts = None;
    }
    let _ = BUFFERS.try_with(|b| {
        if let Ok(mut b) = b.try_borrow_mut() {
            *b = (bufs, ranges);
        }
    });
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
    let c0 = crate::vector::thread_cpu_micros();
    let data = std::fs::read(path).map_err(|e| vexil_loader::Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    extract_timed(data, path.display().to_string(), specs, with_text, (t0, c0))
}

/// [`extract_file`] for a file already in memory; `name` is recorded as
/// the sample's path.
pub fn extract_bytes(
    data: Vec<u8>,
    name: &str,
    specs: &[FeatureSpec],
    with_text: bool,
) -> Result<Extracted, FileError> {
    let start = (Instant::now(), crate::vector::thread_cpu_micros());
    extract_timed(data, name.to_string(), specs, with_text, start)
}

/// [`extract_bytes`], with the clocks' readings at the start of the work
/// (wall clock, this thread's CPU time) for the statistics.
fn extract_timed(
    data: Vec<u8>,
    name: String,
    specs: &[FeatureSpec],
    with_text: bool,
    (t0, c0): (Instant, Option<u64>),
) -> Result<Extracted, FileError> {
    let file_bytes = data.len() as u64;
    let sha256 = sha256_hex(&data);
    let image = Image::parse(data)?;
    let guest = guest_of(&image)?;
    // One discovery per distinct optimization level, tokenizing for every
    // spec of that level while it lifts.
    let mut levels: BTreeMap<u8, Vec<usize>> = BTreeMap::new();
    for (i, spec) in specs.iter().enumerate() {
        levels.entry(spec.opt_level).or_default().push(i);
    }
    let mut done: Vec<Option<(FamilyVec, HashMap<u32, String>)>> = vec![None; specs.len()];
    let mut tokens = 0;
    let mut counts = None;
    for (&level, which) in &levels {
        let level_specs: Vec<&FeatureSpec> = which.iter().map(|&i| &specs[i]).collect();
        let (mut bufs, mut ranges) = take_buffers(which.len(), with_text);
        let d = discover_tokens(&image, guest, level, &level_specs, &mut bufs, &mut ranges);
        let d = match d {
            Ok(d) => d,
            Err(e) => {
                give_buffers(bufs, ranges);
                return Err(e);
            }
        };
        // The statistics describe the lowest level's discovery.
        counts.get_or_insert((d.code_bytes(), d.blocks.len() as u64, d.lifted));
        for (j, (&i, buf)) in which.iter().zip(&bufs).enumerate() {
            let blocks: Vec<TokenBlock<'_>> = d
                .blocks
                .iter()
                .map(|b| TokenBlock {
                    addr: b.addr,
                    succs: &b.succs,
                    toks: ranges[b.kept * which.len() + j],
                })
                .collect();
            let f = count_ngrams(&blocks, buf, &specs[i]);
            tokens += f.tokens;
            done[i] = Some((
                FamilyVec {
                    spec: specs[i].clone(),
                    vec: f.vec,
                },
                f.texts.unwrap_or_default(),
            ));
        }
        drop(d);
        give_buffers(bufs, ranges);
    }
    let (features, texts): (Vec<FamilyVec>, Vec<HashMap<u32, String>>) =
        done.into_iter().flatten().unzip();
    let (code_bytes, blocks, instructions) = counts.unwrap_or_default();
    let stats = ExtractStats {
        file_bytes,
        code_bytes,
        blocks,
        instructions,
        tokens,
        micros: u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX),
        cpu_micros: match (c0, crate::vector::thread_cpu_micros()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => 0,
        },
    };
    Ok(Extracted {
        sample: Sample {
            sha256,
            path: name,
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

/// The statement tokens of every block of the file at `path` under `spec`,
/// as text: `(block address, tokens)` in address order. For inspecting what
/// a scheme keeps (`vexil features --tokens`).
pub fn file_tokens(path: &Path, spec: &FeatureSpec) -> Result<Vec<(u64, Vec<String>)>, FileError> {
    let data = std::fs::read(path).map_err(|e| vexil_loader::Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let image = Image::parse(data)?;
    let guest = guest_of(&image)?;
    let d = discover_image(&image, guest, spec.opt_level)?;
    let opts = spec.scheme.options();
    Ok(d.blocks
        .iter()
        .map(|b| {
            let ctx = crate::token::TokenCtx {
                opts,
                layout: Some(guest.layout()),
                tyenv: &b.irsb.tyenv,
                constlike: &[],
            };
            let mut hashes = Vec::new();
            let mut texts = Vec::new();
            crate::token::block_tokens(&ctx, &b.irsb, &mut hashes, Some(&mut texts));
            (b.addr, texts)
        })
        .collect())
}

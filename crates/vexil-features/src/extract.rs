//! From discovered, lifted blocks to a sparse n-gram vector.

use crate::ngram::Counter;
use crate::token::{TokenCtx, block_tokens};
use crate::vector::{FeatureSpec, SparseVec};
use std::cell::RefCell;
use std::collections::HashMap;
use vexil_lift::GuestLayout;
use vexil_lift::discover::{Block, EdgeKind};

/// Result of extracting one binary's blocks.
#[derive(Clone, Debug, Default)]
pub struct BlockFeatures {
    /// The n-gram counts.
    pub vec: SparseVec,
    /// Statement tokens produced.
    pub tokens: u64,
    /// If requested: the text of one n-gram found at each index.
    pub texts: Option<HashMap<u32, String>>,
}

thread_local! {
    // One dense counter per thread and vector size: allocated once, cleared
    // by `take` in time proportional to what was counted.
    static COUNTER: RefCell<Option<Counter>> = const { RefCell::new(None) };
}

/// Tokenizes `blocks` (in address order, as discovery returns them) under
/// `spec` and counts their n-grams. With `with_text`, also returns a readable
/// n-gram for each index (slower: for explaining one file's verdict).
pub fn block_features(
    layout: Option<&GuestLayout>,
    blocks: &[Block],
    spec: &FeatureSpec,
    with_text: bool,
) -> BlockFeatures {
    let opts = spec.scheme.options();
    let n_max = usize::from(spec.n_max);
    // Tokens of every block, flat, with each block's range.
    let mut toks: Vec<u64> = Vec::new();
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(blocks.len());
    let mut texts: Option<Vec<String>> = with_text.then(Vec::new);
    for b in blocks {
        let ctx = TokenCtx {
            opts,
            layout,
            tyenv: &b.irsb.tyenv,
            constlike: &[],
        };
        let start = toks.len();
        block_tokens(&ctx, &b.irsb, &mut toks, texts.as_mut());
        ranges.push((start, toks.len()));
    }
    let run = |c: &mut Counter| {
        if with_text {
            c.text = Some(HashMap::new());
        }
        let tx = texts.as_deref();
        for (i, &(s, e)) in ranges.iter().enumerate() {
            c.add_sequence(&toks[s..e], n_max, tx.map(|t| &t[s..e]));
            if !spec.cross_fallthrough || s == e {
                continue;
            }
            for edge in &blocks[i].succs {
                if edge.kind != EdgeKind::FallThrough {
                    continue;
                }
                if let Ok(j) = blocks.binary_search_by_key(&edge.target, |b| b.addr) {
                    let (s2, e2) = ranges[j];
                    c.add_spanning(
                        &toks[s..e],
                        &toks[s2..e2],
                        n_max,
                        tx.map(|t| (&t[s..e], &t[s2..e2])),
                    );
                }
            }
        }
        let (idx, val) = c.take();
        (idx, val, c.text.take())
    };
    let (idx, val, text_map) = COUNTER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|c| c.bits() != spec.dim_bits) {
            *slot = Some(Counter::new(spec.dim_bits));
        }
        match slot.as_mut() {
            Some(c) => run(c),
            None => run(&mut Counter::new(spec.dim_bits)),
        }
    });
    BlockFeatures {
        vec: SparseVec {
            dim: spec.dim(),
            idx,
            val,
        },
        tokens: toks.len() as u64,
        texts: text_map,
    }
}

//! From discovered, lifted blocks to a sparse n-gram vector.

use crate::ngram::Counter;
use crate::scheme::SchemeOptions;
use crate::token::{TokenCtx, block_tokens};
use crate::vector::{FeatureSpec, SparseVec};
use std::cell::RefCell;
use std::collections::HashMap;
use vexil_ir::Irsb;
use vexil_lift::GuestLayout;
use vexil_lift::discover::{Block, Edge, EdgeKind};

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

/// The statement tokens of many blocks, flat: hashes, and texts if asked
/// for. Each block's tokens are a range of the buffer.
#[derive(Clone, Debug, Default)]
pub struct TokenBuf {
    /// Token hashes.
    pub toks: Vec<u64>,
    /// Token texts, parallel to `toks` (only when texts were asked for).
    pub texts: Option<Vec<String>>,
}

impl TokenBuf {
    /// An empty buffer; `with_text` also keeps token texts.
    pub fn new(with_text: bool) -> TokenBuf {
        TokenBuf {
            toks: Vec::new(),
            texts: with_text.then(Vec::new),
        }
    }

    /// Appends the tokens of `irsb` under `opts`; returns their range.
    pub fn add(
        &mut self,
        layout: Option<&GuestLayout>,
        opts: SchemeOptions,
        irsb: &Irsb,
    ) -> (usize, usize) {
        self.add_scanned(layout, opts, irsb).0
    }

    /// [`TokenBuf::add`], also returning whether some statement of `irsb`
    /// may own heap memory (see [`block_tokens`]), for recycling it.
    pub fn add_scanned(
        &mut self,
        layout: Option<&GuestLayout>,
        opts: SchemeOptions,
        irsb: &Irsb,
    ) -> ((usize, usize), bool) {
        let ctx = TokenCtx {
            opts,
            layout,
            tyenv: &irsb.tyenv,
            constlike: &[],
        };
        let start = self.toks.len();
        let heap = block_tokens(&ctx, irsb, &mut self.toks, self.texts.as_mut());
        ((start, self.toks.len()), heap)
    }
}

/// A block as n-gram counting sees it: its address, its successors and the
/// range of its tokens in a [`TokenBuf`].
#[derive(Copy, Clone, Debug)]
pub struct TokenBlock<'a> {
    /// Start address.
    pub addr: u64,
    /// Constant successors (fall-through edges join n-grams across blocks).
    pub succs: &'a [Edge],
    /// The block's tokens: a range of the buffer.
    pub toks: (usize, usize),
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
    let mut buf = TokenBuf::new(with_text);
    let tb: Vec<TokenBlock<'_>> = blocks
        .iter()
        .map(|b| TokenBlock {
            addr: b.addr,
            succs: &b.succs,
            toks: buf.add(layout, opts, &b.irsb),
        })
        .collect();
    count_ngrams(&tb, &buf, spec)
}

/// Counts the n-grams of `blocks` (in address order) whose tokens are in
/// `buf`, under `spec`. If `buf` holds texts, also returns a readable n-gram
/// for each index.
pub fn count_ngrams(
    blocks: &[TokenBlock<'_>],
    buf: &TokenBuf,
    spec: &FeatureSpec,
) -> BlockFeatures {
    let n_max = usize::from(spec.n_max);
    let toks = &buf.toks;
    let with_text = buf.texts.is_some();
    let run = |c: &mut Counter| {
        if with_text {
            c.text = Some(HashMap::new());
        }
        let tx = buf.texts.as_deref();
        for (k, b) in blocks.iter().enumerate() {
            let (s, e) = b.toks;
            c.add_sequence(&toks[s..e], n_max, tx.map(|t| &t[s..e]));
            if !spec.cross_fallthrough || s == e {
                continue;
            }
            for edge in b.succs {
                if edge.kind != EdgeKind::FallThrough {
                    continue;
                }
                // A fall-through successor is nearly always the next block
                // in address order; otherwise it is searched for.
                let next = blocks
                    .get(k + 1)
                    .filter(|n| n.addr == edge.target)
                    .map(|_| k + 1)
                    .ok_or(())
                    .or_else(|()| {
                        blocks
                            .binary_search_by_key(&edge.target, |b| b.addr)
                            .map_err(|_| ())
                    });
                if let Ok(j) = next {
                    let (s2, e2) = blocks[j].toks;
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
        tokens: blocks.iter().map(|b| (b.toks.1 - b.toks.0) as u64).sum(),
        texts: text_map,
    }
}

//! Helpers shared by the token spec tests.

use vexil_features::SchemeOptions;
use vexil_features::token::{TokenCtx, block_tokens, token_hash};
use vexil_ir::Irsb;
use vexil_lift::GuestLayout;

/// The tokens of `irsb` (and its block end) under `opts` with `layout`,
/// as text; checks that each token's hash is the hash of its text.
pub fn block_texts(opts: SchemeOptions, layout: &GuestLayout, irsb: &Irsb) -> Vec<String> {
    let ctx = TokenCtx {
        opts,
        layout: Some(layout),
        tyenv: &irsb.tyenv,
        constlike: &[],
    };
    let mut hashes = Vec::new();
    let mut texts = Vec::new();
    block_tokens(&ctx, irsb, &mut hashes, Some(&mut texts));
    assert_eq!(hashes.len(), texts.len());
    for (h, t) in hashes.iter().zip(&texts) {
        assert_eq!(*h, token_hash(t), "{t}");
    }
    texts
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! n-gram counting: how many n-grams a token sequence yields, inside blocks
//! and across fall-through edges, worked out by hand.

use vexil_features::ngram::{Counter, gram_hash, gram_index};
use vexil_features::token::token_hash;
use vexil_features::{FeatureSpec, Scheme, block_features};
use vexil_ir::*;
use vexil_lift::LiftOptions;
use vexil_lift::discover::{Block, Edge, EdgeKind};

fn total(c: &mut Counter) -> f32 {
    c.take().1.iter().sum()
}

#[test]
fn a_sequence_of_three_has_six_grams_up_to_n4() {
    let mut c = Counter::new(20);
    c.add_sequence(&[1, 2, 3], 4, None);
    // n=1: 3, n=2: 2, n=3: 1, n=4: 0
    assert_eq!(total(&mut c), 6.0);
    c.add_sequence(&[1, 2, 3, 4, 5], 2, None);
    assert_eq!(total(&mut c), 9.0); // 5 + 4
}

#[test]
fn spanning_grams_are_only_those_crossing_the_edge() {
    let mut c = Counter::new(20);
    // a = [A B C], b = [D E]: with n <= 4 the crossing grams are
    // C D, C D E, B C D, B C D E, A B C D  (5 of them).
    c.add_spanning(&[10, 11, 12], &[13, 14], 4, None);
    assert_eq!(total(&mut c), 5.0);
    c.add_spanning(&[10], &[13], 1, None);
    assert_eq!(total(&mut c), 0.0);
}

#[test]
fn repeated_grams_count_up() {
    let mut c = Counter::new(20);
    c.add_sequence(&[7, 7, 7], 1, None);
    let (idx, val) = c.take();
    assert_eq!(idx, vec![gram_index(gram_hash(&[7]), 20)]);
    assert_eq!(val, vec![3.0]);
    // The counter is empty again after take().
    assert!(c.take().0.is_empty());
}

#[test]
fn gram_order_matters() {
    assert_ne!(gram_hash(&[1, 2]), gram_hash(&[2, 1]));
    assert_ne!(gram_hash(&[1]), gram_hash(&[1, 0]));
}

fn block(addr: u64, n_adds: usize, next: u64, jk: JumpKind) -> Block {
    let mut b = IrsbBuilder::new();
    let mut a = Atom::u32(0);
    for i in 0..n_adds {
        b.imark(addr + 4 * i as u64, 4, 0);
        let g = b.get(0, Type::I32);
        a = b.binop(Op::Add32, g, a);
    }
    let irsb = b.finish(Atom::u32(u32::try_from(next).unwrap()), jk, 16);
    let size = irsb.size();
    let kind = if next == addr + size {
        EdgeKind::FallThrough
    } else {
        EdgeKind::Jump
    };
    Block {
        addr,
        mode: IsaMode::Default,
        size,
        succs: vec![Edge { target: next, kind }],
        irsb,
        swept: false,
    }
}

#[test]
fn fall_through_edges_join_blocks() {
    // Block 1 falls through into block 2; each is [get, add]. Within blocks:
    // 2 tokens -> 3 grams each. Across: tail [get add] + head [get add]
    // gives add.get, add.get.add, get.add.get, get.add.get.add = 4.
    let blocks = vec![
        block(0x1000, 1, 0x1004, JumpKind::Boring),
        block(0x1004, 1, 0x9000, JumpKind::Ret),
    ];
    let mut spec = FeatureSpec::with_scheme(Scheme::NeutralV1);
    spec.cross_fallthrough = false;
    let alone = block_features(None, &blocks, &spec, false);
    // second block ends in `ret`: 3 tokens -> 6 grams; first: 3.
    assert_eq!(alone.vec.sum(), 9.0);
    assert_eq!(alone.tokens, 5);
    spec.cross_fallthrough = true;
    let joined = block_features(None, &blocks, &spec, true);
    // (Every Add reads a constant: the chain starts at 0.)
    // Across with b2 = [get add ret]: head limited to 3 tokens:
    // from `add`: +get, +get add, +get add ret (3); from `get`: get add get,
    // get add get add (2) => 5 more.
    assert_eq!(joined.vec.sum(), 14.0);
    let texts = joined.texts.unwrap();
    let want = "WdT(Add(RdT,con)) ; WdT(get)";
    let i = gram_index(
        gram_hash(&[token_hash("WdT(Add(RdT,con))"), token_hash("WdT(get)")]),
        20,
    );
    assert_eq!(texts.get(&i).map(String::as_str), Some(want));
    let _ = LiftOptions::default();
}

/// The radix sort of the counter's indices sorts like the standard sort,
/// for short and long lists and every vector size.
#[test]
fn radix_sort_sorts() {
    let mut x = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for bits in [1u8, 8, 11, 12, 20, 22, 32] {
        for len in [0usize, 1, 5, 255, 256, 1000, 30_000] {
            let mut v: Vec<u32> = (0..len)
                .map(|_| u32::try_from(next() >> (64 - u32::from(bits))).unwrap())
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            vexil_features::ngram::radix_sort(&mut v, &mut Vec::new(), bits);
            assert_eq!(v, want, "bits {bits}, len {len}");
        }
    }
}

/// Counting without recording texts (written-out windows) gives the same
/// vector as counting with them (the generic n-gram hash), for every n_max
/// and sequence length, inside blocks and across fall-through edges.
#[test]
fn written_out_grams_are_the_generic_ones() {
    let toks: Vec<u64> = (0..9u64)
        .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xabc)
        .collect();
    let texts: Vec<String> = (0..toks.len()).map(|i| format!("t{i}")).collect();
    for n_max in 1..=4 {
        for len in 0..toks.len() {
            for len_b in [0, 1, 2, 5] {
                let (a, b) = (&toks[..len], &toks[toks.len() - len_b..]);
                let (xa, xb) = (&texts[..len], &texts[texts.len() - len_b..]);
                let mut fast = Counter::new(12);
                fast.add_sequence(a, n_max, None);
                fast.add_spanning(a, b, n_max, None);
                let mut slow = Counter::new(12);
                slow.text = Some(std::collections::HashMap::new());
                slow.add_sequence(a, n_max, Some(xa));
                slow.add_spanning(a, b, n_max, Some((xa, xb)));
                assert_eq!(fast.take(), slow.take(), "n_max {n_max}, len {len}+{len_b}");
            }
        }
    }
}

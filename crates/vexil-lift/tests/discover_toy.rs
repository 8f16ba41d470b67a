#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code
//! Code discovery on a toy architecture whose semantics are obvious, so the
//! expected blocks can be worked out by hand.
//!
//! Toy ISA (x86-like variable length, 1-byte alignment):
//!   00        nop
//!   01 rr     jmp  pc+2+rr (rr signed)
//!   02 rr     jz   pc+2+rr (conditional)
//!   03        ret
//!   04 rr     call pc+2+rr
//!   FE        decodes ("vmx") but the lifter does not support it
//!   anything else: undecodable

use vexil_ir::opt::{ArchHooks, NoHooks};
use vexil_ir::*;
use vexil_lift::discover::*;
use vexil_lift::*;

struct Toy;

fn insn(code: &[u8]) -> Option<(u32, &'static str)> {
    match *code.first()? {
        0x00 => Some((1, "nop")),
        0x01 if code.len() >= 2 => Some((2, "jmp")),
        0x02 if code.len() >= 2 => Some((2, "jz")),
        0x03 => Some((1, "ret")),
        0x04 if code.len() >= 2 => Some((2, "call")),
        0xfe => Some((1, "vmx")),
        _ => None,
    }
}

static LAYOUT: GuestLayout = GuestLayout {
    arch: Arch::X86_64,
    size: 64,
    pc: Reg {
        name: "pc",
        offset: 0,
        size: 8,
    },
    sp: Reg {
        name: "sp",
        offset: 8,
        size: 8,
    },
    regs: &[],
    bookkeeping: &[],
    abi_plumbing: &[],
};

impl Guest for Toy {
    fn arch(&self) -> Arch {
        Arch::X86_64
    }
    fn endian(&self) -> Endian {
        Endian::Little
    }
    fn layout(&self) -> &GuestLayout {
        &LAYOUT
    }
    fn lift(&self, code: &[u8], addr: u64, _mode: IsaMode, opts: &LiftOptions) -> Irsb {
        let mut b = IrsbBuilder::new();
        let mut off = 0usize;
        let mut n = 0;
        loop {
            let pc = addr + off as u64;
            let rest = &code[off.min(code.len())..];
            let dec = insn(rest).filter(|(_, m)| *m != "vmx");
            let Some((len, m)) = dec else {
                let jk = if n == 0 {
                    JumpKind::NoDecode
                } else {
                    JumpKind::Boring
                };
                return b.finish(Atom::u64(pc), jk, 0);
            };
            if n >= opts.max_insns || off + len as usize > opts.max_bytes as usize {
                return b.finish(Atom::u64(pc), JumpKind::Boring, 0);
            }
            b.imark(pc, len, 0);
            n += 1;
            off += len as usize;
            let next = pc + u64::from(len);
            let target = || next.wrapping_add_signed(i64::from(i8::from_le_bytes([rest[1]])));
            match m {
                "nop" => {}
                "jmp" => return b.finish(Atom::u64(target()), JumpKind::Boring, 0),
                "jz" => {
                    let g = b.get(16, Type::I1);
                    b.exit(g, Const::u64(target()), JumpKind::Boring, 0);
                    return b.finish(Atom::u64(next), JumpKind::Boring, 0);
                }
                "ret" => {
                    let t = b.get(8, Type::I64);
                    return b.finish(t, JumpKind::Ret, 0);
                }
                "call" => return b.finish(Atom::u64(target()), JumpKind::Call, 0),
                _ => unreachable!(),
            }
        }
    }
    fn decode(&self, code: &[u8], _addr: u64, _mode: IsaMode) -> Option<InsnInfo> {
        insn(code).map(|(len, m)| InsnInfo {
            len,
            mnemonic: m.to_string(),
            text: m.to_string(),
        })
    }
    fn can_lift(&self, code: &[u8], _addr: u64, _mode: IsaMode) -> bool {
        insn(code).is_some_and(|(_, m)| m != "vmx")
    }
    fn helper(&self, _: &str) -> Option<HelperFn> {
        None
    }
    fn dirty_helper(&self, _: &str) -> Option<DirtyFn> {
        None
    }
    fn hooks(&self) -> &dyn ArchHooks {
        &NoHooks
    }
    fn initial_state(&self) -> Vec<u8> {
        vec![0; 64]
    }
    fn read_reg(&self, _: &[u8], _: &str) -> Option<u128> {
        None
    }
    fn write_reg(&self, _: &mut [u8], _: &str, _: u128) -> bool {
        false
    }
}

fn run(code: &[u8], starts: &[u64], sweep: bool) -> Discovery {
    let regions = [CodeRegion {
        addr: 0x1000,
        bytes: code,
        mode: IsaMode::Default,
    }];
    let starts: Vec<Start> = starts
        .iter()
        .map(|&a| Start {
            addr: a,
            mode: IsaMode::Default,
        })
        .collect();
    discover(
        &Toy,
        &regions,
        &starts,
        &DiscoverOptions {
            sweep,
            ..DiscoverOptions::default()
        },
    )
}

fn spans(d: &Discovery) -> Vec<(u64, u64)> {
    d.blocks.iter().map(|b| (b.addr, b.size)).collect()
}

#[test]
fn traversal_follows_both_branch_sides_calls_and_returns() {
    // 1000: nop; jz +3 (-> 1006); nop; call +1 (-> 1008)... laid out by hand:
    // 1000 00        nop
    // 1001 02 03     jz 1006
    // 1003 04 02     call 1007
    // 1005 03        ret
    // 1006 03        ret
    // 1007 03        ret
    let code = [0x00, 0x02, 0x03, 0x04, 0x02, 0x03, 0x03, 0x03];
    let d = run(&code, &[0x1000], false);
    assert_eq!(
        spans(&d),
        [
            (0x1000, 3),
            (0x1003, 2),
            (0x1005, 1),
            (0x1006, 1),
            (0x1007, 1)
        ]
    );
    assert_eq!(d.lifted, 6);
    assert_eq!(d.instructions(), 6);
    let first = &d.blocks[0];
    assert!(first.succs.contains(&Edge {
        target: 0x1006,
        kind: EdgeKind::Jump
    }));
    assert!(first.succs.contains(&Edge {
        target: 0x1003,
        kind: EdgeKind::FallThrough
    }));
    let call = &d.blocks[1];
    assert_eq!(
        call.succs,
        [
            Edge {
                target: 0x1007,
                kind: EdgeKind::Call
            },
            Edge {
                target: 0x1005,
                kind: EdgeKind::Return
            }
        ]
    );
}

#[test]
fn a_jump_into_a_block_splits_it_so_each_instruction_is_lifted_once() {
    // 1000 00 nop; 1001 00 nop; 1002 00 nop; 1003 01 fd jmp 1002
    let code = [0x00, 0x00, 0x00, 0x01, 0xfd];
    let d = run(&code, &[0x1000], false);
    assert_eq!(spans(&d), [(0x1000, 2), (0x1002, 3)]);
    assert_eq!(d.lifted, 4);
    let total: usize = d.blocks.iter().map(|b| b.irsb.instruction_count()).sum();
    assert_eq!(total, 4, "no instruction may be lifted twice");
}

#[test]
fn sweep_finds_unreached_code_and_skips_undecodable_bytes() {
    // 1000 03 ret                (reached)
    // 1001 ff ff                 garbage
    // 1003 00 nop; 1004 03 ret   (unreached code)
    // 1005 fe                    known but unsupported
    // 1006 03 ret
    let code = [0x03, 0xff, 0xff, 0x00, 0x03, 0xfe, 0x03];
    let without = run(&code, &[0x1000], false);
    assert_eq!(spans(&without), [(0x1000, 1)]);
    let d = run(&code, &[0x1000], true);
    assert_eq!(spans(&d), [(0x1000, 1), (0x1003, 2), (0x1006, 1)]);
    assert!(d.blocks[1].swept && !d.blocks[0].swept);
    assert_eq!(d.nodecode, 2);
    assert_eq!(d.unsupported.get("vmx"), Some(&1));
    assert_eq!(d.lifted, 4);
    assert_eq!(d.instructions(), 5);
}

#[test]
fn targets_outside_the_regions_are_not_followed() {
    // jmp far outside the region.
    let code = [0x01, 0x7f];
    let d = run(&code, &[0x1000, 0x9999], true);
    assert_eq!(spans(&d), [(0x1000, 2)]);
}

#[test]
fn max_blocks_truncates_and_says_so() {
    let code = [0x00, 0x01, 0xfe, 0x00, 0x01, 0xfe]; // loops of jumps and nops
    let regions = [CodeRegion {
        addr: 0x1000,
        bytes: &code,
        mode: IsaMode::Default,
    }];
    let d = discover(
        &Toy,
        &regions,
        &[Start {
            addr: 0x1000,
            mode: IsaMode::Default,
        }],
        &DiscoverOptions {
            max_blocks: 1,
            ..DiscoverOptions::default()
        },
    );
    assert!(d.truncated);
    assert_eq!(d.blocks.len(), 1);
}

/// Regression: a MIPS `add` (overflow trap) or x86 `div` has a side exit
/// back to its own address; discovery treated it as a jump target and split
/// every such block in two.
#[test]
fn trap_exits_do_not_split_blocks() {
    use vexil_lift::discover::*;
    struct Trapping;
    impl Guest for Trapping {
        fn arch(&self) -> Arch {
            Toy.arch()
        }
        fn endian(&self) -> Endian {
            Toy.endian()
        }
        fn layout(&self) -> &GuestLayout {
            Toy.layout()
        }
        fn lift(&self, code: &[u8], addr: u64, mode: IsaMode, opts: &LiftOptions) -> Irsb {
            let mut irsb = Toy.lift(code, addr, mode, opts);
            // A trap exit at the second instruction, pointing at itself.
            if irsb.instruction_count() >= 2 {
                let pos = irsb
                    .stmts
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| matches!(s, Stmt::IMark { .. }))
                    .nth(1)
                    .map(|(i, _)| i)
                    .unwrap();
                irsb.stmts.insert(
                    pos + 1,
                    Stmt::Exit {
                        guard: Atom::bool(false),
                        dst: Const::u64(addr + 1),
                        jk: JumpKind::SigFPE_IntOvf,
                        offs_ip: Offset(0),
                    },
                );
            }
            irsb
        }
        fn decode(&self, c: &[u8], a: u64, m: IsaMode) -> Option<InsnInfo> {
            Toy.decode(c, a, m)
        }
        fn can_lift(&self, c: &[u8], a: u64, m: IsaMode) -> bool {
            Toy.can_lift(c, a, m)
        }
        fn helper(&self, n: &str) -> Option<HelperFn> {
            Toy.helper(n)
        }
        fn dirty_helper(&self, n: &str) -> Option<DirtyFn> {
            Toy.dirty_helper(n)
        }
        fn hooks(&self) -> &dyn ArchHooks {
            Toy.hooks()
        }
        fn initial_state(&self) -> Vec<u8> {
            Toy.initial_state()
        }
        fn read_reg(&self, s: &[u8], n: &str) -> Option<u128> {
            Toy.read_reg(s, n)
        }
        fn write_reg(&self, s: &mut [u8], n: &str, v: u128) -> bool {
            Toy.write_reg(s, n, v)
        }
    }
    let code = [0x00, 0x00, 0x00, 0x03];
    let regions = [CodeRegion {
        addr: 0x1000,
        bytes: &code,
        mode: IsaMode::Default,
    }];
    let d = discover(
        &Trapping,
        &regions,
        &[Start {
            addr: 0x1000,
            mode: IsaMode::Default,
        }],
        &DiscoverOptions::default(),
    );
    assert_eq!(spans(&d), [(0x1000, 4)]);
}

/// A small xorshift generator, so random cases are reproducible by seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Toy code with many short jumps, so blocks overlap, split and nest.
fn random_code(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut code = Vec::with_capacity(len + 1);
    while code.len() < len {
        match rng.below(20) {
            0..=6 => code.push(0x00),
            7..=8 => code.push(0x03),
            9 => code.push(0xfe),
            10 => code.push(0xff),
            k => {
                code.push([0x01, 0x02, 0x04][usize::try_from(k % 3).unwrap()]);
                // A short signed displacement, either way.
                code.push(rng.below(40).wrapping_sub(20).to_le_bytes()[0]);
            }
        }
    }
    code
}

fn assert_same<T: PartialEq + std::fmt::Debug>(
    fast: &Discovery<BlockOf<T>>,
    slow: &Discovery<BlockOf<T>>,
    what: &str,
) {
    let view = |d: &Discovery<BlockOf<T>>| -> Vec<String> {
        d.blocks
            .iter()
            .map(|b| {
                format!(
                    "{:#x} {:?} {} {:?} {} {:?}",
                    b.addr, b.mode, b.size, b.succs, b.swept, b.kept
                )
            })
            .collect()
    };
    assert_eq!(view(fast), view(slow), "{what}: blocks");
    assert_eq!(fast.lifted, slow.lifted, "{what}: lifted");
    assert_eq!(fast.nodecode, slow.nodecode, "{what}: nodecode");
    assert_eq!(fast.unsupported, slow.unsupported, "{what}: unsupported");
    assert_eq!(fast.truncated, slow.truncated, "{what}: truncated");
}

/// The bitset discovery returns exactly what the reference algorithm does,
/// on random code in one to three regions (adjacent, apart, listed out of
/// address order, sometimes overlapping), from random starts (some outside
/// every region), holding back any amount of IR, with and without the
/// sweep, and cut short by small block limits.
#[test]
fn discovery_matches_the_reference_on_random_code() {
    let mut splits = 0;
    for seed in 0..400u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let nreg = 1 + rng.below(3);
        let mut codes = Vec::new();
        let mut addrs = Vec::new();
        let mut at = 0x1000u64;
        for _ in 0..nreg {
            let len = 1 + usize::try_from(rng.below(90)).unwrap();
            codes.push(random_code(&mut rng, len));
            addrs.push(at);
            let gap = match rng.below(4) {
                0 => 0,
                1 if seed % 7 == 0 => 0u64.wrapping_sub(3), // overlap
                _ => rng.below(12),
            };
            at = at
                .wrapping_add(codes.last().unwrap().len() as u64)
                .wrapping_add(gap);
        }
        let mut regions: Vec<CodeRegion<'_>> = codes
            .iter()
            .zip(&addrs)
            .map(|(c, &a)| CodeRegion {
                addr: a,
                bytes: c,
                mode: IsaMode::Default,
            })
            .collect();
        if rng.below(2) == 0 {
            regions.reverse();
        }
        let span = at - 0x1000 + 8;
        let mut starts = vec![Start {
            addr: 0x1000,
            mode: IsaMode::Default,
        }];
        for _ in 0..rng.below(6) {
            starts.push(Start {
                addr: 0x1000 - 4 + rng.below(span),
                mode: IsaMode::Default,
            });
        }
        let small = usize::try_from(1 + rng.below(12)).unwrap();
        for (hold_bytes, max_blocks) in [
            (0, 1000),
            (1, 1000),
            (2000, 1000),
            (256 << 10, 1000),
            (1, small),
            (256 << 10, small),
        ] {
            for sweep in [true, false] {
                let opts = DiscoverOptions {
                    sweep,
                    max_blocks,
                    hold_bytes,
                    ..DiscoverOptions::default()
                };
                let fast = discover_with(&Toy, &regions, &starts, &opts, |irsb| irsb);
                let mut lifts = 0;
                let slow = reference::discover_with(&Toy, &regions, &starts, &opts, |irsb| {
                    lifts += 1;
                    irsb
                });
                let what = format!("seed {seed} hold {hold_bytes} max {max_blocks} sweep {sweep}");
                assert_same(&fast, &slow, &what);
                // The reference lifts a split block twice.
                splits += lifts - slow.blocks.len();
            }
        }
    }
    // The cases exercise splitting.
    assert!(splits > 1000, "only {splits} blocks split");
}

/// Held back, a block that a later jump splits is never handed to `keep`
/// as first lifted; handed over at once, it is (and again when split).
#[test]
fn a_block_split_while_held_is_handed_to_keep_once() {
    // 1000 00 nop; 1001 00 nop; 1002 00 nop; 1003 01 fd jmp 1002
    let code = [0x00, 0x00, 0x00, 0x01, 0xfd];
    let regions = [CodeRegion {
        addr: 0x1000,
        bytes: &code,
        mode: IsaMode::Default,
    }];
    let starts = [Start {
        addr: 0x1000,
        mode: IsaMode::Default,
    }];
    for (hold_bytes, calls) in [(256 << 10, 2), (1, 2), (0, 3)] {
        let mut n = 0;
        let d = discover_with(
            &Toy,
            &regions,
            &starts,
            &DiscoverOptions {
                hold_bytes,
                ..DiscoverOptions::default()
            },
            |irsb| {
                n += 1;
                irsb.instruction_count()
            },
        );
        let spans: Vec<(u64, u64, usize)> =
            d.blocks.iter().map(|b| (b.addr, b.size, b.kept)).collect();
        assert_eq!(spans, [(0x1000, 2, 2), (0x1002, 3, 2)], "hold {hold_bytes}");
        assert_eq!(n, calls, "hold {hold_bytes}");
    }
}

/// A block dropped from the hold because a start was expected inside it is
/// lifted again whole when that start never comes (here: discovery stops
/// at one block before lifting the jump target).
#[test]
fn a_dropped_block_whose_split_never_comes_is_lifted_again() {
    // 1000 00 nop; 1001 00 nop; 1002 01 fd jmp 1001
    let code = [0x00, 0x00, 0x01, 0xfd];
    let regions = [CodeRegion {
        addr: 0x1000,
        bytes: &code,
        mode: IsaMode::Default,
    }];
    let starts = [Start {
        addr: 0x1000,
        mode: IsaMode::Default,
    }];
    let opts = DiscoverOptions {
        hold_bytes: 1,
        max_blocks: 1,
        ..DiscoverOptions::default()
    };
    let mut n = 0;
    let d = discover_with(&Toy, &regions, &starts, &opts, |irsb| {
        n += 1;
        irsb
    });
    assert!(d.truncated);
    assert_eq!(n, 1);
    let slow = reference::discover_with(&Toy, &regions, &starts, &opts, |irsb| irsb);
    assert_same(&d, &slow, "truncated");
    assert_eq!(d.blocks[0].size, 4);
}

/// A block's successors read the same as a vector of them, whether they
/// fit in place or not.
#[test]
fn succs_behave_as_a_vector_of_edges() {
    for n in 0..7u64 {
        let edges: Vec<Edge> = (0..n)
            .map(|k| Edge {
                target: 0x1000 + k,
                kind: if k % 2 == 0 {
                    EdgeKind::Jump
                } else {
                    EdgeKind::FallThrough
                },
            })
            .collect();
        let mut s = Succs::new();
        for &e in &edges {
            s.push(e);
        }
        assert_eq!(&*s, &edges[..], "{n} edges");
        assert_eq!(s, edges);
        assert_eq!(s, Succs::from(edges.clone()));
        assert_eq!(format!("{s:?}"), format!("{edges:?}"));
        assert_eq!(s.iter().count(), edges.len());
        assert_eq!((&s).into_iter().copied().collect::<Vec<_>>(), edges);
        if n > 0 {
            let mut shorter = Succs::from(edges[..edges.len() - 1].to_vec());
            assert_ne!(s, shorter);
            shorter.push(edges[edges.len() - 1]);
            assert_eq!(s, shorter);
        }
    }
    assert_eq!(Succs::default(), Succs::new());
    assert!(Succs::new().is_empty());
}

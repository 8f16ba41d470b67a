//! Random well-formed blocks, for property tests and fuzz targets.
//!
//! The generator draws from an [`Entropy`] source, so the same code serves
//! seeded property tests ([`XorShift`]) and coverage-guided fuzzers
//! ([`ByteEntropy`] over the fuzzer's input). Every block it returns passes
//! [`crate::verify_with`] for the configured state size and address type.

use crate::{
    Atom, Callee, Cas, Const, Dirty, Effect, Endness, Expr, Irsb, IrsbBuilder, JumpKind, LoadGCvt,
    MemBusEvent, MemEffect, Offset, Op, RegArray, StateEffect, Stmt, Temp, Type,
};
use std::borrow::Cow;

/// A source of random bits.
pub trait Entropy {
    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64;

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// An index into a collection of `n` items (0 when `n` is 0).
    fn index(&mut self, n: usize) -> usize {
        usize::try_from(self.below(n as u64)).unwrap_or(0)
    }

    /// True with probability `num/den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
}

/// A seeded xorshift64* generator.
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from a seed (any value; 0 is remapped).
    pub fn new(seed: u64) -> XorShift {
        // splitmix64 of the seed: distinct seeds give distinct, well-mixed
        // states (xorshift needs a non-zero state).
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        XorShift(if z == 0 { 1 } else { z })
    }
}

impl Entropy for XorShift {
    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Entropy read from a byte string (a fuzzer's input); zeros once exhausted.
#[derive(Clone, Debug)]
pub struct ByteEntropy<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> ByteEntropy<'a> {
    /// Reads from `bytes`.
    pub fn new(bytes: &'a [u8]) -> ByteEntropy<'a> {
        ByteEntropy { bytes, pos: 0 }
    }
    /// True once every byte has been consumed.
    pub fn exhausted(&self) -> bool {
        self.pos >= self.bytes.len()
    }
}

impl Entropy for ByteEntropy<'_> {
    fn next_u64(&mut self) -> u64 {
        let mut buf = [0u8; 8];
        let end = (self.pos + 8).min(self.bytes.len());
        let n = end.saturating_sub(self.pos);
        buf[..n].copy_from_slice(&self.bytes[self.pos.min(self.bytes.len())..end]);
        self.pos += 8;
        u64::from_le_bytes(buf)
    }
}

/// What kind of blocks to generate.
#[derive(Clone, Debug)]
pub struct GenConfig {
    /// Most statements per block.
    pub max_stmts: usize,
    /// Guest-state size in bytes (register offsets stay below it).
    pub state_size: u32,
    /// Address type: `I32` or `I64`.
    pub addr_ty: Type,
    /// Addresses are mostly drawn from `[mem_base, mem_base + mem_size)`.
    pub mem_base: u64,
    /// Size of the mostly-used memory window (a power of two).
    pub mem_size: u64,
    /// Emit `CCall` and `Dirty` statements (named helpers that do not exist:
    /// for text round-trips, not for interpretation).
    pub helpers: bool,
}

impl Default for GenConfig {
    fn default() -> GenConfig {
        GenConfig {
            max_stmts: 40,
            state_size: 512,
            addr_ty: Type::I64,
            mem_base: 0x10_0000,
            mem_size: 0x1000,
            helpers: true,
        }
    }
}

const VALUE_TYPES: [Type; 9] = Type::ALL;

struct Gen<'e, 'c> {
    e: &'e mut dyn Entropy,
    cfg: &'c GenConfig,
    b: IrsbBuilder,
    pools: Vec<Vec<Temp>>, // indexed by Type as usize
}

fn ty_index(t: Type) -> usize {
    t as usize
}

impl Gen<'_, '_> {
    fn constant(&mut self, ty: Type) -> Const {
        let raw = self.e.next_u64();
        // Favour small and boundary values: they find more bugs than noise.
        let v = match self.e.below(6) {
            0 => 0,
            1 => 1,
            2 => u64::MAX,
            3 => raw & 0xff,
            4 => 1u64 << (raw % 64),
            _ => raw,
        };
        Const::new(ty, v)
    }

    fn atom(&mut self, ty: Type) -> Atom {
        let pool = &self.pools[ty_index(ty)];
        if !pool.is_empty() && self.e.chance(3, 4) {
            let t = pool[self.e.index(pool.len())];
            Atom::Tmp(t)
        } else {
            Atom::Const(self.constant(ty))
        }
    }

    fn new_def(&mut self, ty: Type) -> Temp {
        self.b.new_temp(ty)
    }

    fn publish(&mut self, t: Temp, ty: Type) {
        self.pools[ty_index(ty)].push(t);
    }

    fn addr(&mut self) -> Atom {
        let ty = self.cfg.addr_ty;
        if self.e.chance(1, 8) {
            return self.atom(ty);
        }
        let off = self.e.below(self.cfg.mem_size.saturating_sub(16).max(1));
        Atom::Const(Const::new(ty, self.cfg.mem_base.wrapping_add(off)))
    }

    fn any_type(&mut self) -> Type {
        VALUE_TYPES[self.e.index(VALUE_TYPES.len())]
    }

    fn mem_type(&mut self) -> Type {
        // Drawn directly from the types after I1 rather than by rejection:
        // exhausted ByteEntropy yields zeros forever, and index 0 is I1.
        VALUE_TYPES[1 + self.e.index(VALUE_TYPES.len() - 1)]
    }

    fn offset(&mut self, ty: Type) -> Offset {
        let size = ty.bytes();
        let room = self.cfg.state_size.saturating_sub(size + 8).max(1);
        let raw = u32::try_from(self.e.below(u64::from(room))).unwrap_or(0);
        Offset(raw / size * size)
    }

    fn wrtmp(&mut self, expr: Expr) {
        let ty = self.b.tyenv.expr_type(&expr).unwrap_or(Type::I64);
        let t = self.new_def(ty);
        self.b.push(Stmt::WrTmp { dst: t, expr });
        self.publish(t, ty);
    }

    fn int_ty(&mut self) -> Type {
        [Type::I8, Type::I16, Type::I32, Type::I64][self.e.index(4)]
    }

    fn stmt(&mut self) {
        match self.e.below(100) {
            0..=44 => {
                let op = Op::ALL[self.e.index(Op::ALL.len())];
                let args: Vec<Atom> = op.signature().args.iter().map(|&t| self.atom(t)).collect();
                if let Some(e) = Expr::op(op, &args) {
                    self.wrtmp(e);
                }
            }
            45..=52 => {
                let ty = self.any_type();
                let offset = self.offset(ty);
                self.wrtmp(Expr::Get { offset, ty });
            }
            53..=60 => {
                let ty = self.any_type();
                let offset = self.offset(ty);
                let data = self.atom(ty);
                self.b.push(Stmt::Put { offset, data });
            }
            61..=65 => {
                let ty = self.mem_type();
                let addr = self.addr();
                let end = self.endness();
                self.wrtmp(Expr::Load { end, ty, addr });
            }
            66..=70 => {
                let ty = self.mem_type();
                let (addr, data, end) = (self.addr(), self.atom(ty), self.endness());
                self.b.push(Stmt::Store { end, addr, data });
            }
            71..=74 => {
                let ty = self.any_type();
                let (cond, then, els) = (self.atom(Type::I1), self.atom(ty), self.atom(ty));
                self.wrtmp(Expr::Ite { cond, then, els });
            }
            75..=78 => {
                let guard = self.atom(Type::I1);
                let dst = self.target();
                let jk = JumpKind::ALL[self.e.index(JumpKind::ALL.len())];
                self.b.push(Stmt::Exit {
                    guard,
                    dst,
                    jk,
                    offs_ip: self.ip(),
                });
            }
            79..=81 => {
                let addr = self.e.next_u64() & 0xffff_ffff;
                let len = u32::try_from(self.e.below(15)).unwrap_or(0) + 1;
                let delta = u8::from(self.e.chance(1, 8));
                self.b.push(Stmt::IMark { addr, len, delta });
            }
            82..=83 => {
                let descr = self.reg_array();
                let ix = self.atom(Type::I32);
                let bias = i32::try_from(self.e.below(16)).unwrap_or(0) - 8;
                if self.e.chance(1, 2) {
                    self.wrtmp(Expr::GetI { descr, ix, bias });
                } else {
                    let data = self.atom(descr.elem);
                    self.b.push(Stmt::PutI {
                        descr,
                        ix,
                        bias,
                        data,
                    });
                }
            }
            84..=85 => {
                let ty = self.mem_type();
                let (addr, data, guard, end) = (
                    self.addr(),
                    self.atom(ty),
                    self.atom(Type::I1),
                    self.endness(),
                );
                self.b.push(Stmt::StoreG {
                    end,
                    addr,
                    data,
                    guard,
                });
            }
            86..=87 => {
                let cvt = LoadGCvt::ALL[self.e.index(LoadGCvt::ALL.len())];
                let (addr, alt, guard, end) = (
                    self.addr(),
                    self.atom(cvt.result_type()),
                    self.atom(Type::I1),
                    self.endness(),
                );
                let dst = self.new_def(cvt.result_type());
                self.b.push(Stmt::LoadG {
                    end,
                    cvt,
                    dst,
                    addr,
                    alt,
                    guard,
                });
                self.publish(dst, cvt.result_type());
            }
            88..=89 => self.cas(),
            90..=91 => {
                let ty = self.int_ty();
                let (addr, end) = (self.addr(), self.endness());
                if self.e.chance(1, 2) {
                    let result = self.new_def(ty);
                    self.b.push(Stmt::Llsc {
                        end,
                        result,
                        addr,
                        store_data: None,
                    });
                    self.publish(result, ty);
                } else {
                    let d = self.atom(ty);
                    let result = self.new_def(Type::I1);
                    self.b.push(Stmt::Llsc {
                        end,
                        result,
                        addr,
                        store_data: Some(d),
                    });
                    self.publish(result, Type::I1);
                }
            }
            92 => {
                let ev = if self.e.chance(1, 2) {
                    MemBusEvent::Fence
                } else {
                    MemBusEvent::CancelReservation
                };
                self.b.push(Stmt::Mbe(ev));
            }
            93 => self.b.push(Stmt::NoOp),
            94..=96 if self.cfg.helpers => {
                let ty = self.any_type();
                let n = self.e.index(5);
                let args: Vec<Atom> = (0..n)
                    .map(|_| {
                        let t = self.any_type();
                        self.atom(t)
                    })
                    .collect();
                let name = format!("helper_{}", self.e.below(4));
                self.wrtmp(Expr::CCall {
                    callee: Callee(Cow::Owned(name)),
                    ty,
                    args: args.into(),
                });
            }
            97..=99 if self.cfg.helpers => self.dirty(),
            _ => {}
        }
    }

    fn endness(&mut self) -> Endness {
        if self.e.chance(1, 2) {
            Endness::Le
        } else {
            Endness::Be
        }
    }

    fn target(&mut self) -> Const {
        let v = self.e.next_u64();
        Const::new(self.cfg.addr_ty, v)
    }

    fn ip(&self) -> Offset {
        Offset(self.cfg.state_size - 8)
    }

    fn reg_array(&mut self) -> RegArray {
        let elem = [Type::I8, Type::I32, Type::I64, Type::F64][self.e.index(4)];
        let n = u32::try_from(self.e.below(8)).unwrap_or(0) + 1;
        let span = n * elem.bytes();
        let room = self.cfg.state_size.saturating_sub(span + 8).max(1);
        let base = u32::try_from(self.e.below(u64::from(room))).unwrap_or(0);
        RegArray {
            base: Offset(base),
            elem,
            n,
        }
    }

    fn cas(&mut self) {
        let ty = self.int_ty();
        let (addr, end) = (self.addr(), self.endness());
        let double = self.e.chance(1, 3);
        let (expd_lo, data_lo) = (self.atom(ty), self.atom(ty));
        let (expd_hi, data_hi) = if double {
            (Some(self.atom(ty)), Some(self.atom(ty)))
        } else {
            (None, None)
        };
        let old_hi = if double { Some(self.new_def(ty)) } else { None };
        let old_lo = self.new_def(ty);
        self.b.push(Stmt::Cas(Box::new(Cas {
            old_hi,
            old_lo,
            end,
            addr,
            expd_hi,
            expd_lo,
            data_hi,
            data_lo,
        })));
        if let Some(t) = old_hi {
            self.publish(t, ty);
        }
        self.publish(old_lo, ty);
    }

    fn dirty(&mut self) {
        let guard = self.atom(Type::I1);
        let n = self.e.index(4);
        let args: Vec<Atom> = (0..n)
            .map(|_| {
                let t = self.int_ty();
                self.atom(t)
            })
            .collect();
        let mem = if self.e.chance(1, 2) {
            let fx = [Effect::Read, Effect::Write, Effect::Modify][self.e.index(3)];
            let size = u32::try_from(self.e.below(32)).unwrap_or(0) + 1;
            Some(MemEffect {
                fx,
                addr: self.addr(),
                size,
            })
        } else {
            None
        };
        let state = (0..self.e.index(3))
            .map(|_| {
                let fx = [Effect::Read, Effect::Write, Effect::Modify][self.e.index(3)];
                let offset = self.offset(Type::I64);
                StateEffect {
                    fx,
                    offset,
                    size: 8,
                }
            })
            .collect();
        let tmp = if self.e.chance(1, 2) {
            let ty = self.int_ty();
            Some((self.new_def(ty), ty))
        } else {
            None
        };
        let name = format!("dirty_{}", self.e.below(4));
        self.b.push(Stmt::Dirty(Box::new(Dirty {
            callee: Callee(Cow::Owned(name)),
            guard,
            args,
            tmp: tmp.map(|(t, _)| t),
            mem,
            state,
        })));
        if let Some((t, ty)) = tmp {
            self.publish(t, ty);
        }
    }
}

/// Generates one random, well-formed block.
pub fn random_irsb(e: &mut dyn Entropy, cfg: &GenConfig) -> Irsb {
    let n = e.index(cfg.max_stmts + 1);
    let mut g = Gen {
        e,
        cfg,
        b: IrsbBuilder::new(),
        pools: vec![Vec::new(); VALUE_TYPES.len()],
    };
    for _ in 0..n {
        g.stmt();
    }
    let next = if g.e.chance(1, 2) {
        Atom::Const(g.target())
    } else {
        g.atom(cfg.addr_ty)
    };
    let jk = JumpKind::ALL[g.e.index(JumpKind::ALL.len())];
    let ip = g.ip().0;
    g.b.finish(next, jk, ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exhausted_fuzzer_input_does_not_hang_on_a_load() {
        // A statement choice that lands on a Load (61..=65), then no more
        // bytes: choosing the load's type used to loop forever on zeros.
        let mut bytes = vec![0u8; 16];
        bytes[0] = 5;
        bytes[8] = 61;
        let b = random_irsb(&mut ByteEntropy::new(&bytes), &GenConfig::default());
        assert!(b.stmts.iter().any(|s| matches!(
            s,
            Stmt::WrTmp {
                expr: Expr::Load { .. },
                ..
            }
        )));
    }
}

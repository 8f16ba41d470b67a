#!/usr/bin/env python3
"""MIPS instruction vectors from a reference CPU (Unicorn 2.1.4).

Writes tests/vectors/mips32el.vec, mips32be.vec, mips64el.vec and mips64be.vec
in the shared format (tests/vectors/README.md): for every instruction the
MIPS lifter supports, NSTATES random input states, each run on Unicorn.

MIPS needs more than the generic generator (scripts/vectors/vexgen) offers,
so this module drives Unicorn itself: a CPU model chosen before the CPU
starts (24Kf for MIPS32; MIPS64R2-generic with Status.FR=1 for MIPS64), FCSR
set through a `ctc1 $k1,$31` prologue run before the case (so Unicorn's
rounding mode follows it; the case's bytes do not include it, and `k1` is an
input holding the same value), random registers per case, and
delay-slot pairs.

What a case line states:
- inputs: the registers the case sets (others keep `initial_state()`,
  zero but FIR) and one memory window;
- outputs: every register whose value changed, the instruction's first
  operand even when unchanged, the memory window, `$exit` for traps and
  system calls, and `$next`;
- FCSR is compared under FCSR_MASK (rounding mode and FCC bits; the
  cause/flag bits are not modelled); a MIPS32 FPR by its low 32 bits
  (FR=0: a slot's high half is unused); a NaN result as any NaN (MIPS
  legacy NaNs are not the IR's encoding); for a NaN double in a MIPS32
  register pair, the high word's exponent, the low word with mask 0;
- the trap kind follows the Linux kernel (trap/break code 7 is
  SIGFPE/IntDiv, 6 IntOvf, else SIGTRAP), since Unicorn reports only "trap".

Inputs respect the architecture's preconditions: 32-bit operations on
MIPS64 get sign-extended values, divisors are non-zero (UNPREDICTABLE
otherwise), branch and jump targets lie outside the case.

Encodings are built here from the ISA's field layout (not with vexil's
decoder, so the two are independent); the disassembly text is for reading.
Cases are appended per template in a fixed order from one seeded random
stream per mode, so new templates go last to leave existing lines as they
are.

    python3 scripts/vectors/mips.py [--states N] [--seed S] [--out DIR]
"""
import argparse
import os
import random
import struct
import sys

from unicorn import Uc, UcError, UC_ARCH_MIPS, UC_MODE_MIPS32, UC_MODE_MIPS64
from unicorn import UC_MODE_BIG_ENDIAN, UC_MODE_LITTLE_ENDIAN, UC_HOOK_INTR, UC_HOOK_CODE
from unicorn import mips_const as M

CODE_ADDR = 0x10000
DATA_ADDR = 0x20000
DATA_SIZE = 64
FCSR_MASK = 0xFE800003
NSTATES = 50

GPR = ["zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3", "t4", "t5",
       "t6", "t7", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "t8", "t9", "k0", "k1", "gp",
       "sp", "s8", "ra"]
UC_GPR = [getattr(M, "UC_MIPS_REG_%d" % i) for i in range(32)]
UC_FPR = [getattr(M, "UC_MIPS_REG_F%d" % i) for i in range(32)]
# Registers the random operand choice draws from: k0/k1 are kept for the
# FCSR prologue, sp/gp/fp/ra are left alone.
POOL = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]

# ---------------------------------------------------------------- encodings

def R(funct, rs=0, rt=0, rd=0, sa=0, op=0):
    return (op << 26) | (rs << 21) | (rt << 16) | (rd << 11) | (sa << 6) | funct

def I(op, rs, rt, imm):
    return (op << 26) | (rs << 21) | (rt << 16) | (imm & 0xFFFF)

def F(fmt, funct, ft=0, fs=0, fd=0):
    return (0x11 << 26) | (fmt << 21) | (ft << 16) | (fs << 11) | (fd << 6) | funct

FMT_S, FMT_D, FMT_W, FMT_L = 16, 17, 20, 21

# ------------------------------------------------------------------ values

def interesting32(rng):
    return rng.choice([0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFF, 0x8000, 0x7FFF,
                       0x12345678, 0xFFFFFFFE, 31, 32, 33])

def rand_word(rng, is64):
    r = rng.random()
    if r < 0.3:
        v = interesting32(rng)
        v = sext32(v) if (is64 and rng.random() < 0.7) else v
    elif r < 0.5:
        v = rng.getrandbits(8) if rng.random() < 0.5 else (-rng.getrandbits(8)) & MASK64
    else:
        v = rng.getrandbits(64) if is64 else rng.getrandbits(32)
        if is64 and rng.random() < 0.5:
            v = sext32(v & 0xFFFFFFFF)
    return v & (MASK64 if is64 else 0xFFFFFFFF)

MASK64 = (1 << 64) - 1

def sext32(v):
    v &= 0xFFFFFFFF
    return (v | 0xFFFFFFFF00000000) if v & 0x80000000 else v

F64S = [0.0, -0.0, 1.0, -1.0, 1.5, -2.5, 3.0, 0.1, 1e10, -1e-10, 2147483647.0, 2147483648.0,
        -2147483648.0, -2147483649.0, 9.3e18, -9.3e18, 4503599627370497.5, 0.5, 2.5, -0.5, 1e300,
        float("inf"), float("-inf"), float("nan"), 123456.789]

def rand_f64_bits(rng):
    if rng.random() < 0.6:
        return struct.unpack("<Q", struct.pack("<d", rng.choice(F64S)))[0]
    return struct.unpack("<Q", struct.pack("<d", rng.uniform(-1e6, 1e6)))[0]

def rand_f32_bits(rng):
    if rng.random() < 0.6:
        x = rng.choice(F64S)
    else:
        x = rng.uniform(-1e4, 1e4)
    try:
        return struct.unpack("<I", struct.pack("<f", x))[0]
    except OverflowError:
        return 0x7F800000 if x > 0 else 0xFF800000

# ------------------------------------------------------------- templates
# A template: (name, flags, make(rng, is64) -> (words, asm, inputs, notes)).
# `inputs` maps register names to values (GPRs, hi, lo, fN, fcsr) the case
# sets; other registers are zero.

TEMPLATES = []

# Operations on 32-bit values: on MIPS64 their GPR (and HI/LO) inputs must
# be sign-extended 32-bit values, or the result is UNPREDICTABLE.
OPS32 = {"add", "addu", "sub", "subu", "addi", "addiu", "sll", "srl", "sra", "rotr", "sllv",
         "srlv", "srav", "rotrv", "mult", "multu", "div", "divu", "madd", "maddu", "msub",
         "msubu", "mul", "clz", "clo", "ext", "ins", "wsbh", "lwl", "lwr"}

def template(name, only64=False, fpu=False):
    def deco(fn):
        if name in OPS32:
            inner = fn

            def fn(rng, is64, inner=inner):
                words, asm, ins = inner(rng, is64)
                if is64:
                    for k in list(ins):
                        if k in GPR or k in ("hi", "lo"):
                            ins[k] = sext32(ins[k])
                return words, asm, ins
        TEMPLATES.append((name, only64, fpu, fn))
        return fn
    return deco

def regs(rng, n):
    return [rng.choice(POOL) for _ in range(n)]

def gpr_inputs(rng, is64, rs):
    return {GPR[r]: rand_word(rng, is64) for r in rs if r != 0}

def r3(name, funct, only64=False, nonzero_rt=False):
    @template(name, only64)
    def make(rng, is64):
        rd, rs, rt = regs(rng, 3)
        if rng.random() < 0.1:
            rd = 0
        ins = gpr_inputs(rng, is64, [rs, rt])
        if nonzero_rt and ins.get(GPR[rt], 0) == 0:
            ins[GPR[rt]] = 7
        return [R(funct, rs, rt, rd)], f"{name} {GPR[rd]},{GPR[rs]},{GPR[rt]}", ins

for _n, _f in [("add", 0x20), ("addu", 0x21), ("sub", 0x22), ("subu", 0x23), ("and", 0x24),
               ("or", 0x25), ("xor", 0x26), ("nor", 0x27), ("slt", 0x2A), ("sltu", 0x2B),
               ("movz", 0x0A), ("movn", 0x0B)]:
    r3(_n, _f)
for _n, _f in [("dadd", 0x2C), ("daddu", 0x2D), ("dsub", 0x2E), ("dsubu", 0x2F)]:
    r3(_n, _f, only64=True)

def shiftv(name, funct, sa=0, only64=False):
    @template(name, only64)
    def make(rng, is64):
        rd, rs, rt = regs(rng, 3)
        return [R(funct, rs, rt, rd, sa)], f"{name} {GPR[rd]},{GPR[rt]},{GPR[rs]}", gpr_inputs(rng, is64, [rs, rt])

for _n, _f, _sa in [("sllv", 4, 0), ("srlv", 6, 0), ("rotrv", 6, 1), ("srav", 7, 0)]:
    shiftv(_n, _f, _sa)
for _n, _f, _sa in [("dsllv", 0x14, 0), ("dsrlv", 0x16, 0), ("drotrv", 0x16, 1), ("dsrav", 0x17, 0)]:
    shiftv(_n, _f, _sa, only64=True)

def shifti(name, funct, rs_field=0, only64=False):
    @template(name, only64)
    def make(rng, is64):
        rd, rt = regs(rng, 2)
        sa = rng.randrange(32)
        return [R(funct, rs_field, rt, rd, sa)], f"{name} {GPR[rd]},{GPR[rt]},{sa}", gpr_inputs(rng, is64, [rt])

for _n, _f, _r in [("sll", 0, 0), ("srl", 2, 0), ("rotr", 2, 1), ("sra", 3, 0)]:
    shifti(_n, _f, _r)
for _n, _f, _r in [("dsll", 0x38, 0), ("dsrl", 0x3A, 0), ("drotr", 0x3A, 1), ("dsra", 0x3B, 0),
                   ("dsll32", 0x3C, 0), ("dsrl32", 0x3E, 0), ("drotr32", 0x3E, 1), ("dsra32", 0x3F, 0)]:
    shifti(_n, _f, _r, only64=True)

def imm(name, op, signed=True, only64=False):
    @template(name, only64)
    def make(rng, is64):
        rt, rs = regs(rng, 2)
        v = rng.choice([0, 1, -1, 0x7FFF, -0x8000, 0xFFFF, 0x8000]) if rng.random() < 0.3 else rng.getrandbits(16)
        v &= 0xFFFF
        shown = v - 0x10000 if (signed and v & 0x8000) else v
        return [I(op, rs, rt, v)], f"{name} {GPR[rt]},{GPR[rs]},{shown}", gpr_inputs(rng, is64, [rs, rt])

for _n, _o, _s in [("addi", 8, True), ("addiu", 9, True), ("slti", 10, True), ("sltiu", 11, True),
                   ("andi", 12, False), ("ori", 13, False), ("xori", 14, False)]:
    imm(_n, _o, _s)
imm("daddi", 0x18, True, only64=True)
imm("daddiu", 0x19, True, only64=True)

@template("lui")
def _lui(rng, is64):
    rt = rng.choice(POOL)
    v = rng.getrandbits(16)
    return [I(15, 0, rt, v)], f"lui {GPR[rt]},{v:#x}", {}

def hilo_op(name, funct, op=0, only64=False, nonzero_rt=False, uses_acc=False):
    @template(name, only64)
    def make(rng, is64):
        rs, rt = regs(rng, 2)
        ins = gpr_inputs(rng, is64, [rs, rt])
        if nonzero_rt and ins.get(GPR[rt], 0) == 0:
            ins[GPR[rt]] = 3  # division by zero is UNPREDICTABLE
        if uses_acc or rng.random() < 0.5:
            ins["hi"] = rand_word(rng, is64)
            ins["lo"] = rand_word(rng, is64)
        return [R(funct, rs, rt, 0, 0, op)], f"{name} {GPR[rs]},{GPR[rt]}", ins

hilo_op("mult", 0x18)
hilo_op("multu", 0x19)
hilo_op("div", 0x1A, nonzero_rt=True)
hilo_op("divu", 0x1B, nonzero_rt=True)
hilo_op("dmult", 0x1C, only64=True)
hilo_op("dmultu", 0x1D, only64=True)
hilo_op("ddiv", 0x1E, only64=True, nonzero_rt=True)
hilo_op("ddivu", 0x1F, only64=True, nonzero_rt=True)
hilo_op("madd", 0, op=0x1C, uses_acc=True)
hilo_op("maddu", 1, op=0x1C, uses_acc=True)
hilo_op("msub", 4, op=0x1C, uses_acc=True)
hilo_op("msubu", 5, op=0x1C, uses_acc=True)

@template("mul")
def _mul(rng, is64):
    rd, rs, rt = regs(rng, 3)
    return [R(2, rs, rt, rd, 0, 0x1C)], f"mul {GPR[rd]},{GPR[rs]},{GPR[rt]}", gpr_inputs(rng, is64, [rs, rt])

for _n, _f, _o64 in [("clz", 0x20, False), ("clo", 0x21, False), ("dclz", 0x24, True), ("dclo", 0x25, True)]:
    def _mk(n=_n, f=_f, o64=_o64):
        @template(n, o64)
        def make(rng, is64):
            rd, rs = regs(rng, 2)
            # MIPS32 requires rt == rd for clz/clo.
            return [R(f, rs, rd, rd, 0, 0x1C)], f"{n} {GPR[rd]},{GPR[rs]}", gpr_inputs(rng, is64, [rs])
    _mk()

for _n, _sel in [("mfhi", 0x10), ("mflo", 0x12)]:
    def _mk(n=_n, f=_sel):
        @template(n)
        def make(rng, is64):
            rd = rng.choice(POOL)
            return [R(f, 0, 0, rd)], f"{n} {GPR[rd]}", {"hi": rand_word(rng, is64), "lo": rand_word(rng, is64)}
    _mk()
for _n, _sel in [("mthi", 0x11), ("mtlo", 0x13)]:
    def _mk(n=_n, f=_sel):
        @template(n)
        def make(rng, is64):
            rs = rng.choice(POOL)
            return [R(f, rs)], f"{n} {GPR[rs]}", gpr_inputs(rng, is64, [rs])
    _mk()

def bitfield(name, funct, only64=False):
    @template(name, only64)
    def make(rng, is64):
        rt, rs = regs(rng, 2)
        while True:
            pos, sz = rng.randrange(32), rng.randrange(1, 33)
            if name == "ext" and pos + sz <= 32:
                lsb, msb = pos, sz - 1
                break
            if name == "ins" and pos + sz <= 32:
                lsb, msb = pos, pos + sz - 1
                break
            if name == "dext" and pos + sz <= 64:
                lsb, msb = pos, sz - 1
                break
            if name == "dextm" and sz + 32 <= 64 and pos + sz + 32 <= 64:
                lsb, msb = pos, sz - 1
                break
            if name == "dextu" and pos + 32 + sz <= 64:
                lsb, msb = pos, sz - 1
                break
            if name == "dins" and pos + sz <= 32:
                lsb, msb = pos, pos + sz - 1
                break
            if name == "dinsm" and pos + sz + 32 <= 64 and pos + sz - 1 + 32 >= 32:
                lsb, msb = pos, pos + sz - 1
                if msb <= 31 and pos + sz - 1 + 32 > 31:
                    break
            if name == "dinsu" and pos + sz <= 32:
                lsb, msb = pos, pos + sz - 1
                break
        w = (0x1F << 26) | (rs << 21) | (rt << 16) | (msb << 11) | (lsb << 6) | funct
        return [w], f"{name} {GPR[rt]},{GPR[rs]},lsb={lsb},msbd={msb}", gpr_inputs(rng, is64, [rs, rt])

bitfield("ext", 0)
bitfield("ins", 4)
for _n, _f in [("dextm", 1), ("dextu", 2), ("dext", 3), ("dinsm", 5), ("dinsu", 6), ("dins", 7)]:
    bitfield(_n, _f, only64=True)

for _n, _sa, _f, _o64 in [("wsbh", 2, 0x20, False), ("seb", 0x10, 0x20, False), ("seh", 0x18, 0x20, False),
                          ("dsbh", 2, 0x24, True), ("dshd", 5, 0x24, True)]:
    def _mk(n=_n, sa=_sa, f=_f, o64=_o64):
        @template(n, o64)
        def make(rng, is64):
            rd, rt = regs(rng, 2)
            w = (0x1F << 26) | (rt << 16) | (rd << 11) | (sa << 6) | f
            return [w], f"{n} {GPR[rd]},{GPR[rt]}", gpr_inputs(rng, is64, [rt])
    _mk()

@template("rdhwr")
def _rdhwr(rng, is64):
    rt = rng.choice(POOL)
    w = (0x1F << 26) | (rt << 16) | (29 << 11) | 0x3B
    return [w], f"rdhwr {GPR[rt]},$29", {"ulr": rand_word(rng, is64)}

# ---- memory

def mem_case(name, op, size, only64=False, align=None, store=False):
    @template(name, only64)
    def make(rng, is64):
        rt, base = regs(rng, 2)
        while base == rt and not store:
            base = rng.choice(POOL)
        a = align or size
        target = DATA_ADDR + 8 + rng.randrange(0, DATA_SIZE - 16 - size + 1)
        if a > 1:
            target -= target % a
        off = rng.randrange(-8, 9)
        basev = (target - off) & MASK64
        ins = gpr_inputs(rng, is64, [rt])
        ins[GPR[base]] = basev
        ins["mem"] = bytes(rng.getrandbits(8) for _ in range(DATA_SIZE))
        return [I(op, base, rt, off & 0xFFFF)], f"{name} {GPR[rt]},{off}({GPR[base]})", ins

for _n, _o, _s in [("lb", 0x20, 1), ("lh", 0x21, 2), ("lw", 0x23, 4), ("lbu", 0x24, 1), ("lhu", 0x25, 2)]:
    mem_case(_n, _o, _s)
for _n, _o, _s in [("sb", 0x28, 1), ("sh", 0x29, 2), ("sw", 0x2B, 4)]:
    mem_case(_n, _o, _s, store=True)
for _n, _o in [("lwl", 0x22), ("lwr", 0x26)]:
    mem_case(_n, _o, 4, align=1)
for _n, _o in [("swl", 0x2A), ("swr", 0x2E)]:
    mem_case(_n, _o, 4, align=1, store=True)
mem_case("lwu", 0x27, 4, only64=True)
mem_case("ld", 0x37, 8, only64=True)
mem_case("sd", 0x3F, 8, only64=True, store=True)
for _n, _o in [("ldl", 0x1A), ("ldr", 0x1B)]:
    mem_case(_n, _o, 8, only64=True, align=1)
for _n, _o in [("sdl", 0x2C), ("sdr", 0x2D)]:
    mem_case(_n, _o, 8, only64=True, align=1, store=True)
mem_case("ll", 0x30, 4)
mem_case("lld", 0x34, 8, only64=True)
mem_case("pref", 0x33, 1, align=1)

def llsc(name, lop, sop, size, only64=False):
    @template(name, only64)
    def make(rng, is64):
        r1, r2, base = rng.sample(POOL, 3)
        target = DATA_ADDR + 8 + rng.randrange(0, DATA_SIZE - 16 - size + 1)
        target -= target % size
        off = rng.randrange(-2, 3) * size
        ins = gpr_inputs(rng, is64, [r2])
        ins[GPR[base]] = (target - off) & (MASK64 if is64 else 0xFFFFFFFF)
        ins["mem"] = bytes(rng.getrandbits(8) for _ in range(DATA_SIZE))
        return ([I(lop, base, r1, off & 0xFFFF), I(sop, base, r2, off & 0xFFFF)],
                f"{name} {GPR[r1]},{GPR[r2]},{off}({GPR[base]})", ins)

llsc("ll+sc", 0x30, 0x38, 4)
llsc("lld+scd", 0x34, 0x3C, 8, only64=True)

@template("sync")
def _sync(rng, is64):
    return [R(0x0F)], "sync", {}

# ---- traps and system

def trap_r(name, funct):
    @template(name)
    def make(rng, is64):
        rs, rt = regs(rng, 2)
        ins = gpr_inputs(rng, is64, [rs, rt])
        if rng.random() < 0.4:
            ins[GPR[rt]] = ins.get(GPR[rs], 0)
        code = rng.choice([0, 7, 6, 0x3FF])
        return [R(funct, rs, rt, 0, 0) | (code << 6)], f"{name} {GPR[rs]},{GPR[rt]},{code}", ins

for _n, _f in [("tge", 0x30), ("tgeu", 0x31), ("tlt", 0x32), ("tltu", 0x33), ("teq", 0x34), ("tne", 0x36)]:
    trap_r(_n, _f)

def trap_i(name, rt_sel):
    @template(name)
    def make(rng, is64):
        rs = rng.choice(POOL)
        ins = gpr_inputs(rng, is64, [rs])
        v = rng.choice([0, 1, 0xFFFF, 0x8000]) if rng.random() < 0.5 else rng.getrandbits(16)
        if rng.random() < 0.3:
            ins[GPR[rs]] = sext16(v, is64)
        return [I(1, rs, rt_sel, v)], f"{name} {GPR[rs]},{v:#x}", ins

def sext16(v, is64):
    v &= 0xFFFF
    x = v - 0x10000 if v & 0x8000 else v
    return x & (MASK64 if is64 else 0xFFFFFFFF)

for _n, _r in [("tgei", 8), ("tgeiu", 9), ("tlti", 10), ("tltiu", 11), ("teqi", 12), ("tnei", 14)]:
    trap_i(_n, _r)

@template("syscall")
def _syscall(rng, is64):
    return [R(0x0C)], "syscall", gpr_inputs(rng, is64, [2])

@template("break")
def _break(rng, is64):
    code = rng.choice([0, 7, 6, 0x200])
    return [R(0x0D) | (code << 16)], f"break {code}", {}

# ---- branches (with a delay slot that reads and writes registers)

def slot_insn(rng):
    """An addiu or addu that may overwrite a branch operand."""
    rd = rng.choice(POOL)
    rs = rng.choice(POOL)
    return I(9, rs, rd, rng.getrandbits(16)), f"addiu {GPR[rd]},{GPR[rs]},..", [rs]

def branch(name, make_word, nregs, likely=False, link=False):
    @template(name)
    def make(rng, is64):
        rs, rt = regs(rng, 2)
        off = rng.choice([2, 3, 5, -2, -7, 100])
        w = make_word(rs, rt, off & 0xFFFF)
        slot, sasm, sregs = slot_insn(rng)
        used = [rs, rt][:nregs] + sregs
        ins = gpr_inputs(rng, is64, used)
        if nregs == 2 and rng.random() < 0.4:
            ins[GPR[rt]] = ins.get(GPR[rs], 0)
        if nregs >= 1 and rng.random() < 0.2:
            ins[GPR[rs]] = 0
        return [w, slot], f"{name} {GPR[rs]},{GPR[rt]},{off} ; {sasm}", ins

branch("beq", lambda rs, rt, o: I(4, rs, rt, o), 2)
branch("bne", lambda rs, rt, o: I(5, rs, rt, o), 2)
branch("blez", lambda rs, rt, o: I(6, rs, 0, o), 1)
branch("bgtz", lambda rs, rt, o: I(7, rs, 0, o), 1)
branch("beql", lambda rs, rt, o: I(0x14, rs, rt, o), 2, likely=True)
branch("bnel", lambda rs, rt, o: I(0x15, rs, rt, o), 2, likely=True)
branch("blezl", lambda rs, rt, o: I(0x16, rs, 0, o), 1, likely=True)
branch("bgtzl", lambda rs, rt, o: I(0x17, rs, 0, o), 1, likely=True)
branch("bltz", lambda rs, rt, o: I(1, rs, 0, o), 1)
branch("bgez", lambda rs, rt, o: I(1, rs, 1, o), 1)
branch("bltzl", lambda rs, rt, o: I(1, rs, 2, o), 1, likely=True)
branch("bgezl", lambda rs, rt, o: I(1, rs, 3, o), 1, likely=True)
branch("bltzal", lambda rs, rt, o: I(1, rs, 0x10, o), 1, link=True)
branch("bgezal", lambda rs, rt, o: I(1, rs, 0x11, o), 1, link=True)
branch("bltzall", lambda rs, rt, o: I(1, rs, 0x12, o), 1, likely=True, link=True)
branch("bgezall", lambda rs, rt, o: I(1, rs, 0x13, o), 1, likely=True, link=True)
branch("j", lambda rs, rt, o: (2 << 26) | ((CODE_ADDR >> 2) + (o if o < 0x8000 else o - 0x10000) + 64), 0)
branch("jal", lambda rs, rt, o: (3 << 26) | ((CODE_ADDR >> 2) + (o if o < 0x8000 else o - 0x10000) + 64), 0, link=True)

@template("jr")
def _jr(rng, is64):
    rs = rng.choice(POOL)
    slot, sasm, sregs = slot_insn(rng)
    ins = gpr_inputs(rng, is64, sregs)
    ins[GPR[rs]] = CODE_ADDR + 0x100 + 4 * rng.choice([-40, -3, 2, 3, 7, 100])
    return [R(8, rs), slot], f"jr {GPR[rs]} ; {sasm}", ins

@template("jalr")
def _jalr(rng, is64):
    rs, rd = regs(rng, 2)
    if rng.random() < 0.5:
        rd = 31
    slot, sasm, sregs = slot_insn(rng)
    ins = gpr_inputs(rng, is64, sregs)
    ins[GPR[rs]] = CODE_ADDR + 0x100 + 4 * rng.choice([-40, -3, 2, 3, 7, 100])
    return [R(9, rs, 0, rd), slot], f"jalr {GPR[rd]},{GPR[rs]} ; {sasm}", ins

# ---- FPU

def fp_inputs(rng, is64, fmt, regs_):
    ins = {}
    for f in regs_:
        if fmt in (FMT_D, FMT_L) and not is64:
            bits = rand_f64_bits(rng) if fmt == FMT_D else rng.getrandbits(64)
            ins[f"f{f}"] = bits & 0xFFFFFFFF
            ins[f"f{f+1}"] = bits >> 32
        elif fmt == FMT_D:
            ins[f"f{f}"] = rand_f64_bits(rng)
        elif fmt == FMT_L:
            ins[f"f{f}"] = rng.choice([rng.getrandbits(64), rng.getrandbits(20), (-rng.getrandbits(30)) & MASK64])
        elif fmt == FMT_S:
            ins[f"f{f}"] = rand_f32_bits(rng) | ((rng.getrandbits(32) << 32) if is64 else 0)
        else:
            ins[f"f{f}"] = rng.choice([rng.getrandbits(32), rng.getrandbits(12), 0x80000000, 0x7FFFFFFF]) | ((rng.getrandbits(32) << 32) if is64 else 0)
    ins["fcsr"] = rng.randrange(4) | (rng.getrandbits(1) << 23) | (rng.getrandbits(7) << 25)
    return ins

def fregs(rng, n, fmt, is64):
    if not is64 and fmt in (FMT_D, FMT_L):
        return [2 * rng.randrange(16) for _ in range(n)]
    return [rng.randrange(32) for _ in range(n)]

def fp3(name, fmt, funct):
    @template(f"{name}.{'sd'[fmt - 16]}", fpu=True)
    def make(rng, is64):
        fd, fs, ft = fregs(rng, 3, fmt, is64)
        return [F(fmt, funct, ft, fs, fd)], f"{name}.{'sd'[fmt - 16]} $f{fd},$f{fs},$f{ft}", fp_inputs(rng, is64, fmt, [fs, ft])

def fp2(name, fmt, funct, src_fmt=None, dst_fmt=None, only64=False):
    sfx = {FMT_S: "s", FMT_D: "d", FMT_W: "w", FMT_L: "l"}[fmt]
    @template(f"{name}.{sfx}", only64, fpu=True)
    def make(rng, is64):
        fd = fregs(rng, 1, dst_fmt or fmt, is64)[0]
        fs = fregs(rng, 1, src_fmt or fmt, is64)[0]
        return [F(fmt, funct, 0, fs, fd)], f"{name}.{sfx} $f{fd},$f{fs}", fp_inputs(rng, is64, src_fmt or fmt, [fs])

for _fmt in (FMT_S, FMT_D):
    for _n, _f in [("add", 0), ("sub", 1), ("mul", 2), ("div", 3)]:
        fp3(_n, _fmt, _f)
    for _n, _f in [("sqrt", 4), ("abs", 5), ("mov", 6), ("neg", 7)]:
        fp2(_n, _fmt, _f)
    for _n, _f in [("round.w", 12), ("trunc.w", 13), ("ceil.w", 14), ("floor.w", 15), ("cvt.w", 36)]:
        fp2(_n, _fmt, _f, dst_fmt=FMT_W)
    for _n, _f in [("round.l", 8), ("trunc.l", 9), ("ceil.l", 10), ("floor.l", 11), ("cvt.l", 37)]:
        fp2(_n, _fmt, _f, dst_fmt=FMT_L, only64=True)
fp2("cvt.d", FMT_S, 33, dst_fmt=FMT_D)
fp2("cvt.s", FMT_D, 32, dst_fmt=FMT_S)
fp2("cvt.s", FMT_W, 32, dst_fmt=FMT_S)
fp2("cvt.d", FMT_W, 33, dst_fmt=FMT_D)
fp2("cvt.s", FMT_L, 32, dst_fmt=FMT_S, only64=True)
fp2("cvt.d", FMT_L, 33, dst_fmt=FMT_D, only64=True)

CONDS = ["f", "un", "eq", "ueq", "olt", "ult", "ole", "ule", "sf", "ngle", "seq", "ngl", "lt",
         "nge", "le", "ngt"]
for _fmt in (FMT_S, FMT_D):
    for _c in range(16):
        def _mk(fmt=_fmt, c=_c):
            @template(f"c.{CONDS[c]}.{'sd'[fmt - 16]}", fpu=True)
            def make(rng, is64):
                fs, ft = fregs(rng, 2, fmt, is64)
                cc = rng.choice([0, 0, 1, 5, 7])
                w = F(fmt, 0x30 | c, ft, fs, cc << 2)
                ins = fp_inputs(rng, is64, fmt, [fs, ft])
                if rng.random() < 0.3:
                    for k in [f"f{fs}", f"f{fs+1}"]:
                        if k in ins:
                            ins[k.replace(f"f{fs}", f"f{ft}") if False else k] = ins[k]
                    if f"f{fs}" in ins:
                        ins[f"f{ft}"] = ins[f"f{fs}"]
                        if not is64 and fmt == FMT_D:
                            ins[f"f{ft+1}"] = ins[f"f{fs+1}"]
                return [w], f"c.{CONDS[c]}.{'sd'[fmt - 16]} $fcc{cc},$f{fs},$f{ft}", ins
        _mk()

def fp_madd(name, sel):
    for fmt, low in [(FMT_S, 0), (FMT_D, 1)]:
        def _mk(fmt=fmt, low=low):
            @template(f"{name}.{'sd'[fmt - 16]}", fpu=True)
            def make(rng, is64):
                fd, fr, fs, ft = fregs(rng, 4, fmt, is64)
                w = (0x13 << 26) | (fr << 21) | (ft << 16) | (fs << 11) | (fd << 6) | (sel << 3) | low
                return [w], f"{name}.{'sd'[fmt - 16]} $f{fd},$f{fr},$f{fs},$f{ft}", fp_inputs(rng, is64, fmt, [fr, fs, ft])
        _mk()

fp_madd("madd", 4)
fp_madd("msub", 5)
fp_madd("nmadd", 6)
fp_madd("nmsub", 7)

def fp_movcond(name, fmt, funct, tf=None):
    sfx = "sd"[fmt - 16]
    @template(f"{name}.{sfx}", fpu=True)
    def make(rng, is64):
        fd, fs = fregs(rng, 2, fmt, is64)
        rt = rng.choice(POOL)
        cc = rng.randrange(8)
        if tf is None:
            ft = rt
        else:
            ft = (cc << 2) | tf
        ins = fp_inputs(rng, is64, fmt, [fs, fd])
        ins.update(gpr_inputs(rng, is64, [rt]) if rng.random() < 0.5 else {})
        return [F(fmt, funct, ft, fs, fd)], f"{name}.{sfx} $f{fd},$f{fs},{ft}", ins

for _fmt in (FMT_S, FMT_D):
    fp_movcond("movz", _fmt, 18)
    fp_movcond("movn", _fmt, 19)
    fp_movcond("movf", _fmt, 17, tf=0)
    fp_movcond("movt", _fmt, 17, tf=1)

for _n, _tf in [("movf", 0), ("movt", 1)]:
    def _mk(n=_n, tf=_tf):
        @template(n, fpu=True)
        def make(rng, is64):
            rd, rs = regs(rng, 2)
            cc = rng.randrange(8)
            ins = gpr_inputs(rng, is64, [rd, rs])
            ins.update(fp_inputs(rng, is64, FMT_W, []))
            return [R(1, rs, (cc << 2) | tf, rd)], f"{n} {GPR[rd]},{GPR[rs]},$fcc{cc}", ins
    _mk()

def fpmove(name, rs_field, only64=False, fmt=FMT_W):
    @template(name, only64, fpu=True)
    def make(rng, is64):
        rt = rng.choice(POOL)
        fs = fregs(rng, 1, FMT_D if name in ("mfhc1", "mthc1") and not is64 else FMT_S, is64)[0]
        ins = gpr_inputs(rng, is64, [rt])
        ins.update(fp_inputs(rng, is64, FMT_W, [fs, fs | 1]))
        w = (0x11 << 26) | (rs_field << 21) | (rt << 16) | (fs << 11)
        return [w], f"{name} {GPR[rt]},$f{fs}", ins

fpmove("mfc1", 0)
fpmove("dmfc1", 1, only64=True)
fpmove("mfhc1", 3)
fpmove("mtc1", 4)
fpmove("dmtc1", 5, only64=True)
fpmove("mthc1", 7)

@template("cfc1", fpu=True)
def _cfc1(rng, is64):
    rt = rng.choice(POOL)
    fs = rng.choice([31, 0, 25])
    ins = fp_inputs(rng, is64, FMT_W, [])
    return [(0x11 << 26) | (2 << 21) | (rt << 16) | (fs << 11)], f"cfc1 {GPR[rt]},${fs}", ins

@template("ctc1", fpu=True)
def _ctc1(rng, is64):
    rt = rng.choice(POOL)
    ins = gpr_inputs(rng, is64, [rt])
    ins[GPR[rt]] = ins.get(GPR[rt], 0) & 0xFE800003 | (rng.getrandbits(1) << 24)
    ins.update(fp_inputs(rng, is64, FMT_W, []))
    return [(0x11 << 26) | (6 << 21) | (rt << 16) | (31 << 11)], f"ctc1 {GPR[rt]},$31", ins

def fpmem(name, op, size):
    @template(name, fpu=True)
    def make(rng, is64):
        base = rng.choice(POOL)
        ft = fregs(rng, 1, FMT_D if size == 8 else FMT_S, is64)[0]
        target = DATA_ADDR + 8 + rng.randrange(0, DATA_SIZE - 16 - size + 1)
        target -= target % size
        off = rng.randrange(-8, 9)
        ins = fp_inputs(rng, is64, FMT_D if size == 8 else FMT_S, [ft])
        ins[GPR[base]] = (target - off) & MASK64
        ins["mem"] = bytes(rng.getrandbits(8) for _ in range(DATA_SIZE))
        return [I(op, base, ft, off & 0xFFFF)], f"{name} $f{ft},{off}({GPR[base]})", ins

fpmem("lwc1", 0x31, 4)
fpmem("ldc1", 0x35, 8)
fpmem("swc1", 0x39, 4)
fpmem("sdc1", 0x3D, 8)

def fpidx(name, funct, size, load):
    @template(name, fpu=True)
    def make(rng, is64):
        base, idx = rng.sample(POOL, 2)
        f = fregs(rng, 1, FMT_D if size == 8 else FMT_S, is64)[0]
        target = DATA_ADDR + 8 + rng.randrange(0, DATA_SIZE - 16 - size + 1)
        target -= target % size
        off = rng.randrange(-16, 17) * size
        ins = fp_inputs(rng, is64, FMT_D if size == 8 else FMT_S, [f])
        ins[GPR[base]] = (target - off) & (MASK64 if is64 else 0xFFFFFFFF)
        ins[GPR[idx]] = off & (MASK64 if is64 else 0xFFFFFFFF)
        ins["mem"] = bytes(rng.getrandbits(8) for _ in range(DATA_SIZE))
        if load:
            w = (0x13 << 26) | (base << 21) | (idx << 16) | (f << 6) | funct
        else:
            w = (0x13 << 26) | (base << 21) | (idx << 16) | (f << 11) | funct
        return [w], f"{name} $f{f},{GPR[idx]}({GPR[base]})", ins

fpidx("lwxc1", 0, 4, True)
fpidx("ldxc1", 1, 8, True)
fpidx("swxc1", 8, 4, False)
fpidx("sdxc1", 9, 8, False)

for _n, _nd, _tf, _likely in [("bc1f", 0, 0, False), ("bc1t", 0, 1, False), ("bc1fl", 1, 0, True), ("bc1tl", 1, 1, True)]:
    def _mk(n=_n, nd=_nd, tf=_tf):
        @template(n, fpu=True)
        def make(rng, is64):
            cc = rng.choice([0, 0, 1, 4, 7])
            off = rng.choice([2, 3, -5, 40])
            slot, sasm, sregs = slot_insn(rng)
            ins = gpr_inputs(rng, is64, sregs)
            ins.update(fp_inputs(rng, is64, FMT_W, []))
            w = (0x11 << 26) | (8 << 21) | (cc << 18) | (nd << 17) | (tf << 16) | (off & 0xFFFF)
            return [w, slot], f"{n} $fcc{cc},{off} ; {sasm}", ins
    _mk()

# ---- appended later (kept last so earlier cases keep their random streams)

for _fmt in (FMT_S, FMT_D):
    fp2("recip", _fmt, 21)
    fp2("rsqrt", _fmt, 22)

@template("prefx")
def _prefx(rng, is64):
    base, idx = rng.sample(POOL, 2)
    return [(0x13 << 26) | (base << 21) | (idx << 16) | (rng.randrange(32) << 11) | 0x0F], \
        f"prefx {GPR[idx]}({GPR[base]})", gpr_inputs(rng, is64, [base, idx])

@template("synci")
def _synci(rng, is64):
    base = rng.choice(POOL)
    ins = {GPR[base]: DATA_ADDR + rng.randrange(0, 32)}
    return [I(1, base, 0x1F, rng.randrange(0, 16))], f"synci 0({GPR[base]})", ins

# ---- delay-slot data hazards: the slot overwrites what the branch read, or
# reads the link the branch wrote (the slot sees the new link register).

@template("beq/slot-writes-rs")
def _beq_hazard(rng, is64):
    rs, rt = regs(rng, 2)
    off = rng.choice([2, 3, -5])
    ins = gpr_inputs(rng, is64, [rs, rt])
    if rng.random() < 0.5:
        ins[GPR[rt]] = ins.get(GPR[rs], 0)
    slot = I(9, rs, rs, rng.getrandbits(16))
    return [I(4, rs, rt, off & 0xFFFF), slot], f"beq {GPR[rs]},{GPR[rt]},{off} ; addiu {GPR[rs]},{GPR[rs]},..", ins

@template("jr/slot-writes-rs")
def _jr_hazard(rng, is64):
    rs = rng.choice(POOL)
    ins = {GPR[rs]: CODE_ADDR + 0x100 + 4 * rng.choice([-40, 2, 9])}
    slot = I(9, 0, rs, rng.getrandbits(16))
    return [R(8, rs), slot], f"jr {GPR[rs]} ; addiu {GPR[rs]},zero,..", ins

@template("bgezal/slot-reads-ra")
def _bal_hazard(rng, is64):
    rs = rng.choice([0] + POOL)
    rd = rng.choice(POOL)
    ins = gpr_inputs(rng, is64, [rs])
    ins["ra"] = rand_word(rng, is64)
    slot = R(0x21, 31, 0, rd)  # addu rd, ra, zero
    return [I(1, rs, 0x11, 3), slot], f"bgezal {GPR[rs]},3 ; addu {GPR[rd]},ra,zero", ins

@template("jalr/slot-reads-link")
def _jalr_hazard(rng, is64):
    rs, rd, rl = rng.sample(POOL, 3)
    ins = {GPR[rs]: CODE_ADDR + 0x100 + 4 * rng.choice([-40, 2, 9]), GPR[rl]: rand_word(rng, is64)}
    slot = R(0x21, rl, 0, rd)  # addu rd, rl, zero
    return [R(9, rs, 0, rl), slot], f"jalr {GPR[rl]},{GPR[rs]} ; addu {GPR[rd]},{GPR[rl]},zero", ins

# ------------------------------------------------------------------ runner

class Mode:
    def __init__(self, name, is64, big):
        self.name, self.is64, self.big = name, is64, big

MODES = [Mode("mips32el", False, False), Mode("mips32be", False, True),
         Mode("mips64el", True, False), Mode("mips64be", True, True)]

INTNO = {17: "Sys_syscall", 21: "SigFPE_IntOvf"}

def kernel_trap_kind(word):
    op, funct = word >> 26, word & 0x3F
    if op == 0 and funct == 0x0D:  # break: code in bits 16..25 (and 6..15)
        code = (word >> 6) & 0xFFFFF
        if code >= 1 << 10:
            code = (code >> 10) | ((code & 0x3FF) << 10)
    elif op == 0:
        code = (word >> 6) & 0x3FF
    else:
        code = 0
    return {7: "SigFPE_IntDiv", 6: "SigFPE_IntOvf"}.get(code, "SigTRAP")

def make_uc(mode):
    uc = Uc(UC_ARCH_MIPS, (UC_MODE_MIPS64 if mode.is64 else UC_MODE_MIPS32) |
            (UC_MODE_BIG_ENDIAN if mode.big else UC_MODE_LITTLE_ENDIAN))
    if mode.is64:
        uc.ctl_set_cpu_model(M.UC_CPU_MIPS64_MIPS64R2_GENERIC)
        uc.reg_write(M.UC_MIPS_REG_CP0_STATUS, uc.reg_read(M.UC_MIPS_REG_CP0_STATUS) | (1 << 26))
    uc.mem_map(CODE_ADDR, 0x10000)
    uc.mem_map(DATA_ADDR, 0x1000)
    return uc

def read_state(uc, mode):
    st = {}
    wmask = MASK64 if mode.is64 else 0xFFFFFFFF
    for i in range(1, 32):
        st[GPR[i]] = uc.reg_read(UC_GPR[i]) & wmask
    st["hi"] = uc.reg_read(M.UC_MIPS_REG_HI) & wmask
    st["lo"] = uc.reg_read(M.UC_MIPS_REG_LO) & wmask
    fmask = MASK64 if mode.is64 else 0xFFFFFFFF
    for i in range(32):
        st[f"f{i}"] = uc.reg_read(UC_FPR[i]) & fmask
    st["fcsr"] = uc.reg_read(M.UC_MIPS_REG_FCSR) & FCSR_MASK
    st["ulr"] = uc.reg_read(M.UC_MIPS_REG_CP0_USERLOCAL) & wmask
    return st

def run_case(mode, words, ins, fpu):
    uc = make_uc(mode)
    pack = ">I" if mode.big else "<I"
    prologue = []
    if fpu:
        # ctc1 $k1,$31: sets FCSR through the instruction, so the FPU's
        # rounding mode follows it (a register write would not).
        prologue = [(0x11 << 26) | (6 << 21) | (27 << 16) | (31 << 11)]
    start = CODE_ADDR + 0x100 - 4 * len(prologue)
    addr = CODE_ADDR + 0x100
    uc.mem_write(start, b"".join(struct.pack(pack, w) for w in prologue + words))
    mem = ins.get("mem")
    if mem is not None:
        uc.mem_write(DATA_ADDR, mem)
    for k, v in ins.items():
        if k in GPR:
            uc.reg_write(UC_GPR[GPR.index(k)], v)
        elif k == "hi":
            uc.reg_write(M.UC_MIPS_REG_HI, v)
        elif k == "lo":
            uc.reg_write(M.UC_MIPS_REG_LO, v)
        elif k.startswith("f") and k[1:].isdigit():
            uc.reg_write(UC_FPR[int(k[1:])], v)
        elif k == "ulr":
            uc.reg_write(M.UC_MIPS_REG_CP0_USERLOCAL, v)
    if fpu:
        uc.reg_write(UC_GPR[27], ins.get("fcsr", 0))
    before = read_state(uc, mode)
    before["fcsr"] = ins.get("fcsr", 0) & FCSR_MASK
    before["k1"] = ins.get("fcsr", 0) if fpu else 0
    events = {}

    def on_intr(uc_, intno, _):
        events["intno"] = intno
        uc_.emu_stop()

    def on_code(uc_, a, size, _):
        # Stop at the first instruction outside the case's code (a branch
        # back to the prologue counts as outside).
        n = events.get("n", 0)
        events["n"] = n + 1
        inside = addr <= a < addr + 4 * len(words) or (n == 0 and a == start)
        if not inside or n > len(prologue) + len(words):
            events["pc"] = a
            uc_.emu_stop()

    uc.hook_add(UC_HOOK_INTR, on_intr)
    uc.hook_add(UC_HOOK_CODE, on_code)
    end = addr + 4 * len(words)
    try:
        uc.emu_start(start, end, timeout=1_000_000)
    except UcError as e:
        return None, f"unicorn: {e}"
    after = read_state(uc, mode)
    if "intno" in events:
        n = events["intno"]
        if n == 17:
            kind, pc = "Sys_syscall", addr + 4
        elif n == 21:
            kind, pc = "SigFPE_IntOvf", addr
        elif n in (18, 22):
            kind, pc = kernel_trap_kind(words[0]), addr
        else:
            return None, f"exception {n}"
    else:
        kind, pc = "Boring", events.get("pc", end)
    out = {k: v for k, v in after.items() if v != before.get(k, 0)}
    if mem is not None:
        out["mem"] = bytes(uc.mem_read(DATA_ADDR, DATA_SIZE))
    out["exit"] = kind
    out["pc"] = pc
    return (before, out, after), None

def nan32(v):
    return (v >> 23) & 0xFF == 0xFF and v & 0x7FFFFF != 0


def nan64(v):
    return (v >> 52) & 0x7FF == 0x7FF and v & ((1 << 52) - 1) != 0


def result_format(name):
    """`s`, `d` or None: the floating-point format an FPU template writes."""
    parts = name.split(".")
    if len(parts) == 2 and parts[1] in ("s", "d") and not name.startswith("c."):
        return parts[1]
    if len(parts) == 3 and parts[0] == "cvt" and parts[1] in ("s", "d"):
        return parts[1]
    return None


def kind_ok(out):
    """True if the case ended normally (a trap leaves registers unwritten)."""
    return out.get("exit", "Boring") in ("Boring", "Sys_syscall")


def fmt_inputs(ins):
    parts = []
    for k, v in ins.items():
        if k == "mem":
            parts.append(f"[{DATA_ADDR:#x}]={v.hex()}")
        else:
            parts.append(f"{k}={v:#x}")
    return " ".join(parts)


def fmt_outputs(out, mode, fmt):
    """Output checks in the shared format (tests/vectors/README.md). FCSR is
    compared under FCSR_MASK; a MIPS32 FPR by its low 32 bits; a NaN result
    as any NaN (MIPS legacy NaNs are not the IR's encoding). For a double
    in a MIPS32 register pair only the high word's exponent can be checked
    that way, and the low word is named with mask 0 (any value)."""
    out = dict(out)
    checks = {}
    if fmt == "d" and not mode.is64:
        for i in range(0, 32, 2):
            lo, hi = f"f{i}", f"f{i + 1}"
            if lo in out or hi in out:
                v = (out.get(hi, 0) << 32) | out.get(lo, 0)
                if (lo in out and hi in out) and nan64(v):
                    checks[lo] = f"{lo}&0x0=0x0"
                    checks[hi] = f"{hi}&0x7ff00000=0x7ff00000"
                    del out[lo], out[hi]
    parts = []
    for k, v in out.items():
        if k == "mem":
            parts.append(f"[{DATA_ADDR:#x}]={v.hex()}")
        elif k in ("exit", "pc"):
            continue
        elif k == "fcsr":
            parts.append(f"fcsr&{FCSR_MASK:#x}={v & FCSR_MASK:#x}")
        elif k.startswith("f") and k[1:].isdigit():
            if not mode.is64:
                val = "nan32" if fmt == "s" and nan32(v) else f"{v & 0xFFFFFFFF:#x}"
                parts.append(f"{k}&0xffffffff={val}")
            elif fmt == "s" and nan32(v & 0xFFFFFFFF):
                parts.append(f"{k}&0xffffffff=nan32")
                if v >> 32 != 0:
                    parts.append(f"{k}&0xffffffff00000000={v & 0xFFFFFFFF00000000:#x}")
            elif fmt == "d" and nan64(v):
                parts.append(f"{k}=nan64")
            else:
                parts.append(f"{k}={v:#x}")
        else:
            parts.append(f"{k}={v:#x}")
    parts += checks.values()
    if out.get("exit", "Boring") != "Boring":
        parts.append(f"$exit={out['exit']}")
    parts.append(f"$next={out['pc']:#x}")
    return " ".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--states", type=int, default=NSTATES)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "../../tests/vectors"))
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    for mode in MODES:
        rng = random.Random(f"{args.seed}-{mode.name}")
        lines = [f"# {mode.name} instruction vectors, generated by scripts/vectors/mips.py "
                 f"--states {args.states} --seed {args.seed}",
                 "# reference: unicorn 2.1.4 (24Kf / MIPS64R2-generic with FR=1); "
                 "do not edit by hand, regenerate",
                 f"arch {'mips64' if mode.is64 else 'mips32'}",
                 f"endian {'big' if mode.big else 'little'}",
                 f"addr {CODE_ADDR + 0x100:#x}",
                 ""]
        count = {}
        skipped = {}
        for name, only64, fpu, make in TEMPLATES:
            if only64 and not mode.is64:
                continue
            if args.only and name != args.only:
                continue
            n = 0
            tries = 0
            while n < args.states and tries < args.states * 4:
                tries += 1
                words, asm, ins = make(rng, mode.is64)
                if fpu and "fcsr" not in ins:
                    ins["fcsr"] = 0
                res, err = run_case(mode, words, ins, fpu)
                if res is None:
                    skipped[name] = err
                    continue
                before, out, after = res
                # The destination (first operand) is checked even when its
                # value did not change.
                ops = asm.split()[1] if len(asm.split()) > 1 else ""
                dest = ops.split(",")[0].lstrip("$")
                if kind_ok(out) and dest in after and dest not in out and dest != "zero":
                    out[dest] = after[dest]
                shown_in = {k: v for k, v in ins.items() if k != "mem"}
                if fpu:
                    shown_in["k1"] = ins.get("fcsr", 0)
                if "fcsr" in shown_in:
                    shown_in["fcsr"] &= FCSR_MASK
                shown_in = {k: v for k, v in shown_in.items() if v != 0}
                if "mem" in ins:
                    shown_in["mem"] = ins["mem"]
                code = b"".join(struct.pack(">I" if mode.big else "<I", w) for w in words)
                text = asm.replace("|", "/")
                lines.append(f"{code.hex(' ')} | {text} | {fmt_inputs(shown_in)} => "
                             f"{fmt_outputs(out, mode, result_format(name) if fpu else None)}")
                n += 1
            count[name] = n
        path = os.path.join(args.out, f"{mode.name}.vec")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        short = {k: v for k, v in count.items() if v < args.states}
        print(f"{mode.name}: {len(count)} instructions, {sum(count.values())} cases -> {path}; "
              f"short: {short}; errors: {skipped}", file=sys.stderr)

if __name__ == "__main__":
    main()

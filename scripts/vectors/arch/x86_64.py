"""x86-64 instruction vectors, run on this machine's CPU.

Every mnemonic the x86-64 lifter supports, at each operand size and in its
register and memory forms, with random input states. The reference is the
host processor itself (through scripts/vectors/native/x86_run.c, see
`_x86_native.py`), because Unicorn lacks AVX, AVX2, AVX-512 and BMI; the
generator therefore needs an x86-64 CPU with AVX-512 (AVX512F/BW/VL).

Flags: `rflags` outputs are compared under the mask of the flags the
instruction defines (Intel SDM / AMD APM "undefined" flags are left out;
flags an instruction leaves unaffected are compared, with random input
flags). Input flags are random over OSZACP; DF is random only for the
string instructions.

Conventions the x86-64 guest follows (and these vectors check):
register names are vexil's `read_reg` names: `rax`..`r15`, `rflags`,
`xmmN`/`ymmhN`/`zmmNq2`/`zmmNq3` (the four 128-bit quarters of zmmN),
`k0`..`k7`, `st0`..`st7` (as F64 bits), `fpsw`, `fptag`, `mxcsr`.
x87 arithmetic runs with precision control set to double (`fpcw=0x27f`),
the precision vexil models.
"""

import random

from vexgen import core
from vexgen.core import Spec

from arch import _x86_native

NAME = "x86_64"
ARCH = "x86_64"
ENDIAN = "little"
CODE_ADDR = 0x400000
ASSEMBLER = ["as", "--64"]
ASM_PRELUDE = ".intel_syntax noprefix\n"
DATA = 0x10000100
STACK = 0x7FFF8000
MAPS = [(0x10000000, 0x1000, "rw"), (0x7FFF0000, 0x10000, "rw")]
REFERENCE = "native x86-64 (scripts/vectors/native/x86_run.c)"
REG_BITS = {}
for _n in range(32):
    for _r in (f"xmm{_n}", f"ymmh{_n}", f"zmm{_n}q2", f"zmm{_n}q3"):
        REG_BITS[_r] = 128
# Unicorn is not used; `REGS` only lists the names this module may use.
REGS = {}

run_case = _x86_native.run_case

# The framework runs Unicorn; route this module's cases to the native
# runner and name the reference in the file header.
if not getattr(core, "_x86_native_hook", False):
    _unicorn_run_case = core.run_case
    _generate = core.generate

    def _run_case(module, *args):
        f = getattr(module, "run_case", None)
        return f(module, *args) if f else _unicorn_run_case(module, *args)

    def _generate_named(module, count, seed):
        lines = _generate(module, count, seed)
        ref = getattr(module, "REFERENCE", None)
        if ref:
            lines = [f"# reference: {ref}; do not edit by hand, regenerate" if l.startswith("# reference:") else l
                     for l in lines]
        return lines

    core.run_case = _run_case
    core.generate = _generate_named
    core._x86_native_hook = True

OSZACP = 0x8D5
LOGIC = 0x8C5  # AF undefined
DF = 0x400

GPR = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
       "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
SUB = {
    "rax": ("eax", "ax", "al"), "rcx": ("ecx", "cx", "cl"), "rdx": ("edx", "dx", "dl"),
    "rbx": ("ebx", "bx", "bl"), "rsp": ("esp", "sp", "spl"), "rbp": ("ebp", "bp", "bpl"),
    "rsi": ("esi", "si", "sil"), "rdi": ("edi", "di", "dil"),
}
for _i in range(8, 16):
    SUB[f"r{_i}"] = (f"r{_i}d", f"r{_i}w", f"r{_i}b")
PTR = {8: "byte ptr", 16: "word ptr", 32: "dword ptr", 64: "qword ptr", 128: "xmmword ptr",
       256: "ymmword ptr", 512: "zmmword ptr"}


def r(full, w):
    """The `w`-bit name of a general register."""
    return full if w == 64 else SUB[full][{32: 0, 16: 1, 8: 2}[w]]


def flags_in(rng, df=False):
    return 0x2 | (rng.getrandbits(12) & (OSZACP | (DF if df else 0)))


def values(df=False, **over):
    """A value function: random flags, and per-register overrides (callables of rng)."""
    def f(rng, name, bits):
        if name in over:
            return over[name](rng)
        if name == "rflags":
            return flags_in(rng, df)
        return None
    return f


def S(asm, ins=(), outs=(), mask=None, mem=(), fixed=None, count=None, **over):
    """A spec: rflags is an input unless `ins` lists no flags explicitly off."""
    ins = list(ins)
    outs = list(outs)
    masks = {}
    if mask is not None:
        if "rflags" not in outs:
            outs.append("rflags")
        masks["rflags"] = mask
    if "rflags" not in ins:
        ins.append("rflags")
    fx = dict(fixed or {})
    memspec = []
    for m in mem:
        memspec.append(m)
    df = over.pop("df", False)
    return Spec(asm=asm, inputs=[i for i in ins if i not in fx], outputs=outs, masks=masks,
                fixed=fx, mem=memspec, count=count, value=values(df=df, **over))


def MEM(size=32, at=DATA):
    return {"fixed": {"rdi": at}, "mem": [(at, size)]}


def with_mem(spec_kw, size=32):
    kw = dict(spec_kw)
    m = MEM(size)
    kw.setdefault("fixed", {}).update(m["fixed"])
    kw["mem"] = list(kw.get("mem", [])) + m["mem"]
    return kw


SPECS = []


def add(*specs):
    SPECS.extend(specs)


def small(lo, hi):
    return lambda rng: rng.randrange(lo, hi)


# ---------------------------------------------------------------- integer ALU

for mn in ("add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"):
    mask = LOGIC if mn in ("and", "or", "xor", "test") else OSZACP
    for w in (8, 16, 32, 64):
        a, b = r("rax", w), r("rcx", w)
        add(S(f"{mn} {a}, {b}", ["rax", "rcx"], ["rax", "rcx"], mask))
        imm = {8: "0x85", 16: "0x1234", 32: "0x80000001", 64: "-0x7ffffff0"}[w]
        add(S(f"{mn} {a}, {imm}", ["rax"], ["rax"], mask, count=20))
        if mn != "test":
            add(S(f"{mn} {r('rdx', w)}, -3", ["rdx"], ["rdx"], mask, count=20))
            add(S(f"{mn} {a}, {PTR[w]} [rdi+8]", ["rax"], ["rax"], mask, **MEM()))
        add(S(f"{mn} {PTR[w]} [rdi+4], {b}", ["rcx"], [], mask, **MEM()))
        if mn not in ("cmp", "test"):
            add(S(f"lock {mn} {PTR[w]} [rdi], {b}", ["rcx"], [], mask, count=20, **MEM()))
    # Other register encodings: high bytes, REX registers.
    add(S(f"{mn} ah, ch", ["rax", "rcx"], ["rax"], mask, count=20))
    add(S(f"{mn} r9b, sil", ["r9", "rsi"], ["r9"], mask, count=20))
    add(S(f"{mn} r12d, r13d", ["r12", "r13"], ["r12"], mask, count=20))

# Zeroing idioms.
add(S("xor eax, eax", ["rax"], ["rax"], LOGIC, count=10))
add(S("sub rcx, rcx", ["rcx"], ["rcx"], OSZACP, count=10))

for mn in ("inc", "dec", "neg", "not"):
    mask = None if mn == "not" else OSZACP
    for w in (8, 16, 32, 64):
        add(S(f"{mn} {r('rax', w)}", ["rax"], ["rax"], mask if mask else OSZACP))
        add(S(f"{mn} {PTR[w]} [rdi]", [], [], mask if mask else OSZACP, count=20, **MEM()))
        add(S(f"lock {mn} {PTR[w]} [rdi]", [], [], mask if mask else OSZACP, count=10, **MEM()))

# ---------------------------------------------------------------- multiply / divide


def div_values(w, signed):
    """Dividends and divisors that mostly do not fault (some do)."""
    m = (1 << w) - 1

    def divisor(rng):
        v = rng.choice([rng.getrandbits(w), rng.randrange(1, 256), m, 1 << (w - 1), 0 if rng.random() < 0.05 else 7])
        return v or 3

    def hi(rng):
        if signed:
            return rng.choice([0, (1 << 64) - 1]) if rng.random() < 0.9 else rng.getrandbits(64)
        return rng.getrandbits(max(1, w // 2)) if rng.random() < 0.9 else rng.getrandbits(64)
    return divisor, hi


for w in (8, 16, 32, 64):
    add(S(f"mul {r('rcx', w)}", ["rax", "rcx", "rdx"], ["rax", "rdx"], 0x801))
    add(S(f"imul {r('rcx', w)}", ["rax", "rcx", "rdx"], ["rax", "rdx"], 0x801))
    add(S(f"mul {PTR[w]} [rdi]", ["rax", "rdx"], ["rax", "rdx"], 0x801, count=20, **MEM()))
    for mn, signed in (("div", False), ("idiv", True)):
        dv, hi = div_values(w, signed)
        if w == 8:
            ax = (lambda rng: rng.getrandbits(16)) if not signed else (lambda rng: rng.getrandbits(8) if rng.random() < 0.5 else (-rng.getrandbits(7)) & 0xFFFF)
            add(S(f"{mn} cl", ["rax", "rcx"], ["rax"], 0, rax=ax, rcx=dv))
        else:
            add(S(f"{mn} {r('rcx', w)}", ["rax", "rcx", "rdx"], ["rax", "rdx"], 0, rcx=dv, rdx=hi))
            add(S(f"{mn} {PTR[w]} [rdi]", ["rax", "rdx"], ["rax", "rdx"], 0, count=20, rdx=hi, **MEM()))
for w in (16, 32, 64):
    add(S(f"imul {r('rax', w)}, {r('rcx', w)}", ["rax", "rcx"], ["rax"], 0x801))
    add(S(f"imul {r('rax', w)}, {r('rcx', w)}, -100", ["rcx"], ["rax"], 0x801))
    add(S(f"imul {r('rax', w)}, {PTR[w]} [rdi], 0x1234", [], ["rax"], 0x801, count=20, **MEM()))

# ---------------------------------------------------------------- shifts and rotates

for mn in ("shl", "shr", "sar"):
    for w in (8, 16, 32, 64):
        a = r("rax", w)
        add(S(f"{mn} {a}, 1", ["rax"], ["rax"], 0x8C5))
        add(S(f"{mn} {a}, {w // 2 - 1}", ["rax"], ["rax"], 0x0C5))
        add(S(f"{mn} {PTR[w]} [rdi], 3", [], [], 0x0C5, count=20, **MEM()))
        cmax = (0x3F if w == 64 else 0x1F)
        # Counts below the width: CF SF ZF PF defined; count 1: also OF.
        add(S(f"{mn} {a}, cl", ["rax", "rcx"], ["rax"], 0x0C5, rcx=small(2, min(w, cmax + 1))))
        # Masked count 0 (0x20/0x40 for narrow operands): flags unchanged.
        zero = [0, 0x100] + ([0x40] if w == 64 else [0x20, 0x40])
        add(S(f"{mn} {a}, cl", ["rax", "rcx"], ["rax"], OSZACP, count=10, rcx=lambda rng, z=zero: rng.choice(z)))
        if w < 32:
            # Counts >= width: result 0 (or sign fill); CF undefined.
            add(S(f"{mn} {a}, cl", ["rax", "rcx"], ["rax"], 0x0C4, count=20, rcx=small(w, 32)))
for mn in ("rol", "ror", "rcl", "rcr"):
    for w in (8, 16, 32, 64):
        a = r("rax", w)
        add(S(f"{mn} {a}, 1", ["rax"], ["rax"], OSZACP))
        add(S(f"{mn} {a}, 3", ["rax"], ["rax"], 0x0D5))
        add(S(f"{mn} {PTR[w]} [rdi], 5", [], [], 0x0D5, count=20, **MEM()))
        add(S(f"{mn} {a}, cl", ["rax", "rcx"], ["rax"], 0x0D5, rcx=small(2, 64 if w == 64 else 32)))
        add(S(f"{mn} {a}, cl", ["rax", "rcx"], ["rax"], OSZACP, count=10, rcx=lambda rng: rng.choice([0, 1, 0x20, 0x21])))
for mn in ("shld", "shrd"):
    for w in (16, 32, 64):
        a, b = r("rax", w), r("rdx", w)
        add(S(f"{mn} {a}, {b}, 1", ["rax", "rdx"], ["rax"], 0x8C5))
        add(S(f"{mn} {a}, {b}, {w // 2 + 1}", ["rax", "rdx"], ["rax"], 0x0C5))
        add(S(f"{mn} {a}, {b}, cl", ["rax", "rdx", "rcx"], ["rax"], 0x0C5, rcx=small(2, w + 1 if w == 16 else w)))
        add(S(f"{mn} {PTR[w]} [rdi], {b}, 7", ["rdx"], [], 0x0C5, count=20, **MEM()))

# ---------------------------------------------------------------- bits

for mn in ("bt", "bts", "btr", "btc"):
    for w in (16, 32, 64):
        add(S(f"{mn} {r('rax', w)}, {r('rcx', w)}", ["rax", "rcx"], ["rax"], 0x01))
        add(S(f"{mn} {r('rax', w)}, {w - 3}", ["rax"], ["rax"], 0x01, count=20))
        add(S(f"{mn} {PTR[w]} [rdi+16], {r('rcx', w)}", ["rcx"], [], 0x01, mem=[(DATA, 48)], fixed={"rdi": DATA}, rcx=lambda rng: (rng.randrange(-128, 128)) & ((1 << 64) - 1)))
        add(S(f"{mn} {PTR[w]} [rdi], 5", [], [], 0x01, count=20, **MEM()))
        if mn != "bt":
            add(S(f"lock {mn} {PTR[w]} [rdi+16], {r('rcx', w)}", ["rcx"], [], 0x01, count=10, mem=[(DATA, 48)], fixed={"rdi": DATA}, rcx=lambda rng: rng.randrange(0, 128)))
for mn in ("bsf", "bsr"):
    for w in (16, 32, 64):
        add(S(f"{mn} {r('rax', w)}, {r('rcx', w)}", ["rax", "rcx"], ["rax"], 0x40))
        add(S(f"{mn} {r('rax', w)}, {PTR[w]} [rdi]", ["rax"], ["rax"], 0x40, count=20, **MEM()))
for mn, mask in (("lzcnt", 0x41), ("tzcnt", 0x41), ("popcnt", OSZACP)):
    for w in (16, 32, 64):
        add(S(f"{mn} {r('rax', w)}, {r('rcx', w)}", ["rax", "rcx"], ["rax"], mask))
        add(S(f"{mn} {r('rax', w)}, {PTR[w]} [rdi]", ["rax"], ["rax"], mask, count=20, **MEM()))
for w in (32, 64):
    add(S(f"bswap {r('rax', w)}", ["rax"], ["rax"], OSZACP))
    add(S(f"bswap {r('r11', w)}", ["r11"], ["r11"], OSZACP, count=10))
for w in (16, 32, 64):
    add(S(f"movbe {r('rax', w)}, {PTR[w]} [rdi]", ["rax"], ["rax"], OSZACP, **MEM()))
    add(S(f"movbe {PTR[w]} [rdi], {r('rcx', w)}", ["rcx"], [], OSZACP, count=20, **MEM()))

# BMI1/BMI2.
for w in (32, 64):
    a, b, c = r("rax", w), r("rcx", w), r("rdx", w)
    add(S(f"andn {a}, {b}, {c}", ["rcx", "rdx"], ["rax"], 0x8C1))
    add(S(f"bextr {a}, {b}, {c}", ["rcx", "rdx"], ["rax"], 0x841, rdx=lambda rng: rng.getrandbits(16)))
    for mn in ("blsi", "blsmsk", "blsr"):
        add(S(f"{mn} {a}, {b}", ["rcx"], ["rax"], 0x8C1))
    add(S(f"bzhi {a}, {b}, {c}", ["rcx", "rdx"], ["rax"], 0x8C1, rdx=lambda rng: rng.getrandbits(9)))
    for mn in ("sarx", "shlx", "shrx"):
        add(S(f"{mn} {a}, {b}, {c}", ["rcx", "rdx"], ["rax"], OSZACP))
        add(S(f"{mn} {a}, {PTR[w]} [rdi], {c}", ["rdx"], ["rax"], OSZACP, count=20, **MEM()))
    add(S(f"rorx {a}, {b}, 7", ["rcx"], ["rax"], OSZACP))
    add(S(f"mulx {a}, {r('rbx', w)}, {b}", ["rcx", "rdx"], ["rax", "rbx"], OSZACP))
    add(S(f"pdep {a}, {b}, {c}", ["rcx", "rdx"], ["rax"], OSZACP))
    add(S(f"pext {a}, {b}, {c}", ["rcx", "rdx"], ["rax"], OSZACP))

# ---------------------------------------------------------------- data movement

for w in (8, 16, 32, 64):
    add(S(f"mov {r('rax', w)}, {r('rcx', w)}", ["rax", "rcx"], ["rax"], OSZACP, count=20))
    add(S(f"mov {r('rax', w)}, {PTR[w]} [rdi+rcx*2+3]", ["rax"], ["rax"], OSZACP, count=20, rcx=small(0, 8), **MEM(48)))
    add(S(f"mov {PTR[w]} [rdi+1], {r('rcx', w)}", ["rcx"], [], OSZACP, count=20, **MEM()))
    imm = {8: "0x9c", 16: "0xbeef", 32: "0x89abcdef", 64: "-2"}[w]
    add(S(f"mov {r('rdx', w)}, {imm}", ["rdx"], ["rdx"], OSZACP, count=10))
    add(S(f"mov {PTR[w]} [rdi], {imm}", [], [], OSZACP, count=10, **MEM()))
add(S("movabs rax, 0x123456789abcdef0", ["rax"], ["rax"], OSZACP, count=5))
add(S("mov ah, byte ptr [rdi]", ["rax"], ["rax"], OSZACP, count=10, **MEM()))
for src in (8, 16):
    for dst in (16, 32, 64):
        if dst <= src:
            continue
        for mn in ("movzx", "movsx"):
            add(S(f"{mn} {r('rax', dst)}, {r('rcx', src)}", ["rax", "rcx"], ["rax"], OSZACP))
            add(S(f"{mn} {r('rax', dst)}, {PTR[src]} [rdi]", ["rax"], ["rax"], OSZACP, count=20, **MEM()))
add(S("movsxd rax, ecx", ["rax", "rcx"], ["rax"], OSZACP))
add(S("movsxd rax, dword ptr [rdi]", ["rax"], ["rax"], OSZACP, count=20, **MEM()))
add(S("lea rax, [rcx+rdx*4+0x1234]", ["rcx", "rdx"], ["rax"], OSZACP))
add(S("lea eax, [rcx+rdx*8-5]", ["rcx", "rdx"], ["rax"], OSZACP))
add(S("lea ax, [rcx+rdx]", ["rax", "rcx", "rdx"], ["rax"], OSZACP, count=20))
add(S("lea rax, [rip+0x100]", [], ["rax"], OSZACP, count=5))
add(S("lea eax, [ecx+edx*2]", ["rcx", "rdx"], ["rax"], OSZACP, count=20))
for w in (8, 16, 32, 64):
    add(S(f"xchg {r('rax', w)}, {r('rcx', w)}", ["rax", "rcx"], ["rax", "rcx"], OSZACP, count=20))
    add(S(f"xchg {PTR[w]} [rdi], {r('rcx', w)}", ["rcx"], ["rcx"], OSZACP, count=20, **MEM()))
    add(S(f"xadd {r('rax', w)}, {r('rcx', w)}", ["rax", "rcx"], ["rax", "rcx"], OSZACP))
    add(S(f"lock xadd {PTR[w]} [rdi], {r('rcx', w)}", ["rcx"], ["rcx"], OSZACP, count=20, **MEM()))
    add(S(f"cmpxchg {r('rdx', w)}, {r('rcx', w)}", ["rax", "rcx", "rdx"], ["rax", "rdx"], OSZACP,
          rdx=lambda rng: rng.choice([0x1111, 0x5555])))
    add(S(f"cmpxchg {r('rdx', w)}, {r('rcx', w)}", ["rax", "rcx", "rdx"], ["rax", "rdx"], OSZACP, count=20,
          rax=lambda rng: 0x1111, rdx=lambda rng: 0x1111))
    # Memory holds 0x1111 or 0x5555 (set by the first instruction), so about
    # half the exchanges succeed.
    add(S(f"mov {PTR[w]} [rdi], {r('rdx', w)}\nlock cmpxchg {PTR[w]} [rdi], {r('rcx', w)}",
          ["rax", "rcx", "rdx"], ["rax"], OSZACP,
          rax=lambda rng: rng.choice([0x1111, 0x5555]), rdx=lambda rng: rng.choice([0x1111, 0x5555]),
          mem=[(DATA, 16)], fixed={"rdi": DATA}))
add(S("cmpxchg eax, ecx", ["rax", "rcx"], ["rax"], OSZACP, count=20))
_pick = lambda rng: rng.choice([0x11112222, 0x5555666677778888])  # noqa: E731
add(S("mov qword ptr [rdi], rsi\nlock cmpxchg8b qword ptr [rdi]", ["rax", "rbx", "rcx", "rdx", "rsi"],
      ["rax", "rdx"], OSZACP, rax=_pick, rdx=_pick,
      rsi=lambda rng: rng.choice([0x1111222211112222, 0x7777888811112222, 0x1111222277778888]), **MEM()))
add(S("mov qword ptr [rdi], rsi\nmov qword ptr [rdi+8], rsi\nlock cmpxchg16b xmmword ptr [rdi]",
      ["rax", "rbx", "rcx", "rdx", "rsi"], ["rax", "rdx"], OSZACP, rax=_pick, rdx=_pick,
      rsi=lambda rng: rng.choice([0x11112222, 0x5555666677778888]), **MEM()))
for mn, w in (("cbw", 16), ("cwde", 32), ("cdqe", 64), ("cwd", 16), ("cdq", 32), ("cqo", 64)):
    add(S(mn, ["rax", "rdx"], ["rax", "rdx"], OSZACP))

# ---------------------------------------------------------------- conditions

CONDS = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]
for c in CONDS:
    add(S(f"set{c} al", ["rax"], ["rax"], OSZACP))
    add(S(f"set{c} byte ptr [rdi]", [], [], OSZACP, count=10, **MEM()))
    for w in (16, 32, 64):
        add(S(f"cmov{c} {r('rax', w)}, {r('rcx', w)}", ["rax", "rcx"], ["rax"], OSZACP, count=20 if w != 64 else None))
    add(S(f"cmov{c} eax, dword ptr [rdi]", ["rax"], ["rax"], OSZACP, count=10, **MEM()))
    add(S(f"j{c} .+0x20", [], [], OSZACP))
    # Flags from a compare in the same block (the specialized path).
    add(S(f"cmp rax, rcx\nj{c} .+0x20", ["rax", "rcx"], [], OSZACP, count=30,
          rcx=lambda rng: rng.choice([0, 1, 0x8000000000000000, (1 << 64) - 1, rng.getrandbits(64)])))
    add(S(f"test cl, dl\nset{c} al", ["rax", "rcx", "rdx"], ["rax"], LOGIC, count=20))
    # After shl by 3 OF is undefined, after imul only CF/OF are defined:
    # test only the conditions that read defined flags.
    add(S(f"sub ax, cx\ncmov{c} edx, ebx", ["rax", "rcx", "rdx", "rbx"], ["rax", "rdx"], OSZACP, count=20))
    add(S(f"add eax, ecx\nset{c} dl", ["rax", "rcx", "rdx"], ["rax", "rdx"], OSZACP, count=20))
    add(S(f"inc ecx\nset{c} dl", ["rcx", "rdx"], ["rcx", "rdx"], OSZACP, count=10))
    if c not in ("o", "no", "l", "ge", "le", "g"):
        add(S(f"shl eax, 3\nset{c} dl", ["rax", "rdx"], ["rax", "rdx"], 0x0C5, count=10))
    if c in ("o", "no", "b", "ae"):
        add(S(f"imul eax, ecx\nset{c} dl", ["rax", "rcx", "rdx"], ["rax", "rdx"], 0x801, count=20))
for mn, cnt in (("jrcxz", "rcx"), ("jecxz", "rcx")):
    add(S(f"{mn} .+0x20", [cnt], [], OSZACP, rcx=lambda rng: rng.choice([0, 1 << 32, 5])))
for mn in ("loop", "loope", "loopne"):
    add(S(f"{mn} .+0x20", ["rcx"], ["rcx"], OSZACP, rcx=lambda rng: rng.choice([0, 1, 2, 1 << 40])))

# ---------------------------------------------------------------- stack and control

STK = {"fixed": {"rsp": STACK}, "mem": [(STACK - 16, 32)]}
# Targets of indirect transfers land on known addresses outside the case's
# bytes (set through registers; memory inputs are random bytes).
_target = lambda rng: CODE_ADDR + 0x100 + rng.randrange(0, 0x100)  # noqa: E731
add(S("push rcx", ["rcx"], ["rsp"], OSZACP, **STK))
add(S("push cx", ["rcx"], ["rsp"], OSZACP, count=10, **STK))
add(S("push -5", [], ["rsp"], OSZACP, count=5, **STK))
add(S("push qword ptr [rsp+8]", [], ["rsp"], OSZACP, count=10, **STK))
add(S("pop rcx", ["rcx"], ["rsp", "rcx"], OSZACP, **STK))
add(S("pop cx", ["rcx"], ["rsp", "rcx"], OSZACP, count=10, **STK))
add(S("pop qword ptr [rsp]", [], ["rsp"], OSZACP, count=10, **STK))
add(S("pop rsp", [], ["rsp"], OSZACP, count=5, fixed={"rsp": STACK}, mem=[(STACK, 8)]))
add(S("pushfq", [], ["rsp"], OSZACP, **STK))
add(S("push rcx\npopfq", ["rcx"], ["rsp"], OSZACP | DF, **STK, rcx=lambda rng: flags_in(rng, True)))
add(S("call .+0x20", [], ["rsp"], OSZACP, count=5, **STK))
add(S("call rcx", ["rcx"], ["rsp"], OSZACP, count=5, rcx=_target, **STK))
add(S("mov [rsp+8], rcx\ncall qword ptr [rsp+8]", [], ["rsp"], OSZACP, count=5,
      fixed={"rsp": STACK}, mem=[(STACK - 16, 32)], rcx=_target))
add(S("push rcx\nret", ["rcx"], ["rsp"], OSZACP, count=20, rcx=_target, **STK))
add(S("push rcx\nret 0x10", ["rcx"], ["rsp"], OSZACP, count=10, rcx=_target, **STK))
add(S("leave", ["rbp"], ["rsp", "rbp"], OSZACP, count=10, fixed={"rbp": STACK}, mem=[(STACK, 16)]))
add(S("enter 0x20, 0", ["rbp"], ["rsp", "rbp"], OSZACP, count=10, **STK))
add(S("jmp .+0x30", [], [], OSZACP, count=5))
add(S("jmp rcx", ["rcx"], [], OSZACP, count=5, rcx=_target))
add(S("mov [rdi], rcx\njmp qword ptr [rdi]", ["rcx"], [], OSZACP, count=5, fixed={"rdi": DATA}, mem=[(DATA, 8)], rcx=_target))

# ---------------------------------------------------------------- strings

for base in ("movs", "stos", "lods", "scas", "cmps"):
    for sfx, w in (("b", 8), ("w", 16), ("d", 32), ("q", 64)):
        mn = base + sfx
        outs = ["rsi", "rdi", "rcx", "rax"]
        fixed = {"rsi": DATA + 0x80, "rdi": DATA + 0x180}
        mem = [(DATA + 0x40, 0x80), (DATA + 0x140, 0x80)]
        mask = OSZACP | DF
        add(S(mn, ["rax", "rcx"], outs, mask, fixed=fixed, mem=mem, df=True))
        pre = ["rep"] if base in ("movs", "stos", "lods") else ["repe", "repne"]
        for p in pre:
            # Counts small enough to stay inside the windows either way.
            add(S(f"{p} {mn}", ["rax", "rcx"], outs, mask, fixed=fixed, mem=mem, df=True,
                  rcx=lambda rng: rng.choice([0, 1, 2, 3, 7])))
add(S("cld", [], [], OSZACP | DF, df=True, count=10))
add(S("std", [], [], OSZACP | DF, df=True, count=10))
add(S("clc", [], [], OSZACP, count=10))
add(S("stc", [], [], OSZACP, count=10))
add(S("cmc", [], [], OSZACP, count=10))
add(S("lahf", ["rax"], ["rax"], OSZACP, count=20))
add(S("sahf", ["rax"], [], OSZACP, count=20))
add(S("nop", ["rax"], ["rax"], OSZACP, count=5))
add(S("nop dword ptr [rax+rax]", ["rax"], ["rax"], OSZACP, count=5))
add(S("endbr64", [], [], OSZACP, count=5))
add(S("pause", [], [], OSZACP, count=5))
add(S("int3", [], [], OSZACP, count=2))
add(S("ud2", [], [], OSZACP, count=2))
add(S("hlt", [], [], OSZACP, count=2))
add(S("mfence\nlfence\nsfence", [], [], OSZACP, count=2))
add(S("prefetcht0 byte ptr [rdi]\nprefetcht1 byte ptr [rdi+64]\nprefetchnta byte ptr [rdi]\nprefetchw byte ptr [rdi]",
      ["rax"], ["rax"], OSZACP, count=5, **MEM(8)))
# Shadow stacks are off for user processes here: rdssp is a no-op, incssp
# raises #UD.
add(S("rdsspq rax\nincsspq rcx", ["rax", "rcx"], ["rax", "rcx"], OSZACP, count=5))
# No RTM on the reference CPU (nor in vexil's cpuid): #UD.
for _tsx in ("xtest", "xend", "xabort 1", "xbegin .+0x20"):
    add(S(_tsx, [], [], OSZACP, count=2))
# Privileged in user mode: #GP.
add(S("out dx, al", ["rax", "rdx"], [], OSZACP, count=2))
add(S("cli", [], [], OSZACP, count=2))

# ---------------------------------------------------------------- SSE / AVX / AVX-512

MXCSR_RC = lambda rng: 0x1F80 | (rng.randrange(4) << 13)  # noqa: E731  random rounding, all masked


def V(n, width):
    """Register-name parts of vector register n covering `width` bits."""
    parts = [f"xmm{n}"]
    if width >= 256:
        parts.append(f"ymmh{n}")
    if width >= 512:
        parts += [f"zmm{n}q2", f"zmm{n}q3"]
    return parts


def ALL(n):
    return V(n, 512)


def reg(width, n):
    return {128: "xmm", 256: "ymm", 512: "zmm"}[width] + str(n)


def VS(asm, ins=(), outs=(), mask=None, **kw):
    """A vector spec: flags are compared (unchanged) unless `mask` says otherwise."""
    return S(asm, ins, outs, OSZACP if mask is None else mask, **kw)


LANEWISE = [
    "paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq",
    "paddusb", "paddusw", "paddsb", "paddsw", "psubusb", "psubusw", "psubsb", "psubsw",
    "pcmpeqb", "pcmpeqw", "pcmpeqd", "pcmpeqq", "pcmpgtb", "pcmpgtw", "pcmpgtd", "pcmpgtq",
    "pminub", "pminuw", "pminud", "pminsb", "pminsw", "pminsd",
    "pmaxub", "pmaxuw", "pmaxud", "pmaxsb", "pmaxsw", "pmaxsd",
    "pavgb", "pavgw", "pmullw", "pmulld", "pmulhw", "pmulhuw", "pmuludq", "pmuldq",
    "pand", "por", "pxor", "pandn", "andps", "andpd", "orps", "orpd", "xorps", "xorpd", "andnps", "andnpd",
    "punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq", "punpckhbw", "punpckhwd", "punpckhdq", "punpckhqdq",
    "unpcklps", "unpcklpd", "unpckhps", "unpckhpd",
    "packsswb", "packuswb", "packssdw", "packusdw", "pshufb",
    "addps", "subps", "mulps", "divps", "maxps", "minps", "addpd", "subpd", "mulpd", "divpd", "maxpd", "minpd",
]
FLOAT_RM = {"addps", "subps", "mulps", "divps", "addpd", "subpd", "mulpd", "divpd"}
for mn in LANEWISE:
    rc = {"mxcsr": MXCSR_RC} if mn in FLOAT_RM else {}
    extra = ["mxcsr"] if mn in FLOAT_RM else []
    add(VS(f"{mn} xmm1, xmm2", ["xmm1", "ymmh1", "xmm2"] + extra, ["xmm1", "ymmh1"], **rc))
    add(VS(f"{mn} xmm1, xmmword ptr [rdi]", ["xmm1"] + extra, ["xmm1"], count=20, **rc, **MEM(16)))
    add(VS(f"v{mn} xmm1, xmm2, xmm3", ALL(1) + ["xmm2", "xmm3"] + extra, ALL(1), count=20, **rc))
    add(VS(f"v{mn} ymm1, ymm2, ymm3", ALL(1) + V(2, 256) + V(3, 256) + extra, ALL(1), count=30, **rc))
    add(VS(f"v{mn} ymm4, ymm5, ymmword ptr [rdi]", ALL(4) + V(5, 256) + extra, ALL(4), count=10, **rc, **MEM(32)))
add(VS("pxor xmm3, xmm3", ["xmm3", "ymmh3"], ["xmm3", "ymmh3"], count=5))
add(VS("vpxor xmm3, xmm3, xmm3", ALL(3), ALL(3), count=5))

SCALAR = ["addss", "subss", "mulss", "divss", "maxss", "minss", "addsd", "subsd", "mulsd", "divsd", "maxsd", "minsd",
          "sqrtss", "sqrtsd"]
for mn in SCALAR:
    size = 32 if mn.endswith("ss") else 64
    add(VS(f"{mn} xmm1, xmm2", ["xmm1", "ymmh1", "xmm2", "mxcsr"], ["xmm1", "ymmh1"], mxcsr=MXCSR_RC))
    add(VS(f"{mn} xmm1, {PTR[size]} [rdi]", ["xmm1", "mxcsr"], ["xmm1"], count=20, mxcsr=MXCSR_RC, **MEM(8)))
    add(VS(f"v{mn} xmm1, xmm2, xmm3", ALL(1) + ["xmm2", "xmm3", "mxcsr"], ALL(1), count=20, mxcsr=MXCSR_RC))
for mn in ("sqrtps", "sqrtpd"):
    add(VS(f"{mn} xmm1, xmm2", ["xmm1", "xmm2", "mxcsr"], ["xmm1"], mxcsr=MXCSR_RC))
    add(VS(f"v{mn} ymm1, ymm2", ALL(1) + V(2, 256) + ["mxcsr"], ALL(1), count=20, mxcsr=MXCSR_RC))

MOVES = ["movaps", "movups", "movapd", "movupd", "movdqa", "movdqu"]
for mn in MOVES:
    add(VS(f"{mn} xmm1, xmm2", ["xmm1", "ymmh1", "xmm2"], ["xmm1", "ymmh1"], count=20))
    add(VS(f"{mn} xmm1, xmmword ptr [rdi]", ["xmm1", "ymmh1"], ["xmm1", "ymmh1"], count=20, **MEM(16)))
    add(VS(f"{mn} xmmword ptr [rdi], xmm2", ["xmm2"], [], count=20, **MEM(16)))
    add(VS(f"v{mn} xmm1, xmm2", ALL(1) + ["xmm2"], ALL(1), count=20))
    add(VS(f"v{mn} ymm1, ymmword ptr [rdi]", ALL(1), ALL(1), count=20, **MEM(32)))
    add(VS(f"v{mn} ymmword ptr [rdi], ymm2", V(2, 256), [], count=20, **MEM(32)))
# Misaligned aligned-move operands fault (#GP: SIGSEGV), unaligned forms do not.
add(VS("movdqa xmm1, xmmword ptr [rdi+8]", ["xmm1"], ["xmm1"], count=5, **MEM(32)))
add(VS("movdqu xmm1, xmmword ptr [rdi+8]", ["xmm1"], ["xmm1"], count=5, **MEM(32)))
add(VS("pcmpeqb xmm1, xmmword ptr [rdi+4]", ["xmm1"], ["xmm1"], count=5, **MEM(32)))
add(VS("vpcmpeqb xmm1, xmm2, xmmword ptr [rdi+4]", ALL(1) + ["xmm2"], ALL(1), count=5, **MEM(32)))
add(VS("vmovdqa ymm1, ymmword ptr [rdi+16]", ALL(1), ALL(1), count=5, **MEM(64)))
add(VS("lddqu xmm1, xmmword ptr [rdi+3]", ["xmm1"], ["xmm1"], count=10, **MEM(32)))
add(VS("vlddqu ymm1, ymmword ptr [rdi+3]", ALL(1), ALL(1), count=10, **MEM(64)))
for mn in ("movntdq", "movntps", "movntpd"):
    add(VS(f"{mn} xmmword ptr [rdi], xmm2", ["xmm2"], [], count=10, **MEM(16)))
add(VS("vmovntdq ymmword ptr [rdi], ymm2", V(2, 256), [], count=10, **MEM(32)))
add(VS("movntdqa xmm1, xmmword ptr [rdi]", ["xmm1", "ymmh1"], ["xmm1", "ymmh1"], count=10, **MEM(16)))
add(VS("movnti dword ptr [rdi], ecx", ["rcx"], [], count=10, **MEM(8)))
add(VS("movnti qword ptr [rdi], rcx", ["rcx"], [], count=10, **MEM(8)))

for v in ("", "v"):
    ups = ALL(1) if v else ["xmm1", "ymmh1"]
    add(VS(f"{v}movd xmm1, ecx", ups + ["rcx"], ups))
    add(VS(f"{v}movd xmm1, dword ptr [rdi]", ups, ups, count=20, **MEM(8)))
    add(VS(f"{v}movd ecx, xmm2", ["rcx", "xmm2"], ["rcx"]))
    add(VS(f"{v}movd dword ptr [rdi], xmm2", ["xmm2"], [], count=20, **MEM(8)))
    add(VS(f"{v}movq xmm1, rcx", ups + ["rcx"], ups))
    add(VS(f"{v}movq xmm1, qword ptr [rdi]", ups, ups, count=20, **MEM(8)))
    add(VS(f"{v}movq rcx, xmm2", ["rcx", "xmm2"], ["rcx"]))
    add(VS(f"{v}movq qword ptr [rdi], xmm2", ["xmm2"], [], count=20, **MEM(8)))
    add(VS(f"{v}movq xmm1, xmm2", ups + ["xmm2"], ups))
    for mn, size in (("movss", 32), ("movsd", 64)):
        add(VS(f"{v}{mn} xmm1, {PTR[size]} [rdi]", ups, ups, count=20, **MEM(8)))
        add(VS(f"{v}{mn} {PTR[size]} [rdi], xmm2", ["xmm2"], [], count=20, **MEM(8)))
        if v:
            add(VS(f"v{mn} xmm1, xmm2, xmm3", ups + ["xmm2", "xmm3"], ups))
        else:
            add(VS(f"{mn} xmm1, xmm2", ups + ["xmm2"], ups))
    for mn in ("movhps", "movlps", "movhpd", "movlpd"):
        if v:
            add(VS(f"v{mn} xmm1, xmm2, qword ptr [rdi]", ups + ["xmm2"], ups, count=20, **MEM(8)))
        else:
            add(VS(f"{mn} xmm1, qword ptr [rdi]", ups, ups, count=20, **MEM(8)))
        add(VS(f"{v}{mn} qword ptr [rdi], xmm2", ["xmm2"], [], count=20, **MEM(8)))
    for mn in ("movhlps", "movlhps"):
        if v:
            add(VS(f"v{mn} xmm1, xmm2, xmm3", ups + ["xmm2", "xmm3"], ups, count=20))
        else:
            add(VS(f"{mn} xmm1, xmm2", ups + ["xmm2"], ups, count=20))
    for mn in ("pmovmskb", "movmskps", "movmskpd"):
        add(VS(f"{v}{mn} ecx, xmm2", ["rcx", "xmm2"], ["rcx"]))
    if v:
        for mn in ("vpmovmskb", "vmovmskps", "vmovmskpd"):
            add(VS(f"{mn} ecx, ymm2", ["rcx"] + V(2, 256), ["rcx"]))

for mn, lane in (("psllw", 16), ("pslld", 32), ("psllq", 64), ("psrlw", 16), ("psrld", 32), ("psrlq", 64),
                 ("psraw", 16), ("psrad", 32)):
    add(VS(f"{mn} xmm1, {lane // 2 + 1}", ["xmm1", "ymmh1"], ["xmm1", "ymmh1"]))
    add(VS(f"{mn} xmm1, {lane + 3}", ["xmm1"], ["xmm1"], count=10))
    add(VS(f"{mn} xmm1, xmm2", ["xmm1", "xmm2"], ["xmm1"], xmm2=lambda rng: rng.choice([0, 1, 7, 15, 16, 31, 32, 63, 64, 300, 1 << 70, rng.getrandbits(128)])))
    add(VS(f"{mn} xmm1, xmmword ptr [rdi]", ["xmm1"], ["xmm1"], count=10, **MEM(16)))
    add(VS(f"v{mn} ymm1, ymm2, 3", ALL(1) + V(2, 256), ALL(1), count=20))
    add(VS(f"v{mn} ymm1, ymm2, xmm3", ALL(1) + V(2, 256) + ["xmm3"], ALL(1), count=20, xmm3=lambda rng: rng.randrange(0, 70)))
for mn in ("pslldq", "psrldq"):
    for k in (1, 5, 8, 15, 16, 20):
        add(VS(f"{mn} xmm1, {k}", ["xmm1", "ymmh1"], ["xmm1", "ymmh1"], count=10))
    add(VS(f"v{mn} ymm1, ymm2, 7", ALL(1) + V(2, 256), ALL(1), count=20))
for k in (0, 1, 5, 8, 15, 16, 17, 31, 32):
    add(VS(f"palignr xmm1, xmm2, {k}", ["xmm1", "ymmh1", "xmm2"], ["xmm1", "ymmh1"], count=10))
add(VS("palignr xmm1, xmmword ptr [rdi], 9", ["xmm1"], ["xmm1"], count=20, **MEM(16)))
add(VS("vpalignr ymm1, ymm2, ymm3, 6", ALL(1) + V(2, 256) + V(3, 256), ALL(1), count=20))
for imm in (0x1B, 0x4E, 0x00, 0xE4, 0x39):
    add(VS(f"pshufd xmm1, xmm2, {imm:#x}", ["xmm1", "ymmh1", "xmm2"], ["xmm1", "ymmh1"], count=10))
    add(VS(f"pshuflw xmm1, xmm2, {imm:#x}", ["xmm1", "xmm2"], ["xmm1"], count=10))
    add(VS(f"pshufhw xmm1, xmm2, {imm:#x}", ["xmm1", "xmm2"], ["xmm1"], count=10))
    add(VS(f"shufps xmm1, xmm2, {imm:#x}", ["xmm1", "xmm2"], ["xmm1"], count=10))
add(VS("vpshufd ymm1, ymm2, 0x93", ALL(1) + V(2, 256), ALL(1), count=20))
add(VS("vshufps ymm1, ymm2, ymm3, 0x2d", ALL(1) + V(2, 256) + V(3, 256), ALL(1), count=20))
for imm in range(4):
    add(VS(f"shufpd xmm1, xmm2, {imm}", ["xmm1", "xmm2"], ["xmm1"], count=15))
add(VS("vshufpd ymm1, ymm2, ymm3, 0x9", ALL(1) + V(2, 256) + V(3, 256), ALL(1), count=20))

# ptest and the float compares set flags.
_sparse = lambda rng: rng.choice([0, 1 << rng.randrange(128), (1 << 128) - 1, rng.getrandbits(128)])  # noqa: E731
add(VS("ptest xmm1, xmm2", ["xmm1", "xmm2"], [], OSZACP, xmm1=_sparse, xmm2=_sparse))
add(VS("vptest ymm1, ymm2", V(1, 256) + V(2, 256), [], OSZACP, xmm1=_sparse, xmm2=_sparse, ymmh1=_sparse, ymmh2=_sparse))


def _fvals(bits):
    """Float lanes with equal, ordered and NaN cases."""
    def f(rng):
        specials = {32: [0, 0x80000000, 0x3F800000, 0x7F800000, 0x7FC00000, 0xFF800000, 1],
                    64: [0, 1 << 63, 0x3FF0000000000000, 0x7FF0000000000000, 0x7FF8000000000000, 1]}[bits]
        lanes = 128 // bits
        out = 0
        for i in range(lanes):
            v = rng.choice(specials) if rng.random() < 0.3 else rng.getrandbits(bits)
            out |= v << (bits * i)
        return out
    return f


for mn, bits in (("ucomiss", 32), ("comiss", 32), ("ucomisd", 64), ("comisd", 64)):
    fv = _fvals(bits)
    add(VS(f"{mn} xmm1, xmm2", ["xmm1", "xmm2"], [], OSZACP, xmm1=fv, xmm2=lambda rng, fv=fv: fv(rng)))
    add(VS(f"v{mn} xmm1, xmm2", ["xmm1", "xmm2"], [], OSZACP, count=20, xmm1=fv, xmm2=fv))
    add(VS(f"{mn} xmm1, {PTR[bits]} [rdi]", ["xmm1"], [], OSZACP, count=20, xmm1=fv, **MEM(8)))
    add(VS(f"{mn} xmm1, xmm2\nja .+0x20", ["xmm1", "xmm2"], [], OSZACP, count=20, xmm1=fv, xmm2=fv))
    add(VS(f"{mn} xmm1, xmm2\njp .+0x20", ["xmm1", "xmm2"], [], OSZACP, count=20, xmm1=fv, xmm2=fv))
for mn, bits in (("cmpps", 32), ("cmppd", 64), ("cmpss", 32), ("cmpsd", 64)):
    fv = _fvals(bits)
    for pred in range(8):
        add(VS(f"{mn} xmm1, xmm2, {pred}", ["xmm1", "ymmh1", "xmm2"], ["xmm1", "ymmh1"], count=15, xmm1=fv, xmm2=fv))
    add(VS(f"v{mn} xmm1, xmm2, xmm3, 5", ALL(1) + ["xmm2", "xmm3"], ALL(1), count=15, xmm2=fv, xmm3=fv))

# Conversions, with random rounding modes.
for w in (32, 64):
    add(VS(f"cvtsi2sd xmm1, {r('rcx', w)}", ["xmm1", "ymmh1", "rcx", "mxcsr"], ["xmm1", "ymmh1"], mxcsr=MXCSR_RC))
    add(VS(f"cvtsi2ss xmm1, {r('rcx', w)}", ["xmm1", "ymmh1", "rcx", "mxcsr"], ["xmm1", "ymmh1"], mxcsr=MXCSR_RC))
    add(VS(f"vcvtsi2sd xmm1, xmm2, {r('rcx', w)}", ALL(1) + ["xmm2", "rcx", "mxcsr"], ALL(1), count=20, mxcsr=MXCSR_RC))
    add(VS(f"cvtsi2sd xmm1, {PTR[w]} [rdi]", ["xmm1", "mxcsr"], ["xmm1"], count=20, mxcsr=MXCSR_RC, **MEM(8)))
    for mn, bits in (("cvttsd2si", 64), ("cvtsd2si", 64), ("cvttss2si", 32), ("cvtss2si", 32)):
        fv = _fvals(bits)

        def conv_in(rng, bits=bits):
            # Mostly in-range values (exact and with fractions), some out of range.
            import struct as _st
            x = rng.choice([rng.uniform(-1e6, 1e6), rng.uniform(-3e9, 3e9), rng.uniform(-1e19, 1e19),
                            float(rng.randrange(-100, 100)) + 0.5, rng.uniform(-2.0, 2.0)])
            if bits == 32:
                return _st.unpack("<I", _st.pack("<f", x))[0] if rng.random() < 0.9 else fv(rng) & 0xFFFFFFFF
            return _st.unpack("<Q", _st.pack("<d", x))[0] if rng.random() < 0.9 else fv(rng) & ((1 << 64) - 1)
        add(VS(f"{mn} {r('rcx', w)}, xmm2", ["rcx", "xmm2", "mxcsr"], ["rcx"], xmm2=conv_in, mxcsr=MXCSR_RC))
        add(VS(f"v{mn} {r('rcx', w)}, xmm2", ["rcx", "xmm2", "mxcsr"], ["rcx"], count=10, xmm2=conv_in, mxcsr=MXCSR_RC))
add(VS("cvtss2sd xmm1, xmm2", ["xmm1", "xmm2"], ["xmm1"], xmm2=_fvals(32)))
add(VS("cvtsd2ss xmm1, xmm2", ["xmm1", "xmm2", "mxcsr"], ["xmm1"], xmm2=_fvals(64), mxcsr=MXCSR_RC))
add(VS("vcvtss2sd xmm1, xmm2, xmm3", ALL(1) + ["xmm2", "xmm3"], ALL(1), count=20, xmm3=_fvals(32)))
add(VS("cvtdq2ps xmm1, xmm2", ["xmm1", "xmm2", "mxcsr"], ["xmm1"], mxcsr=MXCSR_RC))
add(VS("cvttps2dq xmm1, xmm2", ["xmm1", "xmm2"], ["xmm1"], xmm2=_fvals(32)))
add(VS("cvtps2dq xmm1, xmm2", ["xmm1", "xmm2", "mxcsr"], ["xmm1"], xmm2=_fvals(32), mxcsr=MXCSR_RC))

for mn, imm in (("pextrb", 13), ("pextrw", 5), ("pextrd", 2), ("pextrq", 1)):
    dst = "rcx" if mn == "pextrq" else "ecx"
    add(VS(f"{mn} {dst}, xmm2, {imm}", ["rcx", "xmm2"], ["rcx"]))
    if mn != "pextrw":
        add(VS(f"{mn} {PTR[{'pextrb': 8, 'pextrd': 32, 'pextrq': 64}[mn]]} [rdi], xmm2, {imm}", ["xmm2"], [], count=20, **MEM(8)))
    add(VS(f"v{mn} {dst}, xmm2, {imm}", ["rcx", "xmm2"], ["rcx"], count=20))
for mn, imm, src in (("pinsrb", 9, "ecx"), ("pinsrw", 6, "ecx"), ("pinsrd", 3, "ecx"), ("pinsrq", 1, "rcx")):
    add(VS(f"{mn} xmm1, {src}, {imm}", ["xmm1", "ymmh1", "rcx"], ["xmm1", "ymmh1"]))
    add(VS(f"v{mn} xmm1, xmm2, {src}, {imm}", ALL(1) + ["xmm2", "rcx"], ALL(1), count=20))
for mn in ("pabsb", "pabsw", "pabsd"):
    add(VS(f"{mn} xmm1, xmm2", ["xmm1", "xmm2"], ["xmm1"]))
    add(VS(f"v{mn} ymm1, ymm2", ALL(1) + V(2, 256), ALL(1), count=20))


def _str128(rng):
    """Short strings over a small alphabet, with a NUL somewhere (or none)."""
    n = rng.choice([0, 1, 3, 7, 12, 15, 16, 16])
    alphabet = rng.choice([b"ab", b"abc,;", b"az09", bytes(range(1, 256))])
    b = bytes(rng.choice(alphabet) for _ in range(n)) + bytes(16 - n)
    return int.from_bytes(b, "little")


def _wstr128(rng):
    n = rng.choice([0, 1, 3, 7, 8, 8])
    words = [rng.choice([0x61, 0x62, 0x263A, 0x8000, 0x7FFF]) for _ in range(n)] + [0] * (8 - n)
    return sum(w << (16 * i) for i, w in enumerate(words))


for imm in (0x00, 0x02, 0x04, 0x08, 0x0C, 0x12, 0x18, 0x1A, 0x3A, 0x40, 0x44, 0x48, 0x4C, 0x58, 0x70, 0x7E):
    add(VS(f"pcmpistri xmm1, xmm2, {imm:#x}", ["xmm1", "xmm2", "rcx"], ["rcx"], OSZACP, xmm1=_str128, xmm2=_str128))
for imm in (0x01, 0x09, 0x19, 0x0D):
    add(VS(f"pcmpistri xmm1, xmm2, {imm:#x}", ["xmm1", "xmm2", "rcx"], ["rcx"], OSZACP, count=30, xmm1=_wstr128, xmm2=_wstr128))
add(VS("pcmpistri xmm1, xmmword ptr [rdi], 0x1a", ["xmm1", "rcx"], ["rcx"], OSZACP, count=20, xmm1=_str128, **MEM(16)))
add(VS("vpcmpistri xmm1, xmm2, 0x3a", ["xmm1", "xmm2", "rcx"], ["rcx"], OSZACP, count=20, xmm1=_str128, xmm2=_str128))

add(VS("stmxcsr dword ptr [rdi]", ["mxcsr"], [], count=10, mxcsr=MXCSR_RC, **MEM(4)))
add(VS("mov dword ptr [rdi], ecx\nldmxcsr dword ptr [rdi]\ncvtsd2si rax, xmm2", ["xmm2", "rcx"], ["rax"], count=20,
       xmm2=lambda rng: 0x3FF8000000000000 | rng.getrandbits(40), rcx=MXCSR_RC, **MEM(4)))
# Reserved MXCSR bits: #GP.
add(VS("mov dword ptr [rdi], ecx\nldmxcsr dword ptr [rdi]", ["rcx"], [], count=5,
       rcx=lambda rng: 0x1F80 | (1 << rng.randrange(16, 32)), **MEM(4)))
add(VS("vzeroupper", ALL(0) + ALL(7) + ALL(15) + ALL(16), ALL(0) + ALL(7) + ALL(15) + ALL(16), count=10))
add(VS("vzeroall", ALL(0) + ALL(15) + ALL(16), ALL(0) + ALL(15) + ALL(16), count=10))
for mn, w in (("vpbroadcastb", 8), ("vpbroadcastw", 16), ("vpbroadcastd", 32), ("vpbroadcastq", 64)):
    add(VS(f"{mn} ymm1, xmm2", ALL(1) + ["xmm2"], ALL(1), count=20))
    add(VS(f"{mn} xmm1, {PTR[w]} [rdi]", ALL(1), ALL(1), count=20, **MEM(8)))
add(VS("vbroadcastss ymm1, xmm2", ALL(1) + ["xmm2"], ALL(1), count=20))
add(VS("vbroadcastsd ymm1, xmm2", ALL(1) + ["xmm2"], ALL(1), count=20))
add(VS("vpbroadcastb ymm16, ecx", ALL(16) + ["rcx"], ALL(16), count=20))
add(VS("vpbroadcastd zmm17, ecx", ALL(17) + ["rcx"], ALL(17), count=20))
add(VS("vpbroadcastb zmm18, xmm2", ALL(18) + ["xmm2"], ALL(18), count=20))
add(VS("vbroadcastss zmm19, xmm2", ALL(19) + ["xmm2"], ALL(19), count=20))
for imm in (0, 1):
    add(VS(f"vextracti128 xmm1, ymm2, {imm}", ALL(1) + V(2, 256), ALL(1), count=20))
    add(VS(f"vinserti128 ymm1, ymm2, xmm3, {imm}", ALL(1) + V(2, 256) + ["xmm3"], ALL(1), count=20))
add(VS("vextracti128 xmmword ptr [rdi], ymm2, 1", V(2, 256), [], count=10, **MEM(16)))

# AVX-512 (EVEX): the forms glibc's string functions use.
K = [f"k{i}" for i in range(8)]
for mn in ("vpaddb", "vpsubb", "vpminub", "vpminud", "vpxorq", "vpxord", "vpandnq", "vpandnd", "vpord"):
    for width in (128, 256, 512):
        d, a, b = reg(width, 16), reg(width, 17), reg(width, 18)
        base = ALL(16) + V(17, width) + V(18, width)
        add(VS(f"{mn} {d}, {a}, {b}", base, ALL(16), count=20))
        add(VS(f"{mn} {d} {{k1}}, {a}, {b}", base + ["k1"], ALL(16), count=20))
        add(VS(f"{mn} {d} {{k2}}{{z}}, {a}, {b}", base + ["k2"], ALL(16), count=20))
for mn in ("vmovdqu8", "vmovdqu16", "vmovdqu32", "vmovdqu64", "vmovdqa32", "vmovdqa64", "vmovups", "vmovaps"):
    for width in (128, 256, 512):
        d, s = reg(width, 16), reg(width, 20)
        add(VS(f"{mn} {d}, {s}", ALL(16) + V(20, width), ALL(16), count=10))
        add(VS(f"{mn} {d} {{k1}}, {s}", ALL(16) + V(20, width) + ["k1"], ALL(16), count=15))
        add(VS(f"{mn} {d} {{k1}}{{z}}, {PTR[width]} [rdi]", ALL(16) + ["k1"], ALL(16), count=15, **MEM(width // 8)))
        add(VS(f"{mn} {PTR[width]} [rdi], {s}", V(20, width), [], count=10, **MEM(width // 8)))
        add(VS(f"{mn} {PTR[width]} [rdi] {{k3}}, {s}", V(20, width) + ["k3"], [], count=15, **MEM(width // 8)))
add(VS("vmovntdq zmmword ptr [rdi], zmm21", V(21, 512), [], count=10, **MEM(64)))
for mn, es in (("vpcmpb", 8), ("vpcmpub", 8), ("vpcmpd", 32), ("vpcmpud", 32), ("vpcmpw", 16), ("vpcmpuw", 16),
               ("vpcmpq", 64), ("vpcmpuq", 64)):
    for pred in range(8):
        add(VS(f"{mn} k1, ymm17, ymm18, {pred}", ["k1"] + V(17, 256) + V(18, 256), ["k1"], count=10,
               xmm18=lambda rng: rng.getrandbits(128) & 0x0303030303030303_0303030303030303 if rng.random() < 0.5 else rng.getrandbits(128),
               xmm17=lambda rng: rng.getrandbits(128) & 0x0303030303030303_0303030303030303 if rng.random() < 0.5 else rng.getrandbits(128)))
    add(VS(f"{mn} k2 {{k3}}, zmm17, zmmword ptr [rdi], 4", ["k2", "k3"] + V(17, 512), ["k2"], count=15, **MEM(64)))
    add(VS(f"{mn} k2, xmm17, xmm18, 0", ["k2", "xmm17", "xmm18"], ["k2"], count=15))
add(VS("vpcmpeqb k1, zmm17, zmm18", ["k1"] + V(17, 512) + V(18, 512), ["k1"], count=20))
add(VS("vpcmpeqb k1 {k2}, ymm17, ymm18", ["k1", "k2"] + V(17, 256) + V(18, 256), ["k1"], count=20))
add(VS("vpcmpgtb k1, ymm17, ymm18", ["k1"] + V(17, 256) + V(18, 256), ["k1"], count=20))
for mn in ("vptestmb", "vptestnmb", "vptestmd", "vptestnmd", "vptestmw", "vptestmq"):
    for width in (128, 256, 512):
        add(VS(f"{mn} k1, {reg(width, 17)}, {reg(width, 18)}", ["k1"] + V(17, width) + V(18, width), ["k1"], count=15,
               xmm17=_sparse, xmm18=_sparse))
    add(VS(f"{mn} k1 {{k2}}, ymm17, ymm18", ["k1", "k2"] + V(17, 256) + V(18, 256), ["k1"], count=15))
for imm in (0x96, 0xE8, 0xFE, 0xDE, 0x01, 0x80, 0xCA):
    add(VS(f"vpternlogd ymm16, ymm17, ymm18, {imm:#x}", ALL(16) + V(17, 256) + V(18, 256), ALL(16), count=10))
add(VS("vpternlogd ymm16 {k1}{z}, ymm17, ymm18, 0xde", ALL(16) + V(17, 256) + V(18, 256) + ["k1"], ALL(16), count=20))
add(VS("vpternlogq zmm16, zmm17, zmm18, 0x5a", ALL(16) + V(17, 512) + V(18, 512), ALL(16), count=20))
for mn, w in (("kmovb", 8), ("kmovw", 16), ("kmovd", 32), ("kmovq", 64)):
    gp = r("rcx", 64 if w == 64 else 32)
    add(VS(f"{mn} k1, {gp}", ["k1", "rcx"], ["k1"]))
    add(VS(f"{mn} {gp}, k2", ["rcx", "k2"], ["rcx"]))
    add(VS(f"{mn} k1, k2", ["k1", "k2"], ["k1"], count=20))
    add(VS(f"{mn} k1, {PTR[w]} [rdi]", ["k1"], ["k1"], count=20, **MEM(8)))
    add(VS(f"{mn} {PTR[w]} [rdi], k2", ["k2"], [], count=20, **MEM(8)))
_kv = lambda rng: rng.choice([0, (1 << 64) - 1, 0xFFFFFFFF, 0xFF, 0xFFFF, rng.getrandbits(64)])  # noqa: E731
for mn in ("kortestb", "kortestw", "kortestd", "kortestq", "ktestb", "ktestw", "ktestd", "ktestq"):
    add(VS(f"{mn} k1, k2", ["k1", "k2"], [], OSZACP, k1=_kv, k2=_kv))
    add(VS(f"{mn} k1, k2\njne .+0x20", ["k1", "k2"], [], OSZACP, count=20, k1=_kv, k2=_kv))
for mn in ("kunpckbw", "kunpckwd", "kunpckdq"):
    add(VS(f"{mn} k1, k2, k3", ["k1", "k2", "k3"], ["k1"]))
for op in ("kand", "kandn", "kor", "kxor", "kxnor"):
    for sfx in ("b", "w", "d", "q"):
        add(VS(f"{op}{sfx} k1, k2, k3", ["k1", "k2", "k3"], ["k1"], count=15))
for sfx in ("b", "w", "d", "q"):
    add(VS(f"knot{sfx} k1, k2", ["k1", "k2"], ["k1"], count=15))

# ---------------------------------------------------------------- x87

ST = [f"st{i}" for i in range(8)]
# Precision control double (0x27f): vexil's x87 registers are F64.
X87 = {"fpcw": lambda rng: 0x027F}


def _f64(rng):
    import struct as _st
    x = rng.choice([rng.uniform(-1e6, 1e6), rng.uniform(-10, 10), float(rng.randrange(-1000, 1000)),
                    rng.choice([0.0, -0.0, 1.0, 0.5, float("inf"), -float("inf"), 3.0]), rng.uniform(-1e300, 1e300)])
    return _st.unpack("<Q", _st.pack("<d", x))[0]


FV = {f"st{i}": _f64 for i in range(8)}


def XS(asm, nst, outs_st, extra_in=(), extra_out=(), mask=OSZACP, count=None, sw_mask=0x7D00, **kw):
    """An x87 spec with st0..st(nst-1) loaded; compares the given st registers
    and the status word's TOP, C0, C2 and C3 (C1, the rounded-up bit of
    inexact results, is not modelled)."""
    ins = ["fpcw"] + ST[:nst] + list(extra_in)
    outs = list(outs_st) + ["fpsw", "fptag"] + list(extra_out)
    sp = S(asm, ins, outs, mask, count=count, **{**X87, **FV, **kw})
    sp.masks["fpsw"] = sw_mask
    return sp


add(XS("fld st(2)", 7, ST[:8]))
add(XS("fld qword ptr [rdi]", 6, ST[:7], mem=[(DATA, 8)], fixed={"rdi": DATA}))
add(XS("fld dword ptr [rdi]", 6, ST[:7], mem=[(DATA, 4)], fixed={"rdi": DATA}))
add(XS("fld tbyte ptr [rdi]", 6, ST[:7], count=20, mem=[(DATA, 10)], fixed={"rdi": DATA}))
add(XS("fld qword ptr [rdi]", 8, ST[:8], count=10, mem=[(DATA, 8)], fixed={"rdi": DATA}))  # stack overflow
for mn, size in (("fst", 64), ("fstp", 64), ("fst", 32), ("fstp", 32)):
    add(XS(f"{mn} {PTR[size]} [rdi]", 3, ST[:3], mem=[(DATA, 8)], fixed={"rdi": DATA}))
add(XS("fstp tbyte ptr [rdi]", 3, ST[:3], count=20, mem=[(DATA, 10)], fixed={"rdi": DATA}))
add(XS("fstp st(3)", 5, ST[:5]))
add(XS("fst st(2)", 4, ST[:4], count=20))
for size in (16, 32, 64):
    add(XS(f"fild {PTR[size]} [rdi]", 5, ST[:6], mem=[(DATA, 8)], fixed={"rdi": DATA}))
    add(XS(f"fistp {PTR[size]} [rdi]", 3, ST[:3], mem=[(DATA, 8)], fixed={"rdi": DATA},
           st0=lambda rng: _f64_small(rng)))
    if size != 64:  # fist has no 64-bit form
        add(XS(f"fist {PTR[size]} [rdi]", 3, ST[:3], count=20, mem=[(DATA, 8)], fixed={"rdi": DATA},
               st0=lambda rng: _f64_small(rng)))
    add(XS(f"fisttp {PTR[size]} [rdi]", 3, ST[:3], count=20, mem=[(DATA, 8)], fixed={"rdi": DATA},
           st0=lambda rng: _f64_small(rng)))


def _f64_small(rng):
    import struct as _st
    x = rng.choice([rng.uniform(-40000, 40000), rng.uniform(-3e9, 3e9), rng.uniform(-1e19, 1e19),
                    float(rng.randrange(-10, 10)) + 0.5, rng.uniform(-2, 2)])
    return _st.unpack("<Q", _st.pack("<d", x))[0]


for op in ("fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr"):
    add(XS(f"{op} qword ptr [rdi]", 3, ST[:3], mem=[(DATA, 8)], fixed={"rdi": DATA}))
    add(XS(f"{op} dword ptr [rdi]", 3, ST[:3], count=20, mem=[(DATA, 4)], fixed={"rdi": DATA}))
    add(XS(f"{op} st, st(2)", 4, ST[:4]))
    add(XS(f"{op} st(3), st", 4, ST[:4], count=20))
    add(XS(f"{op}p st(2), st", 4, ST[:4]))
    add(XS(f"fi{op[1:]} dword ptr [rdi]", 3, ST[:3], count=20, mem=[(DATA, 4)], fixed={"rdi": DATA}))
    add(XS(f"fi{op[1:]} word ptr [rdi]", 3, ST[:3], count=20, mem=[(DATA, 2)], fixed={"rdi": DATA}))
for mn in ("fchs", "fabs", "fsqrt", "frndint"):
    add(XS(mn, 2, ST[:2]))
add(XS("frndint", 2, ST[:2], count=20, fpcw=lambda rng: 0x027F | (rng.randrange(4) << 10)))
for mn in ("fldz", "fld1", "fldpi", "fldl2e", "fldln2", "fldl2t", "fldlg2"):
    add(XS(mn, 2, ST[:3], count=10))
add(XS("fxch st(3)", 5, ST[:5]))
add(XS("fxch", 3, ST[:3], count=20))
for mn, pops in (("fcom st(2)", 0), ("fcomp st(1)", 1), ("fucom st(3)", 0), ("fucomp st(2)", 1), ("fcompp", 2), ("fucompp", 2),
                 ("ftst", 0), ("fcom qword ptr [rdi]", 0)):
    kw = {"mem": [(DATA, 8)], "fixed": {"rdi": DATA}} if "[rdi]" in mn else {}
    add(XS(mn, 4, ST[:4], **kw))
for mn in ("fcomi st, st(2)", "fucomi st, st(1)", "fcomip st, st(2)", "fucomip st, st(3)"):
    add(XS(mn, 4, ST[:4]))
    add(XS(mn + "\nja .+0x20", 4, ST[:4], count=20))
add(XS("fxam", 2, ST[:2], sw_mask=0x7F00))  # fxam sets C1 to the sign
add(XS("fxam", 0, [], sw_mask=0x7F00, count=5))
add(XS("fnstsw ax", 3, ST[:3], extra_in=["rax"], extra_out=["rax"], fpsw=lambda rng: rng.getrandbits(16) & 0x4700))
add(XS("fnstcw word ptr [rdi]", 1, ST[:1], mem=[(DATA, 2)], fixed={"rdi": DATA}, fpcw=lambda rng: 0x037F | (rng.randrange(4) << 10)))
# Control words keep every exception masked (vexil does not model unmasked
# x87 exceptions), with a random rounding mode.
add(XS("mov word ptr [rdi], cx\nfldcw word ptr [rdi]\nfistp dword ptr [rdi+4]", 2, ST[:2], extra_in=["rcx"],
       mem=[(DATA, 8)], fixed={"rdi": DATA}, st0=lambda rng: _f64_small(rng),
       rcx=lambda rng: 0x037F | (rng.randrange(4) << 10)))
for cc in ("b", "e", "be", "u", "nb", "ne", "nbe", "nu"):
    add(XS(f"fcmov{cc} st, st(2)", 4, ST[:4], count=30))
add(XS("ffree st(2)", 4, ST[:4], count=10))
add(XS("fincstp", 3, ST[:3], count=10))
add(XS("fdecstp", 3, ST[:3], count=10))
add(XS("fninit", 3, [], count=5, sw_mask=0x7F00))
add(XS("fwait", 2, ST[:2], count=5))

"""32-bit x86 instruction vectors, with Unicorn as the reference CPU.

The 32-bit side of the x86 lifter: the integer instructions at 8, 16 and
32 bits (including what 64-bit mode lacks: `aaa`-free but with `pushad`-era
forms like 16-bit addressing, `pushfd`/`popfd`, `cdq`, `jecxz`, `int 0x80`),
SSE/SSE2/SSSE3/SSE4 on xmm0-7 and the x87 subset. Unicorn (QEMU) is an
independent oracle from the native one used for x86-64.

Flags: `eflags` outputs are compared under the mask of the flags the
instruction defines; input flags are random over OSZACP (DF only for the
string instructions). x87: registers are given and compared as F64 bits
(`st0`..`st7`, relative to the stack top); QEMU tracks neither x87 stack
overflow nor the C1 bit, so neither is tested here (the native x86-64
vectors test overflow). Precision control is double (`fpcw=0x27f`), the
precision vexil models.
"""

import dataclasses

from unicorn import UC_ARCH_X86, UC_MODE_32, UC_HOOK_CODE, UC_HOOK_INSN
from unicorn import x86_const as X

from vexgen.core import Spec

from arch._x86_hook import unicorn_run_case

NAME = "x86"
ARCH = "x86"
ENDIAN = "little"
UC_ARCH = UC_ARCH_X86
UC_MODE = UC_MODE_32
CODE_ADDR = 0x400000
PC = X.UC_X86_REG_EIP
ASSEMBLER = ["as", "--32"]
ASM_PRELUDE = ".intel_syntax noprefix\n"
DATA = 0x10000100
STACK = 0x7FFF8000
MAPS = [(0x10000000, 0x1000, "rw"), (0x7FFF0000, 0x10000, "rw")]

_GPRS = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]
REGS = {n: getattr(X, f"UC_X86_REG_{n.upper()}") for n in _GPRS}
REGS["eflags"] = X.UC_X86_REG_EFLAGS
REGS["mxcsr"] = X.UC_X86_REG_MXCSR
REGS["fpcw"] = X.UC_X86_REG_FPCW
REGS["fpsw"] = X.UC_X86_REG_FPSW
for _i in range(8):
    REGS[f"xmm{_i}"] = getattr(X, f"UC_X86_REG_XMM{_i}")
REG_BITS = {n: 32 for n in _GPRS + ["eflags", "mxcsr"]}
REG_BITS.update({f"xmm{i}": 128 for i in range(8)})
REG_BITS.update({"fpcw": 16, "fpsw": 16})

OSZACP = 0x8D5
LOGIC = 0x8C5
DF = 0x400
PTR = {8: "byte ptr", 16: "word ptr", 32: "dword ptr", 64: "qword ptr", 80: "tbyte ptr", 128: "xmmword ptr"}
SUB = {"eax": ("ax", "al"), "ecx": ("cx", "cl"), "edx": ("dx", "dl"), "ebx": ("bx", "bl"),
       "esi": ("si", None), "edi": ("di", None), "ebp": ("bp", None), "esp": ("sp", None)}


def r(full, w):
    return full if w == 32 else SUB[full][{16: 0, 8: 1}[w]]


def exit_for_interrupt(uc, intno):
    if intno == 0:
        return "SigFPE_IntDiv", uc.reg_read(PC)
    if intno == 0x80:
        return "Sys_int128", uc.reg_read(PC)
    if intno == 3:
        return "SigTRAP", uc.reg_read(PC)
    if intno == 6:
        return "SigILL", uc.reg_read(PC)
    if intno == 13:
        return "SigSEGV", uc.reg_read(PC)
    return f"interrupt {intno}", uc.reg_read(PC)


# ---------------------------------------------------------------- x87 through Unicorn

_x87 = {"in": {}, "uc": None, "end": 0}


def _f64_to_fpr(bits):
    sign, exp, frac = bits >> 63, (bits >> 52) & 0x7FF, bits & ((1 << 52) - 1)
    if exp == 0x7FF:
        return (1 << 63) | (frac << 11), (sign << 15) | 0x7FFF
    if exp == 0:
        if frac == 0:
            return 0, sign << 15
        lz = 52 - frac.bit_length()
        return frac << (12 + lz), (sign << 15) | (15308 + frac.bit_length())
    return (1 << 63) | (frac << 11), (sign << 15) | (exp - 1023 + 16383)


def _fpr_to_f64(mant, se):
    import struct
    from fractions import Fraction
    sign, exp = se >> 15, se & 0x7FFF
    if exp == 0x7FFF:
        if (mant << 1) & ((1 << 64) - 1) == 0:
            return (sign << 63) | (0x7FF << 52)
        return (sign << 63) | (0x7FF << 52) | (1 << 51) | (((mant << 1) & ((1 << 64) - 1)) >> 12)
    if mant == 0:
        return sign << 63
    v = Fraction(mant) * Fraction(2) ** (exp - 16383 - 63)
    try:
        f = float(v)
    except OverflowError:
        f = float("inf")
    return struct.unpack("<Q", struct.pack("<d", -f if sign else f))[0]


def hooks(uc, stop):
    """Installs the x87 inputs (Unicorn's FP registers are physical) and keeps
    the engine for reading x87 outputs; hooks int 0x80 and sysenter."""
    _x87["uc"] = uc
    top = (uc.reg_read(X.UC_X86_REG_FPSW) >> 11) & 7
    tags = 0xFFFF
    for name, v in _x87["in"].items():
        phys = (top + int(name[2:])) & 7
        uc.reg_write(X.UC_X86_REG_FP0 + phys, _f64_to_fpr(v))
        tags &= ~(3 << (2 * phys))
    uc.reg_write(X.UC_X86_REG_FPTAG, tags)

    def on_sysenter(uc, _ud):
        stop("Sys_sysenter", uc.reg_read(PC) + 2)

    uc.hook_add(UC_HOOK_INSN, on_sysenter, None, 1, 0, X.UC_X86_INS_SYSENTER)

    # Control leaving the case's bytes (a taken branch, a return) ends the
    # case there, as the vector runner does; Unicorn would run on.
    def on_code(uc, addr, _size, _ud):
        if not CODE_ADDR <= addr < _x87["end"]:
            stop(None, addr)

    uc.hook_add(UC_HOOK_CODE, on_code)


def run_case(module, code, regs_in, mem_in, spec):
    x87_in = {k: v for k, v in regs_in.items() if k.startswith("st")}
    rest = {k: v for k, v in regs_in.items() if not k.startswith("st")}
    x87_out = [o for o in spec.outputs if o.startswith("st")]
    spec2 = dataclasses.replace(spec, outputs=[o for o in spec.outputs if not o.startswith("st")])
    _x87["in"] = x87_in
    _x87["end"] = CODE_ADDR + len(code)
    regs, mem, kind, nxt, fault = unicorn_run_case(module, code, rest, mem_in, spec2)
    uc = _x87["uc"]
    top = (uc.reg_read(X.UC_X86_REG_FPSW) >> 11) & 7
    for o in x87_out:
        mant, se = uc.reg_read(X.UC_X86_REG_FP0 + ((top + int(o[2:])) & 7))
        regs[o] = _fpr_to_f64(mant, se)
    return {o: regs[o] for o in spec.outputs}, mem, kind, nxt, fault


# ---------------------------------------------------------------- specs


def flags_in(rng, df=False):
    return 0x2 | (rng.getrandbits(12) & (OSZACP | (DF if df else 0)))


def values(df=False, **over):
    def f(rng, name, bits):
        if name in over:
            return over[name](rng)
        if name == "eflags":
            return flags_in(rng, df)
        return None
    return f


def S(asm, ins=(), outs=(), mask=OSZACP, mem=(), fixed=None, count=None, **over):
    ins, outs = list(ins), list(outs)
    masks = {}
    if mask is not None:
        outs.append("eflags")
        masks["eflags"] = mask
    if "eflags" not in ins:
        ins.append("eflags")
    fx = dict(fixed or {})
    df = over.pop("df", False)
    return Spec(asm=asm, inputs=[i for i in ins if i not in fx], outputs=outs, masks=masks, fixed=fx,
                mem=list(mem), count=count, value=values(df=df, **over))


def MEM(size=32, at=DATA):
    return {"fixed": {"edi": at}, "mem": [(at, size)]}


def small(lo, hi):
    return lambda rng: rng.randrange(lo, hi)


SPECS = []
add = SPECS.append

for mn in ("add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"):
    mask = LOGIC if mn in ("and", "or", "xor", "test") else OSZACP
    for w in (8, 16, 32):
        a, b = r("eax", w), r("ecx", w)
        add(S(f"{mn} {a}, {b}", ["eax", "ecx"], ["eax"], mask))
        add(S(f"{mn} {a}, {PTR[w]} [edi+8]" if mn != "test" else f"{mn} {PTR[w]} [edi+8], {a}", ["eax"], ["eax"], mask, **MEM()))
        add(S(f"{mn} {PTR[w]} [edi+4], {b}", ["ecx"], [], mask, **MEM()))
        add(S(f"{mn} {a}, {'0x85' if w == 8 else '-3'}", ["eax"], ["eax"], mask))
    add(S(f"{mn} ah, bh", ["eax", "ebx"], ["eax"], mask))
for mn in ("inc", "dec", "neg", "not"):
    for w in (8, 16, 32):
        add(S(f"{mn} {r('eax', w)}", ["eax"], ["eax"]))
        if mn != "neg":  # Unicorn computes wrong flags for lock neg
            add(S(f"lock {mn} {PTR[w]} [edi]", [], [], **MEM()))
for w in (8, 16, 32):
    add(S(f"mul {r('ecx', w)}", ["eax", "ecx", "edx"], ["eax", "edx"], 0x801))
    add(S(f"imul {r('ecx', w)}", ["eax", "ecx", "edx"], ["eax", "edx"], 0x801))
    for mn, signed in (("div", False), ("idiv", True)):
        m = (1 << w) - 1

        def dv(rng, w=w):
            return rng.choice([rng.getrandbits(w) or 3, rng.randrange(1, 256), (1 << w) - 1, 0 if rng.random() < 0.05 else 7])

        def hi(rng, w=w, signed=signed):
            if signed:
                return rng.choice([0, 0xFFFFFFFF]) if rng.random() < 0.9 else rng.getrandbits(32)
            return rng.getrandbits(max(1, w // 2))
        if w == 8:
            add(S(f"{mn} cl", ["eax", "ecx"], ["eax"], 0, eax=lambda rng: rng.getrandbits(16 if rng.random() < 0.5 else 9), ecx=dv))
        else:
            add(S(f"{mn} {r('ecx', w)}", ["eax", "ecx", "edx"], ["eax", "edx"], 0, ecx=dv, edx=hi))
for w in (16, 32):
    add(S(f"imul {r('eax', w)}, {r('ecx', w)}", ["eax", "ecx"], ["eax"], 0x801))
    add(S(f"imul {r('eax', w)}, {r('ecx', w)}, 0x1234", ["eax", "ecx"], ["eax"], 0x801))
for mn in ("shl", "shr", "sar"):
    for w in (8, 16, 32):
        a = r("eax", w)
        add(S(f"{mn} {a}, 1", ["eax"], ["eax"], 0x8C5))
        add(S(f"{mn} {a}, cl", ["eax", "ecx"], ["eax"], 0x0C5, ecx=small(2, w)))
for mn in ("rol", "ror", "rcl", "rcr"):
    for w in (8, 16, 32):
        a = r("eax", w)
        add(S(f"{mn} {a}, 1", ["eax"], ["eax"]))
        add(S(f"{mn} {a}, cl", ["eax", "ecx"], ["eax"], 0x0D5, ecx=small(2, 32)))
for mn in ("shld", "shrd"):
    for w in (16, 32):
        add(S(f"{mn} {r('eax', w)}, {r('edx', w)}, cl", ["eax", "edx", "ecx"], ["eax"], 0x0C5, ecx=small(2, w)))
        add(S(f"{mn} {r('eax', w)}, {r('edx', w)}, 1", ["eax", "edx"], ["eax"], 0x8C5))
for mn in ("bt", "bts", "btr", "btc"):
    for w in (16, 32):
        add(S(f"{mn} {r('eax', w)}, {r('ecx', w)}", ["eax", "ecx"], ["eax"], 0x01))
        add(S(f"{mn} {PTR[w]} [edi+16], {r('ecx', w)}", ["ecx"], [], 0x01, mem=[(DATA, 48)],
              fixed={"edi": DATA}, ecx=lambda rng: rng.randrange(-128, 128) & 0xFFFFFFFF))
for mn in ("bsf", "bsr"):
    for w in (16, 32):
        add(S(f"{mn} {r('eax', w)}, {r('ecx', w)}", ["eax", "ecx"], ["eax"], 0x40))
for w in (16, 32):
    add(S(f"popcnt {r('eax', w)}, {r('ecx', w)}", ["eax", "ecx"], ["eax"]))
add(S("bswap eax", ["eax"], ["eax"]))
add(S("movbe eax, dword ptr [edi]", ["eax"], ["eax"], **MEM()))
for src in (8, 16):
    for mn in ("movzx", "movsx"):
        add(S(f"{mn} eax, {r('ecx', src)}", ["eax", "ecx"], ["eax"]))
        add(S(f"{mn} ax, byte ptr [edi]", ["eax"], ["eax"], **MEM()))
add(S("lea eax, [ecx+edx*4+0x1234]", ["ecx", "edx"], ["eax"]))
add(S("lea eax, [bx+si+0x10]", ["ebx", "esi", "eax"], ["eax"]))
add(S("mov ax, word ptr [bx+di]", ["eax"], ["eax"], fixed={"ebx": 0x100, "edi": 0x20}, mem=[(0x120, 4)]))
for w in (8, 16, 32):
    add(S(f"xchg {r('eax', w)}, {r('ecx', w)}", ["eax", "ecx"], ["eax", "ecx"]))
    add(S(f"xadd {r('eax', w)}, {r('ecx', w)}", ["eax", "ecx"], ["eax", "ecx"]))
    add(S(f"cmpxchg {r('edx', w)}, {r('ecx', w)}", ["eax", "ecx", "edx"], ["eax", "edx"],
          eax=lambda rng: rng.choice([0x1111, 0x5555]), edx=lambda rng: rng.choice([0x1111, 0x5555])))
add(S("mov dword ptr [edi], esi\nmov dword ptr [edi+4], esi\nlock cmpxchg8b qword ptr [edi]",
      ["eax", "ebx", "ecx", "edx", "esi"], ["eax", "edx"], eax=lambda rng: rng.choice([0x1111, 0x2222]),
      edx=lambda rng: rng.choice([0x1111, 0x2222]), esi=lambda rng: rng.choice([0x1111, 0x2222]), **MEM()))
for mn in ("cbw", "cwde", "cwd", "cdq"):
    add(S(mn, ["eax", "edx"], ["eax", "edx"]))
for c in ("o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"):
    add(S(f"set{c} al", ["eax"], ["eax"]))
    add(S(f"cmov{c} eax, ecx", ["eax", "ecx"], ["eax"]))
    add(S(f"j{c} .+0x20", [], []))
    add(S(f"cmp eax, ecx\nj{c} .+0x20", ["eax", "ecx"], [],
          ecx=lambda rng: rng.choice([0, 1, 0x80000000, 0xFFFFFFFF, rng.getrandbits(32)])))
    add(S(f"sub al, cl\nset{c} dl", ["eax", "ecx", "edx"], ["eax", "edx"]))
add(S("jecxz .+0x20", ["ecx"], [], ecx=lambda rng: rng.choice([0, 5])))
add(S("jcxz .+0x20", ["ecx"], [], ecx=lambda rng: rng.choice([0, 0x10000, 5])))
add(S("loop .+0x20", ["ecx"], ["ecx"], ecx=lambda rng: rng.choice([0, 1, 2])))
STK = {"fixed": {"esp": STACK}, "mem": [(STACK - 16, 32)]}
_target = lambda rng: CODE_ADDR + 0x100 + rng.randrange(0, 0x100)  # noqa: E731
add(S("push ecx", ["ecx"], ["esp"], **STK))
add(S("push cx", ["ecx"], ["esp"], **STK))
add(S("pop ecx", ["ecx"], ["esp", "ecx"], **STK))
# pushfd is not here: Unicorn pushes eflags without bit 1 and IF (the
# native x86-64 vectors check pushfq against the real processor).
add(S("push ecx\npopfd", ["ecx"], ["esp"], OSZACP | DF, ecx=lambda rng: flags_in(rng, True), **STK))
add(S("call .+0x20", [], ["esp"], **STK))
add(S("push ecx\nret", ["ecx"], ["esp"], ecx=_target, **STK))
add(S("push ecx\nret 8", ["ecx"], ["esp"], ecx=_target, **STK))
add(S("leave", ["ebp"], ["esp", "ebp"], fixed={"ebp": STACK}, mem=[(STACK, 8)]))
add(S("call ecx", ["ecx"], ["esp"], ecx=_target, **STK))
for base in ("movs", "stos", "lods", "scas", "cmps"):
    for sfx in ("b", "w", "d"):
        mn = base + sfx
        fixed = {"esi": DATA + 0x80, "edi": DATA + 0x180}
        mem = [(DATA + 0x40, 0x80), (DATA + 0x140, 0x80)]
        outs = ["esi", "edi", "ecx", "eax"]
        add(S(mn, ["eax", "ecx"], outs, OSZACP | DF, fixed=fixed, mem=mem, df=True))
        pre = ["rep"] if base in ("movs", "stos", "lods") else ["repe", "repne"]
        for p in pre:
            add(S(f"{p} {mn}", ["eax", "ecx"], outs, OSZACP | DF, fixed=fixed, mem=mem, df=True,
                  ecx=lambda rng: rng.choice([0, 1, 2, 3, 7])))
for mn in ("cld", "std"):
    add(S(mn, [], [], OSZACP | DF, df=True))
for mn in ("clc", "stc", "cmc"):
    add(S(mn, [], []))
add(S("lahf", ["eax"], ["eax"]))
add(S("sahf", ["eax"], []))
add(S("int 0x80", ["eax"], ["eax"]))
add(S("int3", [], []))
# BMI is left to the native x86-64 vectors: Unicorn gets blsi's CF and bzhi
# with an index beyond the width wrong.

# SSE on xmm0-7.
LANE = ["paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq", "pcmpeqb", "pcmpeqw",
        "pcmpeqd", "pcmpgtb", "pcmpgtw", "pcmpgtd", "pminub", "pmaxub", "pminsw", "pmaxsw", "pminud",
        "pand", "pandn", "por", "pxor", "punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq",
        "punpckhbw", "punpckhwd", "punpckhdq", "punpckhqdq", "packuswb", "packsswb", "pshufb",
        "pavgb", "pmullw", "pmulhuw", "pmuludq", "andps", "xorps", "orps", "andnps", "andpd", "xorpd",
        "addps", "mulps", "subpd", "divpd", "maxps", "minpd", "unpcklps", "unpckhpd"]
def _no_nan(lane_bits):
    """Random float lanes that are never NaN: QEMU propagates NaNs by the x87
    rule (larger significand), not SSE's (first operand); the native x86-64
    vectors check NaN propagation."""
    def f(rng):
        out = 0
        for i in range(128 // lane_bits):
            v = rng.getrandbits(lane_bits)
            exp_mask = (0xFF << 23) if lane_bits == 32 else (0x7FF << 52)
            if v & exp_mask == exp_mask:
                v &= ~(1 << (lane_bits - 2))  # exponent not all ones
            out |= v << (lane_bits * i)
        return out
    return f


FLOATS = {"addps": 32, "mulps": 32, "maxps": 32, "unpcklps": 32, "subpd": 64, "divpd": 64, "minpd": 64}
for mn in LANE:
    fv = {"xmm1": _no_nan(FLOATS[mn]), "xmm2": _no_nan(FLOATS[mn])} if mn in FLOATS else {}
    add(S(f"{mn} xmm1, xmm2", ["xmm1", "xmm2"], ["xmm1"], **fv))
    add(S(f"{mn} xmm1, xmmword ptr [edi]", ["xmm1"], ["xmm1"], **({"xmm1": fv["xmm1"]} if fv else {}), **MEM(16)))
for mn in ("addss", "subss", "mulss", "divss", "addsd", "subsd", "mulsd", "divsd", "minsd", "maxss", "sqrtsd"):
    lb = 32 if mn.endswith("ss") else 64
    add(S(f"{mn} xmm1, xmm2", ["xmm1", "xmm2", "mxcsr"], ["xmm1"], mxcsr=lambda rng: 0x1F80 | (rng.randrange(4) << 13),
          xmm1=_no_nan(lb), xmm2=_no_nan(lb)))
for mn in ("movaps", "movups", "movdqa", "movdqu", "movapd"):
    add(S(f"{mn} xmm1, xmmword ptr [edi]", ["xmm1"], ["xmm1"], **MEM(16)))
    add(S(f"{mn} xmmword ptr [edi], xmm2", ["xmm2"], [], **MEM(16)))
# (Misaligned-operand faults are checked by the native x86-64 vectors: Unicorn
# does not raise them.)
for sz, mn in ((32, "movd"), (64, "movq")):
    add(S(f"{mn} xmm1, {PTR[sz]} [edi]", ["xmm1"], ["xmm1"], **MEM(8)))
    add(S(f"{mn} {PTR[sz]} [edi], xmm2", ["xmm2"], [], **MEM(8)))
add(S("movd xmm1, ecx", ["xmm1", "ecx"], ["xmm1"]))
add(S("movd ecx, xmm2", ["ecx", "xmm2"], ["ecx"]))
add(S("movq xmm1, xmm2", ["xmm1", "xmm2"], ["xmm1"]))
for mn, sz in (("movss", 32), ("movsd", 64)):
    add(S(f"{mn} xmm1, xmm2", ["xmm1", "xmm2"], ["xmm1"]))
    add(S(f"{mn} xmm1, {PTR[sz]} [edi]", ["xmm1"], ["xmm1"], **MEM(8)))
for mn in ("movhps", "movlps", "movhpd", "movlpd"):
    add(S(f"{mn} xmm1, qword ptr [edi]", ["xmm1"], ["xmm1"], **MEM(8)))
    add(S(f"{mn} qword ptr [edi], xmm2", ["xmm2"], [], **MEM(8)))
for mn in ("pmovmskb", "movmskps", "movmskpd"):
    add(S(f"{mn} ecx, xmm2", ["ecx", "xmm2"], ["ecx"]))
for mn in ("psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad"):
    add(S(f"{mn} xmm1, 5", ["xmm1"], ["xmm1"]))
    add(S(f"{mn} xmm1, xmm2", ["xmm1", "xmm2"], ["xmm1"], xmm2=lambda rng: rng.randrange(0, 70)))
for mn in ("pslldq", "psrldq"):
    add(S(f"{mn} xmm1, 6", ["xmm1"], ["xmm1"]))
for k in (3, 8, 15):
    add(S(f"palignr xmm1, xmm2, {k}", ["xmm1", "xmm2"], ["xmm1"]))
add(S("pshufd xmm1, xmm2, 0x1b", ["xmm1", "xmm2"], ["xmm1"]))
add(S("pshuflw xmm1, xmm2, 0x39", ["xmm1", "xmm2"], ["xmm1"]))
add(S("shufps xmm1, xmm2, 0x4e", ["xmm1", "xmm2"], ["xmm1"]))
add(S("shufpd xmm1, xmm2, 1", ["xmm1", "xmm2"], ["xmm1"]))
add(S("ptest xmm1, xmm2", ["xmm1", "xmm2"], [], xmm1=lambda rng: rng.choice([0, rng.getrandbits(128)]),
      xmm2=lambda rng: rng.choice([0, rng.getrandbits(128)])))
for mn in ("ucomiss", "comiss", "ucomisd", "comisd"):
    add(S(f"{mn} xmm1, xmm2", ["xmm1", "xmm2"], []))
for p in range(8):
    add(S(f"cmpps xmm1, xmm2, {p}", ["xmm1", "xmm2"], ["xmm1"]))
    add(S(f"cmpsd xmm1, xmm2, {p}", ["xmm1", "xmm2"], ["xmm1"]))


def _dbl(rng):
    import struct
    x = rng.choice([rng.uniform(-1e6, 1e6), rng.uniform(-3e9, 3e9), rng.uniform(-2, 2), float(rng.randrange(-9, 9)) + 0.5])
    return struct.unpack("<Q", struct.pack("<d", x))[0]


RC = lambda rng: 0x1F80 | (rng.randrange(4) << 13)  # noqa: E731
add(S("cvtsi2sd xmm1, ecx", ["xmm1", "ecx"], ["xmm1"]))
add(S("cvtsi2ss xmm1, ecx", ["xmm1", "ecx", "mxcsr"], ["xmm1"], mxcsr=RC))
add(S("cvttsd2si ecx, xmm2", ["ecx", "xmm2"], ["ecx"], xmm2=_dbl))
add(S("cvtsd2si ecx, xmm2", ["ecx", "xmm2", "mxcsr"], ["ecx"], xmm2=_dbl, mxcsr=RC))
add(S("cvtss2sd xmm1, xmm2", ["xmm1", "xmm2"], ["xmm1"]))
add(S("cvtsd2ss xmm1, xmm2", ["xmm1", "xmm2", "mxcsr"], ["xmm1"], xmm2=_dbl, mxcsr=RC))
add(S("cvtdq2ps xmm1, xmm2", ["xmm1", "xmm2"], ["xmm1"]))
add(S("cvttps2dq xmm1, xmm2", ["xmm1", "xmm2"], ["xmm1"]))
add(S("pextrw ecx, xmm2, 3", ["ecx", "xmm2"], ["ecx"]))
add(S("pinsrw xmm1, ecx, 5", ["xmm1", "ecx"], ["xmm1"]))
add(S("pextrd ecx, xmm2, 2", ["ecx", "xmm2"], ["ecx"]))
add(S("pinsrb xmm1, ecx, 9", ["xmm1", "ecx"], ["xmm1"]))


def _str(rng):
    n = rng.choice([0, 3, 7, 15, 16])
    b = bytes(rng.choice(b"abc,;") for _ in range(n)) + bytes(16 - n)
    return int.from_bytes(b, "little")


# 0x0c (equal ordered) is left to the native vectors: Unicorn does not report
# a match cut off at the end of the operand, the processor does.
for imm in (0x00, 0x18, 0x1A, 0x3A, 0x40):
    add(S(f"pcmpistri xmm1, xmm2, {imm:#x}", ["xmm1", "xmm2", "ecx"], ["ecx"], xmm1=_str, xmm2=_str))

# x87 (double precision control; C1 and stack overflow are not tested).
ST = [f"st{i}" for i in range(8)]
FV = {f"st{i}": _dbl for i in range(8)}


def XS(asm, nst, outs_st, extra_in=(), extra_out=(), count=None, sw_mask=0x3800, **kw):
    """An x87 spec; the status word is compared at TOP, and at C0/C2/C3 only
    for the instructions that define them (compares, fxam)."""
    ins = (["fpsw"] if "fpsw" in kw else []) + ["fpcw"] + ST[:nst] + list(extra_in)
    sp = S(asm, ins, list(outs_st) + ["fpsw"] + list(extra_out),
           count=count, **{"fpcw": lambda rng: 0x027F, **FV, **kw})
    sp.masks["fpsw"] = sw_mask
    return sp


add(XS("fld qword ptr [edi]", 5, ST[:6], mem=[(DATA, 8)], fixed={"edi": DATA}))
add(XS("fld dword ptr [edi]", 5, ST[:6], mem=[(DATA, 4)], fixed={"edi": DATA}))
add(XS("fld tbyte ptr [edi]", 5, ST[:6], mem=[(DATA, 10)], fixed={"edi": DATA}))
add(XS("fld st(2)", 4, ST[:5]))
for mn, sz in (("fstp", 64), ("fst", 32), ("fstp", 80)):
    add(XS(f"{mn} {PTR[sz]} [edi]", 3, ST[:3], mem=[(DATA, 10)], fixed={"edi": DATA}))
for sz in (16, 32, 64):
    add(XS(f"fild {PTR[sz]} [edi]", 4, ST[:5], mem=[(DATA, 8)], fixed={"edi": DATA}))
    add(XS(f"fistp {PTR[sz]} [edi]", 3, ST[:3], mem=[(DATA, 8)], fixed={"edi": DATA}))
for op in ("fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr"):
    # The double operand is built from registers, so results stay in the
    # double range (vexil's x87 registers are F64).
    add(XS(f"mov dword ptr [edi], ecx\nmov dword ptr [edi+4], edx\n{op} qword ptr [edi]", 3, ST[:3],
           extra_in=["ecx", "edx"], mem=[(DATA, 8)], fixed={"edi": DATA}, edx=lambda rng: _dbl(rng) >> 32))
    add(XS(f"{op} st, st(2)", 4, ST[:4]))
    add(XS(f"{op}p st(2), st", 4, ST[:4]))
for mn in ("fchs", "fabs", "fsqrt", "fxch st(2)", "fldz", "fld1"):
    add(XS(mn, 3, ST[:4]))
for mn in ("fcom st(2)", "fucomp st(1)", "fcompp", "ftst", "fxam"):
    add(XS(mn, 3, ST[:3], sw_mask=0x7D00))
# fcomi/fucomi are left to the native x86-64 vectors: Unicorn does not
# clear OF, SF and AF.
add(XS("fnstsw ax", 2, ST[:2], extra_in=["eax"], extra_out=["eax"], sw_mask=0x7D00,
       fpsw=lambda rng: rng.getrandbits(16) & 0x4500))
add(XS("fnstcw word ptr [edi]", 1, ST[:1], mem=[(DATA, 2)], fixed={"edi": DATA}, fpcw=lambda rng: 0x037F | (rng.randrange(4) << 10)))
for cc in ("b", "e", "be", "u", "nb", "ne", "nbe", "nu"):
    add(XS(f"fcmov{cc} st, st(1)", 3, ST[:3]))
add(S("pushad", ["eax", "ecx", "edx", "ebx", "ebp", "esi", "edi"], ["esp"], fixed={"esp": STACK}, mem=[(STACK - 32, 32)]))
add(S("popad", [], ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"], fixed={"esp": STACK}, mem=[(STACK, 32)]))
add(S("xlatb", ["eax"], ["eax"], fixed={"ebx": DATA}, mem=[(DATA, 256)]))
for w in (8, 16, 32):
    add(S(f"crc32 eax, {r('ecx', w)}", ["eax", "ecx"], ["eax"]))

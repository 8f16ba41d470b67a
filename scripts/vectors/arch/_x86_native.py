"""Native x86-64 execution as the reference CPU (for scripts/vectors/arch/x86_64.py).

Unicorn 2.1.4 has no AVX, AVX-512 or BMI; this machine's CPU has all of
them, so the x86-64 vectors run each case on the real processor through
scripts/vectors/native/x86_run.c (built on first use into .cache/), which
installs the register state through a signal frame, runs the instruction
and collects the state from the trap that follows it.

`run_case` has the signature of `vexgen.core.run_case`: it takes vexil
register names (what the x86-64 guest's `read_reg`/`write_reg` accept) and
returns `(registers, memory, kind, next_pc, fault_address)`.
"""

from __future__ import annotations

import struct
import subprocess
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SRC = ROOT / "scripts" / "vectors" / "native" / "x86_run.c"
BIN = ROOT / ".cache" / "x86_run"

GPRS = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
STATE_FMT = "<16QQIHHB7x" + "16s" * 8 + "64s" * 32 + "8Q"
MEM_FMT = "<QII256s"
STATE_SIZE = struct.calcsize(STATE_FMT)
MEM_SIZE = struct.calcsize(MEM_FMT)
NMEM = 4

SIGTRAP, SIGILL, SIGFPE, SIGSEGV, SIGBUS = 5, 4, 8, 11, 7


# ------------------------------------------------------------ 80-bit floats

def f64_to_f80(bits: int) -> bytes:
    """F64 bit pattern to the 10-byte x87 extended format (exact)."""
    sign = bits >> 63
    exp = (bits >> 52) & 0x7FF
    frac = bits & ((1 << 52) - 1)
    if exp == 0x7FF:
        e80, mant = 0x7FFF, (1 << 63) | (frac << 11)
    elif exp == 0:
        if frac == 0:
            e80, mant = 0, 0
        else:
            lz = 52 - frac.bit_length()  # leading zeros within the 52-bit field
            mant = frac << (11 + lz + 1)
            e80 = 1 - 1023 + 16383 - (lz + 1)
    else:
        e80, mant = exp - 1023 + 16383, (1 << 63) | (frac << 11)
    return struct.pack("<QH", mant & ((1 << 64) - 1), (sign << 15) | e80) + b"\0" * 6


def f80_to_f64(b: bytes) -> int:
    """10-byte x87 extended value to F64 bits, rounding to nearest even."""
    mant, se = struct.unpack("<QH", b[:10])
    sign = se >> 15
    exp = se & 0x7FFF
    if exp == 0x7FFF:
        if (mant << 1) & ((1 << 64) - 1) == 0:
            return (sign << 63) | (0x7FF << 52)
        return (sign << 63) | (0x7FF << 52) | (1 << 51) | (((mant << 1) & ((1 << 64) - 1)) >> 12)
    if mant == 0:
        return sign << 63
    # value = mant * 2^(exp - 16383 - 63); Fraction -> float rounds to
    # nearest even, subnormals included.
    v = Fraction(mant) * (Fraction(2) ** (exp - 16383 - 63))
    try:
        f = float(v)
    except OverflowError:
        f = float("inf")
    if sign:
        f = -f
    return struct.unpack("<Q", struct.pack("<d", f))[0]


# ------------------------------------------------------------ the process

_proc = None
_maps = None


def _start(maps):
    global _proc, _maps
    if _proc is not None and _maps == maps:
        return _proc
    if not BIN.exists() or BIN.stat().st_mtime < SRC.stat().st_mtime:
        BIN.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["gcc", "-O1", "-o", str(BIN), str(SRC)], check=True)
    args = [str(BIN)] + [f"{a:x}:{s:x}" for a, s, _p in maps]
    _proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    _maps = maps
    return _proc


def _empty_state():
    return {
        "gpr": [0] * 16, "rflags": 0x202, "mxcsr": 0x1F80, "fcw": 0x37F, "fsw": 0, "ftw": 0,
        "st": [b"\0" * 16] * 8, "zmm": [bytearray(64) for _ in range(32)], "k": [0] * 8,
    }


def _set(st, name, v):
    if name in GPRS:
        st["gpr"][GPRS.index(name)] = v
    elif name == "rflags":
        st["rflags"] = v
    elif name == "mxcsr":
        st["mxcsr"] = v
    elif name == "fpcw":
        st["fcw"] = v
    elif name == "fpsw":
        st["fsw"] = v
    elif name.startswith("xmm"):
        st["zmm"][int(name[3:])][0:16] = v.to_bytes(16, "little")
    elif name.startswith("ymmh"):
        st["zmm"][int(name[4:])][16:32] = v.to_bytes(16, "little")
    elif name.startswith("zmm") and name[-2:] in ("q2", "q3"):
        q = int(name[-1])
        st["zmm"][int(name[3:-2])][16 * q:16 * q + 16] = v.to_bytes(16, "little")
    elif name.startswith("k") and name[1:].isdigit():
        st["k"][int(name[1:])] = v
    elif name.startswith("st") and name[2:].isdigit():
        i = int(name[2:])
        st["st"][i] = f64_to_f80(v)
        top = (st["fsw"] >> 11) & 7
        st["ftw"] |= 1 << ((top + i) & 7)
    else:
        raise KeyError(f"x86_64 native runner: unknown register {name}")


def _get(st, name):
    if name in GPRS:
        return st["gpr"][GPRS.index(name)]
    if name == "rflags":
        return st["rflags"]
    if name == "mxcsr":
        return st["mxcsr"]
    if name == "fpcw":
        return st["fcw"]
    if name == "fpsw":
        return st["fsw"]
    if name == "fptag":
        return sum(1 << (8 * i) for i in range(8) if st["ftw"] >> i & 1)
    if name.startswith("xmm"):
        return int.from_bytes(st["zmm"][int(name[3:])][0:16], "little")
    if name.startswith("ymmh"):
        return int.from_bytes(st["zmm"][int(name[4:])][16:32], "little")
    if name.startswith("zmm") and name[-2:] in ("q2", "q3"):
        q = int(name[-1])
        return int.from_bytes(st["zmm"][int(name[3:-2])][16 * q:16 * q + 16], "little")
    if name.startswith("k") and name[1:].isdigit():
        return st["k"][int(name[1:])]
    if name.startswith("st") and name[2:].isdigit():
        return f80_to_f64(st["st"][int(name[2:])])
    raise KeyError(f"x86_64 native runner: unknown register {name}")


def _pack(st):
    return struct.pack(STATE_FMT, *st["gpr"], st["rflags"], st["mxcsr"], st["fcw"], st["fsw"], st["ftw"],
                       *st["st"], *[bytes(z) for z in st["zmm"]], *st["k"])


def _unpack(b):
    v = struct.unpack(STATE_FMT, b)
    return {
        "gpr": list(v[0:16]), "rflags": v[16], "mxcsr": v[17], "fcw": v[18], "fsw": v[19], "ftw": v[20],
        "st": list(v[21:29]), "zmm": [bytearray(z) for z in v[29:61]], "k": list(v[61:69]),
    }


def run_case(module, code: bytes, regs_in: dict, mem_in: list, spec):
    """Runs one case natively; see the module docstring."""
    proc = _start(tuple(getattr(module, "MAPS", [])))
    st = _empty_state()
    # fpsw first: st(i) tags depend on the stack top.
    if "fpsw" in regs_in:
        _set(st, "fpsw", regs_in["fpsw"])
    for name, v in regs_in.items():
        if name != "fpsw":
            _set(st, name, v)
    if len(mem_in) > NMEM:
        raise ValueError("at most 4 memory inputs per case")
    req = struct.pack("<II32s", len(code), len(mem_in), code) + _pack(st)
    for i in range(NMEM):
        addr, data = mem_in[i] if i < len(mem_in) else (0, b"")
        req += struct.pack(MEM_FMT, addr, len(data), 0, data)
    proc.stdin.write(req)
    proc.stdin.flush()
    n = 24 + STATE_SIZE + NMEM * MEM_SIZE
    out = proc.stdout.read(n)
    if len(out) != n:
        raise RuntimeError(f"x86_run died (exit {proc.poll()}) on {code.hex()}")
    signo, si_code, nxt, fault = struct.unpack("<iiQQ", out[:24])
    sto = _unpack(out[24:24 + STATE_SIZE])
    mem_out = []
    for i, (addr, data) in enumerate(mem_in):
        off = 24 + STATE_SIZE + i * MEM_SIZE
        a, ln, _pad, d = struct.unpack(MEM_FMT, out[off:off + MEM_SIZE])
        mem_out.append((addr, d[:ln]))
    regs_out = {name: _get(sto, name) for name in spec.outputs}
    kind, fault_addr = None, None
    if signo == SIGFPE:
        kind = "SigFPE_IntDiv"
    elif signo == SIGILL:
        kind = "SigILL"
    elif signo == SIGTRAP:
        kind = "SigTRAP"
    elif signo in (SIGSEGV, SIGBUS):
        # A fault with an address is a memory fault; #GP (alignment, privileged
        # instructions) reports no address and is a SIGSEGV exit of the block.
        if fault != 0:
            kind, fault_addr = "fault", fault
        else:
            kind = "SigSEGV"
    return regs_out, mem_out, kind, nxt, fault_addr

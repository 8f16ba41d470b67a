"""Instruction-vector generation with Unicorn as the reference CPU.

An architecture module (``scripts/vectors/arch/<name>.py``) describes how
to talk to Unicorn for one architecture and lists the instruction specs;
this module turns each spec into N cases with seeded random inputs, runs
each case on Unicorn, and writes the ``.vec`` lines (format:
``tests/vectors/README.md``).

An architecture module defines:

``NAME``        output file stem (``tests/vectors/<NAME>.vec``)
``ARCH``        vexil architecture name for the header (``x86_64``, ``mips32``, ...)
``ENDIAN``      ``"little"`` or ``"big"``
``UC_ARCH``, ``UC_MODE``   Unicorn constants
``CODE_ADDR``   where the instruction bytes are placed
``PC``          Unicorn register id of the program counter
``REGS``        ``{name: unicorn register id}``: the names are vexil's (what
                ``Guest::read_reg``/``write_reg`` accept)
``REG_BITS``    ``{name: width}`` for registers narrower or wider than 64 bits
                (default 64)
``MAPS``        optional ``[(addr, size, "rw")]`` mapped for every case (a stack)
``ASSEMBLER``   optional: ``["as", "--64"]``-style command (source on stdin is
                not used: a temporary file is passed last); ``OBJCOPY`` likewise
``exit_for_interrupt(uc, intno)``  optional: ``(jump kind name, next pc)``
                for an interrupt Unicorn reports (e.g. x86 #DE -> SigFPE_IntDiv)
``hooks(uc, stop)``  optional: installs extra hooks (e.g. the ``syscall``
                instruction); call ``stop(kind, next_pc)`` to end the case
``SPECS``       list of :class:`Spec`

Everything random comes from one ``random.Random(seed)`` per spec, seeded
from the global seed and the spec's index, so regenerating with the same
seed gives the same file and adding a spec does not change the others.
"""

from __future__ import annotations

import dataclasses
import random
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Optional

import unicorn

PAGE = 0x1000


@dataclasses.dataclass
class Spec:
    """One instruction (or a short sequence) to generate cases for.

    Give ``asm`` (assembled with the module's ASSEMBLER) or ``code`` (hex
    bytes) plus ``text`` (the disassembly written in the file).
    """

    asm: Optional[str] = None
    code: Optional[str] = None
    text: Optional[str] = None
    # Registers given random values (and written as inputs).
    inputs: list = dataclasses.field(default_factory=list)
    # Registers compared after the run.
    outputs: list = dataclasses.field(default_factory=list)
    # {register: mask} for outputs with undefined bits (e.g. flags).
    masks: dict = dataclasses.field(default_factory=dict)
    # {register: value} inputs with a fixed value.
    fixed: dict = dataclasses.field(default_factory=dict)
    # Memory inputs: [(addr, size)] filled with random bytes and compared after.
    mem: list = dataclasses.field(default_factory=list)
    # Optional custom input generator: (rng, name, bits) -> value or None.
    value: Optional[Callable] = None
    # Cases for this spec (default: the --count option).
    count: Optional[int] = None


def random_value(rng: random.Random, bits: int) -> int:
    """A value of ``bits`` bits, biased toward the edges that find bugs."""
    top = 1 << (bits - 1)
    mask = (1 << bits) - 1
    r = rng.random()
    if r < 0.08:
        return 0
    if r < 0.14:
        return 1
    if r < 0.22:
        return mask
    if r < 0.30:
        return top
    if r < 0.38:
        return top - 1
    if r < 0.50:
        return rng.getrandbits(min(bits, 8))
    if r < 0.60:
        # Small negative numbers.
        return (-rng.randrange(1, 256)) & mask
    return rng.getrandbits(bits)


def assemble(module, text: str) -> bytes:
    """Assembles ``text`` with the module's cross assembler; returns the
    bytes of its .text section."""
    if not getattr(module, "ASSEMBLER", None):
        raise SystemExit(f"{module.NAME}: spec `{text}` needs an assembler; give `code` instead")
    with tempfile.TemporaryDirectory() as d:
        src, obj, out = Path(d, "a.s"), Path(d, "a.o"), Path(d, "a.bin")
        src.write_text(getattr(module, "ASM_PRELUDE", "") + text + "\n")
        subprocess.run([*module.ASSEMBLER, "-o", str(obj), str(src)], check=True)
        objcopy = getattr(module, "OBJCOPY", ["objcopy"])
        subprocess.run([*objcopy, "-O", "binary", "-j", ".text", str(obj), str(out)], check=True)
        return out.read_bytes()


class _Stop(Exception):
    pass


def run_case(module, code: bytes, regs_in: dict, mem_in: list, spec: Spec):
    """Runs one case on Unicorn. Returns (registers, memory, kind, next_pc,
    fault_addr): kind is None for an ordinary end, a jump-kind name, or
    "fault"."""
    uc = unicorn.Uc(module.UC_ARCH, module.UC_MODE)
    mapped = set()

    def map_range(addr, size):
        for p in range(addr & ~(PAGE - 1), addr + size, PAGE):
            if p not in mapped:
                uc.mem_map(p, PAGE)
                mapped.add(p)

    map_range(module.CODE_ADDR, len(code))
    uc.mem_write(module.CODE_ADDR, code)
    for addr, size, _perm in getattr(module, "MAPS", []):
        map_range(addr, size)
    for addr, data in mem_in:
        map_range(addr, len(data))
        uc.mem_write(addr, data)
    for name, v in regs_in.items():
        uc.reg_write(module.REGS[name], v)

    ending = {"kind": None, "next": None, "fault": None}

    def stop(kind, next_pc):
        ending["kind"], ending["next"] = kind, next_pc
        uc.emu_stop()

    def on_intr(uc, intno, _ud):
        handler = getattr(module, "exit_for_interrupt", None)
        kind, nxt = handler(uc, intno) if handler else (f"interrupt {intno}", None)
        stop(kind, nxt if nxt is not None else uc.reg_read(module.PC))

    def on_bad_mem(uc, _access, addr, _size, _value, _ud):
        ending["fault"] = addr
        return False

    uc.hook_add(unicorn.UC_HOOK_INTR, on_intr)
    uc.hook_add(unicorn.UC_HOOK_MEM_INVALID, on_bad_mem)
    if hasattr(module, "hooks"):
        module.hooks(uc, stop)
    end = module.CODE_ADDR + len(code)
    try:
        uc.emu_start(module.CODE_ADDR, end, count=10_000)
    except unicorn.UcError:
        if ending["fault"] is None:
            raise
        ending["kind"] = "fault"
        ending["next"] = uc.reg_read(module.PC)
    if ending["kind"] is None:
        ending["next"] = uc.reg_read(module.PC)
    regs_out = {name: uc.reg_read(module.REGS[name]) for name in spec.outputs}
    mem_out = [(addr, bytes(uc.mem_read(addr, len(data)))) for addr, data in mem_in]
    return regs_out, mem_out, ending["kind"], ending["next"], ending["fault"]


def _hex(v: int) -> str:
    return hex(v)


def case_line(module, code: bytes, text: str, spec: Spec, regs_in, mem_in, result) -> str:
    regs_out, mem_out, kind, nxt, fault = result
    ins = [f"{n}={_hex(v)}" for n, v in regs_in.items()]
    ins += [f"[{_hex(a)}]={d.hex()}" for a, d in mem_in]
    outs = []
    if kind != "fault":
        for n, v in regs_out.items():
            m = spec.masks.get(n)
            outs.append(f"{n}&{_hex(m)}={_hex(v & m)}" if m is not None else f"{n}={_hex(v)}")
        outs += [f"[{_hex(a)}]={d.hex()}" for a, d in mem_out]
    if kind == "fault":
        outs.append("$exit=fault")
        if fault is not None:
            outs.append(f"$fault={_hex(fault)}")
    elif kind is not None:
        outs.append(f"$exit={kind}")
    outs.append(f"$next={_hex(nxt)}")
    return f"{code.hex(' ')} | {text} | {' '.join(ins)} => {' '.join(outs)}"


def generate(module, count: int, seed: int) -> list:
    """All lines for a module: a header, then each spec's cases."""
    lines = [
        f"# {module.NAME} instruction vectors, generated by scripts/vectors/gen.py {module.NAME} "
        f"--count {count} --seed {seed}",
        f"# reference: unicorn {unicorn.__version__}; do not edit by hand, regenerate",
        f"arch {module.ARCH}",
        f"endian {module.ENDIAN}",
        f"addr {_hex(module.CODE_ADDR)}",
    ]
    for addr, size, perm in getattr(module, "MAPS", []):
        lines.append(f"map {_hex(addr)} {_hex(size)} {perm}")
    for i, spec in enumerate(module.SPECS):
        if spec.asm is not None:
            code = assemble(module, spec.asm)
            text = spec.text or spec.asm.strip().replace("\n", "; ")
        else:
            code = bytes.fromhex(spec.code)
            text = spec.text or spec.code
        rng = random.Random(f"{seed}:{module.NAME}:{i}")
        lines.append("")
        lines.append(f"# {text}")
        for _ in range(spec.count or count):
            regs_in = {}
            for name in spec.inputs:
                bits = module.REG_BITS.get(name, 64)
                v = spec.value(rng, name, bits) if spec.value else None
                regs_in[name] = random_value(rng, bits) if v is None else v
            regs_in.update(spec.fixed)
            mem_in = [(addr, bytes(rng.getrandbits(8) for _ in range(size))) for addr, size in spec.mem]
            result = run_case(module, code, regs_in, mem_in, spec)
            lines.append(case_line(module, code, text, spec, regs_in, mem_in, result))
    return lines

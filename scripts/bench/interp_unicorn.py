#!/usr/bin/env python3
"""Runs the x86-64 loop of crates/vexil-exec/benches/interp.rs on Unicorn
and prints guest instructions per second (the reference side of
scripts/bench/interp.sh). Uses the vectors venv (pinned unicorn 2.1.4)."""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "vectors"))
from gen import ensure_venv  # noqa: E402

ensure_venv()

from unicorn import UC_ARCH_X86, UC_MODE_64, Uc  # noqa: E402
from unicorn import x86_const as X  # noqa: E402

# add rax, rcx; xor rcx, rax; mov [rsi], rax; dec rdx; jnz -14
CODE = bytes.fromhex("4801c8 4831c1 488906 48ffca 75f2")
ITERS = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000_000

uc = Uc(UC_ARCH_X86, UC_MODE_64)
uc.mem_map(0x1000, 0x1000)
uc.mem_map(0x10000, 0x1000)
uc.mem_write(0x1000, CODE)
uc.reg_write(X.UC_X86_REG_RSI, 0x10000)
uc.reg_write(X.UC_X86_REG_RCX, 3)
uc.reg_write(X.UC_X86_REG_RDX, ITERS)
t = time.perf_counter()
uc.emu_start(0x1000, 0x1000 + len(CODE))
secs = time.perf_counter() - t
assert uc.reg_read(X.UC_X86_REG_RDX) == 0
insns = 5 * ITERS
print(f"unicorn: {insns} guest instructions in {secs:.3f} s: {insns / secs / 1e6:.1f} M guest insns/s")
print(f"unicorn_insns_per_sec {insns / secs:.0f}")

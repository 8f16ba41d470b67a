#!/usr/bin/env bash
# Interpreter speed beside Unicorn on the same x86-64 loop (5 instructions:
# add, xor, store, dec, jnz), reported as a ratio. vexil interprets a
# hand-lifted block of the loop (crates/vexil-exec/benches/interp.rs);
# Unicorn runs the machine code (QEMU's JIT). Run on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
v=$(cargo bench -q -p vexil-exec --bench interp 2>/dev/null | tee /dev/stderr | awk '/^vexil_insns_per_sec/ {print $2}')
u=$(python3 scripts/bench/interp_unicorn.py | tee /dev/stderr | awk '/^unicorn_insns_per_sec/ {print $2}')
python3 -c "print(f'vexil interpreter / unicorn: {$v / $u:.3f} (guest instructions per second)')"

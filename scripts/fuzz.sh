#!/usr/bin/env bash
# Runs one fuzz target for a number of executions (or seconds) and prints
# how many it ran. No nightly toolchain here: cargo-fuzz runs with
# RUSTC_BOOTSTRAP=1. The targets are safe Rust, so no sanitizer (-s none,
# several times faster); debug assertions and overflow checks stay on.
#
#   scripts/fuzz.sh TARGET [RUNS]          # default 10,000,000 executions
#   scripts/fuzz.sh TARGET --seconds N
#   VEXIL_FUZZ_MODE=1 scripts/fuzz.sh lift_mips   # pin one mode (see the target)
#
# Targets: load_elf ir_text interp lift_x86 lift_mips features extract_elf.
# Corpora are kept in fuzz/corpus/TARGET (gitignored), crashes in
# fuzz/artifacts/TARGET; the log goes to .cache/fuzz/TARGET.log. Exits
# non-zero if the target failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: scripts/fuzz.sh TARGET [RUNS | --seconds N]}
limit=(-runs="${2:-10000000}")
if [ "${2:-}" = "--seconds" ]; then
  limit=(-max_total_time="${3:?--seconds needs a number}")
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
case "$target" in load_elf | extract_elf) "$root/scripts/fuzz-seed.sh" ;; esac
# Discovery needs room for several blocks; libFuzzer would start at a few
# bytes and grow the length only slowly.
extra=()
[ "$target" = features ] && extra=(-max_len=4096)
mkdir -p "$root/.cache/fuzz" "$root/fuzz/corpus/$target"
log="$root/.cache/fuzz/$target.log"
cd "$root/fuzz"
status=0
RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$target" "corpus/$target" -- \
  "${limit[@]}" "${extra[@]}" -print_final_stats=1 >"$log" 2>&1 || status=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
if [ "$status" -ne 0 ]; then
  echo "fuzz $target: FAILED (exit $status) after ${runs:-?} executions; see $log" >&2
  grep -m1 -A3 'panicked' "$log" >&2 || true
  exit "$status"
fi
echo "fuzz $target: ${runs:-?} executions, clean (log: $log)"

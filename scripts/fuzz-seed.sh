#!/usr/bin/env bash
# Seeds the fuzz corpora of the targets that read ELF files (load_elf,
# extract_elf; fuzz/corpus/, gitignored) from the committed sample binaries,
# so libFuzzer starts from real ELF files of every architecture.
#   scripts/fuzz-seed.sh && RUSTC_BOOTSTRAP=1 cargo fuzz run load_elf -- -max_total_time=600
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for target in load_elf extract_elf; do
  dir="$root/fuzz/corpus/$target"
  mkdir -p "$dir"
  for f in "$root"/tests/samples/bin/*/*; do
    case "$f" in *.stdout | *.status) continue ;; esac
    t=$(basename "$(dirname "$f")")
    cp -n "$f" "$dir/sample-$t-$(basename "$f")"
  done
  echo "fuzz-seed: $(ls "$dir" | wc -l) files in $dir"
done

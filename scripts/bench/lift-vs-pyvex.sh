#!/usr/bin/env bash
# Lifting throughput of vexil and pyvex on the same blocks of the same files,
# side by side. Usage: scripts/bench/lift-vs-pyvex.sh FILE...
# For each file: vexil discovers the code and times lifting every block start
# (best of 5, thread CPU time, opt level 1); pyvex lifts the same starts from
# the same bytes with the same limits (best of 3). Prints a table with the
# ratio and writes the raw JSON to .cache/bench/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ $# -gt 0 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
cargo build --release -q -p vexil
py=$(scripts/bench/pyvex-env.sh)
mkdir -p .cache/bench
printf '| file | arch | blocks | vexil insns/s | pyvex insns/s | ratio |\n|---|---|---|---|---|---|\n'
for f in "$@"; do
  tag=$(echo "$f" | tr '/' '_')
  target/release/vexil bench lift "$f" --repeat 5 --json --export-blocks ".cache/bench/$tag.blocks.json" > ".cache/bench/$tag.vexil.json"
  "$py" scripts/bench/pyvex_lift.py ".cache/bench/$tag.blocks.json" 3 > ".cache/bench/$tag.pyvex.json"
  python3 - "$f" ".cache/bench/$tag.vexil.json" ".cache/bench/$tag.pyvex.json" <<'PY'
import json, sys
f, v, p = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
ratio = v["insns_per_s"] / p["insns_per_s"] if p["insns_per_s"] else float("inf")
print(f"| {f} | {v['arch']} | {v['blocks']} | {v['insns_per_s']:,.0f} | {p['insns_per_s']:,.0f} | {ratio:.1f}x |")
PY
done

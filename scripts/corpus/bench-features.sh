#!/usr/bin/env bash
# Feature-extraction speed, vexil beside the pyvex reference pipeline.
#
#   scripts/corpus/bench-features.sh [ARCHS [PER_PACKAGE]]
#
# Takes up to PER_PACKAGE (default 1) files of every package of the
# benchmark for each architecture in ARCHS (default amd64,i386,mipsel,
# mips64el) from .cache/corpus/labels.csv, and runs
#   - vexil features on one thread and on all cores (end to end: load,
#     discover, lift, optimize, tokens, n-grams, neutral-v2, n = 1..4), and
#   - scripts/corpus/pyvex_features.py (pyvex lift + seed tokens + n = 1..3)
# on the same files. Speeds are per CPU-second of the working threads
# (binaries/s and MB of lifted code/s), plus vexil's wall-clock speed on all
# cores. The ratio is vexil's per-core MB/s over pyvex's.
set -euo pipefail
cd "$(dirname "$0")/../.."
archs=${1:-amd64,i386,mipsel,mips64el}
per=${2:-1}
corpus=.cache/corpus
mkdir -p .cache/bench
[ -f $corpus/labels.csv ] || scripts/corpus/build.sh ${archs//,/ }
cargo build --release -q -p vexil
list=.cache/bench/features-files.txt
python3 - "$corpus/labels.csv" "$archs" "$per" > $list <<'PY'
import csv, os, sys
path, archs, per = sys.argv[1], set(sys.argv[2].split(",")), int(sys.argv[3])
base = os.path.dirname(path)
seen = {}
for r in csv.DictReader(open(path)):
    k = (r["arch"], r["package"])
    if r["arch"] in archs and seen.get(k, 0) < per:
        seen[k] = seen.get(k, 0) + 1
        print(os.path.join(base, r["path"]))
PY
echo "files: $(wc -l < $list)"
mapfile -t files < $list
echo "== vexil, 1 thread"
target/release/vexil features "${files[@]}" -j1 --no-progress --bench -o .cache/bench/features-1.jsonl
echo "== vexil, all cores"
target/release/vexil features "${files[@]}" -j0 --no-progress --bench -o .cache/bench/features-all.jsonl
echo "== pyvex reference (1 thread)"
py=$(scripts/bench/pyvex-env.sh)
"$py" scripts/corpus/pyvex_features.py $list > .cache/bench/pyvex-features.jsonl
python3 - .cache/bench/features-1.jsonl .cache/bench/pyvex-features.jsonl <<'PY'
import json, sys
v = [json.loads(l) for l in open(sys.argv[1])]
p = [json.loads(l) for l in open(sys.argv[2])]
p = [x for x in p if "error" not in x]
vc = sum(x["stats"]["cpu_micros"] for x in v) / 1e6
vb = sum(x["stats"]["code_bytes"] for x in v) / 1e6
pc = sum(x["cpu_seconds"] for x in p)
pb = sum(x["code_bytes"] for x in p) / 1e6
print(f"| tool | binaries | MB code | CPU-s | binaries/s per core | MB code/s per core |")
print(f"|---|---|---|---|---|---|")
print(f"| vexil features (neutral-v2, n=1..4) | {len(v)} | {vb:.2f} | {vc:.2f} | {len(v)/vc:.1f} | {vb/vc:.2f} |")
print(f"| pyvex pipeline (seed, n=1..3) | {len(p)} | {pb:.2f} | {pc:.2f} | {len(p)/pc:.2f} | {pb/pc:.3f} |")
print(f"ratio (MB code/s per core): {(vb/vc)/(pb/pc):.1f}x")
PY

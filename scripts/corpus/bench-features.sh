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
# on the same files, in alternating chunks (BENCH_CHUNKS, default 8). Speeds
# are per CPU-second of the working threads (binaries/s and MB of lifted
# code/s), per architecture and overall, plus vexil's wall-clock speed on
# all cores. The ratio is vexil's per-core MB/s over pyvex's.
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
# The two pipelines run in alternation, chunk by chunk (vexil on a chunk,
# then pyvex on the same chunk), so that a change in the machine's speed
# during the run (a shared host) affects both sides of the ratio alike.
chunks=${BENCH_CHUNKS:-8}
rm -f .cache/bench/features-1.jsonl .cache/bench/pyvex-features.jsonl .cache/bench/chunk.*
split -n r/$chunks -d $list .cache/bench/chunk.
py=$(scripts/bench/pyvex-env.sh)
for c in .cache/bench/chunk.*; do
  mapfile -t files < $c
  echo "== chunk ${c##*.}: ${#files[@]} files, vexil (1 thread), then pyvex (1 thread)"
  target/release/vexil features "${files[@]}" -j1 --no-progress -o $c.vexil.jsonl
  cat $c.vexil.jsonl >> .cache/bench/features-1.jsonl
  "$py" scripts/corpus/pyvex_features.py $c >> .cache/bench/pyvex-features.jsonl
done
rm -f .cache/bench/chunk.*
mapfile -t files < $list
echo "== vexil, all cores"
target/release/vexil features "${files[@]}" -j0 --no-progress --bench -o .cache/bench/features-all.jsonl
python3 - .cache/bench/features-1.jsonl .cache/bench/pyvex-features.jsonl <<'PY'
import json, re, sys
v = [json.loads(l) for l in open(sys.argv[1])]
p = [json.loads(l) for l in open(sys.argv[2])]
p = [x for x in p if "error" not in x]
def arch(path):
    m = re.search(r"/debian/([^/]+)/", path)
    return m.group(1) if m else "?"
rows = sorted({arch(x["path"]) for x in v})
print("| files | tool | binaries | MB code | CPU-s | binaries/s per core | MB code/s per core | ratio (MB/s) |")
print("|---|---|---|---|---|---|---|---|")
for a in rows + ["all"]:
    vs = [x for x in v if a == "all" or arch(x["path"]) == a]
    ps = [x for x in p if a == "all" or arch(x["path"]) == a]
    if not vs or not ps:
        continue
    vc = sum(x["stats"]["cpu_micros"] for x in vs) / 1e6
    vb = sum(x["stats"]["code_bytes"] for x in vs) / 1e6
    pc = sum(x["cpu_seconds"] for x in ps)
    pb = sum(x["code_bytes"] for x in ps) / 1e6
    name = f"{a} ({len(vs)})"
    print(f"| {name} | vexil features (neutral-v2, n=1..4) | {len(vs)} | {vb:.2f} | {vc:.2f} | {len(vs)/vc:.1f} | {vb/vc:.2f} | |")
    print(f"| {name} | pyvex pipeline (seed, n=1..3) | {len(ps)} | {pb:.2f} | {pc:.2f} | {len(ps)/pc:.2f} | {pb/pc:.3f} | {(vb/vc)/(pb/pc):.1f}x |")
PY

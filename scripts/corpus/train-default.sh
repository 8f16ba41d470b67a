#!/usr/bin/env bash
# Trains the default model that `vexil scan` uses without --model:
# neutral-v2 tokens, the nearest-neighbour classifier, trained on the
# benchmark's amd64 and i386 builds only (so scanning MIPS or ARM binaries
# with it is the cross-architecture use vexil exists for), with the
# architecture-agreement threshold and k that
# scripts/corpus/select_agreement.py chooses on those training
# architectures. Writes models/default.json.
#
#   scripts/corpus/train-default.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=.cache/corpus
[ -f $corpus/labels.csv ] || scripts/corpus/build.sh amd64 i386
cargo build --release -q -p vexil
sel=$corpus/labels-x86.csv
python3 scripts/corpus/select_archs.py $corpus/labels.csv $sel amd64,i386
feats=$corpus/features-x86.jsonl
target/release/vexil features --labels $sel --scheme neutral-v2 -o $feats --no-progress
py=$(scripts/python-env.sh analysis scripts/corpus/requirements-analysis.txt)
best=$("$py" scripts/corpus/select_agreement.py $feats neutral-v2 | tail -n 1)
agree=$(echo "$best" | sed -n 's/.*a=\([0-9.]*\).*/\1/p')
k=$(echo "$best" | sed -n 's/.*k=\([0-9]*\).*/\1/p')
echo "selected on amd64/i386: agreement $agree, k $k"
target/release/vexil train --features $feats --model models/default.json \
  --scheme neutral-v2 --classifier neighbors --min-arch-agreement "$agree" --k "$k"
ls -l models/default.json

#!/usr/bin/env bash
# Trains the default model that `vexil scan` uses without --model:
# neutral-v1 tokens, logistic regression, trained on the benchmark's amd64
# and i386 builds only (so scanning MIPS or ARM binaries with it is the
# cross-architecture use vexil exists for). Writes models/default.json.
#
#   scripts/corpus/train-default.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=.cache/corpus
[ -f $corpus/labels.csv ] || scripts/corpus/build.sh amd64 i386
cargo build --release -q -p vexil
sel=$corpus/labels-x86.csv
python3 scripts/corpus/select_archs.py $corpus/labels.csv $sel amd64,i386
target/release/vexil features --labels $sel --scheme neutral-v1 -o $corpus/features-x86.jsonl --no-progress
target/release/vexil train --features $corpus/features-x86.jsonl --model models/default.json \
  --scheme neutral-v1 --classifier linear
ls -l models/default.json

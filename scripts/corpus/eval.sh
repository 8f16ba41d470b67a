#!/usr/bin/env bash
# The cross-architecture evaluation of issue 5, end to end:
#   trained on amd64 + i386 (x86-64 and x86) only, tested on mipsel and
#   mips64el, on the same-program and the package-disjoint split, with the
#   seed token scheme and neutral-v1 side by side, linear model and trees.
#
#   scripts/corpus/eval.sh [TRAIN_ARCHS [TEST_ARCHS [OUT_DIR]]]
#
# Needs the corpus (scripts/corpus/build.sh). Features are extracted once
# into .cache/corpus/features-eval.jsonl (both schemes) and reused while the
# label file and the feature code (features, lifters, IR, loader) are unchanged. Results: OUT_DIR/table.md,
# OUT_DIR/report.json and SVG plots per scheme and classifier.
set -euo pipefail
cd "$(dirname "$0")/../.."
train=${1:-amd64,i386}
test=${2:-mipsel,mips64el}
out=${3:-models/eval/x86-to-mips}
corpus=.cache/corpus
[ -f $corpus/labels.csv ] || scripts/corpus/build.sh amd64 i386 mipsel mips64el
cargo build --release -q -p vexil
vexil=target/release/vexil
sel=$corpus/labels-eval.csv
python3 scripts/corpus/select_archs.py $corpus/labels.csv $sel "$train,$test"
feats=$corpus/features-eval.jsonl
stamp=$corpus/features-eval.stamp
# Re-extract when the labels or the code that makes features change.
want="$( (sha256sum $sel; git ls-files -s crates/vexil-{features,lift,ir,loader}; \
          git diff HEAD -- crates/vexil-{features,lift,ir,loader}) | sha256sum)"
if [ ! -f $feats ] || [ "$(cat $stamp 2>/dev/null)" != "$want" ]; then
  $vexil features --labels $sel --scheme seed,neutral-v1 -o $feats --bench
  echo "$want" > $stamp
fi
# Defaults (TF-IDF, logistic score), linear model and trees.
$vexil eval --features $feats --train-arch "$train" --test-arch "$test" \
  --scheme seed,neutral-v1 --classifier linear,trees --out "$out"
# The linear configuration that did best when trained on amd64 and tested
# on i386 (training architectures only): binary weighting, share-of-evidence
# score.
$vexil eval --features $feats --train-arch "$train" --test-arch "$test" \
  --scheme seed,neutral-v1 --classifier linear --weighting binary --ratio-score \
  --out "$out-ratio-binary"

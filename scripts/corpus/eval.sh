#!/usr/bin/env bash
# The cross-architecture evaluation of issue 5, end to end:
#   trained on amd64 + i386 (x86-64 and x86) only, tested on mipsel and
#   mips64el, on the same-program and the package-disjoint split, with the
#   seed token scheme, neutral-v1 and neutral-v2 side by side.
#
#   scripts/corpus/eval.sh [TRAIN_ARCHS [TEST_ARCHS [OUT_DIR]]]
#
# Needs the corpus (scripts/corpus/build.sh). Features are extracted once
# into .cache/corpus/features-eval.jsonl (all schemes) and reused while the
# label file and the feature code (features, lifters, IR, loader) are
# unchanged. Two evaluations:
#   OUT_DIR/            every scheme with every classifier (linear, trees,
#                       neighbors) under the same defaults (no
#                       architecture-agreement filter);
#   OUT_DIR-selected/   the configuration chosen on the training
#                       architectures only: the agreement threshold and k
#                       that scripts/corpus/select_agreement.py picks for
#                       neutral-v2 (its table: OUT_DIR-selected/selection.md),
#                       applied to every scheme, linear and neighbors.
# Each has table.md, report.json and SVG plots per scheme and classifier.
set -euo pipefail
cd "$(dirname "$0")/../.."
train=${1:-amd64,i386}
test=${2:-mipsel,mips64el}
out=${3:-models/eval/x86-to-mips}
corpus=.cache/corpus
schemes=seed,neutral-v1,neutral-v2
[ -f $corpus/labels.csv ] || scripts/corpus/build.sh amd64 i386 mipsel mips64el
cargo build --release -q -p vexil
vexil=target/release/vexil
sel=$corpus/labels-eval.csv
python3 scripts/corpus/select_archs.py $corpus/labels.csv $sel "$train,$test"
feats=$corpus/features-eval.jsonl
stamp=$corpus/features-eval.stamp
# Re-extract when the labels or the code that makes features change.
want="$( (sha256sum $sel; echo $schemes; git ls-files -s crates/vexil-{features,lift,ir,loader}; \
          git diff HEAD -- crates/vexil-{features,lift,ir,loader}) | sha256sum)"
if [ ! -f $feats ] || [ "$(cat $stamp 2>/dev/null)" != "$want" ]; then
  $vexil features --labels $sel --scheme $schemes -o $feats --bench --no-progress
  echo "$want" > $stamp
fi
# Defaults: every scheme and classifier.
$vexil eval --features $feats --train-arch "$train" --test-arch "$test" \
  --scheme $schemes --classifier linear,trees,neighbors --out "$out"
# The configuration chosen on the training architectures.
py=$(scripts/python-env.sh analysis scripts/corpus/requirements-analysis.txt)
mkdir -p "$out-selected"
"$py" scripts/corpus/select_agreement.py $feats neutral-v2 > "$out-selected/selection.md"
cat "$out-selected/selection.md"
best=$(tail -n 1 "$out-selected/selection.md")
agree=$(echo "$best" | sed -n 's/.*a=\([0-9.]*\).*/\1/p')
k=$(echo "$best" | sed -n 's/.*k=\([0-9]*\).*/\1/p')
$vexil eval --features $feats --train-arch "$train" --test-arch "$test" \
  --scheme $schemes --classifier linear,neighbors --min-arch-agreement "$agree" --k "$k" \
  --out "$out-selected"

#!/usr/bin/env bash
# Builds vexil's cross-architecture detection benchmark from Debian packages.
#
#   scripts/corpus/build.sh [ARCH...]
#
# ARCH defaults to the seven architectures the benchmark names:
# amd64 i386 mipsel mips64el arm64 armel armhf. For each architecture it
# fetches and unpacks the packages named in scripts/corpus/packages.txt with
# the shared scripts/fetch-debian.sh (into .cache/debian/ARCH/PKG/), then
# writes .cache/corpus/labels.csv (sha256,path,package,arch,class) over every
# ELF file of those packages unpacked so far, with paths relative to the CSV.
#
# Fetched packages stay in .cache/ (gitignored): nothing fetched is committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
corpus=${VEXIL_CORPUS_DIR:-$root/.cache/corpus}
archs=("$@")
[ ${#archs[@]} -eq 0 ] && archs=(amd64 i386 mipsel mips64el arm64 armel armhf)
pkgs=$(awk '!/^#/ && NF >= 2 {print $2}' scripts/corpus/packages.txt)

for arch in "${archs[@]}"; do
  echo "== $arch" >&2
  # The shared fetcher: .cache/debian/ARCH/PKG/ is each package unpacked.
  # shellcheck disable=SC2086 # package names are plain words
  scripts/fetch-debian.sh "$arch" $pkgs
done

mkdir -p "$corpus"
python3 scripts/corpus/label.py --packages scripts/corpus/packages.txt \
  --corpus "$root/.cache/debian" --out "$corpus/labels.csv"

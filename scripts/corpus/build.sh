#!/usr/bin/env bash
# Builds vexil's cross-architecture detection benchmark from Debian packages.
#
#   scripts/corpus/build.sh [ARCH...]
#
# ARCH defaults to the seven architectures the benchmark names:
# amd64 i386 mipsel mips64el arm64 armel armhf. For each architecture it
# fetches the packages named in scripts/corpus/packages.txt (cached under
# .cache/debian/ARCH/PKG/), unpacks them under .cache/corpus/ARCH/PKG/, and
# then writes .cache/corpus/labels.csv (sha256,path,package,arch,class) over
# every ELF file unpacked so far, with paths relative to the CSV.
#
# Fetched packages stay in .cache/ (gitignored): nothing fetched is committed.
# A package that cannot be fetched is reported and skipped; the run goes on.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
corpus=${VEXIL_CORPUS_DIR:-$root/.cache/corpus}
archs=("$@")
[ ${#archs[@]} -eq 0 ] && archs=(amd64 i386 mipsel mips64el arm64 armel armhf)
pkgs=$(awk '!/^#/ && NF >= 2 {print $2}' scripts/corpus/packages.txt)

fetch() { # ARCH PKG... -> .cache/debian/ARCH/PKG/*.deb
  local arch=$1; shift
  if [ -x scripts/fetch-debian.sh ]; then
    scripts/fetch-debian.sh "$arch" "$@"
    return
  fi
  # Until the shared fetcher exists: apt-get download, tolerant of a failing
  # security suite in apt-get update (the main suite is what we need).
  local native; native=$(dpkg --print-architecture)
  if [ "$arch" != "$native" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    dpkg --add-architecture "$arch"
    apt-get update >/dev/null 2>&1 || true
  fi
  local p missing=()
  for p in "$@"; do
    compgen -G "$root/.cache/debian/$arch/$p/*.deb" >/dev/null || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local tmp; tmp=$(mktemp -d)
  # One apt-get call for all (each call re-reads every apt list, ~10 s);
  # package by package only if the batch fails, so one missing package is
  # reported and skipped rather than failing the rest.
  if ! ( cd "$tmp" && apt-get download -q "${missing[@]/%/:$arch}" >/dev/null 2>&1 ); then
    for p in "${missing[@]}"; do
      compgen -G "$tmp/${p}_*_$arch.deb" >/dev/null && continue
      ( cd "$tmp" && apt-get download -q "$p:$arch" >/dev/null 2>&1 ) || echo "fetch: $p:$arch not available, skipped" >&2
    done
  fi
  for p in "${missing[@]}"; do
    local f
    for f in "$tmp/${p}_"*"_$arch.deb"; do
      [ -e "$f" ] || continue
      mkdir -p "$root/.cache/debian/$arch/$p"
      mv "$f" "$root/.cache/debian/$arch/$p/"
    done
  done
  rm -rf "$tmp"
}

for arch in "${archs[@]}"; do
  echo "== $arch" >&2
  # shellcheck disable=SC2086 # package names are plain words
  fetch "$arch" $pkgs
  for p in $pkgs; do
    dest="$corpus/$arch/$p"
    [ -e "$dest/.done" ] && continue
    for deb in "$root/.cache/debian/$arch/$p/"*.deb; do
      [ -e "$deb" ] || continue
      rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
      if dpkg-deb -x "$deb" "$dest.tmp"; then
        rm -rf "$dest" && mv "$dest.tmp" "$dest" && touch "$dest/.done"
      else
        echo "extract: $deb failed, skipped" >&2
        rm -rf "$dest.tmp"
      fi
    done
  done
done

python3 scripts/corpus/label.py --packages scripts/corpus/packages.txt \
  --corpus "$corpus" --out "$corpus/labels.csv"

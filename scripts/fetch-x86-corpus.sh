#!/usr/bin/env bash
# Fetches the x86 lifter's measurement corpus: Debian 12's busybox-static
# and coreutils for amd64 and i386, unpacked under .cache/corpus/<arch>/<pkg>/.
# Used by the x86 coverage measurements (issue 3). Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.cache/corpus"
pkgs=(busybox-static coreutils)
arches=(amd64 i386)
need=0
for a in "${arches[@]}"; do for p in "${pkgs[@]}"; do
  [ -d "$dest/$a/$p" ] || need=1
done; done
[ "$need" = 0 ] && exit 0
if ! dpkg --print-foreign-architectures | grep -qx i386; then
  dpkg --add-architecture i386
  apt-get update -qq || true
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"
for a in "${arches[@]}"; do for p in "${pkgs[@]}"; do
  [ -d "$dest/$a/$p" ] && continue
  (cd "$tmp" && apt-get download -q "$p:$a" >/dev/null 2>&1)
  deb=$(ls "$tmp"/"${p}"_*_"$a".deb | head -n1)
  mkdir -p "$dest/$a/$p"
  dpkg-deb -x "$deb" "$dest/$a/$p"
done; done

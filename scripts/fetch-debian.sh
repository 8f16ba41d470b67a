#!/usr/bin/env bash
# Fetches Debian packages of any architecture Debian builds and unpacks them
# under .cache/debian/ (gitignored), for tests and corpus work.
#
#   scripts/fetch-debian.sh ARCH PKG...
#     -> .cache/debian/ARCH/PKG/          the package's files (dpkg-deb -x)
#        .cache/debian/ARCH/debs/*.deb    the downloaded package
#        .cache/debian/ARCH/.fetched-PKG  the .deb's file name (done marker)
#
# Idempotent: a package already unpacked is not fetched again, and then the
# script prints nothing and touches no apt state. Otherwise it enables the
# foreign architecture (dpkg --add-architecture), runs apt-get update if a
# package is not known yet, and downloads with apt-get download.
#
# apt-get update often fails on the security suite once foreign architectures
# are enabled (its index for some architectures is missing or briefly out of
# sync) while the main suite updates fine. So its exit status is not trusted:
# the script retries, and goes on as soon as every requested package
# resolves from the sources that did update.
#
# Needs root (or sudo) for dpkg --add-architecture and apt-get update.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache/debian"

if [ $# -lt 2 ]; then
  echo "usage: $0 ARCH PKG..." >&2
  exit 2
fi
arch=$1
shift

need=()
for pkg in "$@"; do
  if [ ! -f "$cache/$arch/.fetched-$pkg" ] || [ ! -d "$cache/$arch/$pkg" ]; then
    need+=("$pkg")
  fi
done
[ ${#need[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" = 0 ] || sudo=(sudo)
# Other users of this machine may be running apt: wait for its locks.
apt_opts=(-q -o DPkg::Lock::Timeout=600 -o APT::Sandbox::User=root)

if [ "$arch" != "$(dpkg --print-architecture)" ] &&
  ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  echo "fetch-debian: enabling architecture $arch" >&2
  "${sudo[@]}" dpkg --add-architecture "$arch"
fi

# One apt-cache call for all packages: each call reads the whole package
# cache (a second or more with several architectures enabled), and apt-cache
# prints one stanza per package it knows (its exit status is 0 as long as
# one of several is known, so the stanzas are counted).
resolvable() {
  local n
  n=$(apt-cache show --no-all-versions "${need[@]/%/:$arch}" 2>/dev/null | grep -c '^Package:' || true)
  [ "$n" -ge "${#need[@]}" ]
}

if ! resolvable; then
  for try in 1 2 3; do
    echo "fetch-debian: apt-get update (try $try)" >&2
    "${sudo[@]}" apt-get "${apt_opts[@]}" update >&2 || true
    resolvable && break
    [ "$try" = 3 ] || sleep $((5 * try))
  done
  if ! resolvable; then
    for p in "${need[@]}"; do
      apt-cache show --no-all-versions "$p:$arch" >/dev/null 2>&1 ||
        echo "fetch-debian: $p:$arch is not in the configured Debian sources" >&2
    done
    exit 1
  fi
fi

mkdir -p "$cache/$arch/debs"
# The version to fetch is the newest one the configured sources carry
# (apt-cache madison lists only those, newest first): a plain
# `apt-get download PKG` asks for the candidate, which is the installed
# version when the host has a newer build installed than any source has
# (seen with curl:amd64), and then nothing can be downloaded. One madison
# call and one download for all packages: each apt call reads the whole
# package cache, a second or more with several architectures enabled.
declare -A ver=()
while IFS='|' read -r p v _; do
  p=${p// /}
  v=${v// /}
  [ -n "$p" ] && [ -z "${ver[$p]:-}" ] && ver[$p]=$v
done < <(apt-cache madison "${need[@]/%/:$arch}" 2>/dev/null)
want=()
for pkg in "${need[@]}"; do
  want+=("$pkg:$arch${ver[$pkg]:+=${ver[$pkg]}}")
done
tmp=$(mktemp -d "$cache/$arch/.tmp-fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get "${apt_opts[@]}" download "${want[@]}" >&2)
for pkg in "${need[@]}"; do
  deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
  if [ -z "$deb" ]; then
    echo "fetch-debian: apt-get download $pkg:$arch produced no .deb" >&2
    exit 1
  fi
  rm -rf "$tmp/tree"
  dpkg-deb -x "$deb" "$tmp/tree"
  rm -rf "${cache:?}/$arch/$pkg"
  mv "$tmp/tree" "$cache/$arch/$pkg"
  name=$(basename "$deb")
  mv "$deb" "$cache/$arch/debs/$name"
  echo "$name" >"$cache/$arch/.fetched-$pkg"
  echo "fetch-debian: $pkg:$arch -> .cache/debian/$arch/$pkg ($name)"
done
rm -rf "$tmp"
trap - EXIT

#!/usr/bin/env bash
# Installs what vexil's tests and scripts need on a fresh Debian 12 machine.
# Idempotent, and silent when everything is already there. CI runs it first.
#
#   scripts/setup.sh            what the tests need
#   scripts/setup.sh --samples  also the cross compilers and qemu-user that
#                               scripts/build-samples.sh uses to rebuild the
#                               committed sample binaries (tests never do)
#
# Tests need no cross compiler: the sample binaries are committed, and the
# Debian binaries they read are fetched by scripts/fetch-test-corpus.sh.
# Python reference tools (pyvex, unicorn) live in their own pinned virtual
# environments, created by the scripts that use them (scripts/bench/).
set -euo pipefail

# binutils: readelf is the independent ELF reader the loader's sample tests
#   compare against.
# apt, dpkg: fetch-debian.sh (apt-get download, dpkg-deb -x).
# python3, python3-venv: the reference-tool scripts' virtual environments.
packages=(binutils apt dpkg python3 python3-venv ca-certificates)
if [ "${1:-}" = "--samples" ]; then
  packages+=(gcc gcc-i686-linux-gnu gcc-arm-linux-gnueabi gcc-arm-linux-gnueabihf
    gcc-aarch64-linux-gnu gcc-mips-linux-gnu gcc-mipsel-linux-gnu
    gcc-mips64el-linux-gnuabi64 qemu-user-static)
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--samples]" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  echo "setup: installing ${missing[*]}"
  # The update may fail for the security suite when foreign architectures
  # are enabled (see fetch-debian.sh); the install below says if it matters.
  "${sudo[@]}" apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes "${sudo[@]}" apt-get -qq -y -o DPkg::Lock::Timeout=600 \
    install --no-install-recommends "${missing[@]}" >/dev/null
fi

# CI checks formatting and lints.
if command -v rustup >/dev/null 2>&1; then
  for c in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$c"; then
      echo "setup: adding rust component $c"
      rustup component add "$c" >/dev/null
    fi
  done
fi

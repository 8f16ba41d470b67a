#!/usr/bin/env bash
# Fetches exactly the Debian binaries the test suite reads (CI runs this
# before the tests; scripts/test.sh does too). Idempotent and quiet once
# everything is cached under .cache/debian/.
#
# busybox-static for every architecture Debian 12 builds: the supported ones
# must load with the right arch/endian/bits (crates/vexil/tests/busybox.rs),
# ppc64el and s390x must be refused by name.
set -euo pipefail
here=$(dirname "$0")
for arch in amd64 i386 arm64 armel armhf mipsel mips64el ppc64el s390x; do
  "$here/fetch-debian.sh" "$arch" busybox-static
done

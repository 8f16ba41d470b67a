#!/usr/bin/env bash
# Cross-compiles the sample programs in tests/samples/src for every target
# vexil supports and records what they print under qemu-user.
#
#   scripts/build-samples.sh          rebuild tests/samples/bin/ in place
#   scripts/build-samples.sh --check  rebuild into a temporary directory and
#                                     compare with the committed files
#
# Outputs (committed; tests need no cross compiler):
#   tests/samples/bin/<target>/<prog>         -O2, not stripped
#   tests/samples/bin/<target>/<prog>.stdout  stdout under qemu-<arch>-static
#   tests/samples/bin/<target>/<prog>.status  its exit status
# fs_* programs are freestanding and static (raw system calls, own _start, no
# libc): later emulator work runs them and compares with these files. The
# others are dynamically linked against glibc (small files; their code is
# what the lifters need); they run under qemu with -L /usr/<triple>.
#
# The bytes of the outputs depend on the cross toolchains. The committed files
# were built on Debian 12 (bookworm) with:
#   gcc (Debian 12.2.0-14+deb12u1) 12.2.0      x86_64
#   <triple>-gcc (Debian 12.2.0-14) 12.2.0     every cross target
#   binutils 2.40, glibc 2.36 cross packages, qemu-user-static 1:7.2+dfsg-7
# (packages: gcc gcc-i686-linux-gnu gcc-arm-linux-gnueabi gcc-arm-linux-gnueabihf
# gcc-aarch64-linux-gnu gcc-mips-linux-gnu gcc-mipsel-linux-gnu
# gcc-mips64el-linux-gnuabi64 qemu-user-static). Another compiler version
# gives different but equally valid binaries; --check then reports them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/tests/samples/src"
dest="$root/tests/samples/bin"
check=0
if [ "${1:-}" = "--check" ]; then
  check=1
  dest=$(mktemp -d)
  trap 'rm -rf "$dest"' EXIT
fi

# target | compiler | target flags | qemu | sysroot for dynamic programs
targets=(
  "x86|i686-linux-gnu-gcc||qemu-i386-static|/usr/i686-linux-gnu"
  "x86_64|gcc||qemu-x86_64-static|/"
  "arm|arm-linux-gnueabi-gcc|-marm|qemu-arm-static|/usr/arm-linux-gnueabi"
  "arm-thumb|arm-linux-gnueabi-gcc|-mthumb|qemu-arm-static|/usr/arm-linux-gnueabi"
  "armhf|arm-linux-gnueabihf-gcc||qemu-arm-static|/usr/arm-linux-gnueabihf"
  "aarch64|aarch64-linux-gnu-gcc||qemu-aarch64-static|/usr/aarch64-linux-gnu"
  "mips|mips-linux-gnu-gcc||qemu-mips-static|/usr/mips-linux-gnu"
  "mipsel|mipsel-linux-gnu-gcc||qemu-mipsel-static|/usr/mipsel-linux-gnu"
  "mips64el|mips64el-linux-gnuabi64-gcc||qemu-mips64el-static|/usr/mips64el-linux-gnuabi64"
)
dynamic_progs=(checksum sort switch float)
static_progs=(fs_hello fs_compute)

common=(-O2 -Wall -Wextra -Werror)
# No libc, no start files; -lgcc supplies division and soft-float helpers
# (32-bit ARM, 64-bit division on 32-bit targets). Loop-to-memset rewriting
# is off so the code stays self-contained.
freestanding=(-static -nostdlib -fno-pie -no-pie -ffreestanding -fno-stack-protector
  -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables -Wl,-e,_start)

cd "$src" # relative source names keep the binaries free of build paths
for t in "${targets[@]}"; do
  IFS='|' read -r name cc flags qemu sysroot <<<"$t"
  out="$dest/$name"
  mkdir -p "$out"
  read -r -a tflags <<<"$flags"
  for p in "${dynamic_progs[@]}"; do
    "$cc" "${common[@]}" ${tflags[@]+"${tflags[@]}"} -o "$out/$p" "$p.c"
  done
  for p in "${static_progs[@]}"; do
    extra=()
    # Absolute (non-PIC) MIPS code needs no $gp set-up in _start. ld warns
    # "linking abicalls files with non-abicalls files" for libgcc's _divdi3 on
    # o32: harmless, that helper is a leaf that never touches $gp (and the
    # output check below would catch it if it did).
    case "$name" in mips*) extra=(-mno-abicalls -fno-pic) ;; esac
    "$cc" "${common[@]}" ${tflags[@]+"${tflags[@]}"} "${freestanding[@]}" \
      ${extra[@]+"${extra[@]}"} -o "$out/$p" "$p.c" -lgcc
  done
  for p in "${dynamic_progs[@]}" "${static_progs[@]}"; do
    status=0
    QEMU_LD_PREFIX="$sysroot" "$qemu" "$out/$p" >"$out/$p.stdout" || status=$?
    echo "$status" >"$out/$p.status"
  done
done

# Integer-only programs must print the same on every target; a difference
# means a sample is not portable (or a toolchain/qemu bug), not a vexil bug.
for p in checksum sort switch fs_hello fs_compute; do
  for t in "${targets[@]}"; do
    name=${t%%|*}
    if ! cmp -s "$dest/x86_64/$p.stdout" "$dest/$name/$p.stdout"; then
      echo "build-samples: $p prints differently on $name and x86_64" >&2
      exit 1
    fi
  done
done

if [ "$check" = 1 ]; then
  if diff -r "$dest" "$root/tests/samples/bin" >/dev/null; then
    echo "build-samples: committed samples match a fresh build"
  else
    diff -rq "$dest" "$root/tests/samples/bin" >&2 || true
    echo "build-samples: committed samples differ from a fresh build (toolchain versions?)" >&2
    exit 1
  fi
else
  du -sh "$dest" | sed 's/^/build-samples: /'
fi

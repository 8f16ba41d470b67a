#!/usr/bin/env python3
"""Writes the benchmark's label file from unpacked Debian packages.

Walks CORPUS/ARCH/PKG/ (as scripts/corpus/build.sh leaves it), keeps every
regular file that is an ELF executable or shared object (debug files under
usr/lib/debug are skipped), and writes one CSV row per file:

    sha256,path,package,arch,class

`path` is relative to the CSV's directory, `arch` is the Debian architecture
name (amd64, i386, mipsel, ...), `class` comes from packages.txt. Identical
files (same sha256) within one architecture are listed once. The file is
written atomically (temporary file, then rename).
"""
import argparse
import csv
import hashlib
import os
import sys


def read_classes(path):
    classes = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) >= 2:
                classes[line[1]] = line[0]
    return classes


def is_elf_object(path):
    try:
        with open(path, "rb") as f:
            head = f.read(18)
    except OSError:
        return False
    if len(head) < 18 or head[:4] != b"\x7fELF":
        return False
    order = "little" if head[5] == 1 else "big"
    e_type = int.from_bytes(head[16:18], order)
    return e_type in (2, 3)  # ET_EXEC, ET_DYN


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packages", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    classes = read_classes(a.packages)
    out_dir = os.path.dirname(os.path.abspath(a.out))
    rows = []
    for arch in sorted(os.listdir(a.corpus)):
        adir = os.path.join(a.corpus, arch)
        if not os.path.isdir(adir):
            continue
        seen = set()
        for pkg in sorted(os.listdir(adir)):
            if pkg not in classes or not os.path.isdir(os.path.join(adir, pkg)):
                continue
            for dirpath, dirnames, filenames in os.walk(os.path.join(adir, pkg)):
                dirnames.sort()
                if "/usr/lib/debug" in dirpath:
                    continue
                for name in sorted(filenames):
                    p = os.path.join(dirpath, name)
                    if os.path.islink(p) or not os.path.isfile(p) or not is_elf_object(p):
                        continue
                    with open(p, "rb") as f:
                        digest = hashlib.sha256(f.read()).hexdigest()
                    if digest in seen:
                        continue
                    seen.add(digest)
                    rows.append((digest, os.path.relpath(p, out_dir), pkg, arch, classes[pkg]))
    tmp = a.out + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sha256", "path", "package", "arch", "class"])
        w.writerows(rows)
    os.replace(tmp, a.out)
    counts = {}
    for r in rows:
        counts[(r[3], r[4])] = counts.get((r[3], r[4]), 0) + 1
    for (arch, cls), n in sorted(counts.items()):
        print(f"{arch:10} {cls:7} {n:5} files", file=sys.stderr)
    print(f"wrote {a.out}: {len(rows)} files", file=sys.stderr)


if __name__ == "__main__":
    main()

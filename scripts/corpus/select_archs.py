#!/usr/bin/env python3
"""Writes the rows of a label file whose arch column is one of ARCHS.

Usage: select_archs.py LABELS.csv OUT.csv ARCH[,ARCH...]
Paths stay relative to the label file's directory, so OUT must be written
in the same directory.
"""
import csv
import os
import sys

src, out, archs = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
if os.path.dirname(os.path.abspath(src)) != os.path.dirname(os.path.abspath(out)):
    raise SystemExit("select_archs.py: write OUT beside LABELS (paths are relative to it)")
with open(src, newline="") as f:
    rows = list(csv.reader(f))
head, body = rows[0], rows[1:]
col = head.index("arch")
kept = [r for r in body if r[col] in archs]
tmp = out + ".tmp"
with open(tmp, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(head)
    w.writerows(kept)
os.replace(tmp, out)
print(f"select: {len(kept)} of {len(body)} rows ({','.join(sorted(archs))})", file=sys.stderr)

#!/usr/bin/env python3
"""Generates tests/vectors/<arch>.vec from scripts/vectors/arch/<arch>.py.

    scripts/vectors/gen.py x86_64                 # writes tests/vectors/x86_64.vec
    scripts/vectors/gen.py x86_64 --count 16 --seed 7 --out -

On first use it creates a virtual environment under .cache/vectors-venv with
the pinned reference CPU (scripts/vectors/requirements.txt: unicorn 2.1.4)
and re-runs itself inside it. The output is reproducible: the same
arguments give the same file.
"""

import argparse
import importlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VENV = ROOT / ".cache" / "vectors-venv"
REQS = HERE / "requirements.txt"


def ensure_venv():
    """Re-executes under the venv's Python, creating it first if needed."""
    py = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    stamp = VENV / ".requirements"
    if not py.exists() or not stamp.exists() or stamp.read_text() != REQS.read_text():
        print(f"setting up {VENV} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-r", str(REQS)], check=True)
        stamp.write_text(REQS.read_text())
    os.execv(str(py), [str(py), *sys.argv])


def main():
    ensure_venv()
    sys.path.insert(0, str(HERE))
    from vexgen.core import generate

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("arch", help="module name under scripts/vectors/arch/")
    ap.add_argument("--count", type=int, default=8, help="random input states per spec")
    ap.add_argument("--seed", type=int, default=1, help="seed of all random inputs")
    ap.add_argument("--out", help="output file ('-' for stdout); default tests/vectors/<NAME>.vec")
    args = ap.parse_args()
    module = importlib.import_module(f"arch.{args.arch}")
    text = "\n".join(generate(module, args.count, args.seed)) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
        return
    out = Path(args.out) if args.out else ROOT / "tests" / "vectors" / f"{module.NAME}.vec"
    out.write_text(text)
    print(f"wrote {out} ({text.count(' => ')} cases)", file=sys.stderr)


if __name__ == "__main__":
    main()

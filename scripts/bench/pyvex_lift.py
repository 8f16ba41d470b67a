#!/usr/bin/env python3
"""Lift the blocks vexil discovered, with pyvex, and time it.

Input: the JSON written by `vexil bench lift FILE --export-blocks OUT.json`
(the binary's path, architecture, code regions and every block start vexil
lifted, with the same instruction/byte limits). pyvex lifts each block start
from the same bytes with the same limits at optimization level 1, so both
tools do the same work; we report instructions/s by pyvex's own count.

Times are this thread's CPU time (time.thread_time), as in `vexil bench`,
so that other load on the machine does not distort the ratio.

Output: one JSON object on stdout.
"""
import json
import sys
import time

import archinfo
import pyvex


def arch_for(name, endian):
    end = archinfo.Endness.BE if endian == "big" else archinfo.Endness.LE
    if name == "x86_64":
        return archinfo.ArchAMD64()
    if name == "x86":
        return archinfo.ArchX86()
    if name == "aarch64":
        return archinfo.ArchAArch64(end)
    if name == "arm":
        return archinfo.ArchARMEL(end)
    if name == "mips32":
        return archinfo.ArchMIPS32(end)
    if name == "mips64":
        return archinfo.ArchMIPS64(end)
    raise SystemExit(f"pyvex_lift: unknown arch {name}")


def main():
    if len(sys.argv) < 2:
        raise SystemExit("usage: pyvex_lift.py BLOCKS.json [REPEAT]")
    spec = json.load(open(sys.argv[1]))
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    data = open(spec["file"], "rb").read()
    arch = arch_for(spec["arch"], spec["endian"])
    regions = spec["regions"]

    def code_at(addr):
        for r in regions:
            if r["addr"] <= addr < r["addr"] + r["size"]:
                off = r["offset"] + (addr - r["addr"])
                end = min(r["offset"] + r["size"], off + spec["max_bytes"])
                return data[off:end]
        return b""

    jobs = [(a, 1 if m == "thumb" else 0, code_at(a)) for a, m in spec["blocks"]]
    best = best_wall = None
    insns = nblocks = nbytes = errors = 0
    for _ in range(repeat):
        insns = nblocks = nbytes = errors = 0
        t0 = time.thread_time()
        w0 = time.perf_counter()
        for addr, thumb, code in jobs:
            try:
                irsb = pyvex.lift(code, addr + thumb, arch, max_inst=spec["max_insns"],
                                  max_bytes=spec["max_bytes"], opt_level=1)
            except Exception:  # pyvex raises on some inputs; count, keep going
                errors += 1
                continue
            insns += irsb.instructions
            nbytes += irsb.size
            nblocks += 1
        dt = time.thread_time() - t0
        wall = time.perf_counter() - w0
        best = dt if best is None else min(best, dt)
        best_wall = wall if best_wall is None else min(best_wall, wall)
    print(json.dumps({
        "tool": "pyvex " + pyvex.__version__,
        "file": spec["file"],
        "blocks": nblocks,
        "instructions": insns,
        "bytes": nbytes,
        "errors": errors,
        "seconds": best,
        "wall_seconds": best_wall,
        "clock": "thread-cpu",
        "insns_per_s": insns / best if best else 0.0,
        "blocks_per_s": nblocks / best if best else 0.0,
    }))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The reference feature pipeline in pyvex: the prototype's scheme.

For each ELF file: every executable section is lifted block after block
with pyvex (optimization level 1, at most 50 instructions / 800 bytes per
block, as vexil lifts), each statement becomes one token with exact
VEX-style names (`WdT(Sub32(RdT,RdT))`, `STle(RdT,con)`, `put(con)`,
`IMark`), and the n-grams of n = 1..3 within each block are hashed into
2^18 buckets and counted. Undecodable bytes are skipped at the
architecture's instruction alignment.

It is the side-by-side reference for `vexil features` speed
(scripts/corpus/bench-features.sh): time is this thread's CPU time
(time.thread_time), as vexil reports, so other load on the machine does not
distort the ratio.

Usage: pyvex_features.py LIST_FILE   (one ELF path per line)
Output: one JSON object per file on stdout, then a summary line on stderr.
"""
import collections
import hashlib
import json
import struct
import sys
import time

import archinfo
import pyvex

SHF_EXECINSTR = 0x4


def elf_info(data):
    """(arch, exec sections [(addr, offset, size)]) of an ELF image."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    machine = struct.unpack_from(end + "H", data, 18)[0]
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)
    secs = []
    for i in range(shnum):
        o = shoff + i * shentsize
        if is64:
            _, sh_type, flags, addr, off, size = struct.unpack_from(end + "IIQQQQ", data, o)
        else:
            _, sh_type, flags, addr, off, size = struct.unpack_from(end + "IIIIII", data, o)
        if flags & SHF_EXECINSTR and sh_type != 8 and size:  # not NOBITS
            secs.append((addr, off, size))
    be = archinfo.Endness.BE if end == ">" else archinfo.Endness.LE
    arch = {
        3: lambda: archinfo.ArchX86(),
        62: lambda: archinfo.ArchAMD64(),
        8: lambda: (archinfo.ArchMIPS64(be) if is64 else archinfo.ArchMIPS32(be)),
        40: lambda: archinfo.ArchARMEL(be),
        183: lambda: archinfo.ArchAArch64(be),
    }.get(machine)
    if arch is None:
        raise ValueError(f"unsupported machine {machine}")
    return arch(), secs


def atom(e):
    return "RdT" if isinstance(e, pyvex.expr.RdTmp) else "con"


def expr_token(e):
    if isinstance(e, pyvex.expr.RdTmp):
        return "RdT"
    if isinstance(e, pyvex.expr.Const):
        return "con"
    if isinstance(e, pyvex.expr.Get):
        return "get"
    if isinstance(e, pyvex.expr.GetI):
        return "getI(" + atom(e.ix) + ")"
    if isinstance(e, pyvex.expr.Load):
        return "LD" + e.end[-2:].lower() + "(" + atom(e.addr) + ")"
    if isinstance(e, (pyvex.expr.Unop, pyvex.expr.Binop, pyvex.expr.Triop, pyvex.expr.Qop)):
        return e.op[4:] + "(" + ",".join(atom(a) for a in e.args) + ")"
    if isinstance(e, pyvex.expr.ITE):
        return "ite(" + ",".join(atom(a) for a in (e.cond, e.iftrue, e.iffalse)) + ")"
    if isinstance(e, pyvex.expr.CCall):
        return e.cee.name + "(" + ",".join(atom(a) for a in e.args) + ")"
    return type(e).__name__


def stmt_token(s):
    if isinstance(s, pyvex.stmt.IMark):
        return "IMark"
    if isinstance(s, pyvex.stmt.WrTmp):
        return "WdT(" + expr_token(s.data) + ")"
    if isinstance(s, pyvex.stmt.Put):
        return "put(" + atom(s.data) + ")"
    if isinstance(s, pyvex.stmt.PutI):
        return "putI(" + atom(s.ix) + "," + atom(s.data) + ")"
    if isinstance(s, pyvex.stmt.Store):
        return "ST" + s.end[-2:].lower() + "(" + atom(s.addr) + "," + atom(s.data) + ")"
    if isinstance(s, pyvex.stmt.Exit):
        return "exit(" + atom(s.guard) + ")"
    if isinstance(s, pyvex.stmt.NoOp):
        return None
    return type(s).__name__


def features(path, n_max=3, bits=18):
    data = open(path, "rb").read()
    arch, secs = elf_info(data)
    align = 1 if arch.name in ("X86", "AMD64") else 4
    # The n-grams are counted as tuples of token strings (collections.Counter
    # counts in C), and each distinct one is hashed once at the end: the
    # same counts as hashing every occurrence, at a fraction of the cost.
    grams = collections.Counter()
    code = insns = blocks = 0
    # A view, not a slice: slicing the bytes copied the rest of the section
    # for every block (quadratic in the section's size).
    view = memoryview(data)
    for addr, off, size in secs:
        a, end = addr, addr + size
        while a < end:
            o = off + (a - addr)
            try:
                irsb = pyvex.lift(view[o:off + size], a, arch, max_inst=50, max_bytes=800,
                                  opt_level=1)
            except Exception:
                a += align
                continue
            if irsb.size == 0:
                a += align
                continue
            toks = [t for t in map(stmt_token, irsb.statements) if t is not None]
            for n in range(1, n_max + 1):
                grams.update(zip(*(toks[k:] for k in range(n))))
            code += irsb.size
            insns += irsb.instructions
            blocks += 1
            a += irsb.size
    mask = (1 << bits) - 1
    counts = {}
    for g, c in grams.items():
        h = int.from_bytes(hashlib.blake2b(" ; ".join(g).encode(), digest_size=8).digest(),
                           "little") & mask
        counts[h] = counts.get(h, 0) + c
    return code, insns, blocks, counts


def main():
    paths = [l.strip() for l in open(sys.argv[1]) if l.strip()]
    tot_code = tot_cpu = 0.0
    ok = 0
    for p in paths:
        t0 = time.thread_time()
        try:
            code, insns, blocks, counts = features(p)
        except Exception as e:  # report and go on, like vexil does
            print(json.dumps({"path": p, "error": str(e)}))
            continue
        dt = time.thread_time() - t0
        ok += 1
        tot_code += code
        tot_cpu += dt
        print(json.dumps({"path": p, "code_bytes": code, "instructions": insns,
                          "blocks": blocks, "ngrams": len(counts), "cpu_seconds": dt}))
    print(f"pyvex: {ok} binaries, {tot_code / 1e6:.2f} MB code in {tot_cpu:.2f} CPU-s: "
          f"{ok / max(tot_cpu, 1e-9):.2f} binaries/s, {tot_code / 1e6 / max(tot_cpu, 1e-9):.3f} MB code/s",
          file=sys.stderr)


if __name__ == "__main__":
    main()

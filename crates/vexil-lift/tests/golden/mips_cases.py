#!/usr/bin/env python3
"""Writes MIPS golden-test case files (header only) from assembly snippets.

Each case is assembled with Debian's cross binutils (mips-linux-gnu-as for
big-endian, -EL for little-endian, -mips64r2 -mabi=64 for MIPS64, all with
-O0 --no-warn and `.set noreorder` so delay slots stay where written), and a
file `<dir>/<name>.txt` is written with the snippet, address and bytes.
`VEXIL_BLESS=1 cargo test -p vexil-lift --test mips_golden` then appends the
expected IR text. Existing files are left alone unless --force is given.

    python3 crates/vexil-lift/tests/golden/mips_cases.py [--force]
"""
import os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

COMMON = {
    "addu": "addu $v0,$a0,$a1",
    "add_overflow_trap": "add $v0,$a0,$a1",
    "addiu_sp": "addiu $sp,$sp,-32",
    "lui_ori": "lui $t0,0x1234\nori $t0,$t0,0x5678",
    "sll_sra_srl": "sll $t0,$a0,3\nsra $t1,$a0,31\nsrl $t2,$a0,1",
    "rotr_rotrv": "rotr $t0,$a0,8\nrotrv $t1,$a0,$a1",
    "slt_sltu_sltiu": "slt $v0,$a0,$a1\nsltu $v1,$a0,$a1\nsltiu $t0,$a0,-1",
    "mult_mflo_mfhi": "mult $a0,$a1\nmflo $v0\nmfhi $v1",
    "div_teq": "div $zero,$a0,$a1\nteq $a1,$zero,7",
    "madd_msubu": "madd $a0,$a1\nmsubu $a2,$a3",
    "mul": "mul $v0,$a0,$a1",
    "movn_movz": "movn $v0,$a0,$a1\nmovz $v1,$a2,$a3",
    "clz_clo": "clz $v0,$a0\nclo $v1,$a1",
    "ext_ins": "ext $v0,$a0,4,8\nins $v1,$a1,16,8",
    "seb_seh_wsbh": "seb $v0,$a0\nseh $v1,$a1\nwsbh $t0,$a2",
    "loads": "lb $t0,1($a0)\nlbu $t1,2($a0)\nlh $t2,4($a0)\nlhu $t3,6($a0)\nlw $t8,8($a0)",
    "stores": "sb $t0,1($a0)\nsh $t1,2($a0)\nsw $t2,4($a0)",
    "lwl_lwr": "lwl $v0,3($a0)\nlwr $v0,0($a0)",
    "swl_swr": "swl $v0,3($a0)\nswr $v0,0($a0)",
    "ll_sc": "ll $t0,0($a0)\nsc $t1,0($a0)",
    "sync": "sync",
    "beq_delay_slot_reads_before_write": "beq $a0,$a1,1f\naddiu $a0,$a0,1\nnop\n1: nop",
    "bnez_slot": "bnez $v0,1f\nmove $a0,$v0\nnop\n1: nop",
    "beql_annulled_slot": "beql $a0,$zero,1f\naddiu $v0,$v0,1\nnop\n1: nop",
    "bgezal_link_always": "bgezal $a0,1f\nnop\nnop\n1: nop",
    "bal": "bal 1f\nnop\nnop\n1: nop",
    "jal": "jal 0x400100\nnop",
    "jr_ra": "jr $ra\naddiu $sp,$sp,32",
    "jalr_t9": "jalr $t9\nnop",
    "jr_slot_overwrites_target": "jr $t0\nmove $t0,$zero",
    "b_uncond": "b 1f\nnop\nnop\n1: nop",
    "branch_in_delay_slot_sigill": "beq $a0,$a1,1f\nb 1f\nnop\n1: nop",
    "syscall": "li $v0,4001\nsyscall",
    "break_divzero": "break 7",
    "break_plain": "break",
    "tne_trap": "tne $a0,$a1",
    "rdhwr_tls": ".set mips32r2\nrdhwr $v1,$29",
    "fpu_lwc1_swc1": "lwc1 $f0,4($a0)\nswc1 $f2,8($a0)",
    "fpu_ldc1_sdc1": "ldc1 $f0,8($a0)\nsdc1 $f2,16($a0)",
    "fpu_mtc1_mfc1": "mtc1 $a0,$f0\nmfc1 $v0,$f2",
    "fpu_mthc1_mfhc1": "mthc1 $a0,$f0\nmfhc1 $v0,$f2",
    "fpu_add_s_d": "add.s $f0,$f2,$f4\nadd.d $f6,$f8,$f10",
    "fpu_sub_mul_div_d": "sub.d $f0,$f2,$f4\nmul.d $f6,$f8,$f10\ndiv.d $f12,$f14,$f16",
    "fpu_sqrt_abs_neg_mov": "sqrt.d $f0,$f2\nabs.s $f4,$f6\nneg.d $f8,$f10\nmov.d $f12,$f14",
    "fpu_c_lt_d_bc1t": "c.lt.d $f0,$f2\nbc1t 1f\nnop\nnop\n1: nop",
    "fpu_c_ule_s_cc3_bc1fl": "c.ule.s $fcc3,$f0,$f2\nbc1fl $fcc3,1f\nnop\nnop\n1: nop",
    "fpu_cvt": "cvt.d.s $f0,$f2\ncvt.s.d $f4,$f6\ncvt.d.w $f8,$f10\ncvt.w.d $f12,$f14",
    "fpu_trunc_round": "trunc.w.d $f0,$f2\nround.w.s $f4,$f6\nfloor.w.d $f8,$f10\nceil.w.s $f12,$f14",
    "fpu_cfc1_ctc1": "cfc1 $v0,$31\nctc1 $a0,$31",
    "fpu_madd_d": "madd.d $f0,$f2,$f4,$f6",
    "movt_movf": "movt $v0,$a0,$fcc0\nmovf $v1,$a1,$fcc2",
}

MIPS64 = {
    "daddu_dsubu": "daddu $v0,$a0,$a1\ndsubu $v1,$a0,$a1",
    "dadd_overflow_trap": "dadd $v0,$a0,$a1",
    "addu_sign_extends": "addu $v0,$a0,$a1",
    "addiu_sign_extends": "addiu $v0,$a0,1",
    "sll_sign_extends": "sll $v0,$a0,4",
    "srl_sign_extends": "srl $v0,$a0,4",
    "sllv_srav_32bit": "sllv $v0,$a0,$a1\nsrav $v1,$a0,$a1",
    "dsll_dsrl32_dsra": "dsll $v0,$a0,4\ndsrl32 $v1,$a0,4\ndsra $t0,$a0,63",
    "dsllv_drotr": "dsllv $v0,$a0,$a1\ndrotr $v1,$a0,12\ndrotr32 $t0,$a0,4",
    "lw_lwu_ld": "lw $t0,0($a0)\nlwu $t1,4($a0)\nld $t2,8($a0)",
    "sd": "sd $t0,8($a0)",
    "ldl_ldr": "ldl $v0,7($a0)\nldr $v0,0($a0)",
    "sdl_sdr": "sdl $v0,7($a0)\nsdr $v0,0($a0)",
    "lld_scd": "lld $t0,0($a0)\nscd $t1,0($a0)",
    "mult_sign_extends_hilo": "mult $a0,$a1",
    "dmult_ddivu": "dmult $a0,$a1\nddivu $zero,$a2,$a3",
    "dext_dins": "dext $v0,$a0,4,40\ndins $v1,$a1,8,16",
    "dextu_dinsm": "dextu $v0,$a0,36,8\ndinsm $v1,$a1,8,40",
    "dsbh_dshd": "dsbh $v0,$a0\ndshd $v1,$a1",
    "dclz": "dclz $v0,$a0",
    "jal_64": "jal 0x120000100\nnop",
    "fpu_dmtc1_dmfc1": "dmtc1 $a0,$f1\ndmfc1 $v0,$f3",
    "fpu_ldc1_odd": "ldc1 $f1,8($a0)\nadd.d $f3,$f1,$f5",
    "fpu_cvt_l": "cvt.l.d $f0,$f2\ncvt.d.l $f4,$f6\ntrunc.l.s $f8,$f10",
    "slt_64": "slt $v0,$a0,$a1",
    "lui_64": "lui $v0,0x8000",
}

TARGETS = [
    ("mips32", "mips-linux-gnu-as", ["-EL", "-march=mips32r2", "-mabi=32", "-mfp32"], 0x400000, COMMON),
    ("mips32be", "mips-linux-gnu-as", ["-EB", "-march=mips32r2", "-mabi=32", "-mfp32"], 0x400000, COMMON),
    ("mips64", "mips64el-linux-gnuabi64-as", ["-EL", "-march=mips64r2", "-mabi=64"], 0x120000000, {**COMMON, **MIPS64}),
]


def assemble(asm_bin, flags, src, addr):
    with tempfile.TemporaryDirectory() as d:
        s = os.path.join(d, "a.s")
        o = os.path.join(d, "a.o")
        b = os.path.join(d, "a.bin")
        with open(s, "w") as f:
            f.write(".set noreorder\n.set noat\n.text\n" + src + "\n")
        subprocess.run([asm_bin, *flags, "-o", o, s], check=True)
        objcopy = asm_bin.replace("-as", "-objcopy")
        subprocess.run([objcopy, "-O", "binary", "-j", ".text", o, b], check=True)
        return open(b, "rb").read()


def main():
    force = "--force" in sys.argv
    for d, asm_bin, flags, addr, cases in TARGETS:
        os.makedirs(os.path.join(HERE, d), exist_ok=True)
        for name, src in cases.items():
            if d == "mips64" and "mthc1" in src:
                pass
            path = os.path.join(HERE, d, name + ".txt")
            if os.path.exists(path) and not force:
                continue
            if d == "mips64" and "jal 0x400100" in src:
                src = src.replace("0x400100", "0x120000100")
            code = assemble(asm_bin, flags, src, addr)
            with open(path, "w") as f:
                for line in src.splitlines():
                    f.write("# " + line + "\n")
                f.write(f"addr: {addr:#x}\n")
                f.write("bytes: " + " ".join(f"{b:02x}" for b in code) + "\n")


if __name__ == "__main__":
    main()

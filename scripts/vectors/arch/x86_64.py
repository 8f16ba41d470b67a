"""x86-64 vectors: the example module, integer add/sub/adc and two exits.

Register names are vexil's (what the x86-64 guest's read_reg/write_reg
accept); `rflags` is the derived register the lifter computes from its
flag thunk. The status flags CF PF AF ZF SF OF are bits 0x8d5; the
x86-64 lifter engineer extends SPECS.
"""

from unicorn import UC_ARCH_X86, UC_MODE_64, UC_HOOK_INSN
from unicorn import x86_const as X

from vexgen.core import Spec

NAME = "x86_64"
ARCH = "x86_64"
ENDIAN = "little"
UC_ARCH = UC_ARCH_X86
UC_MODE = UC_MODE_64
CODE_ADDR = 0x400000
PC = X.UC_X86_REG_RIP
ASSEMBLER = ["as", "--64"]
ASM_PRELUDE = ".intel_syntax noprefix\n"
MAPS = [(0x7FFF0000, 0x10000, "rw")]

_GPRS = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
         "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
REGS = {n: getattr(X, f"UC_X86_REG_{n.upper()}") for n in _GPRS}
REGS["rip"] = X.UC_X86_REG_RIP
REGS["rflags"] = X.UC_X86_REG_RFLAGS
REG_BITS = {}

STATUS = 0x8D5  # CF PF AF ZF SF OF


def _flags(rng, name, bits):
    """Random status flags for `rflags` inputs (bit 1 is always set)."""
    if name != "rflags":
        return None
    return 0x2 | (rng.getrandbits(12) & STATUS)


def exit_for_interrupt(uc, intno):
    # #DE (divide error) is a fault: rip stays on the instruction.
    if intno == 0:
        return "SigFPE_IntDiv", uc.reg_read(PC)
    return f"interrupt {intno}", uc.reg_read(PC)


def hooks(uc, stop):
    def on_syscall(uc, _ud):
        # VEX ends the block with Ijk_Sys_syscall to the next instruction.
        stop("Sys_syscall", uc.reg_read(PC) + 2)

    uc.hook_add(UC_HOOK_INSN, on_syscall, None, 1, 0, X.UC_X86_INS_SYSCALL)


def _arith(op, width):
    regs = {64: ("rax", "rcx"), 32: ("eax", "ecx"), 16: ("ax", "cx"), 8: ("al", "cl")}[width]
    return Spec(
        asm=f"{op} {regs[0]}, {regs[1]}",
        inputs=["rax", "rcx"],
        outputs=["rax", "rcx", "rflags"],
        masks={"rflags": STATUS},
    )


SPECS = [
    *[_arith(op, w) for op in ("add", "sub") for w in (64, 32, 16, 8)],
    # adc/sbb read CF: rflags is an input too.
    Spec(asm="adc rax, rcx", inputs=["rax", "rcx", "rflags"], outputs=["rax", "rflags"],
         masks={"rflags": STATUS}, value=_flags),
    Spec(asm="sbb eax, ecx", inputs=["rax", "rcx", "rflags"], outputs=["rax", "rflags"],
         masks={"rflags": STATUS}, value=_flags),
    # Two instructions in one case, through memory.
    Spec(asm="add [rsp], rcx\nmov rax, [rsp]", inputs=["rcx"], fixed={"rsp": 0x7FFF8000},
         outputs=["rax"], mem=[(0x7FFF8000, 8)]),
    # Exits: divide by zero traps; syscall leaves to the kernel.
    Spec(asm="div ecx", inputs=["rax"], fixed={"rcx": 0, "rdx": 0}, outputs=[], count=2),
    Spec(asm="syscall", outputs=[], count=1),
]

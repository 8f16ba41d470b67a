//! The MIPS32/MIPS64 release 2 decoder: opcode tables as data.
//!
//! The encoding is regular: a 6-bit primary opcode, and for the groups
//! (SPECIAL, REGIMM, SPECIAL2, SPECIAL3, COP1, COP1X) a second field that
//! indexes one more 64- or 32-entry table. Each table is a `const` array
//! built from a list of `(index, Opc)` pairs, so decoding is two array loads
//! and a few field checks, with no allocation. Operand fields are read from
//! the raw word on demand ([`Insn`]'s accessors).
//!
//! Byte order does not matter here: the caller assembles the 32-bit word in
//! the guest's endianness, and the same tables serve both.

/// Operand layout of an instruction, for disassembly and for the lifter's
/// dispatch of families that share a shape.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// No operands (`syscall`, `sync`, `nop`).
    None,
    /// `rd, rs, rt`.
    RdRsRt,
    /// `rd, rt, rs` (variable shifts).
    RdRtRs,
    /// `rd, rt, sa`.
    RdRtSa,
    /// `rt, rs, simm16`.
    RtRsSimm,
    /// `rt, rs, uimm16` (logical immediates).
    RtRsUimm,
    /// `rt, uimm16` (`lui`).
    RtImm,
    /// `rs, rt, branch target`.
    RsRtOff,
    /// `rs, branch target`.
    RsOff,
    /// Jump region target (`j`, `jal`).
    Target,
    /// `rs` (`jr`, `mthi`).
    Rs,
    /// `rd` (`mfhi`).
    Rd,
    /// `rd, rs` (`jalr`, `clz`).
    RdRs,
    /// `rs, rt` (`mult`, `div`).
    RsRt,
    /// `rs, rt, code` (conditional traps).
    RsRtCode,
    /// `rs, simm16` (trap immediates).
    RsSimm,
    /// `rt, offset(base)`.
    RtMem,
    /// `ft, offset(base)` (FPU loads and stores).
    FtMem,
    /// `hint, offset(base)` (`pref`, `synci` uses `offset(base)`).
    HintMem,
    /// `code` (`break`).
    Code,
    /// `rd, rt` (`wsbh`, `seb`, `seh`).
    RdRt,
    /// `rt, rd` (`rdhwr`).
    RtRdHw,
    /// `rt, rs, pos, size` (`ext`/`ins` family).
    BitField,
    /// `rd, rs, cc` (`movf`/`movt`).
    RdRsCc,
    /// `rt, fs` (moves between GPRs and FPRs, `cfc1`/`ctc1`).
    RtFs,
    /// `cc, branch target` (`bc1t`).
    CcOff,
    /// `fd, fs, ft`.
    FdFsFt,
    /// `fd, fs`.
    FdFs,
    /// `fd, fs, cc` (`movf.fmt`).
    FdFsCc,
    /// `fd, fs, rt` (`movz.fmt`).
    FdFsRt,
    /// `cc, fs, ft` (`c.cond.fmt`).
    CcFsFt,
    /// `fd, fr, fs, ft` (`madd.fmt`).
    FdFrFsFt,
    /// `fd, index(base)` (`lwxc1`: `fd`; `swxc1`: `fs`).
    FIdx,
}

/// Instruction flags.
pub mod flag {
    /// MIPS64 only (reserved instruction in MIPS32 mode).
    pub const D: u8 = 1;
    /// Ends the block or transfers control (branch, jump, syscall, break).
    pub const CTI: u8 = 2;
    /// Has a delay slot.
    pub const DS: u8 = 4;
    /// The mnemonic takes a `.fmt` suffix from the instruction's fmt field.
    pub const F: u8 = 8;
}

macro_rules! mips_ops {
    ($($v:ident $name:literal $form:ident $flags:expr;)*) => {
        /// A decoded operation. `Invalid` is the reserved-instruction slot.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Opc { Invalid, $($v,)* }

        impl Opc {
            /// The base mnemonic (without any `.fmt` suffix).
            pub const fn name(self) -> &'static str {
                match self { Opc::Invalid => "invalid", $(Opc::$v => $name,)* }
            }
            /// The operand layout.
            pub const fn form(self) -> Form {
                match self { Opc::Invalid => Form::None, $(Opc::$v => Form::$form,)* }
            }
            /// Flags (see [`flag`]). Always inlined: it is a table lookup,
            /// read for every instruction decoded and lifted, which the
            /// compiler kept out of line (the match has a case per opcode).
            #[inline(always)]
            pub const fn flags(self) -> u8 {
                match self { Opc::Invalid => 0, $(Opc::$v => $flags,)* }
            }
        }
    };
}

use flag::{CTI, D, DS, F};

mips_ops! {
    // ---- SPECIAL ----
    Sll "sll" RdRtSa 0;
    Movci "movf" RdRsCc 0;
    Srl "srl" RdRtSa 0;
    Rotr "rotr" RdRtSa 0;
    Sra "sra" RdRtSa 0;
    Sllv "sllv" RdRtRs 0;
    Srlv "srlv" RdRtRs 0;
    Rotrv "rotrv" RdRtRs 0;
    Srav "srav" RdRtRs 0;
    Jr "jr" Rs CTI | DS;
    Jalr "jalr" RdRs CTI | DS;
    Movz "movz" RdRsRt 0;
    Movn "movn" RdRsRt 0;
    Syscall "syscall" Code CTI;
    Break "break" Code CTI;
    Sync "sync" None 0;
    Mfhi "mfhi" Rd 0;
    Mthi "mthi" Rs 0;
    Mflo "mflo" Rd 0;
    Mtlo "mtlo" Rs 0;
    Dsllv "dsllv" RdRtRs D;
    Dsrlv "dsrlv" RdRtRs D;
    Drotrv "drotrv" RdRtRs D;
    Dsrav "dsrav" RdRtRs D;
    Mult "mult" RsRt 0;
    Multu "multu" RsRt 0;
    Div "div" RsRt 0;
    Divu "divu" RsRt 0;
    Dmult "dmult" RsRt D;
    Dmultu "dmultu" RsRt D;
    Ddiv "ddiv" RsRt D;
    Ddivu "ddivu" RsRt D;
    Add "add" RdRsRt 0;
    Addu "addu" RdRsRt 0;
    Sub "sub" RdRsRt 0;
    Subu "subu" RdRsRt 0;
    And "and" RdRsRt 0;
    Or "or" RdRsRt 0;
    Xor "xor" RdRsRt 0;
    Nor "nor" RdRsRt 0;
    Slt "slt" RdRsRt 0;
    Sltu "sltu" RdRsRt 0;
    Dadd "dadd" RdRsRt D;
    Daddu "daddu" RdRsRt D;
    Dsub "dsub" RdRsRt D;
    Dsubu "dsubu" RdRsRt D;
    Tge "tge" RsRtCode 0;
    Tgeu "tgeu" RsRtCode 0;
    Tlt "tlt" RsRtCode 0;
    Tltu "tltu" RsRtCode 0;
    Teq "teq" RsRtCode 0;
    Tne "tne" RsRtCode 0;
    Dsll "dsll" RdRtSa D;
    Dsrl "dsrl" RdRtSa D;
    Drotr "drotr" RdRtSa D;
    Dsra "dsra" RdRtSa D;
    Dsll32 "dsll32" RdRtSa D;
    Dsrl32 "dsrl32" RdRtSa D;
    Drotr32 "drotr32" RdRtSa D;
    Dsra32 "dsra32" RdRtSa D;
    // ---- REGIMM ----
    Bltz "bltz" RsOff CTI | DS;
    Bgez "bgez" RsOff CTI | DS;
    Bltzl "bltzl" RsOff CTI | DS;
    Bgezl "bgezl" RsOff CTI | DS;
    Tgei "tgei" RsSimm 0;
    Tgeiu "tgeiu" RsSimm 0;
    Tlti "tlti" RsSimm 0;
    Tltiu "tltiu" RsSimm 0;
    Teqi "teqi" RsSimm 0;
    Tnei "tnei" RsSimm 0;
    Bltzal "bltzal" RsOff CTI | DS;
    Bgezal "bgezal" RsOff CTI | DS;
    Bltzall "bltzall" RsOff CTI | DS;
    Bgezall "bgezall" RsOff CTI | DS;
    Synci "synci" HintMem 0;
    // ---- primary ----
    J "j" Target CTI | DS;
    Jal "jal" Target CTI | DS;
    Beq "beq" RsRtOff CTI | DS;
    Bne "bne" RsRtOff CTI | DS;
    Blez "blez" RsOff CTI | DS;
    Bgtz "bgtz" RsOff CTI | DS;
    Addi "addi" RtRsSimm 0;
    Addiu "addiu" RtRsSimm 0;
    Slti "slti" RtRsSimm 0;
    Sltiu "sltiu" RtRsSimm 0;
    Andi "andi" RtRsUimm 0;
    Ori "ori" RtRsUimm 0;
    Xori "xori" RtRsUimm 0;
    Lui "lui" RtImm 0;
    Beql "beql" RsRtOff CTI | DS;
    Bnel "bnel" RsRtOff CTI | DS;
    Blezl "blezl" RsOff CTI | DS;
    Bgtzl "bgtzl" RsOff CTI | DS;
    Daddi "daddi" RtRsSimm D;
    Daddiu "daddiu" RtRsSimm D;
    Ldl "ldl" RtMem D;
    Ldr "ldr" RtMem D;
    Lb "lb" RtMem 0;
    Lh "lh" RtMem 0;
    Lwl "lwl" RtMem 0;
    Lw "lw" RtMem 0;
    Lbu "lbu" RtMem 0;
    Lhu "lhu" RtMem 0;
    Lwr "lwr" RtMem 0;
    Lwu "lwu" RtMem D;
    Sb "sb" RtMem 0;
    Sh "sh" RtMem 0;
    Swl "swl" RtMem 0;
    Sw "sw" RtMem 0;
    Sdl "sdl" RtMem D;
    Sdr "sdr" RtMem D;
    Swr "swr" RtMem 0;
    Ll "ll" RtMem 0;
    Lwc1 "lwc1" FtMem 0;
    Pref "pref" HintMem 0;
    Lld "lld" RtMem D;
    Ldc1 "ldc1" FtMem 0;
    Ld "ld" RtMem D;
    Sc "sc" RtMem 0;
    Swc1 "swc1" FtMem 0;
    Scd "scd" RtMem D;
    Sdc1 "sdc1" FtMem 0;
    Sd "sd" RtMem D;
    // ---- SPECIAL2 ----
    Madd "madd" RsRt 0;
    Maddu "maddu" RsRt 0;
    Mul "mul" RdRsRt 0;
    Msub "msub" RsRt 0;
    Msubu "msubu" RsRt 0;
    Clz "clz" RdRs 0;
    Clo "clo" RdRs 0;
    Dclz "dclz" RdRs D;
    Dclo "dclo" RdRs D;
    // ---- SPECIAL3 ----
    Ext "ext" BitField 0;
    Dextm "dextm" BitField D;
    Dextu "dextu" BitField D;
    Dext "dext" BitField D;
    Ins "ins" BitField 0;
    Dinsm "dinsm" BitField D;
    Dinsu "dinsu" BitField D;
    Dins "dins" BitField D;
    Wsbh "wsbh" RdRt 0;
    Seb "seb" RdRt 0;
    Seh "seh" RdRt 0;
    Dsbh "dsbh" RdRt D;
    Dshd "dshd" RdRt D;
    Rdhwr "rdhwr" RtRdHw 0;
    // ---- COP1 moves and branches ----
    Mfc1 "mfc1" RtFs 0;
    Dmfc1 "dmfc1" RtFs D;
    Cfc1 "cfc1" RtFs 0;
    Mfhc1 "mfhc1" RtFs 0;
    Mtc1 "mtc1" RtFs 0;
    Dmtc1 "dmtc1" RtFs D;
    Ctc1 "ctc1" RtFs 0;
    Mthc1 "mthc1" RtFs 0;
    Bc1f "bc1f" CcOff CTI | DS;
    Bc1t "bc1t" CcOff CTI | DS;
    Bc1fl "bc1fl" CcOff CTI | DS;
    Bc1tl "bc1tl" CcOff CTI | DS;
    // ---- COP1 arithmetic (fmt S and D) ----
    FAdd "add" FdFsFt F;
    FSub "sub" FdFsFt F;
    FMul "mul" FdFsFt F;
    FDiv "div" FdFsFt F;
    FSqrt "sqrt" FdFs F;
    FAbs "abs" FdFs F;
    FMov "mov" FdFs F;
    FNeg "neg" FdFs F;
    RoundL "round.l" FdFs F;
    TruncL "trunc.l" FdFs F;
    CeilL "ceil.l" FdFs F;
    FloorL "floor.l" FdFs F;
    RoundW "round.w" FdFs F;
    TruncW "trunc.w" FdFs F;
    CeilW "ceil.w" FdFs F;
    FloorW "floor.w" FdFs F;
    FMovcf "movf" FdFsCc F;
    FMovz "movz" FdFsRt F;
    FMovn "movn" FdFsRt F;
    Recip "recip" FdFs F;
    Rsqrt "rsqrt" FdFs F;
    CvtS "cvt.s" FdFs F;
    CvtD "cvt.d" FdFs F;
    CvtW "cvt.w" FdFs F;
    CvtL "cvt.l" FdFs F;
    FCmp "c" CcFsFt F;
    // ---- COP1X ----
    Lwxc1 "lwxc1" FIdx 0;
    Ldxc1 "ldxc1" FIdx 0;
    Swxc1 "swxc1" FIdx 0;
    Sdxc1 "sdxc1" FIdx 0;
    Prefx "prefx" FIdx 0;
    Madd_ "madd" FdFrFsFt F;
    Msub_ "msub" FdFrFsFt F;
    Nmadd "nmadd" FdFrFsFt F;
    Nmsub "nmsub" FdFrFsFt F;
}

const fn table<const N: usize>(entries: &[(usize, Opc)]) -> [Opc; N] {
    let mut t = [Opc::Invalid; N];
    let mut i = 0;
    while i < entries.len() {
        t[entries[i].0] = entries[i].1;
        i += 1;
    }
    t
}

static PRIMARY: [Opc; 64] = table(&[
    (0x02, Opc::J),
    (0x03, Opc::Jal),
    (0x04, Opc::Beq),
    (0x05, Opc::Bne),
    (0x06, Opc::Blez),
    (0x07, Opc::Bgtz),
    (0x08, Opc::Addi),
    (0x09, Opc::Addiu),
    (0x0a, Opc::Slti),
    (0x0b, Opc::Sltiu),
    (0x0c, Opc::Andi),
    (0x0d, Opc::Ori),
    (0x0e, Opc::Xori),
    (0x0f, Opc::Lui),
    (0x14, Opc::Beql),
    (0x15, Opc::Bnel),
    (0x16, Opc::Blezl),
    (0x17, Opc::Bgtzl),
    (0x18, Opc::Daddi),
    (0x19, Opc::Daddiu),
    (0x1a, Opc::Ldl),
    (0x1b, Opc::Ldr),
    (0x20, Opc::Lb),
    (0x21, Opc::Lh),
    (0x22, Opc::Lwl),
    (0x23, Opc::Lw),
    (0x24, Opc::Lbu),
    (0x25, Opc::Lhu),
    (0x26, Opc::Lwr),
    (0x27, Opc::Lwu),
    (0x28, Opc::Sb),
    (0x29, Opc::Sh),
    (0x2a, Opc::Swl),
    (0x2b, Opc::Sw),
    (0x2c, Opc::Sdl),
    (0x2d, Opc::Sdr),
    (0x2e, Opc::Swr),
    (0x30, Opc::Ll),
    (0x31, Opc::Lwc1),
    (0x33, Opc::Pref),
    (0x34, Opc::Lld),
    (0x35, Opc::Ldc1),
    (0x37, Opc::Ld),
    (0x38, Opc::Sc),
    (0x39, Opc::Swc1),
    (0x3c, Opc::Scd),
    (0x3d, Opc::Sdc1),
    (0x3f, Opc::Sd),
]);

static SPECIAL: [Opc; 64] = table(&[
    (0x00, Opc::Sll),
    (0x01, Opc::Movci),
    (0x02, Opc::Srl),
    (0x03, Opc::Sra),
    (0x04, Opc::Sllv),
    (0x06, Opc::Srlv),
    (0x07, Opc::Srav),
    (0x08, Opc::Jr),
    (0x09, Opc::Jalr),
    (0x0a, Opc::Movz),
    (0x0b, Opc::Movn),
    (0x0c, Opc::Syscall),
    (0x0d, Opc::Break),
    (0x0f, Opc::Sync),
    (0x10, Opc::Mfhi),
    (0x11, Opc::Mthi),
    (0x12, Opc::Mflo),
    (0x13, Opc::Mtlo),
    (0x14, Opc::Dsllv),
    (0x16, Opc::Dsrlv),
    (0x17, Opc::Dsrav),
    (0x18, Opc::Mult),
    (0x19, Opc::Multu),
    (0x1a, Opc::Div),
    (0x1b, Opc::Divu),
    (0x1c, Opc::Dmult),
    (0x1d, Opc::Dmultu),
    (0x1e, Opc::Ddiv),
    (0x1f, Opc::Ddivu),
    (0x20, Opc::Add),
    (0x21, Opc::Addu),
    (0x22, Opc::Sub),
    (0x23, Opc::Subu),
    (0x24, Opc::And),
    (0x25, Opc::Or),
    (0x26, Opc::Xor),
    (0x27, Opc::Nor),
    (0x2a, Opc::Slt),
    (0x2b, Opc::Sltu),
    (0x2c, Opc::Dadd),
    (0x2d, Opc::Daddu),
    (0x2e, Opc::Dsub),
    (0x2f, Opc::Dsubu),
    (0x30, Opc::Tge),
    (0x31, Opc::Tgeu),
    (0x32, Opc::Tlt),
    (0x33, Opc::Tltu),
    (0x34, Opc::Teq),
    (0x36, Opc::Tne),
    (0x38, Opc::Dsll),
    (0x3a, Opc::Dsrl),
    (0x3b, Opc::Dsra),
    (0x3c, Opc::Dsll32),
    (0x3e, Opc::Dsrl32),
    (0x3f, Opc::Dsra32),
]);

static REGIMM: [Opc; 32] = table(&[
    (0x00, Opc::Bltz),
    (0x01, Opc::Bgez),
    (0x02, Opc::Bltzl),
    (0x03, Opc::Bgezl),
    (0x08, Opc::Tgei),
    (0x09, Opc::Tgeiu),
    (0x0a, Opc::Tlti),
    (0x0b, Opc::Tltiu),
    (0x0c, Opc::Teqi),
    (0x0e, Opc::Tnei),
    (0x10, Opc::Bltzal),
    (0x11, Opc::Bgezal),
    (0x12, Opc::Bltzall),
    (0x13, Opc::Bgezall),
    (0x1f, Opc::Synci),
]);

static SPECIAL2: [Opc; 64] = table(&[
    (0x00, Opc::Madd),
    (0x01, Opc::Maddu),
    (0x02, Opc::Mul),
    (0x04, Opc::Msub),
    (0x05, Opc::Msubu),
    (0x20, Opc::Clz),
    (0x21, Opc::Clo),
    (0x24, Opc::Dclz),
    (0x25, Opc::Dclo),
]);

static SPECIAL3: [Opc; 64] = table(&[
    (0x00, Opc::Ext),
    (0x01, Opc::Dextm),
    (0x02, Opc::Dextu),
    (0x03, Opc::Dext),
    (0x04, Opc::Ins),
    (0x05, Opc::Dinsm),
    (0x06, Opc::Dinsu),
    (0x07, Opc::Dins),
    (0x3b, Opc::Rdhwr),
]);

/// BSHFL (SPECIAL3 funct 0x20), indexed by the `sa` field.
static BSHFL: [Opc; 32] = table(&[(0x02, Opc::Wsbh), (0x10, Opc::Seb), (0x18, Opc::Seh)]);

/// DBSHFL (SPECIAL3 funct 0x24), indexed by the `sa` field.
static DBSHFL: [Opc; 32] = table(&[(0x02, Opc::Dsbh), (0x05, Opc::Dshd)]);

/// COP1 indexed by the `rs` (fmt) field, for the non-arithmetic rows.
static COP1_RS: [Opc; 32] = table(&[
    (0x00, Opc::Mfc1),
    (0x01, Opc::Dmfc1),
    (0x02, Opc::Cfc1),
    (0x03, Opc::Mfhc1),
    (0x04, Opc::Mtc1),
    (0x05, Opc::Dmtc1),
    (0x06, Opc::Ctc1),
    (0x07, Opc::Mthc1),
]);

/// COP1 arithmetic for fmt S and D, indexed by funct (0x30..0x3f are `c.cond`).
static COP1_SD: [Opc; 64] = {
    let mut t = table(&[
        (0x00, Opc::FAdd),
        (0x01, Opc::FSub),
        (0x02, Opc::FMul),
        (0x03, Opc::FDiv),
        (0x04, Opc::FSqrt),
        (0x05, Opc::FAbs),
        (0x06, Opc::FMov),
        (0x07, Opc::FNeg),
        (0x08, Opc::RoundL),
        (0x09, Opc::TruncL),
        (0x0a, Opc::CeilL),
        (0x0b, Opc::FloorL),
        (0x0c, Opc::RoundW),
        (0x0d, Opc::TruncW),
        (0x0e, Opc::CeilW),
        (0x0f, Opc::FloorW),
        (0x11, Opc::FMovcf),
        (0x12, Opc::FMovz),
        (0x13, Opc::FMovn),
        (0x15, Opc::Recip),
        (0x16, Opc::Rsqrt),
        (0x20, Opc::CvtS),
        (0x21, Opc::CvtD),
        (0x24, Opc::CvtW),
        (0x25, Opc::CvtL),
    ]);
    let mut i = 0x30;
    while i < 0x40 {
        t[i] = Opc::FCmp;
        i += 1;
    }
    t
};

/// COP1 for fmt W and L: only conversions.
static COP1_WL: [Opc; 64] = table(&[(0x20, Opc::CvtS), (0x21, Opc::CvtD)]);

static COP1X: [Opc; 64] = table(&[
    (0x00, Opc::Lwxc1),
    (0x01, Opc::Ldxc1),
    (0x08, Opc::Swxc1),
    (0x09, Opc::Sdxc1),
    (0x0f, Opc::Prefx),
    (0x20, Opc::Madd_),
    (0x21, Opc::Madd_),
    (0x28, Opc::Msub_),
    (0x29, Opc::Msub_),
    (0x30, Opc::Nmadd),
    (0x31, Opc::Nmadd),
    (0x38, Opc::Nmsub),
    (0x39, Opc::Nmsub),
]);

/// FPU operand formats (the `fmt` field of COP1 arithmetic).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fmt {
    /// Single precision.
    S,
    /// Double precision.
    D,
    /// 32-bit integer.
    W,
    /// 64-bit integer.
    L,
}

impl Fmt {
    /// The mnemonic suffix letter.
    pub const fn suffix(self) -> &'static str {
        match self {
            Fmt::S => "s",
            Fmt::D => "d",
            Fmt::W => "w",
            Fmt::L => "l",
        }
    }
}

/// The condition names of `c.cond.fmt`, indexed by `funct & 15`.
pub const FCOND_NAMES: [&str; 16] = [
    "c.f", "c.un", "c.eq", "c.ueq", "c.olt", "c.ult", "c.ole", "c.ule", "c.sf", "c.ngle", "c.seq",
    "c.ngl", "c.lt", "c.nge", "c.le", "c.ngt",
];

/// One decoded instruction: the operation and the raw word its fields come from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Insn {
    /// The operation.
    pub op: Opc,
    /// The instruction word.
    pub raw: u32,
}

// Field extraction: every field is masked to its width, so the casts below
// cannot lose information.
#[allow(clippy::cast_possible_truncation)]
const fn field(w: u32, shift: u32, bits: u32) -> u8 {
    ((w >> shift) & ((1 << bits) - 1)) as u8
}

impl Insn {
    /// Bits 21..25.
    pub const fn rs(self) -> u8 {
        field(self.raw, 21, 5)
    }
    /// Bits 16..20.
    pub const fn rt(self) -> u8 {
        field(self.raw, 16, 5)
    }
    /// Bits 11..15.
    pub const fn rd(self) -> u8 {
        field(self.raw, 11, 5)
    }
    /// Bits 6..10.
    pub const fn sa(self) -> u8 {
        field(self.raw, 6, 5)
    }
    /// Low 6 bits.
    pub const fn funct(self) -> u8 {
        field(self.raw, 0, 6)
    }
    /// The 16-bit immediate, zero-extended.
    pub const fn uimm(self) -> u32 {
        self.raw & 0xffff
    }
    /// The 16-bit immediate, sign-extended.
    pub const fn simm(self) -> i64 {
        super::bits::sext16(self.raw)
    }
    /// The 26-bit jump index.
    pub const fn index(self) -> u32 {
        self.raw & 0x03ff_ffff
    }
    /// FPU `ft` (same bits as `rt`).
    pub const fn ft(self) -> u8 {
        self.rt()
    }
    /// FPU `fs` (same bits as `rd`).
    pub const fn fs(self) -> u8 {
        self.rd()
    }
    /// FPU `fd` (same bits as `sa`).
    pub const fn fd(self) -> u8 {
        self.sa()
    }
    /// COP1X `fr` (same bits as `rs`).
    pub const fn fr(self) -> u8 {
        self.rs()
    }
    /// Condition-code number of `bc1*`, `movf`/`movt` (bits 18..20).
    pub const fn cc_hi(self) -> u8 {
        field(self.raw, 18, 3)
    }
    /// Condition-code number written by `c.cond.fmt` (bits 8..10).
    pub const fn cc_lo(self) -> u8 {
        field(self.raw, 8, 3)
    }
    /// True/false selector bit 16 (`bc1t`, `movt`).
    pub const fn tf(self) -> bool {
        self.raw & (1 << 16) != 0
    }
    /// Trap code of the register traps (bits 6..15).
    pub const fn trap_code(self) -> u32 {
        (self.raw >> 6) & 0x3ff
    }
    /// Code of `break`/`syscall` (bits 6..25).
    pub const fn code20(self) -> u32 {
        (self.raw >> 6) & 0xf_ffff
    }
    /// The FPU format of a COP1 arithmetic instruction, or of a COP1X
    /// arithmetic one (low 3 bits of funct).
    pub const fn fmt(self) -> Option<Fmt> {
        if (self.raw >> 26) == 0x13 {
            return match self.raw & 7 {
                0 => Some(Fmt::S),
                1 => Some(Fmt::D),
                _ => None,
            };
        }
        match self.rs() {
            16 => Some(Fmt::S),
            17 => Some(Fmt::D),
            20 => Some(Fmt::W),
            21 => Some(Fmt::L),
            _ => None,
        }
    }
    /// The full mnemonic (`add.d`, `c.ult.s`, `movt`, `nop`-free: aliases are
    /// not applied).
    pub fn mnemonic(self) -> String {
        let base = match self.op {
            Opc::FCmp => FCOND_NAMES[usize::from(self.funct() & 15)],
            Opc::Movci if self.tf() => "movt",
            Opc::FMovcf if self.tf() => "movt",
            o => o.name(),
        };
        if self.op.flags() & F != 0 {
            let mut s = String::with_capacity(base.len() + 4);
            s.push_str(base);
            if let Some(f) = self.fmt() {
                s.push('.');
                s.push_str(f.suffix());
            }
            s
        } else {
            base.to_string()
        }
    }
}

/// Decodes one instruction word. `is64` selects MIPS64 (otherwise the
/// MIPS64-only operations are reserved instructions).
pub fn decode(w: u32, is64: bool) -> Option<Insn> {
    let i = Insn {
        op: Opc::Invalid,
        raw: w,
    };
    let funct = usize::from(i.funct());
    let op = match w >> 26 {
        0x00 => match SPECIAL[funct] {
            // R2 rotates reuse bit 21 (srl) / bit 6 (srlv) of the shift encodings.
            Opc::Srl if i.rs() == 1 => Opc::Rotr,
            Opc::Srl if i.rs() != 0 => Opc::Invalid,
            Opc::Srlv if i.sa() == 1 => Opc::Rotrv,
            Opc::Srlv if i.sa() != 0 => Opc::Invalid,
            Opc::Dsrl if i.rs() == 1 => Opc::Drotr,
            Opc::Dsrl if i.rs() != 0 => Opc::Invalid,
            Opc::Dsrl32 if i.rs() == 1 => Opc::Drotr32,
            Opc::Dsrl32 if i.rs() != 0 => Opc::Invalid,
            Opc::Dsrlv if i.sa() == 1 => Opc::Drotrv,
            Opc::Dsrlv if i.sa() != 0 => Opc::Invalid,
            Opc::Sll | Opc::Sra | Opc::Dsll | Opc::Dsll32 | Opc::Dsra | Opc::Dsra32
                if i.rs() != 0 =>
            {
                Opc::Invalid
            }
            Opc::Movci if w & (1 << 17) != 0 || i.sa() != 0 => Opc::Invalid,
            o => o,
        },
        0x01 => REGIMM[usize::from(i.rt())],
        0x11 => match i.rs() {
            r @ 0..=7 => COP1_RS[usize::from(r)],
            8 => match (w >> 16) & 3 {
                0 => Opc::Bc1f,
                1 => Opc::Bc1t,
                2 => Opc::Bc1fl,
                _ => Opc::Bc1tl,
            },
            16 | 17 => match COP1_SD[funct] {
                Opc::CvtS if i.rs() == 16 => Opc::Invalid,
                Opc::CvtD if i.rs() == 17 => Opc::Invalid,
                // c.cond.fmt has fd's low two bits zero.
                Opc::FCmp if w & 0xc0 != 0 => Opc::Invalid,
                Opc::FMovcf if w & (1 << 17) != 0 => Opc::Invalid,
                o => o,
            },
            20 | 21 => COP1_WL[funct],
            _ => Opc::Invalid,
        },
        0x13 => match COP1X[funct] {
            o @ (Opc::Madd_ | Opc::Msub_ | Opc::Nmadd | Opc::Nmsub) => o,
            o @ (Opc::Lwxc1 | Opc::Ldxc1) if i.rd() == 0 => o,
            o @ (Opc::Swxc1 | Opc::Sdxc1) if i.fd() == 0 => o,
            o @ Opc::Prefx if i.fd() == 0 => o,
            _ => Opc::Invalid,
        },
        0x1c => SPECIAL2[funct],
        0x1f => match funct {
            0x20 => BSHFL[usize::from(i.sa())],
            0x24 => DBSHFL[usize::from(i.sa())],
            _ => SPECIAL3[funct],
        },
        p => PRIMARY[super::bits::idx32_usize(p)],
    };
    if op == Opc::Invalid || (op.flags() & D != 0 && !is64) {
        return None;
    }
    Some(Insn { op, raw: w })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_common_words() {
        let cases: &[(u32, &str)] = &[
            (0x27bdffe0, "addiu"),
            (0x8fbf001c, "lw"),
            (0x03e00008, "jr"),
            (0x00000000, "sll"),
            (0x0000000c, "syscall"),
            (0x00851021, "addu"),
            (0x46201000, "add.d"),
            (0x46001032, "c.eq.s"),
            (0x7c0208a0, "wsbh"),
            (0x7c021420, "seb"),
            (0x7c221000, "ext"),
            (0x00285902, "rotr"),
            (0x45010003, "bc1t"),
        ];
        for &(w, m) in cases {
            let i = decode(w, false).unwrap_or_else(|| panic!("{w:08x}"));
            assert_eq!(i.mnemonic(), m, "{w:08x}");
        }
    }

    #[test]
    fn mips64_only_ops_are_reserved_in_mips32() {
        // daddu v0,a0,a1 and ld v0,0(a0)
        for w in [0x0085102du32, 0xdc820000] {
            assert!(decode(w, false).is_none(), "{w:08x}");
            assert!(decode(w, true).is_some(), "{w:08x}");
        }
    }
}

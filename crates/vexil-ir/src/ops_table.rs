// The operation table: one line per operation, giving the Rust variant, the
// printed (VEX-style) name, the argument types and the result type.

define_ops! {
    // ---- integer arithmetic and logic (wrapping) ----
    Add8 "Add8" (I8, I8) -> I8;
    Add16 "Add16" (I16, I16) -> I16;
    Add32 "Add32" (I32, I32) -> I32;
    Add64 "Add64" (I64, I64) -> I64;
    Sub8 "Sub8" (I8, I8) -> I8;
    Sub16 "Sub16" (I16, I16) -> I16;
    Sub32 "Sub32" (I32, I32) -> I32;
    Sub64 "Sub64" (I64, I64) -> I64;
    Mul8 "Mul8" (I8, I8) -> I8;
    Mul16 "Mul16" (I16, I16) -> I16;
    Mul32 "Mul32" (I32, I32) -> I32;
    Mul64 "Mul64" (I64, I64) -> I64;
    Or8 "Or8" (I8, I8) -> I8;
    Or16 "Or16" (I16, I16) -> I16;
    Or32 "Or32" (I32, I32) -> I32;
    Or64 "Or64" (I64, I64) -> I64;
    And8 "And8" (I8, I8) -> I8;
    And16 "And16" (I16, I16) -> I16;
    And32 "And32" (I32, I32) -> I32;
    And64 "And64" (I64, I64) -> I64;
    Xor8 "Xor8" (I8, I8) -> I8;
    Xor16 "Xor16" (I16, I16) -> I16;
    Xor32 "Xor32" (I32, I32) -> I32;
    Xor64 "Xor64" (I64, I64) -> I64;

    // ---- shifts: amount is an I8; amounts >= width give 0 (Shl/Shr) or all sign bits (Sar) ----
    Shl8 "Shl8" (I8, I8) -> I8;
    Shl16 "Shl16" (I16, I8) -> I16;
    Shl32 "Shl32" (I32, I8) -> I32;
    Shl64 "Shl64" (I64, I8) -> I64;
    Shr8 "Shr8" (I8, I8) -> I8;
    Shr16 "Shr16" (I16, I8) -> I16;
    Shr32 "Shr32" (I32, I8) -> I32;
    Shr64 "Shr64" (I64, I8) -> I64;
    Sar8 "Sar8" (I8, I8) -> I8;
    Sar16 "Sar16" (I16, I8) -> I16;
    Sar32 "Sar32" (I32, I8) -> I32;
    Sar64 "Sar64" (I64, I8) -> I64;

    // ---- bitwise not ----
    Not8 "Not8" (I8) -> I8;
    Not16 "Not16" (I16) -> I16;
    Not32 "Not32" (I32) -> I32;
    Not64 "Not64" (I64) -> I64;

    // ---- equality comparisons; Cas* and Exp* are hinted variants with the same meaning ----
    CmpEQ8 "CmpEQ8" (I8, I8) -> I1;
    CmpEQ16 "CmpEQ16" (I16, I16) -> I1;
    CmpEQ32 "CmpEQ32" (I32, I32) -> I1;
    CmpEQ64 "CmpEQ64" (I64, I64) -> I1;
    CmpNE8 "CmpNE8" (I8, I8) -> I1;
    CmpNE16 "CmpNE16" (I16, I16) -> I1;
    CmpNE32 "CmpNE32" (I32, I32) -> I1;
    CmpNE64 "CmpNE64" (I64, I64) -> I1;
    CasCmpEQ8 "CasCmpEQ8" (I8, I8) -> I1;
    CasCmpEQ16 "CasCmpEQ16" (I16, I16) -> I1;
    CasCmpEQ32 "CasCmpEQ32" (I32, I32) -> I1;
    CasCmpEQ64 "CasCmpEQ64" (I64, I64) -> I1;
    CasCmpNE8 "CasCmpNE8" (I8, I8) -> I1;
    CasCmpNE16 "CasCmpNE16" (I16, I16) -> I1;
    CasCmpNE32 "CasCmpNE32" (I32, I32) -> I1;
    CasCmpNE64 "CasCmpNE64" (I64, I64) -> I1;
    ExpCmpNE8 "ExpCmpNE8" (I8, I8) -> I1;
    ExpCmpNE16 "ExpCmpNE16" (I16, I16) -> I1;
    ExpCmpNE32 "ExpCmpNE32" (I32, I32) -> I1;
    ExpCmpNE64 "ExpCmpNE64" (I64, I64) -> I1;

    // ---- ordered comparisons (8- and 16-bit forms are vexil additions) ----
    CmpLT8S "CmpLT8S" (I8, I8) -> I1;
    CmpLT8U "CmpLT8U" (I8, I8) -> I1;
    CmpLT16S "CmpLT16S" (I16, I16) -> I1;
    CmpLT16U "CmpLT16U" (I16, I16) -> I1;
    CmpLT32S "CmpLT32S" (I32, I32) -> I1;
    CmpLT32U "CmpLT32U" (I32, I32) -> I1;
    CmpLT64S "CmpLT64S" (I64, I64) -> I1;
    CmpLT64U "CmpLT64U" (I64, I64) -> I1;
    CmpLE8S "CmpLE8S" (I8, I8) -> I1;
    CmpLE8U "CmpLE8U" (I8, I8) -> I1;
    CmpLE16S "CmpLE16S" (I16, I16) -> I1;
    CmpLE16U "CmpLE16U" (I16, I16) -> I1;
    CmpLE32S "CmpLE32S" (I32, I32) -> I1;
    CmpLE32U "CmpLE32U" (I32, I32) -> I1;
    CmpLE64S "CmpLE64S" (I64, I64) -> I1;
    CmpLE64U "CmpLE64U" (I64, I64) -> I1;

    // ---- compare with zero ----
    CmpNEZ8 "CmpNEZ8" (I8) -> I1;
    CmpNEZ16 "CmpNEZ16" (I16) -> I1;
    CmpNEZ32 "CmpNEZ32" (I32) -> I1;
    CmpNEZ64 "CmpNEZ64" (I64) -> I1;

    // ---- widening multiplies: full double-width product ----
    MullS8 "MullS8" (I8, I8) -> I16;
    MullS16 "MullS16" (I16, I16) -> I32;
    MullS32 "MullS32" (I32, I32) -> I64;
    MullS64 "MullS64" (I64, I64) -> I128;
    MullU8 "MullU8" (I8, I8) -> I16;
    MullU16 "MullU16" (I16, I16) -> I32;
    MullU32 "MullU32" (I32, I32) -> I64;
    MullU64 "MullU64" (I64, I64) -> I128;

    // ---- bit counting; Clz/Ctz of zero is the width (VEX leaves it undefined); PopCount is a vexil addition ----
    Clz32 "Clz32" (I32) -> I32;
    Clz64 "Clz64" (I64) -> I64;
    Ctz32 "Ctz32" (I32) -> I32;
    Ctz64 "Ctz64" (I64) -> I64;
    PopCount32 "PopCount32" (I32) -> I32;
    PopCount64 "PopCount64" (I64) -> I64;

    // ---- byte and bit reversal of a whole scalar ----
    Reverse8sIn16_x1 "Reverse8sIn16_x1" (I16) -> I16;
    Reverse8sIn32_x1 "Reverse8sIn32_x1" (I32) -> I32;
    Reverse8sIn64_x1 "Reverse8sIn64_x1" (I64) -> I64;
    /// bit reversal
    Reverse1sIn32_x1 "Reverse1sIn32_x1" (I32) -> I32;
    /// bit reversal
    Reverse1sIn64_x1 "Reverse1sIn64_x1" (I64) -> I64;

    // ---- division: truncating; x/0 gives quotient 0; MIN/-1 wraps ----
    DivU32 "DivU32" (I32, I32) -> I32;
    DivS32 "DivS32" (I32, I32) -> I32;
    DivU64 "DivU64" (I64, I64) -> I64;
    DivS64 "DivS64" (I64, I64) -> I64;

    // ---- division with remainder: dividend of double width, result = remainder:quotient (quotient in the low half, truncated to the half width); divisor 0 gives quotient 0 and remainder = dividend's low half ----
    DivModU16to8 "DivModU16to8" (I16, I8) -> I16;
    DivModU32to16 "DivModU32to16" (I32, I16) -> I32;
    DivModU64to32 "DivModU64to32" (I64, I32) -> I64;
    DivModU128to64 "DivModU128to64" (I128, I64) -> I128;
    DivModU32to32 "DivModU32to32" (I32, I32) -> I64;
    DivModU64to64 "DivModU64to64" (I64, I64) -> I128;
    DivModS16to8 "DivModS16to8" (I16, I8) -> I16;
    DivModS32to16 "DivModS32to16" (I32, I16) -> I32;
    DivModS64to32 "DivModS64to32" (I64, I32) -> I64;
    DivModS128to64 "DivModS128to64" (I128, I64) -> I128;
    DivModS32to32 "DivModS32to32" (I32, I32) -> I64;
    DivModS64to64 "DivModS64to64" (I64, I64) -> I128;

    // ---- widening conversions ----
    I8Uto16 "8Uto16" (I8) -> I16;
    I8Uto32 "8Uto32" (I8) -> I32;
    I8Uto64 "8Uto64" (I8) -> I64;
    I16Uto32 "16Uto32" (I16) -> I32;
    I16Uto64 "16Uto64" (I16) -> I64;
    I32Uto64 "32Uto64" (I32) -> I64;
    I8Sto16 "8Sto16" (I8) -> I16;
    I8Sto32 "8Sto32" (I8) -> I32;
    I8Sto64 "8Sto64" (I8) -> I64;
    I16Sto32 "16Sto32" (I16) -> I32;
    I16Sto64 "16Sto64" (I16) -> I64;
    I32Sto64 "32Sto64" (I32) -> I64;

    // ---- narrowing conversions and half extraction/concatenation ----
    I16to8 "16to8" (I16) -> I8;
    I32to8 "32to8" (I32) -> I8;
    I64to8 "64to8" (I64) -> I8;
    I32to16 "32to16" (I32) -> I16;
    I64to16 "64to16" (I64) -> I16;
    I64to32 "64to32" (I64) -> I32;
    I128to64 "128to64" (I128) -> I64;
    I16HIto8 "16HIto8" (I16) -> I8;
    I32HIto16 "32HIto16" (I32) -> I16;
    I64HIto32 "64HIto32" (I64) -> I32;
    I128HIto64 "128HIto64" (I128) -> I64;
    /// first argument is the high half
    I8HLto16 "8HLto16" (I8, I8) -> I16;
    /// first argument is the high half
    I16HLto32 "16HLto32" (I16, I16) -> I32;
    /// first argument is the high half
    I32HLto64 "32HLto64" (I32, I32) -> I64;
    /// first argument is the high half
    I64HLto128 "64HLto128" (I64, I64) -> I128;

    // ---- 1-bit values ----
    Not1 "Not1" (I1) -> I1;
    And1 "And1" (I1, I1) -> I1;
    Or1 "Or1" (I1, I1) -> I1;
    Xor1 "Xor1" (I1, I1) -> I1;
    /// bit 0
    I8to1 "8to1" (I8) -> I1;
    /// bit 0
    I16to1 "16to1" (I16) -> I1;
    /// bit 0
    I32to1 "32to1" (I32) -> I1;
    /// bit 0
    I64to1 "64to1" (I64) -> I1;
    I1Uto8 "1Uto8" (I1) -> I8;
    I1Uto16 "1Uto16" (I1) -> I16;
    I1Uto32 "1Uto32" (I1) -> I32;
    I1Uto64 "1Uto64" (I1) -> I64;
    I1Sto8 "1Sto8" (I1) -> I8;
    I1Sto16 "1Sto16" (I1) -> I16;
    I1Sto32 "1Sto32" (I1) -> I32;
    I1Sto64 "1Sto64" (I1) -> I64;

    // ---- scalar floating point; the I32 first argument is a rounding mode: 0 nearest-even, 1 toward -inf, 2 toward +inf, 3 toward zero ----
    AddF64 "AddF64" (I32, F64, F64) -> F64;
    SubF64 "SubF64" (I32, F64, F64) -> F64;
    MulF64 "MulF64" (I32, F64, F64) -> F64;
    DivF64 "DivF64" (I32, F64, F64) -> F64;
    AddF32 "AddF32" (I32, F32, F32) -> F32;
    SubF32 "SubF32" (I32, F32, F32) -> F32;
    MulF32 "MulF32" (I32, F32, F32) -> F32;
    DivF32 "DivF32" (I32, F32, F32) -> F32;
    NegF64 "NegF64" (F64) -> F64;
    AbsF64 "AbsF64" (F64) -> F64;
    SqrtF64 "SqrtF64" (I32, F64) -> F64;
    /// fused arg2*arg3+arg4, rounded once
    MAddF64 "MAddF64" (I32, F64, F64, F64) -> F64;
    /// fused arg2*arg3-arg4, rounded once
    MSubF64 "MSubF64" (I32, F64, F64, F64) -> F64;
    /// IEEE maxNum: a quiet NaN operand yields the other operand
    MaxNumF64 "MaxNumF64" (F64, F64) -> F64;
    /// IEEE minNum
    MinNumF64 "MinNumF64" (F64, F64) -> F64;
    /// round to an integral value in the same format
    RoundF64toInt "RoundF64toInt" (I32, F64) -> F64;
    NegF32 "NegF32" (F32) -> F32;
    AbsF32 "AbsF32" (F32) -> F32;
    SqrtF32 "SqrtF32" (I32, F32) -> F32;
    /// fused arg2*arg3+arg4, rounded once
    MAddF32 "MAddF32" (I32, F32, F32, F32) -> F32;
    /// fused arg2*arg3-arg4, rounded once
    MSubF32 "MSubF32" (I32, F32, F32, F32) -> F32;
    /// IEEE maxNum: a quiet NaN operand yields the other operand
    MaxNumF32 "MaxNumF32" (F32, F32) -> F32;
    /// IEEE minNum
    MinNumF32 "MinNumF32" (F32, F32) -> F32;
    /// round to an integral value in the same format
    RoundF32toInt "RoundF32toInt" (I32, F32) -> F32;
    /// 0x45 unordered, 0x01 less, 0x00 greater, 0x40 equal
    CmpF64 "CmpF64" (F64, F64) -> I32;
    /// as CmpF64
    CmpF32 "CmpF32" (F32, F32) -> I32;

    // ---- float to integer with rounding mode; NaN and out-of-range give the x86 'integer indefinite' (0x80..0 signed, all ones unsigned) ----
    F64toI16S "F64toI16S" (I32, F64) -> I16;
    F64toI32S "F64toI32S" (I32, F64) -> I32;
    F64toI64S "F64toI64S" (I32, F64) -> I64;
    F64toI32U "F64toI32U" (I32, F64) -> I32;
    F64toI64U "F64toI64U" (I32, F64) -> I64;
    F32toI32S "F32toI32S" (I32, F32) -> I32;
    F32toI64S "F32toI64S" (I32, F32) -> I64;
    F32toI32U "F32toI32U" (I32, F32) -> I32;
    F32toI64U "F32toI64U" (I32, F32) -> I64;

    // ---- integer to float (the exact ones take no rounding mode) ----
    I32StoF64 "I32StoF64" (I32) -> F64;
    I32UtoF64 "I32UtoF64" (I32) -> F64;
    I64StoF64 "I64StoF64" (I32, I64) -> F64;
    I64UtoF64 "I64UtoF64" (I32, I64) -> F64;
    I32StoF32 "I32StoF32" (I32, I32) -> F32;
    I32UtoF32 "I32UtoF32" (I32, I32) -> F32;
    I64StoF32 "I64StoF32" (I32, I64) -> F32;
    I64UtoF32 "I64UtoF32" (I32, I64) -> F32;

    // ---- float format conversion and reinterpretation ----
    F32toF64 "F32toF64" (F32) -> F64;
    F64toF32 "F64toF32" (I32, F64) -> F32;
    ReinterpF64asI64 "ReinterpF64asI64" (F64) -> I64;
    ReinterpI64asF64 "ReinterpI64asF64" (I64) -> F64;
    ReinterpF32asI32 "ReinterpF32asI32" (F32) -> I32;
    ReinterpI32asF32 "ReinterpI32asF32" (I32) -> F32;

    // ---- 128-bit vectors: whole-register logic and shifts (shift amount in bits, I8; >= 128 gives 0) ----
    NotV128 "NotV128" (V128) -> V128;
    AndV128 "AndV128" (V128, V128) -> V128;
    OrV128 "OrV128" (V128, V128) -> V128;
    XorV128 "XorV128" (V128, V128) -> V128;
    ShlV128 "ShlV128" (V128, I8) -> V128;
    ShrV128 "ShrV128" (V128, I8) -> V128;

    // ---- lane-wise integer arithmetic ----
    CmpNEZ8x16 "CmpNEZ8x16" (V128) -> V128;
    CmpNEZ16x8 "CmpNEZ16x8" (V128) -> V128;
    CmpNEZ32x4 "CmpNEZ32x4" (V128) -> V128;
    CmpNEZ64x2 "CmpNEZ64x2" (V128) -> V128;
    Add8x16 "Add8x16" (V128, V128) -> V128;
    Add16x8 "Add16x8" (V128, V128) -> V128;
    Add32x4 "Add32x4" (V128, V128) -> V128;
    Add64x2 "Add64x2" (V128, V128) -> V128;
    Sub8x16 "Sub8x16" (V128, V128) -> V128;
    Sub16x8 "Sub16x8" (V128, V128) -> V128;
    Sub32x4 "Sub32x4" (V128, V128) -> V128;
    Sub64x2 "Sub64x2" (V128, V128) -> V128;
    /// saturating
    QAdd8Ux16 "QAdd8Ux16" (V128, V128) -> V128;
    /// saturating
    QAdd16Ux8 "QAdd16Ux8" (V128, V128) -> V128;
    /// saturating
    QAdd32Ux4 "QAdd32Ux4" (V128, V128) -> V128;
    /// saturating
    QAdd64Ux2 "QAdd64Ux2" (V128, V128) -> V128;
    /// saturating
    QAdd8Sx16 "QAdd8Sx16" (V128, V128) -> V128;
    /// saturating
    QAdd16Sx8 "QAdd16Sx8" (V128, V128) -> V128;
    /// saturating
    QAdd32Sx4 "QAdd32Sx4" (V128, V128) -> V128;
    /// saturating
    QAdd64Sx2 "QAdd64Sx2" (V128, V128) -> V128;
    /// saturating
    QSub8Ux16 "QSub8Ux16" (V128, V128) -> V128;
    /// saturating
    QSub16Ux8 "QSub16Ux8" (V128, V128) -> V128;
    /// saturating
    QSub32Ux4 "QSub32Ux4" (V128, V128) -> V128;
    /// saturating
    QSub64Ux2 "QSub64Ux2" (V128, V128) -> V128;
    /// saturating
    QSub8Sx16 "QSub8Sx16" (V128, V128) -> V128;
    /// saturating
    QSub16Sx8 "QSub16Sx8" (V128, V128) -> V128;
    /// saturating
    QSub32Sx4 "QSub32Sx4" (V128, V128) -> V128;
    /// saturating
    QSub64Sx2 "QSub64Sx2" (V128, V128) -> V128;
    Mul8x16 "Mul8x16" (V128, V128) -> V128;
    Mul16x8 "Mul16x8" (V128, V128) -> V128;
    Mul32x4 "Mul32x4" (V128, V128) -> V128;
    /// high half of the lane product
    MulHi16Ux8 "MulHi16Ux8" (V128, V128) -> V128;
    /// high half of the lane product
    MulHi32Ux4 "MulHi32Ux4" (V128, V128) -> V128;
    /// high half of the lane product
    MulHi16Sx8 "MulHi16Sx8" (V128, V128) -> V128;
    /// high half of the lane product
    MulHi32Sx4 "MulHi32Sx4" (V128, V128) -> V128;
    /// double-width products of the even (0, 2, ..) lanes
    MullEven8Ux16 "MullEven8Ux16" (V128, V128) -> V128;
    /// double-width products of the even (0, 2, ..) lanes
    MullEven16Ux8 "MullEven16Ux8" (V128, V128) -> V128;
    /// double-width products of the even (0, 2, ..) lanes
    MullEven32Ux4 "MullEven32Ux4" (V128, V128) -> V128;
    /// double-width products of the even (0, 2, ..) lanes
    MullEven8Sx16 "MullEven8Sx16" (V128, V128) -> V128;
    /// double-width products of the even (0, 2, ..) lanes
    MullEven16Sx8 "MullEven16Sx8" (V128, V128) -> V128;
    /// double-width products of the even (0, 2, ..) lanes
    MullEven32Sx4 "MullEven32Sx4" (V128, V128) -> V128;
    Abs8x16 "Abs8x16" (V128) -> V128;
    Abs16x8 "Abs16x8" (V128) -> V128;
    Abs32x4 "Abs32x4" (V128) -> V128;
    Abs64x2 "Abs64x2" (V128) -> V128;
    /// (a + b + 1) >> 1, unsigned
    Avg8Ux16 "Avg8Ux16" (V128, V128) -> V128;
    /// (a + b + 1) >> 1, unsigned
    Avg16Ux8 "Avg16Ux8" (V128, V128) -> V128;
    Max8Sx16 "Max8Sx16" (V128, V128) -> V128;
    Max16Sx8 "Max16Sx8" (V128, V128) -> V128;
    Max32Sx4 "Max32Sx4" (V128, V128) -> V128;
    Max64Sx2 "Max64Sx2" (V128, V128) -> V128;
    Max8Ux16 "Max8Ux16" (V128, V128) -> V128;
    Max16Ux8 "Max16Ux8" (V128, V128) -> V128;
    Max32Ux4 "Max32Ux4" (V128, V128) -> V128;
    Max64Ux2 "Max64Ux2" (V128, V128) -> V128;
    Min8Sx16 "Min8Sx16" (V128, V128) -> V128;
    Min16Sx8 "Min16Sx8" (V128, V128) -> V128;
    Min32Sx4 "Min32Sx4" (V128, V128) -> V128;
    Min64Sx2 "Min64Sx2" (V128, V128) -> V128;
    Min8Ux16 "Min8Ux16" (V128, V128) -> V128;
    Min16Ux8 "Min16Ux8" (V128, V128) -> V128;
    Min32Ux4 "Min32Ux4" (V128, V128) -> V128;
    Min64Ux2 "Min64Ux2" (V128, V128) -> V128;

    // ---- lane-wise comparisons: all ones where true ----
    CmpEQ8x16 "CmpEQ8x16" (V128, V128) -> V128;
    CmpEQ16x8 "CmpEQ16x8" (V128, V128) -> V128;
    CmpEQ32x4 "CmpEQ32x4" (V128, V128) -> V128;
    CmpEQ64x2 "CmpEQ64x2" (V128, V128) -> V128;
    CmpGT8Sx16 "CmpGT8Sx16" (V128, V128) -> V128;
    CmpGT16Sx8 "CmpGT16Sx8" (V128, V128) -> V128;
    CmpGT32Sx4 "CmpGT32Sx4" (V128, V128) -> V128;
    CmpGT64Sx2 "CmpGT64Sx2" (V128, V128) -> V128;
    CmpGT8Ux16 "CmpGT8Ux16" (V128, V128) -> V128;
    CmpGT16Ux8 "CmpGT16Ux8" (V128, V128) -> V128;
    CmpGT32Ux4 "CmpGT32Ux4" (V128, V128) -> V128;
    CmpGT64Ux2 "CmpGT64Ux2" (V128, V128) -> V128;
    /// population count of each byte
    Cnt8x16 "Cnt8x16" (V128) -> V128;

    // ---- lane shifts by one scalar amount (I8); amounts >= lane width give 0 or all sign bits ----
    ShlN8x16 "ShlN8x16" (V128, I8) -> V128;
    ShlN16x8 "ShlN16x8" (V128, I8) -> V128;
    ShlN32x4 "ShlN32x4" (V128, I8) -> V128;
    ShlN64x2 "ShlN64x2" (V128, I8) -> V128;
    ShrN8x16 "ShrN8x16" (V128, I8) -> V128;
    ShrN16x8 "ShrN16x8" (V128, I8) -> V128;
    ShrN32x4 "ShrN32x4" (V128, I8) -> V128;
    ShrN64x2 "ShrN64x2" (V128, I8) -> V128;
    SarN8x16 "SarN8x16" (V128, I8) -> V128;
    SarN16x8 "SarN16x8" (V128, I8) -> V128;
    SarN32x4 "SarN32x4" (V128, I8) -> V128;
    SarN64x2 "SarN64x2" (V128, I8) -> V128;

    // ---- lane shifts by per-lane amounts (unsigned, >= lane width as above) ----
    Shl8x16 "Shl8x16" (V128, V128) -> V128;
    Shl16x8 "Shl16x8" (V128, V128) -> V128;
    Shl32x4 "Shl32x4" (V128, V128) -> V128;
    Shl64x2 "Shl64x2" (V128, V128) -> V128;
    Shr8x16 "Shr8x16" (V128, V128) -> V128;
    Shr16x8 "Shr16x8" (V128, V128) -> V128;
    Shr32x4 "Shr32x4" (V128, V128) -> V128;
    Shr64x2 "Shr64x2" (V128, V128) -> V128;
    Sar8x16 "Sar8x16" (V128, V128) -> V128;
    Sar16x8 "Sar16x8" (V128, V128) -> V128;
    Sar32x4 "Sar32x4" (V128, V128) -> V128;
    Sar64x2 "Sar64x2" (V128, V128) -> V128;

    // ---- narrowing: two vectors into one, high half of the result from the first argument ----
    QNarrowBin16Sto8Ux16 "QNarrowBin16Sto8Ux16" (V128, V128) -> V128;
    QNarrowBin16Sto8Sx16 "QNarrowBin16Sto8Sx16" (V128, V128) -> V128;
    QNarrowBin16Uto8Ux16 "QNarrowBin16Uto8Ux16" (V128, V128) -> V128;
    QNarrowBin32Sto16Ux8 "QNarrowBin32Sto16Ux8" (V128, V128) -> V128;
    QNarrowBin32Sto16Sx8 "QNarrowBin32Sto16Sx8" (V128, V128) -> V128;
    QNarrowBin32Uto16Ux8 "QNarrowBin32Uto16Ux8" (V128, V128) -> V128;
    NarrowBin16to8x16 "NarrowBin16to8x16" (V128, V128) -> V128;
    NarrowBin32to16x8 "NarrowBin32to16x8" (V128, V128) -> V128;
    NarrowBin64to32x4 "NarrowBin64to32x4" (V128, V128) -> V128;

    // ---- interleaving and concatenation: the most significant result lane comes from the first argument ----
    InterleaveHI8x16 "InterleaveHI8x16" (V128, V128) -> V128;
    InterleaveHI16x8 "InterleaveHI16x8" (V128, V128) -> V128;
    InterleaveHI32x4 "InterleaveHI32x4" (V128, V128) -> V128;
    InterleaveHI64x2 "InterleaveHI64x2" (V128, V128) -> V128;
    InterleaveLO8x16 "InterleaveLO8x16" (V128, V128) -> V128;
    InterleaveLO16x8 "InterleaveLO16x8" (V128, V128) -> V128;
    InterleaveLO32x4 "InterleaveLO32x4" (V128, V128) -> V128;
    InterleaveLO64x2 "InterleaveLO64x2" (V128, V128) -> V128;
    InterleaveOddLanes8x16 "InterleaveOddLanes8x16" (V128, V128) -> V128;
    InterleaveOddLanes16x8 "InterleaveOddLanes16x8" (V128, V128) -> V128;
    InterleaveOddLanes32x4 "InterleaveOddLanes32x4" (V128, V128) -> V128;
    InterleaveEvenLanes8x16 "InterleaveEvenLanes8x16" (V128, V128) -> V128;
    InterleaveEvenLanes16x8 "InterleaveEvenLanes16x8" (V128, V128) -> V128;
    InterleaveEvenLanes32x4 "InterleaveEvenLanes32x4" (V128, V128) -> V128;
    CatOddLanes8x16 "CatOddLanes8x16" (V128, V128) -> V128;
    CatOddLanes16x8 "CatOddLanes16x8" (V128, V128) -> V128;
    CatOddLanes32x4 "CatOddLanes32x4" (V128, V128) -> V128;
    CatEvenLanes8x16 "CatEvenLanes8x16" (V128, V128) -> V128;
    CatEvenLanes16x8 "CatEvenLanes16x8" (V128, V128) -> V128;
    CatEvenLanes32x4 "CatEvenLanes32x4" (V128, V128) -> V128;

    // ---- lane access ----
    /// index modulo the lane count
    GetElem8x16 "GetElem8x16" (V128, I8) -> I8;
    /// index modulo the lane count
    GetElem16x8 "GetElem16x8" (V128, I8) -> I16;
    /// index modulo the lane count
    GetElem32x4 "GetElem32x4" (V128, I8) -> I32;
    /// index modulo the lane count
    GetElem64x2 "GetElem64x2" (V128, I8) -> I64;
    /// index modulo the lane count
    SetElem8x16 "SetElem8x16" (V128, I8, I8) -> V128;
    /// index modulo the lane count
    SetElem16x8 "SetElem16x8" (V128, I8, I16) -> V128;
    /// index modulo the lane count
    SetElem32x4 "SetElem32x4" (V128, I8, I32) -> V128;
    /// index modulo the lane count
    SetElem64x2 "SetElem64x2" (V128, I8, I64) -> V128;
    /// copy to every lane
    Dup8x16 "Dup8x16" (I8) -> V128;
    /// copy to every lane
    Dup16x8 "Dup16x8" (I16) -> V128;
    /// copy to every lane
    Dup32x4 "Dup32x4" (I32) -> V128;
    /// copy to every lane (vexil addition)
    Dup64x2 "Dup64x2" (I64) -> V128;
    /// low 128 bits of (arg1:arg2) >> (8*arg3), arg3 in bytes (0..16)
    SliceV128 "SliceV128" (V128, V128, I8) -> V128;

    // ---- permutations ----
    /// result byte i = arg1 byte (arg2 byte i & 15)
    Perm8x16 "Perm8x16" (V128, V128) -> V128;
    /// as Perm8x16, but 0 where bit 7 of the index byte is set (pshufb)
    PermOrZero8x16 "PermOrZero8x16" (V128, V128) -> V128;
    /// result lane i = arg1 lane (arg2 lane i & 3)
    Perm32x4 "Perm32x4" (V128, V128) -> V128;
    Reverse8sIn16_x8 "Reverse8sIn16_x8" (V128) -> V128;
    Reverse8sIn32_x4 "Reverse8sIn32_x4" (V128) -> V128;
    Reverse16sIn32_x4 "Reverse16sIn32_x4" (V128) -> V128;
    Reverse8sIn64_x2 "Reverse8sIn64_x2" (V128) -> V128;
    Reverse16sIn64_x2 "Reverse16sIn64_x2" (V128) -> V128;
    Reverse32sIn64_x2 "Reverse32sIn64_x2" (V128) -> V128;
    Reverse1sIn8_x16 "Reverse1sIn8_x16" (V128) -> V128;
    /// bit i = top bit of byte i (pmovmskb)
    GetMSBs8x16 "GetMSBs8x16" (V128) -> I16;

    // ---- moves between vectors and scalars ----
    /// low half
    V128to64 "V128to64" (V128) -> I64;
    /// high half
    V128HIto64 "V128HIto64" (V128) -> I64;
    /// first argument is the high half
    I64HLtoV128 "64HLtoV128" (I64, I64) -> V128;
    I64UtoV128 "64UtoV128" (I64) -> V128;
    SetV128lo64 "SetV128lo64" (V128, I64) -> V128;
    I32UtoV128 "32UtoV128" (I32) -> V128;
    V128to32 "V128to32" (V128) -> I32;
    SetV128lo32 "SetV128lo32" (V128, I32) -> V128;
    ZeroHI64ofV128 "ZeroHI64ofV128" (V128) -> V128;
    ZeroHI96ofV128 "ZeroHI96ofV128" (V128) -> V128;
    ZeroHI112ofV128 "ZeroHI112ofV128" (V128) -> V128;
    ZeroHI120ofV128 "ZeroHI120ofV128" (V128) -> V128;
    /// reinterpretation (vexil addition)
    V128toI128 "V128toI128" (V128) -> I128;
    /// reinterpretation (vexil addition)
    I128toV128 "I128toV128" (I128) -> V128;

    // ---- lane-wise floating point; arithmetic takes a rounding mode; Max/Min follow x86 (second operand unless the first is strictly greater/less) ----
    Add32Fx4 "Add32Fx4" (I32, V128, V128) -> V128;
    Sub32Fx4 "Sub32Fx4" (I32, V128, V128) -> V128;
    Mul32Fx4 "Mul32Fx4" (I32, V128, V128) -> V128;
    Div32Fx4 "Div32Fx4" (I32, V128, V128) -> V128;
    Max32Fx4 "Max32Fx4" (V128, V128) -> V128;
    Min32Fx4 "Min32Fx4" (V128, V128) -> V128;
    /// all ones where true; ordered except CmpUN
    CmpEQ32Fx4 "CmpEQ32Fx4" (V128, V128) -> V128;
    /// all ones where true; ordered except CmpUN
    CmpLT32Fx4 "CmpLT32Fx4" (V128, V128) -> V128;
    /// all ones where true; ordered except CmpUN
    CmpLE32Fx4 "CmpLE32Fx4" (V128, V128) -> V128;
    /// all ones where true; ordered except CmpUN
    CmpUN32Fx4 "CmpUN32Fx4" (V128, V128) -> V128;
    Abs32Fx4 "Abs32Fx4" (V128) -> V128;
    Neg32Fx4 "Neg32Fx4" (V128) -> V128;
    Sqrt32Fx4 "Sqrt32Fx4" (I32, V128) -> V128;
    Add64Fx2 "Add64Fx2" (I32, V128, V128) -> V128;
    Sub64Fx2 "Sub64Fx2" (I32, V128, V128) -> V128;
    Mul64Fx2 "Mul64Fx2" (I32, V128, V128) -> V128;
    Div64Fx2 "Div64Fx2" (I32, V128, V128) -> V128;
    Max64Fx2 "Max64Fx2" (V128, V128) -> V128;
    Min64Fx2 "Min64Fx2" (V128, V128) -> V128;
    /// all ones where true; ordered except CmpUN
    CmpEQ64Fx2 "CmpEQ64Fx2" (V128, V128) -> V128;
    /// all ones where true; ordered except CmpUN
    CmpLT64Fx2 "CmpLT64Fx2" (V128, V128) -> V128;
    /// all ones where true; ordered except CmpUN
    CmpLE64Fx2 "CmpLE64Fx2" (V128, V128) -> V128;
    /// all ones where true; ordered except CmpUN
    CmpUN64Fx2 "CmpUN64Fx2" (V128, V128) -> V128;
    Abs64Fx2 "Abs64Fx2" (V128) -> V128;
    Neg64Fx2 "Neg64Fx2" (V128) -> V128;
    Sqrt64Fx2 "Sqrt64Fx2" (I32, V128) -> V128;

    // ---- lowest-lane floating point: other lanes copied from the first (or only) argument, round to nearest ----
    Add32F0x4 "Add32F0x4" (V128, V128) -> V128;
    Sub32F0x4 "Sub32F0x4" (V128, V128) -> V128;
    Mul32F0x4 "Mul32F0x4" (V128, V128) -> V128;
    Div32F0x4 "Div32F0x4" (V128, V128) -> V128;
    Max32F0x4 "Max32F0x4" (V128, V128) -> V128;
    Min32F0x4 "Min32F0x4" (V128, V128) -> V128;
    CmpEQ32F0x4 "CmpEQ32F0x4" (V128, V128) -> V128;
    CmpLT32F0x4 "CmpLT32F0x4" (V128, V128) -> V128;
    CmpLE32F0x4 "CmpLE32F0x4" (V128, V128) -> V128;
    CmpUN32F0x4 "CmpUN32F0x4" (V128, V128) -> V128;
    Sqrt32F0x4 "Sqrt32F0x4" (V128) -> V128;
    Add64F0x2 "Add64F0x2" (V128, V128) -> V128;
    Sub64F0x2 "Sub64F0x2" (V128, V128) -> V128;
    Mul64F0x2 "Mul64F0x2" (V128, V128) -> V128;
    Div64F0x2 "Div64F0x2" (V128, V128) -> V128;
    Max64F0x2 "Max64F0x2" (V128, V128) -> V128;
    Min64F0x2 "Min64F0x2" (V128, V128) -> V128;
    CmpEQ64F0x2 "CmpEQ64F0x2" (V128, V128) -> V128;
    CmpLT64F0x2 "CmpLT64F0x2" (V128, V128) -> V128;
    CmpLE64F0x2 "CmpLE64F0x2" (V128, V128) -> V128;
    CmpUN64F0x2 "CmpUN64F0x2" (V128, V128) -> V128;
    Sqrt64F0x2 "Sqrt64F0x2" (V128) -> V128;

    // ---- lane-wise conversions ----
    I32StoF32x4 "I32StoF32x4" (I32, V128) -> V128;
    /// out of range gives 0x80000000
    F32toI32Sx4 "F32toI32Sx4" (I32, V128) -> V128;
}

//! Instruction dispatch: from iced's mnemonic to the family handler, plus
//! the small system instructions (traps, system calls, `cpuid`, fences)
//! that need no family of their own.

use super::flags::Cond;
use super::int::{self, RAX, RBX, RCX, RDX};
use super::lift::{Flow, Lifter, R, Unsupported};
use iced_x86::{ConditionCode, Instruction, Mnemonic as M};
use vexil_ir::{Atom, Callee, Dirty, Effect, JumpKind, MemBusEvent, StateEffect, Stmt, Type};

/// The condition an instruction tests (`jcc`, `setcc`, `cmovcc`).
pub(crate) fn cond_of(i: &Instruction) -> R<Cond> {
    Ok(match i.condition_code() {
        ConditionCode::o => Cond::O,
        ConditionCode::no => Cond::No,
        ConditionCode::b => Cond::B,
        ConditionCode::ae => Cond::Nb,
        ConditionCode::e => Cond::Z,
        ConditionCode::ne => Cond::Nz,
        ConditionCode::be => Cond::Be,
        ConditionCode::a => Cond::Nbe,
        ConditionCode::s => Cond::S,
        ConditionCode::ns => Cond::Ns,
        ConditionCode::p => Cond::P,
        ConditionCode::np => Cond::Np,
        ConditionCode::l => Cond::L,
        ConditionCode::ge => Cond::Nl,
        ConditionCode::le => Cond::Le,
        ConditionCode::g => Cond::Nle,
        _ => return Err(Unsupported),
    })
}

/// The mnemonics only string instructions have (`movsd` and `cmpsd` also
/// name SSE instructions, so they are not among them), for patterns.
macro_rules! string_only_mnemonics {
    () => {
        M::Movsb
            | M::Movsw
            | M::Movsq
            | M::Cmpsb
            | M::Cmpsw
            | M::Cmpsq
            | M::Stosb
            | M::Stosw
            | M::Stosd
            | M::Stosq
            | M::Lodsb
            | M::Lodsw
            | M::Lodsd
            | M::Lodsq
            | M::Scasb
            | M::Scasw
            | M::Scasd
            | M::Scasq
            | M::Insb
            | M::Insw
            | M::Insd
            | M::Outsb
            | M::Outsw
            | M::Outsd
    };
}

/// Lifts the current instruction.
pub(crate) fn lift_insn(lf: &mut Lifter) -> R<Flow> {
    let mn = lf.i.mnemonic();
    // String instructions are told apart by mnemonic in the one match,
    // which is cheaper than asking iced about the code first for every
    // instruction: only `movsd` and `cmpsd` need the question. The string
    // forms of `ins`/`outs` go to `int::string` too, which does not lift
    // them.
    debug_assert_eq!(
        lf.i.is_string_instruction(),
        matches!(mn, string_only_mnemonics!())
            || (matches!(mn, M::Movsd | M::Cmpsd) && lf.i.is_string_instruction())
    );
    match mn {
        string_only_mnemonics!() => int::string(lf, mn),
        M::Movsd | M::Cmpsd if lf.i.is_string_instruction() => int::string(lf, mn),
        M::Add | M::Or | M::Adc | M::Sbb | M::And | M::Sub | M::Xor | M::Cmp | M::Test => {
            int::alu(lf, mn)
        }
        M::Inc => int::inc_dec(lf, true),
        M::Dec => int::inc_dec(lf, false),
        M::Neg => int::neg_not(lf, true),
        M::Not => int::neg_not(lf, false),
        M::Mov => int::mov(lf),
        M::Movzx => int::movx(lf, false),
        M::Movsx | M::Movsxd => int::movx(lf, true),
        M::Lea => int::lea(lf),
        M::Xchg => int::xchg(lf),
        M::Cmpxchg => int::cmpxchg(lf),
        M::Cmpxchg8b => int::cmpxchg_double(lf, false),
        M::Cmpxchg16b => int::cmpxchg_double(lf, true),
        M::Xadd => int::xadd(lf),
        M::Bswap => int::bswap(lf),
        M::Movbe => int::movbe(lf),
        M::Cbw => int::widen_acc(lf, Type::I8, Type::I16),
        M::Cwde => int::widen_acc(lf, Type::I16, Type::I32),
        M::Cdqe => int::widen_acc(lf, Type::I32, Type::I64),
        M::Cwd => int::sign_to_rdx(lf, Type::I16),
        M::Cdq => int::sign_to_rdx(lf, Type::I32),
        M::Cqo => int::sign_to_rdx(lf, Type::I64),
        M::Mul => int::mul_wide(lf, false),
        M::Imul if lf.i.op_count() == 1 => int::mul_wide(lf, true),
        M::Imul => int::imul_trunc(lf),
        M::Div => int::div(lf, false),
        M::Idiv => int::div(lf, true),
        M::Shl | M::Sal | M::Shr | M::Sar => int::shift(lf, mn),
        M::Rol => int::rotate(lf, true),
        M::Ror => int::rotate(lf, false),
        M::Rcl => int::rotate_carry(lf, true),
        M::Rcr => int::rotate_carry(lf, false),
        M::Shld => int::shift_double(lf, true),
        M::Shrd => int::shift_double(lf, false),
        M::Bt | M::Bts | M::Btr | M::Btc => int::bit_test(lf, mn),
        M::Bsf => int::bit_scan(lf, false),
        M::Bsr => int::bit_scan(lf, true),
        M::Lzcnt | M::Tzcnt | M::Popcnt => int::count_bits(lf, mn),
        M::Andn => int::andn(lf),
        M::Blsi | M::Blsmsk | M::Blsr => int::bls(lf, mn),
        M::Shlx | M::Shrx | M::Sarx | M::Rorx => int::shift_x(lf, mn),
        M::Bzhi => int::bzhi(lf),
        M::Bextr => int::bextr(lf),
        M::Mulx => int::mulx(lf),
        M::Pdep => int::pdep_pext(lf, true),
        M::Adcx => int::adcx_adox(lf, false),
        M::Adox => int::adcx_adox(lf, true),
        M::Crc32 => int::crc32(lf),
        M::Pushad => int::pusha_popa(lf, true),
        M::Popad => int::pusha_popa(lf, false),
        M::Xlatb => int::xlat(lf),
        M::Pext => int::pdep_pext(lf, false),
        M::Seto
        | M::Setno
        | M::Setb
        | M::Setae
        | M::Sete
        | M::Setne
        | M::Setbe
        | M::Seta
        | M::Sets
        | M::Setns
        | M::Setp
        | M::Setnp
        | M::Setl
        | M::Setge
        | M::Setle
        | M::Setg => int::setcc(lf),
        M::Cmovo
        | M::Cmovno
        | M::Cmovb
        | M::Cmovae
        | M::Cmove
        | M::Cmovne
        | M::Cmovbe
        | M::Cmova
        | M::Cmovs
        | M::Cmovns
        | M::Cmovp
        | M::Cmovnp
        | M::Cmovl
        | M::Cmovge
        | M::Cmovle
        | M::Cmovg => int::cmovcc(lf),
        M::Jo
        | M::Jno
        | M::Jb
        | M::Jae
        | M::Je
        | M::Jne
        | M::Jbe
        | M::Ja
        | M::Js
        | M::Jns
        | M::Jp
        | M::Jnp
        | M::Jl
        | M::Jge
        | M::Jle
        | M::Jg => int::jcc(lf),
        M::Jcxz | M::Jecxz | M::Jrcxz | M::Loop | M::Loope | M::Loopne => int::jcx_loop(lf, mn),
        M::Jmp => int::jmp(lf),
        M::Call => int::call(lf),
        M::Ret => int::ret(lf),
        M::Push => int::push(lf),
        M::Pop => int::pop(lf),
        M::Pushf | M::Pushfd | M::Pushfq => int::pushf(lf),
        M::Popf | M::Popfd | M::Popfq => int::popf(lf),
        M::Leave => int::leave(lf),
        M::Enter => int::enter(lf),
        M::Cld => int::set_df(lf, false),
        M::Std => int::set_df(lf, true),
        M::Clc | M::Stc | M::Cmc => int::carry_op(lf, mn),
        M::Lahf => int::lahf(lf),
        M::Sahf => int::sahf(lf),
        // No architectural effect in user mode (hints, shadow-stack ops with
        // shadow stacks off, prefetches, waits).
        M::Nop
        | M::Endbr64
        | M::Endbr32
        | M::Pause
        | M::Prefetch
        | M::Prefetchw
        | M::Prefetchnta
        | M::Prefetcht0
        | M::Prefetcht1
        | M::Prefetcht2
        | M::Clflush
        | M::Clflushopt
        | M::Clwb
        | M::Wait
        | M::Rdsspd
        | M::Rdsspq => Ok(Flow::Next),
        // incssp raises #UD when shadow stacks are off (rdssp is a no-op).
        M::Incsspd | M::Incsspq => Ok(lf.goto(lf.addr, JumpKind::SigILL)),
        M::Lfence | M::Mfence | M::Sfence => {
            lf.b.push(Stmt::Mbe(MemBusEvent::Fence));
            Ok(Flow::Next)
        }
        M::Ud2 | M::Ud0 | M::Ud1 => Ok(lf.goto(lf.addr, JumpKind::SigILL)),
        M::Int3 => Ok(lf.goto(lf.next, JumpKind::SigTRAP)),
        M::Int1 => Ok(lf.goto(lf.next, JumpKind::SigTRAP)),
        M::Hlt | M::In | M::Out | M::Cli | M::Sti => {
            // Privileged in user mode: Linux delivers SIGSEGV at the instruction.
            Ok(lf.goto(lf.addr, JumpKind::SigSEGV))
        }
        M::Int => int_n(lf),
        M::Syscall => {
            let here = Atom::Const(lf.addr_const(lf.addr));
            lf.b.put(lf.m.ip_at_syscall, here);
            Ok(lf.goto(lf.next, JumpKind::Sys_syscall))
        }
        M::Sysenter => {
            let here = Atom::Const(lf.addr_const(lf.addr));
            lf.b.put(lf.m.ip_at_syscall, here);
            Ok(lf.goto(lf.next, JumpKind::Sys_sysenter))
        }
        M::Cpuid => cpuid(lf),
        M::Rdtsc => rdtsc(lf),
        M::Xgetbv => xgetbv(lf),
        // The modelled processor has no RTM (cpuid says so, as on this
        // project's reference machine): the TSX instructions raise #UD.
        M::Xtest | M::Xbegin | M::Xend | M::Xabort => Ok(lf.goto(lf.addr, JumpKind::SigILL)),
        M::Fxsave
        | M::Fxsave64
        | M::Fxrstor
        | M::Fxrstor64
        | M::Xsave
        | M::Xsave64
        | M::Xsavec
        | M::Xsavec64
        | M::Xrstor
        | M::Xrstor64
        | M::Fnstenv
        | M::Fldenv => super::fpstate::lift(lf, mn),
        _ => {
            if let Ok(f) = super::sse::lift(lf, mn) {
                return Ok(f);
            }
            super::x87::lift(lf, mn)
        }
    }
}

/// `int n`: system call gates for the vectors Linux uses; anything else
/// faults (its gate is not user-callable).
fn int_n(lf: &mut Lifter) -> R<Flow> {
    let n = lf.i.try_immediate(0).map_err(|_| Unsupported)?;
    let jk = match n {
        0x80 => JumpKind::Sys_int128,
        0x81 => JumpKind::Sys_int129,
        0x82 => JumpKind::Sys_int130,
        0x91 => JumpKind::Sys_int145,
        0xd2 => JumpKind::Sys_int210,
        3 => return Ok(lf.goto(lf.next, JumpKind::SigTRAP)),
        _ => return Ok(lf.goto(lf.addr, JumpKind::SigSEGV)),
    };
    let here = Atom::Const(lf.addr_const(lf.addr));
    lf.b.put(lf.m.ip_at_syscall, here);
    Ok(lf.goto(lf.next, jk))
}

fn gpr_effect(lf: &Lifter, n: u32, fx: Effect) -> StateEffect {
    StateEffect {
        fx,
        offset: vexil_ir::Offset(lf.m.gpr_off(n)),
        size: lf.m.gpr_size,
    }
}

fn cpuid(lf: &mut Lifter) -> R<Flow> {
    let name = if lf.m.bits == 64 {
        "amd64g_dirtyhelper_CPUID"
    } else {
        "x86g_dirtyhelper_CPUID"
    };
    let state = vec![
        gpr_effect(lf, RAX, Effect::Modify),
        gpr_effect(lf, RBX, Effect::Write),
        gpr_effect(lf, RCX, Effect::Modify),
        gpr_effect(lf, RDX, Effect::Write),
    ];
    lf.flush_flags();
    lf.b.push(Stmt::Dirty(Box::new(Dirty {
        callee: Callee::new(name),
        guard: Atom::bool(true),
        args: Vec::new(),
        tmp: None,
        mem: None,
        state,
    })));
    Ok(Flow::Next)
}

fn split_edx_eax(lf: &mut Lifter, v: Atom) {
    let lo = lf.un(vexil_ir::Op::I64to32, v);
    let hi = lf.un(vexil_ir::Op::I64HIto32, v);
    lf.put_gpr(RAX, lo);
    lf.put_gpr(RDX, hi);
}

fn rdtsc(lf: &mut Lifter) -> R<Flow> {
    let t = lf.b.new_temp(Type::I64);
    lf.flush_flags();
    lf.b.push(Stmt::Dirty(Box::new(Dirty {
        callee: Callee::new("x86g_dirtyhelper_RDTSC"),
        guard: Atom::bool(true),
        args: Vec::new(),
        tmp: Some(t),
        mem: None,
        state: Vec::new(),
    })));
    split_edx_eax(lf, Atom::Tmp(t));
    Ok(Flow::Next)
}

fn xgetbv(lf: &mut Lifter) -> R<Flow> {
    let c = lf.get_gpr(RCX, Type::I32);
    let t = lf.b.new_temp(Type::I64);
    lf.flush_flags();
    lf.b.push(Stmt::Dirty(Box::new(Dirty {
        callee: Callee::new("x86g_dirtyhelper_XGETBV"),
        guard: Atom::bool(true),
        args: vec![c],
        tmp: Some(t),
        mem: None,
        state: Vec::new(),
    })));
    split_edx_eax(lf, Atom::Tmp(t));
    Ok(Flow::Next)
}

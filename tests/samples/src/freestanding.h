/* Freestanding support for the static samples: raw Linux system calls and a
 * _start per architecture. No libc; link with -nostdlib -static (and -lgcc
 * for division and soft-float helpers on 32-bit ARM).
 *
 * _start is written in assembly so that the stack pointer the kernel hands
 * over is realigned before any C code runs; it passes the initial stack
 * pointer (argc, argv, envp, auxv) to cmain(), which must not return. */
#ifndef VEXIL_FREESTANDING_H
#define VEXIL_FREESTANDING_H

typedef unsigned long size_t;

#if defined(__x86_64__)
#define SYS_write 1
#define SYS_exit_group 231
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
        "  xor %ebp, %ebp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call cmain\n  hlt\n");
static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}
#elif defined(__i386__)
#define SYS_write 4
#define SYS_exit_group 252
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
        "  xor %ebp, %ebp\n  mov %esp, %eax\n  and $-16, %esp\n  sub $12, %esp\n"
        "  push %eax\n  call cmain\n  hlt\n");
static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
    return r;
}
#elif defined(__arm__)
#define SYS_write 4
#define SYS_exit_group 248
/* In the compilation's instruction set: with -mthumb, _start is a Thumb
 * function and the linker sets bit 0 of e_entry (loaders must honour it). */
#if defined(__thumb__)
#define START_ISA ".thumb\n.thumb_func\n"
#else
#define START_ISA ".arm\n"
#endif
__asm__(".text\n.globl _start\n.type _start,%function\n" START_ISA "_start:\n"
        "  mov r0, sp\n  bl cmain\n");
static long sys3(long n, long a, long b, long c)
{
    register long r7 __asm__("r7") = n;
    register long r0 __asm__("r0") = a;
    register long r1 __asm__("r1") = b;
    register long r2 __asm__("r2") = c;
    __asm__ volatile("svc 0" : "+r"(r0) : "r"(r7), "r"(r1), "r"(r2) : "memory");
    return r0;
}
#elif defined(__aarch64__)
#define SYS_write 64
#define SYS_exit_group 94
__asm__(".text\n.globl _start\n.type _start,%function\n_start:\n"
        "  mov x29, #0\n  mov x0, sp\n  bl cmain\n");
static long sys3(long n, long a, long b, long c)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}
#elif defined(__mips__)
#if _MIPS_SIM == _ABIO32
#define SYS_write 4004
#define SYS_exit_group 4246
#define STACK_ADJ "addiu"
#else
#define SYS_write 5001
#define SYS_exit_group 5205
#define STACK_ADJ "daddiu"
#endif
/* Built with -mno-abicalls -fno-pic: no $gp set-up is needed here. */
__asm__(".text\n.globl _start\n.type _start,@function\n.set noreorder\n_start:\n"
        "  move $4, $29\n  " STACK_ADJ " $29, $29, -32\n  jal cmain\n  nop\n.set reorder\n");
static long sys3(long n, long a, long b, long c)
{
    register long v0 __asm__("$2") = n;
    register long a0 __asm__("$4") = a;
    register long a1 __asm__("$5") = b;
    register long a2 __asm__("$6") = c;
    register long a3 __asm__("$7");
    __asm__ volatile("syscall"
                     : "+r"(v0), "=r"(a3)
                     : "r"(a0), "r"(a1), "r"(a2)
                     : "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15",
                       "$24", "$25", "hi", "lo", "memory");
    return a3 ? -v0 : v0;
}
#else
#error "unsupported architecture"
#endif

void cmain(long *sp) __attribute__((noreturn, used));

__attribute__((noreturn)) static void sys_exit(int code)
{
    for (;;)
        sys3(SYS_exit_group, code, 0, 0);
}

static long sys_write(int fd, const void *buf, size_t n)
{
    return sys3(SYS_write, fd, (long)buf, (long)n);
}

/* GCC may emit calls to these for struct copies even when freestanding. */
void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memset(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    while (n--)
        *dp++ = (unsigned char)c;
    return d;
}

#if defined(__arm__)
/* libgcc's division helpers call these on division by zero; its own versions
 * call raise() from libc. The samples never divide by zero. */
__attribute__((used)) int __aeabi_idiv0(int r) { return r; }
__attribute__((used)) long long __aeabi_ldiv0(long long r) { return r; }
#endif

#endif

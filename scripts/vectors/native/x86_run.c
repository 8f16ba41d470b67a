/*
 * Runs one x86-64 instruction on this machine's CPU with a given register
 * and memory state, and reports the state afterwards: the reference CPU
 * for vexil's x86-64 instruction vectors (scripts/vectors/arch/x86_64.py),
 * covering what Unicorn lacks (AVX, AVX2, AVX-512, BMI).
 *
 * How: the whole guest state is installed and collected through signal
 * frames, so no hand-written context-switch assembly is needed. The driver
 * raises SIGUSR1; the handler saves the host context, overwrites the frame
 * with the guest state (general registers, rflags, rip = the code page, the
 * FXSAVE area with x87/SSE state, and the XSAVE components for the ymm/zmm
 * upper halves, zmm16-31 and the mask registers) and returns, so the kernel's
 * sigreturn loads the guest state and runs the instruction. The code page is
 * filled with int3 around the instruction: falling through (or branching
 * anywhere else in the page) traps, and the trap handler reads the whole
 * state from its frame and puts the saved host context back. Faults
 * (SIGFPE for #DE, SIGSEGV, SIGILL, SIGBUS) are caught the same way.
 * Handlers run on an alternate stack, so any guest rsp is safe.
 *
 * Protocol (stdin/stdout, little-endian, one request/response per case):
 * see `struct req` and `struct resp`. The memory regions to map are given as
 * arguments: x86_run ADDR:SIZE ...; they are zeroed before every case.
 *
 * Build: gcc -O1 -o x86_run x86_run.c (x86-64 Linux only).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_ADDR 0x400000UL
#define CODE_SIZE 0x1000UL
#define NMEM 4
#define MEMMAX 256

struct state {
    uint64_t gpr[16];   /* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
    uint64_t rflags;
    uint32_t mxcsr;
    uint16_t fcw, fsw;
    uint8_t ftw;        /* abridged: bit i = physical register i in use */
    uint8_t pad[7];
    uint8_t st[8][16];  /* ST(0)..ST(7), 80-bit, as FXSAVE stores them */
    uint8_t zmm[32][64];
    uint64_t k[8];
};

struct mem {
    uint64_t addr;
    uint32_t len;
    uint32_t pad;
    uint8_t data[MEMMAX];
};

struct req {
    uint32_t code_len;
    uint32_t nmem;
    uint8_t code[32];
    struct state st;
    struct mem mem[NMEM];
};

struct resp {
    int32_t signo;      /* 0: ended normally (trap at the next address) */
    int32_t si_code;
    uint64_t next;      /* next rip, or the faulting instruction */
    uint64_t fault;     /* si_addr for SIGSEGV/SIGBUS */
    struct state st;
    struct mem mem[NMEM];
};

static struct req rq;
static struct resp rs;
static greg_t host_gregs[NGREG];
static uint8_t host_fp[16384];
static size_t xsize;
static unsigned off_ymm, off_k, off_zhi, off_z16; /* XSAVE component offsets */
static volatile int phase;
static uint8_t *code;

static void load_guest(ucontext_t *uc) {
    greg_t *g = uc->uc_mcontext.gregs;
    static const int idx[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
    for (int i = 0; i < 16; i++) g[idx[i]] = (greg_t)rq.st.gpr[i];
    g[REG_RIP] = (greg_t)CODE_ADDR;
    g[REG_EFL] = (greg_t)((rq.st.rflags & 0x000cd5) | 0x202);
    uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
    memcpy(fp + 0, &rq.st.fcw, 2);
    memcpy(fp + 2, &rq.st.fsw, 2);
    fp[4] = rq.st.ftw;
    memset(fp + 6, 0, 18);
    memcpy(fp + 24, &rq.st.mxcsr, 4);
    for (int i = 0; i < 8; i++) memcpy(fp + 32 + 16 * i, rq.st.st[i], 16);
    for (int i = 0; i < 16; i++) memcpy(fp + 160 + 16 * i, rq.st.zmm[i], 16);
    uint64_t bv;
    memcpy(&bv, fp + 512, 8);
    bv |= 0xe7; /* x87, SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM */
    memcpy(fp + 512, &bv, 8);
    for (int i = 0; i < 16; i++) {
        memcpy(fp + off_ymm + 16 * i, rq.st.zmm[i] + 16, 16);
        memcpy(fp + off_zhi + 32 * i, rq.st.zmm[i] + 32, 32);
        memcpy(fp + off_z16 + 64 * i, rq.st.zmm[16 + i], 64);
    }
    memcpy(fp + off_k, rq.st.k, 64);
}

static void save_guest(ucontext_t *uc) {
    greg_t *g = uc->uc_mcontext.gregs;
    static const int idx[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
    for (int i = 0; i < 16; i++) rs.st.gpr[i] = (uint64_t)g[idx[i]];
    rs.st.rflags = (uint64_t)g[REG_EFL];
    uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
    uint64_t bv;
    memcpy(&bv, fp + 512, 8);
    memcpy(&rs.st.fcw, fp + 0, 2);
    memcpy(&rs.st.fsw, fp + 2, 2);
    rs.st.ftw = fp[4];
    memcpy(&rs.st.mxcsr, fp + 24, 4);
    for (int i = 0; i < 8; i++) memcpy(rs.st.st[i], fp + 32 + 16 * i, 16);
    memset(rs.st.zmm, 0, sizeof rs.st.zmm);
    for (int i = 0; i < 16; i++) memcpy(rs.st.zmm[i], fp + 160 + 16 * i, 16);
    /* Components whose XSTATE_BV bit is clear are in their initial (zero) state. */
    for (int i = 0; i < 16; i++) {
        if (bv & 4) memcpy(rs.st.zmm[i] + 16, fp + off_ymm + 16 * i, 16);
        if (bv & 0x40) memcpy(rs.st.zmm[i] + 32, fp + off_zhi + 32 * i, 32);
        if (bv & 0x80) memcpy(rs.st.zmm[16 + i], fp + off_z16 + 64 * i, 64);
    }
    if (bv & 0x20) memcpy(rs.st.k, fp + off_k, 64);
    else memset(rs.st.k, 0, 64);
}

static void handler(int sig, siginfo_t *si, void *ctx) {
    /* The kernel keeps AC (alignment check) set on delivery: a guest that
       set it must not make the handler's own unaligned accesses fault. */
    __asm__ volatile("pushfq; andq $~0x40000, (%%rsp); popfq" ::: "memory", "cc");
    ucontext_t *uc = ctx;
    uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
    if (phase == 0 && sig == SIGUSR1) {
        memcpy(host_gregs, uc->uc_mcontext.gregs, sizeof host_gregs);
        memcpy(host_fp, fp, xsize);
        load_guest(uc);
        phase = 1;
        return;
    }
    if (phase != 1) {
        /* A fault in the harness itself. */
        _exit(100 + sig);
    }
    uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    save_guest(uc);
    rs.si_code = si->si_code;
    rs.fault = (uint64_t)si->si_addr;
    if (sig == SIGTRAP) {
        /* int3 at rip-1: the filler (a normal end) unless it is the tested
           instruction itself. */
        if (rip - 1 == CODE_ADDR && code[0] == 0xcc) {
            rs.signo = SIGTRAP;
            rs.next = rip;
        } else {
            rs.signo = 0;
            rs.next = rip - 1;
        }
    } else if (sig == SIGSEGV && (uint64_t)si->si_addr == rip && (rip < CODE_ADDR || rip >= CODE_ADDR + CODE_SIZE)) {
        /* A jump out of the code page: fetching the target faulted. */
        rs.signo = 0;
        rs.next = rip;
    } else {
        rs.signo = sig;
        rs.next = rip;
    }
    memcpy(uc->uc_mcontext.gregs, host_gregs, sizeof host_gregs);
    memcpy(fp, host_fp, xsize);
    phase = 2;
}

static void read_all(void *p, size_t n) {
    uint8_t *b = p;
    while (n) {
        ssize_t r = read(0, b, n);
        if (r <= 0) exit(r == 0 ? 0 : 1);
        b += r;
        n -= (size_t)r;
    }
}

static void write_all(const void *p, size_t n) {
    const uint8_t *b = p;
    while (n) {
        ssize_t r = write(1, b, n);
        if (r <= 0) exit(1);
        b += r;
        n -= (size_t)r;
    }
}

int main(int argc, char **argv) {
    unsigned a, b, c, d;
    __cpuid_count(0xd, 2, a, b, c, d); off_ymm = b;
    __cpuid_count(0xd, 5, a, b, c, d); off_k = b;
    __cpuid_count(0xd, 6, a, b, c, d); off_zhi = b;
    __cpuid_count(0xd, 7, a, b, c, d); off_z16 = b;
    __cpuid_count(0xd, 0, a, b, c, d); xsize = b; /* XSAVE area size for XCR0 */
    if (!off_k || !off_z16 || xsize > sizeof host_fp) {
        fprintf(stderr, "x86_run: this CPU lacks AVX-512 state\n");
        return 2;
    }
    code = mmap((void *)CODE_ADDR, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (code == MAP_FAILED) { perror("mmap code"); return 2; }
    uint64_t maps[16][2];
    int nmaps = 0;
    for (int i = 1; i < argc && nmaps < 16; i++) {
        unsigned long long ad, sz;
        if (sscanf(argv[i], "%llx:%llx", &ad, &sz) != 2) { fprintf(stderr, "bad map %s\n", argv[i]); return 2; }
        if (mmap((void *)ad, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED) {
            perror("mmap region"); return 2;
        }
        maps[nmaps][0] = ad; maps[nmaps][1] = sz; nmaps++;
    }
    static uint8_t altstack[1 << 17];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGUSR1, SIGTRAP, SIGSEGV, SIGFPE, SIGILL, SIGBUS};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
    for (;;) {
        read_all(&rq, sizeof rq);
        for (int i = 0; i < nmaps; i++) memset((void *)maps[i][0], 0, maps[i][1]);
        memset(code, 0xcc, CODE_SIZE);
        if (rq.code_len > sizeof rq.code) rq.code_len = sizeof rq.code;
        memcpy(code, rq.code, rq.code_len);
        if (rq.nmem > NMEM) rq.nmem = NMEM;
        for (unsigned i = 0; i < rq.nmem; i++) {
            if (rq.mem[i].len > MEMMAX) rq.mem[i].len = MEMMAX;
            memcpy((void *)rq.mem[i].addr, rq.mem[i].data, rq.mem[i].len);
        }
        memset(&rs, 0, sizeof rs);
        phase = 0;
        raise(SIGUSR1);
        if (phase != 2) { fprintf(stderr, "x86_run: guest did not return\n"); return 3; }
        for (unsigned i = 0; i < rq.nmem; i++) {
            rs.mem[i] = rq.mem[i];
            memcpy(rs.mem[i].data, (void *)rq.mem[i].addr, rq.mem[i].len);
        }
        write_all(&rs, sizeof rs);
    }
}

/* A freestanding whole program that exercises integer arithmetic (division,
 * 64-bit multiply and shifts), a jump table, a sort, a checksum, floating
 * point and argc/argv from the initial stack, then prints the results and
 * exits with a status computed from them (static, no libc). */
#include "freestanding.h"

typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

static char out[4096];
static size_t outn;

static void put(const char *s)
{
    while (*s && outn < sizeof out)
        out[outn++] = *s++;
}

static void put_u64(u64 v, unsigned base, int width)
{
    char tmp[32];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n && outn < sizeof out)
        out[outn++] = tmp[--n];
}

static void put_i64(i64 v)
{
    if (v < 0) {
        put("-");
        put_u64((u64)0 - (u64)v, 10, 1);
    } else {
        put_u64((u64)v, 10, 1);
    }
}

__attribute__((noinline)) static u32 crc32(const char *p)
{
    u32 crc = 0xFFFFFFFFu;
    for (; *p; p++) {
        crc ^= (unsigned char)*p;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

__attribute__((noinline)) static void sort(int *a, int n)
{
    for (int i = 1; i < n; i++) {
        int v = a[i], j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

__attribute__((noinline)) static i64 op(int k, i64 a, i64 b)
{
    switch (k) {
    /* Wrapping arithmetic through u64: signed overflow would be undefined. */
    case 0: return (i64)((u64)a + (u64)b);
    case 1: return (i64)((u64)a - (u64)b);
    case 2: return (i64)((u64)a * (u64)b);
    case 3: return b ? a / b : 0;
    case 4: return b ? a % b : 0;
    case 5: return (i64)((u64)a << (b & 63));
    case 6: return a >> (b & 63);
    case 7: return (i64)((u64)a >> (b & 63));
    case 8: return a & b;
    case 9: return a | b;
    default: return a ^ b;
    }
}

__attribute__((noinline)) static double dsqrt(double x)
{
    double r = x > 1.0 ? x / 2.0 : 1.0;
    for (int i = 0; i < 40; i++)
        r = 0.5 * (r + x / r);
    return r;
}

void cmain(long *sp)
{
    long argc = sp[0];
    char **argv = (char **)(sp + 1);
    u32 status = 0;

    put("argc=");
    put_i64(argc);
    put("\n");
    for (long i = 1; i < argc && i < 4; i++) {
        put("arg: ");
        put(argv[i]);
        put("\n");
    }

    u32 c = crc32("The quick brown fox jumps over the lazy dog");
    put("crc32=");
    put_u64(c, 16, 8);
    put("\n");
    status ^= c;

    int a[12] = { 42, -7, 19, 0, 1000, -300, 5, 5, 88, -1, 64, 3 };
    sort(a, 12);
    put("sorted:");
    for (int i = 0; i < 12; i++) {
        put(" ");
        put_i64(a[i]);
    }
    put("\n");

    static const i64 xs[] = { 123456789012345LL, -98765, 7, -1, 0x7fffffffffffffffLL };
    for (int k = 0; k <= 10; k++) {
        put("op");
        put_u64((u64)k, 10, 2);
        put(":");
        for (int i = 0; i < 5; i++) {
            i64 r = op(k, xs[i], xs[(i + 2) % 5] % 61);
            put(" ");
            put_i64(r);
            status += (u32)r;
        }
        put("\n");
    }

    double s = dsqrt(2.0);
    put("sqrt2*1e9=");
    put_i64((int)(s * 1e9)); /* int, not i64: no libgcc __fixdfdi */
    put("\n");

    put("status=");
    put_u64(status & 0x7f, 10, 1);
    put("\n");
    sys_write(1, out, outn);
    sys_exit((int)(status & 0x7f));
}

/* String and checksum routines: byte loops, shifts, table-free CRC-32,
 * Adler-32 and FNV-1a. Output is identical on every architecture. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) static size_t my_strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

__attribute__((noinline)) static uint32_t crc32(const unsigned char *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

__attribute__((noinline)) static uint32_t adler32(const unsigned char *p, size_t n)
{
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return (b << 16) | a;
}

__attribute__((noinline)) static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

__attribute__((noinline)) static void reverse(char *s, size_t n)
{
    for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
        char t = s[i];
        s[i] = s[j];
        s[j] = t;
    }
}

int main(void)
{
    static const char *const msgs[] = {
        "",
        "a",
        "abc",
        "The quick brown fox jumps over the lazy dog",
        "vexil lifts machine code into one IR",
        "\xff\x80\x7f\x01 high bytes",
    };
    char buf[128];
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        size_t n = my_strlen(msgs[i]);
        const unsigned char *u = (const unsigned char *)msgs[i];
        memcpy(buf, msgs[i], n + 1);
        reverse(buf, n);
        printf("%zu len=%u crc32=%08x adler32=%08x fnv1a=%08x rev-fnv1a=%08x\n", i,
               (unsigned)n, (unsigned)crc32(u, n), (unsigned)adler32(u, n),
               (unsigned)fnv1a(msgs[i]), (unsigned)fnv1a(buf));
    }
    return 0;
}

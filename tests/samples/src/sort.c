/* Sorting: an in-place quicksort, an insertion sort on 64-bit keys, and
 * libc's qsort with a comparison callback (an indirect call into and out of
 * the C library). Output is identical on every architecture. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 200

static uint32_t seed = 12345;

static uint32_t lcg(void)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) & 0xFFFFFF;
}

__attribute__((noinline)) static void quicksort(int32_t *a, int lo, int hi)
{
    while (lo < hi) {
        int32_t pivot = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                int32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger one. */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

__attribute__((noinline)) static void insertion_sort64(uint64_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        uint64_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static int cmp_desc(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a < b) - (a > b);
}

static uint32_t digest(const int32_t *a, int n)
{
    uint32_t h = 0;
    for (int i = 0; i < n; i++)
        h = (h << 5 | h >> 27) ^ (uint32_t)a[i];
    return h;
}

int main(void)
{
    static int32_t a[N], b[N];
    static uint64_t w[32];
    for (int i = 0; i < N; i++) {
        a[i] = (int32_t)lcg() - 0x800000;
        b[i] = a[i];
    }
    quicksort(a, 0, N - 1);
    int sorted = 1;
    for (int i = 1; i < N; i++)
        sorted &= a[i - 1] <= a[i];
    printf("quicksort: sorted=%d min=%d max=%d digest=%08x\n", sorted, (int)a[0],
           (int)a[N - 1], (unsigned)digest(a, N));

    qsort(b, N, sizeof b[0], cmp_desc);
    printf("qsort desc: first=%d last=%d digest=%08x\n", (int)b[0], (int)b[N - 1],
           (unsigned)digest(b, N));

    for (int i = 0; i < 32; i++)
        w[i] = ((uint64_t)lcg() << 40) ^ ((uint64_t)lcg() << 16) ^ lcg();
    insertion_sort64(w, 32);
    printf("insertion64: first=%016llx last=%016llx\n", (unsigned long long)w[0],
           (unsigned long long)w[31]);
    return 0;
}

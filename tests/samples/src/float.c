/* Floating point without libm: Newton square roots, a Taylor series, float
 * and double conversions and comparisons. Output is identical on every
 * architecture (IEEE binary32/binary64, round to nearest). */
#include <stdint.h>
#include <stdio.h>

__attribute__((noinline)) static double newton_sqrt(double x)
{
    if (x <= 0.0)
        return 0.0;
    double r = x > 1.0 ? x / 2.0 : 1.0;
    for (int i = 0; i < 60; i++)
        r = 0.5 * (r + x / r);
    return r;
}

__attribute__((noinline)) static float newton_sqrtf(float x)
{
    float r = x > 1.0f ? x * 0.5f : 1.0f;
    for (int i = 0; i < 30; i++)
        r = 0.5f * (r + x / r);
    return r;
}

__attribute__((noinline)) static double taylor_sin(double x)
{
    double term = x, sum = x;
    for (int n = 1; n < 15; n++) {
        term *= -x * x / ((2 * n) * (2 * n + 1));
        sum += term;
    }
    return sum;
}

__attribute__((noinline)) static int64_t to_int(double d)
{
    return (int64_t)d;
}

int main(void)
{
    static const double xs[] = { 2.0, 10.0, 0.25, 12345.678, 1e-6 };
    for (int i = 0; i < 5; i++) {
        double s = newton_sqrt(xs[i]);
        float f = newton_sqrtf((float)xs[i]);
        printf("sqrt(%.6g) = %.12f (float %.6f) sq=%.9g\n", xs[i], s, (double)f, s * s);
    }
    for (int d = -180; d <= 180; d += 45) {
        double rad = d * 3.14159265358979323846 / 180.0;
        printf("sin(%d) = %+.9f\n", d, taylor_sin(rad));
    }
    double big = 9007199254740993.0; /* 2^53 + 1 rounds to 2^53 */
    printf("to_int: %lld %lld %lld\n", (long long)to_int(-2.75), (long long)to_int(1e15 + 0.5),
           (long long)to_int(big));
    float a = 0.1f, b = 0.2f;
    double c = 0.1, e = 0.2;
    printf("cmp: %d %d %d %d\n", a + b == 0.3f, c + e == 0.3, (double)a < c, -0.0 == 0.0);
    unsigned u = 4000000000u;
    printf("conv: %.1f %u %d\n", (double)u, (unsigned)(double)u, (int)(float)-123.9f);
    return 0;
}

/* matmul: dense f64 matrix multiply (i-k-j order) plus a transpose-based
 * variant. Floating-point multiply-add through linear memory. */
#include "shim.h"

#define MAX_DIM 128
static double A[MAX_DIM * MAX_DIM], B[MAX_DIM * MAX_DIM], C[MAX_DIM * MAX_DIM],
    T[MAX_DIM * MAX_DIM];

static void fill(u32 n, u64 seed) {
    bench_rng r;
    bench_rng_seed(&r, seed);
    for (u32 i = 0; i < n * n; i++) {
        A[i] = bench_rng_f64(&r) - 0.5;
        B[i] = bench_rng_f64(&r) * 2.0 - 1.0;
    }
}

static void mul_ikj(u32 n) {
    for (u32 i = 0; i < n * n; i++) C[i] = 0.0;
    for (u32 i = 0; i < n; i++)
        for (u32 k = 0; k < n; k++) {
            double a = A[i * n + k];
            double *c = &C[i * n];
            const double *b = &B[k * n];
            for (u32 j = 0; j < n; j++) c[j] += a * b[j];
        }
}

static void mul_transposed(u32 n) {
    for (u32 i = 0; i < n; i++)
        for (u32 j = 0; j < n; j++) T[j * n + i] = B[i * n + j];
    for (u32 i = 0; i < n; i++)
        for (u32 j = 0; j < n; j++) {
            double s = 0.0;
            const double *a = &A[i * n], *t = &T[j * n];
            for (u32 k = 0; k < n; k++) s += a[k] * t[k];
            /* Mix into C so both products reach the checksum. */
            C[i * n + j] = C[i * n + j] * 0.5 + s;
        }
}

static i64 bench(u32 n, u32 reps) {
    u64 h = 0;
    for (u32 r = 0; r < reps; r++) {
        fill(n, 1234 + r);
        mul_ikj(n);
        mul_transposed(n);
        double trace = 0.0;
        for (u32 i = 0; i < n; i++) trace += C[i * n + i];
        h = bench_mix(h, bench_f64_bits(trace));
        h = bench_mix(h, bench_f64_bits(C[(n / 3) * n + n / 2]));
    }
    return (i64)h;
}

BENCH_EXPORT i64 run(void) { return bench(MAX_DIM, 5); }
BENCH_EXPORT i64 run_small(void) { return bench(40, 2); }

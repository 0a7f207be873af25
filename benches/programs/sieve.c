/* sieve: the sieve of Eratosthenes over a byte array, repeated with a
 * segmented variant. Tight loops of byte loads and stores. */
#include "shim.h"

#define MAX_N (1024 * 1024)
static u8 composite[MAX_N];

static u32 simple_sieve(u32 n) {
    memset(composite, 0, n);
    u32 count = 0;
    for (u32 i = 2; i < n; i++) {
        if (!composite[i]) {
            count++;
            for (u32 j = i * 2; j < n; j += i) composite[j] = 1;
        }
    }
    return count;
}

/* Odd-only sieve with bits: exercises shifts and masks. */
static u32 bits[MAX_N / 64 + 1];
static u32 bit_sieve(u32 n) {
    u32 words = (n / 2) / 32 + 1;
    for (u32 i = 0; i < words; i++) bits[i] = 0;
    u32 count = n > 2 ? 1 : 0; /* the prime 2 */
    for (u32 i = 3; i < n; i += 2) {
        u32 k = i >> 1;
        if (!(bits[k >> 5] & (1u << (k & 31)))) {
            count++;
            for (u64 j = (u64)i * i; j < n; j += 2 * i) {
                u32 m = (u32)(j >> 1);
                bits[m >> 5] |= 1u << (m & 31);
            }
        }
    }
    return count;
}

static i64 bench(u32 n, u32 reps) {
    u64 h = 0;
    for (u32 r = 0; r < reps; r++) {
        u32 lim = n - r * 1000;
        h = bench_mix(h, simple_sieve(lim));
        h = bench_mix(h, bit_sieve(lim));
    }
    return (i64)h;
}

BENCH_EXPORT i64 run(void) { return bench(MAX_N, 4); }
BENCH_EXPORT i64 run_small(void) { return bench(100000, 2); }

/* fib: doubly recursive Fibonacci. Measures call and return overhead:
 * almost every instruction executed is part of a call sequence. */
#include "shim.h"

static u32 fib(u32 n) {
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}

/* A second, mutually recursive pair so calls are not all to one target. */
static u64 odd_sum(u32 n);
static u64 even_sum(u32 n) {
    if (n == 0) return 1;
    return (u64)n * 3 + odd_sum(n - 1);
}
static u64 odd_sum(u32 n) {
    if (n == 0) return 7;
    return (u64)n ^ even_sum(n - 1);
}

static i64 bench(u32 n) {
    u64 h = fib(n);
    for (u32 i = 0; i < 2000; i++) h = bench_mix(h, even_sum(200 + (i & 63)));
    return (i64)h;
}

BENCH_EXPORT i64 run(void) { return bench(35); }
BENCH_EXPORT i64 run_small(void) { return bench(20); }

/* quicksort: sorts a large array of pseudo-random 32-bit keys with a
 * median-of-three quicksort (insertion sort below a cutoff), then a
 * sort of 64-bit keys, and checks order. Compare-and-swap loops and
 * unpredictable branches. */
#include "shim.h"

#define MAX_N (1 << 19)
static u32 keys[MAX_N];
static u64 wide[MAX_N / 4];

static void insertion_u32(u32 *a, i32 lo, i32 hi) {
    for (i32 i = lo + 1; i <= hi; i++) {
        u32 v = a[i];
        i32 j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static inline void swap_u32(u32 *a, i32 i, i32 j) {
    u32 t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void quicksort_u32(u32 *a, i32 lo, i32 hi) {
    while (hi - lo > 16) {
        i32 mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap_u32(a, mid, lo);
        if (a[hi] < a[lo]) swap_u32(a, hi, lo);
        if (a[hi] < a[mid]) swap_u32(a, hi, mid);
        u32 pivot = a[mid];
        i32 i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                swap_u32(a, i, j);
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger. */
        if (j - lo < hi - i) {
            quicksort_u32(a, lo, j);
            lo = i;
        } else {
            quicksort_u32(a, i, hi);
            hi = j;
        }
    }
    insertion_u32(a, lo, hi);
}

/* The same algorithm on u64 keys, plain recursion on both halves. */
static void quicksort_u64(u64 *a, i32 lo, i32 hi) {
    if (lo >= hi) return;
    u64 pivot = a[lo + (hi - lo) / 2];
    i32 i = lo, j = hi;
    while (i <= j) {
        while (a[i] < pivot) i++;
        while (a[j] > pivot) j--;
        if (i <= j) {
            u64 t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
    }
    quicksort_u64(a, lo, j);
    quicksort_u64(a, i, hi);
}

static i64 bench(u32 n) {
    bench_rng r;
    bench_rng_seed(&r, 2024);
    for (u32 i = 0; i < n; i++) keys[i] = bench_rng_u32(&r) % (n * 4);
    u32 m = n / 4;
    for (u32 i = 0; i < m; i++) wide[i] = bench_rng_next(&r);
    quicksort_u32(keys, 0, (i32)n - 1);
    quicksort_u64(wide, 0, (i32)m - 1);
    u64 h = 0;
    for (u32 i = 1; i < n; i++)
        if (keys[i - 1] > keys[i]) return -1;
    for (u32 i = 1; i < m; i++)
        if (wide[i - 1] > wide[i]) return -2;
    for (u32 i = 0; i < n; i += 1 + (n >> 10)) h = bench_mix(h, keys[i]);
    for (u32 i = 0; i < m; i += 1 + (m >> 10)) h = bench_mix(h, wide[i]);
    return (i64)h;
}

BENCH_EXPORT i64 run(void) { return bench(420000); }
BENCH_EXPORT i64 run_small(void) { return bench(20000); }

/* shim.h: the little runtime every benchmark program includes.
 *
 * The programs are freestanding: the wasm build has no libc (-nostdlib), so
 * this header supplies the few library routines they need. The native build
 * links the system libc for main() only; the programs themselves use the
 * bench_* routines below in both builds, so wasm and native run the same
 * algorithms and produce the same checksums.
 *
 * Rules for programs, so that the checksum is the same on wasm32 and x86-64:
 *  - use fixed-width types (u32, u64, i64...), never `long` or `size_t`
 *    in anything that reaches the checksum;
 *  - never hash pointers;
 *  - floating point only through + - * / and sqrt (no libm), and turn
 *    doubles into the checksum through bench_f64_bits().
 */
#ifndef WEFT_BENCH_SHIM_H
#define WEFT_BENCH_SHIM_H

#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t i8;
typedef int16_t i16;
typedef int32_t i32;
typedef int64_t i64;

/* Exported entry points: run() is the measured workload, run_small() the
 * same code on a small input for the quick correctness test. */
#define BENCH_EXPORT __attribute__((visibility("default"), used))

/* ---- memory routines ---------------------------------------------------
 * On wasm the compiler lowers struct copies and zeroing loops to calls to
 * memcpy/memset, so they must exist. no_builtin stops clang from turning
 * these very loops back into calls to themselves. Natively libc has them. */
#ifdef __wasm__
__attribute__((no_builtin)) void *memcpy(void *dst, const void *src, size_t n) {
    u8 *d = (u8 *)dst;
    const u8 *s = (const u8 *)src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4) *(u32 *)d = *(const u32 *)s;
    }
    while (n--) *d++ = *s++;
    return dst;
}

__attribute__((no_builtin)) void *memmove(void *dst, const void *src, size_t n) {
    u8 *d = (u8 *)dst;
    const u8 *s = (const u8 *)src;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else if (d > s) {
        d += n;
        s += n;
        while (n--) *--d = *--s;
    }
    return dst;
}

__attribute__((no_builtin)) void *memset(void *dst, int c, size_t n) {
    u8 *d = (u8 *)dst;
    if (((uintptr_t)d & 3) == 0) {
        u32 w = (u8)c * 0x01010101u;
        for (; n >= 4; n -= 4, d += 4) *(u32 *)d = w;
    }
    while (n--) *d++ = (u8)c;
    return dst;
}

__attribute__((no_builtin)) int memcmp(const void *a, const void *b, size_t n) {
    const u8 *x = (const u8 *)a, *y = (const u8 *)b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x - *y;
    return 0;
}
#else
#include <string.h>
#endif

static inline u32 bench_strlen(const char *s) {
    u32 n = 0;
    while (s[n]) n++;
    return n;
}

/* ---- deterministic pseudo-random numbers (xorshift64*) ---------------- */
typedef struct {
    u64 s;
} bench_rng;

static inline void bench_rng_seed(bench_rng *r, u64 seed) {
    r->s = seed ? seed : 0x9E3779B97F4A7C15ull;
}

static inline u64 bench_rng_next(bench_rng *r) {
    u64 x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static inline u32 bench_rng_u32(bench_rng *r) { return (u32)(bench_rng_next(r) >> 32); }

/* A double in [0, 1) with 53 random bits. */
static inline double bench_rng_f64(bench_rng *r) {
    return (double)(bench_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- checksum helpers ---------------------------------------------------- */
static inline u64 bench_f64_bits(double d) {
    union {
        double d;
        u64 u;
    } v;
    v.d = d;
    return v.u;
}

static inline u64 bench_mix(u64 h, u64 v) {
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h;
}

/* ---- heap ---------------------------------------------------------------
 * A bump allocator over one static arena with segregated free lists in
 * 16-byte size classes (up to 1 KiB; larger blocks are never reused).
 * Programs that include the allocator define BENCH_HEAP_BYTES first.
 * The arena is static on both targets (on wasm it is zero-initialised
 * memory beyond the data segments), so there are no imports. */
#ifdef BENCH_HEAP_BYTES
static unsigned char bench_arena[BENCH_HEAP_BYTES] __attribute__((aligned(16)));
static size_t bench_heap_top;

#define BENCH_CLASSES 64
typedef struct bench_free_block {
    struct bench_free_block *next;
} bench_free_block;
static bench_free_block *bench_free_lists[BENCH_CLASSES];

/* Every block has a 16-byte header holding its size class. */
static void *bench_alloc(size_t n) {
    size_t cls = (n + 15) >> 4;
    if (cls == 0) cls = 1;
    if (cls < BENCH_CLASSES && bench_free_lists[cls]) {
        bench_free_block *b = bench_free_lists[cls];
        bench_free_lists[cls] = b->next;
        return b;
    }
    size_t bytes = (cls << 4) + 16;
    if (bench_heap_top + bytes > BENCH_HEAP_BYTES) __builtin_trap();
    unsigned char *p = bench_arena + bench_heap_top;
    bench_heap_top += bytes;
    *(size_t *)p = cls;
    return p + 16;
}

static void bench_free(void *ptr) {
    if (!ptr) return;
    size_t cls = *(size_t *)((unsigned char *)ptr - 16);
    if (cls < BENCH_CLASSES) {
        bench_free_block *b = (bench_free_block *)ptr;
        b->next = bench_free_lists[cls];
        bench_free_lists[cls] = b;
    }
}

/* Forget every allocation (between repetitions). */
static void bench_heap_reset(void) {
    bench_heap_top = 0;
    for (int i = 0; i < BENCH_CLASSES; i++) bench_free_lists[i] = 0;
}
#endif

#endif

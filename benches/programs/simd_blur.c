/* simd_blur: an 8-bit grayscale image filter, the kind of inner loop an
 * image library vectorizes by hand. Every iteration
 *   - blurs the image with the separable 5-tap binomial kernel
 *     [1 4 6 4 1] / 16 (a horizontal pass, then a vertical one; rows are
 *     padded by replicating the edge pixels, rows above and below the image
 *     are clamped),
 *   - measures how far the blur moved each pixel (sum and maximum of the
 *     absolute differences),
 *   - replaces the image by its unsharp mask, clamp(2 * image - blurred).
 *
 * The wasm build (benches/programs/build.sh compiles this one program with
 * -msimd128) uses wasm_simd128.h intrinsics: 16 pixels per step, u16 lanes
 * for the kernel sums, saturating u8 arithmetic for the differences and the
 * mask. The native build (and any wasm build without SIMD) uses the plain C
 * loops below, which compute exactly the same integers, so both give the
 * same checksum. */
#include "shim.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

/* Largest image: 512 x 384. Each row has PAD replicated pixels on both
 * sides, so the horizontal pass reads x - 2 .. x + 17 without bounds checks. */
#define MAX_W 512
#define MAX_H 384
#define PAD 16
#define STRIDE (MAX_W + 2 * PAD)

static u8 image[MAX_H * STRIDE] __attribute__((aligned(16)));
static u8 horiz[MAX_H * STRIDE] __attribute__((aligned(16)));
static u8 blurred[MAX_H * STRIDE] __attribute__((aligned(16)));

static inline u8 *row(u8 *img, u32 y) { return img + y * STRIDE + PAD; }

/* Replicate each row's first and last pixel into its padding. */
static void pad_rows(u8 *img, u32 w, u32 h) {
    for (u32 y = 0; y < h; y++) {
        u8 *r = row(img, y);
        u8 first = r[0], last = r[w - 1];
        for (u32 i = 1; i <= PAD; i++) {
            r[-(i32)i] = first;
            r[w - 1 + i] = last;
        }
    }
}

#ifdef __wasm_simd128__

/* (a + 4b + 6c + 4d + e + 8) >> 4 on eight u16 lanes (at most 4088). */
static inline v128_t taps(v128_t a, v128_t b, v128_t c, v128_t d, v128_t e) {
    v128_t s = wasm_i16x8_add(a, e);
    s = wasm_i16x8_add(s, wasm_i16x8_shl(wasm_i16x8_add(b, d), 2));
    s = wasm_i16x8_add(s, wasm_i16x8_mul(c, wasm_i16x8_splat(6)));
    s = wasm_i16x8_add(s, wasm_i16x8_splat(8));
    return wasm_u16x8_shr(s, 4);
}

/* The kernel on 16 u8 lanes: widen each input to two u16x8 halves. */
static inline v128_t taps16(v128_t a, v128_t b, v128_t c, v128_t d, v128_t e) {
    v128_t lo = taps(wasm_u16x8_extend_low_u8x16(a), wasm_u16x8_extend_low_u8x16(b),
                     wasm_u16x8_extend_low_u8x16(c), wasm_u16x8_extend_low_u8x16(d),
                     wasm_u16x8_extend_low_u8x16(e));
    v128_t hi = taps(wasm_u16x8_extend_high_u8x16(a), wasm_u16x8_extend_high_u8x16(b),
                     wasm_u16x8_extend_high_u8x16(c), wasm_u16x8_extend_high_u8x16(d),
                     wasm_u16x8_extend_high_u8x16(e));
    return wasm_u8x16_narrow_i16x8(lo, hi);
}

static void blur_h(const u8 *src, u8 *dst, u32 w) {
    for (u32 x = 0; x < w; x += 16) {
        const u8 *p = src + x;
        v128_t out = taps16(wasm_v128_load(p - 2), wasm_v128_load(p - 1), wasm_v128_load(p),
                            wasm_v128_load(p + 1), wasm_v128_load(p + 2));
        wasm_v128_store(dst + x, out);
    }
}

static void blur_v(const u8 *r0, const u8 *r1, const u8 *r2, const u8 *r3, const u8 *r4, u8 *dst,
                   u32 w) {
    for (u32 x = 0; x < w; x += 16) {
        v128_t out = taps16(wasm_v128_load(r0 + x), wasm_v128_load(r1 + x), wasm_v128_load(r2 + x),
                            wasm_v128_load(r3 + x), wasm_v128_load(r4 + x));
        wasm_v128_store(dst + x, out);
    }
}

/* Sum and maximum of |a - b| over one row; a = unsharp(a, b) in place. */
static void diff_and_sharpen(u8 *a, const u8 *b, u32 w, u64 *sum, u32 *max) {
    v128_t acc = wasm_i32x4_splat(0);
    v128_t hi = wasm_i8x16_splat(0);
    for (u32 x = 0; x < w; x += 16) {
        v128_t va = wasm_v128_load(a + x);
        v128_t vb = wasm_v128_load(b + x);
        v128_t up = wasm_u8x16_sub_sat(va, vb);   /* a - b where a > b */
        v128_t down = wasm_u8x16_sub_sat(vb, va); /* b - a where b > a */
        v128_t d = wasm_v128_or(up, down);
        hi = wasm_u8x16_max(hi, d);
        acc = wasm_i32x4_add(acc, wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(d)));
        wasm_v128_store(a + x, wasm_u8x16_sub_sat(wasm_u8x16_add_sat(va, up), down));
    }
    /* Horizontal reductions: fold the halves together with shuffles. */
    acc = wasm_i32x4_add(acc, wasm_i32x4_shuffle(acc, acc, 2, 3, 0, 1));
    acc = wasm_i32x4_add(acc, wasm_i32x4_shuffle(acc, acc, 1, 0, 3, 2));
    *sum += wasm_u32x4_extract_lane(acc, 0);
    hi = wasm_u8x16_max(hi, wasm_i64x2_shuffle(hi, hi, 1, 0));
    hi = wasm_u8x16_max(hi, wasm_i32x4_shuffle(hi, hi, 1, 0, 3, 2));
    hi = wasm_u8x16_max(hi, wasm_i16x8_shuffle(hi, hi, 1, 0, 3, 2, 5, 4, 7, 6));
    hi = wasm_u8x16_max(hi, wasm_i8x16_shuffle(hi, hi, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
    u32 m = wasm_u8x16_extract_lane(hi, 0);
    if (m > *max) *max = m;
}

#else /* plain C: the same integers */

static inline u8 tap(u32 a, u32 b, u32 c, u32 d, u32 e) {
    return (u8)((a + 4 * b + 6 * c + 4 * d + e + 8) >> 4);
}

static void blur_h(const u8 *src, u8 *dst, u32 w) {
    for (u32 x = 0; x < w; x++) {
        const u8 *p = src + x;
        dst[x] = tap(p[-2], p[-1], p[0], p[1], p[2]);
    }
}

static void blur_v(const u8 *r0, const u8 *r1, const u8 *r2, const u8 *r3, const u8 *r4, u8 *dst,
                   u32 w) {
    for (u32 x = 0; x < w; x++) dst[x] = tap(r0[x], r1[x], r2[x], r3[x], r4[x]);
}

static void diff_and_sharpen(u8 *a, const u8 *b, u32 w, u64 *sum, u32 *max) {
    u32 s = 0, m = 0;
    for (u32 x = 0; x < w; x++) {
        i32 va = a[x], vb = b[x];
        u32 d = (u32)(va > vb ? va - vb : vb - va);
        s += d;
        if (d > m) m = d;
        i32 v = 2 * va - vb;
        a[x] = (u8)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    *sum += s;
    if (m > *max) *max = m;
}

#endif

static u32 clamp_row(i32 y, u32 h) { return y < 0 ? 0 : (u32)y >= h ? h - 1 : (u32)y; }

static i64 bench(u32 w, u32 h, u32 iters) {
    if (w % 16 || w > MAX_W || h > MAX_H || h < 1) __builtin_trap();
    /* A smooth gradient with ripples, plus noise. */
    bench_rng r;
    bench_rng_seed(&r, 0x5eed);
    for (u32 y = 0; y < h; y++) {
        u8 *p = row(image, y);
        for (u32 x = 0; x < w; x++) {
            u32 v = (x * 3 + y * 2) ^ ((x * y) >> 5);
            p[x] = (u8)(v + (bench_rng_u32(&r) & 31));
        }
    }
    u64 h64 = 0;
    for (u32 it = 0; it < iters; it++) {
        pad_rows(image, w, h);
        for (u32 y = 0; y < h; y++) blur_h(row(image, y), row(horiz, y), w);
        for (u32 y = 0; y < h; y++)
            blur_v(row(horiz, clamp_row((i32)y - 2, h)), row(horiz, clamp_row((i32)y - 1, h)),
                   row(horiz, y), row(horiz, clamp_row((i32)y + 1, h)),
                   row(horiz, clamp_row((i32)y + 2, h)), row(blurred, y), w);
        u64 sum = 0;
        u32 max = 0;
        for (u32 y = 0; y < h; y++) diff_and_sharpen(row(image, y), row(blurred, y), w, &sum, &max);
        h64 = bench_mix(h64, sum);
        h64 = bench_mix(h64, max);
        /* Every few iterations, blur for real (the mask alone saturates). */
        if (it % 4 == 3)
            for (u32 y = 0; y < h; y++) memcpy(row(image, y), row(blurred, y), w);
    }
    /* FNV-1a over the final image. */
    u64 f = 0xcbf29ce484222325ull;
    for (u32 y = 0; y < h; y++) {
        const u8 *p = row(image, y);
        for (u32 x = 0; x < w; x++) f = (f ^ p[x]) * 0x100000001b3ull;
    }
    return (i64)bench_mix(h64, f);
}

BENCH_EXPORT i64 run(void) { return bench(MAX_W, MAX_H, 120); }
BENCH_EXPORT i64 run_small(void) { return bench(64, 40, 9); }

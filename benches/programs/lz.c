/* lz: an LZ77-style compressor with a hash-chain match finder, and its
 * decompressor; the round trip is checked. Byte-granular memory access,
 * data-dependent branches, short copy loops.
 *
 * Format: a sequence of tokens. A token byte with the high bit clear is a
 * literal run of (byte + 1) literals that follow. With the high bit set it
 * is a match: length = (byte & 0x7f) + MIN_MATCH, then a 2-byte
 * little-endian distance (1..WINDOW). */
#include "shim.h"

#define MIN_MATCH 4
#define MAX_MATCH (0x7f + MIN_MATCH)
#define WINDOW 65535
#define HASH_BITS 14
#define CHAIN_LIMIT 24

#define MAX_INPUT (1 << 18)
static u8 input[MAX_INPUT];
static u8 packed[MAX_INPUT + MAX_INPUT / 64 + 64];
static u8 unpacked[MAX_INPUT];
static i32 head[1 << HASH_BITS];
static i32 prev[MAX_INPUT];

static inline u32 hash4(const u8 *p) {
    u32 v = (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

static u32 compress(const u8 *in, u32 n, u8 *out) {
    for (u32 i = 0; i < (1u << HASH_BITS); i++) head[i] = -1;
    u32 op = 0, lit_start = 0, i = 0;
#define FLUSH_LITERALS(end)                                   \
    while (lit_start < (end)) {                               \
        u32 run = (end) - lit_start;                          \
        if (run > 128) run = 128;                             \
        out[op++] = (u8)(run - 1);                            \
        for (u32 k = 0; k < run; k++) out[op++] = in[lit_start + k]; \
        lit_start += run;                                     \
    }
    while (i + MIN_MATCH <= n) {
        u32 h = hash4(in + i);
        i32 cand = head[h];
        u32 best_len = 0, best_dist = 0, chain = 0;
        while (cand >= 0 && i - (u32)cand <= WINDOW && chain++ < CHAIN_LIMIT) {
            const u8 *a = in + cand, *b = in + i;
            u32 max = n - i;
            if (max > MAX_MATCH) max = MAX_MATCH;
            if (a[best_len] == b[best_len]) {
                u32 len = 0;
                while (len < max && a[len] == b[len]) len++;
                if (len > best_len) {
                    best_len = len;
                    best_dist = i - (u32)cand;
                    if (len == max) break;
                }
            }
            cand = prev[cand];
        }
        prev[i] = head[h];
        head[h] = (i32)i;
        if (best_len >= MIN_MATCH) {
            FLUSH_LITERALS(i);
            out[op++] = (u8)(0x80 | (best_len - MIN_MATCH));
            out[op++] = (u8)best_dist;
            out[op++] = (u8)(best_dist >> 8);
            /* Insert the skipped positions into the chains. */
            for (u32 k = 1; k < best_len && i + k + MIN_MATCH <= n; k++) {
                u32 hk = hash4(in + i + k);
                prev[i + k] = head[hk];
                head[hk] = (i32)(i + k);
            }
            i += best_len;
            lit_start = i;
        } else {
            i++;
        }
    }
    FLUSH_LITERALS(n);
#undef FLUSH_LITERALS
    return op;
}

static u32 decompress(const u8 *in, u32 n, u8 *out) {
    u32 ip = 0, op = 0;
    while (ip < n) {
        u8 t = in[ip++];
        if (t & 0x80) {
            u32 len = (t & 0x7f) + MIN_MATCH;
            u32 dist = (u32)in[ip] | (u32)in[ip + 1] << 8;
            ip += 2;
            const u8 *src = out + op - dist;
            /* Overlapping copies must go forward byte by byte. */
            for (u32 k = 0; k < len; k++) out[op + k] = src[k];
            op += len;
        } else {
            u32 run = (u32)t + 1;
            for (u32 k = 0; k < run; k++) out[op + k] = in[ip + k];
            ip += run;
            op += run;
        }
    }
    return op;
}

/* Compressible input: words from a small vocabulary, numbers, and some
 * noise, like a log file. */
static u32 make_input(u8 *buf, u32 n, u64 seed) {
    static const char *words[] = {"the",    "quick", "brown",   "fox",     "jumps", "over",
                                  "lazy",   "dog",   "weft",    "warp",    "loom",  "thread",
                                  "shuttle", "heddle", "reed",  "bobbin",  "ERROR", "INFO",
                                  "request", "served", "in",     "ms",     "user",  "id"};
    bench_rng r;
    bench_rng_seed(&r, seed);
    u32 i = 0;
    while (i < n) {
        u32 pick = bench_rng_u32(&r) % 40;
        if (pick < 24) {
            const char *w = words[pick];
            while (*w && i < n) buf[i++] = (u8)*w++;
        } else if (pick < 32) {
            u32 v = bench_rng_u32(&r) % 100000;
            char tmp[8];
            u32 k = 0;
            do {
                tmp[k++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            while (k && i < n) buf[i++] = (u8)tmp[--k];
        } else if (pick < 34) {
            if (i < n) buf[i++] = (u8)(bench_rng_u32(&r) & 0xff);
        } else {
            if (i < n) buf[i++] = pick < 38 ? ' ' : '\n';
        }
    }
    return n;
}

static i64 bench(u32 n, u32 reps) {
    u64 h = 0;
    for (u32 r = 0; r < reps; r++) {
        make_input(input, n, 99 + r);
        u32 c = compress(input, n, packed);
        u32 d = decompress(packed, c, unpacked);
        if (d != n || memcmp(input, unpacked, n) != 0) return -1;
        h = bench_mix(h, c);
        for (u32 k = 0; k < c; k += 97) h = bench_mix(h, packed[k]);
    }
    return (i64)h;
}

BENCH_EXPORT i64 run(void) { return bench(MAX_INPUT, 5); }
BENCH_EXPORT i64 run_small(void) { return bench(30000, 2); }

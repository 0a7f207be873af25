/* sha256: the SHA-256 compression function over a generated buffer, with
 * hash chaining. 32-bit rotates, xors and adds; little memory traffic. */
#include "shim.h"

static const u32 K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

typedef struct {
    u32 h[8];
    u8 buf[64];
    u32 buf_len;
    u64 total;
} sha256_ctx;

static inline u32 rotr(u32 x, u32 n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(u32 *h, const u8 *p) {
    u32 w[64];
    for (u32 i = 0; i < 16; i++)
        w[i] = (u32)p[4 * i] << 24 | (u32)p[4 * i + 1] << 16 | (u32)p[4 * i + 2] << 8 |
               (u32)p[4 * i + 3];
    for (u32 i = 16; i < 64; i++) {
        u32 s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        u32 s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (u32 i = 0; i < 64; i++) {
        u32 S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        u32 ch = (e & f) ^ (~e & g);
        u32 t1 = hh + S1 + ch + K[i] + w[i];
        u32 S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        u32 maj = (a & b) ^ (a & c) ^ (b & c);
        u32 t2 = S0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

static void sha256_init(sha256_ctx *c) {
    static const u32 iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (u32 i = 0; i < 8; i++) c->h[i] = iv[i];
    c->buf_len = 0;
    c->total = 0;
}

static void sha256_update(sha256_ctx *c, const u8 *p, u32 n) {
    c->total += n;
    while (n) {
        if (c->buf_len == 0 && n >= 64) {
            sha256_block(c->h, p);
            p += 64;
            n -= 64;
            continue;
        }
        u32 take = 64 - c->buf_len;
        if (take > n) take = n;
        memcpy(c->buf + c->buf_len, p, take);
        c->buf_len += take;
        p += take;
        n -= take;
        if (c->buf_len == 64) {
            sha256_block(c->h, c->buf);
            c->buf_len = 0;
        }
    }
}

static void sha256_final(sha256_ctx *c, u8 out[32]) {
    u64 bits = c->total * 8;
    u8 pad = 0x80;
    sha256_update(c, &pad, 1);
    u8 zero = 0;
    while (c->buf_len != 56) sha256_update(c, &zero, 1);
    u8 len[8];
    for (u32 i = 0; i < 8; i++) len[i] = (u8)(bits >> (56 - 8 * i));
    sha256_update(c, len, 8);
    for (u32 i = 0; i < 8; i++) {
        out[4 * i] = (u8)(c->h[i] >> 24);
        out[4 * i + 1] = (u8)(c->h[i] >> 16);
        out[4 * i + 2] = (u8)(c->h[i] >> 8);
        out[4 * i + 3] = (u8)c->h[i];
    }
}

#define BUF_BYTES (1 << 17)
static u8 data[BUF_BYTES];

static i64 bench(u32 bytes, u32 rounds) {
    bench_rng r;
    bench_rng_seed(&r, 42);
    for (u32 i = 0; i < bytes; i += 4) {
        u32 v = bench_rng_u32(&r);
        memcpy(data + i, &v, 4);
    }
    u8 digest[32] = {0};
    for (u32 k = 0; k < rounds; k++) {
        sha256_ctx c;
        sha256_init(&c);
        sha256_update(&c, digest, 32);
        /* Odd lengths so the buffering path runs too. */
        sha256_update(&c, data, bytes - 13 * k);
        sha256_final(&c, digest);
    }
    u64 h = 0;
    for (u32 i = 0; i < 32; i++) h = h * 131 + digest[i];
    return (i64)h;
}

BENCH_EXPORT i64 run(void) { return bench(BUF_BYTES, 11); }
BENCH_EXPORT i64 run_small(void) { return bench(16384, 3); }

/* SHA-256("abc") = ba7816bf...; used by build.sh as a self-check. */
BENCH_EXPORT i64 selftest(void) {
    sha256_ctx c;
    u8 d[32];
    sha256_init(&c);
    sha256_update(&c, (const u8 *)"abc", 3);
    sha256_final(&c, d);
    return ((i64)d[0] << 24 | (i64)d[1] << 16 | (i64)d[2] << 8 | d[3]) == 0xba7816bf;
}

/* crc32: CRC-32 (IEEE, reflected) three ways: bit by bit, one table, and
 * slicing-by-4. Byte loads, table lookups, shifts. */
#include "shim.h"

static u32 table[4][256];

static void make_tables(void) {
    for (u32 i = 0; i < 256; i++) {
        u32 c = i;
        for (u32 k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[0][i] = c;
    }
    for (u32 i = 0; i < 256; i++) {
        u32 c = table[0][i];
        for (u32 t = 1; t < 4; t++) {
            c = table[0][c & 0xff] ^ (c >> 8);
            table[t][i] = c;
        }
    }
}

static u32 crc_bitwise(u32 crc, const u8 *p, u32 n) {
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (u32 k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static u32 crc_table(u32 crc, const u8 *p, u32 n) {
    crc = ~crc;
    while (n--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static u32 crc_slice4(u32 crc, const u8 *p, u32 n) {
    crc = ~crc;
    while (n >= 4) {
        crc ^= (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
        crc = table[3][crc & 0xff] ^ table[2][(crc >> 8) & 0xff] ^ table[1][(crc >> 16) & 0xff] ^
              table[0][crc >> 24];
        p += 4;
        n -= 4;
    }
    while (n--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#define BUF_BYTES (1 << 19)
static u8 data[BUF_BYTES];

static i64 bench(u32 bytes, u32 reps) {
    make_tables();
    bench_rng r;
    bench_rng_seed(&r, 7);
    for (u32 i = 0; i < bytes; i++) data[i] = (u8)(bench_rng_next(&r) >> 56);
    u64 h = 0;
    for (u32 k = 0; k < reps; k++) {
        u32 len = bytes - k * 3;
        u32 a = crc_table(k, data, len);
        u32 b = crc_slice4(k, data, len);
        u32 c = crc_bitwise(k, data, len / 4);
        if (a != b) return -1;
        h = bench_mix(h, a);
        h = bench_mix(h, c);
    }
    /* CRC-32("123456789") = 0xCBF43926 */
    h = bench_mix(h, crc_table(0, (const u8 *)"123456789", 9) == 0xCBF43926u);
    return (i64)h;
}

BENCH_EXPORT i64 run(void) { return bench(BUF_BYTES, 11); }
BENCH_EXPORT i64 run_small(void) { return bench(20000, 3); }

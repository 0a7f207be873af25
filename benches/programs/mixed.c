/* mixed: a CoreMark-class blend written for weft: linked-list operations
 * (find, reverse, merge sort), small integer matrix operations, a
 * character-driven state machine, and a CRC-16 over the results of each
 * part. Each iteration uses the previous CRC as its seed, so the parts
 * cannot be hoisted. */
#include "shim.h"

/* ---- CRC-16/CCITT, bitwise ---- */
static u16 crc16_byte(u8 b, u16 crc) {
    crc ^= (u16)b << 8;
    for (int k = 0; k < 8; k++) crc = (crc & 0x8000) ? (u16)((crc << 1) ^ 0x1021) : (u16)(crc << 1);
    return crc;
}
static u16 crc16_u32(u32 v, u16 crc) {
    crc = crc16_byte((u8)v, crc);
    crc = crc16_byte((u8)(v >> 8), crc);
    crc = crc16_byte((u8)(v >> 16), crc);
    return crc16_byte((u8)(v >> 24), crc);
}

/* ---- linked list over a static pool ---- */
#define LIST_N 256
typedef struct item {
    struct item *next;
    i16 data;
    u16 idx;
} item;
static item pool[LIST_N];

static item *list_build(u16 seed) {
    item *head = 0;
    for (int i = LIST_N - 1; i >= 0; i--) {
        pool[i].idx = (u16)i;
        pool[i].data = (i16)((i * 37 + seed) & 0x3fff) ^ (i16)(seed >> 3);
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static item *list_reverse(item *l) {
    item *prev = 0;
    while (l) {
        item *next = l->next;
        l->next = prev;
        prev = l;
        l = next;
    }
    return prev;
}

static item *list_find(item *l, i16 data) {
    while (l && l->data != data) l = l->next;
    return l;
}

/* Bottom-up merge sort; cmp_by_data selects the key. */
static int cmp_items(const item *a, const item *b, int by_data) {
    return by_data ? (a->data - b->data) : (a->idx - b->idx);
}
static item *list_sort(item *list, int by_data) {
    int insize = 1;
    for (;;) {
        item *p = list, *tail = 0;
        list = 0;
        int merges = 0;
        while (p) {
            merges++;
            item *q = p;
            int psize = 0;
            for (int i = 0; i < insize && q; i++) {
                psize++;
                q = q->next;
            }
            int qsize = insize;
            while (psize > 0 || (qsize > 0 && q)) {
                item *e;
                if (psize == 0) {
                    e = q;
                    q = q->next;
                    qsize--;
                } else if (qsize == 0 || !q || cmp_items(p, q, by_data) <= 0) {
                    e = p;
                    p = p->next;
                    psize--;
                } else {
                    e = q;
                    q = q->next;
                    qsize--;
                }
                if (tail) tail->next = e;
                else list = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1) return list;
        insize *= 2;
    }
}

static u16 bench_list(u16 crc) {
    item *l = list_build(crc);
    u32 found = 0;
    for (int i = 0; i < 32; i++) {
        item *f = list_find(l, (i16)((i * 37 + crc) & 0x3fff) ^ (i16)(crc >> 3));
        if (f) found += f->idx;
    }
    l = list_reverse(l);
    l = list_sort(l, 1);
    u32 acc = 0;
    for (item *p = l; p; p = p->next) acc = acc * 3 + (u16)p->data;
    l = list_sort(l, 0);
    for (item *p = l; p; p = p->next) acc ^= (u32)p->idx << (p->idx & 15);
    crc = crc16_u32(found, crc);
    return crc16_u32(acc, crc);
}

/* ---- integer matrices ---- */
#define MN 24
static i16 ma[MN * MN], mb[MN * MN];
static i32 mc[MN * MN];

static u16 bench_matrix(u16 crc) {
    for (int i = 0; i < MN * MN; i++) {
        ma[i] = (i16)((i * 7 + crc) & 0xff) - 128;
        mb[i] = (i16)((i * 13 ^ crc) & 0xff) - 128;
    }
    /* add constant, multiply by constant, matrix-vector, matrix-matrix, bit extract */
    for (int i = 0; i < MN * MN; i++) ma[i] += (i16)(crc & 7);
    for (int i = 0; i < MN * MN; i++) mc[i] = (i32)ma[i] * 5;
    i32 sum = 0;
    for (int i = 0; i < MN; i++) {
        i32 s = 0;
        for (int j = 0; j < MN; j++) s += (i32)ma[i * MN + j] * mb[j];
        sum += s;
    }
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            i32 s = 0;
            for (int k = 0; k < MN; k++) s += (i32)ma[i * MN + k] * mb[k * MN + j];
            mc[i * MN + j] = s;
        }
    u32 bits = 0;
    for (int i = 0; i < MN * MN; i++) bits += ((u32)mc[i] >> 2) & 0xf;
    crc = crc16_u32((u32)sum, crc);
    return crc16_u32(bits, crc);
}

/* ---- state machine: classify comma-separated fields ---- */
enum { S_START, S_INT, S_FLOAT, S_EXP, S_EXP_SIGN, S_EXP_INT, S_SIGN, S_INVALID, S_COUNT };
static char input_buf[512];

static int next_state(int s, char c) {
    int digit = c >= '0' && c <= '9';
    switch (s) {
    case S_START:
        if (digit) return S_INT;
        if (c == '+' || c == '-') return S_SIGN;
        if (c == '.') return S_FLOAT;
        return S_INVALID;
    case S_SIGN:
        if (digit) return S_INT;
        if (c == '.') return S_FLOAT;
        return S_INVALID;
    case S_INT:
        if (digit) return S_INT;
        if (c == '.') return S_FLOAT;
        if (c == 'e' || c == 'E') return S_EXP;
        return S_INVALID;
    case S_FLOAT:
        if (digit) return S_FLOAT;
        if (c == 'e' || c == 'E') return S_EXP;
        return S_INVALID;
    case S_EXP:
        if (c == '+' || c == '-') return S_EXP_SIGN;
        if (digit) return S_EXP_INT;
        return S_INVALID;
    case S_EXP_SIGN:
    case S_EXP_INT:
        return digit ? S_EXP_INT : S_INVALID;
    default:
        return S_INVALID;
    }
}

static u16 bench_state(u16 crc) {
    static const char *const samples[] = {"5012", "1234", "-874", "+122", "35.54400",
                                          ".1234500", "-110.700", "+0.64400", "5.500e+3",
                                          "-.123e-2", "-87e+832", "+0.6e-12", "T0.3e-1F",
                                          "-T.T++Tq", "1T3.4e4z", "34.0e-T^"};
    u32 n = 0;
    for (int f = 0; n < sizeof(input_buf) - 12; f++) {
        const char *s = samples[(f + crc) & 15];
        while (*s) input_buf[n++] = *s++;
        input_buf[n++] = ',';
    }
    input_buf[n] = 0;
    /* Corrupt a few bytes depending on the seed. */
    for (u32 i = crc & 7; i < n; i += 23 + (crc & 3))
        if (input_buf[i] != ',') input_buf[i] ^= 0x1;
    u32 final_counts[S_COUNT] = {0}, transitions[S_COUNT] = {0};
    int s = S_START;
    for (u32 i = 0; i < n; i++) {
        char c = input_buf[i];
        if (c == ',') {
            final_counts[s]++;
            s = S_START;
            continue;
        }
        int t = next_state(s, c);
        if (t != s) transitions[t]++;
        s = t;
    }
    for (int k = 0; k < S_COUNT; k++) {
        crc = crc16_u32(final_counts[k], crc);
        crc = crc16_u32(transitions[k], crc);
    }
    return crc;
}

static i64 bench(u32 iterations) {
    u16 crc = 0x1234;
    u64 h = 0;
    for (u32 i = 0; i < iterations; i++) {
        crc = bench_list(crc);
        crc = bench_matrix(crc);
        crc = bench_state(crc);
        h = bench_mix(h, crc);
    }
    return (i64)h;
}

BENCH_EXPORT i64 run(void) { return bench(650); }
BENCH_EXPORT i64 run_small(void) { return bench(10); }

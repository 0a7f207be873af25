/* tokenize: generates source-like text, splits it into tokens (identifiers,
 * numbers, strings, operators, comments), interns identifiers in an
 * open-addressing hash table and counts them. Byte-at-a-time scanning with
 * character-class branches, string hashing and comparison. */
#include "shim.h"

#define MAX_TEXT (1 << 19)
static char text[MAX_TEXT + 1];

#define TABLE_BITS 15
#define TABLE_SIZE (1 << TABLE_BITS)
typedef struct {
    u32 start; /* offset into text of the first occurrence */
    u32 len;
    u32 hash;
    u32 count;
} entry;
static entry table[TABLE_SIZE];

static const char *const fragments[] = {
    "let ", "fn ", "return ", "if ", "else ", "while ", "for ", "in ", "match ",
    "struct ", " = ", " + ", " - ", " * ", " / ", " == ", " != ", " <= ", " >= ",
    " && ", " || ", "(", ")", "{\n", "}\n", "[", "]", ", ", "; ", ";\n", ".", "->",
    "// a comment about the loop\n", "/* block\n comment */", "\"a string\"",
    "\"escaped \\\" quote\"", "\n    "};
static const char *const names[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta",
                                    "eta", "theta", "iota", "kappa", "lambda", "mu",
                                    "counter", "index", "buffer", "result", "value", "node",
                                    "left", "right", "parent", "children", "x", "y"};

static u32 generate(u32 n, u64 seed) {
    bench_rng r;
    bench_rng_seed(&r, seed);
    u32 i = 0;
    const u32 nfrag = sizeof(fragments) / sizeof(fragments[0]);
    const u32 nnames = sizeof(names) / sizeof(names[0]);
    while (i + 64 < n) {
        u32 pick = bench_rng_u32(&r) % 100;
        const char *s;
        char buf[24];
        if (pick < 40) {
            s = names[bench_rng_u32(&r) % nnames];
            /* Sometimes add a numeric suffix, giving many distinct names. */
            if (pick < 10) {
                u32 len = bench_strlen(s), k = 0;
                for (; k < len; k++) buf[k] = s[k];
                u32 v = bench_rng_u32(&r) % 500;
                buf[k++] = '_';
                buf[k++] = (char)('0' + v / 100);
                buf[k++] = (char)('0' + v / 10 % 10);
                buf[k++] = (char)('0' + v % 10);
                buf[k] = 0;
                s = buf;
            }
        } else if (pick < 55) {
            u32 v = bench_rng_u32(&r), k = 0;
            char tmp[12];
            do {
                tmp[k++] = (char)('0' + v % 10);
                v /= 10;
            } while (v && k < 6);
            u32 j = 0;
            while (k) buf[j++] = tmp[--k];
            if (pick < 45) {
                buf[j++] = '.';
                buf[j++] = '5';
            }
            buf[j] = 0;
            s = buf;
        } else {
            s = fragments[bench_rng_u32(&r) % nfrag];
        }
        while (*s) text[i++] = *s++;
        text[i++] = ' ';
    }
    text[i] = 0;
    return i;
}

enum { T_IDENT, T_NUMBER, T_STRING, T_OP, T_COMMENT, T_KINDS };

static inline int is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

static void intern(u32 start, u32 len, u32 hash) {
    u32 slot = hash & (TABLE_SIZE - 1);
    for (;;) {
        entry *e = &table[slot];
        if (e->count == 0) {
            e->start = start;
            e->len = len;
            e->hash = hash;
            e->count = 1;
            return;
        }
        if (e->hash == hash && e->len == len && memcmp(text + e->start, text + start, len) == 0) {
            e->count++;
            return;
        }
        slot = (slot + 1) & (TABLE_SIZE - 1);
    }
}

static u64 tokenize(u32 n, u32 counts[T_KINDS]) {
    u64 numsum = 0;
    u32 i = 0;
    while (i < n) {
        char c = text[i];
        if (c == ' ' || c == '\n' || c == '\t') {
            i++;
        } else if (is_alpha(c)) {
            u32 start = i, h = 2166136261u;
            while (is_alpha(text[i]) || is_digit(text[i])) h = (h ^ (u8)text[i++]) * 16777619u;
            intern(start, i - start, h);
            counts[T_IDENT]++;
        } else if (is_digit(c)) {
            u64 v = 0;
            while (is_digit(text[i])) v = v * 10 + (u64)(text[i++] - '0');
            if (text[i] == '.' && is_digit(text[i + 1])) {
                i++;
                while (is_digit(text[i])) v = v * 10 + (u64)(text[i++] - '0');
            }
            numsum += v;
            counts[T_NUMBER]++;
        } else if (c == '"') {
            i++;
            while (i < n && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
            i++;
            counts[T_STRING]++;
        } else if (c == '/' && text[i + 1] == '/') {
            while (i < n && text[i] != '\n') i++;
            counts[T_COMMENT]++;
        } else if (c == '/' && text[i + 1] == '*') {
            i += 2;
            while (i + 1 < n && !(text[i] == '*' && text[i + 1] == '/')) i++;
            i += 2;
            counts[T_COMMENT]++;
        } else {
            /* Two-character operators first. */
            char d = text[i + 1];
            if ((c == '=' || c == '!' || c == '<' || c == '>') && d == '=') i += 2;
            else if ((c == '&' && d == '&') || (c == '|' && d == '|') || (c == '-' && d == '>'))
                i += 2;
            else
                i++;
            counts[T_OP]++;
        }
    }
    return numsum;
}

static i64 bench(u32 n, u32 reps) {
    u64 h = 0;
    u32 len = generate(n, 5);
    for (u32 r = 0; r < reps; r++) {
        for (u32 k = 0; k < TABLE_SIZE; k++) table[k].count = 0;
        u32 counts[T_KINDS] = {0};
        h = bench_mix(h, tokenize(len - r * 7, counts));
        for (u32 k = 0; k < T_KINDS; k++) h = bench_mix(h, counts[k]);
        u32 distinct = 0, maxc = 0;
        for (u32 k = 0; k < TABLE_SIZE; k++)
            if (table[k].count) {
                distinct++;
                if (table[k].count > maxc) maxc = table[k].count;
            }
        h = bench_mix(h, distinct);
        h = bench_mix(h, maxc);
    }
    return (i64)h;
}

BENCH_EXPORT i64 run(void) { return bench(MAX_TEXT, 8); }
BENCH_EXPORT i64 run_small(void) { return bench(20000, 2); }

/* bintrees: builds and walks many complete binary trees, keeping one
 * long-lived tree alive (the classic GC stress shape), with a free-list
 * allocator. Allocation, pointer chasing, recursion. */
#define BENCH_HEAP_BYTES (8 << 20)
#include "shim.h"

typedef struct node {
    struct node *left, *right;
    u32 value;
} node;

static node *make(u32 depth, u32 value) {
    node *n = (node *)bench_alloc(sizeof(node));
    n->value = value;
    if (depth == 0) {
        n->left = n->right = 0;
    } else {
        n->left = make(depth - 1, value * 2);
        n->right = make(depth - 1, value * 2 + 1);
    }
    return n;
}

static u64 check(const node *n) {
    if (!n->left) return n->value & 7;
    return 1 + (n->value & 3) + check(n->left) + check(n->right);
}

static void destroy(node *n) {
    if (n->left) {
        destroy(n->left);
        destroy(n->right);
    }
    bench_free(n);
}

static i64 bench(u32 max_depth) {
    bench_heap_reset();
    u64 h = 0;
    node *stretch = make(max_depth + 1, 1);
    h = bench_mix(h, check(stretch));
    destroy(stretch);
    node *long_lived = make(max_depth, 1);
    for (u32 d = 4; d <= max_depth; d += 2) {
        u32 iterations = 1u << (max_depth - d + 4);
        u64 sum = 0;
        for (u32 i = 0; i < iterations; i++) {
            node *t = make(d, i);
            sum += check(t);
            destroy(t);
        }
        h = bench_mix(h, sum);
    }
    h = bench_mix(h, check(long_lived));
    destroy(long_lived);
    return (i64)h;
}

BENCH_EXPORT i64 run(void) { return bench(14); }
BENCH_EXPORT i64 run_small(void) { return bench(8); }

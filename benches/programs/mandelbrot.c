/* mandelbrot: escape-time iteration over a grid in f64, packing the set's
 * membership into bits. Float multiply/add/compare in a tight loop with an
 * early exit. */
#include "shim.h"

static i64 bench(u32 size, u32 max_iter) {
    u64 h = 0, total_iter = 0;
    u8 byte = 0;
    u32 bit = 0;
    for (u32 y = 0; y < size; y++) {
        double ci = 2.0 * y / size - 1.0;
        for (u32 x = 0; x < size; x++) {
            double cr = 2.5 * x / size - 2.0;
            double zr = 0.0, zi = 0.0, tr = 0.0, ti = 0.0;
            u32 i = 0;
            while (i < max_iter && tr + ti <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
                i++;
            }
            total_iter += i;
            byte = (u8)((byte << 1) | (i == max_iter));
            if (++bit == 8) {
                h = bench_mix(h, byte);
                byte = 0;
                bit = 0;
            }
        }
    }
    return (i64)bench_mix(h, total_iter);
}

BENCH_EXPORT i64 run(void) { return bench(480, 200); }
BENCH_EXPORT i64 run_small(void) { return bench(64, 50); }

/* native_main.c: the driver linked into the native build of each program.
 *
 *   prog            prints run()'s checksum
 *   prog --small    prints run_small()'s checksum
 *   prog --time N   runs run() N times, printing "<ns> <checksum>" per run
 *                   (the time of run() alone, without process start-up)
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long long run(void);
long long run_small(void);

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--small") == 0) {
        printf("%lld\n", run_small());
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--time") == 0) {
        int n = argc >= 3 ? atoi(argv[2]) : 1;
        for (int i = 0; i < n; i++) {
            long long t0 = now_ns();
            long long sum = run();
            long long t1 = now_ns();
            printf("%lld %lld\n", t1 - t0, sum);
            fflush(stdout);
        }
        return 0;
    }
    printf("%lld\n", run());
    return 0;
}

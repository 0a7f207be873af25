/* nbody: a planetary n-body simulation (symplectic Euler) in f64 over an
 * array of structs, plus energy computation. Float arithmetic, sqrt,
 * division, struct field loads and stores. */
#include "shim.h"

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24
#define NBODIES 5

typedef struct {
    double x, y, z, vx, vy, vz, mass;
} body;

static body bodies[NBODIES];

static void init(void) {
    /* Sun, then four giant planets (positions in AU, velocities in AU/day). */
    static const double init_state[NBODIES][7] = {
        {0, 0, 0, 0, 0, 0, 1.0},
        {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
         1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
         9.54791938424326609e-04},
        {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
         -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
         2.85885980666130812e-04},
        {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
         2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
         4.36624404335156298e-05},
        {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
         2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
         5.15138902046611451e-05}};
    for (int i = 0; i < NBODIES; i++) {
        body *b = &bodies[i];
        b->x = init_state[i][0];
        b->y = init_state[i][1];
        b->z = init_state[i][2];
        b->vx = init_state[i][3] * DAYS_PER_YEAR;
        b->vy = init_state[i][4] * DAYS_PER_YEAR;
        b->vz = init_state[i][5] * DAYS_PER_YEAR;
        b->mass = init_state[i][6] * SOLAR_MASS;
    }
    /* Offset the sun's momentum so the system's total is zero. */
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < NBODIES; i++) {
        px += bodies[i].vx * bodies[i].mass;
        py += bodies[i].vy * bodies[i].mass;
        pz += bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
}

static void advance(double dt) {
    for (int i = 0; i < NBODIES; i++) {
        body *a = &bodies[i];
        for (int j = i + 1; j < NBODIES; j++) {
            body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * __builtin_sqrt(d2));
            a->vx -= dx * b->mass * mag;
            a->vy -= dy * b->mass * mag;
            a->vz -= dz * b->mass * mag;
            b->vx += dx * a->mass * mag;
            b->vy += dy * a->mass * mag;
            b->vz += dz * a->mass * mag;
        }
    }
    for (int i = 0; i < NBODIES; i++) {
        body *b = &bodies[i];
        b->x += dt * b->vx;
        b->y += dt * b->vy;
        b->z += dt * b->vz;
    }
}

static double energy(void) {
    double e = 0.0;
    for (int i = 0; i < NBODIES; i++) {
        body *a = &bodies[i];
        e += 0.5 * a->mass * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
        for (int j = i + 1; j < NBODIES; j++) {
            body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            e -= a->mass * b->mass / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static i64 bench(u32 steps) {
    init();
    u64 h = bench_f64_bits(energy());
    for (u32 s = 0; s < steps; s++) {
        advance(0.01);
        if ((s & 0xfff) == 0) h = bench_mix(h, bench_f64_bits(energy()));
    }
    h = bench_mix(h, bench_f64_bits(energy()));
    /* Also the energy rounded to 9 digits, readable in a debugger. */
    return (i64)bench_mix(h, (u64)(i64)(energy() * -1e9));
}

BENCH_EXPORT i64 run(void) { return bench(176000); }
BENCH_EXPORT i64 run_small(void) { return bench(10000); }

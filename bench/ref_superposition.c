/* ref_superposition: a single-purpose hand-written C loop of W1 (shared/W1.md), the yardstick of SPEC §9
 * ("within 1.5x of a single-purpose hand-written C loop using the same superposition").
 *
 * It simulates exactly what rollsim simulates for bench/w1.lua, with nothing general about it:
 *   - one Poisson arrival stream for all U users at rate U * 1/h; each arrival goes to a uniformly drawn user;
 *   - sticky routing by exact counts as SPEC §2 says: user u is on the candidate iff u < N_k = floor(w_k U);
 *   - an error drawn for every request, Bernoulli(p_c) or Bernoulli(p_b) by the version it was routed to;
 *   - per-user exposed / harmed flags (one byte per user) and distinct-user counters;
 *   - at t = 12k the pooled one-sided z-test on stage k's counts: rollback (weight 0 for the rest of the
 *     horizon), the next stage, or completion after stage 5; then the hourly record (t, N, distinct, P,
 *     cand_req, cand_err) for t = 0..72, as W1.md orders it.
 * All 72 hours are simulated whatever the policy does (requests in [0, 72) are counted), as rollsim does.
 *
 * Same draws per request as rollsim: an exponential gap (-log of a uniform on (0, 1]), a uniform user index
 * (Lemire's unbiased multiply-and-reject on a 64-bit draw) and a uniform on [0, 1) for the error. The RNG is
 * xoshiro256++ (Blackman & Vigna), seeded through splitmix64; it is the cheapest good generator, so the
 * reference is as fast as such a loop reasonably gets.
 *
 * usage: ref_superposition [--users U] [--reps R] [--seed S] [--gate ztest|none] [--horizon H] [--curves]
 * prints one summary line per run, including "simulated N requests in X s", which bench/run.sh parses. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HORIZON 72 /* hours; --horizon may shorten it (for memory runs) */
#define N_STAGES 5
#define BAKE 12
static const double STEPS[N_STAGES] = {0.01, 0.05, 0.25, 0.50, 1.00};
static const double P_BASE = 0.01, P_CAND = 0.02;
static const double Z_CRIT = 1.6448536269514722; /* z_{0.95}: alpha = 0.05 */

/* ---- RNG: xoshiro256++, seeded by splitmix64 ---- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed, uint64_t rep)
{
    uint64_t x = seed ^ (rep * UINT64_C(0xD1B54A32D192ED03));
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_u64(rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[0] + s[3], 23) + s[0];
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

static inline double rng_uniform(rng *r) /* [0, 1) */
{
    return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

static inline double rng_uniform_pos(rng *r) /* (0, 1] */
{
    return (double)((rng_u64(r) >> 11) + 1) * 0x1.0p-53;
}

static inline uint64_t rng_below(rng *r, uint64_t n) /* [0, n), unbiased */
{
    uint64_t x = rng_u64(r);
    __uint128_t m = (__uint128_t)x * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t floor_ = (0 - n) % n;
        while (low < floor_) {
            x = rng_u64(r);
            m = (__uint128_t)x * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* ---- W1 ---- */

enum { F_EXPOSED = 1, F_HARMED = 2 };

typedef struct counts {
    uint64_t req[2], err[2]; /* [0] baseline, [1] candidate */
} counts;

typedef struct result {
    uint64_t requests, cand_req, cand_err, users_cand_any, users_cand_err;
    int rollback_time; /* 12k, or -1 */
    int stage;
    int complete; /* stage 5's gate passed */
} result;

/* floor(w * U) with the same slack as rollsim's rs_routing_band_users (0.29 * 100 = 28.999...). */
static uint64_t band(double w, uint64_t users)
{
    double x = w * (double)users;
    double k = floor(x + 1e-12 * (x > 1 ? x : 1));
    return k <= 0 ? 0 : k >= (double)users ? users : (uint64_t)k;
}

/* 1 iff the stage's gate is significant (W1.md, "Gate test"). */
static int gate_fires(const counts *now, const counts *start)
{
    double nb = (double)(now->req[0] - start->req[0]), nc = (double)(now->req[1] - start->req[1]);
    double xb = (double)(now->err[0] - start->err[0]), xc = (double)(now->err[1] - start->err[1]);
    if (!(nc > 0 && nb > 0 && xc + xb > 0 && xc + xb < nc + nb))
        return 0;
    double p = (xc + xb) / (nc + nb);
    double z = (xc / nc - xb / nb) / sqrt(p * (1 - p) * (1 / nc + 1 / nb));
    return z > Z_CRIT;
}

static void run_w1(uint64_t users, int horizon, int gate, uint64_t seed, uint64_t rep, uint8_t *flags, FILE *curves,
                   result *res)
{
    rng r;
    rng_seed(&r, seed, rep);
    memset(flags, 0, users);
    memset(res, 0, sizeof *res);
    res->rollback_time = -1;
    counts c = {{0, 0}, {0, 0}}, stage_start = c;
    uint64_t distinct = 0, harmed = 0;
    const double lambda = (double)users * 1.0; /* U users x 1 request/hour */
    const double thr[2] = {P_BASE, P_CAND};
    int stage = 1, stopped = 0;
    uint64_t n_cand = band(STEPS[0], users);

    double t = -log(rng_uniform_pos(&r)) / lambda;
    for (int h = 0; h <= horizon; h++) {
        /* The policy instant (gate, weight change) comes before the record at the same t. */
        if (h > 0 && h % BAKE == 0 && !stopped) {
            if (gate && gate_fires(&c, &stage_start)) {
                res->rollback_time = h;
                n_cand = 0;
                stopped = 1;
            } else if (stage < N_STAGES) {
                n_cand = band(STEPS[stage], users);
                stage++;
            } else {
                stopped = 1; /* complete: the weight stays at 1 */
                res->complete = 1;
            }
            stage_start = c;
        }
        if (curves && rep == 0)
            fprintf(curves, "%d,%llu,%llu,%.6g,%llu,%llu\n", h, (unsigned long long)n_cand,
                    (unsigned long long)distinct, (double)n_cand / (double)users, (unsigned long long)c.req[1],
                    (unsigned long long)c.err[1]);
        if (h == horizon)
            break;
        /* The requests of [h, h + 1): the superposed stream, each arrival to a uniform user. */
        const double end = h + 1;
        while (t < end) {
            uint64_t u = rng_below(&r, users);
            int v = u < n_cand;
            int e = rng_uniform(&r) < thr[v];
            c.req[v]++;
            c.err[v] += (uint64_t)e;
            if (v) {
                uint8_t old = flags[u], now = (uint8_t)(old | F_EXPOSED | (e ? F_HARMED : 0));
                if (now != old) {
                    distinct += !(old & F_EXPOSED);
                    harmed += e && !(old & F_HARMED);
                    flags[u] = now;
                }
            }
            t += -log(rng_uniform_pos(&r)) / lambda;
        }
    }
    res->requests = c.req[0] + c.req[1];
    res->cand_req = c.req[1];
    res->cand_err = c.err[1];
    res->users_cand_any = distinct;
    res->users_cand_err = harmed;
    res->stage = stage;
}

static void usage(void)
{
    fprintf(stderr, "usage: ref_superposition [--users U] [--reps R] [--seed S] [--gate ztest|none] [--horizon H] "
                    "[--curves]\n");
    exit(2);
}

static unsigned long long number(const char *s, unsigned long long min, unsigned long long max)
{
    char *end;
    unsigned long long x = strtoull(s, &end, 10);
    if (end == s || *end || x < min || x > max)
        usage();
    return x;
}

int main(int argc, char **argv)
{
    uint64_t users = 100000, reps = 1, seed = 1;
    int gate = 1, curves = 0, horizon = HORIZON;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--users") && i + 1 < argc)
            users = number(argv[++i], 1, UINT64_C(1) << 40);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = number(argv[++i], 1, 1000000000);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = number(argv[++i], 0, UINT64_MAX);
        else if (!strcmp(argv[i], "--horizon") && i + 1 < argc)
            horizon = (int)number(argv[++i], 1, HORIZON);
        else if (!strcmp(argv[i], "--gate") && i + 1 < argc) {
            i++;
            if (!strcmp(argv[i], "none"))
                gate = 0;
            else if (!strcmp(argv[i], "ztest"))
                gate = 1;
            else
                usage();
        } else if (!strcmp(argv[i], "--curves"))
            curves = 1;
        else
            usage();
    }
    uint8_t *flags = malloc(users);
    if (!flags) {
        fprintf(stderr, "ref_superposition: out of memory for %llu users\n", (unsigned long long)users);
        return 1;
    }
    if (curves)
        printf("t,N,distinct,P,cand_req,cand_err\n");

    uint64_t requests = 0, cand_req = 0, cand_err = 0, rolled_back[N_STAGES + 1] = {0}, complete = 0, incomplete = 0;
    result res;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t rep = 0; rep < reps; rep++) {
        run_w1(users, horizon, gate, seed, rep, flags, curves ? stdout : NULL, &res);
        requests += res.requests;
        cand_req += res.cand_req;
        cand_err += res.cand_err;
        if (res.rollback_time >= 0)
            rolled_back[res.stage]++;
        else if (res.complete)
            complete++;
        else
            incomplete++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);

    printf("ref_superposition: W1, %llu users, %d h, %llu replication%s, seed %llu, gate %s\n",
           (unsigned long long)users, horizon, (unsigned long long)reps, reps == 1 ? "" : "s",
           (unsigned long long)seed, gate ? "ztest" : "none");
    if (reps == 1 && res.rollback_time >= 0)
        printf("  outcome:  rolled back at t = %d h (stage %d); %llu candidate requests, %llu errors, %llu users "
               "exposed, %llu harmed\n",
               res.rollback_time, res.stage, (unsigned long long)res.cand_req, (unsigned long long)res.cand_err,
               (unsigned long long)res.users_cand_any, (unsigned long long)res.users_cand_err);
    else if (reps == 1)
        printf("  outcome:  %s (stage %d); %llu candidate requests, %llu errors, %llu users exposed, %llu "
               "harmed\n",
               res.complete ? "complete" : "incomplete at the horizon", res.stage, (unsigned long long)res.cand_req, (unsigned long long)res.cand_err,
               (unsigned long long)res.users_cand_any, (unsigned long long)res.users_cand_err);
    else
        printf("  outcomes: rolled back at stage 1/2/3/4: %llu/%llu/%llu/%llu, complete %llu, incomplete %llu; "
               "mean candidate requests %.2f, errors %.3f\n",
               (unsigned long long)rolled_back[1], (unsigned long long)rolled_back[2],
               (unsigned long long)rolled_back[3], (unsigned long long)rolled_back[4], (unsigned long long)complete,
               (unsigned long long)incomplete, (double)cand_req / (double)reps, (double)cand_err / (double)reps);
    printf("  simulated %llu requests in %.3f s (%.3g requests/s, %.1f ns/request)\n", (unsigned long long)requests,
           secs, secs > 0 ? (double)requests / secs : 0, requests ? 1e9 * secs / (double)requests : 0);
    free(flags);
    return 0;
}

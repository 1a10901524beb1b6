/* The exact engine (SPEC §9): every request is an event and every user keeps its own flags (two bytes). Each
 * segment's users are independent Poisson processes with one rate, so all of them are superposed into ONE
 * arrival stream, each arrival given to a uniformly drawn user of a segment drawn in proportion to its share,
 * with thinning for the daily cycle: exact in distribution, and no per-user event. The stream lives here, not
 * in the event queue: advance() serves it inline up to the next event of the shared clock (core/sim.c). */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine.h"
#include "rng.h"

typedef struct seg_rt {
    uint64_t users;
    uint64_t offset; /* index of the segment's first user in the flags array */
    double daily, peak;
    double lam_max; /* users * rate * (1 + daily): this segment's share of the stream, before thinning */
} seg_rt;

typedef struct exact_state {
    seg_rt *seg;
    double *cum_lam; /* cumulative lam_max over segments */
    double lam_total;
    double next_t; /* time of the next arrival of the superposed stream (>= the horizon: none) */
    rs_user_flags *flags;
    size_t flag_bytes; /* reserved in `reserved` below */
} exact_state;

/* Per-user state reserved by the live exact simulations of this process (all threads), against the limit. */
static _Atomic uint64_t reserved;

/* A cgroup's memory limit (v2 memory.max, else v1 memory.limit_in_bytes), or UINT64_MAX. */
static uint64_t cgroup_limit(void)
{
    static const char *const files[] = {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    for (size_t i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "r");
        unsigned long long x;
        if (!f)
            continue;
        int ok = fscanf(f, "%llu", &x) == 1; /* "max" reads as no number: no limit */
        fclose(f);
        if (ok && x > 0)
            return x;
    }
    return UINT64_MAX;
}

/* What the per-user state of all exact simulations may take: three quarters of the physical memory or of the
 * cgroup's limit, or half an address-space or data limit, whichever is least. */
static uint64_t memory_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t limit = pages > 0 && page > 0 ? (uint64_t)pages / 4 * 3 * (uint64_t)page : UINT64_MAX;
    uint64_t cg = cgroup_limit();
    if (cg != UINT64_MAX && cg / 4 * 3 < limit)
        limit = cg / 4 * 3;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < limit)
        limit = rl.rlim_cur / 2; /* the rest of the program needs room too */
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < limit)
        limit = rl.rlim_cur / 2;
    return limit;
}

static void exact_free(void *state)
{
    exact_state *e = state;
    if (!e)
        return;
    if (e->flag_bytes)
        atomic_fetch_sub(&reserved, e->flag_bytes);
    free(e->seg);
    free(e->cum_lam);
    free(e->flags);
    free(e);
}

static rs_status exact_alloc(rs_sim *sim, void **out, rs_error *err)
{
    const rs_scenario *s = sim->sc;
    *out = NULL;
    if (sim->nc > RS_MAX_CANDIDATES)
        RS_FAIL(err, RS_ERR_INPUT, "%s: versions: exact mode tracks at most %d candidates per user (got %zu)", s->file,
                RS_MAX_CANDIDATES, sim->nc);
    /* Refuse up front a population whose flags would not fit, rather than being killed mid-run. */
    uint64_t limit = memory_limit(), bytes = s->total_users * (uint64_t)sizeof(rs_user_flags);
    uint64_t before = atomic_fetch_add(&reserved, bytes);
    if (s->total_users > UINT64_MAX / sizeof(rs_user_flags) || before + bytes > limit || before + bytes < before) {
        atomic_fetch_sub(&reserved, bytes);
        RS_FAIL(err, RS_ERR_INPUT,
                "%s: population: %llu users need %.3g GB of per-user state in exact mode (%zu bytes each%s), over "
                "this machine's limit of %.3g GB; run it with mode = \"cohort\" (--set mode=cohort), whose cost "
                "does not grow with the number of users",
                s->file, (unsigned long long)s->total_users, (double)bytes / 1e9, sizeof(rs_user_flags),
                before ? ", per simulation thread" : "", (double)limit / 1e9);
    }
    exact_state *e = calloc(1, sizeof *e);
    if (!e) {
        atomic_fetch_sub(&reserved, bytes);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    }
    e->flag_bytes = bytes;
    e->seg = calloc(sim->ns, sizeof *e->seg);
    e->cum_lam = calloc(sim->ns, sizeof *e->cum_lam);
    e->flags = calloc(s->total_users ? s->total_users : 1, sizeof *e->flags);
    if (!e->seg || !e->cum_lam || !e->flags) {
        exact_free(e);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for a simulation of %llu users",
                (unsigned long long)s->total_users);
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < sim->ns; i++) {
        e->seg[i].users = s->segments[i].users;
        e->seg[i].offset = offset;
        e->seg[i].daily = s->segments[i].daily;
        e->seg[i].peak = s->segments[i].peak;
        offset += s->segments[i].users;
    }
    *out = e;
    return RS_OK;
}

/* An exponential gap with mean `mean` (the inverse of the arrival rate: a multiply, not a divide, per request). */
static inline __attribute__((always_inline)) double exp_gap(gsl_rng *r, double mean)
{
    return -log(rs_rng_uniform_pos(r)) * mean;
}

/* Starts the superposed stream at time from, at the segments' current rates (memoryless: restarting it after
 * a rate change is exact). */
static void schedule_arrivals(rs_sim *sim, exact_state *e, double from)
{
    double total = 0;
    for (size_t s = 0; s < sim->ns; s++) {
        seg_rt *g = &e->seg[s];
        g->lam_max = (double)g->users * sim->seg_rate[s] * (1 + g->daily);
        total += g->lam_max;
        e->cum_lam[s] = total;
    }
    e->lam_total = total;
    e->next_t = total > 0 ? from + exp_gap(sim->arrivals, 1 / total) : INFINITY;
}

static rs_status exact_start(rs_sim *sim, void *state, rs_error *err)
{
    (void)err;
    exact_state *e = state;
    memset(e->flags, 0, sim->sc->total_users * sizeof *e->flags);
    schedule_arrivals(sim, e, 0);
    return RS_OK;
}

static rs_status exact_rate_changed(rs_sim *sim, void *state, size_t s, double now, rs_error *err)
{
    (void)s, (void)err;
    schedule_arrivals(sim, state, now); /* the pending arrival, drawn at the old rate, is dropped */
    return RS_OK;
}

/* Serves one request of segment s: picks the user, routes, draws the response, counts. The hot path; forced
 * inline because it has call sites with and without the daily cycle, where -O2 would call it. `hooked` is a
 * constant at each call site: 0 (sticky bands, every policy's path) or 1 (the policy's route() and observe()
 * for each request, rs_action.per_request), so the common path compiles exactly as without the hooks. */
static inline __attribute__((always_inline)) void serve(rs_sim *sim, exact_state *e, size_t s, double t,
                                                         const int hooked, const int labelled)
{
    const seg_rt *g = &e->seg[s];
    uint64_t u = rs_rng_below(sim->arrivals, g->users);
    uint32_t v;
    if (hooked) {
        v = sim->route(sim->state, s, u);
        if (v >= sim->nv || !sim->released[v]) {
            if (!sim->bad_route)
                sim->bad_route = (uint64_t)v + 1;
            v = (uint32_t)sim->sc->baseline;
        }
    } else {
        v = rs_routing_route(&sim->routing, s, u);
    }
    size_t c = v * sim->ns + s;
    double x = rs_rng_uniform(sim->outcomes);
    rs_counts *cell = &sim->cells[c];
    cell->requests++;
    int error = x < sim->err_thr[c];
    int success = !error && x < sim->succ_thr[c];
    cell->errors += (uint64_t)error;
    cell->successes += (uint64_t)success;
    if (labelled) /* issue 16: a constant, so scenarios without labels compile without this */
        rs_labels_request(&sim->labels, t, c, s);
    if (hooked)
        sim->observe(sim->state, v, s, error, success);
    if (sim->has_latency && sim->lat_median[c] > 0) { /* only scenarios that model latency pay for it */
        double ms = sim->lat_median[c] * exp(sim->lat_sigma[v] * gsl_ran_gaussian_ziggurat(sim->latency_rng, 1));
        rs_reservoir_add(&sim->lat_interval[v], ms, sim->latency_rng);
        rs_reservoir_add(&sim->lat_stage[v], ms, sim->latency_rng);
    }
    int k = sim->cand_of[v];
    if (k < 0)
        return;
    rs_user_flags *f = &e->flags[g->offset + u];
    rs_user_flags bit = (rs_user_flags)(1u << k), old = *f;
    rs_user_flags now = (rs_user_flags)(old | bit | RS_FLAG_EXPOSED_ANY | (error ? RS_FLAG_HARMED : 0));
    if (now != old) {
        sim->exposed_cell[c] += !(old & bit);
        sim->exposed_any += !(old & RS_FLAG_EXPOSED_ANY);
        sim->harmed_any += error && !(old & RS_FLAG_HARMED);
        *f = now;
    }
}

/* Serves the stream's requests of [t, until), in time order; returns the time of the next arrival. Inlined into
 * two copies, one per value of the constant `hooked` (see serve). */
static inline __attribute__((always_inline)) double serve_until(rs_sim *sim, exact_state *e, double t, double until,
                                                                const int hooked, const int labelled)
{
    const double mean_gap = 1 / e->lam_total, w = 2 * M_PI / 24;
    if (sim->ns == 1 && e->seg[0].daily == 0) { /* the common case, with nothing to choose or thin */
        for (;;) {
            serve(sim, e, 0, t, hooked, labelled);
            t += exp_gap(sim->arrivals, mean_gap);
            if (t >= until)
                break;
        }
    } else {
        for (;;) {
            size_t s = 0;
            if (sim->ns > 1) { /* which segment: probability lam_max[s] / lam_total */
                double x = rs_rng_uniform(sim->arrivals) * e->lam_total;
                while (s + 1 < sim->ns && x >= e->cum_lam[s])
                    s++;
            }
            const seg_rt *g = &e->seg[s];
            /* thinning: kept with probability rate(t) / max rate of the segment's daily cycle */
            if (g->daily == 0 ||
                rs_rng_uniform(sim->arrivals) * (1 + g->daily) < 1 + g->daily * cos(w * (t - g->peak)))
                serve(sim, e, s, t, hooked, labelled);
            t += exp_gap(sim->arrivals, mean_gap);
            if (t >= until)
                break;
        }
    }
    return t;
}

static double serve_sticky(rs_sim *sim, exact_state *e, double t, double until)
{
    return serve_until(sim, e, t, until, 0, 0);
}

static double serve_hooked(rs_sim *sim, exact_state *e, double t, double until)
{
    return serve_until(sim, e, t, until, 1, 0);
}

/* Issue 16: the same loops with labels and feedback drawn per request. */
static double serve_sticky_labelled(rs_sim *sim, exact_state *e, double t, double until)
{
    return serve_until(sim, e, t, until, 0, 1);
}

static double serve_hooked_labelled(rs_sim *sim, exact_state *e, double t, double until)
{
    return serve_until(sim, e, t, until, 1, 1);
}

/* Serves the stream's requests of [now, until), in time order. */
static rs_status exact_advance(rs_sim *sim, void *state, double until, rs_error *err)
{
    exact_state *e = state;
    double t = e->next_t;
    if (!(t < until))
        return RS_OK;
    /* In slices of about 10^7 requests, so that the stop flag is read every few hundred milliseconds however far
     * apart the events are; the arrivals drawn are the same as in one go. */
    const double slice = 1e7 / e->lam_total;
    while (t < until) {
        double to = t + slice < until ? t + slice : until;
        if (sim->has_labels)
            t = sim->per_request ? serve_hooked_labelled(sim, e, t, to) : serve_sticky_labelled(sim, e, t, to);
        else
            t = sim->per_request ? serve_hooked(sim, e, t, to) : serve_sticky(sim, e, t, to);
        if (t < until && sim->stop && *sim->stop) {
            e->next_t = t;
            RS_FAIL(err, RS_ERR_INTERRUPTED, "interrupted at t = %g h", t);
        }
    }
    e->next_t = t;
    return RS_OK;
}

static const rs_engine_type exact_type = {
    .name = "exact",
    .alloc = exact_alloc,
    .free_state = exact_free,
    .start = exact_start,
    .advance = exact_advance,
    .routed = NULL,
    .rate_changed = exact_rate_changed,
};

const rs_engine_type *const rs_engine_exact = &exact_type;

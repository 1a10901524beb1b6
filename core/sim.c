#include "sim.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "queue.h"
#include "reservoir.h"
#include "rng.h"
#include "routing.h"

/* Per-user flags: one exposure bit per candidate (so each version's distinct exposed users are exact), plus
 * "exposed to any candidate" and "harmed". Two bytes per user. */
typedef uint16_t rs_user_flags;
#define FLAG_EXPOSED_ANY ((rs_user_flags)0x8000u)
#define FLAG_HARMED ((rs_user_flags)0x4000u)

typedef struct seg_rt {
    uint64_t users;
    uint64_t offset; /* index of the segment's first user in the flags array */
    double rate;     /* current mean requests per user per hour (scripted events change it) */
    double daily, peak;
    double lam_max;  /* users * rate * (1 + daily): this segment's share of the stream, before thinning */
} seg_rt;

struct rs_sim {
    const rs_scenario *sc;
    const rs_policy_type *type;
    const rs_value *params;
    size_t nv, ns, nc; /* versions, segments, candidates */
    size_t n_cells;

    seg_rt *seg;
    /* All segments' users are superposed into ONE arrival stream of rate lam_total; each arrival goes to segment
     * s with probability lam_max[s] / lam_total (and is then thinned by s's daily cycle). One stream keeps the
     * inner loop free of heap operations however many segments there are. */
    double *cum_lam; /* cumulative lam_max over segments */
    double lam_total;
    uint32_t arr_gen; /* bumped when a rate changes: the pending arrival, drawn at the old rate, is dropped */
    uint64_t *segment_users;
    const char **version_names, **segment_names;
    int *cand_of;        /* version -> candidate ordinal, -1 for the baseline */
    double *err_thr;     /* per cell: error iff u < err_thr */
    double *succ_thr;    /* per cell: success iff err_thr <= u < succ_thr */
    rs_counts *cells;    /* cumulative counters per cell */
    rs_counts *snapshot; /* cells at the previous decision */
    rs_counts *since;
    rs_version_obs *vobs;
    uint64_t *exposed_cell; /* distinct users of a segment exposed to a version, per cell */
    double *req_weights;    /* the policy's weights; routed weights are these with unreleased versions at 0 */
    unsigned char *released;
    double *cur_error, *cur_success; /* this replication's version rates, after scripted changes */
    uint64_t *prev_users; /* users per version before the decision being applied */
    uint64_t *excess_snap; /* candidate requests per segment at the last excess-harm checkpoint */
    double expected_base;  /* the baseline's expected errors on the candidates' requests so far */
    uint64_t exposed_any, harmed_any;
    rs_user_flags *flags;

    rs_routing routing;
    double *act_weights;
    rs_queue queue;
    gsl_rng *arrivals, *outcomes, *policy_rng, *versions_rng, *latency_rng;
    /* Latency (only when some version has one): per cell the lognormal's median (ms) with the segment's effect,
     * per version its log-sd, and per version two reservoirs: since the last decision, since the stage began. */
    int has_latency;
    double *lat_median, *lat_sigma;
    rs_reservoir *lat_interval, *lat_stage;
    const double **lat_interval_ptr, **lat_stage_ptr;
    size_t *lat_interval_n, *lat_stage_n;
    rs_version_draw *draws; /* this replication's version parameters */
    struct rs_rng policy_stream;
    rs_run_log log;

    rs_sample *samples;
    double *sample_w; /* n_samples * nc */
    size_t n_samples, max_samples;
    void *state;
    const volatile sig_atomic_t *stop;
};

const char *rs_outcome_name(rs_outcome o)
{
    switch (o) {
    case RS_OUTCOME_PROMOTED: return "promoted";
    case RS_OUTCOME_ROLLED_BACK: return "rolled_back";
    case RS_OUTCOME_INCOMPLETE: return "incomplete";
    }
    return "?";
}

void rs_sim_free(rs_sim *sim)
{
    if (!sim)
        return;
    free(sim->seg);
    free(sim->cum_lam);
    free(sim->segment_users);
    free(sim->version_names);
    free(sim->segment_names);
    free(sim->cand_of);
    free(sim->err_thr);
    free(sim->succ_thr);
    free(sim->cells);
    free(sim->snapshot);
    free(sim->since);
    free(sim->vobs);
    free(sim->exposed_cell);
    free(sim->req_weights);
    free(sim->released);
    free(sim->cur_error);
    free(sim->cur_success);
    free(sim->prev_users);
    free(sim->excess_snap);
    free(sim->flags);
    rs_routing_free(&sim->routing);
    free(sim->act_weights);
    rs_queue_free(&sim->queue);
    gsl_rng_free(sim->arrivals);
    gsl_rng_free(sim->outcomes);
    gsl_rng_free(sim->policy_rng);
    gsl_rng_free(sim->versions_rng);
    gsl_rng_free(sim->latency_rng);
    for (size_t v = 0; v < sim->nv; v++) {
        if (sim->lat_interval)
            rs_reservoir_free(&sim->lat_interval[v]);
        if (sim->lat_stage)
            rs_reservoir_free(&sim->lat_stage[v]);
    }
    free(sim->lat_interval);
    free(sim->lat_stage);
    free(sim->lat_interval_ptr);
    free(sim->lat_stage_ptr);
    free(sim->lat_interval_n);
    free(sim->lat_stage_n);
    free(sim->lat_median);
    free(sim->lat_sigma);
    free(sim->draws);
    rs_log_free(&sim->log);
    free(sim->samples);
    free(sim->sample_w);
    free(sim->state);
    free(sim);
}

rs_status rs_sim_alloc(const rs_scenario *s, const rs_policy_type *t, const rs_value *params, rs_sim **out,
                       rs_error *err)
{
    *out = NULL;
    rs_sim *sim = calloc(1, sizeof *sim);
    if (!sim)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    sim->sc = s;
    sim->type = t;
    sim->params = params;
    sim->nv = s->n_versions;
    sim->ns = s->n_segments;
    sim->nc = s->n_versions - 1;
    sim->n_cells = sim->nv * sim->ns;
    size_t nv = sim->nv, ns = sim->ns, cells = sim->n_cells;
    sim->max_samples = (size_t)floor(s->horizon / s->sample_every * (1 + 1e-12)) + 1;

    sim->seg = calloc(ns, sizeof *sim->seg);
    sim->cum_lam = calloc(ns, sizeof *sim->cum_lam);
    sim->segment_users = calloc(ns, sizeof *sim->segment_users);
    sim->version_names = calloc(nv, sizeof *sim->version_names);
    sim->segment_names = calloc(ns, sizeof *sim->segment_names);
    sim->cand_of = calloc(nv, sizeof *sim->cand_of);
    sim->err_thr = calloc(cells, sizeof *sim->err_thr);
    sim->succ_thr = calloc(cells, sizeof *sim->succ_thr);
    sim->cells = calloc(cells, sizeof *sim->cells);
    sim->snapshot = calloc(cells, sizeof *sim->snapshot);
    sim->since = calloc(cells, sizeof *sim->since);
    sim->vobs = calloc(nv, sizeof *sim->vobs);
    sim->exposed_cell = calloc(cells, sizeof *sim->exposed_cell);
    sim->req_weights = calloc(cells, sizeof *sim->req_weights);
    sim->released = calloc(nv, 1);
    sim->cur_error = calloc(nv, sizeof *sim->cur_error);
    sim->cur_success = calloc(nv, sizeof *sim->cur_success);
    sim->prev_users = calloc(nv, sizeof *sim->prev_users);
    sim->excess_snap = calloc(ns, sizeof *sim->excess_snap);
    sim->flags = calloc(s->total_users, sizeof *sim->flags);
    sim->act_weights = calloc(cells, sizeof *sim->act_weights);
    sim->samples = calloc(sim->max_samples, sizeof *sim->samples);
    sim->sample_w = calloc(sim->max_samples * (sim->nc ? sim->nc : 1), sizeof *sim->sample_w);
    sim->state = calloc(1, t->state_size ? t->state_size : 1);
    sim->arrivals = rs_rng_alloc(s->seed, 0, RS_STREAM_ARRIVALS);
    sim->outcomes = rs_rng_alloc(s->seed, 0, RS_STREAM_OUTCOMES);
    sim->policy_rng = rs_rng_alloc(s->seed, 0, RS_STREAM_POLICY);
    sim->versions_rng = rs_rng_alloc(s->seed, 0, RS_STREAM_VERSIONS);
    sim->latency_rng = rs_rng_alloc(s->seed, 0, RS_STREAM_LATENCY);
    sim->lat_interval = calloc(nv, sizeof *sim->lat_interval);
    sim->lat_stage = calloc(nv, sizeof *sim->lat_stage);
    sim->lat_interval_ptr = calloc(nv, sizeof *sim->lat_interval_ptr);
    sim->lat_stage_ptr = calloc(nv, sizeof *sim->lat_stage_ptr);
    sim->lat_interval_n = calloc(nv, sizeof *sim->lat_interval_n);
    sim->lat_stage_n = calloc(nv, sizeof *sim->lat_stage_n);
    sim->lat_median = calloc(cells, sizeof *sim->lat_median);
    sim->lat_sigma = calloc(nv, sizeof *sim->lat_sigma);
    sim->draws = calloc(nv, sizeof *sim->draws);
    if (!sim->seg || !sim->cum_lam || !sim->segment_users || !sim->version_names || !sim->segment_names || !sim->cand_of ||
        !sim->err_thr || !sim->succ_thr || !sim->cells || !sim->snapshot || !sim->since || !sim->vobs ||
        !sim->exposed_cell || !sim->req_weights || !sim->released || !sim->cur_error || !sim->cur_success ||
        !sim->prev_users || !sim->excess_snap || !sim->flags || !sim->act_weights || !sim->samples || !sim->sample_w || !sim->state ||
        !sim->arrivals || !sim->outcomes || !sim->policy_rng || !sim->versions_rng || !sim->draws ||
        !sim->latency_rng || !sim->lat_interval || !sim->lat_stage || !sim->lat_interval_ptr || !sim->lat_stage_ptr ||
        !sim->lat_interval_n || !sim->lat_stage_n || !sim->lat_median || !sim->lat_sigma) {
        rs_sim_free(sim);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for a simulation of %llu users",
                (unsigned long long)s->total_users);
    }
    sim->policy_stream.g = sim->policy_rng;
    uint64_t offset = 0;
    for (size_t i = 0; i < ns; i++) {
        sim->seg[i].users = s->segments[i].users;
        sim->seg[i].offset = offset;
        sim->seg[i].daily = s->segments[i].daily;
        sim->seg[i].peak = s->segments[i].peak;
        sim->segment_users[i] = s->segments[i].users;
        sim->segment_names[i] = s->segments[i].name;
        offset += s->segments[i].users;
    }
    for (size_t v = 0; v < nv; v++) {
        if (rs_reservoir_init(&sim->lat_interval[v], RS_LATENCY_CAPACITY) ||
            rs_reservoir_init(&sim->lat_stage[v], RS_LATENCY_CAPACITY)) {
            rs_sim_free(sim);
            RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for latency samples");
        }
        sim->lat_sigma[v] = s->versions[v].latency_sigma;
        sim->has_latency |= s->versions[v].latency_median > 0;
        for (size_t i = 0; i < ns; i++)
            sim->lat_median[v * ns + i] = s->versions[v].latency_median * s->segments[i].latency_effect[v];
    }
    int next = 0;
    for (size_t v = 0; v < nv; v++) {
            sim->version_names[v] = s->versions[v].name;
        sim->cand_of[v] = v == s->baseline ? -1 : next++;
    }
    /* Queue: one arrival per segment, a decision, a sample and the horizon are pending at any time, plus the
     * scripted events and releases pushed at the start (a dropped stale arrival needs one more slot). */
    rs_status st = rs_queue_init(&sim->queue, 2 * ns + 8 + s->n_events + nv, err);
    if (!st)
        st = rs_routing_init(&sim->routing, nv, ns, s->baseline, sim->segment_users, err);
    if (st) {
        rs_sim_free(sim);
        return st;
    }
    *out = sim;
    return RS_OK;
}

/* Serves one request of segment s: picks the user, routes, draws the response, counts. The hot path; forced
 * inline because it has two call sites (with and without the daily cycle), where -O2 would call it. */
static inline __attribute__((always_inline)) void serve(rs_sim *sim, size_t s)
{
    const seg_rt *g = &sim->seg[s];
    uint64_t u = rs_rng_below(sim->arrivals, g->users);
    uint32_t v = rs_routing_route(&sim->routing, s, u);
    size_t c = v * sim->ns + s;
    double x = rs_rng_uniform(sim->outcomes);
    rs_counts *cell = &sim->cells[c];
    cell->requests++;
    int error = x < sim->err_thr[c];
    cell->errors += (uint64_t)error;
    cell->successes += (uint64_t)(!error && x < sim->succ_thr[c]);
    if (sim->has_latency && sim->lat_median[c] > 0) { /* only scenarios that model latency pay for it */
        double ms = sim->lat_median[c] * exp(sim->lat_sigma[v] * gsl_ran_gaussian_ziggurat(sim->latency_rng, 1));
        rs_reservoir_add(&sim->lat_interval[v], ms, sim->latency_rng);
        rs_reservoir_add(&sim->lat_stage[v], ms, sim->latency_rng);
    }
    int k = sim->cand_of[v];
    if (k < 0)
        return;
    rs_user_flags *f = &sim->flags[g->offset + u];
    rs_user_flags bit = (rs_user_flags)(1u << k), old = *f;
    rs_user_flags now = (rs_user_flags)(old | bit | FLAG_EXPOSED_ANY | (error ? FLAG_HARMED : 0));
    if (now != old) {
        sim->exposed_cell[c] += !(old & bit);
        sim->exposed_any += !(old & FLAG_EXPOSED_ANY);
        sim->harmed_any += error && !(old & FLAG_HARMED);
        *f = now;
    }
}

static uint64_t candidate_users(const rs_sim *sim)
{
    uint64_t n = 0;
    for (size_t v = 0; v < sim->nv; v++)
        if (v != sim->sc->baseline)
            n += sim->routing.version_users[v];
    return n;
}

/* Some candidate covers every user. */
static int candidate_full(const rs_sim *sim)
{
    for (size_t v = 0; v < sim->nv; v++)
        if (v != sim->sc->baseline && sim->routing.version_users[v] == sim->sc->total_users)
            return 1;
    return 0;
}

/* Checks an action as SPEC §6 asks; on failure the message names the plugin. */
static rs_status validate_action(const rs_sim *sim, const rs_action *act, double now, rs_error *err)
{
    const char *who = sim->type->name;
    if (act->verdict < RS_VERDICT_CONTINUE || act->verdict > RS_VERDICT_STOP)
        RS_FAIL(err, RS_ERR_RUNTIME, "policy %s returned an invalid verdict %d at t = %g h", who, (int)act->verdict,
                now);
    for (size_t s = 0; s < sim->ns; s++) {
        double sum = 0;
        for (size_t v = 0; v < sim->nv; v++) {
            if (v == sim->sc->baseline)
                continue;
            double w = act->weights[v * sim->ns + s];
            if (!isfinite(w) || w < 0 || w > 1)
                RS_FAIL(err, RS_ERR_RUNTIME,
                        "policy %s returned an invalid weight %g for version %s in segment %s at t = %g h "
                        "(expected a number in [0, 1])",
                        who, w, sim->version_names[v], sim->segment_names[s], now);
            sum += w;
        }
        if (sum > 1 + 1e-9)
            RS_FAIL(err, RS_ERR_RUNTIME,
                    "policy %s returned candidate weights summing to %g in segment %s at t = %g h (at most 1)", who,
                    sum, sim->segment_names[s], now);
    }
    if (act->verdict == RS_VERDICT_CONTINUE && !(act->next_decision > now && isfinite(act->next_decision)))
        RS_FAIL(err, RS_ERR_RUNTIME, "policy %s asked for its next decision at t = %g h, not after now (t = %g h)",
                who, act->next_decision, now);
    return RS_OK;
}

typedef struct run_state {
    int policy_done;
    int stage;
    int rolled_back;
    double rollback_time, p_at_rollback, time_to_full;
    double last_decision;
    int first;
} run_state;

/* Routes the policy's weights, with versions not yet released held at 0; logs each candidate whose users
 * changed, and the first time a candidate covers everyone. */
static void apply_routing(rs_sim *sim, run_state *rs, double now)
{
    const rs_scenario *sc = sim->sc;
    size_t nv = sim->nv, ns = sim->ns;
    for (size_t v = 0; v < nv; v++)
        sim->prev_users[v] = sim->routing.version_users[v];
    for (size_t c = 0; c < sim->n_cells; c++)
        sim->act_weights[c] = sim->released[c / ns] ? sim->req_weights[c] : 0;
    rs_routing_apply(&sim->routing, sim->act_weights);
    for (size_t v = 0; v < nv; v++) {
        if (v == sc->baseline || sim->routing.version_users[v] == sim->prev_users[v])
            continue;
        char d[96];
        snprintf(d, sizeof d, "%s: %llu users", sim->version_names[v],
                 (unsigned long long)sim->routing.version_users[v]);
        rs_log_add(&sim->log, now, "weight", (int)v,
                   (double)sim->routing.version_users[v] / (double)sc->total_users, d);
    }
    if (isnan(rs->time_to_full) && candidate_full(sim))
        rs->time_to_full = now;
}

static rs_status decide(rs_sim *sim, run_state *rs, double now, rs_error *err)
{
    const rs_scenario *sc = sim->sc;
    size_t nv = sim->nv, ns = sim->ns;
    for (size_t c = 0; c < sim->n_cells; c++) {
        sim->since[c].requests = sim->cells[c].requests - sim->snapshot[c].requests;
        sim->since[c].errors = sim->cells[c].errors - sim->snapshot[c].errors;
        sim->since[c].successes = sim->cells[c].successes - sim->snapshot[c].successes;
    }
    for (size_t v = 0; v < nv; v++) {
        rs_version_obs *o = &sim->vobs[v];
        memset(o, 0, sizeof *o);
        o->name = sim->version_names[v];
        o->is_baseline = v == sc->baseline;
        for (size_t s = 0; s < ns; s++) {
            const rs_counts *a = &sim->cells[v * ns + s], *b = &sim->since[v * ns + s];
            o->total.requests += a->requests, o->total.errors += a->errors, o->total.successes += a->successes;
            o->since.requests += b->requests, o->since.errors += b->errors, o->since.successes += b->successes;
        }
        o->users_routed = sim->routing.version_users[v];
        for (size_t s = 0; s < ns; s++)
            o->users_exposed += sim->exposed_cell[v * ns + s];
    }
    for (size_t v = 0; v < nv; v++) {
        sim->lat_interval_ptr[v] = sim->lat_interval[v].values;
        sim->lat_interval_n[v] = sim->lat_interval[v].n;
        sim->lat_stage_ptr[v] = sim->lat_stage[v].values;
        sim->lat_stage_n[v] = sim->lat_stage[v].n;
    }
    rs_observation obs = {
        .t = now, .last_decision_t = rs->last_decision, .first = rs->first, .n_versions = nv, .n_segments = ns,
        .total_users = sc->total_users, .versions = sim->vobs, .cell_total = sim->cells, .cell_since = sim->since,
        .weights = sim->routing.weights, .latency_capacity = RS_LATENCY_CAPACITY,
        .latency_interval = sim->lat_interval_ptr, .n_latency_interval = sim->lat_interval_n,
        .latency_stage = sim->lat_stage_ptr, .n_latency_stage = sim->lat_stage_n,
    };
    memcpy(sim->act_weights, sim->req_weights, sim->n_cells * sizeof *sim->act_weights);
    rs_action act = {.weights = sim->act_weights, .verdict = RS_VERDICT_CONTINUE, .next_decision = NAN,
                     .stage = rs->stage};
    sim->log.now = now;
    char msg[512] = "";
    if (sim->type->decide(sim->state, &obs, &act, msg, sizeof msg))
        RS_FAIL(err, RS_ERR_RUNTIME, "policy %s failed at t = %g h: %s", sim->type->name, now,
                *msg ? msg : "(no message)");
    rs_status st = validate_action(sim, &act, now, err);
    if (st)
        return st;
    memcpy(sim->snapshot, sim->cells, sim->n_cells * sizeof *sim->cells);
    for (size_t v = 0; v < nv; v++) { /* the latency windows: since this decision; since this stage */
        rs_reservoir_clear(&sim->lat_interval[v]);
        if (act.stage != rs->stage)
            rs_reservoir_clear(&sim->lat_stage[v]);
    }
    rs->last_decision = now;
    rs->first = 0;
    if (act.stage != rs->stage) {
        char d[64];
        snprintf(d, sizeof d, "stage %d", act.stage);
        rs_log_add(&sim->log, now, "stage", -1, act.stage, d);
    }
    rs->stage = act.stage;
    if (act.verdict == RS_VERDICT_ROLLBACK) {
        rs->rolled_back = 1;
        rs->rollback_time = now;
        rs->p_at_rollback = (double)candidate_users(sim) / (double)sc->total_users;
        for (size_t v = 0; v < nv; v++)
            if (v != sc->baseline)
                rs_action_set_weight(&act, ns, v, 0);
        rs_log_add(&sim->log, now, "rollback", -1, rs->p_at_rollback, "all candidates to weight 0");
    }
    memcpy(sim->req_weights, act.weights, sim->n_cells * sizeof *sim->req_weights);
    apply_routing(sim, rs, now);
    if (act.verdict == RS_VERDICT_PROMOTE) {
        if (!candidate_full(sim))
            RS_FAIL(err, RS_ERR_RUNTIME,
                    "policy %s promoted at t = %g h while no candidate covers every user (set its weight to 1 "
                    "in every segment first)",
                    sim->type->name, now);
        rs_log_add(&sim->log, now, "promote", -1, 1, "rollout complete");
    }
    if (act.verdict != RS_VERDICT_CONTINUE) {
        rs->policy_done = 1;
        return RS_OK;
    }
    if (act.next_decision <= sc->horizon)
        return rs_queue_push(&sim->queue, act.next_decision, RS_EV_DECISION, 0, err);
    return RS_OK;
}

static void take_sample(rs_sim *sim, const run_state *rs, double t)
{
    if (sim->n_samples >= sim->max_samples)
        return;
    rs_sample *smp = &sim->samples[sim->n_samples];
    smp->t = t;
    smp->n = candidate_users(sim);
    smp->exposed = sim->exposed_any;
    smp->harmed = sim->harmed_any;
    smp->stage = rs->stage;
    double *w = &sim->sample_w[sim->n_samples * sim->nc];
    for (size_t v = 0, k = 0; v < sim->nv; v++)
        if (v != sim->sc->baseline)
            w[k++] = (double)sim->routing.version_users[v] / (double)sim->sc->total_users;
    sim->n_samples++;
}

/* Draws the replication's version parameters and sets the per-cell response thresholds. */
/* Adds the baseline's expected errors on the candidates' requests since the last checkpoint, at the
 * baseline's rates in force then; called before any rate changes and at the end (excess harm, §2). */
static void checkpoint_excess(rs_sim *sim)
{
    size_t b = sim->sc->baseline;
    for (size_t i = 0; i < sim->ns; i++) {
        uint64_t cand = 0;
        for (size_t v = 0; v < sim->nv; v++)
            if (v != b)
                cand += sim->cells[v * sim->ns + i].requests;
        sim->expected_base += (double)(cand - sim->excess_snap[i]) * sim->err_thr[b * sim->ns + i];
        sim->excess_snap[i] = cand;
    }
}

/* Response thresholds of version v in every segment, from its current rates and the segment's effects
 * (a rate times an effect is capped at 1). */
static void set_thresholds(rs_sim *sim, size_t v)
{
    for (size_t i = 0; i < sim->ns; i++) {
        const rs_segment *g = &sim->sc->segments[i];
        double e = fmin(1, sim->cur_error[v] * g->error_effect[v]);
        double q = fmin(1, sim->cur_success[v] * g->success_effect[v]);
        sim->err_thr[v * sim->ns + i] = e;
        sim->succ_thr[v * sim->ns + i] = e + q * (1 - e);
    }
}

/* Draws the replication's version parameters and sets the per-cell response thresholds. */
static rs_status draw_versions(rs_sim *sim, uint32_t rep, rs_error *err)
{
    rs_rng_reset(sim->versions_rng, sim->sc->seed, rep, RS_STREAM_VERSIONS);
    rs_status st = rs_scenario_draw(sim->sc, sim->versions_rng, rep, sim->draws, err);
    if (st)
        return st;
    for (size_t v = 0; v < sim->nv; v++) {
        sim->cur_error[v] = sim->draws[v].error_rate;
        sim->cur_success[v] = sim->draws[v].success_rate;
        set_thresholds(sim, v);
    }
    return RS_OK;
}

static void reset(rs_sim *sim, uint32_t rep)
{
    const rs_scenario *sc = sim->sc;
    rs_rng_reset(sim->arrivals, sc->seed, rep, RS_STREAM_ARRIVALS);
    rs_rng_reset(sim->outcomes, sc->seed, rep, RS_STREAM_OUTCOMES);
    rs_rng_reset(sim->policy_rng, sc->seed, rep, RS_STREAM_POLICY);
    rs_rng_reset(sim->latency_rng, sc->seed, rep, RS_STREAM_LATENCY);
    for (size_t v = 0; v < sim->nv; v++) {
        rs_reservoir_clear(&sim->lat_interval[v]);
        rs_reservoir_clear(&sim->lat_stage[v]);
    }
    memset(sim->cells, 0, sim->n_cells * sizeof *sim->cells);
    memset(sim->snapshot, 0, sim->n_cells * sizeof *sim->snapshot);
    memset(sim->exposed_cell, 0, sim->n_cells * sizeof *sim->exposed_cell);
    memset(sim->req_weights, 0, sim->n_cells * sizeof *sim->req_weights);
    memset(sim->excess_snap, 0, sim->ns * sizeof *sim->excess_snap);
    sim->expected_base = 0;
    for (size_t v = 0; v < sim->nv; v++)
        sim->released[v] = v == sc->baseline || sc->versions[v].release_at <= 0;
    for (size_t i = 0; i < sim->ns; i++)
        sim->seg[i].rate = sc->segments[i].rate;
    sim->arr_gen = 0;
    memset(sim->flags, 0, sc->total_users * sizeof *sim->flags);
    memset(sim->act_weights, 0, sim->n_cells * sizeof *sim->act_weights);
    rs_routing_apply(&sim->routing, sim->act_weights);
    sim->exposed_any = sim->harmed_any = 0;
    sim->n_samples = 0;
    rs_queue_clear(&sim->queue);
    rs_log_clear(&sim->log);
    memset(sim->state, 0, sim->type->state_size ? sim->type->state_size : 1);
}

/* An exponential gap with mean `mean` (the inverse of the arrival rate: a multiply, not a divide, per request). */
static double exp_gap(gsl_rng *r, double mean)
{
    return -log(rs_rng_uniform_pos(r)) * mean;
}

/* Starts the superposed stream at time from, at the segments' current rates (memoryless: restarting it after
 * a rate change is exact). */
static rs_status schedule_arrivals(rs_sim *sim, double from, rs_error *err)
{
    double total = 0;
    for (size_t s = 0; s < sim->ns; s++) {
        seg_rt *g = &sim->seg[s];
        g->lam_max = (double)g->users * g->rate * (1 + g->daily);
        total += g->lam_max;
        sim->cum_lam[s] = total;
    }
    sim->lam_total = total;
    if (!(total > 0))
        return RS_OK;
    double t = from + exp_gap(sim->arrivals, 1 / total);
    return t < sim->sc->horizon ? rs_queue_push(&sim->queue, t, RS_EV_ARRIVAL, sim->arr_gen, err) : RS_OK;
}

/* Sets a version's error or success rate, or a segment's request rate (key RS_KEY_RATE: index is a segment),
 * from now on. */
static rs_status apply_change(rs_sim *sim, size_t index, rs_event_key key, double value, double now, rs_error *err)
{
    if (key == RS_KEY_RATE) {
        sim->seg[index].rate = value;
        sim->arr_gen++;
        return schedule_arrivals(sim, now, err);
    }
    checkpoint_excess(sim); /* before the baseline's rate may change */
    if (key == RS_KEY_ERROR_RATE)
        sim->cur_error[index] = value;
    else
        sim->cur_success[index] = value;
    set_thresholds(sim, index);
    return RS_OK;
}

/* The `sim` API of run = function(sim) events (rs_sim_api). */
typedef struct change_ctx {
    rs_sim *sim;
    double now;
    rs_status st;
    rs_error *err;
} change_ctx;

static int api_set(void *ctx, int is_segment, size_t index, rs_event_key key, double value, char *msg, size_t len)
{
    change_ctx *c = ctx;
    double hi = key == RS_KEY_RATE ? 1e9 : 1;
    if (!(value >= 0 && value <= hi)) {
        snprintf(msg, len, "value %g out of range [0, %g]", value, hi);
        return -1;
    }
    char label[160];
    snprintf(label, sizeof label, "%s.%s = %.10g",
             is_segment ? c->sim->segment_names[index] : c->sim->version_names[index],
             key == RS_KEY_RATE ? "rate" : key == RS_KEY_ERROR_RATE ? "error_rate" : "success_rate", value);
    rs_log_add(&c->sim->log, c->now, "event", is_segment ? -1 : (int)index, value, label);
    rs_status st = apply_change(c->sim, index, key, value, c->now, c->err);
    if (st && !c->st)
        c->st = st;
    return 0;
}

static void api_log(void *ctx, const char *text)
{
    change_ctx *c = ctx;
    rs_log_add(&c->sim->log, c->now, "log", -1, NAN, text);
}

/* A scripted event (arg < n_events) or the release of version arg - n_events. */
static rs_status scripted(rs_sim *sim, run_state *rs, uint32_t arg, double now, rs_error *err)
{
    const rs_scenario *sc = sim->sc;
    if (arg >= sc->n_events) {
        size_t v = arg - sc->n_events;
        sim->released[v] = 1;
        rs_log_add(&sim->log, now, "release", (int)v, now, sim->version_names[v]);
        if (!rs->rolled_back)
            apply_routing(sim, rs, now);
        return RS_OK;
    }
    const rs_scripted *e = &sc->events[arg];
    if (e->run_ref) {
        rs_log_add(&sim->log, now, "event", -1, NAN, e->label);
        change_ctx ctx = {sim, now, RS_OK, err};
        rs_sim_api api = {&ctx, api_set, api_log};
        rs_status st = rs_scenario_run_event(sc, e, now, &api, err);
        return st ? st : ctx.st;
    }
    rs_log_add(&sim->log, now, "event", e->is_segment ? -1 : (int)e->index, e->value, e->label);
    return apply_change(sim, e->index, e->key, e->value, now, err);
}

static rs_policy_ctx policy_ctx(rs_sim *sim)
{
    return (rs_policy_ctx){
        .host = rs_host_table(), .params = sim->params, .rng = &sim->policy_stream, .log = &sim->log,
        .n_versions = sim->nv, .n_segments = sim->ns, .baseline = sim->sc->baseline,
        .version_names = sim->version_names, .segment_names = sim->segment_names,
        .segment_users = sim->segment_users, .horizon = sim->sc->horizon, .host_private = sim->sc,
        .latency_modelled = sim->has_latency,
    };
}

static rs_status create_policy(rs_sim *sim, const rs_policy_ctx *ctx, rs_error *err)
{
    char msg[512] = "";
    if (sim->type->create(sim->state, ctx, msg, sizeof msg)) {
        if (sim->type->destroy)
            sim->type->destroy(sim->state); /* frees what create() allocated before it failed */
        RS_FAIL(err, RS_ERR_INPUT, "%s: policy: %s", sim->sc->file, *msg ? msg : "the plugin refused its parameters");
    }
    return RS_OK;
}

rs_status rs_sim_check_policy(rs_sim *sim, rs_error *err)
{
    reset(sim, 0);
    rs_policy_ctx ctx = policy_ctx(sim);
    rs_status st = create_policy(sim, &ctx, err);
    if (!st && sim->type->destroy)
        sim->type->destroy(sim->state);
    rs_log_clear(&sim->log);
    return st;
}

rs_status rs_sim_run(rs_sim *sim, uint32_t rep, rs_rep_result *res, rs_error *err)
{
    const rs_scenario *sc = sim->sc;
    reset(sim, rep);
    memset(res, 0, sizeof *res);
    const double horizon = sc->horizon;
    run_state rs = {.rollback_time = NAN, .p_at_rollback = NAN, .time_to_full = NAN, .first = 1};
    rs_policy_ctx ctx = policy_ctx(sim);
    sim->log.now = 0;
    rs_status st = draw_versions(sim, rep, err);
    if (!st)
        st = create_policy(sim, &ctx, err);
    if (st)
        return st;

    st = schedule_arrivals(sim, 0, err);
    for (size_t i = 0; i < sc->n_events && !st; i++)
        st = rs_queue_push(&sim->queue, sc->events[i].at, RS_EV_SCRIPTED, (uint32_t)i, err);
    for (size_t v = 0; v < sim->nv && !st; v++)
        if (!sim->released[v])
            st = rs_queue_push(&sim->queue, sc->versions[v].release_at, RS_EV_SCRIPTED,
                               (uint32_t)(sc->n_events + v), err);
    if (!st)
        st = rs_queue_push(&sim->queue, 0, RS_EV_DECISION, 0, err);
    if (!st)
        st = rs_queue_push(&sim->queue, 0, RS_EV_SAMPLE, 0, err);
    if (!st)
        st = rs_queue_push(&sim->queue, horizon, RS_EV_HORIZON, 0, err);

    /* The loop: take the earliest event, run it. An arrival keeps serving its segment's stream inline for
     * as long as its next request comes strictly before every queued event, which is the same order the
     * heap would give without a push and pop per request. */
    rs_event ev;
    while (!st && rs_queue_pop(&sim->queue, &ev)) {
        if (ev.kind == RS_EV_ARRIVAL) {
            if (ev.arg != sim->arr_gen)
                continue; /* drawn at a rate that has changed since */
            double t = ev.t, mean_gap = 1 / sim->lam_total, limit = rs_queue_peek_time(&sim->queue);
            const double w = 2 * M_PI / 24;
            if (sim->ns == 1 && sim->seg[0].daily == 0) { /* the common case, with nothing to choose or thin */
                for (;;) {
                    serve(sim, 0);
                    t += exp_gap(sim->arrivals, mean_gap);
                    if (t >= limit)
                        break;
                }
            } else {
                for (;;) {
                    size_t s = 0;
                    if (sim->ns > 1) { /* which segment: probability lam_max[s] / lam_total */
                        double x = rs_rng_uniform(sim->arrivals) * sim->lam_total;
                        while (s + 1 < sim->ns && x >= sim->cum_lam[s])
                            s++;
                    }
                    const seg_rt *g = &sim->seg[s];
                    /* thinning: kept with probability rate(t) / max rate of the segment's daily cycle */
                    if (g->daily == 0 ||
                        rs_rng_uniform(sim->arrivals) * (1 + g->daily) < 1 + g->daily * cos(w * (t - g->peak)))
                        serve(sim, s);
                    t += exp_gap(sim->arrivals, mean_gap);
                    if (t >= limit)
                        break;
                }
            }
            if (t < horizon)
                st = rs_queue_push(&sim->queue, t, RS_EV_ARRIVAL, sim->arr_gen, err);
        } else if (ev.kind == RS_EV_SCRIPTED) {
            st = scripted(sim, &rs, ev.arg, ev.t, err);
        } else if (ev.kind == RS_EV_DECISION) {
            if (!rs.policy_done)
                st = decide(sim, &rs, ev.t, err);
        } else if (ev.kind == RS_EV_SAMPLE) {
            if (sim->stop && *sim->stop) {
                st = RS_SET(err, RS_ERR_INTERRUPTED, "replication %u interrupted", rep);
                break;
            }
            take_sample(sim, &rs, ev.t);
            double next = (double)sim->n_samples * sc->sample_every;
            if (sim->n_samples < sim->max_samples)
                st = rs_queue_push(&sim->queue, next > horizon ? horizon : next, RS_EV_SAMPLE, 0, err);
        } else if (ev.kind == RS_EV_HORIZON) {
            break;
        }
    }
    if (sim->type->destroy)
        sim->type->destroy(sim->state);
    if (st)
        return st;
    if (sim->log.oom)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for the event log");
    if (rs_rng_used(sim->arrivals) >= RS_RNG_STREAM_DRAWS || rs_rng_used(sim->outcomes) >= RS_RNG_STREAM_DRAWS ||
        rs_rng_used(sim->policy_rng) >= RS_RNG_STREAM_DRAWS || rs_rng_used(sim->latency_rng) >= RS_RNG_STREAM_DRAWS)
        RS_FAIL(err, RS_ERR_RUNTIME,
                "replication %u drew more than 2^36 random numbers from one stream, so its streams could "
                "overlap; shorten the horizon or use fewer users",
                rep);

    res->rollback_time = rs.rollback_time;
    res->p_at_rollback = rs.p_at_rollback;
    res->time_to_full = rs.time_to_full;
    res->stage_reached = rs.stage;
    res->outcome = rs.rolled_back                ? RS_OUTCOME_ROLLED_BACK
                   : !isnan(rs.time_to_full)     ? RS_OUTCOME_PROMOTED
                                                 : RS_OUTCOME_INCOMPLETE;
    for (size_t v = 0; v < sim->nv; v++) {
        int bad = rs_scenario_version_bad(sc, v, sim->draws, err);
        if (bad < 0)
            return RS_ERR_INPUT;
        res->bad |= bad;
        for (size_t s = 0; s < sim->ns; s++) {
            const rs_counts *c = &sim->cells[v * sim->ns + s];
            res->requests += c->requests;
            if (v == sc->baseline)
                continue;
            res->cand_requests += c->requests;
            res->harm += c->errors;
        }
        if (res->outcome == RS_OUTCOME_PROMOTED && v != sc->baseline &&
            sim->routing.version_users[v] == sc->total_users)
            res->promoted_bad = bad;
    }
    checkpoint_excess(sim);
    res->excess_harm = (double)res->harm - sim->expected_base;
    res->harmed_users = sim->harmed_any;
    res->exposed = sim->exposed_any;
    return RS_OK;
}

void rs_sim_set_stop(rs_sim *sim, const volatile sig_atomic_t *stop)
{
    sim->stop = stop;
}

const rs_sample *rs_sim_samples(const rs_sim *sim, size_t *n, const double **weights)
{
    *n = sim->n_samples;
    if (weights)
        *weights = sim->sample_w;
    return sim->samples;
}

const rs_counts *rs_sim_cells(const rs_sim *sim, const uint64_t **exposed, const uint64_t **routed)
{
    if (exposed)
        *exposed = sim->exposed_cell;
    if (routed)
        *routed = sim->routing.users;
    return sim->cells;
}

const rs_run_log *rs_sim_log(const rs_sim *sim)
{
    return &sim->log;
}

#include "sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "host.h"
#include "quality.h"
#include "rng.h"

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
    if (sim->engine && sim->engine_state)
        sim->engine->free_state(sim->engine_state);
    free(sim->seg_rate);
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
    free(sim->mu_star);
    free(sim->regret_snap);
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
    if (sim->has_labels)
        rs_labels_free(&sim->labels);
    free(sim->samples);
    free(sim->sample_w);
    free(sim->state);
    free(sim);
}

/* ---- cohort mode's step (SPEC §9, issue 11) -------------------------------------------------------------
 * The step dt must divide every time the scenario asks for: samples, scripted events, releases and the
 * policy's decisions, so that each falls on a step boundary. Times are in hours and often decimal (0.1 h) or
 * thirds (20 minutes), so they are read as fractions p/q (continued fractions, q <= 10^6, within 1e-9
 * relative) and their common step is gcd(numerators) / lcm(denominators). */

typedef struct step_gcd {
    uint64_t num, den; /* the common step num/den hours so far; num = 0: no time yet */
    int failed;        /* a time is not such a fraction, or the denominators' lcm passed 10^12 */
} step_gcd;

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* x as p/q in lowest terms; -1 when no q <= 10^6 gives it within 1e-9 relative (or x is out of range). */
static int rationalize(double x, uint64_t *p, uint64_t *q)
{
    if (!(x > 0 && x < 1e12))
        return -1;
    double tol = 1e-9 * (x > 1 ? x : 1), y = x;
    uint64_t h0 = 0, h1 = 1, k0 = 1, k1 = 0; /* convergents h/k */
    for (int i = 0; i < 64; i++) {
        double a = floor(y);
        if (a > 1e12)
            break;
        uint64_t h = (uint64_t)a * h1 + h0, k = (uint64_t)a * k1 + k0;
        if (k > 1000000)
            return -1;
        if (fabs((double)h / (double)k - x) <= tol) {
            uint64_t g = gcd_u64(h, k);
            *p = h / g;
            *q = k / g;
            return *p ? 0 : -1;
        }
        h0 = h1, h1 = h, k0 = k1, k1 = k;
        if (y - a < 1e-15)
            break;
        y = 1 / (y - a);
    }
    return -1;
}

static void step_gcd_add(step_gcd *g, double x)
{
    uint64_t p, q;
    if (g->failed)
        return;
    if (rationalize(x, &p, &q)) {
        g->failed = 1;
        return;
    }
    if (!g->num) {
        g->num = p, g->den = q;
        return;
    }
    uint64_t l = g->den / gcd_u64(g->den, q);
    if (l > UINT64_C(1000000000000) / q) {
        g->failed = 1;
        return;
    }
    g->num = gcd_u64(g->num, p);
    g->den = l * q;
}

/* Whether t is a whole number of steps dt (within 1e-9 relative). */
static int on_step(double t, double dt)
{
    double k = t / dt;
    return fabs(k - nearbyint(k)) <= 1e-9 * (k > 1 ? k : 1);
}

/* The largest step dividing both dt and t (for messages), or 0. */
static double common_step(double dt, double t)
{
    step_gcd g = {0};
    step_gcd_add(&g, dt);
    step_gcd_add(&g, t);
    return g.failed || !g.num ? 0 : (double)g.num / (double)g.den;
}

/* Adds the policy's durations found in its resolved parameters: every duration parameter and every `bake` of a
 * table list (fixed_stages' stages), those under the horizon and > 0. They are where decisions fall. */
static void add_policy_times(step_gcd *g, const rs_scenario *s, const rs_policy_type *t, const rs_value *params)
{
    for (size_t i = 0; t && params && i < t->n_params; i++) {
        const rs_value *v = rs_value_get(params, t->params[i].name);
        double h;
        if (!v)
            continue;
        if (t->params[i].type == RS_PARAM_DURATION && !rs_value_duration(v, &h) && h > 0 && h < s->horizon)
            step_gcd_add(g, h);
        if (t->params[i].type == RS_PARAM_TABLE_LIST && v->kind == RS_VALUE_LIST)
            for (size_t k = 0; k < v->len; k++) {
                const rs_value *b = v->items[k].kind == RS_VALUE_TABLE ? rs_value_get(&v->items[k], "bake") : NULL;
                if (b && !rs_value_duration(b, &h) && h > 0 && h < s->horizon)
                    step_gcd_add(g, h);
            }
    }
}

/* The step of cohort mode: the scenario's dt, checked against the times it asks for up front (samples,
 * events, releases; the policy's decisions are checked as they come, see decide()), or by default the largest
 * step dividing all of them and the policy's durations. RS_ERR_INPUT naming `dt` when none fits. */
static rs_status resolve_step(const rs_scenario *s, const rs_policy_type *t, const rs_value *params, double *dt,
                              rs_error *err)
{
    step_gcd g = {0};
    if (s->sample_every < s->horizon)
        step_gcd_add(&g, s->sample_every);
    for (size_t i = 0; i < s->n_events; i++)
        if (s->events[i].at > 0 && s->events[i].at < s->horizon)
            step_gcd_add(&g, s->events[i].at);
    for (size_t v = 0; v < s->n_versions; v++)
        if (s->versions[v].release_at > 0 && s->versions[v].release_at < s->horizon)
            step_gcd_add(&g, s->versions[v].release_at);
    step_gcd scen = g; /* the scenario's own times, for the messages below */
    double fit = scen.failed ? 0 : scen.num ? (double)scen.num / (double)scen.den : s->horizon;
    if (s->dt > 0) {
        const char *what = NULL;
        double at = 0;
        if (s->sample_every < s->horizon && !on_step(s->sample_every, s->dt))
            what = "sample_every", at = s->sample_every;
        for (size_t i = 0; !what && i < s->n_events; i++)
            if (s->events[i].at > 0 && s->events[i].at < s->horizon && !on_step(s->events[i].at, s->dt))
                what = "the time of an event", at = s->events[i].at;
        for (size_t v = 0; !what && v < s->n_versions; v++)
            if (s->versions[v].release_at > 0 && s->versions[v].release_at < s->horizon &&
                !on_step(s->versions[v].release_at, s->dt))
                what = "a version's release_at", at = s->versions[v].release_at;
        if (what) {
            double would = common_step(s->dt, fit);
            if (would > 0)
                RS_FAIL(err, RS_ERR_INPUT,
                        "%s: dt: %.10g h does not divide %s (%.10g h); dt = %.10g h would, or use mode = \"exact\"",
                        s->file, s->dt, what, at, would);
            RS_FAIL(err, RS_ERR_INPUT, "%s: dt: %.10g h does not divide %s (%.10g h); use mode = \"exact\"", s->file,
                    s->dt, what, at);
        }
        *dt = s->dt;
        return RS_OK;
    }
    add_policy_times(&g, s, t, params);
    if (g.failed)
        RS_FAIL(err, RS_ERR_INPUT,
                "%s: dt: the times this scenario asks for (sample_every, events, releases, the policy's durations) "
                "have no common step of a whole fraction of an hour; set dt, or use mode = \"exact\"",
                s->file);
    double h = g.num ? (double)g.num / (double)g.den : s->horizon;
    if (s->horizon / h > 1e7)
        RS_FAIL(err, RS_ERR_INPUT,
                "%s: dt: the default step, %.10g h (the largest dividing every time the scenario asks for), gives "
                "more than 10^7 steps over a horizon of %g h; set a coarser sample_every or policy durations, or "
                "use mode = \"exact\"",
                s->file, h, s->horizon);
    *dt = h;
    return RS_OK;
}

double rs_sim_step(const rs_sim *sim)
{
    return sim->dt;
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

    sim->seg_rate = calloc(ns, sizeof *sim->seg_rate);
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
    sim->mu_star = calloc(ns, sizeof *sim->mu_star);
    sim->regret_snap = calloc(cells, sizeof *sim->regret_snap);
    if (!sim->seg_rate || !sim->segment_users || !sim->version_names || !sim->segment_names || !sim->cand_of ||
        !sim->err_thr || !sim->succ_thr || !sim->cells || !sim->snapshot || !sim->since || !sim->vobs ||
        !sim->exposed_cell || !sim->req_weights || !sim->released || !sim->cur_error || !sim->cur_success ||
        !sim->prev_users || !sim->excess_snap || !sim->act_weights || !sim->samples || !sim->sample_w || !sim->state ||
        !sim->arrivals || !sim->outcomes || !sim->policy_rng || !sim->versions_rng || !sim->draws ||
        !sim->latency_rng || !sim->lat_interval || !sim->lat_stage || !sim->lat_interval_ptr || !sim->lat_stage_ptr ||
        !sim->lat_interval_n || !sim->lat_stage_n || !sim->lat_median || !sim->lat_sigma || !sim->mu_star ||
        !sim->regret_snap) {
        rs_sim_free(sim);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for a simulation of %llu users",
                (unsigned long long)s->total_users);
    }
    sim->policy_stream.g = sim->policy_rng;
    for (size_t i = 0; i < ns; i++) {
        sim->segment_users[i] = s->segments[i].users;
        sim->segment_names[i] = s->segments[i].name;
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
    /* Queue: a decision, a sample and the horizon are pending at any time, plus the scripted events and
     * releases pushed at the start. (The exact engine's arrivals are not in it: see core/exact.c.) */
    rs_status st = rs_queue_init(&sim->queue, 8 + s->n_events + nv, err);
    if (!st)
        st = rs_routing_init(&sim->routing, nv, ns, s->baseline, sim->segment_users, err);
    sim->engine = s->mode == RS_MODE_COHORT ? rs_engine_cohort : rs_engine_exact;
    if (!st && s->mode == RS_MODE_COHORT)
        st = resolve_step(s, t, params, &sim->dt, err);
    if (!st && s->has_labels) {
        st = rs_labels_init(&sim->labels, s, sim->dt, err);
        sim->has_labels = !st;
    }
    if (!st)
        st = sim->engine->alloc(sim, &sim->engine_state, err);
    if (st) {
        rs_sim_free(sim);
        return st;
    }
    *out = sim;
    return RS_OK;
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
#define RS_MAX_TINY_STEPS 1000
static rs_status validate_action(rs_sim *sim, const rs_action *act, double now, rs_error *err)
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
    if (act->verdict == RS_VERDICT_CONTINUE) {
        /* At most 10^7 decisions a replication: a `next` that hardly advances would never reach the horizon. */
        double least = sim->sc->horizon * 1e-7, next = act->next_decision;
        char when[32];
        snprintf(when, sizeof when, isnan(next) ? "NaN" : "%.10g", next); /* never "-nan" */
        if (!(next > now && isfinite(next)))
            RS_FAIL(err, RS_ERR_RUNTIME, "policy %s asked for its next decision at t = %s h, not after now (t = %g h)",
                    who, when, now);
        /* A tiny step now and then is fine (a stage that starts right away); a policy that keeps taking them
         * would run for ever. */
        sim->tiny_steps = next < now + least && next < sim->sc->horizon ? sim->tiny_steps + 1 : 0;
        if (sim->tiny_steps > RS_MAX_TINY_STEPS)
            RS_FAIL(err, RS_ERR_RUNTIME,
                    "policy %s asked for its next decision at t = %s h, less than %.3g h after now (t = %.10g h), %d "
                    "times in a row: a policy decides at most about 10^7 times over the horizon (steps of at least "
                    "horizon / 10^7)",
                    who, when, least, now, RS_MAX_TINY_STEPS + 1);
    }
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
    if (sim->engine->routed)
        sim->engine->routed(sim, sim->engine_state, now);
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
    if (sim->has_labels)
        rs_labels_deliver(&sim->labels, now);
    rs_observation obs = {
        .t = now, .last_decision_t = rs->last_decision, .first = rs->first, .n_versions = nv, .n_segments = ns,
        .total_users = sc->total_users, .versions = sim->vobs, .cell_total = sim->cells, .cell_since = sim->since,
        .weights = sim->routing.weights, .latency_capacity = RS_LATENCY_CAPACITY,
        .latency_interval = sim->lat_interval_ptr, .n_latency_interval = sim->lat_interval_n,
        .latency_stage = sim->lat_stage_ptr, .n_latency_stage = sim->lat_stage_n,
        .labels_cell = sim->has_labels ? sim->labels.arrived : NULL,
        .labels = sim->has_labels ? sim->labels.version : NULL,
        .labels_in_flight = sim->has_labels ? sim->labels.in_flight : NULL,
    };
    memcpy(sim->act_weights, sim->req_weights, sim->n_cells * sizeof *sim->act_weights);
    rs_action act = {.weights = sim->act_weights, .verdict = RS_VERDICT_CONTINUE, .next_decision = NAN,
                     .stage = rs->stage, .route = NULL, .observe = NULL};
    sim->log.now = now;
    char msg[512] = "";
    if (sim->type->decide(sim->state, &obs, &act, msg, sizeof msg))
        RS_FAIL(err, RS_ERR_RUNTIME, "policy %s failed at t = %g h: %s", sim->type->name, now,
                *msg ? msg : "(no message)");
    rs_status st = validate_action(sim, &act, now, err);
    if (st)
        return st;
    sim->per_request = (act.route || act.observe) && act.verdict == RS_VERDICT_CONTINUE;
    if (sim->per_request && (!act.route || !act.observe))
        RS_FAIL(err, RS_ERR_RUNTIME,
                "policy %s set only one of rs_action.route and rs_action.observe at t = %g h (per-request routing "
                "needs both)", sim->type->name, now);
    sim->route = act.route;
    sim->observe = act.observe;
    if (sim->per_request && sim->dt > 0)
        RS_FAIL(err, RS_ERR_INPUT,
                "%s: mode: cohort mode draws counts per step and cannot call policy %s for every request "
                "(per_request = true, or update_every = 0); use mode = \"exact\" for it",
                sc->file, sim->type->name);
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
    if (act.next_decision <= sc->horizon && sim->dt > 0 && !on_step(act.next_decision, sim->dt)) {
        double would = common_step(sim->dt, act.next_decision);
        char hint[96] = "";
        if (would > 0)
            snprintf(hint, sizeof hint, "set dt = %.10g h, or ", would);
        RS_FAIL(err, RS_ERR_INPUT,
                "%s: dt: policy %s asked for a decision at t = %.10g h, which is not a multiple of the cohort step "
                "dt = %.10g h; %suse mode = \"exact\"",
                sc->file, sim->type->name, act.next_decision, sim->dt, hint);
    }
    if (act.next_decision <= sc->horizon)
        return rs_queue_push(&sim->queue, act.next_decision, RS_EV_DECISION, 0, err);
    return RS_OK;
}

static void checkpoint_regret(rs_sim *sim);

static void take_sample(rs_sim *sim, const run_state *rs, double t)
{
    if (sim->n_samples >= sim->max_samples)
        return;
    rs_sample *smp = &sim->samples[sim->n_samples];
    checkpoint_regret(sim);
    smp->regret = sim->regret;
    smp->t = t;
    smp->n = candidate_users(sim);
    smp->exposed = sim->exposed_any;
    smp->harmed = sim->harmed_any;
    smp->stage = rs->stage;
    if (sim->has_labels) { /* issue 16: the candidates' labels, for curves.csv and the quality plot */
        rs_labels_deliver(&sim->labels, t);
        smp->lab_tp = smp->lab_fp = smp->lab_fn = smp->lab_tn = smp->lab_in_flight = 0;
        for (size_t v = 0; v < sim->nv; v++) {
            const rs_confusion *q = &sim->labels.version[v];
            if (v == sim->sc->baseline)
                continue;
            smp->lab_tp += q->tp, smp->lab_fp += q->fp, smp->lab_fn += q->fn, smp->lab_tn += q->tn;
            smp->lab_in_flight += sim->labels.in_flight[v];
        }
    }
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

/* Adds each cell's requests since the last checkpoint times (mu* - mu) at the rates in force since then; called
 * before any rate changes or release, at samples and at the end (pseudo-regret, engine.h). */
static void checkpoint_regret(rs_sim *sim)
{
    for (size_t c = 0; c < sim->n_cells; c++) {
        uint64_t n = sim->cells[c].requests - sim->regret_snap[c];
        if (n) {
            double mu = sim->succ_thr[c] - sim->err_thr[c];
            sim->regret += (double)n * (sim->mu_star[c % sim->ns] - mu);
            sim->regret_snap[c] = sim->cells[c].requests;
        }
    }
}

/* mu* per segment: the best released version's P(success) there, from the current thresholds. */
static void best_rates(rs_sim *sim)
{
    for (size_t i = 0; i < sim->ns; i++) {
        double best = 0;
        for (size_t v = 0; v < sim->nv; v++) {
            size_t c = v * sim->ns + i;
            if (sim->released[v] && sim->succ_thr[c] - sim->err_thr[c] > best)
                best = sim->succ_thr[c] - sim->err_thr[c];
        }
        sim->mu_star[i] = best;
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
    best_rates(sim);
    if (sim->has_labels)
        rs_labels_reset(&sim->labels, rep, sim->draws);
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
    memset(sim->regret_snap, 0, sim->n_cells * sizeof *sim->regret_snap);
    sim->expected_base = 0;
    sim->regret = 0;
    sim->per_request = 0;
    sim->bad_route = 0;
    for (size_t v = 0; v < sim->nv; v++)
        sim->released[v] = v == sc->baseline || sc->versions[v].release_at <= 0;
    for (size_t i = 0; i < sim->ns; i++)
        sim->seg_rate[i] = sc->segments[i].rate;
    memset(sim->act_weights, 0, sim->n_cells * sizeof *sim->act_weights);
    rs_routing_apply(&sim->routing, sim->act_weights);
    sim->exposed_any = sim->harmed_any = 0;
    sim->n_samples = 0;
    rs_queue_clear(&sim->queue);
    rs_log_clear(&sim->log);
    memset(sim->state, 0, sim->type->state_size ? sim->type->state_size : 1);
}

/* Sets a version's error or success rate, or a segment's request rate (key RS_KEY_RATE: index is a segment),
 * from now on. */
static rs_status apply_change(rs_sim *sim, size_t index, rs_event_key key, double value, double now, rs_error *err)
{
    if (key == RS_KEY_RATE) {
        sim->seg_rate[index] = value;
        return sim->engine->rate_changed ? sim->engine->rate_changed(sim, sim->engine_state, index, now, err) : RS_OK;
    }
    checkpoint_excess(sim); /* before the baseline's rate may change */
    checkpoint_regret(sim);
    if (key == RS_KEY_ERROR_RATE)
        sim->cur_error[index] = value;
    else
        sim->cur_success[index] = value;
    set_thresholds(sim, index);
    best_rates(sim);
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
        checkpoint_regret(sim);
        sim->released[v] = 1;
        best_rates(sim);
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
        rs_error_dot_indices(msg); /* the plugin's "stages[2]" as the command line names it: stages.2 */
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

static rs_status run_rep(rs_sim *sim, uint32_t rep, rs_rep_result *res, rs_error *err);

/* A replication with its own fresh Lua state when the scenario keeps one (core/scenario.c), so that nothing a
 * script keeps can carry over between replications (results never depend on --jobs). */
rs_status rs_sim_run(rs_sim *sim, uint32_t rep, rs_rep_result *res, rs_error *err)
{
    rs_status st = rs_scenario_rep_begin(sim->sc, rep, err);
    if (!st)
        st = run_rep(sim, rep, res, err);
    rs_scenario_rep_end(sim->sc);
    return st;
}

static rs_status run_rep(rs_sim *sim, uint32_t rep, rs_rep_result *res, rs_error *err)
{
    sim->tiny_steps = 0;
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

    st = sim->engine->start(sim, sim->engine_state, err);
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

    /* The loop: take the earliest event; the engine first simulates the traffic up to its time (requests at
     * the very instant of an event come after it: a tie has probability 0 in exact mode, and in cohort mode
     * events fall on step boundaries), then the event runs. */
    rs_event ev;
    while (!st && rs_queue_pop(&sim->queue, &ev)) {
        if (sim->stop && *sim->stop) { /* at every event (samples, decisions, scripted), not per request */
            st = RS_SET(err, RS_ERR_INTERRUPTED, "replication %u interrupted", rep);
            break;
        }
        st = sim->engine->advance(sim, sim->engine_state, ev.t, err);
        if (!st && sim->bad_route)
            st = RS_SET(err, RS_ERR_RUNTIME,
                        "policy %s routed a request to version %llu before t = %g h, which is not a released "
                        "version (route() must return an index below %zu of a released version)",
                        sim->type->name, (unsigned long long)(sim->bad_route - 1), ev.t, sim->nv);
        if (st)
            break;
        if (ev.kind == RS_EV_SCRIPTED) {
            st = scripted(sim, &rs, ev.arg, ev.t, err);
        } else if (ev.kind == RS_EV_DECISION) {
            if (!rs.policy_done)
                st = decide(sim, &rs, ev.t, err);
        } else if (ev.kind == RS_EV_SAMPLE) {
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
    if (sim->has_labels && sim->labels.oom)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for the labels in flight");
    if (sim->has_labels) /* what had arrived by the horizon, for the outputs */
        rs_labels_deliver(&sim->labels, horizon);
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
    checkpoint_regret(sim);
    res->regret = sim->regret;
    res->harmed_users = sim->harmed_any;
    res->exposed = sim->exposed_any;
    res->excess_wrong = res->cand_labels = res->cand_labels_in_flight = NAN;
    res->true_recall = res->true_precision = res->true_accuracy = res->true_f1 = NAN;
    if (sc->quality) {
        const rs_version_draw *d = &sim->draws[sc->baseline == 0 ? 1 : 0]; /* the first candidate */
        res->true_recall = d->recall;
        res->true_precision = rs_quality_precision(sc->prevalence, d->recall, d->specificity);
        res->true_accuracy = rs_quality_accuracy(sc->prevalence, d->recall, d->specificity);
        res->true_f1 = rs_quality_f1(sc->prevalence, d->recall, d->specificity); /* recall and specificity never change within a replication: the end's counts suffice */
        const rs_version_draw *b = &sim->draws[sc->baseline];
        res->excess_wrong = 0;
        for (size_t v = 0; v < sim->nv; v++)
            for (size_t s = 0; v != sc->baseline && s < sim->ns; s++) {
                double pi = sc->segments[s].prevalence;
                double gap = rs_quality_accuracy(pi, b->recall, b->specificity) -
                             rs_quality_accuracy(pi, sim->draws[v].recall, sim->draws[v].specificity);
                res->excess_wrong += (double)sim->cells[v * sim->ns + s].requests * gap;
            }
    }
    if (sim->has_labels) {
        res->cand_labels = res->cand_labels_in_flight = 0;
        for (size_t v = 0; v < sim->nv; v++) {
            const rs_confusion *q = &sim->labels.version[v];
            if (v == sc->baseline)
                continue;
            res->cand_labels += (double)(q->tp + q->fp + q->fn + q->tn + q->thumbs_up + q->thumbs_down);
            res->cand_labels_in_flight += (double)sim->labels.in_flight[v];
        }
    }
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

const uint64_t *rs_sim_labels_sent(const rs_sim *sim)
{
    return sim->has_labels ? sim->labels.sent : NULL;
}

const rs_confusion *rs_sim_labels(const rs_sim *sim, const uint64_t **in_flight)
{
    if (in_flight)
        *in_flight = sim->has_labels ? sim->labels.in_flight : NULL;
    return sim->has_labels ? sim->labels.arrived : NULL;
}

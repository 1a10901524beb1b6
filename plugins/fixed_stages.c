/* fixed_stages: an explicit ladder of stages (SPEC §6.1). Each stage sets the candidate's weight (in every
 * segment, in some segments, or per segment) and bakes for a while; a gate judges the candidate on the
 * stage's requests at the end of the stage (and every `check_every` inside it, if set); a failed gate rolls
 * back, a passed last stage promotes. Big-bang (steps = {1}), blue-green and Argo/Flagger-style canaries are
 * configurations of it. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollsim/policy.h"

static const rs_param_spec params[] = {
    {"stages", RS_PARAM_TABLE_LIST, NULL, 0, 0, NULL,
     "the ladder: { weight = w, bake = d, segments = {...} } per stage; segments is a list of names (weight "
     "applies there, 0 elsewhere) or a table name = weight"},
    {"steps", RS_PARAM_NUMBER_LIST, NULL, 0, 1, NULL, "shorthand for stages: the weights, each baking `bake`"},
    {"bake", RS_PARAM_DURATION, "12h", 1e-9, 1e7, NULL, "how long each stage runs (default for stages)"},
    {"gate", RS_PARAM_STRING, "ztest", 0, 0, "none|ztest|bayes|msprt|confseq",
     "how the candidate's error rate is judged against the baseline's: a fixed-level z-test; the Beta-Binomial "
     "posterior probability that it is worse (bayes); or a sequential test safe under continuous monitoring "
     "(msprt: normal-mixture SPRT; confseq: GrowthBook's asymptotic confidence sequence)"},
    {"alpha", RS_PARAM_NUMBER, "0.05", 1e-12, 0.5, NULL, "level of the z-test, msprt and confseq gates"},
    {"delta", RS_PARAM_NUMBER, "0", -1, 1, NULL, "bayes: roll back when P(p_cand - p_base > delta) > level"},
    {"level", RS_PARAM_NUMBER, "0.95", 0.5, 1, NULL, "bayes: the posterior probability that rolls back"},
    {"tau2", RS_PARAM_NUMBER, "0.0001", 1e-12, 1, NULL,
     "msprt: variance of the normal mixing distribution of the error-rate difference (0.0001: effects of about "
     "one percentage point)"},
    {"n_star", RS_PARAM_NUMBER, "5000", 1, 1e12, NULL,
     "confseq: the total sample size (both arms) at which the sequence is tightest (GrowthBook's default 5000)"},
    {"check_every", RS_PARAM_DURATION, "0", 0, 1e7, NULL,
     "also check the gate this often inside a stage (0: only at its end)"},
    {"window", RS_PARAM_STRING, "stage", 0, 0, "stage|interval",
     "the data a check judges: everything since the stage began (checked repeatedly, the classic peeking "
     "design), or only what came since the previous check"},
    {"two_sided", RS_PARAM_BOOL, "false", 0, 0, NULL,
     "z-test: fire on a difference either way at level alpha (alpha/2 in each tail), not only on a worse "
     "candidate"},
    {"candidate", RS_PARAM_STRING, NULL, 0, 0, NULL, "the version to roll out (default: the only candidate)"},
};

typedef struct fs_stage {
    double bake;
    double *weights; /* per segment */
} fs_stage;

enum { GATE_NONE, GATE_ZTEST, GATE_BAYES, GATE_MSPRT, GATE_CONFSEQ };
static const char *const gate_names[] = {"none", "ztest", "bayes", "msprt", "confseq"};

typedef struct fs_state {
    const rs_host *h;
    rs_run_log *log;
    size_t ns, nv, cand, base;
    fs_stage *stages;
    double *weights; /* n_stages * ns, behind stages[i].weights */
    size_t n_stages, k;
    int gate; /* GATE_* */
    double delta, level, tau2, rho2;
    double alpha, check_every;
    int window_interval, two_sided;
    double stage_start, stage_end;
    uint64_t snap_cr, snap_ce, snap_br, snap_be; /* candidate / baseline requests and errors at the window's start */
} fs_state;

#define FAIL(...)                                                                                          \
    do {                                                                                                   \
        snprintf(err, err_len, __VA_ARGS__);                                                               \
        return -1;                                                                                         \
    } while (0)

static void fs_destroy(void *state)
{
    fs_state *s = state;
    free(s->stages);
    free(s->weights);
    s->stages = NULL;
    s->weights = NULL;
}

static long find_segment(const rs_policy_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->n_segments; i++)
        if (!strcmp(ctx->segment_names[i], name))
            return (long)i;
    return -1;
}

static int unknown_segment(const rs_policy_ctx *ctx, size_t stage, const char *name, char *err, size_t err_len)
{
    char known[512] = "";
    for (size_t i = 0; i < ctx->n_segments; i++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", ctx->segment_names[i]);
    }
    FAIL("stages[%zu].segments: no segment named \"%s\" (segments: %s)", stage + 1, name, known);
}

static int check_weight(double w, size_t stage, const char *what, char *err, size_t err_len)
{
    if (!(w >= 0 && w <= 1))
        FAIL("stages[%zu].%s: expected a number in [0, 1], got %g", stage + 1, what, w);
    return 0;
}

/* Reads one stage table into st (weights already zeroed). */
static int read_stage(fs_state *s, const rs_policy_ctx *ctx, const rs_value *t, size_t i, double bake_default,
                      char *err, size_t err_len)
{
    const rs_host *h = s->h;
    fs_stage *st = &s->stages[i];
    static const char *const keys[] = {"weight", "bake", "segments"};
    for (size_t j = 0; j < h->value_len(t); j++) {
        const char *key = h->value_key_at(t, j);
        if (strcmp(key, keys[0]) && strcmp(key, keys[1]) && strcmp(key, keys[2]))
            FAIL("stages[%zu]: unknown key '%s' (expected weight, bake, segments)", i + 1, key);
    }
    st->bake = bake_default;
    const rs_value *bake = h->value_get(t, "bake");
    if (bake && (h->value_duration(bake, &st->bake) || !(st->bake > 0) || !isfinite(st->bake)))
        FAIL("stages[%zu].bake: expected a positive duration (hours, or \"30m\", \"6h\", \"2d\")", i + 1);
    const rs_value *wv = h->value_get(t, "weight");
    const rs_value *segs = h->value_get(t, "segments");
    double w = -1;
    if (wv && h->value_number(wv, &w))
        FAIL("stages[%zu].weight: expected a number in [0, 1]", i + 1);
    if (wv && check_weight(w, i, "weight", err, err_len))
        return -1;
    if (!segs) {
        if (!wv)
            FAIL("stages[%zu]: expected a weight (or segments = { name = weight, ... })", i + 1);
        for (size_t g = 0; g < s->ns; g++)
            st->weights[g] = w;
        return 0;
    }
    if (h->value_kind(segs) == RS_VALUE_TABLE) {
        if (wv)
            FAIL("stages[%zu]: give either weight with a list of segments, or segments = { name = weight }", i + 1);
        for (size_t j = 0; j < h->value_len(segs); j++) {
            const char *name = h->value_key_at(segs, j);
            long g = find_segment(ctx, name);
            if (g < 0)
                return unknown_segment(ctx, i, name, err, err_len);
            char what[160];
            snprintf(what, sizeof what, "segments.%s", name);
            if (h->value_number(h->value_at(segs, j), &st->weights[g]))
                FAIL("stages[%zu].%s: expected a number in [0, 1]", i + 1, what);
            if (check_weight(st->weights[g], i, what, err, err_len))
                return -1;
        }
        return 0;
    }
    if (h->value_kind(segs) != RS_VALUE_LIST)
        FAIL("stages[%zu].segments: expected a list of segment names or a table name = weight", i + 1);
    if (!wv)
        w = 1; /* segments = {"internal"} alone means all of those users */
    for (size_t j = 0; j < h->value_len(segs); j++) {
        const char *name = h->value_string(h->value_at(segs, j));
        if (!name)
            FAIL("stages[%zu].segments[%zu]: expected a segment name", i + 1, j + 1);
        long g = find_segment(ctx, name);
        if (g < 0)
            return unknown_segment(ctx, i, name, err, err_len);
        st->weights[g] = w;
    }
    return 0;
}

static int fs_create(void *state, const rs_policy_ctx *ctx, char *err, size_t err_len)
{
    fs_state *s = state;
    const rs_host *h = ctx->host;
    const rs_value *p = ctx->params;
    s->h = h;
    s->log = ctx->log;
    s->ns = ctx->n_segments;
    s->nv = ctx->n_versions;
    s->base = ctx->baseline;

    const char *cand = h->value_string(h->value_get(p, "candidate"));
    s->cand = (size_t)-1;
    if (cand) {
        for (size_t v = 0; v < s->nv; v++)
            if (v != s->base && !strcmp(ctx->version_names[v], cand))
                s->cand = v;
        if (s->cand == (size_t)-1)
            FAIL("candidate: no candidate version named \"%s\"", cand);
    } else if (s->nv != 2) {
        FAIL("candidate: the scenario has %zu candidates; name the one to roll out (candidate = \"...\")",
             s->nv - 1);
    } else {
        s->cand = s->base == 0 ? 1 : 0;
    }

    double bake;
    h->value_duration(h->value_get(p, "bake"), &bake);
    h->value_number(h->value_get(p, "alpha"), &s->alpha);
    h->value_duration(h->value_get(p, "check_every"), &s->check_every);
    s->window_interval = !strcmp(h->value_string(h->value_get(p, "window")), "interval");
    if (h->struct_size < offsetof(rs_host, value_bool) + sizeof h->value_bool) /* an older host */
        FAIL("this rollsim is too old for two_sided (its host table has no value_bool)");
    h->value_bool(h->value_get(p, "two_sided"), &s->two_sided);
    const char *gate = h->value_string(h->value_get(p, "gate"));
    for (s->gate = 0; s->gate < GATE_CONFSEQ && strcmp(gate, gate_names[s->gate]); s->gate++)
        ;
    h->value_number(h->value_get(p, "delta"), &s->delta);
    h->value_number(h->value_get(p, "level"), &s->level);
    h->value_number(h->value_get(p, "tau2"), &s->tau2);
    double n_star;
    h->value_number(h->value_get(p, "n_star"), &n_star);
    if (s->gate >= GATE_BAYES && h->struct_size < offsetof(rs_host, confseq_rho2) + sizeof h->confseq_rho2)
        FAIL("gate: this rollsim is too old for the %s gate", gate);
    if (s->gate == GATE_CONFSEQ)
        s->rho2 = h->confseq_rho2(s->alpha, n_star, 1);

    const rs_value *stages = h->value_get(p, "stages");
    const rs_value *steps = h->value_get(p, "steps");
    size_t n_stages = h->value_len(stages), n_steps = h->value_len(steps);
    if (n_stages && n_steps)
        FAIL("give either stages or steps, not both");
    if (!n_stages && !n_steps)
        FAIL("expected stages = { {weight = ..., bake = ...}, ... } or steps = {0.01, 0.1, 1}");
    s->n_stages = n_stages ? n_stages : n_steps;
    s->stages = calloc(s->n_stages, sizeof *s->stages);
    s->weights = calloc(s->n_stages * s->ns, sizeof *s->weights);
    if (!s->stages || !s->weights)
        FAIL("out of memory");
    for (size_t i = 0; i < s->n_stages; i++) {
        s->stages[i].weights = &s->weights[i * s->ns];
        if (n_stages) {
            if (read_stage(s, ctx, h->value_at(stages, i), i, bake, err, err_len))
                return -1;
        } else {
            double w;
            h->value_number(h->value_at(steps, i), &w); /* type and range checked by the host */
            s->stages[i].bake = bake;
            for (size_t g = 0; g < s->ns; g++)
                s->stages[i].weights[g] = w;
        }
    }
    return 0;
}

/* Starts the gate's window here: the stage's start, or (window = "interval") the previous check. */
static void mark_window(fs_state *s, const rs_observation *obs)
{
    s->snap_cr = obs->versions[s->cand].total.requests;
    s->snap_ce = obs->versions[s->cand].total.errors;
    s->snap_br = obs->versions[s->base].total.requests;
    s->snap_be = obs->versions[s->base].total.errors;
}

static void start_stage(fs_state *s, const rs_observation *obs, rs_action *act)
{
    const fs_stage *st = &s->stages[s->k];
    for (size_t g = 0; g < s->ns; g++)
        act->weights[s->cand * s->ns + g] = st->weights[g];
    s->stage_start = obs->t;
    s->stage_end = obs->t + st->bake;
    mark_window(s, obs);
    act->stage = (int)s->k + 1;
}

static void schedule(const fs_state *s, double now, rs_action *act)
{
    double next = s->stage_end;
    if (s->check_every > 0 && now + s->check_every < next)
        next = now + s->check_every;
    act->next_decision = next;
}

/* Judges the candidate on the stage's requests; returns 1 when the gate fires. */
/* Judges the candidate on the window's requests; returns 1 when the gate fires, logging what it computed. */
static int gate_fires(fs_state *s, const rs_observation *obs)
{
    if (s->gate == GATE_NONE)
        return 0;
    const rs_host *h = s->h;
    rs_ztest_input in = {
        .cand_errors = obs->versions[s->cand].total.errors - s->snap_ce,
        .cand_requests = obs->versions[s->cand].total.requests - s->snap_cr,
        .base_errors = obs->versions[s->base].total.errors - s->snap_be,
        .base_requests = obs->versions[s->base].total.requests - s->snap_br,
        .alpha = s->two_sided ? s->alpha / 2 : s->alpha,
    };
    if (s->window_interval)
        mark_window(s, obs);
    double stat = NAN;
    rs_gate_result r;
    switch (s->gate) {
    case GATE_ZTEST:
        r = h->gate_ztest(&in, &stat);
        if (s->two_sided && r == RS_GATE_PASS) { /* the other tail: the same test with the arms swapped */
            rs_ztest_input swapped = {in.base_errors, in.base_requests, in.cand_errors, in.cand_requests, in.alpha};
            r = h->gate_ztest(&swapped, NULL);
        }
        break;
    case GATE_BAYES:
        r = h->gate_bayes(in.cand_errors, in.cand_requests, in.base_errors, in.base_requests, s->delta, 1, 1,
                          s->level, &stat);
        break;
    case GATE_MSPRT:
        r = h->gate_msprt(in.cand_errors, in.cand_requests, in.base_errors, in.base_requests, s->tau2, s->alpha,
                          &stat);
        break;
    default: /* GATE_CONFSEQ: fire when the lower bound of the difference is above 0 */
        stat = h->confseq_lower(in.cand_errors, in.cand_requests, in.base_errors, in.base_requests, s->alpha,
                                s->rho2);
        r = isnan(stat) ? RS_GATE_NO_DATA : stat > 0 ? RS_GATE_FAIL : RS_GATE_PASS;
        break;
    }
    char detail[112];
    snprintf(detail, sizeof detail, "%s stage %zu: %s (cand %llu/%llu, base %llu/%llu)", gate_names[s->gate],
             s->k + 1, r == RS_GATE_FAIL ? "fail" : r == RS_GATE_PASS ? "pass" : "no data",
             (unsigned long long)in.cand_errors, (unsigned long long)in.cand_requests,
             (unsigned long long)in.base_errors, (unsigned long long)in.base_requests);
    h->log_event(s->log, "gate", (int)s->cand, stat, detail);
    return r == RS_GATE_FAIL;
}

static int fs_decide(void *state, const rs_observation *obs, rs_action *act, char *err, size_t err_len)
{
    (void)err, (void)err_len;
    fs_state *s = state;
    if (obs->first) {
        s->k = 0;
        start_stage(s, obs, act);
        schedule(s, obs->t, act);
        return 0;
    }
    if (gate_fires(s, obs)) {
        act->verdict = RS_VERDICT_ROLLBACK;
        return 0;
    }
    if (obs->t < s->stage_end - 1e-9 * (s->stage_end > 1 ? s->stage_end : 1)) {
        schedule(s, obs->t, act); /* a check inside the stage */
        return 0;
    }
    if (s->k + 1 == s->n_stages) {
        int full = 1;
        for (size_t g = 0; g < s->ns; g++)
            full &= s->stages[s->k].weights[g] >= 1;
        act->verdict = full ? RS_VERDICT_PROMOTE : RS_VERDICT_STOP;
        return 0;
    }
    s->k++;
    start_stage(s, obs, act);
    schedule(s, obs->t, act);
    return 0;
}

static const rs_policy_type fixed_stages = {
    RS_POLICY_TYPE_HEADER,
    "fixed_stages",
    "a fixed ladder of stages with a gate on each stage's requests; rollback on failure, promotion at the end",
    params,
    sizeof params / sizeof *params,
    sizeof(fs_state),
    fs_create,
    fs_decide,
    fs_destroy,
};

RS_PLUGIN_EXPORT const rs_policy_type *rs_policy_entry(void)
{
    return &fixed_stages;
}

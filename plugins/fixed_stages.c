/* fixed_stages: an explicit ladder of stages (SPEC §6.1). Each stage sets the candidate's weight (in every
 * segment, in some segments, or per segment) and bakes for a while; the host's gate (rs_host.gate_*, any
 * gate of §7) judges the candidate at the end of the stage and every `check_every` inside it; a failing gate
 * rolls back, a passed last stage promotes. With gate = "argo" a stage is Argo's setWeight, pause (bake)
 * and, by default, an inline analysis step: the stage lasts until that AnalysisRun completes (Successful:
 * next stage; Inconclusive: paused, the policy stops; Failed/Error: rollback); with analysis = "background"
 * one run judges every stage from starting_step on and the stages last their bake. Kayenta's gate runs a
 * canary analysis per stage. With gate = "flagger" the ladder is Flagger's own: steps are its stepWeights
 * (or step_weight / max_weight), one tick per analysis interval (check_every, default bake), from the tick
 * that detects the revision to the Finalising tick, the weight held on a failed check.
 * Big-bang (steps = {1}), blue-green and Argo/Flagger-style canaries are configurations of it. */
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
    {"steps", RS_PARAM_NUMBER_LIST, NULL, 0, 100, NULL,
     "shorthand for stages: the weights (0..1), each baking `bake` (flagger: its stepWeights, where above 1 is "
     "accepted and capped at 1 as Flagger does)"},
    {"bake", RS_PARAM_DURATION, "12h", 1e-9, 1e7, NULL, "how long each stage runs (default for stages)"},
    {"complete", RS_PARAM_BOOL, "false", 0, 0, NULL,
     "a passed last stage below weight 1 promotes at once to everyone (Argo: a canary that finished its steps "
     "goes to 100 %); false: the rollout stops there (incomplete)"},
    RS_GATE_PARAMS,
    {"candidate", RS_PARAM_STRING, NULL, 0, 0, NULL, "the version to roll out (default: the only candidate)"},
};

typedef struct fs_stage {
    double bake;
    double *weights; /* per segment */
} fs_stage;

typedef struct fs_state {
    const rs_host *h;
    size_t ns, nv, cand, base;
    fs_stage *stages;
    double *weights; /* n_stages * ns, behind stages[i].weights */
    size_t n_stages, k;
    double bake;
    int complete;  /* the last stage passed promotes to weight 1 (Argo's end of steps) */
    rs_gate *gate; /* the host's gate (NULL for gate = "none") */
    int stepping;  /* the gate moves the weight itself (flagger): stage k is its k-th weight */
    int blocking;  /* the stage waits for the gate past its bake (argo's inline analysis step) */
    double stage_end;
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
    if (s->gate)
        s->h->gate_free(s->gate);
    s->stages = NULL;
    s->weights = NULL;
    s->gate = NULL;
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
    s->ns = ctx->n_segments;
    s->nv = ctx->n_versions;
    s->base = ctx->baseline;

    s->cand = rs_policy_candidate(ctx, h->value_string(h->value_get(p, "candidate")), err, err_len);
    if (s->cand == (size_t)-1)
        return -1;

    double bake;
    h->value_duration(h->value_get(p, "bake"), &bake);
    s->bake = bake;
    h->value_bool(h->value_get(p, "complete"), &s->complete);
    if (h->struct_size < offsetof(rs_host, gate_free) + sizeof h->gate_free) /* an older host */
        FAIL("this rollsim is too old for fixed_stages' gates (its host table has no gate_create)");
    const char *gate = h->value_string(h->value_get(p, "gate"));
    s->stepping = !strcmp(gate, "flagger");
    const char *analysis = h->value_string(h->value_get(p, "analysis"));
    s->blocking = !strcmp(gate, "argo") && !(analysis && !strcmp(analysis, "background"));
    if (!strcmp(gate, "none") && h->value_len(h->value_get(p, "metrics")))
        FAIL("metrics: gate = \"none\" checks nothing; give a gate (flagger, argo, threshold, kayenta) for them");
    if (strcmp(gate, "none") && !(s->gate = h->gate_create(ctx, p, s->cand, err, err_len)))
        return -1;
    if (s->stepping)
        return 0; /* Flagger's weights come from steps (stepWeights) or step_weight, read by the gate */

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
            if (w > 1)
                FAIL("steps[%zu]: expected a weight in [0, 1], got %g (only flagger's stepWeights may exceed 1)",
                     i + 1, w);
            s->stages[i].bake = bake;
            for (size_t g = 0; g < s->ns; g++)
                s->stages[i].weights[g] = w;
        }
    }
    return 0;
}

static void set_weight(fs_state *s, rs_action *act, double w)
{
    for (size_t g = 0; g < s->ns; g++)
        act->weights[s->cand * s->ns + g] = w;
}

static void start_stage(fs_state *s, const rs_observation *obs, rs_action *act)
{
    const fs_stage *st = &s->stages[s->k];
    for (size_t g = 0; g < s->ns; g++)
        act->weights[s->cand * s->ns + g] = st->weights[g];
    s->stage_end = obs->t + st->bake;
    if (s->gate)
        s->h->gate_stage(s->gate, obs, st->bake);
    act->stage = (int)s->k + 1;
}

/* The next decision: the gate's next check, or the stage's end (a blocking gate's after it: its run). */
static void schedule(const fs_state *s, double now, rs_action *act)
{
    double next = s->gate ? s->h->gate_next(s->gate, now) : INFINITY;
    int past_end = now >= s->stage_end - 1e-9 * (s->stage_end > 1 ? s->stage_end : 1);
    act->next_decision = next < s->stage_end || (s->blocking && past_end) ? next : s->stage_end;
}

/* The ladder after stage k's time is up (or its gate let it go early): the next stage, or the end. */
static void end_stage(fs_state *s, const rs_observation *obs, rs_action *act)
{
    if (s->k + 1 == s->n_stages) {
        int full = 1;
        for (size_t g = 0; g < s->ns; g++)
            full &= s->stages[s->k].weights[g] >= 1;
        if (!full && s->complete) {
            set_weight(s, act, 1); /* Argo's canary after its last step: the new ReplicaSet takes everyone */
            full = 1;
        }
        act->verdict = full ? RS_VERDICT_PROMOTE : RS_VERDICT_STOP;
        return;
    }
    s->k++;
    start_stage(s, obs, act);
    schedule(s, obs->t, act);
}

/* Flagger's canary: one check per analysis interval; the gate says when and where the weight moves. */
static int flagger_decide(fs_state *s, const rs_observation *obs, rs_action *act, char *err, size_t err_len)
{
    rs_gate_report r = RS_GATE_REPORT_INIT;
    if (obs->first) {
        s->k = 0;
        s->h->gate_stage(s->gate, obs, s->bake);
    }
    if (s->h->gate_check(s->gate, obs, 0, &r, err, err_len))
        return -1;
    switch (r.action) {
    case RS_GATE_ROLLBACK: act->verdict = RS_VERDICT_ROLLBACK; return 0;
    case RS_GATE_PROMOTE:
        set_weight(s, act, 1);
        act->verdict = RS_VERDICT_PROMOTE;
        return 0;
    case RS_GATE_ADVANCE:
        set_weight(s, act, r.weight);
        act->stage = (int)++s->k;
        if (s->k > 1)
            s->h->gate_stage(s->gate, obs, s->bake);
        break;
    default: break; /* a held weight */
    }
    act->next_decision = s->h->gate_next(s->gate, obs->t);
    return 0;
}

static int fs_decide(void *state, const rs_observation *obs, rs_action *act, char *err, size_t err_len)
{
    fs_state *s = state;
    if (s->stepping)
        return flagger_decide(s, obs, act, err, err_len);
    if (obs->first) {
        s->k = 0;
        start_stage(s, obs, act);
        schedule(s, obs->t, act);
        return 0;
    }
    int stage_end = obs->t >= s->stage_end - 1e-9 * (s->stage_end > 1 ? s->stage_end : 1);
    rs_gate_report r = RS_GATE_REPORT_INIT;
    if (s->gate && s->h->gate_check(s->gate, obs, stage_end, &r, err, err_len))
        return -1;
    switch (r.action) {
    case RS_GATE_ROLLBACK: act->verdict = RS_VERDICT_ROLLBACK; return 0;
    case RS_GATE_PAUSE: act->verdict = RS_VERDICT_STOP; return 0; /* Argo waits for a human: stop here */
    case RS_GATE_ADVANCE: end_stage(s, obs, act); return 0;     /* the stage's analysis succeeded early */
    default: break;
    }
    if (stage_end && !s->blocking)
        end_stage(s, obs, act);
    else
        schedule(s, obs->t, act); /* a check inside the stage, or the inline analysis after its pause */
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

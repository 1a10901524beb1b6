/* An example rollsim policy plugin: one canary stage at `weight` for `bake` hours, judged by one of rollsim's
 * gates (any of RS_GATE_PARAMS: gate = "ztest" by default), then promotion to everyone — or a rollback as soon
 * as the gate fails. Build it out of tree (see README.md beside this file), then use it in a scenario:
 *
 *     policy = { plugin = "one_stage", weight = 0.05, bake = "12h" }
 *
 * with ROLLSIM_PLUGIN_PATH naming the folder holding one_stage.so. Everything comes through the host table
 * (ctx->host): the plugin links against nothing of rollsim's. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include <rollsim/policy.h>

typedef struct one_stage {
    const rs_host *h;
    rs_gate *gate;
    size_t n_segments, cand;
    double weight, bake, end;
} one_stage;

static const rs_param_spec params[] = {
    {"weight", RS_PARAM_NUMBER, "0.05", 0, 1, NULL, "the candidate's share of every segment during the stage"},
    {"bake", RS_PARAM_DURATION, "12h", 0.01, 1e6, NULL, "how long the stage lasts before promotion"},
    {"candidate", RS_PARAM_STRING, NULL, 0, 0, NULL, "the version to roll out (default: the only candidate)"},
    RS_GATE_PARAMS,
};

static int os_create(void *state, const rs_policy_ctx *ctx, char *err, size_t err_len)
{
    one_stage *s = state;
    const rs_host *h = ctx->host;
    s->h = h;
    s->n_segments = ctx->n_segments;
    const rs_value *cand = h->value_get(ctx->params, "candidate");
    s->cand = rs_policy_candidate(ctx, cand ? h->value_string(cand) : NULL, err, err_len);
    if (s->cand == (size_t)-1)
        return -1;
    if (h->value_number(h->value_get(ctx->params, "weight"), &s->weight) ||
        h->value_number(h->value_get(ctx->params, "bake"), &s->bake)) {
        snprintf(err, err_len, "weight, bake: expected numbers");
        return -1;
    }
    s->gate = h->gate_create(ctx, ctx->params, s->cand, err, err_len);
    return s->gate ? 0 : -1;
}

/* The next decision: the gate's next check, or the stage's end, whichever comes first. */
static double next_time(const one_stage *s, double now)
{
    double next = s->h->gate_next(s->gate, now);
    return next < s->end ? next : s->end;
}

static int os_decide(void *state, const rs_observation *obs, rs_action *act, char *err, size_t err_len)
{
    one_stage *s = state;
    if (obs->first) {
        rs_action_set_weight(act, s->n_segments, s->cand, s->weight);
        s->end = obs->t + s->bake;
        s->h->gate_stage(s->gate, obs, s->bake); /* call it exactly when act->stage changes */
        act->stage = 1;
        act->next_decision = next_time(s, obs->t);
        return 0;
    }
    int stage_end = obs->t >= s->end - 1e-9;
    rs_gate_report r = RS_GATE_REPORT_INIT;
    if (s->h->gate_check(s->gate, obs, stage_end, &r, err, err_len))
        return -1;
    if (r.action == RS_GATE_ROLLBACK) {
        act->verdict = RS_VERDICT_ROLLBACK;
        return 0;
    }
    if (!stage_end) {
        act->next_decision = next_time(s, obs->t);
        return 0;
    }
    rs_action_set_weight(act, s->n_segments, s->cand, 1);
    act->stage = 2;
    act->verdict = RS_VERDICT_PROMOTE;
    return 0;
}

static void os_destroy(void *state)
{
    one_stage *s = state;
    if (s->h && s->gate)
        s->h->gate_free(s->gate);
    s->gate = NULL;
}

static const rs_policy_type type = {
    RS_POLICY_TYPE_HEADER, "one_stage", "example plugin: one canary stage judged by a gate, then promotion",
    params, sizeof params / sizeof *params, sizeof(one_stage), os_create, os_decide, os_destroy,
};

RS_PLUGIN_EXPORT const rs_policy_type *rs_policy_entry(void)
{
    return &type;
}

/* Test plugin: a third-party policy that judges with the host's gates (rs_host.gate_*) but declares only two
 * of RS_GATE_PARAMS — `gate` (default "threshold") and `metrics` — so every other gate parameter must come
 * from rollsim's own defaults. One stage at half weight for 4 h, checked when the gate asks (gate_next) and at
 * its end, then promotion. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "rollsim/policy.h"

typedef struct gate_user {
    const rs_host *h;
    rs_gate *gate;
    size_t n_segments, cand;
    double end; /* of the stage */
} gate_user;

static const rs_param_spec params[] = {
    {"gate", RS_PARAM_STRING, "threshold", 0, 0, NULL, "the host gate"},
    {"metrics", RS_PARAM_TABLE_LIST, NULL, 0, 0, NULL, "its metrics"},
};

static int gu_create(void *state, const rs_policy_ctx *ctx, char *err, size_t err_len)
{
    gate_user *s = state;
    s->h = ctx->host;
    s->n_segments = ctx->n_segments;
    s->cand = ctx->baseline == 0 ? 1 : 0;
    if (s->h->struct_size < offsetof(rs_host, gate_free) + sizeof s->h->gate_free) {
        snprintf(err, err_len, "host too old for gates");
        return -1;
    }
    s->gate = s->h->gate_create(ctx, ctx->params, s->cand, err, err_len);
    return s->gate ? 0 : -1;
}

static int gu_decide(void *state, const rs_observation *obs, rs_action *act, char *err, size_t err_len)
{
    gate_user *s = state;
    if (obs->first) {
        rs_action_set_weight(act, s->n_segments, s->cand, 0.5);
        s->h->gate_stage(s->gate, obs, 4);
        s->end = obs->t + 4;
        act->stage = 1;
        double next = s->h->gate_next(s->gate, obs->t); /* the checks the gate asks for (kayenta's steps) */
        act->next_decision = next < s->end ? next : s->end;
        return 0;
    }
    rs_gate_report r = RS_GATE_REPORT_INIT;
    int end = obs->t >= s->end - 1e-9;
    if (s->h->gate_check(s->gate, obs, end, &r, err, err_len))
        return -1;
    if (r.action == RS_GATE_ROLLBACK) {
        act->verdict = RS_VERDICT_ROLLBACK;
        return 0;
    }
    if (!end) {
        double next = s->h->gate_next(s->gate, obs->t);
        act->next_decision = next < s->end ? next : s->end;
        return 0;
    }
    rs_action_set_weight(act, s->n_segments, s->cand, 1);
    act->verdict = RS_VERDICT_PROMOTE;
    return 0;
}

static void gu_destroy(void *state)
{
    gate_user *s = state;
    if (s->h && s->gate)
        s->h->gate_free(s->gate);
    s->gate = NULL;
}

static const rs_policy_type type = {
    RS_POLICY_TYPE_HEADER, "gate_user", "test plugin: one stage judged by a host gate", params,
    sizeof params / sizeof *params, sizeof(gate_user), gu_create, gu_decide, gu_destroy,
};

RS_PLUGIN_EXPORT const rs_policy_type *rs_policy_entry(void)
{
    return &type;
}

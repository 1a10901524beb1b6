/* Test plugin: at its first decision it gives every candidate a weight of 1.5. The host must stop the run as
 * a runtime failure (exit 1) with a message naming the plugin, leave no output file, and still call
 * destroy(). The counters are exported so that a test holding its own dlopen() reference can check. */
#include "rollsim/policy.h"

RS_PLUGIN_EXPORT int bad_action_creates = 0;
RS_PLUGIN_EXPORT int bad_action_destroys = 0;

typedef struct ba_state {
    size_t nv, ns, baseline;
} ba_state;

static int ba_create(void *state, const rs_policy_ctx *ctx, char *err, size_t err_len)
{
    (void)err, (void)err_len;
    ba_state *s = state;
    s->nv = ctx->n_versions;
    s->ns = ctx->n_segments;
    s->baseline = ctx->baseline;
    bad_action_creates++;
    return 0;
}

static int ba_decide(void *state, const rs_observation *obs, rs_action *act, char *err, size_t err_len)
{
    (void)err, (void)err_len;
    ba_state *s = state;
    for (size_t v = 0; v < s->nv; v++)
        if (v != s->baseline)
            rs_action_set_weight(act, s->ns, v, 1.5);
    act->verdict = RS_VERDICT_CONTINUE;
    act->next_decision = obs->t + 1;
    return 0;
}

static void ba_destroy(void *state)
{
    (void)state;
    bad_action_destroys++;
}

static const rs_policy_type bad_action = {
    RS_POLICY_TYPE_HEADER,
    "bad_action",
    "test plugin: returns a weight of 1.5",
    NULL,
    0,
    sizeof(ba_state),
    ba_create,
    ba_decide,
    ba_destroy,
};

RS_PLUGIN_EXPORT const rs_policy_type *rs_policy_entry(void)
{
    return &bad_action;
}

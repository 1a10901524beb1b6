/* Test plugin: create() always fails with a message, as a policy does when its parameters make no sense.
 * The host must report it as bad input (exit 2) with this message, and still call destroy() (policy.h: "called
 * after every create(), even one that failed"). The counters are exported so that a test holding its own
 * dlopen() reference to this object can check the calls. */
#include <stdio.h>
#include <stdlib.h>

#include "rollsim/policy.h"

#define FC_MESSAGE "threshold: failing_create refuses every configuration (a test plugin)"

RS_PLUGIN_EXPORT int failing_create_creates = 0;
RS_PLUGIN_EXPORT int failing_create_destroys = 0;

typedef struct fc_state {
    void *scratch; /* allocated before failing, so that destroy() has something to free */
} fc_state;

static const rs_param_spec params[] = {
    {"threshold", RS_PARAM_NUMBER, "3", 0, 10, NULL, "ignored: every value is refused"},
};

static int fc_create(void *state, const rs_policy_ctx *ctx, char *err, size_t err_len)
{
    (void)ctx;
    fc_state *s = state;
    failing_create_creates++;
    s->scratch = malloc(64);
    snprintf(err, err_len, "%s", FC_MESSAGE);
    return -1;
}

static int fc_decide(void *state, const rs_observation *obs, rs_action *act, char *err, size_t err_len)
{
    (void)state, (void)obs, (void)act;
    snprintf(err, err_len, "decide() called after a failed create()");
    return -1;
}

static void fc_destroy(void *state)
{
    fc_state *s = state;
    failing_create_destroys++;
    free(s->scratch);
    s->scratch = NULL;
}

static const rs_policy_type failing_create = {
    RS_POLICY_TYPE_HEADER,
    "failing_create",
    "test plugin: create() always fails",
    params,
    sizeof params / sizeof *params,
    sizeof(fc_state),
    fc_create,
    fc_decide,
    fc_destroy,
};

RS_PLUGIN_EXPORT const rs_policy_type *rs_policy_entry(void)
{
    return &failing_create;
}

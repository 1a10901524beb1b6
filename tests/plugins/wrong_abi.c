/* Test plugin: a policy type that claims ABI version 99, as a plugin built against some future rollsim's
 * headers would. The host must refuse it before calling anything, with a message naming 99 and its own
 * version. Apart from the version number it is a complete, working policy, so nothing else is to blame. */
#include "rollsim/policy.h"

static int wa_create(void *state, const rs_policy_ctx *ctx, char *err, size_t err_len)
{
    (void)state, (void)ctx, (void)err, (void)err_len;
    return 0;
}

static int wa_decide(void *state, const rs_observation *obs, rs_action *act, char *err, size_t err_len)
{
    (void)state, (void)obs, (void)err, (void)err_len;
    act->verdict = RS_VERDICT_STOP;
    return 0;
}

static const rs_policy_type wrong_abi = {
    99u, /* instead of RS_POLICY_ABI_VERSION */
    (uint32_t)sizeof(rs_policy_type),
    (uint32_t)sizeof(rs_observation),
    (uint32_t)sizeof(rs_action),
    "wrong_abi",
    "test plugin: claims policy ABI version 99",
    NULL,
    0,
    0,
    wa_create,
    wa_decide,
    NULL,
};

RS_PLUGIN_EXPORT const rs_policy_type *rs_policy_entry(void)
{
    return &wrong_abi;
}

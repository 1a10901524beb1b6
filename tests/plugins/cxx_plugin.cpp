// Test plugin written in C++: proves that include/rollsim/policy.h compiles as C++ (here C++11, pedantic,
// warnings as errors) and that a C++ plugin loads and runs. The policy is a big bang: weight 1 for the
// candidates at the first decision, then promotion at the next one.
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "rollsim/policy.h"

namespace {

struct BigBang {
    std::size_t n_versions;
    std::size_t n_segments;
    std::size_t baseline;
    double delay;
};

static_assert(sizeof(rs_policy_type) >= 4 * sizeof(std::uint32_t), "policy type starts with its header");

const rs_param_spec kParams[] = {
    {"delay", RS_PARAM_DURATION, "1h", 1e-9, 1e7, nullptr, "time between switching and promoting"},
};

int bb_create(void *state, const rs_policy_ctx *ctx, char *err, std::size_t err_len)
{
    BigBang *s = static_cast<BigBang *>(state);
    s->n_versions = ctx->n_versions;
    s->n_segments = ctx->n_segments;
    s->baseline = ctx->baseline;
    if (ctx->host->value_duration(ctx->host->value_get(ctx->params, "delay"), &s->delay) != 0) {
        std::snprintf(err, err_len, "delay: expected a duration");
        return -1;
    }
    return 0;
}

int bb_decide(void *state, const rs_observation *obs, rs_action *act, char *err, std::size_t err_len)
{
    static_cast<void>(err);
    static_cast<void>(err_len);
    const BigBang *s = static_cast<const BigBang *>(state);
    if (!obs->first) {
        act->verdict = RS_VERDICT_PROMOTE;
        return 0;
    }
    for (std::size_t v = 0; v < s->n_versions; v++)
        if (v != s->baseline)
            rs_action_set_weight(act, s->n_segments, v, s->n_versions == 2 ? 1.0 : 0.0);
    act->verdict = RS_VERDICT_CONTINUE;
    act->next_decision = obs->t + s->delay;
    act->stage = 1;
    return 0;
}

const rs_policy_type kType = {
    RS_POLICY_TYPE_HEADER,
    "cxx_plugin",
    "test plugin in C++: big bang, then promotion",
    kParams,
    sizeof kParams / sizeof kParams[0],
    sizeof(BigBang),
    bb_create,
    bb_decide,
    nullptr,
};

} // namespace

extern "C" RS_PLUGIN_EXPORT const rs_policy_type *rs_policy_entry(void)
{
    return &kType;
}

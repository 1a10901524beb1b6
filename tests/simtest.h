/* A scenario, its plugin and a simulation, set up from Lua text for tests. */
#ifndef RS_TEST_SIMTEST_H
#define RS_TEST_SIMTEST_H

#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "scenario.h"
#include "sim.h"

typedef struct simtest {
    rs_scenario sc;
    rs_plugin plugin;
    rs_value params;
    rs_sim *sim;
} simtest;

/* With ROLLSIM_TEST_MODE set (e.g. "cohort"), every scenario runs with --set mode=<it>: the same closed-form
 * tests then check the other engine (tests/CMakeLists.txt registers them so, as *_cohort). */
static inline void simtest_open(simtest *t, const char *text, const char *const *sets, size_t n_sets)
{
    rs_error err = {0};
    const char *mode = getenv("ROLLSIM_TEST_MODE");
    char mode_set[64];
    const char *all[32];
    if (mode && *mode && n_sets < 31) {
        snprintf(mode_set, sizeof mode_set, "mode=%s", mode);
        for (size_t i = 0; i < n_sets; i++)
            all[i] = sets[i];
        all[n_sets++] = mode_set;
        sets = all;
    }
    rs_status st = rs_scenario_load_string(text, strlen(text), "test.lua", sets, n_sets, &t->sc, &err);
    if (st)
        fail_msg("scenario: %s", err.msg);
    if (rs_plugin_load(t->sc.policy_name, &t->plugin, &err))
        fail_msg("plugin: %s", err.msg);
    if (rs_plugin_resolve_params(t->plugin.type, &t->sc.policy, "policy", &t->params, &err))
        fail_msg("params: %s", err.msg);
    if (rs_sim_alloc(&t->sc, t->plugin.type, &t->params, &t->sim, &err))
        fail_msg("sim: %s", err.msg);
}

static inline void simtest_run(simtest *t, uint32_t rep, rs_rep_result *res)
{
    rs_error err = {0};
    if (rs_sim_run(t->sim, rep, res, &err))
        fail_msg("run %u: %s", rep, err.msg);
}

static inline void simtest_close(simtest *t)
{
    rs_sim_free(t->sim);
    rs_value_clear(&t->params);
    rs_plugin_unload(&t->plugin);
    rs_scenario_free(&t->sc);
}

#endif

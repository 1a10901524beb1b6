/* The scenario model (SPEC §2, §5) and its Lua loader. A scenario is a Lua 5.4 file returning a table; the
 * loader runs it in a restricted state, applies --set overrides, and converts the table into the plain C
 * structs below, checking every key. Nothing downstream of the loader sees Lua. */
#ifndef RS_SCENARIO_H
#define RS_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "value.h"

typedef struct rs_segment {
    char *name;
    uint64_t users;
    double rate; /* requests per user per hour */
} rs_segment;

typedef struct rs_version {
    char *name;
    int baseline;
    double error_rate;   /* probability a request gets an error response */
    double success_rate; /* probability a non-error response is a success (the reward) */
    int bad;             /* -1: decided by the default rule of §2; 0 or 1: set by the scenario */
} rs_version;

typedef struct rs_scenario {
    char *file; /* as given, for messages; "quickstart.lua (built-in)" for the default */
    char *name;
    char *description;
    uint64_t seed;
    uint64_t replications;
    double horizon;      /* hours */
    double sample_every; /* hours */
    rs_segment *segments;
    size_t n_segments;
    rs_version *versions;
    size_t n_versions;
    size_t baseline; /* index into versions */
    char *policy_name;  /* plugin name or path */
    rs_value policy;    /* TABLE of the policy's parameters (without `name`), as written */
    uint64_t total_users;
    /* `policies`, for compare: labelled policies, sorted by label. */
    size_t n_policies;
    char **policy_labels;
    char **policy_plugins;
    rs_value *policy_params; /* TABLEs, without `name` */
} rs_scenario;

/* Loads a scenario from path, or the built-in quick start when path is NULL, applying each "KEY=VALUE" of
 * sets (dotted keys, e.g. "policy.bake=6h", "population.1.users=500"). On success fills *out (free with
 * rs_scenario_free). Errors are RS_ERR_INPUT with a message naming the file and line or key. */
rs_status rs_scenario_load(const char *path, const char *const *sets, size_t n_sets, rs_scenario *out,
                           rs_error *err);

/* As rs_scenario_load, from text in memory; chunk_name is used in messages. */
rs_status rs_scenario_load_string(const char *text, size_t len, const char *chunk_name, const char *const *sets,
                                  size_t n_sets, rs_scenario *out, rs_error *err);

void rs_scenario_free(rs_scenario *s);

/* Whether candidate v is bad: the scenario's `bad`, else error rate > baseline's x 1.1 (§2). */
int rs_scenario_version_bad(const rs_scenario *s, size_t v);

/* The built-in quick start (scenarios/quickstart.lua, embedded at build time). */
extern const char rs_builtin_quickstart[];
extern const size_t rs_builtin_quickstart_len;

#endif

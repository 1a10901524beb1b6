/* The scenario model (SPEC §2, §5) and its Lua loader. A scenario is a Lua 5.4 file returning a table; the
 * loader runs it in a restricted state, applies --set overrides, and converts the table into the plain C
 * structs below, checking every key. Nothing downstream of the loader sees Lua. */
#ifndef RS_SCENARIO_H
#define RS_SCENARIO_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "status.h"
#include "value.h"

/* A version parameter: a number, or a distribution drawn once per replication (SPEC §5). */
typedef enum rs_dist_kind {
    RS_DIST_FIXED = 0, /* a */
    RS_DIST_BETA,      /* beta(a, b) */
    RS_DIST_UNIFORM,   /* uniform(a, b) */
    RS_DIST_NORMAL,    /* normal(mean a, sd b) */
    RS_DIST_LOGNORMAL, /* lognormal(mu a, sigma b): exp of a normal */
    RS_DIST_CHOICE,    /* choice{ {p1, v1}, ... }: value v_i with probability p_i */
    RS_DIST_EXPONENTIAL /* exponential(mean a) (issue 16: label delays) */
} rs_dist_kind;

typedef struct rs_dist {
    rs_dist_kind kind;
    double a, b;
    size_t n;          /* CHOICE */
    double *p, *v;     /* CHOICE: probabilities (summing to 1) and values */
} rs_dist;

/* Labels (issue 16): the share of requests that get a label and its delay law (hours; FIXED, EXPONENTIAL,
 * LOGNORMAL or a CHOICE of fixed delays); optional user feedback: the share of requests that get a thumbs up or
 * down, its delay, and the probability of a thumbs up when the answer was right / wrong. */
typedef struct rs_labels {
    double fraction;      /* 0: no labels */
    rs_dist delay;
    double feedback;      /* 0: no feedback */
    rs_dist feedback_delay;
    double up_if_right, up_if_wrong;
} rs_labels;

typedef struct rs_segment {
    char *name;
    uint64_t users;
    double rate;           /* requests per user per hour (the daily mean) */
    double daily;          /* amplitude of the daily cycle in [0, 1]: rate x (1 + daily cos(2 pi (t - peak) / 24)) */
    double peak;           /* hour of the day of the peak, [0, 24) */
    double *error_effect;  /* [n_versions] multipliers of each version's error rate here (1 = none) */
    double *success_effect; /* [n_versions] multipliers of each version's success rate here */
    double *latency_effect; /* [n_versions] multipliers of each version's latency here */
    double prevalence;      /* issue 16: this segment's share of positive requests (the scenario's by default) */
    rs_labels labels;       /* issue 16: this segment's labels (the scenario's by default) */
} rs_segment;

/* A scripted change (`events` of §5): at time `at`, set a version's error or success rate, or a segment's
 * request rate. */
typedef enum rs_event_key { RS_KEY_ERROR_RATE, RS_KEY_SUCCESS_RATE, RS_KEY_RATE } rs_event_key;

typedef struct rs_scripted {
    double at;
    int is_segment; /* target: segments[index] when 1, versions[index] when 0 */
    size_t index;
    rs_event_key key;
    double value;
    int run_ref;  /* a `run = function(sim)` event: registry reference of the function (0: a `set` event) */
    char *label; /* for events.csv, e.g. "candidate.error_rate = 0.05" */
    size_t order; /* position as written (ties in time keep it) */
} rs_scripted;

typedef struct rs_version {
    char *name;
    int baseline;
    rs_dist error_rate;   /* probability a request gets an error response */
    rs_dist success_rate; /* probability a non-error response is a success (the reward) */
    int bad;              /* -1: the default rule of §2; 0 or 1: set by the scenario; 2: bad_ref decides */
    int bad_ref;          /* registry reference of the Lua function `bad` (when bad == 2) */
    double release_at;    /* hours; the version gets no traffic before (candidates only) */
    double latency_median; /* ms; 0 = no latency simulated for this version */
    double latency_sigma;  /* log-scale sd of the lognormal per-request latency */
    /* Quality (issue 16), when the scenario models it: recall, and the key that fixes specificity with it
     * (quality_key: RS_QP_*), each a number or a prior. */
    rs_dist recall, quality_x;
    int quality_key;
} rs_version;

/* The key that, with recall and the prevalence, determines a version's specificity. */
typedef enum rs_quality_param {
    RS_QP_SPECIFICITY = 0,
    RS_QP_FALSE_POSITIVE_RATE,
    RS_QP_PRECISION,
    RS_QP_ACCURACY,
    RS_QP_F1
} rs_quality_param;

/* How replications are simulated (SPEC §9): every request an event and every user its own flags, or counts per
 * (segment, version) cell drawn per step of dt hours (core/cohort.c). */
typedef enum rs_mode { RS_MODE_EXACT = 0, RS_MODE_COHORT } rs_mode;

/* The name under which a scenario's Lua-function policy runs (the built-in policy type of core/luapolicy.c). */
#define RS_LUA_POLICY_NAME "lua"

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
    uint64_t curves_reps; /* outputs.curves: replications written to curves.csv ("all" = every one) */
    rs_scripted *events;  /* sorted by time (stable) */
    size_t n_events;
    /* `policies`, for compare: labelled policies, sorted by label. */
    size_t n_policies;
    char **policy_labels;
    char **policy_plugins;
    rs_value *policy_params; /* TABLEs, without `name` */
    int policy_ref;          /* registry reference of a Lua-function `policy` (policy_name RS_LUA_POLICY_NAME) */
    void *lua;               /* the scenario's Lua state, kept only when `bad` or `policy` is a function */
    void *lua_lock;          /* pthread_mutex_t serialising calls into it */
    rs_mode mode;            /* `mode`, default exact */
    double dt;               /* `dt` (hours), cohort mode's step; 0 = the default (see rs_sim_step) */
    /* Quality (issue 16): whether versions have recall/specificity, the prevalence, and whether any segment
     * gets labels or feedback. */
    int quality;
    double prevalence;
    int has_labels;
    /* With a kept Lua state: the text and --set overrides it was built from, so that each replication builds
     * its own fresh state (rs_scenario_rep_begin) and nothing a script keeps can depend on --jobs. */
    char *lua_source;
    size_t lua_source_len;
    char **lua_sets;
    size_t lua_n_sets;
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

/* The drawn parameters of one replication. */
typedef struct rs_version_draw {
    double error_rate, success_rate;
    double recall, specificity; /* issue 16: NaN when the scenario does not model quality */
} rs_version_draw;

/* Draws every version's parameters for one replication from r (always in the same order), into
 * draws[n_versions]. A draw outside [0, 1] is RS_ERR_INPUT naming the version, key and replication. */
rs_status rs_scenario_draw(const rs_scenario *s, gsl_rng *r, uint32_t rep, rs_version_draw *draws, rs_error *err);

/* Whether candidate v is bad given the replication's draws: the scenario's `bad` (a boolean, or a Lua
 * function of the drawn version and baseline, called under a lock), else error rate > baseline's x 1.1 (§2).
 * Returns 0 or 1, or -1 with err set when the Lua function fails. */
int rs_scenario_version_bad(const rs_scenario *s, size_t v, const rs_version_draw *draws, rs_error *err);

/* The narrow `sim` API a `run = function(sim)` event gets: sim.t, sim.set{ version = ... | segment = ...,
 * key = ..., value = ... } and sim.log(text). The host applies the changes through these callbacks. */
typedef struct rs_sim_api {
    void *ctx;
    /* Applies a change; returns 0, or -1 with a message in err (a bad target, key or value). */
    int (*set)(void *ctx, int is_segment, size_t index, rs_event_key key, double value, char *err, size_t len);
    void (*log)(void *ctx, const char *text);
} rs_sim_api;

/* Calls event e's run function at time t (serialised on the scenario's lock, under the instruction
 * budget). A Lua error is RS_ERR_RUNTIME naming the file and line. */
rs_status rs_scenario_run_event(const rs_scenario *s, const rs_scripted *e, double t, const rs_sim_api *api,
                                rs_error *err);

/* Calls the function lying under its nargs arguments on top of the kept Lua state (the caller holds
 * s->lua_lock), with a fresh instruction budget and a traceback handler. Returns LUA_OK with the nresults
 * results where the function was; or the Lua status, with the error's first line ("file:line: message", or
 * "ran out of its memory budget ...") in msg and the function and arguments popped. */
int rs_scenario_lua_pcall(const rs_scenario *s, int nargs, int nresults, char *msg, size_t len);

/* Each replication's own Lua state, for a scenario that keeps one (a `policy`, `bad` or `run` function):
 * rs_scenario_rep_begin builds it afresh for replication rep on the calling thread (the scenario run again,
 * math.random seeded from (seed, rep)); until rs_scenario_rep_end, rs_scenario_lua_for(s) on that thread
 * returns the copy whose state and references to use (s itself when none is active, e.g. outside a run).
 * The copy is owned by the thread and freed by rs_scenario_rep_end. */
rs_status rs_scenario_rep_begin(const rs_scenario *s, uint32_t rep, rs_error *err);
void rs_scenario_rep_end(const rs_scenario *s);
const rs_scenario *rs_scenario_lua_for(const rs_scenario *s);

/* The mean of a parameter (its value when fixed), for display. */
double rs_dist_mean(const rs_dist *d);
/* One draw of a parameter from its distribution (its value when fixed), from r: version parameters per
 * replication, and the delay of each label (core/labels.c). */
double rs_dist_draw(const rs_dist *d, gsl_rng *r);

/* The built-in quick start (scenarios/quickstart.lua, embedded at build time). */
extern const char rs_builtin_quickstart[];
extern const size_t rs_builtin_quickstart_len;

#endif

/* rollsim policy plugin ABI, version 1.
 *
 * A policy plugin is a shared object that exports one symbol, `rs_policy_entry`, returning a pointer to a
 * const rs_policy_type (in the manner of GSL's algorithm types). The host allocates the policy's state
 * (state_size bytes, zeroed), calls create() once per replication, decide() at the times the policy asks
 * for, and destroy() after the replication. Everything the plugin needs from the host — parameters, RNG
 * draws, statistics, event logging — comes through the rs_host table in the context, so a plugin never links
 * against rollsim's own symbols (in the manner of SQLite's extension table).
 *
 * Evolution: structs here are only ever *appended to*. The host checks abi_version and the sizes a plugin
 * was built with, and refuses a plugin built against newer headers than its own.
 *
 * This header compiles as C (C99 or later) and as C++.
 */
#ifndef ROLLSIM_POLICY_H
#define ROLLSIM_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rollsim/gp.h"
#include "rollsim/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RS_POLICY_ABI_VERSION 1u
/* The one symbol a plugin exports. */
#define RS_POLICY_ENTRY_SYMBOL "rs_policy_entry"

#if defined(_WIN32)
#define RS_PLUGIN_EXPORT __declspec(dllexport)
#else
#define RS_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* ---- parameter values (read-only tree owned by the host) ---------------------------------------- */

typedef struct rs_value rs_value; /* opaque: a number, string, boolean, list or table */

typedef enum rs_value_kind {
    RS_VALUE_NONE = 0, /* absent (a NULL rs_value*) */
    RS_VALUE_NUMBER,
    RS_VALUE_STRING,
    RS_VALUE_BOOL,
    RS_VALUE_LIST,  /* items 0..len-1 */
    RS_VALUE_TABLE  /* keys 0..len-1, in the order the host sorted them */
} rs_value_kind;

/* Declared parameter types, used by the host to validate, fill defaults and list parameters. */
typedef enum rs_param_type {
    RS_PARAM_NUMBER = 1,  /* a real in [min, max] */
    RS_PARAM_INTEGER,     /* an integer in [min, max] */
    RS_PARAM_DURATION,    /* hours; also accepts "30m", "6h", "2d"; in [min, max] */
    RS_PARAM_BOOL,
    RS_PARAM_STRING,      /* one of `choices` ("a|b|c") when choices is not NULL */
    RS_PARAM_NUMBER_LIST, /* a list of reals, each in [min, max] */
    RS_PARAM_TABLE_LIST   /* a list of tables, validated by the plugin's create() */
} rs_param_type;

typedef struct rs_param_spec {
    const char *name;
    rs_param_type type;
    const char *default_value; /* as text ("0.05", "12h", "none"), or NULL: optional with no default */
    double min, max;           /* range for numeric types (inclusive) */
    const char *choices;       /* for RS_PARAM_STRING: "a|b|c", or NULL for any string */
    const char *help;          /* one line */
} rs_param_spec;

/* ---- observation: what a policy sees at a decision ---------------------------------------------- */

typedef struct rs_counts {
    uint64_t requests;
    uint64_t errors;
    uint64_t successes;
} rs_counts;

/* Appended in rollsim 0.3 (ABI 1, issue 16): the labels of a version's requests that have arrived by now —
 * confusion counts against the true class (a request's label tells whether it was positive; the version
 * predicted positive or not) — and user feedback (thumbs up or down) that has arrived. */
typedef struct rs_confusion {
    uint64_t tp, fp, fn, tn;
    uint64_t thumbs_up, thumbs_down;
} rs_confusion;

typedef struct rs_version_obs {
    const char *name;
    int is_baseline;
    rs_counts total;         /* since t = 0 */
    rs_counts since;         /* since the previous decision */
    uint64_t users_routed;   /* users currently routed to this version */
    uint64_t users_exposed;  /* distinct users who have had >= 1 response (candidates only; 0 for baseline) */
} rs_version_obs;

typedef struct rs_observation {
    double t;               /* now, hours */
    double last_decision_t; /* time of the previous decision (0 at the first) */
    int first;              /* 1 at the first decision of a replication */
    size_t n_versions;
    size_t n_segments;
    uint64_t total_users;
    const rs_version_obs *versions; /* [n_versions] */
    /* Per (version, segment) cell, index v * n_segments + s. */
    const rs_counts *cell_total;    /* since t = 0 */
    const rs_counts *cell_since;    /* since the previous decision */
    const double *weights;          /* current weights, same indexing */

    /* Appended in rollsim 0.1 (still ABI 1): per-request latencies (ms) of each version, as uniform samples
     * (reservoirs of at most latency_capacity values) of two windows: since the previous decision, and since
     * the policy's stage number last changed. Indexed by version; n_* are the sample sizes; all 0 when the
     * scenario gives no latency. */
    size_t latency_capacity;
    const double *const *latency_interval; /* [n_versions] -> n_latency_interval[v] values */
    const size_t *n_latency_interval;
    const double *const *latency_stage;    /* [n_versions] -> n_latency_stage[v] values */
    const size_t *n_latency_stage;

    /* Appended in rollsim 0.3 (still ABI 1; issue 16): labels and feedback arrived by t, per (version, segment)
     * cell (index v * n_segments + s) and per version, since t = 0; and per version the labelled requests (and
     * feedback) whose label has not arrived yet. All NULL when the scenario gives no labels. */
    const rs_confusion *labels_cell;
    const rs_confusion *labels;
    const uint64_t *labels_in_flight;
} rs_observation;

/* ---- action: what a policy returns ---------------------------------------------------------------- */

typedef enum rs_verdict {
    RS_VERDICT_CONTINUE = 0, /* keep going; decide again at next_decision */
    RS_VERDICT_PROMOTE,      /* the rollout is complete: the candidate keeps its (full) weight */
    RS_VERDICT_ROLLBACK,     /* every candidate's weight becomes 0; the policy is not called again */
    RS_VERDICT_STOP          /* keep the weights as they are; the policy is not called again */
} rs_verdict;

typedef struct rs_action {
    /* Weights per (version, segment), index v * n_segments + s, prefilled by the host with the current
     * ones. A candidate with weight w covers the first floor(w * users) users of each segment; the
     * baseline's entries are ignored (it takes what the candidates leave). */
    double *weights;
    rs_verdict verdict;
    double next_decision; /* absolute time, > now; ignored unless verdict is CONTINUE */
    int stage;            /* the policy's stage number, for curves.csv and runs.csv (0 = none) */

    /* Appended in rollsim 0.2 (still ABI 1; the host zeroes them before each decide(), so a plugin built before
     * them leaves them NULL). Per-request routing and learning (the bandit policy, docs/tutorial.md §16): when the
     * policy sets both (verdict CONTINUE), then until its next decision every request is routed by route() and
     * its outcome reported to observe(), instead of by the sticky bands of `weights` (which stay what
     * curves.csv and users_routed show). Exact mode only: cohort mode refuses it with a message. Called from
     * the simulation's hot path, once per request, in time order: keep them short; draw randomness from the
     * policy's stream (ctx->rng) only. `state` is the policy's state.
     * route(): the version (index < n_versions, already released) serving a request of `segment` sent by its
     * user number `user` (0 .. segment_users - 1, the sticky order, for policies that keep users sticky).
     * observe(): that request's outcome, served by `version`: error, success (success implies no error). */
    uint32_t (*route)(void *state, size_t segment, uint64_t user);
    void (*observe)(void *state, uint32_t version, size_t segment, int error, int success);
} rs_action;

/* Sets a version's weight in every segment. */
static inline void rs_action_set_weight(rs_action *act, size_t n_segments, size_t version, double w)
{
    for (size_t s = 0; s < n_segments; s++)
        act->weights[version * n_segments + s] = w;
}

/* ---- services the host gives a plugin ------------------------------------------------------------ */

typedef struct rs_rng rs_rng;         /* opaque: the replication's policy stream */
typedef struct rs_run_log rs_run_log; /* opaque: the replication's event log */
struct rs_policy_ctx;                 /* below */

typedef struct rs_host {
    uint32_t abi_version;
    uint32_t struct_size;

    /* Parameter tree accessors. A NULL node is absent; every accessor accepts NULL. */
    rs_value_kind (*value_kind)(const rs_value *v);
    const rs_value *(*value_get)(const rs_value *table, const char *key); /* NULL if absent */
    size_t (*value_len)(const rs_value *v);                   /* items of a list or keys of a table */
    const rs_value *(*value_at)(const rs_value *v, size_t i); /* i-th item or i-th table value */
    const char *(*value_key_at)(const rs_value *table, size_t i); /* i-th key of a table */
    int (*value_number)(const rs_value *v, double *out);      /* 0 ok, -1 not a number */
    int (*value_duration)(const rs_value *v, double *hours);  /* number of hours or "6h"; 0 ok, -1 not */
    const char *(*value_string)(const rs_value *v);           /* NULL if not a string */

    /* Random draws from the replication's policy stream. */
    double (*rng_uniform)(rs_rng *r);                 /* [0, 1) */
    double (*rng_gaussian)(rs_rng *r, double sigma);  /* N(0, sigma^2) */
    double (*rng_beta)(rs_rng *r, double a, double b);

    /* Statistics (see rollsim/stats.h). */
    rs_gate_result (*gate_ztest)(const rs_ztest_input *in, double *z_out);

    /* Logs an event to events.csv: kind ("gate", "stage", ...), a version index or -1, a value, a detail. */
    void (*log_event)(rs_run_log *log, const char *kind, int version, double value, const char *detail);

    /* Appended in rollsim 0.1 (ABI 1; read them only when struct_size covers them). */
    int (*value_bool)(const rs_value *v, int *out); /* 0 ok, -1 not a boolean */

    /* The sequential and Bayesian gates on error counts (x_c of n_c candidate requests, x_b of n_b baseline
     * ones); docs/tutorial.md §12 describes them. Each fires (RS_GATE_FAIL) only on evidence that
     * the candidate's error rate is higher. */
    rs_gate_result (*gate_bayes)(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double delta, double prior_a,
                                 double prior_b, double level, double *prob_out);
    rs_gate_result (*gate_msprt)(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double tau2, double alpha,
                                 double *lr_out);
    double (*confseq_lower)(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double alpha, double rho2);
    double (*confseq_rho2)(double alpha, double n_star, int one_sided);

    /* The gates (docs/gates.md) as state machines, configured from the policy's parameters: declare
     * RS_GATE_PARAMS in the plugin's parameter table and pass the resolved table here. gate_create returns
     * NULL (message in err: bad input) or a gate judging `candidate` against ctx->baseline; the caller frees
     * it with gate_free (NULL does nothing). gate_stage starts a stage (its window, kayenta's analysis,
     * argo's run) of stage_length hours at obs->t. gate_next is the next time the gate wants a check after
     * `now` (INFINITY: only at the stage's end). gate_check judges at obs->t (stage_end: the stage's time is
     * up), logs to events.csv and fills *out (set out->struct_size first: RS_GATE_REPORT_INIT); it returns 0,
     * or non-zero with a message (runtime failure). The gate's windows assume the policy calls gate_check at
     * every decision and gate_stage exactly when it changes rs_action.stage: the latency samples it judges are
     * the host's, kept since the previous decision and since the stage number changed. */
    rs_gate *(*gate_create)(const struct rs_policy_ctx *ctx, const rs_value *params, size_t candidate, char *err,
                            size_t err_len);
    void (*gate_stage)(rs_gate *g, const rs_observation *obs, double stage_length);
    double (*gate_next)(const rs_gate *g, double now);
    int (*gate_check)(rs_gate *g, const rs_observation *obs, int stage_end, rs_gate_report *out, char *err,
                      size_t err_len);
    void (*gate_free)(rs_gate *g);

    /* Appended in rollsim 0.1 (ABI 1): Gaussian-process regression (rollsim/gp.h), for Bayesian optimisation
     * (the bayesopt policy). Inputs in [0, 1]^dim. gp_alloc returns NULL on out of memory or dim = 0; the caller
     * frees with gp_free (NULL does nothing). gp_add copies x; noise_var >= 0 is the observation's known noise
     * variance. gp_set_hyper: a length scale per input (> 0), signal variance (> 0), extra noise variance added
     * to every observation (>= 0), constant mean. gp_fit sets the mean to the sample mean of y and maximises the
     * log marginal likelihood over the others (multi-start, deterministic given seed). gp_predict gives the
     * posterior mean and variance of the latent f(x), noise not included. gp_ei is the expected improvement
     * below best (minimisation) of N(mean, sd^2). gp_lml is the log marginal likelihood. Status returns: 0 ok,
     * -1 bad input or failure. A model must not be used from two threads at once. */
    rs_gp *(*gp_alloc)(size_t dim, rs_gp_kernel kernel);
    void (*gp_free)(rs_gp *gp);
    int (*gp_add)(rs_gp *gp, const double *x, double y, double noise_var);
    int (*gp_set_hyper)(rs_gp *gp, const double *length_scales, double signal_var, double extra_noise_var,
                        double mean);
    int (*gp_fit)(rs_gp *gp, uint64_t seed, int n_starts);
    int (*gp_predict)(const rs_gp *gp, const double *x, double *mean, double *var);
    double (*gp_ei)(double mean, double sd, double best);
    double (*gp_lml)(const rs_gp *gp);
} rs_host;

/* The parameters every gate of rs_host.gate_create reads, with their defaults and ranges: a policy puts
 * RS_GATE_PARAMS in its own parameter table (so `rollsim plugins` lists them and the host checks them). The
 * keys of each entry of `metrics` are listed by `rollsim plugins` under "gates". */
#define RS_GATE_PARAMS                                                                                       \
    {"gate", RS_PARAM_STRING, "ztest", 0, 0, "none|ztest|bayes|msprt|confseq|flagger|argo|threshold|kayenta",   \
     "how the candidate is judged: statistical tests on error rates (ztest; bayes: Beta-Binomial posterior; "    \
     "msprt, confseq: sequential, safe under continuous monitoring) or a production system's gate on "           \
     "`metrics` (flagger, argo, kayenta as their code behaves; threshold: a plain limit with `consecutive`)"},   \
        {"alpha", RS_PARAM_NUMBER, "0.05", 1e-12, 0.5, NULL, "ztest, msprt, confseq: the level"},                \
        {"delta", RS_PARAM_NUMBER, "0", -1, 1, NULL,                                                          \
         "bayes: roll back when P(p_cand - p_base > delta) > level"},                                         \
        {"level", RS_PARAM_NUMBER, "0.95", 0.5, 1, NULL, "bayes: the posterior probability that rolls back"},   \
        {"tau2", RS_PARAM_NUMBER, "0.0001", 1e-12, 1, NULL,                                                   \
         "msprt: variance of the normal mixing distribution of the error-rate difference (0.0001: effects of "  \
         "about one percentage point)"},                                                                      \
        {"n_star", RS_PARAM_NUMBER, "5000", 1, 1e12, NULL,                                                    \
         "confseq: the total sample size (both arms) at which the sequence is tightest (GrowthBook's 5000)"},   \
        {"two_sided", RS_PARAM_BOOL, "false", 0, 0, NULL,                                                     \
         "ztest: fire on a difference either way at level alpha (alpha/2 in each tail)"},                      \
        {"check_every", RS_PARAM_DURATION, "0", 0, 1e7, NULL,                                                 \
         "check the gate this often inside a stage (0: only at its end); flagger: the analysis interval "      \
         "(0: bake); argo: the measurement interval; kayenta: the metrics' time-series step (0: 1 minute)"},   \
        {"window", RS_PARAM_STRING, "auto", 0, 0, "auto|stage|interval",                                      \
         "the data a check judges: everything since the stage began (the classic peeking design when checked " \
         "repeatedly), or only what came since the previous check; auto: stage for ztest, bayes, msprt, "      \
         "confseq and kayenta, interval for flagger, argo and threshold (their metric queries)"},              \
        {"metrics", RS_PARAM_TABLE_LIST, NULL, 0, 0, NULL,                                                    \
         "flagger, argo, threshold, kayenta: the metrics checked, e.g. { name = \"error_rate\", max = 0.01 }; " \
         "names error_rate, success_rate, latency_mean, latency_p50, latency_p90, latency_p95, latency_p99 "   \
         "(ms); keys per gate in `rollsim plugins`"},                                                         \
        {"threshold", RS_PARAM_INTEGER, "1", 1, 1e6, NULL,                                                    \
         "flagger: failed checks (cumulative, never reset) that roll back, at the tick after the last one"},    \
        {"step_weight", RS_PARAM_NUMBER, NULL, 0.01, 1, NULL,                                                 \
         "flagger: weight added per passed check (whole percents), instead of steps as its stepWeights"},       \
        {"max_weight", RS_PARAM_NUMBER, NULL, 0.01, 1, NULL,                                                  \
         "flagger: promote after a check passes at or above it (default 1; with steps: the last step)"},       \
        {"step_weight_promotion", RS_PARAM_NUMBER, "0", 0, 1, NULL,                                           \
         "flagger: stepWeightPromotion, weight moved back to the primary per Promoting tick (0: all at once)"}, \
        {"canary_ready", RS_PARAM_DURATION, "0", 0, 1e7, NULL,                                                \
         "flagger: how long the canary's pods take to be ready after the detection tick (ticks before it wait)"}, \
        {"analysis", RS_PARAM_STRING, "inline", 0, 0, "inline|background",                                    \
         "argo: an inline analysis step after each stage's pause (bake), which the stage waits for, or one "    \
         "background analysis from starting_step across all later stages (counters never reset)"},             \
        {"starting_step", RS_PARAM_INTEGER, "1", 1, 1e6, NULL,                                                \
         "argo background: the stage whose start starts the run (Argo's startingStep)"},                        \
        {"no_data", RS_PARAM_STRING, "nan", 0, 0, "nan|empty",                                                \
         "argo: what a query over a window without traffic returns: NaN (a ratio's 0/0; conditions are not "   \
         "met) or an empty vector (the measurement is an Error)"},                                             \
        {"pass_score", RS_PARAM_NUMBER, "75", 0, 100, NULL,                                                   \
         "kayenta: a stage's final score at or above it passes, below it rolls back (read as an integer, "     \
         "orca's default 75)"},                                                                                \
        {"marginal_score", RS_PARAM_NUMBER, "50", 0, 100, NULL,                                               \
         "kayenta: any judgment scoring at or below it rolls back at once (an integer, orca's default 50)"},   \
        {"intervals", RS_PARAM_INTEGER, "1", 1, 1e6, NULL,                                                    \
         "kayenta: judgments per stage, evenly spaced after begin_after, the last at the stage's end"},         \
        {"begin_after", RS_PARAM_DURATION, "0", 0, 1e7, NULL,                                                 \
         "kayenta: beginCanaryAnalysisAfterMins, a warm-up at the stage's start that no judgment looks at"},    \
        {"lookback", RS_PARAM_DURATION, "0", 0, 1e7, NULL,                                                    \
         "kayenta: lookbackMins, each judgment looks at this much before it (0: the growing window from the "  \
         "warm-up's end)"},                                                                                    \
        {"baseline_offset", RS_PARAM_DURATION, "0", 0, 1e7, NULL,                                             \
         "kayenta: baselineAnalysisOffsetInMins, the baseline's window is this much earlier (within the stage)"}, \
        {"baseline_traffic", RS_PARAM_STRING, "matched", 0, 0, "matched|all",                                 \
         "kayenta: compare the canary with a baseline cluster of its own size, as Spinnaker deploys one "       \
         "(matched), or with all the baseline's traffic (the production fleet)"},                               \
        {"metric", RS_PARAM_STRING, "error_rate", 0, 0, "error_rate|accuracy|precision|recall|f1|feedback_rate", \
         "ztest, bayes, msprt, confseq: the proportion tested, error rate or on the labels arrived in the "     \
         "window: wrong labels (accuracy), false positives (precision), missed positives (recall), thumbs "    \
         "down (feedback_rate)"},                                                                              \
        {"min_n", RS_PARAM_INTEGER, "0", 0, 1e12, NULL,                                                      \
         "ztest, bayes, msprt, confseq: judge only when each arm has at least this many in the window "         \
         "(requests; for a label metric its labels, e.g. labelled positives for recall); fewer: no data"}

/* What create() receives. Everything here stays valid until destroy() returns; the plugin keeps no
 * pointer beyond that. */
typedef struct rs_policy_ctx {
    const rs_host *host;
    const rs_value *params;       /* table of the scenario's policy parameters, declared defaults filled */
    rs_rng *rng;
    rs_run_log *log;
    size_t n_versions;
    size_t n_segments;
    size_t baseline;              /* index of the baseline version */
    const char *const *version_names;
    const char *const *segment_names;
    const uint64_t *segment_users;
    double horizon;
    const void *host_private;     /* the host's own data, for policies built into rollsim; plugins ignore it */
    int latency_modelled;         /* appended in rollsim 0.1: some version has a latency (else the
                                     observation's latency samples are always empty) */
} rs_policy_ctx;

/* The candidate a one-candidate policy rolls out: the version called `name` (its `candidate` parameter), or
 * the only candidate when name is NULL. Returns its index, or (size_t)-1 with a message in err. */
static inline size_t rs_policy_candidate(const rs_policy_ctx *ctx, const char *name, char *err, size_t err_len)
{
    if (name) {
        for (size_t v = 0; v < ctx->n_versions; v++)
            if (v != ctx->baseline && !strcmp(ctx->version_names[v], name))
                return v;
        snprintf(err, err_len, "candidate: no candidate version named \"%s\"", name);
        return (size_t)-1;
    }
    if (ctx->n_versions != 2) {
        snprintf(err, err_len, "candidate: the scenario has %zu candidates; name the one to roll out (candidate = "
                               "\"...\")", ctx->n_versions - 1);
        return (size_t)-1;
    }
    return ctx->baseline == 0 ? 1 : 0;
}

typedef struct rs_policy_type {
    uint32_t abi_version;     /* RS_POLICY_ABI_VERSION the plugin was built with */
    uint32_t struct_size;     /* sizeof(rs_policy_type) */
    uint32_t observation_size; /* sizeof(rs_observation) */
    uint32_t action_size;     /* sizeof(rs_action) */
    const char *name;
    const char *description;  /* one line */
    const rs_param_spec *params;
    size_t n_params;
    size_t state_size;        /* bytes of state the host allocates (zeroed) for each replication */

    /* Returns 0, or non-zero with a message in err (e.g. "stages[2].weight: expected a number in [0, 1]"),
     * which the host reports as bad input. */
    int (*create)(void *state, const rs_policy_ctx *ctx, char *err, size_t err_len);
    /* Fills act (prefilled with the current weights); returns 0, or non-zero with a message in err
     * (a runtime failure). */
    int (*decide)(void *state, const rs_observation *obs, rs_action *act, char *err, size_t err_len);
    /* Frees what create() allocated (not the state itself); called after every create(), even one that
     * failed, so it must cope with a partly built state. May be NULL. */
    void (*destroy)(void *state);
} rs_policy_type;

/* Initialiser for the four header fields of a policy type built against this header. */
#define RS_POLICY_TYPE_HEADER                                                                            \
    RS_POLICY_ABI_VERSION, (uint32_t)sizeof(rs_policy_type), (uint32_t)sizeof(rs_observation),           \
        (uint32_t)sizeof(rs_action)

typedef const rs_policy_type *(*rs_policy_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* ROLLSIM_POLICY_H */

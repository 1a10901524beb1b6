/* The planner's common ground (SPEC §4 sweep / optimize, §6.1): a *point* is the scenario with some keys set
 * ("policy.bake=6h", "policy.steps.1=0.02"), run as a batch of replications in memory with the scenario's seed,
 * so that every point sees the same replication streams (common random numbers: differences between points are
 * paired). Its risk estimates are those of summary.json, also flattened into named numbers ("p_escape.hi",
 * "harm.mean") for the objective and constraint expressions of `optimize` and the columns of sweep.csv. */
#ifndef RS_PLANNER_H
#define RS_PLANNER_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "expr.h"
#include "runner.h"
#include "scenario.h"
#include "status.h"

/* The estimate names: "GROUP.FIELD" for every number of summary.json's "estimates" object (p_escape.estimate,
 * p_escape.lo, harm.mean, harm.cvar95, ...), then the short forms "GROUP" for a probability's estimate or a
 * measure's mean. n_columns: the names before the short forms (the columns of sweep.csv). */
typedef struct rs_planner_names {
    size_t n, n_columns;
    char **name;   /* [n] */
    char **group;  /* [n]: the JSON object it is read from */
    char **field;  /* [n]: the key inside it */
} rs_planner_names;

/* Builds the names (caller frees with rs_planner_names_free). */
rs_status rs_planner_names_init(rs_planner_names *nm, rs_error *err);
void rs_planner_names_free(rs_planner_names *nm);

/* Reads every name's number out of an estimates object into values[nm->n] (NaN where the summary has null). */
void rs_planner_values(const rs_planner_names *nm, json_t *estimates, double *values);

/* One evaluated point. */
typedef struct rs_point {
    size_t reps;           /* asked for */
    size_t reps_done;
    rs_rep_result *res;    /* [reps] */
    unsigned char *done;   /* [reps] */
    json_t *estimates;     /* summary.json's estimates object (owned) */
    json_t *params;        /* the policy's resolved parameters (owned), for summary.json */
    char *plugin;          /* the policy's plugin name (owned) */
    double *values;        /* [names->n] */
    uint64_t requests;
    double seconds;
} rs_point;

/* Loads the scenario at path (NULL: the built-in quick start) with base[0..n_base-1] and then
 * point[0..n_point-1] ("KEY=VALUE") applied, and checks its policy (plugin found, parameters accepted), without
 * running anything: for validating a whole search up front. Errors are the loader's and the plugin's, as for
 * `run`. */
rs_status rs_point_check(const char *path, const char *const *base, size_t n_base, const char *const *point,
                         size_t n_point, rs_error *err);

/* The scenario as the command line sets it (base[0..n_base-1]), for the head of summary.json: a new object
 * with scenario, scenario_file, seed, replications, horizon and users. */
rs_status rs_planner_head(const char *path, const char *const *base, size_t n_base, json_t **out, rs_error *err);

/* Loads and runs the point (the scenario's own policy, replications 0 .. R-1 on opt->jobs threads). Fills *p
 * (free with rs_point_free) and also returns the scenario's name and seed when name_out / seed_out are not NULL
 * (name_out: caller frees). RS_ERR_INTERRUPTED when opt->stop was set (nothing is kept). */
rs_status rs_point_run(const char *path, const char *const *base, size_t n_base, const char *const *point,
                       size_t n_point, const rs_run_options *opt, const rs_planner_names *nm, rs_point *p,
                       rs_error *err);
void rs_point_free(rs_point *p);

/* Bootstrap standard errors of expressions evaluated on the point's estimates: B resamples of the finished
 * replications (drawn from a stream seeded with seed), each expression evaluated on each resample's estimates;
 * sd[k] is the standard deviation over the resamples where it is finite (NaN when fewer than 2). This is the
 * Monte Carlo noise the optimiser's Gaussian processes are told about: it covers nonlinear expressions, ratios
 * such as P(escape | bad) and the correlation between the estimates of one batch. */
void rs_point_bootstrap_sd(const rs_point *p, const rs_planner_names *nm, rs_expr *const *exprs, size_t n_exprs,
                           uint64_t seed, size_t B, double *sd);

/* The same for the difference from a reference point run on the same replications (common random numbers):
 * both points are resampled with the same replications, and sd[k] is the standard deviation of the difference
 * of expression k divided by sqrt(2) -- the share of one point, if both have the same noise. This is the noise
 * a point has *relative to the others* of a search: the replications' common part (a bad candidate drawn in
 * replication r, the traffic of replication r) moves every point alike and is no noise for comparing them.
 * NaN everywhere when the two points have different replication counts. */
void rs_point_bootstrap_paired_sd(const rs_point *p, const rs_point *ref, const rs_planner_names *nm,
                                  rs_expr *const *exprs, size_t n_exprs, uint64_t seed, size_t B, double *sd);

/* Splits "KEY=VALUE" at the first '=' into key (caller frees) and a pointer to the value; -1 if malformed. */
int rs_planner_split(const char *set, char **key, const char **value);

/* The JSON of a command-line value as the scenario reads it: a number (durations in hours), a boolean, a list,
 * or a string. Returns a new reference. */
json_t *rs_planner_value_json(const char *text);

/* Makes a loader message about an override name the planner's option: "--set k=v: msg" becomes
 * "OPTION ARG: msg", any other message "OPTION ARG: message". */
void rs_planner_error_option(rs_error *err, const char *option, const char *arg);

/* Monotonic clock in seconds, for progress lines. */
double rs_planner_now(void);

/* Frees sets[0..n-1] (KEY=VALUE texts) and sets them to NULL. */
void rs_planner_free_sets(char **sets, size_t n);

/* A number in a CSV file as the other outputs write them (15 significant digits); NaN and infinities are an
 * empty field. */
void rs_planner_csv_number(FILE *f, double x);

/* Writes a whole text file atomically into dir. */
rs_status rs_planner_write_file(const char *dir, const char *name, const char *text, size_t len, rs_error *err);

#endif

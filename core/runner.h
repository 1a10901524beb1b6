/* The Monte Carlo runner: a scenario's replications through the simulation, for one policy (`run`) or several
 * on the same replications (`compare`), on J threads, then the output folder. Replication r of every policy
 * draws from the streams of (seed, r) only, so the outputs are byte-identical whatever J, and two policies see
 * the same traffic and the same version draws (common random numbers). */
#ifndef RS_RUNNER_H
#define RS_RUNNER_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"
#include "sim.h"
#include "stats.h"
#include "status.h"

#define ROLLSIM_VERSION "0.1.0"
#define RS_MAX_POLICIES 16

/* One policy to run: a label, the plugin's name or path, and its parameters as written (a TABLE). */
typedef struct rs_policy_choice {
    const char *label;
    const char *plugin;
    const rs_value *params;
} rs_policy_choice;

typedef struct rs_run_options {
    const char *out_dir;
    unsigned jobs;                      /* threads; 0 or 1 = run in the calling thread's order */
    int progress;                       /* draw a progress bar on stderr */
    const volatile sig_atomic_t *stop;  /* set (by a signal handler) to stop early; may be NULL */
} rs_run_options;

/* What a run found, for the human summary. */
typedef struct rs_policy_report {
    char label[128];
    size_t reps_done;
    size_t promoted, rolled_back, incomplete, bad, escapes, false_rollbacks;
    rs_rep_result first; /* replication 0 */
    double harm_mean, harm_p95, exposed_mean;
    double excess_mean, excess_lo, excess_hi; /* excess harm: mean and its 95 % interval (NaN when none) */
} rs_policy_report;

typedef struct rs_run_report {
    size_t reps;    /* asked for */
    int partial;    /* stopped early: only some replications finished */
    uint64_t requests;
    double seconds; /* wall clock of the simulations */
    int ranks;              /* MPI ranks the replications were split over (1 without MPI) */
    double gather_seconds;  /* of seconds: rank 0 receiving the other ranks' results and rows */
    size_t n_policies;
    rs_policy_report policy[RS_MAX_POLICIES];
} rs_run_report;

/* Runs every replication of sc for each policy and writes curves.csv, runs.csv, events.csv, bands.csv and
 * summary.json into opt->out_dir (atomically, all or nothing). When opt->stop is set during the run, the
 * finished replications are written, the summary says "partial": true, and RS_ERR_INTERRUPTED is returned. */
rs_status rs_run(const rs_scenario *sc, const rs_policy_choice *policies, size_t n_policies,
                 const rs_run_options *opt, rs_run_report *report, rs_error *err);

/* Loads the policy (plugin found, ABI, parameters) and lets it judge its parameters once, running nothing: the
 * errors rs_run would give before writing anything. */
rs_status rs_run_check(const rs_scenario *sc, const rs_policy_choice *policy, rs_error *err);

/* Runs replications 0 .. sc->replications - 1 of one policy in memory, writing no file (for sweep and
 * optimize): res[r] and done[r] (arrays of sc->replications, owned by the caller) for each finished one, and the
 * requests simulated, and (when params_out is not NULL) the policy's resolved parameters as a new JSON
 * reference. The policy's plugin is loaded, checked and unloaded here. RS_ERR_INTERRUPTED when
 * opt->stop was set before every replication finished (the finished ones are in res / done). */
rs_status rs_run_batch(const rs_scenario *sc, const rs_policy_choice *policy, const rs_run_options *opt,
                       rs_rep_result *res, unsigned char *done, uint64_t *requests, json_t **params_out,
                       rs_error *err);

#endif

/* The Monte Carlo runner: a scenario's replications through the simulation, then the output folder. */
#ifndef RS_RUNNER_H
#define RS_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "scenario.h"
#include "sim.h"
#include "stats.h"
#include "status.h"

#define ROLLSIM_VERSION "0.1.0"

typedef struct rs_run_options {
    const char *out_dir;
    size_t curves_reps; /* replications whose curves go into curves.csv */
} rs_run_options;

/* What a run found, for the human summary. */
typedef struct rs_run_report {
    size_t reps;
    size_t promoted, rolled_back, incomplete, bad, escapes, false_rollbacks;
    rs_rep_result first; /* replication 0 */
    rs_describe harm, exposed, time_to_full, rollback_time;
    uint64_t requests;
    double seconds; /* simulation time, wall clock */
    char plugin_path[4096];
} rs_run_report;

/* Runs every replication of sc and writes curves.csv, runs.csv, events.csv and summary.json into
 * opt->out_dir (all or nothing). */
rs_status rs_run(const rs_scenario *sc, const rs_run_options *opt, rs_run_report *report, rs_error *err);

#endif

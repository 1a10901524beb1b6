/* `rollsim sweep` (SPEC §4): the full factorial over scenario keys. Every point is a batch of replications with
 * the same seeds (common random numbers), so differences between points are paired. Writes sweep.csv (one row
 * per point: the key values and every estimate with its interval) and summary.json (one entry per point in
 * "policies", with its "values", and a "sweep" object with the grid). */
#ifndef RS_SWEEP_H
#define RS_SWEEP_H

#include <stddef.h>

#include "runner.h"
#include "status.h"

#define RS_SWEEP_MAX_POINTS 100000
#define RS_SWEEP_MAX_AXES 8

/* One --grid KEY=V1,V2,... (or KEY=A;B;C when a value is itself a list, e.g. policy.steps=0.01,1;0.05,1). */
typedef struct rs_grid_axis {
    char *key;
    size_t n;
    char **values; /* as written */
} rs_grid_axis;

/* Parses one --grid argument into *out (free with rs_grid_axis_free). RS_ERR_INPUT naming the argument. */
rs_status rs_grid_axis_parse(const char *arg, rs_grid_axis *out, rs_error *err);
void rs_grid_axis_free(rs_grid_axis *a);

/* Runs the sweep of the scenario at path (NULL: the quick start) with base[0..n_base-1] applied to every
 * point, and writes opt->out_dir/sweep.csv and summary.json atomically. Every point is validated before the
 * first runs. verbose: print a table of the points on stdout. RS_ERR_INTERRUPTED when stopped: the points
 * finished are written, the summary says "partial": true. */
rs_status rs_sweep(const char *path, const char *const *base, size_t n_base, const rs_grid_axis *axes,
                   size_t n_axes, const rs_run_options *opt, int verbose, rs_error *err);

#endif

/* `rollsim optimize` (SPEC §4, §6.1): Bayesian optimisation of scenario keys. Each evaluation is a point of the
 * planner (core/planner.h: the scenario with the keys set, a batch of replications on the scenario's seed, so
 * every evaluation sees the same streams); the objective and the constraints are expressions over its
 * estimates (core/expr.h), their Monte Carlo noise estimated by bootstrap; core/optimize.h proposes the points.
 * The best point is then re-evaluated on fresh replications (another seed), so the figures reported are not the
 * search's lucky draw. Writes optimize.csv (the trace), best.json, best.lua (the scenario with the best values,
 * seed and replications of the re-evaluation filled in: `rollsim run best.lua` reproduces best.json) and
 * summary.json (the re-evaluation, as `run` writes it, plus an "optimize" object). */
#ifndef RS_TUNE_H
#define RS_TUNE_H

#include <stddef.h>

#include "runner.h"
#include "status.h"

#define RS_TUNE_MAX_PARAMS 16
#define RS_TUNE_MAX_CONSTRAINTS 16

typedef struct rs_tune_options {
    const char *path;               /* the scenario (NULL: the built-in quick start) */
    const char *const *base;        /* --set overrides applied to every evaluation */
    size_t n_base;
    const char *const *params;      /* "KEY=LO:HI[:log|:int]" */
    size_t n_params;
    const char *objective;          /* minimised */
    const char *const *constraints; /* comparisons */
    size_t n_constraints;
    size_t budget;                  /* evaluations in the search */
    size_t final_reps;              /* replications of the re-evaluation (0: the scenario's) */
    int verbose;                    /* the result on stdout */
} rs_tune_options;

/* Runs the search and writes its files into opt->out_dir (atomically). Bad parameters, expressions and keys are
 * RS_ERR_INPUT before anything runs. A problem with no feasible point is a result (best.json "feasible":
 * false with the least-violating point), not an error. RS_ERR_INTERRUPTED when stopped: the evaluations done
 * are written to optimize.csv and best.json (from them, not re-evaluated) with "partial": true. */
rs_status rs_tune(const rs_tune_options *t, const rs_run_options *opt, rs_error *err);

#endif

/* Ask/tell constrained Bayesian optimisation on the unit cube [0, 1]^dim (for `rollsim optimize`, SPEC §6.1).
 *
 * Minimises an objective y(x) subject to c_k(x) <= 0, k < n_constraints, each evaluation possibly noisy with
 * a known variance. Algorithm: a maximin Latin hypercube of n_initial points, then constrained expected
 * improvement (Gardner, Kusner, Xu, Weinberger & Cunningham 2014): EI of the objective GP below the best
 * posterior mean among the observed-feasible points, times prod_k P(c_k(x) <= 0) under one GP per constraint;
 * while no point is feasible, the probability of feasibility alone (computed in logs, so it never underflows
 * to a tie). Every GP is refitted (rs_gp_fit, mean = sample mean) after every tell: three starts while it has
 * at most 8 points and at every 5th tell, else one BFGS run warm-started at the previous optimum. The
 * acquisition is maximised over 256 + 128 dim randomly shifted Sobol points plus Gaussian perturbations
 * (sd 0.05) of the 3 best points, then Nelder-Mead (projected on the cube) from the best 4; the best
 * candidate that does not snap onto an evaluated point is proposed.
 *
 * Failed evaluations (NaN or infinite y or c_k): a failed y is left out of the objective GP, a failed c_k out
 * of constraint k's GP (a constraint with no data yet does not weigh on the acquisition); the point counts as
 * infeasible with infinite violation (never recommended while any point is feasible, nor before a point with
 * finite values), and is never proposed again.
 *
 * Deterministic: the points proposed depend only on the options (seed included) and the sequence of tells. */
#ifndef RS_OPTIMIZE_H
#define RS_OPTIMIZE_H

#include <stddef.h>
#include <stdint.h>

#include "gp.h"

typedef struct rs_bo_options {
    size_t dim;           /* inputs, each in [0,1] */
    size_t n_constraints; /* constraint k is feasible when c_k(x) <= 0 */
    size_t budget;        /* total evaluations */
    size_t n_initial;     /* space-filling start (0: max(5, 2*dim+1), capped by budget) */
    uint64_t seed;
    rs_gp_kernel kernel;
    /* optional: snaps a point to what will really be evaluated (integer parameters); may be NULL. It must
     * map [0,1]^dim into [0,1]^dim. */
    void (*snap)(double *x, void *ctx);
    void *snap_ctx;
    /* Keep proposals at least this far from every evaluated point (largest coordinate difference) while some
     * good candidate allows it; 0: only exact repeats are avoided. rollsim optimize sets 0.01: its evaluations
     * share their random numbers, so a point next to an evaluated one repeats that answer and wastes budget. */
    double min_separation;
} rs_bo_options;

typedef struct rs_bo rs_bo;

/* Allocates an optimiser (o is copied: no reference is kept). Caller frees with rs_bo_free. NULL on bad
 * options (dim = 0, budget = 0) or out of memory. */
rs_bo *rs_bo_alloc(const rs_bo_options *o);
/* Frees bo; NULL does nothing. */
void rs_bo_free(rs_bo *bo);

/* The next point to evaluate, in [0,1]^dim (already snapped), never one already told (within 1e-9 in every
 * coordinate). It depends only on the tells so far: asking twice without a tell gives the same point.
 * 0 ok; -1 when the budget is spent (count == budget), when every candidate snaps onto an evaluated point
 * (the snapped space is exhausted), or out of memory. */
int rs_bo_ask(rs_bo *bo, double *x /* out: [dim] */);

/* Records an evaluation of x (copied; need not be the asked point, but is clamped to [0,1]): objective y with
 * known variance y_var >= 0, constraints c[n_constraints] with variances c_var (c, c_var may be NULL when
 * n_constraints = 0; c_var may be NULL: all 0). y or c_k NaN: the evaluation failed (see above).
 * 0 ok; -1 bad input (negative or NaN variance, NULL x), budget already spent, or out of memory. */
int rs_bo_tell(rs_bo *bo, const double *x, double y, double y_var, const double *c, const double *c_var);

/* The recommended point, as an index in evaluation order (x through rs_bo_x). A point is feasible when its y
 * and every c_k were observed (not NaN) and every observed c_k <= 0. Among feasible points: the smallest
 * objective-GP posterior mean (the observation itself, denoised by the GP; ties: the earliest). None feasible:
 * *feasible = 0 and the point of least total violation sum_k max(c_k, 0) in the caller's units (a failed y or
 * c_k counts as infinite; ties: smallest posterior mean of y, then the earliest). feasible may be NULL.
 * Returns (size_t)-1 when nothing was told. */
size_t rs_bo_best(rs_bo *bo, int *feasible);
/* Evaluations told so far. */
size_t rs_bo_count(const rs_bo *bo);
/* The i-th evaluated point (i < count) as told (after clamping), or NULL; owned by bo, valid until the next
 * tell or rs_bo_free. */
const double *rs_bo_x(const rs_bo *bo, size_t i);

#endif

/* Gaussian-process regression (Rasmussen & Williams 2006, ch. 2 and 5) with heteroscedastic known noise.
 *
 * Model: y_i = f(x_i) + e_i, f ~ GP(mean, s2 k(x, x')), e_i ~ N(0, noise_i + extra), where noise_i is the
 * known (e.g. Monte Carlo) variance of observation i and `extra` a fitted homoscedastic variance. k is the
 * squared exponential or Matern 5/2 kernel of r^2 = sum_j (x_j - x'_j)^2 / l_j^2. Everything is in the
 * caller's units. The Cholesky factor of K is recomputed lazily, on the first call that needs it after an
 * observation was added or a hyper-parameter changed; so a model must not be used from two threads at once.
 *
 * GSL's error handler must be off (rollsim turns it off at start-up): a matrix that is not positive definite
 * is reported by GSL, and handled here by adding jitter. */
#ifndef RS_GP_H
#define RS_GP_H

#include <stddef.h>
#include <stdint.h>

#include "rollsim/gp.h"

/* Bounds that rs_gp_fit searches within, for inputs in [0, 1]^dim. s2y is the sample variance of y (1 when
 * there are fewer than two observations or they are all equal). */
#define RS_GP_LS_MIN 1e-2        /* length scale: below, the model interpolates noise between points */
#define RS_GP_LS_MAX 1e1         /* above, the input is effectively irrelevant on [0, 1] */
#define RS_GP_SIGNAL_MIN 1e-4    /* signal variance, times s2y */
#define RS_GP_SIGNAL_MAX 1e2     /* times s2y */
#define RS_GP_NOISE_MIN 1e-8     /* extra noise variance, times s2y: keeps K well conditioned */
#define RS_GP_NOISE_MAX 1.0      /* times s2y: more than that, the data are all noise */

/* Allocates an empty model on dim inputs with hyper-parameters l_j = 0.3, s2 = 1, extra = 1e-6, mean = 0.
 * Caller frees with rs_gp_free. NULL on OOM or dim = 0. */
rs_gp *rs_gp_alloc(size_t dim, rs_gp_kernel kernel);
/* Frees gp and everything it holds; NULL does nothing. */
void rs_gp_free(rs_gp *gp);
/* Adds one observation (x is copied: no reference is kept). noise_var >= 0 is its known noise variance.
 * 0 ok, -1 bad input (non-finite x or y, negative noise) or out of memory. */
int rs_gp_add(rs_gp *gp, const double *x, double y, double noise_var);
size_t rs_gp_size(const rs_gp *gp);
size_t rs_gp_dim(const rs_gp *gp);

/* Hyper-parameters: length scales [dim] (> 0), signal variance (> 0), extra noise variance (>= 0), constant
 * mean. set: 0 ok, -1 bad value (nothing changed). get: any pointer may be NULL; returns 0. */
int rs_gp_set_hyper(rs_gp *gp, const double *length_scales, double signal_var, double extra_noise_var, double mean);
int rs_gp_get_hyper(const rs_gp *gp, double *length_scales, double *signal_var, double *extra_noise_var,
                    double *mean);

/* Maximum-likelihood hyper-parameters: sets the mean to the sample mean of y, then maximises the log marginal
 * likelihood over log length scales, log signal variance and log extra noise inside the RS_GP_* bounds, by
 * BFGS (gsl_multimin, analytic gradient) from n_starts starting points: the current hyper-parameters
 * (clamped to the bounds), then points drawn from an rng seeded by seed. Deterministic given the model and
 * seed. Keeps the best optimum found (never one worse than the clamped start). 0 ok (also with no data:
 * nothing to fit), -1 out of memory. */
int rs_gp_fit(rs_gp *gp, uint64_t seed, int n_starts);

/* Log marginal likelihood at the current hyper-parameters: -r'K^-1 r / 2 - log det K / 2 - n log(2 pi) / 2
 * with r = y - mean. 0 with no data; -INFINITY if K cannot be factorised even with jitter. */
double rs_gp_lml(const rs_gp *gp);

/* Posterior mean and variance of the latent f(x) (no noise added). With no data: the prior. 0 ok, -1 when K
 * cannot be factorised or out of memory. */
int rs_gp_predict(const rs_gp *gp, const double *x, double *mean /* out */, double *var /* out */);

/* Acquisition helpers on a normal posterior N(mean, sd^2). */
/* Expected improvement for minimisation: E[max(best - f, 0)] = sd (z Phi(z) + phi(z)), z = (best - mean) / sd;
 * max(best - mean, 0) when sd <= 0. */
double rs_gp_ei(double mean, double sd, double best);
double rs_gp_lcb(double mean, double sd, double beta); /* mean - beta sd */
double rs_gp_ucb(double mean, double sd, double beta); /* mean + beta sd */
/* P(f <= threshold) = Phi((threshold - mean) / sd); when sd <= 0, 1 if mean <= threshold, else 0. */
double rs_gp_prob_below(double mean, double sd, double threshold);
/* Standard normal distribution function, from erfc (accurate in both tails). */
double rs_gp_normal_cdf(double z);

#endif

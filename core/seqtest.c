/* The statistics of the gates `bayes`, `msprt` and `confseq` (SPEC §7); see seqtest.h for the contracts.
 *
 * Sources read for this file:
 *  - Johari, Koomen, Pekelis & Walsh, "Peeking at A/B tests" (KDD 2017) and Johari, Pekelis & Walsh, "Always
 *    valid inference: continuous monitoring of A/B tests" (Operations Research 70(3), 2022): the normal-mixture
 *    SPRT and the always-valid p-value p_n = min(p_{n-1}, 1/Lambda_n).
 *  - Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, "Time-uniform central limit theory and asymptotic confidence
 *    sequences" (arXiv 2103.06476, v7 2023): the asymptotic CS theta_hat_t +- sigma_hat_t * m(t) with the
 *    unit-variance margin m(t) = sqrt(2 (t rho^2 + 1) / (t^2 rho^2) * ln(sqrt(t rho^2 + 1) / alpha)) (their eq. 9)
 *    and rho^2 tuned for a time t* (their eq. 161), and the one-sided closed-form normal-mixture boundary of
 *    Howard, Ramdas, McAuliffe & Sekhon (Ann. Statist. 2021) that GrowthBook uses for one-sided sequences.
 *  - GrowthBook's gbstats (packages/stats/gbstats/frequentist/tests.py and its TypeScript port): sequential_rho,
 *    sequential_interval_halfwidth(_one_sided), SequentialOneSidedTreatment{Greater,Lesser}TTest, the default
 *    sequential_tuning_parameter 5000, and gbstats' get_configured_test, which for a guardrail metric where
 *    lower is better ("inverse") with one-sided intervals builds SequentialOneSidedTreatmentGreaterTTest, whose
 *    interval is [theta_hat - halfwidth, +inf): the safe-rollout regression is "the lower bound is above 0".
 *
 * How t and sigma combine for a difference of two arms (confseq). The asymptotic CS is stated for the mean of
 * i.i.d. observations. Within a window the requests are i.i.d.: each goes to the candidate with a fixed
 * probability pi (the stage's weight) and errs with probability p_c or p_b. The difference of the arms' means,
 * theta_hat = x_c/n_c - x_b/n_b, is asymptotically the mean over the N = n_c + n_b requests of the influence
 * function phi_i = Z_i (Y_i - p_c)/pi - (1 - Z_i)(Y_i - p_b)/(1 - pi) + theta, whose variance per request is
 * sigma^2 = p_c(1 - p_c)/pi + p_b(1 - p_b)/(1 - pi). With pi_hat = n_c/N, sigma_hat^2 = N V where
 * V = p_c(1 - p_c)/n_c + p_b(1 - p_b)/n_b (arms' own rates), and the margin is sigma_hat m(N) = sqrt(N V) m(N):
 * t is the total number of requests and sigma^2 the per-request variance N V. This is what gbstats does (it
 * passes s2 = SE^2 * (n_T + n_C) and n = n_T + n_C). The CS assumes pi fixed over the window: a stage's window
 * ("stage") satisfies it; data accumulated across stages of different weights does not.
 *
 * One-sided level. The gate needs only the harm side, so confseq uses GrowthBook's one-sided bound at level
 * alpha (its halfwidth has ln(1 + sqrt(N rho^2 + 1)/(2 alpha)) in place of ln(sqrt(N rho^2 + 1)/alpha), and its
 * rho^2 is tuned with 2 alpha), not the two-sided bound at 2 alpha.
 *
 * mSPRT and the two-sided CS are one test. With rho^2 = tau2 / (N V) the msprt's Lambda equals the e-value of
 * the two-sided CS, exp(rho^2 s / (2 (N rho^2 + 1))) / sqrt(N rho^2 + 1) with s = N theta_hat^2 / V (gbstats'
 * sequential p-value, paper eq. 155): both exponents are tau2 theta_hat^2 / (2 V (V + tau2)). So Lambda >= 1/alpha
 * exactly when 0 is outside that CS. They differ only in that tau2 is fixed in units of theta while the CS's
 * rho^2 is fixed in units of the estimated per-request variance. rs_msprt_tau2 picks tau2 by that correspondence. */
#include "seqtest.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

/* --- bayes ----------------------------------------------------------------------------------------------------- */

/* A Beta(a, b) posterior with what the quadrature needs. */
typedef struct beta_arm {
    double a, b;
    double lnbeta; /* ln B(a, b) */
    double mean, sd;
    double logc;   /* for min(a, b) >= 10: 0.5 ln(a b / (2 pi (a + b))) - delta(a) - delta(b) + delta(a + b) */
    double lo, hi; /* [mean - K sd, mean + K sd] within [0, 1]: all but a negligible part of the mass */
} beta_arm;

/* Half-width of the integration range in posterior standard deviations. Beyond mean + K sd a Beta(a, b) tail is
 * at most that of a Gamma(a) (b -> infinity), which for a >= 1 is below e^{-(K+1)} ~ 2e-18 at K = 40, and below
 * 1e-12 for a >= 1/2 (Gamma(1/2) at 1/2 + 40 sqrt(1/2)); on the left a skewed posterior is clipped at 0 anyway. */
#define BETA_K 40.0

/* GSL's continued fraction for the incomplete beta (512 iterations) stops converging near the mean once
 * min(a, b) is a few 1e5 (measured: first failure at 3.3e5 over p in [0.001, 0.5]); above this the distribution
 * function is integrated from the density instead. */
#define BETA_INC_MAX 1e5

#define QUAD_LIMIT 256

/* delta(z) = ln Gamma(z) - ((z - 1/2) ln z - z + ln(2 pi)/2), Stirling's series to z^-11 (Abramowitz & Stegun
 * 6.1.41); for z >= 10 the first omitted term is below 1e-15. Then
 *     ln B(a, b) = a ln m + b ln(1 - m) - ln(a b / (a + b))/2 + ln(2 pi)/2 + delta(a) + delta(b) - delta(a + b),
 * m = a / (a + b), which is how beta_pdf's logc is built. */
static double stirling_delta(double z)
{
    /* 1/(12 z) - 1/(360 z^3) + 1/(1260 z^5) - 1/(1680 z^7) + 1/(1188 z^9) - 691/(360360 z^11), by Horner */
    double r = 1 / z, r2 = r * r;
    double t = 1.0 / 1188 - r2 * (691.0 / 360360);
    t = 1.0 / 1680 - r2 * t;
    t = 1.0 / 1260 - r2 * t;
    t = 1.0 / 360 - r2 * t;
    return r * (1.0 / 12 - r2 * t);
}

static void beta_arm_init(beta_arm *d, double a, double b)
{
    d->a = a, d->b = b;
    d->lnbeta = gsl_sf_lnbeta(a, b);
    d->mean = a / (a + b);
    d->sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
    d->lo = fmax(0.0, d->mean - BETA_K * d->sd);
    d->hi = fmin(1.0, d->mean + BETA_K * d->sd);
    if (fmin(a, b) >= 10)
        d->logc = 0.5 * log(a * b / (2 * M_PI * (a + b))) - stirling_delta(a) - stirling_delta(b) +
                  stirling_delta(a + b);
}

/* Density at x in (0, 1). The direct form (a-1) ln x + (b-1) ln(1-x) - ln B(a, b) adds terms of size a ln(1/m)
 * that cancel to O(1): at a + b = 1e9 each carries a rounding error of ~1e-7, a relative error of 1e-7 in the
 * density. For min(a, b) >= 10 it is rewritten about the mean m with Stirling's series for ln B (exact
 * algebra, see stirling_delta):
 *     ln f(x) = a ln(1 + u/m) + b ln(1 - u/(1-m)) - ln x - ln(1-x) + logc,   u = x - m,
 * whose two leading terms cancel only to -z^2/2 with z ~ u/sd, so the error stays ~1e-12 at any size. */
static double beta_pdf(const beta_arm *d, double x)
{
    if (!(x > 0 && x < 1))
        return 0.0;
    if (fmin(d->a, d->b) >= 10) {
        double u = x - d->mean;
        return exp(d->a * log1p(u / d->mean) + d->b * log1p(-u / (1 - d->mean)) - log(x) - log1p(-x) + d->logc);
    }
    return exp((d->a - 1) * log(x) + (d->b - 1) * log1p(-x) - d->lnbeta);
}

static double beta_pdf_fn(double x, void *params)
{
    return beta_pdf(params, x);
}

/* Fallback distribution function for large parameters: the tail nearer x integrated from the density (smooth
 * and unimodal there, as min(a, b) > BETA_INC_MAX). Returns 0 with *out set, or a GSL status. */
static int beta_cdf_quad(const beta_arm *d, double x, gsl_integration_workspace *w, double *out)
{
    gsl_function f = {beta_pdf_fn, (void *)d};
    double r, err;
    int st;
    if (x <= d->mean) {
        if (x <= d->lo) {
            *out = 0.0;
            return GSL_SUCCESS;
        }
        st = gsl_integration_qag(&f, d->lo, x, 1e-15, 1e-12, QUAD_LIMIT, GSL_INTEG_GAUSS61, w, &r, &err);
        *out = r;
    } else {
        if (x >= d->hi) {
            *out = 1.0;
            return GSL_SUCCESS;
        }
        st = gsl_integration_qag(&f, x, d->hi, 1e-15, 1e-12, QUAD_LIMIT, GSL_INTEG_GAUSS61, w, &r, &err);
        *out = 1.0 - r;
    }
    if (st && err < 1e-11) /* tolerance not reached by roundoff, but the result is still good enough */
        st = GSL_SUCCESS;
    return st;
}

/* P(X <= x) for X ~ d: GSL's regularized incomplete beta where it converges, quadrature otherwise. */
static int beta_cdf(const beta_arm *d, double x, gsl_integration_workspace *w, double *out)
{
    if (x <= 0) {
        *out = 0.0;
        return GSL_SUCCESS;
    }
    if (x >= 1) {
        *out = 1.0;
        return GSL_SUCCESS;
    }
    if (fmin(d->a, d->b) <= BETA_INC_MAX) {
        gsl_sf_result r;
        if (gsl_sf_beta_inc_e(d->a, d->b, x, &r) == GSL_SUCCESS && isfinite(r.val)) {
            *out = fmin(1.0, fmax(0.0, r.val));
            return GSL_SUCCESS;
        }
    }
    return beta_cdf_quad(d, x, w, out);
}

/* The outer integrand: density of the concentrated arm at q times the other arm's probability of the event.
 *   over_c: P = int f_c(q) P(p_b < q - delta) dq
 *   over b: P = int f_b(q) P(p_c > q + delta) dq */
typedef struct outer_params {
    const beta_arm *narrow, *other;
    double delta;
    int over_c;
    gsl_integration_workspace *inner;
    int status; /* first failure of an inner distribution function */
} outer_params;

static double outer_fn(double q, void *params)
{
    outer_params *o = params;
    double f = beta_pdf(o->narrow, q);
    if (f == 0.0)
        return 0.0;
    double F;
    int st = beta_cdf(o->other, o->over_c ? q - o->delta : q + o->delta, o->inner, &F);
    if (st && !o->status)
        o->status = st;
    return f * (o->over_c ? F : 1.0 - F);
}

/* Appends x to the sorted break points pts[0..*n) when strictly inside (pts[0], end) and not a duplicate. */
static void add_point(double *pts, size_t *n, double x, double end)
{
    if (!(x > pts[0] && x < end))
        return;
    size_t i = *n;
    while (i > 0 && pts[i - 1] > x)
        i--;
    if (i > 0 && pts[i - 1] == x)
        return;
    for (size_t j = *n; j > i; j--)
        pts[j] = pts[j - 1];
    pts[i] = x;
    (*n)++;
}

double rs_bayes_prob_worse(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double delta, double prior_a,
                           double prior_b)
{
    if (xc > nc || xb > nb || isnan(delta) || !(prior_a > 0 && isfinite(prior_a)) ||
        !(prior_b > 0 && isfinite(prior_b)))
        return NAN;
    if (delta <= -1)
        return 1.0;
    if (delta >= 1)
        return 0.0;
    beta_arm c, b;
    beta_arm_init(&c, prior_a + (double)xc, prior_b + (double)(nc - xc));
    beta_arm_init(&b, prior_a + (double)xb, prior_b + (double)(nb - xb));
    outer_params o = {.delta = delta, .status = GSL_SUCCESS};
    o.over_c = c.sd <= b.sd;
    o.narrow = o.over_c ? &c : &b;
    o.other = o.over_c ? &b : &c;

    /* Break points: the integration range, the narrow posterior's centre (+- 5 sd) so its peak is never missed
     * however wide the range, and the kinks where the other arm's argument leaves [0, 1]. */
    const beta_arm *n = o.narrow;
    double pts[8] = {n->lo};
    size_t npts = 1;
    double end = n->hi;
    add_point(pts, &npts, n->mean - 5 * n->sd, end);
    add_point(pts, &npts, n->mean, end);
    add_point(pts, &npts, n->mean + 5 * n->sd, end);
    add_point(pts, &npts, o.over_c ? delta : -delta, end);
    add_point(pts, &npts, o.over_c ? 1 + delta : 1 - delta, end);
    pts[npts++] = end;

    gsl_integration_workspace *w = gsl_integration_workspace_alloc(QUAD_LIMIT);
    o.inner = gsl_integration_workspace_alloc(QUAD_LIMIT);
    if (!w || !o.inner) {
        gsl_integration_workspace_free(w);
        gsl_integration_workspace_free(o.inner);
        return NAN;
    }
    gsl_function f = {outer_fn, &o};
    double r = NAN, err = INFINITY;
    int st = npts > 1 && end > pts[0]
                 ? gsl_integration_qagp(&f, pts, npts, 1e-13, 1e-10, QUAD_LIMIT, w, &r, &err)
                 : GSL_EDOM;
    gsl_integration_workspace_free(w);
    gsl_integration_workspace_free(o.inner);
    if (o.status || !isfinite(r) || (st && !(err < 1e-9)))
        return NAN;
    return fmin(1.0, fmax(0.0, r));
}

rs_gate_result rs_bayes_gate(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double delta, double prior_a,
                             double prior_b, double level, double *prob_out)
{
    double p = nc > 0 && nb > 0 ? rs_bayes_prob_worse(xc, nc, xb, nb, delta, prior_a, prior_b) : NAN;
    if (prob_out)
        *prob_out = p;
    if (isnan(p))
        return RS_GATE_NO_DATA;
    return p > level ? RS_GATE_FAIL : RS_GATE_PASS;
}

/* --- msprt and confseq: the normal approximation of theta_hat ----------------------------------------------------- */

/* theta_hat and its unpooled variance V; 0 when both exist and V > 0. */
static int diff_moments(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double *theta, double *v)
{
    if (nc == 0 || nb == 0 || xc > nc || xb > nb)
        return -1;
    double pc = (double)xc / (double)nc, pb = (double)xb / (double)nb;
    *theta = pc - pb;
    *v = pc * (1 - pc) / (double)nc + pb * (1 - pb) / (double)nb;
    return *v > 0 ? 0 : -1;
}

/* ln Lambda, computed in logarithms so that strong evidence gives a large number, not an overflow. */
static double msprt_log_lr(double theta, double v, double tau2)
{
    return 0.5 * log(v / (v + tau2)) + theta * theta * tau2 / (2 * v * (v + tau2));
}

double rs_msprt_lr(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double tau2)
{
    double theta, v;
    if (!(tau2 > 0 && isfinite(tau2)) || diff_moments(xc, nc, xb, nb, &theta, &v))
        return NAN;
    return exp(msprt_log_lr(theta, v, tau2));
}

double rs_msprt_p(double p_prev, uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double tau2)
{
    double theta, v;
    if (!(tau2 > 0 && isfinite(tau2)) || diff_moments(xc, nc, xb, nb, &theta, &v) || !(theta > 0))
        return p_prev;
    double p = exp(-msprt_log_lr(theta, v, tau2)); /* 1 / Lambda, 0 rather than 1/inf */
    return p < p_prev ? p : p_prev;
}

rs_gate_result rs_msprt_gate(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double tau2, double alpha,
                             double *lr_out)
{
    double theta, v, lr = NAN;
    int ok = tau2 > 0 && isfinite(tau2) && alpha > 0 && alpha < 1 && !diff_moments(xc, nc, xb, nb, &theta, &v);
    if (ok)
        lr = exp(msprt_log_lr(theta, v, tau2));
    if (lr_out)
        *lr_out = lr;
    if (!ok)
        return RS_GATE_NO_DATA;
    /* Compared in logarithms: Lambda >= 1/alpha <=> ln Lambda >= -ln alpha (no overflow). */
    return theta > 0 && msprt_log_lr(theta, v, tau2) >= -log(alpha) ? RS_GATE_FAIL : RS_GATE_PASS;
}

double rs_msprt_tau2(double alpha, double n_plan, double var_obs)
{
    if (!(var_obs > 0))
        return NAN;
    return var_obs * rs_confseq_rho2(alpha, n_plan, 0);
}

double rs_confseq_rho2(double alpha, double n_star, int one_sided)
{
    double a = one_sided ? 2 * alpha : alpha;
    if (!(a > 0 && a < 1 && n_star > 0 && isfinite(n_star)))
        return NAN;
    double l = -2 * log(a);
    return (l + log(l + 1)) / n_star;
}

double rs_confseq_lower(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double alpha, double rho2)
{
    double theta, v;
    if (!(rho2 > 0 && isfinite(rho2)) || !(alpha > 0 && alpha < 0.5) || diff_moments(xc, nc, xb, nb, &theta, &v))
        return NAN;
    double nr = (double)(nc + nb) * rho2; /* N rho^2 */
    double half = sqrt(v * 2 * (nr + 1) / nr * log(1 + sqrt(nr + 1) / (2 * alpha)));
    return theta - half;
}

rs_gate_result rs_confseq_gate(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double alpha, double rho2,
                               double *lower_out)
{
    double lo = rs_confseq_lower(xc, nc, xb, nb, alpha, rho2);
    if (lower_out)
        *lower_out = lo;
    if (isnan(lo))
        return RS_GATE_NO_DATA;
    return lo > 0 ? RS_GATE_FAIL : RS_GATE_PASS;
}

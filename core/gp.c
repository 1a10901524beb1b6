/* Gaussian-process regression: see gp.h. Formulas from Rasmussen & Williams 2006 (algorithm 2.1 and eq.
 * 5.9 for the gradient of the log marginal likelihood). */
#include "gp.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

#include "rng.h"

struct rs_gp {
    size_t dim, n, cap;
    rs_gp_kernel kernel;
    double *x;     /* [cap * dim], row i is observation i */
    double *y;     /* [cap] */
    double *noise; /* [cap] known noise variances */
    double *ls;    /* [dim] length scales */
    double signal, extra, mean;

    /* Cache, valid when fresh: the Cholesky factor L of K (lower triangle) and alpha = K^-1 (y - mean). */
    int fresh;
    int factored; /* the factorisation succeeded */
    gsl_matrix *L;
    gsl_vector *alpha;
    double lml;
};

#define SQRT5 2.23606797749978969641

/* Scaled squared distance r^2 = sum_j (a_j - b_j)^2 / l_j^2. */
static double scaled_r2(size_t dim, const double *ls, const double *a, const double *b)
{
    double r2 = 0;
    for (size_t j = 0; j < dim; j++) {
        double d = (a[j] - b[j]) / ls[j];
        r2 += d * d;
    }
    return r2;
}

static double kernel_of_r2(rs_gp_kernel kernel, double signal, double r2)
{
    if (kernel == RS_GP_SE)
        return signal * exp(-0.5 * r2);
    double r = sqrt(r2), s = SQRT5 * r;
    return signal * (1 + s + 5.0 * r2 / 3.0) * exp(-s);
}

/* The kernel on every pair a >= b of observations into the lower triangle of Kk (no noise) and, when G is not
 * NULL, the factor g with d k / d log l_j = g (a_j - b_j)^2 / l_j^2. SE: g = k. Matern 5/2: d k / d r =
 * -(5/3) s2 r (1 + sqrt5 r) e^{-sqrt5 r} and d r / d log l_j = -(a_j - b_j)^2 / (l_j^2 r), so r cancels (no
 * division by zero at r = 0). One exp per pair: the fit spends most of its time here. */
static void kernel_matrix(const rs_gp *gp, const double *ls, double signal, gsl_matrix *Kk, gsl_matrix *G)
{
    size_t n = gp->n, d = gp->dim;
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b <= a; b++) {
            double r2 = scaled_r2(d, ls, gp->x + a * d, gp->x + b * d), k, g;
            if (gp->kernel == RS_GP_SE) {
                k = g = signal * exp(-0.5 * r2);
            } else {
                double s = SQRT5 * sqrt(r2), e = exp(-s);
                k = signal * (1 + s + 5.0 * r2 / 3.0) * e;
                g = (5.0 / 3.0) * signal * (1 + s) * e;
            }
            gsl_matrix_set(Kk, a, b, k);
            if (G)
                gsl_matrix_set(G, a, b, g);
        }
}

/* L = chol(Kk + diag(known noise + extra)) from the lower triangle of Kk; then alpha = K^-1 (y - mean) and the
 * log marginal likelihood. A K that is not numerically positive definite (nearly coincident points with
 * little noise) gets a jitter on its diagonal, from 1e-10 s2 growing tenfold up to 1e-2 s2: only then, so
 * that well-posed data are modelled exactly. Returns 0, or -1 when even the largest jitter fails. */
static int factorise(const rs_gp *gp, const gsl_matrix *Kk, double signal, double extra, double mean, gsl_matrix *L,
                     gsl_vector *alpha, double *lml)
{
    size_t n = gp->n;
    double jitter = 0;
    for (int attempt = 0; attempt < 10; attempt++) {
        for (size_t a = 0; a < n; a++) {
            for (size_t b = 0; b < a; b++)
                gsl_matrix_set(L, a, b, gsl_matrix_get(Kk, a, b));
            gsl_matrix_set(L, a, a, gsl_matrix_get(Kk, a, a) + gp->noise[a] + extra + jitter);
        }
        if (gsl_linalg_cholesky_decomp1(L) == GSL_SUCCESS) {
            double quad = 0, logdet = 0;
            for (size_t a = 0; a < n; a++)
                gsl_vector_set(alpha, a, gp->y[a] - mean);
            /* alpha = L^-T L^-1 r, and r'K^-1 r = |L^-1 r|^2 */
            gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, L, alpha);
            gsl_blas_ddot(alpha, alpha, &quad);
            gsl_blas_dtrsv(CblasLower, CblasTrans, CblasNonUnit, L, alpha);
            for (size_t a = 0; a < n; a++)
                logdet += 2 * log(gsl_matrix_get(L, a, a));
            *lml = -0.5 * quad - 0.5 * logdet - 0.5 * (double)n * log(2 * M_PI);
            return 0;
        }
        jitter = jitter == 0 ? 1e-10 * signal : jitter * 10;
    }
    return -1;
}

/* Brings the cache up to date. gp is logically const: only the cache changes. */
static int refresh(const rs_gp *cgp)
{
    rs_gp *gp = (rs_gp *)cgp;
    if (gp->fresh)
        return gp->factored ? 0 : -1;
    gsl_matrix_free(gp->L);
    gsl_vector_free(gp->alpha);
    gp->L = NULL, gp->alpha = NULL, gp->factored = 0, gp->lml = -INFINITY;
    if (gp->n == 0) {
        gp->fresh = gp->factored = 1, gp->lml = 0;
        return 0;
    }
    gp->L = gsl_matrix_alloc(gp->n, gp->n);
    gp->alpha = gsl_vector_alloc(gp->n);
    if (!gp->L || !gp->alpha)
        return -1; /* not fresh: retried next time */
    gsl_matrix *Kk = gsl_matrix_alloc(gp->n, gp->n);
    if (!Kk)
        return -1;
    kernel_matrix(gp, gp->ls, gp->signal, Kk, NULL);
    gp->fresh = 1;
    gp->factored = factorise(gp, Kk, gp->signal, gp->extra, gp->mean, gp->L, gp->alpha, &gp->lml) == 0;
    gsl_matrix_free(Kk);
    if (!gp->factored)
        gp->lml = -INFINITY;
    return gp->factored ? 0 : -1;
}

rs_gp *rs_gp_alloc(size_t dim, rs_gp_kernel kernel)
{
    if (dim == 0 || (kernel != RS_GP_SE && kernel != RS_GP_MATERN52))
        return NULL;
    rs_gp *gp = calloc(1, sizeof *gp);
    if (!gp)
        return NULL;
    gp->dim = dim, gp->kernel = kernel;
    gp->ls = malloc(dim * sizeof *gp->ls);
    if (!gp->ls) {
        free(gp);
        return NULL;
    }
    for (size_t j = 0; j < dim; j++)
        gp->ls[j] = 0.3;
    gp->signal = 1, gp->extra = 1e-6, gp->mean = 0;
    return gp;
}

void rs_gp_free(rs_gp *gp)
{
    if (!gp)
        return;
    gsl_matrix_free(gp->L);
    gsl_vector_free(gp->alpha);
    free(gp->x);
    free(gp->y);
    free(gp->noise);
    free(gp->ls);
    free(gp);
}

int rs_gp_add(rs_gp *gp, const double *x, double y, double noise_var)
{
    if (!gp || !x || !isfinite(y) || !(noise_var >= 0) || !isfinite(noise_var))
        return -1;
    for (size_t j = 0; j < gp->dim; j++)
        if (!isfinite(x[j]))
            return -1;
    if (gp->n == gp->cap) {
        size_t cap = gp->cap ? 2 * gp->cap : 16;
        double *nx = realloc(gp->x, cap * gp->dim * sizeof *nx);
        if (!nx)
            return -1;
        gp->x = nx;
        double *ny = realloc(gp->y, cap * sizeof *ny);
        if (!ny)
            return -1;
        gp->y = ny;
        double *nn = realloc(gp->noise, cap * sizeof *nn);
        if (!nn)
            return -1;
        gp->noise = nn;
        gp->cap = cap;
    }
    memcpy(gp->x + gp->n * gp->dim, x, gp->dim * sizeof *x);
    gp->y[gp->n] = y;
    gp->noise[gp->n] = noise_var;
    gp->n++;
    gp->fresh = 0;
    return 0;
}

size_t rs_gp_size(const rs_gp *gp)
{
    return gp ? gp->n : 0;
}

size_t rs_gp_dim(const rs_gp *gp)
{
    return gp ? gp->dim : 0;
}

int rs_gp_set_hyper(rs_gp *gp, const double *length_scales, double signal_var, double extra_noise_var, double mean)
{
    if (!gp || !length_scales || !(signal_var > 0) || !isfinite(signal_var) || !(extra_noise_var >= 0) ||
        !isfinite(extra_noise_var) || !isfinite(mean))
        return -1;
    for (size_t j = 0; j < gp->dim; j++)
        if (!(length_scales[j] > 0) || !isfinite(length_scales[j]))
            return -1;
    memcpy(gp->ls, length_scales, gp->dim * sizeof *gp->ls);
    gp->signal = signal_var, gp->extra = extra_noise_var, gp->mean = mean;
    gp->fresh = 0;
    return 0;
}

int rs_gp_get_hyper(const rs_gp *gp, double *length_scales, double *signal_var, double *extra_noise_var,
                    double *mean)
{
    if (!gp)
        return -1;
    if (length_scales)
        memcpy(length_scales, gp->ls, gp->dim * sizeof *gp->ls);
    if (signal_var)
        *signal_var = gp->signal;
    if (extra_noise_var)
        *extra_noise_var = gp->extra;
    if (mean)
        *mean = gp->mean;
    return 0;
}

double rs_gp_lml(const rs_gp *gp)
{
    if (!gp)
        return -INFINITY;
    refresh(gp);
    return gp->lml;
}

int rs_gp_predict(const rs_gp *gp, const double *x, double *mean, double *var)
{
    if (!gp || !x || !mean || !var)
        return -1;
    if (refresh(gp) != 0)
        return -1;
    size_t n = gp->n, d = gp->dim;
    if (n == 0) {
        *mean = gp->mean, *var = gp->signal;
        return 0;
    }
    gsl_vector *k = gsl_vector_alloc(n);
    if (!k)
        return -1;
    for (size_t a = 0; a < n; a++)
        gsl_vector_set(k, a, kernel_of_r2(gp->kernel, gp->signal, scaled_r2(d, gp->ls, x, gp->x + a * d)));
    double m = 0, vv = 0;
    gsl_blas_ddot(k, gp->alpha, &m);
    /* var = k(x,x) - k' K^-1 k = s2 - |L^-1 k|^2 */
    gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, gp->L, k);
    gsl_blas_ddot(k, k, &vv);
    gsl_vector_free(k);
    *mean = gp->mean + m;
    *var = fmax(gp->signal - vv, 0); /* rounding can make it slightly negative at an observed point */
    return 0;
}

/* ---- fitting ------------------------------------------------------------------------------------------ */

/* Parameters p = (log l_1..log l_d, log s2, log extra), each in [lo_j, hi_j], reached from unconstrained u by
 * p = lo + (hi - lo) sigmoid(u): BFGS then works without bounds and never leaves them. */
typedef struct fit_work {
    const rs_gp *gp;
    size_t np;
    double *lo, *hi;
    double *ls; /* [dim] scratch */
    gsl_matrix *L, *Kinv, *Kk, *G;
    gsl_vector *alpha;
    double mean;
} fit_work;

static double sigmoid(double u)
{
    return 1 / (1 + exp(-u));
}

/* -LML at u and, when grad is not NULL, its gradient in u. */
static double neg_lml(const gsl_vector *u, fit_work *w, gsl_vector *grad)
{
    const rs_gp *gp = w->gp;
    size_t d = gp->dim, n = gp->n;
    double p[w->np], dpdu[w->np];
    for (size_t j = 0; j < w->np; j++) {
        double s = sigmoid(gsl_vector_get(u, j));
        p[j] = w->lo[j] + (w->hi[j] - w->lo[j]) * s;
        dpdu[j] = (w->hi[j] - w->lo[j]) * s * (1 - s);
    }
    for (size_t j = 0; j < d; j++)
        w->ls[j] = exp(p[j]);
    double signal = exp(p[d]), extra = exp(p[d + 1]), lml;
    kernel_matrix(gp, w->ls, signal, w->Kk, grad ? w->G : NULL);
    if (factorise(gp, w->Kk, signal, extra, w->mean, w->L, w->alpha, &lml) != 0) {
        if (grad)
            gsl_vector_set_zero(grad);
        return 1e300; /* steers the line search back */
    }
    if (!grad)
        return -lml;
    /* dLML/dp_j = tr((alpha alpha' - K^-1) dK/dp_j) / 2, summed over the lower triangle (off-diagonal twice). */
    gsl_matrix_memcpy(w->Kinv, w->L);
    gsl_linalg_cholesky_invert(w->Kinv);
    double g[w->np];
    memset(g, 0, sizeof g);
    for (size_t a = 0; a < n; a++) {
        const double *xa = gp->x + a * d;
        double aa = gsl_vector_get(w->alpha, a);
        for (size_t b = 0; b < a; b++) {
            const double *xb = gp->x + b * d;
            double wab = 2 * (aa * gsl_vector_get(w->alpha, b) - gsl_matrix_get(w->Kinv, a, b));
            double f = wab * gsl_matrix_get(w->G, a, b);
            for (size_t j = 0; j < d; j++) {
                double dj = (xa[j] - xb[j]) / w->ls[j];
                g[j] += f * dj * dj;
            }
            g[d] += wab * gsl_matrix_get(w->Kk, a, b);
        }
        double waa = aa * aa - gsl_matrix_get(w->Kinv, a, a);
        g[d] += waa * gsl_matrix_get(w->Kk, a, a);
        g[d + 1] += waa * extra;
    }
    for (size_t j = 0; j < w->np; j++)
        gsl_vector_set(grad, j, -0.5 * g[j] * dpdu[j]);
    return -lml;
}

static double fit_f(const gsl_vector *u, void *params)
{
    return neg_lml(u, params, NULL);
}

static void fit_df(const gsl_vector *u, void *params, gsl_vector *grad)
{
    neg_lml(u, params, grad);
}

static void fit_fdf(const gsl_vector *u, void *params, double *f, gsl_vector *grad)
{
    *f = neg_lml(u, params, grad);
}

/* u of a parameter value, kept a little inside the bounds so the sigmoid's slope does not vanish. */
static double to_u(double p, double lo, double hi)
{
    double s = (p - lo) / (hi - lo);
    s = fmin(fmax(s, 1e-3), 1 - 1e-3);
    return log(s / (1 - s));
}

int rs_gp_fit(rs_gp *gp, uint64_t seed, int n_starts)
{
    if (!gp)
        return -1;
    size_t n = gp->n, d = gp->dim, np = d + 2;
    if (n == 0)
        return 0;
    double mean = 0, s2y = 0;
    for (size_t a = 0; a < n; a++)
        mean += gp->y[a];
    mean /= (double)n;
    for (size_t a = 0; a < n; a++)
        s2y += (gp->y[a] - mean) * (gp->y[a] - mean);
    s2y = n > 1 ? s2y / (double)(n - 1) : 0;
    if (!(s2y > 0))
        s2y = 1;
    if (n_starts < 1)
        n_starts = 1;

    double lo[np], hi[np], ls[d], best_u[np];
    for (size_t j = 0; j < d; j++)
        lo[j] = log(RS_GP_LS_MIN), hi[j] = log(RS_GP_LS_MAX);
    lo[d] = log(RS_GP_SIGNAL_MIN * s2y), hi[d] = log(RS_GP_SIGNAL_MAX * s2y);
    lo[d + 1] = log(RS_GP_NOISE_MIN * s2y), hi[d + 1] = log(RS_GP_NOISE_MAX * s2y);

    fit_work w = {.gp = gp, .np = np, .lo = lo, .hi = hi, .ls = ls, .mean = mean};
    w.L = gsl_matrix_alloc(n, n);
    w.Kinv = gsl_matrix_alloc(n, n);
    w.Kk = gsl_matrix_alloc(n, n);
    w.G = gsl_matrix_alloc(n, n);
    w.alpha = gsl_vector_alloc(n);
    gsl_vector *u = gsl_vector_alloc(np);
    gsl_rng *rng = rs_rng_alloc(seed, 0, 0);
    gsl_multimin_fdfminimizer *m = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, np);
    int status = -1;
    if (!w.L || !w.Kinv || !w.Kk || !w.G || !w.alpha || !u || !rng || !m)
        goto done;

    gsl_multimin_function_fdf fn = {.f = fit_f, .df = fit_df, .fdf = fit_fdf, .n = np, .params = &w};
    double best = INFINITY;
    for (int s = 0; s < n_starts; s++) {
        if (s == 0) { /* warm start: the current hyper-parameters */
            for (size_t j = 0; j < d; j++)
                gsl_vector_set(u, j, to_u(log(gp->ls[j]), lo[j], hi[j]));
            gsl_vector_set(u, d, to_u(log(gp->signal), lo[d], hi[d]));
            gsl_vector_set(u, d + 1, to_u(log(fmax(gp->extra, 1e-300)), lo[d + 1], hi[d + 1]));
        } else { /* random: length scales 0.05..2, signal around s2y, extra noise 1e-6..1e-1 of s2y */
            for (size_t j = 0; j < d; j++)
                gsl_vector_set(u, j, to_u(log(0.05) + rs_rng_uniform(rng) * log(40.0), lo[j], hi[j]));
            gsl_vector_set(u, d, to_u(log(s2y) + (rs_rng_uniform(rng) * 3 - 1), lo[d], hi[d]));
            gsl_vector_set(u, d + 1, to_u(log(s2y) + log(10.0) * (rs_rng_uniform(rng) * 5 - 6), lo[d + 1], hi[d + 1]));
        }
        double f0 = fit_f(u, &w);
        if (f0 < best) {
            best = f0;
            for (size_t j = 0; j < np; j++)
                best_u[j] = gsl_vector_get(u, j);
        }
        gsl_multimin_fdfminimizer_set(m, &fn, u, 0.1, 0.1);
        double prev = gsl_multimin_fdfminimizer_minimum(m);
        for (int it = 0; it < 100; it++) {
            if (gsl_multimin_fdfminimizer_iterate(m) != GSL_SUCCESS)
                break; /* no further progress */
            double cur = gsl_multimin_fdfminimizer_minimum(m);
            /* Stop when an iteration gains less than 1e-4 in LML (immaterial to the posterior; near the bounds
             * the gradient in u can stay above the tolerance for many tiny steps). */
            if (prev - cur < 1e-4 ||
                gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(m), 1e-3) == GSL_SUCCESS)
                break;
            prev = cur;
        }
        double f = gsl_multimin_fdfminimizer_minimum(m);
        if (isfinite(f) && f < best) {
            best = f;
            const gsl_vector *x = gsl_multimin_fdfminimizer_x(m);
            for (size_t j = 0; j < np; j++)
                best_u[j] = gsl_vector_get(x, j);
        }
    }
    if (isfinite(best)) {
        for (size_t j = 0; j < np; j++) {
            double p = lo[j] + (hi[j] - lo[j]) * sigmoid(best_u[j]);
            if (j < d)
                gp->ls[j] = exp(p);
            else if (j == d)
                gp->signal = exp(p);
            else
                gp->extra = exp(p);
        }
    }
    gp->mean = mean;
    gp->fresh = 0;
    status = 0;
done:
    gsl_multimin_fdfminimizer_free(m);
    gsl_rng_free(rng);
    gsl_vector_free(u);
    gsl_vector_free(w.alpha);
    gsl_matrix_free(w.G);
    gsl_matrix_free(w.Kk);
    gsl_matrix_free(w.Kinv);
    gsl_matrix_free(w.L);
    return status;
}

/* ---- acquisition helpers ------------------------------------------------------------------------------ */

double rs_gp_normal_cdf(double z)
{
    return 0.5 * erfc(-z / M_SQRT2);
}

double rs_gp_ei(double mean, double sd, double best)
{
    if (!(sd > 0))
        return fmax(best - mean, 0);
    double z = (best - mean) / sd;
    double phi = exp(-0.5 * z * z) / sqrt(2 * M_PI);
    return fmax(sd * (z * rs_gp_normal_cdf(z) + phi), 0);
}

double rs_gp_lcb(double mean, double sd, double beta)
{
    return mean - beta * sd;
}

double rs_gp_ucb(double mean, double sd, double beta)
{
    return mean + beta * sd;
}

double rs_gp_prob_below(double mean, double sd, double threshold)
{
    if (!(sd > 0))
        return mean <= threshold ? 1 : 0;
    return rs_gp_normal_cdf((threshold - mean) / sd);
}

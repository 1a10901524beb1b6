/* Ask/tell constrained Bayesian optimisation: see optimize.h. */
#include "optimize.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_multimin.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>

#include "rng.h"

/* Tuning, chosen on the tests' problems (Branin, Forrester, constrained quadratics) to stay fast. */
#define BO_CAND_BASE 256         /* quasi-random candidates: BASE + PER_DIM * dim */
#define BO_CAND_PER_DIM 128
#define BO_LOCAL_CENTRES 3       /* best points around which candidates are perturbed */
#define BO_LOCAL_PER_CENTRE 32
#define BO_LOCAL_SD 0.05
#define BO_REFINE 4              /* best candidates refined by Nelder-Mead */
#define BO_REFINE_ITERS 80
#define BO_LHS_TRIES 20          /* Latin hypercubes drawn; the one with the largest minimum distance kept */
#define BO_FIT_FULL_EVERY 5      /* multi-start fits every 5 tells; warm-started single fits in between */
#define BO_DUP_TOL 1e-9

struct rs_bo {
    rs_bo_options o;
    size_t n;        /* evaluations told */
    double *x;       /* [budget * dim] */
    double *y, *yv;  /* [budget] */
    double *c, *cv;  /* [budget * n_constraints] */
    double *design;  /* [n_initial * dim] */
    rs_gp *fgp;      /* objective */
    rs_gp **cgp;     /* [n_constraints] */
};

/* ---- helpers --------------------------------------------------------------------------------------------- */

static void clamp01(double *x, size_t d)
{
    for (size_t j = 0; j < d; j++)
        x[j] = x[j] < 0 ? 0 : x[j] > 1 ? 1 : x[j];
}

/* Whether x lies within tol (in every coordinate) of an evaluated point. */
static int near_evaluated(const rs_bo *bo, const double *x, double tol)
{
    size_t d = bo->o.dim;
    for (size_t i = 0; i < bo->n; i++) {
        const double *e = bo->x + i * d;
        size_t j = 0;
        while (j < d && fabs(e[j] - x[j]) <= tol)
            j++;
        if (j == d)
            return 1;
    }
    return 0;
}

static int is_evaluated(const rs_bo *bo, const double *x)
{
    return near_evaluated(bo, x, BO_DUP_TOL);
}

/* Snaps (when the caller gave a snap) and clamps x in place. */
static void snap(const rs_bo *bo, double *x)
{
    clamp01(x, bo->o.dim);
    if (bo->o.snap) {
        bo->o.snap(x, bo->o.snap_ctx);
        clamp01(x, bo->o.dim);
    }
}

static int point_feasible(const rs_bo *bo, size_t i)
{
    if (isnan(bo->y[i]))
        return 0;
    for (size_t k = 0; k < bo->o.n_constraints; k++) {
        double c = bo->c[i * bo->o.n_constraints + k];
        if (isnan(c) || c > 0)
            return 0;
    }
    return 1;
}

static double violation(const rs_bo *bo, size_t i)
{
    if (isnan(bo->y[i]))
        return INFINITY;
    double v = 0;
    for (size_t k = 0; k < bo->o.n_constraints; k++) {
        double c = bo->c[i * bo->o.n_constraints + k];
        if (isnan(c))
            return INFINITY;
        v += fmax(c, 0);
    }
    return v;
}

static double post_mean(const rs_gp *gp, const double *x)
{
    double m, v;
    if (rs_gp_size(gp) == 0 || rs_gp_predict(gp, x, &m, &v) != 0)
        return NAN;
    return m;
}

/* log Phi(z), also far in the lower tail (erfc underflows below z = -37; then the first term of the
 * asymptotic series, Abramowitz & Stegun 26.2.12). */
static double log_cdf(double z)
{
    if (z > -30)
        return log(rs_gp_normal_cdf(z));
    return -0.5 * z * z - log(-z) - 0.5 * log(2 * M_PI);
}

/* log P(c <= 0) for c ~ N(m, sd^2). */
static double log_cdf_or_step(double m, double sd)
{
    if (!(sd > 0))
        return m <= 0 ? 0 : -INFINITY;
    return log_cdf(-m / sd);
}

/* log EI, accurate where EI itself underflows or cancels: for z < -6, z Phi(z) + phi(z) = phi(z) / z^2 (1 -
 * 3 / z^2 + 15 / z^4 - ...) (asymptotic series of the Mills ratio), else the direct formula. */
static double log_ei(double mean, double sd, double best)
{
    if (!(sd > 0))
        return best > mean ? log(best - mean) : -INFINITY;
    double z = (best - mean) / sd;
    if (z > -6)
        return log(rs_gp_ei(mean, sd, best));
    double z2 = z * z;
    return log(sd) - 0.5 * z2 - 0.5 * log(2 * M_PI) - log(z2) + log1p(-3 / z2 + 15 / (z2 * z2));
}

/* ---- allocation ---------------------------------------------------------------------------------------- */

rs_bo *rs_bo_alloc(const rs_bo_options *o)
{
    if (!o || o->dim == 0 || o->budget == 0 || (o->kernel != RS_GP_SE && o->kernel != RS_GP_MATERN52))
        return NULL;
    rs_bo *bo = calloc(1, sizeof *bo);
    if (!bo)
        return NULL;
    bo->o = *o;
    size_t d = o->dim, nc = o->n_constraints, b = o->budget;
    if (bo->o.n_initial == 0)
        bo->o.n_initial = 2 * d + 1 > 5 ? 2 * d + 1 : 5;
    if (bo->o.n_initial > b)
        bo->o.n_initial = b;
    size_t ni = bo->o.n_initial;
    bo->x = malloc(b * d * sizeof *bo->x);
    bo->y = malloc(b * sizeof *bo->y);
    bo->yv = malloc(b * sizeof *bo->yv);
    bo->c = malloc((b * nc + 1) * sizeof *bo->c);
    bo->cv = malloc((b * nc + 1) * sizeof *bo->cv);
    bo->design = malloc(ni * d * sizeof *bo->design);
    bo->cgp = calloc(nc + 1, sizeof *bo->cgp);
    bo->fgp = rs_gp_alloc(d, o->kernel);
    if (!bo->x || !bo->y || !bo->yv || !bo->c || !bo->cv || !bo->design || !bo->cgp || !bo->fgp)
        goto fail;
    for (size_t k = 0; k < nc; k++)
        if (!(bo->cgp[k] = rs_gp_alloc(d, o->kernel)))
            goto fail;

    /* Maximin Latin hypercube: stratum perm_j[i] of each input, uniform inside it. */
    gsl_rng *r = rs_rng_alloc(o->seed, 0, 2);
    size_t *perm = malloc(ni * sizeof *perm);
    double *trial = malloc(ni * d * sizeof *trial);
    if (!r || !perm || !trial) {
        gsl_rng_free(r), free(perm), free(trial);
        goto fail;
    }
    double best_sep = -1;
    for (int t = 0; t < BO_LHS_TRIES; t++) {
        for (size_t j = 0; j < d; j++) {
            for (size_t i = 0; i < ni; i++)
                perm[i] = i;
            gsl_ran_shuffle(r, perm, ni, sizeof *perm);
            for (size_t i = 0; i < ni; i++)
                trial[i * d + j] = ((double)perm[i] + rs_rng_uniform(r)) / (double)ni;
        }
        double sep = INFINITY;
        for (size_t a = 0; a < ni; a++)
            for (size_t b2 = 0; b2 < a; b2++) {
                double s = 0;
                for (size_t j = 0; j < d; j++)
                    s += (trial[a * d + j] - trial[b2 * d + j]) * (trial[a * d + j] - trial[b2 * d + j]);
                sep = fmin(sep, s);
            }
        if (sep > best_sep) {
            best_sep = sep;
            memcpy(bo->design, trial, ni * d * sizeof *trial);
        }
    }
    gsl_rng_free(r), free(perm), free(trial);
    return bo;
fail:
    rs_bo_free(bo);
    return NULL;
}

void rs_bo_free(rs_bo *bo)
{
    if (!bo)
        return;
    if (bo->cgp)
        for (size_t k = 0; k < bo->o.n_constraints; k++)
            rs_gp_free(bo->cgp[k]);
    free(bo->cgp);
    rs_gp_free(bo->fgp);
    free(bo->x), free(bo->y), free(bo->yv), free(bo->c), free(bo->cv), free(bo->design);
    free(bo);
}

size_t rs_bo_count(const rs_bo *bo)
{
    return bo ? bo->n : 0;
}

const double *rs_bo_x(const rs_bo *bo, size_t i)
{
    return bo && i < bo->n ? bo->x + i * bo->o.dim : NULL;
}

/* ---- tell ---------------------------------------------------------------------------------------------- */

/* Refits a model after a tell: several starts at first and every BO_FIT_FULL_EVERY tells, else one warm start
 * from the previous optimum. Depends only on the tells, so ask stays a function of them. */
static void refit(rs_gp *gp, uint64_t seed, size_t n, size_t k)
{
    if (rs_gp_size(gp) < 2)
        return;
    int starts = (rs_gp_size(gp) <= 8 || n % BO_FIT_FULL_EVERY == 0) ? 3 : 1;
    rs_gp_fit(gp, rs_splitmix64(seed ^ (UINT64_C(0x100000001B3) * (n + 1) + k)), starts);
}

int rs_bo_tell(rs_bo *bo, const double *x, double y, double y_var, const double *c, const double *c_var)
{
    size_t d = bo ? bo->o.dim : 0, nc = bo ? bo->o.n_constraints : 0;
    if (!bo || !x || bo->n >= bo->o.budget || !(y_var >= 0) || (nc > 0 && !c))
        return -1;
    for (size_t j = 0; j < d; j++)
        if (!isfinite(x[j]))
            return -1;
    for (size_t k = 0; k < nc && c_var; k++)
        if (!(c_var[k] >= 0))
            return -1;
    size_t i = bo->n;
    double *xi = bo->x + i * d;
    memcpy(xi, x, d * sizeof *x);
    clamp01(xi, d);
    bo->y[i] = isfinite(y) ? y : NAN; /* an infinite value is a failure too: a GP cannot take it */
    bo->yv[i] = y_var;
    for (size_t k = 0; k < nc; k++) {
        bo->c[i * nc + k] = isfinite(c[k]) ? c[k] : NAN;
        bo->cv[i * nc + k] = c_var ? c_var[k] : 0;
    }
    if (!isnan(bo->y[i]) && rs_gp_add(bo->fgp, xi, bo->y[i], y_var) != 0)
        return -1;
    for (size_t k = 0; k < nc; k++)
        if (!isnan(bo->c[i * nc + k]) && rs_gp_add(bo->cgp[k], xi, bo->c[i * nc + k], bo->cv[i * nc + k]) != 0)
            return -1;
    bo->n++;
    refit(bo->fgp, bo->o.seed, bo->n, 0);
    for (size_t k = 0; k < nc; k++)
        refit(bo->cgp[k], bo->o.seed, bo->n, k + 1);
    return 0;
}

/* ---- best ---------------------------------------------------------------------------------------------- */

size_t rs_bo_best(rs_bo *bo, int *feasible)
{
    if (feasible)
        *feasible = 0;
    if (!bo || bo->n == 0)
        return (size_t)-1;
    size_t d = bo->o.dim, best = (size_t)-1;
    double best_m = INFINITY;
    for (size_t i = 0; i < bo->n; i++) {
        if (!point_feasible(bo, i))
            continue;
        double m = post_mean(bo->fgp, bo->x + i * d);
        if (isnan(m))
            m = bo->y[i];
        if (best == (size_t)-1 || m < best_m)
            best = i, best_m = m;
    }
    if (best != (size_t)-1) {
        if (feasible)
            *feasible = 1;
        return best;
    }
    double best_v = INFINITY;
    best = 0, best_m = INFINITY;
    for (size_t i = 0; i < bo->n; i++) {
        double v = violation(bo, i);
        double m = isnan(bo->y[i]) ? INFINITY : post_mean(bo->fgp, bo->x + i * d);
        if (isnan(m))
            m = INFINITY;
        if (v < best_v || (v == best_v && m < best_m))
            best = i, best_v = v, best_m = m;
    }
    return best;
}

/* ---- ask ----------------------------------------------------------------------------------------------- */

typedef enum acq_mode {
    ACQ_CEI,      /* log EI + sum_k log P(c_k <= 0) */
    ACQ_FEASIBLE, /* sum_k log P(c_k <= 0): nothing feasible yet */
    ACQ_SPREAD    /* no model to use (every evaluation failed): distance to the evaluated points */
} acq_mode;

typedef struct acq_ctx {
    const rs_bo *bo;
    acq_mode mode;
    double best; /* incumbent for EI */
    double *tmp; /* [dim] */
} acq_ctx;

static double acquisition(const acq_ctx *a, const double *x)
{
    const rs_bo *bo = a->bo;
    size_t d = bo->o.dim;
    if (a->mode == ACQ_SPREAD) {
        double dmin = INFINITY;
        for (size_t i = 0; i < bo->n; i++) {
            double s = 0;
            for (size_t j = 0; j < d; j++)
                s += (bo->x[i * d + j] - x[j]) * (bo->x[i * d + j] - x[j]);
            dmin = fmin(dmin, s);
        }
        return dmin;
    }
    double v = 0, m, var;
    for (size_t k = 0; k < bo->o.n_constraints; k++) {
        if (rs_gp_size(bo->cgp[k]) == 0)
            continue; /* nothing known of c_k: no penalty */
        if (rs_gp_predict(bo->cgp[k], x, &m, &var) != 0)
            return -INFINITY;
        v += log_cdf_or_step(m, sqrt(var));
    }
    if (a->mode == ACQ_CEI) {
        if (rs_gp_predict(bo->fgp, x, &m, &var) != 0)
            return -INFINITY;
        v += log_ei(m, sqrt(var), a->best);
    }
    return isnan(v) ? -INFINITY : v;
}

/* Nelder-Mead minimises -acquisition; points outside the cube are judged at their projection. */
static double nm_f(const gsl_vector *v, void *params)
{
    acq_ctx *a = params;
    size_t d = a->bo->o.dim;
    for (size_t j = 0; j < d; j++)
        a->tmp[j] = gsl_vector_get(v, j);
    clamp01(a->tmp, d);
    double f = -acquisition(a, a->tmp);
    return isfinite(f) ? f : DBL_MAX;
}

typedef struct scored {
    double score;
    size_t idx;
} scored;

/* Highest score first; ties by index, so the order (hence ask) is deterministic. */
static int by_score_desc(const void *pa, const void *pb)
{
    const scored *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Up to max evaluated points that look best (the feasible by posterior mean, then the others by
 * violation): the centres of the local candidates. Returns how many. */
static size_t good_points(rs_bo *bo, size_t *out, size_t max)
{
    size_t n = bo->n, d = bo->o.dim, m = 0, got = 0;
    scored *s = malloc(n * sizeof *s);
    if (!s)
        return 0;
    for (int pass = 0; pass < 2 && got < max; pass++) {
        m = 0;
        for (size_t i = 0; i < n; i++) {
            int feas = point_feasible(bo, i);
            double v = violation(bo, i);
            if (pass == 0 && feas) {
                double pm = post_mean(bo->fgp, bo->x + i * d);
                s[m].score = -(isnan(pm) ? bo->y[i] : pm), s[m++].idx = i;
            } else if (pass == 1 && !feas && isfinite(v))
                s[m].score = -v, s[m++].idx = i;
        }
        qsort(s, m, sizeof *s, by_score_desc);
        for (size_t i = 0; i < m && got < max; i++)
            out[got++] = s[i].idx;
    }
    free(s);
    return got;
}

int rs_bo_ask(rs_bo *bo, double *x)
{
    if (!bo || !x || bo->n >= bo->o.budget)
        return -1;
    size_t d = bo->o.dim, n = bo->n;

    /* Space-filling start. */
    for (size_t i = n; i < bo->o.n_initial; i++) {
        memcpy(x, bo->design + i * d, d * sizeof *x);
        snap(bo, x);
        if (!is_evaluated(bo, x))
            return 0;
    }

    acq_ctx a = {.bo = bo, .mode = ACQ_SPREAD, .best = INFINITY};
    for (size_t i = 0; i < n; i++)
        if (point_feasible(bo, i)) {
            double m = post_mean(bo->fgp, bo->x + i * d);
            a.best = fmin(a.best, isnan(m) ? bo->y[i] : m);
        }
    if (isfinite(a.best))
        a.mode = ACQ_CEI;
    else if (bo->o.n_constraints > 0 && n > 0)
        a.mode = ACQ_FEASIBLE;

    size_t n_quasi = BO_CAND_BASE + BO_CAND_PER_DIM * d;
    size_t n_cand = n_quasi + BO_LOCAL_CENTRES * BO_LOCAL_PER_CENTRE + BO_REFINE;
    double *cand = malloc(n_cand * d * sizeof *cand);
    scored *sc = malloc(n_cand * sizeof *sc);
    a.tmp = malloc(d * sizeof *a.tmp);
    gsl_rng *r = rs_rng_alloc(bo->o.seed, (uint32_t)(n & 0xFFFFFF), 1);
    gsl_qrng *q = d <= 40 ? gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)d) : NULL;
    double *shift = malloc(d * sizeof *shift);
    gsl_vector *v = gsl_vector_alloc(d), *step = gsl_vector_alloc(d);
    gsl_multimin_fminimizer *nm = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, d);
    int status = -1;
    if (!cand || !sc || !a.tmp || !shift || !r || (d <= 40 && !q) || !v || !step || !nm)
        goto done;

    /* Sobol points shifted by one random vector modulo 1 (Cranley-Patterson rotation): each ask sees a
     * different, still evenly spread set. Past 40 inputs (Sobol's limit in GSL): plain uniforms. */
    size_t m = 0;
    for (size_t j = 0; j < d; j++)
        shift[j] = rs_rng_uniform(r);
    for (; m < n_quasi; m++) {
        double *c = cand + m * d;
        if (q) {
            gsl_qrng_get(q, c);
            for (size_t j = 0; j < d; j++)
                c[j] = fmod(c[j] + shift[j], 1.0);
        } else
            for (size_t j = 0; j < d; j++)
                c[j] = rs_rng_uniform(r);
    }
    /* Perturbations of the best points: EI's maximum is often next to the incumbent. */
    size_t centres[BO_LOCAL_CENTRES];
    size_t n_centres = a.mode == ACQ_SPREAD ? 0 : good_points(bo, centres, BO_LOCAL_CENTRES);
    for (size_t k = 0; k < n_centres; k++)
        for (size_t t = 0; t < BO_LOCAL_PER_CENTRE; t++, m++) {
            double *c = cand + m * d;
            for (size_t j = 0; j < d; j++)
                c[j] = bo->x[centres[k] * d + j] + gsl_ran_gaussian(r, BO_LOCAL_SD);
            clamp01(c, d);
        }
    for (size_t i = 0; i < m; i++)
        sc[i].score = acquisition(&a, cand + i * d), sc[i].idx = i;
    qsort(sc, m, sizeof *sc, by_score_desc);

    /* Nelder-Mead from the best few. */
    size_t n_ref = m < BO_REFINE ? m : BO_REFINE, m0 = m;
    gsl_vector_set_all(step, 0.05);
    gsl_multimin_function fn = {.f = nm_f, .n = d, .params = &a};
    for (size_t k = 0; k < n_ref && a.mode != ACQ_SPREAD; k++) {
        if (!isfinite(sc[k].score))
            break;
        for (size_t j = 0; j < d; j++)
            gsl_vector_set(v, j, cand[sc[k].idx * d + j]);
        gsl_multimin_fminimizer_set(nm, &fn, v, step);
        for (int it = 0; it < BO_REFINE_ITERS; it++) {
            if (gsl_multimin_fminimizer_iterate(nm) != GSL_SUCCESS)
                break;
            if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(nm), 1e-5) == GSL_SUCCESS)
                break;
        }
        double *c = cand + m * d;
        for (size_t j = 0; j < d; j++)
            c[j] = gsl_vector_get(gsl_multimin_fminimizer_x(nm), j);
        clamp01(c, d);
        sc[m].score = acquisition(&a, c), sc[m].idx = m;
        m++;
    }
    if (m > m0)
        qsort(sc, m, sizeof *sc, by_score_desc);

    /* The best candidate that, snapped, keeps its distance (min_separation) from the evaluated points; failing
     * that, the best that is not one of them. */
    for (size_t i = 0; i < m && bo->o.min_separation > BO_DUP_TOL; i++) {
        memcpy(x, cand + sc[i].idx * d, d * sizeof *x);
        snap(bo, x);
        if (!near_evaluated(bo, x, bo->o.min_separation)) {
            status = 0;
            goto done;
        }
    }
    for (size_t i = 0; i < m; i++) {
        memcpy(x, cand + sc[i].idx * d, d * sizeof *x);
        snap(bo, x);
        if (!is_evaluated(bo, x)) {
            status = 0;
            goto done;
        }
    }
    /* Every candidate snapped onto an evaluated point: try random points before giving up. */
    for (int t = 0; t < 1000; t++) {
        for (size_t j = 0; j < d; j++)
            x[j] = rs_rng_uniform(r);
        snap(bo, x);
        if (!is_evaluated(bo, x)) {
            status = 0;
            goto done;
        }
    }
done:
    gsl_multimin_fminimizer_free(nm);
    gsl_vector_free(step);
    gsl_vector_free(v);
    gsl_qrng_free(q);
    gsl_rng_free(r);
    free(shift);
    free(a.tmp);
    free(sc);
    free(cand);
    return status;
}

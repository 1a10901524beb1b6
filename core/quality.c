#include "quality.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>

void rs_quality_cells(double pi, double r, double sp, double p[4])
{
    p[RS_LABEL_TP] = pi * r;
    p[RS_LABEL_FP] = (1 - pi) * (1 - sp);
    p[RS_LABEL_FN] = pi * (1 - r);
    p[RS_LABEL_TN] = (1 - pi) * sp;
}

double rs_quality_precision(double pi, double r, double sp)
{
    double tp = pi * r, fp = (1 - pi) * (1 - sp);
    return tp + fp > 0 ? tp / (tp + fp) : NAN;
}

double rs_quality_accuracy(double pi, double r, double sp)
{
    return pi * r + (1 - pi) * sp;
}

double rs_quality_f1(double pi, double r, double sp)
{
    /* F1 = 2 TP / (2 TP + FP + FN), in expected counts */
    double tp = pi * r, fp = (1 - pi) * (1 - sp), fn = pi * (1 - r);
    return 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : NAN;
}

double rs_quality_specificity(int kind, double pi, double r, double x)
{
    double sp = NAN;
    switch (kind) {
    case RS_QP_SPECIFICITY: sp = x; break;
    case RS_QP_FALSE_POSITIVE_RATE: sp = 1 - x; break;
    case RS_QP_PRECISION: /* x = pi r / (pi r + (1 - pi)(1 - sp)) */
        if (x > 0 && pi < 1)
            sp = 1 - pi * r * (1 - x) / (x * (1 - pi));
        break;
    case RS_QP_ACCURACY: /* x = pi r + (1 - pi) sp */
        if (pi < 1)
            sp = (x - pi * r) / (1 - pi);
        break;
    case RS_QP_F1: /* F1 = 2PR / (P + R): P = F1 R / (2R - F1), then as precision */
        if (x > 0 && 2 * r - x > 0 && pi < 1) {
            double prec = x * r / (2 * r - x);
            if (prec <= 1)
                sp = 1 - pi * r * (1 - prec) / (prec * (1 - pi));
        }
        break;
    }
    return sp >= -1e-12 && sp <= 1 + 1e-12 ? fmin(1, fmax(0, sp)) : NAN;
}

/* G of one component: integral over [0, x] of the CDF. */
static double integral_one(int kind, double a, double b, double x)
{
    if (x <= 0)
        return 0;
    switch (kind) {
    case RS_DIST_FIXED: return x > a ? x - a : 0;
    case RS_DIST_EXPONENTIAL: return x - a * (1 - exp(-x / a));
    case RS_DIST_LOGNORMAL: { /* x F(x) - E[D; D <= x], E[D; D <= x] = e^(mu + s^2/2) Phi((ln x - mu - s^2) / s) */
        double z = (log(x) - a) / b;
        return x * gsl_cdf_ugaussian_P(z) - exp(a + b * b / 2) * gsl_cdf_ugaussian_P(z - b);
    }
    }
    return NAN;
}

static double cdf_one(int kind, double a, double b, double x)
{
    if (x < 0)
        return 0;
    switch (kind) {
    case RS_DIST_FIXED: return x >= a ? 1 : 0;
    case RS_DIST_EXPONENTIAL: return 1 - exp(-x / a);
    case RS_DIST_LOGNORMAL: return x > 0 ? gsl_cdf_ugaussian_P((log(x) - a) / b) : 0;
    }
    return NAN;
}

double rs_delay_cdf(const rs_dist *d, double x)
{
    if (d->kind != RS_DIST_CHOICE)
        return cdf_one(d->kind, d->a, d->b, x);
    double f = 0;
    for (size_t i = 0; i < d->n; i++)
        f += d->p[i] * cdf_one(RS_DIST_FIXED, d->v[i], 0, x);
    return f;
}

double rs_delay_integral(const rs_dist *d, double x)
{
    if (d->kind != RS_DIST_CHOICE)
        return integral_one(d->kind, d->a, d->b, x);
    double g = 0;
    for (size_t i = 0; i < d->n; i++)
        g += d->p[i] * integral_one(RS_DIST_FIXED, d->v[i], 0, x);
    return g;
}

double rs_delay_quantile(const rs_dist *d, double q)
{
    switch (d->kind) {
    case RS_DIST_EXPONENTIAL: return -d->a * log1p(-q);
    case RS_DIST_LOGNORMAL: return exp(d->a + d->b * gsl_cdf_ugaussian_Pinv(q));
    case RS_DIST_CHOICE: {
        double m = 0;
        for (size_t i = 0; i < d->n; i++)
            m = fmax(m, d->v[i]);
        return m;
    }
    default: return d->a;
    }
}

/* The statistics of the gates bayes, msprt and confseq (core/seqtest.c) against values computed independently
 * here: exact rationals and a brute-force Simpson sum of the Beta posteriors, Evan Miller's closed-form sum, the
 * Edgeworth expansion of the posterior difference at large counts, the formulas worked by hand; then Monte Carlo
 * under continuous monitoring: A/A type-I error of the sequential gates against their level (Ville's inequality),
 * the fixed z-test checked as often against the exact crossing probability of a Gaussian random walk (Armitage,
 * McPherson & Rowe 1969), power against the closed-form probability of firing at the last check, and the
 * calibration of the posterior probability under its own prior.
 *
 * Monte Carlo tolerances are 4 standard errors unless a comment argues otherwise: a two-sided false-failure
 * probability of 6e-5 per check for a normal estimate. Seeds are fixed. */
#include "check.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <stdio.h>
#include <stdlib.h>

#include "gates.h"
#include "rng.h"
#include "seqtest.h"

/* --- bayes: exact values ------------------------------------------------------------------------------------------ */

/* Hand-computed with exact rational arithmetic. x_c = 1 of n_c = 2 and x_b = 0 of n_b = 1 under Beta(1, 1) priors
 * give p_c ~ Beta(2, 2), survival Q_c(y) = 1 - 3y^2 + 2y^3, and p_b ~ Beta(1, 2), density 2(1 - p):
 *   P(p_c > p_b)       = int_0^1 2(1-p)(1 - 3p^2 + 2p^3) dp = 2 (1 - 1/2 - 1 + 5/4 - 2/5) = 7/10;
 *   P(p_c - p_b > 1/2) = int_0^{1/2} 2(1-p) Q_c(p + 1/2) dp, Q_c(p + 1/2) = 1/2 - 3p/2 + 2p^3, = 13/80. */
static void bayes_hand_computed(void **state)
{
    (void)state;
    assert_near(rs_bayes_prob_worse(1, 2, 0, 1, 0.0, 1, 1), 0.7, 1e-12);
    assert_near(rs_bayes_prob_worse(1, 2, 0, 1, 0.5, 1, 1), 13.0 / 80, 1e-12);
    /* No data: two independent uniforms, P(U - V > d) = (1 - d)^2 / 2 for d >= 0. */
    assert_near(rs_bayes_prob_worse(0, 0, 0, 0, 0.0, 1, 1), 0.5, 1e-12);
    assert_near(rs_bayes_prob_worse(0, 0, 0, 0, 0.3, 1, 1), 0.49 / 2, 1e-12);
    assert_near(rs_bayes_prob_worse(0, 0, 0, 0, -0.3, 1, 1), 1 - 0.49 / 2, 1e-12);
    /* Out-of-range delta and invalid input. */
    assert_true(rs_bayes_prob_worse(3, 10, 5, 10, -1.0, 1, 1) == 1.0);
    assert_true(rs_bayes_prob_worse(3, 10, 5, 10, 1.0, 1, 1) == 0.0);
    assert_true(isnan(rs_bayes_prob_worse(11, 10, 5, 10, 0.0, 1, 1)));
    assert_true(isnan(rs_bayes_prob_worse(3, 10, 5, 10, 0.0, 0, 1)));
    assert_true(isnan(rs_bayes_prob_worse(3, 10, 5, 10, 0.0, 1, -2)));
    assert_true(isnan(rs_bayes_prob_worse(3, 10, 5, 10, NAN, 1, 1)));
}

/* Beta(x + 1, n - x + 1) density and survival function from factorials and the binomial sum
 * 1 - I_y(x + 1, n - x + 1) = P(Binomial(n + 1, y) <= x), written out without GSL. */
static double post_pdf(unsigned x, unsigned n, double p)
{
    if (p <= 0 || p >= 1)
        return (p == 0 && x == 0) || (p == 1 && x == n) ? n + 1.0 : 0.0;
    return exp(lgamma(n + 2.0) - lgamma(x + 1.0) - lgamma(n - x + 1.0) + x * log(p) + (n - x) * log1p(-p));
}

static double post_sf(unsigned x, unsigned n, double y)
{
    if (y <= 0)
        return 1;
    if (y >= 1)
        return 0;
    double s = 0;
    for (unsigned j = 0; j <= x; j++)
        s += exp(lgamma(n + 2.0) - lgamma(j + 1.0) - lgamma(n + 2.0 - j) + j * log(y) + (n + 1.0 - j) * log1p(-y));
    return s;
}

/* int_lo^hi f_b(p) Q_c(p + delta) dp by composite Simpson with m panels (m even). */
static double simpson(unsigned xc, unsigned nc, unsigned xb, unsigned nb, double delta, double lo, double hi,
                      unsigned m)
{
    double h = (hi - lo) / m, s = 0;
    for (unsigned i = 0; i <= m; i++) {
        double p = lo + i * h, w = i == 0 || i == m ? 1 : i % 2 ? 4 : 2;
        s += w * post_pdf(xb, nb, p) * post_sf(xc, nc, p + delta);
    }
    return s * h / 3;
}

/* P(p_c - p_b > delta), uniform priors, brute force: the integrand is a polynomial on each side of the kink at
 * p = -delta (delta < 0: Q_c = 1 below it) or p = 1 - delta (delta > 0: Q_c = 0 above it), so Simpson is applied
 * on each piece separately. */
static double brute(unsigned xc, unsigned nc, unsigned xb, unsigned nb, double delta, unsigned m)
{
    if (delta >= 0)
        return simpson(xc, nc, xb, nb, delta, 0, 1 - delta, m);
    return simpson(xc, nc, xb, nb, delta, 0, -delta, m) + simpson(xc, nc, xb, nb, delta, -delta, 1, m);
}

/* Small counts against the brute-force sum. Simpson's error falls as m^-4, so the error of the sum with 2m panels
 * is about 1/15 of its difference from the sum with m panels; that difference is checked to be below 1e-10, so
 * the reference is good to ~1e-11, far better than the quadrature's target of 1e-9. */
static void bayes_small_counts_brute_force(void **state)
{
    (void)state;
    const struct {
        unsigned xc, nc, xb, nb;
        double delta;
    } cases[] = {
        {3, 20, 1, 20, 0.0},   {3, 20, 1, 20, 0.05}, {3, 20, 1, 20, -0.1}, {0, 10, 0, 10, 0.0}, {10, 30, 2, 50, 0.1},
        {5, 5, 0, 5, 0.5},     {0, 40, 6, 40, -0.2}, {1, 60, 4, 15, 0.0},  {12, 25, 9, 25, 0.02},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned xc = cases[i].xc, nc = cases[i].nc, xb = cases[i].xb, nb = cases[i].nb;
        double d = cases[i].delta;
        double s1 = brute(xc, nc, xb, nb, d, 20000), s2 = brute(xc, nc, xb, nb, d, 40000);
        assert_near(s1, s2, 1e-10);
        assert_near(rs_bayes_prob_worse(xc, nc, xb, nb, d, 1, 1), s2, 1e-9);
    }
}

/* Evan Miller, "Formulas for Bayesian A/B testing" (2015): for p_A ~ Beta(a_A, b_A), p_B ~ Beta(a_B, b_B) with
 * integer a_B, P(p_B > p_A) = sum_{i=0}^{a_B - 1} B(a_A + i, b_A + b_B) / ((b_B + i) B(1 + i, b_B) B(a_A, b_A)). */
static double miller(double aA, double bA, unsigned aB, double bB)
{
    double s = 0;
    for (unsigned i = 0; i < aB; i++)
        s += exp(gsl_sf_lnbeta(aA + i, bA + bB) - log(bB + i) - gsl_sf_lnbeta(1.0 + i, bB) - gsl_sf_lnbeta(aA, bA));
    return s;
}

/* delta = 0 at moderate counts, uniform and informative priors, against the closed-form sum (each term to ~1e-14
 * relative; a few hundred terms). */
static void bayes_closed_form_delta0(void **state)
{
    (void)state;
    const struct {
        unsigned xc, nc, xb, nb;
        double a, b;
    } cases[] = {
        {120, 5000, 100, 5000, 1, 1}, {30, 1000, 100, 10000, 1, 1}, {600, 10000, 500, 10000, 1, 1},
        {7, 300, 2, 250, 2, 50},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double a = cases[i].a, b = cases[i].b; /* integer a, so that the candidate's a_B = a + x_c is an integer */
        double exact = miller(a + cases[i].xb, b + cases[i].nb - cases[i].xb, (unsigned)(a + cases[i].xc),
                              b + cases[i].nc - cases[i].xc);
        assert_near(rs_bayes_prob_worse(cases[i].xc, cases[i].nc, cases[i].xb, cases[i].nb, 0.0, a, b), exact, 1e-9);
    }
}

/* P(p_c - p_b > d) + P(p_b - p_c > -d) = 1 (the difference has a density, so ties have probability 0), at small,
 * moderate and very large counts (the last ones go through the quadrature fallback of the distribution function). */
static void bayes_symmetry(void **state)
{
    (void)state;
    const struct {
        uint64_t xc, nc, xb, nb;
        double delta, a, b;
    } cases[] = {
        {3, 20, 1, 20, 0.0, 1, 1},
        {45, 900, 40, 1100, 0.0, 0.5, 0.5},
        {45, 900, 40, 1100, 0.01, 0.5, 0.5},
        {0, 500, 0, 700, 0.0, 1, 1},
        {600, 10000, 500, 10000, 0.005, 1, 1},
        {2000, 1000000, 10, 3000, 0.0, 1, 1},
        {1000000, 20000000, 999000, 20000000, 1e-5, 1, 1},
        {5000000, 100000000, 500, 10000, 0.0, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double p = rs_bayes_prob_worse(cases[i].xc, cases[i].nc, cases[i].xb, cases[i].nb, cases[i].delta, cases[i].a,
                                       cases[i].b);
        double q = rs_bayes_prob_worse(cases[i].xb, cases[i].nb, cases[i].xc, cases[i].nc, -cases[i].delta, cases[i].a,
                                       cases[i].b);
        assert_near(p + q, 1.0, 2e-9);
    }
}

/* Cumulants 1-4 of Beta(a, b). */
static void beta_cumulants(double a, double b, double k[4])
{
    double s = a + b;
    k[0] = a / s;
    k[1] = a * b / (s * s * (s + 1));
    k[2] = 2 * a * b * (b - a) / (s * s * s * (s + 1) * (s + 2));
    double exkurt = 6 * ((a - b) * (a - b) * (s + 1) - a * b * (s + 2)) / (a * b * (s + 2) * (s + 3));
    k[3] = exkurt * k[1] * k[1];
}

/* Large counts against the normal approximation with its Edgeworth corrections. D = p_c - p_b has cumulants
 * k1 = m_c - m_b, k2 = v_c + v_b, k3 = k3_c - k3_b, k4 = k4_c + k4_b; with s = (delta - k1)/sqrt(k2),
 * g1 = k3/k2^1.5, g2 = k4/k2^2,
 *   P(D <= delta) = Phi(s) - phi(s) [g1/6 He2(s) + g2/24 He3(s) + g1^2/72 He5(s)] + O(n^-3/2).
 * The omitted order-n^-3/2 term is phi(s) [g3/120 He4(s) + g1 g2/144 He6(s) + g1^3/1296 He8(s)], g3 the
 * standardized fifth cumulant; with sup|phi He4| = 1.197, sup|phi He6| = 5.984, sup|phi He8| = 41.89 it is at most
 * 0.0100 |g3| + 0.0416 |g1 g2| + 0.0324 |g1|^3, and the tolerance is twice that (the rest is smaller by a further
 * factor ~a^-1/2 <= 0.01) plus 1e-9 for the quadrature. |g3| is bounded arm by arm as a Gamma posterior's (the
 * b -> infinity limit of Beta(a, b), the most skewed): the arm contributes at most 24 (v/k2)^2.5 / a^1.5, v its
 * variance and a its smaller parameter. The Gaussian alone is off by up to 1e-3 on the unequal cases (the skew
 * term) and the skew term alone by up to 4e-6 (the 1/n terms): the tolerances are well below both. */
static void bayes_large_counts_edgeworth(void **state)
{
    (void)state;
    const struct {
        uint64_t xc, nc, xb, nb;
    } cases[] = {
        {50300, 1000000, 50000, 1000000},       /* GSL incomplete beta (min(a, b) <= 1e5) */
        {10100, 1000000, 100000, 10000000},     /* unequal arms, p = 1 % */
        {1001000, 20000000, 1000000, 20000000}, /* a = 1e6: quadrature fallback of the distribution function */
        {5002000, 100000000, 500000, 10000000}, /* narrow candidate, wide baseline, both above the GSL limit */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double kc[4], kb[4];
        double ac = 1.0 + cases[i].xc, bc = 1.0 + cases[i].nc - cases[i].xc;
        double ab = 1.0 + cases[i].xb, bb = 1.0 + cases[i].nb - cases[i].xb;
        beta_cumulants(ac, bc, kc);
        beta_cumulants(ab, bb, kb);
        double k1 = kc[0] - kb[0], k2 = kc[1] + kb[1], k3 = kc[2] - kb[2], k4 = kc[3] + kb[3];
        double g1 = k3 / pow(k2, 1.5), g2 = k4 / (k2 * k2);
        double g3 = 24 * pow(kc[1] / k2, 2.5) / pow(fmin(ac, bc), 1.5) +
                    24 * pow(kb[1] / k2, 2.5) / pow(fmin(ab, bb), 1.5);
        double tol = 1e-9 + 2 * (0.0100 * g3 + 0.0416 * fabs(g1 * g2) + 0.0324 * fabs(g1 * g1 * g1));
        double worst = 0;
        for (double s = -2; s <= 2; s += 1) {
            double delta = k1 + s * sqrt(k2);
            double he2 = s * s - 1, he3 = s * s * s - 3 * s, he5 = s * s * s * s * s - 10 * s * s * s + 15 * s;
            double cdf = gsl_cdf_ugaussian_P(s) -
                         gsl_ran_ugaussian_pdf(s) * (g1 / 6 * he2 + g2 / 24 * he3 + g1 * g1 / 72 * he5);
            double p = rs_bayes_prob_worse(cases[i].xc, cases[i].nc, cases[i].xb, cases[i].nb, delta, 1, 1);
            assert_near(p, 1 - cdf, tol);
            worst = fmax(worst, fabs(p - (1 - cdf)));
        }
        print_message("bayes %llu/%llu vs %llu/%llu: off the Edgeworth expansion by %.2g (tolerance %.2g)\n",
                      (unsigned long long)cases[i].xc, (unsigned long long)cases[i].nc,
                      (unsigned long long)cases[i].xb, (unsigned long long)cases[i].nb, worst, tol);
    }
}

/* P(p_c - p_b > delta) never increases with delta. */
static void bayes_monotone_in_delta(void **state)
{
    (void)state;
    const uint64_t cases[][4] = {{12, 400, 9, 350}, {0, 50, 2, 50}, {51000, 1000000, 50000, 1000000}};
    for (size_t i = 0; i < 3; i++) {
        double prev = 1.0;
        for (int k = -100; k <= 100; k++) {
            double d = k * (i == 2 ? 2e-5 : 2e-3);
            double p = rs_bayes_prob_worse(cases[i][0], cases[i][1], cases[i][2], cases[i][3], d, 1, 1);
            assert_true(p <= prev + 1e-12);
            prev = p;
        }
    }
}

/* The gate wraps the probability. */
static void bayes_gate_cases(void **state)
{
    (void)state;
    double p;
    assert_int_equal(rs_bayes_gate(1, 2, 0, 1, 0.0, 1, 1, 0.65, &p), RS_GATE_FAIL);
    assert_near(p, 0.7, 1e-12);
    assert_int_equal(rs_bayes_gate(1, 2, 0, 1, 0.0, 1, 1, 0.75, &p), RS_GATE_PASS);
    assert_int_equal(rs_bayes_gate(1, 2, 0, 0, 0.0, 1, 1, 0.75, &p), RS_GATE_NO_DATA);
    assert_true(isnan(p));
}

/* Calibration under the prior: if (p_c, p_b) are drawn from the Beta(1, 1) priors and the counts from them, the
 * posterior probability P of the event {p_c - p_b > delta} satisfies E[1{event} - P] = 0 and, for any function
 * of the data such as 1{P > 1/2}, E[(1{event} - P) 1{P > 1/2}] = 0 (the tower rule: P = E[1{event} | data]).
 * The second moment of each summand is at most 1/4, so 4 SE <= 4 sqrt(0.25 / R). */
static void bayes_calibrated_under_prior(void **state)
{
    (void)state;
    enum { R = 20000 };
    gsl_rng *r = rs_rng_alloc(4101, 0, 0);
    assert_non_null(r);
    double s0 = 0, s1 = 0, delta = 0.02;
    for (int i = 0; i < R; i++) {
        double pc = rs_rng_uniform(r), pb = rs_rng_uniform(r);
        unsigned nc = 20 + (unsigned)rs_rng_below(r, 60), nb = 20 + (unsigned)rs_rng_below(r, 60);
        unsigned xc = gsl_ran_binomial(r, pc, nc), xb = gsl_ran_binomial(r, pb, nb);
        double P = rs_bayes_prob_worse(xc, nc, xb, nb, delta, 1, 1);
        double e = (pc - pb > delta) - P;
        s0 += e;
        s1 += e * (P > 0.5);
    }
    gsl_rng_free(r);
    double tol = 4 * sqrt(0.25 / R);
    print_message("bayes calibration: mean(1{event} - P) = %.5f, mean((1{event} - P) 1{P > 1/2}) = %.5f "
                  "(4 se <= %.4f)\n",
                  s0 / R, s1 / R, tol);
    assert_near(s0 / R, 0.0, tol);
    assert_near(s1 / R, 0.0, tol);
}

/* --- msprt and confseq: formulas by hand ---------------------------------------------------------------------- */

/* Worked with the formula in double precision outside rollsim:
 *  60/1000 vs 40/1000, tau2 = 1e-3: theta = 0.02, V = 0.06*0.94/1000 + 0.04*0.96/1000 = 9.48e-5,
 *    sqrt(V/(V + tau2)) = 0.29426375618, exponent 0.02^2 * 1e-3 / (2 V (V + tau2)) = 1.92702287299,
 *    Lambda = 0.29426375618 * e^1.92702287299 = 2.02130650914 (< 20: pass at alpha 0.05);
 *  150/2000 vs 100/2000, tau2 = 1e-3: theta = 0.025, V = 5.84375e-5, Lambda = 36.7468105469 (fail);
 *  30/1000 vs 100/10000, tau2 = 1e-4: theta = 0.02, V = 3.009e-5, Lambda = 79.6237556910. */
static void msprt_hand_computed(void **state)
{
    (void)state;
    double lr;
    assert_near(rs_msprt_lr(60, 1000, 40, 1000, 1e-3), 2.0213065091363775, 1e-11);
    assert_int_equal(rs_msprt_gate(60, 1000, 40, 1000, 1e-3, 0.05, &lr), RS_GATE_PASS);
    assert_near(rs_msprt_lr(150, 2000, 100, 2000, 1e-3), 36.74681054689029, 1e-9);
    assert_int_equal(rs_msprt_gate(150, 2000, 100, 2000, 1e-3, 0.05, &lr), RS_GATE_FAIL);
    assert_near(lr, 36.74681054689029, 1e-9);
    assert_int_equal(rs_msprt_gate(150, 2000, 100, 2000, 1e-3, 0.02, &lr), RS_GATE_PASS); /* 36.7 < 1/0.02 = 50 */
    assert_near(rs_msprt_lr(30, 1000, 100, 10000, 1e-4), 79.62375569104165, 1e-9);
    /* Lambda depends on theta_hat^2: a better candidate has the same Lambda but never fires (one-sided use). */
    assert_near(rs_msprt_lr(100, 2000, 150, 2000, 1e-3), 36.74681054689029, 1e-9);
    assert_int_equal(rs_msprt_gate(100, 2000, 150, 2000, 1e-3, 0.05, &lr), RS_GATE_PASS);
    /* Always-valid p: running minimum of 1/Lambda over the harmful checks. */
    double p = 1.0;
    p = rs_msprt_p(p, 60, 1000, 40, 1000, 1e-3);
    assert_near(p, 1 / 2.0213065091363775, 1e-12);
    p = rs_msprt_p(p, 100, 2000, 150, 2000, 1e-3); /* candidate better: unchanged */
    assert_near(p, 1 / 2.0213065091363775, 1e-12);
    p = rs_msprt_p(p, 150, 2000, 100, 2000, 1e-3);
    assert_near(p, 1 / 36.74681054689029, 1e-12);
    p = rs_msprt_p(p, 60, 1000, 40, 1000, 1e-3); /* weaker evidence later: the minimum stays */
    assert_near(p, 1 / 36.74681054689029, 1e-12);
    /* No data: an empty arm, no errors anywhere (V = 0), bad tau2. */
    assert_true(isnan(rs_msprt_lr(0, 0, 3, 100, 1e-3)));
    assert_true(isnan(rs_msprt_lr(0, 100, 0, 100, 1e-3)));
    assert_true(isnan(rs_msprt_lr(5, 100, 3, 100, 0)));
    assert_int_equal(rs_msprt_gate(0, 100, 0, 100, 1e-3, 0.05, &lr), RS_GATE_NO_DATA);
    assert_true(isnan(lr));
    /* Overwhelming evidence does not overflow into a wrong answer. */
    assert_int_equal(rs_msprt_gate(5000000, 10000000, 10000, 10000000, 1e-3, 0.05, &lr), RS_GATE_FAIL);
}

/* The msprt with tau2 = rho2 N V is the two-sided confidence sequence of Waudby-Smith et al.: Lambda equals the
 * e-value exp(rho2 s / (2 (N rho2 + 1))) / sqrt(N rho2 + 1), s = N theta^2 / V (written out here as gbstats'
 * sequential p-value does, paper eq. 155), and Lambda >= 1/alpha exactly when the two-sided sequence
 * theta +- sqrt(N V) sqrt(2 (N rho2 + 1) / (N^2 rho2) ln(sqrt(N rho2 + 1) / alpha)) excludes 0. */
static void msprt_is_the_two_sided_confseq(void **state)
{
    (void)state;
    const uint64_t cases[][4] = {{60, 1000, 40, 1000}, {150, 2000, 100, 2000}, {30, 1000, 100, 10000}, {7, 90, 2, 80}};
    double rho2 = rs_confseq_rho2(0.05, 5000, 0);
    assert_near(rho2, 0.001587230920347513, 1e-17); /* (-2 ln .05 + ln(1 - 2 ln .05)) / 5000, by hand */
    for (size_t i = 0; i < 4; i++) {
        double pc = (double)cases[i][0] / cases[i][1], pb = (double)cases[i][2] / cases[i][3];
        double th = pc - pb, V = pc * (1 - pc) / cases[i][1] + pb * (1 - pb) / cases[i][3];
        double N = (double)(cases[i][1] + cases[i][3]), nr = N * rho2;
        double evalue = exp(rho2 * (N * th * th / V) / (2 * (nr + 1))) / sqrt(nr + 1);
        double lr = rs_msprt_lr(cases[i][0], cases[i][1], cases[i][2], cases[i][3], rho2 * N * V);
        assert_near(lr, evalue, 1e-12 * evalue);
        double half = sqrt(N * V) * sqrt(2 * (nr + 1) / (N * N * rho2) * log(sqrt(nr + 1) / 0.05));
        assert_int_equal(lr >= 20, fabs(th) > half);
    }
    /* rs_msprt_tau2 is that correspondence for a per-request variance. */
    assert_near(rs_msprt_tau2(0.05, 5000, 0.19), 0.19 * rho2, 1e-18);
}

/* Worked with the formula in double precision outside rollsim, alpha = 0.05, GrowthBook's N* = 5000:
 *  one-sided rho2 = (-2 ln 0.1 + ln(1 - 2 ln 0.1)) / 5000 = (4.60517019 + 1.72368932) / 5000 = 0.00126577192106;
 *  60/1000 vs 40/1000: N rho2 = 2.53154384, halfwidth sqrt(9.48e-5 * 2 * 3.53154384 / 2.53154384
 *    * ln(1 + sqrt(3.53154384)/0.1)) = 0.0280997591, lower = 0.02 - 0.0280997591 = -0.0080997591 (pass);
 *  150/2000 vs 100/2000: N rho2 = 5.06308768, halfwidth 0.0213062590, lower = 0.0036937410 (fail);
 *  300/4000 vs 200/4000: N rho2 = 10.1261754, halfwidth 0.0150695305, lower = 0.0099304695. */
static void confseq_hand_computed(void **state)
{
    (void)state;
    double rho2 = rs_confseq_rho2(0.05, RS_CONFSEQ_N_STAR_DEFAULT, 1), lo;
    assert_near(rho2, 0.001265771921059247, 1e-17);
    assert_near(rs_confseq_lower(60, 1000, 40, 1000, 0.05, rho2), -0.008099759078401964, 1e-13);
    assert_int_equal(rs_confseq_gate(60, 1000, 40, 1000, 0.05, rho2, &lo), RS_GATE_PASS);
    assert_near(rs_confseq_lower(150, 2000, 100, 2000, 0.05, rho2), 0.0036937409820131245, 1e-13);
    assert_int_equal(rs_confseq_gate(150, 2000, 100, 2000, 0.05, rho2, &lo), RS_GATE_FAIL);
    assert_near(lo, 0.0036937409820131245, 1e-13);
    assert_near(rs_confseq_lower(300, 4000, 200, 4000, 0.05, rho2), 0.009930469492921193, 1e-13);
    /* A better candidate: the lower bound is far below 0. */
    assert_int_equal(rs_confseq_gate(100, 2000, 150, 2000, 0.05, rho2, &lo), RS_GATE_PASS);
    assert_true(lo < -0.04);
    /* No data and bad parameters. */
    assert_int_equal(rs_confseq_gate(0, 0, 3, 100, 0.05, rho2, &lo), RS_GATE_NO_DATA);
    assert_true(isnan(lo));
    assert_true(isnan(rs_confseq_lower(0, 100, 0, 100, 0.05, rho2)));
    assert_true(isnan(rs_confseq_lower(5, 100, 3, 100, 0.5, rho2)));
    assert_true(isnan(rs_confseq_lower(5, 100, 3, 100, 0.05, 0)));
    assert_true(isnan(rs_confseq_rho2(0.5, 5000, 1)));
    assert_true(isnan(rs_confseq_rho2(0.05, 0, 0)));
}

/* --- Continuous monitoring by Monte Carlo ------------------------------------------------------------------------- */

/* Per replication: both arms receive m requests between checks; counts are drawn per block from the binomial,
 * which is exactly the law of the counts a request-by-request Bernoulli stream gives at the checks. Records
 * whether each gate ever fires over the checks. */
typedef struct monitor {
    unsigned looks, m; /* checks, requests per arm between checks */
    double pc, pb, alpha, tau2, rho2;
} monitor;

typedef struct fired {
    unsigned msprt, confseq, ztest, msprt_last, confseq_last;
} fired;

static fired run_monitor(const monitor *mo, unsigned R, uint64_t seed)
{
    fired f = {0};
    gsl_rng *r = rs_rng_alloc(seed, 0, 0);
    assert_non_null(r);
    for (unsigned rep = 0; rep < R; rep++) {
        rs_rng_reset(r, seed, rep, 0);
        uint64_t xc = 0, xb = 0, n = 0;
        int ms = 0, cs = 0, zt = 0;
        for (unsigned k = 1; k <= mo->looks; k++) {
            xc += gsl_ran_binomial(r, mo->pc, mo->m);
            xb += gsl_ran_binomial(r, mo->pb, mo->m);
            n += mo->m;
            if (!ms && rs_msprt_gate(xc, n, xb, n, mo->tau2, mo->alpha, NULL) == RS_GATE_FAIL)
                ms = 1;
            if (!cs && rs_confseq_gate(xc, n, xb, n, mo->alpha, mo->rho2, NULL) == RS_GATE_FAIL)
                cs = 1;
            rs_ztest_input in = {xc, n, xb, n, mo->alpha};
            if (!zt && rs_gate_ztest(&in, NULL) == RS_GATE_FAIL)
                zt = 1;
            if (k == mo->looks) {
                f.msprt_last += rs_msprt_gate(xc, n, xb, n, mo->tau2, mo->alpha, NULL) == RS_GATE_FAIL;
                f.confseq_last += rs_confseq_gate(xc, n, xb, n, mo->alpha, mo->rho2, NULL) == RS_GATE_FAIL;
            }
        }
        f.msprt += ms, f.confseq += cs, f.ztest += zt;
    }
    gsl_rng_free(r);
    return f;
}

/* A/A, p = 0.05 in both arms, a check every 100 requests per arm up to 20 000 per arm (200 checks; the first at
 * 5 expected errors per arm, where the normal approximation is at its worst). By Ville's inequality the msprt
 * crosses 1/alpha with probability <= alpha under continuous monitoring (two-sided; about alpha/2 on the harm
 * side), and the one-sided confidence sequence misses with probability <= alpha; so each gate's A/A firing rate
 * must be <= alpha + 4 SE(alpha), SE = sqrt(alpha (1 - alpha) / R) = 0.0024 at R = 8000 (4 SE = 0.0097). The z-test
 * checked as often has no such guarantee; it must exceed alpha by more than 4 of its own SE. */
static void aa_type_one_error_every_100(void **state)
{
    (void)state;
    enum { R = 8000 };
    monitor mo = {.looks = 200, .m = 100, .pc = 0.05, .pb = 0.05, .alpha = 0.05};
    mo.tau2 = rs_msprt_tau2(mo.alpha, 2.0 * mo.looks * mo.m, 4 * 0.05 * 0.95); /* tuned for the horizon */
    mo.rho2 = rs_confseq_rho2(mo.alpha, RS_CONFSEQ_N_STAR_DEFAULT, 1);          /* GrowthBook's default */
    fired f = run_monitor(&mo, R, 777);
    double se = sqrt(mo.alpha * (1 - mo.alpha) / R);
    double rm = (double)f.msprt / R, rc = (double)f.confseq / R, rz = (double)f.ztest / R;
    double sez = sqrt(rz * (1 - rz) / R);
    print_message("A/A, 200 checks of 100/arm: msprt %.4f, confseq %.4f, z-test %.4f (alpha %.2f, 4 se %.4f)\n", rm,
                  rc, rz, mo.alpha, 4 * se);
    assert_true(rm <= mo.alpha + 4 * se);
    assert_true(rc <= mo.alpha + 4 * se);
    assert_true(rz - 4 * sez > mo.alpha);
}

/* P(S_k > c sqrt(k) for some k <= K) for the Gaussian random walk S_k = Z_1 + ... + Z_k (Armitage, McPherson &
 * Rowe 1969): the sub-density of S_k on {no crossing yet} is propagated by numerical convolution with phi, by the
 * trapezoid rule on the nodes i h of [-8 sqrt(k), c sqrt(k)) plus the boundary c sqrt(k) itself as the last node
 * (so the rule stays second order where the sub-density is cut); the left tail beyond 8 sd holds < 1e-15 and the
 * kernel is cut at 8.5 (phi < 1e-15). On-grid differences use a table of phi((i - j) h). */
static double gaussian_walk_crossing(double c, unsigned K, double h)
{
    long kmax = (long)ceil(8.5 / h);
    size_t cap = (size_t)((8 + c) * sqrt(K) / h) + 4;
    double *ker = malloc((2 * kmax + 1) * sizeof *ker);
    double *g0 = malloc(cap * sizeof *g0), *g1 = malloc(cap * sizeof *g1), *w = malloc(cap * sizeof *w);
    long *i0 = malloc(cap * sizeof *i0), *i1 = malloc(cap * sizeof *i1);
    assert_true(ker && g0 && g1 && w && i0 && i1);
    for (long d = -kmax; d <= kmax; d++)
        ker[d + kmax] = gsl_ran_ugaussian_pdf(d * h);
    size_t n0 = 0;  /* grid nodes of the previous step: i0[j] h, values g0[j], then the boundary b0, value gb0 */
    double b0 = 0, gb0 = 0, wb0 = 0;
    for (unsigned k = 1; k <= K; k++) {
        double b = c * sqrt(k);
        long lo = (long)ceil(-8 * sqrt(k) / h), hi = (long)ceil(b / h - 1e-9) - 1; /* nodes lo..hi, hi h < b */
        size_t n1 = 0;
        for (long i = lo; i <= hi; i++)
            i1[n1++] = i;
        double gb;
        if (k == 1) {
            for (size_t i = 0; i < n1; i++)
                g1[i] = gsl_ran_ugaussian_pdf(i1[i] * h);
            gb = gsl_ran_ugaussian_pdf(b);
        } else {
            for (size_t i = 0; i < n1; i++) {
                double s = 0;
                for (size_t j = 0; j < n0; j++) {
                    long d = i1[i] - i0[j];
                    if (d >= -kmax && d <= kmax)
                        s += w[j] * g0[j] * ker[d + kmax];
                }
                g1[i] = s + wb0 * gb0 * gsl_ran_ugaussian_pdf(i1[i] * h - b0);
            }
            gb = wb0 * gb0 * gsl_ran_ugaussian_pdf(b - b0);
            for (size_t j = 0; j < n0; j++)
                gb += w[j] * g0[j] * gsl_ran_ugaussian_pdf(b - i0[j] * h);
        }
        /* trapezoid weights: h inside, h/2 at the left end, and the last panel [hi h, b] shared with b */
        double last = b - (double)hi * h;
        for (size_t i = 0; i < n1; i++) {
            w[i] = i == 0 ? h / 2 : h;
            i0[i] = i1[i], g0[i] = g1[i];
        }
        w[n1 - 1] = h / 2 + last / 2;
        wb0 = last / 2, b0 = b, gb0 = gb;
        n0 = n1;
    }
    double stay = wb0 * gb0;
    for (size_t j = 0; j < n0; j++)
        stay += w[j] * g0[j];
    free(ker), free(g0), free(g1), free(w), free(i0), free(i1);
    return 1 - stay;
}

/* A/A, 30 equally spaced checks of 10 000 requests per arm (500 expected errors per arm per check), p = 0.05.
 * The fixed one-sided z-test at alpha = 0.05 checked 30 times fires with the crossing probability of the Gaussian
 * random walk over the boundary z_{0.95} sqrt(k), computed here by numerical integration (SPEC §7's "about 24 %").
 * The z-test on counts differs from the walk by its lattice (a z step of 1/30.8 at the first check, moving the
 * boundary by at most one step: <= phi(1.645)/30.8 = 0.0034 at that check, less later) and by its estimated
 * variance (relative error <= 1/sqrt(2 * 500) ~ 0.03 in V at the first check, < 0.001 in probability after the
 * square root and the density); we allow 0.01 for both on top of 4 SE. The sequential gates must stay
 * <= alpha + 4 SE as above. */
static void aa_peeking_30_checks_against_gaussian_walk(void **state)
{
    (void)state;
    enum { R = 8000 };
    double zc = gsl_cdf_ugaussian_Qinv(0.05);
    double e1 = gaussian_walk_crossing(zc, 30, 0.02), e2 = gaussian_walk_crossing(zc, 30, 0.01);
    assert_near(e1, e2, 2e-4); /* the grid is fine enough: halving h moves the answer by < 2e-4 */
    double exact = (4 * e2 - e1) / 3; /* Richardson: the trapezoid error is O(h^2) */
    assert_near(exact, 0.24, 0.01);   /* the teaching figure of SPEC §7 */
    /* K = 1 is alpha itself, up to the trapezoid error h^2/12 |phi'(z)| = 1.4e-6 at h = 0.01 */
    assert_near(gaussian_walk_crossing(zc, 1, 0.01), 0.05, 2e-6);

    monitor mo = {.looks = 30, .m = 10000, .pc = 0.05, .pb = 0.05, .alpha = 0.05};
    mo.tau2 = rs_msprt_tau2(mo.alpha, 2.0 * mo.looks * mo.m, 4 * 0.05 * 0.95);
    mo.rho2 = rs_confseq_rho2(mo.alpha, RS_CONFSEQ_N_STAR_DEFAULT, 1);
    fired f = run_monitor(&mo, R, 778);
    double rm = (double)f.msprt / R, rc = (double)f.confseq / R, rz = (double)f.ztest / R;
    double se = sqrt(mo.alpha * (1 - mo.alpha) / R), sez = sqrt(exact * (1 - exact) / R);
    print_message("A/A, 30 checks of 10000/arm: z-test %.4f, exact Gaussian walk %.4f (4 se + 0.01 = %.4f); msprt "
                  "%.4f, confseq %.4f (alpha %.2f, 4 se %.4f)\n",
                  rz, exact, 4 * sez + 0.01, rm, rc, mo.alpha, 4 * se);
    assert_near(rz, exact, 4 * sez + 0.01);
    assert_true(rm <= mo.alpha + 4 * se);
    assert_true(rc <= mo.alpha + 4 * se);
}

/* Power, p_c = 0.06 against p_b = 0.05, 200 checks of 100 requests per arm. A gate that fires at the last check
 * has fired by then, so P(ever fires) >= P(fires at the last check). At the last check (n = 20 000 per arm)
 * theta_hat is nearly N(0.01, V), V = (0.06 * 0.94 + 0.05 * 0.95)/n, i.e. a z of mu = 0.01/sqrt(V) = 4.39, and each
 * gate fires when z exceeds a boundary c computed here from its formula with the true V: msprt
 * c^2 = (1 + V/tau2)(-2 ln alpha + ln(1 + tau2/V)), confseq c^2 = 2 (N rho2 + 1)/(N rho2) ln(1 + sqrt(N rho2 + 1)/
 * (2 alpha)). So P(ever) >= Phi(mu - c) (about 0.9), less 4 SE and 0.02 for the normal approximation and the
 * estimated V (its relative sd at 1000 errors per arm is ~3 %, moving c by ~1.5 %, the probability by < 0.01). The
 * observed last-check rates are checked against Phi(mu - c) the same way. */
static void power_against_last_check(void **state)
{
    (void)state;
    enum { R = 2000 };
    monitor mo = {.looks = 200, .m = 100, .pc = 0.06, .pb = 0.05, .alpha = 0.05};
    double N = 2.0 * mo.looks * mo.m, n = mo.looks * mo.m;
    mo.tau2 = rs_msprt_tau2(mo.alpha, N, 4 * 0.05 * 0.95);
    mo.rho2 = rs_confseq_rho2(mo.alpha, RS_CONFSEQ_N_STAR_DEFAULT, 1);
    fired f = run_monitor(&mo, R, 779);
    double V = (0.06 * 0.94 + 0.05 * 0.95) / n, mu = 0.01 / sqrt(V);
    double cm = sqrt((1 + V / mo.tau2) * (-2 * log(mo.alpha) + log(1 + mo.tau2 / V)));
    double nr = N * mo.rho2, cc = sqrt(2 * (nr + 1) / nr * log(1 + sqrt(nr + 1) / (2 * mo.alpha)));
    double pm = gsl_cdf_ugaussian_P(mu - cm), pc = gsl_cdf_ugaussian_P(mu - cc);
    double rm = (double)f.msprt / R, rc = (double)f.confseq / R;
    double lm = (double)f.msprt_last / R, lc = (double)f.confseq_last / R;
    print_message("power 0.06 vs 0.05 by 20000/arm: msprt %.4f (last check %.4f, closed form %.4f), confseq %.4f (last "
                  "check %.4f, closed form %.4f)\n",
                  rm, lm, pm, rc, lc, pc);
    assert_true(rm >= pm - 4 * sqrt(pm * (1 - pm) / R) - 0.02);
    assert_true(rc >= pc - 4 * sqrt(pc * (1 - pc) / R) - 0.02);
    assert_near(lm, pm, 4 * sqrt(pm * (1 - pm) / R) + 0.02);
    assert_near(lc, pc, 4 * sqrt(pc * (1 - pc) / R) + 0.02);
}

int main(void)
{
    gsl_set_error_handler_off(); /* as the program does at start-up (rs_cli_main) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bayes_hand_computed),
        cmocka_unit_test(bayes_small_counts_brute_force),
        cmocka_unit_test(bayes_closed_form_delta0),
        cmocka_unit_test(bayes_symmetry),
        cmocka_unit_test(bayes_large_counts_edgeworth),
        cmocka_unit_test(bayes_monotone_in_delta),
        cmocka_unit_test(bayes_gate_cases),
        cmocka_unit_test(bayes_calibrated_under_prior),
        cmocka_unit_test(msprt_hand_computed),
        cmocka_unit_test(msprt_is_the_two_sided_confseq),
        cmocka_unit_test(confseq_hand_computed),
        cmocka_unit_test(aa_type_one_error_every_100),
        cmocka_unit_test(aa_peeking_30_checks_against_gaussian_walk),
        cmocka_unit_test(power_against_last_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

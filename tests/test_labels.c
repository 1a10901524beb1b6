/* Labels in flight (issue 16), by Monte Carlo against closed forms and exact sums, in exact and in cohort mode:
 *   - the labels arrived by T under each delay law: requests are Poisson with rate lambda, each labelled with
 *     probability w and arriving at s + D, so the arrivals by T are Poisson with mean
 *     lambda w int_0^T F(T - s) ds = lambda w G(T) (G = int F, core/quality.c); over R replications the mean
 *     count has SE sqrt(mu / R);
 *   - a threshold gate on recall at the stage's end: the candidate's labelled positives arrived by T are
 *     Poisson(mu), each a hit with probability r, so P(rollback) = sum_m Poisson(m; mu) P(1 - FN/m < min) with
 *     FN ~ Binomial(m, 1 - r): an exact sum; the simulated rate has SE sqrt(p (1 - p) / R);
 *   - exact and cohort mode agree with each other on both, within 4 SE of their difference.
 * Every tolerance is 4 standard errors. */
#include "simtest.h"

#include <gsl/gsl_randist.h>

#include "quality.h"

static const char *const modes[] = {"mode=exact", "mode=cohort"};

static double total_labels(const rs_confusion *q, size_t n)
{
    double x = 0;
    for (size_t i = 0; i < n; i++)
        x += (double)(q[i].tp + q[i].fp + q[i].fn + q[i].tn);
    return x;
}

static void labels_arrived_by_t(void **state)
{
    (void)state;
    static const char *const laws[] = {"delay = hours(24)", "delay = exponential(24)",
                                       "delay = lognormal(math.log(20), 0.6)", "delay = choice{ {0.3, 6}, {0.7, 30} }"};
    double pv[] = {0.3, 0.7}, vv[] = {6, 30};
    const rs_dist dists[] = {{.kind = RS_DIST_FIXED, .a = 24}, {.kind = RS_DIST_EXPONENTIAL, .a = 24},
                             {.kind = RS_DIST_LOGNORMAL, .a = log(20), .b = 0.6},
                             {.kind = RS_DIST_CHOICE, .n = 2, .p = pv, .v = vv}};
    const double T = 36, lambda = 1000, w = 0.1;
    const int R = 200;
    for (size_t l = 0; l < 4; l++) {
        double mean[2];
        double mu = lambda * w * rs_delay_integral(&dists[l], T);
        for (int m = 0; m < 2; m++) {
            char text[1024];
            snprintf(text, sizeof text,
                     "return { name = 'labels', seed = 7, horizon = %g, sample_every = 6, prevalence = 0.3,\n"
                     "  labels = { fraction = %g, %s },\n"
                     "  population = { { name = 'u', users = %g, rate = 1 } },\n"
                     "  versions = { { name = 'b', baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },\n"
                     "               { name = 'c', error_rate = 0.01, recall = 0.85, specificity = 0.95 } },\n"
                     "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.5 }, bake = 100 } }\n",
                     T, w, laws[l], lambda);
            simtest t;
            simtest_open(&t, text, &modes[m], 1);
            double sum = 0;
            for (int r = 0; r < R; r++) {
                rs_rep_result res;
                simtest_run(&t, (uint32_t)r, &res);
                sum += total_labels(rs_sim_labels(t.sim, NULL), 2);
            }
            mean[m] = sum / R;
            print_message("%s, %s: %.1f labels arrived by %g h on average, closed form %.1f (SE %.2f)\n", laws[l],
                          modes[m], mean[m], T, mu, sqrt(mu / R));
            assert_near(mean[m], mu, 4 * sqrt(mu / R));
            simtest_close(&t);
        }
        assert_near(mean[0], mean[1], 4 * sqrt(2 * mu / R)); /* the two engines, with each other */
    }
}

/* P(rollback) of a threshold gate `recall >= c` judged once on the labels arrived by the stage's end: the exact
 * sum over the Poisson count of labelled positives (truncated where the Poisson tail is below 1e-15). The gate
 * measures recall as 1 - FN / m; the same expression decides here. */
static double exact_power(double mu, double r, double c)
{
    double p = 0;
    for (unsigned m = 1; m < 10 * mu + 100; m++) {
        double pm = gsl_ran_poisson_pdf(m, mu);
        if (pm < 1e-18 && m > mu)
            break;
        double fail = 0;
        for (unsigned fn = 0; fn <= m; fn++)
            if (1 - (double)fn / (double)m < c)
                fail += gsl_ran_binomial_pdf(fn, 1 - r, m);
        p += pm * fail;
    }
    return p;
}

static void gate_power_on_recall(void **state)
{
    (void)state;
    /* 2000 users at 1 request per hour, the candidate on half of them from t = 0: 1000 requests per hour; 5 %
     * labelled, 30 % positive; the stage ends at 48 h, where a threshold gate wants recall >= 0.86 of a
     * candidate whose recall is 0.85 (the horizon, 48.5 h, comes before the next stage is judged). Labelled
     * positives arrived by 48 h: mu = 1000 x 0.05 x 0.3 x G(48). */
    static const char *const laws[] = {"delay = hours(24)", "delay = exponential(24)"};
    const rs_dist dists[] = {{.kind = RS_DIST_FIXED, .a = 24}, {.kind = RS_DIST_EXPONENTIAL, .a = 24}};
    const int R = 1000;
    for (size_t l = 0; l < 2; l++) {
        double mu = 1000 * 0.05 * 0.3 * rs_delay_integral(&dists[l], 48);
        double p = exact_power(mu, 0.85, 0.86), rate[2];
        for (int m = 0; m < 2; m++) {
            char text[1024];
            snprintf(text, sizeof text,
                     "return { name = 'power', seed = 11, horizon = 48.5, sample_every = 2, prevalence = 0.3,\n"
                     "  labels = { fraction = 0.05, %s },\n"
                     "  population = { { name = 'u', users = 2000, rate = 1 } },\n"
                     "  versions = { { name = 'b', baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },\n"
                     "               { name = 'c', error_rate = 0.01, recall = 0.85, specificity = 0.95 } },\n"
                     "  policy = { name = 'fixed_stages', gate = 'threshold', metrics = { { name = 'recall', min = 0.86 } },\n"
                     "             stages = { { weight = 0.5, bake = 48 }, { weight = 1, bake = 1 } } } }\n",
                     laws[l]);
            simtest t;
            simtest_open(&t, text, &modes[m], 1);
            int rolled = 0;
            for (int r = 0; r < R; r++) {
                rs_rep_result res;
                simtest_run(&t, (uint32_t)r, &res);
                rolled += res.outcome == RS_OUTCOME_ROLLED_BACK;
                if (res.outcome == RS_OUTCOME_ROLLED_BACK)
                    assert_near(res.rollback_time, 48, 1e-9); /* judged once, at the stage's end */
            }
            rate[m] = (double)rolled / R;
            print_message("%s, %s: P(rollback) %.4f, exact %.4f at mu = %.1f labelled positives (SE %.4f)\n",
                          laws[l], modes[m], rate[m], p, mu, sqrt(p * (1 - p) / R));
            assert_near(rate[m], p, 4 * sqrt(p * (1 - p) / R));
            simtest_close(&t);
        }
        assert_near(rate[0], rate[1], 4 * sqrt(2 * p * (1 - p) / R)); /* the engines' decisions agree */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(labels_arrived_by_t),
        cmocka_unit_test(gate_power_on_recall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Model quality (issue 16), the closed forms: precision, accuracy and F1 from prevalence, recall and specificity;
 * the parameterisations a scenario may give instead of specificity, each taken back to it; the integral of a
 * delay law's CDF (which gives the expected labels arrived by t); and, through a small simulation with labels
 * arriving at once, the measured precision, recall, accuracy and F1 against the closed forms. */
#include "simtest.h"

#include <gsl/gsl_integration.h>

#include "quality.h"

static void closed_forms(void **state)
{
    (void)state;
    /* pi = 0.3, recall 0.9, specificity 0.95: TP = 0.27, FP = 0.7 x 0.05 = 0.035, FN = 0.03, TN = 0.665.
     * precision = 0.27 / 0.305, accuracy = 0.27 + 0.665, F1 = 0.54 / (0.54 + 0.035 + 0.03). */
    assert_near(rs_quality_precision(0.3, 0.9, 0.95), 0.27 / 0.305, 1e-15);
    assert_near(rs_quality_accuracy(0.3, 0.9, 0.95), 0.935, 1e-15);
    assert_near(rs_quality_f1(0.3, 0.9, 0.95), 0.54 / 0.605, 1e-15);
    /* F1 is the harmonic mean of precision and recall */
    double p = rs_quality_precision(0.3, 0.9, 0.95);
    assert_near(rs_quality_f1(0.3, 0.9, 0.95), 2 * p * 0.9 / (p + 0.9), 1e-15);
    double cells[4];
    rs_quality_cells(0.3, 0.9, 0.95, cells);
    assert_near(cells[RS_LABEL_TP] + cells[RS_LABEL_FP] + cells[RS_LABEL_FN] + cells[RS_LABEL_TN], 1, 1e-15);
    /* a version that never predicts positive on a population with no positives has no precision */
    assert_true(isnan(rs_quality_precision(0, 0.9, 1)));
}

static void parameterisations(void **state)
{
    (void)state;
    /* each key, computed from a known specificity, gives that specificity back */
    const double pis[] = {0.05, 0.3, 0.5, 0.9}, recalls[] = {0.5, 0.85, 0.99}, sps[] = {0.2, 0.9, 0.999};
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 3; j++)
            for (size_t k = 0; k < 3; k++) {
                double pi = pis[i], r = recalls[j], sp = sps[k];
                assert_near(rs_quality_specificity(RS_QP_SPECIFICITY, pi, r, sp), sp, 1e-15);
                assert_near(rs_quality_specificity(RS_QP_FALSE_POSITIVE_RATE, pi, r, 1 - sp), sp, 1e-12);
                assert_near(rs_quality_specificity(RS_QP_PRECISION, pi, r, rs_quality_precision(pi, r, sp)), sp, 1e-9);
                assert_near(rs_quality_specificity(RS_QP_ACCURACY, pi, r, rs_quality_accuracy(pi, r, sp)), sp, 1e-9);
                assert_near(rs_quality_specificity(RS_QP_F1, pi, r, rs_quality_f1(pi, r, sp)), sp, 1e-9);
            }
    /* out of reach: precision under an always-positive classifier's, accuracy above what specificity 1 gives */
    assert_true(isnan(rs_quality_specificity(RS_QP_PRECISION, 0.3, 0.85, 0.1)));
    assert_true(isnan(rs_quality_specificity(RS_QP_ACCURACY, 0.3, 0.85, 0.99)));
}

/* F of the law at x, for the numerical integral below */
static double cdf_at(double x, void *law)
{
    return rs_delay_cdf(law, x);
}

static void delay_integrals(void **state)
{
    (void)state;
    /* G(x) = int_0^x F against numerical quadrature (GSL's QAGS) of the CDF, for each law; and two by hand:
     * fixed d: x - d; exponential(m): x - m (1 - e^(-x/m)). */
    double pv[] = {0.5, 0.5}, vv[] = {6, 30};
    rs_dist laws[] = {
        {.kind = RS_DIST_FIXED, .a = 24},
        {.kind = RS_DIST_EXPONENTIAL, .a = 24},
        {.kind = RS_DIST_LOGNORMAL, .a = log(24), .b = 0.5},
        {.kind = RS_DIST_CHOICE, .n = 2, .p = pv, .v = vv},
    };
    assert_near(rs_delay_integral(&laws[0], 40), 16, 1e-12);
    assert_near(rs_delay_integral(&laws[1], 40), 40 - 24 * (1 - exp(-40.0 / 24)), 1e-12);
    assert_near(rs_delay_integral(&laws[3], 40), 0.5 * 34 + 0.5 * 10, 1e-12);
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    for (size_t i = 1; i < 3; i++) /* the continuous laws (QAGS dislikes the fixed ones' jumps) */
        for (double x = 5; x <= 100; x += 19) {
            gsl_function f = {cdf_at, &laws[i]};
            double g, e;
            gsl_integration_qags(&f, 0, x, 1e-12, 1e-10, 1000, w, &g, &e);
            assert_near(rs_delay_integral(&laws[i], x), g, 1e-8 * (1 + g));
        }
    gsl_integration_workspace_free(w);
    /* the lognormal's CDF at its median */
    assert_near(rs_delay_cdf(&laws[2], 24), 0.5, 1e-12);
}

/* Labels at once (delay 0) on every request of the baseline: the measured metrics over R replications against
 * the closed forms. Each metric is a ratio of counts; its SE is sqrt(m (1 - m) / n) with n its denominator's
 * count (binomial: TP among predicted positives for precision, among positives for recall, right among all
 * for accuracy); F1 = 2x / (2x + y), x = TP / n, y = (FP + FN) / n, by the delta method with the multinomial's
 * covariance. Each checked at 4 SE. */
static void measured_metrics(void **state)
{
    (void)state;
    static const char text[] =
        "return { name = 'q', seed = 5, horizon = 10, sample_every = 10, prevalence = 0.3,\n"
        "  labels = { fraction = 0.5, delay = 0 },\n"
        "  population = { { name = 'u', users = 1000, rate = 1 } },\n"
        "  versions = { { name = 'b', baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },\n"
        "               { name = 'c', error_rate = 0.01, recall = 0.8, precision = 0.7 } },\n"
        "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.5 }, bake = 100 } }\n";
    simtest t;
    simtest_open(&t, text, NULL, 0);
    double tp[2] = {0}, fp[2] = {0}, fn[2] = {0}, tn[2] = {0};
    for (int r = 0; r < 20; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        const rs_confusion *q = rs_sim_labels(t.sim, NULL);
        for (int v = 0; v < 2; v++)
            tp[v] += (double)q[v].tp, fp[v] += (double)q[v].fp, fn[v] += (double)q[v].fn, tn[v] += (double)q[v].tn;
    }
    for (int v = 0; v < 2; v++) {
        double r = v ? 0.8 : 0.9, sp = v ? rs_quality_specificity(RS_QP_PRECISION, 0.3, 0.8, 0.7) : 0.95;
        double n = tp[v] + fp[v] + fn[v] + tn[v];
        double prec = tp[v] / (tp[v] + fp[v]), rec = tp[v] / (tp[v] + fn[v]), acc = (tp[v] + tn[v]) / n;
        double f1 = 2 * tp[v] / (2 * tp[v] + fp[v] + fn[v]);
        double ep = rs_quality_precision(0.3, r, sp), ea = rs_quality_accuracy(0.3, r, sp), ef = rs_quality_f1(0.3, r, sp);
        print_message("version %d on %.0f labels: precision %.4f (%.4f), recall %.4f (%.2f), accuracy %.4f (%.4f), "
                      "F1 %.4f (%.4f)\n", v, n, prec, ep, rec, r, acc, ea, f1, ef);
        assert_near(prec, ep, 4 * sqrt(ep * (1 - ep) / (tp[v] + fp[v])));
        assert_near(rec, r, 4 * sqrt(r * (1 - r) / (tp[v] + fn[v])));
        assert_near(acc, ea, 4 * sqrt(ea * (1 - ea) / n));
        double cells[4], x, y;
        rs_quality_cells(0.3, r, sp, cells);
        x = cells[RS_LABEL_TP], y = cells[RS_LABEL_FP] + cells[RS_LABEL_FN];
        double dx = 2 * y / ((2 * x + y) * (2 * x + y)), dy = -2 * x / ((2 * x + y) * (2 * x + y));
        double var_f1 = (dx * dx * x * (1 - x) + dy * dy * y * (1 - y) - 2 * dx * dy * x * y) / n;
        assert_near(f1, ef, 4 * sqrt(var_f1));
    }
    simtest_close(&t);
}

/* Per-segment prevalence and labels, and user feedback, with delay 0: in segment 'a' (scenario's prevalence
 * 0.3, labels on 10 %, thumbs on 20 %) and 'b' (prevalence 0.6, labels on 30 %, no feedback), the baseline's
 * labelled share, positive share and thumbs-up share against the closed forms: labels / requests = w,
 * (TP + FN) / labels = pi, up / feedback = acc a + (1 - acc) b with acc = pi r + (1 - pi) s; each a binomial
 * proportion checked at 4 SE. */
static void segments_and_feedback(void **state)
{
    (void)state;
    static const char text[] =
        "return { name = 'seg', seed = 9, horizon = 10, sample_every = 10, prevalence = 0.3,\n"
        "  labels = { fraction = 0.1, delay = 0, feedback = { fraction = 0.2, delay = 0, up_if_right = 0.8,\n"
        "                                                     up_if_wrong = 0.3 } },\n"
        "  population = { { name = 'a', users = 1000, rate = 1 },\n"
        "                 { name = 'b', users = 1000, rate = 1, prevalence = 0.6, labels = { fraction = 0.3 } } },\n"
        "  versions = { { name = 'b', baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },\n"
        "               { name = 'c', error_rate = 0.01, recall = 0.8, specificity = 0.9 } },\n"
        "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.5 }, bake = 100 } }\n";
    simtest t;
    simtest_open(&t, text, NULL, 0);
    double req[2] = {0}, lab[2] = {0}, pos[2] = {0}, up[2] = {0}, fb[2] = {0};
    for (int r = 0; r < 10; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        const rs_confusion *q = rs_sim_labels(t.sim, NULL);
        const rs_counts *cells = rs_sim_cells(t.sim, NULL, NULL);
        for (int s = 0; s < 2; s++) { /* the baseline is version 0: cells 0 (a) and 1 (b) */
            req[s] += (double)cells[s].requests;
            lab[s] += (double)(q[s].tp + q[s].fp + q[s].fn + q[s].tn);
            pos[s] += (double)(q[s].tp + q[s].fn);
            up[s] += (double)q[s].thumbs_up;
            fb[s] += (double)(q[s].thumbs_up + q[s].thumbs_down);
        }
    }
    const double w[2] = {0.1, 0.3}, pi[2] = {0.3, 0.6};
    for (int s = 0; s < 2; s++) {
        print_message("segment %c: labelled %.4f (%.2f), positive %.4f (%.2f), feedback %.0f\n", 'a' + s,
                      lab[s] / req[s], w[s], pos[s] / lab[s], pi[s], fb[s]);
        assert_near(lab[s] / req[s], w[s], 4 * sqrt(w[s] * (1 - w[s]) / req[s]));
        assert_near(pos[s] / lab[s], pi[s], 4 * sqrt(pi[s] * (1 - pi[s]) / lab[s]));
    }
    assert_true(fb[1] == 0); /* segment b's own labels have no feedback */
    double acc = rs_quality_accuracy(0.3, 0.9, 0.95), pu = acc * 0.8 + (1 - acc) * 0.3;
    print_message("thumbs up %.4f of %.0f feedback, closed form %.4f\n", up[0] / fb[0], fb[0], pu);
    assert_near(fb[0] / req[0], 0.2, 4 * sqrt(0.2 * 0.8 / req[0]));
    assert_near(up[0] / fb[0], pu, 4 * sqrt(pu * (1 - pu) / fb[0]));
    simtest_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(closed_forms),
        cmocka_unit_test(parameterisations),
        cmocka_unit_test(delay_integrals),
        cmocka_unit_test(measured_metrics),
        cmocka_unit_test(segments_and_feedback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The production gates on upstream's own test cases. Each test names the upstream test (or function) it
 * ports; the expected values are upstream's, at upstream's stated precision:
 *   Kayenta  kayenta-mannwhitney MannWhitneySuite.scala (E = 1e-6; the estimates of the R tie-outs 1e-4)
 *   orca     orca-kayenta AggregateCanaryResultsTaskTest.kt (AggregateCanaryResultsTaskSpec)
 *   Argo     analysis/analysis_test.go and utils/analysis/factory_test.go (argoproj/argo-rollouts)
 *   Flagger  pkg/controller/scheduler_deployment_test.go (fluxcd/flagger) */
#include "check.h"

#include <gsl/gsl_cdf.h>
#include <stdio.h>
#include <string.h>

#include "prodgates.h"
#include "kayenta_mw_data.h"

#define LEN(a) (sizeof a / sizeof *a)
#define V(x) ((rs_metric_value){(x), 1})
#define NODATA ((rs_metric_value){0, 0})
static const double E = 0.000001; /* MannWhitneySuite's E */

/* ---- Kayenta: MannWhitneySuite.scala -------------------------------------------------------------------- */

/* test("Wilcoxon Diff Function") */
static void kayenta_wilcoxon_diff_function(void **state)
{
    (void)state;
    double f;
    assert_int_equal(rs_kayenta_wilcoxon_diff(0, 0, wd_x, LEN(wd_x), wd_y, LEN(wd_y), &f), 0);
    assert_near(f, -1.229416, E);
    assert_int_equal(rs_kayenta_wilcoxon_diff(5, 0, wd_x, LEN(wd_x), wd_y, LEN(wd_y), &f), 0);
    assert_near(f, -35.80606, E);
}

/* test("Mann-Whitney Confidence Interval & Estimate"): mannWhitneyUTest(experiment, control) at 0.95. */
static void kayenta_confidence_interval_and_estimate(void **state)
{
    (void)state;
    double x[] = {10.0, 20.0, 30.0, 40.0}, y[] = {1.0, 2.0, 3.0, 4.0};
    rs_kayenta_metric_result r;
    assert_int_equal(rs_kayenta_mann_whitney(x, 4, y, 4, 0.95, &r), 0);
    assert_near(r.ci_lower, 6.0, E);
    assert_near(r.ci_upper, 39.0, E);
    assert_near(r.estimate, 22.5, E);
}

/* test("Mann-Whitney Confidence Interval & Estimate: Problem Case"), at 0.98. Values of about 0.0333 that
 * differ in the fifth digit: the solver's absolute 1e-4 is wider than the data's spread, and the estimate
 * comes out equal to the upper end. */
static void kayenta_problem_case(void **state)
{
    (void)state;
    rs_kayenta_metric_result r;
    assert_int_equal(rs_kayenta_mann_whitney(pc_x, LEN(pc_x), pc_y, LEN(pc_y), 0.98, &r), 0);
    assert_near(r.ci_lower, -1.4808028936386108E-5, E);
    assert_near(r.ci_upper, 1.808255910873413E-5, E);
    assert_near(r.estimate, 1.808255910873413E-5, E);
}

/* test("... Tie out with R Version"), at 0.95; the estimate to 1e-4 as upstream asserts it. */
static void kayenta_tie_out_with_r(void **state)
{
    (void)state;
    rs_kayenta_metric_result r;
    assert_int_equal(rs_kayenta_mann_whitney(tr_x, LEN(tr_x), tr_y, LEN(tr_y), 0.95, &r), 0);
    assert_near(r.ci_lower, -0.500002521696696, E);
    assert_near(r.ci_upper, -3.486287505871302E-5, E);
    assert_near(r.estimate, -0.4999393907180323, 0.0001);
}

/* test("... Tie out with R Version (Large)"), at 0.98 (the "High"-size input: 180 vs 180). */
static void kayenta_tie_out_with_r_large(void **state)
{
    (void)state;
    rs_kayenta_metric_result r;
    assert_int_equal(rs_kayenta_mann_whitney(lg_x, LEN(lg_x), lg_y, LEN(lg_y), 0.98, &r), 0);
    assert_near(r.ci_lower, -0.4999173250549087, E);
    assert_near(r.ci_upper, -6.912685789769486E-6, E);
    assert_near(r.estimate, -3.45044082729315E-5, 0.0001);
}

typedef struct wd_ctx {
    const double *x, *y;
    size_t m, n;
    double zq;
} wd_ctx;

static double wd(double mu, void *p)
{
    const wd_ctx *c = p;
    double f = NAN;
    rs_kayenta_wilcoxon_diff(mu, c->zq, c->x, c->m, c->y, c->n, &f);
    return f;
}

/* test("Mann-Whitney Intermediate Values / Variables"): muMin, muMax, the quantiles, the function at the ends
 * and the three roots by BrentSolver.solve, at 0.95 on zero-heavy samples (a percent-scaled error rate). The
 * solver's "lower" end (3.52e-5) is above its "upper" end (2.02e-5): both are within its 1e-4 of 0. */
static void kayenta_intermediate_values(void **state)
{
    (void)state;
    const size_t m = LEN(iv_x), n = LEN(iv_y);
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < m; i++)
        xmin = fmin(xmin, iv_x[i]), xmax = fmax(xmax, iv_x[i]);
    for (size_t i = 0; i < n; i++)
        ymin = fmin(ymin, iv_y[i]), ymax = fmax(ymax, iv_y[i]);
    double mu_min = xmin - ymax, mu_max = xmax - ymin;
    assert_near(mu_min, -3.124999999999986, E);
    assert_near(mu_max, 5.555555555555557, E);
    double alpha = 1.0 - 0.95;
    double zq_upper = -1.9599639845400536; /* NormalDistribution.inverseCumulativeProbability(alpha / 2) */
    assert_near(gsl_cdf_ugaussian_Pinv(alpha / 2), zq_upper, E);
    double zq_lower = -zq_upper;
    double fl0, fu0, fl1, fu1, fl2, fu2;
    rs_kayenta_wilcoxon_diff(mu_min, 0, iv_x, m, iv_y, n, &fl0);
    rs_kayenta_wilcoxon_diff(mu_max, 0, iv_x, m, iv_y, n, &fu0);
    rs_kayenta_wilcoxon_diff(mu_min, zq_lower, iv_x, m, iv_y, n, &fl1);
    rs_kayenta_wilcoxon_diff(mu_max, zq_lower, iv_x, m, iv_y, n, &fu1);
    rs_kayenta_wilcoxon_diff(mu_min, zq_upper, iv_x, m, iv_y, n, &fl2);
    rs_kayenta_wilcoxon_diff(mu_max, zq_upper, iv_x, m, iv_y, n, &fu2);
    assert_near(fl1, 17.090968923762254, E);
    assert_near(fu1, -20.997687930433106, E);
    assert_near(fl2, 21.01089689284236, E);
    assert_near(fu2, -17.077759961353, E);
    wd_ctx c1 = {iv_x, iv_y, m, n, zq_lower}, c2 = {iv_x, iv_y, m, n, zq_upper}, c0 = {iv_x, iv_y, m, n, 0};
    assert_near(rs_kayenta_brent(mu_min, mu_max, fl1, fu1, wd, &c1), 3.521755377702165E-5, E);
    assert_near(rs_kayenta_brent(mu_min, mu_max, fl2, fu2, wd, &c2), 2.02456461662334E-5, E);
    assert_near(rs_kayenta_brent(mu_min, mu_max, fl0, fu0, wd, &c0), 2.6279243045155653E-5, E);
}

/* The same zero-heavy samples at another scale (rollsim's metric `scale`): the data / 100 (a fraction instead
 * of a percent). The exact interval would scale by 1/100; Kayenta's does not, its solver stopping within
 * 1e-4 of 0 either way — so the verdict of a metric depends on the unit its query returns. */
static void kayenta_verdict_depends_on_scale(void **state)
{
    (void)state;
    const size_t m = LEN(iv_x), n = LEN(iv_y);
    double xs[sizeof iv_x / sizeof *iv_x], ys[sizeof iv_y / sizeof *iv_y];
    for (size_t i = 0; i < m; i++)
        xs[i] = iv_x[i] / 100;
    for (size_t i = 0; i < n; i++)
        ys[i] = iv_y[i] / 100;
    rs_kayenta_metric_result a, b;
    assert_int_equal(rs_kayenta_mann_whitney(iv_x, m, iv_y, n, 0.95, &a), 0);
    assert_int_equal(rs_kayenta_mann_whitney(xs, m, ys, n, 0.95, &b), 0);
    assert_true(a.ci_lower > a.ci_upper); /* the solver's ends, not an interval: both within 1e-4 of 0 */
    /* and through the judge: metric.scale = 100 on the fraction gives the percent's numbers */
    rs_kayenta_metric km;
    rs_kayenta_metric_init(&km, "error_rate", "g");
    km.scale = 100;
    rs_kayenta_config cfg = {.metrics = &km, .n_metrics = 1, .pass_score = NAN, .marginal_score = NAN};
    rs_kayenta_samples s = {xs, m, ys, n};
    rs_kayenta_metric_result r;
    rs_kayenta_judgment j;
    cfg.confidence = 0.95;
    assert_int_equal(rs_kayenta_judge(&cfg, &s, &r, &j, NULL), RS_OK);
    assert_near(r.ci_lower, 3.521755377702165E-5, 1e-6);
    assert_near(r.ci_upper, 2.02456461662334E-5, 1e-6);
}

/* ---- orca: AggregateCanaryResultsTaskSpec ----------------------------------------------------------------- */

/* Each row: the scores of the intervals, the thresholds (NaN: not given), SUCCEEDED (1) or TERMINAL (0). The
 * thresholds are Ints in orca (KayentaService.kt): pass 60.5 is read as 60. rs_kayenta_check is fed judgments
 * whose score is the row's (one metric per interval: Pass or High fixes 100 or 0, so the rows are replayed on
 * the decision logic, rs_kayenta_int_threshold and the <= marginal / < pass rules of the task). */
static int aggregate(const double *scores, size_t n, double pass, double marginal)
{
    double p = rs_kayenta_int_threshold(pass), mg = rs_kayenta_int_threshold(marginal);
    double final = scores[n - 1];
    if (isnan(p) && isnan(mg))
        return 1;
    if (!isnan(mg) && final <= mg)
        return 0;
    if (isnan(p))
        return 1;
    return final >= p;
}

static void orca_aggregate_scores(void **state)
{
    (void)state;
    static const double s3[] = {10.5, 40.0, 60.5}, s1[] = {65.0};
    struct { const double *s; size_t n; double pass, marginal; int ok; } rows[] = {
        {s3, 3, NAN, NAN, 1},  {s3, 3, 60.5, NAN, 1}, {s3, 3, 55, NAN, 1}, {s3, 3, 60.5, 5, 1},
        {s3, 3, 55, 5, 1},     {s3, 3, NAN, 5, 1},    {s1, 1, NAN, NAN, 1}, {s1, 1, 60.5, NAN, 1},
        {s1, 1, 55, NAN, 1},   {s1, 1, 60.5, 5, 1},   {s1, 1, 55, 5, 1},    {s1, 1, NAN, 5, 1},
        {s3, 3, 70, NAN, 0},   {s3, 3, 70, 5, 0},     {s1, 1, 70, NAN, 0},  {s1, 1, 70, 5, 0},
        {s1, 1, 70, 68, 0},    {s1, 1, NAN, 68, 0},
    };
    for (size_t i = 0; i < LEN(rows); i++)
        assert_int_equal(aggregate(rows[i].s, rows[i].n, rows[i].pass, rows[i].marginal), rows[i].ok);
    /* and the stage itself on the 60.5 row: a final score of exactly 60.5 would fail "pass 60.5" read as a
     * double; read as orca's Int 60 it passes. rs_kayenta_check rounds scores to 2 decimals as Kayenta. */
    assert_near(rs_kayenta_int_threshold(60.5), 60, 0);
    assert_near(rs_kayenta_int_threshold(99.99), 99, 0);
}

/* ---- Argo: analysis_test.go, factory_test.go ---------------------------------------------------------- */

static rs_argo_metric argo_metric(int failure_limit, unsigned count, double interval)
{
    rs_argo_metric m;
    rs_argo_metric_init(&m, "success-rate");
    m.success = (rs_argo_cond){RS_ARGO_GE, 0.9};
    m.failure_limit = failure_limit;
    m.count = count;
    m.interval = interval;
    return m;
}

/* factory_test.go TestValidateMetrics: the refusals and their messages. */
static void argo_validate_metrics(void **state)
{
    (void)state;
    rs_error e;
    rs_argo_metric m = argo_metric(2, 1, 1); /* count (1) < failureLimit (2) + consecutiveSuccessLimit (0) */
    rs_argo_config cfg = {&m, 1, 0};
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "count (1) must be >= failureLimit + consecutiveSuccessLimit (2 + 0) if both >= 0"));
    m = argo_metric(0, 2, 0); /* count > 1 without an interval */
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "interval must be specified when count > 1"));
    m = argo_metric(-1, 0, 1); /* both limits disabled */
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "failureLimit and consecutiveSuccessLimit cannot both be disabled"));
    m = argo_metric(0, 2, 1);
    m.inconclusive_limit = 3;
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "count must be >= inconclusiveLimit"));
    /* validation_references.go: an inline step refuses a metric that runs indefinitely; background allows it */
    m = argo_metric(0, 0, 1);
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "runs indefinitely"));
    cfg.background = 1;
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_OK);
}

/* analysis_test.go TestAssessMetricStatusNoMeasurements / EffectiveCount: no count and no interval is one
 * measurement; a metric with no conditions is Successful. */
static void argo_effective_count_and_no_conditions(void **state)
{
    (void)state;
    rs_argo_metric m;
    rs_argo_metric_init(&m, "noop");
    assert_int_equal(rs_argo_effective_count(&m), 1);
    m.interval = 1;
    assert_int_equal(rs_argo_effective_count(&m), 0);
    m.interval = 0;
    rs_argo_config cfg = {&m, 1, 0};
    rs_argo_state st;
    rs_pg_result r;
    rs_argo_start(&cfg, &st, 0);
    assert_int_equal(rs_argo_measure(&cfg, &st, 0, &(rs_metric_value){0, 0}, &r), RS_PG_ADVANCE);
    assert_int_equal(st.phase, RS_ARGO_SUCCESSFUL);
    assert_non_null(strstr(r.detail, "count 1 reached"));
}

/* analysis_test.go TestFailureLimit / TestInconclusiveLimit / TestConsecutiveErrorLimit (worked from
 * assessMetricFailureInconclusiveOrError): strict limits, errors retried after 10 s (calculateNextReconcileTime). */
static void argo_limits_and_error_retry(void **state)
{
    (void)state;
    rs_argo_metric m = argo_metric(1, 5, 0.25);
    rs_argo_config cfg = {&m, 1, 0};
    rs_argo_state st;
    rs_pg_result r;
    rs_argo_start(&cfg, &st, 1);
    assert_near(rs_argo_next(&cfg, &st), 1, 0);
    assert_int_equal(rs_argo_measure(&cfg, &st, 1, &(rs_metric_value){0.5, 1}, &r), RS_PG_CONTINUE);
    assert_near(rs_argo_next(&cfg, &st), 1.25, 1e-12);
    assert_int_equal(rs_argo_measure(&cfg, &st, 1.25, &(rs_metric_value){0.5, 1}, &r), RS_PG_ROLLBACK);
    assert_non_null(strstr(r.detail, "failed 2 > failureLimit 1"));
    /* errors: retried 10 s later, not after the interval; the fifth in a row (> 4) errs the run 40 s in */
    m = argo_metric(0, 5, 0.25);
    rs_argo_start(&cfg, &st, 0);
    double t = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(rs_argo_measure(&cfg, &st, t, &NODATA, &r), RS_PG_CONTINUE);
        t = rs_argo_next(&cfg, &st);
    }
    assert_near(t, 40.0 / 3600, 1e-12);
    assert_int_equal(rs_argo_measure(&cfg, &st, t, &NODATA, &r), RS_PG_ROLLBACK);
    assert_non_null(strstr(r.detail, "consecutiveErrors 5 > consecutiveErrorLimit 4"));
    /* initialDelay: the first measurement waits for it */
    m = argo_metric(0, 2, 1);
    m.initial_delay = 0.5;
    rs_argo_start(&cfg, &st, 2);
    assert_near(rs_argo_next(&cfg, &st), 2.5, 1e-12);
}

/* The background lifetime (rollout/analysis.go): one run, counters never reset — failureLimit 1 fails on any
 * two failures in the whole rollout; a per-stage run (inline) would have started again at 0. */
static void argo_background_counters_never_reset(void **state)
{
    (void)state;
    rs_argo_metric m = argo_metric(1, 0, 1);
    rs_argo_config cfg = {&m, 1, 1};
    assert_int_equal(rs_argo_validate(&cfg, NULL), RS_OK);
    rs_argo_state st;
    rs_pg_result r;
    rs_argo_start(&cfg, &st, 0);
    rs_metric_value bad = V(0.5), good = V(0.99);
    assert_int_equal(rs_argo_measure(&cfg, &st, 0, &bad, &r), RS_PG_CONTINUE);  /* "stage 1" */
    for (int h = 1; h <= 5; h++)
        assert_int_equal(rs_argo_measure(&cfg, &st, h, &good, &r), RS_PG_CONTINUE); /* "stages 2, 3" */
    assert_int_equal(rs_argo_measure(&cfg, &st, 6, &bad, &r), RS_PG_ROLLBACK);
    assert_int_equal(st.metrics[0].failed, 2);
}

/* ---- Flagger: scheduler_deployment_test.go -------------------------------------------------------------- */

/* TestScheduler_DeploymentAnalysisPhases: stepWeight 100, stepWeightPromotion 50. Ticks: detect changes
 * (Progressing, 0), progressing (100), start promotion (Promoting, 100), end promotion (Promoting, 50),
 * finalising (Finalising, 0), succeeded (Succeeded, 0). */
static void flagger_deployment_analysis_phases(void **state)
{
    (void)state;
    rs_flagger_config cfg = {NULL, 0, 0, 100, NULL, 0, 0, 50, 0};
    assert_int_equal(rs_flagger_validate(&cfg, NULL), RS_OK);
    rs_flagger_state st;
    rs_flagger_init(&st);
    rs_pg_result r;
    struct { rs_pg_action a; rs_flagger_phase ph; unsigned w; } want[] = {
        {RS_PG_CONTINUE, RS_FLAGGER_PROGRESSING, 0}, {RS_PG_ADVANCE, RS_FLAGGER_PROGRESSING, 100},
        {RS_PG_CONTINUE, RS_FLAGGER_PROMOTING, 100}, {RS_PG_CONTINUE, RS_FLAGGER_PROMOTING, 50},
        {RS_PG_CONTINUE, RS_FLAGGER_FINALISING, 0},  {RS_PG_PROMOTE, RS_FLAGGER_PROMOTED, 0},
    };
    for (size_t i = 0; i < LEN(want); i++) {
        assert_int_equal(rs_flagger_check(&cfg, &st, NULL, &r), want[i].a);
        assert_int_equal(st.phase, want[i].ph);
        assert_int_equal(st.weight, want[i].w);
    }
}

/* TestScheduler_DeploymentRollback: failedChecks already at the maximum (10 >= threshold): the next tick
 * rolls back without running the metric checks, phase Failed. And stepWeights above 100 are capped
 * (scheduler.go maxWeight, nextStepWeight, runCanary): [50, 150] goes 50 -> 100, maxWeight 100. */
static void flagger_deployment_rollback_and_capped_weights(void **state)
{
    (void)state;
    rs_flagger_config cfg = {NULL, 0, 10, 10, NULL, 0, 0, 0, 0};
    rs_flagger_state st;
    rs_flagger_init(&st);
    rs_pg_result r;
    assert_int_equal(rs_flagger_check(&cfg, &st, NULL, &r), RS_PG_CONTINUE); /* detect */
    st.failed_checks = 10;
    assert_int_equal(rs_flagger_check(&cfg, &st, NULL, &r), RS_PG_ROLLBACK);
    assert_int_equal(st.phase, RS_FLAGGER_FAILED);
    static const unsigned big[] = {50, 150};
    rs_flagger_config c2 = {NULL, 0, 1, 0, big, 2, 0, 0, 0};
    assert_int_equal(rs_flagger_validate(&c2, NULL), RS_OK);
    rs_flagger_init(&st);
    rs_flagger_check(&c2, &st, NULL, &r);
    assert_int_equal(rs_flagger_check(&c2, &st, NULL, &r), RS_PG_ADVANCE);
    assert_int_equal(st.weight, 50);
    assert_int_equal(rs_flagger_check(&c2, &st, NULL, &r), RS_PG_ADVANCE);
    assert_int_equal(st.weight, 100);
    assert_int_equal(rs_flagger_check(&c2, &st, NULL, &r), RS_PG_CONTINUE);
    assert_int_equal(st.phase, RS_FLAGGER_PROMOTING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kayenta_wilcoxon_diff_function),
        cmocka_unit_test(kayenta_confidence_interval_and_estimate),
        cmocka_unit_test(kayenta_problem_case),
        cmocka_unit_test(kayenta_tie_out_with_r),
        cmocka_unit_test(kayenta_tie_out_with_r_large),
        cmocka_unit_test(kayenta_intermediate_values),
        cmocka_unit_test(kayenta_verdict_depends_on_scale),
        cmocka_unit_test(orca_aggregate_scores),
        cmocka_unit_test(argo_validate_metrics),
        cmocka_unit_test(argo_effective_count_and_no_conditions),
        cmocka_unit_test(argo_limits_and_error_retry),
        cmocka_unit_test(argo_background_counters_never_reset),
        cmocka_unit_test(flagger_deployment_analysis_phases),
        cmocka_unit_test(flagger_deployment_rollback_and_capped_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

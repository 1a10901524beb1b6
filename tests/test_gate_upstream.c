/* The production gates on upstream's own test cases. Each test names the upstream test (or function) it
 * ports; the expected values are upstream's, at upstream's stated precision:
 *   Kayenta  kayenta-mannwhitney MannWhitneySuite.scala (E = 1e-6; the estimates of the R tie-outs 1e-4),
 *            kayenta-judge ClassifierSuite.scala (the classifications) and ScorerSuite.scala (the scores)
 *   orca     orca-kayenta AggregateCanaryResultsTaskTest.kt (AggregateCanaryResultsTaskSpec)
 *   Argo     analysis/analysis_test.go and utils/analysis/factory_test.go (argoproj/argo-rollouts)
 *   Flagger  pkg/controller/scheduler_deployment_test.go (fluxcd/flagger) */
#include "check.h"

#include <gsl/gsl_cdf.h>
#include <stdio.h>
#include <string.h>

#include "prodgates.h"
#include "kayenta_mw_data.h"
#include "kayenta_classifier_data.h"

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

/* ---- Kayenta: ClassifierSuite.scala ----------------------------------------------------------------------- */

/* Every MannWhitneyClassifier test of ClassifierSuite.scala (tests/kayenta_classifier_data.h, in the file's
 * order; 34 tests), run through rs_kayenta_judge with one metric and the classifier's arguments as the test
 * gives them: tolerance and confLevel (the config's tolerance and confidence), effectSizeThresholds (allowed
 * decrease, increase), criticalThresholds, effectSizeMeasure, MetricDirection, NaNStrategy, isCriticalMetric.
 * Expected: the test's asserted classification, its `critical` where it asserts it, and its `deviation`
 * (NaN, or 1.0) where it asserts it. They include the large-input cases: "High Metric (Large Input)" (210 vs
 * 210 zero-heavy percentages, where the interval ends come from Kayenta's Brent solver) and "Mean Ratio
 * Effect Size: Pass (Large Input)". Both-constant samples ("Tied Ranks") are jittered by Kayenta (noise of
 * scale 1e-5 of the value); rollsim takes that at its limit, which gives the same class. "Missing Data:
 * Reason String" asserts only that a reason is given: rollsim's is the class, Nodata. */
static void kayenta_classifier_suite(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < LEN(cs_cases); i++) {
        const cs_case *c = &cs_cases[i];
        rs_kayenta_metric km;
        rs_kayenta_metric_init(&km, "metric", "g");
        km.direction = c->direction;
        km.nan_strategy = c->nan_replace ? RS_KAYENTA_NAN_REPLACE : RS_KAYENTA_NAN_REMOVE;
        km.critical = c->critical;
        km.effect = c->cles ? RS_KAYENTA_CLES : RS_KAYENTA_MEAN_RATIO;
        km.allowed_decrease = c->allowed_decrease;
        km.allowed_increase = c->allowed_increase;
        km.critical_decrease = c->critical_decrease;
        km.critical_increase = c->critical_increase;
        rs_kayenta_config cfg = {.metrics = &km, .n_metrics = 1, .pass_score = NAN, .marginal_score = NAN,
                                 .confidence = c->confidence, .tolerance = c->tolerance};
        rs_kayenta_samples s = {c->x, c->m, c->y, c->n};
        rs_kayenta_metric_result r;
        rs_kayenta_judgment j;
        assert_int_equal(rs_kayenta_judge(&cfg, &s, &r, &j, NULL), RS_OK);
        int ok = r.cls == c->want;
        if (c->want_critical >= 0)
            ok &= r.critical == c->want_critical;
        if (c->want_deviation == DEV_NAN)
            ok &= isnan(r.deviation);
        if (c->want_deviation == DEV_ONE)
            ok &= r.deviation == 1.0;
        print_message("%-4s %s: %s%s (expected %s) HL %.6g [%.6g, %.6g] effect %.4g\n", ok ? "ok" : "FAIL", c->name,
                      rs_kayenta_class_name(r.cls), r.critical ? " critical" : "", rs_kayenta_class_name(c->want),
                      r.estimate, r.ci_lower, r.ci_upper, r.effect_size);
        failed += !ok;
    }
    assert_int_equal(LEN(cs_cases), 34);
    assert_int_equal(failed, 0);
}

/* ScorerSuite.scala (kayenta-judge), every test, through rs_kayenta_judge: each metric's classification is
 * forced by constant samples (canary = baseline: Pass; canary above: High; below: Low; no canary data:
 * Nodata), so the test's list of results is reproduced, and its summaryScore is checked exactly, as the suite
 * asserts it (WeightedSumScorer.score, rounded to 2 decimals). */
typedef struct sc_metric {
    const char *group;
    rs_kayenta_class cls;
    int critical;
} sc_metric;

static double scorer(const sc_metric *ms, size_t n, const rs_kayenta_group_weight *w, size_t nw)
{
    static const double one[] = {1, 1, 1}, two[] = {2, 2, 2}, half[] = {0.5, 0.5, 0.5};
    rs_kayenta_metric km[8];
    rs_kayenta_samples s[8];
    rs_kayenta_metric_result r[8];
    for (size_t i = 0; i < n; i++) {
        rs_kayenta_metric_init(&km[i], "m", ms[i].group);
        km[i].critical = ms[i].critical;
        const double *x = ms[i].cls == RS_KAYENTA_HIGH ? two : ms[i].cls == RS_KAYENTA_LOW ? half : one;
        s[i] = (rs_kayenta_samples){x, ms[i].cls == RS_KAYENTA_NODATA ? 0 : 3, one, 3};
    }
    rs_kayenta_config cfg = {.metrics = km, .n_metrics = n, .weights = w, .n_weights = nw, .pass_score = NAN,
                             .marginal_score = NAN};
    rs_kayenta_judgment j;
    assert_int_equal(rs_kayenta_judge(&cfg, s, r, &j, NULL), RS_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r[i].cls, ms[i].cls);
    return j.score;
}

static void kayenta_scorer_suite(void **state)
{
    (void)state;
    const rs_kayenta_class P = RS_KAYENTA_PASS, H = RS_KAYENTA_HIGH, L = RS_KAYENTA_LOW, N = RS_KAYENTA_NODATA;
    /* "Weighted Sum Group Scorer: Single Metric Pass" / "Single Metric Fail" (no group weights) */
    assert_near(scorer((sc_metric[]){{"test-group", P, 0}}, 1, NULL, 0), 100, 0);
    assert_near(scorer((sc_metric[]){{"test-group", H, 0}}, 1, NULL, 0), 0, 0);
    /* "Single group Nodata": 0 (100 % of the metrics Nodata) */
    assert_near(scorer((sc_metric[]){{"test-group-nodata", N, 0}}, 1, NULL, 0), 0, 0);
    /* "Two Groups, one Pass, one Nodata": the Nodata group counts as 100 */
    assert_near(scorer((sc_metric[]){{"test-group-pass", P, 0}, {"test-group-pass", P, 0}, {"test-group-nodata", N, 0}},
                       3, NULL, 0),
                100, 0);
    /* "One Group, Two Metrics" 50; "One Group, Three Metrics" (Pass, High, Low) 33.33 */
    assert_near(scorer((sc_metric[]){{"test-group", P, 0}, {"test-group", H, 0}}, 2, NULL, 0), 50, 0);
    assert_near(scorer((sc_metric[]){{"test-group", P, 0}, {"test-group", H, 0}, {"test-group", L, 0}}, 3, NULL, 0),
                33.33, 0);
    /* "Two Groups, Three Metrics": group-1 75, group-2 25 */
    rs_kayenta_group_weight w75[] = {{"group-1", 75}, {"group-2", 25}};
    assert_near(scorer((sc_metric[]){{"group-1", P, 0}, {"group-1", P, 0}, {"group-2", H, 0}}, 3, w75, 2), 75, 0);
    /* "Two Groups, Three Metrics (Equal Weight)" 25, and "..., one NoData" 50 */
    rs_kayenta_group_weight w50[] = {{"group-1", 50}, {"group-2", 50}};
    assert_near(scorer((sc_metric[]){{"group-1", P, 0}, {"group-1", H, 0}, {"group-2", H, 0}}, 3, w50, 2), 25, 0);
    assert_near(scorer((sc_metric[]){{"group-1", P, 0}, {"group-1", N, 0}, {"group-2", H, 0}}, 3, w50, 2), 50, 0);
    /* "Two Metrics, one good (normal), one fail (critical)" 0; "one low (normal), one good (critical)" 50;
     * "one good (normal), one nodata (critical)" 0 */
    assert_near(scorer((sc_metric[]){{"test-group", P, 0}, {"test-group", H, 1}}, 2, NULL, 0), 0, 0);
    assert_near(scorer((sc_metric[]){{"test-group", L, 0}, {"test-group", P, 1}}, 2, NULL, 0), 50, 0);
    assert_near(scorer((sc_metric[]){{"test-group", P, 0}, {"test-group", N, 1}}, 2, NULL, 0), 0, 0);
    /* "Two Groups (Unequal Weight), Four Metrics": group1 15 (High, Low, Pass), group2 85 (High): 5 */
    rs_kayenta_group_weight w15[] = {{"group1", 15}, {"group2", 85}};
    assert_near(scorer((sc_metric[]){{"group1", H, 0}, {"group1", L, 0}, {"group1", P, 0}, {"group2", H, 0}}, 4, w15, 2),
                5, 0);
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
    cfg.background = 0;
    /* the remaining subtests of TestValidateMetrics, each with its message: */
    m = argo_metric(2, 0, 0); /* "Ensure count >= failureLimit + ...": count 0 (not given) is accepted */
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_OK);
    rs_argo_metric_init(&m, "success-rate"); /* "Ensure count must be >= inconclusiveLimit": count 1, limit 2 */
    m.count = 1;
    m.inconclusive_limit = 2;
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "count must be >= inconclusiveLimit"));
    m.count = 0; /* ... and count 0 accepted */
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_OK);
    m = argo_metric(2, 2, 1); /* "Validate metric": count 2, interval 60s, failureLimit 2 */
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_OK);
    rs_argo_metric_init(&m, "success-rate"); /* "Ensure interval set when count > 1" */
    m.count = 2;
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "interval must be specified when count > 1"));
    rs_argo_metric_init(&m, "success-rate"); /* "Ensure failureLimit >= -1" */
    m.failure_limit = -2;
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "failureLimit must be >= 0, or -1 to be disabled"));
    rs_argo_metric_init(&m, "success-rate"); /* "Ensure inconclusiveLimit >= 0" */
    m.inconclusive_limit = -1;
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "inconclusiveLimit must be >= 0"));
    rs_argo_metric_init(&m, "success-rate"); /* "Ensure consecutiveErrorLimit >= 0" */
    m.consecutive_error_limit = -1;
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "consecutiveErrorLimit must be >= 0"));
    rs_argo_metric_init(&m, "success-rate"); /* "Ensure consecutiveSuccessLimit >= 0" */
    m.consecutive_success_limit = -1;
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "consecutiveSuccessLimit must be >= 0"));
    rs_argo_metric_init(&m, "success-rate"); /* "... not both disabled": consecutiveSuccessLimit 0, failureLimit -1 */
    m.failure_limit = -1;
    assert_int_equal(rs_argo_validate(&cfg, &e), RS_ERR_INPUT);
    assert_non_null(strstr(e.msg, "failureLimit and consecutiveSuccessLimit cannot both be disabled"));
}

/* Worked by hand from v1alpha1 Metric.EffectiveCount (no count and no interval is one measurement) and
 * evaluate.go EvaluateResult (a metric with no conditions is Successful). */
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

/* Worked by hand from analysis.go assessMetricFailureInconclusiveOrError and calculateNextReconcileTime
 * (analysis_test.go has no test of these names; its own cases are the argo_Test* ports below): strict limits,
 * errors retried after 10 s. */
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

/* ---- Argo: analysis_test.go, case by case ------------------------------------------------------------- */

/* A MetricResult of analysis_test.go: the counters the test sets (its Measurements list only says whether the
 * last measurement is completed, which it is in every case ported here). */
static rs_argo_metric_state mr(unsigned count, unsigned successful, unsigned failed, unsigned inconclusive,
                               unsigned consecutive_error, unsigned consecutive_success)
{
    rs_argo_metric_state ms = {0};
    ms.count = count, ms.successful = successful, ms.failed = failed, ms.inconclusive = inconclusive;
    ms.consecutive_error = ms.error = consecutive_error;
    ms.consecutive_success = consecutive_success;
    ms.phase = RS_ARGO_RUNNING;
    return ms;
}

/* Argo's metric with an interval of 60 s ("Interval: 60s"; rollsim's hours), nothing else set. */
static rs_argo_metric interval_metric(void)
{
    rs_argo_metric m;
    rs_argo_metric_init(&m, "success-rate");
    m.interval = 60.0 / 3600;
    return m;
}

#define ASSESS(m, ms, term) rs_argo_assess(&(m), &(ms), (term), NULL, 0)

/* TestAssessMetricStatusNoMeasurements: Pending (rollsim: Running), Successful when terminating. */
static void argo_TestAssessMetricStatusNoMeasurements(void **state)
{
    (void)state;
    rs_argo_metric m;
    rs_argo_metric_init(&m, "success-rate");
    rs_argo_metric_state ms = mr(0, 0, 0, 0, 0, 0);
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_RUNNING);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_SUCCESSFUL);
}

/* TestAssessMetricStatusFailureLimit: failureLimit 2, Failed 3, Count 3: Failed (also terminating); failureLimit
 * 3: Running, Successful when terminating. */
static void argo_TestAssessMetricStatusFailureLimit(void **state)
{
    (void)state;
    rs_argo_metric m = interval_metric();
    m.failure_limit = 2;
    rs_argo_metric_state ms = mr(3, 0, 3, 0, 0, 0);
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_FAILED);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_FAILED);
    m.failure_limit = 3;
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_RUNNING);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_SUCCESSFUL);
}

/* TestAssessMetricStatusConsecutiveSuccessLimit: failureLimit -1; Failed 3, Successful 4, ConsecutiveSuccess
 * 3, Count 7. */
static void argo_TestAssessMetricStatusConsecutiveSuccessLimit(void **state)
{
    (void)state;
    rs_argo_metric m = interval_metric();
    m.failure_limit = -1;
    m.consecutive_success_limit = 3;
    rs_argo_metric_state ms = mr(7, 4, 3, 0, 0, 3);
    /* indefinite (count not set): limit 3 reached; limit 5 not */
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_SUCCESSFUL);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_SUCCESSFUL);
    m.consecutive_success_limit = 5;
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_RUNNING);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_SUCCESSFUL);
    /* count 7 reached: limit 5 not reached -> Failed; limit 3 -> Successful */
    m.count = 7;
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_FAILED);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_FAILED);
    m.consecutive_success_limit = 3;
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_SUCCESSFUL);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_SUCCESSFUL);
    /* count 9 not reached: limit 3 -> Successful; limit 5 -> Running (Successful when terminating) */
    m.count = 9;
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_SUCCESSFUL);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_SUCCESSFUL);
    m.consecutive_success_limit = 5;
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_RUNNING);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_SUCCESSFUL);
}

/* TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit: failureLimit 4, consecutiveSuccessLimit 4; each
 * row (failed, successful, count, consecutiveSuccess) with the test's expected phase, not terminating and
 * terminating. */
static void argo_TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit(void **state)
{
    (void)state;
    const rs_argo_phase R = RS_ARGO_RUNNING, S = RS_ARGO_SUCCESSFUL, F = RS_ARGO_FAILED, I = RS_ARGO_INCONCLUSIVE;
    struct { unsigned count_spec, failed, successful, count, cs; rs_argo_phase want, want_term; } rows[] = {
        /* indefinite analysis (count not set) */
        {0, 3, 4, 7, 3, R, S}, {0, 5, 9, 9, 0, F, F}, {0, 3, 5, 8, 4, S, S}, {0, 5, 5, 10, 4, F, F},
        /* count 10, reached */
        {10, 4, 6, 10, 3, I, I}, {10, 5, 5, 10, 3, F, F}, {10, 4, 6, 10, 4, S, S}, {10, 5, 5, 10, 4, F, F},
        /* count 10, not yet reached */
        {10, 3, 5, 8, 3, R, S}, {10, 5, 3, 8, 3, F, F}, {10, 3, 5, 8, 4, S, S}, {10, 5, 4, 9, 4, F, F},
    };
    for (size_t i = 0; i < LEN(rows); i++) {
        rs_argo_metric m = interval_metric();
        m.failure_limit = 4;
        m.consecutive_success_limit = 4;
        m.count = rows[i].count_spec;
        rs_argo_metric_state ms = mr(rows[i].count, rows[i].successful, rows[i].failed, 0, 0, rows[i].cs);
        assert_int_equal(ASSESS(m, ms, 0), rows[i].want);
        assert_int_equal(ASSESS(m, ms, 1), rows[i].want_term);
    }
}

/* TestAssessMetricStatusInconclusiveLimit: inconclusiveLimit 2, Inconclusive 3, Count 3: Inconclusive; limit 3:
 * Running, Successful when terminating. */
static void argo_TestAssessMetricStatusInconclusiveLimit(void **state)
{
    (void)state;
    rs_argo_metric m = interval_metric();
    m.inconclusive_limit = 2;
    rs_argo_metric_state ms = mr(3, 0, 0, 3, 0, 0);
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_INCONCLUSIVE);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_INCONCLUSIVE);
    m.inconclusive_limit = 3;
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_RUNNING);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_SUCCESSFUL);
}

/* TestAssessMetricStatusConsecutiveErrors: ConsecutiveError 5 (default limit 4): Error; 4: Successful when
 * terminating, else Running. (The test sets Count 5 too.) */
static void argo_TestAssessMetricStatusConsecutiveErrors(void **state)
{
    (void)state;
    rs_argo_metric m = interval_metric();
    rs_argo_metric_state ms = mr(5, 0, 0, 0, 5, 0);
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_ERROR);
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_ERROR);
    ms.consecutive_error = 4;
    assert_int_equal(ASSESS(m, ms, 1), RS_ARGO_SUCCESSFUL);
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_RUNNING);
}

/* TestAssessMetricStatusCountReached: count 10 (no interval), Successful 10 of 10: Successful; Successful 5 and
 * Inconclusive 5: Inconclusive. */
static void argo_TestAssessMetricStatusCountReached(void **state)
{
    (void)state;
    rs_argo_metric m;
    rs_argo_metric_init(&m, "success-rate");
    m.count = 10;
    rs_argo_metric_state ms = mr(10, 10, 0, 0, 0, 0);
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_SUCCESSFUL);
    ms.successful = 5, ms.inconclusive = 5;
    assert_int_equal(ASSESS(m, ms, 0), RS_ARGO_INCONCLUSIVE);
}

/* TestAssessMetricFailureInconclusiveOrError: a metric with nothing set; Failed 1: Failed ("failed (1) >
 * failureLimit (0)"); Inconclusive 1: Inconclusive; ConsecutiveError 5: Error (default limit 4). rollsim's
 * reason text drops Argo's parentheses. */
static void argo_TestAssessMetricFailureInconclusiveOrError(void **state)
{
    (void)state;
    rs_argo_metric m;
    rs_argo_metric_init(&m, "");
    char why[80];
    rs_argo_metric_state ms = mr(1, 0, 1, 0, 0, 0);
    assert_int_equal(rs_argo_assess(&m, &ms, 1, why, sizeof why), RS_ARGO_FAILED);
    assert_string_equal(why, "failed 1 > failureLimit 0");
    ms = mr(1, 0, 0, 1, 0, 0);
    assert_int_equal(rs_argo_assess(&m, &ms, 1, why, sizeof why), RS_ARGO_INCONCLUSIVE);
    assert_string_equal(why, "inconclusive 1 > inconclusiveLimit 0");
    ms = mr(0, 0, 0, 0, 5, 0);
    assert_int_equal(rs_argo_assess(&m, &ms, 1, why, sizeof why), RS_ARGO_ERROR);
    assert_string_equal(why, "consecutiveErrors 5 > consecutiveErrorLimit 4");
}

/* TestRunMeasurementsResetConsecutiveErrorCounter: ConsecutiveError 4, Count 4, Error 4, and a measurement that
 * errs: ConsecutiveError 5, Error 5, Count still 4 (an Error does not count). */
static void argo_TestRunMeasurementsResetConsecutiveErrorCounter(void **state)
{
    (void)state;
    rs_argo_metric m;
    rs_argo_metric_init(&m, "test");
    m.success = (rs_argo_cond){RS_ARGO_GE, 0.9};
    rs_argo_config cfg = {&m, 1, 1};
    rs_argo_state st;
    rs_argo_init(&st);
    st.metrics[0] = mr(4, 0, 0, 0, 4, 0);
    st.metrics[0].error = 4;
    rs_pg_result r;
    rs_argo_check(&cfg, &st, &NODATA, &r);
    assert_int_equal(st.metrics[0].consecutive_error, 5);
    assert_int_equal(st.metrics[0].error, 5);
    assert_int_equal(st.metrics[0].count, 4);
}

/* TestAssessRunStatus: latency Successful and success-rate Running: the run is Running; latency Successful and
 * success-rate Failed: Failed (the worst completed metric). TestGenerateMetricTasksFailing: once a metric has
 * failed no metric is measured again (rs_argo_next: none due). Played here through measurements: latency
 * (count 1) succeeds at once; success-rate (interval 60 s, count 3) succeeds, then fails. */
static void argo_TestAssessRunStatus_and_TestGenerateMetricTasksFailing(void **state)
{
    (void)state;
    rs_argo_metric ms[2];
    rs_argo_metric_init(&ms[0], "latency");
    ms[0].success = (rs_argo_cond){RS_ARGO_LE, 1};
    ms[1] = interval_metric();
    ms[1].success = (rs_argo_cond){RS_ARGO_GE, 0.9};
    ms[1].count = 3;
    rs_argo_config cfg = {ms, 2, 0};
    assert_int_equal(rs_argo_validate(&cfg, NULL), RS_OK);
    rs_argo_state st;
    rs_pg_result r;
    rs_argo_start(&cfg, &st, 0);
    rs_metric_value v[2] = {V(0.5), V(0.99)};
    assert_int_equal(rs_argo_measure(&cfg, &st, 0, v, &r), RS_PG_CONTINUE);
    assert_int_equal(st.metrics[0].phase, RS_ARGO_SUCCESSFUL);
    assert_int_equal(st.metrics[1].phase, RS_ARGO_RUNNING);
    assert_int_equal(st.phase, RS_ARGO_RUNNING);
    double t = rs_argo_next(&cfg, &st);
    assert_near(t, 60.0 / 3600, 1e-12); /* TestCalculateNextReconcileTimeInterval: the interval after it */
    v[1] = V(0.5);
    assert_int_equal(rs_argo_measure(&cfg, &st, t, v, &r), RS_PG_ROLLBACK);
    assert_int_equal(st.phase, RS_ARGO_FAILED);
    assert_true(isinf(rs_argo_next(&cfg, &st)));
}

/* TestCalculateNextReconcileTimeInitialDelay and TestCalculateNextReconcileEarliestMetric: success-rate
 * (interval 60 s) measured at the run's start; start-delay (interval 60 s, initialDelay 40 s) not yet: the
 * next reconcile is the earliest due, 40 s after the start (the test: 30 s ago + 40 s = now + 10 s).
 * TestCalculateNextReconcileUponError: after an Error the metric is due DefaultErrorRetryInterval (10 s)
 * later, with or without an interval (5 min). */
static void argo_TestCalculateNextReconcileTime(void **state)
{
    (void)state;
    rs_argo_metric ms[2] = {interval_metric(), interval_metric()};
    ms[0].success = ms[1].success = (rs_argo_cond){RS_ARGO_GE, 0.9};
    ms[1].name = "start-delay";
    ms[1].initial_delay = 40.0 / 3600;
    rs_argo_config cfg = {ms, 2, 1};
    rs_argo_state st;
    rs_pg_result r;
    rs_argo_start(&cfg, &st, 0);
    rs_metric_value v[2] = {V(0.99), V(0.99)};
    assert_near(rs_argo_next(&cfg, &st), 0, 0);
    rs_argo_measure(&cfg, &st, 0, v, &r);
    assert_int_equal(st.metrics[0].count, 1);
    assert_int_equal(st.metrics[1].count, 0); /* not due yet */
    assert_near(rs_argo_next(&cfg, &st), 40.0 / 3600, 1e-12);
    /* upon error */
    for (int interval = 0; interval < 2; interval++) {
        rs_argo_metric e;
        rs_argo_metric_init(&e, "success-rate");
        e.success = (rs_argo_cond){RS_ARGO_GE, 0.9};
        e.interval = interval ? 5.0 / 60 : 0;
        rs_argo_config ce = {&e, 1, 1};
        rs_argo_start(&ce, &st, 1);
        rs_argo_measure(&ce, &st, 1, &NODATA, &r);
        assert_int_equal(st.metrics[0].last, RS_ARGO_ERROR);
        assert_near(rs_argo_next(&ce, &st), 1 + RS_ARGO_ERROR_RETRY, 1e-12);
    }
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
        cmocka_unit_test(kayenta_classifier_suite),
        cmocka_unit_test(kayenta_scorer_suite),
        cmocka_unit_test(orca_aggregate_scores),
        cmocka_unit_test(argo_validate_metrics),
        cmocka_unit_test(argo_effective_count_and_no_conditions),
        cmocka_unit_test(argo_limits_and_error_retry),
        cmocka_unit_test(argo_background_counters_never_reset),
        cmocka_unit_test(argo_TestAssessMetricStatusNoMeasurements),
        cmocka_unit_test(argo_TestAssessMetricStatusFailureLimit),
        cmocka_unit_test(argo_TestAssessMetricStatusConsecutiveSuccessLimit),
        cmocka_unit_test(argo_TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit),
        cmocka_unit_test(argo_TestAssessMetricStatusInconclusiveLimit),
        cmocka_unit_test(argo_TestAssessMetricStatusConsecutiveErrors),
        cmocka_unit_test(argo_TestAssessMetricStatusCountReached),
        cmocka_unit_test(argo_TestAssessMetricFailureInconclusiveOrError),
        cmocka_unit_test(argo_TestRunMeasurementsResetConsecutiveErrorCounter),
        cmocka_unit_test(argo_TestAssessRunStatus_and_TestGenerateMetricTasksFailing),
        cmocka_unit_test(argo_TestCalculateNextReconcileTime),
        cmocka_unit_test(flagger_deployment_analysis_phases),
        cmocka_unit_test(flagger_deployment_rollback_and_capped_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

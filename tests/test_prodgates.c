/* The production gates (core/prodgates.c) on small hand-made sequences. Each expected value is worked out by
 * hand in the comment next to it, from the upstream behaviour the gate mirrors (see prodgates.c):
 *   Flagger  scheduler.go: cumulative failedChecks, no data = failure, weight held on a failure, rollback at the
 *            top of the interval after failedChecks reaches the threshold;
 *   Argo     analysis.go: failed > failureLimit (strict), inconclusive > inconclusiveLimit, consecutive
 *            successes, count, errors not counted in count, consecutiveErrors > consecutiveErrorLimit;
 *   Kayenta  MannWhitney.scala / MannWhitneyClassifier.scala / WeightedSumScorer.scala and the orca canary
 *            stage: 98 % interval by the normal approximation, tolerance band 0.25·|HL|, score and verdicts. */
#include "check.h"

#include <stdio.h>
#include <string.h>

#include "prodgates.h"

#define V(x) ((rs_metric_value){(x), 1})
#define NODATA ((rs_metric_value){0, 0})

/* ---- flagger ------------------------------------------------------------------------------------------- */

static const rs_metric_range flagger_metrics[] = {
    {"request-success-rate", 99, NAN}, /* thresholdRange {min: 99} */
    {"request-duration", NAN, 500},    /* thresholdRange {max: 500} (ms) */
};

static rs_pg_action fl(const rs_flagger_config *cfg, rs_flagger_state *st, double sr, double dur, rs_pg_result *r)
{
    rs_metric_value v[2] = {V(sr), V(dur)};
    return rs_flagger_check(cfg, st, v, r);
}

/* scheduler.go checkCanaryStatus: the first tick detects the new revision, scales the canary up, weight 0,
 * checks nothing (TestScheduler_DeploymentAnalysisPhases: "detect changes" -> Progressing, weight 0). */
static void detect(const rs_flagger_config *cfg, rs_flagger_state *st)
{
    rs_pg_result r;
    rs_metric_value v[2] = {V(0), V(9999)};
    assert_int_equal(rs_flagger_check(cfg, st, v, &r), RS_PG_CONTINUE);
    assert_int_equal(r.weight, 0);
    assert_int_equal(st->phase, RS_FLAGGER_PROGRESSING);
}

static void flagger_counter_is_cumulative(void **state)
{
    (void)state;
    rs_flagger_config cfg = {flagger_metrics, 2, 2, 10, NULL, 0, 50, 0, 0};
    assert_int_equal(rs_flagger_validate(&cfg, NULL), RS_OK);
    rs_flagger_state st;
    rs_flagger_init(&st);
    detect(&cfg, &st);
    rs_pg_result r;
    /* Interval 1: weight 0, no iterations: Flagger starts the analysis without checking metrics (these values
     * would fail) and steps to the first rung, 0 -> 10. */
    assert_int_equal(fl(&cfg, &st, 0, 9999, &r), RS_PG_ADVANCE);
    assert_int_equal(r.weight, 10);
    /* Interval 2: duration 612 > 500: failedChecks 1, weight held at 10. */
    assert_int_equal(fl(&cfg, &st, 99.5, 612, &r), RS_PG_HOLD);
    assert_int_equal(r.weight, 10);
    assert_int_equal(st.failed_checks, 1);
    assert_int_equal(r.metric, 1);
    assert_near(r.statistic, 612, 0);
    /* Interval 3: passes: 10 -> 20; the counter is NOT reset by a pass. */
    assert_int_equal(fl(&cfg, &st, 99.9, 200, &r), RS_PG_ADVANCE);
    assert_int_equal(r.weight, 20);
    assert_int_equal(st.failed_checks, 1);
    /* Interval 4: success rate 98.7 < 99: failedChecks 2 = threshold, but the rollback is only decided at the
     * top of the next interval, so this one HOLDs at 20. */
    assert_int_equal(fl(&cfg, &st, 98.7, 200, &r), RS_PG_HOLD);
    assert_int_equal(st.failed_checks, 2);
    assert_int_equal(r.metric, 0);
    assert_int_equal(r.weight, 20);
    /* Interval 5: 2 >= 2: rollback whatever the metrics say (here they pass), weight back to 0. The two
     * failures were not consecutive. */
    assert_int_equal(fl(&cfg, &st, 99.9, 100, &r), RS_PG_ROLLBACK);
    assert_int_equal(r.weight, 0);
    assert_near(r.statistic, 2, 0);
    assert_non_null(strstr(r.detail, "failedChecks 2 >= threshold 2"));
    /* And it stays rolled back (the detection tick counts as a call). */
    assert_int_equal(fl(&cfg, &st, 99.9, 100, &r), RS_PG_ROLLBACK);
    assert_int_equal(st.checks, 6);
}

static void flagger_no_data_is_a_failure(void **state)
{
    (void)state;
    /* threshold 0 means Flagger's default 1: the first failed check rolls back at the next interval. */
    rs_flagger_config cfg = {flagger_metrics, 2, 0, 5, NULL, 0, 0, 0, 0};
    rs_flagger_state st;
    rs_flagger_init(&st);
    detect(&cfg, &st);
    rs_pg_result r;
    assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_ADVANCE); /* 0 -> 5 */
    /* No series for the success rate (ErrNoValuesFound): a failed check, weight held at 5. */
    rs_metric_value v[2] = {NODATA, V(100)};
    assert_int_equal(rs_flagger_check(&cfg, &st, v, &r), RS_PG_HOLD);
    assert_int_equal(st.failed_checks, 1);
    assert_int_equal(r.weight, 5);
    assert_true(isnan(r.statistic));
    assert_non_null(strstr(r.detail, "no values found"));
    assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_ROLLBACK); /* 1 >= 1 */

    /* A NaN value (0/0 rate without traffic) is no data too: prometheus.go maps NaN to ErrNoValuesFound. */
    rs_flagger_init(&st);
    detect(&cfg, &st);
    assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_ADVANCE);
    assert_int_equal(fl(&cfg, &st, NAN, 100, &r), RS_PG_HOLD);
    assert_int_equal(st.failed_checks, 1);
}

static void flagger_time_to_rollback(void **state)
{
    (void)state;
    /* A canary failing every check with threshold 3: call 1 starts (no check), calls 2-4 fail (1, 2, 3
     * failed checks, weight held at 10), call 5 rolls back: threshold + 2 intervals, not the docs'
     * interval · threshold. */
    rs_flagger_config cfg = {flagger_metrics, 2, 3, 10, NULL, 0, 0, 0, 0};
    rs_flagger_state st;
    rs_flagger_init(&st);
    detect(&cfg, &st);
    rs_pg_result r;
    rs_pg_action expect[] = {RS_PG_ADVANCE, RS_PG_HOLD, RS_PG_HOLD, RS_PG_HOLD, RS_PG_ROLLBACK};
    for (int i = 0; i < 5; i++)
        assert_int_equal(fl(&cfg, &st, 50, 100, &r), expect[i]);
    assert_int_equal(st.checks, 6); /* with the detection tick: threshold + 3 ticks */
}

static void flagger_bounds_and_one_failure_per_interval(void **state)
{
    (void)state;
    rs_flagger_config cfg = {flagger_metrics, 2, 3, 10, NULL, 0, 0, 0, 0};
    rs_flagger_state st;
    rs_flagger_init(&st);
    detect(&cfg, &st);
    rs_pg_result r;
    assert_int_equal(fl(&cfg, &st, 0, 0, &r), RS_PG_ADVANCE);
    /* The bounds pass: 99 is not < 99 and 500 is not > 500. */
    assert_int_equal(fl(&cfg, &st, 99, 500, &r), RS_PG_ADVANCE);
    assert_int_equal(r.weight, 20);
    /* Both metrics out of range: still one failed check (the first failing metric ends the analysis). */
    assert_int_equal(fl(&cfg, &st, 50, 900, &r), RS_PG_HOLD);
    assert_int_equal(st.failed_checks, 1);
    assert_int_equal(r.metric, 0);
    assert_near(r.statistic, 50, 0);
}

static void flagger_step_weight_overshoots_max_then_promotes(void **state)
{
    (void)state;
    /* stepWeight 20, maxWeight 50: runCanary adds a step while weight < maxWeight, capped at 100 only, so
     * 0 -> 20 -> 40 -> 60; at 60 >= 50 the next passing check promotes. */
    rs_flagger_config cfg = {flagger_metrics, 2, 1, 20, NULL, 0, 50, 0, 0};
    rs_flagger_state st;
    rs_flagger_init(&st);
    detect(&cfg, &st);
    rs_pg_result r;
    unsigned expect[] = {20, 40, 60};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_ADVANCE);
        assert_int_equal(r.weight, expect[i]);
    }
    /* At 60 >= 50 the passing check copies the spec to the primary: Promoting, weight still 60; the next
     * tick routes all traffic to the primary (Finalising), the one after scales the canary down: Succeeded. */
    assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_CONTINUE);
    assert_int_equal(r.weight, 60);
    assert_int_equal(st.phase, RS_FLAGGER_PROMOTING);
    assert_int_equal(fl(&cfg, &st, 0, 9999, &r), RS_PG_CONTINUE); /* no analysis once Promoting */
    assert_int_equal(st.phase, RS_FLAGGER_FINALISING);
    assert_int_equal(r.weight, 0);
    assert_int_equal(fl(&cfg, &st, 0, 9999, &r), RS_PG_PROMOTE);
    assert_int_equal(st.phase, RS_FLAGGER_PROMOTED);
    /* Promoted: no more analysis, even on bad data. */
    assert_int_equal(fl(&cfg, &st, 0, 9999, &r), RS_PG_PROMOTE);
    assert_int_equal(st.failed_checks, 0);
}

static void flagger_step_weights_ladder(void **state)
{
    (void)state;
    /* stepWeights [1, 5, 25, 50]: maxWeight = min(100, 50); each pass moves to the next rung. A failure at 25
     * holds there and the next pass resumes the ladder. */
    static const unsigned ladder[] = {1, 5, 25, 50};
    rs_flagger_config cfg = {flagger_metrics, 2, 2, 0, ladder, 4, 0, 0, 0};
    assert_int_equal(rs_flagger_validate(&cfg, NULL), RS_OK);
    rs_flagger_state st;
    rs_flagger_init(&st);
    detect(&cfg, &st);
    rs_pg_result r;
    assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_ADVANCE);
    assert_int_equal(r.weight, 1);
    assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_ADVANCE);
    assert_int_equal(r.weight, 5);
    assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_ADVANCE);
    assert_int_equal(r.weight, 25);
    assert_int_equal(fl(&cfg, &st, 100, 501, &r), RS_PG_HOLD);
    assert_int_equal(r.weight, 25);
    assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_ADVANCE);
    assert_int_equal(r.weight, 50);
    assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_CONTINUE); /* Promoting */
    assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_CONTINUE); /* Finalising */
    assert_int_equal(fl(&cfg, &st, 100, 100, &r), RS_PG_PROMOTE);  /* Succeeded */

    rs_error err;
    static const unsigned bad[] = {5, 5};
    rs_flagger_config c2 = {flagger_metrics, 2, 1, 0, bad, 2, 0, 0, 0};
    assert_int_equal(rs_flagger_validate(&c2, &err), RS_ERR_INPUT);
    rs_flagger_config c3 = {flagger_metrics, 2, 1, 0, NULL, 0, 0, 0, 0};
    assert_int_equal(rs_flagger_validate(&c3, &err), RS_ERR_INPUT);
}

/* ---- argo ---------------------------------------------------------------------------------------------- */

/* error-rate with successCondition result <= 0.01 only: a value above 0.01 is Failed. */
static rs_argo_metric argo_error_rate(int failure_limit, unsigned count)
{
    rs_argo_metric m;
    rs_argo_metric_init(&m, "error-rate");
    m.success = (rs_argo_cond){RS_ARGO_LE, 0.01};
    m.failure_limit = failure_limit;
    m.count = count;
    m.interval = 1; /* an interval: without a count the metric runs until the run ends */
    return m;
}

static rs_pg_action ar(const rs_argo_config *cfg, rs_argo_state *st, rs_metric_value v, rs_pg_result *r)
{
    return rs_argo_check(cfg, st, &v, r);
}

static void argo_failure_limit_is_strict(void **state)
{
    (void)state;
    rs_pg_result r;
    rs_argo_state st;
    /* failureLimit 0 (the default): failed 1 > 0 on the first failure. */
    rs_argo_metric m0 = argo_error_rate(0, 0);
    rs_argo_config c0 = {&m0, 1, 1};
    assert_int_equal(rs_argo_validate(&c0, NULL), RS_OK);
    rs_argo_init(&st);
    assert_int_equal(ar(&c0, &st, V(0.004), &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&c0, &st, V(0.02), &r), RS_PG_ROLLBACK);
    assert_int_equal(st.phase, RS_ARGO_FAILED);
    assert_near(r.statistic, 0.02, 0);
    assert_non_null(strstr(r.detail, "failed 1 > failureLimit 0"));

    /* failureLimit 2: S F S F S F -> failed reaches 1, 2 (still not > 2), then 3 > 2 at the sixth
     * measurement. The failures are not consecutive: Argo counts them all. */
    rs_argo_metric m2 = argo_error_rate(2, 0);
    rs_argo_config c2 = {&m2, 1, 1};
    rs_argo_init(&st);
    double seq[] = {0.001, 0.05, 0.001, 0.05, 0.001};
    for (int i = 0; i < 5; i++)
        assert_int_equal(ar(&c2, &st, V(seq[i]), &r), RS_PG_CONTINUE);
    assert_int_equal(st.metrics[0].failed, 2);
    assert_int_equal(ar(&c2, &st, V(0.05), &r), RS_PG_ROLLBACK);
    assert_int_equal(st.metrics[0].failed, 3);
    assert_int_equal(st.metrics[0].count, 6);

    /* The docs' example (failureLimit: 3, "Failed after three failed measurements"): the code needs a
     * fourth, 4 > 3. */
    rs_argo_metric m3 = argo_error_rate(3, 0);
    rs_argo_config c3 = {&m3, 1, 1};
    rs_argo_init(&st);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ar(&c3, &st, V(0.05), &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&c3, &st, V(0.05), &r), RS_PG_ROLLBACK);
    assert_int_equal(st.metrics[0].failed, 4);
}

static void argo_inconclusive_pauses(void **state)
{
    (void)state;
    /* Both conditions: success result <= 0.01, failure result >= 0.05; 0.03 satisfies neither: Inconclusive.
     * inconclusiveLimit 1: the first Inconclusive (1 > 1 false) continues, the second (2 > 1) pauses. */
    rs_argo_metric m;
    rs_argo_metric_init(&m, "error-rate");
    m.success = (rs_argo_cond){RS_ARGO_LE, 0.01};
    m.failure = (rs_argo_cond){RS_ARGO_GE, 0.05};
    m.inconclusive_limit = 1;
    m.interval = 1;
    rs_argo_config cfg = {&m, 1, 1};
    rs_argo_state st;
    rs_argo_init(&st);
    rs_pg_result r;
    assert_int_equal(rs_argo_evaluate(&m, V(0.03)), RS_ARGO_INCONCLUSIVE);
    assert_int_equal(ar(&cfg, &st, V(0.03), &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&cfg, &st, V(0.005), &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&cfg, &st, V(0.03), &r), RS_PG_PAUSE);
    assert_int_equal(st.phase, RS_ARGO_INCONCLUSIVE);
    assert_non_null(strstr(r.detail, "inconclusive 2 > inconclusiveLimit 1"));
    /* NaN (0/0) is data: with both conditions set neither comparison holds, so it is Inconclusive too. */
    assert_int_equal(rs_argo_evaluate(&m, V(NAN)), RS_ARGO_INCONCLUSIVE);
}

static void argo_conditions_derived(void **state)
{
    (void)state;
    rs_argo_metric m;
    rs_argo_metric_init(&m, "x");
    /* No conditions: always Successful, even on an empty result (evaluate.go: "Always return success unless
     * there is an error"; no condition indexes the empty vector). */
    assert_int_equal(rs_argo_evaluate(&m, V(123)), RS_ARGO_SUCCESSFUL);
    assert_int_equal(rs_argo_evaluate(&m, NODATA), RS_ARGO_SUCCESSFUL);
    /* Only successCondition (result >= 0.95): failure = not success, so 0.9 is Failed, never Inconclusive. */
    m.success = (rs_argo_cond){RS_ARGO_GE, 0.95};
    assert_int_equal(rs_argo_evaluate(&m, V(0.9)), RS_ARGO_FAILED);
    assert_int_equal(rs_argo_evaluate(&m, V(0.95)), RS_ARGO_SUCCESSFUL);
    assert_int_equal(rs_argo_evaluate(&m, V(NAN)), RS_ARGO_FAILED);
    /* Only failureCondition (result > 0.05): success = not failure, so NaN is Successful. */
    m.success.op = RS_ARGO_UNSET;
    m.failure = (rs_argo_cond){RS_ARGO_GT, 0.05};
    assert_int_equal(rs_argo_evaluate(&m, V(0.06)), RS_ARGO_FAILED);
    assert_int_equal(rs_argo_evaluate(&m, V(0.05)), RS_ARGO_SUCCESSFUL);
    assert_int_equal(rs_argo_evaluate(&m, V(NAN)), RS_ARGO_SUCCESSFUL);
    /* Both hold: failure wins. */
    m.success = (rs_argo_cond){RS_ARGO_LT, 1};
    assert_int_equal(rs_argo_evaluate(&m, V(0.5)), RS_ARGO_FAILED);
}

static void argo_consecutive_success_ends_early(void **state)
{
    (void)state;
    rs_pg_result r;
    rs_argo_state st;
    /* consecutiveSuccessLimit 3, failureLimit -1 (failures ignored): F S S F S S S -> the streak reaches 3 at
     * the seventh measurement: Successful, long before any count. */
    rs_argo_metric m = argo_error_rate(-1, 0);
    m.consecutive_success_limit = 3;
    rs_argo_config cfg = {&m, 1, 1};
    assert_int_equal(rs_argo_validate(&cfg, NULL), RS_OK);
    rs_argo_init(&st);
    double seq[] = {0.5, 0.001, 0.001, 0.5, 0.001, 0.001};
    for (int i = 0; i < 6; i++)
        assert_int_equal(ar(&cfg, &st, V(seq[i]), &r), RS_PG_CONTINUE);
    assert_int_equal(st.metrics[0].consecutive_success, 2);
    assert_int_equal(ar(&cfg, &st, V(0.001), &r), RS_PG_ADVANCE);
    assert_int_equal(st.phase, RS_ARGO_SUCCESSFUL);

    /* With failureLimit 1 as well: S S F S F -> failed 2 > 1 fails before the third success in a row. */
    m.failure_limit = 1;
    rs_argo_init(&st);
    double seq2[] = {0.001, 0.001, 0.5, 0.001};
    for (int i = 0; i < 4; i++)
        assert_int_equal(ar(&cfg, &st, V(seq2[i]), &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&cfg, &st, V(0.5), &r), RS_PG_ROLLBACK);

    /* count 4 with both limits applicable (failureLimit 1, consecutiveSuccessLimit 3): S F S S -> count
     * reached with neither limit reached: Inconclusive (v1.8), so the rollout pauses. */
    m.count = 4;
    rs_argo_init(&st);
    double seq3[] = {0.001, 0.5, 0.001};
    for (int i = 0; i < 3; i++)
        assert_int_equal(ar(&cfg, &st, V(seq3[i]), &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&cfg, &st, V(0.001), &r), RS_PG_PAUSE);
    /* Only consecutiveSuccessLimit applicable (failureLimit -1): the same sequence fails at the count. */
    m.failure_limit = -1;
    rs_argo_init(&st);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ar(&cfg, &st, V(seq3[i]), &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&cfg, &st, V(0.001), &r), RS_PG_ROLLBACK);
    assert_int_equal(st.phase, RS_ARGO_FAILED);
}

static void argo_count_ends_successfully(void **state)
{
    (void)state;
    rs_pg_result r;
    rs_argo_state st;
    /* count 3, failureLimit 1: S F S -> failed 1 is not > 1, count 3 reached: Successful. */
    rs_argo_metric m = argo_error_rate(1, 3);
    rs_argo_config cfg = {&m, 1, 1};
    rs_argo_init(&st);
    assert_int_equal(ar(&cfg, &st, V(0.001), &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&cfg, &st, V(0.5), &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&cfg, &st, V(0.001), &r), RS_PG_ADVANCE);
    assert_non_null(strstr(r.detail, "count 3 reached"));
    /* A completed run answers the same afterwards and takes no more measurements. */
    assert_int_equal(ar(&cfg, &st, V(0.5), &r), RS_PG_ADVANCE);
    assert_int_equal(st.metrics[0].count, 3);
}

static void argo_errors(void **state)
{
    (void)state;
    rs_pg_result r;
    rs_argo_state st;
    /* An Error (no data) does not add to count: count 2 needs E S E S, four rounds. */
    rs_argo_metric m = argo_error_rate(0, 2);
    rs_argo_config cfg = {&m, 1, 1};
    rs_argo_init(&st);
    assert_int_equal(ar(&cfg, &st, NODATA, &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&cfg, &st, V(0.001), &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&cfg, &st, NODATA, &r), RS_PG_CONTINUE);
    assert_int_equal(st.metrics[0].count, 1);
    assert_int_equal(st.metrics[0].error, 2);
    assert_int_equal(ar(&cfg, &st, V(0.001), &r), RS_PG_ADVANCE);

    /* consecutiveErrorLimit 4 (default): four errors in a row continue, the fifth (5 > 4) errors the run,
     * which aborts the rollout. A success in between resets the run of errors. */
    rs_argo_metric m2 = argo_error_rate(0, 0);
    rs_argo_config c2 = {&m2, 1, 1};
    rs_argo_init(&st);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ar(&c2, &st, NODATA, &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&c2, &st, V(0.001), &r), RS_PG_CONTINUE);
    assert_int_equal(st.metrics[0].consecutive_error, 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ar(&c2, &st, NODATA, &r), RS_PG_CONTINUE);
    assert_int_equal(ar(&c2, &st, NODATA, &r), RS_PG_ROLLBACK);
    assert_int_equal(st.phase, RS_ARGO_ERROR);
    assert_non_null(strstr(r.detail, "consecutiveErrors 5 > consecutiveErrorLimit 4"));
}

static void argo_several_metrics(void **state)
{
    (void)state;
    /* error-rate (count 2) and latency (count 4, successCondition result < 300). The run is Running until
     * both complete; error-rate completing Successful after 2 rounds does not end it. Then latency fails at
     * round 3: the run terminates and takes the worst phase, Failed. */
    rs_argo_metric ms[2];
    ms[0] = argo_error_rate(0, 2);
    rs_argo_metric_init(&ms[1], "latency");
    ms[1].success = (rs_argo_cond){RS_ARGO_LT, 300};
    ms[1].count = 4;
    rs_argo_config cfg = {ms, 2, 1};
    rs_argo_state st;
    rs_argo_init(&st);
    rs_pg_result r;
    rs_metric_value ok[2] = {V(0.001), V(120)};
    assert_int_equal(rs_argo_check(&cfg, &st, ok, &r), RS_PG_CONTINUE);
    assert_int_equal(rs_argo_check(&cfg, &st, ok, &r), RS_PG_CONTINUE);
    assert_int_equal(st.metrics[0].phase, RS_ARGO_SUCCESSFUL);
    /* error-rate is complete: its value (a failure here) is not measured any more. */
    rs_metric_value bad[2] = {V(0.9), V(350)};
    assert_int_equal(rs_argo_check(&cfg, &st, bad, &r), RS_PG_ROLLBACK);
    assert_int_equal(st.metrics[0].count, 2);
    assert_int_equal(r.metric, 1);
    assert_near(r.statistic, 350, 0);
}

/* ---- threshold ----------------------------------------------------------------------------------------- */

static void threshold_consecutive(void **state)
{
    (void)state;
    /* error rate above 0.02 fails; three failures in a row fire. F F P F F F: the pass resets the streak, so
     * the sixth check fires (streak 3), not the fourth (4 failures in all by then). */
    rs_threshold_metric m = {"error-rate", RS_THRESHOLD_ABSOLUTE, 0, 0.02, 3, RS_THRESHOLD_NODATA_IGNORE};
    rs_threshold_config cfg = {&m, 1};
    assert_int_equal(rs_threshold_validate(&cfg, NULL), RS_OK);
    rs_threshold_state st;
    rs_threshold_init(&st);
    rs_pg_result r;
    double seq[] = {0.03, 0.03, 0.01, 0.03, 0.03};
    rs_pg_action expect[] = {RS_PG_HOLD, RS_PG_HOLD, RS_PG_CONTINUE, RS_PG_HOLD, RS_PG_HOLD};
    for (int i = 0; i < 5; i++) {
        rs_metric_value v = V(seq[i]);
        assert_int_equal(rs_threshold_check(&cfg, &st, &v, NULL, &r), expect[i]);
    }
    /* No data is ignored: the streak stays at 2. */
    assert_int_equal(rs_threshold_check(&cfg, &st, &(rs_metric_value){0, 0}, NULL, &r), RS_PG_CONTINUE);
    assert_int_equal(st.streak[0], 2);
    rs_metric_value v = V(0.03);
    assert_int_equal(rs_threshold_check(&cfg, &st, &v, NULL, &r), RS_PG_ROLLBACK);
    assert_int_equal(st.failures[0], 5);
    assert_near(r.statistic, 0.03, 0);
    assert_non_null(strstr(r.detail, "streak 3/3"));
}

static void threshold_relative(void **state)
{
    (void)state;
    /* Relative, 20 %: the candidate fails above baseline · 1.2. 0.012 vs 0.010 -> bound 0.012, not above:
     * passes with statistic 0.2; 0.013 fails (statistic 0.3) and fires at once (consecutive 0 = 1). */
    rs_threshold_metric m = {"error-rate", RS_THRESHOLD_RELATIVE, 0, 0.2, 0, RS_THRESHOLD_NODATA_FAIL};
    rs_threshold_config cfg = {&m, 1};
    rs_threshold_state st;
    rs_threshold_init(&st);
    rs_pg_result r;
    rs_metric_value c = V(0.012), b = V(0.010);
    assert_int_equal(rs_threshold_check(&cfg, &st, &c, &b, &r), RS_PG_CONTINUE);
    assert_near(r.statistic, 0.2, 1e-12);
    /* No baseline data with nodata = fail: fires. */
    rs_threshold_state st2;
    rs_threshold_init(&st2);
    rs_metric_value nb = NODATA;
    assert_int_equal(rs_threshold_check(&cfg, &st2, &c, &nb, &r), RS_PG_ROLLBACK);
    c = V(0.013);
    assert_int_equal(rs_threshold_check(&cfg, &st, &c, &b, &r), RS_PG_ROLLBACK);
    assert_near(r.statistic, 0.3, 1e-12);
    /* Lower is worse (success rate): fails below baseline · 0.8. */
    rs_threshold_metric s = {"success", RS_THRESHOLD_RELATIVE, 1, 0.2, 1, RS_THRESHOLD_NODATA_IGNORE};
    rs_threshold_config cs = {&s, 1};
    rs_threshold_init(&st);
    c = V(0.79), b = V(1.0);
    assert_int_equal(rs_threshold_check(&cs, &st, &c, &b, &r), RS_PG_ROLLBACK);
}

/* ---- kayenta ------------------------------------------------------------------------------------------- */

/* 98 %: qnorm(0.01) = -2.3263478740408408 (GSL gsl_cdf_ugaussian_Pinv). */

static void kayenta_mann_whitney_4_vs_4(void **state)
{
    (void)state;
    rs_kayenta_metric_result r;
    /* Canary x = {5,6,7,9}, baseline y = {1,2,3,4}.
     * U = pairs x > y = 16 (every pair). At mu = 0 the rank sum of x is 5+6+7+8 = 26, dz = 26 - 4·5/2 - 16/2 = 8,
     * sigma = sqrt(4·4/12 · 9) = sqrt(12) = 3.4641016, z = (8 - 0.5)/sigma = 2.1650635, p = 2·(1 - Phi(z))
     * = 0.030382822.
     * Interval: with 4 + 4 the normal score never reaches 2.326 (at muMin = min x - max y = 1, x - 1 ties with
     * 4 once: dz = 7.5, sigma = sqrt(16/12 · (9 - 6/56)) = 3.4434209, (7.5 - 0.5)/sigma = 2.0329 < 2.3263), so
     * Kayenta's findRoot returns the ends: [muMin, muMax] = [5 - 4, 9 - 1] = [1, 8].
     * Hodges-Lehmann: the 16 differences x - y sorted are 1 2 2 3 3 3 4 4 4 5 5 5 6 6 7 8; the 8th and 9th are
     * both 4: estimate 4. */
    double x[] = {5, 6, 7, 9}, y[] = {1, 2, 3, 4};
    assert_int_equal(rs_kayenta_mann_whitney(x, 4, y, 4, 0.98, &r), 0);
    assert_near(r.u, 16, 0);
    assert_near(r.p_value, 0.0303828219765776, 1e-12);
    assert_near(r.ci_lower, 1, 0);
    assert_near(r.ci_upper, 8, 0);
    /* Kayenta's BrentSolver stops within its absolute TOLERANCE 1e-4 of the root (BrentSolver.java). */
    assert_near(r.estimate, 4, 1e-4);
}

static void kayenta_mann_whitney_6_vs_6(void **state)
{
    (void)state;
    rs_kayenta_metric_result r;
    /* Canary x = {122,135,136,162,163,164}, baseline y = {100,103,108,111,119,123}: the 36 differences are
     * distinct: -1 3 11 12 13 14 16 17 19 22 24 25 27 28 32 33 35 | 36 39 | 40 41 43 44 45 51 52 53 54 55 56
     * 59 60 61 | 62 | 63 64.
     * U = 35 (only 122 < 123). p: dz = 35 - 18 = 17, sigma = sqrt(36/12 · 13) = sqrt(39) = 6.2449980,
     * z = 16.5/sigma = 2.6421145, p = 2·(1 - Phi(z)) = 0.0082390188.
     * Lower end: between the 2nd and 3rd differences (3, 11) U(d) = 34 pairs still above, dz = 16,
     * z = 15.5/sqrt(39) = 2.4820 > 2.3263; between the 3rd and 4th (11, 12) dz = 15, z = 14.5/sqrt(39) =
     * 2.3219 < 2.3263: the root is the 3rd difference, 11. By symmetry the upper end is the 34th, 62.
     * Estimate: the median of 36 differences, (18th + 19th)/2 = (36 + 39)/2 = 37.5. */
    double x[] = {122, 135, 136, 162, 163, 164}, y[] = {100, 103, 108, 111, 119, 123};
    assert_int_equal(rs_kayenta_mann_whitney(x, 6, y, 6, 0.98, &r), 0);
    assert_near(r.u, 35, 0);
    assert_near(r.p_value, 0.008239018825724642, 1e-12);
    /* The ends to Kayenta's BrentSolver tolerance (1e-4 absolute); the estimate: wilcoxonDiff(., 0) is 0 on
     * the whole of [36, 39] (18 pairs on each side), and Brent stops at the first point where it is exactly
     * 0 (Precision.equals(fb, 0)), not at the midpoint 37.5. */
    assert_near(r.ci_lower, 11, 1e-4);
    assert_near(r.ci_upper, 62, 1e-4);
    assert_true(r.estimate >= 36 && r.estimate <= 39);
    /* Order of the samples does not matter (they are sorted). */
    double xs[] = {164, 122, 163, 135, 162, 136};
    assert_int_equal(rs_kayenta_mann_whitney(xs, 6, y, 6, 0.98, &r), 0);
    assert_near(r.ci_lower, 11, 1e-4);
}

static const double HIGH_C[] = {122, 135, 136, 162, 163, 164}, HIGH_B[] = {100, 103, 108, 111, 119, 123};
static const double SIG_C[] = {130, 136, 142, 148, 161, 167}, SIG_B[] = {112, 113, 115, 116, 123, 139};
static const double SAME[] = {10, 11, 12, 13, 14, 15};

#define SAMPLES(c, b) ((rs_kayenta_samples){(c), sizeof(c) / sizeof(double), (b), sizeof(b) / sizeof(double)})

static rs_kayenta_config kayenta_cfg(const rs_kayenta_metric *m, size_t n)
{
    rs_kayenta_config cfg = {m, n, NULL, 0, 95, 75, 0, 0, 1};
    return cfg;
}

static void kayenta_classification(void **state)
{
    (void)state;
    rs_kayenta_metric m[5];
    for (int i = 0; i < 5; i++)
        rs_kayenta_metric_init(&m[i], "latency", "g");
    m[3].allowed_increase = 1.5;
    m[4].direction = RS_KAYENTA_DECREASE;
    rs_kayenta_config cfg = kayenta_cfg(m, 5);
    assert_int_equal(rs_kayenta_validate(&cfg, NULL), RS_OK);
    rs_kayenta_samples s[5] = {
        SAMPLES(HIGH_C, HIGH_B), /* interval [11, 62], HL 37.5: band 0.25·37.5 = 9.375 < 11: High; mean ratio
                                    147/110.667 = 1.3283 >= 1.0 */
        SAMPLES(HIGH_B, HIGH_C), /* the mirror image: [-62, -11], -11 < -9.375 and ratio 0.7528 <= 1: Low */
        SAMPLES(SIG_C, SIG_B),   /* differences -9 -3 3 7 ...: interval [3, 52] (3rd and 34th differences,
                                    as above), HL (26 + 27)/2 = 26.5. 0 is outside the 98 % interval (p =
                                    0.0131) yet 3 < 0.25·26.5 = 6.625: Pass */
        SAMPLES(HIGH_C, HIGH_B), /* High by the interval, but ratio 1.3283 < allowedIncrease 1.5: Pass */
        SAMPLES(HIGH_C, HIGH_B), /* direction decrease: an increase is not judged: Pass */
    };
    rs_kayenta_metric_result r[5];
    rs_kayenta_judgment j;
    assert_int_equal(rs_kayenta_judge(&cfg, s, r, &j, NULL), RS_OK);
    assert_int_equal(r[0].cls, RS_KAYENTA_HIGH);
    assert_true(r[0].estimate >= 36 && r[0].estimate <= 39); /* where Brent stops in the flat 0 of [36, 39] */
    assert_near(r[0].tolerance_band, 0.25 * r[0].estimate, 1e-12);
    assert_near(r[0].effect_size, 147.0 / (664.0 / 6), 1e-12);
    assert_int_equal(r[1].cls, RS_KAYENTA_LOW);
    assert_near(r[1].ci_upper, -11, 1e-4);
    assert_int_equal(r[2].cls, RS_KAYENTA_PASS);
    assert_near(r[2].ci_lower, 3, 1e-4);   /* BrentSolver's tolerance */
    assert_near(r[2].ci_upper, 52, 1e-4);
    assert_true(r[2].estimate >= 26 && r[2].estimate <= 27); /* the flat 0 of wilcoxonDiff(., 0) */
    assert_near(r[2].p_value, 0.013065226764426008, 1e-12);
    assert_int_equal(r[3].cls, RS_KAYENTA_PASS);
    assert_int_equal(r[4].cls, RS_KAYENTA_PASS);
    /* 3 Pass of 5 (High and Low count against): 60 -> below marginal 75: Fail. */
    assert_near(j.score, 60, 0);
    assert_int_equal(j.verdict, RS_KAYENTA_VERDICT_FAIL);

    /* The 4-vs-4 example: lower end 1 is not strictly above 0.25·4 = 1: Pass. Shift the canary up by one
     * ({6,7,8,10}): [2, 9], HL 5, 2 > 1.25: High. */
    double x1[] = {5, 6, 7, 9}, x2[] = {6, 7, 8, 10}, y[] = {1, 2, 3, 4};
    rs_kayenta_samples s2[2] = {SAMPLES(x1, y), SAMPLES(x2, y)};
    rs_kayenta_config c2 = kayenta_cfg(m, 2);
    assert_int_equal(rs_kayenta_judge(&c2, s2, r, &j, NULL), RS_OK);
    assert_int_equal(r[0].cls, RS_KAYENTA_PASS);
    assert_near(r[0].tolerance_band, 0.25 * r[0].estimate, 1e-12); /* estimate 4 within BrentSolver's 1e-4 */
    assert_int_equal(r[1].cls, RS_KAYENTA_HIGH);
    assert_near(j.score, 50, 0);
}

static void kayenta_special_samples(void **state)
{
    (void)state;
    rs_kayenta_metric m[4];
    for (int i = 0; i < 4; i++)
        rs_kayenta_metric_init(&m[i], "m", "g");
    double c_nan[] = {NAN, 5, 6, 7, 9}, nan_only[] = {NAN, NAN}, y[] = {1, 2, 3, 4};
    double c_const[] = {3, 3, 3}, b_const[] = {2, 2};
    m[2].nan_strategy = RS_KAYENTA_NAN_REPLACE;
    rs_kayenta_config cfg = kayenta_cfg(m, 4);
    rs_kayenta_samples s[4] = {
        SAMPLES(c_nan, y),       /* NaN removed: the 4-vs-4 example again (Pass, HL 4) */
        SAMPLES(nan_only, y),    /* no canary data after removal: Nodata */
        SAMPLES(nan_only, y),    /* NaNs replaced by 0: {0, 0} vs {1..4}: Low? interval ends [-4, -1] with
                                    HL -2.5: -1 < -0.625, mean ratio 0 -> NaN (a zero mean), ignored: Low */
        SAMPLES(c_const, b_const), /* both constant: Kayenta jitters them; at the limit the interval is the
                                      difference 1 = HL: 1 > 0.25: High (ratio 1.5) */
    };
    rs_kayenta_metric_result r[4];
    rs_kayenta_judgment j;
    assert_int_equal(rs_kayenta_judge(&cfg, s, r, &j, NULL), RS_OK);
    assert_int_equal(r[0].cls, RS_KAYENTA_PASS);
    assert_int_equal(r[0].n_canary, 4);
    assert_near(r[0].estimate, 4, 1e-4); /* BrentSolver's tolerance */
    assert_int_equal(r[1].cls, RS_KAYENTA_NODATA);
    assert_int_equal(r[2].cls, RS_KAYENTA_LOW);
    assert_near(r[2].ci_lower, -4, 0);
    assert_near(r[2].ci_upper, -1, 0);
    assert_near(r[2].estimate, -2.5, 1e-12);
    assert_true(isnan(r[2].effect_size));
    assert_int_equal(r[3].cls, RS_KAYENTA_HIGH);
    assert_near(r[3].estimate, 1, 0);
    /* Score: Pass, High, Low count; Nodata does not: 1/3 -> 33.33. */
    assert_near(j.score, 33.33, 1e-12);

    /* Identical samples, and a single value overall: Pass without a test. */
    double a[] = {4, 3, 3}, b[] = {3, 4, 3}, one[] = {7, 7}, one2[] = {7};
    rs_kayenta_samples s2[2] = {SAMPLES(a, b), SAMPLES(one, one2)};
    rs_kayenta_config c2 = kayenta_cfg(m, 2);
    assert_int_equal(rs_kayenta_judge(&c2, s2, r, &j, NULL), RS_OK);
    assert_int_equal(r[0].cls, RS_KAYENTA_PASS);
    assert_false(r[0].tested);
    assert_int_equal(r[1].cls, RS_KAYENTA_PASS);
    assert_near(j.score, 100, 0);
}

static void kayenta_score_and_verdicts(void **state)
{
    (void)state;
    rs_kayenta_metric m[4];
    for (int i = 0; i < 4; i++)
        rs_kayenta_metric_init(&m[i], "m", "g");
    rs_kayenta_metric_result r[4];
    rs_kayenta_judgment j;
    /* 3 Pass + 1 High in one group: 100 · 3/4 = 75. pass 95, marginal 75: the judge calls 75 Marginal. */
    rs_kayenta_samples s[4] = {SAMPLES(SAME, SAME), SAMPLES(SAME, SAME), SAMPLES(SIG_C, SIG_B),
                               SAMPLES(HIGH_C, HIGH_B)};
    rs_kayenta_config cfg = kayenta_cfg(m, 4);
    assert_int_equal(rs_kayenta_judge(&cfg, s, r, &j, NULL), RS_OK);
    assert_near(j.score, 75, 0);
    assert_int_equal(j.verdict, RS_KAYENTA_VERDICT_MARGINAL);
    /* All Pass: 100, Pass. */
    rs_kayenta_samples ok[4] = {SAMPLES(SAME, SAME), SAMPLES(SAME, SAME), SAMPLES(SAME, SAME), SAMPLES(SIG_C, SIG_B)};
    assert_int_equal(rs_kayenta_judge(&cfg, ok, r, &j, NULL), RS_OK);
    assert_near(j.score, 100, 0);
    assert_int_equal(j.verdict, RS_KAYENTA_VERDICT_PASS);

    /* Group weights: "latency" weighted 60 holds High + Pass = 50; "errors" unweighted holds two Pass = 100
     * and takes (100 - 60)/1 = 40: 50·0.6 + 100·0.4 = 70. */
    m[0].group = m[1].group = "latency";
    m[2].group = m[3].group = "errors";
    rs_kayenta_group_weight w = {"latency", 60};
    cfg.weights = &w;
    cfg.n_weights = 1;
    rs_kayenta_samples sw[4] = {SAMPLES(HIGH_C, HIGH_B), SAMPLES(SAME, SAME), SAMPLES(SAME, SAME), SAMPLES(SAME, SAME)};
    assert_int_equal(rs_kayenta_judge(&cfg, sw, r, &j, NULL), RS_OK);
    assert_near(j.score, 70, 1e-12);
    assert_int_equal(j.verdict, RS_KAYENTA_VERDICT_FAIL);

    /* A metric in no group counts in no score: its High leaves the other group's 100. */
    m[0].group = NULL;
    cfg.weights = NULL;
    cfg.n_weights = 0;
    assert_int_equal(rs_kayenta_judge(&cfg, sw, r, &j, NULL), RS_OK);
    assert_int_equal(r[0].cls, RS_KAYENTA_HIGH);
    assert_near(j.score, 100, 0);
    /* A muted metric is left out too. */
    m[0].group = "latency";
    m[0].muted = 1;
    assert_int_equal(rs_kayenta_judge(&cfg, sw, r, &j, NULL), RS_OK);
    assert_near(j.score, 100, 0);
    assert_int_equal(j.n_high, 0);
}

static void kayenta_critical_and_nodata(void **state)
{
    (void)state;
    rs_kayenta_metric m[4];
    for (int i = 0; i < 4; i++)
        rs_kayenta_metric_init(&m[i], "m", "g");
    rs_kayenta_metric_result r[4];
    rs_kayenta_judgment j;
    rs_kayenta_config cfg = kayenta_cfg(m, 4);
    double empty[1] = {0};
    rs_kayenta_samples none = {empty, 0, SAME, 6};

    /* A critical metric classified High (ratio 1.3283 >= criticalIncrease 1.0): score 0 whatever the others. */
    m[0].critical = 1;
    rs_kayenta_samples s[4] = {SAMPLES(HIGH_C, HIGH_B), SAMPLES(SAME, SAME), SAMPLES(SAME, SAME), SAMPLES(SAME, SAME)};
    assert_int_equal(rs_kayenta_judge(&cfg, s, r, &j, NULL), RS_OK);
    assert_true(r[0].critical);
    assert_true(j.critical_failure);
    assert_near(j.score, 0, 0);
    assert_int_equal(j.verdict, RS_KAYENTA_VERDICT_FAIL);
    /* ... unless its effect is below criticalIncrease: then a plain High, 3/4 = 75. */
    m[0].critical_increase = 2.0;
    assert_int_equal(rs_kayenta_judge(&cfg, s, r, &j, NULL), RS_OK);
    assert_false(r[0].critical);
    assert_near(j.score, 75, 0);
    /* A critical metric without data is a critical Nodata: 0. */
    s[0] = none;
    assert_int_equal(rs_kayenta_judge(&cfg, s, r, &j, NULL), RS_OK);
    assert_int_equal(r[0].cls, RS_KAYENTA_NODATA);
    assert_near(j.score, 0, 0);

    /* mustHaveData (not critical): NodataFailMetric counts against: 2 Pass of 3 -> 66.67 (rounded half up).
     * The fourth metric is plain Nodata and counts nowhere. */
    m[0].critical = 0;
    m[0].must_have_data = 1;
    s[3] = none;
    assert_int_equal(rs_kayenta_judge(&cfg, s, r, &j, NULL), RS_OK);
    assert_int_equal(r[0].cls, RS_KAYENTA_NODATA_FAIL);
    assert_int_equal(r[3].cls, RS_KAYENTA_NODATA);
    assert_near(j.score, 66.67, 1e-12);
    /* Two plain Nodata of four (50 %): score 0. */
    m[0].must_have_data = 0;
    assert_int_equal(rs_kayenta_judge(&cfg, s, r, &j, NULL), RS_OK);
    assert_true(j.too_many_nodata);
    assert_near(j.score, 0, 0);
    /* One of four (25 %): the three Pass score 100. */
    s[0] = SAMPLES(SAME, SAME);
    assert_int_equal(rs_kayenta_judge(&cfg, s, r, &j, NULL), RS_OK);
    assert_near(j.score, 100, 0);
}

static void kayenta_canary_stage(void **state)
{
    (void)state;
    rs_kayenta_metric m[4];
    for (int i = 0; i < 4; i++)
        rs_kayenta_metric_init(&m[i], "m", "g");
    rs_kayenta_config cfg = kayenta_cfg(m, 4); /* pass 95, marginal 75 */
    cfg.intervals = 3;
    rs_kayenta_samples good[4] = {SAMPLES(SAME, SAME), SAMPLES(SAME, SAME), SAMPLES(SAME, SAME), SAMPLES(SAME, SAME)};
    rs_kayenta_samples one_high[4] = {SAMPLES(SAME, SAME), SAMPLES(SAME, SAME), SAMPLES(SAME, SAME),
                                      SAMPLES(HIGH_C, HIGH_B)};
    rs_kayenta_state st;
    rs_pg_result r;
    rs_kayenta_judgment j;
    /* 100, 100, 100: continue, continue, then the final score 100 >= 95 succeeds. */
    rs_kayenta_init(&st);
    assert_int_equal(rs_kayenta_check(&cfg, &st, good, NULL, &j, &r, NULL), RS_OK);
    assert_int_equal(r.action, RS_PG_CONTINUE);
    assert_int_equal(rs_kayenta_check(&cfg, &st, good, NULL, &j, &r, NULL), RS_OK);
    assert_int_equal(r.action, RS_PG_CONTINUE);
    assert_int_equal(rs_kayenta_check(&cfg, &st, good, NULL, &j, &r, NULL), RS_OK);
    assert_int_equal(r.action, RS_PG_ADVANCE);
    assert_near(r.statistic, 100, 0);
    /* One High of four at the first interval: 75 <= marginal 75 stops the canary at once, although the judge
     * classifies 75 as Marginal (score >= marginal), not Fail. */
    rs_kayenta_init(&st);
    assert_int_equal(rs_kayenta_check(&cfg, &st, one_high, NULL, &j, &r, NULL), RS_OK);
    assert_int_equal(j.verdict, RS_KAYENTA_VERDICT_MARGINAL);
    assert_int_equal(r.action, RS_PG_ROLLBACK);
    assert_int_equal(r.metric, 3);
    assert_non_null(strstr(r.detail, "<= marginal"));
    /* With marginal 50, 75 goes on: 100, 100, then a final 75 < pass 95 fails the stage. */
    cfg.marginal_score = 50;
    rs_kayenta_init(&st);
    assert_int_equal(rs_kayenta_check(&cfg, &st, good, NULL, NULL, &r, NULL), RS_OK);
    assert_int_equal(rs_kayenta_check(&cfg, &st, one_high, NULL, NULL, &r, NULL), RS_OK);
    assert_int_equal(r.action, RS_PG_CONTINUE);
    assert_int_equal(rs_kayenta_check(&cfg, &st, one_high, NULL, NULL, &r, NULL), RS_OK);
    assert_int_equal(r.action, RS_PG_ROLLBACK);
    assert_non_null(strstr(r.detail, "final score 75.00 < pass 95"));
    /* Done: further calls repeat the outcome. */
    assert_int_equal(rs_kayenta_check(&cfg, &st, good, NULL, NULL, &r, NULL), RS_OK);
    assert_int_equal(r.action, RS_PG_ROLLBACK);
    assert_int_equal(st.judged, 3);
}

static void action_names(void **state)
{
    (void)state;
    assert_string_equal(rs_pg_action_name(RS_PG_HOLD), "hold");
    assert_string_equal(rs_pg_action_name(RS_PG_PROMOTE), "promote");
    assert_string_equal(rs_kayenta_class_name(RS_KAYENTA_NODATA_FAIL), "NodataFailMetric");
    assert_string_equal(rs_argo_phase_name(RS_ARGO_INCONCLUSIVE), "Inconclusive");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flagger_counter_is_cumulative),
        cmocka_unit_test(flagger_no_data_is_a_failure),
        cmocka_unit_test(flagger_time_to_rollback),
        cmocka_unit_test(flagger_bounds_and_one_failure_per_interval),
        cmocka_unit_test(flagger_step_weight_overshoots_max_then_promotes),
        cmocka_unit_test(flagger_step_weights_ladder),
        cmocka_unit_test(argo_failure_limit_is_strict),
        cmocka_unit_test(argo_inconclusive_pauses),
        cmocka_unit_test(argo_conditions_derived),
        cmocka_unit_test(argo_consecutive_success_ends_early),
        cmocka_unit_test(argo_count_ends_successfully),
        cmocka_unit_test(argo_errors),
        cmocka_unit_test(argo_several_metrics),
        cmocka_unit_test(threshold_consecutive),
        cmocka_unit_test(threshold_relative),
        cmocka_unit_test(kayenta_mann_whitney_4_vs_4),
        cmocka_unit_test(kayenta_mann_whitney_6_vs_6),
        cmocka_unit_test(kayenta_classification),
        cmocka_unit_test(kayenta_special_samples),
        cmocka_unit_test(kayenta_score_and_verdicts),
        cmocka_unit_test(kayenta_critical_and_nodata),
        cmocka_unit_test(kayenta_canary_stage),
        cmocka_unit_test(action_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* rollsim import (issue 15): the policy of each imported fixture checked field by field against its manifest
 * (the expected values are the manifest's, typed here from tests/manifests/ (the .yaml files), converted by the rules
 * each system's code gives: percents to weights, Go durations to hours, Flagger's percent success rate to a
 * fraction); Go's time.ParseDuration grammar; Argo's pause durations (integer seconds, int32 truncation),
 * startingStep across a stage that lasts no time, Flagger's stepWeights and interval defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "import.h"
#include "manifest.h"
#include "scenario.h"
#include "value.h"

static char path_buf[4][1024];

static const char *fixture(int slot, const char *name)
{
    const char *root = getenv("ROLLSIM_SOURCE_DIR");
    snprintf(path_buf[slot], sizeof path_buf[slot], "%s/tests/manifests/%s", root ? root : "..", name);
    return path_buf[slot];
}

/* Imports paths and loads the scenario; fails the test on an error. */
static void import_load(const char *const *paths, size_t n, const rs_import_options *opt, rs_scenario *sc)
{
    char *lua = NULL;
    rs_error err = {0};
    if (rs_import(paths, n, opt, NULL, &lua, &err))
        fail_msg("import: %s", err.msg);
    if (rs_scenario_load_string(lua, strlen(lua), "imported", NULL, 0, sc, &err))
        fail_msg("load: %s\n%s", err.msg, lua);
    free(lua);
}

static double num(const rs_value *t, const char *key)
{
    double x = NAN; /* set by rs_value_duration, or the test fails */
    const rs_value *v = rs_value_get(t, key);
    if (!v || rs_value_duration(v, &x))
        fail_msg("key %s: missing or not a number", key);
    return x;
}

static const char *str(const rs_value *t, const char *key)
{
    const char *s = rs_value_string(rs_value_get(t, key));
    if (!s)
        fail_msg("key %s: missing or not a string", key);
    return s;
}

static void check_stage(const rs_value *stages, size_t i, double weight, double bake)
{
    const rs_value *s = rs_value_at(stages, i);
    assert_near(num(s, "weight"), weight, 1e-12);
    assert_near(num(s, "bake"), bake, 1e-12);
}

/* tests/manifests/argo_rollout.yaml */
static void argo_background_fields(void **state)
{
    (void)state;
    const char *p = fixture(0, "argo_rollout.yaml");
    rs_import_options opt = {.manual_pause = 1};
    rs_scenario sc;
    import_load(&p, 1, &opt, &sc);
    assert_string_equal(sc.policy_name, "fixed_stages");
    assert_string_equal(str(&sc.policy, "gate"), "argo");
    assert_string_equal(str(&sc.policy, "analysis"), "background");
    assert_int_equal((int)num(&sc.policy, "starting_step"), 2); /* startingStep 2 = the setWeight 40 step */
    int complete = 0;
    assert_int_equal(rs_value_bool(rs_value_get(&sc.policy, "complete"), &complete), 0);
    assert_true(complete);
    const rs_value *stages = rs_value_get(&sc.policy, "stages");
    assert_int_equal(rs_value_len(stages), 4);
    for (size_t i = 0; i < 4; i++) /* setWeight 20, 40, 60, 80; pause 1h each */
        check_stage(stages, i, 0.2 * (double)(i + 1), 1);
    const rs_value *metrics = rs_value_get(&sc.policy, "metrics");
    assert_int_equal(rs_value_len(metrics), 1);
    const rs_value *m = rs_value_at(metrics, 0);
    assert_string_equal(str(m, "name"), "success_rate");
    assert_string_equal(str(m, "success"), ">= 0.95");
    assert_null(rs_value_get(m, "failure"));
    assert_int_equal((int)num(m, "failure_limit"), 3);
    assert_near(num(m, "interval"), 10.0 / 60, 1e-12);
    assert_null(rs_value_get(m, "count")); /* not given: Argo's EffectiveCount decides (gates.c) */
    rs_scenario_free(&sc);
}

/* tests/manifests/argo_inline_rollout.yaml + argo_inline_template.yaml */
static void argo_inline_fields(void **state)
{
    (void)state;
    const char *p[2] = {fixture(0, "argo_inline_rollout.yaml"), fixture(1, "argo_inline_template.yaml")};
    for (int pass = 0; pass < 2; pass++) {
        rs_import_options opt = {.manual_pause = pass ? 3 : 1}; /* --manual-pause 3h */
        rs_scenario sc;
        import_load(p, 2, &opt, &sc);
        assert_string_equal(str(&sc.policy, "gate"), "argo");
        assert_null(rs_value_get(&sc.policy, "analysis")); /* inline: the gate's default */
        const rs_value *stages = rs_value_get(&sc.policy, "stages");
        assert_int_equal(rs_value_len(stages), 2);
        check_stage(stages, 0, 0.1, 0.5);               /* setWeight 10, pause 30m */
        check_stage(stages, 1, 0.5, pass ? 3.0 : 1.0); /* setWeight 50, pause {} */
        const rs_value *m = rs_value_at(rs_value_get(&sc.policy, "metrics"), 0);
        assert_string_equal(str(m, "name"), "error_rate");
        assert_string_equal(str(m, "success"), "<= 0.015");
        assert_string_equal(str(m, "failure"), "> 0.02");
        assert_int_equal((int)num(m, "failure_limit"), 1);
        assert_int_equal((int)num(m, "inconclusive_limit"), 1);
        assert_int_equal((int)num(m, "consecutive_error_limit"), 2);
        assert_int_equal((int)num(m, "count"), 5);
        assert_near(num(m, "interval"), 5.0 / 60, 1e-12);
        rs_scenario_free(&sc);
    }
}

/* tests/manifests/flagger_canary.yaml */
static void flagger_fields(void **state)
{
    (void)state;
    const char *p = fixture(0, "flagger_canary.yaml");
    rs_import_options opt = {.manual_pause = 1};
    rs_scenario sc;
    import_load(&p, 1, &opt, &sc);
    assert_string_equal(str(&sc.policy, "gate"), "flagger");
    assert_near(num(&sc.policy, "bake"), 1.0 / 60, 1e-12); /* interval 1m */
    assert_int_equal((int)num(&sc.policy, "threshold"), 10);
    assert_near(num(&sc.policy, "step_weight"), 0.05, 1e-12);
    assert_near(num(&sc.policy, "max_weight"), 0.5, 1e-12);
    const rs_value *metrics = rs_value_get(&sc.policy, "metrics");
    assert_int_equal(rs_value_len(metrics), 2);
    assert_string_equal(str(rs_value_at(metrics, 0), "name"), "success_rate");
    assert_near(num(rs_value_at(metrics, 0), "min"), 0.99, 1e-12); /* min: 99 (percent) */
    assert_null(rs_value_get(rs_value_at(metrics, 0), "max"));
    assert_string_equal(str(rs_value_at(metrics, 1), "name"), "latency_p99");
    assert_near(num(rs_value_at(metrics, 1), "max"), 500, 1e-12); /* max: 500 (ms) */
    rs_scenario_free(&sc);
}

/* tests/manifests/spinnaker_canary_config.json + spinnaker_pipeline.json */
static void spinnaker_fields(void **state)
{
    (void)state;
    const char *p[2] = {fixture(0, "spinnaker_canary_config.json"), fixture(1, "spinnaker_pipeline.json")};
    rs_import_options opt = {.manual_pause = 1};
    rs_scenario sc;
    import_load(p, 2, &opt, &sc);
    assert_string_equal(str(&sc.policy, "gate"), "kayenta");
    const rs_value *stages = rs_value_get(&sc.policy, "stages");
    assert_int_equal(rs_value_len(stages), 1);
    check_stage(stages, 0, 0.1, 3.25); /* canary_weight (FILL IN) 0.1; warm-up 15 min + PT3H */
    assert_int_equal((int)num(&sc.policy, "intervals"), 3); /* 180 min / 60 */
    assert_near(num(&sc.policy, "check_every"), 1.0 / 60, 1e-12); /* scopes[0].step 60 s */
    assert_near(num(&sc.policy, "begin_after"), 0.25, 1e-12);
    assert_null(rs_value_get(&sc.policy, "lookback")); /* lookbackMins 0: the growing window */
    assert_int_equal((int)num(&sc.policy, "pass_score"), 75);
    assert_int_equal((int)num(&sc.policy, "marginal_score"), 50);
    const rs_value *metrics = rs_value_get(&sc.policy, "metrics");
    assert_int_equal(rs_value_len(metrics), 2);
    const rs_value *e = rs_value_at(metrics, 0), *l = rs_value_at(metrics, 1);
    assert_string_equal(str(e, "name"), "error_rate");
    assert_string_equal(str(e, "group"), "errors");
    assert_near(num(e, "weight"), 70, 1e-12);
    assert_string_equal(str(e, "direction"), "increase");
    int b = 0;
    assert_int_equal(rs_value_bool(rs_value_get(e, "critical"), &b), 0);
    assert_true(b);
    assert_int_equal(rs_value_bool(rs_value_get(e, "must_have_data"), &b), 0);
    assert_true(b);
    assert_string_equal(str(e, "nan"), "replace");
    assert_near(num(e, "allowed_increase"), 1.2, 1e-12);
    assert_near(num(e, "critical_increase"), 1.5, 1e-12);
    assert_string_equal(str(l, "name"), "latency_p99");
    assert_string_equal(str(l, "group"), "latency");
    assert_near(num(l, "weight"), 30, 1e-12);
    assert_string_equal(str(l, "direction"), "increase");
    assert_null(rs_value_get(l, "critical"));
    rs_scenario_free(&sc);
}

static const char *temp_manifest(int slot, const char *text);

/* Empty documents (a leading or trailing ---, a document of comments only) are skipped, as kubectl does. */
static void empty_documents(void **state)
{
    (void)state;
    FILE *f = fopen(fixture(0, "flagger_canary.yaml"), "r");
    assert_non_null(f);
    char text[4096] = "---\n";
    size_t n = strlen(text);
    n += fread(text + n, 1, sizeof text - n - 64, f);
    fclose(f);
    snprintf(text + n, sizeof text - n, "---\n# nothing here\n---\n");
    const char *p = temp_manifest(0, text);
    rs_import_options opt = {.manual_pause = 1};
    rs_scenario sc;
    import_load(&p, 1, &opt, &sc);
    assert_string_equal(str(&sc.policy, "gate"), "flagger");
    rs_scenario_free(&sc);
    unlink(p);
}

/* Go's time.ParseDuration (time/format.go), case by case. */
static void go_durations(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double seconds; /* NAN: Go refuses it */
    } cases[] = {{"0", 0},      {"1h", 3600},     {"1h30m", 5400}, {"1.5h", 5400}, {".5m", 30},     {"1.m", 60},
                 {"300ms", 0.3}, {"2h45m10s", 9910}, {"10us", 1e-5}, {"1\xc2\xb5s", 1e-6}, {"+5s", 5},
                 {"1", NAN},    {"", NAN},        {"1hour", NAN},  {"1d", NAN},    {"h", NAN},      {"1 h", NAN},
                 {".s", NAN},   {"5m-3s", NAN}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double h = -1;
        int rc = rs_go_duration(cases[i].text, &h);
        if (isnan(cases[i].seconds)) {
            if (rc == 0)
                fail_msg("\"%s\" accepted (%g h); Go refuses it", cases[i].text, h);
        } else {
            if (rc)
                fail_msg("\"%s\" refused; Go reads %g s", cases[i].text, cases[i].seconds);
            assert_near(h * 3600, cases[i].seconds, 1e-9);
        }
    }
}

/* Writes text to a temporary manifest, returns its path (static). */
static const char *temp_manifest(int slot, const char *text)
{
    snprintf(path_buf[slot], sizeof path_buf[slot], "/tmp/rollsim-test-import-%d-%d.yaml", (int)getpid(), slot);
    FILE *f = fopen(path_buf[slot], "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path_buf[slot];
}

static const char argo_template[] = "---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\n"
                                    "metadata: {name: t}\nspec:\n  metrics:\n  - name: error-rate\n"
                                    "    interval: 1m\n    failureCondition: result[0] > 0.1\n";

/* Argo's DurationSeconds: "90" (a string of digits) is 90 s, 120 (an int) 120 s, "1.9s" truncated to 1 s; a
 * setWeight followed at once by another lasts no time and is left out, and a startingStep inside it starts
 * the background run with the next stage. */
static void argo_pause_and_starting_step(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text,
             "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  strategy:\n"
             "    canary:\n      trafficRouting: {nginx: {stableIngress: x}}\n"
             "      analysis: {templates: [{templateName: t}], startingStep: 2}\n      steps:\n"
             "      - setWeight: 5\n      - pause: {duration: \"90\"}\n"   /* steps 0, 1: stage 1 */
             "      - setWeight: 10\n"                                     /* step 2: no time, left out */
             "      - setWeight: 30\n      - pause: {duration: 120}\n"    /* steps 3, 4: stage 2 */
             "      - pause: {duration: 1.9s}\n%s",                        /* step 5: + 1 s */
             argo_template);
    const char *p = temp_manifest(0, text);
    rs_import_options opt = {.manual_pause = 1};
    rs_scenario sc;
    import_load(&p, 1, &opt, &sc);
    const rs_value *stages = rs_value_get(&sc.policy, "stages");
    assert_int_equal(rs_value_len(stages), 2);
    check_stage(stages, 0, 0.05, 90.0 / 3600);
    check_stage(stages, 1, 0.30, 121.0 / 3600);
    assert_int_equal((int)num(&sc.policy, "starting_step"), 2);
    rs_scenario_free(&sc);
    unlink(p);
}

/* Flagger: stepWeights as steps, maxWeight defaulting to the gate's rule, an unparsable interval read as 60 s
 * and one below 10 s as 10 s (GetAnalysisInterval). */
static void flagger_step_weights_and_intervals(void **state)
{
    (void)state;
    static const char *const intervals[] = {"30s", "banana", "5s"};
    static const double hours[] = {30.0 / 3600, 60.0 / 3600, 10.0 / 3600};
    for (int i = 0; i < 3; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: c}\nspec:\n  analysis:\n"
                 "    interval: %s\n    threshold: 3\n    stepWeights: [1, 20, 80]\n    stepWeightPromotion: 25\n"
                 "    metrics:\n    - name: error-rate\n      templateRef: {name: e}\n"
                 "      thresholdRange: {max: 0.02}\n      interval: %s\n",
                 intervals[i], intervals[i][0] == 'b' ? "1m" : intervals[i]);
        const char *p = temp_manifest(0, text);
        rs_import_options opt = {.manual_pause = 1};
        rs_scenario sc;
        import_load(&p, 1, &opt, &sc);
        assert_near(num(&sc.policy, "bake"), hours[i], 1e-12);
        const rs_value *steps = rs_value_get(&sc.policy, "steps");
        assert_int_equal(rs_value_len(steps), 3);
        double w;
        rs_value_number(rs_value_at(steps, 2), &w);
        assert_near(w, 0.8, 1e-12);
        assert_null(rs_value_get(&sc.policy, "max_weight"));
        assert_near(num(&sc.policy, "step_weight_promotion"), 0.25, 1e-12);
        assert_string_equal(str(rs_value_at(rs_value_get(&sc.policy, "metrics"), 0), "name"), "error_rate");
        rs_scenario_free(&sc);
        unlink(p);
    }
}

/* orca's RunCanaryIntervalsStage.kt: an interval longer than the lifetime is the lifetime (one judgment);
 * lifetime / interval in whole minutes otherwise, the stage ending with the last interval (90 / 40: two
 * judgments, 80 minutes after the warm-up). */
static void spinnaker_intervals(void **state)
{
    (void)state;
    static const long interval_min[] = {120, 40, 30};
    static const double bake_h[] = {1.5, 80.0 / 60, 1.5 + 0.25};
    static const int judgments[] = {1, 2, 3};
    const char *cfg = fixture(1, "replay/kayenta_config.json");
    for (int i = 0; i < 3; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"type\": \"kayentaCanary\", \"canaryConfig\": {\"canaryConfigId\": \"x\", "
                 "\"lifetimeDuration\": \"PT1H30M\", \"canaryAnalysisIntervalMins\": %ld%s}}",
                 interval_min[i], i == 2 ? ", \"beginCanaryAnalysisAfterMins\": 15" : "");
        const char *p[2] = {cfg, temp_manifest(0, text)};
        rs_import_options opt = {.manual_pause = 1};
        rs_scenario sc;
        import_load(p, 2, &opt, &sc);
        assert_int_equal((int)num(&sc.policy, "intervals"), judgments[i]);
        check_stage(rs_value_get(&sc.policy, "stages"), 0, 0.1, bake_h[i]);
        rs_scenario_free(&sc);
        unlink(p[1]);
    }
}

/* --map renames a metric; refused input names file and line (the catalogue checks the CLI's messages). */
static void map_and_refusals(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text,
             "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  strategy:\n"
             "    canary:\n      trafficRouting: {nginx: {stableIngress: x}}\n"
             "      analysis: {templates: [{templateName: t}]}\n      steps:\n"
             "      - setWeight: 50\n      - pause: {duration: 1h}\n%s", argo_template);
    /* the template's metric is renamed */
    char *swapped = strdup(text);
    char *at = strstr(swapped, "error-rate");
    memcpy(at, "five-xx-r", 9);
    at[9] = 'x';
    const char *p = temp_manifest(0, swapped);
    const char *maps[] = {"five-xx-rx=error_rate"};
    rs_import_options opt = {.maps = maps, .n_maps = 1, .manual_pause = 1};
    rs_scenario sc;
    import_load(&p, 1, &opt, &sc);
    assert_string_equal(str(rs_value_at(rs_value_get(&sc.policy, "metrics"), 0), "name"), "error_rate");
    rs_scenario_free(&sc);
    opt.n_maps = 0;
    char *lua = NULL;
    rs_error err = {0};
    assert_int_equal(rs_import(&p, 1, &opt, NULL, &lua, &err), RS_ERR_INPUT);
    assert_null(lua);
    char want[1200];
    snprintf(want, sizeof want, "%s:18: metric \"five-xx-rx\"", p);
    if (strncmp(err.msg, want, strlen(want)))
        fail_msg("message \"%s\", expected it to begin with \"%s\"", err.msg, want);
    free(swapped);
    unlink(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(argo_background_fields),
        cmocka_unit_test(argo_inline_fields),
        cmocka_unit_test(flagger_fields),
        cmocka_unit_test(spinnaker_fields),
        cmocka_unit_test(empty_documents),
        cmocka_unit_test(go_durations),
        cmocka_unit_test(argo_pause_and_starting_step),
        cmocka_unit_test(flagger_step_weights_and_intervals),
        cmocka_unit_test(spinnaker_intervals),
        cmocka_unit_test(map_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

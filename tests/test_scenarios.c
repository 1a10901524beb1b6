/* The shipped scenarios end to end through the runner: the seed example's exact P(t), reproducibility of the
 * output files, and the quick start's shape. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

static char *source_path(const char *rel)
{
    const char *root = getenv("ROLLSIM_SOURCE_DIR");
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", root ? root : "..", rel);
    return buf;
}

static void run_file(const char *rel, const char *out, const char *const *sets, size_t n_sets, rs_run_report *rep)
{
    rs_scenario sc;
    rs_error err = {0};
    if (rs_scenario_load(source_path(rel), sets, n_sets, &sc, &err))
        fail_msg("%s", err.msg);
    rs_run_options opt = {.out_dir = out, .jobs = 1};
    rs_policy_choice policy = {sc.policy_name, sc.policy_name, &sc.policy};
    if (rs_run(&sc, &policy, 1, &opt, rep, &err))
        fail_msg("%s", err.msg);
    rs_scenario_free(&sc);
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = malloc(1 << 24);
    *len = fread(buf, 1, (1 << 24) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void seed_features_exact(void **state)
{
    (void)state;
    /* SPEC §2: N_0 = 10 of 100 units and +10 per step: N = 10, 20, ..., 100 and P = 0.1, ..., 1.0 at
     * t = 0, ..., 9 (a sample shows the state after the stage change at the same instant). */
    char dir[] = "/tmp/rollsim-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    rs_run_report rep;
    run_file("scenarios/seed_features.lua", dir, NULL, 0, &rep);
    size_t len;
    char *csv = slurp(dir, "curves.csv", &len);
    char *line = strtok(csv, "\n");
    assert_string_equal(line, "rep,t,N,P,exposed,harmed,stage,weight_new,policy");
    static const char *const P[] = {"0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"};
    for (int k = 0; k < 10; k++) {
        line = strtok(NULL, "\n");
        assert_non_null(line);
        char expect[64];
        snprintf(expect, sizeof expect, "0,%d,%d,%s,", k, 10 * (k + 1), P[k]);
        if (strncmp(line, expect, strlen(expect)))
            fail_msg("t = %d: got \"%s\", expected it to start with \"%s\"", k, line, expect);
    }
    assert_int_equal(rep.policy[0].first.outcome, RS_OUTCOME_PROMOTED);
    assert_near(rep.policy[0].first.time_to_full, 9, 0);
    free(csv);
}

static void same_seed_same_bytes(void **state)
{
    (void)state;
    char a[] = "/tmp/rollsim-test-XXXXXX", b[] = "/tmp/rollsim-test-XXXXXX";
    assert_non_null(mkdtemp(a));
    assert_non_null(mkdtemp(b));
    const char *sets[] = {"replications=5"};
    rs_run_report rep;
    run_file("scenarios/quickstart.lua", a, sets, 1, &rep);
    run_file("scenarios/quickstart.lua", b, sets, 1, &rep);
    static const char *const files[] = {"curves.csv", "runs.csv", "events.csv", "bands.csv", "summary.json"};
    for (int i = 0; i < 5; i++) {
        size_t la, lb;
        char *x = slurp(a, files[i], &la), *y = slurp(b, files[i], &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(x, y, la);
        assert_true(la > 50);
        free(x);
        free(y);
    }
    /* A different seed changes the traffic. */
    const char *other[] = {"replications=5", "seed=43"};
    run_file("scenarios/quickstart.lua", b, other, 2, &rep);
    size_t la, lb;
    char *x = slurp(a, "runs.csv", &la), *y = slurp(b, "runs.csv", &lb);
    assert_true(la != lb || memcmp(x, y, la) != 0);
    free(x);
    free(y);
}

static void quickstart_stages(void **state)
{
    (void)state;
    /* With a candidate as good as the baseline and the gate off, the quick start walks its five stages:
     * internal only (500 users) for 24 h, then internal + 1 %, 5 %, 25 % of 20 000, then everyone at 60 h. */
    char dir[] = "/tmp/rollsim-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *sets[] = {"versions.2.error_rate=0.01", "policy.gate=none"};
    rs_run_report rep;
    run_file("scenarios/quickstart.lua", dir, sets, 2, &rep);
    size_t len;
    char *csv = slurp(dir, "curves.csv", &len);
    static const struct { int t; int n; int stage; } expect[] = {
        {0, 500, 1}, {23, 500, 1}, {24, 700, 2}, {36, 1500, 3}, {48, 5500, 4}, {60, 20500, 5}, {96, 20500, 5}};
    for (size_t i = 0; i < sizeof expect / sizeof *expect; i++) {
        char key[64];
        snprintf(key, sizeof key, "\n0,%d,%d,", expect[i].t, expect[i].n);
        char *at = strstr(csv, key);
        if (!at)
            fail_msg("curves.csv has no row starting \"%s\"", key + 1);
    }
    assert_int_equal(rep.policy[0].first.outcome, RS_OUTCOME_PROMOTED);
    assert_near(rep.policy[0].first.time_to_full, 60, 0);
    assert_int_equal(rep.policy[0].first.stage_reached, 5);
    free(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_features_exact),
        cmocka_unit_test(same_seed_same_bytes),
        cmocka_unit_test(quickstart_stages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The Monte Carlo runner as a user drives it (issue 3): outputs do not depend on --jobs, paired comparisons
 * are tighter than unpaired ones, and an interrupted run keeps its finished replications, marked partial. */
#include "check.h"

#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

static const char *source_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("ROLLSIM_SOURCE_DIR");
    snprintf(buf, sizeof buf, "%s/%s", root ? root : "..", rel);
    return buf;
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Runs a scenario (its `policies` when compare) into dir with the given thread count. */
static void run(const char *rel, const char *dir, unsigned jobs, int compare, const char *const *sets, size_t n_sets)
{
    rs_scenario sc;
    rs_error err = {0};
    if (rs_scenario_load(source_path(rel), sets, n_sets, &sc, &err))
        fail_msg("%s", err.msg);
    rs_policy_choice pol[RS_MAX_POLICIES];
    size_t n = 0;
    if (compare)
        for (; n < sc.n_policies; n++)
            pol[n] = (rs_policy_choice){sc.policy_labels[n], sc.policy_plugins[n], &sc.policy_params[n]};
    else
        pol[n++] = (rs_policy_choice){sc.policy_name, sc.policy_name, &sc.policy};
    rs_run_options opt = {.out_dir = dir, .jobs = jobs};
    rs_run_report rep;
    if (rs_run(&sc, pol, n, &opt, &rep, &err))
        fail_msg("%s", err.msg);
    rs_scenario_free(&sc);
}

static const char *const files[] = {"summary.json", "runs.csv", "bands.csv", "curves.csv", "events.csv",
                                    "segments.csv"};

static void same_bytes_whatever_jobs(void **state)
{
    (void)state;
    /* The canary-sizing scenario (priors, three plans) at a quarter of its users so the test stays short. */
    const char *sets[] = {"population.1.users=5000", "replications=300"};
    char a[] = "/tmp/rollsim-exp-XXXXXX", b[] = "/tmp/rollsim-exp-XXXXXX", c[] = "/tmp/rollsim-exp-XXXXXX";
    assert_non_null(mkdtemp(a));
    assert_non_null(mkdtemp(b));
    assert_non_null(mkdtemp(c));
    run("scenarios/canary_sizing.lua", a, 1, 1, sets, 2);
    run("scenarios/canary_sizing.lua", b, 2, 1, sets, 2);
    run("scenarios/canary_sizing.lua", c, 3, 1, sets, 2);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        size_t la, lb, lc;
        char *x = slurp(a, files[i], &la), *y = slurp(b, files[i], &lb), *z = slurp(c, files[i], &lc);
        if (la != lb || memcmp(x, y, la) || la != lc || memcmp(x, z, la))
            fail_msg("%s differs between --jobs 1, 2 and 3", files[i]);
        assert_true(la > 100);
        free(x), free(y), free(z);
    }
}

/* Reads summary.json's paired harm intervals and checks each paired width is below max_ratio times the
 * unpaired width. */
static void check_paired(const char *dir, size_t n_pairs, double max_ratio)
{
    size_t len;
    char *text = slurp(dir, "summary.json", &len);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    json_t *paired = json_object_get(root, "paired");
    assert_int_equal(json_array_size(paired), n_pairs);
    for (size_t i = 0; i < json_array_size(paired); i++) {
        json_t *harm = json_object_get(json_array_get(paired, i), "harm");
        double lo = json_number_value(json_object_get(harm, "lo")), hi = json_number_value(json_object_get(harm, "hi"));
        double ulo = json_number_value(json_object_get(harm, "unpaired_lo"));
        double uhi = json_number_value(json_object_get(harm, "unpaired_hi"));
        double ratio = json_number_value(json_object_get(harm, "width_ratio"));
        print_message("%s - %s: harm paired width %.1f, unpaired %.1f (ratio %.3f)\n",
                      json_string_value(json_object_get(json_array_get(paired, i), "a")),
                      json_string_value(json_object_get(json_array_get(paired, i), "b")), hi - lo, uhi - ulo, ratio);
        assert_true(hi > lo);
        assert_near(ratio, (hi - lo) / (uhi - ulo), 1e-9);
        assert_true(ratio < max_ratio);
    }
    json_decref(root);
    free(text);
}

static void paired_intervals_are_tighter(void **state)
{
    (void)state;
    /* Every policy sees the same traffic and the same draws in replication r (common random numbers), so the
     * paired interval of a difference is narrower than the unpaired (Welch) one from the same runs; with
     * independent traffic the two would be equally wide (ratio about 1, +-0.05 at 300 replications).
     * Two ungated ladders differ only in how fast they expose users, so almost all the variance of their
     * harm is shared: the paired interval must be less than half as wide. */
    char dir[] = "/tmp/rollsim-exp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[4200];
    snprintf(path, sizeof path, "%s/ladders.lua", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("return { name = 'two ladders', seed = 11, replications = 300, horizon = 48, sample_every = 1,\n"
          "  population = { { name = 'u', users = 4000, rate = 1 } },\n"
          "  versions = { { name = 'b', baseline = true, error_rate = 0.01 },\n"
          "               { name = 'c', error_rate = uniform(0.01, 0.03) } },\n"
          "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.1, 1 }, bake = 12 },\n"
          "  policies = { fast = { name = 'fixed_stages', gate = 'none', steps = { 0.5, 1 }, bake = 6 },\n"
          "               slow = { name = 'fixed_stages', gate = 'none', steps = { 0.05, 0.2, 1 }, bake = 12 } } }\n",
          f);
    fclose(f);
    rs_scenario sc;
    rs_error err = {0};
    if (rs_scenario_load(path, NULL, 0, &sc, &err))
        fail_msg("%s", err.msg);
    rs_policy_choice pol[2] = {{sc.policy_labels[0], sc.policy_plugins[0], &sc.policy_params[0]},
                               {sc.policy_labels[1], sc.policy_plugins[1], &sc.policy_params[1]}};
    rs_run_options opt = {.out_dir = dir, .jobs = 2};
    rs_run_report rep;
    if (rs_run(&sc, pol, 2, &opt, &rep, &err))
        fail_msg("%s", err.msg);
    rs_scenario_free(&sc);
    check_paired(dir, 1, 0.5);

    /* The canary-sizing plans, with their gates: rollbacks that differ between plans add variance the
     * pairing cannot remove, but the paired intervals are still the narrower ones. */
    const char *sets[] = {"population.1.users=5000", "replications=300"};
    char dir2[] = "/tmp/rollsim-exp-XXXXXX";
    assert_non_null(mkdtemp(dir2));
    run("scenarios/canary_sizing.lua", dir2, 2, 1, sets, 2);
    check_paired(dir2, 3, 1.0);
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static void interrupt_keeps_finished_replications(void **state)
{
    (void)state;
    /* A run far too long to finish, stopped with SIGINT after a second: exit 130, every file complete and
     * parseable, summary.json marked partial with as many replications as runs.csv has rows, no temporary
     * file left behind. */
    char dir[] = "/tmp/rollsim-exp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out[4200];
    snprintf(out, sizeof out, "%s/out", dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execl(ROLLSIM_EXE, ROLLSIM_EXE, "run", source_path("scenarios/aa_calibration.lua"), "--reps", "1000000",
              "--jobs", "2", "--out", out, "--quiet", (char *)NULL);
        _exit(127);
    }
    /* Long enough for some replications to finish: the sanitized build (several times slower, and CI runs it
     * while nothing else does, but a developer's machine may be busy) gets longer. */
#if defined(__SANITIZE_ADDRESS__)
    usleep(6000 * 1000);
#else
    usleep(1500 * 1000);
#endif
    kill(pid, SIGINT);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 130);

    size_t len;
    char *summary = slurp(out, "summary.json", &len);
    json_error_t jerr;
    json_t *root = json_loads(summary, 0, &jerr);
    if (!root)
        fail_msg("summary.json does not parse: %s", jerr.text);
    assert_true(json_is_true(json_object_get(root, "partial")));
    json_t *pol = json_array_get(json_object_get(root, "policies"), 0);
    json_int_t done = json_integer_value(json_object_get(pol, "replications"));
    assert_true(done > 0 && done < 1000000);
    char *runs = slurp(out, "runs.csv", &len);
    assert_int_equal(count_lines(runs), (size_t)done + 1); /* header + one row per finished replication */
    assert_int_equal(runs[len - 1], '\n');
    print_message("interrupted after %lld replications\n", (long long)done);
    DIR *d = opendir(out);
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            fail_msg("temporary file left behind: %s", e->d_name);
    closedir(d);
    json_decref(root);
    free(summary);
    free(runs);
}

/* Drops the last CSV column (the policy label) of every line. */
static void strip_last_column(char *text)
{
    char *out = text;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        size_t keep = len;
        while (keep > 0 && line[keep - 1] != ',')
            keep--;
        keep = keep ? keep - 1 : len;
        memmove(out, line, keep);
        out += keep;
        *out++ = '\n';
        if (!nl)
            break;
        line = nl + 1;
    }
    *out = '\0';
}

static void lua_policy_matches_plugin(void **state)
{
    (void)state;
    /* scenarios/lua_policy.lua spells out fixed_stages (steps 0.05, 0.25, 1; 12 h; z-test) as a Lua function.
     * The same scenario with the plugin configured alike must give the same replications: every row of
     * runs.csv, curves.csv, bands.csv and segments.csv equal but for the policy label. The Lua run uses two
     * threads, so the shared Lua state is exercised under the lock. */
    char a[] = "/tmp/rollsim-exp-XXXXXX", b[] = "/tmp/rollsim-exp-XXXXXX";
    assert_non_null(mkdtemp(a));
    assert_non_null(mkdtemp(b));
    run("scenarios/lua_policy.lua", a, 2, 0, NULL, 0);
    size_t len;
    char *text = slurp(source_path(""), "scenarios/lua_policy.lua", &len);
    char *at = strstr(text, "  policy = policy,");
    assert_non_null(at);
    char path[4200];
    snprintf(path, sizeof path, "%s/plugin.lua", b);
    FILE *f = fopen(path, "w");
    fprintf(f, "%.*s  policy = { name = 'fixed_stages', steps = { 0.05, 0.25, 1 }, bake = hours(12), gate = 'ztest', "
               "alpha = 0.05 },%s",
            (int)(at - text), text, at + strlen("  policy = policy,"));
    fclose(f);
    free(text);
    rs_scenario sc;
    rs_error err = {0};
    if (rs_scenario_load(path, NULL, 0, &sc, &err))
        fail_msg("%s", err.msg);
    rs_policy_choice pol = {sc.policy_name, sc.policy_name, &sc.policy};
    rs_run_options opt = {.out_dir = b, .jobs = 1};
    rs_run_report rep;
    if (rs_run(&sc, &pol, 1, &opt, &rep, &err))
        fail_msg("%s", err.msg);
    rs_scenario_free(&sc);
    static const char *const same[] = {"runs.csv", "curves.csv", "bands.csv", "segments.csv"};
    for (size_t i = 0; i < 4; i++) {
        size_t la, lb;
        char *x = slurp(a, same[i], &la), *y = slurp(b, same[i], &lb);
        strip_last_column(x);
        strip_last_column(y);
        if (strcmp(x, y))
            fail_msg("%s differs between the Lua policy and fixed_stages", same[i]);
        assert_true(strlen(x) > 100);
        free(x), free(y);
    }
}

static void lua_policy_errors(void **state)
{
    (void)state;
    /* A Lua policy that writes a global, or returns an invalid action, stops the run with a message naming
     * the policy and the line (exit 1 through the CLI: a runtime failure). */
    static const char *const bodies[][2] = {
        {"counter = 1; return { next = obs.t + 1 }", "global 'counter' cannot be set while the simulation runs"},
        {"return { weights = { cand = 1.5 }, next = obs.t + 1 }", "invalid weight 1.5 for version cand"},
        {"return { weights = { nope = 1 }, next = obs.t + 1 }", "action.weights: no version named \"nope\""},
        {"return { next = obs.t }", "asked for its next decision at t = 0 h, not after now"},
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "return { name = 'bad lua', horizon = 5, population = { { name = 'u', users = 10, rate = 1 } },\n"
                 "  versions = { { name = 'base', baseline = true, error_rate = 0.01 }, { name = 'cand', error_rate "
                 "= 0.01 } },\n  policy = function(obs, state) %s end }\n",
                 bodies[i][0]);
        rs_scenario sc;
        rs_error err = {0};
        if (rs_scenario_load_string(text, strlen(text), "bad.lua", NULL, 0, &sc, &err))
            fail_msg("%s", err.msg);
        char dir[] = "/tmp/rollsim-exp-XXXXXX";
        assert_non_null(mkdtemp(dir));
        rs_policy_choice pol = {sc.policy_name, sc.policy_name, &sc.policy};
        rs_run_options opt = {.out_dir = dir, .jobs = 1};
        rs_run_report rep;
        assert_int_equal(rs_run(&sc, &pol, 1, &opt, &rep, &err), RS_ERR_RUNTIME);
        print_message("%s\n", err.msg);
        if (!strstr(err.msg, bodies[i][1]) || !strstr(err.msg, "lua"))
            fail_msg("message \"%s\" lacks \"%s\"", err.msg, bodies[i][1]);
        rs_scenario_free(&sc);
    }
}

/* Runs a one-replication scenario with labels whose Lua policy has the given body; returns rs_run's status, the
 * message in err. */
static rs_status run_labelled(const char *body, const char *dir, rs_error *err)
{
    char text[2048];
    snprintf(text, sizeof text,
             "return { name = 'labels seen', seed = 5, replications = 1, horizon = 20, sample_every = 1,\n"
             "  population = { { name = 'u', users = 50, rate = 2 } },\n"
             "  prevalence = 0.3, labels = { fraction = 0.5, delay = 2 },\n"
             "  versions = { { name = 'base', baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },\n"
             "               { name = 'cand', error_rate = 0.01, recall = 0.8, specificity = 0.9 } },\n"
             "  events = { { at = 10, set = { segment = 'u', key = 'rate', value = 0 } } },\n"
             "  policy = function(obs, state) %s end }\n",
             body);
    rs_scenario sc;
    if (rs_scenario_load_string(text, strlen(text), "labels.lua", NULL, 0, &sc, err))
        fail_msg("%s", err->msg);
    rs_policy_choice pol = {sc.policy_name, sc.policy_name, &sc.policy};
    rs_run_options opt = {.out_dir = dir, .jobs = 1};
    rs_run_report rep;
    rs_status st = rs_run(&sc, &pol, 1, &opt, &rep, err);
    rs_scenario_free(&sc);
    return st;
}

static void lua_policy_sees_labels(void **state)
{
    (void)state;
    /* A Lua policy sees the labels that have arrived, as a C plugin does (obs.versions.V.labels). Requests
     * stop at t = 10 and labels come 2 h late, so from t = 12 on the counts are final: what the policy sees at
     * t = 15 must be, exactly, the candidate's row of segments.csv from a run of the same replication (the
     * policy draws nothing, so both runs make the same draws). */
    char a[] = "/tmp/rollsim-exp-XXXXXX", b[] = "/tmp/rollsim-exp-XXXXXX";
    assert_non_null(mkdtemp(a));
    assert_non_null(mkdtemp(b));
    rs_error err = {0};
    if (run_labelled("return { weights = { cand = 0.5 }, next = obs.t + 1 }", a, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(run_labelled("local q = obs.versions.cand.labels\n"
                                  "if obs.t >= 15 then error(string.format('seen %d %d %d %d %d', q.tp, q.fp, q.fn, "
                                  "q.tn, q.in_flight)) end\n"
                                  "return { weights = { cand = 0.5 }, next = obs.t + 1 }",
                                  b, &err),
                     RS_ERR_RUNTIME);
    size_t len;
    char *csv = slurp(a, "segments.csv", &len);
    /* rep,segment,version,requests,errors,successes,users_routed,exposed,tp,fp,fn,tn,... */
    char *row = strstr(csv, ",u,cand,");
    assert_non_null(row);
    unsigned long long c[8];
    assert_int_equal(sscanf(row, ",u,cand,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu", &c[0], &c[0], &c[0], &c[0],
                            &c[0], &c[1], &c[2], &c[3], &c[4]),
                     9);
    char want[128];
    snprintf(want, sizeof want, "seen %llu %llu %llu %llu 0", c[1], c[2], c[3], c[4]);
    print_message("segments.csv: %s; the policy: %s\n", want, err.msg);
    if (!strstr(err.msg, want))
        fail_msg("the policy saw \"%s\", segments.csv says \"%s\"", err.msg, want);
    assert_true(c[1] + c[2] + c[3] + c[4] > 100); /* about 500 candidate requests, half labelled */
    free(csv);
    /* and no labels at all where the scenario gives none */
    char text[] = "return { name = 'no labels', horizon = 5, population = { { name = 'u', users = 10, rate = 1 } },\n"
                  "  versions = { { name = 'base', baseline = true, error_rate = 0.01 }, { name = 'cand', error_rate "
                  "= 0.01 } },\n  policy = function(obs, state) if obs.versions.cand.labels ~= nil then "
                  "error('labels without labels') end return { next = obs.t + 1 } end }\n";
    rs_scenario sc;
    if (rs_scenario_load_string(text, strlen(text), "nolabels.lua", NULL, 0, &sc, &err))
        fail_msg("%s", err.msg);
    rs_policy_choice pol = {sc.policy_name, sc.policy_name, &sc.policy};
    char c3[] = "/tmp/rollsim-exp-XXXXXX";
    assert_non_null(mkdtemp(c3));
    rs_run_options opt = {.out_dir = c3, .jobs = 1};
    rs_run_report rep;
    if (rs_run(&sc, &pol, 1, &opt, &rep, &err))
        fail_msg("%s", err.msg);
    rs_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_bytes_whatever_jobs),
        cmocka_unit_test(paired_intervals_are_tighter),
        cmocka_unit_test(interrupt_keeps_finished_replications),
        cmocka_unit_test(lua_policy_matches_plugin),
        cmocka_unit_test(lua_policy_errors),
        cmocka_unit_test(lua_policy_sees_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Plugin loading (SPEC §6, §10): the loader's refusals and the host's checks, with the deliberately broken
 * plugins of tests/plugins/ (built into ROLLSIM_TEST_PLUGIN_DIR by tests/badinput.cmake):
 *   wrong_abi       claims policy ABI version 99        -> refused, naming 99 and this rollsim's version
 *   no_entry        exports no rs_policy_entry          -> refused
 *   failing_create  create() fails with a message       -> bad input (exit 2) with that message; destroy() called
 *   bad_action      returns a weight of 1.5             -> runtime failure (exit 1) naming the plugin; no files
 *   cxx_plugin      written in C++ against policy.h     -> loads and runs
 *   gate_user       uses the host's gates, declaring only gate and metrics -> the other gate parameters take
 *                   rollsim's defaults; a bad candidate is rolled back, a good one promoted
 * and the built-in fixed_stages: found by name, its declared defaults filled in, its ranges enforced. */
#define _GNU_SOURCE /* nftw, mkdtemp */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin.h"
#include "runner.h"
#include "scenario.h"
#include "value.h"

#ifndef ROLLSIM_TEST_PLUGIN_DIR
#error "ROLLSIM_TEST_PLUGIN_DIR must name the folder of the test plugins"
#endif
#define TEST_PLUGIN(name) ROLLSIM_TEST_PLUGIN_DIR "/" name ".so"

/* The CLI's exit code is the status (core/cli.c returns (int)st): these tests check statuses. */
_Static_assert(RS_ERR_INPUT == 2 && RS_ERR_RUNTIME == 1, "exit codes of SPEC §4");

/* ---- helpers ---------------------------------------------------------------------------------------- */

/* Whether msg holds `prefix` followed by the number n as a whole number ("ABI version 1" but not "... 10"). */
static int mentions(const char *msg, const char *prefix, unsigned n)
{
    char want[128];
    snprintf(want, sizeof want, "%s%u", prefix, n);
    size_t len = strlen(want);
    for (const char *p = strstr(msg, want); p; p = strstr(p + 1, want))
        if (p[len] < '0' || p[len] > '9')
            return 1;
    return 0;
}

/* cmocka 1.1.5 (Debian's) has no assert_double_equal. */
#define assert_near(a, b, tol)                                                                           \
    do {                                                                                                 \
        double a_ = (a), b_ = (b);                                                                       \
        if (!(fabs(a_ - b_) <= (tol)))                                                                   \
            fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);                                          \
    } while (0)

static void assert_contains(const char *msg, const char *part)
{
    if (!strstr(msg, part))
        fail_msg("message \"%s\" does not contain \"%s\"", msg, part);
}

/* Loads a small valid scenario whose policy table is `{ name = "<policy>"<extra> }`. */
static void load_scenario(const char *policy, const char *extra, rs_scenario *sc)
{
    char text[2048];
    int n = snprintf(text, sizeof text,
                     "return {\n"
                     "  name = 'plugin test', seed = 7, replications = 2,\n"
                     "  horizon = 10, sample_every = 1,\n"
                     "  population = { { name = 'all', users = 200, rate = 1 } },\n"
                     "  versions = {\n"
                     "    { name = 'old', baseline = true, error_rate = 0.01 },\n"
                     "    { name = 'new', error_rate = 0.01 },\n"
                     "  },\n"
                     "  policy = { name = '%s'%s },\n"
                     "}\n",
                     policy, extra ? extra : "");
    assert_true(n > 0 && (size_t)n < sizeof text);
    rs_error err = {0};
    rs_status st = rs_scenario_load_string(text, (size_t)n, "test.lua", NULL, 0, sc, &err);
    if (st)
        fail_msg("scenario: %s", err.msg);
}

typedef struct scratch {
    char root[64]; /* a fresh temporary folder */
    char out[96];  /* root/out: the output folder handed to rs_run (not created beforehand) */
} scratch;

static void scratch_make(scratch *s)
{
    snprintf(s->root, sizeof s->root, "%s", "/tmp/rollsim-test-plugins.XXXXXX");
    assert_non_null(mkdtemp(s->root));
    snprintf(s->out, sizeof s->out, "%s/out", s->root);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void scratch_free(scratch *s)
{
    nftw(s->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Entries in a folder (0 when it does not exist): temporary files count too. */
static size_t files_in(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static int file_nonempty(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* Runs the scenario with its output in s->out; returns the status, message in err. */
static rs_status run(const rs_scenario *sc, const scratch *s, rs_run_report *report, rs_error *err)
{
    rs_run_options opt = {.out_dir = s->out, .jobs = 1};
    rs_policy_choice policy = {sc->policy_name, sc->policy_name, &sc->policy};
    return rs_run(sc, &policy, 1, &opt, report, err);
}

/* A counter exported by a test plugin that this test holds open (so its statics outlive rs_run's dlclose). */
static int *plugin_counter(void *handle, const char *name)
{
    void *p = dlsym(handle, name);
    if (!p)
        fail_msg("test plugin has no symbol %s: %s", name, dlerror());
    return p;
}

/* ---- ABI and entry-symbol refusals -------------------------------------------------------------------- */

static void test_wrong_abi_refused(void **state)
{
    (void)state;
    rs_plugin p;
    rs_error err = {0};
    assert_int_equal(rs_plugin_load(TEST_PLUGIN("wrong_abi"), &p, &err), RS_ERR_INPUT);
    assert_contains(err.msg, TEST_PLUGIN("wrong_abi"));
    if (!mentions(err.msg, "ABI version ", 99) || !mentions(err.msg, "ABI version ", RS_POLICY_ABI_VERSION))
        fail_msg("the refusal must name both ABI versions (99 and %u): %s", RS_POLICY_ABI_VERSION, err.msg);
    assert_null(p.handle);
    assert_null(p.type);
    rs_plugin_unload(&p); /* safe on a refused plugin */
}

static void test_wrong_abi_refused_by_run(void **state)
{
    (void)state;
    rs_scenario sc;
    load_scenario(TEST_PLUGIN("wrong_abi"), NULL, &sc);
    scratch s;
    scratch_make(&s);
    rs_run_report report;
    rs_error err = {0};
    assert_int_equal(run(&sc, &s, &report, &err), RS_ERR_INPUT);
    assert_contains(err.msg, "test.lua: policy.name: plugin " TEST_PLUGIN("wrong_abi"));
    assert_true(mentions(err.msg, "ABI version ", 99));
    assert_true(mentions(err.msg, "ABI version ", RS_POLICY_ABI_VERSION));
    assert_int_equal(files_in(s.out), 0);
    scratch_free(&s);
    rs_scenario_free(&sc);
}

static void test_no_entry_refused(void **state)
{
    (void)state;
    rs_plugin p;
    rs_error err = {0};
    assert_int_equal(rs_plugin_load(TEST_PLUGIN("no_entry"), &p, &err), RS_ERR_INPUT);
    assert_contains(err.msg, TEST_PLUGIN("no_entry"));
    assert_contains(err.msg, RS_POLICY_ENTRY_SYMBOL);
    assert_null(p.handle);
}

static void test_missing_path_refused(void **state)
{
    (void)state;
    rs_plugin p;
    rs_error err = {0};
    assert_int_equal(rs_plugin_load(ROLLSIM_TEST_PLUGIN_DIR "/does_not_exist.so", &p, &err), RS_ERR_INPUT);
    assert_contains(err.msg, ROLLSIM_TEST_PLUGIN_DIR "/does_not_exist.so");
}

static void test_unknown_name_suggests(void **state)
{
    (void)state;
    rs_plugin p;
    rs_error err = {0};
    assert_int_equal(rs_plugin_load("fixed_stagez", &p, &err), RS_ERR_INPUT);
    assert_contains(err.msg, "'fixed_stagez' not found");
    assert_contains(err.msg, "(did you mean 'fixed_stages'?)");
}

/* rs_plugin_check_type on in-memory types: each header field is checked before anything is called. */
static int dummy_create(void *st, const rs_policy_ctx *ctx, char *err, size_t len)
{
    (void)st, (void)ctx, (void)err, (void)len;
    return 0;
}

static int dummy_decide(void *st, const rs_observation *obs, rs_action *act, char *err, size_t len)
{
    (void)st, (void)obs, (void)act, (void)err, (void)len;
    return 0;
}

static void test_check_type(void **state)
{
    (void)state;
    static const rs_param_spec params[] = {{"x", RS_PARAM_NUMBER, "1", 0, 2, NULL, "a number"}};
    const rs_policy_type good = {RS_POLICY_TYPE_HEADER, "dummy", "a dummy", params, 1, 0, dummy_create,
                                 dummy_decide, NULL};
    rs_error err = {0};
    assert_int_equal(rs_plugin_check_type(&good, "dummy.so", &err), RS_OK);

    assert_int_equal(rs_plugin_check_type(NULL, "dummy.so", &err), RS_ERR_INPUT);
    assert_contains(err.msg, "dummy.so");

    rs_policy_type t = good;
    t.abi_version = RS_POLICY_ABI_VERSION + 1;
    assert_int_equal(rs_plugin_check_type(&t, "dummy.so", &err), RS_ERR_INPUT);
    assert_true(mentions(err.msg, "ABI version ", RS_POLICY_ABI_VERSION + 1));
    assert_true(mentions(err.msg, "ABI version ", RS_POLICY_ABI_VERSION));

    t = good;
    t.abi_version = 0;
    assert_int_equal(rs_plugin_check_type(&t, "dummy.so", &err), RS_ERR_INPUT);
    assert_true(mentions(err.msg, "ABI version ", 0));

    t = good; /* built against headers with a smaller policy type: refused */
    t.struct_size = (uint32_t)sizeof(rs_policy_type) - 8;
    assert_int_equal(rs_plugin_check_type(&t, "dummy.so", &err), RS_ERR_INPUT);

    t = good; /* expects a larger observation than this host fills: refused */
    t.observation_size = (uint32_t)sizeof(rs_observation) + 8;
    assert_int_equal(rs_plugin_check_type(&t, "dummy.so", &err), RS_ERR_INPUT);

    t = good;
    t.action_size = (uint32_t)sizeof(rs_action) + 8;
    assert_int_equal(rs_plugin_check_type(&t, "dummy.so", &err), RS_ERR_INPUT);

    t = good;
    t.decide = NULL;
    assert_int_equal(rs_plugin_check_type(&t, "dummy.so", &err), RS_ERR_INPUT);

    t = good;
    t.name = "";
    assert_int_equal(rs_plugin_check_type(&t, "dummy.so", &err), RS_ERR_INPUT);

    static const rs_param_spec bad_params[] = {{"x", (rs_param_type)0, "1", 0, 2, NULL, "no type"}};
    t = good;
    t.params = bad_params;
    assert_int_equal(rs_plugin_check_type(&t, "dummy.so", &err), RS_ERR_INPUT);

    t = good;
    t.params = NULL; /* n_params = 1 but no table */
    assert_int_equal(rs_plugin_check_type(&t, "dummy.so", &err), RS_ERR_INPUT);
}

/* ---- fixed_stages: by name, defaults, ranges ---------------------------------------------------------- */

static double number_of(const rs_value *v, const char *key)
{
    const rs_value *x = rs_value_get(v, key);
    if (!x || x->kind != RS_VALUE_NUMBER)
        fail_msg("resolved parameter %s is missing or not a number", key);
    return x->num;
}

static void set_number(rs_value *table, const char *key, double x)
{
    rs_value v = {.kind = RS_VALUE_NUMBER, .num = x};
    assert_int_equal(rs_value_set(table, key, &v), 0);
}

static void set_string(rs_value *table, const char *key, const char *s)
{
    rs_value v = {.kind = RS_VALUE_STRING, .str = strdup(s)};
    assert_non_null(v.str);
    assert_int_equal(rs_value_set(table, key, &v), 0);
}

static void test_fixed_stages_by_name(void **state)
{
    (void)state;
    rs_plugin p;
    rs_error err = {0};
    rs_status st = rs_plugin_load("fixed_stages", &p, &err);
    if (st)
        fail_msg("%s", err.msg);
    assert_non_null(p.handle);
    assert_string_equal(p.type->name, "fixed_stages");
    assert_int_equal(p.type->abi_version, RS_POLICY_ABI_VERSION);
    size_t len = strlen(p.path);
    assert_true(len >= strlen("/fixed_stages.so"));
    assert_string_equal(p.path + len - strlen("/fixed_stages.so"), "/fixed_stages.so");

    /* No parameters given: every declared default is filled in. */
    rs_value raw = {.kind = RS_VALUE_TABLE}, out;
    st = rs_plugin_resolve_params(p.type, &raw, "x.lua: policy", &out, &err);
    if (st)
        fail_msg("%s", err.msg);
    assert_near(number_of(&out, "alpha"), 0.05, 1e-15);
    assert_near(number_of(&out, "bake"), 12, 0); /* "12h" in hours */
    assert_near(number_of(&out, "check_every"), 0, 0);
    assert_string_equal(rs_value_string(rs_value_get(&out, "gate")), "ztest");
    assert_null(rs_value_get(&out, "candidate")); /* optional, no default */
    rs_value_clear(&out);

    /* Given values are kept; durations become hours. */
    set_number(&raw, "alpha", 0.01);
    set_string(&raw, "bake", "30m");
    st = rs_plugin_resolve_params(p.type, &raw, "x.lua: policy", &out, &err);
    if (st)
        fail_msg("%s", err.msg);
    assert_near(number_of(&out, "alpha"), 0.01, 1e-15);
    assert_near(number_of(&out, "bake"), 0.5, 1e-15);
    assert_string_equal(rs_value_string(rs_value_get(&raw, "bake")), "30m"); /* the input is not changed */
    rs_value_clear(&out);
    rs_value_clear(&raw);

    /* An out-of-range alpha is refused, naming the key and the value; nothing is returned. */
    raw = (rs_value){.kind = RS_VALUE_TABLE};
    set_number(&raw, "alpha", 0.7);
    st = rs_plugin_resolve_params(p.type, &raw, "x.lua: policy", &out, &err);
    assert_int_equal(st, RS_ERR_INPUT);
    assert_contains(err.msg, "x.lua: policy.alpha: ");
    assert_contains(err.msg, "0.7");
    assert_int_equal(out.len, 0);
    rs_value_clear(&raw);

    raw = (rs_value){.kind = RS_VALUE_TABLE};
    set_number(&raw, "alpha", 0);
    assert_int_equal(rs_plugin_resolve_params(p.type, &raw, "x.lua: policy", &out, &err), RS_ERR_INPUT);
    assert_contains(err.msg, "x.lua: policy.alpha: ");
    rs_value_clear(&raw);

    raw = (rs_value){.kind = RS_VALUE_TABLE};
    set_number(&raw, "alpha", NAN);
    assert_int_equal(rs_plugin_resolve_params(p.type, &raw, "x.lua: policy", &out, &err), RS_ERR_INPUT);
    rs_value_clear(&raw);

    /* Wrong type, bad choice, unknown key with a suggestion. */
    raw = (rs_value){.kind = RS_VALUE_TABLE};
    set_string(&raw, "alpha", "low");
    assert_int_equal(rs_plugin_resolve_params(p.type, &raw, "x.lua: policy", &out, &err), RS_ERR_INPUT);
    assert_string_equal(err.msg, "x.lua: policy.alpha: expected a number, got string");
    rs_value_clear(&raw);

    raw = (rs_value){.kind = RS_VALUE_TABLE};
    set_string(&raw, "gate", "zteest");
    assert_int_equal(rs_plugin_resolve_params(p.type, &raw, "x.lua: policy", &out, &err), RS_ERR_INPUT);
    assert_contains(err.msg, "x.lua: policy.gate: ");
    assert_contains(err.msg, "zteest");
    rs_value_clear(&raw);

    raw = (rs_value){.kind = RS_VALUE_TABLE};
    set_number(&raw, "alpah", 0.01);
    assert_int_equal(rs_plugin_resolve_params(p.type, &raw, "x.lua: policy", &out, &err), RS_ERR_INPUT);
    assert_string_equal(err.msg, "x.lua: policy.alpah: unknown parameter of policy 'fixed_stages' (did you mean "
                                 "'alpha'?)");
    rs_value_clear(&raw);

    rs_plugin_unload(&p);
    assert_null(p.handle);
}

/* ---- failures inside a run ---------------------------------------------------------------------------- */

static void test_failing_create(void **state)
{
    (void)state;
    /* Hold our own reference so that the plugin's counters survive rs_run's dlclose. */
    void *h = dlopen(TEST_PLUGIN("failing_create"), RTLD_NOW | RTLD_LOCAL);
    if (!h)
        fail_msg("%s", dlerror());
    int *creates = plugin_counter(h, "failing_create_creates");
    int *destroys = plugin_counter(h, "failing_create_destroys");
    *creates = *destroys = 0;

    rs_scenario sc;
    load_scenario(TEST_PLUGIN("failing_create"), ", threshold = 4", &sc);
    scratch s;
    scratch_make(&s);
    rs_run_report report;
    rs_error err = {0};
    assert_int_equal(run(&sc, &s, &report, &err), RS_ERR_INPUT); /* exit 2 */
    assert_string_equal(err.msg, "test.lua: policy: threshold: failing_create refuses every configuration (a test "
                                 "plugin)");
    assert_int_equal(*creates, 1);  /* the run stops at the first replication */
    assert_int_equal(*destroys, 1); /* policy.h: destroy() follows every create(), even a failed one */
    assert_int_equal(files_in(s.out), 0);
    scratch_free(&s);
    rs_scenario_free(&sc);

    /* A parameter outside the plugin's declared range is refused before create() is called. */
    load_scenario(TEST_PLUGIN("failing_create"), ", threshold = 11", &sc);
    scratch_make(&s);
    assert_int_equal(run(&sc, &s, &report, &err), RS_ERR_INPUT);
    assert_contains(err.msg, "test.lua: policy.threshold: ");
    assert_int_equal(*creates, 1);
    assert_int_equal(files_in(s.out), 0);
    scratch_free(&s);
    rs_scenario_free(&sc);
    dlclose(h);
}

static void test_bad_action(void **state)
{
    (void)state;
    void *h = dlopen(TEST_PLUGIN("bad_action"), RTLD_NOW | RTLD_LOCAL);
    if (!h)
        fail_msg("%s", dlerror());
    int *creates = plugin_counter(h, "bad_action_creates");
    int *destroys = plugin_counter(h, "bad_action_destroys");
    *creates = *destroys = 0;

    rs_scenario sc;
    load_scenario(TEST_PLUGIN("bad_action"), NULL, &sc);
    scratch s;
    scratch_make(&s);
    rs_run_report report;
    rs_error err = {0};
    assert_int_equal(run(&sc, &s, &report, &err), RS_ERR_RUNTIME); /* exit 1 */
    assert_contains(err.msg, "policy bad_action ");
    assert_contains(err.msg, "1.5");
    /* one create to check the parameters before anything is written, one for the replication */
    assert_int_equal(*creates, 2);
    assert_int_equal(*destroys, 2);
    assert_int_equal(files_in(s.out), 0); /* no file, not even a temporary one */
    scratch_free(&s);
    rs_scenario_free(&sc);
    dlclose(h);
}

/* ---- the C++ plugin ----------------------------------------------------------------------------------- */

static void test_cxx_plugin(void **state)
{
    (void)state;
    rs_plugin p;
    rs_error err = {0};
    rs_status st = rs_plugin_load(TEST_PLUGIN("cxx_plugin"), &p, &err);
    if (st)
        fail_msg("%s", err.msg);
    assert_string_equal(p.type->name, "cxx_plugin");
    rs_value raw = {.kind = RS_VALUE_TABLE}, out;
    st = rs_plugin_resolve_params(p.type, &raw, "x.lua: policy", &out, &err);
    if (st)
        fail_msg("%s", err.msg);
    assert_near(number_of(&out, "delay"), 1, 0);
    rs_value_clear(&out);
    rs_plugin_unload(&p);

    rs_scenario sc;
    load_scenario(TEST_PLUGIN("cxx_plugin"), ", delay = '2h'", &sc);
    scratch s;
    scratch_make(&s);
    rs_run_report report;
    st = run(&sc, &s, &report, &err);
    if (st)
        fail_msg("%s", err.msg);
    assert_int_equal(report.reps, 2);
    assert_int_equal(report.policy[0].promoted, 2);
    assert_int_equal(report.policy[0].first.outcome, RS_OUTCOME_PROMOTED);
    assert_near(report.policy[0].first.time_to_full, 0, 0);
    assert_int_equal(report.policy[0].first.stage_reached, 1);
    assert_true(file_nonempty(s.out, "summary.json"));
    assert_true(file_nonempty(s.out, "runs.csv"));
    scratch_free(&s);
    rs_scenario_free(&sc);
}

/* ---- a plugin using the host's gates ----------------------------------------------------------------- */

/* gate_user declares only `gate` (default threshold) and `metrics`: the gate must read rollsim's defaults for
 * the rest (window, consecutive, check_every, kayenta's baseline_traffic, ...) rather than crash or read
 * garbage. One stage at 50 % for 4 h, judged at its end: the threshold gate with error_rate max 0.5, and
 * kayenta on error_rate (1-minute steps by default, 240 per arm; the replications are fixed by the seed, and
 * an A/A judgment fails with probability under 2 %): a candidate at 1 % is promoted, one at 100 % errors
 * rolled back at t = 4. */
static void test_gate_user_plugin(void **state)
{
    (void)state;
    for (int k = 0; k < 4; k++) {
        int bad = k % 2;
        rs_scenario sc;
        char extra[256];
        snprintf(extra, sizeof extra, "%s", k < 2 ? ", metrics = { { name = 'error_rate', max = 0.5 } }"
                                                  : ", gate = 'kayenta', metrics = { { name = 'error_rate' } }");
        load_scenario(TEST_PLUGIN("gate_user"), extra, &sc);
        if (bad)
            sc.versions[1].error_rate.a = 1;
        if (k >= 2) /* about 1000 requests a minute per arm, so that each 1-minute step has an error rate */
            sc.segments[0].rate = 600;
        scratch s;
        scratch_make(&s);
        rs_run_report report;
        rs_error err = {0};
        rs_status st = run(&sc, &s, &report, &err);
        if (st)
            fail_msg("%s", err.msg);
        assert_int_equal(report.reps, 2);
        if (bad) {
            assert_int_equal(report.policy[0].first.outcome, RS_OUTCOME_ROLLED_BACK);
            assert_near(report.policy[0].first.rollback_time, 4, 0);
        } else {
            assert_int_equal(report.policy[0].promoted, 2);
        }
        scratch_free(&s);
        rs_scenario_free(&sc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gate_user_plugin),
        cmocka_unit_test(test_wrong_abi_refused),
        cmocka_unit_test(test_wrong_abi_refused_by_run),
        cmocka_unit_test(test_no_entry_refused),
        cmocka_unit_test(test_missing_path_refused),
        cmocka_unit_test(test_unknown_name_suggests),
        cmocka_unit_test(test_check_type),
        cmocka_unit_test(test_fixed_stages_by_name),
        cmocka_unit_test(test_failing_create),
        cmocka_unit_test(test_bad_action),
        cmocka_unit_test(test_cxx_plugin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

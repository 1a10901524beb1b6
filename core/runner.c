#include "runner.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "plugin.h"

enum { F_CURVES, F_RUNS, F_EVENTS, F_SUMMARY, F_COUNT };
static const char *const file_names[F_COUNT] = {"curves.csv", "runs.csv", "events.csv", "summary.json"};

/* Writes a CSV field, quoted when it holds a comma, quote or newline. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Numbers in CSV: shortest faithful form for the values we print (15 significant digits); NaN is empty. */
static void csv_num(FILE *f, double x)
{
    if (!isnan(x))
        fprintf(f, "%.15g", x);
}

static void write_headers(FILE **f, const rs_scenario *sc)
{
    fputs("rep,t,N,P,exposed,harmed,stage", f[F_CURVES]);
    for (size_t v = 0; v < sc->n_versions; v++) {
        if (v == sc->baseline)
            continue;
        char name[300];
        snprintf(name, sizeof name, "weight_%s", sc->versions[v].name);
        fputc(',', f[F_CURVES]);
        csv_field(f[F_CURVES], name);
    }
    fputc('\n', f[F_CURVES]);
    fputs("rep,outcome,bad,time_to_full,rollback_time,stage_reached,harm,excess_harm,harmed_users,exposed,regret\n",
          f[F_RUNS]);
    fputs("rep,t,kind,version,value,detail\n", f[F_EVENTS]);
}

static void write_rep(FILE **f, const rs_scenario *sc, const rs_sim *sim, uint32_t rep, const rs_rep_result *r,
                      int with_curves)
{
    size_t n, nc = sc->n_versions - 1;
    const double *w;
    const rs_sample *smp = rs_sim_samples(sim, &n, &w);
    for (size_t i = 0; with_curves && i < n; i++) {
        fprintf(f[F_CURVES], "%u,", rep);
        csv_num(f[F_CURVES], smp[i].t);
        fprintf(f[F_CURVES], ",%llu,", (unsigned long long)smp[i].n);
        csv_num(f[F_CURVES], (double)smp[i].n / (double)sc->total_users);
        fprintf(f[F_CURVES], ",%llu,%llu,%d", (unsigned long long)smp[i].exposed,
                (unsigned long long)smp[i].harmed, smp[i].stage);
        for (size_t k = 0; k < nc; k++) {
            fputc(',', f[F_CURVES]);
            csv_num(f[F_CURVES], w[i * nc + k]);
        }
        fputc('\n', f[F_CURVES]);
    }
    fprintf(f[F_RUNS], "%u,%s,%d,", rep, rs_outcome_name(r->outcome), r->bad);
    csv_num(f[F_RUNS], r->time_to_full);
    fputc(',', f[F_RUNS]);
    csv_num(f[F_RUNS], r->rollback_time);
    fprintf(f[F_RUNS], ",%d,%llu,", r->stage_reached, (unsigned long long)r->harm);
    csv_num(f[F_RUNS], r->excess_harm);
    fprintf(f[F_RUNS], ",%llu,%llu,\n", (unsigned long long)r->harmed_users, (unsigned long long)r->exposed);
    const rs_run_log *log = rs_sim_log(sim);
    for (size_t i = 0; i < log->len; i++) {
        const rs_log_entry *e = &log->entries[i];
        fprintf(f[F_EVENTS], "%u,", rep);
        csv_num(f[F_EVENTS], e->t);
        fprintf(f[F_EVENTS], ",%s,", e->kind);
        if (e->version >= 0)
            csv_field(f[F_EVENTS], sc->versions[e->version].name);
        fputc(',', f[F_EVENTS]);
        csv_num(f[F_EVENTS], e->value);
        fputc(',', f[F_EVENTS]);
        csv_field(f[F_EVENTS], e->detail);
        fputc('\n', f[F_EVENTS]);
    }
}

static json_t *json_num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *value_to_json(const rs_value *v)
{
    switch (v->kind) {
    case RS_VALUE_NUMBER: return json_num(v->num);
    case RS_VALUE_BOOL: return json_boolean(v->num != 0);
    case RS_VALUE_STRING: return json_string(v->str);
    case RS_VALUE_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->len; i++)
            json_array_append_new(a, value_to_json(&v->items[i]));
        return a;
    }
    case RS_VALUE_TABLE: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->len; i++)
            json_object_set_new(o, v->keys[i], value_to_json(&v->items[i]));
        return o;
    }
    default: return json_null();
    }
}

static json_t *probability(size_t k, size_t n)
{
    double est, lo, hi;
    rs_stats_wilson(k, n, &est, &lo, &hi);
    return json_pack("{s:o,s:o,s:o,s:I}", "estimate", json_num(est), "lo", json_num(lo), "hi", json_num(hi), "n",
                     (json_int_t)n);
}

static json_t *described(const rs_describe *d, int tails)
{
    json_t *o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "mean", json_num(d->mean), "lo", json_num(d->lo), "hi",
                          json_num(d->hi), "p50", json_num(d->p50), "p95", json_num(d->p95), "p99",
                          json_num(d->p99), "n", (json_int_t)d->n);
    if (tails) {
        json_object_set_new(o, "var95", json_num(d->var95));
        json_object_set_new(o, "cvar95", json_num(d->cvar95));
        json_object_set_new(o, "var99", json_num(d->var99));
        json_object_set_new(o, "cvar99", json_num(d->cvar99));
    }
    return o;
}

/* Collects one measure over the replications where it is defined (not NaN) and describes it. */
static void describe_field(const rs_rep_result *res, size_t n, size_t offset, int is_u64, double *buf,
                           rs_describe *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = (const char *)&res[i] + offset;
        double x = is_u64 ? (double)*(const uint64_t *)p : *(const double *)p;
        if (!isnan(x))
            buf[m++] = x;
    }
    rs_stats_describe(buf, m, out);
}

#define DESCRIBE(field, is_u64, out) describe_field(res, n, offsetof(rs_rep_result, field), is_u64, buf, out)

static json_t *summary_json(const rs_scenario *sc, const rs_value *params, const rs_rep_result *res, size_t n,
                            rs_run_report *rep, double *buf)
{
    size_t bad = 0, good = 0, esc = 0, false_rb = 0, prom = 0, rb = 0, inc = 0;
    for (size_t i = 0; i < n; i++) {
        bad += res[i].bad;
        good += !res[i].bad;
        esc += res[i].outcome == RS_OUTCOME_PROMOTED && res[i].promoted_bad;
        false_rb += res[i].outcome == RS_OUTCOME_ROLLED_BACK && !res[i].bad;
        prom += res[i].outcome == RS_OUTCOME_PROMOTED;
        rb += res[i].outcome == RS_OUTCOME_ROLLED_BACK;
        inc += res[i].outcome == RS_OUTCOME_INCOMPLETE;
    }
    rep->promoted = prom, rep->rolled_back = rb, rep->incomplete = inc;
    rep->bad = bad, rep->escapes = esc, rep->false_rollbacks = false_rb;
    rs_describe d;
    json_t *est = json_object();
    json_object_set_new(est, "p_escape", probability(esc, bad));
    json_object_set_new(est, "p_false_rollback", probability(false_rb, good));
    json_object_set_new(est, "p_promote", probability(prom, n));
    json_object_set_new(est, "p_rollback", probability(rb, n));
    json_object_set_new(est, "p_incomplete", probability(inc, n));
    DESCRIBE(harm, 1, &rep->harm);
    json_object_set_new(est, "harm", described(&rep->harm, 1));
    DESCRIBE(excess_harm, 0, &d);
    json_object_set_new(est, "excess_harm", described(&d, 1));
    DESCRIBE(harmed_users, 1, &d);
    json_object_set_new(est, "harmed_users", described(&d, 1));
    DESCRIBE(exposed, 1, &rep->exposed);
    json_object_set_new(est, "exposed", described(&rep->exposed, 0));
    DESCRIBE(time_to_full, 0, &rep->time_to_full);
    json_object_set_new(est, "time_to_full", described(&rep->time_to_full, 0));
    DESCRIBE(rollback_time, 0, &rep->rollback_time);
    json_object_set_new(est, "rollback_time", described(&rep->rollback_time, 0));
    DESCRIBE(p_at_rollback, 0, &d);
    json_object_set_new(est, "p_at_rollback", described(&d, 0));

    json_t *policy = json_pack("{s:s,s:s,s:o,s:o}", "label", sc->policy_name, "plugin", sc->policy_name, "params",
                               value_to_json(params), "estimates", est);
    return json_pack("{s:s,s:s,s:s,s:I,s:I,s:b,s:f,s:I,s:[o]}", "rollsim", ROLLSIM_VERSION, "scenario", sc->name,
                     "scenario_file", sc->file, "seed", (json_int_t)sc->seed, "replications", (json_int_t)n,
                     "partial", 0, "horizon", sc->horizon, "users", (json_int_t)sc->total_users, "policies",
                     policy);
}

rs_status rs_run(const rs_scenario *sc, const rs_run_options *opt, rs_run_report *report, rs_error *err)
{
    memset(report, 0, sizeof *report);
    rs_plugin plugin;
    /* A plugin path in a scenario is relative to the scenario's folder, like any reference in a file. */
    char plugin_spec[4096];
    const char *slash = strrchr(sc->file, '/');
    snprintf(plugin_spec, sizeof plugin_spec, "%s", sc->policy_name);
    if (strchr(sc->policy_name, '/') && sc->policy_name[0] != '/' && slash) {
        snprintf(plugin_spec, sizeof plugin_spec, "%.*s/%s", (int)(slash - sc->file), sc->file, sc->policy_name);
        if (access(plugin_spec, F_OK) != 0)
            snprintf(plugin_spec, sizeof plugin_spec, "%s", sc->policy_name);
    }
    rs_status st = rs_plugin_load(plugin_spec, &plugin, err);
    if (st) {
        rs_error_prefix(err, "%s: policy.name", sc->file);
        return st;
    }
    snprintf(report->plugin_path, sizeof report->plugin_path, "%s", plugin.path);
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s: policy", sc->file);
    rs_value params;
    st = rs_plugin_resolve_params(plugin.type, &sc->policy, prefix, &params, err);
    if (st) {
        rs_plugin_unload(&plugin);
        return st;
    }
    rs_sim *sim = NULL;
    rs_rep_result *res = calloc(sc->replications, sizeof *res);
    double *buf = calloc(sc->replications, sizeof *buf);
    rs_atomic_file af[F_COUNT];
    FILE *f[F_COUNT];
    size_t opened = 0;
    if (!res || !buf)
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory for %llu replications", (unsigned long long)sc->replications);
    int created_dir = 0;
    if (!st)
        st = rs_sim_alloc(sc, plugin.type, &params, &sim, err);
    if (!st) /* let the plugin judge its parameters before anything is written */
        st = rs_sim_check_policy(sim, err);
    if (!st)
        st = rs_output_prepare_dir(opt->out_dir, &created_dir, err);
    for (; !st && opened < F_COUNT; opened++) {
        st = rs_atomic_open(&af[opened], opt->out_dir, file_names[opened], err);
        f[opened] = af[opened].f;
        if (st)
            break;
    }
    if (!st) {
        write_headers(f, sc);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (uint32_t r = 0; r < sc->replications && !st; r++) {
            st = rs_sim_run(sim, r, &res[r], err);
            if (!st) {
                report->requests += res[r].requests;
                write_rep(f, sc, sim, r, &res[r], r < opt->curves_reps);
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        report->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    }
    if (!st) {
        report->reps = sc->replications;
        report->first = res[0];
        json_t *j = summary_json(sc, &params, res, sc->replications, report, buf);
        if (!j || json_dumpf(j, f[F_SUMMARY], JSON_INDENT(2) | JSON_REAL_PRECISION(15)) || fputc('\n', f[F_SUMMARY]) == EOF)
            st = RS_SET(err, RS_ERR_RUNTIME, "cannot write summary.json");
        json_decref(j);
    }
    for (size_t i = 0; i < opened; i++) {
        if (!st)
            st = rs_atomic_commit(&af[i], err);
        else
            rs_atomic_abort(&af[i]);
    }
    if (st && created_dir)
        rmdir(opt->out_dir); /* leave no empty folder behind a failed run (rmdir keeps a non-empty one) */
    rs_sim_free(sim);
    free(res);
    free(buf);
    rs_value_clear(&params);
    rs_plugin_unload(&plugin);
    return st;
}

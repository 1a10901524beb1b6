#include "replay.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "help.h"
#include "prodgates.h"
#include "scenario.h"
#include "value.h"

typedef struct replay_row {
    double t;     /* hours */
    int metric;   /* index in the gate's metrics */
    double v, b;  /* the candidate's (canary's) and the baseline's value; NaN: recorded as NaN */
    int has_v, has_b;
} replay_row;

typedef struct replay {
    const rs_value *metrics; /* the gate's `metrics` */
    size_t n_metrics;
    replay_row *rows;
    size_t n_rows;
    double t_last;
    FILE *out;
} replay;

static double key_num(const rs_value *t, const char *key, double dflt)
{
    double x;
    return rs_value_duration(rs_value_get(t, key), &x) ? dflt : x;
}

static const char *metric_at(const replay *r, size_t i)
{
    return rs_value_string(rs_value_get(rs_value_at(r->metrics, i), "name"));
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* A value cell: "" no data, "nan" NaN, else a number. 0 or -1. */
static int cell(const char *s, double *v, int *has)
{
    *has = *s != '\0';
    if (!*has)
        return 0;
    if (!strcasecmp(s, "nan")) {
        *v = NAN;
        return 0;
    }
    char *end;
    *v = strtod(s, &end);
    return end == s || *end || !isfinite(*v) ? -1 : 0;
}

static rs_status read_csv(replay *r, const char *path, const rs_import_options *opt, rs_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        RS_FAIL(err, RS_ERR_INPUT, "%s: cannot open metrics: %s", path, strerror(errno));
    char line[1024];
    int lineno = 0, with_baseline = -1;
    rs_status st = RS_OK;
    size_t cap = 0;
    r->t_last = 0;
    while (!st && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *cols[5] = {0};
        int nc = 0;
        for (char *c = s; c && nc < 5; nc++) {
            cols[nc] = c;
            c = strchr(c, ',');
            if (c)
                *c++ = '\0';
        }
        for (int i = 0; i < nc; i++)
            cols[i] = trim(cols[i]);
        if (with_baseline < 0) {
            if (nc < 3 || strcmp(cols[0], "time") || strcmp(cols[1], "metric") || strcmp(cols[2], "value") ||
                (nc == 4 && strcmp(cols[3], "baseline")) || nc > 4) {
                st = RS_SET(err, RS_ERR_INPUT, "%s:%d: expected the header time,metric,value (or "
                                               "time,metric,value,baseline)", path, lineno);
                break;
            }
            with_baseline = nc == 4;
            continue;
        }
        if (nc != 3 + with_baseline) {
            st = RS_SET(err, RS_ERR_INPUT, "%s:%d: expected %d columns, got %d", path, lineno, 3 + with_baseline, nc);
            break;
        }
        replay_row row = {0};
        if (rs_parse_duration(cols[0], &row.t) || row.t < 0) {
            st = RS_SET(err, RS_ERR_INPUT, "%s:%d: time \"%s\": expected hours or a duration such as 90s, 10m (from "
                                           "the release)", path, lineno, cols[0]);
            break;
        }
        /* the manifest's metric name (Flagger's built-ins as its import reads them) or rollsim's */
        double scale = 1;
        const char *name = !strcmp(cols[1], "request-success-rate") ? (scale = 0.01, "success_rate")
                           : !strcmp(cols[1], "request-duration")   ? "latency_p99"
                                                                    : rs_import_metric_name(opt, cols[1], NULL);
        row.metric = -1;
        for (size_t i = 0; name && i < r->n_metrics; i++)
            if (!strcmp(metric_at(r, i), name))
                row.metric = (int)i;
        if (row.metric < 0) {
            char list[512] = "";
            for (size_t i = 0; i < r->n_metrics; i++) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", metric_at(r, i));
            }
            st = RS_SET(err, RS_ERR_INPUT, "%s:%d: metric \"%s\" is not one the gate checks (%s)", path, lineno,
                        cols[1], list);
            break;
        }
        if (cell(cols[2], &row.v, &row.has_v) || (with_baseline && cell(cols[3], &row.b, &row.has_b))) {
            st = RS_SET(err, RS_ERR_INPUT, "%s:%d: expected numbers, \"nan\" or nothing (no data) as values", path,
                        lineno);
            break;
        }
        row.v *= scale;
        row.b *= scale;
        if (r->n_rows == cap) {
            cap = cap ? 2 * cap : 64;
            replay_row *grown = realloc(r->rows, cap * sizeof *grown);
            if (!grown) {
                st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
                break;
            }
            r->rows = grown;
        }
        r->rows[r->n_rows++] = row;
        if (row.t > r->t_last)
            r->t_last = row.t;
    }
    if (!st && with_baseline < 0)
        st = RS_SET(err, RS_ERR_INPUT, "%s: empty: expected the header time,metric,value and rows", path);
    fclose(f);
    return st;
}

/* Metric m's latest recorded value in (lo, hi]: what a query over that window returns; no row: no data. */
static rs_metric_value latest(const replay *r, size_t m, double lo, double hi, int baseline)
{
    rs_metric_value v = {NAN, 0};
    double best = -INFINITY;
    const double eps = 1e-9;
    for (size_t i = 0; i < r->n_rows; i++) {
        const replay_row *w = &r->rows[i];
        if (w->metric != (int)m || !(w->t > lo + eps && w->t <= hi + eps) || w->t < best)
            continue;
        int has = baseline ? w->has_b : w->has_v;
        best = w->t;
        v = (rs_metric_value){has ? (baseline ? w->b : w->v) : NAN, has};
    }
    return v;
}

static void print(const replay *r, double t, const rs_pg_result *res)
{
    char value[48] = "";
    if (!isnan(res->statistic))
        snprintf(value, sizeof value, "%.10g", res->statistic);
    fprintf(r->out, "%.10g,%s,%s,%s\n", t, rs_pg_action_name(res->action), value, res->detail);
}

static void print_end(const replay *r, double t, const char *what)
{
    fprintf(r->out, "%.10g,end,,%s\n", t, what);
}

/* Flagger: a tick every analysis interval from the release (the first detects the revision); each metric
 * is its latest value over the interval that ends at the tick (the query's window). */
static rs_status replay_flagger(replay *r, const rs_value *p, rs_error *err)
{
    rs_metric_range ranges[RS_PG_MAX_METRICS];
    for (size_t i = 0; i < r->n_metrics; i++) {
        const rs_value *m = rs_value_at(r->metrics, i);
        ranges[i] = (rs_metric_range){metric_at(r, i), key_num(m, "min", NAN), key_num(m, "max", NAN)};
    }
    unsigned steps[64];
    const rs_value *sv = rs_value_get(p, "steps");
    size_t n_steps = rs_value_len(sv) < 64 ? rs_value_len(sv) : 64;
    for (size_t i = 0; i < n_steps; i++) {
        double w = 0;
        rs_value_number(rs_value_at(sv, i), &w);
        steps[i] = (unsigned)lround(w * 100);
    }
    rs_flagger_config cfg = {.metrics = ranges, .n_metrics = r->n_metrics,
                             .threshold = (unsigned)key_num(p, "threshold", 1),
                             .step_weight = (unsigned)lround(key_num(p, "step_weight", 0) * 100),
                             .step_weights = n_steps ? steps : NULL, .n_step_weights = n_steps,
                             .max_weight = (unsigned)lround(key_num(p, "max_weight", 0) * 100),
                             .step_weight_promotion = (unsigned)lround(key_num(p, "step_weight_promotion", 0) * 100)};
    double every = key_num(p, "check_every", 0);
    double interval = every > 0 ? every : key_num(p, "bake", 1);
    rs_status st = rs_flagger_validate(&cfg, err);
    if (st)
        return st;
    rs_flagger_state fs;
    rs_flagger_init(&fs);
    for (unsigned k = 0;; k++) {
        double t = k * interval;
        if (k > 0 && t > r->t_last + interval + 1e-9) {
            char what[96];
            snprintf(what, sizeof what, "no more data: the canary is at %u %% with failedChecks %u", fs.weight,
                     fs.failed_checks);
            print_end(r, t - interval, what);
            return RS_OK;
        }
        rs_metric_value v[RS_PG_MAX_METRICS];
        for (size_t i = 0; i < r->n_metrics; i++)
            v[i] = latest(r, i, t - interval, t, 0);
        rs_pg_result res;
        rs_pg_action a = rs_flagger_check(&cfg, &fs, v, &res);
        print(r, t, &res);
        if (a == RS_PG_PROMOTE || a == RS_PG_ROLLBACK)
            return RS_OK;
    }
}

/* "result[0] <= 0.01" as the argo gate reads it (see gates.c). */
static int condition(const char *s, rs_argo_cond *c)
{
    while (*s == ' ')
        s++;
    if (*s == '<' || *s == '>') {
        c->op = s[0] == '<' ? (s[1] == '=' ? RS_ARGO_LE : RS_ARGO_LT) : (s[1] == '=' ? RS_ARGO_GE : RS_ARGO_GT);
        s += 1 + (s[1] == '=');
    } else {
        return -1;
    }
    char *end;
    c->x = strtod(s, &end);
    return end == s ? -1 : 0;
}

/* Argo: one AnalysisRun from the release (time 0) to its end; each measurement is the metric's latest value
 * over the interval that ends at it. A metric without a row there had no data: an Error (Argo's empty result),
 * retried 10 s later; a row recorded as nan is NaN, which meets no condition. */
static rs_status replay_argo(replay *r, const rs_value *p, rs_error *err)
{
    rs_argo_metric ms[RS_PG_MAX_METRICS];
    for (size_t i = 0; i < r->n_metrics; i++) {
        const rs_value *m = rs_value_at(r->metrics, i);
        rs_argo_metric_init(&ms[i], metric_at(r, i));
        const char *sc = rs_value_string(rs_value_get(m, "success"));
        const char *fc = rs_value_string(rs_value_get(m, "failure"));
        if ((sc && condition(sc, &ms[i].success)) || (fc && condition(fc, &ms[i].failure)))
            RS_FAIL(err, RS_ERR_INPUT, "metrics[%zu]: a condition rollsim cannot evaluate", i + 1);
        ms[i].failure_limit = (int)key_num(m, "failure_limit", 0);
        ms[i].inconclusive_limit = (int)key_num(m, "inconclusive_limit", 0);
        ms[i].consecutive_error_limit = (int)key_num(m, "consecutive_error_limit", 4);
        ms[i].consecutive_success_limit = (int)key_num(m, "consecutive_success_limit", 0);
        ms[i].count = (unsigned)key_num(m, "count", 0);
        ms[i].interval = key_num(m, "interval", key_num(p, "check_every", 0));
        ms[i].initial_delay = key_num(m, "initial_delay", 0);
    }
    const char *analysis = rs_value_string(rs_value_get(p, "analysis"));
    rs_argo_config cfg = {ms, r->n_metrics, analysis && !strcmp(analysis, "background")};
    rs_status st = rs_argo_validate(&cfg, err);
    if (st)
        return st;
    rs_argo_state as;
    rs_argo_init(&as);
    rs_argo_start(&cfg, &as, 0);
    for (;;) {
        double t = rs_argo_next(&cfg, &as);
        if (!isfinite(t) || t > r->t_last + 1e-9) {
            print_end(r, r->t_last, isfinite(t) ? "no more data: the run is still Running" : "the run is over");
            return RS_OK;
        }
        rs_metric_value v[RS_PG_MAX_METRICS];
        for (size_t i = 0; i < r->n_metrics; i++)
            v[i] = latest(r, i, ms[i].interval > 0 ? t - ms[i].interval : -INFINITY, t, 0);
        rs_pg_result res;
        rs_pg_action a = rs_argo_measure(&cfg, &as, t, v, &res);
        print(r, t, &res);
        if (a != RS_PG_CONTINUE)
            return RS_OK;
    }
}

/* Kayenta: the stage's judgments at begin_after + i * lifetime / intervals; each judges every recorded value
 * of the window (from the warm-up's end, or the lookback) as the canary's and the baseline's series. */
static rs_status replay_kayenta(replay *r, const rs_value *p, rs_error *err)
{
    rs_kayenta_metric ms[RS_PG_MAX_METRICS];
    rs_kayenta_group_weight ws[RS_PG_MAX_METRICS];
    size_t n_w = 0;
    for (size_t i = 0; i < r->n_metrics; i++) {
        const rs_value *m = rs_value_at(r->metrics, i);
        const char *group = rs_value_string(rs_value_get(m, "group"));
        rs_kayenta_metric_init(&ms[i], metric_at(r, i), group ? group : metric_at(r, i));
        const char *dir = rs_value_string(rs_value_get(m, "direction"));
        ms[i].direction = !dir || !strcmp(dir, "either") ? RS_KAYENTA_EITHER
                          : !strcmp(dir, "increase")    ? RS_KAYENTA_INCREASE
                                                        : RS_KAYENTA_DECREASE;
        int b = 0;
        ms[i].critical = !rs_value_bool(rs_value_get(m, "critical"), &b) && b;
        ms[i].must_have_data = !rs_value_bool(rs_value_get(m, "must_have_data"), &b) && b;
        const char *nan = rs_value_string(rs_value_get(m, "nan"));
        ms[i].nan_strategy = nan && !strcmp(nan, "replace") ? RS_KAYENTA_NAN_REPLACE : RS_KAYENTA_NAN_REMOVE;
        ms[i].allowed_increase = key_num(m, "allowed_increase", ms[i].allowed_increase);
        ms[i].allowed_decrease = key_num(m, "allowed_decrease", ms[i].allowed_decrease);
        ms[i].critical_increase = key_num(m, "critical_increase", ms[i].critical_increase);
        ms[i].critical_decrease = key_num(m, "critical_decrease", ms[i].critical_decrease);
        ms[i].scale = key_num(m, "scale", 1);
        double w = key_num(m, "weight", NAN);
        if (!isnan(w))
            ws[n_w++] = (rs_kayenta_group_weight){ms[i].group, w};
    }
    unsigned n = (unsigned)key_num(p, "intervals", 1);
    rs_kayenta_config cfg = {.metrics = ms, .n_metrics = r->n_metrics, .weights = ws, .n_weights = n_w,
                             .pass_score = rs_kayenta_int_threshold(key_num(p, "pass_score", 75)),
                             .marginal_score = rs_kayenta_int_threshold(key_num(p, "marginal_score", 50)),
                             .intervals = n};
    rs_status st = rs_kayenta_validate(&cfg, err);
    if (st)
        return st;
    const rs_value *stages = rs_value_get(p, "stages");
    double bake = key_num(p, "bake", 12);
    if (rs_value_len(stages))
        bake = key_num(rs_value_at(stages, 0), "bake", bake);
    double begin = key_num(p, "begin_after", 0), lookback = key_num(p, "lookback", 0);
    double *buf = malloc((2 * r->n_rows + 1) * sizeof *buf);
    if (!buf)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    rs_kayenta_state ks;
    rs_kayenta_init(&ks);
    for (unsigned i = 1; i <= n && !st; i++) {
        double t = begin + (bake - begin) * i / n;
        double from = lookback > 0 ? t - lookback : begin;
        if (t > r->t_last + 1e-9) {
            print_end(r, r->t_last, "no more data before the next judgment");
            break;
        }
        rs_kayenta_samples smp[RS_PG_MAX_METRICS];
        size_t used = 0;
        for (size_t m = 0; m < r->n_metrics; m++) {
            double *c = &buf[used];
            size_t nc = 0;
            for (size_t k = 0; k < r->n_rows; k++) /* rows in time order of the file, as the series is */
                if (r->rows[k].metric == (int)m && r->rows[k].t > from + 1e-9 && r->rows[k].t <= t + 1e-9 &&
                    r->rows[k].has_v)
                    c[nc++] = r->rows[k].v;
            used += nc;
            double *bl = &buf[used];
            size_t nb = 0;
            for (size_t k = 0; k < r->n_rows; k++)
                if (r->rows[k].metric == (int)m && r->rows[k].t > from + 1e-9 && r->rows[k].t <= t + 1e-9 &&
                    r->rows[k].has_b)
                    bl[nb++] = r->rows[k].b;
            used += nb;
            smp[m] = (rs_kayenta_samples){c, nc, bl, nb};
        }
        rs_pg_result res;
        st = rs_kayenta_check(&cfg, &ks, smp, NULL, NULL, &res, err);
        if (!st)
            print(r, t, &res);
        if (!st && ks.done)
            break;
    }
    free(buf);
    return st;
}

rs_status rs_replay(const char *const *paths, size_t n, const rs_import_options *opt, const char *metrics_path,
                    FILE *out, rs_error *err)
{
    char *lua = NULL;
    rs_status st = rs_import(paths, n, opt, NULL, &lua, err);
    if (st)
        return st;
    rs_scenario sc;
    st = rs_scenario_load_string(lua, strlen(lua), paths[0], NULL, 0, &sc, err);
    free(lua);
    if (st)
        return st;
    replay r = {.out = out};
    const rs_value *p = &sc.policy;
    r.metrics = rs_value_get(p, "metrics");
    r.n_metrics = rs_value_len(r.metrics);
    const char *gate = rs_value_string(rs_value_get(p, "gate"));
    st = read_csv(&r, metrics_path, opt, err);
    if (!st) {
        fprintf(out, "t,kind,value,detail\n");
        if (!strcmp(gate, "flagger"))
            st = replay_flagger(&r, p, err);
        else if (!strcmp(gate, "argo"))
            st = replay_argo(&r, p, err);
        else
            st = replay_kayenta(&r, p, err);
    }
    free(r.rows);
    rs_scenario_free(&sc);
    return st;
}

int rs_replay_main(int argc, char **argv)
{
    struct option longs[RS_CLI_MAX_OPTIONS + 1];
    char shorts[3 * RS_CLI_MAX_OPTIONS + 2];
    rs_cli_getopt_tables(CMD_REPLAY, longs, shorts); /* the declared tables of core/help.c */
    const char **maps = calloc((size_t)argc + 1, sizeof *maps);
    const char *metrics = NULL;
    rs_import_options opt = {.maps = maps, .manual_pause = 1};
    int c, rc = -1;
    if (!maps)
        return 1;
    opterr = 0;
    optind = 1;
    while (rc < 0 && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        switch (c) {
        case OPT_METRICS: metrics = optarg; break;
        case OPT_MAP: maps[opt.n_maps++] = optarg; break;
        case OPT_HELP: rs_help_command(stdout, rs_help_find("replay")); rc = 0; break;
        case ':': fprintf(stderr, "rollsim: option %s needs a value (see rollsim replay --help)\n", argv[optind - 1]); rc = 2; break;
        default: fprintf(stderr, "rollsim: replay: unknown option %s (see rollsim replay --help)\n", argv[optind - 1]); rc = 2; break;
        }
    }
    if (rc < 0 && (optind == argc || !metrics)) {
        fprintf(stderr, "rollsim: replay needs %s (see rollsim replay --help)\n",
                optind == argc ? "a manifest: rollsim replay MANIFEST... --metrics FILE.csv" : "--metrics FILE.csv");
        rc = 2;
    }
    if (rc >= 0) {
        free(maps);
        return rc;
    }
    rs_error err = {0};
    /* buffered, so that a failure prints its message alone */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    rs_status st = out ? rs_replay((const char *const *)argv + optind, (size_t)(argc - optind), &opt, metrics, out,
                                   &err)
                       : RS_SET(&err, RS_ERR_RUNTIME, "out of memory");
    if (out)
        fclose(out);
    if (st)
        fprintf(stderr, "rollsim: %s\n", err.msg);
    else
        fputs(text, stdout);
    free(text);
    free(maps);
    return (int)st;
}

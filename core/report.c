#include "report.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "gates.h"
#include "value.h"

const char *const rs_report_file_names[RS_FILE_COUNT] = {"curves.csv", "runs.csv",  "events.csv",
                                                         "segments.csv", "bands.csv", "summary.json"};

void rs_csv_field(FILE *f, const char *s)
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

/* Numbers in CSV: 15 significant digits (0.1 prints as 0.1); NaN is an empty field. */
static void csv_num(FILE *f, double x)
{
    if (!isnan(x))
        fprintf(f, "%.15g", x);
}

void rs_report_headers(FILE *const *f, const rs_scenario *sc)
{
    fputs("rep,t,N,P,exposed,harmed,stage", f[RS_FILE_CURVES]);
    for (size_t v = 0; v < sc->n_versions; v++) {
        if (v == sc->baseline)
            continue;
        char name[300];
        snprintf(name, sizeof name, "weight_%s", sc->versions[v].name);
        fputc(',', f[RS_FILE_CURVES]);
        rs_csv_field(f[RS_FILE_CURVES], name);
    }
    if (sc->has_labels) /* issue 16: the candidates' labels arrived by t, in flight, and the first one's truth */
        fputs(",cand_tp,cand_fp,cand_fn,cand_tn,cand_in_flight,true_recall,true_precision,true_accuracy,true_f1",
              f[RS_FILE_CURVES]);
    fputs(",policy\n", f[RS_FILE_CURVES]);
    fputs("rep,outcome,bad,time_to_full,rollback_time,stage_reached,harm,excess_harm,harmed_users,exposed,regret,"
          "p_at_rollback,requests,cand_requests,policy\n",
          f[RS_FILE_RUNS]);
    fputs("rep,t,kind,version,value,detail,policy\n", f[RS_FILE_EVENTS]);
    /* issue 16: the labels' confusion counts per cell, only for scenarios that give labels */
    fputs(sc->has_labels ? "rep,segment,version,requests,errors,successes,users_routed,exposed,tp,fp,fn,tn,thumbs_up,"
                           "thumbs_down,labels_in_flight,policy\n"
                         : "rep,segment,version,requests,errors,successes,users_routed,exposed,policy\n",
          f[RS_FILE_SEGMENTS]);
    fputs("t", f[RS_FILE_BANDS]);
    static const char *const what[] = {"N", "P", "exposed", "harmed"};
    static const char *const q[] = {"p5", "p25", "p50", "p75", "p95"};
    for (int w = 0; w < 4; w++)
        for (int k = 0; k < 5; k++)
            fprintf(f[RS_FILE_BANDS], ",%s_%s", what[w], q[k]);
    fputs(",regret_mean", f[RS_FILE_BANDS]);
    for (int k = 0; k < 5; k++)
        fprintf(f[RS_FILE_BANDS], ",regret_%s", q[k]);
    fputs(",policy\n", f[RS_FILE_BANDS]);
}

void rs_report_rep(FILE *const *f, const rs_scenario *sc, const rs_sim *sim, uint32_t rep, const rs_rep_result *r,
                   int with_curves, const char *label)
{
    FILE *curves = f[RS_FILE_CURVES], *runs = f[RS_FILE_RUNS], *events = f[RS_FILE_EVENTS];
    const uint64_t *exposed, *routed;
    const rs_counts *cells = rs_sim_cells(sim, &exposed, &routed);
    const rs_confusion *lab = rs_sim_labels(sim, NULL);
    const uint64_t *sent = rs_sim_labels_sent(sim);
    for (size_t g = 0; g < sc->n_segments; g++)
        for (size_t v = 0; v < sc->n_versions; v++) {
            size_t c = v * sc->n_segments + g;
            fprintf(f[RS_FILE_SEGMENTS], "%u,", rep);
            rs_csv_field(f[RS_FILE_SEGMENTS], sc->segments[g].name);
            fputc(',', f[RS_FILE_SEGMENTS]);
            rs_csv_field(f[RS_FILE_SEGMENTS], sc->versions[v].name);
            fprintf(f[RS_FILE_SEGMENTS], ",%llu,%llu,%llu,%llu,%llu,", (unsigned long long)cells[c].requests,
                    (unsigned long long)cells[c].errors, (unsigned long long)cells[c].successes,
                    (unsigned long long)routed[c], (unsigned long long)exposed[c]);
            if (lab) {
                const rs_confusion *q = &lab[c];
                uint64_t got = q->tp + q->fp + q->fn + q->tn + q->thumbs_up + q->thumbs_down;
                fprintf(f[RS_FILE_SEGMENTS], "%llu,%llu,%llu,%llu,%llu,%llu,%llu,", (unsigned long long)q->tp,
                        (unsigned long long)q->fp, (unsigned long long)q->fn, (unsigned long long)q->tn,
                        (unsigned long long)q->thumbs_up, (unsigned long long)q->thumbs_down,
                        (unsigned long long)(sent[c] - got));
            }
            rs_csv_field(f[RS_FILE_SEGMENTS], label);
            fputc('\n', f[RS_FILE_SEGMENTS]);
        }
    size_t n, nc = sc->n_versions - 1;
    const double *w;
    const rs_sample *smp = rs_sim_samples(sim, &n, &w);
    for (size_t i = 0; with_curves && i < n; i++) {
        fprintf(curves, "%u,", rep);
        csv_num(curves, smp[i].t);
        fprintf(curves, ",%llu,", (unsigned long long)smp[i].n);
        csv_num(curves, (double)smp[i].n / (double)sc->total_users);
        fprintf(curves, ",%llu,%llu,%d", (unsigned long long)smp[i].exposed, (unsigned long long)smp[i].harmed,
                smp[i].stage);
        for (size_t k = 0; k < nc; k++) {
            fputc(',', curves);
            csv_num(curves, w[i * nc + k]);
        }
        if (sc->has_labels) {
            fprintf(curves, ",%llu,%llu,%llu,%llu,%llu", (unsigned long long)smp[i].lab_tp,
                    (unsigned long long)smp[i].lab_fp, (unsigned long long)smp[i].lab_fn,
                    (unsigned long long)smp[i].lab_tn, (unsigned long long)smp[i].lab_in_flight);
            const double truth[] = {r->true_recall, r->true_precision, r->true_accuracy, r->true_f1};
            for (int k = 0; k < 4; k++) {
                fputc(',', curves);
                csv_num(curves, truth[k]);
            }
        }
        fputc(',', curves);
        rs_csv_field(curves, label);
        fputc('\n', curves);
    }
    fprintf(runs, "%u,%s,%d,", rep, rs_outcome_name(r->outcome), r->bad);
    csv_num(runs, r->time_to_full);
    fputc(',', runs);
    csv_num(runs, r->rollback_time);
    fprintf(runs, ",%d,%llu,", r->stage_reached, (unsigned long long)r->harm);
    csv_num(runs, r->excess_harm);
    fprintf(runs, ",%llu,%llu,", (unsigned long long)r->harmed_users, (unsigned long long)r->exposed);
    csv_num(runs, r->regret);
    fputc(',', runs);
    csv_num(runs, r->p_at_rollback);
    fprintf(runs, ",%llu,%llu,", (unsigned long long)r->requests, (unsigned long long)r->cand_requests);
    rs_csv_field(runs, label);
    fputc('\n', runs);
    const rs_run_log *log = rs_sim_log(sim);
    for (size_t i = 0; i < log->len; i++) {
        const rs_log_entry *e = &log->entries[i];
        fprintf(events, "%u,", rep);
        csv_num(events, e->t);
        fprintf(events, ",%s,", e->kind);
        if (e->version >= 0)
            rs_csv_field(events, sc->versions[e->version].name);
        fputc(',', events);
        csv_num(events, e->value);
        fputc(',', events);
        rs_csv_field(events, e->detail);
        fputc(',', events);
        rs_csv_field(events, label);
        fputc('\n', events);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void rs_report_bands(FILE *f, const rs_scenario *sc, size_t n_samples, size_t reps, const unsigned char *done,
                     const uint32_t *n, const uint32_t *exposed, const uint32_t *harmed, const uint32_t *regret,
                     const char *label)
{
    double *x = malloc((reps ? reps : 1) * sizeof *x);
    if (!x)
        return; /* the caller sees the short file through ferror-free but empty rows: cannot happen in practice */
    static const double q[] = {0.05, 0.25, 0.50, 0.75, 0.95};
    for (size_t i = 0; i < n_samples; i++) {
        csv_num(f, fmin((double)i * sc->sample_every, sc->horizon));
        const uint32_t *src[4] = {n, n, exposed, harmed};
        for (int w = 0; w < 4; w++) {
            size_t m = 0;
            for (size_t r = 0; r < reps; r++)
                if (done[r])
                    x[m++] = (double)src[w][r * n_samples + i] / (w == 1 ? (double)sc->total_users : 1.0);
            qsort(x, m, sizeof *x, cmp_double);
            for (int k = 0; k < 5; k++) {
                fputc(',', f);
                csv_num(f, rs_stats_quantile_sorted(x, m, q[k]));
            }
        }
        /* cumulative pseudo-regret: mean, then the same quantiles (empty without the samples) */
        size_t m = 0;
        double sum = 0;
        for (size_t r = 0; regret && r < reps; r++)
            if (done[r]) {
                float v;
                memcpy(&v, &regret[r * n_samples + i], sizeof v);
                sum += x[m++] = (double)v;
            }
        qsort(x, m, sizeof *x, cmp_double);
        fputc(',', f);
        csv_num(f, m ? sum / (double)m : NAN);
        for (int k = 0; k < 5; k++) {
            fputc(',', f);
            csv_num(f, m ? rs_stats_quantile_sorted(x, m, q[k]) : NAN);
        }
        fputc(',', f);
        rs_csv_field(f, label);
        fputc('\n', f);
    }
    free(x);
}

static json_t *json_num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

json_t *rs_report_value(const rs_value *v)
{
    switch (v->kind) {
    case RS_VALUE_NUMBER: return json_num(v->num);
    case RS_VALUE_BOOL: return json_boolean(v->num != 0);
    case RS_VALUE_STRING: return json_string(v->str);
    case RS_VALUE_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->len; i++)
            json_array_append_new(a, rs_report_value(&v->items[i]));
        return a;
    }
    case RS_VALUE_TABLE: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->len; i++)
            json_object_set_new(o, v->keys[i], rs_report_value(&v->items[i]));
        return o;
    }
    default: return json_null();
    }
}

json_t *rs_report_params(const rs_value *params)
{
    json_t *o = rs_report_value(params);
    const char *gate = rs_value_string(rs_value_get(params, "gate"));
    if (!gate || !json_is_object(o))
        return o;
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(o, tmp, key, v)
        if (!rs_gate_param_used(gate, key))
            json_object_del(o, key);
    return o;
}

/* A JSON string, escaped as jansson escapes it (UTF-8 kept as is). */
static void json_text(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04X", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

void rs_report_number(FILE *f, double x)
{
    char buf[40];
    if (!isfinite(x)) {
        fputs("null", f);
        return;
    }
    if (x == floor(x) && fabs(x) < 9007199254740992.0) { /* an integer: as one (and -0 as 0) */
        fprintf(f, "%.0f", x == 0 ? 0.0 : x);
        return;
    }
    for (int p = 1; p <= 17; p++) { /* the shortest text that reads back as the same double */
        snprintf(buf, sizeof buf, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    fputs(buf, f);
}

static void json_write(FILE *f, const json_t *j, int depth)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        if (!json_object_size(j)) {
            fputs("{}", f);
            return;
        }
        fputs("{\n", f);
        const char *key;
        json_t *v;
        size_t i = 0, n = json_object_size(j);
        json_object_foreach((json_t *)j, key, v) {
            fprintf(f, "%*s", 2 * (depth + 1), "");
            json_text(f, key, strlen(key));
            fputs(": ", f);
            json_write(f, v, depth + 1);
            fputs(++i < n ? ",\n" : "\n", f);
        }
        fprintf(f, "%*s}", 2 * depth, "");
        return;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        if (!n) {
            fputs("[]", f);
            return;
        }
        fputs("[\n", f);
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "%*s", 2 * (depth + 1), "");
            json_write(f, json_array_get(j, i), depth + 1);
            fputs(i + 1 < n ? ",\n" : "\n", f);
        }
        fprintf(f, "%*s]", 2 * depth, "");
        return;
    }
    case JSON_STRING: json_text(f, json_string_value(j), json_string_length(j)); return;
    case JSON_INTEGER: fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(j)); return;
    case JSON_REAL: rs_report_number(f, json_real_value(j)); return;
    case JSON_TRUE: fputs("true", f); return;
    case JSON_FALSE: fputs("false", f); return;
    default: fputs("null", f); return;
    }
}

int rs_report_json_write(FILE *f, const json_t *j)
{
    if (!j)
        return -1;
    json_write(f, j, 0);
    return fputc('\n', f) == EOF || ferror(f) ? -1 : 0;
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

/* A measure of a replication as a double (NaN where it is undefined, e.g. time to full of a rollback). */
typedef double (*measure_fn)(const rs_rep_result *r);
static double m_harm(const rs_rep_result *r) { return (double)r->harm; }
static double m_excess(const rs_rep_result *r) { return r->excess_harm; }
static double m_harmed(const rs_rep_result *r) { return (double)r->harmed_users; }
static double m_exposed(const rs_rep_result *r) { return (double)r->exposed; }
static double m_ttf(const rs_rep_result *r) { return r->time_to_full; }
static double m_rbt(const rs_rep_result *r) { return r->rollback_time; }
static double m_par(const rs_rep_result *r) { return r->p_at_rollback; }
static double m_regret(const rs_rep_result *r) { return r->regret; }
static double m_wrong(const rs_rep_result *r) { return r->excess_wrong; }
static double m_labels(const rs_rep_result *r) { return r->cand_labels; }
static double m_in_flight(const rs_rep_result *r) { return r->cand_labels_in_flight; }
static double m_promote(const rs_rep_result *r) { return r->outcome == RS_OUTCOME_PROMOTED; }
static double m_rollback(const rs_rep_result *r) { return r->outcome == RS_OUTCOME_ROLLED_BACK; }
static double m_escape(const rs_rep_result *r) { return r->outcome == RS_OUTCOME_PROMOTED && r->promoted_bad; }

static const struct measure {
    const char *name;
    measure_fn fn;
    int tails; /* VaR / CVaR reported */
    int optional; /* issue 16: left out when no replication has it (scenarios without quality or labels) */
} measures[] = {
    {"harm", m_harm, 1, 0},
    {"excess_harm", m_excess, 1, 0},
    {"harmed_users", m_harmed, 1, 0},
    {"exposed", m_exposed, 0, 0},
    {"time_to_full", m_ttf, 0, 0},
    {"rollback_time", m_rbt, 0, 0},
    {"p_at_rollback", m_par, 0, 0},
    {"regret", m_regret, 0, 0}, /* pseudo-regret (SPEC §2): every policy has one, bandits minimise it */
    {"excess_wrong", m_wrong, 1, 1},              /* issue 16: the quality harm */
    {"cand_labels", m_labels, 0, 1},              /* issue 16: the candidates' labels arrived by the end */
    {"cand_labels_in_flight", m_in_flight, 0, 1}, /* and those still in flight */
};

/* Whether some finished replication has measure k. */
static int measured(size_t k, const rs_rep_result *res, const unsigned char *done, size_t reps)
{
    for (size_t i = 0; i < reps; i++)
        if (done[i] && !isnan(measures[k].fn(&res[i])))
            return 1;
    return !measures[k].optional;
}

json_t *rs_report_estimates(const rs_rep_result *res, const unsigned char *done, size_t reps)
{
    size_t n = 0, bad = 0, good = 0, esc = 0, false_rb = 0, prom = 0, rb = 0, inc = 0;
    for (size_t i = 0; i < reps; i++) {
        if (!done[i])
            continue;
        n++;
        bad += res[i].bad;
        good += !res[i].bad;
        esc += res[i].outcome == RS_OUTCOME_PROMOTED && res[i].promoted_bad;
        false_rb += res[i].outcome == RS_OUTCOME_ROLLED_BACK && !res[i].bad;
        prom += res[i].outcome == RS_OUTCOME_PROMOTED;
        rb += res[i].outcome == RS_OUTCOME_ROLLED_BACK;
        inc += res[i].outcome == RS_OUTCOME_INCOMPLETE;
    }
    json_t *est = json_object();
    json_object_set_new(est, "p_escape", probability(esc, bad));
    json_object_set_new(est, "p_false_rollback", probability(false_rb, good));
    json_object_set_new(est, "p_promote", probability(prom, n));
    json_object_set_new(est, "p_rollback", probability(rb, n));
    json_object_set_new(est, "p_incomplete", probability(inc, n));
    double *x = malloc((reps ? reps : 1) * sizeof *x);
    for (size_t k = 0; x && k < sizeof measures / sizeof *measures; k++) {
        if (!measured(k, res, done, reps))
            continue;
        size_t m = 0;
        for (size_t i = 0; i < reps; i++) {
            double v = done[i] ? measures[k].fn(&res[i]) : NAN;
            if (!isnan(v))
                x[m++] = v;
        }
        rs_describe d;
        rs_stats_describe(x, m, &d);
        json_object_set_new(est, measures[k].name, described(&d, measures[k].tails));
    }
    free(x);
    return est;
}

/* Mean difference a - b over the replications where both are defined, with its paired t interval, and the
 * unpaired (Welch) interval of the same difference computed as if the two samples were independent. */
static json_t *paired_measure(const rs_rep_result *a, const rs_rep_result *b, const unsigned char *da,
                              const unsigned char *db, size_t reps, measure_fn fn, double *buf)
{
    double *d = buf, *xa = buf + reps, *xb = buf + 2 * reps;
    size_t m = 0;
    for (size_t i = 0; i < reps; i++) {
        if (!da[i] || !db[i])
            continue;
        double va = fn(&a[i]), vb = fn(&b[i]);
        if (isnan(va) || isnan(vb))
            continue;
        xa[m] = va, xb[m] = vb, d[m] = va - vb;
        m++;
    }
    double mean = NAN, lo = NAN, hi = NAN, ulo = NAN, uhi = NAN;
    if (m >= 1)
        mean = gsl_stats_mean(d, 1, m);
    if (m >= 2) {
        double t = gsl_cdf_tdist_Pinv(0.975, (double)(m - 1));
        double half = t * gsl_stats_sd_m(d, 1, m, mean) / sqrt((double)m);
        lo = mean - half, hi = mean + half;
        double va = gsl_stats_variance(xa, 1, m), vb = gsl_stats_variance(xb, 1, m);
        double uhalf = t * sqrt((va + vb) / (double)m);
        ulo = mean - uhalf, uhi = mean + uhalf;
    }
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "mean_diff", json_num(mean), "lo", json_num(lo), "hi",
                     json_num(hi), "unpaired_lo", json_num(ulo), "unpaired_hi", json_num(uhi), "width_ratio",
                     json_num((uhi - ulo) > 0 ? (hi - lo) / (uhi - ulo) : NAN), "n", (json_int_t)m);
}

json_t *rs_report_paired(const rs_rep_result *a, const rs_rep_result *b, const unsigned char *done_a,
                         const unsigned char *done_b, size_t reps)
{
    json_t *o = json_object();
    double *buf = malloc(3 * (reps ? reps : 1) * sizeof *buf);
    if (!buf)
        return o;
    for (size_t k = 0; k < sizeof measures / sizeof *measures; k++)
        if (measured(k, a, done_a, reps))
            json_object_set_new(o, measures[k].name, paired_measure(a, b, done_a, done_b, reps, measures[k].fn, buf));
    json_object_set_new(o, "p_promote", paired_measure(a, b, done_a, done_b, reps, m_promote, buf));
    json_object_set_new(o, "p_rollback", paired_measure(a, b, done_a, done_b, reps, m_rollback, buf));
    json_object_set_new(o, "p_escape_and_bad", paired_measure(a, b, done_a, done_b, reps, m_escape, buf));
    free(buf);
    return o;
}

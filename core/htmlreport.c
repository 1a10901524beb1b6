#include "htmlreport.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "report.h"
#include "runner.h" /* ROLLSIM_VERSION */

/* Text escaped for HTML. */
static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A number for the eye: 3 significant digits, and no exponent below 10^9 (counts of errors and users read
 * better whole: 1794, not 1.79e+03). */
static void shown(FILE *f, const json_t *v)
{
    if (!json_is_number(v)) {
        fputs("–", f);
        return;
    }
    double x = json_number_value(v);
    if ((x == floor(x) || fabs(x) >= 100) && fabs(x) < 1e9)
        fprintf(f, "%.0f", x == 0 ? 0.0 : x);
    else
        fprintf(f, "%.3g", x);
}

/* A table cell holding a value of summary.json: its path and exact value in data- attributes (what the test and
 * a script read), the value with its interval for the eye. */
static void cell(FILE *f, const char *path, const json_t *o, const char *value_key)
{
    const json_t *v = json_object_get(o, value_key), *lo = json_object_get(o, "lo"), *hi = json_object_get(o, "hi");
    fprintf(f, "<td data-key=\"%s.%s\" data-value=\"", path, value_key);
    if (json_is_number(v))
        rs_report_number(f, json_number_value(v));
    else
        fputs("null", f);
    fputs("\">", f);
    shown(f, v);
    if (json_is_number(lo) && json_is_number(hi)) {
        fputs(" <span class=\"ci\">[", f);
        shown(f, lo);
        fputs(", ", f);
        shown(f, hi);
        fputs("]</span>", f);
    }
    fputs("</td>", f);
}

static const char *const probabilities[][2] = {
    {"p_escape", "P(escape | bad): a bad candidate promoted"},
    {"p_false_rollback", "P(false rollback | good): a good candidate rolled back"},
    {"p_promote", "P(promoted)"},
    {"p_rollback", "P(rolled back)"},
    {"p_incomplete", "P(neither by the horizon)"},
};
static const char *const measures[][2] = {
    {"excess_harm", "excess harm: candidate errors above the baseline's rate"},
    {"harm", "harm: candidate errors"},
    {"harmed_users", "users with a candidate error"},
    {"exposed", "users exposed to the candidate"},
    {"time_to_full", "time to full (h), when promoted"},
    {"rollback_time", "rollback time (h), when rolled back"},
    {"regret", "pseudo-regret"},
};
#define N_OF(a) (sizeof a / sizeof *a)

static void estimates_table(FILE *f, const json_t *pols)
{
    size_t n = json_array_size(pols);
    fputs("<table class=\"est\"><thead><tr><th>estimate (95 % interval)</th>", f);
    for (size_t p = 0; p < n; p++) {
        fputs("<th>", f);
        esc(f, json_string_value(json_object_get(json_array_get(pols, p), "label")));
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
    char path[128];
    for (size_t k = 0; k < N_OF(probabilities) + N_OF(measures); k++) {
        int prob = k < N_OF(probabilities);
        const char *key = prob ? probabilities[k][0] : measures[k - N_OF(probabilities)][0];
        const char *what = prob ? probabilities[k][1] : measures[k - N_OF(probabilities)][1];
        fputs("<tr><th>", f);
        esc(f, what);
        fputs(" <code>", f);
        esc(f, key);
        fputs("</code></th>", f);
        for (size_t p = 0; p < n; p++) {
            const json_t *o = json_object_get(json_object_get(json_array_get(pols, p), "estimates"), key);
            snprintf(path, sizeof path, "policies.%zu.estimates.%s", p, key);
            cell(f, path, o, prob ? "estimate" : "mean");
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void paired_table(FILE *f, const json_t *paired)
{
    size_t n = json_array_size(paired);
    fputs("<h2>Paired differences (a − b, on the same replications)</h2>\n<p>The mean difference of each measure "
          "over the replications both policies have it, with its 95 % interval from the paired differences: "
          "an interval that excludes 0 says the policies differ.</p>\n<table class=\"est\"><thead><tr><th>a − b</th>",
          f);
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_array_get(paired, i);
        fputs("<th>", f);
        esc(f, json_string_value(json_object_get(d, "a")));
        fputs(" − ", f);
        esc(f, json_string_value(json_object_get(d, "b")));
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
    static const char *const keys[] = {"p_rollback", "p_promote", "p_escape_and_bad", "excess_harm", "harm",
                                       "harmed_users", "exposed", "time_to_full", "rollback_time", "regret"};
    char path[128];
    for (size_t k = 0; k < N_OF(keys); k++) {
        fprintf(f, "<tr><th><code>%s</code></th>", keys[k]);
        for (size_t i = 0; i < n; i++) {
            snprintf(path, sizeof path, "paired.%zu.%s", i, keys[k]);
            cell(f, path, json_object_get(json_array_get(paired, i), keys[k]), "mean_diff");
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* The file's bytes base64-encoded into f; 0, or -1 when it cannot be read. */
static int base64_file(FILE *f, const char *path)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    FILE *in = fopen(path, "rb");
    if (!in)
        return -1;
    unsigned char b[3];
    size_t got;
    while ((got = fread(b, 1, 3, in)) > 0) {
        if (got < 3)
            memset(b + got, 0, 3 - got);
        char out[4] = {tab[b[0] >> 2], tab[((b[0] & 3) << 4) | (b[1] >> 4)], tab[((b[1] & 15) << 2) | (b[2] >> 6)],
                       tab[b[2] & 63]};
        if (got < 3)
            out[3] = '=';
        if (got < 2)
            out[2] = '=';
        fwrite(out, 1, 4, f);
    }
    int bad = ferror(in);
    fclose(in);
    return bad ? -1 : 0;
}

static void plots(FILE *f, const char *dir)
{
    static const char *const kinds[][2] = {
        {"fan", "The share of users on the candidate over time"},
        {"exposure", "Users exposed to and harmed by the candidate"},
        {"harm", "Harm per replication"},
        {"risk", "Risk: P(escape | bad) and P(false rollback | good)"},
        {"pareto", "Excess harm against time to full"},
        {"regret", "Pseudo-regret over time"},
        {"safeset", "The safe set (bayesopt)"},
        {"quality", "Quality"},
    };
    fputs("<h2>Plots</h2>\n", f);
    int any = 0;
    char path[4200];
    for (size_t i = 0; i < N_OF(kinds); i++) {
        snprintf(path, sizeof path, "%s/plots/%s.png", dir, kinds[i][0]);
        FILE *probe = fopen(path, "rb");
        if (!probe)
            continue;
        fclose(probe);
        fprintf(f, "<figure><img alt=\"%s\" src=\"data:image/png;base64,", kinds[i][1]);
        base64_file(f, path);
        fprintf(f, "\"><figcaption>%s (<code>plots/%s.png</code>)</figcaption></figure>\n", kinds[i][1],
                kinds[i][0]);
        any = 1;
    }
    if (!any)
        fputs("<p>No plots were drawn (gnuplot not found).</p>\n", f);
}

rs_status rs_html_report(const char *dir, rs_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t jerr;
    json_t *s = json_load_file(path, 0, &jerr);
    if (!s)
        RS_FAIL(err, RS_ERR_INPUT, "%s: %s (line %d)", path, jerr.text, jerr.line);
    rs_atomic_file af;
    rs_status st = rs_atomic_open(&af, dir, "report.html", err);
    if (st) {
        json_decref(s);
        return st;
    }
    FILE *f = af.f;
    const json_t *pols = json_object_get(s, "policies"), *paired = json_object_get(s, "paired");
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rollsim: ", f);
    esc(f, json_string_value(json_object_get(s, "scenario")));
    fputs("</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
          "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
          "td{text-align:right;white-space:nowrap}thead th{background:#f2f2f2}.ci{color:#666}"
          "figure{margin:1.5em 0}img{max-width:100%;border:1px solid #eee}.warn{color:#b00}"
          "code{font-size:90%}</style></head><body>\n<h1>", f);
    esc(f, json_string_value(json_object_get(s, "scenario")));
    fputs("</h1>\n<p>Scenario <code>", f);
    esc(f, json_string_value(json_object_get(s, "scenario_file")));
    fprintf(f, "</code>: %lld replications, seed %lld, %lld users, horizon %g h. Written by rollsim %s "
               "(summary.json format %lld).</p>\n",
            (long long)json_integer_value(json_object_get(s, "replications")),
            (long long)json_integer_value(json_object_get(s, "seed")),
            (long long)json_integer_value(json_object_get(s, "users")),
            json_number_value(json_object_get(s, "horizon")), ROLLSIM_VERSION,
            (long long)json_integer_value(json_object_get(s, "format")));
    if (json_is_true(json_object_get(s, "partial")))
        fputs("<p class=\"warn\">PARTIAL: the run was interrupted; only the finished replications are "
              "summarised.</p>\n", f);
    fputs("<h2>Estimates</h2>\n<p>Probabilities with their 95 % Wilson intervals, measures as the mean per "
          "replication with its 95 % t interval. A bad candidate is one whose error rate the scenario calls bad; "
          "excess harm counts the candidate's errors beyond what the current version would have served on the same "
          "requests (the real cost of the rollout).</p>\n", f);
    estimates_table(f, pols);
    if (json_array_size(paired))
        paired_table(f, paired);
    fputs("<h2>Policies</h2>\n", f);
    for (size_t p = 0; p < json_array_size(pols); p++) {
        const json_t *pol = json_array_get(pols, p);
        fputs("<details><summary>", f);
        esc(f, json_string_value(json_object_get(pol, "label")));
        fputs(" (plugin <code>", f);
        esc(f, json_string_value(json_object_get(pol, "plugin")));
        fputs("</code>): parameters</summary><pre>", f);
        char *text = json_dumps(json_object_get(pol, "params"), JSON_INDENT(2));
        esc(f, text);
        free(text);
        fputs("</pre></details>\n", f);
    }
    plots(f, dir);
    fputs("<p><small>Every figure comes from <code>summary.json</code> in the same folder; "
          "<code>docs/data.md</code> says what each means.</small></p>\n</body></html>\n", f);
    json_decref(s);
    return rs_atomic_commit(&af, err);
}

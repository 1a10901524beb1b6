/* The gnuplot driver: reads an output folder, writes per plot kind NAME.dat (the data), NAME.gp (the filled
 * template) and NAME.png (gnuplot, pngcairo) into DIR/plots/. See plot.h.
 *
 * Adding a plot kind = one template plots/NAME.gp.in and one data writer here, listed in `kinds` below. A
 * writer writes the data blocks of NAME.dat and sets the template's @PLACEHOLDERS@: global ones, and
 * per-policy ones for the template's section between the lines @FOR_EACH_POLICY@ and @END_FOR@, which is
 * repeated once per policy. Strings that land in gnuplot code are quoted with gp_quote (no text from the
 * output folder is ever run as a command: gnuplot gets the script's file name only). */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np (glibc 2.29) */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"
#include "runner.h" /* ROLLSIM_VERSION */

extern char **environ;

/* The templates embedded in the program (generated from plots/ by core/plot_embed.cmake), NULL-terminated. */
struct rs_plot_template {
    const char *name;
    const char *text;
};
extern const struct rs_plot_template rs_plot_templates[];

/* ---------------------------------------------------------------------------------------------------------- */
/* What the plots are drawn from: summary.json, bands.csv, runs.csv, events.csv of one output folder.         */

typedef struct band_row {
    double t;
    double p[5];       /* P quantiles 5/25/50/75/95 % (a fraction of the users) */
    double exposed[5]; /* exposed users, same quantiles */
    double harmed[5];  /* harmed users */
} band_row;

typedef struct xy {
    double x, y;
} xy;

typedef struct policy_data {
    char *label;
    size_t reps;                          /* replications finished */
    double esc[3], fr[3];                 /* P(escape | bad), P(false rollback | good): estimate, lo, hi */
    double n_bad, n_good;                 /* their denominators */
    double harm_mean, harm_lo, harm_hi, harm_var95, harm_cvar95;
    double excess_mean, excess_lo, excess_hi; /* excess harm: errors above the baseline's rate */
    double ttf_mean, ttf_lo, ttf_hi, ttf_n; /* time to full over the promoted replications */
    band_row *bands;
    size_t n_bands, cap_bands;
    double *harm; /* per replication (runs.csv) */
    size_t n_harm, cap_harm;
    xy *rollbacks; /* (time, P before) of every rolled-back replication */
    size_t n_rollbacks, cap_rollbacks;
    long long rep0; /* the first replication in events.csv (-1: none seen) */
    xy *stages;     /* (start time, stage number) of rep0 */
    size_t n_stages, cap_stages;
    double rep0_rollback; /* rep0's rollback time, NaN if none */
} policy_data;

typedef struct plot_input {
    char *scenario;
    double users, horizon, reps;
    int partial;
    size_t n;
    policy_data *p;
} plot_input;

static void input_free(plot_input *in)
{
    for (size_t i = 0; i < in->n; i++) {
        policy_data *p = &in->p[i];
        free(p->label);
        free(p->bands);
        free(p->harm);
        free(p->rollbacks);
        free(p->stages);
    }
    free(in->p);
    free(in->scenario);
    memset(in, 0, sizeof *in);
}

/* Appends one item to a growing array; -1 when out of memory. */
static int push(void *arr_, size_t *n, size_t *cap, size_t size, const void *item)
{
    void **arr = arr_;
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        void *q = realloc(*arr, c * size);
        if (!q)
            return -1;
        *arr = q;
        *cap = c;
    }
    memcpy((char *)*arr + *n * size, item, size);
    (*n)++;
    return 0;
}

static double jnum(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void jprob(json_t *est, const char *key, double out[3], double *n)
{
    json_t *o = json_object_get(est, key);
    out[0] = jnum(o, "estimate");
    out[1] = jnum(o, "lo");
    out[2] = jnum(o, "hi");
    *n = jnum(o, "n");
}

static rs_status read_summary(const char *dir, plot_input *in, rs_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        if (access(path, F_OK))
            RS_FAIL(err, RS_ERR_INPUT, "%s has no summary.json (not an output folder of rollsim run or compare)",
                    dir);
        RS_FAIL(err, RS_ERR_INPUT, "%s:%d: %s", path, jerr.line, jerr.text);
    }
    json_t *pols = json_object_get(root, "policies");
    rs_status st = RS_OK;
    if (!json_is_array(pols) || json_array_size(pols) == 0) {
        st = RS_SET(err, RS_ERR_INPUT, "%s: no \"policies\" list", path);
        goto done;
    }
    const char *name = json_string_value(json_object_get(root, "scenario"));
    in->scenario = strdup(name ? name : "?");
    in->users = jnum(root, "users");
    in->horizon = jnum(root, "horizon");
    in->reps = jnum(root, "replications");
    in->partial = json_is_true(json_object_get(root, "partial"));
    in->p = calloc(json_array_size(pols), sizeof *in->p);
    if (!in->scenario || !in->p) {
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < json_array_size(pols); i++) {
        json_t *pj = json_array_get(pols, i), *est = json_object_get(pj, "estimates");
        const char *label = json_string_value(json_object_get(pj, "label"));
        if (!label || !json_is_object(est)) {
            st = RS_SET(err, RS_ERR_INPUT, "%s: policy %zu has no \"label\" or \"estimates\"", path, i + 1);
            goto done;
        }
        policy_data *p = &in->p[in->n++];
        p->rep0 = -1;
        p->rep0_rollback = NAN;
        p->label = strdup(label);
        if (!p->label) {
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
            goto done;
        }
        double reps = jnum(pj, "replications");
        p->reps = (size_t)(isfinite(reps) ? reps : in->reps);
        jprob(est, "p_escape", p->esc, &p->n_bad);
        jprob(est, "p_false_rollback", p->fr, &p->n_good);
        json_t *h = json_object_get(est, "harm"), *t = json_object_get(est, "time_to_full");
        p->harm_mean = jnum(h, "mean");
        p->harm_lo = jnum(h, "lo");
        p->harm_hi = jnum(h, "hi");
        json_t *x = json_object_get(est, "excess_harm");
        p->excess_mean = jnum(x, "mean");
        p->excess_lo = jnum(x, "lo");
        p->excess_hi = jnum(x, "hi");
        p->harm_var95 = jnum(h, "var95");
        p->harm_cvar95 = jnum(h, "cvar95");
        p->ttf_mean = jnum(t, "mean");
        p->ttf_lo = jnum(t, "lo");
        p->ttf_hi = jnum(t, "hi");
        p->ttf_n = jnum(t, "n");
    }
    if (!isfinite(in->horizon) || !(in->horizon > 0)) {
        st = RS_SET(err, RS_ERR_INPUT, "%s: no \"horizon\"", path);
        goto done;
    }
done:
    json_decref(root);
    return st;
}

/* A CSV reader for rollsim's own files: RFC 4180 quoting (a label may contain commas or quotes). */
typedef struct csv {
    FILE *f;
    char path[4096];
    char *buf;
    size_t len, cap;
    size_t *start; /* field offsets into buf */
    size_t nf, fcap;
    size_t line;
} csv;

static int csv_put(csv *c, char ch)
{
    if (c->len == c->cap) {
        size_t n = c->cap ? 2 * c->cap : 256;
        char *q = realloc(c->buf, n);
        if (!q)
            return -1;
        c->buf = q;
        c->cap = n;
    }
    c->buf[c->len++] = ch;
    return 0;
}

static int csv_field_start(csv *c)
{
    return push(&c->start, &c->nf, &c->fcap, sizeof *c->start, &c->len);
}

/* Reads one record: 1, or 0 at the end of the file, or -1 (out of memory, unterminated quote). */
static int csv_next(csv *c)
{
    int ch = getc(c->f);
    if (ch == EOF)
        return 0;
    c->len = c->nf = 0;
    c->line++;
    if (csv_field_start(c))
        return -1;
    int quoted = 0;
    for (; ch != EOF; ch = getc(c->f)) {
        if (quoted) {
            if (ch == '"') {
                int next = getc(c->f);
                if (next != '"') {
                    quoted = 0;
                    if (next != EOF)
                        ungetc(next, c->f);
                    continue;
                }
            } else if (ch == '\n') {
                c->line++;
            }
            if (csv_put(c, (char)ch))
                return -1;
            continue;
        }
        if (ch == '\n')
            break;
        if (ch == '\r')
            continue;
        if (ch == '"') {
            quoted = 1;
        } else if (ch == ',') {
            if (csv_put(c, '\0') || csv_field_start(c))
                return -1;
        } else if (csv_put(c, (char)ch)) {
            return -1;
        }
    }
    if (quoted)
        return -1;
    return csv_put(c, '\0') ? -1 : 1;
}

static const char *csv_get(const csv *c, int col)
{
    return col >= 0 && (size_t)col < c->nf ? c->buf + c->start[col] : "";
}

static double csv_num(const csv *c, int col)
{
    const char *s = csv_get(c, col);
    char *end;
    double x = strtod(s, &end);
    return *s && end != s && !*end ? x : NAN;
}

static void csv_close(csv *c)
{
    if (c->f)
        fclose(c->f);
    free(c->buf);
    free(c->start);
}

/* Opens DIR/NAME and reads its header; cols[i] gets the index of column names[i] (all must be there). */
static rs_status csv_open(csv *c, const char *dir, const char *name, const char *const *names, int *cols,
                          size_t n_names, rs_error *err)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s/%s", dir, name);
    c->f = fopen(c->path, "r");
    if (!c->f)
        RS_FAIL(err, RS_ERR_INPUT, "%s: cannot open: %s", c->path, strerror(errno));
    int r = csv_next(c);
    if (r < 0)
        RS_FAIL(err, RS_ERR_INPUT, "%s: cannot read its header", c->path);
    for (size_t i = 0; i < n_names; i++) {
        cols[i] = -1;
        for (size_t k = 0; r > 0 && k < c->nf; k++)
            if (!strcmp(csv_get(c, (int)k), names[i]))
                cols[i] = (int)k;
        if (cols[i] < 0)
            RS_FAIL(err, RS_ERR_INPUT, "%s: no column \"%s\"", c->path, names[i]);
    }
    return RS_OK;
}

static policy_data *find_policy(plot_input *in, const char *label)
{
    for (size_t i = 0; i < in->n; i++)
        if (!strcmp(in->p[i].label, label))
            return &in->p[i];
    return NULL; /* a row of a policy the summary does not list: not plotted */
}

static rs_status read_bands(const char *dir, plot_input *in, rs_error *err)
{
    static const char *const names[] = {
        "t",          "P_p5",        "P_p25",       "P_p50",       "P_p75",       "P_p95",     "exposed_p5",
        "exposed_p25", "exposed_p50", "exposed_p75", "exposed_p95", "harmed_p5",  "harmed_p25", "harmed_p50",
        "harmed_p75", "harmed_p95",  "policy"};
    int col[17];
    csv c;
    rs_status st = csv_open(&c, dir, "bands.csv", names, col, 17, err);
    int r = 0;
    while (!st && (r = csv_next(&c)) > 0) {
        policy_data *p = find_policy(in, csv_get(&c, col[16]));
        if (!p)
            continue;
        band_row b = {.t = csv_num(&c, col[0])};
        for (int k = 0; k < 5; k++) {
            b.p[k] = csv_num(&c, col[1 + k]);
            b.exposed[k] = csv_num(&c, col[6 + k]);
            b.harmed[k] = csv_num(&c, col[11 + k]);
        }
        if (isfinite(b.t) && push(&p->bands, &p->n_bands, &p->cap_bands, sizeof b, &b))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    }
    if (!st && r < 0)
        st = RS_SET(err, RS_ERR_INPUT, "%s:%zu: cannot read this row", c.path, c.line);
    csv_close(&c);
    return st;
}

static rs_status read_runs(const char *dir, plot_input *in, rs_error *err)
{
    static const char *const names[] = {"outcome", "harm", "rollback_time", "p_at_rollback", "policy"};
    int col[5];
    csv c;
    rs_status st = csv_open(&c, dir, "runs.csv", names, col, 5, err);
    int r = 0;
    while (!st && (r = csv_next(&c)) > 0) {
        policy_data *p = find_policy(in, csv_get(&c, col[4]));
        if (!p)
            continue;
        double h = csv_num(&c, col[1]);
        if (isfinite(h) && push(&p->harm, &p->n_harm, &p->cap_harm, sizeof h, &h))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        xy rb = {csv_num(&c, col[2]), csv_num(&c, col[3])};
        if (!st && !strcmp(csv_get(&c, col[0]), "rolled_back") && isfinite(rb.x) && isfinite(rb.y) &&
            push(&p->rollbacks, &p->n_rollbacks, &p->cap_rollbacks, sizeof rb, &rb))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    }
    if (!st && r < 0)
        st = RS_SET(err, RS_ERR_INPUT, "%s:%zu: cannot read this row", c.path, c.line);
    csv_close(&c);
    return st;
}

/* Stage starts and the rollback of each policy's first replication in events.csv. */
static rs_status read_events(const char *dir, plot_input *in, rs_error *err)
{
    static const char *const names[] = {"rep", "t", "kind", "value", "policy"};
    int col[5];
    csv c;
    rs_status st = csv_open(&c, dir, "events.csv", names, col, 5, err);
    int r = 0;
    while (!st && (r = csv_next(&c)) > 0) {
        policy_data *p = find_policy(in, csv_get(&c, col[4]));
        double rep = csv_num(&c, col[0]), t = csv_num(&c, col[1]);
        if (!p || !isfinite(rep) || !isfinite(t))
            continue;
        if (p->rep0 < 0)
            p->rep0 = (long long)rep;
        if ((long long)rep != p->rep0)
            continue;
        const char *kind = csv_get(&c, col[2]);
        if (!strcmp(kind, "stage")) {
            xy s = {t, csv_num(&c, col[3])};
            if (push(&p->stages, &p->n_stages, &p->cap_stages, sizeof s, &s))
                st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        } else if (!strcmp(kind, "rollback") && isnan(p->rep0_rollback)) {
            p->rep0_rollback = t;
        }
    }
    if (!st && r < 0)
        st = RS_SET(err, RS_ERR_INPUT, "%s:%zu: cannot read this row", c.path, c.line);
    csv_close(&c);
    return st;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Placeholder values and the template filler.                                                               */

typedef struct var {
    char name[32];
    char *value;
} var;

typedef struct vars {
    var *v;
    size_t n, cap;
    int oom; /* a set failed for lack of memory: reported once by the driver */
} vars;

static void vars_free(vars *vs)
{
    for (size_t i = 0; vs && i < vs->n; i++)
        free(vs->v[i].value);
    if (vs)
        free(vs->v);
}

static const char *vars_get(const vars *vs, const char *name, size_t len)
{
    for (size_t i = 0; vs && i < vs->n; i++)
        if (strlen(vs->v[i].name) == len && !strncmp(vs->v[i].name, name, len))
            return vs->v[i].value;
    return NULL;
}

static void vars_put(vars *vs, const char *name, char *value)
{
    if (!value) {
        vs->oom = 1;
        return;
    }
    for (size_t i = 0; i < vs->n; i++)
        if (!strcmp(vs->v[i].name, name)) {
            free(vs->v[i].value);
            vs->v[i].value = value;
            return;
        }
    var v = {.value = value};
    snprintf(v.name, sizeof v.name, "%s", name);
    if (push(&vs->v, &vs->n, &vs->cap, sizeof v, &v)) {
        free(value);
        vs->oom = 1;
    }
}

static char *vformat(const char *fmt, va_list ap)
{
    char *s = NULL;
    return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

/* Sets @NAME@ to the formatted text, as is (gnuplot code or a number). */
static void vars_set(vars *vs, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void vars_set(vars *vs, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vars_put(vs, name, vformat(fmt, ap));
    va_end(ap);
}

/* The text as a gnuplot string expression: single-quoted, because gnuplot runs `commands` in backquotes inside
 * double-quoted strings (and expands backslash escapes there), never inside single-quoted ones. A quote is
 * doubled; a newline (a line break in titles) becomes '...'."\n".'...'; other control characters become
 * spaces. Caller frees. */
static char *gp_quote(const char *s)
{
    size_t n = strlen(s);
    char *q = malloc(8 * n + 3), *o = q;
    if (!q)
        return NULL;
    *o++ = '\'';
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '\'') {
            *o++ = '\'';
            *o++ = '\'';
        } else if (ch == '\n') {
            memcpy(o, "'.\"\\n\".'", 8);
            o += 8;
        } else {
            *o++ = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

/* Sets @NAME@ to the formatted text as a gnuplot string literal. */
static void vars_setq(vars *vs, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void vars_setq(vars *vs, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = vformat(fmt, ap);
    va_end(ap);
    vars_put(vs, name, text ? gp_quote(text) : NULL);
    free(text);
}

/* User text (a label, a scenario name) on one line: control characters become spaces. Caller frees. */
static char *one_line(const char *s)
{
    char *q = strdup(s);
    for (char *o = q; o && *o; o++)
        if ((unsigned char)*o < 0x20 || *o == 0x7f)
            *o = ' ';
    return q;
}

/* A label (a policy SPEC can be long) broken into lines of at most width characters where possible, after a
 * ';', ',' or ':' or at a space; *lines gets the number of lines. Caller frees. */
static char *wrap_label(const char *s, size_t width, int *lines)
{
    char *q = one_line(s);
    *lines = 1;
    if (!q)
        return NULL;
    size_t start = 0, brk = 0; /* the current line's start, the last place it may break (0: none) */
    for (size_t i = 0; q[i]; i++) {
        if (q[i] == ';' || q[i] == ',' || q[i] == ':' || q[i] == ' ')
            brk = q[i] == ' ' ? i : i + 1;
        if (i - start + 1 > width && brk > start && q[brk]) {
            if (q[brk] == ' ') { /* break at the space itself */
                q[brk] = '\n';
                start = brk + 1;
            } else { /* insert a newline after the separator */
                char *r = malloc(strlen(q) + 2);
                if (!r)
                    return q;
                memcpy(r, q, brk);
                r[brk] = '\n';
                strcpy(r + brk + 1, q + brk);
                free(q);
                q = r;
                start = brk + 1;
                i++;
            }
            brk = 0;
            (*lines)++;
        }
    }
    return q;
}

static int is_name_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* Copies text[0..len) to out with every @NAME@ replaced by its value in local (may be NULL), else global. */
static rs_status substitute(const char *text, size_t len, const vars *local, const vars *global, FILE *out,
                            const char *tpl, rs_error *err)
{
    for (size_t i = 0; i < len; i++) {
        size_t k = i + 1;
        while (k < len && is_name_char(text[k]))
            k++;
        if (text[i] != '@' || k == i + 1 || k >= len || text[k] != '@') {
            fputc(text[i], out);
            continue;
        }
        const char *v = vars_get(local, text + i + 1, k - i - 1);
        if (!v)
            v = vars_get(global, text + i + 1, k - i - 1);
        if (!v)
            RS_FAIL(err, RS_ERR_RUNTIME, "plot template %s: no value for %.*s", tpl, (int)(k - i + 1), text + i);
        fputs(v, out);
        i = k;
    }
    return RS_OK;
}

/* A line of text equal to marker once leading and trailing blanks are removed. */
static int line_is(const char *line, size_t len, const char *marker)
{
    while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        len--;
    return len == strlen(marker) && !strncmp(line, marker, len);
}

/* Writes the template filled in: the lines between @FOR_EACH_POLICY@ and @END_FOR@ once per policy with
 * that policy's values (per[i]), everything else with the global ones. */
static rs_status fill_template(const char *tpl_text, const char *tpl, const vars *global, const vars *per,
                               size_t n_per, FILE *out, rs_error *err)
{
    const char *s = tpl_text;
    rs_status st = RS_OK;
    while (*s && !st) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) + 1 : strlen(s);
        if (!line_is(s, len - (eol != NULL), "@FOR_EACH_POLICY@")) {
            st = substitute(s, len, NULL, global, out, tpl, err);
            s += len;
            continue;
        }
        const char *body = s + len, *end = body;
        while (*end) {
            const char *e = strchr(end, '\n');
            size_t l = e ? (size_t)(e - end) + 1 : strlen(end);
            if (line_is(end, l - (e != NULL), "@END_FOR@"))
                break;
            end += l;
        }
        if (!*end)
            RS_FAIL(err, RS_ERR_RUNTIME, "plot template %s: @FOR_EACH_POLICY@ without @END_FOR@", tpl);
        for (size_t i = 0; i < n_per && !st; i++)
            st = substitute(body, (size_t)(end - body), &per[i], global, out, tpl, err);
        const char *e = strchr(end, '\n');
        s = e ? e + 1 : end + strlen(end);
    }
    return st;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Data writers: one per plot kind. Each writes NAME.dat and sets the placeholders of its template.           */

typedef struct plot_ctx {
    const plot_input *in;
    FILE *dat;
    vars *global;
    vars *per; /* [in->n] */
    int block; /* data blocks written so far (gnuplot's `index` of the next one) */
} plot_ctx;

typedef void (*plot_writer)(plot_ctx *c);

/* Starts a data block (blocks are separated by two blank lines; gnuplot numbers only non-empty ones, so a
 * writer calls this only for a block it fills). Returns its index. */
static int begin_block(plot_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int begin_block(plot_ctx *c, const char *fmt, ...)
{
    if (c->block)
        fputs("\n\n", c->dat);
    fprintf(c->dat, "# index %d: ", c->block);
    va_list ap;
    va_start(ap, fmt);
    char *text = vformat(fmt, ap);
    va_end(ap);
    char *line = text ? one_line(text) : NULL;
    fprintf(c->dat, "%s\n", line ? line : "");
    free(line);
    free(text);
    return c->block++;
}

static void put_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, " %.10g", x);
    else
        fputs(" NaN", f);
}

/* The largest of 1, 2, 2.5, 5 times a power of ten that is <= x (> 0). */
static double nice_floor(double x)
{
    if (!(x > 0) || !isfinite(x))
        return 1;
    double e = pow(10, floor(log10(x))), m = x / e;
    return (m >= 5 ? 5 : m >= 2.5 ? 2.5 : m >= 2 ? 2 : 1) * e;
}

/* The smallest of 1, 2, 2.5, 5 times a power of ten that is >= x (> 0). */
static double nice_ceil(double x)
{
    if (!(x > 0) || !isfinite(x))
        return 1;
    double e = pow(10, floor(log10(x))), m = x / e;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * e;
}

/* One panel per policy: a column up to three policies, then two columns. */
static void set_panel_layout(plot_ctx *c, int panels_per_policy)
{
    size_t n = c->in->n, rows, cols, w, h;
    if (panels_per_policy == 2) {
        rows = n, cols = 2, w = 900;
    } else if (n <= 3) {
        rows = n, cols = 1, w = 900;
    } else {
        rows = (n + 1) / 2, cols = 2, w = 1500;
    }
    h = n == 1 ? 560 : 80 + 330 * rows;
    vars_set(c->global, "ROWS", "%zu", rows);
    vars_set(c->global, "COLS", "%zu", cols);
    vars_set(c->global, "WIDTH", "%zu", w);
    vars_set(c->global, "HEIGHT", "%zu", h);
}

static void set_single_layout(plot_ctx *c)
{
    vars_set(c->global, "WIDTH", "900");
    vars_set(c->global, "HEIGHT", "560");
}

/* "N replications" and the scenario's name, for the second line of a title. */
static void set_title(plot_ctx *c, const char *what)
{
    char *name = one_line(c->in->scenario);
    vars_setq(c->global, "TITLE", "%s\n%s, %.0f replication%s%s", what, name ? name : "", c->in->reps,
              c->in->reps == 1 ? "" : "s", c->in->partial ? " (PARTIAL: the run was interrupted)" : "");
    free(name);
}

static void set_panel_title(plot_ctx *c, size_t i, const char *name, const char *prefix)
{
    char *label = one_line(c->in->p[i].label);
    if (c->in->n > 1)
        vars_setq(&c->per[i], name, "%s%s", prefix, label ? label : "");
    else if (*prefix)
        vars_setq(&c->per[i], name, "%s", prefix);
    else
        vars_setq(&c->per[i], name, "policy %s", label ? label : "");
    free(label);
}

/* By x, then y. */
static int cmp_xy(const void *a, const void *b)
{
    const xy *p = a, *q = b;
    int by_x = (p->x > q->x) - (p->x < q->x);
    return by_x ? by_x : (p->y > q->y) - (p->y < q->y);
}

/* fan: P(t) quantile bands as staircases, stage starts and rollback of the first replication, every
 * replication's rollback. */
static void write_fan(plot_ctx *c)
{
    const plot_input *in = c->in;
    double pmax = 0;
    for (size_t i = 0; i < in->n; i++) {
        for (size_t k = 0; k < in->p[i].n_bands; k++)
            pmax = fmax(pmax, 100 * in->p[i].bands[k].p[4]);
        for (size_t k = 0; k < in->p[i].n_rollbacks; k++)
            pmax = fmax(pmax, 100 * in->p[i].rollbacks[k].y);
    }
    double ymax = pmax > 55 ? 100 : nice_ceil(pmax * 1.15);
    set_panel_layout(c, 1);
    set_title(c, "Share P(t) and number N(t) of users on the candidate over time");
    vars_set(c->global, "YMAX", "%.10g", ymax);
    vars_set(c->global, "XMAX", "%.10g", in->horizon);
    vars_setq(c->global, "YLABEL", "%s", in->n == 1 ? "P(t): share of users on the candidate (%)" : "P(t) (%)");
    if (isfinite(in->users) && in->users > 0)
        vars_set(c->global, "N_AXIS",
                 "USERS = %.10g  # N = P * USERS / 100\n"
                 "set y2range [0:YMAX*USERS/100]\n"
                 "set y2tics out nomirror format \"%%.0f\"\n"
                 "set y2label \"%s\"",
                 in->users, in->n == 1 ? "N(t): users on the candidate (users)" : "N(t) (users)");
    else
        vars_set(c->global, "N_AXIS", "unset y2tics");
    for (size_t i = 0; i < in->n; i++) {
        policy_data *p = &in->p[i];
        vars *pv = &c->per[i];
        set_panel_title(c, i, "PANEL_TITLE", "");
        int b = begin_block(c, "policy %s: t (hours), P(t) quantiles over replications 5 25 50 75 95 %% (percent of "
                               "users); each time twice (just before, at) so that lines draw the staircase",
                            p->label);
        for (size_t k = 0; k < p->n_bands; k++) {
            for (int twice = k > 0 ? 0 : 1; twice < 2; twice++) {
                const band_row *r = &p->bands[k - (twice == 0)];
                fprintf(c->dat, "%.10g", p->bands[k].t);
                for (int q = 0; q < 5; q++)
                    put_num(c->dat, 100 * r->p[q]);
                fputc('\n', c->dat);
            }
        }
        if (!p->n_bands) /* no sample: a flat zero so that the plot still draws */
            fprintf(c->dat, "0 0 0 0 0 0\n%.10g 0 0 0 0 0\n", in->horizon);
        vars_set(pv, "BANDS", "%d", b);
        char *marks = NULL;
        size_t mlen = 0;
        FILE *m = open_memstream(&marks, &mlen);
        if (!m) {
            pv->oom = 1;
            continue;
        }
        if (p->n_stages) {
            int s = begin_block(c, "policy %s: stage starts of replication %lld: t (hours), stage", p->label, p->rep0);
            for (size_t k = 0; k < p->n_stages; k++)
                fprintf(c->dat, "%.10g %.10g\n", p->stages[k].x, p->stages[k].y);
            fprintf(m,
                    ", \\\n     DAT index %d using 1:(0):(0):(YMAX) with vectors nohead ls 4 "
                    "title \"stage starts (replication %lld)\""
                    ", \\\n     DAT index %d using 1:(YMAX):(sprintf(\"%%d\", $2)) with labels left offset 0.3,-0.7 "
                    "tc ls 4 notitle",
                    s, p->rep0, s);
        }
        if (isfinite(p->rep0_rollback)) {
            int s = begin_block(c, "policy %s: rollback of replication %lld: t (hours)", p->label, p->rep0);
            fprintf(c->dat, "%.10g\n", p->rep0_rollback);
            fprintf(m,
                    ", \\\n     DAT index %d using 1:(0):(0):(YMAX) with vectors nohead ls 6 "
                    "title \"rollback (replication %lld)\"",
                    s, p->rep0);
        }
        if (p->n_rollbacks) {
            qsort(p->rollbacks, p->n_rollbacks, sizeof *p->rollbacks, cmp_xy);
            int s = begin_block(c, "policy %s: rollbacks of every replication: t (hours), P just before (percent), "
                                   "replications rolled back there",
                                p->label);
            for (size_t k = 0; k < p->n_rollbacks;) {
                size_t j = k;
                while (j < p->n_rollbacks && !cmp_xy(&p->rollbacks[j], &p->rollbacks[k]))
                    j++;
                fprintf(c->dat, "%.10g %.10g %zu\n", p->rollbacks[k].x, 100 * p->rollbacks[k].y, j - k);
                k = j;
            }
            fprintf(m,
                    ", \\\n     DAT index %d using 1:2 with points ls 5 "
                    "title \"rollbacks: %zu of %zu replications\"",
                    s, p->n_rollbacks, p->reps);
        } else {
            fprintf(m, ", \\\n     keyentry with points ls 5 title \"rollbacks: none of %zu replications\"",
                    p->reps);
        }
        if (fclose(m))
            pv->oom = 1;
        vars_put(pv, "MARKS", marks);
    }
}

/* exposure: exposed and harmed users over time (median and 5-95 % band), two panels per policy. */
static void write_exposure(plot_ctx *c)
{
    const plot_input *in = c->in;
    double emax = 0, hmax = 0;
    for (size_t i = 0; i < in->n; i++)
        for (size_t k = 0; k < in->p[i].n_bands; k++) {
            emax = fmax(emax, in->p[i].bands[k].exposed[4]);
            hmax = fmax(hmax, in->p[i].bands[k].harmed[4]);
        }
    set_panel_layout(c, 2);
    set_title(c, "Users exposed to and harmed by the candidate over time");
    vars_set(c->global, "XMAX", "%.10g", in->horizon);
    vars_set(c->global, "YMAX_EXPOSED", "%.10g", emax > 0 ? emax * 1.06 : 1);
    vars_set(c->global, "YMAX_HARMED", "%.10g", hmax > 0 ? hmax * 1.06 : 1);
    for (size_t i = 0; i < in->n; i++) {
        const policy_data *p = &in->p[i];
        set_panel_title(c, i, "EXPOSED_TITLE",
                        in->n == 1 ? "exposed: users with ≥ 1 response from the candidate" : "exposed users: ");
        set_panel_title(c, i, "HARMED_TITLE",
                        in->n == 1 ? "harmed: users with ≥ 1 error from the candidate" : "harmed users: ");
        int b = begin_block(c, "policy %s: t (hours), exposed users 5 50 95 %%, harmed users 5 50 95 %% (quantiles "
                               "over replications)",
                            p->label);
        for (size_t k = 0; k < p->n_bands; k++) {
            const band_row *r = &p->bands[k];
            fprintf(c->dat, "%.10g", r->t);
            put_num(c->dat, r->exposed[0]);
            put_num(c->dat, r->exposed[2]);
            put_num(c->dat, r->exposed[4]);
            put_num(c->dat, r->harmed[0]);
            put_num(c->dat, r->harmed[2]);
            put_num(c->dat, r->harmed[4]);
            fputc('\n', c->dat);
        }
        if (!p->n_bands)
            fprintf(c->dat, "0 0 0 0 0 0 0\n%.10g 0 0 0 0 0 0\n", in->horizon);
        vars_set(&c->per[i], "I", "%d", b);
    }
}

/* A finite value or the fallback. */
static double or_else(double x, double fallback)
{
    return isfinite(x) ? x : fallback;
}

/* harm: histogram of harm per replication on bins shared by all policies, with mean, VaR95 and CVaR95. */
static void write_harm(plot_ctx *c)
{
    const plot_input *in = c->in;
    double lo = INFINITY, hi = -INFINITY;
    size_t most = 0;
    for (size_t i = 0; i < in->n; i++) {
        for (size_t k = 0; k < in->p[i].n_harm; k++) {
            lo = fmin(lo, in->p[i].harm[k]);
            hi = fmax(hi, in->p[i].harm[k]);
        }
        most = in->p[i].n_harm > most ? in->p[i].n_harm : most;
    }
    if (!(lo <= hi))
        lo = hi = 0;
    /* twice Rice's rule for the number of bins (harm is often multimodal: rollbacks early, promotions late), a round bin width (harm counts errors: at least 1) */
    double bins = fmin(fmax(ceil(4 * cbrt((double)most)), 10), 80);
    double width = fmax(1, ceil(nice_floor((hi - lo) / bins)));
    double start = floor(lo / width) * width;
    size_t nb = (size_t)floor((hi - start) / width) + 1;
    size_t *count = calloc(nb, sizeof *count);
    size_t ymax = 1;
    set_panel_layout(c, 1);
    set_title(c, "Harm: candidate errors per replication, with its tail risk");
    vars_set(c->global, "BIN", "%.10g", width);
    vars_set(c->global, "XMIN", "%.10g", start);
    vars_set(c->global, "XMAX", "%.10g", start + (double)nb * width);
    for (size_t i = 0; i < in->n && count; i++) {
        const policy_data *p = &in->p[i];
        memset(count, 0, nb * sizeof *count);
        for (size_t k = 0; k < p->n_harm; k++) {
            size_t b = (size_t)floor((p->harm[k] - start) / width);
            count[b < nb ? b : nb - 1]++;
        }
        int b = begin_block(c, "policy %s: bin centre (errors), replications in the bin [centre - %g/2, centre + "
                               "%g/2)",
                            p->label, width, width);
        for (size_t k = 0; k < nb; k++) {
            fprintf(c->dat, "%.10g %zu\n", start + ((double)k + 0.5) * width, count[k]);
            ymax = count[k] > ymax ? count[k] : ymax;
        }
        vars *pv = &c->per[i];
        double mean = or_else(p->harm_mean, 0), var = or_else(p->harm_var95, mean), cvar = or_else(p->harm_cvar95, var);
        set_panel_title(c, i, "PANEL_TITLE", "");
        vars_set(pv, "I", "%d", b);
        vars_set(pv, "MEAN", "%.10g", mean);
        vars_set(pv, "VAR95", "%.10g", var);
        vars_set(pv, "CVAR95", "%.10g", cvar);
        vars_setq(pv, "MEAN_TITLE", "mean %.0f errors", mean);
        vars_setq(pv, "VAR_TITLE", "VaR95 %.0f (95 %% of replications at or below)", var);
        vars_setq(pv, "CVAR_TITLE", "CVaR95 %.0f (mean of the worst 5 %%)", cvar);
    }
    if (!count)
        c->global->oom = 1;
    free(count);
    vars_set(c->global, "YMAX", "%.10g", ceil((double)ymax * 1.12));
}

/* pareto: mean excess harm (the errors a candidate served above the baseline's rate: a good candidate
 * that is promoted fast serves many errors, but no more than the baseline would have) against mean time to
 * full per policy, with their 95 % intervals, and the non-dominated
 * policies joined. A policy that never reached everyone sits at the horizon. */
static void write_pareto(plot_ctx *c)
{
    const plot_input *in = c->in;
    set_single_layout(c);
    set_title(c, "Policies compared: excess harm against time to full (lower left is better)");
    int b = begin_block(c, "one row per policy: row, mean time to full (hours; the horizon when never full), its 95 "
                           "%% interval lo hi, mean excess harm (errors above the baseline's rate), its lo hi, reached full (1/0)");
    xy *pt = malloc(in->n * sizeof *pt);
    if (!pt) {
        c->global->oom = 1;
        return;
    }
    double xmax = 0, ymax = 0;
    size_t n_full = 0, n_never = 0;
    for (size_t i = 0; i < in->n; i++) {
        const policy_data *p = &in->p[i];
        xmax = fmax(xmax, isfinite(p->ttf_mean) ? or_else(p->ttf_hi, p->ttf_mean) : in->horizon);
        ymax = fmax(ymax, or_else(p->excess_hi, or_else(p->excess_mean, 0)));
    }
    for (size_t i = 0; i < in->n; i++) {
        const policy_data *p = &in->p[i];
        int full = isfinite(p->ttf_mean);
        double x = full ? p->ttf_mean : in->horizon, y = or_else(p->excess_mean, 0);
        if (full)
            pt[n_full++] = (xy){x, y};
        else
            n_never++;
        fprintf(c->dat, "%zu", i);
        put_num(c->dat, x);
        put_num(c->dat, full ? or_else(p->ttf_lo, x) : x);
        put_num(c->dat, full ? or_else(p->ttf_hi, x) : x);
        put_num(c->dat, y);
        put_num(c->dat, or_else(p->excess_lo, y));
        put_num(c->dat, or_else(p->excess_hi, y));
        fprintf(c->dat, " %d\n", full);
        vars *pv = &c->per[i];
        char *label = one_line(p->label);
        vars_set(pv, "ROW", "%zu", i);
        vars_set(pv, "LS", "%zu", 10 + i % 8);
        vars_set(pv, "X", "%.10g", x);
        vars_set(pv, "Y", "%.10g", y);
        int lines;
        char *wrapped = wrap_label(p->label, 30, &lines);
        vars_setq(pv, "LABEL", "%s", wrapped ? wrapped : "");
        /* right of the point in the left part, else left of it: below, or above when near the axis */
        vars_set(pv, "ALIGN", "%s",
                 x <= 0.55 * xmax ? "left offset char 1.2,0.9"
                 : y > 0.15 * ymax ? "right offset char -1.2,-1.1" : "right offset char -1.2,0.9");
        free(wrapped);
        vars_setq(pv, "KEY", "%s%s", label ? label : "", full ? "" : " (never full: drawn at the horizon)");
        free(label);
    }
    /* the non-dominated set among the policies that reached everyone: no other is at least as good on both
     * and better on one */
    if (n_full) {
        int f = begin_block(c, "Pareto front: time to full (hours), excess harm (errors) of the non-dominated policies that "
                               "reached everyone");
        qsort(pt, n_full, sizeof *pt, cmp_xy);
        double best = INFINITY;
        for (size_t i = 0; i < n_full; i++)
            if (pt[i].y < best) {
                fprintf(c->dat, "%.10g %.10g\n", pt[i].x, pt[i].y);
                best = pt[i].y;
            }
        vars_set(c->global, "FRONT", "DAT index %d using 1:2 with lines ls 20 title \"Pareto front (non-dominated)\"",
                 f);
    } else {
        vars_set(c->global, "FRONT", "keyentry with lines ls 20 title \"Pareto front: none (no policy reached "
                                     "everyone)\"");
    }
    free(pt);
    vars_set(c->global, "POINTS", "%d", b);
    if (n_never)
        vars_set(c->global, "HORIZON_MARK",
                 "set arrow 1 from first %.10g, graph 0 to first %.10g, graph 1 nohead ls 21 back\n"
                 "set label 1 \"horizon\" at first %.10g, graph 1 right offset char -0.5,-1 tc ls 21",
                 in->horizon, in->horizon, in->horizon);
    else
        vars_set(c->global, "HORIZON_MARK", "# (every policy reached everyone: no horizon mark)");
}

/* risk: P(escape | bad) and P(false rollback | good) per policy, Wilson 95 % intervals as error bars. */
static void write_risk(plot_ctx *c)
{
    const plot_input *in = c->in;
    const double off = 0.19;
    set_single_layout(c);
    set_title(c, "Policies compared: how often a bad candidate escapes, a good one is rolled back");
    double ymax = 0;
    char *xtics = NULL, *bars = NULL, *na = NULL;
    size_t lx, lb, ln;
    int n_bars = 0, tic_lines = 1, has_series = 0;
    FILE *tx = open_memstream(&xtics, &lx), *tb = open_memstream(&bars, &lb), *tn = open_memstream(&na, &ln);
    if (!tx || !tb || !tn) {
        c->global->oom = 1;
        if (tx)
            fclose(tx);
        if (tb)
            fclose(tb);
        if (tn)
            fclose(tn);
        free(xtics);
        free(bars);
        free(na);
        return;
    }
    for (int which = 0; which < 2; which++) {
        size_t rows = 0;
        for (size_t i = 0; i < in->n; i++)
            rows += isfinite((which ? in->p[i].fr : in->p[i].esc)[0]);
        if (!rows)
            continue;
        has_series |= 1 << which;
        int b = begin_block(c, "%s per policy with a defined estimate: x position, estimate, Wilson 95 %% lo, hi",
                            which ? "P(false rollback | good)" : "P(escape | bad)");
        for (size_t i = 0; i < in->n; i++) {
            const double *e = which ? in->p[i].fr : in->p[i].esc;
            if (!isfinite(e[0]))
                continue;
            fprintf(c->dat, "%.10g", (double)i + (which ? off : -off));
            put_num(c->dat, e[0]);
            put_num(c->dat, or_else(e[1], e[0]));
            put_num(c->dat, or_else(e[2], e[0]));
            fputc('\n', c->dat);
            ymax = fmax(ymax, or_else(e[2], e[0]));
        }
        fprintf(tb, "%sDAT index %d using 1:2 with boxes ls %d fs %s title %s, \\\n"
                    "     DAT index %d using 1:2:3:4 with yerrorbars ls 3 notitle, \\\n"
                    "     DAT index %d using 1:4:(sprintf(\"%%.3g\", $2)) with labels offset 0,0.8 notitle",
                n_bars++ ? ", \\\n     " : "", b, which ? 2 : 1, which ? "pattern 4 border" : "solid 1.0 border",
                which ? "\"P(false rollback | good candidate)\"" : "\"P(escape | bad candidate)\"", b, b);
    }
    for (int which = 0; which < 2; which++) /* a series with no estimate at all keeps its key entry */
        if (!(has_series & (1 << which)))
            fprintf(tb, "%skeyentry with boxes ls %d fs %s title %s", n_bars++ ? ", \\\n     " : "", which + 1,
                    which ? "pattern 4 border" : "solid 1.0 border",
                    which ? "\"P(false rollback | good candidate)\"" : "\"P(escape | bad candidate)\"");
    for (size_t i = 0; i < in->n; i++) {
        const policy_data *p = &in->p[i];
        int lines;
        char *label = wrap_label(p->label, in->n > 10 ? 12 : 120 / in->n, &lines), *tic = NULL;
        if (asprintf(&tic, "%s\n%.0f bad, %.0f good", label ? label : "", or_else(p->n_bad, 0),
                     or_else(p->n_good, 0)) < 0)
            tic = NULL;
        tic_lines = lines + 1 > tic_lines ? lines + 1 : tic_lines;
        char *q = tic ? gp_quote(tic) : NULL;
        fprintf(tx, "%s%s %zu", i ? ", " : "", q ? q : "\"\"", i);
        free(q);
        free(tic);
        free(label);
        for (int which = 0; which < 2; which++)
            if (!isfinite((which ? p->fr : p->esc)[0]))
                fprintf(tn, "set label \"n/a: no %s\\ncandidate\" at %.10g, graph 0.09 center tc ls 3 front\n",
                        which ? "good" : "bad", (double)i + (which ? off : -off));
    }
    int bad = fclose(tx) | fclose(tb) | fclose(tn);
    if (bad)
        c->global->oom = 1;
    vars_put(c->global, "XTICS", xtics);
    vars_put(c->global, "BARS", bars);
    vars_put(c->global, "NA_LABELS", na);
    vars_set(c->global, "BMARGIN", "%d", tic_lines + 4);
    vars_set(c->global, "XMAX", "%.10g", (double)in->n - 0.5);
    double top = fmax(ymax, 0.01) * 1.15, step = nice_floor(top / 5);
    vars_set(c->global, "YMAX", "%.10g", fmin(1, ceil(top / step) * step));
}

/* The plot kinds. */
enum { PLOT_ALWAYS, PLOT_COMPARE /* two policies or more */ };
typedef struct plot_kind {
    const char *name;     /* NAME.dat, NAME.gp, NAME.png */
    const char *template; /* in plots/ */
    plot_writer write;
    int when;
} plot_kind;

static const plot_kind kinds[] = {
    {"fan", "fan.gp.in", write_fan, PLOT_ALWAYS},
    {"exposure", "exposure.gp.in", write_exposure, PLOT_ALWAYS},
    {"harm", "harm.gp.in", write_harm, PLOT_ALWAYS},
    {"pareto", "pareto.gp.in", write_pareto, PLOT_COMPARE},
    {"risk", "risk.gp.in", write_risk, PLOT_COMPARE},
};
#define N_KINDS (sizeof kinds / sizeof *kinds)

/* ---------------------------------------------------------------------------------------------------------- */
/* Templates, gnuplot, the driver.                                                                            */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    char buf[4096];
    size_t got;
    while (m && (got = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, got, m);
    int bad = ferror(f);
    fclose(f);
    if (!m || fclose(m) || bad) {
        free(text);
        return NULL;
    }
    return text;
}

/* The template's text (caller frees) and where it came from, or NULL. */
static char *load_template(const char *name, char *from, size_t from_size)
{
    static const char *const dirs[] = {
#ifdef RS_PLOTS_DIR
        RS_PLOTS_DIR,
#endif
#ifdef RS_INSTALL_PLOTS_DIR
        RS_INSTALL_PLOTS_DIR,
#endif
        NULL};
    for (size_t i = 0; dirs[i]; i++) {
        snprintf(from, from_size, "%s/%s", dirs[i], name);
        char *text = read_file(from);
        if (text)
            return text;
    }
    for (size_t i = 0; rs_plot_templates[i].name; i++)
        if (!strcmp(rs_plot_templates[i].name, name)) {
            snprintf(from, from_size, "plots/%s (built in)", name);
            return strdup(rs_plot_templates[i].text);
        }
    return NULL;
}

/* gnuplot's path on PATH into path (1), or 0 when it is not there. */
static int find_gnuplot(char *path, size_t size)
{
    const char *env = getenv("PATH");
    if (!env)
        env = "/usr/local/bin:/usr/bin:/bin";
    while (1) {
        const char *colon = strchr(env, ':');
        size_t len = colon ? (size_t)(colon - env) : strlen(env);
        if (len == 0)
            snprintf(path, size, "./gnuplot");
        else
            snprintf(path, size, "%.*s/gnuplot", (int)len, env);
        struct stat st;
        if (!stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK))
            return 1;
        if (!colon)
            return 0;
        env = colon + 1;
    }
}

/* Runs `gnuplot -e 'rs_png = "<temporary>"' NAME.gp` inside plots_dir, then renames the temporary PNG to
 * NAME.png. The -e text holds only our own file name, never text from the output folder. */
static rs_status run_gnuplot(const char *gnuplot, const char *plots_dir, const char *name, rs_error *err)
{
    char script[64], png[64], tmp[96], setvar[160], tmp_path[4200], png_path[4200];
    snprintf(script, sizeof script, "%s.gp", name);
    snprintf(png, sizeof png, "%s.png", name);
    snprintf(tmp, sizeof tmp, ".%s.png.%ld.tmp", name, (long)getpid());
    snprintf(setvar, sizeof setvar, "rs_png = \"%s\"", tmp);
    snprintf(tmp_path, sizeof tmp_path, "%s/%s", plots_dir, tmp);
    snprintf(png_path, sizeof png_path, "%s/%s", plots_dir, png);
    char *argv[] = {"gnuplot", "-e", setvar, script, NULL};
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa))
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot run gnuplot: out of memory");
    int rc = posix_spawn_file_actions_addchdir_np(&fa, plots_dir);
    if (!rc)
        rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    if (!rc)
        rc = posix_spawn(&pid, gnuplot, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc)
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot run %s on %s/%s: %s", gnuplot, plots_dir, script, strerror(rc));
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            unlink(tmp_path);
            RS_FAIL(err, RS_ERR_RUNTIME, "gnuplot on %s/%s: %s", plots_dir, script, strerror(errno));
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        unlink(tmp_path);
        if (WIFSIGNALED(status))
            RS_FAIL(err, RS_ERR_RUNTIME, "gnuplot failed on %s/%s (killed by signal %d)", plots_dir, script,
                    WTERMSIG(status));
        RS_FAIL(err, RS_ERR_RUNTIME, "gnuplot failed on %s/%s (exit status %d; its messages are above)", plots_dir,
                script, WEXITSTATUS(status));
    }
    struct stat st;
    if (stat(tmp_path, &st) || st.st_size == 0) {
        unlink(tmp_path);
        RS_FAIL(err, RS_ERR_RUNTIME, "gnuplot wrote no image for %s/%s", plots_dir, script);
    }
    if (rename(tmp_path, png_path)) {
        int e = errno;
        unlink(tmp_path);
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot rename into %s: %s", png_path, strerror(e));
    }
    return RS_OK;
}

/* Writes NAME.dat and NAME.gp of one kind into plots_dir. */
static rs_status write_kind(const plot_kind *k, const plot_input *in, const char *plots_dir, rs_error *err)
{
    char from[4200], file[64];
    char *tpl = load_template(k->template, from, sizeof from);
    if (!tpl)
        RS_FAIL(err, RS_ERR_RUNTIME, "plot template %s not found (looked in the source and installed plots/ "
                                     "folders and in the program)", k->template);
    vars global = {0};
    vars *per = calloc(in->n, sizeof *per);
    rs_atomic_file dat = {0}, gp = {0};
    snprintf(file, sizeof file, "%s.dat", k->name);
    rs_status st = per ? rs_atomic_open(&dat, plots_dir, file, err) : RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    if (!st) {
        fprintf(dat.f, "# rollsim %s: data of %s.png, plotted by %s.gp. Blocks are separated by two blank lines and "
                       "numbered from 0 (gnuplot's `index`).\n",
                ROLLSIM_VERSION, k->name, k->name);
        plot_ctx c = {in, dat.f, &global, per, 0};
        k->write(&c);
        vars_set(&global, "NAME", "%s", k->name);
        vars_setq(&global, "DAT", "%s.dat", k->name);
        vars_setq(&global, "PNG", "%s.png", k->name);
        vars_set(&global, "VERSION", "%s", ROLLSIM_VERSION);
        vars_set(&global, "TEMPLATE", "%s", k->template);
        int oom = global.oom;
        for (size_t i = 0; i < in->n; i++)
            oom |= per[i].oom;
        if (oom)
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    }
    if (!st)
        st = rs_atomic_commit(&dat, err);
    snprintf(file, sizeof file, "%s.gp", k->name);
    if (!st)
        st = rs_atomic_open(&gp, plots_dir, file, err);
    if (!st)
        st = fill_template(tpl, from, &global, per, in->n, gp.f, err);
    if (!st)
        st = rs_atomic_commit(&gp, err);
    rs_atomic_abort(&dat);
    rs_atomic_abort(&gp);
    vars_free(&global);
    for (size_t i = 0; per && i < in->n; i++)
        vars_free(&per[i]);
    free(per);
    free(tpl);
    return st;
}

/* Removes NAME.{png,gp,dat} of a kind that does not apply (e.g. left by an earlier compare in the folder). */
static void remove_kind(const plot_kind *k, const char *plots_dir)
{
    static const char *const ext[] = {"png", "gp", "dat"};
    char path[4200];
    for (int e = 0; e < 3; e++) {
        snprintf(path, sizeof path, "%s/%s.%s", plots_dir, k->name, ext[e]);
        unlink(path);
    }
}

rs_status rs_plot_dir(const char *dir, int verbose, rs_error *err)
{
    plot_input in = {0};
    rs_status st = read_summary(dir, &in, err);
    if (!st)
        st = read_bands(dir, &in, err);
    if (!st)
        st = read_runs(dir, &in, err);
    if (!st)
        st = read_events(dir, &in, err);
    char plots_dir[4096];
    if (!st && snprintf(plots_dir, sizeof plots_dir, "%s/plots", dir) >= (int)sizeof plots_dir)
        st = RS_SET(err, RS_ERR_INPUT, "output folder %s: path too long", dir);
    if (!st)
        st = rs_output_prepare_dir(plots_dir, NULL, err);
    if (st) {
        input_free(&in);
        return st;
    }
    char gnuplot[4096];
    int have_gnuplot = find_gnuplot(gnuplot, sizeof gnuplot);
    if (!have_gnuplot)
        fprintf(stderr, "rollsim: warning: gnuplot not found on PATH; plots skipped (install gnuplot-nox)\n");
    char done[256] = "";
    size_t n_done = 0;
    for (size_t i = 0; i < N_KINDS; i++) {
        const plot_kind *k = &kinds[i];
        if (k->when == PLOT_COMPARE && in.n < 2) {
            remove_kind(k, plots_dir);
            continue;
        }
        rs_error e = {0};
        rs_status s = write_kind(k, &in, plots_dir, &e);
        if (!s && have_gnuplot)
            s = run_gnuplot(gnuplot, plots_dir, k->name, &e);
        if (s && !st) { /* keep the first failure, draw the other plots */
            st = s;
            *err = e;
        }
        if (!s) {
            size_t len = strlen(done);
            snprintf(done + len, sizeof done - len, " %s.%s", k->name, have_gnuplot ? "png" : "gp");
            n_done++;
        }
    }
    if (verbose && n_done)
        printf(have_gnuplot ? "  plots in %s/:%s (rerun there: gnuplot NAME.gp)\n"
                            : "  plot scripts in %s/:%s (no PNG: gnuplot not found)\n",
               plots_dir, done);
    input_free(&in);
    return st;
}

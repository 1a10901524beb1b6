#include "planner.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "dist.h"
#include "output.h"
#include "report.h"
#include "value.h"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void rs_planner_names_free(rs_planner_names *nm)
{
    if (!nm)
        return;
    for (size_t i = 0; i < nm->n; i++) {
        free(nm->name[i]);
        free(nm->group[i]);
        free(nm->field[i]);
    }
    free(nm->name);
    free(nm->group);
    free(nm->field);
    memset(nm, 0, sizeof *nm);
}

static int names_push(rs_planner_names *nm, size_t cap, const char *name, const char *group, const char *field)
{
    if (nm->n >= cap)
        return -1;
    nm->name[nm->n] = dup_or_null(name);
    nm->group[nm->n] = dup_or_null(group);
    nm->field[nm->n] = dup_or_null(field);
    if (!nm->name[nm->n] || !nm->group[nm->n] || !nm->field[nm->n])
        return -1;
    nm->n++;
    return 0;
}

rs_status rs_planner_names_init(rs_planner_names *nm, rs_error *err)
{
    memset(nm, 0, sizeof *nm);
    /* The names come from the estimates object itself (with no replication every entry is there, null), so
     * they cannot drift from summary.json. */
    rs_rep_result dummy;
    unsigned char none = 0;
    memset(&dummy, 0, sizeof dummy);
    json_t *est = rs_report_estimates(&dummy, &none, 1);
    size_t cap = 0;
    const char *g;
    json_t *obj;
    json_object_foreach(est, g, obj)
        cap += json_is_object(obj) ? json_object_size(obj) + 1 : 0;
    nm->name = calloc(cap + 1, sizeof *nm->name);
    nm->group = calloc(cap + 1, sizeof *nm->group);
    nm->field = calloc(cap + 1, sizeof *nm->field);
    int bad = !nm->name || !nm->group || !nm->field;
    for (int pass = 0; pass < 2 && !bad; pass++) {
        json_object_foreach(est, g, obj) {
            if (!json_is_object(obj))
                continue; /* regret: null until a policy defines it */
            if (pass == 1) { /* the short form: a probability's estimate, a measure's mean */
                const char *f = json_object_get(obj, "estimate") ? "estimate" : "mean";
                bad |= names_push(nm, cap, g, g, f) != 0;
                continue;
            }
            const char *f;
            json_t *leaf;
            json_object_foreach(obj, f, leaf) {
                char name[256];
                snprintf(name, sizeof name, "%s.%s", g, f);
                bad |= names_push(nm, cap, name, g, f) != 0;
            }
        }
        if (pass == 0)
            nm->n_columns = nm->n;
    }
    json_decref(est);
    if (bad) {
        rs_planner_names_free(nm);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    }
    return RS_OK;
}

void rs_planner_values(const rs_planner_names *nm, json_t *estimates, double *values)
{
    for (size_t i = 0; i < nm->n; i++) {
        json_t *v = json_object_get(json_object_get(estimates, nm->group[i]), nm->field[i]);
        values[i] = json_is_number(v) ? json_number_value(v) : NAN;
    }
}

int rs_planner_split(const char *set, char **key, const char **value)
{
    const char *eq = strchr(set, '=');
    if (!eq || eq == set)
        return -1;
    *key = strndup(set, (size_t)(eq - set));
    *value = eq + 1;
    return *key ? 0 : -1;
}

json_t *rs_planner_value_json(const char *text)
{
    rs_value v;
    if (rs_value_parse_text(text, &v))
        return json_string(text);
    json_t *j = rs_report_value(&v);
    rs_value_clear(&v);
    return j;
}

/* base then point, as one list of --set texts. Caller frees the array (not the strings). */
static const char **join_sets(const char *const *base, size_t n_base, const char *const *point, size_t n_point)
{
    const char **all = calloc(n_base + n_point + 1, sizeof *all);
    if (!all)
        return NULL;
    for (size_t i = 0; i < n_base; i++)
        all[i] = base[i];
    for (size_t i = 0; i < n_point; i++)
        all[n_base + i] = point[i];
    return all;
}

rs_status rs_point_check(const char *path, const char *const *base, size_t n_base, const char *const *point,
                         size_t n_point, rs_error *err)
{
    const char **all = join_sets(base, n_base, point, n_point);
    if (!all)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    rs_scenario sc;
    rs_status st = rs_scenario_load(path, all, n_base + n_point, &sc, err);
    free(all);
    if (st)
        return st;
    rs_policy_choice c = {sc.policy_name, sc.policy_name, &sc.policy};
    st = rs_run_check(&sc, &c, err);
    rs_scenario_free(&sc);
    return st;
}

rs_status rs_planner_head(const char *path, const char *const *base, size_t n_base, json_t **out, rs_error *err)
{
    rs_scenario sc;
    rs_status st = rs_scenario_load(path, base, n_base, &sc, err);
    if (st)
        return st;
    *out = json_pack("{s:s,s:s,s:I,s:I,s:f,s:I}", "scenario", sc.name, "scenario_file", sc.file, "seed",
                     (json_int_t)sc.seed, "replications", (json_int_t)sc.replications, "horizon", sc.horizon,
                     "users", (json_int_t)sc.total_users);
    rs_scenario_free(&sc);
    if (!*out)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    return RS_OK;
}

double rs_planner_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void rs_planner_free_sets(char **sets, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(sets[k]);
        sets[k] = NULL;
    }
}

void rs_planner_csv_number(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.15g", x);
}

rs_status rs_point_run(const char *path, const char *const *base, size_t n_base, const char *const *point,
                       size_t n_point, const rs_run_options *opt, const rs_planner_names *nm, rs_point *p,
                       rs_error *err)
{
    memset(p, 0, sizeof *p);
    const char **all = join_sets(base, n_base, point, n_point);
    if (!all)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    rs_scenario sc;
    rs_status loaded = rs_scenario_load(path, all, n_base + n_point, &sc, err), st = loaded;
    free(all);
    if (!st) {
        p->reps = sc.replications;
        p->res = calloc(p->reps, sizeof *p->res);
        p->done = calloc(p->reps, 1);
        p->values = calloc(nm->n + 1, sizeof *p->values);
        p->plugin = strdup(sc.policy_name);
        if (!p->res || !p->done || !p->values || !p->plugin)
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory for %zu replications", p->reps);
    }
    st = rs_dist_agree(st, err); /* under MPI every rank runs the point's batch, or none does */
    if (st) {
        if (!loaded)
            rs_scenario_free(&sc);
        rs_point_free(p);
        return st;
    }
    double t0 = rs_planner_now();
    if (!st) {
        rs_policy_choice c = {sc.policy_name, sc.policy_name, &sc.policy};
        st = rs_run_batch(&sc, &c, opt, p->res, p->done, &p->requests, &p->params, err);
    }
    p->seconds = rs_planner_now() - t0;
    rs_scenario_free(&sc);
    if (!st) {
        for (size_t r = 0; r < p->reps; r++)
            p->reps_done += p->done[r] != 0;
        p->estimates = rs_report_estimates(p->res, p->done, p->reps);
        if (!p->estimates)
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        else
            rs_planner_values(nm, p->estimates, p->values);
    }
    if (st)
        rs_point_free(p);
    return st;
}

void rs_point_free(rs_point *p)
{
    if (!p)
        return;
    free(p->res);
    free(p->done);
    free(p->values);
    free(p->plugin);
    json_decref(p->estimates);
    json_decref(p->params);
    memset(p, 0, sizeof *p);
}

void rs_point_bootstrap_sd(const rs_point *p, const rs_planner_names *nm, rs_expr *const *exprs, size_t n_exprs,
                           uint64_t seed, size_t B, double *sd)
{
    rs_point_bootstrap_paired_sd(p, NULL, nm, exprs, n_exprs, seed, B, sd);
}

void rs_point_bootstrap_paired_sd(const rs_point *p, const rs_point *ref, const rs_planner_names *nm,
                                  rs_expr *const *exprs, size_t n_exprs, uint64_t seed, size_t B, double *sd)
{
    for (size_t k = 0; k < n_exprs; k++)
        sd[k] = NAN;
    if (ref && ref->reps != p->reps)
        return;
    size_t m = 0, n = p->reps ? p->reps : 1;
    size_t *idx = malloc(n * sizeof *idx);
    rs_rep_result *res = malloc(n * sizeof *res), *rres = malloc(n * sizeof *rres);
    unsigned char *done = malloc(n);
    double *values = malloc((nm->n + 1) * sizeof *values), *rvalues = malloc((nm->n + 1) * sizeof *rvalues);
    double *acc = calloc(2 * n_exprs + 1, sizeof *acc);
    size_t *cnt = calloc(n_exprs + 1, sizeof *cnt);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!idx || !res || !rres || !done || !values || !rvalues || !acc || !cnt || !r)
        goto out;
    for (size_t i = 0; i < p->reps; i++)
        if (p->done[i] && (!ref || ref->done[i]))
            idx[m++] = i;
    if (m < 2)
        goto out;
    gsl_rng_set(r, (unsigned long)(seed ^ (seed >> 32)) ^ 0x5bd1e995UL);
    memset(done, 1, m);
    for (size_t b = 0; b < B; b++) {
        for (size_t i = 0; i < m; i++) { /* the same replications for both points: their pairing is kept */
            size_t j = idx[gsl_rng_uniform_int(r, m)];
            res[i] = p->res[j];
            if (ref)
                rres[i] = ref->res[j];
        }
        json_t *est = rs_report_estimates(res, done, m), *rest = ref ? rs_report_estimates(rres, done, m) : NULL;
        if (!est || (ref && !rest)) {
            json_decref(est);
            json_decref(rest);
            break;
        }
        rs_planner_values(nm, est, values);
        if (ref)
            rs_planner_values(nm, rest, rvalues);
        json_decref(est);
        json_decref(rest);
        for (size_t k = 0; k < n_exprs; k++) {
            double y = rs_expr_eval(exprs[k], values) - (ref ? rs_expr_eval(exprs[k], rvalues) : 0);
            if (isfinite(y)) { /* Welford: acc[2k] the running mean, acc[2k+1] the sum of squared deviations */
                cnt[k]++;
                double d = y - acc[2 * k];
                acc[2 * k] += d / (double)cnt[k];
                acc[2 * k + 1] += d * (y - acc[2 * k]);
            }
        }
    }
    for (size_t k = 0; k < n_exprs; k++)
        if (cnt[k] >= 2)
            sd[k] = sqrt(acc[2 * k + 1] / (double)(cnt[k] - 1) / (ref ? 2 : 1));
out:
    gsl_rng_free(r);
    free(idx);
    free(res);
    free(rres);
    free(done);
    free(values);
    free(rvalues);
    free(acc);
    free(cnt);
}

rs_status rs_planner_write_file(const char *dir, const char *name, const char *text, size_t len, rs_error *err)
{
    rs_atomic_file af;
    rs_status st = rs_atomic_open(&af, dir, name, err);
    if (st)
        return st;
    errno = 0; /* a failure below names its own reason, not an older one */
    if (fwrite(text, 1, len, af.f) != len) {
        int saved = errno ? errno : EIO;
        rs_atomic_abort(&af);
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot write %s/%s: %s", dir, name, strerror(saved));
    }
    return rs_atomic_commit(&af, err);
}

void rs_planner_error_option(rs_error *err, const char *option, const char *arg)
{
    if (!strncmp(err->msg, "--set ", 6)) { /* the loader's own "--set KEY=VALUE: " head: drop it */
        const char *rest = strstr(err->msg, ": ");
        if (rest) {
            char tail[sizeof err->msg];
            snprintf(tail, sizeof tail, "%s", rest + 2);
            snprintf(err->msg, sizeof err->msg, "%s", tail);
        }
    }
    rs_error_prefix(err, "%s %s", option, arg);
}

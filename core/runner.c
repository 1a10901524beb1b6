#include "runner.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dist.h"
#include "luapolicy.h"
#include "output.h"
#include "plugin.h"
#include "report.h"

/* Replications finished out of order wait in a ring until every earlier one is written; a worker does not run
 * further ahead than this of the oldest unwritten replication, which bounds the memory the ring holds. */
#define RS_WINDOW 1024

#define N_REP_FILES (RS_FILE_SEGMENTS + 1) /* curves, runs, events, segments: written per replication */

typedef struct rep_block {
    char *text[N_REP_FILES]; /* rows of curves.csv, runs.csv, events.csv, segments.csv */
    size_t len[N_REP_FILES];
    int state; /* 0 empty, 1 ready, 2 failed or interrupted (nothing to write) */
} rep_block;

/* One policy's replications first .. reps - 1 (this rank's slice, see dist.h) on a pool of threads. */
typedef struct job {
    const rs_scenario *sc;
    const rs_policy_type *type;
    const rs_value *params;
    const char *label;
    const rs_run_options *opt;
    size_t first, reps, n_samples;
    rs_rep_result *res;
    unsigned char *done;
    uint32_t *band_n, *band_exposed, *band_harmed, *band_regret; /* [(rep - band_first) * n_samples + i]; regret:
                                                                   float bits (rs_report_band_float) */
    size_t band_first;
    FILE **files;

    pthread_mutex_t lock;
    pthread_cond_t moved; /* next_write advanced */
    size_t next_rep, next_write, finished;
    rep_block ring[RS_WINDOW];
    rs_status st; /* the first failure, with its message */
    rs_error err;
    uint64_t requests;
    double t0, last_draw;
    size_t progress_done, progress_total;
} job;

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The progress bar on stderr (a terminal only): done / total, rate, ETA. Called with the lock held. */
static void draw_progress(job *j, int final)
{
    if (!j->opt->progress)
        return;
    double t = now_seconds();
    if (!final && t - j->last_draw < 0.1)
        return;
    j->last_draw = t;
    size_t done = j->progress_done, total = j->progress_total;
    double rate = done / fmax(t - j->t0, 1e-9), eta = rate > 0 ? (double)(total - done) / rate : 0;
    char bar[31];
    size_t fill = total ? 30 * done / total : 30;
    for (size_t i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r%s [%s] %zu/%zu replications, %.1f/s, ETA %.0f s ", j->label, bar, done, total, rate, eta);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

/* Writes every ready block at the head of the ring, in replication order. Called with the lock held. */
static void flush_ready(job *j, int skip_gaps)
{
    while (j->next_write < j->reps) {
        rep_block *b = &j->ring[j->next_write % RS_WINDOW];
        if (b->state == 0 && !skip_gaps)
            break;
        if (b->state == 1 && j->files)
            for (int k = 0; k < N_REP_FILES; k++)
                fwrite(b->text[k], 1, b->len[k], j->files[k]);
        for (int k = 0; k < N_REP_FILES; k++)
            free(b->text[k]);
        memset(b, 0, sizeof *b);
        j->next_write++;
    }
    pthread_cond_broadcast(&j->moved);
}

static void fail(job *j, rs_status st, const rs_error *err)
{
    if (!j->st) {
        j->st = st;
        j->err = *err;
    }
}

static void *worker(void *arg)
{
    job *j = arg;
    rs_sim *sim = NULL;
    rs_error err = {0};
    rs_status st = rs_sim_alloc(j->sc, j->type, j->params, &sim, &err);
    pthread_mutex_lock(&j->lock);
    if (st)
        fail(j, st, &err);
    else
        rs_sim_set_stop(sim, j->opt->stop);
    for (;;) {
        while (!j->st && j->next_rep < j->reps && j->next_rep >= j->next_write + RS_WINDOW &&
               !(j->opt->stop && *j->opt->stop))
            pthread_cond_wait(&j->moved, &j->lock);
        if (j->st || j->next_rep >= j->reps || (j->opt->stop && *j->opt->stop))
            break;
        size_t r = j->next_rep++;
        pthread_mutex_unlock(&j->lock);

        rs_rep_result res;
        st = rs_sim_run(sim, (uint32_t)r, &res, &err);
        rep_block b = {.state = 2};
        if (!st && !j->files) { /* a batch kept in memory (sweep, optimize): no rows to format */
            b.state = 1;
        } else if (!st) {
            FILE *f[N_REP_FILES];
            int ok = 1;
            for (int k = 0; k < N_REP_FILES; k++)
                ok &= (f[k] = open_memstream(&b.text[k], &b.len[k])) != NULL;
            if (ok)
                rs_report_rep(f, j->sc, sim, (uint32_t)r, &res, r < j->sc->curves_reps, j->label);
            for (int k = 0; k < N_REP_FILES; k++)
                if (f[k])
                    ok &= fclose(f[k]) == 0;
            if (!ok)
                st = RS_SET(&err, RS_ERR_RUNTIME, "out of memory formatting replication %zu", r);
            size_t ns;
            const rs_sample *smp = rs_sim_samples(sim, &ns, NULL);
            size_t at = (r - j->band_first) * j->n_samples;
            for (size_t i = 0; i < ns && i < j->n_samples; i++) {
                j->band_n[at + i] = (uint32_t)smp[i].n;
                j->band_exposed[at + i] = (uint32_t)smp[i].exposed;
                j->band_harmed[at + i] = (uint32_t)smp[i].harmed;
                j->band_regret[at + i] = rs_report_band_float(smp[i].regret);
            }
            b.state = st ? 2 : 1;
        }

        pthread_mutex_lock(&j->lock);
        if (!st) {
            j->res[r] = res;
            j->done[r] = 1;
            j->requests += res.requests;
            j->finished++;
            j->progress_done++;
            draw_progress(j, 0);
        } else if (st != RS_ERR_INTERRUPTED) {
            fail(j, st, &err);
        }
        j->ring[r % RS_WINDOW] = b;
        flush_ready(j, 0);
    }
    pthread_cond_broadcast(&j->moved);
    pthread_mutex_unlock(&j->lock);
    rs_sim_free(sim);
    return NULL;
}

/* Runs one policy's replications; the rows go to files[0..2] in replication order. */
static rs_status run_job(job *j, rs_error *err)
{
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->moved, NULL);
    j->next_rep = j->next_write = j->first;
    unsigned jobs = j->opt->jobs ? j->opt->jobs : 1;
    if (jobs > j->reps - j->first)
        jobs = j->reps > j->first ? (unsigned)(j->reps - j->first) : 1;
    pthread_t *threads = calloc(jobs, sizeof *threads);
    unsigned started = 0;
    if (!threads)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    if (jobs == 1) {
        worker(j);
    } else {
        for (; started < jobs; started++)
            if (pthread_create(&threads[started], NULL, worker, j))
                break;
        if (started == 0) {
            free(threads);
            RS_FAIL(err, RS_ERR_RUNTIME, "cannot start a thread");
        }
        for (unsigned i = 0; i < started; i++)
            pthread_join(threads[i], NULL);
    }
    free(threads);
    pthread_mutex_lock(&j->lock);
    flush_ready(j, 1); /* after an interrupt: the finished replications, in order, around the gaps */
    pthread_mutex_unlock(&j->lock);
    pthread_cond_destroy(&j->moved);
    pthread_mutex_destroy(&j->lock);
    if (j->st) {
        *err = j->err;
        return j->st;
    }
    return RS_OK;
}

/* Under MPI, after each rank ran its slice of one policy: ranks 1 .. K-1, in rank order, send rank 0 their
 * finished replications' results, band samples and formatted rows, which rank 0 appends to the files after its
 * own (the slices are contiguous, so the rows stay in replication order). Only finished replications travel
 * (packed), so that an interrupted run's gather is quick: Open MPI kills the ranks a second after passing on
 * a Ctrl-C. A rank sends everything even after a failure, so that the exchange always completes; the status is
 * agreed afterwards. mem / text / len: a rank's rows in memory. */
static void gather_slices(job *j, size_t reps, FILE **files, FILE **mem, char **text, size_t *len)
{
    int rank = rs_dist_rank(), size = rs_dist_size();
    size_t ns = j->n_samples, lo, hi;
    uint32_t *const band[4] = {j->band_n, j->band_exposed, j->band_harmed, j->band_regret};
    if (rank != 0) {
        rs_dist_slice(reps, rank, &lo, &hi);
        uint64_t head[N_REP_FILES];
        for (int k = 0; k < N_REP_FILES; k++) {
            if (mem[k] && fclose(mem[k]) != 0)
                len[k] = 0;
            mem[k] = NULL;
            head[k] = text[k] ? len[k] : 0;
        }
        size_t m = 0; /* pack the finished ones to the front (this rank's copies are not used again) */
        for (size_t r = lo; r < hi; r++) {
            if (!j->done[r])
                continue;
            j->res[lo + m] = j->res[r];
            for (int b = 0; b < 4; b++)
                memmove(band[b] + m * ns, band[b] + (r - lo) * ns, ns * sizeof *band[b]);
            m++;
        }
        rs_dist_send(0, head, sizeof head);
        rs_dist_send(0, j->done + lo, hi - lo);
        rs_dist_send(0, j->res + lo, m * sizeof *j->res);
        for (int b = 0; b < 4; b++)
            rs_dist_send(0, band[b], m * ns * sizeof *band[b]);
        for (int k = 0; k < N_REP_FILES; k++)
            rs_dist_send(0, text[k], head[k]);
        return;
    }
    for (int from = 1; from < size; from++) {
        rs_dist_slice(reps, from, &lo, &hi);
        uint64_t head[N_REP_FILES];
        rs_dist_recv(from, head, sizeof head);
        rs_dist_recv(from, j->done + lo, hi - lo);
        size_t m = 0;
        for (size_t r = lo; r < hi; r++)
            m += j->done[r] != 0;
        /* received packed at the slice's start, then spread out from the back (a target is never below its
         * source) */
        rs_dist_recv(from, j->res + lo, m * sizeof *j->res);
        for (int b = 0; b < 4; b++)
            rs_dist_recv(from, band[b] + lo * ns, m * ns * sizeof *band[b]);
        for (size_t r = hi, i = m; r-- > lo && i > 0;) {
            if (!j->done[r])
                continue;
            i--;
            j->res[r] = j->res[lo + i];
            for (int b = 0; b < 4; b++)
                memmove(band[b] + r * ns, band[b] + (lo + i) * ns, ns * sizeof *band[b]);
        }
        for (int k = 0; k < N_REP_FILES; k++) {
            char *buf = malloc(head[k] ? head[k] : 1);
            if (!buf) /* the exchange cannot be left half done: end the whole job */
                abort();
            rs_dist_recv(from, buf, head[k]);
            fwrite(buf, 1, head[k], files[k]);
            free(buf);
        }
    }
}

static void fill_policy_report(rs_policy_report *p, const char *label, const rs_rep_result *res,
                               const unsigned char *done, size_t reps, json_t *est)
{
    snprintf(p->label, sizeof p->label, "%s", label);
    for (size_t r = 0; r < reps; r++) {
        if (!done[r])
            continue;
        p->reps_done++;
        p->promoted += res[r].outcome == RS_OUTCOME_PROMOTED;
        p->rolled_back += res[r].outcome == RS_OUTCOME_ROLLED_BACK;
        p->incomplete += res[r].outcome == RS_OUTCOME_INCOMPLETE;
        p->bad += res[r].bad;
        p->escapes += res[r].outcome == RS_OUTCOME_PROMOTED && res[r].promoted_bad;
        p->false_rollbacks += res[r].outcome == RS_OUTCOME_ROLLED_BACK && !res[r].bad;
    }
    if (done[0])
        p->first = res[0];
    p->harm_mean = json_real_value(json_object_get(json_object_get(est, "harm"), "mean"));
    p->harm_p95 = json_real_value(json_object_get(json_object_get(est, "harm"), "p95"));
    p->exposed_mean = json_real_value(json_object_get(json_object_get(est, "exposed"), "mean"));
    json_t *ex = json_object_get(est, "excess_harm");
    p->excess_mean = json_number_value(json_object_get(ex, "mean"));
    p->excess_lo = json_is_number(json_object_get(ex, "lo")) ? json_number_value(json_object_get(ex, "lo")) : NAN;
    p->excess_hi = json_is_number(json_object_get(ex, "hi")) ? json_number_value(json_object_get(ex, "hi")) : NAN;
}

typedef struct loaded_policy {
    rs_plugin plugin;
    rs_value params;
    rs_rep_result *res;
    unsigned char *done;
} loaded_policy;

/* Loads a policy's plugin (a path relative to the scenario's folder first) and resolves its parameters. */
static rs_status load_policy(const rs_scenario *sc, const rs_policy_choice *c, size_t n_policies,
                             loaded_policy *lp, rs_error *err)
{
    char spec[4096], prefix[512];
    const char *slash = strrchr(sc->file, '/');
    snprintf(spec, sizeof spec, "%s", c->plugin);
    if (strchr(c->plugin, '/') && c->plugin[0] != '/' && slash) {
        snprintf(spec, sizeof spec, "%.*s/%s", (int)(slash - sc->file), sc->file, c->plugin);
        if (access(spec, F_OK) != 0)
            snprintf(spec, sizeof spec, "%s", c->plugin);
    }
    if (n_policies > 1)
        snprintf(prefix, sizeof prefix, "policy %s", c->label);
    else
        snprintf(prefix, sizeof prefix, "%s: policy", sc->file);
    rs_status st;
    if (!strcmp(c->plugin, RS_LUA_POLICY_NAME)) { /* the scenario's own function, built in */
        if (!sc->lua || !sc->policy_ref)
            RS_FAIL(err, RS_ERR_INPUT, "%s: policy \"lua\" runs the scenario's policy function, and it has none",
                    prefix);
        lp->plugin.type = rs_lua_policy_type();
        return rs_plugin_resolve_params(lp->plugin.type, c->params, prefix, &lp->params, err);
    }
    st = rs_plugin_load(spec, &lp->plugin, err);
    if (st) {
        rs_error_prefix(err, "%s%s", prefix, n_policies > 1 ? "" : ".name");
        return st;
    }
    return rs_plugin_resolve_params(lp->plugin.type, c->params, prefix, &lp->params, err);
}

rs_status rs_run(const rs_scenario *sc, const rs_policy_choice *policies, size_t n_policies,
                 const rs_run_options *opt, rs_run_report *report, rs_error *err)
{
    memset(report, 0, sizeof *report);
    if (n_policies == 0 || n_policies > RS_MAX_POLICIES)
        RS_FAIL(err, RS_ERR_INPUT, "expected 1 to %d policies, got %zu", RS_MAX_POLICIES, n_policies);
    size_t reps = sc->replications;
    size_t n_samples = (size_t)floor(sc->horizon / sc->sample_every * (1 + 1e-12)) + 1;
    if ((double)reps * (double)n_samples * 16 > (double)((size_t)2 << 30))
        RS_FAIL(err, RS_ERR_INPUT,
                "%s: %zu replications x %zu samples: bands.csv would need more than 2 GiB; raise sample_every or "
                "run fewer replications",
                sc->file, reps, n_samples);
    report->reps = reps;
    report->n_policies = n_policies;
    report->ranks = rs_dist_size();
    /* This rank's slice; rank 0 keeps every replication's band samples (it writes bands.csv), the others their
     * slice's only. */
    int rank = rs_dist_rank();
    size_t lo, hi;
    rs_dist_slice(reps, rank, &lo, &hi);
    size_t band_reps = rank == 0 ? reps : hi - lo;

    loaded_policy *lp = calloc(n_policies, sizeof *lp);
    uint32_t *bands = calloc(4 * band_reps * n_samples + 1, sizeof *bands);
    job *j = calloc(1, sizeof *j);
    rs_atomic_file af[RS_FILE_COUNT];
    FILE *files[RS_FILE_COUNT];
    size_t opened = 0, loaded = 0;
    int created_dir = 0;
    rs_status st = RS_OK;
    if (!lp || !bands || !j)
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory for %zu replications", reps);
    for (; !st && loaded < n_policies; loaded++) {
        st = load_policy(sc, &policies[loaded], n_policies, &lp[loaded], err);
        if (!st) {
            lp[loaded].res = calloc(reps, sizeof *lp[loaded].res);
            lp[loaded].done = calloc(reps, 1);
            if (!lp[loaded].res || !lp[loaded].done)
                st = RS_SET(err, RS_ERR_RUNTIME, "out of memory for %zu replications", reps);
        }
        if (!st) { /* let the plugin judge its parameters before anything is written */
            rs_sim *check = NULL;
            st = rs_sim_alloc(sc, lp[loaded].plugin.type, &lp[loaded].params, &check, err);
            if (!st)
                st = rs_sim_check_policy(check, err);
            rs_sim_free(check);
            if (st && n_policies > 1)
                rs_error_prefix(err, "policy %s", policies[loaded].label);
        }
        if (st) {
            loaded++; /* release what this one holds too */
            break;
        }
    }
    if (!st)
        st = rs_output_prepare_dir(opt->out_dir, &created_dir, err);
    for (; !st && opened < RS_FILE_COUNT; opened++) {
        st = rs_atomic_open(&af[opened], opt->out_dir, rs_report_file_names[opened], err);
        files[opened] = af[opened].f;
        if (st)
            break;
    }
    st = rs_dist_agree(st, err); /* a policy that loads on one rank only fails the run on every rank */
    int interrupted = 0;
    if (!st) {
        rs_report_headers(files, sc);
        double t0 = now_seconds();
        for (size_t p = 0; p < n_policies && !st && !interrupted; p++) {
            /* Ranks other than 0 format their rows into memory, for rank 0 to write. */
            FILE *mem[N_REP_FILES] = {0};
            char *text[N_REP_FILES] = {0};
            size_t len[N_REP_FILES] = {0};
            rs_status own = RS_OK;
            for (int k = 0; k < N_REP_FILES && rank != 0; k++)
                if (!(mem[k] = open_memstream(&text[k], &len[k])))
                    own = RS_SET(err, RS_ERR_RUNTIME, "out of memory for the rows of %zu replications", hi - lo);
            memset(j, 0, sizeof *j);
            *j = (job){.sc = sc, .type = lp[p].plugin.type, .params = &lp[p].params, .label = policies[p].label,
                       .opt = opt, .first = lo, .reps = hi, .n_samples = n_samples, .res = lp[p].res,
                       .done = lp[p].done, .band_n = bands, .band_exposed = bands + band_reps * n_samples,
                       .band_harmed = bands + 2 * band_reps * n_samples,
                       .band_regret = bands + 3 * band_reps * n_samples, .band_first = rank == 0 ? 0 : lo,
                       .files = rank == 0 ? files : mem, .t0 = now_seconds(), .progress_total = hi - lo};
            if (!own)
                own = run_job(j, err);
            draw_progress(j, 1); /* the threads have ended: no lock needed */
            rs_dist_sum(0); /* every rank at the gather: what follows times the transfer, not the slowest slice */
            double g0 = now_seconds();
            gather_slices(j, reps, files, mem, text, len);
            report->gather_seconds += now_seconds() - g0;
            for (int k = 0; k < N_REP_FILES; k++) {
                if (mem[k])
                    fclose(mem[k]);
                free(text[k]);
            }
            report->requests += rs_dist_sum(j->requests);
            size_t finished = (size_t)rs_dist_sum(j->finished);
            st = rs_dist_agree(own, err);
            if (!st) {
                if (rank == 0)
                    rs_report_bands(files[RS_FILE_BANDS], sc, n_samples, reps, lp[p].done, j->band_n,
                                    j->band_exposed, j->band_harmed, j->band_regret, policies[p].label);
                interrupted = finished < reps;
            }
        }
        report->seconds = now_seconds() - t0;
    }
    if (!st && rank == 0) { /* the other ranks hold only their slices: rank 0 alone sums up */
        report->partial = interrupted;
        json_t *pols = json_array(), *paired = json_array();
        for (size_t p = 0; p < n_policies; p++) {
            json_t *est = rs_report_estimates(lp[p].res, lp[p].done, reps);
            fill_policy_report(&report->policy[p], policies[p].label, lp[p].res, lp[p].done, reps, est);
            json_array_append_new(pols, json_pack("{s:s,s:s,s:o,s:I,s:o}", "label", policies[p].label, "plugin",
                                                  lp[p].plugin.type->name, "params",
                                                  rs_report_params(&lp[p].params), "replications",
                                                  (json_int_t)report->policy[p].reps_done, "estimates", est));
            for (size_t q = 0; q < p; q++) {
                json_t *d = rs_report_paired(lp[q].res, lp[p].res, lp[q].done, lp[p].done, reps);
                json_object_set_new(d, "a", json_string(policies[q].label));
                json_object_set_new(d, "b", json_string(policies[p].label));
                json_array_append_new(paired, d);
            }
        }
        json_t *j_sum = json_pack("{s:s,s:s,s:s,s:I,s:I,s:b,s:f,s:f,s:I,s:o,s:o}", "rollsim", ROLLSIM_VERSION,
                                  "scenario", sc->name, "scenario_file", sc->file, "seed", (json_int_t)sc->seed,
                                  "replications", (json_int_t)reps, "partial", interrupted, "horizon", sc->horizon,
                                  "sample_every", sc->sample_every, "users", (json_int_t)sc->total_users,
                                  "policies", pols, "paired", paired);
        if (j_sum)
            json_object_set_new(j_sum, "format", json_integer(RS_SUMMARY_FORMAT));
        errno = 0; /* a failure below names its own reason, not an older one */
        if (rs_report_json_write(files[RS_FILE_SUMMARY], j_sum))
            st = RS_SET(err, RS_ERR_RUNTIME, "cannot write summary.json: %s", strerror(errno ? errno : EIO));
        json_decref(j_sum);
    }
    for (size_t i = 0; i < opened; i++) {
        if (!st)
            st = rs_atomic_commit(&af[i], err);
        else
            rs_atomic_abort(&af[i]);
    }
    st = rs_dist_agree(st, err); /* every rank ends with rank 0's verdict on the files, so with one exit code */
    if (st && created_dir)
        rmdir(opt->out_dir); /* leave no empty folder behind a failed run (rmdir keeps a non-empty one) */
    for (size_t p = 0; lp && p < loaded; p++) {
        free(lp[p].res);
        free(lp[p].done);
        rs_value_clear(&lp[p].params);
        rs_plugin_unload(&lp[p].plugin);
    }
    free(lp);
    free(bands);
    free(j);
    if (!st && interrupted)
        RS_FAIL(err, RS_ERR_INTERRUPTED, "interrupted: wrote the %zu replications that had finished to %s/ "
                                         "(summary.json says \"partial\": true)",
                report->policy[0].reps_done, opt->out_dir);
    return st;
}

/* Loads one policy and lets the plugin judge its parameters once (create and destroy), before anything runs. */
static rs_status load_checked(const rs_scenario *sc, const rs_policy_choice *policy, loaded_policy *lp,
                              rs_error *err)
{
    memset(lp, 0, sizeof *lp);
    rs_status st = load_policy(sc, policy, 1, lp, err);
    if (!st) {
        rs_sim *check = NULL;
        st = rs_sim_alloc(sc, lp->plugin.type, &lp->params, &check, err);
        if (!st)
            st = rs_sim_check_policy(check, err);
        rs_sim_free(check);
    }
    return st;
}

rs_status rs_run_check(const rs_scenario *sc, const rs_policy_choice *policy, rs_error *err)
{
    loaded_policy lp;
    rs_status st = load_checked(sc, policy, &lp, err);
    rs_value_clear(&lp.params);
    rs_plugin_unload(&lp.plugin);
    return st;
}

rs_status rs_run_batch(const rs_scenario *sc, const rs_policy_choice *policy, const rs_run_options *opt,
                       rs_rep_result *res, unsigned char *done, uint64_t *requests, json_t **params_out,
                       rs_error *err)
{
    if (params_out)
        *params_out = NULL;
    size_t reps = sc->replications;
    memset(done, 0, reps);
    if (requests)
        *requests = 0;
    loaded_policy lp;
    rs_status st = load_checked(sc, policy, &lp, err);
    job *j = st ? NULL : calloc(1, sizeof *j);
    if (!st && !j)
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    st = rs_dist_agree(st, err);
    if (!st) {
        /* Each rank runs its slice; then every rank gets every result, so that the planner, which runs the
         * same loop on every rank, sees the same estimates everywhere and makes the same next choice. */
        size_t lo, hi;
        rs_dist_slice(reps, rs_dist_rank(), &lo, &hi);
        rs_run_options quiet = *opt;
        quiet.progress = 0; /* the caller draws its own progress line */
        *j = (job){.sc = sc, .type = lp.plugin.type, .params = &lp.params, .label = policy->label, .opt = &quiet,
                   .first = lo, .reps = hi, .n_samples = 0, .res = res, .done = done, .files = NULL,
                   .t0 = now_seconds(), .progress_total = hi - lo};
        st = run_job(j, err);
        rs_dist_share(res, sizeof *res, reps);
        rs_dist_share(done, 1, reps);
        uint64_t req = rs_dist_sum(j->requests);
        size_t finished = (size_t)rs_dist_sum(j->finished);
        st = rs_dist_agree(st, err);
        if (requests)
            *requests = req;
        if (!st && finished < reps)
            st = RS_SET(err, RS_ERR_INTERRUPTED, "interrupted after %zu of %zu replications", finished, reps);
    }
    if (!st && params_out)
        *params_out = rs_report_params(&lp.params);
    free(j);
    rs_value_clear(&lp.params);
    rs_plugin_unload(&lp.plugin);
    return st;
}

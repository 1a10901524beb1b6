/* The production gates flagger, threshold and argo (SPEC §7) validated through their risk: the probability of
 * a false rollback under A/A (candidate error rate = baseline's) and of a rollback of a worse candidate (power),
 * with promotion and the incomplete rest, each against an EXACT computation written here from the gates'
 * semantics (a dynamic programme over the Poisson request counts and binomial error counts of the checks),
 * independent of rollsim's code.
 *
 * Each gate is checked twice:
 *  1. the exact law against a direct Monte Carlo of the state machines of core/prodgates.h (rs_flagger_check,
 *     rs_threshold_check, rs_argo_check) fed with GSL Poisson / binomial draws and driven as the semantics
 *     below say (a check of the DP and of the state machines, without the simulator);
 *  2. the exact law against the simulator itself (fixed_stages with gate = 'flagger' | 'threshold' | 'argo'
 *     on a one-segment population), per-replication outcomes from rs_sim_run.
 *
 * The law of one check. One segment of U users at `rate` requests per user per hour; the candidate at weight w
 * holds exactly floor(w U) users (sticky routing, SPEC §2) and each request goes to a uniformly drawn user, so
 * the candidate's requests in a window of length h are Poisson(floor(w U) rate h), independent across disjoint
 * windows (a thinned Poisson process), and each is an error with probability p independently: given n requests
 * the errors are Binomial(n, p). Every check here judges the metric v = errors / requests over the last interval
 * only ("interval" window), so successive checks are independent given the weights, and a check's law depends
 * only on mu = floor(w U) rate h: P(no data) = e^-mu, and P(v in a class) = sum_{n >= 1} Pois(n; mu) sum_x
 * Bin(x; n, p) 1{x/n in the class}. The Poisson sum is cut where its tail is < 1e-15 (asserted with GSL's
 * Poisson CDF); the binomial sum is complete. With at most 40 checks a law's total truncation is < 1e-13.
 *
 * Tolerance: every simulated frequency f over R replications is compared with the exact probability P within
 * 4 Monte Carlo standard errors, 4 sqrt(P (1 - P) / R): for a normal estimate a two-sided false-failure
 * probability of 6e-5 per comparison, so a failure means a bug, while a bias of a few standard errors is
 * caught. Seeds are fixed (the scenario's seed, replications 0..R-1; GSL's mt19937 with a fixed seed for the
 * direct Monte Carlo), so a run is reproducible. R and the populations are small (about 1000 requests per
 * replication) so the file runs in seconds, also under ASan. */
#include "simtest.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>

#include "prodgates.h"

#define MAX_STAGES 4
#define MAX_CHECKS 40

/* ---- The law of one check ---------------------------------------------------------------------------------- */

/* A check's classes by its metric v = x / n: none = P(n = 0); lo = P(n >= 1, v <= a); mid = P(n >= 1, a < v
 * <= b); hi = P(n >= 1, v > b). A one-bound gate (flagger, threshold) uses a = b = its max, so mid = 0. */
typedef struct check_law {
    double none, lo, mid, hi;
} check_law;

static check_law check_law_of(double mu, double p, double a, double b)
{
    check_law l = {gsl_ran_poisson_pdf(0, mu), 0, 0, 0};
    const unsigned top = (unsigned)ceil(mu + 12 * sqrt(mu) + 40);
    assert_true(gsl_cdf_poisson_Q(top, mu) < 1e-15); /* P(n > top): the only mass left out */
    for (unsigned n = 1; n <= top; n++) {
        const double pn = gsl_ran_poisson_pdf(n, mu);
        for (unsigned x = 0; x <= n; x++) {
            const double w = pn * gsl_ran_binomial_pdf(x, p, n), v = (double)x / n;
            if (v <= a)
                l.lo += w;
            else if (v <= b)
                l.mid += w;
            else
                l.hi += w;
        }
    }
    assert_true(fabs(l.none + l.lo + l.mid + l.hi - 1) < 1e-13);
    return l;
}

/* The exact outcome law of a rollout: P(rollback), P(promote) (the policy promotes: Flagger's pass at the last
 * rung, the last stage's end or its Argo run's success), P(incomplete) (pause, or the horizon reached
 * mid-rollout), with the rollbacks and promotions split by the check at which they happen (time j h, h the
 * check interval).
 *
 * The simulator's own outcome (rs_rep_result.outcome, SPEC §2) calls a replication "promoted" when a candidate
 * reached weight 1 and was not rolled back, whether or not the policy promoted: a rollout paused (Argo
 * Inconclusive) or cut by the horizon in a last stage at weight 1 is "promoted" there. `full_unfinished` is
 * that part of P(incomplete), so P(outcome = promoted) = promote + full_unfinished. */
typedef struct gate_law {
    double rollback, promote, incomplete, pause;
    double full_unfinished; /* incomplete with the candidate at weight 1 (paused or cut in the last stage) */
    double rollback_error;  /* argo: the part of rollback due to consecutive errors (no data) */
    double last_running;    /* argo: the last stage's run still Running at its end (assumed to promote) */
    double rollback_at[MAX_CHECKS + 1], promote_at[MAX_CHECKS + 1];
} gate_law;

static void law_check_total(const gate_law *g)
{
    double total = g->rollback + g->promote + g->incomplete;
    assert_true(total > 1 - 1e-12 && total < 1 + 1e-12);
}

/* floor(w U) as the simulator's routing takes it (SPEC §2), checked against the count the design states. */
static unsigned cand_users(double w, unsigned users, unsigned expected)
{
    unsigned c = (unsigned)floor(w * users);
    assert_int_equal(c, expected);
    return c;
}

/* ---- flagger ------------------------------------------------------------------------------------------------ */

/* Flagger: at t = 0 the analysis starts and the weight goes to the first rung without any check. Then a check
 * every `interval` h (at j interval < horizon): first, if the cumulative failed-check counter f has reached
 * `threshold`, roll back without looking at anything; otherwise the check fails when the last interval had no
 * request or v > max (v == max passes): f + 1, the rung is held; a pass below the last rung moves one rung up,
 * a pass at the last rung promotes. */
typedef struct flagger_design {
    unsigned users;
    double rate, interval;
    size_t n_rungs;
    double w[MAX_STAGES];
    unsigned cand[MAX_STAGES]; /* floor(w U), stated */
    unsigned threshold;
    double max;
} flagger_design;

/* 200 users at 1 request/h; rungs 1 %, 10 %, 30 % = 2, 20 and 60 users, so a 1 h interval holds Poisson(2),
 * Poisson(20), Poisson(60) candidate requests: no data is common on the first rung (e^-2 = 0.135), and a single
 * error fails the first two rungs (1/20 > 0.03). */
static const flagger_design FLAGGER = {200, 1, 1, 3, {0.01, 0.1, 0.3}, {2, 20, 60}, 2, 0.03};

/* The exact law, a DP over (rung k, failed count f): mass m[k][f] before check j. With q_k = P(check fails at
 * rung k) = P(n = 0) + P(n >= 1, v > max) (the check law at mu_k = floor(w_k U) rate interval), a check takes
 * (k, f < threshold) to (k, f + 1) with probability q_k and to (k + 1, f) — or promotion at the last rung —
 * with 1 - q_k; (k, f = threshold) rolls back at that check whatever the data. Mass left after the last check
 * before the horizon is incomplete. */
static void flagger_exact(const flagger_design *d, double p, double horizon, gate_law *g)
{
    memset(g, 0, sizeof *g);
    const size_t K = d->n_rungs;
    const unsigned T = d->threshold;
    assert_true(K <= MAX_STAGES && T <= 8);
    double fail[MAX_STAGES], pass[MAX_STAGES];
    for (size_t k = 0; k < K; k++) {
        check_law l = check_law_of(cand_users(d->w[k], d->users, d->cand[k]) * d->rate * d->interval, p, d->max,
                                   d->max);
        fail[k] = l.none + l.hi;
        pass[k] = l.lo;
    }
    /* Chain step j is Flagger's tick j + 1 (tick 0 detects the revision, tick 1 starts the analysis): a
     * rollback decided there is at (j + 1) intervals; a pass at the last rung sets Promoting, and the
     * promotion (phase Succeeded, weight 1) comes two ticks later, at (j + 3) intervals, if the horizon allows
     * (else the rollout is incomplete; nothing can roll it back once Promoting). */
    double m[MAX_STAGES][9] = {{0}};
    m[0][0] = 1;
    for (unsigned j = 1; (j + 1) * d->interval < horizon; j++) {
        assert_true(j + 3 <= MAX_CHECKS);
        double nm[MAX_STAGES][9] = {{0}};
        for (size_t k = 0; k < K; k++)
            for (unsigned f = 0; f <= T; f++) {
                const double x = m[k][f];
                if (x == 0)
                    continue;
                if (f >= T) {
                    g->rollback += x, g->rollback_at[j + 1] += x;
                    continue;
                }
                nm[k][f + 1] += x * fail[k];
                if (k + 1 < K)
                    nm[k + 1][f] += x * pass[k];
                else if ((j + 3) * d->interval < horizon)
                    g->promote += x * pass[k], g->promote_at[j + 3] += x * pass[k];
                else
                    g->incomplete += x * pass[k];
            }
        memcpy(m, nm, sizeof m);
    }
    for (size_t k = 0; k < K; k++)
        for (unsigned f = 0; f <= T; f++)
            g->incomplete += m[k][f];
    law_check_total(g);
}

/* The state machine driven as above: check 0 at t = 0 starts the analysis, check j at t = j interval sees the
 * data of ((j - 1) interval, j interval] at the weight the previous check left. */
static void flagger_state_machine_mc(const flagger_design *d, double p, double horizon, unsigned R, gsl_rng *rng,
                                     unsigned counts[3])
{
    rs_metric_range metric = {"error_rate", NAN, d->max};
    unsigned steps[MAX_STAGES];
    for (size_t k = 0; k < d->n_rungs; k++)
        steps[k] = (unsigned)lround(d->w[k] * 100);
    rs_flagger_config cfg = {&metric, 1, d->threshold, 0, steps, d->n_rungs, 0, 0, 0};
    assert_int_equal(rs_flagger_validate(&cfg, NULL), RS_OK);
    counts[0] = counts[1] = counts[2] = 0;
    for (unsigned r = 0; r < R; r++) {
        rs_flagger_state st;
        rs_flagger_init(&st);
        rs_pg_result res;
        rs_metric_value v = {NAN, 0};
        /* the detection tick (checkCanaryStatus) comes first; the chain below starts at the next one */
        assert_int_equal(rs_flagger_check(&cfg, &st, &v, &res), RS_PG_CONTINUE);
        assert_int_equal(rs_flagger_check(&cfg, &st, &v, &res), RS_PG_ADVANCE);
        int outcome = 2; /* incomplete */
        for (unsigned j = 1; (j + 1) * d->interval < horizon && outcome == 2; j++) {
            if (st.phase != RS_FLAGGER_PROGRESSING) { /* Promoting, Finalising: no analysis */
                if (rs_flagger_check(&cfg, &st, &v, &res) == RS_PG_PROMOTE)
                    outcome = 1;
                continue;
            }
            size_t k = 0;
            while (k < d->n_rungs && steps[k] != st.weight)
                k++;
            assert_true(k < d->n_rungs);
            unsigned n = gsl_ran_poisson(rng, d->cand[k] * d->rate * d->interval);
            unsigned x = n ? gsl_ran_binomial(rng, p, n) : 0;
            v = n ? (rs_metric_value){(double)x / n, 1} : (rs_metric_value){NAN, 0};
            rs_pg_action a = rs_flagger_check(&cfg, &st, &v, &res);
            if (a == RS_PG_ROLLBACK)
                outcome = 0;
            else if (a == RS_PG_PROMOTE)
                outcome = 1;
            else
                assert_true(a == RS_PG_HOLD || a == RS_PG_ADVANCE || a == RS_PG_CONTINUE);
        }
        counts[outcome]++;
    }
}

/* ---- threshold ---------------------------------------------------------------------------------------------- */

/* threshold: stages advance by time (each lasts `bake`); a check every `check_every` h, the last one of a stage
 * at its end, each on the last interval's data; a check fails when v > max; no data is ignored (neither counts
 * nor breaks the streak), or with nodata = 'fail' / 'pass' counts as a failure / a pass; a pass resets the
 * streak; the streak runs across stages (one state per rollout); rollback when it reaches `consecutive`; the
 * last stage (weight 1) ending without rollback promotes. */
enum { NODATA_IGNORE, NODATA_FAIL, NODATA_PASS };
static const char *const nodata_names[] = {"ignore", "fail", "pass"};

typedef struct threshold_design {
    unsigned users;
    double rate, bake, check_every;
    size_t n_stages;
    double w[MAX_STAGES];
    unsigned cand[MAX_STAGES];
    double max;
    unsigned consecutive;
} threshold_design;

/* 100 users at 0.5 request/h; stages 2 %, 20 %, 100 % = 2, 20, 100 users, 6 h each, checked hourly: 18 checks
 * of Poisson(1), Poisson(10), Poisson(50) requests. No data is frequent in stage 1 (e^-1 = 0.37), which is what
 * tells the nodata modes apart; a streak of 3 failures rolls back. */
static const threshold_design THRESHOLD = {100, 0.5, 6, 1, 3, {0.02, 0.2, 1}, {2, 20, 100}, 0.02, 3};

/* The exact law, a Markov chain over (check j, streak s), s < consecutive. Check j (at j check_every) lies in
 * stage (j - 1) / B, B = bake / check_every checks per stage, where the check law has P0 = P(n = 0), PF = P(n >=
 * 1, v > max), PP = P(n >= 1, v <= max); nodata fail moves P0 into PF, pass into PP. Per check: s stays with
 * P0 (ignored), goes to 0 with PP, to s + 1 with PF — a rollback at check j when s + 1 = consecutive. Mass left
 * after the n_stages B checks promotes (the horizon is past the last check: nothing is cut). */
static void threshold_exact(const threshold_design *d, int nodata, double p, double horizon, gate_law *g)
{
    memset(g, 0, sizeof *g);
    const unsigned B = (unsigned)lround(d->bake / d->check_every), C = d->consecutive;
    assert_true(fabs(B * d->check_every - d->bake) < 1e-12 && C >= 1 && C <= 16);
    assert_true(d->n_stages * B <= MAX_CHECKS && d->n_stages * B * d->check_every < horizon);
    assert_true(d->w[d->n_stages - 1] == 1);
    double s[16] = {1};
    unsigned j = 0;
    for (size_t k = 0; k < d->n_stages; k++) {
        check_law l =
            check_law_of(cand_users(d->w[k], d->users, d->cand[k]) * d->rate * d->check_every, p, d->max, d->max);
        double P0 = l.none, PF = l.hi, PP = l.lo;
        if (nodata == NODATA_FAIL)
            PF += P0, P0 = 0;
        else if (nodata == NODATA_PASS)
            PP += P0, P0 = 0;
        for (unsigned b = 0; b < B; b++) {
            j++;
            double ns[16] = {0};
            for (unsigned i = 0; i < C; i++) {
                ns[i] += s[i] * P0;
                ns[0] += s[i] * PP;
                if (i + 1 >= C)
                    g->rollback += s[i] * PF, g->rollback_at[j] += s[i] * PF;
                else
                    ns[i + 1] += s[i] * PF;
            }
            memcpy(s, ns, sizeof s);
        }
    }
    for (unsigned i = 0; i < C; i++)
        g->promote += s[i];
    g->promote_at[j] = g->promote;
    law_check_total(g);
}

static void threshold_state_machine_mc(const threshold_design *d, int nodata, double p, unsigned R, gsl_rng *rng,
                                       unsigned counts[3])
{
    rs_threshold_metric metric = {"error_rate", RS_THRESHOLD_ABSOLUTE, 0, d->max, d->consecutive,
                                  nodata == NODATA_FAIL   ? RS_THRESHOLD_NODATA_FAIL
                                  : nodata == NODATA_PASS ? RS_THRESHOLD_NODATA_PASS
                                                          : RS_THRESHOLD_NODATA_IGNORE};
    rs_threshold_config cfg = {&metric, 1};
    assert_int_equal(rs_threshold_validate(&cfg, NULL), RS_OK);
    const unsigned B = (unsigned)lround(d->bake / d->check_every);
    counts[0] = counts[1] = counts[2] = 0;
    for (unsigned r = 0; r < R; r++) {
        rs_threshold_state st;
        rs_threshold_init(&st);
        int outcome = 1;
        for (size_t k = 0; k < d->n_stages && outcome == 1; k++)
            for (unsigned b = 0; b < B && outcome == 1; b++) {
                unsigned n = gsl_ran_poisson(rng, d->cand[k] * d->rate * d->check_every);
                unsigned x = n ? gsl_ran_binomial(rng, p, n) : 0;
                rs_metric_value v = n ? (rs_metric_value){(double)x / n, 1} : (rs_metric_value){NAN, 0};
                rs_pg_result res;
                if (rs_threshold_check(&cfg, &st, &v, NULL, &res) == RS_PG_ROLLBACK)
                    outcome = 0;
            }
        counts[outcome]++;
    }
}

/* ---- argo --------------------------------------------------------------------------------------------------- */

/* argo: one AnalysisRun per stage, started at the stage's start; a measurement every check_every h on the last
 * interval's data. No data: Error (not in count; the run is Error when the errors in a row exceed
 * consecutive_error_limit); otherwise Failed when v > failure, else Successful when v <= success, else
 * Inconclusive. The run is Failed when failed > failure_limit, Inconclusive when inconclusive >
 * inconclusive_limit, Successful once count measurements (errors excluded) were taken. Failed / Error: rollback;
 * Inconclusive: pause (the rollout stops, incomplete); Successful: the stage ends at once and the next begins
 * (the last promotes); a run still Running when the stage's bake ends: the next stage begins. */
typedef struct argo_design {
    unsigned users;
    double rate, bake, check_every;
    size_t n_stages;
    double w[MAX_STAGES];
    unsigned cand[MAX_STAGES];
    double success_le, failure_gt;
    unsigned failure_limit, inconclusive_limit, consecutive_error_limit, count;
} argo_design;

/* 100 users at 0.5 request/h; stages 1 %, 50 %, 100 % = 1, 50, 100 users, 6 h each, a measurement each hour:
 * Poisson(0.5), Poisson(25), Poisson(50) requests. Stage 1 mostly has no data, so its run often errors (5 in
 * a row) or is still Running at the end of its 6 h; stages 2 and 3 have data, and their runs usually end
 * after count = 3 measurements, Inconclusive (0.02 < v <= 0.04) twice pausing, Failed (v > 0.04) twice
 * rolling back. */
/* 10, 50, 100 users at 5 requests/h: a window without requests (P = e^-50 at most) has no mass, so the chain's
 * Error branch (hourly) and Argo's 10-second retries never differ here (test_gate_wiring pins the retries). */
static const argo_design ARGO = {100, 5, 6, 1, 3, {0.1, 0.5, 1}, {10, 50, 100}, 0.02, 0.04, 1, 1, 4, 3};

/* The exact law, a DP over (stage k, measurements m taken in the stage, count c, failed f, inconclusive i,
 * errors in a row e) with the global check index j (time j check_every): every stage starts at a check time
 * (t = 0, or the check that ended the previous stage), so all measurements lie on that grid. One measurement:
 * Error (P(n = 0)) takes e + 1, a rollback when e + 1 > consecutive_error_limit; Failed (P(v > failure)) takes
 * c + 1, f + 1, e = 0, a rollback when f + 1 > failure_limit; Inconclusive (P(success < v <= failure)) c + 1,
 * i + 1, e = 0, a pause when i + 1 > inconclusive_limit; Successful c + 1, e = 0. If the run goes on, it ends
 * Successful when c reaches count; the stage also ends when m + 1 = B = bake / check_every (its bake is over,
 * the run still Running). A stage that ends goes to stage k + 1 (fresh run, m = c = f = i = e = 0) or, after
 * the last, promotes. Checks are taken while j check_every < horizon; what is left is incomplete. */
#define AIDX(m, c, f, i, e) (((((m) * 8 + (c)) * 8 + (f)) * 8 + (i)) * 8 + (e))
#define ASTATES (16 * 8 * 8 * 8 * 8)

static void argo_exact(const argo_design *d, double p, double horizon, gate_law *g)
{
    memset(g, 0, sizeof *g);
    const unsigned B = (unsigned)lround(d->bake / d->check_every);
    assert_true(fabs(B * d->check_every - d->bake) < 1e-12 && B <= 16);
    assert_true(d->count <= 8 && d->failure_limit < 7 && d->inconclusive_limit < 7 && d->consecutive_error_limit < 7);
    assert_true(d->w[d->n_stages - 1] == 1);
    check_law law[MAX_STAGES];
    for (size_t k = 0; k < d->n_stages; k++)
        law[k] = check_law_of(cand_users(d->w[k], d->users, d->cand[k]) * d->rate * d->check_every, p,
                              d->success_le, d->failure_gt);
    double *cur = calloc(MAX_STAGES * ASTATES, sizeof *cur), *nxt = calloc(MAX_STAGES * ASTATES, sizeof *nxt);
    assert_true(cur && nxt);
    cur[AIDX(0, 0, 0, 0, 0)] = 1;
    for (unsigned j = 1; j * d->check_every < horizon; j++) {
        assert_true(j <= MAX_CHECKS);
        memset(nxt, 0, MAX_STAGES * ASTATES * sizeof *nxt);
        for (size_t k = 0; k < d->n_stages; k++) {
            const check_law *l = &law[k];
            for (unsigned m = 0; m < B; m++)
                for (unsigned c = 0; c < d->count; c++)
                    for (unsigned f = 0; f <= d->failure_limit; f++)
                        for (unsigned i = 0; i <= d->inconclusive_limit; i++)
                            for (unsigned e = 0; e <= d->consecutive_error_limit; e++) {
                                const double x = cur[k * ASTATES + AIDX(m, c, f, i, e)];
                                if (x == 0)
                                    continue;
                                const int last = m + 1 >= B;
                                /* where a run that goes on lands: (stage, state), or the stage's end */
#define GO_ON(mass, c2, f2, i2, e2)                                                                            \
    do {                                                                                                       \
        double y_ = (mass);                                                                                    \
        if ((c2) >= d->count || last) {                                                                        \
            if (k + 1 < d->n_stages) {                                                                         \
                nxt[(k + 1) * ASTATES + AIDX(0, 0, 0, 0, 0)] += y_;                                            \
            } else {                                                                                           \
                g->promote += y_, g->promote_at[j] += y_;                                                      \
                if ((c2) < d->count)                                                                           \
                    g->last_running += y_;                                                                     \
            }                                                                                                  \
        } else {                                                                                               \
            nxt[k * ASTATES + AIDX(m + 1, c2, f2, i2, e2)] += y_;                                              \
        }                                                                                                      \
    } while (0)
                                if (e + 1 > d->consecutive_error_limit)
                                    g->rollback += x * l->none, g->rollback_error += x * l->none,
                                        g->rollback_at[j] += x * l->none;
                                else
                                    GO_ON(x * l->none, c, f, i, e + 1);
                                if (f + 1 > d->failure_limit)
                                    g->rollback += x * l->hi, g->rollback_at[j] += x * l->hi;
                                else
                                    GO_ON(x * l->hi, c + 1, f + 1, i, 0);
                                if (i + 1 > d->inconclusive_limit) {
                                    g->pause += x * l->mid;
                                    if (k + 1 == d->n_stages) /* paused at weight 1 */
                                        g->full_unfinished += x * l->mid;
                                }
                                else
                                    GO_ON(x * l->mid, c + 1, f, i + 1, 0);
                                GO_ON(x * l->lo, c + 1, f, i, 0);
#undef GO_ON
                            }
        }
        double *t = cur;
        cur = nxt, nxt = t;
    }
    double left = 0;
    for (size_t s = 0; s < MAX_STAGES * ASTATES; s++) {
        left += cur[s];
        if (s / ASTATES + 1 == d->n_stages) /* cut by the horizon in the last stage, at weight 1 */
            g->full_unfinished += cur[s];
    }
    free(cur);
    free(nxt);
    g->incomplete = g->pause + left;
    law_check_total(g);
}

static void argo_state_machine_mc(const argo_design *d, double p, double horizon, unsigned R, gsl_rng *rng,
                                  unsigned counts[3], unsigned *paused)
{
    rs_argo_metric metric;
    rs_argo_metric_init(&metric, "error_rate");
    metric.success = (rs_argo_cond){RS_ARGO_LE, d->success_le};
    metric.failure = (rs_argo_cond){RS_ARGO_GT, d->failure_gt};
    metric.failure_limit = (int)d->failure_limit;
    metric.inconclusive_limit = (int)d->inconclusive_limit;
    metric.consecutive_error_limit = (int)d->consecutive_error_limit;
    metric.count = d->count;
    metric.interval = d->check_every;
    rs_argo_config cfg = {&metric, 1, 1};
    assert_int_equal(rs_argo_validate(&cfg, NULL), RS_OK);
    const unsigned B = (unsigned)lround(d->bake / d->check_every);
    counts[0] = counts[1] = counts[2] = 0;
    *paused = 0;
    for (unsigned r = 0; r < R; r++) {
        int outcome = -1;
        unsigned j = 0;
        for (size_t k = 0; k < d->n_stages && outcome < 0; k++) {
            rs_argo_state st;
            rs_argo_init(&st);
            for (unsigned m = 0; m < B && outcome < 0; m++) {
                if (++j * d->check_every >= horizon) {
                    outcome = 2;
                    break;
                }
                unsigned n = gsl_ran_poisson(rng, d->cand[k] * d->rate * d->check_every);
                unsigned x = n ? gsl_ran_binomial(rng, p, n) : 0;
                rs_metric_value v = n ? (rs_metric_value){(double)x / n, 1} : (rs_metric_value){NAN, 0};
                rs_pg_result res;
                rs_pg_action a = rs_argo_check(&cfg, &st, &v, &res);
                if (a == RS_PG_ROLLBACK)
                    outcome = 0;
                else if (a == RS_PG_PAUSE)
                    outcome = 2, ++*paused;
                else if (a == RS_PG_ADVANCE)
                    break;
                else
                    assert_int_equal(a, RS_PG_CONTINUE);
            }
        }
        counts[outcome < 0 ? 1 : outcome]++;
    }
}

/* ---- Comparisons -------------------------------------------------------------------------------------------- */

/* f = k / R against the exact P within 4 sqrt(P (1 - P) / R); prints both. */
static void compare(const char *what, unsigned k, unsigned R, double P)
{
    double f = (double)k / R, se = sqrt(P * (1 - P) / R);
    print_message("  %-34s simulated %.4f (%u/%u)  exact %.4f  4 se %.4f\n", what, f, k, R, P, 4 * se);
    assert_near(f, P, 4 * se);
}

static void compare_outcomes(const char *label, const unsigned counts[3], unsigned R, const gate_law *g)
{
    char what[96];
    snprintf(what, sizeof what, "%s P(rollback)", label);
    compare(what, counts[0], R, g->rollback);
    snprintf(what, sizeof what, "%s P(promote)", label);
    compare(what, counts[1], R, g->promote);
    snprintf(what, sizeof what, "%s P(incomplete)", label);
    compare(what, counts[2], R, g->incomplete);
}

/* Direct Monte Carlo of the state machines: R = 40 000 draws of each setting (a standard error of at most
 * 0.5 / sqrt(R) = 0.0025, 4 of them 0.01); GSL's mt19937, seeded per gate. */
#define R_DIRECT 40000u

static void flagger_exact_matches_state_machine(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 20250101);
    static const double ps[] = {0.02, 0.035}, horizons[] = {4.5, 5.5};
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++) {
            gate_law g;
            flagger_exact(&FLAGGER, ps[a], horizons[b], &g);
            unsigned counts[3];
            flagger_state_machine_mc(&FLAGGER, ps[a], horizons[b], R_DIRECT, rng, counts);
            char label[64];
            snprintf(label, sizeof label, "flagger p=%.3f h=%.1f", ps[a], horizons[b]);
            print_message("%s (rs_flagger_check on GSL draws vs exact DP):\n", label);
            compare_outcomes("", counts, R_DIRECT, &g);
        }
    gsl_rng_free(rng);
}

static void threshold_exact_matches_state_machine(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 20250202);
    static const double ps[] = {0.02, 0.035};
    for (size_t a = 0; a < 2; a++)
        for (int nodata = NODATA_IGNORE; nodata <= NODATA_PASS; nodata++) {
            gate_law g;
            threshold_exact(&THRESHOLD, nodata, ps[a], 1e9, &g);
            unsigned counts[3];
            threshold_state_machine_mc(&THRESHOLD, nodata, ps[a], R_DIRECT, rng, counts);
            print_message("threshold p=%.3f nodata=%s (rs_threshold_check on GSL draws vs exact DP):\n", ps[a],
                          nodata_names[nodata]);
            compare_outcomes("", counts, R_DIRECT, &g);
        }
    gsl_rng_free(rng);
}

static void argo_exact_matches_state_machine(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 20250303);
    static const double ps[] = {0.02, 0.035}, horizons[] = {10.5, 18.5};
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++) {
            gate_law g;
            argo_exact(&ARGO, ps[a], horizons[b], &g);
            assert_true(g.last_running < 1e-12);
            unsigned counts[3], paused;
            argo_state_machine_mc(&ARGO, ps[a], horizons[b], R_DIRECT, rng, counts, &paused);
            print_message("argo p=%.3f h=%.1f (rs_argo_check on GSL draws vs exact DP):\n", ps[a], horizons[b]);
            compare_outcomes("", counts, R_DIRECT, &g);
            compare("  of which P(pause)", paused, R_DIRECT, g.pause);
        }
    gsl_rng_free(rng);
}

/* ---- Through the simulator ------------------------------------------------------------------------------- */

/* Runs replications 0..R-1 of a scenario and counts: [0] rollbacks (outcome rolled_back), [1] promotions by the
 * policy (a "promote" entry in the replication's event log), [2] the rest (paused or cut: incomplete in the
 * gate's terms), [3] the simulator's outcome "promoted" (SPEC §2: weight 1 reached, not rolled back). Every
 * rollback and every promotion must happen at a check time j h where the exact law puts that outcome's mass
 * (so an action one check too early or too late is caught even when the rates agree); with full_at_promote
 * (flagger: the weight goes to 1 at the promoting check) time_to_full must be the promotion's time. `bad` is the
 * scenario's badness rule (error rate > 1.1 x the baseline's). */
static void run_scenario(const char *text, unsigned R, double h, const gate_law *g, int full_at_promote, int bad,
                         unsigned counts[4])
{
    simtest t;
    simtest_open(&t, text, NULL, 0);
    counts[0] = counts[1] = counts[2] = counts[3] = 0;
    for (unsigned r = 0; r < R; r++) {
        rs_rep_result res;
        simtest_run(&t, r, &res);
        assert_int_equal(res.bad, bad);
        const rs_run_log *log = rs_sim_log(t.sim);
        double promoted_at = NAN;
        for (size_t e = 0; e < log->len; e++)
            if (!strcmp(log->entries[e].kind, "promote")) {
                assert_true(isnan(promoted_at));
                promoted_at = log->entries[e].t;
            }
        long j;
        if (res.outcome == RS_OUTCOME_ROLLED_BACK) {
            assert_true(isnan(promoted_at));
            j = lround(res.rollback_time / h);
            assert_near(res.rollback_time, j * h, 1e-9);
            if (!(j >= 1 && j <= MAX_CHECKS && g->rollback_at[j] > 0))
                fail_msg("replication %u rolled back at t = %g, where the exact law has no rollback", r,
                         res.rollback_time);
            counts[0]++;
        } else if (!isnan(promoted_at)) {
            assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
            j = lround(promoted_at / h);
            assert_near(promoted_at, j * h, 1e-9);
            if (!(j >= 1 && j <= MAX_CHECKS && g->promote_at[j] > 0))
                fail_msg("replication %u promoted at t = %g, where the exact law has no promotion", r, promoted_at);
            if (full_at_promote)
                assert_near(res.time_to_full, promoted_at, 0);
            counts[1]++;
        } else {
            counts[2]++;
        }
        counts[3] += res.outcome == RS_OUTCOME_PROMOTED;
    }
    simtest_close(&t);
}

/* The gate's three outcomes, then the simulator's "promoted" (SPEC §2) against promote + full_unfinished. */
static void compare_simulated(const char *label, const unsigned counts[4], unsigned R, const gate_law *g)
{
    compare_outcomes(label, counts, R, g);
    char what[96];
    snprintf(what, sizeof what, "%s outcome=promoted", label);
    compare(what, counts[3], R, g->promote + g->full_unfinished);
}

/* A one-segment population and two versions; the baseline's error rate is 0.02 (it matters only to `bad`). */
#define SCENARIO_HEAD                                                                                          \
    "return { name = '%s', seed = %u, horizon = %g, sample_every = %g,\n"                                      \
    "  population = { { name = 'all', users = %u, rate = %g } },\n"                                            \
    "  versions = { { name = 'base', baseline = true, error_rate = 0.02 }, { name = 'cand', error_rate = %g } },\n"

static void steps_text(char *buf, size_t len, const double *w, size_t n)
{
    size_t used = 0;
    for (size_t k = 0; k < n; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%g", k ? ", " : "", w[k]);
}

/* Simulations: R = 20 000 replications each, a standard error of at most 0.5 / sqrt(R) = 0.0035 (4 of them:
 * 0.014), each replication ~1000 requests. */
#define R_SIM 20000u

static void flagger_through_simulator(void **state)
{
    (void)state;
    /* With the detection tick at t = 0 and the analysis started at t = 1 (checks from t = 2), a promotion
     * (Succeeded) two ticks after the pass at the last rung. A/A at horizon 6.5: rollbacks at t = 4 .. 6,
     * promotions at t = 6 only (no failure), the rest cut: all three outcomes have mass. The worse candidate at
     * horizon 7.5: the longest paths roll back at t = 6 or promote at t = 7, so P(incomplete) = 0 exactly. */
    static const double ps[] = {0.02, 0.035}, horizons[] = {6.5, 7.5};
    const flagger_design *d = &FLAGGER;
    for (size_t a = 0; a < 2; a++) {
        char steps[128], text[1024];
        steps_text(steps, sizeof steps, d->w, d->n_rungs);
        snprintf(text, sizeof text,
                 SCENARIO_HEAD "  policy = { name = 'fixed_stages', gate = 'flagger', steps = { %s }, bake = %g,\n"
                               "             threshold = %u, metrics = { { name = 'error_rate', max = %g } } } }\n",
                 "flagger_risk", 7101u, horizons[a], horizons[a], d->users, d->rate, ps[a], steps, d->interval,
                 d->threshold, d->max);
        gate_law g;
        flagger_exact(d, ps[a], horizons[a], &g);
        unsigned counts[4];
        run_scenario(text, R_SIM, d->interval, &g, 1, a == 1, counts);
        print_message("flagger through the simulator, candidate error rate %.3f, horizon %.1f:\n", ps[a],
                      horizons[a]);
        compare_simulated(a == 0 ? "A/A (false)" : "worse (power)", counts, R_SIM, &g);
    }
}

static void threshold_through_simulator(void **state)
{
    (void)state;
    /* The horizon is past the last check (t = 18), so nothing is cut: rollback or promotion. A/A with no data
     * ignored (the default: no nodata key) and counted as a failure (nodata = 'fail'), which differ by 0.14
     * here; the worse candidate with the default. */
    static const struct {
        double p;
        int nodata;
    } cases[] = {{0.02, NODATA_IGNORE}, {0.02, NODATA_FAIL}, {0.035, NODATA_IGNORE}};
    const threshold_design *d = &THRESHOLD;
    const double horizon = 18.5;
    for (size_t a = 0; a < sizeof cases / sizeof cases[0]; a++) {
        char steps[128], text[1024];
        steps_text(steps, sizeof steps, d->w, d->n_stages);
        snprintf(text, sizeof text,
                 SCENARIO_HEAD
                 "  policy = { name = 'fixed_stages', gate = 'threshold', steps = { %s }, bake = %g,\n"
                 "             check_every = %g,\n"
                 "             metrics = { { name = 'error_rate', max = %g, consecutive = %u%s } } } }\n",
                 "threshold_risk", 7202u, horizon, horizon, d->users, d->rate, cases[a].p, steps, d->bake,
                 d->check_every, d->max, d->consecutive,
                 cases[a].nodata == NODATA_FAIL ? ", nodata = 'fail'" : ""); /* ignore: the default */
        gate_law g;
        threshold_exact(d, cases[a].nodata, cases[a].p, horizon, &g);
        unsigned counts[4];
        run_scenario(text, R_SIM, d->check_every, &g, 0, cases[a].p > 0.022, counts);
        print_message("threshold through the simulator, candidate error rate %.3f, nodata = %s:\n", cases[a].p,
                      nodata_names[cases[a].nodata]);
        compare_simulated(cases[a].p < 0.022 ? "A/A (false)" : "worse (power)", counts, R_SIM, &g);
    }
}

static void argo_through_simulator(void **state)
{
    (void)state;
    /* A/A at horizon 18.5, past the last possible check (t = 18): incomplete is exactly the Inconclusive
     * pause. The worse candidate at horizon 10.5: only rollouts whose stages 2 and 3 ended early (Successful
     * after count = 3 measurements) can promote before it, so the test also sees when a stage ends. In both,
     * a pause in stage 3 (weight 1) — and at 10.5 a cut in stage 3 — is "incomplete" for the gate but
     * "promoted" in the simulator's outcome (SPEC §2: weight 1 reached, not rolled back): both are checked,
     * the policy's promotions being read from the event log. */
    static const double ps[] = {0.02, 0.035}, horizons[] = {18.5, 10.5};
    const argo_design *d = &ARGO;
    for (size_t a = 0; a < 2; a++) {
        char steps[128], text[1024];
        steps_text(steps, sizeof steps, d->w, d->n_stages);
        snprintf(text, sizeof text,
                 SCENARIO_HEAD
                 "  policy = { name = 'fixed_stages', gate = 'argo', steps = { %s }, bake = %g, check_every = %g,\n"
                 "             metrics = { { name = 'error_rate', success = '<= %g', failure = '> %g',\n"
                 "                           failure_limit = %u, inconclusive_limit = %u,\n"
                 "                           consecutive_error_limit = %u, count = %u } } } }\n",
                 "argo_risk", 7303u, horizons[a], horizons[a], d->users, d->rate, ps[a], steps,
                 d->check_every, /* the pause before the inline step: measurements at 1, 2, 3 intervals, as the chain */
                 d->check_every, d->success_le, d->failure_gt, d->failure_limit, d->inconclusive_limit,
                 d->consecutive_error_limit, d->count);
        gate_law g;
        argo_exact(d, ps[a], horizons[a], &g);
        assert_true(g.last_running < 1e-12);
        unsigned counts[4];
        run_scenario(text, R_SIM, d->check_every, &g, 0, a == 1, counts);
        print_message("argo through the simulator, candidate error rate %.3f, horizon %.1f (exact: pause %.4f, "
                      "rollback on errors %.4f):\n", ps[a], horizons[a], g.pause, g.rollback_error);
        compare_simulated(a == 0 ? "A/A (false)" : "worse (power)", counts, R_SIM, &g);
    }
}

/* ---- kayenta: the solver's absolute tolerance against the exact interval ------------------------------------
 *
 * Kayenta finds the Mann-Whitney interval's ends with a Brent solver that stops within an ABSOLUTE 1e-4 of
 * the root (BrentSolver.java), so on a metric whose values are of that order the ends, and the verdict, depend
 * on the query's unit. Measured here on the judge alone (rs_kayenta_judge, one error-rate metric, 36 ten-minute
 * values a side as in a 6 h stage, confidence 0.98, tolerance 0.25, direction either): each replication draws
 * the per-step error counts Binomial(n, p) for the baseline and the canary and judges the same samples twice —
 * as Kayenta does on a query returning a fraction (scale 1), and with the solver's tolerance made negligible
 * (scale 1e6: every data spacing, at least 1 / n = 2e-5 here, becomes >= 20 units against the solver's 1e-4;
 * the classification is otherwise scale-free: the band is relative to the estimate and the mean ratio is a
 * ratio). The rate judged non-Pass is the A/A false alarm rate when the canary's p equals the baseline's, the
 * power otherwise. R = 4000 replications (1000 under AddressSanitizer), GSL mt19937 seeded per cell.
 *
 * The difference solver - exact is paired (same samples), its standard error sqrt((b + c) / R^2 - d^2 / R)
 * from the discordant counts b, c. Expected: the figures measured at R = 4000 (docs/gates.md, "Numerics"),
 * each difference within 4 standard errors of it (the two estimates' errors combined), and its sign
 * asserted where it is more than 4 standard errors from 0. */
typedef struct scale_cell {
    const char *what;
    unsigned n;       /* requests per 10-minute step (each side) */
    double pb, pc;    /* baseline's and canary's error rates */
    double solver, exact; /* rates measured at R = 4000, seed 1000 + index (docs/gates.md) */
} scale_cell;

static void kayenta_solver_vs_exact_interval(void **state)
{
    (void)state;
#ifdef __SANITIZE_ADDRESS__
    const unsigned R = 1000;
#else
    const unsigned R = 4000;
#endif
    static const scale_cell cells[] = {
        {"0.02 %, 50000 a step (no zeros), A/A", 50000, 2e-4, 2e-4, 0.0160, 0.0032},
        {"0.02 %, 50000 a step, canary 1.2x", 50000, 2e-4, 2.4e-4, 0.2200, 0.3098},
        {"0.02 %, 50000 a step, canary 1.5x", 50000, 2e-4, 3e-4, 0.9005, 0.9978},
        {"0.02 %, 5000 a step (37 % zeros), A/A", 5000, 2e-4, 2e-4, 0.0057, 0.0003},
        {"0.02 %, 5000 a step, canary 2x", 5000, 2e-4, 4e-4, 0.3817, 0.2263},
        {"0.002 %, 20000 a step (67 % zeros), A/A", 20000, 2e-5, 2e-5, 0.0145, 0.0047},
        {"0.002 %, 20000 a step, canary 3x", 20000, 2e-5, 6e-5, 0.3855, 0.1665},
    };
    enum { STEPS = 36 };
    for (size_t k = 0; k < sizeof cells / sizeof *cells; k++) {
        const scale_cell *c = &cells[k];
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(rng, 1000 + k);
        unsigned ns = 0, ne = 0, b = 0, cc = 0;
        double x[STEPS], y[STEPS];
        for (unsigned r = 0; r < R; r++) {
            for (unsigned i = 0; i < STEPS; i++) {
                x[i] = gsl_ran_binomial(rng, c->pc, c->n) / (double)c->n;
                y[i] = gsl_ran_binomial(rng, c->pb, c->n) / (double)c->n;
            }
            int alarm[2];
            for (int e = 0; e < 2; e++) {
                rs_kayenta_metric km;
                rs_kayenta_metric_init(&km, "error_rate", "errors");
                km.scale = e ? 1e6 : 1;
                rs_kayenta_config cfg = {.metrics = &km, .n_metrics = 1, .pass_score = NAN, .marginal_score = NAN};
                rs_kayenta_samples smp = {x, STEPS, y, STEPS};
                rs_kayenta_metric_result res;
                rs_kayenta_judgment j;
                assert_int_equal(rs_kayenta_judge(&cfg, &smp, &res, &j, NULL), RS_OK);
                alarm[e] = res.cls != RS_KAYENTA_PASS;
            }
            ns += alarm[0], ne += alarm[1];
            b += alarm[0] && !alarm[1], cc += !alarm[0] && alarm[1];
        }
        gsl_rng_free(rng);
        double fs = ns / (double)R, fe = ne / (double)R, d = fs - fe;
        double se = sqrt(fmax((b + cc) / ((double)R * R) - d * d / R, 1.0 / ((double)R * R)));
        double d_ref = c->solver - c->exact;
        double se_ref = se * sqrt((double)R / 4000); /* the reference's own error, at R = 4000 */
        print_message("%-42s solver %.4f exact %.4f (R %u): difference %+.4f +- %.4f (reference %+.4f)\n", c->what, fs,
                      fe, R, d, se, d_ref);
        assert_near(d, d_ref, 4 * sqrt(se * se + se_ref * se_ref));
        if (fabs(d_ref) > 4 * se_ref)
            assert_true(d_ref > 0 ? d > 0 : d < 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flagger_exact_matches_state_machine),
        cmocka_unit_test(threshold_exact_matches_state_machine),
        cmocka_unit_test(argo_exact_matches_state_machine),
        cmocka_unit_test(flagger_through_simulator),
        cmocka_unit_test(threshold_through_simulator),
        cmocka_unit_test(argo_through_simulator),
        cmocka_unit_test(kayenta_solver_vs_exact_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* bayesopt: the candidate's traffic weight chosen by safe Bayesian optimisation (SPEC §6.1, issue 13), in the
 * manner of SafeOpt (Sui, Gotovos, Burdick & Krause 2015) but with its safety resting on a valid bound rather
 * than on the GP (Fiedler, Scherer & Trimpe 2024). Built like a third party's plugin: public headers and the
 * host table only.
 *
 * Every `decide_every` hours the policy
 *   1. adds the interval's data (the candidate served at one weight w_i throughout) to its books;
 *   2. bounds the excess error rate Delta(w) = p_c(w) - p_b of the candidate at any weight w (below);
 *   3. forms the safe set S = {seed_weight} u {w on the grid : upper bound of Delta(w) <= max_excess_error};
 *   4. rolls back when even the seed is shown unsafe: lower bound of Delta(seed) > rollback_margin;
 *   5. promotes when weight 1 is safe and best (1 is in S and in the GP's set of plausible maximisers);
 *   6. otherwise serves a weight of S chosen by the GP of the utility: the expander (the top of S, when S can
 *      still grow and the top is a plausible maximiser: SafeOpt's expanders, so the safe set actually
 *      grows), else the maximiser of the acquisition (`ucb` or `ei`) over S.
 * Each decision logs one "safeset" line to events.csv: the weight served, the safe interval, the bounds.
 *
 * Which bound, and why it is valid. SafeOpt's guarantee assumes the safety function lies in an RKHS ball of
 * known norm and takes the GP's mean +- beta sd as a bound; Fiedler et al. (2024) show that the beta
 * practitioners use (2 or 3) is a heuristic without that guarantee, that the RKHS norm is not knowable in
 * practice, and propose instead a safety that rests on a Lipschitz constant and a noise bound, the GP kept
 * for exploration only (their Lipschitz-only safe BO). We do the same with what a rollout gives us: each
 * request's error is a Bernoulli draw, so the error rates have exact finite-sample bounds, and we need no GP
 * for safety at all. For each version we keep a *confidence sequence* (Robbins' mixture martingale): with
 * S errors in n requests and a mixing prior Beta(a, b),
 *     M_n(p) = B(a + S, b + n - S) / B(a, b) / (p^S (1 - p)^(n - S))
 * is a non-negative martingale of mean 1 under p (the Bayes factor of the mixture against p), so by Ville's
 * inequality P(exists n: M_n(p) >= 1/delta) <= delta, and {p : M_n(p) < 1/delta} covers the true rate at
 * *every* decision simultaneously, however often we look and however the weights were chosen (the number of
 * requests is a stopping time of the candidate's own Bernoulli sequence). alpha is split 9:1 between the
 * candidate's sequence and the baseline's (which has most of the traffic and stays narrow at a tenth of it), so
 * the four ends (candidate's upper and lower, baseline's upper and lower) hold together with probability at
 * least 1 - alpha. Hence (a) under A/A (Delta = 0 <= rollback_margin) the seed is wrongly shown unsafe, i.e.
 * the policy rolls back, in at most alpha of the replications, and (b) a weight whose true excess exceeds
 * max_excess_error enters the safe set with probability at most alpha. The mixing prior (prior_error_rate,
 * prior_strength) only moves where the sequence is tightest; validity does not depend on it.
 * Dependence on the weight: Delta(w) may change with the weight (load); we assume |p_c(w) - p_c(w')| <=
 * lipschitz * |w - w'| and that the baseline's rate does not depend on the candidate's weight. The candidate's
 * data pooled over the weights tried (n_i requests at w_i) bound the request-weighted mean rate; then
 * p_c(w) <= that mean + lipschitz * dbar(w), dbar(w) = sum_i n_i |w - w_i| / sum_i n_i. With the simulator's
 * versions (a rate that does not depend on the weight) the pooled bound is exact and the Lipschitz term only
 * makes the set grow more cautiously, as SafeOpt's does, towards the weights the data are near; with a
 * weight-dependent rate the pooled bound is Hoeffding's for non-identical Bernoulli variables (exact for a
 * fixed schedule of weights; approximate when the weights adapt). Scripted changes of a rate in mid-run
 * (drift, incidents) are outside the guarantee, as for every gate of §7.
 *
 * The utility per request (successes gained minus error_price x excess errors over the baseline, counted
 * over all requests so that it grows with the weight) is modelled by the host's GP (Matern 5/2 on the weight),
 * each interval one observation with its binomial noise variance. The GP steers; it never decides safety.
 * Randomness: only the seed of gp_fit's restarts, drawn from the host's policy stream. Cost: one decision
 * per `decide_every`, nothing per request. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollsim/policy.h"

static const rs_param_spec params[] = {
    {"max_excess_error", RS_PARAM_NUMBER, "0.002", 1e-9, 1, NULL,
     "a weight is safe when the upper confidence bound on the candidate's error rate minus the baseline's, "
     "there, is at most this (absolute, per request)"},
    {"seed_weight", RS_PARAM_NUMBER, "0.05", 1e-6, 1, NULL,
     "the weight assumed safe before any data (the first one served)"},
    {"rollback_margin", RS_PARAM_NUMBER, "0", 0, 1, NULL,
     "roll back when the lower confidence bound on the excess error rate at the seed weight exceeds this"},
    {"alpha", RS_PARAM_NUMBER, "0.05", 1e-12, 0.5, NULL,
     "error probability of the confidence sequences (all four ends hold at every decision with 1 - alpha)"},
    {"lipschitz", RS_PARAM_NUMBER, "0.001", 0, 1, NULL,
     "assumed bound on how much the candidate's error rate changes per unit of weight (0: not at all)"},
    {"error_price", RS_PARAM_NUMBER, "10", 0, 1e9, NULL,
     "utility: an excess error costs this many successes"},
    {"acquisition", RS_PARAM_STRING, "ucb", 0, 0, "ucb|ei", "acquisition function inside the safe set"},
    {"beta", RS_PARAM_NUMBER, "2", 0, 100, NULL,
     "GP mean +- beta sd: UCB acquisition and the set of plausible maximisers (exploration only, not safety)"},
    {"decide_every", RS_PARAM_DURATION, "2h", 1e-6, 1e7, NULL, "time between decisions"},
    {"grid", RS_PARAM_NUMBER, "0.01", 1e-4, 0.5, NULL, "weights tried are multiples of this (and the seed)"},
    {"prior_error_rate", RS_PARAM_NUMBER, "0.01", 1e-6, 0.999, NULL,
     "mean of the confidence sequences' mixing prior (where they are tightest; validity does not depend on it)"},
    {"prior_strength", RS_PARAM_NUMBER, "100", 0.01, 1e7, NULL, "a + b of the mixing prior Beta(a, b)"},
    {"candidate", RS_PARAM_STRING, NULL, 0, 0, NULL, "the version to roll out (default: the only candidate)"},
};

#define BO_MAX_GRID 10001

typedef struct bo_state {
    const rs_host *h;
    rs_rng *rng;
    rs_run_log *log;
    size_t ns, nv, cand, base;
    double h_max, seed, margin, alpha, lip, price, beta, every, grid, pa, pb;
    int ei;
    rs_gp *gp;
    size_t n_obs;
    double yscale; /* utilities are divided by it before the GP sees them */
    double w;      /* the weight served since the last decision */
    /* the candidate's pooled data and the moments of the weights they were served at */
    uint64_t nc, xc, nb, xb;
    double *wts;   /* weight of each interval with candidate data */
    double *ncs;   /* its candidate requests */
    size_t n_int, cap_int;
    double safe_lo, safe_hi; /* the bound's safe interval (lo > hi: empty) */
} bo_state;

#define FAIL(...)                                                                                          \
    do {                                                                                                   \
        snprintf(err, err_len, __VA_ARGS__);                                                               \
        return -1;                                                                                         \
    } while (0)

static void bo_destroy(void *state)
{
    bo_state *s = state;
    if (s->gp)
        s->h->gp_free(s->gp);
    free(s->wts);
    free(s->ncs);
    s->gp = NULL;
    s->wts = s->ncs = NULL;
}

static double num(const bo_state *s, const rs_value *p, const char *key)
{
    double x = 0;
    s->h->value_number(s->h->value_get(p, key), &x); /* declared with a default: type and range checked */
    return x;
}

static int bo_create(void *state, const rs_policy_ctx *ctx, char *err, size_t err_len)
{
    bo_state *s = state;
    const rs_host *h = ctx->host;
    const rs_value *p = ctx->params;
    s->h = h;
    s->rng = ctx->rng;
    s->log = ctx->log;
    s->ns = ctx->n_segments;
    s->nv = ctx->n_versions;
    s->base = ctx->baseline;
    if (h->struct_size < offsetof(rs_host, gp_lml) + sizeof h->gp_lml)
        FAIL("this rollsim is too old for bayesopt (its host table has no Gaussian process)");

    s->cand = rs_policy_candidate(ctx, h->value_string(h->value_get(p, "candidate")), err, err_len);
    if (s->cand == (size_t)-1)
        return -1;

    s->h_max = num(s, p, "max_excess_error");
    s->seed = num(s, p, "seed_weight");
    s->margin = num(s, p, "rollback_margin");
    s->alpha = num(s, p, "alpha");
    s->lip = num(s, p, "lipschitz");
    s->price = num(s, p, "error_price");
    s->beta = num(s, p, "beta");
    s->grid = num(s, p, "grid");
    h->value_duration(h->value_get(p, "decide_every"), &s->every);
    double pm = num(s, p, "prior_error_rate"), k = num(s, p, "prior_strength");
    s->pa = pm * k;
    s->pb = (1 - pm) * k;
    const char *acq = h->value_string(h->value_get(p, "acquisition"));
    s->ei = acq && !strcmp(acq, "ei");
    if (s->margin >= s->h_max)
        FAIL("rollback_margin: expected less than max_excess_error (%g), got %g: a weight shown safe could "
             "then never be shown unsafe",
             s->h_max, s->margin);
    if (1 / s->grid > BO_MAX_GRID - 1)
        FAIL("grid: expected at least %g, got %g", 1.0 / (BO_MAX_GRID - 1), s->grid);
    if (!(s->every < ctx->horizon))
        FAIL("decide_every: expected less than the horizon (%g h), got %g h", ctx->horizon, s->every);
    if (!(s->gp = h->gp_alloc(1, RS_GP_MATERN52)))
        FAIL("out of memory");
    return 0;
}

/* ---- the confidence sequence of one Bernoulli rate ---------------------------------------------------- */

static double lbeta(double a, double b)
{
    return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/* log M_n(p) of the header: the mixture's log Bayes factor against p. */
static double log_mix(uint64_t x, uint64_t n, double a, double b, double p)
{
    double xs = (double)x, fs = (double)(n - x);
    double ll = (xs > 0 ? xs * log(p) : 0) + (fs > 0 ? fs * log1p(-p) : 0);
    return lbeta(a + xs, b + fs) - lbeta(a, b) - ll;
}

/* The ends of {p : M_n(p) < 1/delta}: an interval around x/n (M_n is log-convex in p and below 1 at x/n). */
static void cs_bounds(uint64_t x, uint64_t n, double a, double b, double delta, double *lo, double *hi)
{
    double thr = log(1 / delta), phat = n ? (double)x / (double)n : 0.5;
    double l = 0, r = phat;
    if (n == 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    if (x == 0 || log_mix(x, n, a, b, 0x1p-60) < thr) {
        *lo = 0;
    } else {
        l = 0x1p-60;
        for (int i = 0; i < 100; i++) { /* log_mix(l) >= thr > log_mix(r) */
            double m = 0.5 * (l + r);
            if (log_mix(x, n, a, b, m) >= thr)
                l = m;
            else
                r = m;
        }
        *lo = l;
    }
    l = phat;
    r = 1 - 0x1p-53;
    if (x == n || log_mix(x, n, a, b, r) < thr) {
        *hi = 1;
        return;
    }
    for (int i = 0; i < 100; i++) { /* log_mix(l) < thr <= log_mix(r) */
        double m = 0.5 * (l + r);
        if (log_mix(x, n, a, b, m) >= thr)
            r = m;
        else
            l = m;
    }
    *hi = r;
}

/* dbar(w) of the header: the request-weighted mean distance from w of the weights the data came from. */
static double dbar(const bo_state *s, double w)
{
    double sum = 0, n = 0;
    for (size_t i = 0; i < s->n_int; i++) {
        sum += s->ncs[i] * fabs(w - s->wts[i]);
        n += s->ncs[i];
    }
    return n > 0 ? sum / n : 1;
}

/* ---- decisions ------------------------------------------------------------------------------------ */

static double weight_of(const bo_state *s, const rs_observation *obs)
{
    return obs->weights[s->cand * s->ns]; /* the same in every segment: the policy sets them so */
}

/* Adds the interval's data; 0, or -1 out of memory. */
static int add_interval(bo_state *s, const rs_observation *obs)
{
    const rs_counts *c = &obs->versions[s->cand].since, *b = &obs->versions[s->base].since;
    s->nb += b->requests;
    s->xb += b->errors;
    if (!c->requests)
        return 0;
    s->nc += c->requests;
    s->xc += c->errors;
    if (s->n_int == s->cap_int) {
        size_t cap = s->cap_int ? 2 * s->cap_int : 16;
        double *w = realloc(s->wts, cap * sizeof *w);
        if (!w)
            return -1;
        s->wts = w;
        double *n = realloc(s->ncs, cap * sizeof *n);
        if (!n)
            return -1;
        s->ncs = n;
        s->cap_int = cap;
    }
    s->wts[s->n_int] = s->w;
    s->ncs[s->n_int++] = (double)c->requests;

    /* The utility per request of all traffic in this interval, and its binomial noise variance. */
    if (!b->requests)
        return 0;
    double nc = (double)c->requests, nb = (double)b->requests, all = nc + nb;
    double sc = c->successes / nc, ec = c->errors / nc, sb = b->successes / nb, eb = b->errors / nb;
    double gain = (sc - sb) - s->price * (ec - eb);
    double y = nc / all * gain;
    /* Var(success - price error) of one request (success and error exclusive): with the pooled rates. */
    double sp = (c->successes + b->successes) / all, ep = (c->errors + b->errors) / all;
    double v1 = sp * (1 - sp) + s->price * s->price * ep * (1 - ep) + 2 * s->price * sp * ep;
    if (v1 < 1e-12)
        v1 = 1e-12;
    double nv = (nc / all) * (nc / all) * v1 * (1 / nc + 1 / nb);
    if (s->yscale == 0)
        s->yscale = sqrt(nv);
    double x = s->w;
    if (s->h->gp_add(s->gp, &x, y / s->yscale, nv / (s->yscale * s->yscale)))
        return -1;
    s->n_obs++;
    return 0;
}

typedef struct bo_bounds {
    double c_lo, c_hi, b_lo, b_hi;
} bo_bounds;

static double excess_hi(const bo_state *s, const bo_bounds *B, double w)
{
    return B->c_hi - B->b_lo + s->lip * dbar(s, w);
}

static double excess_lo(const bo_state *s, const bo_bounds *B, double w)
{
    return B->c_lo - B->b_hi - s->lip * dbar(s, w);
}

static void predict(const bo_state *s, double w, double *m, double *sd)
{
    double var = 0;
    if (s->h->gp_predict(s->gp, &w, m, &var) || !(var >= 0))
        var = 0;
    *sd = sqrt(var);
}

static void log_decision(bo_state *s, double w, const bo_bounds *B, double seed_lo, double hi_at_w, const char *what)
{
    char d[176];
    double lo = s->safe_lo <= s->safe_hi ? s->safe_lo : NAN, hi = s->safe_lo <= s->safe_hi ? s->safe_hi : NAN;
    snprintf(d, sizeof d, "%s w=%.6g safe=%.6g..%.6g seed=%.6g excess_ucb=%.4g excess_lcb_seed=%.4g pc=%.4g..%.4g "
             "pb=%.4g..%.4g", what, w, lo, hi, s->seed, hi_at_w, seed_lo, B->c_lo, B->c_hi, B->b_lo, B->b_hi);
    s->h->log_event(s->log, "safeset", (int)s->cand, w, d);
}

static int bo_decide(void *state, const rs_observation *obs, rs_action *act, char *err, size_t err_len)
{
    bo_state *s = state;
    act->next_decision = obs->t + s->every;
    if (obs->first) {
        s->w = s->seed;
        rs_action_set_weight(act, s->ns, s->cand, s->w);
        act->stage = 1;
        bo_bounds B = {0, 1, 0, 1};
        s->safe_lo = 1;
        s->safe_hi = 0;
        log_decision(s, s->w, &B, -1, INFINITY, "start");
        return 0;
    }
    s->w = weight_of(s, obs);
    if (add_interval(s, obs))
        FAIL("out of memory");

    bo_bounds B;
    /* alpha split 9:1 between the two sequences: the baseline's, on most of the traffic, is narrow anyway. */
    cs_bounds(s->xc, s->nc, s->pa, s->pb, 0.9 * s->alpha, &B.c_lo, &B.c_hi);
    cs_bounds(s->xb, s->nb, s->pa, s->pb, 0.1 * s->alpha, &B.b_lo, &B.b_hi);

    /* The safe set on the grid (an interval: dbar is convex), the seed added a priori. */
    size_t n_grid = (size_t)floor(1 / s->grid + 1e-9);
    double ws[BO_MAX_GRID];
    size_t n = 0;
    for (size_t i = 1; i <= n_grid; i++)
        ws[n++] = i == n_grid ? 1.0 : (double)i * s->grid;
    if (ws[n - 1] < 1)
        ws[n++] = 1.0;
    s->safe_lo = 1;
    s->safe_hi = 0;
    for (size_t i = 0; i < n; i++)
        if (excess_hi(s, &B, ws[i]) <= s->h_max) {
            if (ws[i] < s->safe_lo)
                s->safe_lo = ws[i];
            if (ws[i] > s->safe_hi)
                s->safe_hi = ws[i];
        }
    double seed_lo = excess_lo(s, &B, s->seed);
    if (seed_lo > s->margin) {
        log_decision(s, 0, &B, seed_lo, excess_hi(s, &B, s->seed), "rollback");
        act->verdict = RS_VERDICT_ROLLBACK;
        return 0;
    }

    /* The GP of the utility: fitted once it has data enough; otherwise its prior (flat). */
    if (s->n_obs >= 3 && s->h->gp_fit(s->gp, (uint64_t)(s->h->rng_uniform(s->rng) * 0x1p53), 3))
        FAIL("the Gaussian process failed to fit");

    /* Candidates: the seed and the grid's safe points. Plausible maximisers: UCB >= the best LCB. */
    double best_lcb = -INFINITY, top = s->seed;
    for (size_t i = 0; i <= n; i++) {
        double w = i < n ? ws[i] : s->seed;
        if (i < n && !(w >= s->safe_lo && w <= s->safe_hi))
            continue;
        double m, sd;
        predict(s, w, &m, &sd);
        if (m - s->beta * sd > best_lcb)
            best_lcb = m - s->beta * sd;
        if (w > top)
            top = w;
    }
    double best_mean = -INFINITY;
    for (size_t i = 0; i < s->n_obs && i < s->n_int; i++) {
        double m, sd;
        predict(s, s->wts[i], &m, &sd);
        if (m > best_mean)
            best_mean = m;
    }
    double mt, sdt;
    predict(s, top, &mt, &sdt);
    int top_plausible = mt + s->beta * sdt >= best_lcb;
    if (top >= 1 && top_plausible) {
        rs_action_set_weight(act, s->ns, s->cand, 1.0);
        act->stage = 2;
        log_decision(s, 1.0, &B, seed_lo, excess_hi(s, &B, 1.0), "promote");
        act->verdict = RS_VERDICT_PROMOTE;
        return 0;
    }
    double choice = top;
    const char *why = "expand";
    if (!top_plausible) { /* the acquisition's maximiser over the safe set */
        double best_a = -INFINITY;
        why = s->ei ? "ei" : "ucb";
        for (size_t i = 0; i <= n; i++) {
            double w = i < n ? ws[i] : s->seed;
            if (i < n && !(w >= s->safe_lo && w <= s->safe_hi))
                continue;
            double m, sd, a;
            predict(s, w, &m, &sd);
            a = s->ei ? s->h->gp_ei(-m, sd, isfinite(best_mean) ? -best_mean : 0) : m + s->beta * sd;
            if (a > best_a) {
                best_a = a;
                choice = w;
            }
        }
    }
    s->w = choice;
    rs_action_set_weight(act, s->ns, s->cand, choice);
    act->stage = 1;
    log_decision(s, choice, &B, seed_lo, excess_hi(s, &B, choice), why);
    return 0;
}

static const rs_policy_type bayesopt = {
    RS_POLICY_TYPE_HEADER,
    "bayesopt",
    "safe Bayesian optimisation of the candidate's weight (SafeOpt-style; safety from confidence sequences)",
    params,
    sizeof params / sizeof *params,
    sizeof(bo_state),
    bo_create,
    bo_decide,
    bo_destroy,
};

RS_PLUGIN_EXPORT const rs_policy_type *rs_policy_entry(void)
{
    return &bayesopt;
}

/* The bandit policy (SPEC §6.1, issue 12): versions are arms, the baseline included; the reward of a request is
 * its success (SPEC §2). A plugin like any third party's: it includes only rollsim/ headers and reaches the
 * host through the rs_host table (gates, event log, the replication's policy stream).
 *
 * Algorithms (`algorithm`):
 *   eps_greedy  the empirical best arm, and a uniformly drawn arm with probability eps (fixed `epsilon`, or
 *               decaying eps_t = min(1, epsilon_c * K / n) when epsilon_c > 0, n the observations so far);
 *   ucb1        Auer, Cesa-Bianchi & Fischer (2002): argmax mean + sqrt(2 ln n / n_i);
 *   kl_ucb      Garivier & Cappé (2011), Bernoulli KL: argmax max{q : n_i KL(mean_i, q) <= ln n};
 *   thompson    Beta-Bernoulli Thompson sampling, priors Beta(prior_a, prior_b).
 * Every arm is pulled once before the index rules apply (ucb1, kl_ucb, eps_greedy's greedy step).
 *
 * Two ways to learn:
 *   update_every > 0  batched, as traffic routers work: at each update the arms' shares are set for the next
 *                     interval, then fixed. eps_greedy: eps/K to every arm and the rest to the best; ucb1 and
 *                     kl_ucb: everything (after the floors and caps) to the arm of highest index; thompson: each
 *                     arm's posterior probability of being best (probability matching; `draws` Monte Carlo
 *                     draws). Users are sticky (bands of SPEC §2, the shares as weights) unless per_request.
 *   update_every = 0  after every request (the textbook bandit; the validation and research path): the host
 *                     calls route() and observe() for every request (rs_action.route / observe, exact mode only);
 *                     the policy publishes shares, checks its guard and promotion every `decide_every`.
 *
 * Safety, for a release rather than an ad experiment:
 *   min_share     the baseline's share never goes below it (batched: a floor on its weight; per request: the
 *                 baseline serves a request with probability at least min_share);
 *   max_share     a candidate with fewer than min_samples observations gets at most this share (per request: it
 *                 serves at most that part of the requests so far); what the caps leave goes to the baseline;
 *   guard         a §7 gate (`gate` and its keys, as fixed_stages has them) judging each candidate against the
 *                 baseline at every decision; a failing arm is removed (its share 0), logged as that arm's
 *                 rollback in events.csv; when no candidate is left the release is rolled back;
 *   promote_at    when one arm's posterior probability of being best (Beta posteriors, `draws` draws) exceeds
 *                 it, a candidate is promoted (weight 1), or, if the baseline, every candidate is rolled back;
 *   conservative  Wu, Shariff, Lattimore & Szepesvári (2016): the cumulative expected reward stays at or above
 *                 (1 - alpha_c) x what the baseline alone would have earned. The baseline's rate mu0 is
 *                 `baseline_rate` when given (known), else estimated: its upper confidence bound where mu0 is
 *                 a cost, its lower one where it is a gain. With n_k pulls of arm k and anytime Hoeffding
 *                 bounds L_k <= mu_k <= U_k (radius sqrt(ln(4 K n_k^2 / conservative_delta) / (2 n_k))), the
 *                 budget B = sum over candidates of n_k (L_k - U_0) + alpha_c n L_0 is a lower bound of the true
 *                 sum_k n_k mu_k - (1 - alpha_c) n mu0 with probability >= 1 - conservative_delta. A candidate
 *                 pull is allowed only when the budget stays >= 0 after it: per request, B + L_k - U_0 +
 *                 alpha_c L_0 >= 0; batched, the candidates' shares are scaled down (the rest to the baseline)
 *                 until B stays >= 0 with the next interval's candidate pulls at their upper 4-sigma Poisson
 *                 bound and its requests at their lower one (the interval's mean taken from the last one).
 *
 * Every decision logs a "bandit" event whose detail is the pull counts per arm ("n=12,40,3"), so the
 * conservative constraint can be checked on the trace. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollsim/policy.h"

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        snprintf(err, err_len, __VA_ARGS__);                                                                 \
        return -1;                                                                                           \
    } while (0)

enum { ALG_EPS, ALG_UCB1, ALG_KLUCB, ALG_TS };

static const rs_param_spec params[] = {
    {"algorithm", RS_PARAM_STRING, "thompson", 0, 0, "eps_greedy|ucb1|kl_ucb|thompson",
     "the bandit algorithm: eps-greedy, UCB1 (Auer et al. 2002), KL-UCB (Garivier & Cappe 2011), Thompson sampling"},
    {"epsilon", RS_PARAM_NUMBER, "0.1", 0, 1, NULL, "eps_greedy: the exploration probability (fixed)"},
    {"epsilon_c", RS_PARAM_NUMBER, "0", 0, 1e6, NULL,
     "eps_greedy: > 0 for a decaying eps_t = min(1, epsilon_c * K / n), n the observations so far"},
    {"prior_a", RS_PARAM_NUMBER, "1", 1e-6, 1e6, NULL, "thompson, promote_at: Beta prior's a (successes)"},
    {"prior_b", RS_PARAM_NUMBER, "1", 1e-6, 1e6, NULL, "thompson, promote_at: Beta prior's b (failures)"},
    {"update_every", RS_PARAM_DURATION, "1h", 0, 1e7, NULL,
     "time between updates of the arms' shares (batched); 0: update after every request (per-request routing)"},
    {"decide_every", RS_PARAM_DURATION, "1h", 1e-9, 1e7, NULL,
     "with update_every = 0: how often the shares are published and the guard and promotion checked"},
    {"per_request", RS_PARAM_BOOL, "false", 0, 0, NULL,
     "route each request by the shares independently instead of sticky users (implied by update_every = 0)"},
    {"draws", RS_PARAM_INTEGER, "500", 10, 1e6, NULL,
     "Monte Carlo draws for the posterior probability of being best (thompson's shares, promote_at)"},
    {"min_share", RS_PARAM_NUMBER, "0", 0, 1, NULL, "the baseline's share never goes below it"},
    {"max_share", RS_PARAM_NUMBER, "1", 0, 1, NULL,
     "a candidate with fewer than min_samples observations gets at most this share (the rest goes to the baseline)"},
    {"min_samples", RS_PARAM_INTEGER, "0", 0, 1e12, NULL, "observations a candidate needs before max_share lifts"},
    {"guard", RS_PARAM_BOOL, "false", 0, 0, NULL,
     "judge each candidate with the gate `gate` (any §7 gate and its keys) at every decision; a failing arm is "
     "removed (logged as its rollback)"},
    {"promote_at", RS_PARAM_NUMBER, "1", 0.5, 1, NULL,
     "promote an arm whose posterior probability of being best exceeds it (the baseline: roll back); 1: never"},
    {"conservative", RS_PARAM_BOOL, "false", 0, 0, NULL,
     "keep the cumulative expected reward >= (1 - alpha_c) x the baseline alone's (Wu et al. 2016)"},
    {"alpha_c", RS_PARAM_NUMBER, "0.1", 0, 1, NULL, "conservative: the fraction of the baseline's reward at risk"},
    {"baseline_rate", RS_PARAM_NUMBER, NULL, 0, 1, NULL,
     "conservative: the baseline's known success probability (default: estimated by confidence bounds)"},
    {"conservative_delta", RS_PARAM_NUMBER, "0.001", 1e-12, 0.5, NULL,
     "conservative: the probability that the confidence bounds fail"},
    RS_GATE_PARAMS,
};

#define MAX_ARMS 32

typedef struct bandit {
    const rs_host *h;
    rs_rng *rng;
    rs_run_log *log;
    size_t K, ns, base;
    int alg, per_request, per_update, guard, conservative, known_rate;
    double eps, eps_c, pa, pb, update_every, decide_every, min_share, max_share, promote_at, alpha_c, mu0, delta;
    uint64_t min_samples;
    int draws;
    /* per arm: pulls and successes (per-request mode: from observe(); batched: from the observation) */
    uint64_t n[MAX_ARMS], s[MAX_ARMS], prev_n[MAX_ARMS];
    uint64_t n_total;
    int active[MAX_ARMS];
    double share[MAX_ARMS];     /* shares of the current interval (sum 1 over active arms) */
    double cum[MAX_ARMS];       /* cumulative shares (per-request routing by shares) */
    double lo[MAX_ARMS], hi[MAX_ARMS]; /* conservative: confidence bounds per arm */
    double last_t, horizon;
    rs_gate *gates[MAX_ARMS];
    double *samp; /* draws x K posterior draws (thompson shares, promote_at) */
} bandit;

static void bd_destroy(void *state)
{
    bandit *b = state;
    for (size_t k = 0; k < MAX_ARMS; k++)
        if (b->gates[k] && b->h)
            b->h->gate_free(b->gates[k]);
    free(b->samp);
}

static int bd_create(void *state, const rs_policy_ctx *ctx, char *err, size_t err_len)
{
    bandit *b = state;
    const rs_host *h = ctx->host;
    const rs_value *p = ctx->params;
    b->h = h;
    b->rng = ctx->rng;
    b->log = ctx->log;
    b->K = ctx->n_versions;
    b->ns = ctx->n_segments;
    b->base = ctx->baseline;
    b->horizon = ctx->horizon;
    if (h->struct_size < offsetof(rs_host, gate_free) + sizeof h->gate_free)
        FAIL("this rollsim is too old for the bandit (its host table has no gates)");
    if (b->K > MAX_ARMS)
        FAIL("versions: the bandit handles at most %d arms (got %zu)", MAX_ARMS, b->K);
    const char *alg = h->value_string(h->value_get(p, "algorithm"));
    static const char *const names[] = {"eps_greedy", "ucb1", "kl_ucb", "thompson"};
    b->alg = -1;
    for (int i = 0; i < 4; i++)
        if (alg && !strcmp(alg, names[i]))
            b->alg = i;
    if (b->alg < 0)
        FAIL("algorithm: unknown algorithm \"%s\" (expected eps_greedy, ucb1, kl_ucb or thompson)", alg ? alg : "");
    double x;
#define NUM(key, dst) (h->value_number(h->value_get(p, key), &x) ? 0 : ((dst) = x, 1))
    NUM("epsilon", b->eps);
    NUM("epsilon_c", b->eps_c);
    NUM("prior_a", b->pa);
    NUM("prior_b", b->pb);
    NUM("min_share", b->min_share);
    NUM("max_share", b->max_share);
    NUM("promote_at", b->promote_at);
    NUM("alpha_c", b->alpha_c);
    NUM("conservative_delta", b->delta);
    b->known_rate = NUM("baseline_rate", b->mu0);
    double ms = 0, dr = 500;
    NUM("min_samples", ms);
    NUM("draws", dr);
#undef NUM
    b->min_samples = (uint64_t)ms;
    b->draws = (int)dr;
    h->value_duration(h->value_get(p, "update_every"), &b->update_every);
    h->value_duration(h->value_get(p, "decide_every"), &b->decide_every);
    int v = 0;
    h->value_bool(h->value_get(p, "per_request"), &v);
    b->per_update = b->update_every == 0;
    b->per_request = v || b->per_update;
    h->value_bool(h->value_get(p, "guard"), &b->guard);
    h->value_bool(h->value_get(p, "conservative"), &b->conservative);
    /* The ranges of each key are checked by the host; what is left is how they combine: the shares must be
     * able to sum to 1 with the candidates still able to learn. */
    if (b->min_share >= 1)
        FAIL("min_share: 1 leaves the candidates no traffic: the baseline's floor plus any candidate's share must "
             "sum to 1 (use min_share < 1)");
    if (b->min_samples > 0 && b->max_share <= 0)
        FAIL("max_share: 0 caps every candidate at no traffic until it has min_samples = %llu observations, which "
             "it can then never get; the shares (min_share = %g for the baseline, at most 0 for the others) "
             "cannot move; give max_share > 0 or min_samples = 0",
             (unsigned long long)b->min_samples, b->min_share);
    if (!(b->samp = malloc((size_t)b->draws * b->K * sizeof *b->samp)))
        FAIL("out of memory");
    for (size_t k = 0; k < b->K; k++) {
        b->active[k] = 1;
        b->lo[k] = 0, b->hi[k] = 1;
        if (b->guard && k != b->base && !(b->gates[k] = h->gate_create(ctx, p, k, err, err_len)))
            return -1;
    }
    if (!b->guard) {
        const char *gate = h->value_string(h->value_get(p, "gate"));
        if (h->value_len(h->value_get(p, "metrics")) && gate)
            FAIL("metrics: they configure the guard's gate; set guard = true to use them");
    }
    return 0;
}

/* ---- indices -------------------------------------------------------------------------------------------- */

static double mean_of(const bandit *b, size_t k)
{
    return b->n[k] ? (double)b->s[k] / (double)b->n[k] : 0;
}

/* Bernoulli KL(p, q), with 0 log 0 = 0. */
static double kl_bern(double p, double q)
{
    const double e = 1e-15;
    q = q < e ? e : q > 1 - e ? 1 - e : q;
    double r = 0;
    if (p > 0)
        r += p * log(p / q);
    if (p < 1)
        r += (1 - p) * log((1 - p) / (1 - q));
    return r;
}

/* KL-UCB index: the largest q >= p with n KL(p, q) <= d (bisection, 1e-7 in q). */
static double kl_index(double p, uint64_t n, double d)
{
    double lim = d / (double)n, lo = p, hi = 1;
    if (kl_bern(p, 1) <= lim)
        return 1;
    for (int i = 0; i < 25; i++) {
        double m = 0.5 * (lo + hi);
        if (kl_bern(p, m) > lim)
            hi = m;
        else
            lo = m;
    }
    return lo;
}

/* The arm of highest index among the active ones (ucb1, kl_ucb, greedy), unpulled arms first. */
static size_t index_arm(const bandit *b, int alg)
{
    size_t best = b->base;
    double best_v = -INFINITY, lt = log((double)(b->n_total > 1 ? b->n_total : 1));
    for (size_t k = 0; k < b->K; k++) {
        if (!b->active[k])
            continue;
        if (!b->n[k] && alg != ALG_TS)
            return k;
        double m = mean_of(b, k), v;
        if (alg == ALG_UCB1) {
            v = m + sqrt(2 * lt / (double)b->n[k]);
        } else if (alg == ALG_KLUCB) {
            /* Pinsker: the KL-UCB index is at most m + sqrt(lt / (2 n)); skip the bisection when that cannot
             * beat the best so far (exact: the same arm is chosen). */
            if (m + sqrt(lt / (2 * (double)b->n[k])) <= best_v)
                continue;
            v = kl_index(m, b->n[k], lt);
        } else {
            v = m;
        }
        if (v > best_v)
            best_v = v, best = k;
    }
    return best;
}

static size_t n_active(const bandit *b)
{
    size_t m = 0;
    for (size_t k = 0; k < b->K; k++)
        m += (size_t)b->active[k];
    return m;
}

/* The i-th active arm (i < n_active). */
static size_t active_at(const bandit *b, size_t i)
{
    for (size_t k = 0; k < b->K; k++)
        if (b->active[k] && i-- == 0)
            return k;
    return b->base;
}

static double epsilon_now(const bandit *b)
{
    if (b->eps_c > 0)
        return b->n_total ? fmin(1, b->eps_c * (double)b->K / (double)b->n_total) : 1;
    return b->eps;
}

/* ---- conservative budget (Wu et al. 2016) -------------------------------------------------------------- */

static void bounds(bandit *b, size_t k)
{
    if (!b->n[k]) {
        b->lo[k] = 0, b->hi[k] = 1;
        return;
    }
    double n = (double)b->n[k], m = mean_of(b, k);
    double r = sqrt(log(4 * (double)b->K * n * n / b->delta) / (2 * n));
    b->lo[k] = fmax(0, m - r), b->hi[k] = fmin(1, m + r);
}

static double mu0_lo(const bandit *b) { return b->known_rate ? b->mu0 : b->lo[b->base]; }
static double mu0_hi(const bandit *b) { return b->known_rate ? b->mu0 : b->hi[b->base]; }

/* B: a lower bound of sum_k n_k mu_k - (1 - alpha_c) n mu0 (see the header). */
static double budget(const bandit *b)
{
    double B = b->alpha_c * (double)b->n_total * mu0_lo(b), u0 = mu0_hi(b);
    for (size_t k = 0; k < b->K; k++)
        if (k != b->base)
            B += (double)b->n[k] * (b->lo[k] - u0);
    return B;
}

/* ---- per-request routing and learning (rs_action.route / observe) --------------------------------- */

static uint32_t bd_route(void *state, size_t segment, uint64_t user)
{
    (void)segment, (void)user;
    bandit *b = state;
    const rs_host *h = b->h;
    if (!b->per_update) { /* batched, routed per request by the interval's shares */
        double u = h->rng_uniform(b->rng);
        for (size_t k = 0; k < b->K; k++)
            if (u < b->cum[k])
                return (uint32_t)k;
        return (uint32_t)b->base;
    }
    if (b->min_share > 0 && h->rng_uniform(b->rng) < b->min_share)
        return (uint32_t)b->base;
    size_t k;
    switch (b->alg) {
    case ALG_EPS:
        if (h->rng_uniform(b->rng) < epsilon_now(b)) {
            size_t m = n_active(b);
            size_t i = (size_t)(h->rng_uniform(b->rng) * (double)m);
            k = active_at(b, i < m ? i : m - 1);
        } else {
            k = index_arm(b, ALG_EPS);
        }
        break;
    case ALG_TS: {
        double best = -1;
        k = b->base;
        for (size_t j = 0; j < b->K; j++) {
            if (!b->active[j])
                continue;
            double x = h->rng_beta(b->rng, b->pa + (double)b->s[j], b->pb + (double)(b->n[j] - b->s[j]));
            if (x > best)
                best = x, k = j;
        }
        break;
    }
    default: k = index_arm(b, b->alg); break;
    }
    if (k != b->base && b->n[k] < b->min_samples && (double)b->n[k] >= b->max_share * (double)(b->n_total + 1))
        k = b->base; /* the cap of an arm still short of min_samples */
    if (b->conservative && k != b->base &&
        budget(b) + b->lo[k] - mu0_hi(b) + b->alpha_c * mu0_lo(b) < 0)
        k = b->base;
    return (uint32_t)k;
}

static void bd_observe(void *state, uint32_t version, size_t segment, int error, int success)
{
    (void)segment, (void)error;
    bandit *b = state;
    if (!b->per_update)
        return; /* batched: learns at the updates from the observation */
    b->n[version]++;
    b->s[version] += (uint64_t)(success != 0);
    b->n_total++;
    if (b->conservative)
        bounds(b, version);
}

/* ---- decisions ------------------------------------------------------------------------------------------ */

/* Posterior draws (Beta(prior + data) per active arm), then P(arm k is best) into prob[]. */
static void prob_best(bandit *b, double *prob)
{
    const rs_host *h = b->h;
    for (size_t k = 0; k < b->K; k++)
        prob[k] = 0;
    for (int d = 0; d < b->draws; d++) {
        double best = -1;
        size_t arg = b->base;
        for (size_t k = 0; k < b->K; k++) {
            if (!b->active[k])
                continue;
            double x = h->rng_beta(b->rng, b->pa + (double)b->s[k], b->pb + (double)(b->n[k] - b->s[k]));
            if (x > best)
                best = x, arg = k;
        }
        prob[arg] += 1.0 / b->draws;
    }
}

/* Floors and caps: the baseline gets >= min_share, a candidate short of min_samples <= max_share; removed arms
 * 0. What the caps take goes to the baseline. */
static void constrain(bandit *b, double *sh)
{
    double sum = 0;
    for (size_t k = 0; k < b->K; k++) {
        if (!b->active[k])
            sh[k] = 0;
        sum += sh[k];
    }
    if (sum <= 0)
        sh[b->base] = sum = 1;
    for (size_t k = 0; k < b->K; k++)
        sh[k] /= sum;
    if (sh[b->base] < b->min_share) { /* take the floor from the candidates, in proportion */
        double c = 1 - sh[b->base], f = c > 0 ? (1 - b->min_share) / c : 0;
        for (size_t k = 0; k < b->K; k++)
            if (k != b->base)
                sh[k] *= f;
        sh[b->base] = b->min_share;
    }
    /* caps: the excess goes to the baseline */
    double excess = 0;
    for (size_t k = 0; k < b->K; k++)
        if (k != b->base && b->n[k] < b->min_samples && sh[k] > b->max_share)
            excess += sh[k] - b->max_share, sh[k] = b->max_share;
    sh[b->base] += excess;
}

/* Batched conservative step: scale the candidates' shares by the largest lambda in [0, 1] that keeps the
 * budget >= 0 through the next interval (see the header). */
static void conserve(bandit *b, double *sh, double expect)
{
    double B = budget(b), u0 = mu0_hi(b), l0 = mu0_lo(b);
    double nlo = fmax(0, expect - 4 * sqrt(expect));
    double lam_lo = 0, lam_hi = 1;
    for (int it = 0; it < 40; it++) {
        double lam = it == 0 ? 1 : 0.5 * (lam_lo + lam_hi), worst = B + b->alpha_c * l0 * nlo;
        for (size_t k = 0; k < b->K; k++) {
            if (k == b->base || sh[k] <= 0)
                continue;
            double m = lam * sh[k] * expect, nhi = m + 4 * sqrt(m) + 4;
            worst -= nhi * fmax(0, u0 - b->lo[k]);
        }
        if (it == 0 && worst >= 0)
            return;
        if (worst >= 0)
            lam_lo = lam;
        else
            lam_hi = lam;
    }
    double moved = 0;
    for (size_t k = 0; k < b->K; k++)
        if (k != b->base)
            moved += sh[k] * (1 - lam_lo), sh[k] *= lam_lo;
    sh[b->base] += moved;
}

static void publish(bandit *b, rs_action *act)
{
    double c = 0;
    for (size_t k = 0; k < b->K; k++) {
        c += b->share[k];
        b->cum[k] = c;
        if (k != b->base)
            rs_action_set_weight(act, b->ns, k, fmin(1, fmax(0, b->share[k])));
    }
    double sum = 0; /* rounding: candidates' weights must sum to <= 1 */
    for (size_t k = 0; k < b->K; k++)
        if (k != b->base)
            sum += act->weights[k * b->ns];
    if (sum > 1)
        for (size_t k = 0; k < b->K; k++)
            if (k != b->base)
                rs_action_set_weight(act, b->ns, k, act->weights[k * b->ns] / sum);
}

static void log_trace(bandit *b)
{
    char d[512];
    size_t at = (size_t)snprintf(d, sizeof d, "n=");
    for (size_t k = 0; k < b->K && at < sizeof d; k++)
        at += (size_t)snprintf(d + at, sizeof d - at, "%s%llu", k ? "," : "", (unsigned long long)b->n[k]);
    b->h->log_event(b->log, "bandit", -1, (double)b->n_total, d);
}

/* The arms' shares for the next interval (batched), before floors and caps; prob: P(best) when computed. */
static void raw_shares(bandit *b, double *sh, const double *prob)
{
    size_t m = n_active(b);
    for (size_t k = 0; k < b->K; k++)
        sh[k] = 0;
    if (b->alg == ALG_TS) {
        for (size_t k = 0; k < b->K; k++)
            sh[k] = prob[k];
    } else if (b->alg == ALG_EPS) {
        double e = epsilon_now(b);
        for (size_t k = 0; k < b->K; k++)
            sh[k] = b->active[k] ? e / (double)m : 0;
        sh[index_arm(b, ALG_EPS)] += 1 - e;
    } else {
        sh[index_arm(b, b->alg)] = 1;
    }
}

static int bd_decide(void *state, const rs_observation *obs, rs_action *act, char *err, size_t err_len)
{
    bandit *b = state;
    const rs_host *h = b->h;
    double now = obs->t, expect = 0;
    if (obs->first) {
        for (size_t k = 0; k < b->K; k++)
            if (b->gates[k])
                h->gate_stage(b->gates[k], obs, b->horizon - now);
    } else {
        uint64_t since = 0;
        for (size_t k = 0; k < b->K; k++)
            since += obs->versions[k].since.requests;
        double span = now - b->last_t;
        expect = span > 0 ? (double)since * b->update_every / span : 0;
        if (!b->per_update) { /* batched: learn from the interval's counts */
            b->n_total = 0;
            for (size_t k = 0; k < b->K; k++) {
                b->n[k] = obs->versions[k].total.requests;
                b->s[k] = obs->versions[k].total.successes;
                b->n_total += b->n[k];
            }
        }
        for (size_t k = 0; k < b->K && b->guard; k++) {
            if (!b->gates[k] || !b->active[k])
                continue;
            rs_gate_report r = RS_GATE_REPORT_INIT;
            if (h->gate_check(b->gates[k], obs, 0, &r, err, err_len))
                return -1;
            if (r.action == RS_GATE_ROLLBACK) {
                b->active[k] = 0;
                char d[160];
                snprintf(d, sizeof d, "guard: arm %s removed", obs->versions[k].name);
                h->log_event(b->log, "rollback", (int)k, obs->weights[k * b->ns], d);
            }
        }
    }
    b->last_t = now;
    for (size_t k = 0; k < b->K && b->conservative; k++)
        bounds(b, k);
    log_trace(b);
    act->stage = 1;
    if (n_active(b) == 1) { /* every candidate removed by the guard */
        act->verdict = RS_VERDICT_ROLLBACK;
        return 0;
    }
    double prob[MAX_ARMS] = {0}, sh[MAX_ARMS];
    if (b->alg == ALG_TS || b->promote_at < 1)
        prob_best(b, prob);
    if (b->promote_at < 1 && !obs->first) {
        size_t best = b->base;
        for (size_t k = 0; k < b->K; k++)
            if (prob[k] > prob[best])
                best = k;
        if (prob[best] > b->promote_at) {
            char d[160];
            snprintf(d, sizeof d, "P(%s best) = %.4g > promote_at", obs->versions[best].name, prob[best]);
            h->log_event(b->log, "bandit", (int)best, prob[best], d);
            for (size_t k = 0; k < b->K; k++)
                if (k != b->base)
                    rs_action_set_weight(act, b->ns, k, k == best ? 1 : 0);
            act->verdict = best == b->base ? RS_VERDICT_ROLLBACK : RS_VERDICT_PROMOTE;
            return 0;
        }
    }
    if (b->per_update) {
        /* shown shares: each arm's part of the pulls since the last decision (uniform at the start) */
        uint64_t tot = 0;
        for (size_t k = 0; k < b->K; k++)
            tot += b->n[k] - b->prev_n[k];
        for (size_t k = 0; k < b->K; k++) {
            sh[k] = tot ? (double)(b->n[k] - b->prev_n[k]) / (double)tot : b->active[k] ? 1.0 / (double)n_active(b) : 0;
            b->prev_n[k] = b->n[k];
        }
    } else {
        raw_shares(b, sh, prob);
        constrain(b, sh);
        if (b->conservative)
            conserve(b, sh, expect);
    }
    memcpy(b->share, sh, b->K * sizeof *sh);
    publish(b, act);
    if (b->per_request) {
        act->route = bd_route;
        act->observe = bd_observe;
    }
    double next = now + (b->per_update ? b->decide_every : b->update_every);
    for (size_t k = 0; k < b->K && b->guard; k++)
        if (b->gates[k] && b->active[k]) {
            double g = h->gate_next(b->gates[k], now);
            if (g > now && g < next)
                next = g;
        }
    act->next_decision = next;
    return 0;
}

static const rs_policy_type bandit_type = {
    RS_POLICY_TYPE_HEADER,
    "bandit",
    "a multi-armed bandit over the versions (eps_greedy, ucb1, kl_ucb, thompson) with a baseline floor, caps, a "
    "guard gate, promotion and a conservative mode; batched or per-request updates",
    params,
    sizeof params / sizeof *params,
    sizeof(bandit),
    bd_create,
    bd_decide,
    bd_destroy,
};

RS_PLUGIN_EXPORT const rs_policy_type *rs_policy_entry(void)
{
    return &bandit_type;
}

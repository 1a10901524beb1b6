/* The cohort engine (SPEC §9, issue 11): per step of dt hours and per (segment, version) cell, the counts are
 * drawn from their exact distributions, so that the cost of a replication does not grow with the number of
 * users.
 *
 * Users by class. Sticky routing gives each candidate a band of each segment's user order (core/routing.c).
 * The order is cut at every band boundary that has ever existed into *atoms*; the users of an atom have had
 * the same routing all along, so they are exchangeable, and an atom only needs the number of its users in
 * each state (the exact engine's per-user flags: the candidates the user was exposed to, exposed to any,
 * harmed). When a weight moves, the atom holding the new boundary is split in two, its users' states shared
 * out by a multivariate hypergeometric draw (which of an atom's users sit below the boundary is uniform), so
 * sticky routing keeps its meaning: raising a weight adds users of the next atoms, still unexposed unless they
 * were exposed before; lowering it removes the band's last users with whatever exposure they had. Adjacent
 * atoms whose users are all in one and the same state, and routed alike, are merged back.
 *
 * One step [t0, t1) of a cell with per-user rate lambda(t) (the daily cycle integrated: L = int lambda) and
 * error probability e: a user's error responses X ~ Poisson(L e) and other responses Y ~ Poisson(L (1 - e)) are
 * independent (thinning). Per class of m users routed to a candidate:
 *     a = #{X >= 1} ~ Binomial(m, 1 - exp(-L e))              newly harmed (those not harmed yet) and exposed
 *     b = #{X = 0, Y >= 1} ~ Binomial(m - a, 1 - exp(-L (1 - e)))   exposed, not harmed
 * and then, given a and b (summed over the cell's classes: every user of a cell has the same law),
 *     errors    = sum of a zero-truncated Poisson(L e)
 *     responses without error = Poisson(a L (1 - e)) + sum of b zero-truncated Poisson(L (1 - e))
 *     successes ~ Binomial(responses without error, q)   (q: the success probability of a non-error response)
 * This is the exact joint law of (requests, errors, successes, newly exposed, newly harmed) of the step:
 * requests and the exposure of the same users are NOT drawn independently. The one shortcut: a sum of n
 * zero-truncated Poisson(mu) is drawn as Poisson(n mu) when n exp(-mu) < 1e-12 (the conditioning then moves
 * the law by less than 1e-12 in total variation). A baseline cell needs no classes: requests ~ Poisson(users
 * L), errors and successes binomial. Steps are exact whatever their length: dt only sets where decisions,
 * samples and events may fall.
 *
 * Latency: each window's reservoir becomes, in law, what it would be after the step's requests: the number of
 * new values it keeps is hypergeometric, the old values it drops uniform, the new values fresh lognormal draws
 * (rs_sim_latency_batch). What is approximated: in exact mode the two windows (since the decision, since the
 * stage began) sample the SAME requests; here each window draws its own values, so each window's law is exact
 * but the two windows are independent of each other. No gate reads both windows.
 *
 * Randomness: only the replication's streams (arrivals: who sends requests; outcomes: errors and successes;
 * latency), so results do not depend on --jobs. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rng.h"

typedef struct coh_class {
    rs_user_flags flags;
    uint64_t n;
} coh_class;

typedef struct coh_atom {
    uint64_t lo, hi; /* users [lo, hi) of the segment's order */
    size_t n, cap;   /* classes in use, allocated */
    coh_class *cls;
} coh_atom;

typedef struct coh_seg {
    size_t n, cap; /* atoms in use; allocated (entries past n keep their class buffers for reuse) */
    coh_atom *atoms;
} coh_seg;

typedef struct cohort_state {
    size_t ns;
    coh_seg *seg;
    uint64_t k;        /* whole steps done */
    double now;        /* simulated up to */
    uint64_t *a, *b;   /* per version, this step: users with >= 1 error; with >= 1 response and no error */
    coh_class *moves;  /* scratch: class changes of one atom in one step */
    size_t moves_cap;
    int oom;
} cohort_state;

/* ---- big-count draws ------------------------------------------------------------------------------------ */

/* GSL's binomial (BTPE) loses accuracy at huge counts: its variance comes out 5 % too large at n = 10^9 and
 * 14 % at 2^31 (measured), while it is exact to 0.2 % at 2^24; and it takes 32-bit counts. So a count above
 * 2^24 is first brought down by exact splits that cost O(log n), not O(n / 2^24), keeping a replication's cost
 * flat in the number of users:
 *   Binomial(n, p): with V ~ Beta(i, n + 1 - i) the i-th smallest of n uniforms (i = n / 2), X = Binomial(i - 1,
 *     p / V) if p < V, else i + Binomial(n - i, (p - V) / (1 - V)) (Devroye, Non-Uniform Random Variate
 *     Generation, X.4);
 *   Poisson(mu): with m = 7/8 mu and G ~ Gamma(m) the m-th arrival time of a unit-rate process, X = m +
 *     Poisson(mu - G) if G < mu, else Binomial(m - 1, mu / G) (the split GSL's own Poisson uses, here with the
 *     binomial above). */
#define RS_DRAW_CHUNK 16777216.0

uint64_t rs_draw_binomial(gsl_rng *r, double p, uint64_t n)
{
    uint64_t x = 0;
    for (;;) {
        if (!(p > 0) || n == 0)
            return x;
        if (p >= 1)
            return x + n;
        if ((double)n <= RS_DRAW_CHUNK)
            return x + gsl_ran_binomial(r, p, (unsigned int)n);
        uint64_t i = n / 2;
        double v = gsl_ran_beta(r, (double)i, (double)(n + 1 - i));
        if (p < v) {
            n = i - 1;
            p /= v;
        } else {
            x += i;
            n -= i;
            p = (p - v) / (1 - v);
        }
    }
}

uint64_t rs_draw_poisson(gsl_rng *r, double mu)
{
    uint64_t x = 0;
    while (mu > RS_DRAW_CHUNK) {
        double m = floor(mu * 0.875), g = gsl_ran_gamma(r, m, 1);
        if (g >= mu)
            return x + rs_draw_binomial(r, mu / g, (uint64_t)m - 1);
        x += (uint64_t)m;
        mu -= g;
    }
    return x + (mu > 0 ? gsl_ran_poisson(r, mu) : 0);
}

/* Inversion from the mode: the weights p(x)/p(mode) by their ratio recurrence, summed outwards (up, then down)
 * until a term falls under 1e-17 of the mode's; a second pass with the same cut-off finds where u * total
 * lands. Exact but for rounding, with no log-factorials; cost O(standard deviation). */
uint64_t rs_draw_hypergeometric(gsl_rng *r, uint64_t N, uint64_t K, uint64_t n)
{
    if (K > N)
        K = N;
    if (n > N)
        n = N;
    uint64_t lo = n > N - K ? n - (N - K) : 0, hi = n < K ? n : K;
    if (lo >= hi)
        return lo;
    double Kd = (double)K, nd = (double)n, rest = (double)(N - K) - nd; /* N - K - n, may be negative */
    double mode_d = floor(((double)n + 1) * ((double)K + 1) / ((double)N + 2));
    uint64_t mode = mode_d < (double)lo ? lo : mode_d > (double)hi ? hi : (uint64_t)mode_d;
    const double cut = 1e-17;
    double total = 1, w = 1;
    for (uint64_t x = mode; x < hi; x++) { /* p(x+1)/p(x) */
        w *= (Kd - (double)x) * (nd - (double)x) / (((double)x + 1) * (rest + (double)x + 1));
        if (w < cut)
            break;
        total += w;
    }
    w = 1;
    for (uint64_t x = mode; x > lo; x--) { /* p(x-1)/p(x) */
        w *= (double)x * (rest + (double)x) / ((Kd - (double)x + 1) * (nd - (double)x + 1));
        if (w < cut)
            break;
        total += w;
    }
    double u = gsl_rng_uniform(r) * total - 1;
    if (u < 0)
        return mode;
    w = 1;
    for (uint64_t x = mode; x < hi; x++) {
        w *= (Kd - (double)x) * (nd - (double)x) / (((double)x + 1) * (rest + (double)x + 1));
        if (w < cut)
            break;
        if ((u -= w) < 0)
            return x + 1;
    }
    w = 1;
    for (uint64_t x = mode; x > lo; x--) {
        w *= (double)x * (rest + (double)x) / ((Kd - (double)x + 1) * (nd - (double)x + 1));
        if (w < cut)
            break;
        if ((u -= w) < 0)
            return x - 1;
    }
    return mode; /* rounding left a sliver of u */
}

/* The sum of n independent Poisson(mu) each conditioned on being >= 1: how many are 1, 2, 3, ... by
 * successive binomials with the hazards P(X = k | X >= k), until none is left. */
static uint64_t ztp_sum(gsl_rng *r, uint64_t n, double mu)
{
    if (n == 0)
        return 0;
    if (!(mu > 0))
        return n; /* the limit: exactly one each */
    if ((double)n * exp(-mu) < 1e-12)
        return rs_draw_poisson(r, (double)n * mu); /* no zero to condition away, but with probability < 1e-12 */
    uint64_t left = n, sum = 0;
    for (unsigned k = 1; left > 0; k++) {
        double tail = k == 1 ? -expm1(-mu) : gsl_cdf_poisson_Q(k - 1, mu); /* P(X >= k) */
        double h = tail > 1e-300 ? gsl_ran_poisson_pdf(k, mu) / tail : 1;
        uint64_t x = k > 100000 ? left : rs_draw_binomial(r, h > 1 ? 1 : h, left);
        sum += (uint64_t)k * x;
        left -= x;
    }
    return sum;
}

/* ---- latency windows in batches ------------------------------------------------------------------------- */

void rs_sim_latency_batch(rs_sim *sim, size_t v, size_t c, uint64_t k)
{
    gsl_rng *r = sim->latency_rng;
    rs_reservoir *win[2] = {&sim->lat_interval[v], &sim->lat_stage[v]};
    for (int i = 0; i < 2; i++) {
        rs_reservoir *res = win[i];
        uint64_t total = res->seen + k, cap = res->capacity;
        /* A uniform sample of cap of the total values: how many of them are new is hypergeometric; the old ones
         * it keeps are a uniform subset of the reservoir (itself a uniform sample of the old values). */
        uint64_t fresh = total <= cap ? k : rs_draw_hypergeometric(r, total, k, cap);
        size_t keep = total <= cap ? res->n : (size_t)(cap - fresh);
        for (size_t drop = res->n - keep, j = 0; j < drop; j++) { /* move a random value to the end, cut it */
            size_t last = res->n - 1 - j, pick = (size_t)rs_rng_below(r, last + 1);
            double t = res->values[pick];
            res->values[pick] = res->values[last];
            res->values[last] = t;
        }
        res->n = keep;
        for (uint64_t j = 0; j < fresh; j++)
            res->values[res->n++] = sim->lat_median[c] * exp(sim->lat_sigma[v] * gsl_ran_gaussian_ziggurat(r, 1));
        res->seen = total;
    }
}

/* ---- atoms and classes ---------------------------------------------------------------------------------- */

static int atom_reserve(coh_atom *a, size_t n)
{
    if (n <= a->cap)
        return 0;
    size_t cap = a->cap ? 2 * a->cap : 4;
    while (cap < n)
        cap *= 2;
    coh_class *c = realloc(a->cls, cap * sizeof *c);
    if (!c)
        return -1;
    a->cls = c;
    a->cap = cap;
    return 0;
}

/* Adds n users in state f to atom a. */
static int atom_add(coh_atom *a, rs_user_flags f, uint64_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->cls[i].flags == f) {
            a->cls[i].n += n;
            return 0;
        }
    if (atom_reserve(a, a->n + 1))
        return -1;
    a->cls[a->n++] = (coh_class){f, n};
    return 0;
}

static void atom_compact(coh_atom *a)
{
    size_t j = 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->cls[i].n)
            a->cls[j++] = a->cls[i];
    a->n = j;
}

/* Room for one more atom; entries past n keep their class buffers. */
static int seg_reserve(coh_seg *g)
{
    if (g->n < g->cap)
        return 0;
    size_t cap = g->cap ? 2 * g->cap : 8;
    coh_atom *a = realloc(g->atoms, cap * sizeof *a);
    if (!a)
        return -1;
    memset(a + g->cap, 0, (cap - g->cap) * sizeof *a);
    g->atoms = a;
    g->cap = cap;
    return 0;
}

/* Splits atom i of g at user p (lo < p < hi): the users below p are a uniform subset of the atom, so the
 * count of each state among them is multivariate hypergeometric. */
static int seg_split(coh_seg *g, size_t i, uint64_t p, gsl_rng *r)
{
    if (seg_reserve(g))
        return -1;
    coh_atom spare = g->atoms[g->n];
    memmove(&g->atoms[i + 2], &g->atoms[i + 1], (g->n - i - 1) * sizeof *g->atoms);
    g->atoms[i + 1] = spare;
    g->n++;
    coh_atom *left = &g->atoms[i], *right = &g->atoms[i + 1];
    right->n = 0;
    right->lo = p;
    right->hi = left->hi;
    left->hi = p;
    if (atom_reserve(right, left->n))
        return -1;
    uint64_t total = right->hi - left->lo, want = p - left->lo;
    for (size_t j = 0; j < left->n; j++) {
        uint64_t nj = left->cls[j].n;
        uint64_t x = j + 1 == left->n ? want : rs_draw_hypergeometric(r, total, nj, want);
        if (x > nj) /* cannot happen: the last class holds exactly what is left */
            x = nj;
        total -= nj;
        want -= x;
        left->cls[j].n = x;
        if (nj - x)
            right->cls[right->n++] = (coh_class){left->cls[j].flags, nj - x};
    }
    atom_compact(left);
    return 0;
}

static void seg_merge_next(coh_seg *g, size_t i)
{
    coh_atom gone = g->atoms[i + 1];
    g->atoms[i].hi = gone.hi;
    g->atoms[i].cls[0].n += gone.cls[0].n;
    memmove(&g->atoms[i + 1], &g->atoms[i + 2], (g->n - i - 2) * sizeof *g->atoms);
    g->atoms[g->n - 1] = gone;
    g->atoms[g->n - 1].n = 0;
    g->n--;
}

/* ---- the engine ----------------------------------------------------------------------------------------- */

static void cohort_free(void *state)
{
    cohort_state *x = state;
    if (!x)
        return;
    for (size_t s = 0; x->seg && s < x->ns; s++) {
        for (size_t i = 0; i < x->seg[s].cap; i++)
            free(x->seg[s].atoms[i].cls);
        free(x->seg[s].atoms);
    }
    free(x->seg);
    free(x->a);
    free(x->b);
    free(x->moves);
    free(x);
}

static rs_status cohort_alloc(rs_sim *sim, void **out, rs_error *err)
{
    *out = NULL;
    if (sim->nc > RS_MAX_CANDIDATES)
        RS_FAIL(err, RS_ERR_INPUT, "%s: versions: cohort mode tracks at most %d candidates (got %zu)", sim->sc->file,
                RS_MAX_CANDIDATES, sim->nc);
    cohort_state *x = calloc(1, sizeof *x);
    if (!x)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    x->ns = sim->ns;
    x->seg = calloc(sim->ns, sizeof *x->seg);
    x->a = calloc(sim->nv, sizeof *x->a);
    x->b = calloc(sim->nv, sizeof *x->b);
    x->moves_cap = 16;
    x->moves = calloc(x->moves_cap, sizeof *x->moves);
    int ok = x->seg && x->a && x->b && x->moves;
    for (size_t s = 0; ok && s < sim->ns; s++)
        ok = !seg_reserve(&x->seg[s]) && !atom_reserve(&x->seg[s].atoms[0], 4);
    if (!ok) {
        cohort_free(x);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    }
    *out = x;
    return RS_OK;
}

static rs_status cohort_start(rs_sim *sim, void *state, rs_error *err)
{
    (void)err;
    cohort_state *c = state;
    for (size_t s = 0; s < sim->ns; s++) {
        coh_seg *g = &c->seg[s];
        g->n = 1;
        coh_atom *a = &g->atoms[0];
        a->lo = 0;
        a->hi = sim->segment_users[s];
        a->n = 0;
        atom_add(a, 0, a->hi); /* room for one class was reserved at alloc */
    }
    c->k = 0;
    c->now = 0;
    c->oom = 0;
    return RS_OK;
}

/* Cuts the atoms at the new band boundaries, then merges neighbours that are one state and routed alike. */
static void cohort_routed(rs_sim *sim, void *state, double now)
{
    (void)now;
    cohort_state *c = state;
    for (size_t s = 0; s < sim->ns; s++) {
        coh_seg *g = &c->seg[s];
        const rs_bands *b = &sim->routing.bands[s];
        for (uint32_t k = 0; k < b->n; k++) {
            uint64_t p = b->bound[k];
            size_t lo = 0, hi = g->n; /* the atom holding p: the last with atoms[i].lo <= p */
            while (hi - lo > 1) {
                size_t mid = (lo + hi) / 2;
                if (g->atoms[mid].lo <= p)
                    lo = mid;
                else
                    hi = mid;
            }
            if (p > g->atoms[lo].lo && p < g->atoms[lo].hi && seg_split(g, lo, p, sim->arrivals))
                c->oom = 1;
        }
        for (size_t i = 0; i + 1 < g->n;) {
            coh_atom *x = &g->atoms[i], *y = &g->atoms[i + 1];
            if (x->n == 1 && y->n == 1 && x->cls[0].flags == y->cls[0].flags &&
                rs_routing_route(&sim->routing, s, x->lo) == rs_routing_route(&sim->routing, s, y->lo))
                seg_merge_next(g, i);
            else
                i++;
        }
    }
}

/* Requests per user of segment s over [t0, t1): the rate with its daily cycle, integrated. */
static double integrated_rate(const rs_sim *sim, size_t s, double t0, double t1)
{
    const rs_segment *g = &sim->sc->segments[s];
    double x = t1 - t0;
    if (g->daily > 0) {
        const double w = 2 * M_PI / 24;
        x += g->daily / w * (sin(w * (t1 - g->peak)) - sin(w * (t0 - g->peak)));
    }
    return sim->seg_rate[s] * x;
}

static int push_move(cohort_state *c, size_t *n, rs_user_flags f, uint64_t count)
{
    if (!count)
        return 0;
    if (*n == c->moves_cap) {
        coh_class *m = realloc(c->moves, 2 * c->moves_cap * sizeof *m);
        if (!m)
            return -1;
        c->moves = m;
        c->moves_cap *= 2;
    }
    c->moves[(*n)++] = (coh_class){f, count};
    return 0;
}

/* One step [t0, t1) of segment s. */
static void step_segment(rs_sim *sim, cohort_state *c, size_t s, double t0, double t1)
{
    double L = integrated_rate(sim, s, t0, t1);
    if (!(L > 0))
        return;
    const size_t ns = sim->ns, base = sim->sc->baseline;
    memset(c->a, 0, sim->nv * sizeof *c->a);
    memset(c->b, 0, sim->nv * sizeof *c->b);
    coh_seg *g = &c->seg[s];
    for (size_t i = 0; i < g->n; i++) { /* who among the candidates' users responds, errs: by class */
        coh_atom *at = &g->atoms[i];
        uint32_t v = rs_routing_route(&sim->routing, s, at->lo);
        if (v == base)
            continue;
        size_t cell = v * ns + s;
        double e = sim->err_thr[cell];
        double p_err = -expm1(-L * e), p_ok = -expm1(-L * (1 - e));
        rs_user_flags bit = (rs_user_flags)(1u << sim->cand_of[v]);
        size_t n_moves = 0, n0 = at->n;
        for (size_t j = 0; j < n0; j++) {
            coh_class *k = &at->cls[j];
            uint64_t a = rs_draw_binomial(sim->arrivals, p_err, k->n);
            uint64_t b = rs_draw_binomial(sim->arrivals, p_ok, k->n - a);
            c->a[v] += a;
            c->b[v] += b;
            rs_user_flags f = k->flags, fe = (rs_user_flags)(f | bit | RS_FLAG_EXPOSED_ANY),
                          fh = (rs_user_flags)(fe | RS_FLAG_HARMED);
            if (!(f & bit))
                sim->exposed_cell[cell] += a + b;
            if (!(f & RS_FLAG_EXPOSED_ANY))
                sim->exposed_any += a + b;
            if (!(f & RS_FLAG_HARMED))
                sim->harmed_any += a;
            if (fe != f) {
                k->n -= b;
                if (push_move(c, &n_moves, fe, b))
                    c->oom = 1;
            }
            if (fh != f) {
                k->n -= a;
                if (push_move(c, &n_moves, fh, a))
                    c->oom = 1;
            }
        }
        for (size_t j = 0; j < n_moves; j++)
            if (atom_add(at, c->moves[j].flags, c->moves[j].n))
                c->oom = 1;
        atom_compact(at);
    }
    for (size_t v = 0; v < sim->nv; v++) { /* the cells' counts */
        size_t cell = v * ns + s;
        uint64_t users = sim->routing.users[cell];
        if (!users)
            continue;
        double e = sim->err_thr[cell];
        double q = fmin(1, sim->cur_success[v] * sim->sc->segments[s].success_effect[v]);
        uint64_t errors, ok;
        if (v == base) {
            uint64_t req = rs_draw_poisson(sim->arrivals, (double)users * L);
            errors = rs_draw_binomial(sim->outcomes, e, req);
            ok = req - errors;
        } else {
            errors = ztp_sum(sim->outcomes, c->a[v], L * e);
            ok = rs_draw_poisson(sim->arrivals, (double)c->a[v] * L * (1 - e)) +
                 ztp_sum(sim->arrivals, c->b[v], L * (1 - e));
        }
        rs_counts *cnt = &sim->cells[cell];
        cnt->requests += errors + ok;
        cnt->errors += errors;
        cnt->successes += rs_draw_binomial(sim->outcomes, q, ok);
        if (sim->has_latency && sim->lat_median[cell] > 0 && errors + ok > 0)
            rs_sim_latency_batch(sim, v, cell, errors + ok);
        if (sim->has_labels) /* issue 16: the step's labels, spread over the steps they arrive in */
            rs_labels_step(&sim->labels, c->k, cell, s, errors + ok);
    }
}

/* Steps from where the engine stands to `until`: whole steps k dt, and a last partial one only at the horizon
 * (every other time it is asked for is a whole number of steps, checked by core/sim.c). */
static rs_status cohort_advance(rs_sim *sim, void *state, double until, rs_error *err)
{
    cohort_state *c = state;
    const double dt = sim->dt;
    double q = until / dt, kr = nearbyint(q);
    int on_grid = fabs(q - kr) <= 1e-9 * (q > 1 ? q : 1);
    uint64_t kt = on_grid ? (uint64_t)kr : (uint64_t)floor(q);
    while (c->k < kt && !c->oom) {
        double t1 = (double)(c->k + 1) * dt;
        for (size_t s = 0; s < sim->ns; s++)
            step_segment(sim, c, s, c->now, t1);
        if (sim->has_labels)
            rs_labels_step_end(&sim->labels, c->k);
        c->k++;
        c->now = t1;
    }
    if (!on_grid && c->now < until && !c->oom) {
        for (size_t s = 0; s < sim->ns; s++)
            step_segment(sim, c, s, c->now, until);
        if (sim->has_labels)
            rs_labels_step_end(&sim->labels, c->k);
        c->now = until;
    }
    if (c->oom)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for the cohort classes");
    return RS_OK;
}

static const rs_engine_type cohort_type = {
    .name = "cohort",
    .alloc = cohort_alloc,
    .free_state = cohort_free,
    .start = cohort_start,
    .advance = cohort_advance,
    .routed = cohort_routed,
    .rate_changed = NULL,
};

const rs_engine_type *const rs_engine_cohort = &cohort_type;

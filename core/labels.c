#include "labels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

void rs_labels_free(rs_labels_rt *l)
{
    if (!l)
        return;
    gsl_rng_free(l->rng);
    free(l->thr);
    free(l->arrived);
    free(l->version);
    free(l->sent);
    free(l->in_flight);
    free(l->pool);
    free(l->head);
    free(l->bins);
    free(l->q);
    memset(l, 0, sizeof *l);
}

/* Cohort mode: the probability that a label sent uniformly within a step arrives d steps later, for
 * d = 0 .. n_bins - 1: with u uniform on [0, dt), P(u + D <= x) = (G(x) - G(x - dt)) / dt, G = int F. */
static void step_law(const rs_dist *d, double dt, size_t n_bins, double *q)
{
    double prev = 0;
    for (size_t k = 0; k < n_bins; k++) {
        double x = (double)(k + 1) * dt;
        double h = (rs_delay_integral(d, x) - rs_delay_integral(d, x - dt)) / dt;
        h = fmin(1, fmax(prev, h));
        q[k] = h - prev;
        prev = h;
    }
}

rs_status rs_labels_init(rs_labels_rt *l, const rs_scenario *s, double dt, rs_error *err)
{
    memset(l, 0, sizeof *l);
    l->sc = s;
    l->nv = s->n_versions;
    l->ns = s->n_segments;
    l->n_cells = l->nv * l->ns;
    l->dt = dt;
    l->rng = rs_rng_alloc(s->seed, 0, RS_STREAM_LABELS);
    l->thr = calloc(l->n_cells * 4, sizeof *l->thr);
    l->arrived = calloc(l->n_cells, sizeof *l->arrived);
    l->version = calloc(l->nv, sizeof *l->version);
    l->sent = calloc(l->n_cells, sizeof *l->sent);
    l->in_flight = calloc(l->nv, sizeof *l->in_flight);
    if (!l->rng || !l->thr || !l->arrived || !l->version || !l->sent || !l->in_flight) {
        rs_labels_free(l);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for the labels");
    }
    if (dt > 0) {
        l->n_bins = (size_t)ceil(s->horizon / dt - 1e-9) + 1;
        double entries = (double)l->n_bins * (double)l->n_cells * RS_LABEL_KINDS;
        if (entries > (double)(1u << 27)) {
            rs_labels_free(l);
            RS_FAIL(err, RS_ERR_INPUT,
                    "%s: labels: cohort mode keeps the labels in flight per step and cell, and %.3g steps of "
                    "dt = %g h x %zu cells is too many; set a coarser dt", s->file, s->horizon / dt, dt,
                    l->n_cells);
        }
        l->bins = calloc((size_t)entries, sizeof *l->bins);
        l->q = calloc(l->ns * 2 * l->n_bins, sizeof *l->q);
        if (!l->bins || !l->q) {
            rs_labels_free(l);
            RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for the labels in flight");
        }
        for (size_t g = 0; g < l->ns; g++) {
            step_law(&s->segments[g].labels.delay, dt, l->n_bins, &l->q[(g * 2) * l->n_bins]);
            step_law(&s->segments[g].labels.feedback_delay, dt, l->n_bins, &l->q[(g * 2 + 1) * l->n_bins]);
        }
        return RS_OK;
    }
    /* Exact mode: the labels in flight at any time are Poisson with mean at most rate x fraction x (the time a
     * label may take, capped by the horizon); the heap holds that mean plus six standard deviations, and grows
     * (doubling, so rarely) only if a scripted rate change raises the traffic beyond it. */
    double m = 0;
    for (size_t g = 0; g < l->ns; g++) {
        const rs_segment *seg = &s->segments[g];
        double lam = (double)seg->users * seg->rate * (1 + seg->daily);
        m += lam * seg->labels.fraction * fmin(s->horizon, rs_delay_quantile(&seg->labels.delay, 0.999));
        m += lam * seg->labels.feedback * fmin(s->horizon, rs_delay_quantile(&seg->labels.feedback_delay, 0.999));
    }
    double cap = m + 6 * sqrt(m) + 64;
    if (cap > 1e9) {
        rs_labels_free(l);
        RS_FAIL(err, RS_ERR_INPUT,
                "%s: labels: about %.3g labels would be in flight at once in exact mode; use mode = \"cohort\"",
                s->file, m);
    }
    if (cap > (double)RS_LABEL_NIL - 1) {
        rs_labels_free(l);
        RS_FAIL(err, RS_ERR_INPUT, "%s: labels: about %.3g labels would be in flight at once in exact mode; use "
                "mode = \"cohort\"", s->file, m);
    }
    l->cap = (size_t)cap;
    l->pool = malloc(l->cap * sizeof *l->pool);
    l->head = malloc(RS_LABEL_BUCKETS * sizeof *l->head);
    l->width = s->horizon / (RS_LABEL_BUCKETS - 1);
    if (!l->pool || !l->head) {
        rs_labels_free(l);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for %zu labels in flight", l->cap);
    }
    return RS_OK;
}

void rs_labels_reset(rs_labels_rt *l, uint32_t rep, const rs_version_draw *draws)
{
    const rs_scenario *s = l->sc;
    rs_rng_reset(l->rng, s->seed, rep, RS_STREAM_LABELS);
    l->used = 0;
    l->free = RS_LABEL_NIL;
    l->next_bucket = 0;
    l->oom = 0;
    if (l->head)
        for (size_t b = 0; b < RS_LABEL_BUCKETS; b++)
            l->head[b] = RS_LABEL_NIL;
    memset(l->arrived, 0, l->n_cells * sizeof *l->arrived);
    memset(l->sent, 0, l->n_cells * sizeof *l->sent);
    if (l->bins)
        memset(l->bins, 0, l->n_bins * l->n_cells * RS_LABEL_KINDS * sizeof *l->bins);
    for (size_t v = 0; v < l->nv; v++)
        for (size_t g = 0; g < l->ns; g++) {
            const rs_segment *seg = &s->segments[g];
            double p[4], *t = &l->thr[(v * l->ns + g) * 4];
            rs_quality_cells(seg->prevalence, draws[v].recall, draws[v].specificity, p);
            t[0] = p[0];
            t[1] = p[0] + p[1];
            t[2] = p[0] + p[1] + p[2];
            double acc = p[RS_LABEL_TP] + p[RS_LABEL_TN];
            t[3] = acc * seg->labels.up_if_right + (1 - acc) * seg->labels.up_if_wrong;
        }
}

/* ---- exact mode: a calendar of buckets over the horizon ------------------------------------------------ */

static void count(rs_confusion *x, uint32_t kind, uint64_t n)
{
    uint64_t *f[] = {&x->tp, &x->fp, &x->fn, &x->tn, &x->thumbs_up, &x->thumbs_down};
    *f[kind] += n;
}

static size_t bucket_of(const rs_labels_rt *l, double t)
{
    double b = floor(t / l->width);
    return b < (double)RS_LABEL_BUCKETS ? (size_t)b : RS_LABEL_BUCKETS - 1;
}

void rs_labels_send(rs_labels_rt *l, double t, size_t c, size_t s, int feedback)
{
    const rs_labels *lb = &l->sc->segments[s].labels;
    const double *thr = &l->thr[c * 4];
    double u = rs_rng_uniform(l->rng);
    uint32_t kind = feedback ? (u < thr[3] ? RS_LABEL_UP : RS_LABEL_DOWN)
                    : u < thr[0]  ? RS_LABEL_TP
                    : u < thr[1]  ? RS_LABEL_FP
                    : u < thr[2]  ? RS_LABEL_FN
                                  : RS_LABEL_TN;
    double at = t + rs_dist_draw(feedback ? &lb->feedback_delay : &lb->delay, l->rng);
    l->sent[c]++;
    if (at > l->sc->horizon) /* arrives after the end: stays in flight, never seen */
        return;
    uint32_t i = l->free;
    if (i != RS_LABEL_NIL) {
        l->free = l->pool[i].next;
    } else {
        if (l->used == l->cap) { /* only past the sizing's six standard deviations: doubling, so rarely */
            size_t cap = 2 * l->cap;
            rs_label *p = cap < RS_LABEL_NIL ? realloc(l->pool, cap * sizeof *p) : NULL;
            if (!p) {
                l->oom = 1;
                return;
            }
            l->pool = p;
            l->cap = cap;
        }
        i = (uint32_t)l->used++;
    }
    size_t b = bucket_of(l, at);
    if (b < l->next_bucket) /* a delay of 0 into a bucket already delivered: the current one takes it */
        b = l->next_bucket;
    l->pool[i] = (rs_label){at, (uint32_t)c, kind, l->head[b]};
    l->head[b] = i;
}

/* Delivers the records of bucket b that have arrived by now, keeps the others. */
static void deliver_bucket(rs_labels_rt *l, size_t b, double now)
{
    uint32_t *link = &l->head[b];
    while (*link != RS_LABEL_NIL) {
        uint32_t i = *link;
        rs_label *r = &l->pool[i];
        if (r->t <= now) {
            count(&l->arrived[r->cell], r->kind, 1);
            *link = r->next;
            r->next = l->free;
            l->free = i;
        } else {
            link = &r->next;
        }
    }
}

static void pop_arrived(rs_labels_rt *l, double now)
{
    size_t last = bucket_of(l, now);
    for (; l->next_bucket < last; l->next_bucket++) { /* whole buckets, then the one holding now */
        size_t b = l->next_bucket;
        deliver_bucket(l, b, now);
        while (l->head[b] != RS_LABEL_NIL) { /* rounding left one a hair after now: into now's bucket */
            uint32_t i = l->head[b];
            l->head[b] = l->pool[i].next;
            l->pool[i].next = l->head[last];
            l->head[last] = i;
        }
    }
    deliver_bucket(l, last, now);
}

/* ---- cohort mode ---------------------------------------------------------------------------------------- */

/* Spreads n labels of one kind sent in step k over the later steps by the law q (conditional binomials, which
 * stop as soon as every label is placed); those beyond the last step stay in flight. */
static void spread(rs_labels_rt *l, uint64_t k, size_t c, uint32_t kind, uint64_t n, const double *q)
{
    double left = 1;
    for (uint64_t d = 0; n > 0 && k + d < l->n_bins; d++) {
        if (q[d] <= 0)
            continue;
        uint64_t x = q[d] >= left ? n : rs_draw_binomial(l->rng, fmin(1, q[d] / left), n);
        l->bins[((k + d) * l->n_cells + c) * RS_LABEL_KINDS + kind] += x;
        n -= x;
        left -= q[d];
        if (left <= 0)
            break;
    }
}

void rs_labels_step(rs_labels_rt *l, uint64_t k, size_t c, size_t s, uint64_t n)
{
    const rs_labels *lb = &l->sc->segments[s].labels;
    const double *thr = &l->thr[c * 4];
    if (!n || k >= l->n_bins)
        return;
    if (lb->fraction > 0) {
        uint64_t m = rs_draw_binomial(l->rng, lb->fraction, n), left = m;
        double rest = 1;
        double p[4] = {thr[0], thr[1] - thr[0], thr[2] - thr[1], 1 - thr[2]};
        l->sent[c] += m;
        for (uint32_t kind = 0; kind < 4 && left; kind++) { /* multinomial over the confusion cells */
            uint64_t x = kind == 3 || p[kind] >= rest ? left : rs_draw_binomial(l->rng, fmax(0, p[kind] / rest), left);
            rest -= p[kind];
            left -= x;
            spread(l, k, c, kind, x, &l->q[(s * 2) * l->n_bins]);
        }
    }
    if (lb->feedback > 0) {
        uint64_t m = rs_draw_binomial(l->rng, lb->feedback, n), up = rs_draw_binomial(l->rng, thr[3], m);
        l->sent[c] += m;
        spread(l, k, c, RS_LABEL_UP, up, &l->q[(s * 2 + 1) * l->n_bins]);
        spread(l, k, c, RS_LABEL_DOWN, m - up, &l->q[(s * 2 + 1) * l->n_bins]);
    }
}

void rs_labels_step_end(rs_labels_rt *l, uint64_t k)
{
    if (k >= l->n_bins)
        return;
    const uint64_t *b = &l->bins[k * l->n_cells * RS_LABEL_KINDS];
    for (size_t c = 0; c < l->n_cells; c++)
        for (uint32_t kind = 0; kind < RS_LABEL_KINDS; kind++)
            count(&l->arrived[c], kind, b[c * RS_LABEL_KINDS + kind]);
}

void rs_labels_deliver(rs_labels_rt *l, double now)
{
    if (!l->bins)
        pop_arrived(l, now);
    memset(l->version, 0, l->nv * sizeof *l->version);
    for (size_t v = 0; v < l->nv; v++) {
        uint64_t sent = 0, got = 0;
        for (size_t g = 0; g < l->ns; g++) {
            const rs_confusion *a = &l->arrived[v * l->ns + g];
            rs_confusion *o = &l->version[v];
            o->tp += a->tp, o->fp += a->fp, o->fn += a->fn, o->tn += a->tn;
            o->thumbs_up += a->thumbs_up, o->thumbs_down += a->thumbs_down;
            got += a->tp + a->fp + a->fn + a->tn + a->thumbs_up + a->thumbs_down;
            sent += l->sent[v * l->ns + g];
        }
        l->in_flight[v] = sent - got;
    }
}

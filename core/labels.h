/* Labels and feedback in flight (issue 16): a fraction of requests gets a label (its true class, so the
 * confusion cell of the version's prediction) and a fraction gets user feedback (thumbs up or down), each
 * arriving after a random delay; what a policy sees at t is what has arrived by t.
 *
 * Exact mode: a labelled request takes one fixed-size record (arrival time, cell, kind) from a pool
 * preallocated from the expected number in flight and links it into the calendar bucket of its arrival time
 * (2^16 buckets over the horizon); arrivals are moved into the per-cell counts when the simulation looks
 * (decisions, samples), bucket by bucket, not as events of the shared clock: O(1) per label, where a heap
 * paid a sift through ~10^5 labels in flight (W1 with labels: 21 % of the run in the heap's pops). A scenario without labels never
 * reaches this code: the exact engine's request loop is compiled without it (core/exact.c).
 * Cohort mode: each step's labelled counts per cell and kind are spread over the later steps by the delay law
 * (a multinomial over the steps, drawn as conditional binomials), and each step's arrivals are added when the
 * step ends.
 *
 * Internal to the core. */
#ifndef RS_LABELS_H
#define RS_LABELS_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "quality.h"
#include "rng.h"
#include "rollsim/policy.h"
#include "scenario.h"
#include "status.h"

typedef struct rs_label {
    double t;      /* arrival time (hours) */
    uint32_t cell; /* v * n_segments + s */
    uint32_t kind; /* RS_LABEL_* */
    uint32_t next; /* the next record of its bucket, or of the free list (RS_LABEL_NIL: none) */
} rs_label;
#define RS_LABEL_NIL UINT32_MAX
#define RS_LABEL_BUCKETS 65536

typedef struct rs_labels_rt {
    const rs_scenario *sc;
    size_t nv, ns, n_cells;
    gsl_rng *rng;         /* the replication's labels stream */
    double *thr;          /* per cell: cumulative P(TP), P(TP or FP), P(TP, FP or FN); then P(thumbs up) */
    rs_confusion *arrived; /* per cell, arrived so far */
    rs_confusion *version; /* per version (rs_labels_deliver fills it) */
    uint64_t *sent;        /* per cell: labels and feedback sent so far */
    uint64_t *in_flight;   /* per version (rs_labels_deliver fills it) */
    /* exact mode: the pool of records (used: its high-water mark; free: recycled ones) and the buckets */
    rs_label *pool;
    size_t used, cap;
    uint32_t free;
    uint32_t *head;     /* RS_LABEL_BUCKETS lists; bucket b holds arrivals in [b, b + 1) x width */
    double width;
    size_t next_bucket; /* buckets before it are delivered */
    int oom;
    /* cohort mode: bins[(k * n_cells + c) * RS_LABEL_KINDS + kind] arrive in step k; q[(s * 2 + law) * n_bins + d]
     * is the probability that a label sent in some step arrives d steps later (law 0: labels, 1: feedback) */
    double dt;
    size_t n_bins;
    uint64_t *bins;
    double *q;
} rs_labels_rt;

/* Prepares the labels of scenario s (s->has_labels) for an engine with step dt (0: exact mode, which sizes
 * its heap from the expected labels in flight). Caller frees with rs_labels_free. RS_ERR_INPUT when cohort
 * mode's pipeline would be too large, RS_ERR_RUNTIME when out of memory. */
rs_status rs_labels_init(rs_labels_rt *l, const rs_scenario *s, double dt, rs_error *err);
void rs_labels_free(rs_labels_rt *l);

/* Start of replication rep: empties what is in flight and sets each cell's probabilities from the drawn
 * versions. */
void rs_labels_reset(rs_labels_rt *l, uint32_t rep, const rs_version_draw *draws);

/* Exact mode: request of cell c (segment s) at time t; the rare labelled case is out of line. */
void rs_labels_send(rs_labels_rt *l, double t, size_t c, size_t s, int feedback);
static inline void rs_labels_request(rs_labels_rt *l, double t, size_t c, size_t s)
{
    const rs_labels *lb = &l->sc->segments[s].labels;
    if (lb->fraction > 0 && rs_rng_uniform(l->rng) < lb->fraction)
        rs_labels_send(l, t, c, s, 0);
    if (lb->feedback > 0 && rs_rng_uniform(l->rng) < lb->feedback)
        rs_labels_send(l, t, c, s, 1);
}

/* Cohort mode: n requests of cell c (segment s) in step k. */
void rs_labels_step(rs_labels_rt *l, uint64_t k, size_t c, size_t s, uint64_t n);
/* Cohort mode: step k has ended; its arrivals are counted. */
void rs_labels_step_end(rs_labels_rt *l, uint64_t k);

/* Moves what has arrived by `now` into the counts (exact mode) and fills the per-version totals and labels
 * in flight. */
void rs_labels_deliver(rs_labels_rt *l, double now);

#endif

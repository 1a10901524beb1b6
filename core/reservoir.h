/* A bounded uniform sample of a stream (reservoir sampling, Vitter's algorithm R): after n values, each is in
 * the reservoir with probability min(1, capacity / n). Used for per-request latencies, which the gates judge
 * by quantiles and rank tests without keeping every request. */
#ifndef RS_RESERVOIR_H
#define RS_RESERVOIR_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

typedef struct rs_reservoir {
    double *values; /* capacity slots, owned */
    size_t capacity, n;
    uint64_t seen;
} rs_reservoir;

/* Allocates the slots; 0 or -1 when out of memory. Free with rs_reservoir_free. */
int rs_reservoir_init(rs_reservoir *r, size_t capacity);
void rs_reservoir_free(rs_reservoir *r);

static inline void rs_reservoir_clear(rs_reservoir *r)
{
    r->n = 0;
    r->seen = 0;
}

static inline void rs_reservoir_add(rs_reservoir *r, double x, gsl_rng *rng)
{
    r->seen++;
    if (r->n < r->capacity) {
        r->values[r->n++] = x;
        return;
    }
    uint64_t j = rs_rng_below(rng, r->seen);
    if (j < r->capacity)
        r->values[j] = x;
}

#endif

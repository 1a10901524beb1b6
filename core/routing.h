/* Sticky routing (SPEC §2): a candidate with weight w covers exactly the first floor(w * size) users of each
 * segment, candidates taking consecutive bands in version order; the baseline serves the rest. Users of a
 * segment are exchangeable, so the order is simply their index and nothing per user is stored. */
#ifndef RS_ROUTING_H
#define RS_ROUTING_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define RS_MAX_BANDS 16

typedef struct rs_bands {
    uint32_t n;                     /* bands in use */
    uint32_t version[RS_MAX_BANDS]; /* version of band i */
    uint64_t bound[RS_MAX_BANDS];   /* band i covers users [bound[i-1], bound[i]) */
} rs_bands;

typedef struct rs_routing {
    size_t n_versions, n_segments, baseline;
    const uint64_t *segment_users; /* not owned */
    double *weights;               /* [v * n_segments + s] */
    uint64_t *users;               /* users routed per cell, same indexing */
    uint64_t *version_users;       /* users routed per version */
    rs_bands *bands;               /* per segment */
} rs_routing;

/* Allocates the tables; all weights start at 0. Free with rs_routing_free. */
rs_status rs_routing_init(rs_routing *r, size_t n_versions, size_t n_segments, size_t baseline,
                          const uint64_t *segment_users, rs_error *err);
void rs_routing_free(rs_routing *r);

/* Sets the weights (same indexing as r->weights; the baseline's entries are ignored, then set to its share)
 * and rebuilds the bands.
 * The caller has validated them (finite, in [0, 1], candidates summing to <= 1 per segment). */
void rs_routing_apply(rs_routing *r, const double *weights);

/* floor(w * size), robust to decimal weights such as 0.29 * 100 = 28.999999999999996 in binary. */
uint64_t rs_routing_band_users(double w, uint64_t size);

/* The version serving user u of segment s. */
static inline uint32_t rs_routing_route(const rs_routing *r, size_t s, uint64_t u)
{
    const rs_bands *b = &r->bands[s];
    for (uint32_t i = 0; i < b->n; i++)
        if (u < b->bound[i])
            return b->version[i];
    return (uint32_t)r->baseline;
}

#endif

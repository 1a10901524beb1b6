#include "routing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

rs_status rs_routing_init(rs_routing *r, size_t n_versions, size_t n_segments, size_t baseline,
                          const uint64_t *segment_users, rs_error *err)
{
    memset(r, 0, sizeof *r);
    r->n_versions = n_versions;
    r->n_segments = n_segments;
    r->baseline = baseline;
    r->segment_users = segment_users;
    size_t cells = n_versions * n_segments;
    r->weights = calloc(cells, sizeof *r->weights);
    r->users = calloc(cells, sizeof *r->users);
    r->version_users = calloc(n_versions, sizeof *r->version_users);
    r->bands = calloc(n_segments, sizeof *r->bands);
    if (!r->weights || !r->users || !r->version_users || !r->bands) {
        rs_routing_free(r);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for routing tables");
    }
    rs_routing_apply(r, r->weights);
    return RS_OK;
}

void rs_routing_free(rs_routing *r)
{
    if (!r)
        return;
    free(r->weights);
    free(r->users);
    free(r->version_users);
    free(r->bands);
    memset(r, 0, sizeof *r);
}

uint64_t rs_routing_band_users(double w, uint64_t size)
{
    double x = w * (double)size;
    /* A relative slack of 1e-12 turns 28.999999999999996 into 29 without moving any honest fraction. */
    double k = floor(x + 1e-12 * (x > 1 ? x : 1));
    if (k < 0)
        return 0;
    return k > (double)size ? size : (uint64_t)k;
}

void rs_routing_apply(rs_routing *r, const double *weights)
{
    if (weights != r->weights)
        memcpy(r->weights, weights, r->n_versions * r->n_segments * sizeof *weights);
    memset(r->version_users, 0, r->n_versions * sizeof *r->version_users);
    for (size_t s = 0; s < r->n_segments; s++) {
        rs_bands *b = &r->bands[s];
        uint64_t size = r->segment_users[s], start = 0;
        double sum_w = 0;
        b->n = 0;
        for (size_t v = 0; v < r->n_versions; v++) {
            size_t c = v * r->n_segments + s;
            if (v == r->baseline)
                continue;
            sum_w += r->weights[c];
            uint64_t k = rs_routing_band_users(r->weights[c], size);
            if (start + k > size) /* rounding can never push past the segment, but stay safe */
                k = size - start;
            r->users[c] = k;
            r->version_users[v] += k;
            if (k > 0 && b->n < RS_MAX_BANDS) {
                start += k;
                b->version[b->n] = (uint32_t)v;
                b->bound[b->n] = start;
                b->n++;
            }
        }
        size_t cb = r->baseline * r->n_segments + s;
        r->weights[cb] = sum_w < 1 ? 1 - sum_w : 0; /* shown to policies; routing ignores it */
        r->users[cb] = size - start;
        r->version_users[r->baseline] += size - start;
    }
}

#include "rng.h"

#include <string.h>

/* Philox4x32 constants (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", 2011). */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void rs_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n1 = (uint32_t)p1;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        uint32_t n3 = (uint32_t)p0;
        c0 = n0, c1 = n1, c2 = n2, c3 = n3;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

void rs_philox_refill(rs_philox_state *s)
{
    uint32_t c[RS_PHILOX_LANES][4], k0 = s->key[0], k1 = s->key[1];
    for (int l = 0; l < RS_PHILOX_LANES; l++) {
        memcpy(c[l], s->ctr, sizeof c[l]);
        if (++s->ctr[0] == 0)
            ++s->ctr[1];
    }
    for (int round = 0; round < 10; round++) {
        for (int l = 0; l < RS_PHILOX_LANES; l++) { /* the same round as rs_philox4x32_10, lane by lane */
            uint64_t p0 = (uint64_t)PHILOX_M0 * c[l][0];
            uint64_t p1 = (uint64_t)PHILOX_M1 * c[l][2];
            uint32_t n0 = (uint32_t)(p1 >> 32) ^ c[l][1] ^ k0;
            uint32_t n2 = (uint32_t)(p0 >> 32) ^ c[l][3] ^ k1;
            c[l][0] = n0, c[l][1] = (uint32_t)p1, c[l][2] = n2, c[l][3] = (uint32_t)p0;
        }
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    memcpy(s->buf, c, sizeof s->buf);
    s->idx = 0;
}

static void position(rs_philox_state *s, uint64_t seed, uint32_t rep, uint32_t stream)
{
    memset(s, 0, sizeof *s);
    s->key[0] = (uint32_t)seed;
    s->key[1] = (uint32_t)(seed >> 32);
    s->ctr[2] = rep;
    s->ctr[3] = stream;
    s->idx = RS_PHILOX_WORDS;
}

static void philox_set(void *state, unsigned long seed)
{
    position(state, (uint64_t)seed, 0, 0);
}

static unsigned long philox_get(void *state)
{
    rs_philox_state *s = state;
    if (s->idx >= RS_PHILOX_WORDS)
        rs_philox_refill(s);
    return s->buf[s->idx++];
}

static double philox_get_double(void *state)
{
    rs_philox_state *s = state;
    if (s->idx >= RS_PHILOX_WORDS - 1)
        rs_philox_refill(s);
    uint64_t x = ((uint64_t)s->buf[s->idx] << 32) | s->buf[s->idx + 1];
    s->idx += 2;
    return (double)(x >> 11) * 0x1.0p-53;
}

static const gsl_rng_type philox_type = {
    "philox4x32-10", 0xffffffffUL, 0, sizeof(rs_philox_state), philox_set, philox_get, philox_get_double,
};

const gsl_rng_type *rs_rng_philox = &philox_type;

gsl_rng *rs_rng_alloc(uint64_t seed, uint32_t rep, uint32_t stream)
{
    gsl_rng *r = gsl_rng_alloc(rs_rng_philox);
    if (r)
        rs_rng_reset(r, seed, rep, stream);
    return r;
}

void rs_rng_reset(gsl_rng *r, uint64_t seed, uint32_t rep, uint32_t stream)
{
    position(r->state, seed, rep, stream);
}

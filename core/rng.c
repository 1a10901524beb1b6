#include "rng.h"

/* The state of draw 0 of stream (seed, rep, stream); draw i returns rs_splitmix64(start + i * GAMMA). */
static uint64_t stream_start(uint64_t seed, uint32_t rep, uint32_t stream)
{
    uint64_t off = rs_splitmix64(seed); /* nearby seeds land far apart on the sequence */
    uint64_t p = ((uint64_t)(stream & 15u) << 60) | ((uint64_t)(rep & (RS_RNG_MAX_REPS - 1)) << 36);
    return off + p * RS_RNG_GAMMA;
}

static void rng_set(void *state, unsigned long seed)
{
    rs_rng_state *s = state;
    s->x = s->start = stream_start((uint64_t)seed, 0, 0);
}

static unsigned long rng_get(void *state)
{
    rs_rng_state *s = state;
    uint64_t x = s->x;
    s->x = x + RS_RNG_GAMMA;
    return (unsigned long)(rs_splitmix64(x) >> 32);
}

static double rng_get_double(void *state)
{
    rs_rng_state *s = state;
    uint64_t x = s->x;
    s->x = x + RS_RNG_GAMMA;
    return (double)(rs_splitmix64(x) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type splitmix_type = {
    "rollsim-splitmix64", 0xffffffffUL, 0, sizeof(rs_rng_state), rng_set, rng_get, rng_get_double,
};

const gsl_rng_type *rs_rng_splitmix = &splitmix_type;

gsl_rng *rs_rng_alloc(uint64_t seed, uint32_t rep, uint32_t stream)
{
    gsl_rng *r = gsl_rng_alloc(rs_rng_splitmix);
    if (r)
        rs_rng_reset(r, seed, rep, stream);
    return r;
}

void rs_rng_reset(gsl_rng *r, uint64_t seed, uint32_t rep, uint32_t stream)
{
    rs_rng_state *s = r->state;
    s->x = s->start = stream_start(seed, rep, stream);
}

uint64_t rs_rng_used(const gsl_rng *r)
{
    /* (x - start) = used * GAMMA mod 2^64; GAMMA is odd, so multiply by its inverse (Newton's iteration
     * doubles the correct low bits each step: 3 -> 6 -> ... -> 96 >= 64). */
    const rs_rng_state *s = r->state;
    uint64_t inv = RS_RNG_GAMMA;
    for (int i = 0; i < 5; i++)
        inv *= 2 - RS_RNG_GAMMA * inv;
    return (s->x - s->start) * inv;
}

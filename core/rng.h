/* Random streams, counter-based: every replication's streams are disjoint slices of one SplitMix64 sequence
 * (Steele, Lea & Flood 2014; Java's SplittableRandom), wrapped as a GSL rng type so the gsl_ran_*
 * distributions apply.
 *
 * Draw i of stream (seed, rep, stream) is rs_splitmix64(off(seed) + (p + i) * GAMMA), with p = stream * 2^60 +
 * rep * 2^36 and off(seed) = rs_splitmix64(seed). GAMMA is odd, so distinct positions give distinct states, and
 * each (rep, stream) owns the positions [p, p + 2^36): two streams of one run cannot overlap as long as each
 * draws fewer than 2^36 numbers per replication (checked after every replication, see rs_rng_used) with
 * rep < 2^24 and stream < 16. Like Philox it gives random access to any stream at no cost; unlike Philox-10
 * a draw is a few instructions, which the hot path needs (SPEC §9: within 1.5x of a hand-written loop). */
#ifndef RS_RNG_H
#define RS_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

/* Stream ids: separate streams keep common random numbers when only the policy changes. */
enum {
    RS_STREAM_ARRIVALS = 0, /* inter-arrival times and which user sends a request */
    RS_STREAM_OUTCOMES = 1, /* error / success of each response */
    RS_STREAM_POLICY = 2,   /* draws made by the policy plugin */
    RS_STREAM_VERSIONS = 3, /* per-replication draws of version parameters */
    RS_STREAM_LATENCY = 4,  /* per-request latencies and the reservoirs that sample them */
    RS_STREAM_LABELS = 5    /* issue 16: which requests get a label or feedback, its kind and its delay */
};

#define RS_RNG_GAMMA UINT64_C(0x9E3779B97F4A7C15)
#define RS_RNG_MAX_REPS (UINT64_C(1) << 24)
#define RS_RNG_STREAM_DRAWS (UINT64_C(1) << 36)

typedef struct rs_rng_state {
    uint64_t x;     /* state of the next draw */
    uint64_t start; /* state before the stream's first draw */
} rs_rng_state;

extern const gsl_rng_type *rs_rng_splitmix;

/* SplitMix64 of W1.md: mix(x + GAMMA). */
static inline uint64_t rs_splitmix64(uint64_t x)
{
    uint64_t z = x + RS_RNG_GAMMA;
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Allocates a gsl_rng positioned at the start of stream (seed, rep, stream). Caller frees with gsl_rng_free.
 * Returns NULL when out of memory. */
gsl_rng *rs_rng_alloc(uint64_t seed, uint32_t rep, uint32_t stream);
/* Repositions r (allocated by rs_rng_alloc) at the start of stream (seed, rep, stream). */
void rs_rng_reset(gsl_rng *r, uint64_t seed, uint32_t rep, uint32_t stream);
/* Numbers drawn from r since its last reset (must stay below RS_RNG_STREAM_DRAWS). */
uint64_t rs_rng_used(const gsl_rng *r);

/* Hot-path draws: inline, straight from the state (no function pointer). */
static inline uint64_t rs_rng_u64(gsl_rng *r)
{
    rs_rng_state *s = (rs_rng_state *)r->state;
    uint64_t x = s->x;
    s->x = x + RS_RNG_GAMMA;
    return rs_splitmix64(x);
}

static inline uint32_t rs_rng_u32(gsl_rng *r)
{
    return (uint32_t)(rs_rng_u64(r) >> 32);
}

/* Uniform on [0, 1) with 53 random bits. */
static inline double rs_rng_uniform(gsl_rng *r)
{
    return (double)(rs_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform on (0, 1], for logarithms. */
static inline double rs_rng_uniform_pos(gsl_rng *r)
{
    return (double)((rs_rng_u64(r) >> 11) + 1) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n >= 1, exactly unbiased (Lemire's multiply-and-reject). */
static inline uint64_t rs_rng_below(gsl_rng *r, uint64_t n)
{
    uint64_t x = rs_rng_u64(r);
    __uint128_t m = (__uint128_t)x * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t floor_ = (0 - n) % n;
        while (low < floor_) {
            x = rs_rng_u64(r);
            m = (__uint128_t)x * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

#endif

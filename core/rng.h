/* Random streams: Philox4x32-10 (Salmon et al. 2011, counter-based) wrapped as a GSL rng type, so the
 * gsl_ran_* distributions apply. A stream is keyed by (seed, replication, stream id): the 64-bit seed is the
 * Philox key, and the counter is (block index lo, block index hi, replication, stream id), so two streams
 * never share a counter value and cannot overlap (2^64 blocks of 128 bits each). */
#ifndef RS_RNG_H
#define RS_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

/* Stream ids: separate streams keep common random numbers when only the policy changes. */
enum {
    RS_STREAM_ARRIVALS = 0, /* inter-arrival times and which user sends a request */
    RS_STREAM_OUTCOMES = 1, /* error / success of each response */
    RS_STREAM_POLICY = 2,   /* draws made by the policy plugin */
    RS_STREAM_VERSIONS = 3  /* per-replication draws of version parameters */
};

/* Blocks are computed RS_PHILOX_LANES at a time: their rounds are independent, so the processor overlaps them
 * (one block alone is bound by the latency of its 10 dependent rounds). The output is the same sequence of
 * words as one block at a time. */
#define RS_PHILOX_LANES 4
#define RS_PHILOX_WORDS (4 * RS_PHILOX_LANES)

typedef struct rs_philox_state {
    uint32_t key[2];
    uint32_t ctr[4];                /* next block to compute */
    uint32_t buf[RS_PHILOX_WORDS];  /* output of the current blocks, in order */
    unsigned idx;                   /* next unused word of buf; RS_PHILOX_WORDS = empty */
} rs_philox_state;

extern const gsl_rng_type *rs_rng_philox;

/* One Philox4x32-10 block: out = philox(ctr, key). */
void rs_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* Allocates a Philox gsl_rng positioned at the start of stream (seed, rep, stream). Caller frees with
 * gsl_rng_free. Returns NULL when out of memory. */
gsl_rng *rs_rng_alloc(uint64_t seed, uint32_t rep, uint32_t stream);
/* Repositions r (allocated by rs_rng_alloc) at the start of stream (seed, rep, stream). */
void rs_rng_reset(gsl_rng *r, uint64_t seed, uint32_t rep, uint32_t stream);

void rs_philox_refill(rs_philox_state *s);

/* Hot-path draws: inline, straight from the state (no function pointer). */
static inline uint32_t rs_rng_u32(gsl_rng *r)
{
    rs_philox_state *s = (rs_philox_state *)r->state;
    if (s->idx >= RS_PHILOX_WORDS)
        rs_philox_refill(s);
    return s->buf[s->idx++];
}

static inline uint64_t rs_rng_u64(gsl_rng *r)
{
    rs_philox_state *s = (rs_philox_state *)r->state;
    if (s->idx >= RS_PHILOX_WORDS - 1)
        rs_philox_refill(s); /* a 64-bit draw takes two consecutive words (a lone last word is skipped) */
    uint64_t x = ((uint64_t)s->buf[s->idx] << 32) | s->buf[s->idx + 1];
    s->idx += 2;
    return x;
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

/* Uniform on [0, 1) with 32 random bits: for Bernoulli draws, P(u < p) is p rounded up to a multiple of
 * 2^-32 (an error below 2.4e-10), at half the cost of a 53-bit draw. */
static inline double rs_rng_uniform32(gsl_rng *r)
{
    return (double)rs_rng_u32(r) * 0x1.0p-32;
}

/* Uniform integer in [0, n), 1 <= n <= 2^32, exactly unbiased (Lemire's multiply-and-reject, 32-bit). */
static inline uint32_t rs_rng_below32(gsl_rng *r, uint32_t n)
{
    uint64_t m = (uint64_t)rs_rng_u32(r) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t floor_ = (0u - n) % n;
        while (low < floor_) {
            m = (uint64_t)rs_rng_u32(r) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
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

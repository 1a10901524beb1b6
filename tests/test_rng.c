/* The counter-based SplitMix64 streams of core/rng.h: the finaliser against W1.md's check values, the
 * position of each stream on the sequence, non-overlap bookkeeping, and moments. */
#include "check.h"

#include <gsl/gsl_randist.h>

#include "rng.h"

static void known_answers(void **state)
{
    (void)state;
    /* shared/W1.md: splitmix64(0) = 0xe220a8397b1dcdaf, splitmix64(1) = 0x910a2dec89025cc1. */
    assert_int_equal(rs_splitmix64(0), UINT64_C(0xe220a8397b1dcdaf));
    assert_int_equal(rs_splitmix64(1), UINT64_C(0x910a2dec89025cc1));
}

static void stream_positions(void **state)
{
    (void)state;
    /* Draw i of (seed, rep, stream) is splitmix64(off + (p + i) GAMMA) with off = splitmix64(seed) and
     * p = stream 2^60 + rep 2^36 (the state before a draw advances by GAMMA). */
    const uint64_t G = UINT64_C(0x9E3779B97F4A7C15), seed = 12345;
    gsl_rng *r = rs_rng_alloc(seed, 7, 3);
    uint64_t base = rs_splitmix64(seed) + ((UINT64_C(3) << 60) | (UINT64_C(7) << 36)) * G;
    for (uint64_t i = 0; i < 5; i++)
        assert_int_equal(rs_rng_u64(r), rs_splitmix64(base + i * G));
    assert_int_equal(rs_rng_used(r), 5);
    /* Stream (rep 7, stream 3) ends where (rep 8, stream 3) begins: 2^36 draws later. */
    gsl_rng *next = rs_rng_alloc(seed, 8, 3);
    assert_int_equal(rs_rng_u64(next), rs_splitmix64(base + (UINT64_C(1) << 36) * G));
    /* Reset goes back to the start; rs_rng_used counts draws exactly, also through the GSL interface. */
    rs_rng_reset(r, seed, 7, 3);
    assert_int_equal(rs_rng_used(r), 0);
    for (int i = 0; i < 1000; i++)
        (void)gsl_rng_get(r);
    (void)gsl_rng_uniform(r);
    assert_int_equal(rs_rng_used(r), 1001);
    gsl_rng_free(r);
    gsl_rng_free(next);
}

static void uniform_moments(void **state)
{
    (void)state;
    /* Mean and variance of 10^6 uniforms: standard errors 1/sqrt(12 n) = 2.9e-4 and sqrt(1/180 n) = 7.5e-5;
     * tolerance 5 standard errors. rs_rng_below(n): each of 10 values has p = 0.1, count sd = sqrt(n p q). */
    gsl_rng *r = rs_rng_alloc(1, 0, 0);
    const int n = 1000000;
    double s = 0, s2 = 0;
    long counts[10] = {0};
    for (int i = 0; i < n; i++) {
        double u = rs_rng_uniform(r);
        assert_true(u >= 0 && u < 1);
        s += u, s2 += u * u;
        counts[rs_rng_below(r, 10)]++;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    assert_near(mean, 0.5, 5 * sqrt(1.0 / (12.0 * n)));
    assert_near(var, 1.0 / 12, 5 * sqrt(1.0 / (180.0 * n)));
    for (int k = 0; k < 10; k++)
        assert_near((double)counts[k], n * 0.1, 5 * sqrt(n * 0.1 * 0.9));
    /* The GSL interface works on the same type (gsl_ran_* draw through it). */
    assert_string_equal(gsl_rng_name(r), "rollsim-splitmix64");
    double g = 0;
    for (int i = 0; i < 100000; i++)
        g += gsl_ran_gaussian(r, 1.0);
    assert_near(g / 100000, 0, 5 / sqrt(100000.0));
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers),
        cmocka_unit_test(stream_positions),
        cmocka_unit_test(uniform_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

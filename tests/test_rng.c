/* Philox4x32-10 against Random123's published known-answer vectors, and stream independence. */
#include "check.h"

#include <gsl/gsl_randist.h>

#include "rng.h"

static void known_answers(void **state)
{
    (void)state;
    /* Random123 tests/kat_vectors, philox4x32 10 rounds. */
    static const uint32_t cases[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e,
         0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb,
         0x5001e420, 0x24126ea1},
    };
    for (int i = 0; i < 3; i++) {
        uint32_t out[4];
        rs_philox4x32_10(&cases[i][0], &cases[i][4], out);
        for (int j = 0; j < 4; j++)
            assert_int_equal(out[j], cases[i][6 + j]);
    }
}

static void stream_positions(void **state)
{
    (void)state;
    /* The first block of stream (seed, rep, stream) is philox((0, 0, rep, stream), seed). */
    gsl_rng *r = rs_rng_alloc(UINT64_C(0x299f31d0a4093822), 7, 3);
    uint32_t ctr[4] = {0, 0, 7, 3}, key[2] = {0xa4093822, 0x299f31d0}, out[4];
    rs_philox4x32_10(ctr, key, out);
    for (int j = 0; j < 4; j++)
        assert_int_equal(rs_rng_u32(r), out[j]);
    ctr[0] = 1; /* then the next block */
    rs_philox4x32_10(ctr, key, out);
    assert_int_equal(rs_rng_u32(r), out[0]);
    /* Reset goes back to the start; a different replication gives a different first word. */
    rs_rng_reset(r, UINT64_C(0x299f31d0a4093822), 7, 3);
    uint32_t first = rs_rng_u32(r);
    rs_rng_reset(r, UINT64_C(0x299f31d0a4093822), 8, 3);
    assert_int_not_equal(rs_rng_u32(r), first);
    gsl_rng_free(r);
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
    assert_string_equal(gsl_rng_name(r), "philox4x32-10");
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

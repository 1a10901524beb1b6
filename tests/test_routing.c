/* Sticky routing (SPEC §2): exact counts floor(w * size), sticky, monotone, consecutive bands. */
#include "check.h"

#include <stdlib.h>

#include "routing.h"

static void exact_counts(void **state)
{
    (void)state;
    /* Decimal weights whose binary product falls just under the integer must still give floor of the
     * decimal product: 0.29 * 100 = 28.999999999999996 in binary, yet 29 users. */
    assert_int_equal(rs_routing_band_users(0.29, 100), 29);
    assert_int_equal(rs_routing_band_users(0.57, 100), 57);
    assert_int_equal(rs_routing_band_users(0.1, 100), 10);
    assert_int_equal(rs_routing_band_users(0.015, 1000), 15);
    assert_int_equal(rs_routing_band_users(0.0149, 1000), 14);
    assert_int_equal(rs_routing_band_users(1.0 / 3, 100), 33);
    assert_int_equal(rs_routing_band_users(0, 100), 0);
    assert_int_equal(rs_routing_band_users(1, 100000), 100000);
    /* Every weight k/100 on 100000 users gives exactly 1000 k. */
    for (int k = 0; k <= 100; k++)
        assert_int_equal(rs_routing_band_users(k / 100.0, 100000), 1000 * k);
}

static size_t count_candidate(const rs_routing *r, size_t s, uint64_t n, uint32_t v)
{
    size_t c = 0;
    for (uint64_t u = 0; u < n; u++)
        c += rs_routing_route(r, s, u) == v;
    return c;
}

static void sticky_and_monotone(void **state)
{
    (void)state;
    const uint64_t users[2] = {1000, 337};
    rs_routing r;
    rs_error err;
    assert_int_equal(rs_routing_init(&r, 2, 2, 0, users, &err), RS_OK);
    double w[4] = {0};
    unsigned char *was = calloc(users[0], 1);
    double ladder[] = {0.01, 0.05, 0.25, 0.5, 1.0};
    for (int k = 0; k < 5; k++) {
        w[1 * 2 + 0] = ladder[k];
        w[1 * 2 + 1] = ladder[k];
        rs_routing_apply(&r, w);
        /* exact: the count routed is floor(w * size), and it is what the table says */
        assert_int_equal(count_candidate(&r, 0, users[0], 1), rs_routing_band_users(ladder[k], users[0]));
        assert_int_equal(count_candidate(&r, 1, users[1], 1), rs_routing_band_users(ladder[k], users[1]));
        assert_int_equal(r.version_users[1], rs_routing_band_users(ladder[k], 1000) +
                                                 rs_routing_band_users(ladder[k], 337));
        assert_int_equal(r.version_users[0] + r.version_users[1], 1337);
        /* monotone: everyone on the candidate before still is (raising a weight only adds users) */
        for (uint64_t u = 0; u < users[0]; u++) {
            int now = rs_routing_route(&r, 0, u) == 1;
            if (was[u])
                assert_true(now);
            was[u] = (unsigned char)now;
        }
        /* sticky: routing the same user again gives the same version */
        for (uint64_t u = 0; u < users[0]; u += 7)
            assert_int_equal(rs_routing_route(&r, 0, u), rs_routing_route(&r, 0, u));
    }
    /* lowering only removes users */
    w[1 * 2 + 0] = 0.3;
    rs_routing_apply(&r, w);
    for (uint64_t u = 0; u < users[0]; u++)
        if (rs_routing_route(&r, 0, u) == 1)
            assert_true(was[u]);
    assert_int_equal(count_candidate(&r, 0, users[0], 1), 300);
    free(was);
    rs_routing_free(&r);
}

static void consecutive_bands_and_segments(void **state)
{
    (void)state;
    /* versions: 0 candidate A, 1 baseline, 2 candidate B; one segment of 100 users, another of 10. */
    const uint64_t users[2] = {100, 10};
    rs_routing r;
    rs_error err;
    assert_int_equal(rs_routing_init(&r, 3, 2, 1, users, &err), RS_OK);
    double w[6] = {0.2, 0.5, /* A */ 0, 0, /* baseline, ignored */ 0.3, 0 /* B: segment 0 only */};
    rs_routing_apply(&r, w);
    for (uint64_t u = 0; u < 100; u++)
        assert_int_equal(rs_routing_route(&r, 0, u), u < 20 ? 0 : u < 50 ? 2 : 1);
    for (uint64_t u = 0; u < 10; u++)
        assert_int_equal(rs_routing_route(&r, 1, u), u < 5 ? 0 : 1);
    assert_int_equal(r.version_users[0], 25);
    assert_int_equal(r.version_users[2], 30);
    assert_int_equal(r.version_users[1], 55);
    assert_near(r.weights[1 * 2 + 0], 0.5, 1e-15); /* the baseline is shown its share */
    rs_routing_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_counts),
        cmocka_unit_test(sticky_and_monotone),
        cmocka_unit_test(consecutive_bands_and_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

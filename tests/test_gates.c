/* The z-test gate against values computed by hand from its formula (W1.md):
 *   p = (xc + xb) / (nc + nb),  z = (xc/nc - xb/nb) / sqrt(p (1 - p) (1/nc + 1/nb)),  fail iff z > z_{1-alpha}.
 * Expected z values below were worked out with that formula in double precision outside rollsim. */
#include "check.h"

#include "gates.h"

static rs_gate_result run(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double alpha, double *z)
{
    rs_ztest_input in = {xc, nc, xb, nb, alpha};
    return rs_gate_ztest(&in, z);
}

static void hand_computed(void **state)
{
    (void)state;
    double z;
    /* 30/1000 vs 100/10000: p = 130/11000, se = sqrt(p(1-p) * 0.0011) = 0.0035842 -> z = 0.02 / se. */
    assert_int_equal(run(30, 1000, 100, 10000, 0.05, &z), RS_GATE_FAIL);
    assert_near(z, 5.580073122264577, 1e-12);
    /* 12/1000 vs 9/1000: p = 0.0105 -> z = 0.003 / sqrt(0.0105 * 0.9895 * 0.002) = 0.65812. */
    assert_int_equal(run(12, 1000, 9, 1000, 0.05, &z), RS_GATE_PASS);
    assert_near(z, 0.6581179073395734, 1e-12);
    /* A better candidate: 5/1000 vs 20/1000 -> z = -3.0189, one-sided: pass. */
    assert_int_equal(run(5, 1000, 20, 1000, 0.05, &z), RS_GATE_PASS);
    assert_near(z, -3.018927632559765, 1e-12);
}

static void threshold_is_one_sided_z_crit(void **state)
{
    (void)state;
    double z;
    /* z_crit(0.05) = 1.6448536269514722 (W1.md): 124 vs 125 errors of 10000 against 100 of 10000 straddle it. */
    assert_int_equal(run(124, 10000, 100, 10000, 0.05, &z), RS_GATE_PASS);
    assert_near(z, 1.6126235720157396, 1e-12);
    assert_int_equal(run(125, 10000, 100, 10000, 0.05, &z), RS_GATE_FAIL);
    assert_near(z, 1.6761215171808974, 1e-12);
    /* At alpha = 0.01 (z_crit = 2.3263) the same data passes. */
    assert_int_equal(run(125, 10000, 100, 10000, 0.01, &z), RS_GATE_PASS);
}

static void no_data_cases(void **state)
{
    (void)state;
    double z;
    assert_int_equal(run(0, 0, 5, 100, 0.05, &z), RS_GATE_NO_DATA);     /* no candidate requests */
    assert_true(isnan(z));
    assert_int_equal(run(3, 100, 0, 0, 0.05, &z), RS_GATE_NO_DATA);     /* no baseline (stage at 100 %) */
    assert_int_equal(run(0, 100, 0, 100, 0.05, &z), RS_GATE_NO_DATA);   /* no errors at all */
    assert_int_equal(run(100, 100, 50, 50, 0.05, &z), RS_GATE_NO_DATA); /* every request an error */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_computed),
        cmocka_unit_test(threshold_is_one_sided_z_crit),
        cmocka_unit_test(no_data_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Shared test helpers on top of cmocka: floating-point comparisons that print what they compared. */
#ifndef RS_TEST_CHECK_H
#define RS_TEST_CHECK_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define assert_near(actual, expected, tol)                                                                     \
    do {                                                                                                       \
        double a_ = (actual), e_ = (expected), t_ = (tol);                                                     \
        if (!(fabs(a_ - e_) <= t_))                                                                            \
            fail_msg("%s = %.12g, expected %s = %.12g within %.6g (off by %.6g)", #actual, a_, #expected, e_, \
                     t_, fabs(a_ - e_));                                                                       \
    } while (0)

#endif

/* The gates of SPEC §7 that policies use to judge a candidate. */
#ifndef RS_GATES_H
#define RS_GATES_H

#include "rollsim/stats.h"

/* One-sided pooled two-proportion z-test (W1's gate): computed when n_c > 0, n_b > 0 and
 * 0 < x_c + x_b < n_c + n_b; FAIL iff z > z_{1-alpha}; NO_DATA (and *z_out = NaN) otherwise. */
rs_gate_result rs_gate_ztest(const rs_ztest_input *in, double *z_out);

#endif

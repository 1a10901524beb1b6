/* rollsim statistics types shared by the core and policy plugins (the gates of SPEC §7).
 * Plugins call the functions through the rs_host table of rollsim/policy.h.
 * This header compiles as C (C99 or later) and as C++. */
#ifndef ROLLSIM_STATS_H
#define ROLLSIM_STATS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rs_gate_result {
    RS_GATE_PASS = 0,     /* no evidence against the candidate */
    RS_GATE_FAIL,         /* the gate fires: roll back */
    RS_GATE_INCONCLUSIVE, /* neither (gates with success and failure conditions) */
    RS_GATE_NO_DATA       /* the test could not be computed on this window */
} rs_gate_result;

/* One-sided pooled two-proportion z-test on error counts: H1 is "candidate error rate > baseline's". */
typedef struct rs_ztest_input {
    uint64_t cand_errors, cand_requests;
    uint64_t base_errors, base_requests;
    double alpha; /* level in (0, 1) */
} rs_ztest_input;

#ifdef __cplusplus
}
#endif

#endif /* ROLLSIM_STATS_H */

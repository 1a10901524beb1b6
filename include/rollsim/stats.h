/* rollsim statistics types shared by the core and policy plugins (the gates: docs/tutorial.md §12, docs/gates.md).
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

/* ---- the gates as state machines, through rs_host.gate_* (appended in rollsim 0.1, ABI 1) ---- */

typedef struct rs_gate rs_gate; /* opaque: one gate's configuration and state, owned by the host */

/* What the policy should do after a check. */
typedef enum rs_gate_action {
    RS_GATE_CONTINUE = 0, /* keep going; end the stage when its time is up */
    RS_GATE_HOLD,         /* flagger: a failed check, the weight is held; threshold: a failure short of
                             `consecutive` (the stage still ends on time) */
    RS_GATE_ROLLBACK,     /* roll back */
    RS_GATE_ADVANCE,      /* step on now: flagger's new weight is in rs_gate_report.weight; argo's run or
                             kayenta's analysis of this stage succeeded */
    RS_GATE_PAUSE,        /* argo: the run is Inconclusive, the rollout waits for a human (stop, keep weights) */
    RS_GATE_PROMOTE       /* flagger: passed at the max weight, route everything to the candidate */
} rs_gate_action;

/* One check's outcome. The host logs it to events.csv (kind "gate"), except kayenta's sample-only steps.
 * The caller sets struct_size = sizeof(rs_gate_report) (RS_GATE_REPORT_INIT) before each check: fields are
 * only ever appended, and the host fills no more than that. */
typedef struct rs_gate_report {
    uint32_t struct_size;
    rs_gate_result result; /* this check: pass, fail (incl. a flagger hold), inconclusive, no data */
    rs_gate_action action;
    double statistic;      /* what decided: z, posterior probability, msprt likelihood ratio, confseq lower
                              bound, the deciding metric's value (flagger, argo, threshold), the score (kayenta);
                              NaN when nothing was computed */
    double weight;         /* flagger: the candidate's weight (fraction) after this check; NaN for the others */
    int judged;            /* 0 when nothing was judged: kayenta between its judgments (a sample only), flagger's
                              first call (it starts the analysis) */
    int stepping;          /* 1 when the gate drives the weights itself (flagger) */
    char detail[176];      /* as logged */
} rs_gate_report;

#define RS_GATE_REPORT_INIT {(uint32_t)sizeof(rs_gate_report), RS_GATE_PASS, RS_GATE_CONTINUE, 0, 0, 0, 0, {0}}

#ifdef __cplusplus
}
#endif

#endif /* ROLLSIM_STATS_H */

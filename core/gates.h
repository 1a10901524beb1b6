/* The gates of SPEC §7 that policies use to judge a candidate: the plain z-test, and rs_gate — every gate
 * (ztest, bayes, msprt, confseq, flagger, argo, threshold, kayenta) as one state machine configured from a
 * policy's parameters (RS_GATE_PARAMS), fed the observation at each check, measuring its metrics over its
 * window, logging each judgment to events.csv. Plugins reach it through rs_host.gate_*. The statistics are in
 * seqtest.c, the production systems' semantics in prodgates.c; this file turns observations into their
 * inputs and their decisions into actions. */
#ifndef RS_GATES_H
#define RS_GATES_H

#include "rollsim/policy.h"

/* One-sided pooled two-proportion z-test (W1's gate): computed when n_c > 0, n_b > 0 and
 * 0 < x_c + x_b < n_c + n_b; FAIL iff z > z_{1-alpha}; NO_DATA (and *z_out = NaN) otherwise. */
rs_gate_result rs_gate_ztest(const rs_ztest_input *in, double *z_out);

/* rs_host.gate_*: see include/rollsim/policy.h. rs_gate_create returns a gate the caller frees with
 * rs_gate_free (it keeps pointers into params and ctx, which must outlive it), or NULL with a message. */
rs_gate *rs_gate_create(const rs_policy_ctx *ctx, const rs_value *params, size_t candidate, char *err,
                        size_t err_len);
void rs_gate_stage(rs_gate *g, const rs_observation *obs, double stage_length);
double rs_gate_next(const rs_gate *g, double now);
int rs_gate_check(rs_gate *g, const rs_observation *obs, int stage_end, rs_gate_report *out, char *err,
                  size_t err_len);
void rs_gate_free(rs_gate *g);

/* For `rollsim plugins`: the gate names, and for gate i the keys of an entry of `metrics` (NULL, 0 when
 * the gate takes no metrics). Static storage. */
extern const char *const rs_gate_names[];
extern const size_t rs_gate_count;
/* For gate i: a one-line description, and the policy parameters it reads. */
extern const char *const rs_gate_about[][2];
const rs_param_spec *rs_gate_metric_keys(size_t gate, size_t *n);
/* 1 when the policy parameter `key` matters with the gate called `gate`: not one of RS_GATE_PARAMS, or one that
 * gate reads (rs_gate_about); 0 for another gate's knob (summary.json leaves those out). */
int rs_gate_param_used(const char *gate, const char *key);

#endif

/* The statistics of the gates `bayes`, `msprt` and `confseq` of SPEC §7, on error counts: the candidate has x_c
 * errors in n_c requests, the baseline x_b in n_b. "Harm" is a candidate error rate above the baseline's, so each
 * gate fires (roll back) only on evidence that p_c > p_b. These are pure functions: the state a gate keeps
 * between checks (window, running always-valid p-value) belongs to its caller.
 *
 * Like every GSL caller in rollsim these functions check GSL's status codes and so expect the program to have
 * turned GSL's aborting error handler off at start-up (rs_cli_main does; tests do it in main). */
#ifndef RS_SEQTEST_H
#define RS_SEQTEST_H

#include <stdint.h>

#include "rollsim/stats.h"

/* --- bayes: exact Beta-Binomial posterior probability ----------------------------------------------------------- */

/* P(p_c - p_b > delta | data) with independent Beta(prior_a, prior_b) priors on p_c and p_b (Beta(1, 1), the
 * uniform prior, is the usual default), so the posteriors are Beta(prior_a + x, prior_b + n - x). Computed by
 * adaptive quadrature (GSL QAGP) of f(q) G(q) over the posterior that is the more concentrated of the two, where
 * G is the other posterior's distribution function, so the integrand is smooth where its mass is; accurate to
 * about 1e-9 absolute at any count (no sampling, no normal approximation). NaN when x > n, a prior parameter is
 * not positive and finite, delta is NaN, or the quadrature fails. delta <= -1 gives 1, delta >= 1 gives 0. */
double rs_bayes_prob_worse(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double delta, double prior_a,
                           double prior_b);

/* The bayes gate: FAIL when rs_bayes_prob_worse(...) > level, NO_DATA when an arm has no requests or the
 * probability is NaN, PASS otherwise. *prob_out (may be NULL) receives the probability (NaN on NO_DATA). */
rs_gate_result rs_bayes_gate(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double delta, double prior_a,
                             double prior_b, double level, double *prob_out);

/* --- msprt: mixture sequential probability ratio test (normal mixture) ------------------------------------------ */

/* The mixture likelihood ratio of Johari, Pekelis & Walsh ("Always valid inference", Oper. Res. 2022; the test
 * behind Optimizely's Stats Engine) for H0: theta = p_c - p_b = 0, on the normal approximation
 * theta_hat ~ N(theta, V), mixing theta over N(0, tau2):
 *     Lambda = sqrt(V / (V + tau2)) * exp(theta_hat^2 tau2 / (2 V (V + tau2))),
 * theta_hat = x_c/n_c - x_b/n_b, V = p_c(1 - p_c)/n_c + p_b(1 - p_b)/n_b with the arms' own rates (unpooled: V is
 * the variance of theta_hat whatever theta is, the same V the confidence sequence uses and the SE^2 GrowthBook's
 * gbstats passes to its sequential test; the pooled variance is its value only under H0).
 * NaN when an arm has no requests, V = 0 (no errors at all, or every request an error), or tau2 <= 0. May be
 * +inf for overwhelming evidence. */
double rs_msprt_lr(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double tau2);

/* One-sided always-valid p-value, updated at one check: min(p_prev, 1 / Lambda) when theta_hat > 0, else p_prev
 * (start with p_prev = 1). The gate fires at the first check where it is <= alpha, which is the first check with
 * theta_hat > 0 and Lambda >= 1/alpha. A NaN Lambda leaves p_prev unchanged. */
double rs_msprt_p(double p_prev, uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double tau2);

/* The msprt gate at one check: FAIL when theta_hat > 0 and Lambda >= 1/alpha (a two-sided test used one-sidedly:
 * its level on the harm side alone is at most alpha, about alpha/2 under continuous monitoring), NO_DATA when
 * Lambda is NaN, PASS otherwise. *lr_out (may be NULL) receives Lambda. */
rs_gate_result rs_msprt_gate(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double tau2, double alpha,
                             double *lr_out);

/* The mixing variance that makes the msprt boundary tightest after n_plan requests in all (both arms), for a
 * per-request variance var_obs of the difference (p(1 - p) / (pi (1 - pi)) at error rate p with a share pi of
 * the requests to the candidate; 4 p (1 - p) for an even split): tau2 = var_obs * rs_confseq_rho2(alpha, n_plan,
 * 0). With this tau2 the msprt is the two-sided normal-mixture confidence sequence tuned at n_plan (see
 * seqtest.c). */
double rs_msprt_tau2(double alpha, double n_plan, double var_obs);

/* --- confseq: asymptotic confidence sequence (GrowthBook safe rollouts) -------------------------------------- */

/* GrowthBook's default tuning parameter N* (gbstats SequentialConfig.sequential_tuning_parameter): the total
 * sample size (both arms) at which the sequence is tightest. */
#define RS_CONFSEQ_N_STAR_DEFAULT 5000.0

/* rho^2 tuned for the total sample size n_star (Waudby-Smith et al. 2023, as gbstats' sequential_rho):
 * rho^2 = (-2 ln a + ln(1 - 2 ln a)) / n_star with a = alpha two-sided, a = 2 alpha one-sided. NaN unless
 * 0 < alpha < 1/2 (one-sided) or < 1 (two-sided), and n_star > 0. */
double rs_confseq_rho2(double alpha, double n_star, int one_sided);

/* Lower bound at this check of the one-sided (1 - alpha) asymptotic confidence sequence for p_c - p_b, as
 * GrowthBook's gbstats SequentialOneSidedTreatmentGreaterTTest (the test its safe rollouts run on a guardrail
 * metric where lower is better) computes it for an absolute difference:
 *     lower = theta_hat - sqrt(V * 2 (N rho2 + 1) / (N rho2) * ln(1 + sqrt(N rho2 + 1) / (2 alpha))),
 * N = n_c + n_b and theta_hat, V as rs_msprt_lr. The whole sequence of lower bounds stays below p_c - p_b with
 * probability >= 1 - alpha (asymptotically). NaN when an arm has no requests, V = 0, rho2 <= 0 or alpha is not
 * in (0, 1/2). */
double rs_confseq_lower(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double alpha, double rho2);

/* The confseq gate at one check: FAIL when the lower bound is > 0, NO_DATA when it is NaN, PASS otherwise.
 * *lower_out (may be NULL) receives the bound. */
rs_gate_result rs_confseq_gate(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double alpha, double rho2,
                               double *lower_out);

#endif

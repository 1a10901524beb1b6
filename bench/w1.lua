-- W1, the reference benchmark workload of shared/W1.md (SPEC §9), as a rollsim scenario.
--
-- 100 000 sticky users, each an independent Poisson process of 1 request per hour, over 72 hours. A fixed-stage
-- canary at 1 / 5 / 25 / 50 / 100 % of the users, each stage baking 12 hours, with a one-sided pooled
-- two-proportion z-test (alpha 0.05) on that stage's requests at its end. The candidate errs twice as often
-- as the baseline (2 % against 1 %), so at this size the gate fires at t = 12 in effectively every replication
-- (z about 11); run it with --set policy.gate=none to simulate all 72 hours (7.2 M requests per replication).
--
-- Routing is rollsim's exact-count routing of SPEC §2 (N_k = floor(w_k * U) = 1000, 5000, 25000, 50000, 100000
-- users), not the splitmix64 buckets of W1.md; W1.md allows this and it changes neither the request volume
-- nor the cost. Used by bench/run.sh; for policy checks use population.1.users=1000 (outcomes over stages 1-3).
return scenario {
  name = "W1: fixed-stage canary, 100000 sticky users",
  seed = 1,
  horizon = 72,               -- hours; requests at t >= 72 are not simulated
  sample_every = 1,           -- hourly rows t = 0, 1, ..., 72

  population = {
    { name = "users", users = 100000, rate = 1 },   -- requests per user per hour
  },

  versions = {
    { name = "baseline",  baseline = true, error_rate = 0.01 },
    { name = "candidate",                  error_rate = 0.02 },
  },

  policy = {
    name = "fixed_stages",
    steps = { 0.01, 0.05, 0.25, 0.5, 1 },
    bake = hours(12),
    gate = "ztest",
    alpha = 0.05,
  },
}

-- Why peeking at a fixed-alpha test is dangerous (and what sequential tests do about it).
--
-- A/A: the "candidate" is the baseline again, so every rollback is a false alarm. For 30 days half of the
-- users get the candidate (1 request an hour each, 20 % of requests are "errors" — a busy binary metric,
-- so that a day of data is a fair sample), and three gates watch it:
--   ztest_daily    a one-sided z-test at alpha = 0.05 on all the data so far, checked every day: each check
--                  alone is a valid 5 % test, but 30 looks give 30 chances to cross the line. Armitage,
--                  McPherson & Rowe (1969) worked it out: about 24 % of A/A runs get flagged (28 % for the
--                  two-sided test) — five times the promised 5 %.
--   msprt_hourly   a mixture sequential probability ratio test (as Optimizely / Statsig run it), checked
--                  every HOUR — 720 looks — and still at most 5 %: its threshold is built for continuous
--                  monitoring.
--   confseq_hourly GrowthBook's asymptotic confidence sequence, also checked hourly: at most 5 % too.
--
--   rollsim compare scenarios/peeking.lua --jobs 2 --out peeking
-- then read p_rollback (= p_false_rollback here) of each policy in peeking/summary.json; try the two-sided
-- z-test with --set policies.ztest_daily.two_sided=true. The test suite checks these numbers against the
-- exact computation on the Gaussian random walk (tests/test_peeking.c).
return scenario {
  name = "peeking: a fixed-alpha z-test checked daily vs sequential tests checked hourly (A/A)",
  seed = 30,
  replications = 1000,
  horizon = days(30),
  sample_every = days(1),
  population = { { name = "users", users = 200, rate = 1 } },
  versions = {
    { name = "A",       baseline = true, error_rate = 0.2 },
    { name = "A-again",                  error_rate = 0.2, bad = false },
  },
  policy = { name = "fixed_stages", steps = { 0.5 }, bake = days(30), check_every = days(1),
             gate = "ztest", alpha = 0.05 },
  policies = {
    ztest_daily    = { name = "fixed_stages", steps = { 0.5 }, bake = days(30), check_every = days(1),
                       gate = "ztest", alpha = 0.05, window = "stage" },
    msprt_hourly   = { name = "fixed_stages", steps = { 0.5 }, bake = days(30), check_every = hours(1),
                       gate = "msprt", alpha = 0.05, tau2 = 0.0001 },
    confseq_hourly = { name = "fixed_stages", steps = { 0.5 }, bake = days(30), check_every = hours(1),
                       gate = "confseq", alpha = 0.05 },
  },
}

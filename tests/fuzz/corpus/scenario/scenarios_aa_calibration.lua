-- A/A calibration: the candidate is identical to the baseline, so every rollback is a false alarm.
--
-- A gate tested at level alpha should fire in about alpha of the stages it judges when nothing is wrong.
-- Here a single canary stage at 10 % bakes for a day and is judged once by a one-sided z-test at
-- alpha = 0.05, so P(rollback) should come out near 0.05 (not exactly: the z-test on counts is discrete, and
-- its exact size here is a little above alpha). With k judged stages the false-alarm rate grows to about 1 - (1 - alpha)^k: try
--   rollsim run scenarios/aa_calibration.lua --set policy.steps=0.01,0.05,0.25,0.5,1 --set horizon=4d
-- (the last stage, at 100 %, has no baseline left to compare with and never fires).
--   rollsim run scenarios/aa_calibration.lua --reps 4000 --jobs 2 --out aa
-- then look at "p_rollback" and "p_false_rollback" in aa/summary.json.
return scenario {
  name = "A/A calibration: identical versions, every rollback is a false alarm",
  seed = 7,
  replications = 2000,
  horizon = hours(25),
  sample_every = hours(1),
  population = { { name = "users", users = 20000, rate = 1 } },
  versions = {
    { name = "A",       baseline = true, error_rate = 0.01 },
    { name = "A-again",                  error_rate = 0.01, bad = false },
  },
  policy = { name = "fixed_stages", steps = { 0.1, 1 }, bake = hours(24), gate = "ztest", alpha = 0.05 },
}

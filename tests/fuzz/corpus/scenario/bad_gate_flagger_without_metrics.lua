-- expect: rollsim: tests/bad/gate_flagger_without_metrics.lua: policy: metrics: the flagger gate needs metrics, e.g. metrics = { { name = "error_rate", max = 0.01 } }
-- A production gate needs metrics to check.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.1, 0.5 }, gate = "flagger" },
}

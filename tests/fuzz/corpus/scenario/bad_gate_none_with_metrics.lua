-- expect: rollsim: tests/bad/gate_none_with_metrics.lua: policy: metrics: gate = "none" checks nothing; give a gate (flagger, argo, threshold, kayenta) for them
-- Metrics with no gate would be silently ignored.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 1 }, gate = "none", metrics = { { name = "error_rate", max = 0.02 } } },
}

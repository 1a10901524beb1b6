-- expect: rollsim: tests/bad/gate_metrics_on_ztest.lua: policy: metrics: the ztest gate judges error rates only; metrics are for flagger, argo, threshold and kayenta
-- The statistical gates judge error counts only; metrics would be silently ignored.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 1 }, gate = "ztest", metrics = { { name = "error_rate", max = 0.02 } } },
}

-- expect: rollsim: tests/bad/gate_threshold_two_bounds.lua: policy: metrics.1: expected exactly one of max, min, max_increase, max_decrease
-- A threshold metric takes exactly one bound.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 1 }, gate = "threshold", metrics = { { name = "error_rate", max = 0.02, max_increase = 0.2 } } },
}

-- expect: rollsim: tests/bad/gate_bad_condition.lua: policy: metrics.1.success: expected a comparison such as "<= 0.01" or "result <= 0.01" (<, <=, >, >= a decimal number), got "0.02"
-- An Argo condition must be a comparison with a number (successCondition written without its operator).
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 1 }, gate = "argo", metrics = { { name = "error_rate", success = "0.02" } } },
}

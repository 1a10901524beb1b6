-- expect: rollsim: tests/bad/gate_unknown_metric_key.lua: policy: metrics.1.sucess: not a key of the argo gate's metrics (keys: name, success, failure, failure_limit, inconclusive_limit, consecutive_error_limit, consecutive_success_limit, count, interval, initial_delay) (did you mean 'success'?)
-- A misspelt key in a metric of a production gate: the key, the gate and its valid keys are named.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 1 }, gate = "argo", metrics = { { name = "error_rate", sucess = "<= 0.02" } } },
}

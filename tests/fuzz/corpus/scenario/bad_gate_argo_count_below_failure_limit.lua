-- expect: rollsim: tests/bad/gate_argo_count_below_failure_limit.lua: policy: argo: metrics.1 error_rate: count (2) must be >= failureLimit + consecutiveSuccessLimit (3 + 0) if both >= 0
return {
  name = "bad", seed = 1, replications = 1, horizon = 10, sample_every = 1,
  population = { { name = "u", users = 100, rate = 1 } },
  versions = { { name = "a", baseline = true, error_rate = 0.01 }, { name = "b", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 1 }, gate = "argo", check_every = 1,
             metrics = { { name = "error_rate", success = "<= 0.02", count = 2, failure_limit = 3 } } },
}

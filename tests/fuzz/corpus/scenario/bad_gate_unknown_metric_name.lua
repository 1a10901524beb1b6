-- expect: rollsim: tests/bad/gate_unknown_metric_name.lua: policy: metrics.1.name: expected one of error_rate|success_rate|latency_mean|latency_p50|latency_p90|latency_p95|latency_p99, got "latency_p98"
-- A metric rollsim does not measure (p98 is not one of the quantiles kept).
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01, latency = { median = 100, sigma = 0.5 } },
    { name = "new", error_rate = 0.01, latency = { median = 100, sigma = 0.5 } },
  },
  policy = { name = "fixed_stages", steps = { 1 }, gate = "threshold", metrics = { { name = "latency_p98", max = 300 } } },
}

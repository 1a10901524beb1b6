-- expect: rollsim: tests/bad/gate_latency_without_model.lua: policy: metrics.1: latency_p99 needs latencies, and no version of the scenario has one (give versions a latency = { median = ms, sigma = s })
-- A latency metric in a scenario whose versions have no latency: it could never have data.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 1 }, gate = "flagger", metrics = { { name = "latency_p99", max = 500 } } },
}

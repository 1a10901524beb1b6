-- flagger_canary.yaml written by hand with the existing flagger gate. The traffic is the import's placeholders.
return scenario {
  name = "flagger by hand",
  seed = 1,
  replications = 200,
  horizon = hours(1),
  sample_every = minutes(10),
  population = { { name = "users", users = 10000, rate = 3.6 } },
  versions = {
    { name = "current", baseline = true, error_rate = 0.005, latency = { median = 100, sigma = 0.6 } },
    { name = "candidate", error_rate = choice{ {0.8, 0.005}, {0.2, 0.02} }, latency = { median = 100, sigma = 0.6 } },
  },
  policy = { name = "fixed_stages", gate = "flagger", bake = minutes(1), threshold = 10, step_weight = 0.05,
             max_weight = 0.5,
             metrics = { { name = "success_rate", min = 0.99 }, { name = "latency_p99", max = 500 } } },
}

-- spinnaker_canary_config.json + spinnaker_pipeline.json written by hand with the existing kayenta gate. The
-- traffic is the import's placeholders.
return scenario {
  name = "kayenta by hand",
  seed = 1,
  replications = 200,
  horizon = hours(7),
  sample_every = minutes(10),
  population = { { name = "users", users = 10000, rate = 3.6 } },
  versions = {
    { name = "current", baseline = true, error_rate = 0.005, latency = { median = 100, sigma = 0.6 } },
    { name = "candidate", error_rate = choice{ {0.8, 0.005}, {0.2, 0.02} }, latency = { median = 100, sigma = 0.6 } },
  },
  policy = { name = "fixed_stages", gate = "kayenta", complete = true, steps = { 0.1 }, bake = hours(3.25),
             intervals = 3, check_every = minutes(1), begin_after = minutes(15), pass_score = 75,
             marginal_score = 50,
             metrics = { { name = "error_rate", group = "errors", weight = 70, direction = "increase",
                           critical = true, must_have_data = true, nan = "replace", allowed_increase = 1.2,
                           critical_increase = 1.5 },
                         { name = "latency_p99", group = "latency", weight = 30, direction = "increase" } } },
}

-- expect: rollsim: tests/bad/quality_negative_delay.lua: labels.delay: expected a value in [0, 10000000], got -2
-- A label cannot arrive before its request.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  prevalence = 0.3,
  labels = { fraction = 0.05, delay = -2 },
  versions = {
    { name = "current", baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },
    { name = "candidate", error_rate = 0.01, recall = 0.85, specificity = 0.95 },
  },
  policy = { name = "fixed_stages", gate = "ztest", metric = "recall", steps = { 0.1, 1 }, bake = 4 },
}

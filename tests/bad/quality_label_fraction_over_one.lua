-- expect: rollsim: tests/bad/quality_label_fraction_over_one.lua: labels.fraction: expected a value in [0, 1], got 1.5
-- The share of requests that get a label cannot pass 1.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  prevalence = 0.3,
  labels = { fraction = 1.5, delay = hours(24) },
  versions = {
    { name = "current", baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },
    { name = "candidate", error_rate = 0.01, recall = 0.85, specificity = 0.95 },
  },
  policy = { name = "fixed_stages", gate = "ztest", metric = "recall", steps = { 0.1, 1 }, bake = 4 },
}

-- expect: rollsim: tests/bad/quality_two_keys.lua: versions.2: give one key besides recall that fixes the false positives (specificity, false_positive_rate, precision, accuracy or f1), got specificity, precision: together they may disagree
-- Recall with both specificity and precision over-determines the version.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  prevalence = 0.3,
  labels = { fraction = 0.05, delay = hours(24) },
  versions = {
    { name = "current", baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },
    { name = "candidate", error_rate = 0.01, recall = 0.85, specificity = 0.95, precision = 0.8 },
  },
  policy = { name = "fixed_stages", gate = "ztest", metric = "recall", steps = { 0.1, 1 }, bake = 4 },
}

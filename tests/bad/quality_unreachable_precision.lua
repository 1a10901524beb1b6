-- expect: rollsim: tests/bad/quality_unreachable_precision.lua: versions.2.precision: 0.1 cannot be reached with recall 0.85 at prevalence 0.3 (no specificity in [0, 1] gives it)
-- With recall 0.85 the lowest precision, at specificity 0, is 0.3 x 0.85 / (0.3 x 0.85 + 0.7) = 0.27: no version has precision 0.1.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  prevalence = 0.3,
  labels = { fraction = 0.05, delay = hours(24) },
  versions = {
    { name = "current", baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },
    { name = "candidate", error_rate = 0.01, recall = 0.85, precision = 0.1 },
  },
  policy = { name = "fixed_stages", gate = "ztest", metric = "recall", steps = { 0.1, 1 }, bake = 4 },
}

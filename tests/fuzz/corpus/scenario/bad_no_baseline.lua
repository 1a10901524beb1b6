-- expect: rollsim: tests/bad/no_baseline.lua: versions: expected exactly one version with baseline = true, found 0
-- Exactly one version is the baseline; here none is.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

-- expect: rollsim: tests/bad/two_baselines.lua: versions: expected exactly one version with baseline = true, found 2
-- Exactly one version is the baseline; here two claim it.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", baseline = true, error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

-- expect: rollsim: tests/bad/candidate_unknown.lua: policy: candidate: no candidate version named "z"
-- The candidate named is not a version of the scenario.
return {
  name = "candidate unknown", horizon = 4, sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "x", error_rate = 0.01 },
    { name = "y", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1, candidate = "z" },
}

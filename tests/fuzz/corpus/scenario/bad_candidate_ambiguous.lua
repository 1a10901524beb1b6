-- expect: rollsim: tests/bad/candidate_ambiguous.lua: policy: candidate: the scenario has 2 candidates; name the one to roll out (candidate = "...")
-- Two candidates and a one-candidate policy that does not say which it rolls out.
return {
  name = "candidate ambiguous", horizon = 4, sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "x", error_rate = 0.01 },
    { name = "y", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

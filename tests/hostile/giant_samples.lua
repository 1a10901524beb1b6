-- expect: rollsim: tests/hostile/giant_samples.lua: sample_every: 1e-07 h gives more than 10^7 samples over a horizon of 10 h
-- 10^8 samples per replication: refused up front with the way around it.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1e-7,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

-- expect: rollsim: tests/bad/giant_exact_requests.lua: population: exact mode would simulate about 1e+16 requests a replication (users x rate x horizon), more than 10^10; use mode = "cohort", which draws counts per step
-- 10^13 requests in exact mode: refused up front, suggesting cohort mode.
return {
  name = "hostile",
  horizon = 10000,
  sample_every = 1,
  population = { { name = "all", users = 1000000, rate = 1e6 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

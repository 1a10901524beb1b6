-- expect: rollsim: tests/bad/zero_users.lua: population.1.users: expected a value in [1, 2147483647], got 0
-- A segment must have at least one user. The message states the allowed range exactly.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 0, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

-- expect: rollsim: tests/bad/wrong_type.lua: population.1.users: expected an integer, got string
-- A value of the wrong type: a segment's size must be a number of users, not text.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = "many", rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

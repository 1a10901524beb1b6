-- expect: rollsim: tests/bad/negative_rate.lua: population.2.rate: expected a value in [0, 1000000000], got -0.5
-- An out-of-range value: a request rate (requests per user per hour) cannot be negative. The message names
-- the segment by its position in the list.
return {
  horizon = 10,
  sample_every = 1,
  population = {
    { name = "internal", users = 10, rate = 2 },
    { name = "general", users = 100, rate = -0.5 },
  },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

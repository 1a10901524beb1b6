-- expect: rollsim: tests/bad/population_not_a_list.lua: population: expected a list of segments, got a table with named keys (write population = { { name = ..., users = ..., rate = ... } })
-- A frequent slip: one segment written without the enclosing list (one pair of braces missing).
return {
  horizon = 10,
  sample_every = 1,
  population = { name = "all", users = 100, rate = 1 },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

-- expect: rollsim: tests/hostile/mt_population_item_index.lua: population.1.users: missing (expected an integer)
-- A segment table whose __index raises for every key.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { setmetatable({ name = "all" }, { __index = function() error("boom") end }) },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

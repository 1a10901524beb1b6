-- expect: rollsim: tests/bad/returns_nothing.lua: the scenario must return a table (got nil)
-- The most common slip: the table is built but not returned (no `return`).
local s = scenario {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

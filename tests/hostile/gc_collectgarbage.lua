-- expect: rollsim: tests/hostile/gc_collectgarbage.lua:3: collectgarbage is not available: scenarios run in a sandbox with only the base, table, string, math and utf8 libraries
-- collectgarbage is not available to scenarios.
collectgarbage("collect")
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

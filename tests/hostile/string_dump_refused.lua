-- expect: rollsim: tests/hostile/string_dump_refused.lua:3: string.dump is not available: scenarios run in a sandbox with only the base, table, string, math and utf8 libraries
-- string.dump (bytecode) is refused.
local b = string.dump(function() end)
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

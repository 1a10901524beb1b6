-- expect: rollsim: tests/hostile/mt_scenario_index_loop.lua: horizon: missing (expected a number)
-- The returned table's __index never returns: the host reads raw (no hook would stop it otherwise).
return setmetatable({
  name = "hostile",
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}, { __index = function() while true do end end })

-- expect: rollsim: tests/hostile/mt_scenario_index_error.lua: horizon: missing (expected a number)
-- The returned table's __index raises: the host reads raw and does not call it (horizon is simply missing).
return setmetatable({
  name = "hostile",
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}, { __index = function(_, k) error("boom " .. tostring(k)) end })

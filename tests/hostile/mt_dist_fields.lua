-- expect: rollsim: tests/hostile/mt_dist_fields.lua: versions.2.error_rate: expected a number or a distribution (beta, uniform, normal, lognormal, choice), got a table
-- A version's error_rate is a table whose __index raises: not a distribution.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = setmetatable({}, { __index = function() error("boom") end }) } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

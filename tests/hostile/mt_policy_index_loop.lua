-- expect: rollsim: tests/hostile/mt_policy_index_loop.lua: policy.name: missing (expected a string)
-- The policy table's __index loops forever: not called, the name is missing.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = setmetatable({}, { __index = function() while true do end end }),
}

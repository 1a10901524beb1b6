-- expect: rollsim: policy lua failed at t = 0 h: tests/hostile/gc_finalizer_in_policy.lua:10: setmetatable: __gc finalizers are not available (they would run at no fixed time): scenarios run in a sandbox with only the base, table, string, math and utf8 libraries
-- exit: 1
-- A __gc finalizer set by a Lua policy during the run: refused.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = function(obs, state) setmetatable({}, { __gc = function() end }) return { next = obs.t + 1 } end,
}

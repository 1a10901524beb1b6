-- expect: rollsim: tests/hostile/gc_finalizer_at_load.lua:3: setmetatable: __gc finalizers are not available (they would run at no fixed time): scenarios run in a sandbox with only the base, table, string, math and utf8 libraries
-- A __gc finalizer would run at no fixed time (possibly while the host allocates, outside any budget): refused.
setmetatable({}, { __gc = function() while true do end end })
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

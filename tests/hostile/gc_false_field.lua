-- expect: rollsim: tests/hostile/gc_false_field.lua:3: setmetatable: __gc finalizers are not available (they would run at no fixed time): scenarios run in a sandbox with only the base, table, string, math and utf8 libraries
-- Even __gc = false (a marker with no code) is refused: the rule is simple.
setmetatable({}, { __gc = false })
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

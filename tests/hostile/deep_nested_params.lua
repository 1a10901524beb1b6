-- expect: rollsim: tests/hostile/deep_nested_params.lua: policy.deep.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x: nested too deeply
-- Policy parameters nested 10000 deep.
local t = {} local c = t for i = 1, 10000 do c.x = {} c = c.x end
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1, deep = t },
}

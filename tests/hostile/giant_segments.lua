-- expect: rollsim: tests/hostile/giant_segments.lua: population: 100000 segments; at most 64 are supported
-- 10^5 population segments: refused at once.
local p = {}
for i = 1, 100000 do p[i] = { name = "s" .. i, users = 10, rate = 1 } end
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = p,
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

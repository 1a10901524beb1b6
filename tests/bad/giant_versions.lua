-- expect: rollsim: tests/bad/giant_versions.lua: versions: 100000 candidates; at most 14 are supported
-- 10^5 versions: refused at once (the count is checked before any other work on them).
local v = { { name = "old", baseline = true, error_rate = 0.01 } }
for i = 1, 100000 do v[#v + 1] = { name = "v" .. i, error_rate = 0.01 } end
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = v,
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

-- expect: rollsim: tests/hostile/giant_name.lua: name: is 100000000 bytes long (at most 200)
-- A scenario name of 100 MB.
local n = ("x"):rep(100000000)
return {
  name = n,
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

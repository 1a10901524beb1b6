-- expect: rollsim: tests/hostile/giant_string_rep.lua:3: resulting string too large
-- string.rep asked for a terabyte.
local s = ("x"):rep(2^40)
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

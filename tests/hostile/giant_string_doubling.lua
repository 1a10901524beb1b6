-- expect: rollsim: tests/hostile/giant_string_doubling.lua: scenario stopped: it used more than 256 MiB of memory
-- A string doubled until memory runs out.
local s = "x" while true do s = s .. s end
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

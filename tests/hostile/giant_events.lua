-- expect: rollsim: tests/hostile/giant_events.lua: scenario stopped: it used more than 256 MiB of memory
-- Five million scripted events: refused.
local e = {}
for i = 1, 5000000 do e[i] = { at = 1, set = { version = "new", key = "error_rate", value = 0.01 } } end
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  events = e,
}

-- expect: rollsim: tests/hostile/giant_events.lua: events: 1000001 events; at most 1000000 scripted changes are supported
-- A million and one scripted events (one table a million times): refused before any is read.
local e, ev = {}, { at = 1, set = { version = "new", key = "error_rate", value = 0.01 } }
for i = 1, 1000001 do e[i] = ev end
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  events = e,
}

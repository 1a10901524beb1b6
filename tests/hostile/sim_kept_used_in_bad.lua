-- expect: rollsim: tests/hostile/sim_kept_used_in_bad.lua: versions.2.bad: tests/hostile/sim_kept_used_in_bad.lua:9: sim.set: this sim belongs to an event that has returned (use the sim that each run event gets)
-- A kept `sim` used from a `bad` function at the end of the replication.
local saved
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01, bad = function(v, b) saved.set{ version = "new", key = "error_rate", value = 0.5 } return true end } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  events = { { at = 1, run = function(sim) saved = sim end } },
}

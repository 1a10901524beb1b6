-- expect: rollsim: tests/bad/event_without_set.lua: events.1.set: expected { version = "name", key = "error_rate", value = x } or { segment = "name", key = "rate", value = x }
-- An event with neither `set` nor `run` (it aborted with SIGABRT: Lua was read outside protected mode).
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  events = { { at = 5 } },
}

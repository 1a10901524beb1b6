-- expect: rollsim: tests/bad/mode_unknown.lua: mode: unknown mode "cohrt" (did you mean 'cohort'?) (expected "exact" or "cohort")
-- A misspelt mode (SPEC §9: "exact", the default, or "cohort") is refused with the closest valid one.
return {
  horizon = 24,
  sample_every = 1,
  population = { { name = "users", users = 1000, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  mode = "cohrt",
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 6 },
}

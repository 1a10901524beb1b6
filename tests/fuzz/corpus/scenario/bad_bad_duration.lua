-- expect: rollsim: tests/bad/bad_duration.lua: policy.bake: bad duration "6 hours" (expected hours, or a number with s, m, h, d or w, e.g. "6h")
-- A duration written in a way rollsim does not read: hours as a number, or "30m", "6h", "2d".
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = "6 hours" },
}

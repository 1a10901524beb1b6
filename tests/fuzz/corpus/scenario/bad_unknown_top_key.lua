-- expect: rollsim: tests/bad/unknown_top_key.lua: unknown key 'horizn' (did you mean 'horizon'?)
-- A misspelt top-level key is refused (never silently ignored), with a suggestion.
return {
  horizn = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

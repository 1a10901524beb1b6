-- expect: rollsim: tests/bad/unknown_version_key.lua: versions.2: unknown key 'erorr_rate' (did you mean 'error_rate'?)
-- A misspelt key inside a version: the message names the version by position and suggests the right key.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", erorr_rate = 0.02 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}

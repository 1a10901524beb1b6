-- expect: rollsim: tests/bad/unknown_segment.lua: policy: stages.1.segments: no segment named "beta" (segments: internal, general)
-- A stage that targets a segment the population does not have; the message lists the segments there are.
return {
  horizon = 48,
  sample_every = 1,
  population = {
    { name = "internal", users = 10, rate = 2 },
    { name = "general", users = 100, rate = 1 },
  },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = {
    name = "fixed_stages",
    stages = {
      { segments = { "beta" }, bake = 12 },
      { weight = 1, bake = 12 },
    },
  },
}

-- expect: rollsim: tests/bad/effects_unknown_version.lua: population.1.effects: no version named "candidat" (did you mean 'candidate'?)
-- A per-segment effect must name a version of the scenario.
return { name = 'x', horizon = 5,
  population = { { name = 'u', users = 10, rate = 1, effects = { candidat = { error_rate = 2 } } } },
  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'candidate', error_rate = 0.01 } },
  policy = { name = 'fixed_stages', steps = { 1 }, bake = 1 } }

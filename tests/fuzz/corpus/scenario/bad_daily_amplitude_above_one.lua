-- expect: rollsim: tests/bad/daily_amplitude_above_one.lua: population.1.daily: expected a value in [0, 1], got 1.5
-- A daily cycle's amplitude is a fraction of the mean rate: above 1 the rate would go negative at night.
return { name = 'x', horizon = 5,
  population = { { name = 'u', users = 10, rate = 1, daily = 1.5 } },
  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },
  policy = { name = 'fixed_stages', steps = { 1 }, bake = 1 } }

-- expect: rollsim: tests/bad/event_bad_key.lua: events.1.set.key: "users" cannot be set (a version's error_rate or success_rate, or a segment's rate)
-- A scripted event can change a version's error or success rate, or a segment's request rate.
return { name = 'x', horizon = 5,
  population = { { name = 'u', users = 10, rate = 1 } },
  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },
  events = { { at = 1, set = { segment = 'u', key = 'users', value = 20 } } },
  policy = { name = 'fixed_stages', steps = { 1 }, bake = 1 } }

-- expect: rollsim: tests/bad/policy_label_invalid_utf8.lua: policies: a label is not valid UTF-8 (byte 2 is 0xff)
-- A policy label that is not UTF-8 (it vanished from summary.json, exit 0).
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  policies = { ["p\255"] = { name = "fixed_stages", steps = { 1 }, bake = 1 } },
}

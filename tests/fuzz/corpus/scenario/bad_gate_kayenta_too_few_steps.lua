-- expect: rollsim: tests/bad/gate_kayenta_too_few_steps.lua: policy: check_every: kayenta judges 3 times a stage of 1 h, each on its time series of one value per check_every (0.333333 h): 1 values per judgment and arm, and at least 5 are needed (fewer intervals or a shorter check_every)
-- Kayenta judging 3 times a 1-hour stage on 20-minute steps would compare 1 value with 1: refused, with the arithmetic.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1, check_every = "20m", intervals = 3, gate = "kayenta", metrics = { { name = "error_rate" } } },
}

-- expect: rollsim: tests/bad/bayesopt_margin_above_limit.lua: policy: rollback_margin: expected less than max_excess_error (0.002), got 0.005: a weight shown safe could then never be shown unsafe
-- bayesopt rolls back when the lower bound at the seed exceeds rollback_margin; a margin at or above the safety
-- limit makes the two rules overlap.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "bayesopt", max_excess_error = 0.002, rollback_margin = 0.005 },
}

-- Canary sizing: which of three canary plans is best for this traffic?
--
-- 20 000 users send 0.5 requests an hour each. Most new model versions are as good as the current one, but
-- one in ten is 1.2x worse (1.2 % errors instead of 1 %): the scenario draws each replication's candidate
-- from that prior, so over many replications we learn how each plan does against both kinds.
--
-- Three plans, each with a one-sided z-test gate (alpha = 0.05) at the end of every stage:
--   small_slow : 1 %, 5 %, 25 %, then everyone, baking a day each  (careful, slow)
--   medium     : 5 %, 25 %, then everyone, baking 12 hours each
--   big_fast   : 20 %, then everyone, baking 6 hours               (fast, exposes many users at once)
--
-- Compare them on the same replications (same traffic, same candidate draws: common random numbers):
--   rollsim compare scenarios/canary_sizing.lua --reps 2000 --jobs 2 --out sizing
-- and read summary.json: for each plan P(escape | bad) (a bad candidate reached everyone),
-- P(false rollback | good), harm, time to full; and under "paired" the differences between plans, with
-- intervals that are tighter than comparing two independent runs would give ("width_ratio" = paired width /
-- unpaired width). With 1000 replications the fast plan lets about a third of the bad candidates escape,
-- the slow one about 1 %, while its false rollbacks and its three days to full are the price.
-- `rollsim run` on this file runs the `policy` below (the medium plan) alone.
return scenario {
  name = "canary sizing: three plans against a 10 % chance of a 1.2x worse candidate",
  seed = 2024,
  replications = 500,
  horizon = days(4),
  sample_every = hours(2),

  population = { { name = "users", users = 20000, rate = 0.5 } },

  versions = {
    { name = "current",   baseline = true, error_rate = 0.010 },
    -- 90 %: as good as the current version; 10 %: 1.2x worse. "Bad" is the default rule of the spec:
    -- an error rate more than 1.1x the baseline's.
    { name = "candidate", error_rate = choice{ {0.9, 0.010}, {0.1, 0.012} } },
  },

  policy = { name = "fixed_stages", steps = { 0.05, 0.25, 1 }, bake = hours(12), gate = "ztest", alpha = 0.05 },

  policies = {
    small_slow = { name = "fixed_stages", steps = { 0.01, 0.05, 0.25, 1 }, bake = days(1),
                   gate = "ztest", alpha = 0.05 },
    medium     = { name = "fixed_stages", steps = { 0.05, 0.25, 1 }, bake = hours(12),
                   gate = "ztest", alpha = 0.05 },
    big_fast   = { name = "fixed_stages", steps = { 0.2, 1 }, bake = hours(6),
                   gate = "ztest", alpha = 0.05 },
  },
}

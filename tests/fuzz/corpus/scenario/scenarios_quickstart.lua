-- Quick start: a canary release of a new model version, with a statistical gate.
--
-- The new version ("candidate") goes first to the 500 internal users for a day (dogfooding), then to 1 %,
-- 5 %, 25 % and finally 100 % of the 20 000 general users, each stage baking 12 hours. At the end of every
-- stage a one-sided z-test compares the error rates of candidate and baseline on that stage's requests; if
-- the candidate is significantly worse (alpha = 0.05) it is rolled back at once.
--
-- Is the candidate any good? Nobody knows before the rollout: here 7 candidates in 10 are as good as the
-- current version (1 % errors), and 3 in 10 are 25 % worse (1.25 %). Each replication draws one. Will the
-- gate catch the bad ones, how many users get hurt before it does, and how often is a good one rolled
-- back for nothing?
--   rollsim run scenarios/quickstart.lua --out quick                 one replication, told in words
--   rollsim run scenarios/quickstart.lua --reps 200 --plot --out quick   200 of them: summary.json and
--                                                                         quick/plots/fan.png
return scenario {
  name = "quick start: canary with a z-test gate",
  seed = 42,
  horizon = days(4),          -- simulate four days
  sample_every = hours(1),    -- one row of curves.csv per hour

  population = {
    { name = "internal", users = 500,   rate = 2 },   -- requests per user per hour
    { name = "general",  users = 20000, rate = 1 },
  },

  versions = {
    { name = "current",   baseline = true, error_rate = 0.010 },
    { name = "candidate",                  error_rate = choice{ {0.7, 0.010}, {0.3, 0.0125} } },
  },

  policy = {
    name = "fixed_stages",
    gate = "ztest", alpha = 0.05,
    stages = {
      { segments = { "internal" },                 bake = days(1) },   -- internal users only
      { segments = { internal = 1, general = 0.01 }, bake = hours(12) },
      { segments = { internal = 1, general = 0.05 }, bake = hours(12) },
      { segments = { internal = 1, general = 0.25 }, bake = hours(12) },
      { weight = 1,                                  bake = hours(12) },  -- everyone
    },
  },
}

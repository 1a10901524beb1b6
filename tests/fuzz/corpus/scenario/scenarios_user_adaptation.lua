-- User adaptation: a new version that users must get used to. Judged after one day it looks worse; after
-- two weeks it is clearly better.
--
-- A new assistant answers differently (a new style, new commands): at first users accept fewer of its
-- answers than the old one's, then they learn to use it and accept more. Its success rate starts at 0.26
-- (the old version's is 0.30) and climbs towards 0.34, closing the gap with a time constant of two days:
--
--   success_rate(t) = 0.34 - 0.08 * exp(-t / 48 h)    -> 0.26 at t = 0, 0.31 after 2 days, 0.339 after 10
--
-- A scripted event with `every` sets it every 6 hours; its `value` is a function of the time t (in hours),
-- evaluated when the scenario is loaded, so the curve is the same in every replication. Look at the "event"
-- rows of events.csv to see the values it set.
--
-- The experiment: a fixed half of the users (the same 5 000 all along) get the new version from t = 0, for
-- two weeks, with no gate (gate = "none"; errors are equal anyway). The outcome is "incomplete" in every
-- replication: the rollout never goes beyond 50 %, which is what an experiment does.
--
-- Run it, stopping the experiment after 1 day, 3 days, 1 week and 2 weeks:
--   rollsim run scenarios/user_adaptation.lua --reps 200 --set horizon=1d --out adapt_1d
--   rollsim run scenarios/user_adaptation.lua --reps 200 --set horizon=3d --out adapt_3d
--   rollsim run scenarios/user_adaptation.lua --reps 200 --set horizon=7d --out adapt_7d
--   rollsim run scenarios/user_adaptation.lua --reps 200 --out adapt_14d
-- and in each folder's segments.csv compute successes / requests for old and new (docs/tutorial.md has a
-- one-line awk that also counts in how many replications a two-sided z-test at 5 % calls new better or
-- worse). A success is counted only on a request without an error, so the old version shows
-- 0.99 x 0.30 = 0.297.
--
-- What to expect (200 replications, seed 21): after 1 day new is worse by about 0.027 (0.270 against 0.297),
-- significantly in nearly every replication; after 3 days still slightly worse (-0.004, significantly in
-- about a quarter of the replications); after a week better by about 0.016, and after two weeks by about
-- 0.028, significantly in every replication. The two-week total still carries the learning period: the
-- steady-state gain is 0.99 x 0.04 = 0.040. A short test measures how users react to a change (here: badly,
-- at first; the opposite, a "novelty effect" that wears off, is just as common), not how good the change is.
--
-- A limit of this model: the success rate is a function of calendar time, the same for all users of the
-- version. That is right here, where every user of the new version starts at t = 0; in a stage ladder, users
-- added later would start at the level of the others instead of at the bottom of their own learning curve.
local function learning(t) return 0.34 - 0.08 * math.exp(-t / hours(48)) end

return scenario {
  name = "user adaptation: a success rate that improves as users get used to the new version",
  seed = 21,
  replications = 200,
  horizon = days(14),
  sample_every = hours(6),

  population = { { name = "users", users = 10000, rate = 0.1 } },

  versions = {
    { name = "old", baseline = true, error_rate = 0.01, success_rate = 0.30 },
    { name = "new",                  error_rate = 0.01, success_rate = learning(0) },
  },

  events = {
    -- from t = 0 to the horizon, every 6 hours: new.success_rate = learning(t)
    { at = 0, every = hours(6), set = { version = "new", key = "success_rate", value = learning } },
  },

  policy = { name = "fixed_stages", steps = { 0.5 }, bake = days(14), gate = "none" },
}

-- Drift: a candidate that is fine when it is released and gets worse every day after.
--
-- Models drift: the world moves away from their training data, a cache or index they depend on goes stale,
-- a feedback loop slowly degrades them. Here the candidate becomes available at t = 1 day (release_at) with
-- the current version's 1 % errors, and its error rate then grows by 0.2 percentage points a day:
--
--   error_rate(t) = 1 % + 0.2 % x (t - 24 h) / 24 h   -> 1.1 % after 12 h, 1.4 % after 2 days, 2 % after 5
--
-- A scripted event with `every` sets it every 6 hours from the release on; its `value` is a function of the
-- time t (in hours), evaluated when the scenario is loaded.
--
-- Two things to know about release_at:
--   * before its release, a version gets no users whatever weight the policy asks for: in curves.csv, N and
--     P stay at 0 until t = 24, then jump to the first stage's weight;
--   * the policy does not know: its clock starts at t = 0, and a fixed_stages stage that ends before the
--     release is judged on no data and passes. So each plan's first stage here lasts until after the
--     release (bake = released + ...).
--
-- "Bad" is decided from the versions' parameters before any event runs (1 % = the baseline's 1 %: good), so
-- the scenario says bad = true: it drifts, we want it stopped, and p_escape is "it reached everyone".
--
-- Two plans, each with a one-sided z-test (alpha = 0.05) at the end of every stage:
--   fast : 10 % for the 12 hours after the release, then everyone (time to full 36 h)
--   slow : 5 % for the first day after the release, then 25 %, 50 %, 100 %, a day each
-- `rollsim run` runs the fast one (the `policy` key); compare runs both on the same replications.
--
-- Run it:
--   rollsim run scenarios/drift.lua --reps 1000 --out drift
--   rollsim compare scenarios/drift.lua --reps 1000 --jobs 2 --out drift_cmp
-- and look at
--   * summary.json, per policy: p_escape, harm, excess_harm (errors beyond the current version's rate on the
--     same requests: what the drift cost);
--   * events.csv: the "event" rows (the drifting error rate), the "release" at t = 24, the "gate" rows with
--     their counts;
--   * curves.csv, columns N and P: 0 until the release, whatever the policy asked.
--
-- What to expect (1000 replications, seed 17): the fast plan judges the candidate in its first 12 hours,
-- when it is still almost as good as the current version, and ships it to everyone in about 93 % of the
-- replications (p_escape about 0.93); then nothing watches any more (a promoted rollout has no baseline
-- left to compare with) and the drift goes on: about 7 700 candidate errors by t = 6 days, about 2 600 of
-- them excess. The slow plan is still rolling out when the drift shows: it rolls back in every replication,
-- mostly at the end of the 25 % stage (t = 72 h), with about 400 candidate errors and 80 excess. The gate
-- only judges the past: a slow ladder catches drift because it is still watching, and a model that can
-- drift needs monitoring after its rollout too.
local released = days(1)
local function drifted(t) return 0.010 + 0.002 * (t - released) / 24 end

return scenario {
  name = "drift: a candidate whose error rate grows after its release",
  seed = 17,
  replications = 500,
  horizon = days(6),
  sample_every = hours(2),

  population = { { name = "users", users = 10000, rate = 0.5 } },

  versions = {
    { name = "current",   baseline = true, error_rate = 0.010 },
    { name = "candidate",                  error_rate = 0.010, release_at = released, bad = true },
  },

  events = {
    -- from the release to the horizon, every 6 hours: candidate.error_rate = drifted(t)
    { at = released, every = hours(6), set = { version = "candidate", key = "error_rate", value = drifted } },
  },

  policy = { name = "fixed_stages", gate = "ztest", alpha = 0.05, stages = {
    { weight = 0.1, bake = released + hours(12) },
    { weight = 1,   bake = days(1) } } },

  policies = {
    fast = { name = "fixed_stages", gate = "ztest", alpha = 0.05, stages = {
      { weight = 0.1, bake = released + hours(12) },
      { weight = 1,   bake = days(1) } } },
    slow = { name = "fixed_stages", gate = "ztest", alpha = 0.05, stages = {
      { weight = 0.05, bake = released + days(1) },
      { weight = 0.25, bake = days(1) },
      { weight = 0.5,  bake = days(1) },
      { weight = 1,    bake = days(1) } } },
  },
}

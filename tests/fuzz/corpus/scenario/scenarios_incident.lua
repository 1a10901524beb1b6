-- An incident: a good candidate breaks on day 3, in the middle of its rollout. How fast is it rolled back,
-- and how many users get hurt in between?
--
-- The candidate is as good as the current version (1 % errors) until t = 3 days, when a scripted event
-- raises its error rate to 5 % (a bad config push, a dependency outage, a data pipeline gone stale). The
-- rollout goes 5 % for a day, 25 % for a day, 50 % for two days, then everyone; so at the incident the
-- candidate serves half of the 10 000 users, about 2 500 requests an hour, and each hour of incident costs
-- about 2 500 x (5 % - 1 %) = 100 errors more than the current version would have made.
--
-- The gate is the one-sided z-test on the stage's requests, at alpha = 0.01, checked every 6 hours inside
-- each stage (check_every) and at its end. At t = 72 the 50 % stage already holds a day of healthy data,
-- which dilutes the incident's errors; still, 6 hours of a 5x error rate are far too many to pass.
--
-- "Bad" is decided from the versions' parameters before any event runs, so rollsim would call this
-- candidate good (1 % = the baseline's 1 %) and count the incident's rollback as a false one. It turns bad
-- on day 3, so the scenario says so with bad = true: p_escape is then "the broken candidate reached
-- everyone", and a rollback before day 3 (a false alarm on a then-healthy candidate) shows up in runs.csv
-- as a rollback_time under 72.
--
-- Run it:
--   rollsim run scenarios/incident.lua --reps 1000 --out incident
-- and look at
--   * runs.csv, rollback_time: 78 in most replications (the first check after t = 72 comes at t = 78);
--     excess_harm: the errors beyond what the current version would have made on the same requests, which
--     here is the incident's toll (about 6 hours x 100 = 600);
--   * curves.csv (every replication: outputs.curves = "all"), column harmed (distinct users who received at
--     least one candidate error so far): its value at t = 78 minus its value at t = 72 is the number of
--     users hurt between the incident and the rollback;
--   * events.csv: the "event" row at t = 72 (candidate.error_rate = 0.05), then the failing "gate" and the
--     "rollback".
--
-- What to expect (1000 replications, seed 3): about 88 % rolled back at t = 78, with about 600 excess errors
-- and about 580 users hurt in those 6 hours; about 12 % rolled back before the incident (false alarms, see
-- below); none reaches everyone.
--
-- Then compare how often to check:
--   rollsim compare scenarios/incident.lua --reps 1000 --jobs 2 --out incident_cmp
-- every_hour catches it 1 to 2 hours after the incident (about 135 excess errors, 140 users hurt);
-- end_of_stage only at t = 96, the end of the 50 % stage (about 2 400 excess errors, 1 870 users hurt). But
-- checking often has its own price: before the incident, a test at a fixed alpha looked at again and again
-- on growing data raises false alarms ("peeking"): about 21 % of the replications with hourly checks are
-- rolled back while the candidate is still healthy, 12 % with 6-hourly checks, 3-4 % at stage ends only.
-- The sequential gates of the spec (msprt, confseq) are made for checking often; see docs/tutorial.md.
local ladder = {
  { weight = 0.05, bake = days(1) },
  { weight = 0.25, bake = days(1) },
  { weight = 0.5,  bake = days(2) },   -- t = 48 .. 96: the incident happens here
  { weight = 1,    bake = days(1) },
}

return scenario {
  name = "incident: a good candidate breaks at day 3",
  seed = 3,
  replications = 500,
  horizon = days(5),
  sample_every = hours(1),

  population = { { name = "users", users = 10000, rate = 0.5 } },

  versions = {
    { name = "current",   baseline = true, error_rate = 0.010 },
    { name = "candidate",                  error_rate = 0.010, bad = true },
  },

  events = {
    { at = days(3), set = { version = "candidate", key = "error_rate", value = 0.05 } },
  },

  policy = { name = "fixed_stages", stages = ladder, gate = "ztest", alpha = 0.01, check_every = hours(6) },

  policies = {
    every_hour   = { name = "fixed_stages", stages = ladder, gate = "ztest", alpha = 0.01, check_every = hours(1) },
    every_6h     = { name = "fixed_stages", stages = ladder, gate = "ztest", alpha = 0.01, check_every = hours(6) },
    end_of_stage = { name = "fixed_stages", stages = ladder, gate = "ztest", alpha = 0.01 },
  },

  outputs = { curves = "all" },   -- every replication in curves.csv, to read harmed at t = 72 and after
}

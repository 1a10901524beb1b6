-- A stage ladder: internal users first, then the beta programme, then the general public.
--
-- Big teams rarely release a new model version to "1 % of everyone". They release it to groups of users who
-- accept more risk first: their own staff (internal, dogfooding), then users who signed up for early access
-- (beta), then everyone else (general). rollsim models the groups as population segments, and the ladder as
-- stages that name the segments they cover:
--
--   stage 1  internal (100 users)                    for a day      N = 100     P = 100 / 11 100 = 0.009
--   stage 2  internal + beta (1 000 more)            for a day      N = 1 100   P = 0.099
--   stage 3  internal + beta + 25 % of general       for 12 hours   N = 3 600   P = 0.324
--   stage 4  everyone                                for 12 hours   N = 11 100  P = 1
--
-- N(t), the number of users on the candidate, therefore jumps by very different amounts: +1 000, +2 500,
-- +7 500. Internal users send more requests each (they use the product all day), and general users follow a
-- daily cycle (half again as many requests as on average in mid-afternoon, half as many in the night).
--
-- At the end of every stage a one-sided z-test (alpha = 0.05) compares the candidate's error rate with the
-- baseline's on that stage's requests, and rolls back if the candidate is significantly worse. Each
-- replication draws its candidate from a prior: three times in four it is as good as the current version
-- (1 % errors), once in four it is bad (1.3 %).
--
-- Run it:
--   rollsim run scenarios/stage_ladder.lua --reps 1000 --jobs 2 --out ladder
-- and look at
--   * curves.csv, columns t, N, P, stage, hour by hour for the first 10 replications: replication 3 (a good
--     candidate) climbs the ladder above and reaches P = 1 at t = 60; replication 0 (a bad one) is stopped
--     at t = 48 and drops back to N = 0;
--   * runs.csv, columns bad, outcome, stage_reached: which stage stopped each bad candidate;
--   * events.csv, kind "gate": each stage's z-test with its counts, e.g. for replication 0 "ztest stage 1:
--     pass (cand 58/4817, base 699/71765)" then "ztest stage 2: fail (cand 406/28798, base 459/47890)";
--   * segments.csv (one row per replication, segment and version): who received the bad candidate's errors;
--   * summary.json: p_escape, p_false_rollback, time_to_full.
--
-- What to expect (1000 replications, seed 11): about 255 bad candidates, none of which escape; about 60 %
-- of them are stopped by the internal stage and nearly all the rest by beta, so the general public almost
-- never meets one. Their errors land on staff and beta testers (in segments.csv, per bad replication, about
-- 85 candidate errors in internal, 125 in beta, under 1 in general). The price: the three judged stages give
-- a good candidate three chances of a false alarm, about 1 - 0.95^3 = 14 % (p_false_rollback comes out at
-- 13-17 %); the last stage, at 100 %, has no baseline left to compare with and never fires. A good candidate
-- reaches everyone at t = 60 h (time_to_full).
return scenario {
  name = "stage ladder: internal -> beta -> general",
  seed = 11,
  replications = 500,
  horizon = days(3),
  sample_every = hours(1),

  population = {
    { name = "internal", users = 100,   rate = 2 },     -- requests per user per hour
    { name = "beta",     users = 1000,  rate = 1 },
    { name = "general",  users = 10000, rate = 0.2,
      daily = { amplitude = 0.5, peak = 14 } },        -- rate x (1 + 0.5 cos(2 pi (t - 14) / 24)):
                                                       -- busiest at t = 14, 38, 62 h (t = 0 is midnight)
  },

  versions = {
    { name = "current",   baseline = true, error_rate = 0.010 },
    { name = "candidate", error_rate = choice{ {0.75, 0.010}, {0.25, 0.013} } },
  },

  policy = {
    name = "fixed_stages",
    gate = "ztest", alpha = 0.05,
    stages = {
      { segments = { "internal" },                             bake = days(1) },
      { segments = { "internal", "beta" },                     bake = days(1) },
      { segments = { internal = 1, beta = 1, general = 0.25 }, bake = hours(12) },
      { weight = 1,                                            bake = hours(12) },   -- everyone
    },
  },
}

-- Fairness across segments: a candidate that is worse only for a small group of users, and why a gate on
-- the pooled error rate lets it through.
--
-- 10 000 users: 9 500 write in English, 500 in other languages. The candidate is exactly as good as the
-- current version for English (1 % errors) but three times worse for everyone else (3 %): the segment's
-- `effects` multiply the candidate's error rate by 3 in that segment only. The segment is 5 % of the
-- traffic, so the candidate's POOLED error rate is 0.95 x 1 % + 0.05 x 3 % = 1.1 %: a 10 % increase, spread
-- thinly over all requests, where the 200 % increase of the people who suffer it is hard to see.
--
-- rollsim's default rule for "bad" (error rate above 1.1 x the baseline's) looks at the version's own
-- error_rate, not at segment effects, so it would call this candidate good. It is not, for 500 people: the
-- scenario says bad = true, and p_escape is then "it reached everyone".
--
-- The rollout (uniform): 5 %, 25 %, 100 % of every segment, 12 hours each, a one-sided z-test at alpha =
-- 0.05 on the pooled requests of each stage.
--
-- Run it:
--   rollsim run scenarios/segment_fairness.lua --reps 1000 --out fair
-- and look at
--   * summary.json, p_escape: how often the candidate reached everyone;
--   * segments.csv: one row per replication, segment and version, with requests and errors. Divide errors by
--     requests: the candidate makes 1.0 % errors in english and 3.0 % in other_languages, the current
--     version 1.0 % in both; pooled over the two segments, the candidate's rate is only 1.1 %;
--   * events.csv, kind "gate": what the pooled test saw. At the 25 % stage, e.g. "ztest stage 2: pass (cand
--     158/15168, base 423/44878)": some 15 000 candidate requests with about 165 errors where 150 were to be
--     expected, z about 1, within the noise. Only 750 of those requests come from other_languages, with about
--     22 errors where 7.5 were expected: tested alone, they would give z around 4.
--
-- What to expect (1000 replications, seed 8): p_escape about 0.60; the 40 % caught are caught at the 25 %
-- stage mostly (the 5 % stage has only 150 requests from other_languages). An escaped candidate then gives
-- 3 % errors to every user of other_languages for good.
--
-- What helps: give the small segment more weight in the canary, so that its requests are not drowned.
--   rollsim compare scenarios/segment_fairness.lua --reps 1000 --jobs 2 --out fair_cmp
-- runs the `policies` below on the same replications. "oversample" puts half of other_languages (and 5 % of
-- english) in the first stage: 1 500 of its 4 300 candidate requests come from the hurt segment, and the
-- same pooled test now catches the candidate in 99 % of the replications, at the first stage, with about 95
-- candidate errors in all instead of 1 760 (p_escape about 0.01). This only works for a segment you thought
-- of in advance; the general remedy is to test each segment (or the worst one), which this version's gates
-- and Lua policies cannot do yet (a policy sees pooled counts only).
return scenario {
  name = "segment fairness: a candidate worse only for other languages",
  seed = 8,
  replications = 500,
  horizon = days(3),
  sample_every = hours(1),

  population = {
    { name = "english",         users = 9500, rate = 0.5 },
    { name = "other_languages", users = 500,  rate = 0.5,
      effects = { candidate = { error_rate = 3 } } },   -- the candidate's error rate x 3, here only
  },

  versions = {
    { name = "current",   baseline = true, error_rate = 0.010 },
    { name = "candidate",                  error_rate = 0.010, bad = true },
  },

  policy = { name = "fixed_stages", steps = { 0.05, 0.25, 1 }, bake = hours(12), gate = "ztest", alpha = 0.05 },

  policies = {
    uniform    = { name = "fixed_stages", steps = { 0.05, 0.25, 1 }, bake = hours(12),
                   gate = "ztest", alpha = 0.05 },
    oversample = { name = "fixed_stages", gate = "ztest", alpha = 0.05, stages = {
                     { segments = { english = 0.05, other_languages = 0.5 }, bake = hours(12) },
                     { segments = { english = 0.25, other_languages = 0.5 }, bake = hours(12) },
                     { weight = 1,                                           bake = hours(12) } } },
  },
}

-- Quality you feel late: a regression in recall, judged on labels that arrive a day after the request.
--
-- A model version's worst regressions rarely show up as errors: the new version answers, but answers worse.
-- Teams judge quality on the requests that get a label (human review of a sample, a downstream outcome) and
-- compute the classic metrics on them: accuracy, precision, recall, F1. Labels take time. Here:
--
--   * 30 % of requests are positives (prevalence = 0.3): the cases the model must flag;
--   * the current version finds 90 % of them (recall 0.90) and wrongly flags 5 % of the negatives
--     (specificity 0.95); its error rate (failed responses) is 1 %;
--   * a new candidate has the SAME error rate, so an error-rate gate sees nothing. Half the candidates are as
--     good as the current version; the other half find only 85 % of the positives (recall 0.85): a quality
--     regression that users feel as missed cases;
--   * 5 % of requests get a label, about a day later (lognormal delay, median 24 h: most labels arrive between
--     15 and 40 hours after their request);
--   * the gate is a one-sided z-test on the candidate's recall (metric = "recall": the share of labelled
--     positives it missed, against the baseline's), at alpha = 0.05, at the end of each stage; it judges only
--     when each version has at least 50 labelled positives in the stage (min_n = 50): on a handful of labels
--     a z-test is not at its level, and fewer labels count as no data, which passes.
--
-- Three plans put the candidate on 5 % of users and then, if the gate passes, on everyone (the last stage's
-- hour only gives the rollout its promotion; by then none of its labels have arrived):
--   twelve_hours  -- the usual canary bake: by 12 h almost no label has arrived, the gate judges on nothing
--   one_day       -- labels are just starting to come in
--   three_days    -- the labels of the first two days are in
--
--   rollsim compare scenarios/delayed_feedback.lua --out feedback --jobs 2
--   jq '.policies[] | {label, p_escape: .estimates.p_escape, excess_wrong: .estimates.excess_wrong.mean}' \
--      feedback/summary.json
--
-- What to read in summary.json, per plan: p_escape (a recall regression promoted), p_false_rollback (a good
-- candidate rolled back), excess_wrong (the candidate's wrong answers beyond the current version's, on all its
-- requests, labelled or not: the harm users feel), cand_labels (labels the gate could have seen by the end),
-- time_to_full. events.csv shows each gate check with the recall it measured and the labels it stood on.
return scenario {
  name = "delayed feedback: a recall regression and labels a day late",
  seed = 16,
  replications = 400,
  horizon = days(5),
  sample_every = hours(1),

  population = {
    { name = "users", users = 20000, rate = 1 },   -- 20 000 requests an hour
  },

  prevalence = 0.3,                                 -- share of positive requests
  labels = {
    fraction = 0.05,                                -- 5 % of requests are labelled ...
    delay = lognormal(math.log(24), 0.25),          -- ... after about a day (median 24 h)
  },

  versions = {
    { name = "current", baseline = true, error_rate = 0.01, recall = 0.90, specificity = 0.95 },
    { name = "candidate", error_rate = 0.01,                -- errors unchanged: an error-rate gate is blind
      recall = choice{ {0.5, 0.90}, {0.5, 0.85} },          -- half of the candidates regress
      specificity = 0.95,
      bad = function(v, baseline) return v.recall < baseline.recall - 0.02 end },
  },

  policies = {
    twelve_hours = { name = "fixed_stages", gate = "ztest", metric = "recall", alpha = 0.05, min_n = 50,
                     stages = { { weight = 0.05, bake = hours(12) }, { weight = 1, bake = hours(1) } } },
    one_day      = { name = "fixed_stages", gate = "ztest", metric = "recall", alpha = 0.05, min_n = 50,
                     stages = { { weight = 0.05, bake = days(1) }, { weight = 1, bake = hours(1) } } },
    three_days   = { name = "fixed_stages", gate = "ztest", metric = "recall", alpha = 0.05, min_n = 50,
                     stages = { { weight = 0.05, bake = days(3) }, { weight = 1, bake = hours(1) } } },
  },
  -- `rollsim run` uses this one:
  policy = { name = "fixed_stages", gate = "ztest", metric = "recall", alpha = 0.05, min_n = 50,
             stages = { { weight = 0.05, bake = days(3) }, { weight = 1, bake = hours(1) } } },
}

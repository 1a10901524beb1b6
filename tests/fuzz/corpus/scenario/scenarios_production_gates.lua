-- Production gates: how often does the gate you actually run miss a bad model, or stop a good one?
--
-- No production tool reports these rates. Here the same rollout is judged five ways, each gate behaving as
-- its system's code does (see `rollsim plugins`, section "gates"):
--   flagger   : Flagger's canary analysis, one tick an hour. The first tick detects the new revision (weight
--               0); the next starts the analysis at 5 %; then each metric must be in range (request error
--               rate <= 1.5 %, P99 latency <= 500 ms); a check out of range, or with no data, adds one to a
--               failed-checks counter that never resets, and holds the weight; at 5 failed checks the canary
--               is rolled back (at the next tick); each passed check steps the weight 5 -> 10 -> 20 -> 50 %,
--               a pass at 50 % sets Promoting, then the Promoting and Finalising ticks: Succeeded 3 ticks
--               after the last rung at best (7 h after the release, where the docs' formula says 4 h).
--   argo      : each stage is Argo's setWeight, a 1 h pause, then an inline analysis step: a measurement at
--               once and every hour, count 6 (the stage waits for the run). Error rate <= 1.5 % is a success,
--               > 2 % a failure, in between inconclusive. failureLimit 1: the run fails on the SECOND failure
--               (failed > limit, strictly). More than 2 inconclusive measurements pause the rollout for a
--               human (here: it stops where it is — outcome "incomplete"). analysis = "background" runs one
--               AnalysisRun across all stages instead (counters never reset).
--   kayenta   : Kayenta's judge per stage: every 10 minutes one value of each metric for the candidate and
--               the baseline; three times a stage a Mann-Whitney test at 98 % on each series, classifying
--               each metric High / Low / Pass; score = 100 x Pass / all; <= 75 rolls back at once, a final
--               score < 95 too (pass_score 95 / marginal_score 75 are set below; orca's defaults are 75 / 50).
--               No correction for looking three times. The error rate is queried as a fraction: at 1 % the
--               solver's absolute 1e-4 does not matter (scale = 100 gives the same 1000 outcomes), at a few
--               in ten thousand it would (docs/gates.md, "Numerics"). The baseline series comes from a
--               baseline cluster the canary's size, as Spinnaker deploys one (baseline_traffic = "all"
--               compares with the whole fleet instead: try it, and watch the false rollbacks).
--   threshold : the plain check users ask Flagger and Argo for: roll back after 3 hourly checks in a row
--               with the candidate's error rate 50 % above the baseline's over the same hour.
--   ztest     : the classic: a one-sided z-test on each stage's errors at its end, alpha = 0.05.
--
-- Both versions answer with the same latencies (median 100 ms, P99 about 400 ms), so every latency alarm
-- is a false one; 15 % of candidates are bad (1.5 % errors instead of 1 %).
--
--   rollsim compare scenarios/production_gates.lua --reps 1000 --jobs 2 --out gates --plot
--
-- and read, per gate, P(escape | bad) and P(false rollback | good) in summary.json (or plots/risk.png).
-- With 1000 replications (161 bad candidates, 839 good): Flagger lets about 62 % of the bad ones through
-- and stops 0.1 % of the good ones (its ladder ends before 5 failed checks accumulate), everyone on the
-- new version after 7.5 h on average; the threshold 43 % (and 1.7 % false rollbacks); Kayenta 29 %
-- (0.6 %); Argo 21 % (0.2 %), and pauses 11 % of rollouts for a human; the z-test none, at the price of
-- 11 % false rollbacks. (Before issue 14, without Flagger's detection, Promoting and Finalising ticks:
-- 63 %, 0 %, full after 4 h; the others did not move: see docs/tutorial.md section 13.) Then try the knobs, e.g.
-- --set policies.flagger.threshold=2, --set policies.kayenta.intervals=6, or Argo's failure_limit.
return scenario {
  name = "production gates: Flagger, Argo, Kayenta, a threshold and a z-test on the same rollouts",
  seed = 7,
  replications = 400,
  horizon = days(2),
  sample_every = hours(1),

  population = { { name = "users", users = 20000, rate = 0.5 } },

  versions = {
    { name = "current", baseline = true, error_rate = 0.010, latency = { median = 100, sigma = 0.6 } },
    { name = "candidate", error_rate = choice{ {0.85, 0.010}, {0.15, 0.015} },
      latency = { median = 100, sigma = 0.6 } },
  },

  policy = { name = "fixed_stages", gate = "flagger", steps = { 0.05, 0.1, 0.2, 0.5 }, bake = hours(1),
             threshold = 5,
             metrics = { { name = "error_rate", max = 0.015 }, { name = "latency_p99", max = 500 } } },

  policies = {
    flagger = { name = "fixed_stages", gate = "flagger", steps = { 0.05, 0.1, 0.2, 0.5 }, bake = hours(1),
                threshold = 5,
                metrics = { { name = "error_rate", max = 0.015 }, { name = "latency_p99", max = 500 } } },
    argo = { name = "fixed_stages", gate = "argo", steps = { 0.05, 0.25, 1 }, bake = hours(1),
             metrics = { { name = "error_rate", success = "<= 0.015", failure = "> 0.02", failure_limit = 1,
                           inconclusive_limit = 2, interval = hours(1), count = 6 } } },
    kayenta = { name = "fixed_stages", gate = "kayenta", steps = { 0.05, 0.25, 1 }, bake = hours(6),
                check_every = minutes(10), intervals = 3, pass_score = 95, marginal_score = 75,
                metrics = { { name = "error_rate", direction = "increase" },
                            { name = "latency_p99", direction = "increase" } } },
    threshold = { name = "fixed_stages", gate = "threshold", steps = { 0.05, 0.25, 1 }, bake = hours(6),
                  check_every = hours(1),
                  metrics = { { name = "error_rate", max_increase = 0.5, consecutive = 3 } } },
    ztest = { name = "fixed_stages", gate = "ztest", alpha = 0.05, steps = { 0.05, 0.25, 1 },
              bake = hours(6) },
  },
}

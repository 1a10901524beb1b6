-- An A/B test of two model versions: half the users get B for a week, then we decide.
--
-- A and B make errors (failed requests: timeouts, refusals, malformed answers) equally often, 1 % of
-- requests, but B's answers are better: a request that does not fail is a success (the user accepts the
-- answer) with probability 0.31 for B against 0.30 for A. In the files a success is counted only on a
-- request without an error, so successes / requests comes out at 0.99 x 0.30 = 0.297 for A and
-- 0.99 x 0.31 = 0.307 for B.
--
-- The rollout: B goes to a fixed half of the users (the first 10 000; a user keeps the version it got, so
-- nobody flips between A and B) for seven days. At the end the fixed_stages gate runs its one-sided z-test on
-- the week's requests, and if it passes B goes to everyone (outcome "promoted"). That gate asks one
-- question only: "does B make significantly MORE ERRORS than A?" It does not test
--   * success, the thing this A/B test is about: the gate never looks at it;
--   * whether B is better at anything: it is one-sided, it can only say "worse";
--   * whether B is as good as A: passing is not proof; a B slightly worse on errors passes often.
-- And since A and B have the same error rate here, every rollback is a false alarm: it happens in about
-- alpha = 5 % of the replications, whatever B's success rate.
--
-- Run it:
--   rollsim run scenarios/ab_test.lua --reps 1000 --out ab
-- and look at
--   * summary.json: p_false_rollback (B is "good": its error rate is not above 1.1 x A's) and p_promote;
--   * events.csv, kind "gate": the z value (column value) and the counts of each replication's test;
--   * segments.csv: per replication, requests and successes of A and of B. That is where the A/B result is:
--     compute successes / requests per version, and a two-proportion z-test on successes yourself
--     (docs/tutorial.md has a one-line awk for it).
--
-- What to expect (1000 replications, seed 5): about 95 % promoted, 5 % rolled back (53 of 1000 with this
-- seed); in segments.csv B's success rate beats A's by about 0.010 (0.307 against 0.297), significantly so in
-- every replication (two-sided, 5 %). Now make B worse than A at success and run again:
--   rollsim run scenarios/ab_test.lua --reps 1000 --set versions.2.success_rate=0.29 --out ab_worse
-- The gate makes exactly the same decisions, replication for replication (53 rollbacks again): it never
-- looked at success. And make B 5 % worse on errors (1.05 % instead of 1 %):
--   rollsim run scenarios/ab_test.lua --reps 1000 --set versions.2.error_rate=0.0105 --out ab_errors
-- about 40 % of the runs roll back and 60 % ship the slightly worse B: with 170 000 requests per arm, a
-- 5 % difference in errors is about as big as the noise.
return scenario {
  name = "A/B test: B at 50 % for a week, z-test on errors, success differs",
  seed = 5,
  replications = 1000,
  horizon = days(7),         -- the gate's decision at t = 7 days is the last thing that happens
  sample_every = hours(6),

  population = { { name = "users", users = 20000, rate = 0.1 } },

  versions = {
    { name = "A", baseline = true, error_rate = 0.01, success_rate = 0.30 },
    { name = "B",                  error_rate = 0.01, success_rate = 0.31 },
  },

  -- 50 % for 7 days, then (if the gate passes) everyone.
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = days(7), gate = "ztest", alpha = 0.05 },
}

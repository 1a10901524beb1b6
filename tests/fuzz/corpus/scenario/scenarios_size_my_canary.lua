-- Size my canary: the planner's question, answered by search instead of by guessing.
--
-- You run a model behind a service with a daily traffic cycle (busy afternoons, quiet nights) and about 1 %
-- of requests failing today. Most new versions are fine, but about 15 % of them are 30 % worse (1.3 % errors)
-- and you would rather catch those before they reach everyone. Your rollout is a ladder of fixed stages with a
-- z-test gate at the end of each: a first canary of some size, then 20 %, then everyone. Three knobs:
--
--   policy.steps.1   the first stage's weight (the canary's size)            0.5 % .. 10 %
--   policy.bake      how long each stage bakes before the gate judges it     2 h .. 24 h
--   policy.alpha     the gate's level (smaller: fewer false rollbacks,       0.005 .. 0.2
--                    but a bad candidate needs more evidence to be stopped)
--
-- What you want: as little excess harm as possible (errors above what the current version would have served
-- to the same requests), and everyone on the new version soon -- say an hour sooner is worth 10 excess errors
-- (a price of 10 per hour of time to full), subject to letting at most 5 % of the bad candidates escape and
-- rolling back at most 10 % of the good ones. (Leave the second condition out and the search learns that a
-- jumpy gate costs nothing here: time to full is measured on the promoted rollouts only, so a good candidate
-- rolled back for nothing is not counted as slow -- always write down what a false alarm costs you.)
--
--   rollsim optimize scenarios/size_my_canary.lua --set mode=cohort \
--       --param policy.steps.1=0.005:0.1:log --param policy.bake=2:24:int --param policy.alpha=0.005:0.2:log \
--       --objective 'excess_harm.mean + 10 * time_to_full.mean' \
--       --constraint 'p_escape <= 0.05' --constraint 'p_false_rollback <= 0.1' \
--       --budget 20 --reps 400 --jobs 2 --out canary-plan --plot
--
-- Each evaluation runs 400 replications of this scenario with the same seeds (common random numbers: every
-- plan meets the same traffic and the same candidates), so the optimiser compares plans on paired evidence.
-- Cohort mode (tutorial section 14) makes an evaluation take a fraction of a second; without it, exact mode
-- simulates every request (about 1.4 million per replication here) and the search takes minutes.
-- The best plan is then run again on fresh replications, and canary-plan/best.lua is this scenario with that
-- plan filled in: `rollsim run canary-plan/best.lua` reproduces best.json's figures. `p_escape` is the point
-- estimate; write `p_escape.hi <= 0.05` to ask that the 95 % upper bound respects the budget instead (stricter,
-- and it needs enough bad candidates among the replications to be reachable at all).
--
-- To see the whole landscape instead, sweep the same knobs on a grid (every point on the same seeds):
--   rollsim sweep scenarios/size_my_canary.lua --set mode=cohort --grid policy.steps.1=0.005,0.02,0.05,0.1 \
--       --grid policy.bake=4,8,12,24 --reps 400 --jobs 2 --out canary-grid --plot
-- Bake times are whole hours here so that the plan also runs in cohort mode (--set mode=cohort, when your
-- population is in the millions), whose steps must divide every decision time.
return scenario {
  name = "size my canary: first stage, bake and gate level under a 5 % escape budget",
  seed = 7,
  replications = 400,
  horizon = days(6),
  sample_every = hours(2),

  -- One population of 20 000 users, 0.5 requests an hour each on average, 60 % busier at 15:00 than on
  -- average and 60 % quieter at 03:00.
  population = {
    { name = "users", users = 20000, rate = 0.5, daily = { amplitude = 0.6, peak = 15 } },
  },

  versions = {
    { name = "current", baseline = true, error_rate = 0.010 },
    -- 85 % of candidates are as good as the current version, 15 % are 30 % worse. "Bad" is the default rule:
    -- an error rate above 1.1x the baseline's.
    { name = "candidate", error_rate = choice{ {0.85, 0.010}, {0.15, 0.013} } },
  },

  -- The plan the search starts from: a 1 % canary, then 20 %, then everyone, 12 hours a stage, alpha 0.05.
  policy = { name = "fixed_stages", steps = { 0.01, 0.2, 1 }, bake = hours(12), gate = "ztest", alpha = 0.05 },
}

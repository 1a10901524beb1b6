-- Bayesian optimisation of the canary's weight (issue 13): the quick start's users and candidates, rolled
-- out by `bayesopt` against the quick start's fixed ladder and a Thompson-sampling bandit with a z-test guard,
-- on the same replications.
--
-- bayesopt keeps a *safe set* of weights: those where an upper confidence bound on the candidate's excess
-- error rate (its error rate minus the baseline's) is at most max_excess_error. It starts at seed_weight,
-- assumed safe, and grows as the candidate's requests narrow the bound (SafeOpt, Sui et al. 2015). The bounds
-- are confidence sequences (valid at every decision, however often it looks), so under A/A it rolls back in
-- at most alpha of the replications; it rolls back when the *lower* bound at the seed weight shows the
-- candidate worse than the baseline. Inside the safe set a Gaussian process of the utility (successes gained
-- minus error_price times excess errors) picks the weight: the top of the set while it can still grow, else
-- the acquisition's best (ucb or ei). Weight 1 safe and plausibly best: promotion. events.csv has one
-- "safeset" line per decision: the weight served, the safe interval, the bounds.
--
-- alpha = 0.2 matches the risk the fixed plan takes: its z-test at 5 % on each of five stages rolls back
-- about 20 % of good candidates (see p_false_rollback in summary.json).
--   rollsim compare scenarios/bayesopt_rollout.lua --reps 1000 --jobs 2 --plot --out bo
return scenario {
  name = "bayesopt: safe Bayesian optimisation of the canary weight",
  seed = 42,
  horizon = days(4),
  sample_every = hours(1),

  population = {                                       -- the quick start's
    { name = "internal", users = 500,   rate = 2 },
    { name = "general",  users = 20000, rate = 1 },
  },
  versions = {                                         -- 7 in 10 candidates as good, 3 in 10 25 % worse
    { name = "current",   baseline = true, error_rate = 0.010 },
    { name = "candidate",                  error_rate = choice{ {0.7, 0.010}, {0.3, 0.0125} } },
  },

  policy = { name = "bayesopt", alpha = 0.2, prior_strength = 1000, decide_every = hours(1) },

  policies = {
    bayesopt = {
      name = "bayesopt",
      seed_weight = 0.05,          -- the first weight, assumed safe
      max_excess_error = 0.002,    -- safe: excess error rate at most 0.2 percentage points
      lipschitz = 0.001,           -- the candidate's error rate moves at most 0.1 pp across all weights
      alpha = 0.2,                 -- the bounds all hold with 80 % (in practice far more: see A/A)
      prior_strength = 1000,       -- the bounds are tightest near prior_error_rate (1 %): not a belief
      decide_every = hours(1),     -- looking often costs nothing: the bounds are valid at every look
      acquisition = "ucb",
    },
    fixed_stages = {               -- the quick start's plan
      name = "fixed_stages", gate = "ztest", alpha = 0.05,
      stages = {
        { segments = { "internal" },                   bake = days(1) },
        { segments = { internal = 1, general = 0.01 }, bake = hours(12) },
        { segments = { internal = 1, general = 0.05 }, bake = hours(12) },
        { segments = { internal = 1, general = 0.25 }, bake = hours(12) },
        { weight = 1,                                  bake = hours(12) },
      },
    },
    bandit = {                     -- a Thompson-sampling bandit (plugins/bandit.c): every hour it shifts traffic
      name = "bandit",             -- toward the version with more successes; the baseline keeps 20 %, a new arm
      algorithm = "thompson",      -- gets at most 10 % until 2000 observations, and a z-test guard at alpha 0.01
      update_every = hours(1),     -- removes the candidate (its rollback) when it makes more errors
      min_share = 0.2, max_share = 0.1, min_samples = 2000,
      guard = true, gate = "ztest", alpha = 0.01, promote_at = 0.99,
    },
  },
}

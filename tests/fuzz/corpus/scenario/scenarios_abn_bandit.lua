-- A/B/n with a bandit: a baseline and four candidates compete for the traffic; which rollout policy serves
-- the users best while it learns, and which one lets a harmful candidate through?
--
-- The versions: the baseline answers successfully with probability 0.30 and fails (errors) 1 % of the time.
-- Each candidate's success probability is drawn per replication from a prior, Beta(30, 70) (mean 0.30, sd
-- 0.046: some are better, some worse), and candidate "c4" is harmful: twice the baseline's errors (2 %).
-- The reward a bandit sees is the success of a request (an error is never a success); regret (runs.csv,
-- summary.json `regret`, plots/regret.png) is, per replication, the sum over requests of mu* - mu of the
-- version served, mu = P(success), mu* the best version's.
--
-- The policies compared, on the same replications (common random numbers: same users, same draws):
--   thompson, ucb1, kl_ucb, eps_greedy  the bandit (plugins/bandit.c), updated every hour (batched, as a
--              traffic router works); users are sticky (a candidate with share w serves the first w of the
--              users, SPEC §2). Safety: the baseline keeps at least 20 % of the traffic (min_share), a
--              candidate gets at most 10 % until it has 2000 observations (max_share, min_samples), and a guard
--              -- a z-test on error rates at alpha 0.01, any §7 gate would do -- removes a candidate that makes
--              more errors than the baseline (logged as that candidate's rollback in events.csv). The bandit
--              promotes a candidate when its posterior probability of being the best passes 0.99.
--   fixed_stages  the classic canary of one candidate (here c1: a staged plan does not compare versions)
--              1 %, 5 %, 25 %, 100 % with a z-test gate, baking 12 h.
--
-- Run it:
--   rollsim compare scenarios/abn_bandit.lua --reps 1000 --jobs 2 --plot --out abn
-- and read summary.json: per policy `regret` (mean and interval), `harm` (candidate errors) and `p_escape`
-- (P(escape | bad): the promoted candidate is bad), and `paired` (each pair's differences with their paired
-- intervals); plots/regret.png draws the mean cumulative regret of each policy over time with its bands.
-- What to look for: the bandits' regret is a fraction of fixed_stages' (which sends a quarter of the users to
-- an arbitrary candidate for 12 h, good or not, and never tries the others); Thompson's is the lowest. The
-- guard keeps the harmful c4's harm small; eps_greedy pays for its constant exploration.
local function bandit(alg, extra)
  local p = { name = "bandit", algorithm = alg, update_every = hours(1), min_share = 0.2, max_share = 0.1,
              min_samples = 2000, guard = true, gate = "ztest", alpha = 0.01, promote_at = 0.99 }
  for k, v in pairs(extra or {}) do p[k] = v end
  return p
end

return scenario {
  name = "A/B/n: four candidates, four bandits and a canary",
  seed = 2024,
  replications = 200,
  horizon = days(3),
  sample_every = hours(2),
  population = { { name = "users", users = 20000, rate = 1 } },
  versions = {
    { name = "base", baseline = true, error_rate = 0.01, success_rate = 0.30 },
    { name = "c1", error_rate = 0.01, success_rate = beta(30, 70) },
    { name = "c2", error_rate = 0.01, success_rate = beta(30, 70) },
    { name = "c3", error_rate = 0.01, success_rate = beta(30, 70) },
    { name = "c4", error_rate = 0.02, success_rate = beta(30, 70) }, -- harmful: twice the errors
  },
  policy = bandit("thompson"),
  policies = {
    thompson = bandit("thompson"),
    ucb1 = bandit("ucb1"),
    kl_ucb = bandit("kl_ucb"),
    eps_greedy = bandit("eps_greedy", { epsilon = 0.1 }),
    fixed_stages = { name = "fixed_stages", candidate = "c1", steps = { 0.01, 0.05, 0.25, 1 }, bake = hours(12),
                     gate = "ztest", alpha = 0.05 },
  },
}

-- The textbook Bernoulli bandit, inside a release simulator: no errors, two versions whose answers succeed
-- with probability 0.5 (the baseline, A) and 0.6 (B). A request is a "pull", its success the reward.
--
-- The bandit (plugins/bandit.c) learns after every request here (update_every = 0): the host asks it which
-- version serves each request and tells it the outcome, exactly like the loop of a bandit textbook. Users are
-- not sticky in this mode (each request is routed on its own).
--
-- Regret: every pull of A instead of B costs mu* - mu_A = 0.6 - 0.5 = 0.1 in expectation. The pseudo-regret
-- of a replication (runs.csv `regret`, summary.json `regret`) is 0.1 x (pulls of A). A good algorithm's regret
-- grows like log T (Lai & Robbins 1985: at least sum over bad arms of Delta_i / KL(mu_i, mu*) x ln T, here
-- 0.1 / KL(0.5, 0.6) = 0.1 / 0.02041 = 4.9 x ln T); a fixed-epsilon greedy one grows linearly, epsilon / 2
-- x 0.1 per request.
--
-- Run it:
--   rollsim run scenarios/bernoulli_bandit.lua --reps 200 --out bern --plot          (Thompson sampling)
--   rollsim compare scenarios/bernoulli_bandit.lua --reps 200 --out bern_cmp --plot  (the four algorithms)
-- and read plots/regret.png: the mean cumulative regret of each algorithm over time, with its bands.
-- 10 000 pulls: 1000 users sending 10 requests an hour each, for an hour (Poisson: about 10 000).
--
-- The ten-arm variant (arms 0.1, 0.2, ..., 0.9 and 0.95 is best... see `ten_arms` below): --set ten_arms=true
-- is not a key; instead run scenarios/bernoulli_bandit.lua with ARMS = 10 by editing the line below.
local ARMS = 2 -- 2: the 0.5 / 0.6 pair; 10: ten arms, the baseline 0.5 and nine others from 0.41 to 0.59

local versions
if ARMS == 2 then
  versions = {
    { name = "A", baseline = true, error_rate = 0, success_rate = 0.5 },
    { name = "B",                  error_rate = 0, success_rate = 0.6 },
  }
else
  versions = { { name = "v0", baseline = true, error_rate = 0, success_rate = 0.5 } }
  for i = 1, 9 do
    versions[#versions + 1] = { name = "v" .. i, error_rate = 0, success_rate = 0.4 + 0.02 * i }
  end
end

local function bandit(alg, extra)
  local p = { name = "bandit", algorithm = alg, update_every = 0, decide_every = minutes(6) }
  for k, v in pairs(extra or {}) do p[k] = v end
  return p
end

return scenario {
  name = "Bernoulli bandit: per-request updates, no errors",
  seed = 12,
  replications = 200,
  horizon = hours(1),
  sample_every = minutes(6),
  population = { { name = "users", users = 1000, rate = 10 } },
  versions = versions,
  policy = bandit("thompson"),
  policies = {
    thompson = bandit("thompson"),
    ucb1 = bandit("ucb1"),
    kl_ucb = bandit("kl_ucb"),
    eps_greedy = bandit("eps_greedy", { epsilon = 0.1 }),
  },
}

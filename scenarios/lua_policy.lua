-- A rollout policy written in Lua, right in the scenario: the same canary as a fixed_stages plugin with
-- steps {0.05, 0.25, 1}, 12 hours each and a z-test gate, spelled out step by step.
--
-- rollsim calls policy(obs, state) at t = 0 and then whenever the previous call asked (`next`). obs holds
-- the time, and per version its cumulative counts (requests, errors, successes), the counts since the
-- previous call (obs.versions.candidate.since), users routed and exposed, its weight, and (when the scenario
-- gives labels) the labels arrived so far, obs.versions.candidate.labels = { tp, fp, fn, tn, thumbs_up,
-- thumbs_down, in_flight }. `state` is a
-- table of your own that lives for one replication (globals are read-only while the simulation runs, so
-- that replications stay independent). The function returns an action: new weights, a verdict
-- ("continue", "promote", "rollback" or "stop"), the time of the next call, and a stage number for the
-- outputs. ztest(cand_errors, cand_requests, base_errors, base_requests, alpha) is the gate of the spec.
--
-- Try it, then the same thing as a plugin: the outputs are identical (the tests check it).
--   rollsim run scenarios/lua_policy.lua --reps 200 --out luapol
local steps, bake, alpha = { 0.05, 0.25, 1 }, hours(12), 0.05

local function policy(obs, state)
  local cand, base = obs.versions.candidate, obs.versions.current
  if obs.first then
    state.k = 1
  else
    -- judge the stage that just ended on its own requests
    local fires = ztest(cand.errors - state.ce, cand.requests - state.cr,
                        base.errors - state.be, base.requests - state.br, alpha)
    if fires then return { verdict = "rollback" } end
    if state.k == #steps then return { verdict = "promote" } end
    state.k = state.k + 1
  end
  -- start stage k: remember the counts so the gate sees this stage only
  state.cr, state.ce, state.br, state.be = cand.requests, cand.errors, base.requests, base.errors
  return { weights = { candidate = steps[state.k] }, next = obs.t + bake, stage = state.k }
end

return scenario {
  name = "a Lua policy: fixed stages with a z-test, by hand",
  seed = 99,
  replications = 100,
  horizon = days(2),
  sample_every = hours(1),
  population = { { name = "users", users = 10000, rate = 0.5 } },
  versions = {
    { name = "current",   baseline = true, error_rate = 0.010 },
    { name = "candidate", error_rate = choice{ {0.7, 0.010}, {0.3, 0.013} } },
  },
  policy = policy,
}

#!/usr/bin/env bash
# rollsim replay (issue 15): recorded series (tests/manifests/replay/*.csv) through the gates of the manifests
# beside them; each expected sequence (minute of the check : action) is worked out by hand from the system's
# code, as the comments say, not taken from rollsim's output.
# usage: tests/replay.sh PATH/TO/rollsim
set -u
R=${1:?usage: replay.sh PATH/TO/rollsim}
case $R in /*) ;; *) R=$PWD/$R ;; esac
SRC=${ROLLSIM_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$SRC/tests/manifests/replay" || exit 1
n_fail=0
# expect NAME 'MIN:ACTION ...' MANIFEST... -- CSV: the checks' minutes (2 decimals) and actions, in order
expect() {
    local name=$1 want=$2 got
    shift 2
    local files=() csv
    while [ "$1" != -- ]; do files+=("$1"); shift; done
    csv=$2
    got=$("$R" replay "${files[@]}" --metrics "$csv" 2>&1 | awk -F, 'NR > 1 { printf "%s%.2f:%s", sep, $1 * 60, $2; sep = " " }')
    if [ "$got" = "$want" ]; then echo "PASS  $name: $got"
    else echo "FAIL  $name: got [$got] expected [$want]"; n_fail=$((n_fail + 1)); fi
}

# Flagger (flagger.yaml: interval 1m, threshold 2, stepWeight 20, maxWeight 40, error_rate <= 0.01), from
# pkg/controller/scheduler.go: tick 0 detects the revision; tick 1 starts the analysis at the first weight
# without checking; each passed check adds stepWeight; a pass at maxWeight sets Promoting; the Promoting tick
# sends all traffic to the primary (Finalising); the Finalising tick scales the canary down: Succeeded.
expect flagger_pass "0.00:continue 1.00:advance 2.00:advance 3.00:continue 4.00:continue 5.00:promote" \
    flagger.yaml -- flagger_pass.csv
# failedChecks is cumulative (SyncStatus never resets it): failures at minutes 2 and 4 with a pass between
# still reach threshold 2; the weight is held on a failure and moves on a pass; the tick after the second
# failure rolls back at its top, without checking.
expect flagger_cumulative "0.00:continue 1.00:advance 2.00:hold 3.00:advance 4.00:hold 5.00:rollback" \
    flagger.yaml -- flagger_cumulative.csv
# no data (an empty value: the query found nothing) fails the check like an out-of-range value
# (runMetricChecks: "no values found").
expect flagger_nodata "0.00:continue 1.00:advance 2.00:hold 3.00:hold 4.00:rollback" \
    flagger.yaml -- flagger_nodata.csv
# Flagger's built-in metrics as recorded: request-success-rate in percent (the import reads min: 99 as 0.99),
# request-duration in ms. tests/manifests/flagger_canary.yaml: stepWeight 5 to maxWeight 50, so 10 rungs
# (ticks 1..10 when all pass); 98.9 % at minute 3 is below 99 %: held, one tick later for everything after:
# the pass at 50 % on tick 12 (Promoting), Finalising 13, Succeeded 14. Had the percent not been read as
# such, 98.9 would pass and Succeeded would come at tick 13.
expect flagger_percent "0.00:continue 1.00:advance 2.00:advance 3.00:hold 4.00:advance 5.00:advance 6.00:advance \
7.00:advance 8.00:advance 9.00:advance 10.00:advance 11.00:advance 12.00:continue 13.00:continue 14.00:promote" \
    ../flagger_canary.yaml -- flagger_percent.csv

# Argo (argo.yaml: interval 5m, count 4, success <= 0.01, failure > 0.05, failureLimit 1,
# consecutiveErrorLimit 1), from analysis/analysis.go: the first measurement at the run's start, then every
# interval; the metric completes after count measurements (Successful: the rollout goes on).
expect argo_pass "0.00:continue 5.00:continue 10.00:continue 15.00:advance" argo.yaml -- argo_pass.csv
# 0.03 meets neither condition: Inconclusive; inconclusive 1 > inconclusiveLimit 0: the run is Inconclusive
# and the rollout pauses for a human.
expect argo_inconclusive "0.00:continue 5.00:pause" argo.yaml -- argo_inconclusive.csv
# no row in the window at 5m: an Error (empty result), not counted; retried 10 s later (DefaultErrorRetryInterval):
# Error again, consecutiveErrors 2 > 1: the run errs, the rollout aborts.
expect argo_nodata "0.00:continue 5.00:continue 5.17:rollback" argo.yaml -- argo_nodata.csv
# failures are counted across the run, not in a row: failed at 0 and 10 with a success between, 2 > 1.
expect argo_failures "0.00:continue 5.00:continue 10.00:rollback" argo.yaml -- argo_failures.csv

# Kayenta (kayenta_config.json + kayenta_stage.json: lifetime 30 min, interval 15: judgments at 15 and 30
# min on the growing window; two metrics in two groups of weight 50; orca's thresholds 75 / 50).
# identical canary and baseline: every metric Pass (the interval of the shift contains 0), score 100 > 50:
# go on; the last score 100 >= 75: the stage succeeds.
expect kayenta_pass "15.00:continue 30.00:advance" kayenta_config.json kayenta_stage.json -- kayenta_pass.csv
# the canary's error rate 0.05 against 0.01 throughout: High (increase is bad, ratio 5 >= allowedIncrease 1):
# the errors group scores 0, latency 100, score 50 <= marginal 50: MonitorKayentaCanaryTask stops the canary
# at the first judgment (the judge would call 50 Marginal).
expect kayenta_worse "15.00:rollback" kayenta_config.json kayenta_stage.json -- kayenta_worse.csv
# latency never recorded: Nodata for one metric of two, >= 50 % (ScoringHelper): score 0, stopped.
expect kayenta_nodata "15.00:rollback" kayenta_config.json kayenta_stage.json -- kayenta_nodata.csv

echo
[ $n_fail = 0 ] && echo "replay: all passed" || echo "replay: $n_fail failed"
[ $n_fail = 0 ]

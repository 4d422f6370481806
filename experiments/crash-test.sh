#!/usr/bin/env bash
# The long crash test of the README's "Reliability" section: a child JVM runs a small sweep (tiny random checkpoint,
# synthetic questions) and is killed with kill -9 (SIGKILL) KILLS times at random points, once more while loading;
# a line in the middle of results.jsonl is damaged and a torn line appended; the restarted run must end with the
# records of an uninterrupted run, volatile fields aside: 0 duplicated, 0 missing, 0 torn, 0 differing.
#
#   experiments/crash-test.sh            # 20 kills on 24 images x 3 questions x 3 configurations (216 samples)
#   KILLS=50 IMAGES=40 SEED=7 experiments/crash-test.sh
#
# Prints one "crash test: ..." line with the figures (and fails if any is not 0). The test suite runs the same test
# with 2 kills on 4 images.
set -euo pipefail
log=$(mktemp)
cd "$(dirname "$0")/.."
./mvnw -o -B -q -pl framework -am test \
  -Dtest='SweepResumeTest#aRunKilledSeveralTimesAndRestartedEndsWithTheRecordsOfAnUninterruptedRun' \
  -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtransprune.crash.kills="${KILLS:-20}" -Dtransprune.crash.images="${IMAGES:-24}" \
  -Dtransprune.crash.seed="${SEED:-20261202}" >"$log" 2>&1 || status=$?
grep -v '^crash test:' "$log" | grep -v 'WARN ai.djl' || true
grep -h '^crash test:' "$log" || true
if [ "${status:-0}" -ne 0 ]; then echo "crash test FAILED (status $status)"; exit 1; fi

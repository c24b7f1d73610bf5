#!/usr/bin/env bash
# One command for the benchmarks: builds, runs Tandem against the Atomix 3.1.12 baseline in the
# same run, and writes the report (docs/benchmarks.md section + docs/img/*.png).
#
#   jmh/run-benchmarks.sh quick   # about 12 min: the suite 3 times, each in a fresh JVM with one
#                                 # cluster per side kept across its cases, 1 s iterations, the
#                                 # main thread counts; the report gives medians over the runs
#   jmh/run-benchmarks.sh full    # 2-2.5 hours: 3 forks per case, throughput + sample-time, all
#                                 # thread counts, plus the layer benchmarks (log, transport, core, time)
#
# Environment: SUITE_RUNS=N runs of the suite (quick: 3, full: 1); SUITE_FORKS=N overrides the
# fork count; SUITE_ONLY=regex limits the operations
# (e.g. SUITE_ONLY='lock.*'); SKIP_BUILD=1 reuses jmh/target/benchmarks.jar.
# Runs hold /tmp/jmh.lock so that benchmark runs on a shared machine do not overlap.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-quick}"
case "$mode" in quick|full) ;; *) echo "usage: $0 quick|full" >&2; exit 2 ;; esac

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # -am builds core, storage and transport from this checkout in the same reactor: without it
  # Maven takes tandem-core from ~/.m2, i.e. whatever any checkout on this machine installed last.
  # package, not install, so this run does not change ~/.m2 for anyone else either.
  mvn -B -q -DskipTests package -pl jmh/baseline,jmh -am
fi

# Quick mode runs the whole suite SUITE_RUNS times (default 3), each in a fresh JVM with fresh
# clusters, and the report gives medians over the runs with their spread. Full mode forks per case.
runs="${SUITE_RUNS:-$([ "$mode" = quick ] && echo 3 || echo 1)}"
props=()
[ -n "${SUITE_FORKS:-}" ] && props+=("-Dsuite.forks=$SUITE_FORKS")
[ -n "${SUITE_ONLY:-}" ] && props+=("-Dsuite.only=$SUITE_ONLY")
# Quick mode runs the cases in this JVM (no forks), so it carries the flags of the Atomix fork.
jvm=(-Xms2g -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dio.netty.tryReflectionSetAccessible=true
     -Dio.atomix.whitelistPackages=io.atomix)
for p in java.lang java.util java.nio sun.nio.ch java.time java.util.concurrent java.util.concurrent.atomic java.net; do
  jvm+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
status=0
outs=()
for run in $(seq 1 "$runs"); do
  out="jmh/target/results-$mode-$run.json"
  rm -f "$out" "$out.env"
  echo "=== run $run of $runs -> $out"
  flock /tmp/jmh.lock java "${jvm[@]}" "${props[@]}" -cp jmh/target/benchmarks.jar io.tandem.jmh.Suite "$mode" "$out" || status=$?
  [ -f "$out" ] && outs+=("$out")
done
all=$(IFS=,; echo "${outs[*]}")
java -Djava.awt.headless=true -cp jmh/target/benchmarks.jar io.tandem.jmh.report.Report "$all" docs/benchmarks.md docs/img
echo "results: $all; report: docs/benchmarks.md; charts: docs/img/tandem-vs-atomix-*.png"
[ "$status" = 0 ] || echo "some cases failed (named in the report and above)" >&2
exit "$status"

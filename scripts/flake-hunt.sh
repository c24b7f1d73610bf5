#!/usr/bin/env bash
# Runs the default build (`mvn -B verify`) N times in a row and reports every failing test with its
# run number and, where the test prints one, its seed. Each run runs every module's tests even when
# one fails (-Dmaven.test.failure.ignore=true); the surefire reports decide pass or fail. With
# --hog, one busy loop per core keeps the cores busy for the whole hunt (they run at the build's
# niceness, so they really compete with it) and are killed when the script exits, however it exits.
#
#   scripts/flake-hunt.sh N [--hog] [--nice K] [--timeout-min M] [-- extra maven arguments]
#
# Logs and the surefire reports of failing runs go to target/flake-hunt/<start time>/.
# Exit status: 0 if every run passed, 1 otherwise. See docs/testing.md.
set -u

usage() {
    echo "usage: $0 N [--hog] [--nice K] [--timeout-min M] [-- extra maven arguments]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
runs=$1
shift
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || usage
hog=0
niceness=10
timeout_min=45
mvn_extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --hog) hog=1 ;;
        --nice) shift; niceness=${1:?--nice needs a number} ;;
        --timeout-min) shift; timeout_min=${1:?--timeout-min needs a number} ;;
        --) shift; mvn_extra=("$@"); break ;;
        *) usage ;;
    esac
    shift
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
out="$root/target/flake-hunt/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

hog_pids=()
stop_hog() {
    for p in "${hog_pids[@]+"${hog_pids[@]}"}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    hog_pids=()
}
trap stop_hog EXIT
trap 'exit 130' INT TERM

if [ "$hog" = 1 ]; then
    cores=$(nproc 2>/dev/null || echo 2)
    for _ in $(seq 1 "$cores"); do
        nice -n "$niceness" bash -c 'while :; do :; done' &
        hog_pids+=($!)
    done
    echo "CPU hog: ${#hog_pids[@]} busy loops at nice $niceness (pids ${hog_pids[*]})"
fi

# Prints "Class.method<TAB>seed" for every failed or errored test case in the given surefire XML files.
failures_in() {
    awk '
        /<testcase / {
            name = ""; cls = ""; failed = 0; seed = "";
            if (match($0, / name="[^"]*"/)) name = substr($0, RSTART + 7, RLENGTH - 8);
            if (match($0, / classname="[^"]*"/)) cls = substr($0, RSTART + 12, RLENGTH - 13);
            if (match(name, /seed=(0x)?[0-9a-fA-F-]+/)) seed = substr(name, RSTART + 5, RLENGTH - 5);
        }
        /<failure|<error/ { failed = 1 }
        failed && seed == "" && match($0, /seed=(0x)?[0-9a-fA-F-]+/) { seed = substr($0, RSTART + 5, RLENGTH - 5) }
        /<\/testcase>/ && failed {
            printf "%s.%s\t%s\n", cls, name, (seed == "" ? "-" : seed); failed = 0
        }
    ' "$@" | sort -u
}

declare -a durations
failed_runs=0
summary="$out/summary.txt"
: >"$summary"
for i in $(seq 1 "$runs"); do
    find "$root" -path '*/target/surefire-reports' -type d -prune -exec rm -rf {} +
    log="$out/run-$i.log"
    echo "run $i/$runs: nice -n $niceness mvn -B verify ${mvn_extra[*]+"${mvn_extra[*]}"} > $log"
    start=$(date +%s)
    # failure.ignore: a failing test must not stop the reactor, or one flake in transport would hide
    # every test of core behind it; the reports decide whether the run passed.
    timeout --kill-after=60 "${timeout_min}m" nice -n "$niceness" mvn -B verify -Dmaven.test.failure.ignore=true \
        "${mvn_extra[@]+"${mvn_extra[@]}"}" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    durations+=("$secs")
    mapfile -t reports < <(find "$root" -path '*/target/surefire-reports/TEST-*.xml' 2>/dev/null)
    failing=()
    if [ ${#reports[@]} -gt 0 ]; then
        mapfile -t failing < <(failures_in "${reports[@]}")
    fi
    if [ "$rc" = 0 ] && [ ${#failing[@]} = 0 ]; then
        echo "run $i: PASS in ${secs}s" | tee -a "$summary"
        continue
    fi
    failed_runs=$((failed_runs + 1))
    case "$rc" in
        0) why="${#failing[@]} failing tests" ;;
        124) why="timed out after ${timeout_min} min" ;;
        *) why="exit $rc" ;;
    esac
    echo "run $i: FAIL ($why) in ${secs}s" | tee -a "$summary"
    for line in "${failing[@]+"${failing[@]}"}"; do
        echo "  run $i  ${line%%$'\t'*}  seed=${line##*$'\t'}" | tee -a "$summary"
    done
    mkdir -p "$out/run-$i-reports"
    for r in "${reports[@]+"${reports[@]}"}"; do
        if grep -q '<failure\|<error' "$r"; then
            cls=$(basename "$r" .xml)
            cp "$r" "$out/run-$i-reports/"
            # the test's own output (logs), kept beside its report by redirectTestOutputToFile
            cp "$(dirname "$r")/${cls#TEST-}-output.txt" "$out/run-$i-reports/" 2>/dev/null
            true
        fi
    done
    # The simulator prints "SIMULATION FAILED seed=..." with a replay command; keep those lines too.
    grep -h 'SIMULATION FAILED\|replay:' "$log" 2>/dev/null | sort -u | sed 's/^/  /' | tee -a "$summary"
    if [ ${#failing[@]} = 0 ]; then
        echo "  run $i  no failing test in the surefire reports (compile error, fork crash or timeout):" \
            | tee -a "$summary"
        grep -m 5 '\[ERROR\]' "$log" | sed 's/^/    /' | tee -a "$summary"
    fi
done

sorted=$(printf '%s\n' "${durations[@]}" | sort -n)
n=${#durations[@]}
median=$(echo "$sorted" | awk -v n="$n" 'NR == int((n + 1) / 2) { a = $1 } NR == int(n / 2) + 1 { b = $1 }
    END { print (n % 2 ? b : (a + b) / 2) }')
slowest=$(echo "$sorted" | tail -1)
echo "$((runs - failed_runs))/$runs runs passed$([ "$hog" = 1 ] && echo ' (beside the CPU hog)');" \
    "median ${median}s, slowest ${slowest}s; logs in $out" | tee -a "$summary"
[ "$failed_runs" = 0 ]

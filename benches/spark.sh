#!/usr/bin/env bash
# Benchmark of a scan on a Spark cluster, beside hand-written Spark SQL and beside
# polars on this machine.
#
#   benches/spark.sh [--rows N] [--dir DIR] [--runs K] [--reuse]
#
# Generates N result rows (default 10,000,000; 1% of the keys duplicated) as Parquet
# into DIR (default target/bench-spark), starts the two-worker test cluster
# (.ci/spark; stopped again at the end if this script started it), then times, best of
# K runs (default 1), with dupaudit's peak memory:
#   - Spark SQL by hand: GROUP BY idempotency_key, md5(payload) HAVING count(*) > 1;
#   - the floor: GROUP BY idempotency_key HAVING count(*) > 1;
#   - dupaudit on Spark: the duplicate classes (exact, conflict);
#   - a hand-written Spark job doing the full audit joins (benches/spark_jobs.py);
#   - dupaudit on Spark: the full audit without cross-key;
#   - dupaudit reading the same files with polars on this machine, both scans.
# --reuse skips the generation when the files are there.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=10000000
dir=target/bench-spark
runs=1
reuse=0
while [ $# -gt 0 ]; do
    case $1 in
        --rows) rows=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --reuse) reuse=1; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dupaudit
if [ "$reuse" = 0 ]; then
    "$bin" generate --rows "$rows" --formats parquet --out "$dir"
fi
.ci/spark install
if ! (exec 3<>/dev/tcp/127.0.0.1/15002) 2>/dev/null; then
    trap '.ci/spark stop' EXIT
    .ci/spark start
fi
url=sc://127.0.0.1:15002
source benches/lib.sh

results=$(realpath "$dir/results.parquet")
log=$(realpath "$dir/idempotency_log.parquet")
jobs=(target/pyspark-venv/bin/python benches/spark_jobs.py "$url" "$results" "$log")
full=exact,conflict,late-write,multi-complete,stale-processing,orphan-result,missing-result,null-key
scan=("$bin" --spec benches/bench.toml scan --results-file "$results" --log-file "$log"
    --format json -o /dev/null --fail-on none)

echo "Parquet, $rows result rows, on the two-worker cluster:"
best_of "Spark SQL: GROUP BY key, md5(payload)" "${jobs[@]}" hand
best_of "Spark SQL floor: GROUP BY key" "${jobs[@]}" floor
best_of "dupaudit on Spark: exact, conflict" "${scan[@]}" --spark "$url" --classes exact,conflict
best_of "Spark job: the full audit joins" "${jobs[@]}" joins
best_of "dupaudit on Spark: full audit without cross-key" "${scan[@]}" --spark "$url" --classes "$full"
echo "The same files with polars on this machine:"
best_of "dupaudit (polars): exact, conflict" "${scan[@]}" --classes exact,conflict
best_of "dupaudit (polars): full audit without cross-key" "${scan[@]}" --classes "$full"
awk -v d="${secs[dupaudit on Spark: exact, conflict]}" -v f="${secs[Spark SQL floor: GROUP BY key]}" \
    -v a="${secs[dupaudit on Spark: full audit without cross-key]}" -v j="${secs[Spark job: the full audit joins]}" \
    'BEGIN { printf "duplicate scan / floor: %.2fx; full audit / joins: %.2fx\n", d / f, a / j }'

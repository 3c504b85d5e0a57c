#!/usr/bin/env bash
# Benchmark of a scan of Parquet exports, side by side with DuckDB.
#
#   benches/parquet.sh [--rows N] [--dir DIR] [--runs K] [--reuse]
#
# Generates N result rows (default 10,000,000; 1% of the keys duplicated) as Parquet
# into DIR (default target/bench-parquet), installs DuckDB from PyPI into a virtual
# environment under target/, then times, best of K runs (default 1), with peak memory:
#   - DuckDB: GROUP BY idempotency_key, hash(payload) HAVING count(*) > 1;
#   - DuckDB's floor: GROUP BY idempotency_key HAVING count(*) > 1;
#   - dupaudit scans of the same files: the duplicate classes (exact, conflict), the
#     full audit without cross-key, and cross-key alone.
# --reuse skips the generation when the files are there.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=10000000
dir=target/bench-parquet
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
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet duckdb
fi
source benches/lib.sh

results=$dir/results.parquet

echo "Parquet, $rows result rows:"
best_of "duckdb: GROUP BY key, hash(payload)" \
    "$venv/bin/python" -c "import duckdb; duckdb.sql(\"SELECT idempotency_key, hash(payload), count(*) FROM '$results' GROUP BY 1, 2 HAVING count(*) > 1\").fetchall()"
best_of "duckdb floor: GROUP BY key" \
    "$venv/bin/python" -c "import duckdb; duckdb.sql(\"SELECT idempotency_key, count(*) FROM '$results' GROUP BY 1 HAVING count(*) > 1\").fetchall()"
scan=("$bin" --spec benches/bench.toml scan --results-file "$results"
    --log-file "$dir/idempotency_log.parquet" --format json -o /dev/null --fail-on none)
best_of "dupaudit: exact, conflict" "${scan[@]}" --classes exact,conflict
best_of "dupaudit: full audit without cross-key" \
    "${scan[@]}" --classes exact,conflict,late-write,multi-complete,stale-processing,orphan-result,missing-result,null-key
best_of "dupaudit: cross-key" "${scan[@]}" --classes cross-key

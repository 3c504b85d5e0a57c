#!/usr/bin/env bash
# Benchmark of a scan on SQLite with and without an index on the key: no pushed-down
# query may be quadratic, so the scan without the index must stay close to the one
# with it.
#
#   benches/sqlite.sh [--rows N] [--runs K] [--reuse] [--dir DIR]
#
# Generates the incident (default 1,000,000 result rows) twice into DIR (default
# target/bench-sqlite): as the sample is shaped, with the key indexed in both tables,
# and with --no-index, no index on the key and no primary key on the log. Then times,
# best of K runs (default 3), on each: the full audit (every class), every class but
# cross-key, and missing-result alone (an anti-join of the log against the results).
# --reuse skips the generation when the files are there.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=1000000
runs=3
reuse=0
dir=target/bench-sqlite
while [ $# -gt 0 ]; do
    case $1 in
        --rows) rows=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --reuse) reuse=1; shift ;;
        --dir) dir=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dupaudit
if [ "$reuse" = 0 ]; then
    "$bin" generate --out "$dir/indexed" --rows "$rows" --formats sqlite
    "$bin" generate --out "$dir/no-index" --rows "$rows" --formats sqlite --no-index
fi

source benches/lib.sh

echo "SQLite, $rows result rows (load average: $(cut -d' ' -f1-3 /proc/loadavg)):"
for shape in indexed no-index; do
    scan=("$bin" --spec dupaudit.toml scan --database-url "sqlite://$dir/$shape/incident.sqlite"
        --format json -o /dev/null --fail-on none)
    best_of "$shape: full audit" "${scan[@]}"
    best_of "$shape: every class but cross-key" "${scan[@]}" \
        --classes exact,conflict,late-write,multi-complete,stale-processing,orphan-result,missing-result,unknown-status,null-key
    best_of "$shape: missing-result alone" "${scan[@]}" --classes missing-result
done
for what in "full audit" "every class but cross-key" "missing-result alone"; do
    awk -v a="${secs[indexed: $what]}" -v b="${secs[no-index: $what]}" -v w="$what" \
        'BEGIN { printf "%s: without the index %.2fx the time with it\n", w, b / a }'
done

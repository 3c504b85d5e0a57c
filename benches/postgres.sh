#!/usr/bin/env bash
# Benchmark of a scan on PostgreSQL, side by side with the queries people write by hand.
#
#   benches/postgres.sh [--rows N] [--url URL] [--runs K] [--reuse] [--no-cross-key]
#
# Generates N result rows (default 10,000,000; 1% of the keys duplicated by the
# incident) into the database URL (default postgres://postgres@127.0.0.1:5432/
# dupaudit_bench, created if missing), then times, best of K runs (default 3):
#   - the hand-written duplicate query (GROUP BY key, md5(payload));
#   - the floor (GROUP BY key only);
#   - dupaudit scan of the duplicate classes (exact, conflict), on one connection and
#     split over two (--partitions 2);
#   - dupaudit full audit: every class but cross-key (the log checks included);
# twice: first as loaded (no index on idempotency_key, which the spec keys by; the
# loader indexes (operation_name, idempotency_key)), then with an index on
# idempotency_key in both tables, as a table keyed by it would have; and then
#   - dupaudit cross-key alone (hashes every payload), unless --no-cross-key.
# dupaudit's peak memory is the maximum resident set size of the process; the load
# average is printed beside each section, since the figures depend on it.
# --reuse skips the load when the tables are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=10000000
url=postgres://postgres@127.0.0.1:5432/dupaudit_bench
runs=3
reuse=0
cross_key=1
while [ $# -gt 0 ]; do
    case $1 in
        --rows) rows=$2; shift 2 ;;
        --url) url=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --reuse) reuse=1; shift ;;
        --no-cross-key) cross_key=0; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dupaudit
source benches/lib.sh

if [ "$reuse" = 0 ]; then
    load_postgres "$url" "$rows"
fi


scan=("$bin" --spec benches/bench.toml scan --database-url "$url" --format json -o /dev/null --fail-on none)

full=(--classes exact,conflict,late-write,multi-complete,stale-processing,orphan-result,missing-result,null-key)

# One side-by-side comparison; $1 names the indexes in place.
compare() {
    echo "PostgreSQL, $rows_loaded result rows, $1 (load average: $(cut -d' ' -f1-3 /proc/loadavg)):"
    best_of "hand-written: GROUP BY key, md5(payload)" \
        psql "$url" -qc "SELECT idempotency_key, md5(payload::text), count(*) FROM results GROUP BY 1,2 HAVING count(*) > 1"
    best_of "floor: GROUP BY key" \
        psql "$url" -qc "SELECT idempotency_key, count(*) FROM results GROUP BY 1 HAVING count(*) > 1"
    best_of "dupaudit: exact, conflict" "${scan[@]}" --classes exact,conflict
    best_of "dupaudit: exact, conflict, 2 partitions" "${scan[@]}" --classes exact,conflict --partitions 2
    best_of "dupaudit: full audit without cross-key" "${scan[@]}" "${full[@]}"
    awk -v hand="${secs[hand-written: GROUP BY key, md5(payload)]}" \
        -v floor="${secs[floor: GROUP BY key]}" \
        -v dup="${secs[dupaudit: exact, conflict]}" \
        'BEGIN { printf "dupaudit vs hand-written: %.2fx faster; dupaudit vs floor: %.2fx the time\n", hand / dup, dup / floor }'
}

rows_loaded=$(psql "$url" -Atc 'SELECT count(*) FROM results')
psql "$url" -qc "DROP INDEX IF EXISTS bench_results_key, bench_log_key"
compare "no index on idempotency_key"
psql "$url" -qc "CREATE INDEX bench_results_key ON results (idempotency_key)" \
    -qc "CREATE INDEX bench_log_key ON idempotency_log (idempotency_key)" -qc "ANALYZE"
echo
compare "idempotency_key indexed in both tables"
if [ "$cross_key" = 1 ]; then
    best_of "dupaudit: cross-key alone" "${scan[@]}" --classes cross-key
fi

#!/usr/bin/env bash
# Benchmark of the nightly audit on PostgreSQL: what a second --incremental night
# costs beside a scan of everything.
#
#   benches/nightly.sh [--rows N] [--url URL] [--runs K] [--reuse]
#
# Generates N result rows (default 1,000,000; 1% of the keys duplicated by the
# incident) into the database URL (default postgres://postgres@127.0.0.1:5432/
# dupaudit_nightly, created if missing), then times, best of K runs (default 3):
#   - a full audit without cross-key (what the first night does);
#   - a second night with nothing written since: its window is empty, and every key
#     the first night found is read again by key and classified (the outstanding
#     findings);
#   - the same empty window without the keys carried (`--since 1m`): what the second
#     night costs for its window alone;
# and prints how many keys the state file carries; first as loaded (the spec keys by
# idempotency_key, which the loader does not index alone), then with idempotency_key
# indexed in both tables. dupaudit's peak memory is the
# maximum resident set size of the process.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=1000000
url=postgres://postgres@127.0.0.1:5432/dupaudit_nightly
runs=3
reuse=0
while [ $# -gt 0 ]; do
    case $1 in
        --rows) rows=$2; shift 2 ;;
        --url) url=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --reuse) reuse=1; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dupaudit
source benches/lib.sh

if [ "$reuse" = 0 ]; then
    load_postgres "$url" "$rows"
fi


state=$(mktemp -d)/state.json
trap 'rm -rf "$(dirname "$state")"' EXIT
classes=--classes=exact,conflict,late-write,multi-complete,stale-processing,orphan-result,missing-result,null-key
scan=("$bin" --spec benches/bench.toml scan --database-url "$url" "$classes" --format prometheus -o /dev/null --fail-on none)

psql "$url" -qc "DROP INDEX IF EXISTS results_key_only" -qc "DROP INDEX IF EXISTS log_key_only"

# One night after another; $1 names the indexes in place.
nights() {
    echo "PostgreSQL, $rows result rows, $1 (load average: $(cut -d' ' -f1-3 /proc/loadavg)):"
    rm -f "$state"
    best_of "full audit without cross-key" "${scan[@]}"
    "${scan[@]}" --incremental "$state"
    carried=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['outstanding']))" "$state")
    best_of "second night, $carried keys carried" "${scan[@]}" --incremental "$state"
    best_of "the empty window alone (--since 1m)" "${scan[@]}" --since 1m
    awk "BEGIN{printf \"second night / full audit: %.2fx\n\n\", ${secs[second night, $carried keys carried]} / ${secs[full audit without cross-key]}}"
}

nights "no index on idempotency_key"
psql "$url" -qc "CREATE INDEX results_key_only ON results (idempotency_key)" \
    -qc "CREATE INDEX log_key_only ON idempotency_log (idempotency_key)" -qc "ANALYZE"
nights "idempotency_key indexed in both tables"

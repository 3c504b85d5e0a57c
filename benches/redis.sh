#!/usr/bin/env bash
# Benchmark of an audit whose idempotency log is in Redis and whose results are in
# PostgreSQL, side by side with the floor of reading the same records by hand.
#
#   benches/redis.sh [--rows N] [--url URL] [--redis URL] [--runs K] [--reuse]
#
# Generates N result rows (default 1,000,000) into the PostgreSQL URL (default
# postgres://postgres@127.0.0.1:5432/dupaudit_bench_redis, created if missing) and
# their log, one Powertools-layout record per attempt, into Redis (default
# redis://127.0.0.1:6379/15, keys `dupaudit-bench:*`), then times, best of K runs
# (default 3):
#   - the floor: `redis-cli --scan --pattern ... | wc -l` (listing the keys);
#   - the floor plus reading every record (`MGET` in batches of 1,000 keys);
#   - dupaudit: the full audit but cross-key, the log in Redis, the results in PostgreSQL.
# Peak memory is the maximum resident set size of the process (of the last command
# of a pipeline for the floors).
# --reuse skips the load when the data is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=1000000
url=postgres://postgres@127.0.0.1:5432/dupaudit_bench_redis
redis=redis://127.0.0.1:6379/15
runs=3
reuse=0
while [ $# -gt 0 ]; do
    case $1 in
        --rows) rows=$2; shift 2 ;;
        --url) url=$2; shift 2 ;;
        --redis) redis=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --reuse) reuse=1; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dupaudit
source benches/lib.sh
rdb=${redis##*/}
prefix=dupaudit-bench

if [ "$reuse" = 0 ]; then
    load_postgres "$url" "$rows"
    "$bin" load-redis --log-url "$redis" --rows "$rows" --layout powertools \
        --key "$prefix:{operation_name}#{idempotency_key}#{attempt}" --replace
fi


echo "PostgreSQL, $(psql "$url" -Atc 'SELECT count(*) FROM results') result rows; Redis, $(redis-cli -n "$rdb" --scan --pattern "$prefix:*" | wc -l) records:"
best_of "floor: redis-cli --scan | wc -l" \
    bash -c "redis-cli -n $rdb --scan --pattern '$prefix:*' | wc -l"
best_of "floor: --scan, then MGET every record" \
    bash -c "redis-cli -n $rdb --scan --pattern '$prefix:*' | xargs -d '\n' -n 1000 redis-cli -n $rdb MGET | wc -l"
best_of "dupaudit: full audit without cross-key" \
    "$bin" --spec benches/bench-redis.toml scan --database-url "$url" --log-url "$redis" \
    --format json -o /dev/null --fail-on none

# Shared by the benchmark scripts, sourced once $bin names the release binary.

# load_postgres URL ROWS: makes URL's database anew and loads ROWS generated rows.
load_postgres() {
    local url=$1 rows=$2
    local db=${url##*/}
    psql "${url%/*}/postgres" -qc "DROP DATABASE IF EXISTS \"$db\"" -qc "CREATE DATABASE \"$db\""
    "$bin" load --database-url "$url" --rows "$rows" --replace
    psql "$url" -qc "VACUUM ANALYZE"
}

# best_of NAME CMD... runs CMD $runs times, keeps the fastest run, the highest peak
# resident memory, and prints both.
declare -A secs mem
best_of() {
    local name=$1; shift
    local best=
    local peak=0
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o /tmp/dupaudit-bench.time "$@" >/dev/null
        read -r s kb < /tmp/dupaudit-bench.time
        if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
        if [ "$kb" -gt "$peak" ]; then peak=$kb; fi
    done
    secs[$name]=$best
    mem[$name]=$((peak / 1024))
    printf '%-44s %8.2f s  %6d MB\n' "$name" "$best" "${mem[$name]}"
}

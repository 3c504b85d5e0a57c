#!/usr/bin/env bash
# Benchmark of a cleanup on PostgreSQL: `dupaudit apply` of a plan beside a bare DELETE
# of the same ids.
#
#   benches/apply.sh [--rows N] [--url URL] [--runs K] [--batch-size B] [--reuse]
#
# Generates N result rows (default 10,000,000; the incident duplicates 1% of them) into
# the database URL (default postgres://postgres@127.0.0.1:5432/dupaudit_bench_apply,
# created if missing), makes a plan of the exact duplicates, then, K times (default 3),
# each time from the same starting table:
#   - dupaudit apply --yes (locks the planned keys' rows and compares their
#     fingerprints with the plan, moves the rows to remove into quarantine, journals
#     and records the run) in one transaction (--batch-size 0), then restore;
#   - the same in batches of B rows (default 10,000), then restore;
#   - dupaudit restore of each run (timed too: the way back);
#   - the bare DELETE FROM results WHERE id = ANY($1) of the same ids in one
#     transaction, the rows put back afterwards (untimed).
# Each timed command starts from a vacuumed table (the restores and re-inserts of the
# previous one leave dead rows that the key and primary-key probes would otherwise
# wade through, by how far autovacuum has got).
# Prints the best time of each, dupaudit's peak memory, and the ratio apply / DELETE.
# --reuse skips the load when the tables are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=10000000
url=postgres://postgres@127.0.0.1:5432/dupaudit_bench_apply
runs=3
batch=10000
reuse=0
while [ $# -gt 0 ]; do
    case $1 in
        --rows) rows=$2; shift 2 ;;
        --url) url=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --batch-size) batch=$2; shift 2 ;;
        --reuse) reuse=1; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dupaudit
source benches/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$reuse" = 0 ]; then
    load_postgres "$url" "$rows"
fi
psql "$url" -qc "DROP TABLE IF EXISTS dupaudit_quarantine, dupaudit_runs, dupaudit_journal, bench_saved"

plan=$work/plan.json
/usr/bin/time -f "%e %M" -o "$work/plan.time" \
    "$bin" --spec benches/bench-apply.toml plan --database-url "$url" -o "$plan" --quiet >/dev/null
read -r plan_s plan_kb < "$work/plan.time"
python3 - "$plan" > "$work/ids" <<'EOF'
import json, sys
plan = json.load(open(sys.argv[1]))
print(",".join(r["pk"][0] for g in plan["groups"] for r in g["remove"]))
EOF
removing=$(tr ',' '\n' < "$work/ids" | wc -l)
echo "PostgreSQL, $(psql "$url" -Atc 'SELECT count(*) FROM results') result rows; the plan removes $removing rows"
printf '%-44s %8.2f s  %6d MB\n' "dupaudit plan" "$plan_s" "$((plan_kb / 1024))"

{ echo "CREATE TABLE bench_saved AS SELECT * FROM results WHERE id = ANY('{"; cat "$work/ids"; echo "}'::bigint[]);"; } > "$work/save.sql"
{ echo "BEGIN; DELETE FROM results WHERE id = ANY('{"; cat "$work/ids"; echo "}'::bigint[]); COMMIT;"; } > "$work/delete.sql"

best() { # NAME SECONDS KB: keeps the fastest time and the highest memory of NAME
    if [ -z "${secs[$1]:-}" ] || awk "BEGIN{exit !($2 < ${secs[$1]})}"; then secs[$1]=$2; fi
    if [ "$(( $3 / 1024 ))" -gt "${mem[$1]:-0}" ]; then mem[$1]=$(( $3 / 1024 )); fi
}
declare -A secs mem
for _ in $(seq "$runs"); do
    for size in 0 "$batch"; do
        psql "$url" -qc "VACUUM results"
        /usr/bin/time -f "%e %M" -o "$work/t" "$bin" apply "$plan" --database-url "$url" \
            --yes --batch-size "$size" --format json --quiet > "$work/outcome.json"
        read -r s kb < "$work/t"; best "apply$size" "$s" "$kb"
        run=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['run_id'])" "$work/outcome.json")
        /usr/bin/time -f "%e %M" -o "$work/t" "$bin" restore "$run" --database-url "$url" --yes --quiet >/dev/null
        read -r s kb < "$work/t"; best restore "$s" "$kb"
    done

    psql "$url" -qf "$work/save.sql" -qc "VACUUM results"
    /usr/bin/time -f "%e %M" -o "$work/t" psql "$url" -qf "$work/delete.sql"
    read -r s kb < "$work/t"; best delete "$s" 0
    psql "$url" -qc "INSERT INTO results SELECT * FROM bench_saved" -qc "DROP TABLE bench_saved"
done
printf '%-44s %8.2f s  %6d MB\n' "dupaudit apply (one transaction)" "${secs[apply0]}" "${mem[apply0]}"
printf '%-44s %8.2f s  %6d MB\n' "dupaudit apply --batch-size $batch" "${secs[apply$batch]}" "${mem[apply$batch]}"
printf '%-44s %8.2f s  %6d MB\n' "dupaudit restore" "${secs[restore]}" "${mem[restore]}"
printf '%-44s %8.2f s\n' "bare DELETE ... WHERE id = ANY(ids)" "${secs[delete]}"
awk -v a="${secs[apply0]}" -v b="${secs[apply$batch]}" -v d="${secs[delete]}" \
    'BEGIN { printf "apply / bare DELETE: %.2fx in one transaction, %.2fx in batches (target: within 3x)\n", a / d, b / d }'

#!/usr/bin/env bash
# The whole audit on every engine, side by side with the queries people write by
# hand, in one run that writes its tables into docs/benchmarks.md.
#
#   benches/audit.sh [--rows N] [--file-rows M] [--runs K]
#                    [--engines "postgres mariadb sqlite parquet apply redis"]
#                    [--keys "text uuid bigint compound"] [--reuse] [--no-write]
#
# For each engine and each key shape, one generated incident of N result rows
# (default 1,000,000; 1% of the keys duplicated by the incident):
#   text      idempotency_key text (the tables of the sample's shape, keyed by it alone)
#   uuid      idempotency_key uuid (MariaDB CHAR(36), SQLite and Parquet text)
#   bigint    idempotency_key bigint
#   compound  (operation_name, idempotency_key), both text
# loaded with no index on the key (`dupaudit load --no-index`; Parquet: `dupaudit
# generate`), then, on the databases, again with the key indexed in both tables. Each
# of these is timed, best of K runs (default 2), with dupaudit's peak memory:
#   dup       dupaudit scan --classes exact,conflict, against the floor
#             `GROUP BY key HAVING count(*) > 1` (Parquet: against DuckDB's
#             `GROUP BY key, hash(payload)`, which it must beat)
#   parts     the same with --partitions 2, against one connection
#   full      every class but cross-key, against the hand-written join of both tables
#             on key and attempt (Parquet: DuckDB's left join results -> log plus the
#             anti-join log -> results)
#   cross     --classes cross-key, against `GROUP BY md5(payload) HAVING
#             count(DISTINCT key) > 1` (SQLite: GROUP BY payload; DuckDB: hash(payload))
# and, with an index, the full audit against itself without one (never slower).
# Each reference runs in the session dupaudit sets for its engine: MariaDB's hash-join
# settings; SQLite's pragmas, where sqlite3's defaults are timed as well and the
# fastest counts.
# Two more engines:
#   apply     PostgreSQL, the key indexed: `dupaudit apply` of a plan of the exact
#             duplicates in one transaction, against the bare `DELETE ... WHERE id =
#             ANY(ids)` of the same rows (target 3x), and against the floor of its
#             checks as one statement of plain SQL: lock and fingerprint every row of
#             the planned keys, compare, `DELETE ... RETURNING` into a quarantine
#             table (target 1.2x); each run starts from the same, vacuumed table
#   redis     the results in PostgreSQL (key indexed), the log in Redis as
#             `load-redis` writes it (Powertools layout, a record per attempt):
#             the full audit but cross-key, against `redis-cli --scan` piped into
#             `MGET` of every record, 1,000 keys a call (target 2x)
# Parquet is measured again at M result rows (default 10,000,000; --file-rows 0 or N:
# not again), where its peak memory has a target of its own.
# Each engine's table is kept in target/bench-audit/table-ENGINE.md (table-ENGINE-N.md
# when N is not 1,000,000 rows, so that a run at another size adds a table beside
# it); unless --no-write,
# the tables of every engine measured so far replace the part of docs/benchmarks.md
# between the markers `<!-- audit.sh -->` and `<!-- /audit.sh -->`. --reuse skips
# loading what is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=1000000
file_rows=10000000
runs=2
engines="postgres mariadb sqlite parquet apply redis"
keys="text uuid"
reuse=0
write=1
while [ $# -gt 0 ]; do
    case $1 in
        --rows) rows=$2; shift 2 ;;
        --file-rows) file_rows=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --engines) engines=$2; shift 2 ;;
        --keys) keys=$2; shift 2 ;;
        --reuse) reuse=1; shift ;;
        --no-write) write=0; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dupaudit
source benches/lib.sh
work=target/bench-audit
mkdir -p "$work"
venv=target/bench-venv
if [[ " $engines " == *" parquet "* ]] && [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet duckdb
fi

full=exact,conflict,late-write,multi-complete,stale-processing,orphan-result,missing-result,null-key
# Each engine's table is kept in its own file, so that a run of some engines replaces
# their tables and keeps the others'; one at another size than a million rows in a
# file of its own.
table=
size=
# sized N: the incidents are of N result rows from now on.
sized() {
    rows=$1
    size=
    if [ "$rows" != 1000000 ]; then
        size=-$rows
    fi
}
sized "$rows"

# shape_of KEY: the generator's --key-type of a key shape.
shape_of() {
    case $1 in
        text | compound) echo scoped ;;
        uuid) echo uuid ;;
        bigint) echo bigint ;;
        *) echo "unknown key shape $1" >&2; exit 2 ;;
    esac
}

# key_columns KEY: the key's columns, comma-separated, as the hand-written queries
# name them.
key_columns() {
    case $1 in
        compound) echo "operation_name, idempotency_key" ;;
        *) echo idempotency_key ;;
    esac
}

# on_key KEY: the join condition of the two tables on key and attempt.
on_key() {
    local cond="r.idempotency_key = l.idempotency_key AND r.attempt_id = l.attempt_id"
    case $1 in
        compound) echo "r.operation_name = l.operation_name AND $cond" ;;
        *) echo "$cond" ;;
    esac
}

# spec_for KEY GENERATED: the spec of the benchmark: the shape's own (GENERATED,
# written by the loader), or for the text key the sample shape keyed by
# idempotency_key alone.
spec_for() {
    case $1 in
        text) echo benches/bench.toml ;;
        *) echo "$2" ;;
    esac
}

# row WORK KEY INDEX REFERENCE REF_NAME DUPAUDIT_NAME TARGET: one line of the table,
# from the timings best_of kept; TARGET is the highest ratio that meets it.
row() {
    local work=$1 key=$2 index=$3 ref=$4 ref_name=$5 name=$6 target=$7
    local r=${secs[$ref_name]} d=${secs[$name]} m=${mem[$name]}
    local ratio met
    ratio=$(awk -v d="$d" -v r="$r" 'BEGIN { printf "%.2f", d / r }')
    met=$(awk -v x="$ratio" -v t="$target" 'BEGIN { print (x <= t) ? "met" : "**missed**" }')
    printf '| %s | %s | %s | %s: %.2f s | %.2f s | %s MB | %sx | %sx | %s |\n' \
        "$work" "$key" "$index" "$ref" "$r" "$d" "$m" "$ratio" "$target" "$met" >> "$table"
}

header() {
    table=$work/table-$3$size.md
    {
        echo
        echo "### $1"
        echo
        echo "$2"
        echo
        echo "| work | key | index | reference | dupaudit | peak memory | ratio | target | |"
        echo "|---|---|---|---|---:|---:|---:|---:|---|"
    } > "$table"
}

# database ENGINE: PostgreSQL or MariaDB or SQLite, each key shape, without and with
# an index on the key.
database() {
    local engine=$1
    for key in $keys; do
        local url cols hash pre=""
        # client: the engine's own client, which runs a query given as its last word.
        local client
        case $engine in
            postgres)
                url=postgres://postgres@127.0.0.1:5432/dupaudit_audit_$key
                client=(psql "$url" -qAt -o /dev/null -c)
                hash="md5(payload::text)" ;;
            mariadb)
                url=mysql://root@127.0.0.1:3306/dupaudit_audit_$key
                client=(mariadb -h 127.0.0.1 -P 3306 -u root "dupaudit_audit_$key" -e)
                # The session dupaudit sets for its joins (queries/mysql/joins_mariadb.sql).
                pre="SET SESSION join_cache_level = 4, join_buffer_size = 268435456, join_buffer_space_limit = 1073741824;"
                hash="md5(payload)" ;;
            sqlite)
                url=sqlite://$work/$key.sqlite
                client=(sqlite3 "$work/$key.sqlite")
                # The session dupaudit sets for its scans (queries/sqlite/mmap.sql,
                # threads.sql): the file read through a map, a sorting thread per core;
                # temporary b-trees in files (session.sql).
                pre="PRAGMA mmap_size = 2147418112; PRAGMA threads = $(nproc);"
                hash=payload ;;
        esac
        sql() { "${client[@]}" "$pre $1" >/dev/null; }
        # reference NAME QUERY: the engine's client runs QUERY in the session
        # dupaudit sets. On SQLite, whose scan keeps its temporary b-trees in
        # files (a grouping's sort takes 1.6 s in memory, 0.85 s in files), with
        # them in files and in memory, and with sqlite3's defaults: the fastest
        # counts.
        reference() {
            if [ "$engine" != sqlite ]; then
                best_of "$1" "${client[@]}" "$pre $2"
                return
            fi
            best_of "$1" "${client[@]}" "$2"
            local variant
            for variant in "in memory:PRAGMA temp_store = MEMORY;" "in files:PRAGMA temp_store = FILE;"; do
                best_of "$1, ${variant%%:*}" "${client[@]}" "$pre ${variant#*:} $2"
                if awk "BEGIN{exit !(${secs[$1, ${variant%%:*}]} < ${secs[$1]})}"; then
                    secs[$1]=${secs[$1, ${variant%%:*}]}
                    mem[$1]=${mem[$1, ${variant%%:*}]}
                fi
            done
        }
        local spec=$work/$engine-$key.toml
        if [ "$reuse" = 0 ] || [ ! -f "$spec" ]; then
            case $engine in
                postgres)
                    psql postgres://postgres@127.0.0.1:5432/postgres -qc "DROP DATABASE IF EXISTS dupaudit_audit_$key" \
                        -qc "CREATE DATABASE dupaudit_audit_$key" ;;
                mariadb)
                    mariadb -h 127.0.0.1 -P 3306 -u root -e "DROP DATABASE IF EXISTS dupaudit_audit_$key; CREATE DATABASE dupaudit_audit_$key" ;;
                sqlite) rm -f "$work/$key.sqlite" ;;
            esac
            "$bin" load --database-url "$url" --rows "$rows" --key-type "$(shape_of "$key")" \
                --no-index --replace --write-spec "$spec" >/dev/null
        fi
        cols=$(key_columns "$key")
        local scan=("$bin" --spec "$(spec_for "$key" "$spec")" scan --database-url "$url"
            --format json -o /dev/null --fail-on none)
        for index in none key; do
            if [ "$index" = none ]; then
                sql "DROP INDEX IF EXISTS audit_results_key ON results" 2>/dev/null ||
                    sql "DROP INDEX IF EXISTS audit_results_key" || true
                sql "DROP INDEX IF EXISTS audit_log_key ON idempotency_log" 2>/dev/null ||
                    sql "DROP INDEX IF EXISTS audit_log_key" || true
            else
                sql "CREATE INDEX audit_results_key ON results ($cols)"
                sql "CREATE INDEX audit_log_key ON idempotency_log ($cols)"
            fi
            case $engine in
                postgres) sql "VACUUM ANALYZE" ;;
                mariadb) sql "ANALYZE TABLE results, idempotency_log" ;;
                sqlite) sql "ANALYZE" ;;
            esac
            local at="$engine $key $index"
            echo "$at (load average $(cut -d' ' -f1-3 /proc/loadavg))"
            reference "$at floor" "SELECT $cols, count(*) FROM results GROUP BY $cols HAVING count(*) > 1"
            best_of "$at dup" "${scan[@]}" --classes exact,conflict
            reference "$at join" "SELECT count(*) FROM results r JOIN idempotency_log l ON $(on_key "$key")"
            best_of "$at full" "${scan[@]}" --classes "$full"
            row "duplicate scan" "$key" "$index" floor "$at floor" "$at dup" 1.3
            if [ "$engine" != sqlite ]; then
                best_of "$at parts" "${scan[@]}" --classes exact,conflict --partitions 2
                row "--partitions 2" "$key" "$index" "one connection" "$at dup" "$at parts" 1.0
            fi
            row "full audit" "$key" "$index" "join on key, attempt" "$at join" "$at full" 2.0
            if [ "$index" = key ]; then
                row "full audit" "$key" "$index" "itself unindexed" "$engine $key none full" "$at full" 1.0
            else
                reference "$at hand cross" "SELECT $hash, count(DISTINCT $cols) FROM results GROUP BY 1 HAVING count(DISTINCT $cols) > 1"
                best_of "$at cross" "${scan[@]}" --classes cross-key
                row "cross-key" "$key" "$index" "GROUP BY $hash" "$at hand cross" "$at cross" 1.0
            fi
        done
    done
}

parquet() {
    for key in $keys; do
        local dir=$work/parquet-$key$size
        if [ "$reuse" = 0 ] || [ ! -f "$dir/results.parquet" ]; then
            rm -rf "$dir"
            "$bin" generate --rows "$rows" --formats parquet --key-type "$(shape_of "$key")" \
                --out "$dir" >/dev/null
        fi
        local cols on
        cols=$(key_columns "$key")
        on=$(on_key "$key")
        local results=$dir/results.parquet log=$dir/idempotency_log.parquet
        local spec=$dir/dupaudit.toml
        local scan=("$bin" --spec "$(spec_for "$key" "$spec")" scan --results-file "$results"
            --log-file "$log" --format json -o /dev/null --fail-on none)
        local duck=("$venv/bin/python" -c 'import duckdb, sys; duckdb.sql(sys.argv[1]).fetchall()')
        local at="parquet $key"
        echo "$at (load average $(cut -d' ' -f1-3 /proc/loadavg))"
        best_of "$at duck dup" "${duck[@]}" "SELECT $cols, hash(payload), count(*) FROM '$results' GROUP BY ALL HAVING count(*) > 1"
        best_of "$at dup" "${scan[@]}" --classes exact,conflict
        best_of "$at duck join" "${duck[@]}" "SELECT count(*) FROM '$results' r LEFT JOIN '$log' l ON $on UNION ALL SELECT count(*) FROM '$log' l ANTI JOIN '$results' r ON $on"
        best_of "$at full" "${scan[@]}" --classes "$full"
        best_of "$at duck cross" "${duck[@]}" "SELECT hash(payload), count(DISTINCT ($cols)) FROM '$results' GROUP BY 1 HAVING count(DISTINCT ($cols)) > 1"
        best_of "$at cross" "${scan[@]}" --classes cross-key
        row "duplicate scan" "$key" "-" "DuckDB GROUP BY key, hash(payload)" "$at duck dup" "$at dup" 1.0
        row "full audit" "$key" "-" "DuckDB joins" "$at duck join" "$at full" 2.0
        row "cross-key" "$key" "-" "DuckDB GROUP BY hash(payload)" "$at duck cross" "$at cross" 1.0
    done
}

# apply_engine: a cleanup on PostgreSQL, each key shape, the key indexed.
apply_engine() {
    for key in $keys; do
        local url=postgres://postgres@127.0.0.1:5432/dupaudit_apply_$key
        local spec=$work/apply-$key.toml
        if [ "$reuse" = 0 ] || [ ! -f "$spec" ]; then
            psql postgres://postgres@127.0.0.1:5432/postgres -qc "DROP DATABASE IF EXISTS dupaudit_apply_$key" \
                -qc "CREATE DATABASE dupaudit_apply_$key"
            "$bin" load --database-url "$url" --rows "$rows" --key-type "$(shape_of "$key")" \
                --replace --write-spec "$spec" >/dev/null
        fi
        local spec_used
        spec_used=$(spec_for "$key" "$spec")
        local cols
        cols=$(key_columns "$key")
        psql "$url" -qc "CREATE INDEX IF NOT EXISTS audit_results_key ON results ($cols)" \
            -qc "DROP TABLE IF EXISTS dupaudit_quarantine, dupaudit_runs, dupaudit_journal, bench_saved, bench_quarantine" \
            -qc "CREATE TABLE bench_quarantine (LIKE results)" -qc "VACUUM ANALYZE"
        local plan=$work/apply-$key.plan.json
        "$bin" --spec "$spec_used" plan --database-url "$url" --classes exact -o "$plan" --quiet >/dev/null
        # The plan's rows as SQL: the saved copy, the bare DELETE and the floor.
        python3 - "$plan" "$url" "$work/apply-$key" <<'PY'
import json, subprocess, sys
plan, url, out = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
key_cols = plan["spec"]["results"]["key"]
pk = plan["spec"]["results"].get("primary_key") or ["id"]
assert len(pk) == 1, "one primary key column"
def col_type(c):
    q = f"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'results'::regclass AND attname = '{c}'"
    return subprocess.run(["psql", url, "-Atc", q], capture_output=True, text=True, check=True).stdout.strip()
def array(values, ty):
    items = ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return f"'{{{items}}}'::{ty}[]"
groups = plan["groups"]
ids = [r["pk"][0] for g in groups for r in g["remove"]]
fps = ["\\x" + r["fingerprint"] for g in groups for r in g["remove"]]
pk_type = col_type(pk[0])
keys = [array([g["key"][i] for g in groups], col_type(c)) for i, c in enumerate(key_cols)]
k_cols = ", ".join(f"k{i}" for i in range(len(key_cols)))
k_match = " AND ".join(f"r.{c} = k.k{i}" for i, c in enumerate(key_cols))
open(out + ".save.sql", "w").write(f"CREATE TABLE bench_saved AS SELECT * FROM results WHERE {pk[0]} = ANY({array(ids, pk_type)});\n")
open(out + ".delete.sql", "w").write(f"BEGIN;\nDELETE FROM results WHERE {pk[0]} = ANY({array(ids, pk_type)});\nCOMMIT;\n")
open(out + ".floor.sql", "w").write(f"""BEGIN;
WITH live AS (
    SELECT r.{pk[0]} AS id, sha256(record_send(ROW(r.*))) AS fp
    FROM unnest({", ".join(keys)}) AS k ({k_cols})
    JOIN results r ON {k_match}
    FOR UPDATE OF r
),
p AS (SELECT * FROM unnest({array(ids, pk_type)}, {array(fps, "bytea")}) AS p (id, fp)),
removed AS (
    DELETE FROM results r USING p JOIN live l ON l.id = p.id AND l.fp = p.fp
    WHERE r.{pk[0]} = p.id
    RETURNING r.*
)
INSERT INTO bench_quarantine SELECT * FROM removed;
COMMIT;
""")
print(f"{len(groups)} groups, {len(ids)} rows to remove")
PY
        local at="apply $key"
        echo "$at (load average $(cut -d' ' -f1-3 /proc/loadavg))"
        psql "$url" -qf "$work/apply-$key.save.sql"
        # timed WHAT CMD...: one run from the starting table, then the table put back.
        timed() {
            local what=$1; shift
            psql "$url" -qc "VACUUM results"
            /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/out"
            local s kb
            read -r s kb < "$work/t"
            if [ -z "${secs[$at $what]:-}" ] || awk "BEGIN{exit !($s < ${secs[$at $what]})}"; then
                secs[$at $what]=$s
            fi
            if [ "$((kb / 1024))" -gt "${mem[$at $what]:-0}" ]; then mem[$at $what]=$((kb / 1024)); fi
        }
        for _ in $(seq "$runs"); do
            timed apply "$bin" apply "$plan" --database-url "$url" --yes --format json --quiet
            local run
            run=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['run_id'])" "$work/out")
            "$bin" restore "$run" --database-url "$url" --yes --quiet >/dev/null
            timed delete psql "$url" -qf "$work/apply-$key.delete.sql"
            psql "$url" -qc "INSERT INTO results SELECT * FROM bench_saved"
            timed floor psql "$url" -qf "$work/apply-$key.floor.sql"
            psql "$url" -qc "INSERT INTO results SELECT * FROM bench_saved" -qc "TRUNCATE bench_quarantine"
        done
        for what in apply delete floor; do
            printf '%-44s %8.2f s  %6d MB\n' "$at $what" "${secs[$at $what]}" "${mem[$at $what]:-0}"
        done
        row "apply" "$key" key "bare DELETE of the same ids" "$at delete" "$at apply" 3.0
        row "apply" "$key" key "its checks as one SQL statement" "$at floor" "$at apply" 1.2
        psql "$url" -qc "DROP TABLE bench_saved"
    done
}

# redis_engine: the log in Redis, the results in PostgreSQL, each key shape.
redis_engine() {
    for key in $keys; do
        # A logical database per key shape, so that each walk meets its own keys only.
        local redis
        case $key in
            text) redis=redis://127.0.0.1:6379/15 ;;
            uuid) redis=redis://127.0.0.1:6379/14 ;;
            bigint) redis=redis://127.0.0.1:6379/13 ;;
            compound) redis=redis://127.0.0.1:6379/12 ;;
        esac
        local url=postgres://postgres@127.0.0.1:5432/dupaudit_redis_$key
        local prefix=dupaudit-audit-$key
        local spec=$work/redis-$key.toml
        local cols placeholders
        cols=$(key_columns "$key")
        case $key in
            text | compound) cols="operation_name, idempotency_key"; placeholders="{operation_name}#{idempotency_key}" ;;
            *) placeholders="{idempotency_key}" ;;
        esac
        if [ "$reuse" = 0 ] || [ ! -f "$spec" ]; then
            psql postgres://postgres@127.0.0.1:5432/postgres -qc "DROP DATABASE IF EXISTS dupaudit_redis_$key" \
                -qc "CREATE DATABASE dupaudit_redis_$key"
            "$bin" load --database-url "$url" --rows "$rows" --key-type "$(shape_of "$key")" \
                --replace >/dev/null
            "$bin" load-redis --log-url "$redis" --rows "$rows" --layout powertools \
                --key-type "$(shape_of "$key")" --key "$prefix:$placeholders#{attempt}" --replace
            local key_list
            key_list=$(echo "$cols" | sed 's/\([a-z_][a-z_]*\)/"\1"/g')
            cat > "$spec" <<TOML
[results]
key = [$key_list]
ignore_fields = ["latency_ms"]

[log]
key = [$key_list]

[log.statuses]
processing = ["PROCESSING", "INPROGRESS"]

[log.redis]
layout = "powertools"
key = "$prefix:$placeholders#{attempt}"

[scan]
cross_key = false
TOML
        fi
        psql "$url" -qc "CREATE INDEX IF NOT EXISTS audit_results_key ON results ($cols)" -qc "VACUUM ANALYZE"
        local rdb=${redis##*/}
        local at="redis $key"
        echo "$at (load average $(cut -d' ' -f1-3 /proc/loadavg))"
        best_of "$at floor" bash -c "redis-cli -n $rdb --scan --pattern '$prefix:*' | xargs -d '\n' -n 1000 redis-cli -n $rdb MGET | wc -l"
        best_of "$at full" "$bin" --spec "$spec" scan --database-url "$url" --log-url "$redis" \
            --format json -o /dev/null --fail-on none
        row "full audit, log in Redis" "$key" key "SCAN + MGET of every record" "$at floor" "$at full" 2.0
    done
}

# measure ENGINE: its table, at the current size.
measure() {
    local engine=$1
    case $engine in
        postgres) header PostgreSQL "PostgreSQL $(psql postgres://postgres@127.0.0.1:5432/postgres -Atc 'SHOW server_version' | cut -d' ' -f1), default settings." "$engine" ;;
        mariadb) header MariaDB "MariaDB $(mariadb -h 127.0.0.1 -u root -Nse 'SELECT VERSION()' | cut -d- -f1); the hand-written join runs with the hash-join settings dupaudit sets." "$engine" ;;
        sqlite) header SQLite "SQLite, the embedded engine; \`sqlite3\` runs each reference with its defaults and with the session dupaudit sets (the file read through a memory map, a sorting thread per core, temporary b-trees in memory or in files), and the fastest counts; the mapped pages of the file count in dupaudit's peak memory." "$engine" ;;
        parquet) header Parquet "Parquet files, against DuckDB $("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)') on the same files; peak memory target: under 1 GB." "$engine" ;;
        apply) header "Cleanup (apply)" "PostgreSQL, a plan of the exact duplicates applied in one transaction; dupaudit's peak memory." "$engine" ;;
        redis) header "Log in Redis" "Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), a Powertools record per attempt; the results in PostgreSQL, key indexed." "$engine" ;;
    esac
    case $engine in
        postgres | mariadb | sqlite) database "$engine" ;;
        parquet) parquet ;;
        apply) apply_engine ;;
        redis) redis_engine ;;
        *) echo "unknown engine $engine" >&2; exit 2 ;;
    esac
    {
        echo
        echo "$rows result rows per incident, best of $runs; $(nproc) cores; load average when the engine's last run ended: $(cut -d' ' -f1-3 /proc/loadavg); measured $(date -u +%Y-%m-%d)."
    } >> "$table"
    cat "$table"
}

for engine in $engines; do
    measure "$engine"
    if [ "$engine" = parquet ] && [ "$file_rows" != 0 ] && [ "$file_rows" != "$rows" ]; then
        at_rows=$rows
        sized "$file_rows"
        measure parquet
        sized "$at_rows"
    fi
done

# An engine not measured on this machine yet keeps the table docs/benchmarks.md has
# for it (a fresh clone has no target/bench-audit).
python3 - "$work" <<'EOF'
import os, re, sys
work = sys.argv[1]
titles = {"PostgreSQL": "postgres", "MariaDB": "mariadb", "SQLite": "sqlite",
          "Parquet": "parquet", "Cleanup (apply)": "apply", "Log in Redis": "redis"}
text = open("docs/benchmarks.md").read()
begin, end = "<!-- audit.sh -->", "<!-- /audit.sh -->"
block = text[text.index(begin) + len(begin):text.index(end)]
found = {}
for section in re.split(r"(?m)^(?=### )", block):
    title = section.splitlines()[0][4:].strip() if section.startswith("### ") else None
    if title in titles:
        rows = re.search(r"(?m)^(\d+) result rows per incident", section)
        size = "" if rows is None or rows.group(1) == "1000000" else "-" + rows.group(1)
        name = titles[title] + size
        found[name] = found.get(name, "") + "\n" + section.rstrip("\n") + "\n"
for engine, table in found.items():
    path = os.path.join(work, f"table-{engine}.md")
    if not os.path.exists(path):
        open(path, "w").write(table)
EOF

tables=$work/tables.md
: > "$tables"
for engine in postgres mariadb sqlite parquet apply redis; do
    for file in "$work/table-$engine.md" $(ls "$work"/table-"$engine"-*.md 2>/dev/null | sort -V); do
        if [ -f "$file" ]; then
            cat "$file" >> "$tables"
        fi
    done
done

if [ "$write" = 1 ]; then
    python3 - "$tables" <<'EOF'
import sys
doc = "docs/benchmarks.md"
text = open(doc).read()
begin, end = "<!-- audit.sh -->", "<!-- /audit.sh -->"
i, j = text.index(begin) + len(begin), text.index(end)
open(doc, "w").write(text[:i] + "\n" + open(sys.argv[1]).read() + "\n" + text[j:])
EOF
fi

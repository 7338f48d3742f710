#!/usr/bin/env bash
# `make bench`: figures, never assertions. Each section measures fixtura against a baseline
# run in the same session on the same data, and prints both with their ratio.
#
# Now: `inspect` (introspection + planning + row counts) on the example schema, per backend,
# against the backend's own client listing the same catalog (psql \d+, mariadb SHOW, sqlite).
set -euo pipefail
cd "$(dirname "$0")/.."

FIXTURA=${FIXTURA:-target/release/fixtura}
PG_ADMIN=${FIXTURA_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
MY_ADMIN=${FIXTURA_BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
RUNS=${RUNS:-5}
DB=fixtura_bench_$$

now_ms() { date +%s%3N; }

# median of RUNS timings of a command, in milliseconds
median_ms() {
    local times=()
    for _ in $(seq "$RUNS"); do
        local start end
        start=$(now_ms)
        "$@" >/dev/null
        end=$(now_ms)
        times+=($((end - start)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

report() { # name fixtura_ms baseline_name baseline_ms
    local ratio
    ratio=$(awk -v f="$2" -v b="$4" 'BEGIN { printf "%.2f", (b > 0 ? f / b : 0) }')
    printf '  %-14s fixtura %6d ms   %-24s %6d ms   ratio %s\n' "$1" "$2" "$3" "$4" "$ratio"
}

cleanup() {
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
    mariadb -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
    rm -f "target/$DB.db"
}
trap cleanup EXIT

echo "fixtura bench — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, median of $RUNS runs"
echo
echo "inspect on the example schema (schema/welfare.*.sql)"

psql -q "$PG_ADMIN" -c "CREATE DATABASE $DB" >/dev/null
PG_URL="${PG_ADMIN%/*}/$DB"
"$FIXTURA" --db "$PG_URL" exec schema/welfare.postgres.sql
f=$(median_ms "$FIXTURA" --db "$PG_URL" inspect)
b=$(median_ms psql -q "$PG_URL" -c '\d+ *')
report "PostgreSQL" "$f" "psql \\d+ (all tables)" "$b"

mariadb -uroot -h127.0.0.1 -e "CREATE DATABASE $DB"
MY_URL="${MY_ADMIN%/*}/$DB"
"$FIXTURA" --db "$MY_URL" exec schema/welfare.mysql.sql
f=$(median_ms "$FIXTURA" --db "$MY_URL" inspect)
b=$(median_ms mariadb -uroot -h127.0.0.1 "$DB" -e "SELECT * FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$DB'")
report "MariaDB" "$f" "information_schema" "$b"

"$FIXTURA" --db "sqlite://target/$DB.db" exec --create schema/welfare.sqlite.sql
f=$(median_ms "$FIXTURA" --db "sqlite://target/$DB.db" inspect)
b=$(median_ms "$FIXTURA" --version)
report "SQLite" "$f" "process start" "$b"

#!/usr/bin/env bash
# `make bench`: figures, never assertions. Each figure comes with a baseline measured in the
# same run on the same rows, and the ratio fixtura / baseline (lower is better).
set -euo pipefail
cd "$(dirname "$0")/.."

FIXTURA=${FIXTURA:-target/release/fixtura}
PG_ADMIN=${FIXTURA_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
MY_ADMIN=${FIXTURA_BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
RUNS=${RUNS:-3}
BIG_SCALE=${BIG_SCALE:-30}
TAG=fixtura_bench_$$
WORK=$(mktemp -d)
# GNU time reports peak RSS (Debian package `time`); without it memory is shown as 0.
if [ -x /usr/bin/time ]; then TIME_RSS="/usr/bin/time -f %M -o $WORK/rss"; else TIME_RSS=""; fi
TABLES="staffs offices office_staffs welfare_recipients office_welfare_recipients support_plan_cycles"

now_ms() { date +%s%3N; }

# wall time of one command, in milliseconds
time_ms() {
    local start end
    start=$(now_ms)
    "$@" >/dev/null
    end=$(now_ms)
    echo $((end - start))
}

# median of RUNS timings; `prepare` (a function name, or :) runs untimed before each
median_ms() {
    local prepare=$1
    shift
    local times=()
    for _ in $(seq "$RUNS"); do
        $prepare
        times+=("$(time_ms "$@")")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

report() { # label fixtura_ms baseline_label baseline_ms [rows]
    local ratio rate=""
    ratio=$(awk -v f="$2" -v b="$4" 'BEGIN { printf "%.2f", (b > 0 ? f / b : 0) }')
    if [ -n "${5:-}" ]; then
        rate=$(awk -v r="$5" -v f="$2" 'BEGIN { printf "  (%d rows/s)", (f > 0 ? r * 1000 / f : 0) }')
    fi
    printf '  %-30s fixtura %7d ms   %-26s %7d ms   ratio %s%s\n' "$1" "$2" "$3" "$4" "$ratio" "$rate"
}

pg_url() { echo "${PG_ADMIN%/*}/$1"; }
pg_fresh() { # name: an empty database with the example schema
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1
    "$FIXTURA" --db "$(pg_url "$1")" exec schema/welfare.postgres.sql
    # A checkpoint now rather than in the middle of the next timed load, whichever it is.
    psql -q "$PG_ADMIN" -c "CHECKPOINT"
}

cleanup() {
    if [ -d "$WORK/ensure-store" ]; then
        "$FIXTURA" --db "$(pg_url "${TAG}_ens")" --store "$WORK/ensure-store" gc --older-than 0s --keep 0 >/dev/null 2>&1 || true
    fi
    for db in "${TAG}_gen" "${TAG}_copy" "${TAG}_insp" "${TAG}_ens"; do
        psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    done
    mariadb -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS ${TAG}_insp" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "fixtura bench — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(psql -qtA "$PG_ADMIN" -c 'SHOW server_version' | cut -d' ' -f1) PostgreSQL"

# --- inspect --------------------------------------------------------------------------------
echo
echo "inspect on the example schema (median of $RUNS)"
pg_fresh "${TAG}_insp"
f=$(median_ms : "$FIXTURA" --db "$(pg_url "${TAG}_insp")" inspect)
b=$(median_ms : psql -q "$(pg_url "${TAG}_insp")" -c '\d+')
report "PostgreSQL" "$f" "psql \\d+" "$b"
mariadb -uroot -h127.0.0.1 -e "CREATE DATABASE ${TAG}_insp"
"$FIXTURA" --db "${MY_ADMIN%/*}/${TAG}_insp" exec schema/welfare.mysql.sql
f=$(median_ms : "$FIXTURA" --db "${MY_ADMIN%/*}/${TAG}_insp" inspect)
b=$(median_ms : mariadb -uroot -h127.0.0.1 "${TAG}_insp" -e "SELECT * FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${TAG}_insp'")
report "MariaDB" "$f" "information_schema query" "$b"

# --- generate vs \copy ------------------------------------------------------------------------
# The baseline loads the very rows fixtura made (exported with \copy TO) with psql \copy FROM,
# in one transaction, the server checking foreign keys with its row triggers (SPEC §10).
copy_script() {
    {
        echo "BEGIN;"
        for t in $TABLES; do echo "\\copy $t FROM '$WORK/$t.tsv'"; done
        echo "COMMIT;"
    } >"$WORK/load.sql"
}
export_rows() {
    for t in $TABLES; do psql -q "$(pg_url "${TAG}_gen")" -c "\\copy $t TO '$WORK/$t.tsv'"; done
}
prepare_gen() { pg_fresh "${TAG}_gen"; }
prepare_copy() { pg_fresh "${TAG}_copy"; }

generate_vs_copy() { # scale label
    local rows f b
    f=$(median_ms prepare_gen "$FIXTURA" --db "$(pg_url "${TAG}_gen")" generate --spec schema/welfare.toml --scale "$1")
    rows=$(psql -qtA "$(pg_url "${TAG}_gen")" -c "SELECT (SELECT count(*) FROM staffs) + (SELECT count(*) FROM offices) + (SELECT count(*) FROM office_staffs) + (SELECT count(*) FROM welfare_recipients) + (SELECT count(*) FROM office_welfare_recipients) + (SELECT count(*) FROM support_plan_cycles)")
    export_rows
    copy_script
    b=$(median_ms prepare_copy psql -q -v ON_ERROR_STOP=1 "$(pg_url "${TAG}_copy")" -f "$WORK/load.sql")
    report "$2 ($rows rows)" "$f" "psql \\copy, same rows" "$b" "$rows"
}

echo
echo "generate the seed-004 dataset into PostgreSQL vs \\copy of the same rows"
generate_vs_copy 1 "scale 1"
RUNS=1 generate_vs_copy "$BIG_SCALE" "scale $BIG_SCALE"

# --- SQLite -----------------------------------------------------------------------------------
echo
echo "SQLite, one narrow table (id, int, text, flag): rows/s and peak memory as rows grow"
for millions in 1 4; do
    rm -f "$WORK/narrow.db"
    "$FIXTURA" --db "sqlite://$WORK/narrow.db" exec --create benches/fixtures/narrow.sql
    start=$(now_ms)
    echo 0 >"$WORK/rss"
    $TIME_RSS "$FIXTURA" --db "sqlite://$WORK/narrow.db" generate \
        --spec benches/fixtures/narrow.toml --scale "$millions" >/dev/null
    ms=$(( $(now_ms) - start ))
    printf '  %d,000,000 rows: %6d ms  %8d rows/s  peak RSS %d MiB\n' "$millions" "$ms" \
        "$(( millions * 1000000 * 1000 / ms ))" "$(( $(cat "$WORK/rss") / 1024 ))"
done

# --- snapshot create / restore vs COPY TO + zstd, \copy FROM, pg_dump / pg_restore -------------
# The same rows: the seed-004 dataset at scale $BIG_SCALE, all flagged, in ${TAG}_gen.
echo
SNAP_RUNS=${SNAP_RUNS:-3}
echo "snapshot of the scale-$BIG_SCALE dataset on PostgreSQL (median of $SNAP_RUNS, each run next to its baseline)"
pg_fresh "${TAG}_gen"
"$FIXTURA" --db "$(pg_url "${TAG}_gen")" generate --spec schema/welfare.toml --scale "$BIG_SCALE" >/dev/null
# VACUUM first: the first scan after a bulk load writes hint bits, which would penalise
# whichever reader happens to go first.
psql -q "$(pg_url "${TAG}_gen")" -c "VACUUM (ANALYZE)"
STORE="$WORK/store"
copy_to_zstd() {
    for t in $TABLES; do
        psql -q "$(pg_url "${TAG}_gen")" -c "\\copy $t TO STDOUT" | zstd -3 -q -f -o "$WORK/$t.tsv.zst"
    done
}
runs() { # label: each run's fixtura/baseline milliseconds
    local out="" i
    for i in "${!fs[@]}"; do out+=" ${fs[$i]}/${bs[$i]}"; done
    printf '  %-30s runs (fixtura/baseline ms):%s\n' "" "$out"
}
fs=(); bs=()
for _ in $(seq "$SNAP_RUNS"); do
    bs+=("$(time_ms copy_to_zstd)")
    rm -rf "$STORE"
    fs+=("$(time_ms "$FIXTURA" --db "$(pg_url "${TAG}_gen")" --store "$STORE" snapshot create bench)")
done
report "create" "$(median "${fs[@]}")" "\\copy TO | zstd -3" "$(median "${bs[@]}")"
runs

# Restore baselines load the same rows into an empty copy of the schema.
export_rows
copy_script
prepare_copy
b=$(time_ms psql -q -v ON_ERROR_STOP=1 "$(pg_url "${TAG}_copy")" -f "$WORK/load.sql")
pg_dump -Fc --data-only -f "$WORK/dump.pgc" "$(pg_url "${TAG}_gen")"
fs=(); bs=()
for _ in $(seq "$SNAP_RUNS"); do
    prepare_copy
    bs+=("$(time_ms pg_restore --data-only --single-transaction --disable-triggers -d "$(pg_url "${TAG}_copy")" "$WORK/dump.pgc")")
    prepare_copy
    fs+=("$(time_ms "$FIXTURA" --db "$(pg_url "${TAG}_copy")" --store "$STORE" snapshot restore bench --clean none)")
done
f=$(median "${fs[@]}")
report "restore (empty schema)" "$f" "psql \\copy FROM (one run)" "$b"
report "restore (empty schema)" "$f" "pg_restore --data-only" "$(median "${bs[@]}")"
runs
f=$(time_ms "$FIXTURA" --db "$(pg_url "${TAG}_gen")" --store "$STORE" snapshot restore bench)
printf '  %-30s fixtura %7d ms   (deletes the flagged rows, then loads them again)\n' "restore over itself" "$f"

size() { du -cb "$@" | tail -1 | cut -f1; }
snap=$(size "$STORE"/bench/*.zst)
tsv=$(size "$WORK"/*.tsv)
zst=$(size "$WORK"/*.tsv.zst)
dump=$(size "$WORK/dump.pgc")
printf '  sizes: snapshot %d MiB, TSV %d MiB, TSV + zstd -3 %d MiB, pg_dump -Fc %d MiB (snapshot / pg_dump = %s)\n' \
    $((snap / 1048576)) $((tsv / 1048576)) $((zst / 1048576)) $((dump / 1048576)) \
    "$(awk -v s="$snap" -v d="$dump" 'BEGIN { printf "%.2f", s / d }')"

# --- ensure: the CI cache, cold (miss) vs warm (hit), and the per-worker copy ---------------
# Cold: an empty store and no template (the last cold run's copies are dropped first); warm:
# the snapshot and template are there, each run a new worker. Both medians, since one
# CREATE DATABASE can take twice as long as the next on a busy server.
ENSURE_RUNS=$((RUNS > 5 ? RUNS : 5))
echo
echo "ensure --isolate for the seed-004 dataset on PostgreSQL (cold and warm: median of $ENSURE_RUNS)"
pg_fresh "${TAG}_ens"
ENSURE_STORE="$WORK/ensure-store"
ENSURE=("$FIXTURA" --db "$(pg_url "${TAG}_ens")" --store "$ENSURE_STORE" ensure --spec schema/welfare.toml --isolate)
empty_cache() {
    "$FIXTURA" --db "$(pg_url "${TAG}_ens")" --store "$ENSURE_STORE" gc --older-than 0s --keep 0 >/dev/null
    psql -q "$PG_ADMIN" -c CHECKPOINT >/dev/null
}
cold_ensure() { "${ENSURE[@]}" --worker 0; }
warm_ensure() { "${ENSURE[@]}" --worker "w$(date +%N)"; }
cold=$(RUNS=$ENSURE_RUNS median_ms empty_cache cold_ensure)
warm=$(RUNS=$ENSURE_RUNS median_ms : warm_ensure)
clone=$("${ENSURE[@]}" --worker 99 --json | awk -F': ' '/"clone_seconds"/ { gsub(/,/, "", $2); printf "%d", $2 * 1000 }')
printf '  %-30s cold (miss: generate + snapshot + template) %6d ms   warm (hit) %5d ms   cold/warm %sx\n' \
    "ensure --isolate" "$cold" "$warm" "$(awk -v c="$cold" -v w="$warm" 'BEGIN { printf "%.1f", (w > 0 ? c / w : 0) }')"
printf '  %-30s %d ms (CREATE DATABASE ... TEMPLATE; target < 500 ms)\n' "copy for one worker" "$clone"

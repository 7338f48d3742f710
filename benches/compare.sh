#!/usr/bin/env bash
# `benches/compare.sh OLD NEW`: two builds of fixtura side by side on the same rows, in the
# same run: generate into SQLite and into PostgreSQL, snapshot create, snapshot restore (over
# the rows already there). For a change that must not move the figures (a restructuring):
# the ratios new / old should be 1, and the snapshots' table files byte-identical.
#
# The builds take turns, old then new, RUNS times; each run's setup (an empty copy of the
# schema, emptied tables, a vacuum and a checkpoint) is untimed, so neither build inherits
# the other's debris, and the ratio is taken pair by pair, which holds when the machine's
# speed drifts. Figures: the median of each build's wall times, and the median (min–max) of
# the pairs' ratios.
#
#   git worktree add /tmp/old <commit> && (cd /tmp/old && cargo build --release)
#   make build && benches/compare.sh /tmp/old/target/release/fixtura target/release/fixtura
set -euo pipefail
cd "$(dirname "$0")/.."

OLD=$(realpath "${1:?usage: benches/compare.sh OLD_BINARY NEW_BINARY}")
NEW=$(realpath "${2:?usage: benches/compare.sh OLD_BINARY NEW_BINARY}")
PG_ADMIN=${FIXTURA_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
RUNS=${RUNS:-7}
SCALE=${SCALE:-10}
WORK=$(mktemp -d)
DB=fixtura_compare_test_$$
PG="${PG_ADMIN%/*}/$DB"
SPEC=$PWD/schema/welfare.toml
TABLES="support_plan_cycles, office_welfare_recipients, welfare_recipients, office_staffs, offices, staffs"

cleanup() {
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

"$NEW" --db "sqlite://$WORK/base.db" exec --create schema/welfare.sqlite.sql
psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
"$NEW" --db "$PG" exec schema/welfare.postgres.sql
mkdir -p "$WORK/old" "$WORK/new"

now_ns() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# compare NAME SETUP COMMAND: SETUP and COMMAND are shell text in which $BIN is the build
# and $SIDE its own directory (old or new); only COMMAND is timed.
compare() {
    local name=$1 setup=$2 command=$3 olds=() news=() ratios=() start old new
    for _ in $(seq "$RUNS"); do
        for side in old new; do
            if [ "$side" = old ]; then BIN=$OLD; else BIN=$NEW; fi
            SIDE=$WORK/$side BIN=$BIN sh -c "$setup" >/dev/null 2>&1
            start=$(now_ns)
            SIDE=$WORK/$side BIN=$BIN sh -c "$command" >/dev/null
            if [ "$side" = old ]; then old=$(($(now_ns) - start)); else new=$(($(now_ns) - start)); fi
        done
        olds+=("$old")
        news+=("$new")
        ratios+=("$(awk -v n="$new" -v o="$old" 'BEGIN { printf "%.3f", n / o }')")
    done
    printf '| %s | %.3f s | %.3f s | %s (%s–%s) |\n' "$name" \
        "$(awk -v t="$(median "${olds[@]}")" 'BEGIN { print t / 1e9 }')" \
        "$(awk -v t="$(median "${news[@]}")" 'BEGIN { print t / 1e9 }')" \
        "$(median "${ratios[@]}")" \
        "$(printf '%s\n' "${ratios[@]}" | sort -g | head -1)" \
        "$(printf '%s\n' "${ratios[@]}" | sort -g | tail -1)"
}

echo "| step ($RUNS pairs, scale $SCALE) | old, median | new, median | new / old, median (min–max) |"
echo "|---|---:|---:|---:|"
compare "generate → SQLite" \
    "cp $WORK/base.db \$SIDE/run.db" \
    "\$BIN --db sqlite://\$SIDE/run.db generate --spec $SPEC --scale $SCALE"
compare "generate → PostgreSQL" \
    "psql -q $PG -c 'TRUNCATE $TABLES CASCADE' -c CHECKPOINT" \
    "\$BIN --db $PG generate --spec $SPEC --scale $SCALE"
compare "snapshot create (PostgreSQL)" \
    "rm -rf \$SIDE/store/s; psql -q $PG -c CHECKPOINT" \
    "\$BIN --db $PG --store \$SIDE/store snapshot create s"
compare "snapshot restore over the rows (PostgreSQL)" \
    "psql -q $PG -c VACUUM -c CHECKPOINT" \
    "\$BIN --db $PG --store \$SIDE/store snapshot restore s"

echo
for table in "$WORK"/old/store/s/*.zst; do
    if cmp -s "$table" "$WORK/new/store/s/$(basename "$table")"; then
        echo "identical table file: $(basename "$table")"
    else
        echo "DIFFERENT table file: $(basename "$table")"
    fi
done

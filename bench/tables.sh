#!/usr/bin/env bash
# bench/tables.sh — the table-service benchmark: Nubis beside moto, dynalite and the HTTP ceiling.
#
# One command: installs what it needs (idempotent), starts every server on a free loopback port with fresh
# state, runs the shared driver ddb-load (wrk-driven; ../shared/bench/ddb-load) over all of them interleaved,
# writes its JSON and markdown to bench/results/local/, prints the markdown table, and stops every server it
# started (also on Ctrl-C or error). See bench/README.md.
#
# Environment (all optional):
#   BENCH_ITEMS=10000        items loaded per target
#   BENCH_DURATION=10        measured seconds per cell       BENCH_WARMUP=2   warm-up seconds per cell
#   BENCH_CONCURRENCY=1,32   wrk connections per cell        BENCH_WORKLOADS=get,put,update,query,scan
#   BENCH_TARGETS=nubis,nubis-w2,nubis-pipelined,nubis-relaxed,nubis-memory,moto,dynalite,dynalite-disk   which servers
#                            (nubis-w2 = nubis serve --workers 2; nubis-pipelined / nubis-relaxed = that
#                            --durability; nubis-memory = --storage memory:, nothing kept; dynalite = in memory,
#                            as the shared results run it; dynalite-disk =
#                            dynalite --path, keeping its data like Nubis)
#   BENCH_CEILING=1          also measure the uvicorn hello-world transport ceiling (0: skip)
#   BENCH_RETRIES=1          re-run a cell disturbed by other load (ddb-load --retries)
#   BENCH_DURABILITY=full    nubis --durability (full | pipelined | relaxed)
#   BENCH_SETUP_ONLY=1       install the dependencies and stop
#   DDB_LOAD=path            the driver (default: ../shared/bench/ddb-load beside the repo)
#   NUBIS_BENCH_CACHE=dir    where the bench venv and dynalite live (default ~/.cache/nubis-bench)
#   BENCH_EXTRA_ARGS="..."   more ddb-load arguments, appended as is
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
DDB_LOAD="${DDB_LOAD:-$REPO/../shared/bench/ddb-load}"

ITEMS="${BENCH_ITEMS:-10000}"
DURATION="${BENCH_DURATION:-10}"
WARMUP="${BENCH_WARMUP:-2}"
CONCURRENCY="${BENCH_CONCURRENCY:-1,32}"
WORKLOADS="${BENCH_WORKLOADS:-get,put,update,query,scan}"
TARGETS="${BENCH_TARGETS:-nubis,nubis-w2,nubis-pipelined,nubis-relaxed,nubis-memory,moto,dynalite,dynalite-disk}"
CEILING="${BENCH_CEILING:-1}"
RETRIES="${BENCH_RETRIES:-1}"

# setup (wrk, the bench venv, dynalite), log/die, and starting/stopping the servers: shared with tables_extra.py
LOG_TAG=tables.sh
# shellcheck source=bench/_servers.sh
. "$HERE/_servers.sh"

setup_all
[ -x "$DDB_LOAD" ] || [ -f "$DDB_LOAD" ] || die "driver not found at $DDB_LOAD (set DDB_LOAD)"
if [ "${BENCH_SETUP_ONLY:-0}" = 1 ]; then
  log "setup done"
  exit 0
fi

# ------------------------------------------------------------------------------------- servers
servers_init tables
DRIVER_ARGS=()
IFS=',' read -r -a WANT <<<"$TARGETS"
for t in "${WANT[@]}"; do
  start_target "$t"
  DRIVER_ARGS+=(--target "$t=$LAST_URL" --pid "$t=$LAST_PID")
done
if [ "$CEILING" = 1 ]; then
  DRIVER_ARGS+=(--ceiling --ceiling-port "$(free_port)")
fi

# ------------------------------------------------------------------------------------------ run
OUT_DIR="$HERE/results/local"
mkdir -p "$OUT_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"
JSON="$OUT_DIR/tables-$STAMP.json"
MD="$OUT_DIR/tables-$STAMP.md"

n_targets=$(( ${#WANT[@]} + (CEILING == 1 ? 1 : 0) ))
n_cells=$(( n_targets * $(tr ',' '\n' <<<"$WORKLOADS" | grep -c .) * $(tr ',' '\n' <<<"$CONCURRENCY" | grep -c .) ))
# every cell: warm-up + measured run, up to 1+RETRIES times, plus drains and wrk's own slack; plus the loads
bound=$(( n_cells * (1 + RETRIES) * (DURATION + WARMUP + 15) + 600 ))
log "running ddb-load: ${#WANT[@]} servers$([ "$CEILING" = 1 ] && echo ' + ceiling'), $n_cells cells, \
${ITEMS} items, ${DURATION} s per cell (bounded at ${bound} s)"

# shellcheck disable=SC2086
DDB_LOAD_VENV="$VENV" timeout --signal=TERM --kill-after=30 "$bound" \
  python3 "$DDB_LOAD" "${DRIVER_ARGS[@]}" --interleave --items "$ITEMS" --duration "$DURATION" \
  --warmup "$WARMUP" --concurrency "$CONCURRENCY" --workloads "$WORKLOADS" --retries "$RETRIES" \
  --json "$JSON" ${BENCH_EXTRA_ARGS:-} >"$MD"

keep_error_logs "$OUT_DIR" "tables-$STAMP" "${WANT[@]}"
cat "$MD"
log "wrote $JSON and $MD"

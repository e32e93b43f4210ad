#!/usr/bin/env bash
# bench/tables_profile.sh — where does Nubis spend its time under load? py-spy on `nubis serve` during a
# ddb-load run of one workload (default GetItem at C=32), then the top frames by self time (leaf samples).
#
# Environment: PROFILE_WORKLOAD=get (get|put|update|query|scan)  PROFILE_CONC=32  PROFILE_SECONDS=10
#              PROFILE_ITEMS=10000  PROFILE_TOP=15  PROFILE_GIL=0 (1: only samples holding the GIL)
# Needs what bench/tables.sh installs (run `BENCH_SETUP_ONLY=1 bench/tables.sh` first). Writes the raw
# (collapsed-stack) profile to bench/results/local/profile-<workload>-<stamp>.txt and prints the top frames.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
CACHE="${NUBIS_BENCH_CACHE:-$HOME/.cache/nubis-bench}"
VENV="$CACHE/venv"
DDB_LOAD="${DDB_LOAD:-$REPO/../shared/bench/ddb-load}"
NUBIS="${NUBIS:-$REPO/.venv/bin/nubis}"
WORKLOAD="${PROFILE_WORKLOAD:-get}"
CONC="${PROFILE_CONC:-32}"
SECONDS_REC="${PROFILE_SECONDS:-10}"
ITEMS="${PROFILE_ITEMS:-10000}"
TOP="${PROFILE_TOP:-15}"

log() { printf '[tables_profile.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[ -x "$VENV/bin/py-spy" ] || { log "py-spy missing: run BENCH_SETUP_ONLY=1 bench/tables.sh"; exit 1; }
command -v wrk >/dev/null || { log "wrk missing: run BENCH_SETUP_ONLY=1 bench/tables.sh"; exit 1; }

RUN_DIR="$(mktemp -d /tmp/nubis-bench-profile.XXXXXX)"
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  rm -rf "$RUN_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
setsid "$NUBIS" serve --host 127.0.0.1 --port "$PORT" --data-dir "$RUN_DIR/data" --log-level warning \
  >"$RUN_DIR/nubis.log" 2>&1 </dev/null &
NUBIS_PID=$!
PIDS+=("$NUBIS_PID")
for _ in $(seq 1 300); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.5).close()" 2>/dev/null && break
  kill -0 "$NUBIS_PID" 2>/dev/null || { cat "$RUN_DIR/nubis.log" >&2; exit 1; }
  sleep 0.2
done

# The driver: load, then one cell whose measured run outlasts the recording.
DUR=$(( SECONDS_REC + 10 ))
setsid timeout --kill-after=10 $(( DUR + 300 )) python3 "$DDB_LOAD" --target "nubis=http://127.0.0.1:$PORT" \
  --pid "nubis=$NUBIS_PID" --items "$ITEMS" --workloads "$WORKLOAD" --concurrency "$CONC" --duration "$DUR" \
  --warmup 2 >"$RUN_DIR/driver.md" 2>"$RUN_DIR/driver.log" </dev/null &
DRIVER_PID=$!
PIDS+=("$DRIVER_PID")
for _ in $(seq 1 1200); do
  grep -q "checks passed" "$RUN_DIR/driver.log" && break
  kill -0 "$DRIVER_PID" 2>/dev/null || { cat "$RUN_DIR/driver.log" >&2; exit 1; }
  sleep 0.25
done
sleep 4  # past the 2 s warm-up and the drain
OUT_DIR="$HERE/results/local"
mkdir -p "$OUT_DIR"
RAW="$OUT_DIR/profile-$WORKLOAD-$(date +%Y%m%d-%H%M%S).txt"
GIL_FLAG=()
[ "${PROFILE_GIL:-0}" = 1 ] && GIL_FLAG=(--gil)
log "py-spy: $SECONDS_REC s of nubis (pid $NUBIS_PID) under $WORKLOAD C=$CONC -> $RAW"
timeout $(( SECONDS_REC + 60 )) "$VENV/bin/py-spy" record -d "$SECONDS_REC" -r 200 --nonblocking \
  "${GIL_FLAG[@]}" --format raw -o "$RAW" -p "$NUBIS_PID" >/dev/null 2>"$RUN_DIR/pyspy.log" \
  || { cat "$RUN_DIR/pyspy.log" >&2; exit 1; }
wait "$DRIVER_PID" || true
grep -E "^\| (GetItem|PutItem|UpdateItem|Query|Scan) " "$RUN_DIR/driver.md" | head -2 >&2 || true

python3 - "$RAW" "$TOP" <<'EOF'
import collections, sys
path, top = sys.argv[1], int(sys.argv[2])
self_t, total_t, self_fn = collections.Counter(), collections.Counter(), collections.Counter()
n = 0
with open(path) as f:
    for line in f:
        stack, _, cnt = line.rstrip("\n").rpartition(" ")
        if not stack or not cnt.isdigit():
            continue
        c = int(cnt)
        frames = stack.split(";")
        n += c
        self_t[frames[-1]] += c
        self_fn[frames[-1].split(" (")[0] + " (" + frames[-1].split(" (")[-1].rsplit(":", 1)[0] + ")"] += c
        for fr in set(frames):
            total_t[fr] += c
print(f"{n} samples (all non-idle threads). Top {top} frames by self time:\n")
print("| # | self % | total % | frame (function (file:line)) |")
print("|---:|---:|---:|---|")
for i, (fr, c) in enumerate(self_t.most_common(top), 1):
    print(f"| {i} | {100 * c / n:.1f} | {100 * total_t[fr] / n:.1f} | `{fr}` |")
print(f"\nTop {top} functions by self time (lines merged):\n")
print("| # | self % | function (file) |")
print("|---:|---:|---|")
for i, (fr, c) in enumerate(self_fn.most_common(top), 1):
    print(f"| {i} | {100 * c / n:.1f} | `{fr}` |")
EOF

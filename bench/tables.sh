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
#   BENCH_TARGETS=nubis,nubis-w2,moto,dynalite   which servers (nubis-w2 = nubis serve --workers 2)
#   BENCH_CEILING=1          also measure the uvicorn hello-world transport ceiling (0: skip)
#   BENCH_RETRIES=1          re-run a cell disturbed by other load (ddb-load --retries)
#   BENCH_DURABILITY=full    nubis --durability (full | relaxed)
#   BENCH_SETUP_ONLY=1       install the dependencies and stop
#   DDB_LOAD=path            the driver (default: ../shared/bench/ddb-load beside the repo)
#   NUBIS_BENCH_CACHE=dir    where the bench venv and dynalite live (default ~/.cache/nubis-bench)
#   BENCH_EXTRA_ARGS="..."   more ddb-load arguments, appended as is
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
CACHE="${NUBIS_BENCH_CACHE:-$HOME/.cache/nubis-bench}"
VENV="$CACHE/venv"
NODE_DIR="$CACHE/node"
DDB_LOAD="${DDB_LOAD:-$REPO/../shared/bench/ddb-load}"
NUBIS="${NUBIS:-$REPO/.venv/bin/nubis}"

ITEMS="${BENCH_ITEMS:-10000}"
DURATION="${BENCH_DURATION:-10}"
WARMUP="${BENCH_WARMUP:-2}"
CONCURRENCY="${BENCH_CONCURRENCY:-1,32}"
WORKLOADS="${BENCH_WORKLOADS:-get,put,update,query,scan}"
TARGETS="${BENCH_TARGETS:-nubis,nubis-w2,moto,dynalite}"
CEILING="${BENCH_CEILING:-1}"
RETRIES="${BENCH_RETRIES:-1}"
DURABILITY="${BENCH_DURABILITY:-full}"
DYNALITE_VERSION="${DYNALITE_VERSION:-4}"

log() { printf '[tables.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --------------------------------------------------------------------------------------------- setup
setup_wrk() {
  command -v wrk >/dev/null 2>&1 && return
  log "installing wrk (apt-get)"
  command -v apt-get >/dev/null 2>&1 || die "wrk is missing and there is no apt-get: install wrk by hand"
  timeout 600 apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q wrk >/dev/null
  command -v wrk >/dev/null 2>&1 || die "wrk did not install"
}

setup_venv() {
  local py="$VENV/bin/python"
  if [ -x "$py" ] && "$py" -c "import uvicorn, uvloop, httptools, moto.server" 2>/dev/null \
     && [ -x "$VENV/bin/moto_server" ] && [ -x "$VENV/bin/py-spy" ]; then
    return
  fi
  log "setting up the bench venv at $VENV (uvicorn uvloop httptools moto[server] py-spy)"
  mkdir -p "$CACHE"
  [ -x "$py" ] || python3 -m venv "$VENV"
  timeout 900 "$VENV/bin/pip" install -q --disable-pip-version-check uvicorn uvloop httptools 'moto[server]' py-spy
}

setup_dynalite() {
  [ -x "$NODE_DIR/node_modules/.bin/dynalite" ] && return
  command -v npm >/dev/null 2>&1 || die "npm is missing (dynalite needs Node.js and npm)"
  log "installing dynalite@$DYNALITE_VERSION into $NODE_DIR (npm)"
  mkdir -p "$NODE_DIR"
  [ -f "$NODE_DIR/package.json" ] || printf '{"name":"nubis-bench-peers","private":true}\n' >"$NODE_DIR/package.json"
  (cd "$NODE_DIR" && timeout 900 npm install --no-audit --no-fund "dynalite@$DYNALITE_VERSION" >/dev/null)
  [ -x "$NODE_DIR/node_modules/.bin/dynalite" ] || die "dynalite did not install"
}

setup_wrk
setup_venv
setup_dynalite
[ -x "$DDB_LOAD" ] || [ -f "$DDB_LOAD" ] || die "driver not found at $DDB_LOAD (set DDB_LOAD)"
[ -x "$NUBIS" ] || die "nubis not found at $NUBIS (run scripts/test or set NUBIS)"
if [ "${BENCH_SETUP_ONLY:-0}" = 1 ]; then
  log "setup done"
  exit 0
fi

# ------------------------------------------------------------------------------------- servers
RUN_DIR="$(mktemp -d /tmp/nubis-bench-tables.XXXXXX)"
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$RUN_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start NAME PORT CMD... : runs CMD in its own session (so the whole tree can be stopped), logs to RUN_DIR.
LAST_PID=""
start() {
  local name="$1"; shift
  setsid "$@" >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# wait_ready NAME PORT PID: until ListTables answers HTTP 200 (60 s at most).
wait_ready() {
  local name="$1" port="$2" pid="$3"
  python3 - "$name" "$port" "$pid" <<'EOF' || { log "$1 log:"; tail -30 "$RUN_DIR/$1.log" >&2; die "$1 did not answer"; }
import http.client, os, sys, time
name, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
hdrs = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "X-Amz-Date": "20250101T000000Z",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20250101/us-east-1/dynamodb/aws4_request, "
                         "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0f" * 32}
t0 = time.monotonic()
while time.monotonic() - t0 < 60:
    if not os.path.exists("/proc/%d" % pid):
        sys.exit("%s exited" % name)
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("POST", "/", b"{}", hdrs)
        r = c.getresponse(); r.read(); c.close()
        if r.status == 200:
            print("%s ready on %d after %.1f s" % (name, port, time.monotonic() - t0), file=sys.stderr)
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit("%s: no answer in 60 s" % name)
EOF
}

DRIVER_ARGS=()
IFS=',' read -r -a WANT <<<"$TARGETS"
for t in "${WANT[@]}"; do
  port="$(free_port)"
  case "$t" in
    nubis)
      start "$t" "$NUBIS" serve --host 127.0.0.1 --port "$port" --data-dir "$RUN_DIR/data-$t" \
        --durability "$DURABILITY" --log-level warning ;;
    nubis-w2)
      start "$t" "$NUBIS" serve --host 127.0.0.1 --port "$port" --data-dir "$RUN_DIR/data-$t" \
        --durability "$DURABILITY" --workers 2 --log-level warning ;;
    moto)
      start "$t" "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" ;;
    dynalite)
      start "$t" node "$NODE_DIR/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$port" ;;
    *) die "unknown target $t (nubis, nubis-w2, moto, dynalite)" ;;
  esac
  wait_ready "$t" "$port" "$LAST_PID"
  DRIVER_ARGS+=(--target "$t=http://127.0.0.1:$port" --pid "$t=$LAST_PID")
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

for t in "${WANT[@]}"; do
  if grep -qE 'Traceback|ERROR' "$RUN_DIR/$t.log" 2>/dev/null; then
    log "$t logged errors (first lines):"
    grep -m 20 -E -A3 'Traceback|ERROR' "$RUN_DIR/$t.log" >&2 || true
    cp "$RUN_DIR/$t.log" "$OUT_DIR/tables-$STAMP-$t.log"
  fi
done
cat "$MD"
log "wrote $JSON and $MD"

#!/usr/bin/env bash
# bench/_servers.sh — what the table benchmarks share: installing the peers, starting servers on free loopback
# ports with fresh state, and stopping them. See bench/README.md.
#
# Two ways to use it:
#
#   source "$HERE/_servers.sh"      (bench/tables.sh) then: setup_all; servers_init NAME; start_target T ...
#
#   bench/_servers.sh TARGETS -- CMD [ARGS...]      (bench/tables_extra.py re-runs itself through this)
#       installs what is missing, starts each of the comma-separated TARGETS (nubis, nubis-w2, moto, dynalite, ...),
#       runs CMD ARGS --target NAME=URL --pid NAME=PID ... (one pair per target, in order), then stops every
#       server, also when CMD fails or on Ctrl-C. A server log with a Traceback or ERROR is copied to
#       $SERVERS_LOG_DIR (when set) as $SERVERS_LOG_PREFIX-NAME.log. $SERVERS_BOUND (seconds) bounds CMD.
#
# Environment: NUBIS_BENCH_CACHE (default ~/.cache/nubis-bench: the bench venv with moto, and dynalite),
#   NUBIS (default <repo>/.venv/bin/nubis), BENCH_DURABILITY (full), DYNALITE_VERSION (4).

_SERVERS_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${NUBIS_BENCH_CACHE:-$HOME/.cache/nubis-bench}"
VENV="$CACHE/venv"
NODE_DIR="$CACHE/node"
NUBIS="${NUBIS:-$(dirname "$_SERVERS_HERE")/.venv/bin/nubis}"
DURABILITY="${BENCH_DURABILITY:-full}"
DYNALITE_VERSION="${DYNALITE_VERSION:-4}"
LOG_TAG="${LOG_TAG:-_servers.sh}"

log() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date +%H:%M:%S)" "$*" >&2; }
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

setup_all() {
  setup_wrk
  setup_venv
  setup_dynalite
  [ -x "$NUBIS" ] || die "nubis not found at $NUBIS (run scripts/test or set NUBIS)"
}

# ------------------------------------------------------------------------------------- servers
# servers_init NAME: a fresh run directory (/tmp/nubis-bench-NAME.XXXXXX: data dirs and server logs) and the
# traps that stop every server started with start() and remove it on exit, error or Ctrl-C.
RUN_DIR=""
PIDS=()
servers_init() {
  RUN_DIR="$(mktemp -d "/tmp/nubis-bench-$1.XXXXXX")"
  PIDS=()
  trap servers_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

servers_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  [ -n "$RUN_DIR" ] && rm -rf "$RUN_DIR"
  exit "$rc"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start NAME CMD... : runs CMD in its own session (so the whole tree can be stopped), logs to RUN_DIR.
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

# start_target NAME: starts one known server on a free port, waits until it answers; sets LAST_PID, LAST_URL.
LAST_URL=""
start_target() {
  local t="$1" port
  port="$(free_port)"
  case "$t" in
    nubis)
      start "$t" "$NUBIS" serve --host 127.0.0.1 --port "$port" --data-dir "$RUN_DIR/data-$t" \
        --durability "$DURABILITY" --log-level warning ;;
    nubis-w2)
      start "$t" "$NUBIS" serve --host 127.0.0.1 --port "$port" --data-dir "$RUN_DIR/data-$t" \
        --durability "$DURABILITY" --workers 2 --log-level warning ;;
    nubis-pipelined | nubis-relaxed)
      # The other durabilities side by side with the default (docs/tables.md, "Storage and durability").
      start "$t" "$NUBIS" serve --host 127.0.0.1 --port "$port" --data-dir "$RUN_DIR/data-$t" \
        --durability "${t#nubis-}" --log-level warning ;;
    nubis-memory)
      # Nothing kept: the like-for-like peer of in-memory moto and dynalite (what a test suite runs against).
      start "$t" "$NUBIS" serve --host 127.0.0.1 --port "$port" --storage memory: --log-level warning ;;
    moto)
      start "$t" "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" ;;
    dynalite)
      start "$t" node "$NODE_DIR/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$port" ;;
    dynalite-disk)
      # dynalite as run to keep its data (LevelDB under --path; its writes are not fsynced): the peer in
      # Nubis's durability class, beside the in-memory default that ../shared/bench/results measures.
      start "$t" node "$NODE_DIR/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$port" \
        --path "$RUN_DIR/data-$t" ;;
    *) die "unknown target $t (nubis, nubis-w2, nubis-pipelined, nubis-relaxed, nubis-memory, moto, dynalite, dynalite-disk)" ;;
  esac
  wait_ready "$t" "$port" "$LAST_PID"
  LAST_URL="http://127.0.0.1:$port"
}

# keep_error_logs OUT_DIR PREFIX NAME...: copies the log of each server that logged a Traceback or ERROR.
keep_error_logs() {
  local out="$1" prefix="$2" t
  shift 2
  for t in "$@"; do
    if grep -qE 'Traceback|ERROR' "$RUN_DIR/$t.log" 2>/dev/null; then
      log "$t logged errors (first lines):"
      grep -m 20 -E -A3 'Traceback|ERROR' "$RUN_DIR/$t.log" >&2 || true
      cp "$RUN_DIR/$t.log" "$out/$prefix-$t.log"
    fi
  done
}

# ------------------------------------------------------------------------------ run as a command
servers_main() {
  [ $# -ge 3 ] && [ "$2" = "--" ] || die "usage: _servers.sh TARGETS -- CMD [ARGS...]"
  local targets="$1" t rc=0
  shift 2
  setup_all
  servers_init "$LOG_TAG"
  local args=() want=()
  IFS=',' read -r -a want <<<"$targets"
  for t in "${want[@]}"; do
    start_target "$t"
    args+=(--target "$t=$LAST_URL" --pid "$t=$LAST_PID")
  done
  # in the background + wait: a trapped Ctrl-C / TERM interrupts `wait` at once, and the cleanup then stops CMD
  # (it is in PIDS) and the servers
  if [ -n "${SERVERS_BOUND:-}" ]; then
    timeout --signal=TERM --kill-after=30 "$SERVERS_BOUND" "$@" "${args[@]}" &
  else
    "$@" "${args[@]}" &
  fi
  PIDS=("$!" "${PIDS[@]}")
  wait "$!" || rc=$?
  if [ -n "${SERVERS_LOG_DIR:-}" ]; then
    keep_error_logs "$SERVERS_LOG_DIR" "${SERVERS_LOG_PREFIX:-servers}" "${want[@]}"
  fi
  return "$rc"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  servers_main "$@"
fi

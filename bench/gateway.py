"""bench/gateway.py — the gateway's throughput and latency: a hello-world function behind an HTTP API and a REST
API, beside a hello-world ASGI app (the ceiling) and serverless-offline serving the same project.

One command (``.venv/bin/python bench/gateway.py``): it sets up what it needs (serverless 3 + serverless-offline
13 from npm into ``~/.cache/nubis-bench/node``, shared with ``bench/functions.py``; wrk from Debian; the ceiling's
venv ``~/.cache/nubis-bench/venv`` with uvicorn, uvloop and httptools), starts every server on a free loopback
port, runs the shared load driver ``../shared/bench/http-load`` (``HTTP_LOAD=path`` for another copy; read its
header for what it measures) once over every target at concurrency 1 and 32, prints its markdown table, writes
the numbers as JSON to ``bench/results/local/gateway-*.json`` and stops every server it started.

The project (one ``serverless.yml``, one handler returning ``{"statusCode": 200, "body": "{\\"ok\\": true}"}``) has
an ``http`` event (REST API, ``GET /dev/hello``) and an ``httpApi`` event (HTTP API, ``GET /hello``):

- ``nubis-http``, ``nubis-rest``: ``nubis serve`` on that project (one process, in-memory storage, no reload,
  log level warning);
- ``offline-http``, ``offline-rest``: ``serverless offline start`` on the same folder (python3.11 runtime);
- ``ceiling``: http-load's minimal uvicorn ASGI app (uvloop + httptools) answering ``{"ok": true}``;
- ``floor``: ``bench/gateway_floor.py``, the ceiling app plus one round trip to a warm worker process per request
  and nothing else (8 workers): how fast any gateway that runs functions out of process, as design.md requires,
  could be on this machine.

Target (issue 6): Nubis at ≥ 50 % of the ceiling, ahead of serverless-offline. The floor row shows how much of
the ceiling the process boundary alone leaves.

Options: ``--duration S`` (measured seconds per cell, default 10), ``--warmup S`` (default 2),
``--skip-offline``, ``--wait-load LOAD``, ``--interleave`` and ``--retries N`` (passed to http-load: on a shared
machine, wait for a quieter moment, run each cell on every target in turn, re-run disturbed cells).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HTTP_LOAD = Path(os.environ.get("HTTP_LOAD", REPO.parent / "shared" / "bench" / "http-load"))
HANDLER = (
    'import json\n\n\ndef hello(event, context):\n    return {"statusCode": 200, "body": json.dumps({"ok": True})}\n'
)
SERVICE = """service: gwbench
frameworkVersion: '3'
provider:
  name: aws
  runtime: python3.11
  region: us-east-1
plugins:
  - serverless-offline
functions:
  hello:
    handler: handler.hello
    events:
      - http: {path: hello, method: get}
      - httpApi: {path: /hello, method: get}
"""


def log(message: str) -> None:
    print(f"[gateway.py {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def wait_get(port: int, path: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path)
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"GET {path} on {port} did not answer 200 in {timeout}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=10, help="measured seconds per cell (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per cell (default 2)")
    parser.add_argument("--skip-offline", action="store_true", help="do not run serverless-offline")
    parser.add_argument("--wait-load", type=float, default=0.0, help="http-load --wait-load (default 0: off)")
    parser.add_argument(
        "--interleave", action="store_true", help="http-load --interleave: each cell on every target in turn"
    )
    parser.add_argument("--retries", type=int, default=0, help="http-load --retries for disturbed cells (default 0)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        log("installing wrk (apt-get install -y wrk)")
        subprocess.run(["sudo", "-n", "apt-get", "install", "-y", "wrk"], check=True)
    if not HTTP_LOAD.exists():
        raise SystemExit(f"the load driver {HTTP_LOAD} is missing (HTTP_LOAD=path)")
    import functions as fb  # bench/functions.py (beside this script): serverless-offline setup, server helpers

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = REPO / "bench" / "results" / "local"
    results.mkdir(parents=True, exist_ok=True)
    out_json = results / f"gateway-{stamp}.json"
    with tempfile.TemporaryDirectory(prefix="nubis-bench-gateway-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        project = work / "project"
        project.mkdir()
        (project / "handler.py").write_text(HANDLER)
        (project / "serverless.yml").write_text(SERVICE)
        targets: list[str] = []
        env = dict(os.environ)
        env.update(
            PATH=f"{REPO / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            SLS_TELEMETRY_DISABLED="1",
            SLS_NOTIFICATIONS_MODE="off",
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
        )
        port = fb.free_port()
        command = [str(REPO / ".venv" / "bin" / "python"), "-m", "nubis", "serve", str(project)]
        command += ["--port", str(port), "--data-dir", str(work / "data"), "--storage", "memory:"]
        command += ["--no-reload", "--log-level", "warning"]
        log("starting nubis serve")
        process = stack.enter_context(fb.running(command, work, env, work / "nubis.log"))
        wait_get(port, "/hello", process)
        targets += [f"nubis-http=http://127.0.0.1:{port}/hello", f"nubis-rest=http://127.0.0.1:{port}/dev/hello"]
        floor_port = fb.free_port()
        command = [str(REPO / ".venv" / "bin" / "python"), str(REPO / "bench" / "gateway_floor.py"), str(floor_port)]
        log("starting the out-of-process floor")
        floor = stack.enter_context(fb.running(command, work, env, work / "floor.log"))
        wait_get(floor_port, "/hello", floor)
        targets.append(f"floor=http://127.0.0.1:{floor_port}/hello")
        offline_note = ""
        if not args.skip_offline:
            try:
                modules = fb.setup_offline()
                (project / "node_modules").symlink_to(modules)
                offline_port = fb.free_port()
                command = ["node", str(modules / "serverless" / "bin" / "serverless.js"), "offline", "start"]
                command += ["--host", "127.0.0.1", "--httpPort", str(offline_port)]
                command += ["--lambdaPort", str(fb.free_port()), "--websocketPort", str(fb.free_port())]
                log("starting serverless-offline")
                offline = stack.enter_context(fb.running(command, project, env, work / "offline.log"))
                wait_get(offline_port, "/hello", offline)
                base = f"http://127.0.0.1:{offline_port}"
                targets += [f"offline-http={base}/hello", f"offline-rest={base}/dev/hello"]
            except Exception as exc:  # report why, keep Nubis's numbers
                offline_note = f"serverless-offline not measured: {exc}"
                log(offline_note)
        command = [sys.executable, str(HTTP_LOAD), "--ceiling", "--baseline", "ceiling", "--expect", '"ok"']
        command += ["--duration", str(args.duration), "--warmup", str(args.warmup), "--json", str(out_json)]
        if args.wait_load:
            command += ["--wait-load", str(args.wait_load)]
        if args.interleave:
            command += ["--interleave"]
        if args.retries:
            command += ["--retries", str(args.retries)]
        for target in targets:
            command += ["--target", target]
        log("running http-load: " + " ".join(command[2:]))
        table = subprocess.run(command, capture_output=True, text=True, check=False)
        sys.stderr.write(table.stderr[-4000:])
        if table.returncode != 0:
            log(f"http-load failed with {table.returncode}")
            return table.returncode
    if out_json.exists():
        report = json.loads(out_json.read_text())
        report["gateway_bench"] = {"machine": machine, "commit": commit.strip(), "note": offline_note}
        out_json.write_text(json.dumps(report, indent=2))
    print(f"Gateway benchmark — {machine}, Python {platform.python_version()}, commit {commit.strip()}\n")
    print(table.stdout)
    if offline_note:
        print(offline_note)
    print(f"\nJSON: {out_json.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

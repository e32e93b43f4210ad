"""bench/functions.py — Lambda invoke latency and throughput: Nubis beside serverless-offline and a direct call.

One command (``.venv/bin/python bench/functions.py``): it sets up what it needs (idempotent), starts every server
on a free loopback port, measures, prints a markdown table, writes the numbers as JSON to ``bench/results/local/``
and stops every server it started (also on Ctrl-C or an error).

What it measures, for one trivial handler (``return {"ok": True}``):

- **direct**: ``handler(event, context)`` called in this process: the floor. ``direct+json`` adds decoding the
  request body and encoding the result, which any runtime must do.
- **nubis**: ``nubis serve --function trivial=handler.handler`` (one server process; reload on, as in
  development), invoked with raw HTTP (``http.client``, keep-alive) at ``POST /2015-03-31/functions/trivial/
  invocations``, at concurrency 1 and 16. Concurrency 16 runs 4 client processes of 4 threads each, so the client's
  GIL is not the bottleneck.
- **serverless-offline**: serverless v3 + serverless-offline 13 (npm, into ``~/.cache/nubis-bench/node``), the
  same handler on the python3.11 runtime, invoked the same way on its lambdaPort.
- **cold start**: the first invocation of each of five declared, never-invoked functions (client latency), and
  Nubis's own ``Init Duration`` from the REPORT line.

Warm overhead = nubis p50 at concurrency 1 minus the direct p50 (target: under 1 ms).

Options: ``--duration S`` (measured seconds per cell, default 5), ``--warmup S`` (default 1), ``--skip-offline``.
Environment: ``NUBIS_BENCH_CACHE`` (default ``~/.cache/nubis-bench``).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("NUBIS_BENCH_CACHE", Path.home() / ".cache" / "nubis-bench"))
NODE_DIR = CACHE / "node"
HANDLER = 'def handler(event, context):\n    return {"ok": True}\n'
BODY = b'{"key": "value"}'
COLD = [f"cold{i}" for i in range(1, 6)]


def log(message: str) -> None:
    print(f"[functions.py {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --------------------------------------------------------------------------------------------- setup
def setup_offline() -> Path:
    """serverless v3 + serverless-offline into the cache (skipped when present); returns node_modules."""
    modules = NODE_DIR / "node_modules"
    if (modules / "serverless" / "bin" / "serverless.js").exists() and (modules / "serverless-offline").exists():
        return modules
    if shutil.which("npm") is None:
        raise RuntimeError("npm is not installed: serverless-offline cannot be set up")
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    log("installing serverless@3 serverless-offline@13 with npm")
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "serverless@3", "serverless-offline@13"],
        cwd=NODE_DIR,
        check=True,
        timeout=900,
        stdout=subprocess.DEVNULL,
    )
    return modules


def write_service(directory: Path, modules: Path | None) -> None:
    (directory / "handler.py").write_text(HANDLER)
    functions = "".join(f"  {name}:\n    handler: handler.handler\n" for name in ["trivial", *COLD])
    (directory / "serverless.yml").write_text(
        "service: nubisbench\nframeworkVersion: '3'\nprovider:\n  name: aws\n  runtime: python3.11\n"
        f"  region: us-east-1\nplugins:\n  - serverless-offline\nfunctions:\n{functions}"
    )
    if modules is not None and not (directory / "node_modules").exists():
        (directory / "node_modules").symlink_to(modules)


# --------------------------------------------------------------------------------------------- servers
def wait_for(port: int, path: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("POST", path, body=b"{}", headers={"X-Amz-Invocation-Type": "DryRun"})
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not answer in {timeout}s")


@contextmanager
def running(command: list[str], cwd: Path, env: dict[str, str], logfile: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(logfile, "wb") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --------------------------------------------------------------------------------------------- load
def _client_thread(port: int, path: str, stop_at: float, warm_until: float, out: list[float]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    clock = time.perf_counter
    while True:
        started = clock()
        if started >= stop_at:
            break
        connection.request("POST", path, body=BODY, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"status {response.status}")
        if started >= warm_until:
            out.append((clock() - started) * 1e6)
    connection.close()


def _client_process(port: int, path: str, threads: int, start_at: float, warmup: float, duration: float) -> list[float]:
    now_wall, now_perf = time.time(), time.perf_counter()
    warm_until = now_perf + (start_at - now_wall) + warmup
    stop_at = warm_until + duration
    while time.time() < start_at:
        time.sleep(0.001)
    results: list[list[float]] = [[] for _ in range(threads)]
    workers = [
        threading.Thread(target=_client_thread, args=(port, path, stop_at, warm_until, results[i]))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return [value for chunk in results for value in chunk]


def measure(port: int, path: str, concurrency: int, warmup: float, duration: float) -> dict[str, float]:
    processes = 1 if concurrency == 1 else 4
    threads = concurrency // processes
    start_at = time.time() + 0.5
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        chunks = pool.starmap(_client_process, [(port, path, threads, start_at, warmup, duration)] * processes)
    latencies = [value for chunk in chunks for value in chunk]
    return {
        "p50_us": percentile(latencies, 0.50),
        "p99_us": percentile(latencies, 0.99),
        "ops": len(latencies) / duration,
        "count": len(latencies),
    }


def cold_starts(port: int, path_for: Callable[[str], str], tail: bool) -> dict[str, Any]:
    latencies, inits = [], []
    for name in COLD:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"X-Amz-Log-Type": "Tail"} if tail else {}
        started = time.perf_counter()
        connection.request("POST", path_for(name), body=BODY, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        result = response.getheader("X-Amz-Log-Result")
        if result:
            match = re.search(r"Init Duration: ([\d.]+) ms", base64.b64decode(result).decode())
            if match:
                inits.append(float(match.group(1)))
        connection.close()
    return {
        "first_invoke_ms": statistics.median(latencies),
        "init_duration_ms": statistics.median(inits) if inits else None,
    }


def direct(duration: float) -> dict[str, dict[str, float]]:
    namespace: dict[str, Any] = {}
    exec(HANDLER, namespace)
    handler = namespace["handler"]
    sys.path.insert(0, str(REPO / "src"))
    from nubis.functions.context import LambdaContext

    context = LambdaContext("id", int(time.time() * 1000) + 3000, "arn:aws:lambda:us-east-1:0:function:trivial")
    encoder = json.JSONEncoder()
    results = {}
    for label, call in (
        ("direct", lambda: handler({"key": "value"}, context)),
        ("direct+json", lambda: encoder.encode(handler(json.loads(BODY), context))),
    ):
        latencies = []
        clock = time.perf_counter
        stop = clock() + duration
        while clock() < stop:
            for _ in range(100):
                started = clock()
                call()
                latencies.append((clock() - started) * 1e6)
        results[label] = {
            "p50_us": percentile(latencies, 0.5),
            "p99_us": percentile(latencies, 0.99),
            "ops": len(latencies) / sum(latencies) * 1e6,
        }
    return results


# --------------------------------------------------------------------------------------------- main
def bench_nubis(work: Path, warmup: float, duration: float) -> dict[str, Any]:
    (work / "nubis").mkdir()
    (work / "nubis" / "handler.py").write_text(HANDLER)
    port = free_port()
    command = [str(REPO / ".venv" / "bin" / "nubis"), "serve", str(work / "nubis"), "--port", str(port)]
    command += ["--data-dir", str(work / "nubis-data"), "--log-level", "warning"]
    for name in ["trivial", *COLD]:
        command += ["--function", f"{name}=handler.handler"]
    path = "/2015-03-31/functions/{}/invocations"
    with running(command, work, dict(os.environ), work / "nubis.log") as process:
        wait_for(port, path.format("trivial"), process)
        log("nubis: cold starts")
        results: dict[str, Any] = {"cold": cold_starts(port, path.format, tail=True)}
        for concurrency in (1, 16):
            log(f"nubis: concurrency {concurrency}")
            results[f"c{concurrency}"] = measure(port, path.format("trivial"), concurrency, warmup, duration)
    return results


def bench_offline(work: Path, warmup: float, duration: float) -> dict[str, Any]:
    modules = setup_offline()
    service = work / "offline"
    service.mkdir()
    write_service(service, modules)
    port = free_port()
    env = dict(os.environ)
    env.update(
        PATH=f"{REPO / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        SLS_TELEMETRY_DISABLED="1",
        SLS_NOTIFICATIONS_MODE="off",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
    )
    command = ["node", str(modules / "serverless" / "bin" / "serverless.js"), "offline", "start"]
    command += ["--host", "127.0.0.1", "--lambdaPort", str(port)]
    command += ["--httpPort", str(free_port()), "--websocketPort", str(free_port())]
    path = "/2015-03-31/functions/nubisbench-dev-{}/invocations"
    with running(command, service, env, work / "offline.log") as process:
        wait_for(port, path.format("trivial"), process, timeout=120)
        log("serverless-offline: cold starts")
        results: dict[str, Any] = {"cold": cold_starts(port, path.format, tail=False)}
        for concurrency in (1, 16):
            log(f"serverless-offline: concurrency {concurrency}")
            results[f"c{concurrency}"] = measure(port, path.format("trivial"), concurrency, warmup, duration)
    return results


def table(report: dict[str, Any]) -> str:
    lines = [
        "| target | concurrency | p50 | p99 | invocations/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, numbers in report["direct"].items():
        p50, p99, ops = numbers["p50_us"], numbers["p99_us"], numbers["ops"]
        lines.append(f"| {label} (in-process) | 1 | {p50:.2f} µs | {p99:.2f} µs | {ops:,.0f} |")
    for target in ("nubis", "serverless-offline"):
        data = report.get(target)
        if not isinstance(data, dict):
            continue
        for concurrency in (1, 16):
            cell = data[f"c{concurrency}"]
            lines.append(
                f"| {target} | {concurrency} | {cell['p50_us'] / 1000:.3f} ms | {cell['p99_us'] / 1000:.3f} ms "
                f"| {cell['ops']:,.0f} |"
            )
    lines += ["", "| target | cold start: first invoke (median of 5) | Init Duration (REPORT) |", "|---|---:|---:|"]
    for target in ("nubis", "serverless-offline"):
        data = report.get(target)
        if isinstance(data, dict):
            init = data["cold"]["init_duration_ms"]
            init_text = f"{init:.1f} ms" if init is not None else "n/a"
            lines.append(f"| {target} | {data['cold']['first_invoke_ms']:.1f} ms | {init_text} |")
    nubis = report.get("nubis")
    if isinstance(nubis, dict):
        overhead = (nubis["c1"]["p50_us"] - report["direct"]["direct"]["p50_us"]) / 1000
        lines += [
            "",
            f"Warm overhead over a direct in-process call (p50, concurrency 1): **{overhead:.3f} ms** (target < 1 ms)",
        ]
    if isinstance(report.get("serverless-offline"), str):
        lines += ["", f"serverless-offline: {report['serverless-offline']}"]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per cell (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per cell (default 1)")
    parser.add_argument("--skip-offline", action="store_true", help="do not run serverless-offline")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout
    report: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
        "python": platform.python_version(),
        "commit": commit.strip(),
        "duration_s": args.duration,
    }
    log("direct in-process baseline")
    report["direct"] = direct(min(args.duration, 2.0))
    with tempfile.TemporaryDirectory(prefix="nubis-bench-functions-") as tmp:
        work = Path(tmp)
        report["nubis"] = bench_nubis(work, args.warmup, args.duration)
        if not args.skip_offline:
            try:
                report["serverless-offline"] = bench_offline(work, args.warmup, args.duration)
            except Exception as exc:  # report why, keep Nubis's numbers
                report["serverless-offline"] = f"not measured: {exc}"
                log(f"serverless-offline failed: {exc}")
    results = REPO / "bench" / "results" / "local"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"functions-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(report, indent=2))
    print(f"Functions benchmark — {report['machine']}, Python {report['python']}, commit {report['commit']}\n")
    print(table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""bench/websocket.py — WebSocket APIs: idle connections and their memory, broadcast through ``@connections``, and
the round trip of an echo route; Nubis beside serverless-offline serving the same serverless.yml.

One command (``.venv/bin/python bench/websocket.py``): it sets up what it needs (serverless 3 + serverless-offline
13 from npm into ``~/.cache/nubis-bench/node``, shared with ``bench/functions.py``), starts each server on free
127.0.0.1 ports, measures, prints markdown tables, writes every number as JSON to
``bench/results/local/websocket-<stamp>.json`` and stops every server and client process it started (also on
Ctrl-C, an error, or when ``--max-seconds`` runs out).

The project: one ``serverless.yml`` (route selection ``$request.body.action``) with four Python handlers, the same
code for both servers:

- ``echo`` (two-way: ``routeResponseSelectionExpression: $default``) returns the message body;
- ``whoami`` (two-way) returns the caller's ``connectionId``;
- ``broadcast`` (one-way) reads the connection ids the bench wrote to ``ids.json`` beside it and posts one
  message to each with ``boto3.client("apigatewaymanagementapi").post_to_connection``. Its endpoint is AWS's
  ``https://{domainName}/{stage}`` (what Nubis's workers serve); serverless-offline cannot serve that URL to a
  handler (ISSUE dherault/serverless-offline#924), so there the bench sets ``BENCH_MANAGEMENT_ENDPOINT`` to its
  ``http://127.0.0.1:{websocketPort}``.

- ``connect`` (``$connect``) accepts every connection: serverless-offline refuses a handshake (502) when the API
  has no ``$connect`` route, which API Gateway does not. There is no ``$disconnect`` route.

Targets: ``nubis`` (``nubis serve``, one process, in-memory storage, no reload, log level warning) at
``ws://127.0.0.1:PORT/dev``, ``@connections`` at ``/dev/@connections/{id}``; ``offline`` (``serverless offline
start``, python3.11 runtime from the repository venv) at ``ws://127.0.0.1:WSPORT``, ``@connections`` at
``/@connections/{id}``. Each target runs every phase in turn, on one server:

1. **Idle connections** (``--connections``, default 10,000): client processes (``--client-processes``, 4; the fd
   limit raised with ``resource.setrlimit``) open them, at most 8 handshakes in flight per process, without
   permessage-deflate (``--deflate`` to offer it) and without client pings; they are held ``--hold`` seconds (15),
   then every connection is pinged: "held" counts the pongs. The server's RSS (the process holding the sockets;
   the whole tree in the JSON) is read before opening and while holding; "RSS / 10k" is the difference scaled to
   10,000 connections.
2. **Broadcast to 1,000 clients** (``--clients``): the clients learn their ids through ``whoami``, then
   - *from outside*: sender processes POST ``--messages`` (10) messages per client to ``@connections`` (raw
     keep-alive HTTP, 4 processes × 8 threads, ids shuffled); "delivered/s" = messages the clients received ÷
     (last arrival − first POST); POST answers other than 2xx are counted as errors (API Gateway answers 200,
     serverless-offline 204);
   - *from a handler*: one ``{"action": "broadcast"}`` message; the handler posts to every client; repeated
     ``--rounds`` (3) times, the median round reported.
   The server's CPU time (its process tree, function workers included) per delivered message is reported too.
3. **Echo round trip** at concurrency 1 and 32 (``--concurrency``): closed loop, each connection sends
   ``{"action": "echo", ...}`` and waits for the reply, ``--warmup`` (5 s: serverless-offline starts a Python
   process per concurrent invocation) then ``--duration`` (10) seconds; p50 and p99 of the round trip, replies/s,
   and the server tree's CPU per reply.

Options: ``--skip-offline``, ``--max-seconds`` (bound on the whole run, default 1800). All load is on 127.0.0.1.
Reading it: the client processes share the 2-core machine with the servers (the load average at start and end is
printed); the CPU-per-message figures are the least disturbed by other load.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import os
import platform
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HANDLER = '''"""The bench's handlers, written as for AWS."""

import json
import os

IDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ids.json")


def connect(event, context):
    return {"statusCode": 200}


def echo(event, context):
    return {"statusCode": 200, "body": event["body"]}


def whoami(event, context):
    return {"statusCode": 200, "body": event["requestContext"]["connectionId"]}


def broadcast(event, context):
    import boto3  # here, so that the other routes' processes start without it

    ctx = event["requestContext"]
    endpoint = os.environ.get("BENCH_MANAGEMENT_ENDPOINT") or f"https://{ctx['domainName']}/{ctx['stage']}"
    api = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
    with open(IDS) as source:
        ids = json.load(source)
    for connection_id in ids:
        api.post_to_connection(ConnectionId=connection_id, Data=b"broadcast")
    return {"statusCode": 200}
'''
SERVICE = """service: wsbench
frameworkVersion: '3'
provider:
  name: aws
  runtime: python3.11
  region: us-east-1
  stage: dev
  websocketsApiRouteSelectionExpression: $request.body.action
plugins:
  - serverless-offline
functions:
  connect:
    handler: handler.connect
    events:
      - websocket: $connect
  echo:
    handler: handler.echo
    events:
      - websocket: {route: echo, routeResponseSelectionExpression: $default}
  whoami:
    handler: handler.whoami
    events:
      - websocket: {route: whoami, routeResponseSelectionExpression: $default}
  broadcast:
    handler: handler.broadcast
    timeout: 60
    events:
      - websocket: broadcast
"""
HANDSHAKES_IN_FLIGHT = 8
SENDER_PROCESSES = 4
SENDER_THREADS = 8


def log(message: str) -> None:
    print(f"[websocket.py {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# --------------------------------------------------------------------------------------------- /proc
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with suppress(OSError), open(f"/proc/{entry}/stat") as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(tree.get(current, []))
    return out


def rss_bytes(pid: int) -> int:
    with suppress(OSError), open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def cpu_snapshot(pid: int) -> dict[int, float]:
    """CPU seconds (user + system, plus children reaped) of each process in ``pid``'s tree."""
    out = {}
    for member in process_tree(pid):
        with suppress(OSError), open(f"/proc/{member}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
            out[member] = sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return out


def cpu_since(before: dict[int, float], pid: int) -> float:
    """CPU the tree used since ``before``: processes started meanwhile count whole; processes that ended
    meanwhile count through their parent's reaped-children time (which may add their earlier CPU too)."""
    after = cpu_snapshot(pid)
    return sum(seconds - before.get(member, 0.0) for member, seconds in after.items())


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# --------------------------------------------------------------------------------------------- client processes
def _client_loop() -> asyncio.AbstractEventLoop:
    with suppress(ImportError):
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


async def _open_many(url: str, count: int, deflate: bool) -> tuple[list[Any], int]:
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(HANDSHAKES_IN_FLIGHT)

    async def one() -> Any:
        async with gate:
            try:
                return await connect(
                    url,
                    compression="deflate" if deflate else None,
                    max_size=None,
                    ping_interval=None,
                    open_timeout=60,
                    close_timeout=5,
                )
            except Exception:
                return None

    opened = await asyncio.gather(*(one() for _ in range(count)))
    alive = [c for c in opened if c is not None]
    return alive, count - len(alive)


async def _close_many(connections: list[Any]) -> None:
    gate = asyncio.Semaphore(64)

    async def one(connection: Any) -> None:
        async with gate:
            try:
                await asyncio.wait_for(connection.close(), 5)
            except Exception:
                connection.transport.abort()

    await asyncio.gather(*(one(c) for c in connections))


def idle_client(url: str, count: int, deflate: bool, reports: Any, commands: Any) -> None:
    """Open ``count`` connections, report, wait for "check" (ping all, report), then "close"."""
    raise_fd_limit()
    loop = _client_loop()

    async def main() -> None:
        started = time.monotonic()
        connections, failed = await _open_many(url, count, deflate)
        reports.put(("opened", len(connections), failed, time.monotonic() - started))
        await loop.run_in_executor(None, commands.get)  # "check"
        gate = asyncio.Semaphore(256)

        async def ping(connection: Any) -> bool:
            async with gate:
                try:
                    await asyncio.wait_for(await connection.ping(), 20)
                    return True
                except Exception:
                    return False

        held = sum(await asyncio.gather(*(ping(c) for c in connections)))
        reports.put(("held", held))
        await loop.run_in_executor(None, commands.get)  # "close"
        await _close_many(connections)
        reports.put(("closed",))

    loop.run_until_complete(main())


def broadcast_client(url: str, count: int, reports: Any, commands: Any) -> None:
    """Open ``count`` connections, learn their ids (``whoami``), then count what arrives, round by round."""
    raise_fd_limit()
    loop = _client_loop()

    async def main() -> None:
        connections, failed = await _open_many(url, count, deflate=False)
        gate = asyncio.Semaphore(4)  # serverless-offline starts a Python process per concurrent invocation

        async def whoami(connection: Any) -> str | None:
            async with gate:
                try:
                    await connection.send('{"action": "whoami"}')
                    reply = str(await asyncio.wait_for(connection.recv(), 60))
                except Exception:
                    return None
                return None if reply.startswith("{") else reply  # an error frame is no id

        answers = await asyncio.gather(*(whoami(c) for c in connections))
        connections = [c for c, i in zip(connections, answers, strict=True) if i]
        reports.put(("ids", [i for i in answers if i], failed))
        received = [0]
        last = [0.0]

        async def count_messages(connection: Any) -> None:
            with suppress(Exception):
                async for _ in connection:
                    received[0] += 1
                    last[0] = time.time()

        readers = [asyncio.ensure_future(count_messages(c)) for c in connections]
        while True:
            command = await loop.run_in_executor(None, commands.get)
            if command[0] == "close":
                break
            _, per_client, timeout = command  # ("expect", messages per client, seconds)
            expected = per_client * len(connections)
            start, deadline = received[0], time.monotonic() + timeout
            while received[0] - start < expected and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            reports.put(("round", received[0] - start, last[0]))
        for reader in readers:
            reader.cancel()
        await _close_many(connections)
        reports.put(("closed",))

    loop.run_until_complete(main())


def sender(port: int, path: str, ids: list[str], threads: int, start_at: float) -> dict[str, int]:
    """POST one message to each id in ``ids`` (keep-alive connections, ``threads`` threads); status counts."""
    counts: dict[str, int] = {}
    lock = threading.Lock()
    chunks = [ids[i::threads] for i in range(threads)]

    def run(chunk: list[str]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: dict[str, int] = {}
        for connection_id in chunk:
            try:
                connection.request("POST", path.format(connection_id), body=b"message")
                response = connection.getresponse()
                response.read()
                key = str(response.status)
            except OSError as exc:
                key = type(exc).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            local[key] = local.get(key, 0) + 1
        connection.close()
        with lock:
            for key, value in local.items():
                counts[key] = counts.get(key, 0) + value

    while time.time() < start_at:
        time.sleep(0.001)
    workers = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return counts


def echo_client(url: str, connections: int, start_at: float, warmup: float, duration: float) -> dict[str, Any]:
    """Closed loop on ``connections`` connections; round trips (µs) measured after the warm-up."""
    loop = _client_loop()

    async def main() -> dict[str, Any]:
        opened, failed = await _open_many(url, connections, deflate=False)
        latencies: list[float] = []
        errors = [failed]
        await asyncio.sleep(max(0.0, start_at - time.time()))
        warm_until = time.perf_counter() + warmup
        stop_at = warm_until + duration

        async def run(connection: Any, n: int) -> None:
            clock = time.perf_counter
            i = 0
            while True:
                started = clock()
                if started >= stop_at:
                    return
                message = f'{{"action": "echo", "n": {n}, "i": {i}}}'
                try:
                    await connection.send(message)
                    reply = await asyncio.wait_for(connection.recv(), 30)
                except Exception:
                    errors[0] += 1
                    return
                if reply != message:
                    errors[0] += 1
                elif started >= warm_until:
                    latencies.append((clock() - started) * 1e6)
                i += 1

        await asyncio.gather(*(run(c, n) for n, c in enumerate(opened)))
        await _close_many(opened)
        return {"latencies": latencies, "errors": errors[0]}

    return loop.run_until_complete(main())


# --------------------------------------------------------------------------------------------- phases
class Target:
    def __init__(self, name: str, ws_url: str, port: int, management_path: str, pid: int, project: Path) -> None:
        self.name = name
        self.ws_url = ws_url
        self.port = port
        self.management_path = management_path
        """``/dev/@connections/{}``: formatted with a connection id."""
        self.pid = pid
        self.project = project

    def tree(self) -> list[int]:
        return process_tree(self.pid)


def _gather(reports: Any, kind: str, count: int, timeout: float) -> list[tuple[Any, ...]]:
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < count:
        item = reports.get(timeout=max(0.1, deadline - time.monotonic()))
        if item[0] == kind:
            out.append(item)
    return out


def _start(context: Any, target: Callable[..., None], args: tuple[Any, ...]) -> Any:
    process = context.Process(target=target, args=args, daemon=True)
    process.start()
    return process


def _stop(processes: list[Any]) -> None:
    for process in processes:
        process.join(10)
        if process.is_alive():
            process.terminate()
            process.join(5)


def phase_idle(target: Target, total: int, processes: int, hold: float, deflate: bool) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    reports, commands = context.Queue(), [context.Queue() for _ in range(processes)]
    time.sleep(1)
    before_main, before_tree = rss_bytes(target.pid), sum(rss_bytes(p) for p in target.tree())
    share = [total // processes + (1 if i < total % processes else 0) for i in range(processes)]
    log(f"{target.name}: opening {total} idle connections from {processes} processes")
    started = time.monotonic()
    workers = [
        _start(context, idle_client, (target.ws_url, n, deflate, reports, commands[i])) for i, n in enumerate(share)
    ]
    try:
        opened = _gather(reports, "opened", processes, 600)
        open_seconds = time.monotonic() - started
        count = sum(item[1] for item in opened)
        log(f"{target.name}: {count} open in {open_seconds:.1f} s; holding {hold:.0f} s")
        time.sleep(hold)
        held_main, held_tree = rss_bytes(target.pid), sum(rss_bytes(p) for p in target.tree())
        for queue in commands:
            queue.put("check")
        held = sum(item[1] for item in _gather(reports, "held", processes, 120))
        for queue in commands:
            queue.put("close")
        _gather(reports, "closed", processes, 120)
    finally:
        _stop(workers)
    per_10k = (held_main - before_main) / max(count, 1) * 10_000
    return {
        "requested": total,
        "opened": count,
        "failed": sum(item[2] for item in opened),
        "held": held,
        "open_seconds": open_seconds,
        "rss_before_mb": before_main / 2**20,
        "rss_held_mb": held_main / 2**20,
        "tree_rss_before_mb": before_tree / 2**20,
        "tree_rss_held_mb": held_tree / 2**20,
        "rss_per_10k_mb": per_10k / 2**20,
    }


def phase_broadcast(target: Target, clients: int, processes: int, messages: int, rounds: int) -> dict[str, Any]:
    from websockets.sync.client import connect

    context = multiprocessing.get_context("spawn")
    reports, commands = context.Queue(), [context.Queue() for _ in range(processes)]
    share = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    log(f"{target.name}: {clients} broadcast clients")
    workers = [_start(context, broadcast_client, (target.ws_url, n, reports, commands[i])) for i, n in enumerate(share)]

    def expect(per_client: int, timeout: float) -> None:
        for queue in commands:
            queue.put(("expect", per_client, timeout))

    result: dict[str, Any] = {}
    try:
        answers = _gather(reports, "ids", processes, 600)
        ids = [i for item in answers for i in item[1]]
        failed = sum(item[2] for item in answers)
        if failed or len(ids) < clients:
            log(f"{target.name}: {failed} clients did not connect, {clients - failed - len(ids)} got no id")
        result["clients"] = len(ids)
        (target.project / "ids.json").write_text(json.dumps(ids))
        # -- from outside: POST @connections, every message of every client, in random order
        posts = [i for i in ids for _ in range(messages)]
        random.shuffle(posts)
        log(f"{target.name}: {len(posts)} POST @connections from {SENDER_PROCESSES}x{SENDER_THREADS} senders")
        cpu_before = cpu_snapshot(target.pid)
        expect(messages, 300)
        start_at = time.time() + 2.0  # the sender processes start meanwhile
        with context.Pool(SENDER_PROCESSES) as pool:
            chunks = [posts[i::SENDER_PROCESSES] for i in range(SENDER_PROCESSES)]
            counts_list = pool.starmap(
                sender, [(target.port, target.management_path, chunk, SENDER_THREADS, start_at) for chunk in chunks]
            )
        arrived = _gather(reports, "round", processes, 330)
        cpu = cpu_since(cpu_before, target.pid)
        received = sum(item[1] for item in arrived)
        last = max(item[2] for item in arrived)
        counts: dict[str, int] = {}
        for chunk_counts in counts_list:
            for key, value in chunk_counts.items():
                counts[key] = counts.get(key, 0) + value
        result["outside"] = {
            "posts": len(posts),
            "status": counts,
            "errors": sum(v for k, v in counts.items() if not k.startswith("2")),  # offline answers 204
            "received": received,
            "seconds": last - start_at,
            "delivered_per_s": received / (last - start_at) if last > start_at else 0.0,
            "server_cpu_us_per_message": cpu / max(received, 1) * 1e6,
        }
        # -- from a handler: one message, and the handler posts to every client
        rates, cpus, missing = [], [], 0
        with connect(target.ws_url, compression=None, open_timeout=30) as trigger:
            for n in range(rounds):
                log(f"{target.name}: handler broadcast round {n + 1}/{rounds}")
                cpu_before = cpu_snapshot(target.pid)
                expect(1, 120)
                time.sleep(0.2)
                sent = time.time()
                trigger.send('{"action": "broadcast"}')
                arrived = _gather(reports, "round", processes, 150)
                got = sum(item[1] for item in arrived)
                missing += len(ids) - got
                last = max(item[2] for item in arrived)
                rates.append(got / (last - sent) if last > sent else 0.0)
                cpus.append(cpu_since(cpu_before, target.pid) / max(got, 1) * 1e6)
        result["handler"] = {
            "rounds": rounds,
            "delivered_per_s": statistics.median(rates),
            "all_rounds_per_s": rates,
            "missing": missing,
            "server_cpu_us_per_message": statistics.median(cpus),
        }
        for queue in commands:
            queue.put(("close",))
        _gather(reports, "closed", processes, 120)
    finally:
        _stop(workers)
    return result


def phase_echo(target: Target, concurrency: int, warmup: float, duration: float) -> dict[str, Any]:
    processes = 1 if concurrency < 4 else 4
    share = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    log(f"{target.name}: echo at concurrency {concurrency}")
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 5.0  # spawn the clients and open their connections first
    with context.Pool(processes) as pool:
        pending = pool.starmap_async(echo_client, [(target.ws_url, n, start_at, warmup, duration) for n in share])
        time.sleep(max(0.0, start_at + warmup - time.time()))
        cpu_before = cpu_snapshot(target.pid)
        time.sleep(duration)
        cpu = cpu_since(cpu_before, target.pid)
        results = pending.get(timeout=warmup + duration + 120)
    latencies = [value for item in results for value in item["latencies"]]
    return {
        "concurrency": concurrency,
        "replies": len(latencies),
        "replies_per_s": len(latencies) / duration,
        "p50_ms": percentile(latencies, 0.5) / 1000,
        "p99_ms": percentile(latencies, 0.99) / 1000,
        "errors": sum(item["errors"] for item in results),
        "server_cpu_us_per_reply": cpu / max(len(latencies), 1) * 1e6,
    }


# --------------------------------------------------------------------------------------------- servers
def wait_ws(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    from websockets.sync.client import connect

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with connect(url, open_timeout=5) as client:
                client.send('{"action": "echo"}')
                if client.recv(timeout=60) == '{"action": "echo"}':
                    return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not echo within {timeout}s")


def run_target(name: str, target: Target, args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"loadavg_start": loadavg()}
    report["idle"] = phase_idle(target, args.connections, args.client_processes, args.hold, args.deflate)
    time.sleep(2)
    report["broadcast"] = phase_broadcast(target, args.clients, args.client_processes, args.messages, args.rounds)
    for concurrency in args.concurrency:
        time.sleep(1)
        report[f"echo_c{concurrency}"] = phase_echo(target, concurrency, args.warmup, args.duration)
    report["rss_end_mb"] = rss_bytes(target.pid) / 2**20
    report["loadavg_end"] = loadavg()
    return report


def tables(report: dict[str, Any], concurrency: list[int]) -> str:
    names = [n for n in ("nubis", "offline") if isinstance(report.get(n), dict)]
    lines = [
        "Idle connections",
        "",
        "| target | opened / requested | held after hold | open time | server RSS before → held | RSS / 10k conn |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        idle = report[name]["idle"]
        lines.append(
            f"| {name} | {idle['opened']:,} / {idle['requested']:,} | {idle['held']:,} | {idle['open_seconds']:.1f} s "
            f"| {idle['rss_before_mb']:.0f} → {idle['rss_held_mb']:.0f} MB | {idle['rss_per_10k_mb']:.0f} MB |"
        )
    lines += [
        "",
        f"Broadcast to {report['args']['clients']:,} clients through @connections",
        "",
        "| target | from outside (POST, 32 in flight) | errors | server CPU / msg | from a handler (boto3 loop) "
        "| server CPU / msg |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        b = report[name]["broadcast"]
        out, handler = b["outside"], b["handler"]
        lines.append(
            f"| {name} | {out['delivered_per_s']:,.0f} msg/s ({out['received']:,}/{out['posts']:,}) | "
            f"{out['errors']} | {out['server_cpu_us_per_message']:.0f} µs | "
            f"{handler['delivered_per_s']:,.0f} msg/s (missing {handler['missing']}) | "
            f"{handler['server_cpu_us_per_message']:.0f} µs |"
        )
    lines += [
        "",
        "Echo route round trip (two-way route, Python handler)",
        "",
        "| target | concurrency | p50 | p99 | replies/s | errors | server CPU / reply |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        for c in concurrency:
            e = report[name][f"echo_c{c}"]
            lines.append(
                f"| {name} | {c} | {e['p50_ms']:.2f} ms | {e['p99_ms']:.2f} ms | {e['replies_per_s']:,.0f} "
                f"| {e['errors']} | {e['server_cpu_us_per_reply']:.0f} µs |"
            )
    for name in ("nubis", "offline"):
        if isinstance(report.get(name), str):
            lines += ["", f"{name}: {report[name]}"]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--connections", type=int, default=10_000, help="idle connections (default 10000)")
    parser.add_argument("--hold", type=float, default=15.0, help="seconds to hold them (default 15)")
    parser.add_argument("--deflate", action="store_true", help="idle clients offer permessage-deflate")
    parser.add_argument("--client-processes", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--clients", type=int, default=1000, help="broadcast clients (default 1000)")
    parser.add_argument("--messages", type=int, default=10, help="POSTs per client from outside (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="handler broadcast rounds (default 3)")
    parser.add_argument("--concurrency", default="1,32", help="echo concurrencies (default 1,32)")
    parser.add_argument("--duration", type=float, default=10.0, help="echo measured seconds (default 10)")
    parser.add_argument("--warmup", type=float, default=5.0, help="echo warm-up seconds (default 5)")
    parser.add_argument("--skip-offline", action="store_true", help="do not run serverless-offline")
    parser.add_argument("--max-seconds", type=int, default=1800, help="bound on the whole run (default 1800)")
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]

    def out_of_time(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the run took more than --max-seconds {args.max_seconds}")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.max_seconds)
    limit = raise_fd_limit()  # the servers inherit it
    if limit < args.connections + 1000:
        log(f"the open-file limit is {limit}: fewer than {args.connections} connections may open")
    import functions as fb  # bench/functions.py (beside this script): serverless-offline setup, server helpers

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout
    report: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
        "python": platform.python_version(),
        "commit": commit.strip() + (" (uncommitted changes)" if dirty.strip() else ""),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "args": {k: v for k, v in vars(args).items()},
        "fd_limit": limit,
    }
    with tempfile.TemporaryDirectory(prefix="nubis-bench-websocket-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        env = dict(os.environ)
        env.update(
            PATH=f"{REPO / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            SLS_TELEMETRY_DISABLED="1",
            SLS_NOTIFICATIONS_MODE="off",
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
        )
        env.pop("BENCH_MANAGEMENT_ENDPOINT", None)
        # -- nubis
        project = work / "nubis"
        project.mkdir()
        (project / "handler.py").write_text(HANDLER)
        (project / "serverless.yml").write_text(SERVICE)
        port = fb.free_port()
        command = [str(REPO / ".venv" / "bin" / "python"), "-m", "nubis", "serve", str(project)]
        command += ["--port", str(port), "--data-dir", str(work / "data"), "--storage", "memory:"]
        command += ["--no-reload", "--log-level", "warning"]
        nubis_env = {**env, "PYTHONPATH": str(REPO / "src")}
        log("starting nubis serve")
        process = stack.enter_context(fb.running(command, work, nubis_env, work / "nubis.log"))
        url = f"ws://127.0.0.1:{port}/dev"
        try:
            wait_ws(url, process)
            target = Target("nubis", url, port, "/dev/@connections/{}", process.pid, project)
            report["nubis"] = run_target("nubis", target, args)
        finally:
            stack.close()
        # -- serverless-offline
        if not args.skip_offline:
            try:
                modules = fb.setup_offline()
                project = work / "offline"
                project.mkdir()
                (project / "handler.py").write_text(HANDLER)
                (project / "serverless.yml").write_text(SERVICE)
                (project / "node_modules").symlink_to(modules)
                ws_port = fb.free_port()
                command = ["node", str(modules / "serverless" / "bin" / "serverless.js"), "offline", "start"]
                command += ["--host", "127.0.0.1", "--websocketPort", str(ws_port)]
                command += ["--httpPort", str(fb.free_port()), "--lambdaPort", str(fb.free_port())]
                offline_env = {**env, "BENCH_MANAGEMENT_ENDPOINT": f"http://127.0.0.1:{ws_port}"}
                log("starting serverless-offline")
                offline = stack.enter_context(fb.running(command, project, offline_env, work / "offline.log"))
                url = f"ws://127.0.0.1:{ws_port}"
                wait_ws(url, offline)
                target = Target("offline", url, ws_port, "/@connections/{}", offline.pid, project)
                report["offline"] = run_target("offline", target, args)
            except Exception as exc:  # report why, keep Nubis's numbers
                report["offline"] = f"not measured: {type(exc).__name__}: {exc}"
                log(f"serverless-offline failed: {exc}")
                log_file = work / "offline.log"
                if log_file.exists():
                    sys.stderr.write(log_file.read_text()[-3000:])
            finally:
                stack.close()
        for name in ("nubis", "offline"):
            log_file = work / f"{name}.log"
            if log_file.exists() and ("Traceback" in log_file.read_text() or "ERROR" in log_file.read_text()):
                results = REPO / "bench" / "results" / "local"
                results.mkdir(parents=True, exist_ok=True)
                shutil.copy(log_file, results / f"websocket-{time.strftime('%Y%m%d-%H%M%S')}-{name}.log")
    signal.alarm(0)
    results = REPO / "bench" / "results" / "local"
    results.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_json = results / f"websocket-{stamp}.json"
    out_json.write_text(json.dumps(report, indent=2))
    text = tables(report, args.concurrency)
    (results / f"websocket-{stamp}.md").write_text(text + "\n")
    print(f"WebSocket benchmark — {report['machine']}, Python {report['python']}, commit {report['commit']}")
    loads = [
        report[n]["loadavg_start"] + " → " + report[n]["loadavg_end"]
        for n in ("nubis", "offline")
        if isinstance(report.get(n), dict)
    ]
    print(f"load average during each target's run: {'; '.join(loads)}\n")
    print(text)
    print(f"\nJSON: {out_json.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

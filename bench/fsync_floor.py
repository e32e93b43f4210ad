#!/usr/bin/env python3
"""bench/fsync_floor.py — how fast one acknowledged-on-disk write can be answered over HTTP on this machine.

design.md makes fsync-on-acknowledge the default, and issue 3 compares that default with in-memory peers. At
concurrency 1 nothing can be grouped: every PutItem waits for its own ``fdatasync``. This bench runs, in one
interleaved ``http-load`` run at C=1, the same PutItem request (one ~200 B item, overwritten each time) against:

- ``floor``: the ceiling app (uvicorn, uvloop, httptools, one process) that writes the request body into a
  preallocated file (``pwrite``, so the file never grows) and ``fdatasync``s it before answering ``{}``: no JSON,
  no validation, no storage engine. Nothing durable over HTTP answers sooner here;
- the targets it is given (``--target NAME=URL --pid NAME=PID``, as ``bench/_servers.sh`` passes them), each
  with a table ``bench`` (pk/sk strings) created first: by default ``nubis`` (``--durability full``), ``dynalite``
  (in memory) and ``dynalite-disk`` (LevelDB, not fsynced);
- ``ceiling``: http-load's hello world, the HTTP floor without the disk.

One command: ``bench/fsync_floor.py`` (re-runs itself through ``bench/_servers.sh``, which installs and starts
the peers and stops them at the end; ~1 min). ``--duration S`` (default 5). Prints http-load's table; the JSON
goes to ``bench/results/local/fsync-floor-<stamp>.json``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
HTTP_LOAD = Path(os.environ.get("HTTP_LOAD", REPO.parent / "shared" / "bench" / "http-load"))
FILE_BYTES = 16 << 20
ITEM = {
    "pk": {"S": "p0000001"},
    "sk": {"S": "s01"},
    "n": {"N": "1"},
    "data": {"S": "x" * 160},
}
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=0"
)


def serve_floor(port: int, path: str) -> None:
    """The floor server: one pwrite + fdatasync per request, on the event loop (C=1: nothing to overlap)."""
    import uvicorn

    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    os.write(fd, b"\0" * FILE_BYTES)
    os.fsync(fd)
    offset = 0

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        nonlocal offset
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        os.pwrite(fd, body, offset)
        offset = (offset + 4096) % FILE_BYTES
        os.fdatasync(fd)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"{}"})

    uvicorn.run(app, host="127.0.0.1", port=port, loop="uvloop", http="httptools", log_level="warning")


def call(url: str, op: str, payload: dict[str, Any]) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{op}",
        "Authorization": AUTHORIZATION,
        "X-Amz-Date": "20260101T000000Z",
    }
    connection.request("POST", "/", body=json.dumps(payload), headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def create_table(url: str) -> None:
    status, body = call(
        url,
        "CreateTable",
        {
            "TableName": "bench",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        },
    )
    if status != 200:
        raise SystemExit(f"CreateTable on {url}: {status} {body[:200]!r}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, body = call(url, "DescribeTable", {"TableName": "bench"})
        if status == 200 and json.loads(body)["Table"]["TableStatus"] == "ACTIVE":
            return
        time.sleep(0.2)
    raise SystemExit(f"table on {url} not ACTIVE after 60 s")


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("POST", "/", body=b"{}")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the floor did not start on {port}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--target", action="append", default=[], help="NAME=URL (a DynamoDB endpoint)")
    parser.add_argument("--pid", action="append", default=[], help="NAME=PID")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_floor(int(args.serve[0]), args.serve[1])
        return 0
    sys.path.insert(0, str(REPO / "bench"))
    from functions import free_port  # bench/functions.py, beside this script

    if not args.target:
        command = ["bash", str(REPO / "bench" / "_servers.sh"), "nubis,dynalite,dynalite-disk", "--"]
        command += [sys.executable, __file__, "--duration", str(args.duration)]
        return subprocess.run(command, check=False).returncode
    for target in args.target:
        create_table(target.partition("=")[2])
    results = REPO / "bench" / "results" / "local"
    results.mkdir(parents=True, exist_ok=True)
    out_json = results / f"fsync-floor-{time.strftime('%Y%m%d-%H%M%S')}.json"
    with tempfile.TemporaryDirectory(prefix="nubis-fsync-floor-") as tmp:
        port = free_port()
        floor = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(Path(tmp) / "floor.bin")])
        try:
            wait_port(port)
            command = [sys.executable, str(HTTP_LOAD), "--ceiling", "--baseline", "floor", "--concurrency", "1"]
            command += ["--duration", str(args.duration), "--warmup", "1", "--interleave", "--json", str(out_json)]
            command += ["--method", "POST", "--body", json.dumps({"TableName": "bench", "Item": ITEM})]
            for header in (
                "Content-Type: application/x-amz-json-1.0",
                "X-Amz-Target: DynamoDB_20120810.PutItem",
                "X-Amz-Date: 20260101T000000Z",
                f"Authorization: {AUTHORIZATION}",
            ):
                command += ["--header", header]
            command += ["--target", f"floor=http://127.0.0.1:{port}/", "--pid", f"floor={floor.pid}"]
            for target in args.target:
                command += ["--target", target]
            for pid in args.pid:
                command += ["--pid", pid]
            table = subprocess.run(command, capture_output=True, text=True, check=False)
        finally:
            floor.terminate()
            floor.wait(15)
    sys.stderr.write(table.stderr[-3000:])
    print(table.stdout)
    return table.returncode


if __name__ == "__main__":
    sys.exit(main())

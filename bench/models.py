"""bench/models.py — the client-side cost of ``nubis.models`` beside raw boto3 and PynamoDB, on one ``nubis serve``.

One command (``.venv/bin/python bench/models.py``): it starts ``nubis serve`` (repository venv, a fresh temporary
data dir, in-memory storage so that the server's share is small and steady) on a free loopback port, runs the
shared driver ``../shared/bench/models-overhead`` (``MODELS_OVERHEAD=path`` for another copy; read its header for
exactly what it measures) against it, prints the driver's markdown tables, writes them and every number to
``bench/results/local/models-<stamp>.{md,json}`` and stops the server (also on Ctrl-C or an error).

The driver runs every flavour single-threaded on the same 10-attribute item (pk, sk, name, qty, price, active, tags,
profile map, roles set, created_at; ~200 bytes) — PutItem, GetItem, and a Query returning 10 items — and reports
ops/s and the client's CPU µs per operation, then encode/decode µs per item without I/O. Flavours:

- ``client``: ``boto3.client("dynamodb")`` with hand-built attribute values — raw boto3, the ratio base;
- ``pynamodb``: a PynamoDB ``Model`` of the item;
- ``raw-http``: the driver's floor (``http.client``, SigV4 by hand, ``json``);
- ``nubis.models``: a ``Model`` of the item (``Document`` for the map) on a ``Session`` over ``Client.http``:
  ``save``, ``get``, ``query(...).all()``; encode is ``Item(**rec).to_item()``, decode ``Item.from_item``;
- ``nubis.models-async``: the same on an ``AsyncSession`` over ``AsyncClient.http``, each operation driven by
  ``run_until_complete`` on one event loop (what a sync caller pays for the async path, loop included);
- ``nubis.client``: ``nubis.client``'s ``Client`` with the hand-built attribute values: the transport alone, so
  the difference to ``nubis.models`` is the modeling layer's own cost.

Target (issue 8): ``nubis.models`` within 1.2× raw boto3 and faster than PynamoDB. ``--profile N`` (default 300;
0 skips it) adds the driver's cProfile breakdown by layer and each library's top functions.

Options: ``--duration S`` (measured seconds per cell, default 5), ``--warmup S`` (default 1), ``--profile N``,
``--flavours`` (the driver's built-ins, default ``client,pynamodb,raw-http``), ``--wait-load LOAD`` (let the driver
wait for a quieter machine). Needs ``boto3`` and ``pynamodb`` in the repository venv (``.venv/bin/pip install
pynamodb``; the driver says so if they are missing).
"""

# No ``from __future__ import annotations``: the item's model classes are local to a function, and nubis.models
# reads their annotations as objects (strings would name classes that module globals do not hold).
import argparse
import asyncio
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DRIVER = Path(
    os.environ.get("MODELS_OVERHEAD")
    or next(
        (p / "shared" / "bench" / "models-overhead" for p in REPO.parents if (p / "shared" / "bench").is_dir()),
        REPO.parent / "shared" / "bench" / "models-overhead",
    )
)
"""``../shared/bench/models-overhead`` beside the repository (or beside a parent: worktrees live deeper)."""
PYTHON = REPO / ".venv" / "bin" / "python"


def log(message: str) -> None:
    print(f"[models.py {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- flavours
# The driver imports this file by path and calls each function with its context (.endpoint, .region, .table,
# .access_key, .secret_key); see its header, "EXTENSION POINT".


def _item_model(table: str) -> tuple[Any, Any]:
    from nubis.models import Document, HashKey, Model, RangeKey

    class Profile(Document):
        city: str
        zip: str
        visits: int

    class Item(Model, table=table):
        pk: str = HashKey()
        sk: str = RangeKey()
        name: str
        qty: int
        price: float
        active: bool
        tags: list[str]
        profile: Profile
        roles: set[str]
        created_at: dt.datetime

    return Item, Profile


def _models_flavour(item: Any, profile: Any) -> dict[str, Any]:
    def new(rec: dict[str, Any]) -> Any:
        return item(**{**rec, "profile": profile(**rec["profile"])})

    def to_record(m: Any) -> dict[str, Any]:
        p = m.profile
        return {
            "pk": m.pk,
            "sk": m.sk,
            "name": m.name,
            "qty": m.qty,
            "price": m.price,
            "active": m.active,
            "tags": list(m.tags),
            "profile": {"city": p.city, "zip": p.zip, "visits": p.visits},
            "roles": set(m.roles),
            "created_at": m.created_at,
        }

    return {
        "package": "nubis",
        "to_record": to_record,
        "encode": lambda rec: new(rec).to_item(),
        "decode": item.from_item,
        "new": new,
    }


def nubis_models(ctx: Any) -> dict[str, Any]:
    from nubis.client import Client
    from nubis.models import Session

    item, profile = _item_model(ctx.table)
    client = Client.http(ctx.endpoint, ctx.region, (ctx.access_key, ctx.secret_key))
    db = Session(client)
    flavour = _models_flavour(item, profile)
    new = flavour.pop("new")
    return {
        **flavour,
        "name": "nubis.models",
        "put": lambda rec: db.save(new(rec)),
        "get": lambda pk, sk: db.get(item, pk, sk),
        "query": lambda pk: db.query(item, pk).all(),
        "close": client.close,
    }


def nubis_models_async(ctx: Any) -> dict[str, Any]:
    from nubis.client import AsyncClient
    from nubis.models import AsyncSession

    item, profile = _item_model(ctx.table)
    loop = asyncio.new_event_loop()
    client = AsyncClient.http(ctx.endpoint, ctx.region, (ctx.access_key, ctx.secret_key))
    db = AsyncSession(client)
    flavour = _models_flavour(item, profile)
    new = flavour.pop("new")
    flavour.pop("encode")  # the codec is the sync flavour's: one row is enough
    flavour.pop("decode")
    run = loop.run_until_complete

    def close() -> None:
        run(client.aclose())
        loop.close()

    return {
        **flavour,
        "name": "nubis.models-async",
        "put": lambda rec: run(db.save(new(rec))),
        "get": lambda pk, sk: run(db.get(item, pk, sk)),
        "query": lambda pk: run(db.query(item, pk).all()),
        "close": close,
    }


def nubis_client(ctx: Any) -> dict[str, Any]:
    """``nubis.client`` with hand-built attribute values: the transport without the modeling layer."""
    from nubis.client import Client

    driver = sys.modules["__main__"]  # the models-overhead script: its to_av / from_av are the hand-built codec
    client = Client.http(ctx.endpoint, ctx.region, (ctx.access_key, ctx.secret_key))
    table = ctx.table

    def get(pk: str, sk: str) -> dict[str, Any]:
        return driver.from_av(client.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}})["Item"])

    def query(pk: str) -> list[dict[str, Any]]:
        out = client.query(
            TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}}
        )
        return [driver.from_av(i) for i in out["Items"]]

    return {
        "name": "nubis.client",
        "package": "nubis",
        "put": lambda rec: client.put_item(TableName=table, Item=driver.to_av(rec)),
        "get": get,
        "query": query,
        "to_record": lambda r: r,
        "close": client.close,
    }


# --------------------------------------------------------------------------------------------- the run
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nubis serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    raise RuntimeError(f"nubis serve did not answer in {timeout}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per cell (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per cell (default 1)")
    parser.add_argument("--profile", type=int, default=300, help="ops per cell under cProfile (default 300; 0: off)")
    parser.add_argument("--flavours", default="client,pynamodb,raw-http", help="the driver's built-in flavours")
    parser.add_argument("--wait-load", type=float, help="the driver waits for a 1-min load average below this")
    args = parser.parse_args()
    if not DRIVER.exists():
        raise SystemExit(f"the driver {DRIVER} is missing (MODELS_OVERHEAD=path)")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = REPO / "bench" / "results" / "local"
    results.mkdir(parents=True, exist_ok=True)
    out_md, out_json = results / f"models-{stamp}.md", results / f"models-{stamp}.json"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))}
    tmp = Path(tempfile.mkdtemp(prefix="nubis-bench-models-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(PYTHON), "-m", "nubis", "serve", "--port", str(port), "--data-dir", str(tmp / "data")]
    command += ["--storage", "memory:", "--log-level", "warning"]
    log(f"starting nubis serve on {url}")
    with open(tmp / "nubis.log", "wb") as server_log:
        server = subprocess.Popen(command, cwd=tmp, env=env, stdout=server_log, stderr=subprocess.STDOUT)
    try:
        wait_up(url, server)
        me = Path(__file__).resolve()
        driver = [str(PYTHON), str(DRIVER), "--endpoint", url, "--flavours", args.flavours]
        for flavour in ("nubis_models", "nubis_models_async", "nubis_client"):
            driver += ["--flavour", f"{me}:{flavour}"]
        driver += ["--duration", str(args.duration), "--warmup", str(args.warmup), "--json", str(out_json)]
        driver += ["--server-pid", str(server.pid)]
        if args.profile:
            driver += ["--profile", str(args.profile)]
        if args.wait_load:
            driver += ["--wait-load", str(args.wait_load)]
        log("running " + " ".join(driver[1:3]) + " ...")
        table = subprocess.run(driver, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    header = (
        f"commit {commit.strip()}{' + uncommitted changes' if dirty.strip() else ''}; nubis serve --storage memory:\n\n"
    )
    text = header + table
    out_md.write_text(text)
    sys.stdout.write(text)
    log(f"wrote {out_md} and {out_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

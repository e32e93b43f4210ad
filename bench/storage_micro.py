"""Micro-benchmark of the storage backends: get, put through ``write()`` and a 10-row Query, one thread and 32.

Measures the storage layer alone (no engine, no wire): what a backend costs per operation, and how much group
commit buys when many requests write at once. Run: ``.venv/bin/python bench/storage_micro.py [--seconds 1.0]``.
Prints one table; no number here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from nubis.tables.keys import partition_hash
from nubis.tables.storage.base import Storage, WriteView
from nubis.tables.storage.memory import MemoryStorage
from nubis.tables.storage.sqlite import SqliteStorage

SPACE = 1
PARTITIONS = 2000
ROWS_PER_PARTITION = 10
VALUE = b'{"pk":{"S":"user#00001"},"sk":{"S":"order#0001"},"total":{"N":"12.5"},"note":{"S":"' + b"x" * 120 + b'"}}'
PKS = [b"user#%05d" % i for i in range(PARTITIONS)]
HASHES = [partition_hash(pk) for pk in PKS]


def load(storage: Storage) -> None:
    def fn(w: WriteView) -> None:
        for pk, h in zip(PKS, HASHES, strict=True):
            for j in range(ROWS_PER_PARTITION):
                w.put(SPACE, h, pk, b"order#%04d" % j, VALUE)
        w.add_stats(SPACE, PARTITIONS * ROWS_PER_PARTITION, PARTITIONS * ROWS_PER_PARTITION * len(VALUE))

    storage.write(fn)


def op_get(storage: Storage, rng: random.Random, thread: int, n: int) -> None:
    i = rng.randrange(PARTITIONS)
    with storage.read() as r:
        r.get(SPACE, HASHES[i], PKS[i], b"order#%04d" % rng.randrange(ROWS_PER_PARTITION))


def op_query(storage: Storage, rng: random.Random, thread: int, n: int) -> None:
    i = rng.randrange(PARTITIONS)
    with storage.read() as r:
        rows = list(r.query(SPACE, HASHES[i], PKS[i]))
    assert len(rows) == ROWS_PER_PARTITION


def op_put(storage: Storage, rng: random.Random, thread: int, n: int) -> None:
    pk = b"bench#%d#%d" % (thread, n)
    h = partition_hash(pk)

    def fn(w: WriteView) -> None:
        w.put(SPACE + 1, h, pk, b"", VALUE)
        w.add_stats(SPACE + 1, 1, len(VALUE))

    storage.write(fn)


Op = Callable[[Storage, random.Random, int, int], None]


def run(storage: Storage, op: Op, threads: int, seconds: float) -> tuple[float, float]:
    """(ops per second overall, mean latency in µs per op) over about ``seconds`` of wall time."""
    counts = [0] * threads
    latency = [0.0] * threads
    start_gate = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def worker(t: int) -> None:
        rng = random.Random(t)
        start_gate.wait()
        n = 0
        began = time.perf_counter()
        while True:
            op(storage, rng, t, n)
            n += 1
            if n % 16 == 0 and time.perf_counter() >= stop_at[0]:
                break
        latency[t] = time.perf_counter() - began
        counts[t] = n

    workers = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start_gate.wait()
    for w in workers:
        w.join()
    wall = time.perf_counter() - began
    total = sum(counts)
    return total / wall, 1e6 * sum(latency) / total


def commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    except OSError:
        return "?"
    return out.stdout.strip() or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="wall time per cell")
    parser.add_argument("--dir", default=None, help="folder for the SQLite files (default: a temporary folder)")
    args = parser.parse_args()

    print(
        f"# storage_micro  python {platform.python_version()}  sqlite {sqlite3.sqlite_version}  "
        f"{platform.machine()} x{os.cpu_count()}  commit {commit()}  {args.seconds:g}s per cell"
    )
    print(f"# {PARTITIONS * ROWS_PER_PARTITION} rows of {len(VALUE)} bytes preloaded; put writes one new row + stats")
    header = f"{'backend':<16} {'op':<10} {'threads':>7} {'ops/s':>10} {'µs/op':>9} {'commits':>8}"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        backends: list[tuple[str, Callable[[], Storage]]] = [
            ("memory", MemoryStorage),
            ("sqlite full", lambda: SqliteStorage(str(Path(folder) / "full.db"))),
            ("sqlite relaxed", lambda: SqliteStorage(str(Path(folder) / "relaxed.db"), durability="relaxed")),
        ]
        for name, factory in backends:
            storage = factory()
            try:
                load(storage)
                for op_name, op in (("get", op_get), ("put", op_put), ("query 10", op_query)):
                    for threads in (1, 32):
                        before = getattr(storage, "commit_count", None)
                        ops, micros = run(storage, op, threads, args.seconds)
                        after = getattr(storage, "commit_count", None)
                        commits = "" if before is None or op_name != "put" else str(after - before)
                        print(f"{name:<16} {op_name:<10} {threads:>7} {ops:>10,.0f} {micros:>9.1f} {commits:>8}")
                        sys.stdout.flush()
            finally:
                storage.close()


if __name__ == "__main__":
    main()

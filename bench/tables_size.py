#!/usr/bin/env python3
"""bench/tables_size.py — does Nubis stay fast and small as a table grows? (10k vs 1M items)

For each size (default 10,000 and 1,000,000 items) it:

1. loads a fresh data directory *directly through the engine* (``nubis.server.open_engine`` +
   ``Engine.execute("BatchWriteItem", ...)`` from several threads, so the storage writer group-commits them), in a
   child process, before any server runs. Items have ddb-load's shape (pk ``p%07d``, sk ``s%02d``, 10 per
   partition, ~200 B by DynamoDB's size rule), so the same wrk script can read them. Loading is set-up, not the
   thing measured: by default it opens the storage with ``durability="relaxed"`` (no fsync per group commit;
   ``--load-durability full`` to change that); the load stops after ``--max-load-seconds`` and the measurement then
   uses the whole partitions that made it in (the table says how many).
2. starts ``nubis serve`` on that directory (default durability full, one worker) on a free loopback port;
3. measures, after a warm-up, a closed loop of one keep-alive ``http.client`` connection (C=1) for
   ``--duration`` seconds each: GetItem of a uniformly random loaded key, then Query of a random partition (10
   items); every answer is checked (HTTP 200 and ``"Item"`` / ``"Count":10``). Latency is request write to end of
   body read, in this Python client (so it includes ~30-60 us of client overhead, the same at every size);
4. if wrk and ../shared/bench/ddb.lua are there, also runs wrk at C=``--wrk-conc`` (default 32) for GetItem and
   Query against the same table (ops/s and wrk's p50/p99);
5. reads the server's memory from /proc/PID/status: VmRSS (= RssAnon + RssFile: SQLite's mmap of the database
   counts in RssFile), RssAnon alone, and the peak VmHWM; sums the worker processes when there are several;
6. stops the server and deletes the data directory (``--keep`` keeps it).

Then it prints one markdown table (items | RSS | GetItem p50/p99 | Query p50/p99 | wrk C=32 | load time) and
writes every number as JSON to bench/results/local/tables-size-<stamp>.json (``--json`` to choose).
Targets (issue): latency flat from 10k to 1M; under 300 MB RSS with 1M items.

Run it with the repository's venv (it imports nubis to load):  .venv/bin/python bench/tables_size.py
Everything is bounded: each server start waits at most 120 s, each run ``--duration`` s, the load
``--max-load-seconds``; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(HERE)
LUA = os.path.realpath(os.path.join(REPO, "..", "shared", "bench", "ddb.lua"))
TABLE = "sizebench"
PER_PART = 10
PAD_LEN = 178  # as ddb-load: ~200 B per item
REGION = "us-east-1"
AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDSIZEBENCH/20250101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0f" * 32
)


def log(*a: object) -> None:
    print("[tables_size {}]".format(time.strftime("%H:%M:%S")), *a, file=sys.stderr, flush=True)


def make_item(part: int, sk: int) -> dict:
    return {"pk": {"S": f"p{part:07d}"}, "sk": {"S": f"s{sk:02d}"}, "n": {"N": "0"}, "data": {"S": "x" * PAD_LEN}}


# ------------------------------------------------------------------------------------------------ loader
def load_main(argv: list[str]) -> None:
    """Child process: create the table and load N items through the engine; print one JSON line."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--items", type=int, required=True)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--durability", default="relaxed")
    ap.add_argument("--max-seconds", type=float, default=900)
    a = ap.parse_args(argv)

    from nubis.server import open_engine
    from nubis.settings import Settings

    t_open = time.monotonic()
    engine = open_engine(Settings(data_dir=a.data_dir, durability=a.durability))
    engine.execute(
        "CreateTable",
        REGION,
        {
            "TableName": TABLE,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    nbatches = (a.items + 24) // 25
    lock = threading.Lock()
    state = {"next": 0, "done_items": 0, "retries": 0, "error": None}
    deadline = time.monotonic() + a.max_seconds
    t0 = time.monotonic()

    def worker() -> None:
        while True:
            with lock:
                b = state["next"]
                if b >= nbatches or state["error"] or time.monotonic() > deadline:
                    return
                state["next"] = b + 1
            lo, hi = b * 25, min(a.items, b * 25 + 25)
            req = {TABLE: [{"PutRequest": {"Item": make_item(i // PER_PART, i % PER_PART)}} for i in range(lo, hi)]}
            try:
                for _ in range(100):
                    out = engine.execute("BatchWriteItem", REGION, {"RequestItems": req})
                    req = out.get("UnprocessedItems") or {}
                    if not req.get(TABLE):
                        break
                    with lock:
                        state["retries"] += 1
                    time.sleep(0.01)
                else:
                    raise RuntimeError("BatchWriteItem kept returning UnprocessedItems")
            except Exception as e:
                with lock:
                    state["error"] = f"{type(e).__name__}: {e}"
                return
            with lock:
                before = state["done_items"]
                state["done_items"] += hi - lo
                if state["done_items"] // 100_000 != before // 100_000:
                    el = time.monotonic() - t0
                    n = state["done_items"]
                    log(f"  loaded {n} items in {el:.0f} s ({n / el:.0f} items/s)")

    threads = [threading.Thread(target=worker) for _ in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load_s = time.monotonic() - t0
    # Loaded items are contiguous except for batches in flight at the deadline: count whole partitions that
    # are certainly complete (every batch below `next` finished, as all threads were joined).
    desc = engine.execute("DescribeTable", REGION, {"TableName": TABLE})["Table"]
    t_close = time.monotonic()
    engine.close()
    close_s = time.monotonic() - t_close
    print(
        json.dumps(
            {
                "items_requested": a.items,
                "items_loaded": state["done_items"],
                "item_count": desc.get("ItemCount"),
                "table_bytes": desc.get("TableSizeBytes"),
                "load_s": load_s,
                "close_s": close_s,
                "open_s": t0 - t_open,
                "retries": state["retries"],
                "error": state["error"],
                "durability": a.durability,
                "threads": a.threads,
                "timed_out": state["done_items"] < a.items and not state["error"],
            }
        ),
        flush=True,
    )


# ------------------------------------------------------------------------------------------------ server
def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(conn: http.client.HTTPConnection, op: str, body: bytes) -> tuple[int, bytes]:
    conn.request(
        "POST",
        "/",
        body,
        {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810." + op,
            "X-Amz-Date": "20250101T000000Z",
            "Authorization": AUTH,
        },
    )
    r = conn.getresponse()
    return r.status, r.read()


def wait_ready(port: int, proc: subprocess.Popen, seconds: float = 120) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if proc.poll() is not None:
            raise RuntimeError(f"nubis serve exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            st, _ = call(c, "ListTables", b"{}")
            c.close()
            if st == 200:
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nubis serve did not answer in {seconds:.0f} s")


def proc_tree(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def memory(pid: int) -> dict:
    """Memory in MB, summed over the process tree (workers).

    From /proc/PID/status: VmRSS (= RssAnon + RssFile + RssShmem), VmHWM (peak). RssFile counts a file page once
    per mapping that has it resident, and SQLite maps the database once per connection (writer + each reader
    thread), so the same page-cache page can count several times. From /proc/PID/smaps_rollup: Pss, Pss_Anon and
    Pss_File (a page mapped N times counts 1/N each time: the physical memory attributable to the process).
    db_mappings: how many separate mappings of the database file the process holds, and their summed Rss.
    """
    tot = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0, "RssShmem": 0, "VmHWM": 0}
    roll = {"Pss": 0, "Pss_Anon": 0, "Pss_File": 0}
    db_maps = db_rss = 0
    for p in proc_tree(pid):
        for path, wanted in ((f"/proc/{p}/status", tot), (f"/proc/{p}/smaps_rollup", roll)):
            try:
                with open(path) as f:
                    for line in f:
                        k, _, v = line.partition(":")
                        if k in wanted:
                            wanted[k] += int(v.split()[0])
            except (OSError, ValueError):
                pass
        try:
            with open(f"/proc/{p}/smaps") as f:
                in_db = False
                for line in f:
                    first = line.split(" ", 1)[0]
                    if "-" in first and not first.endswith(":"):  # a mapping's header line
                        in_db = line.rstrip().endswith("tables.db")
                        db_maps += in_db
                    elif in_db and first == "Rss:":
                        db_rss += int(line.split()[1])
        except (OSError, ValueError):
            pass
    out = {k: v / 1024 for k, v in {**tot, **roll}.items()}
    out["db_mappings"] = db_maps
    out["db_mappings_rss"] = db_rss / 1024
    return out


def cpu_seconds(pid: int) -> float:
    tck = os.sysconf("SC_CLK_TCK")
    s = 0.0
    for p in proc_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            s += (int(rest[11]) + int(rest[12])) / tck
        except (OSError, IndexError, ValueError):
            pass
    return s


# ------------------------------------------------------------------------------------------------ clients
def pct(sorted_us: list[float], q: float) -> float:
    if not sorted_us:
        return float("nan")
    return sorted_us[min(len(sorted_us) - 1, int(q * len(sorted_us)))]


def closed_loop(port: int, op: str, nparts: int, seconds: float) -> dict:
    """One keep-alive connection, one request at a time, for `seconds`; latencies in ms."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    rnd = random.Random(12345)
    lat: list[float] = []
    errors = 0
    err_sample = None
    t_end = time.monotonic() + seconds
    t0 = time.monotonic()
    while time.monotonic() < t_end:
        part = rnd.randrange(nparts)
        if op == "GetItem":
            sk = rnd.randrange(PER_PART)
            body = f'{{"TableName":"{TABLE}","Key":{{"pk":{{"S":"p{part:07d}"}},"sk":{{"S":"s{sk:02d}"}}}}}}'.encode()
            want = b'"Item"'
        else:
            body = (
                f'{{"TableName":"{TABLE}","KeyConditionExpression":"pk = :p",'
                f'"ExpressionAttributeValues":{{":p":{{"S":"p{part:07d}"}}}}}}'
            ).encode()
            want = f'"Count":{PER_PART}'.encode()
        s = time.perf_counter_ns()
        try:
            st, data = call(conn, op, body)
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            errors += 1
            err_sample = err_sample or repr(e)
            continue
        e_ns = time.perf_counter_ns() - s
        if st != 200 or want not in data.replace(b" ", b""):
            errors += 1
            err_sample = err_sample or (f"HTTP {st} " + data[:300].decode("utf-8", "replace"))
            continue
        lat.append(e_ns / 1e6)
    wall = time.monotonic() - t0
    conn.close()
    lat.sort()
    return {
        "op": op,
        "n": len(lat),
        "ops_s": len(lat) / wall,
        "errors": errors,
        "error_sample": err_sample,
        "p50_ms": pct(lat, 0.50),
        "p90_ms": pct(lat, 0.90),
        "p99_ms": pct(lat, 0.99),
        "p999_ms": pct(lat, 0.999),
        "max_ms": lat[-1] if lat else float("nan"),
    }


def wrk_run(port: int, workload: str, nparts: int, conc: int, seconds: int) -> dict | None:
    if not (shutil.which("wrk") and os.path.exists(LUA)):
        return None
    threads = 1 if conc == 1 else 2
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(conc),
        "-d",
        f"{seconds}s",
        "--timeout",
        f"{max(2, seconds)}s",
        "--latency",
        "-s",
        LUA,
        f"http://127.0.0.1:{port}",
        "--",
        workload,
        TABLE,
        str(nparts),
        str(PER_PART),
        f"sz{random.getrandbits(16):04x}",
        "1",
        REGION,
        time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        "100",
        str(PAD_LEN),
    ]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    except subprocess.TimeoutExpired:
        return {"failed": "wrk timed out"}
    line = next((ln for ln in out.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        return {"failed": "no WRKJSON line", "output": out[-1000:]}
    w = json.loads(line[len("WRKJSON ") :])
    dur = w["duration_us"] / 1e6
    errors = w["non2xx"] + w["bad"] + w["connect"] + w["read"] + w["write"] + w["timeout"]
    ok = w["requests"] - w["non2xx"] - w["bad"]
    return {
        "workload": workload,
        "conc": conc,
        "ops_s": ok / dur if dur else 0.0,
        "errors": errors,
        "p50_ms": w["p50_us"] / 1e3,
        "p99_ms": w["p99_us"] / 1e3,
        "requests": w["requests"],
    }


def dir_mb(path: str) -> float:
    tot = 0
    for root, _, files in os.walk(path):
        for fn in files:
            try:
                tot += os.path.getsize(os.path.join(root, fn))
            except OSError:
                pass
    return tot / 2**20


# ------------------------------------------------------------------------------------------------ one size
def run_size(a: argparse.Namespace, items: int) -> dict:
    res: dict = {"items_requested": items}
    data_dir = tempfile.mkdtemp(prefix=f"nubis-size-{items}-", dir=a.tmp)
    proc = None
    try:
        log(
            f"{items} items: loading through the engine into {data_dir} ({a.loaders} threads, "
            f"durability {a.load_durability}, at most {a.max_load_seconds} s)"
        )
        t0 = time.monotonic()
        lp = subprocess.run(
            [
                sys.executable,
                os.path.realpath(__file__),
                "_load",
                "--data-dir",
                data_dir,
                "--items",
                str(items),
                "--threads",
                str(a.loaders),
                "--durability",
                a.load_durability,
                "--max-seconds",
                str(a.max_load_seconds),
            ],
            stdout=subprocess.PIPE,
            text=True,
            timeout=a.max_load_seconds + 600,
        )
        res["load_wall_s"] = time.monotonic() - t0
        if lp.returncode != 0 or not lp.stdout.strip():
            res["failed"] = f"loader exit {lp.returncode}"
            return res
        load = json.loads(lp.stdout.strip().splitlines()[-1])
        res["load"] = load
        if load["error"]:
            res["failed"] = "load error: " + load["error"]
            log("  load FAILED: {}".format(load["error"]))
            return res
        loaded = load["items_loaded"]
        nparts = loaded // PER_PART
        res["items"] = loaded
        res["nparts"] = nparts
        res["db_mb"] = dir_mb(data_dir)
        timed_out = " — TIMED OUT" if load["timed_out"] else ""
        log(
            f"  loaded {loaded} items in {load['load_s']:.1f} s ({loaded / load['load_s']:.0f} items/s){timed_out};"
            f" data dir {res['db_mb']:.0f} MB"
        )
        if nparts == 0:
            res["failed"] = "nothing loaded"
            return res

        port = free_port()
        cmd = [
            a.nubis,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            data_dir,
            "--log-level",
            "warning",
        ] + (["--workers", str(a.workers)] if a.workers > 1 else [])
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(a.tmp, f"serve-{items}.log"), "w"),
            start_new_session=True,
        )
        try:
            res["startup_s"] = wait_ready(port, proc)
        except RuntimeError:
            with open(os.path.join(a.tmp, f"serve-{items}.log")) as f:
                log("  nubis serve log:\n" + f.read()[-3000:])
            raise
        res["pid"] = proc.pid
        res["mem_idle"] = memory(proc.pid)
        log(
            "  server up in {:.1f} s; RSS {:.0f} MB (anon {:.0f}, file {:.0f})".format(
                res["startup_s"], res["mem_idle"]["VmRSS"], res["mem_idle"]["RssAnon"], res["mem_idle"]["RssFile"]
            )
        )

        closed_loop(port, "GetItem", nparts, a.warmup)
        for op in ("GetItem", "Query"):
            c0 = cpu_seconds(proc.pid)
            r = closed_loop(port, op, nparts, a.duration)
            r["server_cpu_us_per_op"] = (cpu_seconds(proc.pid) - c0) / max(1, r["n"]) * 1e6
            res[op] = r
            eg = ("  e.g. " + r["error_sample"]) if r["error_sample"] else ""
            log(
                f"  {op:<8} C=1: {r['ops_s']:6.0f} ops/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  "
                f"errors {r['errors']}{eg}"
            )
        res["mem_after_c1"] = memory(proc.pid)
        if a.wrk_conc:
            for wl in ("get", "query"):
                w = wrk_run(port, wl, nparts, a.wrk_conc, a.duration)
                if w is None:
                    log(f"  (wrk or {LUA} missing: no C={a.wrk_conc} runs)")
                    break
                res["wrk_" + wl] = w
                if "failed" in w:
                    log(f"  wrk {wl} C={a.wrk_conc} FAILED: {w['failed']}")
                else:
                    log(
                        f"  wrk {wl:<5} C={a.wrk_conc}: {w['ops_s']:6.0f} ops/s  p50 {w['p50_ms']:.2f} ms  "
                        f"p99 {w['p99_ms']:.2f} ms  errors {w['errors']}"
                    )
        res["mem_end"] = memory(proc.pid)
        log(
            f"  Pss {res['mem_end']['Pss']:.0f} MB (anon {res['mem_end']['Pss_Anon']:.0f}, file "
            f"{res['mem_end']['Pss_File']:.0f}); {res['mem_end']['db_mappings']} mappings of tables.db with "
            f"{res['mem_end']['db_mappings_rss']:.0f} MB resident in all"
        )
        log(
            "  RSS at end {:.0f} MB (anon {:.0f}, file {:.0f}); peak (VmHWM) {:.0f} MB".format(
                res["mem_end"]["VmRSS"], res["mem_end"]["RssAnon"], res["mem_end"]["RssFile"], res["mem_end"]["VmHWM"]
            )
        )
        return res
    except Exception as e:  # one size failing must not lose the others
        res["failed"] = f"{type(e).__name__}: {e}"
        log("  FAILED: {}".format(res["failed"]))
        return res
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(20)
            except (OSError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                proc.wait(10)
        if a.keep:
            log(f"  kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


# ------------------------------------------------------------------------------------------------ output
def fmt(x: float) -> str:
    return f"{x:.0f}" if x >= 100 else (f"{x:.1f}" if x >= 10 else f"{x:.2f}")


def render(rows: list[dict], a: argparse.Namespace) -> str:
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    plural = "s" if a.workers > 1 else ""
    out = [
        f"tables_size — {started}; {os.cpu_count()} cores; nubis serve (durability full, {a.workers} worker{plural}),"
        f" fresh data dir per size; C=1: one keep-alive http.client connection, {a.duration} s per op after"
        f" {a.warmup} s warm-up (latency includes this Python client); wrk C={a.wrk_conc}: ddb.lua, {a.duration} s;"
        " RSS = VmRSS of the server after all runs (anon + file-backed: SQLite maps the database once per"
        " connection, so a cached page can count once per mapping); Pss counts each such page once;"
        f" load: through the engine, {a.loaders} threads, durability {a.load_durability}.",
        "",
    ]
    c = a.wrk_conc
    out.append(
        "| items | RSS MB (anon / file) | Pss MB (anon / file) | peak RSS MB | GetItem p50 / p99 ms | "
        "Query p50 / p99 ms | "
        f"GetItem ops/s C=1 | Query ops/s C=1 | GetItem C={c} ops/s (p50 / p99 ms) | "
        f"Query C={c} ops/s (p50 / p99 ms) | load time (items/s) | data dir MB |"
    )
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    notes = []
    for r in rows:
        if "mem_end" not in r:
            out.append(
                "| {} | FAILED: {} |  |  |  |  |  |  |  |  |  |  |".format(
                    "{:,}".format(r["items_requested"]), r.get("failed", "incomplete")
                )
            )
            continue
        m = r["mem_end"]

        def c1(r: dict, op: str) -> str:
            x = r[op]
            s = "{} / {}".format(fmt(x["p50_ms"]), fmt(x["p99_ms"]))
            if x["errors"]:
                s += f" ⚠{x['errors']} err"
                notes.append(f"{r['items']} items {op}: {x['errors']} errors, e.g. {x['error_sample']}")
            return s

        def w(r: dict, key: str) -> str:
            x = r.get(key)
            if not x:
                return "—"
            if "failed" in x:
                return "FAILED"
            s = "{:,.0f} ({} / {})".format(x["ops_s"], fmt(x["p50_ms"]), fmt(x["p99_ms"]))
            if x["errors"]:
                s += f" ⚠{x['errors']} err"
            return s

        ld = r["load"]
        items = "{:,}".format(r["items"]) + (
            " (of {:,}; load timed out)".format(r["items_requested"]) if ld["timed_out"] else ""
        )
        out.append(
            (
                "| {} | {:.0f} ({:.0f} / {:.0f}) | {:.0f} ({:.0f} / {:.0f}) | {:.0f} | {} | {} | {} | {} | {} | {} "
                "| {:.1f} s ({}) | {:.0f} |"
            ).format(
                items,
                m["VmRSS"],
                m["RssAnon"],
                m["RssFile"],
                m["Pss"],
                m["Pss_Anon"],
                m["Pss_File"],
                m["VmHWM"],
                c1(r, "GetItem"),
                c1(r, "Query"),
                "{:,.0f}".format(r["GetItem"]["ops_s"]),
                "{:,.0f}".format(r["Query"]["ops_s"]),
                w(r, "wrk_get"),
                w(r, "wrk_query"),
                ld["load_s"],
                "{:,.0f}".format(r["items"] / ld["load_s"]),
                r["db_mb"],
            )
        )
    out.append("")
    out.append("Targets: latency flat from 10k to 1M items; under 300 MB RSS with 1M items. Errors:")
    out.extend(("- ⚠ " + n) for n in notes) if notes else out.append("- none")
    return "\n".join(out) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_load":
        load_main(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="10000,1000000", help="comma list of item counts (multiples of 10)")
    ap.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--loaders", type=int, default=4, help="threads calling Engine.execute while loading")
    ap.add_argument("--load-durability", choices=["full", "relaxed"], default="relaxed")
    ap.add_argument("--max-load-seconds", type=int, default=900)
    ap.add_argument("--workers", type=int, default=1, help="nubis serve --workers")
    ap.add_argument("--wrk-conc", type=int, default=32, help="wrk connections (0: skip the wrk runs)")
    ap.add_argument("--nubis", default=os.path.join(REPO, ".venv", "bin", "nubis"))
    ap.add_argument("--tmp", default=None, help="where the data directories go (default: a new temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the data directories")
    ap.add_argument("--json", help="output file (default bench/results/local/tables-size-<stamp>.json)")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",") if x]
    own_tmp = a.tmp is None
    a.tmp = a.tmp or tempfile.mkdtemp(prefix="nubis-size-")
    try:
        rows = [run_size(a, n) for n in sizes]
    finally:
        if own_tmp and not a.keep:
            shutil.rmtree(a.tmp, ignore_errors=True)
    text = render(rows, a)
    sys.stdout.write(text)
    path = a.json or os.path.join(
        HERE, "results", "local", "tables-size-{}.json".format(time.strftime("%Y%m%d-%H%M%S"))
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"argv": sys.argv, "rows": rows, "table_markdown": text}, f, indent=1, default=str)
    log(f"wrote {path}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""bench/tables_extra.py — TransactWriteItems (4 actions) and GSI Query: Nubis beside moto and dynalite.

The rows ddb-load (../shared/bench/ddb-load, driven by bench/tables.sh) does not have. One command:

    bench/tables_extra.py                                   # nubis, moto, dynalite: ~5 min on 2 cores
    bench/tables_extra.py --targets nubis,dynalite --duration 5 --concurrency 32

1. Servers: without ``--target`` it runs itself again through ``bench/_servers.sh`` (the same setup and
   start/stop code as bench/tables.sh): that installs what is missing (wrk, moto in ~/.cache/nubis-bench/venv,
   dynalite from npm), starts each of ``--targets`` on a free 127.0.0.1 port with fresh state (nubis: ``nubis
   serve``, a fresh temporary data dir, ``--durability full``; moto_server and dynalite in memory), passes them
   as ``--target NAME=URL --pid NAME=PID``, and stops them all when this ends (also on error or Ctrl-C). With
   ``--target`` it measures servers that are already running (loopback only).
2. Per target: CreateTable (pk S HASH, sk S RANGE, PAY_PER_REQUEST) with one GSI ``gsi`` (gsi_pk S HASH,
   gsi_sk S RANGE, projection ALL), waited for until the table and the index are ACTIVE; ``--items`` (10,000)
   items of ~200 B loaded with BatchWriteItem from 4 connections: item i has pk p%07d (i // 10), sk s%02d
   (i % 10), n 0, gsi_pk g%05d (i % 1000), gsi_sk t%05d (i): 10 items per table partition, and 10 per GSI
   partition, drawn from 10 different table partitions. The load is checked (GetItem, a table Query and a GSI
   Query returning the right 10 items). Then one probe TransactWriteItems (a single Put): a server that
   answers it with UnknownOperationException (dynalite, which has no transactions) gets "not supported" in its
   transaction cells; any other failure marks them FAILED.
3. Cells, each on every target in turn (interleaved: fairer on a shared machine), at every ``--concurrency``
   (1 and 32): a ``--warmup`` (2 s) wrk run that is discarded, then a ``--duration`` (10 s) measured run, with
   bench/ddb_extra.lua building the requests and checking every answer (HTTP 200 and the body's shape):
   - ``gsiq``  Query IndexName gsi, KeyConditionExpression ``gsi_pk = :g`` on a random GSI partition: the body
     must say ``"Count":10``;
   - ``txw``   TransactWriteItems of 4 actions on 4 distinct items: Update ADD n 1 on two existing items, Put of a
     new item (indexed, in GSI partitions the Query row does not read), ConditionCheck attribute_exists(pk) on a
     third existing item. The body must be a JSON object without ``__type``. Transactions in flight never share
     an item (see the lua script): this is the cost of a transaction, not of conflicts.
   Before each run the server must be idle (its CPU under 10 % of a core for 0.5 s). A run during which other
   processes on the machine used more than ``--max-other`` % of a core (from /proc/stat, minus the server and
   wrk) is marked † and run again (``--retries``, default 1), keeping the least disturbed attempt.
4. After the cells, every transaction is checked for atomicity with one Scan of each table: the n counters
   must add up to exactly twice the number of Put items (each committed transaction did both), and that number
   must lie between the 2xx answers wrk counted and those plus the requests it abandoned in flight.

Output: a markdown table (stdout; progress on stderr) with the machine, the commit and the date: per workload
and concurrency, each target's ops/s (successful answers only), p50 / p99 latency in ms (wrk's, request write to
end of response), its ratio to the first target and errors; a CPU table (server / wrk / other CPU as % of one
core, and the server's CPU time per operation, the figure least disturbed by other load) with the server's RSS;
a targets table. Every number, and wrk's output, goes to bench/results/local/tables-extra-<stamp>.json (and the
table to .md). Stdlib only, plus wrk. Bounded: every wrk run is killed after its duration + 30 s, the whole run
after a bound computed from the number of cells.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import ipaddress
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(HERE)
LUA = os.path.join(HERE, "ddb_extra.lua")
SERVERS = os.path.join(HERE, "_servers.sh")
OUT_DIR = os.path.join(HERE, "results", "local")
REGION = "us-east-1"
PAD_LEN = 155  # names 21 B + values ~24 B + data 155 = ~200 B per item, as ddb-load's
WORKLOADS = {"gsiq": "GSI Query", "txw": "TransactWriteItems ×4"}
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
LIVE: set[subprocess.Popen] = set()  # wrk processes to kill if we are stopped


def log(*a: object) -> None:
    print(f"[tables_extra {time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------ client
class Endpoint:
    """DynamoDB JSON 1.0 over http.client, with a static SigV4 header; one connection per thread."""

    def __init__(self, name: str, url: str):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "http" or not u.hostname:
            sys.exit(f"tables_extra: {url}: only http://HOST:PORT URLs")
        self.name, self.url, self.host, self.port = name, url.rstrip("/"), u.hostname, u.port or 80
        self._tls = threading.local()

    def loopback(self) -> bool:
        try:
            infos = socket.getaddrinfo(self.host, self.port, proto=socket.IPPROTO_TCP)
        except socket.gaierror:
            return False
        return all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)

    def call(self, op: str, payload: dict, timeout: float = 60) -> tuple[int, dict]:
        amzdate = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        hdrs = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810." + op,
            "X-Amz-Date": amzdate,
            "Authorization": f"AWS4-HMAC-SHA256 Credential=AKIDNUBISBENCHXTRA/{amzdate[:8]}/{REGION}/dynamodb/"
            "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0f" * 32,
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        for attempt in (1, 2):
            conn = getattr(self._tls, "conn", None)
            if conn is None:
                conn = self._tls.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                conn.request("POST", "/", body, hdrs)
                resp = conn.getresponse()
                data = resp.read()
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                self._tls.conn = None
                if attempt == 2:
                    raise
        try:
            doc = json.loads(data) if data else {}
        except ValueError:
            doc = {"_raw": data[:300].decode("utf-8", "replace")}
        return resp.status, doc

    def ok(self, op: str, payload: dict) -> dict:
        status, doc = self.call(op, payload)
        if status != 200:
            raise RuntimeError(f"{self.name} {op} -> HTTP {status} {json.dumps(doc)[:300]}")
        return doc


# ------------------------------------------------------------------------------------------ table + load
def make_item(i: int, per_part: int, ngsi: int) -> dict:
    return {
        "pk": {"S": f"p{i // per_part:07d}"},
        "sk": {"S": f"s{i % per_part:02d}"},
        "n": {"N": "0"},
        "gsi_pk": {"S": f"g{i % ngsi:05d}"},
        "gsi_sk": {"S": f"t{i:05d}"},
        "data": {"S": "x" * PAD_LEN},
    }


def create_table(ep: Endpoint, table: str) -> float:
    s = {"AttributeType": "S"}
    ep.ok(
        "CreateTable",
        {
            "TableName": table,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": a, **s} for a in ("pk", "sk", "gsi_pk", "gsi_sk")],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "gsi",
                    "KeySchema": [
                        {"AttributeName": "gsi_pk", "KeyType": "HASH"},
                        {"AttributeName": "gsi_sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    t0 = time.monotonic()
    while time.monotonic() - t0 < 120:
        d = ep.ok("DescribeTable", {"TableName": table})["Table"]
        gsis = d.get("GlobalSecondaryIndexes") or []
        if d["TableStatus"] == "ACTIVE" and gsis and all(g.get("IndexStatus", "ACTIVE") == "ACTIVE" for g in gsis):
            return time.monotonic() - t0
        time.sleep(0.05)
    raise RuntimeError(f"{ep.name}: table {table} and its GSI not ACTIVE after 120 s")


def load_items(ep: Endpoint, table: str, a: argparse.Namespace) -> float:
    items = [make_item(i, a.per_partition, a.ngsi) for i in range(a.items)]
    batches = [items[i : i + 25] for i in range(0, len(items), 25)]

    def write(batch: list[dict]) -> None:
        req = {table: [{"PutRequest": {"Item": it}} for it in batch]}
        for attempt in range(60):
            req = ep.ok("BatchWriteItem", {"RequestItems": req}).get("UnprocessedItems") or {}
            if not req.get(table):
                return
            time.sleep(min(1.0, 0.02 * (attempt + 1)))
        raise RuntimeError(f"{ep.name}: BatchWriteItem kept returning UnprocessedItems")

    t0 = time.monotonic()
    with ThreadPoolExecutor(4) as ex:
        list(ex.map(write, batches))
    return time.monotonic() - t0


def verify_load(ep: Endpoint, table: str, a: argparse.Namespace) -> None:
    last = make_item(a.items - 1, a.per_partition, a.ngsi)
    doc = ep.ok("GetItem", {"TableName": table, "Key": {"pk": last["pk"], "sk": last["sk"]}})
    if doc.get("Item", {}).get("gsi_sk") != last["gsi_sk"]:
        raise RuntimeError(f"{ep.name}: GetItem of the last loaded item did not return it")
    part = f"p{a.items // a.per_partition // 2:07d}"
    doc = ep.ok(
        "Query",
        {"TableName": table, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": part}}},
    )
    if doc.get("Count") != a.per_partition:
        raise RuntimeError(f"{ep.name}: table Query returned Count={doc.get('Count')!r}, want {a.per_partition}")
    g = a.ngsi // 2
    doc = ep.ok(
        "Query",
        {
            "TableName": table,
            "IndexName": "gsi",
            "KeyConditionExpression": "gsi_pk = :g",
            "ExpressionAttributeValues": {":g": {"S": f"g{g:05d}"}},
        },
    )
    want = [f"t{i:05d}" for i in range(g, a.items, a.ngsi)]
    got = [it["gsi_sk"]["S"] for it in doc.get("Items", [])]
    if got != want or doc.get("Count") != len(want):
        raise RuntimeError(f"{ep.name}: GSI Query returned {got[:12]} (Count={doc.get('Count')!r}), want {want}")


def probe_transactions(ep: Endpoint, table: str) -> str | None:
    """None when TransactWriteItems works; else why not ('not supported: ...' for an unknown operation)."""
    item = {"pk": {"S": "probe"}, "sk": {"S": "s00"}, "n": {"N": "0"}}
    status, doc = ep.call("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": table, "Item": item}}]})
    if status != 200:
        kind = str(doc.get("__type", "")).rsplit("#", 1)[-1]
        msg = f"HTTP {status} {kind}: {doc.get('message') or doc.get('Message') or json.dumps(doc)[:200]}"
        return ("not supported: " if "UnknownOperation" in kind else "probe failed: ") + msg
    if "Item" not in ep.ok("GetItem", {"TableName": table, "Key": {"pk": item["pk"], "sk": item["sk"]}}):
        return "probe failed: the item the transaction put is not there"
    return None


def check_transactions(ep: Endpoint, table: str, ok: int, slack: int) -> dict:
    """One Scan of the table: every committed transaction added one w-item and 2 to the n counters."""
    sum_n = puts = scanned = 0
    start = None
    while True:
        req = {"TableName": table, "ProjectionExpression": "pk, n"}
        if start:
            req["ExclusiveStartKey"] = start
        doc = ep.ok("Scan", req)
        for it in doc.get("Items", []):
            pk = it["pk"]["S"]
            if pk.startswith("p0"):
                sum_n += int(it.get("n", {}).get("N", "0"))
            elif pk.startswith("w"):
                puts += 1
        scanned += doc.get("Count", 0)
        start = doc.get("LastEvaluatedKey")
        if not start:
            break
    good = sum_n == 2 * puts and ok <= puts <= ok + slack
    return {"ok_answers": ok, "in_flight_max": slack, "put_items": puts, "sum_n": sum_n, "scanned": scanned,
            "passed": good}  # fmt: skip


# ----------------------------------------------------------------------------------------- process stats
def _stat(pid: int) -> tuple[int, int, int]:
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[21]) * PAGE  # ppid, cpu ticks, rss


def tree_usage(pid: int | None) -> tuple[float, int] | None:
    """(CPU seconds, RSS bytes) of pid and its descendants; None if gone."""
    if not pid:
        return None
    kids: dict[int, list[int]] = {}
    stats = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stats[int(d)] = st = _stat(int(d))
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(st[0], []).append(int(d))
    if pid not in stats:
        return None
    cpu = rss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        cpu += stats[p][1]
        rss += stats[p][2]
        todo.extend(kids.get(p, []))
    return cpu / CLK_TCK, rss


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / CLK_TCK  # user nice system idle iowait irq softirq steal


def drain(pid: int | None, max_s: float) -> float:
    """Wait until the server is idle (under 10 % of a core over 0.5 s); seconds waited."""
    t0 = time.monotonic()
    while pid and time.monotonic() - t0 < max_s:
        u0 = tree_usage(pid)
        time.sleep(0.5)
        u1 = tree_usage(pid)
        if not u0 or not u1 or u1[0] - u0[0] < 0.05:
            break
    return time.monotonic() - t0


# ------------------------------------------------------------------------------------------------- wrk
def run_wrk(a: argparse.Namespace, t: dict, workload: str, conc: int, seconds: int, runid: str) -> dict:
    threads = 1 if conc == 1 else 2
    amzdate = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    cmd = ["wrk", "-t", str(threads), "-c", str(conc), "-d", f"{seconds}s", "--timeout", f"{a.req_timeout}s",
           "--latency", "-s", LUA, t["url"], "--", workload, t["table"], str(a.items), str(a.per_partition),
           str(a.ngsi), str(threads), runid, REGION, amzdate, str(PAD_LEN)]  # fmt: skip
    ru0 = os.times()
    busy0 = machine_busy()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    LIVE.add(proc)
    try:
        out, _ = proc.communicate(timeout=seconds + a.req_timeout + 30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return {"failed": "wrk did not finish in time", "wrk_output": out[-2000:]}
    finally:
        LIVE.discard(proc)
    wall = time.monotonic() - t0
    busy = machine_busy() - busy0
    ru1 = os.times()
    line = next((ln for ln in out.splitlines() if ln.startswith("WRKJSON ")), None)
    if proc.returncode != 0 or line is None:
        return {"failed": f"wrk exit {proc.returncode}", "wrk_output": out[-2000:]}
    w = json.loads(line[len("WRKJSON ") :])
    w.update(threads=threads, wall_s=wall, machine_busy_s=busy)
    w["gen_cpu_s"] = (ru1.children_user - ru0.children_user) + (ru1.children_system - ru0.children_system)
    w["wrk_output"] = "\n".join(ln for ln in out.splitlines() if not ln.startswith("WRKJSON "))
    w["ok"] = max(0, w["requests"] - w["non2xx"] - w["bad"])
    return w


def measure(a: argparse.Namespace, t: dict, workload: str, conc: int, runid: str) -> dict:
    """A discarded warm-up run, then the measured run; one result row."""
    drained = [drain(t["pid"], a.drain_max)]
    row: dict = {"target": t["name"], "workload": workload, "concurrency": conc}
    if a.warmup > 0:
        wu = run_wrk(a, t, workload, conc, a.warmup, runid + "w")
        if workload == "txw":
            t["tx_ok"] += wu.get("ok", 0)
            t["tx_slack"] += conc
        row["warmup_errors"] = wu.get("failed") or sum(
            wu[k] for k in ("non2xx", "bad", "connect", "read", "write", "timeout")
        )
        drained.append(drain(t["pid"], a.drain_max))
    u0 = tree_usage(t["pid"])
    w = run_wrk(a, t, workload, conc, a.duration, runid + "m")
    u1 = tree_usage(t["pid"])
    if workload == "txw":
        t["tx_ok"] += w.get("ok", 0)
        t["tx_slack"] += conc
    row.update(loadavg=os.getloadavg(), drain_s=drained)
    if "failed" in w:
        row.update(failed=w["failed"], wrk_output=w.get("wrk_output"))
        log(f"  {t['name']:<9} {workload:<5} C={conc:<3} FAILED: {w['failed']}")
        return row
    dur = w["duration_us"] / 1e6
    sock = {k: w[k] for k in ("connect", "read", "write", "timeout")}
    errors = w["non2xx"] + w["bad"] + sum(sock.values()) + (w["requests"] == 0)
    row.update(
        threads=w["threads"], duration_s=dur, requests=w["requests"], ok=w["ok"],
        ops_s=w["ok"] / dur if dur else 0.0,
        **{f"{k}_ms": w[f"{k}_us"] / 1e3 for k in ("p50", "p90", "p99", "p999", "max", "mean")},
        errors=errors, non2xx=w["non2xx"], bad_body=w["bad"], socket_errors=sock, error_samples=w["samples"],
        gen_cpu_pct=100 * w["gen_cpu_s"] / w["wall_s"], machine_cpu_pct=100 * w["machine_busy_s"] / w["wall_s"],
        wrk_output=w["wrk_output"],
    )  # fmt: skip
    if u0 and u1:
        row["server_cpu_pct"] = 100 * (u1[0] - u0[0]) / w["wall_s"]
        row["server_rss_mb"] = u1[1] / 2**20
        if row["ok"]:
            row["server_cpu_us_per_op"] = 1e4 * row["server_cpu_pct"] / row["ops_s"]
        row["other_cpu_pct"] = max(0.0, row["machine_cpu_pct"] - row["server_cpu_pct"] - row["gen_cpu_pct"])
    log(
        f"  {t['name']:<9} {workload:<5} C={conc:<3} {row['ops_s']:8.0f} ops/s  p50 {row['p50_ms']:7.2f} ms  "
        f"p99 {row['p99_ms']:8.2f} ms  err {errors}  cpu%: srv {row.get('server_cpu_pct', -1):.0f} "
        f"wrk {row['gen_cpu_pct']:.0f} other {row.get('other_cpu_pct', -1):.0f}"
    )
    return row


def measure_cell(a: argparse.Namespace, t: dict, workload: str, conc: int) -> dict:
    """measure(), again (up to --retries times) while other processes used more than --max-other % of a core;
    keeps the least disturbed attempt."""
    attempts = []
    for i in range(1 + a.retries):
        runid = f"{t['runid']}{workload}{conc}a{i}"
        row = measure(a, t, workload, conc, runid)
        attempts.append(row)
        other = row.get("other_cpu_pct")
        if "failed" in row or other is None or other <= a.max_other:
            break
        if i < a.retries:
            log(f"  disturbed: other processes used {other:.0f}% of a core (> {a.max_other}%); again in 10 s")
            time.sleep(10)
    best = min(attempts, key=lambda r: r.get("other_cpu_pct", 0.0))
    best["disturbed"] = best.get("other_cpu_pct", 0.0) > a.max_other
    keys = ("ops_s", "p50_ms", "p99_ms", "errors", "server_cpu_us_per_op", "other_cpu_pct")
    best["attempts"] = [{k: r.get(k) for k in keys} for r in attempts]
    return best


# ---------------------------------------------------------------------------------------------- output
def fmt_ms(x: float) -> str:
    return f"{x:.0f}" if x >= 100 else (f"{x:.1f}" if x >= 10 else f"{x:.2f}")


def fmt_ratio(x: float) -> str:
    return f"{x:.0f}×" if x >= 100 else f"{x:.1f}×" if x >= 10 else f"{x:.2f}×" if x >= 0.1 else f"{x:.2g}×"


def machine() -> dict:
    cpu, mem = "?", 0
    with open("/proc/cpuinfo") as f:
        cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    with open("/proc/meminfo") as f:
        mem = next((int(ln.split()[1]) for ln in f if ln.startswith("MemTotal:")), 0)
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gb": mem / 2**20, "kernel": os.uname().release}


def git_info() -> dict:
    def git(*args: str) -> str:
        r = subprocess.run(["git", "--no-optional-locks", "-C", REPO, *args], capture_output=True, text=True)
        return r.stdout.rstrip() if r.returncode == 0 else "?"

    changed = [ln[3:] for ln in git("status", "--porcelain", "--untracked-files=no").splitlines() if ln]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "modified_files": changed}


def render(meta: dict, targets: list[dict], rows: list[dict]) -> str:
    names = [t["name"] for t in targets]
    base = names[0]
    by = {(r["target"], r["workload"], r["concurrency"]): r for r in rows}
    m = meta["machine"]
    mod = meta["git"]["modified_files"]
    out = [
        f"tables_extra — {meta['started']}; commit {meta['git']['commit']}"
        + (f" + uncommitted changes in {len(mod)} files ({', '.join(mod[:6])}{', …' if len(mod) > 6 else ''})"
           if mod else "")
        + f"; {m['nproc']} × {m['cpu']}, {m['mem_gb']:.1f} GB, Linux {m['kernel']}; {meta['items']} items/target"
        f" (~200 B, {meta['per_partition']} per table partition, {meta['items'] // meta['ngsi']} per GSI partition);"
        f" {meta['duration']} s measured after {meta['warmup']} s warm-up, wrk 1 thread at C=1, 2 above;"
        f" interleaved; nubis --durability {meta['durability']}; load avg (1 min) {meta['loadavg_start'][0]:.2f}"
        f" at start, {meta['loadavg_end'][0]:.2f} at end.",
        "",
    ]  # fmt: skip
    head = ["workload", "C"]
    for n in names:
        head += [f"{n} ops/s", f"{n} p50 / p99 ms"] + ([f"{n} ÷ {base}"] if n != base else [])
    out += ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|"]
    notes = []
    cells = [(w, c) for w in WORKLOADS if w in meta["workloads"] for c in meta["concurrency"]]
    for wl, c in cells:
        line = [WORKLOADS[wl], str(c)]
        b = by.get((base, wl, c))
        for n in names:
            r = by.get((n, wl, c))
            good = r is not None and "failed" not in r and "unsupported" not in r and r["requests"] > 0
            if r is None:
                cell = "—"
            elif "unsupported" in r:
                cell = "not supported" if r["unsupported"].startswith("not supported") else "FAILED"
            elif "failed" in r:
                cell = "FAILED"
            else:
                cell = f"{r['ops_s']:,.0f}" if r["ops_s"] >= 10 else f"{r['ops_s']:.2g}"
                cell += f" ⚠{r['errors']} err" if r["errors"] else ""
                cell += " †" if r.get("disturbed") else ""
            line += [cell, f"{fmt_ms(r['p50_ms'])} / {fmt_ms(r['p99_ms'])}" if good else "—"]
            if n != base:
                bgood = b is not None and "failed" not in b and "unsupported" not in b and b.get("ops_s")
                line.append(fmt_ratio(r["ops_s"] / b["ops_s"]) if good and bgood else "—")
            if r and ("failed" in r or "unsupported" in r):
                notes.append(f"{n} {WORKLOADS[wl]} C={c}: {r.get('unsupported') or r['failed']}")
            elif r and r["errors"]:
                se = r["socket_errors"]
                what = [
                    f"{r['non2xx']} non-2xx",
                    f"{r['bad_body']} bad bodies",
                    f"{se['timeout']} timeouts (no answer in {meta['req_timeout']} s)",
                    f"{se['connect'] + se['read'] + se['write']} socket errors",
                ]
                what = [x for x in what if not x.startswith("0 ")]
                first = "; ".join(r["error_samples"])[:300]
                notes.append(
                    f"{n} {WORKLOADS[wl]} C={c}: " + (
                        f"{', '.join(what)} of {r['requests']} answered requests"
                        if r["requests"] else f"no answer at all within the {r['duration_s']:.0f} s run"
                    ) + (f"; first: {first}" if first else "")
                )  # fmt: skip
        out.append("| " + " | ".join(line) + " |")
    out += [
        "",
        "ops/s counts successful answers only; p50 / p99 are wrk's latencies. † = disturbed: other processes used "
        f"more than {meta['max_other']}% of a core during the measured run (up to {meta['retries']} retries). "
        "Not measured or with errors:",
    ]
    out += [f"- {n}" for n in notes] or ["- none"]
    out += [
        "",
        f"CPU during each measured run, % of one core ({m['nproc']} cores in all): server / wrk / everything else "
        "on the machine (other jobs: high = a disturbed cell) · the server's CPU time per successful operation · "
        "the server's RSS at the end of the run:",
        "",
        "| workload | C | " + " | ".join(names) + " |",
        "|---|---|" + "---:|" * len(names),
    ]
    for wl, c in cells:
        line = [WORKLOADS[wl], str(c)]
        for n in names:
            r = by.get((n, wl, c))
            if not r or "failed" in r or "unsupported" in r or "server_cpu_pct" not in r:
                line.append("—")
                continue
            per_op = r.get("server_cpu_us_per_op")
            line.append(
                f"{r['server_cpu_pct']:.0f} / {r['gen_cpu_pct']:.0f} / {r['other_cpu_pct']:.0f} · "
                + ("—" if not per_op else f"{per_op:,.0f} µs/op")
                + f" · {r['server_rss_mb']:.0f} MB"
            )
        out.append("| " + " | ".join(line) + " |")
    out += [
        "",
        "| target | server PID | table + GSI ACTIVE | load (items/s) | RSS after load | RSS at end "
        "| transactions: atomicity check after all runs |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for t in targets:
        tx = t.get("tx_check")
        if "setup_error" in t:
            txs = "setup failed: " + t["setup_error"][:200]
        elif t.get("tx_unsupported"):
            txs = t["tx_unsupported"][:120]
        elif not tx:
            txs = "—"
        else:
            txs = (
                ("passed" if tx["passed"] else "**FAILED**")
                + f": {tx['put_items']:,} Put items, Σn = {tx['sum_n']:,} (must be 2 × Puts); "
                f"{tx['ok_answers']:,} 2xx answers, ≤ {tx['in_flight_max']} abandoned in flight"
            )
        mb = lambda v: f"{v / 2**20:.0f} MB" if v else "?"  # noqa: E731
        ld = f"{t['load_s']:.1f} s ({meta['items'] / t['load_s']:,.0f})" if t.get("load_s") else "—"
        act = f"{t['create_s']:.2f} s" if t.get("create_s") is not None else "—"
        out.append(
            f"| {t['name']} | {t.get('pid') or '?'} | {act} | {ld} | {mb(t.get('rss_after_load'))} "
            f"| {mb(t.get('rss_end'))} | {txs} |"
        )
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------ main
def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--targets", default="nubis,moto,dynalite", help="servers to start (nubis, nubis-w2, moto, dynalite)"
    )
    ap.add_argument("--target", action="append", default=[], metavar="NAME=URL", help="measure a running server")
    ap.add_argument("--pid", action="append", default=[], metavar="NAME=PID", help="its PID (CPU and RSS)")
    ap.add_argument("--workloads", default="gsiq,txw", help="comma list of gsiq, txw")
    ap.add_argument("--items", type=int, default=10000)
    ap.add_argument("--per-partition", type=int, default=10, help="items per table partition")
    ap.add_argument("--per-gsi-partition", type=int, default=10, help="items per GSI partition")
    ap.add_argument("--duration", type=int, default=10, help="measured seconds per cell")
    ap.add_argument("--warmup", type=int, default=2, help="warm-up seconds per cell")
    ap.add_argument("--concurrency", default="1,32")
    ap.add_argument("--retries", type=int, default=1, help="re-runs of a disturbed cell")
    ap.add_argument("--max-other", type=int, default=25, help="%% of a core other processes may use in a cell")
    ap.add_argument("--drain-max", type=int, default=60, help="most seconds to wait for an idle server")
    ap.add_argument("--json", help="where to write the results (default bench/results/local/...)")
    ap.add_argument("--stamp", default=time.strftime("%Y%m%d-%H%M%S"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.concurrency = [int(x) for x in a.concurrency.split(",") if x]
    a.workloads = [w.strip() for w in a.workloads.split(",") if w.strip()]
    if set(a.workloads) - set(WORKLOADS):
        ap.error(f"unknown workloads {sorted(set(a.workloads) - set(WORKLOADS))}")
    if a.items % a.per_partition or a.items % a.per_gsi_partition or a.items < 3 * 2 * max(a.concurrency):
        ap.error("--items must be a multiple of both partition sizes and hold 6 items per connection")
    a.ngsi = a.items // a.per_gsi_partition
    a.req_timeout = max(2, a.duration)
    return a


def start_servers(a: argparse.Namespace) -> None:
    """No --target: run this script again through _servers.sh, which starts --targets and stops them after."""
    n_cells = len(a.targets.split(",")) * len(a.workloads) * len(a.concurrency)
    bound = n_cells * (1 + a.retries) * (a.duration + a.warmup + 2 * a.drain_max + 10) + 900
    env = dict(os.environ, LOG_TAG="tables_extra", SERVERS_BOUND=str(bound), SERVERS_LOG_DIR=OUT_DIR)
    env["SERVERS_LOG_PREFIX"] = f"tables-extra-{a.stamp}"
    os.makedirs(OUT_DIR, exist_ok=True)
    log(f"starting {a.targets} through bench/_servers.sh; {n_cells} cells, the whole run bounded at {bound} s")
    me = os.path.realpath(__file__)
    cmd = ["bash", SERVERS, a.targets, "--", sys.executable, me, *sys.argv[1:], "--stamp", a.stamp]
    os.execvpe("bash", cmd, env)


def main() -> None:
    a = parse_args()
    if not a.target:
        start_servers(a)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not os.path.exists(LUA) or subprocess.run(["sh", "-c", "command -v wrk"], capture_output=True).returncode:
        sys.exit("tables_extra: wrk (apt-get install -y wrk, or run BENCH_SETUP_ONLY=1 bench/tables.sh) and "
                 f"{LUA} are needed")  # fmt: skip
    pids = {n: int(p) for n, _, p in (x.partition("=") for x in a.pid)}
    targets = []
    for spec in a.target:
        name, _, url = spec.partition("=")
        ep = Endpoint(name, url)
        if not ep.loopback():
            sys.exit(f"tables_extra: {url} is not a loopback address")
        runid = f"{random.getrandbits(16):04x}"
        targets.append({"name": name, "url": url, "ep": ep, "pid": pids.get(name), "runid": runid,
                        "table": f"xtra_{time.strftime('%H%M%S')}_{runid}", "tx_ok": 0, "tx_slack": 0})  # fmt: skip
    meta = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine(), "git": git_info(),
        "items": a.items, "per_partition": a.per_partition, "ngsi": a.ngsi, "duration": a.duration,
        "warmup": a.warmup, "concurrency": a.concurrency, "workloads": a.workloads, "retries": a.retries,
        "max_other": a.max_other, "req_timeout": a.req_timeout,
        "durability": os.environ.get("BENCH_DURABILITY", "full"),
        "loadavg_start": os.getloadavg(), "argv": sys.argv,
    }  # fmt: skip
    rows: list[dict] = []
    try:
        live = []
        for t in targets:
            ep = t["ep"]
            try:
                log(f"{t['name']}: {t['url']} (pid {t['pid']}): CreateTable {t['table']} with GSI gsi")
                t["create_s"] = create_table(ep, t["table"])
                t["load_s"] = load_items(ep, t["table"], a)
                verify_load(ep, t["table"], a)
                t["tx_unsupported"] = probe_transactions(ep, t["table"])
                t["rss_after_load"] = (tree_usage(t["pid"]) or (0, 0))[1]
                log(f"{t['name']}: ACTIVE after {t['create_s']:.2f} s, {a.items} items loaded in {t['load_s']:.1f} s,"
                    f" checks passed; transactions: {t['tx_unsupported'] or 'supported'}")  # fmt: skip
                live.append(t)
            except (RuntimeError, OSError, KeyError, ValueError) as e:
                t["setup_error"] = str(e)
                log(f"{t['name']}: SKIPPED: {e}")
        for wl in a.workloads:
            for c in a.concurrency:
                for t in live:
                    if wl == "txw" and t["tx_unsupported"]:
                        rows.append({"target": t["name"], "workload": wl, "concurrency": c,
                                     "unsupported": t["tx_unsupported"]})  # fmt: skip
                        continue
                    rows.append(measure_cell(a, t, wl, c))
        for t in live:
            if "txw" in a.workloads and not t["tx_unsupported"]:
                drain(t["pid"], a.drain_max)  # requests wrk abandoned may still be running
                t["tx_check"] = check_transactions(t["ep"], t["table"], t["tx_ok"], t["tx_slack"])
                log(f"{t['name']}: transactions atomicity check: {t['tx_check']}")
            u = tree_usage(t["pid"])
            t["rss_end"] = u[1] if u else None
            try:
                t["ep"].ok("DeleteTable", {"TableName": t["table"]})
            except (RuntimeError, OSError) as e:
                log(f"{t['name']}: DeleteTable failed: {e}")
        for t in targets:
            if "setup_error" in t:
                rows += [{"target": t["name"], "workload": w, "concurrency": c, "failed": "setup: " + t["setup_error"]}
                         for w in a.workloads for c in a.concurrency]  # fmt: skip
    finally:
        for p in list(LIVE):
            p.kill()
    meta["loadavg_end"] = os.getloadavg()
    text = render(meta, targets, rows)
    sys.stdout.write(text)
    os.makedirs(OUT_DIR, exist_ok=True)
    path = a.json or os.path.join(OUT_DIR, f"tables-extra-{a.stamp}.json")
    doc = {"meta": meta, "targets": [{k: v for k, v in t.items() if k != "ep"} for t in targets], "results": rows,
           "table_markdown": text}  # fmt: skip
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, default=str)
    with open(path.removesuffix(".json") + ".md", "w") as f:
        f.write(text)
    log(f"wrote {path} and .md")
    bad = [t["name"] for t in targets if "setup_error" in t or (t.get("tx_check") and not t["tx_check"]["passed"])]
    if bad:
        log(f"FAILED checks: {', '.join(bad)}")
        sys.exit(1)


if __name__ == "__main__":
    main()

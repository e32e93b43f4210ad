"""The embedded default backend: one SQLite file, durable on acknowledgement, group-committed by one writer.

Why this shape (design.md, "Durable and fast at once"):

- **One writer thread per storage.** SQLite allows one writer per file anyway; funnelling every write function
  through one thread and one connection turns that limit into an advantage. The thread takes the first queued job,
  drains whatever else is queued (up to ``group_limit``) and applies them all in one ``BEGIN IMMEDIATE`` ...
  ``COMMIT``, so a burst of N concurrent writes costs one fsync, not N. Durability costs latency, not throughput.
- **Each function is still atomic and ordered.** A function that raises before changing anything (a failed
  condition, a validation error) leaves nothing to undo, and its counter deltas are dropped; one that raises after
  writing rolls the group back, and the group runs again without it (so write functions act only through their
  view and may run more than once). The functions after it still see the writes of the ones before it, and still
  commit. No SAVEPOINT per function: the common path spends its statements on the data. A group's futures are
  resolved only once it is durable; if the commit fails, every future in the group fails.
- **No hand-off, the fsync beside.** Commits use ``synchronous=NORMAL``, which never waits for the disk, so an
  event loop's writes of one turn are committed on the loop itself when the writer is free at that moment
  (``submit_async``). ``full`` and ``pipelined`` acknowledge them once the syncer thread fsynced the WAL (one
  fsync for every commit before it); ``full`` also makes reads wait for it (``durable``). Writes made while an
  fsync runs wait for its end and go in one commit then (one commit per fsync). Checkpoints, which do
  fsync, run on a thread of their own. A ``shared`` file (several processes) under ``full`` commits on the writer
  thread with ``synchronous=FULL`` instead: another process's reader cannot wait for this one's syncer.
- **Counters are batched.** ``add_stats`` deltas are summed in memory per function, merged into the group on
  success, and written once per commit as ``items = items + ?`` (an upsert inside the write transaction), which is
  also correct when several processes share the file.
- **Readers never wait for the writer.** WAL mode gives each reader connection (one per thread) one snapshot for
  a ``BEGIN`` ... ``COMMIT`` block, pinned on entry by a tiny read (so a block sees the database as of entering
  it, as in MemoryStorage); ``query``/``scan`` hand back the live cursor (lazy, no copying) and the block closes
  any cursor left open before it ends the read transaction.
- **Hot paths build no SQL.** Every statement text is a module constant (the 18 Query variants are built once at
  import), so sqlite3's per-connection statement cache hands back prepared statements.

Several server processes may open the same file: ``busy_timeout`` makes competing ``BEGIN IMMEDIATE`` wait, the
schema migration re-checks ``user_version`` inside its own write transaction, and the catalogue version and the
space-id counter live in the database, not in memory.

Schema (``PRAGMA user_version`` = number of migrations applied)::

    rows(space, h, pk, sk, v)  PRIMARY KEY (space, h, pk, sk) WITHOUT ROWID   -- the items, in key order
    stats(space PRIMARY KEY, items, bytes)                                      -- per-space counters
    catalog(key TEXT PRIMARY KEY, value BLOB)                                   -- table descriptions, tags, ...
    meta(key TEXT PRIMARY KEY, value INTEGER)   'catalog_version', 'next_space_id'
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import queue
import sqlite3
import struct
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Final, Literal, TypeVar

from nubis.tables.storage.base import Row, SpaceStats, WriteView

logger = logging.getLogger(__name__)

T = TypeVar("T")
Durability = Literal["full", "relaxed", "pipelined"]

BUSY_TIMEOUT_MS: Final = 30_000
"""How long a write transaction waits for another process's writer before failing (several servers, one file)."""
WRITER_CACHE_KIB: Final = 64 * 1024
READER_CACHE_KIB: Final = 16 * 1024
MMAP_BYTES: Final = 0
"""No mmap: every connection (writer, each reader thread) mapped the file separately, so a 1 M-item database
showed up to 1.1 GB of RSS; plain reads through the OS page cache cost ~2 µs more per GetItem ([bench])."""
STATEMENT_CACHE: Final = 256
"""Per connection; comfortably more than the distinct statement texts below, so every one stays prepared."""
QUEUE_LIMIT: Final = 8192
"""Bound on queued write functions: a producer faster than the disk blocks instead of growing memory."""
CHECKPOINT_EVERY: Final = 200
"""Relaxed and pipelined storages: commits between background checkpoints. A small write dirties 2-3 pages, so
this keeps the WAL near SQLite's own automatic threshold (1000 pages)."""
WAL_RESTART_FRAMES: Final = 4096
"""Relaxed and pipelined storages: a WAL still longer than this (16 MiB of pages) after a checkpoint is restarted
with the writes held for a moment (see ``_Checkpointer``)."""
RESTART_WAIT_S: Final = 0.01
"""How long that restart may hold the writes waiting for readers to leave the old WAL."""
RESTART_WAIT_LONG_S: Final = 0.2
"""The same once the WAL is twice the mark: readers prevented the restarts so far."""
RESTART_WAIT_MAX_S: Final = 5.0
"""The same once the WAL is three times the mark (readers, or a starved checkpointer on a loaded machine, let it
grow): the writes wait until it restarts. Back-pressure: readers each finish within a read, so it ends."""
WAL_HOLD_FRAMES: Final = 2 * WAL_RESTART_FRAMES
"""A WAL this long after a commit (a checkpoint starved by a loaded machine or slowed by the disk, or a burst of
large commits) makes the writes wait for a checkpoint that starts after it: the hold above only comes once a
checkpoint finishes, so without this the WAL grows for as long as one runs."""
_WAL_INDEX_MX_FRAME: Final = struct.Struct("=I")
"""``mxFrame`` of the WAL-index header at the start of the ``-shm`` file (SQLite's file format, "WAL-Index
Format": native byte order, offset 16): the frames in the WAL, read with one ``pread`` per commit."""
WAL_SIZE_LIMIT: Final = 64 * 1024 * 1024
"""What a restarted WAL file is truncated to: a burst must not leave a huge file behind for good."""


# -- connection setup, one named step each --------------------------------------------------------------------


def _connect(path: str) -> sqlite3.Connection:
    # isolation_level=None: sqlite3 never opens transactions behind our back; we issue BEGIN/COMMIT ourselves.
    # check_same_thread=False: close() may run on another thread than the one that opened a reader connection.
    return sqlite3.connect(
        path,
        isolation_level=None,
        check_same_thread=False,
        cached_statements=STATEMENT_CACHE,
    )


def _set_busy_timeout(conn: sqlite3.Connection) -> None:
    # First, so that the pragmas below that need a lock (journal_mode) also wait for other processes.
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _use_wal(conn: sqlite3.Connection) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise RuntimeError(f"SQLite storage needs WAL journaling, but the database stays in {mode!r} mode")


def _set_synchronous(conn: sqlite3.Connection, durability: Durability) -> None:
    # WAL + FULL: the WAL is fsynced at every COMMIT, so an acknowledged write survives power loss.
    # WAL + NORMAL: no fsync at COMMIT; survives a process crash, may lose the last commits on power loss.
    # "pipelined" runs NORMAL and fsyncs the WAL itself before acknowledging (``_Syncer``): FULL's guarantee.
    conn.execute("PRAGMA synchronous = FULL" if durability == "full" else "PRAGMA synchronous = NORMAL")


def _tune_memory(conn: sqlite3.Connection, cache_kib: int) -> None:
    conn.execute(f"PRAGMA cache_size = -{cache_kib}")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


def _make_read_only(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA query_only = ON")


def _checkpoint_elsewhere(conn: sqlite3.Connection) -> None:
    # Relaxed and pipelined storages commit on the event loop; a checkpoint (which fsyncs) must not run there.
    conn.execute("PRAGMA wal_autocheckpoint = 0")


def _open_writer(path: str, durability: Durability) -> sqlite3.Connection:
    conn = _connect(path)
    try:
        _set_busy_timeout(conn)
        _use_wal(conn)
        _set_synchronous(conn, durability)
        if durability != "full":
            _checkpoint_elsewhere(conn)
        conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        _tune_memory(conn, WRITER_CACHE_KIB)
        _migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _open_reader(path: str) -> sqlite3.Connection:
    conn = _connect(path)
    _set_busy_timeout(conn)
    _tune_memory(conn, READER_CACHE_KIB)
    _make_read_only(conn)
    return conn


# -- schema migrations ----------------------------------------------------------------------------------------

_MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        "CREATE TABLE rows (space INTEGER NOT NULL, h INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,"
        " v BLOB NOT NULL, PRIMARY KEY (space, h, pk, sk)) WITHOUT ROWID",
        "CREATE TABLE stats (space INTEGER PRIMARY KEY, items INTEGER NOT NULL, bytes INTEGER NOT NULL)",
        "CREATE TABLE catalog (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        "INSERT INTO meta (key, value) VALUES ('catalog_version', 0), ('next_space_id', 1)",
    ),
)
"""Migration ``i`` takes ``user_version`` from ``i`` to ``i + 1``. Append only; never edit a shipped entry."""


def _migrate(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA user_version").fetchone()[0] >= len(_MIGRATIONS):
        return
    # Re-read the version under the write lock: another process may have migrated while we waited for it.
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(_MIGRATIONS):
            raise RuntimeError(f"database schema version {version} is newer than this Nubis ({len(_MIGRATIONS)})")
        for statements in _MIGRATIONS[version:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {len(_MIGRATIONS)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


# -- statements (constant text, so the statement cache keeps them prepared) -------------------------------------

_GET: Final = "SELECT v FROM rows WHERE space = ? AND h = ? AND pk = ? AND sk = ?"
_PUT: Final = (
    "INSERT INTO rows (space, h, pk, sk, v) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (space, h, pk, sk) DO UPDATE SET v = excluded.v"
)
_DELETE: Final = "DELETE FROM rows WHERE space = ? AND h = ? AND pk = ? AND sk = ?"
_DROP_ROWS: Final = "DELETE FROM rows WHERE space = ?"
_DROP_STATS: Final = "DELETE FROM stats WHERE space = ?"
_STATS: Final = "SELECT items, bytes FROM stats WHERE space = ?"
_ADD_STATS: Final = (
    "INSERT INTO stats (space, items, bytes) VALUES (?, ?, ?)"
    " ON CONFLICT (space) DO UPDATE SET items = items + excluded.items, bytes = bytes + excluded.bytes"
)
_SCAN: Final = "SELECT h, pk, sk, v FROM rows WHERE space = ? AND h >= ? AND h < ? ORDER BY h, pk, sk"
_SCAN_AFTER: Final = (
    "SELECT h, pk, sk, v FROM rows WHERE space = ? AND (h, pk, sk) > (?, ?, ?) AND h >= ? AND h < ? ORDER BY h, pk, sk"
)
_CATALOG_GET: Final = "SELECT value FROM catalog WHERE key = ?"
_CATALOG_FROM: Final = "SELECT key, value FROM catalog WHERE key >= ? ORDER BY key"
_CATALOG_PUT: Final = (
    "INSERT INTO catalog (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
_CATALOG_DELETE: Final = "DELETE FROM catalog WHERE key = ?"
_PIN_SNAPSHOT: Final = "SELECT value FROM meta WHERE key = 'catalog_version'"
_META_GET: Final = "SELECT value FROM meta WHERE key = ?"
_META_BUMP: Final = "UPDATE meta SET value = value + 1 WHERE key = ? RETURNING value"


def _query_sql(lo: str, hi: str, forward: bool) -> str:
    where = "space = ? AND h = ? AND pk = ?"
    if lo:
        where += f" AND sk {lo} ?"
    if hi:
        where += f" AND sk {hi} ?"
    return f"SELECT sk, v FROM rows WHERE {where} ORDER BY sk {'ASC' if forward else 'DESC'}"


_QUERY: Final[dict[tuple[int, int, bool], str]] = {
    (lo_kind, hi_kind, forward): _query_sql(lo_op, hi_op, forward)
    for lo_kind, lo_op in enumerate(("", ">=", ">"))
    for hi_kind, hi_op in enumerate(("", "<=", "<"))
    for forward in (True, False)
}
"""Query text by (lower bound: none/inclusive/exclusive, upper bound: likewise, direction), built once."""


def _make_row(_cursor: sqlite3.Cursor, raw: tuple[Any, ...]) -> Row:
    return Row(raw[0], raw[1], raw[2], raw[3])


# -- views --------------------------------------------------------------------------------------------------------


class _SqliteReadView:
    """Read methods over one connection; the caller owns the transaction around them."""

    __slots__ = ("_conn", "_cursors")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._cursors: list[sqlite3.Cursor] = []

    def get(self, space: int, h: int, pk: bytes, sk: bytes) -> bytes | None:
        row = self._conn.execute(_GET, (space, h, pk, sk)).fetchone()
        return None if row is None else row[0]

    def query(
        self,
        space: int,
        h: int,
        pk: bytes,
        lo: bytes | None = None,
        lo_inclusive: bool = True,
        hi: bytes | None = None,
        hi_inclusive: bool = True,
        forward: bool = True,
    ) -> Iterator[tuple[bytes, bytes]]:
        params: tuple[object, ...] = (space, h, pk)
        if lo is None:
            lo_kind = 0
        else:
            lo_kind = 1 if lo_inclusive else 2
            params += (lo,)
        if hi is None:
            hi_kind = 0
        else:
            hi_kind = 1 if hi_inclusive else 2
            params += (hi,)
        cursor = self._conn.execute(_QUERY[lo_kind, hi_kind, forward], params)
        self._cursors.append(cursor)
        return cursor

    def scan(
        self,
        space: int,
        after: tuple[int, bytes, bytes] | None = None,
        h_lo: int = 0,
        h_hi: int = 1 << 32,
    ) -> Iterator[Row]:
        cursor = self._conn.cursor()
        cursor.row_factory = _make_row
        if after is None:
            cursor.execute(_SCAN, (space, h_lo, h_hi))
        else:
            cursor.execute(_SCAN_AFTER, (space, after[0], after[1], after[2], h_lo, h_hi))
        self._cursors.append(cursor)
        return cursor

    def stats(self, space: int) -> SpaceStats:
        row = self._conn.execute(_STATS, (space,)).fetchone()
        return SpaceStats(0, 0) if row is None else SpaceStats(row[0], row[1])

    def catalog_get(self, key: str) -> bytes | None:
        row = self._conn.execute(_CATALOG_GET, (key,)).fetchone()
        return None if row is None else row[0]

    def catalog_list(self, prefix: str) -> list[tuple[str, bytes]]:
        # Keys are TEXT under BINARY collation (UTF-8 memcmp = code point order = Python str order), so the
        # entries with this prefix are contiguous from ``prefix`` on; the catalogue is small, stop in Python.
        found: list[tuple[str, bytes]] = []
        for key, value in self._conn.execute(_CATALOG_FROM, (prefix,)):
            if not key.startswith(prefix):
                break
            found.append((key, value))
        return found

    def catalog_version(self) -> int:
        return self._conn.execute(_META_GET, ("catalog_version",)).fetchone()[0]  # type: ignore[no-any-return]

    def _close_cursors(self) -> None:
        # An unfinished SELECT would keep the read transaction (and its WAL snapshot) pinned past COMMIT.
        for cursor in self._cursors:
            cursor.close()
        self._cursors.clear()


class _ReadBlock(_SqliteReadView):
    """A thread's reader connection and its ``with`` block: ``read()`` returns it, so a read allocates nothing.

    Blocks nest on one thread (only the outermost one opens and ends the transaction), so a helper that reads
    can be called from inside another read block.
    """

    __slots__ = ("__weakref__", "_depth")

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self._depth = 0

    def __enter__(self) -> _ReadBlock:
        if self._depth == 0:
            # A deferred transaction takes its WAL snapshot at its first read, so read once now: the block then
            # sees the database as of entering it (as MemoryStorage does), even if its thread writes meanwhile.
            self._conn.execute("BEGIN")
            self._conn.execute(_PIN_SNAPSHOT).fetchone()
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._close_cursors()
            self._conn.execute("COMMIT")


class _Group:
    """What the functions of one group transaction share: pending counter deltas and a catalogue memo.

    The memo holds catalogue entries read during this transaction (every write re-checks its table's entry, and
    a group is mostly writes to a few tables). It is exact: no other process writes while the group holds the
    write lock, and a catalogue write in the group clears it.
    """

    __slots__ = ("catalog", "deltas")

    def __init__(self) -> None:
        self.deltas: dict[int, list[int]] = {}
        self.catalog: dict[str, bytes | None] = {}


class _SqliteWriteView(_SqliteReadView):
    """The writer connection inside a group transaction, for one write function.

    Counter deltas stay in ``deltas`` until the function returns; the group merges them only on success, so a
    raising function's ``add_stats`` disappears together with its rows. ``wrote`` turns true before the first
    statement that changes the database: a function that raises before it has nothing to undo.
    """

    __slots__ = ("_group", "deltas", "dropped", "wrote")

    def __init__(self, conn: sqlite3.Connection, group: _Group) -> None:
        super().__init__(conn)
        self._group = group
        self.deltas: dict[int, list[int]] = {}
        self.dropped: set[int] = set()
        self.wrote = False

    def put(self, space: int, h: int, pk: bytes, sk: bytes, value: bytes) -> None:
        self.wrote = True
        self._conn.execute(_PUT, (space, h, pk, sk, value))

    def delete(self, space: int, h: int, pk: bytes, sk: bytes) -> None:
        self.wrote = True
        self._conn.execute(_DELETE, (space, h, pk, sk))

    def drop_space(self, space: int) -> None:
        self.wrote = True
        self._conn.execute(_DROP_ROWS, (space,))
        self._conn.execute(_DROP_STATS, (space,))
        # Deltas accumulated before the drop (ours, and earlier functions' in this group) must not resurrect it.
        self.deltas.pop(space, None)
        self.dropped.add(space)

    def add_stats(self, space: int, item_count_delta: int, size_delta: int) -> None:
        delta = self.deltas.get(space)
        if delta is None:
            self.deltas[space] = [item_count_delta, size_delta]
        else:
            delta[0] += item_count_delta
            delta[1] += size_delta

    def stats(self, space: int) -> SpaceStats:
        # What the database holds, plus what this group and this function added so far: each function sees the
        # writes of the ones before it, counters included.
        base = super().stats(space)
        items, size = base.item_count, base.size_bytes
        if space not in self.dropped:
            pending = self._group.deltas.get(space)
            if pending is not None:
                items += pending[0]
                size += pending[1]
        own = self.deltas.get(space)
        if own is not None:
            items += own[0]
            size += own[1]
        return SpaceStats(items, size)

    def catalog_get(self, key: str) -> bytes | None:
        memo = self._group.catalog
        try:
            return memo[key]
        except KeyError:
            value = memo[key] = super().catalog_get(key)
            return value

    def catalog_put(self, key: str, value: bytes) -> None:
        self.wrote = True
        self._group.catalog.clear()
        self._conn.execute(_CATALOG_PUT, (key, value))
        self._conn.execute(_META_BUMP, ("catalog_version",)).fetchall()

    def catalog_delete(self, key: str) -> None:
        self.wrote = True
        self._group.catalog.clear()
        if self._conn.execute(_CATALOG_DELETE, (key,)).rowcount:
            self._conn.execute(_META_BUMP, ("catalog_version",)).fetchall()

    def next_space_id(self) -> int:
        self.wrote = True
        # The counter holds the next id to hand out; RETURNING gives it after the increment.
        return int(self._conn.execute(_META_BUMP, ("next_space_id",)).fetchone()[0]) - 1

    def merge_into_group(self) -> None:
        group_deltas = self._group.deltas
        for space in self.dropped:
            group_deltas.pop(space, None)
        for space, (items, size) in self.deltas.items():
            pending = group_deltas.get(space)
            if pending is None:
                group_deltas[space] = [items, size]
            else:
                pending[0] += items
                pending[1] += size


class _Replay(Exception):
    """A function raised after it changed the database: the group is rolled back and run again without it."""

    def __init__(self, index: int, error: BaseException) -> None:
        super().__init__(index)
        self.index = index
        self.error = error


class _Busy(Exception):
    """An inline group found SQLite's write lock held by another connection: its jobs go to the writer thread."""

    def __init__(self, jobs: list[_Job]) -> None:
        super().__init__(len(jobs))
        self.jobs = jobs


class _Checkpointer:
    """Storages that commit inline checkpoint on their own thread: a checkpoint fsyncs, and inline groups run on
    a loop.

    The writer connection's automatic checkpoint is off (``_open_writer``); every ``CHECKPOINT_EVERY`` commits this
    thread runs a PASSIVE checkpoint on its own connection, which copies committed WAL frames into the database
    while writers go on. SQLite restarts the WAL from the top only when a writer finds it wholly copied, which a
    steady stream of writes never lets happen: when the WAL is still long after a checkpoint, the writes are held
    (``hold_writes``: inline groups fall back to the writer thread meanwhile, which waits) for one more PASSIVE
    checkpoint of what little is left, after which the next write starts the WAL over. And once a commit leaves
    the WAL past ``WAL_HOLD_FRAMES``, writes wait (``lagging``) until a checkpoint that started after it has run,
    so the WAL stays bounded however slowly the checkpoints run.
    """

    def __init__(self, path: str, hold_writes: Callable[[], AbstractContextManager[None]]) -> None:
        self._path = path
        self._hold_writes = hold_writes
        self._commits = 0
        self._started = 0
        """Checkpoints started so far (a checkpoint: one PASSIVE, and the restart when the WAL is still long)."""
        self._finished = 0
        self._needed = 0
        """Writes wait until ``_finished`` reaches this: set past ``_started`` when a commit finds the WAL too long."""
        self._shm: int | None = None
        self._caught_up = threading.Condition()
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=f"nubis-sqlite-checkpoint:{path}", daemon=True)
        self._thread.start()

    def note_commit(self) -> None:
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0:
            self._wake.set()
        if self._wal_frames() > WAL_HOLD_FRAMES and not self.lagging():
            self._needed = self._started + 1
            self._wake.set()

    def _wal_frames(self) -> int:
        try:
            if self._shm is None:
                self._shm = os.open(os.path.realpath(self._path) + "-shm", os.O_RDONLY)
            header = os.pread(self._shm, 20, 0)
        except OSError:
            return 0
        return _WAL_INDEX_MX_FRAME.unpack_from(header, 16)[0] if len(header) == 20 else 0

    def lagging(self) -> bool:
        return self._finished < self._needed

    def wait_caught_up(self) -> None:
        """On the writer thread, before it commits: wait while the checkpoints are too far behind."""
        with self._caught_up:
            while self.lagging() and not self._stop:
                self._caught_up.wait()

    def _checkpoint_done(self) -> None:
        with self._caught_up:
            self._finished += 1
            self._caught_up.notify_all()

    def _run(self) -> None:
        conn = _connect(self._path)
        try:
            conn.execute("PRAGMA busy_timeout = 0")  # RESTART polls for readers itself (``_restart``)
            # A checkpoint fsyncs the WAL before copying it and the database after, under NORMAL as under FULL.
            conn.execute("PRAGMA synchronous = NORMAL")
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    return
                self._started += 1
                try:
                    _busy, log_frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if log_frames > WAL_RESTART_FRAMES:
                        # A WAL far past the mark means readers kept the last restarts from happening (a reader
                        # waiting for the GIL mid-statement pins its snapshot): wait longer for them this time,
                        # holding the writes back, so that the WAL stays bounded whatever the read load.
                        wait = _restart_wait(log_frames)
                        if wait < RESTART_WAIT_MAX_S:
                            # Catch up once more first: frames piled up during that PASSIVE, and what is left when
                            # the writes are held is copied and fsynced while they wait (holds 11-26 ms -> 8-14 ms,
                            # PutItem C=32 p99 13-16 ms -> 9 ms, [bench]).
                            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                        else:
                            # The WAL is outrunning the checkpoints: the writes are held at once.
                            logger.info("WAL at %d frames: writes wait until it restarts", log_frames)
                        with self._hold_writes():
                            self._restart(conn, wait)
                except sqlite3.Error:
                    logger.warning("WAL checkpoint failed; the next one retries", exc_info=True)
                self._checkpoint_done()
        finally:
            self._stop = True  # nobody waits for checkpoints any more
            self._checkpoint_done()
            conn.close()

    @staticmethod
    def _restart(conn: sqlite3.Connection, wait: float) -> None:
        """With writes held: copy what the last PASSIVE left, then start the WAL over once no reader is on it.

        RESTART waits for readers in SQLite's busy handler, which sleeps 1 ms, 2, 5, 10, ... (writes were held up
        to 200 ms that way: the [bench] PutItem p99 of 100-400 ms). Readers that start on a wholly copied WAL read
        the database file and do not count, and the others each finish within a read, so short polls end it; if
        they do not, the next checkpoint tries again.
        """
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        deadline = time.monotonic() + wait
        while conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()[0] and time.monotonic() < deadline:
            time.sleep(0.0002)

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join()

    def close_wal_index(self) -> None:
        """With the writes held (the group lock): no commit reads the WAL-index header after this."""
        if self._shm is not None:
            os.close(self._shm)
            self._shm = None


def _restart_wait(log_frames: int) -> float:
    """How long a restart may hold the writes, by how far the WAL is past the mark."""
    if log_frames < 2 * WAL_RESTART_FRAMES:
        return RESTART_WAIT_S
    return RESTART_WAIT_LONG_S if log_frames < 3 * WAL_RESTART_FRAMES else RESTART_WAIT_MAX_S


_datasync: Final = getattr(os, "fdatasync", os.fsync)  # macOS has no fdatasync


class _Syncer:
    """Full and pipelined storages: fsync the WAL after commits made with ``synchronous=NORMAL``, then acknowledge.

    Every group hands its outcomes over after its COMMIT; this thread takes all that arrived, runs one
    ``fdatasync`` of the WAL (which covers every frame written before it started) and only then resolves their
    futures. So an acknowledged write is on disk, as with ``synchronous=FULL``, while the next groups are applied
    meanwhile (on the event loop) instead of waiting behind the flush. A write is visible to reads from its COMMIT
    on, slightly before it is durable: ``full`` readers wait for ``synced`` (``SqliteStorage.durable``).
    """

    def __init__(self, path: str, committed: Callable[[], int], syncing: Callable[[bool], None]) -> None:
        self._wal_path = os.path.realpath(path) + "-wal"  # SQLite puts it beside the real file
        self._committed = committed
        self._syncing = syncing
        """Told when an fsync starts (True) and when it has ended (False), before its writes are acknowledged."""
        self.synced = 0
        """How many commits are known to be on disk: ``committed()`` as it was before the last fsync."""
        self._fd: int | None = None
        self._queue: queue.SimpleQueue[list[_Outcome] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"nubis-sqlite-sync:{path}", daemon=True)
        self._thread.start()

    def acknowledge(self, outcomes: list[_Outcome]) -> None:
        """Resolve ``outcomes`` once everything committed so far is on disk."""
        self._queue.put(outcomes)

    def _run(self) -> None:
        get, get_nowait = self._queue.get, self._queue.get_nowait
        try:
            while True:
                first = get()
                stop = first is None
                batch = [] if first is None else first
                while True:  # everything that is waiting shares this fsync
                    try:
                        more = get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stop = True
                    else:
                        batch.extend(more)
                if batch:
                    self._syncing(True)
                    covered = self._committed()
                    try:
                        self._sync()
                        self.synced = covered
                    except Exception as exc:
                        # Not known to be on disk: not acknowledged (errors of their own stay as they were).
                        logger.error("fsync of the WAL failed: %s", exc)
                        batch = [(f, None, exc) if error is None else (f, r, error) for f, r, error in batch]
                    self._syncing(False)  # first: a write answered by this batch's client may already be on its way
                    _settle(batch)
                if stop:
                    return
        finally:
            if self._fd is not None:
                os.close(self._fd)

    def _sync(self) -> None:
        if self._fd is None:
            self._fd = os.open(self._wal_path, os.O_RDONLY)
            # The WAL's directory entry too, once, as SQLite does for a journal it created.
            directory = os.open(os.path.dirname(os.path.abspath(self._wal_path)), os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        _datasync(self._fd)

    def close(self) -> None:
        """Acknowledge what is pending (after a last fsync), then stop."""
        self._queue.put(None)
        self._thread.join()


# -- the storage ----------------------------------------------------------------------------------------------

_Job = tuple[Callable[[WriteView], Any], "Future[Any] | asyncio.Future[Any]"]
_STOP: Final = None


class SqliteStorage:
    """The ``Storage`` protocol over one SQLite file. See the module docstring for the design.

    Args:
        path: the database file (created if missing). ``":memory:"`` is refused: readers need their own
            connections to the same database.
        durability: ``"full"`` (the default): an acknowledged write survives power loss, and no read returns a
            write before it is durable; ``"pipelined"`` gives the same promise for acknowledged writes, but a read may
            see a write just before it is durable; ``"relaxed"`` skips the fsync (an acknowledged write survives a
            crash of Nubis, kill -9 included, not of the machine).
        shared: other processes open the file meanwhile; ``full`` then fsyncs inside each commit.
        group_limit: the most write functions one commit may hold.
    """

    def __init__(
        self, path: str, *, durability: Durability = "full", group_limit: int = 256, shared: bool = False
    ) -> None:
        if path == ":memory:" or path.startswith("file::memory:"):
            raise ValueError("SqliteStorage needs a file: readers use their own connections to it")
        if durability not in ("full", "relaxed", "pipelined"):
            raise ValueError(f"durability must be 'full', 'pipelined' or 'relaxed', not {durability!r}")
        if group_limit < 1:
            raise ValueError("group_limit must be at least 1")
        self.path = path
        self.durability: Durability = durability
        self._group_limit = group_limit
        self._barrier = durability == "full" and not shared
        """Full durability by a syncer: commits inline, acknowledged after their fsync, reads wait for it too."""
        self._writer_conn = _open_writer(path, "pipelined" if self._barrier else durability)
        # Beside the real file: every process must meet on one lock, whatever link it opened the database through.
        self._lock_fd = os.open(os.path.realpath(path) + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
        # SimpleQueue: put and get are C calls; queue.Queue's Python-level Condition cost ~8 µs per write.
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._submit_lock = threading.Lock()
        self._closed = False
        self._commit_count = 0
        self._local = threading.local()
        self._readers_lock = threading.Lock()
        # One finalizer per reader connection: it closes the connection when its thread ends (the thread-local
        # holder is collected) or when close() calls it, whichever comes first; a finalizer runs at most once.
        self._reader_finalizers: set[weakref.finalize[Any, Any]] = set()
        # Guards the writer connection: the writer thread and (relaxed) an event loop's inline groups take turns.
        self._group_lock = threading.Lock()
        self._group_owner: int | None = None
        """The thread running a group (the writer, or a loop inline): it must not submit, nor close."""
        self._inline = durability != "full" or self._barrier
        self._commits_started = 0
        self._commits_ended = 0
        self._inline_pending: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
        self._inline_busy = False
        """Whether the writer connection's busy timeout is off (inline groups never wait on the loop)."""
        self._checkpointer: _Checkpointer | None = _Checkpointer(path, self._writes_held) if self._inline else None
        self._sync_lock = threading.Lock()
        self._sync_running = False
        self._deferred: set[asyncio.AbstractEventLoop] = set()
        """Loops whose pending writes wait for the running fsync to end (``_commit_inline``)."""
        self._syncer: _Syncer | None = (
            _Syncer(path, lambda: self._commits_ended, self._sync_running_is)
            if durability == "pipelined" or self._barrier
            else None
        )
        self._writer = threading.Thread(target=self._run_writer, name=f"nubis-sqlite-writer:{path}", daemon=True)
        self._writer.start()

    @property
    def commit_count(self) -> int:
        """How many group transactions have committed (read-only; for tests and metrics)."""
        return self._commit_count

    # -- reads ------------------------------------------------------------------------------------------------

    def read(self) -> _ReadBlock:
        block: _ReadBlock | None = getattr(self._local, "block", None)
        if block is None or self._closed:
            block = self._new_read_block()
        return block

    def get(self, space: int, h: int, pk: bytes, sk: bytes) -> bytes | None:
        block = self.read()
        if block._depth:  # inside a read block on this thread: answer from its snapshot
            return block.get(space, h, pk, sk)
        row = block._conn.execute(_GET, (space, h, pk, sk)).fetchone()
        return None if row is None else row[0]

    def _new_read_block(self) -> _ReadBlock:
        with self._readers_lock:
            if self._closed:
                raise RuntimeError("SqliteStorage is closed: no reads after close()")
            conn = _open_reader(self.path)
            block = _ReadBlock(conn)
            finalizer = weakref.finalize(block, conn.close)
            finalizer.atexit = False
            self._reader_finalizers = {f for f in self._reader_finalizers if f.alive}
            self._reader_finalizers.add(finalizer)
        self._local.block = block
        return block

    # -- writes -----------------------------------------------------------------------------------------------

    def submit(self, fn: Callable[[WriteView], T]) -> Future[T]:
        if threading.get_ident() in (self._writer.ident, self._group_owner):
            raise RuntimeError(
                "a write function cannot submit another write: it runs on the writer thread, which would wait "
                "for itself. Do all the writes in the one function (it is atomic)."
            )
        future: Future[T] = Future()
        self._enqueue((fn, future))
        return future

    def submit_async(self, fn: Callable[[WriteView], T]) -> asyncio.Future[T]:
        """Like ``submit`` for a caller on an event loop; acknowledged with one loop wake-up per group commit.

        Unless ``full`` is ``shared``, a commit never waits for the disk, so the writes submitted
        during one turn of the loop are committed on the loop itself, as one group, right after that turn: no
        hand-off to the writer thread (two cross-thread wake-ups and GIL contention with a busy loop: most of what a
        write cost beyond its own work). Full and pipelined commits are acknowledged by the syncer after their fsync.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if not self._inline:
            self._enqueue((fn, future), wait=False)
            return future
        pending = self._inline_pending.get(loop)
        if pending is None:
            if self._closed:
                raise RuntimeError("SqliteStorage is closed: no writes after close()")
            self._inline_pending[loop] = [(fn, future)]
            loop.call_soon(self._commit_inline, loop)
        else:
            pending.append((fn, future))
        return future

    def _commit_inline(self, loop: asyncio.AbstractEventLoop) -> None:
        """One loop turn's writes, on the loop: here if nothing else holds the writer, else on the writer thread.

        Never blocks the loop: the connection and the cross-process lock are only tried, and queued writes go
        first (submission order). Checkpoints, which fsync, run on their own thread (``_Checkpointer``).
        """
        if self._syncer is not None and not self._closed:
            # While an fsync runs, nothing committed now could be acknowledged before the next one: the writes
            # wait in the loop's pending group (later ones join it) and go in one commit when it ends. One commit
            # per fsync instead of one per loop turn: fewer commits, fewer WAL frames ([bench] PutItem C=32 full).
            with self._sync_lock:
                if self._sync_running:
                    self._deferred.add(loop)
                    return
        jobs = self._inline_pending.pop(loop, [])
        if self._closed:
            _settle([(future, None, RuntimeError("SqliteStorage is closed")) for _fn, future in jobs], inline=True)
            return
        checkpointer = self._checkpointer
        assert checkpointer is not None
        if self._queue.qsize() == 0 and not checkpointer.lagging() and self._group_lock.acquire(blocking=False):
            try:
                if not self._closed:
                    try:
                        fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        pass  # another process is writing: let the writer thread wait for it
                    else:
                        self._group_owner = threading.get_ident()
                        self._set_inline_busy(True)
                        try:
                            while jobs:
                                chunk, jobs = jobs[: self._group_limit], jobs[self._group_limit :]
                                try:
                                    self._commit_group_locked(chunk, inline=True)
                                except _Busy as busy:
                                    # Another connection holds SQLite's write lock (a tool, a starting
                                    # process): the writer thread waits for it, not the loop.
                                    jobs = busy.jobs + jobs
                                    break
                                checkpointer.note_commit()
                                if checkpointer.lagging():
                                    break  # the rest waits on the writer thread for the checkpoint
                        finally:
                            self._group_owner = None
                            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                        if not jobs:
                            return
            finally:
                self._group_lock.release()
        for index, job in enumerate(jobs):
            try:
                self._enqueue(job, wait=False)
            except RuntimeError as exc:  # closed meanwhile
                _settle([(future, None, exc) for _fn, future in jobs[index:]], inline=True)
                return

    def _sync_running_is(self, running: bool) -> None:
        """The syncer's hook (its thread): when an fsync ends, the loops that deferred writes commit them."""
        with self._sync_lock:
            self._sync_running = running
            if running or not self._deferred:
                return
            loops, self._deferred = self._deferred, set()
        for loop in loops:
            try:
                loop.call_soon_threadsafe(self._commit_inline, loop)
            except RuntimeError:  # the loop was closed meanwhile: nobody is waiting any more
                logger.debug("event loop closed before its deferred writes were committed")

    def _set_inline_busy(self, inline: bool) -> None:
        """Inline groups must never wait on the loop, the writer thread waits as long as it takes (holding
        ``_group_lock``: the one connection is switched only when the other side last used it)."""
        if inline != self._inline_busy:
            self._writer_conn.execute(f"PRAGMA busy_timeout = {0 if inline else BUSY_TIMEOUT_MS}")
            self._inline_busy = inline

    @contextlib.contextmanager
    def _writes_held(self) -> Iterator[None]:
        """No group commits meanwhile, from this process (group lock) or another (the writer flock)."""
        with self._group_lock:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _enqueue(self, job: _Job, *, wait: bool = True) -> None:
        """``wait``: back-pressure for threads; an event loop never sleeps here (its writes are bounded by its
        requests in flight anyway)."""
        if wait and self._queue.qsize() >= QUEUE_LIMIT:
            self._wait_for_room()
        # The lock orders submissions against close(): a job is either queued before the stop marker or refused.
        with self._submit_lock:
            if self._closed:
                raise RuntimeError("SqliteStorage is closed: no writes after close()")
            self._queue.put(job)

    def _wait_for_room(self) -> None:
        """Back-pressure: a producer faster than the disk waits here (rarely, so polling is good enough)."""
        while self._queue.qsize() >= QUEUE_LIMIT and not self._closed:
            time.sleep(0.001)

    def write(self, fn: Callable[[WriteView], T]) -> T:
        return self.submit(fn).result()

    def _run_writer(self) -> None:
        get, get_nowait, limit = self._queue.get, self._queue.get_nowait, self._group_limit
        while True:
            job = get()
            if job is _STOP:
                return
            group = [job]
            stop = False
            while len(group) < limit:
                try:
                    job = get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    stop = True
                    break
                group.append(job)
            self._commit_group(group)
            if stop:
                return

    def _commit_group(self, group: list[_Job]) -> None:
        if self._checkpointer is not None:
            self._checkpointer.wait_caught_up()  # not holding the group lock: a checkpoint's restart takes it
        # Processes sharing the file take turns through a blocking flock: the waiter wakes the moment the lock is
        # released, where SQLite's busy handler would sleep 1..100 ms between retries ([bench] 2 s write p99 with
        # two workers before this). busy_timeout stays as the fallback for any other writer.
        with self._group_lock:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._group_owner = threading.get_ident()
            try:
                if self._inline_busy:
                    self._set_inline_busy(False)
                self._commit_group_locked(group)
            finally:
                self._group_owner = None
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        if self._checkpointer is not None:
            self._checkpointer.note_commit()

    def _commit_group_locked(self, group: list[_Job], *, inline: bool = False) -> None:
        jobs = [job for job in group if not isinstance(job[1], Future) or job[1].set_running_or_notify_cancel()]
        failed: list[_Outcome] = []
        while jobs:
            try:
                outcomes = self._run_group(jobs)
            except _Replay as replay:
                # Rare (a function raised after writing): the transaction is gone, run the others again.
                failed.append((jobs[replay.index][1], None, replay.error))
                del jobs[replay.index]
                continue
            except _Busy:
                if failed:  # their futures are settled here; the others go to the writer thread
                    _settle(failed, inline=inline)
                raise _Busy(jobs) from None
            except BaseException as exc:
                # The group is lost (SQLite error in BEGIN, ROLLBACK or COMMIT, disk full, I/O error): nothing of
                # it was acknowledged, so every function in it fails, including the ones that had succeeded.
                logger.debug("group commit failed", exc_info=True)
                conn = self._writer_conn
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        logger.debug("rollback after a failed group failed too", exc_info=True)
                _settle([*failed, *((future, None, exc) for _fn, future in jobs)], inline=inline)
                return
            # Only now is the group durable (pipelined: once the syncer fsynced it): acknowledge it.
            if self._syncer is not None:
                self._syncer.acknowledge(outcomes + failed)
            else:
                _settle(outcomes + failed, inline=inline)
            return
        _settle(failed, inline=inline)

    def _run_group(self, jobs: list[_Job]) -> list[_Outcome]:
        """One transaction for ``jobs``, in order; their outcomes once it committed.

        No SAVEPOINT per function: a function that raises before changing anything (a failed condition, a
        validation error: nearly every failure) simply leaves nothing behind. One that raises after writing
        raises ``_Replay``: the whole transaction is rolled back and the caller runs the group again without it,
        so each function is still atomic, and the common path spends no statements on savepoints.
        """
        conn = self._writer_conn
        group = _Group()
        outcomes: list[_Outcome] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if self._inline_busy and exc.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                raise _Busy(jobs) from exc
            raise
        for index, (fn, future) in enumerate(jobs):
            view = _SqliteWriteView(conn, group)
            try:
                result = fn(view)
            except BaseException as exc:
                view._close_cursors()
                if view.wrote:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise _Replay(index, exc) from None
                if not conn.in_transaction:
                    # SQLite rolled the whole transaction back by itself (I/O error, disk full): the group is lost.
                    raise
                outcomes.append((future, None, exc))
            else:
                view._close_cursors()
                view.merge_into_group()
                outcomes.append((future, result, None))
        deltas = group.deltas
        if deltas:
            conn.executemany(_ADD_STATS, [(s, d[0], d[1]) for s, d in deltas.items() if d[0] or d[1]])
        self._commits_started += 1  # before: a reader may see the commit before COMMIT returns
        try:
            conn.execute("COMMIT")
        finally:
            self._commits_ended += 1
        self._commit_count += 1
        return outcomes

    def _unsynced(self) -> _Syncer | None:
        """The syncer when reads must wait for it: a ``full`` storage with commits not yet known to be on disk."""
        syncer = self._syncer
        if not self._barrier or syncer is None or syncer.synced >= self._commits_started or self._closed:
            return None
        return syncer

    def durable(self) -> asyncio.Future[None] | None:
        syncer = self._unsynced()
        if syncer is None:
            return None
        # The syncer's next fsync starts after this: it covers every commit a read so far could have seen.
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        syncer.acknowledge([(future, None, None)])
        return future

    def wait_durable(self) -> None:
        syncer = self._unsynced()
        if syncer is None:
            return
        future: Future[None] = Future()
        syncer.acknowledge([(future, None, None)])
        future.result()

    # -- lifecycle --------------------------------------------------------------------------------------------

    def close(self) -> None:
        if threading.get_ident() in (self._writer.ident, self._group_owner):
            raise RuntimeError("a write function cannot close its storage: the writer would wait for itself")
        with self._submit_lock:
            if self._closed:
                return
            self._closed = True
            # Behind every job already queued: those still run and commit before the writer stops.
            self._queue.put(_STOP)
        self._writer.join()
        if self._checkpointer is not None:  # before taking the group lock: a checkpoint may be holding the writes
            self._checkpointer.close()
        with self._group_lock:  # an inline group on some loop finishes first
            if self._checkpointer is not None:
                self._checkpointer.close_wal_index()
            if self._syncer is not None:
                self._syncer.close()
            self._writer_conn.close()
            os.close(self._lock_fd)
        with self._readers_lock:
            finalizers, self._reader_finalizers = self._reader_finalizers, set()
        for finalizer in finalizers:
            finalizer()

    def __enter__(self) -> SqliteStorage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


_Outcome = tuple["Future[Any] | asyncio.Future[Any]", Any, BaseException | None]


def _settle(outcomes: list[_Outcome], *, inline: bool = False) -> None:
    """Resolve a group's futures: thread futures directly, each event loop's futures with ONE wake-up.

    ``call_soon_threadsafe`` writes to the loop's self-pipe, a syscall that also hands the GIL over; once per
    group instead of once per write is most of what the writer costs the event loop under load. ``inline``: we
    are on the futures' own loop (an inline group), so they are resolved right here.
    """
    if inline:
        _resolve_on_loop(outcomes)
        return
    by_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
    for outcome in outcomes:
        future = outcome[0]
        if isinstance(future, Future):
            if outcome[2] is None:
                future.set_result(outcome[1])
            else:
                future.set_exception(_settable(outcome[2]))
        else:
            by_loop.setdefault(future.get_loop(), []).append(outcome)
    for loop, pending in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve_on_loop, pending)
        except RuntimeError:  # the loop was closed meanwhile: nobody is waiting any more
            logger.debug("event loop closed before its writes were acknowledged")


def _resolve_on_loop(pending: list[_Outcome]) -> None:
    for future, result, error in pending:
        if future.done():  # cancelled by its caller (a client that went away); the write itself stands
            continue
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(_settable(error))


def _settable(error: BaseException) -> BaseException:
    """Futures refuse StopIteration (it would end the awaiting coroutine's frame): hand it over wrapped."""
    if isinstance(error, StopIteration):
        wrapped = RuntimeError(f"a write function raised StopIteration: {error!r}")
        wrapped.__cause__ = error
        return wrapped
    return error

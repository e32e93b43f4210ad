"""The embedded default backend: one SQLite file, durable on acknowledgement, group-committed by one writer thread.

Why this shape (design.md, "Durable and fast at once"):

- **One writer thread per storage.** SQLite allows one writer per file anyway; funnelling every write function
  through one thread and one connection turns that limit into an advantage. The thread takes the first queued job,
  drains whatever else is queued (up to ``group_limit``) and applies them all in one ``BEGIN IMMEDIATE`` ...
  ``COMMIT``, so a burst of N concurrent writes costs one fsync, not N. Durability costs latency, not throughput.
- **Each function is still atomic and ordered.** Every function runs inside its own ``SAVEPOINT``: if it raises,
  ``ROLLBACK TO`` undoes only its rows, and its counter deltas are dropped with it; the functions after it still
  see the writes of the ones before it, and still commit. Futures are resolved only after ``COMMIT`` returned, i.e.
  after the WAL was fsynced (``synchronous=FULL``); if the commit fails, every future in the group fails.
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
import fcntl
import logging
import os
import queue
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from types import TracebackType
from typing import Any, Final, Literal, TypeVar

from nubis.tables.storage.base import Row, SpaceStats, WriteView

logger = logging.getLogger(__name__)

T = TypeVar("T")
Durability = Literal["full", "relaxed"]

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
    conn.execute("PRAGMA synchronous = FULL" if durability == "full" else "PRAGMA synchronous = NORMAL")


def _tune_memory(conn: sqlite3.Connection, cache_kib: int) -> None:
    conn.execute(f"PRAGMA cache_size = -{cache_kib}")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


def _make_read_only(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA query_only = ON")


def _open_writer(path: str, durability: Durability) -> sqlite3.Connection:
    conn = _connect(path)
    try:
        _set_busy_timeout(conn)
        _use_wal(conn)
        _set_synchronous(conn, durability)
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


class _SqliteWriteView(_SqliteReadView):
    """The writer connection inside a group transaction, for one write function.

    Counter deltas stay in ``deltas`` until the function returns; the group merges them only on success, so a
    raising function's ``add_stats`` disappears together with its rows.
    """

    __slots__ = ("_group_deltas", "deltas", "dropped")

    def __init__(self, conn: sqlite3.Connection, group_deltas: dict[int, list[int]]) -> None:
        super().__init__(conn)
        self._group_deltas = group_deltas
        self.deltas: dict[int, list[int]] = {}
        self.dropped: set[int] = set()

    def put(self, space: int, h: int, pk: bytes, sk: bytes, value: bytes) -> None:
        self._conn.execute(_PUT, (space, h, pk, sk, value))

    def delete(self, space: int, h: int, pk: bytes, sk: bytes) -> None:
        self._conn.execute(_DELETE, (space, h, pk, sk))

    def drop_space(self, space: int) -> None:
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
            pending = self._group_deltas.get(space)
            if pending is not None:
                items += pending[0]
                size += pending[1]
        own = self.deltas.get(space)
        if own is not None:
            items += own[0]
            size += own[1]
        return SpaceStats(items, size)

    def catalog_put(self, key: str, value: bytes) -> None:
        self._conn.execute(_CATALOG_PUT, (key, value))
        self._conn.execute(_META_BUMP, ("catalog_version",)).fetchall()

    def catalog_delete(self, key: str) -> None:
        if self._conn.execute(_CATALOG_DELETE, (key,)).rowcount:
            self._conn.execute(_META_BUMP, ("catalog_version",)).fetchall()

    def next_space_id(self) -> int:
        # The counter holds the next id to hand out; RETURNING gives it after the increment.
        return int(self._conn.execute(_META_BUMP, ("next_space_id",)).fetchone()[0]) - 1

    def merge_into_group(self) -> None:
        for space in self.dropped:
            self._group_deltas.pop(space, None)
        for space, (items, size) in self.deltas.items():
            pending = self._group_deltas.get(space)
            if pending is None:
                self._group_deltas[space] = [items, size]
            else:
                pending[0] += items
                pending[1] += size


# -- the storage ----------------------------------------------------------------------------------------------

_Job = tuple[Callable[[WriteView], Any], "Future[Any] | asyncio.Future[Any]"]
_STOP: Final = None


class SqliteStorage:
    """The ``Storage`` protocol over one SQLite file. See the module docstring for the design.

    Args:
        path: the database file (created if missing). ``":memory:"`` is refused: readers need their own
            connections to the same database.
        durability: ``"full"`` (the default) fsyncs every commit, so an acknowledged write survives power loss;
            ``"relaxed"`` skips the fsync (survives a crash of Nubis, not of the machine): for development only.
        group_limit: the most write functions one commit may hold.
    """

    def __init__(self, path: str, *, durability: Durability = "full", group_limit: int = 256) -> None:
        if path == ":memory:" or path.startswith("file::memory:"):
            raise ValueError("SqliteStorage needs a file: readers use their own connections to it")
        if durability not in ("full", "relaxed"):
            raise ValueError(f"durability must be 'full' or 'relaxed', not {durability!r}")
        if group_limit < 1:
            raise ValueError("group_limit must be at least 1")
        self.path = path
        self.durability: Durability = durability
        self._group_limit = group_limit
        self._writer_conn = _open_writer(path, durability)
        self._lock_fd = os.open(path + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
        self._queue: queue.Queue[_Job | None] = queue.Queue(QUEUE_LIMIT)
        self._submit_lock = threading.Lock()
        self._closed = False
        self._commit_count = 0
        self._local = threading.local()
        self._readers_lock = threading.Lock()
        # One finalizer per reader connection: it closes the connection when its thread ends (the thread-local
        # holder is collected) or when close() calls it, whichever comes first; a finalizer runs at most once.
        self._reader_finalizers: set[weakref.finalize[Any, Any]] = set()
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
        if threading.get_ident() == self._writer.ident:
            raise RuntimeError(
                "a write function cannot submit another write: it runs on the writer thread, which would wait "
                "for itself. Do all the writes in the one function (it is atomic)."
            )
        future: Future[T] = Future()
        # The lock orders submissions against close(): a job is either queued before the stop marker or refused.
        with self._submit_lock:
            if self._closed:
                raise RuntimeError("SqliteStorage is closed: no writes after close()")
            self._queue.put((fn, future))
        return future

    def submit_async(self, fn: Callable[[WriteView], T]) -> asyncio.Future[T]:
        """Like ``submit`` for a caller on an event loop; acknowledged with one loop wake-up per group commit."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        with self._submit_lock:
            if self._closed:
                raise RuntimeError("SqliteStorage is closed: no writes after close()")
            self._queue.put((fn, future))
        return future

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
        # Processes sharing the file take turns through a blocking flock: the waiter wakes the moment the lock is
        # released, where SQLite's busy handler would sleep 1..100 ms between retries ([bench] 2 s write p99 with
        # two workers before this). busy_timeout stays as the fallback for any other writer.
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            self._commit_group_locked(group)
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _commit_group_locked(self, group: list[_Job]) -> None:
        conn = self._writer_conn
        outcomes: list[_Outcome] = []
        group_deltas: dict[int, list[int]] = {}
        # A group of one needs no savepoint: if its function raises, the whole transaction is rolled back.
        # Under light load most groups are singletons, and two statements fewer is a quarter of their cost.
        shared = len(group) > 1
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            _fail_all(group, exc)
            return
        try:
            for fn, future in group:
                if isinstance(future, Future) and not future.set_running_or_notify_cancel():
                    continue
                if shared:
                    conn.execute("SAVEPOINT write_fn")
                view = _SqliteWriteView(conn, group_deltas)
                try:
                    result = fn(view)
                except BaseException as exc:
                    view._close_cursors()
                    # Undo only this function; the group transaction and the functions before it stand.
                    if shared:
                        conn.execute("ROLLBACK TO write_fn")
                        conn.execute("RELEASE write_fn")
                    else:
                        conn.execute("ROLLBACK")
                    outcomes.append((future, None, exc))
                else:
                    view._close_cursors()
                    if shared:
                        conn.execute("RELEASE write_fn")
                    view.merge_into_group()
                    outcomes.append((future, result, None))
            if conn.in_transaction:
                if group_deltas:
                    conn.executemany(_ADD_STATS, [(s, d[0], d[1]) for s, d in group_deltas.items() if d[0] or d[1]])
                conn.execute("COMMIT")
                self._commit_count += 1
        except BaseException as exc:
            # The group is lost (SQLite error in ROLLBACK TO or COMMIT, disk full, I/O error): nothing of it was
            # acknowledged, so every function in it fails, including the ones that had succeeded.
            logger.debug("group commit failed", exc_info=True)
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    logger.debug("rollback after a failed group failed too", exc_info=True)
            _settle([(future, None, exc) for _fn, future in group if not future.done()])
            return
        # Only now is the group durable: acknowledge it.
        _settle(outcomes)

    # -- lifecycle --------------------------------------------------------------------------------------------

    def close(self) -> None:
        if threading.get_ident() == self._writer.ident:
            raise RuntimeError("a write function cannot close its storage: the writer would wait for itself")
        with self._submit_lock:
            if self._closed:
                return
            self._closed = True
            # Behind every job already queued: those still run and commit before the writer stops.
            self._queue.put(_STOP)
        self._writer.join()
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


def _settle(outcomes: list[_Outcome]) -> None:
    """Resolve a group's futures: thread futures directly, each event loop's futures with ONE wake-up.

    ``call_soon_threadsafe`` writes to the loop's self-pipe, a syscall that also hands the GIL over; once per
    group instead of once per write is most of what the writer costs the event loop under load.
    """
    by_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
    for outcome in outcomes:
        future = outcome[0]
        if isinstance(future, Future):
            if outcome[2] is None:
                future.set_result(outcome[1])
            else:
                future.set_exception(outcome[2])
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
            future.set_exception(error)


def _fail_all(group: list[_Job], exc: BaseException) -> None:
    _settle(
        [
            (future, None, exc)
            for _fn, future in group
            if not isinstance(future, Future) or future.set_running_or_notify_cancel()
        ]
    )

"""One suite every storage backend must pass: the contract of ``nubis.tables.storage.base``, run against each.

Tests that need a file (reopening, two processes on one database, group commit counting) run for SQLite only;
everything else runs for every backend, so the memory backend cannot drift from the embedded default.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Literal

import pytest

from nubis.tables.keys import partition_hash
from nubis.tables.storage.base import Row, SpaceStats, Storage, WriteView
from nubis.tables.storage.memory import MemoryStorage
from nubis.tables.storage.sqlite import SqliteStorage


class Backend:
    """Opens (and reopens) one backend's storage for a test, and closes whatever the test left open."""

    def __init__(self, name: str, tmp_path: Path) -> None:
        self.name = name
        self.path = str(tmp_path / "tables.db")
        self.opened: list[Storage] = []

    @property
    def persistent(self) -> bool:
        return self.name.startswith("sqlite")

    def open(self, **options: Any) -> Storage:
        storage: Storage
        if self.name == "memory":
            storage = MemoryStorage()
        elif self.name == "sqlite":
            storage = SqliteStorage(self.path, **options)
        elif self.name == "sqlite-pipelined":
            storage = SqliteStorage(self.path, durability="pipelined", **options)
        else:
            storage = SqliteStorage(self.path, durability="relaxed", **options)
        self.opened.append(storage)
        return storage

    def close_all(self) -> None:
        for storage in self.opened:
            storage.close()


@pytest.fixture(params=["memory", "sqlite", "sqlite-relaxed", "sqlite-pipelined"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    b = Backend(request.param, tmp_path)
    yield b
    b.close_all()


@pytest.fixture
def storage(backend: Backend) -> Storage:
    return backend.open()


@pytest.fixture(params=["sqlite", "sqlite-relaxed", "sqlite-pipelined"])
def sqlite_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """File-backed backends only: for the properties that are about a database file (reopen, two processes)."""
    b = Backend(request.param, tmp_path)
    yield b
    b.close_all()


SPACE = 7
WriteFn = Callable[[WriteView], None]


def key(pk: bytes, sk: bytes = b"") -> tuple[int, bytes, bytes]:
    return partition_hash(pk), pk, sk


def put(storage: Storage, space: int, pk: bytes, sk: bytes, value: bytes) -> None:
    storage.write(lambda w: w.put(space, partition_hash(pk), pk, sk, value))


def puts(rows: Iterable[tuple[bytes, bytes, bytes]], space: int = SPACE, count: bool = False) -> WriteFn:
    """A write function that puts ``(pk, sk, value)`` rows (and counts each as one item of one byte)."""
    rows = list(rows)

    def fn(w: WriteView) -> None:
        for pk, sk, value in rows:
            w.put(space, partition_hash(pk), pk, sk, value)
            if count:
                w.add_stats(space, 1, 1)

    return fn


def each(*fns: WriteFn) -> WriteFn:
    def fn(w: WriteView) -> None:
        for f in fns:
            f(w)

    return fn


def add_stats(space: int, items: int, size: int) -> WriteFn:
    return lambda w: w.add_stats(space, items, size)


def get(storage: Storage, space: int, pk: bytes, sk: bytes = b"") -> bytes | None:
    with storage.read() as r:
        return r.get(space, partition_hash(pk), pk, sk)


class HeldWriter:
    """Blocks a SQLite writer thread on a first job, so the next submissions queue up and share one commit."""

    def __init__(self, storage: Storage) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

        def hold(_w: WriteView) -> None:
            self.started.set()
            assert self.release.wait(30)

        self.future = storage.submit(hold)
        assert self.started.wait(30)

    def __enter__(self) -> HeldWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.future.result(30)


# -- get / put / delete -----------------------------------------------------------------------------------------


def test_put_then_get_returns_the_value(storage: Storage) -> None:
    put(storage, SPACE, b"p", b"s", b"v1")
    assert get(storage, SPACE, b"p", b"s") == b"v1"
    assert get(storage, SPACE, b"p", b"other") is None
    assert get(storage, SPACE + 1, b"p", b"s") is None


def test_put_overwrites_and_delete_removes(storage: Storage) -> None:
    put(storage, SPACE, b"p", b"", b"v1")
    put(storage, SPACE, b"p", b"", b"v2")
    assert get(storage, SPACE, b"p") == b"v2"
    storage.write(lambda w: w.delete(SPACE, *key(b"p")))
    assert get(storage, SPACE, b"p") is None
    storage.write(lambda w: w.delete(SPACE, *key(b"p")))  # deleting a missing key is a no-op
    assert get(storage, SPACE, b"p") is None


def test_values_are_opaque_bytes_including_empty(storage: Storage) -> None:
    put(storage, SPACE, b"\x00\xff", b"\x00", b"")
    put(storage, SPACE, b"big", b"", bytes(range(256)) * 1000)
    assert get(storage, SPACE, b"\x00\xff", b"\x00") == b""
    assert get(storage, SPACE, b"big") == bytes(range(256)) * 1000


def test_write_returns_the_functions_result_and_submit_a_future(storage: Storage) -> None:
    assert storage.write(lambda w: 42) == 42
    future = storage.submit(lambda w: "done")
    assert isinstance(future, Future)
    assert future.result(30) == "done"


# -- query ------------------------------------------------------------------------------------------------------

SORT_KEYS = [b"", b"a", b"b", b"ba", b"b\xff", b"c", b"\x80", b"\xff\xff"]
BOUNDS = [None, b"", b"a", b"b", b"bb", b"c", b"\xff", b"\xff\xff\xff"]


def expected_query(lo: bytes | None, lo_inc: bool, hi: bytes | None, hi_inc: bool, forward: bool) -> list[bytes]:
    picked = [
        sk
        for sk in sorted(SORT_KEYS)
        if (lo is None or sk > lo or (lo_inc and sk == lo)) and (hi is None or sk < hi or (hi_inc and sk == hi))
    ]
    return picked if forward else picked[::-1]


def test_query_matches_every_bound_combination_in_both_directions(storage: Storage) -> None:
    pk = b"part"

    def load(w: WriteView) -> None:
        for sk in SORT_KEYS:
            w.put(SPACE, *key(pk, sk), b"v:" + sk)
        # Neighbours that a sloppy range would leak: longer partition keys, the same pk in another space.
        for other in (pk + b"\x00", pk + b"a", pk[:-1]):
            w.put(SPACE, partition_hash(pk), other, b"b", b"neighbour")
        w.put(SPACE + 1, *key(pk, b"b"), b"other space")

    storage.write(load)
    with storage.read() as r:
        for lo, lo_inc, hi, hi_inc, forward in itertools.product(
            BOUNDS, (True, False), BOUNDS, (True, False), (True, False)
        ):
            got = list(r.query(SPACE, partition_hash(pk), pk, lo, lo_inc, hi, hi_inc, forward))
            want = expected_query(lo, lo_inc, hi, hi_inc, forward)
            assert [sk for sk, _ in got] == want, (lo, lo_inc, hi, hi_inc, forward)
            assert all(v == b"v:" + sk for sk, v in got)


def test_query_defaults_are_the_whole_partition_forward(storage: Storage) -> None:
    storage.write(puts((b"p", sk, sk) for sk in (b"2", b"1", b"3")))
    with storage.read() as r:
        assert list(r.query(SPACE, *key(b"p")[:2])) == [(b"1", b"1"), (b"2", b"2"), (b"3", b"3")]
        assert list(r.query(SPACE, *key(b"missing")[:2])) == []
        assert list(r.query(SPACE + 99, *key(b"p")[:2])) == []


def test_query_is_lazy_and_can_stop_early(storage: Storage) -> None:
    storage.write(puts((b"p", b"%05d" % i, b"x") for i in range(500)))
    with storage.read() as r:
        it = r.query(SPACE, *key(b"p")[:2], forward=False)
        first = [next(it)[0] for _ in range(3)]
        assert first == [b"00499", b"00498", b"00497"]
        # A second statement while the first iterator is still open.
        assert r.get(SPACE, *key(b"p", b"00000")) == b"x"
        assert next(it)[0] == b"00496"


# -- scan -------------------------------------------------------------------------------------------------------

SCAN_ROWS = sorted(
    {
        (h, pk, sk)
        for h in (0, 1, 5, 1 << 31, (1 << 32) - 1)
        for pk in (b"a", b"ab", b"b\x00")
        for sk in (b"", b"x", b"y\xff")
    }
)


def load_scan_rows(storage: Storage) -> None:
    def load(w: WriteView) -> None:
        for h, pk, sk in reversed(SCAN_ROWS):
            w.put(SPACE, h, pk, sk, pk + b"|" + sk)
        w.put(SPACE + 1, 3, b"other", b"", b"other space")

    storage.write(load)


def as_keys(rows: Iterator[Row]) -> list[tuple[int, bytes, bytes]]:
    return [(r.h, r.pk, r.sk) for r in rows]


def test_scan_walks_hash_pk_sk_order(storage: Storage) -> None:
    load_scan_rows(storage)
    with storage.read() as r:
        rows = list(r.scan(SPACE))
    assert as_keys(iter(rows)) == SCAN_ROWS
    assert all(isinstance(row, Row) and row.value == row.pk + b"|" + row.sk for row in rows)


def test_scan_after_resumes_strictly_after_any_position(storage: Storage) -> None:
    load_scan_rows(storage)
    positions = [*SCAN_ROWS, (0, b"", b""), (1, b"a", b"a"), (2, b"", b""), ((1 << 32) - 1, b"\xff", b"")]
    with storage.read() as r:
        for after in positions:
            assert as_keys(r.scan(SPACE, after=after)) == [k for k in SCAN_ROWS if k > after], after


def test_scan_hash_slices_are_half_open_and_combine_with_after(storage: Storage) -> None:
    load_scan_rows(storage)
    edges = [0, 1, 2, 5, 6, 1 << 31, (1 << 32) - 1, 1 << 32]
    with storage.read() as r:
        for h_lo, h_hi in itertools.combinations(edges, 2):
            want = [k for k in SCAN_ROWS if h_lo <= k[0] < h_hi]
            assert as_keys(r.scan(SPACE, h_lo=h_lo, h_hi=h_hi)) == want
            for after in (SCAN_ROWS[0], SCAN_ROWS[7], SCAN_ROWS[-3]):
                assert as_keys(r.scan(SPACE, after=after, h_lo=h_lo, h_hi=h_hi)) == [k for k in want if k > after]


def test_scan_of_an_unknown_space_is_empty(storage: Storage) -> None:
    with storage.read() as r:
        assert list(r.scan(12345)) == []


# -- stats ------------------------------------------------------------------------------------------------------


def test_stats_accumulate_and_are_per_space(storage: Storage) -> None:
    with storage.read() as r:
        assert r.stats(SPACE) == SpaceStats(0, 0)
    storage.write(lambda w: w.add_stats(SPACE, 1, 100))
    storage.write(each(add_stats(SPACE, 2, 50), add_stats(SPACE + 1, 1, 7)))
    storage.write(lambda w: w.add_stats(SPACE, -1, -30))
    with storage.read() as r:
        assert r.stats(SPACE) == SpaceStats(2, 120)
        assert r.stats(SPACE + 1) == SpaceStats(1, 7)


def test_a_write_function_sees_stats_added_before_it(storage: Storage) -> None:
    storage.write(lambda w: w.add_stats(SPACE, 3, 30))

    def fn(w: WriteView) -> SpaceStats:
        before = w.stats(SPACE)
        w.add_stats(SPACE, 1, 1)
        assert w.stats(SPACE) == SpaceStats(before.item_count + 1, before.size_bytes + 1)
        return before

    assert storage.write(fn) == SpaceStats(3, 30)


def test_drop_space_removes_rows_and_stats_only_of_that_space(storage: Storage) -> None:
    def load(w: WriteView) -> None:
        for space in (SPACE, SPACE + 1):
            for i in range(10):
                w.put(space, *key(b"p%d" % i, b"s"), b"v")
            w.add_stats(space, 10, 10)

    storage.write(load)
    storage.write(lambda w: w.drop_space(SPACE))
    with storage.read() as r:
        assert list(r.scan(SPACE)) == []
        assert r.stats(SPACE) == SpaceStats(0, 0)
        assert len(list(r.scan(SPACE + 1))) == 10
        assert r.stats(SPACE + 1) == SpaceStats(10, 10)


def test_drop_space_forgets_stats_added_earlier_in_the_same_function(storage: Storage) -> None:
    def fn(w: WriteView) -> None:
        w.add_stats(SPACE, 5, 5)
        w.drop_space(SPACE)
        w.add_stats(SPACE, 1, 2)

    storage.write(fn)
    with storage.read() as r:
        assert r.stats(SPACE) == SpaceStats(1, 2)


# -- catalogue --------------------------------------------------------------------------------------------------


def test_catalog_put_get_list_delete(storage: Storage) -> None:
    def load(w: WriteView) -> None:
        for k in ("table/b", "table/a", "tablex", "tag/a", "table/é", "table/\U0001f600", "table/z"):
            w.catalog_put(k, k.encode())

    storage.write(load)
    with storage.read() as r:
        assert r.catalog_get("table/a") == b"table/a"
        assert r.catalog_get("nope") is None
        listed = r.catalog_list("table/")
        assert [k for k, _ in listed] == ["table/a", "table/b", "table/z", "table/é", "table/\U0001f600"]
        assert all(v == k.encode() for k, v in listed)
        assert [k for k, _ in r.catalog_list("")][:2] == ["table/a", "table/b"]
        assert len(r.catalog_list("")) == 7
    storage.write(lambda w: w.catalog_delete("table/a"))
    with storage.read() as r:
        assert r.catalog_get("table/a") is None
        assert r.catalog_list("table/")[0][0] == "table/b"


def test_catalog_version_changes_with_every_catalog_change(storage: Storage) -> None:
    def version() -> int:
        with storage.read() as r:
            return r.catalog_version()

    v0 = version()
    storage.write(lambda w: w.catalog_put("t", b"1"))
    v1 = version()
    storage.write(lambda w: w.catalog_put("t", b"2"))
    v2 = version()
    storage.write(lambda w: w.put(SPACE, *key(b"p"), b"row writes do not touch it"))
    v3 = version()
    storage.write(lambda w: w.catalog_delete("t"))
    v4 = version()
    assert v0 < v1 < v2 == v3 < v4

    def fn(w: WriteView) -> int:
        before = w.catalog_version()
        w.catalog_put("u", b"")
        return w.catalog_version() - before

    assert storage.write(fn) > 0


# -- space ids --------------------------------------------------------------------------------------------------


def test_next_space_id_never_repeats(storage: Storage) -> None:
    ids = [storage.write(lambda w: w.next_space_id()) for _ in range(20)]
    ids += storage.write(lambda w: [w.next_space_id() for _ in range(20)])
    assert len(set(ids)) == 40
    assert ids == sorted(ids)


def test_next_space_id_never_repeats_across_reopen(sqlite_backend: Backend) -> None:
    first = sqlite_backend.open()
    ids = [first.write(lambda w: w.next_space_id()) for _ in range(5)]
    first.close()
    second = sqlite_backend.open()
    ids += [second.write(lambda w: w.next_space_id()) for _ in range(5)]
    assert len(set(ids)) == 10


# -- atomicity and grouping -------------------------------------------------------------------------------------


class Boom(Exception):
    pass


def failing_fn(w: WriteView) -> None:
    w.put(SPACE, *key(b"failed"), b"x")
    w.put(SPACE, *key(b"kept"), b"overwritten by the failed fn")
    w.delete(SPACE, *key(b"deleted-by-failed"))
    w.add_stats(SPACE, 100, 100)
    w.catalog_put("failed", b"x")
    w.drop_space(SPACE + 1)
    w.next_space_id()
    raise Boom("no")


def test_a_raising_write_leaves_nothing_behind(storage: Storage) -> None:
    def setup(w: WriteView) -> None:
        w.put(SPACE, *key(b"kept"), b"kept")
        w.put(SPACE, *key(b"deleted-by-failed"), b"still here")
        w.put(SPACE + 1, *key(b"other"), b"still here")
        w.add_stats(SPACE, 2, 2)
        w.add_stats(SPACE + 1, 1, 1)

    storage.write(setup)
    with storage.read() as r:
        version = r.catalog_version()
        before_scan = list(r.scan(SPACE)) + list(r.scan(SPACE + 1))
    next_id = storage.write(lambda w: w.next_space_id())

    with pytest.raises(Boom):
        storage.write(failing_fn)
    future = storage.submit(failing_fn)
    with pytest.raises(Boom):
        future.result(30)

    with storage.read() as r:
        assert list(r.scan(SPACE)) + list(r.scan(SPACE + 1)) == before_scan
        assert r.get(SPACE, *key(b"failed")) is None
        assert r.stats(SPACE) == SpaceStats(2, 2)
        assert r.stats(SPACE + 1) == SpaceStats(1, 1)
        assert r.catalog_get("failed") is None
        assert r.catalog_version() == version
    assert storage.write(lambda w: w.next_space_id()) > next_id


def test_a_failing_function_does_not_sink_its_group(backend: Backend, storage: Storage) -> None:
    def second(w: WriteView) -> tuple[bytes | None, bytes | None]:
        w.put(SPACE, *key(b"c"), b"c")
        w.add_stats(SPACE, 1, 1)
        return w.get(SPACE, *key(b"a")), w.get(SPACE, *key(b"b"))

    def first(w: WriteView) -> None:
        w.put(SPACE, *key(b"a"), b"a")
        w.add_stats(SPACE, 1, 1)

    def middle(w: WriteView) -> None:
        w.put(SPACE, *key(b"b"), b"b")
        w.add_stats(SPACE, 1, 1)
        raise Boom

    def submit_all() -> list[Future[Any]]:
        return [storage.submit(first), storage.submit(middle), storage.submit(second)]

    if backend.persistent:
        commits = storage.commit_count  # type: ignore[attr-defined]
        with HeldWriter(storage):
            futures = submit_all()
        for f in futures:
            f.exception(30)
        # The held job and the three queued ones: two commits, so the three did share one.
        assert storage.commit_count == commits + 2  # type: ignore[attr-defined]
    else:
        futures = submit_all()
    assert futures[0].result(30) is None
    with pytest.raises(Boom):
        futures[1].result(30)
    assert futures[2].result(30) == (b"a", None)  # sees the one before it, not the failed one
    with storage.read() as r:
        assert r.get(SPACE, *key(b"a")) == b"a"
        assert r.get(SPACE, *key(b"b")) is None
        assert r.get(SPACE, *key(b"c")) == b"c"
        assert r.stats(SPACE) == SpaceStats(2, 2)


def test_only_a_function_that_raised_after_writing_makes_its_group_run_again(sqlite_backend: Backend) -> None:
    storage = sqlite_backend.open()
    runs: list[str] = []

    def first(w: WriteView) -> None:
        runs.append("first")
        w.put(SPACE, *key(b"a"), b"a")
        w.add_stats(SPACE, 1, 1)

    def refuses(w: WriteView) -> None:  # like a failed condition: reads, then raises before writing
        w.get(SPACE, *key(b"a"))
        raise Boom

    def breaks(w: WriteView) -> None:
        w.put(SPACE, *key(b"b"), b"b")
        raise Boom

    def last(w: WriteView) -> bytes | None:
        runs.append("last")
        return w.get(SPACE, *key(b"a"))

    with HeldWriter(storage):
        futures = [storage.submit(fn) for fn in (first, refuses, last)]
    assert [f.exception(30) is None for f in futures] == [True, False, True]
    assert runs == ["first", "last"]  # nothing to undo: no second run

    runs.clear()
    with HeldWriter(storage):
        futures = [storage.submit(fn) for fn in (first, breaks, last)]
    assert isinstance(futures[1].exception(30), Boom)
    assert futures[2].result(30) == b"a"
    assert runs == ["first", "first", "last"]  # rolled back at `breaks`, then run again without it
    with storage.read() as r:
        assert r.get(SPACE, *key(b"b")) is None
        assert r.stats(SPACE) == SpaceStats(2, 2)  # each `first` counted once per commit that kept it


def test_a_write_sees_catalog_changes_made_earlier_in_its_group(sqlite_backend: Backend) -> None:
    storage = sqlite_backend.open()
    storage.write(lambda w: w.catalog_put("t", b"1"))

    def change(w: WriteView) -> bytes | None:
        before = w.catalog_get("t")
        w.catalog_put("t", b"2")
        return before

    with HeldWriter(storage):
        futures = [
            storage.submit(lambda w: w.catalog_get("t")),
            storage.submit(change),
            storage.submit(lambda w: w.catalog_get("t")),
            storage.submit(lambda w: w.catalog_delete("t")),
            storage.submit(lambda w: w.catalog_get("t")),
        ]
    assert [f.result(30) for f in futures] == [b"1", b"1", b"2", None, None]


def test_group_commit_groups_concurrent_submissions(sqlite_backend: Backend) -> None:
    storage = sqlite_backend.open()
    assert isinstance(storage, SqliteStorage)
    commits = storage.commit_count
    futures: list[Future[None]] = []
    lock = threading.Lock()

    def submitter(base: int) -> None:
        for i in range(base, base + 20):
            f = storage.submit(puts([(b"%d" % i, b"", b"v")], count=True))
            with lock:
                futures.append(f)

    with HeldWriter(storage):
        threads = [threading.Thread(target=submitter, args=(n * 20,)) for n in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert storage._queue.qsize() == 200
    for f in futures:
        assert f.result(30) is None
    assert storage.commit_count == commits + 2  # the held job, then all 200 in one group
    with storage.read() as r:
        assert len(list(r.scan(SPACE))) == 200
        assert r.stats(SPACE) == SpaceStats(200, 200)


def test_group_limit_caps_a_commit(sqlite_backend: Backend) -> None:
    storage = sqlite_backend.open(group_limit=8)
    assert isinstance(storage, SqliteStorage)
    commits = storage.commit_count
    with HeldWriter(storage):
        futures = [storage.submit(puts([(b"%d" % i, b"", b"v")])) for i in range(20)]
    for f in futures:
        f.result(30)
    assert storage.commit_count == commits + 1 + 3  # 8 + 8 + 4


def test_unheld_concurrent_writers_all_commit(storage: Storage) -> None:
    def worker(n: int) -> None:
        for i in range(25):
            storage.write(puts([(b"%d-%d" % (n, i), b"", b"v")]))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with storage.read() as r:
        assert len(list(r.scan(SPACE))) == 200


def test_a_write_function_cannot_write_again(storage: Storage) -> None:
    def nested(w: WriteView) -> None:
        storage.write(lambda w2: None)

    with pytest.raises(RuntimeError, match="cannot submit another write"):
        storage.write(nested)


# -- snapshots --------------------------------------------------------------------------------------------------


def test_a_read_block_is_a_snapshot_while_writes_land(storage: Storage) -> None:
    storage.write(puts((b"p", b"%d" % i, b"old") for i in range(5)))
    storage.write(each(add_stats(SPACE, 5, 5), lambda w: w.catalog_put("t", b"old")))
    with storage.read() as r:
        assert r.get(SPACE, *key(b"p", b"0")) == b"old"
        version = r.catalog_version()
        open_query = r.query(SPACE, *key(b"p")[:2])
        assert next(open_query) == (b"0", b"old")

        def change(w: WriteView) -> None:
            for i in range(5):
                w.put(SPACE, *key(b"p", b"%d" % i), b"new")
            w.put(SPACE, *key(b"p", b"9"), b"new")
            w.delete(SPACE, *key(b"p", b"3"))
            w.put(SPACE, *key(b"q"), b"new")
            w.add_stats(SPACE, 1, 1)
            w.catalog_put("t", b"new")

        # From another thread, as a concurrent request would.
        t = threading.Thread(target=storage.write, args=(change,))
        t.start()
        t.join()
        assert r.get(SPACE, *key(b"p", b"0")) == b"old"
        assert r.get(SPACE, *key(b"q")) is None
        assert [sk for sk, _ in open_query] == [b"1", b"2", b"3", b"4"]
        assert [v for _, v in r.query(SPACE, *key(b"p")[:2])] == [b"old"] * 5
        assert [row.value for row in r.scan(SPACE)] == [b"old"] * 5
        assert r.stats(SPACE) == SpaceStats(5, 5)
        assert r.catalog_get("t") == b"old"
        assert r.catalog_version() == version
        # A write from the reading thread itself is not visible either.
        storage.write(lambda w: w.put(SPACE, *key(b"z"), b"new"))
        assert r.get(SPACE, *key(b"z")) is None
    with storage.read() as r:
        assert r.get(SPACE, *key(b"p", b"0")) == b"new"
        assert r.get(SPACE, *key(b"p", b"3")) is None
        assert r.get(SPACE, *key(b"z")) == b"new"
        assert r.stats(SPACE) == SpaceStats(6, 6)
        assert r.catalog_version() > version


def test_read_blocks_nest_and_are_reusable(storage: Storage) -> None:
    put(storage, SPACE, b"p", b"", b"v")
    with storage.read() as outer:
        with storage.read() as inner:
            assert inner.get(SPACE, *key(b"p")) == b"v"
        assert outer.get(SPACE, *key(b"p")) == b"v"
    for _ in range(3):
        assert get(storage, SPACE, b"p") == b"v"


def test_reads_from_many_threads(storage: Storage) -> None:
    storage.write(puts((b"%d" % i, b"", b"%d" % i) for i in range(50)))
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for i in range(50):
                assert get(storage, SPACE, b"%d" % i) == b"%d" % i
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# -- lifecycle and durability -----------------------------------------------------------------------------------


def test_close_is_idempotent_and_refuses_later_use(storage: Storage) -> None:
    put(storage, SPACE, b"p", b"", b"v")
    assert get(storage, SPACE, b"p") == b"v"  # this thread now has a reader
    storage.close()
    storage.close()
    with pytest.raises(RuntimeError, match="closed"):
        storage.write(lambda w: None)
    with pytest.raises(RuntimeError, match="closed"):
        storage.submit(lambda w: None)
    with pytest.raises(RuntimeError, match="closed"):
        storage.read()


def test_close_finishes_queued_writes(sqlite_backend: Backend) -> None:
    storage = sqlite_backend.open()
    held = HeldWriter(storage)
    futures = [storage.submit(puts([(b"%d" % i, b"", b"v")])) for i in range(50)]
    closer = threading.Thread(target=storage.close)
    closer.start()
    held.release.set()
    closer.join(30)
    assert all(f.done() and f.exception() is None for f in futures)
    reopened = sqlite_backend.open()
    with reopened.read() as r:
        assert len(list(r.scan(SPACE))) == 50


def test_data_survives_close_and_reopen(sqlite_backend: Backend) -> None:
    first = sqlite_backend.open()

    def load(w: WriteView) -> None:
        w.put(SPACE, *key(b"p", b"s"), b"v")
        w.add_stats(SPACE, 1, 10)
        w.catalog_put("table/t", b"desc")

    first.write(load)
    with first.read() as r:
        version = r.catalog_version()
    first.close()
    second = sqlite_backend.open()
    with second.read() as r:
        assert r.get(SPACE, *key(b"p", b"s")) == b"v"
        assert r.stats(SPACE) == SpaceStats(1, 10)
        assert r.catalog_get("table/t") == b"desc"
        assert r.catalog_version() == version


def test_two_storages_on_one_file_both_write(sqlite_backend: Backend) -> None:
    """Like two server processes sharing one database: each has its own writer; SQLite serialises them."""
    a = sqlite_backend.open()
    b = sqlite_backend.open()
    errors: list[BaseException] = []

    def worker(storage: Storage, name: bytes) -> None:
        try:
            for i in range(60):

                def fn(w: WriteView, i: int = i) -> int:
                    w.put(SPACE, *key(name + b"%d" % i), b"v")
                    w.add_stats(SPACE, 1, 1)
                    if i % 20 == 0:
                        w.catalog_put(name.decode() + str(i), b"")
                    return w.next_space_id()

                storage.write(fn)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(s, n)) for s, n in ((a, b"a"), (b, b"b"), (a, b"c"), (b, b"d"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for s in (a, b):
        with s.read() as r:
            assert len(list(r.scan(SPACE))) == 240
            assert r.stats(SPACE) == SpaceStats(240, 240)  # counters are deltas, so neither lost the other's
            assert len(r.catalog_list("")) == 12
    ids = {a.write(lambda w: w.next_space_id()), b.write(lambda w: w.next_space_id())}
    assert min(ids) > 240


def test_readers_of_finished_threads_are_released(sqlite_backend: Backend) -> None:
    storage = sqlite_backend.open()
    assert isinstance(storage, SqliteStorage)
    put(storage, SPACE, b"p", b"", b"v")
    for _ in range(20):
        t = threading.Thread(target=get, args=(storage, SPACE, b"p"))
        t.start()
        t.join()
    deadline = time.monotonic() + 10
    while sum(f.alive for f in storage._reader_finalizers) > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sum(f.alive for f in storage._reader_finalizers) <= 1


def test_sqlite_refuses_memory_databases_and_bad_options(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="file"):
        SqliteStorage(":memory:")
    with pytest.raises(ValueError, match="durability"):
        SqliteStorage(str(tmp_path / "x.db"), durability="fast")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="group_limit"):
        SqliteStorage(str(tmp_path / "x.db"), group_limit=0)


def test_both_backends_satisfy_the_protocol() -> None:
    def accepts(factory: Callable[[], Storage]) -> Callable[[], Storage]:
        return factory

    accepts(MemoryStorage)


def test_a_raising_write_during_a_read_block_leaves_both_views_intact(storage: Storage) -> None:
    storage.write(puts([(b"kept", b"", b"kept"), (b"deleted-by-failed", b"", b"still here")], count=True))
    with storage.read() as r:
        with pytest.raises(Boom):
            storage.write(failing_fn)
        storage.write(puts([(b"later", b"", b"v")]))
        assert r.get(SPACE, *key(b"later")) is None
        assert r.get(SPACE, *key(b"kept")) == b"kept"
    with storage.read() as r:
        assert [row.pk for row in r.scan(SPACE)] == sorted(
            [b"kept", b"deleted-by-failed", b"later"], key=lambda pk: (partition_hash(pk), pk)
        )
        assert r.get(SPACE, *key(b"kept")) == b"kept"
        assert r.stats(SPACE) == SpaceStats(2, 2)


def test_a_write_function_cannot_close_its_storage(sqlite_backend: Backend) -> None:
    storage = sqlite_backend.open()
    with pytest.raises(RuntimeError, match="cannot close"):
        storage.write(lambda w: storage.close())
    put(storage, SPACE, b"p", b"", b"still open")


# -- async submission ---------------------------------------------------------------------------------------


def test_submit_async_resolves_each_write_with_its_result_or_error(storage: Storage) -> None:
    import asyncio

    async def main() -> list[object]:
        def ok(i: int) -> Callable[[WriteView], int]:
            def fn(w: WriteView) -> int:
                w.put(SPACE, *key(b"a%d" % i), b"v")
                return i

            return fn

        def boom(w: WriteView) -> int:
            w.put(SPACE, *key(b"never"), b"v")
            raise ValueError("no")

        futures = [storage.submit_async(ok(i)) for i in range(50)] + [storage.submit_async(boom)]
        return await asyncio.gather(*futures, return_exceptions=True)

    results = asyncio.run(main())
    assert results[:50] == list(range(50))
    assert isinstance(results[50], ValueError)
    assert get(storage, SPACE, b"a49") == b"v"
    assert get(storage, SPACE, b"never") is None


def test_submit_async_caller_cancelled_still_lets_the_write_land(storage: Storage) -> None:
    import asyncio

    async def main() -> None:
        future = storage.submit_async(lambda w: w.put(SPACE, *key(b"c"), b"v"))
        future.cancel()
        await asyncio.sleep(0.05)

    asyncio.run(main())
    storage.write(lambda w: None)  # everything queued before this has committed
    assert get(storage, SPACE, b"c") == b"v"


# -- relaxed and pipelined: writes committed on the event loop ---------------------------------------------------


@pytest.mark.parametrize("durability", ["relaxed", "pipelined"])
def test_inline_async_writes_commit_on_the_loop_one_group_per_turn(tmp_path: Path, durability: str) -> None:
    import asyncio

    storage = SqliteStorage(str(tmp_path / "t.db"), durability=durability)  # type: ignore[arg-type]
    threads: set[int] = set()

    def write(i: int) -> WriteFn:
        def fn(w: WriteView) -> None:
            threads.add(threading.get_ident())
            w.put(SPACE, *key(b"k%d" % i), b"v")

        return fn

    async def main() -> int:
        commits = storage.commit_count
        await asyncio.gather(*(storage.submit_async(write(i)) for i in range(20)))
        return storage.commit_count - commits

    try:
        loop_thread = threading.get_ident()
        assert asyncio.run(main()) == 1
        assert threads == {loop_thread}
        assert get(storage, SPACE, b"k19") == b"v"
    finally:
        storage.close()


@pytest.mark.parametrize("durability", ["relaxed", "pipelined"])
def test_inline_async_writes_wait_on_the_writer_thread_while_another_process_writes(
    tmp_path: Path, durability: str
) -> None:
    import asyncio
    import fcntl
    import os

    path = str(tmp_path / "t.db")
    storage = SqliteStorage(path, durability=durability)  # type: ignore[arg-type]
    other = os.open(path + "-writer.lock", os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX)  # what another server process holds during its commit
    threads: set[int] = set()

    def fn(w: WriteView) -> None:
        threads.add(threading.get_ident())
        w.put(SPACE, *key(b"late"), b"v")

    async def main() -> None:
        future = storage.submit_async(fn)
        await asyncio.sleep(0.1)
        assert not future.done()  # the loop went on: it did not wait for the lock
        fcntl.flock(other, fcntl.LOCK_UN)
        await asyncio.wait_for(future, 30)

    try:
        asyncio.run(main())
        assert threads and threading.get_ident() not in threads
        assert get(storage, SPACE, b"late") == b"v"
    finally:
        os.close(other)
        storage.close()


@pytest.mark.parametrize("durability", ["relaxed", "pipelined"])
def test_inline_storage_checkpoints_in_the_background(tmp_path: Path, durability: str) -> None:
    import asyncio
    import os

    from nubis.tables.storage.sqlite import CHECKPOINT_EVERY

    path = str(tmp_path / "t.db")
    storage = SqliteStorage(path, durability=durability)  # type: ignore[arg-type]
    before = os.path.getsize(path)

    async def main() -> None:
        for i in range(3 * CHECKPOINT_EVERY):
            await storage.submit_async(lambda w, i=i: w.put(SPACE, *key(b"k%d" % i), b"x" * 100))

    try:
        asyncio.run(main())
        deadline = time.monotonic() + 30
        while os.path.getsize(path) <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.path.getsize(path) > before  # committed pages were copied from the WAL into the database
    finally:
        storage.close()


def test_pipelined_acknowledges_a_write_only_after_the_wal_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from nubis.tables.storage import sqlite

    synced = threading.Event()
    release = threading.Event()
    real = sqlite._datasync

    def slow_fdatasync(fd: int) -> None:
        assert release.wait(30)
        real(fd)
        synced.set()

    monkeypatch.setattr(sqlite, "_datasync", slow_fdatasync)
    storage = SqliteStorage(str(tmp_path / "t.db"), durability="pipelined")

    async def main() -> None:
        future = storage.submit_async(lambda w: w.put(SPACE, *key(b"k"), b"v"))
        await asyncio.sleep(0.1)
        assert not future.done()  # committed, but not acknowledged before its fsync
        release.set()
        await asyncio.wait_for(future, 30)
        assert synced.is_set()

    try:
        asyncio.run(main())
    finally:
        release.set()
        storage.close()


def test_pipelined_write_fails_when_its_fsync_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from nubis.tables.storage import sqlite

    def failing_fdatasync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(sqlite, "_datasync", failing_fdatasync)
    storage = SqliteStorage(str(tmp_path / "t.db"), durability="pipelined")

    async def main() -> None:
        with pytest.raises(OSError, match="Input/output"):
            await storage.submit_async(lambda w: w.put(SPACE, *key(b"k"), b"v"))
        with pytest.raises(OSError, match="Input/output"):
            await asyncio.get_running_loop().run_in_executor(None, storage.write, lambda w: None)

    try:
        asyncio.run(main())
    finally:
        storage.close()


@pytest.mark.parametrize("durability", ["relaxed", "pipelined"])
def test_inline_storage_keeps_the_wal_bounded_under_steady_writes(tmp_path: Path, durability: str) -> None:
    # A PASSIVE checkpoint never catches up with a steady stream of inline commits; the WAL must still restart,
    # also while readers keep reading (each pins the WAL it started on).
    import asyncio
    import os
    import threading

    from nubis.tables.storage.sqlite import WAL_RESTART_FRAMES

    path = str(tmp_path / "t.db")
    storage = SqliteStorage(path, durability=durability)  # type: ignore[arg-type]
    biggest = 0

    async def writer(task: int, count: int) -> None:
        nonlocal biggest
        for i in range(count):
            await storage.submit_async(lambda w, k=b"t%d-%d" % (task, i): w.put(SPACE, *key(k), b"x" * 300))
            if i % 100 == 0 and os.path.exists(path + "-wal"):
                biggest = max(biggest, os.path.getsize(path + "-wal"))

    async def main() -> None:
        await asyncio.gather(*(writer(t, 2500) for t in range(8)))

    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            get(storage, SPACE, b"t0-0")
            time.sleep(0.0002)  # as a server's reader threads do between requests: not a GIL-hogging spin

    readers = [threading.Thread(target=reader) for _ in range(2)]
    try:
        for thread in readers:
            thread.start()
        try:
            asyncio.run(main())
        finally:
            stop.set()
            for thread in readers:
                thread.join()
        # Unbounded, 20 000 writes leave over 100 MB here; restarted, the WAL stays within a few restarts' worth.
        assert biggest < 3 * WAL_RESTART_FRAMES * 4096, biggest
        assert get(storage, SPACE, b"t0-0") == b"x" * 300 and get(storage, SPACE, b"t7-2499") == b"x" * 300
    finally:
        storage.close()


@pytest.mark.parametrize("durability", ["relaxed", "full"])
def test_writes_wait_for_a_checkpoint_that_falls_behind(
    tmp_path: Path, durability: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A starved checkpointer (a loaded machine, a slow disk): the first checkpoint here is stuck until released.
    # A steady stream of writes would keep growing the WAL meanwhile; once it is past the hold mark they wait for
    # a checkpoint instead (on the writer thread: the event loop goes on), and all go through once it has run.
    import asyncio
    import os
    import threading

    from nubis.tables.storage import sqlite
    from nubis.tables.storage.sqlite import WAL_HOLD_FRAMES, WAL_RESTART_FRAMES

    connect = sqlite._connect
    release = threading.Event()

    class StuckCheckpoint:
        def __init__(self, conn: Any) -> None:
            self._conn = conn

        def execute(self, sql: str, *args: Any) -> Any:
            if sql.startswith("PRAGMA wal_checkpoint"):
                release.wait(30)
            return self._conn.execute(sql, *args)

        def close(self) -> None:
            self._conn.close()

    def stuck_connect(path: str) -> Any:
        conn = connect(path)
        return StuckCheckpoint(conn) if threading.current_thread().name.startswith("nubis-sqlite-checkpoint") else conn

    monkeypatch.setattr(sqlite, "_connect", stuck_connect)
    path = str(tmp_path / "t.db")
    storage = SqliteStorage(path, durability=durability)  # type: ignore[arg-type]
    per_writer, value = 1500, b"x" * 3000
    done = 0

    async def writer(task: int) -> None:
        nonlocal done
        for i in range(per_writer):
            await storage.submit_async(lambda w, k=b"t%d-%d" % (task, i): w.put(SPACE, *key(k), value))
            done += 1

    async def main() -> tuple[int, int]:
        tasks = [asyncio.create_task(writer(task)) for task in range(8)]
        stalled_at = last = -1
        for _ in range(60):
            await asyncio.sleep(0.25)
            if done == last or all(task.done() for task in tasks):
                stalled_at = -1 if all(task.done() for task in tasks) else done
                break
            last = done
        wal = os.path.getsize(path + "-wal")
        release.set()
        await asyncio.gather(*tasks)
        return stalled_at, wal

    try:
        stalled_at, wal = asyncio.run(main())
        # Without the hold every write went through while the checkpoint was stuck, the WAL growing all along;
        # with it, they stop a commit or so past the hold mark.
        assert stalled_at > 0, "the writes never waited for the stuck checkpoint"
        assert WAL_HOLD_FRAMES * 4096 < wal < 3 * WAL_RESTART_FRAMES * 4096, wal
        assert done == 8 * per_writer
        assert get(storage, SPACE, b"t0-0") == value and get(storage, SPACE, b"t7-%d" % (per_writer - 1)) == value
    finally:
        release.set()
        storage.close()


@pytest.mark.parametrize("durability", ["relaxed", "pipelined"])
def test_inline_writes_never_wait_on_the_loop_for_a_foreign_sqlite_writer(tmp_path: Path, durability: str) -> None:
    # The flock keeps Nubis processes apart; a foreign connection (a tool, a backup) holds SQLite's own lock.
    import asyncio
    import sqlite3

    path = str(tmp_path / "t.db")
    storage = SqliteStorage(path, durability=durability)  # type: ignore[arg-type]
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    threads: set[int] = set()

    def fn(w: WriteView) -> None:
        threads.add(threading.get_ident())
        w.put(SPACE, *key(b"after"), b"v")

    async def main() -> float:
        future = storage.submit_async(fn)
        started = time.monotonic()
        await asyncio.sleep(0.05)
        lag = time.monotonic() - started  # a loop blocked in SQLite's busy handler would show here
        assert not future.done()
        other.execute("COMMIT")
        await asyncio.wait_for(future, 30)
        return lag

    try:
        assert asyncio.run(main()) < 1.0
        assert threads and threading.get_ident() not in threads  # the writer thread waited, not the loop
        assert get(storage, SPACE, b"after") == b"v"
    finally:
        other.close()
        storage.close()


@pytest.mark.parametrize("durability", ["full", "relaxed"])
def test_a_write_function_raising_stop_iteration_fails_alone(tmp_path: Path, durability: str) -> None:
    import asyncio

    storage = SqliteStorage(str(tmp_path / "t.db"), durability=durability)  # type: ignore[arg-type]

    def bad(w: WriteView) -> None:
        raise StopIteration

    async def main() -> list[Any]:
        return await asyncio.gather(
            storage.submit_async(lambda w: w.put(SPACE, *key(b"a"), b"v")),
            storage.submit_async(bad),
            storage.submit_async(lambda w: w.put(SPACE, *key(b"b"), b"v")),
            return_exceptions=True,
        )

    try:
        first, second, third = asyncio.run(main())
        assert first is None and third is None
        assert isinstance(second, RuntimeError) and isinstance(second.__cause__, StopIteration)
        assert get(storage, SPACE, b"a") == b"v" and get(storage, SPACE, b"b") == b"v"
    finally:
        storage.close()


def test_full_durability_acknowledges_and_lets_readers_answer_only_after_the_fsync(
    tmp_path: Path, held_fsync: threading.Event
) -> None:
    # "full" commits on the loop and fsyncs on the syncer thread: the write is visible from its COMMIT on, so a
    # reader must wait (``durable``) until what it saw is on disk, as the writer waits for its acknowledgement.
    import asyncio

    gate = held_fsync
    storage = SqliteStorage(str(tmp_path / "t.db"), durability="full")

    async def main() -> None:
        assert storage.durable() is None  # nothing written: nothing to wait for
        write = storage.submit_async(lambda w: w.put(SPACE, *key(b"k"), b"v"))
        await asyncio.sleep(0.05)
        assert get(storage, SPACE, b"k") == b"v"  # committed, visible
        assert not write.done()  # but not acknowledged: its fsync is held
        barrier = storage.durable()
        assert barrier is not None
        await asyncio.sleep(0.05)
        assert not barrier.done()
        gate.set()
        await asyncio.wait_for(write, 5)
        await asyncio.wait_for(barrier, 5)
        assert storage.durable() is None

    try:
        asyncio.run(main())
    finally:
        gate.set()
        storage.close()


def test_shared_full_durability_fsyncs_inside_the_commit(tmp_path: Path, held_fsync: threading.Event) -> None:
    # With other processes on the file (serve --workers N), no syncer: the commit itself fsyncs (SQLite's FULL), so
    # readers never wait and the held syncer fsync is never used.
    gate = held_fsync
    storage = SqliteStorage(str(tmp_path / "t.db"), durability="full", shared=True)
    try:
        storage.write(lambda w: w.put(SPACE, *key(b"k"), b"v"))
        assert get(storage, SPACE, b"k") == b"v"
        assert storage.durable() is None
        storage.wait_durable()
    finally:
        gate.set()
        storage.close()


@pytest.mark.parametrize("durability", ["full", "pipelined"])
def test_writes_made_during_an_fsync_share_one_commit_after_it(
    tmp_path: Path, held_fsync: threading.Event, durability: Literal["full", "pipelined"]
) -> None:
    # Nothing committed while an fsync runs could be acknowledged before the next one, so such writes wait (later
    # ones joining them) and go in one commit when it ends: ordered as submitted, each still atomic.
    import asyncio

    gate = held_fsync
    storage = SqliteStorage(str(tmp_path / "t.db"), durability=durability)

    def fail(view: WriteView) -> None:
        raise ValueError("refused")

    async def main() -> None:
        first = storage.submit_async(lambda w: w.put(SPACE, *key(b"a"), b"1"))
        await asyncio.sleep(0.05)  # committed; its fsync is held
        commits = storage._commit_count
        later = [storage.submit_async(lambda w: w.put(SPACE, *key(b"b"), b"1"))]
        await asyncio.sleep(0)  # another loop turn: these join the waiting group, no commit per turn
        later.append(storage.submit_async(fail))
        later.append(storage.submit_async(lambda w: w.put(SPACE, *key(b"b"), b"2")))
        await asyncio.sleep(0.05)
        assert storage._commit_count == commits and get(storage, SPACE, b"b") is None
        assert not any(f.done() for f in [first, *later])
        gate.set()
        await asyncio.wait_for(first, 5)
        results = await asyncio.wait_for(asyncio.gather(*later, return_exceptions=True), 5)
        assert results[0] is None and isinstance(results[1], ValueError) and results[2] is None
        assert storage._commit_count == commits + 1
        assert get(storage, SPACE, b"b") == b"2"

    try:
        asyncio.run(main())
    finally:
        gate.set()
        storage.close()

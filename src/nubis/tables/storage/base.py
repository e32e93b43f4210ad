"""The storage seam: an ordered key-value store of items, a catalogue, and group-committed write sets.

Every table and every index is a *space* (an integer id from ``next_space_id``). Within a space a row is keyed by
``(h, pk, sk)``: ``h`` is ``keys.partition_hash(pk)``, ``pk`` and ``sk`` are ``keys.encode_key_value`` bytes
(``sk`` is ``b""`` for a table without a sort key). Rows are ordered by ``(h, pk, sk)`` with bytes compared
unsigned (memcmp), so a Query is a byte range within one ``(h, pk)`` and a Scan walks the hash order. Values are
opaque bytes (the engine stores orjson of the item).

Writes happen only inside ``submit``/``write``: the backend runs each write function on its single writer, in
submission order, each one atomic (if it raises, none of its writes or counter changes happen), and acknowledges it
only once durable. A write function acts only through its view: a backend may run it more than once (SQLite runs
a group again when one of its functions raised after writing), and only the last run counts. Several functions
may share one commit (group commit); each still sees the writes of the ones before it. Reads happen inside
``read()``: a consistent snapshot for the duration of the ``with`` block.

The catalogue is a small map of text keys to bytes (table descriptions, tags, settings); ``catalog_version`` changes
whenever any catalogue entry changes, so processes sharing a database can cache descriptions cheaply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Row:
    h: int
    pk: bytes
    sk: bytes
    value: bytes


@dataclass(frozen=True, slots=True)
class SpaceStats:
    item_count: int
    size_bytes: int


class ReadView(Protocol):
    def get(self, space: int, h: int, pk: bytes, sk: bytes) -> bytes | None:
        """The value stored under exactly this key, or None."""

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
        """``(sk, value)`` of one partition with ``lo <= sk <= hi`` (None: unbounded), in sk order or reversed."""

    def scan(
        self,
        space: int,
        after: tuple[int, bytes, bytes] | None = None,
        h_lo: int = 0,
        h_hi: int = 1 << 32,
    ) -> Iterator[Row]:
        """Rows with ``h_lo <= h < h_hi`` in ``(h, pk, sk)`` order, strictly after ``after`` when given."""

    def stats(self, space: int) -> SpaceStats:
        """Item count and total item size of a space, as maintained by ``WriteView.add_stats``."""

    def catalog_get(self, key: str) -> bytes | None: ...

    def catalog_list(self, prefix: str) -> list[tuple[str, bytes]]:
        """Entries whose key starts with ``prefix``, in key order."""

    def catalog_version(self) -> int: ...


class WriteView(ReadView, Protocol):
    def put(self, space: int, h: int, pk: bytes, sk: bytes, value: bytes) -> None: ...

    def delete(self, space: int, h: int, pk: bytes, sk: bytes) -> None: ...

    def drop_space(self, space: int) -> None:
        """Delete every row and the stats of a space (DeleteTable, deleting an index)."""

    def add_stats(self, space: int, item_count_delta: int, size_delta: int) -> None: ...

    def catalog_put(self, key: str, value: bytes) -> None: ...

    def catalog_delete(self, key: str) -> None: ...

    def next_space_id(self) -> int:
        """A space id never handed out before in this database."""


class Storage(Protocol):
    def read(self) -> AbstractContextManager[ReadView]:
        """A consistent snapshot for the ``with`` block; usable from any thread, one thread at a time."""

    def get(self, space: int, h: int, pk: bytes, sk: bytes) -> bytes | None:
        """One row outside any ``read()`` block: a single lookup is its own consistent snapshot, and skipping the
        block's begin/end is most of a point read's storage cost."""

    def submit(self, fn: Callable[[WriteView], T]) -> Future[T]:
        """Queue a write function; the future resolves with its result once the commit holding it is durable."""

    def submit_async(self, fn: Callable[[WriteView], T]) -> asyncio.Future[T]:
        """``submit`` for a caller running on an event loop (the wire layer): the loop's future resolves once the
        write is durable. Backends may acknowledge a whole group with one wake-up of the loop."""

    def write(self, fn: Callable[[WriteView], T]) -> T:
        """``submit(fn).result()``: for synchronous callers."""

    def durable(self) -> asyncio.Future[None] | None:
        """For a reader on an event loop: None when every write a read made so far could have seen is durable, else
        a future resolved once it is. A reader waits on it before answering, so that nobody is told of a write a
        power loss could still undo (SQLite ``full``: commits are visible just before their fsync)."""
        ...

    def wait_durable(self) -> None:
        """``durable`` for a synchronous reader: returns once every write it could have seen is durable."""
        ...

    def close(self) -> None:
        """Finish queued writes, then release files and threads. Idempotent."""

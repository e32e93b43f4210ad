"""Choosing a backend from a storage URL: the one place that knows the concrete storage classes.

The engine sees only the ``Storage`` protocol (import-linter forbids it the backends), so the server and the tests
turn a settings string into a backend here. URLs, as in settings and on the command line:

- ``memory:``: ``MemoryStorage`` (nothing persists).
- ``sqlite:///abs/path.db`` (absolute) or ``sqlite:relative/path.db`` (relative to the working directory):
  ``SqliteStorage``; missing parent folders are created, so ``sqlite:.nubis/tables.db`` just works.
- ``postgresql://...``: reserved for the scale-out backend, which is not built yet.

The engine's ``open_engine(url)`` will live here too, on top of ``open_storage``.
"""

from __future__ import annotations

import os
from typing import Literal

from nubis.tables.storage.base import Storage

Durability = Literal["full", "relaxed", "pipelined"]


def open_storage(url: str, *, durability: Durability = "full", shared: bool = False) -> Storage:
    """Open the storage backend a URL names.

    Args:
        url: ``memory:``, ``sqlite:///abs/path.db`` or ``sqlite:relative/path.db``.
        durability: for SQLite, ``"full"`` (fsync on every commit; the default), ``"pipelined"`` (acknowledged
            writes fsynced too, by a syncer thread, while the next ones are applied) or ``"relaxed"`` (no fsync:
            survives kill -9, not power loss). Ignored by ``memory:``, which has nothing to make durable.
        shared: other processes use the same SQLite file meanwhile (``nubis serve --workers N``). ``full`` then
            fsyncs inside each commit, since a reader elsewhere could not be made to wait for a syncer here.

    Returns:
        The open backend; the caller closes it.

    Raises:
        ValueError: an unknown scheme, a URL without a path, or ``postgresql:`` (not built yet).
    """
    scheme, sep, rest = url.partition(":")
    scheme = scheme.lower()
    if not sep:
        raise ValueError(f"storage URL {url!r} has no scheme: use 'memory:' or 'sqlite:path/to/file.db'")
    if scheme == "memory":
        if rest not in ("", "//"):
            raise ValueError(f"storage URL {url!r}: 'memory:' takes no path")
        from nubis.tables.storage.memory import MemoryStorage

        return MemoryStorage()
    if scheme == "sqlite":
        path = _sqlite_path(url, rest)
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        from nubis.tables.storage.sqlite import SqliteStorage

        return SqliteStorage(path, durability=durability, shared=shared)
    if scheme in ("postgresql", "postgres"):
        raise ValueError(f"storage URL {url!r}: the PostgreSQL backend is not built yet; use 'sqlite:' or 'memory:'")
    raise ValueError(f"storage URL {url!r}: unknown scheme {scheme!r}; use 'memory:' or 'sqlite:path/to/file.db'")


def _sqlite_path(url: str, rest: str) -> str:
    # sqlite:///abs/path -> /abs/path (empty authority, as in SQLAlchemy); sqlite:rel/path -> rel/path.
    if rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        if authority:
            raise ValueError(f"storage URL {url!r}: a host is not allowed; use 'sqlite:///abs/path.db'")
        path = slash + path
    else:
        path = rest
    if not path or path.endswith("/"):
        raise ValueError(f"storage URL {url!r} names no database file")
    if path == ":memory:":
        raise ValueError(f"storage URL {url!r}: use 'memory:' for an in-memory store")
    return path

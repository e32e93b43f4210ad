"""Code reload: notice that a function's ``.py`` files changed, so its pool recycles its workers.

A watcher keeps a ``version`` number that grows on every change under the code directory; a pool remembers the
version its workers were started with, and the runtime recycles the pool (kill the idle workers, retire the busy
ones when they finish) when the two differ. The check runs at the start of every invocation, so a change is
picked up by the *next* invocation, never a later one:

- **Linux: inotify** (through ``ctypes``, no dependency). The check is one non-blocking ``read`` of the inotify
  fd (about a microsecond). Because an editor's write happens before the request that follows it is sent, its
  event is already queued when the request is handled: no race, no polling interval.
- **Elsewhere: mtime polling**, a scan of the ``.py`` files at most every ``interval`` seconds.

Directories whose names start with ``.``, ``__pycache__``, ``node_modules`` and virtual environments are not
watched (the data directory, ``.nubis``, lives in the project folder).
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import struct
import sys
import time
from pathlib import Path

logger = logging.getLogger(__name__)

SKIP_DIRS = frozenset({"__pycache__", "node_modules", "venv", "site-packages"})
MAX_WATCHES = 4096

_IN_MODIFY = 0x002
_IN_ATTRIB = 0x004
_IN_CLOSE_WRITE = 0x008
_IN_MOVED_FROM = 0x040
_IN_MOVED_TO = 0x080
_IN_CREATE = 0x100
_IN_DELETE = 0x200
_IN_ISDIR = 0x40000000
_IN_Q_OVERFLOW = 0x4000
_IN_NONBLOCK = 0o4000
_IN_CLOEXEC = 0o2000000
_MASK = _IN_MODIFY | _IN_ATTRIB | _IN_CLOSE_WRITE | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
_EVENT = struct.Struct("iIII")


def _watched_dirs(root: Path) -> list[str]:
    found: list[str] = []
    for current, dirs, _files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS and not d.endswith(".dist-info")]
        found.append(current)
        if len(found) >= MAX_WATCHES:
            break
    return found


class CodeWatcher:
    """Changes under one code directory, as a growing ``version`` (see the module docstring)."""

    def __init__(self, root: Path, *, interval: float = 1.0) -> None:
        self.root = root
        self.version = 0
        self.interval = interval
        self._fd: int | None = None
        self._libc: ctypes.CDLL | None = None
        self._watches: dict[int, str] = {}
        self._snapshot: dict[str, float] = {}
        self._last_scan = 0.0
        if sys.platform.startswith("linux"):
            try:
                self._start_inotify()
            except OSError as exc:
                logger.info("inotify unavailable (%s); polling %s for changes", exc, root)
                self._fd = None
        if self._fd is None:
            self._snapshot = self._scan()
            self._last_scan = time.monotonic()

    def _start_inotify(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._libc, self._fd = libc, fd
        for directory in _watched_dirs(self.root):
            self._add_watch(directory)

    def _add_watch(self, directory: str) -> None:
        assert self._libc is not None and self._fd is not None
        wd = self._libc.inotify_add_watch(self._fd, os.fsencode(directory), _MASK)
        if wd >= 0:
            self._watches[wd] = directory

    def check(self) -> int:
        """The current version, after taking in every change made so far."""
        if self._fd is not None:
            self._read_events()
        elif time.monotonic() - self._last_scan >= self.interval:
            snapshot = self._scan()
            self._last_scan = time.monotonic()
            if snapshot != self._snapshot:
                self._snapshot = snapshot
                self.version += 1
        return self.version

    def _read_events(self) -> None:
        assert self._fd is not None
        changed = False
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            except OSError as exc:  # pragma: no cover - the fd went away
                if exc.errno != errno.EINTR:
                    break
                continue
            offset = 0
            while offset + _EVENT.size <= len(data):
                wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                name = (
                    data[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0").decode("utf-8", "replace")
                )
                offset += _EVENT.size + length
                if mask & _IN_Q_OVERFLOW:
                    changed = True
                elif mask & _IN_ISDIR:
                    if name.startswith(".") or name in SKIP_DIRS:
                        continue
                    changed = True
                    if mask & (_IN_CREATE | _IN_MOVED_TO) and wd in self._watches:
                        for directory in _watched_dirs(Path(self._watches[wd]) / name):
                            self._add_watch(directory)
                elif name.endswith(".py"):
                    changed = True
        if changed:
            self.version += 1

    def _scan(self) -> dict[str, float]:
        snapshot: dict[str, float] = {}
        for directory in _watched_dirs(self.root):
            try:
                entries = list(os.scandir(directory))
            except OSError:
                continue
            for entry in entries:
                if entry.name.endswith(".py"):
                    try:
                        snapshot[entry.path] = entry.stat().st_mtime
                    except OSError:
                        continue
        return snapshot

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

"""Fixtures shared by the table engine's and storages' unit tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

import nubis.tables.storage.sqlite as sqlite_module


@pytest.fixture
def held_fsync(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Every WAL fsync of a SQLite syncer waits until the event is set (set again at teardown)."""
    gate = threading.Event()
    real = sqlite_module._datasync

    def datasync(fd: int) -> None:
        gate.wait(10)
        real(fd)

    monkeypatch.setattr(sqlite_module, "_datasync", datasync)
    yield gate
    gate.set()

"""``open_storage`` turns a storage URL into a backend, and refuses anything else with a message that says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from nubis.tables.open import open_storage
from nubis.tables.storage.memory import MemoryStorage
from nubis.tables.storage.sqlite import SqliteStorage


def test_memory_url_opens_memory_storage() -> None:
    storage = open_storage("memory:")
    try:
        assert isinstance(storage, MemoryStorage)
    finally:
        storage.close()


def test_absolute_sqlite_url_creates_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "tables.db"
    storage = open_storage(f"sqlite://{path}", durability="relaxed")
    try:
        assert isinstance(storage, SqliteStorage)
        assert storage.path == str(path)
        assert storage.durability == "relaxed"
        assert path.exists()
    finally:
        storage.close()


def test_relative_sqlite_url_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    storage = open_storage("sqlite:.nubis/tables.db")
    try:
        assert isinstance(storage, SqliteStorage)
        assert storage.durability == "full"
        assert (tmp_path / ".nubis" / "tables.db").exists()
    finally:
        storage.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://db/nubis", "not built yet"),
        ("redis://x", "unknown scheme"),
        ("tables.db", "no scheme"),
        ("sqlite:", "no database file"),
        ("sqlite://host/x.db", "host is not allowed"),
        ("sqlite::memory:", "memory:"),
        ("memory:/x", "takes no path"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_storage(url)

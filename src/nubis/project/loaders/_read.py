"""Typed reads of resolved values, each failing with the file, line and key of the value.

Why a cursor (``At``) instead of passing paths around: every read in a loader needs "where am I" for its error, and
``at / "events" / 0`` reads like the key path it renders (``functions.hello.events[0]``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from nubis.project._source import Document
from nubis.project.errors import ProjectError

__all__ = ["At", "as_bool", "as_int", "as_list", "as_map", "as_opt_str", "as_str", "as_str_list", "type_name"]


class At:
    """A position in a document: the document plus a key path."""

    __slots__ = ("doc", "path")

    def __init__(self, doc: Document, path: tuple[str | int, ...] = ()) -> None:
        self.doc = doc
        self.path = path

    def __truediv__(self, key: str | int) -> At:
        return At(self.doc, (*self.path, key))

    def error(self, code: str, message: str) -> ProjectError:
        return self.doc.error(code, message, self.path)

    @contextmanager
    def located(self) -> Iterator[None]:
        """Adds this location to a ``ProjectError`` raised by model validation inside the block."""
        try:
            yield
        except ProjectError as exc:
            raise self.doc.locate(exc, self.path) from exc


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def as_map(at: At, value: Any, what: str = "value") -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise at.error("bad-type", f"{what} must be a mapping, not {type_name(value)}")
    return value


def as_list(at: At, value: Any, what: str = "value") -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise at.error("bad-type", f"{what} must be a list, not {type_name(value)}")
    return value


def as_str(at: At, value: Any, what: str = "value") -> str:
    """A string; numbers are accepted and converted (YAML reads ``stage: 1`` as a number)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if value is None:
        raise at.error("missing-key", f"{what} is required")
    raise at.error("bad-type", f"{what} must be a string, not {type_name(value)}")


def as_opt_str(at: At, value: Any, what: str = "value") -> str | None:
    return None if value is None else as_str(at, value, what)


def as_str_list(at: At, value: Any, what: str = "value") -> tuple[str, ...]:
    """A list of strings; a single string counts as a list of one (and a comma list stays one item)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    items = as_list(at, value, what)
    return tuple(as_str(at / i, item, f"{what} item") for i, item in enumerate(items))


def as_int(at: At, value: Any, what: str = "value") -> int:
    """An integer; CloudFormation passes numbers through Ref as strings, so ``"10"`` is accepted."""
    if isinstance(value, bool):
        raise at.error("bad-type", f"{what} must be a number, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise at.error("bad-type", f"{what} must be a whole number, not {value!r}")


def as_bool(at: At, value: Any, what: str = "value") -> bool:
    """A boolean; ``"true"``/``"false"`` strings are accepted (CloudFormation parameters are strings)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise at.error("bad-type", f"{what} must be true or false, not {value!r}")

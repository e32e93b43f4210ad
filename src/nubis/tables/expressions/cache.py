"""A bounded LRU of parsed expressions, keyed by language and text.

Clients send the same few expression strings over and over with different ``:values``, so the parse (the costly
part) is cached by text; binding placeholders and compiling closures is a cheap per-request walk. Syntax errors are
cached as well, because a misbehaving client retries the same bad text. The cache is bounded (house habit 11) and
guarded by a lock, since the engine serves several threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Final, Literal

from nubis.tables.errors import ValidationException
from nubis.tables.expressions import ast
from nubis.tables.expressions.parser import parse_condition, parse_key_condition, parse_projection, parse_update

Language = Literal[
    "ConditionExpression", "FilterExpression", "KeyConditionExpression", "UpdateExpression", "ProjectionExpression"
]
Parsed = ast.Node | ast.Update | ast.Projection

DEFAULT_SIZE: Final = 1024

_PARSERS: Final[dict[str, Callable[[str], Parsed]]] = {
    "ConditionExpression": lambda text: parse_condition(text, "ConditionExpression"),
    "FilterExpression": lambda text: parse_condition(text, "FilterExpression"),
    "KeyConditionExpression": parse_key_condition,
    "UpdateExpression": parse_update,
    "ProjectionExpression": parse_projection,
}


class ParseCache:
    """Least-recently-used parse results (trees, or the error message a text produces)."""

    def __init__(self, maxsize: int = DEFAULT_SIZE) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[str, str], Parsed | str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def parse(self, language: Language, text: str) -> Parsed:
        """The tree for ``text`` in ``language``, parsing it at most once while it stays cached.

        Raises:
            ValidationException: the (cached) syntax error for ``text``.
        """
        key = (language, text)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
        if entry is None:
            try:
                entry = _PARSERS[language](text)
            except ValidationException as exc:
                entry = exc.message
            with self._lock:
                self.misses += 1
                self._entries[key] = entry
                self._entries.move_to_end(key)
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
        if isinstance(entry, str):
            raise ValidationException(entry)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = 0
            self.misses = 0


PARSE_CACHE: Final = ParseCache()
"""The process-wide cache ``compile_expressions`` uses."""

"""Route selection expressions: ``$request.body.action``, ``${request.body.a}-${request.body.b}``, ``\\$default``.

Grammar [D apigateway-websocket-api-selection-expressions.md]: variables start with ``$``, ``${...}`` delimits
one, ``\\$`` escapes a dollar, only ``$request.body.<JSONPath>`` is a variable. Every variable is evaluated once
against the message; the result is stringified (an array becomes ``[item1, item2]``) and a missing path gives
``""``. Compiled once per API (house principle 3).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

_VARIABLE = re.compile(
    r"\\\$|\$\{request\.body((?:\.[^.}\[]+|\[\d+\])*)\}|\$request\.body((?:\.[A-Za-z0-9_\-]+|\[\d+\])*)"
)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_MISSING = object()


def _stringify(value: Any) -> str:
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_stringify(item) for item in value) + "]"
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return str(value)


def _walk(document: Any, path: str) -> Any:
    current = document
    for name, index in _STEP.findall(path):
        if name and isinstance(current, dict) and name in current:
            current = current[name]
        elif index and isinstance(current, list) and int(index) < len(current):
            current = current[int(index)]
        else:
            return _MISSING
    return current


def compile_route_selection(expression: str) -> Callable[[str], str | None]:
    """A function from a message's text to its selected route key; None when the expression reads the body and
    the body is not JSON (the message then goes to ``$default``)."""
    parts: list[str | tuple[str]] = []
    position = 0
    for found in _VARIABLE.finditer(expression):
        if found.start() > position:
            parts.append(expression[position : found.start()])
        if found.group(0) == "\\$":
            parts.append("$")
        else:
            parts.append((found.group(1) if found.group(1) is not None else found.group(2) or "",))
        position = found.end()
    parts.append(expression[position:])
    reads_body = any(isinstance(part, tuple) for part in parts)

    def select(text: str) -> str | None:
        document: Any = None
        if reads_body:
            try:
                document = orjson.loads(text)
            except orjson.JSONDecodeError:
                return None
        return "".join(part if isinstance(part, str) else _stringify(_walk(document, part[0])) for part in parts)

    return select

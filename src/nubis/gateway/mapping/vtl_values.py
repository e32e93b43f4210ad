"""The values a mapping template sees: Java objects as API Gateway's Velocity engine shows them (pure).

API Gateway runs templates in Java, so what a template can call and how a value prints are Java's. Templates are
rendered by airspeed (``mapping/vtl.py``), which calls a value's methods by name; these classes give Python values
the Java methods templates use and Java's ``toString``:

::

    JavaString(str)      length() trim() toLowerCase() contains() replaceAll() split() matches() substring() ...
    ├── JsonText         a JSON scalar reached through $input.path: its text, remembering the JSON value
    └── Missing          what a JSON null or an absent path gives: prints nothing, equals both null and ""
    VtlMap(dict)         get() put() keySet() containsKey() size() ...; prints Java-style {a=1, b=x}
    JavaList(list)       size() get() add() contains() isEmpty() ...; prints Java-style [a, b]
    └── VtlList          a JSON array: prints as compact JSON [{"a":1}]

What AWS does and how we know [V LS test_input_path_template_formatting snapshot]: ``$input.path('$')`` of an
object prints ``{foo=bar}``, of an array ``[{"foo":"bar"}]``; an object holding an array prints
``{foo=[{"nested":"bar"}]}``; a missing path or a JSON null prints nothing and compares equal to both ``$null`` and
``""``. Scalars reached through ``$input.path`` are strings on AWS (``$input.path('$').id`` of ``{"id": 1}`` is
``"1"``) [P serverless-offline README "Velocity nuances"]; ``JsonText`` keeps the JSON value so that ``==`` against a
number, ordering and JSON output still treat it as the number it was, and a JSON ``false`` is false in ``#if``
[? kept lenient for templates written either way].
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

__all__ = [
    "MISSING",
    "JavaList",
    "JavaString",
    "JsonText",
    "Missing",
    "VtlList",
    "VtlMap",
    "java_string",
    "json_text",
    "to_plain",
    "to_vtl",
]

_JAVA_GROUP = re.compile(r"\\(.)|\$(\d+)|\$\{(\w+)\}")


def _java_replacement(replacement: str) -> str:
    """Java's replacement syntax (``$1``, ``${name}``, ``\\$``) in Python's (``\\g<1>``)."""

    def convert(found: re.Match[str]) -> str:
        if found.group(1) is not None:
            return found.group(1).replace("\\", "\\\\")
        return f"\\g<{found.group(2) or found.group(3)}>"

    return _JAVA_GROUP.sub(convert, replacement)


def _java_split(text: str, regex: str, limit: int = 0) -> list[str]:
    """``String.split``: no capture groups in the result, trailing empty strings dropped (limit 0), and a
    zero-width match at the start gives no leading empty string."""
    parts: list[str] = []
    start = 0
    for found in re.finditer(regex, text):
        if 0 < limit <= len(parts) + 1:
            break
        if found.end() == 0:
            continue
        parts.append(text[start : found.start()])
        start = found.end()
    parts.append(text[start:])
    if limit == 0:
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
    return parts


class JavaString(str):
    """A string with the ``java.lang.String`` methods templates call (``$s.toLowerCase()``)."""

    __slots__ = ()

    def length(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def trim(self) -> JavaString:
        start, end = 0, len(self)
        while start < end and self[start] <= " ":
            start += 1
        while end > start and self[end - 1] <= " ":
            end -= 1
        return JavaString(self[start:end])

    def toLowerCase(self) -> JavaString:
        return JavaString(str.lower(self))

    def toUpperCase(self) -> JavaString:
        return JavaString(str.upper(self))

    def toString(self) -> JavaString:
        return JavaString(self)

    def contains(self, other: Any) -> bool:
        return java_string(other) in self

    def startsWith(self, prefix: Any) -> bool:
        return self.startswith(java_string(prefix))

    def endsWith(self, suffix: Any) -> bool:
        return self.endswith(java_string(suffix))

    def indexOf(self, other: Any) -> int:
        return self.find(java_string(other))

    def lastIndexOf(self, other: Any) -> int:
        return self.rfind(java_string(other))

    def substring(self, start: int, end: int | None = None) -> JavaString:
        return JavaString(self[start:end])

    def charAt(self, index: int) -> JavaString:
        return JavaString(self[index])

    def concat(self, other: Any) -> JavaString:
        return JavaString(self + java_string(other))

    def equals(self, other: Any) -> bool:
        return str(self) == java_string(other)

    def equalsIgnoreCase(self, other: Any) -> bool:
        return str.lower(self) == str.lower(java_string(other))

    def replace(self, old: Any, new: Any, count: Any = -1) -> JavaString:
        """Java's ``replace(target, replacement)``: every occurrence, literally (Python's, with ``count``)."""
        return JavaString(str.replace(self, java_string(old), java_string(new), count))

    def replaceAll(self, regex: Any, replacement: Any) -> JavaString:
        return JavaString(re.sub(java_string(regex), _java_replacement(java_string(replacement)), self))

    def replaceFirst(self, regex: Any, replacement: Any) -> JavaString:
        return JavaString(re.sub(java_string(regex), _java_replacement(java_string(replacement)), self, count=1))

    def matches(self, regex: Any) -> bool:
        """Java's ``matches`` is a whole-string match."""
        return re.fullmatch(java_string(regex), self) is not None

    def split(self, regex: Any = None, limit: Any = 0) -> JavaList:
        """Java's ``split(regex)``, not Python's: the argument is a regular expression."""
        if regex is None:
            return JavaList(JavaString(part) for part in str.split(self))
        return JavaList(JavaString(part) for part in _java_split(self, java_string(regex), int(limit)))


class JsonText(JavaString):
    """A JSON scalar as ``$input.path`` gives it: its text, with the JSON value kept for comparisons and output."""

    json_value: str | int | float | bool

    @classmethod
    def of(cls, value: str | int | float | bool) -> JsonText:
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str):
            text = value
        else:
            text = _number_text(value)
        made = cls(text)
        made.json_value = value
        return made

    def _number(self) -> int | float | None:
        value = self.json_value
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    def __bool__(self) -> bool:
        value = self.json_value
        return value if isinstance(value, bool) else bool(str(self))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, bool):
            return self.json_value is other if isinstance(self.json_value, bool) else str(self) == java_string(other)
        number = self._number()
        if isinstance(other, JsonText) and number is not None and other._number() is not None:
            return number == other._number()
        if isinstance(other, int | float) and number is not None:
            return number == other
        if isinstance(other, str | int | float):
            # Velocity compares values of different classes by their text.
            return str(self) == java_string(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__

    def _order(self, other: object) -> tuple[Any, Any] | None:
        number = self._number()
        if isinstance(other, int | float) and not isinstance(other, bool) and number is not None:
            return number, other
        if isinstance(other, JsonText) and number is not None and other._number() is not None:
            return number, other._number()
        if isinstance(other, str) and not isinstance(other, JsonText):
            return str(self), str(other)
        if isinstance(other, JsonText):
            return str(self), str(other)
        return None

    # Velocity answers false for an ordering it cannot make, rather than failing the template.
    def __lt__(self, other: object) -> bool:
        pair = self._order(other)
        return pair is not None and pair[0] < pair[1]

    def __le__(self, other: object) -> bool:
        pair = self._order(other)
        return pair is not None and pair[0] <= pair[1]

    def __gt__(self, other: object) -> bool:
        pair = self._order(other)
        return pair is not None and pair[0] > pair[1]

    def __ge__(self, other: object) -> bool:
        pair = self._order(other)
        return pair is not None and pair[0] >= pair[1]


class Missing(JavaString):
    """What a JSON null or an absent path gives: prints nothing, is false, and equals both ``$null`` and ``""``
    [V LS test_input_path_template_formatting: ``isNull`` and ``isEmptyString`` both true]."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return other is None or (isinstance(other, str) and str(other) == "")

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing("")


class VtlMap(dict[Any, Any]):
    """A JSON object or a ``$context``-style map, with ``java.util.Map``'s methods and ``toString``."""

    __slots__ = ()

    def get(self, key: Any, default: Any = None) -> Any:
        return dict.get(self, key, default)

    def put(self, key: Any, value: Any) -> Any:
        """Sets ``key``; returns the previous value (Java's contract; ``null`` prints nothing)."""
        previous = dict.get(self, key)
        self[key] = value
        return previous

    def putAll(self, other: Mapping[Any, Any]) -> None:
        self.update(other)

    def containsKey(self, key: Any) -> bool:
        return key in self

    def containsValue(self, value: Any) -> bool:
        return any(v == value for v in dict.values(self))

    def keySet(self) -> JavaList:
        return JavaList(self.keys())

    def values(self) -> JavaList:  # type: ignore[override]
        return JavaList(dict.values(self))

    def entrySet(self) -> JavaList:
        return JavaList(VtlMap(key=k, value=v) for k, v in self.items())

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def remove(self, key: Any) -> Any:
        return self.pop(key, None)

    def toString(self) -> JavaString:
        return JavaString(str(self))

    def __str__(self) -> str:
        return "{" + ", ".join(f"{_java_text(k)}={_java_text(v)}" for k, v in self.items()) + "}"


class JavaList(list[Any]):
    """A ``java.util.List`` (a map's ``keySet()``, a string's ``split()``): its methods, and ``[a, b]`` as text."""

    __slots__ = ()

    def size(self) -> int:
        return len(self)

    def get(self, index: int) -> Any:
        return self[index]

    def isEmpty(self) -> bool:
        return not self

    def contains(self, value: Any) -> bool:
        return value in self

    def add(self, value: Any) -> bool:
        self.append(value)
        return True

    def set(self, index: int, value: Any) -> Any:
        previous = self[index]
        self[index] = value
        return previous

    def toString(self) -> JavaString:
        return JavaString(str(self))

    def __str__(self) -> str:
        return "[" + ", ".join(_java_text(item) for item in self) + "]"


class VtlList(JavaList):
    """A JSON array; prints as compact JSON, as API Gateway's JSON arrays do [V LS]."""

    __slots__ = ()

    def __str__(self) -> str:
        return json_text(self)


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return f"{value:.1f}"
    return repr(value) if isinstance(value, float) else str(value)


def _java_text(value: Any) -> str:
    """``String.valueOf`` of a value inside a map: null and booleans as Java prints them."""
    if value is None or isinstance(value, Missing):
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number_text(value)
    if type(value) is dict:
        return "{" + ", ".join(f"{_java_text(k)}={_java_text(v)}" for k, v in value.items()) + "}"
    if type(value) is list:
        return "[" + ", ".join(_java_text(item) for item in value) + "]"
    return str(value)


def java_string(value: Any) -> str:
    """A method argument as the string Java would see (``null`` is empty here, not an error)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return str(value)
    return _java_text(value)


def to_vtl(value: Any) -> Any:
    """A parsed JSON value as templates see it (objects, arrays, ``JsonText`` scalars, ``MISSING`` for null)."""
    if isinstance(value, dict):
        return VtlMap((key, to_vtl(item)) for key, item in value.items())
    if isinstance(value, list):
        return VtlList(to_vtl(item) for item in value)
    if value is None:
        return MISSING
    if isinstance(value, str | int | float | bool):
        return JsonText.of(value)
    return value


def to_plain(value: Any) -> Any:
    """Back to plain JSON values, for JSON output (templates may have changed the tree with ``#set``)."""
    if isinstance(value, JsonText):
        return value.json_value
    if isinstance(value, Missing) or value is None:
        return None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {java_string(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [to_plain(item) for item in value]
    return str(value)


_LONG_NUMBER = re.compile(rb"\d{19}")


def json_document(data: str | bytes) -> Any:
    """A JSON text's value, numbers exact: orjson reads integers past 64 bits as floats, so a text with a run of 19
    digits (somewhere: a number or a string) goes to ``json`` instead. Raises ``ValueError`` when it is not JSON."""
    raw = data.encode() if isinstance(data, str) else data
    if _LONG_NUMBER.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # NaN and Infinity, which json accepts (as Java's parser does); json says what else is wrong
    return json.loads(raw)


def json_text(value: Any) -> str:
    """Compact JSON of a template value (``[{"foo":"bar"}]``)."""
    plain = to_plain(value)
    try:
        return orjson.dumps(plain).decode()
    except TypeError:  # integers beyond 64 bits
        return json.dumps(plain, separators=(",", ":"), ensure_ascii=False)

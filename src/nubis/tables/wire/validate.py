"""Shape-level request validation, as DynamoDB's front end (Coral) does it before the service sees a request.

``validate_request(operation, body)`` takes the decoded JSON body and raises ``SerializationException`` or
``ValidationException`` with AWS's wording, or returns ``None``. The constraints come from ``wire.shapes``, which is
generated from botocore's service model; each operation's shape tree is compiled once, at import, into two flat
closures, so a request costs one walk for types and one for constraints and no model look-ups.

Order of checks (AWS deserializes the whole body before it validates anything):

1. **Types** (``SerializationException``). The body is walked in document order, as Jackson reads it, and the first
   JSON value whose kind does not fit its shape stops everything: ``NUMBER_VALUE cannot be converted to String``,
   ``Start of structure or map found where not expected``, ``Unexpected field type`` (a structure, list or map
   member given a scalar), ``Unexpected value type in payload`` (a list element or map value that should be a
   structure), ``Unrecognized collection type ...`` (an array where something else was expected). Unknown members
   are skipped without a look, and JSON ``null`` counts as absent. So when a request has both kinds of problem the
   serialization error wins, whatever their positions ([P] dynalite checks types before constraints; its helpers
   carry the messages AWS sent).
2. **Constraints** (``ValidationException``): required members (``Member must not be null``), regular expression
   patterns, string/list/map lengths, integer ranges and enum values. Every failure is collected, then AWS's
   aggregate is raised: ``N validation error(s) detected: Value ... at 'path' failed to satisfy constraint: ...``
   joined with ``"; "``, listing at most ten ([P] dynalite stops at ten and counts what it lists).

   - The order of the list is AWS's, not the model's: each structure's members are visited in the order the
     generator computed (Java ``HashMap`` order of the lowerCamelCase names; see ``scripts/gen_wire_shapes.py``).
     Within one member the checks run pattern, length, range, enum ([V] recorded responses list the pattern
     error before the length one for ``backupName`` and ``exclusiveStartTableName``). A member's own errors come
     before those of its children.
   - Paths are lowerCamelCase (only the first letter is lowered: ``sSESpecification.kMSMasterKeyId``); a list
     element is ``keySchema.1.member`` (1-based) and a map value ``requestItems.<key>.member``.
   - A map's key and value constraints are reported at the map itself, once per failing entry, listing all of the
     key's (or value's) constraints: ``Map keys must satisfy constraint: [Member must have length less than or equal
     to 255, Member must have length greater than or equal to 3, ...]``. Entries are visited in Java ``HashMap``
     order when any of them fails.
   - Values render as Java's ``toString`` would: ``'abc'``, ``'5'``, ``'[a, b]'``, ``'{k=v}'``, structures in
     Lombok form ``KeySchemaElement(attributeName=a, keyType=HASH)``, and ``null`` without quotes. An
     ``AttributeValue`` renders as ``com.amazonaws.dynamodb.v20120810.AttributeValue@<hash>``; AWS's hash is an
     object hash code we cannot reproduce, so ours is only stable, not equal.

Attribute values (the recursive ``AttributeValue`` shape) get the JSON-structure check of step 1 only (``S`` is a
string, ``L`` a list of objects...); their content (numbers, sets, base64, emptiness) is the service layer's job
(``nubis.tables.values.check_value``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from typing import Any, Final

import orjson

from nubis.tables.errors import SerializationException, UnknownOperationException, ValidationException
from nubis.tables.wire.shapes import OPERATIONS, SHAPES

__all__ = ["MAX_REPORTED_ERRORS", "validate_request"]

MAX_REPORTED_ERRORS: Final = 10
JAVA_PACKAGE: Final = "com.amazonaws.dynamodb.v20120810."

START_OF_STRUCTURE: Final = "Start of structure or map found where not expected"
UNEXPECTED_FIELD: Final = "Unexpected field type"
UNEXPECTED_VALUE: Final = "Unexpected value type in payload"
UNEXPECTED_TOKEN: Final = "Unexpected token received from parser"
NOT_BASE64: Final = "only base-64-encoded strings are convertible to bytes"
BAD_BASE64_CHARACTER: Final = "Invalid last non-pad Base64 character dectected"  # sic: AWS's spelling
PARAMETERIZED_CAST: Final = (
    "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class "
    "(sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of "
    "loader 'bootstrap')"
)
BOOLEAN_WORDS: Final = {"TRUE": True, "1": True, "YES": True, "FALSE": False, "0": False, "NO": False}

TypeCheck = Callable[[Any], None]
"""Raises ``SerializationException`` if a (non-null) JSON value does not fit its shape."""

Check = Callable[[Any, str, list[str]], None]
"""Appends AWS-worded errors for a (present, well-typed) value found at ``path``."""

Shape = tuple[Any, ...]

# Where a value sits decides AWS's wording for a wrong JSON kind: a structure's member (FIELD) or a list element or
# map value (ELEMENT).
FIELD: Final = 0
ELEMENT: Final = 1


def validate_request(operation: str, body: Any) -> None:
    """Check ``body`` (decoded JSON, ``None`` for an empty body) against ``operation``'s input shape."""
    compiled = _COMPILED.get(operation)
    if compiled is None:
        raise UnknownOperationException()
    types, check = compiled
    if body is None:
        body = {}
    types(body)
    errors: list[str] = []
    check(body, "", errors)
    if errors:
        raise ValidationException(aggregate(errors))


def aggregate(errors: list[str]) -> str:
    """AWS's aggregate message; only the first ``MAX_REPORTED_ERRORS`` are listed and counted."""
    listed = errors[:MAX_REPORTED_ERRORS]
    plural = "" if len(listed) == 1 else "s"
    return f"{len(listed)} validation error{plural} detected: " + "; ".join(listed)


def constraint_error(rendered: str, path: str, constraint: str) -> str:
    """One entry of the aggregate; ``rendered`` is already quoted (or ``null``)."""
    return f"Value {rendered} at '{path}' failed to satisfy constraint: {constraint}"


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


# --- Java details: the hash order of HashMap iteration, and toString rendering ---------------------------------------


def java_string_hash(text: str) -> int:
    """``String.hashCode()``: over UTF-16 code units, as an unsigned 32-bit number."""
    h = 0
    if text.isascii():
        for ch in text:
            h = (31 * h + ord(ch)) & 0xFFFFFFFF
        return h
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h


def java_map_order(keys: Iterable[str]) -> list[str]:
    """Iteration order of a ``java.util.HashMap`` filled with ``keys`` in this order (Java 8 hashing)."""
    keys = list(keys)
    capacity = 16
    while len(keys) > capacity * 3 // 4:
        capacity *= 2
    mask = capacity - 1

    def bucket(key: str) -> int:
        h = java_string_hash(key)
        return (h ^ (h >> 16)) & mask

    return sorted(keys, key=bucket)  # stable: a bucket keeps insertion order


def utf16_length(text: str) -> int:
    """Java's ``String.length()``: characters outside the BMP count twice."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def quoted(text: str) -> str:
    return f"'{text}'"


def render(shape_name: str, value: Any) -> str:
    """``value`` as Java's ``toString`` shows it in AWS's messages (unquoted)."""
    if value is None:
        return "null"
    shape = SHAPES[shape_name]
    kind = shape[0]
    if kind == "string":
        return str(value)
    if kind == "boolean":
        return "true" if value is True or BOOLEAN_WORDS.get(str(value).upper()) else "false"
    if kind in ("integer", "long"):
        return str(int(value))
    if kind == "double":
        return repr(float(value))
    if kind == "blob":
        size = len(value) * 3 // 4 - (len(value) - len(value.rstrip("=")))
        return f"java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]"
    if kind == "list":
        return "[" + ", ".join(render(shape[1], item) for item in value) + "]"
    if kind == "map":
        return "{" + ", ".join(f"{k}={render(shape[2], value[k])}" for k in java_map_order(value)) + "}"
    if kind == "structure":
        if shape[4]:  # recursive (AttributeValue): Java shows an identity hash we cannot know; ours is stable
            digest = java_string_hash(orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())
            return f"{JAVA_PACKAGE}{shape_name}@{digest:x}"
        fields = ", ".join(f"{lower_first(m)}={render(s, value.get(m))}" for m, s in shape[1])
        return f"{shape_name}({fields})"
    return str(value)


def java_type(shape_name: str) -> str:
    """The Java type AWS names in ``Unrecognized collection type`` messages."""
    shape = SHAPES[shape_name]
    kind = shape[0]
    if kind == "structure":
        return JAVA_PACKAGE + shape_name
    if kind == "list":
        return f"java.util.List<{java_type(shape[1])}>"
    if kind == "map":
        return f"java.util.Map<java.lang.String, {java_type(shape[2])}>"
    return _SCALAR_JAVA[kind]


_SCALAR_JAVA: Final = {
    "string": "java.lang.String",
    "boolean": "java.lang.Boolean",
    "integer": "java.lang.Integer",
    "long": "java.lang.Long",
    "double": "java.lang.Double",
    "blob": "java.nio.ByteBuffer",
    "timestamp": "java.util.Date",
}


# --- step 1: JSON kinds (SerializationException) -----------------------------------------------------------------


def _converted(token: str, java_simple: str) -> SerializationException:
    return SerializationException(f"{token} cannot be converted to {java_simple}")


def _bool_token(value: bool) -> str:
    return "TRUE_VALUE" if value else "FALSE_VALUE"


def _number_token(value: int | float) -> str:
    return "NUMBER_VALUE" if isinstance(value, int) else "DECIMAL_VALUE"


def _string_type(value: Any) -> None:
    if type(value) is str:
        return
    if isinstance(value, bool):
        raise _converted(_bool_token(value), "String")
    if isinstance(value, int | float):
        raise _converted(_number_token(value), "String")
    if isinstance(value, list):
        raise SerializationException("Unrecognized collection type class java.lang.String")
    raise SerializationException(START_OF_STRUCTURE)


def _boolean_type(value: Any) -> None:
    if value is True or value is False:
        return
    if isinstance(value, str):
        if value.upper() in BOOLEAN_WORDS:  # Coral's parser accepts these spellings
            return
        raise SerializationException(UNEXPECTED_TOKEN)
    if isinstance(value, int | float):
        raise _converted(_number_token(value), "Boolean")
    if isinstance(value, list):
        raise SerializationException("Unrecognized collection type class java.lang.Boolean")
    raise SerializationException(START_OF_STRUCTURE)


def _number_type(java_simple: str) -> TypeCheck:
    def check(value: Any) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return
        if isinstance(value, str):
            raise _converted("STRING_VALUE", java_simple)
        if isinstance(value, bool):
            raise _converted(_bool_token(value), java_simple)
        if isinstance(value, list):
            raise SerializationException(f"Unrecognized collection type class java.lang.{java_simple}")
        raise SerializationException(START_OF_STRUCTURE)

    return check


def _timestamp_type(value: Any) -> None:
    # Epoch seconds as a JSON number; strings are left to the operation (unverified against AWS).
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return
    if isinstance(value, bool):
        raise _converted(_bool_token(value), "Date")
    if isinstance(value, list):
        raise SerializationException("Unrecognized collection type class java.util.Date")
    raise SerializationException(START_OF_STRUCTURE)


def _blob_type(decode: bool) -> TypeCheck:
    def check(value: Any) -> None:
        if isinstance(value, str):
            if decode:
                _check_base64(value)
            return
        if isinstance(value, bool | int | float):
            raise SerializationException(NOT_BASE64)
        if isinstance(value, list):
            raise SerializationException("Unrecognized collection type class java.nio.ByteBuffer")
        raise SerializationException(START_OF_STRUCTURE)

    return check


def _check_base64(text: str) -> None:
    if len(text) % 4:
        raise SerializationException(f"Base64 encoded length is expected a multiple of 4 bytes but found: {len(text)}")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SerializationException(BAD_BASE64_CHARACTER) from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise SerializationException(BAD_BASE64_CHARACTER)


def _wrong_container(value: Any, context: int, array_message: str) -> SerializationException:
    """The error for a structure, list or map given the wrong JSON kind (``value`` is not ``None``)."""
    if isinstance(value, list):
        return SerializationException(array_message)
    if isinstance(value, dict):
        return SerializationException(START_OF_STRUCTURE)
    return SerializationException(UNEXPECTED_FIELD)


def _as_boolean(value: bool | str) -> bool:
    """Coral reads "false", "0", "no" (any case) as false: the engine must see that, not a truthy string."""
    return value if isinstance(value, bool) else BOOLEAN_WORDS[value.upper()]


def _as_integer(value: int | float) -> int:
    """Coral truncates a JSON decimal given for an integer (``Limit: 1.5`` reads 1, as dynalite does too)."""
    return value if isinstance(value, int) else int(value)


_COERCE: Final[dict[str, Callable[[Any], Any]]] = {"boolean": _as_boolean, "integer": _as_integer, "long": _as_integer}


class _TypeCompiler:
    """Builds one ``TypeCheck`` per (shape, position); recursive shapes point at themselves through a cell."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, int, bool], TypeCheck] = {}

    def compile(self, name: str, context: int, in_value: bool = False) -> TypeCheck:
        key = (name, context, in_value)
        done = self._done.get(key)
        if done is not None:
            return done
        cell: list[TypeCheck] = []

        def forward(value: Any) -> None:
            cell[0](value)

        self._done[key] = forward
        check = self._build(name, SHAPES[name], context, in_value)
        cell.append(check)
        self._done[key] = check
        return check

    def _build(self, name: str, shape: Shape, context: int, in_value: bool) -> TypeCheck:
        kind = shape[0]
        if kind == "string":
            return _string_type
        if kind == "boolean":
            return _boolean_type
        if kind in ("integer", "long", "double"):
            return _number_type(_SCALAR_JAVA[kind].rsplit(".", 1)[1])
        if kind == "timestamp":
            return _timestamp_type
        if kind == "blob":
            return _blob_type(decode=not in_value)  # base64 inside attribute values is check_value's job
        if kind == "structure":
            return self._structure(name, shape, context, in_value or bool(shape[4]))
        if kind == "list":
            return self._list(shape, context, in_value)
        if kind == "map":
            return self._map(name, shape, context, in_value)
        raise AssertionError(f"unknown shape kind {kind!r}")

    def _structure(self, name: str, shape: Shape, context: int, in_value: bool) -> TypeCheck:
        members = {m: self.compile(s, FIELD, in_value) for m, s in shape[1]}
        # Members whose accepted JSON differs from what the engine reads: normalised in place once they pass.
        coercers = {m: _COERCE[SHAPES[s][0]] for m, s in shape[1] if SHAPES[s][0] in _COERCE}
        collection = f"Unrecognized collection type class {JAVA_PACKAGE}{name}"
        scalar = UNEXPECTED_FIELD if context == FIELD else UNEXPECTED_VALUE
        get = members.get

        def check(value: Any) -> None:
            if type(value) is not dict:
                if isinstance(value, list):
                    raise SerializationException(collection)
                raise SerializationException(scalar)
            for key, item in value.items():
                member = get(key)
                if member is not None and item is not None:
                    member(item)
                    coerce = coercers.get(key)
                    if coerce is not None:
                        value[key] = coerce(item)  # same key: the dict's size does not change while iterating

        return check

    def _list(self, shape: Shape, context: int, in_value: bool) -> TypeCheck:
        element = self.compile(shape[1], ELEMENT, in_value)
        scalar = UNEXPECTED_FIELD if context == FIELD else PARAMETERIZED_CAST

        def check(value: Any) -> None:
            if type(value) is not list:
                if isinstance(value, dict):
                    raise SerializationException(START_OF_STRUCTURE)
                raise SerializationException(scalar)
            for item in value:
                if item is not None:
                    element(item)

        return check

    def _map(self, name: str, shape: Shape, context: int, in_value: bool) -> TypeCheck:
        entry = self.compile(shape[2], ELEMENT, in_value)
        collection = f"Unrecognized collection type {java_type(name)}"
        scalar = UNEXPECTED_FIELD if context == FIELD else PARAMETERIZED_CAST

        def check(value: Any) -> None:
            if type(value) is not dict:
                if isinstance(value, list):
                    raise SerializationException(collection)
                raise SerializationException(scalar)
            for item in value.values():
                if item is not None:
                    entry(item)

        return check


# --- step 2: constraints (ValidationException) -------------------------------------------------------------------

Own = Callable[[Any], list[str]]
"""A shape's own constraints: the failing ones' texts, in AWS's order for one member."""


class _Constraints:
    """The constraints of one shape, in the two orders AWS uses."""

    __slots__ = ("own", "texts")

    def __init__(self, own: Own | None, texts: tuple[str, ...]) -> None:
        self.own = own  # None: nothing to check
        self.texts = texts  # all constraints, as listed inside "Map keys/value must satisfy constraint: [...]"


def _constraints(shape: Shape) -> _Constraints:
    kind = shape[0]
    if kind == "string":
        return _string_constraints(shape[1], shape[2], shape[3], shape[4])
    if kind in ("list", "map"):
        low, high = (shape[2], shape[3]) if kind == "list" else (shape[3], shape[4])
        return _size_constraints(low, high)
    if kind in ("integer", "long", "double"):
        return _range_constraints(shape[1], shape[2], kind)
    if kind == "blob":
        return _Constraints(None, ())  # no blob outside attribute values carries a length in the model
    return _Constraints(None, ())


def _string_constraints(
    low: int | None, high: int | None, pattern: str | None, enum: tuple[str, ...] | None
) -> _Constraints:
    if low is None and high is None and pattern is None and enum is None:
        return _Constraints(None, ())
    min_text = f"Member must have length greater than or equal to {low}"
    max_text = f"Member must have length less than or equal to {high}"
    pattern_text = f"Member must satisfy regular expression pattern: {pattern}"
    enum_text = f"Member must satisfy enum value set: [{', '.join(enum or ())}]"
    matcher = None if pattern is None else _python_regex(pattern).fullmatch
    allowed = None if enum is None else frozenset(enum)

    def own(value: str) -> list[str]:
        failed: list[str] = []
        if matcher is not None and matcher(value) is None:
            failed.append(pattern_text)
        if low is not None or high is not None:
            n = utf16_length(value)
            if low is not None and n < low:
                failed.append(min_text)
            if high is not None and n > high:
                failed.append(max_text)
        if allowed is not None and value not in allowed:
            failed.append(enum_text)
        return failed

    texts = (
        (max_text,) * (high is not None)
        + (min_text,) * (low is not None)
        + (pattern_text,) * (pattern is not None)
        + (enum_text,) * (enum is not None)
    )
    return _Constraints(own, texts)


# Java regular expressions in the model that Python's ``re`` spells differently. Java matches UTF-16 code units, so
# a surrogate pair range is any character outside the BMP; ``\p{Print}`` is printable ASCII.
_JAVA_TO_PYTHON_REGEX: Final = {
    r"\p{Print}+": r"[\x20-\x7E]+",
    r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*": (
        r"[\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff\r\n\t]*"
    ),
}


def _python_regex(java: str) -> re.Pattern[str]:
    r"""Compile a model pattern; ``\w`` and friends are ASCII-only in Java, as with ``re.ASCII``."""
    return re.compile(_JAVA_TO_PYTHON_REGEX.get(java, java), re.ASCII | re.DOTALL)


def _size_constraints(low: int | None, high: int | None) -> _Constraints:
    if low is None and high is None:
        return _Constraints(None, ())
    min_text = f"Member must have length greater than or equal to {low}"
    max_text = f"Member must have length less than or equal to {high}"

    def own(value: list[Any] | dict[str, Any]) -> list[str]:
        n = len(value)
        if low is not None and n < low:
            return [min_text]
        if high is not None and n > high:
            return [max_text]
        return []

    return _Constraints(own, (max_text,) * (high is not None) + (min_text,) * (low is not None))


def _range_constraints(low: int | None, high: int | None, kind: str) -> _Constraints:
    if low is None and high is None:
        return _Constraints(None, ())
    min_text = f"Member must have value greater than or equal to {low}"
    max_text = f"Member must have value less than or equal to {high}"
    whole = kind != "double"

    def own(value: int | float) -> list[str]:
        number = int(value) if whole else value  # Coral truncates a JSON decimal given for an integer
        if low is not None and number < low:
            return [min_text]
        if high is not None and number > high:
            return [max_text]
        return []

    return _Constraints(own, (max_text,) * (high is not None) + (min_text,) * (low is not None))


class _CheckCompiler:
    """Builds one ``Check`` per shape; ``None`` when nothing under a shape can fail (the common case)."""

    def __init__(self) -> None:
        self._done: dict[str, Check | None] = {}

    def compile(self, name: str) -> Check | None:
        if name in self._done:
            return self._done[name]
        self._done[name] = None  # a cycle back to here can only be a recursive shape, which has no constraints
        check = self._build(name, SHAPES[name])
        self._done[name] = check
        return check

    def member(self, name: str) -> Check | None:
        """A value's own constraints (one error each) followed by its children's."""
        constraints = _constraints(SHAPES[name])
        children = self.compile(name)
        own = constraints.own
        if own is None:
            return children

        def check(value: Any, path: str, errors: list[str]) -> None:
            failed = own(value)
            if failed:
                shown = quoted(render(name, value))
                errors.extend(constraint_error(shown, path, text) for text in failed)
            if children is not None:
                children(value, path, errors)

        return check

    def _build(self, name: str, shape: Shape) -> Check | None:
        kind = shape[0]
        if kind == "structure":
            return None if shape[4] else self._structure(shape)
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return self._map(name, shape)
        return None  # scalars have only their own constraints, applied by ``member``

    def _structure(self, shape: Shape) -> Check | None:
        shapes = dict(shape[1])
        required = frozenset(shape[3])
        steps: list[tuple[str, str, bool, Check | None]] = []
        for member in shape[2]:
            check = self.member(shapes[member])
            if check is not None or member in required:
                steps.append((member, lower_first(member), member in required, check))
        if not steps:
            return None
        plan = tuple(steps)

        def check_structure(value: dict[str, Any], path: str, errors: list[str]) -> None:
            prefix = f"{path}." if path else ""
            for member, wire_path, is_required, check in plan:
                if len(errors) >= MAX_REPORTED_ERRORS:
                    return
                item = value.get(member)
                if item is None:
                    if is_required:
                        errors.append(constraint_error("null", prefix + wire_path, "Member must not be null"))
                elif check is not None:
                    check(item, prefix + wire_path, errors)

        return check_structure

    def _list(self, shape: Shape) -> Check | None:
        element = self.member(shape[1])
        if element is None:
            return None

        def check_list(value: list[Any], path: str, errors: list[str]) -> None:
            for i, item in enumerate(value, 1):
                if len(errors) >= MAX_REPORTED_ERRORS:
                    return
                if item is not None:
                    element(item, f"{path}.{i}.member", errors)

        return check_list

    def _map(self, name: str, shape: Shape) -> Check | None:
        keys = _constraints(SHAPES[shape[1]])
        values = _constraints(SHAPES[shape[2]])
        children = self.compile(shape[2])
        key_own, value_own = keys.own, values.own
        if key_own is None and value_own is None and children is None:
            return None
        key_text = "Map keys must satisfy constraint: [" + ", ".join(keys.texts) + "]"
        value_text = "Map value must satisfy constraint: [" + ", ".join(values.texts) + "]"

        def visit(value: dict[str, Any], order: Iterable[str], path: str, errors: list[str]) -> None:
            shown: str | None = None
            for key in order:
                if len(errors) >= MAX_REPORTED_ERRORS:
                    return
                item = value[key]
                if key_own is not None and key_own(key):
                    shown = shown or quoted(render(name, value))
                    errors.append(constraint_error(shown, path, key_text))
                if item is None:
                    continue
                if value_own is not None and value_own(item):
                    shown = shown or quoted(render(name, value))
                    errors.append(constraint_error(shown, path, value_text))
                if children is not None:
                    children(item, f"{path}.{key}.member", errors)

        def check_map(value: dict[str, Any], path: str, errors: list[str]) -> None:
            found: list[str] = []
            visit(value, value, path, found)
            if found and len(value) > 1:  # AWS walks a HashMap: redo the failing map in Java's order
                found = []
                visit(value, java_map_order(value), path, found)
            errors.extend(found)

        return check_map


def _compile_operations() -> dict[str, tuple[TypeCheck, Check]]:
    types = _TypeCompiler()
    checks = _CheckCompiler()
    compiled: dict[str, tuple[TypeCheck, Check]] = {}

    def nothing(value: Any, path: str, errors: list[str]) -> None:
        return None

    for operation, shape_name in OPERATIONS.items():
        type_check = types.compile(shape_name, FIELD)
        top = checks.compile(shape_name)
        compiled[operation] = (_top_level(shape_name, type_check), top or nothing)
    return compiled


def _top_level(shape_name: str, members: TypeCheck) -> TypeCheck:
    """The body itself: an object (other JSON kinds get the structure wording; unverified against AWS)."""
    collection = f"Unrecognized collection type class {JAVA_PACKAGE}{shape_name}"

    def check(body: Any) -> None:
        if type(body) is not dict:
            raise _wrong_container(body, FIELD, collection)
        members(body)

    return check


_COMPILED: Final = _compile_operations()

"""JSON Schema draft 4, the dialect of REST API models, compiled once into a checker.

API Gateway validates a request body against the method's model, a JSON Schema draft 4 document [D
models-mappings-models.md, api-gateway-method-request-validation.md]. A model is compiled when the deployment is
built (house principle 3) into nested closures; checking a body runs them and stops at the first failure, because
the gateway answers only ``Invalid request body`` and has no use for a list of errors.

Keywords checked (draft 4 semantics): ``type``, ``enum``, ``multipleOf``, ``maximum``/``exclusiveMaximum`` and
``minimum``/``exclusiveMinimum`` (the exclusive ones are booleans in draft 4), ``maxLength``/``minLength`` (in
code points), ``pattern`` (searched, not anchored, as ECMA 262 ``test``), ``items``/``additionalItems``,
``maxItems``/``minItems``, ``uniqueItems``, ``maxProperties``/``minProperties``, ``required``, ``properties``,
``patternProperties``, ``additionalProperties``, ``dependencies``, ``allOf``/``anyOf``/``oneOf``/``not`` and
``$ref``. Unknown keywords are ignored, as draft 4 says; ``format`` is treated as an annotation [?].

``integer`` means a JSON number written without a fraction (draft 4), so ``2020.0`` is a number but not an integer;
callers parse bodies with ``parse_json`` so that decimals stay exact for ``multipleOf`` and comparisons.

``$ref``: a pointer into the schema itself (``#/definitions/x``) is followed there; any other reference
(``#/definitions/Model`` or ``#/components/schemas/Model`` in an imported document,
``https://apigateway.amazonaws.com/restapis/{api}/models/Model``) goes to the ``resolve`` callback, which returns
the referenced model's schema. References are compiled on first use, so recursive models work.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["Check", "SchemaError", "compile_schema", "parse_json"]

Check = Callable[[Any], bool]
"""True when the instance matches the schema."""


class SchemaError(ValueError):
    """A schema that cannot be compiled (a bad pattern, an unknown reference, a keyword of the wrong type)."""


def parse_json(text: str | bytes) -> Any:
    """A JSON document with decimals kept exact. Raises ``ValueError`` for text that is not JSON."""
    return json.loads(text, parse_float=Decimal)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, Mapping),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
}


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: ``1`` equals ``1.0``, ``true`` never equals ``1``, objects ignore key order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return Decimal(str(a)) == Decimal(str(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def _decimal(value: Any, keyword: str) -> Decimal:
    if not _is_number(value):
        raise SchemaError(f"{keyword} must be a number, not {value!r}")
    return Decimal(str(value))


def _count(value: Any, keyword: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SchemaError(f"{keyword} must be a non-negative integer, not {value!r}")
    return value


def _pattern(value: Any) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise SchemaError(f"pattern must be a string, not {value!r}")
    try:
        return re.compile(value)
    except re.error as exc:
        raise SchemaError(f"pattern {value!r} is not a regular expression: {exc}") from exc


def _pointer(root: Mapping[str, Any], pointer: str) -> Any:
    node: Any = root
    for part in pointer.split("/")[1:] if pointer else ():
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise KeyError(pointer)
    return node


class _Compiler:
    def __init__(
        self,
        root: Mapping[str, Any],
        resolve: Callable[[str], Mapping[str, Any] | None],
        refs: dict[tuple[int, str], Check] | None = None,
    ) -> None:
        self.root = root
        self.resolve = resolve
        self.refs = {} if refs is None else refs
        """Compiled references, shared by the compilers of every model reached, so that cycles end."""

    def compile(self, schema: Any) -> Check:
        if not isinstance(schema, Mapping):
            raise SchemaError(f"a schema must be an object, not {schema!r}")
        if "$ref" in schema:
            return self.ref(schema["$ref"])  # draft 4: $ref replaces the rest of the object
        checks = [build(self, schema[keyword], schema) for keyword, build in _KEYWORDS if keyword in schema]
        if any(keyword in schema for keyword in _OBJECT_KEYWORDS):
            checks.append(_object(self, schema))
        checks = [check for check in checks if check is not _always]
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        return lambda value: all(check(value) for check in checks)

    def ref(self, ref: Any) -> Check:
        if not isinstance(ref, str):
            raise SchemaError(f"$ref must be a string, not {ref!r}")
        target: Any = None
        compiler = self
        key = (id(self.root), ref)
        if ref.startswith("#"):
            try:
                target = _pointer(self.root, ref[1:])
            except KeyError:
                target = None
        if target is None:
            key = (0, ref)
            target = self.resolve(ref)
            if target is None:
                raise SchemaError(f"$ref {ref!r} names no model of this API")
            compiler = _Compiler(target, self.resolve, self.refs)
        if key in self.refs:
            return self.refs[key]
        slot: list[Check] = []

        def check(value: Any) -> bool:
            return slot[0](value)

        self.refs[key] = check  # registered before compiling: a model may refer to itself
        slot.append(compiler.compile(target))
        return check


def _always(_value: Any) -> bool:
    return True


def _type(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names:
        raise SchemaError(f"type must be a name or a list of names, not {value!r}")
    tests = []
    for name in names:
        if name not in _TYPES:
            raise SchemaError(f"unknown type {name!r}")
        tests.append(_TYPES[name])
    return lambda v: any(test(v) for test in tests)


def _enum(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    if not isinstance(value, list):
        raise SchemaError(f"enum must be a list, not {value!r}")
    options = list(value)
    return lambda v: any(json_equal(v, option) for option in options)


def _multiple_of(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    divisor = _decimal(value, "multipleOf")
    if divisor <= 0:
        raise SchemaError("multipleOf must be greater than 0")

    def check(v: Any) -> bool:
        if not _is_number(v):
            return True
        try:
            return Decimal(str(v)) % divisor == 0
        except InvalidOperation:
            return False

    return check


def _maximum(c: _Compiler, value: Any, schema: Mapping[str, Any]) -> Check:
    limit = _decimal(value, "maximum")
    if schema.get("exclusiveMaximum") is True:
        return lambda v: not _is_number(v) or Decimal(str(v)) < limit
    return lambda v: not _is_number(v) or Decimal(str(v)) <= limit


def _minimum(c: _Compiler, value: Any, schema: Mapping[str, Any]) -> Check:
    limit = _decimal(value, "minimum")
    if schema.get("exclusiveMinimum") is True:
        return lambda v: not _is_number(v) or Decimal(str(v)) > limit
    return lambda v: not _is_number(v) or Decimal(str(v)) >= limit


def _max_length(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    limit = _count(value, "maxLength")
    return lambda v: not isinstance(v, str) or len(v) <= limit


def _min_length(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    limit = _count(value, "minLength")
    return lambda v: not isinstance(v, str) or len(v) >= limit


def _pattern_check(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    pattern = _pattern(value)
    return lambda v: not isinstance(v, str) or pattern.search(v) is not None


def _items(c: _Compiler, value: Any, schema: Mapping[str, Any]) -> Check:
    if isinstance(value, Mapping):
        each = c.compile(value)
        return lambda v: not isinstance(v, list) or all(each(item) for item in v)
    if not isinstance(value, list):
        raise SchemaError(f"items must be a schema or a list of schemas, not {value!r}")
    positional = [c.compile(item) for item in value]
    extra = schema.get("additionalItems", True)
    rest: Check | None = None if extra is False else _always if extra is True else c.compile(extra)

    def check(v: Any) -> bool:
        if not isinstance(v, list):
            return True
        if rest is None and len(v) > len(positional):
            return False
        for i, item in enumerate(v):
            test = positional[i] if i < len(positional) else rest
            if test is not None and not test(item):
                return False
        return True

    return check


def _max_items(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    limit = _count(value, "maxItems")
    return lambda v: not isinstance(v, list) or len(v) <= limit


def _min_items(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    limit = _count(value, "minItems")
    return lambda v: not isinstance(v, list) or len(v) >= limit


def _unique_items(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    if value is not True:
        return _always

    def check(v: Any) -> bool:
        if not isinstance(v, list):
            return True
        return not any(json_equal(v[i], v[j]) for i in range(len(v)) for j in range(i + 1, len(v)))

    return check


def _max_properties(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    limit = _count(value, "maxProperties")
    return lambda v: not isinstance(v, Mapping) or len(v) <= limit


def _min_properties(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    limit = _count(value, "minProperties")
    return lambda v: not isinstance(v, Mapping) or len(v) >= limit


def _required(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise SchemaError(f"required must be a list of names, not {value!r}")
    names = list(value)
    return lambda v: not isinstance(v, Mapping) or all(name in v for name in names)


def _object(c: _Compiler, schema: Mapping[str, Any]) -> Check:
    """``properties``, ``patternProperties`` and ``additionalProperties`` together: what is "additional" depends on
    the other two."""
    properties = schema.get("properties", {})
    if not isinstance(properties, Mapping):
        raise SchemaError(f"properties must be an object, not {properties!r}")
    named = {name: c.compile(sub) for name, sub in properties.items()}
    patterns_raw = schema.get("patternProperties", {})
    if not isinstance(patterns_raw, Mapping):
        raise SchemaError(f"patternProperties must be an object, not {patterns_raw!r}")
    patterns = [(_pattern(p), c.compile(sub)) for p, sub in patterns_raw.items()]
    extra = schema.get("additionalProperties", True)
    rest: Check | None = None if extra is False else _always if extra is True else c.compile(extra)

    def check(v: Any) -> bool:
        if not isinstance(v, Mapping):
            return True
        for key, item in v.items():
            matched = False
            if key in named:
                matched = True
                if not named[key](item):
                    return False
            for pattern, test in patterns:
                if pattern.search(key) is not None:
                    matched = True
                    if not test(item):
                        return False
            if not matched and (rest is None or not rest(item)):
                return False
        return True

    return check


def _dependencies(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    if not isinstance(value, Mapping):
        raise SchemaError(f"dependencies must be an object, not {value!r}")
    rules: list[tuple[str, Sequence[str] | None, Check | None]] = []
    for name, dependency in value.items():
        if isinstance(dependency, list):
            rules.append((name, list(dependency), None))
        else:
            rules.append((name, None, c.compile(dependency)))

    def check(v: Any) -> bool:
        if not isinstance(v, Mapping):
            return True
        for name, names, test in rules:
            if name not in v:
                continue
            if names is not None and not all(other in v for other in names):
                return False
            if test is not None and not test(v):
                return False
        return True

    return check


def _schemas(c: _Compiler, value: Any, keyword: str) -> list[Check]:
    if not isinstance(value, list) or not value:
        raise SchemaError(f"{keyword} must be a non-empty list of schemas, not {value!r}")
    return [c.compile(sub) for sub in value]


def _all_of(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    tests = _schemas(c, value, "allOf")
    return lambda v: all(test(v) for test in tests)


def _any_of(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    tests = _schemas(c, value, "anyOf")
    return lambda v: any(test(v) for test in tests)


def _one_of(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    tests = _schemas(c, value, "oneOf")
    return lambda v: sum(1 for test in tests if test(v)) == 1


def _not(c: _Compiler, value: Any, _schema: Mapping[str, Any]) -> Check:
    test = c.compile(value)
    return lambda v: not test(v)


_KEYWORDS: tuple[tuple[str, Callable[[_Compiler, Any, Mapping[str, Any]], Check]], ...] = (
    ("type", _type),
    ("enum", _enum),
    ("multipleOf", _multiple_of),
    ("maximum", _maximum),
    ("minimum", _minimum),
    ("maxLength", _max_length),
    ("minLength", _min_length),
    ("pattern", _pattern_check),
    ("items", _items),
    ("maxItems", _max_items),
    ("minItems", _min_items),
    ("uniqueItems", _unique_items),
    ("maxProperties", _max_properties),
    ("minProperties", _min_properties),
    ("required", _required),
    ("dependencies", _dependencies),
    ("allOf", _all_of),
    ("anyOf", _any_of),
    ("oneOf", _one_of),
    ("not", _not),
)
_OBJECT_KEYWORDS = ("properties", "patternProperties", "additionalProperties")


def compile_schema(schema: Mapping[str, Any], resolve: Callable[[str], Mapping[str, Any] | None]) -> Check:
    """Compiles a draft 4 schema.

    Args:
        schema: the model's schema.
        resolve: a ``$ref`` that does not point inside ``schema`` → the referenced model's schema, or None.

    Raises:
        SchemaError: the schema, or a schema it refers to, cannot be compiled.
    """
    return _Compiler(schema, resolve).compile(schema)

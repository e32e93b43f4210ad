"""AWS's older request parameters (Expected, QueryFilter, ScanFilter, KeyConditions, AttributeUpdates,
AttributesToGet): their validation, and their conversion to the same compiled forms as expressions.

Semantics per ComparisonOperator ([D] API reference "Condition"; [P] dynalite's AWS-checked scan tests): EQ,
ordering, BEGINS_WITH, IN and BETWEEN are false on a missing attribute; NE and NOT_CONTAINS are true on one;
NULL / NOT_NULL test presence. Conditions combine with AND unless ``ConditionalOperator`` is ``OR``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from nubis.tables.errors import ValidationException, invalid_parameters
from nubis.tables.expressions.functions import begins_with, contains, order, type_of, values_equal
from nubis.tables.values import AttributeValue, Item, check_value

Predicate = Callable[[Item], bool]

_ARITY: Final[dict[str, tuple[int, int]]] = {
    "NULL": (0, 0),
    "NOT_NULL": (0, 0),
    "EQ": (1, 1),
    "NE": (1, 1),
    "LE": (1, 1),
    "LT": (1, 1),
    "GE": (1, 1),
    "GT": (1, 1),
    "CONTAINS": (1, 1),
    "NOT_CONTAINS": (1, 1),
    "BEGINS_WITH": (1, 1),
    "IN": (1, 1 << 30),
    "BETWEEN": (2, 2),
}
_TYPES: Final[dict[str, frozenset[str]]] = {
    "LE": frozenset({"S", "N", "B"}),
    "LT": frozenset({"S", "N", "B"}),
    "GE": frozenset({"S", "N", "B"}),
    "GT": frozenset({"S", "N", "B"}),
    "CONTAINS": frozenset({"S", "N", "B"}),
    "NOT_CONTAINS": frozenset({"S", "N", "B"}),
    "BEGINS_WITH": frozenset({"S", "B"}),
    "IN": frozenset({"S", "N", "B"}),
    "BETWEEN": frozenset({"S", "N", "B"}),
}
"""Value types each operator accepts in QueryFilter, ScanFilter and KeyConditions ([P] dynalite query tests).

EQ and NE take every type, BOOL, NULL, lists and maps included ([D] Condition: "EQ is supported for all data
types, including lists and maps"; a user of AWS reports a BOOL QueryFilter working there, architect/dynalite#156);
dynalite's narrower list predates those types."""

BETWEEN_REVERSED: Final = (
    "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
)


def _arity_error(op: str) -> ValidationException:
    return invalid_parameters(f"Invalid number of argument(s) for the {op} ComparisonOperator")


def _same_type(values: list[AttributeValue]) -> None:
    if values and any(type_of(v) != type_of(values[0]) for v in values):
        raise invalid_parameters("AttributeValues inside AttributeValueList must be of same type")


def _reversed(values: list[AttributeValue]) -> bool:
    return len(values) == 2 and (order(values[0], values[1]) or 0) > 0


def validate_conditions(conditions: dict[str, Any] | None) -> dict[str, tuple[str, list[AttributeValue]]]:
    """Check QueryFilter, ScanFilter or KeyConditions; returns name -> (operator, normalised values)."""
    out: dict[str, tuple[str, list[AttributeValue]]] = {}
    for name, condition in (conditions or {}).items():
        op = str(condition.get("ComparisonOperator"))
        values = [check_value(v) for v in condition.get("AttributeValueList") or []]
        low, high = _ARITY.get(op, (0, 1 << 30))
        if not low <= len(values) <= high:
            raise _arity_error(op)
        _same_type(values)
        allowed = _TYPES.get(op)
        if allowed is not None:
            for value in values:
                if type_of(value) not in allowed:
                    raise invalid_parameters(
                        f"ComparisonOperator {op} is not valid for {type_of(value)} AttributeValue type"
                    )
        if op == "BETWEEN" and _reversed(values):
            raise ValidationException(BETWEEN_REVERSED)
        out[name] = (op, values)
    return out


def validate_expected(expected: dict[str, Any] | None) -> dict[str, tuple[str, list[AttributeValue]]]:
    """Check legacy ``Expected``; returns name -> (operator, normalised values)."""
    out: dict[str, tuple[str, list[AttributeValue]]] = {}
    for name, condition in (expected or {}).items():
        if "AttributeValueList" in condition and "Value" in condition:
            raise invalid_parameters(f"Value and AttributeValueList cannot be used together for Attribute: {name}")
        if "ComparisonOperator" in condition:
            op = str(condition["ComparisonOperator"])
            if "Exists" in condition:
                raise invalid_parameters(f"Exists and ComparisonOperator cannot be used together for Attribute: {name}")
            value_list = condition.get("AttributeValueList")
            value = condition.get("Value")
            if op not in ("NULL", "NOT_NULL") and "AttributeValueList" not in condition and "Value" not in condition:
                raise invalid_parameters(
                    f"Value or AttributeValueList must be used with ComparisonOperator: {op} for Attribute: {name}"
                )
            raw = value_list if value_list else ([value] if value else [])
            low, high = _ARITY.get(op, (0, 1 << 30))
            if not low <= len(raw) <= high:
                raise _arity_error(op)
            values = [check_value(v) for v in raw]
            _same_type(values)
            if op == "BETWEEN" and _reversed(values):
                raise ValidationException(BETWEEN_REVERSED)
            out[name] = (op, values)
        elif "AttributeValueList" in condition:
            raise invalid_parameters(
                f"AttributeValueList can only be used with a ComparisonOperator for Attribute: {name}"
            )
        else:
            exists = condition.get("Exists")
            value = condition.get("Value")
            if (exists is None or exists) and value is None:
                shown = "null" if exists is None else "true"
                raise invalid_parameters(f"Value must be provided when Exists is {shown} for Attribute: {name}")
            if exists is False and value is not None:
                raise invalid_parameters(f"Value cannot be used when Exists is false for Attribute: {name}")
            out[name] = ("NULL", []) if exists is False else ("EQ", [check_value(value)])
    return out


def validate_attribute_updates(updates: dict[str, Any] | None) -> dict[str, Any]:
    """Check legacy ``AttributeUpdates``; returns them with normalised values."""
    out: dict[str, Any] = {}
    for name, update in (updates or {}).items():
        action = update.get("Action")
        value = update.get("Value")
        if value is not None:
            value = check_value(value)
        if value is None and action != "DELETE":
            raise invalid_parameters("Only DELETE action is allowed when no attribute value is specified")
        if value is not None and action == "DELETE" and type_of(value) not in ("SS", "NS", "BS"):
            raise invalid_parameters(f"DELETE action with value is not supported for the type {type_of(value)}")
        if value is not None and action == "ADD" and type_of(value) not in ("L", "SS", "NS", "BS", "N"):
            raise invalid_parameters(f"ADD action is not supported for the type {type_of(value)}")
        out[name] = {"Action": action, "Value": value}
    return out


def check_attributes_to_get(names: list[str] | None) -> None:
    seen: set[str] = set()
    for name in names or []:
        if name in seen:
            raise invalid_parameters(f"Duplicate value in attribute name: {name}")
        seen.add(name)


def _predicate(name: str, op: str, values: list[AttributeValue]) -> Predicate:
    first = values[0] if values else None
    if op == "NULL":
        return lambda item: name not in item
    if op == "NOT_NULL":
        return lambda item: name in item
    if op == "EQ":
        return lambda item: (v := item.get(name)) is not None and values_equal(v, first)  # type: ignore[arg-type]
    if op == "NE":
        return lambda item: not ((v := item.get(name)) is not None and values_equal(v, first))  # type: ignore[arg-type]
    if op in ("LT", "LE", "GT", "GE"):
        tests: dict[str, Callable[[int], bool]] = {
            "LT": lambda c: c < 0,
            "LE": lambda c: c <= 0,
            "GT": lambda c: c > 0,
            "GE": lambda c: c >= 0,
        }
        test = tests[op]

        def ordered(item: Item) -> bool:
            v = item.get(name)
            if v is None:
                return False
            c = order(v, first)  # type: ignore[arg-type]
            return c is not None and test(c)

        return ordered
    if op == "CONTAINS":
        return lambda item: contains(item.get(name), first)
    if op == "NOT_CONTAINS":
        return lambda item: not contains(item.get(name), first)
    if op == "BEGINS_WITH":
        return lambda item: begins_with(item.get(name), first)
    if op == "IN":
        return lambda item: (v := item.get(name)) is not None and any(values_equal(v, x) for x in values)
    if op == "BETWEEN":
        low, high = values

        def between(item: Item) -> bool:
            v = item.get(name)
            if v is None:
                return False
            a, b = order(low, v), order(v, high)
            return a is not None and b is not None and a <= 0 and b <= 0

        return between
    raise ValidationException(f"Unsupported ComparisonOperator: {op}")  # pragma: no cover - enum-checked on the wire


def compile_conditions(
    conditions: dict[str, tuple[str, list[AttributeValue]]], conditional_operator: str | None
) -> Predicate:
    """One predicate for validated legacy conditions."""
    predicates = tuple(_predicate(name, op, values) for name, (op, values) in conditions.items())
    if conditional_operator == "OR":
        return lambda item: any(p(item) for p in predicates) if predicates else True
    return lambda item: all(p(item) for p in predicates)

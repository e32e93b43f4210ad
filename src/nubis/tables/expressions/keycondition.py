"""Key conditions: a KeyConditionExpression (or legacy KeyConditions) narrowed to a hash value and a sort range.

Two stages, because AWS checks in two places:

1. ``convert_key_condition`` (request time, no table needed) turns a resolved expression into one comparison per
   attribute, with AWS's messages for what a key condition may not contain ([P] dynalite query tests: operators,
   nested paths, several attributes in one comparison, repeated keys). The result has the shape of legacy
   ``KeyConditions``, so both go through the same request-level checks.
2. ``KeyCondition.for_schema`` (once the table or index is known) matches the conditions to the key schema:
   missing key elements, non-indexable operators, value types and non-EQ hash conditions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from nubis.tables.errors import ValidationException, invalid_parameter_values, invalid_parameters
from nubis.tables.expressions import ast
from nubis.tables.expressions.functions import KEY_CONDITION_FORBIDDEN
from nubis.tables.values import AttributeValue

SortOp = Literal["EQ", "LT", "LE", "GT", "GE", "BETWEEN", "BEGINS_WITH"]

_OPERATORS: Final = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}
_FLIPPED: Final = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NOT_INDEXABLE: Final = frozenset({"NULL", "NOT_NULL", "NE", "CONTAINS", "NOT_CONTAINS", "IN"})

Conditions = dict[str, tuple[str, tuple[AttributeValue, ...]]]
"""Attribute name -> (ComparisonOperator, AttributeValueList), the legacy KeyConditions shape."""


@dataclass(frozen=True, slots=True)
class KeyRange:
    """What a Query reads: one partition, optionally narrowed by one sort-key comparison."""

    hash_value: AttributeValue
    sort_op: SortOp | None
    sort_values: tuple[AttributeValue, ...]
    hash_values: tuple[AttributeValue, ...] = ()
    """Every partition-key value, in schema order, for a multi-attribute key (else empty)."""
    sort_prefix: tuple[AttributeValue, ...] = ()
    """The equalities on the leading sort-key attributes before the one ``sort_op`` compares (multi-attribute)."""


@dataclass(frozen=True, slots=True)
class KeyCondition:
    conditions: tuple[tuple[str, str, tuple[AttributeValue, ...]], ...]

    def for_schema(self, hash_key: tuple[str, str], range_key: tuple[str, str] | None) -> KeyRange:
        """Match the conditions to a key schema; each key is ``(attribute name, scalar type)``.

        Raises:
            ValidationException: AWS's messages, checked hash key first ([P] dynalite query tests).
        """
        conditions = {name: (op, values) for name, op, values in self.conditions}
        if len(conditions) > 2:
            raise ValidationException("Conditions can be of length 1 or 2 only")
        hash_name, hash_type = hash_key
        if range_key is None and len(conditions) > 1:
            raise ValidationException("Query key condition not supported")
        hash_condition = conditions.get(hash_name)
        if hash_condition is None:
            raise ValidationException(f"Query condition missed key schema element: {hash_name}")
        op, values = hash_condition
        _check_indexable(hash_name, op, values, hash_type)
        if op != "EQ":
            raise ValidationException("Query key condition not supported")
        sort_op: SortOp | None = None
        sort_values: tuple[AttributeValue, ...] = ()
        if range_key is not None:
            range_name, range_type = range_key
            range_condition = conditions.get(range_name)
            if range_condition is None:
                if len(conditions) > 1:
                    raise ValidationException(f"Query condition missed key schema element: {range_name}")
            else:
                op, sort_values = range_condition
                _check_indexable(range_name, op, sort_values, range_type)
                sort_op = op  # type: ignore[assignment]
        return KeyRange(values[0], sort_op, sort_values)

    def for_keys(self, hashes: tuple[tuple[str, str], ...], ranges: tuple[tuple[str, str], ...]) -> KeyRange:
        """Match the conditions to a multi-attribute key: equality on every partition attribute, equalities on
        a prefix of the sort attributes and optionally one comparison on the next ([D] developerguide
        GSI.MultiAttributeKeys; messages [V] a conformance suite run against AWS, [L] DynamoDB Local).

        Raises:
            ValidationException: partition attributes checked first, then the sort attributes.
        """
        conditions = {name: (op, values) for name, op, values in self.conditions}
        if len(hashes) == 1:
            hash_name = hashes[0][0]
            if hash_name not in conditions:
                raise ValidationException(f"Query condition missed key schema element: {hash_name}")
        for name, kind in (*hashes, *ranges):
            if name in conditions:
                _check_indexable(name, conditions[name][0], conditions[name][1], kind)
        unequal = [name for name, _ in hashes if conditions.get(name, ("",))[0] != "EQ"]
        if unequal:
            if len(hashes) == 1:
                raise ValidationException("Query key condition not supported")
            raise ValidationException(
                f"HASH key attributes {', '.join(unequal)} must have equality conditions specified in the query"
            )
        conditioned = [i for i, (name, _) in enumerate(ranges) if name in conditions]
        known = {name for name, _ in (*hashes, *ranges)}
        if any(name not in known for name in conditions):
            missing = [name for name, _ in ranges if name not in conditions]
            if missing:
                raise ValidationException(f"Query condition missed key schema element: {missing[0]}")
            raise ValidationException("Query key condition not supported")
        hash_values = tuple(conditions[name][1][0] for name, _ in hashes)
        if not conditioned:
            return KeyRange(hash_values[0], None, (), hash_values)
        last = conditioned[-1]
        gaps = [name for name, _ in ranges[:last] if conditions.get(name, ("",))[0] != "EQ"]
        if gaps:
            raise ValidationException(
                f"RANGE key attributes {', '.join(gaps)} must have equality conditions specified in the query "
                f"because a condition is present on key attribute {ranges[last][0]}"
            )
        op, values = conditions[ranges[last][0]]
        prefix = tuple(conditions[name][1][0] for name, _ in ranges[:last])
        return KeyRange(hash_values[0], op, values, hash_values, prefix)  # type: ignore[arg-type]


def _check_indexable(name: str, op: str, values: tuple[AttributeValue, ...], kind: str) -> None:
    if op in _NOT_INDEXABLE:
        raise ValidationException("Attempted conditional constraint is not an indexable operation")
    if any(kind not in value for value in values):
        raise invalid_parameters("Condition parameter type does not match schema type")
    if any(value[kind] == "" for value in values):
        # As for a key in an item ([V] moto test_key_length_exceptions, reported from AWS; DynamoDB Local also
        # for range comparisons and begins_with).
        empty = "string" if kind == "S" else "binary"
        raise invalid_parameter_values(
            f"The AttributeValue for a key attribute cannot contain an empty {empty} value. Key: {name}"
        )


def convert_key_condition(node: ast.Node) -> Conditions:
    """One legacy-shaped condition per attribute from a resolved KeyConditionExpression.

    Raises:
        ValidationException: the first problem in tree order, in AWS's wording.
    """
    conditions: Conditions = {}
    _convert(node, conditions)
    return conditions


def _fail(message: str) -> ValidationException:
    return ValidationException(message)


def _convert(node: ast.Node, conditions: Conditions) -> None:
    while isinstance(node, ast.Paren):
        node = node.inner
    if isinstance(node, ast.Or):
        raise _fail("Invalid operator used in KeyConditionExpression: OR")
    if isinstance(node, ast.Not):
        raise _fail("Invalid operator used in KeyConditionExpression: NOT")
    if isinstance(node, ast.In):
        raise _fail("Invalid operator used in KeyConditionExpression: IN")
    if isinstance(node, ast.Compare) and node.op == "<>":
        raise _fail("Invalid operator used in KeyConditionExpression: <>")
    if isinstance(node, ast.Call):
        if node.name in KEY_CONDITION_FORBIDDEN:
            raise _fail(f"Invalid operator used in KeyConditionExpression: {node.name}")
        if node.name == "size":
            raise _fail("KeyConditionExpressions cannot contain nested operations")
        if not isinstance(node.args[0], ast.Path):
            raise _fail(
                f"Invalid condition in KeyConditionExpression: {node.name} operator must have the key attribute "
                "as its first operand"
            )
        args: tuple[ast.Node, ...] = node.args
    elif isinstance(node, ast.Between):
        if not isinstance(node.operand, ast.Path):
            raise _fail(
                "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its "
                "first operand"
            )
        args = (node.operand, node.low, node.high)
    elif isinstance(node, ast.Compare):
        args = (node.left, node.right)
    elif isinstance(node, ast.And):
        args = (node.left, node.right)
    else:  # pragma: no cover - the parser admits nothing else
        raise AssertionError(f"not a key condition: {node!r}")
    name: str | None = None
    position = 0
    for i, arg in enumerate(args):
        while isinstance(arg, ast.Paren):
            arg = arg.inner
        if isinstance(arg, ast.Path):
            if name is not None:
                raise _fail(
                    "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
                )
            if len(arg.elements) > 1:
                raise _fail("KeyConditionExpressions cannot have conditions on nested attributes")
            name = str(arg.elements[0])
            position = i
        elif not isinstance(arg, ast.Literal):
            _convert(arg, conditions)
    if isinstance(node, ast.And):
        return
    if name is None:
        raise _fail("Invalid condition in KeyConditionExpression: No key attribute specified")
    if name in conditions:
        raise _fail("KeyConditionExpressions must only contain one condition per key")
    literals = tuple(arg.value for arg in args if isinstance(arg, ast.Literal))
    if isinstance(node, ast.Compare):
        op = _FLIPPED[node.op] if position != 0 else node.op
        conditions[name] = (_OPERATORS[op], literals)
    elif isinstance(node, ast.Between):
        conditions[name] = ("BETWEEN", literals)
    else:
        conditions[name] = ("BEGINS_WITH", literals)


def key_condition(conditions: Conditions) -> KeyCondition:
    return KeyCondition(tuple((name, op, values) for name, (op, values) in conditions.items()))

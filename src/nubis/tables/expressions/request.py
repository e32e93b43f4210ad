"""``compile_expressions``: every expression-related check of one request, in AWS's order, and the compiled result.

The order of checks ([P] dynalite's validations, checked against AWS):

1. Expression and non-expression parameters are not mixed; ``ExpressionAttributeNames`` / ``Values`` come with
   an expression that can use them; ``ConditionalOperator`` comes with a legacy filter or ``Expected`` of two or
   more conditions ([V] ExtendDB tests/test_conditional_operator.py, run against AWS: before the Query key check,
   an empty map counts as none).
2. The legacy parameters of the operation (AttributeUpdates, Expected, QueryFilter, AttributesToGet, ScanFilter;
   then, for Query, that some key condition is given).
3. ``ExpressionAttributeNames``: not empty, well-formed keys. ``ExpressionAttributeValues``: not empty, well-formed
   keys, then valid values.
4. Each expression, in the order UpdateExpression, ConditionExpression, KeyConditionExpression, FilterExpression,
   ProjectionExpression: empty, too long, syntax, then ``resolve``'s ranked checks.
5. Placeholders no expression used (names, then values).
6. Query: what a key condition may contain, the legacy operator checks on it, and that it has one or two parts.

Schema-dependent checks (key attributes, index types, item size) are the engine's, with ``KeyCondition.for_schema``
for the query key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from nubis.tables import limits
from nubis.tables.errors import ValidationException
from nubis.tables.expressions import ast
from nubis.tables.expressions.cache import PARSE_CACHE
from nubis.tables.expressions.evaluate import compile_condition
from nubis.tables.expressions.keycondition import KeyCondition, convert_key_condition, key_condition
from nubis.tables.expressions.legacy import (
    check_attributes_to_get,
    compile_conditions,
    validate_attribute_updates,
    validate_conditions,
    validate_expected,
)
from nubis.tables.expressions.projection import compile_projection
from nubis.tables.expressions.resolve import (
    Placeholders,
    ResolvedPath,
    resolve_condition,
    resolve_projection,
    resolve_update,
)
from nubis.tables.expressions.update import compile_attribute_updates, compile_update
from nubis.tables.values import AttributeValue, Item, check_value

ExpressionKind = Literal[
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "ConditionCheck", "BatchGetItem"
]

_EXPRESSIONS: Final[dict[str, tuple[str, ...]]] = {
    "GetItem": ("ProjectionExpression",),
    "BatchGetItem": ("ProjectionExpression",),
    "PutItem": ("ConditionExpression",),
    "DeleteItem": ("ConditionExpression",),
    "ConditionCheck": ("ConditionExpression",),
    "UpdateItem": ("UpdateExpression", "ConditionExpression"),
    "Query": ("ProjectionExpression", "FilterExpression", "KeyConditionExpression"),
    "Scan": ("ProjectionExpression", "FilterExpression"),
}
"""Expression parameters per operation, in the order AWS lists them in messages."""

_LEGACY: Final[dict[str, tuple[str, ...]]] = {
    "GetItem": ("AttributesToGet",),
    "BatchGetItem": ("AttributesToGet",),
    "PutItem": ("Expected", "ConditionalOperator"),
    "DeleteItem": ("Expected", "ConditionalOperator"),
    "ConditionCheck": (),
    "UpdateItem": ("AttributeUpdates", "Expected", "ConditionalOperator"),
    "Query": ("AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"),
    "Scan": ("AttributesToGet", "ScanFilter", "ConditionalOperator"),
}
"""Non-expression parameters per operation, in the order AWS lists them ([P] dynalite; the single-item writes
[V] ExtendDB tests/test_conditional_operator.py)."""

_NAME_KEY: Final = re.compile(r"#[0-9a-zA-Z_]+")
_VALUE_KEY: Final = re.compile(r":[0-9a-zA-Z_]+")
_EMPTY: Final[Item] = {}


@dataclass(frozen=True, slots=True)
class CompiledExpressions:
    """Everything the engine needs from a request's expressions, compiled once."""

    condition: Callable[[Item | None], bool] | None = None
    """ConditionExpression or Expected; ``None`` item means the item does not exist."""
    filter: Callable[[Item], bool] | None = None
    """FilterExpression, QueryFilter or ScanFilter."""
    projection: Callable[[Item], Item] | None = None
    """ProjectionExpression or AttributesToGet."""
    projection_top_level: frozenset[str] | None = None
    """The top-level attribute names the projection touches."""
    update: Callable[[Item], Item] | None = None
    """UpdateExpression or AttributeUpdates: the existing item (or the key alone) to the new item."""
    updated_paths: Callable[[Item], Item] | None = None
    """An item projected onto exactly the updated paths (ReturnValues UPDATED_OLD / UPDATED_NEW)."""
    updated_top_level: frozenset[str] = frozenset()
    """Top-level names the update sets, removes, adds to or deletes from."""
    updated_computed_top_level: frozenset[str] = frozenset()
    """Top-level names an UpdateExpression SETs to a value read from the item rather than a literal."""
    key_condition: KeyCondition | None = None
    """KeyConditionExpression or KeyConditions, to be matched to the key schema."""
    filter_top_level: frozenset[str] = frozenset()
    """Top-level names the filter reads (a Query may not filter on key attributes)."""
    filter_label: str = "Filter Expression"
    """How AWS names the filter in errors: "Filter Expression" or the legacy "QueryFilter"/"ScanFilter"."""
    nested_heads: frozenset[str] = frozenset()
    """Top-level names the projection, filter or update reaches into (``a.b``, ``a[0]``): refused for key
    attributes, which must be scalars."""


_NOTHING = CompiledExpressions()


def _condition_on(predicate: Callable[[Item], bool]) -> Callable[[Item | None], bool]:
    def condition(item: Item | None) -> bool:
        return predicate(_EMPTY if item is None else item)

    return condition


def _check_placeholders(
    names: dict[str, str] | None, values: dict[str, Any] | None
) -> tuple[dict[str, str], dict[str, AttributeValue]]:
    if names is not None:
        if not names:
            raise ValidationException("ExpressionAttributeNames must not be empty")
        for key in names:
            if not _NAME_KEY.fullmatch(key):
                raise ValidationException(f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"')
    checked: dict[str, AttributeValue] = {}
    if values is not None:
        if not values:
            raise ValidationException("ExpressionAttributeValues must not be empty")
        for key in values:
            if not _VALUE_KEY.fullmatch(key):
                raise ValidationException(f'ExpressionAttributeValues contains invalid key: Syntax error; key: "{key}"')
        for key, raw in values.items():
            try:
                checked[key] = check_value(raw)
            except ValidationException as exc:
                raise ValidationException(
                    f"ExpressionAttributeValues contains invalid value: {exc.message} for key {key}"
                ) from exc
    return names or {}, checked


def _check_conditional_operator(conditions: dict[str, Any] | None) -> None:
    """ConditionalOperator joins legacy conditions, so it needs at least two of them (the filter of a Scan or
    Query, the Expected of a write)."""
    if not conditions:
        raise ValidationException("ConditionalOperator cannot be used without Filter or Expected")
    if len(conditions) < 2:
        raise ValidationException(
            "ConditionalOperator can only be used when Filter or Expected has two or more elements"
        )


def compile_expressions(
    *,
    kind: ExpressionKind,
    condition_expression: str | None = None,
    filter_expression: str | None = None,
    projection_expression: str | None = None,
    update_expression: str | None = None,
    key_condition_expression: str | None = None,
    expression_attribute_names: dict[str, str] | None = None,
    expression_attribute_values: dict[str, Any] | None = None,
    expected: dict[str, Any] | None = None,
    conditional_operator: str | None = None,
    attribute_updates: dict[str, Any] | None = None,
    key_conditions: dict[str, Any] | None = None,
    query_filter: dict[str, Any] | None = None,
    scan_filter: dict[str, Any] | None = None,
    attributes_to_get: list[str] | None = None,
) -> CompiledExpressions:
    """Validate and compile every expression (or legacy) parameter of one request.

    Args:
        kind: the operation, which decides which parameters count and in which order AWS names them.
        expression_attribute_values: raw wire values; they are validated and normalised here.

    Returns:
        The compiled conditions, filter, projection, update and key condition (``None`` where not given).

    Raises:
        ValidationException: the first problem in AWS's order of checks, with AWS's message.
    """
    if (
        condition_expression is None
        and filter_expression is None
        and projection_expression is None
        and update_expression is None
        and key_condition_expression is None
        and expression_attribute_names is None
        and expression_attribute_values is None
        and expected is None
        and conditional_operator is None
        and attribute_updates is None
        and key_conditions is None
        and query_filter is None
        and scan_filter is None
        and attributes_to_get is None
        and kind != "Query"
    ):
        return _NOTHING  # the common GetItem/PutItem/DeleteItem: nothing to check or compile

    given: dict[str, Any] = {
        "UpdateExpression": update_expression,
        "ConditionExpression": condition_expression,
        "KeyConditionExpression": key_condition_expression,
        "FilterExpression": filter_expression,
        "ProjectionExpression": projection_expression,
        "AttributesToGet": attributes_to_get,
        "Expected": expected,
        "ConditionalOperator": conditional_operator,
        "AttributeUpdates": attribute_updates,
        "KeyConditions": key_conditions,
        "QueryFilter": query_filter,
        "ScanFilter": scan_filter,
    }
    expression_params = [p for p in _EXPRESSIONS[kind] if given[p] is not None]
    if expression_params:
        legacy_names = list(_LEGACY[kind])
        if key_conditions is not None and key_condition_expression is None and "KeyConditions" in legacy_names:
            legacy_names.remove("KeyConditions")  # AWS allows KeyConditions beside FilterExpression [P]
        used_legacy = [p for p in legacy_names if given[p] is not None]
        if used_legacy:
            raise ValidationException(
                "Can not use both expression and non-expression parameters in the same request: "
                f"Non-expression parameters: {{{', '.join(used_legacy)}}} "
                f"Expression parameters: {{{', '.join(expression_params)}}}"
            )
    if expression_attribute_names is not None and not expression_params:
        raise ValidationException("ExpressionAttributeNames can only be specified when using expressions")
    value_params = [p for p in _EXPRESSIONS[kind] if p != "ProjectionExpression"]
    if value_params and expression_attribute_values is not None and all(given[p] is None for p in value_params):
        verb = "are" if len(value_params) > 1 else "is"
        raise ValidationException(
            f"ExpressionAttributeValues can only be specified when using expressions: {' and '.join(value_params)} "
            f"{verb} null"
        )

    if conditional_operator is not None and "ConditionalOperator" in _LEGACY[kind]:
        _check_conditional_operator(scan_filter if kind == "Scan" else query_filter if kind == "Query" else expected)

    # Legacy parameters, in the order each operation checks them.
    legacy_updates: dict[str, Any] | None = None
    legacy_expected: dict[str, tuple[str, list[AttributeValue]]] | None = None
    legacy_filter: dict[str, tuple[str, list[AttributeValue]]] | None = None
    if kind == "UpdateItem" and attribute_updates is not None:
        legacy_updates = validate_attribute_updates(attribute_updates)
    if kind in ("PutItem", "DeleteItem", "UpdateItem") and expected is not None:
        legacy_expected = validate_expected(expected)
    if kind == "Query":
        if query_filter is not None:
            legacy_filter = validate_conditions(query_filter)
        check_attributes_to_get(attributes_to_get)
        if key_conditions is None and key_condition_expression is None:
            raise ValidationException(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
            )
    elif kind == "Scan":
        check_attributes_to_get(attributes_to_get)
        if scan_filter is not None:
            legacy_filter = validate_conditions(scan_filter)
    elif kind in ("GetItem", "BatchGetItem"):
        check_attributes_to_get(attributes_to_get)

    # Expressions.
    names, values = _check_placeholders(expression_attribute_names, expression_attribute_values)
    placeholders = Placeholders(names, values)
    resolved_update: ast.Update | None = None
    resolved_condition: ast.Node | None = None
    resolved_key: ast.Node | None = None
    resolved_filter: ast.Node | None = None
    resolved_projection: tuple[ResolvedPath, ...] | None = None
    expressions = _EXPRESSIONS[kind]
    if update_expression is not None and "UpdateExpression" in expressions:
        parsed = PARSE_CACHE.parse("UpdateExpression", update_expression)
        assert isinstance(parsed, ast.Update)
        resolved_update = resolve_update(parsed, placeholders)
    if condition_expression is not None and "ConditionExpression" in expressions:
        node = PARSE_CACHE.parse("ConditionExpression", condition_expression)
        resolved_condition = resolve_condition(node, placeholders, "ConditionExpression")  # type: ignore[arg-type]
    if key_condition_expression is not None and "KeyConditionExpression" in expressions:
        node = PARSE_CACHE.parse("KeyConditionExpression", key_condition_expression)
        resolved_key = resolve_condition(node, placeholders, "KeyConditionExpression")  # type: ignore[arg-type]
    if filter_expression is not None and "FilterExpression" in expressions:
        node = PARSE_CACHE.parse("FilterExpression", filter_expression)
        resolved_filter = resolve_condition(node, placeholders, "FilterExpression")  # type: ignore[arg-type]
    if projection_expression is not None and "ProjectionExpression" in expressions:
        parsed_projection = PARSE_CACHE.parse("ProjectionExpression", projection_expression)
        assert isinstance(parsed_projection, ast.Projection)
        resolved_projection = resolve_projection(parsed_projection, placeholders)
    if placeholders.unused_names:
        raise ValidationException(
            "Value provided in ExpressionAttributeNames unused in expressions: "
            f"keys: {{{', '.join(placeholders.unused_names)}}}"
        )
    if placeholders.unused_values:
        raise ValidationException(
            "Value provided in ExpressionAttributeValues unused in expressions: "
            f"keys: {{{', '.join(placeholders.unused_values)}}}"
        )

    # Query key conditions.
    compiled_key: KeyCondition | None = None
    if kind == "Query":
        if resolved_key is not None:
            # Not the legacy KeyConditions checks: ``resolve`` has checked the operand types and the BETWEEN
            # bounds in the expression's own words, and a value no key can hold (``pk = :bool``) is the schema's
            # "Condition parameter type does not match schema type" (``KeyCondition.for_schema``), not
            # "ComparisonOperator EQ is not valid for BOOL AttributeValue type" ([V] ASFHyP3/hyp3 PR #1261 quotes
            # AWS's answer to a boolean key condition; [P] DynamoDB Local 3.3.1 for BOOL and NULL).
            conditions = convert_key_condition(resolved_key)
        else:
            checked_keys = validate_conditions(key_conditions or {})
            conditions = {name: (op, tuple(vals)) for name, (op, vals) in checked_keys.items()}
        if not 1 <= len(conditions) <= 2 * limits.MAX_GSI_KEY_PARTS:  # more than 2: multi-attribute keys only
            raise ValidationException("Conditions can be of length 1 or 2 only")
        compiled_key = key_condition(conditions)

    # Compile.
    condition: Callable[[Item | None], bool] | None = None
    if resolved_condition is not None:
        condition = _condition_on(compile_condition(resolved_condition))
    elif legacy_expected is not None:
        condition = _condition_on(compile_conditions(legacy_expected, conditional_operator))
    filter_: Callable[[Item], bool] | None = None
    filter_top: frozenset[str] = frozenset()
    filter_label = "Filter Expression"
    if resolved_filter is not None:
        filter_ = compile_condition(resolved_filter)
        filter_top = ast.path_heads(resolved_filter)
    elif legacy_filter is not None:
        filter_ = compile_conditions(legacy_filter, conditional_operator)
        filter_top = frozenset(legacy_filter)
        filter_label = "QueryFilter" if query_filter is not None else "ScanFilter"
    projection: Callable[[Item], Item] | None = None
    projection_top: frozenset[str] | None = None
    paths: tuple[ResolvedPath, ...] | None = resolved_projection
    if paths is None and attributes_to_get is not None and "AttributesToGet" in _LEGACY[kind]:
        paths = tuple((name,) for name in attributes_to_get)
    if paths is not None:
        projection = compile_projection(paths)
        projection_top = frozenset(str(path[0]) for path in paths)
    update = updated_paths = None
    updated_top: frozenset[str] = frozenset()
    updated_computed: frozenset[str] = frozenset()
    compiled_update = None
    if resolved_update is not None:
        compiled_update = compile_update(resolved_update)
    elif legacy_updates is not None:
        compiled_update = compile_attribute_updates(legacy_updates)
    if compiled_update is not None:
        update = compiled_update.apply
        updated_paths = compiled_update.updated_paths
        updated_top = compiled_update.top_level
        updated_computed = compiled_update.computed_top_level
    nested: set[str] = set()
    if paths is not None:
        nested.update(str(path[0]) for path in paths if len(path) > 1)
    if resolved_filter is not None:
        nested |= ast.path_heads(resolved_filter, nested_only=True)
    if compiled_update is not None:
        nested.update(str(path[0]) for path in compiled_update.paths if len(path) > 1)
    return CompiledExpressions(
        condition=condition,
        filter=filter_,
        projection=projection,
        projection_top_level=projection_top,
        update=update,
        updated_paths=updated_paths,
        updated_top_level=updated_top,
        updated_computed_top_level=updated_computed,
        key_condition=compiled_key,
        filter_top_level=filter_top,
        filter_label=filter_label,
        nested_heads=frozenset(nested),
    )

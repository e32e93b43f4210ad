"""Binding ``#name`` and ``:value`` placeholders, and every semantic check AWS makes on a parsed expression.

AWS reports one error per request, and when an expression has several problems it reports them in a fixed order
of *categories*, whatever their position in the text. The passes below collect the first problem of each
category while walking the tree in source order (inner function calls before outer ones), then raise the
highest-ranked one ([P] dynalite's AWS-checked tests; its grammar actions record the same ranking):

- ConditionExpression, FilterExpression, KeyConditionExpression: redundant parentheses, unknown function (or an
  update function), misused function, reserved word, then the first *leaf condition* with a problem, whose own
  problems rank: a path too deep or an undefined name or value, operand count, indistinct operands, operand types.
- UpdateExpression: reserved word, unknown function (or a condition function), repeated section, a path too deep
  or an undefined name, undefined value, overlapping paths, conflicting paths, ADD/DELETE operand type, function
  operands.
- ProjectionExpression: reserved word, a path too deep or an undefined name, overlapping paths, conflicting paths.

A path's depth is checked before its names, as AWS validates one document path at a time ([P] DynamoDB Local
3.3.1's ExpressionValidator, the service's own: depth, then each ``#name``), so the two share one category.

Placeholders used by any expression of the request are struck off ``Placeholders.unused_*``; ``request`` reports
what is left once every expression has been resolved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from nubis.tables.errors import ValidationException
from nubis.tables.expressions import ast
from nubis.tables.expressions.functions import (
    ATTRIBUTE_TYPE_OPERAND_TEXT,
    ATTRIBUTE_TYPES,
    ATTRIBUTE_TYPES_TEXT,
    CONDITION_FUNCTIONS,
    ORDERED_TYPES,
    TYPE_WORDS,
    UPDATE_FUNCTIONS,
    order,
    render,
    type_of,
)
from nubis.tables.expressions.reserved import RESERVED_WORDS
from nubis.tables.limits import MAX_NESTING_DEPTH, MAX_OPERANDS_IN
from nubis.tables.values import AttributeValue

ResolvedPath = tuple[str | int, ...]

_CONDITION_RANK: Final = ("parens", "unknown_function", "misused_function", "reserved", "condition")
_LEAF_RANK: Final = ("reference", "operand_count", "distinct", "function")
_UPDATE_RANK: Final = (
    "reserved",
    "unknown_function",
    "section",
    "path",
    "undefined_value",
    "path_overlap",
    "path_conflict",
    "operand",
    "function",
)
_PROJECTION_RANK: Final = ("reserved", "path", "path_overlap", "path_conflict")


@dataclass(slots=True)
class Placeholders:
    """The request's ``ExpressionAttributeNames`` and (validated) ``ExpressionAttributeValues``."""

    names: Mapping[str, str]
    values: Mapping[str, AttributeValue]
    unused_names: dict[str, None] = field(default_factory=dict)
    unused_values: dict[str, None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.unused_names = dict.fromkeys(self.names)
        self.unused_values = dict.fromkeys(self.values)


def path_text(path: ResolvedPath) -> str:
    """A path as AWS prints it: ``[a, [1], b]``."""
    return "[" + ", ".join(f"[{e}]" if isinstance(e, int) else e for e in path) + "]"


def path_of(node: ast.Path) -> ResolvedPath:
    """The elements of a resolved path (``resolve`` guarantees no ``NameRef`` is left)."""
    return node.elements  # type: ignore[return-value]


def _raise(label: str, errors: dict[str, str], rank: tuple[str, ...]) -> None:
    for category in rank:
        message = errors.get(category)
        if message is not None:
            raise ValidationException(f"Invalid {label}: {message}")


def _add_path(paths: list[ResolvedPath], new: ResolvedPath, errors: dict[str, str]) -> None:
    """AWS's overlap and conflict checks of one path against those seen before it."""
    if "path_overlap" in errors:
        return
    for old in paths:
        for x, y in zip(old, new, strict=False):
            if type(x) is not type(y):
                errors.setdefault(
                    "path_conflict",
                    "Two document paths conflict with each other; must remove or rewrite one of these paths; "
                    f"path one: {path_text(old)}, path two: {path_text(new)}",
                )
                break
            if x != y:
                break
        else:
            errors["path_overlap"] = (
                "Two document paths overlap with each other; must remove or rewrite one of these paths; "
                f"path one: {path_text(old)}, path two: {path_text(new)}"
            )
            return
    paths.append(new)


def _reserved(name: str) -> str:
    return f"Attribute name is a reserved keyword; reserved keyword: {name}"


def _undefined_name(name: str) -> str:
    return f"An expression attribute name used in the document path is not defined; attribute name: {name}"


def _too_deep(node: ast.Path) -> str | None:
    """AWS's error for a document path deeper than 32 levels (each name and index counts), else None.

    [D] quotas: 32 levels of nesting; [V] scylla test_projection_expression_path_nesting_levels quotes AWS's
    ProjectionExpression text; the other expression kinds share the validator ([P] DynamoDB Local 3.3.1).
    """
    depth = len(node.elements)
    if depth <= MAX_NESTING_DEPTH:
        return None
    return f"The document path has too many nesting levels; nesting levels: {depth}"


def _undefined_value(name: str) -> str:
    return f"An expression attribute value used in expression is not defined; attribute value: {name}"


def _operand_count(name: str, count: int) -> str:
    return (
        "Incorrect number of operands for operator or function; "
        f"operator or function: {name}, number of operands: {count}"
    )


def _operand_type(name: str, kind: str) -> str:
    return f"Incorrect operand type for operator or function; operator or function: {name}, operand type: {kind}"


def _needs_path(name: str) -> str:
    return f"Operator or function requires a document path; operator or function: {name}"


# -- conditions ----------------------------------------------------------------------------------------------


class _ConditionResolver:
    __slots__ = ("errors", "leaf", "placeholders")

    def __init__(self, placeholders: Placeholders) -> None:
        self.placeholders = placeholders
        self.errors: dict[str, str] = {}
        self.leaf: dict[str, str] = {}

    def end_leaf(self) -> None:
        if "condition" not in self.errors and self.leaf:
            for category in _LEAF_RANK:
                if category in self.leaf:
                    self.errors["condition"] = self.leaf[category]
                    return

    def unparen(self, node: ast.Node) -> ast.Node:
        depth = 0
        while isinstance(node, ast.Paren):
            node = node.inner
            depth += 1
        if depth > 1:
            self.errors.setdefault("parens", "The expression has redundant parentheses;")
        return node

    def misused_size(self, node: ast.Node) -> None:
        if isinstance(node, ast.Call) and node.name == "size":
            self.errors.setdefault(
                "misused_function", "The function is not allowed to be used this way in an expression; function: size"
            )

    def misused(self, operands: tuple[ast.Node, ...]) -> None:
        for node in operands:
            if isinstance(node, ast.Call) and node.name != "size":
                self.errors.setdefault(
                    "misused_function",
                    f"The function is not allowed to be used this way in an expression; function: {node.name}",
                )
                return

    def distinct(self, name: str, operands: tuple[ast.Node, ...]) -> None:
        if len(operands) != 2:
            return
        first, second = operands
        if isinstance(first, ast.Path) and isinstance(second, ast.Path) and first.elements == second.elements:
            self.leaf.setdefault(
                "distinct",
                "The first operand must be distinct from the remaining operands for this operator or function; "
                f"operator: {name}, first operand: {path_text(path_of(first))}",
            )

    def condition(self, node: ast.Node) -> ast.Node:
        node = self.unparen(node)
        if isinstance(node, ast.And | ast.Or):
            left = self.condition(node.left)
            right = self.condition(node.right)
            self.misused_size(left)
            self.misused_size(right)
            return ast.And(left, right) if isinstance(node, ast.And) else ast.Or(left, right)
        if isinstance(node, ast.Not):
            inner = self.condition(node.inner)
            self.misused_size(inner)
            return ast.Not(inner)
        if isinstance(node, ast.Compare):
            operands = (self.operand(node.left), self.operand(node.right))
            self.misused(operands)
            self.distinct(node.op, operands)
            if node.op not in ("=", "<>"):
                self.ordered_literals(node.op, operands)
            self.end_leaf()
            return ast.Compare(node.op, operands[0], operands[1])
        if isinstance(node, ast.Between):
            subject, low, high = self.operand(node.operand), self.operand(node.low), self.operand(node.high)
            self.misused((subject, low, high))
            # The operand types come before the bounds' own checks: BOOL and N bounds are an operand-type error,
            # not a "same data type" one ([P] DynamoDB Local 3.3.1 answers so).
            self.ordered_literals("BETWEEN", (subject, low, high))
            self.between_bounds(low, high)
            self.end_leaf()
            return ast.Between(subject, low, high)
        if isinstance(node, ast.In):
            subject = self.operand(node.operand)
            options = tuple(self.operand(option) for option in node.options)
            self.misused((subject, *options))
            if len(options) > MAX_OPERANDS_IN:
                self.leaf.setdefault(
                    "function",
                    f"The IN operator is provided with too many operands; number of operands: {len(options)}",
                )
            self.end_leaf()
            return ast.In(subject, options)
        if isinstance(node, ast.Call):
            call = self.call(node)
            self.end_leaf()
            return call
        raise AssertionError(f"not a condition: {node!r}")  # pragma: no cover - the parser admits none

    def ordered_literals(self, name: str, operands: tuple[ast.Node, ...]) -> None:
        """AWS refuses a literal an ordering operator cannot order, the first in source order (``ORDERED_TYPES``).

        Only literals are checked: an item value of another type makes the comparison false instead. ``=``, ``<>``
        and ``IN`` take every type ([V] scylla test_update_condition_in; [P] DynamoDB Local 3.3.1).
        """
        for node in operands:
            if isinstance(node, ast.Literal):
                kind = type_of(node.value)
                if kind not in ORDERED_TYPES:
                    self.leaf.setdefault("function", _operand_type(name, kind))
                    return

    def between_bounds(self, low: ast.Node, high: ast.Node) -> None:
        if "function" in self.leaf or not isinstance(low, ast.Literal) or not isinstance(high, ast.Literal):
            return
        if type_of(low.value) != type_of(high.value):
            self.leaf["function"] = (
                "The BETWEEN operator requires same data type for lower and upper bounds; "
                f"lower bound operand: {render(low.value)}, upper bound operand: {render(high.value)}"
            )
        elif (order(low.value, high.value) or 0) > 0:
            self.leaf["function"] = (
                "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
                f"lower bound operand: {render(low.value)}, upper bound operand: {render(high.value)}"
            )

    def operand(self, node: ast.Node) -> ast.Node:
        node = self.unparen(node)
        if isinstance(node, ast.Path):
            return self.path(node)
        if isinstance(node, ast.ValueRef):
            return self.value(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise AssertionError(f"not an operand: {node!r}")  # pragma: no cover - the parser admits none

    def path(self, node: ast.Path) -> ast.Path:
        if "reference" not in self.leaf:
            deep = _too_deep(node)
            if deep is not None:
                self.leaf["reference"] = deep
        elements: list[str | int] = []
        for element in node.elements:
            if isinstance(element, ast.NameRef):
                if "reference" in self.leaf:
                    continue
                name = self.placeholders.names.get(element.name)
                if name is None:
                    self.leaf["reference"] = _undefined_name(element.name)
                    continue
                self.placeholders.unused_names.pop(element.name, None)
                elements.append(name)
            else:
                if isinstance(element, str) and element.upper() in RESERVED_WORDS:
                    self.errors.setdefault("reserved", _reserved(element))
                elements.append(element)
        return ast.Path(tuple(elements))

    def value(self, node: ast.ValueRef) -> ast.Node:
        if "reference" in self.leaf:
            return node
        value = self.placeholders.values.get(node.name)
        if value is None:
            self.leaf["reference"] = _undefined_value(node.name)
            return node
        self.placeholders.unused_values.pop(node.name, None)
        return ast.Literal(value, node.name)

    def call(self, node: ast.Call) -> ast.Call:
        args = tuple(self.operand(arg) for arg in node.args)
        self.misused(args)
        call = ast.Call(node.name, args)
        if "unknown_function" in self.errors:
            return call
        spec = CONDITION_FUNCTIONS.get(node.name)
        if spec is None:
            self.errors["unknown_function"] = (
                f"The function is not allowed in a condition expression; function: {node.name}"
                if node.name in UPDATE_FUNCTIONS
                else f"Invalid function name; function: {node.name}"
            )
            return call
        if "operand_count" in self.leaf:
            return call
        if len(args) != spec.arity:
            self.leaf["operand_count"] = _operand_count(node.name, len(args))
            return call
        self.distinct(node.name, args)
        if "function" in self.leaf:
            return call
        name = node.name
        if name in ("attribute_exists", "attribute_not_exists"):
            if not isinstance(args[0], ast.Path):
                self.leaf["function"] = _needs_path(name)
        elif name == "begins_with":
            for arg in args:
                kind = _static_type(arg)
                if kind is not None and kind not in ("S", "B"):
                    self.leaf["function"] = _operand_type(name, kind)
                    break
        elif name == "attribute_type":
            kind = _static_type(args[1])
            if kind != "S" or not isinstance(args[1], ast.Literal):
                self.leaf["function"] = _operand_type(name, kind or ATTRIBUTE_TYPE_OPERAND_TEXT)
            elif args[1].value["S"] not in ATTRIBUTE_TYPES:
                self.leaf["function"] = (
                    f"Invalid attribute type name found; type: {args[1].value['S']}, "
                    f"valid types: {ATTRIBUTE_TYPES_TEXT}"
                )
        elif name == "size":
            kind = _static_type(args[0])
            if kind in ("N", "BOOL", "NULL"):
                self.leaf["function"] = _operand_type(name, kind)
        return call


def _static_type(node: ast.Node) -> str | None:
    """The type an operand is known to have before any item is seen (a literal, or a function's result)."""
    if isinstance(node, ast.Literal):
        return type_of(node.value)
    if isinstance(node, ast.Call):
        if node.name == "size":
            return "N"
        if node.name in ("begins_with", "contains", "attribute_type"):
            return "BOOL"
        if node.name == "list_append":
            return "L"
        if node.name == "if_not_exists" and len(node.args) == 2:
            return _static_type(node.args[1])
    if isinstance(node, ast.Arith):
        return "N"
    return None


def resolve_condition(node: ast.Node, placeholders: Placeholders, label: str) -> ast.Node:
    """Bind placeholders in a parsed condition and run AWS's checks.

    Raises:
        ValidationException: the highest-ranked problem, prefixed ``Invalid <label>: ``.
    """
    resolver = _ConditionResolver(placeholders)
    top = resolver.condition(node)
    resolver.misused_size(top)
    _raise(label, resolver.errors, _CONDITION_RANK)
    return top


# -- updates -------------------------------------------------------------------------------------------------


class _UpdateResolver:
    __slots__ = ("errors", "paths", "placeholders")

    def __init__(self, placeholders: Placeholders) -> None:
        self.placeholders = placeholders
        self.errors: dict[str, str] = {}
        self.paths: list[ResolvedPath] = []

    def path(self, node: ast.Path) -> ast.Path:
        if "path" not in self.errors:
            deep = _too_deep(node)
            if deep is not None:
                self.errors["path"] = deep
        elements: list[str | int] = []
        for element in node.elements:
            if isinstance(element, ast.NameRef):
                if "path" in self.errors:
                    continue
                name = self.placeholders.names.get(element.name)
                if name is None:
                    self.errors["path"] = _undefined_name(element.name)
                    continue
                self.placeholders.unused_names.pop(element.name, None)
                elements.append(name)
            else:
                if isinstance(element, str) and element.upper() in RESERVED_WORDS:
                    self.errors.setdefault("reserved", _reserved(element))
                elements.append(element)
        return ast.Path(tuple(elements))

    def value(self, node: ast.Node) -> ast.Node:
        if isinstance(node, ast.ValueRef):
            if "undefined_value" in self.errors:
                return node
            value = self.placeholders.values.get(node.name)
            if value is None:
                self.errors["undefined_value"] = _undefined_value(node.name)
                return node
            self.placeholders.unused_values.pop(node.name, None)
            return ast.Literal(value, node.name)
        if isinstance(node, ast.Path):
            return self.path(node)
        if isinstance(node, ast.Paren):
            return self.value(node.inner)
        if isinstance(node, ast.Arith):
            arith = ast.Arith(node.op, self.value(node.left), self.value(node.right))
            self.function(node.op, (arith.left, arith.right))
            return arith
        if isinstance(node, ast.Call):
            call = ast.Call(node.name, tuple(self.value(arg) for arg in node.args))
            self.function(node.name, call.args)
            return call
        raise AssertionError(f"not an update operand: {node!r}")  # pragma: no cover

    def function(self, name: str, args: tuple[ast.Node, ...]) -> None:
        if "unknown_function" in self.errors:
            return
        arity = 2 if name in ("+", "-") else (UPDATE_FUNCTIONS[name].arity if name in UPDATE_FUNCTIONS else None)
        if arity is None:
            self.errors["unknown_function"] = (
                f"The function is not allowed in an update expression; function: {name}"
                if name in CONDITION_FUNCTIONS
                else f"Invalid function name; function: {name}"
            )
            return
        if "function" in self.errors:
            return
        if len(args) != arity:
            self.errors["function"] = _operand_count(name, len(args))
            return
        if name == "if_not_exists":
            if not isinstance(args[0], ast.Path):
                self.errors["function"] = _needs_path(name)
            return
        wanted = "L" if name == "list_append" else "N"
        for arg in args:
            if isinstance(arg, ast.Literal):
                kind = type_of(arg.value)
                if kind != wanted:
                    self.errors["function"] = _operand_type(name, kind)
                    return

    def operand_type(self, operator: str, value: ast.Node) -> None:
        if "operand" in self.errors or not isinstance(value, ast.Literal):
            return
        kind = type_of(value.value)
        word = TYPE_WORDS.get(kind)
        if word is not None and not (operator == "ADD" and kind == "N"):
            # The typeSet suffix: AWS since at least 2025 ([V] a Lambda app's logged error, ADD of a MAP, 2025-10;
            # [P] DynamoDB Local 3.3.1's ExpressionValidator); dynalite's 2016 check predates it.
            self.errors["operand"] = (
                f"Incorrect operand type for operator or function; operator: {operator}, operand type: {word}, "
                f"typeSet: ALLOWED_FOR_{operator}_OPERAND"
            )

    def update(self, node: ast.Update) -> ast.Update:
        seen: set[str] = set()
        sections: list[ast.Section] = []
        for section in node.sections:
            actions: list[ast.Action] = []
            for action in section.actions:
                path = self.path(action.path)
                if isinstance(action, ast.SetAction):
                    resolved: ast.Action = ast.SetAction(path, self.value(action.value))
                elif isinstance(action, ast.RemoveAction):
                    resolved = ast.RemoveAction(path)
                else:
                    value = self.value(action.value)
                    resolved = (
                        ast.AddAction(path, value)
                        if isinstance(action, ast.AddAction)
                        else ast.DeleteAction(path, value)
                    )
                _add_path(self.paths, path_of(path), self.errors)
                if isinstance(resolved, ast.AddAction | ast.DeleteAction):
                    self.operand_type(section.name, resolved.value)
                actions.append(resolved)
            if section.name in seen:
                self.errors.setdefault(
                    "section", f'The "{section.name}" section can only be used once in an update expression;'
                )
            seen.add(section.name)
            sections.append(ast.Section(section.name, tuple(actions)))
        return ast.Update(tuple(sections))


def resolve_update(node: ast.Update, placeholders: Placeholders) -> ast.Update:
    """Bind placeholders in a parsed UpdateExpression and run AWS's checks.

    Raises:
        ValidationException: the highest-ranked problem, prefixed ``Invalid UpdateExpression: ``.
    """
    resolver = _UpdateResolver(placeholders)
    resolved = resolver.update(node)
    _raise("UpdateExpression", resolver.errors, _UPDATE_RANK)
    return resolved


# -- projections ---------------------------------------------------------------------------------------------


def resolve_projection(node: ast.Projection, placeholders: Placeholders) -> tuple[ResolvedPath, ...]:
    """Bind placeholders in a parsed ProjectionExpression and run AWS's checks.

    Raises:
        ValidationException: the highest-ranked problem, prefixed ``Invalid ProjectionExpression: ``.
    """
    errors: dict[str, str] = {}
    resolved: list[ResolvedPath] = []
    for path in node.paths:
        if "path" not in errors:
            deep = _too_deep(path)
            if deep is not None:
                errors["path"] = deep
        elements: list[str | int] = []
        for element in path.elements:
            if isinstance(element, ast.NameRef):
                if "path" in errors:
                    continue
                name = placeholders.names.get(element.name)
                if name is None:
                    errors["path"] = _undefined_name(element.name)
                    continue
                placeholders.unused_names.pop(element.name, None)
                elements.append(name)
            else:
                if isinstance(element, str) and element.upper() in RESERVED_WORDS:
                    errors.setdefault("reserved", _reserved(element))
                elements.append(element)
        resolved.append(tuple(elements))
    seen: list[ResolvedPath] = []
    for path_elements in resolved:
        _add_path(seen, path_elements, errors)
    _raise("ProjectionExpression", errors, _PROJECTION_RANK)
    return tuple(resolved)

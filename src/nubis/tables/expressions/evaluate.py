"""Compiling resolved conditions into closures: the tree is walked once per request, never per item.

Every operand becomes a getter ``item -> AttributeValue | None`` (``None``: the path does not resolve), every
condition a predicate ``item -> bool``. Comparisons against a literal (the common case) are specialised at compile
time: a scalar literal compares with ``==`` on the wire dict, and a number literal is turned into a ``Decimal``
once.

Missing values ([D] "Comparison operator and function reference"): a comparison with an operand that does not
resolve is false, so ``<>`` (the negation of ``=``) is true [?: an item without the attribute matches
``a <> :v``; both sides missing is untested]. ``BETWEEN`` and ``IN`` are false too.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from nubis.tables.expressions import ast
from nubis.tables.expressions.functions import begins_with, contains, order, size_of, values_equal
from nubis.tables.expressions.resolve import ResolvedPath, path_of
from nubis.tables.values import AttributeValue, Item

Getter = Callable[[Item], AttributeValue | None]
Predicate = Callable[[Item], bool]

_SCALARS = frozenset({"S", "N", "B", "BOOL", "NULL"})


def compile_path(elements: ResolvedPath) -> Getter:
    """A getter for a document path."""
    first = elements[0]
    if len(elements) == 1:
        name = str(first)

        def get_top(item: Item) -> AttributeValue | None:
            return item.get(name)

        return get_top
    steps = tuple((isinstance(e, int), e) for e in elements[1:])
    head = str(first)

    def get_nested(item: Item) -> AttributeValue | None:
        value = item.get(head)
        for is_index, key in steps:
            if value is None:
                return None
            if is_index:
                array = value.get("L")
                if array is None or key >= len(array):  # type: ignore[operator]
                    return None
                value = array[key]
            else:
                members = value.get("M")
                if members is None:
                    return None
                value = members.get(key)
        return value

    return get_nested


def compile_operand(node: ast.Node) -> Getter:
    if isinstance(node, ast.Path):
        return compile_path(path_of(node))
    if isinstance(node, ast.Literal):
        constant = node.value

        def get_constant(item: Item) -> AttributeValue | None:
            return constant

        return get_constant
    if isinstance(node, ast.Paren):
        return compile_operand(node.inner)
    if isinstance(node, ast.Call) and node.name == "size":
        inner = compile_operand(node.args[0])

        def get_size(item: Item) -> AttributeValue | None:
            return size_of(inner(item))

        return get_size
    raise AssertionError(f"not a condition operand: {node!r}")  # pragma: no cover - resolve admits none


def _equals(left: ast.Node, right: ast.Node) -> Predicate:
    if isinstance(left, ast.Literal) and not isinstance(right, ast.Literal):
        left, right = right, left
    get = compile_operand(left)
    if isinstance(right, ast.Literal):
        constant = right.value
        if next(iter(constant)) in _SCALARS:

            def equals_scalar(item: Item) -> bool:
                return get(item) == constant

            return equals_scalar

        def equals_constant(item: Item) -> bool:
            value = get(item)
            return value is not None and values_equal(value, constant)

        return equals_constant
    get_right = compile_operand(right)

    def equals(item: Item) -> bool:
        a = get(item)
        if a is None:
            return False
        b = get_right(item)
        return b is not None and values_equal(a, b)

    return equals


_ORDER_TESTS: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}


def _ordered(op: str, left: ast.Node, right: ast.Node) -> Predicate:
    get_left = compile_operand(left)
    if isinstance(right, ast.Literal) and "N" in right.value:
        bound = Decimal(right.value["N"])
        if op == "<":
            return lambda item: (v := get_left(item)) is not None and "N" in v and Decimal(v["N"]) < bound
        if op == "<=":
            return lambda item: (v := get_left(item)) is not None and "N" in v and Decimal(v["N"]) <= bound
        if op == ">":
            return lambda item: (v := get_left(item)) is not None and "N" in v and Decimal(v["N"]) > bound
        return lambda item: (v := get_left(item)) is not None and "N" in v and Decimal(v["N"]) >= bound
    get_right = compile_operand(right)
    test = _ORDER_TESTS[op]

    def ordered(item: Item) -> bool:
        a = get_left(item)
        if a is None:
            return False
        b = get_right(item)
        if b is None:
            return False
        c = order(a, b)
        return c is not None and test(c)

    return ordered


def compile_condition(node: ast.Node) -> Predicate:
    """A predicate for a resolved condition (ConditionExpression or FilterExpression)."""
    if isinstance(node, ast.And):
        left, right = compile_condition(node.left), compile_condition(node.right)
        return lambda item: left(item) and right(item)
    if isinstance(node, ast.Or):
        left, right = compile_condition(node.left), compile_condition(node.right)
        return lambda item: left(item) or right(item)
    if isinstance(node, ast.Not):
        inner = compile_condition(node.inner)
        return lambda item: not inner(item)
    if isinstance(node, ast.Paren):
        return compile_condition(node.inner)
    if isinstance(node, ast.Compare):
        if node.op == "=":
            return _equals(node.left, node.right)
        if node.op == "<>":
            equal = _equals(node.left, node.right)
            return lambda item: not equal(item)
        return _ordered(node.op, node.left, node.right)
    if isinstance(node, ast.Between):
        get, get_low, get_high = (compile_operand(n) for n in (node.operand, node.low, node.high))

        def between(item: Item) -> bool:
            value = get(item)
            if value is None:
                return False
            low, high = get_low(item), get_high(item)
            if low is None or high is None:
                return False
            below = order(low, value)
            above = order(value, high)
            return below is not None and above is not None and below <= 0 and above <= 0

        return between
    if isinstance(node, ast.In):
        get = compile_operand(node.operand)
        options = tuple(compile_operand(option) for option in node.options)

        def is_in(item: Item) -> bool:
            value = get(item)
            if value is None:
                return False
            for option in options:
                candidate = option(item)
                if candidate is not None and values_equal(value, candidate):
                    return True
            return False

        return is_in
    if isinstance(node, ast.Call):
        return _compile_call(node)
    raise AssertionError(f"not a condition: {node!r}")  # pragma: no cover - resolve admits none


def _compile_call(node: ast.Call) -> Predicate:
    name = node.name
    getters = tuple(compile_operand(arg) for arg in node.args)
    if name == "attribute_exists":
        (get,) = getters
        return lambda item: get(item) is not None
    if name == "attribute_not_exists":
        (get,) = getters
        return lambda item: get(item) is None
    if name == "attribute_type":
        get, get_type = getters

        def attribute_type(item: Item) -> bool:
            value, wanted = get(item), get_type(item)
            return value is not None and wanted is not None and wanted.get("S") in value

        return attribute_type
    if name == "begins_with":
        get, get_prefix = getters
        return lambda item: begins_with(get(item), get_prefix(item))
    if name == "contains":
        get, get_operand = getters
        return lambda item: contains(get(item), get_operand(item))
    raise AssertionError(f"not a condition function: {name}")  # pragma: no cover - resolve admits none

"""``resolve``'s operand-type checks on literals: ordering operators and BETWEEN take only S, N and B literals.

AWS refuses such a literal while validating the request, before any item is read; an item value of another type
only makes the comparison false. Evidence: [V] ExtendDB tests/test_expr_operand_type_and_size.py (run against AWS:
every ordering operator with BOOL, NULL, SS, NS, L and M literals, on either side, behind NOT or a short circuit,
and the accepted neighbours); [V] scylla test_condition_expression.py test_update_condition_lt/between (a list
literal); [P] DynamoDB Local 3.3.1 for the exact text, BS, BETWEEN's order of checks and key conditions.
"""

from __future__ import annotations

from typing import Any

import pytest

from nubis.tables.errors import ValidationException
from nubis.tables.expressions import compile_expressions
from nubis.tables.values import AttributeValue

UNORDERED: dict[str, AttributeValue] = {
    "BOOL": {"BOOL": True},
    "NULL": {"NULL": True},
    "L": {"L": [{"N": "1"}]},
    "M": {"M": {"k": {"S": "v"}}},
    "SS": {"SS": ["a"]},
    "NS": {"NS": ["1"]},
    "BS": {"BS": ["YQ=="]},
}
ORDERED: dict[str, AttributeValue] = {"S": {"S": "m"}, "N": {"N": "5"}, "B": {"B": "bQ=="}}
PATH_OF = {"S": "s", "N": "n", "B": "b"}
"""The attribute of ``ITEM`` that holds the ``ORDERED`` value of each type."""
ITEM: dict[str, Any] = {
    "pk": {"S": "k"},
    "s": {"S": "m"},
    "n": {"N": "5"},
    "b": {"B": "bQ=="},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "l": {"L": [{"N": "1"}]},
    "m": {"M": {"k": {"S": "v"}}},
    "ss": {"SS": ["a"]},
}


def _operand_type(label: str, op: str, kind: str) -> str:
    return (
        f"Invalid {label}: Incorrect operand type for operator or function; "
        f"operator or function: {op}, operand type: {kind}"
    )


def _condition(expression: str, values: dict[str, AttributeValue]) -> Any:
    compiled = compile_expressions(kind="PutItem", condition_expression=expression, expression_attribute_values=values)
    assert compiled.condition is not None
    return compiled.condition


def _refused(expression: str, values: dict[str, AttributeValue], kind: str = "PutItem") -> str:
    with pytest.raises(ValidationException) as info:
        if kind == "Scan":
            compile_expressions(kind="Scan", filter_expression=expression, expression_attribute_values=values)
        elif kind == "Query":
            compile_expressions(kind="Query", key_condition_expression=expression, expression_attribute_values=values)
        else:
            compile_expressions(kind="PutItem", condition_expression=expression, expression_attribute_values=values)
    return info.value.message


def _type_params() -> list[Any]:
    return [
        pytest.param(op, kind, marks=pytest.mark.P if kind == "BS" else pytest.mark.V, id=f"{op}-{kind}")
        for op in ("<", "<=", ">", ">=")
        for kind in UNORDERED
    ]


@pytest.mark.parametrize(("op", "kind"), _type_params())
def test_ordering_operator_refuses_an_unordered_literal_on_either_side(op: str, kind: str) -> None:
    values = {":v": UNORDERED[kind]}
    assert _refused(f"n {op} :v", values) == _operand_type("ConditionExpression", op, kind)
    assert _refused(f":v {op} n", values) == _operand_type("ConditionExpression", op, kind)


@pytest.mark.V
@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
@pytest.mark.parametrize("kind", ["S", "N", "B"])
def test_ordering_operator_takes_string_number_and_binary_literals(op: str, kind: str) -> None:
    condition = _condition(f"{PATH_OF[kind]} {op} :v", {":v": ORDERED[kind]})
    assert condition(ITEM) is (op in ("<=", ">="))


@pytest.mark.V
@pytest.mark.parametrize("op", ["=", "<>"])
@pytest.mark.parametrize("kind", list(UNORDERED))
def test_equality_takes_every_type(op: str, kind: str) -> None:
    condition = _condition(f"n {op} :v", {":v": UNORDERED[kind]})
    assert condition(ITEM) is (op == "<>")


@pytest.mark.V
def test_in_takes_every_type_mixed() -> None:
    condition = _condition(
        "t IN (:a, :b, :c, :d)",
        {":a": UNORDERED["NULL"], ":b": UNORDERED["M"], ":c": UNORDERED["NS"], ":d": UNORDERED["BOOL"]},
    )
    assert condition(ITEM) is True


@pytest.mark.V
@pytest.mark.parametrize("path", ["t", "z", "l", "m", "ss", "nope"])
def test_an_item_value_that_cannot_be_ordered_is_false_not_an_error(path: str) -> None:
    assert _condition(f"{path} > :v", {":v": {"N": "0"}})(ITEM) is False
    assert _condition(f"{path} BETWEEN :a AND :b", {":a": {"N": "0"}, ":b": {"N": "9"}})(ITEM) is False


@pytest.mark.V
@pytest.mark.parametrize(
    "expression",
    ["attribute_not_exists(nope) OR n > :v", "attribute_exists(nope) AND n > :v", "NOT (n > :v)", "nope > :v"],
)
def test_the_refusal_does_not_depend_on_evaluation(expression: str) -> None:
    assert _refused(expression, {":v": UNORDERED["BOOL"]}) == _operand_type("ConditionExpression", ">", "BOOL")


@pytest.mark.V
def test_size_compared_with_an_unordered_literal_is_refused() -> None:
    assert _refused("size(s) > :v", {":v": UNORDERED["BOOL"]}) == _operand_type("ConditionExpression", ">", "BOOL")


@pytest.mark.P
def test_a_function_argument_is_checked_before_the_comparison_around_it() -> None:
    values = {":v": UNORDERED["NULL"], ":w": UNORDERED["BOOL"]}
    assert _refused(":w < size(:v)", values) == _operand_type("ConditionExpression", "size", "NULL")


@pytest.mark.P
def test_the_first_unordered_literal_is_reported() -> None:
    values = {":v": UNORDERED["M"], ":w": UNORDERED["BOOL"]}
    assert _refused(":v < :w", values) == _operand_type("ConditionExpression", "<", "M")


@pytest.mark.V
def test_filter_expression_carries_its_own_prefix() -> None:
    assert _refused("n > :v", {":v": UNORDERED["BOOL"]}, "Scan") == _operand_type("FilterExpression", ">", "BOOL")


@pytest.mark.P
def test_key_condition_carries_its_own_prefix() -> None:
    values = {":h": {"S": "k"}, ":v": UNORDERED["BOOL"]}
    assert _refused("pk = :h AND sk < :v", values, "Query") == _operand_type("KeyConditionExpression", "<", "BOOL")


# -- BETWEEN -------------------------------------------------------------------------------------------------


@pytest.mark.P
@pytest.mark.parametrize(
    ("expression", "values", "kind"),
    [
        ("n BETWEEN :a AND :b", {":a": UNORDERED["L"], ":b": UNORDERED["L"]}, "L"),
        ("n between :a and :b", {":a": {"BOOL": True}, ":b": {"BOOL": False}}, "BOOL"),
        ("n BETWEEN :a AND :b", {":a": UNORDERED["BOOL"], ":b": {"N": "1"}}, "BOOL"),
        ("n BETWEEN :a AND :b", {":a": {"N": "5"}, ":b": UNORDERED["BOOL"]}, "BOOL"),
        ("n BETWEEN b AND :b", {":b": UNORDERED["M"]}, "M"),
        (":a BETWEEN n AND b", {":a": UNORDERED["NULL"]}, "NULL"),
        (":a BETWEEN :b AND :c", {":a": UNORDERED["SS"], ":b": {"N": "5"}, ":c": {"N": "1"}}, "SS"),
    ],
    ids=["list", "lowercase", "bool-and-number", "number-and-bool", "path-bound", "subject", "before-order"],
)
def test_between_refuses_an_unordered_literal_before_its_bound_checks(
    expression: str, values: dict[str, AttributeValue], kind: str
) -> None:
    assert _refused(expression, values) == _operand_type("ConditionExpression", "BETWEEN", kind)


@pytest.mark.P
def test_between_bounds_of_two_ordered_types_are_still_a_same_type_error() -> None:
    message = _refused("n BETWEEN :a AND :b", {":a": {"S": "b"}, ":b": {"N": "1"}})
    assert message == (
        "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; "
        "lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {N:1}"
    )


@pytest.mark.V
@pytest.mark.parametrize("kind", ["S", "N", "B"])
def test_between_takes_ordered_literals(kind: str) -> None:
    assert _condition(f"{PATH_OF[kind]} BETWEEN :v AND :v", {":v": ORDERED[kind]})(ITEM) is True


# -- key conditions ------------------------------------------------------------------------------------------


@pytest.mark.V
def test_key_equality_with_a_boolean_is_the_schema_type_error() -> None:
    compiled = compile_expressions(
        kind="Query", key_condition_expression="pk = :v", expression_attribute_values={":v": {"BOOL": False}}
    )
    assert compiled.key_condition is not None
    with pytest.raises(ValidationException) as info:
        compiled.key_condition.for_schema(("pk", "S"), None)
    assert (
        info.value.message
        == "One or more parameter values were invalid: Condition parameter type does not match schema type"
    )

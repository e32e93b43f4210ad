"""Statements to engine requests: Query versus Scan, key extraction, guards and transaction requests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from nubis.tables.engine.partiql import ast
from nubis.tables.engine.partiql.parser import parse
from nubis.tables.engine.partiql.translate import (
    SelectPlan,
    TransactionStatement,
    check_parameters,
    plan_point_select,
    plan_select,
    translate_delete,
    translate_insert,
    translate_transaction,
    translate_update,
)
from nubis.tables.errors import ValidationException
from nubis.tables.expressions import compile_expressions
from nubis.tables.schema import KeyAttribute, KeySchema

KEYS = KeySchema(KeyAttribute("pk", "S"), KeyAttribute("sk", "S"))
HASH_ONLY = KeySchema(KeyAttribute("id", "N"))


def _plan(text: str, params: Sequence[Any] = (), keys: KeySchema = KEYS) -> SelectPlan:
    parsed = parse(text)
    assert isinstance(parsed.statement, ast.Select)
    return plan_select(parsed.statement, keys, list(params))


def _compiles(request: dict[str, Any], kind: Any) -> None:
    """The request's expressions are valid DynamoDB expressions (the engine's own compiler accepts them)."""
    compile_expressions(
        kind=kind,
        key_condition_expression=request.get("KeyConditionExpression"),
        filter_expression=request.get("FilterExpression"),
        projection_expression=request.get("ProjectionExpression"),
        update_expression=request.get("UpdateExpression"),
        condition_expression=request.get("ConditionExpression"),
        expression_attribute_names=request.get("ExpressionAttributeNames"),
        expression_attribute_values=request.get("ExpressionAttributeValues"),
    )


def test_partition_equality_becomes_a_query_with_placeholders() -> None:
    plan = _plan("SELECT a FROM t WHERE pk = ? AND sk > 'b' AND x = 3", [{"S": "p'1"}])
    assert plan.operation == "Query"
    (request,) = plan.requests
    assert request == {
        "TableName": "t",
        "KeyConditionExpression": "#n0 = :v0 AND #n1 > :v1",
        "FilterExpression": "#n2 = :v2",
        "ProjectionExpression": "#n3",
        "ExpressionAttributeNames": {"#n0": "pk", "#n1": "sk", "#n2": "x", "#n3": "a"},
        "ExpressionAttributeValues": {":v0": {"S": "p'1"}, ":v1": {"S": "b"}, ":v2": {"N": "3"}},
    }
    _compiles(request, "Query")


@pytest.mark.D
def test_in_and_or_on_the_partition_key_become_one_query_each() -> None:
    plan = _plan("SELECT * FROM t WHERE pk IN ['a', 'b'] OR pk = 'c' AND begins_with(sk, 'x')")
    assert plan.operation == "Query"
    assert [r["ExpressionAttributeValues"][":v0"] for r in plan.requests] == [{"S": "a"}, {"S": "b"}, {"S": "c"}]
    assert plan.requests[2]["KeyConditionExpression"] == "#n0 = :v0 AND begins_with(#n1, :v1)"


@pytest.mark.D
@pytest.mark.parametrize(
    "where",
    ["pk > 'a'", "x = 1", "pk = 'a' OR x = 1", "pk = x", "pk = 'a' AND (sk = '1' OR sk = '2')"],
)
def test_anything_else_is_a_scan(where: str) -> None:
    plan = _plan(f"SELECT * FROM t WHERE {where}")
    assert plan.operation == "Scan"
    _compiles(plan.requests[0], "Scan")


def test_value_first_comparisons_are_turned_around_for_the_key_condition() -> None:
    (request,) = _plan("SELECT * FROM t WHERE 'a' = pk AND 'm' <= sk").requests
    assert request["KeyConditionExpression"] == "#n0 = :v0 AND #n1 >= :v1"


@pytest.mark.V
@pytest.mark.parametrize(
    "where",
    ["pk IN ['r', 'r']", "pk = 'r' OR pk = 'r'", "pk = 'a' AND x = '1' OR pk = 'a' AND sk = '2'"],
)
def test_overlapping_branches_are_refused(where: str) -> None:
    with pytest.raises(ValidationException) as info:
        _plan(f"SELECT * FROM t WHERE {where}")
    assert info.value.message == "Overlapping conditions with range keys are not supported in where clause"


def test_disjoint_sort_ranges_on_one_partition_are_fine() -> None:
    plan = _plan("SELECT * FROM t WHERE pk = 'a' AND sk < 'm' OR pk = 'a' AND sk >= 'm'")
    assert len(plan.requests) == 2


@pytest.mark.P
def test_order_by_descending_sort_key_reads_backwards() -> None:
    (request,) = _plan("SELECT * FROM t WHERE pk = 'a' ORDER BY sk DESC").requests
    assert request["ScanIndexForward"] is False


@pytest.mark.P
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * FROM t ORDER BY sk", "Must have WHERE clause in the statement when using ORDER BY clause."),
        (
            "SELECT * FROM t WHERE x = 1 ORDER BY sk",
            "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.",
        ),
        (
            "SELECT * FROM t WHERE pk = 'a' ORDER BY x",
            "Variable reference x in ORDER BY clause must be part of the primary key",
        ),
        (
            "SELECT * FROM t WHERE pk IN ['a', 'b'] ORDER BY sk",
            "Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause.",
        ),
    ],
)
def test_order_by_rules(text: str, message: str) -> None:
    with pytest.raises(ValidationException) as info:
        _plan(text)
    assert info.value.message == message


def test_order_by_hash_key_orders_the_partitions() -> None:
    plan = _plan("SELECT * FROM t WHERE pk IN ['a', 'c', 'b'] ORDER BY pk DESC")
    assert [r["ExpressionAttributeValues"][":v0"]["S"] for r in plan.requests] == ["c", "b", "a"]


def test_functions_and_is_checks_become_expression_functions() -> None:
    (request,) = _plan(
        "SELECT * FROM t WHERE a IS MISSING AND b IS NOT MISSING AND contains(c, 'x') AND size(d) > 2 "
        "AND attribute_type(e, 'N') AND f IS NULL AND g IN [1, 2] AND NOT h <> 1"
    ).requests
    assert request["FilterExpression"] == (
        "(attribute_not_exists(#n0)) AND (attribute_exists(#n1)) AND (contains(#n2, :v0)) AND (size(#n3) > :v1) "
        "AND (attribute_type(#n4, :v2)) AND (attribute_type(#n5, :v3)) AND (#n6 IN (:v4, :v5)) AND (NOT (#n7 <> :v6))"
    )
    _compiles(request, "Scan")


@pytest.mark.P
@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("a = MISSING", "MISSING must be compared using IS operator"),
        (
            "a IS INT",
            "Unsupported data type for IS operator: INT. Supported data types are [MISSING, NULL, BOOLEAN, "
            "BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]",
        ),
        ("foo(a)", "Unrecognized function: foo at 1:23:3"),  # [V] the name's position is appended
        ("EXISTS(SELECT * FROM t WHERE pk = 'a')", "Unrecognized function: exists at 1:23:6"),  # [V]
    ],
)
def test_refused_conditions(where: str, message: str) -> None:
    with pytest.raises(ValidationException) as info:
        _plan(f"SELECT * FROM t WHERE {where}")
    assert info.value.message == message


@pytest.mark.P
def test_parameter_count_must_match() -> None:
    with pytest.raises(ValidationException) as info:
        check_parameters(parse("SELECT * FROM t WHERE pk = ?"), [])
    assert info.value.message == "Number of parameters in request and statement don't match."
    with pytest.raises(ValidationException):
        check_parameters(parse("SELECT * FROM t WHERE pk = 'a'"), [{"S": "x"}])


def test_insert_is_a_put_guarded_on_the_key() -> None:
    insert = parse("INSERT INTO t VALUE {'pk': ?, 'sk': 'b', 'tags': <<'x', 'y'>>}").statement
    assert isinstance(insert, ast.Insert)
    request = translate_insert(insert, KEYS, [{"S": "a"}])
    assert request == {
        "TableName": "t",
        "Item": {"pk": {"S": "a"}, "sk": {"S": "b"}, "tags": {"SS": ["x", "y"]}},
        "ConditionExpression": "attribute_not_exists(#n0)",
        "ExpressionAttributeNames": {"#n0": "pk"},
    }


@pytest.mark.P
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "INSERT INTO t VALUE 'x'",
            "Unsupported format in item expression. Please use struct format {...} to "
            "express item values for insert statement.",
        ),
        (
            "INSERT INTO t VALUE {'pk': 1}",
            "Key attribute's data type should match its data type in table's schema: Key pk",
        ),
        ("INSERT INTO t VALUE {'pk': 'a', 's': <<>>}", "Empty bags are not supported"),
        (
            "INSERT INTO t VALUE {'pk': 'a', 's': <<1, 'a'>>}",
            "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags",
        ),
        (
            "INSERT INTO \"t\".\"i\" VALUE {'pk': 'a'}",
            "FROM clause may only contain a single table name in data manipulation statements",
        ),
    ],
)
def test_insert_refusals(text: str, message: str) -> None:
    insert = parse(text).statement
    assert isinstance(insert, ast.Insert)
    with pytest.raises(ValidationException) as info:
        translate_insert(insert, KEYS, [])
    assert info.value.message == message


def test_update_is_guarded_by_existence_and_extra_conditions() -> None:
    update = parse(
        "UPDATE t SET a = ?, b = b + 1, s = set_add(s, <<'x'>>) REMOVE c WHERE pk = ? AND sk = 'k' AND v = 2 "
        "RETURNING ALL NEW *"
    ).statement
    assert isinstance(update, ast.Update)
    request = translate_update(update, KEYS, [{"N": "1"}, {"S": "p"}])
    assert request["Key"] == {"pk": {"S": "p"}, "sk": {"S": "k"}}
    assert request["UpdateExpression"] == "SET #n0 = :v0, #n1 = #n1 + :v1 REMOVE #n3 ADD #n2 :v2"
    assert request["ConditionExpression"] == "attribute_exists(#n4) AND (#n5 = :v3)"
    assert request["ReturnValues"] == "ALL_NEW"
    _compiles(request, "UpdateItem")


@pytest.mark.V
@pytest.mark.parametrize(
    "text",
    ["UPDATE t SET a = 1", "UPDATE t SET a = 1 WHERE pk = 'a'", "UPDATE t SET a = 1 WHERE pk = 'a' OR sk = 'b'"],
)
def test_update_needs_the_whole_key(text: str) -> None:
    update = parse(text).statement
    assert isinstance(update, ast.Update)
    with pytest.raises(ValidationException) as info:
        translate_update(update, KEYS, [])
    assert info.value.message == "Where clause does not contain a mandatory equality on all key attributes"


@pytest.mark.P
def test_key_type_must_match_the_schema() -> None:
    delete = parse("DELETE FROM t WHERE id = 'x'").statement
    assert isinstance(delete, ast.Delete)
    with pytest.raises(ValidationException) as info:
        translate_delete(delete, HASH_ONLY, [])
    assert info.value.message == "Key attribute's data type should match its data type in table's schema: Key id"


def test_delete_has_no_existence_guard() -> None:
    delete = parse("DELETE FROM t WHERE id = 3 AND v < 2 RETURNING ALL OLD *").statement
    assert isinstance(delete, ast.Delete)
    request = translate_delete(delete, HASH_ONLY, [])
    assert request == {
        "TableName": "t",
        "Key": {"id": {"N": "3"}},
        "ConditionExpression": "#n0 < :v0",
        "ExpressionAttributeNames": {"#n0": "v"},
        "ExpressionAttributeValues": {":v0": {"N": "2"}},
        "ReturnValues": "ALL_OLD",
    }


def test_point_select_queries_exactly_one_key() -> None:
    select = parse("SELECT a FROM t WHERE pk = 'p' AND sk = 's'").statement
    assert isinstance(select, ast.Select)
    request = plan_point_select(select, KEYS, [])
    assert request["KeyConditionExpression"] == "#n0 = :v0 AND #n1 = :v1"
    assert "FilterExpression" not in request
    _compiles(request, "Query")


@pytest.mark.V
def test_point_select_refuses_conditions_beyond_the_key() -> None:
    select = parse("SELECT a FROM t WHERE pk = 'p' AND sk = 's' AND attribute_exists(x)").statement
    assert isinstance(select, ast.Select)
    with pytest.raises(ValidationException) as info:
        plan_point_select(select, KEYS, [])
    assert info.value.message == (
        "Select statements within BatchExecuteStatement must specify the primary key in the where clause."
    )


def _statements(*texts: str, params: Sequence[Any] = ()) -> list[TransactionStatement]:
    return [TransactionStatement(parse(t).statement, list(params)) for t in texts]


def test_a_transaction_of_writes_is_one_transact_write_items_request() -> None:
    operation, request = translate_transaction(
        _statements(
            "INSERT INTO t VALUE {'pk': 'a', 'sk': '1'}",
            "UPDATE t SET n = n - 1 WHERE pk = 'b' AND sk = '1'",
            "DELETE FROM t WHERE pk = 'c' AND sk = '1'",
            "EXISTS(SELECT * FROM t WHERE pk = 'd' AND sk = '1' AND n > 0)",
            "NOT EXISTS(SELECT * FROM t WHERE pk = 'e' AND sk = '1' AND n < 0)",
        ),
        lambda name: KEYS,
        "token-1",
        "TOTAL",
    )
    assert operation == "TransactWriteItems"
    assert request["ClientRequestToken"] == "token-1"
    assert request["ReturnConsumedCapacity"] == "TOTAL"
    kinds = [next(iter(i)) for i in request["TransactItems"]]
    assert kinds == ["Put", "Update", "Delete", "ConditionCheck", "ConditionCheck"]
    assert request["TransactItems"][3]["ConditionCheck"]["ConditionExpression"] == (
        "attribute_exists(#n0) AND (#n1 > :v0)"
    )
    assert request["TransactItems"][4]["ConditionCheck"]["ConditionExpression"] == (
        "NOT (attribute_exists(#n0) AND (#n1 < :v0))"
    )


def test_a_transaction_of_reads_is_one_transact_get_items_request() -> None:
    operation, request = translate_transaction(
        _statements("SELECT a FROM t WHERE pk = 'a' AND sk = '1'"), lambda name: KEYS
    )
    assert operation == "TransactGetItems"
    assert request == {
        "TransactItems": [
            {
                "Get": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                    "ProjectionExpression": "#n0",
                    "ExpressionAttributeNames": {"#n0": "a"},
                }
            }
        ]
    }


@pytest.mark.P
@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (
            ("SELECT * FROM t WHERE pk = 'a' AND sk = '1'", "DELETE FROM t WHERE pk = 'a' AND sk = '1'"),
            "ExecuteTransaction API does not support both read and write operations in the same request.",
        ),
        (
            ("SELECT * FROM t WHERE pk = 'a'",),
            "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify "
            "the primary key in the where clause.",
        ),
        (
            ("SELECT * FROM \"t\".\"i\" WHERE pk = 'a' AND sk = '1'",),
            "Validation failed in TransactStatements[0]: Reads on indices are not supported within transactions.",
        ),
    ],
)
def test_transaction_refusals(texts: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValidationException) as info:
        translate_transaction(_statements(*texts), lambda name: KEYS)
    assert info.value.message == message

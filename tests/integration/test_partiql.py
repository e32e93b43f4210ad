"""PartiQL over HTTP with boto3 and the AWS CLI: ExecuteStatement and BatchExecuteStatement against a real server.

Compatibility tests carry their evidence marker; the wording sources are listed in
``nubis/tables/engine/partiql/messages.py``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_cli_and_durability import aws
from tests.integration.test_control_plane import error_of

NWF = "Statement wasn't well formed, can't be processed: "


def _fill(ddb, table: str, pk: str, count: int) -> None:
    for i in range(count):
        ddb.execute_statement(
            Statement=f"INSERT INTO \"{table}\" VALUE {{'pk': ?, 'sk': ?, 'n': ?}}",
            Parameters=[{"S": pk}, {"S": f"{i:03d}"}, {"N": str(i)}],
        )


def test_insert_then_select_by_key_round_trips(ddb, table):
    ddb.execute_statement(
        Statement=f'INSERT INTO "{table}" VALUE '
        "{'pk': ?, 'sk': 'a', 'tags': <<'x','y'>>, 'm': {'l': [1, true, null]}}",
        Parameters=[{"S": "p1"}],
    )
    got = ddb.execute_statement(
        Statement=f"SELECT * FROM \"{table}\" WHERE pk = ? AND sk = 'a'", Parameters=[{"S": "p1"}]
    )
    (item,) = got["Items"]
    assert sorted(item["tags"]["SS"]) == ["x", "y"]
    assert item["m"] == {"M": {"l": {"L": [{"N": "1"}, {"BOOL": True}, {"NULL": True}]}}}
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "p1"}, "sk": {"S": "a"}})["Item"] == item


@pytest.mark.P
def test_insert_of_an_existing_key_is_a_duplicate_item(ddb, table):
    statement = f"INSERT INTO \"{table}\" VALUE {{'pk': 'd', 'sk': '1'}}"
    ddb.execute_statement(Statement=statement)
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement=statement)
    assert error_of(info) == ("DuplicateItemException", "Duplicate primary key exists in table")


def test_select_with_a_sort_key_range_projection_and_nested_paths(ddb, table):
    ddb.put_item(
        TableName=table,
        Item={"pk": {"S": "q"}, "sk": {"S": "b"}, "doc": {"M": {"list": {"L": [{"S": "first"}, {"S": "second"}]}}}},
    )
    ddb.put_item(TableName=table, Item={"pk": {"S": "q"}, "sk": {"S": "c"}, "x": {"N": "1"}})
    got = ddb.execute_statement(
        Statement=f"SELECT sk, doc.list[1] FROM \"{table}\" WHERE pk = 'q' AND sk BETWEEN 'a' AND 'b'"
    )
    assert got["Items"] == [{"sk": {"S": "b"}, "doc": {"M": {"list": {"L": [{"S": "second"}]}}}}]
    missing = ddb.execute_statement(Statement=f"SELECT sk FROM \"{table}\" WHERE pk = 'q' AND doc IS MISSING")
    assert missing["Items"] == [{"sk": {"S": "c"}}]


def test_scan_with_or_in_and_functions(ddb, table):
    _fill(ddb, table, "s1", 3)
    _fill(ddb, table, "s2", 3)
    got = ddb.execute_statement(
        Statement=f"SELECT pk, sk FROM \"{table}\" WHERE n IN [0, 2] AND begins_with(pk, 's') AND size(sk) = 3"
    )
    assert sorted((i["pk"]["S"], i["sk"]["S"]) for i in got["Items"]) == [
        ("s1", "000"),
        ("s1", "002"),
        ("s2", "000"),
        ("s2", "002"),
    ]
    both = ddb.execute_statement(Statement=f"SELECT sk FROM \"{table}\" WHERE pk IN ['s1', 's2'] AND n = 1")
    assert [i["sk"]["S"] for i in both["Items"]] == ["001", "001"]


def test_limit_and_next_token_page_through_a_query(ddb, table):
    _fill(ddb, table, "page", 7)
    statement = f'SELECT sk FROM "{table}" WHERE pk = ? ORDER BY sk DESC'
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        kwargs: dict[str, str] = {"NextToken": token} if token else {}
        page = ddb.execute_statement(Statement=statement, Parameters=[{"S": "page"}], Limit=3, **kwargs)
        seen += [i["sk"]["S"] for i in page["Items"]]
        pages += 1
        token = page.get("NextToken")
        if token is None:
            break
        assert page["LastEvaluatedKey"]["pk"] == {"S": "page"}
    assert seen == [f"{i:03d}" for i in reversed(range(7))]
    assert pages == 3


@pytest.mark.P
def test_a_next_token_belongs_to_its_statement(ddb, table):
    _fill(ddb, table, "tok", 3)
    page = ddb.execute_statement(Statement=f"SELECT * FROM \"{table}\" WHERE pk = 'tok'", Limit=1)
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement=f"SELECT * FROM \"{table}\" WHERE pk = 'other'", NextToken=page["NextToken"])
    assert error_of(info) == ("ValidationException", "NextToken does not match request")
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement=f'SELECT * FROM "{table}"', NextToken="not a token")
    assert error_of(info) == ("ValidationException", "Invalid NextToken")


def test_scan_pages_with_limit_and_consumed_capacity(ddb, table):
    _fill(ddb, table, "scan", 5)
    first = ddb.execute_statement(
        Statement=f'SELECT * FROM "{table}"', Limit=2, ConsistentRead=True, ReturnConsumedCapacity="TOTAL"
    )
    assert len(first["Items"]) == 2
    assert first["ConsumedCapacity"]["TableName"] == table
    assert first["ConsumedCapacity"]["CapacityUnits"] == 1.0
    rest = ddb.execute_statement(Statement=f'SELECT * FROM "{table}"', NextToken=first["NextToken"])
    assert len(rest["Items"]) == 3
    assert "NextToken" not in rest


@pytest.mark.D
def test_update_sets_removes_and_returns(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "u"}, "sk": {"S": "1"}, "n": {"N": "1"}, "gone": {"S": "x"}})
    out = ddb.execute_statement(
        Statement=(
            f"UPDATE \"{table}\" SET n = n + 1 SET l = list_append([0], ?) SET s = set_add(s, <<'a'>>) REMOVE gone "
            "WHERE pk = 'u' AND sk = '1' RETURNING ALL NEW *"
        ),
        Parameters=[{"L": [{"N": "9"}]}],
    )
    assert out["Items"] == [
        {
            "pk": {"S": "u"},
            "sk": {"S": "1"},
            "n": {"N": "2"},
            "l": {"L": [{"N": "0"}, {"N": "9"}]},
            "s": {"SS": ["a"]},
        }
    ]
    plain = ddb.execute_statement(Statement=f"UPDATE \"{table}\" SET n = 5 WHERE pk = 'u' AND sk = '1'")
    assert plain["Items"] == []


@pytest.mark.D
def test_update_of_a_missing_item_fails_its_condition(ddb, table):
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement=f"UPDATE \"{table}\" SET a = 1 WHERE pk = 'none' AND sk = 'none'")
    assert error_of(info) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "none"}, "sk": {"S": "none"}})


def test_update_where_conditions_guard_the_write_and_return_the_item(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "g"}, "sk": {"S": "1"}, "v": {"N": "1"}})
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(
            Statement=f"UPDATE \"{table}\" SET v = 2 WHERE pk = 'g' AND sk = '1' AND v = 7",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert error_of(info)[0] == "ConditionalCheckFailedException"
    response: dict[str, Any] = dict(info.value.response)
    assert response["Item"] == {"pk": {"S": "g"}, "sk": {"S": "1"}, "v": {"N": "1"}}


@pytest.mark.P
def test_delete_of_a_missing_item_succeeds_and_delete_returns_old(ddb, table):
    assert ddb.execute_statement(Statement=f"DELETE FROM \"{table}\" WHERE pk = 'x' AND sk = 'y'")["Items"] == []
    ddb.put_item(TableName=table, Item={"pk": {"S": "x"}, "sk": {"S": "y"}, "a": {"S": "b"}})
    out = ddb.execute_statement(Statement=f"DELETE FROM \"{table}\" WHERE pk = 'x' AND sk = 'y' RETURNING ALL OLD *")
    assert out["Items"] == [{"pk": {"S": "x"}, "sk": {"S": "y"}, "a": {"S": "b"}}]
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "x"}, "sk": {"S": "y"}})


@pytest.mark.V
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE \"{t}\" SET a = 1 WHERE pk = 'a'",
        "UPDATE \"{t}\" SET a = 1 WHERE pk = 'a' OR sk = 'b'",
        "DELETE FROM \"{t}\" WHERE sk = 'b'",
    ],
)
def test_writes_need_an_equality_on_the_whole_key(ddb, table, statement):
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement=statement.format(t=table))
    assert error_of(info) == (
        "ValidationException",
        "Where clause does not contain a mandatory equality on all key attributes",
    )


@pytest.mark.V
@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ('SELECT * FROM "{t}" WHERE', NWF + "Unexpected term"),
        ("SELECT * FROM \"{t}\" WHERE pk = 'a' foo", NWF + "Unexpected token after expression"),
        ("SELECT * FROM \"{t}\" WHERE pk = 'a' AND", NWF + "Missing right-hand side expression of infix operator"),
        ("SELECT * FROM \"{t}\" x WHERE pk = 'a'", "Aliasing is not supported"),
        ("DELETE FROM", NWF + "Expected identifier for simple path"),
        (
            "SELECT * FROM \"{t}\" WHERE pk = 'a' AND x IN ['1', '1'] OR pk = 'a' AND sk = '2'",
            "Overlapping conditions with range keys are not supported in where clause",
        ),
    ],
)
def test_statement_errors_use_aws_wording(ddb, table, statement, message):
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement=statement.format(t=table))
    assert error_of(info) == ("ValidationException", message)


@pytest.mark.V
def test_unknown_table_is_resource_not_found(ddb):
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement="SELECT * FROM \"never-created-table\" WHERE pk = 'x'")
    assert error_of(info) == ("ResourceNotFoundException", "Requested resource not found")


@pytest.mark.P
def test_too_few_parameters(ddb, table):
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement=f'SELECT * FROM "{table}" WHERE pk = ? AND sk = ?', Parameters=[{"S": "a"}])
    assert error_of(info) == ("ValidationException", "Number of parameters in request and statement don't match.")


def test_too_many_parameters_are_refused_too(ddb, table):
    # [?] DynamoDB Local accepts extra parameters; moto and other emulators refuse them with this message.
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement=f"SELECT * FROM \"{table}\" WHERE pk = 'a'", Parameters=[{"S": "a"}])
    assert error_of(info) == ("ValidationException", "Number of parameters in request and statement don't match.")


def test_is_null_matches_the_null_type_only(ddb, table):
    # [?] unrecorded: whether AWS's IS NULL also matches a missing attribute (PartiQL's MISSING IS NULL).
    ddb.put_item(TableName=table, Item={"pk": {"S": "n"}, "sk": {"S": "1"}, "v": {"NULL": True}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "n"}, "sk": {"S": "2"}})
    got = ddb.execute_statement(Statement=f"SELECT sk FROM \"{table}\" WHERE pk = 'n' AND v IS NULL")
    assert got["Items"] == [{"sk": {"S": "1"}}]


@pytest.mark.P
def test_key_type_mismatch(ddb, table):
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement=f"DELETE FROM \"{table}\" WHERE pk = 1 AND sk = 'a'")
    assert error_of(info) == (
        "ValidationException",
        "Key attribute's data type should match its data type in table's schema: Key pk",
    )


def test_batch_reads_give_one_result_per_statement(ddb, table):
    _fill(ddb, table, "b", 2)
    out = ddb.batch_execute_statement(
        Statements=[
            {
                "Statement": f'SELECT sk FROM "{table}" WHERE pk = ? AND sk = ?',
                "Parameters": [{"S": "b"}, {"S": "001"}],
            },
            {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'b' AND sk = 'zzz'", "ConsistentRead": True},
            {"Statement": f'SELECT * FROM "{table}" WHERE'},
        ]
    )["Responses"]
    assert out[0] == {"TableName": table, "Item": {"sk": {"S": "001"}}}
    assert out[1] == {"TableName": table}
    assert out[2] == {"Error": {"Code": "ValidationError", "Message": NWF + "Unexpected term"}}


@pytest.mark.D
def test_batch_writes_report_each_error_in_place(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "w"}, "sk": {"S": "1"}, "v": {"N": "1"}})
    out = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'w', 'sk': '2'}}"},
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'w', 'sk': '1'}}"},
            {
                "Statement": f"UPDATE \"{table}\" SET v = 2 WHERE pk = 'w' AND sk = '1' AND v = 9",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
            {"Statement": f'DELETE FROM "{table}" WHERE pk = ?', "Parameters": [{"S": "w"}]},
        ]
    )["Responses"]
    assert out[0] == {"TableName": table}
    assert out[1]["Error"] == {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}
    assert out[2]["Error"]["Code"] == "ConditionalCheckFailed"
    assert out[2]["Error"]["Item"] == {"pk": {"S": "w"}, "sk": {"S": "1"}, "v": {"N": "1"}}
    assert out[3]["Error"] == {
        "Code": "ValidationError",
        "Message": "Where clause does not contain a mandatory equality on all key attributes",
    }


@pytest.mark.P
def test_batch_may_not_mix_reads_and_writes(ddb, table):
    with pytest.raises(ClientError) as info:
        ddb.batch_execute_statement(
            Statements=[
                {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'a' AND sk = 'b'"},
                {"Statement": f"DELETE FROM \"{table}\" WHERE pk = 'a' AND sk = 'b'"},
            ]
        )
    assert error_of(info) == (
        "ValidationException",
        "Read and write requests together in the same batch is not supported.",
    )


def test_aws_cli_execute_statement(server, ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "cli"}, "sk": {"S": "1"}, "v": {"S": "hello"}})
    out = aws(
        server,
        "execute-statement",
        "--statement",
        f'SELECT v FROM "{table}" WHERE pk = ? AND sk = ?',
        "--parameters",
        json.dumps([{"S": "cli"}, {"S": "1"}]),
    )
    assert out["Items"] == [{"v": {"S": "hello"}}]


def _at(statement: str, token: str, start: int = 0) -> str:
    """AWS's ``line:column:length`` for the first ``token`` at or after ``start``."""
    return f"1:{statement.index(token, start) + 1}:{len(token)}"


@pytest.mark.V
def test_function_refusals_carry_aws_positions(ddb, table):
    key = "WHERE pk = 'p' AND sk = 's'"
    cases = [
        f'SELECT * FROM "{table}" {key} AND EXISTS(ss)',
        f"SELECT * FROM \"{table}\" {key} AND set_add(ss, <<'x'>>) = ss",
        f'SELECT attribute_exists(ss) FROM "{table}" {key}',
        f'UPDATE "{table}" SET ss = set_add(ss) {key}',
        f"UPDATE \"{table}\" SET t = set_add(ss, <<'x'>>) {key}",
        f"UPDATE \"{table}\" SET ss = set_delete(ss, 'x') {key}",
        f"INSERT INTO \"{table}\" VALUE {{'pk': 'p', 'sk': 's', 'ss': set_add(<<'a'>>, <<'b'>>)}}",
    ]
    expected = [
        f"Unrecognized function: exists at {_at(cases[0], 'EXISTS')}",
        f"Unrecognized function: set_add at {_at(cases[1], 'set_add')}",
        f"Unexpected path component at {_at(cases[2], 'attribute_exists')}",
        f"SET_ADD must have exactly two arguments at {_at(cases[3], 'set_add')}",
        f"The first argument to SET_ADD must equal the assignment value at {_at(cases[4], 'set_add')}",
        # [V] the position is the first argument's, not the second's
        "The second argument to SET_DELETE must be a value with type SET at "
        + _at(cases[5], "ss", cases[5].index("(")),
        f"Unsupported data type: set_add under key root at {_at(cases[6], 'set_add')}",
    ]
    for statement, message in zip(cases, expected, strict=True):
        with pytest.raises(ClientError) as info:
            ddb.execute_statement(Statement=statement)
        assert error_of(info) == ("ValidationException", message), statement


@pytest.mark.V
def test_expression_errors_come_without_the_expression_member_prefix(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": "s"}, "v": {"N": "1"}})
    where = f"SELECT * FROM \"{table}\" WHERE pk = 'p' AND sk = 's' AND"
    for statement, params, message in [
        (
            f"{where} v < ?",
            [{"BOOL": True}],
            "Incorrect operand type for operator or function; operator or function: <, operand type: BOOL",
        ),
        (
            f"{where} attribute_exists()",
            None,
            "Incorrect number of operands for operator or function; operator or function: attribute_exists, "
            "number of operands: 0",
        ),
    ]:
        with pytest.raises(ClientError) as info:
            ddb.execute_statement(Statement=statement, **({"Parameters": params} if params else {}))
        assert error_of(info) == ("ValidationException", message)


@pytest.mark.P
@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("INSERT INTO {t} VALUE {{'pk': 'p'}}", "Key attribute should be present in the item: Key sk"),
        (
            "INSERT INTO {t}.\"i\" VALUE {{'pk': 'p', 'sk': 's'}}",
            "FROM clause may only contain a single table name in data manipulation statements",
        ),
        (
            "INSERT INTO {t} VALUE {{'pk': 'p', 'sk': 's', 'x': MISSING}}",
            "Unsupported data type: MISSING under key root at 1:{col}:7",
        ),
        (
            "UPDATE {t} SET n = size(l) WHERE pk = 'p' AND sk = 's'",
            "The function is not allowed in an update expression; function: size",
        ),
        ("SELECT n AS x FROM {t}", "Aliasing is not supported"),
        (
            "SELECT * FROM {t} WHERE n IN []",
            "IN operator must have a left hand argument of type Variable Reference and right hand argument of type "
            "Seq with at least one member",
        ),
    ],
)
def test_statement_refusals_use_dynamodb_local_wording(ddb, table, statement, message):
    text = statement.format(t=f'"{table}"')
    expected = message.replace("{col}", str(text.find("MISSING") + 1))
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement=text)
    assert error_of(info) == ("ValidationException", expected)


@pytest.mark.V
def test_batch_reads_must_name_the_key_and_nothing_else(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "b"}, "sk": {"S": "1"}, "a": {"N": "1"}})
    (response,) = ddb.batch_execute_statement(
        Statements=[{"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'b' AND sk = '1' AND attribute_exists(a)"}]
    )["Responses"]
    assert response["Error"] == {
        "Code": "ValidationError",
        "Message": "Select statements within BatchExecuteStatement must specify the primary key in the where clause.",
    }


@pytest.mark.P
def test_batch_update_returning_answers_its_item(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "r"}, "sk": {"S": "1"}, "a": {"N": "1"}})
    (response,) = ddb.batch_execute_statement(
        Statements=[{"Statement": f"UPDATE \"{table}\" SET a = 2 WHERE pk = 'r' AND sk = '1' RETURNING ALL NEW *"}]
    )["Responses"]
    assert response == {"TableName": table, "Item": {"pk": {"S": "r"}, "sk": {"S": "1"}, "a": {"N": "2"}}}

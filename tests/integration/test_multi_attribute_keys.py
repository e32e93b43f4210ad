"""GSIs with multi-attribute keys (up to four partition and four sort attributes) over HTTP with boto3.

Rules from [D] developerguide GSI.DesignPattern.MultiAttributeKeys and the UpdateTable API; declaration messages
[V] the AWS-verified error catalogue (ack-api-quirks, 2026-10-09); query messages [V] a conformance suite run
against AWS (the RANGE wording) and DynamoDB Local 3.3 (the rest).
"""

from __future__ import annotations

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from tests.integration.conftest import unique
from tests.integration.test_control_plane import error_of
from tests.integration.test_indexes import wait_gsi_active

MATCH_INDEX = {
    "IndexName": "byBracket",
    "KeySchema": [
        {"AttributeName": "tournament", "KeyType": "HASH"},
        {"AttributeName": "region", "KeyType": "HASH"},
        {"AttributeName": "round", "KeyType": "RANGE"},
        {"AttributeName": "bracket", "KeyType": "RANGE"},
        {"AttributeName": "score", "KeyType": "RANGE"},
    ],
    "Projection": {"ProjectionType": "ALL"},
}
DEFS = [
    {"AttributeName": "id", "AttributeType": "S"},
    {"AttributeName": "tournament", "AttributeType": "S"},
    {"AttributeName": "region", "AttributeType": "S"},
    {"AttributeName": "round", "AttributeType": "N"},
    {"AttributeName": "bracket", "AttributeType": "S"},
    {"AttributeName": "score", "AttributeType": "N"},
]


def _create(ddb, indexes=(MATCH_INDEX,), defs=DEFS) -> str:
    name = unique("multi")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=list(defs),
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=list(indexes),
    )
    return name


def _matches(table) -> list[dict]:
    """Rounds 1..10 (numbers: 10 sorts after 9), two brackets, scores that cross the digit boundary."""
    items = [
        {
            "id": f"m{i:02d}",
            "tournament": "winter",
            "region": "eu" if i % 4 else "na",
            "round": 1 + i % 10,
            "bracket": "upper" if i % 3 else "lower",
            "score": (i * 37) % 101,
        }
        for i in range(40)
    ]
    items.append({"id": "nobracket", "tournament": "winter", "region": "eu", "round": 1, "score": 5})
    items.append({"id": "noregion", "tournament": "winter", "round": 1, "bracket": "upper", "score": 5})
    with table.batch_writer() as writer:
        for item in items:
            writer.put_item(Item=item)
    return items


def _order(item: dict) -> tuple:
    return (item["round"], item["bracket"].encode(), item["score"], item["id"])


def _query_all(table, **kwargs) -> list[dict]:
    out: list[dict] = []
    while True:
        page = table.query(IndexName="byBracket", **kwargs)
        out.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.mark.V
def test_multi_attribute_index_is_described_as_declared_and_kept_sparse(ddb, resource):
    name = _create(ddb)
    items = _matches(resource.Table(name))
    described = ddb.describe_table(TableName=name)["Table"]
    gsi = described["GlobalSecondaryIndexes"][0]
    assert gsi["KeySchema"] == MATCH_INDEX["KeySchema"]
    assert {d["AttributeName"] for d in described["AttributeDefinitions"]} == {d["AttributeName"] for d in DEFS}
    indexed = ddb.scan(TableName=name, IndexName="byBracket", Select="COUNT")["Count"]
    assert indexed == len(items) - 2  # an item lacking any key attribute has no entry
    assert gsi["ItemCount"] == len(items) - 2


@pytest.mark.V
def test_queries_read_tuples_in_order_with_equalities_then_one_comparison(ddb, resource):
    name = _create(ddb)
    table = resource.Table(name)
    items = [i for i in _matches(table) if i["id"] not in ("nobracket", "noregion")]
    eu = [i for i in items if i["region"] == "eu"]
    hash_eq = Key("tournament").eq("winter") & Key("region").eq("eu")

    got = _query_all(table, KeyConditionExpression=hash_eq, Limit=7)
    assert [i["id"] for i in got] == [i["id"] for i in sorted(eu, key=_order)]
    backwards = _query_all(table, KeyConditionExpression=hash_eq, ScanIndexForward=False, Limit=5)
    assert [i["id"] for i in backwards] == [i["id"] for i in sorted(eu, key=_order, reverse=True)]

    on_first = table.query(IndexName="byBracket", KeyConditionExpression=hash_eq & Key("round").gte(9))["Items"]
    assert [i["id"] for i in on_first] == [i["id"] for i in sorted(eu, key=_order) if i["round"] >= 9]

    prefix = hash_eq & Key("round").eq(10) & Key("bracket").eq("upper") & Key("score").between(10, 60)
    wanted = [i for i in eu if i["round"] == 10 and i["bracket"] == "upper" and 10 <= i["score"] <= 60]
    got = table.query(IndexName="byBracket", KeyConditionExpression=prefix)["Items"]
    assert [i["id"] for i in got] == [i["id"] for i in sorted(wanted, key=_order)]

    begins = hash_eq & Key("round").eq(2) & Key("bracket").begins_with("up")
    wanted = [i for i in eu if i["round"] == 2 and i["bracket"] == "upper"]
    got = table.query(IndexName="byBracket", KeyConditionExpression=begins)["Items"]
    assert [i["id"] for i in got] == [i["id"] for i in sorted(wanted, key=_order)] and wanted

    below = hash_eq & Key("round").eq(3) & Key("bracket").lt("upper")
    wanted = [i for i in eu if i["round"] == 3 and i["bracket"] < "upper"]
    got = table.query(IndexName="byBracket", KeyConditionExpression=below)["Items"]
    assert [i["id"] for i in got] == [i["id"] for i in sorted(wanted, key=_order)]

    # The legacy parameter reads the same index.
    legacy = ddb.query(
        TableName=name,
        IndexName="byBracket",
        KeyConditions={
            "tournament": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "winter"}]},
            "region": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "na"}]},
            "round": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "4"}]},
        },
    )["Items"]
    wanted = [i for i in items if i["region"] == "na" and i["round"] > 4]
    assert [i["id"]["S"] for i in legacy] == [i["id"] for i in sorted(wanted, key=_order)]


@pytest.mark.V
def test_pages_carry_every_key_attribute_and_restart_where_they_stopped(ddb, resource):
    name = _create(ddb)
    table = resource.Table(name)
    _matches(table)
    page = table.query(
        IndexName="byBracket",
        KeyConditionExpression=Key("tournament").eq("winter") & Key("region").eq("eu"),
        Limit=3,
    )
    assert set(page["LastEvaluatedKey"]) == {"id", "tournament", "region", "round", "bracket", "score"}
    scanned = ddb.scan(TableName=name, IndexName="byBracket", Limit=2)
    assert set(scanned["LastEvaluatedKey"]) == {"id", "tournament", "region", "round", "bracket", "score"}
    start = dict(page["LastEvaluatedKey"])
    del start["score"]
    with pytest.raises(ClientError) as exc:
        table.query(
            IndexName="byBracket",
            KeyConditionExpression=Key("tournament").eq("winter") & Key("region").eq("eu"),
            ExclusiveStartKey=start,
        )
    assert error_of(exc) == ("ValidationException", "The provided starting key is invalid")
    with pytest.raises(ClientError) as exc:
        table.query(
            IndexName="byBracket",
            KeyConditionExpression=Key("tournament").eq("winter") & Key("region").eq("na"),
            ExclusiveStartKey=page["LastEvaluatedKey"],
        )
    assert error_of(exc) == (
        "ValidationException",
        "The provided starting key is outside query boundaries based on provided conditions",
    )


@pytest.mark.V
def test_key_conditions_must_fix_every_partition_attribute_and_a_sort_prefix(ddb, resource):
    name = _create(ddb)
    table = resource.Table(name)
    cases = [
        (
            Key("tournament").eq("winter"),
            "HASH key attributes region must have equality conditions specified in the query",
        ),
        (
            Key("tournament").eq("winter") & Key("region").begins_with("e"),
            "HASH key attributes region must have equality conditions specified in the query",
        ),
        (
            Key("round").eq(1),
            "HASH key attributes tournament, region must have equality conditions specified in the query",
        ),
        (
            Key("tournament").eq("w") & Key("region").eq("eu") & Key("bracket").eq("upper"),
            "RANGE key attributes round must have equality conditions specified in the query because a condition "
            "is present on key attribute bracket",
        ),
        (
            Key("tournament").eq("w") & Key("region").eq("eu") & Key("round").gt(1) & Key("score").eq(3),
            "RANGE key attributes round, bracket must have equality conditions specified in the query because a "
            "condition is present on key attribute score",
        ),
        (
            Key("tournament").eq("w") & Key("region").eq("eu") & Key("round").eq("1"),
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (
            Key("tournament").eq("w") & Key("region").eq("eu") & Key("id").eq("m1"),
            "Query condition missed key schema element: round",
        ),
    ]
    for condition, message in cases:
        with pytest.raises(ClientError) as exc:
            table.query(IndexName="byBracket", KeyConditionExpression=condition)
        assert error_of(exc) == ("ValidationException", message), condition
    with pytest.raises(ClientError) as exc:
        table.query(
            IndexName="byBracket",
            KeyConditionExpression=Key("tournament").eq("w") & Key("region").eq("eu"),
            FilterExpression="score > :s",
            ExpressionAttributeValues={":s": 1},
        )
    assert error_of(exc) == (
        "ValidationException",
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: score",
    )


@pytest.mark.P
def test_writes_keep_every_part_typed_and_move_entries(ddb, resource):
    name = _create(ddb)
    table = resource.Table(name)
    with pytest.raises(ClientError) as exc:  # refused even though another part is missing
        ddb.put_item(TableName=name, Item={"id": {"S": "x"}, "tournament": {"S": "w"}, "score": {"S": "high"}})
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key score Expected: N Actual: S "
        "IndexName: byBracket",
    )
    assert "Item" not in ddb.get_item(TableName=name, Key={"id": {"S": "x"}})
    table.put_item(Item={"id": "a", "tournament": "w", "region": "eu", "round": 1, "bracket": "upper", "score": 1})
    table.update_item(
        Key={"id": "a"},
        UpdateExpression="SET #r = :r",
        ExpressionAttributeNames={"#r": "region"},
        ExpressionAttributeValues={":r": "na"},
    )
    eu = Key("tournament").eq("w") & Key("region").eq("eu")
    na = Key("tournament").eq("w") & Key("region").eq("na")
    assert table.query(IndexName="byBracket", KeyConditionExpression=eu)["Items"] == []
    assert [i["id"] for i in table.query(IndexName="byBracket", KeyConditionExpression=na)["Items"]] == ["a"]
    table.update_item(Key={"id": "a"}, UpdateExpression="REMOVE bracket")
    assert table.query(IndexName="byBracket", KeyConditionExpression=na)["Items"] == []
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=name,
            Key={"id": {"S": "a"}},
            UpdateExpression="SET #r = :r",
            ExpressionAttributeNames={"#r": "round"},
            ExpressionAttributeValues={":r": {"S": "one"}},
        )
    # A literal gets PutItem's wording [V scylla test_gsi.py test_gsi_wrong_type_attribute_update*].
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key round Expected: N Actual: S "
        "IndexName: byBracket",
    )


def _refused(ddb, key_schema, *, lsi: bool = False, table_keys=None) -> tuple[str, str]:
    names = {e["AttributeName"] for e in key_schema} | {"id", "s"}
    spec = {"IndexName": "idx", "KeySchema": key_schema, "Projection": {"ProjectionType": "ALL"}}
    with pytest.raises(ClientError) as exc:
        ddb.create_table(
            TableName=unique("bad"),
            KeySchema=table_keys
            or [{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in sorted(names)],
            BillingMode="PAY_PER_REQUEST",
            **({"LocalSecondaryIndexes": [spec]} if lsi else {"GlobalSecondaryIndexes": [spec]}),
        )
    return error_of(exc)


def _keys(*pairs: str) -> list[dict[str, str]]:
    return [{"AttributeName": p.split(":")[0], "KeyType": p.split(":")[1]} for p in pairs]


@pytest.mark.V
def test_declaration_errors(ddb):
    # The texts of the AWS-verified error catalogue (ack-api-quirks, 2026-10-09); DynamoDB Local words all of
    # these differently ("Too many partition keys...", "Invalid key order...", "Two keys can not have the same name").
    invalid = "One or more parameter values were invalid: "
    too_many = invalid + "The KeySchema exceeds the maximum allowed number of {} key attributes"
    assert _refused(ddb, _keys("a:HASH", "b:HASH", "c:HASH", "d:HASH", "e:HASH")) == (
        "ValidationException",
        too_many.format("HASH"),
    )
    assert _refused(ddb, _keys("a:HASH", "b:RANGE", "c:RANGE", "d:RANGE", "e:RANGE", "f:RANGE")) == (
        "ValidationException",
        too_many.format("RANGE"),
    )
    assert _refused(ddb, _keys(*(f"h{i}:HASH" for i in range(4)), *(f"r{i}:RANGE" for i in range(5)))) == (
        "ValidationException",
        too_many.format("RANGE"),
    )
    assert _refused(ddb, _keys("a:HASH", "b:RANGE", "c:HASH")) == (
        "ValidationException",
        invalid + "All HASH key attributes must precede RANGE key attributes in the KeySchema",
    )
    assert _refused(ddb, _keys("a:HASH", "b:HASH", "a:RANGE")) == (
        "ValidationException",
        "The KeySchema contains multiple key attributes with the same name",
    )


@pytest.mark.P
def test_tables_and_lsis_keep_two_key_elements(ddb):
    # DynamoDB Local 3.3's text: the AWS-verified catalogue has none for this case.
    too_big = "Key Schema too big.  Key Schema must at most consist of the hash and range key of a table"
    assert _refused(ddb, _keys("id:HASH", "a:RANGE", "b:RANGE"), lsi=True) == ("ValidationException", too_big)
    assert _refused(ddb, _keys("a:HASH"), table_keys=_keys("id:HASH", "s:RANGE", "a:RANGE")) == (
        "ValidationException",
        too_big,
    )


@pytest.mark.D
def test_update_table_backfills_a_multi_attribute_index(ddb, resource):
    name = unique("addmulti")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=DEFS[:1],
        BillingMode="PAY_PER_REQUEST",
    )
    table = resource.Table(name)
    items = _matches(table)
    ddb.update_table(
        TableName=name,
        AttributeDefinitions=DEFS,
        GlobalSecondaryIndexUpdates=[{"Create": MATCH_INDEX}],
    )
    gsi = wait_gsi_active(ddb, name)
    assert gsi["IndexStatus"] == "ACTIVE" and gsi["KeySchema"] == MATCH_INDEX["KeySchema"]
    got = _query_all(table, KeyConditionExpression=Key("tournament").eq("winter") & Key("region").eq("na"))
    wanted = [i for i in items if i.get("region") == "na" and "bracket" in i]
    assert [i["id"] for i in got] == [i["id"] for i in sorted(wanted, key=_order)]


@pytest.mark.D
def test_partition_only_multi_attribute_index_and_partiql(ddb, resource):
    index = {
        "IndexName": "byPlace",
        "KeySchema": [
            {"AttributeName": "tournament", "KeyType": "HASH"},
            {"AttributeName": "region", "KeyType": "HASH"},
        ],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
    name = _create(ddb, indexes=(index,), defs=DEFS[:3])
    table = resource.Table(name)
    _matches(table)
    got = table.query(
        IndexName="byPlace", KeyConditionExpression=Key("region").eq("na") & Key("tournament").eq("winter")
    )
    assert sorted(i["id"] for i in got["Items"]) == [f"m{i:02d}" for i in range(0, 40, 4)]
    assert set(got["Items"][0]) == {"id", "tournament", "region"}
    rows = ddb.execute_statement(
        Statement=f'SELECT id FROM "{name}"."byPlace" WHERE tournament = ? AND region = ?',
        Parameters=[{"S": "winter"}, {"S": "na"}],
    )["Items"]
    assert sorted(r["id"]["S"] for r in rows) == [f"m{i:02d}" for i in range(0, 40, 4)]

"""A multi-attribute GSI survives a restart: the catalogue keeps every key attribute, the entries stay readable."""

from __future__ import annotations

import pytest

from nubis.tables.engine.engine import Engine
from nubis.tables.storage.sqlite import SqliteStorage

R = "us-east-1"
KEY_SCHEMA = [
    {"AttributeName": "a", "KeyType": "HASH"},
    {"AttributeName": "b", "KeyType": "HASH"},
    {"AttributeName": "c", "KeyType": "RANGE"},
    {"AttributeName": "d", "KeyType": "RANGE"},
]


@pytest.mark.D
def test_multi_attribute_index_reopens_with_its_whole_key(tmp_path):
    path = str(tmp_path / "t.db")
    engine = Engine(SqliteStorage(path))
    engine.execute(
        "CreateTable",
        R,
        {
            "TableName": "multi",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [
                {"AttributeName": n, "AttributeType": "N" if n == "d" else "S"} for n in ("id", "a", "b", "c", "d")
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes": [
                {"IndexName": "abcd", "KeySchema": KEY_SCHEMA, "Projection": {"ProjectionType": "ALL"}}
            ],
        },
    )
    for i in range(12):
        item = {
            "id": {"S": f"i{i}"},
            "a": {"S": "x"},
            "b": {"S": "y"},
            "c": {"S": f"c{i % 2}"},
            "d": {"N": str(12 - i)},
        }
        engine.execute("PutItem", R, {"TableName": "multi", "Item": item})
    engine.close()
    engine = Engine(SqliteStorage(path))
    try:
        described = engine.execute("DescribeTable", R, {"TableName": "multi"})["Table"]
        assert described["GlobalSecondaryIndexes"][0]["KeySchema"] == KEY_SCHEMA
        out = engine.execute(
            "Query",
            R,
            {
                "TableName": "multi",
                "IndexName": "abcd",
                "KeyConditionExpression": "a = :a AND b = :b AND c = :c AND d < :d",
                "ExpressionAttributeValues": {":a": {"S": "x"}, ":b": {"S": "y"}, ":c": {"S": "c1"}, ":d": {"N": "9"}},
            },
        )
        assert [item["d"]["N"] for item in out["Items"]] == ["1", "3", "5", "7"]
    finally:
        engine.close()

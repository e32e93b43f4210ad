"""Every operation the client offers, through {Client, AsyncClient} × {in-process, wire} on a memory engine.

Expected values are DynamoDB's documented responses for these requests [D]; the point here is that the client
sends the request unchanged and returns the response unchanged on every path.
"""

from __future__ import annotations

from typing import Any

import pytest

from nubis.client import ResourceNotFoundException

pytestmark = pytest.mark.D

TABLE = "items"


def create(client: Any, name: str = TABLE, **extra: Any) -> Any:
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    return client.create_table(**{**request, **extra})


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


@pytest.fixture
def table(client: Any) -> str:
    create(client)
    client.wait_table_active(TABLE, delay=0)
    return TABLE


def test_control_plane_round_trip(client):
    created = create(client)
    assert created["TableDescription"]["TableName"] == TABLE
    assert client.wait_table_active(TABLE, delay=0)["TableStatus"] == "ACTIVE"
    described = client.describe_table(TableName=TABLE)["Table"]
    assert described["KeySchema"][0] == {"AttributeName": "pk", "KeyType": "HASH"}
    assert client.list_tables() == {"TableNames": [TABLE]}
    updated = client.update_table(TableName=TABLE, DeletionProtectionEnabled=False)
    assert updated["TableDescription"]["TableName"] == TABLE
    assert client.delete_table(TableName=TABLE)["TableDescription"]["TableName"] == TABLE
    client.wait_table_deleted(TABLE, delay=0)
    with pytest.raises(ResourceNotFoundException):
        client.describe_table(TableName=TABLE)


def test_tags(client, table):
    arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    assert client.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}]) == {}
    assert client.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    assert client.untag_resource(ResourceArn=arn, TagKeys=["team"]) == {}
    assert client.list_tags_of_resource(ResourceArn=arn)["Tags"] == []


def test_time_to_live(client, table):
    assert client.describe_time_to_live(TableName=table) == {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    spec = {"Enabled": True, "AttributeName": "expires"}
    assert client.update_time_to_live(TableName=table, TimeToLiveSpecification=spec) == {
        "TimeToLiveSpecification": spec
    }
    assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires",
    }


def test_describe_limits_and_endpoints(client):
    limits = client.describe_limits()
    assert set(limits) == {
        "AccountMaxReadCapacityUnits",
        "AccountMaxWriteCapacityUnits",
        "TableMaxReadCapacityUnits",
        "TableMaxWriteCapacityUnits",
    }
    assert client.describe_endpoints()["Endpoints"][0]["Address"] == "dynamodb.us-east-1.amazonaws.com"


def test_item_crud(client, table):
    item = {**key("a", "1"), "n": {"N": "1"}, "b": {"B": "AAE="}, "l": {"L": [{"S": "x"}, {"NULL": True}]}}
    assert client.put_item(TableName=table, Item=item) == {}
    assert client.get_item(TableName=table, Key=key("a", "1")) == {"Item": item}
    updated = client.update_item(
        TableName=table,
        Key=key("a", "1"),
        UpdateExpression="SET n = n + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    assert updated == {"Attributes": {"n": {"N": "2"}}}
    deleted = client.delete_item(TableName=table, Key=key("a", "1"), ReturnValues="ALL_OLD")
    assert deleted["Attributes"]["n"] == {"N": "2"}
    assert client.get_item(TableName=table, Key=key("a", "1")) == {}


def test_query_and_scan_pages(client, table):
    client.batch_write_all(table, [{**key("a", f"{i:02}")} for i in range(7)] + [key("b", "1")])
    first = client.query(
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
        Limit=3,
    )
    assert first["Count"] == 3 and "LastEvaluatedKey" in first
    pages = list(
        client.paginate_query(
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "a"}},
            Limit=3,
            ScanIndexForward=False,
        )
    )
    assert [p["Count"] for p in pages] == [3, 3, 1]
    assert [i["sk"]["S"] for p in pages for i in p["Items"]] == [f"{i:02}" for i in reversed(range(7))]
    assert client.scan(TableName=table, Select="COUNT")["Count"] == 8
    assert sum(p["Count"] for p in client.paginate_scan(TableName=table, Limit=2)) == 8


def test_parallel_scan_segments_cover_the_table(client, table):
    client.batch_write_all(table, [key(f"p{i}", "s") for i in range(20)])
    seen = [
        i["pk"]["S"]
        for segment in range(3)
        for page in client.paginate_scan(TableName=table, Segment=segment, TotalSegments=3, Limit=4)
        for i in page["Items"]
    ]
    assert sorted(seen) == sorted(f"p{i}" for i in range(20))


def test_batch_get_and_write_item(client, table):
    written = client.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": key("a", "1")}}, {"PutRequest": {"Item": key("a", "2")}}]}
    )
    assert written.get("UnprocessedItems", {}) == {}
    got = client.batch_get_item(RequestItems={table: {"Keys": [key("a", "1"), key("a", "2"), key("z", "9")]}})
    assert sorted(i["sk"]["S"] for i in got["Responses"][table]) == ["1", "2"]
    assert got.get("UnprocessedKeys", {}) == {}


def test_batch_all_helpers_chunk_any_size(client, table):
    client.batch_write_all(table, [{**key("a", f"{i:03}"), "v": {"N": str(i)}} for i in range(130)])
    keys = [key("a", f"{i:03}") for i in range(250)]  # 120 of them have no item
    found = client.batch_get_all(table, keys + keys[:5], ProjectionExpression="v")
    assert sorted(int(i["v"]["N"]) for i in found) == list(range(130))
    client.batch_write_all(table, deletes=[key("a", f"{i:03}") for i in range(100)])
    assert client.scan(TableName=table, Select="COUNT")["Count"] == 30


def test_transactions(client, table):
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": {**key("a", "1"), "v": {"N": "1"}}}},
            {"Put": {"TableName": table, "Item": {**key("a", "2"), "v": {"N": "2"}}}},
        ]
    )
    got = client.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": table, "Key": key("a", "1")}},
            {"Get": {"TableName": table, "Key": key("a", "3")}},
        ]
    )
    assert got["Responses"][0]["Item"]["v"] == {"N": "1"}
    assert got["Responses"][1] == {}


def test_transact_write_with_explicit_token_is_idempotent(client, table):
    request = {
        "TransactItems": [
            {
                "Update": {
                    "TableName": table,
                    "Key": key("a", "1"),
                    "UpdateExpression": "ADD v :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ],
        "ClientRequestToken": "token-1",
    }
    client.transact_write_items(**request)
    client.transact_write_items(**request)
    assert client.get_item(TableName=table, Key=key("a", "1"))["Item"]["v"] == {"N": "1"}


def test_partiql(client, table):
    client.execute_statement(Statement=f"INSERT INTO {table} VALUE {{'pk': 'a', 'sk': '1', 'v': 1}}")
    rows = client.execute_statement(Statement=f"SELECT * FROM {table} WHERE pk = ?", Parameters=[{"S": "a"}])
    assert rows["Items"] == [{**key("a", "1"), "v": {"N": "1"}}]
    batch = client.batch_execute_statement(
        Statements=[
            {"Statement": f"INSERT INTO {table} VALUE {{'pk': 'a', 'sk': '2'}}"},
            {"Statement": f"INSERT INTO {table} VALUE {{'pk': 'a', 'sk': '1'}}"},
        ]
    )
    assert "Error" not in batch["Responses"][0]
    assert batch["Responses"][1]["Error"]["Code"] == "DuplicateItem"
    client.execute_transaction(
        TransactStatements=[{"Statement": f"UPDATE {table} SET v = 5 WHERE pk = 'a' AND sk = '1'"}]
    )
    pages = list(client.paginate_execute_statement(Statement=f"SELECT * FROM {table}"))
    assert [i.get("v") for p in pages for i in p["Items"]] == [{"N": "5"}, None]


def test_list_tables_pages(client):
    for n in range(5):
        create(client, f"tbl{n}")
    pages = list(client.paginate_list_tables(Limit=2))
    assert [p["TableNames"] for p in pages] == [["tbl0", "tbl1"], ["tbl2", "tbl3"], ["tbl4"]]


def test_global_index_query_after_wait(client):
    create(
        client,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    client.wait_table_active(TABLE, delay=0)
    client.put_item(TableName=TABLE, Item={**key("a", "1"), "g": {"S": "x"}})
    found = client.query(
        TableName=TABLE, IndexName="by_g", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": "x"}}
    )
    assert found["Items"] == [{**key("a", "1"), "g": {"S": "x"}}]

"""Secondary indexes over HTTP with boto3: declarations, sparse maintenance, queries, paging, describe, UpdateTable."""

from __future__ import annotations

import time

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from tests.integration.conftest import unique
from tests.integration.test_control_plane import error_of

DEFS = [
    {"AttributeName": "pk", "AttributeType": "S"},
    {"AttributeName": "sk", "AttributeType": "S"},
    {"AttributeName": "status", "AttributeType": "S"},
    {"AttributeName": "created", "AttributeType": "N"},
]
KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]


def _create(ddb, **extra) -> str:
    name = unique("idx")
    ddb.create_table(
        TableName=name,
        KeySchema=KEYS,
        AttributeDefinitions=DEFS,
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byStatus",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "created", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "byCreated",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "created", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        **extra,
    )
    return name


@pytest.mark.D
def test_indexes_are_described_and_maintained_sparsely(ddb, resource):
    name = _create(ddb)
    table = resource.Table(name)
    for i in range(12):
        item = {"pk": "user1", "sk": f"order{i:02d}", "created": 1000 + i, "title": f"t{i}", "body": "x" * 10}
        if i % 3:
            item["status"] = "open" if i % 2 else "closed"
        table.put_item(Item=item)
    desc = ddb.describe_table(TableName=name)["Table"]
    gsi = desc["GlobalSecondaryIndexes"][0]
    lsi = desc["LocalSecondaryIndexes"][0]
    assert gsi["IndexStatus"] == "ACTIVE" and gsi["ItemCount"] == 8
    assert gsi["IndexArn"] == f"{desc['TableArn']}/index/byStatus"
    assert lsi["ItemCount"] == 12 and "IndexStatus" not in lsi
    out = table.query(IndexName="byStatus", KeyConditionExpression=Key("status").eq("open") & Key("created").gte(1005))
    assert [i["sk"] for i in out["Items"]] == ["order05", "order07", "order11"]
    assert set(out["Items"][0]) == {"pk", "sk", "status", "created", "title"}  # INCLUDE projection
    table.update_item(
        Key={"pk": "user1", "sk": "order05"},
        UpdateExpression="SET #s = :c",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": "closed"},
    )
    table.update_item(
        Key={"pk": "user1", "sk": "order07"}, UpdateExpression="REMOVE #s", ExpressionAttributeNames={"#s": "status"}
    )
    table.delete_item(Key={"pk": "user1", "sk": "order11"})
    out = table.query(IndexName="byStatus", KeyConditionExpression=Key("status").eq("open"))
    assert [i["sk"] for i in out["Items"]] == ["order01"]
    closed = table.query(
        IndexName="byStatus", KeyConditionExpression=Key("status").eq("closed"), ScanIndexForward=False
    )
    assert [i["sk"] for i in closed["Items"]] == ["order10", "order08", "order05", "order04", "order02"]
    assert ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"] == 6


@pytest.mark.D
def test_index_pagination_keys_carry_the_table_key(ddb, resource):
    name = _create(ddb)
    table = resource.Table(name)
    for i in range(10):
        table.put_item(Item={"pk": f"u{i}", "sk": "a", "status": "s", "created": 7})  # equal index keys
    seen = []
    kwargs = {"IndexName": "byStatus", "KeyConditionExpression": Key("status").eq("s"), "Limit": 3}
    while True:
        page = table.query(**kwargs)
        seen.extend(i["pk"] for i in page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        assert set(page["LastEvaluatedKey"]) == {"pk", "sk", "status", "created"}
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert sorted(seen) == [f"u{i}" for i in range(10)] and len(seen) == 10
    scanned = [
        i["pk"]
        for p in ddb.get_paginator("scan").paginate(
            TableName=name, IndexName="byStatus", PaginationConfig={"PageSize": 4}
        )
        for i in p["Items"]
    ]
    assert sorted(pk["S"] for pk in scanned) == sorted(seen)


@pytest.mark.P
def test_index_query_rules(ddb, resource):
    name = _create(ddb)
    table = resource.Table(name)
    table.put_item(Item={"pk": "u", "sk": "1", "status": "s", "created": 1, "extra": "e"})
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=name,
            IndexName="nope",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "u"}},
        )
    assert error_of(exc) == ("ValidationException", "The table does not have the specified index: nope")
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=name,
            IndexName="byStatus",
            KeyConditionExpression="#s = :s",
            ConsistentRead=True,
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "s"}},
        )
    assert error_of(exc) == ("ValidationException", "Consistent reads are not supported on global secondary indexes")
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=name,
            IndexName="byStatus",
            KeyConditionExpression="#s = :s",
            Select="ALL_ATTRIBUTES",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "s"}},
        )
    assert "because its projection type is not ALL" in error_of(exc)[1]
    # An LSI fetches unprojected attributes from the table.
    out = table.query(IndexName="byCreated", KeyConditionExpression=Key("pk").eq("u"), Select="ALL_ATTRIBUTES")
    assert out["Items"][0]["extra"] == "e"
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=name, Item={"pk": {"S": "u"}, "sk": {"S": "2"}, "status": {"N": "1"}})
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N "
        "IndexName: byStatus",
    )
    # UpdateItem words a value read from another attribute its own way [V dynalite updateItem.js "trying to
    # update existing index"]; a literal (a placeholder or AttributeUpdates) gets PutItem's "Type mismatch"
    # [V scylla test_gsi.py/test_lsi.py test_*_wrong_type_attribute_update*; DynamoDB Local 3.3 agrees]. The
    # item is left as it was.
    key = {"pk": {"S": "u"}, "sk": {"S": "1"}}
    ddb.update_item(
        TableName=name, Key=key, UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": {"N": "1"}}
    )
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=name, Key=key, UpdateExpression="SET #s = n", ExpressionAttributeNames={"#s": "status"}
        )
    assert error_of(exc) == (
        "ValidationException",
        "The update expression attempted to update the secondary index key to unsupported type",
    )
    mismatch = (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N "
        "IndexName: byStatus",
    )
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=name,
            Key=key,
            UpdateExpression="SET #s = :n",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":n": {"N": "2"}},
        )
    assert error_of(exc) == mismatch
    with pytest.raises(ClientError) as exc:
        ddb.update_item(TableName=name, Key=key, AttributeUpdates={"status": {"Value": {"N": "2"}, "Action": "PUT"}})
    assert error_of(exc) == mismatch
    with pytest.raises(ClientError) as exc:  # an LSI key too (DynamoDB Local 3.3 wrongly accepts this one)
        ddb.update_item(
            TableName=name, Key=key, UpdateExpression="SET created = :c", ExpressionAttributeValues={":c": {"S": "x"}}
        )
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key created Expected: N Actual: S "
        "IndexName: byCreated",
    )
    # An empty index key set by an update has UpdateItem's own wording, without the index's name
    # [P DynamoDB Local 3.3 and moto test_gsi_key_cannot_be_empty, word for word].
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=name,
            Key=key,
            UpdateExpression="SET #s = :e",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":e": {"S": ""}},
        )
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values are not valid. The update expression attempted to update a secondary index "
        "key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty "
        "string value.",
    )
    assert ddb.get_item(TableName=name, Key=key)["Item"]["status"] == {"S": "s"}
    with pytest.raises(ClientError) as exc:  # empty: the prefix once [V moto responses.py]
        ddb.put_item(TableName=name, Item={**key, "status": {"S": ""}})
    assert error_of(exc)[1].startswith(
        "One or more parameter values are not valid. A value specified for a secondary index key is not supported."
    )


@pytest.mark.P
def test_index_declaration_errors(ddb):
    with pytest.raises(ClientError) as exc:
        ddb.create_table(
            TableName=unique("bad"),
            KeySchema=[KEYS[0]],
            AttributeDefinitions=DEFS[:1] + DEFS[3:],
            BillingMode="PAY_PER_REQUEST",
            LocalSecondaryIndexes=[
                {
                    "IndexName": "lsi1",
                    "KeySchema": [KEYS[0], {"AttributeName": "created", "KeyType": "RANGE"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required "
        "when specifying a LocalSecondaryIndex",
    )
    with pytest.raises(ClientError) as exc:
        ddb.create_table(
            TableName=unique("bad"),
            KeySchema=KEYS,
            AttributeDefinitions=DEFS,
            BillingMode="PAY_PER_REQUEST",
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "gsi1",
                    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL", "NonKeyAttributes": ["x"]},
                }
            ],
        )
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: ProjectionType is ALL, but NonKeyAttributes is specified",
    )


def wait_gsi_active(ddb, name: str, timeout: float = 30) -> dict:
    """The table's first GSI once its backfill has ended (or as it stands at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        gsi = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]
        if gsi["IndexStatus"] == "ACTIVE" or time.monotonic() > deadline:
            return gsi
        time.sleep(0.1)


@pytest.mark.D
def test_update_table_adds_and_deletes_a_gsi(ddb, resource):
    name = unique("addgsi")
    ddb.create_table(TableName=name, KeySchema=KEYS, AttributeDefinitions=DEFS[:2], BillingMode="PAY_PER_REQUEST")
    table = resource.Table(name)
    with table.batch_writer() as writer:
        for i in range(500):
            writer.put_item(Item={"pk": f"p{i}", "sk": "x", "cat": f"c{i % 5}"})
    ddb.update_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "cat", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "byCat",
                    "KeySchema": [{"AttributeName": "cat", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            }
        ],
    )
    gsi = wait_gsi_active(ddb, name)
    assert gsi["IndexStatus"] == "ACTIVE" and gsi["ItemCount"] == 500
    out = table.query(IndexName="byCat", KeyConditionExpression=Key("cat").eq("c3"), Select="COUNT")
    assert out["Count"] == 100
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byCat"}}])
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName=name)["Table"]
    with pytest.raises(ClientError) as exc:
        table.query(IndexName="byCat", KeyConditionExpression=Key("cat").eq("c3"))
    assert error_of(exc)[0] == "ValidationException"


@pytest.mark.D
def test_item_collection_metrics_on_tables_with_an_lsi(ddb):
    name = _create(ddb)
    out = ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "c1"}, "sk": {"S": "a"}, "created": {"N": "1"}},
        ReturnItemCollectionMetrics="SIZE",
    )
    assert out["ItemCollectionMetrics"] == {"ItemCollectionKey": {"pk": {"S": "c1"}}, "SizeEstimateRangeGB": [0.0, 1.0]}
    plain = ddb.create_table(
        TableName=unique("nolsi"), KeySchema=[KEYS[0]], AttributeDefinitions=DEFS[:1], BillingMode="PAY_PER_REQUEST"
    )["TableDescription"]["TableName"]
    out = ddb.put_item(TableName=plain, Item={"pk": {"S": "x"}}, ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in out  # [D] only tables with local secondary indexes report it


@pytest.mark.V
@pytest.mark.parametrize(("operation", "prefix"), [("query", "1 validation error detected: "), ("scan", "")])
def test_select_errors_have_awss_words_per_operation(ddb, operation: str, prefix: str):
    # [V moto tests/test_dynamodb/test_dynamodb_select.py, aws_verified]: Query's carry a prefix, Scan's do not.
    name = _create(ddb)
    call = getattr(ddb, operation)
    base: dict = {"TableName": name}
    if operation == "query":
        base |= {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "u"}}}
    cases = [
        (
            {"Select": "ALL_PROJECTED_ATTRIBUTES"},
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
        ),
        (
            {"Select": "SPECIFIC_ATTRIBUTES"},
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        ),
        (
            {"Select": "COUNT", "ProjectionExpression": "sk"},
            "Cannot specify the ProjectionExpression when choosing to get only the Count",
        ),
        (
            {"Select": "ALL_ATTRIBUTES", "ProjectionExpression": "sk"},
            "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES",
        ),
    ]
    for extra, message in cases:
        with pytest.raises(ClientError) as exc:
            call(**base, **extra)
        assert error_of(exc) == ("ValidationException", prefix + message), extra
    assert call(**base, Select="COUNT")["Count"] == 0


@pytest.mark.V
def test_paths_into_key_attributes_are_refused(ddb):
    # Key attributes are scalars [V dynalite getItem.js, query.js, scan.js, updateItem.js, run against AWS].
    name = _create(ddb)
    key = {"pk": {"S": "u"}, "sk": {"S": "1"}}
    names = {"#k": "pk", "#s": "status"}
    message = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
    calls = [
        (
            lambda: ddb.get_item(
                TableName=name, Key=key, ProjectionExpression="#k.b", ExpressionAttributeNames={"#k": "pk"}
            ),
            "Key: pk",
        ),
        (
            lambda: ddb.scan(
                TableName=name, FilterExpression="attribute_exists(#s[0])", ExpressionAttributeNames={"#s": "status"}
            ),
            "IndexKey: status",
        ),
        (lambda: ddb.scan(TableName=name, ProjectionExpression="sk.x"), "Key: sk"),
        (
            lambda: ddb.query(
                TableName=name,
                KeyConditionExpression="#k = :p",
                FilterExpression="attribute_exists(#s.a)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":p": {"S": "u"}},
            ),
            "IndexKey: status",
        ),
        (
            lambda: ddb.update_item(
                TableName=name,
                Key=key,
                UpdateExpression="SET #s.a = :v",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":v": {"S": "x"}},
            ),
            "IndexKey: status",
        ),
    ]
    for call, which in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == ("ValidationException", message + which)
    # Paths into other attributes are fine.
    ddb.update_item(
        TableName=name,
        Key=key,
        UpdateExpression="SET m = :m",
        ExpressionAttributeValues={":m": {"M": {"a": {"S": "x"}}}},
    )
    assert ddb.get_item(TableName=name, Key=key, ProjectionExpression="m.a")["Item"] == {"m": {"M": {"a": {"S": "x"}}}}


@pytest.mark.D
def test_index_writes_are_billed_only_where_an_entry_changes(ddb):
    """[D] GSI.html "Provisioned throughput considerations": a new entry is one write, a changed index key two (the
    old entry deleted, the new one put), an update that changes no key or projected attribute none; the same
    numbers DynamoDB Local 3.3 reports."""
    name = _create(ddb)
    key = {"pk": {"S": "u"}, "sk": {"S": "1"}}
    item = {**key, "status": {"S": "a"}, "created": {"N": "1"}, "title": {"S": "t"}, "body": {"S": "b"}}

    def billed(**update) -> dict:
        out = ddb.update_item(TableName=name, Key=key, ReturnConsumedCapacity="INDEXES", **update)
        cc = out["ConsumedCapacity"]
        return {
            "total": cc["CapacityUnits"],
            **{n: v["CapacityUnits"] for n, v in cc.get("GlobalSecondaryIndexes", {}).items()},
            **{n: v["CapacityUnits"] for n, v in cc.get("LocalSecondaryIndexes", {}).items()},
        }

    cc = ddb.put_item(TableName=name, Item=item, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert cc["CapacityUnits"] == 3.0
    assert cc["GlobalSecondaryIndexes"] == {"byStatus": {"CapacityUnits": 1.0}}
    assert cc["LocalSecondaryIndexes"] == {"byCreated": {"CapacityUnits": 1.0}}
    # Not projected anywhere: only the table is written.
    assert billed(UpdateExpression="SET body = :b", ExpressionAttributeValues={":b": {"S": "c"}}) == {"total": 1.0}
    # Projected into byStatus only.
    assert billed(UpdateExpression="SET title = :t", ExpressionAttributeValues={":t": {"S": "u"}}) == {
        "total": 2.0,
        "byStatus": 1.0,
    }
    # byStatus's key changes (two writes); the KEYS_ONLY LSI does not keep status.
    assert billed(
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "b"}},
    ) == {"total": 3.0, "byStatus": 2.0}
    # created is in both indexes' keys.
    assert billed(UpdateExpression="SET created = :c", ExpressionAttributeValues={":c": {"N": "2"}}) == {
        "total": 5.0,
        "byStatus": 2.0,
        "byCreated": 2.0,
    }
    # Removing an index key deletes the entry: one write.
    assert billed(UpdateExpression="REMOVE #s", ExpressionAttributeNames={"#s": "status"}) == {
        "total": 2.0,
        "byStatus": 1.0,
    }


@pytest.mark.D
def test_lsi_query_bills_the_items_it_fetches_from_the_table(ddb):
    """[D] api/Query Select: an LSI query asking for unprojected attributes fetches each item from the table, and
    that read is billed to the table (per item, as DynamoDB Local 3.3 bills it); reading only projected
    attributes costs the index alone."""
    name = _create(ddb)
    for i in range(3):
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "u"}, "sk": {"S": str(i)}, "created": {"N": str(i)}, "body": {"S": "x"}},
        )
    query = {
        "TableName": name,
        "IndexName": "byCreated",
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "u"}},
        "ReturnConsumedCapacity": "INDEXES",
    }
    cc = ddb.query(**query)["ConsumedCapacity"]
    assert (cc["CapacityUnits"], cc["Table"], cc["LocalSecondaryIndexes"]) == (
        0.5,
        {"CapacityUnits": 0.0},
        {"byCreated": {"CapacityUnits": 0.5}},
    )
    cc = ddb.query(**query, Select="ALL_ATTRIBUTES")["ConsumedCapacity"]
    assert (cc["CapacityUnits"], cc["Table"], cc["LocalSecondaryIndexes"]) == (
        2.0,
        {"CapacityUnits": 1.5},
        {"byCreated": {"CapacityUnits": 0.5}},
    )
    cc = ddb.query(**query, ProjectionExpression="body", ConsistentRead=True)["ConsumedCapacity"]
    assert (cc["CapacityUnits"], cc["Table"]) == (4.0, {"CapacityUnits": 3.0})


@pytest.mark.D
def test_batch_write_bills_each_table_and_index_apart(ddb):
    """[D] api/BatchWriteItem ReturnConsumedCapacity INDEXES: per table, its own units and each index's beside
    the total (DynamoDB Local 3.3 answers the same split)."""
    name = _create(ddb)
    both = {"pk": {"S": "b"}, "sk": {"S": "1"}, "status": {"S": "a"}, "created": {"N": "1"}}
    lsi_only = {"pk": {"S": "b"}, "sk": {"S": "2"}, "created": {"N": "2"}}
    out = ddb.batch_write_item(
        RequestItems={name: [{"PutRequest": {"Item": both}}, {"PutRequest": {"Item": lsi_only}}]},
        ReturnConsumedCapacity="INDEXES",
    )
    assert out["ConsumedCapacity"] == [
        {
            "TableName": name,
            "CapacityUnits": 5.0,
            "WriteCapacityUnits": 5.0,
            "Table": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0},
            "GlobalSecondaryIndexes": {"byStatus": {"CapacityUnits": 1.0}},
            "LocalSecondaryIndexes": {"byCreated": {"CapacityUnits": 2.0}},
        }
    ]
    total = ddb.batch_write_item(
        RequestItems={name: [{"DeleteRequest": {"Key": {"pk": {"S": "b"}, "sk": {"S": "1"}}}}]},
        ReturnConsumedCapacity="TOTAL",
    )["ConsumedCapacity"]
    assert total == [{"TableName": name, "CapacityUnits": 3.0, "WriteCapacityUnits": 3.0}]


@pytest.mark.D
def test_transactions_bill_each_table_and_index_apart_and_replays_bill_reads(ddb):
    """[D] api/TransactWriteItems: INDEXES splits the doubled transactional units into the table's and each
    index's, as for BatchWriteItem (DynamoDB Local 3.3 answers the same split); a retry with the same
    ClientRequestToken reports "the read capacity units consumed in reading the item" (two per 4 KB read);
    TransactGetItems names the table's own units."""
    name = _create(ddb)
    old = {"pk": {"S": "t"}, "sk": {"S": "1"}, "status": {"S": "a"}, "created": {"N": "1"}}
    ddb.put_item(TableName=name, Item=old)
    actions = [
        # A new item in both indexes: 2 for the table, 2 for each index.
        {"Put": {"TableName": name, "Item": {**old, "sk": {"S": "2"}}}},
        # byStatus's key changes (delete + put, doubled: 4); nothing byCreated keeps changes.
        {
            "Update": {
                "TableName": name,
                "Key": {"pk": old["pk"], "sk": old["sk"]},
                "UpdateExpression": "SET #s = :s",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":s": {"S": "b"}},
            }
        },
        # A condition check costs the table a (doubled) write, the indexes nothing.
        {
            "ConditionCheck": {
                "TableName": name,
                "Key": {"pk": {"S": "none"}, "sk": {"S": "1"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]
    token = unique("token")
    out = ddb.transact_write_items(TransactItems=actions, ReturnConsumedCapacity="INDEXES", ClientRequestToken=token)
    assert out["ConsumedCapacity"] == [
        {
            "TableName": name,
            "CapacityUnits": 14.0,
            "WriteCapacityUnits": 14.0,
            "Table": {"CapacityUnits": 6.0, "WriteCapacityUnits": 6.0},
            "GlobalSecondaryIndexes": {"byStatus": {"CapacityUnits": 6.0}},
            "LocalSecondaryIndexes": {"byCreated": {"CapacityUnits": 2.0}},
        }
    ]
    replay = ddb.transact_write_items(TransactItems=actions, ReturnConsumedCapacity="INDEXES", ClientRequestToken=token)
    assert replay["ConsumedCapacity"] == [
        {
            "TableName": name,
            "CapacityUnits": 6.0,
            "ReadCapacityUnits": 6.0,
            "Table": {"CapacityUnits": 6.0, "ReadCapacityUnits": 6.0},
        }
    ]
    got = ddb.transact_get_items(
        TransactItems=[{"Get": {"TableName": name, "Key": {"pk": old["pk"], "sk": old["sk"]}}}],
        ReturnConsumedCapacity="INDEXES",
    )
    assert got["ConsumedCapacity"] == [
        {
            "TableName": name,
            "CapacityUnits": 2.0,
            "ReadCapacityUnits": 2.0,
            "Table": {"CapacityUnits": 2.0, "ReadCapacityUnits": 2.0},
        }
    ]

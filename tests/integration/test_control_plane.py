"""Control plane over HTTP with boto3: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, tags."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import client_for, unique

KEYS = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
}


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.mark.D
def test_create_describe_and_wait_for_table(ddb):
    name = unique("ctl")
    created = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **KEYS)["TableDescription"]
    assert created["TableStatus"] == "CREATING"
    assert created["TableArn"] == f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}"
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["ItemCount"] == 0 and table["TableSizeBytes"] == 0
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == KEYS["KeySchema"]
    assert len(table["TableId"]) == 36
    ddb.delete_table(TableName=name)
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})


@pytest.mark.P
def test_create_existing_table_is_resource_in_use(ddb):
    name = unique("ctl")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **KEYS)
    with pytest.raises(ClientError) as exc:
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **KEYS)
    assert error_of(exc) == ("ResourceInUseException", f"Table already exists: {name}")
    ddb.delete_table(TableName=name)


@pytest.mark.P
def test_describe_missing_table(ddb):
    with pytest.raises(ClientError) as exc:
        ddb.describe_table(TableName="nope_missing")
    assert error_of(exc) == ("ResourceNotFoundException", "Requested resource not found: Table: nope_missing not found")


@pytest.mark.P
def test_provisioned_table_requires_throughput(ddb):
    with pytest.raises(ClientError) as exc:
        ddb.create_table(TableName=unique("ctl"), **KEYS)
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be "
        "specified when BillingMode is PROVISIONED",
    )


@pytest.mark.P
def test_key_schema_rules(ddb):
    with pytest.raises(ClientError) as exc:
        ddb.create_table(
            TableName=unique("ctl"),
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "other", "AttributeType": "S"}],
        )
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Some index key attributes are not defined in "
        "AttributeDefinitions. Keys: [pk], AttributeDefinitions: [other]",
    )
    with pytest.raises(ClientError) as exc:
        ddb.create_table(
            TableName=unique("ctl"),
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
    assert error_of(exc) == (
        "ValidationException",
        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
    )


@pytest.mark.D
def test_list_tables_pages(ddb):
    prefix = unique("list")
    names = [f"{prefix}_{i:02d}" for i in range(5)]
    for n in names:
        ddb.create_table(TableName=n, BillingMode="PAY_PER_REQUEST", **KEYS)
    seen: list[str] = []
    for page in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}):
        assert len(page["TableNames"]) <= 2
        seen.extend(page["TableNames"])
    assert [n for n in seen if n.startswith(prefix + "_")] == names
    assert seen == sorted(seen)
    for n in names:
        ddb.delete_table(TableName=n)


@pytest.mark.D
def test_region_scopes_the_namespace(server, ddb):
    name = unique("region")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **KEYS)
    other = client_for(server.url, region="eu-west-1")
    assert name not in other.list_tables()["TableNames"]
    other.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **KEYS)
    desc = other.describe_table(TableName=name)["Table"]
    assert desc["TableArn"].startswith("arn:aws:dynamodb:eu-west-1:")
    other.delete_table(TableName=name)
    assert name in ddb.list_tables()["TableNames"]
    ddb.delete_table(TableName=name)


@pytest.mark.D
def test_update_table_billing_and_throughput(ddb):
    name = unique("upd")
    ddb.create_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}, **KEYS)
    out = ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 5})
    pt = out["TableDescription"]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (10, 5)
    assert "LastIncreaseDateTime" in pt
    out = ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    assert out["TableDescription"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    with pytest.raises(ClientError) as exc:
        ddb.update_table(TableName=name)
    assert error_of(exc)[0] == "ValidationException"
    ddb.delete_table(TableName=name)


@pytest.mark.D
def test_tags_round_trip(ddb):
    name = unique("tags")
    arn = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **KEYS)["TableDescription"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    with pytest.raises(ClientError) as exc:
        ddb.list_tags_of_resource(ResourceArn=arn + "x")
    assert error_of(exc)[0] == "ResourceNotFoundException"
    ddb.delete_table(TableName=name)


@pytest.mark.D
def test_describe_limits_and_endpoints(ddb):
    limits = ddb.describe_limits()
    assert limits["TableMaxReadCapacityUnits"] == 40000
    assert limits["AccountMaxWriteCapacityUnits"] == 80000
    assert ddb.describe_endpoints()["Endpoints"][0]["CachePeriodInMinutes"] == 1440


@pytest.mark.D
def test_deletion_protection(ddb):
    name = unique("prot")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", DeletionProtectionEnabled=True, **KEYS)
    with pytest.raises(ClientError) as exc:
        ddb.delete_table(TableName=name)
    assert error_of(exc)[0] == "ValidationException"
    ddb.update_table(TableName=name, DeletionProtectionEnabled=False)
    ddb.delete_table(TableName=name)


@pytest.mark.D
def test_item_count_and_size_follow_writes(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"S": "xyz"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "2"}})
    desc = ddb.describe_table(TableName=table)["Table"]
    assert desc["ItemCount"] == 2
    # pk(2+1) sk(2+1) v(1+3) = 10, and pk+sk = 6 => 16 bytes by AWS's rule
    assert desc["TableSizeBytes"] == 16
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "1"}})
    assert ddb.describe_table(TableName=table)["Table"]["ItemCount"] == 1


@pytest.mark.D
def test_time_to_live_over_http_deletes_expired_items(tmp_path):
    import time

    from nubis.testing import NubisServer

    with NubisServer(tmp_path / "ttl", extra_args=["--ttl-interval", "0.2"]) as running:
        ddb = client_for(running.url)
        ddb.create_table(TableName="ttl_table", BillingMode="PAY_PER_REQUEST", **KEYS)
        ddb.update_time_to_live(
            TableName="ttl_table", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
        )
        assert ddb.describe_time_to_live(TableName="ttl_table")["TimeToLiveDescription"]["TimeToLiveStatus"] == (
            "ENABLED"
        )
        now = int(time.time())
        ddb.put_item(TableName="ttl_table", Item={"pk": {"S": "gone"}, "exp": {"N": str(now - 1)}})
        ddb.put_item(TableName="ttl_table", Item={"pk": {"S": "kept"}, "exp": {"N": str(now + 3600)}})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "Item" in ddb.get_item(TableName="ttl_table", Key={"pk": {"S": "gone"}}):
            time.sleep(0.1)
        assert "Item" not in ddb.get_item(TableName="ttl_table", Key={"pk": {"S": "gone"}})
        assert "Item" in ddb.get_item(TableName="ttl_table", Key={"pk": {"S": "kept"}})

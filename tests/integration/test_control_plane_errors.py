"""Control-plane refusals over HTTP with boto3: CreateTable, UpdateTable, UpdateTimeToLive and the tagging calls.

Expected texts come from the AWS-verified error catalogue (ack-api-quirks, 2026-10-09: [V]), dynalite's AWS-checked
tests ([P] dynalite) or DynamoDB Local 3.3 ([P] DynamoDB Local), as each test says.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import unique
from tests.integration.test_control_plane import KEYS, error_of

INVALID = "One or more parameter values were invalid: "
RANGE_KEYS = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "lsk", "AttributeType": "S"},
        {"AttributeName": "g", "AttributeType": "S"},
    ],
}
LSI = {
    "IndexName": "lsi1",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lsk", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "KEYS_ONLY"},
}
GSI = {
    "IndexName": "gsi1",
    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
    "Projection": {"ProjectionType": "ALL"},
}


def _refusal(call, **request) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        call(**request)
    return error_of(exc)


def _indexed_table(ddb) -> str:
    """An on-demand table with one LSI (lsi1) and one GSI (gsi1)."""
    name = unique("cpe")
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        LocalSecondaryIndexes=[LSI],
        GlobalSecondaryIndexes=[GSI],
        **RANGE_KEYS,
    )
    return name


def _missing(ddb, name: str) -> bool:
    try:
        ddb.describe_table(TableName=name)
    except ClientError as exc:
        return exc.response["Error"]["Code"] == "ResourceNotFoundException"
    return False


# -- CreateTable -----------------------------------------------------------------------------------------------


@pytest.mark.P
def test_create_table_without_key_members(ddb):
    # dynalite createTable tests (AWS-checked): the front end's "Member must not be null" for both members, in
    # dynalite's order (its check against AWS accepts either)
    name = unique("cpe")
    null = "Value null at '{}' failed to satisfy constraint: Member must not be null"
    schema, definitions = KEYS["KeySchema"], KEYS["AttributeDefinitions"]
    create = ddb.create_table
    assert _refusal(create, TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=definitions) == (
        "ValidationException",
        "1 validation error detected: " + null.format("keySchema"),
    )
    assert _refusal(create, TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=schema) == (
        "ValidationException",
        "1 validation error detected: " + null.format("attributeDefinitions"),
    )
    assert _refusal(create, TableName=name, BillingMode="PAY_PER_REQUEST") == (
        "ValidationException",
        "2 validation errors detected: " + null.format("attributeDefinitions") + "; " + null.format("keySchema"),
    )
    assert _missing(ddb, name)


@pytest.mark.V
def test_create_table_definition_and_projection_rules(ddb):
    name = unique("cpe")
    create = ddb.create_table
    assert _refusal(
        create,
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=KEYS["KeySchema"],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "pk", "AttributeType": "N"},
        ],
    ) == ("ValidationException", "Attribute Name is duplicated: pk")
    include = {**LSI, "Projection": {"ProjectionType": "INCLUDE"}}
    assert _refusal(
        create, TableName=name, BillingMode="PAY_PER_REQUEST", LocalSecondaryIndexes=[include], **RANGE_KEYS
    ) == ("ValidationException", INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
    repeated = {**GSI, "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x", "y", "x"]}}
    assert _refusal(
        create, TableName=name, BillingMode="PAY_PER_REQUEST", GlobalSecondaryIndexes=[repeated], **RANGE_KEYS
    ) == ("ValidationException", INVALID + "Duplicate element in NonKeyAttributes: x")
    table_class = "Invalid table-class parameter provided. Please try again with a valid table-class value: "
    assert _refusal(create, TableName=name, BillingMode="PAY_PER_REQUEST", TableClass="COLD", **KEYS) == (
        "ValidationException",
        table_class + "[STANDARD, STANDARD_INFREQUENT_ACCESS].",
    )
    assert _missing(ddb, name)
    created = create(TableName=name, BillingMode="PAY_PER_REQUEST", TableClass="STANDARD_INFREQUENT_ACCESS", **KEYS)
    assert created["TableDescription"]["TableClassSummary"] == {"TableClass": "STANDARD_INFREQUENT_ACCESS"}
    ddb.delete_table(TableName=name)


# -- UpdateTable -----------------------------------------------------------------------------------------------


@pytest.mark.V
def test_update_table_with_nothing_to_change(ddb):
    name = unique("cpe")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **KEYS)
    members = (
        "ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, "
        "ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, {}DeletionProtectionEnabled, "
        "OnDemandThroughput, WarmThroughput or TableClass"
    )
    full = f"At least one of {members.format('MultiRegionConsistency, ')} is required"
    assert _refusal(ddb.update_table, TableName=name) == ("ValidationException", full)
    assert _refusal(ddb.update_table, TableName=name, AttributeDefinitions=KEYS["AttributeDefinitions"]) == (
        "ValidationException",
        full,
    )
    # the list leaves out what the request already holds
    assert _refusal(ddb.update_table, TableName=name, MultiRegionConsistency="STRONG") == (
        "ValidationException",
        f"At least one of {members.format('')} is required",
    )
    table_class = "Invalid table-class parameter provided. Please try again with a valid table-class value: "
    assert _refusal(ddb.update_table, TableName=name, TableClass="COLD") == (
        "ValidationException",
        table_class + "[STANDARD, STANDARD_INFREQUENT_ACCESS].",
    )
    ddb.delete_table(TableName=name)


@pytest.mark.P
def test_update_table_request_checks_come_before_the_table(ddb):
    # dynalite updateTable tests (AWS-checked), all against a table that does not exist
    missing = unique("nope")
    update = ddb.update_table
    assert _refusal(update, TableName=missing, GlobalSecondaryIndexUpdates=[])[1].startswith("At least one of ")
    assert _refusal(update, TableName=missing, GlobalSecondaryIndexUpdates=[{}]) == (
        "ValidationException",
        INVALID + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
        "GlobalSecondaryIndexUpdate.Delete must not be null",
    )
    twice = [{"Delete": {"IndexName": "abc"}}, {"Delete": {"IndexName": "abc"}}]
    assert _refusal(update, TableName=missing, GlobalSecondaryIndexUpdates=twice) == (
        "ValidationException",
        INVALID + "Only one global secondary index update per index is allowed simultaneously. Index: abc",
    )
    assert _refusal(update, TableName=missing, BillingMode="PAY_PER_REQUEST") == (
        "ResourceNotFoundException",
        f"Requested resource not found: Table: {missing} not found",
    )


@pytest.mark.V
def test_update_table_index_rules(ddb):
    name = _indexed_table(ddb)
    update = ddb.update_table
    both = [{"Create": {**GSI, "IndexName": "gsi2"}, "Delete": {"IndexName": "gsi1"}}]
    assert _refusal(
        update,
        TableName=name,
        AttributeDefinitions=RANGE_KEYS["AttributeDefinitions"],
        GlobalSecondaryIndexUpdates=both,
    ) == (
        "ValidationException",
        INVALID + "Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object",
    )
    assert _refusal(update, TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "lsi1"}}]) == (
        "ValidationException",
        "Cannot delete an index that is not a GlobalSecondaryIndex: lsi1",
    )
    assert _refusal(
        update,
        TableName=name,
        GlobalSecondaryIndexUpdates=[
            {"Update": {"IndexName": "lsi1", "OnDemandThroughput": {"MaxReadRequestUnits": 5}}}
        ],
    ) == ("ValidationException", "Cannot update an index that is not a GlobalSecondaryIndex: lsi1")
    assert _refusal(update, TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "ghost"}}]) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Index ghost for table {name}",
    )
    create = {"Create": {**GSI, "IndexName": "newg"}}
    assert _refusal(update, TableName=name, GlobalSecondaryIndexUpdates=[create]) == (
        "ValidationException",
        INVALID + "AttributeDefinitions is not specified for index: newg",
    )
    definitions = RANGE_KEYS["AttributeDefinitions"]
    for existing in ("gsi1", "lsi1"):
        again = [{"Create": {**GSI, "IndexName": existing}}]
        assert _refusal(
            update, TableName=name, AttributeDefinitions=definitions, GlobalSecondaryIndexUpdates=again
        ) == (
            "ValidationException",
            "Attempting to create an index which already exists",
        )
    include = [{"Create": {**GSI, "IndexName": "newg", "Projection": {"ProjectionType": "INCLUDE"}}}]
    assert _refusal(update, TableName=name, AttributeDefinitions=definitions, GlobalSecondaryIndexUpdates=include) == (
        "ValidationException",
        INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified",
    )
    throughput = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    pt = [{"Update": {"IndexName": "gsi1", "ProvisionedThroughput": throughput}}]
    assert _refusal(update, TableName=name, GlobalSecondaryIndexUpdates=pt) == (
        "ValidationException",
        INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: gsi1 when BillingMode "
        "is PAY_PER_REQUEST",
    )
    assert _refusal(update, TableName=name, GlobalSecondaryIndexUpdates=[{"Update": {"IndexName": "gsi1"}}]) == (
        "ValidationException",
        INVALID + "The only Updates for index: gsi1 when TableThroughputMode is PAY_PER_REQUEST can be to "
        "OnDemandThroughput, WarmThroughput",
    )
    described = ddb.describe_table(TableName=name)["Table"]
    assert [i["IndexName"] for i in described["GlobalSecondaryIndexes"]] == ["gsi1"]
    ddb.delete_table(TableName=name)


def test_provisioned_gsi_update_without_throughput_changes_nothing(ddb):
    # [?] No evidence: AWS's answer to an OnDemandThroughput-only update of a provisioned table's GSI is unknown.
    # Nubis used to fail with HTTP 500 here; it now accepts the update and changes nothing (it does not model
    # OnDemandThroughput). This test pins that choice so that evidence to the contrary shows up here.
    name = unique("cpe")
    throughput = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    ddb.create_table(
        TableName=name,
        ProvisionedThroughput=throughput,
        GlobalSecondaryIndexes=[{**GSI, "ProvisionedThroughput": throughput}],
        KeySchema=KEYS["KeySchema"],
        AttributeDefinitions=[*KEYS["AttributeDefinitions"], {"AttributeName": "g", "AttributeType": "S"}],
    )
    update = {"IndexName": "gsi1", "OnDemandThroughput": {"MaxReadRequestUnits": 5}}
    out = ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Update": update}])
    gsi = out["TableDescription"]["GlobalSecondaryIndexes"][0]
    assert (gsi["ProvisionedThroughput"]["ReadCapacityUnits"], gsi["ProvisionedThroughput"]["WriteCapacityUnits"]) == (
        5,
        5,
    )
    ddb.delete_table(TableName=name)


# -- Time to Live ----------------------------------------------------------------------------------------------


@pytest.mark.V
def test_time_to_live_on_another_attribute(ddb):
    name = unique("cpe")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **KEYS)
    ttl = ddb.update_time_to_live
    ttl(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert _refusal(ttl, TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "other"}) == (
        "ValidationException",
        "TimeToLive is active on a different AttributeName: current AttributeName is exp",
    )
    assert _refusal(ttl, TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}) == (
        "ValidationException",
        "TimeToLive is already enabled",
    )
    missing = unique("nope")
    assert _refusal(ttl, TableName=missing, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Table: {missing} not found",
    )
    ddb.delete_table(TableName=name)


@pytest.mark.P
def test_time_to_live_is_not_disabled_under_another_name(ddb):
    # DynamoDB Local 3.3 refuses this with the same error (without the text after the colon)
    name = unique("cpe")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **KEYS)
    ttl = ddb.update_time_to_live
    ttl(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert _refusal(ttl, TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "other"}) == (
        "ValidationException",
        "TimeToLive is active on a different AttributeName: current AttributeName is exp",
    )
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "exp",
    }
    ttl(TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"})
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    ddb.delete_table(TableName=name)


# -- tags ------------------------------------------------------------------------------------------------------


@pytest.mark.V
def test_tag_refusals(ddb):
    name = unique("cpe")
    arn = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **KEYS)["TableDescription"]["TableArn"]
    tag = ddb.tag_resource
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    assert _refusal(tag, ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "aws:x", "Value": "v"}]) == (
        "ValidationException",
        "Tag Key cannot be prefixed with aws:, Key: aws:x",
    )
    assert _refusal(tag, ResourceArn=arn, Tags=[{"Key": "d", "Value": "1"}, {"Key": "d", "Value": "2"}]) == (
        "ValidationException",
        "Duplicate Tag Keys provided as input: Duplicate Tag Key found d",
    )
    too_many = ("ValidationException", "Number of Tags exceed the current limit for the provided ResourceArn")
    assert _refusal(tag, ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)]) == too_many
    assert _refusal(ddb.untag_resource, ResourceArn=arn, TagKeys=[f"k{i}" for i in range(51)]) == too_many
    # a refused request applies none of its tags
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    for call, extra in ((tag, {"Tags": [{"Key": "a", "Value": "b"}]}), (ddb.list_tags_of_resource, {})):
        assert _refusal(call, ResourceArn="not-an-arn", **extra) == (
            "ValidationException",
            INVALID + "ARNs must start with 'arn:': not-an-arn",
        )
    gone = arn.rsplit("/", 1)[0] + "/" + unique("nope")
    assert _refusal(ddb.list_tags_of_resource, ResourceArn=gone) == (
        "ResourceNotFoundException",
        f"Requested resource not found: ResourceArn: {gone} not found",
    )
    ddb.delete_table(TableName=name)


@pytest.mark.V
def test_create_table_refuses_bad_tags_and_creates_nothing(ddb):
    name = unique("cpe")
    create = ddb.create_table
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert _refusal(create, TableName=name, BillingMode="PAY_PER_REQUEST", Tags=many, **KEYS) == (
        "ValidationException",
        "Number of Tags exceed the current limit for the provided ResourceArn",
    )
    assert _refusal(
        create, TableName=name, BillingMode="PAY_PER_REQUEST", Tags=[{"Key": "aws:foo", "Value": "v"}], **KEYS
    ) == (
        "ValidationException",
        "Tag Key cannot be prefixed with aws:, Key: aws:foo",
    )
    assert _missing(ddb, name)


@pytest.mark.P
def test_empty_tag_lists_are_refused_before_the_table_is_looked_up(ddb):
    # dynalite tagResource tests (AWS-checked): "Atleast one Tag ..." for a table that does not exist
    arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{unique('nope')}"
    assert _refusal(ddb.tag_resource, ResourceArn=arn, Tags=[]) == (
        "ValidationException",
        "Atleast one Tag needs to be provided as Input.",
    )
    assert _refusal(ddb.untag_resource, ResourceArn=arn, TagKeys=[]) == (
        "ValidationException",
        "Atleast one Tag Key needs to be provided as Input.",
    )

"""Shape-level request validation: AWS's SerializationException and ValidationException texts.

Evidence markers: ``P`` cites the dynalite test (its expected texts were checked against AWS); ``V`` cites a recorded
AWS response (the "ack-api-quirks" DynamoDB degenerate-input catalogue of 2026, the ListTables response recorded in
dynalite's ``index.js``, or a DynamoDB message quoted in a public issue); ``D`` cites AWS's API reference, whose
limits are the ones botocore's model encodes. Where AWS's own model has drifted from botocore's (``TableName`` is now
``TableArn``, 1..1024 with no pattern, in item operations) the expectation follows the current model and says so.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nubis.tables.errors import SerializationException, UnknownOperationException, ValidationException
from nubis.tables.wire.validate import render, validate_request

ROOT = Path(__file__).resolve().parents[4]

CAST = (
    "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class "
    "(sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of "
    "loader 'bootstrap')"
)
AV_MAP = "java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"
NOT_NULL = "Member must not be null"


def v(value: str | None, path: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"


def agg(*entries: str) -> str:
    plural = "" if len(entries) == 1 else "s"
    return f"{len(entries)} validation error{plural} detected: " + "; ".join(entries)


def validation(operation: str, body: Any) -> str:
    with pytest.raises(ValidationException) as info:
        validate_request(operation, body)
    assert info.value.type_name == "com.amazon.coral.validate#ValidationException"
    return info.value.message


def serialization(operation: str, body: Any) -> str:
    with pytest.raises(SerializationException) as info:
        validate_request(operation, body)
    assert info.value.type_name == "com.amazon.coral.service#SerializationException"
    return info.value.message


def nest(path: str, leaf: Any) -> dict[str, Any]:
    """``"A.0.B"`` -> ``{"A": [{"B": leaf}]}`` (a ``0`` piece makes a list), like dynalite's assertType."""
    pieces = path.split(".")
    root: dict[str, Any] = {}
    node: Any = root
    for here, following in itertools.pairwise(pieces):
        child: Any = [] if following == "0" else {}
        if isinstance(node, list):
            node.append(child)
        else:
            node[here] = child
        node = child
    if isinstance(node, list):
        node.append(leaf)
    else:
        node[pieces[-1]] = leaf
    return root


# --- SerializationException: a JSON kind that does not fit the shape ------------------------------------------------

SERIALIZATION_CASES = [
    # dynalite createTable.js "should return SerializationException when TableName is not a string" (assertType String)
    ("CreateTable", "TableName", True, "TRUE_VALUE cannot be converted to String"),
    ("CreateTable", "TableName", False, "FALSE_VALUE cannot be converted to String"),
    ("CreateTable", "TableName", 23, "NUMBER_VALUE cannot be converted to String"),
    ("CreateTable", "TableName", 2147483648, "NUMBER_VALUE cannot be converted to String"),
    ("CreateTable", "TableName", 34.56, "DECIMAL_VALUE cannot be converted to String"),
    ("CreateTable", "TableName", [], "Unrecognized collection type class java.lang.String"),
    ("CreateTable", "TableName", {}, "Start of structure or map found where not expected"),
    # createTable.js "... when KeySchema is not a list" (assertType List)
    ("CreateTable", "KeySchema", "23", "Unexpected field type"),
    ("CreateTable", "KeySchema", 23, "Unexpected field type"),
    ("CreateTable", "KeySchema", {}, "Start of structure or map found where not expected"),
    # createTable.js "... when KeySchema.0 is not a struct" (ValueStruct<KeySchemaElement>)
    ("CreateTable", "KeySchema.0", "23", "Unexpected value type in payload"),
    (
        "CreateTable",
        "KeySchema.0",
        [],
        "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.KeySchemaElement",
    ),
    # createTable.js "... when ProvisionedThroughput is not a struct" (FieldStruct<ProvisionedThroughput>)
    ("CreateTable", "ProvisionedThroughput", "23", "Unexpected field type"),
    (
        "CreateTable",
        "ProvisionedThroughput",
        [],
        "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.ProvisionedThroughput",
    ),
    # createTable.js "... when ProvisionedThroughput.ReadCapacityUnits is not a long" (assertType Long)
    ("CreateTable", "ProvisionedThroughput.ReadCapacityUnits", "23", "STRING_VALUE cannot be converted to Long"),
    ("CreateTable", "ProvisionedThroughput.ReadCapacityUnits", True, "TRUE_VALUE cannot be converted to Long"),
    ("CreateTable", "ProvisionedThroughput.ReadCapacityUnits", [], "Unrecognized collection type class java.lang.Long"),
    (
        "CreateTable",
        "ProvisionedThroughput.ReadCapacityUnits",
        {},
        "Start of structure or map found where not expected",
    ),
    # query.js "... when Limit is not an integer" (assertType Integer)
    ("Query", "Limit", "23", "STRING_VALUE cannot be converted to Integer"),
    ("Query", "Limit", False, "FALSE_VALUE cannot be converted to Integer"),
    ("Query", "Limit", [], "Unrecognized collection type class java.lang.Integer"),
    # scan.js "... when Segment is not an integer"
    ("Scan", "Segment", True, "TRUE_VALUE cannot be converted to Integer"),
    # getItem.js "... when ConsistentRead is not a boolean" (assertType Boolean)
    ("GetItem", "ConsistentRead", "23", "Unexpected token received from parser"),
    ("GetItem", "ConsistentRead", 23, "NUMBER_VALUE cannot be converted to Boolean"),
    ("GetItem", "ConsistentRead", 34.56, "DECIMAL_VALUE cannot be converted to Boolean"),
    ("GetItem", "ConsistentRead", [], "Unrecognized collection type class java.lang.Boolean"),
    ("GetItem", "ConsistentRead", {}, "Start of structure or map found where not expected"),
    # getItem.js "... when Key is not a map" (Map<AttributeValue>)
    ("GetItem", "Key", "23", "Unexpected field type"),
    ("GetItem", "Key", [], f"Unrecognized collection type {AV_MAP}"),
    # getItem.js "... when Key.Attr is not an attr struct" (AttrStruct<ValueStruct>)
    ("GetItem", "Key.Attr", "23", "Unexpected value type in payload"),
    ("GetItem", "Key.Attr", [], "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"),
    ("GetItem", "Key.Attr.S", 23, "NUMBER_VALUE cannot be converted to String"),
    ("GetItem", "Key.Attr.BOOL", "maybe", "Unexpected token received from parser"),
    ("GetItem", "Key.Attr.SS.0", True, "TRUE_VALUE cannot be converted to String"),
    ("GetItem", "Key.Attr.L.0", "23", "Unexpected value type in payload"),
    ("GetItem", "Key.Attr.M", [], f"Unrecognized collection type {AV_MAP}"),
    ("GetItem", "Key.Attr.B", 23, "only base-64-encoded strings are convertible to bytes"),
    # getItem.js "... when ExpressionAttributeNames is not a map" (Map<java.lang.String>)
    (
        "GetItem",
        "ExpressionAttributeNames",
        [],
        "Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>",
    ),
    # batchWriteItem.js "... when RequestItems is not a map" / "RequestItems.Attr is not a list" (ParameterizedList)
    (
        "BatchWriteItem",
        "RequestItems",
        [],
        "Unrecognized collection type java.util.Map<java.lang.String, "
        "java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>>",
    ),
    ("BatchWriteItem", "RequestItems.Attr", "23", CAST),
    ("BatchWriteItem", "RequestItems.Attr", 23, CAST),
    ("BatchWriteItem", "RequestItems.Attr", {}, "Start of structure or map found where not expected"),
    ("BatchWriteItem", "RequestItems.Attr.0.PutRequest", "23", "Unexpected field type"),
    # batchGetItem.js "... when RequestItems is not a map", "... RequestItems.Attr.Keys.0 is not a map"
    (
        "BatchGetItem",
        "RequestItems",
        [],
        "Unrecognized collection type java.util.Map<java.lang.String, "
        "com.amazonaws.dynamodb.v20120810.KeysAndAttributes>",
    ),
    ("BatchGetItem", "RequestItems.Attr", "23", "Unexpected value type in payload"),
    ("BatchGetItem", "RequestItems.Attr.Keys.0", "23", CAST),
    ("BatchGetItem", "RequestItems.Attr.Keys.0", [], f"Unrecognized collection type {AV_MAP}"),
    # updateTable.js "... when GlobalSecondaryIndexUpdates.0.Create is not a struct"
    ("UpdateTable", "GlobalSecondaryIndexUpdates.0.Create", "23", "Unexpected field type"),
]


@pytest.mark.P
@pytest.mark.parametrize(("operation", "path", "leaf", "message"), SERIALIZATION_CASES)
def test_serialization_messages(operation: str, path: str, leaf: Any, message: str) -> None:
    assert serialization(operation, nest(path, leaf)) == message


@pytest.mark.P
@pytest.mark.parametrize("word", ["true", "TRUE", "1", "yes", "false", "0", "No"])
def test_boolean_accepts_aws_words(word: str) -> None:
    # dynalite validations/index.js checkTypes Boolean: "'true'/'false'/'1'/'0'/'no'/'yes' seem to convert fine"
    validate_request("GetItem", {"TableName": "abc", "Key": {"a": {"S": "b"}}, "ConsistentRead": word})


@pytest.mark.P
def test_decimal_for_integer_is_accepted_and_truncated() -> None:
    # dynalite validations/index.js checkTypes Integer/Long: a JSON decimal converts (floored); 0.5 -> 0 < 1
    assert validation("Query", {"TableName": "abc", "Limit": 0.5}) == agg(
        v("0", "limit", "Member must have value greater than or equal to 1")
    )


@pytest.mark.P
def test_serialization_error_wins_over_validation_errors() -> None:
    # dynalite index.js: checkTypes runs over the whole body before checkValidations (Coral deserializes first)
    body = {"BillingMode": "nope", "KeySchema": "23"}  # missing TableName, bad enum, and a type error
    assert serialization("CreateTable", body) == "Unexpected field type"


@pytest.mark.P
def test_unknown_members_are_ignored() -> None:
    # dynalite validations/index.js checkTypes: members not in the shape are dropped before any check
    validate_request("DescribeTable", {"TableName": "abc", "Whatever": {"deep": [1, 2]}, "tableName": 5})


@pytest.mark.P
def test_json_null_counts_as_absent() -> None:
    # dynalite validations/index.js checkTypes: null members are dropped, so a required one reports "not null"
    assert validation("GetItem", {"TableName": None, "Key": {"a": {"S": "b"}}}) == agg(v(None, "tableName", NOT_NULL))


@pytest.mark.P
@pytest.mark.parametrize("value", [{}, {"N": "not a number"}, {"S": "a", "N": "1"}, {"B": "not base64!"}, {"SS": []}])
def test_attribute_value_content_is_left_to_the_service(value: dict[str, Any]) -> None:
    # dynalite getItem.js "unsupported datatype in Key": "Supplied AttributeValue is empty..." comes after shape
    # validation, from the service (nubis.tables.values.check_value), not from Coral
    validate_request("PutItem", {"TableName": "abc", "Item": {"a": value}})


# --- ValidationException: required members ---------------------------------------------------------------------------


@pytest.mark.D
def test_create_table_missing_everything() -> None:
    # API reference CreateTable: TableName is the only required member (AttributeDefinitions/KeySchema became optional
    # with GlobalTableSourceArn); Coral wording as in the GetItem response quoted in Netflix-Skunkworks/iep-apps#527
    assert validation("CreateTable", {}) == agg(v(None, "tableName", NOT_NULL))


@pytest.mark.P
def test_get_item_missing_everything() -> None:
    # dynalite getItem.js "should return ValidationException for no TableName" (key before tableName)
    assert validation("GetItem", {}) == agg(v(None, "key", NOT_NULL), v(None, "tableName", NOT_NULL))


@pytest.mark.P
def test_batch_write_missing_request_items() -> None:
    # dynalite batchWriteItem.js "should return ValidationException for empty body"
    assert validation("BatchWriteItem", {}) == agg(v(None, "requestItems", NOT_NULL))


@pytest.mark.V
def test_list_element_members_use_one_based_member_paths() -> None:
    # ack-api-quirks DDB-TABLE-457 ct_keyschema_empty_entry
    body = {"TableName": "abc", "KeySchema": [{}]}
    assert validation("CreateTable", body) == agg(
        v(None, "keySchema.1.member.attributeName", NOT_NULL), v(None, "keySchema.1.member.keyType", NOT_NULL)
    )


@pytest.mark.V
def test_attribute_definition_members_in_aws_order() -> None:
    # ack-api-quirks DDB-TABLE-457 ct_attrdefs_empty_entry (attributeType before attributeName)
    body = {"TableName": "abc", "AttributeDefinitions": [{}]}
    assert validation("CreateTable", body) == agg(
        v(None, "attributeDefinitions.1.member.attributeType", NOT_NULL),
        v(None, "attributeDefinitions.1.member.attributeName", NOT_NULL),
    )


@pytest.mark.V
def test_nested_structure_paths() -> None:
    # ack-api-quirks DDB-TABLE-457 rst_pt_override_empty (writeCapacityUnits before readCapacityUnits)
    body = {"TargetTableName": "abc", "BackupArn": "b" * 37, "ProvisionedThroughputOverride": {}}
    assert validation("RestoreTableFromBackup", body) == agg(
        v(None, "provisionedThroughputOverride.writeCapacityUnits", NOT_NULL),
        v(None, "provisionedThroughputOverride.readCapacityUnits", NOT_NULL),
    )


@pytest.mark.V
def test_time_to_live_specification_empty() -> None:
    # ack-api-quirks DDB-TABLE-457 ttl_empty_struct (attributeName before enabled, unlike the model's order)
    body = {"TableName": "abc", "TimeToLiveSpecification": {}}
    assert validation("UpdateTimeToLive", body) == agg(
        v(None, "timeToLiveSpecification.attributeName", NOT_NULL),
        v(None, "timeToLiveSpecification.enabled", NOT_NULL),
    )


@pytest.mark.V
def test_time_to_live_attribute_name_empty() -> None:
    # ack-api-quirks DDB-TABLE-457 ttl_attr_empty_string
    body = {"TableName": "abc", "TimeToLiveSpecification": {"Enabled": True, "AttributeName": ""}}
    assert validation("UpdateTimeToLive", body) == agg(
        v("", "timeToLiveSpecification.attributeName", "Member must have length greater than or equal to 1")
    )


@pytest.mark.V
def test_point_in_time_recovery_empty() -> None:
    # ack-api-quirks DDB-TABLE-457 ucb_empty_struct
    body = {"TableName": "abc", "PointInTimeRecoverySpecification": {}}
    assert validation("UpdateContinuousBackups", body) == agg(
        v(None, "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled", NOT_NULL)
    )


@pytest.mark.V
@pytest.mark.parametrize("days", [0, -1])
def test_recovery_period_below_one(days: int) -> None:
    # ack-api-quirks DDB-TABLE-457 ucb_enable_days0 / ucb_enable_days_neg
    spec = {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": days}
    body = {"TableName": "abc", "PointInTimeRecoverySpecification": spec}
    assert validation("UpdateContinuousBackups", body) == agg(
        v(
            str(days),
            "pointInTimeRecoverySpecification.recoveryPeriodInDays",
            "Member must have value greater than or equal to 1",
        )
    )


@pytest.mark.V
def test_replica_update_region_required() -> None:
    # ack-api-quirks DDB-TABLE-457 ut_replica_update_empty_struct
    body = {"TableName": "abc", "ReplicaUpdates": [{"Update": {}}]}
    assert validation("UpdateTable", body) == agg(v(None, "replicaUpdates.1.member.update.regionName", NOT_NULL))


@pytest.mark.V
def test_gsi_update_throughput_empty() -> None:
    # ack-api-quirks DDB-TABLE-457 gsi_update_pt_empty_real
    body = {
        "TableName": "abc",
        "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "gsi1", "ProvisionedThroughput": {}}}],
    }
    path = "globalSecondaryIndexUpdates.1.member.update.provisionedThroughput"
    assert validation("UpdateTable", body) == agg(
        v(None, f"{path}.writeCapacityUnits", NOT_NULL), v(None, f"{path}.readCapacityUnits", NOT_NULL)
    )


# --- ValidationException: lengths, ranges, patterns, enums ----------------------------------------------------------


@pytest.mark.V
def test_key_schema_empty() -> None:
    # ack-api-quirks DDB-TABLE-457 ct_keyschema_empty; also loopback-connector-dynamodb#5
    body = {"TableName": "abc", "KeySchema": []}
    assert validation("CreateTable", body) == agg(
        v("[]", "keySchema", "Member must have length greater than or equal to 1")
    )


@pytest.mark.V
def test_billing_mode_enum() -> None:
    # ack-api-quirks DDB-TABLE-457 ct_billing_empty
    assert validation("CreateTable", {"TableName": "abc", "BillingMode": ""}) == agg(
        v("", "billingMode", "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]")
    )


@pytest.mark.V
def test_stream_view_type_enum_in_aws_order() -> None:
    # ack-api-quirks DDB-TABLE-457 ct_stream_viewtype_empty (AWS's order, not the model's)
    body = {"TableName": "abc", "StreamSpecification": {"StreamEnabled": True, "StreamViewType": ""}}
    assert validation("CreateTable", body) == agg(
        v(
            "",
            "streamSpecification.streamViewType",
            "Member must satisfy enum value set: [OLD_IMAGE, KEYS_ONLY, NEW_AND_OLD_IMAGES, NEW_IMAGE]",
        )
    )


@pytest.mark.V
def test_lower_first_only_lowers_one_letter() -> None:
    # ack-api-quirks DDB-TABLE-457 ct_sse_kms_key_empty shows the path 'sSESpecification.kMSMasterKeyId' (its min
    # length 1 is not in botocore's model, so the SSEType enum carries the check here)
    body = {"TableName": "abc", "SSESpecification": {"Enabled": True, "SSEType": "x", "KMSMasterKeyId": ""}}
    assert validation("CreateTable", body) == agg(
        v("x", "sSESpecification.sSEType", "Member must satisfy enum value set: [AES256, KMS]")
    )


@pytest.mark.V
def test_attribute_type_enum() -> None:
    # ack-api-quirks DDB-TABLE-457 ut_attrdefs_type_empty_plus_dp; dynalite createTable.js "SS in attr definition"
    body = {"TableName": "abc", "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "SS"}]}
    assert validation("UpdateTable", body) == agg(
        v("SS", "attributeDefinitions.1.member.attributeType", "Member must satisfy enum value set: [B, N, S]")
    )


@pytest.mark.V
def test_backup_name_pattern_then_length() -> None:
    # ack-api-quirks DDB-TABLE-457 create_backup_empty_name
    assert validation("CreateBackup", {"TableName": "abc", "BackupName": ""}) == agg(
        v("", "backupName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
        v("", "backupName", "Member must have length greater than or equal to 3"),
    )


@pytest.mark.V
def test_stream_arn_min_length() -> None:
    # ack-api-quirks DDB-TABLE-457 kinesis_enable_empty_arn
    assert validation("EnableKinesisStreamingDestination", {"TableName": "abc", "StreamArn": ""}) == agg(
        v("", "streamArn", "Member must have length greater than or equal to 37")
    )


@pytest.mark.V
def test_contributor_insights_enums() -> None:
    # ack-api-quirks DDB-TABLE-457 insights_action_empty and insights_mode_empty (AWS's order for the mode)
    assert validation("UpdateContributorInsights", {"TableName": "abc", "ContributorInsightsAction": ""}) == agg(
        v("", "contributorInsightsAction", "Member must satisfy enum value set: [ENABLE, DISABLE]")
    )
    body = {"TableName": "abc", "ContributorInsightsAction": "ENABLE", "ContributorInsightsMode": ""}
    assert validation("UpdateContributorInsights", body) == agg(
        v(
            "",
            "contributorInsightsMode",
            "Member must satisfy enum value set: [THROTTLED_KEYS, ACCESSED_AND_THROTTLED_KEYS]",
        )
    )


@pytest.mark.V
def test_list_tables_limit_zero() -> None:
    # ack-api-quirks DDB-TABLE-457 list_tables_limit0
    assert validation("ListTables", {"Limit": 0}) == agg(
        v("0", "limit", "Member must have value greater than or equal to 1")
    )


@pytest.mark.V
def test_list_tables_errors_in_aws_order() -> None:
    # the AWS response recorded in dynalite index.js: limit first, then exclusiveStartTableName's pattern and length
    name = ";" * 256
    assert validation("ListTables", {"ExclusiveStartTableName": name, "Limit": 2147483647}) == agg(
        v("2147483647", "limit", "Member must have value less than or equal to 100"),
        v(name, "exclusiveStartTableName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
        v(name, "exclusiveStartTableName", "Member must have length less than or equal to 255"),
    )


@pytest.mark.V
def test_list_tables_start_empty() -> None:
    # ack-api-quirks DDB-TABLE-457 list_tables_start_empty
    assert validation("ListTables", {"ExclusiveStartTableName": ""}) == agg(
        v("", "exclusiveStartTableName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
        v("", "exclusiveStartTableName", "Member must have length greater than or equal to 3"),
    )


@pytest.mark.V
def test_item_operation_table_name_is_an_arn_shape() -> None:
    # nubo-db/dynoxide#11 (DynamoDB's text for PutItem with TableName ''): TableArn, min 1, no pattern
    body = {"TableName": "", "Item": {"a": {"S": "b"}}}
    assert validation("PutItem", body) == agg(v("", "tableName", "Member must have length greater than or equal to 1"))


@pytest.mark.D
def test_item_operation_table_name_max_length() -> None:
    # API reference GetItem TableName: "Length Constraints: Minimum length of 1. Maximum length of 1024."
    name = "a" * 1025
    body = {"TableName": name, "Key": {"a": {"S": "b"}}}
    assert validation("GetItem", body) == agg(
        v(name, "tableName", "Member must have length less than or equal to 1024")
    )


@pytest.mark.D
def test_create_table_accepts_an_arn_as_table_name() -> None:
    # API reference CreateTable TableName: "You can also provide the Amazon Resource Name (ARN) of the table"
    validate_request("CreateTable", {"TableName": "arn:aws:dynamodb:us-east-1:123456789012:table/t"})


@pytest.mark.P
def test_get_item_incorrect_attributes() -> None:
    # dynalite getItem.js "should return ValidationException for incorrect attributes" (same order; the tableName
    # pattern error it lists is gone since TableName became TableArn)
    body = {"TableName": "abc;", "ReturnConsumedCapacity": "hi", "AttributesToGet": []}
    assert validation("GetItem", body) == agg(
        v("[]", "attributesToGet", "Member must have length greater than or equal to 1"),
        v("hi", "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"),
        v(None, "key", NOT_NULL),
    )


@pytest.mark.P
def test_scan_incorrect_attributes_order_and_cap() -> None:
    # dynalite scan.js "should return ValidationException for incorrect attributes": AWS listed these ten in this
    # order and dropped the eleventh (attributesToGet), which is the cap at ten
    body = {
        "TableName": "abc;",
        "ReturnConsumedCapacity": "hi",
        "AttributesToGet": [],
        "IndexName": "abc;",
        "Segment": -1,
        "TotalSegments": -1,
        "Select": "hi",
        "Limit": -1,
        "ScanFilter": {"a": {}, "b": {"ComparisonOperator": ""}},
        "ConditionalOperator": "AN",
        "ExpressionAttributeNames": {},
        "ExpressionAttributeValues": {},
        "ProjectionExpression": "",
    }
    operators = "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
    assert validation("Scan", body) == agg(
        v(
            "hi",
            "select",
            "Member must satisfy enum value set: "
            "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
        ),
        v("abc;", "indexName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
        v("-1", "totalSegments", "Member must have value greater than or equal to 1"),
        v("hi", "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"),
        v("AN", "conditionalOperator", "Member must satisfy enum value set: [OR, AND]"),
        v(None, "scanFilter.a.member.comparisonOperator", NOT_NULL),
        v("", "scanFilter.b.member.comparisonOperator", f"Member must satisfy enum value set: {operators}"),
        v("-1", "segment", "Member must have value greater than or equal to 0"),
        v("-1", "limit", "Member must have value greater than or equal to 1"),
        v("[]", "attributesToGet", "Member must have length greater than or equal to 1"),
    )


@pytest.mark.P
def test_query_index_name_pattern_and_length() -> None:
    # dynalite query.js "should return ValidationException for short IndexName"
    assert validation("Query", {"TableName": "abc", "IndexName": "a;"}) == agg(
        v("a;", "indexName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
        v("a;", "indexName", "Member must have length greater than or equal to 3"),
    )


@pytest.mark.P
def test_query_limit_below_one() -> None:
    # dynalite query.js "incorrect attributes": Value '-1' at 'limit' ... greater than or equal to 1
    assert validation("Query", {"TableName": "abc", "Limit": -1}) == agg(
        v("-1", "limit", "Member must have value greater than or equal to 1")
    )


@pytest.mark.D
@pytest.mark.parametrize(
    ("segment", "total", "expected"),
    [
        (-1, 1, [v("-1", "segment", "Member must have value greater than or equal to 0")]),
        (1000000, 1, [v("1000000", "segment", "Member must have value less than or equal to 999999")]),
        (0, 0, [v("0", "totalSegments", "Member must have value greater than or equal to 1")]),
        (0, 1000001, [v("1000001", "totalSegments", "Member must have value less than or equal to 1000000")]),
    ],
)
def test_scan_segment_ranges(segment: int, total: int, expected: list[str]) -> None:
    # API reference Scan: Segment 0..999999, TotalSegments 1..1000000
    assert validation("Scan", {"TableName": "abc", "Segment": segment, "TotalSegments": total}) == agg(*expected)


@pytest.mark.P
def test_provisioned_throughput_below_one() -> None:
    # dynalite createTable.js "low ProvisionedThroughput.WriteCapacityUnits" (write before read)
    body = {"TableName": "abc", "ProvisionedThroughput": {"ReadCapacityUnits": -1, "WriteCapacityUnits": -1}}
    assert validation("CreateTable", body) == agg(
        v("-1", "provisionedThroughput.writeCapacityUnits", "Member must have value greater than or equal to 1"),
        v("-1", "provisionedThroughput.readCapacityUnits", "Member must have value greater than or equal to 1"),
    )


@pytest.mark.P
def test_key_schema_member_errors() -> None:
    # dynalite createTable.js "key element names" (minus the length<=2 error: the model no longer caps KeySchema)
    body = {
        "TableName": "abc",
        "KeySchema": [{"KeyType": "HASH"}, {"AttributeName": "a"}, {"KeyType": "Woop", "AttributeName": "a"}],
    }
    assert validation("CreateTable", body) == agg(
        v(None, "keySchema.1.member.attributeName", NOT_NULL),
        v(None, "keySchema.2.member.keyType", NOT_NULL),
        v("Woop", "keySchema.3.member.keyType", "Member must satisfy enum value set: [HASH, RANGE]"),
    )


@pytest.mark.P
def test_only_ten_errors_are_listed() -> None:
    # dynalite validations/index.js checkValidations stops at ten (and scan.js "incorrect attributes" shows AWS did)
    body = {"TableName": "abc", "AttributeDefinitions": [{}] * 6}
    message = validation("CreateTable", body)
    assert message.startswith("10 validation errors detected: ")
    assert message.count("; ") == 9
    assert message.endswith(v(None, "attributeDefinitions.5.member.attributeName", NOT_NULL))


# --- batch and transaction limits encoded in the model -------------------------------------------------------------


@pytest.mark.P
def test_batch_write_empty_request_items() -> None:
    # dynalite batchWriteItem.js "should return ValidationException for empty RequestItems"
    assert validation("BatchWriteItem", {"RequestItems": {}}) == agg(
        v("{}", "requestItems", "Member must have length greater than or equal to 1")
    )


@pytest.mark.P
def test_batch_write_map_value_constraint() -> None:
    # dynalite batchWriteItem.js "short table name and missing requests" (Map value must satisfy constraint)
    body = {"RequestItems": {"abc": []}, "ReturnConsumedCapacity": "hi", "ReturnItemCollectionMetrics": "hi"}
    assert validation("BatchWriteItem", body) == agg(
        v("hi", "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"),
        v(
            "{abc=[]}",
            "requestItems",
            "Map value must satisfy constraint: "
            "[Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
        ),
        v("hi", "returnItemCollectionMetrics", "Member must satisfy enum value set: [SIZE, NONE]"),
    )


@pytest.mark.V
def test_batch_write_over_25_requests() -> None:
    # DynamoDB's response quoted in risingwavelabs/risingwave#17572 and boto/boto3#483 (the value is the map's
    # Java toString; AWS's AttributeValue@hash parts cannot be reproduced, so only the frame is compared)
    requests = [{"PutRequest": {"Item": {"a": {"S": str(i)}}}} for i in range(26)]
    message = validation("BatchWriteItem", {"RequestItems": {"t": requests}})
    assert message.startswith("1 validation error detected: Value '{t=[WriteRequest(putRequest=PutRequest(item={a=")
    assert message.endswith(
        "' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
        "[Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
    )


@pytest.mark.P
def test_batch_write_nested_paths() -> None:
    # dynalite batchGetItem.js shows map values as 'requestItems.<table>.member.<field>'; list elements below add
    # '.<n>.member' as everywhere else
    body: dict[str, Any] = {"RequestItems": {"abc": [{"PutRequest": {}}, {"DeleteRequest": {}}]}}
    assert validation("BatchWriteItem", body) == agg(
        v(None, "requestItems.abc.member.1.member.putRequest.item", NOT_NULL),
        v(None, "requestItems.abc.member.2.member.deleteRequest.key", NOT_NULL),
    )


@pytest.mark.P
def test_batch_get_empty_keys() -> None:
    # dynalite batchGetItem.js "should return ValidationException for empty keys" (map key is now a TableArn: 'a' ok)
    assert validation("BatchGetItem", {"RequestItems": {"a": {"Keys": []}}}) == agg(
        v("[]", "requestItems.a.member.keys", "Member must have length greater than or equal to 1")
    )


@pytest.mark.P
def test_batch_get_missing_keys_and_bad_map_key() -> None:
    # dynalite batchGetItem.js "short table name with no keys": one "Map keys must satisfy constraint" entry per bad
    # key listing all the key's constraints (today TableArn: max 1024, min 1), then the value's members
    body = {"RequestItems": {"": {}}, "ReturnConsumedCapacity": "hi"}
    assert validation("BatchGetItem", body) == agg(
        v("hi", "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"),
        v(
            "{=KeysAndAttributes(keys=null, attributesToGet=null, consistentRead=null, projectionExpression=null, "
            "expressionAttributeNames=null)}",
            "requestItems",
            "Map keys must satisfy constraint: "
            "[Member must have length less than or equal to 1024, Member must have length greater than or equal to 1]",
        ),
        v(None, "requestItems..member.keys", NOT_NULL),
    )


@pytest.mark.D
def test_batch_get_over_100_keys_per_table() -> None:
    # API reference BatchGetItem / KeysAndAttributes.Keys: "Minimum number of 1 item. Maximum number of 100 items."
    keys = [{"a": {"S": str(i)}} for i in range(101)]
    message = validation("BatchGetItem", {"RequestItems": {"t": {"Keys": keys}}})
    assert message.startswith(
        "1 validation error detected: Value '[{a=com.amazonaws.dynamodb.v20120810.AttributeValue@"
    )
    assert message.endswith(
        "' at 'requestItems.t.member.keys' failed to satisfy constraint: "
        "Member must have length less than or equal to 100"
    )


@pytest.mark.D
def test_batch_get_over_100_tables() -> None:
    # API reference BatchGetItem RequestItems: "Maximum number of 100 items" (the map itself)
    body = {"RequestItems": {f"t{i:03}": {"Keys": [{"a": {"S": "x"}}]} for i in range(101)}}
    assert validation("BatchGetItem", body).endswith(
        "' at 'requestItems' failed to satisfy constraint: Member must have length less than or equal to 100"
    )


@pytest.mark.V
def test_transact_write_empty() -> None:
    # ExtendDB/extenddb#16 (matching DynamoDB): Value '[]' at 'transactItems' ... greater than or equal to 1
    assert validation("TransactWriteItems", {"TransactItems": []}) == agg(
        v("[]", "transactItems", "Member must have length greater than or equal to 1")
    )


@pytest.mark.D
def test_transact_write_over_100() -> None:
    # API reference TransactWriteItems TransactItems: "Maximum number of 100 items"
    items = [{"ConditionCheck": {"TableName": "t", "Key": {}, "ConditionExpression": "x"}}] * 101
    message = validation("TransactWriteItems", {"TransactItems": items})
    assert message.startswith("1 validation error detected: Value '[TransactWriteItem(conditionCheck=ConditionCheck(")
    assert message.endswith(
        "' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"
    )


@pytest.mark.D
def test_service_level_limits_are_not_shape_level() -> None:
    # API reference BatchWriteItem: 25 requests in total and BatchGetItem: 100 keys in total are service checks
    # ("Too many items requested for the BatchWriteItem call"); per table, 25 pass here
    writes = {f"t{n}": [{"PutRequest": {"Item": {"a": {"S": str(i)}}}} for i in range(25)] for n in range(2)}
    validate_request("BatchWriteItem", {"RequestItems": writes})
    reads = {f"t{n}": {"Keys": [{"a": {"S": str(i)}} for i in range(100)]} for n in range(2)}
    validate_request("BatchGetItem", {"RequestItems": reads})


# --- rendering --------------------------------------------------------------------------------------------------------


@pytest.mark.V
def test_structure_values_render_like_lombok() -> None:
    # nubo-db/dynoxide#11 quotes DynamoDB's text for a 3-element KeySchema (no longer a shape error in the model)
    elements = [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
        {"AttributeName": "extra", "KeyType": "RANGE"},
    ]
    assert render("KeySchema", elements) == (
        "[KeySchemaElement(attributeName=pk, keyType=HASH), KeySchemaElement(attributeName=sk, keyType=RANGE), "
        "KeySchemaElement(attributeName=extra, keyType=RANGE)]"
    )


# --- the module's own contract (not compatibility claims) ----------------------------------------------------------


def test_valid_requests_pass() -> None:
    validate_request(
        "CreateTable",
        {
            "TableName": "abc",
            "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    validate_request("Query", {"TableName": "abc", "KeyConditionExpression": "a = :a", "Limit": 10})
    validate_request("ListTables", None)


def test_empty_body_is_an_empty_object() -> None:
    assert validation("DescribeTable", None) == agg(v(None, "tableName", NOT_NULL))


def test_unknown_operation() -> None:
    with pytest.raises(UnknownOperationException):
        validate_request("MakeCoffee", {})


def test_body_must_be_an_object() -> None:
    assert serialization("DescribeTable", "x") == "Unexpected field type"
    assert serialization("DescribeTable", []).startswith("Unrecognized collection type class ")


def test_generated_shapes_are_current() -> None:
    pytest.importorskip("botocore")
    script = ROOT / "scripts" / "gen_wire_shapes.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr

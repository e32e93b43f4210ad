"""Data plane over HTTP with boto3's client and resource APIs: items, conditions, queries, scans, batches."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from tests.integration.test_control_plane import error_of
from tests.integration.test_malformed_input import SIGNED


@pytest.mark.D
def test_put_get_delete_round_trip(ddb, table):
    item = {
        "pk": {"S": "p"},
        "sk": {"S": "s"},
        "n": {"N": "1.50"},
        "b": {"B": b"\x00\x01"},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "l": {"L": [{"S": "x"}, {"N": "2"}]},
        "m": {"M": {"k": {"SS": ["a", "b"]}}},
        "ns": {"NS": ["1", "2.0"]},
        "e": {"S": ""},
    }
    ddb.put_item(TableName=table, Item=item)
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}}, ConsistentRead=True)["Item"]
    assert got["n"] == {"N": "1.5"}  # numbers come back normalised
    assert got["b"] == {"B": b"\x00\x01"}
    assert sorted(got["ns"]["NS"]) == ["1", "2"]
    assert got["e"] == {"S": ""}
    assert got["m"]["M"]["k"]["SS"] == ["a", "b"]
    old = ddb.delete_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}}, ReturnValues="ALL_OLD")
    assert old["Attributes"]["t"] == {"BOOL": True}
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}})


@pytest.mark.P
def test_key_errors(ddb, table):
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=table, Item={"pk": {"S": "p"}})
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Missing the key sk in the item",
    )
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=table, Item={"pk": {"N": "1"}, "sk": {"S": "x"}})
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
    )
    with pytest.raises(ClientError) as exc:
        ddb.get_item(TableName=table, Key={"pk": {"S": "p"}})
    assert error_of(exc) == ("ValidationException", "The provided key element does not match the schema")
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=table, Item={"pk": {"S": ""}, "sk": {"S": "x"}})
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
        "empty string value. Key: pk",
    )
    with pytest.raises(ClientError) as exc:
        ddb.get_item(TableName="missing_table_x", Key={"pk": {"S": "p"}})
    assert error_of(exc) == ("ResourceNotFoundException", "Requested resource not found")


@pytest.mark.P
def test_number_and_set_rules(ddb, table):
    base = {"pk": {"S": "n"}, "sk": {"S": "1"}}
    cases = [
        ({"x": {"N": "1" * 39}}, "Attempting to store more than 38 significant digits in a Number"),
        (
            {"x": {"N": "1e126"}},
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ),
        (
            {"x": {"N": "1e-131"}},
            "Number underflow. Attempting to store a number with magnitude smaller than supported range",
        ),
        ({"x": {"N": "abc"}}, "The parameter cannot be converted to a numeric value: abc"),
        ({"x": {"N": " 1"}}, "The parameter cannot be converted to a numeric value:  1"),  # no stripping
        ({"x": {"N": "1 "}}, "The parameter cannot be converted to a numeric value: 1 "),
        ({"x": {"N": ""}}, "The parameter cannot be converted to a numeric value"),
        ({"x": {"SS": []}}, "One or more parameter values were invalid: An string set  may not be empty"),
        (
            {"x": {"SS": ["a", "a"]}},
            "One or more parameter values were invalid: Input collection [a, a] contains duplicates.",
        ),
        ({"x": {"NS": ["1", "1.0"]}}, "Input collection contains duplicates"),  # [V dynalite putItem.js]
    ]
    for extra, message in cases:
        with pytest.raises(ClientError) as exc:
            ddb.put_item(TableName=table, Item={**base, **extra})
        assert error_of(exc) == ("ValidationException", message), extra
    ddb.put_item(TableName=table, Item={**base, "x": {"N": "9.9999999999999999999999999999999999999E+125"}})


@pytest.mark.D
def test_item_size_limit(ddb, table):
    big = "x" * (400 * 1024)
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=table, Item={"pk": {"S": "big"}, "sk": {"S": "1"}, "v": {"S": big}})
    assert error_of(exc) == ("ValidationException", "Item size has exceeded the maximum allowed size")
    fits = "x" * (400 * 1024 - len("pk") - 3 - len("sk") - 1 - 1)
    ddb.put_item(TableName=table, Item={"pk": {"S": "big"}, "sk": {"S": "1"}, "v": {"S": fits}})


@pytest.mark.D
def test_conditional_put_and_failure_item(ddb, table):
    key = {"pk": {"S": "c"}, "sk": {"S": "1"}}
    ddb.put_item(TableName=table, Item={**key, "v": {"N": "1"}}, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ClientError) as exc:
        ddb.put_item(
            TableName=table,
            Item={**key, "v": {"N": "2"}},
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert error_of(exc) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert exc.value.response["Item"] == {**key, "v": {"N": "1"}}
    ddb.put_item(
        TableName=table,
        Item={**key, "v": {"N": "3"}},
        ConditionExpression="v = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    assert ddb.get_item(TableName=table, Key=key)["Item"]["v"] == {"N": "3"}


@pytest.mark.D
def test_update_item_expressions_and_return_values(ddb, table):
    key = {"pk": {"S": "u"}, "sk": {"S": "1"}}
    out = ddb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #c = if_not_exists(#c, :zero) + :one, "
        "tags = list_append(if_not_exists(tags, :empty), :t) ADD seen :s",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={
            ":zero": {"N": "0"},
            ":one": {"N": "1"},
            ":empty": {"L": []},
            ":t": {"L": [{"S": "a"}]},
            ":s": {"SS": ["x"]},
        },
        ReturnValues="ALL_NEW",
    )
    assert out["Attributes"]["count"] == {"N": "1"}
    assert out["Attributes"]["tags"] == {"L": [{"S": "a"}]}
    out = ddb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #c = #c + :one REMOVE tags DELETE seen :s",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":one": {"N": "1"}, ":s": {"SS": ["x"]}},
        ReturnValues="UPDATED_OLD",
    )
    assert out["Attributes"]["count"] == {"N": "1"}
    item = ddb.get_item(TableName=table, Key=key)["Item"]
    assert item == {**key, "count": {"N": "2"}}
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=table, Key=key, UpdateExpression="SET pk = :v", ExpressionAttributeValues={":v": {"S": "x"}}
        )
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
    )


@pytest.mark.D
def test_resource_api_query_with_conditions_and_pagination(resource, table):
    t = resource.Table(table)
    with t.batch_writer() as writer:
        for i in range(30):
            writer.put_item(Item={"pk": "q", "sk": f"{i:03d}", "n": i, "odd": i % 2 == 1})
        writer.put_item(Item={"pk": "other", "sk": "000", "n": 0})
    out = t.query(KeyConditionExpression=Key("pk").eq("q") & Key("sk").between("005", "009"))
    assert [i["sk"] for i in out["Items"]] == ["005", "006", "007", "008", "009"]
    out = t.query(KeyConditionExpression=Key("pk").eq("q") & Key("sk").begins_with("01"), ScanIndexForward=False)
    assert [i["sk"] for i in out["Items"]] == [f"{i:03d}" for i in range(19, 9, -1)]
    out = t.query(KeyConditionExpression=Key("pk").eq("q"), FilterExpression=Attr("odd").eq(True), Limit=10)
    assert out["ScannedCount"] == 10 and out["Count"] == 5
    assert out["LastEvaluatedKey"] == {"pk": "q", "sk": "009"}
    out2 = t.query(KeyConditionExpression=Key("pk").eq("q"), ExclusiveStartKey=out["LastEvaluatedKey"], Limit=3)
    assert [i["sk"] for i in out2["Items"]] == ["010", "011", "012"]
    assert t.query(KeyConditionExpression=Key("pk").eq("q"), Select="COUNT")["Count"] == 30
    out = t.query(KeyConditionExpression=Key("pk").eq("q") & Key("sk").lt("002"), ProjectionExpression="sk, n")
    assert out["Items"] == [{"sk": "000", "n": Decimal(0)}, {"sk": "001", "n": Decimal(1)}]


@pytest.mark.D
def test_client_paginators_and_parallel_scan(ddb, table):
    with_items = [
        {"PutRequest": {"Item": {"pk": {"S": f"p{i}"}, "sk": {"S": "x"}, "i": {"N": str(i)}}}} for i in range(100)
    ]
    for start in range(0, 100, 25):
        assert ddb.batch_write_item(RequestItems={table: with_items[start : start + 25]})["UnprocessedItems"] == {}
    pages = list(ddb.get_paginator("scan").paginate(TableName=table, PaginationConfig={"PageSize": 7}))
    seen = [it["i"]["N"] for p in pages for it in p["Items"]]
    assert sorted(seen, key=int) == [str(i) for i in range(100)]
    assert len(pages) == 15
    segments = []
    for seg in range(4):
        items = [
            it["i"]["N"]
            for p in ddb.get_paginator("scan").paginate(TableName=table, Segment=seg, TotalSegments=4)
            for it in p["Items"]
        ]
        segments.append(set(items))
    assert sum(len(s) for s in segments) == 100
    assert set().union(*segments) == {str(i) for i in range(100)}
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=table, Segment=4, TotalSegments=4)
    assert "must be less than parameter TotalSegments" in error_of(exc)[1]


@pytest.mark.D
def test_batch_get_and_limits(ddb, table):
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": "bg"}, "sk": {"S": str(i)}, "v": {"N": str(i)}})
    keys = [{"pk": {"S": "bg"}, "sk": {"S": str(i)}} for i in range(5)]
    out = ddb.batch_get_item(
        RequestItems={table: {"Keys": keys, "ProjectionExpression": "v"}}, ReturnConsumedCapacity="TOTAL"
    )
    assert sorted(i["v"]["N"] for i in out["Responses"][table]) == ["0", "1", "2"]
    assert out["UnprocessedKeys"] == {}
    assert out["ConsumedCapacity"][0]["CapacityUnits"] == 2.5
    with pytest.raises(ClientError) as exc:
        ddb.batch_get_item(RequestItems={table: {"Keys": [keys[0], keys[0]]}})
    assert error_of(exc) == ("ValidationException", "Provided list of item keys contains duplicates")
    many = [{"pk": {"S": "bg"}, "sk": {"S": str(i)}} for i in range(101)]
    with pytest.raises(ClientError) as exc:
        ddb.batch_get_item(RequestItems={table: {"Keys": many}})
    assert error_of(exc)[0] == "ValidationException"


@pytest.mark.P
def test_batch_write_request_with_neither_put_nor_delete(ddb, table):
    # [P] dynalite test/batchWriteItem.js "empty item in RequestItems"; DynamoDB Local words it the same.
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(RequestItems={table: [{}]})
    assert error_of(exc) == (
        "ValidationException",
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
    )


def test_batch_null_members_are_refused_not_crashed_on(server, table):
    # No AWS record of these; the wording is DynamoDB Local's. Before, both were a 500.
    def post(op: str, body: dict) -> tuple[int, dict]:
        req = urllib.request.Request(
            server.url + "/",
            data=json.dumps(body).encode(),
            headers={**SIGNED, "X-Amz-Target": f"DynamoDB_20120810.{op}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    status, error = post("BatchWriteItem", {"RequestItems": {table: [None]}})
    assert (status, error["__type"].split("#")[1], error["message"]) == (
        400,
        "ValidationException",
        "The batch write request list for a table cannot be null or empty",
    )
    status, error = post("BatchGetItem", {"RequestItems": {table: None}})
    assert (status, error["__type"].split("#")[1], error["message"]) == (
        400,
        "ValidationException",
        f"The list of keys in RequestItems for BatchGetItem is required: {table} has empty list",
    )


@pytest.mark.D
def test_consumed_capacity_arithmetic(ddb, table):
    key = {"pk": {"S": "cap"}, "sk": {"S": "1"}}
    out = ddb.put_item(TableName=table, Item={**key, "v": {"S": "x" * 1500}}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}
    out = ddb.get_item(TableName=table, Key=key, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 0.5
    out = ddb.get_item(TableName=table, Key=key, ReturnConsumedCapacity="INDEXES", ConsistentRead=True)
    assert out["ConsumedCapacity"]["CapacityUnits"] == 1.0
    assert out["ConsumedCapacity"]["Table"]["CapacityUnits"] == 1.0


@pytest.mark.P
def test_protocol_level_errors(server):
    import urllib.request

    def post(headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        req = urllib.request.Request(server.url + "/", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.read()

    signed = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=abc",
        "X-Amz-Date": "20240101T000000Z",
        "Content-Type": "application/x-amz-json-1.0",
    }
    status, body = post({**signed, "X-Amz-Target": "DynamoDB_20120810.Nope"}, b"{}")
    assert (status, body) == (400, b'{"__type":"com.amazon.coral.service#UnknownOperationException"}')
    status, body = post({**signed, "X-Amz-Target": "DynamoDB_20120810.ListTables"}, b"{not json")
    assert (status, body) == (400, b'{"__type":"com.amazon.coral.service#SerializationException"}')
    unsigned = {k: v for k, v in signed.items() if k != "Authorization"}
    status, body = post({**unsigned, "X-Amz-Target": "DynamoDB_20120810.ListTables"}, b"{}")
    assert status == 400 and b"MissingAuthenticationTokenException" in body
    status, body = post({**signed, "Content-Type": "text/plain", "X-Amz-Target": "DynamoDB_20120810.ListTables"}, b"{}")
    assert (status, body) == (404, b"<UnknownOperationException/>\n")


@pytest.mark.P
def test_responses_carry_dynamodbs_headers(ddb):
    # As botocore logs them from DynamoDB: server "Server", a request id, a CRC32 of the body.
    headers = ddb.list_tables()["ResponseMetadata"]["HTTPHeaders"]
    assert headers["server"] == "Server"
    assert len(headers["x-amzn-requestid"]) == 52
    assert headers["content-type"] == "application/x-amz-json-1.0"
    assert headers["x-amz-crc32"].isdigit()


@pytest.mark.D
def test_large_pages_are_complete_past_the_inline_read_budget(ddb, table):
    # 600 items in one partition: more than the engine reads inline, so the page is finished off the event loop.
    for start in range(0, 600, 25):
        ddb.batch_write_item(
            RequestItems={
                table: [
                    {"PutRequest": {"Item": {"pk": {"S": "big"}, "sk": {"S": f"{i:04d}"}}}}
                    for i in range(start, start + 25)
                ]
            }
        )
    out = ddb.query(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "big"}})
    assert [i["sk"]["S"] for i in out["Items"]] == [f"{i:04d}" for i in range(600)]
    assert "LastEvaluatedKey" not in out
    scanned = ddb.scan(TableName=table, Select="COUNT")
    assert scanned["Count"] == 600 and scanned["ScannedCount"] == 600


@pytest.mark.P
def test_query_filter_may_not_read_key_attributes(ddb, table):
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=table,
            KeyConditionExpression="pk = :p",
            FilterExpression="sk > :s",
            ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"S": "b"}},
        )
    assert error_of(exc) == (
        "ValidationException",
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
    )
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=table,
            KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
            QueryFilter={"pk": {"ComparisonOperator": "NOT_NULL"}},
        )
    assert error_of(exc) == (
        "ValidationException",
        "QueryFilter can only contain non-primary key attributes: Primary key attribute: pk",
    )
    # A Scan may filter on keys.
    assert ddb.scan(TableName=table, FilterExpression="attribute_exists(pk)")["Count"] == 0


@pytest.mark.V
def test_a_starting_key_the_query_could_not_return_is_refused(ddb, table):
    # [V dynalite test/query.js and scan.js, run against AWS]: three wordings for Query, one for parallel Scan.
    for i in range(1, 6):
        ddb.put_item(TableName=table, Item={"pk": {"S": "q"}, "sk": {"S": str(i)}})
    values = {":p": {"S": "q"}, ":s": {"S": "2"}}
    cases = [
        (
            "pk = :p AND sk > :s",
            {"pk": {"S": "q"}, "sk": {"S": "1"}},
            "The provided starting key does not match the range key predicate",
        ),
        (
            "pk = :p AND sk > :s",
            {"pk": {"S": "x"}, "sk": {"S": "1"}},
            "The provided starting key does not match the range key predicate",
        ),
        (
            "pk = :p AND sk > :s",
            {"pk": {"S": "x"}, "sk": {"S": "3"}},
            "The query can return at most one row and cannot be restarted",
        ),
        (
            "pk = :p",
            {"pk": {"S": "x"}, "sk": {"S": "3"}},
            "The provided starting key is outside query boundaries based on provided conditions",
        ),
    ]
    for condition, start, message in cases:
        used = {k: v for k, v in values.items() if k in condition}
        with pytest.raises(ClientError) as exc:
            ddb.query(
                TableName=table,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=used,
                ExclusiveStartKey=start,
            )
        assert error_of(exc) == ("ValidationException", message), (condition, start)
    page = ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :p AND sk > :s",
        ExpressionAttributeValues=values,
        ExclusiveStartKey={"pk": {"S": "q"}, "sk": {"S": "3"}},
    )
    assert [i["sk"]["S"] for i in page["Items"]] == ["4", "5"]
    # Parallel scan: a key from the other segment.
    keys = [ddb.scan(TableName=table, Segment=s, TotalSegments=2, Limit=1).get("LastEvaluatedKey") for s in (0, 1)]
    segment, key = next((s, k) for s, k in enumerate(keys) if k is not None)
    other = 1 - segment
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=table, Segment=other, TotalSegments=2, ExclusiveStartKey=key)
    assert error_of(exc) == (
        "ValidationException",
        "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct "
        f"Segment. TotalSegments: 2 Segment: {other}",
    )
    ddb.scan(TableName=table, Segment=segment, TotalSegments=2, ExclusiveStartKey=key)


def _post(server, target: str, body: bytes) -> tuple[int, dict]:
    """A raw JSON-protocol request, for bodies boto3 will not send (a JSON ``null`` as an attribute value)."""
    headers = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=abc",
        "X-Amz-Date": "20240101T000000Z",
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{target}",
    }
    req = urllib.request.Request(server.url + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.loads(e.read())


@pytest.mark.P
def test_a_null_attribute_value_is_named_not_typed(server, table):
    # [P DynamoDB Local 3.3.1, whose item conversion is the service's]: a JSON null where an attribute value belongs.
    cases = [
        ("PutItem", {"TableName": table, "Item": {"pk": {"S": "n"}, "sk": {"S": "1"}, "a": None}}, "a is null"),
        ("GetItem", {"TableName": table, "Key": {"pk": None, "sk": {"S": "1"}}}, "pk is null"),
        (
            "PutItem",
            {"TableName": table, "Item": {"pk": {"S": "n"}, "sk": {"S": "1"}, "m": {"M": {"inner": None}}}},
            "inner is null",
        ),
    ]
    for target, body, detail in cases:
        status, reply = _post(server, target, json.dumps(body).encode())
        assert status == 400
        assert reply["__type"] == "com.amazon.coral.validate#ValidationException"
        assert reply["message"] == f"The supplied Item contains a null AttributeValue: {detail}"


@pytest.mark.V
def test_conditional_operator_needs_two_legacy_conditions(ddb, table):
    # [V ExtendDB tests/test_conditional_operator.py, run against AWS]
    eq = {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}
    calls = [
        (lambda: ddb.scan(TableName=table, ConditionalOperator="AND"), "without"),
        (lambda: ddb.scan(TableName=table, ConditionalOperator="OR", ScanFilter={"a": eq}), "two"),
        (lambda: ddb.query(TableName=table, ConditionalOperator="AND"), "without"),
        (
            lambda: ddb.put_item(
                TableName=table,
                Item={"pk": {"S": "c"}, "sk": {"S": "1"}},
                ConditionalOperator="AND",
                Expected={"a": eq},
            ),
            "two",
        ),
    ]
    messages = {
        "without": "ConditionalOperator cannot be used without Filter or Expected",
        "two": "ConditionalOperator can only be used when Filter or Expected has two or more elements",
    }
    for call, which in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == ("ValidationException", messages[which])
    both = ddb.scan(TableName=table, ConditionalOperator="OR", ScanFilter={"a": eq, "b": eq})
    assert both["Count"] == 0


@pytest.mark.V
def test_arithmetic_past_38_digits_is_refused(ddb, table):
    # [V scylla test_number.py test_update_expression_plus_imprecise]: AWS answers with the overflow text; the
    # small end is not rounded away either.
    key = {"pk": {"S": "arith"}, "sk": {"S": "1"}}
    for a, b in (("1E+50", "1"), ("1E+30", "1E-30"), ("1", "1E-38")):
        with pytest.raises(ClientError) as exc:
            ddb.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET n = :a + :b",
                ExpressionAttributeValues={":a": {"N": a}, ":b": {"N": b}},
            )
        assert error_of(exc) == (
            "ValidationException",
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        )
    assert "Item" not in ddb.get_item(TableName=table, Key=key)


@pytest.mark.V
def test_document_paths_nest_32_levels(ddb, table):
    # [V scylla test_projection_expression.py test_projection_expression_path_nesting_levels]
    key = {"pk": {"S": "deep"}, "sk": {"S": "1"}}
    ddb.get_item(TableName=table, Key=key, ProjectionExpression="a" + ".b" * 31)
    with pytest.raises(ClientError) as exc:
        ddb.get_item(TableName=table, Key=key, ProjectionExpression="a" + ".b" * 32)
    assert error_of(exc) == (
        "ValidationException",
        "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33",
    )


@pytest.mark.V
def test_coral_spellings_of_booleans_and_decimal_integers_mean_what_they_say(server, ddb, table):
    """Coral reads "false", "0", "no" as false and truncates a decimal given for an integer ([V] dynalite
    validations/index.js, whose type coercions are checked against AWS); the engine must act on those values,
    not on a truthy string or a rounded number."""
    for sk in "abc":
        ddb.put_item(TableName=table, Item={"pk": {"S": "coral"}, "sk": {"S": sk}, "flag": {"BOOL": True}})
    query = {
        "TableName": table,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "coral"}},
    }
    status, out = _post(server, "Query", json.dumps({**query, "ScanIndexForward": "false", "Limit": 2.9}).encode())
    assert status == 200
    assert [i["sk"]["S"] for i in out["Items"]] == ["c", "b"]
    status, out = _post(
        server,
        "Query",
        json.dumps({**query, "ConsistentRead": "0", "ReturnConsumedCapacity": "TOTAL", "Limit": 1.5}).encode(),
    )
    assert (status, out["Count"], out["ConsumedCapacity"]["CapacityUnits"]) == (200, 1, 0.5)
    status, _ = _post(
        server,
        "PutItem",
        json.dumps(
            {"TableName": table, "Item": {"pk": {"S": "coral"}, "sk": {"S": "d"}, "flag": {"BOOL": "no"}}}
        ).encode(),
    )
    assert status == 200
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "coral"}, "sk": {"S": "d"}})["Item"]
    assert got["flag"] == {"BOOL": False}


@pytest.mark.V
def test_an_empty_key_value_in_a_key_condition_is_refused(ddb, table):
    """[V] moto test_key_length_exceptions (its text reported from AWS) for ``=``; DynamoDB Local answers the same
    for range comparisons and begins_with, which otherwise would match a whole partition."""
    message = (
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
        "empty string value. Key: {}"
    )
    cases = [
        ("pk = :e", "pk"),
        ("pk = :p AND sk = :e", "sk"),
        ("pk = :p AND sk < :e", "sk"),
        ("pk = :p AND begins_with(sk, :e)", "sk"),
        ("pk = :p AND sk BETWEEN :e AND :p", "sk"),
    ]
    for condition, key in cases:
        values = {":e": {"S": ""}, ":p": {"S": "p"}}
        used = {k: v for k, v in values.items() if k in condition}
        with pytest.raises(ClientError) as exc:
            ddb.query(TableName=table, KeyConditionExpression=condition, ExpressionAttributeValues=used)
        assert error_of(exc) == ("ValidationException", message.format(key)), condition


@pytest.mark.V
def test_query_starting_key_errors_use_awss_two_texts(ddb, table):
    """[V] dynalite test/query.js (run against AWS): a wrong attribute count or a missing key attribute is "The
    provided starting key is invalid", a key value of the wrong type "The provided key element does not match the
    schema" (checked before the key condition, hash first); a Scan keeps its "invalid: ..." form."""
    invalid = "The provided starting key is invalid"
    mismatch = "The provided key element does not match the schema"
    cases = [
        ({}, invalid),
        ({"pk": {"S": "p"}}, invalid),
        ({"pk": {"S": "p"}, "sk": {"S": "a"}, "x": {"S": "1"}}, invalid),
        ({"pk": {"S": "p"}, "zz": {"S": "a"}}, invalid),
        ({"pk": {"N": "1"}, "zz": {"S": "a"}}, mismatch),
        ({"pk": {"B": b"a"}, "sk": {"S": "a"}}, mismatch),
        ({"pk": {"S": "p"}, "sk": {"NULL": True}}, mismatch),
    ]
    for esk, message in cases:
        for condition in ("pk = :p", "nokey = :p"):
            with pytest.raises(ClientError) as exc:
                ddb.query(
                    TableName=table,
                    KeyConditionExpression=condition,
                    ExpressionAttributeValues={":p": {"S": "p"}},
                    ExclusiveStartKey=esk,
                )
            assert error_of(exc) == ("ValidationException", message), (esk, condition)
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=table, ExclusiveStartKey={"pk": {"N": "1"}, "sk": {"S": "a"}})
    assert error_of(exc) == ("ValidationException", f"{invalid}: {mismatch}")

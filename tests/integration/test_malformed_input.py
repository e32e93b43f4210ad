"""Thousands of generated bad requests: each gets a 4xx in AWS's shape, the server stays up, data is unchanged.

Each request is a valid base request with at least one corruption that makes it invalid for certain (a wrong JSON
type, a broken attribute value, a bad expression, an undefined placeholder, a missing member...), or raw junk.
A 200 would mean a bad request was accepted; a 500 an unhandled path. Seeded, so a failure reproduces.
"""

from __future__ import annotations

import http.client
import json
import random

import orjson
import pytest

from tests.integration.conftest import client_for, unique

SIGNED = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=00",
    "X-Amz-Date": "20240101T000000Z",
    "Content-Type": "application/x-amz-json-1.0",
}

BAD_VALUES = [
    {"N": "abc"},
    {"N": "1" * 40},
    {"N": "1e200"},
    {"SS": []},
    {"SS": ["a", "a"]},
    {"NS": ["1", "1.0"]},
    {"S": 5},
    {"BOOL": "maybe"},
    {"NULL": False},
    {},
    {"S": "a", "N": "1"},
    {"B": "***"},
    {"L": "x"},
    {"M": []},
    {"SS": [None]},
    {"NS": ["1", None]},
    {"BS": [None]},
    {"SS": [[]]},
    [],
    "text",
    7,
    None,
]
BAD_EXPRESSIONS = [
    "SET",
    "a = ",
    "#undefined = :v",
    "attribute_exists()",
    "size(a) =",
    "a BETWEEN :v",
    ":v = ",
    "SET a = :missing",
    "ADD",
    "REMOVE a,",
    "a IN ()",
    "((a = :v)",
    "begins_with(a)",
    "NOT",
    "a.b[x] = :v",
    "a = :v AND",
    "SET a = b +",
    "DELETE a",
    "unknown_fn(a)",
]
BAD_TYPES = [5, "x", [], {"a": 1}, True, None, 1.5]


def base_requests(table: str) -> list[tuple[str, dict]]:
    key = {"id": {"S": "k1"}}
    return [
        ("PutItem", {"TableName": table, "Item": {"id": {"S": "new"}, "v": {"N": "1"}}}),
        (
            "UpdateItem",
            {
                "TableName": table,
                "Key": key,
                "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": {"N": "9"}},
            },
        ),
        ("DeleteItem", {"TableName": table, "Key": key}),
        ("GetItem", {"TableName": table, "Key": key}),
        (
            "Query",
            {"TableName": table, "KeyConditionExpression": "id = :k", "ExpressionAttributeValues": {":k": {"S": "k1"}}},
        ),
        ("Scan", {"TableName": table, "FilterExpression": "v > :z", "ExpressionAttributeValues": {":z": {"N": "0"}}}),
        ("BatchWriteItem", {"RequestItems": {table: [{"PutRequest": {"Item": {"id": {"S": "b"}}}}]}}),
        ("BatchGetItem", {"RequestItems": {table: {"Keys": [key]}}}),
        (
            "CreateTable",
            {
                "TableName": table,
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        ),
        ("DeleteTable", {"TableName": table}),
    ]


def corrupt(rng: random.Random, op: str, request: dict) -> dict:
    """Return a copy of ``request`` that is certainly invalid."""
    req = json.loads(json.dumps(request))
    choice = rng.randrange(6)
    if op in ("PutItem",) and choice == 0:
        req["Item"]["v"] = rng.choice(BAD_VALUES)
    elif op in ("UpdateItem", "Query", "Scan") and choice == 1:
        field = {"UpdateItem": "UpdateExpression", "Query": "KeyConditionExpression", "Scan": "FilterExpression"}[op]
        req[field] = rng.choice(BAD_EXPRESSIONS)
    elif op in ("UpdateItem", "Query", "Scan") and choice == 2:
        req["ExpressionAttributeValues"] = {next(iter(req["ExpressionAttributeValues"])): rng.choice(BAD_VALUES)}
    elif choice == 3 and "TableName" in req and op not in ("CreateTable", "DeleteTable"):
        req["TableName"] = rng.choice(["", "a", "bad name!", "x" * 300, 5, None])
    elif choice == 4:
        member = rng.choice(sorted(req))
        req[member] = rng.choice(BAD_TYPES) if member != "TableName" else rng.choice([5, [], {"a": 1}, True])
        if op == "DeleteTable" or (op == "CreateTable" and member == "BillingMode"):
            req["TableName"] = rng.choice([5, [], "!!"])
    else:
        # A key that cannot match the schema (wrong type or extra attribute), or for control ops a bad name.
        if "Key" in req:
            req["Key"] = rng.choice([{"id": {"N": "1"}}, {"id": {"S": "k1"}, "x": {"S": "y"}}, {}, {"id": {"S": ""}}])
        elif "Item" in req:
            req["Item"] = rng.choice([{"v": {"S": "no key"}}, {"id": {"N": "1"}}, {"id": {"S": ""}}])
        else:
            req["TableName"] = rng.choice(["", "a", "bad name!", "x" * 300])
            if op == "BatchWriteItem" or op == "BatchGetItem":
                req.pop("RequestItems", None)
    return req


def snapshot(ddb, table: str) -> list:
    items = []
    for page in ddb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(page["Items"])
    return sorted(items, key=lambda i: i["id"]["S"])


@pytest.mark.D
def test_generated_bad_requests_get_aws_shaped_4xx_and_change_nothing(server):
    ddb = client_for(server.url)
    table = unique("fuzz")
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(20):
        ddb.put_item(TableName=table, Item={"id": {"S": f"k{i}"}, "v": {"N": str(i)}, "s": {"SS": ["a", str(i)]}})
    before = snapshot(ddb, table)
    rng = random.Random(20261124)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    bases = base_requests(table)
    statuses: dict[int, int] = {}
    for n in range(3000):
        if n % 10 == 0:
            op = rng.choice([b[0] for b in bases])
            body = rng.choice([b"{", b"[]", b'"x"', b"\xff\xfe", b'{"TableName":', b"null", b"1"])
        else:
            op, request = rng.choice(bases)
            body = orjson.dumps(corrupt(rng, op, request))
        conn.request("POST", "/", body=body, headers={**SIGNED, "X-Amz-Target": f"DynamoDB_20120810.{op}"})
        response = conn.getresponse()
        payload = response.read()
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if response.status != 400:
            conn.close()
        assert response.status == 400, (op, body[:300], response.status, payload[:300])
        error = orjson.loads(payload)
        assert error["__type"].split("#")[0] in (
            "com.amazon.coral.validate",
            "com.amazon.coral.service",
            "com.amazonaws.dynamodb.v20120810",
        ), error
        assert not error["__type"].endswith("InternalServerError"), (op, body[:300], error)
    conn.close()
    assert snapshot(ddb, table) == before
    assert statuses == {400: 3000}

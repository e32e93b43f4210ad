"""``Client.http`` and ``AsyncClient.http`` against a real ``nubis serve``: signed requests over a socket.

The server refuses unsigned requests (``MissingAuthenticationTokenException``) and scopes tables by the
signature's region, so a working round trip per region proves the SigV4 headers are accepted and read. The
unit suite's operation and error checks then run once more over the real HTTP stack, on both twins.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
import pytest

from nubis.client import (
    AsyncClient,
    Client,
    ConditionalCheckFailedException,
    MissingAuthenticationTokenException,
    ResourceNotFoundException,
    TransactionCanceledException,
)
from nubis.client.errors import error_from_body

pytestmark = pytest.mark.D

CREDENTIALS = ("AKIDEXAMPLE", "secret")
_names = itertools.count()

SCHEMA: dict[str, Any] = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def scenario(client: Any) -> dict[str, Any]:
    """One pass over the client's surface; returns what it observed, for comparing the twins."""
    table = f"client{next(_names)}"
    client.create_table(TableName=table, **SCHEMA)
    client.wait_table_active(table, delay=0.05)
    client.batch_write_all(table, [{**key("a", f"{i:03}"), "v": {"N": str(i)}} for i in range(60)])
    pages = list(
        client.paginate_query(
            TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}}, Limit=25
        )
    )
    found = client.batch_get_all(table, [key("a", f"{i:03}") for i in range(0, 120, 2)])
    client.update_item(
        TableName=table,
        Key=key("a", "000"),
        UpdateExpression="SET v = v + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    errors: list[tuple[str, Any]] = []
    try:
        client.put_item(
            TableName=table,
            Item=key("a", "000"),
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ConditionalCheckFailedException as exc:
        errors.append((exc.code, exc.item))
    try:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": key("b", "1")}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": key("a", "001"),
                        "ConditionExpression": "v = :x",
                        "ExpressionAttributeValues": {":x": {"N": "99"}},
                    }
                },
            ]
        )
    except TransactionCanceledException as exc:
        errors.append((exc.code, [r["Code"] for r in exc.reasons]))
    try:
        client.get_item(TableName="nope-missing", Key=key("a", "1"))
    except ResourceNotFoundException as exc:
        errors.append((exc.code, exc.message))
    statement = client.execute_statement(
        Statement=f"SELECT * FROM {table} WHERE pk = ? AND sk = ?", Parameters=[{"S": "a"}, {"S": "000"}]
    )
    client.delete_table(TableName=table)
    client.wait_table_deleted(table, delay=0.05)
    return {
        "page_counts": [p["Count"] for p in pages],
        "found": len(found),
        "errors": errors,
        "statement": statement["Items"],
    }


EXPECTED = {
    "page_counts": [25, 25, 10],
    "found": 30,
    "errors": [
        ("ConditionalCheckFailedException", {**key("a", "000"), "v": {"N": "1"}}),
        ("TransactionCanceledException", ["None", "ConditionalCheckFailed"]),
        ("ResourceNotFoundException", "Requested resource not found"),
    ],
    "statement": [{**key("a", "000"), "v": {"N": "1"}}],
}


def test_sync_client_over_http(server):
    with Client.http(server.url, "us-east-1", credentials=CREDENTIALS) as client:
        assert scenario(client) == EXPECTED


def test_async_client_over_http(server):
    class Twin:
        def __init__(self, client: AsyncClient, loop: asyncio.Runner) -> None:
            self.client, self.loop = client, loop

        def __getattr__(self, name: str) -> Any:
            method = getattr(self.client, name)

            def call(*args: Any, **kwargs: Any) -> Any:
                result = method(*args, **kwargs)
                if hasattr(result, "__aiter__"):

                    async def collect() -> list[Any]:
                        return [page async for page in result]

                    return self.loop.run(collect())
                return self.loop.run(result)

            return call

    with asyncio.Runner() as loop:
        client = AsyncClient.http(server.url, "us-east-1", credentials=CREDENTIALS)
        try:
            assert scenario(Twin(client, loop)) == EXPECTED
        finally:
            loop.run(client.aclose())


def test_the_signature_region_scopes_tables(server):
    with (
        Client.http(server.url, "eu-west-1", credentials=CREDENTIALS) as west,
        Client.http(server.url, "ap-south-1", credentials=CREDENTIALS) as south,
    ):
        name = f"scoped{next(_names)}"
        west.create_table(TableName=name, **SCHEMA)
        assert name in west.list_tables()["TableNames"]
        assert name not in south.list_tables()["TableNames"]
        west.delete_table(TableName=name)


def test_unsigned_requests_are_refused_so_the_client_really_signs(server):
    answer = httpx.post(
        server.url + "/",
        content=b"{}",
        headers={"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"},
    )
    assert isinstance(error_from_body(answer.status_code, answer.json()), MissingAuthenticationTokenException)

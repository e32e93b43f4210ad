"""TransactWriteItems and TransactGetItems over HTTP with boto3: atomicity, reasons, idempotency, serializability."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import client_for, unique
from tests.integration.test_control_plane import error_of


def _accounts(ddb, n: int, balance: int) -> str:
    name = unique("bank")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(n):
        ddb.put_item(TableName=name, Item={"id": {"S": f"a{i}"}, "balance": {"N": str(balance)}})
    return name


def _transfer(table: str, src: str, dst: str, amount: int) -> list[dict]:
    return [
        {
            "Update": {
                "TableName": table,
                "Key": {"id": {"S": src}},
                "UpdateExpression": "SET balance = balance - :a",
                "ConditionExpression": "balance >= :a",
                "ExpressionAttributeValues": {":a": {"N": str(amount)}},
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": {"id": {"S": dst}},
                "UpdateExpression": "SET balance = balance + :a",
                "ExpressionAttributeValues": {":a": {"N": str(amount)}},
            }
        },
    ]


@pytest.mark.D
def test_transaction_applies_all_or_nothing_with_reasons_in_order(ddb):
    table = _accounts(ddb, 3, 10)
    ddb.transact_write_items(TransactItems=_transfer(table, "a0", "a1", 7))
    items = {
        r["Item"]["id"]["S"]: r["Item"]["balance"]["N"]
        for r in ddb.transact_get_items(
            TransactItems=[{"Get": {"TableName": table, "Key": {"id": {"S": f"a{i}"}}}} for i in range(2)]
        )["Responses"]
    }
    assert items == {"a0": "3", "a1": "17"}
    actions = [
        *_transfer(table, "a0", "a1", 5),  # a0 has only 3: fails
        {"Put": {"TableName": table, "Item": {"id": {"S": "new"}}}},
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": {"id": {"S": "a2"}},
                "ConditionExpression": "balance > :x",
                "ExpressionAttributeValues": {":x": {"N": "100"}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    ]
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(TransactItems=actions)
    code, message = error_of(exc)
    assert code == "TransactionCanceledException"
    assert message.endswith("[ConditionalCheckFailed, None, None, ConditionalCheckFailed]")
    reasons = exc.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["ConditionalCheckFailed", "None", "None", "ConditionalCheckFailed"]
    assert "Item" not in reasons[0]
    assert reasons[3]["Item"] == {"id": {"S": "a2"}, "balance": {"N": "10"}}
    assert "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": "new"}})
    assert ddb.get_item(TableName=table, Key={"id": {"S": "a1"}})["Item"]["balance"] == {"N": "17"}


@pytest.mark.D
def test_one_item_twice_is_refused(ddb):
    table = _accounts(ddb, 1, 1)
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"id": {"S": "a0"}}}},
                {"Delete": {"TableName": table, "Key": {"id": {"S": "a0"}}}},
            ]
        )
    assert error_of(exc) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )


@pytest.mark.D
def test_client_request_token_makes_retries_idempotent(ddb):
    table = _accounts(ddb, 2, 10)
    token = "retry-token-1"
    for _ in range(3):
        ddb.transact_write_items(TransactItems=_transfer(table, "a0", "a1", 1), ClientRequestToken=token)
    assert ddb.get_item(TableName=table, Key={"id": {"S": "a0"}})["Item"]["balance"] == {"N": "9"}
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(TransactItems=_transfer(table, "a0", "a1", 2), ClientRequestToken=token)
    assert error_of(exc)[0] == "IdempotentParameterMismatchException"


@pytest.mark.D
def test_transactional_capacity_is_doubled(ddb):
    table = _accounts(ddb, 1, 1)
    out = ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": {"id": {"S": "x"}, "v": {"S": "y" * 1500}}}}],
        ReturnConsumedCapacity="TOTAL",
    )
    assert out["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}]
    out = ddb.transact_get_items(
        TransactItems=[{"Get": {"TableName": table, "Key": {"id": {"S": "x"}}}}], ReturnConsumedCapacity="TOTAL"
    )
    assert out["ConsumedCapacity"][0]["CapacityUnits"] == 2.0


@pytest.mark.D
def test_concurrent_transfers_keep_the_total_and_reads_see_snapshots(server):
    ddb = client_for(server.url)
    n, start = 8, 100
    table = _accounts(ddb, n, start)
    stop = threading.Event()
    bad_reads: list[int] = []
    reads = [0]

    def writer(seed: int) -> int:
        rng = random.Random(seed)
        client = client_for(server.url)
        done = 0
        for _ in range(60):
            src, dst = rng.sample(range(n), 2)
            try:
                client.transact_write_items(TransactItems=_transfer(table, f"a{src}", f"a{dst}", rng.randint(1, 30)))
                done += 1
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "TransactionCanceledException"
        return done

    def reader() -> None:
        client = client_for(server.url)
        keys = [{"Get": {"TableName": table, "Key": {"id": {"S": f"a{i}"}}}} for i in range(n)]
        while not stop.is_set():
            got = client.transact_get_items(TransactItems=keys)["Responses"]
            total = sum(int(r["Item"]["balance"]["N"]) for r in got)
            reads[0] += 1
            if total != n * start:
                bad_reads.append(total)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for t in readers:
        t.start()
    with ThreadPoolExecutor(8) as pool:
        committed = sum(pool.map(writer, range(8)))
    stop.set()
    for t in readers:
        t.join()
    assert committed > 100
    assert reads[0] > 10 and bad_reads == []
    final = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    assert sum(int(i["balance"]["N"]) for i in final) == n * start
    assert all(int(i["balance"]["N"]) >= 0 for i in final)

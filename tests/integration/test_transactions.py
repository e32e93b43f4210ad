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


@pytest.mark.V
def test_a_mistyped_key_cancels_with_one_validation_error_and_none_elsewhere(ddb):
    # [V] scylladb test/alternator/test_transact.py "cancellation_reasons_validationerror" (run against AWS): only
    # the first bad action is reported, and even a false condition after it reads "None".
    table = _accounts(ddb, 1, 1)
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"id": {"N": "7"}}}},
                {"Put": {"TableName": table, "Item": {"id": {"N": "8"}}}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"id": {"S": "x"}},
                        "ConditionExpression": "attribute_exists(id)",
                    }
                },
            ]
        )
    assert error_of(exc) == (
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError, None, None]",
    )
    assert exc.value.response["CancellationReasons"] == [
        {
            "Code": "ValidationError",
            "Message": "One or more parameter values were invalid: Type mismatch for key id expected: S actual: N",
        },
        {"Code": "None"},
        {"Code": "None"},
    ]
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"id": {"S": "a0"}},
                        "ConditionExpression": "id = :x",
                        "ExpressionAttributeValues": {":x": {"S": "other"}},
                    }
                },
                {"Delete": {"TableName": table, "Key": {"id": {"N": "1"}}}},
            ]
        )
    assert exc.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ValidationError", "Message": "The provided key element does not match the schema"},
    ]


@pytest.mark.D
def test_updating_a_key_attribute_cancels_with_a_validation_error(ddb):
    # [D] api/TransactWriteItems lists "One or more parameter values were invalid." among ValidationError reasons;
    # DynamoDB Local answers this update with a cancellation too.
    table = _accounts(ddb, 2, 1)
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"id": {"S": "new"}}}},
                {"Update": {"TableName": table, "Key": {"id": {"S": "a1"}}, "UpdateExpression": "REMOVE id"}},
            ]
        )
    assert exc.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {
            "Code": "ValidationError",
            "Message": "One or more parameter values were invalid: Cannot update attribute id. This attribute is part "
            "of the key",
        },
    ]
    assert "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": "new"}})


@pytest.mark.V
def test_whole_request_errors_outrank_a_mistyped_key(ddb):
    table = _accounts(ddb, 1, 1)
    bad = {"Put": {"TableName": table, "Item": {"id": {"N": "7"}}}}
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                bad,
                {"Put": {"TableName": table, "Item": {"id": {"S": "a0"}}}},
                {"Delete": {"TableName": table, "Key": {"id": {"S": "a0"}}}},
            ]
        )
    assert error_of(exc) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[bad, {"Put": {"TableName": unique("nope"), "Item": {"id": {"S": "x"}}}}]
        )
    assert error_of(exc)[0] == "ResourceNotFoundException"


@pytest.mark.V
def test_the_4mb_limit_counts_the_request_not_the_items_it_touches(ddb):
    # [V] scylladb test_transact.py "put_5MB" ("size cannot exceed") and "delete_5MB" (deleting large items is
    # fine); the wording and the Payload Size (items or keys, expressions and their values) are DynamoDB Local's.
    table = _accounts(ddb, 0, 0)
    big = "x" * 390_000
    for i in range(11):
        ddb.put_item(TableName=table, Item={"id": {"S": f"b{i:02d}"}, "v": {"S": big}})
    ddb.transact_write_items(
        TransactItems=[{"Delete": {"TableName": table, "Key": {"id": {"S": f"b{i:02d}"}}}} for i in range(11)]
    )
    updates = [
        {
            "Update": {
                "TableName": table,
                "Key": {"id": {"S": f"b{i:02d}"}},
                "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": {"S": big}},
            }
        }
        for i in range(11)
    ]
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(TransactItems=updates)
    per_action = len("id") + len("b00") + len(big) + len("SET v = :v")
    assert error_of(exc) == (
        "ValidationException",
        f"Transaction payload size cannot exceed 4MB. Payload Size: {11 * per_action}",
    )


@pytest.mark.P
def test_an_empty_condition_check_expression_is_reported_as_empty(ddb):
    # [P] dynalite test/putItem.js and deleteItem.js give this wording for an empty ConditionExpression; DynamoDB
    # Local gives it for ConditionCheck as well.
    table = _accounts(ddb, 1, 1)
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"ConditionCheck": {"TableName": table, "Key": {"id": {"S": "a0"}}, "ConditionExpression": ""}}
            ]
        )
    assert error_of(exc) == ("ValidationException", "Invalid ConditionExpression: The expression can not be empty;")


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

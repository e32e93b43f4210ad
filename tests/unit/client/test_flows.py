"""Retries, pagination, batch chunking and waiting, through ``MockTransport`` on both twins, deterministically.

Delays are recorded instead of slept, and jitter is pinned (``FIXED_RETRY``), so each delay equals its bound
``min(1.0, 0.1 * 2**n)``. Limits: 25 writes and 100 keys per batch [D BatchWriteItem, BatchGetItem].
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from nubis.client import (
    ConditionalCheckFailedException,
    InternalServerError,
    OperationRequest,
    ProvisionedThroughputExceededException,
    ResourceNotFoundException,
    Retry,
    TransportError,
    UnprocessedItemsError,
    WaiterError,
)
from nubis.client._flows import is_retryable
from nubis.client.errors import error_from_body

THROTTLED = {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", "message": "slow"}


def fail(body: dict[str, Any], status: int = 400) -> Any:
    raise error_from_body(status, body)


def test_retry_delays_grow_exponentially_up_to_the_cap():
    retry = Retry(max_attempts=10, base_delay=0.1, max_delay=1.0, jitter=lambda: 1.0)
    assert [retry.delay(n) for n in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert Retry(jitter=lambda: 0.5).delay(100) == 10.0  # huge retry numbers do not overflow


def test_jitter_scales_within_the_bound():
    draws = itertools.cycle([0.0, 0.25, 0.999])
    retry = Retry(base_delay=1.0, max_delay=8.0, jitter=lambda: next(draws))
    assert [retry.delay(3) for _ in range(3)] == [0.0, 2.0, 7.992]


def test_throttling_is_retried_until_success(make_mock, sleeps):
    answers = iter([THROTTLED, THROTTLED, None])

    def handler(request: OperationRequest) -> dict[str, Any]:
        body = next(answers)
        return {"Item": {"pk": {"S": "a"}}} if body is None else fail(body)

    client, transport = make_mock(handler)
    assert client.get_item(TableName="t", Key={"pk": {"S": "a"}}) == {"Item": {"pk": {"S": "a"}}}
    assert len(transport.requests) == 3
    assert all(r is transport.requests[0] for r in transport.requests)  # the same request, unchanged
    assert sleeps == [0.1, 0.2]


def test_retries_are_bounded_and_the_last_error_is_raised(make_mock, sleeps):
    client, transport = make_mock(lambda request: fail(THROTTLED))
    with pytest.raises(ProvisionedThroughputExceededException) as caught:
        client.put_item(TableName="t", Item={"pk": {"S": "a"}})
    assert caught.value.message == "slow"
    assert len(transport.requests) == 5  # FIXED_RETRY.max_attempts sends in all
    assert sleeps == [0.1, 0.2, 0.4, 0.8]
    assert sum(sleeps) <= 4 * 1.0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError"}, 500),
        ({"__type": "com.amazon.coral.availability#ThrottlingException"}, 400),
        ({"__type": "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded"}, 400),
        ({"__type": "com.amazonaws.dynamodb.v20120810#TransactionInProgressException"}, 400),
        ({}, 503),
        ({}, 502),
    ],
)
def test_retryable_answers(body, status):
    assert is_retryable(error_from_body(status, body))


@pytest.mark.parametrize(
    "type_name",
    [
        "ConditionalCheckFailedException",
        "ValidationException",
        "TransactionCanceledException",
        "ResourceNotFoundException",
    ],
)
def test_client_errors_are_not_retried(make_mock, sleeps, type_name):
    client, transport = make_mock(lambda request: fail({"__type": f"x#{type_name}"}))
    with pytest.raises(error_from_body(400, {"__type": f"x#{type_name}"}).__class__):
        client.delete_item(TableName="t", Key={"pk": {"S": "a"}})
    assert len(transport.requests) == 1
    assert sleeps == []


def test_transport_failures_are_retried(make_mock, sleeps):
    failures = iter([TransportError("reset"), None])

    def handler(request: OperationRequest) -> dict[str, Any]:
        failure = next(failures)
        if failure is not None:
            raise failure
        return {}

    client, transport = make_mock(handler)
    assert client.describe_limits() == {}
    assert len(transport.requests) == 2


def test_retry_max_attempts_one_disables_retries(make_mock, sleeps):
    client, transport = make_mock(lambda request: fail({}, 500), retry=Retry(max_attempts=1))
    with pytest.raises(InternalServerError):
        client.describe_limits()
    assert len(transport.requests) == 1
    assert sleeps == []


def test_transactions_get_one_idempotency_token_reused_by_retries(make_mock):
    answers = iter([{"__type": "x#InternalServerError"}, None, None])

    def handler(request: OperationRequest) -> dict[str, Any]:
        body = next(answers)
        return {} if body is None else fail(body, 500)

    client, transport = make_mock(handler)
    client.transact_write_items(TransactItems=[])
    tokens = [r.body["ClientRequestToken"] for r in transport.requests]
    assert len(tokens) == 2 and tokens[0] == tokens[1]
    client.execute_transaction(TransactStatements=[], ClientRequestToken="mine")
    assert transport.requests[-1].body["ClientRequestToken"] == "mine"


def test_requests_carry_the_client_region_and_a_copy_of_the_keywords(make_mock):
    client, transport = make_mock(lambda request: {})
    client.get_item(TableName="t", Key={"pk": {"S": "a"}})
    assert transport.requests == [
        OperationRequest("GetItem", "us-east-1", {"TableName": "t", "Key": {"pk": {"S": "a"}}})
    ]


# -- pagination ------------------------------------------------------------------------------------------------


def test_pagination_feeds_the_last_key_back_and_stops_without_one(make_mock):
    pages: dict[str | None, dict[str, Any]] = {
        None: {"Items": [{"n": {"N": "1"}}], "LastEvaluatedKey": {"pk": {"S": "1"}}},
        "1": {"Items": [], "Count": 0, "LastEvaluatedKey": {"pk": {"S": "2"}}},  # empty page, more to come
        "2": {"Items": [{"n": {"N": "3"}}]},
    }

    def handler(request: OperationRequest) -> dict[str, Any]:
        start = request.body.get("ExclusiveStartKey")
        return pages[start["pk"]["S"] if start else None]

    client, transport = make_mock(handler)
    got = list(client.paginate_query(TableName="t", KeyConditionExpression="pk = :p", Limit=1))
    assert got == list(pages.values())
    assert [r.body.get("ExclusiveStartKey") for r in transport.requests] == [
        None,
        {"pk": {"S": "1"}},
        {"pk": {"S": "2"}},
    ]
    assert all(r.body["Limit"] == 1 for r in transport.requests)


def test_pagination_retries_a_throttled_page(make_mock, sleeps):
    answers: Iterator[dict[str, Any]] = iter(
        [{"Items": [], "LastEvaluatedKey": {"k": {"S": "1"}}}, THROTTLED, {"Items": []}]
    )

    def handler(request: OperationRequest) -> dict[str, Any]:
        body = next(answers)
        return fail(body) if "__type" in body else body

    client, _ = make_mock(handler)
    assert len(list(client.paginate_scan(TableName="t"))) == 2
    assert sleeps == [0.1]


def test_list_tables_and_statement_pagination_use_their_own_tokens(make_mock):
    def handler(request: OperationRequest) -> dict[str, Any]:
        if request.operation == "ListTables":
            return (
                {"TableNames": ["b"]}
                if request.body.get("ExclusiveStartTableName")
                else {"TableNames": ["a"], "LastEvaluatedTableName": "a"}
            )
        return {"Items": []} if request.body.get("NextToken") else {"Items": [], "NextToken": "n1"}

    client, transport = make_mock(handler)
    assert [p["TableNames"] for p in client.paginate_list_tables()] == [["a"], ["b"]]
    assert len(list(client.paginate_execute_statement(Statement="SELECT * FROM t"))) == 2
    assert transport.requests[-1].body["NextToken"] == "n1"


# -- batches ---------------------------------------------------------------------------------------------------


def put(i: int) -> dict[str, Any]:
    return {"PutRequest": {"Item": {"pk": {"S": str(i)}}}}


def test_batch_write_all_chunks_by_25(make_mock, sleeps):
    client, transport = make_mock(lambda request: {"UnprocessedItems": {}})
    client.batch_write_all("t", [{"pk": {"S": str(i)}} for i in range(60)], [{"pk": {"S": "d"}}])
    sizes = [len(r.body["RequestItems"]["t"]) for r in transport.requests]
    assert sizes == [25, 25, 11]
    assert transport.requests[-1].body["RequestItems"]["t"][-1] == {"DeleteRequest": {"Key": {"pk": {"S": "d"}}}}
    assert sleeps == []


def test_batch_write_all_requeues_unprocessed_items_first_with_backoff(make_mock, sleeps):
    calls = itertools.count()

    def handler(request: OperationRequest) -> dict[str, Any]:
        chunk = request.body["RequestItems"]["t"]
        n = next(calls)
        if n in (0, 1):  # two responses in a row leave the last 5 unprocessed
            return {"UnprocessedItems": {"t": chunk[-5:]}}
        return {"UnprocessedItems": {}}

    client, transport = make_mock(handler)
    client.batch_write_all("t", [{"pk": {"S": str(i)}} for i in range(30)])
    chunks = [r.body["RequestItems"]["t"] for r in transport.requests]
    assert chunks[0] == [put(i) for i in range(25)]
    assert chunks[1] == [put(i) for i in range(20, 30)]  # the 5 unprocessed first, then the 5 not yet sent
    assert chunks[2] == [put(i) for i in range(25, 30)]
    assert len(chunks) == 3
    assert sleeps == [0.1, 0.2]


def test_batch_write_all_gives_up_after_max_attempts_without_progress(make_mock, sleeps):
    def handler(request: OperationRequest) -> dict[str, Any]:
        return {"UnprocessedItems": request.body["RequestItems"]}

    client, transport = make_mock(handler)
    with pytest.raises(UnprocessedItemsError) as caught:
        client.batch_write_all("t", [{"pk": {"S": str(i)}} for i in range(30)])
    assert len(transport.requests) == 5
    assert caught.value.unprocessed == {"t": [put(i) for i in range(30)]}  # nothing written: all of it comes back
    assert sleeps == [0.1, 0.2, 0.4, 0.8]


def test_batch_get_all_chunks_by_100_dedupes_and_retries_unprocessed_keys(make_mock, sleeps):
    first = True

    def handler(request: OperationRequest) -> dict[str, Any]:
        nonlocal first
        spec = request.body["RequestItems"]["t"]
        assert spec["ConsistentRead"] is True
        keys = spec["Keys"]
        if first:
            first = False
            return {"Responses": {"t": keys[:90]}, "UnprocessedKeys": {"t": {**spec, "Keys": keys[90:]}}}
        return {"Responses": {"t": keys}}

    client, transport = make_mock(handler)
    keys = [{"pk": {"S": str(i)}} for i in range(150)]
    found = client.batch_get_all("t", keys + keys[:10], ConsistentRead=True)
    assert sorted(int(i["pk"]["S"]) for i in found) == list(range(150))
    assert [len(r.body["RequestItems"]["t"]["Keys"]) for r in transport.requests] == [100, 60]
    assert sleeps == [0.1]


def test_batch_get_all_gives_up_with_the_keys_left(make_mock):
    client, _ = make_mock(lambda request: {"Responses": {"t": []}, "UnprocessedKeys": request.body["RequestItems"]})
    with pytest.raises(UnprocessedItemsError) as caught:
        client.batch_get_all("t", [{"pk": {"S": "a"}}], ProjectionExpression="pk")
    assert caught.value.unprocessed == {"t": {"ProjectionExpression": "pk", "Keys": [{"pk": {"S": "a"}}]}}


def test_batch_errors_propagate(make_mock):
    client, _ = make_mock(lambda request: fail({"__type": "x#ConditionalCheckFailedException"}))
    with pytest.raises(ConditionalCheckFailedException):
        client.batch_write_all("t", [{"pk": {"S": "a"}}])


# -- waiters ---------------------------------------------------------------------------------------------------


def test_wait_table_active_polls_through_not_found_and_creating_indexes(make_mock, sleeps):
    states = iter(
        [
            None,
            {"TableStatus": "CREATING"},
            {"TableStatus": "ACTIVE", "GlobalSecondaryIndexes": [{"IndexName": "g", "IndexStatus": "CREATING"}]},
            {"TableStatus": "ACTIVE", "GlobalSecondaryIndexes": [{"IndexName": "g", "IndexStatus": "ACTIVE"}]},
        ]
    )

    def handler(request: OperationRequest) -> dict[str, Any]:
        state = next(states)
        return fail({"__type": "x#ResourceNotFoundException"}) if state is None else {"Table": state}

    client, transport = make_mock(handler)
    assert client.wait_table_active("t", delay=2.5)["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert len(transport.requests) == 4
    assert sleeps == [2.5, 2.5, 2.5]


def test_wait_table_active_can_ignore_indexes(make_mock):
    table = {"TableStatus": "ACTIVE", "GlobalSecondaryIndexes": [{"IndexStatus": "CREATING"}]}
    client, _ = make_mock(lambda request: {"Table": table})
    assert client.wait_table_active("t", include_indexes=False) == table


def test_waiters_give_up(make_mock, sleeps):
    client, transport = make_mock(lambda request: {"Table": {"TableStatus": "DELETING"}})
    with pytest.raises(WaiterError, match="last status: DELETING"):
        client.wait_table_active("t", delay=1.0, max_attempts=3)
    with pytest.raises(WaiterError):
        client.wait_table_deleted("t", delay=1.0, max_attempts=2)
    assert len(transport.requests) == 5
    assert sleeps == [1.0, 1.0, 1.0]


def test_wait_table_deleted_returns_on_not_found(make_mock):
    client, _ = make_mock(lambda request: fail({"__type": "x#ResourceNotFoundException"}))
    assert client.wait_table_deleted("t") is None
    with pytest.raises(ResourceNotFoundException):
        client.describe_table(TableName="t")

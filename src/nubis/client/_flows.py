"""The client's logic as sans-I/O generators: retries, pagination, batch chunking and waiting, written once.

A flow is a generator that yields commands and is resumed with their outcome:

- ``Send(request)``: send one operation. The driver resumes the flow with the response body, or *throws* the
  ``ClientError``/``TransportError`` into it, so flows handle failures with ordinary ``try``/``except``.
- ``Sleep(seconds)``: wait. The driver resumes with ``None``; ``time.sleep`` or ``asyncio.sleep`` (or a test's
  recorder) does the waiting.
- ``Emit(page)``: hand one page to the caller of an iterator (pagination). The driver resumes with ``None``.

The flow's return value is the call's result. ``Client`` and ``AsyncClient`` each hold one ~20-line loop that runs
flows (httpx's ``auth_flow`` and h11's pattern): no I/O, clock or randomness here, so every loop below is tested
deterministically through ``MockTransport`` and both drivers run exactly the same logic.

Retries follow AWS's guidance for DynamoDB: throttling (``ProvisionedThroughputExceededException``,
``ThrottlingException``, ``RequestLimitExceeded``, ``TransactionInProgressException``), 5xx answers and transport
failures are retried with *full jitter* exponential backoff (delay uniform in ``[0, min(cap, base·2^n))``), up to
``max_attempts`` sends in all [D AWS "Error retries and exponential backoff"; botocore's standard mode retries the
same codes]. Unprocessed batch items are not errors, so they get their own loop with the same backoff.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal, TypeVar

from nubis.client.errors import (
    ClientError,
    ResourceNotFoundException,
    TransportError,
    UnprocessedItemsError,
    WaiterError,
)
from nubis.client.types import Item, Key, OperationRequest, Response

R = TypeVar("R")

BATCH_WRITE_MAX: Final = 25
"""Write requests per BatchWriteItem [D BatchWriteItem: "up to 25 put or delete requests"]."""

BATCH_GET_MAX: Final = 100
"""Keys per BatchGetItem [D BatchGetItem: "up to 100 items"]."""

RETRYABLE_CODES: Final = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
"""Codes worth sending again unchanged [D DynamoDB "Error handling": "OK to retry?" column]."""

IDEMPOTENT_TOKEN_OPERATIONS: Final = frozenset({"TransactWriteItems", "ExecuteTransaction"})
"""Operations with an idempotency token that the client fills in, as botocore does, so a retry after a lost
answer is applied once [D TransactWriteItems ClientRequestToken]."""


@dataclass(frozen=True, slots=True)
class Send:
    request: OperationRequest


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class Emit:
    value: Response


Command = Send | Sleep | Emit
Flow = Generator[Command, Any, R]


@dataclass(frozen=True, slots=True)
class Retry:
    """How hard the client tries: bounded attempts and a capped, jittered exponential delay.

    The defaults are botocore's for DynamoDB (10 attempts, 50 ms base); the cap keeps a long throttle from
    sleeping minutes at a time. ``jitter`` returns a float in ``[0, 1)``; tests inject a fixed one.
    """

    max_attempts: int = 10
    """Sends in all, the first included (1 disables retries)."""
    base_delay: float = 0.05
    """Seconds; the delay's upper bound before the n-th retry is ``base_delay * 2**n``."""
    max_delay: float = 20.0
    """Seconds; no single delay is longer."""
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, retry_number: int) -> float:
        """The wait before retry ``retry_number`` (0 for the first retry)."""
        bound = min(self.max_delay, self.base_delay * float(1 << min(retry_number, 62)))
        return self.jitter() * bound


def is_retryable(exc: BaseException) -> bool:
    """Whether sending the same request again may succeed."""
    if isinstance(exc, TransportError):
        return True
    if isinstance(exc, ClientError):
        return exc.code in RETRYABLE_CODES or exc.status >= 500
    return False


def prepare_body(operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """The body to send: a copy of the caller's keywords, with an idempotency token where the operation has one."""
    body = dict(request)
    if operation in IDEMPOTENT_TOKEN_OPERATIONS and "ClientRequestToken" not in body:
        body["ClientRequestToken"] = str(uuid.uuid4())
    return body


# -- flows -----------------------------------------------------------------------------------------------------


def call(request: OperationRequest, retry: Retry) -> Flow[Response]:
    """Send one operation, retrying throttling, 5xx and transport failures."""
    attempt = 1
    while True:
        try:
            response: Response = yield Send(request)
            return response
        except (ClientError, TransportError) as exc:
            if attempt >= retry.max_attempts or not is_retryable(exc):
                raise
        # Sleep outside the ``except`` block, so a later failure does not chain this one as its context.
        yield Sleep(retry.delay(attempt - 1))
        attempt += 1


def paginate(request: OperationRequest, retry: Retry, token_in: str, token_out: str) -> Flow[None]:
    """Emit every page of a paged read, feeding each page's ``token_out`` back as ``token_in``.

    A page may be empty yet carry a token (a filter removed everything it read), so the loop stops on a missing
    token only, never on an empty page.
    """
    body = dict(request.body)
    while True:
        page = yield from call(replace(request, body=body), retry)
        yield Emit(page)
        token = page.get(token_out)
        if not token:
            return None
        body = {**body, token_in: token}


def batch_write_all(
    table: str, puts: Iterable[Item], deletes: Iterable[Key], region: str, retry: Retry, **extra: Any
) -> Flow[None]:
    """Write everything through BatchWriteItem, 25 requests at a time, until nothing is unprocessed.

    Unprocessed requests go back to the front of the queue and fill the next batch (as boto3's ``batch_writer``
    does). The delay grows with each response that left something unprocessed and resets after a clean one; the
    loop gives up after ``retry.max_attempts`` responses in a row that processed nothing, raising
    ``UnprocessedItemsError`` with everything not written.
    """
    queue: deque[dict[str, Any]] = deque({"PutRequest": {"Item": item}} for item in puts)
    queue.extend({"DeleteRequest": {"Key": key}} for key in deletes)
    backoff = stalled = 0
    while queue:
        chunk = [queue.popleft() for _ in range(min(BATCH_WRITE_MAX, len(queue)))]
        body = {**extra, "RequestItems": {table: chunk}}
        response = yield from call(OperationRequest("BatchWriteItem", region, body), retry)
        left = (response.get("UnprocessedItems") or {}).get(table) or []
        if not left:
            backoff = stalled = 0
            continue
        queue.extendleft(reversed(left))
        stalled = stalled + 1 if len(left) >= len(chunk) else 0
        if stalled >= retry.max_attempts:
            raise UnprocessedItemsError(
                f"BatchWriteItem left {len(queue)} request(s) unprocessed after {stalled} attempts",
                {table: list(queue)},
            )
        yield Sleep(retry.delay(backoff))
        backoff += 1


def batch_get_all(
    table: str, keys: Iterable[Key], region: str, retry: Retry, options: Mapping[str, Any]
) -> Flow[list[Item]]:
    """Read every key through BatchGetItem, 100 at a time, retrying ``UnprocessedKeys``; returns the items found.

    Duplicate keys are sent once (DynamoDB refuses a request that repeats a key). Items come back in no particular
    order, as from DynamoDB; keys with no item are simply absent. Backoff and giving up work as in
    ``batch_write_all``.
    """
    queue: deque[Key] = deque(_unique(keys))
    found: list[Item] = []
    backoff = stalled = 0
    while queue:
        chunk = [queue.popleft() for _ in range(min(BATCH_GET_MAX, len(queue)))]
        body = {"RequestItems": {table: {**options, "Keys": chunk}}}
        response = yield from call(OperationRequest("BatchGetItem", region, body), retry)
        found.extend((response.get("Responses") or {}).get(table) or [])
        left = ((response.get("UnprocessedKeys") or {}).get(table) or {}).get("Keys") or []
        if not left:
            backoff = stalled = 0
            continue
        queue.extendleft(reversed(left))
        stalled = stalled + 1 if len(left) >= len(chunk) else 0
        if stalled >= retry.max_attempts:
            raise UnprocessedItemsError(
                f"BatchGetItem left {len(queue)} key(s) unprocessed after {stalled} attempts",
                {table: {**options, "Keys": list(queue)}},
            )
        yield Sleep(retry.delay(backoff))
        backoff += 1
    return found


def wait_table(
    table: str,
    want: Literal["ACTIVE", "DELETED"],
    region: str,
    retry: Retry,
    *,
    delay: float,
    max_attempts: int,
    include_indexes: bool = True,
) -> Flow[Response]:
    """Poll DescribeTable until the table is ACTIVE (with its global indexes, by default) or gone.

    ``ResourceNotFoundException`` while waiting for ACTIVE means "not visible yet" (AWS's ``table_exists``
    waiter treats it the same way). Returns the last ``Table`` description (``{}`` for DELETED).

    Raises:
        WaiterError: the state was not reached in ``max_attempts`` polls.
    """
    request = OperationRequest("DescribeTable", region, {"TableName": table})
    status = "missing"
    for attempt in range(max_attempts):
        try:
            response = yield from call(request, retry)
        except ResourceNotFoundException:
            if want == "DELETED":
                return {}
        else:
            description: Response = response.get("Table") or {}
            status = description.get("TableStatus", "missing")
            indexes = (description.get("GlobalSecondaryIndexes") or []) if include_indexes else []
            if want == "ACTIVE" and status == "ACTIVE" and all(i.get("IndexStatus") == "ACTIVE" for i in indexes):
                return description
        if attempt + 1 < max_attempts:
            yield Sleep(delay)
    raise WaiterError(f"table {table!r} did not become {want} after {max_attempts} polls (last status: {status})")


def _unique(keys: Iterable[Key]) -> list[Key]:
    seen: set[str] = set()
    out: list[Key] = []
    for key in keys:
        marker = repr(sorted(key.items()))
        if marker not in seen:
            seen.add(marker)
            out.append(key)
    return out

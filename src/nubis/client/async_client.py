"""``AsyncClient``: the asyncio twin of ``Client``, with the same method names (only ``aclose`` differs).

    async with AsyncClient.in_process() as client:
        await client.put_item(TableName="t", Item={"pk": {"S": "a"}})
        async for page in client.paginate_query(TableName="t", KeyConditionExpression="pk = :p", ...): ...

Same flows as ``Client`` (``_flows``), driven with ``await``: the transport's ``handle_async_request`` and
``asyncio.sleep``. The in-process transport awaits the engine's storage future for writes and runs long reads on
the engine's reader pool, so the event loop is never blocked by storage.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, Unpack, cast

from nubis.client import _flows, types as t
from nubis.client._flows import Emit, Flow, Retry, Send, Sleep
from nubis.client.errors import ClientError, TransportError
from nubis.client.transports.base import AsyncTransport
from nubis.client.transports.inprocess import EngineLike, InProcessTransport
from nubis.client.types import Item, Key, OperationRequest, Response

if TYPE_CHECKING:
    from nubis.client.transports.http import CredentialsLike

__all__ = ["AsyncClient"]

R = TypeVar("R")
In = TypeVar("In")
Out = TypeVar("Out")


class AsyncClient:
    """An asyncio DynamoDB client over any ``AsyncTransport``; arguments as ``Client`` (``sleep`` is awaited)."""

    def __init__(
        self,
        transport: AsyncTransport,
        *,
        region: str = "us-east-1",
        retry: Retry | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.transport = transport
        self.region = region
        self.retry = retry if retry is not None else Retry()
        self._sleep = sleep
        self._closers: list[Callable[[], object]] = []

    # -- construction ----------------------------------------------------------------------------------------

    @classmethod
    def in_process(
        cls,
        engine: EngineLike | str = "memory:",
        *,
        region: str = "us-east-1",
        retry: Retry | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> AsyncClient:
        """As ``Client.in_process``."""
        if isinstance(engine, str):
            transport = InProcessTransport.open(engine)
            client = cls(transport, region=region, retry=retry, sleep=sleep)
            client._closers.append(transport.close)
            return client
        return cls(InProcessTransport(engine), region=region, retry=retry, sleep=sleep)

    @classmethod
    def http(
        cls,
        endpoint_url: str | None = None,
        region: str | None = None,
        credentials: CredentialsLike | None = None,
        *,
        timeout: float = 60.0,
        retry: Retry | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> AsyncClient:
        """As ``Client.http``, over ``httpx.AsyncClient``."""
        from nubis.client.transports.http import AsyncHttpTransport, aws_endpoint, resolve_region

        region = resolve_region(region)
        transport = AsyncHttpTransport(endpoint_url or aws_endpoint(region), credentials, timeout=timeout)
        client = cls(transport, region=region, retry=retry, sleep=sleep)
        client._closers.append(transport.aclose)
        return client

    @classmethod
    def from_env(
        cls, *, retry: Retry | None = None, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
    ) -> AsyncClient:
        """As ``Client.from_env``."""
        endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL") or None
        return cls.http(endpoint, None, None, retry=retry, sleep=sleep)

    async def aclose(self) -> None:
        """Close what the factories opened; idempotent."""
        closers, self._closers = self._closers, []
        for closer in reversed(closers):
            result = closer()
            if inspect.isawaitable(result):
                await result

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # -- the driver ------------------------------------------------------------------------------------------

    def _request(self, operation: str, request: Mapping[str, Any]) -> OperationRequest:
        return OperationRequest(operation, self.region, _flows.prepare_body(operation, request))

    async def _call(self, operation: t.Operation[In, Out], request: In) -> Out:
        flow = _flows.call(self._request(operation.name, cast(Mapping[str, Any], request)), self.retry)
        return cast(Out, await self._run(flow))

    async def _perform(self, command: Send | Sleep) -> tuple[Any, ClientError | TransportError | None]:
        if isinstance(command, Sleep):
            await self._sleep(command.seconds)
            return None, None
        try:
            return await self.transport.handle_async_request(command.request), None
        except (ClientError, TransportError) as exc:
            return None, exc

    async def _run(self, flow: Flow[R]) -> R:
        outcome: Any = None
        failure: ClientError | TransportError | None = None
        while True:
            try:
                command = flow.send(outcome) if failure is None else flow.throw(failure)
            except StopIteration as stop:
                return cast(R, stop.value)
            if isinstance(command, Emit):
                raise RuntimeError("a flow run for its result emitted a page")
            outcome, failure = await self._perform(command)

    async def _iterate(self, flow: Flow[None]) -> AsyncIterator[Response]:
        outcome: Any = None
        failure: ClientError | TransportError | None = None
        while True:
            try:
                command = flow.send(outcome) if failure is None else flow.throw(failure)
            except StopIteration:
                return
            if isinstance(command, Emit):
                outcome, failure = None, None
                yield command.value
            else:
                outcome, failure = await self._perform(command)

    # -- helpers ---------------------------------------------------------------------------------------------

    async def paginate_query(self, **request: Unpack[t.QueryInput]) -> AsyncIterator[t.QueryOutput]:
        """As ``Client.paginate_query``, as an async iterator."""
        pages = _flows.paginate(self._request("Query", request), self.retry, "ExclusiveStartKey", "LastEvaluatedKey")
        async for page in self._iterate(pages):
            yield cast(t.QueryOutput, page)

    async def paginate_scan(self, **request: Unpack[t.ScanInput]) -> AsyncIterator[t.ScanOutput]:
        """As ``Client.paginate_scan``, as an async iterator."""
        pages = _flows.paginate(self._request("Scan", request), self.retry, "ExclusiveStartKey", "LastEvaluatedKey")
        async for page in self._iterate(pages):
            yield cast(t.ScanOutput, page)

    async def paginate_list_tables(self, **request: Unpack[t.ListTablesInput]) -> AsyncIterator[t.ListTablesOutput]:
        """As ``Client.paginate_list_tables``, as an async iterator."""
        pages = _flows.paginate(
            self._request("ListTables", request), self.retry, "ExclusiveStartTableName", "LastEvaluatedTableName"
        )
        async for page in self._iterate(pages):
            yield cast(t.ListTablesOutput, page)

    async def paginate_execute_statement(
        self, **request: Unpack[t.ExecuteStatementInput]
    ) -> AsyncIterator[t.ExecuteStatementOutput]:
        """As ``Client.paginate_execute_statement``, as an async iterator."""
        pages = _flows.paginate(self._request("ExecuteStatement", request), self.retry, "NextToken", "NextToken")
        async for page in self._iterate(pages):
            yield cast(t.ExecuteStatementOutput, page)

    async def batch_write_all(self, table: str, puts: Iterable[Item] = (), deletes: Iterable[Key] = ()) -> None:
        """As ``Client.batch_write_all``."""
        await self._run(_flows.batch_write_all(table, puts, deletes, self.region, self.retry))

    async def batch_get_all(self, table: str, keys: Iterable[Key], **options: Unpack[t.BatchGetOptions]) -> list[Item]:
        """As ``Client.batch_get_all``."""
        return await self._run(_flows.batch_get_all(table, keys, self.region, self.retry, options))

    async def wait_table_active(
        self, table: str, *, delay: float = 1.0, max_attempts: int = 600, include_indexes: bool = True
    ) -> t.TableDescription:
        """As ``Client.wait_table_active``."""
        flow = _flows.wait_table(
            table,
            "ACTIVE",
            self.region,
            self.retry,
            delay=delay,
            max_attempts=max_attempts,
            include_indexes=include_indexes,
        )
        return cast(t.TableDescription, await self._run(flow))

    async def wait_table_deleted(self, table: str, *, delay: float = 1.0, max_attempts: int = 600) -> None:
        """As ``Client.wait_table_deleted``."""
        await self._run(
            _flows.wait_table(table, "DELETED", self.region, self.retry, delay=delay, max_attempts=max_attempts)
        )

    # -- operations ------------------------------------------------------------------------------------------

    async def create_table(self, **request: Unpack[t.CreateTableInput]) -> t.CreateTableOutput:
        """CreateTable. The table may start CREATING: follow with ``wait_table_active``."""
        return await self._call(t.CREATE_TABLE, request)

    async def describe_table(self, **request: Unpack[t.DescribeTableInput]) -> t.DescribeTableOutput:
        """DescribeTable."""
        return await self._call(t.DESCRIBE_TABLE, request)

    async def update_table(self, **request: Unpack[t.UpdateTableInput]) -> t.UpdateTableOutput:
        """UpdateTable (billing, throughput, streams, global index creation and deletion)."""
        return await self._call(t.UPDATE_TABLE, request)

    async def delete_table(self, **request: Unpack[t.DeleteTableInput]) -> t.DeleteTableOutput:
        """DeleteTable."""
        return await self._call(t.DELETE_TABLE, request)

    async def update_time_to_live(self, **request: Unpack[t.UpdateTimeToLiveInput]) -> t.UpdateTimeToLiveOutput:
        """UpdateTimeToLive: enable or disable expiry on one Number attribute (epoch seconds)."""
        return await self._call(t.UPDATE_TIME_TO_LIVE, request)

    async def describe_time_to_live(self, **request: Unpack[t.DescribeTimeToLiveInput]) -> t.DescribeTimeToLiveOutput:
        """DescribeTimeToLive."""
        return await self._call(t.DESCRIBE_TIME_TO_LIVE, request)

    async def list_tables(self, **request: Unpack[t.ListTablesInput]) -> t.ListTablesOutput:
        """ListTables: one page of names; ``paginate_list_tables`` walks them all."""
        return await self._call(t.LIST_TABLES, request)

    async def tag_resource(self, **request: Unpack[t.TagResourceInput]) -> t.EmptyOutput:
        """TagResource."""
        return await self._call(t.TAG_RESOURCE, request)

    async def untag_resource(self, **request: Unpack[t.UntagResourceInput]) -> t.EmptyOutput:
        """UntagResource."""
        return await self._call(t.UNTAG_RESOURCE, request)

    async def list_tags_of_resource(self, **request: Unpack[t.ListTagsOfResourceInput]) -> t.ListTagsOfResourceOutput:
        """ListTagsOfResource."""
        return await self._call(t.LIST_TAGS_OF_RESOURCE, request)

    async def describe_limits(self, **request: Unpack[t.EmptyInput]) -> t.DescribeLimitsOutput:
        """DescribeLimits."""
        return await self._call(t.DESCRIBE_LIMITS, request)

    async def describe_endpoints(self, **request: Unpack[t.EmptyInput]) -> t.DescribeEndpointsOutput:
        """DescribeEndpoints."""
        return await self._call(t.DESCRIBE_ENDPOINTS, request)

    async def put_item(self, **request: Unpack[t.PutItemInput]) -> t.PutItemOutput:
        """PutItem. A false ConditionExpression raises ``ConditionalCheckFailedException``."""
        return await self._call(t.PUT_ITEM, request)

    async def get_item(self, **request: Unpack[t.GetItemInput]) -> t.GetItemOutput:
        """GetItem. No ``Item`` in the response means no such item."""
        return await self._call(t.GET_ITEM, request)

    async def update_item(self, **request: Unpack[t.UpdateItemInput]) -> t.UpdateItemOutput:
        """UpdateItem. A false ConditionExpression raises ``ConditionalCheckFailedException``."""
        return await self._call(t.UPDATE_ITEM, request)

    async def delete_item(self, **request: Unpack[t.DeleteItemInput]) -> t.DeleteItemOutput:
        """DeleteItem. A false ConditionExpression raises ``ConditionalCheckFailedException``."""
        return await self._call(t.DELETE_ITEM, request)

    async def query(self, **request: Unpack[t.QueryInput]) -> t.QueryOutput:
        """Query: one page (``LastEvaluatedKey`` marks more); ``paginate_query`` walks them all."""
        return await self._call(t.QUERY, request)

    async def scan(self, **request: Unpack[t.ScanInput]) -> t.ScanOutput:
        """Scan: one page (``LastEvaluatedKey`` marks more); ``paginate_scan`` walks them all."""
        return await self._call(t.SCAN, request)

    async def batch_get_item(self, **request: Unpack[t.BatchGetItemInput]) -> t.BatchGetItemOutput:
        """BatchGetItem, once: ``UnprocessedKeys`` are the caller's; ``batch_get_all`` retries them."""
        return await self._call(t.BATCH_GET_ITEM, request)

    async def batch_write_item(self, **request: Unpack[t.BatchWriteItemInput]) -> t.BatchWriteItemOutput:
        """BatchWriteItem, once: ``UnprocessedItems`` are the caller's; ``batch_write_all`` retries them."""
        return await self._call(t.BATCH_WRITE_ITEM, request)

    async def transact_write_items(self, **request: Unpack[t.TransactWriteItemsInput]) -> t.TransactWriteItemsOutput:
        """TransactWriteItems; fills ``ClientRequestToken`` when absent, so a retry is applied once.

        A cancellation raises ``TransactionCanceledException``, whose ``reasons`` say which action failed.
        """
        return await self._call(t.TRANSACT_WRITE_ITEMS, request)

    async def transact_get_items(self, **request: Unpack[t.TransactGetItemsInput]) -> t.TransactGetItemsOutput:
        """TransactGetItems."""
        return await self._call(t.TRANSACT_GET_ITEMS, request)

    async def execute_statement(self, **request: Unpack[t.ExecuteStatementInput]) -> t.ExecuteStatementOutput:
        """ExecuteStatement (PartiQL): one page (``NextToken`` marks more)."""
        return await self._call(t.EXECUTE_STATEMENT, request)

    async def batch_execute_statement(
        self, **request: Unpack[t.BatchExecuteStatementInput]
    ) -> t.BatchExecuteStatementOutput:
        """BatchExecuteStatement (PartiQL): per-statement errors come back in ``Responses``, not raised."""
        return await self._call(t.BATCH_EXECUTE_STATEMENT, request)

    async def execute_transaction(self, **request: Unpack[t.ExecuteTransactionInput]) -> t.ExecuteTransactionOutput:
        """ExecuteTransaction (PartiQL); fills ``ClientRequestToken`` when absent, as ``transact_write_items``."""
        return await self._call(t.EXECUTE_TRANSACTION, request)

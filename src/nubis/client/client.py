"""``Client``: the blocking DynamoDB client, one method per operation plus the loops everyone rewrites.

    client = Client.in_process()                                  # an engine in this process, memory storage
    client = Client.http("http://127.0.0.1:8000", "us-east-1", credentials=("id", "secret"))  # a Nubis server
    client = Client.http(region="eu-west-1")                      # AWS DynamoDB, standard credential chain

    client.put_item(TableName="t", Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)")
    for page in client.paginate_query(TableName="t", KeyConditionExpression="pk = :p", ...): ...

Methods take the request as keywords and return the response, both in DynamoDB's wire shapes, as boto3's
low-level client does (``types`` has the shapes; binaries stay base64 text). Errors are the ``errors`` catalogue.

This is a thin driver: what to send, when to retry and how long to wait come from the ``_flows`` generators; this
class only performs their commands through its ``Transport`` and ``time.sleep``. ``AsyncClient`` is the same
driver over ``await``, with the same method names (only ``close``/``aclose`` differ). The driver never asks
which transport it has.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, Unpack, cast

from nubis.client import _flows, types as t
from nubis.client._flows import Emit, Flow, Retry, Send, Sleep
from nubis.client.errors import ClientError, TransportError
from nubis.client.transports.base import Transport
from nubis.client.transports.inprocess import EngineLike, InProcessTransport
from nubis.client.types import Item, Key, OperationRequest, Response

if TYPE_CHECKING:
    from nubis.client.transports.http import CredentialsLike

__all__ = ["Client"]

R = TypeVar("R")
In = TypeVar("In")
Out = TypeVar("Out")


class Client:
    """A blocking DynamoDB client over any ``Transport``.

    Args:
        transport: where requests go. The caller keeps owning a transport passed in; the factories
            (``in_process``, ``http``, ``from_env``) hand theirs to the client, which closes it in ``close``.
        region: the region every request names (over HTTP, also the signature's scope).
        retry: attempts and backoff for throttling, 5xx, transport failures and unprocessed batch items.
        sleep: how to wait between attempts (tests inject a recorder).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        region: str = "us-east-1",
        retry: Retry | None = None,
        sleep: Callable[[float], object] = time.sleep,
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
        sleep: Callable[[float], object] = time.sleep,
    ) -> Client:
        """A client calling a ``nubis.tables`` engine in this process: no server, no HTTP.

        Args:
            engine: an engine (the caller keeps owning it), or a storage URL (``memory:``, ``sqlite:path``) for a
                new engine that ``close`` closes.
            region, retry, sleep: as for ``Client``.
        """
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
        sleep: Callable[[float], object] = time.sleep,
    ) -> Client:
        """A client speaking DynamoDB's HTTP protocol, signed with SigV4.

        Args:
            endpoint_url: a Nubis server (``http://127.0.0.1:8000``) or any DynamoDB endpoint; ``None`` means AWS
                DynamoDB itself (``https://dynamodb.<region>.amazonaws.com``).
            region: the region; ``None`` reads the standard configuration (``AWS_REGION``, the profile).
            credentials: ``(access_key, secret_key[, token])`` or botocore ``Credentials``; ``None`` resolves
                botocore's standard chain (environment, shared files, SSO, container and instance roles).
            timeout: seconds for httpx (connecting is capped at 10 s).
            retry, sleep: as for ``Client``.

        Raises:
            ValueError: no region or no credentials could be found.
        """
        from nubis.client.transports.http import HttpTransport, aws_endpoint, resolve_region

        region = resolve_region(region)
        transport = HttpTransport(endpoint_url or aws_endpoint(region), credentials, timeout=timeout)
        client = cls(transport, region=region, retry=retry, sleep=sleep)
        client._closers.append(transport.close)
        return client

    @classmethod
    def from_env(cls, *, retry: Retry | None = None, sleep: Callable[[float], object] = time.sleep) -> Client:
        """``http`` configured the way every AWS SDK is: ``AWS_ENDPOINT_URL_DYNAMODB`` (or ``AWS_ENDPOINT_URL``),
        the configured region and the standard credential chain, so one environment points code at Nubis or AWS.
        """
        endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL") or None
        return cls.http(endpoint, None, None, retry=retry, sleep=sleep)

    def close(self) -> None:
        """Close what the factories opened (HTTP connections, an engine made from a URL); idempotent."""
        closers, self._closers = self._closers, []
        for closer in reversed(closers):
            closer()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the driver ------------------------------------------------------------------------------------------

    def _request(self, operation: str, request: Mapping[str, Any]) -> OperationRequest:
        return OperationRequest(operation, self.region, _flows.prepare_body(operation, request))

    def _call(self, operation: t.Operation[In, Out], request: In) -> Out:
        flow = _flows.call(self._request(operation.name, cast(Mapping[str, Any], request)), self.retry)
        return cast(Out, self._run(flow))

    def _perform(self, command: Send | Sleep) -> tuple[Any, ClientError | TransportError | None]:
        if isinstance(command, Sleep):
            self._sleep(command.seconds)
            return None, None
        try:
            return self.transport.handle_request(command.request), None
        except (ClientError, TransportError) as exc:
            return None, exc

    def _run(self, flow: Flow[R]) -> R:
        outcome: Any = None
        failure: ClientError | TransportError | None = None
        while True:
            try:
                command = flow.send(outcome) if failure is None else flow.throw(failure)
            except StopIteration as stop:
                return cast(R, stop.value)
            if isinstance(command, Emit):
                raise RuntimeError("a flow run for its result emitted a page")
            outcome, failure = self._perform(command)

    def _iterate(self, flow: Flow[None]) -> Iterator[Response]:
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
                outcome, failure = self._perform(command)

    # -- helpers ---------------------------------------------------------------------------------------------

    def paginate_query(self, **request: Unpack[t.QueryInput]) -> Iterator[t.QueryOutput]:
        """Every page of a Query, lazily (``Limit`` is the page size); stops when no ``LastEvaluatedKey`` comes."""
        pages = _flows.paginate(self._request("Query", request), self.retry, "ExclusiveStartKey", "LastEvaluatedKey")
        yield from cast(Iterator[t.QueryOutput], self._iterate(pages))

    def paginate_scan(self, **request: Unpack[t.ScanInput]) -> Iterator[t.ScanOutput]:
        """Every page of a Scan (or of one ``Segment`` of a parallel scan), lazily."""
        pages = _flows.paginate(self._request("Scan", request), self.retry, "ExclusiveStartKey", "LastEvaluatedKey")
        yield from cast(Iterator[t.ScanOutput], self._iterate(pages))

    def paginate_list_tables(self, **request: Unpack[t.ListTablesInput]) -> Iterator[t.ListTablesOutput]:
        """Every page of ListTables, lazily."""
        pages = _flows.paginate(
            self._request("ListTables", request), self.retry, "ExclusiveStartTableName", "LastEvaluatedTableName"
        )
        yield from cast(Iterator[t.ListTablesOutput], self._iterate(pages))

    def paginate_execute_statement(
        self, **request: Unpack[t.ExecuteStatementInput]
    ) -> Iterator[t.ExecuteStatementOutput]:
        """Every page of a PartiQL ``SELECT``, lazily (``NextToken`` in, ``NextToken`` out)."""
        pages = _flows.paginate(self._request("ExecuteStatement", request), self.retry, "NextToken", "NextToken")
        yield from cast(Iterator[t.ExecuteStatementOutput], self._iterate(pages))

    def batch_write_all(self, table: str, puts: Iterable[Item] = (), deletes: Iterable[Key] = ()) -> None:
        """Put and delete any number of items through BatchWriteItem, 25 at a time, retrying unprocessed ones.

        Not atomic (a failure leaves earlier batches written) and not ordered: DynamoDB refuses a batch that names
        one key twice, so do not put and delete the same key in one call.

        Raises:
            UnprocessedItemsError: DynamoDB kept leaving requests unprocessed; ``unprocessed`` has the rest.
        """
        self._run(_flows.batch_write_all(table, puts, deletes, self.region, self.retry))

    def batch_get_all(self, table: str, keys: Iterable[Key], **options: Unpack[t.BatchGetOptions]) -> list[Item]:
        """Get any number of items through BatchGetItem, 100 keys at a time, retrying unprocessed keys.

        Returns the items found, in no particular order (as DynamoDB returns them); missing keys are absent.
        ``options`` are ``KeysAndAttributes`` members (``ConsistentRead``, ``ProjectionExpression``,
        ``ExpressionAttributeNames``).

        Raises:
            UnprocessedItemsError: DynamoDB kept leaving keys unprocessed; ``unprocessed`` has the rest.
        """
        return self._run(_flows.batch_get_all(table, keys, self.region, self.retry, options))

    def wait_table_active(
        self, table: str, *, delay: float = 1.0, max_attempts: int = 600, include_indexes: bool = True
    ) -> t.TableDescription:
        """Poll until ``table`` is ACTIVE and, unless ``include_indexes`` is false, so are its global indexes
        (a Query on a CREATING index fails). Returns the table's description.

        Raises:
            WaiterError: not ACTIVE after ``max_attempts`` polls, ``delay`` seconds apart.
        """
        flow = _flows.wait_table(
            table,
            "ACTIVE",
            self.region,
            self.retry,
            delay=delay,
            max_attempts=max_attempts,
            include_indexes=include_indexes,
        )
        return cast(t.TableDescription, self._run(flow))

    def wait_table_deleted(self, table: str, *, delay: float = 1.0, max_attempts: int = 600) -> None:
        """Poll until DescribeTable says ``table`` does not exist.

        Raises:
            WaiterError: still there after ``max_attempts`` polls.
        """
        self._run(_flows.wait_table(table, "DELETED", self.region, self.retry, delay=delay, max_attempts=max_attempts))

    # -- operations ------------------------------------------------------------------------------------------

    def create_table(self, **request: Unpack[t.CreateTableInput]) -> t.CreateTableOutput:
        """CreateTable. The table may start CREATING: follow with ``wait_table_active``."""
        return self._call(t.CREATE_TABLE, request)

    def describe_table(self, **request: Unpack[t.DescribeTableInput]) -> t.DescribeTableOutput:
        """DescribeTable."""
        return self._call(t.DESCRIBE_TABLE, request)

    def update_table(self, **request: Unpack[t.UpdateTableInput]) -> t.UpdateTableOutput:
        """UpdateTable (billing, throughput, streams, global index creation and deletion)."""
        return self._call(t.UPDATE_TABLE, request)

    def delete_table(self, **request: Unpack[t.DeleteTableInput]) -> t.DeleteTableOutput:
        """DeleteTable."""
        return self._call(t.DELETE_TABLE, request)

    def update_time_to_live(self, **request: Unpack[t.UpdateTimeToLiveInput]) -> t.UpdateTimeToLiveOutput:
        """UpdateTimeToLive: enable or disable expiry on one Number attribute (epoch seconds)."""
        return self._call(t.UPDATE_TIME_TO_LIVE, request)

    def describe_time_to_live(self, **request: Unpack[t.DescribeTimeToLiveInput]) -> t.DescribeTimeToLiveOutput:
        """DescribeTimeToLive."""
        return self._call(t.DESCRIBE_TIME_TO_LIVE, request)

    def list_tables(self, **request: Unpack[t.ListTablesInput]) -> t.ListTablesOutput:
        """ListTables: one page of names; ``paginate_list_tables`` walks them all."""
        return self._call(t.LIST_TABLES, request)

    def tag_resource(self, **request: Unpack[t.TagResourceInput]) -> t.EmptyOutput:
        """TagResource."""
        return self._call(t.TAG_RESOURCE, request)

    def untag_resource(self, **request: Unpack[t.UntagResourceInput]) -> t.EmptyOutput:
        """UntagResource."""
        return self._call(t.UNTAG_RESOURCE, request)

    def list_tags_of_resource(self, **request: Unpack[t.ListTagsOfResourceInput]) -> t.ListTagsOfResourceOutput:
        """ListTagsOfResource."""
        return self._call(t.LIST_TAGS_OF_RESOURCE, request)

    def describe_limits(self, **request: Unpack[t.EmptyInput]) -> t.DescribeLimitsOutput:
        """DescribeLimits."""
        return self._call(t.DESCRIBE_LIMITS, request)

    def describe_endpoints(self, **request: Unpack[t.EmptyInput]) -> t.DescribeEndpointsOutput:
        """DescribeEndpoints."""
        return self._call(t.DESCRIBE_ENDPOINTS, request)

    def put_item(self, **request: Unpack[t.PutItemInput]) -> t.PutItemOutput:
        """PutItem. A false ConditionExpression raises ``ConditionalCheckFailedException``."""
        return self._call(t.PUT_ITEM, request)

    def get_item(self, **request: Unpack[t.GetItemInput]) -> t.GetItemOutput:
        """GetItem. No ``Item`` in the response means no such item."""
        return self._call(t.GET_ITEM, request)

    def update_item(self, **request: Unpack[t.UpdateItemInput]) -> t.UpdateItemOutput:
        """UpdateItem. A false ConditionExpression raises ``ConditionalCheckFailedException``."""
        return self._call(t.UPDATE_ITEM, request)

    def delete_item(self, **request: Unpack[t.DeleteItemInput]) -> t.DeleteItemOutput:
        """DeleteItem. A false ConditionExpression raises ``ConditionalCheckFailedException``."""
        return self._call(t.DELETE_ITEM, request)

    def query(self, **request: Unpack[t.QueryInput]) -> t.QueryOutput:
        """Query: one page (``LastEvaluatedKey`` marks more); ``paginate_query`` walks them all."""
        return self._call(t.QUERY, request)

    def scan(self, **request: Unpack[t.ScanInput]) -> t.ScanOutput:
        """Scan: one page (``LastEvaluatedKey`` marks more); ``paginate_scan`` walks them all."""
        return self._call(t.SCAN, request)

    def batch_get_item(self, **request: Unpack[t.BatchGetItemInput]) -> t.BatchGetItemOutput:
        """BatchGetItem, once: ``UnprocessedKeys`` are the caller's; ``batch_get_all`` retries them."""
        return self._call(t.BATCH_GET_ITEM, request)

    def batch_write_item(self, **request: Unpack[t.BatchWriteItemInput]) -> t.BatchWriteItemOutput:
        """BatchWriteItem, once: ``UnprocessedItems`` are the caller's; ``batch_write_all`` retries them."""
        return self._call(t.BATCH_WRITE_ITEM, request)

    def transact_write_items(self, **request: Unpack[t.TransactWriteItemsInput]) -> t.TransactWriteItemsOutput:
        """TransactWriteItems; fills ``ClientRequestToken`` when absent, so a retry is applied once.

        A cancellation raises ``TransactionCanceledException``, whose ``reasons`` say which action failed.
        """
        return self._call(t.TRANSACT_WRITE_ITEMS, request)

    def transact_get_items(self, **request: Unpack[t.TransactGetItemsInput]) -> t.TransactGetItemsOutput:
        """TransactGetItems."""
        return self._call(t.TRANSACT_GET_ITEMS, request)

    def execute_statement(self, **request: Unpack[t.ExecuteStatementInput]) -> t.ExecuteStatementOutput:
        """ExecuteStatement (PartiQL): one page (``NextToken`` marks more)."""
        return self._call(t.EXECUTE_STATEMENT, request)

    def batch_execute_statement(self, **request: Unpack[t.BatchExecuteStatementInput]) -> t.BatchExecuteStatementOutput:
        """BatchExecuteStatement (PartiQL): per-statement errors come back in ``Responses``, not raised."""
        return self._call(t.BATCH_EXECUTE_STATEMENT, request)

    def execute_transaction(self, **request: Unpack[t.ExecuteTransactionInput]) -> t.ExecuteTransactionOutput:
        """ExecuteTransaction (PartiQL); fills ``ClientRequestToken`` when absent, as ``transact_write_items``."""
        return self._call(t.EXECUTE_TRANSACTION, request)

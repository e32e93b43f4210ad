"""``Engine``: the DynamoDB operations as Python calls taking and returning the wire's JSON shapes.

Requests and responses are the JSON objects of DynamoDB's protocol (already shape-checked by ``wire.validate`` when
they come over HTTP; the in-process client sends the same shapes). Operations come in two kinds:

- *writes* (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems) are split into ``prepare``
  (validation and expression compilation on the caller's thread), a write function that runs on the storage
  writer inside a group commit, and ``finish`` (the response). ``execute_async`` awaits the storage future
  directly: no thread-pool hop.
- *reads* whose work is small and bounded (GetItem; BatchGetItem and TransactGetItems, at most 100 keys; catalogue
  reads) run inline on the caller's thread: a thread-pool hop costs several times their work ([bench] ~150 µs hop
  vs ~18 µs GetItem). Query and Scan run inline under a row budget (``query.INLINE_ROW_BUDGET``); a page that
  needs more rows raises ``ReadBudgetExceeded`` and is run again, from a fresh snapshot, on the reader pool.
  Unbounded work never runs on the event loop, and every attempt sees one consistent snapshot.
- *control-plane writes* (CreateTable, DeleteTable, UpdateTable, tags) and PartiQL statements block on the storage
  writer, so ``execute_async`` runs them on the reader pool.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from nubis.tables import limits
from nubis.tables.engine import batch, indexes, items, partiql, query, transactions, ttl
from nubis.tables.engine.catalog import TOO_MANY_TAGS, Catalog, check_tag_keys, table_name_from
from nubis.tables.errors import (
    ResourceNotFoundException,
    UnknownOperationException,
    ValidationException,
    invalid_parameters,
)
from nubis.tables.expressions import CompiledExpressions, compile_expressions
from nubis.tables.schema import DEFAULT_ACCOUNT, TableDescription
from nubis.tables.storage.base import Storage, WriteView
from nubis.tables.values import check_item, item_size

Request = dict[str, Any]
Response = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PreparedWrite:
    fn: Callable[[WriteView], Any]
    finish: Callable[[Any], Response]


class Engine:
    """One engine per storage; thread-safe; ``close`` stops the reader pool and the storage."""

    def __init__(
        self,
        storage: Storage,
        *,
        account: str = DEFAULT_ACCOUNT,
        read_threads: int = 4,
        ttl_interval: float | None = 30.0,
    ) -> None:
        self.storage = storage
        self.catalog = Catalog(storage, account)
        self._readers = ThreadPoolExecutor(max_workers=read_threads, thread_name_prefix="nubis-read")
        self._writes: dict[str, Callable[[str, Request], PreparedWrite]] = {
            "PutItem": self._prepare_put,
            "UpdateItem": self._prepare_update,
            "DeleteItem": self._prepare_delete,
            "BatchWriteItem": self._prepare_batch_write,
            "TransactWriteItems": self._prepare_transact_write,
        }
        self._inline: dict[str, Callable[[str, Request], Response]] = {
            "DescribeTable": self.describe_table,
            "ListTables": self.list_tables,
            "DescribeLimits": self.describe_limits,
            "DescribeEndpoints": self.describe_endpoints,
            "ListTagsOfResource": self.list_tags_of_resource,
            "DescribeTimeToLive": self.describe_time_to_live,
            "GetItem": self.get_item,
            "BatchGetItem": self.batch_get_item,
            "TransactGetItems": self.transact_get_items,
        }
        self._budgeted: dict[str, Callable[..., Response]] = {"Query": self.query, "Scan": self.scan}
        self._blocking: dict[str, Callable[[str, Request], Response]] = {
            "CreateTable": self.create_table,
            "DeleteTable": self.delete_table,
            "UpdateTable": self.update_table,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "UpdateTimeToLive": self.update_time_to_live,
            # PartiQL statements run engine operations synchronously: off the event loop.
            "ExecuteStatement": lambda region, request: partiql.execute_statement(self, region, request),
            "BatchExecuteStatement": lambda region, request: partiql.batch_execute_statement(self, region, request),
            "ExecuteTransaction": lambda region, request: partiql.execute_transaction(self, region, request),
        }
        self._calls: dict[str, Callable[..., Response]] = {**self._inline, **self._budgeted, **self._blocking}
        self._closing = threading.Event()
        self._backfills: list[threading.Thread] = []
        self._resume_backfills()
        self.ttl = ttl.Sweeper(storage, self._all_tables, ttl_interval or 0.0)
        if ttl_interval:
            self.ttl.start()

    @property
    def operations(self) -> frozenset[str]:
        return frozenset(self._writes) | frozenset(self._calls)

    def execute(self, operation: str, region: str, request: Request) -> Response:
        prepare = self._writes.get(operation)
        if prepare is not None:
            prepared = prepare(region, request)
            return prepared.finish(self.storage.write(prepared.fn))
        call = self._calls.get(operation)
        if call is None:
            raise UnknownOperationException()
        result = call(region, request)
        self.storage.wait_durable()
        return result

    async def execute_async(self, operation: str, region: str, request: Request) -> Response:
        prepare = self._writes.get(operation)
        if prepare is not None:
            prepared = prepare(region, request)
            return prepared.finish(await self.storage.submit_async(prepared.fn))
        inline = self._inline.get(operation)
        if inline is not None:
            result = inline(region, request)
        else:
            result = await self._read_async(operation, region, request)
        # A read answers only once what it saw is durable (``Storage.durable``): usually there is nothing to wait for.
        barrier = self.storage.durable()
        if barrier is not None:
            await barrier
        return result

    async def _read_async(self, operation: str, region: str, request: Request) -> Response:
        loop = asyncio.get_running_loop()
        budgeted = self._budgeted.get(operation)
        if budgeted is not None:
            try:
                return budgeted(region, request, query.INLINE_ROW_BUDGET)
            except query.ReadBudgetExceeded:
                return await loop.run_in_executor(self._readers, budgeted, region, request)
        call = self._blocking.get(operation)
        if call is None:
            raise UnknownOperationException()
        return await loop.run_in_executor(self._readers, call, region, request)

    def close(self) -> None:
        self.ttl.stop()
        self._closing.set()
        for thread in self._backfills:
            thread.join()
        self._readers.shutdown(wait=True)
        self.storage.close()

    # -- index backfill ------------------------------------------------------------------------------------

    BACKFILL_CHUNK = 1000
    """Table rows indexed per write function: small enough that foreground writes wait at most a few ms."""

    def _start_backfill(self, table: TableDescription, index_name: str) -> None:
        thread = threading.Thread(
            target=self._backfill,
            args=(table, index_name),
            name=f"nubis-backfill:{table.name}/{index_name}",
            daemon=True,
        )
        self._backfills.append(thread)
        thread.start()

    def _backfill(self, table: TableDescription, index_name: str) -> None:
        cursor = None
        try:
            while not self._closing.is_set():
                cursor = self.catalog.backfill_step(table, index_name, cursor, self.BACKFILL_CHUNK)
                if cursor is None:
                    return
        except ResourceNotFoundException:
            return  # the table was deleted meanwhile
        except RuntimeError:
            if not self._closing.is_set():
                raise  # storage closed under us only during shutdown; resumed on the next start

    def _all_tables(self) -> list[TableDescription]:
        with self.storage.read() as view:
            return [TableDescription.from_json(raw) for _, raw in view.catalog_list("table/")]

    def _resume_backfills(self) -> None:
        """An index still CREATING when the last process stopped is backfilled again (each step is idempotent)."""
        for table in self._all_tables():
            for index in table.indexes:
                if index.status == "CREATING":
                    self._start_backfill(table, index.name)

    # -- control plane -------------------------------------------------------------------------------------

    def _describe(self, table: TableDescription) -> Response:
        with self.storage.read() as view:
            stats = view.stats(table.space)
            index_stats = {}
            for index in table.indexes:
                s = view.stats(index.space)
                index_stats[index.name] = (s.item_count, s.size_bytes)
        return table.to_wire(stats.item_count, stats.size_bytes, index_stats)

    def create_table(self, region: str, request: Request) -> Response:
        table = self.catalog.create(region, request)
        return {"TableDescription": {**table.to_wire(0, 0), "TableStatus": "CREATING"}}

    def describe_table(self, region: str, request: Request) -> Response:
        name = table_name_from(request["TableName"])
        table = self.catalog.find(region, name)
        if table is None:
            raise ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")
        return {"Table": self._describe(table)}

    def delete_table(self, region: str, request: Request) -> Response:
        table = self.catalog.delete(region, request["TableName"])
        return {"TableDescription": table.to_wire(0, 0)}

    def update_table(self, region: str, request: Request) -> Response:
        before = self.catalog.find(region, request["TableName"])
        table = self.catalog.update(region, request)
        existing = {i.name for i in before.indexes} if before is not None else set()
        for index in table.indexes:
            if index.status == "CREATING" and index.name not in existing:
                self._start_backfill(table, index.name)
        return {"TableDescription": self._describe(table)}

    def list_tables(self, region: str, request: Request) -> Response:
        limit = request.get("Limit") or limits.MAX_TABLES_PER_PAGE
        start = request.get("ExclusiveStartTableName")
        names = sorted(self.catalog.list_names(region))
        if start is not None:
            names = [n for n in names if n > start]
        page = names[:limit]
        out: Response = {"TableNames": page}
        if len(names) > limit:
            out["LastEvaluatedTableName"] = page[-1]
        return out

    def describe_time_to_live(self, region: str, request: Request) -> Response:
        name = table_name_from(request["TableName"])
        table = self.catalog.find(region, name)
        if table is None:
            raise ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")
        return ttl.describe(table)

    def update_time_to_live(self, region: str, request: Request) -> Response:
        return ttl.update(self.catalog, self.storage, region, request)

    def describe_limits(self, region: str, request: Request) -> Response:
        return {
            "AccountMaxReadCapacityUnits": limits.ACCOUNT_MAX_READ_CAPACITY,
            "AccountMaxWriteCapacityUnits": limits.ACCOUNT_MAX_WRITE_CAPACITY,
            "TableMaxReadCapacityUnits": limits.TABLE_MAX_READ_CAPACITY,
            "TableMaxWriteCapacityUnits": limits.TABLE_MAX_WRITE_CAPACITY,
        }

    def describe_endpoints(self, region: str, request: Request) -> Response:
        return {"Endpoints": [{"Address": f"dynamodb.{region}.amazonaws.com", "CachePeriodInMinutes": 1440}]}

    @staticmethod
    def _resource_of(arn: str) -> tuple[str, str, str]:
        """The (region, account, table name) a tagging call's ``ResourceArn`` names, once its form is checked.

        The tagging calls check the ARN, then the request's other members, then the table's existence ([P] dynalite
        tagResource tests: "Atleast one Tag ..." wins over ResourceNotFoundException).
        """
        if not arn.startswith("arn:"):
            # [V] AWS-verified error catalogue (ack-api-quirks, 2026-10-09). dynalite's older AWS-checked tests saw
            # AccessDeniedException for such strings, and "Invalid TableArn" for 'a:b:c:d:e:f/g'; the newer
            # catalogue wins.
            raise invalid_parameters(f"ARNs must start with 'arn:': {arn}")
        parts = arn.split(":")
        if len(parts) < 6 or parts[2] != "dynamodb" or not parts[5].startswith("table/"):
            raise ValidationException(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
        return parts[3], parts[4], parts[5][len("table/") :]

    def _table_by_arn(self, region: str, arn: str) -> TableDescription:
        arn_region, account, name = self._resource_of(arn)
        table = self.catalog.find(arn_region or region, name)
        if table is None or table.account != account:
            # [V] AWS-verified error catalogue (2026-10-09, live): "ResourceArn" (dynalite's older text says
            # "ResourcArn").
            raise ResourceNotFoundException(f"Requested resource not found: ResourceArn: {arn} not found")
        return table

    def tag_resource(self, region: str, request: Request) -> Response:
        self._resource_of(request["ResourceArn"])
        tags = request.get("Tags")
        if not tags:
            raise ValidationException("Atleast one Tag needs to be provided as Input.")
        check_tag_keys(tags)
        self.catalog.tag(self._table_by_arn(region, request["ResourceArn"]), tags)
        return {}

    def untag_resource(self, region: str, request: Request) -> Response:
        self._resource_of(request["ResourceArn"])
        keys = request.get("TagKeys")
        if not keys:
            raise ValidationException("Atleast one Tag Key needs to be provided as Input.")
        if len(keys) > limits.MAX_TAGS_PER_RESOURCE:
            raise ValidationException(TOO_MANY_TAGS)
        self.catalog.untag(self._table_by_arn(region, request["ResourceArn"]), keys)
        return {}

    def list_tags_of_resource(self, region: str, request: Request) -> Response:
        table = self._table_by_arn(region, request["ResourceArn"])
        return {"Tags": self.catalog.tags(table)}

    # -- items ---------------------------------------------------------------------------------------------

    def _compile_write(self, op: str, request: Request) -> CompiledExpressions:
        # Coral ignores members an operation does not define, so only UpdateItem reads the update members.
        is_update = op == "UpdateItem"
        return compile_expressions(
            kind=op,  # type: ignore[arg-type]
            update_expression=request.get("UpdateExpression") if is_update else None,
            condition_expression=request.get("ConditionExpression"),
            expression_attribute_names=request.get("ExpressionAttributeNames"),
            expression_attribute_values=request.get("ExpressionAttributeValues"),
            expected=request.get("Expected"),
            conditional_operator=request.get("ConditionalOperator"),
            attribute_updates=request.get("AttributeUpdates") if is_update else None,
        )

    def _prepare_item_write(
        self,
        request: Request,
        table: TableDescription,
        skey: items.StorageKey,
        compiled: CompiledExpressions,
        compute: items.Compute,
        return_values: str,
    ) -> PreparedWrite:
        """The shared tail of PutItem, UpdateItem and DeleteItem: one conditional write on the writer."""
        on_failure = request.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
        wants_metrics = request.get("ReturnItemCollectionMetrics") == "SIZE" and any(
            i.kind == "LSI" for i in table.indexes
        )

        def fn(view: WriteView) -> tuple[items.WriteOutcome, int | None]:
            outcome = items.apply_write(view, table, skey, compiled.condition, compute, on_failure)
            size = indexes.collection_bytes(view, outcome.table, skey[0], skey[1]) if wants_metrics else None
            return outcome, size

        def finish(result: tuple[items.WriteOutcome, int | None]) -> Response:
            outcome, size = result
            out = items.write_response(table, request, outcome, return_values, compiled)
            source = outcome.new if outcome.new is not None else outcome.old
            if size is not None and source is not None:
                out["ItemCollectionMetrics"] = indexes.collection_metrics(table, source, size)
            return out

        return PreparedWrite(fn, finish)

    def _prepare_put(self, region: str, request: Request) -> PreparedWrite:
        return_values = items.check_return_values("PutItem", request)
        item = check_item(request["Item"])
        size = item_size(item)
        if size > limits.MAX_ITEM_BYTES:
            raise ValidationException("Item size has exceeded the maximum allowed size")
        compiled = self._compile_write("PutItem", request)
        table = self.catalog.get(region, request["TableName"])
        skey = items.storage_key_of_item(table, item)
        if table.indexes:
            indexes.check_index_keys(table, item)
        return self._prepare_item_write(request, table, skey, compiled, items.put_compute(item, size), return_values)

    def _prepare_update(self, region: str, request: Request) -> PreparedWrite:
        return_values = items.check_return_values("UpdateItem", request)
        key = check_item(request["Key"])
        compiled = self._compile_write("UpdateItem", request)
        table = self.catalog.get(region, request["TableName"])
        skey = items.storage_key_of_key(table, key)
        items.check_update_keys(table, compiled)
        items.check_key_paths(table, compiled)
        compute = items.update_compute(table, key, compiled)
        return self._prepare_item_write(request, table, skey, compiled, compute, return_values)

    def _prepare_delete(self, region: str, request: Request) -> PreparedWrite:
        return_values = items.check_return_values("DeleteItem", request)
        key = check_item(request["Key"])
        compiled = self._compile_write("DeleteItem", request)
        table = self.catalog.get(region, request["TableName"])
        skey = items.storage_key_of_key(table, key)
        return self._prepare_item_write(request, table, skey, compiled, items.delete_compute, return_values)

    def _prepare_batch_write(self, region: str, request: Request) -> PreparedWrite:
        writes = batch.prepare_batch_write(self.catalog, region, request)
        metrics = request.get("ReturnItemCollectionMetrics") == "SIZE"
        return PreparedWrite(
            batch.batch_write_fn(writes, metrics), lambda result: batch.batch_write_response(request, result)
        )

    def _prepare_transact_write(self, region: str, request: Request) -> PreparedWrite:
        actions = transactions.prepare_write(self.catalog, region, request)
        return PreparedWrite(
            transactions.write_fn(region, request, actions),
            lambda result: transactions.write_response(request, result),
        )

    def transact_get_items(self, region: str, request: Request) -> Response:
        actions = transactions.prepare_get(self.catalog, region, request)
        with self.storage.read() as view:
            return transactions.run_get(view, request, actions)

    def get_item(self, region: str, request: Request) -> Response:
        key = check_item(request["Key"])
        compiled = compile_expressions(
            kind="GetItem",
            projection_expression=request.get("ProjectionExpression"),
            expression_attribute_names=request.get("ExpressionAttributeNames"),
            attributes_to_get=request.get("AttributesToGet"),
        )
        table = self.catalog.get(region, request["TableName"])
        h, pk, sk = items.storage_key_of_key(table, key)
        items.check_key_paths(table, compiled)
        raw = self.storage.get(table.space, h, pk, sk)
        return items.get_response(table, request, raw, compiled)

    def _compile_read(self, kind: str, request: Request) -> Any:
        return compile_expressions(
            kind=kind,  # type: ignore[arg-type]
            key_condition_expression=request.get("KeyConditionExpression"),
            filter_expression=request.get("FilterExpression"),
            projection_expression=request.get("ProjectionExpression"),
            expression_attribute_names=request.get("ExpressionAttributeNames"),
            expression_attribute_values=request.get("ExpressionAttributeValues"),
            key_conditions=request.get("KeyConditions"),
            query_filter=request.get("QueryFilter"),
            scan_filter=request.get("ScanFilter"),
            attributes_to_get=request.get("AttributesToGet"),
            conditional_operator=request.get("ConditionalOperator"),
        )

    def query(self, region: str, request: Request, budget: int | None = None) -> Response:
        compiled = self._compile_read("Query", request)
        select = query.check_select(request, compiled)
        table = self.catalog.get(region, request["TableName"])
        index = query.resolve_index(table, request, select)
        query.check_projected(table, index, compiled)
        with self.storage.read() as view:
            fetch = query.table_fetcher(view, table) if query.uses_table(table, index, compiled, select) else None
            return query.run_query(view, table, request, compiled, select, budget, index, fetch)

    def scan(self, region: str, request: Request, budget: int | None = None) -> Response:
        compiled = self._compile_read("Scan", request)
        select = query.check_select(request, compiled, "Scan")
        query.check_segments(request)
        table = self.catalog.get(region, request["TableName"])
        index = query.resolve_index(table, request, select)
        query.check_projected(table, index, compiled)
        with self.storage.read() as view:
            fetch = query.table_fetcher(view, table) if query.uses_table(table, index, compiled, select) else None
            return query.run_scan(view, table, request, compiled, select, budget, index, fetch)

    def batch_get_item(self, region: str, request: Request) -> Response:
        plan = batch.prepare_batch_get(self.catalog, region, request)
        with self.storage.read() as view:
            return batch.run_batch_get(view, request, plan)

"""BatchGetItem and BatchWriteItem: per-table expression compilation, limits, and the Unprocessed shapes.

Nubis processes every request it accepts, so ``UnprocessedKeys``/``UnprocessedItems`` are empty maps except when
a BatchGetItem response would pass 16 MB ([D] api/BatchGetItem), where the remaining keys come back unprocessed
in AWS's shape. All writes of one BatchWriteItem share one write function; AWS makes no atomicity promise for a
batch, so this is stricter than required, never looser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nubis.tables import limits
from nubis.tables.engine import indexes
from nubis.tables.engine.capacity import WriteTally, read_units
from nubis.tables.engine.catalog import Catalog
from nubis.tables.engine.items import Compute, StorageKey, apply_write, storage_key_of_item, storage_key_of_key
from nubis.tables.engine.stored import packed_size, unpack
from nubis.tables.errors import ValidationException
from nubis.tables.expressions import CompiledExpressions, compile_expressions
from nubis.tables.schema import TableDescription
from nubis.tables.storage.base import ReadView, WriteView
from nubis.tables.values import Item, check_item, item_size


def _capacity_list(mode: str | None, per_table: dict[str, float], *, read: bool) -> list[dict[str, Any]] | None:
    if mode not in ("TOTAL", "INDEXES"):
        return None
    member = "ReadCapacityUnits" if read else "WriteCapacityUnits"
    out = []
    for name, units in per_table.items():
        entry: dict[str, Any] = {"TableName": name, "CapacityUnits": units, member: units}
        if mode == "INDEXES":
            entry["Table"] = {"CapacityUnits": units, member: units}
        out.append(entry)
    return out


def prepare_batch_get(
    catalog: Catalog, region: str, request: dict[str, Any]
) -> list[tuple[TableDescription, dict[str, Any], CompiledExpressions, list[tuple[Item, StorageKey]]]]:
    request_items: dict[str, Any] = request["RequestItems"]
    for name, spec in request_items.items():
        if spec is None:  # DynamoDB Local's wording (the wire validator passes null map values on)
            raise ValidationException(
                f"The list of keys in RequestItems for BatchGetItem is required: {name} has empty list"
            )
    total = sum(len(spec.get("Keys") or []) for spec in request_items.values())
    if total > limits.MAX_BATCH_GET_KEYS:
        raise ValidationException("Too many items requested for the BatchGetItem call")
    compiled_specs = [
        compile_expressions(
            kind="BatchGetItem",
            projection_expression=spec.get("ProjectionExpression"),
            expression_attribute_names=spec.get("ExpressionAttributeNames"),
            attributes_to_get=spec.get("AttributesToGet"),
        )
        for spec in request_items.values()
    ]
    plan = []
    for (name, spec), compiled in zip(request_items.items(), compiled_specs, strict=True):
        table = catalog.get(region, name)
        seen: set[StorageKey] = set()
        keys = []
        for key in spec["Keys"]:
            skey = storage_key_of_key(table, check_item(key))
            if skey in seen:
                raise ValidationException("Provided list of item keys contains duplicates")
            seen.add(skey)
            keys.append((key, skey))
        plan.append((table, spec, compiled, keys))
    return plan


def run_batch_get(
    view: ReadView,
    request: dict[str, Any],
    plan: list[tuple[TableDescription, dict[str, Any], CompiledExpressions, list[tuple[Item, StorageKey]]]],
) -> dict[str, Any]:
    responses: dict[str, list[Item]] = {}
    unprocessed: dict[str, Any] = {}
    units: dict[str, float] = {}
    total_bytes = 0
    for table, spec, compiled, keys in plan:
        out = responses.setdefault(table.name, [])
        consistent = bool(spec.get("ConsistentRead"))
        for i, (_key, (h, pk, sk)) in enumerate(keys):
            if total_bytes >= limits.MAX_BATCH_GET_BYTES:
                rest = {k: v for k, v in spec.items() if k != "Keys"}
                unprocessed[table.name] = {**rest, "Keys": [k for k, _ in keys[i:]]}
                break
            raw = view.get(table.space, h, pk, sk)
            size = packed_size(raw) if raw is not None else 0
            units[table.name] = units.get(table.name, 0.0) + read_units(size, consistent)
            if raw is not None:
                total_bytes += size
                item = unpack(raw)
                out.append(compiled.projection(item) if compiled.projection is not None else item)
    result: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": unprocessed}
    cc = _capacity_list(request.get("ReturnConsumedCapacity"), units, read=True)
    if cc is not None:
        result["ConsumedCapacity"] = cc
    return result


BatchWrite = list[tuple[TableDescription, StorageKey, Item | None, Item]]
"""(table, storage key, the item to put or None to delete, the request's item or key)."""


def prepare_batch_write(catalog: Catalog, region: str, request: dict[str, Any]) -> BatchWrite:
    request_items: dict[str, Any] = request["RequestItems"]
    total = sum(len(reqs) for reqs in request_items.values())
    if total > limits.MAX_BATCH_WRITE_ITEMS:
        raise ValidationException("Too many items requested for the BatchWriteItem call")
    checked: list[tuple[str, list[tuple[str, Item]]]] = []
    for name, reqs in request_items.items():
        entries: list[tuple[str, Item]] = []
        for req in reqs:
            if req is None:  # DynamoDB Local's wording (the wire validator passes null list members on)
                raise ValidationException("The batch write request list for a table cannot be null or empty")
            put, delete = req.get("PutRequest"), req.get("DeleteRequest")
            if (put is None) == (delete is None):
                # Neither or both: [V] dynalite test/batchWriteItem.js "empty item in RequestItems".
                raise ValidationException(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
                    "supported datatypes"
                )
            if put is not None:
                item = check_item(put["Item"])
                if item_size(item) > limits.MAX_ITEM_BYTES:
                    raise ValidationException("Item size has exceeded the maximum allowed size")
                entries.append(("put", item))
            else:
                entries.append(("delete", check_item(delete["Key"])))
        checked.append((name, entries))
    writes: BatchWrite = []
    for name, entries in checked:
        table = catalog.get(region, name)
        seen: set[StorageKey] = set()
        for kind, value in entries:
            try:
                skey = storage_key_of_item(table, value) if kind == "put" else storage_key_of_key(table, value)
            except ValidationException as exc:
                if "Missing the key" in exc.message or "Type mismatch for key" in exc.message:
                    # [P] dynalite batchWriteItem: AWS reports these as a schema mismatch in batches.
                    raise ValidationException("The provided key element does not match the schema") from exc
                raise
            if skey in seen:
                raise ValidationException("Provided list of item keys contains duplicates")
            seen.add(skey)
            writes.append((table, skey, value if kind == "put" else None, value))
    return writes


def _constant(item: Item | None) -> Compute:
    sized = (item, item_size(item) if item is not None else 0)
    return lambda _old: sized


BatchOutcome = tuple[dict[str, WriteTally], dict[str, list[dict[str, Any]]]]


def batch_write_fn(writes: BatchWrite, metrics: bool) -> Callable[[WriteView], BatchOutcome]:
    def fn(view: WriteView) -> BatchOutcome:
        units: dict[str, WriteTally] = {}
        for table, skey, item, _ in writes:
            outcome = apply_write(view, table, skey, None, _constant(item), False)
            tally = units.get(table.name)
            if tally is None:
                tally = units[table.name] = WriteTally(kinds={i.name: i.kind for i in table.indexes})
            tally.add(outcome.old_size, outcome.new_size, outcome.index_bytes)
        touched = [(table, skey[0], skey[1], given[table.key_schema.hash.name]) for table, skey, _, given in writes]
        return units, (indexes.collections_touched(view, touched) if metrics else {})

    return fn


def batch_write_response(request: dict[str, Any], result: BatchOutcome) -> dict[str, Any]:
    units, collections = result
    out: dict[str, Any] = {"UnprocessedItems": {}}
    if collections:
        out["ItemCollectionMetrics"] = collections
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        out["ConsumedCapacity"] = [tally.consumed(name, mode) for name, tally in units.items()]
    return out

"""PutItem, GetItem, UpdateItem and DeleteItem: key extraction, then condition → apply → write.

Each write is built as a *write function* that runs on the storage writer inside the group commit: it reads the
current item, evaluates the condition against it, computes the new item, writes it and adjusts the table's
counters. Because the writer runs functions one at a time in order, a conditional write or an UpdateItem is
atomic with respect to every other write without any locking here.

Stored values are a 4-byte little-endian item size (DynamoDB's measure) followed by the orjson of the item, so the
old size needed for counters and write units never has to be recomputed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nubis.tables import limits
from nubis.tables.engine import indexes
from nubis.tables.engine.capacity import consumed, index_capacity, read_units, write_units
from nubis.tables.engine.catalog import Catalog
from nubis.tables.engine.stored import pack, packed_size, unpack
from nubis.tables.errors import (
    ConditionalCheckFailedException,
    ValidationException,
    invalid_parameter_values,
    invalid_parameters,
)
from nubis.tables.expressions import CompiledExpressions
from nubis.tables.keys import encode_key_value, partition_hash
from nubis.tables.schema import KeyAttribute, TableDescription
from nubis.tables.storage.base import WriteView
from nubis.tables.values import Item, decode_binary, item_size

StorageKey = tuple[int, bytes, bytes]
Sized = tuple[Item | None, int]
"""A new item (None: delete it) with its DynamoDB size, measured once, where the item is made."""
Compute = Callable[[Item | None], Sized]
"""From the current item (None: absent) to the new one."""


# -- keys ----------------------------------------------------------------------------------------------------


def _key_part_size(attr: KeyAttribute, raw: str, is_hash: bool) -> None:
    """[P] dynalite db checkKeySize: AWS's wording (including the missing space) for oversized keys."""
    if attr.type == "N":
        return
    size = len(raw.encode("utf-8")) if attr.type == "S" else len(decode_binary(raw))
    if is_hash and size > limits.MAX_PARTITION_KEY_BYTES:
        raise invalid_parameters("Size of hashkey has exceeded the maximum size limit of2048 bytes")
    if not is_hash and size > limits.MAX_SORT_KEY_BYTES:
        raise invalid_parameters("Aggregated size of all range keys has exceeded the size limit of 1024 bytes")


def _empty_key(attr: KeyAttribute) -> ValidationException:
    kind = "string" if attr.type == "S" else "binary"
    return invalid_parameter_values(
        f"The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {attr.name}"
    )


def storage_key_of_key(table: TableDescription, key: Item) -> StorageKey:
    """The storage key of a ``Key`` parameter, which must name exactly the key schema's attributes."""
    ks = table.key_schema
    if len(key) != (1 if ks.range is None else 2):
        raise ValidationException("The provided key element does not match the schema")
    parts: list[bytes] = []
    for attr, is_hash in ((ks.hash, True), (ks.range, False)):
        if attr is None:
            parts.append(b"")
            continue
        av = key.get(attr.name)
        if av is None or attr.type not in av:
            raise ValidationException("The provided key element does not match the schema")
        raw = av[attr.type]
        if raw == "" and attr.type in ("S", "B"):
            raise _empty_key(attr)
        _key_part_size(attr, raw, is_hash)
        parts.append(encode_key_value(av))
    return partition_hash(parts[0]), parts[0], parts[1]


def storage_key_of_item(table: TableDescription, item: Item) -> StorageKey:
    """The storage key of a whole item being written (AWS words these checks differently from ``Key``)."""
    ks = table.key_schema
    parts: list[bytes] = []
    for attr, is_hash in ((ks.hash, True), (ks.range, False)):
        if attr is None:
            parts.append(b"")
            continue
        av = item.get(attr.name)
        if av is None:
            raise invalid_parameters(f"Missing the key {attr.name} in the item")
        if attr.type not in av:
            actual = next(iter(av))
            raise invalid_parameters(f"Type mismatch for key {attr.name} expected: {attr.type} actual: {actual}")
        raw = av[attr.type]
        if raw == "" and attr.type in ("S", "B"):
            raise _empty_key(attr)
        _key_part_size(attr, raw, is_hash)
        parts.append(encode_key_value(av))
    return partition_hash(parts[0]), parts[0], parts[1]


def key_of(table: TableDescription, item: Item) -> Item:
    return {name: item[name] for name in table.key_schema.names}


# -- write functions -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What a write function reports back: the items before and after, their sizes, and index bytes written."""

    old: Item | None
    new: Item | None
    old_size: int
    new_size: int
    table: TableDescription
    """The table as it was when the write ran (its indexes may be newer than the request's copy)."""
    index_bytes: dict[str, int]


def read_current(
    view: WriteView, table: TableDescription, skey: StorageKey
) -> tuple[TableDescription, Item | None, int]:
    """The live table description, and the item stored under ``skey`` with its size."""
    live = Catalog.live(view, table)
    raw = view.get(live.space, *skey)
    if raw is None:
        return live, None, 0
    return live, unpack(raw), packed_size(raw)


def store(
    view: WriteView,
    table: TableDescription,
    skey: StorageKey,
    old: Item | None,
    old_size: int,
    new: Item | None,
    new_size: int,
) -> WriteOutcome:
    """Write (or, for ``new`` None, delete) one item of ``new_size`` bytes, keep every index in step, and keep the
    counters."""
    h, pk, sk = skey
    if table.indexes:
        if new is not None:
            indexes.check_index_keys(table, new)
        # Before anything is written: the collection check may refuse the write.
        indexes.track_collection(view, table, h, pk, old, old_size, new, new_size)
    index_bytes = indexes.maintain(view, table, old, new) if table.indexes else {}
    if new is None:
        if old is not None:
            view.delete(table.space, h, pk, sk)
            view.add_stats(table.space, -1, -old_size)
        return WriteOutcome(old, None, old_size, 0, table, index_bytes)
    view.put(table.space, h, pk, sk, pack(new, new_size))
    view.add_stats(table.space, 0 if old is not None else 1, new_size - old_size)
    return WriteOutcome(old, new, old_size, new_size, table, index_bytes)


def apply_write(
    view: WriteView,
    table: TableDescription,
    skey: StorageKey,
    condition: Callable[[Item | None], bool] | None,
    compute: Compute,
    return_old_on_failure: bool,
) -> WriteOutcome:
    """The single-item write path: read, check the condition, compute the new item (None deletes), store."""
    live, old, old_size = read_current(view, table, skey)
    if condition is not None and not condition(old):
        raise ConditionalCheckFailedException(item=old if return_old_on_failure else None)
    new, new_size = compute(old)
    return store(view, live, skey, old, old_size, new, new_size)


RETURN_VALUES = {
    "PutItem": ("NONE", "ALL_OLD"),
    "DeleteItem": ("NONE", "ALL_OLD"),
    "UpdateItem": ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"),
}


def check_return_values(op: str, request: dict[str, Any]) -> str:
    rv = request.get("ReturnValues") or "NONE"
    if rv not in RETURN_VALUES[op]:
        raise ValidationException("Return values set to invalid value")
    return str(rv)


def put_compute(item: Item, size: int) -> Compute:
    """PutItem's new item: the request's, whatever was there (``size`` is already known from the size check)."""
    sized = (item, size)
    return lambda _old: sized


def delete_compute(_old: Item | None) -> Sized:
    return None, 0


def update_compute(table: TableDescription, key: Item, compiled: CompiledExpressions) -> Compute:
    update = compiled.update
    # Index key attributes the update sets. A literal of another type (an UpdateExpression value, an
    # AttributeUpdates PUT or ADD) is refused with PutItem's "Type mismatch for Index Key" [V scylla
    # test_gsi.py/test_lsi.py test_*_wrong_type_attribute_update*, run against AWS; DynamoDB Local 3.3 agrees];
    # a value read from the item ("SET c = e") gets UpdateItem's own wording [V dynalite test/updateItem.js
    # "trying to update existing index"].
    index_keys = [
        (attr.name, attr.type, index.name, attr.name in compiled.updated_computed_top_level)
        for index in table.indexes
        for attr in index.key_schema.attributes
        if attr.name in compiled.updated_top_level
    ]

    def compute(old: Item | None) -> Sized:
        base = old if old is not None else dict(key)
        new = update(base) if update is not None else dict(base)
        for name, kind, index_name, computed in index_keys:
            value = new.get(name)
            if value is None:
                continue
            if kind in value:
                if value[kind] == "":
                    # [P] DynamoDB Local 3.3 and moto's test_gsi_key_cannot_be_empty, word for word; PutItem's
                    # wording (with IndexName and IndexKey) is checked later and is not reached.
                    raise invalid_parameter_values(
                        "The update expression attempted to update a secondary index key to a value that is not "
                        "supported. The AttributeValue for a key attribute cannot contain an empty "
                        f"{'string' if kind == 'S' else 'binary'} value."
                    )
                continue
            if computed:
                raise ValidationException(
                    "The update expression attempted to update the secondary index key to unsupported type"
                )
            raise invalid_parameters(
                f"Type mismatch for Index Key {name} Expected: {kind} Actual: {next(iter(value))} "
                f"IndexName: {index_name}"
            )
        size = item_size(new)
        if size > limits.MAX_ITEM_BYTES:
            raise ValidationException("Item size to update has exceeded the maximum allowed size")
        return new, size

    return compute


def check_key_paths(table: TableDescription, compiled: CompiledExpressions) -> None:
    """Key and index key attributes are scalars: a projection, filter or update path into one is refused
    [V dynalite db.validateKeyPaths, tests run against AWS: getItem.js, query.js, scan.js, updateItem.js]."""
    nested = compiled.nested_heads
    if not nested:
        return
    for name in table.key_schema.names:
        if name in nested:
            raise ValidationException(
                "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
                f"Key: {name}"
            )
    for index in table.indexes:
        for name in index.key_schema.names:
            if name in nested:
                raise ValidationException(
                    "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
                    f"IndexKey: {name}"
                )


def check_update_keys(table: TableDescription, compiled: CompiledExpressions) -> None:
    for name in table.key_schema.names:
        if name in compiled.updated_top_level:
            raise invalid_parameters(f"Cannot update attribute {name}. This attribute is part of the key")


def write_response(
    table: TableDescription,
    request: dict[str, Any],
    outcome: WriteOutcome,
    return_values: str,
    compiled: CompiledExpressions | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    attributes: Item | None = None
    if return_values == "ALL_OLD":
        attributes = outcome.old
    elif return_values == "ALL_NEW":
        attributes = outcome.new
    elif return_values in ("UPDATED_OLD", "UPDATED_NEW") and compiled is not None:
        source = outcome.old if return_values == "UPDATED_OLD" else outcome.new
        if source is not None and compiled.updated_paths is not None:
            attributes = compiled.updated_paths(source)
    if attributes:
        out["Attributes"] = attributes
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        out["ConsumedCapacity"] = write_capacity(table, outcome, mode, 1)
    return out


def write_capacity(table: TableDescription, outcome: WriteOutcome, mode: str, factor: int) -> dict[str, Any]:
    """Write units of the item and of every index entry written ([D] "each index write costs its own units")."""
    table_units = factor * write_units(outcome.old_size, outcome.new_size)
    index_units = {name: factor * write_units(size, 0) for name, size in outcome.index_bytes.items()}
    total = table_units + sum(index_units.values())
    cc = consumed(table.name, total, mode, read=False)
    assert cc is not None
    if mode == "INDEXES":
        cc["Table"] = {"CapacityUnits": table_units}
        kinds = {i.name: i.kind for i in outcome.table.indexes}
        cc.update(index_capacity(kinds, index_units))
    return cc


def get_response(
    table: TableDescription, request: dict[str, Any], raw: bytes | None, compiled: CompiledExpressions
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if raw is not None:
        item = unpack(raw)
        out["Item"] = compiled.projection(item) if compiled.projection is not None else item
    cc = consumed(
        table.name,
        read_units(packed_size(raw) if raw is not None else 0, bool(request.get("ConsistentRead"))),
        request.get("ReturnConsumedCapacity"),
        read=True,
    )
    if cc is not None:
        out["ConsumedCapacity"] = cc
    return out

"""Secondary-index maintenance and key encoding: every write path keeps every index in step, atomically.

An index is its own storage space. An entry's key is ``(h, pk, sk)`` with ``pk`` the encoded index partition key
and ``sk`` = ``esc(index sort key) + TERM`` (when the index has one) followed by the item's table key, so entries
with equal index keys stay distinct. ``esc`` doubles every zero byte as ``00 FF`` and ``TERM`` is ``00 00``: the
encoding is prefix-free, so "index sort key = v" is the byte range ``[esc(v)+TERM, successor(esc(v)+TERM))`` and
every comparison of the index sort key stays a byte range, exactly as for tables ([D] Query on indexes).

Maintenance runs inside the write function, on the writer, next to the item write: the old entry (from the item
before) is removed and the new one (from the item after) is written, with the index's counters. An item that
lacks an index key attribute simply has no entry (sparse indexes, [D] "Sparse indexes"). Index key attributes of
the wrong type or empty refuse the whole write, in AWS's words.
"""

from __future__ import annotations

from typing import Any

from nubis.tables import limits
from nubis.tables.engine.stored import pack
from nubis.tables.errors import ItemCollectionSizeLimitExceededException, invalid_parameter_values, invalid_parameters
from nubis.tables.keys import encode_key_value, partition_hash, prefix_successor
from nubis.tables.schema import IndexDescription, KeyAttribute, KeySchema, TableDescription
from nubis.tables.storage.base import ReadView, WriteView
from nubis.tables.values import AttributeValue, Item, item_size

TERM = b"\x00\x00"

StorageKey = tuple[int, bytes, bytes]


def escape(data: bytes) -> bytes:
    return data.replace(b"\x00", b"\x00\xff")


def sort_part(av: AttributeValue) -> bytes:
    """The prefix-free encoding of an index sort-key value."""
    return escape(encode_key_value(av)) + TERM


def table_key_suffix(table: TableDescription, item: Item) -> bytes:
    ks = table.key_schema
    suffix = escape(encode_key_value(item[ks.hash.name])) + TERM
    if ks.range is not None:
        suffix += encode_key_value(item[ks.range.name])
    return suffix


def _value(item: Item, attr: KeyAttribute) -> AttributeValue | None:
    av = item.get(attr.name)
    if av is None or attr.type not in av:
        return None
    return av


def entry_key(table: TableDescription, index: IndexDescription, item: Item) -> StorageKey | None:
    """Where ``item``'s entry lives in ``index``, or None when the item lacks an index key (sparse)."""
    ks = index.key_schema
    if ks.multi:
        return _multi_entry_key(table, ks, item)
    hash_value = _value(item, ks.hash)
    if hash_value is None:
        return None
    sk = b""
    if ks.range is not None:
        range_value = _value(item, ks.range)
        if range_value is None:
            return None
        sk = sort_part(range_value)
    pk = encode_key_value(hash_value)
    return partition_hash(pk), pk, sk + table_key_suffix(table, item)


def _multi_entry_key(table: TableDescription, ks: KeySchema, item: Item) -> StorageKey | None:
    """A multi-attribute key: each part prefix-free, so the parts sort as a tuple, left to right. An item
    lacking any one key attribute has no entry ([D] GSI.DesignPattern.MultiAttributeKeys, sparse indexes)."""
    hashes = []
    for attr in ks.hashes:
        value = _value(item, attr)
        if value is None:
            return None
        hashes.append(value)
    sk = b""
    for attr in ks.ranges:
        value = _value(item, attr)
        if value is None:
            return None
        sk += sort_part(value)
    pk = partition_part(tuple(hashes))
    return partition_hash(pk), pk, sk + table_key_suffix(table, item)


def partition_part(values: tuple[AttributeValue, ...]) -> bytes:
    """An index partition key's bytes: the one value's encoding, or the prefix-free parts of several."""
    if len(values) == 1:
        return encode_key_value(values[0])
    return b"".join(sort_part(v) for v in values)


def project(table: TableDescription, index: IndexDescription, item: Item) -> Item:
    keep = index.projected_names(table.key_schema.names)
    if keep is None:
        return item
    return {name: av for name, av in item.items() if name in keep}


def check_index_keys(table: TableDescription, item: Item) -> None:
    """Refuse an item whose index key attributes have the wrong type or are empty ([P] dynalite db.validateItem)."""
    for index in table.indexes:
        for attr in index.key_schema.attributes:
            av = item.get(attr.name)
            if av is None:
                continue
            if attr.type not in av:
                actual = next(iter(av))
                raise invalid_parameters(
                    f"Type mismatch for Index Key {attr.name} Expected: {attr.type} Actual: {actual} "
                    f"IndexName: {index.name}"
                )
            if av[attr.type] == "":
                raise invalid_parameter_values(
                    "A value specified for a secondary index key is not "
                    "supported. The AttributeValue for a key attribute cannot contain an empty "
                    f"{'string' if attr.type == 'S' else 'binary'} value. IndexName: {index.name}, "
                    f"IndexKey: {attr.name}"
                )


def maintain(view: WriteView, table: TableDescription, old: Item | None, new: Item | None) -> dict[str, int]:
    """Bring every live index from ``old`` to ``new``; returns the bytes billed per index (for capacity).

    Billing follows [D] GSI.html "Provisioned throughput considerations" (DynamoDB Local 3.3 agrees): an entry
    put or deleted is one write of its size; a changed index key is two (the old entry deleted, the new one
    put), so its billed bytes are the two entries' rounded sizes summed; an entry whose key and projected
    attributes are unchanged is not written at all and is left out.
    """
    written: dict[str, int] = {}
    for index in table.indexes:
        if index.status == "DELETING":
            continue
        old_key = entry_key(table, index, old) if old is not None else None
        new_key = entry_key(table, index, new) if new is not None else None
        if old_key is None and new_key is None:
            continue
        if index.backfilling and old_key is not None and view.get(index.space, *old_key) is None:
            # Not reached by the backfill yet: there is no old entry to replace.
            old_key = None
        old_entry = project(table, index, old) if old_key is not None and old is not None else None
        old_size = item_size(old_entry) if old_entry is not None else 0
        if old_key is not None and old_key != new_key:
            view.delete(index.space, *old_key)
            view.add_stats(index.space, -1, -old_size)
            old_size_kept = 0
        else:
            old_size_kept = old_size
        if new_key is not None and new is not None:
            entry = project(table, index, new)
            if old_key == new_key and entry == old_entry:
                continue
            size = item_size(entry)
            view.put(index.space, *new_key, pack(entry, size))
            view.add_stats(index.space, 0 if old_key == new_key else 1, size - old_size_kept)
            if old_key is not None and old_key != new_key:
                written[index.name] = _billed(old_size) + _billed(size)
            else:
                written[index.name] = max(size, old_size)
        else:
            written[index.name] = old_size
    return written


def _billed(size: int) -> int:
    """``size`` rounded up to whole write units (at least one), in bytes."""
    return max(1, -(-size // limits.WRITE_UNIT_BYTES)) * limits.WRITE_UNIT_BYTES


def index_sort_bounds(
    op: str | None, values: tuple[AttributeValue, ...], prefix: bytes = b""
) -> tuple[bytes | None, bool, bytes | None, bool]:
    """An index sort-key condition as a byte range over entry keys (see the module docstring).

    ``prefix`` holds the encoded equalities on the leading attributes of a multi-attribute sort key: the
    condition then narrows the range within it.
    """
    floor = prefix or None
    ceiling = prefix_successor(prefix) if prefix else None
    if op is None:
        return floor, True, ceiling, False
    first = prefix + sort_part(values[0])
    if op == "EQ":
        return first, True, prefix_successor(first), False
    if op == "LT":
        return floor, True, first, False
    if op == "LE":
        return floor, True, prefix_successor(first), False
    if op == "GT":
        return prefix_successor(first), True, ceiling, False
    if op == "GE":
        return first, True, ceiling, False
    if op == "BETWEEN":
        return first, True, prefix_successor(prefix + sort_part(values[1])), False
    begins = prefix + escape(encode_key_value(values[0]))  # BEGINS_WITH
    return begins, True, prefix_successor(begins), False


COLLECTION_SPACE = 0
"""Item-collection counters live in the engine-reserved space, under keys that start with a zero byte (the
idempotency tokens there never do)."""


def _collection_key(table: TableDescription, h: int, pk: bytes) -> tuple[int, bytes, bytes]:
    return h, b"\x00c" + table.space.to_bytes(8, "big") + pk, b""


def collection_bytes(view: ReadView, table: TableDescription, h: int, pk: bytes) -> int:
    """An item collection's size: the partition's items plus their entries in every LSI ([D] ItemCollectionMetrics)."""
    raw = view.get(COLLECTION_SPACE, *_collection_key(table, h, pk))
    return int(raw) if raw is not None else 0


def track_collection(
    view: WriteView,
    table: TableDescription,
    h: int,
    pk: bytes,
    old: Item | None,
    old_size: int,
    new: Item | None,
    new_size: int,
) -> None:
    """Keep a table-with-LSIs' collection size and refuse growth past 10 GB ([D] "Item collection size limit").

    The message is [?]: AWS's wording for ItemCollectionSizeLimitExceededException is not on record.
    """
    lsis = [i for i in table.indexes if i.kind == "LSI"]
    if not lsis:
        return
    delta = new_size - old_size
    for index in lsis:
        if new is not None and entry_key(table, index, new) is not None:
            delta += item_size(project(table, index, new))
        if old is not None and entry_key(table, index, old) is not None:
            delta -= item_size(project(table, index, old))
    if delta == 0:
        return
    key = _collection_key(table, h, pk)
    raw = view.get(COLLECTION_SPACE, *key)
    size = (int(raw) if raw is not None else 0) + delta
    if delta > 0 and size > limits.MAX_ITEM_COLLECTION_BYTES:
        raise ItemCollectionSizeLimitExceededException()
    if size <= 0:
        view.delete(COLLECTION_SPACE, *key)
    else:
        view.put(COLLECTION_SPACE, *key, str(size).encode())


def collection_metrics(table: TableDescription, item: Item, size: int) -> dict[str, Any]:
    """AWS reports a two-element GB range; Nubis knows the size exactly, so the range brackets it to 1 GB."""
    gb = size / (1 << 30)
    low = float(int(gb))
    return {
        "ItemCollectionKey": {table.key_schema.hash.name: item[table.key_schema.hash.name]},
        "SizeEstimateRangeGB": [low, low + 1.0],
    }


def collections_touched(
    view: ReadView, touched: list[tuple[TableDescription, int, bytes, AttributeValue]]
) -> dict[str, list[dict[str, Any]]]:
    """``ItemCollectionMetrics`` for a multi-item write: one entry per collection written, by table name.

    Only tables with local secondary indexes have item collections ([D] ItemCollectionMetrics).
    """
    out: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[int, bytes]] = set()
    for table, h, pk, hash_value in touched:
        if not any(i.kind == "LSI" for i in table.indexes) or (table.space, pk) in seen:
            continue
        seen.add((table.space, pk))
        size = collection_bytes(view, table, h, pk)
        out.setdefault(table.name, []).append(collection_metrics(table, {table.key_schema.hash.name: hash_value}, size))
    return out

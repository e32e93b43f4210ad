"""Query and Scan: key ranges, filters, ``Limit`` versus the 1 MB page, ``LastEvaluatedKey``, segments, ``Select``.

Both walk storage lazily inside one read snapshot and stop at whichever comes first: ``Limit`` items *evaluated*
(before the filter, [D] api/Query Limit) or 1 MB of items read ([D] api/Query: "reads up to 1 MB"). Either stop
yields a ``LastEvaluatedKey`` (the key of the last item evaluated), even when nothing follows, as DynamoDB does.
Capacity is the total size read, rounded up once to 4 KB units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from nubis.tables import limits
from nubis.tables.engine.capacity import consumed, index_capacity, read_units
from nubis.tables.engine.indexes import entry_key, index_sort_bounds, partition_part, sort_part
from nubis.tables.engine.items import check_key_paths, key_of, storage_key_of_key
from nubis.tables.engine.stored import packed_size, unpack
from nubis.tables.errors import ValidationException, invalid_parameters
from nubis.tables.expressions import CompiledExpressions, KeyRange
from nubis.tables.keys import encode_key_value, partition_hash, prefix_successor, segment_bounds
from nubis.tables.schema import IndexDescription, KeyAttribute, TableDescription
from nubis.tables.storage.base import ReadView
from nubis.tables.values import Item

INLINE_ROW_BUDGET = 256
"""Rows a Query or Scan may read on the event loop before it is handed to the reader pool and started again."""


class ReadBudgetExceeded(Exception):
    """A budgeted read met more rows than its budget: run it again, unbudgeted, off the event loop."""


def check_select(request: dict[str, Any], compiled: CompiledExpressions, operation: str = "Query") -> str:
    """``Select`` against projections and indexes, in AWS's wording: Query's messages carry the "1 validation error
    detected: " prefix, Scan's do not [V moto tests/test_dynamodb/test_dynamodb_select.py, aws_verified]."""
    select = request.get("Select")
    has_projection = compiled.projection is not None
    if select is None:
        if has_projection:
            return "SPECIFIC_ATTRIBUTES"
        # [D] api/Query Select: ALL_ATTRIBUTES on a table, ALL_PROJECTED_ATTRIBUTES on an index.
        return "ALL_PROJECTED_ATTRIBUTES" if request.get("IndexName") else "ALL_ATTRIBUTES"
    prefix = "1 validation error detected: " if operation == "Query" else ""
    if select == "ALL_PROJECTED_ATTRIBUTES" and not request.get("IndexName"):
        raise ValidationException(f"{prefix}ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
    if has_projection and select != "SPECIFIC_ATTRIBUTES":
        chosen = "only the Count" if select == "COUNT" else select
        given = "AttributesToGet" if request.get("AttributesToGet") is not None else "ProjectionExpression"
        raise ValidationException(f"{prefix}Cannot specify the {given} when choosing to get {chosen}")
    if select == "SPECIFIC_ATTRIBUTES" and not has_projection:
        raise ValidationException(
            f"{prefix}Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"
        )
    return str(select)


def check_segments(request: dict[str, Any]) -> tuple[int, int] | None:
    segment, total = request.get("Segment"), request.get("TotalSegments")
    if segment is None and total is None:
        return None
    if total is None:
        raise ValidationException(
            "The TotalSegments parameter is required but was not present in the request when Segment parameter "
            "is present"
        )
    if segment is None:
        raise ValidationException(
            "The Segment parameter is required but was not present in the request when parameter TotalSegments "
            "is present"
        )
    if segment >= total:
        raise ValidationException(
            f"The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: "
            f"{segment} is not less than TotalSegments: {total}"
        )
    return int(segment), int(total)


def resolve_index(table: TableDescription, request: dict[str, Any], select: str) -> IndexDescription | None:
    """The index a Query or Scan names, with AWS's checks ([P] dynalite query/scan actions)."""
    name = request.get("IndexName")
    if name is None:
        return None
    index = table.index(name)
    if index is None or index.status == "DELETING":
        raise ValidationException(f"The table does not have the specified index: {name}")
    if index.kind == "GSI" and request.get("ConsistentRead"):
        raise ValidationException("Consistent reads are not supported on global secondary indexes")
    if index.kind == "GSI" and index.status == "CREATING":
        raise ValidationException(f"Cannot read from backfilling global secondary index: {name}")
    if select == "ALL_ATTRIBUTES" and index.kind == "GSI" and index.projection_type != "ALL":
        raise ValidationException(
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global "
            f"secondary index {name} because its projection type is not ALL"
        )
    return index


def check_projected(table: TableDescription, index: IndexDescription | None, compiled: CompiledExpressions) -> None:
    """A GSI cannot fetch from its table: asking it for an attribute it does not keep is an error, not an empty
    answer ([V] scylla test_gsi.py, written to pass on AWS; wording [P] DynamoDB Local 3.3)."""
    if index is None or index.kind != "GSI" or index.projection_type == "ALL":
        return
    kept = index.projected_names(table.key_schema.names)
    assert kept is not None
    if compiled.projection_top_level is not None:
        missing = sorted(compiled.projection_top_level - kept)
        if missing:
            raise invalid_parameters(f"Global secondary index {index.name} does not project [{', '.join(missing)}]")
    missing = sorted(compiled.filter_top_level - kept)
    if missing:
        raise invalid_parameters(
            f"Secondary index {index.name} does not project one or more filter attributes: [{', '.join(missing)}]"
        )


def _needs_table(table: TableDescription, index: IndexDescription, compiled: CompiledExpressions, select: str) -> bool:
    """An LSI query reads the table item when it asks for attributes the index does not keep ([D] LSI)."""
    if index.kind != "LSI" or index.projection_type == "ALL":
        return False
    if select == "ALL_ATTRIBUTES":
        return True
    kept = index.projected_names(table.key_schema.names)
    assert kept is not None
    wanted = set(compiled.projection_top_level or ()) | set(compiled.filter_top_level)
    return not wanted <= kept


def _index_start(
    table: TableDescription, index: IndexDescription, request: dict[str, Any]
) -> tuple[int, bytes, bytes] | None:
    esk = request.get("ExclusiveStartKey")
    if esk is None:
        return None
    names = set(table.key_schema.names) | set(index.key_schema.names)
    if set(esk) != names:
        raise ValidationException("The provided starting key is invalid")
    _check_start_pieces(index.key_schema.attributes, esk)
    try:
        storage_key_of_key(table, {n: esk[n] for n in table.key_schema.names})
    except ValidationException as exc:
        raise ValidationException(f"The provided starting key is invalid: {exc.message}") from exc
    position = entry_key(table, index, esk)
    if position is None:
        raise ValidationException("The provided starting key is invalid")
    return position


def _start_key(table: TableDescription, request: dict[str, Any]) -> tuple[int, bytes, bytes] | None:
    """A Scan's starting key: every problem is "invalid: <the key's own error>" ([V] dynalite actions/scan.js)."""
    esk = request.get("ExclusiveStartKey")
    if esk is None:
        return None
    try:
        return storage_key_of_key(table, esk)
    except ValidationException as exc:
        raise ValidationException(f"The provided starting key is invalid: {exc.message}") from exc


def _query_start_key(table: TableDescription, request: dict[str, Any]) -> tuple[int, bytes, bytes] | None:
    """A table Query's starting key: a wrong attribute count or a missing key attribute is "invalid", a key value
    of the wrong type "does not match the schema", with no prefix ([V] dynalite test/query.js "ExclusiveStartKey
    for range table is invalid" and "does not match hash/range schema", run against AWS)."""
    esk = request.get("ExclusiveStartKey")
    if esk is None:
        return None
    if len(esk) != len(table.key_schema.names):
        raise ValidationException("The provided starting key is invalid")
    _check_start_pieces(table.key_schema.attributes, esk)
    return storage_key_of_key(table, esk)


def _check_start_pieces(attributes: tuple[KeyAttribute, ...], esk: Item) -> None:
    """Hash first, then range: the first key attribute missing, or given with the wrong type, decides."""
    for attr in attributes:
        value = esk.get(attr.name)
        if value is None:
            raise ValidationException("The provided starting key is invalid")
        if attr.type not in value:
            raise ValidationException("The provided key element does not match the schema")


def _check_start_in_range(key_range: KeyRange, hash_name: str, range_name: str | None, esk: Item) -> None:
    """A starting key the query could not have returned is refused, in AWS's three wordings: range predicate
    first, then the partition [V dynalite test/query.js "ExclusiveStartKey with ..." cases, run against AWS]."""
    pk = encode_key_value(key_range.hash_value)
    same_partition = hash_name in esk and encode_key_value(esk[hash_name]) == pk
    if range_name is None or key_range.sort_op is None:
        if not same_partition:
            raise ValidationException(
                "The provided starting key is outside query boundaries based on provided conditions"
            )
        return
    lo, lo_inc, hi, hi_inc = _sort_bounds(key_range)
    value = esk.get(range_name)
    position = encode_key_value(value) if value is not None else None
    if position is None or not (
        (lo is None or position > lo or (lo_inc and position == lo))
        and (hi is None or position < hi or (hi_inc and position == hi))
    ):
        raise ValidationException("The provided starting key does not match the range key predicate")
    if not same_partition:
        raise ValidationException("The query can return at most one row and cannot be restarted")


def _check_entry_in_range(
    start: tuple[int, bytes, bytes],
    pk: bytes,
    has_sort_condition: bool,
    bounds: tuple[bytes | None, bool, bytes | None, bool],
) -> None:
    """A multi-attribute index's starting key, placed among the entries the query reads ([L] DynamoDB Local's
    messages; the single-attribute wordings above are [V])."""
    lo, lo_inc, hi, hi_inc = bounds
    position = start[2]
    inside = (lo is None or position > lo or (lo_inc and position == lo)) and (
        hi is None or position < hi or (hi_inc and position == hi)
    )
    if inside and start[1] == pk:
        return
    if has_sort_condition or not inside:
        raise ValidationException("The provided starting key does not match the range key predicate")
    raise ValidationException("The provided starting key is outside query boundaries based on provided conditions")


def _page(
    rows: Iterator[tuple[bytes, Item | None]],
    request: dict[str, Any],
    compiled: CompiledExpressions,
    table: TableDescription,
    select: str,
    budget: int | None,
    index: IndexDescription | None = None,
    fetch: Callable[[Item], tuple[Item, int] | None] | None = None,
) -> dict[str, Any]:
    """Drain ``rows`` (raw value, unused) into a response, applying Limit, the 1 MB rule and the filter.

    On an index, ``LastEvaluatedKey`` carries the table key and the index key ([D] api/Query); ``fetch`` reads
    the whole item from the table for an LSI query that asks for attributes the index does not project. Each
    such fetch is billed to the table like a GetItem of that item ([D] LSI "Read capacity units": attributes
    fetched from the table cost extra read capacity; per-item rounding as DynamoDB Local 3.3 bills it).
    """
    limit = request.get("Limit")
    filt = compiled.filter
    projection = compiled.projection
    count_only = select == "COUNT"
    items: list[Item] = []
    scanned = count = total_size = 0
    fetched_units = 0.0
    consistent = bool(request.get("ConsistentRead"))
    last: Item | None = None
    stopped = False
    for raw, _ in rows:
        item = unpack(raw)
        total_size += packed_size(raw)
        if fetch is not None:
            fetched = fetch(item)
            if fetched is None:
                continue
            item, fetched_size = fetched
            fetched_units += read_units(fetched_size, consistent)
        scanned += 1
        if budget is not None and scanned > budget:
            raise ReadBudgetExceeded
        last = item
        if filt is None or filt(item):
            count += 1
            if not count_only:
                items.append(projection(item) if projection is not None else item)
        if (limit is not None and scanned >= limit) or total_size >= limits.MAX_PAGE_BYTES:
            stopped = True
            break
    out: dict[str, Any] = {}
    if not count_only:
        out["Items"] = items
    out["Count"] = count
    out["ScannedCount"] = scanned
    if stopped and last is not None:
        lek = key_of(table, last)
        if index is not None:
            for name in index.key_schema.names:
                lek[name] = last[name]
        out["LastEvaluatedKey"] = lek
    units = read_units(total_size, consistent)
    mode = request.get("ReturnConsumedCapacity")
    cc = consumed(table.name, units + fetched_units, mode, read=True)
    if cc is not None:
        if index is not None and mode == "INDEXES":
            cc["Table"] = {"CapacityUnits": fetched_units}
            cc.update(index_capacity({index.name: index.kind}, {index.name: units}))
        out["ConsumedCapacity"] = cc
    return out


def _sort_bounds(key_range: KeyRange) -> tuple[bytes | None, bool, bytes | None, bool]:
    op = key_range.sort_op
    if op is None:
        return None, True, None, True
    values = [encode_key_value(v) for v in key_range.sort_values]
    if op == "EQ":
        return values[0], True, values[0], True
    if op == "LT":
        return None, True, values[0], False
    if op == "LE":
        return None, True, values[0], True
    if op == "GT":
        return values[0], False, None, True
    if op == "GE":
        return values[0], True, None, True
    if op == "BETWEEN":
        return values[0], True, values[1], True
    return values[0], True, prefix_successor(values[0]), False  # BEGINS_WITH


def run_query(
    view: ReadView,
    table: TableDescription,
    request: dict[str, Any],
    compiled: CompiledExpressions,
    select: str,
    budget: int | None = None,
    index: IndexDescription | None = None,
    fetch: Callable[[Item], tuple[Item, int] | None] | None = None,
) -> dict[str, Any]:
    ks = table.key_schema if index is None else index.key_schema
    for name in ks.names:
        if name in compiled.filter_top_level:
            # [P] dynalite query.js (AWS-checked): a Query filter may not read key attributes.
            raise ValidationException(
                f"{compiled.filter_label} can only contain non-primary key attributes: Primary key attribute: {name}"
            )
    check_key_paths(table, compiled)
    assert compiled.key_condition is not None
    # The starting key's shape is checked before the key condition is matched to the schema ([V] dynalite
    # test/query.js: its ExclusiveStartKey cases carry a key condition on a non-key attribute).
    start = _index_start(table, index, request) if index is not None else _query_start_key(table, request)
    if ks.multi:
        key_range = compiled.key_condition.for_keys(
            tuple((a.name, a.type) for a in ks.hashes), tuple((a.name, a.type) for a in ks.ranges)
        )
        pk = partition_part(key_range.hash_values)
    else:
        key_range = compiled.key_condition.for_schema(
            (ks.hash.name, ks.hash.type), (ks.range.name, ks.range.type) if ks.range is not None else None
        )
        pk = encode_key_value(key_range.hash_value)
    esk: Item = request.get("ExclusiveStartKey") or {}  # checked only once a starting key was given
    range_name = ks.range.name if ks.range is not None else None
    h = partition_hash(pk)
    forward = request.get("ScanIndexForward", True) is not False
    if index is not None:
        prefix = b"".join(sort_part(v) for v in key_range.sort_prefix)
        lo, lo_inc, hi, hi_inc = index_sort_bounds(key_range.sort_op, key_range.sort_values, prefix)
        if start is not None and ks.multi:
            _check_entry_in_range(start, pk, key_range.sort_op is not None, (lo, lo_inc, hi, hi_inc))
        elif start is not None:
            _check_start_in_range(key_range, ks.hash.name, range_name, esk)
        if start is not None:
            if forward and (lo is None or start[2] >= lo):
                lo, lo_inc = start[2], False
            elif not forward and (hi is None or start[2] <= hi):
                hi, hi_inc = start[2], False
        raw_rows = view.query(index.space, h, pk, lo, lo_inc, hi, hi_inc, forward)
        rows = ((raw, None) for _, raw in raw_rows)
        return _page(rows, request, compiled, table, select, budget, index, fetch)
    lo, lo_inc, hi, hi_inc = _sort_bounds(key_range)
    if start is not None:
        _check_start_in_range(key_range, ks.hash.name, range_name, esk)
    if start is not None and ks.range is not None:
        if forward and (lo is None or start[2] >= lo):
            lo, lo_inc = start[2], False
        elif not forward and (hi is None or start[2] <= hi):
            hi, hi_inc = start[2], False
    elif start is not None:
        return _page(iter(()), request, compiled, table, select, budget)
    rows = ((raw, None) for _, raw in view.query(table.space, h, pk, lo, lo_inc, hi, hi_inc, forward))
    return _page(rows, request, compiled, table, select, budget)


def run_scan(
    view: ReadView,
    table: TableDescription,
    request: dict[str, Any],
    compiled: CompiledExpressions,
    select: str,
    budget: int | None = None,
    index: IndexDescription | None = None,
    fetch: Callable[[Item], tuple[Item, int] | None] | None = None,
) -> dict[str, Any]:
    segments = check_segments(request)
    check_key_paths(table, compiled)
    h_lo, h_hi = segment_bounds(*segments) if segments is not None else (0, 1 << 32)
    if index is not None:
        start = _index_start(table, index, request)
        _check_start_segment(start, segments, h_lo, h_hi)
        rows = ((row.value, None) for row in view.scan(index.space, start, h_lo, h_hi))
        return _page(rows, request, compiled, table, select, budget, index, fetch)
    start = _start_key(table, request)
    _check_start_segment(start, segments, h_lo, h_hi)
    rows = ((row.value, None) for row in view.scan(table.space, start, h_lo, h_hi))
    return _page(rows, request, compiled, table, select, budget)


def _check_start_segment(
    start: tuple[int, bytes, bytes] | None, segments: tuple[int, int] | None, h_lo: int, h_hi: int
) -> None:
    """A parallel scan's starting key must come from its own segment [V dynalite test/scan.js, run against AWS]."""
    if start is not None and segments is not None and not h_lo <= start[0] < h_hi:
        segment, total = segments
        raise ValidationException(
            "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with "
            f"correct Segment. TotalSegments: {total} Segment: {segment}"
        )


def table_fetcher(view: ReadView, table: TableDescription) -> Callable[[Item], tuple[Item, int] | None]:
    """Reads the table item behind an index entry, with its size (LSI queries asking for unprojected
    attributes)."""

    def fetch(entry: Item) -> tuple[Item, int] | None:
        h, pk, sk = storage_key_of_key(table, key_of(table, entry))
        raw = view.get(table.space, h, pk, sk)
        return (unpack(raw), packed_size(raw)) if raw is not None else None

    return fetch


def uses_table(
    table: TableDescription, index: IndexDescription | None, compiled: CompiledExpressions, select: str
) -> bool:
    return index is not None and _needs_table(table, index, compiled, select)

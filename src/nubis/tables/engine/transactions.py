"""TransactWriteItems and TransactGetItems: all-or-nothing writes and snapshot reads across items and tables.

Serializability comes from the storage writer: a whole TransactWriteItems is one write function, so no other write
can interleave with it, and every condition is checked against the state just before it, before anything is
written. TransactGetItems reads every item inside one read snapshot. Hence TransactionConflictException never
arises here: AWS raises it when another request touches an item *while* a transaction holds it, and nothing can.

Failure is a TransactionCanceledException whose ``CancellationReasons`` has one entry per action, in order: ``None``
for actions that would have succeeded, ``ConditionalCheckFailed`` (with the item when that action asked for
``ReturnValuesOnConditionCheckFailure: ALL_OLD``) or ``ValidationError`` for an update that cannot apply
([D] api/TransactWriteItems, "TransactionCanceledException").

Malformed requests and expressions fail the whole request with a ValidationException, but a key of the wrong type,
or an update of a key attribute, cancels the transaction before anything is read: ``ValidationError`` for the first
such action only, ``None`` for every other one, even one whose condition is false ([V] scylladb
test/alternator/test_transact.py, "cancellation_reasons_validationerror"; DynamoDB Local does the same).

``ClientRequestToken`` makes a retried request idempotent for 10 minutes ([D] api/TransactWriteItems): the token,
a fingerprint of the request and the response are stored (space 0, reserved for the engine) in the same commit as
the writes, so every server process sharing the database honours it. The same token with different parameters is
an IdempotentParameterMismatchException.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from nubis.tables import limits
from nubis.tables.engine import indexes, items
from nubis.tables.engine.capacity import WriteTally, consumed, read_units
from nubis.tables.engine.catalog import Catalog
from nubis.tables.engine.stored import packed_size, unpack
from nubis.tables.errors import (
    CancellationReason,
    IdempotentParameterMismatchException,
    TransactionCanceledException,
    ValidationException,
)
from nubis.tables.expressions import CompiledExpressions, compile_expressions
from nubis.tables.keys import partition_hash
from nubis.tables.schema import TableDescription
from nubis.tables.storage.base import ReadView, WriteView
from nubis.tables.values import Item, check_item, item_size, value_size

TOKEN_SPACE = 0
"""Engine-reserved storage space for idempotency tokens (``next_space_id`` starts at 1)."""

TOKEN_TTL_SECONDS = 600
ACTIONS = ("ConditionCheck", "Put", "Delete", "Update")


@dataclass(frozen=True, slots=True)
class WriteAction:
    kind: str
    table: TableDescription
    skey: items.StorageKey
    compiled: CompiledExpressions
    compute: items.Compute | None
    """None for ConditionCheck: nothing is written."""
    return_old_on_failure: bool
    hash_value: dict[str, Any]
    """The item's partition key value (for ItemCollectionMetrics)."""


def _one_action(entry: Any, index: int, actions: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    present = [a for a in actions if isinstance(entry, dict) and entry.get(a) is not None]
    if len(present) != 1:
        raise ValidationException(
            "TransactItems can only contain one of Check, Put, Update or Delete"
            if len(present) > 1
            else f"1 validation error detected: Value null at 'transactItems.{index + 1}.member' failed to satisfy "
            "constraint: Member must not be null"
        )
    return present[0], entry[present[0]]


def _compile(kind: str, spec: dict[str, Any]) -> CompiledExpressions:
    return compile_expressions(
        kind="ConditionCheck" if kind == "ConditionCheck" else f"{kind}Item",  # type: ignore[arg-type]
        condition_expression=spec.get("ConditionExpression"),
        update_expression=spec.get("UpdateExpression") if kind == "Update" else None,
        expression_attribute_names=spec.get("ExpressionAttributeNames"),
        expression_attribute_values=spec.get("ExpressionAttributeValues"),
    )


def _payload_size(spec: dict[str, Any], payload: Item) -> int:
    """What counts towards the 4 MB: the item (or key), the expressions and their values, not the items an action
    reads ([V] scylladb test_transact.py "delete_5MB"; the sum is DynamoDB Local's "Payload Size")."""
    values = spec.get("ExpressionAttributeValues") or {}
    expressions = (spec.get("ConditionExpression") or "", spec.get("UpdateExpression") or "")
    return (
        item_size(payload)
        + sum(value_size(v) for v in values.values())
        + sum(len(e.encode("utf-8")) for e in expressions)
    )


def _mistyped(table: TableDescription, payload: Item, whole_item: bool) -> bool:
    """Every key attribute given, and one of them of the wrong type (a ``Key`` must also hold nothing else)."""
    attrs = table.key_schema.attributes
    if not whole_item and len(payload) != len(attrs):
        return False
    return all(a.name in payload for a in attrs) and any(a.type not in payload[a.name] for a in attrs)


def prepare_write(catalog: Catalog, region: str, request: dict[str, Any]) -> list[WriteAction]:
    """Validate every action (AWS rejects the whole request on any malformed one) and compile it."""
    entries = request["TransactItems"]
    if len(entries) > limits.MAX_TRANSACT_ITEMS:
        raise ValidationException(
            "1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must "
            "have length less than or equal to 100"
        )
    parsed: list[tuple[str, dict[str, Any], CompiledExpressions, Item]] = []
    total_size = 0
    for index, entry in enumerate(entries):
        kind, spec = _one_action(entry, index, ACTIONS)
        if kind == "ConditionCheck" and spec.get("ConditionExpression") is None:
            raise ValidationException("The ConditionExpression parameter is required for ConditionCheck")
        compiled = _compile(kind, spec)
        payload = check_item(spec["Item"] if kind == "Put" else spec["Key"])
        if kind == "Put" and item_size(payload) > limits.MAX_ITEM_BYTES:
            raise ValidationException("Item size has exceeded the maximum allowed size")
        total_size += _payload_size(spec, payload)
        parsed.append((kind, spec, compiled, payload))
    if total_size > limits.MAX_TRANSACT_BYTES:
        # [V] scylladb test_transact.py "put_5MB" (matches "size cannot exceed"); DynamoDB Local's wording.
        raise ValidationException(f"Transaction payload size cannot exceed 4MB. Payload Size: {total_size}")
    actions: list[WriteAction] = []
    seen: set[tuple[int, items.StorageKey]] = set()
    failed: tuple[int, str] | None = None
    for index, (kind, spec, compiled, payload) in enumerate(parsed):
        table = catalog.get(region, spec["TableName"])
        try:
            if kind == "Put":
                skey = items.storage_key_of_item(table, payload)
            else:
                skey = items.storage_key_of_key(table, payload)
        except ValidationException as exc:
            if not _mistyped(table, payload, kind == "Put"):
                raise
            failed = failed or (index, exc.message)
            continue
        if kind == "Update":
            try:
                items.check_update_keys(table, compiled)
            except ValidationException as exc:
                failed = failed or (index, exc.message)
                continue
        if kind == "Put":
            compute: items.Compute | None = items.put_compute(payload, item_size(payload))
        elif kind == "Update":
            compute = items.update_compute(table, payload, compiled)
        elif kind == "Delete":
            compute = items.delete_compute
        else:
            compute = None
        if (table.space, skey) in seen:
            raise ValidationException("Transaction request cannot include multiple operations on one item")
        seen.add((table.space, skey))
        actions.append(
            WriteAction(
                kind,
                table,
                skey,
                compiled,
                compute,
                spec.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD",
                payload[table.key_schema.hash.name],
            )
        )
    if failed is not None:
        raise TransactionCanceledException(
            [
                CancellationReason("ValidationError", failed[1]) if i == failed[0] else CancellationReason()
                for i in range(len(parsed))
            ]
        )
    return actions


def fingerprint(request: dict[str, Any]) -> str:
    body = {k: v for k, v in request.items() if k != "ClientRequestToken"}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _token_key(region: str, token: str) -> items.StorageKey:
    pk = f"{region}/{token}".encode()
    return partition_hash(pk), pk, b""


def write_fn(region: str, request: dict[str, Any], actions: list[WriteAction]) -> Callable[[WriteView], dict[str, Any]]:
    """The whole transaction as one write function; it returns ``{"units": ..., "read_units": ..., "collections":
    ...}`` (``read_units`` for a replayed token, ``units`` otherwise)."""
    token: str | None = request.get("ClientRequestToken")
    print_ = fingerprint(request) if token is not None else ""

    def fn(view: WriteView) -> dict[str, Any]:
        now = time.time()
        if token is not None:
            raw = view.get(TOKEN_SPACE, *_token_key(region, token))
            if raw is not None:
                record = orjson.loads(raw)
                if record["expires"] > now:
                    if record["fingerprint"] != print_:
                        raise IdempotentParameterMismatchException()
                    return {"units": {}, "read_units": _replay_units(view, actions), "collections": {}}
        # Phase 1: read every item and decide; nothing is written unless every action passes.
        olds: list[tuple[TableDescription, Item | None, int]] = []
        news: list[items.Sized] = []
        reasons: list[CancellationReason] = []
        failed = False
        for action in actions:
            live, old, old_size = items.read_current(view, action.table, action.skey)
            olds.append((live, old, old_size))
            condition = action.compiled.condition
            if condition is not None and not condition(old):
                failed = True
                reasons.append(
                    CancellationReason(
                        "ConditionalCheckFailed",
                        "The conditional request failed",
                        old if action.return_old_on_failure else None,
                    )
                )
                news.append((None, 0))
                continue
            try:
                news.append(action.compute(old) if action.compute is not None else (None, 0))
            except ValidationException as exc:
                failed = True
                reasons.append(CancellationReason("ValidationError", exc.message))
                news.append((None, 0))
                continue
            reasons.append(CancellationReason())
        if failed:
            raise TransactionCanceledException(reasons)
        # Phase 2: write. Transactional writes cost twice a standard write ([D] capacity, transactions).
        units: dict[str, WriteTally] = {}
        for action, (live, old, old_size), (new, new_size) in zip(actions, olds, news, strict=True):
            tally = units.get(live.name)
            if tally is None:
                tally = units[live.name] = WriteTally(kinds={i.name: i.kind for i in live.indexes})
            if action.compute is None:
                tally.add(old_size, old_size, {}, factor=2)
                continue
            outcome = items.store(view, live, action.skey, old, old_size, new, new_size)
            tally.add(old_size, outcome.new_size, outcome.index_bytes, factor=2)
        if token is not None:
            record = {"fingerprint": print_, "expires": now + TOKEN_TTL_SECONDS}
            view.put(TOKEN_SPACE, *_token_key(region, token), orjson.dumps(record))
        collections: dict[str, Any] = {}
        if request.get("ReturnItemCollectionMetrics") == "SIZE":
            touched = [
                (live, a.skey[0], a.skey[1], a.hash_value)
                for a, (live, _, _) in zip(actions, olds, strict=True)
                if a.compute is not None
            ]
            collections = indexes.collections_touched(view, touched)
        return {"units": units, "read_units": {}, "collections": collections}

    return fn


def _replay_units(view: WriteView, actions: list[WriteAction]) -> dict[str, float]:
    """A replayed request reports "the number of read capacity units consumed in reading the item" ([D]
    api/TransactWriteItems, ClientRequestToken): each item read transactionally (twice a consistent read)."""
    units: dict[str, float] = {}
    for action in actions:
        _, _, size = items.read_current(view, action.table, action.skey)
        units[action.table.name] = units.get(action.table.name, 0.0) + 2 * read_units(size, True)
    return units


def write_response(request: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    units: dict[str, WriteTally] = result["units"]
    out: dict[str, Any] = {}
    if result["collections"]:
        out["ItemCollectionMetrics"] = result["collections"]
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        out["ConsumedCapacity"] = [tally.consumed(name, mode) for name, tally in units.items()] + [
            cc for name, u in result["read_units"].items() if (cc := consumed(name, u, mode, read=True)) is not None
        ]
    return out


@dataclass(frozen=True, slots=True)
class GetAction:
    table: TableDescription
    skey: items.StorageKey
    compiled: CompiledExpressions


def prepare_get(catalog: Catalog, region: str, request: dict[str, Any]) -> list[GetAction]:
    entries = request["TransactItems"]
    parsed = []
    for index, entry in enumerate(entries):
        _, spec = _one_action(entry, index, ("Get",))
        compiled = compile_expressions(
            kind="GetItem",
            projection_expression=spec.get("ProjectionExpression"),
            expression_attribute_names=spec.get("ExpressionAttributeNames"),
        )
        parsed.append((spec, compiled, check_item(spec["Key"])))
    actions: list[GetAction] = []
    seen: set[tuple[int, items.StorageKey]] = set()
    for spec, compiled, key in parsed:
        table = catalog.get(region, spec["TableName"])
        skey = items.storage_key_of_key(table, key)
        if (table.space, skey) in seen:
            raise ValidationException("Transaction request cannot include multiple operations on one item")
        seen.add((table.space, skey))
        actions.append(GetAction(table, skey, compiled))
    return actions


def run_get(view: ReadView, request: dict[str, Any], actions: list[GetAction]) -> dict[str, Any]:
    responses: list[dict[str, Any]] = []
    units: dict[str, float] = {}
    for action in actions:
        raw = view.get(action.table.space, *action.skey)
        size = packed_size(raw) if raw is not None else 0
        units[action.table.name] = units.get(action.table.name, 0.0) + 2 * read_units(size, True)
        if raw is None:
            responses.append({})
            continue
        item = unpack(raw)
        projection = action.compiled.projection
        responses.append({"Item": projection(item) if projection is not None else item})
    out: dict[str, Any] = {"Responses": responses}
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        out["ConsumedCapacity"] = [
            cc for name, u in units.items() if (cc := consumed(name, u, mode, read=True)) is not None
        ]
    return out

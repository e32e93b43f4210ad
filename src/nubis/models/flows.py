"""The operations as sans-I/O generators, written once for both sessions.

A flow yields ``Call(method, kwargs)`` (a ``Client``/``AsyncClient`` method name and its keywords) and is resumed
with the method's result, or has the client's exception thrown into it. ``Session`` runs flows with plain calls,
``AsyncSession`` with ``await``: that is all either driver does (the client's own ``_flows`` pattern).

The managed fields are handled here, once for every way in (sessions, bound models, batches, transactions):
``CreatedAt``/``UpdatedAt``/``ExpiresAt`` stamps on writes, the ``Version`` check and increment, and hiding items
past their ``ExpiresAt`` on reads.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar

from nubis.client import ConditionalCheckFailedException, TransactionCanceledException
from nubis.models.errors import ConditionFailed, DoesNotExist, ModelDefinitionError, TransactionCanceled
from nubis.models.expressions import Action, Attr, Condition, IfNotExists, Renderer, render_update
from nubis.models.hooks import Hooks
from nubis.models.plan import AV, FieldPlan, GlobalIndex, LocalIndex, ModelPlan

__all__ = ["Call", "Context", "Flow", "UpdateOptions"]

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    kwargs: dict[str, Any]
    args: tuple[Any, ...] = ()


Flow = Generator[Call, Any, R]


@dataclass(slots=True)
class Context:
    """What every flow needs from its session: the table-name prefix and the hooks."""

    prefix: str = ""
    hooks: Hooks = field(default_factory=Hooks)

    def table(self, plan: ModelPlan) -> str:
        if plan.table is None:
            raise ModelDefinitionError(f"{plan.name} has no table (class {plan.name}(Model, table=...))")
        return self.prefix + plan.table


class UpdateOptions(TypedDict, total=False):
    """The keywords of every ``update`` (sessions, bound models), typed once."""

    set: Mapping[str, Any] | None
    """Fields (or document paths) to assign; ``None`` removes the attribute."""
    add: Mapping[str, Any] | None
    """Numbers to add to, or sets to add members to."""
    remove: Iterable[str]
    """Attributes to drop."""
    delete: Mapping[str, Any] | None
    """Members to take out of sets."""
    actions: Iterable[Action]
    """Typed actions (``User.age.add(1)``, ``User.nick.remove()``), applied with the mappings."""
    condition: Condition | None
    """Must hold on the stored item."""
    upsert: bool
    """Create the item when it is absent (else an absent item fails the update)."""
    return_item: bool
    """On a failed condition, put the stored item on ``ConditionFailed.item``."""


def plan_of(model: Any) -> ModelPlan:
    plan = getattr(model, "__plan__", None)
    if not isinstance(plan, ModelPlan):
        raise TypeError(f"{model!r} is not a model class")
    return plan


def _now_for(fp: FieldPlan, now: float | None = None) -> Any:
    now = time.time() if now is None else now
    if fp.codec.accepts(dt.datetime.now(dt.UTC)):
        return dt.datetime.fromtimestamp(now, dt.UTC)
    if fp.codec.accepts(1.5):
        return now if not fp.codec.accepts(1) or "float" in fp.codec.describe() else int(now)
    return int(now)


def stamp(plan: ModelPlan, instance: Any, *, creating: bool) -> None:
    values = instance.__dict__
    now = time.time()
    if plan.created is not None and (creating or values.get(plan.created.name) is None):
        values[plan.created.name] = _now_for(plan.created, now)
    if plan.updated is not None:
        values[plan.updated.name] = _now_for(plan.updated, now)
    expires = plan.expires
    if expires is not None and expires.spec.ttl is not None and values.get(expires.name) is None:
        values[expires.name] = _now_for(expires, now + expires.spec.ttl.total_seconds())


def _both(first: Condition | None, second: Condition | None) -> Condition | None:
    if first is None or second is None:
        return first if second is None else second
    return first & second


def _version_condition(plan: ModelPlan, instance: Any) -> Condition | None:
    """What a write of ``instance`` requires of the stored item: the version it was read with (none yet: no
    version stored)."""
    if plan.version is None:
        return None
    current = instance.__dict__.get(plan.version.name) or 0
    path = Attr(plan.version.name)
    return path.not_exists() if current == 0 else path == current


class _Bump:
    """Sets the version an instance is written with; ``undo`` puts the old one back when the write fails."""

    def __init__(self, plan: ModelPlan, instance: Any, *, fresh: bool) -> None:
        self.name = plan.version.name if plan.version is not None else None
        self.values = instance.__dict__
        if self.name is not None:
            self.old = self.values.get(self.name) or 0
            self.values[self.name] = 1 if fresh else self.old + 1

    def undo(self) -> None:
        if self.name is not None:
            self.values[self.name] = self.old


def resolve(target: Any, hash_key: Any, range_key: Any) -> tuple[ModelPlan, Any, Any, Any]:
    """``(plan, hash, range, instance)`` for a model class and its key, or for an instance (its own key)."""
    if isinstance(target, type):
        return plan_of(target), hash_key, range_key, None
    plan = plan_of(type(target))
    if hash_key is not None or range_key is not None:
        raise TypeError("give a model class and a key, or an instance alone")
    values = target.__dict__
    assert plan.hash_key is not None
    return (
        plan,
        values.get(plan.hash_key.name),
        values.get(plan.range_key.name) if plan.range_key is not None else None,
        target,
    )


def _live(plan: ModelPlan, item: Mapping[str, AV] | None, now: float) -> Mapping[str, AV] | None:
    """``item``, unless it belongs to another model or is past its expiry (and the model hides those)."""
    if item is None or not plan.is_own(item):
        return None
    if plan.hides_expired and plan.is_expired(item, now):
        return None
    return item


def live_filter(plan: ModelPlan, now: float) -> Condition | None:
    """The filter keeping items not yet expired, for queries and scans of a model that hides expired items
    (the filter AWS's documentation suggests until the TTL sweeper deletes them)."""
    if plan.expires is None or not plan.hides_expired:
        return None
    path = Attr(plan.expires.name)
    return path.not_exists() | (path >= int(now))


def _with_condition(request: dict[str, Any], r: Renderer, condition: Condition | None) -> dict[str, Any]:
    if condition is not None:
        request["ConditionExpression"] = condition.render(r)
    return r.into(request)


def _condition_failed(plan: ModelPlan, exc: ConditionalCheckFailedException, what: str) -> ConditionFailed:
    item = plan.decode(exc.item) if exc.item else None
    return ConditionFailed(f"{plan.name}: {what}: the condition was false", item)


def _decode(ctx: Context, plan: ModelPlan, item: Mapping[str, AV]) -> Any:
    instance = plan.decode(item)
    ctx.hooks.run("after_load", instance)
    return instance


# -- items -----------------------------------------------------------------------------------------------------


def get(
    ctx: Context,
    model: Any,
    hash_key: Any,
    range_key: Any,
    consistent: bool,
    attributes: Iterable[str | Attr[Any]] | None,
    missing_ok: bool,
) -> Flow[Any]:
    plan = plan_of(model)
    request: dict[str, Any] = {"TableName": ctx.table(plan), "Key": plan.encode_key(hash_key, range_key)}
    if consistent:
        request["ConsistentRead"] = True
    if attributes is not None:
        wanted: list[str | Attr[Any]] = list(attributes)
        if plan.expires is not None and plan.hides_expired:
            wanted.append(plan.expires.name)  # to tell whether the item has expired
        if plan.kind is not None:
            wanted.append(plan.kind_attribute)  # to tell whether the item is this model's (single-table design)
        r = Renderer(plan)
        request["ProjectionExpression"] = r.projection(wanted)
        r.into(request)
    response = yield Call("get_item", request)
    item = _live(plan, response.get("Item"), time.time())
    if item is None:
        if missing_ok:
            return None
        raise DoesNotExist(f"{plan.name} {hash_key!r}{'' if range_key is None else f', {range_key!r}'} does not exist")
    return _decode(ctx, plan, item)


def put(ctx: Context, instance: Any, condition: Condition | None, must_not_exist: bool, return_item: bool) -> Flow[Any]:
    plan = plan_of(type(instance))
    stamp(plan, instance, creating=must_not_exist)
    ctx.hooks.run("before_save", instance)
    r = Renderer(plan)
    condition = _both(_put_condition(plan, instance, must_not_exist), condition)
    bump = _Bump(plan, instance, fresh=must_not_exist)
    try:
        request: dict[str, Any] = {"TableName": ctx.table(plan), "Item": plan.encode_item(instance)}
        _with_condition(request, r, condition)
        if return_item and condition is not None:
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        yield Call("put_item", request)
    except ConditionalCheckFailedException as exc:
        bump.undo()
        raise _condition_failed(plan, exc, "create" if must_not_exist else "save") from exc
    except BaseException:
        bump.undo()
        raise
    ctx.hooks.run("after_save", instance)
    return instance


def _put_condition(plan: ModelPlan, instance: Any, must_not_exist: bool) -> Condition | None:
    """A create requires that no item has the key; a save of a versioned instance, the version it holds."""
    if must_not_exist:
        assert plan.hash_key is not None
        return Attr(plan.hash_key.name).not_exists()
    return _version_condition(plan, instance)


def update(
    ctx: Context,
    target: Any,
    hash_key: Any,
    range_key: Any,
    *,
    set: Mapping[str, Any] | None = None,
    add: Mapping[str, Any] | None = None,
    remove: Iterable[str] = (),
    delete: Mapping[str, Any] | None = None,
    actions: Iterable[Action] = (),
    condition: Condition | None = None,
    return_item: bool = False,
    upsert: bool = False,
) -> Flow[Any]:
    """Update by key (``target`` a model class), or update an instance: then its version is checked, and the
    instance is refreshed from the item as updated."""
    plan, hash_key, range_key, instance = resolve(target, hash_key, range_key)
    set_values = dict(set or {})
    add_values = dict(add or {})
    remove, actions = tuple(remove), tuple(actions)
    now = time.time()
    if plan.updated is not None and plan.updated.name not in set_values:
        set_values[plan.updated.name] = _now_for(plan.updated, now)
    if upsert and plan.created is not None and plan.created.name not in set_values:
        set_values[plan.created.name] = IfNotExists(_now_for(plan.created, now))
    expires = plan.expires
    if upsert and expires is not None and expires.spec.ttl is not None and expires.name not in set_values:
        set_values[expires.name] = IfNotExists(_now_for(expires, now + expires.spec.ttl.total_seconds()))
    touched = {*set_values, *add_values, *(delete or {}), *remove, *(a.path for a in actions)}
    for key_field in (plan.hash_key, plan.range_key):
        if key_field is not None and key_field.name in touched:
            raise ValueError(f"{plan.name}.{key_field.name} is part of the key and cannot be updated")
    if plan.version is not None and plan.version.name not in touched:
        add_values[plan.version.name] = 1
    r = Renderer(plan)
    key = plan.encode_key(hash_key, range_key)
    request: dict[str, Any] = {"TableName": ctx.table(plan), "Key": key, "ReturnValues": "ALL_NEW"}
    request["UpdateExpression"] = render_update(
        r, set=set_values, add=add_values, remove=remove, delete=delete, actions=actions
    )
    required = _version_condition(plan, instance) if instance is not None else None
    if not upsert:
        assert plan.hash_key is not None
        required = _both(Attr(plan.hash_key.name).exists(), required)
    _with_condition(request, r, _both(required, condition))
    if return_item:
        request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    try:
        response = yield Call("update_item", request)
    except ConditionalCheckFailedException as exc:
        raise _condition_failed(plan, exc, "update") from exc
    updated = _decode(ctx, plan, response.get("Attributes") or {})
    if instance is None:
        return updated
    instance.__dict__.update(updated.__dict__)
    return instance


def delete(
    ctx: Context, target: Any, hash_key: Any, range_key: Any, condition: Condition | None, return_item: bool
) -> Flow[Any]:
    """Delete by key, or delete an instance (its version checked)."""
    plan, hash_key, range_key, instance = resolve(target, hash_key, range_key)
    ctx.hooks.run("before_delete", plan.cls, (hash_key, range_key))
    if instance is not None:
        condition = _both(_version_condition(plan, instance), condition)
    r = Renderer(plan)
    request: dict[str, Any] = {"TableName": ctx.table(plan), "Key": plan.encode_key(hash_key, range_key)}
    _with_condition(request, r, condition)
    request["ReturnValues"] = "ALL_OLD"
    if return_item and condition is not None:
        request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    try:
        response = yield Call("delete_item", request)
    except ConditionalCheckFailedException as exc:
        raise _condition_failed(plan, exc, "delete") from exc
    old = response.get("Attributes")
    return plan.decode(old) if old else None


# -- batches ---------------------------------------------------------------------------------------------------


def split_key(plan: ModelPlan, key: Any) -> tuple[Any, Any]:
    if plan.range_key is not None:
        if not isinstance(key, tuple) or len(key) != 2:
            raise TypeError(f"{plan.name} keys are (hash, range) tuples")
        return key[0], key[1]
    return key, None


def batch_get(ctx: Context, model: Any, keys: Iterable[Any], consistent: bool) -> Flow[list[Any]]:
    plan = plan_of(model)
    wire_keys = [plan.encode_key(*split_key(plan, k)) for k in keys]
    options: dict[str, Any] = {"ConsistentRead": True} if consistent else {}
    items = yield Call("batch_get_all", options, (ctx.table(plan), wire_keys))
    now = time.time()
    return [_decode(ctx, plan, item) for item in items if _live(plan, item, now) is not None]


def batch_write(
    ctx: Context, puts: Iterable[Any], deletes: Iterable[Any], keys: Iterable[tuple[Any, Any]] = ()
) -> Flow[None]:
    """Puts of instances, deletes of instances and of ``(model, key)`` pairs (a hash value or a ``(hash, range)``
    tuple), all without conditions (BatchWriteItem takes none): versions are incremented, not checked."""
    by_table: dict[str, tuple[list[AV], list[AV]]] = {}
    for instance in puts:
        plan = plan_of(type(instance))
        stamp(plan, instance, creating=False)
        ctx.hooks.run("before_save", instance)
        _Bump(plan, instance, fresh=False)
        by_table.setdefault(ctx.table(plan), ([], []))[0].append(plan.encode_item(instance))
    for instance in deletes:
        plan = plan_of(type(instance))
        ctx.hooks.run("before_delete", type(instance), instance.key())
        by_table.setdefault(ctx.table(plan), ([], []))[1].append(instance.key())
    for model, key in keys:
        plan = plan_of(model)
        wire_key = plan.encode_key(*split_key(plan, key))
        ctx.hooks.run("before_delete", model, wire_key)
        by_table.setdefault(ctx.table(plan), ([], []))[1].append(wire_key)
    for table, (items, wire_keys) in by_table.items():
        yield Call("batch_write_all", {}, (table, items, wire_keys))


# -- transactions ----------------------------------------------------------------------------------------------


def transact_write(ctx: Context, actions: list[tuple[str, Any, dict[str, Any]]], token: str | None) -> Flow[None]:
    """The actions as TransactWriteItems; instances are version-checked as in ``put``/``update``/``delete``, and
    the versions of the instances put are incremented only if the transaction commits."""
    bumps: list[_Bump] = []
    try:
        request: dict[str, Any] = {"TransactItems": _transact_items(ctx, actions, bumps)}
        if token is not None:
            request["ClientRequestToken"] = token
        yield Call("transact_write_items", request)
    except TransactionCanceledException as exc:
        for bump in bumps:
            bump.undo()
        codes = [str(reason.get("Code", "None")) for reason in exc.reasons]
        failed = [(i, code, str(exc.reasons[i].get("Message", ""))) for i, code in enumerate(codes) if code != "None"]
        raise TransactionCanceled(failed, codes) from exc
    except BaseException:
        for bump in bumps:
            bump.undo()
        raise
    for kind, target, _ in actions:
        if kind == "put":
            ctx.hooks.run("after_save", target)


def _transact_items(
    ctx: Context, actions: list[tuple[str, Any, dict[str, Any]]], bumps: list[_Bump]
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for kind, target, options in actions:
        if kind == "put":
            plan = plan_of(type(target))
            stamp(plan, target, creating=options["must_not_exist"])
            ctx.hooks.run("before_save", target)
            r = Renderer(plan)
            condition = _both(_put_condition(plan, target, options["must_not_exist"]), options.get("condition"))
            bumps.append(_Bump(plan, target, fresh=options["must_not_exist"]))
            body = _with_condition({"TableName": ctx.table(plan), "Item": plan.encode_item(target)}, r, condition)
            items.append({"Put": body})
            continue
        plan, hash_key, range_key, instance = resolve(target, options["hash_key"], options["range_key"])
        r = Renderer(plan)
        body = {"TableName": ctx.table(plan), "Key": plan.encode_key(hash_key, range_key)}
        condition = options.get("condition")
        if instance is not None:
            condition = _both(_version_condition(plan, instance), condition)
        if kind == "update":
            set_values = dict(options.get("set") or {})
            add_values = dict(options.get("add") or {})
            actions_of = tuple(options.get("actions", ()))
            if plan.updated is not None and plan.updated.name not in set_values:
                set_values[plan.updated.name] = _now_for(plan.updated)
            touched = {*set_values, *add_values, *options.get("remove", ()), *(a.path for a in actions_of)}
            if plan.version is not None and plan.version.name not in touched:
                add_values[plan.version.name] = 1
            body["UpdateExpression"] = render_update(
                r,
                set=set_values,
                add=add_values,
                remove=options.get("remove", ()),
                delete=options.get("delete"),
                actions=actions_of,
            )
            items.append({"Update": _with_condition(body, r, condition)})
        elif kind == "delete":
            items.append({"Delete": _with_condition(body, r, condition)})
        else:
            items.append({"ConditionCheck": _with_condition(body, r, condition)})
    return items


def transact_get(ctx: Context, keys: list[tuple[Any, Any, Any]]) -> Flow[list[Any]]:
    items = []
    for model, hash_key, range_key in keys:
        plan = plan_of(model)
        items.append({"Get": {"TableName": ctx.table(plan), "Key": plan.encode_key(hash_key, range_key)}})
    try:
        response = yield Call("transact_get_items", {"TransactItems": items})
    except TransactionCanceledException as exc:
        codes = [str(reason.get("Code", "None")) for reason in exc.reasons]
        raise TransactionCanceled([(i, c, "") for i, c in enumerate(codes) if c != "None"], codes) from exc
    out = []
    now = time.time()
    for (model, _, _), entry in zip(keys, response.get("Responses", []), strict=False):
        plan = plan_of(model)
        item = _live(plan, entry.get("Item"), now)
        out.append(_decode(ctx, plan, item) if item is not None else None)
    return out


# -- tables ----------------------------------------------------------------------------------------------------


def _projection(spec: Any) -> dict[str, Any]:
    if spec in ("ALL", "KEYS_ONLY"):
        return {"ProjectionType": spec}
    return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(spec)}


def table_definition(ctx: Context, model: Any) -> dict[str, Any]:
    """The CreateTable request for a model (pay per request)."""
    plan = plan_of(model)
    assert plan.hash_key is not None
    definitions = plan.attribute_definitions()

    def schema(hash_name: str, range_name: str | None) -> list[dict[str, str]]:
        out = [{"AttributeName": plan.fields[hash_name].stored, "KeyType": "HASH"}]
        if range_name is not None:
            out.append({"AttributeName": plan.fields[range_name].stored, "KeyType": "RANGE"})
        return out

    request: dict[str, Any] = {
        "TableName": ctx.table(plan),
        "KeySchema": schema(plan.hash_key.name, plan.range_key.name if plan.range_key else None),
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in sorted(definitions.items())],
        "BillingMode": "PAY_PER_REQUEST",
    }
    gsis = [i for i in plan.indexes if isinstance(i, GlobalIndex)]
    lsis = [i for i in plan.indexes if isinstance(i, LocalIndex)]
    if gsis:
        request["GlobalSecondaryIndexes"] = [
            {"IndexName": i.name, "KeySchema": schema(i.hash_key, i.range_key), "Projection": _projection(i.projection)}
            for i in gsis
        ]
    if lsis:
        request["LocalSecondaryIndexes"] = [
            {
                "IndexName": i.name,
                "KeySchema": schema(plan.hash_key.name, i.range_key),
                "Projection": _projection(i.projection),
            }
            for i in lsis
        ]
    return request


def create_table(ctx: Context, model: Any, wait: bool, exist_ok: bool) -> Flow[None]:
    """CreateTable, then UpdateTimeToLive for an ``ExpiresAt`` field (which needs the table ACTIVE, so such a
    model always waits)."""
    from nubis.client import ResourceInUseException

    plan = plan_of(model)
    request = table_definition(ctx, model)
    existed = False
    try:
        yield Call("create_table", request)
    except ResourceInUseException:
        if not exist_ok:
            raise
        existed = True
    if wait or plan.expires is not None:
        yield Call("wait_table_active", {"delay": 0.05}, (request["TableName"],))
    yield from _enable_ttl(plan, request["TableName"], check=existed)


def _enable_ttl(plan: ModelPlan, table: str, *, check: bool) -> Flow[None]:
    """Turn TTL on for the ``ExpiresAt`` attribute; with ``check``, first see whether it already is."""
    if plan.expires is None:
        return
    attribute = plan.expires.stored
    if check:
        described = yield Call("describe_time_to_live", {"TableName": table})
        ttl = described.get("TimeToLiveDescription", {})
        if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            if ttl.get("AttributeName") != attribute:
                raise ModelDefinitionError(
                    f"{plan.name}: table {table} has TTL on {ttl.get('AttributeName')!r}, not {attribute!r}"
                )
            return
    spec = {"Enabled": True, "AttributeName": attribute}
    yield Call("update_time_to_live", {"TableName": table, "TimeToLiveSpecification": spec})


def sync_table(ctx: Context, model: Any, wait: bool) -> Flow[list[str]]:
    """Create the table if it is missing, else add the global indexes the model declares and the table lacks
    (one UpdateTable each, as DynamoDB allows one index creation at a time) and enable TTL for an ``ExpiresAt``
    field. Returns the indexes added."""
    from nubis.client import ResourceNotFoundException

    request = table_definition(ctx, model)
    name = request["TableName"]
    try:
        described = yield Call("describe_table", {"TableName": name})
    except ResourceNotFoundException:
        yield from create_table(ctx, model, wait, exist_ok=False)
        return [i["IndexName"] for i in request.get("GlobalSecondaryIndexes", [])]
    present = {i["IndexName"] for i in described["Table"].get("GlobalSecondaryIndexes", [])}
    added = []
    for index in request.get("GlobalSecondaryIndexes", []):
        if index["IndexName"] in present:
            continue
        update = {
            "TableName": name,
            "AttributeDefinitions": request["AttributeDefinitions"],
            "GlobalSecondaryIndexUpdates": [{"Create": index}],
        }
        yield Call("update_table", update)
        added.append(index["IndexName"])
        if wait:
            yield Call("wait_table_active", {"delay": 0.05}, (name,))
    yield from _enable_ttl(plan_of(model), name, check=True)
    return added


def delete_table(ctx: Context, model: Any) -> Flow[None]:
    yield Call("delete_table", {"TableName": ctx.table(plan_of(model))})

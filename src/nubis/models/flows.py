"""The operations as sans-I/O generators, written once for both sessions.

A flow yields ``Call(method, kwargs)`` (a ``Client``/``AsyncClient`` method name and its keywords) and is resumed
with the method's result, or has the client's exception thrown into it. ``Session`` runs flows with plain calls,
``AsyncSession`` with ``await``: that is all either driver does (the client's own ``_flows`` pattern).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from nubis.client import ConditionalCheckFailedException, TransactionCanceledException
from nubis.models.errors import ConditionFailed, DoesNotExist, ModelDefinitionError, TransactionCanceled
from nubis.models.expressions import Condition, IfNotExists, Renderer, render_update
from nubis.models.hooks import Hooks
from nubis.models.plan import AV, FieldPlan, GlobalIndex, LocalIndex, ModelPlan

__all__ = ["Call", "Context", "Flow"]

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
    attributes: Iterable[str] | None,
    missing_ok: bool,
) -> Flow[Any]:
    plan = plan_of(model)
    request: dict[str, Any] = {"TableName": ctx.table(plan), "Key": plan.encode_key(hash_key, range_key)}
    if consistent:
        request["ConsistentRead"] = True
    if attributes is not None:
        r = Renderer(plan)
        request["ProjectionExpression"] = r.projection(attributes)
        r.into(request)
    response = yield Call("get_item", request)
    item = response.get("Item")
    if item is not None and not plan.is_own(item):
        item = None
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
    request: dict[str, Any] = {"TableName": ctx.table(plan), "Item": plan.encode_item(instance)}
    if must_not_exist:
        assert plan.hash_key is not None
        exists = Condition.attr(plan.hash_key.name).not_exists()
        condition = exists if condition is None else exists & condition
    _with_condition(request, r, condition)
    if return_item and condition is not None:
        request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    try:
        yield Call("put_item", request)
    except ConditionalCheckFailedException as exc:
        raise _condition_failed(plan, exc, "create" if must_not_exist else "save") from exc
    ctx.hooks.run("after_save", instance)
    return instance


def update(
    ctx: Context,
    model: Any,
    hash_key: Any,
    range_key: Any,
    *,
    set: Mapping[str, Any] | None,
    add: Mapping[str, Any] | None,
    remove: Iterable[str],
    delete: Mapping[str, Any] | None,
    condition: Condition | None,
    return_item: bool,
    upsert: bool,
) -> Flow[Any]:
    plan = plan_of(model)
    set_values = dict(set or {})
    now = time.time()
    if plan.updated is not None and plan.updated.name not in set_values:
        set_values[plan.updated.name] = _now_for(plan.updated, now)
    if upsert and plan.created is not None and plan.created.name not in set_values:
        set_values[plan.created.name] = IfNotExists(_now_for(plan.created, now))
    for key_field in (plan.hash_key, plan.range_key):
        if key_field is not None and any(key_field.name in m for m in (set_values, add or {}, delete or {})):
            raise ValueError(f"{plan.name}.{key_field.name} is part of the key and cannot be updated")
    r = Renderer(plan)
    key = plan.encode_key(hash_key, range_key)
    request: dict[str, Any] = {"TableName": ctx.table(plan), "Key": key, "ReturnValues": "ALL_NEW"}
    request["UpdateExpression"] = render_update(r, set=set_values, add=add, remove=remove, delete=delete)
    if not upsert:
        assert plan.hash_key is not None
        exists = Condition.attr(plan.hash_key.name).exists()
        condition = exists if condition is None else exists & condition
    _with_condition(request, r, condition)
    if return_item:
        request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    try:
        response = yield Call("update_item", request)
    except ConditionalCheckFailedException as exc:
        raise _condition_failed(plan, exc, "update") from exc
    return _decode(ctx, plan, response.get("Attributes") or {})


def delete(
    ctx: Context, model: Any, hash_key: Any, range_key: Any, condition: Condition | None, return_item: bool
) -> Flow[Any]:
    plan = plan_of(model)
    ctx.hooks.run("before_delete", model, (hash_key, range_key))
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
    return [_decode(ctx, plan, item) for item in items if plan.is_own(item)]


def batch_write(ctx: Context, puts: Iterable[Any], deletes: Iterable[Any]) -> Flow[None]:
    by_table: dict[str, tuple[list[AV], list[AV]]] = {}
    for instance in puts:
        plan = plan_of(type(instance))
        stamp(plan, instance, creating=False)
        ctx.hooks.run("before_save", instance)
        by_table.setdefault(ctx.table(plan), ([], []))[0].append(plan.encode_item(instance))
    for instance in deletes:
        plan = plan_of(type(instance))
        ctx.hooks.run("before_delete", type(instance), instance.key())
        by_table.setdefault(ctx.table(plan), ([], []))[1].append(instance.key())
    for table, (items, keys) in by_table.items():
        yield Call("batch_write_all", {}, (table, items, keys))


# -- transactions ----------------------------------------------------------------------------------------------


def transact_write(ctx: Context, actions: list[tuple[str, Any, dict[str, Any]]], token: str | None) -> Flow[None]:
    items: list[dict[str, Any]] = []
    for kind, target, options in actions:
        if kind == "put":
            plan = plan_of(type(target))
            stamp(plan, target, creating=options["must_not_exist"])
            ctx.hooks.run("before_save", target)
            r = Renderer(plan)
            condition = options.get("condition")
            if options["must_not_exist"]:
                assert plan.hash_key is not None
                exists = Condition.attr(plan.hash_key.name).not_exists()
                condition = exists if condition is None else exists & condition
            body = _with_condition({"TableName": ctx.table(plan), "Item": plan.encode_item(target)}, r, condition)
            items.append({"Put": body})
            continue
        plan = plan_of(target)
        r = Renderer(plan)
        body = {"TableName": ctx.table(plan), "Key": plan.encode_key(options["hash_key"], options["range_key"])}
        condition = options.get("condition")
        if kind == "update":
            set_values = dict(options.get("set") or {})
            if plan.updated is not None and plan.updated.name not in set_values:
                set_values[plan.updated.name] = _now_for(plan.updated)
            body["UpdateExpression"] = render_update(
                r,
                set=set_values,
                add=options.get("add"),
                remove=options.get("remove", ()),
                delete=options.get("delete"),
            )
            items.append({"Update": _with_condition(body, r, condition)})
        elif kind == "delete":
            items.append({"Delete": _with_condition(body, r, condition)})
        else:
            items.append({"ConditionCheck": _with_condition(body, r, condition)})
    request: dict[str, Any] = {"TransactItems": items}
    if token is not None:
        request["ClientRequestToken"] = token
    try:
        yield Call("transact_write_items", request)
    except TransactionCanceledException as exc:
        codes = [str(reason.get("Code", "None")) for reason in exc.reasons]
        failed = [(i, code, str(exc.reasons[i].get("Message", ""))) for i, code in enumerate(codes) if code != "None"]
        raise TransactionCanceled(failed, codes) from exc
    for kind, target, _ in actions:
        if kind == "put":
            ctx.hooks.run("after_save", target)


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
    for (model, _, _), entry in zip(keys, response.get("Responses", []), strict=False):
        item = entry.get("Item")
        own = item is not None and plan_of(model).is_own(item)
        out.append(_decode(ctx, plan_of(model), item) if own else None)
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
    from nubis.client import ResourceInUseException

    request = table_definition(ctx, model)
    try:
        yield Call("create_table", request)
    except ResourceInUseException:
        if not exist_ok:
            raise
    if wait:
        yield Call("wait_table_active", {"delay": 0.05}, (request["TableName"],))


def sync_table(ctx: Context, model: Any, wait: bool) -> Flow[list[str]]:
    """Create the table if it is missing, else add the global indexes the model declares and the table lacks
    (one UpdateTable each, as DynamoDB allows one index creation at a time). Returns the indexes added."""
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
    return added


def delete_table(ctx: Context, model: Any) -> Flow[None]:
    yield Call("delete_table", {"TableName": ctx.table(plan_of(model))})

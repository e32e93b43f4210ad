"""A model with a session bound once: Dynamoose's ``Model.get``/``item.save()`` calls, without a global connection.

    users = db.bind(User)                      # Bound[User]; AsyncSession.bind gives AsyncBound[User]
    users.create_table()
    ann = users.create(User(id="u1", name="Ann"))
    users.get("u1"); users.find("nobody")      # User, User | None
    users.update("u1", actions=[User.age.add(1)])
    users.update(ann, set={"name": "Annie"})   # an instance: its Version checked, the instance refreshed
    users.query("u1").where(...).all(); users.scan().count()
    users.batch_put([...]); users.batch_get(["u1", "u2"]); users.batch_delete(["u1", ann])
    users.delete(ann)                          # or users.delete("u1")

``Bound`` and ``AsyncBound`` have the same names (``AsyncBound``'s are awaited, ``query``/``scan`` build
synchronously). Both run the shared flows (``flows.py``) through their session's driver, as the sessions do.
A key is a hash value, or a ``(hash, range)`` tuple in ``batch_get``/``batch_delete``; wherever an item's key is
asked for, an instance of the model does too (and brings its version).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar, Unpack, cast

from nubis.models import flows
from nubis.models.expressions import Attr, Condition
from nubis.models.flows import UpdateOptions, plan_of
from nubis.models.query import AsyncQuery, AsyncRunner, AsyncScan, Query, Runner, Scan

__all__ = ["AsyncBound", "Bound"]

M = TypeVar("M")


class _BoundBase(Generic[M]):
    def __init__(self, model: type[M]) -> None:
        self.model = model
        plan_of(model)  # refuse a class that is not a model now, not at the first call

    def _target(self, key: Any, range_key: Any) -> tuple[Any, Any, Any]:
        """``(target, hash, range)`` for the flows: the instance itself, or the model class and the key."""
        if isinstance(key, self.model):
            return key, None, None
        return self.model, key, range_key

    def _split(self, keys: Iterable[Any]) -> tuple[list[Any], list[tuple[Any, Any]]]:
        """Instances, and ``(model, key)`` pairs for the rest."""
        instances: list[Any] = []
        pairs: list[tuple[Any, Any]] = []
        for key in keys:
            if isinstance(key, self.model):
                instances.append(key)
            else:
                pairs.append((self.model, key))
        return instances, pairs

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model.__name__})"


class Bound(_BoundBase[M]):
    """A model class bound to a ``Session`` (made by ``Session.bind``)."""

    def __init__(self, model: type[M], session: Runner) -> None:
        super().__init__(model)
        self.session = session

    def _one(self, flow: flows.Flow[Any]) -> M:
        return cast(M, self.session._run(flow))

    def get(
        self,
        hash_key: Any,
        range_key: Any = None,
        *,
        consistent: bool = False,
        attributes: Iterable[str | Attr[Any]] | None = None,
    ) -> M:
        """The item with this key (Dynamoose ``Model.get``). Raises ``DoesNotExist``."""
        ctx = self.session.context
        return self._one(flows.get(ctx, self.model, hash_key, range_key, consistent, attributes, False))

    def find(self, hash_key: Any, range_key: Any = None, *, consistent: bool = False) -> M | None:
        """The item with this key, or ``None``."""
        flow = flows.get(self.session.context, self.model, hash_key, range_key, consistent, None, True)
        return cast(M | None, self.session._run(flow))

    def create(self, item: M, *, condition: Condition | None = None, return_item: bool = False) -> M:
        """Put a new item (Dynamoose ``Model.create``). Raises ``ConditionFailed`` if its key exists."""
        return self._one(flows.put(self.session.context, item, condition, True, return_item))

    def save(
        self, item: M, *, condition: Condition | None = None, overwrite: bool = True, return_item: bool = False
    ) -> M:
        """Put ``item`` (Dynamoose ``item.save()``), its ``Version`` checked."""
        return self._one(flows.put(self.session.context, item, condition, not overwrite, return_item))

    def update(self, key: Any, range_key: Any = None, **options: Unpack[UpdateOptions]) -> M:
        """Update by key or instance (as ``Session.update``) and return the item as updated."""
        target, hash_key, range_key = self._target(key, range_key)
        return self._one(flows.update(self.session.context, target, hash_key, range_key, **options))

    def delete(
        self, key: Any, range_key: Any = None, *, condition: Condition | None = None, return_item: bool = False
    ) -> M | None:
        """Delete by key, or an instance (its ``Version`` checked); returns the deleted item, if any."""
        target, hash_key, range_key = self._target(key, range_key)
        flow = flows.delete(self.session.context, target, hash_key, range_key, condition, return_item)
        return cast(M | None, self.session._run(flow))

    def query(self, hash_key: Any) -> Query[M]:
        """A Query builder for the items with this hash key."""
        return Query(self.model, hash_key, self.session)

    def scan(self) -> Scan[M]:
        """A Scan builder."""
        return Scan(self.model, self.session)

    def batch_get(self, keys: Iterable[Any], *, consistent: bool = False) -> list[M]:
        """The items with these keys, in no particular order (missing ones are left out)."""
        return self.session._run(flows.batch_get(self.session.context, self.model, keys, consistent))

    def batch_put(self, items: Iterable[M]) -> None:
        """Put many items (not atomic; versions are incremented, not checked)."""
        self.session._run(flows.batch_write(self.session.context, items, ()))

    def batch_delete(self, keys: Iterable[Any]) -> None:
        """Delete many items by key or instance (not atomic, unconditional)."""
        self.session._run(flows.batch_write(self.session.context, (), *self._split(keys)))

    def create_table(self, *, wait: bool = True, exist_ok: bool = False) -> None:
        """Create the model's table (see ``Session.create_table``)."""
        self.session._run(flows.create_table(self.session.context, self.model, wait, exist_ok))

    def sync_table(self, *, wait: bool = True) -> list[str]:
        """Create the table, or add what it lacks (see ``Session.sync_table``)."""
        return self.session._run(flows.sync_table(self.session.context, self.model, wait))

    def delete_table(self) -> None:
        """Delete the model's table."""
        self.session._run(flows.delete_table(self.session.context, self.model))


class AsyncBound(_BoundBase[M]):
    """``Bound`` for an ``AsyncSession``: the same methods, awaited."""

    def __init__(self, model: type[M], session: AsyncRunner) -> None:
        super().__init__(model)
        self.session = session

    async def _one(self, flow: flows.Flow[Any]) -> M:
        return cast(M, await self.session._run(flow))

    async def get(
        self,
        hash_key: Any,
        range_key: Any = None,
        *,
        consistent: bool = False,
        attributes: Iterable[str | Attr[Any]] | None = None,
    ) -> M:
        ctx = self.session.context
        return await self._one(flows.get(ctx, self.model, hash_key, range_key, consistent, attributes, False))

    async def find(self, hash_key: Any, range_key: Any = None, *, consistent: bool = False) -> M | None:
        flow = flows.get(self.session.context, self.model, hash_key, range_key, consistent, None, True)
        return cast(M | None, await self.session._run(flow))

    async def create(self, item: M, *, condition: Condition | None = None, return_item: bool = False) -> M:
        return await self._one(flows.put(self.session.context, item, condition, True, return_item))

    async def save(
        self, item: M, *, condition: Condition | None = None, overwrite: bool = True, return_item: bool = False
    ) -> M:
        return await self._one(flows.put(self.session.context, item, condition, not overwrite, return_item))

    async def update(self, key: Any, range_key: Any = None, **options: Unpack[UpdateOptions]) -> M:
        target, hash_key, range_key = self._target(key, range_key)
        return await self._one(flows.update(self.session.context, target, hash_key, range_key, **options))

    async def delete(
        self, key: Any, range_key: Any = None, *, condition: Condition | None = None, return_item: bool = False
    ) -> M | None:
        target, hash_key, range_key = self._target(key, range_key)
        flow = flows.delete(self.session.context, target, hash_key, range_key, condition, return_item)
        return cast(M | None, await self.session._run(flow))

    def query(self, hash_key: Any) -> AsyncQuery[M]:
        return AsyncQuery(self.model, hash_key, self.session)

    def scan(self) -> AsyncScan[M]:
        return AsyncScan(self.model, self.session)

    async def batch_get(self, keys: Iterable[Any], *, consistent: bool = False) -> list[M]:
        return await self.session._run(flows.batch_get(self.session.context, self.model, keys, consistent))

    async def batch_put(self, items: Iterable[M]) -> None:
        await self.session._run(flows.batch_write(self.session.context, items, ()))

    async def batch_delete(self, keys: Iterable[Any]) -> None:
        await self.session._run(flows.batch_write(self.session.context, (), *self._split(keys)))

    async def create_table(self, *, wait: bool = True, exist_ok: bool = False) -> None:
        await self.session._run(flows.create_table(self.session.context, self.model, wait, exist_ok))

    async def sync_table(self, *, wait: bool = True) -> list[str]:
        return await self.session._run(flows.sync_table(self.session.context, self.model, wait))

    async def delete_table(self) -> None:
        await self.session._run(flows.delete_table(self.session.context, self.model))

"""``Session`` and ``AsyncSession``: bind models to a ``Client`` or ``AsyncClient`` (and a table-name prefix).

    db = Session(Client.in_process())                   # or Client.http(url), Client.from_env() for AWS itself
    db.create_table(Note)
    note = db.create(Note(id="n1", title="hi"))
    db.update(Note, "n1", set={"title": "hello"}, add={"views": 1}, condition=Attr("title").exists())
    db.get(Note, "n1").title                             # "hello"
    db.update(note, actions=[Note.views.add(1)])         # an instance: version-checked, refreshed in place

    notes = db.bind(Note)                                # the same calls without the model argument
    notes.get("n1"); notes.query("n1").all()

    adb = AsyncSession(AsyncClient.in_process())       # the same names, awaited
    note = await adb.get(Note, "n1")

Each method builds a flow (``flows.py``: what to send and how to read the answer) and runs it; the two classes
differ only in how they run one (a call or an await). Nothing here is Nubis-specific on the wire, so a session
over ``Client.http()`` works against AWS DynamoDB itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar, Unpack, overload

from nubis.client import AsyncClient, Client
from nubis.models import flows
from nubis.models.batch import Batch
from nubis.models.bound import AsyncBound, Bound
from nubis.models.expressions import Attr, Condition
from nubis.models.flows import Context, Flow, UpdateOptions
from nubis.models.hooks import Hooks
from nubis.models.model import Model
from nubis.models.query import AsyncQuery, AsyncScan, Query, Scan
from nubis.models.transactions import Transaction

__all__ = ["AsyncSession", "Session"]

M = TypeVar("M")
MI = TypeVar("MI", bound=Model)
"""A model instance (the ``update``/``delete`` forms that take one)."""
R = TypeVar("R")


class Session:
    """Runs model operations through a blocking ``Client``.

    Args:
        client: the client (the session does not close it).
        prefix: put before every model's table name (``"test_"``, ``"prod-"``).
        hooks: before/after callbacks (``hooks.Hooks``).
    """

    def __init__(self, client: Client, *, prefix: str = "", hooks: Hooks | None = None) -> None:
        self.client = client
        self.context = Context(prefix, hooks if hooks is not None else Hooks())

    def _run(self, flow: Flow[R]) -> R:
        outcome: Any = None
        failure: BaseException | None = None
        while True:
            try:
                call = flow.send(outcome) if failure is None else flow.throw(failure)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            try:
                outcome, failure = getattr(self.client, call.method)(*call.args, **call.kwargs), None
            except Exception as exc:
                outcome, failure = None, exc

    # -- items -------------------------------------------------------------------------------------------------

    def get(
        self,
        model: type[M],
        hash_key: Any,
        range_key: Any = None,
        *,
        consistent: bool = False,
        attributes: Iterable[str | Attr[Any]] | None = None,
    ) -> M:
        """The item with this key. Raises ``DoesNotExist`` (also for an item past its ``ExpiresAt``)."""
        return self._run(flows.get(self.context, model, hash_key, range_key, consistent, attributes, False))  # type: ignore[no-any-return]

    def find(self, model: type[M], hash_key: Any, range_key: Any = None, *, consistent: bool = False) -> M | None:
        """The item with this key, or ``None``."""
        return self._run(flows.get(self.context, model, hash_key, range_key, consistent, None, True))  # type: ignore[no-any-return]

    def create(self, item: M, *, condition: Condition | None = None, return_item: bool = False) -> M:
        """Put a new item. Raises ``ConditionFailed`` if one with its key exists (``.item`` with ``return_item``)."""
        return self._run(flows.put(self.context, item, condition, True, return_item))  # type: ignore[no-any-return]

    def save(
        self, item: M, *, condition: Condition | None = None, overwrite: bool = True, return_item: bool = False
    ) -> M:
        """Put an item, replacing any with its key, unless ``overwrite=False`` or ``condition`` forbids it (or, for
        a model with a ``Version``, the stored version is not the one ``item`` holds)."""
        return self._run(flows.put(self.context, item, condition, not overwrite, return_item))  # type: ignore[no-any-return]

    @overload
    def update(self, target: type[M], hash_key: Any, range_key: Any = None, **options: Unpack[UpdateOptions]) -> M: ...

    @overload
    def update(self, target: MI, **options: Unpack[UpdateOptions]) -> MI: ...

    def update(self, target: Any, hash_key: Any = None, range_key: Any = None, **options: Unpack[UpdateOptions]) -> Any:
        """Update an existing item (``upsert=True`` creates it) and return it as updated.

        ``target`` is a model class with a key, or an instance: then its ``Version`` is checked and the instance
        is refreshed in place. ``set`` assigns fields (``None`` removes), ``add`` adds to numbers and sets,
        ``delete`` removes set members, ``remove`` drops fields, ``actions`` are typed actions
        (``User.age.add(1)``). Raises ``ConditionFailed`` if the item is absent or ``condition`` is false.
        """
        return self._run(flows.update(self.context, target, hash_key, range_key, **options))

    @overload
    def delete(
        self,
        target: type[M],
        hash_key: Any,
        range_key: Any = None,
        *,
        condition: Condition | None = None,
        return_item: bool = False,
    ) -> M | None: ...

    @overload
    def delete(self, target: MI, *, condition: Condition | None = None, return_item: bool = False) -> MI | None: ...

    def delete(
        self,
        target: Any,
        hash_key: Any = None,
        range_key: Any = None,
        *,
        condition: Condition | None = None,
        return_item: bool = False,
    ) -> Any:
        """Delete the item with this key, or this instance (its ``Version`` checked), if ``condition`` holds;
        returns the deleted item, if there was one."""
        return self._run(flows.delete(self.context, target, hash_key, range_key, condition, return_item))

    def bind(self, model: type[M]) -> Bound[M]:
        """``model`` with this session bound: ``users = db.bind(User); users.get("u1")``."""
        return Bound(model, self)

    def query(self, model: type[M], hash_key: Any) -> Query[M]:
        """A Query builder for the items with this hash key (of the table, or of ``using(index)``)."""
        return Query(model, hash_key, self)

    def scan(self, model: type[M]) -> Scan[M]:
        """A Scan builder."""
        return Scan(model, self)

    # -- many items ----------------------------------------------------------------------------------------------

    def batch_get(self, model: type[M], keys: Iterable[Any], *, consistent: bool = False) -> list[M]:
        """The items with these keys (hash values, or ``(hash, range)`` tuples), in no particular order."""
        return self._run(flows.batch_get(self.context, model, keys, consistent))

    def batch_write(self, puts: Iterable[Any] = (), deletes: Iterable[Any] = ()) -> None:
        """Put and delete instances of any models (not atomic)."""
        self._run(flows.batch_write(self.context, puts, deletes))

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """``with db.batch() as b: b.save(x); b.delete(y)``: sent when the block ends without an error."""
        collected = Batch()
        yield collected
        self.batch_write(collected.puts, collected.deletes)

    def transact(self, transaction: Transaction) -> None:
        """Apply a ``Transaction``, all or nothing. Raises ``TransactionCanceled``."""
        self._run(flows.transact_write(self.context, transaction.actions, transaction.token))

    def transact_get(self, keys: Iterable[tuple[type, Any] | tuple[type, Any, Any]]) -> list[Any]:
        """Read items of any models at one point in time: ``[(Note, "n1"), (Line, "o1", 2)]``."""
        normalized = [(k[0], k[1], k[2] if len(k) > 2 else None) for k in keys]
        return self._run(flows.transact_get(self.context, normalized))

    # -- tables --------------------------------------------------------------------------------------------------

    def create_table(self, model: type, *, wait: bool = True, exist_ok: bool = False) -> None:
        """Create the model's table with its indexes (pay per request) and wait until it is ACTIVE."""
        self._run(flows.create_table(self.context, model, wait, exist_ok))

    def sync_table(self, model: type, *, wait: bool = True) -> list[str]:
        """Create the model's table, or add the global indexes it lacks; returns the names of indexes added."""
        return self._run(flows.sync_table(self.context, model, wait))

    def delete_table(self, model: type) -> None:
        """Delete the model's table."""
        self._run(flows.delete_table(self.context, model))


class AsyncSession:
    """``Session`` over an ``AsyncClient``: the same methods, awaited (``query``/``scan`` build synchronously)."""

    def __init__(self, client: AsyncClient, *, prefix: str = "", hooks: Hooks | None = None) -> None:
        self.client = client
        self.context = Context(prefix, hooks if hooks is not None else Hooks())

    async def _run(self, flow: Flow[R]) -> R:
        outcome: Any = None
        failure: BaseException | None = None
        while True:
            try:
                call = flow.send(outcome) if failure is None else flow.throw(failure)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            try:
                outcome, failure = await getattr(self.client, call.method)(*call.args, **call.kwargs), None
            except Exception as exc:
                outcome, failure = None, exc

    async def get(
        self,
        model: type[M],
        hash_key: Any,
        range_key: Any = None,
        *,
        consistent: bool = False,
        attributes: Iterable[str | Attr[Any]] | None = None,
    ) -> M:
        return await self._run(flows.get(self.context, model, hash_key, range_key, consistent, attributes, False))

    async def find(self, model: type[M], hash_key: Any, range_key: Any = None, *, consistent: bool = False) -> M | None:
        return await self._run(flows.get(self.context, model, hash_key, range_key, consistent, None, True))

    async def create(self, item: M, *, condition: Condition | None = None, return_item: bool = False) -> M:
        return await self._run(flows.put(self.context, item, condition, True, return_item))

    async def save(
        self, item: M, *, condition: Condition | None = None, overwrite: bool = True, return_item: bool = False
    ) -> M:
        return await self._run(flows.put(self.context, item, condition, not overwrite, return_item))

    @overload
    async def update(
        self, target: type[M], hash_key: Any, range_key: Any = None, **options: Unpack[UpdateOptions]
    ) -> M: ...

    @overload
    async def update(self, target: MI, **options: Unpack[UpdateOptions]) -> MI: ...

    async def update(
        self, target: Any, hash_key: Any = None, range_key: Any = None, **options: Unpack[UpdateOptions]
    ) -> Any:
        return await self._run(flows.update(self.context, target, hash_key, range_key, **options))

    @overload
    async def delete(
        self,
        target: type[M],
        hash_key: Any,
        range_key: Any = None,
        *,
        condition: Condition | None = None,
        return_item: bool = False,
    ) -> M | None: ...

    @overload
    async def delete(
        self, target: MI, *, condition: Condition | None = None, return_item: bool = False
    ) -> MI | None: ...

    async def delete(
        self,
        target: Any,
        hash_key: Any = None,
        range_key: Any = None,
        *,
        condition: Condition | None = None,
        return_item: bool = False,
    ) -> Any:
        return await self._run(flows.delete(self.context, target, hash_key, range_key, condition, return_item))

    def bind(self, model: type[M]) -> AsyncBound[M]:
        return AsyncBound(model, self)

    def query(self, model: type[M], hash_key: Any) -> AsyncQuery[M]:
        return AsyncQuery(model, hash_key, self)

    def scan(self, model: type[M]) -> AsyncScan[M]:
        return AsyncScan(model, self)

    async def batch_get(self, model: type[M], keys: Iterable[Any], *, consistent: bool = False) -> list[M]:
        return await self._run(flows.batch_get(self.context, model, keys, consistent))

    async def batch_write(self, puts: Iterable[Any] = (), deletes: Iterable[Any] = ()) -> None:
        await self._run(flows.batch_write(self.context, puts, deletes))

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[Batch]:
        collected = Batch()
        yield collected
        await self.batch_write(collected.puts, collected.deletes)

    async def transact(self, transaction: Transaction) -> None:
        await self._run(flows.transact_write(self.context, transaction.actions, transaction.token))

    async def transact_get(self, keys: Iterable[tuple[type, Any] | tuple[type, Any, Any]]) -> list[Any]:
        normalized = [(k[0], k[1], k[2] if len(k) > 2 else None) for k in keys]
        return await self._run(flows.transact_get(self.context, normalized))

    async def create_table(self, model: type, *, wait: bool = True, exist_ok: bool = False) -> None:
        await self._run(flows.create_table(self.context, model, wait, exist_ok))

    async def sync_table(self, model: type, *, wait: bool = True) -> list[str]:
        return await self._run(flows.sync_table(self.context, model, wait))

    async def delete_table(self, model: type) -> None:
        await self._run(flows.delete_table(self.context, model))

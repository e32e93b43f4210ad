"""Query and Scan builders. Build once, then run: ``page()``, ``all()``, ``count()``, ``first()``.

    notes = db.query(Note, "ann").using("byOwner").where(Attr("at").between(1, 9)).filter(Attr("done") == False)
    for note in notes.sort("descending").limit(10).all(): ...

The builder renders requests (``request()`` shows the next one); a session's driver runs the flows, so
``Query``/``Scan`` return values and ``AsyncQuery``/``AsyncScan`` return awaitables, with the same names.
``limit`` is the page size (DynamoDB's ``Limit``): ``page()`` returns one page with its ``last_key`` to pass to
``start_at``; ``all()`` follows pages to the end. For a model with an ``ExpiresAt`` field the filter also drops
items past their expiry, except on a global index that does not project that attribute.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, Self, TypeVar

from nubis.models.errors import ModelDefinitionError
from nubis.models.expressions import Attr, Condition, Renderer
from nubis.models.flows import Call, Context, Flow, live_filter, plan_of
from nubis.models.plan import AV, GlobalIndex, LocalIndex, ModelPlan

__all__ = ["AsyncQuery", "AsyncScan", "Page", "Query", "Scan"]

M = TypeVar("M")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Page(Generic[M]):
    """One page: the items, the key to continue from (``None`` at the end), and DynamoDB's counts."""

    items: list[M]
    last_key: dict[str, AV] | None
    count: int
    scanned_count: int


class Runner(Protocol):
    context: Context

    def _run(self, flow: Flow[R]) -> R: ...


class AsyncRunner(Protocol):
    context: Context

    async def _run(self, flow: Flow[R]) -> R: ...


class _Builder(Generic[M]):
    _operation = "query"

    def __init__(self, model: type[M], context: Context) -> None:
        self._model = model
        self._plan: ModelPlan = plan_of(model)
        self._context = context
        self._hash: Any = None
        self._where: Condition | None = None
        self._filter: Condition | None = None
        self._index: str | None = None
        self._limit: int | None = None
        self._start: dict[str, AV] | None = None
        self._attributes: tuple[str | Attr[Any], ...] | None = None
        self._consistent = False
        self._forward = True
        self._segment: tuple[int, int] | None = None

    # -- building ----------------------------------------------------------------------------------------------

    def filter(self, condition: Condition) -> Self:
        """Keep the items matching ``condition`` (a FilterExpression; several calls are ANDed)."""
        self._filter = condition if self._filter is None else self._filter & condition
        return self

    def using(self, index: str) -> Self:
        """Read a secondary index (declared on the model) instead of the table."""
        if not any(i.name == index for i in self._plan.indexes):
            raise ModelDefinitionError(f"{self._plan.name} declares no index {index!r}")
        self._index = index
        return self

    def limit(self, count: int) -> Self:
        """DynamoDB's ``Limit``: items evaluated per page."""
        self._limit = count
        return self

    def start_at(self, key: dict[str, AV] | None) -> Self:
        """Continue from a page's ``last_key``."""
        self._start = key
        return self

    def attributes(self, names: Iterable[str | Attr[Any]]) -> Self:
        """Read only these fields (a ProjectionExpression); the others come back ``None``."""
        self._attributes = tuple(names)
        return self

    def consistent(self, value: bool = True) -> Self:
        """Strongly consistent reads (not on global indexes)."""
        self._consistent = value
        return self

    # -- requests ----------------------------------------------------------------------------------------------

    def _key_fields(self) -> tuple[str, str | None]:
        plan = self._plan
        assert plan.hash_key is not None
        if self._index is None:
            return plan.hash_key.name, plan.range_key.name if plan.range_key else None
        index = next(i for i in plan.indexes if i.name == self._index)
        if isinstance(index, GlobalIndex):
            return index.hash_key, index.range_key
        assert isinstance(index, LocalIndex)
        return plan.hash_key.name, index.range_key

    def _index_has_expiry(self) -> bool:
        """Whether the items read carry the ``ExpiresAt`` attribute (a global index may not project it; a local
        index fetches it from the table)."""
        plan = self._plan
        index = next((i for i in plan.indexes if i.name == self._index), None)
        if not isinstance(index, GlobalIndex) or plan.expires is None:
            return True
        if index.projection == "ALL":
            return True
        names = (plan.expires.name, plan.expires.stored)
        return index.projection != "KEYS_ONLY" and any(name in index.projection for name in names)

    def request(self, *, count: bool = False) -> dict[str, Any]:
        """The Query or Scan request this builder sends first."""
        plan = self._plan
        r = Renderer(plan)
        request: dict[str, Any] = {"TableName": self._context.table(plan)}
        if self._index is not None:
            request["IndexName"] = self._index
        if self._operation == "query":
            hash_name, _ = self._key_fields()
            key_condition = Condition.attr(hash_name) == self._hash
            text = key_condition.render(r)
            if self._where is not None:
                text = f"{text} AND {self._where.render(r)}"
            request["KeyConditionExpression"] = text
            if not self._forward:
                request["ScanIndexForward"] = False
        condition = self._filter
        if plan.kind is not None:
            own = Condition.attr(plan.kind_attribute) == plan.kind
            condition = own if condition is None else own & condition
        live = live_filter(plan, time.time()) if self._index_has_expiry() else None
        if live is not None:
            condition = live if condition is None else live & condition
        if condition is not None:
            request["FilterExpression"] = condition.render(r)
        if count:
            request["Select"] = "COUNT"
        elif self._attributes is not None:
            request["ProjectionExpression"] = r.projection(self._attributes)
        if self._limit is not None:
            request["Limit"] = self._limit
        if self._start is not None:
            request["ExclusiveStartKey"] = self._start
        if self._consistent:
            request["ConsistentRead"] = True
        if self._segment is not None:
            request["Segment"], request["TotalSegments"] = self._segment
        return r.into(request)

    # -- flows -------------------------------------------------------------------------------------------------

    def _decode_all(self, items: list[dict[str, AV]]) -> list[M]:
        hooks = self._context.hooks
        out = []
        for item in items:
            instance = self._plan.decode(item)
            hooks.run("after_load", instance)
            out.append(instance)
        return out

    def _page_flow(self) -> Flow[Page[M]]:
        response = yield Call(self._operation, self.request())
        return Page(
            self._decode_all(response.get("Items", [])),
            response.get("LastEvaluatedKey"),
            int(response.get("Count", 0)),
            int(response.get("ScannedCount", 0)),
        )

    def _all_flow(self) -> Flow[list[M]]:
        request = self.request()
        out: list[M] = []
        while True:
            response = yield Call(self._operation, dict(request))
            out.extend(self._decode_all(response.get("Items", [])))
            last = response.get("LastEvaluatedKey")
            if not last:
                return out
            request["ExclusiveStartKey"] = last

    def _count_flow(self) -> Flow[int]:
        request = self.request(count=True)
        total = 0
        while True:
            response = yield Call(self._operation, dict(request))
            total += int(response.get("Count", 0))
            last = response.get("LastEvaluatedKey")
            if not last:
                return total
            request["ExclusiveStartKey"] = last

    def _first_flow(self) -> Flow[M | None]:
        request = self.request()
        while True:
            response = yield Call(self._operation, dict(request))
            items = response.get("Items", [])
            if items:
                return self._decode_all(items[:1])[0]
            last = response.get("LastEvaluatedKey")
            if not last:
                return None
            request["ExclusiveStartKey"] = last


class _QueryMixin(_Builder[M]):
    def where(self, condition: Condition) -> Self:
        """A condition on the range key (of the table or of the index): ``=``, ``<``, ``<=``, ``>``, ``>=``,
        ``between`` or ``begins_with``."""
        self._where = condition if self._where is None else self._where & condition
        return self

    def sort(self, direction: Literal["ascending", "descending"]) -> Self:
        """The range key's order (``ScanIndexForward``)."""
        self._forward = direction == "ascending"
        return self


class _ScanMixin(_Builder[M]):
    _operation = "scan"

    def segment(self, segment: int, total_segments: int) -> Self:
        """One segment of a parallel scan."""
        self._segment = (segment, total_segments)
        return self


class _Sync(_Builder[M]):
    _runner: Runner

    def page(self) -> Page[M]:
        """One page (``last_key`` continues it)."""
        return self._runner._run(self._page_flow())

    def all(self) -> list[M]:
        """Every item, following pages."""
        return self._runner._run(self._all_flow())

    def count(self) -> int:
        """How many items match (``Select=COUNT``), over every page."""
        return self._runner._run(self._count_flow())

    def first(self) -> M | None:
        """The first item, or ``None``."""
        return self._runner._run(self._first_flow())


class _Async(_Builder[M]):
    _runner: AsyncRunner

    async def page(self) -> Page[M]:
        return await self._runner._run(self._page_flow())

    async def all(self) -> list[M]:
        return await self._runner._run(self._all_flow())

    async def count(self) -> int:
        return await self._runner._run(self._count_flow())

    async def first(self) -> M | None:
        return await self._runner._run(self._first_flow())


class Query(_QueryMixin[M], _Sync[M]):
    """A Query on a model's table or index, run by a ``Session``."""

    def __init__(self, model: type[M], hash_key: Any, runner: Runner) -> None:
        super().__init__(model, runner.context)
        self._hash = hash_key
        self._runner = runner


class AsyncQuery(_QueryMixin[M], _Async[M]):
    """``Query`` for an ``AsyncSession``: ``page``, ``all``, ``count`` and ``first`` are awaited."""

    def __init__(self, model: type[M], hash_key: Any, runner: AsyncRunner) -> None:
        super().__init__(model, runner.context)
        self._hash = hash_key
        self._runner = runner


class Scan(_ScanMixin[M], _Sync[M]):
    """A Scan of a model's table or index, run by a ``Session``."""

    def __init__(self, model: type[M], runner: Runner) -> None:
        super().__init__(model, runner.context)
        self._runner = runner


class AsyncScan(_ScanMixin[M], _Async[M]):
    """``Scan`` for an ``AsyncSession``."""

    def __init__(self, model: type[M], runner: AsyncRunner) -> None:
        super().__init__(model, runner.context)
        self._runner = runner

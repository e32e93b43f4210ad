"""Table lifecycle and the per-process cache of table descriptions.

Descriptions live in the storage catalogue under ``table/<region>/<name>`` (tags under ``tags/<region>/<name>``).
Each process caches them and re-reads the catalogue when ``catalog_version`` moved, so several server processes
sharing one database agree on which tables exist. Write functions re-check the table inside the write
transaction (``check_live``), so a write racing a DeleteTable can never leave rows behind in a dropped space.
"""

from __future__ import annotations

import functools
import re
import threading
import time
import uuid
from dataclasses import replace
from typing import Any

import orjson

from nubis.tables import limits
from nubis.tables.engine import indexes
from nubis.tables.engine.stored import pack, unpack
from nubis.tables.errors import (
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from nubis.tables.schema import (
    DEFAULT_ACCOUNT,
    TableDescription,
    apply_index_updates,
    check_update_request,
    table_after_update,
    table_from_create_request,
)
from nubis.tables.storage.base import ReadView, Storage, WriteView
from nubis.tables.values import item_size


def table_key(region: str, name: str) -> str:
    return f"table/{region}/{name}"


def tags_key(region: str, name: str) -> str:
    return f"tags/{region}/{name}"


_TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]+\Z")


def table_name_from(value: str) -> str:
    """The table a ``TableName`` member names: a plain name (3-255 of ``[a-zA-Z0-9_.-]``) or a table ARN.

    botocore's current model types TableName as "name or ARN" without the name rules, so the service checks
    them, in the front end's wording ([V] recorded DescribeTable responses: length and pattern on 'tableName').
    """
    if value.startswith("arn:"):
        _, _, rest = value.partition(":table/")
        if rest:
            return rest.split("/", 1)[0]
    problems = []
    if not _TABLE_NAME.match(value):
        problems.append("Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    if len(value) < 3:
        problems.append("Member must have length greater than or equal to 3")
    if len(value) > 255:
        problems.append("Member must have length less than or equal to 255")
    if problems:
        count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
        raise ValidationException(
            count + "; ".join(f"Value '{value}' at 'tableName' failed to satisfy constraint: {p}" for p in problems)
        )
    return value


TOO_MANY_TAGS = "Number of Tags exceed the current limit for the provided ResourceArn"
"""[V] AWS-verified error catalogue (ack-api-quirks, 2026-10-09): the 50-tag limit, from TagResource, UntagResource
(more than 50 keys, although it removes tags) and CreateTable; a ValidationException, not LimitExceeded."""


def check_tag_keys(tags: list[dict[str, str]]) -> None:
    """The keys of a TagResource or CreateTable request ([V] AWS-verified error catalogue, 2026-10-09: both texts,
    seen live; a refused request applies none of its tags). Which text wins when a request breaks both rules is
    unverified: here the first offending tag decides."""
    seen: set[str] = set()
    for tag in tags:
        key = tag["Key"]
        if key.startswith("aws:"):
            raise ValidationException(f"Tag Key cannot be prefixed with aws:, Key: {key}")
        if key in seen:
            raise ValidationException(f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}")
        seen.add(key)


@functools.lru_cache(maxsize=1024)
def _identity(raw: bytes) -> tuple[int, int]:
    """A stored description's (space, revision). Every write checks its table's entry, and parsing it each time cost
    more than the rest of the check; keyed by the exact bytes, so any change to the entry is a miss."""
    current = orjson.loads(raw)
    return current["space"], current.get("revision", 0)


class Catalog:
    """Table descriptions: cached reads, and the control-plane write functions."""

    def __init__(self, storage: Storage, account: str = DEFAULT_ACCOUNT, recheck_seconds: float = 0.25) -> None:
        self._storage = storage
        self.account = account
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], TableDescription | None] = {}
        self._version = -1
        self._checked = 0.0
        self._recheck = recheck_seconds

    # -- reads ---------------------------------------------------------------------------------------------

    def get(self, region: str, name: str) -> TableDescription:
        """The live table or ResourceNotFoundException (data-plane wording)."""
        table = self.find(region, name)
        if table is None:
            raise ResourceNotFoundException()
        return table

    def find(self, region: str, name: str) -> TableDescription | None:
        key = (region, table_name_from(name))
        now = time.monotonic()
        if now - self._checked > self._recheck:
            with self._storage.read() as view:
                version = view.catalog_version()
                if version != self._version:
                    with self._lock:
                        self._cache.clear()
                        self._version = version
            self._checked = now
        try:
            return self._cache[key]
        except KeyError:
            pass
        with self._storage.read() as view:
            raw = view.catalog_get(table_key(*key))
        table = TableDescription.from_json(raw) if raw is not None else None
        with self._lock:
            self._cache[key] = table
        return table

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()
            self._checked = 0.0

    @staticmethod
    def check_live(view: ReadView, table: TableDescription) -> None:
        """Inside a write: the table still exists with the same space (not deleted or re-created meanwhile)."""
        Catalog.live(view, table)

    @staticmethod
    def live(view: ReadView, table: TableDescription) -> TableDescription:
        """Inside a write: the table's current description (a newer one when an index was added meanwhile).

        Raises ResourceNotFoundException when the table was deleted or re-created since ``table`` was read.
        """
        raw = view.catalog_get(table_key(table.region, table.name))
        if raw is None:
            raise ResourceNotFoundException()
        identity = _identity(raw)
        if identity[0] != table.space:
            raise ResourceNotFoundException()
        if identity[1] == table.revision:
            return table
        return TableDescription.from_json(raw)

    def list_names(self, region: str) -> list[str]:
        prefix = f"table/{region}/"
        with self._storage.read() as view:
            return [k[len(prefix) :] for k, _ in view.catalog_list(prefix)]

    def tags(self, table: TableDescription) -> list[dict[str, str]]:
        with self._storage.read() as view:
            raw = view.catalog_get(tags_key(table.region, table.name))
        return [] if raw is None else list(orjson.loads(raw))

    # -- writes (each runs on the storage writer) ----------------------------------------------------------

    def create(self, region: str, request: dict[str, Any]) -> TableDescription:
        name = table_name_from(request["TableName"])
        request = {**request, "TableName": name}

        def fn(view: WriteView) -> TableDescription:
            if view.catalog_get(table_key(region, name)) is not None:
                raise ResourceInUseException(f"Table already exists: {name}")
            if len(view.catalog_list(f"table/{region}/")) >= limits.MAX_TABLES_PER_REGION:
                raise LimitExceededException(
                    f"Subscriber limit exceeded: Table limit of {limits.MAX_TABLES_PER_REGION} exceeded"
                )
            table = table_from_create_request(
                request,
                region=region,
                account=self.account,
                space=view.next_space_id(),
                table_id=str(uuid.uuid4()),
                now=round(time.time(), 3),
                next_space=view.next_space_id,
            )
            tags = request.get("Tags")
            if tags:
                check_tag_keys(tags)
                if len(tags) > limits.MAX_TAGS_PER_RESOURCE:
                    raise ValidationException(TOO_MANY_TAGS)
                view.catalog_put(tags_key(region, name), orjson.dumps(_merge_tags([], tags)))
            view.catalog_put(table_key(region, name), table.to_json())
            return table

        table = self._storage.write(fn)
        self.invalidate()
        return table

    def delete(self, region: str, name: str) -> TableDescription:
        name = table_name_from(name)

        def fn(view: WriteView) -> tuple[TableDescription, int, int]:
            raw = view.catalog_get(table_key(region, name))
            if raw is None:
                raise ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")
            table = TableDescription.from_json(raw)
            if table.deletion_protection:
                raise ValidationException(
                    "Resource cannot be deleted as it is currently protected against deletion. Disable deletion "
                    "protection first."
                )
            stats = view.stats(table.space)
            view.drop_space(table.space)
            for index in table.indexes:
                view.drop_space(index.space)
            view.catalog_delete(table_key(region, name))
            view.catalog_delete(tags_key(region, name))
            return table, stats.item_count, stats.size_bytes

        table, _, _ = self._storage.write(fn)
        self.invalidate()
        return replace(table, status="DELETING")

    def update(self, region: str, request: dict[str, Any]) -> TableDescription:
        name = table_name_from(request["TableName"])
        check_update_request(request)

        def fn(view: WriteView) -> TableDescription:
            raw = view.catalog_get(table_key(region, name))
            if raw is None:
                raise ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")
            table = table_after_update(TableDescription.from_json(raw), request, now=round(time.time(), 3))
            table, dropped = apply_index_updates(table, request, view.next_space_id)
            for index in dropped:
                view.drop_space(index.space)
            table = replace(table, revision=table.revision + 1)
            view.catalog_put(table_key(region, name), table.to_json())
            return table

        table = self._storage.write(fn)
        self.invalidate()
        return table

    def backfill_step(
        self, table: TableDescription, index_name: str, after: tuple[int, bytes, bytes] | None, chunk: int
    ) -> tuple[int, bytes, bytes] | None:
        """Index up to ``chunk`` table rows after ``after`` (one write function); None when the walk is done.

        Runs on the writer between foreground writes, so every row is indexed from its latest version: rows
        written since the index was added were already indexed by the write path and are left alone.
        """

        def fn(view: WriteView) -> tuple[int, bytes, bytes] | None:
            live = Catalog.live(view, table)
            index = live.index(index_name)
            if index is None or index.status != "CREATING":
                return None
            last = None
            for count, row in enumerate(view.scan(live.space, after)):
                if count >= chunk:
                    return last
                last = (row.h, row.pk, row.sk)
                item = unpack(row.value)
                key = indexes.entry_key(live, index, item)
                if key is None or view.get(index.space, *key) is not None:
                    continue
                entry = indexes.project(live, index, item)
                size = item_size(entry)
                view.put(index.space, *key, pack(entry, size))
                view.add_stats(index.space, 1, size)
            # The walk reached the end: the index is complete.
            done = replace(index, status="ACTIVE", backfilling=False)
            updated = replace(
                live,
                indexes=tuple(done if i.name == index_name else i for i in live.indexes),
                revision=live.revision + 1,
            )
            view.catalog_put(table_key(live.region, live.name), updated.to_json())
            return None

        result = self._storage.write(fn)
        if result is None:
            self.invalidate()
        return result

    def tag(self, table: TableDescription, tags: list[dict[str, str]]) -> None:
        def fn(view: WriteView) -> None:
            self.check_live(view, table)
            raw = view.catalog_get(tags_key(table.region, table.name))
            merged = _merge_tags([] if raw is None else orjson.loads(raw), tags)
            if len(merged) > limits.MAX_TAGS_PER_RESOURCE:
                raise ValidationException(TOO_MANY_TAGS)
            view.catalog_put(tags_key(table.region, table.name), orjson.dumps(merged))

        self._storage.write(fn)

    def untag(self, table: TableDescription, keys: list[str]) -> None:
        def fn(view: WriteView) -> None:
            self.check_live(view, table)
            raw = view.catalog_get(tags_key(table.region, table.name))
            current = [] if raw is None else orjson.loads(raw)
            drop = set(keys)
            view.catalog_put(
                tags_key(table.region, table.name), orjson.dumps([t for t in current if t["Key"] not in drop])
            )

        self._storage.write(fn)


def _merge_tags(current: list[dict[str, str]], new: list[dict[str, str]]) -> list[dict[str, str]]:
    merged = {t["Key"]: t["Value"] for t in current}
    for t in new:
        merged[t["Key"]] = t.get("Value", "")
    return [{"Key": k, "Value": v} for k, v in merged.items()]

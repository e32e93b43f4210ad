"""Time to Live: the per-table setting and the sweeper that deletes expired items as the service would.

An item expires when its TTL attribute is a number of epoch seconds in the past. DynamoDB deletes expired items in
the background "typically within a few days" and keeps serving them until then; items whose expiry is more than
five years in the past are never deleted ([D] "How Time to Live works"). Nubis sweeps every ``interval`` seconds in
small write functions (so foreground writes wait at most one chunk), and deletes through the ordinary write path,
so every index stays in step and the table counters stay exact.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from nubis.tables.engine import items
from nubis.tables.engine.catalog import Catalog, table_key, table_name_from
from nubis.tables.engine.stored import packed_size, unpack
from nubis.tables.errors import ResourceNotFoundException, ValidationException
from nubis.tables.schema import TableDescription
from nubis.tables.storage.base import Storage, WriteView
from nubis.tables.values import Item

FIVE_YEARS_SECONDS = 5 * 365 * 24 * 3600
SWEEP_CHUNK = 500


def is_expired(item: Item, attribute: str, now: float) -> bool:
    av = item.get(attribute)
    if av is None or "N" not in av:
        return False  # [D] a TTL attribute that is not a Number is ignored
    try:
        expiry = Decimal(av["N"])
    except InvalidOperation:
        return False
    return now - FIVE_YEARS_SECONDS <= expiry < Decimal(now)


def describe(table: TableDescription) -> dict[str, Any]:
    if table.ttl_attribute is None:
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": table.ttl_attribute}}


def update(catalog: Catalog, storage: Storage, region: str, request: dict[str, Any]) -> dict[str, Any]:
    """UpdateTimeToLive ([D] api/UpdateTimeToLive): enable with an attribute name, or disable."""
    spec = request["TimeToLiveSpecification"]
    enabled, attribute = bool(spec["Enabled"]), spec["AttributeName"]
    name = table_name_from(request["TableName"])
    table = catalog.find(region, name)
    if table is None:  # [V] AWS-verified error catalogue (ack-api-quirks, 2026-10-09, live): control-plane wording
        raise ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")

    def fn(view: WriteView) -> None:
        live = Catalog.live(view, table)
        current = live.ttl_attribute
        if current is not None and attribute != current:
            # [V] AWS-verified error catalogue (2026-10-09, live) for enabling another attribute; [L] DynamoDB Local
            # 3.3 refuses disabling with another name the same way (without the text after the colon), where Nubis
            # used to disable TTL.
            raise ValidationException(
                f"TimeToLive is active on a different AttributeName: current AttributeName is {current}"
            )
        if enabled and current is not None:
            raise ValidationException("TimeToLive is already enabled")
        if not enabled and current is None:
            raise ValidationException("TimeToLive is already disabled")
        updated = replace(live, ttl_attribute=attribute if enabled else None, revision=live.revision + 1)
        view.catalog_put(table_key(live.region, live.name), updated.to_json())

    storage.write(fn)
    catalog.invalidate()
    return {"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}


def sweep_step(
    storage: Storage, table: TableDescription, after: tuple[int, bytes, bytes] | None, now: float
) -> tuple[tuple[int, bytes, bytes] | None, int]:
    """Delete the expired items among the next ``SWEEP_CHUNK`` rows; returns the cursor and how many went."""

    def fn(view: WriteView) -> tuple[tuple[int, bytes, bytes] | None, int]:
        live = Catalog.live(view, table)
        if live.ttl_attribute is None:
            return None, 0
        expired: list[tuple[tuple[int, bytes, bytes], Item, int]] = []
        last = None
        for count, row in enumerate(view.scan(live.space, after)):
            if count >= SWEEP_CHUNK:
                break
            last = (row.h, row.pk, row.sk)
            item = unpack(row.value)
            if is_expired(item, live.ttl_attribute, now):
                expired.append((last, item, packed_size(row.value)))
        else:
            last = None  # reached the end of the table
        for skey, item, size in expired:
            items.store(view, live, skey, item, size, None, 0)
        return last, len(expired)

    return storage.write(fn)


class Sweeper:
    """A daemon thread sweeping every table with TTL enabled, one small write function at a time."""

    def __init__(self, storage: Storage, tables: Callable[[], list[TableDescription]], interval: float) -> None:
        self._storage = storage
        self._tables = tables
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nubis-ttl", daemon=True)
        self.deleted = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sweep_once()

    def sweep_once(self) -> int:
        """One pass over every TTL table; returns the number of items deleted (also used by tests)."""
        deleted = 0
        for table in self._tables():
            if table.ttl_attribute is None:
                continue
            cursor = None
            try:
                while not self._stop.is_set():
                    cursor, count = sweep_step(self._storage, table, cursor, time.time())
                    deleted += count
                    if cursor is None:
                        break
            except (ResourceNotFoundException, RuntimeError):
                continue  # deleted meanwhile, or storage closing
        self.deleted += deleted
        return deleted

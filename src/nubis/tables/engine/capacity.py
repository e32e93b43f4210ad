"""``ConsumedCapacity`` arithmetic as DynamoDB bills it ([D] "Read/write capacity mode", item sizes).

- Reads: one unit per 4 KB, rounded up, at least one; eventually consistent reads cost half. Query and Scan add
  the sizes of every item *read* (before any filter) and round once; GetItem and BatchGetItem round per item.
- Writes: one unit per 1 KB, rounded up, at least one, of the larger of the item before and after the write.
"""

from __future__ import annotations

from typing import Any

from nubis.tables import limits


def read_units(size: int, consistent: bool) -> float:
    units = max(1, -(-size // limits.READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


def write_units(old_size: int, new_size: int) -> float:
    return float(max(1, -(-max(old_size, new_size) // limits.WRITE_UNIT_BYTES)))


def consumed(table_name: str, units: float, mode: str | None, *, read: bool) -> dict[str, Any] | None:
    """The ``ConsumedCapacity`` member for ``ReturnConsumedCapacity`` TOTAL or INDEXES (None for NONE)."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    out: dict[str, Any] = {
        "TableName": table_name,
        "CapacityUnits": units,
        "ReadCapacityUnits" if read else "WriteCapacityUnits": units,
    }
    if mode == "INDEXES":
        out["Table"] = {"CapacityUnits": units, "ReadCapacityUnits" if read else "WriteCapacityUnits": units}
    return out

"""``ConsumedCapacity`` arithmetic as DynamoDB bills it ([D] "Read/write capacity mode", item sizes).

- Reads: one unit per 4 KB, rounded up, at least one; eventually consistent reads cost half. Query and Scan add
  the sizes of every item *read* (before any filter) and round once; GetItem and BatchGetItem round per item.
- Writes: one unit per 1 KB, rounded up, at least one, of the larger of the item before and after the write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


def index_capacity(kind_of: dict[str, Any], units: dict[str, float]) -> dict[str, Any]:
    """The ``GlobalSecondaryIndexes``/``LocalSecondaryIndexes`` members of an INDEXES ConsumedCapacity."""
    out: dict[str, Any] = {}
    for name, value in units.items():
        member = "GlobalSecondaryIndexes" if kind_of.get(name) == "GSI" else "LocalSecondaryIndexes"
        out.setdefault(member, {})[name] = {"CapacityUnits": value}
    return out


@dataclass(slots=True)
class WriteTally:
    """One table's write units over several writes (a batch, a transaction): its own and each index's, because
    ReturnConsumedCapacity INDEXES reports them apart ([D] api/BatchWriteItem, api/TransactWriteItems)."""

    kinds: dict[str, Any]
    """Index name -> "GSI" or "LSI"."""
    table: float = 0.0
    indexes: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return self.table + sum(self.indexes.values())

    def add(self, old_size: int, new_size: int, index_bytes: dict[str, int], factor: int = 1) -> None:
        """One item write and its index entries; ``factor`` 2 for a transaction's (they cost twice)."""
        self.table += factor * write_units(old_size, new_size)
        for name, size in index_bytes.items():
            self.indexes[name] = self.indexes.get(name, 0.0) + factor * write_units(size, 0)

    def consumed(self, table_name: str, mode: str) -> dict[str, Any]:
        """This table's ``ConsumedCapacity`` entry for TOTAL or INDEXES."""
        total = self.total
        out: dict[str, Any] = {"TableName": table_name, "CapacityUnits": total, "WriteCapacityUnits": total}
        if mode == "INDEXES":
            out["Table"] = {"CapacityUnits": self.table, "WriteCapacityUnits": self.table}
            out.update(index_capacity(self.kinds, self.indexes))
        return out

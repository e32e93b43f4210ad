"""Batch writes collected in a block: ``with db.batch() as batch: batch.save(a); batch.delete(b)``.

Sent through ``batch_write_all`` when the block ends (25 a request, unprocessed items retried by the client).
Not atomic and not ordered: use a ``Transaction`` for all-or-nothing. ``Session.batch_get`` reads many keys.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Batch"]


class Batch:
    """Puts and deletes to send together."""

    def __init__(self) -> None:
        self.puts: list[Any] = []
        self.deletes: list[Any] = []

    def save(self, item: Any) -> None:
        """Put ``item`` (replacing any item with its key)."""
        self.puts.append(item)

    def delete(self, item: Any) -> None:
        """Delete the item with ``item``'s key."""
        self.deletes.append(item)

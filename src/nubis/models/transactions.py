"""A unit of work: writes and checks across models, all applied or none (TransactWriteItems).

    tx = Transaction()
    tx.create(Order(id="o1", total=5))
    tx.update(Stock, "sku1", add={"count": -1}, condition=Attr("count") >= 1)
    tx.condition(Customer, "ann", Attr("active") == True)
    tx.delete(Cart, "ann")
    tx.update(account, actions=[Account.balance.add(-5)])   # an instance: its Version checked
    db.transact(tx)                       # or: await adb.transact(tx)

A cancelled transaction raises ``TransactionCanceled``; its ``reasons`` name the failing actions by their
position here. Up to 100 actions, one per item (DynamoDB's rules). Where a key is asked for, an instance may
stand for its model and key: then the action also requires the instance's ``Version``. Puts increment the
instances' versions once the transaction commits; an updated instance is not refreshed (a transaction returns
no items), so read it again before saving it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from nubis.models.expressions import Action, Condition

__all__ = ["Transaction"]


class Transaction:
    """Collects actions; a session's ``transact`` sends them."""

    def __init__(self, token: str | None = None) -> None:
        self.actions: list[tuple[str, Any, dict[str, Any]]] = []
        self.token = token
        """The idempotency token (``ClientRequestToken``); the client makes one when ``None``."""

    def create(self, item: Any, *, condition: Condition | None = None) -> Transaction:
        """Put ``item``, failing if an item with its key exists."""
        self.actions.append(("put", item, {"must_not_exist": True, "condition": condition}))
        return self

    def save(self, item: Any, *, condition: Condition | None = None) -> Transaction:
        """Put ``item``, replacing any item with its key (if ``condition`` holds)."""
        self.actions.append(("put", item, {"must_not_exist": False, "condition": condition}))
        return self

    def update(
        self,
        target: Any,
        hash_key: Any = None,
        range_key: Any = None,
        *,
        set: Mapping[str, Any] | None = None,
        add: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        delete: Mapping[str, Any] | None = None,
        actions: Iterable[Action] = (),
        condition: Condition | None = None,
    ) -> Transaction:
        """Update one item, by model and key or by instance (as ``Session.update``, but an absent item is created
        unless ``condition`` says)."""
        options = {"hash_key": hash_key, "range_key": range_key, "set": set, "add": add, "actions": tuple(actions)}
        options.update({"remove": tuple(remove), "delete": delete, "condition": condition})
        self.actions.append(("update", target, options))
        return self

    def delete(
        self, target: Any, hash_key: Any = None, range_key: Any = None, *, condition: Condition | None = None
    ) -> Transaction:
        """Delete one item, by model and key or by instance (if ``condition`` holds)."""
        self.actions.append(("delete", target, {"hash_key": hash_key, "range_key": range_key, "condition": condition}))
        return self

    def condition(self, target: Any, hash_key: Any = None, range_key: Any = None, *, check: Condition) -> Transaction:
        """Require ``check`` to hold on an item that the transaction does not write (by model and key, or by
        instance)."""
        self.actions.append(("check", target, {"hash_key": hash_key, "range_key": range_key, "condition": check}))
        return self

    def __len__(self) -> int:
        return len(self.actions)

"""Bound models (``db.bind(Model)``), run four ways (see conftest): Dynamoose's model and item calls with the
session given once."""

from __future__ import annotations

import pytest

from nubis.models import Attr, ConditionFailed, DoesNotExist, GlobalIndex, HashKey, Model

from .models import Account, Event


def test_item_calls(db) -> None:
    accounts = db.bind(Account)
    assert repr(accounts).endswith("Bound(Account)")
    ann = accounts.create(Account(id="ann", balance=3))
    with pytest.raises(ConditionFailed):
        accounts.create(Account(id="ann"))
    assert accounts.get("ann", consistent=True).balance == 3
    assert accounts.get("ann", attributes=[Account.balance]).owner is None
    assert accounts.find("nobody") is None
    with pytest.raises(DoesNotExist):
        accounts.get("nobody")
    ann.owner = "Ann"
    accounts.save(ann)
    assert accounts.update(ann, actions=[Account.balance.add(2)]).balance == 5 and ann.balance == 5
    updated = accounts.update("ann", actions=[Account.owner.set("Annie")], condition=Account.balance == 5)
    assert (updated.owner, updated.version) == ("Annie", 4)
    with pytest.raises(ConditionFailed):
        accounts.delete(ann)  # stale (version 3)
    assert accounts.delete("ann", condition=Account.owner == "Annie").owner == "Annie"
    assert accounts.delete("ann") is None


def test_query_scan_and_batches(db) -> None:
    events = db.bind(Event)
    events.batch_put([Event(stream="s", at=i, kind="odd" if i % 2 else "even") for i in range(6)])
    assert [e.at for e in events.query("s").where(Event.at >= 3).all()] == [3, 4, 5]
    assert events.query("s").filter(Event.kind == "odd").count() == 3
    assert events.scan().filter(Event.at.is_in([1, 2, 9])).count() == 2
    assert sorted(e.at for e in events.batch_get([("s", 1), ("s", 2), ("s", 99)])) == [1, 2]
    first = events.get("s", 0)
    events.batch_delete([first, ("s", 1)])
    assert [e.at for e in events.query("s").all()] == [2, 3, 4, 5]


def test_table_calls(db) -> None:
    class Note(Model, table="notes", indexes=[GlobalIndex("byTitle", "title")]):
        id: Attr[str] = HashKey()
        title: Attr[str]

    class Plain(Model, table="notes"):
        id: Attr[str] = HashKey()

    db.bind(Plain).create_table()
    notes = db.bind(Note)
    notes.create_table(exist_ok=True)
    assert notes.sync_table() == ["byTitle"]
    notes.create(Note(id="n", title="hello"))
    assert [n.id for n in notes.query("hello").using("byTitle").all()] == ["n"]
    notes.delete_table()
    assert notes.sync_table() == ["byTitle"]  # created again, with its index

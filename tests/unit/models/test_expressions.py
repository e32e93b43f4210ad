"""Rendered expressions are deterministic and valid: each request a session would send is compiled by the table
service's own expression compiler (``nubis.tables.expressions.compile_expressions``), which raises on anything
DynamoDB would refuse (syntax, unused or undefined placeholders, bad operands)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from nubis.models import Attr, Condition, Session, Transaction
from nubis.models.expressions import Renderer, render_update
from nubis.tables.expressions import compile_expressions

from .models import Account, Address, Event, Token, User

_KIND = {"get_item": "GetItem", "put_item": "PutItem", "update_item": "UpdateItem", "delete_item": "DeleteItem"}
_KIND |= {"query": "Query", "scan": "Scan"}


class Recorder:
    """Stands in for a ``Client``: records each request and answers with an empty success."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Any:
        def call(*args: Any, **request: Any) -> dict[str, Any]:
            self.calls.append((method, request))
            if method == "get_item":
                return {"Item": {"id": {"S": "x"}}}
            if method == "update_item":
                return {"Attributes": {"id": {"S": "x"}}}
            return {}

        return call


def compile_request(kind: str, request: dict[str, Any]) -> None:
    compile_expressions(
        kind=kind,  # type: ignore[arg-type]
        condition_expression=request.get("ConditionExpression"),
        filter_expression=request.get("FilterExpression"),
        projection_expression=request.get("ProjectionExpression"),
        update_expression=request.get("UpdateExpression"),
        key_condition_expression=request.get("KeyConditionExpression"),
        expression_attribute_names=request.get("ExpressionAttributeNames"),
        expression_attribute_values=request.get("ExpressionAttributeValues"),
    )


CONDITIONS = [
    Attr("age") == 1,
    Attr("age") != 1,
    Attr("age") < 1,
    Attr("age") <= 1,
    Attr("age") > 1,
    Attr("age") >= 1,
    Attr("age").between(1, 5),
    Attr("role").is_in(["user", "admin"]),
    Attr("email").begins_with("a"),
    Attr("tags").contains("x"),
    Attr("email").exists(),
    Attr("email").not_exists(),
    Attr("extra").is_type("N"),
    Attr("tags").size() > 2,
    Attr("notes").size().between(1, 3),
    Attr("address.city") == "Oslo",
    Attr("notes[0]") == "first",
    Attr("age") == Attr("score"),
    ((Attr("age") > 1) & (Attr("age") < 9)) | ~Attr("email").exists(),
    Condition.all(Attr("age") > 1, Attr("role") == "user", Attr("active") == True),  # noqa: E712
    Condition.any(Attr("name") == "x", Attr("name") == "y"),
]


@pytest.mark.parametrize("condition", CONDITIONS, ids=range(len(CONDITIONS)))
def test_every_condition_compiles_in_every_operation(condition: Condition) -> None:
    recorder = Recorder()
    db = Session(recorder, prefix="t_")  # type: ignore[arg-type]
    db.get(User, "x", attributes=["name", "address.city", "notes[1]"])
    db.save(User(id="x", email="a@b.c", name="n"), condition=condition)
    db.create(User(id="x", email="a@b.c", name="n"), condition=condition)
    db.update(
        User,
        "x",
        set={"name": "n", "address": Address(city="c"), "avatar": None, "score": Attr("age")},
        add={"age": 1, "tags": {"q"}},
        remove=["extra", "notes[0]"],
        delete={"lucky": {3}},
        condition=condition,
    )
    db.delete(User, "x", condition=condition)
    db.query(Event, "s").where(Attr("at").between(1, 2)).filter(condition).attributes(["kind"]).all()
    db.query(Event, "s").where(Attr("at") >= 3).filter(Attr("kind") == "x").count()
    db.query(Event, "even").using("byKindAt").where(Attr("at") < 3).first()
    db.scan(User).filter(condition).all()
    for method, request in recorder.calls:
        compile_request(_KIND[method], request)
    assert all(request["TableName"].startswith("t_") for _, request in recorder.calls)


def test_transaction_items_compile() -> None:
    recorder = Recorder()
    tx = Transaction()
    tx.create(User(id="a", email="a@b.c", name="n"), condition=Attr("age") > 1)
    tx.update(Event, "s", 1, set={"kind": "k"}, add={"count": 1}, condition=Attr("kind").exists())
    tx.delete(Event, "s", 2, condition=Attr("kind") == "x")
    tx.condition(User, "b", check=Attr("email").begins_with("b"))
    Session(recorder).transact(tx)  # type: ignore[arg-type]
    ((method, request),) = recorder.calls
    assert method == "transact_write_items"
    kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheck"}
    for entry in request["TransactItems"]:
        ((action, body),) = entry.items()
        compile_request(kinds[action], body)


def test_rendering_is_deterministic_and_uses_stored_names() -> None:
    condition = (Attr("name") == "x") & (Attr("age").between(1, 2)) & Attr("name").begins_with("x")
    first = condition.to_expression(User.__plan__)
    assert first == condition.to_expression(User.__plan__)
    text, names, values = first
    assert text == "((#n0 = :v0) AND (#n1 BETWEEN :v1 AND :v2)) AND (begins_with(#n0, :v3))"
    assert names == {"#n0": "n", "#n1": "age"}
    assert values == {":v0": {"S": "x"}, ":v1": {"N": "1"}, ":v2": {"N": "2"}, ":v3": {"S": "x"}}


def test_condition_values_use_the_field_codec() -> None:
    import datetime as dt

    when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    _, _, values = (Attr("seen") > when).to_expression(User.__plan__)
    assert values == {":v0": {"S": "2024-01-01T00:00:00+00:00"}}
    _, _, values = (Attr("avatar") == b"\x01").to_expression(User.__plan__)
    assert values == {":v0": {"B": "AQ=="}}


def test_builder_misuse_is_refused() -> None:
    with pytest.raises(ValueError):
        Attr("x").is_in([])
    with pytest.raises(ValueError):
        Attr("x").is_type("Q")
    with pytest.raises(TypeError):
        hash(Attr("x"))


def test_field_refs_are_the_fields_attrs() -> None:
    """A model's class attribute is an ``Attr`` of the field (typed ``Attr[X]`` when annotated so); instances
    keep their values."""
    assert repr(Event.at) == "Attr('at')" and repr(User.age) == "Attr('age')"  # Attr-annotated and plain
    event = Event(stream="s", at=3)
    assert event.at == 3 and Event.at.path == "at"
    event.at = 4
    assert event.at == 4 and isinstance(Event.__dict__["at"], Attr)
    assert Event.tags.path == "tags" and User.address[Address.city].path == "address.city"
    assert User.notes[2].path == "notes[2]" and User.prefs["dark"].path == "prefs.dark"
    typed = (Event.at.between(1, 2) & Event.kind.begins_with("o")).to_expression(Event.__plan__)
    by_name = (Attr("at").between(1, 2) & Attr("kind").begins_with("o")).to_expression(Event.__plan__)
    assert typed == by_name
    assert (User.name == "x").to_expression(User.__plan__)[1] == {"#n0": "n"}  # the stored name


def test_update_actions_render_with_the_mappings() -> None:
    r = Renderer(User.__plan__)
    text = render_update(
        r,
        set={"age": 1},
        actions=[
            User.name.set("bo"),
            User.score.set(User.age),
            User.balance.set_if_not_exists(Decimal(0)),
            User.lucky.add({7}),
            User.tags.delete({"a"}),
            User.extra.remove(),
            User.address[Address.city].set("Oslo"),
        ],
    )
    assert text == (
        "SET #n1 = :v0, #n2 = :v1, #n3 = #n1, #n4 = if_not_exists(#n4, :v2), #n5.#n6 = :v3 "
        "REMOVE #n0 ADD #n7 :v4 DELETE #n8 :v5"
    )
    assert r.attribute_names()["#n2"] == "n" and r.values[":v1"] == {"S": "bo"}
    assert r.values[":v4"] == {"NS": ["7"]} and r.values[":v5"] == {"SS": ["a"]}


def test_typed_refs_and_managed_fields_compile_in_every_operation() -> None:
    recorder = Recorder()
    db = Session(recorder)  # type: ignore[arg-type]
    actions = [Event.count.add(1), Event.tags.add({"x"}), Event.body.set("b"), Event.kind.remove()]
    db.update(Event, "s", 1, actions=actions, condition=Event.tags.contains("y") | (Event.count.size() < 3))
    db.query(Event, "s").where(Event.at.between(1, 5)).filter(Event.kind.is_in(["a", "b"])).attributes(
        [Event.body]
    ).all()
    db.scan(Token).filter(Token.owner.begins_with("a")).count()
    db.query(Token, "t").first()
    db.get(Token, "x", attributes=[Token.owner])
    db.save(Account(id="a"), condition=Account.balance >= 0)
    db.update(Account(id="a", balance=1), actions=[Account.balance.add(-1)])
    db.delete(Account(id="a"), condition=Account.owner.exists())
    db.bind(Account).update("a", set={"owner": "x"})
    for method, request in recorder.calls:
        compile_request(_KIND[method], request)
    scan = next(request for method, request in recorder.calls if method == "scan")
    assert scan["FilterExpression"].startswith("((attribute_not_exists(#n0)) OR (#n0 >= :v0)) AND")
    assert scan["ExpressionAttributeNames"]["#n0"] == "ttl"


def test_versioned_transaction_items_compile() -> None:
    recorder = Recorder()
    tx = Transaction()
    tx.save(Account(id="a", balance=1))
    tx.update(Account(id="b"), actions=[Account.balance.add(1)])
    tx.update(Account, "c", set={"owner": "x"})
    tx.delete(Account(id="d"))
    tx.condition(Account(id="e"), check=Account.balance > 0)
    Session(recorder).transact(tx)  # type: ignore[arg-type]
    ((_, request),) = recorder.calls
    kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheck"}
    for entry in request["TransactItems"]:
        ((action, body),) = entry.items()
        compile_request(kinds[action], body)
    put, by_instance, by_key, delete, check = (next(iter(e.values())) for e in request["TransactItems"])
    assert put["ConditionExpression"] == "attribute_not_exists(#n0)" and put["Item"]["version"] == {"N": "1"}
    assert "ADD" in by_key["UpdateExpression"] and "ConditionExpression" not in by_key
    assert by_instance["ConditionExpression"] == "attribute_not_exists(#n0)"
    assert delete["ConditionExpression"] == "attribute_not_exists(#n0)"
    assert check["ConditionExpression"] == "(attribute_not_exists(#n0)) AND (#n1 > :v0)"

"""Rendered expressions are deterministic and valid: each request a session would send is compiled by the table
service's own expression compiler (``nubis.tables.expressions.compile_expressions``), which raises on anything
DynamoDB would refuse (syntax, unused or undefined placeholders, bad operands)."""

from __future__ import annotations

from typing import Any

import pytest

from nubis.models import Attr, Condition, Session, Transaction
from nubis.tables.expressions import compile_expressions

from .models import Address, Event, User

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

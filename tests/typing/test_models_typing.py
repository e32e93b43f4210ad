"""mypy knows each field's type on instances, the constructor's keywords and what every operation returns.

Checked by mypy (``[tool.mypy] files``); also run by pytest, where the ``check_*`` functions just execute.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import assert_type
from uuid import UUID, uuid4

from nubis.client import Client
from nubis.models import (
    AsyncSession,
    Attr,
    Condition,
    CreatedAt,
    Document,
    Field,
    HashKey,
    Model,
    Page,
    RangeKey,
    Session,
    UpdatedAt,
)


class Color(enum.Enum):
    RED = "red"


class Address(Document):
    city: str
    zip: str | None = None


class Person(Model, table="people"):
    id: str = HashKey()
    name: str = Field(attr_name="n")
    age: int = 0
    score: float = 0.0
    balance: Decimal = Decimal(0)
    ok: bool = True
    blob: bytes | None = None
    born: dt.date | None = None
    token: UUID = Field(default_factory=uuid4)
    color: Color = Color.RED
    tags: set[str] = Field(default_factory=set)
    lucky: set[int] = Field(default_factory=set)
    notes: list[str] = Field(default_factory=list)
    prefs: dict[str, int] = Field(default_factory=dict)
    address: Address | None = None
    either: int | str | None = None
    created: dt.datetime | None = CreatedAt(default=None)
    updated: dt.datetime | None = UpdatedAt(default=None)


class Line(Model, table="lines"):
    order: str = HashKey()
    number: int = RangeKey()
    sku: str = ""


def check_fields() -> None:
    person = Person(id="p", name="Ann")
    assert_type(person.id, str)
    assert_type(person.name, str)
    assert_type(person.age, int)
    assert_type(person.score, float)
    assert_type(person.balance, Decimal)
    assert_type(person.ok, bool)
    assert_type(person.blob, bytes | None)
    assert_type(person.born, dt.date | None)
    assert_type(person.token, UUID)
    assert_type(person.color, Color)
    assert_type(person.tags, set[str])
    assert_type(person.lucky, set[int])
    assert_type(person.notes, list[str])
    assert_type(person.prefs, dict[str, int])
    assert_type(person.address, Address | None)
    assert_type(person.either, int | str | None)
    assert_type(person.created, dt.datetime | None)
    Line(number=1, order="o")
    assert_type(Line(order="o", number=2).number, int)


def refused() -> None:
    """Never run: mypy must reject each line (``warn_unused_ignores`` proves it does)."""
    Person(id="p", nope=1)  # type: ignore[call-arg]
    Person(id=1, name="x")  # type: ignore[arg-type]
    Line(order="o")  # type: ignore[call-arg]
    Person(id="p", name="n").age = "old"  # type: ignore[assignment]


def check_session(db: Session) -> None:
    assert_type(db.get(Person, "p"), Person)
    assert_type(db.find(Line, "o", 1), Line | None)
    assert_type(db.create(Person(id="p2", name="n")), Person)
    assert_type(db.save(Line(order="o", number=1)), Line)
    assert_type(db.update(Person, "p", add={"age": 1}), Person)
    assert_type(db.delete(Person, "p"), Person | None)
    query = db.query(Line, "o").where(Attr("number") > 1).filter(Attr("sku") == "x").limit(5)
    assert_type(query.all(), list[Line])
    assert_type(query.page(), Page[Line])
    assert_type(query.page().items, list[Line])
    assert_type(query.first(), Line | None)
    assert_type(query.count(), int)
    assert_type(db.scan(Person).filter(Attr("age") > 1).all(), list[Person])
    assert_type(db.batch_get(Person, ["a", "b"]), list[Person])
    assert_type(Attr("a") == 1, Condition)
    assert_type(~(Attr("a") > 1) | Attr("b").exists(), Condition)


async def check_async_session(adb: AsyncSession) -> None:
    assert_type(await adb.get(Person, "p"), Person)
    assert_type(await adb.find(Person, "p"), Person | None)
    assert_type(await adb.update(Line, "o", 1, set={"sku": "s"}), Line)
    assert_type(await adb.query(Line, "o").sort("descending").all(), list[Line])
    assert_type(await adb.scan(Line).count(), int)


def test_checks_run() -> None:
    check_fields()
    with Client.in_process() as client:
        db = Session(client)
        db.create_table(Person)
        db.create_table(Line)
        db.create(Person(id="p", name="n"))
        db.create(Line(order="o", number=1))
        check_session(db)

"""mypy knows each field's type on instances, the constructor's keywords and what every operation returns, and
with ``Attr[X]`` annotations each field's type in conditions and update actions.

Checked by mypy (``[tool.mypy] files``); also run by pytest, where the ``check_*`` functions just execute. The
``refused*`` functions are the negative proofs: each line carries the ``# type: ignore[code]`` of the error mypy
must report there, and ``warn_unused_ignores`` fails the check if it does not.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any, assert_type
from uuid import UUID, uuid4

from nubis.client import Client
from nubis.models import (
    Action,
    AsyncBound,
    AsyncSession,
    Attr,
    Bound,
    Condition,
    CreatedAt,
    Document,
    ExpiresAt,
    Field,
    HashKey,
    Model,
    Page,
    RangeKey,
    Session,
    Size,
    UpdatedAt,
    Version,
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


class Place(Document):
    city: Attr[str]
    zip: Attr[str | None] = Field(default=None)


class Account(Model, table="accounts"):
    """Fields annotated ``Attr[X]``: ``X`` on instances, ``Attr[X]`` on the class."""

    id: Attr[str] = HashKey()
    owner: Attr[str | None] = Field(default=None)
    avatar: Attr[bytes | None] = Field(default=None)
    balance: Attr[Decimal] = Field(default=Decimal(0))
    visits: Attr[int] = Field(default=0)
    ratio: Attr[float] = Field(default=0.0)
    color: Attr[Color] = Field(default=Color.RED)
    tags: Attr[set[str]] = Field(default_factory=set)
    history: Attr[list[int]] = Field(default_factory=list)
    limits: Attr[dict[str, int]] = Field(default_factory=dict)
    place: Attr[Place | None] = Field(default=None)
    seen: Attr[dt.datetime | None] = Field(default=None)
    expires: Attr[dt.datetime | None] = ExpiresAt(ttl=dt.timedelta(days=1), default=None)
    version: Attr[int] = Version()


def check_field_refs() -> None:
    account = Account(id="a", visits=2, place=Place(city="Oslo"))
    assert_type(account.id, str)
    assert_type(account.visits, int)
    assert_type(account.owner, str | None)
    assert_type(account.tags, set[str])
    assert_type(account.place, Place | None)
    assert_type(account.expires, dt.datetime | None)
    assert_type(account.version, int)
    assert_type(Account.visits, Attr[int])
    assert_type(Account.owner, Attr[str | None])
    assert_type(Account.tags, Attr[set[str]])
    assert_type(Account.expires, Attr[dt.datetime | None])
    assert_type(Account.history[0], Attr[int])
    assert_type(Account.limits["daily"], Attr[int])
    assert_type(Account.place[Place.city], Attr[str])
    assert_type(Attr("anything"), Attr[Any])
    assert_type(Account.visits > 3, Condition)
    assert_type(Account.visits == 3, Condition)
    assert_type(Account.visits != Account.history[0], Condition)
    assert_type(Account.visits.between(1, 5), Condition)
    assert_type(Account.balance.ge(Decimal("1.5")), Condition)
    assert_type(Account.ratio < 2, Condition)  # int is a float for type checkers
    assert_type(Account.color.is_in([Color.RED]), Condition)
    assert_type(Account.seen > dt.datetime(2024, 1, 1, tzinfo=dt.UTC), Condition)
    assert_type(Account.id.begins_with("a"), Condition)
    assert_type(Account.owner.begins_with("a"), Condition)
    assert_type(Account.avatar.begins_with(b"\x89"), Condition)
    assert_type(Account.owner.contains("nn"), Condition)
    assert_type(Account.tags.contains("vip"), Condition)
    assert_type(Account.history.contains(3), Condition)
    assert_type(Account.tags.size(), Size)
    assert_type(Account.tags.size() >= 2, Condition)
    assert_type(Account.owner.exists() & ~Account.place.not_exists(), Condition)
    assert_type(Account.owner.is_type("S"), Condition)
    assert_type(Account.visits.add(1), Action)
    assert_type(Account.tags.add({"vip"}), Action)
    assert_type(Account.tags.delete({"vip"}), Action)
    assert_type(Account.owner.set("ann"), Action)
    assert_type(Account.owner.set(None), Action)
    assert_type(Account.visits.set_if_not_exists(0), Action)
    assert_type(Account.place.remove(), Action)
    assert_type(Attr("x").add(1), Action)


def refused_field_refs() -> None:
    """Never run: mypy must reject each line with the code its ignore names."""
    Account.visits.between("a", "b")  # type: ignore[arg-type]
    _ = Account.visits > "3"  # type: ignore[operator]
    Account.visits.is_in(["a"])  # type: ignore[list-item]
    Account.visits.begins_with("a")  # type: ignore[misc]
    Account.tags.begins_with("a")  # type: ignore[misc]
    Account.tags.contains(3)  # type: ignore[arg-type]
    Account.visits.contains(3)  # type: ignore[misc, call-overload]
    _ = Account.tags.size() > "2"  # type: ignore[operator]
    Account.owner.add(1)  # type: ignore[misc]
    Account.visits.delete({1})  # type: ignore[misc, arg-type]
    Account.tags.add({1})  # type: ignore[arg-type]
    Account.owner.set(3)  # type: ignore[arg-type]
    Account.owner.is_type("Q")  # type: ignore[arg-type]
    Account.visits[0]  # type: ignore[index]
    Account(id="a", visits="many")  # type: ignore[arg-type]
    Account(id="a", version=3)  # type: ignore[call-arg]
    Account(id="a").visits = "x"  # type: ignore[assignment]


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


def check_bound_and_instances(db: Session) -> None:
    accounts = db.bind(Account)
    assert_type(accounts, Bound[Account])
    account = accounts.create(Account(id="a"))
    assert_type(account, Account)
    assert_type(accounts.get("a", consistent=True, attributes=[Account.visits, "owner"]), Account)
    assert_type(accounts.find("nobody"), Account | None)
    assert_type(accounts.save(account), Account)
    assert_type(accounts.update(account, set={"owner": "ann"}), Account)
    assert_type(db.update(account, actions=[Account.visits.add(1)]), Account)
    assert_type(accounts.update("a", actions=[Account.visits.add(1)], condition=Account.visits < 10), Account)
    assert_type(accounts.query("a").filter(Account.visits > 0).all(), list[Account])
    assert_type(accounts.scan().filter(Account.tags.contains("x")).count(), int)
    assert_type(accounts.batch_get(["a", "b"]), list[Account])
    assert_type(db.update(Account, "a", actions=[Account.owner.remove()]), Account)
    assert_type(accounts.delete(accounts.get("a")), Account | None)
    assert_type(db.delete(Account, "a"), Account | None)


def refused_sessions(db: Session) -> None:
    """Never run."""
    db.update(Account)  # type: ignore[call-overload]
    db.bind(Account).create(Person(id="p", name="n"))  # type: ignore[arg-type]


async def check_async_bound(adb: AsyncSession) -> None:
    accounts = adb.bind(Account)
    assert_type(accounts, AsyncBound[Account])
    assert_type(await accounts.get("a"), Account)
    assert_type(await accounts.find("a"), Account | None)
    assert_type(await accounts.update("a", actions=[Account.visits.add(1)]), Account)
    assert_type(await accounts.query("a").all(), list[Account])
    assert_type(await adb.delete(Account(id="a")), Account | None)


async def check_async_session(adb: AsyncSession) -> None:
    assert_type(await adb.get(Person, "p"), Person)
    assert_type(await adb.find(Person, "p"), Person | None)
    assert_type(await adb.update(Line, "o", 1, set={"sku": "s"}), Line)
    assert_type(await adb.query(Line, "o").sort("descending").all(), list[Line])
    assert_type(await adb.scan(Line).count(), int)


def test_checks_run() -> None:
    check_fields()
    check_field_refs()
    with Client.in_process() as client:
        db = Session(client)
        db.create_table(Person)
        db.create_table(Line)
        db.create_table(Account)
        db.create(Person(id="p", name="n"))
        db.create(Line(order="o", number=1))
        check_session(db)
        check_bound_and_instances(db)

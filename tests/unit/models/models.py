"""The models the suite runs on (module level, so annotations resolve)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from uuid import UUID, uuid4

from nubis.models import CreatedAt, Document, Field, GlobalIndex, HashKey, LocalIndex, Model, RangeKey, UpdatedAt


class Status(enum.Enum):
    OPEN = "open"
    DONE = "done"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Address(Document):
    city: str
    zip: str | None = None


class User(Model, table="users", indexes=[GlobalIndex("byEmail", "email")]):
    id: str = HashKey()
    email: str = Field(validate=r"[^@\s]+@[^@\s]+")
    name: str = Field(attr_name="n", set=str.strip, get=str.title)
    age: int = Field(default=0, validate=lambda v: 0 <= v < 150)
    score: float = 0.0
    balance: Decimal = Decimal("0")
    active: bool = True
    avatar: bytes | None = None
    born: dt.date | None = None
    seen: dt.datetime | None = None
    token: UUID = Field(default_factory=uuid4)
    status: Status = Status.OPEN
    priority: Priority = Priority.LOW
    role: str = Field(default="user", enum=["user", "admin"])
    tags: set[str] = Field(default_factory=set)
    lucky: set[int] = Field(default_factory=set)
    blobs: set[bytes] = Field(default_factory=set)
    notes: list[str] = Field(default_factory=list)
    prefs: dict[str, int] = Field(default_factory=dict)
    address: Address | None = None
    extra: int | str | None = None
    created: dt.datetime | None = CreatedAt(default=None)
    updated: dt.datetime | None = UpdatedAt(default=None)


class Event(
    Model,
    table="events",
    indexes=[LocalIndex("byKind", "kind"), GlobalIndex("byKindAt", "kind", "at", projection="KEYS_ONLY")],
):
    stream: str = HashKey()
    at: int = RangeKey()
    kind: str = "info"
    body: str = ""
    count: int = 0


class Counter(Model, table="counters", unknown="keep"):
    name: str = HashKey()
    value: int = 0
    revision: int = Field(default=0, force_default=False)


class Strict(Model, table="counters", unknown="refuse"):
    name: str = HashKey()
    value: int = 0


ALL_MODELS = (User, Event, Counter)


class Post(Model, table="feed", kind="post"):
    pk: str = HashKey()
    sk: str = RangeKey()
    title: str = ""


class Comment(Model, table="feed", kind="comment"):
    pk: str = HashKey()
    sk: str = RangeKey()
    text: str = ""
    likes: int = 0


ALL_MODELS = (User, Event, Counter, Post)

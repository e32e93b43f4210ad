"""The models the suite runs on (module level, so annotations resolve)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from uuid import UUID, uuid4

from nubis.models import (
    Attr,
    CreatedAt,
    Document,
    ExpiresAt,
    Field,
    GlobalIndex,
    HashKey,
    LocalIndex,
    Model,
    RangeKey,
    UpdatedAt,
    Version,
)


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
    """Annotated ``Attr[X]``: ``Event.at`` is typed ``Attr[int]`` for conditions."""

    stream: Attr[str] = HashKey()
    at: Attr[int] = RangeKey()
    kind: Attr[str] = Field(default="info")
    body: Attr[str] = Field(default="")
    count: Attr[int] = Field(default=0)
    tags: Attr[set[str]] = Field(default_factory=set)


class Counter(Model, table="counters", unknown="keep"):
    name: str = HashKey()
    value: int = 0
    revision: int = Field(default=0, force_default=False)


class Strict(Model, table="counters", unknown="refuse"):
    name: str = HashKey()
    value: int = 0


class Post(Model, table="feed", kind="post"):
    pk: str = HashKey()
    sk: str = RangeKey()
    title: str = ""


class Comment(Model, table="feed", kind="comment"):
    pk: str = HashKey()
    sk: str = RangeKey()
    text: str = ""
    likes: int = 0


class Token(Model, table="tokens", indexes=[GlobalIndex("byOwner", "owner", projection="KEYS_ONLY")]):
    """Expires an hour after it is written; expired tokens read as absent (Dynamoose's default)."""

    id: Attr[str] = HashKey()
    owner: Attr[str] = Field(default="ann")
    expires: Attr[dt.datetime | None] = ExpiresAt(ttl=dt.timedelta(hours=1), default=None)


class Receipt(Model, table="receipts"):
    """An expiry in plain epoch seconds, under another name, and expired items still read."""

    id: str = HashKey()
    until: int | None = ExpiresAt(attr_name="exp", return_expired=True, default=None)


class Account(Model, table="accounts"):
    """Optimistic locking."""

    id: Attr[str] = HashKey()
    balance: Attr[int] = Field(default=0)
    owner: Attr[str] = Field(default="")
    version: Attr[int] = Version()


ALL_MODELS = (User, Event, Counter, Post, Token, Receipt, Account)

"""Field declarations: what a class body says about each attribute beyond its annotation.

    class Note(Model, table="notes"):
        id: str = HashKey()
        at: int = RangeKey()
        title: str = Field(attr_name="t", validate=r"^\\S", required=True)
        tags: set[str] = Field(default_factory=set)
        created: datetime | None = CreatedAt(default=None)
        expires: datetime | None = ExpiresAt(ttl=timedelta(days=30), default=None)
        version: int = Version()

The annotation gives the DynamoDB type (``plan.py`` compiles it into a codec); a ``FieldSpec`` carries the rest.
``Field``, ``HashKey``, ``RangeKey``, ``CreatedAt``, ``UpdatedAt``, ``ExpiresAt`` and ``Version`` are typed as
returning ``Any`` so that
``x: int = Field(...)`` type-checks, as ``dataclasses.field`` does; they are the field specifiers of the
model's ``dataclass_transform``. Two consequences of that protocol: type checkers see a field as optional in
``__init__`` only when the call passes ``default=`` or ``default_factory=`` (hence ``CreatedAt(default=None)``),
and a specifier's ``alias`` parameter would rename the ``__init__`` keyword, so the stored name is ``attr_name``
(PynamoDB's word). ``Version``'s ``init: Literal[False]`` keeps the field out of the constructor for type
checkers: the sessions own its value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any, Final, Literal

__all__ = [
    "MISSING",
    "CreatedAt",
    "ExpiresAt",
    "Field",
    "FieldSpec",
    "HashKey",
    "RangeKey",
    "UpdatedAt",
    "Validator",
    "Version",
]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final[Any] = _Missing()
"""No default given."""

Validator = Any
"""A value to equal, a regular expression (``str`` or ``re.Pattern``) to match, or a callable returning a bool."""


class FieldSpec:
    """One field's declaration (the annotation is read by the plan)."""

    __slots__ = (
        "attr_name",
        "created_at",
        "default",
        "default_factory",
        "enum",
        "expires_at",
        "force_default",
        "get",
        "hash_key",
        "range_key",
        "required",
        "return_expired",
        "set",
        "ttl",
        "updated_at",
        "validate",
        "version",
    )

    def __init__(
        self,
        *,
        default: Any = MISSING,
        default_factory: Callable[[], Any] | None = None,
        force_default: bool = False,
        hash_key: bool = False,
        range_key: bool = False,
        attr_name: str | None = None,
        required: bool | None = None,
        validate: Validator = None,
        enum: Iterable[Any] | None = None,
        set: Callable[[Any], Any] | None = None,
        get: Callable[[Any], Any] | None = None,
        created_at: bool = False,
        updated_at: bool = False,
        expires_at: bool = False,
        ttl: dt.timedelta | None = None,
        return_expired: bool = False,
        version: bool = False,
    ) -> None:
        if default is not MISSING and default_factory is not None:
            raise TypeError("give default or default_factory, not both")
        if hash_key and range_key:
            raise TypeError("a field is the hash key or the range key, not both")
        self.default = default
        self.default_factory = default_factory
        self.force_default = force_default
        self.hash_key = hash_key
        self.range_key = range_key
        self.attr_name = attr_name
        self.required = required
        self.validate = re.compile(validate) if isinstance(validate, str) else validate
        self.enum = tuple(enum) if enum is not None else None
        self.set = set
        self.get = get
        self.created_at = created_at
        self.updated_at = updated_at
        self.expires_at = expires_at
        self.ttl = ttl
        self.return_expired = return_expired
        self.version = version

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING or self.default_factory is not None

    def make_default(self) -> Any:
        """A fresh default value (``default_factory()`` is called each time)."""
        if self.default_factory is not None:
            return self.default_factory()
        return None if self.default is MISSING else self.default


def Field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | None = None,
    force_default: bool = False,
    hash_key: bool = False,
    range_key: bool = False,
    attr_name: str | None = None,
    required: bool | None = None,
    validate: Validator = None,
    enum: Iterable[Any] | None = None,
    set: Callable[[Any], Any] | None = None,
    get: Callable[[Any], Any] | None = None,
) -> Any:
    """Declare a field's options.

    Args:
        default: the value when none is given; ``default_factory``: a callable making it (``list``, ``uuid4``).
        force_default: apply the default on every save, whatever the instance holds (Dynamoose's ``forceDefault``).
        hash_key, range_key: the field is the table's partition or sort key.
        attr_name: the attribute's name in DynamoDB when it differs from the Python name.
        required: refuse ``None`` on save; defaults to "the annotation does not allow ``None``".
        validate: a value to equal, a regex to match (``re.fullmatch``) or a predicate.
        enum: the only values allowed.
        set: applied to the value on its way to DynamoDB; ``get``: applied on its way back.
    """
    return FieldSpec(
        default=default,
        default_factory=default_factory,
        force_default=force_default,
        hash_key=hash_key,
        range_key=range_key,
        attr_name=attr_name,
        required=required,
        validate=validate,
        enum=enum,
        set=set,
        get=get,
    )


def HashKey(*, attr_name: str | None = None, validate: Validator = None) -> Any:
    """The partition key: ``id: str = HashKey()``."""
    return FieldSpec(hash_key=True, attr_name=attr_name, validate=validate, required=True)


def RangeKey(*, attr_name: str | None = None, validate: Validator = None) -> Any:
    """The sort key: ``at: int = RangeKey()``."""
    return FieldSpec(range_key=True, attr_name=attr_name, validate=validate, required=True)


def CreatedAt(*, attr_name: str | None = "createdAt", default: Any = None) -> Any:
    """Set once, when the item is first written (``create``, or ``save`` when the instance has none). The annotation
    decides the storage: ``datetime`` (ISO text), ``int`` (epoch seconds) or ``float``."""
    return FieldSpec(created_at=True, attr_name=attr_name, default=default, required=False)


def UpdatedAt(*, attr_name: str | None = "updatedAt", default: Any = None) -> Any:
    """Set on every write (``create``, ``save``, ``update``); storage as for ``CreatedAt``."""
    return FieldSpec(updated_at=True, attr_name=attr_name, default=default, required=False)


def ExpiresAt(
    *,
    ttl: dt.timedelta | None = None,
    attr_name: str | None = "ttl",
    return_expired: bool = False,
    default: Any = None,
) -> Any:
    """The item's expiry, DynamoDB Time to Live (Dynamoose's ``expires``, PynamoDB's ``TTLAttribute``).

    Stored as a Number of epoch seconds, as TTL requires, whatever the annotation: ``datetime`` (read back in UTC,
    whole seconds) or ``int``. ``create_table``/``sync_table`` enable TTL on the attribute. DynamoDB deletes an
    expired item some time after it expires, so until then reads treat it as absent (``get`` raises
    ``DoesNotExist``, queries and scans filter it out), unless ``return_expired=True``.

    Args:
        ttl: when given, an item written without an expiry gets "now + ttl".
        attr_name: the stored name (``"ttl"``, Dynamoose's default).
        return_expired: read expired items that DynamoDB has not deleted yet.
    """
    return FieldSpec(
        expires_at=True, ttl=ttl, attr_name=attr_name, return_expired=return_expired, default=default, required=False
    )


def Version(*, attr_name: str | None = None, init: Literal[False] = False) -> Any:
    """An optimistic-locking counter (PynamoDB's ``VersionAttribute``): ``version: int = Version()``.

    Each write of an instance checks that the stored version is the one the instance was read with (or that there
    is none, for a new item), then increments it; a stale write raises ``ConditionFailed``. Writes by key
    (``update(Model, key)``) increment it without a check, so stale instances notice them. An instance updated
    inside a transaction keeps its old values and version (a transaction returns no items): read it again before
    saving it, or the save fails as stale, on purpose, instead of writing back the values the update replaced.
    ``init`` is for type checkers only: the version is not a constructor argument.
    """
    return FieldSpec(version=True, attr_name=attr_name, default=0, required=False)

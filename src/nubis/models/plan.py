"""Compiles a model class into a ``ModelPlan`` once: field order, stored names, codecs, keys and indexes.

A codec turns one Python value into one DynamoDB attribute value (the wire shape ``nubis.client`` takes, binaries
as base64 text) and back. Codecs are chosen from annotations:

====================================  =========================================================
annotation                            stored as
====================================  =========================================================
``str``                               ``S``
``int``, ``float``, ``Decimal``       ``N`` (``bool`` is never taken for an ``int``)
``bool``                              ``BOOL``
``bytes``                             ``B``
``datetime``, ``date``                ``S``, ISO 8601 text
``UUID``                              ``S``
an ``Enum``                           its value's type (``S`` or ``N``)
``set[str]``/``set[int]``/...         ``SS``/``NS``/``BS`` (an empty set is not stored: DynamoDB refuses them)
``list[X]``, ``dict[str, X]``         ``L``, ``M``
a ``Document`` subclass               ``M``, by its own plan
``X | None``                          ``X``, or no attribute at all for ``None``
``X | Y``                             the first member whose Python type matches (encode) or wire type (decode)
``Any``                               inferred from the value
``Attr[X]``                           as ``X`` (the annotation that types ``Model.field`` refs)
an ``ExpiresAt`` field                ``N``, epoch seconds (``datetime`` or ``int``)
====================================  =========================================================
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Union

from nubis.models.errors import ModelDefinitionError, ModelValidationError
from nubis.models.fields import FieldSpec

__all__ = ["Codec", "FieldPlan", "GlobalIndex", "LocalIndex", "ModelPlan", "codec_for"]

AV = dict[str, Any]


class _Invalid(Exception):
    """A value does not fit a codec; the plan turns it into ``ModelValidationError`` with the path."""

    def __init__(self, path: str, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.path = path
        self.rule = rule
        self.detail = detail


class Codec:
    """Python value ↔ attribute value. ``py_types`` is what encode accepts; ``wire`` the type codes decode reads."""

    py_types: tuple[type, ...] = (object,)
    wire: tuple[str, ...] = ()
    key_type: str | None = None
    """``S``, ``N`` or ``B`` when the codec may serve as a key attribute."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.py_types) and not (isinstance(value, bool) and bool not in self.py_types)

    def encode(self, value: Any, path: str) -> AV | None:
        raise NotImplementedError

    def decode(self, av: AV) -> Any:
        raise NotImplementedError

    def check(self, value: Any, path: str) -> None:
        if not self.accepts(value):
            raise _Invalid(path, "type", f"expected {self.describe()}, got {type(value).__name__}")

    def describe(self) -> str:
        return " or ".join(t.__name__ for t in self.py_types)


class _Str(Codec):
    py_types = (str,)
    wire = ("S",)
    key_type = "S"

    def encode(self, value: Any, path: str) -> AV | None:
        self.check(value, path)
        return {"S": value}

    def decode(self, av: AV) -> Any:
        return av["S"]


class _Number(Codec):
    wire = ("N",)
    key_type = "N"

    def __init__(self, kind: type) -> None:
        self.kind = kind
        self.py_types = (int,) if kind is int else (int, float, Decimal)

    def encode(self, value: Any, path: str) -> AV | None:
        self.check(value, path)
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise _Invalid(path, "type", "NaN and infinity are not DynamoDB numbers")
        return {"N": str(value) if not isinstance(value, float) else repr(value)}

    def decode(self, av: AV) -> Any:
        text: str = av["N"]
        if self.kind is int:
            return int(text) if text.lstrip("-").isdigit() else int(Decimal(text))
        if self.kind is float:
            return float(text)
        return Decimal(text)

    def describe(self) -> str:
        return self.kind.__name__


class _Bool(Codec):
    py_types = (bool,)
    wire = ("BOOL",)

    def encode(self, value: Any, path: str) -> AV | None:
        self.check(value, path)
        return {"BOOL": value}

    def decode(self, av: AV) -> Any:
        return av["BOOL"]


class _Bytes(Codec):
    py_types = (bytes,)
    wire = ("B",)
    key_type = "B"

    def encode(self, value: Any, path: str) -> AV | None:
        self.check(value, path)
        return {"B": base64.b64encode(value).decode("ascii")}

    def decode(self, av: AV) -> Any:
        raw = av["B"]
        return base64.b64decode(raw) if isinstance(raw, str) else bytes(raw)


class _Text(Codec):
    """A type stored as ``S`` through ``str``/a parser: datetime, date, UUID."""

    wire = ("S",)
    key_type = "S"

    def __init__(self, kind: type, to_text: Callable[[Any], str], parse: Callable[[str], Any]) -> None:
        self.py_types = (kind,)
        self.kind = kind
        self._to_text = to_text
        self._parse = parse

    def accepts(self, value: Any) -> bool:
        if self.kind is dt.date:
            return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        return isinstance(value, self.kind)

    def encode(self, value: Any, path: str) -> AV | None:
        self.check(value, path)
        return {"S": self._to_text(value)}

    def decode(self, av: AV) -> Any:
        return self._parse(av["S"])


class _Epoch(Codec):
    """Epoch seconds in a Number, as DynamoDB's Time to Live reads them; ``datetime`` values are read back in UTC."""

    wire = ("N",)
    key_type = "N"

    def __init__(self, kind: type) -> None:
        self.kind = kind
        self.py_types = (kind,)

    def encode(self, value: Any, path: str) -> AV | None:
        self.check(value, path)
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:  # as PynamoDB's TTLAttribute: a naive time has no one epoch value
                raise _Invalid(path, "type", "an expiry is a timezone-aware datetime")
            return {"N": str(int(value.timestamp()))}
        return {"N": str(int(value))}

    def decode(self, av: AV) -> Any:
        seconds = int(Decimal(av["N"]))
        return dt.datetime.fromtimestamp(seconds, dt.UTC) if self.kind is dt.datetime else seconds


def _epoch_codec(codec: Codec) -> Codec:
    inner = codec.inner if isinstance(codec, _Optional) else codec
    if isinstance(inner, _Text) and inner.kind is dt.datetime:
        epoch = _Epoch(dt.datetime)
    elif isinstance(inner, _Number) and inner.kind is int:
        epoch = _Epoch(int)
    else:
        raise ModelDefinitionError("an ExpiresAt field is a datetime or an int (epoch seconds)")
    return _Optional(epoch) if isinstance(codec, _Optional) else epoch


class _Enum(Codec):
    def __init__(self, kind: type[enum.Enum]) -> None:
        self.kind = kind
        self.py_types = (kind,)
        numeric = all(isinstance(m.value, int | float | Decimal) for m in kind)
        self.inner: Codec = _Number(Decimal) if numeric else _Str()
        self.wire = self.inner.wire
        self.key_type = self.inner.key_type

    def encode(self, value: Any, path: str) -> AV | None:
        self.check(value, path)
        return self.inner.encode(value.value, path)

    def decode(self, av: AV) -> Any:
        raw = self.inner.decode(av)
        try:
            return self.kind(raw)
        except ValueError:
            return self.kind(int(raw)) if isinstance(raw, Decimal) and raw == int(raw) else self.kind(raw)


class _Set(Codec):
    py_types = (set, frozenset)

    def __init__(self, member: Codec) -> None:
        if member.key_type is None:
            raise ModelDefinitionError("sets hold strings, numbers or binaries only")
        self.member = member
        self.wire = (member.key_type + "S",)

    def encode(self, value: Any, path: str) -> AV | None:
        self.check(value, path)
        if not value:
            return None
        code = self.wire[0]
        member_code = code[0]
        out = []
        for v in value:
            av = self.member.encode(v, path)
            out.append(av[member_code] if av else None)
        return {code: sorted(out)}

    def decode(self, av: AV) -> Any:
        code = self.wire[0]
        member_code = code[0]
        return {self.member.decode({member_code: v}) for v in av[code]}


class _List(Codec):
    py_types = (list, tuple)
    wire = ("L",)

    def __init__(self, member: Codec) -> None:
        self.member = member

    def encode(self, value: Any, path: str) -> AV | None:
        self.check(value, path)
        out = []
        for i, v in enumerate(value):
            av = self.member.encode(v, f"{path}[{i}]")
            out.append(av if av is not None else {"NULL": True})
        return {"L": out}

    def decode(self, av: AV) -> Any:
        return [None if "NULL" in v else self.member.decode(v) for v in av["L"]]


class _Dict(Codec):
    py_types = (dict,)
    wire = ("M",)

    def __init__(self, member: Codec) -> None:
        self.member = member

    def encode(self, value: Any, path: str) -> AV | None:
        self.check(value, path)
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise _Invalid(path, "type", f"map keys are strings, got {type(k).__name__}")
            av = self.member.encode(v, f"{path}.{k}")
            out[k] = av if av is not None else {"NULL": True}
        return {"M": out}

    def decode(self, av: AV) -> Any:
        return {k: None if "NULL" in v else self.member.decode(v) for k, v in av["M"].items()}


class _Document(Codec):
    wire = ("M",)

    def __init__(self, kind: type) -> None:
        self.kind = kind
        self.py_types = (kind,)

    def encode(self, value: Any, path: str) -> AV | None:
        self.check(value, path)
        plan: ModelPlan = getattr(self.kind, "__plan__")  # noqa: B009
        return {"M": plan.encode_fields(value, prefix=f"{path}.")}

    def decode(self, av: AV) -> Any:
        plan: ModelPlan = getattr(self.kind, "__plan__")  # noqa: B009
        return plan.decode(av["M"])


class _Optional(Codec):
    def __init__(self, inner: Codec) -> None:
        self.inner = inner
        self.py_types = inner.py_types
        self.wire = inner.wire
        self.key_type = inner.key_type

    def accepts(self, value: Any) -> bool:
        return value is None or self.inner.accepts(value)

    def encode(self, value: Any, path: str) -> AV | None:
        return None if value is None else self.inner.encode(value, path)

    def decode(self, av: AV) -> Any:
        return None if "NULL" in av else self.inner.decode(av)

    def describe(self) -> str:
        return f"{self.inner.describe()} or None"


class _Union(Codec):
    def __init__(self, members: list[Codec]) -> None:
        self.members = members
        self.py_types = tuple(t for m in members for t in m.py_types)
        self.wire = tuple(w for m in members for w in m.wire)

    def accepts(self, value: Any) -> bool:
        return any(m.accepts(value) for m in self.members)

    def encode(self, value: Any, path: str) -> AV | None:
        for member in self.members:
            if member.accepts(value):
                return member.encode(value, path)
        raise _Invalid(path, "type", f"expected {self.describe()}, got {type(value).__name__}")

    def decode(self, av: AV) -> Any:
        for member in self.members:
            if any(code in av for code in member.wire):
                return member.decode(av)
        return _ANY.decode(av)


class _AnyValue(Codec):
    """Any value, typed by what it is (``dict``→M, ``list``→L, ``set``→SS/NS/BS, numbers→N, ``None``→NULL)."""

    def accepts(self, value: Any) -> bool:
        return True

    def encode(self, value: Any, path: str) -> AV | None:
        if value is None:
            return {"NULL": True}
        if isinstance(value, bool):
            return {"BOOL": value}
        if isinstance(value, int | float | Decimal):
            return _Number(Decimal).encode(value, path)
        if isinstance(value, str):
            return {"S": value}
        if isinstance(value, bytes):
            return _Bytes().encode(value, path)
        if isinstance(value, enum.Enum):
            return self.encode(value.value, path)
        if isinstance(value, set | frozenset):
            if not value:
                return None
            sample = next(iter(value))
            member = _Bytes() if isinstance(sample, bytes) else _Str() if isinstance(sample, str) else _Number(Decimal)
            return _Set(member).encode(value, path)
        if isinstance(value, list | tuple):
            return _List(self).encode(value, path)
        if isinstance(value, dict):
            return _Dict(self).encode(value, path)
        plan = getattr(type(value), "__plan__", None)
        if isinstance(plan, ModelPlan):
            return {"M": plan.encode_fields(value, prefix=f"{path}.")}
        for codec in _SCALARS.values():
            if isinstance(codec, _Text) and codec.accepts(value):
                return codec.encode(value, path)
        raise _Invalid(path, "type", f"no DynamoDB type for {type(value).__name__}")

    def decode(self, av: AV) -> Any:
        (code, raw), *_ = av.items()
        if code == "S":
            return raw
        if code == "N":
            number = Decimal(raw)
            return int(number) if number == number.to_integral_value() and "." not in raw else number
        if code == "B":
            return _Bytes().decode(av)
        if code == "BOOL":
            return raw
        if code == "NULL":
            return None
        if code == "L":
            return [self.decode(v) for v in raw]
        if code == "M":
            return {k: self.decode(v) for k, v in raw.items()}
        if code in ("SS", "NS", "BS"):
            return {self.decode({code[0]: v}) for v in raw}
        raise ValueError(f"unknown attribute value type {code!r}")


_ANY = _AnyValue()


def _iso_datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


_SCALARS: dict[Any, Codec] = {
    str: _Str(),
    int: _Number(int),
    float: _Number(float),
    Decimal: _Number(Decimal),
    bool: _Bool(),
    bytes: _Bytes(),
    dt.datetime: _Text(dt.datetime, dt.datetime.isoformat, _iso_datetime),
    dt.date: _Text(dt.date, dt.date.isoformat, dt.date.fromisoformat),
    uuid.UUID: _Text(uuid.UUID, str, uuid.UUID),
    Any: _ANY,
    object: _ANY,
}


def codec_for(annotation: Any) -> Codec:
    """The codec for a (resolved) annotation.

    Raises:
        ModelDefinitionError: the annotation has no DynamoDB counterpart.
    """
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return codec_for(args[0])
    if getattr(origin or annotation, "__value_wrapper__", False):
        return codec_for(args[0] if args else Any)
    if origin is typing.ClassVar:
        raise ModelDefinitionError("ClassVar is not a field")
    if origin in (Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        inner = codec_for(members[0]) if len(members) == 1 else _Union([codec_for(a) for a in members])
        return _Optional(inner) if len(members) < len(args) else inner
    if origin is Literal:
        kinds = {type(a) for a in args}
        return codec_for(kinds.pop()) if len(kinds) == 1 else _ANY
    if origin in (set, frozenset, typing.AbstractSet) or annotation in (set, frozenset):
        return _Set(codec_for(args[0] if args else str))
    if origin in (list, tuple) or annotation in (list, tuple):
        return _List(codec_for(args[0] if args else Any))
    if origin is dict or origin is Mapping or annotation is dict:
        if args and args[0] is not str:
            raise ModelDefinitionError("dict fields need str keys (DynamoDB map keys are strings)")
        return _Dict(codec_for(args[1] if args else Any))
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return _Enum(annotation)
        if hasattr(annotation, "__plan__"):
            return _Document(annotation)
        for kind, codec in _SCALARS.items():
            if isinstance(kind, type) and kind is not object and issubclass(annotation, kind):
                return codec
    raise ModelDefinitionError(f"no DynamoDB type for the annotation {annotation!r}")


@dataclass(frozen=True, slots=True)
class GlobalIndex:
    """A global secondary index: ``indexes=[GlobalIndex("byOwner", "owner", "at")]`` (Python field names)."""

    name: str
    hash_key: str
    range_key: str | None = None
    projection: Literal["ALL", "KEYS_ONLY"] | tuple[str, ...] = "ALL"


@dataclass(frozen=True, slots=True)
class LocalIndex:
    """A local secondary index: the table's hash key with another range key."""

    name: str
    range_key: str
    projection: Literal["ALL", "KEYS_ONLY"] | tuple[str, ...] = "ALL"


@dataclass(slots=True)
class FieldPlan:
    name: str
    stored: str
    codec: Codec
    spec: FieldSpec
    required: bool
    nullable: bool


Unknown = Literal["ignore", "refuse", "keep"] | tuple[str, ...]


@dataclass(slots=True)
class ModelPlan:
    """Everything the operations need about a model class, computed once."""

    cls: type
    name: str
    fields: dict[str, FieldPlan]
    by_stored: dict[str, FieldPlan]
    table: str | None
    hash_key: FieldPlan | None
    range_key: FieldPlan | None
    indexes: tuple[GlobalIndex | LocalIndex, ...]
    unknown: Unknown
    created: FieldPlan | None = None
    updated: FieldPlan | None = None
    key_names: tuple[str, ...] = field(default=())
    kind: str | None = None
    """The discriminator value stored with every item (several models on one table)."""
    kind_attribute: str = "_type"
    expires: FieldPlan | None = None
    """The ``ExpiresAt`` field: DynamoDB's TTL attribute."""
    version: FieldPlan | None = None
    """The ``Version`` field (optimistic locking)."""

    @property
    def hides_expired(self) -> bool:
        """Whether reads treat items past their expiry as absent."""
        return self.expires is not None and not self.expires.spec.return_expired

    def is_expired(self, item: Mapping[str, AV], now: float) -> bool:
        """Whether ``item`` is past its expiry (DynamoDB: the TTL Number is before now, in epoch seconds)."""
        if self.expires is None:
            return False
        av = item.get(self.expires.stored)
        if av is None or "N" not in av:
            return False  # [D] "How Time to Live works": a TTL attribute that is not a Number is ignored
        return Decimal(av["N"]) < Decimal(int(now))

    # -- errors --------------------------------------------------------------------------------------------------

    def invalid(self, path: str, rule: str, detail: str) -> ModelValidationError:
        return ModelValidationError(self.name, path, rule, detail)

    # -- encoding --------------------------------------------------------------------------------------------------

    def check_field(self, fp: FieldPlan, value: Any, path: str) -> None:
        """Required, enum and validate rules for one top-level value."""
        if value is None:
            if fp.required:
                raise self.invalid(path, "required", "a value is required")
            return
        spec = fp.spec
        if spec.enum is not None and value not in spec.enum:
            raise self.invalid(path, "enum", f"{value!r} is not one of {list(spec.enum)!r}")
        rule = spec.validate
        if rule is None:
            return
        if hasattr(rule, "fullmatch"):
            if not isinstance(value, str) or rule.fullmatch(value) is None:
                raise self.invalid(path, "validate", f"{value!r} does not match {rule.pattern!r}")
        elif callable(rule):
            if not rule(value):
                raise self.invalid(path, "validate", f"{value!r} was refused by {getattr(rule, '__name__', rule)}")
        elif value != rule:
            raise self.invalid(path, "validate", f"{value!r} is not {rule!r}")

    def encode_value(self, fp: FieldPlan, value: Any, path: str | None = None) -> AV | None:
        """One field's value, validated and transformed (``set``) and encoded."""
        where = path or fp.name
        if value is not None and fp.spec.set is None and not fp.codec.accepts(value):
            raise self.invalid(where, "type", f"expected {fp.codec.describe()}, got {type(value).__name__}")
        self.check_field(fp, value, where)
        if value is None:
            return None
        if fp.spec.set is not None:
            value = fp.spec.set(value)
        try:
            return fp.codec.encode(value, where)
        except _Invalid as exc:
            raise self.invalid(exc.path, exc.rule, exc.detail) from None

    def encode_fields(self, instance: Any, prefix: str = "") -> dict[str, AV]:
        out: dict[str, AV] = {}
        values = instance.__dict__
        for fp in self.fields.values():
            if fp.spec.force_default:
                values[fp.name] = fp.spec.make_default()
            value = values.get(fp.name)
            if value is None and fp.spec.has_default:
                value = values[fp.name] = fp.spec.make_default()
            av = self.encode_value(fp, value, prefix + fp.name)
            if av is not None:
                out[fp.stored] = av
        extra = values.get("__extra__")
        if extra:
            for key, av in extra.items():
                out.setdefault(key, av)
        return out

    def encode_item(self, instance: Any) -> dict[str, AV]:
        item = self.encode_fields(instance)
        if self.kind is not None:
            item[self.kind_attribute] = {"S": self.kind}
        return item

    def is_own(self, item: Mapping[str, AV]) -> bool:
        """Whether a stored item belongs to this model (always, without a discriminator)."""
        return self.kind is None or item.get(self.kind_attribute) == {"S": self.kind}

    def encode_key(self, hash_value: Any, range_value: Any = None) -> dict[str, AV]:
        """A primary key from Python values."""
        if self.hash_key is None:
            raise ModelDefinitionError(f"{self.name} has no hash key")
        key: dict[str, AV] = {}
        av = self.encode_value(self.hash_key, hash_value)
        assert av is not None
        key[self.hash_key.stored] = av
        if self.range_key is not None:
            if range_value is None:
                raise self.invalid(self.range_key.name, "required", "the range key is part of the key")
            rav = self.encode_value(self.range_key, range_value)
            assert rav is not None
            key[self.range_key.stored] = rav
        elif range_value is not None:
            raise ModelDefinitionError(f"{self.name} has no range key")
        return key

    def key_of(self, item: Mapping[str, AV]) -> dict[str, AV]:
        return {name: item[name] for name in self.key_names if name in item}

    # -- decoding --------------------------------------------------------------------------------------------------

    def decode(self, item: Mapping[str, AV]) -> Any:
        """An instance from a stored item (defaults are not applied: what is stored is what you get)."""
        instance: Any = object.__new__(self.cls)
        values = instance.__dict__
        extra: dict[str, AV] = {}
        for stored, av in item.items():
            fp = self.by_stored.get(stored)
            if fp is None and self.kind is not None and stored == self.kind_attribute:
                continue
            if fp is None:
                if self.unknown == "ignore":
                    continue
                if self.unknown == "refuse":
                    raise self.invalid(stored, "unknown", "the attribute is not declared on the model")
                if self.unknown == "keep" or stored in self.unknown:
                    extra[stored] = av
                continue
            try:
                value = fp.codec.decode(av)
            except (KeyError, ValueError, TypeError) as exc:
                raise self.invalid(fp.name, "type", f"cannot read {av!r}: {exc}") from None
            values[fp.name] = fp.spec.get(value) if fp.spec.get is not None and value is not None else value
        for fp in self.fields.values():
            if fp.name not in values:
                values[fp.name] = None
        if extra:
            values["__extra__"] = extra
        return instance

    def attribute_definitions(self) -> dict[str, str]:
        """Stored name → key type, for every attribute a key schema names."""
        out: dict[str, str] = {}
        names = [self.hash_key.name if self.hash_key else None, self.range_key.name if self.range_key else None]
        for index in self.indexes:
            names.append(index.hash_key if isinstance(index, GlobalIndex) else None)
            names.append(index.range_key)
        for name in names:
            if name is None:
                continue
            fp = self.fields.get(name)
            if fp is None or fp.codec.key_type is None:
                raise ModelDefinitionError(f"{self.name}.{name} cannot be a key (a str, number or bytes field)")
            out[fp.stored] = fp.codec.key_type
        return out


def compile_plan(
    cls: type,
    specs: Mapping[str, FieldSpec],
    *,
    table: str | None,
    indexes: tuple[GlobalIndex | LocalIndex, ...],
    unknown: Unknown,
    kind: str | None = None,
    kind_attribute: str = "_type",
) -> ModelPlan:
    """Resolve the annotations of ``cls`` and build its plan."""
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except NameError as exc:
        raise ModelDefinitionError(f"{cls.__name__}: cannot resolve an annotation: {exc}") from exc
    fields: dict[str, FieldPlan] = {}
    for name, spec in specs.items():
        annotation = hints[name]
        try:
            codec = codec_for(annotation)
        except ModelDefinitionError as exc:
            raise ModelDefinitionError(f"{cls.__name__}.{name}: {exc}") from None
        if spec.expires_at:
            codec = _epoch_codec(codec)
        if spec.version:
            inner = codec.inner if isinstance(codec, _Optional) else codec
            if not (isinstance(inner, _Number) and inner.kind is int):
                raise ModelDefinitionError(f"{cls.__name__}.{name}: a Version field is an int")
        nullable = isinstance(codec, _Optional) or codec is _ANY
        required = spec.required if spec.required is not None else not nullable
        fields[name] = FieldPlan(name, spec.attr_name or name, codec, spec, required, nullable)
    by_stored = {fp.stored: fp for fp in fields.values()}
    if len(by_stored) != len(fields):
        raise ModelDefinitionError(f"{cls.__name__}: two fields are stored under one name")
    hash_keys = [fp for fp in fields.values() if fp.spec.hash_key]
    range_keys = [fp for fp in fields.values() if fp.spec.range_key]
    if len(hash_keys) > 1 or len(range_keys) > 1:
        raise ModelDefinitionError(f"{cls.__name__}: one hash key and at most one range key")
    if table is not None and not hash_keys:
        raise ModelDefinitionError(f"{cls.__name__}: a model with a table needs a hash key (HashKey())")
    created = next((fp for fp in fields.values() if fp.spec.created_at), None)
    updated = next((fp for fp in fields.values() if fp.spec.updated_at), None)
    expires = [fp for fp in fields.values() if fp.spec.expires_at]
    versions = [fp for fp in fields.values() if fp.spec.version]
    if len(expires) > 1 or len(versions) > 1:
        raise ModelDefinitionError(f"{cls.__name__}: at most one ExpiresAt field and one Version field")
    for index in indexes:
        for key in (index.hash_key if isinstance(index, GlobalIndex) else None, index.range_key):
            if key is not None and key not in fields:
                raise ModelDefinitionError(f"{cls.__name__}: index {index.name} names no field {key!r}")
    hk = hash_keys[0] if hash_keys else None
    rk = range_keys[0] if range_keys else None
    key_names = tuple(fp.stored for fp in (hk, rk) if fp is not None)
    if kind is not None and kind_attribute in by_stored:
        raise ModelDefinitionError(f"{cls.__name__}: the discriminator {kind_attribute!r} is also a field")
    return ModelPlan(
        cls, cls.__name__, fields, by_stored, table, hk, rk, indexes, unknown, created, updated, key_names,
        kind, kind_attribute, expires[0] if expires else None, versions[0] if versions else None,
    )  # fmt: skip

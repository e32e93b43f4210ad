"""Conditions, updates and projections rendered to DynamoDB expression strings plus placeholder maps.

    cond = (User.age >= 18) & User.email.exists() & ~User.status.is_in([Status.BANNED])   # typed: Attr[int]...
    cond = Attr("title").begins_with("A") | Attr("tags").contains("x")                    # by name: Attr[Any]
    db.update(User, "u1", actions=[User.age.add(1), User.nick.remove()])

Rendering is deterministic: names become ``#n0, #n1, ...`` and values ``:v0, :v1, ...`` in the order they are
first met, and a name used twice gets one placeholder. Every name is a placeholder (so reserved words never
matter). Paths are Python field names (``address.city``, ``items[0].sku``); rendering maps them to stored names
(aliases) and encodes values with the field's codec, so ``Attr("created") > some_datetime`` compares ISO text.
"""

from __future__ import annotations

import builtins
import re
import typing
from collections.abc import Iterable, Mapping, Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast, overload

from nubis.models.plan import _ANY, AV, Codec, ModelPlan, _Document, _Invalid, _Optional, _Set

__all__ = ["Action", "Attr", "Condition", "IfNotExists", "Renderer", "Size", "TypeCode"]

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class Renderer:
    """Collects placeholders while rendering; one per request (condition, update and projection share it)."""

    def __init__(self, plan: ModelPlan | None) -> None:
        self.plan = plan
        self.names: dict[str, str] = {}
        self.values: dict[str, AV] = {}

    def name(self, stored: str) -> str:
        placeholder = self.names.get(stored)
        if placeholder is None:
            placeholder = self.names[stored] = f"#n{len(self.names)}"
        return placeholder

    def value(self, av: AV) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = av
        return placeholder

    def path(self, path: str) -> tuple[str, Codec]:
        """The rendered document path and the codec of the value it names."""
        plan = self.plan
        codec: Codec = _ANY
        parts: list[str] = []
        for match in _SEGMENT.finditer(path):
            segment, index = match.groups()
            if index is not None:
                parts.append(f"[{index}]")
                inner = getattr(codec, "inner", codec)
                codec = getattr(inner, "member", _ANY)
                plan = None
                continue
            stored = segment
            if plan is not None and segment in plan.fields:
                fp = plan.fields[segment]
                stored, codec = fp.stored, fp.codec
                inner = codec.inner if isinstance(codec, _Optional) else codec
                plan = getattr(inner.kind, "__plan__", None) if isinstance(inner, _Document) else None
            else:
                inner = getattr(codec, "inner", codec)
                codec = getattr(inner, "member", _ANY)
                plan = None
            parts.append(("." if parts else "") + self.name(stored))
        if not parts:
            raise ValueError(f"empty attribute path {path!r}")
        return "".join(parts), codec

    def operand(self, codec: Codec, value: Any) -> str:
        if isinstance(value, Attr):
            return self.path(value.path)[0]
        if isinstance(value, Size):
            return f"size({self.path(value.path)[0]})"
        chosen = codec if codec.accepts(value) and value is not None else _ANY
        if isinstance(chosen, _Set) and not isinstance(value, set | frozenset):
            chosen = _ANY
        try:
            av = chosen.encode(value, "value")
        except _Invalid as exc:
            raise ValueError(f"cannot use {value!r} in an expression: {exc.detail}") from None
        if av is None:
            av = {"NULL": True}
        return self.value(av)

    def attribute_names(self) -> dict[str, str]:
        return {placeholder: stored for stored, placeholder in self.names.items()}

    def into(self, request: dict[str, Any]) -> dict[str, Any]:
        """Add the placeholder maps to ``request`` (only when there are any: DynamoDB refuses empty maps)."""
        if self.names:
            request["ExpressionAttributeNames"] = self.attribute_names()
        if self.values:
            request["ExpressionAttributeValues"] = dict(self.values)
        return request

    def projection(self, attributes: Iterable[str | Attr[Any]]) -> str:
        return ", ".join(self.path(a if isinstance(a, str) else a.path)[0] for a in attributes)


class Condition:
    """A condition; combine with ``&``, ``|`` and ``~``. Render with ``render(renderer)``."""

    def __and__(self, other: Condition) -> Condition:
        return _Bool("AND", (self, other))

    def __or__(self, other: Condition) -> Condition:
        return _Bool("OR", (self, other))

    def __invert__(self) -> Condition:
        return _Not(self)

    def render(self, r: Renderer) -> str:
        raise NotImplementedError

    @staticmethod
    def attr(path: str) -> Attr[Any]:
        """The attribute at ``path`` (same as ``Attr(path)``)."""
        return Attr(path)

    @staticmethod
    def all(*conditions: Condition) -> Condition:
        """Every condition (``AND``); a single one is returned as is."""
        return conditions[0] if len(conditions) == 1 else _Bool("AND", conditions)

    @staticmethod
    def any(*conditions: Condition) -> Condition:
        """Any of the conditions (``OR``)."""
        return conditions[0] if len(conditions) == 1 else _Bool("OR", conditions)

    def to_expression(self, plan: ModelPlan | None = None) -> tuple[str, dict[str, str], dict[str, AV]]:
        """``(expression, ExpressionAttributeNames, ExpressionAttributeValues)``, for use with the raw client."""
        r = Renderer(plan)
        text = self.render(r)
        return text, r.attribute_names(), dict(r.values)


def _left_operand(r: Renderer, left: Attr[Any] | Size) -> tuple[str, Codec]:
    """A comparison's left side and the codec its right side is encoded with (``size()`` compares numbers)."""
    if isinstance(left, Size):
        return f"size({r.path(left.path)[0]})", _ANY
    return r.path(left.path)


@dataclass(frozen=True, slots=True, eq=False)
class _Compare(Condition):
    left: Attr[Any] | Size
    op: str
    right: Any

    def render(self, r: Renderer) -> str:
        left, codec = _left_operand(r, self.left)
        return f"{left} {self.op} {r.operand(codec, self.right)}"


@dataclass(frozen=True, slots=True, eq=False)
class _Between(Condition):
    left: Attr[Any] | Size
    low: Any
    high: Any

    def render(self, r: Renderer) -> str:
        left, codec = _left_operand(r, self.left)
        return f"{left} BETWEEN {r.operand(codec, self.low)} AND {r.operand(codec, self.high)}"


@dataclass(frozen=True, slots=True, eq=False)
class _In(Condition):
    left: Attr[Any]
    options: tuple[Any, ...]

    def render(self, r: Renderer) -> str:
        left, codec = r.path(self.left.path)
        return f"{left} IN ({', '.join(r.operand(codec, v) for v in self.options)})"


@dataclass(frozen=True, slots=True, eq=False)
class _Function(Condition):
    function: str
    left: Attr[Any]
    argument: Any = None
    raw: str | None = None

    def render(self, r: Renderer) -> str:
        left, codec = r.path(self.left.path)
        if self.raw is not None:
            return f"{self.function}({left}, {r.value({'S': self.raw})})"
        if self.function in ("attribute_exists", "attribute_not_exists"):
            return f"{self.function}({left})"
        if self.function == "contains":
            inner = codec.inner if isinstance(codec, _Optional) else codec
            codec = inner.member if isinstance(inner, _Set) else _ANY if not inner.accepts(self.argument) else inner
        return f"{self.function}({left}, {r.operand(codec, self.argument)})"


@dataclass(frozen=True, slots=True, eq=False)
class _Bool(Condition):
    op: str
    parts: tuple[Condition, ...]

    def render(self, r: Renderer) -> str:
        return f" {self.op} ".join(f"({p.render(r)})" for p in self.parts)


@dataclass(frozen=True, slots=True, eq=False)
class _Not(Condition):
    inner: Condition

    def render(self, r: Renderer) -> str:
        return f"NOT ({self.inner.render(r)})"


TypeCode = Literal["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"]
_TYPE_CODES: frozenset[str] = frozenset(typing.get_args(TypeCode))

T = TypeVar("T")
E = TypeVar("E")


class _Comparable(Generic[T]):
    """The comparisons shared by ``Attr[T]`` (its values are ``T``) and ``Size`` (numbers). The right side is a value
    of the same type, or another attribute (``Attr``/``Size``), as DynamoDB compares path with path."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def _me(self) -> Attr[Any] | Size:
        raise NotImplementedError

    def eq(self, value: T | Attr[Any] | Size) -> Condition:
        return _Compare(self._me(), "=", value)

    def ne(self, value: T | Attr[Any] | Size) -> Condition:
        return _Compare(self._me(), "<>", value)

    def lt(self, value: T | Attr[Any] | Size) -> Condition:
        return _Compare(self._me(), "<", value)

    def le(self, value: T | Attr[Any] | Size) -> Condition:
        return _Compare(self._me(), "<=", value)

    def gt(self, value: T | Attr[Any] | Size) -> Condition:
        return _Compare(self._me(), ">", value)

    def ge(self, value: T | Attr[Any] | Size) -> Condition:
        return _Compare(self._me(), ">=", value)

    def between(self, low: T | Attr[Any] | Size, high: T | Attr[Any] | Size) -> Condition:
        """``low <= path <= high`` (both ends included)."""
        return _Between(self._me(), low, high)

    def __eq__(self, value: T | Attr[Any] | Size) -> Condition:  # type: ignore[override]
        return self.eq(value)

    def __ne__(self, value: T | Attr[Any] | Size) -> Condition:  # type: ignore[override]
        return self.ne(value)

    __hash__ = None  # type: ignore[assignment]

    def __lt__(self, value: T | Attr[Any] | Size) -> Condition:
        return self.lt(value)

    def __le__(self, value: T | Attr[Any] | Size) -> Condition:
        return self.le(value)

    def __gt__(self, value: T | Attr[Any] | Size) -> Condition:
        return self.gt(value)

    def __ge__(self, value: T | Attr[Any] | Size) -> Condition:
        return self.ge(value)


class Attr(_Comparable[T]):
    """An attribute path to build conditions and update actions on, typed by the values it holds.

    Two ways to get one: ``Attr("address.city")`` (a path by name, ``Attr[Any]``), or a model's class attribute,
    ``User.age``. A field annotated ``age: Attr[int] = Field(default=0)`` is an ``int`` on instances and an
    ``Attr[int]`` on the class, so mypy checks what conditions compare it with (``User.age.between("a", "b")`` is
    an error, and ``begins_with`` exists only for ``str``/``bytes``). Fields annotated plainly (``age: int``) have
    the same class attribute at run time, but type checkers then see an ``int`` there.

    ``==`` and ``!=`` build conditions (so an ``Attr`` is not hashable); ``eq``/``ne`` are the same. Nested paths:
    ``User.notes[0]``, ``User.prefs["dark"]``, and ``User.address[Address.city]`` for a ``Document``'s field.
    """

    __slots__ = ()
    __value_wrapper__ = True
    """Tells the plan that the annotation ``Attr[X]`` stores an ``X``."""

    def __init__(self: Attr[Any], path: str) -> None:
        super().__init__(path)

    # The descriptor protocol: the metaclass puts one ``Attr`` per field on the model class. It is a non-data
    # descriptor at run time (instances read their values from ``__dict__``, at plain attribute speed); type
    # checkers also see ``__set__``, which gives the constructor and assignments the value type ``T``.
    @overload
    def __get__(self, instance: None, owner: type) -> Attr[T]: ...

    @overload
    def __get__(self, instance: object, owner: type) -> T: ...

    def __get__(self, instance: object, owner: type) -> Attr[T] | T:
        if instance is None:
            return self
        return cast(T, instance.__dict__.get(self.path))

    if TYPE_CHECKING:

        def __set__(self, instance: object, value: T) -> None: ...

    def _me(self) -> Attr[Any]:
        return self

    # -- nested paths ------------------------------------------------------------------------------------------

    @overload
    def __getitem__(self: Attr[list[E]], key: int) -> Attr[E]: ...

    @overload
    def __getitem__(self: Attr[list[E] | None], key: int) -> Attr[E]: ...

    @overload
    def __getitem__(self: Attr[dict[str, E]], key: str) -> Attr[E]: ...

    @overload
    def __getitem__(self: Attr[dict[str, E] | None], key: str) -> Attr[E]: ...

    @overload
    def __getitem__(self, key: Attr[E]) -> Attr[E]: ...

    def __getitem__(self, key: int | str | Attr[Any]) -> Attr[Any]:
        if isinstance(key, Attr):
            return Attr(f"{self.path}.{key.path}")
        if isinstance(key, int):
            return Attr(f"{self.path}[{key}]")
        return Attr(f"{self.path}.{key}")

    # -- conditions --------------------------------------------------------------------------------------------

    def is_in(self, values: Iterable[T]) -> Condition:
        """``path IN (v1, v2, ...)`` (1 to 100 values)."""
        options = tuple(values)
        if not 1 <= len(options) <= 100:
            raise ValueError("IN takes 1 to 100 values")
        return _In(self, options)

    # Methods that exist for some value types only are overloaded on ``self`` (a TypeVar bound on ``self`` would
    # not be enforced by mypy): calling one on another type is a type error ("Invalid self argument").

    @overload
    def begins_with(self: Attr[str] | Attr[str | None], prefix: str) -> Condition: ...

    @overload
    def begins_with(self: Attr[bytes] | Attr[bytes | None], prefix: bytes) -> Condition: ...

    def begins_with(self, prefix: str | bytes) -> Condition:
        """A string (or binary) starting with ``prefix``."""
        return _Function("begins_with", self, prefix)

    @overload
    def contains(self: Attr[str] | Attr[str | None], value: str) -> Condition: ...

    @overload
    def contains(self: Attr[builtins.set[E]], value: E) -> Condition: ...

    @overload
    def contains(self: Attr[builtins.set[E] | None], value: E) -> Condition: ...

    @overload
    def contains(self: Attr[list[E]], value: E) -> Condition: ...

    @overload
    def contains(self: Attr[list[E] | None], value: E) -> Condition: ...

    def contains(self, value: Any) -> Condition:
        """A substring of a string, or a member of a set or list."""
        return _Function("contains", self, value)

    def exists(self) -> Condition:
        return _Function("attribute_exists", self)

    def not_exists(self) -> Condition:
        return _Function("attribute_not_exists", self)

    def is_type(self, type_code: TypeCode) -> Condition:
        """``attribute_type(path, :t)``; ``type_code`` is ``S``, ``N``, ``B``, ``BOOL``, ``NULL``, ``L``, ``M``,
        ``SS``, ``NS`` or ``BS``."""
        if type_code not in _TYPE_CODES:
            raise ValueError(f"unknown DynamoDB type {type_code!r}")
        return _Function("attribute_type", self, raw=type_code)

    def size(self) -> Size:
        """``size(path)``, to compare with numbers: ``User.tags.size() > 2``."""
        return Size(self.path)

    # -- update actions (PynamoDB's spelling) --------------------------------------------------------------------

    def set(self, value: T | Attr[Any]) -> Action:
        """``SET path = value`` (``None`` removes the attribute); another ``Attr`` copies that attribute."""
        return Action("set", self.path, value)

    def set_if_not_exists(self, value: T) -> Action:
        """``SET path = if_not_exists(path, value)``: only when the attribute is absent."""
        return Action("set", self.path, IfNotExists(value))

    @overload
    def add(self: Attr[int] | Attr[int | None], value: int) -> Action: ...

    @overload
    def add(self: Attr[float] | Attr[float | None], value: float) -> Action: ...

    @overload
    def add(self: Attr[Decimal] | Attr[Decimal | None], value: Decimal | int) -> Action: ...

    @overload
    def add(self: Attr[builtins.set[E]], value: AbstractSet[E]) -> Action: ...

    @overload
    def add(self: Attr[builtins.set[E] | None], value: AbstractSet[E]) -> Action: ...

    def add(self, value: Any) -> Action:
        """``ADD path value``: add to a number (absent counts as 0), or add members to a set."""
        return Action("add", self.path, value)

    @overload
    def delete(self: Attr[builtins.set[E]], value: AbstractSet[E]) -> Action: ...

    @overload
    def delete(self: Attr[builtins.set[E] | None], value: AbstractSet[E]) -> Action: ...

    def delete(self, value: Any) -> Action:
        """``DELETE path value``: remove these members from a set."""
        return Action("delete", self.path, value)

    def remove(self) -> Action:
        """``REMOVE path``."""
        return Action("remove", self.path)

    def __repr__(self) -> str:
        return f"Attr({self.path!r})"


class Size(_Comparable[int]):
    """``size(path)``: compare it like a number attribute."""

    __slots__ = ()

    def _me(self) -> Size:
        return self


@dataclass(frozen=True, slots=True)
class Action:
    """One update action on one attribute (``User.age.add(1)``), for ``update(..., actions=[...])``."""

    kind: Literal["set", "add", "remove", "delete"]
    path: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class IfNotExists:
    """In ``update(set=...)``: assign ``value`` only when the attribute is absent (``if_not_exists``)."""

    value: Any


def render_update(
    r: Renderer,
    *,
    set: Mapping[str, Any] | None = None,
    add: Mapping[str, Any] | None = None,
    remove: Iterable[str] = (),
    delete: Mapping[str, Any] | None = None,
    actions: Iterable[Action] = (),
) -> str:
    """An UpdateExpression. ``set`` values are encoded by the field (after its validation and ``set`` transform);
    ``add`` adds to a number or a set; ``delete`` removes members from a set; ``remove`` drops attributes.
    ``actions`` (``User.age.add(1)``) join the mappings, after them."""
    plan = r.plan
    set, add, delete = dict(set or {}), dict(add or {}), dict(delete or {})
    remove = list(remove)
    for action in actions:
        if action.kind == "remove":
            remove.append(action.path)
        else:
            {"set": set, "add": add, "delete": delete}[action.kind][action.path] = action.value
    clauses: list[str] = []
    sets: list[str] = []
    removes = [r.path(p)[0] for p in remove]
    for path, value in set.items():
        rendered, codec = r.path(path)
        if plan is not None and path in plan.fields:
            fp = plan.fields[path]
            if isinstance(value, Attr | Size):
                sets.append(f"{rendered} = {r.operand(codec, value)}")
                continue
            if isinstance(value, IfNotExists):
                av = plan.encode_value(fp, value.value)
                if av is not None:
                    sets.append(f"{rendered} = if_not_exists({rendered}, {r.value(av)})")
                continue
            av = plan.encode_value(fp, value)
            if av is None:
                removes.append(rendered)
                continue
            sets.append(f"{rendered} = {r.value(av)}")
        else:
            sets.append(f"{rendered} = {r.operand(codec, value)}")
    if sets:
        clauses.append("SET " + ", ".join(sets))
    if removes:
        clauses.append("REMOVE " + ", ".join(removes))
    for keyword, mapping in (("ADD", add), ("DELETE", delete)):
        if mapping:
            parts = []
            for path, value in mapping.items():
                rendered, codec = r.path(path)
                parts.append(f"{rendered} {r.operand(codec, value)}")
            clauses.append(f"{keyword} " + ", ".join(parts))
    if not clauses:
        raise ValueError("an update needs at least one of set, add, remove or delete")
    return " ".join(clauses)

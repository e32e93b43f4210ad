"""``Document`` and ``Model``: typed classes compiled once into a ``ModelPlan``.

    class Note(Model, table="notes", indexes=[GlobalIndex("byOwner", "owner")]):
        id: str = HashKey()
        owner: str
        title: str = Field(validate=r"\\S.*")
        tags: set[str] = Field(default_factory=set)

    note = Note(id="n1", owner="ann", title="hello")       # keyword-only, checked by mypy (dataclass_transform)
    Note.title.begins_with("h")                             # a class attribute is the field's ``Attr``

Each field's class attribute is an ``Attr`` naming it, for conditions and update actions. Annotate a field
``Attr[X]`` (``title: Attr[str] = Field(...)``) and type checkers see ``Note.title`` as ``Attr[str]`` while
``note.title`` stays a ``str``; with a plain ``X`` annotation they see an ``X`` in both places.

A ``Document`` is a model-like map (a nested attribute); a ``Model`` has a table and keys. Class keywords:
``table`` (the table's name, before the session's prefix), ``indexes`` (``GlobalIndex``/``LocalIndex``) and
``unknown`` (what reading an undeclared attribute does: ``"ignore"`` drops it, ``"refuse"`` raises, ``"keep"``
keeps it and writes it back on save, a tuple of names keeps those only), and for several models on one table
(single-table design) ``kind`` (a discriminator value stored in ``kind_attribute``, ``"_type"`` by default:
reads of another model's item find nothing, and queries and scans keep only this model's items).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, dataclass_transform

from nubis.models.expressions import Attr
from nubis.models.fields import CreatedAt, ExpiresAt, Field, FieldSpec, HashKey, RangeKey, UpdatedAt, Version
from nubis.models.plan import GlobalIndex, LocalIndex, ModelPlan, Unknown, compile_plan

__all__ = ["Document", "Model", "ModelMeta"]


@dataclass_transform(
    kw_only_default=True,
    field_specifiers=(Field, HashKey, RangeKey, CreatedAt, UpdatedAt, ExpiresAt, Version),
)
class ModelMeta(type):
    """Collects field declarations at class creation; compiles the plan on first use (annotations may name
    classes defined later in the module)."""

    def __new__(
        mcs,
        name: str,
        bases: tuple[type, ...],
        namespace: dict[str, Any],
        **kwargs: Any,
    ) -> ModelMeta:
        specs: dict[str, FieldSpec] = {}
        for base in reversed(bases):
            specs.update(getattr(base, "__field_specs__", {}))
        annotations = namespace.get("__annotations__", {})
        for field_name, annotation in annotations.items():
            if field_name.startswith("_") or "ClassVar" in str(annotation):
                continue
            value = namespace.pop(field_name, None) if field_name in namespace else FieldSpec()
            specs[field_name] = value if isinstance(value, FieldSpec) else FieldSpec(default=value)
            namespace[field_name] = Attr(field_name)
        namespace["__field_specs__"] = specs
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        inherited: dict[str, Any] = dict(getattr(cls, "__model_options__", {}))
        inherited.update(kwargs)
        cls.__model_options__ = inherited  # type: ignore[attr-defined]
        type.__setattr__(cls, "_plan", None)
        return cls

    @property
    def __plan__(cls) -> ModelPlan:
        plan: ModelPlan | None = cls.__dict__.get("_plan")
        if plan is None:
            options = cls.__model_options__  # type: ignore[attr-defined]
            plan = compile_plan(
                cls,
                cls.__field_specs__,  # type: ignore[attr-defined]
                table=options.get("table"),
                indexes=tuple(options.get("indexes", ())),
                unknown=options.get("unknown", "ignore"),
                kind=options.get("kind"),
                kind_attribute=options.get("kind_attribute", "_type"),
            )
            type.__setattr__(cls, "_plan", plan)
        return plan


class Document(metaclass=ModelMeta):
    """A typed map: a nested attribute of a model (or the base of one)."""

    __field_specs__: ClassVar[dict[str, FieldSpec]]

    def __init_subclass__(
        cls,
        *,
        table: str | None = None,
        indexes: Iterable[GlobalIndex | LocalIndex] = (),
        unknown: Unknown = "ignore",
        kind: str | None = None,
        kind_attribute: str = "_type",
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)

    def __init__(self, **values: Any) -> None:
        specs = type(self).__field_specs__
        for key in values:
            if key not in specs:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {key!r}")
        own = self.__dict__
        for field_name, spec in specs.items():
            own[field_name] = values[field_name] if field_name in values else spec.make_default()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values().items())
        return f"{type(self).__name__}({inner})"

    def _values(self) -> dict[str, Any]:
        own = self.__dict__
        return {name: own.get(name) for name in type(self).__field_specs__}

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict of Python values (nested documents stay objects)."""
        return self._values()

    def to_item(self) -> dict[str, Any]:
        """The item as DynamoDB stores it (wire attribute values), validated."""
        return type(self).__plan__.encode_item(self)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Any:
        """An instance from a stored item (``Model.from_item`` is typed by ``Session``'s results)."""
        return cls.__plan__.decode(item)

    def validate(self) -> None:
        """Check every rule now (saving does it too). Raises ``ModelValidationError``."""
        self.to_item()


class Model(Document):
    """A document stored in a table, with a hash key (and maybe a range key)."""

    def key(self) -> dict[str, Any]:
        """This instance's primary key, in wire shape."""
        plan: ModelPlan = type(self).__plan__
        own = self.__dict__
        return plan.encode_key(
            own.get(plan.hash_key.name) if plan.hash_key else None,
            own.get(plan.range_key.name) if plan.range_key else None,
        )

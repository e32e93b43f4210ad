"""PartiQL syntax trees: frozen, slotted dataclasses for the subset DynamoDB runs.

    Statement = Select | Insert | Update | Delete | Exists
    Value     = Literal | Param | ListValue | MapValue | BagValue        (data)
    Operand   = Value | Path | Call | Arithmetic                         (what a comparison or SET compares/assigns)
    Condition = Compare | Between | In | Is | Call | Not | And | Or       (a WHERE clause)

Literals are converted to attribute values (wire JSON) by the parser; ``Param`` keeps the zero-based position of
its ``?``, bound later, so one parse serves every set of parameters (and the parse can be cached by text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal as TypingLiteral

AttributeValue = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Path:
    """A document path: an attribute name then names (``.b``) and list indexes (``[0]``)."""

    steps: tuple[str | int, ...]
    at: str = field(default="", compare=False)
    """Where the path's first name stands (``line:column:length``)."""

    @property
    def root(self) -> str:
        first = self.steps[0]
        assert isinstance(first, str)
        return first

    @property
    def is_attribute(self) -> bool:
        return len(self.steps) == 1

    def render(self) -> str:
        out = self.root
        for step in self.steps[1:]:
            out += f"[{step}]" if isinstance(step, int) else f".{step}"
        return out


@dataclass(frozen=True, slots=True)
class Literal:
    value: AttributeValue
    missing: bool = False
    """The ``MISSING`` keyword (it has no attribute value; only ``IS MISSING`` may use it)."""


@dataclass(frozen=True, slots=True)
class Param:
    index: int


@dataclass(frozen=True, slots=True)
class ListValue:
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class MapValue:
    entries: tuple[tuple[str, Value], ...]


@dataclass(frozen=True, slots=True)
class BagValue:
    items: tuple[Value, ...]


Value = Literal | Param | ListValue | MapValue | BagValue


@dataclass(frozen=True, slots=True)
class Call:
    """A function call, its name lower-cased (``begins_with``, ``size``, ``list_append``, ``exists``...)."""

    name: str
    args: tuple[Operand | Select, ...]
    at: str = field(default="", compare=False)
    """Where the name stands, ``line:column:length`` as AWS appends it to some messages ("... at 1:30:7")."""


@dataclass(frozen=True, slots=True)
class Arithmetic:
    op: TypingLiteral["+", "-"]
    left: Operand
    right: Operand


Operand = Value | Path | Call | Arithmetic

CompareOp = TypingLiteral["=", "<>", "<", "<=", ">", ">="]


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class Between:
    subject: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True, slots=True)
class In:
    subject: Operand
    items: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Is:
    subject: Operand
    type_name: str
    """Upper-cased: MISSING, NULL, BOOLEAN, STRING, NUMERIC, BLOB, STRUCT, TUPLE, LIST (or another, refused)."""
    negated: bool


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Condition, ...]


Condition = Compare | Between | In | Is | Call | Not | And | Or | Value | Path | Arithmetic


@dataclass(frozen=True, slots=True)
class Source:
    table: str
    index: str | None = None


@dataclass(frozen=True, slots=True)
class OrderKey:
    path: Path
    descending: bool


@dataclass(frozen=True, slots=True)
class Select:
    source: Source
    projection: tuple[Path, ...] | None
    """None for ``*``."""
    where: Condition | None
    order_by: tuple[OrderKey, ...] = ()


@dataclass(frozen=True, slots=True)
class Insert:
    source: Source
    value: Value


@dataclass(frozen=True, slots=True)
class SetAction:
    path: Path
    value: Operand


@dataclass(frozen=True, slots=True)
class RemoveAction:
    path: Path


Returning = TypingLiteral["ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"]


@dataclass(frozen=True, slots=True)
class Update:
    source: Source
    actions: tuple[SetAction | RemoveAction, ...]
    where: Condition | None
    returning: Returning | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    source: Source
    where: Condition | None
    returning: Returning | None = None


@dataclass(frozen=True, slots=True)
class Exists:
    """``[NOT] EXISTS(SELECT ...)``: a condition check, allowed only in a transaction of writes."""

    select: Select
    negated: bool = False


Statement = Select | Insert | Update | Delete | Exists


@dataclass(frozen=True, slots=True)
class Parsed:
    statement: Statement
    parameter_count: int

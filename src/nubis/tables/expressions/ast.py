"""The syntax trees of the four expression languages, as frozen slotted dataclasses.

The parser produces *unresolved* trees: paths may hold ``NameRef`` placeholders and operands may be ``ValueRef``s.
``resolve`` produces the same node types with every ``NameRef`` replaced by the attribute name it stands for and
every ``ValueRef`` replaced by a ``Literal``, so that the compilers never see a placeholder. Parsed trees are cached
by text and shared between requests, which is why nothing here is mutable.

    Condition := Compare | Between | In | Call | And | Or | Not | Paren
    Operand   := Path | ValueRef | Literal | Call | Paren | Arith (update only)
    Update    := sections of SetAction | RemoveAction | AddAction | DeleteAction
    Projection := paths
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal as TypingLiteral

from nubis.tables.values import AttributeValue


@dataclass(frozen=True, slots=True)
class NameRef:
    """An ``#name`` placeholder inside a document path."""

    name: str


PathElement = str | int | NameRef


@dataclass(frozen=True, slots=True)
class Path:
    """A document path: attribute names (``str``), list indexes (``int``) and, before resolution, ``NameRef``s."""

    elements: tuple[PathElement, ...]


@dataclass(frozen=True, slots=True)
class ValueRef:
    """A ``:value`` placeholder."""

    name: str


@dataclass(frozen=True, slots=True)
class Literal:
    """A resolved ``:value``: the request's (validated) attribute value."""

    value: AttributeValue
    name: str


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; names are case-sensitive and checked by ``resolve``, not by the parser."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Paren:
    """Parentheses kept in the tree only so that ``resolve`` can report AWS's redundant-parentheses error."""

    inner: Node


CompareOp = TypingLiteral["=", "<>", "<", "<=", ">", ">="]


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Between:
    operand: Node
    low: Node
    high: Node


@dataclass(frozen=True, slots=True)
class In:
    operand: Node
    options: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Not:
    inner: Node


@dataclass(frozen=True, slots=True)
class Arith:
    """``a + b`` or ``a - b`` on the right of a SET action."""

    op: TypingLiteral["+", "-"]
    left: Node
    right: Node


Node = Path | ValueRef | Literal | Call | Paren | Compare | Between | In | And | Or | Not | Arith

CONDITIONS = (Compare, Between, In, And, Or, Not)
"""Node types that are conditions by shape (a ``Call`` may be either, depending on the function)."""


@dataclass(frozen=True, slots=True)
class SetAction:
    path: Path
    value: Node


@dataclass(frozen=True, slots=True)
class RemoveAction:
    path: Path


@dataclass(frozen=True, slots=True)
class AddAction:
    path: Path
    value: Node


@dataclass(frozen=True, slots=True)
class DeleteAction:
    path: Path
    value: Node


Action = SetAction | RemoveAction | AddAction | DeleteAction
SectionName = TypingLiteral["SET", "REMOVE", "ADD", "DELETE"]


@dataclass(frozen=True, slots=True)
class Section:
    name: SectionName
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Update:
    sections: tuple[Section, ...]


@dataclass(frozen=True, slots=True)
class Projection:
    paths: tuple[Path, ...]


def path_heads(node: Node, *, nested_only: bool = False) -> frozenset[str]:
    """The top-level attribute names a resolved condition reads (e.g. for "filters may not use key attributes");
    ``nested_only``: only those read through a map lookup or list index (key attributes must be scalars)."""
    heads: set[str] = set()
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Path):
            first = current.elements[0] if current.elements else None
            if isinstance(first, str) and (not nested_only or len(current.elements) > 1):
                heads.add(first)
        elif isinstance(current, Call):
            stack.extend(current.args)
        elif isinstance(current, Paren | Not):
            stack.append(current.inner)
        elif isinstance(current, Compare | And | Or | Arith):
            stack.extend((current.left, current.right))
        elif isinstance(current, Between):
            stack.extend((current.operand, current.low, current.high))
        elif isinstance(current, In):
            stack.append(current.operand)
            stack.extend(current.options)
    return frozenset(heads)

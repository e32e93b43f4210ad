"""Projecting an item onto document paths (ProjectionExpression, AttributesToGet, ReturnValues UPDATED_*).

AWS returns nested paths nested: ``a.b`` gives ``{"a": {"M": {"b": ...}}}``, and list elements keep their relative
order but not their positions, so ``a[1], a[3]`` gives a two-element list ([P] dynalite updateItem "should
update nested attributes", where UPDATED_NEW of ``c[1], c[2], c[4]`` is a three-element list). Paths that do not
resolve are left out. The parser's overlap checks guarantee that no two paths claim the same spot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nubis.tables.expressions.evaluate import compile_path
from nubis.tables.expressions.resolve import ResolvedPath
from nubis.tables.values import AttributeValue, Item

Projector = Callable[[Item], Item]


class _Branch:
    """A map (``M``) or list (``L``) being built; list children are keyed by original index."""

    __slots__ = ("children", "kind")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.children: dict[Any, Any] = {}

    def build(self) -> AttributeValue:
        if self.kind == "M":
            return {"M": {k: _build(v) for k, v in self.children.items()}}
        return {"L": [_build(self.children[k]) for k in sorted(self.children)]}


def _build(node: Any) -> AttributeValue:
    return node.build() if isinstance(node, _Branch) else node


def compile_projection(paths: tuple[ResolvedPath, ...]) -> Projector:
    """A function returning a new item holding only ``paths`` of its input."""
    if all(len(path) == 1 for path in paths):
        names = tuple(str(path[0]) for path in paths)

        def project_top(item: Item) -> Item:
            return {name: item[name] for name in names if name in item}

        return project_top
    plan = tuple((path, compile_path(path)) for path in paths)

    def project(item: Item) -> Item:
        root: dict[Any, Any] = {}
        for path, get in plan:
            value = get(item)
            if value is None:
                continue
            level = root
            last = len(path) - 1
            for i, key in enumerate(path):
                if i == last:
                    level[key] = value
                    break
                branch = level.get(key)
                if branch is None:
                    branch = _Branch("L" if isinstance(path[i + 1], int) else "M")
                    level[key] = branch
                level = branch.children
        return {name: _build(node) for name, node in root.items()}

    return project


def top_level_names(paths: tuple[ResolvedPath, ...]) -> frozenset[str]:
    return frozenset(str(path[0]) for path in paths)

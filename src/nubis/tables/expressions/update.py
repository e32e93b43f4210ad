"""Applying update actions: a compiled UpdateExpression (or legacy AttributeUpdates) maps an item to a *new* item.

The input item is never mutated. Containers on the way to a change are copied once (copy-on-write); everything
else is shared with the input, so callers must treat items as immutable, which the engine does.

Order of work, and why:

1. Every SET value is computed against the item *as it was* ([D] update expressions: operands read the item
   before the update), so ``SET a = b, b = a`` swaps.
2. Actions then run in the order written. List positions always mean positions in the *original* list: removals
   are collected and applied at the end, and SET/ADD beyond the end append in index order ([D] "If you add
   multiple elements in a single SET operation, the elements are sorted in order by element number"; [P] dynalite
   updateItem "should update nested attributes").
3. Runtime errors use AWS's wording ([P] dynalite updateItem): a missing operand, a wrong operand type, or a path
   whose parent does not exist or has the wrong type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from nubis.tables.errors import ValidationException
from nubis.tables.expressions import ast
from nubis.tables.expressions.evaluate import compile_path
from nubis.tables.expressions.functions import type_of
from nubis.tables.expressions.projection import compile_projection
from nubis.tables.expressions.resolve import ResolvedPath, path_of
from nubis.tables.values import AttributeValue, Item, add_number_texts

MISSING_OPERAND: Final = "The provided expression refers to an attribute that does not exist in the item"
WRONG_TYPE: Final = "An operand in the update expression has an incorrect data type"
INVALID_PATH: Final = "The document path provided in the update expression is invalid for update"
LEGACY_TYPE_MISMATCH: Final = "Type mismatch for attribute to update"
_SETS: Final = frozenset({"SS", "NS", "BS"})

ValueFn = Callable[[Item], AttributeValue]


@dataclass(frozen=True, slots=True)
class CompiledUpdate:
    apply: Callable[[Item], Item]
    paths: tuple[ResolvedPath, ...]
    top_level: frozenset[str]
    updated_paths: Callable[[Item], Item]
    computed_top_level: frozenset[str] = frozenset()
    """Top-level names a SET gives a value read from the item (a path, function or arithmetic), not a literal."""


# -- SET values ----------------------------------------------------------------------------------------------


def _compile_value(node: ast.Node) -> ValueFn:
    if isinstance(node, ast.Literal):
        constant = node.value
        return lambda item: constant
    if isinstance(node, ast.Paren):
        return _compile_value(node.inner)
    if isinstance(node, ast.Path):
        get = compile_path(path_of(node))

        def read(item: Item) -> AttributeValue:
            value = get(item)
            if value is None:
                raise ValidationException(MISSING_OPERAND)
            return value

        return read
    if isinstance(node, ast.Arith):
        left, right = _compile_value(node.left), _compile_value(node.right)
        negate = node.op == "-"

        def arith(item: Item) -> AttributeValue:
            a = left(item)
            if "N" not in a:
                raise ValidationException(WRONG_TYPE)
            b = right(item)
            if "N" not in b:
                raise ValidationException(WRONG_TYPE)
            return {"N": add_number_texts(a["N"], b["N"], subtract=negate)}

        return arith
    if isinstance(node, ast.Call) and node.name == "if_not_exists":
        get = compile_path(path_of(node.args[0]))  # type: ignore[arg-type]
        fallback = _compile_value(node.args[1])

        def if_not_exists(item: Item) -> AttributeValue:
            value = get(item)
            return value if value is not None else fallback(item)

        return if_not_exists
    if isinstance(node, ast.Call) and node.name == "list_append":
        first, second = _compile_value(node.args[0]), _compile_value(node.args[1])

        def list_append(item: Item) -> AttributeValue:
            a = first(item)
            if "L" not in a:
                raise ValidationException(WRONG_TYPE)
            b = second(item)
            if "L" not in b:
                raise ValidationException(WRONG_TYPE)
            return {"L": [*a["L"], *b["L"]]}

        return list_append
    raise AssertionError(f"not an update operand: {node!r}")  # pragma: no cover - resolve admits none


# -- the editor: copy-on-write navigation with index-stable lists --------------------------------------------


class _Editor:
    __slots__ = ("appends", "owned", "removed", "root")

    def __init__(self, item: Item) -> None:
        self.root: dict[str, Any] = dict(item)
        self.owned: set[int] = {id(self.root)}
        self.removed: dict[int, tuple[list[Any], set[int]]] = {}
        self.appends: dict[int, tuple[list[Any], dict[int, AttributeValue]]] = {}

    def parent(self, path: ResolvedPath) -> dict[str, Any] | list[Any]:
        """The (owned) container that holds the path's last element; raises when it does not exist."""
        container: dict[str, Any] | list[Any] = self.root
        for i in range(len(path) - 1):
            key = path[i]
            nxt = path[i + 1]
            if isinstance(container, dict):
                if not isinstance(key, str):
                    raise ValidationException(INVALID_PATH)
                child = container.get(key)
            else:
                if not isinstance(key, int) or key >= len(container):
                    raise ValidationException(INVALID_PATH)
                child = container[key]
            wanted = "L" if isinstance(nxt, int) else "M"
            if child is None or wanted not in child:
                raise ValidationException(INVALID_PATH)
            inner = child[wanted]
            if id(inner) not in self.owned:
                inner = list(inner) if wanted == "L" else dict(inner)
                self.owned.add(id(inner))
                container[key] = {wanted: inner}  # type: ignore[index]
            container = inner
        return container

    def get(self, container: dict[str, Any] | list[Any], key: str | int) -> AttributeValue | None:
        if isinstance(container, dict):
            if not isinstance(key, str):
                raise ValidationException(INVALID_PATH)
            value: AttributeValue | None = container.get(key)
            return value
        if not isinstance(key, int):
            raise ValidationException(INVALID_PATH)
        return container[key] if key < len(container) else None

    def put(self, container: dict[str, Any] | list[Any], key: str | int, value: AttributeValue) -> None:
        if isinstance(container, dict):
            container[key] = value  # type: ignore[index]
        elif key < len(container):  # type: ignore[operator]
            container[key] = value  # type: ignore[index]
        else:
            self.appends.setdefault(id(container), (container, {}))[1][key] = value  # type: ignore[index]

    def remove(self, container: dict[str, Any] | list[Any], key: str | int) -> None:
        if isinstance(container, dict):
            container.pop(key, None)  # type: ignore[arg-type]
        elif key < len(container):  # type: ignore[operator]
            self.removed.setdefault(id(container), (container, set()))[1].add(key)  # type: ignore[arg-type]

    def finish(self) -> Item:
        for array, indexes in self.removed.values():
            array[:] = [v for i, v in enumerate(array) if i not in indexes]
        for array, extra in self.appends.values():
            array.extend(extra[k] for k in sorted(extra))
        return self.root


def _add(existing: AttributeValue | None, value: AttributeValue, mismatch: str) -> AttributeValue:
    """ADD: sum numbers, union sets (and, for legacy AttributeUpdates only, concatenate lists)."""
    kind = type_of(value)
    if existing is None:
        return value
    if type_of(existing) != kind:
        raise ValidationException(mismatch)
    if kind == "N":
        return {"N": add_number_texts(existing["N"], value["N"])}
    if kind == "L":
        return {"L": [*existing["L"], *value["L"]]}
    current = existing[kind]
    have = set(current)
    return {kind: [*current, *(v for v in value[kind] if v not in have)]}


def _delete(existing: AttributeValue, value: AttributeValue, mismatch: str) -> AttributeValue | None:
    """DELETE from a set; ``None`` when nothing is left (the attribute goes away)."""
    kind = type_of(value)
    if type_of(existing) != kind:
        raise ValidationException(mismatch)
    gone = set(value[kind])
    left = [v for v in existing[kind] if v not in gone]
    return {kind: left} if left else None


# -- UpdateExpression ----------------------------------------------------------------------------------------


def compile_update(node: ast.Update) -> CompiledUpdate:
    """Compile a resolved UpdateExpression."""
    value_fns: list[ValueFn] = []
    steps: list[tuple[str, ResolvedPath, int, AttributeValue | None]] = []
    paths: list[ResolvedPath] = []
    computed: set[str] = set()
    for section in node.sections:
        for action in section.actions:
            path = path_of(action.path)
            paths.append(path)
            if isinstance(action, ast.SetAction):
                if not isinstance(action.value, ast.Literal):
                    computed.add(str(path[0]))
                steps.append(("SET", path, len(value_fns), None))
                value_fns.append(_compile_value(action.value))
            elif isinstance(action, ast.RemoveAction):
                steps.append(("REMOVE", path, -1, None))
            else:
                literal = action.value
                assert isinstance(literal, ast.Literal)
                steps.append((section.name, path, -1, literal.value))
    frozen_steps = tuple(steps)
    frozen_values = tuple(value_fns)

    def apply(item: Item) -> Item:
        computed = [fn(item) for fn in frozen_values]
        editor = _Editor(item)
        for kind, path, index, literal in frozen_steps:
            container = editor.parent(path)
            key = path[-1]
            if kind == "SET":
                editor.get(container, key)  # type check of the last step
                editor.put(container, key, computed[index])
            elif kind == "REMOVE":
                editor.get(container, key)
                editor.remove(container, key)
            elif kind == "ADD":
                assert literal is not None
                editor.put(container, key, _add(editor.get(container, key), literal, WRONG_TYPE))
            else:
                assert literal is not None
                existing = editor.get(container, key)
                if existing is not None:
                    remaining = _delete(existing, literal, WRONG_TYPE)
                    if remaining is None:
                        editor.remove(container, key)
                    else:
                        editor.put(container, key, remaining)
        return editor.finish()

    frozen_paths = tuple(paths)

    def updated_paths(item: Item) -> Item:
        # Only ReturnValues UPDATED_OLD / UPDATED_NEW asks: compiled then, not for every UpdateItem.
        return compile_projection(frozen_paths)(item)

    return CompiledUpdate(
        apply=apply,
        paths=frozen_paths,
        top_level=frozenset(str(p[0]) for p in frozen_paths),
        updated_paths=updated_paths,
        computed_top_level=frozenset(computed),
    )


# -- legacy AttributeUpdates ---------------------------------------------------------------------------------


def compile_attribute_updates(updates: dict[str, Any]) -> CompiledUpdate:
    """Compile validated legacy ``AttributeUpdates`` (PUT, ADD, DELETE per top-level attribute)."""
    steps = tuple((name, str(update.get("Action") or "PUT"), update.get("Value")) for name, update in updates.items())

    def apply(item: Item) -> Item:
        new = dict(item)
        for name, action, value in steps:
            if action == "PUT":
                new[name] = value
            elif action == "ADD":
                new[name] = _add(new.get(name), value, LEGACY_TYPE_MISMATCH)
            elif value is None:
                new.pop(name, None)
            else:
                existing = new.get(name)
                if existing is not None:
                    remaining = _delete(existing, value, LEGACY_TYPE_MISMATCH)
                    if remaining is None:
                        del new[name]
                    else:
                        new[name] = remaining
        return new

    paths = tuple((name,) for name in updates)
    return CompiledUpdate(
        apply=apply,
        paths=paths,
        top_level=frozenset(updates),
        updated_paths=compile_projection(paths),
    )

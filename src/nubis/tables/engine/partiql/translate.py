"""PartiQL trees to DynamoDB requests: pure functions from a statement, its parameters and a key schema to the
wire JSON of GetItem-family operations. Nothing here touches the engine, so every rule is unit-tested alone.

Values never enter expression text: every attribute name becomes ``#nN`` and every value ``:vN`` (names and values
are numbered in order of first use, so one statement always gives the same request).

How a statement becomes operations:

- ``SELECT`` becomes one ``Query`` per partition when every ``OR`` branch of the WHERE fixes the partition key with
  ``=`` or ``IN`` ([D] ql-reference.select: "equality or IN condition with a partition key"); the branch's one
  sort-key condition (``= < <= > >= BETWEEN begins_with``) joins the key condition and its other conditions become
  the filter. Anything else is one ``Scan`` filtered by the whole WHERE. A branch whose leftover conditions still
  read a key attribute (which a Query filter may not) falls back to the Scan too: the same items, found slower.
- ``INSERT`` is a ``PutItem`` guarded by ``attribute_not_exists`` on the partition key (a failure is AWS's
  ``DuplicateItemException``, mapped by ``execute``).
- ``UPDATE`` is an ``UpdateItem`` of the item the WHERE's key equalities name, guarded by ``attribute_exists``
  ([D] ql-reference.update: a WHERE that matches no item is a ConditionalCheckFailedException) and by the WHERE's
  other conditions.
- ``DELETE`` is a ``DeleteItem`` guarded only by the WHERE's other conditions (a missing item is no error:
  [P] DynamoDB Local, recorded).
- In ``ExecuteTransaction``: ``SELECT`` becomes a ``Get``, ``[NOT] EXISTS(SELECT ...)`` a ``ConditionCheck``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nubis.tables.engine.partiql import ast, messages
from nubis.tables.errors import ValidationException
from nubis.tables.keys import encode_key_value, prefix_successor
from nubis.tables.schema import KeyAttribute, KeySchema
from nubis.tables.values import AttributeValue, Item, check_value

Request = dict[str, Any]
Params = Sequence[Any]

_IS_TYPES = {
    "NULL": "NULL",
    "BOOL": "BOOL",
    "BOOLEAN": "BOOL",
    "STRING": "S",
    "NUMERIC": "N",
    "BLOB": "B",
    "STRUCT": "M",
    "TUPLE": "M",
    "LIST": "L",
}
_CONDITION_FUNCTIONS = frozenset(
    {"begins_with", "contains", "attribute_type", "attribute_exists", "attribute_not_exists"}
)
_ARITY = {"begins_with": 2, "contains": 2, "attribute_type": 2, "attribute_exists": 1, "attribute_not_exists": 1}
_FLIP = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_RANGE_OPS = frozenset({"=", "<", "<=", ">", ">="})


def check_parameters(parsed: ast.Parsed, parameters: Params | None) -> list[Any]:
    """The request's ``Parameters`` as a list, which must have one value per ``?``.

    [P] too few values fail with AWS's message (DynamoDB Local, recorded). [?] too many: DynamoDB Local accepts
    them; moto and other emulators refuse them with the same message; we refuse (test_partiql: too many).
    """
    values = list(parameters or ())
    if len(values) != parsed.parameter_count:
        raise ValidationException(messages.PARAMETER_COUNT)
    return values


# -- values --------------------------------------------------------------------------------------------------


def resolve_value(node: ast.Value, params: Params) -> AttributeValue:
    """A value node (with its ``?`` bound) as a checked attribute value."""
    if isinstance(node, ast.Literal):
        if node.missing:
            raise ValidationException(messages.MISSING_NEEDS_IS)
        return node.value
    if isinstance(node, ast.Param):
        return check_value(params[node.index])
    if isinstance(node, ast.ListValue):
        return {"L": [resolve_value(v, params) for v in node.items]}
    if isinstance(node, ast.MapValue):
        return {"M": {k: resolve_value(v, params) for k, v in node.entries}}
    if not node.items:
        raise ValidationException(messages.EMPTY_BAG)
    kinds: set[str] = set()
    texts: list[str] = []
    for item in node.items:
        # [P] a set holds only number or string literals (a `?` inside a bag fails the same way, recorded).
        if not isinstance(item, ast.Literal) or not ({"S", "N"} & item.value.keys()):
            raise ValidationException(messages.BAG_TYPES)
        ((kind, text),) = item.value.items()
        kinds.add(kind)
        texts.append(text)
    if len(kinds) > 1:
        raise ValidationException(messages.BAG_TYPES)
    return check_value({"SS" if kinds == {"S"} else "NS": texts})


def _key_value(node: ast.Value, attr: KeyAttribute, params: Params) -> AttributeValue:
    value = resolve_value(node, params)
    if attr.type not in value:
        raise ValidationException(messages.SCHEMA_KEY_MISMATCH.format(attr.name))
    return value


# -- expression text -----------------------------------------------------------------------------------------


class ExpressionBuilder:
    """Renders PartiQL nodes as DynamoDB expression text, collecting ``#n``/``:v`` placeholders."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.names: dict[str, str] = {}
        self.values: dict[str, AttributeValue] = {}

    def name(self, attribute: str) -> str:
        placeholder = self.names.get(attribute)
        if placeholder is None:
            placeholder = self.names[attribute] = f"#n{len(self.names)}"
        return placeholder

    def value(self, value: AttributeValue) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def path(self, path: ast.Path) -> str:
        out = self.name(path.root)
        for step in path.steps[1:]:
            out += f"[{step}]" if isinstance(step, int) else f".{self.name(step)}"
        return out

    def operand(self, node: ast.Operand | ast.Select, *, update: bool = False) -> str:
        if isinstance(node, ast.Path):
            return self.path(node)
        if isinstance(node, (ast.Literal, ast.Param, ast.ListValue, ast.MapValue, ast.BagValue)):
            return self.value(resolve_value(node, self.params))
        if isinstance(node, ast.Arithmetic):
            if not update:
                raise ValidationException(messages.UNSUPPORTED_UPDATE_OP.format(node.op))
            return f"{self.operand(node.left, update=True)} {node.op} {self.operand(node.right, update=True)}"
        if isinstance(node, ast.Call):
            allowed = ("list_append", "if_not_exists") if update else ("size",)
            if node.name not in allowed:
                if update and node.name in _CONDITION_FUNCTIONS | {"size"}:
                    raise ValidationException(messages.FUNCTION_NOT_IN_UPDATE.format(node.name))
                raise ValidationException(_located(messages.UNRECOGNIZED_FUNCTION.format(node.name), node, not update))
            args = ", ".join(self.operand(a, update=update) for a in node.args)
            return f"{node.name}({args})"
        raise ValidationException(messages.not_well_formed(messages.UNEXPECTED_TERM))

    def condition(self, node: ast.Condition) -> str:
        if isinstance(node, ast.And):
            return " AND ".join(self._grouped(c) for c in node.items)
        if isinstance(node, ast.Or):
            return " OR ".join(self._grouped(c) for c in node.items)
        if isinstance(node, ast.Not):
            return f"NOT {self._grouped(node.operand)}"
        if isinstance(node, ast.Compare):
            return f"{self.operand(node.left)} {node.op} {self.operand(node.right)}"
        if isinstance(node, ast.Between):
            return f"{self.operand(node.subject)} BETWEEN {self.operand(node.low)} AND {self.operand(node.high)}"
        if isinstance(node, ast.In):
            if not node.items:
                raise ValidationException(messages.IN_OPERANDS)
            return f"{self.operand(node.subject)} IN ({', '.join(self.operand(i) for i in node.items)})"
        if isinstance(node, ast.Is):
            return self._is(node)
        if isinstance(node, ast.Call):
            if node.name not in _CONDITION_FUNCTIONS:
                # [V] "Unrecognized function: exists at 1:57:6": EXISTS(path) in a WHERE is no function either.
                raise ValidationException(_located(messages.UNRECOGNIZED_FUNCTION.format(node.name), node))
            if len(node.args) != _ARITY[node.name]:
                raise ValidationException(messages.OPERAND_COUNT.format(node.name, len(node.args)))  # [V]
            return f"{node.name}({', '.join(self.operand(a) for a in node.args)})"
        raise ValidationException(messages.WHERE_NOT_BOOLEAN)

    def conjunction(self, conditions: Sequence[ast.Condition]) -> str:
        return (
            " AND ".join(self._grouped(c) for c in conditions) if len(conditions) > 1 else self.condition(conditions[0])
        )

    def _grouped(self, node: ast.Condition) -> str:
        return f"({self.condition(node)})"

    def _is(self, node: ast.Is) -> str:
        if not isinstance(node.subject, ast.Path):
            raise ValidationException(messages.IS_OPERAND)
        path = self.path(node.subject)
        if node.type_name == "MISSING":
            # [D] ql-functions.missing: IS MISSING is true when the item lacks the attribute.
            return f"attribute_exists({path})" if node.negated else f"attribute_not_exists({path})"
        wire_type = _IS_TYPES.get(node.type_name)
        if wire_type is None:
            raise ValidationException(messages.IS_TYPE.format(node.type_name))
        # [?] IS NULL tests for the NULL type only (a missing attribute is not NULL here); test_partiql covers it.
        test = f"attribute_type({path}, {self.value({'S': wire_type})})"
        return f"NOT {test}" if node.negated else test

    def attach(self, request: Request) -> Request:
        if self.names:
            request["ExpressionAttributeNames"] = {v: k for k, v in self.names.items()}
        if self.values:
            request["ExpressionAttributeValues"] = dict(self.values)
        return request


def _located(message: str, node: ast.Call | ast.Path | ast.Operand | ast.Select, located: bool = True) -> str:
    """``message`` with the node's position appended, as AWS words it ([V] "... at 1:30:7")."""
    at = getattr(node, "at", "")
    return message + messages.AT.format(at) if located and at else message


# -- WHERE analysis ------------------------------------------------------------------------------------------


def conjuncts(node: ast.Condition) -> list[ast.Condition]:
    if isinstance(node, ast.And):
        return [c for item in node.items for c in conjuncts(item)]
    return [node]


def _is_value(node: object) -> bool:
    return isinstance(node, (ast.Param, ast.ListValue, ast.MapValue, ast.BagValue)) or (
        isinstance(node, ast.Literal) and not node.missing
    )


def _is_attribute(node: object, name: str) -> bool:
    return isinstance(node, ast.Path) and node.is_attribute and node.root == name


def _oriented(node: ast.Condition, name: str) -> ast.Compare | None:
    """A comparison of attribute ``name`` with a value, written attribute-first."""
    if not isinstance(node, ast.Compare) or node.op not in _RANGE_OPS:
        return None
    if _is_attribute(node.left, name) and _is_value(node.right):
        return node
    if _is_attribute(node.right, name) and _is_value(node.left):
        return ast.Compare(_FLIP[node.op], node.right, node.left)  # type: ignore[arg-type]
    return None


def _equality(node: ast.Condition, name: str) -> ast.Value | None:
    compare = _oriented(node, name)
    if compare is None or compare.op != "=":
        return None
    value = compare.right
    assert isinstance(value, (ast.Literal, ast.Param, ast.ListValue, ast.MapValue, ast.BagValue))
    return value


def _sort_condition(node: ast.Condition, name: str) -> ast.Condition | None:
    compare = _oriented(node, name)
    if compare is not None:
        return compare
    if isinstance(node, ast.Between) and _is_attribute(node.subject, name):
        if _is_value(node.low) and _is_value(node.high):
            return node
    if isinstance(node, ast.Call) and node.name == "begins_with" and len(node.args) == 2:
        if _is_attribute(node.args[0], name) and _is_value(node.args[1]):
            return node
    return None


def _roots(node: object, out: set[str]) -> set[str]:
    if isinstance(node, ast.Path):
        out.add(node.root)
    elif isinstance(node, (ast.And, ast.Or)):
        for item in node.items:
            _roots(item, out)
    elif isinstance(node, ast.Not):
        _roots(node.operand, out)
    elif isinstance(node, ast.Compare):
        _roots(node.left, out)
        _roots(node.right, out)
    elif isinstance(node, ast.Between):
        for part in (node.subject, node.low, node.high):
            _roots(part, out)
    elif isinstance(node, ast.In):
        _roots(node.subject, out)
        for item in node.items:
            _roots(item, out)
    elif isinstance(node, ast.Is):
        _roots(node.subject, out)
    elif isinstance(node, ast.Call):
        for arg in node.args:
            _roots(arg, out)
    return out


def _key_attributes(keys: KeySchema) -> tuple[KeyAttribute, ...]:
    return (keys.hash,) if keys.range is None else (keys.hash, keys.range)


def extract_key(
    where: ast.Condition | None, keys: KeySchema, params: Params, *, incomplete: str = messages.INCOMPLETE_KEY
) -> tuple[Item, list[ast.Condition]]:
    """The item key the WHERE fixes with equalities on every key attribute, and the WHERE's other conjuncts.

    Raises:
        ValidationException: [V] "Where clause does not contain a mandatory equality on all key attributes".
    """
    if where is None:
        raise ValidationException(incomplete)
    key: Item = {}
    residual: list[ast.Condition] = []
    for conjunct in conjuncts(where):
        for attr in _key_attributes(keys):
            value = _equality(conjunct, attr.name)
            if value is not None:
                if attr.name in key:
                    raise ValidationException(messages.MULTIPLE_KEY_CONDITIONS.format(attr.name))
                key[attr.name] = _key_value(value, attr, params)
                break
        else:
            residual.append(conjunct)
    if len(key) != len(keys.names):
        raise ValidationException(incomplete)
    return key, residual


# -- SELECT --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Branch:
    """One partition a SELECT reads: its key value, its sort-key condition and its other conditions."""

    hash_value: AttributeValue
    sort: ast.Condition | None
    rest: tuple[ast.Condition, ...]


@dataclass(frozen=True, slots=True)
class SelectPlan:
    operation: str
    """``Query`` (one request per partition, run in order) or ``Scan`` (one request)."""
    requests: tuple[Request, ...]


def _branches(where: ast.Condition, keys: KeySchema, params: Params) -> list[Branch] | None:
    """The partitions a WHERE reads, or None when some OR branch does not fix the partition key."""
    key_names = set(keys.names)
    disjuncts = where.items if isinstance(where, ast.Or) else (where,)
    out: list[Branch] = []
    for disjunct in disjuncts:
        hash_values: list[AttributeValue] | None = None
        rest: list[ast.Condition] = []
        for conjunct in conjuncts(disjunct):
            if hash_values is None:
                value = _equality(conjunct, keys.hash.name)
                if value is not None:
                    hash_values = [_key_value(value, keys.hash, params)]
                    continue
                if (
                    isinstance(conjunct, ast.In)
                    and _is_attribute(conjunct.subject, keys.hash.name)
                    and conjunct.items
                    and all(_is_value(i) for i in conjunct.items)
                ):
                    hash_values = [_key_value(i, keys.hash, params) for i in conjunct.items]  # type: ignore[arg-type]
                    continue
            rest.append(conjunct)
        if hash_values is None:
            return None
        sort: ast.Condition | None = None
        others: list[ast.Condition] = []
        for conjunct in rest:
            candidate = _sort_condition(conjunct, keys.range.name) if keys.range is not None and sort is None else None
            if candidate is not None:
                sort = candidate
            else:
                others.append(conjunct)
        if any(_roots(c, set()) & key_names for c in others):
            return None
        out.extend(Branch(value, sort, tuple(others)) for value in hash_values)
    return out


_Bound = tuple[bytes | None, bool]


def _sort_range(branch: Branch, params: Params) -> tuple[_Bound, _Bound] | None:
    """The branch's sort-key interval as encoded bytes ((lo, inclusive), (hi, inclusive)); None if not comparable."""
    node = branch.sort
    if node is None:
        return (None, True), (None, True)
    try:
        if isinstance(node, ast.Compare):
            assert _is_value(node.right)
            v = encode_key_value(resolve_value(node.right, params))  # type: ignore[arg-type]
            return {
                "=": ((v, True), (v, True)),
                "<": ((None, True), (v, False)),
                "<=": ((None, True), (v, True)),
                ">": ((v, False), (None, True)),
                ">=": ((v, True), (None, True)),
            }[node.op]
        if isinstance(node, ast.Between):
            lo = encode_key_value(resolve_value(node.low, params))  # type: ignore[arg-type]
            hi = encode_key_value(resolve_value(node.high, params))  # type: ignore[arg-type]
            return (lo, True), (hi, True)
        assert isinstance(node, ast.Call)
        prefix = encode_key_value(resolve_value(node.args[1], params))  # type: ignore[arg-type]
        return (prefix, True), (prefix_successor(prefix), False)
    except (KeyError, ValidationException):  # not a key type: the Query will say so
        return None


def _ends_before(hi: _Bound, lo: _Bound) -> bool:
    if hi[0] is None or lo[0] is None:
        return False
    return hi[0] < lo[0] or (hi[0] == lo[0] and not (hi[1] and lo[1]))


def _check_overlaps(branches: list[Branch], params: Params) -> None:
    """[V] [P] two branches that may read the same item (same partition, overlapping sort ranges) are refused."""
    seen: dict[bytes, list[tuple[_Bound, _Bound]]] = {}
    for branch in branches:
        try:
            h = encode_key_value(branch.hash_value)
        except KeyError:  # pragma: no cover - hash values were type-checked
            continue
        interval = _sort_range(branch, params)
        if interval is None:
            continue
        for other in seen.get(h, []):
            if not _ends_before(interval[1], other[0]) and not _ends_before(other[1], interval[0]):
                raise ValidationException(messages.OVERLAPPING)
        seen.setdefault(h, []).append(interval)


def _projection(select: ast.Select, builder: ExpressionBuilder, request: Request) -> None:
    if select.projection is None:
        return
    rendered: list[str] = []
    seen: set[str] = set()
    for path in select.projection:
        text = path.render()
        if text in seen:
            raise ValidationException(messages.DUPLICATE_PROJECTION.format(text))
        seen.add(text)
        rendered.append(builder.path(path))
    request["ProjectionExpression"] = ", ".join(rendered)


def plan_select(select: ast.Select, keys: KeySchema | None, params: Params) -> SelectPlan:
    """A SELECT as Query requests (one per partition, in reading order) or one Scan request.

    ``keys`` is the key schema of the table or of the named index; None (an index the table lacks) plans a Scan,
    and the engine then refuses the index with its own message.
    """
    base: Request = {"TableName": select.source.table}
    if select.source.index is not None:
        base["IndexName"] = select.source.index
    # A multi-attribute index key is read by a Scan of the index with the WHERE as its filter.
    branches = None
    if select.where is not None and keys is not None and not keys.multi:
        branches = _branches(select.where, keys, params)
    forward = _check_order(select, keys, branches)
    if branches is None:
        builder = ExpressionBuilder(params)
        request = dict(base)
        if select.where is not None:
            request["FilterExpression"] = builder.condition(select.where)
        _projection(select, builder, request)
        return SelectPlan("Scan", (builder.attach(request),))
    assert keys is not None
    _check_overlaps(branches, params)
    if select.order_by and select.order_by[0].path.root == keys.hash.name:
        branches.sort(key=lambda b: encode_key_value(b.hash_value), reverse=select.order_by[0].descending)
    requests: list[Request] = []
    for branch in branches:
        builder = ExpressionBuilder(params)
        request = dict(base)
        key_condition = f"{builder.name(keys.hash.name)} = {builder.value(branch.hash_value)}"
        if branch.sort is not None:
            key_condition += f" AND {builder.condition(branch.sort)}"
        request["KeyConditionExpression"] = key_condition
        if branch.rest:
            request["FilterExpression"] = builder.conjunction(branch.rest)
        _projection(select, builder, request)
        if not forward:
            request["ScanIndexForward"] = False
        requests.append(builder.attach(request))
    return SelectPlan("Query", tuple(requests))


def _check_order(select: ast.Select, keys: KeySchema | None, branches: list[Branch] | None) -> bool:
    """ORDER BY's rules ([P] DynamoDB Local's messages); returns whether the sort key runs forward."""
    if not select.order_by:
        return True
    names = keys.names if keys is not None else ()
    for key in select.order_by:
        if not key.path.is_attribute or key.path.root not in names:
            raise ValidationException(messages.ORDER_BY_KEY_ONLY.format(key.path.render()))
    if select.where is None:
        raise ValidationException(messages.ORDER_BY_NEEDS_WHERE)
    if branches is None or keys is None:
        raise ValidationException(messages.ORDER_BY_NEEDS_HASH)
    ordered = {key.path.root: key.descending for key in select.order_by}
    if len({encode_key_value(b.hash_value) for b in branches}) > 1 and keys.hash.name not in ordered:
        raise ValidationException(messages.ORDER_BY_MULTIPLE_HASH)
    return keys.range is None or not ordered.get(keys.range.name, False)


def plan_point_select(select: ast.Select, keys: KeySchema, params: Params) -> Request:
    """A SELECT that must name one item (BatchExecuteStatement's reads) as a Query of exactly that key."""
    if select.source.index is not None:
        raise ValidationException(messages.NOT_ON_INDEX)
    key, residual = extract_key(select.where, keys, params)
    if residual:
        raise ValidationException(messages.BATCH_SELECT_KEY)  # [V] a WHERE with more than the key
    builder = ExpressionBuilder(params)
    request: Request = {
        "TableName": select.source.table,
        "KeyConditionExpression": " AND ".join(f"{builder.name(k)} = {builder.value(v)}" for k, v in key.items()),
    }
    if residual:
        request["FilterExpression"] = builder.conjunction(residual)
    _projection(select, builder, request)
    return builder.attach(request)


# -- writes --------------------------------------------------------------------------------------------------


def _no_index(source: ast.Source, message: str = messages.NOT_ON_INDEX) -> None:
    if source.index is not None:
        raise ValidationException(message)


def translate_insert(insert: ast.Insert, keys: KeySchema, params: Params) -> Request:
    """INSERT as a PutItem that fails when the key exists."""
    _no_index(insert.source, messages.INSERT_ON_INDEX)
    item_value = resolve_value(insert.value, params)
    if "M" not in item_value:
        raise ValidationException(messages.UNSUPPORTED_ITEM_SYNTAX)
    item: Item = item_value["M"]
    for attr in _key_attributes(keys):
        if attr.name not in item:
            raise ValidationException(messages.INSERT_MISSING_KEY.format(attr.name))
        if attr.type not in item[attr.name]:
            raise ValidationException(messages.SCHEMA_KEY_MISMATCH.format(attr.name))
    builder = ExpressionBuilder(params)
    request: Request = {
        "TableName": insert.source.table,
        "Item": item,
        "ConditionExpression": f"attribute_not_exists({builder.name(keys.hash.name)})",
    }
    return builder.attach(request)


def _update_actions(update: ast.Update, builder: ExpressionBuilder) -> str:
    sets: list[str] = []
    removes: list[str] = []
    adds: list[str] = []
    deletes: list[str] = []
    for action in update.actions:
        if isinstance(action, ast.RemoveAction):
            removes.append(builder.path(action.path))
            continue
        value = action.value
        if isinstance(value, ast.Call) and value.name in ("set_add", "set_delete"):
            word = value.name[4:].upper()
            if len(value.args) != 2:
                raise ValidationException(_located(messages.SET_FN_ARGS.format(word), value))
            if value.args[0] != action.path:
                raise ValidationException(_located(messages.SET_FN_FIRST_ARG.format(word), value))
            if isinstance(value.args[1], (ast.Literal, ast.ListValue, ast.MapValue)):
                # [V] the position is the first argument's, not the second's
                first = value.args[0]
                assert isinstance(first, ast.Path)
                raise ValidationException(messages.SET_FN_SECOND_ARG.format(word, first.at))
            text = f"{builder.path(action.path)} {builder.operand(value.args[1], update=True)}"
            (adds if word == "ADD" else deletes).append(text)
            continue
        sets.append(f"{builder.path(action.path)} = {builder.operand(value, update=True)}")
    clauses = [
        f"{verb} {', '.join(parts)}"
        for verb, parts in (("SET", sets), ("REMOVE", removes), ("ADD", adds), ("DELETE", deletes))
        if parts
    ]
    return " ".join(clauses)


def _guard(builder: ExpressionBuilder, first: str, residual: Sequence[ast.Condition]) -> str:
    if not residual:
        return first
    return f"{first} AND ({builder.conjunction(residual)})"


def translate_update(update: ast.Update, keys: KeySchema, params: Params) -> Request:
    """UPDATE as an UpdateItem of the one item the WHERE names, which must exist."""
    _no_index(update.source)
    key, residual = extract_key(update.where, keys, params)
    builder = ExpressionBuilder(params)
    request: Request = {
        "TableName": update.source.table,
        "Key": key,
        "UpdateExpression": _update_actions(update, builder),
        "ConditionExpression": _guard(builder, f"attribute_exists({builder.name(keys.hash.name)})", residual),
    }
    if update.returning is not None:
        request["ReturnValues"] = update.returning
    return builder.attach(request)


def translate_delete(delete: ast.Delete, keys: KeySchema, params: Params) -> Request:
    """DELETE as a DeleteItem; only the WHERE's non-key conditions guard it."""
    _no_index(delete.source)
    key, residual = extract_key(delete.where, keys, params)
    builder = ExpressionBuilder(params)
    request: Request = {"TableName": delete.source.table, "Key": key}
    if residual:
        request["ConditionExpression"] = builder.conjunction(residual)
    if delete.returning is not None:
        request["ReturnValues"] = delete.returning
    return builder.attach(request)


def translate_condition_check(exists: ast.Exists, keys: KeySchema, params: Params) -> Request:
    """``[NOT] EXISTS(SELECT ... WHERE <key> [AND <conditions>])`` as a transaction's ConditionCheck."""
    _no_index(exists.select.source, messages.TRANSACTION_INDEX_WRITE)
    key, residual = extract_key(exists.select.where, keys, params)
    if not residual:
        raise ValidationException(messages.EXISTS_NEEDS_CONDITION)  # [V] a key alone is no condition
    builder = ExpressionBuilder(params)
    condition = _guard(builder, f"attribute_exists({builder.name(keys.hash.name)})", residual)
    if exists.negated:
        condition = f"NOT ({condition})"
    request: Request = {"TableName": exists.select.source.table, "Key": key, "ConditionExpression": condition}
    return builder.attach(request)


def translate_get(select: ast.Select, keys: KeySchema, params: Params) -> Request:
    """A SELECT in a transaction of reads as a ``Get``: the whole key and nothing else."""
    _no_index(select.source, messages.TRANSACTION_INDEX_READ)
    key, residual = extract_key(select.where, keys, params, incomplete=messages.TRANSACTION_SELECT_KEY)
    if residual:
        raise ValidationException(messages.TRANSACTION_SELECT_KEY)
    builder = ExpressionBuilder(params)
    request: Request = {"TableName": select.source.table, "Key": key}
    _projection(select, builder, request)
    return builder.attach(request)


# -- transactions --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransactionStatement:
    """One of ExecuteTransaction's statements, parsed and with its parameters checked."""

    statement: ast.Statement
    parameters: list[Any]
    return_values_on_condition_check_failure: str | None = None


def is_read(statement: ast.Statement) -> bool:
    return isinstance(statement, ast.Select)


def translate_transaction(
    statements: Sequence[TransactionStatement],
    keys_of: Callable[[str], KeySchema],
    client_request_token: str | None = None,
    return_consumed_capacity: str | None = None,
) -> tuple[str, Request]:
    """ExecuteTransaction's statements as one TransactGetItems or TransactWriteItems request.

    ``keys_of`` gives a table's key schema (raising ResourceNotFoundException for an unknown table). A validation
    error names its statement ([V] "Validation failed in TransactStatements[0]: ..."; [?] for errors other than
    parse errors, which this function also wraps).

    Raises:
        ValidationException: a mix of reads and writes ([P]), or a statement that cannot run in a transaction.
    """
    reads = [is_read(s.statement) for s in statements]
    if any(reads) and not all(reads):
        raise ValidationException(messages.TRANSACTION_MIXED)
    items: list[Request] = []
    for index, entry in enumerate(statements):
        try:
            items.append(_transaction_item(entry, keys_of))
        except ValidationException as exc:
            raise ValidationException(messages.TRANSACTION_STATEMENT.format(index, exc.message)) from exc
    request: Request
    if all(reads):
        request = {"TransactItems": items}
        operation = "TransactGetItems"
    else:
        request = {"TransactItems": items}
        if client_request_token is not None:
            request["ClientRequestToken"] = client_request_token
        operation = "TransactWriteItems"
    if return_consumed_capacity is not None:
        request["ReturnConsumedCapacity"] = return_consumed_capacity
    return operation, request


def _transaction_item(entry: TransactionStatement, keys_of: Callable[[str], KeySchema]) -> Request:
    statement, params = entry.statement, entry.parameters
    source = statement.select.source if isinstance(statement, ast.Exists) else statement.source
    keys = keys_of(source.table)
    if isinstance(statement, ast.Select):
        return {"Get": translate_get(statement, keys, params)}
    body: Request
    if isinstance(statement, ast.Insert):
        kind, body = "Put", translate_insert(statement, keys, params)
    elif isinstance(statement, ast.Update):
        if statement.returning is not None:
            raise ValidationException(messages.RETURNING_IN_TRANSACTION)
        kind, body = "Update", translate_update(statement, keys, params)
    elif isinstance(statement, ast.Delete):
        if statement.returning is not None:
            raise ValidationException(messages.RETURNING_IN_TRANSACTION)
        kind, body = "Delete", translate_delete(statement, keys, params)
    else:
        kind, body = "ConditionCheck", translate_condition_check(statement, keys, params)
    if entry.return_values_on_condition_check_failure is not None:
        body["ReturnValuesOnConditionCheckFailure"] = entry.return_values_on_condition_check_failure
    return {kind: body}

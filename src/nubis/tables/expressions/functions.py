"""The functions of the expression languages: which exist where, their arity, and the value primitives they and the
comparators share.

AWS semantics implemented here ([D] "Comparison operator and function reference"):

- ``=``/``<>`` compare deeply: type tags must match, sets ignore order, lists and maps compare element-wise.
  Numbers are canonical text after ``values.check_value``, so text equality is numeric equality.
- ``<``, ``<=``, ``>``, ``>=``, ``BETWEEN`` order only two values of the same scalar type: numbers numerically,
  strings by their UTF-8 bytes (which is code-point order, so Python's ``str`` order), binary as unsigned bytes.
  An item value of any other type, or of two different types, is simply false, never an error. A *literal* (an
  ``ExpressionAttributeValues`` value) of another type is refused before any item is read (``resolve``, with
  ``ORDERED_TYPES``).
- ``size``: characters of a string ([P] dynalite scan "size function": ``size("abÿ") = 3``), bytes of a binary,
  elements of a set, list or map; nothing (so comparisons are false) for other types.
- ``contains``: substring of a string (bytes of a binary), member of a set, element of a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from nubis.tables.values import AttributeValue, decode_binary


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    name: str
    arity: int
    is_condition: bool
    """True when a call is a condition by itself; ``size`` is only an operand."""


CONDITION_FUNCTIONS: Final = {
    "attribute_exists": FunctionSpec("attribute_exists", 1, True),
    "attribute_not_exists": FunctionSpec("attribute_not_exists", 1, True),
    "attribute_type": FunctionSpec("attribute_type", 2, True),
    "begins_with": FunctionSpec("begins_with", 2, True),
    "contains": FunctionSpec("contains", 2, True),
    "size": FunctionSpec("size", 1, False),
}
"""[D] condition functions; names are case-sensitive. One of these in an update expression is "not allowed in an
update expression", any other unknown name an "Invalid function name" ([P] DynamoDB Local 3.3.1's Operator: the
service looks a name up among both kinds before checking where it is used)."""

UPDATE_FUNCTIONS: Final = {
    "if_not_exists": FunctionSpec("if_not_exists", 2, False),
    "list_append": FunctionSpec("list_append", 2, False),
}
"""[D] update expressions: the only functions SET accepts; in a condition, filter or key condition they are "not
allowed in a condition expression" ([P] DynamoDB Local 3.3.1)."""

KEY_CONDITION_FORBIDDEN: Final = ("attribute_exists", "attribute_not_exists", "attribute_type", "contains")
"""Functions that give ``Invalid operator used in KeyConditionExpression: <name>`` ([P] dynalite query tests)."""

ATTRIBUTE_TYPES: Final = frozenset({"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"})
ATTRIBUTE_TYPES_TEXT: Final = "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
"""The list as AWS prints it in ``Invalid attribute type name found`` ([P] dynalite conditionParser)."""
ATTRIBUTE_TYPE_OPERAND_TEXT: Final = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"

ORDERED_TYPES: Final = frozenset({"S", "N", "B"})
"""The types ``<``, ``<=``, ``>``, ``>=`` and ``BETWEEN`` take. A literal operand of any other type is "Incorrect
operand type for operator or function; operator or function: <op>, operand type: <type>" at validation time, for a
path of any other type the comparison is false ([V] ExtendDB tests/test_expr_operand_type_and_size.py, verified
against AWS: each operator, BOOL/NULL/SS/NS/L/M literals, either side; [V] scylla test_condition_expression.py
test_update_condition_lt and test_update_condition_between: a list literal; [P] DynamoDB Local 3.3.1 gives the
exact text, BS included, and names BETWEEN in capitals)."""

TYPE_WORDS: Final = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "NULL": "NULL",
    "BOOL": "BOOLEAN",
    "L": "LIST",
    "M": "MAP",
}
"""How ADD/DELETE operand-type errors name a type ([P] dynalite updateItem "incorrect types")."""


def type_of(av: AttributeValue) -> str:
    for kind in av:
        return kind
    return ""


def values_equal(a: AttributeValue, b: AttributeValue) -> bool:
    """Deep equality as ``=`` sees it."""
    if len(a) != 1 or len(b) != 1:
        return False
    ((ka, va),) = a.items()
    ((kb, vb),) = b.items()
    if ka != kb:
        return False
    if ka in ("SS", "NS", "BS"):
        return len(va) == len(vb) and set(va) == set(vb)
    if ka == "L":
        return len(va) == len(vb) and all(values_equal(x, y) for x, y in zip(va, vb, strict=True))
    if ka == "M":
        return va.keys() == vb.keys() and all(values_equal(v, vb[k]) for k, v in va.items())
    result: bool = va == vb
    return result


def order(a: AttributeValue, b: AttributeValue) -> int | None:
    """-1, 0 or 1 when ``a`` and ``b`` are ordered (same scalar type), else None."""
    if "N" in a:
        if "N" not in b:
            return None
        x, y = Decimal(a["N"]), Decimal(b["N"])
        return -1 if x < y else (1 if x > y else 0)
    if "S" in a:
        if "S" not in b:
            return None
        s, t = a["S"], b["S"]
        return -1 if s < t else (1 if s > t else 0)
    if "B" in a:
        if "B" not in b:
            return None
        p, q = decode_binary(a["B"]), decode_binary(b["B"])
        return -1 if p < q else (1 if p > q else 0)
    return None


def size_of(av: AttributeValue | None) -> AttributeValue | None:
    if av is None:
        return None
    ((kind, raw),) = av.items()
    if kind == "S":
        return {"N": str(len(raw))}
    if kind == "B":
        return {"N": str(len(decode_binary(raw)))}
    if kind in ("SS", "NS", "BS", "L", "M"):
        return {"N": str(len(raw))}
    return None


def contains(container: AttributeValue | None, operand: AttributeValue | None) -> bool:
    if container is None or operand is None:
        return False
    ((kind, raw),) = container.items()
    ((okind, oraw),) = operand.items()
    if kind == "S":
        return okind == "S" and oraw in raw
    if kind == "B":
        return okind == "B" and decode_binary(oraw) in decode_binary(raw)
    if kind == "SS":
        return okind == "S" and oraw in raw
    if kind == "NS":
        return okind == "N" and oraw in raw
    if kind == "BS":
        return okind == "B" and oraw in raw
    if kind == "L":
        return any(values_equal(element, operand) for element in raw)
    return False


def begins_with(value: AttributeValue | None, prefix: AttributeValue | None) -> bool:
    if value is None or prefix is None:
        return False
    if "S" in value:
        return "S" in prefix and bool(value["S"].startswith(prefix["S"]))
    if "B" in value:
        return "B" in prefix and decode_binary(value["B"]).startswith(decode_binary(prefix["B"]))
    return False


def render(av: AttributeValue) -> str:
    """A value as AWS prints it inside messages: ``AttributeValue: {N:5}``."""
    kind = type_of(av)
    raw = av[kind]
    if isinstance(raw, list):
        raw = "[" + ", ".join(str(v) for v in raw) + "]"
    elif isinstance(raw, bool):
        raw = "true" if raw else "false"
    return f"AttributeValue: {{{kind}:{raw}}}"


Comparison = Literal["EQ", "NE", "LT", "LE", "GT", "GE"]

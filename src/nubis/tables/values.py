"""The attribute-value model: items are the wire's own JSON shapes, checked and normalised once on the way in.

An item is ``dict[str, AttributeValue]`` and an attribute value is a one-key dict such as ``{"S": "x"}`` or
``{"N": "12.5"}`` exactly as DynamoDB's JSON protocol carries it. Keeping the wire shape (rather than a class per
type) means a decoded request body is already engine data and a stored item is already a response body: no
conversion on the hot path, and orjson does the work. ``B``/``BS`` stay base64 text; ``decode_binary`` gives the
bytes where ordering or sizes need them.

What this module guarantees after ``check_item`` / ``check_value``: exactly one known type per value, numbers in
DynamoDB's canonical text (38 digits, range 1E-130..<1E+126, no exponent, no trailing zeros), sets non-empty and
duplicate-free, documents at most 32 levels deep.
"""

from __future__ import annotations

import base64
import binascii
import re
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from typing import Any, Final, NoReturn

from nubis.tables import limits
from nubis.tables.errors import SerializationException, ValidationException, invalid_parameters

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

SCALAR_TYPES: Final = frozenset({"S", "N", "B"})
SET_TYPES: Final = frozenset({"SS", "NS", "BS"})
ALL_TYPES: Final = frozenset({"S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"})

NUMBER_CONTEXT: Final = Context(prec=limits.MAX_NUMBER_DIGITS + 2, Emax=1000, Emin=-1000)
_EXACT: Final = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""Sums of in-range numbers are exact here (they span under 300 digits), so nothing is rounded before the checks."""
_NUMBER_RE: Final = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
"""No surrounding whitespace: AWS refuses ``" 1"`` and ``"1 "`` like ``"abc"`` ([V] scylla test_number.py
test_invalid_numbers; [P] DynamoDB Local 3.3.1)."""
NUMBER_OVERFLOW: Final = "Number overflow. Attempting to store a number with magnitude larger than supported range"
NUMBER_UNDERFLOW: Final = "Number underflow. Attempting to store a number with magnitude smaller than supported range"


# -- numbers -------------------------------------------------------------------------------------------------


def _not_a_number(text: str) -> ValidationException:
    if not text:
        return ValidationException("The parameter cannot be converted to a numeric value")
    return ValidationException(f"The parameter cannot be converted to a numeric value: {text}")


def parse_number(text: str) -> Decimal:
    """Parse and range-check a DynamoDB number; the message wording is AWS's ([V] dynalite's AWS-checked tests,
    putItem.js "empty/invalid numbers"; the same text in a 2026 four-region capture and scylla test_number.py)."""
    if not _NUMBER_RE.match(text):
        raise _not_a_number(text)
    try:
        raw = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only parseable text
        raise _not_a_number(text) from exc
    if raw.is_zero():
        return Decimal(0)
    # Checked before normalising: an exponent past the context's range would trap (or flush to zero) there.
    if _significant_digits(raw) > limits.MAX_NUMBER_DIGITS:
        raise ValidationException("Attempting to store more than 38 significant digits in a Number")
    _check_range(raw)
    return raw.normalize(NUMBER_CONTEXT)


def _significant_digits(value: Decimal) -> int:
    """Digits without the trailing zeros (``value`` is not zero)."""
    digits = value.as_tuple().digits
    significant = len(digits)
    while digits[significant - 1] == 0:
        significant -= 1
    return significant


def _check_range(value: Decimal) -> None:
    adjusted = value.adjusted()
    if adjusted > limits.MAX_NUMBER_EXPONENT:
        raise ValidationException(NUMBER_OVERFLOW)
    if adjusted < limits.MIN_NUMBER_EXPONENT:
        raise ValidationException(NUMBER_UNDERFLOW)


def format_number(value: Decimal) -> str:
    """DynamoDB's canonical text for a number: plain notation, no trailing zeros, ``0`` for any zero."""
    if value.is_zero():
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


_PLAIN_INTEGER: Final = re.compile(r"-?[1-9][0-9]{0,37}")
"""An integer already in canonical form (most numbers on the wire): parsing it would give back the same text."""


def normalize_number(text: str) -> str:
    if text == "0" or _PLAIN_INTEGER.fullmatch(text):
        return text
    return format_number(parse_number(text))


def number_value(av: AttributeValue) -> Decimal:
    """The Decimal of a stored (already canonical) ``N`` value."""
    return Decimal(av["N"])


def add_numbers(a: Decimal, b: Decimal) -> Decimal:
    """Arithmetic as UpdateExpression does it: the exact sum, refused when it needs more than 38 digits.

    AWS neither rounds nor keeps the extra digits: ``1E+50 + 1`` is refused with the *overflow* message, not the
    "38 significant digits" one a stored number gets ([V] scylla test_number.py test_update_expression_plus_imprecise
    quotes AWS). The same rule covers digits lost at the small end (``1 + 1E-38``, ``1E+30 + 1E-30``), which
    would otherwise be rounded away silently.
    """
    result = _EXACT.add(a, b)
    if result.is_zero():
        return Decimal(0)
    if _significant_digits(result) > limits.MAX_NUMBER_DIGITS:
        raise ValidationException(NUMBER_OVERFLOW)
    _check_range(result)
    return result.normalize(NUMBER_CONTEXT)


def add_number_texts(a: str, b: str, *, subtract: bool = False) -> str:
    """``add_numbers`` on canonical texts, as canonical text: counters (integers) skip Decimal altogether.

    An integer sum of at most 38 digits is exact and in range, so only longer ones and fractions take the Decimal
    path with its checks.
    """
    if (a == "0" or _PLAIN_INTEGER.fullmatch(a)) and (b == "0" or _PLAIN_INTEGER.fullmatch(b)):
        total = int(a) - int(b) if subtract else int(a) + int(b)
        text = str(total)
        if len(text) <= limits.MAX_NUMBER_DIGITS or (total < 0 and len(text) <= limits.MAX_NUMBER_DIGITS + 1):
            return text
    y = Decimal(b)
    return format_number(add_numbers(Decimal(a), y.copy_negate() if subtract else y))  # exact: unary minus rounds


# -- binary --------------------------------------------------------------------------------------------------


def decode_binary(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SerializationException(
            f"Base64 encoded length is expected a multiple of 4 bytes but found: {len(text)}"
        ) from exc


def encode_binary(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# -- checking values as they arrive --------------------------------------------------------------------------


def _set_repr(values: list[Any]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


NULL_VALUE: Final = "The supplied Item contains a null AttributeValue"
"""A JSON ``null`` where an attribute value belongs; a map entry adds ``: <name> is null`` ([P] DynamoDB Local 3.3.1,
whose item conversion is the service's own)."""


def _null_value(name: str | None) -> ValidationException:
    return ValidationException(NULL_VALUE if name is None else f"{NULL_VALUE}: {name} is null")


def check_value(av: Any, depth: int = 1) -> AttributeValue:
    """Validate one incoming attribute value and return it normalised (a new dict where anything changed)."""
    if not isinstance(av, dict):
        if av is None:
            raise _null_value(None)
        raise SerializationException("Unexpected value type in payload")  # as the wire check words it [P dynalite]
    if len(av) != 1:
        if not av:
            raise ValidationException(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
            )
        known = [k for k in av if k in ALL_TYPES]
        if len(known) > 1:
            raise ValidationException(
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
                "supported datatypes"
            )
        if not known:
            raise ValidationException(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
            )
        av = {known[0]: av[known[0]]}
    checked: AttributeValue = av
    ((kind, raw),) = checked.items()
    if kind == "S":
        if not isinstance(raw, str):
            raise SerializationException(_wrong_json("String", raw))
        return checked
    if kind == "N":
        if not isinstance(raw, str):
            raise SerializationException(_wrong_json("String", raw))
        canonical = normalize_number(raw)
        return checked if canonical == raw else {"N": canonical}
    if kind == "B":
        if not isinstance(raw, str):
            raise SerializationException(_wrong_json("Blob", raw))
        decode_binary(raw)
        return checked
    if kind == "BOOL":
        if not isinstance(raw, bool):
            raise SerializationException(_wrong_json("Boolean", raw))
        return checked
    if kind == "NULL":
        if not isinstance(raw, bool):
            raise SerializationException(_wrong_json("Boolean", raw))
        if raw is not True:
            raise invalid_parameters("Null attribute value types must have the value of true")
        return checked
    if kind in ("L", "M"):
        if depth > limits.MAX_NESTING_DEPTH:
            raise invalid_parameters("Nesting Levels have exceeded supported limits")
        if kind == "L":
            if not isinstance(raw, list):
                raise SerializationException(_wrong_json("List", raw))
            return {"L": [check_value(v, depth + 1) for v in raw]}
        if not isinstance(raw, dict):
            raise SerializationException(_wrong_json("Map", raw))
        return {"M": _check_map(raw, depth + 1)}
    if kind in SET_TYPES:
        return _check_set(kind, raw)
    raise ValidationException(  # pragma: no cover - unknown keys were dropped above
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    )


_NULL_MEMBER: Final = {
    "SS": "An string set may not have a null string as a member",  # [P] DynamoDB Local 3.3.1
    "NS": "A value provided cannot be converted into a number",  # [P] DynamoDB Local 3.3.1
    "BS": "A binary set may not have a null binary as a member",  # [?] DynamoDB Local fails with a 500
}


def _check_set(kind: str, raw: Any) -> AttributeValue:
    if not isinstance(raw, list):
        raise SerializationException(_wrong_json("List", raw))
    for member in raw:
        if not isinstance(member, str):
            _refuse_set_member(kind, member)
    if not raw:
        if kind == "SS":
            raise invalid_parameters("An string set  may not be empty")
        if kind == "NS":
            raise invalid_parameters("An number set  may not be empty")
        raise invalid_parameters("Binary sets should not be empty")
    if kind == "NS":
        canonical = [normalize_number(v) for v in raw]
        if len(set(canonical)) != len(canonical):
            # Bare, unlike SS and BS [V dynalite test/putItem.js "duplicate number in set", run against AWS].
            raise ValidationException("Input collection contains duplicates")
        return {"NS": canonical}
    if kind == "BS":
        decoded = [decode_binary(v) for v in raw]
        if len(set(decoded)) != len(decoded):
            raise invalid_parameters(f"Input collection {_set_repr(raw)}of type BS contains duplicates.")
        return {"BS": raw}
    if len(set(raw)) != len(raw):
        raise invalid_parameters(f"Input collection {_set_repr(raw)} contains duplicates.")
    return {"SS": raw}


def _refuse_set_member(kind: str, member: Any) -> NoReturn:
    """A set member that is not a JSON string: the member's own token is named ([V] dynalite test/helpers.js
    assertType, ``SS.0``/``NS.0`` as String, ``BS.0`` as Blob)."""
    if member is None:
        raise invalid_parameters(_NULL_MEMBER[kind])
    if isinstance(member, list):
        java = "java.nio.ByteBuffer" if kind == "BS" else "java.lang.String"
        raise SerializationException(f"Unrecognized collection type class {java}")
    raise SerializationException(_wrong_json("Blob" if kind == "BS" else "String", member))


def _wrong_json(expected: str, raw: Any) -> str:
    """Coral's wording when a JSON token has the wrong type for the member ([P] DynamoDB's responses)."""
    if isinstance(raw, dict):
        return "Start of structure or map found where not expected."
    if isinstance(raw, list):
        return "Start of list found where not expected"
    if isinstance(raw, bool):
        return f"{'TRUE' if raw else 'FALSE'}_VALUE cannot be converted to {expected}"
    if isinstance(raw, int):
        return f"NUMBER_VALUE cannot be converted to {expected}"
    if isinstance(raw, float):  # [V] dynalite test/helpers.js assertType: 34.56
        return f"DECIMAL_VALUE cannot be converted to {expected}"
    if raw is None:
        return f"NULL_VALUE cannot be converted to {expected}"
    return f"STRING_VALUE can not be converted to {expected}"


def check_item(item: Any) -> Item:
    """Validate a whole incoming item (Put, a BatchWrite put, a transaction Put)."""
    if not isinstance(item, dict):
        raise SerializationException(
            "Start of list found where not expected" if isinstance(item, list) else _wrong_json("Map", item)
        )
    return _check_map(item, 1)


def _check_map(values: dict[str, Any], depth: int) -> Item:
    out: Item = {}
    for name, av in values.items():
        if av is None:
            raise _null_value(name)
        out[name] = check_value(av, depth)
    return out


# -- sizes ---------------------------------------------------------------------------------------------------


def number_size(text: str) -> int:
    """Bytes a number takes: base-100 digits of the significand, plus one ([D] item sizes, [P] dynalite)."""
    if _PLAIN_INTEGER.fullmatch(text):  # the rule below for n digits at exponent 0, without building a Decimal
        negative = text[0] == "-"
        return (len(text) - negative - 1) // 2 + 2 + negative
    value = Decimal(text)
    if value.is_zero():
        return 1
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    n = len(digits)
    high = exponent + n - 1
    groups = (high // 2) - (exponent // 2) + 1
    return groups + 1 + (1 if sign else 0)


def value_size(av: AttributeValue) -> int:
    checked: AttributeValue = av
    ((kind, raw),) = checked.items()
    if kind == "S":
        return len(raw.encode("utf-8"))
    if kind == "N":
        return number_size(raw)
    if kind == "B":
        return len(decode_binary(raw))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(v.encode("utf-8")) for v in raw)
    if kind == "NS":
        return sum(number_size(v) for v in raw)
    if kind == "BS":
        return sum(len(decode_binary(v)) for v in raw)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in raw)
    # M
    return 3 + sum(len(k.encode("utf-8")) + value_size(v) + 1 for k, v in raw.items())


def item_size(item: Item) -> int:
    """An item's size as DynamoDB measures it: names plus values ([D] "Item sizes and formats")."""
    return sum(len(name.encode("utf-8")) + value_size(av) for name, av in item.items())


def value_type(av: AttributeValue) -> str:
    for kind in av:
        return kind
    raise ValidationException("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")

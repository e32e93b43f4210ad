"""The integer fast paths of ``values``: they must give exactly what the Decimal rules give, for every input."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given, strategies as st

from nubis.tables.errors import ValidationException
from nubis.tables.values import (
    add_number_texts,
    add_numbers,
    format_number,
    normalize_number,
    number_size,
    parse_number,
)


def _decimal_size(text: str) -> int:
    """``number_size`` as the general rule computes it (base-100 digits of the significand, plus one)."""
    value = Decimal(text)
    if value.is_zero():
        return 1
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    high = exponent + len(digits) - 1
    return (high // 2) - (exponent // 2) + 2 + (1 if sign else 0)


def _slow_normalize(text: str) -> str:
    try:
        return format_number(parse_number(text))
    except ValidationException as exc:
        return f"error: {exc.message}"


def _normalize(text: str) -> str:
    try:
        return normalize_number(text)
    except ValidationException as exc:
        return f"error: {exc.message}"


@given(st.integers(-(10**38) + 1, 10**38 - 1))
@example(0)
@example(100)
@example(-1000)
def test_integer_sizes_match_the_decimal_rule(n: int) -> None:
    assert number_size(str(n)) == _decimal_size(str(n))


@given(st.from_regex(r"[ +-]?[0-9]{0,40}(\.[0-9]{0,3})?([eE][+-]?[0-9]{1,3})?", fullmatch=True))
@example("-0")
@example("007")
@example("1" + "0" * 38)
@example("1" * 39)
@example("１")
@example("1000E998")
@example("1e1001")
@example("1e-2000")
@example("0e5000")
def test_normalize_fast_path_agrees_with_parsing(text: str) -> None:
    assert _normalize(text) == _slow_normalize(text)


def _slow_sum(a: str, b: str, subtract: bool) -> str:
    y = Decimal(b)
    try:
        return format_number(add_numbers(Decimal(a), y.copy_negate() if subtract else y))
    except ValidationException as exc:
        return exc.message


_NUMBER = st.one_of(
    st.integers(-(10**38) + 1, 10**38 - 1).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: format_number(d)),
)


@given(_NUMBER, _NUMBER, st.booleans())
@example("9" * 38, "1", False)
@example("-" + "9" * 38, "1", True)
@example("9" * 38, "-" + "9" * 38, False)
@example("5", "5", True)
@example("0", "10000000000000000000000000001", True)
def test_number_sum_fast_path_agrees_with_decimal(a: str, b: str, subtract: bool) -> None:
    """Counters take an integer shortcut; it must give AWS's result, overflow errors included."""
    try:
        fast = add_number_texts(a, b, subtract=subtract)
    except ValidationException as exc:
        fast = exc.message
    assert fast == _slow_sum(a, b, subtract)

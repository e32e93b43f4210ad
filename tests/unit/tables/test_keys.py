"""Properties of the key encodings: storage byte order must be DynamoDB's order, or Query ranges return wrong items.

Numbers are generated as DynamoDB accepts them (up to 38 significant digits, magnitude 1E-130 to 9.99...E+125) and
canonicalised by ``values.normalize_number``, exactly as items arrive at ``keys``.
"""

from __future__ import annotations

import base64
from decimal import Decimal

from hypothesis import example, given, strategies as st

from nubis.tables.keys import (
    HASH_SPACE,
    encode_key_value,
    encode_number,
    partition_hash,
    prefix_successor,
    segment_bounds,
)
from nubis.tables.values import normalize_number, parse_number


@st.composite
def dynamo_numbers(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 15)) == 0:
        return normalize_number(draw(st.sampled_from(["0", "-0", "0.000", "0E5"])))
    length = draw(st.integers(1, 38))
    digits = draw(st.sampled_from("123456789")) + draw(st.text("0123456789", min_size=length - 1, max_size=length - 1))
    adjusted = draw(st.integers(-130, 125))  # the exponent of the leading digit
    sign = draw(st.sampled_from(["", "-"]))
    return normalize_number(f"{sign}{digits}E{adjusted - (length - 1)}")


@st.composite
def close_number_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Two numbers that share most of their digits, where a careless encoding goes wrong (0.12 vs 0.123)."""
    a = draw(dynamo_numbers())
    value = parse_number(a)  # normalised: no trailing zero digits
    tweak = draw(st.sampled_from(["append", "bump_last", "negate", "scale"]))
    if value.is_zero():
        return a, draw(dynamo_numbers())
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if tweak == "append" and len(digits) < 38:
        extra = draw(st.integers(0, 9))
        b = Decimal((sign, (*digits, extra), exponent - 1))
    elif tweak == "bump_last" and digits[-1] < 9:
        b = Decimal((sign, (*digits[:-1], digits[-1] + 1), exponent))
    elif tweak == "negate":
        b = -value
    else:
        b = Decimal((sign, digits, exponent + draw(st.sampled_from([-1, 1]))))
        if not -130 <= b.adjusted() <= 125:
            b = value
    return a, normalize_number(str(b))


def _same_order(a: object, b: object, ea: bytes, eb: bytes) -> None:
    assert (a < b) == (ea < eb)  # type: ignore[operator]
    assert (a == b) == (ea == eb)


@given(dynamo_numbers(), dynamo_numbers())
@example("0.12", "0.123")
@example("-0.12", "-0.123")
@example("100", "100.5")
@example("-1E-130", "1E-130")
@example("9.9999999999999999999999999999999999999E+125", "1E+125")
@example("-9.9999999999999999999999999999999999999E+125", "-1E-130")
def test_number_encoding_order_is_numeric_order(a: str, b: str) -> None:
    a, b = normalize_number(a), normalize_number(b)
    _same_order(Decimal(a), Decimal(b), encode_number(a), encode_number(b))


@given(close_number_pairs())
def test_number_encoding_orders_near_neighbours(pair: tuple[str, str]) -> None:
    a, b = pair
    _same_order(Decimal(a), Decimal(b), encode_number(a), encode_number(b))


@given(st.lists(dynamo_numbers(), min_size=2, max_size=40))
def test_sorting_encoded_numbers_sorts_the_numbers(numbers: list[str]) -> None:
    # Canonical text is unique per value, so equal keys are equal strings and both sorts give the same list.
    assert sorted(numbers, key=encode_number) == sorted(numbers, key=Decimal)
    assert encode_key_value({"N": numbers[0]}) == encode_number(numbers[0])


strings = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20)


@given(strings, strings)
@example("\uffff", "\U00010000")  # UTF-16 order would put these the other way round
@example("a", "a\x00")
def test_string_encoding_order_is_utf8_byte_order(a: str, b: str) -> None:
    ea, eb = encode_key_value({"S": a}), encode_key_value({"S": b})
    assert ea == a.encode("utf-8")
    assert (ea < eb) == (a.encode() < b.encode()) == (a < b)  # UTF-8 byte order is code point order


@given(st.binary(max_size=20))
def test_binary_encoding_is_the_raw_bytes(data: bytes) -> None:
    assert encode_key_value({"B": base64.b64encode(data).decode()}) == data


@given(st.binary(max_size=6), st.binary(max_size=8))
@example(b"ab", b"ab")
@example(b"a\xff", b"b")
@example(b"\xff\xff", b"\xff\xff\x00")
@example(b"", b"x")
def test_prefix_successor_bounds_exactly_the_strings_with_that_prefix(prefix: bytes, s: bytes) -> None:
    successor = prefix_successor(prefix)
    in_range = prefix <= s and (successor is None or s < successor)
    assert in_range == s.startswith(prefix)
    if successor is not None:
        assert (prefix + s) < successor


@given(st.integers(1, 1_000_000), st.data())
@example(1, None)
@example(1_000_000, None)
def test_segments_cover_the_hash_space_without_gaps_or_overlap(total: int, data: st.DataObject | None) -> None:
    assert segment_bounds(0, total)[0] == 0
    assert segment_bounds(total - 1, total)[1] == HASH_SPACE
    segments = [0, total - 1] if data is None else [data.draw(st.integers(0, total - 1)) for _ in range(5)]
    for segment in segments:
        lo, hi = segment_bounds(segment, total)
        assert lo < hi
        if segment + 1 < total:
            assert segment_bounds(segment + 1, total)[0] == hi
    if data is not None:
        h = data.draw(st.integers(0, HASH_SPACE - 1))
        owners = [
            s
            for s in range(max(0, h * total // HASH_SPACE - 1), min(total, h * total // HASH_SPACE + 2))
            if segment_bounds(s, total)[0] <= h < segment_bounds(s, total)[1]
        ]
        assert len(owners) == 1


@given(st.binary(max_size=30))
def test_partition_hash_is_a_32_bit_slot(pk: bytes) -> None:
    assert 0 <= partition_hash(pk) < HASH_SPACE
    assert partition_hash(pk) == partition_hash(bytes(pk))

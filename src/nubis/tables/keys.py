"""Order-preserving byte encodings of key values, so that a sort-key range is a byte range in storage.

A key attribute has one scalar type per table (S, N or B), so encodings carry no type tag:

- ``S``: the UTF-8 bytes. DynamoDB orders strings by their UTF-8 bytes ([D] Query: "sorted by UTF-8 bytes").
- ``B``: the raw bytes, compared unsigned ([D] Query).
- ``N``: a sign class byte (``0x01`` negative, ``0x80`` zero, ``0x81`` positive), the decimal exponent in one
  byte, then one byte per significand digit and a terminator. Negative numbers invert the exponent and the
  digits and use a high terminator, so that memcmp order is numeric order. Digits use ``1..10`` so the
  terminator ``0x00`` sorts below any digit: 0.12 < 0.123.

Partitions are placed by ``partition_hash`` (CRC-32 of the encoded partition key); a Scan walks them in hash
order as DynamoDB does, and a parallel Scan's segment is a contiguous slice of the 32-bit hash space.
"""

from __future__ import annotations

import zlib
from decimal import Decimal
from typing import Final

from nubis.tables.values import AttributeValue, decode_binary

_NEG: Final = 0x01
_ZERO: Final = 0x80
_POS: Final = 0x81
_EXP_BIAS: Final = 130
HASH_SPACE: Final = 1 << 32


def encode_number(text: str) -> bytes:
    value = Decimal(text)
    if value.is_zero():
        return bytes((_ZERO,))
    sign, digits, _ = value.as_tuple()
    exponent = value.adjusted() + _EXP_BIAS
    if sign:
        body = bytes(10 - d for d in digits)
        return bytes((_NEG, 255 - exponent)) + body + b"\xff"
    return bytes((_POS, exponent)) + bytes(d + 1 for d in digits) + b"\x00"


def encode_key_value(av: AttributeValue) -> bytes:
    """The storage encoding of one key attribute value (S, N or B)."""
    if "S" in av:
        return str(av["S"]).encode("utf-8")
    if "N" in av:
        return encode_number(av["N"])
    return decode_binary(av["B"])


def partition_hash(encoded_partition_key: bytes) -> int:
    return zlib.crc32(encoded_partition_key)


def segment_bounds(segment: int, total_segments: int) -> tuple[int, int]:
    """The half-open slice ``[lo, hi)`` of the hash space that parallel-Scan segment ``segment`` covers."""
    lo = segment * HASH_SPACE // total_segments
    hi = (segment + 1) * HASH_SPACE // total_segments
    return lo, hi


def prefix_successor(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string that starts with ``prefix`` (None: no bound)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes((trimmed[-1] + 1,))

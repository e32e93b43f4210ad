"""The stored value layout shared by table items and index entries.

A 4-byte little-endian item size (DynamoDB's measure) followed by the orjson of the item: the size needed for
counters and capacity is read back without recomputing it, and the JSON is already the wire shape.
"""

from __future__ import annotations

import struct

import orjson

from nubis.tables.values import Item

_SIZE = struct.Struct("<I")


def pack(item: Item, size: int) -> bytes:
    return _SIZE.pack(size) + orjson.dumps(item)


def unpack(raw: bytes) -> Item:
    item: Item = orjson.loads(raw[4:])
    return item


def packed_size(raw: bytes) -> int:
    return int(_SIZE.unpack_from(raw)[0])

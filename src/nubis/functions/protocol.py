"""Framing of the messages between the runtime (parent) and a worker process, over a Unix socket pair.

A frame is a 9-byte header, then two parts::

    !B kind | !I meta length | !I body length | meta (orjson object) | body (raw bytes)

The body carries the event or the result exactly as bytes, never re-encoded inside another JSON document, so a
6 MB payload costs one copy each way. Length-prefixed binary framing rather than lines or pickle: it needs no
escaping, no scanning for a delimiter, and a worker cannot execute anything the parent did not mean to send.

Conversation::

    parent                          worker
                  <-- READY {}           (handler imported; or INIT_ERROR {error document as body})
    INVOKE {id, deadline, ...} -->
                  <-- RESULT {d, m} body (the handler's result, serialised as Lambda's runtime does)
                  <-- ERROR  {d, m} body (the error document)
"""

from __future__ import annotations

import struct
from typing import IO, Any

import orjson

HEADER = struct.Struct("!BII")

INVOKE = 1
READY = 2
RESULT = 3
ERROR = 4
INIT_ERROR = 5

Frame = tuple[int, dict[str, Any], bytes]


def encode_frame(kind: int, meta: dict[str, Any] | None = None, body: bytes = b"") -> bytes:
    encoded = orjson.dumps(meta) if meta else b""
    return HEADER.pack(kind, len(encoded), len(body)) + encoded + body


class FrameDecoder:
    """Incremental decoding for the parent's asyncio protocol: feed bytes, get complete frames."""

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        buffer = self._buffer
        buffer += data
        frames: list[Frame] = []
        offset = 0
        size = HEADER.size
        while len(buffer) - offset >= size:
            kind, meta_len, body_len = HEADER.unpack_from(buffer, offset)
            end = offset + size + meta_len + body_len
            if len(buffer) < end:
                break
            start = offset + size
            meta = orjson.loads(buffer[start : start + meta_len]) if meta_len else {}
            frames.append((kind, meta, bytes(buffer[start + meta_len : end])))
            offset = end
        if offset:
            del buffer[:offset]
        return frames


def read_frame(stream: IO[bytes]) -> Frame | None:
    """Blocking read of one frame (the worker's side); None when the parent has gone."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    kind, meta_len, body_len = HEADER.unpack(header)
    meta_bytes = stream.read(meta_len) if meta_len else b""
    body = stream.read(body_len) if body_len else b""
    if len(meta_bytes) < meta_len or len(body) < body_len:
        return None
    return kind, (orjson.loads(meta_bytes) if meta_len else {}), body

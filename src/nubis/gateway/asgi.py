"""The ASGI shapes the gateway's fronts share (HTTP pipelines, WebSocket sessions, ``@connections``), and the
one bounded body read they all need."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body; past ``limit`` the rest is drained and one byte over the limit kept, so that the caller can
    answer 413 without holding a huge body in memory."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        if size <= limit:
            chunks.append(chunk[: limit + 1 - size])
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)

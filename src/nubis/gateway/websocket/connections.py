"""The connection registry: each open WebSocket connection by id, held on the event loop (no thread per
connection). Local to the process: sibling processes of one server reach it through ``peers.py``; several nodes
sharing connections (design.md: Redis connection routing) are not served yet.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

AsgiSend = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ConnectionGone(Exception):
    """The connection closed while a frame was being sent to it."""


@dataclass(slots=True, eq=False)
class Connection:
    """What the gateway keeps for an open connection. Kept small: an idle server holds thousands of them."""

    id: str
    api_id: str
    stage: str
    source_ip: str
    user_agent: str | None
    connected_at: float
    """Seconds since the epoch."""
    send_asgi: AsgiSend
    last_active_at: float = 0.0
    authorizer: dict[str, Any] | None = None
    close_code: int | None = None
    """Set when the gateway closes the connection itself (idle, duration, DeleteConnection)."""
    closed: bool = False
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Lazy: holds no waiter queue until two sends contend."""

    def __post_init__(self) -> None:
        self.last_active_at = self.last_active_at or self.connected_at

    def touch(self) -> None:
        self.last_active_at = time.time()

    async def send_text(self, text: str) -> None:
        """One text frame to the client (frames from concurrent routes never interleave)."""
        if self.closed:
            raise ConnectionGone(self.id)
        async with self._lock:
            try:
                await self.send_asgi({"type": "websocket.send", "text": text})
            except Exception as exc:  # the ASGI server's "client disconnected" error, whatever its class
                raise ConnectionGone(self.id) from exc
        self.touch()  # a message sent counts as activity for the idle timeout, as one received does

    async def close(self, code: int, reason: str = "") -> None:
        """Close from the gateway's side. The ASGI server then hands the session a ``websocket.disconnect``
        (ASGI: sent when "the server closing the connection"), and the session runs ``$disconnect`` with this
        code."""
        if self.closed:
            return
        self.close_code = code
        self.closed = True
        async with self._lock:
            try:
                await self.send_asgi({"type": "websocket.close", "code": code, "reason": reason})
            except Exception:  # already gone: the session's receive loop sees the disconnect
                return


def _tag() -> str:
    return base64.urlsafe_b64encode(os.urandom(3)).decode()


class ConnectionRegistry:
    """Open connections by id; ``get`` answers None for closed and never-seen ids alike (both are Gone)."""

    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}
        self.tag = _tag()
        """Four URL-safe characters naming this process: every id it hands out starts with them."""

    def new_id(self) -> str:
        """AWS's id form, 16 characters of URL-safe base64 ending in ``=`` (``R1kmxc2VNjMCFIA=``) [V GO capture]; the
        first four are the registry's tag, so that a sibling process can route ``@connections`` calls here."""
        return self.tag + base64.urlsafe_b64encode(os.urandom(8)).decode()

    def owns(self, connection_id: str) -> bool:
        return connection_id.startswith(self.tag)

    def retag(self) -> None:
        """A new tag (before the first id: the sibling processes' tags must differ)."""
        self.tag = _tag()

    def add(self, connection: Connection) -> None:
        self._connections[connection.id] = connection

    def remove(self, connection_id: str) -> None:
        self._connections.pop(connection_id, None)

    def get(self, connection_id: str) -> Connection | None:
        connection = self._connections.get(connection_id)
        return None if connection is None or connection.closed else connection

    def __len__(self) -> int:
        return len(self._connections)

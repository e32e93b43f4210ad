"""The connection registry: each open WebSocket connection by id, held on the event loop (no thread per
connection). Local to the process; TODO(#7): a Redis registry that forwards ``@connections`` calls to the node
holding the socket (multi-worker mode).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

AsgiSend = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ConnectionGone(Exception):
    """The connection closed while a frame was being sent to it."""


@dataclass(slots=True, eq=False)
class Connection:
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
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.last_active_at = self.last_active_at or self.connected_at

    def touch(self) -> None:
        self.last_active_at = time.time()

    async def send_text(self, text: str) -> None:
        """One text frame to the client (frames from concurrent routes never interleave)."""
        if self.closed.is_set():
            raise ConnectionGone(self.id)
        async with self._lock:
            try:
                await self.send_asgi({"type": "websocket.send", "text": text})
            except Exception as exc:  # the ASGI server's "client disconnected" error, whatever its class
                raise ConnectionGone(self.id) from exc

    async def close(self, code: int, reason: str = "") -> None:
        """Close from the gateway's side; the session then runs ``$disconnect`` with this code."""
        if self.closed.is_set():
            return
        self.close_code = code
        self.closed.set()
        async with self._lock:
            try:
                await self.send_asgi({"type": "websocket.close", "code": code, "reason": reason})
            except Exception:  # already gone: the session's receive loop sees the disconnect
                return


class ConnectionRegistry:
    """Open connections by id; ``get`` answers None for closed and never-seen ids alike (both are Gone)."""

    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}

    def add(self, connection: Connection) -> None:
        self._connections[connection.id] = connection

    def remove(self, connection_id: str) -> None:
        self._connections.pop(connection_id, None)

    def get(self, connection_id: str) -> Connection | None:
        connection = self._connections.get(connection_id)
        return None if connection is None or connection.closed.is_set() else connection

    def __len__(self) -> int:
        return len(self._connections)

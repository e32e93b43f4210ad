"""AWS's WebSocket numbers [reference §4.5: D limits.md, api-gateway-known-issues.md]."""

from __future__ import annotations

from dataclasses import dataclass

MAX_MESSAGE_BYTES = 128 * 1024
"""A message (all its frames) may hold 128 KB; a larger one closes the connection with 1009 [D limits.md]. The
server's WebSocket protocol enforces it (uvicorn ``ws_max_size``); ``@connections`` POST answers 413."""
MAX_FRAME_BYTES = 32 * 1024
"""AWS's frame limit [D limits.md]. TODO(#7): not enforced, the ASGI server reassembles frames before we see them."""
IDLE_TIMEOUT = 600.0
"""Idle connection timeout, 10 minutes [D limits.md]."""
MAX_CONNECTION_DURATION = 7200.0
"""Maximum connection duration, 2 hours [D limits.md]."""
GOING_AWAY = 1001
"""The close code the gateway uses when it ends a connection itself (idle, too old, DeleteConnection) [?]."""
UNSUPPORTED_DATA = 1003
"""Binary frames are refused with 1003 [D websocket-api-develop-binary-media-types.md]."""


@dataclass(frozen=True, slots=True)
class WebSocketLimits:
    """The configurable limits (shortened in tests)."""

    idle_timeout: float = IDLE_TIMEOUT
    max_duration: float = MAX_CONNECTION_DURATION

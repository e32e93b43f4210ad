"""AWS's WebSocket numbers [reference §4.5: D limits.md, api-gateway-known-issues.md], and the ASGI server settings
that enforce the two that live below the ASGI interface (frame and message sizes)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_BYTES = 128 * 1024
"""A message (all its frames) may hold 128 KB; a larger one closes the connection with 1009 [D limits.md].
``@connections`` POST answers 413 above it."""
MAX_FRAME_BYTES = 32 * 1024
"""A frame may hold 32 KB: a message over 32 KB must be sent in several frames, and a larger frame closes the
connection with 1009, as a larger message does [D limits.md; P repost "api gateway websockets size limit"]."""
MESSAGE_TOO_BIG = 1009
IDLE_TIMEOUT = 600.0
"""Idle connection timeout, 10 minutes [D limits.md]."""
MAX_CONNECTION_DURATION = 7200.0
"""Maximum connection duration, 2 hours [D limits.md]."""
GOING_AWAY = 1001
"""The close code the gateway uses when it ends a connection itself (idle, too old) [?]."""
UNSUPPORTED_DATA = 1003
"""Binary frames are refused with 1003 [D websocket-api-develop-binary-media-types.md]."""


@dataclass(frozen=True, slots=True)
class WebSocketLimits:
    """The configurable limits (``nubis serve --ws-idle-timeout/--ws-max-duration``; shortened in tests).
    ``math.inf`` means no limit."""

    idle_timeout: float = IDLE_TIMEOUT
    max_duration: float = MAX_CONNECTION_DURATION
    binary_frames: str = "close"
    """``close``: AWS's 1003; ``base64``: a lenient switch for clients that cannot be changed, delivering binary
    frames to ``$default`` as base64 with ``isBase64Encoded: true`` (the form AWS gives binary HTTP bodies)."""

    @classmethod
    def from_seconds(cls, idle_timeout: float, max_duration: float, binary_frames: str = "close") -> WebSocketLimits:
        """Limits from settings, where 0 turns a limit off."""
        return cls(idle_timeout or math.inf, max_duration or math.inf, binary_frames)


def frame_limits_supported() -> bool:
    """Whether the installed websockets' sans-I/O protocol takes separate message and frame limits (a
    ``(max_message_size, max_fragment_size)`` pair, websockets 15 and later) and uvicorn can run it
    (``ws="websockets-sansio"``, uvicorn 0.35 and later)."""
    try:
        from uvicorn.config import WS_PROTOCOLS
        from websockets.server import ServerProtocol

        probe = ServerProtocol(max_size=(MAX_MESSAGE_BYTES, MAX_FRAME_BYTES))
    except (ImportError, TypeError):
        return False
    return "websockets-sansio" in WS_PROTOCOLS and getattr(probe, "max_fragment_size", None) == MAX_FRAME_BYTES


def uvicorn_websocket_options() -> dict[str, Any]:
    """uvicorn settings that make its WebSocket protocol behave as API Gateway's: AWS's sizes, no server pings.

    uvicorn reassembles a fragmented message before the application sees it, so the frame limit cannot be checked
    in the session: it is given to websockets' sans-I/O ``ServerProtocol``, whose parser refuses a frame over
    32 KB, or a message whose frames add up to more than 128 KB, by failing the connection with 1009 (the
    ``websocket.disconnect`` the session then reports to ``$disconnect``). With older libraries only the message
    limit is enforced.
    """
    # API Gateway sends no pings of its own (idle connections end by the idle timeout) [P ISSUE
    # andyrichardson/subscriptionless#3]; it still answers a client's pings, as the protocol layer does.
    options: dict[str, Any] = {"ws_ping_interval": None}
    if frame_limits_supported():
        return {**options, "ws": "websockets-sansio", "ws_max_size": (MAX_MESSAGE_BYTES, MAX_FRAME_BYTES)}
    return {**options, "ws_max_size": MAX_MESSAGE_BYTES}

"""WebSocket APIs: sessions, the connection registry and the ``@connections`` management API."""

from nubis.gateway.websocket.limits import WebSocketLimits
from nubis.gateway.websocket.server import WebSocketGateway

__all__ = ["WebSocketGateway", "WebSocketLimits"]

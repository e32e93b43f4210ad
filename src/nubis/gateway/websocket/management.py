"""The ``@connections`` management API (``apigatewaymanagementapi``): POST sends, GET describes, DELETE closes.

Wire contract [reference §4.4: BOTO service-2.json; D apigateway-how-to-call-websocket-api-connections.md]:
rest-json at ``/{stage}/@connections/{id}`` (also ``/@connections/{id}``). A closed or never-seen id is 410
``GoneException`` with an empty body and the type in ``x-amzn-ErrorType`` [ISSUE localstack#4694,
aws-sdk-java#2200]; an id of invalid format is 400. SigV4 signatures are accepted, not verified, unless the server
passes an ``authenticate`` callable (``serve --verify-signatures``): then a request it refuses gets 403 with the
AWS error type and message it names (AWS's front end: ``x-amzn-ErrorType`` and ``{"message"}`` [?]).

``ConnectionsApi.handle`` is the operation without HTTP (method, id, body → ``Reply``), so that a sibling server
process can run it for a connection it holds (``peers.py``); ``ManagementApi`` is its ASGI front.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import unquote

import orjson

from nubis.gateway.asgi import Receive, Scope, Send, read_body
from nubis.gateway.ids import uuid4
from nubis.gateway.websocket.connections import ConnectionGone, ConnectionRegistry
from nubis.gateway.websocket.limits import MAX_MESSAGE_BYTES

Authenticate = Callable[[Scope, bytes], "tuple[str, str] | None"]
"""Checks a request (scope and whole body): None to let it through, or the AWS error type and message."""

PATH = re.compile(r"^(?:/[^/]+)?/@connections/([^/]+)$")
_CONNECTION_ID = re.compile(r"^[A-Za-z0-9_\-+/=]{1,128}$")
DELETE_CLOSE_CODE = 1000
"""The close code a client sees after DeleteConnection [?]."""


def is_management_path(path: str) -> bool:
    return PATH.match(path) is not None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(epoch * 1000) % 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer before HTTP: status, AWS error type (``x-amzn-ErrorType``) or None, body."""

    status: int
    error_type: str | None = None
    body: bytes = b""


GONE = Reply(410, "GoneException")


def _error(status: int, error_type: str, message: str) -> Reply:
    return Reply(status, error_type, orjson.dumps({"message": message}))


class Forwarder(Protocol):
    """Runs an operation in the sibling process that holds the connection; None when no process holds it."""

    async def forward(self, method: str, connection_id: str, body: bytes) -> Reply | None: ...


class ConnectionsApi:
    """The three operations on this process's registry, and on its siblings' through ``forwarder``."""

    def __init__(self, registry: ConnectionRegistry, forwarder: Forwarder | None = None) -> None:
        self.registry = registry
        self.forwarder = forwarder

    async def handle(self, method: str, connection_id: str, body: bytes) -> Reply:
        if not _CONNECTION_ID.match(connection_id):
            return _error(400, "BadRequestException", "Invalid connectionId: " + connection_id)
        if method not in ("POST", "GET", "DELETE"):
            return _error(403, "ForbiddenException", "Forbidden")
        if method == "POST" and len(body) > MAX_MESSAGE_BYTES:
            # Checked before the connection is looked up (nor forwarded): request validation first [?].
            return _error(413, "PayloadTooLargeException", "Message too long")
        connection = self.registry.get(connection_id)
        if connection is None:
            if self.forwarder is not None and not self.registry.owns(connection_id):
                return await self.forwarder.forward(method, connection_id, body) or GONE
            return GONE
        if method == "GET":
            info = {
                "connectedAt": _iso(connection.connected_at),
                "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent or ""},
                "lastActiveAt": _iso(connection.last_active_at),
            }
            return Reply(200, None, orjson.dumps(info))
        if method == "DELETE":
            await connection.close(DELETE_CLOSE_CODE)
            return Reply(204)
        try:
            await connection.send_text(body.decode("utf-8", "replace"))
        except ConnectionGone:
            return GONE
        return Reply(200)


class ManagementApi:
    """The ASGI front of ``ConnectionsApi`` (and of the signature check, when the server verifies them)."""

    def __init__(self, api: ConnectionsApi, *, authenticate: Authenticate | None = None) -> None:
        self.api = api
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        found = PATH.match(raw.decode("latin-1").split("?", 1)[0])
        assert found is not None, "the gateway only sends @connections paths"
        connection_id = unquote(found.group(1))  # ids arrive percent-encoded (R0oXAdfD0kwCH6w%3D) [D]
        body = await read_body(receive, MAX_MESSAGE_BYTES)
        method = scope["method"]
        # An oversized POST is 413 before its signature is checked: its body was cut at the limit [?].
        too_large = method == "POST" and len(body) > MAX_MESSAGE_BYTES
        refusal = self.authenticate(scope, body) if self.authenticate is not None and not too_large else None
        if refusal is not None:
            reply = _error(403, *refusal)
        else:
            reply = await self.api.handle(method, connection_id, body)
        headers = [(b"x-amzn-requestid", uuid4().encode())]
        if reply.error_type is not None:
            headers.append((b"x-amzn-errortype", reply.error_type.encode()))
        if reply.body:
            headers.append((b"content-type", b"application/json"))
        headers += [
            (b"date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()).encode()),
            (b"content-length", str(len(reply.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})

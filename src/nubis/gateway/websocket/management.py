"""The ``@connections`` management API (``apigatewaymanagementapi``): POST sends, GET describes, DELETE closes.

Wire contract [reference §4.4: BOTO service-2.json; D apigateway-how-to-call-websocket-api-connections.md]:
rest-json at ``/{stage}/@connections/{id}`` (also ``/@connections/{id}``). A closed or never-seen id is 410
``GoneException`` with an empty body and the type in ``x-amzn-ErrorType`` [ISSUE localstack#4694,
aws-sdk-java#2200]; an id of invalid format is 400. SigV4 signatures are accepted, not verified, unless the server
passes an ``authenticate`` callable (``serve --verify-signatures``): then a request it refuses gets 403 with the
AWS error type and message it names (AWS's front end: ``x-amzn-ErrorType`` and ``{"message"}`` [?]).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import orjson

from nubis.gateway.websocket.connections import ConnectionGone, ConnectionRegistry
from nubis.gateway.websocket.limits import MAX_MESSAGE_BYTES

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
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


async def _read(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit + 1:
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class ManagementApi:
    def __init__(self, registry: ConnectionRegistry, *, authenticate: Authenticate | None = None) -> None:
        self.registry = registry
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        found = PATH.match(raw.decode("latin-1").split("?", 1)[0])
        assert found is not None, "the gateway only sends @connections paths"
        connection_id = unquote(found.group(1))  # ids arrive percent-encoded (R0oXAdfD0kwCH6w%3D) [D]
        method = scope["method"]
        body = await _read(receive, MAX_MESSAGE_BYTES)
        if self.authenticate is not None:
            refusal = self.authenticate(scope, body)
            if refusal is not None:
                await _error(send, 403, *refusal)
                return
        if not _CONNECTION_ID.match(connection_id):
            await _error(send, 400, "BadRequestException", "Invalid connectionId: " + connection_id)
            return
        if method not in ("POST", "GET", "DELETE"):
            await _error(send, 403, "ForbiddenException", "Forbidden")
            return
        connection = self.registry.get(connection_id)
        if connection is None:
            await _respond(send, 410, b"", [(b"x-amzn-errortype", b"GoneException")])
            return
        if method == "GET":
            info = {
                "connectedAt": _iso(connection.connected_at),
                "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent or ""},
                "lastActiveAt": _iso(connection.last_active_at),
            }
            await _respond(send, 200, orjson.dumps(info), [(b"content-type", b"application/json")])
        elif method == "DELETE":
            await connection.close(DELETE_CLOSE_CODE)
            await _respond(send, 204, b"", [])
        else:
            if len(body) > MAX_MESSAGE_BYTES:
                await _error(send, 413, "PayloadTooLargeException", "Message too long")
                return
            try:
                await connection.send_text(body.decode("utf-8", "replace"))
            except ConnectionGone:
                await _respond(send, 410, b"", [(b"x-amzn-errortype", b"GoneException")])
                return
            await _respond(send, 200, b"", [])


async def _error(send: Send, status: int, error_type: str, message: str) -> None:
    headers = [(b"x-amzn-errortype", error_type.encode()), (b"content-type", b"application/json")]
    await _respond(send, status, orjson.dumps({"message": message}), headers)


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    out = [
        *headers,
        (b"x-amzn-requestid", str(uuid.uuid4()).encode()),
        (b"date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()).encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": body})

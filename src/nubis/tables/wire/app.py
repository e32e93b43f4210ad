"""The DynamoDB JSON protocol as a raw ASGI app: ``POST /`` with ``X-Amz-Target: DynamoDB_20120810.<Op>``.

Steps, in AWS's order ([P] dynalite index.js, checked against AWS):

1. ``GET`` answers the health string; a non-POST or a body with a foreign content type gets 404
   ``<UnknownOperationException/>``; a body over 16 MB gets 413.
2. The body must be JSON (else ``SerializationException``), the target a known API and operation (else
   ``UnknownOperationException``).
3. The signature must be present and well-formed (``wire.auth``); its scope's region is the table namespace. With
   a ``SignatureVerifier`` (``serve --verify-signatures``) it must also be valid, made with a known key.
4. ``wire.validate`` checks the request's shape against the generated botocore model.
5. The engine runs the operation; the result or the catalogue error is encoded with orjson, with ``x-amz-crc32``
   (botocore verifies it) and ``x-amzn-RequestId``.

Raw ASGI rather than a framework: this is the hottest path in Nubis and needs nothing a framework adds.
"""

from __future__ import annotations

import os
import random
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from nubis.tables.engine.engine import Engine
from nubis.tables.errors import DynamoDBError, SerializationException, UnknownOperationException
from nubis.tables.wire.auth import SignatureVerifier, region_from_request
from nubis.tables.wire.errors import render_exception
from nubis.tables.wire.validate import validate_request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_REQUEST_BYTES = 16 * 1024 * 1024
TARGET_PREFIXES = (b"DynamoDB_20120810.",)
JSON_TYPES = (b"application/x-amz-json-1.0", b"application/json")


_ids = random.Random(os.urandom(16))


def new_request_id() -> str:
    """52 characters of ``[A-Z0-9]``, the form of DynamoDB's request ids.

    A seeded PRNG, not ``os.urandom``: ids need uniqueness, not secrecy, and ``urandom`` releases the GIL on
    every call, handing it to the storage writer mid-request ([bench] 95 µs per call under write load).
    """
    return f"{_ids.getrandbits(208):052X}"


async def read_body(receive: Receive, limit: int = MAX_REQUEST_BYTES) -> bytes | None:
    """The whole request body, or None when it passes ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks) if len(chunks) != 1 else chunks[0]


def is_dynamodb_request(scope: Scope) -> bool:
    """Whether the shared endpoint should route this request here (the server's dispatcher asks)."""
    for name, value in scope["headers"]:
        if name == b"x-amz-target":
            return bool(value.startswith(TARGET_PREFIXES))
    return False


class DynamoDBApp:
    """The table service's ASGI app; ``verifier`` makes it refuse requests not signed with a known key."""

    def __init__(
        self, engine: Engine, *, default_region: str = "us-east-1", verifier: SignatureVerifier | None = None
    ) -> None:
        self.engine = engine
        self.default_region = default_region
        self.verifier = verifier
        self._operations = engine.operations

    max_body = MAX_REQUEST_BYTES
    """The largest body ``answer`` takes; the listener leaves bigger ones to the ASGI path, which answers 413."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "GET":
            request_id = new_request_id()
            body = f"healthy: dynamodb.{self.default_region}.amazonaws.com ".encode()
            await _send(send, 200, _headers(body, request_id, b"text/plain"), body)
            return
        whole = await read_body(receive)
        if whole is None:
            await _send(send, 413, _headers(b"", new_request_id(), b"text/plain"), b"")
            return
        status, headers, payload = await self.answer(scope, whole)
        await _send(send, status, headers, payload)

    async def answer(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """The response to a request whose body has been read: status, headers and payload.

        The listener calls this directly for a POST with a DynamoDB target (``nubis.listener``), skipping the
        ASGI messages; ``scope`` then holds only what is read here.
        """
        request_id = new_request_id()
        headers: dict[bytes, bytes] = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip()
        if scope["method"] != "POST" or (body and content_type not in JSON_TYPES):
            payload = b"<UnknownOperationException/>\n"
            return 404, _headers(payload, request_id, b"text/plain"), payload
        out_type = b"application/x-amz-json-1.0" if content_type != b"application/json" else b"application/json"
        operation = ""
        try:
            request = _decode(body)
            target = headers.get(b"x-amz-target", b"").decode("latin-1")
            api, _, operation = target.partition(".")
            if api != "DynamoDB_20120810" or operation not in self._operations:
                raise UnknownOperationException()
            if self.verifier is not None:
                region = self.verifier.verify(scope, body, "dynamodb")
            else:
                authorization = headers.get(b"authorization")
                query_string = scope.get("query_string")
                region = region_from_request(
                    authorization.decode("latin-1") if authorization is not None else None,
                    dict(parse_qsl(query_string.decode("latin-1"))) if query_string else {},
                    b"x-amz-date" in headers or b"date" in headers,
                    self.default_region,
                )
            validate_request(operation, request)
            result = await self.engine.execute_async(operation, region, request)
            status, payload = 200, orjson.dumps(result)
        except Exception as exc:
            status, error = render_exception(exc, request_id, operation)
            payload = orjson.dumps(error)
        return status, _headers(payload, request_id, out_type), payload


def _decode(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise SerializationException("") from exc
    if not isinstance(request, dict):
        raise SerializationException("Start of list found where not expected" if isinstance(request, list) else "")
    return request


def _headers(payload: bytes, request_id: str, content_type: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"server", b"Server"),  # what DynamoDB answers with (botocore's HTTPHeaders in users' logs) [P]
        (b"content-type", content_type),
        (b"content-length", b"%d" % len(payload)),
        (b"x-amzn-requestid", request_id.encode()),
        (b"x-amz-crc32", b"%d" % zlib.crc32(payload)),
    ]


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], payload: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


__all__ = ["DynamoDBApp", "DynamoDBError", "is_dynamodb_request"]

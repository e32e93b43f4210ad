"""WebSocket Lambda proxy events (``CONNECT``, ``MESSAGE``, ``DISCONNECT``) and the reading of handler results.

Pure builders: a ``WebSocketEventInput`` in, AWS's event dict out [reference §4.2: D lambda-auth page, V GO
captures ``apigw-websocket-request-send-message.json`` and ``-disconnect.json``]. There is no ``version`` key; the
shape is REST-1.0-like. Headers and the query string appear on ``CONNECT`` only; ``MESSAGE`` carries ``body`` and
``messageId``; ``DISCONNECT`` carries ``disconnectStatusCode`` and ``disconnectReason``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

EventType = Literal["CONNECT", "MESSAGE", "DISCONNECT"]


@dataclass(frozen=True, slots=True)
class WebSocketEventInput:
    """Everything an event is built from; the session fills it."""

    route_key: str
    event_type: EventType
    connection_id: str
    connected_at: int
    """Milliseconds since the epoch; constant for the connection."""
    request_id: str
    extended_request_id: str
    request_time: str
    """Common Log Format (``20/Jan/2024:11:55:08 +0000``)."""
    request_time_epoch: int
    stage: str
    api_id: str
    domain_name: str
    source_ip: str
    user_agent: str | None
    headers: Sequence[tuple[str, str]] = ()
    query: Sequence[tuple[str, str]] = ()
    body: str | None = None
    base64_encoded: bool = False
    """The body is a binary frame in base64 (delivered only under ``--ws-binary-frames base64``)."""
    message_id: str | None = None
    disconnect_status_code: int | None = None
    disconnect_reason: str = ""
    authorizer: Mapping[str, Any] | None = None
    stage_variables: Mapping[str, str] = field(default_factory=dict)


def _request_context(source: WebSocketEventInput) -> dict[str, Any]:
    context: dict[str, Any] = {"routeKey": source.route_key}
    if source.message_id is not None:
        context["messageId"] = source.message_id
    if source.event_type == "DISCONNECT":
        context["disconnectStatusCode"] = source.disconnect_status_code
        context["disconnectReason"] = source.disconnect_reason
    context.update(
        {
            "eventType": source.event_type,
            "extendedRequestId": source.extended_request_id,
            "requestTime": source.request_time,
            "messageDirection": "IN",
            "stage": source.stage,
            "connectedAt": source.connected_at,
            "requestTimeEpoch": source.request_time_epoch,
            "identity": {
                "sourceIp": source.source_ip,
                **({"userAgent": source.user_agent} if source.user_agent else {}),
            },
            "requestId": source.request_id,
            "domainName": source.domain_name,
            "connectionId": source.connection_id,
            "apiId": source.api_id,
        }
    )
    if source.authorizer is not None:
        context["authorizer"] = dict(source.authorizer)
    return context


def _single_and_multi(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value  # AWS: a repeated key keeps the last value in the single-value map [V LS]
        multi.setdefault(key, []).append(value)
    return single, multi


def build_websocket_event(source: WebSocketEventInput) -> dict[str, Any]:
    """The Lambda proxy event AWS sends for a WebSocket route."""
    event: dict[str, Any] = {}
    if source.event_type == "CONNECT":
        headers, multi_headers = _single_and_multi(source.headers)
        event["headers"] = headers
        event["multiValueHeaders"] = multi_headers
        if source.query:
            query, multi_query = _single_and_multi(source.query)
            event["queryStringParameters"] = query
            event["multiValueQueryStringParameters"] = multi_query
    elif source.event_type == "DISCONNECT":
        # AWS: $disconnect carries these four headers with empty values except Host [V GO capture].
        host = next((v for k, v in source.headers if k.lower() == "host"), source.domain_name)
        headers = {"Host": host, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
        event["headers"] = headers
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    if source.stage_variables:
        event["stageVariables"] = dict(source.stage_variables)
    event["requestContext"] = _request_context(source)
    if source.event_type == "MESSAGE":
        event["body"] = source.body or ""
    event["isBase64Encoded"] = source.base64_encoded
    return event


def connect_status(payload: bytes) -> tuple[int, dict[str, str]]:
    """The ``$connect`` result's status and headers. A result that is not an object with a numeric
    ``statusCode`` counts as 200 when it is ``null`` (a handler that returns nothing) and 500 otherwise [?]."""
    try:
        result = orjson.loads(payload) if payload else None
    except orjson.JSONDecodeError:
        return 500, {}
    if result is None:
        return 200, {}
    if not isinstance(result, dict):
        return 500, {}
    status = result.get("statusCode", 200)
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return 500, {}
    raw_headers = result.get("headers")
    headers = {str(k): str(v) for k, v in raw_headers.items()} if isinstance(raw_headers, dict) else {}
    return status, headers


def reply_body(payload: bytes) -> str | None:
    """What a two-way route sends back: the result's ``body`` for a proxy-shaped result, else the result itself
    as JSON [D apigateway-websocket-api-route-response.md]. None: nothing to send."""
    try:
        result = orjson.loads(payload) if payload else None
    except orjson.JSONDecodeError:
        return payload.decode("utf-8", "replace")
    if result is None:
        return None
    if isinstance(result, dict) and ("body" in result or "statusCode" in result):
        body = result.get("body")
        if body is None:
            return None
        return body if isinstance(body, str) else orjson.dumps(body).decode()
    if isinstance(result, str):
        return result
    return orjson.dumps(result).decode()


def error_frame(message: str, connection_id: str, request_id: str) -> str:
    """AWS's error frame, with AWS's own spacing (a space after the first colon only) [D; ISSUE
    aws-samples/simple-websockets-chat-app#24, #46]."""
    return f'{{"message": "{message}", "connectionId":"{connection_id}", "requestId":"{request_id}"}}'

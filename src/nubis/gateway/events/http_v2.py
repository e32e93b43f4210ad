"""Payload 2.0 for HTTP APIs: the event and AWS's response inference.

Event rules [D http-api-develop-integrations-lambda.md; GO apigw-v2-request-no-authorizer.json]: header names
lowercased and repeated headers comma-joined; ``Cookie`` headers become ``cookies`` (and leave ``headers``);
repeated query keys comma-joined; empty collections and an empty body omitted; ``rawPath`` keeps a named stage
and, like ``http.path`` and ``pathParameters``, is percent-decoded (``rawQueryString`` is as sent).

Result inference [D; reference §2.2]: an object with ``statusCode`` is a response description (``headers``,
``cookies``, ``body``, ``isBase64Encoded``; other keys ignored); any other JSON value is a 200
``application/json`` response whose body is the value (a string as its text).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from nubis.gateway.context import HttpResponse, InvocationContext
from nubis.gateway.events.normalise import body_is_binary, domain_prefix, encode_body, forwarded_headers, query_pairs
from nubis.gateway.events.shapes import HttpV2Event, MalformedResultError


def build_http_v2_event(ctx: InvocationContext) -> HttpV2Event:
    assert ctx.match is not None
    deployment = ctx.deployment
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in forwarded_headers(ctx):
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    query: dict[str, str] = {}
    for key, value in query_pairs(ctx.raw_query):
        query[key] = f"{query[key]},{value}" if key in query else value
    as_base64 = body_is_binary(ctx.header("content-type")) and bool(ctx.body)
    event: HttpV2Event = {
        "version": "2.0",
        "routeKey": ctx.match.route_key,
        "rawPath": ctx.path,
        "rawQueryString": ctx.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": deployment.account,
            "apiId": deployment.api.id,
            "domainName": ctx.domain_name,
            "domainPrefix": domain_prefix(ctx.domain_name),
            "http": {
                "method": ctx.method,
                "path": ctx.path,
                "protocol": ctx.protocol,
                "sourceIp": ctx.source_ip,
                "userAgent": ctx.header("user-agent") or "",
            },
            "requestId": ctx.request_id,
            "routeKey": ctx.match.route_key,
            "stage": deployment.stage.name,
            "time": ctx.request_time,
            "timeEpoch": ctx.request_time_epoch,
        },
        "isBase64Encoded": as_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if ctx.match.path_parameters:
        event["pathParameters"] = dict(ctx.match.path_parameters)
    if deployment.stage_variables:
        event["stageVariables"] = dict(deployment.stage_variables)
    if ctx.body:
        event["body"] = encode_body(ctx.body, as_base64)
    return event


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedResultError(f"{value!r} is not a string")


def parse_v2_result(payload: bytes) -> HttpResponse:
    """A 2.0 result to a response.

    Raises:
        MalformedResultError: invalid JSON, or a ``statusCode`` that is not an HTTP status (the caller's 500).
    """
    try:
        result = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise MalformedResultError("the result is not JSON") from exc
    if not isinstance(result, dict) or "statusCode" not in result:
        inferred = result.encode() if isinstance(result, str) else orjson.dumps(result)
        return HttpResponse(200, [("content-type", "application/json")], inferred)
    status = result["statusCode"]
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedResultError(f"statusCode {status!r} is not an HTTP status")
    headers: list[tuple[str, str]] = []
    raw_headers = result.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise MalformedResultError("headers is not an object")
    for name, value in raw_headers.items():
        if value is not None:
            headers.append((name, _text(value)))
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResultError("cookies is not a list")
    headers.extend(("set-cookie", _text(cookie)) for cookie in cookies)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("content-type", "text/plain; charset=utf-8"))  # [P fujiwara/ridge#9]
    body = result.get("body")
    data: bytes
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = body.encode()
        if result.get("isBase64Encoded") is True:
            try:
                data = base64.b64decode(body, validate=True)
            except binascii.Error as exc:
                raise MalformedResultError("body is not valid base64") from exc
    else:
        data = orjson.dumps(body)
    return HttpResponse(status, headers, data)

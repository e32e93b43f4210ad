"""Payload 1.0: the REST proxy event (and the HTTP API 1.0 variant) and the reading of a 1.0 result.

Event rules [V LS test_lambda_aws_proxy_integration snapshot, reference §1.1-1.2, §1.4]: every empty map is
``null``; ``headers`` keeps the last value of a repeated header, ``multiValueHeaders`` all of them; query values are
decoded, the single-value map keeps the last; ``path`` is the path inside the stage, ``requestContext.path`` the
full path; REST bodies are base64 only when the Content-Type matches ``binaryMediaTypes``.

Result rules [V LS test_aws_proxy_response_payload_format_validation, reference §2.1]: a JSON object with only the
keys statusCode/headers/multiValueHeaders/body/isBase64Encoded; anything else is malformed (the caller's 502).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from nubis.gateway.context import HttpResponse, InvocationContext
from nubis.gateway.events.normalise import (
    body_is_binary,
    domain_prefix,
    encode_body,
    forwarded_headers,
    matches_media_types,
    query_pairs,
)
from nubis.gateway.events.shapes import MalformedResultError, RestIdentity, RestProxyEvent, RestRequestContext

RESULT_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})


def _identity(ctx: InvocationContext) -> RestIdentity:
    return {
        "accessKey": None,
        "accountId": None,
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": ctx.source_ip,
        "user": None,
        "userAgent": ctx.header("user-agent"),
        "userArn": None,
    }


def build_rest_v1_event(ctx: InvocationContext, *, http_api: bool = False) -> RestProxyEvent:
    """The proxy event for a matched request. ``http_api``: the HTTP API payload 1.0 variant."""
    assert ctx.match is not None
    deployment = ctx.deployment
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in forwarded_headers(ctx):
        key = name.lower() if http_api else name
        headers[key] = value
        multi_headers.setdefault(key, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for key, value in query_pairs(ctx.raw_query):
        query[key] = value
        multi_query.setdefault(key, []).append(value)
    if http_api:
        as_base64 = body_is_binary(ctx.header("content-type"))
    else:
        as_base64 = matches_media_types(ctx.header("content-type"), deployment.api.binary_media_types)
    # REST: the path inside the stage, a doubled slash right after the stage collapsed [V LS snapshot]. HTTP APIs
    # keep a named stage in the path, as in 2.0's rawPath ($default never appears) [ISSUE sivchari/kumo#871].
    path = ctx.path if http_api else ctx.stage_path
    while path.startswith("//"):
        path = path[1:]
    stage = deployment.stage.name
    context: RestRequestContext = {
        "accountId": deployment.account,
        "apiId": deployment.api.id,
        "deploymentId": deployment.deployment_id,
        "domainName": ctx.domain_name,
        "domainPrefix": domain_prefix(ctx.domain_name),
        "extendedRequestId": ctx.extended_request_id,
        "httpMethod": ctx.method,
        "identity": _identity(ctx),
        "path": ctx.path,
        "protocol": ctx.protocol,
        "requestId": ctx.request_id,
        "requestTime": ctx.request_time,
        "requestTimeEpoch": ctx.request_time_epoch,
        "resourceId": None if http_api else ctx.match.resource_id,
        "resourcePath": ctx.match.resource_path or ctx.match.route_key,
        "stage": stage,
    }
    if http_api:
        context["authorizer"] = {"claims": None, "scopes": None}
    event: RestProxyEvent = {
        "resource": ctx.match.resource_path or ctx.match.route_key,
        "path": path,
        "httpMethod": ctx.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(ctx.match.path_parameters) or None,
        "stageVariables": dict(deployment.stage_variables) or None,
        "requestContext": context,
        "body": encode_body(ctx.body, as_base64) if ctx.body else None,
        "isBase64Encoded": as_base64 and bool(ctx.body),
    }
    if http_api:
        return {"version": "1.0", **event}
    return event


def _status(value: Any) -> int:
    if isinstance(value, bool):
        raise MalformedResultError("statusCode must be a number")
    if isinstance(value, int):
        status = value
    elif isinstance(value, str) and value.isdigit():
        status = int(value)  # numeric strings are accepted [V LS]
    else:
        raise MalformedResultError(f"statusCode {value!r} is not a number")
    if not 100 <= status <= 599:
        raise MalformedResultError(f"statusCode {status} is not an HTTP status")
    return status


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedResultError(f"header value {value!r} is not a string")


def parse_v1_result(payload: bytes, *, binary_ok: bool) -> HttpResponse:
    """A 1.0 result to a response. ``binary_ok``: the request's Accept matches ``binaryMediaTypes``, so
    ``isBase64Encoded`` bodies are decoded (otherwise the base64 text is sent literally) [V LS].

    Raises:
        MalformedResultError: not an object, an unknown key, a bad status, header or body.
    """
    try:
        result = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise MalformedResultError("the result is not JSON") from exc
    if not isinstance(result, dict) or not result:
        raise MalformedResultError("the result is not a non-empty object")
    unknown = set(result) - RESULT_KEYS
    if unknown:
        raise MalformedResultError(f"unknown keys {sorted(unknown)}")
    status = _status(result.get("statusCode", 200))
    merged: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    suppressed: set[str] = set()
    multi = result.get("multiValueHeaders")
    if multi is not None:
        if not isinstance(multi, dict):
            raise MalformedResultError("multiValueHeaders is not an object")
        for name, values in multi.items():
            if not isinstance(values, list):
                raise MalformedResultError(f"multiValueHeaders[{name!r}] is not a list")
            names.setdefault(name.lower(), name)
            merged.setdefault(name.lower(), []).extend(_header_value(v) for v in values)
    single = result.get("headers")
    if single is not None:
        if not isinstance(single, dict):
            raise MalformedResultError("headers is not an object")
        for name, value in single.items():
            if value is None:
                suppressed.add(name.lower())  # "Content-Type: null" suppresses the default [ISSUE sam-cli#1218]
                continue
            names.setdefault(name.lower(), name)
            merged.setdefault(name.lower(), []).append(_header_value(value))
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedResultError("body is not a string")
    data = (body or "").encode()
    if result.get("isBase64Encoded") is True and binary_ok and body:
        try:
            data = base64.b64decode(body, validate=True)
        except binascii.Error as exc:
            raise MalformedResultError("body is not valid base64") from exc
    # One header line per value: the reason multiValueHeaders exists is several Set-Cookie lines, which a
    # comma-joined line would merge into one cookie [D AWS blog "multi-value parameters"; ISSUE
    # dougmoscrop/serverless-http#168]. Clients that join repeated headers still read "value1, value2" [V LS].
    headers = [(names[key], value) for key, values in merged.items() for value in values]
    if "content-type" not in merged and "content-type" not in suppressed:
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, data)

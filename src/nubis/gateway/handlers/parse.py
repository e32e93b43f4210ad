"""``parse``: request ids, times, the X-Ray trace header and the size limits of a request (URL, header values,
10 MB payload)."""

from __future__ import annotations

import time

from nubis.gateway.context import InvocationContext
from nubis.gateway.ids import clf_time, short_id, trace_header, uuid4
from nubis.gateway.responses import (
    MAX_HEADER_BYTES,
    MAX_PAYLOAD,
    MAX_URL_LENGTH,
    HeadersTooLarge,
    RequestTooLarge,
    UrlTooLong,
)
from nubis.project.model import ApiKind


async def parse_request(ctx: InvocationContext) -> None:
    now = time.time()
    ctx.request_time_epoch = int(now * 1000)
    ctx.request_time = clf_time(now)
    ctx.extended_request_id = short_id()
    # REST request ids are UUIDs; HTTP API ids are the short form (also ``apigw-requestid``) [D, V LS].
    rest = ctx.deployment.kind is not ApiKind.HTTP
    ctx.request_id = uuid4() if rest else short_id()
    incoming = None
    for name, value in ctx.headers:  # not ctx.header(): its index of every header is not needed on most requests
        if len(name) == 15 and name.lower() == "x-amzn-trace-id":
            incoming = value
    ctx.trace_id = trace_header(incoming, now, rest=rest)
    url_length = len(ctx.path) + (len(ctx.raw_query) + 1 if ctx.raw_query else 0)
    if url_length > MAX_URL_LENGTH:
        raise UrlTooLong()
    # "GET /path?query HTTP/1.1" plus every header value (headers are latin-1: a character is a byte).
    request_line = len(ctx.method) + url_length + len("  HTTP/1.1")
    if request_line + sum(len(value) for _name, value in ctx.headers) > MAX_HEADER_BYTES:
        raise HeadersTooLarge()
    if len(ctx.body) > MAX_PAYLOAD:
        raise RequestTooLarge()
